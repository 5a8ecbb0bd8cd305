import ArgumentParser
import Foundation
import Logging
import RunhooksCore
import RunhooksServer
import RunhooksStore

struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Administer accounts directly in the store (works while a server runs).",
        subcommands: [Users.self, SetPlan.self, SetRole.self, SetPassword.self, DeleteUser.self])
}

struct StoreOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "The server's data directory (RUNHOOKS_DATA_DIR).") var dataDir: String?
    @Option(help: "Store URL: sqlite:PATH or postgres://USER:PASS@HOST:PORT/DB[?sslmode=...] (RUNHOOKS_DATABASE).")
    var database: String?

    /// Opens the server's store, runs `body` on it, and closes it.
    func withStore<T>(_ body: (any Store) async throws -> T) async throws -> T {
        var configuration = ServerConfiguration()
        configuration.dataDirectory = dataDir ?? Environment.value("DATA_DIR") ?? configuration.dataDirectory
        configuration.databaseURL = database ?? Environment.value("DATABASE")
        let location: StoreLocation
        do {
            location = try configuration.storeLocation()
        } catch {
            throw CommandFailure("\(error)")
        }
        if case .sqlite(let path) = location, !FileManager.default.fileExists(atPath: path) {
            throw CommandFailure("no Runhooks database at \(path); pass --data-dir or --database")
        }
        var logger = Logger(label: "runhooks.admin")
        logger.logLevel = .warning
        let store: any Store
        do {
            store = try await location.open(poolSize: 2, logger: logger)
        } catch {
            throw CommandFailure("\(error)")
        }
        do {
            let result = try await body(store)
            await (store as? PostgresStore)?.close()
            return result
        } catch {
            await (store as? PostgresStore)?.close()
            throw error
        }
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
            guard let updated = try await store.withStore({ try await $0.setPlan(parsed, forUser: user, at: Date()) }) else {
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
            guard let updated = try await store.withStore({ try await $0.setRole(parsed, forUser: user, at: Date()) }) else {
                throw CommandFailure("no user with id or email '\(user)'")
            }
            print("\(updated.id) \(updated.email ?? updated.name): role \(updated.role.rawValue)")
        }
    }
}
