import Crypto
import Foundation
import RunhooksCore

/// Hashes of bearer secrets as stored at rest. API keys carry ~238 random bits, so one
/// SHA-256 is enough; unlike passwords they need no slow hash. Keys are found by their digest,
/// so no secret is ever compared byte by byte in our code (passwords go through bcrypt's
/// verify, token signatures through JWTKit, the cluster's hop token by digest).
enum SecretDigest {
    static func sha256Hex(_ secret: String) -> String {
        SHA256.hash(data: Array(secret.utf8)).withUnsafeBytes { $0.hexString }
    }
}
