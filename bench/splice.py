# SPDX-License-Identifier: ISC
# bench/splice.py PARTIAL.md FULL.md NAME... - put the sections of benchmarks NAME... of a
# partial report (scripts/bench.sh NAME..., bench/report.py) into the full BENCHMARKS.md:
# their rows of the summary table, their "## NAME" sections and their lines under "Goals
# missed or not measured" are replaced by the partial report's; the rest of FULL.md stays.
# The partial run's machine facts (date, commit, load) go into each replaced section, since
# the file's "Machine" section describes the full run.
import re
import sys

part_p, full_p, names = sys.argv[1], sys.argv[2], sys.argv[3:]
part = open(part_p).read().split("\n")
full = open(full_p).read().split("\n")


def section(lines, name):
    """(start, end) of '## name' up to the next '## ' heading"""
    s = next((i for i, l in enumerate(lines) if l == "## " + name), None)
    if s is None:
        return None
    e = next((i for i in range(s + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    return s, e


msec = section(part, "Machine")
machine = []
if msec:
    for l in part[msec[0] + 1:msec[1]]:
        m = re.match(r"- (date|commit|load average before|load average after): (.*)", l)
        if m:
            machine.append("%s %s" % (m.group(1), m.group(2)))
for name in names:
    # summary rows
    rows = [l for l in part if l.startswith("| %s |" % name)]
    idx = [i for i, l in enumerate(full) if l.startswith("| %s |" % name)]
    if idx:
        at = idx[0]
        full = [l for i, l in enumerate(full) if i not in set(idx)]
        full[at:at] = rows
    # the section
    ps, fs = section(part, name), section(full, name)
    if ps is None:
        continue
    body = part[ps[0]:ps[1]]
    while body and body[-1] == "":
        body.pop()
    if machine:
        body += ["", "- This section was measured by its own run (`scripts/bench.sh %s`): %s." %
                 (name, "; ".join(machine))]
    body.append("")
    if fs is None:
        g = section(full, "Goals missed or not measured")
        at = g[0] if g else len(full)
        full[at:at] = body
    else:
        full[fs[0]:fs[1]] = body
    # goals missed
    g = section(full, "Goals missed or not measured")
    pg = section(part, "Goals missed or not measured")
    if g:
        keep = [l for l in full[g[0]:g[1]] if not l.startswith("- %s:" % name)]
        new = [l for l in part[pg[0]:pg[1]] if l.startswith("- %s:" % name)] if pg else []
        while keep and keep[-1] == "":
            keep.pop()
        keep += new + [""]
        full[g[0]:g[1]] = keep
open(full_p, "w").write("\n".join(full))
