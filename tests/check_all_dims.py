"""Every variant of every op at one odd size (every dim = N) and one seed:
`vecbench check` must pass. Sizes like 1, 3, 17, 33, 127 are no multiple of
any SIMD width or tile."""
import json
import subprocess
import sys

vb, n, seed = sys.argv[1], sys.argv[2], sys.argv[3]
ops = json.loads(subprocess.run([vb, "list", "--json"], check=True, capture_output=True, text=True).stdout)
names = sorted({d for op in ops for d in op["dims"]})
dims = ",".join(f"{d}={n}" for d in names)
r = subprocess.run([vb, "check", "--dims", dims, "--seed", seed], capture_output=True, text=True)
print(r.stdout[-20000:], r.stderr)
sys.exit(r.returncode)
