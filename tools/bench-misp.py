#!/usr/bin/env python3
"""PyMISP's side of the MISP import benchmark (BENCHMARKS.md): loads every
event of a file `c5hub bench misp --write FILE` generated with
`MISPEvent().load`, as `c5hub bench misp --input FILE` imports the same
events, and prints events per second.

    c5hub bench misp --events 10000 --write /tmp/misp-events.json --no-store
    python3 tools/bench-misp.py /tmp/misp-events.json
    c5hub bench misp --input /tmp/misp-events.json

Timing covers loading only (the file is read and split into events first,
as c5hub's figure does not count reading the file either)."""
import json
import sys
import time

from pymisp import MISPEvent


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as f:
        doc = json.load(f)
    items = [json.dumps(e) for e in doc["response"]]
    attributes = 0
    start = time.perf_counter()
    for item in items:
        event = MISPEvent()
        event.load(item)
        attributes += len(event.attributes) + sum(len(o.attributes) for o in event.objects)
    took = time.perf_counter() - start
    print(f"pymisp: {len(items)} events ({attributes} attributes) loaded in {took:.3f} s: "
          f"{len(items) / max(took, 1e-9):.0f} events/s")


if __name__ == "__main__":
    main()
