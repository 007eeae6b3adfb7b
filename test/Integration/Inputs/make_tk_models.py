#!/usr/bin/python3
"""Writes two models whose kernels are every tk family, with inputs as .npy
and raw .bin files, for running them on another target (aarch64.test):

  encoder.onnx   a 1-layer transformer encoder (tk.matmul with folded
                 reshapes, transposes and epilogues; tk.reduce softmax and
                 layer norm), inputs x, mask
  upsample.onnx  ConvTranspose 2x2 stride 2 + Relu, a 1-D convolution over
                 the flattened rows, RMS norm (tk.conv transposed and
                 direct; tk.reduce rms_norm), input x

  make_tk_models.py OUTDIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "examples", "models"))
import transformer  # noqa: E402

F = TensorProto.FLOAT


def save(out, name, nodes, inputs, inits, opset=18):
    graph = helper.make_graph(
        nodes, name, [helper.make_tensor_value_info(n, F, v.shape) for n, v in inputs],
        [helper.make_tensor_value_info("y", F, None)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 9
    onnx.save(model, os.path.join(out, name + ".onnx"))
    for n, v in inputs:
        np.save(os.path.join(out, "%s_%s.npy" % (name, n)), v)
        v.tofile(os.path.join(out, "%s_%s.bin" % (name, n)))


def main(out):
    rng = np.random.default_rng(3)
    nodes, inputs, _, inits, opset = transformer.encoder(rng, 1, 24, 32, 4, 64)
    save(out, "encoder", nodes, inputs, inits, opset)

    w = numpy_helper.from_array((rng.standard_normal((6, 4, 2, 2)) * 0.3)
                                .astype(np.float32), "w")
    b = numpy_helper.from_array(rng.standard_normal(4).astype(np.float32), "b")
    w1 = numpy_helper.from_array((rng.standard_normal((5, 4, 3)) * 0.3)
                                 .astype(np.float32), "w1")
    shape = numpy_helper.from_array(np.array([1, 4, 14 * 18], np.int64), "shape")
    axes = numpy_helper.from_array(np.array([-1], np.int64), "axes")
    eps = numpy_helper.from_array(np.array(1e-6, np.float32), "eps")
    nodes = [helper.make_node("ConvTranspose", ["x", "w", "b"], ["up"], kernel_shape=[2, 2],
                              strides=[2, 2]),
             helper.make_node("Relu", ["up"], ["r"]),
             helper.make_node("Reshape", ["r", "shape"], ["rows"]),
             helper.make_node("Conv", ["rows", "w1"], ["c"], kernel_shape=[3], pads=[1, 1]),
             helper.make_node("Mul", ["c", "c"], ["sq"]),
             helper.make_node("ReduceMean", ["sq", "axes"], ["ms"], keepdims=1),
             helper.make_node("Add", ["ms", "eps"], ["mse"]),
             helper.make_node("Sqrt", ["mse"], ["rms"]),
             helper.make_node("Div", ["c", "rms"], ["y"])]
    x = rng.standard_normal((1, 6, 7, 9)).astype(np.float32)
    save(out, "upsample", nodes, [("x", x)], [w, b, w1, shape, axes, eps])


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
