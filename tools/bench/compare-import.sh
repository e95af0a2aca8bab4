#!/usr/bin/env bash
# c5hub import vs IntelMQ 3.x on the same CSV feed, same machine, same run.
#
#   bash tools/bench/compare-import.sh [ROWS]     (default 1,000,000)
#
# Generates the feed (tools/bench/gen-feed.py), runs IntelMQ's pipeline
# (file collector -> generic CSV parser -> deduplicator -> file output;
# tools/bench/intelmq/run.sh), then `c5hub import` into a new embedded store,
# and prints both rates and their ratio. Needs a release build of c5hub.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
rows=${1:-1000000}
work=$(mktemp -d /tmp/c5hub-compare.XXXXXX)
feed=$work/feed.csv
# C5HUB_BIN, or the release build in CARGO_TARGET_DIR (default target/).
bin=${C5HUB_BIN:-${CARGO_TARGET_DIR:-$root/target}/release/c5hub}
[ -x "$bin" ] || (cd "$root" && cargo build --release -p c5hub)

python3 "$root/tools/bench/gen-feed.py" --rows "$rows" -o "$feed"
echo "== machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(free -g | awk '/Mem:/{print $2}') GiB"

echo "== IntelMQ (load before: $(uptime))"
intelmq_line=$(bash "$root/tools/bench/intelmq/run.sh" "$feed" | tee /dev/stderr | grep '^intelmq:' | tail -1)
intelmq_rate=$(sed -n 's/.*= \([0-9.]*\) rows\/s.*/\1/p' <<<"$intelmq_line")

echo "== c5hub import (embedded SQLite, correlation on; load before: $(uptime))"
start=$(date +%s.%N)
/usr/bin/time -f 'c5hub CPU: %U s user + %S s system, max RSS %M KB' \
  "$bin" import --data "$work/c5hub-data" "$feed" 2> "$work/c5hub.log" || true
end=$(date +%s.%N)
cat "$work/c5hub.log"
echo "== load after: $(uptime)"
c5hub_secs=$(echo "$end - $start" | bc -l)
c5hub_rate=$(echo "$rows / $c5hub_secs" | bc -l)
printf 'c5hub: %d rows in %.1f s = %.0f rows/s\n' "$rows" "$c5hub_secs" "$c5hub_rate"
if [ -n "$intelmq_rate" ]; then
  printf 'ratio: c5hub is %.1f times IntelMQ'"'"'s throughput\n' "$(echo "$c5hub_rate / $intelmq_rate" | bc -l)"
fi
rm -rf "$work"
