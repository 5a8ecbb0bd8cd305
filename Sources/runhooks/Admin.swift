import ArgumentParser
import Foundation
import RunhooksCore
import RunhooksServer
import RunhooksStore

struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Administer accounts directly in the store (works while a server runs).",
        subcommands: [SetPlan.self, SetRole.self])
}

struct StoreOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "The server's data directory (RUNHOOKS_DATA_DIR).") var dataDir: String?
    @Option(help: "Store URL: sqlite:PATH (RUNHOOKS_DATABASE).") var database: String?

    func openStore() throws -> SQLiteStore {
        var configuration = ServerConfiguration()
        configuration.dataDirectory = dataDir ?? Environment.value("DATA_DIR") ?? configuration.dataDirectory
        configuration.databaseURL = database ?? Environment.value("DATABASE")
        let path = try configuration.sqlitePath()
        guard FileManager.default.fileExists(atPath: path) else {
            throw CommandFailure("no Runhooks database at \(path); pass --data-dir or --database")
        }
        return try SQLiteStore(path: path)
    }
}

extension Admin {
    struct SetPlan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-plan", abstract: "Change a user's plan.")
        @Argument(help: "User id or email.") var user: String
        @Argument(help: "free, starter, production or growth.") var plan: String
        @OptionGroup var store: StoreOptions

        func run() async throws {
            guard let parsed = Plan(rawValue: plan.lowercased()) else {
                throw ValidationError("plan must be free, starter, production or growth, got '\(plan)'")
            }
            guard let updated = try await store.openStore().setPlan(parsed, forUser: user, at: Date()) else {
                throw CommandFailure("no user with id or email '\(user)'")
            }
            print("\(updated.id) \(updated.email ?? updated.name): plan \(updated.plan.rawValue)")
        }
    }

    struct SetRole: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-role", abstract: "Change a user's role.")
        @Argument(help: "User id or email.") var user: String
        @Argument(help: "user or admin.") var role: String
        @OptionGroup var store: StoreOptions

        func run() async throws {
            guard let parsed = User.Role(rawValue: role.lowercased()) else {
                throw ValidationError("role must be user or admin, got '\(role)'")
            }
            guard let updated = try await store.openStore().setRole(parsed, forUser: user, at: Date()) else {
                throw CommandFailure("no user with id or email '\(user)'")
            }
            print("\(updated.id) \(updated.email ?? updated.name): role \(updated.role.rawValue)")
        }
    }
}
