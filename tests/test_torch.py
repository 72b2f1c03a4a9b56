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


# Forward ops: op name -> f(tensors, dims) -> {output name: tensor}. Each
# mirrors the op's summary in `vecbench list`.
def xent(z, y, m):
    return -(y * torch.log_softmax(z, dim=1)).sum() / m


def bce(a, y, m):
    return -(y * torch.log(a) + (1 - y) * torch.log(1 - a)).sum() / m


def mlp_loss(t, d):
    a1 = torch.relu(t["X"] @ t["W1"].T + t["b1"])
    a2 = torch.relu(a1 @ t["W2"].T + t["b2"])
    return xent(a2 @ t["W3"].T + t["b3"], t["Y"], d["m"])


FWD = {
    "dense_fwd": lambda t, d: {"Z": t["X"] @ t["W"].T + t["b"]},
    "dense_fwd_cm": lambda t, d: {"Z": t["W"] @ t["X"] + t["b"]},
    "sparse_dense_fwd": lambda t, d: {"Z": torch.sparse.mm(t["W"].to_sparse(), t["X"].T).T + t["b"]},
    "lowrank_fwd": lambda t, d: {"Z": (t["X"] @ t["U"].T) @ t["V"].T},
    "layout_fwd": lambda t, d: {"Z": t["X"] @ t["Wt"] + t["b"]},
    **{f"matchain{n}_fwd": (lambda n: lambda t, d: {"Z": torch.linalg.multi_dot([t[f"A{i}"] for i in range(1, n + 1)])})(n)
       for n in range(3, 7)},
    "dense_act_fwd": lambda t, d: {"A": torch.relu(t["X"] @ t["W"].T + t["b"])},
    "bias_add": lambda t, d: {"Y": t["Z"] + t["b"]},
    "bias_add_cm": lambda t, d: {"Y": t["Z"] + t["b"]},
    "relu_fwd": lambda t, d: {"A": torch.relu(t["Z"])},
    "sigmoid_fwd": lambda t, d: {"A": torch.sigmoid(t["Z"])},
    "tanh_fwd": lambda t, d: {"A": torch.tanh(t["Z"])},
    "softmax_fwd": lambda t, d: {"A": torch.softmax(t["Z"], dim=1)},
    "softmax_unstable_fwd": lambda t, d: {"A": torch.softmax(t["Z"], dim=1)},
    "mse_loss": lambda t, d: {"L": ((t["A"] - t["Y"]) ** 2).sum() / (2 * d["m"])},
    "bce_loss": lambda t, d: {"L": bce(t["A"], t["Y"], d["m"])},
    "softmax_xent_loss": lambda t, d: {"L": xent(t["Z"], t["Y"], d["m"])},
    "mlp_fwd": lambda t, d: {"L": mlp_loss(t, d)},
    "nn2_fwd": lambda t, d: {"J": bce(torch.sigmoid(torch.sigmoid(t["X"] @ t["Theta1"].T) @ t["Theta2"].T),
                                      t["Y"], d["m"])},
    "linreg_cost": lambda t, d: {"J": ((t["X"] @ t["theta"] - t["y"]) ** 2).sum() / (2 * d["m"])},
    "logreg_cost": lambda t, d: {"J": bce(torch.sigmoid(t["X"] @ t["theta"]), t["y"], d["m"])},
}


def grad_through(z_of, act, t):
    """Autograd of act at Z recovered from the forward output A (the backward
    op takes A, as the textbook does): returns dZ for upstream dA."""
    z = z_of(t["A"]).requires_grad_(True)
    (act(z) * t["dA"]).sum().backward()
    return {"dZ": z.grad}


def dense_act_bwd(t, d):
    """relu(X W^T + c) with c chosen so that the pre-activation is A where A > 0
    and negative where A = 0: autograd then gives dX, dW and db = sum_i dc."""
    X = t["X"].clone().requires_grad_(True)
    W = t["W"].clone().requires_grad_(True)
    target = torch.where(t["A"] > 0, t["A"], -torch.ones_like(t["A"]))
    c = (target - (t["X"] @ t["W"].T)).requires_grad_(True)
    (torch.relu(X @ W.T + c) * t["dA"]).sum().backward()
    return {"dX": X.grad, "dW": W.grad, "db": c.grad.sum(0, keepdim=True)}


def mlp_train_step(t, d):
    names = ("W1", "b1", "W2", "b2", "W3", "b3")
    p = {k: t["in_" + k].clone().requires_grad_(True) for k in names}
    mlp_loss({**p, "X": t["X"], "Y": t["Y"]}, d).backward()
    return {k: p[k] - d["lr"] * p[k].grad for k in names}


def mlp_train_step_amp(t, d):
    """The float16 step in float64 arithmetic with its float16 stores (.half()): the copies of X and
    of the parameters, A1, A2, Z3, the scaled dZ3, dZ2, dZ1 and the gradients. Skipped, with the
    scale halved, when a stored value or a gradient is not finite (float16 rounds 65520 up to
    infinity); else the SGD step on the unscaled gradients, the scale doubled after 2000 good
    steps. The backward pass by hand: autograd cannot round where the step stores."""
    h = lambda v: v.half().double()
    names = ("W1", "b1", "W2", "b2", "W3", "b3")
    w = {k: h(t["in_" + k]) for k in names}
    S, good, m = t["in_scale"].item(), t["in_good"].item(), d["m"]
    X = h(t["X"])
    a1 = h(torch.relu(X @ w["W1"].T + w["b1"]))
    a2 = h(torch.relu(a1 @ w["W2"].T + w["b2"]))
    z3 = h(a2 @ w["W3"].T + w["b3"])
    dz3 = h((torch.softmax(z3, dim=1) - t["Y"]) * S / m)
    dz2 = torch.where(a2 > 0, h(dz3 @ w["W3"]), torch.zeros_like(a2))
    dz1 = torch.where(a1 > 0, h(dz2 @ w["W2"]), torch.zeros_like(a1))
    scaled = {"W1": dz1.T @ X, "b1": dz1.sum(0, keepdim=True), "W2": dz2.T @ a1, "b2": dz2.sum(0, keepdim=True),
              "W3": dz3.T @ a2, "b3": dz3.sum(0, keepdim=True)}
    g = {k: h(v) / S for k, v in scaled.items()}
    one = lambda v: torch.tensor([[float(v)]])
    if not all(bool(torch.isfinite(v).all()) for v in (X, a1, a2, z3, dz3, dz2, dz1, *w.values(), *g.values())):
        return {**{k: t["in_" + k] for k in names}, "scale": one(S / 2), "good": one(0)}
    good += 1
    if good >= 2000:
        S, good = 2 * S, 0
    return {**{k: t["in_" + k] - d["lr"] * g[k] for k in names}, "scale": one(S), "good": one(good)}


def mlp_sgd_epoch(t, d):
    names = ("W1", "b1", "W2", "b2", "W3", "b3")
    p = {k: t["in_" + k] for k in names}
    for s in range(0, d["m"], d["b"]):
        batch = {"X": t["X"][s:s + d["b"]], "Y": t["Y"][s:s + d["b"]]}
        q = {k: v.detach().clone().requires_grad_(True) for k, v in p.items()}
        mlp_loss({**q, **batch}, {"m": len(batch["X"])}).backward()
        p = {k: q[k] - d["lr"] * q[k].grad for k in names}
    return p


def linreg_sgd_epoch(t, d):
    X, y, theta = t["X"], t["y"].reshape(-1), t["theta0"].reshape(-1)
    for s in range(0, d["m"], d["b"]):
        Xs, ys = X[s:s + d["b"]], y[s:s + d["b"]]
        theta = theta - d["lr"] / len(ys) * Xs.T @ (Xs @ theta - ys)
    return {"theta": theta}


# Ops whose check does not fit the generic forms: op -> f(tensors, dims)
# returning the expected outputs.
CUSTOM = {
    "sigmoid_bwd": lambda t, d: grad_through(torch.logit, torch.sigmoid, t),
    "tanh_bwd": lambda t, d: grad_through(torch.atanh, torch.tanh, t),
    # rows of A sum to 1, so softmax(log A) = A
    "softmax_bwd": lambda t, d: grad_through(torch.log, lambda z: torch.softmax(z, dim=1), t),
    "dense_act_bwd": dense_act_bwd,
    "mlp_train_step": mlp_train_step,
    "mlp_train_step_amp": mlp_train_step_amp,
    "linreg_sgd_epoch": linreg_sgd_epoch,
    "mlp_sgd_epoch": mlp_sgd_epoch,
}
# The data-parallel ops compute what their one-process op does (dp_*'s loop
# and vec run in one process).
ALIASES = {"dp_mlp_train_step": "mlp_train_step", "dp_nn2_bwd": "nn2_bwd"}
# Ops whose vec variant stores in float16.
FP16_OPS = {"mlp_train_step_amp"}
# Dims that are not all n: mini-batches smaller than the epoch, the last one shorter.
DIMS = {"linreg_sgd_epoch": lambda n: {"m": n, "d": n, "b": max(1, n // 2)},
        "mlp_sgd_epoch": lambda n: {"m": n, "d": n, "h1": n, "h2": n, "k": n, "b": max(1, n // 2)}}


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
    if name in ALIASES:
        return expected(ops[ALIASES[name]], ops, t, dims)
    if name in CUSTOM:  # a training op's learning rate from its descriptor
        return CUSTOM[name](t, {**dims, "lr": op.get("lr")})
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
    missing = [n for n, op in ops.items() if n not in CUSTOM and n not in FWD and n not in ALIASES and
               not ("grad_of" in op and op["grad_of"] in FWD)]
    if missing:
        print(f"FAIL: no torch counterpart for: {', '.join(sorted(missing))}")
        return 1
    failures = checked = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, op in sorted(ops.items()):
            for n in SIZES:
                for seed in SEEDS:
                    dims = DIMS[name](n) if name in DIMS else {d: n for d in op["dims"]}
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
                            # (float16 storage for the mixed-precision step: 2^-11)
                            u = 2.0 ** -11 if name in FP16_OPS else 2.0 ** -24
                            tol = 1e-12 if variant == "oracle" else u * 64 * max(dims.values())
                            checked += 1
                            if not err <= tol:
                                failures += 1
                                print(f"FAIL {name} {variant} {spec} seed={seed} {k}: "
                                      f"max|err|/max|torch| = {err:.3g} > {tol:.3g}")
    print(f"torch cross-check: {checked - failures} passed, {failures} failed "
          f"({len(ops)} ops, sizes {SIZES}, seeds {SEEDS})")
    return 1 if failures else 0


sys.exit(main())
