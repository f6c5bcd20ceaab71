#!/usr/bin/env bash
# The local portal's throughput for one ticket's page (GET /tickets/{number},
# signed in, the demo organization's ticket with its history and names),
# against a minimal axum server on the same runtime and release profile
# (examples/http_floor.rs), measured with the same wrk settings in the same
# run, alternately. Numbers, not assertions; not part of the test command.
# Usage: scripts/bench-portal.sh [seconds per run] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${SERVICEDESK_CACHE:-$HOME/.cache/servicedesk}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$CACHE/target}"
seconds="${1:-10}"
rounds="${2:-3}"
if ! command -v wrk >/dev/null; then
  echo "--> installing wrk (Debian package)"
  (apt-get update -qq && apt-get install -y -qq wrk) >/dev/null
fi
echo "--> release build of the portal and the floor"
cargo build --release --quiet --bin servicedesk --example http_floor
portal="$CARGO_TARGET_DIR/release/servicedesk"
floor="$CARGO_TARGET_DIR/release/examples/http_floor"
data=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$data"' EXIT
"$portal" --port 3811 --data-dir "$data" >"$data/portal.log" 2>&1 &
"$floor" 3812 >/dev/null 2>&1 &
for _ in $(seq 1 100); do
  curl -sf http://127.0.0.1:3811/announcements >/dev/null && curl -sf http://127.0.0.1:3812/ >/dev/null && break
  sleep 0.1
done
token=$(curl -sf http://127.0.0.1:3811/auth/login -H 'content-type: application/json' \
  -d '{"email":"ann@acme.example","password":"orchid-lantern-42"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
number=$(curl -sf http://127.0.0.1:3811/tickets -H "authorization: Bearer $token" -H 'content-type: application/json' \
  -d '{"request_type":"incident","priority":"high","title":"Label printer jams","description":"Since this morning the label printer jams on every second label.","visibility":"organization"}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["number"])')
for i in 1 2 3; do
  curl -sf "http://127.0.0.1:3811/tickets/$number/notes" -H "authorization: Bearer $token" -H 'content-type: application/json' \
    -d "{\"text\":\"Still jamming, try $i.\"}" >/dev/null
done
curl -sf "http://127.0.0.1:3811/tickets/$number" -H "authorization: Bearer $token" >/dev/null
echo "--> $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%d); wrk -t2 -c32 -d${seconds}s, $rounds rounds, alternating"
run() { wrk -t2 -c32 -d"${seconds}s" --latency "$@" | awk '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} END {printf "%s req/s, p50 %s, p99 %s\n", rps, p50, p99}'; }
for round in $(seq 1 "$rounds"); do
  echo "round $round  portal GET /tickets/$number: $(run -H "authorization: Bearer $token" "http://127.0.0.1:3811/tickets/$number")"
  echo "round $round  floor  GET /:                    $(run http://127.0.0.1:3812/)"
done
