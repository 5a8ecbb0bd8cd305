import Foundation
import GRDB
import RunhooksCore

extension SQLiteStore {
    public func alertStates(userId: String) async throws -> [AlertStateKey: AlertState] {
        try await pool.read { db in
            let rows = try SQLiteRows.all(
                db,
                sql: """
                    SELECT s.* FROM alert_states s JOIN alert_configs a ON a.id = s.alert_id WHERE a.user_id = ?
                    """,
                arguments: [userId]
            ) { row in
                (
                    key: AlertStateKey(alertId: row["alert_id"], jobId: row["job_id"]),
                    state: AlertState(
                        consecutiveFailures: row["consecutive_failures"],
                        lastFiredAt: SQLiteRows.optionalDate(row, "last_fired_at"), alerting: row["alerting"])
                )
            }
            return Dictionary(rows, uniquingKeysWith: { _, last in last })
        }
    }

    public func saveAlertState(_ state: AlertState, for key: AlertStateKey) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO alert_states (alert_id, job_id, consecutive_failures, last_fired_at, alerting)
                    SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM alert_configs WHERE id = ?)
                        AND EXISTS (SELECT 1 FROM jobs WHERE id = ?)
                    ON CONFLICT (alert_id, job_id) DO UPDATE SET consecutive_failures = excluded.consecutive_failures,
                        last_fired_at = excluded.last_fired_at, alerting = excluded.alerting
                    """,
                arguments: [
                    key.alertId, key.jobId, state.consecutiveFailures, SQLiteRows.ms(state.lastFiredAt), state.alerting,
                    key.alertId, key.jobId,
                ])
        }
    }

    public func insertAlertDelivery(_ delivery: AlertDelivery) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO alert_deliveries (id, alert_id, user_id, job_id, channel, notice, status, error, attempts,
                        created_at)
                    SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM alert_configs WHERE id = ?)
                    """,
                arguments: [
                    delivery.id, delivery.alertId, delivery.userId, delivery.jobId, delivery.channel.rawValue,
                    delivery.notice.rawValue, delivery.status.rawValue, delivery.error, delivery.attempts,
                    SQLiteRows.ms(delivery.createdAt), delivery.alertId,
                ])
        }
    }

    public func listAlertDeliveries(alertId: String, userId: String, page: PageRequest) async throws -> Page<AlertDelivery> {
        try await pool.read { db in
            let total = try Int.fetchOne(
                db, sql: "SELECT count(*) FROM alert_deliveries WHERE alert_id = ? AND user_id = ?",
                arguments: [alertId, userId]) ?? 0
            let deliveries = try SQLiteRows.all(
                db,
                sql: """
                    SELECT * FROM alert_deliveries WHERE alert_id = ? AND user_id = ?
                    ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?
                    """,
                arguments: [alertId, userId, page.limit, page.offset]
            ) { row in
                AlertDelivery(
                    id: row["id"], alertId: row["alert_id"], userId: row["user_id"], jobId: row["job_id"],
                    channel: AlertConfig.Channel(rawValue: row["channel"]) ?? .webhook,
                    notice: AlertState.Notice(rawValue: row["notice"]) ?? .failure,
                    status: AlertDelivery.Status(rawValue: row["status"]) ?? .failed, error: row["error"],
                    attempts: row["attempts"], createdAt: SQLiteRows.date(row, "created_at"))
            }
            return Page(items: deliveries, total: total, request: page)
        }
    }

    public func purgeAlertDeliveries(plan: Plan, createdBefore cutoff: Date, limit: Int) async throws -> Int {
        try await deleteChunk(
            from: "alert_deliveries", where: "created_at < ? AND user_id IN (SELECT id FROM users WHERE plan = ?)",
            arguments: [SQLiteRows.ms(cutoff) as Int64, plan.rawValue], limit: limit)
    }
}
