#!/usr/bin/env python3
"""Deterministic generator of a realistic abuse/threat feed in CSV.

Used by the side-by-side bulk-import benchmark (c5hub import vs IntelMQ 3.x,
see tools/bench/intelmq/README.md). Same --rows and --seed give the same bytes.

Header (IntelMQ harmonized key names, except `time`, which is IntelMQ's
`time.source`):

    time,source.ip,source.fqdn,source.url,classification.taxonomy,
    classification.type,feed.name,comment

Shape of the data:
  * time: ISO 8601 UTC with a `Z` suffix, nearly chronological, spread over
    30 days starting at 2025-03-01T00:00:00Z.
  * source.ip: always present. ~92% IPv4 drawn from a fixed set of 256
    public-looking /16s (weighted, so some networks are noisier), ~8% IPv6
    from 24 public-looking /48s, written in canonical compressed form.
    ~30% of rows repeat a source.ip seen earlier in the file (a repeated host
    keeps its feed, and so its classification, 70% of the time).
  * source.fqdn: ~50% of rows (sticky per IP: a repeated IP keeps its name).
  * source.url: ~20% of rows, mostly phishing / malware-distribution / C2.
  * classification.taxonomy / classification.type: IntelMQ 3.x harmonized
    values (RSIT); taxonomy is the one IntelMQ's taxonomy expert derives
    from the type.
  * feed.name: one of 8 feeds, each with its own type mix.
  * comment: free text, sometimes empty, sometimes containing commas or
    double quotes (so it is CSV-quoted); never a newline.

No field ever contains a newline, so the file can be split at line ends
(IntelMQ's file collector chunking relies on that).
"""

import argparse
import bisect
import csv
import ipaddress
import os
import random
import sys
import time as _time

HEADER = [
    "time", "source.ip", "source.fqdn", "source.url",
    "classification.taxonomy", "classification.type", "feed.name", "comment",
]

# classification.type -> classification.taxonomy, as IntelMQ's taxonomy expert maps them
TAXONOMY = {
    "infected-system": "malicious-code",
    "c2-server": "malicious-code",
    "malware-distribution": "malicious-code",
    "phishing": "fraud",
    "scanner": "information-gathering",
    "spam": "abusive-content",
    "ddos": "availability",
    "brute-force": "intrusion-attempts",
}

# feed.name -> (share of rows, [(classification.type, weight), ...])
FEEDS = [
    ("sinkhole-botnet", 0.28, [("infected-system", 1.0)]),
    ("darknet-scanners", 0.20, [("scanner", 1.0)]),
    ("honeypot-ssh", 0.15, [("brute-force", 0.8), ("scanner", 0.2)]),
    ("spamtrap", 0.12, [("spam", 1.0)]),
    ("phishing-reports", 0.08, [("phishing", 1.0)]),
    ("malware-urls", 0.07, [("malware-distribution", 1.0)]),
    ("c2-tracker", 0.05, [("c2-server", 0.9), ("malware-distribution", 0.1)]),
    ("ddos-reports", 0.05, [("ddos", 1.0)]),
]

# probability that a row of this type carries a URL
URL_PROB = {
    "phishing": 0.95,
    "malware-distribution": 0.95,
    "c2-server": 0.40,
}
URL_PROB_OTHER = 0.04

FAMILIES = ["mirai", "emotet", "qakbot", "gafgyt", "andromeda", "conficker",
            "necurs", "avalanche", "dridex", "trickbot", "zeus", "ramnit",
            "sality", "nymaim", "tinba", "pushdo"]
WORDS = ["secure", "login", "account", "update", "verify", "portal", "cloud",
         "service", "support", "online", "mail", "web", "data", "files",
         "cdn", "static", "auth", "pay", "billing", "docs", "share", "drive",
         "client", "center", "net", "host", "office", "id", "app", "store"]
TLDS = ["com", "net", "org", "info", "biz", "xyz", "top", "online", "site",
        "ru", "cn", "br", "in", "de", "fr", "nl", "pl", "it", "es", "tk",
        "eu", "co", "io", "me"]
ISP_WORDS = ["dyn", "dsl", "cable", "fiber", "pool", "cust", "broadband",
             "res", "adsl", "mobile"]
SECTORS = ["banking", "webmail", "parcel delivery", "tax office", "streaming",
           "social network", "cloud storage", "e-commerce"]
PATHS = ["login.php", "index.html", "wp-admin/update.php", "secure/verify",
         "bins/x86", "bins/arm7", "files/invoice.doc", "dl/setup.exe",
         "gate.php", "panel/admin.php", "account/confirm", "payload.bin"]

# first octets that are never used (private, loopback, CGNAT, link-local,
# documentation/benchmark ranges, multicast and above)
_EXCLUDED_FIRST = {0, 10, 100, 127, 169, 172, 192, 198, 203}

T0 = 1740787200  # 2025-03-01T00:00:00Z
SPAN = 30 * 86400


def weighted_picker(rng, items, weights):
    """Return a function picking from items with the given weights (cumulative bisect)."""
    cum = []
    total = 0.0
    for w in weights:
        total += w
        cum.append(total)
    def pick():
        return items[min(bisect.bisect_right(cum, rng.random() * total), len(items) - 1)]

    return pick


class Generator:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        rng = self.rng
        # 256 public-looking /16s, weighted so that some are much noisier
        nets = set()
        while len(nets) < 256:
            a = rng.randint(1, 223)
            if a in _EXCLUDED_FIRST:
                continue
            nets.add((a, rng.randint(0, 255)))
        self.v4_nets = sorted(nets)
        rng.shuffle(self.v4_nets)
        self.pick_v4_net = weighted_picker(
            rng, self.v4_nets, [1.0 / (r + 1) ** 0.8 for r in range(len(self.v4_nets))])
        # 24 public-looking IPv6 /48s
        v6 = []
        for _ in range(24):
            first = rng.choice([0x2001, 0x2003, 0x2400, 0x2600, 0x2604, 0x2a00,
                                0x2a01, 0x2a02, 0x2a03, 0x2c0f])
            if first == 0x2001:
                second = rng.randint(0x0400, 0x0fff)  # steer clear of 2001:db8::/32 etc.
            else:
                second = rng.randint(0x0000, 0xffff)
            third = rng.randint(0, 0xffff)
            v6.append((first << 112) | (second << 96) | (third << 80))
        self.v6_nets = v6
        self.pick_feed = weighted_picker(rng, FEEDS, [f[1] for f in FEEDS])
        self.seen = {}        # ip -> [feed, fqdn or ""]
        self.seen_list = []   # ips in order of first appearance

    def new_ip(self):
        rng = self.rng
        while True:
            if rng.random() < 0.08:
                net = rng.choice(self.v6_nets)
                if rng.random() < 0.5:
                    iid = rng.randint(1, 0xffff)  # ::1f3a style, common for servers
                else:
                    iid = rng.getrandbits(64)     # SLAAC / privacy style
                ip = ipaddress.IPv6Address(net | (rng.randint(0, 0xffff) << 64) | iid).compressed
            else:
                a, b = self.pick_v4_net()
                ip = "%d.%d.%d.%d" % (a, b, rng.randint(0, 255), rng.randint(1, 254))
            if ip not in self.seen:
                return ip

    def fqdn_for(self, ip, type_):
        rng = self.rng
        if type_ in ("infected-system", "scanner", "brute-force", "ddos") and rng.random() < 0.7:
            # reverse-DNS style name of an access network
            label = ip.replace(".", "-").replace(":", "-")
            return "%s-%s.%s.%s%d.%s" % (rng.choice(ISP_WORDS), label, rng.choice(ISP_WORDS),
                                         rng.choice(["tel", "net", "isp", "com"]),
                                         rng.randint(1, 99), rng.choice(TLDS))
        if type_ == "spam" and rng.random() < 0.5:
            return "mail%d.%s%s.%s" % (rng.randint(1, 9), rng.choice(WORDS), rng.choice(WORDS),
                                       rng.choice(TLDS))
        # registered-looking domain, sometimes with a subdomain
        dom = "%s-%s%d.%s" % (rng.choice(WORDS), rng.choice(WORDS), rng.randint(1, 999),
                              rng.choice(TLDS))
        if rng.random() < 0.4:
            dom = rng.choice(["www", "cdn", "files", "secure", "m", "api"]) + "." + dom
        return dom

    def comment_for(self, feed, type_):
        rng = self.rng
        r = rng.random()
        if r < 0.10:
            return ""
        if type_ == "infected-system":
            return "%s sinkhole connection, dst port %d" % (rng.choice(FAMILIES),
                                                           rng.choice([80, 443, 8080, 53]))
        if type_ == "scanner":
            if r < 0.25:
                return "ports %s scanned" % ",".join(
                    str(p) for p in sorted(rng.sample([22, 23, 80, 443, 445, 2323, 3389, 5900, 8080], 3)))
            return "scanned %d/tcp %d times" % (rng.choice([22, 23, 445, 3389, 5900, 6379]),
                                              rng.randint(1, 5000))
        if type_ == "brute-force":
            return "%d failed ssh logins, user \"%s\"" % (rng.randint(3, 900),
                                                        rng.choice(["root", "admin", "ubnt", "pi", "oracle"]))
        if type_ == "spam":
            return "%d spam messages to trap addresses" % rng.randint(1, 20000)
        if type_ == "phishing":
            return "phishing kit targeting %s customers" % rng.choice(SECTORS)
        if type_ == "malware-distribution":
            return "payload %s, sha256 %064x" % (rng.choice(FAMILIES), rng.getrandbits(256))
        if type_ == "c2-server":
            return "%s C2, port %d" % (rng.choice(FAMILIES), rng.choice([443, 447, 449, 8080, 8443]))
        if type_ == "ddos":
            return "reflected %s attack, %.1f Gbit/s" % (rng.choice(["udp/123", "udp/53", "udp/1900", "udp/11211"]),
                                                       rng.uniform(0.1, 80.0))
        return ""

    def url_for(self, ip, fqdn, type_):
        rng = self.rng
        if fqdn:
            host = fqdn
        elif ":" in ip:
            host = "[%s]" % ip
        else:
            host = ip
        scheme = "https" if rng.random() < (0.6 if type_ == "phishing" else 0.3) else "http"
        port = ""
        if rng.random() < 0.05:
            port = ":%d" % rng.choice([8080, 8000, 8443, 81])
        return "%s://%s%s/%s" % (scheme, host, port, rng.choice(PATHS))

    def row(self, i, n):
        rng = self.rng
        if self.seen_list and rng.random() < 0.30:
            ip = rng.choice(self.seen_list)
            state = self.seen[ip]
            if rng.random() < 0.7:
                feed = state[0]
            else:
                feed = self.pick_feed()
        else:
            ip = self.new_ip()
            feed = self.pick_feed()
            state = [feed, None]
            self.seen[ip] = state
            self.seen_list.append(ip)
        name, _, types = feed
        if len(types) == 1:
            type_ = types[0][0]
        else:
            x = rng.random()
            type_ = types[-1][0]
            for t, w in types:
                if x < w:
                    type_ = t
                    break
                x -= w
        if state[1] is None:
            # decided on first use of the IP: ~50% of rows carry an fqdn
            want = 0.45
            if type_ in ("phishing", "malware-distribution", "c2-server"):
                want = 0.8
            state[1] = self.fqdn_for(ip, type_) if rng.random() < want else ""
        fqdn = state[1]
        url = ""
        if rng.random() < URL_PROB.get(type_, URL_PROB_OTHER):
            url = self.url_for(ip, fqdn, type_)
        t = T0 + (i * SPAN) // n + rng.randint(0, max(1, SPAN // n))
        ts = _time.strftime("%Y-%m-%dT%H:%M:%SZ", _time.gmtime(min(t, T0 + SPAN - 1)))
        return [ts, ip, fqdn, url, TAXONOMY[type_], type_, name, self.comment_for(name, type_)]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="data rows (default 1000000)")
    ap.add_argument("--seed", type=int, default=20250301, help="random seed (default 20250301)")
    ap.add_argument("-o", "--output", required=True, help="CSV file to write ('-' for stdout)")
    args = ap.parse_args(argv)
    if args.rows < 0:
        ap.error("--rows must be >= 0")

    gen = Generator(args.seed)
    out = sys.stdout if args.output == "-" else open(args.output, "w", newline="", encoding="utf-8")
    w = csv.writer(out, lineterminator="\n")
    w.writerow(HEADER)
    n = args.rows
    pairs = set()
    repeats = fqdn = url = v6 = 0
    seen_ips = set()
    for i in range(n):
        r = gen.row(i, n)
        w.writerow(r)
        ip = r[1]
        if ip in seen_ips:
            repeats += 1
        else:
            seen_ips.add(ip)
        pairs.add((ip, r[5]))
        fqdn += bool(r[2])
        url += bool(r[3])
        v6 += ":" in ip
    if out is not sys.stdout:
        out.close()
        size = os.path.getsize(args.output)
    else:
        out.flush()
        size = -1
    pct = (lambda k: 100.0 * k / n if n else 0.0)
    info = sys.stderr if out is sys.stdout else sys.stdout
    print("gen-feed: wrote %d rows (+1 header line), %d bytes to %s" % (n, size, args.output), file=info)
    print("gen-feed: seed %d; distinct source.ip %d; rows repeating an earlier source.ip %d (%.1f%%); "
          "distinct (source.ip, classification.type) %d; fqdn %.1f%%, url %.1f%%, ipv6 %.1f%%"
          % (args.seed, len(seen_ips), repeats, pct(repeats), len(pairs), pct(fqdn), pct(url), pct(v6)),
          file=info)


if __name__ == "__main__":
    main()
