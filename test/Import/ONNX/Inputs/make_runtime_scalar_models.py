#!/usr/bin/python3
"""make_runtime_scalar_models.py OUT: models whose scalar operands are
computed at run time, as exporters write them, with input files.

- topdb.onnx: a mel-spectrogram front end's top-dB clamp,
  Clip(x, ReduceMax(x) - 80) (torchaudio's AmplitudeToDB spelling), and the
  same with a max bound from a graph input;
- clip_inputs.onnx: Clip with both bounds graph inputs (rank 0 and 1-d);
- pad_value.onnx: Pad whose constant_value is a graph input, one pad
  negative (a crop);
- trilu_k.onnx: Trilu upper and lower with k a graph input.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(17)


def save(name, nodes, inputs, outputs, initializers=(), opset=17):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(out, name + ".onnx"))


def info(name, shape, dtype=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, dtype, shape)


save("topdb", [
    helper.make_node("ReduceMax", ["db"], ["peak"], keepdims=0, name="peak"),
    helper.make_node("Sub", ["peak", "range"], ["floor"], name="floor"),
    helper.make_node("Clip", ["db", "floor"], ["clamped"], name="clamp"),
    helper.make_node("Clip", ["db", "", "ceiling"], ["capped"], name="cap"),
], [info("db", [1, 64, 50]), info("ceiling", [])],
    [info("clamped", [1, 64, 50]), info("capped", [1, 64, 50])],
    [numpy_helper.from_array(np.array(80, np.float32), "range")])
np.save(os.path.join(out, "db.npy"), (rng.standard_normal((1, 64, 50)) * 60).astype(np.float32))
np.save(os.path.join(out, "ceiling.npy"), np.array(20, np.float32))

save("clip_inputs", [helper.make_node("Clip", ["x", "lo", "hi"], ["y"], name="clip")],
     [info("x", [3, 5]), info("lo", []), info("hi", [1])], [info("y", [3, 5])])
np.save(os.path.join(out, "x.npy"), rng.standard_normal((3, 5)).astype(np.float32))
np.save(os.path.join(out, "lo.npy"), np.array(-0.5, np.float32))
np.save(os.path.join(out, "hi.npy"), np.array([0.75], np.float32))

save("pad_value", [helper.make_node("Pad", ["x", "pads", "value"], ["y"], mode="constant",
                                    name="pad")],
     [info("x", [3, 5]), info("value", [])], [info("y", [4, 6])],
     [numpy_helper.from_array(np.array([1, 2, 0, -1], np.int64), "pads")])
np.save(os.path.join(out, "value.npy"), np.array(-7.25, np.float32))

save("trilu_k", [helper.make_node("Trilu", ["m", "k"], ["upper"], upper=1, name="upper"),
                 helper.make_node("Trilu", ["m", "k"], ["lower"], upper=0, name="lower")],
     [info("m", [2, 4, 6]), info("k", [], TensorProto.INT64)],
     [info("upper", [2, 4, 6]), info("lower", [2, 4, 6])])
np.save(os.path.join(out, "m.npy"), rng.standard_normal((2, 4, 6)).astype(np.float32))
np.save(os.path.join(out, "k.npy"), np.array(-1, np.int64))
np.save(os.path.join(out, "k2.npy"), np.array(2, np.int64))
