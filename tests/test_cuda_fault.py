"""The CUDA bridge's failure handling, without needing a device (exit 77: skipped, not built with CUDA).

  test_cuda_fault.py VECBENCH CUDA_BUILT

VB_CUDA_INJECT_FAULT=op/variant makes that variant's first call fail as a device fault would (sticky
cudaErrorIllegalAddress), before it touches the device; the variant counts as runnable even without
one. Checked here:
  - after a sticky fault, every later CUDA variant is skipped with "CUDA context lost after op/variant"
    (and the run's context says so), while CPU variants still run;
  - after a transient fault (op/variant:transient, out of memory) the context is kept;
  - the GPU calibration is not run for a CPU-only selection (context cuda_calibration says why), and is
    attempted once a CUDA variant was called;
  - with libcublas missing (VB_CUBLAS_LIBRARY naming no file), variants that need cuBLAS are listed
    unavailable with the loader's reason, and skipped; variants that do not need it are not;
  - a malformed VB_CUDA_INJECT_FAULT is a one-line usage error.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

SKIP = 77
vb, built = sys.argv[1], sys.argv[2] in ("1", "ON", "TRUE", "YES")
if not built:
    print("skipped: vecbench is built without CUDA")
    sys.exit(SKIP)

OPS = "^(relu_fwd|dense_fwd|softmax_fwd)$"  # families activation < dense < softmax: the fault is in the middle
DIMS = "m=17,d=33,h=5,n=7"
CUDA = ("cuda_loop", "cuda_vec", "cuda_tf32")
LOST = "CUDA context lost after dense_fwd/cuda_vec: cudaErrorIllegalAddress"


def run(*args, **env):
    r = subprocess.run([vb, *args], capture_output=True, text=True, env=dict(os.environ, **env))
    return r.returncode, r.stdout, r.stderr


def check_rows(out):
    """(op, variant, status, note) of each row of the check table."""
    rows = []
    for ln in out.splitlines():
        m = re.match(r"(\w+)\s+\S+\s+(\w+)\s+(ok|FAIL|skip)\s+\S+\s*(.*)$", ln)
        if m:
            rows.append(m.groups())
    return rows


def device_reason():
    rc, out, err = run("list", "--json")
    assert rc == 0, err
    v = [v for op in json.loads(out) for v in op["variants"] if v["name"] == "cuda_loop"][0]
    return v.get("unavailable")  # None with a usable device


no_device = device_reason()

# 1. A sticky fault: the faulting variant fails with the injected error; every CUDA variant after it is
# skipped with the cause; the ones before it ran (or were skipped for the device's own reason).
rc, out, err = run("check", "--op", OPS, "--dims", DIMS, "--variant", "vec," + ",".join(CUDA),
                   VB_CUDA_INJECT_FAULT="dense_fwd/cuda_vec")
assert rc == 1, (rc, out, err)
rows = check_rows(out)
fault = [i for i, r in enumerate(rows) if r[:2] == ("dense_fwd", "cuda_vec")]
assert len(fault) == 1, rows
i = fault[0]
assert rows[i][2] == "FAIL" and "VB_CUDA_INJECT_FAULT: cudaErrorIllegalAddress" in rows[i][3], rows[i]
before = [r for r in rows[:i] if r[1].startswith("cuda")]
after = [r for r in rows[i + 1:] if r[1].startswith("cuda")]
assert len(before) == 3 and len(after) == 3, (before, after)  # relu: loop, vec; dense: loop | dense: tf32; softmax
for r in before:
    assert (r[2] == "ok") if no_device is None else (r[2] == "skip" and r[3] == no_device), r
for r in after:
    assert r[2] == "skip" and LOST in r[3], r
assert all(r[2] == "ok" for r in rows if r[1] == "vec"), rows
assert re.search(r"check: \d+ passed, 1 failed", out), out  # rows of every input set pass; the fault alone fails

# 2. A transient fault (out of memory): the context is kept, later CUDA variants run as before.
rc, out, err = run("check", "--op", OPS, "--dims", DIMS, "--variant", "vec," + ",".join(CUDA),
                   VB_CUDA_INJECT_FAULT="dense_fwd/cuda_vec:transient")
assert rc == 1, (rc, out, err)
rows = check_rows(out)
assert ("dense_fwd", "cuda_vec", "FAIL") in [r[:3] for r in rows], rows
assert "context lost" not in out, out
for r in rows:
    if r[1].startswith("cuda") and r[:2] != ("dense_fwd", "cuda_vec"):
        assert (r[2] == "ok") if no_device is None else (r[2] == "skip" and r[3] == no_device), r

with tempfile.TemporaryDirectory() as d:
    res = os.path.join(d, "r.json")
    timing = ("--quiet", "--out", res, "--", "--benchmark_min_time=0.01")

    # 3. run: the lost context reaches the results' context; the CPU variants are still timed.
    rc, out, err = run("run", "--op", "^(dense_fwd|softmax_fwd)$", "--variant", "vec,cuda_vec", "--dims",
                       "m=9,d=5,h=3,n=7", *timing, VB_CUDA_INJECT_FAULT="dense_fwd/cuda_vec")
    assert rc == 1, (rc, out, err)
    doc = json.load(open(res))
    assert {b["variant"] for b in doc["benchmarks"]} == {"vec"}, [b["name"] for b in doc["benchmarks"]]
    ctx = doc["context"]
    assert LOST in ctx["cuda"], ctx["cuda"]
    assert ctx["cuda_calibration"].startswith("not run: " + LOST), ctx["cuda_calibration"]
    assert not any(k.startswith("gpu_") for k in ctx), "no device work after the context is lost"
    os.unlink(res)

    # 4. A CPU-only selection does not calibrate the GPU, with or without a device.
    rc, out, err = run("run", "--op", "^dense_fwd$", "--variant", "loop,vec", "--dims", "m=9,d=5,h=3", *timing)
    assert rc == 0, (rc, out, err)
    ctx = json.load(open(res))["context"]
    assert ctx["cuda_calibration"] == "not run: no CUDA variant was selected", ctx["cuda_calibration"]
    assert not any(k.startswith("gpu_") for k in ctx), sorted(k for k in ctx if k.startswith("gpu_"))
    os.unlink(res)

    # ... and a selection that calls a CUDA variant gets past that decision (here a simulated device's
    # variant; without a device the calibration then stops at the device's absence).
    rc, out, err = run("run", "--op", "^dense_fwd$", "--variant", "vec,cuda_vec", "--dims", "m=9,d=5,h=3",
                       *timing, VB_CUDA_INJECT_FAULT="dense_fwd/cuda_vec:transient")
    assert rc == 1, (rc, out, err)
    cal = json.load(open(res))["context"]["cuda_calibration"]
    if no_device is None:
        assert cal.startswith("measured"), cal
    else:
        assert cal == "not run: " + no_device, cal

# 5. libcublas missing: cuBLAS variants unavailable with the loader's reason, the others not.
missing = "/nonexistent/libcublas.so.13"
for target, needs_cublas in (("dense_fwd/cuda_vec", True), ("relu_fwd/cuda_vec", False)):
    rc, out, err = run("list", "--json", VB_CUDA_INJECT_FAULT=target, VB_CUBLAS_LIBRARY=missing)
    assert rc == 0, err
    op, name = target.split("/")
    v = [v for o in json.loads(out) if o["name"] == op for v in o["variants"] if v["name"] == name][0]
    if needs_cublas:
        assert not v["available"] and v["unavailable"].startswith("cannot load cuBLAS: " + missing), v
    else:
        assert v["available"], v
rc, out, err = run("check", "--op", "^dense_fwd$", "--dims", "m=17,d=33,h=5", "--variant", "cuda_vec",
                   VB_CUDA_INJECT_FAULT="dense_fwd/cuda_vec", VB_CUBLAS_LIBRARY=missing)
assert rc == 0, (rc, out, err)
rows = check_rows(out)
assert len(rows) == 1 and rows[0][2] == "skip" and "cannot load cuBLAS" in rows[0][3], rows
# The cuBLAS this build was linked against loads (no device needed for that).
rc, out, err = run("list", "--json", VB_CUDA_INJECT_FAULT="dense_fwd/cuda_vec")
assert rc == 0, err
v = [v for o in json.loads(out) if o["name"] == "dense_fwd" for v in o["variants"] if v["name"] == "cuda_vec"][0]
assert v["available"], v

# 6. A malformed injection is a usage error, one line.
for spec in ("nope", "dense_fwd/vec", "dense_fwd/cuda_vec:later"):
    rc, out, err = run("check", "--op", "^dense_fwd$", "--dims", "m=3,d=3,h=3", VB_CUDA_INJECT_FAULT=spec)
    assert rc == 2 and err.startswith("vecbench: bad VB_CUDA_INJECT_FAULT") and err.count("\n") == 1, (spec, rc, err)

print("ok: lost context skips the rest with its cause; transient faults do not; lazy GPU calibration; "
      "missing cuBLAS listed per variant")
