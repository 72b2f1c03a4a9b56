"""`vecbench doctor` and the BLAS core choice of `run`, on a simulated
misdetection: OPENBLAS_CORETYPE=Prescott (SSE3) on a CPU with AVX2 or more.

- Set by the user, the doctor names it and exits 1; `run` respects it.
- VB_TEST_CORETYPE_AS_DETECTED=1 makes vecbench treat OPENBLAS_CORETYPE as
  OpenBLAS's own choice (the library really runs Prescott): `run` (auto) tries
  a better core in a child, re-executes on it, says so in one line and records
  both cores; --blas-core asis keeps Prescott.
Skipped (77) on a CPU without AVX2."""
import json
import os
import subprocess
import sys
import tempfile

from vb_cache import write_cache

vb = sys.argv[1]
flags = next((l.split(":", 1)[1].split() for l in open("/proc/cpuinfo") if l.startswith("flags")), [])
if "avx2" not in flags:
    print("skipped: this CPU has no AVX2, so Prescott is no fallback below it")
    sys.exit(77)
AVX2_CORES = {"haswell", "zen", "excavator", "skylakex", "cooperlake", "sapphirerapids"}
RUN = ["run", "--op", "^dense_fwd$", "--variant", "loop,vec", "--dims", "m=16,d=8,h=4", "--quiet"]
GB = ["--", "--benchmark_min_time=0.01"]


def vecbench(*args, **env_extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("VB_")}
    env.update(env_extra)
    return subprocess.run([vb, *args], capture_output=True, text=True, env=env)


def check(what, cond, detail=""):
    if not cond:
        print("FAIL:", what, "\n", detail)
        sys.exit(1)
    print("ok:", what)


with tempfile.TemporaryDirectory() as d:
    base = {k: v for k, v in os.environ.items() if not k.startswith("VB_")}
    # A calibration per core the runs can load: they measure nothing.
    write_cache(vb, d, [dict(base, OPENBLAS_CORETYPE=c) for c in
                        ("Prescott", "Haswell", "SkylakeX", "Cooperlake", "Nehalem", "Sandybridge", "SapphireRapids")])
    r = vecbench("doctor", OPENBLAS_CORETYPE="Prescott", XDG_CACHE_HOME=d)
    line = next((l for l in r.stdout.splitlines() if "blas" in l.lower() or "Prescott (SSE3)" in l), "")
    check("doctor names the Prescott core and exits 1", r.returncode == 1 and "[error] OpenBLAS runs its Prescott"
          in r.stdout and "OPENBLAS_CORETYPE" in r.stdout, r.stdout + r.stderr)
    check("every finding is one line with a severity",
          all(l.startswith("  [") for l in r.stdout.splitlines()[1:] if l.startswith("  ")), r.stdout)

    def run(name, *extra, **env):
        out = os.path.join(d, name + ".json")
        r = vecbench(*RUN, *extra, "--out", out, *GB, XDG_CACHE_HOME=d, **env)
        check(f"{name}: run exits 0", r.returncode == 0, r.stdout + r.stderr)
        return r, json.load(open(out))["context"]

    r, ctx = run("auto", OPENBLAS_CORETYPE="Prescott", VB_TEST_CORETYPE_AS_DETECTED="1")
    used = ctx["blas_core_used"]
    check("auto re-runs on a core that matches the CPU",
          ctx["blas_core_detected"] == "Prescott" and used.lower() in AVX2_CORES and ctx["openblas_core"] == used, ctx)
    said = [l for l in r.stdout.splitlines() if "re-running on " + used in l]
    check("and says so in one line", len(said) == 1 and "Prescott" in said[0], r.stdout)
    check("the reason is recorded", "trial sgemm" in ctx["blas_core_why"], ctx["blas_core_why"])

    r, ctx = run("asis", "--blas-core", "asis", OPENBLAS_CORETYPE="Prescott", VB_TEST_CORETYPE_AS_DETECTED="1")
    check("--blas-core asis keeps the detected core",
          ctx["blas_core_used"] == "Prescott" and "re-running" not in r.stdout, ctx)

    r, ctx = run("user", OPENBLAS_CORETYPE="Prescott")
    check("a user's OPENBLAS_CORETYPE is reported, never overridden",
          ctx["blas_core_used"] == "Prescott" and "re-running" not in r.stdout and any(
              f["id"] == "blas_core" and f["severity"] == "error" for f in ctx["doctor"]), ctx)

    r, ctx = run("named", "--blas-core", "Haswell", OPENBLAS_CORETYPE="Prescott")
    check("--blas-core NAME runs on that core", ctx["blas_core_used"] == "Haswell", ctx)

    r = vecbench(*RUN, "--blas-core", "NoSuchCore", XDG_CACHE_HOME=d)
    check("an unknown --blas-core is a one-line usage error",
          r.returncode == 2 and r.stderr.startswith("vecbench: bad --blas-core") and len(r.stderr.splitlines()) == 1,
          r.stderr)
print("test_doctor: all passed")
