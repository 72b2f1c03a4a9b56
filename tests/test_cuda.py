"""The GPU half of the suite, in two modes (exit 77: skipped, ctest SKIP_RETURN_CODE).

  test_cuda.py VECBENCH skip CUDA_BUILT   without a usable device: every op lists cuda_loop and
                                          cuda_vec, unavailable with a reason (in a CUDA build, the
                                          device's absence, never "not built"); `check` and `run`
                                          skip each with one line. Skipped where a device is usable.
  test_cuda.py VECBENCH gpu               with a device: every CUDA variant passes `check` at odd
                                          sizes, and `run` reports the GPU counters and context.
                                          Skipped without a device.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

SKIP = 77
CUDA_VARIANTS = ("cuda_loop", "cuda_vec", "cuda_tf32", "cuda_fp16", "cuda_bf16")

vb, mode = sys.argv[1], sys.argv[2]


def run(*args, env=None):
    r = subprocess.run([vb, *args], capture_output=True, text=True, env=env)
    return r.returncode, r.stdout, r.stderr


rc, out, err = run("list", "--json")
assert rc == 0, err
ops = json.loads(out)
cuda = {(op["name"], v["name"]): v for op in ops for v in op["variants"] if v["name"].startswith("cuda")}
device = any(v["available"] for v in cuda.values())
all_dims = sorted({d for op in ops for d in op["dims"]})


def dims(n):
    return ",".join(f"{d}={n}" for d in all_dims)


if mode == "skip":
    built = sys.argv[3] in ("1", "ON", "TRUE", "YES")
    if device:
        print("skipped: a CUDA device is usable here; the 'gpu' mode covers this machine")
        sys.exit(SKIP)
    for op in ops:
        names = [v["name"] for v in op["variants"]]
        assert "cuda_loop" in names and "cuda_vec" in names, f"{op['name']}: cuda_loop and cuda_vec listed"
    for (op, name), v in cuda.items():
        why = v.get("unavailable") or ""
        assert not v["available"] and why, f"{op}/{name}: unavailable, with a reason"
        assert v["device"] == "cuda", f"{op}/{name}: device"
        if built:
            assert not why.startswith("not built"), f"{op}/{name}: no kernel linked ({why})"
    reasons = {v["unavailable"] for v in cuda.values()}
    assert len(reasons) == 1, f"one reason for all: {reasons}"
    reason = reasons.pop()

    # check: one 'skip' line per CUDA variant and case, carrying the reason
    rc, out, err = run("check", "--dims", dims(5), "--variant", ",".join(("vec",) + CUDA_VARIANTS))
    assert rc == 0, (rc, err)
    lines = [ln for ln in out.splitlines() if re.search(r"\scuda_\w+\s", ln)]
    assert len(lines) == len(cuda), (len(lines), len(cuda))
    for ln in lines:
        assert " skip " in ln and reason in ln, ln
    m = re.search(r"check: (\d+) passed, (\d+) failed, (\d+) skipped", out)
    vec_rows = [ln for ln in out.splitlines() if re.search(r"\svec(:\w+)?\s+ok\s", ln)]  # every input set
    assert len(vec_rows) >= len(ops), (len(vec_rows), len(ops))
    assert m and int(m[1]) == len(vec_rows) and int(m[2]) == 0 and int(m[3]) == len(cuda), m and m[0]

    # run: CUDA variants skipped with one line each, the CPU variant still timed
    with tempfile.TemporaryDirectory() as d:
        res = os.path.join(d, "r.json")
        rc, out, err = run("run", "--op", "^(dense_fwd|softmax_fwd)$", "--variant", "vec,cuda_loop,cuda_vec",
                           "--dims", "m=9,n=7,d=5,h=3", "--quiet", "--out", res, "--", "--benchmark_min_time=0.01")
        assert rc == 0, (rc, out, err)
        lines = [ln for ln in out.splitlines() if re.search(r"\scuda_(loop|vec)\s", ln)]
        assert len(lines) == 4 and all(" skip " in ln and reason in ln for ln in lines), lines
        doc = json.load(open(res))
        variants = {b["variant"] for b in doc["benchmarks"]}
        assert variants == {"vec"}, variants
        ctx_cuda = doc["context"].get("cuda")
        assert ctx_cuda and ctx_cuda != "available" and (not built or ctx_cuda == reason), ctx_cuda
        assert not any(k.startswith("gpu_") for k in doc["context"]), "no device facts without a device"
    print(f"ok: {len(cuda)} CUDA variants over {len(ops)} ops, unavailable: {reason}")
    sys.exit(0)

assert mode == "gpu", mode
if not device:
    print("skipped: no usable CUDA device (" + next(iter(cuda.values()))["unavailable"] + ")")
    sys.exit(SKIP)
missing = [k for k, v in cuda.items() if not v["available"]]
assert not missing, f"CUDA variants unavailable on a machine with a device: {missing}"

# every CUDA variant against the oracle: odd sizes, no multiple of a warp or a tile
for n, seed in ((1, 1), (3, 2), (17, 3), (33, 1), (127, 2)):
    rc, out, err = run("check", "--dims", dims(n), "--seed", str(seed), "--variant", ",".join(CUDA_VARIANTS))
    print(out[-4000:], err)
    assert rc == 0, f"check of the CUDA variants at n={n}, seed {seed}"
    assert " skip " not in out, "nothing skipped with a device"

# run: kernel time from CUDA events, e2e time, GPU memory, roofline, device facts
for flush in ("0", "1"):
    with tempfile.TemporaryDirectory() as d:
        res = os.path.join(d, "r.json")
        env = dict(os.environ, VB_FLUSH_L2=flush)
        rc, out, err = run("run", "--op", "^(dense_fwd|dense_bwd|softmax_xent_grad|mse_loss)$", "--variant",
                           "loop,vec,cuda_loop,cuda_vec", "--dims", "m=64,n=33,d=40,h=24", "--quiet", "--out", res,
                           "--", "--benchmark_min_time=0.01", env=env)
        print(out[-3000:], err)
        assert rc == 0, rc
        doc = json.load(open(res))
        ctx = doc["context"]
        for key in ("gpu_name", "gpu_compute_capability", "gpu_sm_count", "gpu_memory_bytes",
                    "gpu_theoretical_bandwidth_GBps", "gpu_measured_copy_bandwidth_GBps", "gpu_cublas_sgemm_gflops"):
            assert key in ctx, key
        assert "gpu_calibration_error" not in ctx, ctx["gpu_calibration_error"]
        assert float(ctx["gpu_measured_copy_bandwidth_GBps"]) > 0 and float(ctx["gpu_cublas_sgemm_gflops"]) > 0
        gpu = [b for b in doc["benchmarks"] if b.get("device") == "cuda" and b.get("run_type") != "aggregate"]
        assert {b["variant"] for b in gpu} == {"cuda_loop", "cuda_vec"}, [b["name"] for b in gpu]
        for b in gpu:
            assert not b.get("error_occurred"), b.get("error_message")
            assert "manual_time" in b["name"], b["name"]
            assert b["real_time"] > 0 and b["e2e_time_us"] > 0, b["name"]
            assert b["gpu_peak_bytes"] >= b["io_bytes"] > 0, b["name"]
            assert b["l2_flushed"] == int(flush), b["name"]
            assert b["roofline_pct"] > 0 and b["speedup_vs_loop_e2e"] > 0, b["name"]
print("ok: CUDA variants checked and timed")
