import ArgumentParser
import Foundation
import RunhooksCore

/// `runhooks init`: creates an account and saves the API URL and key for the other commands.
struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Create an account (anonymous unless --email) and save its API key.")

    @Option(name: .customLong("api-url"), help: "The API base URL (default \(ClientConfig.defaultAPIURL)).")
    var apiURL: String?
    @Option(help: "A name for the account.") var name: String?
    @Option(help: "Register a full account with this email; the password is asked without echo.") var email: String?
    @Flag(name: .customLong("password-stdin"), help: "Read the password from standard input (scripts).")
    var passwordFromStdin = false
    @Flag(help: "Replace a key that is already saved.") var force = false
    @Flag(help: "Print the new account as JSON.") var json = false

    func run() async throws {
        let existing = try ClientConfig.load()
        if let existing, existing.apiKey != nil, !force {
            throw CommandFailure(
                "\(ClientConfig.path) already holds an API key (for \(existing.apiURL)); "
                    + "run with --force to replace it, or set RUNHOOKS_CONFIG to keep several accounts")
        }
        let url = APIBaseURL.normalize(
            apiURL ?? ProcessInfo.processInfo.environment["RUNHOOKS_API_URL"] ?? existing?.apiURL ?? ClientConfig.defaultAPIURL)
        let connection = APIConnection(baseURL: url, apiKey: nil)
        try await connection.requireRunhooks()
        let reply: APIConnection.Reply
        if let email {
            let body: JSONValue = [
                "email": .string(email), "password": .string(try readPassword()),
                "name": .string(name ?? String(email.prefix { $0 != "\u{40}" })),
            ]
            reply = try await connection.send(.POST, "/auth/register", body: body)
        } else {
            reply = try await connection.send(.POST, "/auth/register-anonymous", body: .object(name.map { ["name": .string($0)] } ?? [:]))
        }
        guard let data = reply.data, let key = data["apiKey"]?.string else {
            throw CommandFailure("the server did not return an API key")
        }
        try ClientConfig(apiURL: url, apiKey: key).save()
        let output = Output(json: json)
        if json {
            output.printJSON(data)
            return
        }
        output.message("Account \(Output.text(data["user"]?["id"])) created (plan \(Output.text(data["user"]?["plan"]))).")
        print("API key: \(key)")
        print("Saved to \(ClientConfig.path) (readable by you only); it cannot be shown again by the server.")
    }

    private func readPassword() throws -> String {
        try PasswordPrompt(fromStdin: passwordFromStdin, purpose: "--email").read("Password (at least 8 characters)")
    }
}
