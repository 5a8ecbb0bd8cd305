import Foundation

/// The responses kept for requests sent with an `Idempotency-Key`.
public protocol IdempotencyStore: Sendable {
    /// Reserves `key` for a request with `fingerprint`, or says what the key already holds. A
    /// key older than `window`, or left in progress for longer than `abandonAfter` (its node
    /// died mid-request), is reserved anew.
    func reserveIdempotencyKey(
        _ key: IdempotencyKey, fingerprint: String, at: Date, window: TimeInterval, abandonAfter: TimeInterval
    ) async throws -> IdempotencyReservation
    /// Records the response of a reserved key's request.
    func completeIdempotencyKey(_ key: IdempotencyKey, response: StoredResponse) async throws
    /// Frees a reserved key whose request did not complete (so that a retry runs it).
    func releaseIdempotencyKey(_ key: IdempotencyKey) async throws
    /// Deletes up to `limit` keys created before `cutoff`; returns how many.
    func purgeIdempotencyKeys(createdBefore cutoff: Date, limit: Int) async throws -> Int
}
