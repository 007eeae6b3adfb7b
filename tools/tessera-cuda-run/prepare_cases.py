#!/usr/bin/python3
"""Prepares the GPU checks on a machine without one (scripts/cuda-device-check.sh).

  prepare_cases.py --bin BUILD/bin --out DIR [--list CASES.txt] [--limit N]

For every ONNX test case of the list that compiles for CUDA as it is (no
input to freeze), and for generated matmul models large enough for the
tensor-core kernel: `tessera-compile --target=cuda --mcpu=sm_90a --emit=ptx
-o` into DIR/<case>/ (sm_90a: the lent devices are H100/H200; other
architectures JIT its PTX only if their driver is new enough), the first data set's inputs and expected outputs as raw files,
and a line in DIR/cases.txt (case, rtol, atol, inputs, expected). Expected
values come from the ONNX test data, from numpy in float64 for the
generated matmuls, and from ONNX Runtime for the PaddleOCR classifier. Needs python3-onnx and python3-numpy (here, not on the
device machine).
"""
import argparse
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

DATA = "/usr/share/libonnx-testdata/data"


def raw(array, path):
    array = np.ascontiguousarray(array)
    if array.dtype == np.bool_:
        array = array.astype(np.uint8)
    with open(path, "wb") as f:
        f.write(array.tobytes())


def read_tensor(path):
    tensor = onnx.TensorProto()
    with open(path, "rb") as f:
        tensor.ParseFromString(f.read())
    return numpy_helper.to_array(tensor)


def compile_case(bin_dir, model, prefix, shapes):
    cmd = [os.path.join(bin_dir, "tessera-compile"), model, "--target=cuda",
           "--mcpu=sm_90a", "--emit=ptx", "-O1", "-o", prefix]
    for name, shape in shapes.items():
        cmd += ["--input-shape", "%s=%s" % (name, "x".join(map(str, shape)))]
    return subprocess.run(cmd, capture_output=True, text=True).returncode == 0


def matmul_models(out):
    """MatMul + bias + ReLU (and a transposed Gemm) at tensor-core sizes,
    edges not multiples of the tiles; expected from numpy in float64."""
    rng = np.random.default_rng(7)
    cases = []
    for name, (batch, m, k, n, trans) in {
            "gen/matmul_bias_relu": ((2,), 100, 256, 96, False),
            "gen/gemm_transb": ((), 130, 72, 200, True),
            "gen/matmul_square_512": ((), 512, 512, 512, False)}.items():
        x = rng.standard_normal(batch + (m, k)).astype(np.float32)
        w = (rng.standard_normal((n, k) if trans else (k, n)) / np.sqrt(k)).astype(np.float32)
        b = rng.standard_normal(n).astype(np.float32)
        if trans:
            nodes = [helper.make_node("Gemm", ["x", "w", "b"], ["y"], transB=1)]
        else:
            nodes = [helper.make_node("MatMul", ["x", "w"], ["p"]),
                     helper.make_node("Add", ["p", "b"], ["q"]),
                     helper.make_node("Relu", ["q"], ["y"])]
        graph = helper.make_graph(
            nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape))],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
            [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
        folder = os.path.join(out, name)
        os.makedirs(folder, exist_ok=True)
        model = os.path.join(folder, "model.onnx")
        onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), model)
        x64, w64 = x.astype(np.float64), w.astype(np.float64)
        y = x64 @ (w64.T if trans else w64) + b
        if not trans:
            y = np.maximum(y, 0)
        raw(x, os.path.join(folder, "input_0.bin"))
        raw(y.astype(np.float32), os.path.join(folder, "output_0.bin"))
        # tf32 keeps 10 mantissa bits: ~5e-4 relative per product.
        cases.append((name, model, 2e-2, 2e-2, 1, 1))
    return cases


def ort_models(out, root):
    """Models against ONNX Runtime's CPU outputs (npm onnxruntime-node, from
    scripts/setup.sh): the PaddleOCR text-direction classifier on a random
    1x3x48x192 line. Nothing when ORT or the model is missing."""
    modules = os.path.join(root, ".deps", "npm", "node_modules")
    model = os.path.join(modules, "@gutenye", "ocr-models", "assets",
                         "ch_ppocr_mobile_v2.0_cls_infer.onnx")
    if not os.path.exists(model):
        print("note: no PaddleOCR model (scripts/setup.sh installs it): left out")
        return []
    name = "models/paddleocr_cls"
    folder = os.path.join(out, name)
    os.makedirs(folder, exist_ok=True)
    x = np.random.default_rng(3).random((1, 3, 48, 192), dtype=np.float32)
    np.save(os.path.join(folder, "x.npy"), x)
    env = dict(os.environ, NODE_PATH=modules)
    proc = subprocess.run(["node", os.path.join(root, "tools", "tessera-verify", "ort_oracle.js"),
                           model, folder, "x=" + os.path.join(folder, "x.npy")],
                          capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        print("note: ONNX Runtime failed on the PaddleOCR model: left out (%s)"
              % proc.stderr.strip()[-200:])
        return []
    raw(x, os.path.join(folder, "input_0.bin"))
    raw(np.load(os.path.join(folder, "0.npy")), os.path.join(folder, "output_0.bin"))
    # tf32 matmuls (the classifier head): the relaxed tolerance.
    return [(name, model, 1e-2, 1e-3, 1, 1, {"x": x.shape})]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--list")
    parser.add_argument("--data", default=DATA)
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    lines = []
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    generated = [c + ({},) for c in matmul_models(args.out)] + ort_models(args.out, root)
    for name, model, rtol, atol, n_in, n_out, shapes in generated:
        prefix = os.path.join(args.out, name, "model")
        if not compile_case(args.bin, model, prefix, shapes):
            print("error: %s does not compile for CUDA" % name)
            return 1
        lines.append((name, rtol, atol, n_in, n_out))
    cases = []
    if args.list:
        with open(args.list) as f:
            cases = [l.split("#")[0].split()[-1] for l in f if l.split("#")[0].split()]
    skipped = 0
    for case in cases[:args.limit or None]:
        source = os.path.join(args.data, case)
        sets = sorted(d for d in os.listdir(source) if d.startswith("test_data_set"))
        if not sets:
            continue
        model = os.path.join(source, "model.onnx")
        folder = os.path.join(args.out, case)
        os.makedirs(folder, exist_ok=True)
        data = os.path.join(source, sets[0])
        graph = onnx.load(model, load_external_data=False).graph
        initializers = {t.name for t in graph.initializer}
        names = [i.name for i in graph.input if i.name not in initializers]
        try:
            tensors = [read_tensor(os.path.join(data, "input_%d.pb" % i))
                       for i in range(len(names))]
            outputs = [read_tensor(os.path.join(data, f)) for f in
                       sorted(f for f in os.listdir(data) if f.startswith("output_"))]
        except Exception:  # noqa: BLE001 - sequences, optionals: not tensors
            skipped += 1
            continue
        shapes = {n: a.shape for n, a in zip(names, tensors) if a.ndim}
        if not compile_case(args.bin, model, os.path.join(folder, "model"), shapes):
            skipped += 1  # needs frozen inputs, or fails on the CPU too
            continue
        for i, a in enumerate(tensors):
            raw(a, os.path.join(folder, "input_%d.bin" % i))
        for i, a in enumerate(outputs):
            raw(a, os.path.join(folder, "output_%d.bin" % i))
        lines.append((case, 1e-3, 1e-5, len(tensors), len(outputs)))
    with open(os.path.join(args.out, "cases.txt"), "w") as f:
        for line in lines:
            f.write("%s %g %g %d %d\n" % line)
    print("prepared %d cases in %s (%d left out: they need frozen inputs or do not compile)"
          % (len(lines), args.out, skipped))
    return 0


if __name__ == "__main__":
    sys.exit(main())
