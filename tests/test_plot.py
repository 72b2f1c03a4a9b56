"""`vecbench plot` and `vecbench report` on a synthetic results JSON whose
numbers are known: the .dat files hold the JSON's numbers, the roofline
percentages follow from the context's calibrated figures, gnuplot drew
non-empty PNG and SVG images, and bad input exits 2 with one line."""
import json
import math
import os
import subprocess
import sys
import tempfile

vb = sys.argv[1]
UNIT = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
PEAK, FMA, TRIAD, COPY = 100.0, 200.0, 10.0, 9.0  # GFLOP/s, GB/s

benchmarks = []


def bench(op, family, variant, dims, flops, nbytes, t, unit, device="cpu", io=4096, ws=0, gpu=None, **extra):
    """One Google Benchmark iteration entry with vecbench's fields."""
    name = f"{op}/{variant}/" + dims.replace("=", ":").replace(",", "/")
    b = {"name": name + "/real_time", "run_name": name, "run_type": "iteration", "repetitions": 1,
         "repetition_index": 0, "threads": 1, "iterations": 10, "real_time": t, "cpu_time": t, "time_unit": unit,
         "op": op, "family": family, "variant": variant, "dims": dims, "dtype": "f32", "device": device,
         "flops_per_iteration": flops, "bytes_per_iteration": nbytes, "check_err_bound": 0.1, "io_bytes": io,
         "workspace_bytes": ws, "heap_growth_bytes": ws + 64, "peak_rss_bytes": 50e6 + ws}
    if gpu is not None:
        b["gpu_peak_bytes"] = gpu
    b.update(extra)
    benchmarks.append(b)
    return b


def seconds(b):
    return b["real_time"] * UNIT[b["time_unit"]]


# dense: three sizes, loop and vec; the largest size has AI 20 (compute-bound)
for m, scale in ((64, 1), (256, 4), (1024, 16)):
    dims = f"m={m},d=100,h=100"
    f, by = 2e9 * scale / 16, 1e8 * scale / 16
    bench("dense_fwd", "dense", "loop", dims, f, by, 2e6 * scale / 16, "us", io=by, ws=0)
    bench("dense_fwd", "dense", "vec", dims, f, by, 40 * scale / 16, "ms", io=by, ws=1 << 20)
# activations: AI 0.125 (bandwidth-bound), a semi variant
for m in (1000, 4000):
    dims = f"m={m},n=1000"
    k = m / 1000
    bench("relu_fwd", "activation", "loop", dims, 1e6 * k, 8e6 * k, 8e6 * k, "ns", io=8e6 * k)
    bench("relu_fwd", "activation", "semi", dims, 1e6 * k, 8e6 * k, 2e6 * k, "ns", io=8e6 * k)
    bench("relu_fwd", "activation", "vec", dims, 1e6 * k, 8e6 * k, 1e6 * k, "ns", io=8e6 * k)
# the training step through every technique, with repetitions on vec (median used)
for m in (32, 128):
    dims = f"m={m},d=784,h=128,c=10"
    k = m / 32
    bench("mlp_train_step", "mlp", "loop", dims, 4e8 * k, 2e7 * k, 400 * k, "ms", io=2e7 * k)
    bench("mlp_train_step", "mlp", "loop_autovec", dims, 4e8 * k, 2e7 * k, 100 * k, "ms", io=2e7 * k)
    bench("mlp_train_step", "mlp", "vec_1t", dims, 4e8 * k, 2e7 * k, 10 * k, "ms", io=2e7 * k, ws=3e6 * k)
    for rep, t in enumerate((5.5 * k, 4.0 * k, 6.0 * k)):
        bench("mlp_train_step", "mlp", "vec", dims, 4e8 * k, 2e7 * k, t, "ms", io=2e7 * k, ws=3e6 * k,
              repetitions=3, repetition_index=rep)
    for agg, t in (("mean", 5.0 * k), ("median", 5.0 * k), ("stddev", 1.0 * k)):
        bench("mlp_train_step", "mlp", "vec", dims, 4e8 * k, 2e7 * k, t, "ms", io=2e7 * k, ws=3e6 * k,
              run_type="aggregate", aggregate_name=agg, name=f"mlp_train_step/vec/m:{m}/real_time_{agg}")
    bench("mlp_train_step", "mlp", "cuda_vec", dims, 4e8 * k, 2e7 * k, 500 * k, "us", device="cuda", io=2e7 * k,
          gpu=5e7 * k, roofline_pct=1.6 * k, roofline_gflops=50000.0)
# GPU variants carry the CUDA bridge's own roofline figures (against the device's limits)
for variant, pct in (("cuda_vec", 30.0), ("cuda_tf32", 7.5)):
    bench("dense_fwd", "dense", variant, "m=1024,d=100,h=100", 2e9, 1e8, 40, "us", device="cuda", io=1e8,
          gpu=2e8, roofline_pct=pct, roofline_gflops=50000.0 if variant == "cuda_vec" else 200000.0)
# an errored entry is ignored
bench("dense_fwd", "dense", "cuda_loop", "m=64,d=100,h=100", 1, 1, 0, "us", error_occurred=True,
      error_message="no device")


def rep_time(op, variant, dims):
    """What the plot should use: the median aggregate, else the iteration run."""
    es = [b for b in benchmarks if (b["op"], b["variant"], b["dims"]) == (op, variant, dims)
          and not b.get("error_occurred")]
    med = [b for b in es if b.get("aggregate_name") == "median"]
    return seconds(med[0]) if med else seconds(es[0])


for b in benchmarks:
    if b.get("error_occurred") or b.get("aggregate_name") == "stddev":
        continue
    b["speedup_vs_loop"] = rep_time(b["op"], "loop", b["dims"]) / rep_time(b["op"], b["variant"], b["dims"])

context = {"date": "2026-01-01T00:00:00+00:00", "host_name": "synthetic", "num_cpus": 2, "mhz_per_cpu": 3600,
           "caches": [{"type": "Data", "level": 1, "size": 32768, "num_sharing": 1}],
           "cpu_model": "Synthetic CPU | with a bar", "openblas_core": "Zen", "threads": "openblas=2",
           "roofline_sgemm_gflops": PEAK, "roofline_fma_gflops": FMA, "roofline_triad_gbs": TRIAD,
           "roofline_copy_gbs": COPY, "roofline_threads": 2, "roofline_sgemm_n": 2048, "roofline_fma_isa": "avx2",
           "roofline_calibration": "synthetic", "gpu_name": "Synthetic GPU", "gpu_cublas_sgemm_gflops": "50000",
           "gpu_cublas_tf32_gflops": "200000", "gpu_measured_copy_bandwidth_GBps": "3000.0"}


def read_dat(path):
    """Blocks of rows (tab-separated, comments dropped); a block's first row may be its header."""
    blocks, cur = [], []
    for line in open(path):
        line = line.rstrip("\n")
        if line.startswith("#"):
            continue
        if not line:
            if cur:
                blocks.append(cur)
            cur = []
            continue
        cur.append(line.split("\t"))
    if cur:
        blocks.append(cur)
    return blocks


def num(s):
    return float("nan") if s == "-" else float(s)


def expected_pct(flops, nbytes, t):
    ceiling = min(PEAK * 1e9, flops / nbytes * TRIAD * 1e9)
    return 100 * (flops / t) / ceiling


def run(*args, ok=True):
    r = subprocess.run([vb, *args], capture_output=True, text=True)
    if ok:
        assert r.returncode == 0, (args, r.returncode, r.stdout, r.stderr)
    return r


with tempfile.TemporaryDirectory() as d:
    res = os.path.join(d, "results.json")
    json.dump({"context": context, "benchmarks": benchmarks}, open(res, "w"), indent=1)
    out = os.path.join(d, "plots")
    r = run("plot", res, "--out", out)
    print(r.stdout, r.stderr)

    # 1) speedup.dat: each op at its largest size, the JSON's speedups
    rows = read_dat(os.path.join(out, "speedup.dat"))[0]
    header, rows = rows[0], rows[1:]
    assert header[:2] == ["op", "dims"] and "loop" not in header, header
    assert header[2:] == ["loop_autovec", "semi", "vec_1t", "vec", "cuda_vec", "cuda_tf32"], header
    largest = {"dense_fwd": "m=1024,d=100,h=100", "relu_fwd": "m=4000,n=1000",
               "mlp_train_step": "m=128,d=784,h=128,c=10"}
    assert sorted(r[0] for r in rows) == sorted(largest), rows
    for row in rows:
        op, dims = row[0], row[1]
        assert dims == largest[op], row
        for v, cell in zip(header[2:], row[2:]):
            want = [b["speedup_vs_loop"] for b in benchmarks
                    if (b["op"], b["variant"], b["dims"]) == (op, v, dims) and "speedup_vs_loop" in b]
            if not want:
                assert cell == "-", (op, v, cell)
            else:
                assert num(cell) == want[0], (op, v, cell, want)

    # 2) time_<family>.dat: the JSON's times, in seconds, by FLOP per call
    for fam, ops in (("dense", ["dense_fwd"]), ("activation", ["relu_fwd"]), ("mlp", ["mlp_train_step"])):
        blocks = read_dat(os.path.join(out, f"time_{fam}.dat"))
        seen = set()
        for blk in blocks:
            title = blk[0][0].strip('"')
            op, variant = title.split("/")
            assert op in ops, title
            seen.add(variant)
            flops = [num(r[0]) for r in blk[1:]]
            assert flops == sorted(flops), title
            for r in blk[1:]:
                dims = r[4]
                assert num(r[1]) == rep_time(op, variant, dims), (title, r)
                assert num(r[0]) == next(b["flops_per_iteration"] for b in benchmarks
                                         if (b["op"], b["variant"], b["dims"]) == (op, variant, dims))
        assert "loop" in seen and "vec" in seen, (fam, seen)

    # 3) roofline: percentages from the context's figures; CPU kernels only
    ceil = read_dat(os.path.join(out, "roofline_ceilings.dat"))[0][0]
    assert [num(c) for c in ceil] == [PEAK, FMA, TRIAD, COPY, 0, 0, 0], ceil  # no cache roofs in this context
    points = read_dat(os.path.join(out, "roofline.dat"))[0]
    assert points and all(p[1] != "cuda_vec" for p in points), points
    known = {("dense_fwd", "vec"): 50.0, ("dense_fwd", "loop"): 1.0, ("relu_fwd", "vec"): 80.0,
             ("relu_fwd", "loop"): 10.0}
    for p in points:
        op, variant, dims, cls = p[0], p[1], p[2], int(p[3])
        ai, gf, roof, pct = map(num, p[4:8])
        b = next(b for b in benchmarks if (b["op"], b["variant"], b["dims"]) == (op, variant, dims))
        t = rep_time(op, variant, dims)
        assert math.isclose(pct, expected_pct(b["flops_per_iteration"], b["bytes_per_iteration"], t), rel_tol=1e-12)
        assert math.isclose(ai, b["flops_per_iteration"] / b["bytes_per_iteration"], rel_tol=1e-12)
        assert math.isclose(gf, b["flops_per_iteration"] / t * 1e-9, rel_tol=1e-12)
        assert math.isclose(roof, min(PEAK, ai * TRIAD), rel_tol=1e-12)
        want_cls = 0 if variant == "loop" else 1 if variant.startswith("loop") else 2 if variant == "semi" else 3
        assert cls == want_cls, p
        if (op, variant) in known:
            assert math.isclose(pct, known[(op, variant)], rel_tol=1e-9), (op, variant, pct)
    assert {(p[0], p[1]) for p in points} >= set(known), points

    # 3b) the GPU roofline: CUDA kernels with the bridge's stored figures, the device ceilings
    ceil = read_dat(os.path.join(out, "roofline_gpu_ceilings.dat"))[0][0]
    assert [num(c) for c in ceil][:2] == [50000, 200000] and ceil[2:4] == ["-", "-"] and num(ceil[4]) == 3000, ceil
    gpts = read_dat(os.path.join(out, "roofline_gpu.dat"))[0]
    assert sorted((p[0], p[1]) for p in gpts) == [("dense_fwd", "cuda_tf32"), ("dense_fwd", "cuda_vec"),
                                                   ("mlp_train_step", "cuda_vec")], gpts
    for p in gpts:
        b = next(b for b in benchmarks if (b["op"], b["variant"], b["dims"]) == (p[0], p[1], p[2]))
        assert num(p[7]) == b["roofline_pct"] and num(p[6]) == b["roofline_gflops"], p
        assert int(p[3]) == (6 if "tf32" in p[1] else 5), p
    # 4) memory.dat: the training step (its ops match "train"), io + workspace, GPU peak for cuda
    for blk in read_dat(os.path.join(out, "memory.dat")):
        title = blk[0][0].strip('"')
        assert title.startswith("mlp_train_step/"), title
        variant = title.split("/")[1].split(" ")[0]
        cat = "gradient accumulation" if "accum" in variant else "loop" if "loop" in variant else "vectorized"
        assert title.endswith(f"({cat})"), title
        batches = [num(r[0]) for r in blk[1:]]
        assert batches == sorted(batches) and batches, title
        for r in blk[1:]:
            b = next(b for b in benchmarks if (b["op"], b["variant"]) == ("mlp_train_step", variant)
                     and b["dims"] == r[9])
            assert num(r[0]) == float(r[9].split(",")[0].split("=")[1])
            want = b["gpu_peak_bytes"] if "gpu_peak_bytes" in b else b["io_bytes"] + b["workspace_bytes"]
            assert num(r[1]) == want, (title, r)
            assert num(r[2]) == b["io_bytes"] and num(r[3]) == b["workspace_bytes"], r
            assert num(r[4]) == b["heap_growth_bytes"] and num(r[5]) == b["peak_rss_bytes"], r

    # 5) breakdown.dat: the techniques in order, the JSON's speedups
    rows = read_dat(os.path.join(out, "breakdown.dat"))[0]
    assert [r[1] for r in rows] == ["loop", "loop_autovec", "vec_1t", "vec", "cuda_vec"], rows
    prev = None
    for r in rows:
        dims = largest["mlp_train_step"]
        s = 1.0 if r[1] == "loop" else next(b["speedup_vs_loop"] for b in benchmarks if (
            b["op"], b["variant"], b["dims"]) == ("mlp_train_step", r[1], dims) and "speedup_vs_loop" in b)
        assert num(r[2]) == rep_time("mlp_train_step", r[1], dims) and num(r[3]) == s, r
        if prev is not None:
            assert math.isclose(num(r[4]), s / prev, rel_tol=1e-12), r
        prev = s

    # images: all five kinds, PNG and SVG, not empty
    names = ["speedup", "time_dense", "time_activation", "time_mlp", "roofline", "roofline_gpu", "memory", "breakdown"]
    for n in names:
        png = open(os.path.join(out, n + ".png"), "rb").read()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000, (n, len(png))
        svg = open(os.path.join(out, n + ".svg")).read()
        assert "<svg" in svg and "</svg>" in svg and len(svg) > 5000, n

    # the report embeds them and carries the tables
    md = os.path.join(d, "report.md")
    r = run("report", res, "--plots", out, "--out", md)
    assert md in r.stdout
    text = open(md).read()
    for n in names:
        assert f"](plots/{n}.png)" in text, n
    assert "| 50.0% |" in text and "| 80.0% |" in text, "roofline percentages in the tables"
    assert "Synthetic CPU \\| with a bar" in text, "table cells escape |"
    assert "100.0 GFLOP/s | compute roof" in text

    # an old run without calibration figures: no roofline plot, the rest drawn
    old = os.path.join(d, "old.json")
    ctx = {k: v for k, v in context.items() if not k.startswith("roofline_")}
    ctx["partial"] = True  # an interrupted run keeps what finished
    json.dump({"context": ctx, "benchmarks": benchmarks}, open(old, "w"))
    r = run("plot", old, "--out", os.path.join(d, "old"))
    assert "roofline: skipped" in r.stdout, r.stdout
    assert not os.path.exists(os.path.join(d, "old", "roofline.png"))
    assert os.path.getsize(os.path.join(d, "old", "speedup.png")) > 0
    run("report", old, "--out", md)
    text = open(md).read()
    assert "**Partial run**" in text and "no calibration figures" in text

    # bad input: one line, exit 2
    notjson = os.path.join(d, "bad.json")
    open(notjson, "w").write("{not json")
    nobench = os.path.join(d, "nobench.json")
    json.dump({"context": {}}, open(nobench, "w"))
    for args in (["plot", os.path.join(d, "missing.json"), "--out", d], ["plot", notjson, "--out", d],
                 ["plot", nobench, "--out", d], ["plot", res], ["plot", "--out", d],
                 ["plot", res, "--out", res],
                 ["report", res], ["report", notjson, "--out", md]):
        r = run(*args, ok=False)
        assert r.returncode == 2, (args, r.returncode, r.stderr)
        assert r.stderr.count("\n") == 1 and r.stderr.startswith("vecbench: "), (args, r.stderr)
print("ok")
