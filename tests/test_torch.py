"""Cross-check against PyTorch: every forward op against torch, every
backward op against torch autograd of its forward op, on odd sizes and
several seeds. Inputs and outputs come from `vecbench dump` (.npy files).

The oracle (float64) must match torch in float64 to rounding; the `vec`
variant (float32) must match within float32 rounding of the same math.
Skipped (exit 77) when torch or numpy is not installed."""
import json
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import torch
except ImportError as e:
    print(f"SKIP: PyTorch cross-check needs python3-torch and python3-numpy ({e})")
    sys.exit(77)

torch.set_default_dtype(torch.float64)
VB = sys.argv[1]
SIZES = (3, 7, 13)
SEEDS = (1, 2, 3)


def sigmoid(z):
    return torch.sigmoid(z)


# Forward ops: op name -> f(tensors, dims) -> {output name: tensor}. Each
# mirrors the op's summary in `vecbench list`.
FWD = {
    "dense_fwd": lambda t, d: {"Z": t["X"] @ t["W"].T + t["b"]},
    "dense_fwd_cm": lambda t, d: {"Z": t["W"] @ t["X"] + t["b"]},
}

# Ops whose check does not fit the generic forms below: op -> f(tensors, dims)
# returning the expected outputs.
CUSTOM = {}


def run(*args):
    r = subprocess.run([VB, *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"FAIL: vecbench {' '.join(args)}: {r.stderr.strip()}")
    return r.stdout


def load(dirname):
    meta = json.load(open(os.path.join(dirname, "meta.json")))
    t = {f[:-4]: torch.from_numpy(np.load(os.path.join(dirname, f)).astype(np.float64))
         for f in meta["tensors"]}
    return meta, t


def expected(op, ops, t, dims):
    """Torch's outputs for op on the dumped inputs."""
    name = op["name"]
    if name in CUSTOM:
        return CUSTOM[name](t, dims)
    if name in FWD:
        return FWD[name]({k: v for k, v in t.items()}, dims)
    fwd = ops[op["grad_of"]]
    leaves = {}
    for ten in fwd["tensors"]:
        if ten["dir"] != "out":
            # a forward input the backward op does not take cannot change its gradients
            x = t.get(ten["name"])
            if x is None:
                shape = [dims[s] if s != "1" else 1 for s in ten["shape"]]
                x = torch.zeros(shape)
            leaves[ten["name"]] = x.clone().requires_grad_(True)
    outs = FWD[fwd["name"]](leaves, dims)
    loss = sum(((t["d" + k] * v).sum() if "d" + k in t else v.sum()) for k, v in outs.items())
    loss.backward()
    res = {}
    for ten in op["tensors"]:
        if ten["dir"] == "out" and ten["name"].startswith("d") and ten["name"][1:] in leaves:
            x = leaves[ten["name"][1:]]
            res[ten["name"]] = x.grad if x.grad is not None else torch.zeros_like(x)
    return res


def main():
    ops = {op["name"]: op for op in json.loads(run("list", "--json"))}
    missing = [n for n, op in ops.items() if n not in CUSTOM and n not in FWD and
               not ("grad_of" in op and op["grad_of"] in FWD)]
    if missing:
        print(f"FAIL: no torch counterpart for: {', '.join(sorted(missing))}")
        return 1
    failures = checked = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, op in sorted(ops.items()):
            for n in SIZES:
                for seed in SEEDS:
                    dims = {d: n for d in op["dims"]}
                    spec = ",".join(f"{k}={v}" for k, v in dims.items())
                    for variant in ("oracle", "vec"):
                        out = os.path.join(tmp, f"{name}-{n}-{seed}-{variant}")
                        args = ["dump", name, "--dims", spec, "--seed", str(seed), "--out", out]
                        if variant != "oracle":
                            args += ["--variant", variant]
                        run(*args)
                        meta, t = load(out)
                        want = expected(op, ops, t, dims)
                        for k, w in want.items():
                            got = t[k].reshape(w.shape)
                            w = w.detach()
                            scale = w.abs().max().item() + 1e-300
                            err = (got - w).abs().max().item() / scale
                            # float64 oracle: rounding only; float32 vec: 2^-24 per
                            # operation over reductions of length <= max(dims)
                            tol = 1e-12 if variant == "oracle" else 2.0 ** -24 * 64 * max(dims.values())
                            checked += 1
                            if not err <= tol:
                                failures += 1
                                print(f"FAIL {name} {variant} {spec} seed={seed} {k}: "
                                      f"max|err|/max|torch| = {err:.3g} > {tol:.3g}")
    print(f"torch cross-check: {checked - failures} passed, {failures} failed "
          f"({len(ops)} ops, sizes {SIZES}, seeds {SEEDS})")
    return 1 if failures else 0


sys.exit(main())
