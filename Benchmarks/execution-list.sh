#!/usr/bin/env bash
# The API reading a page of executions: one release server (BIN) on SQLite on PORT, one account
# with a job and ROWS executions (default 300) written straight into its store, then
# `wrk -t1 -c8 -d6s` on GET /jobs/:id/executions?limit=100. Prints requests/s.
#
#   Benchmarks/execution-list.sh .build/release/runhooks 18611
#   ROWS=100000 Benchmarks/execution-list.sh .build/release/runhooks 18611   # a job with a long history
set -euo pipefail
BIN=$1; PORT=$2
source "$(dirname "$0")/lib.sh"
start_api_server "$BIN" "$PORT"
JOB=$(create_job '{"name":"a","schedule":{"type":"cron","expression":"0 0 1 1 *"},"httpConfig":{"url":"https://example.com/x"}}')
python3 - $DATA "${ROWS:-300}" <<'PY'
import sqlite3, sys
db=sqlite3.connect(sys.argv[1] + '/runhooks.sqlite', timeout=10)
job,user=db.execute("select id,user_id from jobs").fetchone()
t=1764600000000
rows=[(f"{i:024x}", user, job, 'success', t+i*1000, 1, t+i*1000, t+i*1000+50, 50, 200, '{"ok":true}', None, None, None, 0, t+i*1000, 100, 200, None, 30000, 50000, 1000) for i in range(int(sys.argv[2]))]
db.executemany("insert into executions (id,user_id,job_id,status,scheduled_for,attempt,started_at,completed_at,duration_ms,http_status_code,response_body,error,replay_of,retry_at,missed_slots,created_at,dns_us,connect_us,tls_us,first_byte_us,total_us,late_us) values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
db.commit()
PY
list=$(wrk -t1 -c8 -d6s -H "Authorization: Bearer $KEY" "$API/jobs/$JOB/executions?limit=100" | awk '/Requests\/sec/ {print $2}')
echo "$(basename $BIN) executions?limit=100 of ${ROWS:-300}: $list req/s"
