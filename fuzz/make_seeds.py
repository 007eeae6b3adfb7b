#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets into fuzz/corpus (committed;
rerun after changing this script): small ONNX models spelled the way
exporters spell them, one or a few ops each, for the two ONNX targets; .npy
and .pb tensor files for the tensor-file target (first byte: 1 for .npy, 0
for .pb); a few byte strings for the runtime target. scripts/fuzz.sh adds
the ONNX node test models of the system's libonnx-testdata to the ONNX
corpus it works in."""

import hashlib
import io
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus")
rng = np.random.default_rng(3)


def write(kind, data):
    directory = os.path.join(OUT, kind)
    os.makedirs(directory, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


def vi(name, shape, dtype=T.FLOAT):
    return helper.make_tensor_value_info(name, dtype, shape)


def init(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def model(nodes, inputs, outputs, inits=(), opset=17):
    graph = helper.make_graph(nodes, "seed", inputs, outputs, list(inits))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    # Outputs declared without a shape get the inferred one.
    inferred = onnx.shape_inference.infer_shapes(m)
    known = {v.name: v for v in list(inferred.graph.value_info) + list(inferred.graph.output)}
    for output in m.graph.output:
        if not output.type.tensor_type.HasField("shape") and output.name in known:
            output.type.CopyFrom(known[output.name].type)
    try:
        onnx.checker.check_model(m)
    except Exception as e:
        raise SystemExit(f"seed {[n.op_type for n in nodes]}: {e}")
    write("onnx", m.SerializeToString())


def w(*shape):
    return (rng.standard_normal(shape) * 0.1).astype(np.float32)


N = helper.make_node
x4 = [vi("x", [1, 4, 8, 8])]
y4 = [vi("y", None)]

# Convolutions and pools, the way PyTorch exports them.
model([N("Conv", ["x", "w", "b"], ["y"], pads=[1, 1, 1, 1], strides=[1, 1])], x4, y4,
      [init("w", w(8, 4, 3, 3)), init("b", w(8))])
model([N("Conv", ["x", "w"], ["y"], group=4, pads=[1, 1, 1, 1], strides=[2, 2])], x4, y4,
      [init("w", w(4, 1, 3, 3))])
model([N("ConvTranspose", ["x", "w"], ["y"], strides=[2, 2])], x4, y4, [init("w", w(4, 2, 2, 2))])
model([N("MaxPool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
         ceil_mode=1)], x4, y4)
model([N("AveragePool", ["x"], ["y"], kernel_shape=[2, 2], strides=[2, 2],
         count_include_pad=0)], x4, y4)
model([N("GlobalAveragePool", ["x"], ["y"])], x4, y4)
model([N("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"])], x4, y4,
      [init("s", w(4)), init("b", w(4)), init("m", w(4)), init("v", np.ones(4, np.float32))])
model([N("Resize", ["x", "", "sc"], ["y"], mode="nearest")], x4, y4,
      [init("sc", np.array([1, 1, 2, 2], np.float32))])
model([N("Resize", ["x", "", "", "sz"], ["y"], mode="linear",
         coordinate_transformation_mode="align_corners")], x4, y4,
      [init("sz", np.array([1, 4, 5, 11], np.int64))])
model([N("Pad", ["x", "p"], ["y"], mode="reflect")], x4, y4,
      [init("p", np.array([0, 0, 1, 2, 0, 0, 2, 1], np.int64))])
model([N("HardSwish", ["x"], ["h"]), N("Clip", ["h", "lo", "hi"], ["y"])], x4, y4,
      [init("lo", np.float32(0)), init("hi", np.float32(6))])
# Transformer pieces: MatMul + bias, shape chains, softmax, layer norm, GELU.
xs = [vi("x", [2, 16, 32])]
model([N("MatMul", ["x", "w"], ["m"]), N("Add", ["m", "b"], ["y"])], xs, y4,
      [init("w", w(32, 32)), init("b", w(32))])
model([N("Shape", ["x"], ["s"]), N("Gather", ["s", "i0"], ["d0"], axis=0),
       N("Unsqueeze", ["d0", "ax"], ["u"]), N("Concat", ["u", "rest"], ["shape"], axis=0),
       N("Reshape", ["x", "shape"], ["r"]), N("Transpose", ["r"], ["y"], perm=[0, 2, 1, 3])],
      xs, [vi("y", [2, 4, 16, 8])], [init("i0", np.int64(0)), init("ax", np.array([0], np.int64)),
               init("rest", np.array([16, 4, 8], np.int64))])
model([N("Softmax", ["x"], ["y"], axis=-1)], xs, y4)
model([N("LayerNormalization", ["x", "g", "b"], ["y"], axis=-1, epsilon=1e-5)], xs, y4,
      [init("g", np.ones(32, np.float32)), init("b", w(32))])
model([N("Div", ["x", "sq2"], ["d"]), N("Erf", ["d"], ["e"]), N("Add", ["e", "one"], ["a"]),
       N("Mul", ["x", "a"], ["m"]), N("Mul", ["m", "half"], ["y"])], xs, y4,
      [init("sq2", np.float32(1.4142135)), init("one", np.float32(1)),
       init("half", np.float32(0.5))])
model([N("ReduceMean", ["x"], ["y"], axes=[-1], keepdims=1)], xs, y4, opset=13)
model([N("ReduceSum", ["x", "ax"], ["y"], keepdims=0)], xs, y4,
      [init("ax", np.array([1], np.int64))], opset=13)
model([N("Einsum", ["x", "x"], ["y"], equation="bij,bkj->bik")], xs, y4)
model([N("Gemm", ["a", "w", "b"], ["y"], transB=1, alpha=0.5)], [vi("a", [4, 32])], y4,
      [init("w", w(16, 32)), init("b", w(16))])
model([N("Slice", ["x", "st", "en", "ax", "sp"], ["y"])], xs, y4,
      [init("st", np.array([1, -1], np.int64)), init("en", np.array([9, -33], np.int64)),
       init("ax", np.array([1, 2], np.int64)), init("sp", np.array([2, -1], np.int64))])
model([N("Split", ["x", "sp"], ["a", "b"], axis=2), N("Sub", ["a", "b"], ["y"])], xs, y4,
      [init("sp", np.array([16, 16], np.int64))])
model([N("Gather", ["emb", "ids"], ["y"])], [vi("ids", [2, 5], T.INT64)], y4,
      [init("emb", w(50, 8))])
model([N("GatherElements", ["x", "i"], ["y"], axis=1)], [vi("x", [3, 4]), vi("i", [3, 2], T.INT64)], y4)
model([N("ScatterND", ["x", "i", "u"], ["y"])],
      [vi("x", [4, 3]), vi("i", [2, 1], T.INT64), vi("u", [2, 3])], y4)
model([N("TopK", ["x", "k"], ["v", "i"], axis=-1)], xs, [vi("v", None), vi("i", None, T.INT64)],
      [init("k", np.array([3], np.int64))])
model([N("Where", ["c", "x", "z"], ["y"])], [vi("c", [2, 16, 32], T.BOOL), xs[0]], y4,
      [init("z", np.float32(0))])
model([N("Cast", ["x"], ["c"], to=T.INT32), N("Cast", ["c"], ["y"], to=T.FLOAT16)], xs,
      [vi("y", None, T.FLOAT16)])
model([N("Expand", ["x", "s"], ["y"])], [vi("x", [1, 3, 1])], y4,
      [init("s", np.array([2, 1, 4], np.int64))])
model([N("Tile", ["x", "r"], ["y"])], [vi("x", [2, 3])], y4, [init("r", np.array([2, 2], np.int64))])
model([N("Flatten", ["x"], ["f"], axis=1), N("Relu", ["f"], ["y"])], x4, y4)
model([N("Squeeze", ["x", "ax"], ["y"])], [vi("x", [1, 3, 1])], y4, [init("ax", np.array([0], np.int64))])
model([N("LSTM", ["x", "W", "R"], ["y"], hidden_size=4)], [vi("x", [5, 1, 3])], y4,
      [init("W", w(1, 16, 3)), init("R", w(1, 16, 4))])
model([N("GRU", ["x", "W", "R"], ["y"], hidden_size=4, linear_before_reset=1)],
      [vi("x", [5, 1, 3])], y4, [init("W", w(1, 12, 3)), init("R", w(1, 12, 4))])
model([N("QuantizeLinear", ["x", "s", "z"], ["q"]), N("DequantizeLinear", ["q", "s", "z"], ["y"])],
      xs, y4, [init("s", np.float32(0.02)), init("z", np.uint8(128))])
model([N("ArgMax", ["x"], ["y"], axis=1, keepdims=0)], xs, [vi("y", None, T.INT64)])
model([N("CumSum", ["x", "ax"], ["y"], reverse=1)], xs, y4, [init("ax", np.int64(1))])
model([N("OneHot", ["i", "d", "v"], ["y"])], [vi("i", [4], T.INT64)], y4,
      [init("d", np.int64(5)), init("v", np.array([0, 1], np.float32))])
model([N("Range", ["a", "b", "c"], ["y"])], [], y4,
      [init("a", np.float32(0)), init("b", np.float32(5)), init("c", np.float32(0.5))])
model([N("Constant", [], ["c"], value=init("v", w(2, 3))), N("Add", ["x", "c"], ["y"])],
      [vi("x", [2, 3])], y4)
model([N("Sum", ["a", "b", "c"], ["y"])], [vi("a", [3]), vi("b", [1]), vi("c", [2, 3])], y4)

# Tensor files: .npy of several dtypes and versions, .pb raw and typed.
def npy(array, version=(1, 0)):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, version=version)
    write("tensor-file", b"\x01" + buffer.getvalue())


for array in (w(2, 3), np.arange(6, dtype=np.int64).reshape(3, 2), np.array(True),
              np.zeros((0, 4), np.float32), np.arange(4, dtype=np.uint8),
              np.ones(3, np.float16), np.ones((2, 2), np.float64)):
    npy(array)
npy(w(4), (2, 0))
npy(w(1, 1, 2), (3, 0))
for array in (w(2, 2), np.arange(5, dtype=np.int64), np.arange(3, dtype=np.int32)):
    write("tensor-file", b"\x00" + numpy_helper.from_array(array, "t").SerializeToString())
typed = helper.make_tensor("t", T.FLOAT, [2], [1.0, 2.0])
write("tensor-file", b"\x00" + typed.SerializeToString())
typed = helper.make_tensor("t", T.INT64, [3], [1, -2, 3])
write("tensor-file", b"\x00" + typed.SerializeToString())

for seed in range(8):
    write("runtime", np.random.default_rng(seed).bytes(64 + 16 * seed))
