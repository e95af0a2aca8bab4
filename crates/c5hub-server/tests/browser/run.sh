#!/usr/bin/env bash
# Browser tests of the web UI against a real `c5hub serve`.
#
#   bash crates/c5hub-server/tests/browser/run.sh PATH/TO/c5hub
#
# Builds nothing: it takes the c5hub binary, makes a fresh data directory
# with three organisations and their users (through the CLI, as an operator
# would), starts a real SMTP server (Python's aiosmtpd, writing to a
# maildir) and the hub on free loopback ports, waits for /readyz, runs
# every *.test.mjs here, one file after the other (playwright-core
# driving the system's Chromium, headless) and
# always stops both servers. Needs `npm ci` done in this directory first,
# and `pip install aiosmtpd` (tools/test.sh installs it).
#
# Environment:
#   CHROMIUM                   browser binary (default /usr/bin/chromium)
#   C5HUB_BROWSER_ARTIFACTS    where screenshots and the server log go
#                              (default target/browser-artifacts, relative to
#                              the repository root)
#
# The tests get C5HUB_MAILDIR: the maildir the hub's e-mail lands in.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)

if [ $# -ne 1 ]; then
  echo "usage: $0 PATH/TO/c5hub" >&2
  exit 2
fi
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
[ -x "$bin" ] || { echo "browser tests: $1 is not an executable c5hub binary" >&2; exit 2; }

export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || { echo "browser tests: no Chromium at $CHROMIUM (apt-get install chromium, or set CHROMIUM)" >&2; exit 1; }
[ -d "$here/node_modules/playwright-core" ] || { echo "browser tests: run \`npm ci\` in $here first" >&2; exit 1; }
python3 -c 'import aiosmtpd' 2>/dev/null \
  || { echo "browser tests: python3 -m aiosmtpd is missing (pip install aiosmtpd; tools/test.sh installs it)" >&2; exit 1; }

artifacts=${C5HUB_BROWSER_ARTIFACTS:-target/browser-artifacts}
case "$artifacts" in /*) ;; *) artifacts="$root/$artifacts" ;; esac
mkdir -p "$artifacts"
rm -f "$artifacts"/*.png "$artifacts/server.log" "$artifacts/setup.log" "$artifacts/smtp.log"
export C5HUB_BROWSER_ARTIFACTS=$artifacts

work=$(mktemp -d "${TMPDIR:-/tmp}/c5hub-browser.XXXXXX")
server_pid=
smtp_pid=
stop() {
  local pid=$1
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
}
cleanup() {
  stop "$server_pid"
  stop "$smtp_pid"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

data=$work/data
# The samples use documentation addresses, which the built-in warning list
# keeps from correlating; the samples' own list holds only private ranges.
warning_list=$root/samples/warning-list.txt
# The CLI's notes go to a log, shown when a command fails.
c5() {
  "$bin" "$@" --data "$data" --warning-list "$warning_list" 2>>"$artifacts/setup.log" \
    || { echo "browser tests: c5hub $* failed:" >&2; cat "$artifacts/setup.log" >&2; exit 1; }
}

# Two member organisations that share GREEN incidents, and a third one.
c5 orgs add bank-csirt --type sector-cirt >/dev/null
c5 orgs add telco-op --type operator >/dev/null
c5 orgs add energy-csirt --type sector-cirt >/dev/null

password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
C5HUB_PASSWORD=$password c5 users add analyst@bank.example --org bank-csirt --role analyst >/dev/null
C5HUB_PASSWORD=$password c5 users add analyst@telco.example --org telco-op --role analyst >/dev/null
token_b=$(c5 tokens create --org telco-op --role reporter)

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# The SMTP server the hub's e-mail goes through; what it receives lands
# in $maildir/new, one file a message (notify.test.mjs reads them).
maildir=$work/maildir
smtp_port=$(free_port)
python3 -m aiosmtpd -n -l "127.0.0.1:$smtp_port" -c aiosmtpd.handlers.Mailbox "$maildir" \
  >"$artifacts/smtp.log" 2>&1 &
smtp_pid=$!
smtp_ready=
for _ in $(seq 1 100); do
  if ! kill -0 "$smtp_pid" 2>/dev/null; then
    echo "browser tests: aiosmtpd exited early; its log:" >&2
    cat "$artifacts/smtp.log" >&2
    exit 1
  fi
  if node -e 'const c=require("net").connect(+process.argv[1],"127.0.0.1");c.on("connect",()=>{c.end();process.exit(0)});c.on("error",()=>process.exit(1))' "$smtp_port"; then
    smtp_ready=1
    break
  fi
  sleep 0.2
done
[ -n "$smtp_ready" ] || { echo "browser tests: aiosmtpd not accepting connections after 20 s; its log:" >&2; cat "$artifacts/smtp.log" >&2; exit 1; }

# A short notifier interval keeps the tests' waits for e-mail and webhook
# deliveries short.
config=$work/c5hub.toml
cat >"$config" <<EOF_CONFIG
[notify]
interval_ms = 300
webhook_backoff_ms = 1000
smtp_url = "smtp://127.0.0.1:$smtp_port"
from = "hub@browser-tests.example"
EOF_CONFIG

port=$(free_port)
base=http://localhost:$port

admin_token=c5h_$(head -c 32 /dev/urandom | base64 | tr -d '/+=')
C5HUB_ADMIN_TOKEN=$admin_token \
  "$bin" serve --data "$data" --warning-list "$warning_list" --listen "127.0.0.1:$port" --config "$config" \
  >"$artifacts/server.log" 2>&1 &
server_pid=$!

ready=
for _ in $(seq 1 100); do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "browser tests: c5hub serve exited early; its log:" >&2
    cat "$artifacts/server.log" >&2
    exit 1
  fi
  if node -e 'fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' "http://127.0.0.1:$port/readyz"; then
    ready=1
    break
  fi
  sleep 0.2
done
[ -n "$ready" ] || { echo "browser tests: c5hub serve not ready after 20 s; its log:" >&2; cat "$artifacts/server.log" >&2; exit 1; }

# ui.test.mjs first: its counts assume a hub no other scenario has written to.
files=("$here/ui.test.mjs")
for f in "$here"/*.test.mjs; do [ "$f" = "$here/ui.test.mjs" ] || files+=("$f"); done

status=0
C5HUB_URL=$base \
C5HUB_ORG_A=bank-csirt C5HUB_USER_A=analyst@bank.example \
C5HUB_ORG_B=telco-op C5HUB_USER_B=analyst@telco.example C5HUB_TOKEN_B=$token_b \
C5HUB_PASSWORD=$password C5HUB_ADMIN_TOKEN=$admin_token \
C5HUB_SAMPLES=$root/samples C5HUB_MAILDIR=$maildir \
  bash -c 'status=0
    # One file after the other: they share this server, and each drives its own browser.
    for f in "$@"; do node --test --test-reporter=spec "$f" || status=1; done
    exit $status' browser-tests "${files[@]}" || status=$?

if [ "$status" -ne 0 ]; then
  echo "browser tests FAILED (screenshots and server log in $artifacts)" >&2
else
  echo "browser tests passed (screenshots in $artifacts)"
fi
exit "$status"
