#!/usr/bin/env bash
# Load test of `c5hub serve` on loopback with wrk (Debian's package):
# mixed incident reads and IODEF submissions, side by side for DURATION
# seconds, against the embedded SQLite store. A 10 s submission warm-up
# first fills the store with TLP:GREEN incidents the reader may read.
#
#   tools/bench/load/run.sh [DURATION_SECONDS]   (default 60)
#
# Prints each wrk report and the server's peak resident memory (VmHWM).
#
# By default both streams run flat out (32 connections each), so the
# figures show how the two cores split between reads and submissions. To
# hold submissions near a chosen rate and see what reads reach beside it:
#   C5HUB_LOAD_SUBMIT_CONNECTIONS=16 C5HUB_LOAD_SUBMIT_DELAY_MS=12 run.sh 60
set -euo pipefail
cd "$(dirname "$0")/../../.."
duration="${1:-60}"
here=tools/bench/load
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 2; }
cargo build --release -q -p c5hub
bin="${CARGO_TARGET_DIR:-target}/release/c5hub"
data="$(mktemp -d)"
port="${C5HUB_LOAD_PORT:-18181}"
admin="c5h_$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
"$bin" orgs add load-csirt --type sector-cirt --data "$data" >/dev/null
reporter="$("$bin" tokens create --org load-csirt --role reporter --data "$data" 2>/dev/null)"
C5HUB_ADMIN_TOKEN="$admin" "$bin" serve --data "$data" --listen "127.0.0.1:$port" 2>"$data/serve.log" &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
echo "machine: $(nproc) cores, $(uname -r); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "server pid $pid, store $data (SQLite)"
C5HUB_LOAD_TOKEN="$reporter" C5HUB_LOAD_SUBMIT_DELAY_MS=0 wrk -t1 -c32 -d10s -s "$here/submit.lua" "http://127.0.0.1:$port" >"$data/warmup.txt"
# /metrics is for the hub's admins and counts what the writer committed
# (the store is fresh, so incident ids run from 1 to that count).
max_id="$(curl -s -H "Authorization: Bearer $admin" "http://127.0.0.1:$port/metrics" | awk '$1 == "c5hub_committed_incidents_total" {print $2}')"
echo "== warm-up (submissions only, 10 s): $(grep Requests/sec "$data/warmup.txt"); $max_id incidents stored"
C5HUB_LOAD_TOKEN="$admin" C5HUB_LOAD_MAX_ID="$max_id" wrk -t1 -c32 -d"${duration}s" --latency -s "$here/read.lua" "http://127.0.0.1:$port" >"$data/read.txt" &
r=$!
C5HUB_LOAD_TOKEN="$reporter" C5HUB_LOAD_SUBMIT_DELAY_MS="${C5HUB_LOAD_SUBMIT_DELAY_MS:-0}" \
  wrk -t1 -c"${C5HUB_LOAD_SUBMIT_CONNECTIONS:-32}" -d"${duration}s" --latency -s "$here/submit.lua" "http://127.0.0.1:$port" >"$data/submit.txt" &
s=$!
wait $r $s
echo "== reads: GET /api/v1/incidents/{id}"; cat "$data/read.txt"
echo "== submissions: POST /api/v1/incidents (IODEF XML; ${C5HUB_LOAD_SUBMIT_CONNECTIONS:-32} connections, ${C5HUB_LOAD_SUBMIT_DELAY_MS:-0} ms pause after each response)"; cat "$data/submit.txt"
echo "== server peak memory: $(grep VmHWM /proc/$pid/status)"
curl -s -H "Authorization: Bearer $admin" "http://127.0.0.1:$port/metrics" | grep -E '^c5hub_(commits_total|committed_incidents_total|submissions_total)|^c5hub_http_requests_total' || true
echo "== server warnings and errors:"; grep -E 'WARN|ERROR' "$data/serve.log" | sort | uniq -c | sort -rn | head -5 || true
kill -TERM $pid; wait $pid || true
