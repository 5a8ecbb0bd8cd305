import Foundation
import JWTKit
import RunhooksCore

/// Issues and checks HS256 session tokens. Expiry is checked against the injected clock.
public struct TokenService: Sendable {
    public static let accessLifetime: TimeInterval = 15 * 60
    public static let refreshLifetime: TimeInterval = 30 * 86_400

    struct Claims: JWTPayload {
        var sub: SubjectClaim
        var exp: ExpirationClaim
        var iat: IssuedAtClaim
        var typ: String
        var jti: IDClaim?
        var fam: String?

        /// Signature is checked by JWTKit; expiry and type by `TokenService` with its clock.
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    public struct Pair: Sendable, Encodable {
        public var accessToken: String
        public var refreshToken: String
    }

    struct RefreshClaims: Sendable {
        var userId: String
        var tokenId: String
    }

    let keys: JWTKeyCollection
    let clock: any WallClock

    /// HS256 needs a key at least as long as its 32-byte output.
    public static let minimumSecretBytes = 32

    public init(secret: String, clock: any WallClock) async throws {
        guard secret.utf8.count >= Self.minimumSecretBytes else {
            throw ConfigurationError(
                "the JWT secret (RUNHOOKS_JWT_SECRET) must be at least \(Self.minimumSecretBytes) bytes long")
        }
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.keys = keys
        self.clock = clock
    }

    /// Token times are whole seconds, as JWT's NumericDate is usually read.
    private var now: Date { Date(timeIntervalSince1970: clock.now().timeIntervalSince1970.rounded(.down)) }

    func accessToken(for userId: String) async throws -> String {
        return try await keys.sign(
            Claims(
                sub: .init(value: userId), exp: .init(value: now + Self.accessLifetime), iat: .init(value: now),
                typ: "access", jti: nil, fam: nil))
    }

    func refreshToken(for userId: String, tokenId: String) async throws -> String {
        return try await keys.sign(
            Claims(
                sub: .init(value: userId), exp: .init(value: now + Self.refreshLifetime), iat: .init(value: now),
                typ: "refresh", jti: .init(value: tokenId), fam: nil))
    }

    /// The user id of a valid, unexpired access token, or nil.
    func verifyAccess(_ token: String) async -> String? {
        guard let claims = try? await keys.verify(token, as: Claims.self), claims.typ == "access",
            claims.exp.value > clock.now()
        else { return nil }
        return claims.sub.value
    }

    /// The claims of a refresh token whose signature and expiry are valid, or nil.
    func verifyRefresh(_ token: String) async -> RefreshClaims? {
        guard let claims = try? await keys.verify(token, as: Claims.self), claims.typ == "refresh",
            claims.exp.value > clock.now(), let tokenId = claims.jti?.value
        else { return nil }
        return RefreshClaims(userId: claims.sub.value, tokenId: tokenId)
    }
}
