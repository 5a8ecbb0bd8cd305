import ArgumentParser
import Foundation
import RunhooksCore
import RunhooksServer
import RunhooksStore

extension Admin {
    struct DeleteUser: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "delete-user",
            abstract: "Delete a user and everything the account owns.",
            discussion: """
                Deletes the account's jobs, executions, alerts and their deliveries, tokens, signing \
                secrets and run counters, for good. Its API key and sessions stop working within a \
                second on every running node, and its jobs are taken off the schedule at their next \
                slot without being sent.
                """)
        @Argument(help: "User id or email.") var user: String
        @Flag(help: "Confirm the deletion (required: there is no undo).") var yes = false
        @OptionGroup var store: StoreOptions

        func run() async throws {
            guard yes else {
                throw CommandFailure(
                    "this deletes the account '\(user)' and all its data, with no undo; run again with --yes to go ahead")
            }
            guard let deleted = try await store.withStore({ try await $0.deleteUser(user, chunk: AuthService.deletionChunk) }) else {
                throw CommandFailure("no user with id or email '\(user)'")
            }
            print("\(deleted.id) \(deleted.email ?? deleted.name): deleted, with everything it owned")
        }
    }
}
