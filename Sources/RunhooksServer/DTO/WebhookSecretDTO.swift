import Foundation
import RunhooksCore
import RunhooksEngine

/// The shape of `GET /webhook-secret` and `POST /webhook-secret/rotate`.
struct WebhookSecretDTO: Encodable {
    struct Previous: Encodable {
        var secret: String
        var expiresAt: String
    }

    var secret: String
    var createdAt: String
    var previous: Previous?
    /// Secrets rotated out before `previous` that still sign, newest first.
    var older: [Previous]

    init(_ secrets: WebhookSecrets.Revealed, at now: Date) {
        secret = secrets.current.text
        createdAt = secrets.createdAt.iso8601Milliseconds
        if let previous = secrets.previous, let expiresAt = secrets.previousExpiresAt, expiresAt > now {
            self.previous = Previous(secret: previous.text, expiresAt: expiresAt.iso8601Milliseconds)
        }
        older = secrets.older(signingAt: now).map { Previous(secret: $0.secret.text, expiresAt: $0.expiresAt.iso8601Milliseconds) }
    }

    enum CodingKeys: String, CodingKey {
        case secret, createdAt, previous, older
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(secret, forKey: .secret)
        try container.encode(createdAt, forKey: .createdAt)
        // `previous: null` is part of the shape, not left out.
        try container.encode(previous, forKey: .previous)
        try container.encode(older, forKey: .older)
    }
}
