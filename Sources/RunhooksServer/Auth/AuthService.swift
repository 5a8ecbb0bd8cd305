import Foundation
import RunhooksCore
import RunhooksStore

/// Accounts, credentials and sessions.
public struct AuthService: Sendable {
    let store: any AccountStore
    let tokens: TokenService
    let passwords: PasswordHasher
    let ids: ObjectIDGenerator
    let clock: any WallClock
    public let accounts: AccountCache

    public init(store: any AccountStore, tokens: TokenService, passwords: PasswordHasher, ids: ObjectIDGenerator, clock: any WallClock) {
        self.store = store
        self.tokens = tokens
        self.passwords = passwords
        self.ids = ids
        self.clock = clock
        self.accounts = AccountCache(clock: clock)
    }

    struct NewAccount: Sendable {
        var user: User
        var apiKey: String
    }

    func register(email: String, password: String, name: String) async throws -> NewAccount {
        let passwordHash = try await passwords.hash(password)
        return try await createUser(email: email.lowercased(), name: name, passwordHash: passwordHash)
    }

    func registerAnonymous(name: String) async throws -> NewAccount {
        try await createUser(email: nil, name: name, passwordHash: nil)
    }

    private func createUser(email: String?, name: String, passwordHash: String?) async throws -> NewAccount {
        let now = clock.now()
        let apiKey = APIKey.generate()
        let user = User(
            id: ids.next(at: now), email: email, name: name, role: .user, plan: .free, isAnonymous: email == nil,
            apiKeyPrefix: APIKey.displayPrefix(of: apiKey), createdAt: now, updatedAt: now)
        try await store.insertUser(user, passwordHash: passwordHash, apiKeyHash: SecretDigest.sha256Hex(apiKey))
        return NewAccount(user: user, apiKey: apiKey)
    }

    /// The user for an email and password, or nil. Takes a bcrypt comparison either way.
    func login(email: String, password: String) async throws -> User? {
        let found = try await store.userWithPassword(email: email.lowercased())
        let hash = found?.passwordHash ?? passwords.decoyHash
        let matches = try await passwords.verify(password, hash: hash)
        guard matches, let found, found.passwordHash != nil else { return nil }
        return found.user
    }

    /// A fresh access token and a refresh token that starts (or continues) a rotation family.
    func issueTokens(for userId: String) async throws -> TokenService.Pair {
        let now = clock.now()
        let tokenId = ids.next(at: now)
        try await store.insertRefreshToken(
            RefreshTokenRecord(
                id: tokenId, userId: userId, family: tokenId, expiresAt: now + TokenService.refreshLifetime,
                createdAt: now))
        return TokenService.Pair(
            accessToken: try await tokens.accessToken(for: userId),
            refreshToken: try await tokens.refreshToken(for: userId, tokenId: tokenId))
    }

    enum RefreshOutcome: Sendable {
        case rotated(TokenService.Pair)
        case invalid
        case reused
    }

    /// Exchanges a refresh token for a new pair. Each token works once, give or take
    /// `refreshReuseGrace`: presenting a used one later revokes its whole family, since it means
    /// the token was copied.
    func refresh(_ refreshToken: String) async throws -> RefreshOutcome {
        guard let claims = await tokens.verifyRefresh(refreshToken) else { return .invalid }
        let now = clock.now()
        let userId: String
        let family: String
        switch try await store.consumeRefreshToken(id: claims.tokenId, at: now) {
        case .unknown, .expired:
            return .invalid
        case .reused(let revoked):
            try await store.revokeRefreshTokenFamily(revoked)
            return .reused
        case .usedBefore(let owner, let used, let usedAt):
            // A client whose answer was lost on the way, or two requests of one client that
            // refreshed at once, present the token again within moments: they get a pair of
            // their own rather than the end of the login.
            guard now.timeIntervalSince(usedAt) <= Self.refreshReuseGrace else {
                try await store.revokeRefreshTokenFamily(used)
                return .reused
            }
            (userId, family) = (owner, used)
        case .valid(let owner, let unused):
            (userId, family) = (owner, unused)
        }
        return try await rotate(userId: userId, family: family, claims: claims, now: now)
    }

    /// How long after its first use a refresh token still works.
    static let refreshReuseGrace: TimeInterval = 30

    /// A new pair in the token's family.
    private func rotate(userId: String, family: String, claims: TokenService.RefreshClaims, now: Date) async throws -> RefreshOutcome {
        guard userId == claims.userId, try await store.user(id: userId) != nil else { return .invalid }
        let tokenId = ids.next(at: now)
        try await store.insertRefreshToken(
            RefreshTokenRecord(
                id: tokenId, userId: userId, family: family, expiresAt: now + TokenService.refreshLifetime, createdAt: now))
        return .rotated(
            TokenService.Pair(
                accessToken: try await tokens.accessToken(for: userId),
                refreshToken: try await tokens.refreshToken(for: userId, tokenId: tokenId)))
    }

    /// The user a bearer credential (API key or access token) belongs to, or nil.
    func authenticate(bearer credential: String) async throws -> User? {
        let cacheKey: String
        let lookUp: @Sendable () async throws -> User?
        if APIKey.looksLikeKey(credential) {
            let digest = SecretDigest.sha256Hex(credential)
            cacheKey = "key " + digest
            lookUp = { [store] in try await store.user(apiKeyHash: digest) }
        } else {
            guard let userId = await tokens.verifyAccess(credential) else { return nil }
            cacheKey = "user " + userId
            lookUp = { [store] in try await store.user(id: userId) }
        }
        if let cached = accounts.user(forKey: cacheKey) { return cached }
        let lookup = accounts.beginLookup()
        guard let found = try await lookUp() else { return nil }
        accounts.store(found, forKey: cacheKey, lookup: lookup)
        return found
    }

    /// Replaces the user's API key; the old one stops working with this write. nil when the
    /// key is no longer the one `user` was read with: two rotations at once must not both
    /// answer with a key, since only the last one written would work.
    func rotateKey(for user: User) async throws -> String? {
        let apiKey = APIKey.generate()
        let replaced = try await store.replaceAPIKey(
            userId: user.id, replacing: user.apiKeyPrefix, hash: SecretDigest.sha256Hex(apiKey),
            prefix: APIKey.displayPrefix(of: apiKey), at: clock.now())
        accounts.removeAll()
        return replaced ? apiKey : nil
    }
}
