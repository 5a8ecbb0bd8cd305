import Foundation
import RunhooksCore

/// Accounts, their credentials and refresh tokens.
public protocol AccountStore: Sendable {
    func insertUser(_ user: User, passwordHash: String?, apiKeyHash: String) async throws
    func user(id: String) async throws -> User?
    func userWithPassword(email: String) async throws -> (user: User, passwordHash: String?)?
    func user(apiKeyHash: String) async throws -> User?
    /// Replaces the account's key if it is still the one shown as `currentPrefix`; false when
    /// there is no such account or another rotation came first (its key is the one that works).
    func replaceAPIKey(userId: String, replacing currentPrefix: String, hash: String, prefix: String, at: Date) async throws -> Bool
    func setPlan(_ plan: Plan, forUser idOrEmail: String, at: Date) async throws -> User?
    func setRole(_ role: User.Role, forUser idOrEmail: String, at: Date) async throws -> User?
    /// Replaces the password hash of the account with an email and revokes its refresh tokens
    /// (its sessions end when their access tokens expire); returns the account, left unchanged
    /// when it has no email (an anonymous account signs in with its key), or nil when none matched.
    func setPasswordHash(_ hash: String, forUser idOrEmail: String, at: Date) async throws -> User?
    /// Accounts, newest first, with their job counts (for operators).
    func listAccounts(page: PageRequest) async throws -> Page<AccountSummary>
    /// Deletes the account and everything it owns (jobs, executions, alerts and their
    /// deliveries, tokens, secrets, counters); returns it, or nil when none matched. Executions
    /// and alert deliveries go first, `chunk` rows per transaction, so that a large account
    /// never holds the store's writes for long.
    func deleteUser(_ idOrEmail: String, chunk: Int) async throws -> User?
    /// A number that grows with every change to an account's API key, plan or role, on any node
    /// of the store: a node that keeps accounts in memory forgets them when it moves.
    func credentialsGeneration() async throws -> Int64
    /// Whether any account exists (a store without one is a first start).
    func hasAccounts() async throws -> Bool

    // Refresh tokens (rotation and reuse detection)
    func insertRefreshToken(_ token: RefreshTokenRecord) async throws
    /// Marks a refresh token used, exactly once: a later use is reported with the time of the
    /// first (`usedBefore`), which stays as it was.
    func consumeRefreshToken(id: String, at: Date) async throws -> RefreshTokenUse
    func revokeRefreshTokenFamily(_ family: String) async throws
    /// Deletes up to `limit` refresh tokens that expired before `cutoff`; returns how many. An
    /// expired token is refused by its signature's expiry before the store is asked.
    func purgeRefreshTokens(expiredBefore cutoff: Date, limit: Int) async throws -> Int
}
