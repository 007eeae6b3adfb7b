#!/usr/bin/python3
"""Writes test cases for ONNX opsets 18-21, which Debian's test data (ONNX
1.12, opsets <= 17) does not cover, with expected outputs from ONNX Runtime.

  make_opset_cases.py OUTDIR ORT_NODE_PATH

Each case is OUTDIR/opset/<name>/model.onnx with test_data_set_0/input_N.pb
(fixed random inputs) and output_N.pb written by ONNX Runtime 1.30 (npm
onnxruntime-node, run through tools/tessera-verify/ort_oracle.js). The layout
is the node tests', so onnx_node_cases.py runs them as they are; OUTDIR/cases.txt
lists them for its --list.
"""
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ORACLE = os.path.join(HERE, "..", "..", "tools", "tessera-verify", "ort_oracle.js")
RNG = np.random.default_rng(18)
F = TensorProto.FLOAT


def rand(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def ints(values):
    return np.array(values, dtype=np.int64)


CASES = []


def case(name, opset, nodes, inputs, outputs, initializers=()):
    """inputs: [(name, array)]; outputs: [(name, elem_type)]."""
    CASES.append((name, opset, nodes, inputs, outputs, initializers))


# Reductions take axes as an input from opset 18.
for op in ["ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
           "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"]:
    x = np.abs(rand(3, 4, 5)) + 0.5
    case(op.lower() + "_axes_input_keepdims", 18,
         [helper.make_node(op, ["x", "axes"], ["y"], keepdims=1)],
         [("x", x)], [("y", F)], [numpy_helper.from_array(ints([0, -1]), "axes")])
    case(op.lower() + "_axes_input_no_keepdims", 18,
         [helper.make_node(op, ["x", "axes"], ["y"], keepdims=0)],
         [("x", x)], [("y", F)], [numpy_helper.from_array(ints([1]), "axes")])
    case(op.lower() + "_empty_axes_noop", 18,
         [helper.make_node(op, ["x"], ["y"], noop_with_empty_axes=1)],
         [("x", x)], [("y", F)])

# Split: num_outputs (18), uneven last part.
case("split_num_outputs_uneven", 18,
     [helper.make_node("Split", ["x"], ["a", "b", "c"], axis=1, num_outputs=3)],
     [("x", rand(2, 7))], [("a", F), ("b", F), ("c", F)])

# Pad: axes input (18), wrap mode (19).
case("pad_axes_input", 18,
     [helper.make_node("Pad", ["x", "pads", "value", "axes"], ["y"], mode="constant")],
     [("x", rand(2, 3, 4))], [("y", F)],
     [numpy_helper.from_array(ints([1, 2, 0, 1]), "pads"),
      numpy_helper.from_array(np.array(0.5, np.float32), "value"),
      numpy_helper.from_array(ints([1, -1]), "axes")])
case("pad_wrap", 19,
     [helper.make_node("Pad", ["x", "pads"], ["y"], mode="wrap")],
     [("x", rand(3, 4))], [("y", F)], [numpy_helper.from_array(ints([1, 2, 2, 3]), "pads")])

# Resize: keep_aspect_ratio_policy and axes (18), half_pixel_symmetric (19),
# antialias (18).
for policy in ["not_larger", "not_smaller"]:
    case("resize_keep_aspect_" + policy, 18,
         [helper.make_node("Resize", ["x", "", "", "sizes"], ["y"], mode="linear",
                           keep_aspect_ratio_policy=policy, axes=[2, 3])],
         [("x", rand(1, 2, 4, 6))], [("y", F)],
         [numpy_helper.from_array(ints([7, 7]), "sizes")])
case("resize_half_pixel_symmetric", 19,
     [helper.make_node("Resize", ["x", "", "scales"], ["y"], mode="linear",
                       coordinate_transformation_mode="half_pixel_symmetric")],
     [("x", rand(1, 1, 4, 4))], [("y", F)],
     [numpy_helper.from_array(np.array([1, 1, 1.5, 0.75], np.float32), "scales")])
case("resize_antialias_linear_downsample", 18,
     [helper.make_node("Resize", ["x", "", "scales"], ["y"], mode="linear", antialias=1)],
     [("x", rand(1, 1, 8, 8))], [("y", F)],
     [numpy_helper.from_array(np.array([1, 1, 0.5, 0.5], np.float32), "scales")])
case("resize_antialias_cubic_downsample", 18,
     [helper.make_node("Resize", ["x", "", "scales"], ["y"], mode="cubic", antialias=1)],
     [("x", rand(1, 2, 9, 11))], [("y", F)],
     [numpy_helper.from_array(np.array([1, 1, 0.4, 0.3], np.float32), "scales")])
case("resize_antialias_linear_mixed_sizes", 18,
     [helper.make_node("Resize", ["x", "", "", "sizes"], ["y"], mode="linear", antialias=1)],
     [("x", rand(1, 1, 10, 5))], [("y", F)],
     [numpy_helper.from_array(ints([1, 1, 3, 8]), "sizes")])
case("resize_antialias_cubic_exclude_outside", 18,
     [helper.make_node("Resize", ["x", "", "scales"], ["y"], mode="cubic", antialias=1,
                       exclude_outside=1, cubic_coeff_a=-0.5)],
     [("x", rand(1, 1, 12, 12))], [("y", F)],
     [numpy_helper.from_array(np.array([1, 1, 0.6, 0.25], np.float32), "scales")])

# Bitwise ops (18).
a = RNG.integers(-100, 100, (3, 4)).astype(np.int32)
b = RNG.integers(-100, 100, (3, 4)).astype(np.int32)
for op in ["BitwiseAnd", "BitwiseOr", "BitwiseXor"]:
    case(op.lower(), 18, [helper.make_node(op, ["a", "b"], ["y"])],
         [("a", a), ("b", b)], [("y", TensorProto.INT32)])
case("bitwisenot", 18, [helper.make_node("BitwiseNot", ["a"], ["y"])],
     [("a", a)], [("y", TensorProto.INT32)])

# Gelu (20), both forms.
for approximate in ["none", "tanh"]:
    case("gelu_" + approximate, 20,
         [helper.make_node("Gelu", ["x"], ["y"], approximate=approximate)],
         [("x", rand(3, 5))], [("y", F)])

# AveragePool with dilations (19).
case("averagepool_dilations", 19,
     [helper.make_node("AveragePool", ["x"], ["y"], kernel_shape=[2, 2], dilations=[2, 2],
                       pads=[1, 1, 1, 1])],
     [("x", rand(1, 2, 6, 6))], [("y", F)])

# Mish (18), GroupNormalization (18 per group, 21 per channel), CenterCropPad (18).
case("mish", 18, [helper.make_node("Mish", ["x"], ["y"])], [("x", rand(4, 5))], [("y", F)])
case("groupnormalization_18", 18,
     [helper.make_node("GroupNormalization", ["x", "scale", "bias"], ["y"], num_groups=2,
                       epsilon=1e-5)],
     [("x", rand(2, 4, 3, 3))], [("y", F)],
     [numpy_helper.from_array(rand(2), "scale"), numpy_helper.from_array(rand(2), "bias")])
case("groupnormalization_21", 21,
     [helper.make_node("GroupNormalization", ["x", "scale", "bias"], ["y"], num_groups=2,
                       epsilon=1e-5)],
     [("x", rand(2, 4, 3, 3))], [("y", F)],
     [numpy_helper.from_array(rand(4), "scale"), numpy_helper.from_array(rand(4), "bias")])
case("centercroppad", 18,
     [helper.make_node("CenterCropPad", ["x", "shape"], ["y"], axes=[0, 1])],
     [("x", rand(5, 4, 3))], [("y", F)], [numpy_helper.from_array(ints([3, 7]), "shape")])

# TopK beyond the node tests: ties (lower index first), integers, a long row.
ties = RNG.integers(0, 4, (3, 9)).astype(np.float32)
case("topk_ties_largest", 18,
     [helper.make_node("TopK", ["x", "k"], ["v", "i"], axis=1, largest=1)],
     [("x", ties)], [("v", F), ("i", TensorProto.INT64)],
     [numpy_helper.from_array(ints([5]), "k")])
case("topk_ties_smallest_int32", 18,
     [helper.make_node("TopK", ["x", "k"], ["v", "i"], axis=0, largest=0)],
     [("x", ties.astype(np.int32).T.copy())], [("v", TensorProto.INT32), ("i", TensorProto.INT64)],
     [numpy_helper.from_array(ints([2]), "k")])
case("topk_long_row", 18,
     [helper.make_node("TopK", ["x", "k"], ["v", "i"], axis=-1)],
     [("x", rand(4, 1000))], [("v", F), ("i", TensorProto.INT64)],
     [numpy_helper.from_array(ints([10]), "k")])

# Einsum beyond the node tests: chains, implicit output, ellipsis, traces,
# outer products, a three-operand bilinear form.
for name, equation, shapes in [
        ("chain", "ij,jk,kl->il", [(3, 4), (4, 5), (5, 2)]),
        ("implicit", "ij,jk", [(3, 4), (4, 5)]),
        ("ellipsis_matmul", "...ij,...jk->...ik", [(2, 3, 4, 5), (2, 3, 5, 6)]),
        ("trace", "ii->", [(5, 5)]),
        ("outer", "i,j->ij", [(4,), (6,)]),
        ("bilinear", "bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]),
        ("partial_sum", "bij,bjk->bk", [(2, 3, 4), (2, 4, 5)])]:
    names = ["x%d" % i for i in range(len(shapes))]
    case("einsum_" + name, 18, [helper.make_node("Einsum", names, ["y"], equation=equation)],
         [(n, rand(*shape)) for n, shape in zip(names, shapes)], [("y", F)])

# Quantization beyond the node tests: int8 with halves (round to even) and
# saturation, a per-channel QLinearConv with bias, an int8 QLinearMatMul.
I8, U8 = TensorProto.INT8, TensorProto.UINT8
case("quantizelinear_int8_ties", 18,
     [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["y"])],
     [("x", np.array([-300, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.49, 300], np.float32))],
     [("y", I8)], [numpy_helper.from_array(np.array(1.0, np.float32), "s"),
                   numpy_helper.from_array(np.array(1, np.int8), "z")])
case("qlinearconv_per_channel", 18,
     [helper.make_node("QLinearConv", ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "b"], ["y"],
                       pads=[1, 1, 1, 1])],
     [("x", RNG.integers(0, 256, (1, 3, 6, 6)).astype(np.uint8))], [("y", U8)],
     [numpy_helper.from_array(np.array(0.02, np.float32), "xs"),
      numpy_helper.from_array(np.array(120, np.uint8), "xz"),
      # |w| <= 64: ONNX Runtime's AVX2 kernel (vpmaddubsw) saturates the
      # int16 sum of two u8 x s8 products beyond that, and the oracle must be
      # exact on every x86 (Tessera's int8 arithmetic is).
      numpy_helper.from_array(RNG.integers(-64, 65, (4, 3, 3, 3)).astype(np.int8), "w"),
      numpy_helper.from_array(np.array([0.01, 0.02, 0.005, 0.03], np.float32), "ws"),
      numpy_helper.from_array(np.zeros(4, np.int8), "wz"),
      numpy_helper.from_array(np.array(0.5, np.float32), "ys"),
      numpy_helper.from_array(np.array(128, np.uint8), "yz"),
      numpy_helper.from_array(RNG.integers(-500, 500, 4).astype(np.int32), "b")])
case("qlinearmatmul_int8", 18,
     [helper.make_node("QLinearMatMul", ["a", "as", "az", "b", "bs", "bz", "ys", "yz"], ["y"])],
     [("a", RNG.integers(-128, 128, (4, 16)).astype(np.int8))], [("y", I8)],
     [numpy_helper.from_array(np.array(0.05, np.float32), "as"),
      numpy_helper.from_array(np.array(3, np.int8), "az"),
      numpy_helper.from_array(RNG.integers(-128, 128, (16, 5)).astype(np.int8), "b"),
      numpy_helper.from_array(np.array(0.02, np.float32), "bs"),
      numpy_helper.from_array(np.array(-2, np.int8), "bz"),
      numpy_helper.from_array(np.array(0.7, np.float32), "ys"),
      numpy_helper.from_array(np.array(-5, np.int8), "yz")])

# Recurrences beyond the node tests: bidirectional, reverse, clip, peepholes,
# linear_before_reset, Relu (ONNX Runtime has no batch-first RNN; the node
# tests cover layout 1).
T_, B_, I_, H_ = 5, 2, 3, 4
def rnn_case(name, op, gates, inputs_extra=(), **attrs):
    dirs = 2 if attrs.get("direction") == "bidirectional" else 1
    names = ["x", "w", "r", "b"]
    inits = [numpy_helper.from_array(rand(dirs, gates * H_, I_) * 0.5, "w"),
             numpy_helper.from_array(rand(dirs, gates * H_, H_) * 0.5, "r"),
             numpy_helper.from_array(rand(dirs, 2 * gates * H_) * 0.5, "b")]
    for extra_name, value in inputs_extra:
        names.append(extra_name)
        inits.append(numpy_helper.from_array(value, extra_name))
    outputs = [("y", F), ("yh", F)] + ([("yc", F)] if op == "LSTM" else [])
    x_shape = (B_, T_, I_) if attrs.get("layout") == 1 else (T_, B_, I_)
    case(name, 18, [helper.make_node(op, names, [o for o, _ in outputs], hidden_size=H_, **attrs)],
         [("x", rand(*x_shape))], outputs, inits)
rnn_case("lstm_bidirectional_clip_peepholes", "LSTM", 4,
         [("seq", np.full(B_, T_, np.int32)), ("h0", rand(2, B_, H_)), ("c0", rand(2, B_, H_)),
          ("p", rand(2, 3 * H_))], direction="bidirectional", clip=0.8)
rnn_case("gru_bidirectional_linear_before_reset", "GRU", 3, direction="bidirectional",
         linear_before_reset=1)
rnn_case("rnn_reverse_relu", "RNN", 1, direction="reverse",
         activations=["Relu"])

# MaxPool's Indices beyond the node tests: batch and channels, pads,
# dilations, column-major storage_order.
for order in [0, 1]:
    case("maxpool_indices_storage_order%d" % order, 18,
         [helper.make_node("MaxPool", ["x"], ["y", "i"], kernel_shape=[3, 2], strides=[2, 1],
                           pads=[1, 0, 1, 1], dilations=[1, 2], storage_order=order)],
         [("x", rand(2, 3, 7, 6))], [("y", F), ("i", TensorProto.INT64)])

# Scatter with min/max reductions (18).
data = rand(3, 4)
for reduction in ["max", "min"]:
    case("scatterelements_" + reduction, 18,
         [helper.make_node("ScatterElements", ["data", "indices", "updates"], ["y"], axis=1,
                           reduction=reduction)],
         [("data", data), ("updates", rand(3, 2))], [("y", F)],
         [numpy_helper.from_array(ints([[0, 3], [1, 1], [2, 0]]), "indices")])
    case("scatternd_" + reduction, 18,
         [helper.make_node("ScatterND", ["data", "indices", "updates"], ["y"],
                           reduction=reduction)],
         [("data", data), ("updates", rand(2, 4))], [("y", F)],
         [numpy_helper.from_array(ints([[2], [0]]), "indices")])

# Col2Im (18).
case("col2im", 18,
     [helper.make_node("Col2Im", ["x", "image_shape", "block_shape"], ["y"])],
     [("x", rand(1, 4, 9))], [("y", F)],
     [numpy_helper.from_array(ints([4, 4]), "image_shape"),
      numpy_helper.from_array(ints([2, 2]), "block_shape")])
# Two channels, strides, pads and dilations: image 5x6, block 2x3,
# grid ((5+2-2-1)/2+1) x ((6+0-5)/1+1) = 3 x 2.
case("col2im_strides_pads_dilations", 18,
     [helper.make_node("Col2Im", ["x", "image_shape", "block_shape"], ["y"],
                       strides=[2, 1], pads=[1, 0, 1, 0], dilations=[1, 2])],
     [("x", rand(2, 12, 6))], [("y", F)],
     [numpy_helper.from_array(ints([5, 6]), "image_shape"),
      numpy_helper.from_array(ints([2, 3]), "block_shape")])


def write(out, node_path, cases_to_write=None, group="opset"):
    cases = []
    for name, opset, nodes, inputs, outputs, initializers in (cases_to_write or CASES):
        directory = os.path.join(out, group, name)
        data = os.path.join(directory, "test_data_set_0")
        os.makedirs(data, exist_ok=True)
        graph = helper.make_graph(
            nodes, name,
            [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(v.dtype)
                                           if hasattr(helper, "np_dtype_to_tensor_dtype")
                                           else onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[v.dtype],
                                           v.shape) for n, v in inputs],
            [helper.make_tensor_value_info(n, t, None) for n, t in outputs],
            list(initializers))
        # opset: the default domain's version, or {domain: version}.
        opsets = opset if isinstance(opset, dict) else {"": opset}
        opset = opsets[""]
        model = helper.make_model(graph, opset_imports=[
            helper.make_opsetid(domain, version) for domain, version in opsets.items()])
        model.ir_version = 8 if opset <= 17 else 9 if opset <= 19 else 10
        onnx.save(model, os.path.join(directory, "model.onnx"))
        specs = []
        for i, (n, v) in enumerate(inputs):
            onnx.save_tensor(numpy_helper.from_array(v, n), os.path.join(data, "input_%d.pb" % i))
            np.save(os.path.join(data, "input_%d.npy" % i), v)
            specs.append("%s=%s" % (n, os.path.join(data, "input_%d.npy" % i)))
        ort = os.path.join(directory, "ort")
        env = dict(os.environ, NODE_PATH=node_path)
        run = subprocess.run(["node", ORACLE, os.path.join(directory, "model.onnx"), ort] + specs,
                             env=env, capture_output=True, text=True)
        if run.returncode != 0:
            sys.exit("ONNX Runtime failed on %s: %s" % (name, run.stderr.strip()))
        for i, (n, _) in enumerate(outputs):
            value = np.load(os.path.join(ort, "%d.npy" % i))
            onnx.save_tensor(numpy_helper.from_array(value, n),
                             os.path.join(data, "output_%d.pb" % i))
        cases.append(group + "/" + name)
    return cases


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    written = write(sys.argv[1], sys.argv[2])
    # The case list in onnx_node_cases.py's --list form.
    with open(os.path.join(sys.argv[1], "cases.txt"), "w") as f:
        f.writelines("opset %s\n" % c for c in written)
    print("wrote %d opset 18-21 cases with ONNX Runtime outputs" % len(written))
