"""The cache-aware roofline: with a cached calibration of known roofs for L1,
L2, L3 and DRAM, `vecbench run` places each kernel against the roof of the
smallest level its working set (io + workspace) fits in, records every roof
in the context, and `vecbench plot` draws them all."""
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

from vb_cache import write_cache

vb = sys.argv[1]
PEAK, TRIAD = 50.0, 9.0
LEVELS = dict(l1_gbs=1000.0, l1_bytes=200e3, l2_gbs=5.0, l2_bytes=1e6, l3_gbs=200.0, l3_bytes=32e6)
UNIT = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def check(what, cond, detail=""):
    if not cond:
        print("FAIL:", what, "\n", detail)
        sys.exit(1)
    print("ok:", what)


with tempfile.TemporaryDirectory() as d:
    env = dict(os.environ, XDG_CACHE_HOME=d)
    write_cache(vb, d, [env], sgemm=PEAK, triad=TRIAD, **LEVELS)
    out = os.path.join(d, "r.json")
    # relu_fwd's default sizes: 128K (L1 here), 781K (L2), 64M (DRAM)
    r = subprocess.run([vb, "run", "--op", "^relu_fwd$", "--variant", "vec", "--quiet", "--blas-core", "asis",
                        "--out", out, "--", "--benchmark_min_time=0.01"], capture_output=True, text=True, env=env)
    check("run exits 0", r.returncode == 0, r.stdout + r.stderr)
    doc = json.load(open(out))
    ctx = doc["context"]
    check("context records every roof", all(ctx["roofline_" + k] == v for k, v in LEVELS.items())
          and ctx["roofline_triad_gbs"] == TRIAD, ctx)
    # a level's roof is never below a slower level's: L2 (5 GB/s) is measured below L3 and DRAM
    roof = {"L1": 1000.0, "L2": 200.0, "L3": 200.0, "DRAM": TRIAD}
    seen = set()
    for b in doc["benchmarks"]:
        ws = b["io_bytes"] + b.get("workspace_bytes", 0)
        want = "L1" if ws <= 200e3 else "L2" if ws <= 1e6 else "L3" if ws <= 32e6 else "DRAM"
        check(f"{b['name']}: {ws:.0f} bytes against the {want} roof",
              b["roofline_level"] == want and b["roofline_bandwidth_gbs"] == roof[want], b)
        t = b["real_time"] * UNIT[b["time_unit"]]
        ceiling = min(PEAK, b["flops_per_iteration"] / b["bytes_per_iteration"] * roof[want])
        check("  its %roof is against that roof",
              math.isclose(b["roofline_pct"], 100 * b["flops_per_iteration"] / t * 1e-9 / ceiling, rel_tol=1e-9), b)
        seen.add(want)
    check("the sizes span L1, L2 and DRAM", seen == {"L1", "L2", "DRAM"}, seen)

    if shutil.which("gnuplot"):
        plots = os.path.join(d, "plots")
        p = subprocess.run([vb, "plot", out, "--out", plots], capture_output=True, text=True)
        check("plot exits 0", p.returncode == 0, p.stdout + p.stderr)
        row = open(os.path.join(plots, "roofline_ceilings.dat")).read().splitlines()[1].split("\t")
        check("the roofline's data carry every roof",
              [float(x) for x in row[4:7]] == [LEVELS["l1_gbs"], LEVELS["l2_gbs"], LEVELS["l3_gbs"]], row)
        svg = open(os.path.join(plots, "roofline.svg")).read()
        check("and the plot draws them", all(f"L{l} roof" in svg for l in (1, 2, 3)), "")

    # roofs measured far too low: the results land above them, and the doctor says so
    write_cache(vb, d, [env], sgemm=PEAK, triad=0.01, l1_gbs=0.01, l1_bytes=1e5, l2_gbs=0.01, l2_bytes=1e6)
    r = subprocess.run([vb, "run", "--op", "^relu_fwd$", "--variant", "vec", "--dims", "m=64,n=64", "--quiet",
                        "--blas-core", "asis", "--out", out, "--", "--benchmark_min_time=0.01"],
                       capture_output=True, text=True, env=env)
    check("run exits 0", r.returncode == 0, r.stdout + r.stderr)
    found = [f for f in json.load(open(out))["context"]["doctor"] if f["id"] == "above_roof"]
    check("a kernel above its roof is a finding", found and found[0]["severity"] == "error" and
          "above_roof" not in r.stdout and "above the roof of their level" in r.stdout, (found, r.stdout))
print("test_cache_roofline: all passed")
