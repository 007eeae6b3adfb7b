#!/usr/bin/python3
"""Writes small ONNX models (good and broken) for the importer and tool tests.

  make_models.py OUTDIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def save(name, nodes, inputs, outputs, opset=13, initializers=(), domain_opsets=()):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(initializers))
    opsets = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, v) for d, v in domain_opsets]
    model = helper.make_model(graph, opset_imports=opsets)
    model.ir_version = 8
    onnx.save(model, os.path.join(out, name + ".onnx"))
    return model


def info(name, shape, dtype=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, dtype, shape)


# A valid model: y = relu(x + b) @ w, x symbolic in its first dimension.
b = numpy_helper.from_array(np.linspace(-1, 1, 4).astype(np.float32), "b")
w = numpy_helper.from_array(np.arange(8, dtype=np.float32).reshape(4, 2) / 8, "w")
good = save("good", [
    helper.make_node("Add", ["x", "b"], ["s"], name="add"),
    helper.make_node("Relu", ["s"], ["r"], name="relu"),
    helper.make_node("MatMul", ["r", "w"], ["y"], name="matmul"),
], [info("x", ["N", 4])], [info("y", ["N", 2])], initializers=[b, w])

# The same bytes cut in half.
data = good.SerializeToString()
with open(os.path.join(out, "truncated.onnx"), "wb") as f:
    f.write(data[: len(data) // 2])
with open(os.path.join(out, "not_onnx.onnx"), "w") as f:
    f.write("this is not a model\n")

save("opset25", [helper.make_node("Relu", ["x"], ["y"], name="relu")],
     [info("x", [2])], [info("y", [2])], opset=25)
save("unsupported", [helper.make_node("RandomUniformLike", ["x"], ["y"], name="rand")],
     [info("x", [4])], [info("y", [None])])
save("custom_domain", [helper.make_node("Foo", ["x"], ["y"], name="foo", domain="com.example")],
     [info("x", [4])], [info("y", [4])], domain_opsets=[("com.example", 3)])  # its own opset, not the default 13
save("bad_broadcast", [helper.make_node("Add", ["x", "z"], ["y"], name="add")],
     [info("x", [2, 3]), info("z", [4])], [info("y", [2, 3])])
save("runtime_shape", [helper.make_node("Reshape", ["x", "shape"], ["y"], name="reshape")],
     [info("x", [2, 3]), info("shape", [2], TensorProto.INT64)], [info("y", [3, 2])])
# Opset 18 is past Debian's ONNX checker (opset <= 17): Tessera's own check.
save("undefined_input", [helper.make_node("Relu", ["nowhere"], ["y"], name="relu")],
     [info("x", [2])], [info("y", [2])], opset=18)
# Within its range, ONNX's checker speaks first.
save("unsorted", [helper.make_node("Relu", ["nowhere"], ["y"], name="relu")],
     [info("x", [2])], [info("y", [2])])

np.save(os.path.join(out, "x_2x4.npy"), np.arange(8, dtype=np.float32).reshape(2, 4) - 3)
np.save(os.path.join(out, "x_2x4_i64.npy"), np.arange(8, dtype=np.int64).reshape(2, 4))
np.save(os.path.join(out, "x_3x4.npy"), np.zeros((3, 4), dtype=np.float32))
x = np.arange(8, dtype=np.float32).reshape(2, 4) - 3
y = np.maximum(x + np.linspace(-1, 1, 4).astype(np.float32), 0) @ (np.arange(8, dtype=np.float32).reshape(4, 2) / 8)
np.save(os.path.join(out, "y_2x2.npy"), y.astype(np.float32))
np.save(os.path.join(out, "y_wrong.npy"), (y + np.array([[0, 0], [0, 1]])).astype(np.float32))

# Ops the importer spells in other tg ops.
save("decomposed", [
    helper.make_node("Elu", ["x"], ["e"], alpha=0.5, name="elu"),
    helper.make_node("Trilu", ["e"], ["t"], upper=0, name="tril"),
    helper.make_node("NegativeLogLikelihoodLoss", ["t", "target"], ["loss"],
                     reduction="mean", ignore_index=1, name="nll"),
], [info("x", [3, 4]), info("target", [3], TensorProto.INT64)], [info("loss", [])], opset=14)
# Ops whose operands disagree: the message names the label or the bound.
save("bad_einsum", [helper.make_node("Einsum", ["x", "z"], ["y"], name="mm", equation="ij,jk->ik")],
     [info("x", [2, 3]), info("z", [4, 5])], [info("y", [2, 5])], opset=18)
save("bad_topk", [helper.make_node("TopK", ["x", "k"], ["v", "i"], name="top")],
     [info("x", [2, 3])], [info("v", [2, 5]), info("i", [2, 5], TensorProto.INT64)], opset=18,
     initializers=[numpy_helper.from_array(np.array([5], dtype=np.int64), "k")])
# Opset 18 ops: Einsum as a batched matmul, GroupNormalization, Mish,
# CenterCropPad, and the indexing ops with tg ops of their own.
save("indexing", [
    helper.make_node("Einsum", ["a", "b"], ["ab"], equation="bij,bjk->bik", name="bmm"),
    helper.make_node("GroupNormalization", ["ab", "s", "o"], ["g"], num_groups=3, name="gn"),
    helper.make_node("Mish", ["g"], ["m"], name="mish"),
    helper.make_node("CenterCropPad", ["m", "crop"], ["c"], axes=[1, 2], name="ccp"),
    helper.make_node("GatherND", ["c", "gi"], ["gd"], name="gnd"),
    helper.make_node("ScatterND", ["c", "si", "gd"], ["sc"], reduction="add", name="snd"),
    helper.make_node("TopK", ["sc", "k"], ["v", "i"], axis=-1, largest=0, name="topk"),
], [info("a", [2, 3, 4]), info("b", [2, 4, 6]), info("gi", [1, 1], TensorProto.INT64),
    info("si", [1, 1], TensorProto.INT64)],
   [info("v", [2, 5, 2]), info("i", [2, 5, 2], TensorProto.INT64)], opset=18,
   initializers=[numpy_helper.from_array(np.ones(3, np.float32), "s"),
                 numpy_helper.from_array(np.zeros(3, np.float32), "o"),
                 numpy_helper.from_array(np.array([5, 4], np.int64), "crop"),
                 numpy_helper.from_array(np.array([2], np.int64), "k")])
# Quantization: per-axis QuantizeLinear, then an exact integer matmul.
save("quantized", [
    helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"], axis=1, name="quant"),
    helper.make_node("MatMulInteger", ["q", "w"], ["y"], name="mmi"),
], [info("x", [2, 3]), info("w", [3, 4], TensorProto.UINT8)], [info("y", [2, 4], TensorProto.INT32)],
   initializers=[numpy_helper.from_array(np.array([0.5, 0.25, 1.0], np.float32), "s"),
                 numpy_helper.from_array(np.array([1, 2, 3], np.uint8), "z")])
# QLinearConv whose w_scale is neither per tensor nor per output channel
# (2 scales, 3 filters).
save("bad_qlinearconv", [
    helper.make_node("QLinearConv", ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz"], ["y"],
                     kernel_shape=[3, 3], pads=[1, 1, 1, 1], name="qc"),
], [info("x", [1, 2, 5, 5], TensorProto.UINT8)], [info("y", [1, 3, 5, 5], TensorProto.UINT8)],
   initializers=[numpy_helper.from_array(np.array(0.1, np.float32), "xs"),
                 numpy_helper.from_array(np.array(128, np.uint8), "xz"),
                 numpy_helper.from_array(np.ones([3, 2, 3, 3], np.int8), "w"),
                 numpy_helper.from_array(np.array([0.1, 0.2], np.float32), "ws"),
                 numpy_helper.from_array(np.array(0, np.int8), "wz"),
                 numpy_helper.from_array(np.array(0.2, np.float32), "ys"),
                 numpy_helper.from_array(np.array(128, np.uint8), "yz")])
# Col2Im as a grouped ConvTranspose with one-hot weights.
save("col2im", [helper.make_node("Col2Im", ["x", "image", "block"], ["y"], strides=[2, 2],
                                 name="c2i")],
     [info("x", [1, 8, 4])], [info("y", [1, 2, 5, 5])], opset=18,
     initializers=[numpy_helper.from_array(np.array([5, 5], np.int64), "image"),
                   numpy_helper.from_array(np.array([2, 2], np.int64), "block")])
# A window is a constant once its size is; MeanVarianceNormalization is
# ONNX's function body.
save("window_mvn", [
    helper.make_node("HannWindow", ["n"], ["w"], periodic=0, name="hann"),
    helper.make_node("MeanVarianceNormalization", ["x"], ["m"], axes=[1], name="mvn"),
    helper.make_node("Mul", ["m", "w"], ["y"], name="mul"),
], [info("x", [2, 5])], [info("y", [2, 5])], opset=17,
   initializers=[numpy_helper.from_array(np.array(5, np.int64), "n")])
# An LSTM unrolls: one input and one recurrent matmul per step.
save("lstm", [helper.make_node("LSTM", ["x", "w", "r"], ["y"], hidden_size=2, name="lstm")],
     [info("x", [2, 1, 3])], [info("y", [2, 1, 1, 2])], opset=14,
     initializers=[numpy_helper.from_array(np.ones((1, 8, 3), np.float32), "w"),
                   numpy_helper.from_array(np.ones((1, 8, 2), np.float32), "r")])
# What the unrolling does not do: sequence_lens shorter than the sequence.
save("lstm_short", [helper.make_node("LSTM", ["x", "w", "r", "", "lens"], ["y"], hidden_size=2,
                                     name="lstm")],
     [info("x", [2, 1, 3])], [info("y", [2, 1, 1, 2])], opset=14,
     initializers=[numpy_helper.from_array(np.ones((1, 8, 3), np.float32), "w"),
                   numpy_helper.from_array(np.ones((1, 8, 2), np.float32), "r"),
                   numpy_helper.from_array(np.array([1], np.int32), "lens")])
# Compress and ReverseSequence with their selections known at compile time.
save("select", [
    helper.make_node("Compress", ["x", "keep"], ["c"], axis=1, name="compress"),
    helper.make_node("ReverseSequence", ["c", "lens"], ["y"], batch_axis=0, time_axis=1,
                     name="reverse"),
], [info("x", [2, 4])], [info("y", [2, 3])], opset=13,
   initializers=[numpy_helper.from_array(np.array([True, False, True, True]), "keep"),
                 numpy_helper.from_array(np.array([3, 2], np.int64), "lens")])
# MaxPool's Indices: windows gathered through a table, arg_max, positions.
save("maxpool_indices", [helper.make_node("MaxPool", ["x"], ["y", "i"], kernel_shape=[2, 2],
                                          pads=[0, 0, 1, 1], name="pool")],
     [info("x", [1, 1, 2, 2])], [info("y", [1, 1, 2, 2]), info("i", [1, 1, 2, 2], TensorProto.INT64)],
     opset=12)
# One value listed as two graph outputs (directly and through Identity).
save("dup_outputs", [helper.make_node("Relu", ["x"], ["a"], name="relu"),
                     helper.make_node("Identity", ["a"], ["b"], name="same"),
                     helper.make_node("Identity", ["x"], ["x_too"], name="input")],
     [info("x", [2, 4])], [info("a", [2, 4]), info("b", [2, 4]), info("x_too", [2, 4])])
# Zero-element tensors at the boundary.
save("empty", [helper.make_node("Relu", ["x"], ["y"], name="relu")],
     [info("x", [2, 0, 3])], [info("y", [2, 0, 3])])
np.save(os.path.join(out, "empty_2x0x3.npy"), np.zeros((2, 0, 3), np.float32))
# Decompositions that check their operands.
save("bad_groupnorm", [helper.make_node("GroupNormalization", ["x", "s", "b"], ["y"], num_groups=2,
                                        name="gn")],
     [info("x", [1, 3, 4])], [info("y", [1, 3, 4])], opset=18,
     initializers=[numpy_helper.from_array(np.ones(2, np.float32), "s"),
                   numpy_helper.from_array(np.zeros(2, np.float32), "b")])
save("compress_none", [helper.make_node("Compress", ["x", "keep"], ["y"], axis=0, name="cmp")],
     [info("x", [3])], [info("y", [1])],
     initializers=[numpy_helper.from_array(np.array([False, False, False]), "keep")])
save("bad_col2im", [helper.make_node("Col2Im", ["x", "image", "block"], ["y"], name="c2i")],
     [info("x", [1, 4, 5])], [info("y", [1, 1, 3, 3])], opset=18,
     initializers=[numpy_helper.from_array(np.array([3, 3], np.int64), "image"),
                   numpy_helper.from_array(np.array([2, 2], np.int64), "block")])
# Large enough for the CPU kernels' thread pool: a dense convolution + relu
# and a depthwise convolution, a batch of rows times a matrix (all three
# register-tiled), all on the pool.
_rng = np.random.default_rng(7)
save("parallel_cnn", [
    helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                     name="conv"),
    helper.make_node("Relu", ["c1"], ["r1"], name="relu"),
    helper.make_node("Conv", ["r1", "w2"], ["c2"], kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                     group=32, name="depthwise"),
    helper.make_node("MatMul", ["c2", "w3"], ["y"], name="matmul")],
    [info("x", [1, 16, 40, 40])], [info("y", [1, 32, 40, 48])],
    initializers=[numpy_helper.from_array((_rng.standard_normal((32, 16, 3, 3)) * 0.2)
                                          .astype(np.float32), "w1"),
                  numpy_helper.from_array(_rng.standard_normal(32).astype(np.float32), "b1"),
                  numpy_helper.from_array((_rng.standard_normal((32, 1, 3, 3)) * 0.3)
                                          .astype(np.float32), "w2"),
                  numpy_helper.from_array((_rng.standard_normal((40, 48)) * 0.2)
                                          .astype(np.float32), "w3")])
np.save(os.path.join(out, "x_parallel.npy"), _rng.standard_normal((1, 16, 40, 40)).astype(np.float32))

# Malformed in ways ONNX's checker would catch, at an opset (18+) where it
# does not run: a Conv's strides given as floats (read as ints they would
# silently be the default), an attribute given twice, a value with two
# producers, an input declared twice, outputs declared with another shape or
# element type than the graph computes, and a node whose name holds a
# newline and a terminal escape.
conv_w = numpy_helper.from_array(np.ones((1, 1, 3, 3), np.float32), "w")
float_strides = helper.make_node("Conv", ["x", "w"], ["y"], name="conv", kernel_shape=[3, 3])
float_strides.attribute.append(helper.make_attribute("strides", [2.0, 2.0]))
save("float_strides", [float_strides], [info("x", [1, 1, 7, 7])], [info("y", [1, 1, 3, 3])],
     opset=18, initializers=[conv_w])
twice = helper.make_node("LeakyRelu", ["x"], ["y"], name="leaky", alpha=0.1)
twice.attribute.append(helper.make_attribute("alpha", 0.2))
save("attribute_twice", [twice], [info("x", [2, 4])], [info("y", [2, 4])], opset=18)
save("two_producers", [helper.make_node("Relu", ["x"], ["t"], name="first"),
                       helper.make_node("Neg", ["x"], ["t"], name="second"),
                       helper.make_node("Abs", ["t"], ["y"], name="abs")],
     [info("x", [2, 4])], [info("y", [2, 4])], opset=18)
save("input_twice", [helper.make_node("Add", ["x", "x"], ["y"], name="add")],
     [info("x", [2, 4]), info("x", [2, 4])], [info("y", [2, 4])], opset=18)
save("initializer_twice", [helper.make_node("Add", ["x", "c"], ["y"], name="add")],
     [info("x", [2, 4])], [info("y", [2, 4])], opset=18,
     initializers=[numpy_helper.from_array(np.ones((2, 4), np.float32), "c"),
                   numpy_helper.from_array(np.zeros((2, 4), np.float32), "c")])
save("wrong_output_shape", [helper.make_node("Relu", ["x"], ["y"], name="relu")],
     [info("x", [2, 4])], [info("y", [4, 2])], opset=18)
save("wrong_output_type", [helper.make_node("Relu", ["x"], ["y"], name="relu")],
     [info("x", [2, 4])], [info("y", [2, 4], TensorProto.INT64)], opset=18)
save("hostile_name", [helper.make_node("Foo", ["x"], ["y"], name="evil\n\x1b[31mred")],
     [info("x", [2, 4])], [info("y", [2, 4])], opset=18)

# Constant gather indices out of range: rejected when compiled, where a run
# would read outside the data. -1 is in range (from the end).
save("gather_oob", [helper.make_node("Gather", ["x", "idx"], ["y"], name="gather", axis=1)],
     [info("x", [2, 4])], [info("y", [2, 3])], opset=13,
     initializers=[numpy_helper.from_array(np.array([0, -1, 4], np.int64), "idx")])
save("gathernd_oob", [helper.make_node("GatherND", ["x", "idx"], ["y"], name="gnd")],
     [info("x", [2, 4])], [info("y", [2])], opset=13,
     initializers=[numpy_helper.from_array(np.array([[1, 3], [2, 0]], np.int64), "idx")])
save("scatter_oob", [helper.make_node("ScatterElements", ["x", "idx", "u"], ["y"], name="sc", axis=1)],
     [info("x", [2, 4]), info("u", [2, 1])], [info("y", [2, 4])], opset=16,
     initializers=[numpy_helper.from_array(np.array([[1], [-5]], np.int64), "idx")])
save("scatternd_oob", [helper.make_node("ScatterND", ["x", "idx", "u"], ["y"], name="snd")],
     [info("x", [3, 4]), info("u", [2, 4])], [info("y", [3, 4])], opset=16,
     initializers=[numpy_helper.from_array(np.array([[2], [3]], np.int64), "idx")])
# Run-time indices into an empty dimension: every one would be out of range.
save("gather_empty_axis", [helper.make_node("Gather", ["x", "idx"], ["y"], name="ge", axis=1)],
     [info("x", [2, 0]), info("idx", [3], TensorProto.INT64)], [info("y", [2, 3])], opset=13)
save("gather_negative", [helper.make_node("Gather", ["x", "idx"], ["y"], name="gather", axis=1)],
     [info("x", [2, 4])], [info("y", [2, 2])], opset=13,
     initializers=[numpy_helper.from_array(np.array([-4, -1], np.int64), "idx")])

# Sizes past 2^48 bytes: an input, the output of an Expand (whose shape is a
# constant), and a Conv over a 2^62-wide input; each refused before any
# pass computes with it.
save("huge_input", [helper.make_node("Relu", ["x"], ["y"], name="relu")],
     [info("x", [1 << 31, 1 << 31])], [info("y", [1 << 31, 1 << 31])], opset=13)
save("huge_expand", [helper.make_node("Expand", ["x", "shape"], ["y"], name="expand")],
     [info("x", [1, 4])], [info("y", None)], opset=18,
     initializers=[numpy_helper.from_array(np.array([1 << 46, 4], np.int64), "shape")])
save("huge_conv", [helper.make_node("Conv", ["x", "w"], ["y"], name="conv", kernel_shape=[3])],
     [info("x", [1, 1, 1 << 62])], [info("y", None)], opset=18,
     initializers=[numpy_helper.from_array(np.ones((1, 1, 3), np.float32), "w")])


# Initializers that lie about their data: fewer bytes than the dims need, a
# typed field of the wrong length, dims that are negative or overflow int64
# when multiplied, data stored in an external file, an unknown data type.
def initializer_model(name, tensor):
    save(name, [helper.make_node("Add", ["x", "w"], ["y"], name="add")],
         [info("x", [2])], [info("y", [2])], opset=18, initializers=[tensor])


short = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[2])
short.raw_data = b"\0" * 5
initializer_model("init_short_raw", short)
typed = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[2])
typed.float_data.extend([1.0, 2.0, 3.0])
initializer_model("init_typed_length", typed)
negative = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[-2])
initializer_model("init_negative_dim", negative)
overflow = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[1 << 62, 1 << 62, 4])
overflow.raw_data = b"\0" * 8
initializer_model("init_overflow_dims", overflow)
external = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[2])
external.data_location = TensorProto.EXTERNAL
entry = external.external_data.add()
entry.key, entry.value = "location", "weights.bin"
initializer_model("init_external", external)
unknown = TensorProto(name="w", data_type=99, dims=[2])
unknown.raw_data = b"\0" * 8
initializer_model("init_unknown_type", unknown)

# A cycle (opset 18, where ONNX's checker does not run): each node reads the
# other's output.
save("cycle", [helper.make_node("Relu", ["b"], ["a"], name="first"),
               helper.make_node("Neg", ["a"], ["b"], name="second")],
     [info("x", [2])], [info("b", [2])], opset=18)
# A graph input with a negative dimension.
save("negative_input_dim", [helper.make_node("Relu", ["x"], ["y"], name="relu")],
     [info("x", [2, -3])], [info("y", [2, 3])], opset=18)
# A count from a constant input that is not finite (requireConstantInt).
save("onehot_inf_depth", [helper.make_node("OneHot", ["i", "d", "v"], ["y"], name="oh")],
     [info("i", [3], TensorProto.INT64)], [info("y", [3, 4])], opset=13,
     initializers=[numpy_helper.from_array(np.array(np.inf, np.float32), "d"),
                   numpy_helper.from_array(np.array([0, 1], np.float32), "v")])
