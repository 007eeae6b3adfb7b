#!/usr/bin/python3
"""Prepares the GPU checks on a machine without one (scripts/cuda-device-check.sh).

  prepare_cases.py --bin BUILD/bin --out DIR [--list CASES.txt] [--limit N]

For every ONNX test case of the list that compiles for CUDA as it is (no
input to freeze), for generated matmul and convolution models large
enough for the tensor-core kernel, and for the models checked against ONNX Runtime: the
CUDA artifact, `tessera-compile --target=cuda --mcpu=sm_90a -O1 -o
DIR/<case>/model` (model.so, run through the runtime by artifact_run.py;
sm_90a: the lent devices are H100/H200; other architectures JIT its PTX
only if their driver is new enough), for the generated and ORT models also
the launch plan (`--emit=ptx -o`, replayed by cuda_run.py without the
runtime), the first data set's inputs and expected outputs as raw files,
and a line in DIR/cases.txt (case, rtol, atol, inputs, expected); the
runtime's shared library goes to DIR/libtessera_runtime.so. Expected
values come from the ONNX test data, from numpy in float64 for the
generated matmuls and convolutions, and from ONNX Runtime for the PaddleOCR classifier and
a generated transformer encoder. Needs python3-onnx and python3-numpy
(here, not on the device machine).
"""
import argparse
import os
import shutil
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


def compile_case(bin_dir, model, prefix, shapes, plan=False):
    """The artifact PREFIX.so (its object removed: the library holds it),
    and with `plan` the launch plan too."""
    cmd = [os.path.join(bin_dir, "tessera-compile"), model, "--target=cuda",
           "--mcpu=sm_90a", "-O1", "-o", prefix]
    for name, shape in shapes.items():
        cmd += ["--input-shape", "%s=%s" % (name, "x".join(map(str, shape)))]
    if subprocess.run(cmd, capture_output=True, text=True).returncode != 0:
        return False
    os.remove(prefix + ".o")
    os.remove(prefix + ".h")
    return not plan or subprocess.run(cmd + ["--emit=ptx"], capture_output=True,
                                      text=True).returncode == 0


def numpy_case(out, name, graph, x, y):
    """A generated one-input case whose expected output `y` comes from numpy
    in float64: the model, its input and output as raw files; tf32 keeps 10
    mantissa bits (~5e-4 relative per product), hence 2e-2."""
    folder = os.path.join(out, name)
    os.makedirs(folder, exist_ok=True)
    model = os.path.join(folder, "model.onnx")
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), model)
    raw(x, os.path.join(folder, "input_0.bin"))
    raw(y.astype(np.float32), os.path.join(folder, "output_0.bin"))
    return (name, model, 2e-2, 2e-2, 1, 1)


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
        x64, w64 = x.astype(np.float64), w.astype(np.float64)
        y = x64 @ (w64.T if trans else w64) + b
        if not trans:
            y = np.maximum(y, 0)
        cases.append(numpy_case(out, name, graph, x, y))
    return cases


def conv_reference(x, w, b, stride, dilation, pad, groups):
    """A 2-D convolution in float64 (the ONNX definition, zero padding)."""
    n, c, h, wd = x.shape
    f, cg, kh, kw = w.shape
    xp = np.zeros((n, c, h + 2 * pad, wd + 2 * pad))
    xp[:, :, pad:pad + h, pad:pad + wd] = x
    oh = (h + 2 * pad - dilation * (kh - 1) - 1) // stride + 1
    ow = (wd + 2 * pad - dilation * (kw - 1) - 1) // stride + 1
    y = np.zeros((n, f, oh, ow))
    fg = f // groups
    for g in range(groups):
        for i in range(kh):
            for j in range(kw):
                patch = xp[:, g * cg:(g + 1) * cg,
                           i * dilation:i * dilation + stride * (oh - 1) + 1:stride,
                           j * dilation:j * dilation + stride * (ow - 1) + 1:stride]
                y[:, g * fg:(g + 1) * fg] += np.einsum("nchw,fc->nfhw", patch,
                                                        w[g * fg:(g + 1) * fg, :, i, j])
    return y + (b.reshape(1, -1, 1, 1) if b is not None else 0)


def conv_models(out):
    """Direct convolutions at tensor-core sizes (their implicit GEMM on
    mma.sync): 3x3 with bias and ReLU, and a grouped, strided, dilated one;
    expected from numpy in float64."""
    rng = np.random.default_rng(11)
    cases = []
    for name, (xs, ws, stride, dilation, pad, groups, bias) in {
            "gen/conv3x3_bias_relu": ((2, 32, 28, 28), (64, 32, 3, 3), 1, 1, 1, 1, True),
            "gen/conv_grouped_strided": ((2, 32, 28, 28), (64, 16, 3, 3), 2, 2, 1, 2, False)
    }.items():
        x = rng.standard_normal(xs).astype(np.float32)
        w = (rng.standard_normal(ws) / np.sqrt(np.prod(ws[1:]))).astype(np.float32)
        b = rng.standard_normal(ws[0]).astype(np.float32) if bias else None
        inits = [numpy_helper.from_array(w, "w")] + ([numpy_helper.from_array(b, "b")] if bias else [])
        nodes = [helper.make_node("Conv", ["x", "w"] + (["b"] if bias else []),
                                  ["c" if bias else "y"], kernel_shape=list(ws[2:]),
                                  strides=[stride] * 2, dilations=[dilation] * 2,
                                  pads=[pad] * 4, group=groups)]
        if bias:
            nodes.append(helper.make_node("Relu", ["c"], ["y"]))
        graph = helper.make_graph(
            nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(xs))],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
        y = conv_reference(x.astype(np.float64), w.astype(np.float64),
                           b.astype(np.float64) if bias else None, stride, dilation, pad, groups)
        if bias:
            y = np.maximum(y, 0)
        cases.append(numpy_case(out, name, graph, x, y))
    return cases


def ort_case(out, root, name, model, feeds, rtol, atol):
    """A case whose expected outputs come from ONNX Runtime on the CPU (npm
    onnxruntime-node, from scripts/setup.sh); None when ORT fails."""
    modules = os.path.join(root, ".deps", "npm", "node_modules")
    folder = os.path.join(out, name)
    os.makedirs(folder, exist_ok=True)
    args = []
    for i, (input_name, value) in enumerate(feeds):
        path = os.path.join(folder, "feed_%d.npy" % i)
        np.save(path, value)
        args.append("%s=%s" % (input_name, path))
    env = dict(os.environ, NODE_PATH=modules)
    proc = subprocess.run(["node", os.path.join(root, "tools", "tessera-verify", "ort_oracle.js"),
                           model, folder] + args, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        print("note: ONNX Runtime failed on %s: left out (%s)" % (name, proc.stderr.strip()[-200:]))
        return None
    for i, (_, value) in enumerate(feeds):
        raw(value, os.path.join(folder, "input_%d.bin" % i))
    outputs = 0
    while os.path.exists(os.path.join(folder, "%d.npy" % outputs)):
        raw(np.load(os.path.join(folder, "%d.npy" % outputs)),
            os.path.join(folder, "output_%d.bin" % outputs))
        outputs += 1
    return (name, model, rtol, atol, len(feeds), outputs,
            {n: v.shape for n, v in feeds})


def ort_models(out, root):
    """Models against ONNX Runtime's CPU outputs: the PaddleOCR
    text-direction classifier on a random 1x3x48x192 line, and a generated
    2-layer transformer encoder (examples/models/transformer.py: sequence
    64, hidden 128, 4 heads, FFN 512, a padding mask). tf32 matmuls: the
    relaxed tolerances."""
    cases = []
    model = os.path.join(root, ".deps", "npm", "node_modules", "@gutenye", "ocr-models",
                         "assets", "ch_ppocr_mobile_v2.0_cls_infer.onnx")
    if os.path.exists(model):
        x = np.random.default_rng(3).random((1, 3, 48, 192), dtype=np.float32)
        cases.append(ort_case(out, root, "models/paddleocr_cls", model, [("x", x)],
                              1e-2, 1e-3))
    else:
        print("note: no PaddleOCR model (scripts/setup.sh installs it): left out")
    sys.path.insert(0, os.path.join(root, "examples", "models"))
    import transformer  # noqa: E402 - examples/models, found above
    nodes, inputs, outputs, inits, opset = transformer.encoder(
        np.random.default_rng(0), 2, 64, 128, 4, 512)
    graph = helper.make_graph(
        nodes, "encoder",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, v.shape) for n, v in inputs],
        [helper.make_tensor_value_info(n, t, None) for n, t in outputs], inits)
    encoder = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    encoder.ir_version = 9
    folder = os.path.join(out, "models", "encoder")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "encoder.onnx")
    onnx.save(encoder, path)
    cases.append(ort_case(out, root, "models/encoder", path, inputs, 2e-2, 2e-3))
    return [c for c in cases if c]


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
    shutil.copy(os.path.join(args.bin, os.pardir, "lib", "libtessera_runtime.so"),
                os.path.join(args.out, "libtessera_runtime.so"))
    generated = ([c + ({},) for c in matmul_models(args.out) + conv_models(args.out)]
                 + ort_models(args.out, root))
    for name, model, rtol, atol, n_in, n_out, shapes in generated:
        prefix = os.path.join(args.out, name, "model")
        if not compile_case(args.bin, model, prefix, shapes, plan=True):
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
    # What the device run does not read (models, numpy copies of the raw
    # files): the folder must stay under the 64 MiB a device run carries.
    for folder, _, files in os.walk(args.out):
        for name in files:
            if name.endswith((".onnx", ".npy")) and not folder.endswith("gemm"):
                os.remove(os.path.join(folder, name))
    with open(os.path.join(args.out, "cases.txt"), "w") as f:
        for line in lines:
            f.write("%s %g %g %d %d\n" % line)
    print("prepared %d cases in %s (%d left out: they need frozen inputs or do not compile)"
          % (len(lines), args.out, skipped))
    return 0


if __name__ == "__main__":
    sys.exit(main())
