#!/usr/bin/env bash
# Side-by-side SMS spam benchmark (BENCHMARKS.md, "Spam"): installs the
# peers from Debian's packages if missing, builds c5hub, runs all three on
# the same 10 folds, writes tools/bench/spam/results.json and prints a
# Markdown table. Run as root from the repository root, ../shared beside it.
set -euo pipefail
cd "$(dirname "$0")/../../.."
CORPUS=${CORPUS:-../shared/corpora/sms-spam-collection/SMSSpamCollection}
need=()
for cmd in rspamd:rspamd redis-server:redis-server spamassassin:spamassassin spamc:spamc spamd:spamd; do
  command -v "${cmd%%:*}" >/dev/null || need+=("${cmd##*:}")
done
if ((${#need[@]})); then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
cargo build --release -p c5hub
BIN=${CARGO_TARGET_DIR:-target}/release/c5hub
uptime
python3 tools/bench/spam/peers.py --corpus "$CORPUS" --c5hub "$BIN" \
  --out tools/bench/spam/results.json "$@"
uptime
