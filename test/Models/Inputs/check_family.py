#!/usr/bin/python3
"""check_family.py BIN WORK CASE [--rtol R] [--atol A]: one model-shaped
benchmark case (bench/models.py) compiled by Tessera and compared with ONNX
Runtime (npm onnxruntime-node, the oracle) on seeded random inputs.

Prints tessera-run's comparison lines; exits non-zero on a mismatch.
"""
import argparse
import os
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import models  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bin")
    parser.add_argument("work")
    parser.add_argument("case")
    parser.add_argument("--rtol", default="1e-3")
    parser.add_argument("--atol", default="1e-4")
    args = parser.parse_args()
    makers = dict(models.CASES)
    if args.case not in makers:
        raise SystemExit(f"check_family: unknown case {args.case}; known: "
                         + ", ".join(makers))
    os.makedirs(args.work, exist_ok=True)
    path = os.path.join(args.work, "model.onnx")
    shapes = makers[args.case](path)
    rng = np.random.default_rng(3)
    feeds, shape_args, input_args = [], [], []
    for name, shape in shapes.items():
        npy = os.path.join(args.work, name + ".npy")
        if name in ("cos", "sin"):   # rotary tables: angles of positions x frequencies
            positions = np.arange(shape[2])[:, None] + 7
            freq = 10000.0 ** (-np.arange(shape[3] // 2) / (shape[3] // 2))
            angles = np.concatenate([positions * freq] * 2, axis=1)
            value = (np.cos(angles) if name == "cos" else np.sin(angles)).reshape(shape)
        elif name == "mask":         # additive padding mask: the last quarter masked
            value = np.zeros(shape)
            value[..., shape[-1] - shape[-1] // 4:] = -10000.0
        else:
            value = rng.standard_normal(shape) * 0.5
        np.save(npy, value.astype(np.float32))
        feeds.append(f"{name}={npy}")
        input_args += ["--input", f"{name}={npy}"]
        shape_args += ["--input-shape", f"{name}={'x'.join(map(str, shape))}"]
    oracle = os.path.join(args.work, "ort")
    env = dict(os.environ, NODE_PATH=os.path.join(ROOT, ".deps", "npm", "node_modules"))
    subprocess.run(["node", os.path.join(ROOT, "tools", "tessera-verify", "ort_oracle.js"),
                    path, oracle, *feeds], check=True, env=env)
    prefix = os.path.join(args.work, "out", "model")
    subprocess.run([os.path.join(args.bin, "tessera-compile"), path, "-o", prefix,
                    *shape_args], check=True)
    outputs = sorted(f for f in os.listdir(oracle) if f.endswith(".npy"))
    expected = []
    for i in range(len(outputs)):
        expected += ["--expected", os.path.join(oracle, f"{i}.npy")]
    result = subprocess.run([os.path.join(args.bin, "tessera-run"), prefix + ".so",
                             *input_args, *expected, "--rtol", args.rtol, "--atol",
                             args.atol], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    print(result.stdout, end="")
    sys.exit(result.returncode)


if __name__ == "__main__":
    main()
