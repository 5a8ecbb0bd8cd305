import RunhooksCore

/// The short user shape returned by register and login.
struct UserSummaryDTO: Encodable {
    var id: String
    var email: String?
    var name: String
    var plan: String
    var role: String
    var isAnonymous: Bool?

    init(_ user: User) {
        id = user.id
        email = user.email
        name = user.name
        plan = user.plan.rawValue
        role = user.role.rawValue
        isAnonymous = user.isAnonymous ? true : nil
    }
}

/// The full profile of `GET /auth/me`.
struct UserProfileDTO: Encodable {
    var id: String
    var email: String?
    var name: String
    var role: String
    var plan: String
    var isAnonymous: Bool
    var apiKeyPrefix: String
    var createdAt: String
    var updatedAt: String

    init(_ user: User) {
        id = user.id
        email = user.email
        name = user.name
        role = user.role.rawValue
        plan = user.plan.rawValue
        isAnonymous = user.isAnonymous
        apiKeyPrefix = user.apiKeyPrefix
        createdAt = user.createdAt.iso8601Milliseconds
        updatedAt = user.updatedAt.iso8601Milliseconds
    }
}
