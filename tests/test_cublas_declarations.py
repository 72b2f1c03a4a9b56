"""Every CUDA variant that reaches cuBLAS is declared with VB_CUBLAS_VARIANT, read from the source
(no GPU needed). The bridge refuses a VB_CUDA_VARIANT kernel that calls cuBLAS, but only on a
machine with a device: four variants (layout_fwd, matchain*_fwd, mlp_sgd_epoch cuda_vec) failed
their first GPU run that way. Here the call graph of kernels/cuda/*.cu is followed through the
files' own functions and the other variants, so the mistake fails on every machine.

  test_cublas_declarations.py SOURCE_DIR [FILE.cu ...]   (files: check those instead)
"""
import glob
import os
import re
import sys

CUBLAS_CALLS = re.compile(r"\b(vb_gemm_rm|vb_gemv_rm|vb_cublas|cublas\w+)\s*\(")
IDENT = re.compile(r"\b([A-Za-z_]\w*)\b")
VARIANT = re.compile(r"\b(VB_CUDA_VARIANT|VB_CUBLAS_VARIANT)\s*\(\s*(\w+)\s*\)\s*$")


def strip(src):
    """The source without comments, strings and preprocessor lines."""
    src = re.sub(r"/\*.*?\*/", " ", src, flags=re.S)
    src = re.sub(r"//[^\n]*", " ", src)
    src = re.sub(r'"(\\.|[^"\\])*"', '""', src)
    return re.sub(r"(?m)^\s*#.*$", " ", src)


def functions(src):
    """(name, macro or None, body) of each top-level definition with a body."""
    out, depth, start, header_from = [], 0, 0, 0
    for i, ch in enumerate(src):
        if ch == "{":
            if depth == 0:
                start, header = i, src[header_from:i].strip()
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                m = VARIANT.search(header)
                if m:
                    out.append((m[2], m[1], src[start:i + 1]))
                else:
                    call = re.search(r"(\w+)\s*\([^()]*(\([^()]*\)[^()]*)*\)\s*(const\s*)?$", header, flags=re.S)
                    if call:
                        out.append((call[1], None, src[start:i + 1]))
                header_from = i + 1
        elif ch == ";" and depth == 0:
            header_from = i + 1
    return out


root = sys.argv[1]
files = sys.argv[2:] or sorted(glob.glob(os.path.join(root, "kernels", "cuda", "*.cu")))
defs = {}  # name -> (macro, body, file); helpers of one name in several files merge
for f in files:
    for name, macro, body in functions(strip(open(f).read())):
        prev = defs.get(name)
        defs[name] = (macro or (prev[0] if prev else None), (prev[1] if prev else "") + body, f)
assert sum(1 for m, _, _ in defs.values() if m) >= 10, "variants found in kernels/cuda (is the parser broken?)"

uses = {}


def uses_cublas(name, seen=()):
    if name in uses:
        return uses[name]
    macro, body, _ = defs[name]
    why = None
    m = CUBLAS_CALLS.search(body)
    if m:
        why = m[1]
    else:
        for callee in sorted(set(IDENT.findall(body))):
            if callee == name or callee in seen or callee not in defs:
                continue
            if defs[callee][0] == "VB_CUBLAS_VARIANT":
                why = callee
                break
            sub = uses_cublas(callee, seen + (name,))
            if sub:
                why = f"{callee} -> {sub}"
                break
    uses[name] = why
    return why


bad = []
for name, (macro, body, f) in sorted(defs.items()):
    if macro == "VB_CUDA_VARIANT":
        why = uses_cublas(name)
        if why:
            bad.append(f"{os.path.relpath(f, root)}: {name} reaches cuBLAS ({why}) but is declared VB_CUDA_VARIANT")
for b in bad:
    print(b)
if bad:
    sys.exit(1)
n = sum(1 for m, _, _ in defs.values() if m)
print(f"ok: {n} CUDA variants, each reaching cuBLAS declared VB_CUBLAS_VARIANT")
