#!/usr/bin/env bash
# Takes the README tour's screenshots (docs/img/tour-*.png) from a real
# `c5hub serve --demo` on a fresh data directory, with the system's
# Chromium. Needs `npm ci` in crates/c5hub-server/tests/browser.
#
#   bash tools/tour-screenshots.sh target/debug/c5hub
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export C5HUB_DEMO_PASSWORD=tour-password-$RANDOM$RANDOM
"$bin" serve --demo --data "$work/data" --listen "127.0.0.1:$port" >"$work/log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 300); do
  node -e 'fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' "http://127.0.0.1:$port/readyz" && break
  kill -0 $pid 2>/dev/null || { cat "$work/log" >&2; exit 1; }
  sleep 0.2
done
cd "$root/crates/c5hub-server/tests/browser"
C5HUB_URL="http://127.0.0.1:$port" C5HUB_TOUR_OUT="$root/docs/img" node tour.mjs
echo "wrote $root/docs/img/tour-dashboard.png, tour-incident.png"
