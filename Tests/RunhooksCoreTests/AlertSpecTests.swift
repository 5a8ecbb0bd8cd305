import Foundation
import Testing

@testable import RunhooksCore

@Suite struct AlertSpecTests {
    static let email = "ops" + "\u{40}" + "example.com"

    func valid(_ changes: [String: JSONValue] = [:]) -> JSONValue {
        var body: [String: JSONValue] = ["name": "All failures", "channel": "email", "target": .string(Self.email)]
        for (key, value) in changes { body[key] = value }
        return .object(body)
    }

    @Test func defaults() throws {
        let spec = try AlertSpec(validating: valid(), rules: AlertRules())
        #expect(spec.consecutiveFailuresThreshold == 1)
        #expect(spec.cooldownMinutes == 60)
        #expect(spec.enabled)
        #expect(spec.jobId == nil)
    }

    @Test(arguments: [
        ("name", JSONValue.string(String(repeating: "a", count: 101)), "name", "at most 100"),
        ("name", .null, "name", "is required"),
        ("channel", "sms", "channel", "\"email\", \"webhook\" or \"slack\""),
        ("target", "not-an-email", "target", "email address"),
        ("target", .string(String(repeating: "a", count: 501)), "target", "at most 500"),
        ("jobId", "123", "jobId", "24 hex"),
        ("consecutiveFailuresThreshold", 0, "consecutiveFailuresThreshold", "between 1 and 100"),
        ("consecutiveFailuresThreshold", 101, "consecutiveFailuresThreshold", "between 1 and 100"),
        ("cooldownMinutes", -1, "cooldownMinutes", "between 0 and 10,080"),
        ("cooldownMinutes", 10_081, "cooldownMinutes", "between 0 and 10,080"),
        ("enabled", "yes", "enabled", "boolean"),
        ("extra", 1, "extra", "not a known field"),
    ] as [(String, JSONValue, String, String)])
    func eachRuleNamesItsField(key: String, value: JSONValue, field: String, message: String) {
        #expect {
            _ = try AlertSpec(validating: valid([key: value]), rules: AlertRules())
        } throws: { error in
            guard let error = error as? ValidationError else { return false }
            return error.field == field && error.message.contains(message)
        }
    }

    @Test func targetMustFitTheChannel() throws {
        _ = try AlertSpec(validating: valid(["channel": "webhook", "target": "https://hooks.example.com/x"]), rules: AlertRules())
        #expect(throws: ValidationError.self) {
            try AlertSpec(validating: valid(["channel": "webhook"]), rules: AlertRules())
        }
        #expect(throws: ValidationError.self) {
            try AlertSpec(validating: valid(["channel": "slack", "target": "http://hooks.slack.com/x"]), rules: AlertRules())
        }
        _ = try AlertSpec(
            validating: valid(["channel": "slack", "target": "http://hooks.slack.com/x"]),
            rules: AlertRules(allowPlainHTTPSlack: true))
    }

    /// A target's format depends on the channel: an update changes both or neither, so the
    /// OpenAPI document can state every valid update (a `oneOf` per channel).
    @Test func anUpdateChangesChannelAndTargetTogether() throws {
        let stored = AlertConfig(
            id: "6b0cc6bd1c8c70a229ea822f", userId: "u", name: "Ops", channel: .email, target: Self.email, jobId: nil,
            consecutiveFailuresThreshold: 1, cooldownMinutes: 60, enabled: true, createdAt: Date(), updatedAt: Date())
        let renamed = try AlertSpec(merging: ["name": "Renamed"], into: stored, rules: AlertRules())
        #expect(renamed.name == "Renamed" && renamed.target == Self.email)
        #expect(try AlertSpec(merging: ["id": .string(stored.id), "name": "Renamed"], into: stored, rules: AlertRules()).name == "Renamed")
        #expect {
            _ = try AlertSpec(merging: ["id": "6b0cc6bd1c8c70a229ea8230", "name": "Renamed"], into: stored, rules: AlertRules())
        } throws: { ($0 as? ValidationError)?.field == "id" }
        let moved = try AlertSpec(
            merging: ["channel": "webhook", "target": "https://hooks.example.com/x"], into: stored, rules: AlertRules())
        #expect(moved.channel == .webhook)
        for patch: JSONValue in [["target": "other\u{40}example.com"], ["channel": "webhook"]] {
            #expect {
                _ = try AlertSpec(merging: patch, into: stored, rules: AlertRules())
            } throws: { error in
                guard let error = error as? ValidationError else { return false }
                return error.message.contains("(give both)")
            }
        }
    }

    @Test func emailAddresses() {
        #expect(EmailAddress.isValid(Self.email))
        #expect(EmailAddress.isValid("first.last+tag" + "\u{40}" + "sub.example.co.uk"))
        #expect(!EmailAddress.isValid("no-at-sign.example.com"))
        #expect(!EmailAddress.isValid("two" + "\u{40}" + "at" + "\u{40}" + "example.com"))
        #expect(!EmailAddress.isValid("space " + "\u{40}" + "example.com"))
        #expect(!EmailAddress.isValid("a" + "\u{40}" + "localhost"))
        // Domains are ASCII (an internationalised domain in its xn-- form); the local part may not be.
        #expect(!EmailAddress.isValid("a" + "\u{40}" + "bücher.de"))
        #expect(EmailAddress.isValid("a" + "\u{40}" + "xn--bcher-kva.de"))
        #expect(EmailAddress.isValid("jürgen" + "\u{40}" + "example.de"))
    }
}
