import HummingbirdBcrypt
import NIOPosix

/// bcrypt on NIO's blocking pool, so a hash never stalls an event loop.
public struct PasswordHasher: Sendable {
    public let cost: UInt8

    public init(cost: UInt8 = 10) {
        self.cost = cost
    }

    func hash(_ password: String) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive { [cost] in Bcrypt.hash(password, cost: cost) }
    }

    func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    /// A real hash to compare against when the account does not exist, so that a login for
    /// an unknown email takes as long as one with a wrong password.
    static let decoyHash = Bcrypt.hash("runhooks-decoy-password", cost: 4)
}
