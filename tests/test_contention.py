"""A run beside busy processes (one spinning loop per CPU) is marked
contended in its context, per benchmark and in the summary, and `vecbench
compare` refuses to decide on it unless --allow-contended."""
import json
import os
import subprocess
import sys
import tempfile
import time

from vb_cache import write_cache

vb = sys.argv[1]


def check(what, cond, detail=""):
    if not cond:
        print("FAIL:", what, "\n", detail)
        sys.exit(1)
    print("ok:", what)


with tempfile.TemporaryDirectory() as d:
    env = dict(os.environ, XDG_CACHE_HOME=d)
    write_cache(vb, d, [env])  # the run measures nothing beside the spinning loops
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 1)]
    try:
        time.sleep(0.3)
        out = os.path.join(d, "busy.json")
        r = subprocess.run([vb, "run", "--op", "^relu_fwd$", "--variant", "loop,vec", "--dims", "m=64,n=64", "--quiet",
                            "--blas-core", "asis", "--out", out, "--", "--benchmark_min_time=0.2"],
                           capture_output=True, text=True, env=env)
    finally:
        for p in spinners:
            p.kill()
            p.wait()
    check("the run exits 0", r.returncode == 0, r.stdout + r.stderr)
    doc = json.load(open(out))
    ctx = doc["context"]
    check("context marks the run contended", ctx["contended"] is True and ctx["contention_other_cpus"] > 0, ctx)
    check("the doctor's finding is in the context",
          any(f["id"] == "contended" and f["severity"] == "error" for f in ctx["doctor"]), ctx["doctor"])
    marked = [b for b in doc["benchmarks"] if b.get("contended")]
    check("benchmarks are marked contended", marked, [b.get("contention_other_cpus") for b in doc["benchmarks"]])
    check("the summary says so", "C contended:" in r.stdout, r.stdout)

    c = subprocess.run([vb, "compare", out, out], capture_output=True, text=True)
    check("compare refuses a contended run: exit 2, one line",
          c.returncode == 2 and len(c.stderr.splitlines()) == 1 and "--allow-contended" in c.stderr and not c.stdout,
          (c.returncode, c.stdout, c.stderr))
    c = subprocess.run([vb, "compare", out, out, "--allow-contended"], capture_output=True, text=True)
    check("--allow-contended compares it", c.returncode in (0, 1) and "vecbench compare" in c.stdout,
          (c.returncode, c.stdout, c.stderr))
print("test_contention: all passed")
