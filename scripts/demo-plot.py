# SPDX-License-Identifier: ISC
# scripts/demo-plot.py OUT.svg LABEL=DIR [LABEL=DIR ...] - the migration plot of scripts/demo.sh
# (gnuplot): one panel per run (per mode with --compare) on a shared time axis (ms from the
# switchover, or from the moment the site was lost), one band per flow, each packet at its
# send time coloured by where it was delivered: site A, site B directly, site B through the
# old site (re-encapsulated by it), or lost. The timeline's events are marked in each panel.
# Reads DIR/plot-FLOW.dat (scripts/demo-analyse.py) and DIR/events.json. Consecutive packets
# delivered alike are drawn as one segment, so the SVG stays small (lines, not point
# symbols: renderers without SVG <use> show them too).
import json
import os
import shutil
import subprocess
import sys
import tempfile

out = sys.argv[1]
runs = [a.split("=", 1) for a in sys.argv[2:]]
colors = {"A": "#1f77b4", "B": "#2ca02c", "BviaA": "#ff7f0e", "lost": "#d62728"}
names = {"A": "delivered at site A", "B": "delivered at site B (direct)",
         "BviaA": "at site B through site A (detour)", "lost": "lost"}
evnames = [("answeredMs", "VM answers at B"), ("registerMs", "register"),
           ("oldSiteNotifiedMs", "old site told"), ("detrUpdatedMs", "D-ETR updated"),
           ("itrUpdatedMs", "ITR updated"), ("lostMs", "site A lost")]
tmp = tempfile.mkdtemp(prefix="demo-plot.")
panels = []
xmin, xmax = 0.0, 0.0
lost_site = False
focus = 0.0  # the latest event or return to a direct path over all panels
for label, d in runs:
    ev = json.load(open(os.path.join(d, "events.json")))
    t0 = float(ev["migrationMs"])
    lost_site = lost_site or ev.get("lostMs") is not None
    flows = [f for f in ev.get("flows", [])]
    segs = {k: [] for k in colors}
    for i, f in enumerate(flows):
        p = os.path.join(d, "plot-%s.dat" % f)
        if not os.path.exists(p):
            continue
        pts = []
        for l in open(p):
            w = l.split()
            if len(w) == 3:
                pts.append((float(w[0]), w[2]))
        pts.sort()
        if pts:
            xmin, xmax = min(xmin, pts[0][0]), max(xmax, pts[-1][0])
        # the last packet that did not reach site B directly (after the move)
        nd = [t for t, k in pts if t >= 0 and k != "B"]
        if nd and nd[-1] < pts[-1][0] - 200:
            focus = max(focus, nd[-1])
        start = None
        for j, (t, k) in enumerate(pts):
            if start is None:
                start, kind = t, k
            nxt = pts[j + 1] if j + 1 < len(pts) else None
            if nxt is None or nxt[1] != kind or nxt[0] - t > 50:
                segs[kind].append((start, i + 1, max(t - start, 0.8)))
                start = None
    evs = []
    for k, n in evnames:
        if ev.get(k) is not None:
            evs.append((float(ev[k]) - t0, n))
            focus = max(focus, float(ev[k]) - t0)
    panels.append((label, flows, segs, evs))
# the shared time axis: from shortly before the move to well after the last event or the
# last packet that did not go straight to site B (the whole run when nothing ends earlier)
lo = max(xmin, -300.0)
hi = min(xmax, max(600.0, focus * 1.5 + 200))
lines = ["set terminal svg size 1100,%d dynamic background rgb 'white' font 'sans,11' butt" % (180 + 230 * len(panels)),
         "set output '%s'" % out,
         "set multiplot layout %d,1 title 'Where each packet was delivered (time 0 = %s)'" %
         (len(panels), "site A lost" if lost_site else "the switchover"),
         "set xrange [%g:%g]" % (lo, hi), "set grid x", "unset key",
         "set lmargin 10", "set rmargin 38"]
for n, (label, flows, segs, evs) in enumerate(panels):
    lines.append("set title '%s'" % label.replace("'", ""))
    lines.append("set yrange [0.3:%g]" % (len(flows) + 0.7))
    lines.append("set ytics (%s)" % ", ".join("'%s' %d" % (f, i + 1) for i, f in enumerate(flows)))
    lines.append("set xlabel '%s'" % ("ms (send time of each packet)" if n == len(panels) - 1 else ""))
    lines.append("unset arrow; unset label")
    for i, (x, nm) in enumerate(evs):
        lines.append("set arrow %d from first %g, graph 0 to first %g, graph 1 nohead lc rgb 'gray30' dt 3" % (i + 1, x, x))
        lines.append("set label %d '%s' at first %g, graph %.2f tc rgb 'gray20' offset 0.3,0 font ',9'" % (i + 1, nm, x, 0.95 - 0.1 * i))
    if n == 0:
        lines.append("set key outside right top")
    else:
        lines.append("unset key")
    parts = []
    for k, c in colors.items():
        f = os.path.join(tmp, ".plot-%d-%s.dat" % (n, k))
        with open(f, "w") as o:
            for x, y, dx in segs[k]:
                o.write("%.3f %d %.3f 0\n" % (x, y, dx))
            if not segs[k]:
                o.write("%g -10 0.1 0\n" % xmin)  # an empty series still has its key entry
        parts.append("'%s' using 1:2:3:4 with vectors nohead lw 12 lc rgb '%s' title '%s'" % (f, c, names[k]))
    lines.append("plot " + ", ".join(parts))
lines.append("unset multiplot")
gp = os.path.join(tmp, ".plot.gp")
open(gp, "w").write("\n".join(lines) + "\n")
r = subprocess.run(["gnuplot", gp], capture_output=True, text=True)
shutil.rmtree(tmp, ignore_errors=True)
if r.returncode:
    sys.stderr.write(r.stderr)
sys.exit(r.returncode)
