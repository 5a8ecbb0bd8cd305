import Foundation
import RunhooksCore

/// Everything durable, as one backend (SQLite or PostgreSQL) provides it. Each part of the
/// system depends on the role it needs, not on the whole store. Every method that touches a
/// user's data takes the user id and scopes its query by it, so one tenant can never read or
/// change another's rows.
public protocol Store: SettingsStore, AccountStore, JobStore, ExecutionLog, AlertStore, LeaseStore,
    IdempotencyStore, WebhookSecretStore
{
    /// Which backend this is, for logs and the health endpoint ("sqlite", "postgres").
    var backendName: String { get }
}

public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    case duplicateEmail
    case duplicateExecution
    case unavailable(String)
    /// The database refused a statement (a deadlock broken, a constraint): its message.
    case refused(String)
    /// The database was set up by a newer Runhooks than this one.
    case schemaTooNew(String)

    public var description: String {
        switch self {
        case .duplicateEmail: "an account with this email already exists"
        case .duplicateExecution: "an execution for this job, slot and attempt already exists"
        case .unavailable(let reason): "store unavailable: \(reason)"
        case .refused(let reason): "the database refused the write: \(reason)"
        case .schemaTooNew(let detail):
            "the database schema is newer than this binary knows (\(detail)); run a Runhooks release at least as new as the one that last migrated it"
        }
    }
}
