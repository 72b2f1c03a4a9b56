#!/usr/bin/env python3
"""Scaling of the data-parallel step from vecbench results files alone (runs
at several world sizes, e.g. `make bench-mpi`): a table on stdout, and
dp_scaling.dat, .png and .svg (plots/dp_scaling.gp) in --out.

Strong scaling: the same global batch m at 1 and N ranks, efficiency
T1 / (N TN). Weak scaling: the same batch per rank (m/N), efficiency T1 / TN.
Each time is the slowest rank's step (median over repetitions when run).
usage: dp_scaling.py --out DIR RESULTS.json..."""
import json
import os
import subprocess
import sys

UNIT = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}


def load(paths):
    """(op, variant, m, world) -> step time in ms."""
    times = {}
    for path in paths:
        try:
            doc = json.load(open(path))
        except (OSError, ValueError) as e:
            sys.exit(f"vecbench: cannot read {path}: {e}")
        world = int(doc.get("context", {}).get("world_size", 1))
        for b in doc.get("benchmarks", []):
            if b.get("family") != "dp" or b.get("error_occurred"):
                continue
            agg = b.get("aggregate_name")
            if agg and agg != "median":
                continue
            m = int(dict(kv.split("=") for kv in b["dims"].split(","))["m"])
            key = (b["op"], b["variant"], m, world)
            t = b["real_time"] * UNIT[b["time_unit"]]
            if agg == "median" or key not in times:
                times[key] = t
    return times


def main():
    args = sys.argv[1:]
    if len(args) < 3 or args[0] != "--out":
        sys.exit("usage: dp_scaling.py --out DIR RESULTS.json...")
    out, times = args[1], load(args[2:])
    if not times:
        sys.exit("vecbench: no data-parallel results in " + " ".join(args[2:]))
    series = []  # (label, [(ranks, time_ms, efficiency)])
    for op, v, m in sorted({(o, v, m) for o, v, m, w in times}):
        t1 = times.get((op, v, m, 1))
        pts = [(w, t, t1 / (w * t)) for (o, vv, mm, w), t in sorted(times.items()) if (o, vv, mm) == (op, v, m) and t1]
        if len(pts) > 1:
            series.append((f"{op} {v} strong m={m}", pts))
    nstrong = len(series)
    for op, v, per_rank in sorted({(o, v, m // w) for o, v, m, w in times if m % w == 0}):
        t1 = times.get((op, v, per_rank, 1))
        pts = [(w, t, t1 / t) for (o, vv, m, w), t in sorted(times.items(), key=lambda kv: kv[0][3])
               if (o, vv) == (op, v) and m == per_rank * w and t1]
        if len(pts) > 1:
            series.append((f"{op} {v} weak m/rank={per_rank}", pts))
    print(f"{'op':18} {'variant':10} {'scaling':7} {'batch':12} {'ranks':>5} {'step':>12} {'efficiency':>10}")
    for label, pts in series:
        for w, t, e in pts:
            print(f"{label.split()[0]:18} {label.split()[1]:10} {label.split()[2]:7} {label.split()[3]:12} {w:5d} "
                  f"{t:9.3f} ms {e:10.2f}")
    if not series:
        print("no series with a 1-rank run and another world size: nothing to plot")
        return
    os.makedirs(out, exist_ok=True)
    dat = os.path.join(out, "dp_scaling.dat")
    with open(dat + ".tmp", "w") as f:
        for label, pts in series:
            f.write(f"{label}\tranks\tstep_ms\tefficiency\n")
            for w, t, e in pts:
                f.write(f"{w}\t{t:.6g}\t{e:.6g}\n")
            f.write("\n\n")
    os.replace(dat + ".tmp", dat)
    here = os.path.dirname(os.path.abspath(__file__))
    for fmt in ("png", "svg"):
        subprocess.run(["gnuplot", "-c", os.path.join(here, "dp_scaling.gp"), fmt, out,
                        os.path.join(out, "dp_scaling"), here, str(len(series)), str(nstrong)], check=True)
    print(f"plot: {os.path.join(out, 'dp_scaling.png')} (and .svg, .dat)")


main()
