#!/usr/bin/env python3
"""Runs the OASIS STIX 2.1 validator (stix2-validator, PyPI) on bundles.

Usage: stix-validate.py FILE...

Prints one line per error or warning (`FILE: error|warning: TEXT`) and
exits 1 when there is an error or a warning not on the accepted list
below, 0 otherwise. The accepted warnings are the ones c5hub's exports
carry on purpose; each says why (README, "STIX 2.1").
"""

import sys

from stix2validator import ValidationOptions, validate_file

# Warnings c5hub accepts, by a phrase of their text, with why.
ACCEPTED = {
    # {103} "Given ID value ... is not a valid UUIDv4 ID": the ids of the
    # objects c5hub writes from its model (incident, identity, indicator,
    # relationship, vulnerability, bundle) are UUIDv5 of what they stand
    # for, so that the same incident version is the same objects on every
    # export and every TAXII page (STIX 2.1 says SHOULD for v4, not MUST).
    "is not a valid UUIDv4 ID",
}


def accepted(text):
    return any(phrase in text for phrase in ACCEPTED)


def main(files):
    bad = False
    opts = ValidationOptions(version="2.1", strict=False)
    for f in files:
        results = validate_file(f, opts)
        for r in results.object_results:
            for e in r.errors:
                print(f"{f}: error: {r.object_id}: {e}")
                bad = True
            for w in r.warnings:
                ok = accepted(str(w))
                print(f"{f}: warning{' (accepted)' if ok else ''}: {r.object_id}: {w}")
                bad = bad or not ok
        if getattr(results, "fatal", None):
            print(f"{f}: error: {results.fatal}")
            bad = True
        if not results.is_valid:
            bad = True
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
