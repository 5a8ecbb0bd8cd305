import Crypto
import Foundation

/// An account's signing secret, as Standard Webhooks writes it: `whsec_` and the base64 of
/// 32 random bytes.
public struct WebhookSecret: Sendable, Equatable, CustomStringConvertible {
    public static let prefix = "whsec_"
    public static let byteCount = 32

    /// The secret as shown to the account, `whsec_…`.
    public let text: String
    /// The HMAC key: the bytes the base64 part stands for.
    public let key: SymmetricKey
    /// An HMAC already keyed with `key`: each signature copies it instead of deriving the
    /// inner and outer pads again.
    let keyedHMAC: HMAC<SHA256>

    /// Parses `whsec_<base64>` (the prefix is optional, as the reference libraries allow).
    public init?(_ text: String) {
        let encoded = text.hasPrefix(Self.prefix) ? String(text.dropFirst(Self.prefix.count)) : text
        guard let bytes = Data(base64Encoded: encoded), !bytes.isEmpty else { return nil }
        self.text = text
        self.key = SymmetricKey(data: bytes)
        self.keyedHMAC = HMAC<SHA256>(key: key)
    }

    public static func generate() -> WebhookSecret {
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        return WebhookSecret(Self.prefix + bytes.base64EncodedString())!
    }

    public static func == (lhs: WebhookSecret, rhs: WebhookSecret) -> Bool { lhs.text == rhs.text }

    /// Never the secret itself: it must not reach a log by accident.
    public var description: String { "whsec_…" }
}
