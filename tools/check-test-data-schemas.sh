#!/usr/bin/env bash
# Checks the IODEF test corpus against the official schemas.
#
#   valid/*.xml    must validate with xmllint against the RFC 7970 XSD
#                  (read from ../shared/standards/iodef/, imports stubbed by
#                  crates/c5hub-iodef/test-data/rfc7970/xsd-stubs/);
#   valid/*.json   must validate against the RFC 8727 JSON schema (Draft 4,
#                  python jsonschema, with the date-time format checked);
#   invalid/NAME.* must be rejected by the same validators, unless every
#                  violation in NAME.expected is one the official schema
#                  cannot express (see the exemption tables below): then the
#                  document must be accepted (it is otherwise valid) or, for
#                  DTD and depth attacks, the validator's verdict is not used.
#
# Also checks that every invalid document has a well-formed NAME.expected.
# Needs xmllint (libxml2-utils) and python3 with jsonschema (and
# rfc3339-validator for date-time). Prints one line per document and a last
# line "N passed, M failed"; exits 1 if anything failed, 2 if it cannot run.
#
# Environment: IODEF_SCHEMA_DIR overrides ../shared/standards/iodef.
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
schema_dir=${IODEF_SCHEMA_DIR:-$root/../shared/standards/iodef}
data=$root/crates/c5hub-iodef/test-data

for tool in xmllint python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "check-test-data-schemas: $tool not found" >&2; exit 2; }
done
for f in "$schema_dir/iodef-2.0.xsd" "$schema_dir/iodef-2.0.schema.json"; do
  [ -f "$f" ] || { echo "check-test-data-schemas: missing $f" >&2; exit 2; }
done

# The XSD imports three schemas from the network (IANA, W3C). Point those
# imports at the local stubs in a private copy; xmldsig is already relative.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed -e 's#schemaLocation="http://www.iana.org/assignments/xml-registry/schema/\(iodef-enum-1.0.xsd\)"#schemaLocation="\1"#' \
    -e 's#schemaLocation="http://www.iana.org/assignments/xml-registry/schema/\(iodef-sci-1.0.xsd\)"#schemaLocation="\1"#' \
    -e 's#schemaLocation="http://www.w3.org/2009/01/xml.xsd"#schemaLocation="xml.xsd"#' \
    "$schema_dir/iodef-2.0.xsd" > "$work/iodef-2.0.xsd"
cp "$data/rfc7970/xsd-stubs/"*.xsd "$work/"
if grep -q 'schemaLocation="http' "$work/iodef-2.0.xsd"; then
  echo "check-test-data-schemas: an import of iodef-2.0.xsd still points to the network" >&2
  exit 2
fi

python3 - "$data" "$work/iodef-2.0.xsd" "$schema_dir/iodef-2.0.schema.json" <<'PYTHON'
import glob
import json
import os
import re
import subprocess
import sys

data, xsd, json_schema_path = sys.argv[1:4]

try:
    import jsonschema
except ImportError:
    print("check-test-data-schemas: python jsonschema is not installed", file=sys.stderr)
    sys.exit(2)

RULES = {
    "xml-syntax", "json-syntax", "dtd-forbidden", "wrong-root", "unknown-element",
    "unknown-attribute", "missing-element", "missing-attribute", "too-many", "order",
    "choice", "enum", "date-time", "integer", "float", "positive-float", "portlist",
    "timezone", "url", "id", "lang", "ext-value-missing", "ext-value-mismatch",
    "version", "node-address", "duplicate-id", "dangling-ref", "limit-depth",
    # c5hub codes beyond the first list (crates/c5hub-iodef/src/diagnostic.rs).
    "encoding", "json-type", "limit-size", "limit-elements", "unexpected-text", "fixed",
}
PATH = re.compile(r"^(-|/IODEF-Document(/[A-Za-z][A-Za-z0-9-]*\[\d+\])*(/@[A-Za-z][A-Za-z0-9:-]*)?)$")

# ---- Exemptions -------------------------------------------------------------
# NOT_JUDGED: the validator's verdict says nothing about the rule; it is not
# used. BEYOND: the schema cannot see the violation, so a document whose only
# violations are these must be ACCEPTED by the validator (this proves that
# the .expected file lists everything the schema would object to).
XML_NOT_JUDGED = {
    "dtd-forbidden": "XSD validation does not forbid DTDs; xmllint accepts a bare DOCTYPE",
    "limit-depth": "a resource limit, not a schema rule (xmllint stops at 256 levels on its own)",
}
XML_BEYOND = {
    "ext-value-missing": "RFC 7970 prose rule (ext-* companion); the XSD cannot tie two attributes",
    "ext-value-mismatch": "RFC 7970 prose rule (ext-* companion); the XSD cannot tie two attributes",
    "dangling-ref": "xs:IDREF targets are not checked by libxml2's XSD validator",
    ("missing-attribute", "/IODEF-Document/@version"): "the XSD declares version optional (fixed=\"2.00\")",
}
XML_BEYOND_DOCS = {
    "wrong-root-element.xml": "every IODEF class is a global element in the XSD, so an Incident root is schema-valid",
}
JSON_NOT_JUDGED = {
    "limit-depth": "a resource limit; Python's json module gives up on its own recursion limit",
}
JSON_BEYOND = {
    "version": "the JSON schema accepts any string as version",
    "ext-value-missing": "RFC 7970 prose rule, not in the JSON schema",
    "ext-value-mismatch": "RFC 7970 prose rule, not in the JSON schema",
    "duplicate-id": "the JSON schema has no ID uniqueness",
    "dangling-ref": "the JSON schema has no reference integrity",
    "integer": "the JSON schema types every INTEGER as \"number\"",
    "url": "the JSON schema's URL pattern matches any string",
}
JSON_BEYOND_DOCS = {
    "unanchored-patterns.json": "ID, timezone and lang patterns are not anchored, so a valid prefix or infix passes",
    "unanchored-portlist-zero-impact.json": "the portlist pattern is not anchored; PositiveFloatType allows 0 (minimum, not exclusiveMinimum)",
}

passed = failed = 0


def report(ok, kind, path, note=""):
    global passed, failed
    rel = os.path.relpath(path, data)
    if ok:
        passed += 1
    else:
        failed += 1
    print("%s %-8s %s%s" % ("ok  " if ok else "FAIL", kind, rel, (" -- " + note) if note else ""))


def xml_accepts(path):
    proc = subprocess.run(["xmllint", "--nonet", "--noout", "--schema", xsd, path],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lines = [l.replace(path + ":", "line ", 1)
             for l in proc.stderr.decode("utf-8", "replace").splitlines()
             if not l.endswith(" validates") and not l.endswith(" fails to validate")]
    return proc.returncode == 0, (lines[0][:160] if lines else "")


schema = json.load(open(json_schema_path, encoding="utf-8"))
checker = jsonschema.Draft4Validator.FORMAT_CHECKER
if "date-time" not in checker.checkers:
    print("warning: jsonschema cannot check date-time here (install rfc3339-validator); "
          "date-time is not judged for JSON")
    JSON_NOT_JUDGED["date-time"] = "no date-time format checker available"
validator = jsonschema.Draft4Validator(schema, format_checker=checker)


def json_accepts(path):
    try:
        doc = json.loads(open(path, "rb").read().decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as err:
        return False, "not JSON: %s" % str(err)[:120]
    except RecursionError:
        return False, "not JSON: nesting exceeds Python's recursion limit"
    try:
        err = jsonschema.exceptions.best_match(validator.iter_errors(doc))
    except RecursionError:
        return False, "schema validation exceeds Python's recursion limit"
    if err is None:
        return True, ""
    return False, "%s: %s" % ("/".join(map(str, err.absolute_path)) or "(root)", err.message[:120])


def expected_of(doc):
    exp = os.path.splitext(doc)[0] + ".expected"
    if not os.path.exists(exp):
        return None, "no %s" % os.path.basename(exp)
    entries = []
    for n, line in enumerate(open(exp, encoding="utf-8").read().splitlines(), 1):
        parts = line.split("\t")
        if len(parts) != 2 or parts[1] not in RULES or not PATH.match(parts[0]):
            return None, "line %d of %s is not PATH<TAB>RULE: %r" % (n, os.path.basename(exp), line)
        entries.append((parts[0], parts[1]))
    if not 1 <= len(entries) <= 3:
        return None, "%s lists %d violations (expected 1 to 3)" % (os.path.basename(exp), len(entries))
    return entries, ""


def verdict_needed(entries, name, not_judged, beyond, beyond_docs):
    """'reject', 'accept' or None (not judged), with the reason."""
    if name in beyond_docs:
        return "accept", beyond_docs[name]
    def key_in(table, path, rule):
        return (rule, path) in table or rule in table
    if all(key_in(beyond, p, r) for p, r in entries):
        return "accept", "; ".join(sorted({beyond.get((r, p)) or beyond[r] for p, r in entries}))
    if all(key_in(beyond, p, r) or r in not_judged for p, r in entries):
        return None, "; ".join(sorted({not_judged[r] for p, r in entries if r in not_judged}))
    return "reject", ""


def check_invalid(doc, accepts, not_judged, beyond, beyond_docs):
    entries, problem = expected_of(doc)
    if entries is None:
        report(False, "invalid", doc, problem)
        return
    need, why = verdict_needed(entries, os.path.basename(doc), not_judged, beyond, beyond_docs)
    ok, msg = accepts(doc)
    if need is None:
        report(True, "exempt", doc, "%s (validator %s)" % (why, "accepts" if ok else "rejects"))
    elif need == "accept":
        report(ok, "beyond", doc, why if ok else "the schema rejects it, so .expected misses something: " + msg)
    else:
        report(not ok, "invalid", doc, msg if not ok else "the official schema accepts it")


for doc in sorted(glob.glob(os.path.join(data, "rfc7970", "valid", "*.xml"))):
    ok, msg = xml_accepts(doc)
    report(ok, "valid", doc, msg)
for doc in sorted(glob.glob(os.path.join(data, "rfc8727", "valid", "*.json"))):
    ok, msg = json_accepts(doc)
    report(ok, "valid", doc, msg)
for doc in sorted(glob.glob(os.path.join(data, "rfc7970", "invalid", "*.xml"))):
    check_invalid(doc, xml_accepts, XML_NOT_JUDGED, XML_BEYOND, XML_BEYOND_DOCS)
for doc in sorted(glob.glob(os.path.join(data, "rfc8727", "invalid", "*.json"))):
    check_invalid(doc, json_accepts, JSON_NOT_JUDGED, JSON_BEYOND, JSON_BEYOND_DOCS)
for sub, ext in (("rfc7970", ".xml"), ("rfc8727", ".json")):
    for exp in sorted(glob.glob(os.path.join(data, sub, "invalid", "*.expected"))):
        if not os.path.exists(exp[: -len(".expected")] + ext):
            report(False, "orphan", exp, "no document for this .expected")

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PYTHON
