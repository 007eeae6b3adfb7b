#!/usr/bin/python3
"""Writes Tessera's bundled default model and a reference run of it.

  make_default_model.py OUTDIR

OUTDIR/default_cnn.onnx   a small image classifier (opset 17):
    1x3x32x32 -> Conv 3x3 (8) -> BatchNormalization -> Relu -> MaxPool 2x2
              -> Conv 3x3 stride 2 (16) + bias -> HardSwish
              -> GlobalAveragePool -> Flatten -> Gemm (10) -> Softmax
OUTDIR/input.npy, input.bin          a fixed input (seeded)
OUTDIR/expected.npy, expected.bin    the output computed here with numpy

Weights come from a seeded numpy generator: no downloads. The .bin files are
raw little-endian float32, for the plain-C embedding example.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def conv2d(x, w, b=None, stride=1, pad=1):
    n, c, h, wd = x.shape
    m, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh = (h + 2 * pad - kh) // stride + 1
    ow = (wd + 2 * pad - kw) // stride + 1
    y = np.zeros((n, m, oh, ow), dtype=np.float64)
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride]
            y += np.einsum("nchw,mc->nmhw", patch, w[:, :, i, j])
    if b is not None:
        y += b.reshape(1, -1, 1, 1)
    return y


def reference(x, p):
    y = conv2d(x, p["w1"])
    y = (y - p["mean"].reshape(1, -1, 1, 1)) / np.sqrt(p["var"].reshape(1, -1, 1, 1) + 1e-5)
    y = y * p["gamma"].reshape(1, -1, 1, 1) + p["beta"].reshape(1, -1, 1, 1)
    y = np.maximum(y, 0)
    n, c, h, w = y.shape
    y = y.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))
    y = conv2d(y, p["w2"], p["b2"], stride=2)
    y = y * np.clip(y / 6 + 0.5, 0, 1)
    y = y.mean(axis=(2, 3))
    y = y @ p["wf"].T + p["bf"]
    y = np.exp(y - y.max(axis=1, keepdims=True))
    return y / y.sum(axis=1, keepdims=True)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(20261122)
    f32 = np.float32
    p = {
        "w1": (rng.standard_normal((8, 3, 3, 3)) * 0.3).astype(f32),
        "gamma": rng.uniform(0.5, 1.5, 8).astype(f32),
        "beta": rng.uniform(-0.2, 0.2, 8).astype(f32),
        "mean": rng.uniform(-0.1, 0.1, 8).astype(f32),
        "var": rng.uniform(0.5, 2.0, 8).astype(f32),
        "w2": (rng.standard_normal((16, 8, 3, 3)) * 0.2).astype(f32),
        "b2": rng.uniform(-0.1, 0.1, 16).astype(f32),
        "wf": (rng.standard_normal((10, 16)) * 0.3).astype(f32),
        "bf": rng.uniform(-0.1, 0.1, 10).astype(f32),
    }
    nodes = [
        helper.make_node("Conv", ["image", "w1"], ["c1"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], name="conv1"),
        helper.make_node("BatchNormalization", ["c1", "gamma", "beta", "mean", "var"], ["bn1"], epsilon=1e-5, name="bn1"),
        helper.make_node("Relu", ["bn1"], ["r1"], name="relu1"),
        helper.make_node("MaxPool", ["r1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2], name="pool1"),
        helper.make_node("Conv", ["p1", "w2", "b2"], ["c2"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2], name="conv2"),
        helper.make_node("HardSwish", ["c2"], ["h2"], name="hswish2"),
        helper.make_node("GlobalAveragePool", ["h2"], ["g"], name="gap"),
        helper.make_node("Flatten", ["g"], ["f"], axis=1, name="flatten"),
        helper.make_node("Gemm", ["f", "wf", "bf"], ["logits"], transB=1, name="fc"),
        helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1, name="softmax"),
    ]
    graph = helper.make_graph(
        nodes, "default_cnn",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 3, 32, 32])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", 10])],
        [numpy_helper.from_array(v, k) for k, v in p.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="tessera-examples")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(out, "default_cnn.onnx"))

    x = rng.standard_normal((1, 3, 32, 32)).astype(f32)
    y = reference(x.astype(np.float64), {k: v.astype(np.float64) for k, v in p.items()}).astype(f32)
    np.save(os.path.join(out, "input.npy"), x)
    np.save(os.path.join(out, "expected.npy"), y)
    x.astype("<f4").tofile(os.path.join(out, "input.bin"))
    y.astype("<f4").tofile(os.path.join(out, "expected.bin"))
    print("wrote %s/default_cnn.onnx (input image 1x3x32x32 with symbolic batch, "
          "output probabilities 1x10) and its reference input/output" % out)


if __name__ == "__main__":
    main()
