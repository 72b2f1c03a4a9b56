"""`vecbench run` with a cached calibration of known figures: the results'
context holds them, every CPU benchmark's roofline_pct is computed from them,
the memory counters are there, `vecbench plot` carries the run's numbers into
its data files, and the progress line shows on a terminal only. Then
--recalibrate measures afresh."""
import json
import math
import os
import pty
import select
import socket
import subprocess
import sys
import tempfile

from vb_cache import write_cache

vb = sys.argv[1]
PEAK, FMA, TRIAD, COPY = 123.0, 456.0, 7.5, 6.5
# asis: the cache below is keyed by the core this process loads (calibration-key)
RUN = ["run", "--op", "^dense_(fwd|bwd)$", "--variant", "loop,vec", "--dims", "m=33,d=17,h=9", "--blas-core", "asis"]
GB = ["--", "--benchmark_min_time=0.01"]
UNIT = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def cpu_model():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def host():
    return "".join(c if c.isalnum() or c in "-." else "_" for c in socket.gethostname())


with tempfile.TemporaryDirectory() as d:
    env = dict(os.environ, XDG_CACHE_HOME=os.path.join(d, "cache"), OMP_NUM_THREADS="1")
    cache = os.path.join(d, "cache", "vecbench", host() + ".json")
    write_cache(vb, os.path.join(d, "cache"), [env], sgemm=PEAK, fma=FMA, triad=TRIAD, copy=COPY)

    out = os.path.join(d, "r.json")
    r = subprocess.run([vb, *RUN, "--quiet", "--out", out, *GB], capture_output=True, text=True, env=env)
    print(r.stdout, r.stderr)
    assert r.returncode == 0, r.returncode
    assert "cached in " + cache in r.stdout, "the cached calibration is reused"
    assert "\r" not in r.stderr and "ETA" not in r.stderr, "no progress line when stderr is not a terminal"
    for col in ("%roof", "io", "wksp", "heap+", "RSS"):
        assert col in r.stdout, col

    doc = json.load(open(out))
    ctx = doc["context"]
    assert ctx["roofline_sgemm_gflops"] == PEAK and ctx["roofline_fma_gflops"] == FMA
    assert ctx["roofline_triad_gbs"] == TRIAD and ctx["roofline_copy_gbs"] == COPY
    assert ctx["roofline_threads"] == 1 and "cached" in ctx["roofline_calibration"]
    assert "peak_rss_scope" in ctx
    cpu = [b for b in doc["benchmarks"] if b["device"] == "cpu"]
    assert len(cpu) == 4, [b["name"] for b in doc["benchmarks"]]
    for b in cpu:
        t = b["real_time"] * UNIT[b["time_unit"]]
        f, by = b["flops_per_iteration"], b["bytes_per_iteration"]
        ai = f / by
        assert math.isclose(b["arithmetic_intensity"], ai, rel_tol=1e-12)
        assert math.isclose(b["achieved_gflops"], f / t * 1e-9, rel_tol=1e-12)
        assert math.isclose(b["achieved_gbs"], by / t * 1e-9, rel_tol=1e-12)
        assert math.isclose(b["roofline_gflops"], min(PEAK, ai * TRIAD), rel_tol=1e-12)
        want = 100 * (f / t) / (min(PEAK, ai * TRIAD) * 1e9)
        assert math.isclose(b["roofline_pct"], want, rel_tol=1e-12), (b["name"], b["roofline_pct"], want)
        # memory: tensors, workspace from the tracking arena, heap growth, resident peak
        assert b["io_bytes"] > 0 and b["workspace_bytes"] >= 0 and b["heap_growth_bytes"] >= 0
        assert b["peak_rss_bytes"] > b["io_bytes"], "the resident peak holds at least the tensors"

    # the plot data carries the run's own numbers
    pd = os.path.join(d, "plots")
    r = subprocess.run([vb, "plot", out, "--out", pd], capture_output=True, text=True)
    assert r.returncode == 0, (r.stdout, r.stderr)
    for line in open(os.path.join(pd, "roofline.dat")):
        if line.startswith("#"):
            continue
        op, variant, dims, cls, ai, gf, roof, pct = line.rstrip("\n").split("\t")
        b = next(b for b in cpu if (b["op"], b["variant"], b["dims"]) == (op, variant, dims))
        assert float(pct) == b["roofline_pct"] and float(gf) == b["achieved_gflops"], line
        assert float(ai) == b["arithmetic_intensity"] and float(roof) == b["roofline_gflops"], line

    # the progress line: on a terminal, off with --quiet
    def on_tty(*extra):
        master, slave = pty.openpty()
        p = subprocess.Popen([vb, *RUN, *extra, *GB], stdout=subprocess.DEVNULL, stderr=slave, env=env)
        os.close(slave)
        seen = b""
        while True:
            ready, _, _ = select.select([master], [], [], 30)
            if not ready:
                break
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the child closed its end
                break
            if not chunk:
                break
            seen += chunk
        assert p.wait(30) == 0
        os.close(master)
        return seen.decode(errors="replace")

    tty = on_tty()
    assert "[time 1/4]" in tty and "[time 4/4]" in tty and "ETA" in tty and "dense_fwd/vec/" in tty, tty
    assert "[check 1/2] dense_fwd" in tty or "[check 1/2] dense_bwd" in tty, tty
    assert "ETA" not in on_tty("--quiet")

    # --recalibrate measures afresh (a few seconds) and says so
    r = subprocess.run([vb, *RUN, "--quiet", "--recalibrate", "--out", out, *GB], capture_output=True, text=True,
                       env=env)
    assert r.returncode == 0, (r.stdout, r.stderr)
    ctx = json.load(open(out))["context"]
    assert ctx["roofline_calibration"].startswith("measured"), ctx["roofline_calibration"]
    for k in ("roofline_sgemm_gflops", "roofline_fma_gflops", "roofline_triad_gbs", "roofline_copy_gbs"):
        assert ctx[k] > 0 and ctx[k] not in (PEAK, FMA, TRIAD, COPY), (k, ctx[k])
    cached = json.load(open(cache))["calibrations"][0]
    if "not cached" not in ctx["roofline_calibration"]:
        assert cached["sgemm_gflops"] == ctx["roofline_sgemm_gflops"], "the new figures replace the cache"
    else:  # a busy machine failed the FMA check: the old figures stay
        assert cached["sgemm_gflops"] == PEAK
print("ok")
