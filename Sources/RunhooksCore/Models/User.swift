import Foundation

/// An account. Secrets (password hash, API key hash) live only in the store.
public struct User: Sendable, Equatable {
    public enum Role: String, Sendable, CaseIterable {
        case user, admin
    }

    public var id: String
    public var email: String?
    public var name: String
    public var role: Role
    public var plan: Plan
    public var isAnonymous: Bool
    public var apiKeyPrefix: String
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String, email: String?, name: String, role: Role, plan: Plan, isAnonymous: Bool,
        apiKeyPrefix: String, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.email = email
        self.name = name
        self.role = role
        self.plan = plan
        self.isAnonymous = isAnonymous
        self.apiKeyPrefix = apiKeyPrefix
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
