"""Unique as models use it (flattened or along an axis, sorted or in order
of first occurrence, on floats and integers, its outputs feeding a Gather),
with run-time inputs; ONNX Runtime is the reference (tessera-verify).

usage: make_unique_models.py DIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
RNG = np.random.default_rng(9)
vi = helper.make_tensor_value_info


def save(name, elem, shape, attrs, extra=(), extra_outputs=()):
    nodes = [helper.make_node("Unique", ["x"], ["y", "indices", "inverse", "counts"],
                              name="unique", **attrs), *extra]
    outputs = [vi("y", elem, None), vi("indices", TensorProto.INT64, None),
               vi("inverse", TensorProto.INT64, None), vi("counts", TensorProto.INT64, None),
               *extra_outputs]
    graph = helper.make_graph(nodes, name, [vi("x", elem, shape)], outputs)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]),
              os.path.join(OUT, name + ".onnx"))


F, I64 = TensorProto.FLOAT, TensorProto.INT64
# flattened floats with repeats, sorted; the counts as frequencies.
save("flat_sorted", F, [4, 6], {},
     [helper.make_node("Cast", ["counts"], ["counts_f"], to=F),
      helper.make_node("Constant", [], ["total"], value=helper.make_tensor("total", F, [], [24.0])),
      helper.make_node("Div", ["counts_f", "total"], ["frequency"])],
     [vi("frequency", F, None)])
# the distinct values gathered back through inverse: Gather indexes the
# run-time-sized dimension (a negative index would wrap at the bound), so it
# is refused.
save("bad_gather", F, [4, 6], {}, [helper.make_node("Gather", ["y", "inverse"], ["rebuilt"], name="rebuild", axis=0)],
     [vi("rebuilt", F, None)])
np.save(os.path.join(OUT, "flat.npy"), RNG.integers(-3, 4, (4, 6)).astype(np.float32))
# integers in order of first occurrence
save("flat_unsorted", I64, [10], {"sorted": 0})
np.save(os.path.join(OUT, "ints.npy"), np.array([5, 1, 5, 7, 1, 1, -2, 7, 0, 5], np.int64))
# rows of a 3-d tensor along axis 1 (repeated slices), sorted and not
for name, attrs in (("axis_sorted", {"axis": 1}), ("axis_unsorted", {"axis": -2, "sorted": 0})):
    save(name, F, [2, 5, 3], attrs)
base = RNG.integers(0, 2, (2, 3, 3)).astype(np.float32)
np.save(os.path.join(OUT, "slices.npy"), np.ascontiguousarray(base[:, [2, 0, 2, 1, 0], :]))
