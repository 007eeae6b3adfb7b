#!/usr/bin/python3
"""Writes test cases for ONNX Runtime's contrib operators (domain
com.microsoft, and the contrib schemas it registers in the default domain)
with expected outputs from ONNX Runtime, which runs them natively.

  make_contrib_cases.py OUTDIR ORT_NODE_PATH

The cases are written as exporters and ONNX Runtime's transformer optimizer
and quantizer write these ops: GELU variants with and without bias, skip
layer norms with their optional inputs and the residual-sum output, FusedConv
with each activation and a residual input, FusedMatMul with every transpose
flag, packed Attention and unpacked MultiHeadAttention with each mask form,
RotaryEmbedding in both layouts, halves and pairs, partial rotation, and
the QLinear elementwise/concat/pool ops with uint8 and int8. Layout and list
as make_opset_cases.py (group "contrib").
"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

import make_opset_cases as base

RNG = np.random.default_rng(14)
F = TensorProto.FLOAT
U8 = TensorProto.UINT8
I8 = TensorProto.INT8
MS = {"": 17, "com.microsoft": 1}
CASES = []


def rand(*shape, scale=1.0):
    return (RNG.standard_normal(shape) * scale).astype(np.float32)


def init(name, value):
    return numpy_helper.from_array(np.asarray(value), name)


def ms(op, inputs, outputs, **attrs):
    return helper.make_node(op, inputs, outputs, domain="com.microsoft", **attrs)


def case(name, nodes, inputs, outputs, inits=(), opsets=MS):
    CASES.append((name, opsets, nodes, inputs, outputs, list(inits)))


# GELU family.
case("gelu", [ms("Gelu", ["x"], ["y"])], [("x", rand(3, 7, 33, scale=2))], [("y", F)])
case("fastgelu_bias", [ms("FastGelu", ["x", "b"], ["y"])], [("x", rand(2, 5, 40, scale=2))],
     [("y", F)], [init("b", rand(40))])
case("fastgelu", [ms("FastGelu", ["x"], ["y"])], [("x", rand(4, 19, scale=3))], [("y", F)])
case("biasgelu", [ms("BiasGelu", ["a", "b"], ["y"])], [("a", rand(2, 6, 48, scale=2))],
     [("y", F)], [init("b", rand(48))])
case("quickgelu", [ms("QuickGelu", ["x"], ["y"])], [("x", rand(3, 50, scale=3))], [("y", F)])
case("quickgelu_alpha", [ms("QuickGelu", ["x"], ["y"], alpha=1.3)],
     [("x", rand(3, 50, scale=3))], [("y", F)])

# Skip and simplified layer norms.
H = 64
case("skiplayernorm_all_inputs",
     [ms("SkipLayerNormalization", ["x", "skip", "g", "b", "bias"], ["y", "", "", "sum"],
         epsilon=1e-5)],
     [("x", rand(2, 7, H)), ("skip", rand(2, 7, H))], [("y", F), ("sum", F)],
     [init("g", rand(H)), init("b", rand(H)), init("bias", rand(H))])
case("skiplayernorm_default_epsilon",
     [ms("SkipLayerNormalization", ["x", "skip", "g"], ["y"])],
     [("x", rand(3, 5, 48)), ("skip", rand(3, 5, 48))], [("y", F)], [init("g", rand(48))])
case("skipsimplifiedlayernorm",
     [ms("SkipSimplifiedLayerNormalization", ["x", "skip", "g", "bias"], ["y", "", "", "sum"],
         epsilon=1e-6)],
     [("x", rand(2, 9, 32)), ("skip", rand(2, 9, 32))], [("y", F), ("sum", F)],
     [init("g", rand(32)), init("bias", rand(32))])
case("layernorm_contrib_opset13",
     [helper.make_node("LayerNormalization", ["x", "g", "b"], ["y"], axis=-1, epsilon=1e-3)],
     [("x", rand(2, 6, 40))], [("y", F)], [init("g", rand(40)), init("b", rand(40))],
     opsets={"": 13})
case("simplifiedlayernorm_opset13",
     [helper.make_node("SimplifiedLayerNormalization", ["x", "g"], ["y"], axis=-1,
                       epsilon=1e-5)],
     [("x", rand(2, 6, 40))], [("y", F)], [init("g", rand(40))], opsets={"": 13})

# FusedConv: every activation, a residual input, strides and groups.
def fused_conv(name, activation, params=None, z=False, **attrs):
    c, f = 4, 8
    names = ["x", "w", "bias"] + (["z"] if z else [])
    extra = {"activation": activation}
    if params is not None:
        extra["activation_params"] = params
    strides = attrs.get("strides", [1, 1])
    size = (12 + 2 - 3) // strides[0] + 1
    inputs = [("x", rand(1, c, 12, 12))] + ([("z", rand(1, f, size, size))] if z else [])
    case(name, [ms("FusedConv", names, ["y"], kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                   **extra, **attrs)],
         inputs, [("y", F)],
         [init("w", rand(f, c // attrs.get("group", 1), 3, 3, scale=0.3)), init("bias", rand(f))])


fused_conv("fusedconv_relu", "Relu")
fused_conv("fusedconv_relu_residual", "Relu", z=True)
fused_conv("fusedconv_leakyrelu_stride2", "LeakyRelu", [0.2], strides=[2, 2])
fused_conv("fusedconv_clip_grouped", "Clip", [0.0, 6.0], group=2)
fused_conv("fusedconv_hardsigmoid", "HardSigmoid", [0.3, 0.4])
fused_conv("fusedconv_sigmoid", "Sigmoid")
fused_conv("fusedconv_tanh_residual", "Tanh", z=True)

# FusedMatMul.
def fused_matmul(name, a, b, constant_b=False, **attrs):
    inputs = [("a", rand(*a))]
    inits = []
    if constant_b:
        inits.append(init("b", rand(*b)))
    else:
        inputs.append(("b", rand(*b)))
    case(name, [ms("FusedMatMul", ["a", "b"], ["y"], **attrs)], inputs, [("y", F)], inits)


fused_matmul("fusedmatmul_2d_constant", (7, 9), (9, 4), constant_b=True, alpha=0.5)
fused_matmul("fusedmatmul_transB_alpha", (2, 3, 5, 8), (2, 3, 6, 8), transB=1, alpha=0.125)
fused_matmul("fusedmatmul_transA", (4, 8, 5), (4, 8, 6), transA=1)
fused_matmul("fusedmatmul_broadcast_rhs", (2, 3, 5, 8), (8, 6), constant_b=True, alpha=2.0)
fused_matmul("fusedmatmul_transBatchA", (5, 2, 3, 6), (2, 3, 6, 7), transBatchA=1)
fused_matmul("fusedmatmul_transBatchB_transB", (2, 3, 5, 6), (7, 2, 3, 6), transBatchB=1,
             transB=1)
fused_matmul("fusedmatmul_transBatchA_transA", (4, 2, 3), (2, 4, 5), transBatchA=1, transA=1)

# Attention (packed projection).
B, S, D, N = 2, 8, 32, 4


def attention(name, extra_inputs=(), mask=None, sizes=None, **attrs):
    total = sum(sizes) if sizes else 3 * D
    names = ["x", "w", "bias"]
    inputs = [("x", rand(B, S, D))]
    if mask is not None:
        names.append("mask")
        inputs.append(("mask", mask))
    for n, v in extra_inputs:
        while len(names) < 5:
            names.append("")
        names.append(n)
        inputs.append((n, v))
    extra = {"qkv_hidden_sizes": sizes} if sizes else {}
    out_hidden = sizes[2] if sizes else D
    case(name, [ms("Attention", names, ["y"], num_heads=N, **extra, **attrs)], inputs,
         [("y", F)], [init("w", rand(D, total, scale=0.3)), init("bias", rand(total, scale=0.3))])
    return out_hidden


attention("attention_no_mask")
attention("attention_key_lengths", mask=np.array([8, 5], dtype=np.int32))
raw = (RNG.random((B, S)) > 0.3).astype(np.int32)
raw[:, 0] = 1
attention("attention_raw_mask_2d", mask=raw)
raw3 = (RNG.random((B, S, S)) > 0.3).astype(np.int32)
raw3[:, :, 0] = 1
attention("attention_raw_mask_3d", mask=raw3)
attention("attention_unidirectional", unidirectional=1)
attention("attention_qkv_sizes", sizes=[32, 32, 16])
attention("attention_scale_filter", mask=raw, scale=0.3, mask_filter_value=-1000.0)
attention("attention_bias_input", extra_inputs=[("ab", rand(1, N, S, S))])

# MultiHeadAttention (unpacked).
L = 9


def mha(name, q, k, v, bias=None, padding=None, attention_bias=None, **attrs):
    names = ["q", "k", "v"]
    inputs = [("q", q), ("k", k), ("v", v)]
    inits = []
    if bias is not None:
        names.append("bias")
        inits.append(init("bias", bias))
    for n, value in [("padding", padding), ("ab", attention_bias)]:
        if value is not None:
            while len(names) < (4 if n == "padding" else 5):
                names.append("")
            names.append(n)
            inputs.append((n, value))
    case(name, [ms("MultiHeadAttention", names, ["y"], num_heads=N, **attrs)], inputs,
         [("y", F)], inits)


mha("mha_cross", rand(B, 6, D), rand(B, L, D), rand(B, L, 24))
mha("mha_bias", rand(B, 6, D), rand(B, L, D), rand(B, L, 24), bias=rand(2 * D + 24))
pad = (RNG.random((B, L)) > 0.3).astype(np.int32)
pad[:, 0] = 1
mha("mha_key_padding_2d", rand(B, 6, D), rand(B, L, D), rand(B, L, D), padding=pad)
mha("mha_key_lengths", rand(B, 6, D), rand(B, L, D), rand(B, L, D),
    padding=np.array([9, 4], dtype=np.int32))
mha("mha_bnsh_key_value", rand(B, 6, D), rand(B, N, L, 8), rand(B, N, L, 8))
self_x = rand(B, 7, D)
mha("mha_self_causal", self_x, self_x, self_x, unidirectional=1)
mha("mha_attention_bias_scale", rand(B, 6, D), rand(B, L, D), rand(B, L, D),
    attention_bias=rand(B, N, 6, L), scale=0.2)

# RotaryEmbedding.
def rotary(name, x, positions, cache_rows, half, **attrs):
    angles = RNG.uniform(0, 6.3, (cache_rows, half)).astype(np.float32)
    case(name, [ms("RotaryEmbedding", ["x", "pos", "cos", "sin"], ["y"], **attrs)],
         [("x", x), ("pos", positions)], [("y", F)],
         [init("cos", np.cos(angles)), init("sin", np.sin(angles))])


pos = RNG.integers(0, 16, (2, 5)).astype(np.int64)
rotary("rotary_3d_halves", rand(2, 5, 32), pos, 16, 4, num_heads=4)
rotary("rotary_3d_interleaved", rand(2, 5, 32), pos, 16, 4, num_heads=4, interleaved=1)
rotary("rotary_3d_heads_from_cache", rand(2, 5, 32), pos, 16, 8)
rotary("rotary_4d_bnsh", rand(2, 4, 5, 8), pos, 16, 4)
rotary("rotary_4d_interleaved", rand(2, 4, 5, 8), pos, 16, 4, interleaved=1)
rotary("rotary_partial", rand(2, 5, 32), pos, 16, 2, num_heads=4, rotary_embedding_dim=4)
rotary("rotary_start_position", rand(1, 5, 32), np.array([3], dtype=np.int64), 16, 4,
       num_heads=4)

# Quantized elementwise, concat, pooling and the contrib Q/DQ.
def q8(dtype, *shape):
    info = np.iinfo(dtype)
    return RNG.integers(info.min, info.max + 1, shape).astype(dtype)


def qparams(prefix, scale, zero, dtype):
    return [init(prefix + "_s", np.float32(scale)), init(prefix + "_z", dtype(zero))]


for dtype, t, tag in [(np.uint8, U8, "u8"), (np.int8, I8, "s8")]:
    za, zb, zc = (128, 100, 120) if dtype == np.uint8 else (0, -10, 5)
    for op in ["QLinearAdd", "QLinearMul"]:
        case("%s_%s" % (op.lower(), tag),
             [ms(op, ["a", "a_s", "a_z", "b", "b_s", "b_z", "c_s", "c_z"], ["y"])],
             [("a", q8(dtype, 2, 3, 16)), ("b", q8(dtype, 16))], [("y", t)],
             qparams("a", 0.021, za, dtype) + qparams("b", 0.017, zb, dtype) +
             qparams("c", 0.05 if op == "QLinearAdd" else 0.4, zc, dtype))
    case("qlinearsigmoid_" + tag,
         [ms("QLinearSigmoid", ["x", "x_s", "x_z", "y_s", "y_z"], ["y"])],
         [("x", q8(dtype, 3, 40))], [("y", t)],
         qparams("x", 0.05, za, dtype) + qparams("y", 1.0 / 256, 0 if dtype == np.uint8 else -128,
                                                  dtype))
    case("qlinearconcat_" + tag,
         [ms("QLinearConcat", ["y_s", "y_z", "a", "a_s", "a_z", "b", "b_s", "b_z", "c", "c_s",
                               "c_z"], ["y"], axis=1)],
         [("a", q8(dtype, 2, 3, 5)), ("b", q8(dtype, 2, 4, 5)), ("c", q8(dtype, 2, 2, 5))],
         [("y", t)],
         qparams("y", 0.03, zc, dtype) + qparams("a", 0.03, zc, dtype) +
         qparams("b", 0.011, zb, dtype) + qparams("c", 0.07, za, dtype))
    for last in [0, 1]:
        shape = (2, 6, 7, 5) if last else (2, 5, 6, 7)
        case("qlinearglobalavgpool_%s_%s" % ("nhwc" if last else "nchw", tag),
             [ms("QLinearGlobalAveragePool", ["x", "x_s", "x_z", "y_s", "y_z"], ["y"],
                 channels_last=last)],
             [("x", q8(dtype, *shape))], [("y", t)],
             qparams("x", 0.04, za, dtype) + qparams("y", 0.02, zc, dtype))

case("quantizelinear_contrib_u8",
     [ms("QuantizeLinear", ["x", "s", "z"], ["y"])], [("x", rand(3, 20, scale=3))], [("y", U8)],
     [init("s", np.float32(0.03)), init("z", np.uint8(120))])
case("dequantizelinear_contrib_per_axis",
     [ms("DequantizeLinear", ["x", "s", "z"], ["y"], axis=1)], [("x", q8(np.int8, 2, 4, 5))],
     [("y", F)], [init("s", np.array([0.1, 0.2, 0.05, 0.3], dtype=np.float32)),
                  init("z", np.array([0, 3, -2, 1], dtype=np.int8))])

if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    written = base.write(sys.argv[1], sys.argv[2], CASES, group="contrib")
    with open(os.path.join(sys.argv[1], "cases.txt"), "w") as f:
        f.writelines("contrib %s\n" % c for c in written)
    print("wrote %d contrib cases with ONNX Runtime outputs" % len(written))
