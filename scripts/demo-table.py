# SPDX-License-Identifier: ISC
# scripts/demo-table.py < RESULTS.json - the side-by-side table of scripts/demo.sh (and of its
# --compare): reads {scenario, wanDelayMs, ratePps, modes: {MODE: demo result}} and prints
# one column per mode: per flow the loss, the longest gap, where the packets after the move
# were delivered, when the path became direct and the extra delay while detoured; then the
# control messages per migration, the timeline's key instants and each mode's settings.
import json
import sys

r = json.load(sys.stdin)
modes = [m for m in ("ttl", "smr", "representative") if m in r["modes"]]
res = [r["modes"][m] for m in modes]
w = r.get("wanDelayMs") or {}
pl = w.get("perLinkOneWay") or {}
rtt = w.get("rttSiteAtoB") or {}
print("== scenario %s, %s packets/s per flow; WAN one-way per access link: site %s, D-ETR %s, "
      "outside %s, mapping system %s ms (by %s); site A -> B round trip %s ms measured, %s configured"
      % (r.get("scenario"), r.get("ratePps"), pl.get("site"), pl.get("detr"), pl.get("outside"),
         pl.get("mappingSystem"), w.get("mechanism"), rtt.get("measured"), rtt.get("configured")))
W = 16
rows = []


def fmt(v):
    if v is None:
        return "-"
    if isinstance(v, float):
        return "%.1f" % v
    return str(v)


def row(label, vals):
    rows.append((label, [fmt(v) for v in vals]))


flows = []
for x in res:
    for f in x.get("flows", []):
        if f["name"] not in flows:
            flows.append(f["name"])
many = len(flows) > 4


def fl(x, n):
    for f in x.get("flows", []):
        if f["name"] == n:
            return f
    return None


def agg(x, key, how):
    v = [f.get(key) for f in x.get("flows", [])]
    if how == "sum":
        return sum(a for a in v if a is not None)
    if how == "max":
        if any(a is None for a in v):
            return None
        return max(v) if v else None
    return None


if many:
    row("flows", [len(x.get("flows", [])) for x in res])
    row("lost (all flows)", [agg(x, "lost", "sum") for x in res])
    row("longest gap ms (max)", [max((f.get("longestGapMs") or 0) for f in x["flows"]) for x in res])
    row("direct after ms (max)", [agg(x, "directAfterMs", "max") for x in res])
    row("via old site (all)", [sum(f["deliveredAfterMove"]["BviaA"] for f in x["flows"]) for x in res])
else:
    for n in flows:
        row("%s: lost" % n, [(fl(x, n) or {}).get("lost") for x in res])
        row("%s: lost after VM up" % n, [(fl(x, n) or {}).get("lostAfterVmAnswered") for x in res])
        row("%s: longest gap ms" % n, [(">=%.0f" % (fl(x, n) or {})["longestGapMs"]) if (fl(x, n) or {}).get("longestGapToEnd")
                                        else (fl(x, n) or {}).get("longestGapMs") for x in res])
        row("%s: at A/B/B via A" % n, ["%d/%d/%d" % tuple((fl(x, n) or {}).get("deliveredAfterMove", {}).get(k, 0)
                                                         for k in ("A", "B", "BviaA")) for x in res])
        row("%s: direct after ms" % n, [(fl(x, n) or {}).get("directAfterMs") for x in res])
        row("%s: detour +ms" % n, [(fl(x, n) or {}).get("detourExtraDelayMs") for x in res])
row("lost outside window", [agg(x, "lostOutsideWindow", "sum") for x in res])
row("ctl msgs over WAN", [x["control"]["wan"] for x in res])
row("  to global MS/MR", [x["control"]["globalMappingSystem"] for x in res])
row("  BGP UPDATEs", [x["control"]["bgpUpdates"] for x in res])
row("  (RLOC probes)", [x["control"]["rlocProbes"] for x in res])
row("register->D-ETR ms", [x.get("registerToDetrMs") for x in res])
row("old site told ms", [x["timeline"].get("oldSiteNotifiedMs") for x in res])
row("D-ETR to old RLOC after update", [agg(x, "toOldRlocAfterDetrUpdated", "sum") if x["mode"] == "representative"
                                       else None for x in res])
lw = max(len(a) for a, _ in rows) + 2
print("  " + " " * lw + "".join(m.rjust(W) for m in modes))
for a, v in rows:
    print("  " + a.ljust(lw) + "".join(s.rjust(W) for s in v))
print("== settings")
for m, x in zip(modes, res):
    print("  %s: %s" % (m, x.get("settings", {}).get("summary", "")))
