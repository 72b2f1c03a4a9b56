"""The deterministic gate: `vecbench run --count-instructions` counts the same
instructions twice (A/A identical, compare exits 0), and an injected
slowdown of one kernel (VB_INJECT_SLOWDOWN, +10% and +25% work) is flagged
SLOWER by `vecbench compare` while nothing else is. Skipped (77) without
valgrind."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

vb = sys.argv[1]
if not shutil.which("valgrind"):
    print("SKIP: valgrind is not installed (apt-get install valgrind)")
    sys.exit(77)

OPS = "^dense"  # every dense op: several kernels that must stay SAME
DIMS = "m=8,d=16,h=8"
TARGET = "dense_fwd/vec"
tmp = tempfile.mkdtemp(prefix="vb-count-")
failures = []


def check(what, cond, detail=""):
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        failures.append(what)
        print(detail)


def count(name, inject=None):
    env = dict(os.environ)
    env.pop("VB_INJECT_SLOWDOWN", None)
    if inject:
        env["VB_INJECT_SLOWDOWN"] = inject
    out = os.path.join(tmp, name)
    r = subprocess.run([vb, "run", "--count-instructions", "--op", OPS, "--dims", DIMS, "--out", out],
                       capture_output=True, text=True, env=env)
    print(r.stdout[-1500:], r.stderr)
    if r.returncode == 2 and "AddressSanitizer" in r.stderr:
        print("SKIP: a sanitizer build cannot run under valgrind")
        sys.exit(77)
    if r.returncode != 0:
        check(f"count run {name}", False, r.returncode)
        sys.exit(1)
    return out, json.load(open(out))


def counts(doc):
    return {b["name"]: b.get("instructions") for b in doc["benchmarks"]}


def compare(a, b):
    r = subprocess.run([vb, "compare", a, b], capture_output=True, text=True)
    print(r.stdout, r.stderr)
    rows = {}
    for line in r.stdout.splitlines():
        words = line.split()
        if words and words[-1] in ("SLOWER", "FASTER", "SAME", "NOISY"):
            rows[words[0]] = (words[-1], float(words[3].rstrip("%")))
    return r.returncode, rows


a, da = count("a.json")
b, db = count("b.json")
ca, cb = counts(da), counts(db)
check("at least 6 kernels counted", len(ca) >= 6 and all(v and v > 0 for v in ca.values()), ca)
check("A/A: identical instruction counts", ca == cb, (ca, cb))
ctx = da["context"]
check("context names the counter, the build and the machine", "callgrind" in ctx.get("instruction_counter", "") and
      ctx.get("machine_id") and ctx.get("count_calls") == 20 and "vecbench-count" in ctx.get("count_build", ""), ctx)
rc, rows = compare(a, b)
check("A/A: compare exits 0, everything SAME", rc == 0 and rows and all(r[0] == "SAME" for r in rows.values()), rows)

for pct in (10, 25):
    c, dc = count(f"inject{pct}.json", f"{TARGET}:{pct}")
    check(f"+{pct}%: the injection is recorded in the context", dc["context"].get("inject_slowdown") == f"{TARGET}:{pct}")
    rc, rows = compare(a, c)
    target = [n for n in rows if n.startswith(TARGET + "/")]
    others = {n: r for n, r in rows.items() if n not in target}
    check(f"+{pct}%: exit 1", rc == 1, rc)
    check(f"+{pct}%: {TARGET} SLOWER by about {pct}%", len(target) == 1 and rows[target[0]][0] == "SLOWER" and
          pct - 0.5 <= rows[target[0]][1] <= pct + 1.5, rows)
    check(f"+{pct}%: nothing else flagged", others and all(r[0] == "SAME" for r in others.values()), others)
    cc = counts(dc)
    check(f"+{pct}%: other kernels' counts unchanged", all(cc[n] == ca[n] for n in ca if not n.startswith(TARGET + "/")))

# A kernel that dies under valgrind is reported, the others are still counted.
env = dict(os.environ, VB_COUNT_TEST_CRASH=next(n for n in ca if n.startswith("dense_fwd/loop/")))
out = os.path.join(tmp, "crash.json")
r = subprocess.run([vb, "run", "--count-instructions", "--op", OPS, "--dims", DIMS, "--out", out],
                   capture_output=True, text=True, env=env)
print(r.stdout[-800:], r.stderr)
doc = json.load(open(out)) if os.path.exists(out) else {"benchmarks": []}
dead = [b for b in doc["benchmarks"] if b.get("error_occurred")]
check("a crashing kernel: run exits 0, its entry is an error, the others are counted",
      r.returncode == 0 and len(dead) == 1 and dead[0]["name"] == env["VB_COUNT_TEST_CRASH"] and
      "crashed" in dead[0]["error_message"] and
      {b["name"]: b.get("instructions") for b in doc["benchmarks"] if not b.get("error_occurred")} ==
      {n: v for n, v in ca.items() if n != env["VB_COUNT_TEST_CRASH"]}, doc["benchmarks"])
rc, rows = compare(a, out)
check("compare skips the failed kernel and says so", rc == 0 and env["VB_COUNT_TEST_CRASH"] not in rows, rows)

# Bad injection settings: one line, exit 2, before any work.
for value, want in (("dense_fwd/vec", "expected op/variant:PCT"), ("dense_fwd/vec:0", "expected op/variant:PCT"),
                    ("dense_fwd/vec:abc", "expected op/variant:PCT"), ("nosuch/vec:10", "not among the selected"),
                    ("dense_fwd/nosuch:10", "not among the selected")):
    r = subprocess.run([vb, "run", "--count-instructions", "--op", OPS, "--dims", DIMS],
                       capture_output=True, text=True, env=dict(os.environ, VB_INJECT_SLOWDOWN=value))
    check(f"VB_INJECT_SLOWDOWN={value}: exit 2, one line", r.returncode == 2 and want in r.stderr and
          len(r.stderr.strip().splitlines()) == 1, (r.returncode, r.stderr))
r = subprocess.run([vb, "run", "--count-instructions", "--op", OPS, "--dims", DIMS, "--repetitions", "3"],
                   capture_output=True, text=True)
check("--count-instructions with --repetitions: exit 2", r.returncode == 2, r.stderr)

shutil.rmtree(tmp)
if failures:
    print(f"{len(failures)} failure(s)")
    sys.exit(1)
print("all ok")
