import Foundation
import PostgresNIO
import RunhooksCore

extension PostgresStore {
    public func insertAlert(_ alert: AlertConfig) async throws {
        try await query(
            """
            INSERT INTO alert_configs (id, user_id, job_id, name, channel, target, threshold, cooldown_minutes, enabled,
                created_at, updated_at)
            VALUES (\(alert.id), \(alert.userId), \(alert.jobId), \(alert.name), \(alert.channel.rawValue), \(alert.target),
                \(alert.consecutiveFailuresThreshold), \(alert.cooldownMinutes), \(alert.enabled),
                \(PostgresRows.ms(alert.createdAt)), \(PostgresRows.ms(alert.updatedAt)))
            """, logger: logger)
    }

    public func countAlerts(userId: String) async throws -> Int {
        try await query("SELECT count(*) FROM alert_configs WHERE user_id = \(userId)", logger: logger)
            .first { try $0.decode(Int.self) } ?? 0
    }

    public func alert(id: String, userId: String) async throws -> AlertConfig? {
        try await query("SELECT * FROM alert_configs WHERE id = \(id) AND user_id = \(userId)", logger: logger)
            .first(PostgresRows.alert)
    }

    public func listAlerts(userId: String) async throws -> [AlertConfig] {
        try await query(
            "SELECT * FROM alert_configs WHERE user_id = \(userId) ORDER BY created_at DESC, id DESC", logger: logger
        ).all(PostgresRows.alert)
    }

    public func updateAlert(_ alert: AlertConfig, expectedUpdatedAt: Date) async throws -> Bool {
        try await query(
            """
            UPDATE alert_configs SET job_id = \(alert.jobId), name = \(alert.name), channel = \(alert.channel.rawValue),
                target = \(alert.target), threshold = \(alert.consecutiveFailuresThreshold),
                cooldown_minutes = \(alert.cooldownMinutes), enabled = \(alert.enabled),
                updated_at = \(PostgresRows.ms(alert.updatedAt))
            WHERE id = \(alert.id) AND user_id = \(alert.userId) AND updated_at = \(PostgresRows.ms(expectedUpdatedAt))
            RETURNING id
            """, logger: logger
        ).first { _ in true } ?? false
    }

    public func deleteAlert(id: String, userId: String) async throws -> Bool {
        try await query(
            "DELETE FROM alert_configs WHERE id = \(id) AND user_id = \(userId) RETURNING id", logger: logger
        ).first { _ in true } ?? false
    }

    public func alertStates(userId: String) async throws -> [AlertStateKey: AlertState] {
        let rows = try await query(
            """
            SELECT s.alert_id, s.job_id, s.consecutive_failures, s.last_fired_at, s.alerting
            FROM alert_states s JOIN alert_configs a ON a.id = s.alert_id WHERE a.user_id = \(userId)
            """, logger: logger
        ).all { try $0.decode((String, String, Int, Int64?, Bool).self) }
        var states: [AlertStateKey: AlertState] = [:]
        for (alertId, jobId, failures, lastFired, alerting) in rows {
            states[AlertStateKey(alertId: alertId, jobId: jobId)] = AlertState(
                consecutiveFailures: failures, lastFiredAt: lastFired.map(Date.init(milliseconds:)), alerting: alerting)
        }
        return states
    }

    public func saveAlertState(_ state: AlertState, for key: AlertStateKey) async throws {
        try await query(
            """
            INSERT INTO alert_states (alert_id, job_id, consecutive_failures, last_fired_at, alerting)
            SELECT \(key.alertId), \(key.jobId), \(state.consecutiveFailures), \(PostgresRows.ms(state.lastFiredAt)),
                   \(state.alerting)
            WHERE EXISTS (SELECT 1 FROM alert_configs WHERE id = \(key.alertId))
              AND EXISTS (SELECT 1 FROM jobs WHERE id = \(key.jobId))
            ON CONFLICT (alert_id, job_id) DO UPDATE SET consecutive_failures = excluded.consecutive_failures,
                last_fired_at = excluded.last_fired_at, alerting = excluded.alerting
            """, logger: logger)
    }

    public func insertAlertDelivery(_ delivery: AlertDelivery) async throws {
        try await query(
            """
            INSERT INTO alert_deliveries (id, alert_id, user_id, job_id, channel, notice, status, error, attempts,
                created_at)
            SELECT \(delivery.id), \(delivery.alertId), \(delivery.userId), \(delivery.jobId),
                \(delivery.channel.rawValue), \(delivery.notice.rawValue), \(delivery.status.rawValue),
                \(PostgresRows.text(delivery.error)), \(delivery.attempts), \(PostgresRows.ms(delivery.createdAt))
            WHERE EXISTS (SELECT 1 FROM alert_configs WHERE id = \(delivery.alertId))
            """, logger: logger)
    }

    public func listAlertDeliveries(alertId: String, userId: String, page: PageRequest) async throws -> Page<AlertDelivery> {
        let total = try await query(
            "SELECT count(*) FROM alert_deliveries WHERE alert_id = \(alertId) AND user_id = \(userId)", logger: logger
        ).first { try $0.decode(Int.self) } ?? 0
        let items = try await query(
            """
            SELECT * FROM alert_deliveries WHERE alert_id = \(alertId) AND user_id = \(userId)
            ORDER BY created_at DESC, id DESC LIMIT \(page.limit) OFFSET \(page.offset)
            """, logger: logger
        ).all { row in
            let r = row.makeRandomAccess()
            return AlertDelivery(
                id: try r["id"].decode(String.self), alertId: try r["alert_id"].decode(String.self),
                userId: try r["user_id"].decode(String.self), jobId: try r["job_id"].decode(String.self),
                channel: AlertConfig.Channel(rawValue: try r["channel"].decode(String.self)) ?? .webhook,
                notice: AlertState.Notice(rawValue: try r["notice"].decode(String.self)) ?? .failure,
                status: AlertDelivery.Status(rawValue: try r["status"].decode(String.self)) ?? .failed,
                error: try r["error"].decode(String?.self), attempts: try r["attempts"].decode(Int.self),
                createdAt: try PostgresRows.date(r, "created_at"))
        }
        return Page(items: items, total: total, request: page)
    }

    public func purgeAlertDeliveries(plan: Plan, createdBefore cutoff: Date, limit: Int) async throws -> Int {
        var bindings = PostgresBindings()
        bindings.append(PostgresRows.ms(cutoff))
        bindings.append(plan.rawValue)
        return try await deleteChunk(
            from: "alert_deliveries", where: "created_at < $1 AND user_id IN (SELECT id FROM users WHERE plan = $2)",
            bindings: bindings, limit: limit)
    }
}
