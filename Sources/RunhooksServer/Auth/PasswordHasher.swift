import Crypto
import Foundation
import HummingbirdBcrypt
import NIOPosix

/// bcrypt on NIO's blocking pool, so a hash never stalls an event loop.
///
/// bcrypt reads at most 72 bytes of a password and ignores the rest, while the API takes up to
/// 128 characters (up to 512 bytes): two long passwords that share their first 72 bytes would
/// both open the account. A longer password is therefore hashed through SHA-256 first (its
/// base64: 44 bytes, no NUL), and its stored hash says so with `digestedPrefix`. Hashes
/// without the prefix are plain bcrypt, as every hash made before this was.
public struct PasswordHasher: Sendable {
    public let cost: UInt8
    /// A real hash at the same cost to compare against when the account does not exist, so
    /// that a login for an unknown email takes as long as one with a wrong password.
    let decoyHash: String

    static let bcryptMaximumBytes = 72
    static let digestedPrefix = "sha256+"

    public init(cost: UInt8 = 10) {
        self.cost = cost
        decoyHash = Bcrypt.hash("runhooks-decoy-password", cost: cost)
    }

    public func hash(_ password: String) async throws -> String {
        let digested = password.utf8.count > Self.bcryptMaximumBytes
        let input = digested ? Self.digest(password) : password
        let hash = try await NIOThreadPool.singleton.runIfActive { [cost] in Bcrypt.hash(input, cost: cost) }
        return digested ? Self.digestedPrefix + hash : hash
    }

    func verify(_ password: String, hash: String) async throws -> Bool {
        let digested = hash.hasPrefix(Self.digestedPrefix)
        let input = digested ? Self.digest(password) : password
        let bcryptHash = digested ? String(hash.dropFirst(Self.digestedPrefix.count)) : hash
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(input, hash: bcryptHash) }
    }

    static func digest(_ password: String) -> String {
        Data(SHA256.hash(data: Array(password.utf8))).base64EncodedString()
    }
}
