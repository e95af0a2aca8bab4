#!/usr/bin/env bash
# Runs every test of c5hub. On a fresh machine it first installs what the
# tests need (Debian: libxml2-utils for xmllint; PyPI: jsonschema and
# rfc3339-validator for the RFC 8727 schema check), so this one command is
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

echo "== cargo test (workspace, all targets)"
cargo test --workspace --all-targets --locked

echo "== IODEF test corpus against the official RFC 7970 XSD and RFC 8727 JSON schema"
bash tools/check-test-data-schemas.sh
