#!/usr/bin/python3
"""make_external_data_models.py OUT: models whose weights are ONNX external
data, as the exporters write them (torch.onnx with large models,
onnx.save(..., save_as_external_data=True), Hugging Face's model.onnx +
model.onnx_data).

mlp.onnx: y = relu(x @ w1 + b1) @ w2, with w1 and b1 in weights.bin at
offsets 0 and 4096 (with lengths) and w2 in the same file past 3 GiB
(a sparse file: the disk holds a few KB), w2 without a length; a Constant
node's tensor in const.bin. The broken variants, one each: a location
escaping the folder (../), an absolute location, a link out of the folder,
a missing file, a short file, a wrong length, no location, a bad offset.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(23)
w1 = rng.standard_normal((8, 16)).astype(np.float32)
b1 = rng.standard_normal(16).astype(np.float32)
w2 = rng.standard_normal((16, 4)).astype(np.float32)
scale = np.full((1, 4), 0.5, np.float32)
FAR = 3 << 30  # past 2^31 and 2^32 - 1: offsets are 64-bit

with open(os.path.join(out, "weights.bin"), "wb") as f:
    f.write(w1.tobytes())
    f.seek(4096)
    f.write(b1.tobytes())
    f.seek(FAR)
    f.write(w2.tobytes())
with open(os.path.join(out, "const.bin"), "wb") as f:
    f.write(scale.tobytes())
with open(os.path.join(out, "short.bin"), "wb") as f:
    f.write(w1.tobytes()[:100])
outside = os.path.join(os.path.dirname(os.path.abspath(out)), "outside.bin")
with open(outside, "wb") as f:
    f.write(w1.tobytes())
link = os.path.join(out, "link.bin")
if os.path.lexists(link):
    os.remove(link)
os.symlink(outside, link)


def external(name, array, location, offset=None, length=True, extra=()):
    tensor = numpy_helper.from_array(array, name)
    tensor.ClearField("raw_data")
    tensor.data_location = TensorProto.EXTERNAL
    entries = [("location", location)]
    if offset is not None:
        entries.append(("offset", str(offset)))
    if length:
        entries.append(("length", str(array.nbytes)))
    for key, value in list(entries) + list(extra):
        entry = tensor.external_data.add()
        entry.key, entry.value = key, value
    return tensor


def save(name, w1_tensor):
    scale_tensor = external("scale", scale, "const.bin")
    nodes = [
        helper.make_node("MatMul", ["x", "w1"], ["h"], name="mm1"),
        helper.make_node("Add", ["h", "b1"], ["hb"], name="bias"),
        helper.make_node("Relu", ["hb"], ["r"], name="relu"),
        helper.make_node("MatMul", ["r", "w2"], ["o"], name="mm2"),
        helper.make_node("Constant", [], ["s"], name="scale", value=scale_tensor),
        helper.make_node("Mul", ["o", "s"], ["y"], name="scaled"),
    ]
    graph = helper.make_graph(
        nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 4])],
        [w1_tensor, external("b1", b1, "weights.bin", 4096),
         external("w2", w2, "weights.bin", FAR, length=False)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    with open(os.path.join(out, name + ".onnx"), "wb") as f:
        f.write(model.SerializeToString())


save("mlp", external("w1", w1, "weights.bin", 0))
save("escape", external("w1", w1, "../outside.bin"))
save("absolute", external("w1", w1, outside))
save("link", external("w1", w1, "link.bin"))
save("missing", external("w1", w1, "nowhere.bin"))
save("short", external("w1", w1, "short.bin"))
save("wrong_length", external("w1", w1, "weights.bin", 0, length=False,
                              extra=[("length", "100")]))
no_location = external("w1", w1, "weights.bin")
del no_location.external_data[:]
save("no_location", no_location)
save("bad_offset", external("w1", w1, "weights.bin", "-4"))

x = rng.standard_normal((2, 8)).astype(np.float32)
np.save(os.path.join(out, "x.npy"), x)
np.save(os.path.join(out, "y.npy"), (np.maximum(x @ w1 + b1, 0) @ w2 * 0.5).astype(np.float32))
