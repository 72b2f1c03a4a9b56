"""Interrupted runs: SIGINT or SIGTERM during `vecbench run` stops it cleanly
(exit 128 + signal), keeps the benchmarks that finished in <out>.partial.json
marked "partial": true, never writes --out (an existing file there, e.g. a
baseline, stays byte for byte), and leaves no temporary file. The signal is
sent once a benchmark has finished (read from a pty, so output is
line-buffered). Usage: hostile_interrupt.py VECBENCH"""
import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import tempfile
import time

vb = sys.argv[1]
fails = 0
DIMS = "m=33,d=17,h=9"
# Four benchmarks (dense_fwd, dense_bwd x loop, vec) of at least 0.5 s each.
RUN = ["run", "--op", "^dense_(fwd|bwd)$", "--variant", "loop,vec", "--dims", DIMS]
FINISHED = re.compile(r"^(dense_\w+/\w+/m:33/d:17/h:9)\S*\s+[\d.]+ (ns|us|ms|s)\s")


def expect(cond, what):
    global fails
    print(("ok:   " if cond else "FAIL: ") + what)
    fails += not cond


def run_until(args, trigger, sig, tmpdir):
    """Runs vecbench on a pty; sends sig once a line matches trigger.
    Returns (exit status, stdout text, stderr text, lines seen before the signal)."""
    master, slave = pty.openpty()
    with open(os.path.join(tmpdir, "stderr"), "w+") as err:
        p = subprocess.Popen([vb] + args, stdout=slave, stderr=err, stdin=subprocess.DEVNULL,
                             env=dict(os.environ, TMPDIR=os.path.join(tmpdir, "t")))
        os.close(slave)
        buf, sent, before = b"", False, []
        deadline = time.time() + 300
        while time.time() < deadline:
            r, _, _ = select.select([master], [], [], 1.0)
            if not r:
                if p.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the pty
                break
            if not chunk:
                break
            buf += chunk
            if not sent:
                lines = buf.decode(errors="replace").replace("\r", "\n").split("\n")
                if any(trigger.search(l) for l in lines[:-1]):
                    before = lines[:-1]
                    p.send_signal(sig)
                    sent = True
        os.close(master)
        try:
            rc = p.wait(timeout=120)
        except subprocess.TimeoutExpired:
            p.kill()
            rc = "hung"
        err.seek(0)
        expect(sent, f"{' '.join(args[:2])}: the trigger appeared and the signal was sent")
        return rc, buf.decode(errors="replace").replace("\r", "\n"), err.read(), before


def finished_in(lines):
    return {m.group(1) for m in map(FINISHED.match, lines) if m}


def check_partial(label, rc, out, sig, stdout, stderr, before, tmpdir, baseline=None):
    expect(rc == 128 + sig, f"{label}: exit {128 + sig} (got {rc}); stderr: {stderr.strip()[:300]}")
    if baseline is None:
        expect(not os.path.exists(out), f"{label}: --out not written")
    else:
        expect(open(out, "rb").read() == baseline, f"{label}: the existing --out file is untouched")
    partial = out + ".partial.json"
    expect(os.path.exists(partial), f"{label}: {partial} written")
    expect(f"interrupted by {signal.Signals(sig).name}" in stdout, f"{label}: says it was interrupted")
    expect(os.listdir(os.path.join(tmpdir, "t")) == [], f"{label}: no temporary file left")
    expect(not [f for f in os.listdir(os.path.dirname(out)) if ".tmp." in f or f.endswith(".probe")],
           f"{label}: no temporary file next to --out")
    if not os.path.exists(partial):
        return None
    doc = json.load(open(partial))
    ctx = doc["context"]
    expect(ctx.get("partial") is True and ctx.get("interrupted_by") == signal.Signals(sig).name,
           f"{label}: context marks the file partial, interrupted by {signal.Signals(sig).name}")
    benches = doc["benchmarks"]
    done_before = finished_in(before)
    names = {b["run_name"] for b in benches}
    expect(len(benches) >= 1, f"{label}: finished benchmarks kept ({len(benches)})")
    expect(all(any(n.startswith(f) for n in names) for f in done_before),
           f"{label}: every benchmark finished before the signal is kept")
    expect(all(not b.get("error_occurred") for b in benches), f"{label}: no interrupted benchmark kept")
    expect(all(b.get("op") and b.get("variant") and b["real_time"] > 0 for b in benches),
           f"{label}: kept benchmarks carry vecbench's fields and a time")
    expect(len({n.split("/real_time")[0] for n in names}) < 4, f"{label}: the run was cut short")
    return doc


with tempfile.TemporaryDirectory() as d:
    os.makedirs(os.path.join(d, "t"))
    # SIGINT after the first benchmark finished; no file at --out before.
    out = os.path.join(d, "r.json")
    rc, so, se, before = run_until(RUN + ["--out", out, "--", "--benchmark_min_time=0.5", "--benchmark_color=false"],
                                   FINISHED, signal.SIGINT, d)
    print(so, se)
    check_partial("SIGINT", rc, out, signal.SIGINT, so, se, before, d)

    # SIGTERM with repetitions, over an existing file at --out (a baseline).
    out = os.path.join(d, "baseline.json")
    baseline = b'{"context": {}, "benchmarks": []}\n'
    open(out, "wb").write(baseline)
    rc, so, se, before = run_until(RUN + ["--out", out, "--", "--benchmark_min_time=0.2", "--benchmark_repetitions=3",
                                          "--benchmark_color=false"],
                                   re.compile(r"_median\s"), signal.SIGTERM, d)
    print(so, se)
    doc = check_partial("SIGTERM, repetitions", rc, out, signal.SIGTERM, so, se, before, d, baseline)
    if doc:
        expect(any(b.get("aggregate_name") == "median" for b in doc["benchmarks"]),
               "SIGTERM, repetitions: the finished benchmark's aggregates are kept")

    # SIGINT during the checks: nothing timed, nothing written.
    out = os.path.join(d, "c.json")
    rc, so, se, before = run_until(["run", "--op", "^dense", "--dims", "m=300,d=300,h=300", "--out", out],
                                   re.compile(r"^op\s+dims\s+variant"), signal.SIGINT, d)
    print(so, se)
    expect(rc == 130, f"SIGINT during checks: exit 130 (got {rc}); stderr: {se.strip()[:300]}")
    expect("during the checks" in so and "== timing" not in so, "SIGINT during checks: stops before timing")
    expect(not os.path.exists(out) and not os.path.exists(out + ".partial.json"),
           "SIGINT during checks: neither --out nor a partial file")
    expect(os.listdir(os.path.join(d, "t")) == [], "SIGINT during checks: no temporary file left")

print(f"{fails} failure(s)")
sys.exit(1 if fails else 0)
