#!/usr/bin/env python3
"""TAXII 2.1 objects GET, c5hub against medallion, side by side.

Generates N STIX 2.1 incident objects (TLP:GREEN), serves the same
objects from medallion's memory backend and from `c5hub serve` (posted
through its TAXII collection "all", which serves an incident that came in
as STIX as its own objects, unchanged), then GETs every page of PAGE
objects from both and prints objects per second for each and the ratio.
Both answers are checked: the same N ids, each once.

    python3 tools/bench-taxii.py --c5hub target/release/c5hub            # 100,000 objects
    python3 tools/bench-taxii.py --c5hub target/debug/c5hub --objects 50 --page 10   # a check

medallion's memory backend matches every manifest entry against every
object on the first page (quadratic: hours at 100,000 objects), so it gets
a time budget (--peer-budget, 900 s): when it has not served every page by
then, its throughput is below OBJECTS / BUDGET, and the ratio printed is a
lower bound ("more than").

Needs medallion and requests (PyPI). Measure on a quiet machine with a
release build; the figures of a debug build mean nothing.
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid

import requests

TAXII = "application/taxii+json;version=2.1"
STIX = "application/stix+json;version=2.1"
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def objects(n):
    ns = uuid.UUID("3b1c4a6e-8f0a-4d55-9d0e-2b6f4c1a7e90")
    out = []
    for i in range(n):
        t = "2026-01-01T00:%02d:%02d.%03dZ" % ((i // 60000) % 60, (i // 1000) % 60, i % 1000)
        out.append({
            "type": "incident",
            "spec_version": "2.1",
            "id": "incident--%s" % uuid.uuid5(ns, str(i)),
            "created": t,
            "modified": t,
            "name": "benchmark incident %d" % i,
            "description": "phishing wave %d against bank customers" % (i % 97),
            "object_marking_refs": [GREEN],
        })
    return out


def wait_up(url, headers, proc, what):
    for _ in range(300):
        if proc.poll() is not None:
            sys.exit("%s exited early" % what)
        try:
            if requests.get(url, headers=headers, timeout=1).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    sys.exit("%s did not start" % what)


class OutOfTime(Exception):
    """A server did not serve every page within its budget."""

    def __init__(self, got, secs):
        super().__init__("out of time after %.0f s with %d objects" % (secs, got))
        self.got = got
        self.secs = secs


def pages(url, headers, page, budget=None):
    """Every page of url; (objects, seconds). Raises OutOfTime when budget
    seconds pass before the last page."""
    got = []
    nxt = None
    start = time.perf_counter()
    s = requests.Session()
    while True:
        params = {"limit": page}
        if nxt:
            params["next"] = nxt
        left = None if budget is None else budget - (time.perf_counter() - start)
        if left is not None and left <= 0:
            raise OutOfTime(len(got), time.perf_counter() - start)
        try:
            r = s.get(url, headers=headers, params=params, timeout=left)
        except requests.Timeout:
            raise OutOfTime(len(got), time.perf_counter() - start)
        r.raise_for_status()
        env = r.json()
        got.extend(env.get("objects", []))
        if not env.get("more"):
            break
        nxt = env["next"]
    return got, time.perf_counter() - start


def medallion(objs, page, tmp, budget):
    port = free_port()
    now = "2026-01-01T00:00:00.000Z"
    data = {
        "/discovery": {"title": "bench", "default": "http://127.0.0.1:%d/api1/" % port,
                       "api_roots": ["http://127.0.0.1:%d/api1/" % port]},
        "api1": {
            "information": {"title": "bench", "versions": [TAXII], "max_content_length": 1 << 30},
            "status": [],
            "collections": [{
                "id": "91a7b528-80eb-42ed-a74d-c6fbd5a26116", "title": "bench",
                "can_read": True, "can_write": False, "media_types": [STIX],
                "objects": objs,
                "manifest": [{"id": o["id"], "date_added": now, "version": o["modified"],
                              "media_type": STIX} for o in objs],
            }],
        },
    }
    with open(os.path.join(tmp, "data.json"), "w") as f:
        json.dump(data, f)
    config = {
        "backend": {"module": "medallion.backends.memory_backend", "module_class": "MemoryBackend",
                    "filename": os.path.join(tmp, "data.json")},
        "users": {"bench": "bench"},
        "taxii": {"max_page_size": page},
    }
    with open(os.path.join(tmp, "medallion.json"), "w") as f:
        json.dump(config, f)
    proc = subprocess.Popen(
        [sys.executable, "-m", "medallion.scripts.run", "--port", str(port),
         os.path.join(tmp, "medallion.json")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        auth = requests.auth._basic_auth_str("bench", "bench")
        headers = {"Accept": TAXII, "Authorization": auth}
        base = "http://127.0.0.1:%d" % port
        wait_up(base + "/taxii2/", headers, proc, "medallion")
        return pages(base + "/api1/collections/91a7b528-80eb-42ed-a74d-c6fbd5a26116/objects/",
                     headers, page, budget)
    finally:
        proc.terminate()
        proc.wait()


def c5hub(binary, objs, page, tmp):
    port = free_port()
    token = "c5h_" + uuid.uuid4().hex + uuid.uuid4().hex
    data = os.path.join(tmp, "c5hub")
    env = dict(os.environ, C5HUB_ADMIN_TOKEN=token)
    proc = subprocess.Popen(
        [binary, "serve", "--data", data, "--listen", "127.0.0.1:%d" % port],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        headers = {"Accept": TAXII, "Authorization": "Bearer " + token}
        base = "http://127.0.0.1:%d" % port
        wait_up(base + "/taxii2/", headers, proc, "c5hub")
        url = base + "/taxii2/api1/collections/all/objects/"
        for i in range(0, len(objs), 5000):
            r = requests.post(url, headers=dict(headers, **{"Content-Type": TAXII}),
                              data=json.dumps({"objects": objs[i:i + 5000]}))
            if r.status_code != 202:
                sys.exit("c5hub refused the objects: %s %s" % (r.status_code, r.text[:500]))
        return pages(url, headers, page)
    finally:
        proc.terminate()
        proc.wait()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--c5hub", required=True, help="the c5hub binary")
    p.add_argument("--objects", type=int, default=100_000)
    p.add_argument("--page", type=int, default=1000)
    p.add_argument("--peer-budget", type=float, default=900,
                   help="seconds medallion may take for all its pages; past them its "
                        "throughput is bounded from above by OBJECTS / BUDGET, and the "
                        "ratio is reported as a lower bound")
    a = p.parse_args()
    objs = objects(a.objects)
    want = sorted(o["id"] for o in objs)
    tmp = tempfile.mkdtemp(prefix="bench-taxii-")
    try:
        results = {}
        bound = False
        for name, run in (("medallion", lambda: medallion(objs, a.page, tmp, a.peer_budget)),
                          ("c5hub", lambda: c5hub(a.c5hub, objs, a.page, tmp))):
            try:
                got, secs = run()
            except OutOfTime as t:
                # Its whole run takes longer than the budget, so its
                # throughput is below OBJECTS / budget: an upper bound
                # measured in this run, not an estimate.
                results[name] = a.objects / t.secs
                bound = True
                print("%-10s did not serve its %d objects within %.0f s (%d so far): "
                      "under %.0f objects/s" % (name, a.objects, t.secs, t.got, results[name]))
                continue
            ids = sorted(o["id"] for o in got)
            if ids != want:
                sys.exit("%s served %d objects, not the %d given (or not each once)"
                         % (name, len(got), len(want)))
            results[name] = len(got) / secs if secs > 0 else float("inf")
            print("%-10s %8d objects in pages of %d: %10.0f objects/s"
                  % (name, len(got), a.page, results[name]))
        print("c5hub / medallion: %s%.1f x" % ("more than " if bound else "",
                                               results["c5hub"] / results["medallion"]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
