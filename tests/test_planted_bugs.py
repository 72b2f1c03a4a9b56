"""Every planted bug (tests/planted_bugs.c) fails `vecbench check` at its
op's default sizes, while the real loop variant beside it passes: the checks
catch the bug, not the op. Prints each bug's margin (worst err/bound)."""
import re
import subprocess
import sys

vb = sys.argv[1]
r = subprocess.run([vb, "check", "--op", "^planted_"], capture_output=True, text=True)
rows = {}
for line in r.stdout.splitlines():
    m = re.match(r"^(planted_\S+)\s+(\S+)\s+(\S+)\s+(ok|FAIL)\s+(\S+)\s*(.*)$", line)
    if m:
        op, dims, variant, status, ratio, note = m.groups()
        rows.setdefault(op, []).append((dims, variant, status, float(ratio), note))
failures = []
for op, rs in sorted(rows.items()):
    bug = [x for x in rs if x[1].split(":")[0] == "bug"]
    loop = [x for x in rs if x[1].split(":")[0] == "loop"]
    caught = [x for x in bug if x[2] == "FAIL"]
    bad_loop = [x for x in loop if x[2] != "ok"]
    how = "; ".join(f"{x[0]} {x[1]}: {x[4][:90]}" for x in caught[:2])
    print(f"{op}: caught at {len(caught)} of {len(bug)} checks ({how})")
    if not caught:
        failures.append(f"{op}: the planted bug passes every check")
    if bad_loop:
        failures.append(f"{op}: the real loop variant fails: {bad_loop[0]}")
if len(rows) < 15:
    failures.append(f"only {len(rows)} planted ops found in the output")
if r.returncode != 1:
    failures.append(f"vecbench check exited {r.returncode}, expected 1")
for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
