import ArgumentParser
import Foundation
import RunhooksCore
import RunhooksServer
import RunhooksStore

extension Admin {
    struct SetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-password",
            abstract: "Set a user's password (for one who forgot it).",
            discussion: """
                Asks for the new password twice on a terminal, or reads one line with --password-stdin. \
                The account's sessions end: its refresh tokens stop working at once, its access \
                tokens when they expire (15 minutes). Its API key is not touched.
                """)
        @Argument(help: "User id or email.") var user: String
        @Flag(help: "Read the password from standard input (one line), for scripts.") var passwordStdin = false
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let password = try PasswordPrompt(fromStdin: passwordStdin, purpose: "set-password").readNew()
            let count = password.unicodeScalars.count
            guard FieldLimits.password.contains(count) else {
                throw CommandFailure(
                    "the password must be \(FieldLimits.password.lowerBound) to \(FieldLimits.password.upperBound) characters, got \(count)")
            }
            let hash = try await PasswordHasher().hash(password)
            guard let updated = try await store.withStore({ try await $0.setPasswordHash(hash, forUser: user, at: Date()) }) else {
                throw CommandFailure("no user with id or email '\(user)'")
            }
            guard let email = updated.email else {
                throw CommandFailure(
                    "\(updated.id) is an anonymous account (no email): it signs in with its API key, not a password; nothing changed")
            }
            print("\(updated.id) \(email): password set; its sessions have ended")
        }
    }
}
