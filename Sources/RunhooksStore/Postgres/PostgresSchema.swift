import Foundation
import Logging
import PostgresNIO

/// The schema, as numbered migrations applied once each, in order, each in its own
/// transaction under an advisory lock (nodes starting together migrate once). Dates are
/// integer milliseconds (UTC), as in the SQLite schema; lease times come from the
/// database's own clock through `runhooks_now_ms()`.
enum PostgresSchema {
    struct Migration {
        var version: Int
        var name: String
        var sql: String
    }

    /// An arbitrary constant naming the migration lock.
    static let lockId: Int64 = 0x7275_6E68_6F6F_6B73

    static let migrations: [Migration] = [
        Migration(
            version: 1, name: "initial",
            sql: """
                CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE FUNCTION runhooks_now_ms() RETURNS BIGINT LANGUAGE sql STABLE
                    AS $$ SELECT (extract(epoch FROM now()) * 1000)::BIGINT $$;
                CREATE TABLE users (
                    id TEXT PRIMARY KEY,
                    email TEXT UNIQUE,
                    name TEXT NOT NULL,
                    role TEXT NOT NULL,
                    plan TEXT NOT NULL,
                    is_anonymous BOOLEAN NOT NULL,
                    password_hash TEXT,
                    api_key_hash TEXT NOT NULL UNIQUE,
                    api_key_prefix TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                );
                CREATE TABLE refresh_tokens (
                    id TEXT PRIMARY KEY,
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    family TEXT NOT NULL,
                    expires_at BIGINT NOT NULL,
                    used_at BIGINT,
                    revoked BOOLEAN NOT NULL DEFAULT false,
                    created_at BIGINT NOT NULL
                );
                CREATE INDEX refresh_tokens_family ON refresh_tokens(family);
                CREATE TABLE jobs (
                    id TEXT PRIMARY KEY,
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    shard BIGINT NOT NULL,
                    name TEXT NOT NULL,
                    description TEXT,
                    schedule_type TEXT NOT NULL,
                    schedule_expression TEXT NOT NULL,
                    schedule_timezone TEXT,
                    http_url TEXT NOT NULL,
                    http_method TEXT NOT NULL,
                    http_headers TEXT,
                    http_body TEXT,
                    http_timeout_ms BIGINT NOT NULL,
                    retry_max BIGINT NOT NULL,
                    retry_initial_delay BIGINT NOT NULL,
                    retry_multiplier DOUBLE PRECISION NOT NULL,
                    retry_max_delay BIGINT NOT NULL,
                    status TEXT NOT NULL,
                    tags TEXT NOT NULL,
                    anchor_at BIGINT NOT NULL,
                    last_slot_at BIGINT,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                );
                CREATE INDEX jobs_user ON jobs(user_id, created_at);
                CREATE INDEX jobs_shard ON jobs(shard, status);
                CREATE TABLE executions (
                    id TEXT PRIMARY KEY,
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                    status TEXT NOT NULL,
                    scheduled_for BIGINT NOT NULL,
                    attempt BIGINT NOT NULL,
                    started_at BIGINT,
                    completed_at BIGINT,
                    duration_ms BIGINT,
                    http_status_code BIGINT,
                    response_body TEXT,
                    error TEXT,
                    replay_of TEXT,
                    retry_at BIGINT,
                    missed_slots BIGINT NOT NULL DEFAULT 0,
                    created_at BIGINT NOT NULL,
                    UNIQUE (job_id, scheduled_for, attempt)
                );
                CREATE INDEX executions_unfinished ON executions(status) WHERE status IN ('pending', 'running');
                CREATE INDEX executions_retry ON executions(retry_at) WHERE retry_at IS NOT NULL;
                CREATE INDEX executions_user ON executions(user_id, created_at);
                CREATE INDEX executions_job ON executions(job_id, created_at);
                CREATE TABLE replay_requests (
                    id TEXT PRIMARY KEY,
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL,
                    execution_id TEXT,
                    requested_at BIGINT NOT NULL,
                    handled_at BIGINT
                );
                CREATE INDEX replay_requests_pending ON replay_requests(requested_at) WHERE handled_at IS NULL;
                CREATE TABLE alert_configs (
                    id TEXT PRIMARY KEY,
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    job_id TEXT REFERENCES jobs(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    channel TEXT NOT NULL,
                    target TEXT NOT NULL,
                    threshold BIGINT NOT NULL,
                    cooldown_minutes BIGINT NOT NULL,
                    enabled BOOLEAN NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                );
                CREATE INDEX alert_configs_user ON alert_configs(user_id, created_at);
                CREATE TABLE usage_counters (
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    period TEXT NOT NULL,
                    runs BIGINT NOT NULL,
                    PRIMARY KEY (user_id, period)
                );
                CREATE TABLE alert_states (
                    alert_id TEXT NOT NULL REFERENCES alert_configs(id) ON DELETE CASCADE,
                    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                    consecutive_failures BIGINT NOT NULL,
                    last_fired_at BIGINT,
                    alerting BOOLEAN NOT NULL,
                    PRIMARY KEY (alert_id, job_id)
                );
                CREATE TABLE alert_deliveries (
                    id TEXT PRIMARY KEY,
                    alert_id TEXT NOT NULL REFERENCES alert_configs(id) ON DELETE CASCADE,
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    job_id TEXT NOT NULL,
                    channel TEXT NOT NULL,
                    notice TEXT NOT NULL,
                    status TEXT NOT NULL,
                    error TEXT,
                    attempts BIGINT NOT NULL,
                    created_at BIGINT NOT NULL
                );
                CREATE INDEX alert_deliveries_alert ON alert_deliveries(alert_id, created_at);
                CREATE INDEX alert_deliveries_created ON alert_deliveries(created_at);
                CREATE TABLE shard_leases (
                    shard BIGINT PRIMARY KEY,
                    owner TEXT NOT NULL,
                    epoch BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL
                );
                CREATE TABLE idempotency_keys (
                    user_id TEXT NOT NULL,
                    key TEXT NOT NULL,
                    fingerprint TEXT NOT NULL,
                    status BIGINT,
                    content_type TEXT,
                    body BYTEA,
                    created_at BIGINT NOT NULL,
                    PRIMARY KEY (user_id, key)
                );
                CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at);
                """),
        // Accounts made before this migration get their secret at the next start
        // (`WebhookSecrets.backfill`): sealing needs the server's secrets key.
        Migration(
            version: 2, name: "webhook secrets",
            sql: """
                CREATE TABLE webhook_secrets (
                    user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
                    secret TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    previous_secret TEXT,
                    previous_expires_at BIGINT
                );
                """),
        // Timing of each attempt, in microseconds.
        Migration(
            version: 3, name: "execution timing",
            sql: """
                ALTER TABLE executions ADD COLUMN dns_us BIGINT, ADD COLUMN connect_us BIGINT, ADD COLUMN tls_us BIGINT,
                    ADD COLUMN first_byte_us BIGINT, ADD COLUMN total_us BIGINT, ADD COLUMN late_us BIGINT;
                """),
        // Secrets rotated out before the previous one, still signing until they expire. The
        // previous one stays in `webhook_secrets`, so a binary from before reads what it knows.
        Migration(
            version: 4, name: "older webhook secrets",
            sql: """
                CREATE TABLE webhook_secrets_older (
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    secret TEXT NOT NULL,
                    expires_at BIGINT NOT NULL
                );
                CREATE INDEX webhook_secrets_older_user ON webhook_secrets_older(user_id, expires_at);
                """),
    ]

    static func migrate(_ store: PostgresStore) async throws {
        let logger = store.logger
        let known = migrations.last?.version ?? 0
        for migration in migrations {
            try await store.transaction { connection in
                try await connection.statement("SELECT pg_advisory_xact_lock(\(lockId))", logger: logger)
                try await connection.statement(
                    """
                    CREATE TABLE IF NOT EXISTS runhooks_migrations (
                        version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
                    )
                    """, logger: logger)
                var applied = 0
                for try await version in try await connection.statement(
                    "SELECT coalesce(max(version), 0) FROM runhooks_migrations", logger: logger
                ).decode(Int.self) { applied = version }
                guard applied <= known else {
                    throw StoreError.schemaTooNew(
                        "\(store.url.redacted) is at schema version \(applied); this binary knows up to \(known)")
                }
                guard applied < migration.version else { return }
                // The extended query protocol takes one statement at a time.
                for sql in migration.sql.components(separatedBy: ";\n") {
                    let trimmed = sql.trimmingCharacters(in: .whitespacesAndNewlines)
                    guard !trimmed.isEmpty else { continue }
                    try await connection.statement(PostgresQuery(unsafeSQL: trimmed), logger: logger)
                }
                try await connection.statement(
                    "INSERT INTO runhooks_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
                    logger: logger)
                logger.info("applied PostgreSQL migration \(migration.version) (\(migration.name))")
            }
        }
    }
}
