import Crypto
import Foundation
import RunhooksCore
import RunhooksStore

/// The key that seals webhook signing secrets in the store.
enum SecretsKey {
    static let settingKey = "secrets_key"
    static let checkKey = "secrets_key_check"
    static let checkText = "runhooks secrets key check"

    /// The configured key, or the one the store keeps (made by the first node that starts).
    /// Checked against a value sealed when the store first got a key, so a changed
    /// `RUNHOOKS_SECRETS_KEY` stops the start with a clear message instead of failing every
    /// delivery later.
    static func resolve(configured: String?, store: any Store) async throws -> String {
        let key: String
        if let configured {
            key = configured
        } else {
            let proposed = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64EncodedString()
            key = try await store.sharedSetting(settingKey, proposing: proposed)
        }
        let box = SecretBox(keyMaterial: key)
        let check = try await store.sharedSetting(checkKey, proposing: try box.seal(checkText))
        guard (try? box.open(check)) == checkText else {
            throw ConfigurationError(
                "RUNHOOKS_SECRETS_KEY is not the key this store's webhook signing secrets were sealed with; "
                    + "start with the key it had before (or unset it if the store has kept its own key so far)")
        }
        return key
    }
}
