#!/usr/bin/env python3
"""STIX 2.1 import, c5hub against the OASIS library (issue 17, BENCHMARKS.md).

    python3 tools/bench-stix.py [--objects N] [--c5hub BIN] [--skip-stix2]
                                [--keep FILE]

Generates a bundle of N objects (default 50,000): a feed-like mix of
lone indicators (one pattern each) with their SCO, observed-data and
relationships, an incident now and then with its own objects, identities
and the TLP 2.0 markings. Then, side by side in one run:

  - `stix2.parse(bundle, allow_custom=True)` (the OASIS `stix2` library) on
    the bundle read into memory: objects per second;
  - `c5hub import` of the file into a new embedded store: objects per
    second, and the largest resident set of the process (the issue asks
    under 500 MB for a 1 GB bundle: use `--objects 3000000 --skip-stix2`);
  - `c5hub bench stix --no-store`: the same reading and conversion as
    `c5hub import` (the same code), storing nothing, as `stix2.parse`
    parses and builds objects and stores nothing: objects per second
    timed inside the process, as stix2.parse is timed inside Python.

Both ratios (full import, read and convert) are printed.

The bundle is deterministic (seeded), so runs compare. Needs a release
build of c5hub (`--c5hub`, default target/release/c5hub) and `pip install
stix2`.
"""

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

NS = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")
TLP_AMBER = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
TLP_GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
EXT = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
INCIDENT_EXT = "extension-definition--ef765651-680c-498d-9894-99799f2fa126"
T = "2026-01-01T00:00:00.000Z"


def rid(rng, t):
    return f"{t}--{uuid.UUID(int=rng.getrandbits(128), version=4)}"


def sco_id(t, value):
    data = json.dumps({"value": value}, separators=(",", ":"), sort_keys=True)
    return f"{t}--{uuid.uuid5(NS, data)}"


def objects(n, rng):
    """Yields n objects (a few more at most, to finish a group)."""
    ident = rid(rng, "identity")
    yield {"type": "identity", "spec_version": "2.1", "id": ident, "created": T,
           "modified": T, "name": "Bench CERT", "identity_class": "organization"}
    for tlp, mid in (("amber", TLP_AMBER), ("green", TLP_GREEN)):
        yield {"type": "marking-definition", "spec_version": "2.1", "id": mid,
               "created": "2022-10-01T00:00:00.000Z", "name": f"TLP:{tlp.upper()}",
               "extensions": {EXT: {"extension_type": "property-extension", "tlp_2_0": tlp}}}
    count = 3
    i = 0
    while count < n:
        i += 1
        ip = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
        sco = {"type": "ipv4-addr", "spec_version": "2.1", "id": sco_id("ipv4-addr", ip), "value": ip}
        ind = {"type": "indicator", "spec_version": "2.1", "id": rid(rng, "indicator"),
               "created_by_ref": ident, "created": T, "modified": T,
               "name": f"scanner {ip}", "indicator_types": ["malicious-activity"],
               "pattern": f"[ipv4-addr:value = '{ip}']", "pattern_type": "stix",
               "valid_from": T, "object_marking_refs": [TLP_GREEN],
               "x_bench_score": rng.randint(0, 100)}
        od = {"type": "observed-data", "spec_version": "2.1", "id": rid(rng, "observed-data"),
              "created_by_ref": ident, "created": T, "modified": T, "first_observed": T,
              "last_observed": T, "number_observed": 1, "object_refs": [sco["id"]]}
        rel = {"type": "relationship", "spec_version": "2.1", "id": rid(rng, "relationship"),
               "created_by_ref": ident, "created": T, "modified": T,
               "relationship_type": "based-on", "source_ref": ind["id"], "target_ref": od["id"]}
        group = [sco, ind, od, rel]
        if i % 100 == 0:
            inc = {"type": "incident", "spec_version": "2.1", "id": rid(rng, "incident"),
                   "created_by_ref": ident, "created": T, "modified": T,
                   "name": f"scan wave {i}", "object_marking_refs": [TLP_AMBER],
                   "extensions": {INCIDENT_EXT: {"extension_type": "property-extension",
                                                 "determination": "confirmed",
                                                 "investigation_status": "open",
                                                 "incident_types": ["scanner"]}}}
            group.append(inc)
            group.append({"type": "relationship", "spec_version": "2.1",
                          "id": rid(rng, "relationship"), "created_by_ref": ident,
                          "created": T, "modified": T, "relationship_type": "related-to",
                          "source_ref": ind["id"], "target_ref": inc["id"]})
        for o in group:
            yield o
        count += len(group)


def write_bundle(path, n):
    rng = random.Random(17)
    with open(path, "w") as f:
        f.write('{"type": "bundle", "id": "bundle--%s", "objects": [\n' % uuid.UUID(int=rng.getrandbits(128), version=4))
        total = 0
        for k, o in enumerate(objects(n, rng)):
            if k:
                f.write(",\n")
            f.write(json.dumps(o))
            total += 1
        f.write("\n]}\n")
    return total


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--objects", type=int, default=50_000)
    ap.add_argument("--c5hub", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "c5hub"))
    ap.add_argument("--skip-stix2", action="store_true", help="do not run the OASIS library (large bundles)")
    ap.add_argument("--keep", help="write the bundle here and keep it")
    a = ap.parse_args()

    work = tempfile.mkdtemp(prefix="c5hub-bench-stix-")
    path = a.keep or os.path.join(work, "bundle.json")
    total = write_bundle(path, a.objects)
    size = os.path.getsize(path)
    print(f"bundle: {total} objects, {size / 1e6:.1f} MB ({path})")
    print(f"machine: {os.cpu_count()} cores; load {os.getloadavg()}")

    stix2_rate = None
    if not a.skip_stix2:
        import stix2

        with open(path) as f:
            text = f.read()
        start = time.perf_counter()
        parsed = stix2.parse(text, allow_custom=True)
        secs = time.perf_counter() - start
        assert len(parsed.objects) == total
        stix2_rate = total / secs
        print(f"stix2.parse(allow_custom=True): {secs:.2f} s, {stix2_rate:,.0f} objects/s")
        del parsed, text

    # The largest resident set of the child as getrusage counts it is that
    # of the forked Python until the exec (hundreds of MB after stix2 ran),
    # not c5hub's: GNU time, itself small, measures c5hub alone.
    cmd = [a.c5hub, "import", path, "--data", os.path.join(work, "data"), "--as", "bench.test"]
    timer = "/usr/bin/time" if os.path.exists("/usr/bin/time") else None
    if timer:
        cmd = [timer, "-f", "c5hub-max-rss-kb %M"] + cmd
    start = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True)
    secs = time.perf_counter() - start
    rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if out.returncode != 0:
        print(out.stdout, out.stderr, file=sys.stderr)
        sys.exit(1)
    lines = out.stderr.strip().splitlines()
    if timer:
        rss_mb = int(lines.pop().split()[-1]) / 1024
    else:
        print("(no /usr/bin/time: max RSS below counts the forked Python too)")
    print(lines[-1] if lines else out.stdout.strip())
    rate = total / secs
    print(f"c5hub import: {secs:.2f} s, {rate:,.0f} objects/s, max RSS {rss_mb:.0f} MB")
    if stix2_rate:
        print(f"ratio, full import into a store: {rate / stix2_rate:.1f} x the OASIS library")

    bench = [a.c5hub, "bench", "stix", "--input", path, "--no-store"]
    out = subprocess.run(bench, capture_output=True, text=True)
    if out.returncode != 0:
        print(out.stdout, out.stderr, file=sys.stderr)
        sys.exit(1)
    print(out.stdout.strip())
    # "... read and converted in S s: R objects/s"
    line = next(l for l in out.stdout.splitlines() if "read and converted in" in l)
    convert_secs = float(line.split("read and converted in ")[1].split(" s")[0])
    convert_rate = total / convert_secs
    print(f"c5hub read and convert (no store): {convert_secs:.2f} s, {convert_rate:,.0f} objects/s")
    if stix2_rate:
        print(f"ratio, read and convert without a store: {convert_rate / stix2_rate:.1f} x the OASIS library")
    print(f"load after the run: {os.getloadavg()}")
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
