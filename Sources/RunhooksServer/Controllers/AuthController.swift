import Hummingbird
import RunhooksCore

/// `/auth`: accounts, logins, sessions and API keys.
struct AuthController {
    let services: AppServices

    func addRoutes(to group: RouterGroup<RunhooksRequestContext>) {
        let registration = RateLimitMiddleware(services.limiter, policy: .registration, key: .clientAddress)
        let login = RateLimitMiddleware(services.limiter, policy: .login, key: .clientAddress)
        let limited = services.rateLimitsEnabled
        group.group("register").addIf(limited, registration).post(use: register)
        group.group("register-anonymous").addIf(limited, registration).post(use: registerAnonymous)
        group.group("login").addIf(limited, login).post(use: self.login)
        group.group("refresh").addIf(limited, login).post(use: refresh)
        let authenticated = group.group().add(middleware: AuthMiddleware(auth: services.auth, gateway: services.gateway))
        authenticated.get("me", use: me)
        // Both check a password: limited like a login, so a stolen key cannot guess it quickly.
        authenticated.group("me").addIf(limited, login).delete(use: deleteAccount)
        authenticated.group("change-password").addIf(limited, login).post(use: changePassword)
        authenticated.group("rotate-key").add(middleware: services.idempotency).post(use: rotateKey)
    }

    struct RegisterData: Encodable {
        var user: UserSummaryDTO
        var tokens: TokenService.Pair?
        var apiKey: String
    }

    struct LoginData: Encodable {
        var user: UserSummaryDTO
        var tokens: TokenService.Pair
    }

    struct RotatedKey: Encodable {
        var apiKey: String
        var apiKeyPrefix: String
    }

    @Sendable func register(_ request: Request, context: RunhooksRequestContext) async throws -> Response {
        let body = try FieldReader(try await APIRequestBody.json(request, context: context))
        try body.rejectUnknown(allowed: ["email", "password", "name"])
        let email = try body.requiredString("email", length: FieldLimits.email)
        guard EmailAddress.isValid(email) else { throw ValidationError(field: "email", "must be a valid email address") }
        let password = try body.requiredString("password", length: FieldLimits.password)
        let name = try body.requiredName("name", length: FieldLimits.accountName)
        let account = try await services.auth.register(email: email, password: password, name: name)
        _ = try await services.webhookSecrets.revealed(userId: account.user.id)
        let tokens = try await services.auth.issueTokens(for: account.user.id)
        return JSONResponse.success(
            .created, data: RegisterData(user: UserSummaryDTO(account.user), tokens: tokens, apiKey: account.apiKey),
            message: "Registration successful. Save the API key -- it cannot be retrieved again.")
    }

    @Sendable func registerAnonymous(_ request: Request, context: RunhooksRequestContext) async throws -> Response {
        let body = try FieldReader(try await APIRequestBody.json(request, context: context, optional: true))
        try body.rejectUnknown(allowed: ["name"])
        let name = try body.line("name", length: FieldLimits.accountName) ?? "Anonymous"
        let account = try await services.auth.registerAnonymous(name: name)
        _ = try await services.webhookSecrets.revealed(userId: account.user.id)
        return JSONResponse.success(
            .created, data: RegisterData(user: UserSummaryDTO(account.user), tokens: nil, apiKey: account.apiKey),
            message: "Anonymous account created. Save the API key -- it cannot be retrieved again.")
    }

    @Sendable func login(_ request: Request, context: RunhooksRequestContext) async throws -> Response {
        let body = try FieldReader(try await APIRequestBody.json(request, context: context))
        try body.rejectUnknown(allowed: ["email", "password"])
        let email = try body.requiredString("email", length: FieldLimits.email)
        guard EmailAddress.isValid(email) else { throw ValidationError(field: "email", "must be a valid email address") }
        let password = try body.requiredString("password", length: 1...FieldLimits.password.upperBound)
        guard let user = try await services.auth.login(email: email, password: password) else {
            throw APIError(.unauthorized, "Invalid email or password")
        }
        let tokens = try await services.auth.issueTokens(for: user.id)
        return JSONResponse.success(data: LoginData(user: UserSummaryDTO(user), tokens: tokens), message: "Login successful")
    }

    @Sendable func refresh(_ request: Request, context: RunhooksRequestContext) async throws -> Response {
        let body = try FieldReader(try await APIRequestBody.json(request, context: context))
        try body.rejectUnknown(allowed: ["refreshToken"])
        let token = try body.requiredString("refreshToken", length: FieldLimits.refreshToken)
        switch try await services.auth.refresh(token) {
        case .rotated(let pair):
            return JSONResponse.success(data: pair, message: "Tokens refreshed")
        case .reused:
            throw APIError(.unauthorized, "Refresh token has already been used; sign in again")
        case .invalid:
            throw APIError(.unauthorized, "Invalid or expired refresh token")
        }
    }

    @Sendable func me(_ request: Request, context: RunhooksRequestContext) async throws -> Response {
        JSONResponse.success(data: UserProfileDTO(try context.requireUser()))
    }

    @Sendable func rotateKey(_ request: Request, context: RunhooksRequestContext) async throws -> Response {
        let user = try context.requireUser()
        guard let apiKey = try await services.auth.rotateKey(for: user) else {
            throw APIError(
                .conflict,
                "The API key was rotated by another request at the same moment: the key that request answered with is the one that works now")
        }
        return JSONResponse.success(
            data: RotatedKey(apiKey: apiKey, apiKeyPrefix: APIKey.displayPrefix(of: apiKey)),
            message: "API key rotated. Save the new key -- it cannot be retrieved again.")
    }
}

extension RouterGroup where Context == RunhooksRequestContext {
    /// Adds a middleware only when `condition` holds (rate limits can be switched off).
    @discardableResult
    func addIf(_ condition: Bool, _ middleware: RateLimitMiddleware) -> RouterGroup<Context> {
        condition ? add(middleware: middleware) : self
    }
}
