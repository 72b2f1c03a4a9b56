"""`vecbench run --sweep`: each point a case, checked, recorded with
sweep_dim and sweep_value; crossovers in the summary; bad sweeps refused
with one line and exit 2, writing nothing."""
import json
import os
import subprocess
import sys
import tempfile

vb = sys.argv[1]
with tempfile.TemporaryDirectory() as d:
    out = os.path.join(d, "r.json")
    r = subprocess.run([vb, "run", "--op", "^sparse_dense_fwd$", "--variant", "vec,loop_csr,vec_csr",
                        "--dims", "m=9,d=17,h=5", "--sweep", "density=0.01,0.5", "--quiet", "--out", out,
                        "--", "--benchmark_min_time=0.002"], capture_output=True, text=True)
    print(r.stdout, r.stderr)
    assert r.returncode == 0, r.returncode
    benches = json.load(open(out))["benchmarks"]
    points = {(b["variant"], b["sweep_dim"], b["sweep_value"], b["dims"]) for b in benches}
    for v in ("vec", "loop_csr", "vec_csr"):
        assert (v, "density", 0.01, "m=9,d=17,h=5,density_pm=10") in points, (v, points)
        assert (v, "density", 0.5, "m=9,d=17,h=5,density_pm=500") in points, (v, points)
    assert all(0 <= b["check_err_bound"] <= 1 for b in benches)
    # the useful FLOPs follow the density
    f = {b["sweep_value"]: b["flops_per_iteration"] for b in benches if b["variant"] == "vec"}
    assert f[0.5] > f[0.01], f

    # the plot: time and workspace per variant along the sweep, and the
    # crossover marked where the synthetic times make vec and vec_csr cross
    doc = json.load(open(out))
    for b in doc["benchmarks"]:
        if b["variant"] in ("vec", "vec_csr"):
            b["real_time"], b["time_unit"] = {("vec", 0.01): 200.0, ("vec", 0.5): 200.0, ("vec_csr", 0.01): 50.0,
                                              ("vec_csr", 0.5): 800.0}[(b["variant"], b["sweep_value"])], "us"
    json.dump(doc, open(out + ".cross.json", "w"))
    plots = os.path.join(d, "plots")
    r = subprocess.run([vb, "plot", out + ".cross.json", "--out", plots], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert os.path.getsize(os.path.join(plots, "sweep_sparse_dense_fwd.png")) > 0
    cross = [l.split("\t") for l in open(os.path.join(plots, "sweep_sparse_dense_fwd_cross.dat")).read().splitlines()]
    # log-linear: ratio 1/4 at 0.01, 4 at 0.5 -> equal at sqrt(0.01 * 0.5)
    xc = [float(c[0]) for c in cross[1:] if c[3] == "vec = vec_csr"]
    assert len(xc) == 1 and abs(xc[0] - (0.01 * 0.5) ** 0.5) < 1e-9, cross

    # the report's claims: the crossover from the same interpolation
    report = os.path.join(d, "report.md")
    r = subprocess.run([vb, "report", out + ".cross.json", "--plots", plots, "--out", report],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    text = open(report).read()
    assert "## The claims, answered" in text, text
    claim = [l for l in text.splitlines() if l.startswith("| sparse weights pay at low density |")]
    assert len(claim) == 1 and "crossover (vec_csr = vec) at density %.3g" % (0.01 * 0.5) ** 0.5 in claim[0], claim
    assert "(plots/sweep_sparse_dense_fwd.png)" in claim[0], claim

    # any dim: m of dense_fwd, checked at each point
    r = subprocess.run([vb, "check", "--op", "^dense_fwd$", "--dims", "d=7,h=3", "--sweep", "m=1,4,13"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    for m in (1, 4, 13):
        assert f"m={m},d=7,h=3" in r.stdout, r.stdout

    for args in (["--sweep", "foo="], ["--sweep", "nosuchdim=1,2"], ["--sweep", "m=1.5"], ["--sweep", "m=2,2"],
                 ["--sweep", "m=4", "--dims", "m=3"], ["--sweep", "density=0.0001"], ["--sweep", "m"]):
        r = subprocess.run([vb, "run", "--op", "^dense_fwd$|^sparse_dense_fwd$", "--out", out + ".bad"] + args,
                           capture_output=True, text=True)
        assert r.returncode == 2, (args, r.returncode, r.stderr)
        assert r.stderr.startswith("vecbench: ") and r.stderr.count("\n") == 1, (args, r.stderr)
        assert not os.path.exists(out + ".bad"), args
print("ok")
