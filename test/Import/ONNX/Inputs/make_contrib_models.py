#!/usr/bin/python3
"""Writes com.microsoft models that Tessera must refuse with one line: the
contrib forms it does not support and inconsistent inputs.

  make_contrib_models.py OUTDIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
F = TensorProto.FLOAT


def save(name, node, inputs, outputs, initializers=()):
    graph = helper.make_graph([node], name, inputs, outputs, list(initializers))
    model = helper.make_model(graph, opset_imports=[
        helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)])
    model.ir_version = 8
    onnx.save(model, os.path.join(out, name + ".onnx"))


def info(name, shape, dtype=F):
    return helper.make_tensor_value_info(name, dtype, shape)


def ms(op, ins, outs, name, **attrs):
    return helper.make_node(op, ins, outs, name=name, domain="com.microsoft", **attrs)


def weights(name, *shape):
    return numpy_helper.from_array(np.zeros(shape, dtype=np.float32), name)


save("attention_past", ms("Attention", ["x", "w", "b", "", "past"], ["y"], "attn", num_heads=2),
     [info("x", [1, 4, 8]), info("past", [2, 1, 2, 0, 4])], [info("y", [1, 4, 8])],
     [weights("w", 8, 24), weights("b", 24)])
save("attention_no_heads", ms("Attention", ["x", "w"], ["y"], "attn"),
     [info("x", [1, 4, 8])], [info("y", [1, 4, 8])], [weights("w", 8, 24)])
save("attention_start_end_mask",
     ms("Attention", ["x", "w", "", "mask"], ["y"], "attn", num_heads=2),
     [info("x", [2, 4, 8]), info("mask", [4], TensorProto.INT32)], [info("y", [2, 4, 8])],
     [weights("w", 8, 24)])
save("mha_packed_qkv", ms("MultiHeadAttention", ["qkv"], ["y"], "mha", num_heads=2),
     [info("qkv", [1, 4, 2, 3, 4])], [info("y", [1, 4, 8])])
save("mha_present_output",
     ms("MultiHeadAttention", ["q", "k", "v"], ["y", "present_key"], "mha", num_heads=2),
     [info("q", [1, 4, 8]), info("k", [1, 4, 8]), info("v", [1, 4, 8])],
     [info("y", [1, 4, 8]), info("present_key", None)])
save("rotary_odd_dim",
     ms("RotaryEmbedding", ["x", "pos", "cos", "sin"], ["y"], "rope", num_heads=2,
        rotary_embedding_dim=3),
     [info("x", [1, 3, 8]), info("pos", [1, 3], TensorProto.INT64)], [info("y", [1, 3, 8])],
     [weights("cos", 8, 2), weights("sin", 8, 2)])
save("fusedconv_unknown_activation",
     ms("FusedConv", ["x", "w"], ["y"], "conv", activation="Swish", kernel_shape=[1, 1]),
     [info("x", [1, 2, 4, 4])], [info("y", [1, 2, 4, 4])], [weights("w", 2, 2, 1, 1)])
save("fusedmatmul_transbatch_2d",
     ms("FusedMatMul", ["a", "b"], ["y"], "mm", transBatchA=1),
     [info("a", [3, 4]), info("b", [4, 5])], [info("y", [3, 5])])
save("qlinearadd_per_channel",
     ms("QLinearAdd", ["a", "as", "az", "b", "bs", "bz", "cs", "cz"], ["y"], "qadd"),
     [info("a", [2, 3], TensorProto.UINT8), info("b", [2, 3], TensorProto.UINT8)],
     [info("y", [2, 3], TensorProto.UINT8)],
     [numpy_helper.from_array(np.array([0.1, 0.2, 0.3], dtype=np.float32), "as"),
      numpy_helper.from_array(np.uint8(0), "az"), numpy_helper.from_array(np.float32(0.1), "bs"),
      numpy_helper.from_array(np.uint8(0), "bz"), numpy_helper.from_array(np.float32(0.1), "cs"),
      numpy_helper.from_array(np.uint8(0), "cz")])
save("unknown_contrib_op", ms("NoSuchContribOp", ["x"], ["y"], "nope"),
     [info("x", [2])], [info("y", [2])])
