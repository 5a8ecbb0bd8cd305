import Crypto
import Foundation

/// Signatures of the Standard Webhooks specification (standardwebhooks.com): an HMAC-SHA256
/// over `id.timestamp.body`, sent as `webhook-signature: v1,<base64>`, one per active secret.
public enum WebhookSignature {
    public static let idHeader = "webhook-id"
    public static let timestampHeader = "webhook-timestamp"
    public static let signatureHeader = "webhook-signature"

    /// `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`.
    public static func sign(id: String, timestamp: Int64, body: some DataProtocol, secret: WebhookSecret) -> String {
        var hmac = secret.keyedHMAC
        hmac.update(data: Array("\(id).\(timestamp).".utf8))
        hmac.update(data: body)
        return "v1," + Data(hmac.finalize()).base64EncodedString()
    }

    /// The `webhook-signature` value: one signature per secret, separated by spaces.
    public static func header(id: String, timestamp: Int64, body: some DataProtocol, secrets: [WebhookSecret]) -> String {
        secrets.map { sign(id: id, timestamp: timestamp, body: body, secret: $0) }.joined(separator: " ")
    }

    /// The three headers of a signed request.
    public static func headers(id: String, timestamp: Int64, body: some DataProtocol, secrets: [WebhookSecret]) -> [(String, String)] {
        [
            (idHeader, id),
            (timestampHeader, String(timestamp)),
            (signatureHeader, header(id: id, timestamp: timestamp, body: body, secrets: secrets)),
        ]
    }

    /// The message id of one scheduled slot of a job: the same for every attempt of that slot
    /// (retries, a resend after a crash, replays), different for every other slot.
    public static func messageId(jobId: String, slot: Date) -> String {
        messageId(of: "\(jobId)@\(slot.millisecondsSince1970)")
    }

    /// A message id for anything else that is sent more than once as one message.
    public static func messageId(of identity: String) -> String {
        let digest = SHA256.hash(data: Array(identity.utf8))
        return "msg_" + digest.withUnsafeBytes { $0.prefix(16).hexString }
    }
}
