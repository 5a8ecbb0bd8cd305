import ArgumentParser
import Foundation

/// `runhooks whoami`: the account behind the saved key.
struct WhoAmI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "whoami", abstract: "Show the account of the API key in use.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        options.output.record(try await options.client().send(.GET, "/auth/me").data)
    }
}

/// `runhooks rotate-key`: replaces the key; the saved configuration gets the new one.
struct RotateKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-key", abstract: "Replace the API key (the old one stops working at once).")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await client.send(.POST, "/auth/rotate-key")
        guard let key = reply.data?["apiKey"]?.string else {
            throw CommandFailure("the server did not return a new key")
        }
        var saved = false
        if var config = try ClientConfig.load(), config.apiKey == client.apiKey {
            config.apiKey = key
            try config.save()
            saved = true
        }
        if options.json {
            options.output.printJSON(reply.data)
            return
        }
        options.output.message(reply.message ?? "API key rotated")
        print("API key: \(key)")
        print(saved ? "Saved to \(ClientConfig.path)." : "Not saved (the key in use came from RUNHOOKS_API_KEY); store it now.")
    }
}

/// `runhooks usage`: the plan, its limits and what is used.
struct UsageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "usage", abstract: "Show the plan's limits and current usage.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let reply = try await options.client().send(.GET, "/usage/me")
        if options.json { return options.output.printJSON(reply.data) }
        print("plan: \(Output.text(reply.data?["plan"]))")
        let rows = ["jobs", "dailyRuns", "monthlyRuns", "alertConfigs"].map { name -> [String] in
            let meter = reply.data?["usage"]?[name]
            let limit = meter?["unlimited"]?.bool == true ? "unlimited" : Output.text(meter?["limit"])
            return [name, Output.text(meter?["used"]), limit, Output.text(meter?["resetsAt"])]
        }
        options.output.table(["METER", "USED", "LIMIT", "RESETS AT"], rows)
        print()
        options.output.fields(reply.data?["limits"])
    }
}

/// `runhooks webhook-secret [--rotate]`: the secret deliveries are signed with.
struct WebhookSecretCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhook-secret",
        abstract: "Show the account's webhook signing secret (Standard Webhooks), or replace it.",
        discussion: """
            Every delivery carries webhook-id, webhook-timestamp and webhook-signature headers; a receiver \
            verifies them with this secret (see docs/SIGNING.md). After --rotate, deliveries are signed with \
            the new secret and, for 24 hours, with the one it replaced (and those replaced in the 24 hours \
            before, up to five), so receivers can switch without losing any.
            """)
    @OptionGroup var options: ClientOptions
    @Flag(help: "Replace the secret; the previous one keeps signing for 24 hours.") var rotate = false

    func run() async throws {
        let client = try options.client()
        let reply = rotate ? try await client.send(.POST, "/webhook-secret/rotate") : try await client.send(.GET, "/webhook-secret")
        if options.json { return options.output.printJSON(reply.data) }
        if rotate { options.output.message(reply.message ?? "Signing secret rotated") }
        print("secret:     \(Output.text(reply.data?["secret"]))")
        print("created at: \(Output.text(reply.data?["createdAt"]))")
        if let previous = reply.data?["previous"], previous != .null {
            print("previous:   \(Output.text(previous["secret"])) (signs until \(Output.text(previous["expiresAt"])))")
        }
        for older in reply.data?["older"]?.array ?? [] {
            print("older:      \(Output.text(older["secret"])) (signs until \(Output.text(older["expiresAt"])))")
        }
    }
}
