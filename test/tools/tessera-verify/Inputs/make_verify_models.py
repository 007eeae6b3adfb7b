#!/usr/bin/python3
"""make_verify_models.py OUT: models for tessera-verify and --debug-outputs.

chain.onnx is spelled the way PyTorch's exporter writes graphs: node names
with slashes, a Constant node, a shape computed at run time from Shape and
Gather (int64 tensors), one unnamed node, an Identity, two outputs.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
nodes = [
    helper.make_node("Constant", [], ["/scale/Constant_output_0"], name="/scale/Constant",
                     value=numpy_helper.from_array(np.full((1, 8), 0.5, np.float32))),
    helper.make_node("Mul", ["x", "/scale/Constant_output_0"], ["/scale/Mul_output_0"],
                     name="/scale/Mul"),
    helper.make_node("MatMul", ["/scale/Mul_output_0", "w"], ["/proj/MatMul_output_0"],
                     name="/proj/MatMul"),
    helper.make_node("Add", ["/proj/MatMul_output_0", "b"], ["/proj/Add_output_0"],
                     name="/proj/Add"),
    helper.make_node("Tanh", ["/proj/Add_output_0"], ["/act/Tanh_output_0"]),  # unnamed
    helper.make_node("Shape", ["/act/Tanh_output_0"], ["/Shape_output_0"], name="/Shape"),
    helper.make_node("Gather", ["/Shape_output_0", "zero"], ["/Gather_output_0"], name="/Gather",
                     axis=0),
    helper.make_node("Unsqueeze", ["/Gather_output_0", "axes"], ["/Unsqueeze_output_0"],
                     name="/Unsqueeze"),
    helper.make_node("Concat", ["/Unsqueeze_output_0", "minus_one"], ["/Concat_output_0"],
                     name="/Concat", axis=0),
    helper.make_node("Reshape", ["/act/Tanh_output_0", "/Concat_output_0"],
                     ["/Reshape_output_0"], name="/Reshape"),
    helper.make_node("Softmax", ["/Reshape_output_0"], ["probs"], name="/softmax/Softmax", axis=-1),
    helper.make_node("Identity", ["/act/Tanh_output_0"], ["features"], name="/Identity"),
]
rng = np.random.default_rng(5)
graph = helper.make_graph(
    nodes, "chain",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 8])],
    [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["batch", 6]),
     helper.make_tensor_value_info("features", TensorProto.FLOAT, ["batch", 6])],
    initializer=[
        numpy_helper.from_array(rng.standard_normal((8, 6)).astype(np.float32), "w"),
        numpy_helper.from_array(rng.standard_normal(6).astype(np.float32), "b"),
        numpy_helper.from_array(np.array(0, np.int64), "zero"),
        numpy_helper.from_array(np.array([0], np.int64), "axes"),
        numpy_helper.from_array(np.array([-1], np.int64), "minus_one"),
    ])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, os.path.join(out, "chain.onnx"))
np.save(os.path.join(out, "x_3x8.npy"), rng.standard_normal((3, 8)).astype(np.float32))
