#!/usr/bin/env bash
# Importing a hub's export (issue 15, BENCHMARKS.md "Importing a hub's
# export"): a store of N generated feed incidents (tools/bench/gen-feed.py)
# is exported as one IODEF XML document, which is then, side by side:
#   - imported into an empty store (`c5hub import`, incident by incident),
#   - validated whole by `c5hub iodef validate` (limit raised to fit),
#   - validated by `xmllint --noout --schema` against the official XSD.
# Wall time and peak memory from /usr/bin/time -v.
#
# Usage: tools/bench/export-import.sh [BINARY] [ROWS] [WORKDIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${1:-$root/target/release/c5hub}"
rows="${2:-100000}"
work="${3:-/tmp/c5hub-export-import}"
xsd="${XSD:-$root/../shared/standards/iodef/xsd-local/iodef-2.0.xsd}"
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
command -v xmllint >/dev/null || { echo "needs xmllint (apt-get install libxml2-utils)" >&2; exit 2; }
rm -rf "$work"; mkdir -p "$work"
python3 "$here/gen-feed.py" --rows "$rows" -o "$work/feed.csv"
"$bin" import "$work/feed.csv" --as hub-a --data "$work/a" >/dev/null
"$bin" export --format iodef-xml --as hub-a --data "$work/a" -o "$work/export.xml"
size=$(stat -c %s "$work/export.xml")
echo "export: $size bytes, $(grep -c '<Incident ' "$work/export.xml") incidents"
measure() {
  local name="$1"; shift
  /usr/bin/time -v "$@" >"$work/$name.out" 2>"$work/$name.time" || true
  local wall rss
  wall=$(grep 'Elapsed (wall clock)' "$work/$name.time" | awk '{print $NF}')
  rss=$(grep 'Maximum resident set size' "$work/$name.time" | awk '{print $NF}')
  printf '%-28s wall %-10s peak RSS %6d MB  exit %s\n' "$name" "$wall" $((rss / 1024)) \
    "$(grep 'Exit status' "$work/$name.time" | awk '{print $NF}')"
}
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
measure "c5hub import" "$bin" import "$work/export.xml" --as hub-a --data "$work/b"
measure "c5hub iodef validate" "$bin" iodef validate --max-bytes $((size + 1)) --max-elements 100000000 "$work/export.xml"
measure "xmllint --schema" xmllint --noout --schema "$xsd" "$work/export.xml"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
tail -1 "$work/c5hub import.time" >/dev/null
grep -h 'imported' "$work/c5hub import.out" "$work/c5hub import.time" || true
