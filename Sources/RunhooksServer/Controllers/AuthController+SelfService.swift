import Hummingbird
import RunhooksCore

/// What an account can do to itself: change its password, delete itself.
extension AuthController {
    struct PasswordChanged: Encodable {
        var tokens: TokenService.Pair
    }

    /// `POST /auth/change-password`: the current password and a new one. The account's other
    /// sessions end; the answer carries this one's new tokens.
    @Sendable func changePassword(_ request: Request, context: RunhooksRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let body = try FieldReader(try await APIRequestBody.json(request, context: context))
        try body.rejectUnknown(allowed: ["currentPassword", "newPassword"])
        let current = try body.requiredString("currentPassword", length: 1...FieldLimits.password.upperBound)
        let new = try body.requiredString("newPassword", length: FieldLimits.password)
        try await requirePassword(current, field: "currentPassword", of: user)
        guard let tokens = try await services.auth.changePassword(of: user, to: new) else { throw APIError.notFound("Account") }
        return JSONResponse.success(
            data: PasswordChanged(tokens: tokens), message: "Password changed; the account's other sessions have ended")
    }

    /// `DELETE /auth/me`: the account and everything it owns, for good. `confirm` must be the
    /// account's id; an account with a password must give it too.
    @Sendable func deleteAccount(_ request: Request, context: RunhooksRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let body = try FieldReader(try await APIRequestBody.json(request, context: context))
        try body.rejectUnknown(allowed: ["confirm", "password"])
        let confirm = try body.requiredString("confirm", length: 1...64)
        guard confirm == user.id else {
            throw Self.refusal("confirm", "must be this account's id (\(user.id)), to confirm its deletion")
        }
        if let password = try body.string("password", length: 1...FieldLimits.password.upperBound) {
            try await requirePassword(password, field: "password", of: user)
        } else if !user.isAnonymous {
            throw Self.refusal("password", "is required to delete an account that has one")
        }
        guard try await services.auth.deleteAccount(user) else { throw APIError.notFound("Account") }
        return JSONResponse.message("Account deleted with its jobs, executions and alerts")
    }

    private func requirePassword(_ password: String, field: String, of user: User) async throws {
        switch try await services.auth.checkPassword(password, of: user) {
        case .matches: return
        case .wrong: throw Self.refusal(field, "is not this account's password")
        case .noPassword:
            throw Self.refusal(field, "this account has no password (an anonymous account signs in with its API key)")
        }
    }

    /// A well-formed request that does not prove the caller may do this: 403, naming the field.
    private static func refusal(_ field: String, _ reason: String) -> APIError {
        APIError(.forbidden, "\(field): \(reason)")
    }
}
