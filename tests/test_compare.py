"""`vecbench compare` on synthetic result files: each decision (SLOWER,
FASTER, SAME, NOISY), the Benjamini-Hochberg correction, thresholds,
instruction counts, the machine-independent mode, exit codes, and a clean
one-line error with exit 2 for every kind of bad file."""
import json
import os
import subprocess
import sys
import tempfile

vb = sys.argv[1]
tmp = tempfile.mkdtemp(prefix="vb-compare-")
failures = []

# Nine fixed deviations (in units of the spread): symmetric, no two equal.
Z = [-1.2, -0.8, -0.5, -0.2, 0.0, 0.2, 0.5, 0.8, 1.2]


def samples(median_ns, spread=0.01, factor=1.0, reps=9, flip=False):
    z = Z[::-1] if flip else Z
    z = z[:reps] if reps <= 9 else (z * (reps // 9 + 1))[:reps]
    return [median_ns * factor * (1 + spread * d) for d in z]


def entry(name, t_ns, **extra):
    e = {"name": name, "run_name": name, "run_type": "iteration", "iterations": 1000, "real_time": t_ns / 1e3,
         "cpu_time": t_ns / 1e3, "time_unit": "us"}
    e.update(extra)
    return e


def write(fname, benches, cpu="Test CPU", ncpu=2, raw=None):
    """benches: name -> list of times (ns) or dict(times=[...], fields...) or dict(instructions=N)."""
    path = os.path.join(tmp, fname)
    if raw is not None:
        with open(path, "wb") as f:
            f.write(raw)
        return path
    out = []
    for name, spec in benches.items():
        if isinstance(spec, list):
            spec = {"times": spec}
        spec = dict(spec)
        times = spec.pop("times", None)
        roof = spec.pop("roof", None)
        if times is None:
            out.append(dict({"name": name, "run_name": name, "run_type": "iteration"}, **spec))
            continue
        for i, t in enumerate(times):
            e = entry(name, t, repetition_index=i, **spec)
            if roof is not None:
                e["roofline_pct"] = roof[i]
            out.append(e)
        # Google Benchmark's aggregates, with the NaN it writes for the cv of a zero counter
        out.append(dict(entry(name + "_median", sorted(times)[len(times) // 2]), run_name=name,
                        run_type="aggregate", aggregate_name="median"))
        out.append(dict(entry(name + "_cv", 0.01), run_name=name, run_type="aggregate", aggregate_name="cv",
                        workspace_bytes=float("nan")))
    doc = {"context": {"date": "2024-01-01", "num_cpus": ncpu, "cpu_model": cpu, "library_build_type": "release"},
           "benchmarks": out}
    with open(path, "w") as f:
        f.write(json.dumps(doc, indent=1).replace("NaN", "-NaN"))
    return path


def compare(a, b, *opts):
    r = subprocess.run([vb, "compare", a, b, *opts], capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


def outcomes(stdout):
    """benchmark (and metric) -> result word, from the table."""
    res = {}
    lines = stdout.splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith("benchmark"))
    metric = "metric" in lines[start]
    for l in lines[start + 1:]:
        if not l.strip():
            break
        words = l.split()
        result = next(w for w in words if w in ("SLOWER", "FASTER", "SAME", "NOISY"))
        key = (words[0], words[1]) if metric else words[0]
        res[key] = result
    return res


def check(what, cond, detail=""):
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        failures.append(what)
        print(detail)


# ---- decisions on one machine ----
base = {
    "slow/real_time": samples(1000),
    "fast/real_time": samples(2000),
    "same/real_time": samples(3000),
    "spread/real_time": samples(4000, spread=0.2),
    "few/real_time": samples(5000, reps=3),
    "only_base/real_time": samples(100),
}
new = {
    "slow/real_time": samples(1000, factor=1.10, flip=True),
    "fast/real_time": samples(2000, factor=0.80, flip=True),
    "same/real_time": samples(3000, factor=1.02, flip=True),
    "spread/real_time": samples(4000, spread=0.2, factor=1.10, flip=True),
    "few/real_time": samples(5000, reps=3, factor=1.5, flip=True),
    "only_new/real_time": samples(100),
}
# A suite is mostly unchanged benchmarks: they fix the run-wide drift at 1.
for i in range(4):
    base[f"steady{i}/real_time"] = samples(600 + i)
    new[f"steady{i}/real_time"] = samples(600 + i, flip=True)
a, b = write("a.json", base), write("b.json", new)
rc, out, err = compare(a, b)
print(out, err)
o = outcomes(out)
check("exit 1 when a benchmark is SLOWER", rc == 1, rc)
check("+10% on 1% noise: SLOWER", o.get("slow/real_time") == "SLOWER", o)
check("-20%: FASTER", o.get("fast/real_time") == "FASTER", o)
check("+2% (below the 5% threshold): SAME", o.get("same/real_time") == "SAME", o)
check("+10% on 20% spread: NOISY", o.get("spread/real_time") == "NOISY", o)
check("3 repetitions: NOISY", o.get("few/real_time") == "NOISY", o)
check("only in one file: not in the table", "only_base/real_time" not in o and "only_new/real_time" not in o, o)
check("only-in notes", "only in base: only_base/real_time" in out and "only in new: only_new/real_time" in out, out)
check("mode says same machine", "mode: same machine" in out, out)
check("geomean line", "geomean time new/base over 9 benchmark(s)" in out, out)
check("drift line: none here", "drift: the new run as a whole took 1.0000x" in out and " vs run" in out, out)
rows = [l.split()[0] for l in out.splitlines() if l.endswith(("SLOWER", "FASTER", "SAME", "NOISY")) or "NOISY (" in l]
check("sorted by change, worst first", rows.index("slow/real_time") < rows.index("same/real_time") <
      rows.index("fast/real_time"), rows)
check("p and q shown", "<1e-4" in out or "0.00" in out, out)

# Without the slow one: exit 0
del base["slow/real_time"], new["slow/real_time"]
rc, out, err = compare(write("a2.json", base), write("b2.json", new))
check("exit 0 when nothing is SLOWER", rc == 0, (rc, out, err))

# A/A: a file against itself is all SAME
rc, out, err = compare(a, a)
o = outcomes(out)
check("A/A: exit 0, nothing SLOWER or FASTER", rc == 0 and not {"SLOWER", "FASTER"} & set(o.values()), out)

# ---- run-wide drift ----
# Every benchmark 8% slower (the machine), one 20% slower (the code): only
# that one is SLOWER (+11% against the run); --no-drift flags them all.
drift_b, drift_n = {}, {}
for i in range(8):
    drift_b[f"k{i}/real_time"] = samples(1000 * (i + 1))
    drift_n[f"k{i}/real_time"] = samples(1000 * (i + 1), factor=1.20 if i == 3 else 1.08, flip=True)
a, b = write("d1.json", drift_b), write("d2.json", drift_n)
rc, out, err = compare(a, b)
o = outcomes(out)
check("uniform +8% drift, one +20%: only that one SLOWER",
      rc == 1 and o.get("k3/real_time") == "SLOWER" and
      all(v == "SAME" for k, v in o.items() if k != "k3/real_time"), out)
check("drift reported, with the note that the whole run moved",
      "took 1.0800x the base time (+8.0%, median ratio over 8 benchmarks)" in out and
      "the whole run moved +8.0%" in out and "+11.1%" in out, out)
rc, out, err = compare(a, b, "--no-drift")
o = outcomes(out)
check("--no-drift: raw times, all SLOWER", rc == 1 and set(o.values()) == {"SLOWER"} and
      "drift: not removed (--no-drift)" in out and " vs run" not in out, out)
# Fewer than 5 benchmarks: no drift estimate, raw times decide
rc, out, err = compare(write("d3.json", dict(list(drift_b.items())[:3])), write("d4.json", dict(list(drift_n.items())[:3])))
check("3 benchmarks: drift not removed, +8% SLOWER",
      rc == 1 and "fewer than 5" in out and outcomes(out).get("k0/real_time") == "SLOWER", out)

# Threshold: +2% becomes SLOWER at --threshold 1 (noise 1.3% < 2%)
rc, out, err = compare(write("t1.json", {"x": samples(1000)}), write("t2.json", {"x": samples(1000, factor=1.02, flip=True)}), "--threshold", "1")
check("--threshold 1: +2% is SLOWER", rc == 1 and outcomes(out).get("x") == "SLOWER", out)
rc, out, err = compare(os.path.join(tmp, "t1.json"), os.path.join(tmp, "t2.json"))
check("default threshold 5%: +2% is SAME", rc == 0 and outcomes(out).get("x") == "SAME", out)

# ---- Benjamini-Hochberg ----
# Raw p = 0.04 (exact), +6.8% with 1.4% noise: SLOWER alone; among 30
# unchanged benchmarks the corrected q is 0.04 * 31 > 0.05: not SLOWER.
marg_b = [99, 99.5, 100, 100.2, 100.5, 100.8, 101, 101.2, 140]
marg_n = [70, 106, 106.5, 107, 107.3, 107.6, 108, 108.5, 109]
rc, out, err = compare(write("m1.json", {"marginal": marg_b}), write("m2.json", {"marginal": marg_n}))
check("marginal shift alone: SLOWER (p 0.04)", rc == 1 and outcomes(out).get("marginal") == "SLOWER" and "0.0400" in out,
      out)
many_b = {"marginal": marg_b}
many_n = {"marginal": marg_n}
for i in range(30):
    many_b[f"null{i:02d}"] = samples(1000 + i)
    many_n[f"null{i:02d}"] = samples(1000 + i, flip=True)
rc, out, err = compare(write("m3.json", many_b), write("m4.json", many_n))
o = outcomes(out)
check("marginal among 30 unchanged: not SLOWER after BH", rc == 0 and o.get("marginal") == "NOISY", out)
check("BH q = min(1, 0.04 * 31)", any(l.startswith("marginal") and "1.0000" in l for l in out.splitlines()), out)

# ---- instruction counts ----
ib = {"k/loop/m:1": {"instructions": 10000}, "k/vec/m:1": {"instructions": 2000}, "k/semi/m:1": {"instructions": 5000},
      "j/vec/m:1": {"instructions": 800}}
inew = {"k/loop/m:1": {"instructions": 10300}, "k/vec/m:1": {"instructions": 2020}, "k/semi/m:1": {"instructions": 4750},
        "j/vec/m:1": {"instructions": 800}}
a, b = write("i1.json", ib), write("i2.json", inew)
rc, out, err = compare(a, b)
o = outcomes(out)
check("instructions +3%: SLOWER; +1%: SAME; -5%: FASTER; =: SAME",
      rc == 1 and o == {"k/loop/m:1": "SLOWER", "k/vec/m:1": "SAME", "k/semi/m:1": "FASTER", "j/vec/m:1": "SAME"}, out)
check("instruction mode named", "mode: instruction counts" in out, out)
rc, out, err = compare(a, b, "--instr-threshold", "5")
check("--instr-threshold 5: +3% is SAME", rc == 0 and outcomes(out)["k/loop/m:1"] == "SAME", out)

# ---- machine-independent ----
def vec_files(loop_ns, vec_ns, roof):
    return {"op1/loop/m:8/real_time": {"times": samples(loop_ns), "op": "op1", "variant": "loop", "dims": "m=8",
                                       "roof": [roof / 10] * 9},
            "op1/vec/m:8/real_time": {"times": samples(vec_ns, flip=True), "op": "op1", "variant": "vec", "dims": "m=8",
                                      "roof": [roof * (1 + 0.001 * d) for d in Z]}}

a = write("x1.json", vec_files(10000, 1000, 50), cpu="CPU A")
b = write("x2.json", vec_files(20000, 2000, 50), cpu="CPU B")       # all 2x slower: same speedup
c = write("x3.json", vec_files(20000, 2600, 38), cpu="CPU B")       # vec lost 23% of its speedup
rc, out, err = compare(a, b)
o = outcomes(out)
check("other machine, same speedups: machine-independent mode, exit 0",
      rc == 0 and "mode: machine-independent" in out and "cpu_model 'CPU A' vs 'CPU B'" in out, out)
check("speedup and roofline rows SAME", o.get(("op1/vec/m:8/real_time", "speedup")) == "SAME" and
      o.get(("op1/vec/m:8/real_time", "roofline")) == "SAME", o)
check("times are not compared across machines", ("op1/vec/m:8/real_time", "time") not in o, o)
rc, out, err = compare(a, c)
o = outcomes(out)
check("speedup fell 23%: SLOWER", rc == 1 and o.get(("op1/vec/m:8/real_time", "speedup")) == "SLOWER", out)
check("roofline fell 24%: SLOWER", o.get(("op1/vec/m:8/real_time", "roofline")) == "SLOWER", out)
rc, out, err = compare(a, b, "--same-machine")
check("--same-machine compares times (2x: SLOWER)", rc == 1 and "mode: same machine (requested" in out and
      outcomes(out).get("op1/vec/m:8/real_time") == "SLOWER", out)
rc, out, err = compare(a, a, "--machine-independent")
check("--machine-independent on one machine", rc == 0 and "mode: machine-independent (requested" in out, out)

# ---- bad input: exit 2, one line on stderr, nothing on stdout ----
good = write("good.json", {"g/real_time": samples(1000)})
other = write("other.json", {"h/real_time": samples(1000)})
text = open(good, "rb").read()
listing = subprocess.run([vb, "list", "--json"], capture_output=True).stdout
big = os.path.join(tmp, "big.json")
with open(big, "wb") as f:
    f.truncate(40 << 20)
bad = {
    "empty file": (write("empty.json", None, raw=b""), "empty"),
    "truncated file": (write("trunc.json", None, raw=text[: len(text) // 2]), "truncated"),
    "binary file": (write("bin.json", None, raw=bytes(range(256)) * 4), "binary"),
    "garbage": (write("garbage.json", None, raw=b"this is not json\n"), "malformed JSON"),
    "JSON of another kind (vecbench list --json)": (write("list.json", None, raw=listing), "not a benchmark result"),
    "object without benchmarks": (write("obj.json", None, raw=b'{"a": 1}'), "no \"benchmarks\""),
    "wrong field type": (write("type.json", None, raw=b'{"benchmarks": [{"name": "g", "real_time": "1"}]}'),
                         "real_time is not a number"),
    "missing file": (os.path.join(tmp, "nope.json"), "cannot read"),
    "directory": (tmp, "directory"),
    "too large": (big, "too large"),
}
for what, (path, text_want) in bad.items():
    for args in ((path, good), (good, path)):
        rc, out, err = compare(*args)
        ok = rc == 2 and len(err.strip().splitlines()) == 1 and text_want in err and out == ""
        check(f"{what} ({'base' if args[0] == path else 'new'}): exit 2, one line", ok, (rc, out, err))
rc, out, err = compare(good, other)
check("no benchmark in common: exit 2", rc == 2 and "no benchmark in common" in err and out == "", (rc, out, err))
rc, out, err = compare(write("ti.json", {"g/real_time": {"instructions": 5}}), good)
check("nothing comparable in common: exit 2", rc == 2 and "no figures to compare" in err, (rc, out, err))
for args, want in (((good,), "two result files"), ((good, good, "--threshold", "-1"), "threshold"),
                   ((good, good, "--alpha", "2"), "alpha"), ((good, good, "--alpha", "x"), "alpha"),
                   ((good, good, "--frob"), "unknown option"),
                   ((good, good, "--machine-independent", "--same-machine"), "exclude")):
    r = subprocess.run([vb, "compare", *args], capture_output=True, text=True)
    check(f"bad options {args[2:] or 'one file'}: exit 2", r.returncode == 2 and want in r.stderr and
          len(r.stderr.strip().splitlines()) == 1, (r.returncode, r.stderr))

os.unlink(big)
if failures:
    print(f"{len(failures)} failure(s)")
    sys.exit(1)
print("all ok")
