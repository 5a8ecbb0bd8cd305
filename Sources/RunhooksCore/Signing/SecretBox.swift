import Crypto
import Foundation

/// Seals secrets the server must be able to read back (webhook signing secrets: an HMAC needs
/// the key itself, so a hash will not do) with AES-256-GCM under a key-encryption key.
/// A sealed value reads `v1:<base64 of nonce, ciphertext and tag>`.
public struct SecretBox: Sendable {
    private let key: SymmetricKey

    /// The key is derived from `keyMaterial` (any high-entropy text) with HKDF-SHA256.
    public init(keyMaterial: String) {
        key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Array(keyMaterial.utf8)), info: Array("runhooks secret box v1".utf8),
            outputByteCount: 32)
    }

    public func seal(_ plaintext: String) throws -> String {
        let box = try AES.GCM.seal(Array(plaintext.utf8), using: key)
        guard let combined = box.combined else { throw SecretBoxError.cannotSeal }
        return "v1:" + combined.base64EncodedString()
    }

    public func open(_ sealed: String) throws -> String {
        guard sealed.hasPrefix("v1:"), let combined = Data(base64Encoded: String(sealed.dropFirst(3))) else {
            throw SecretBoxError.malformed
        }
        do {
            let plaintext = try AES.GCM.open(AES.GCM.SealedBox(combined: combined), using: key)
            return String(decoding: plaintext, as: UTF8.self)
        } catch {
            throw SecretBoxError.wrongKey
        }
    }
}

public enum SecretBoxError: Error, Equatable, CustomStringConvertible {
    case cannotSeal
    case malformed
    case wrongKey

    public var description: String {
        switch self {
        case .cannotSeal: return "the secret could not be sealed"
        case .malformed: return "the sealed secret is malformed"
        case .wrongKey: return "the sealed secret does not open with this server's secrets key (RUNHOOKS_SECRETS_KEY)"
        }
    }
}
