"""The naive softmax e^Z / sum e^Z overflows float32 past Z = 88.7: on large
logits (--scale 100 and 1000 multiply the signed fill, +-[10, 100) and
+-[100, 1000)) both its CPU variants return NaN, and the checker says so in
words ("non-finite value: A[k] = NaN, expected ...", err/bound inf) instead
of printing a number. The stable forms (max subtracted) stay within their
bounds on the same logits, and the naive form passes on ordinary ones."""
import re
import subprocess
import sys

vb = sys.argv[1]
DIMS = "m=17,n=33"
ROW = re.compile(r"^(\S+)\s+(\S+)\s+(\S+)\s+(ok|FAIL|skip)\s+(\S+)\s*(.*)$")


def check(op, scale):
    """Exit status and {variant: (status, err/bound, note)} of the loop and vec rows."""
    r = subprocess.run([vb, "check", "--op", f"^{op}$", "--variant", "loop,vec", "--dims", DIMS, "--scale", str(scale)],
                       capture_output=True, text=True)
    rows = {}
    for line in r.stdout.splitlines():
        m = ROW.match(line)
        if m and m.group(1) == op and ":" not in m.group(3):  # random-data rows; :wide rows have their own test
            rows[m.group(3)] = (m.group(4), m.group(5), m.group(6))
    assert set(rows) == {"loop", "vec"}, f"{op} --scale {scale}: loop and vec rows expected:\n{r.stdout}{r.stderr}"
    return r.returncode, rows, r.stdout


for scale in (100, 1000):
    rc, rows, out = check("softmax_unstable_fwd", scale)
    assert rc == 1, f"naive softmax at --scale {scale} must fail (exit 1), got {rc}:\n{out}"
    for variant, (status, ratio, note) in rows.items():
        assert status == "FAIL", f"naive softmax {variant} at --scale {scale} passed:\n{out}"
        assert ratio == "inf", f"a non-finite output is reported as err/bound inf, not {ratio}:\n{out}"
        assert re.match(r"non-finite value: A\[\d+\] = (NaN|\+Inf|-Inf), expected [-+0-9.e]+$", note), \
            f"naive softmax {variant} at --scale {scale}: unclear message {note!r}"
    print(f"softmax_unstable_fwd --scale {scale}: loop and vec overflow, reported as: {rows['vec'][2]}")

    for op in ("softmax_fwd", "softmax_xent_loss", "softmax_xent_grad"):
        rc, rows, out = check(op, scale)
        assert rc == 0, f"stable {op} at --scale {scale} must pass:\n{out}"
        for variant, (status, ratio, note) in rows.items():
            assert status == "ok" and 0 <= float(ratio) <= 1, f"{op} {variant} at --scale {scale}:\n{out}"
        print(f"{op} --scale {scale}: within bound (err/bound loop {rows['loop'][1]}, vec {rows['vec'][1]})")

rc, rows, out = check("softmax_unstable_fwd", 1)
assert rc == 0 and all(s == "ok" for s, _, _ in rows.values()), f"naive softmax on logits in +-[0.1, 1):\n{out}"
print("softmax_unstable_fwd --scale 1: within bound")
