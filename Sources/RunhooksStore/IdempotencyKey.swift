import Foundation

/// A client's `Idempotency-Key`, scoped to the user who sent it.
public struct IdempotencyKey: Hashable, Sendable {
    public var userId: String
    public var key: String

    public init(userId: String, key: String) {
        self.userId = userId
        self.key = key
    }
}

/// The response first given to a request with an idempotency key, replayed to its repeats.
public struct StoredResponse: Sendable, Equatable {
    public var status: Int
    public var contentType: String?
    public var body: Data

    public init(status: Int, contentType: String?, body: Data) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }
}

/// What reserving an idempotency key found.
public enum IdempotencyReservation: Sendable, Equatable {
    /// The key is new (or expired): run the request, then complete or release the key.
    case reserved
    /// The same request was answered before: give this answer again.
    case replay(StoredResponse)
    /// The same key is still being processed by another request.
    case inProgress
    /// The key was used with a different request.
    case mismatch
}
