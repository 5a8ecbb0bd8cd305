import Foundation

/// An account's webhook signing secrets as stored: sealed (`SecretBox`), never in clear.
public struct SealedWebhookSecrets: Sendable, Equatable {
    public var current: String
    public var createdAt: Date
    /// The secret before the last rotation, still signing until `previousExpiresAt`.
    public var previous: String?
    public var previousExpiresAt: Date?
    /// Secrets rotated out before `previous`, newest first; each signs until its expiry.
    public var older: [Older]

    public struct Older: Sendable, Equatable {
        public var secret: String
        public var expiresAt: Date

        public init(secret: String, expiresAt: Date) {
            self.secret = secret
            self.expiresAt = expiresAt
        }
    }

    public init(
        current: String, createdAt: Date, previous: String? = nil, previousExpiresAt: Date? = nil, older: [Older] = []
    ) {
        self.current = current
        self.createdAt = createdAt
        self.previous = previous
        self.previousExpiresAt = previousExpiresAt
        self.older = older
    }
}

/// Each account's webhook signing secrets.
public protocol WebhookSecretStore: Sendable {
    func webhookSecrets(userId: String) async throws -> SealedWebhookSecrets?
    /// Stores `sealed` as the account's secret unless it has one; returns what is stored then,
    /// or nil when there is no such account.
    func ensureWebhookSecret(userId: String, sealed: String, at: Date) async throws -> SealedWebhookSecrets?
    /// Makes `sealed` the current secret and the current one the previous, valid until
    /// `previousExpiresAt`, in one step; nil when the account has no secret yet. A previous
    /// secret that has not expired at `at` joins the older ones, of which the newest
    /// `olderLimit` unexpired are kept.
    func rotateWebhookSecret(
        userId: String, sealed: String, at: Date, previousExpiresAt: Date, olderLimit: Int
    ) async throws -> SealedWebhookSecrets?
    /// Accounts made before signing existed, which have no secret yet (at most `limit`).
    func usersWithoutWebhookSecret(limit: Int) async throws -> [String]
}
