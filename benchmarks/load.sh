#!/bin/sh
# make load: prepare logins, start rectify serve on PostgreSQL, run locust headless, stop the server, check.
# LOAD_DB (default DATABASE_URL): a PostgreSQL database filled by `rectify generate`; LOAD_TIME (5m),
# LOAD_USERS (100), LOAD_ADDR (127.0.0.1:8808), LOAD_OUT (folder of the plan and locust's CSV, ./load-out).
set -eu
BIN=${BIN:-.venv/bin}
DB=${LOAD_DB:-${DATABASE_URL:-}}
case "$DB" in postgres*) ;; *) echo "LOAD_DB=postgres://…（一个由 rectify generate 生成数据的 PostgreSQL 数据库）"; exit 1;; esac
ADDR=${LOAD_ADDR:-127.0.0.1:8808}
OUT=${LOAD_OUT:-load-out}
mkdir -p "$OUT"
DATABASE_URL=$DB "$BIN/python" benchmarks/load_check.py prepare "$OUT/plan.json"
DATABASE_URL=$DB RECTIFY_DEBUG=0 "$BIN/python" -m rectify.cli serve "$ADDR" > "$OUT/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 60); do curl -fs "http://$ADDR/accounts/login/" > /dev/null && break; sleep 1; done
LOAD_PLAN="$OUT/plan.json" LOAD_PREFIX="$OUT/load" "$BIN/locust" -f benchmarks/locustfile.py --headless \
    -u "${LOAD_USERS:-100}" -r 10 -t "${LOAD_TIME:-5m}" --stop-timeout 120 --host "http://$ADDR" --csv "$OUT/load" --only-summary || true
kill $SERVER; wait $SERVER 2>/dev/null || true
trap - EXIT
DATABASE_URL=$DB "$BIN/python" benchmarks/load_check.py check "$OUT/plan.json" "$OUT/load"
