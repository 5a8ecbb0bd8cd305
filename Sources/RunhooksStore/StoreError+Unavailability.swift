import GRDB
import PostgresNIO

extension StoreError {
    /// Why `error`, thrown by a store, means that the store cannot serve for now (its disk is
    /// full, its file cannot be written or stays locked, the database server is short of
    /// resources, or `unavailable` itself) rather than that the request was at fault; nil for
    /// any other error. The API answers these with 503.
    public static func unavailability(of error: any Error) -> String? {
        switch error {
        case StoreError.unavailable(let reason):
            return reason
        case let error as DatabaseError:
            switch error.resultCode {
            case .SQLITE_FULL, .SQLITE_IOERR, .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_READONLY, .SQLITE_CANTOPEN,
                .SQLITE_NOMEM, .SQLITE_PROTOCOL:
                return "SQLite: \(error.message ?? "\(error.resultCode)")"
            default:
                return nil
            }
        case let error as PSQLError where error.sqlState?.hasPrefix("53") == true:
            // Class 53, insufficient resources: disk full, out of memory, too many connections.
            return "PostgreSQL: \(error.serverSummary)"
        default:
            return nil
        }
    }
}
