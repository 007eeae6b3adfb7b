"""Models whose tensor names are legal ONNX but awkward in C: a C keyword,
the names of the generated function's own locals, two names that spell the
same identifier, a comment terminator, an output listed twice; and a graph
with no outputs."""

import sys

import numpy as np
from onnx import TensorProto, helper, save

out = sys.argv[1]
F = TensorProto.FLOAT


def vi(name):
    return helper.make_tensor_value_info(name, F, [2, 3])


nodes = [helper.make_node("Add", ["inputs", "x.1"], ["t"]),
         helper.make_node("Add", ["t", "x_1"], ["u"]),
         helper.make_node("Mul", ["u", "int"], ["y*/evil"]),
         helper.make_node("Identity", ["u"], ["tessera_session"])]
graph = helper.make_graph(nodes, "names", [vi("inputs"), vi("x.1"), vi("x_1"), vi("int")],
                          [vi("y*/evil"), vi("tessera_session"), vi("y*/evil")])
save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)]),
     f"{out}/names.onnx")

graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "silent", [vi("x")], [])
save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)]),
     f"{out}/no_outputs.onnx")

rng = np.random.default_rng(0)
for name in ("a", "b", "c", "d"):
    np.save(f"{out}/{name}.npy", rng.standard_normal((2, 3)).astype(np.float32))
