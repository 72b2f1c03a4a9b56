"""vecbench's ops as one writes them in PyTorch (float32 tensors on the CPU).

Each entry of OPS takes the op's tensors (torch tensors, shapes as in the op's
descriptor: row-major, a bias 1 x h or h x 1) and its dims, does what needs
doing once (build a graph whose backward is the op), and returns the call
that is timed; the call returns the op's outputs by name.

Backward ops run autograd where the op is a backward pass of a graph built
from its inputs: the graph is built once, outside the timed call, when its
backward needs nothing but the op's inputs (dense_bwd, relu_bwd, mse_grad,
bce_grad); the forward runs in the call when the backward starts from what
the forward computes and the op computes it too (softmax_xent_grad, mlp_bwd,
nn2_bwd, the training step). Where the op takes a forward output instead of its input
(sigmoid_bwd takes A, not Z) the call is the kernel autograd runs for it
(torch.ops.aten.sigmoid_backward and the like).
"""
torch = None
F = None



def init():
    global torch, F
    import torch as t
    import torch.nn.functional as f
    torch, F = t, f
    torch.set_num_interop_threads(1)
    return torch.__version__


def set_threads(n):
    torch.set_num_threads(n)


def to_peer(arrays):
    return {k: torch.from_numpy(v) for k, v in arrays.items()}


def to_numpy(x):
    return x.detach().numpy() if isinstance(x, torch.Tensor) else x


def _no_grad(f):
    def call():
        with torch.no_grad():
            return f()
    return call


def _autograd(outputs, inputs, grads, names):
    """The op is the backward of a graph built once: autograd.grad each call."""
    def call():
        gs = torch.autograd.grad(outputs, inputs, grads, retain_graph=True)
        return dict(zip(names, gs))
    return call


# ---- dense layers ----

def dense_fwd(t, d):
    X, W, b = t["X"], t["W"], t["b"].view(-1)
    return _no_grad(lambda: {"Z": F.linear(X, W, b)})


def dense_fwd_cm(t, d):
    W, X, b = t["W"], t["X"], t["b"]
    return _no_grad(lambda: {"Z": torch.addmm(b, W, X)})


def _reshape(call, shapes):
    def f():
        out = call()
        for k, s in shapes.items():
            out[k] = out[k].view(s)
        return out
    return f


def dense_bwd(t, d):
    X = t["X"].requires_grad_(True)
    W = t["W"].requires_grad_(True)
    b = torch.zeros(d["h"], requires_grad=True)  # db does not depend on b's value
    call = _autograd(F.linear(X, W, b), (W, b, X), t["dZ"], ("dW", "db", "dX"))
    return _reshape(call, {"db": (1, d["h"])})


def dense_bwd_cm(t, d):
    W = t["W"].requires_grad_(True)
    X = t["X"].requires_grad_(True)
    b = torch.zeros(d["h"], 1, requires_grad=True)
    Z = torch.addmm(b, W, X)
    return _autograd(Z, (W, b, X), t["dZ"], ("dW", "db", "dX"))


def dense_act_fwd(t, d):
    X, W, b = t["X"], t["W"], t["b"].view(-1)
    return _no_grad(lambda: {"A": torch.relu(F.linear(X, W, b))})


def dense_act_bwd(t, d):
    # The op takes A, not the pre-activation: relu's backward as autograd runs
    # it (threshold_backward on the output), then linear's backward.
    X, W, A, dA = t["X"], t["W"], t["A"], t["dA"]

    def call():
        with torch.no_grad():
            delta = torch.ops.aten.threshold_backward(dA, A, 0)
            return {"dW": delta.t().mm(X), "db": delta.sum(0, keepdim=True), "dX": delta.mm(W)}
    return call


def sparse_dense_fwd(t, d):
    # A user's default: the dense layer (torch.sparse's CSR product is slower
    # than dense at 90% zeros on the CPU).
    return dense_fwd(t, d)


def lowrank_fwd(t, d):
    X, U, V = t["X"], t["U"], t["V"]
    return _no_grad(lambda: {"Z": F.linear(F.linear(X, U), V)})


# ---- activations ----

def bias_add(t, d):
    Z, b = t["Z"], t["b"]
    return _no_grad(lambda: {"Y": Z + b})


def _elementwise(fn, out="A"):
    def op(t, d):
        Z = t["Z"]
        return _no_grad(lambda: {out: fn(Z)})
    return op


def _act_bwd_from_input(fn):
    """dZ of A = fn(Z) for upstream dA: the graph built once, autograd per call."""
    def op(t, d):
        Z = t["Z"].requires_grad_(True)
        return _autograd(fn(Z), (Z,), t["dA"], ("dZ",))
    return op


def _act_bwd_from_output(kernel):
    def op(t, d):
        A, dA = t["A"], t["dA"]
        return _no_grad(lambda: {"dZ": kernel(dA, A)})
    return op


def _softmax_backward(dA, A):
    return torch._softmax_backward_data(dA, A, 1, A.dtype)


def _softmax_unstable(Z):
    E = torch.exp(Z)
    return E / E.sum(1, keepdim=True)


# ---- losses: each loss op, and its gradient by autograd of the same loss ----

def _mse(A, Y, m):
    return F.mse_loss(A, Y, reduction="sum") / (2 * m)


def _bce(A, Y, m):
    return F.binary_cross_entropy(A, Y, reduction="sum") / m


def _xent(Z, Y, m):
    return F.cross_entropy(Z, Y)  # probability targets: the mean over the m rows


def _loss(fn, a, b):
    def op(t, d):
        A, Y = t[a], t[b]
        return _no_grad(lambda: {"L": fn(A, Y, d["m"]).view(1, 1)})
    return op


def _loss_grad(fn, a, b, out):
    """The loss's graph built once, autograd.grad per call: the backward of
    mse and bce works from the saved inputs A and Y alone, as the op does."""
    def op(t, d):
        A = t[a].requires_grad_(True)
        return _autograd(fn(A, t[b], d["m"]), (A,), None, (out,))
    return op


def _loss_grad_with_forward(fn, a, b, out):
    """Forward and backward per call: the backward of cross_entropy starts from
    the forward's log_softmax, which the op computes from Z too."""
    def op(t, d):
        A0, Y = t[a], t[b]

        def call():
            A = A0.detach().requires_grad_(True)
            (g,) = torch.autograd.grad(fn(A, Y, d["m"]), (A,))
            return {out: g}
        return call
    return op


# ---- the MLP (784-256-128-10 by default): functional form, autograd, torch.optim.SGD ----

MLP_PARAMS = ("W1", "b1", "W2", "b2", "W3", "b3")


def _mlp_loss(p, X, Y):
    a1 = torch.relu(F.linear(X, p["W1"], p["b1"].view(-1)))
    a2 = torch.relu(F.linear(a1, p["W2"], p["b2"].view(-1)))
    return F.cross_entropy(F.linear(a2, p["W3"], p["b3"].view(-1)), Y)


def mlp_fwd(t, d):
    return _no_grad(lambda: {"L": _mlp_loss(t, t["X"], t["Y"]).view(1, 1)})


def mlp_bwd(t, d):
    def call():
        p = {k: t[k].detach().requires_grad_(True) for k in MLP_PARAMS}
        gs = torch.autograd.grad(_mlp_loss(p, t["X"], t["Y"]), [p[k] for k in MLP_PARAMS])
        return {"d" + k: g for k, g in zip(MLP_PARAMS, gs)}
    return call


def mlp_train_step(t, d):
    p = {k: t[k].requires_grad_(True) for k in MLP_PARAMS}
    opt = torch.optim.SGD(list(p.values()), lr=d["lr"])
    X, Y = t["X"], t["Y"]

    def call():
        opt.zero_grad(set_to_none=True)
        _mlp_loss(p, X, Y).backward()
        opt.step()
        return p
    return call


# ---- seed 002: regression and the two-layer network ----

def linreg_cost(t, d):
    X, y, theta = t["X"], t["y"], t["theta"]
    return _no_grad(lambda: {"J": (F.mse_loss(X.mm(theta), y, reduction="sum") / (2 * d["m"])).view(1, 1)})


def linreg_grad(t, d):
    X, y, theta = t["X"], t["y"], t["theta"]
    return _no_grad(lambda: {"dtheta": X.t().mm(X.mm(theta) - y) / d["m"]})


def logreg_cost(t, d):
    X, y, theta = t["X"], t["y"], t["theta"]
    return _no_grad(lambda: {"J": (F.binary_cross_entropy_with_logits(X.mm(theta), y, reduction="sum")
                                   / d["m"]).view(1, 1)})


def logreg_grad(t, d):
    X, y, theta = t["X"], t["y"], t["theta"]
    return _no_grad(lambda: {"dtheta": X.t().mm(torch.sigmoid(X.mm(theta)) - y) / d["m"]})


def _nn2_loss(X, Y, T1, T2, m):
    a2 = torch.sigmoid(F.linear(X, T1))
    return F.binary_cross_entropy_with_logits(F.linear(a2, T2), Y, reduction="sum") / m


def nn2_fwd(t, d):
    return _no_grad(lambda: {"J": _nn2_loss(t["X"], t["Y"], t["Theta1"], t["Theta2"], d["m"]).view(1, 1)})


def nn2_bwd(t, d):
    def call():
        T1 = t["Theta1"].detach().requires_grad_(True)
        T2 = t["Theta2"].detach().requires_grad_(True)
        g1, g2 = torch.autograd.grad(_nn2_loss(t["X"], t["Y"], T1, T2, d["m"]), (T1, T2))
        return {"dTheta1": g1, "dTheta2": g2}
    return call


def linreg_sgd_epoch(t, d):
    X, y, theta0 = t["X"], t["y"], t["theta0"]
    m, b = d["m"], d["b"]

    def call():
        with torch.no_grad():
            theta = theta0.clone()
            for s in range(0, m, b):
                Xs, ys = X[s:s + b], y[s:s + b]
                theta.sub_(Xs.t().mm(Xs.mm(theta) - ys), alpha=d["lr"] / Xs.shape[0])
            return {"theta": theta}
    return call


OPS = {
    "dense_fwd": dense_fwd,
    "dense_fwd_cm": dense_fwd_cm,
    "dense_bwd": dense_bwd,
    "dense_bwd_cm": dense_bwd_cm,
    "dense_act_fwd": dense_act_fwd,
    "dense_act_bwd": dense_act_bwd,
    "sparse_dense_fwd": sparse_dense_fwd,
    "lowrank_fwd": lowrank_fwd,
    "bias_add": bias_add,
    "bias_add_cm": bias_add,
    "relu_fwd": _elementwise(lambda Z: torch.relu(Z)),
    "sigmoid_fwd": _elementwise(lambda Z: torch.sigmoid(Z)),
    "tanh_fwd": _elementwise(lambda Z: torch.tanh(Z)),
    "softmax_fwd": _elementwise(lambda Z: torch.softmax(Z, 1)),
    "softmax_unstable_fwd": _elementwise(lambda Z: _softmax_unstable(Z)),
    "relu_bwd": _act_bwd_from_input(lambda Z: torch.relu(Z)),
    "sigmoid_bwd": _act_bwd_from_output(lambda dA, A: torch.ops.aten.sigmoid_backward(dA, A)),
    "tanh_bwd": _act_bwd_from_output(lambda dA, A: torch.ops.aten.tanh_backward(dA, A)),
    "softmax_bwd": _act_bwd_from_output(lambda dA, A: _softmax_backward(dA, A)),
    "mse_loss": _loss(_mse, "A", "Y"),
    "mse_grad": _loss_grad(_mse, "A", "Y", "dA"),
    "bce_loss": _loss(_bce, "A", "Y"),
    "bce_grad": _loss_grad(_bce, "A", "Y", "dA"),
    "softmax_xent_loss": _loss(_xent, "Z", "Y"),
    "softmax_xent_grad": _loss_grad_with_forward(_xent, "Z", "Y", "dZ"),
    "mlp_fwd": mlp_fwd,
    "mlp_bwd": mlp_bwd,
    "mlp_train_step": mlp_train_step,
    "linreg_cost": linreg_cost,
    "linreg_grad": linreg_grad,
    "logreg_cost": logreg_cost,
    "logreg_grad": logreg_grad,
    "nn2_fwd": nn2_fwd,
    "nn2_bwd": nn2_bwd,
    "linreg_sgd_epoch": linreg_sgd_epoch,
}

