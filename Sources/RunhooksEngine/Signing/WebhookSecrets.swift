import Foundation
import Logging
import RunhooksCore
import RunhooksStore
import Synchronization

/// Each account's webhook signing secrets: made, rotated and read back through the store,
/// where they lie sealed. The engine signs every delivery with them; it reads them through a
/// short-lived cache so a fire costs no store read, and a rotation on this node takes effect
/// at once (on another node, within `cacheLifetime`).
public final class WebhookSecrets: Sendable {
    /// The secrets of one account, in clear.
    public struct Revealed: Sendable, Equatable {
        public var current: WebhookSecret
        public var createdAt: Date
        public var previous: WebhookSecret?
        public var previousExpiresAt: Date?
        /// The secrets rotated out before `previous`, newest first, with their expiries.
        public var older: [Older] = []

        public struct Older: Sendable, Equatable {
            public var secret: WebhookSecret
            public var expiresAt: Date
        }

        /// The secrets a delivery at `date` is signed with: the current one, and each rotated-out
        /// one until it expires.
        public func active(at date: Date) -> [WebhookSecret] {
            var secrets = [current]
            if let previous, let expiresAt = previousExpiresAt, expiresAt > date { secrets.append(previous) }
            for older in older where older.expiresAt > date { secrets.append(older.secret) }
            return secrets
        }

        /// The rotated-out secrets before `previous` that still sign at `date`.
        public func older(signingAt date: Date) -> [Older] {
            older.filter { $0.expiresAt > date }
        }
    }

    /// How long a rotated-out secret keeps signing.
    public static let previousLifetime: TimeInterval = 24 * 3600
    /// How many secrets rotated out before the previous one keep signing (each until its own
    /// expiry): rotations within a day never cut off a receiver still on an older secret, and
    /// a request carries at most this many plus two signatures.
    public static let olderLimit = 4
    public static let cacheLifetime: TimeInterval = 5

    let store: any Store
    let box: SecretBox
    let clock: any WallClock
    private let cache = Mutex([String: (secrets: Revealed, readAt: Date)]())
    /// For each account whose secrets are being read for signing, those waiting for that read:
    /// one read serves every delivery that finds the cache expired meanwhile.
    private let reads = Mutex([String: [CheckedContinuation<SharedRead, any Error>]]())

    public init(store: any Store, box: SecretBox, clock: any WallClock) {
        self.store = store
        self.box = box
        self.clock = clock
    }

    /// The account's secrets, made now if it has none yet; nil when there is no such account.
    public func revealed(userId: String) async throws -> Revealed? {
        let sealed: SealedWebhookSecrets?
        if let stored = try await store.webhookSecrets(userId: userId) {
            sealed = stored
        } else {
            sealed = try await store.ensureWebhookSecret(
                userId: userId, sealed: try box.seal(WebhookSecret.generate().text), at: clock.now())
        }
        guard let sealed else { return nil }
        let secrets = try open(sealed)
        remember(secrets, for: userId)
        return secrets
    }

    /// Makes a new current secret; the old one signs beside it for `previousLifetime`.
    public func rotate(userId: String) async throws -> Revealed? {
        guard try await revealed(userId: userId) != nil else { return nil }
        let now = clock.now()
        guard
            let sealed = try await store.rotateWebhookSecret(
                userId: userId, sealed: try box.seal(WebhookSecret.generate().text), at: now,
                previousExpiresAt: now + Self.previousLifetime, olderLimit: Self.olderLimit)
        else { return nil }
        let secrets = try open(sealed)
        remember(secrets, for: userId)
        return secrets
    }

    /// The secrets to sign a delivery of the account's with now; empty when the account is gone.
    public func signingSecrets(userId: String) async throws -> [WebhookSecret] {
        let now = clock.now()
        let cached = cache.withLock { $0[userId] }
        if let cached, now.timeIntervalSince(cached.readAt) < Self.cacheLifetime, cached.readAt <= now {
            return cached.secrets.active(at: now)
        }
        return try await sharedRead(userId: userId)?.active(at: now) ?? []
    }

    /// `revealed(userId:)`, read once for all the callers that ask while it is in progress.
    private func sharedRead(userId: String) async throws -> Revealed? {
        while true {
            let first = reads.withLock { reads in
                if reads[userId] != nil { return false }
                reads[userId] = []
                return true
            }
            if first { break }
            let waited = try await withCheckedThrowingContinuation { (waiter: CheckedContinuation<SharedRead, any Error>) in
                let queued = reads.withLock { reads in
                    guard reads[userId] != nil else { return false }
                    reads[userId]?.append(waiter)
                    return true
                }
                if !queued { waiter.resume(returning: .endedBeforeWaiting) }
            }
            if case .read(let secrets) = waited { return secrets }
        }
        let read: Result<SharedRead, any Error>
        do {
            read = .success(.read(try await revealed(userId: userId)))
        } catch {
            read = .failure(error)
        }
        let waiters = reads.withLock { $0.removeValue(forKey: userId) ?? [] }
        for waiter in waiters { waiter.resume(with: read) }
        guard case .read(let secrets) = try read.get() else { return nil }
        return secrets
    }

    private enum SharedRead: Sendable {
        case read(Revealed?)
        /// The read ended between a caller's two looks: it looks again (and may read itself).
        case endedBeforeWaiting
    }

    /// Gives every account made before signing existed its secret; returns how many.
    public func backfill(logger: Logger) async throws -> Int {
        var made = 0
        while true {
            let missing = try await store.usersWithoutWebhookSecret(limit: 500)
            if missing.isEmpty { break }
            for userId in missing {
                _ = try await store.ensureWebhookSecret(
                    userId: userId, sealed: try box.seal(WebhookSecret.generate().text), at: clock.now())
                made += 1
            }
        }
        if made > 0 { logger.info("made webhook signing secrets for \(made) existing accounts") }
        return made
    }

    private func open(_ sealed: SealedWebhookSecrets) throws -> Revealed {
        func open(_ text: String) throws -> WebhookSecret {
            guard let secret = WebhookSecret(try box.open(text)) else { throw SecretBoxError.malformed }
            return secret
        }
        return Revealed(
            current: try open(sealed.current), createdAt: sealed.createdAt, previous: try sealed.previous.map(open),
            previousExpiresAt: sealed.previousExpiresAt,
            older: try sealed.older.map { Revealed.Older(secret: try open($0.secret), expiresAt: $0.expiresAt) })
    }

    private func remember(_ secrets: Revealed, for userId: String) {
        let now = clock.now()
        cache.withLock { cache in
            // A read that raced a rotation must not put the older secret back.
            if let known = cache[userId]?.secrets, known.createdAt > secrets.createdAt { return }
            if cache.count >= 10_000 { cache.removeAll(keepingCapacity: true) }
            cache[userId] = (secrets, now)
        }
    }
}
