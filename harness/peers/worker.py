"""vecbench's peer worker: runs the PyTorch and NumPy forms of vecbench's ops
for `vecbench check` and `vecbench run`, one process per vecbench run.

    python3 -I -S -B worker.py list the (peer, op) pairs it implements, one a line;
                                    imports neither numpy nor torch
    python3 -B worker.py serve      the protocol below on stdin/stdout (-B: no
                                    __pycache__ in the source tree)

Protocol: each request is one JSON line, followed by the .npy blobs of the
inputs it announces ("tensors": [{"name", "bytes"}], in that order); each reply
is one JSON line ("ok": true, or "ok": false with "error"), followed by the
blobs its "tensors" announce.

    {"cmd": "hello"}                 which peers can run here, or why not; the
                                     versions of those that ran
    {"cmd": "load", "peer", "op", "dims", "lr", "tensors", "tune"}
                                     the op's inputs (and a training op's learning
                                     rate, given to the peer with the dims); with "tune", warm-up calls
                                     and the best of 1 or 2 threads (kept)
    {"cmd": "call"}                  one call on the loaded inputs; replies with
                                     every output (and in/out tensor) as .npy
    {"cmd": "time", "calls": N}      N calls; replies with their total seconds and
                                     the worker's resident peak since the load

Anything a library prints goes to stderr: stdout carries the protocol only.
"""
import io
import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import peer_numpy  # noqa: E402  (imports numpy only in init())
import peer_torch  # noqa: E402  (imports torch only in init())

PEERS = {"torch": peer_torch, "numpy": peer_numpy}

# Thread settings tried for each case: 1 and 2 (the "best of 1 or 2"),
# 2 only where the machine has two CPUs.
THREADS = (1, 2) if (os.cpu_count() or 1) >= 2 else (1,)
TUNE_MIN_CALLS = 3
TUNE_SECONDS = 0.1  # per thread setting, after a warm-up call


def peak_rss():
    """The worker's resident high-water mark in bytes (VmHWM), or -1."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return -1


def cmd_list():
    for name, mod in PEERS.items():
        for op in sorted(mod.OPS):
            print(name, op)
    return 0


class Worker:
    def __init__(self, out):
        self.out = out
        self.np = None
        self.why = {}  # peer -> reason it cannot run, None when it can
        self.version = {}
        self.case = None  # (peer module, op fn, inputs, dims)
        self.fn = None

    def reply(self, obj, blobs=()):
        self.out.write(json.dumps(obj).encode() + b"\n")
        for b in blobs:
            self.out.write(b)
        self.out.flush()

    def hello(self, req, blobs):
        """Which peers can run: their libraries are installed (found, not imported:
        importing PyTorch takes a second, and `vecbench list` asks too)."""
        import importlib.util
        hidden = os.environ.get("VB_PEER_TEST_HIDE", "").split(",")  # test-only: a library not installed
        for name in PEERS:
            for lib in dict.fromkeys(("numpy", name)):
                if lib in hidden or importlib.util.find_spec(lib) is None:
                    self.why[name] = (f"{lib} is not installed for {sys.executable}: "
                                      f"apt-get install python3-{lib}")
                    break
            else:
                self.why.setdefault(name, None)
        facts = {p: {"available": self.why[p] is None, "reason": self.why[p] or "",
                     "version": self.version.get(p, "")} for p in PEERS}
        return {"ok": True, "peers": facts, "python": sys.version.split()[0]}

    def init(self, peer):
        """Imports the peer's library the first time it runs."""
        if peer in self.version:
            return
        try:
            import numpy
            self.np = numpy
            self.version[peer] = PEERS[peer].init()
        except ImportError as e:
            raise RuntimeError(f"{peer} is installed but cannot be imported by {sys.executable}: {e}")

    def set_threads(self, peer, n):
        PEERS[peer].set_threads(n)

    def load(self, req, blobs):
        peer, op = req["peer"], req["op"]
        if self.why.get(peer, "not asked for") is not None:
            raise RuntimeError(f"peer {peer} is unavailable: {self.why.get(peer)}")
        self.init(peer)
        mod = PEERS[peer]
        if op not in mod.OPS:
            raise RuntimeError(f"peer {peer} has no form of {op}")
        np = self.np
        t = {}
        for spec, blob in zip(req["tensors"], blobs):
            t[spec["name"]] = np.load(io.BytesIO(blob), allow_pickle=False)
        self.outputs = [o["name"] for o in req["outputs"]]
        self.shapes = {o["name"]: tuple(o["shape"]) for o in req["outputs"]}
        self.case = (peer, op, t, {**req["dims"], **({"lr": req["lr"]} if "lr" in req else {})})
        self.fn = None
        reply = {"ok": True}
        if req.get("tune"):
            reply.update(self.tune())
        return reply

    def make(self):
        """A fresh call on the loaded inputs (in/out tensors as loaded)."""
        peer, op, t, dims = self.case
        mod = PEERS[peer]
        self.fn = mod.OPS[op](mod.to_peer({k: v.copy() for k, v in t.items()}), dims)

    def tune(self):
        """Warm-up, then the median time per call at each thread setting; keeps the best."""
        peer = self.case[0]
        try:  # the worker's resident peak from here on is this case's (VmHWM reset)
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
        except OSError:
            pass
        best, times = None, {}
        for n in THREADS:
            self.set_threads(peer, n)
            self.make()
            self.fn()  # warm-up: allocator, thread pool, caches
            samples = []
            start = time.perf_counter()
            while len(samples) < TUNE_MIN_CALLS or time.perf_counter() - start < TUNE_SECONDS:
                t0 = time.perf_counter()
                self.fn()
                samples.append(time.perf_counter() - t0)
            samples.sort()
            times[n] = samples[len(samples) // 2]
            if best is None or times[n] < times[best]:
                best = n
        self.set_threads(peer, best)
        self.make()
        self.fn()
        return {"threads": best, "tune_seconds": {str(k): v for k, v in times.items()}}

    def call(self, req, blobs):
        self.make()
        peer, op = self.case[0], self.case[1]
        outs = self.fn()
        mod = PEERS[peer]
        np = self.np
        perturb = os.environ.get("VB_PEER_TEST_PERTURB")  # test-only: a peer that computes wrongly
        out_blobs, specs = [], []
        for name in self.outputs:
            if name not in outs:
                raise RuntimeError(f"{peer} {op} returned no output {name}")
            a = np.ascontiguousarray(mod.to_numpy(outs[name]), dtype=np.float32)
            if a.size != int(np.prod(self.shapes[name])):
                raise RuntimeError(f"{peer} {op}: output {name} has {a.size} elements, "
                                   f"expected shape {self.shapes[name]}")
            a = a.reshape(self.shapes[name])
            if perturb == f"{op}/{peer}":
                a = a.copy()
                a.flat[0] *= 1.001
            buf = io.BytesIO()
            np.save(buf, a, allow_pickle=False)
            out_blobs.append(buf.getvalue())
            specs.append({"name": name, "bytes": len(out_blobs[-1])})
        return {"ok": True, "tensors": specs}, out_blobs

    def time(self, req, blobs):
        if self.fn is None:
            self.make()
        fn, n = self.fn, int(req["calls"])
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        return {"ok": True, "seconds": time.perf_counter() - t0, "peak_rss_bytes": peak_rss()}

    def serve(self, inp):
        handlers = {"hello": self.hello, "load": self.load, "call": self.call, "time": self.time}
        while True:
            line = inp.readline()
            if not line:
                return 0
            req = json.loads(line)
            blobs = [inp.read(int(t["bytes"])) for t in req.get("tensors", [])]
            op = req.get("op") or (self.case[1] if self.case else "")
            if os.environ.get("VB_PEER_TEST_EXIT") == f"{req['cmd']}:{op}":
                os._exit(3)  # test-only: the worker dies in the middle of a run
            out_blobs = ()
            try:
                r = handlers[req["cmd"]](req, blobs)
                if isinstance(r, tuple):
                    r, out_blobs = r
            except Exception as e:  # the op failed: vecbench reports it, the worker goes on
                r = {"ok": False, "error": f"{type(e).__name__}: {e}".replace("\n", " ")[:400]}
                out_blobs = ()
            self.reply(r, out_blobs)


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in ("list", "serve"):
        print("usage: worker.py list|serve", file=sys.stderr)
        return 2
    if sys.argv[1] == "list":
        return cmd_list()
    # Ctrl-C reaches the whole process group: vecbench handles it (finished
    # results kept) and closes the socket, which ends the worker.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # stray prints of the libraries go to stderr
    sys.stdout = sys.stderr
    return Worker(out).serve(sys.stdin.buffer)


if __name__ == "__main__":
    sys.exit(main())
