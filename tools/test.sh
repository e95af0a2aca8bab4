#!/usr/bin/env bash
# Runs every test of c5hub. On a fresh machine it first installs what the
# tests need (Debian: libxml2-utils for xmllint; PyPI: jsonschema and
# rfc3339-validator for the RFC 8727 schema check, aiosmtpd for the SMTP
# server the notification tests receive e-mail with, stix2-patterns for the
# OASIS STIX pattern validator), so this one command is
# all the set-up there is.
#
#   bash tools/test.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

need_apt=()
command -v xmllint >/dev/null 2>&1 || need_apt+=(libxml2-utils)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "== installing ${need_apt[*]} (Debian)"
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
if ! python3 -c 'import jsonschema, rfc3339_validator' 2>/dev/null; then
  echo "== installing jsonschema, rfc3339-validator (PyPI)"
  python3 -m pip install -q jsonschema rfc3339-validator
fi
# The notification tests receive e-mail with a real SMTP server.
if ! python3 -c 'import aiosmtpd' 2>/dev/null; then
  echo "== installing aiosmtpd (PyPI)"
  python3 -m pip install -q aiosmtpd
fi
# The TAXII server is driven by the OASIS client; medallion serves the
# other side of tools/bench-taxii.py.
if ! python3 -c 'import taxii2client, medallion' 2>/dev/null; then
  echo "== installing taxii2-client, medallion (PyPI)"
  python3 -m pip install -q taxii2-client medallion
fi
# STIX 2.1 (issue 17): exports are held to the OASIS validator, ids to the
# OASIS library's; tools/bench-stix.py compares with the library.
if ! python3 -c 'import stix2validator, stix2' 2>/dev/null; then
  echo "== installing stix2-validator, stix2 (PyPI)"
  python3 -m pip install -q stix2-validator stix2
fi
# The STIX pattern parser is checked against the OASIS reference validator.
if ! python3 -c 'import stix2patterns' 2>/dev/null; then
  echo "== installing stix2-patterns (PyPI)"
  python3 -m pip install -q stix2-patterns
fi

echo "== gates: cargo fmt --check, cargo clippy -D warnings"
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== cargo test (workspace, all targets)"
cargo test --workspace --all-targets --locked

echo "== IODEF test corpus against the official RFC 7970 XSD and RFC 8727 JSON schema"
bash tools/check-test-data-schemas.sh

# The web UI in a real browser: playwright-core (npm) driving the system's
# Chromium against `c5hub serve`. Without Chromium (or Node) it is skipped
# with a message on a workstation, and fails in CI (CI set).
echo "== browser tests of the web UI (crates/c5hub-server/tests/browser)"
browser_dir=crates/c5hub-server/tests/browser
chromium=${CHROMIUM:-/usr/bin/chromium}
missing=
[ -x "$chromium" ] || missing="Chromium at $chromium (apt-get install chromium, or set CHROMIUM)"
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || missing="${missing:+$missing; }Node.js 20+ with npm"
if [ -n "$missing" ]; then
  if [ -n "${CI:-}" ]; then
    echo "browser tests FAILED: missing $missing" >&2
    exit 1
  fi
  echo "== SKIPPED browser tests: missing $missing"
else
  (cd "$browser_dir" && npm ci --no-audit --no-fund --loglevel=error)
  cargo build -p c5hub --locked
  target_dir=${CARGO_TARGET_DIR:-target}
  case "$target_dir" in /*) ;; *) target_dir="$root/$target_dir" ;; esac
  CHROMIUM=$chromium bash "$browser_dir/run.sh" "$target_dir/debug/c5hub"
fi
