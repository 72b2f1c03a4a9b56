"""vecbench's ops as one writes them in NumPy (float32 arrays), the seeds'
vectorized forms: np.dot for the products, broadcasting for the biases,
explicit gradient formulas for the backward ops.

Each entry of OPS takes the op's arrays (shapes as in the op's descriptor) and
dims and returns the call that is timed; the call returns the outputs by name.
"""
np = None
_blas_threads = None  # sets the BLAS thread count (threadpoolctl, else OpenBLAS by ctypes)



def init():
    global np, _blas_threads
    import numpy
    np = numpy
    _blas_threads = _thread_setter()
    return numpy.__version__


def _thread_setter():
    try:
        from threadpoolctl import threadpool_limits
        return lambda n: threadpool_limits(limits=n, user_api="blas")
    except ImportError:
        pass
    # The OpenBLAS numpy loaded, found in this process's mappings.
    import ctypes
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "openblas" in line and ".so" in line}
    except OSError:
        libs = set()
    for path in sorted(libs):
        try:
            fn = ctypes.CDLL(path).openblas_set_num_threads
            return lambda n, fn=fn: fn(n)
        except (OSError, AttributeError):
            continue
    return lambda n: None


def set_threads(n):
    _blas_threads(n)


def to_peer(arrays):
    return arrays


def to_numpy(x):
    return x


def _f32(x):
    return np.float32(x)


# ---- dense layers ----

def dense_fwd(t, d):
    X, W, b = t["X"], t["W"], t["b"]
    return lambda: {"Z": np.dot(X, W.T) + b}


def dense_fwd_cm(t, d):
    W, X, b = t["W"], t["X"], t["b"]
    return lambda: {"Z": np.dot(W, X) + b}


def dense_bwd(t, d):
    X, W, dZ = t["X"], t["W"], t["dZ"]
    return lambda: {"dW": np.dot(dZ.T, X), "db": dZ.sum(axis=0, keepdims=True), "dX": np.dot(dZ, W)}


def dense_bwd_cm(t, d):
    W, X, dZ = t["W"], t["X"], t["dZ"]
    return lambda: {"dW": np.dot(dZ, X.T), "db": dZ.sum(axis=1, keepdims=True), "dX": np.dot(W.T, dZ)}


def dense_act_fwd(t, d):
    X, W, b = t["X"], t["W"], t["b"]
    return lambda: {"A": np.maximum(np.dot(X, W.T) + b, 0)}


def dense_act_bwd(t, d):
    X, W, A, dA = t["X"], t["W"], t["A"], t["dA"]

    def call():
        delta = dA * (A > 0)
        return {"dW": np.dot(delta.T, X), "db": delta.sum(axis=0, keepdims=True), "dX": np.dot(delta, W)}
    return call


def lowrank_fwd(t, d):
    X, U, V = t["X"], t["U"], t["V"]
    return lambda: {"Z": np.dot(np.dot(X, U.T), V.T)}


# ---- activations and softmax ----

def bias_add(t, d):
    Z, b = t["Z"], t["b"]
    return lambda: {"Y": Z + b}


def _unary(fn, a="Z", out="A"):
    def op(t, d):
        Z = t[a]
        return lambda: {out: fn(Z)}
    return op


def _binary(fn, a, b, out):
    def op(t, d):
        A, B = t[a], t[b]
        return lambda: {out: fn(A, B, d["m"])}
    return op


def _sigmoid(Z):
    return 1 / (1 + np.exp(-Z))


def _softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def _softmax_unstable(Z):
    E = np.exp(Z)
    return E / E.sum(axis=1, keepdims=True)


def _logsumexp(Z):
    zmax = Z.max(axis=1, keepdims=True)
    return zmax + np.log(np.exp(Z - zmax).sum(axis=1, keepdims=True))


def _relu_bwd(t, d):
    Z, dA = t["Z"], t["dA"]
    return lambda: {"dZ": dA * (Z > 0)}


# ---- losses ----

def _scalar(x):
    return np.asarray(x, dtype=np.float32).reshape(1, 1)


def _mse(A, Y, m):
    return _scalar(np.sum((A - Y) ** 2) / _f32(2 * m))


def _bce(A, Y, m):
    return _scalar(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / _f32(m))


def _xent(Z, Y, m):
    return _scalar(np.sum(Y * (_logsumexp(Z) - Z)) / _f32(m))


# ---- the MLP: the forward kept for backpropagation, explicit gradients ----

def _mlp_forward(t):
    Z1 = np.dot(t["X"], t["W1"].T) + t["b1"]
    A1 = np.maximum(Z1, 0)
    Z2 = np.dot(A1, t["W2"].T) + t["b2"]
    A2 = np.maximum(Z2, 0)
    Z3 = np.dot(A2, t["W3"].T) + t["b3"]
    return A1, A2, Z3


def _mlp_grads(t, m):
    A1, A2, Z3 = _mlp_forward(t)
    dZ3 = (_softmax(Z3) - t["Y"]) / _f32(m)
    dZ2 = np.dot(dZ3, t["W3"]) * (A2 > 0)
    dZ1 = np.dot(dZ2, t["W2"]) * (A1 > 0)
    return {"dW3": np.dot(dZ3.T, A2), "db3": dZ3.sum(axis=0, keepdims=True),
            "dW2": np.dot(dZ2.T, A1), "db2": dZ2.sum(axis=0, keepdims=True),
            "dW1": np.dot(dZ1.T, t["X"]), "db1": dZ1.sum(axis=0, keepdims=True)}


def mlp_fwd(t, d):
    return lambda: {"L": _xent(_mlp_forward(t)[2], t["Y"], d["m"])}


def mlp_bwd(t, d):
    return lambda: _mlp_grads(t, d["m"])


def mlp_train_step(t, d):
    def call():
        g = _mlp_grads(t, d["m"])
        for k in ("W1", "b1", "W2", "b2", "W3", "b3"):
            t[k] -= _f32(d["lr"]) * g["d" + k]
        return t
    return call


# ---- seed 002: regression and the two-layer network, as in the seed ----

def linreg_cost(t, d):
    X, y, theta = t["X"], t["y"], t["theta"]
    return lambda: {"J": _scalar(np.sum((np.dot(X, theta) - y) ** 2) / _f32(2 * d["m"]))}


def linreg_grad(t, d):
    X, y, theta = t["X"], t["y"], t["theta"]
    return lambda: {"dtheta": np.dot(X.T, np.dot(X, theta) - y) / _f32(d["m"])}


def _softplus(z):
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def logreg_cost(t, d):
    # -y log h - (1 - y) log(1 - h) with h = sigma(z), as softplus(z) - y z
    # (log(1 - h) is lost once h rounds to 1 in float32)
    X, y, theta = t["X"], t["y"], t["theta"]

    def call():
        z = np.dot(X, theta)
        return {"J": _scalar(np.sum(_softplus(z) - y * z) / _f32(d["m"]))}
    return call


def logreg_grad(t, d):
    X, y, theta = t["X"], t["y"], t["theta"]
    return lambda: {"dtheta": np.dot(X.T, _sigmoid(np.dot(X, theta)) - y) / _f32(d["m"])}


def nn2_fwd(t, d):
    X, Y, T1, T2 = t["X"], t["Y"], t["Theta1"], t["Theta2"]

    def call():
        a2 = _sigmoid(np.dot(X, T1.T))
        z3 = np.dot(a2, T2.T)
        return {"J": _scalar(np.sum(_softplus(z3) - Y * z3) / _f32(d["m"]))}
    return call


def nn2_bwd(t, d):
    X, Y, T1, T2 = t["X"], t["Y"], t["Theta1"], t["Theta2"]
    m = _f32(d["m"])

    def call():
        a2 = _sigmoid(np.dot(X, T1.T))
        delta3 = _sigmoid(np.dot(a2, T2.T)) - Y
        delta2 = np.dot(delta3, T2) * a2 * (1 - a2)
        return {"dTheta1": np.dot(delta2.T, X) / m, "dTheta2": np.dot(delta3.T, a2) / m}
    return call


def linreg_sgd_epoch(t, d):
    X, y, theta0 = t["X"], t["y"], t["theta0"]
    m, b = d["m"], d["b"]

    def call():
        theta = theta0.copy()
        for s in range(0, m, b):
            Xs, ys = X[s:s + b], y[s:s + b]
            theta -= _f32(d["lr"] / Xs.shape[0]) * np.dot(Xs.T, np.dot(Xs, theta) - ys)
        return {"theta": theta}
    return call


OPS = {
    "dense_fwd": dense_fwd,
    "dense_fwd_cm": dense_fwd_cm,
    "dense_bwd": dense_bwd,
    "dense_bwd_cm": dense_bwd_cm,
    "dense_act_fwd": dense_act_fwd,
    "dense_act_bwd": dense_act_bwd,
    "sparse_dense_fwd": dense_fwd,
    "lowrank_fwd": lowrank_fwd,
    "bias_add": bias_add,
    "bias_add_cm": bias_add,
    "relu_fwd": _unary(lambda Z: np.maximum(Z, 0)),
    "sigmoid_fwd": _unary(_sigmoid),
    "tanh_fwd": _unary(lambda Z: np.tanh(Z)),
    "softmax_fwd": _unary(_softmax),
    "softmax_unstable_fwd": _unary(_softmax_unstable),
    "relu_bwd": _relu_bwd,
    "sigmoid_bwd": _binary(lambda A, dA, m: dA * A * (1 - A), "A", "dA", "dZ"),
    "tanh_bwd": _binary(lambda A, dA, m: dA * (1 - A * A), "A", "dA", "dZ"),
    "softmax_bwd": _binary(lambda A, dA, m: A * (dA - (A * dA).sum(axis=1, keepdims=True)), "A", "dA", "dZ"),
    "mse_loss": _binary(lambda A, Y, m: _mse(A, Y, m), "A", "Y", "L"),
    "mse_grad": _binary(lambda A, Y, m: (A - Y) / _f32(m), "A", "Y", "dA"),
    "bce_loss": _binary(lambda A, Y, m: _bce(A, Y, m), "A", "Y", "L"),
    "bce_grad": _binary(lambda A, Y, m: (A - Y) / (A * (1 - A) * _f32(m)), "A", "Y", "dA"),
    "softmax_xent_loss": _binary(lambda Z, Y, m: _xent(Z, Y, m), "Z", "Y", "L"),
    "softmax_xent_grad": _binary(lambda Z, Y, m: (_softmax(Z) - Y) / _f32(m), "Z", "Y", "dZ"),
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
