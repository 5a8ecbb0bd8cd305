import GRDB

/// The schema, as a sequence of migrations that GRDB applies once each.
enum SQLiteSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
                    CREATE TABLE users (
                        id TEXT PRIMARY KEY NOT NULL,
                        email TEXT UNIQUE,
                        name TEXT NOT NULL,
                        role TEXT NOT NULL,
                        plan TEXT NOT NULL,
                        is_anonymous INTEGER NOT NULL,
                        password_hash TEXT,
                        api_key_hash TEXT NOT NULL UNIQUE,
                        api_key_prefix TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL
                    );
                    CREATE TABLE refresh_tokens (
                        id TEXT PRIMARY KEY NOT NULL,
                        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                        family TEXT NOT NULL,
                        expires_at INTEGER NOT NULL,
                        used_at INTEGER,
                        revoked INTEGER NOT NULL DEFAULT 0,
                        created_at INTEGER NOT NULL
                    );
                    CREATE INDEX refresh_tokens_family ON refresh_tokens(family);
                    CREATE TABLE jobs (
                        id TEXT PRIMARY KEY NOT NULL,
                        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                        shard INTEGER NOT NULL,
                        name TEXT NOT NULL,
                        description TEXT,
                        schedule_type TEXT NOT NULL,
                        schedule_expression TEXT NOT NULL,
                        schedule_timezone TEXT,
                        http_url TEXT NOT NULL,
                        http_method TEXT NOT NULL,
                        http_headers TEXT,
                        http_body TEXT,
                        http_timeout_ms INTEGER NOT NULL,
                        retry_max INTEGER NOT NULL,
                        retry_initial_delay INTEGER NOT NULL,
                        retry_multiplier REAL NOT NULL,
                        retry_max_delay INTEGER NOT NULL,
                        status TEXT NOT NULL,
                        tags TEXT NOT NULL,
                        anchor_at INTEGER NOT NULL,
                        last_slot_at INTEGER,
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL
                    );
                    CREATE INDEX jobs_user ON jobs(user_id, created_at);
                    CREATE INDEX jobs_shard ON jobs(shard, status);
                    CREATE TABLE executions (
                        id TEXT PRIMARY KEY NOT NULL,
                        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                        job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                        status TEXT NOT NULL,
                        scheduled_for INTEGER NOT NULL,
                        attempt INTEGER NOT NULL,
                        started_at INTEGER,
                        completed_at INTEGER,
                        duration_ms INTEGER,
                        http_status_code INTEGER,
                        response_body TEXT,
                        error TEXT,
                        replay_of TEXT,
                        retry_at INTEGER,
                        missed_slots INTEGER NOT NULL DEFAULT 0,
                        created_at INTEGER NOT NULL,
                        UNIQUE (job_id, scheduled_for, attempt)
                    );
                    CREATE INDEX executions_unfinished ON executions(status) WHERE status IN ('pending', 'running');
                    CREATE INDEX executions_retry ON executions(retry_at) WHERE retry_at IS NOT NULL;
                    CREATE INDEX executions_user ON executions(user_id, created_at);
                    CREATE INDEX executions_job ON executions(job_id, created_at);
                    CREATE TABLE replay_requests (
                        id TEXT PRIMARY KEY NOT NULL,
                        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                        job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                        kind TEXT NOT NULL,
                        execution_id TEXT,
                        requested_at INTEGER NOT NULL,
                        handled_at INTEGER
                    );
                    CREATE INDEX replay_requests_pending ON replay_requests(handled_at, requested_at);
                    CREATE TABLE alert_configs (
                        id TEXT PRIMARY KEY NOT NULL,
                        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                        job_id TEXT REFERENCES jobs(id) ON DELETE CASCADE,
                        name TEXT NOT NULL,
                        channel TEXT NOT NULL,
                        target TEXT NOT NULL,
                        threshold INTEGER NOT NULL,
                        cooldown_minutes INTEGER NOT NULL,
                        enabled INTEGER NOT NULL,
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL
                    );
                    CREATE INDEX alert_configs_user ON alert_configs(user_id, created_at);
                    CREATE TABLE usage_counters (
                        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                        period TEXT NOT NULL,
                        runs INTEGER NOT NULL,
                        PRIMARY KEY (user_id, period)
                    );
                    """)
        }
        migrator.registerMigration("v2-alert-delivery") { db in
            try db.execute(
                sql: """
                    CREATE TABLE alert_states (
                        alert_id TEXT NOT NULL REFERENCES alert_configs(id) ON DELETE CASCADE,
                        job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                        consecutive_failures INTEGER NOT NULL,
                        last_fired_at INTEGER,
                        alerting INTEGER NOT NULL,
                        PRIMARY KEY (alert_id, job_id)
                    );
                    CREATE TABLE alert_deliveries (
                        id TEXT PRIMARY KEY NOT NULL,
                        alert_id TEXT NOT NULL REFERENCES alert_configs(id) ON DELETE CASCADE,
                        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                        job_id TEXT NOT NULL,
                        channel TEXT NOT NULL,
                        notice TEXT NOT NULL,
                        status TEXT NOT NULL,
                        error TEXT,
                        attempts INTEGER NOT NULL,
                        created_at INTEGER NOT NULL
                    );
                    CREATE INDEX alert_deliveries_alert ON alert_deliveries(alert_id, created_at);
                    CREATE INDEX alert_deliveries_created ON alert_deliveries(created_at);
                    """)
        }
        migrator.registerMigration("v3-shard-leases") { db in
            try db.execute(
                sql: """
                    CREATE TABLE shard_leases (
                        shard INTEGER PRIMARY KEY NOT NULL,
                        owner TEXT NOT NULL,
                        epoch INTEGER NOT NULL,
                        expires_at INTEGER NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v4-idempotency-keys") { db in
            try db.execute(
                sql: """
                    CREATE TABLE idempotency_keys (
                        user_id TEXT NOT NULL,
                        key TEXT NOT NULL,
                        fingerprint TEXT NOT NULL,
                        status INTEGER,
                        content_type TEXT,
                        body BLOB,
                        created_at INTEGER NOT NULL,
                        PRIMARY KEY (user_id, key)
                    );
                    CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at);
                    """)
        }
        // Accounts made before this migration get their secret at the next start
        // (`WebhookSecrets.backfill`): sealing needs the server's secrets key.
        migrator.registerMigration("v5-webhook-secrets") { db in
            try db.execute(
                sql: """
                    CREATE TABLE webhook_secrets (
                        user_id TEXT PRIMARY KEY NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                        secret TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        previous_secret TEXT,
                        previous_expires_at INTEGER
                    );
                    """)
        }
        // Timing of each attempt, in microseconds.
        migrator.registerMigration("v6-execution-timing") { db in
            for column in ["dns_us", "connect_us", "tls_us", "first_byte_us", "total_us", "late_us"] {
                try db.execute(sql: "ALTER TABLE executions ADD COLUMN \(column) INTEGER")
            }
        }
        // Secrets rotated out before the previous one, still signing until they expire. The
        // previous one stays in `webhook_secrets`, so a binary from before reads what it knows.
        migrator.registerMigration("v7-older-webhook-secrets") { db in
            try db.execute(
                sql: """
                    CREATE TABLE webhook_secrets_older (
                        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                        secret TEXT NOT NULL,
                        expires_at INTEGER NOT NULL
                    );
                    CREATE INDEX webhook_secrets_older_user ON webhook_secrets_older(user_id, expires_at);
                    """)
        }
        return migrator
    }
}
