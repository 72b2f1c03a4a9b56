#!/usr/bin/env python3
"""vec against PyTorch, as issue-style targets: ROUNDS separate `vecbench run`s
of the same ops (vec and torch in each, checked first as always), then one
Markdown row per op and size with the median of the rounds: vec's and torch's
times, their ratio (the median of the per-round ratios, each taken in one run),
vec's GFLOP/s as a share of the calibrated FMA peak, and its place on the
roofline (`%roof`: against the roof of the memory level its data fit in).

    bench/vs_torch.py [--rounds 3] [--op REGEX] [--vecbench build/vecbench] [--keep DIR]

Run it on a quiet machine (no build, no other benchmark): two-thread timings
on two cores move 15-25x with a busy neighbour.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

DEFAULT_OPS = (
    "^(dense_fwd|dense_bwd|dense_act_fwd|mlp_fwd|mlp_train_step|nn2_bwd|lowrank_fwd|sigmoid_fwd|sigmoid_bwd|"
    "tanh_fwd|softmax_fwd|softmax_bwd|softmax_xent_grad|softmax_xent_loss|bce_loss|logreg_grad|linreg_grad|"
    "relu_fwd|relu_bwd|bias_add|mse_grad|mse_loss)$"
)


def fmt_time(us):
    if us >= 1000:
        return f"{us / 1000:.3g} ms"
    return f"{us:.3g} µs"


def to_us(b):
    scale = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}[b["time_unit"]]
    return b["real_time"] * scale


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--op", default=DEFAULT_OPS)
    ap.add_argument("--vecbench", default="build/vecbench")
    ap.add_argument("--keep", help="keep each round's results JSON in this directory")
    args = ap.parse_args()
    if args.rounds < 1:
        sys.exit("vs_torch: --rounds must be at least 1")
    if not os.access(args.vecbench, os.X_OK):
        sys.exit(f"vs_torch: {args.vecbench} is not an executable (build first: make build)")
    outdir = args.keep or tempfile.mkdtemp(prefix="vs_torch-")
    os.makedirs(outdir, exist_ok=True)
    rows = {}  # (op, dims) -> {"vec": [us], "torch": [us], "ratio": [..], "fma": [..], "bw": [..]}
    order = []
    context = None
    for r in range(args.rounds):
        out = os.path.join(outdir, f"round{r + 1}.json")
        cmd = [args.vecbench, "run", "--op", args.op, "--variant", "vec,torch", "--quiet", "--out", out]
        print(f"round {r + 1}/{args.rounds}: {' '.join(cmd)}", file=sys.stderr)
        rc = subprocess.call(cmd, stdout=subprocess.DEVNULL)
        if rc != 0:
            sys.exit(f"vs_torch: round {r + 1} exited {rc} (a check failed or torch is missing); see {out}")
        with open(out) as f:
            res = json.load(f)
        context = res["context"]
        fma = float(context["roofline_fma_gflops"])
        times = {}
        for b in res["benchmarks"]:
            if b.get("run_type") != "iteration":
                continue
            key = (b["op"], b["dims"])
            times.setdefault(key, {})[b["variant"]] = b
        for key, v in times.items():
            if "vec" not in v or "torch" not in v:
                continue
            if key not in rows:
                rows[key] = {k: [] for k in ("vec", "torch", "ratio", "fma", "roof", "level")}
                order.append(key)
            vec_us, torch_us = to_us(v["vec"]), to_us(v["torch"])
            row = rows[key]
            row["vec"].append(vec_us)
            row["torch"].append(torch_us)
            row["ratio"].append(torch_us / vec_us)
            row["fma"].append(v["vec"]["achieved_gflops"] / fma)
            row["roof"].append(v["vec"]["roofline_pct"])
            row["level"].append(v["vec"].get("roofline_level", "?"))
    print(f"\n{args.rounds} rounds; {context.get('cpu_model', '?')}, {context.get('threads', '?')} threads; "
          f"FMA peak {float(context['roofline_fma_gflops']):.0f} GFLOP/s, STREAM triad "
          f"{float(context['roofline_triad_gbs']):.0f} GB/s; gemm: {context.get('gemm_backend', '?')[:120]}; "
          f"results in {outdir}\n")
    print("| op | dims | vec | torch | torch/vec | vec % of FMA peak | vec %roof (its level) |")
    print("|---|---|---|---|---|---|---|")
    med = statistics.median
    for key in order:
        row = rows[key]
        print(f"| `{key[0]}` | {key[1]} | {fmt_time(med(row['vec']))} | {fmt_time(med(row['torch']))} | "
              f"{med(row['ratio']):.2f}x | {100 * med(row['fma']):.0f}% | {med(row['roof']):.0f}% "
              f"({'/'.join(sorted(set(row['level'])))}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
