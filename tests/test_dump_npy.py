"""`vecbench dump` writes .npy files with the right header, shape and values."""
import ast
import json
import os
import struct
import subprocess
import sys
import tempfile

vb = sys.argv[1]


def read_npy(path):
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x93NUMPY\x01\x00", path
    hlen = struct.unpack("<H", data[8:10])[0]
    assert (10 + hlen) % 64 == 0, "header padded to 64 bytes"
    header = ast.literal_eval(data[10:10 + hlen].decode("latin1"))
    fmt = {"<f4": "f", "<f8": "d"}[header["descr"]]
    n = header["shape"][0] * header["shape"][1]
    values = struct.unpack(f"<{n}{fmt}", data[10 + hlen:])
    return header, values


with tempfile.TemporaryDirectory() as d:
    out = os.path.join(d, "dump")
    subprocess.run([vb, "dump", "dense_fwd", "--dims", "m=3,d=5,h=2", "--seed", "7", "--out", out], check=True)
    meta = json.load(open(os.path.join(out, "meta.json")))
    assert meta["dims"] == {"m": 3, "d": 5, "h": 2} and meta["seed"] == 7
    hx, X = read_npy(os.path.join(out, "X.npy"))
    hw, W = read_npy(os.path.join(out, "W.npy"))
    hb, b = read_npy(os.path.join(out, "b.npy"))
    hz, Z = read_npy(os.path.join(out, "Z.npy"))
    assert hx["shape"] == (3, 5) and hw["shape"] == (2, 5) and hb["shape"] == (1, 2) and hz["shape"] == (3, 2)
    assert hx["descr"] == "<f8" and not hx["fortran_order"]
    for i in range(3):
        for j in range(2):
            z = b[j] + sum(X[i * 5 + k] * W[j * 5 + k] for k in range(5))
            assert abs(z - Z[i * 2 + j]) <= 1e-12 * (1 + abs(z)), (i, j)
    # float32 variant output, and refusal to overwrite an existing dump
    out2 = os.path.join(d, "vec")
    subprocess.run([vb, "dump", "dense_fwd", "--dims", "m=3,d=5,h=2", "--seed", "7", "--variant", "vec",
                    "--out", out2], check=True)
    hz2, Z2 = read_npy(os.path.join(out2, "Z.npy"))
    assert hz2["descr"] == "<f4" and all(abs(a - b) < 1e-5 for a, b in zip(Z, Z2))
    r = subprocess.run([vb, "dump", "dense_fwd", "--out", out], capture_output=True, text=True)
    assert r.returncode == 2 and "exists" in r.stderr and r.stderr.count("\n") == 1, r.stderr
    try:
        import numpy as np
        assert np.allclose(np.load(os.path.join(out, "X.npy")) @ np.load(os.path.join(out, "W.npy")).T
                           + np.load(os.path.join(out, "b.npy")), np.load(os.path.join(out, "Z.npy")))
        print("numpy reads the files")
    except ImportError:
        print("numpy not installed: header and values checked without it")
print("ok")
