#!/usr/bin/python3
"""check_implicit_gemm.py BIN WORK: the implicit GEMM of direct convolutions
(dialects/Kernel/Transforms/ImplicitGemm.cpp, what the CUDA tensor-core
kernel computes) checked on the CPU: a family of ONNX Conv models as
exporters write them (1-D, 2-D and 3-D; bias or none; grouped, depthwise,
strided, dilated; symmetric, asymmetric and SAME_UPPER padding; a ReLU
after some) compiled with --debug-reference-convs, run by tessera-run and
compared with ONNX Runtime at rtol 1e-4, atol 1e-5. Prints one line per
case; exits non-zero on a mismatch.
"""
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))))

# name: (input shape, filters, kernel, attributes, bias, relu)
CASES = {
    "dense3x3_bias_relu": ((2, 8, 12, 12), 16, (3, 3), dict(pads=[1, 1, 1, 1]), True, True),
    "strided_dilated_groups": ((1, 8, 15, 13), 12, (3, 3),
                               dict(strides=[2, 2], dilations=[2, 1], pads=[1, 2, 2, 0],
                                    group=2), False, False),
    "depthwise": ((1, 6, 9, 9), 6, (3, 3), dict(pads=[1, 1, 1, 1], group=6), True, True),
    "same_upper": ((1, 4, 10, 7), 5, (4, 3), dict(auto_pad="SAME_UPPER", strides=[2, 1]),
                   True, False),
    "pointwise": ((3, 16, 5, 5), 24, (1, 1), {}, True, False),
    "conv1d_asymmetric": ((2, 5, 17), 7, (5,), dict(pads=[3, 1], strides=[3]), True, True),
    "conv3d": ((1, 3, 5, 6, 4), 4, (2, 3, 2), dict(pads=[0, 1, 1, 1, 1, 0]), True, False),
}


def build(path, shape, filters, kernel, attrs, bias, relu, rng):
    channels = shape[1] // attrs.get("group", 1)
    w = (rng.standard_normal((filters, channels) + kernel) * 0.3).astype(np.float32)
    inits = [numpy_helper.from_array(w, "w")]
    inputs = ["x", "w"]
    if bias:
        inits.append(numpy_helper.from_array(rng.standard_normal(filters).astype(np.float32), "b"))
        inputs.append("b")
    nodes = [helper.make_node("Conv", inputs, ["c" if relu else "y"], name="conv",
                              kernel_shape=list(kernel), **attrs)]
    if relu:
        nodes.append(helper.make_node("Relu", ["c"], ["y"], name="relu"))
    graph = helper.make_graph(nodes, "conv",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, path)


def main():
    bin_dir, work = sys.argv[1], sys.argv[2]
    rng = np.random.default_rng(5)
    env = dict(os.environ, NODE_PATH=os.path.join(ROOT, ".deps", "npm", "node_modules"))
    failed = 0
    for name, (shape, filters, kernel, attrs, bias, relu) in CASES.items():
        folder = os.path.join(work, name)
        os.makedirs(folder, exist_ok=True)
        model = os.path.join(folder, "model.onnx")
        build(model, shape, filters, kernel, attrs, bias, relu, rng)
        x = os.path.join(folder, "x.npy")
        np.save(x, rng.standard_normal(shape).astype(np.float32))
        subprocess.run(["node", os.path.join(ROOT, "tools", "tessera-verify", "ort_oracle.js"),
                        model, folder, "x=" + x], check=True, env=env)
        prefix = os.path.join(folder, "reference")
        subprocess.run([os.path.join(bin_dir, "tessera-compile"), model, "-o", prefix,
                        "--debug-reference-convs"], check=True)
        run = subprocess.run([os.path.join(bin_dir, "tessera-run"), prefix + ".so",
                              "--input", "x=" + x, "--expected", os.path.join(folder, "0.npy"),
                              "--rtol", "1e-4", "--atol", "1e-5"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        failed += run.returncode != 0
        print("%s: %s" % (name, run.stdout.strip()))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
