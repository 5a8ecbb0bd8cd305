import ArgumentParser
import Foundation
import Logging
import RunhooksCore
import RunhooksServer
import RunhooksStore

#if canImport(Glibc)
import Glibc
#endif

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
    struct Users: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the accounts, newest first, with their plans, roles and job counts.")
        @Option(help: "Page (from 1).") var page = 1
        @Option(help: "Accounts per page (1-100).") var limit = 50
        @Flag(help: "Print the page as JSON.") var json = false
        @OptionGroup var store: StoreOptions

        func validate() throws {
            guard PageRequest.pages.contains(page) else { throw ValidationError("--page must be at least 1") }
            guard (1...PageRequest.maxLimit).contains(limit) else { throw ValidationError("--limit must be between 1 and 100") }
        }

        func run() async throws {
            let listed = try await store.withStore { try await $0.listAccounts(page: PageRequest(page: page, limit: limit)) }
            if json {
                let accounts: [JSONValue] = listed.items.map { account in
                    let user = account.user
                    return .object([
                        "id": .string(user.id), "email": user.email.map(JSONValue.string) ?? .null, "name": .string(user.name),
                        "plan": .string(user.plan.rawValue), "role": .string(user.role.rawValue),
                        "anonymous": .bool(user.isAnonymous), "jobs": .number(Double(account.jobs)),
                        "createdAt": .string(user.createdAt.iso8601Milliseconds),
                    ])
                }
                return Output(json: true).printJSON(
                    .object([
                        "data": .array(accounts), "page": .number(Double(listed.page)), "limit": .number(Double(listed.limit)),
                        "total": .number(Double(listed.total)),
                    ]))
            }
            let output = Output(json: false)
            output.table(
                ["ID", "EMAIL OR NAME", "PLAN", "ROLE", "JOBS", "CREATED"],
                listed.items.map { account in
                    let user = account.user
                    return [
                        user.id, user.email ?? "\(user.name) (anonymous)", user.plan.rawValue, user.role.rawValue,
                        String(account.jobs), user.createdAt.iso8601Milliseconds,
                    ]
                })
            let pages = max(1, (listed.total + listed.limit - 1) / listed.limit)
            print("page \(listed.page) of \(pages), \(listed.total) account(s)")
        }
    }

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
            let password = try readPassword()
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

        private func readPassword() throws -> String {
            if passwordStdin {
                guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                    throw CommandFailure("--password-stdin: no password on standard input")
                }
                return line
            }
            guard isatty(STDIN_FILENO) == 1 else {
                throw CommandFailure("set-password needs a terminal to ask for the password; use --password-stdin in scripts")
            }
            let first = getpass("New password (at least 8 characters): ").map { String(cString: $0) } ?? ""
            guard !first.isEmpty else { throw CommandFailure("no password entered") }
            let second = getpass("The same again: ").map { String(cString: $0) } ?? ""
            guard first == second else { throw CommandFailure("the two passwords differ; nothing changed") }
            return first
        }
    }

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
        @Flag(help: "Delete without asking (required: there is no undo).") var yes = false
        @OptionGroup var store: StoreOptions

        func run() async throws {
            guard yes else {
                throw CommandFailure(
                    "this deletes the account '\(user)' and all its data, with no undo; run again with --yes to go ahead")
            }
            guard let deleted = try await store.withStore({ try await $0.deleteUser(user, chunk: 500) }) else {
                throw CommandFailure("no user with id or email '\(user)'")
            }
            print("\(deleted.id) \(deleted.email ?? deleted.name): deleted, with everything it owned")
        }
    }
}
