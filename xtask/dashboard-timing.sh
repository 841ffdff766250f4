#!/usr/bin/env bash
# Times `GET /dashboard` (the national overview) over the database `bench-stats --prepare` seeded
# (1,000,000 responses): 2 untimed requests, then 20 timed; prints each time and the median (ms).
# Usage: flock /tmp/voce-ports.lock bash xtask/dashboard-timing.sh [sqlite|postgres]
set -euo pipefail
cd "$(dirname "$0")/.."
backend=${1:-sqlite}
scratch=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$scratch"' EXIT
if [ "$backend" = sqlite ]; then
  export VOCE_DATABASE_URL=$PWD/target/bench-stats/sqlite/voce.db
else
  export VOCE_DATABASE_URL=postgres://postgres:voce@127.0.0.1:5432/voce_bench_stats
fi
export VOCE_KEYS_DIR=$scratch/keys VOCE_OPERATOR_KEYS_DIR=$scratch/operator VOCE_EXPORT_KEYS_DIR=$scratch/export
export VOCE_BIND=127.0.0.1:8483 VOCE_ADMIN_BIND=127.0.0.1:0 VOCE_WIDGET_DIR=$PWD/target/widget RUST_LOG=warn
export VOCE_RATE_LIMIT_BURST=1000000000 VOCE_RATE_LIMIT_PER_MINUTE=1000000000
bin=target/release/voce-collector
$bin keys generate >/dev/null
$bin keys generate --for export >/dev/null
token=$($bin token issue --role national --ttl 1h | tail -n 1)
$bin serve & server=$!
for _ in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:8483/healthz && break; sleep 0.1; done
url="http://127.0.0.1:8483/dashboard?locale=it"
for _ in 1 2; do curl -s -o /dev/null -H "Cookie: voce_session=$token" "$url"; done
for _ in $(seq 20); do
  curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -H "Cookie: voce_session=$token" "$url"
done | tee "$scratch/times"
awk '$1 != 200 { bad = 1 } { print $2 * 1000 }' "$scratch/times" | sort -n | awk '{ a[NR] = $1 } END { printf "median of %d: %.1f ms (fastest %.1f, slowest %.1f)\n", NR, a[int(NR/2)+1], a[1], a[NR] }'
grep -qv '^200 ' "$scratch/times" && { echo "a request did not answer 200" >&2; exit 1; } || true
