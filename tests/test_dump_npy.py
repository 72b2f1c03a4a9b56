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

# Your own inputs (`dump --inputs DIR`), and the seed's bias-broadcast mistake:
# the bias of a dense layer made a column, b = zeros((h, 1)), instead of a row
# (1, h). With m == h, NumPy adds it to Z (m, h) without a word, down the
# columns instead of across the rows; vecbench refuses it in one line naming
# both shapes, exit 2, and writes nothing.


def write_npy(path, shape, values):
    hdr = "{'descr': '<f8', 'fortran_order': False, 'shape': %s, }" % (repr(tuple(shape)),)
    total = (10 + len(hdr) + 1 + 63) // 64 * 64
    hdr = hdr + " " * (total - 10 - len(hdr) - 1) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr.encode("latin1"))
        f.write(struct.pack(f"<{len(values)}d", *values))


with tempfile.TemporaryDirectory() as d:
    m, dd, h = 2, 3, 2
    X = [0.5, -1.0, 2.0, 1.5, 0.25, -0.75]
    W = [1.0, 2.0, -1.0, 0.5, -0.5, 1.0]
    b = [10.0, -20.0]
    want = [b[j] + sum(X[i * dd + k] * W[j * dd + k] for k in range(dd)) for i in range(m) for j in range(h)]
    for bshape in [(1, h), (h,)]:  # a row, and a vector NumPy broadcasts as one
        src = os.path.join(d, "in%d" % len(bshape))
        os.mkdir(src)
        write_npy(os.path.join(src, "X.npy"), (m, dd), X)
        write_npy(os.path.join(src, "W.npy"), (h, dd), W)
        write_npy(os.path.join(src, "b.npy"), bshape, b)
        out = os.path.join(d, "out%d" % len(bshape))
        subprocess.run([vb, "dump", "dense_fwd", "--dims", "m=2,d=3,h=2", "--inputs", src, "--out", out], check=True)
        hz, Z = read_npy(os.path.join(out, "Z.npy"))
        assert hz["shape"] == (m, h) and all(abs(a - w) < 1e-12 for a, w in zip(Z, want)), (Z, want)
    for bshape in [(h, 1), (m, h), (1, h + 1)]:  # the column (silently broadcast by NumPy), a matrix, a wrong length
        src = os.path.join(d, "bad_%d_%d" % bshape)
        os.mkdir(src)
        write_npy(os.path.join(src, "X.npy"), (m, dd), X)
        write_npy(os.path.join(src, "W.npy"), (h, dd), W)
        write_npy(os.path.join(src, "b.npy"), bshape, (b * 3)[:bshape[0] * bshape[1]])
        out = os.path.join(d, "bad_out")
        r = subprocess.run([vb, "dump", "dense_fwd", "--dims", "m=2,d=3,h=2", "--inputs", src, "--out", out],
                           capture_output=True, text=True)
        got = "(%d, %d)" % bshape
        assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
        assert "has shape %s" % got in r.stderr and "b at m=2,d=3,h=2 is (1, 2)" in r.stderr, r.stderr
        assert not os.path.exists(out), "nothing written"
        print("refused:", r.stderr.strip())
    try:
        import numpy as np
        Xn, Wn = np.array(X).reshape(m, dd), np.array(W).reshape(h, dd)
        col = np.array(b).reshape(h, 1)
        assert (Xn @ Wn.T + col).shape == (m, h) and not np.allclose(Xn @ Wn.T + col, np.array(want).reshape(m, h))
        print("numpy broadcasts the column bias without an error, to the wrong values")
    except ImportError:
        pass
print("ok")
