"""`vecbench ab`: the paired gate on two loads of this build's libvbops.so.
A/A on a small selection is not SLOWER; an injected +50% on one kernel of
the new side is SLOWER (exit 1) and nothing else is; a version that fails
its check is reported and not timed; two builds that differ (an op or a
variant in one only, an op whose dims changed) compare what they share and
note the rest; bad libraries and libraries with nothing in common exit 2
with one line."""
import os
import re
import subprocess
import sys
import tempfile

vb, lib, canary, side0, side1 = sys.argv[1:6]
failures = []
# One thread: timing two-thread fork/join on a small shared machine is noise.
env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
SELECT = ["--op", "^(relu_fwd|dense_fwd)$", "--variant", "vec", "--dims", "m=32,n=256,d=64,h=32", "--quiet"]


def ab(*args):
    return subprocess.run([vb, "ab", *args], capture_output=True, text=True, env=env, timeout=120)


def verdicts(out):
    """benchmark name -> result word, from the table."""
    rows = {}
    for line in out.splitlines():
        m = re.match(r"^(\S+/\S+/\S+)\s.*\s(SAME|FASTER|SLOWER|NOISY|CHECK FAILED)\b", line)
        if m:
            rows[m.group(1)] = m.group(2)
    return rows


def expect(cond, what, r=None):
    if not cond:
        failures.append(what + ("" if r is None else f"\n--- rc {r.returncode}\n{r.stdout}\n{r.stderr}"))


def one_line_error(r, what, pattern):
    expect(r.returncode == 2, f"{what}: exit 2", r)
    lines = r.stderr.strip().splitlines()
    expect(len(lines) == 1 and lines[0].startswith("vecbench: ") and re.search(pattern, lines[0]),
           f"{what}: one line matching '{pattern}'", r)
    expect(r.stdout == "", f"{what}: nothing on stdout", r)


# A/A: the same file on both sides (loaded as two copies).
r = ab(lib, lib, *SELECT, "--budget", "3")
v = verdicts(r.stdout)
expect(r.returncode == 0 and len(v) == 2 and "SLOWER" not in v.values(), "A/A: two rows, none SLOWER, exit 0", r)
expect(re.search(r"rounds", r.stdout) and re.search(r"result: 0 SLOWER", r.stdout), "A/A: summary line", r)
# No copy left behind in TMPDIR.
with tempfile.TemporaryDirectory() as tmp:
    r = subprocess.run([vb, "ab", lib, lib, *SELECT, "--budget", "1"], capture_output=True, text=True,
                       env=dict(env, TMPDIR=tmp), timeout=120)
    expect(r.returncode in (0, 1) and os.listdir(tmp) == [], "A/A: the private copy is removed", r)

# +50% on relu_fwd/vec of the new side only.
r = ab(lib, lib, *SELECT, "--budget", "5", "--inject-new", "relu_fwd/vec:50")
v = verdicts(r.stdout)
target = [k for k in v if k.startswith("relu_fwd/vec/")]
expect(r.returncode == 1 and len(target) == 1 and v[target[0]] == "SLOWER", "+50%: relu_fwd/vec SLOWER, exit 1", r)
expect(all(w != "SLOWER" for k, w in v.items() if not k.startswith("relu_fwd/vec/")), "+50%: nothing else SLOWER", r)

# The canary library's variants write out of bounds or produce NaN: reported, not timed, exit 1.
r = ab(canary, canary, "--budget", "1", "--quiet")
v = verdicts(r.stdout)
expect(r.returncode == 1 and "CHECK FAILED" in v.values() and re.search(r"canary", r.stdout),
       "canary: failing checks reported, exit 1", r)

# Builds that differ: what both have is compared, the rest skipped with a note.
r = ab(side0, side1, "--budget", "1", "--quiet")
v = verdicts(r.stdout)
expect(r.returncode in (0, 1) and list(v) == ["ab_scale/loop/n:1000"], "differing builds: ab_scale/loop alone", r)
for note in [r"ab_shape: dims differ between the builds \(base n, new m\)", r"ab_gone: only in base",
             r"ab_scale/vec: only in new"]:
    expect(re.search(r"note: " + note, r.stdout), f"differing builds: note '{note}'", r)
one_line_error(ab(side0, side1, "--op", "^ab_shape$"), "only a mismatched op", r"no CPU op/variant in common.*dims")
one_line_error(ab(side0, side1, "--dims", "q=4"), "dims no op has", r"--dims names 'q'")

# Bad input: one line, exit 2.
one_line_error(ab("/nonexistent/libvbops.so", lib), "missing library", r"cannot open /nonexistent")
with tempfile.NamedTemporaryFile(suffix=".so") as junk:
    junk.write(b"not an ELF file")
    junk.flush()
    one_line_error(ab(lib, junk.name), "not a shared object", r"cannot load")
one_line_error(ab(vb, lib), "an executable", r"cannot load")
one_line_error(ab(lib, canary), "nothing in common", r"no CPU op/variant in common")
one_line_error(ab(lib, lib, "--op", "^nope$"), "no op matches", r"matches no op")
one_line_error(ab(lib, lib, *SELECT, "--inject-new", "relu_fwd/loop:10"), "injection outside the selection",
               r"not among the selected")
one_line_error(ab(lib), "one library", r"expected two")
one_line_error(ab(lib, lib, "--clock", "sundial"), "bad clock", r"bad --clock")

if failures:
    print("FAILED:\n" + "\n\n".join(failures))
    sys.exit(1)
print("ab: all checks passed")
