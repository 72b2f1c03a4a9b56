"""`vecbench run` writes Google Benchmark's JSON schema with vecbench's
figures, and prints a summary with speedups."""
import json
import os
import subprocess
import sys
import tempfile

vb = sys.argv[1]
ops = json.loads(subprocess.run([vb, "list", "--json"], check=True, capture_output=True, text=True).stdout)
variants = {op["name"]: [v["name"] for v in op["variants"]] for op in ops}
with tempfile.TemporaryDirectory() as d:
    out = os.path.join(d, "r.json")
    r = subprocess.run([vb, "run", "--op", "^dense_(fwd|bwd)$", "--dims", "m=33,d=17,h=9", "--quiet",
                        "--out", out, "--", "--benchmark_min_time=0.01"], capture_output=True, text=True)
    print(r.stdout, r.stderr)
    assert r.returncode == 0, r.returncode
    assert "vecbench summary" in r.stdout and "vs loop" in r.stdout
    doc = json.load(open(out))
    ctx = doc["context"]
    for key in ("date", "num_cpus", "caches", "cpu_model", "openblas_config", "flags", "threads"):
        assert key in ctx, key
    assert "-fno-tree-vectorize" in ctx["flags"], "loop flags recorded"
    benches = doc["benchmarks"]
    names = {b["run_name"] for b in benches}
    for op in ("dense_fwd", "dense_bwd"):
        for v in ("loop", "vec"):
            # Google Benchmark appends its settings, e.g. "/real_time"
            assert any(n.startswith(f"{op}/{v}/m:33/d:17/h:9") for n in names), (op, v)
    for b in benches:
        for key in ("name", "run_name", "run_type", "iterations", "real_time", "cpu_time", "time_unit"):
            assert key in b, key
        assert b["op"] in ("dense_fwd", "dense_bwd") and b["variant"] in variants[b["op"]]
        assert b["FLOP/s"] > 0 and b["bytes/s"] > 0
        assert 0 <= b["check_err_bound"] <= 1
        assert b["speedup_vs_loop"] > 0
        if b["variant"] == "loop":
            assert b["speedup_vs_loop"] == 1.0
        # FLOP/s is the descriptor's count over the measured time
        t = b["real_time"] * {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
        assert abs(b["FLOP/s"] - b["flops_per_iteration"] / t) <= 0.02 * b["FLOP/s"], b["name"]
print("ok")
