#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""bench/report.py - turn the outputs of bench/run-*.sh into BENCHMARKS.md.

Usage: report.py OUTDIR MARKDOWN
OUTDIR holds machine.txt (key: value lines), order.txt (benchmark names in order) and one
NAME.out per benchmark with the line protocol of bench/lib.sh (FIG/R/CMD/NOTE/SKIP,
plus PROFILE lines: a profile excerpt shown verbatim, and WHY id|text: why a goal is
missed). For each figure: median, min, max over the iterations, the baseline's median
from the same run, ratio = median / baseline median, and the goal verdict.
"""
import os
import statistics
import sys

GOALS_TEXT = {
    "ms-register": "lisp-msd Map-Register -> Map-Notify per second >= 0.80 x echo baseline",
    "mr-request": "lisp-mrd + lisp-msd Map-Request -> Map-Reply per second >= 0.80 x echo baseline",
    "lpm": "<= 200 ns single lookup, <= 100 ns batched, <= 64 B per entry",
    "dataplane": ">= 1.0 x kernel VXLAN pps at 64 B and 1400 B (user space); the fast path >= 1.0 x plain kernel routing",
    "dataplane-bulk": ">= 5 Gbit/s and >= 0.8 x kernel VXLAN (user space); the fast path >= 1.0 x kernel VXLAN",
    "detr-reencap": "outside ITR -> D-ETR -> site xTR, 64 B: the fast path >= 1.0 x plain kernel routing",
    "bgp-push": "D-ETR ingest >= 150k routes/s; towards BIRD within 1.2 x BIRD -> BIRD",
    "migration": "lost site, 10 ms WAN: representative loses >= 100 x fewer packets than ttl and >= 10 x fewer than smr; live migration, 50 ms WAN: no detour after the D-ETR has the new mapping and loss <= smr's; many ITRs: 0 messages to the global mapping system; register -> D-ETR updated <= one WAN RTT + 2 ms",
    "memory": "<= 200 B per registration, <= 100 B per map-cache entry",
    "config-load": "lisp-msd loads 100k sites in <= 2 s (linear in the number of sites)",
    "cli-dump": "Map-Request round trip p99 < 2 ms while the CLI dumps 1M registrations",
    "evacuation": "lisp-msd registrations/s with arrival Map-Notifies (acknowledged or not) "
                  ">= 0.80 x without them, for 10k and 100k EIDs moved at once",
    "evacuation-rr": "N = 10k and 100k EIDs moved at once: controller's first Map-Register -> every D-ETR "
                     "(through the reflector) holds all N; 10k <= 0.5 s, 100k <= 3 s",
    "detr-failover": "one of two D-ETRs killed: anycast <= 50 ms of traffic lost; locator set <= probe interval x misses + 1 RTT",
    "ms-failover": "one of two Map-Servers killed before a migration: loss and convergence within 1.2 x the one-Map-Server run",
    "rr-push": "100k mappings lisp-msd -> BIRD 2 reflector -> D-ETR within 1.2 x lisp-msd -> D-ETR directly",
}


def fmt(v):
    if v is None:
        return "-"
    a = abs(v)
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 1:
        return f"{v:.2f}"
    return f"{v:.3g}"


def parse(path):
    b = {"figs": [], "vals": {}, "cmds": [], "notes": [], "skip": None, "profile": [],
         "why": [], "raw_err": []}
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            tag, _, rest = line.partition(" ")
            if tag == "FIG":
                parts = [p.strip() for p in rest.split("|")]
                while len(parts) < 6:
                    parts.append("-")
                b["figs"].append(dict(id=parts[0], label=parts[1], unit=parts[2],
                                      base=parts[3], goal=parts[4], better=parts[5]))
            elif tag == "R":
                fid, _, v = rest.partition(" ")
                try:
                    b["vals"].setdefault(fid, []).append(float(v))
                except ValueError:
                    pass
            elif tag == "CMD":
                b["cmds"].append(rest)
            elif tag == "NOTE":
                b["notes"].append(rest)
            elif tag == "SKIP":
                b["skip"] = rest
            elif tag == "PROFILE":
                b["profile"].append(rest)
            elif tag == "WHY":
                fid, _, t = rest.partition("|")
                b["why"].append((fid.strip(), t.strip()))
    return b


def verdict(goal, value, ratio):
    """(text, met) for a goal like ratio>=0.8 or value<=200; met None = no goal/unknown."""
    if goal in ("-", ""):
        return "-", None
    for op in (">=", "<="):
        if op in goal:
            what, lim = goal.split(op)
            lim = float(lim)
            x = ratio if what.strip() == "ratio" else value
            if x is None:
                return goal, False
            met = x >= lim if op == ">=" else x <= lim
            return goal, met
    return goal, None


def main():
    outdir, md = sys.argv[1], sys.argv[2]
    machine = []
    with open(os.path.join(outdir, "machine.txt")) as f:
        machine = [l.rstrip("\n") for l in f if l.strip()]
    with open(os.path.join(outdir, "order.txt")) as f:
        order = [l.strip() for l in f if l.strip()]
    minfo = dict(l.split(": ", 1) for l in machine if ": " in l)

    summary, sections, missed = [], [], []
    for name in order:
        path = os.path.join(outdir, name + ".out")
        b = parse(path) if os.path.exists(path) else dict(skip="no output (run script missing)")
        sec = [f"## {name}", "", f"Goal: {GOALS_TEXT.get(name, '-')}", ""]
        if b.get("skip") or not b.get("figs"):
            reason = b.get("skip") or "the benchmark produced no figures"
            summary.append(f"| {name} | not measured: {reason} | | | | | | | | |")
            sec.append(f"**Not measured:** {reason}")
            missed.append(f"{name}: not measured ({reason})")
            sections.append("\n".join(sec))
            continue
        vals = b["vals"]
        med = {k: statistics.median(v) for k, v in vals.items() if v}
        sec += ["| figure | median | min | max | n | unit | baseline (median, same run) | ratio | goal | met |",
                "| --- | ---: | ---: | ---: | ---: | --- | --- | ---: | --- | --- |"]
        missed_ids = set()
        for fg in b["figs"]:
            v = vals.get(fg["id"], [])
            m = med.get(fg["id"])
            bm = med.get(fg["base"]) if fg["base"] != "-" else None
            ratio = (m / bm) if (m is not None and bm) else None
            gtext, met = verdict(fg["goal"], m, ratio)
            mtxt = "-" if met is None else ("**yes**" if met else "**NO**")
            if not v:
                mtxt = "**not measured** (see the section's notes)" if fg["goal"] not in ("-", "") else "-"
            basefig = next((x for x in b["figs"] if x["id"] == fg["base"]), None)
            btxt = f"{fmt(bm)} ({basefig['label']})" if basefig and bm is not None else "-"
            row = (f"| {fg['label']} | {fmt(m)} | {fmt(min(v) if v else None)} | "
                   f"{fmt(max(v) if v else None)} | {len(v)} | {fg['unit']} | {btxt} | "
                   f"{fmt(ratio) if ratio is not None else '-'} | {gtext} | {mtxt} |")
            sec.append(row)
            if fg["goal"] not in ("-", ""):
                summary.append(f"| {name} | {fg['label']} | {fmt(m)} | {fmt(min(v) if v else None)} | "
                               f"{fmt(max(v) if v else None)} | {fg['unit']} | "
                               f"{fmt(bm) if bm is not None else '-'} | "
                               f"{fmt(ratio) if ratio is not None else '-'} | {gtext} | {mtxt} |")
                if not v:
                    why_nm = "; ".join(n for n in b["notes"] if "not measured" in n) or \
                        "no measurement in this run (see the section)"
                    missed.append(f"{name}: {fg['label']}: not measured ({why_nm})")
                elif met is False:
                    missed_ids.add(fg["id"])
                    why = "; ".join(t for fid, t in b["why"] if fid == fg["id"]) or \
                        "see the section's notes and profile"
                    missed.append(f"{name}: {fg['label']} = {fmt(m)} {fg['unit']}"
                                  f"{' (ratio ' + fmt(ratio) + ')' if ratio is not None else ''},"
                                  f" goal {gtext}: {why}")
        sec.append("")
        if b["cmds"]:
            sec += ["Commands:", "", "```"] + b["cmds"] + ["```", ""]
        for n in b["notes"]:
            sec.append(f"- {n}")
        for fid, t in b["why"]:
            if fid in missed_ids:
                lab = next((x["label"] for x in b["figs"] if x["id"] == fid), fid)
                sec.append(f"- Why \"{lab}\" misses its goal: {t}")
        if b["profile"]:
            sec += ["", "Profile:", "", "```"] + b["profile"] + ["```"]
        sections.append("\n".join(sec))

    out = ["# BENCHMARKS", "",
           "Generated by `" + minfo.get("command", "./scripts/bench.sh") + "`. Do not edit by hand: "
           "run `./scripts/bench.sh [NAME...]` to regenerate (see the end of this file for how each "
           "figure is measured).", "",
           "Every figure is the median of the iterations (n) of one run of the script, with min and "
           "max; a figure that has a baseline was measured against it in the same iteration "
           "(alternating which goes first), and ratio = figure median / baseline median. The machine "
           "is shared and noisy (see the load average), which is why baselines are always re-measured.",
           "", "## Machine", ""]
    out += [f"- {l}" for l in machine if not l.startswith("command: ")]
    out += ["", "## Summary", "",
            "| name | figure | median | min | max | unit | baseline | ratio | goal | met |",
            "| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | --- | --- |"]
    out += summary
    out += [""] + sections
    out += ["", "## Goals missed or not measured", ""]
    out += [f"- {m}" for m in missed] if missed else ["- none"]
    out.append("")
    with open(md, "w") as f:
        f.write("\n".join(out))


if __name__ == "__main__":
    main()
