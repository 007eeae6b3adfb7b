#!/usr/bin/python3
"""Writes a generated transformer encoder (examples/models/transformer.py)
as an ONNX model and prints how many contractions (MatMul nodes) it has.

  make_encoder.py OUT.onnx [LAYERS SEQ HIDDEN HEADS FFN]
"""
import sys

import numpy as np
import onnx
from onnx import helper

import transformer

if __name__ == "__main__":
    if len(sys.argv) not in (2, 7):
        sys.exit(__doc__)
    layers, seq, hidden, heads, ffn = (int(v) for v in sys.argv[2:]) if len(sys.argv) == 7 \
        else (2, 128, 256, 4, 1024)
    nodes, inputs, outputs, inits, opset = transformer.encoder(
        np.random.default_rng(0), layers, seq, hidden, heads, ffn)
    graph = helper.make_graph(
        nodes, "encoder",
        [helper.make_tensor_value_info(n, onnx.TensorProto.FLOAT, v.shape) for n, v in inputs],
        [helper.make_tensor_value_info(n, t, None) for n, t in outputs], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 9
    onnx.save(model, sys.argv[1])
    print("contractions: %d" % sum(n.op_type == "MatMul" for n in nodes))
