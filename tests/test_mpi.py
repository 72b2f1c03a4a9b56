"""The data-parallel step under mpirun with 2 ranks: checked, timed, merged
into one results JSON on rank 0; and the ways a job goes wrong end with one
line from rank 0 and a non-zero exit, without hanging: a rank killed in the
middle of a step, ranks given different command lines, a batch smaller than
the world. dp_cuda_vec (NCCL, one GPU per rank) runs only where each rank has
a device: elsewhere it is listed unavailable with the reason, and the CPU
variants still run beside it. Skipped (77) when vecbench was built without MPI.
usage: test_mpi.py VECBENCH MPI_BUILT(ON|OFF)"""
import json
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

vb, built = sys.argv[1], sys.argv[2]
if built != "ON" or not shutil.which("mpirun"):
    print("skipped: vecbench built without MPI, or no mpirun")
    sys.exit(77)

# One thread per rank: two ranks on two cores. The roofline calibration comes
# from a cache of fixed figures (tests/test_roofline_run.py tests it), so the
# ranks wait for no measurement.
cache_home = tempfile.mkdtemp()
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown")
host = "".join(c if c.isalnum() or c in "-." else "_" for c in socket.gethostname())
os.makedirs(os.path.join(cache_home, "vecbench"))
json.dump({"version": 1, "cpu_model": cpu, "threads": 1, "date": "2026-01-01T00:00:00", "sgemm_gflops": 100.0,
           "sgemm_n": 2048, "fma_gflops": 200.0, "fma_isa": "avx2", "triad_gbs": 10.0, "copy_gbs": 10.0,
           "seconds": 1.0}, open(os.path.join(cache_home, "vecbench", host + ".json"), "w"))
env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", XDG_CACHE_HOME=cache_home)
MPIRUN = ["mpirun", "--oversubscribe", "--allow-run-as-root", "-x", "OMP_NUM_THREADS", "-x", "OPENBLAS_NUM_THREADS",
          "-x", "XDG_CACHE_HOME"]
if "ASAN_OPTIONS" in env:
    # A sanitizer build: Open MPI keeps allocations until exit in components it
    # has unloaded (stacks LeakSanitizer cannot name, so not suppressible), so
    # leak detection is off for the ranks; memory errors and UBSan stay on.
    # dp kernels allocate only from the arena, checked by the other tests.
    env["ASAN_OPTIONS"] += ":detect_leaks=0"
    MPIRUN += ["-x", "ASAN_OPTIONS"] + (["-x", "UBSAN_OPTIONS"] if "UBSAN_OPTIONS" in env else [])
DIMS = "m=37,d=29,h1=17,h2=11,k=5,n=23,h=7"


def mpirun(np, args, extra_env=None, timeout=120):
    e = dict(env, **(extra_env or {}))
    cmd = MPIRUN + [a for k in (extra_env or {}) for a in ("-x", k)] + ["-np", str(np), vb] + args
    t0 = time.time()
    r = subprocess.run(cmd, capture_output=True, text=True, env=e, timeout=timeout)
    print("$", " ".join(cmd), f"-> {r.returncode} in {time.time() - t0:.1f} s")
    print(r.stdout[-3000:], r.stderr[-3000:])
    return r, time.time() - t0


def vecbench_lines(stderr):
    return [l for l in stderr.splitlines() if l.startswith("vecbench:") and "warning" not in l]


# dp_cuda_vec (NCCL): built with CUDA and MPI; it runs only where every rank
# has a GPU of its own, so here, without one, it is unavailable with the reason.
listing = json.loads(subprocess.run([vb, "list", "--json"], capture_output=True, text=True, env=env).stdout)
variants_of = {op["name"]: {v["name"]: v for v in op["variants"]} for op in listing}
nccl = variants_of["dp_mlp_train_step"]["dp_cuda_vec"]
gpu = variants_of["mlp_train_step"]["cuda_vec"]["available"]
nccl_built = not nccl.get("unavailable", "").startswith("not built")
if not nccl_built:
    assert "CUDA" in nccl["unavailable"] or "MPI" in nccl["unavailable"] or "NCCL" in nccl["unavailable"], nccl

# Not launched by mpirun: listed unavailable with the reason.
r = subprocess.run([vb, "check", "--op", "^dp_", "--dims", DIMS], capture_output=True, text=True, env=env)
assert r.returncode == 0 and r.stdout.count("not launched by mpirun") == (8 if nccl_built else 6), r.stdout


def cuda_lines(stdout):
    return [l for l in stdout.splitlines() if " dp_cuda_vec " in l]

# Three ranks: shards of 13, 12 and 12 examples; and more ranks than examples
# in `check` (a rank with an empty shard adds nothing; `run` refuses it).
for dims in (DIMS, "m=2,d=5,h1=4,h2=3,k=2,n=5,h=3"):
    r, _ = mpirun(3, ["check", "--op", "^dp_", "--dims", dims])
    assert r.returncode == 0 and "check: 6 passed, 0 failed" in r.stdout, r.returncode

# Two ranks without a GPU each: dp_cuda_vec skipped with the reason, the others pass.
if not gpu:
    r, _ = mpirun(2, ["check", "--op", "^dp_", "--dims", DIMS])
    lines = cuda_lines(r.stdout)
    assert r.returncode == 0 and "check: 6 passed, 0 failed" in r.stdout, r.returncode
    assert len(lines) == 2 and all(" skip " in l for l in lines), lines
    want = "no CUDA device" if nccl_built else nccl["unavailable"]
    assert all(want in l for l in lines), (want, lines)
    if nccl_built:
        # NCCL's own reasons, on a device simulated by the bridge's fault injection
        # (the variant is then runnable as far as the device goes): the library
        # that cannot be loaded, and more ranks on the host than devices.
        inject = {"VB_CUDA_INJECT_FAULT": "dp_mlp_train_step/dp_cuda_vec"}
        r, _ = mpirun(2, ["check", "--op", "^dp_mlp", "--dims", "m=5,d=4,h1=3,h2=3,k=2"],
                      dict(inject, VB_NCCL_LIBRARY="/nonexistent/libnccl.so.2"))
        lines = cuda_lines(r.stdout)
        assert r.returncode == 0 and len(lines) == 1 and "cannot load NCCL" in lines[0], lines
        assert "/nonexistent/libnccl.so.2" in lines[0] and "nvidia-nccl-cu13" in lines[0], lines
        r, _ = mpirun(2, ["check", "--op", "^dp_mlp", "--dims", "m=5,d=4,h1=3,h2=3,k=2"], inject)
        lines = cuda_lines(r.stdout)
        assert r.returncode == 0 and len(lines) == 1, lines
        # where this machine has no libnccl at all, the loader's reason instead
        assert "2 ranks on this host but 0 CUDA devices" in lines[0] or "cannot load NCCL" in lines[0], lines

with tempfile.TemporaryDirectory() as d:
    out = os.path.join(d, "r.json")
    r, _ = mpirun(2, ["run", "--op", "^dp_", "--dims", DIMS, "--quick", "--quiet", "--out", out])
    assert r.returncode == 0, r.returncode
    assert r.stdout.count("vecbench summary") == 1, "rank 0 alone prints"
    assert sorted(os.listdir(d)) == ["r.json"], os.listdir(d)
    doc = json.load(open(out))
    ctx = doc["context"]
    assert ctx["world_size"] == "2" and "Open MPI" in ctx["mpi_library"], ctx
    assert ctx["mpi_hosts"].endswith(" x2"), ctx["mpi_hosts"]  # both ranks on this host
    # parameters of the 29-17-11-5 MLP and of the 23-7-5 network
    params = {"dp_mlp_train_step": 17 * 29 + 17 + 11 * 17 + 11 + 5 * 11 + 5, "dp_nn2_bwd": 7 * 23 + 5 * 7}
    variants = set()
    for b in doc["benchmarks"]:
        variants.add((b["op"], b["variant"]))
        assert b["family"] == "dp", b["name"]
        p = params[b["op"]]
        assert 0 <= b["check_err_bound"] <= 1, b
        assert b["world_size"] == 2 and b["iterations"] >= 1, b
        assert b["step_compute_us"] > 0 and b["step_comm_us"] > 0, b
        # slowest rank's step: never shorter than its computing part
        assert b["real_time"] * {"us": 1, "ms": 1e3, "ns": 1e-3}[b["time_unit"]] >= 0.99 * b["step_compute_us"], b
        assert b["comm_bytes_per_step"] == 2 * (2 - 1) * 4 * p, (b["comm_bytes_per_step"], p)
        # the roof of two ranks is each one's (the context's calibration, 1 thread) twice over
        key = {"L1": "roofline_l1_gbs", "L2": "roofline_l2_gbs", "L3": "roofline_l3_gbs"}.get(
            b["roofline_level"], "roofline_triad_gbs")
        one_bw = float(ctx[key])
        assert math.isclose(b["roofline_bandwidth_gbs"], 2 * one_bw, rel_tol=1e-9), (b, one_bw)
        one_roof = min(float(ctx["roofline_sgemm_gflops"]), b["arithmetic_intensity"] * one_bw)
        assert math.isclose(b["roofline_gflops"], 2 * one_roof, rel_tol=1e-9), (b["roofline_gflops"], one_roof)
        assert math.isclose(b["roofline_pct"], 100 * b["achieved_gflops"] / b["roofline_gflops"], rel_tol=1e-6), b
    # loop and vec are one process: not run with 2 ranks; dp_cuda_vec only with a GPU per rank
    cpu_dp = {(o, v) for o in params for v in ("dp_loop", "dp_vec", "dp_overlap")}
    assert variants - {(o, "dp_cuda_vec") for o in params} == cpu_dp and (gpu or variants == cpu_dp), variants

    # The scaling table from JSON alone: the same results filed as a 1-rank run
    # twice as slow per step give a strong-scaling efficiency of 2 / 2 = 1.
    one = dict(doc, context=dict(ctx, world_size="1"))
    one["benchmarks"] = [dict(b, real_time=2 * b["real_time"]) for b in doc["benchmarks"]]
    json.dump(one, open(os.path.join(d, "np1.json"), "w"))
    plots = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "plots")
    r = subprocess.run(["/usr/bin/python3", os.path.join(plots, "dp_scaling.py"), "--out", os.path.join(d, "plot"),
                        os.path.join(d, "np1.json"), out], capture_output=True, text=True)
    print(r.stdout, r.stderr)
    rows = [l.split() for l in r.stdout.splitlines() if " strong " in l and l.split()[4] == "2"]
    assert r.returncode == 0 and len(rows) == 6 and all(row[-1] == "1.00" for row in rows), rows
    os.remove(os.path.join(d, "np1.json"))
    shutil.rmtree(os.path.join(d, "plot"))

    # A rank dies in the middle of a step: a clear line from rank 0, non-zero, no hang, nothing written.
    out2 = os.path.join(d, "killed.json")
    r, took = mpirun(2, ["run", "--op", "^dp_", "--dims", DIMS, "--quick", "--quiet", "--out", out2],
                     {"VB_DP_KILL_RANK": "1", "VB_MPI_TIMEOUT": "20"}, timeout=90)
    assert r.returncode != 0 and took < 60, (r.returncode, took)
    lines = vecbench_lines(r.stderr)
    assert len(lines) == 1 and ("aborted" in lines[0] or "stopped responding" in lines[0]), lines
    assert not os.path.exists(out2)

    # Ranks given different command lines (MPMD launch, different seeds).
    cmd = MPIRUN + ["-np", "1", vb, "check", "--op", "^dp_", "--dims", DIMS, "--seed", "1", ":", "-np", "1", vb,
                    "check", "--op", "^dp_", "--dims", DIMS, "--seed", "2"]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=90)
    print(r.stdout[-2000:], r.stderr[-2000:])
    lines = vecbench_lines(r.stderr)
    assert r.returncode == 2 and len(lines) == 1 and "different command lines" in lines[0], (r.returncode, lines)

    # A batch smaller than the world.
    r, _ = mpirun(2, ["run", "--op", "^dp_", "--dims", "m=1,d=5,h1=4,h2=3,k=2", "--quick", "--out", out2])
    lines = vecbench_lines(r.stderr)
    assert r.returncode == 2 and len(lines) == 1 and "smaller than the 2 MPI ranks" in lines[0], (r.returncode, lines)
    assert not os.path.exists(out2)
shutil.rmtree(cache_home)
print("ok")
