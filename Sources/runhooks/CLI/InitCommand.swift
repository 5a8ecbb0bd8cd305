import ArgumentParser
import Foundation
import RunhooksCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
        if passwordFromStdin {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                throw CommandFailure("--password-stdin: no password on standard input")
            }
            return line
        }
        guard isatty(STDIN_FILENO) == 1 else {
            throw CommandFailure("--email needs a terminal to ask for the password; use --password-stdin in scripts")
        }
        guard let entered = getpass("Password (at least 8 characters): ").map({ String(cString: $0) }), !entered.isEmpty else {
            throw CommandFailure("no password entered")
        }
        return entered
    }
}
