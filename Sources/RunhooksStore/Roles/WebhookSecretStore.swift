import Foundation

/// An account's webhook signing secrets as stored: sealed (`SecretBox`), never in clear.
public struct SealedWebhookSecrets: Sendable, Equatable {
    public var current: String
    public var createdAt: Date
    /// The secret before the last rotation, still signing until `previousExpiresAt`.
    public var previous: String?
    public var previousExpiresAt: Date?

    public init(current: String, createdAt: Date, previous: String? = nil, previousExpiresAt: Date? = nil) {
        self.current = current
        self.createdAt = createdAt
        self.previous = previous
        self.previousExpiresAt = previousExpiresAt
    }
}

/// Each account's webhook signing secrets.
public protocol WebhookSecretStore: Sendable {
    func webhookSecrets(userId: String) async throws -> SealedWebhookSecrets?
    /// Stores `sealed` as the account's secret unless it has one; returns what is stored then,
    /// or nil when there is no such account.
    func ensureWebhookSecret(userId: String, sealed: String, at: Date) async throws -> SealedWebhookSecrets?
    /// Makes `sealed` the current secret and the current one the previous, valid until
    /// `previousExpiresAt`, in one step; nil when the account has no secret yet.
    func rotateWebhookSecret(
        userId: String, sealed: String, at: Date, previousExpiresAt: Date
    ) async throws -> SealedWebhookSecrets?
    /// Accounts made before signing existed, which have no secret yet (at most `limit`).
    func usersWithoutWebhookSecret(limit: Int) async throws -> [String]
}
