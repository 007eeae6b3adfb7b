"""Quantized model cases, spelled the way ONNX Runtime's quantizer writes
them (QDQ: QuantizeLinear/DequantizeLinear pairs around float ops, u8
asymmetric activations, s8 symmetric per-channel weights, int32 biases
dequantized at scale x_scale * w_scale) and the way QOperator exporters do
(QLinearMatMul, MatMulInteger after DynamicQuantizeLinear).

Every maker writes PATH and returns {input name: shape}; the inputs are
float, drawn N(0, 1) by the callers. The scales are fixed from how the
cases are built (inputs of unit variance, weights of variance 1/fan-in),
so activations span about +-4 standard deviations; what saturates,
saturates the same way in every implementation.
"""
import os
import sys

import numpy as np
from onnx import TensorProto

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402

U8, S8, I32 = TensorProto.UINT8, TensorProto.INT8, TensorProto.INT32
NP = {U8: np.uint8, S8: np.int8, I32: np.int32}


class QGraph(models.Graph):
    """models.Graph with the quantizer's spellings."""

    def activation(self, dtype, lo=-4.0, hi=4.0):
        """(scale, zero point) of an activation spanning [lo, hi]: u8
        asymmetric, s8 symmetric (as ORT's quantizer picks them)."""
        if dtype == U8:
            scale = (hi - lo) / 255.0
            return scale, int(np.clip(np.round(-lo / scale), 0, 255))
        return max(abs(lo), abs(hi)) / 127.0, 0

    def quantize(self, x, scale, zero, dtype):
        return self.op("QuantizeLinear", [x, self.scalar(scale),
                                          self.const(np.array(zero, NP[dtype]), "zp")])

    def dequantize(self, q, scale, zero, dtype, axis=None):
        zp = self.const(np.asarray(zero, NP[dtype]), "zp")
        scale = self.const(np.asarray(scale, np.float32), "scale")
        attrs = {} if axis is None else {"axis": axis}
        return self.op("DequantizeLinear", [q, scale, zp], **attrs)

    def qdq(self, x, dtype, lo=-4.0, hi=4.0):
        scale, zero = self.activation(dtype, lo, hi)
        return self.dequantize(self.quantize(x, scale, zero, dtype), scale, zero, dtype)

    def quantized_weight(self, shape, axis, per_channel, dtype=S8):
        """(stored integers, scales, zero points) of a random weight of
        variance 1/shape[0 if axis else 1]: symmetric s8 (zero point 0) or
        asymmetric u8, per channel along `axis` or per tensor."""
        fan_in = shape[0] if axis == 1 else int(np.prod(shape[1:]))
        w = self.rng.standard_normal(shape).astype(np.float32) / np.sqrt(fan_in)
        reduce_axes = tuple(d for d in range(len(shape)) if d != axis)
        if per_channel:
            lo, hi = w.min(axis=reduce_axes), w.max(axis=reduce_axes)
        else:
            lo, hi = np.array(w.min()), np.array(w.max())
        if dtype == S8:
            scale = (np.maximum(abs(lo), abs(hi)) / 127.0).astype(np.float32)
            zero = np.zeros(scale.shape, np.int8)
        else:
            lo, hi = np.minimum(lo, 0), np.maximum(hi, 0)
            scale = ((hi - lo) / 255.0).astype(np.float32)
            zero = np.clip(np.round(-lo / scale), 0, 255).astype(np.uint8)
        bshape = [1] * len(shape)
        if per_channel:
            bshape[axis] = shape[axis]
        q = np.round(w / scale.reshape(bshape)) + zero.reshape(bshape).astype(np.float32)
        info = np.iinfo(NP[dtype])
        return np.clip(q, info.min, info.max).astype(NP[dtype]), scale, zero

    def layer_operands(self, cur, lo, shape, axis, quantized):
        """(input, weight, bias) of one layer with a random s8 weight of
        `shape` quantized per channel along `axis` and an int32 bias at
        x_scale * w_scale: the QDQ spelling (Q/DQ on the input spanning
        [lo, 4], DQ'd weight and bias) or the float one with the same values."""
        q, ws, _ = self.quantized_weight(shape, axis, True, S8)
        channels = shape[axis]
        xs, _ = self.activation(U8, lo, 4.0)
        bs = (np.float32(xs) * ws).astype(np.float32)
        bq = np.round(self.rng.standard_normal(channels) * 0.1 / bs).astype(np.int32)
        if quantized:
            w = self.dequantize(self.const(q, "wq"), ws, np.zeros(channels, np.int8), S8,
                                axis=axis)
            b = self.dequantize(self.const(bq, "bq"), bs, np.zeros(channels, np.int32), I32,
                                axis=0)
            return self.qdq(cur, U8, lo, 4.0), w, b
        along = [1] * len(shape)
        along[axis] = channels
        w = self.const((q.astype(np.float32) * ws.reshape(along)).astype(np.float32), "w")
        return cur, w, self.const((bq * bs).astype(np.float32), "b")

    def dq_weight(self, shape, axis, per_channel, dtype=S8):
        q, scale, zero = self.quantized_weight(shape, axis, per_channel, dtype)
        return self.dequantize(self.const(q, "wq"), scale, zero, dtype,
                               axis=axis if per_channel else None), scale


def qdq_matmul(m, k, n, act=U8, weight=S8, per_channel=True, bias=None, relu=False,
               gemm=False, batch=(), float_output=True, seed=21):
    """x [*batch, m, k] -> Q/DQ -> MatMul (or Gemm with transB) with a DQ'd
    constant weight -> [bias: float Add, or an int32 DQ (Gemm's C)] ->
    [Relu] -> Q -> [DQ]."""
    def make(path):
        g = QGraph(seed)
        x = g.input("x", [*batch, m, k])
        xs, xz = g.activation(act)
        xd = g.qdq(x, act)
        if gemm:
            wd, ws = g.dq_weight([n, k], 0, per_channel, weight)
        else:
            wd, ws = g.dq_weight([k, n], 1, per_channel, weight)
        b = None
        if bias == "float":
            b = g.weight(n, scale=0.1)
        elif bias == "int32":
            bs = np.broadcast_to(np.float32(xs) * ws, [n]).astype(np.float32)
            bq = np.round(g.rng.standard_normal(n) * 0.1 / bs).astype(np.int32)
            b = g.dequantize(g.const(bq, "bq"), bs, np.zeros(n, np.int32), I32, axis=0)
        if gemm:
            y = g.op("Gemm", [xd, wd] + ([b] if b else []), transB=1)
        else:
            y = g.op("MatMul", [xd, wd])
            if b:
                y = g.op("Add", [y, b])
        if relu:
            y = g.op("Relu", [y])
        ys, yz = g.activation(U8, 0.0 if relu else -4.0, 4.0)
        q = g.quantize(y, ys, yz, U8)
        g.output(g.dequantize(q, ys, yz, U8) if float_output else q)
        g.save(path, opset=13)
        return {"x": [*batch, m, k]}
    return make


def qdq_activations_matmul(m, k, n, batch=(), act=U8, other=S8, seed=21):
    """Both operands activations (attention's scores and context):
    a [*batch, m, k] and b [*batch, k, n] each through Q/DQ, MatMul, Q, DQ."""
    def make(path):
        g = QGraph(seed)
        a = g.qdq(g.input("a", [*batch, m, k]), act)
        b = g.qdq(g.input("b", [*batch, k, n]), other)
        y = g.op("Mul", [g.op("MatMul", [a, b]), g.scalar(1.0 / np.sqrt(k))])
        ys, yz = g.activation(U8)
        g.output(g.dequantize(g.quantize(y, ys, yz, U8), ys, yz, U8))
        g.save(path, opset=13)
        return {"a": [*batch, m, k], "b": [*batch, k, n]}
    return make


def qdq_weight_times_activation(m, k, n, seed=21):
    """A constant weight on the left, W [m, k] x x [k, n] (a 1x1
    convolution's product): the weight per-tensor s8, x u8."""
    def make(path):
        g = QGraph(seed)
        x = g.qdq(g.input("x", [k, n]), U8)
        wd, _ = g.dq_weight([m, k], 1, False, S8)
        y = g.op("MatMul", [wd, x])
        ys, yz = g.activation(U8)
        g.output(g.dequantize(g.quantize(y, ys, yz, U8), ys, yz, U8))
        g.save(path, opset=13)
        return {"x": [k, n]}
    return make


def qdq_conv(channels, filters, size, kernel, stride=1, pad=None, dilation=1,
             per_channel=True, act=U8, weight=S8, bias=True, relu=False, batch=1,
             dims=2, float_output=True, seed=23):
    """x [batch, channels, size...] -> Q/DQ -> Conv with a DQ'd constant
    filter (per output channel or per tensor) and an int32 bias DQ'd at
    x_scale * w_scale -> [Relu] -> Q -> DQ, as ORT's quantizer writes a
    convolution."""
    pad = (kernel // 2) * dilation if pad is None else pad
    def make(path):
        g = QGraph(seed)
        shape = [batch, channels] + [size] * dims
        x = g.input("x", shape)
        xs, xz = g.activation(act)
        xd = g.qdq(x, act)
        wd, ws = g.dq_weight([filters, channels] + [kernel] * dims, 0, per_channel,
                             weight)
        inputs = [xd, wd]
        if bias:
            bs = np.broadcast_to(np.float32(xs) * ws, [filters]).astype(np.float32)
            bq = np.round(g.rng.standard_normal(filters) * 0.1 / bs).astype(np.int32)
            inputs.append(g.dequantize(g.const(bq, "bq"), bs,
                                       np.zeros(filters, np.int32), I32, axis=0))
        y = g.op("Conv", inputs, kernel_shape=[kernel] * dims, strides=[stride] * dims,
                 pads=[pad] * (2 * dims), dilations=[dilation] * dims)
        if relu:
            y = g.op("Relu", [y])
        ys, yz = g.activation(U8, 0.0 if relu else -4.0, 4.0)
        q = g.quantize(y, ys, yz, U8)
        g.output(g.dequantize(q, ys, yz, U8) if float_output else q)
        g.save(path, opset=13)
        return {"x": shape}
    return make


def qlinear_conv(channels, filters, size, kernel, stride=1, pad=None,
                 per_channel=True, bias=True, seed=23):
    """The QOperator spelling of qdq_conv(..., float_output=False) with the
    same seed: QuantizeLinear -> QLinearConv (int32 bias) -> integers."""
    pad = kernel // 2 if pad is None else pad
    def make(path):
        g = QGraph(seed)
        shape = [1, channels, size, size]
        x = g.input("x", shape)
        xs, xz = g.activation(U8)
        q, ws, wz = g.quantized_weight([filters, channels, kernel, kernel], 0,
                                       per_channel, S8)
        inputs = [g.quantize(x, xs, xz, U8), g.scalar(xs),
                  g.const(np.array(xz, np.uint8), "zp"), g.const(q, "wq"),
                  g.const(ws, "scale"), g.const(wz, "zp")]
        ys, yz = g.activation(U8)
        inputs += [g.scalar(ys), g.const(np.array(yz, np.uint8), "zp")]
        if bias:
            bs = np.broadcast_to(np.float32(xs) * ws, [filters]).astype(np.float32)
            inputs.append(g.const(np.round(g.rng.standard_normal(filters) * 0.1 / bs)
                                  .astype(np.int32), "bq"))
        g.output(g.op("QLinearConv", inputs, kernel_shape=[kernel, kernel],
                      strides=[stride, stride], pads=[pad] * 4))
        g.save(path, opset=13)
        return {"x": shape}
    return make


def conv_integer(channels, filters, size, kernel, stride=1, seed=29):
    """ConvInteger as dynamic quantization writes a Conv: u8 input with a
    zero point, s8 filter: the i32 sums."""
    def make(path):
        g = QGraph(seed)
        shape = [1, channels, size, size]
        x = g.input("x", shape)
        xs, xz = g.activation(U8)
        q, _, wz = g.quantized_weight([filters, channels, kernel, kernel], 0, False, S8)
        g.output(g.op("ConvInteger", [g.quantize(x, xs, xz, U8), g.const(q, "wq"),
                                      g.const(np.array(xz, np.uint8), "zp"),
                                      g.const(np.array(wz, np.int8), "zp")],
                      kernel_shape=[kernel, kernel], strides=[stride, stride],
                      pads=[kernel // 2] * 4))
        g.save(path, opset=13)
        return {"x": shape}
    return make


def qlinear_matmul(m, k, n, act=U8, weight=S8, per_channel=False, seed=21):
    """The QOperator spelling of qdq_matmul(..., float_output=False) with
    the same seed: QuantizeLinear -> QLinearMatMul -> integers."""
    def make(path):
        g = QGraph(seed)
        x = g.input("x", [m, k])
        xs, xz = g.activation(act)
        q, ws, wz = g.quantized_weight([k, n], 1, per_channel, weight)
        ys, yz = g.activation(U8)
        xq = g.quantize(x, xs, xz, act)
        y = g.op("QLinearMatMul", [
            xq, g.scalar(xs), g.const(np.array(xz, NP[act]), "zp"),
            g.const(q, "wq"), g.const(ws, "scale"), g.const(wz, "zp"),
            g.scalar(ys), g.const(np.array(yz, np.uint8), "zp")])
        g.output(y)
        g.save(path, opset=13)
        return {"x": [m, k]}
    return make


def dynamic_matmul(m, k, n, seed=21):
    """Dynamic quantization as ORT's quantize_dynamic writes a MatMul:
    DynamicQuantizeLinear -> MatMulInteger (s8 per-tensor weight) -> Cast ->
    Mul by x_scale * w_scale."""
    def make(path):
        g = QGraph(seed)
        x = g.input("x", [m, k])
        xq, xs, xz = g.op("DynamicQuantizeLinear", [x], outputs=3)
        q, ws, wz = g.quantized_weight([k, n], 1, False, S8)
        acc = g.op("MatMulInteger", [xq, g.const(q, "wq"), xz,
                                     g.const(np.array(wz, np.int8), "zp")])
        scale = g.op("Mul", [xs, g.scalar(float(ws))])
        g.output(g.op("Mul", [g.op("Cast", [acc], to=TensorProto.FLOAT), scale]))
        g.save(path, opset=13)
        return {"x": [m, k]}
    return make


def ffn(m, hidden, inner, quantized, seed=31):
    """A transformer feed-forward block, x [m, hidden] -> MatMul + bias ->
    Relu -> MatMul + bias, in float or as ORT's quantizer writes it (QDQ
    on every activation, s8 per-channel weights, int32 biases): the same
    weights either way (the float ones are the quantized ones dequantized)."""
    def make(path):
        g = QGraph(seed)
        x = g.input("x", [m, hidden])
        cur, lo = x, -4.0
        for k, n, relu in ((hidden, inner, True), (inner, hidden, False)):
            cur, w, b = g.layer_operands(cur, lo, [k, n], 1, quantized)
            cur = g.op("Add", [g.op("MatMul", [cur, w]), b])
            if relu:
                cur, lo = g.op("Relu", [cur]), 0.0
        if quantized:
            cur = g.qdq(cur, U8)
        g.output(cur)
        g.save(path, opset=13)
        return {"x": [m, hidden]}
    return make


def cnn(size, layers, quantized, seed=37):
    """A convolution stack, x [1, C0, size, size] -> (Conv + bias + Relu)
    per layer (channels out, kernel, stride), in float or as ORT's
    quantizer writes it; the same weights either way."""
    def make(path):
        g = QGraph(seed)
        channels = layers[0][0]
        x = g.input("x", [1, channels, size, size])
        cur, lo = x, -4.0
        for cin, cout, kernel, stride in layers:
            cur, w, b = g.layer_operands(cur, lo, [cout, cin, kernel, kernel], 0, quantized)
            cur = g.op("Conv", [cur, w, b], kernel_shape=[kernel, kernel],
                       strides=[stride, stride], pads=[kernel // 2] * 4)
            cur, lo = g.op("Relu", [cur]), 0.0
        if quantized:
            cur = g.qdq(cur, U8, 0.0, 4.0)
        g.output(cur)
        g.save(path, opset=13)
        return {"x": [1, channels, size, size]}
    return make


CNN_LAYERS = [(32, 64, 3, 1), (64, 64, 1, 1), (64, 128, 3, 2), (128, 128, 1, 1)]

# name -> (float maker, QDQ maker): bench/run_int8.py's cases.
BENCH = [
    ("ffn-128x768x3072", ffn(128, 768, 3072, False), ffn(128, 768, 3072, True)),
    ("ffn-32x1024x4096", ffn(32, 1024, 4096, False), ffn(32, 1024, 4096, True)),
    ("cnn-4conv-56", cnn(56, CNN_LAYERS, False), cnn(56, CNN_LAYERS, True)),
]

# name -> maker: the family the tests run (test/Models/quantized-matmul.test).
CASES = [
    ("qdq-matmul-u8s8-tensor", qdq_matmul(33, 70, 45, per_channel=False)),
    ("qdq-matmul-u8s8-channel", qdq_matmul(64, 96, 80)),
    ("qdq-matmul-s8s8-channel", qdq_matmul(20, 67, 33, act=S8)),
    ("qdq-matmul-u8u8-tensor", qdq_matmul(17, 40, 50, weight=U8, per_channel=False)),
    ("qdq-matmul-bias-relu", qdq_matmul(48, 128, 96, bias="float", relu=True)),
    ("qdq-gemm-int32-bias", qdq_matmul(30, 64, 70, bias="int32", gemm=True)),
    ("qdq-matmul-batched", qdq_matmul(24, 64, 40, batch=(2, 3), bias="float")),
    ("qdq-matmul-int-output", qdq_matmul(33, 70, 45, per_channel=False,
                                         float_output=False)),
    ("qlinear-matmul-u8s8", qlinear_matmul(33, 70, 45)),
    ("qlinear-matmul-u8u8-channel", qlinear_matmul(17, 40, 50, weight=U8,
                                                   per_channel=True)),
    ("dynamic-matmul", dynamic_matmul(40, 72, 56)),
    ("qdq-matmul-activations", qdq_activations_matmul(19, 37, 41)),
    ("qdq-matmul-activations-batched",
     qdq_activations_matmul(24, 32, 24, batch=(2, 3), other=U8)),
    ("qdq-matmul-weight-left", qdq_weight_times_activation(40, 64, 100)),
    ("qdq-conv1x1", qdq_conv(32, 48, 14, 1)),
    ("qdq-conv3x3-relu", qdq_conv(16, 24, 15, 3, relu=True)),
    ("qdq-conv3x3-s2-tensor", qdq_conv(8, 20, 17, 3, stride=2, per_channel=False,
                                       batch=2)),
    ("qdq-conv5x5-dilated-s8", qdq_conv(6, 10, 19, 5, dilation=2, act=S8, bias=False)),
    ("qdq-conv1d-u8-weights", qdq_conv(12, 16, 30, 3, dims=1, weight=U8)),
    ("qdq-conv3x3-int-output", qdq_conv(16, 24, 15, 3, stride=2, float_output=False)),
    ("qlinear-conv3x3", qlinear_conv(16, 24, 15, 3, stride=2)),
    ("conv-integer-3x3", conv_integer(8, 12, 13, 3)),
]

# QOperator case -> the QDQ case with the same graph (identical integers).
SAME_MODEL = {"qlinear-matmul-u8s8": "qdq-matmul-int-output",
              "qlinear-conv3x3": "qdq-conv3x3-int-output"}
