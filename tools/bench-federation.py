"""Initial sync between two hubs, and the same incidents between two medallions.

c5hub: hub A (`c5hub serve`, operator `hub-a`) holds N incidents imported
from a generated feed (tools/bench/gen-feed.py, TLP:GREEN); hub B
(`hub-b`) is empty. A gets B as a peer and pushes with `serve`'s push task;
the clock runs from A's start to the moment B's `/metrics` says it took in
N objects from hub-a. Prints incidents/s and the peak RSS (VmHWM) of both
processes, and checks that B holds N incidents.

The peer, with --peer: the same N incidents as STIX incident objects in a
medallion (memory backend), pulled page by page with the OASIS
`taxii2-client` and posted into a second, empty medallion. medallion's
memory backend is quadratic in its manifest, so the peer gets a time
budget (--peer-budget): past it, its rate is below N / budget and the
ratio is a lower bound ("more than").

    python3 tools/bench-federation.py --c5hub target/release/c5hub --incidents 1000000
    python3 tools/bench-federation.py --c5hub target/release/c5hub --incidents 100000 --peer

Needs requests, and for --peer medallion and taxii2-client (PyPI). Measure
with a release build on a quiet machine.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import importlib.util  # noqa: E402

_spec = importlib.util.spec_from_file_location("bench_taxii", os.path.join(HERE, "bench-taxii.py"))
bench_taxii = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_taxii)

TAXII = bench_taxii.TAXII
STIX = bench_taxii.STIX


def peak_rss_mb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def serve(binary, data, org, port, token):
    config = os.path.join(data + ".toml")
    with open(config, "w") as f:
        f.write('org = "%s"\n' % org)
    env = dict(os.environ, C5HUB_ADMIN_TOKEN=token)
    proc = subprocess.Popen(
        [binary, "serve", "--data", data, "--config", config, "--listen", "127.0.0.1:%d" % port],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    headers = {"Accept": TAXII, "Authorization": "Bearer " + token}
    bench_taxii.wait_up("http://127.0.0.1:%d/taxii2/" % port, headers, proc, org)
    return proc


def stop(proc):
    proc.terminate()
    proc.wait()


def run(cmd):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit("%s: %s" % (" ".join(cmd), r.stderr[-2000:]))
    return r.stdout


def received(port, token, peer):
    r = requests.get("http://127.0.0.1:%d/metrics" % port,
                     headers={"Authorization": "Bearer " + token}, timeout=10)
    m = re.search(r'c5hub_peer_objects\{peer="%s",direction="received"\} (\d+)' % re.escape(peer),
                  r.text)
    return int(m.group(1)) if m else 0


def c5hub(a, tmp):
    binary = a.c5hub
    pa, pb = bench_taxii.free_port(), bench_taxii.free_port()
    ta = "c5h_" + uuid.uuid4().hex + uuid.uuid4().hex
    tb = "c5h_" + uuid.uuid4().hex + uuid.uuid4().hex
    da, db = os.path.join(tmp, "a"), os.path.join(tmp, "b")
    feed = os.path.join(tmp, "feed.csv")
    run([sys.executable, os.path.join(HERE, "bench", "gen-feed.py"), "--rows", str(a.incidents),
         "-o", feed])
    # A once, so that its store knows its operator; then the feed.
    stop(serve(binary, da, "hub-a", pa, ta))
    t = time.perf_counter()
    run([binary, "import", feed, "--data", da, "--tlp", "green"])
    print("A imported %d feed rows in %.1f s" % (a.incidents, time.perf_counter() - t))
    b = serve(binary, db, "hub-b", pb, tb)
    rss_a = rss_b = float("nan")
    try:
        h = {"Authorization": "Bearer " + tb}
        r = requests.post("http://127.0.0.1:%d/api/v1/orgs" % pb, headers=h,
                          json={"name": "hub-a", "type": "national-cirt"})
        r.raise_for_status()
        r = requests.post("http://127.0.0.1:%d/api/v1/tokens" % pb, headers=h,
                          json={"org": "hub-a", "role": "reporter", "label": "federation"})
        r.raise_for_status()
        with open(os.path.join(tmp, "a-to-b.token"), "w") as f:
            f.write(r.json()["token"] + "\n")
        with open(os.path.join(tmp, "unused.token"), "w") as f:
            f.write("unused\n")
        with open(os.path.join(tmp, "send.toml"), "w") as f:
            f.write('[out]\ntlp = ["clear", "green"]\npseudonymise = false\n')
        with open(os.path.join(tmp, "take.toml"), "w") as f:
            f.write('[out]\ntlp = []\npseudonymise = false\n')
        run([binary, "peers", "add", "hub-b", "http://127.0.0.1:%d/taxii2/api1/" % pb,
             "--token-file", os.path.join(tmp, "a-to-b.token"),
             "--policy", os.path.join(tmp, "send.toml"), "--data", da])
        run([binary, "peers", "add", "hub-a", "http://127.0.0.1:%d/taxii2/api1/" % pa,
             "--token-file", os.path.join(tmp, "unused.token"),
             "--policy", os.path.join(tmp, "take.toml"), "--org", "hub-a", "--data", db])
        t0 = time.perf_counter()
        pa_proc = serve(binary, da, "hub-a", pa, ta)
        try:
            last, last_t = -1, time.perf_counter()
            while True:
                n = received(pb, tb, "hub-a")
                if n >= a.incidents:
                    break
                if n != last:
                    last, last_t = n, time.perf_counter()
                elif time.perf_counter() - last_t > 120:
                    sys.exit("the sync stalled at %d of %d" % (n, a.incidents))
                time.sleep(0.2)
            secs = time.perf_counter() - t0
            rss_a, rss_b = peak_rss_mb(pa_proc.pid), peak_rss_mb(b.pid)
        finally:
            stop(pa_proc)
    finally:
        stop(b)
    # A check of the result, read straight from B's embedded store.
    import sqlite3

    with sqlite3.connect(os.path.join(db, "c5hub.sqlite")) as con:
        total = con.execute("SELECT COUNT(*) FROM incidents").fetchone()[0]
    print("c5hub      %8d incidents A -> B in %.1f s: %10.0f incidents/s; peak RSS A %.0f MB, "
          "B %.0f MB; B holds %s" % (a.incidents, secs, a.incidents / secs, rss_a, rss_b, total))
    if total != a.incidents:
        sys.exit("B holds %s incidents, not %d" % (total, a.incidents))
    return a.incidents / secs


def medallion_pair(a, tmp):
    """taxii2-client pulls every page from one medallion and posts it to another."""
    from taxii2client.v21 import Collection, as_pages

    objs = bench_taxii.objects(a.incidents)
    # The source: bench-taxii's medallion set-up, kept running.
    port_src, port_dst = bench_taxii.free_port(), bench_taxii.free_port()
    procs = []
    for port, name, objects, writable in ((port_src, "src", objs, False),
                                          (port_dst, "dst", [], True)):
        d = os.path.join(tmp, name)
        os.makedirs(d)
        now = "2026-01-01T00:00:00.000Z"
        data = {
            "/discovery": {"title": name, "default": "http://127.0.0.1:%d/api1/" % port,
                           "api_roots": ["http://127.0.0.1:%d/api1/" % port]},
            "api1": {
                "information": {"title": name, "versions": [TAXII], "max_content_length": 1 << 30},
                "status": [],
                "collections": [{
                    "id": "91a7b528-80eb-42ed-a74d-c6fbd5a26116", "title": name,
                    "can_read": True, "can_write": writable, "media_types": [STIX],
                    "objects": objects,
                    "manifest": [{"id": o["id"], "date_added": now, "version": o["modified"],
                                  "media_type": STIX} for o in objects],
                }],
            },
        }
        with open(os.path.join(d, "data.json"), "w") as f:
            json.dump(data, f)
        config = {
            "backend": {"module": "medallion.backends.memory_backend",
                        "module_class": "MemoryBackend",
                        "filename": os.path.join(d, "data.json")},
            "users": {"bench": "bench"},
            "taxii": {"max_page_size": a.page},
        }
        with open(os.path.join(d, "medallion.json"), "w") as f:
            json.dump(config, f)
        proc = subprocess.Popen(
            [sys.executable, "-m", "medallion.scripts.run", "--port", str(port),
             os.path.join(d, "medallion.json")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(proc)
        auth = requests.auth._basic_auth_str("bench", "bench")
        bench_taxii.wait_up("http://127.0.0.1:%d/taxii2/" % port,
                            {"Accept": TAXII, "Authorization": auth}, proc, "medallion " + name)
    try:
        path = "/api1/collections/91a7b528-80eb-42ed-a74d-c6fbd5a26116/"
        src = Collection("http://127.0.0.1:%d%s" % (port_src, path), user="bench", password="bench")
        dst = Collection("http://127.0.0.1:%d%s" % (port_dst, path), user="bench", password="bench")
        moved = 0
        start = time.perf_counter()
        budget = a.peer_budget
        import threading

        done = threading.Event()
        result = {}

        def walk():
            nonlocal moved
            try:
                for env in as_pages(src.get_objects, per_request=a.page):
                    objects = env.get("objects", [])
                    if objects:
                        dst.add_objects({"objects": objects}, wait_for_completion=False)
                    moved += len(objects)
                    if done.is_set():
                        return
                result["ok"] = True
            except Exception as e:  # reported below
                result["error"] = e

        th = threading.Thread(target=walk, daemon=True)
        th.start()
        th.join(budget)
        secs = time.perf_counter() - start
        done.set()
        if th.is_alive():
            rate = a.incidents / secs
            print("medallion  did not move its %d objects within %.0f s (%d so far): under %.0f "
                  "objects/s" % (a.incidents, secs, moved, rate))
            return rate, True
        if "error" in result:
            sys.exit("taxii2-client: %s" % result["error"])
        rate = moved / secs
        print("medallion  %8d objects src -> dst with taxii2-client in %.1f s: %10.0f objects/s"
              % (moved, secs, rate))
        return rate, False
    finally:
        for p in procs:
            p.terminate()
            p.wait()


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--c5hub", required=True, help="the c5hub binary")
    p.add_argument("--incidents", type=int, default=1_000_000)
    p.add_argument("--peer", action="store_true",
                   help="also move the same number of STIX incidents between two medallions")
    p.add_argument("--page", type=int, default=1000)
    p.add_argument("--peer-budget", type=float, default=900)
    a = p.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench-federation-")
    try:
        ours = c5hub(a, tmp)
        if a.peer:
            theirs, bound = medallion_pair(a, tmp)
            print("c5hub / medallion+taxii2-client: %s%.1f x"
                  % ("more than " if bound else "", ours / theirs))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
