import HummingbirdBcrypt
import Testing

@testable import RunhooksServer

/// bcrypt reads only a password's first 72 bytes; the API takes up to 128 characters.
struct PasswordHasherTests {
    let hasher = PasswordHasher(cost: 4)

    @Test func everyByteOfALongPasswordCounts() async throws {
        let password = String(repeating: "x", count: 72) + "the rest"
        let hash = try await hasher.hash(password)
        #expect(hash.hasPrefix(PasswordHasher.digestedPrefix))
        #expect(try await hasher.verify(password, hash: hash))
        #expect(try await !hasher.verify(String(repeating: "x", count: 72) + "another", hash: hash))
        #expect(try await !hasher.verify(String(repeating: "x", count: 72), hash: hash))

        let multibyte = String(repeating: "é", count: 40)  // 80 bytes in 40 characters
        let multibyteHash = try await hasher.hash(multibyte)
        #expect(try await hasher.verify(multibyte, hash: multibyteHash))
        #expect(try await !hasher.verify(String(repeating: "é", count: 36) + "éa", hash: multibyteHash))
    }

    @Test func aPasswordBcryptReadsWholeIsPlainBcrypt() async throws {
        let hash = try await hasher.hash("securepass")
        #expect(hash.hasPrefix("$2b$04$"))
        #expect(try await hasher.verify("securepass", hash: hash))
        #expect(try await !hasher.verify("securepasS", hash: hash))
    }

    /// A long password hashed before (plain bcrypt of its first 72 bytes) still opens its account.
    @Test func aPlainHashOfALongPasswordStillVerifies() async throws {
        let password = String(repeating: "y", count: 100)
        #expect(try await hasher.verify(password, hash: Bcrypt.hash(password, cost: 4)))
    }

    /// A login for an unknown email compares against a hash of the same cost as a real one, so
    /// it takes as long as a wrong password.
    @Test func theDecoyHashHasTheHashersCost() {
        #expect(hasher.decoyHash.hasPrefix("$2b$04$"))
        #expect(PasswordHasher(cost: 6).decoyHash.hasPrefix("$2b$06$"))
    }
}
