#!/usr/bin/env python3
"""Turns the harness's `summary` and `ratio` lines into a Markdown table:
one row per metric with both medians, the ratio ours/reference, and how
many times better ours is (for metrics where lower is better, reference/ours;
where higher is better, ours/reference)."""
import re
import sys

FIELD = re.compile(r"(\w+)=(\S+)")


def fields(line):
    return dict(FIELD.findall(line))


def fmt(v):
    try:
        x = float(v)
    except ValueError:
        return v
    if x == 0:
        return "0"
    if abs(x) >= 100:
        return f"{x:,.0f}".replace(",", " ")
    if abs(x) >= 1:
        return f"{x:.2f}"
    return f"{x:.3g}"


def main(path):
    medians = {}
    order = []
    better = {}
    machine = []
    with open(path) as f:
        for line in f:
            if line.startswith("# machine:") or line.startswith("# memory:"):
                machine.append(line[2:].strip())
            if not line.startswith("summary "):
                continue
            d = fields(line)
            key = (d["scenario"], d["unit"])
            if key not in medians:
                medians[key] = {}
                order.append(key)
            medians[key][d["impl"]] = (d["median"], d.get("n", "?"), d.get("fails", "0"))
            better[key] = d.get("better", "lower")
    for m in machine:
        print(f"_{m}_  ")
    print()
    print("| metric | unit | reference | ours | ours/reference | ours better by |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for key in order:
        ref = medians[key].get("reference")
        ours = medians[key].get("ours")
        r = o = None
        try:
            r = float(ref[0]) if ref else None
            o = float(ours[0]) if ours else None
        except ValueError:
            pass
        ratio = adv = "—"
        if r is not None and o is not None:
            if r:
                ratio = f"{o / r:.3g}"
            if better[key] == "higher" and r:
                adv = f"{o / r:.1f}x"
            elif better[key] != "higher" and o:
                adv = f"{r / o:.1f}x"
            elif o == 0 and r:
                adv = "∞"
        print(f"| {key[0]} | {key[1]} | {fmt(ref[0]) if ref else '—'} | "
              f"{fmt(ours[0]) if ours else '—'} | {ratio} | {adv} |")


if __name__ == "__main__":
    main(sys.argv[1])
