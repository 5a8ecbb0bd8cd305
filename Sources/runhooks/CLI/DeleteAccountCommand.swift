import ArgumentParser
import Foundation
import RunhooksCore

/// `runhooks delete-account`: the account of the key in use, with everything it owns.
struct DeleteAccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete-account", abstract: "Delete the account of the API key in use, with its jobs, executions and alerts.",
        discussion: "Asks for the account's password when it has one (--password-stdin in scripts). Nothing can be restored.")
    @OptionGroup var options: ClientOptions
    @Flag(help: "Confirm the deletion (required).") var yes = false
    @Flag(name: .customLong("password-stdin"), help: "Read the account's password from standard input.")
    var passwordFromStdin = false

    func run() async throws {
        let client = try options.client()
        let me = try await client.send(.GET, "/auth/me").data
        guard let id = me?["id"]?.string else { throw CommandFailure("the server did not say which account the key is") }
        let label = me?["email"]?.string.map { "\(id) (\($0))" } ?? id
        guard yes else {
            throw CommandFailure("this deletes account \(label) and every job, execution and alert of it, for good; run again with --yes")
        }
        var body: [String: JSONValue] = ["confirm": .string(id)]
        if me?["isAnonymous"]?.bool != true {
            body["password"] = .string(try PasswordPrompt(fromStdin: passwordFromStdin, purpose: "delete-account").read("Password of \(label)"))
        }
        let reply = try await client.send(.DELETE, "/auth/me", body: .object(body))
        if options.json {
            options.output.printJSON(.null)
            return
        }
        options.output.message(reply.message ?? "Account deleted")
        if let config = try ClientConfig.load(), config.apiKey == client.apiKey {
            print("\(ClientConfig.path) still holds the deleted account's key; `runhooks init --force` makes a new account.")
        }
    }
}
