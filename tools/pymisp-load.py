#!/usr/bin/env python3
"""Loads every event of a c5hub MISP export with PyMISP, as a MISP instance
would, and prints what PyMISP read: one line per event, its uuid, then the
type of each attribute (the event's, then each object's), tab-separated.

    python3 tools/pymisp-load.py EXPORT.json

Used by crates/c5hub/tests/misp_cli.rs (PyMISP conformance)."""
import json
import sys

from pymisp import MISPEvent

with open(sys.argv[1], encoding="utf-8") as f:
    doc = json.load(f)
for item in doc["response"]:
    event = MISPEvent()
    event.load(json.dumps(item))
    types = [a.type for a in event.attributes]
    for o in event.objects:
        types += [a.type for a in o.attributes]
    print("\t".join([event.uuid] + types))
