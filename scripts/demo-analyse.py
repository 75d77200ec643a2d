# SPDX-License-Identifier: ISC
# scripts/demo-analyse.py DIR - the per-flow figures of one demo run (scripts/demo.sh), from
# what the run left in DIR: each sender's report (flows-run.json) and echo CSV
# (flow-run-NAME.csv: receive time, seq, round trip), the taps (tap-sa.txt, tap-sb.txt: the
# VM bridges, where a packet was delivered; tapw-ROLE.txt: xTR underlay devices with the
# outer addresses of LISP data packets), the daemons' statistics before the migration and at
# the end (stats-*-pre.json, stats-*-end.json) and the facts of the run (events.json: times
# in epoch ms, the RLOCs, which xTR encapsulates each flow). Prints one JSON object: flows
# (per flow: sent, received, lost, longest gap, lost in and outside the migration window,
# deliveries by site, time until the path is direct, extra delay while detoured), control
# messages per migration, and for the plot writes plot-FLOW.dat (send time in ms from the
# switchover, seq, where: A, B, BviaA, lost).
#
# Definitions (docs/evaluation.md):
# - send time of a packet: the echo's receive time minus its round trip; of a lost packet,
#   interpolated between the echoed packets around it.
# - migration window: from MIGRATION_T0 - pre_ms (packets on their way to the old site when
#   the move happens) to the end of the run. Loss before it is "outside the window" (a run
#   that has any is invalid for the benchmark).
# - delivered at: A = seen on site A's VM bridge towards the VM; B = on site B's; BviaA =
#   arrived at site B encapsulated by site A's xTR (re-encapsulated: a detour), for a flow
#   whose own ITR is not site A.
# - path direct: from the last moment anything of the flow went towards the old site (an ITR
#   encapsulating to the old RLOC, a packet delivered at site A, re-encapsulated by it, or
#   lost after the move) on; null when that lasted to the end of the run.
import json
import os
import sys

d = sys.argv[1]
ev = json.load(open(os.path.join(d, "events.json")))
t0 = float(ev["migrationMs"])  # the switchover (uplink moved, or the site lost)
t_ans = float(ev.get("answeredMs") or t0)  # the VM answers at site B
pre = float(ev.get("windowPreMs", 300))
rloc_a = ev["rlocA"]
itr_of = ev.get("itrOf", {})  # flow -> RLOC of the xTR that encapsulates it
flows = json.load(open(os.path.join(d, "flows-run.json")))


def read_tap(name, lisp=False):
    """[(time, dir, seq, flow, osrc, odst)]"""
    out = []
    p = os.path.join(d, name)
    if not os.path.exists(p):
        return out
    for l in open(p):
        if l.startswith("#"):
            continue
        w = l.split()
        if len(w) < 6:
            continue
        try:
            t, seq = float(w[0]), int(w[2])
        except ValueError:
            continue
        osrc = w[6] if lisp and len(w) >= 8 else "-"
        odst = w[7] if lisp and len(w) >= 8 else "-"
        out.append((t, w[1], seq, w[5], osrc, odst))
    return out


vm_eids = set(ev.get("vmEids", []))
tap_a = [x for x in read_tap("tap-sa.txt") if x[1] == "out"]
tap_b = [x for x in read_tap("tap-sb.txt") if x[1] == "out"]
tapw_b = [x for x in read_tap("tapw-sb.txt", True) if x[1] == "in" and x[4] != "-"]
tapw_a = [x for x in read_tap("tapw-sa.txt", True) if x[4] != "-"]
itr_taps = {r: [x for x in read_tap("tapw-%s.txt" % r, True) if x[1] == "out" and x[5] != "-"]
            for r in ("detr", "oxtr")}


# the D-ETR's map-cache entry of each EID: when it last changed (its changedUnixMs, read
# after the run), for the entries changed by this migration
detr_changed = {}
try:
    mc = json.load(open(os.path.join(d, "mapcache-detr-end.json")))
    for e in mc.get("mappings", []):
        p = e.get("eidPrefix", "")
        if p.endswith("/32") or p.endswith("/128"):
            c = e.get("changedUnixMs")
            if c is not None and float(c) >= t0 - 50:
                detr_changed[p.rsplit("/", 1)[0]] = float(c)
except (OSError, ValueError, AttributeError):
    pass
# each flow's destination (the VM's EID)
dst_of = {}
for t, _, s, fl, _, _ in tap_a + tap_b:
    dst_of.setdefault(fl, None)
for name in ("tap-sa.txt", "tap-sb.txt"):
    p = os.path.join(d, name)
    if os.path.exists(p):
        for l in open(p):
            w = l.split()
            if len(w) >= 6 and w[1] == "out" and dst_of.get(w[5]) is None:
                dst_of[w[5]] = w[4]


def median(v):
    v = sorted(v)
    return None if not v else (v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2)


res = {"flows": [], "windowPreMs": pre}
for f in flows:
    name = f.get("name")
    csv = os.path.join(d, "flow-run-%s.csv" % name)
    rows = {}
    if os.path.exists(csv):
        for l in open(csv):
            if l.startswith("#"):
                continue
            p = l.strip().split(",")
            if len(p) >= 3:
                rows[int(p[1])] = (float(p[0]) - float(p[2]), float(p[2]))
    sent = int(f.get("sent") or 0)
    # send time per seq (lost ones interpolated; before the first / after the last echo:
    # extrapolated at the flow's rate)
    rate = float(f.get("rate") or 1) or 1.0
    seqs = sorted(rows)
    send = {}
    for s, (ts, _) in rows.items():
        send[s] = ts
    if not seqs and f.get("startWallMs") is not None:  # nothing echoed: the sender's clock
        for s in range(sent):
            send[s] = float(f["startWallMs"]) + s * 1000.0 / rate
    if seqs:
        for a, b in zip(seqs, seqs[1:]):
            for s in range(a + 1, b):
                send[s] = rows[a][0] + (rows[b][0] - rows[a][0]) * (s - a) / (b - a)
        for s in range(0, seqs[0]):
            send[s] = rows[seqs[0]][0] - (seqs[0] - s) * 1000.0 / rate
        for s in range(seqs[-1] + 1, sent):
            send[s] = rows[seqs[-1]][0] + (s - seqs[-1]) * 1000.0 / rate
    where = {}
    for t, _, s, fl, _, _ in tap_a:
        if fl == name:
            where[s] = "A"
    detour_ok = itr_of.get(name) != rloc_a
    for t, _, s, fl, _, _ in tap_b:
        if fl == name:
            where[s] = "B"
    via = {}
    for t, _, s, fl, osrc, _ in tapw_b:
        if fl == name and osrc == rloc_a and detour_ok:
            via[s] = t
    for s in via:
        if where.get(s) == "B":
            where[s] = "BviaA"
    lost = [s for s in range(sent) if s not in rows]
    w0 = t0 - pre
    lost_before = [s for s in lost if s in send and send[s] < w0]
    lost_window = [s for s in lost if s in send and send[s] >= w0]
    lost_after_answer = [s for s in lost if s in send and send[s] >= t_ans]
    after = [s for s in range(sent) if s in send and send[s] >= t0]
    # towards the old site after the move: ITR encapsulating to the old RLOC, delivered at A,
    # re-encapsulated by A, lost (it went somewhere that did not deliver it)
    old_times = []
    itr = itr_of.get(name)
    for r, xs in itr_taps.items():
        for t, _, s, fl, osrc, odst in xs:
            if fl == name and odst == rloc_a and osrc == itr and t >= t0:
                old_times.append(t)
    for s in after:
        if s not in rows or where.get(s) in ("A", "BviaA"):
            old_times.append(send[s])
    last_send = max((send[s] for s in range(sent) if s in send), default=t0)
    if not old_times:
        direct = 0.0
    else:
        lo = max(old_times)
        # "direct" only when direct deliveries follow for at least 200 ms of the run
        direct = None if lo > last_send - 200 else round(lo - t0, 1)
    rtt_via = [rows[s][1] for s in after if s in rows and where.get(s) == "BviaA"]
    rtt_dir = [rows[s][1] for s in after if s in rows and where.get(s) == "B"]
    extra = None
    if rtt_via and rtt_dir:
        extra = round(median(rtt_via) - median(rtt_dir), 2)
    det_after_detr = None
    td = detr_changed.get(dst_of.get(name)) or ev.get("detrUpdatedMs")
    if td is not None and ev.get("detrUpdatedMs") is not None:
        td = float(td)
        det_after_detr = sum(1 for t, _, s, fl, osrc, odst in itr_taps["detr"]
                             if fl == name and odst == rloc_a and t > td + 1)
    cnt = {"A": 0, "B": 0, "BviaA": 0}
    for s in after:
        if s in rows and where.get(s) in cnt:
            cnt[where[s]] += 1
    # lisp-flow's longest gap is between two echoes: a flow that never recovers has its
    # longest gap from its last echo to its last packet (a lower bound: the run ended)
    gap = f.get("longestGapMs")
    if seqs and seqs[-1] < sent - 1 and (sent - 1) in send:
        tail = send[sent - 1] - rows[seqs[-1]][0]
        if gap is None or tail > gap:
            gap = round(tail, 3)
    res["flows"].append({
        "name": name, "sent": sent, "received": f.get("received"), "lost": f.get("lost"),
        "longestGapMs": gap, "longestGapToEnd": gap != f.get("longestGapMs"),
        "lostInWindow": len(lost_window), "lostOutsideWindow": len(lost_before),
        "lostAfterVmAnswered": len(lost_after_answer),
        "deliveredAfterMove": cnt,
        "directAfterMs": direct,
        "detourExtraDelayMs": extra,
        "rttMedianDirectMs": None if not rtt_dir else round(median(rtt_dir), 2),
        "toOldRlocAfterDetrUpdated": det_after_detr,
    })
    with open(os.path.join(d, "plot-%s.dat" % name), "w") as o:
        for s in range(sent):
            if s not in send:
                continue
            o.write("%.3f %d %s\n" % (send[s] - t0, s, where.get(s, "lost") if s in rows else "lost"))


# ------------------------------------------------------------------ control messages
def load(n):
    p = os.path.join(d, n)
    try:
        return json.load(open(p))
    except (OSError, ValueError):
        return None


def xtr_msgs(st):
    """control messages an xTR sent that a migration causes (everything but RLOC probes and
    the replies to them), and its probes"""
    c = st.get("control", {})
    out = c.get("out", {})
    tot = sum(v for v in out.values() if isinstance(v, int))
    smr = c.get("smrSent", 0)
    mig = tot - out.get("map-reply", 0) - (out.get("map-request", 0) - smr)
    return mig, c.get("probesSent", 0), out, c.get("smrSent", 0)


def ms_msgs(st):
    m = st.get("messages", {})
    rx = sum(v.get("received", 0) for v in m.values() if isinstance(v, dict))
    tx = sum(v.get("sent", 0) for v in m.values() if isinstance(v, dict))
    return rx, tx, st.get("bgp", {}).get("announced", 0) + st.get("bgp", {}).get("withdrawn", 0)


def mr_msgs(st):
    """received; sent over the WAN (negative replies: forwards go to the Map-Server next to
    it); forwarded (the same messages again at that Map-Server)"""
    return st.get("received", 0), st.get("negativeReplies", 0), st.get("forwarded", 0)


ctl = {"wan": 0, "globalMappingSystem": 0, "bgpUpdates": 0, "rlocProbes": 0, "byDaemon": {}}
for r in ev.get("xtrs", []):
    a, b = load("stats-%s-pre.json" % r), load("stats-%s-end.json" % r)
    if a is None or b is None:
        continue
    ma, pa, oa, sa = xtr_msgs(a)
    mb, pb, ob, sb = xtr_msgs(b)
    ctl["byDaemon"]["xtr-" + r] = {"sent": mb - ma, "probes": pb - pa, "smr": sb - sa,
                                   "byType": {k: ob.get(k, 0) - oa.get(k, 0) for k in ob if ob.get(k, 0) - oa.get(k, 0)}}
    ctl["wan"] += mb - ma
    ctl["rlocProbes"] += pb - pa
for r in ev.get("mss", []):
    a, b = load("stats-%s-pre.json" % r), load("stats-%s-end.json" % r)
    if a is None or b is None:
        continue
    if r.startswith("ms"):
        ra, ta, ga = ms_msgs(a)
        rb, tb, gb = ms_msgs(b)
        ctl["byDaemon"][r] = {"received": rb - ra, "sent": tb - ta, "bgpUpdates": gb - ga}
        ctl["wan"] += tb - ta
        ctl["bgpUpdates"] += gb - ga
    else:
        ra, ta, fa = mr_msgs(a)
        rb, tb, fb = mr_msgs(b)
        ctl["byDaemon"][r] = {"received": rb - ra, "sentOverWan": tb - ta, "forwardedToMs": fb - fa}
        ctl["wan"] += tb - ta
        if r.endswith("-global"):  # what it forwarded arrives at the MS beside it: once
            ctl["globalMappingSystem"] -= fb - fa
    if r.endswith("-global"):
        ctl["globalMappingSystem"] += rb - ra
ctl["wan"] += ctl["bgpUpdates"] + int(ev.get("controllerMessages", 0))
res["control"] = ctl
print(json.dumps(res))
