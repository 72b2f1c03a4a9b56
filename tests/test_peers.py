"""The torch and numpy variants (harness/core/peers.c, harness/core/peers/worker.py):
checked against the oracle and timed like any variant, in the same JSON;
a peer that computes wrongly fails its check; a peer that cannot run is
listed unavailable with the reason; a worker that dies mid-run ends in a
one-line error, not a crash or a hang.
Skipped (exit 77) when /usr/bin/python3 lacks python3-torch or python3-numpy."""
import json
import os
import subprocess
import sys
import tempfile

PY = "/usr/bin/python3"
if subprocess.run([PY, "-c", "import numpy, torch"], capture_output=True).returncode != 0:
    print(f"SKIP: the peer variants need python3-torch and python3-numpy for {PY}")
    sys.exit(77)

vb = sys.argv[1]
OPS = "^(relu_fwd|dense_fwd|softmax_xent_grad|mlp_train_step)$"
DIMS = "m=9,n=7,d=5,h=4,h1=6,h2=5,k=3"
DENSE, ACT = "m=9,d=5,h=4", "m=9,n=7"
BOTH = "m=9,n=7,d=5,h=4"
failures = []


def expect(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(args, env=None, timeout=120):
    e = dict(os.environ)
    e.update(env or {})
    r = subprocess.run([vb, *args], capture_output=True, text=True, env=e, timeout=timeout)
    return r


def rows(out, variant):
    """The check table's rows of one variant: (op, status)."""
    return [(ln.split()[0], ln.split()[3]) for ln in out.splitlines()
            if len(ln.split()) > 3 and ln.split()[2] == variant]


# 1) Listed for the ops the worker implements, and not when VB_PEERS=0.
ops = {o["name"]: o for o in json.loads(run(["list", "--json"]).stdout)}
for name in ("dense_fwd", "mlp_train_step", "nn2_bwd", "logreg_grad", "relu_fwd"):
    vs = {v["name"]: v for v in ops[name]["variants"]}
    for peer in ("torch", "numpy"):
        expect(peer in vs and vs[peer]["available"], f"{name} has an available {peer} variant")
off = json.loads(run(["list", "--json"], {"VB_PEERS": "0"}).stdout)
expect(all(v["name"] not in ("torch", "numpy") for o in off for v in o["variants"]), "VB_PEERS=0: no peers")

with tempfile.TemporaryDirectory() as d:
    # 2) Checked and timed, in the results JSON as variants of their ops.
    out = os.path.join(d, "r.json")
    r = run(["run", "--op", OPS, "--variant", "loop,vec,torch,numpy", "--dims", DIMS, "--quiet", "--out", out,
             "--", "--benchmark_min_time=0.01"])
    print(r.stdout[-6000:], r.stderr)
    expect(r.returncode == 0, f"run exits 0 (got {r.returncode})")
    expect("vs torch" in r.stdout, "the summary has a vs torch column")
    checked = rows(r.stdout, "torch") + rows(r.stdout, "numpy")
    expect(len(checked) == 8 and all(s == "ok" for _, s in checked), f"8 peer checks pass: {checked}")
    doc = json.load(open(out)) if os.path.exists(out) else {"benchmarks": [], "context": {}}
    expect("peer_torch_version" in doc["context"] and "peer_python" in doc["context"], "context names the peers")
    seen = set()
    for b in doc["benchmarks"]:
        if b.get("variant") not in ("torch", "numpy"):
            continue
        seen.add((b["op"], b["variant"]))
        expect(b["run_name"].startswith(f"{b['op']}/{b['variant']}/"), f"name op/variant/dims: {b['run_name']}")
        for key in ("real_time", "iterations", "FLOP/s", "bytes/s", "check_err_bound", "speedup_vs_loop",
                    "speedup_vs_torch", "roofline_pct", "io_bytes", "dims", "dtype", "device"):
            expect(key in b, f"{b['run_name']} has {key}")
        expect(b.get("real_time", 0) > 0 and 0 <= b.get("check_err_bound", 2) <= 1, f"{b['run_name']} figures")
        expect(b.get("peer_threads") in (1, 2), f"{b['run_name']} records its thread count")
        expect(b.get("peak_rss_bytes", 0) > 2**20 and b.get("workspace_bytes", 0) is None,
               f"{b['run_name']}: the worker's resident peak; no workspace figure")
        if b["variant"] == "torch":
            expect(b.get("speedup_vs_torch") == 1.0, "torch vs torch is 1")
    expect(len(seen) == 8, f"every op has a timed torch and numpy result: {sorted(seen)}")

    # 3) A peer whose output is wrong (one element off by 1e-3) fails its check and is not timed.
    out2 = os.path.join(d, "wrong.json")
    r = run(["run", "--op", "^dense_fwd$", "--variant", "vec,torch,numpy", "--dims", DENSE, "--quiet",
             "--out", out2, "--", "--benchmark_min_time=0.01"], {"VB_PEER_TEST_PERTURB": "dense_fwd/torch"})
    print(r.stdout[-3000:], r.stderr)
    expect(r.returncode == 1, f"a wrong peer output fails the run (exit {r.returncode})")
    expect(("dense_fwd", "FAIL") in rows(r.stdout, "torch"), "torch FAILs its check")
    expect(("dense_fwd", "ok") in rows(r.stdout, "numpy"), "numpy still passes")
    timed = {b["variant"] for b in json.load(open(out2))["benchmarks"]} if os.path.exists(out2) else set()
    expect("torch" not in timed and "numpy" in timed, f"the failed peer is not timed: {timed}")

    # 3b) `dump --variant torch`: the peer's outputs as .npy, next to the inputs it got.
    dd = os.path.join(d, "dump")
    r = run(["dump", "softmax_fwd", "--variant", "torch", "--dims", ACT, "--out", dd])
    if r.returncode == 0:
        import numpy as np
        Z, A = np.load(os.path.join(dd, "Z.npy")), np.load(os.path.join(dd, "A.npy"))
        E = np.exp(Z.astype(np.float64) - Z.max(axis=1, keepdims=True))
        expect(A.dtype == np.float32 and np.abs(A - E / E.sum(axis=1, keepdims=True)).max() < 1e-6,
               "dump --variant torch writes torch's softmax")
    expect(r.returncode == 0, f"dump --variant torch: {r.stderr.strip()}")

    # 4) A peer whose library is not installed: unavailable, with the reason.
    r = run(["check", "--op", "^relu_fwd$", "--variant", "torch,numpy", "--dims", ACT], {"VB_PEER_TEST_HIDE": "torch"})
    print(r.stdout, r.stderr)
    expect(r.returncode == 0 and ("relu_fwd", "skip") in rows(r.stdout, "torch") and
           "torch is not installed for /usr/bin/python3" in r.stdout, "torch unavailable, with the reason")
    expect(("relu_fwd", "ok") in rows(r.stdout, "numpy"), "numpy runs without torch")

    # 5) The worker dies while timing: one line on stderr, the C variants' results kept, exit 1.
    out3 = os.path.join(d, "died.json")
    r = run(["run", "--op", "^(relu_fwd|dense_fwd)$", "--variant", "vec,torch,numpy", "--dims", BOTH, "--quiet",
             "--out", out3, "--", "--benchmark_min_time=0.01"], {"VB_PEER_TEST_EXIT": "time:relu_fwd"}, timeout=120)
    print(r.stdout[-3000:], r.stderr)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    died = [ln for ln in lines if "peer worker" in ln]
    expect(r.returncode == 1, f"a dead worker fails the run with exit 1 (got {r.returncode})")
    expect(len(died) == 1 and died[0].startswith("vecbench: peer worker exited (exit status 3)") and
           all(ln.startswith("vecbench: ") for ln in lines), f"one line on stderr: {lines}")
    doc = json.load(open(out3)) if os.path.exists(out3) else {"benchmarks": []}
    ok = {(b["op"], b["variant"]) for b in doc["benchmarks"] if not b.get("error_occurred")}
    expect({("relu_fwd", "vec"), ("dense_fwd", "vec")} <= ok and not any(v == "torch" for _, v in ok if _ == "relu_fwd"),
           f"C variants timed, the dead peer not: {sorted(ok)}")

    # ... and while checking: that check FAILs, later peers are skipped with the reason, no hang.
    r = run(["check", "--op", "^(relu_fwd|dense_fwd)$", "--variant", "vec,torch,numpy", "--dims", BOTH],
            {"VB_PEER_TEST_EXIT": "call:relu_fwd"}, timeout=120)  # relu_fwd is checked first
    print(r.stdout, r.stderr)
    expect(r.returncode == 1 and ("relu_fwd", "FAIL") in rows(r.stdout, "torch") and
           ("dense_fwd", "skip") in rows(r.stdout, "torch") and ("relu_fwd", "skip") in rows(r.stdout, "numpy") and
           ("dense_fwd", "ok") in rows(r.stdout, "vec") and "exited (exit status 3)" in r.stdout,
           "a dead worker fails its check, skips the later peers, not the C variants")

print(f"peers: {len(failures)} failures")
sys.exit(1 if failures else 0)
