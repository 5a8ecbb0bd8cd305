import Crypto
import Foundation
import RunhooksCore

/// The secret every node of a cluster shares (`--cluster-key`): each gossip frame carries an
/// HMAC-SHA256 under it, and a frame whose MAC does not verify is dropped. A node without the
/// key can neither join nor speak for a member.
public struct ClusterKey: Sendable {
    /// Shorter keys are refused: they could be guessed.
    public static let minimumLength = 16
    private let key: SymmetricKey

    public init(_ secret: String) {
        // Derived, so that the gossip key is never the operator's string itself.
        key = SymmetricKey(
            data: HMAC<SHA256>.authenticationCode(for: Data("runhooks-gossip-v2".utf8), using: SymmetricKey(data: Data(secret.utf8))))
    }

    /// The frame's bytes on the wire, MAC included.
    public func seal(_ frame: WireFrame) -> [UInt8] {
        frame.sealed { Array(HMAC<SHA256>.authenticationCode(for: $0, using: key)) }
    }

    /// Whether the MAC is the frame's under this key (compared in constant time by Crypto).
    public func verifies(_ sealed: WireFrame.Sealed) -> Bool {
        HMAC<SHA256>.isValidAuthenticationCode(sealed.mac, authenticating: sealed.frame.encoded(), using: key)
    }
}
