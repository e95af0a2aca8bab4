#!/usr/bin/env python3
"""Independent check of c5hub-assess's sensitivity statistics.

    python3 check_sensitivity.py DUMP.json

The Rust test `sensitivity_independent.rs` runs the analysis and writes DUMP:
the methodology's scale, aggregation rule, tier thresholds, tolerance and
margin; each country's pillar fractions, overall score and tier; the weight
draws; and the Rust results (tier counts, mean, percentiles, near-threshold
flags, dominance). This script recomputes all of them from the fractions and
the draws with its own code, written from the definitions in the crate's
documentation, not from the Rust source:

  * overall score per draw: scale * sum(w_i f_i) / sum(w_i) over present
    pillars (arithmetic), or scale * exp(sum(w_i ln f_i) / sum(w_i))
    (geometric, 0 if any weighted f_i is 0), summed with math.fsum; a value
    within 1e-7 of a tier boundary is recomputed exactly with fractions
    (arithmetic) or counted as ambiguous (geometric);
  * tier: the first tier whose minimum minus the tolerance is <= the score;
  * stability = draws keeping the base tier / draws;
  * percentiles by nearest rank, ceil(p/100 * n), on sorted values;
  * near threshold: |overall - t| < margin for t in tier minimums > 0, the
    nearest one;
  * dominance: >= on every pillar and > on one, same year, both present;
  * the draws themselves: non-negative, rows summing to 1, and each weight's
    mean within 5 standard errors of its configured value, with the
    Dirichlet variance w(1-w)/(c+1).

Exits 0 when everything matches, 1 with a list of mismatches otherwise.
Standard library only.
"""

import json
import math
import sys
from fractions import Fraction


def main(path):
    with open(path) as f:
        d = json.load(f)
    scale = d["scale"]
    rule = d["aggregation"]
    mins = d["tier_mins"]
    tol = d["tolerance"]
    margin = d["margin"]
    conc = d["concentration"]
    base_w = d["base_weights"]
    draws = d["draws"]
    countries = d["countries"]
    results = d["results"]
    dominance = d["dominance"]
    problems = []

    def fail(msg):
        if len(problems) < 50:
            problems.append(msg)

    # --- the draws -------------------------------------------------------
    n = len(draws)
    k = len(base_w)
    for i, row in enumerate(draws):
        if len(row) != k or min(row) < 0 or abs(math.fsum(row) - 1) > 1e-12:
            fail(f"draw {i} is not a point of the simplex: {row}")
    for j, w in enumerate(base_w):
        mean = math.fsum(r[j] for r in draws) / n
        se = math.sqrt(w * (1 - w) / (conc + 1) / n)
        if abs(mean - w) > 5 * se:
            fail(f"weight {j}: mean {mean} is more than 5 SE ({se}) from {w}")

    def tier_of(x):
        for i, m in enumerate(mins):
            if x >= m - tol:
                return i
        return len(mins) - 1

    boundaries = [m - tol for m in mins]

    def overall(weights, fractions):
        """The score under `weights` and how its tier is known: ("float", tier),
        ("exact", tier) after exact recomputation, or ("ambiguous", tier)."""
        pairs = [(w, f) for w, f in zip(weights, fractions) if f is not None]
        total = math.fsum(w for w, _ in pairs)
        if total <= 0:
            return 0.0, "float", tier_of(0.0)
        if rule == "weighted-arithmetic":
            x = scale * math.fsum(w * f for w, f in pairs) / total
            if not any(abs(x - b) < 1e-7 for b in boundaries):
                return x, "float", tier_of(x)
            exact = Fraction(scale) * sum(Fraction(w) * Fraction(f) for w, f in pairs) / sum(
                Fraction(w) for w, _ in pairs
            )
            tier = len(mins) - 1
            for i, m in enumerate(mins):
                if exact >= Fraction(m) - Fraction(tol):
                    tier = i
                    break
            return x, "exact", tier
        if any(f <= 0 and w > 0 for w, f in pairs):
            return 0.0, "float", tier_of(0.0)
        x = scale * math.exp(math.fsum(w * math.log(f) for w, f in pairs if f > 0) / total)
        kind = "ambiguous" if any(abs(x - b) < 1e-7 for b in boundaries) else "float"
        return x, kind, tier_of(x)

    # --- per country -----------------------------------------------------
    unstable = 0
    near_count = 0
    for c, (country, res) in enumerate(zip(countries, results)):
        fr = country["fractions"]
        base, _, _ = overall(base_w, fr)
        if abs(base - country["overall"]) > 1e-9:
            fail(f"{country['iso3']} {country['year']}: overall {country['overall']} but the weights give {base}")
        base_tier = tier_of(country["overall"])
        if base_tier != country["tier"]:
            fail(f"{country['iso3']}: tier {country['tier']} but {base_tier} from the overall score")
        counts = [0] * len(mins)
        ambiguous = 0
        values = []
        for row in draws:
            x, kind, tier = overall(row, fr)
            values.append(x)
            counts[tier] += 1
            if kind == "ambiguous":
                ambiguous += 1
        diff = sum(abs(a - b) for a, b in zip(counts, res["tier_counts"]))
        if diff > 2 * ambiguous:
            fail(f"{country['iso3']} {country['year']}: tier counts {res['tier_counts']} vs {counts}")
        if res["kept"] != res["tier_counts"][country["tier"]]:
            fail(f"{country['iso3']}: kept {res['kept']} is not the count of its tier")
        if abs(res["stability"] - res["kept"] / n) > 1e-12:
            fail(f"{country['iso3']}: stability {res['stability']} != kept/draws")
        if res["stability"] < d["stable_share"]:
            unstable += 1
        mean = math.fsum(values) / n
        if abs(mean - res["mean"]) > 1e-9:
            fail(f"{country['iso3']}: mean {res['mean']} vs {mean}")
        values.sort()
        for p, key in [(5, "p05"), (50, "p50"), (95, "p95")]:
            rank = min(max(math.ceil(p / 100 * n), 1), n)
            if abs(values[rank - 1] - res[key]) > 1e-9:
                fail(f"{country['iso3']}: {key} {res[key]} vs {values[rank - 1]}")
        near = [
            (abs(country["overall"] - m), i, m)
            for i, m in enumerate(mins)
            if m > 0 and abs(country["overall"] - m) < margin
        ]
        expected_near = min(near) if near else None
        got = res["near"]
        if (expected_near is None) != (got is None) or (
            got is not None and (got["tier"] != expected_near[1] or got["threshold"] != expected_near[2])
        ):
            fail(f"{country['iso3']}: near threshold {got} vs {expected_near}")
        if expected_near is not None:
            near_count += 1

    if unstable != d["unstable"]:
        fail(f"unstable countries: {d['unstable']} vs {unstable}")
    if near_count != d["near_threshold"]:
        fail(f"near-threshold countries: {d['near_threshold']} vs {near_count}")

    # --- dominance ---------------------------------------------------------
    for a, ca in enumerate(countries):
        dominates = []
        dominated_by = []
        for b, cb in enumerate(countries):
            if a == b or ca["year"] != cb["year"]:
                continue
            fa, fb = ca["fractions"], cb["fractions"]
            if any(x is None for x in fa + fb):
                continue
            if all(x >= y for x, y in zip(fa, fb)) and any(x > y for x, y in zip(fa, fb)):
                dominates.append(b)
            if all(y >= x for x, y in zip(fa, fb)) and any(y > x for x, y in zip(fa, fb)):
                dominated_by.append(b)
        got = dominance[a]
        if sorted(got["dominates"]) != dominates or sorted(got["dominated_by"]) != dominated_by:
            fail(f"{ca['iso3']}: dominance {got} vs {dominates} / {dominated_by}")

    if problems:
        print(f"{len(problems)} mismatches (first 50):")
        for p in problems:
            print("  " + p)
        return 1
    print(f"ok: {len(countries)} countries x {n} draws, {rule}, all statistics match")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
