"""Writes large-graph.test's models: long chains whose kernels are many
enough for tessera-outline-loops to give each its own function, with the
expected outputs computed by numpy (float64, then float32).

- chain.onnx: 300 elementwise ops (Add, Mul with constants, Relu, Neg):
  one kernel each at -O0.
- matmuls.onnx: 80 MatMul + Tanh pairs on 40x64 @ 64x64: 80 register-tiled
  kernels at -O2."""

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
rng = np.random.default_rng(17)


def save(name, nodes, x, y, inits):
    graph = helper.make_graph(
        nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape))],
        [helper.make_tensor_value_info(nodes[-1].output[0], TensorProto.FLOAT, list(y.shape))],
        inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
              f"{out}/{name}.onnx")
    np.save(f"{out}/{name}_x.npy", x)
    np.save(f"{out}/{name}_y.npy", y.astype(np.float32))


x = rng.standard_normal((2, 33)).astype(np.float32)
v, nodes, inits, prev = x.astype(np.float64), [], [], "x"
for i in range(300):
    kind = i % 4
    name = f"t{i}"
    if kind == 0:
        c = rng.standard_normal((33,)).astype(np.float32)
        inits.append(numpy_helper.from_array(c, f"c{i}"))
        nodes.append(helper.make_node("Add", [prev, f"c{i}"], [name]))
        v = v + c
    elif kind == 1:
        c = (0.5 + rng.random((2, 1))).astype(np.float32)
        inits.append(numpy_helper.from_array(c, f"c{i}"))
        nodes.append(helper.make_node("Mul", [prev, f"c{i}"], [name]))
        v = v * c
    elif kind == 2:
        nodes.append(helper.make_node("Relu", [prev], [name]))
        v = np.maximum(v, 0)
    else:
        nodes.append(helper.make_node("Neg", [prev], [name]))
        v = -v
    prev = name
save("chain", nodes, x, v, inits)

x = rng.standard_normal((40, 64)).astype(np.float32)
v, nodes, inits, prev = x.astype(np.float64), [], [], "x"
for i in range(80):
    w = (rng.standard_normal((64, 64)) / 8).astype(np.float32)
    inits.append(numpy_helper.from_array(w, f"w{i}"))
    nodes.append(helper.make_node("MatMul", [prev, f"w{i}"], [f"m{i}"]))
    nodes.append(helper.make_node("Tanh", [f"m{i}"], [f"t{i}"]))
    v = np.tanh(v @ w)
    prev = f"t{i}"
save("matmuls", nodes, x, v, inits)
