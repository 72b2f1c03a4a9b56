"""The roofline calibration's cache is keyed by the whole stack
(`vecbench calibration-key`): a run on the BLAS core it was measured with
reuses it; a run on another core measures again and says why."""
import json
import os
import subprocess
import sys
import tempfile

from vb_cache import write_cache

vb = sys.argv[1]
RUN = ["run", "--op", "^relu_fwd$", "--variant", "loop", "--dims", "m=8,n=8", "--quiet", "--blas-core", "asis"]
GB = ["--", "--benchmark_min_time=0.01"]


def check(what, cond, detail=""):
    if not cond:
        print("FAIL:", what, "\n", detail)
        sys.exit(1)
    print("ok:", what)


with tempfile.TemporaryDirectory() as d:
    base = {k: v for k, v in os.environ.items() if not k.startswith("VB_")}
    env = lambda core: dict(base, XDG_CACHE_HOME=d, OPENBLAS_CORETYPE=core)
    key = json.loads(subprocess.run([vb, "calibration-key"], capture_output=True, text=True, env=env("Nehalem"),
                                    check=True).stdout)
    check("the key names the BLAS core, CPU, threads and environment",
          key["blas_core"] == "Nehalem" and {"cpu_model", "cpu_features", "blas_config", "threads", "env"} <= set(key),
          key)
    write_cache(vb, d, [env("Nehalem")])

    def run(core):
        out = os.path.join(d, core + ".json")
        r = subprocess.run([vb, *RUN, "--out", out, *GB], capture_output=True, text=True, env=env(core))
        check(f"run on {core} exits 0", r.returncode == 0, r.stdout + r.stderr)
        return r, json.load(open(out))["context"]

    r, ctx = run("Nehalem")
    check("same core: the cache is reused",
          ctx["roofline_sgemm_gflops"] == 50.0 and ctx["roofline_calibration"].startswith("cached"), ctx)
    r, ctx = run("Prescott")
    check("another core: measured again", ctx["roofline_calibration"].startswith("measured")
          and ctx["roofline_sgemm_gflops"] != 50.0 and ctx["blas_core_used"] == "Prescott", ctx)
    check("and says why in one line",
          'was measured for another stack (blas_core: "Nehalem" -> "Prescott")' in r.stdout, r.stdout)
print("test_calibration_key: all passed")
