"""Test helper: write a roofline calibration cache of known figures for the
stack `vecbench calibration-key` reports under the given environments (one
entry per environment, e.g. one per OPENBLAS_CORETYPE), so a test's runs
measure nothing. levels: the cache-aware roofs, e.g. l1_gbs=..., l1_bytes=..."""
import json
import os
import socket
import subprocess


def cache_file(cache_home):
    host = "".join(c if c.isalnum() or c in "-." else "_" for c in socket.gethostname())
    return os.path.join(cache_home, "vecbench", host + ".json")


def write_cache(vb, cache_home, envs, sgemm=50.0, fma=60.0, triad=9.0, copy=8.0, **levels):
    entries = []
    for env in envs:
        key = json.loads(subprocess.run([vb, "calibration-key"], capture_output=True, text=True, env=env,
                                        check=True).stdout)
        entries.append({"key": key, "cpu_model": key["cpu_model"], "date": "2026-01-01T00:00:00",
                        "sgemm_gflops": sgemm, "sgemm_n": 2048, "fma_gflops": fma, "fma_isa": "avx2",
                        "triad_gbs": triad, "copy_gbs": copy, "threads": key["threads"], "seconds": 1.0,
                        **levels})
    path = cache_file(cache_home)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump({"version": 2, "calibrations": entries}, f)
    return path
