import Foundation
import RunhooksCore
import RunhooksStore

extension AuthService {
    enum PasswordCheck: Sendable {
        case matches
        case wrong
        /// An anonymous account: it signs in with its API key.
        case noPassword
    }

    /// Whether `password` is the account's own. Takes a bcrypt comparison whenever the account
    /// has a password.
    func checkPassword(_ password: String, of user: User) async throws -> PasswordCheck {
        guard let email = user.email, let found = try await store.userWithPassword(email: email), found.user.id == user.id,
            let hash = found.passwordHash
        else { return .noPassword }
        return try await passwords.verify(password, hash: hash) ? .matches : .wrong
    }

    /// Sets a new password; every session of the account ends (its refresh tokens are revoked)
    /// and the caller gets a new one. The API key is not touched. nil: the account is gone.
    func changePassword(of user: User, to password: String) async throws -> TokenService.Pair? {
        let hash = try await passwords.hash(password)
        guard try await store.setPasswordHash(hash, forUser: user.id, at: clock.now()) != nil else { return nil }
        return try await issueTokens(for: user.id)
    }

    /// Deletes the account and everything it owns; its key and tokens stop working on this node
    /// at once, on the others within a second (the credentials generation grows).
    func deleteAccount(_ user: User) async throws -> Bool {
        let deleted = try await store.deleteUser(user.id, chunk: Self.deletionChunk) != nil
        accounts.removeAll()
        return deleted
    }

    /// Rows of executions and alert deliveries deleted per transaction when an account goes
    /// (through the API or `runhooks admin delete-user`).
    public static let deletionChunk = 500
}
