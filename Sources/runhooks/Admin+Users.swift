import ArgumentParser
import Foundation
import RunhooksCore
import RunhooksStore

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
}
