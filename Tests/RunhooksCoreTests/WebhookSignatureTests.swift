import Foundation
import Testing

@testable import RunhooksCore

struct WebhookSignatureTests {
    /// The test vector of the Standard Webhooks specification and its reference libraries.
    @Test func signsTheSpecificationsTestVector() throws {
        let secret = try #require(WebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        let signature = WebhookSignature.sign(
            id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: Array(#"{"test": 2432232314}"#.utf8),
            secret: secret)
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test func oneSignaturePerActiveSecretSeparatedBySpaces() throws {
        let first = WebhookSecret.generate()
        let second = WebhookSecret.generate()
        let body = Array("{}".utf8)
        let header = WebhookSignature.header(id: "msg_1", timestamp: 10, body: body, secrets: [first, second])
        #expect(
            header == WebhookSignature.sign(id: "msg_1", timestamp: 10, body: body, secret: first) + " "
                + WebhookSignature.sign(id: "msg_1", timestamp: 10, body: body, secret: second))
    }

    @Test func generatedSecretsAreWhsecAndThirtyTwoRandomBytes() throws {
        let secret = WebhookSecret.generate()
        #expect(secret.text.hasPrefix("whsec_"))
        #expect(Data(base64Encoded: String(secret.text.dropFirst(6)))?.count == 32)
        #expect(secret != WebhookSecret.generate())
        #expect("\(secret)" == "whsec_…")
        #expect(WebhookSecret("whsec_not base64!") == nil)
    }

    @Test func messageIdsNameOneSlotOfOneJob() {
        let slot = Date(milliseconds: 1_736_942_400_000)
        let id = WebhookSignature.messageId(jobId: "job-a", slot: slot)
        #expect(id.hasPrefix("msg_") && id.count == 36)
        // Stable across versions: a receiver that deduplicates by id must see the same one.
        #expect(id == "msg_7df27acabbf030a3d67084e5ce2cf4f7")
        #expect(id == WebhookSignature.messageId(jobId: "job-a", slot: slot))
        #expect(id != WebhookSignature.messageId(jobId: "job-a", slot: slot + 60))
        #expect(id != WebhookSignature.messageId(jobId: "job-b", slot: slot))
    }

    @Test func sealedSecretsOpenOnlyWithTheirKey() throws {
        let box = SecretBox(keyMaterial: "a key of enough entropy for the test, 32+ bytes")
        let sealed = try box.seal("whsec_abc")
        #expect(sealed.hasPrefix("v1:") && !sealed.contains("whsec_abc"))
        #expect(try box.open(sealed) == "whsec_abc")
        #expect(try box.seal("whsec_abc") != sealed)
        #expect(throws: SecretBoxError.wrongKey) { try SecretBox(keyMaterial: "another key").open(sealed) }
        #expect(throws: SecretBoxError.malformed) { try box.open("whsec_abc") }
    }
}
