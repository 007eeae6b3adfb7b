#!/usr/bin/python3
"""make_if_models.py OUT: If nodes as exporters write them, with inputs.

- shape_branch.onnx (torch.onnx's spelling of `if x.shape[0] == 1`): the
  condition is Equal(Gather(Shape(x), 0), 1), known once the shape is; the
  branch not taken reshapes to a shape only valid in the other case, so it
  must not be imported.
- data_branch.onnx: the condition computed from the data
  (ReduceSum(x) > 0); then: Relu(x) * 2 + a branch initializer, reading the
  outer graph's weight; else: Neg(x) @ the same weight; both branches name
  an internal value "t"; a nested If in the then branch on a second
  run-time condition.
- mismatch.onnx: a run-time condition whose branches give different
  shapes (a one-line error: both branches are computed).
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(29)


def info(name, shape, dtype=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, dtype, shape)


def save(name, nodes, inputs, outputs, initializers=()):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7  # branch outputs without shapes, as exporters leave them
    onnx.save(model, os.path.join(out, name + ".onnx"))


# 1. A branch on the batch size.
squeeze = helper.make_graph(
    [helper.make_node("Squeeze", ["x", "zero_axis"], ["squeezed"], name="squeeze")],
    "then_squeeze", [], [info("squeezed", None)])
reshape = helper.make_graph(
    [helper.make_node("Reshape", ["x", "flat_shape"], ["flat"], name="reshape")],
    "else_reshape", [], [info("flat", None)])
save("shape_branch", [
    helper.make_node("Shape", ["x"], ["shape"], name="shape"),
    helper.make_node("Gather", ["shape", "zero"], ["batch"], axis=0, name="batch"),
    helper.make_node("Equal", ["batch", "one"], ["single"], name="single"),
    helper.make_node("If", ["single"], ["y"], then_branch=squeeze, else_branch=reshape,
                     name="if_single"),
], [info("x", ["N", 6])], [info("y", None)], [
    numpy_helper.from_array(np.array(0, np.int64), "zero"),
    numpy_helper.from_array(np.array(1, np.int64), "one"),
    numpy_helper.from_array(np.array([0], np.int64), "zero_axis"),
    # valid for N = 4 only (4 x 6 = 2 x 12)
    numpy_helper.from_array(np.array([2, 12], np.int64), "flat_shape"),
])
np.save(os.path.join(out, "x1.npy"), rng.standard_normal((1, 6)).astype(np.float32))
np.save(os.path.join(out, "x4.npy"), rng.standard_normal((4, 6)).astype(np.float32))

# 2. A branch on the data, nested, with shared and local names.
inner_then = helper.make_graph([helper.make_node("Sigmoid", ["t"], ["inner"], name="inner_sig")],
                               "inner_then", [], [info("inner", [3, 4])])
inner_else = helper.make_graph([helper.make_node("Tanh", ["t"], ["inner2"], name="inner_tanh")],
                               "inner_else", [], [info("inner2", [3, 4])])
then_body = helper.make_graph([
    helper.make_node("Relu", ["x"], ["r"], name="then_relu"),
    helper.make_node("Mul", ["r", "two"], ["t"], name="then_mul"),
    helper.make_node("Add", ["t", "bias"], ["tb"], name="then_add"),
    helper.make_node("If", ["flag"], ["nested"], then_branch=inner_then, else_branch=inner_else,
                     name="nested_if"),
    helper.make_node("Add", ["tb", "nested"], ["then_out"], name="then_sum"),
    helper.make_node("MatMul", ["then_out", "w"], ["then_proj"], name="then_proj"),
], "then_body", [], [info("then_proj", [3, 2])],
    [numpy_helper.from_array(np.array(2, np.float32), "two"),
     numpy_helper.from_array(rng.standard_normal(4).astype(np.float32), "bias")])
else_body = helper.make_graph([
    helper.make_node("Neg", ["x"], ["t"], name="else_neg"),
    helper.make_node("MatMul", ["t", "w"], ["else_proj"], name="else_proj"),
], "else_body", [], [info("else_proj", [3, 2])])
save("data_branch", [
    helper.make_node("ReduceSum", ["x"], ["total"], keepdims=0, name="total"),
    helper.make_node("Greater", ["total", "zero_f"], ["positive"], name="positive"),
    helper.make_node("If", ["positive"], ["y"], then_branch=then_body, else_branch=else_body,
                     name="if_positive"),
], [info("x", [3, 4]), info("flag", [], TensorProto.BOOL)], [info("y", [3, 2])], [
    numpy_helper.from_array(np.array(0, np.float32), "zero_f"),
    numpy_helper.from_array(rng.standard_normal((4, 2)).astype(np.float32), "w"),
])
base = rng.standard_normal((3, 4)).astype(np.float32)
np.save(os.path.join(out, "xpos.npy"), np.abs(base))
np.save(os.path.join(out, "xneg.npy"), -np.abs(base))
np.save(os.path.join(out, "flag_true.npy"), np.array(True))
np.save(os.path.join(out, "flag_false.npy"), np.array(False))

# 3. Branches of different shapes on a run-time condition.
save("mismatch", [
    helper.make_node("If", ["c"], ["y"], name="if_shapes",
                     then_branch=helper.make_graph(
                         [helper.make_node("Relu", ["x"], ["a"], name="a")], "t", [],
                         [info("a", None)]),
                     else_branch=helper.make_graph(
                         [helper.make_node("ReduceSum", ["x"], ["b"], keepdims=0, name="b")],
                         "e", [], [info("b", None)])),
], [info("x", [2, 3]), info("c", [], TensorProto.BOOL)], [info("y", None)])
