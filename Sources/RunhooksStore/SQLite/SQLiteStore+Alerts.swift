import Foundation
import GRDB
import RunhooksCore

extension SQLiteStore {
    public func insertAlert(_ alert: AlertConfig) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO alert_configs (id, user_id, job_id, name, channel, target, threshold, cooldown_minutes,
                        enabled, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    alert.id, alert.userId, alert.jobId, alert.name, alert.channel.rawValue, alert.target,
                    alert.consecutiveFailuresThreshold, alert.cooldownMinutes, alert.enabled,
                    SQLiteRows.ms(alert.createdAt), SQLiteRows.ms(alert.updatedAt),
                ])
        }
    }

    public func countAlerts(userId: String) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM alert_configs WHERE user_id = ?"), arguments: [userId]) ?? 0
        }
    }

    public func alert(id: String, userId: String) async throws -> AlertConfig? {
        try await pool.read { db in
            try SQLiteRows.one(
                db.cachedStatement(sql: "SELECT * FROM alert_configs WHERE id = ? AND user_id = ?"), arguments: [id, userId],
                SQLiteRows.alert)
        }
    }

    public func listAlerts(userId: String) async throws -> [AlertConfig] {
        try await pool.read { db in
            try SQLiteRows.all(
                db, sql: "SELECT * FROM alert_configs WHERE user_id = ? ORDER BY created_at DESC, id DESC",
                arguments: [userId], SQLiteRows.alert)
        }
    }

    public func updateAlert(_ alert: AlertConfig, expectedUpdatedAt: Date) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE alert_configs SET job_id = ?, name = ?, channel = ?, target = ?, threshold = ?,
                        cooldown_minutes = ?, enabled = ?, updated_at = ?
                    WHERE id = ? AND user_id = ? AND updated_at = ?
                    """,
                arguments: [
                    alert.jobId, alert.name, alert.channel.rawValue, alert.target, alert.consecutiveFailuresThreshold,
                    alert.cooldownMinutes, alert.enabled, SQLiteRows.ms(alert.updatedAt), alert.id, alert.userId,
                    SQLiteRows.ms(expectedUpdatedAt),
                ])
            return db.changesCount > 0
        }
    }

    public func deleteAlert(id: String, userId: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM alert_configs WHERE id = ? AND user_id = ?", arguments: [id, userId])
            return db.changesCount > 0
        }
    }
}
