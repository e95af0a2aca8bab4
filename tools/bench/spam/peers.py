#!/usr/bin/env python3
"""Side-by-side SMS spam benchmark: c5hub, Rspamd (Bayes) and SpamAssassin
(Bayes), 10-fold cross-validation on the same folds (record i is in fold
i mod 10, the rule `c5hub spam eval` uses), plus messages per CPU second.

Usage (as root, Debian packages rspamd, redis-server, spamassassin, spamc
installed by run.sh):
    python3 tools/bench/spam/peers.py --corpus FILE --c5hub BIN [--work DIR]
        [--folds 10] [--only c5hub,rspamd,spamassassin] [--out results.json]

Each message is wrapped in the same minimal RFC 5322 envelope (fixed From,
To, Subject and Date, a unique Message-ID, text/plain UTF-8 body) because
both peers filter e-mail. Servers listen on 127.0.0.1 only and use their
own configuration and data directories under --work; no network checks
(DNS lists, SPF, DKIM, fuzzy hashes) run, so their CPU cost is a lower
bound of a real deployment.

Speed: CPU seconds (user+system) of the filter's server processes while
they classify the test folds, read from /proc before and after;
messages / CPU second is "messages per second per core". The client
(rspamc, spamc) is not counted, in the peers' favour. For c5hub, the
CPU time of `c5hub spam classify` over the corpus repeated 20 times
(process start, reading, JSON output included).
"""

import argparse
import json
import math
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time


def read_corpus(path):
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            label, text = line.split("\t", 1)
            out.append((label.strip().lower() == "spam", text))
    return out


def write_messages(corpus, d):
    os.makedirs(d, exist_ok=True)
    paths = []
    for i, (_, text) in enumerate(corpus):
        p = os.path.join(d, f"{i:05d}.eml")
        with open(p, "w", encoding="utf-8") as f:
            f.write(
                "From: sender@example.com\r\n"
                "To: user@example.com\r\n"
                "Subject: SMS\r\n"
                "Date: Mon, 01 Jan 2024 00:00:00 +0000\r\n"
                f"Message-ID: <{i}@bench.example.com>\r\n"
                "MIME-Version: 1.0\r\n"
                "Content-Type: text/plain; charset=utf-8\r\n"
                "Content-Transfer-Encoding: 8bit\r\n"
                "\r\n"
                f"{text}\r\n"
            )
        paths.append(p)
    return paths


def metrics(pred, truth, scores=None):
    tp = sum(1 for p, t in zip(pred, truth) if p and t)
    fp = sum(1 for p, t in zip(pred, truth) if p and not t)
    tn = sum(1 for p, t in zip(pred, truth) if not p and not t)
    fn = sum(1 for p, t in zip(pred, truth) if not p and t)
    d = math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    m = {
        "accuracy_pct": 100.0 * (tp + tn) / len(truth),
        "spam_caught_pct": 100.0 * tp / max(1, tp + fn),
        "ham_blocked_pct": 100.0 * fp / max(1, fp + tn),
        "mcc": (tp * tn - fp * fn) / d if d else 0.0,
        "confusion": {"tp": tp, "fp": fp, "tn": tn, "fn": fn},
    }
    if scores is not None:
        m["roc_auc"] = auc(scores, truth)
    return m


def auc(scores, truth):
    v = sorted(zip(scores, truth))
    rank_sum, pos, neg, i = 0.0, 0, 0, 0
    while i < len(v):
        j = i
        while j < len(v) and v[j][0] == v[i][0]:
            j += 1
        mean = (i + 1 + j) / 2.0
        for s, t in v[i:j]:
            if t:
                rank_sum += mean
                pos += 1
            else:
                neg += 1
        i = j
    return (rank_sum - pos * (pos + 1) / 2.0) / (pos * neg) if pos and neg else 0.5


def cpu_of(pids):
    """User+system seconds of these processes (clock ticks in /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def pids_of(name):
    out = subprocess.run(["pgrep", "-f", name], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def folds_of(n, k):
    return [[i for i in range(n) if i % k == f] for f in range(k)]


# ---------------------------------------------------------------- c5hub

def run_c5hub(args, corpus):
    out = subprocess.run(
        [args.c5hub, "spam", "eval", "--corpus", args.corpus, "--folds", str(args.folds)],
        capture_output=True, text=True, check=True,
    ).stdout
    cv = json.loads(out)["cross_validation"]
    texts = os.path.join(args.work, "texts-x20.txt")
    with open(texts, "w", encoding="utf-8") as f:
        for _ in range(20):
            for _, t in corpus:
                f.write(t + "\n")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([args.c5hub, "spam", "classify", texts], stdout=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "accuracy_pct": cv["accuracy_pct"],
        "spam_caught_pct": cv["spam_caught_pct"],
        "ham_blocked_pct": cv["ham_blocked_pct"],
        "mcc": cv["mcc"],
        "roc_auc": cv["roc_auc"],
        "classify_cpu_s": cpu,
        "classified": 20 * len(corpus),
        "msgs_per_cpu_s": 20 * len(corpus) / cpu,
    }


# ---------------------------------------------------------------- Rspamd

RSPAMD_LOCAL = {
    "redis.conf": 'servers = "127.0.0.1:{redis_port}";\n',
    "classifier-bayes.conf": 'backend = "redis";\nautolearn = false;\n',
    "worker-normal.inc": 'bind_socket = "127.0.0.1:{normal_port}";\ncount = 1;\n',
    "worker-controller.inc": 'bind_socket = "127.0.0.1:{controller_port}";\ncount = 1;\n',
    "worker-proxy.inc": 'bind_socket = "127.0.0.1:{proxy_port}";\ncount = 1;\n',
    "worker-fuzzy.inc": "count = 0;\n",
    "logging.inc": 'type = "file";\nfilename = "{work}/rspamd.log";\nlevel = "error";\n',
    "options.inc": 'dns {{ nameserver = ["127.0.0.1:1"]; timeout = 0.1s; retransmits = 0; }}\n',
}
# Modules that query the network or external services: off, so no time is
# spent waiting and the CPU figure is the filter's own.
RSPAMD_OFF = [
    "rbl", "surbl", "emails", "dmarc", "spf", "dkim", "arc", "asn", "fuzzy_check",
    "mx_check", "neural", "reputation", "url_redirector", "history_redis", "greylist",
    "ratelimit", "replies", "dcc", "antivirus", "external_services", "phishing",
    "rspamd_update", "whitelist", "clickhouse", "elastic", "p0f",
]


def rspamc(args, *cmd, capture=True):
    # Learning and statistics go to the controller worker, scans to the
    # normal worker.
    port = args.rspamd_port if cmd[0].startswith("-") or cmd[0] == "symbols" else args.rspamd_port + 1
    return subprocess.run(
        ["rspamc", "-h", f"127.0.0.1:{port}", "-n", "4", *cmd],
        capture_output=capture, text=True,
    )


def run_rspamd(args, corpus, paths):
    work = os.path.join(args.work, "rspamd")
    shutil.rmtree(work, ignore_errors=True)
    for d in ("local.d", "override.d", "db", "run"):
        os.makedirs(os.path.join(work, d), exist_ok=True)
    ports = dict(redis_port=args.redis_port, normal_port=args.rspamd_port,
                 controller_port=args.rspamd_port + 1, proxy_port=args.rspamd_port + 2, work=work)
    for name, text in RSPAMD_LOCAL.items():
        with open(os.path.join(work, "local.d", name), "w") as f:
            f.write(text.format(**ports))
            if name == "classifier-bayes.conf" and args.rspamd_min_tokens is not None:
                # Debian's default is 11: shorter texts get no Bayes verdict.
                f.write(f"min_tokens = {args.rspamd_min_tokens};\n")
    for m in RSPAMD_OFF:
        with open(os.path.join(work, "override.d", f"{m}.conf"), "w") as f:
            f.write("enabled = false;\n")
    redis = subprocess.Popen(
        ["redis-server", "--port", str(args.redis_port), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no", "--dir", work],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    os.system(f"chown -R _rspamd: {work} 2>/dev/null")
    rspamd = subprocess.Popen(
        ["rspamd", "-f", "-i", "-u", "_rspamd", "-g", "_rspamd",
         f"--var=LOCAL_CONFDIR={work}", f"--var=DBDIR={work}/db", f"--var=RUNDIR={work}/run",
         f"--var=LOGDIR={work}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            if rspamc(args, "stat").returncode == 0:
                break
            time.sleep(0.2)
        else:
            raise RuntimeError(f"rspamd did not start; see {work}/rspamd.log")
        truth = [s for s, _ in corpus]
        pred = [False] * len(corpus)
        pred_action = [False] * len(corpus)
        scores = [0.0] * len(corpus)
        cpu = 0.0
        folds = folds_of(len(corpus), args.folds)
        for f, test in enumerate(folds):
            subprocess.run(["redis-cli", "-p", str(args.redis_port), "flushall"],
                           stdout=subprocess.DEVNULL, check=True)
            test_set = set(test)
            train = [i for i in range(len(corpus)) if i not in test_set]
            for spam, cmd in ((True, "learn_spam"), (False, "learn_ham")):
                files = [paths[i] for i in train if corpus[i][0] == spam]
                for k in range(0, len(files), 500):
                    r = rspamc(args, cmd, *files[k:k + 500])
                    if r.returncode != 0:
                        raise RuntimeError(r.stderr)
            server = pids_of("^rspamd")
            c0 = cpu_of(server)
            results = {}
            files = [paths[i] for i in test]
            for k in range(0, len(files), 500):
                r = rspamc(args, "--json", "--compact", "symbols", *files[k:k + 500])
                for line in r.stdout.splitlines():
                    line = line.strip()
                    if not line.startswith("{"):
                        continue
                    d = json.loads(line)
                    results[d.get("filename") or d.get("message-id")] = d
            cpu += cpu_of(server) - c0
            for i in test:
                d = results.get(paths[i]) or results.get(f"{i}@bench.example.com")
                if d is None:
                    raise RuntimeError(f"no rspamd result for message {i}")
                sym = d.get("symbols", {})
                prob = None
                if "BAYES_SPAM" in sym:
                    pred[i] = True
                    prob = 0.5 + float(sym["BAYES_SPAM"].get("score", 0)) / 100.0
                scores[i] = float(d.get("score", 0.0))
                pred_action[i] = d.get("action") not in ("no action", "greylist")
            print(f"rspamd fold {f}: done", file=sys.stderr)
        bayes = metrics(pred, truth, scores)
        action = metrics(pred_action, truth, scores)
        return {
            "bayes_verdict": bayes,
            "action_verdict": action,
            "classify_cpu_s": cpu,
            "classified": len(corpus),
            "msgs_per_cpu_s": len(corpus) / cpu if cpu else None,
        }
    finally:
        rspamd.send_signal(signal.SIGTERM)
        rspamd.wait(timeout=30)
        redis.terminate()
        redis.wait(timeout=30)


# ---------------------------------------------------------------- SpamAssassin

def run_spamassassin(args, corpus, paths):
    work = os.path.join(args.work, "spamassassin")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    os.chmod(work, 0o777)
    # Site configuration: Debian's (/etc/spamassassin) plus ours, so the
    # default rules in /usr/share/spamassassin load as usual.
    site = os.path.join(work, "site")
    os.makedirs(site)
    for name in os.listdir("/etc/spamassassin"):
        if name.endswith((".pre", ".cf")):
            os.symlink(os.path.join("/etc/spamassassin", name), os.path.join(site, name))
    with open(os.path.join(site, "zz_c5hub_bench.cf"), "w") as f:
        f.write(
            "use_bayes 1\nbayes_auto_learn 0\nskip_rbl_checks 1\nuse_razor2 0\nuse_pyzor 0\n"
            f"bayes_path {work}/bayes\nbayes_file_mode 0777\n"
            "add_header all Bayes _BAYES_\n"
            "bayes_min_ham_num 200\nbayes_min_spam_num 200\n"
        )
    truth = [s for s, _ in corpus]
    pred_bayes = [False] * len(corpus)
    pred_score = [False] * len(corpus)
    scores = [0.0] * len(corpus)
    cpu = 0.0
    folds = folds_of(len(corpus), args.folds)
    for f, test in enumerate(folds):
        for p in os.listdir(work):
            if p.startswith("bayes"):
                os.remove(os.path.join(work, p))
        test_set = set(test)
        train = [i for i in range(len(corpus)) if i not in test_set]
        for spam, flag in ((True, "--spam"), (False, "--ham")):
            lst = os.path.join(work, "learn.list")
            with open(lst, "w") as fl:
                fl.write("\n".join(paths[i] for i in train if corpus[i][0] == spam) + "\n")
            subprocess.run(["sa-learn", "-L", "--no-sync", "--siteconfigpath", site, flag, "-f", lst],
                           stdout=subprocess.DEVNULL, check=True)
        subprocess.run(["sa-learn", "--sync", "--siteconfigpath", site],
                       stdout=subprocess.DEVNULL, check=True)
        # spamd's children run as debian-spamd and must read the database.
        os.system(f"chmod -R a+rwX {work}")
        spamd = subprocess.Popen(
            ["spamd", "-L", "-x", "--siteconfigpath", site,
             "-i", "127.0.0.1", "-p", str(args.spamd_port), "-m", "2", "--min-children", "2",
             "-u", "debian-spamd", "-s", os.path.join(work, "spamd.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(150):
                r = subprocess.run(["spamc", "-d", "127.0.0.1", "-p", str(args.spamd_port), "-K"],
                                   capture_output=True, text=True)
                if r.returncode == 0:
                    break
                time.sleep(0.2)
            else:
                raise RuntimeError("spamd did not start")
            server = [spamd.pid] + [int(p) for p in subprocess.run(
                ["pgrep", "-P", str(spamd.pid)], capture_output=True, text=True).stdout.split()]
            c0 = cpu_of(server)
            for i in test:
                with open(paths[i], "rb") as fm:
                    r = subprocess.run(
                        ["spamc", "-d", "127.0.0.1", "-p", str(args.spamd_port), "-E"],
                        stdin=fm, capture_output=True,
                    )
                head = r.stdout.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0].decode("utf-8", "replace")
                head = re.sub(r"\r?\n[ \t]+", " ", head)
                m = re.search(r"^X-Spam-Status: (\w+), score=(-?[\d.]+)", head, re.M)
                b = re.search(r"^X-Spam-Bayes: ([\d.]+)", head, re.M)
                if m is None:
                    raise RuntimeError(f"no X-Spam-Status for message {i}: {head[:300]}")
                pred_score[i] = m.group(1) == "Yes"
                scores[i] = float(m.group(2))
                pred_bayes[i] = b is not None and float(b.group(1)) > 0.5
            server = [spamd.pid] + [int(p) for p in subprocess.run(
                ["pgrep", "-P", str(spamd.pid)], capture_output=True, text=True).stdout.split()]
            cpu += cpu_of(server) - c0
        finally:
            spamd.terminate()
            spamd.wait(timeout=60)
        print(f"spamassassin fold {f}: done", file=sys.stderr)
    return {
        "bayes_verdict": metrics(pred_bayes, truth, scores),
        "score_verdict": metrics(pred_score, truth, scores),
        "classify_cpu_s": cpu,
        "classified": len(corpus),
        "msgs_per_cpu_s": len(corpus) / cpu if cpu else None,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--c5hub", required=True)
    ap.add_argument("--work", default="/tmp/c5hub-spam-bench")
    ap.add_argument("--folds", type=int, default=10)
    ap.add_argument("--only", default="c5hub,rspamd,spamassassin")
    ap.add_argument("--out")
    ap.add_argument("--rspamd-min-tokens", type=int,
                    help="override Rspamd Bayes min_tokens (Debian default 11)")
    ap.add_argument("--redis-port", type=int, default=16379)
    ap.add_argument("--rspamd-port", type=int, default=11433)
    ap.add_argument("--spamd-port", type=int, default=17830)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    corpus = read_corpus(args.corpus)
    paths = write_messages(corpus, os.path.join(args.work, "messages"))
    results = {"corpus": args.corpus, "messages": len(corpus), "folds": args.folds,
               "machine": {"nproc": os.cpu_count(), "load_before": os.getloadavg()}}
    only = args.only.split(",")
    if "c5hub" in only:
        results["c5hub"] = run_c5hub(args, corpus)
    if "rspamd" in only:
        results["rspamd"] = run_rspamd(args, corpus, paths)
    if "spamassassin" in only:
        results["spamassassin"] = run_spamassassin(args, corpus, paths)
    results["machine"]["load_after"] = os.getloadavg()
    text = json.dumps(results, indent=2)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    print(text)
    table(results)


def table(r):
    rows = []
    if "c5hub" in r:
        c = r["c5hub"]
        rows.append(("c5hub (logistic regression)", c, c["msgs_per_cpu_s"]))
    for peer, verdicts in (("rspamd", ("bayes_verdict", "action_verdict")),
                           ("spamassassin", ("bayes_verdict", "score_verdict"))):
        if peer in r:
            for v in verdicts:
                rows.append((f"{peer} ({v.replace('_verdict', '')})", r[peer][v], r[peer]["msgs_per_cpu_s"]))
    print("\n| filter | accuracy % | spam caught % | ham blocked % | MCC | msgs/s per core |", file=sys.stderr)
    print("|---|---:|---:|---:|---:|---:|", file=sys.stderr)
    for name, m, rate in rows:
        print(f"| {name} | {m['accuracy_pct']:.2f} | {m['spam_caught_pct']:.2f} | "
              f"{m['ham_blocked_pct']:.2f} | {m['mcc']:.3f} | {rate:,.0f} |", file=sys.stderr)


if __name__ == "__main__":
    main()
