#!/usr/bin/python3
"""make_loop_models.py OUT: Loop and Scan as exporters write them.

- fixed_loop.onnx (torch.onnx's `for i in range(4)`): trip count and
  condition are initializers; the body gathers row i of an outer tensor,
  adds it to a carried state, and emits the state as a scan output.
- early_exit.onnx: no trip count; the body's condition is Less(i, 2), known
  at each iteration, so the loop stops after 3 iterations.
- scan_axes.onnx (opset 16): a reverse cumulative sum along axis 1 of
  [2, 5, 3] with scan_output_axes [1], plus a forward running max.
- runtime_count.onnx: the trip count a graph input (must be frozen).
- huge_loop.onnx: 100000 iterations (more than are unrolled).
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(31)


def info(name, shape, dtype=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, dtype, shape)


def save(name, nodes, inputs, outputs, initializers=(), opset=13):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(out, name + ".onnx"))


table = rng.standard_normal((4, 3)).astype(np.float32)
body = helper.make_graph([
    helper.make_node("Gather", ["table", "i"], ["row"], axis=0, name="row"),
    helper.make_node("Add", ["state_in", "row"], ["state_out"], name="accumulate"),
    helper.make_node("Identity", ["cond_in"], ["cond_out"], name="keep_going"),
    helper.make_node("Identity", ["state_out"], ["emitted"], name="emit"),
], "body", [info("i", [], TensorProto.INT64), info("cond_in", [], TensorProto.BOOL),
            info("state_in", [3])],
    [info("cond_out", [], TensorProto.BOOL), info("state_out", [3]), info("emitted", [3])])


def loop_model(name, count_input):
    inputs = [info("x", [3])]
    initializers = [numpy_helper.from_array(table, "table"),
                    numpy_helper.from_array(np.array(True), "true")]
    if count_input:
        inputs.append(info("n", [], TensorProto.INT64))
    else:
        initializers.append(numpy_helper.from_array(np.array(4, np.int64), "n"))
    save(name, [helper.make_node("Loop", ["n", "true", "x"], ["final", "history"], body=body,
                                 name="loop")],
         inputs, [info("final", [3]), info("history", [4, 3])], initializers)


loop_model("fixed_loop", False)
loop_model("runtime_count", True)
np.save(os.path.join(out, "x.npy"), rng.standard_normal(3).astype(np.float32))

early = helper.make_graph([
    helper.make_node("Less", ["i", "two"], ["cond_out"], name="continue"),
    helper.make_node("Cast", ["i"], ["i_f"], to=TensorProto.FLOAT, name="as_float"),
    helper.make_node("Add", ["acc_in", "i_f"], ["acc_out"], name="add"),
], "early", [info("i", [], TensorProto.INT64), info("c", [], TensorProto.BOOL),
             info("acc_in", [])],
    [info("cond_out", [], TensorProto.BOOL), info("acc_out", [])],
    [numpy_helper.from_array(np.array(2, np.int64), "two")])
save("early_exit", [helper.make_node("Loop", ["", "true", "start"], ["sum"], body=early,
                                     name="loop")],
     [info("start", [])], [info("sum", [])],
     [numpy_helper.from_array(np.array(True), "true")])
np.save(os.path.join(out, "start.npy"), np.array(10, np.float32))

scan_body = helper.make_graph([
    helper.make_node("Add", ["sum_in", "col"], ["sum_out"], name="sum"),
    helper.make_node("Max", ["max_in", "col"], ["max_out"], name="max"),
    helper.make_node("Identity", ["sum_out"], ["sum_scan"], name="emit_sum"),
    helper.make_node("Identity", ["max_out"], ["max_scan"], name="emit_max"),
], "scan_body", [info("sum_in", [2, 3]), info("max_in", [2, 3]), info("col", [2, 3]),
                 info("col2", [2, 3])],
    [info("sum_out", [2, 3]), info("max_out", [2, 3]), info("sum_scan", [2, 3]),
     info("max_scan", [2, 3])])
# The second scan input is read backwards, the first forwards: the body's
# "col" is x[:, t] and "col2" x[:, 4 - t] (unused but sliced).
save("scan_axes", [helper.make_node(
    "Scan", ["zeros", "lowest", "x", "x"], ["sum", "max", "sums", "maxes"], body=scan_body,
    num_scan_inputs=2, scan_input_axes=[1, 1], scan_input_directions=[1, 0],
    scan_output_axes=[1, 0], scan_output_directions=[1, 0], name="scan")],
    [info("x", [2, 5, 3])],
    [info("sum", [2, 3]), info("max", [2, 3]), info("sums", [2, 5, 3]), info("maxes", [5, 2, 3])],
    [numpy_helper.from_array(np.zeros((2, 3), np.float32), "zeros"),
     numpy_helper.from_array(np.full((2, 3), -1e30, np.float32), "lowest")], opset=16)
np.save(os.path.join(out, "x3.npy"), rng.standard_normal((2, 5, 3)).astype(np.float32))

count_up = helper.make_graph([
    helper.make_node("Add", ["s_in", "one"], ["s_out"], name="increment"),
    helper.make_node("Identity", ["c_in"], ["c_out"], name="keep_going"),
], "count_up", [info("i", [], TensorProto.INT64), info("c_in", [], TensorProto.BOOL),
                info("s_in", [3])],
    [info("c_out", [], TensorProto.BOOL), info("s_out", [3])],
    [numpy_helper.from_array(np.array(1, np.float32), "one")])
save("huge_loop", [helper.make_node("Loop", ["n", "true", "x"], ["final"], body=count_up,
                                    name="loop")],
     [info("x", [3])], [info("final", [3])],
     [numpy_helper.from_array(np.array(True), "true"),
      numpy_helper.from_array(np.array(100000, np.int64), "n")])
