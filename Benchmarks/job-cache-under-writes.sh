#!/usr/bin/env bash
# How the API's job cache holds up while a tenant writes: one release server (BIN) on SQLite on
# PORT, one account with two jobs; `wrk -t1 -c16 -d6s` on GET /jobs/:id of the first job, alone,
# then while a client PATCHes the second job in a loop (one connection, back to back). Prints
# both rates and how many PATCHes went through.
#
#   Benchmarks/job-cache-under-writes.sh .build/release/runhooks 18501
set -euo pipefail
BIN=$1; PORT=$2
source "$(dirname "$0")/lib.sh"
start_api_server "$BIN" "$PORT"
paused_job() { create_job '{"name":"'"$1"'","schedule":{"type":"cron","expression":"0 0 1 1 *"},"httpConfig":{"url":"https://example.com/x"},"status":"paused"}'; }
A=$(paused_job a); B=$(paused_job b)
alone=$(wrk -t1 -c16 -d6s -H "Authorization: Bearer $KEY" $API/jobs/$A | awk '/Requests\/sec/ {print $2}')
python3 - "$API" "$KEY" "$B" > $DATA/patches 2>&1 <<'PY' &
import sys, json, http.client, time
api, key, job = sys.argv[1:4]
host = api.split('//')[1].split('/')[0]
c = http.client.HTTPConnection(host)
n = 0; end = time.time() + 7
while time.time() < end:
    c.request('PATCH', '/api/v1/jobs/' + job, body=json.dumps({"description": str(n)}), headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    r = c.getresponse(); r.read(); n += 1
print(n)
PY
P=$!
busy=$(wrk -t1 -c16 -d6s -H "Authorization: Bearer $KEY" $API/jobs/$A | awk '/Requests\/sec/ {print $2}')
wait $P
echo "$(basename $BIN) alone $alone  while-patching $busy  patches $(cat $DATA/patches)"
