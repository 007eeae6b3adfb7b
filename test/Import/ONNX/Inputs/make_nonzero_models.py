"""Models whose output size the data decides: NonZero of run-time inputs,
as the exporters spell it (a mask from a comparison, then NonZero, then
Transpose, Cast or a Gather of the positions), and the numpy results; and
models that use such a value where its size would matter.

usage: make_nonzero_models.py DIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
RNG = np.random.default_rng(5)


def save(name, nodes, inputs, outputs, initializers=()):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(initializers))
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]),
              os.path.join(OUT, name + ".onnx"))


def npy(name, value):
    np.save(os.path.join(OUT, name + ".npy"), np.ascontiguousarray(value))


F, I64, B = TensorProto.FLOAT, TensorProto.INT64, TensorProto.BOOL
vi = helper.make_tensor_value_info

# positions of x > 0.5 as [rank, n], as [n, rank] (float, via Cast), and
# that plus a broadcast row.
save("mask", [
    helper.make_node("Constant", [], ["half"], value=helper.make_tensor("half", F, [], [0.5])),
    helper.make_node("Greater", ["x", "half"], ["mask"]),
    helper.make_node("NonZero", ["mask"], ["positions"], name="nz"),
    helper.make_node("Transpose", ["positions"], ["rows"], perm=[1, 0]),
    helper.make_node("Cast", ["rows"], ["rows_f"], to=F),
    helper.make_node("Identity", ["rows"], ["rows_copy"]),
    helper.make_node("Add", ["rows_f", "one"], ["shifted"]),
], [vi("x", F, [2, 4, 5])],
   [vi("positions", I64, [3, "n"]), vi("rows_f", F, ["n", 3]), vi("shifted", F, ["n", 3])],
   [helper.make_tensor("one", F, [1, 3], [1.0, 10.0, 100.0])])
for name, x in (("dense", RNG.random((2, 4, 5)).astype(np.float32)),
                ("none", np.zeros((2, 4, 5), np.float32)),
                ("all", np.ones((2, 4, 5), np.float32))):
    npy("x_" + name, x)
    p = np.array(np.nonzero(x > 0.5), np.int64)
    npy("positions_" + name, p)
    npy("rows_f_" + name, p.T.astype(np.float32))
    npy("shifted_" + name, p.T.astype(np.float32) + np.array([1, 10, 100], np.float32))

# a 1-d int input; the positions gather the values back.
save("gather", [
    helper.make_node("NonZero", ["v"], ["p"], name="nz"),
    helper.make_node("Gather", ["v", "p"], ["picked"], axis=0),
], [vi("v", I64, [9])], [vi("picked", I64, [1, "n"])])
v = np.array([0, 3, 0, 0, 7, -2, 0, 1, 0], np.int64)
npy("v", v)
npy("picked", v[np.array(np.nonzero(v), np.int64)])

# Compress with a run-time condition: along axis 1 (a score threshold
# picking columns, the condition shorter than the axis), and flattened.
save("compress", [
    helper.make_node("Constant", [], ["cut"], value=helper.make_tensor("cut", F, [], [0.0])),
    helper.make_node("Greater", ["score", "cut"], ["keep"]),
    helper.make_node("Compress", ["m", "keep"], ["columns"], name="columns", axis=1),
    helper.make_node("Compress", ["m", "flat_keep"], ["flat"], name="flat"),
], [vi("m", F, [3, 6]), vi("score", F, [5]), vi("flat_keep", B, [18])],
   [vi("columns", F, [3, "n"]), vi("flat", F, ["k"])])
m = RNG.standard_normal((3, 6)).astype(np.float32)
score = np.array([0.5, -1.0, 2.0, -0.1, 0.3], np.float32)
flat_keep = RNG.random(18) < 0.4
npy("m", m)
npy("score", score)
npy("flat_keep", flat_keep)
npy("columns", np.compress(score > 0, m, axis=1))
npy("flat", np.compress(flat_keep, m))

# Uses where the size would matter: refused, naming the node.
for name, node, out in (
        ("reduce", helper.make_node("ReduceSum", ["p"], ["s"], name="sum", keepdims=0), vi("s", I64, [])),
        ("shape", helper.make_node("Shape", ["p"], ["s"], name="shape"), vi("s", I64, [2])),
        ("index", helper.make_node("Gather", ["p", "zero"], ["s"], name="first", axis=1), vi("s", I64, [1]))):
    save("bad_" + name, [helper.make_node("NonZero", ["v"], ["p"], name="nz"), node],
         [vi("v", I64, [9])], [out], [helper.make_tensor("zero", I64, [], [0])])
