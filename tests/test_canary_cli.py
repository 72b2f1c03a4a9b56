"""Canaries and non-finite values through the CLI: vecbench_canary is the real
`vecbench` with one extra test-only op (tests/test_canary_ops.c) whose variants
write out of bounds or produce NaN/Inf. `check` must fail each of them naming
the op, variant, tensor (and index for non-finite values); `run` must not time
them. Usage: test_canary_cli.py VECBENCH_CANARY VECBENCH"""
import json
import os
import re
import subprocess
import sys
import tempfile

canary, vb = sys.argv[1], sys.argv[2]
fails = 0


def expect(cond, what):
    global fails
    print(("ok:   " if cond else "FAIL: ") + what)
    fails += not cond


def rows(stdout, n):
    """variant -> (status, note) of the op's check table rows at size n."""
    out = {}
    for line in stdout.splitlines():
        m = re.match(rf"^canary_probe\s+n={n}\s+(\S+)\s+(ok|FAIL)\s+\S+\s*(.*)$", line)
        if m:
            out[m.group(1)] = (m.group(2), m.group(3))
    return out


# What each broken variant must be reported as, at size n.
def expected(n):
    return {
        "loop": ("ok", None),
        "overrun": ("FAIL", r"wrote out of bounds of tensor Y \(canary overwritten\)"),
        "underrun": ("FAIL", r"wrote out of bounds of tensor Y \(canary overwritten\)"),
        "input_underrun": ("FAIL", r"wrote out of bounds of tensor X \(canary overwritten\)"),
        "nan": ("FAIL", rf"non-finite value: Y\[{n // 2}\] = NaN, expected "),
        "inf": ("FAIL", rf"non-finite value: Y\[{n - 1}\] = -Inf, expected "),
        "error_then_nan": ("FAIL", rf"non-finite value: Y\[{n - 1}\] = NaN, expected "),
    }


for n in (37, 1, 4099):
    r = subprocess.run([canary, "check", "--op", "^canary_probe$", "--dims", f"n={n}"], capture_output=True,
                       text=True, timeout=120)
    print(r.stdout, r.stderr)
    expect(r.returncode == 1, f"check n={n}: exit 1 (a check failed), got {r.returncode}")
    got = rows(r.stdout, n)
    for variant, (status, note) in expected(n).items():
        st, msg = got.get(variant, (None, ""))
        expect(st == status, f"n={n} {variant}: {status} (got {st})")
        if note:
            expect(re.search(note, msg) is not None, f"n={n} {variant}: note matches /{note}/ (got '{msg}')")
            # The failure names the variant in its repro line too.
            expect(f"--variant {variant}" in r.stdout, f"n={n} {variant}: repro line names the variant")
    # A NaN after a large error is reported as a NaN, not as an error ratio.
    expect("|err|/bound" not in got.get("error_then_nan", ("", ""))[1], f"n={n} error_then_nan: not an error ratio")

# One variant on its own.
r = subprocess.run([canary, "check", "--op", "canary", "--variant", "underrun", "--dims", "n=9"],
                   capture_output=True, text=True, timeout=60)
got = rows(r.stdout, 9)
expect(r.returncode == 1 and list(got) == ["underrun"] and "tensor Y" in got["underrun"][1],
       f"check --variant underrun alone: exit 1, one FAIL row naming Y (got {r.returncode}, {got})")

# `run` checks first and never times a variant that failed.
with tempfile.TemporaryDirectory() as d:
    out = os.path.join(d, "r.json")
    r = subprocess.run([canary, "run", "--op", "^canary_probe$", "--dims", "n=37", "--quiet", "--out", out, "--",
                        "--benchmark_min_time=0.01"], capture_output=True, text=True, timeout=120)
    print(r.stdout, r.stderr)
    expect(r.returncode == 1, f"run: exit 1, got {r.returncode}")
    for variant, (status, _) in expected(37).items():
        if status == "FAIL":
            expect(f"not timed (check failed): canary_probe/{variant}/n:37" in r.stdout, f"run: {variant} not timed")
    doc = json.load(open(out))
    timed = {b["variant"] for b in doc["benchmarks"]}
    expect(timed == {"loop"}, f"run: only loop timed (got {sorted(timed)})")

# The test-only op exists only in the test binary.
r = subprocess.run([vb, "list"], capture_output=True, text=True, timeout=60)
expect(r.returncode == 0 and "canary_probe" not in r.stdout, "vecbench itself has no canary_probe")

print(f"{fails} failure(s)")
sys.exit(1 if fails else 0)
