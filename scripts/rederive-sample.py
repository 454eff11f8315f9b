#!/usr/bin/env python3
"""Re-derive every selection of a `fieldcheck sample --out DIR` folder from its files alone.

Standard library only. Usage: python3 rederive-sample.py DIR
Reads DIR/sample-plan.json and the population listings it names, recomputes each listing's
SHA-256, each seed and each stratum's picks (docs/sampling.md), and compares them with the plan.
Exit 0 when everything matches, 1 otherwise.
"""
import hashlib
import json
import os
import re
import sys

FREQUENCIES = ["annual", "semiannual", "quarterly", "monthly", "weekly", "daily", "many", "event"]
LABELS = [
    (re.compile(r"^\d{4}$"), "annual"),
    (re.compile(r"^\d{4}-H\d$"), "semiannual"),
    (re.compile(r"^\d{4}-Q\d$"), "quarterly"),
    (re.compile(r"^\d{4}-\d{2}$"), "monthly"),
    (re.compile(r"^\d{4}-W\d{2}$"), "weekly"),
    (re.compile(r"^\d{4}-\d{2}-\d{2}$"), "daily"),
]


def sha256(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def unescape(s):
    out, i = [], 0
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s):
            out.append({"t": "\t", "n": "\n", "r": "\r"}.get(s[i + 1], s[i + 1]))
            i += 2
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def frequency_of(period, default):
    for pattern, name in LABELS:
        if period and pattern.match(period):
            return name
    return default


def strata(unit, frequency, members):
    """[(name, [unit: [listing positions]])] in the order fieldcheck builds them."""
    if unit == "item":
        return [("items", [[i] for i in range(len(members))])]
    if unit == "system":
        systems = {}
        for i, (_, _, _, system) in enumerate(members):
            systems.setdefault(system, []).append([i])
        return sorted(systems.items(), key=lambda kv: kv[0].encode("utf-8"))
    groups = {}
    for i, (_, _, period, _) in enumerate(members):
        groups.setdefault(frequency_of(period, frequency), {}).setdefault(period, []).append(i)
    return [
        (name, [groups[name][p] for p in sorted(groups[name], key=lambda p: p.encode("utf-8"))])
        for name in sorted(groups, key=FREQUENCIES.index)
    ]


def pick(seed, stratum, run, length):
    digest = hashlib.sha256(f"{seed}|{stratum}|{run}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % length


def stratified(seed, stratum, units, n):
    if n >= units:
        return list(range(units))
    return [r * units // n + pick(seed, stratum, r, (r + 1) * units // n - r * units // n) for r in range(n)]


def extend(seed, stratum, units, chosen, m):
    rest = [u for u in range(units) if u not in set(chosen)]
    add = min(max(m - len(chosen), 0), len(rest))
    if add == len(rest):
        return rest
    return [rest[r * len(rest) // add + pick(seed, stratum, f"x{r}", (r + 1) * len(rest) // add - r * len(rest) // add)] for r in range(add)]


def main(folder):
    with open(os.path.join(folder, "sample-plan.json"), encoding="utf-8") as f:
        plan = json.load(f)
    bad = 0
    for t in plan["tests"]:
        name = f"{t['control']}/{t['test']}"
        with open(os.path.join(folder, t["listing"]), encoding="utf-8", newline="") as f:
            listing = f.read()
        problems = []
        digest = sha256(listing)
        if digest != t["population_sha256"]:
            problems.append("population SHA-256")
        seed = sha256(f"{plan['engagement']}|{t['control']}|{t['test']}|{digest}")
        if seed != t["seed"]:
            problems.append("seed")
        members = [tuple(unescape(x) for x in line.split("\t")) for line in listing.split("\n") if line]
        groups = strata(t["unit"], t["frequency"], members)
        if [g[0] for g in groups] != [s["name"] for s in t["strata"]]:
            problems.append("strata")
        else:
            selected = set()
            for (stratum, units), planned in zip(groups, t["strata"]):
                chosen = stratified(seed, stratum, len(units), planned["size"])
                for u in chosen:
                    selected.update(units[u])
                if len(groups) == 1 and t["extension"]:
                    added = extend(seed, stratum, len(units), chosen, planned["size"] + len(t["extension"]))
                    if [members[p][0] for p in sorted(added)] != t["extension"]:
                        problems.append("extension")
            if [members[p][0] for p in sorted(selected)] != t["selected"]:
                problems.append("selection")
        if problems:
            bad += 1
            print(f"MISMATCH  {name}: {', '.join(problems)}")
        else:
            print(f"ok  {name}: {len(t['selected'])} of {len(members)} items")
    print(f"{len(plan['tests']) - bad} of {len(plan['tests'])} tests re-derived")
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: rederive-sample.py DIR (a `fieldcheck sample --out` folder)")
    sys.exit(main(sys.argv[1]))
