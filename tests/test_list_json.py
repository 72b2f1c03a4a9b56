"""`vecbench list --json` is machine-readable and complete."""
import json
import subprocess
import sys

ops = json.loads(subprocess.run([sys.argv[1], "list", "--json"], check=True, capture_output=True, text=True).stdout)
assert isinstance(ops, list) and ops, "an array of ops"
names = [op["name"] for op in ops]
assert len(names) == len(set(names)), "op names are unique"
for op in ops:
    for key in ("name", "family", "dims", "sizes", "variants", "tensors"):
        assert key in op, f"{op.get('name')}: missing {key}"
    variants = [v["name"] for v in op["variants"]]
    assert "loop" in variants and "vec" in variants, f"{op['name']}: loop and vec"
    for s in op["sizes"]:
        assert all(s[d] >= 1 for d in op["dims"]), f"{op['name']}: sizes"
        assert s["flops"] > 0 and s["bytes"] > 0, f"{op['name']}: flops and bytes"
    for v in op["variants"]:
        assert v["available"] or v["unavailable"], f"{op['name']}/{v['name']}: says why unavailable"
    # The descriptor's batch dim is one of its dims; a step that updates weights names its learning rate.
    assert "batch" not in op or op["batch"] in op["dims"], f"{op['name']}: batch {op.get('batch')} is a dim"
    updates = any(t["dir"] == "inout" for t in op["tensors"]) or "train_step" in op["name"] or "epoch" in op["name"]
    assert ("lr" in op) == updates, f"{op['name']}: learning rate {op.get('lr')} (updates weights: {updates})"
    if "grad_of" in op:
        assert op["grad_of"] in names, f"{op['name']}: forward op exists"
for required in ("dense_fwd", "dense_fwd_cm", "dense_bwd", "dense_bwd_cm"):
    assert required in names, required
print(f"ok: {len(ops)} ops")
