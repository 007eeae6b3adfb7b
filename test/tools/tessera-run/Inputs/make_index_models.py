"""Writes the models and inputs of index-checks.test: every ONNX op that
reads positions from a run-time indices tensor, each with indices in range
(and the expected output, computed with numpy by ONNX's definition), and
out of range past either end (too large, too negative, far beyond 2^32).
Names follow the op: <op>.onnx, <op>_data.npy, <op>_good.npy,
<op>_expected.npy, <op>_<kind>.npy for kind in high, low, huge."""

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
rng = np.random.default_rng(7)
F32, I32, I64 = TensorProto.FLOAT, TensorProto.INT32, TensorProto.INT64


def model(name, op, inputs, output, attrs):
    node = helper.make_node(op, [n for n, _, _ in inputs], [output[0]],
                            name=f"the_{name}", **attrs)
    vis = [helper.make_tensor_value_info(n, t, s) for n, t, s in inputs]
    graph = helper.make_graph([node], name, vis,
                              [helper.make_tensor_value_info(*output)])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 16)]),
              f"{out}/{name}.onnx")


def save(name, **arrays):
    for key, value in arrays.items():
        np.save(f"{out}/{name}_{key}.npy", value)


def bad(name, good, where, extent):
    """Copies of `good` with element `where` set past either end."""
    for kind, value in (("high", extent), ("low", -extent - 1), ("huge", 1 << 40)):
        if good.dtype == np.int32 and kind == "huge":
            value = np.iinfo(np.int32).min
        b = good.copy()
        b.flat[where] = value
        np.save(f"{out}/{name}_{kind}.npy", b)


# Gather along axis 1 with int32 indices (negative ones count back).
data = rng.standard_normal((3, 7, 2)).astype(np.float32)
idx = np.array([[0, -1, 6], [-7, 3, 2]], dtype=np.int32)
model("gather", "Gather", [("data", F32, [3, 7, 2]), ("idx", I32, [2, 3])],
      ("y", F32, [3, 2, 3, 2]), {"axis": 1})
save("gather", data=data, good=idx, expected=np.take(data, idx, axis=1))
bad("gather", idx, 4, 7)

# An embedding table held by the model (the common case) and many indices,
# enough for the kernel to run on several threads.
table = rng.standard_normal((1000, 64)).astype(np.float32)
tokens = rng.integers(-1000, 1000, size=(8, 512)).astype(np.int64)
node = helper.make_node("Gather", ["table", "idx"], ["y"], name="the_embedding")
graph = helper.make_graph(
    [node], "embedding", [helper.make_tensor_value_info("idx", I64, [8, 512])],
    [helper.make_tensor_value_info("y", F32, [8, 512, 64])],
    initializer=[numpy_helper.from_array(table, "table")])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]),
          f"{out}/embedding.onnx")
save("embedding", good=tokens, expected=np.take(table, tokens, axis=0))
bad("embedding", tokens, tokens.size - 1, 1000)

# GatherElements along axis 0.
data = rng.standard_normal((4, 3)).astype(np.float32)
idx = np.array([[3, 0, -4], [1, -1, 2]], dtype=np.int64)
model("gather_elements", "GatherElements", [("data", F32, [4, 3]), ("idx", I64, [2, 3])],
      ("y", F32, [2, 3]), {"axis": 0})
save("gather_elements", data=data, good=idx,
     expected=np.take_along_axis(data, np.where(idx < 0, idx + 4, idx), axis=0))
bad("gather_elements", idx, 5, 4)

# GatherND with one batch dimension, addressing two dimensions.
data = rng.standard_normal((2, 5, 6, 3)).astype(np.float32)
idx = np.array([[[4, 5], [0, -6]], [[-5, 2], [1, 1]]], dtype=np.int64)
model("gather_nd", "GatherND", [("data", F32, [2, 5, 6, 3]), ("idx", I64, [2, 2, 2])],
      ("y", F32, [2, 2, 3]), {"batch_dims": 1})
wrapped = np.where(idx < 0, idx + np.array([5, 6]), idx)
save("gather_nd", data=data, good=idx,
     expected=np.stack([data[b][tuple(wrapped[b].T)] for b in range(2)]))
bad("gather_nd", idx, 3, 6)  # the second coordinate of a row: extent 6

# ScatterElements along axis 1 with a sum reduction.
data = rng.standard_normal((3, 5)).astype(np.float32)
idx = np.array([[4, 0], [-1, 2], [1, 1]], dtype=np.int64)
upd = rng.standard_normal((3, 2)).astype(np.float32)
model("scatter_elements", "ScatterElements",
      [("data", F32, [3, 5]), ("idx", I64, [3, 2]), ("upd", F32, [3, 2])],
      ("y", F32, [3, 5]), {"axis": 1, "reduction": "add"})
expected = data.copy()
for r in range(3):
    for c in range(2):
        expected[r, idx[r, c] % 5] += upd[r, c]
save("scatter_elements", data=data, good=idx, upd=upd, expected=expected)
bad("scatter_elements", idx, 2, 5)

# ScatterND writing rows of a matrix.
data = rng.standard_normal((6, 4)).astype(np.float32)
idx = np.array([[5], [0], [-2]], dtype=np.int64)
upd = rng.standard_normal((3, 4)).astype(np.float32)
model("scatter_nd", "ScatterND",
      [("data", F32, [6, 4]), ("idx", I64, [3, 1]), ("upd", F32, [3, 4])],
      ("y", F32, [6, 4]), {})
expected = data.copy()
for i in range(3):
    expected[idx[i, 0] % 6] = upd[i]
save("scatter_nd", data=data, good=idx, upd=upd, expected=expected)
bad("scatter_nd", idx, 1, 6)
