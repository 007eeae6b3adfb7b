#!/usr/bin/python3
"""Writes test cases for the CPU kernel generator (convert-tk-to-cpu) with
expected outputs from ONNX Runtime.

  make_kernel_cases.py OUTDIR ORT_NODE_PATH

The shapes are chosen to reach every path of the register-tiled matmul and
convolution kernels: row tails (rows not a multiple of the row tile),
column tails (masked vectors), reduction blocks, a dynamic right-hand
matrix (packed at run time), strided convolutions (gathers), dilations,
asymmetric pads, batches, 1x1 convolutions over the whole image, and
convolution filters with fewer rows than one tile, and kernels large enough
to run on the runtime's thread pool. Weights are initializers,
so the compiler sees them as constants and packs them at compile time.
Layout and list as make_opset_cases.py (group "kernels").
"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

import make_opset_cases as base

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "examples", "models"))
import mobile  # noqa: E402 (examples/models/mobile.py)
import transformer  # noqa: E402 (examples/models/transformer.py)

RNG = np.random.default_rng(6)
F = TensorProto.FLOAT
CASES = []


def rand(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def matmul(name, m, k, n, constant=True, batch=()):
    inputs = [("a", rand(*batch, m, k))]
    inits = []
    if constant:
        inits.append(numpy_helper.from_array(rand(k, n), "b"))
    else:
        inputs.append(("b", rand(k, n)))
    CASES.append((name, 18, [helper.make_node("MatMul", ["a", "b"], ["y"])], inputs,
                  [("y", F)], inits))


def conv(name, n, c, h, w, f, kernel, bias=True, relu=False, **attrs):
    inits = [numpy_helper.from_array(rand(f, c, *kernel) * 0.3, "w")]
    names = ["x", "w"]
    if bias:
        inits.append(numpy_helper.from_array(rand(f), "bias"))
        names.append("bias")
    nodes = [helper.make_node("Conv", names, ["c" if relu else "y"], kernel_shape=kernel,
                              **attrs)]
    if relu:
        nodes.append(helper.make_node("Relu", ["c"], ["y"]))
    CASES.append((name, 18, nodes, [("x", rand(n, c, h, w))], [("y", F)], inits))


matmul("matmul_const_row_and_column_tails", 37, 19, 53)
matmul("matmul_const_single_row", 1, 300, 7)
matmul("matmul_const_two_reduction_blocks", 29, 700, 40)
matmul("matmul_const_exact_tiles", 24, 64, 64)
matmul("matmul_dynamic_tails", 37, 19, 53, constant=False)
matmul("matmul_dynamic_reduction_blocks", 5, 530, 70, constant=False)
# A batch of rows times one matrix: one 2-D matmul over merged rows.
matmul("matmul_batched_rows_const", 7, 19, 37, batch=[2, 3])
matmul("matmul_batched_rows_dynamic", 9, 30, 20, constant=False, batch=[4])
# Large enough to run on the thread pool (convert-tk-to-cpu parallel-work).
matmul("matmul_dynamic_parallel", 50, 300, 100, constant=False)
conv("conv3x3_pad1_tails", 1, 5, 9, 11, 7, [3, 3], pads=[1, 1, 1, 1])
conv("conv3x3_stride2_batch2", 2, 3, 20, 37, 13, [3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
conv("conv3x3_dilation2_relu", 1, 4, 17, 40, 20, [3, 3], relu=True, dilations=[2, 2],
     pads=[2, 2, 2, 2])
conv("conv1x1_whole_image", 1, 8, 10, 10, 5, [1, 1])
conv("conv1x1_stride2_no_bias", 1, 6, 9, 9, 9, [1, 1], bias=False, strides=[2, 2])
conv("conv2x5_asymmetric_pads", 1, 3, 7, 50, 3, [2, 5], pads=[0, 1, 2, 0])
conv("conv5x5_wide_rows", 1, 2, 6, 131, 30, [5, 5], pads=[2, 2, 2, 2])
conv("conv3x3_stride2_batch2_parallel", 2, 3, 60, 61, 16, [3, 3], strides=[2, 2],
     pads=[1, 1, 1, 1])
# Padded dense convolutions over images large enough for interior tiles (the
# input read in place) and border tiles (a zero-padded copy of the tile's
# footprint, every channel's rows), with batches, strides, dilations,
# asymmetric pads, 1-D, and a footprint too large for the stack (a padded
# copy of the whole input).
conv("conv3x3_pad1_interior_and_borders_batch2", 2, 8, 40, 100, 16, [3, 3], relu=True,
     pads=[1, 1, 1, 1])
conv("conv5x5_s2_pad2_interior_and_borders", 1, 4, 50, 90, 12, [5, 5], strides=[2, 2],
     pads=[2, 2, 2, 2])
conv("conv3x3_d2_asymmetric_pads_interior", 1, 3, 30, 110, 5, [3, 3], dilations=[2, 2],
     pads=[2, 0, 1, 3])
conv("conv3x3_256ch_large_footprint", 1, 256, 12, 40, 8, [3, 3], pads=[1, 1, 1, 1])


# Depthwise (one filter per channel): row and column tails, strides 1-4
# (contiguous loads, wide loads keeping every s-th lane) and 5 (gathers),
# dilations, batches, fused bias + activation.
def depthwise(name, n, c, h, w, kernel, relu=False, **attrs):
    inits = [numpy_helper.from_array(rand(c, 1, *kernel) * 0.3, "w"),
             numpy_helper.from_array(rand(c), "bias")]
    nodes = [helper.make_node("Conv", ["x", "w", "bias"], ["c" if relu else "y"],
                              kernel_shape=kernel, group=c, **attrs)]
    if relu:
        nodes.append(helper.make_node("Relu", ["c"], ["y"]))
    CASES.append((name, 18, nodes, [("x", rand(n, c, h, w))], [("y", F)], inits))


depthwise("depthwise3x3_tails_relu", 2, 5, 11, 37, [3, 3], relu=True, pads=[1, 1, 1, 1])
depthwise("depthwise5x5_stride2", 1, 6, 23, 41, [5, 5], strides=[2, 2], pads=[2, 2, 2, 2])
depthwise("depthwise3x3_stride3_dilation2", 1, 3, 30, 70, [3, 3], strides=[3, 3],
          dilations=[2, 2], pads=[2, 1, 2, 1])
depthwise("depthwise2x4_stride5", 1, 4, 21, 90, [2, 4], strides=[5, 5])
depthwise("depthwise3x3_parallel", 1, 64, 40, 40, [3, 3], relu=True, pads=[1, 1, 1, 1])

# Pooling through the window kernel: -inf and zero pads, strides 1-3 (the
# wide-load path), dilations, ceil mode, count_include_pad both ways (the
# divisor fused as an epilogue), batches, parallel sizes.
def pool(name, op, n, c, h, w, kernel, **attrs):
    CASES.append((name, 18, [helper.make_node(op, ["x"], ["y"], kernel_shape=kernel, **attrs)],
                  [("x", rand(n, c, h, w))], [("y", F)], ()))


pool("maxpool3x3_stride2_pads", "MaxPool", 2, 3, 17, 35, [3, 3], strides=[2, 2],
     pads=[1, 1, 1, 1])
pool("maxpool2x2_ceil", "MaxPool", 1, 4, 9, 11, [2, 2], strides=[2, 2], ceil_mode=1)
pool("maxpool3x3_dilation2", "MaxPool", 1, 2, 14, 40, [3, 3], dilations=[2, 2])
pool("avgpool3x3_exclude_pad", "AveragePool", 1, 5, 13, 21, [3, 3], pads=[1, 1, 1, 1])
pool("avgpool3x3_include_pad_stride3", "AveragePool", 1, 3, 20, 50, [3, 3], strides=[3, 3],
     pads=[1, 2, 1, 2], count_include_pad=1)
pool("avgpool2x2_parallel", "AveragePool", 1, 64, 80, 80, [2, 2], strides=[2, 2])
pool("avgpool9x9_big_window", "AveragePool", 1, 3, 12, 30, [9, 9], pads=[2, 2, 2, 2])
pool("maxpool3x3_ceil_pads_dilation", "MaxPool", 1, 3, 16, 23, [3, 3], strides=[2, 2],
     pads=[1, 0, 1, 0], dilations=[1, 2], ceil_mode=1)
# Ceil-mode average pools: the last window hangs past the input (and the end
# pad), its divisor counts only what it covers, with and without the pads.
pool("avgpool3x3_ceil_exclude_pad", "AveragePool", 2, 3, 10, 17, [3, 3], strides=[2, 2],
     pads=[1, 1, 0, 0], ceil_mode=1)
pool("avgpool2x2_ceil_include_pad", "AveragePool", 1, 4, 9, 13, [2, 2], strides=[2, 2],
     pads=[0, 1, 1, 0], ceil_mode=1, count_include_pad=1)


# Window kernels of other ranks: 1-D (one row per tile) and 3-D (the outer
# spatial dimension looped per tile) pools and depthwise convolutions, and a
# depthwise convolution with a channel multiplier (the general direct kernel).
def window_nd(name, op, shape, kernel, filters=None, **attrs):
    inits, names = [], ["x"]
    if op == "Conv":
        c = shape[1]
        inits.append(numpy_helper.from_array(rand(filters, 1, *kernel) * 0.3, "w"))
        names.append("w")
        attrs["group"] = c
    CASES.append((name, 18, [helper.make_node(op, names, ["y"], kernel_shape=kernel,
                                              **attrs)],
                  [("x", rand(*shape))], [("y", F)], inits))


window_nd("maxpool1d_k3_s2_pads", "MaxPool", [2, 5, 41], [3], strides=[2], pads=[1, 1])
window_nd("avgpool1d_k4_exclude_pad", "AveragePool", [1, 6, 30], [4], pads=[2, 1])
window_nd("avgpool3d_2x3x3_pads", "AveragePool", [1, 4, 6, 9, 11], [2, 3, 3],
          strides=[1, 2, 2], pads=[0, 1, 1, 1, 1, 1], count_include_pad=1)
window_nd("maxpool3d_2x2x2", "MaxPool", [2, 3, 4, 8, 10], [2, 2, 2], strides=[2, 2, 2])
window_nd("depthwise1d_k5_p2", "Conv", [2, 8, 37], [5], filters=8, pads=[2, 2])
window_nd("depthwise3d_3x3x3", "Conv", [1, 4, 5, 7, 9], [3, 3, 3], filters=4,
          pads=[1, 1, 1, 1, 1, 1])
window_nd("depthwise3x3_multiplier2", "Conv", [1, 4, 12, 20], [3, 3], filters=8,
          pads=[1, 1, 1, 1])

# Padded windows over images large enough to hold interior tiles (read in
# place) as well as border tiles of every kind (first and last row blocks
# and column panels, corners, row and column tails: run on a padded copy of
# their footprint), pads wider than a stride, asymmetric and one-sided pads,
# and a footprint too large for the stack (a padded copy of the whole input).
depthwise("depthwise3x3_pad1_interior_and_borders", 1, 6, 70, 100, [3, 3],
          relu=True, pads=[1, 1, 1, 1])
depthwise("depthwise5x5_s2_pad2_interior_and_borders", 1, 4, 90, 133, [5, 5],
          strides=[2, 2], pads=[2, 2, 2, 2])
depthwise("depthwise7x7_pad3_asymmetric", 1, 3, 61, 150, [7, 7], pads=[3, 0, 1, 5])
pool("maxpool3x3_s2_pad1_interior_and_borders", "MaxPool", 1, 3, 64, 150, [3, 3],
     strides=[2, 2], pads=[1, 1, 1, 1])
pool("avgpool5x5_exclude_pad_interior_and_borders", "AveragePool", 1, 2, 50, 120, [5, 5],
     pads=[2, 2, 2, 2])
window_nd("depthwise1d_k9_p4_long", "Conv", [1, 3, 300], [9], filters=3, pads=[4, 4])
window_nd("avgpool3d_6x13x13_s2_large_footprint", "AveragePool", [1, 2, 8, 40, 80],
          [6, 13, 13], strides=[1, 2, 2], pads=[2, 6, 6, 2, 6, 6])
window_nd("maxpool3d_3x3x3_pads_interior", "MaxPool", [1, 2, 6, 30, 70], [3, 3, 3],
          pads=[1, 1, 1, 1, 1, 1])

# Fusion around the tiles: prologues (fills, bias broadcasts) and epilogues
# (bias + activation, residual adds, per-channel scales).
def mlp_layer(name, m, k, n):
    inits = [numpy_helper.from_array(rand(k, n) * 0.2, "w"),
             numpy_helper.from_array(rand(n), "bias")]
    nodes = [helper.make_node("MatMul", ["x", "w"], ["m"]),
             helper.make_node("Add", ["m", "bias"], ["a"]),
             helper.make_node("Relu", ["a"], ["y"])]
    CASES.append((name, 18, nodes, [("x", rand(m, k))], [("y", F)], inits))


mlp_layer("matmul_bias_relu_one_block", 9, 40, 37)


def mlp_two_layers(name, m, k, n):
    """Two layers: their zero accumulators are one shared fill after CSE,
    each matmul's prologue a copy of it."""
    inits = [numpy_helper.from_array(rand(k, n) * 0.2, "w0"),
             numpy_helper.from_array(rand(n), "b0"),
             numpy_helper.from_array(rand(n, n) * 0.2, "w1"),
             numpy_helper.from_array(rand(n), "b1")]
    nodes = [helper.make_node("MatMul", ["x", "w0"], ["m0"]),
             helper.make_node("Add", ["m0", "b0"], ["a0"]),
             helper.make_node("Relu", ["a0"], ["r0"]),
             helper.make_node("MatMul", ["r0", "w1"], ["m1"]),
             helper.make_node("Add", ["m1", "b1"], ["a1"]),
             helper.make_node("Relu", ["a1"], ["y"])]
    CASES.append((name, 18, nodes, [("x", rand(m, k))], [("y", F)], inits))


mlp_two_layers("mlp_two_layers_shared_zero_fill", 20, 33, 40)
mlp_layer("matmul_bias_relu_three_blocks", 30, 600, 45)


def conv_residual(name, c, h, w, f, stride):
    inits = [numpy_helper.from_array(rand(f, c, 3, 3) * 0.3, "w"),
             numpy_helper.from_array(rand(f), "bias"),
             numpy_helper.from_array(rand(f, 1, 1), "scale")]
    out = (h + 2 - 3) // stride + 1, (w + 2 - 3) // stride + 1
    nodes = [helper.make_node("Conv", ["x", "w", "bias"], ["c"], kernel_shape=[3, 3],
                              pads=[1, 1, 1, 1], strides=[stride, stride]),
             helper.make_node("Mul", ["c", "scale"], ["s"]),
             helper.make_node("Add", ["s", "r"], ["a"]),
             helper.make_node("Clip", ["a", "lo", "hi"], ["y"])]
    inits += [numpy_helper.from_array(np.array(-1.0, np.float32), "lo"),
              numpy_helper.from_array(np.array(1.5, np.float32), "hi")]
    CASES.append((name, 18, nodes, [("x", rand(1, c, h, w)), ("r", rand(1, f, *out))],
                  [("y", F)], inits))


conv_residual("conv_scale_residual_clip", 6, 13, 45, 11, 1)
conv_residual("conv_scale_residual_clip_stride2_parallel", 16, 40, 70, 24, 2)


# The matmul family as transformers spell it (examples/models/transformer.py):
# projections with bias folded into the kernel's epilogue, heads split and
# merged by Reshape/Transpose folded into its maps, Q x K^T and P x V batched
# over heads, Erf- and Tanh-GELU feed-forward blocks.
for name, layers, seq, hidden, heads, ffn, gelu in [
        ("encoder_2layers_erf_gelu", 2, 16, 32, 4, 64, "erf"),
        ("encoder_1layer_tanh_gelu_tails", 1, 13, 24, 2, 40, "tanh"),
        ("encoder_1layer_parallel", 1, 64, 128, 4, 256, "erf")]:
    nodes, inputs, outputs, inits, opset = transformer.encoder(RNG, layers, seq, hidden,
                                                               heads, ffn, gelu=gelu)
    CASES.append((name, opset, nodes, inputs, outputs, inits))


# The window family in whole models (examples/models/mobile.py): a mobile
# backbone (dense, pointwise and depthwise convolutions with HardSwish,
# Clip and squeeze-excitation around them, residual adds, ceil-mode pools,
# a Gemm head) at two sizes, and a 1-D audio front end.
for name, make in [("mobile_backbone_99", lambda: mobile.backbone(RNG, 99, 8)),
                   ("mobile_backbone_64_c12", lambda: mobile.backbone(RNG, 64, 12)),
                   ("audio_frontend_8000", lambda: mobile.audio(RNG, 8000))]:
    nodes, inputs, outputs, inits, opset = make()
    CASES.append((name, opset, nodes, inputs, outputs, inits))


def gemm(name, m, k, n, trans_a, trans_b, alpha, beta):
    a = rand(k, m) if trans_a else rand(m, k)
    b = rand(n, k) if trans_b else rand(k, n)
    nodes = [helper.make_node("Gemm", ["a", "b", "c"], ["g"], transA=trans_a,
                              transB=trans_b, alpha=alpha, beta=beta),
             helper.make_node("Relu", ["g"], ["y"])]
    CASES.append((name, 18, nodes, [("a", a), ("b", b), ("c", rand(n))], [("y", F)], ()))


# Gemm on activations (both operands inputs): transposes fold into the maps.
gemm("gemm_transb_dynamic", 20, 33, 45, 0, 1, 1.0, 1.0)
gemm("gemm_transa_transb_dynamic_scaled", 17, 40, 19, 1, 1, 0.5, 2.0)


def batched_activation_matmul(name, batch, m, k, n, transpose_rhs):
    b = rand(*batch, n, k) if transpose_rhs else rand(*batch, k, n)
    nodes = []
    rhs = "b"
    if transpose_rhs:
        perm = list(range(len(batch))) + [len(batch) + 1, len(batch)]
        nodes.append(helper.make_node("Transpose", ["b"], ["bt"], perm=perm))
        rhs = "bt"
    nodes.append(helper.make_node("MatMul", ["a", rhs], ["y"]))
    CASES.append((name, 18, nodes, [("a", rand(*batch, m, k)), ("b", b)], [("y", F)], ()))


batched_activation_matmul("matmul_batched_activations", [1, 4], 37, 16, 29, False)
batched_activation_matmul("matmul_batched_activations_transposed_rhs", [2, 3], 9, 20, 11,
                          True)
# Einsum as attention writes it.
CASES.append(("einsum_bhqd_bhkd", 18,
              [helper.make_node("Einsum", ["q", "k"], ["y"], equation="bhqd,bhkd->bhqk")],
              [("q", rand(1, 2, 10, 8)), ("k", rand(1, 2, 12, 8))], [("y", F)], ()))


def matmul_family(index, rng):
    """One random member of the MatMul family as exporters spell it: batch
    dims (broadcast or not), operands stored transposed behind a Transpose,
    a constant or run-time right operand, a bias and an activation after,
    the result split into heads and transposed, or transposed whole."""
    batch = [[], [int(rng.integers(2, 4))], [1, int(rng.integers(2, 4))],
             [int(rng.integers(2, 3)), int(rng.integers(2, 4))]][int(rng.integers(0, 4))]
    m, k = int(rng.integers(1, 30)), int(rng.integers(1, 40))
    n = int(rng.choice([1, 7, 12, 16, 24, 33, 48]))
    nodes, inputs, inits = [], [], []
    nb = len(batch)

    def swap_last(rank):
        return list(range(rank - 2)) + [rank - 1, rank - 2]

    a_t = rng.random() < 0.3
    a_shape = batch + ([k, m] if a_t else [m, k])
    inputs.append(("a", rand(*a_shape)))
    a = "a"
    if a_t:
        nodes.append(helper.make_node("Transpose", ["a"], ["at"], perm=swap_last(nb + 2)))
        a = "at"
    b_batch = [] if rng.random() < 0.4 else [1 if rng.random() < 0.3 else d for d in batch]
    b_t = rng.random() < 0.4
    b_shape = b_batch + ([n, k] if b_t else [k, n])
    b_value = rand(*b_shape)
    if rng.random() < 0.5:
        inits.append(numpy_helper.from_array(b_value, "b"))
    else:
        inputs.append(("b", b_value))
    b = "b"
    if b_t:
        nodes.append(helper.make_node("Transpose", ["b"], ["bt"],
                                      perm=swap_last(len(b_shape))))
        b = "bt"
    nodes.append(helper.make_node("MatMul", [a, b], ["mm"]))
    y = "mm"
    if rng.random() < 0.5:
        inits.append(numpy_helper.from_array(rand(n), "bias"))
        nodes.append(helper.make_node("Add", [y, "bias"], ["biased"]))
        y = "biased"
    activation = rng.choice(["", "Relu", "Sigmoid", "Tanh", "scale"])
    if activation == "scale":
        inits.append(numpy_helper.from_array(np.array(0.37, np.float32), "scale"))
        nodes.append(helper.make_node("Mul", [y, "scale"], ["act"]))
        y = "act"
    elif activation:
        nodes.append(helper.make_node(activation, [y], ["act"]))
        y = "act"
    out_batch = batch
    shape = out_batch + [m, n]
    if n % 4 == 0 and n > 4 and rng.random() < 0.4:
        heads = 4 if n % 8 else 2
        inits.append(numpy_helper.from_array(
            np.array(out_batch + [m, heads, n // heads], np.int64), "heads"))
        nodes.append(helper.make_node("Reshape", [y, "heads"], ["split"]))
        rank = len(out_batch) + 3
        perm = list(range(len(out_batch))) + [rank - 2, rank - 3, rank - 1]
        nodes.append(helper.make_node("Transpose", ["split"], ["y"], perm=perm))
    elif rng.random() < 0.2:
        nodes.append(helper.make_node("Transpose", [y], ["y"],
                                      perm=swap_last(len(shape))))
    else:
        nodes.append(helper.make_node("Identity", [y], ["y"]))
    CASES.append(("matmul_family_%02d" % index, 18, nodes, inputs, [("y", F)], inits))


def conv_family(name, n, c, spatial_in, f, kernel, transposed=False, bias=True, relu=False,
                residual=False, **attrs):
    """tk.conv: transposed convolutions (no zero-stuffed input) and the direct
    ones the 2-D named-op path does not take (1-D, 3-D, grouped)."""
    groups = attrs.get("group", 1)
    shape = [c, f // groups] if transposed else [f, c // groups]
    inits = [numpy_helper.from_array(rand(*shape, *kernel) * 0.3, "w")]
    names = ["x", "w"]
    if bias:
        inits.append(numpy_helper.from_array(rand(f), "bias"))
        names.append("bias")
    op = "ConvTranspose" if transposed else "Conv"
    nodes = [helper.make_node(op, names, ["c"], kernel_shape=kernel, **attrs)]
    last = "c"
    if relu:
        nodes.append(helper.make_node("Relu", [last], ["r"]))
        last = "r"
    inputs = [("x", rand(n, c, *spatial_in))]
    if residual:
        # The output shape, from ONNX's shape inference of the node alone.
        import onnx
        graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info(
            "x", F, [n, c, *spatial_in])], [helper.make_tensor_value_info(last, F, None)],
            inits)
        inferred = onnx.shape_inference.infer_shapes(helper.make_model(
            graph, opset_imports=[helper.make_opsetid("", 18)]))
        dims = [d.dim_value for d in inferred.graph.output[0].type.tensor_type.shape.dim]
        inputs.append(("res", rand(*dims)))
        nodes.append(helper.make_node("Add", [last, "res"], ["a"]))
        last = "a"
    nodes.append(helper.make_node("Identity", [last], ["y"]))
    CASES.append((name, 18, nodes, inputs, [("y", F)], inits))


conv_family("convtranspose2x2_s2_head_relu", 1, 24, [20, 21], 16, [2, 2], transposed=True,
            relu=True, strides=[2, 2])
conv_family("convtranspose3x3_s2_p1_op1", 2, 8, [9, 13], 5, [3, 3], transposed=True,
            strides=[2, 2], pads=[1, 1, 1, 1], output_padding=[1, 1])
conv_family("convtranspose4x4_s2_p1_groups2", 1, 6, [11, 7], 10, [4, 4], transposed=True,
            strides=[2, 2], pads=[1, 1, 1, 1], group=2)
conv_family("convtranspose3x3_dilation2_s3_residual", 1, 3, [6, 10], 4, [3, 3],
            transposed=True, residual=True, strides=[3, 3], dilations=[2, 2])
conv_family("convtranspose1d_k8_s4", 2, 5, [33], 7, [8], transposed=True, strides=[4],
            pads=[2, 2], bias=False)
conv_family("convtranspose3d_s2", 1, 3, [4, 5, 6], 4, [3, 3, 3], transposed=True,
            strides=[2, 2, 2], pads=[1, 1, 1, 1, 1, 1])
conv_family("convtranspose2x2_s2_parallel", 1, 32, [40, 40], 32, [2, 2], transposed=True,
            strides=[2, 2])
conv_family("conv1d_k64_s16_audio_relu", 1, 1, [1600], 12, [64], relu=True, strides=[16])
conv_family("conv1d_k5_p2_residual", 2, 9, [50], 9, [5], residual=True, pads=[2, 2])
conv_family("conv1d_k5_p2_interior_and_borders", 2, 8, [500], 6, [5], pads=[2, 2])
# One output channel (a segmentation head's last layer): fewer items than
# the thread pool wants, so the range also splits the output rows into
# blocks (the last one ragged), 2-D and 3-D, transposed and direct.
conv_family("convtranspose2x2_s2_one_channel_row_blocks", 1, 16, [45, 37], 1, [2, 2],
            transposed=True, relu=True, strides=[2, 2])
conv_family("convtranspose3x3_s2_p1_one_channel_odd", 1, 5, [23, 19], 1, [3, 3],
            transposed=True, strides=[2, 2], pads=[1, 1, 1, 1])
conv_family("conv3d_one_channel_row_blocks", 1, 3, [9, 13, 11], 1, [3, 3, 3],
            pads=[1, 1, 1, 1, 1, 1])
conv_family("conv3d_3x3x3_p1", 1, 4, [5, 6, 7], 6, [3, 3, 3], pads=[1, 1, 1, 1, 1, 1])
conv_family("conv2d_groups4_s2_relu", 1, 16, [15, 17], 8, [3, 3], relu=True, group=4,
            strides=[2, 2], pads=[1, 1, 1, 1])
conv_family("conv1d_dilation3_groups3", 1, 6, [40], 9, [3], group=3, dilations=[3])
# Dense 1-D convolutions run on the packed kernel as one row; strided ones
# whose kernel is close to a multiple of the stride become stride-1 ones
# over a space-to-depth view (SpaceToDepthConv.cpp): exact multiples, a
# kernel padded with zero taps (512 = 3.2 x 160), an input cropped or
# zero-extended to what the stride-1 form reads, pads, a rewrite of the
# width only (the height stride stays).
conv_family("conv1d_k3_d2_p2_parallel", 1, 64, [300], 64, [3], relu=True, dilations=[2],
            pads=[2, 2])
conv_family("conv1d_k512_s160_stft_crop", 1, 1, [4100], 30, [512], bias=False,
            strides=[160])
conv_family("conv1d_k20_s8_p6_relu", 2, 3, [101], 10, [20], relu=True, strides=[8],
            pads=[6, 6])
conv_family("conv2d_patch8_s8", 1, 3, [32, 40], 16, [8, 8], strides=[8, 8])
conv_family("conv2d_k4_s2_p1_residual", 1, 5, [17, 19], 6, [4, 4], residual=True,
            strides=[2, 2], pads=[1, 1, 1, 1])
conv_family("conv2d_k3x4_s1x4_p1", 1, 4, [9, 26], 7, [3, 4], strides=[1, 4],
            pads=[1, 0, 1, 0])


# tk.fusion: elementwise chains with reshapes, transposes and broadcasts
# between them (one kernel after tk-form-fusions), as exporters spell
# attention score scaling and head merges.
def elementwise_reindex(name, spelling):
    i64 = lambda values: numpy_helper.from_array(np.array(values, np.int64))
    inits = []
    if spelling == "reshape_transpose":
        # sigmoid(x) -> [2, 4, 16] -> transpose -> + bias[4] -> * y
        inits = [i64([2, 4, 16]), numpy_helper.from_array(rand(4), "bias")]
        inits[0].name = "shape"
        nodes = [helper.make_node("Sigmoid", ["x"], ["s"]),
                 helper.make_node("Reshape", ["s", "shape"], ["r"]),
                 helper.make_node("Transpose", ["r"], ["t"], perm=[0, 2, 1]),
                 helper.make_node("Add", ["t", "bias"], ["a"]),
                 helper.make_node("Mul", ["a", "y"], ["out"]),
                 helper.make_node("Identity", ["out"], ["z"])]
        inputs = [("x", rand(2, 64)), ("y", rand(2, 16, 4))]
    else:
        # (x * 0.125 + mask[1, 1, 8]) over [2, 3, 8], heads merged back to
        # [2, 24] by a Transpose and a Reshape, then Tanh.
        inits = [i64([2, 24]), numpy_helper.from_array(np.float32(0.125).reshape(()), "scale")]
        inits[0].name = "shape"
        nodes = [helper.make_node("Mul", ["x", "scale"], ["m"]),
                 helper.make_node("Add", ["m", "mask"], ["a"]),
                 helper.make_node("Transpose", ["a"], ["t"], perm=[0, 2, 1]),
                 helper.make_node("Reshape", ["t", "shape"], ["r"]),
                 helper.make_node("Tanh", ["r"], ["z"])]
        inputs = [("x", rand(2, 3, 8)), ("mask", rand(1, 1, 8))]
    CASES.append((name, 18, nodes, inputs, [("z", F)], inits))


# A batched MatMul over Expanded operands (an exporter broadcasting a
# weight and a shared query over the batch explicitly): the Expands fold into
# the kernel's maps.
def matmul_expand(name):
    shape_a = numpy_helper.from_array(np.array([4, 8, 32], np.int64), "shape_a")
    shape_w = numpy_helper.from_array(np.array([4, 32, 16], np.int64), "shape_w")
    w = numpy_helper.from_array(rand(32, 16) * 0.2, "w")
    nodes = [helper.make_node("Expand", ["a", "shape_a"], ["ae"]),
             helper.make_node("Expand", ["w", "shape_w"], ["we"]),
             helper.make_node("MatMul", ["ae", "we"], ["y"])]
    CASES.append((name, 18, nodes, [("a", rand(1, 8, 32))], [("y", F)],
                  [shape_a, shape_w, w]))


matmul_expand("matmul_expanded_operands")
elementwise_reindex("fusion_reshape_transpose_bias", "reshape_transpose")
elementwise_reindex("fusion_scale_mask_merge_heads", "merge_heads")


def rms_norm(name, shape, spelling, weight=True):
    """RMS normalisation as decoder exports spell it: x * 1/sqrt(mean(x^2) +
    eps) * w, with Reciprocal, Div(1, .) or Div(x, .), Pow(x, 2) or x * x."""
    inits = [numpy_helper.from_array(np.array([-1], np.int64), "axes"),
             numpy_helper.from_array(np.array(1e-6, np.float32), "eps")]
    nodes = []
    if spelling == "mul_div":
        nodes.append(helper.make_node("Mul", ["x", "x"], ["sq"]))
    else:
        inits.append(numpy_helper.from_array(np.array(2.0, np.float32), "two"))
        nodes.append(helper.make_node("Pow", ["x", "two"], ["sq"]))
    nodes += [helper.make_node("ReduceMean", ["sq", "axes"], ["ms"], keepdims=1),
              helper.make_node("Add", ["ms", "eps"], ["mse"]),
              helper.make_node("Sqrt", ["mse"], ["rms"])]
    if spelling == "reciprocal":
        nodes += [helper.make_node("Reciprocal", ["rms"], ["inv"]),
                  helper.make_node("Mul", ["x", "inv"], ["n"])]
    elif spelling == "one_div":
        inits.append(numpy_helper.from_array(np.array(1.0, np.float32), "one"))
        nodes += [helper.make_node("Div", ["one", "rms"], ["inv"]),
                  helper.make_node("Mul", ["inv", "x"], ["n"])]
    else:
        nodes.append(helper.make_node("Div", ["x", "rms"], ["n"]))
    if weight:
        inits.append(numpy_helper.from_array(rand(shape[-1]), "w"))
        nodes.append(helper.make_node("Mul", ["n", "w"], ["y"]))
    else:
        nodes.append(helper.make_node("Identity", ["n"], ["y"]))
    CASES.append((name, 18, nodes, [("x", rand(*shape))], [("y", F)], inits))


rms_norm("rmsnorm_reciprocal_weight", [1, 7, 64], "reciprocal")
rms_norm("rmsnorm_one_div_weight_tail", [2, 5, 37], "one_div")
rms_norm("rmsnorm_x_times_x_div", [3, 300], "mul_div", weight=False)
rms_norm("rmsnorm_parallel", [1, 128, 1024], "reciprocal")
# Softmax over an inner axis (rows read with gathers), layer norm with tails.
CASES.append(("softmax_inner_axis", 18, [helper.make_node("Softmax", ["x"], ["y"], axis=1)],
              [("x", rand(2, 19, 5))], [("y", F)], ()))
CASES.append(("layernorm_tail_no_bias", 18,
              [helper.make_node("LayerNormalization", ["x", "g"], ["y"], axis=-1)],
              [("x", rand(4, 3, 29))], [("y", F)], [numpy_helper.from_array(rand(29), "g")]))


def encoder_tf2onnx_style(name):
    """An encoder spelled as tf2onnx and Paddle2ONNX export it: tokens
    flattened to 2-D, weights stored [out, in] behind a Transpose, attention
    through Einsum, the scale a Mul, layer norm decomposed (ReduceMean, Sub,
    Pow, Sqrt, Div), Gelu (opset 20, tanh)."""
    B, S, H, NH, FF = 2, 20, 48, 3, 96
    D = H // NH
    nodes, inits = [], []

    def c(init, value):
        inits.append(numpy_helper.from_array(np.asarray(value), init))
        return init

    def w(init, *shape):
        return c(init, (RNG.standard_normal(shape) / np.sqrt(shape[0])).astype(np.float32))

    def n(op, ins, out, **attrs):
        nodes.append(helper.make_node(op, ins, [out], **attrs))
        return out

    # Tokens flattened to [B*S, H]; weights stored [out, in], transposed.
    x2 = n("Reshape", ["x", c("flat", np.array([B * S, H], np.int64))], "x2")

    def proj(p, src, k, m):
        wt = n("Transpose", [w(p + "w", m, k)], p + "wt", perm=[1, 0])
        return n("Add", [n("MatMul", [src, wt], p + "mm"), w(p + "b", m)], p + "o")

    def heads(value, p):
        r = n("Reshape", [value, c(p + "s", np.array([B, S, NH, D], np.int64))], p + "r")
        return n("Transpose", [r], p + "t", perm=[0, 2, 1, 3])

    q, k, v = (heads(proj(p, x2, H, H), p) for p in ("q", "k", "v"))
    s = n("Einsum", [q, k], "s", equation="bhqd,bhkd->bhqk")
    s = n("Mul", [s, c("sc", np.array(1 / np.sqrt(D), np.float32))], "ss")
    s = n("Add", [s, "mask"], "sm")
    probs = n("Softmax", [s], "p", axis=-1)
    ctx = n("Einsum", [probs, v], "ctx", equation="bhqk,bhkd->bhqd")
    ctx = n("Transpose", [ctx], "ct", perm=[0, 2, 1, 3])
    ctx = n("Reshape", [ctx, c("m2", np.array([B * S, H], np.int64))], "c2")
    o = n("Add", [proj("o", ctx, H, H), x2], "res")
    # Layer norm decomposed, as exporters spell it before opset 17.
    mu = n("ReduceMean", [o, c("ax", np.array([-1], np.int64))], "mu", keepdims=1)
    dlt = n("Sub", [o, mu], "d")
    sq = n("Pow", [dlt, c("two", np.array(2.0, np.float32))], "d2")
    var = n("ReduceMean", [sq, "ax"], "var", keepdims=1)
    sd = n("Sqrt", [n("Add", [var, c("eps", np.array(1e-5, np.float32))], "ve")], "sd")
    ln = n("Add", [n("Mul", [n("Div", [dlt, sd], "nrm"), w("g", H)], "ng"), w("be", H)], "ln")
    h = n("Gelu", [proj("f1", ln, H, FF)], "gelu", approximate="tanh")
    y = n("Add", [proj("f2", h, FF, H), ln], "r2")
    n("Reshape", [y, c("out", np.array([B, S, H], np.int64))], "y")
    mask = np.zeros((B, 1, 1, S), np.float32)
    mask[1, ..., 15:] = -1e4
    CASES.append((name, 20, nodes, [("x", RNG.standard_normal((B, S, H)).astype(np.float32)),
                                    ("mask", mask)], [("y", F)], inits))


encoder_tf2onnx_style("encoder_tf2onnx_style")


FAMILY_RNG = np.random.default_rng(10)
for i in range(24):
    matmul_family(i, FAMILY_RNG)


def attention_family(index, rng, keys=None):
    """One random member of the attention family as exporters spell it: q,
    k, v as [B, H, S, D] inputs (or one shared key/value head, grouped-query
    style), K^T by a Transpose, by MatMul on a pre-transposed key or by
    Einsum; the 1/sqrt(d) scale a Mul or a Div, after the scores or on Q; an
    additive padding mask, a causal mask or none; the context kept as
    [B, H, S, E] or merged to [B, S, H*E]. Key counts reach past one block
    of the fused kernel's score strip (online softmax)."""
    b, h = int(rng.integers(1, 3)), int(rng.integers(1, 5))
    sq = int(rng.choice([1, 5, 12, 13, 30, 64]))
    sk = keys or int(rng.choice([1, 7, 16, 33, 100, 200]))
    d, e = int(rng.choice([8, 16, 20, 64])), int(rng.choice([8, 16, 24, 40, 64]))
    shared = rng.random() < 0.25
    kh = 1 if shared else h
    nodes, inits = [], []

    def n(op, ins, out, **attrs):
        nodes.append(helper.make_node(op, ins, [out], **attrs))
        return out

    inputs = [("q", rand(b, h, sq, d)), ("v", rand(b, kh, sk, e))]
    spelling = rng.choice(["transpose", "pretransposed", "einsum"])
    if shared and spelling == "einsum":
        spelling = "transpose"
    scale = np.array(1 / np.sqrt(d), np.float32)
    on_q = rng.random() < 0.3
    q = "q"
    if on_q:
        inits.append(numpy_helper.from_array(scale, "scale"))
        q = n("Mul", ["q", "scale"], "qs")
    if spelling == "pretransposed":
        inputs.append(("k", rand(b, kh, d, sk)))
        s = n("MatMul", [q, "k"], "s")
    else:
        inputs.append(("k", rand(b, kh, sk, d)))
        if spelling == "einsum":
            s = n("Einsum", [q, "k"], "s", equation="bhqd,bhkd->bhqk")
        else:
            s = n("MatMul", [q, n("Transpose", ["k"], "kt", perm=[0, 1, 3, 2])], "s")
    if not on_q:
        if rng.random() < 0.5:
            inits.append(numpy_helper.from_array(scale, "scale"))
            s = n("Mul", [s, "scale"], "ss")
        else:
            inits.append(numpy_helper.from_array(np.array(np.sqrt(d), np.float32), "root"))
            s = n("Div", [s, "root"], "ss")
    mask = rng.choice(["none", "padding", "causal"])
    if mask == "padding":
        m = np.zeros((b, 1, 1, sk), np.float32)
        m[..., sk - sk // 3:] = -1e4
        inputs.append(("mask", m))
        s = n("Add", [s, "mask"], "sm")
    elif mask == "causal":
        c = np.triu(np.full((sq, sk), -1e9, np.float32), k=1 + sk - sq)
        inits.append(numpy_helper.from_array(c.reshape(1, 1, sq, sk), "causal"))
        s = n("Add", [s, "causal"], "sm")
    p = n("Softmax", [s], "p", axis=-1)
    if spelling == "einsum":
        ctx = n("Einsum", [p, "v"], "ctx", equation="bhqk,bhkd->bhqd")
    else:
        ctx = n("MatMul", [p, "v"], "ctx")
    if rng.random() < 0.5:
        inits.append(numpy_helper.from_array(np.array([b, sq, h * e], np.int64), "merged"))
        n("Reshape", [n("Transpose", [ctx], "ct", perm=[0, 2, 1, 3]), "merged"], "y")
    else:
        n("Identity", [ctx], "y")
    CASES.append(("attention_family_%02d" % index, 18, nodes, inputs, [("y", F)], inits))


ATTENTION_RNG = np.random.default_rng(11)
for i in range(16):
    attention_family(i, ATTENTION_RNG)
# Past one block of keys at every tile shape: the online softmax.
for i, keys in enumerate([1500, 3000]):
    attention_family(16 + i, ATTENTION_RNG, keys=keys)


# Convolution stacks spelled the way tf2onnx spells a Keras model: an NHWC
# input transposed to NCHW, SAME_UPPER / SAME_LOWER auto-padding (pads of
# one more element on one side for even kernels and strides 2), Relu6 as
# Clip, depthwise and dense convolutions and pools at odd image sizes, so
# that every kind of border tile (one-sided pads, row and column tails) and
# interior tiles appear, then back to NHWC.
def same_padding_family(index, rng):
    h, w = int(rng.integers(40, 130)), int(rng.integers(40, 170))
    c = int(rng.choice([3, 8]))
    image = rand(1, h, w, c)
    nodes, inits = [], []
    inits += [numpy_helper.from_array(np.array(0, np.float32), "zero"),
              numpy_helper.from_array(np.array(6, np.float32), "six")]
    nodes.append(helper.make_node("Transpose", ["x"], ["t0"], perm=[0, 3, 1, 2]))
    value = "t0"
    for layer in range(int(rng.integers(3, 6))):
        kind = rng.choice(["dense", "depthwise", "maxpool", "avgpool"])
        k = int(rng.choice([1, 2, 3, 5])) if kind != "dense" else int(rng.choice([1, 3, 4]))
        stride = int(rng.choice([1, 2])) if k > 1 else 1  # ORT: k >= s for SAME
        pad = str(rng.choice(["SAME_UPPER", "SAME_LOWER"]))
        out = "l%d" % layer
        if kind in ("dense", "depthwise"):
            f = int(rng.choice([8, 12, 16])) if kind == "dense" else c
            group = c if kind == "depthwise" else 1
            wname, bname = "w%d" % layer, "b%d" % layer
            inits += [numpy_helper.from_array(rand(f, c // group, k, k) * 0.3, wname),
                      numpy_helper.from_array(rand(f), bname)]
            nodes.append(helper.make_node("Conv", [value, wname, bname], [out + "c"],
                                          kernel_shape=[k, k], strides=[stride, stride],
                                          auto_pad=pad, group=group))
            nodes.append(helper.make_node("Clip", [out + "c", "zero", "six"], [out]))
            c = f
        else:
            op = "MaxPool" if kind == "maxpool" else "AveragePool"
            attrs = {} if kind == "maxpool" else {"count_include_pad": int(rng.integers(0, 2))}
            nodes.append(helper.make_node(op, [value], [out], kernel_shape=[k, k],
                                          strides=[stride, stride], auto_pad=pad, **attrs))
        value = out
    nodes.append(helper.make_node("Transpose", [value], ["y"], perm=[0, 2, 3, 1]))
    CASES.append(("same_padding_family_%02d" % index, 18, nodes, [("x", image)],
                  [("y", F)], inits))


# Resize where some dimensions land on integral source coordinates (their
# taps collapse to one, or to a straight read): align_corners at scale 1 on
# the batch and channels, asymmetric downsampling by 2, given as scales and
# as sizes, linear and cubic.
def resize(name, shape, mode, ctm, scales=None, sizes=None):
    inits = []
    names = ["x", ""]
    if scales is not None:
        inits.append(numpy_helper.from_array(np.array(scales, np.float32), "scales"))
        names.append("scales")
    else:
        names += ["", "sizes"]
        inits.append(numpy_helper.from_array(np.array(sizes, np.int64), "sizes"))
    CASES.append((name, 18, [helper.make_node("Resize", names, ["y"], mode=mode,
                                              coordinate_transformation_mode=ctm)],
                  [("x", rand(*shape))], [("y", F)], inits))


resize("resize_linear_align_corners_sizes", [2, 8, 30, 40], "linear", "align_corners",
       sizes=[2, 8, 59, 79])
resize("resize_cubic_align_corners_scales", [1, 5, 17, 23], "cubic", "align_corners",
       scales=[1, 1, 2, 2])
resize("resize_linear_asymmetric_half", [1, 6, 40, 64], "linear", "asymmetric",
       scales=[1, 1, 0.5, 0.5])
resize("resize_linear_half_pixel_x2", [1, 16, 20, 33], "linear", "half_pixel",
       scales=[1, 1, 2, 2])

# Softmax and LogSoftmax over an axis that is not the innermost (a
# segmentation head's class axis): one row per lane over the inner
# positions, ragged inner extents masked; inner extents below a vector
# keep the gathered rows.
def softmax_inner(name, op, shape, axis):
    CASES.append((name, 18, [helper.make_node(op, ["x"], ["y"], axis=axis)],
                  [("x", rand(*shape) * 4)], [("y", F)], ()))


softmax_inner("softmax_channels_2x21x30x40", "Softmax", [2, 21, 30, 40], 1)
softmax_inner("logsoftmax_channels_ragged_1x7x5x37", "LogSoftmax", [1, 7, 5, 37], 1)
softmax_inner("softmax_axis0_19x50", "Softmax", [19, 50], 0)
softmax_inner("softmax_inner_3_below_a_vector", "Softmax", [4, 9, 3], 1)

SAME_RNG = np.random.default_rng(13)
for i in range(8):
    same_padding_family(i, SAME_RNG)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    written = base.write(sys.argv[1], sys.argv[2], CASES, group="kernels")
    with open(os.path.join(sys.argv[1], "cases.txt"), "w") as f:
        f.writelines("kernels %s\n" % c for c in written)
    print("wrote %d kernel cases with ONNX Runtime outputs" % len(written))
