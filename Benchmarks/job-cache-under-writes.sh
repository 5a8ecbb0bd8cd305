#!/usr/bin/env bash
# How the API's job cache holds up while a tenant writes: one release server (BIN) on SQLite on
# PORT, one account with two jobs; `wrk -t1 -c16 -d6s` on GET /jobs/:id of the first job, alone,
# then while a client PATCHes the second job in a loop (one connection, back to back). Prints
# both rates and how many PATCHes went through.
#
#   Benchmarks/job-cache-under-writes.sh .build/release/runhooks 18501
set -euo pipefail
BIN=$1; PORT=$2
D=$(mktemp -d /tmp/cb.XXXX)
$BIN serve --port $PORT --data-dir $D --rate-limits off --log-level warning > $D/log 2>&1 &
S=$!
for i in $(seq 50); do curl -s -o /dev/null localhost:$PORT/api/v1/health && break; sleep 0.1; done
API=http://127.0.0.1:$PORT/api/v1
KEY=$(curl -s -X POST $API/auth/register-anonymous -H 'Content-Type: application/json' -d '{"name":"cb"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["apiKey"])')
mk() { curl -s -X POST $API/jobs -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d '{"name":"'$1'","schedule":{"type":"cron","expression":"0 0 1 1 *"},"httpConfig":{"url":"https://example.com/x"},"status":"paused"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["id"])'; }
A=$(mk a); B=$(mk b)
alone=$(wrk -t1 -c16 -d6s -H "Authorization: Bearer $KEY" $API/jobs/$A | awk '/Requests\/sec/ {print $2}')
python3 - "$API" "$KEY" "$B" > $D/patches 2>&1 <<'PY' &
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
echo "$(basename $BIN) alone $alone  while-patching $busy  patches $(cat $D/patches)"
kill $S; wait $S 2>/dev/null || true
rm -rf $D
