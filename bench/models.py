"""Model-shaped benchmark cases, generated with seeded random weights and
spelled the way the common exporters spell them (PyTorch's shape chains
`Shape -> Gather -> Unsqueeze -> Concat -> Reshape`, Erf-GELU and Tanh-GELU,
additive attention masks, RMSNorm as Pow/ReduceMean/Sqrt/Div, rotary
embeddings as Slice/Neg/Concat/Mul, hard-swish and squeeze-excitation,
Resize upsampling, ConvTranspose, LSTM/GRU nodes).

Every maker writes PATH and returns {input name: shape}; bench/run.py
compiles the model with those shapes and times it against ONNX Runtime.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "examples", "models"))
import transformer  # noqa: E402

F = TensorProto.FLOAT


class Graph:
    """A small ONNX graph writer: weights, constants and named nodes."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits, self.inputs, self.outputs = [], [], [], []
        self.count = 0

    def name(self, hint):
        self.count += 1
        return f"{hint}_{self.count}"

    def const(self, value, hint="c"):
        name = self.name(hint)
        self.inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def ints(self, *values):
        return self.const(np.array(values, np.int64), "i")

    def scalar(self, value):
        return self.const(np.array(value, np.float32), "s")

    def weight(self, *shape, scale=None, fan_in=None):
        fan = fan_in or (int(np.prod(shape[1:])) if len(shape) > 1 else shape[0])
        scale = scale if scale is not None else 1.0 / np.sqrt(fan)
        return self.const((self.rng.standard_normal(shape) * scale).astype(np.float32), "w")

    def op(self, op_type, inputs, outputs=1, **attrs):
        names = [self.name(op_type.lower()) for _ in range(outputs)]
        self.nodes.append(helper.make_node(op_type, inputs, names, name=names[0], **attrs))
        return names[0] if outputs == 1 else names

    def input(self, name, shape, elem=F):
        self.inputs.append(helper.make_tensor_value_info(name, elem, shape))
        return name

    def output(self, value, name="y"):
        self.nodes.append(helper.make_node("Identity", [value], [name], name=name))
        self.outputs.append(name)

    def save(self, path, opset=17):
        """Writes the model, its outputs' shapes from ONNX's shape inference."""
        def build(outputs):
            graph = helper.make_graph(self.nodes, "bench", self.inputs, outputs, self.inits)
            model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
            model.ir_version = 8
            return model
        inferred = onnx.shape_inference.infer_shapes(build([]), data_prop=True)
        infos = {v.name: v for v in inferred.graph.value_info}
        model = build([infos[name] for name in self.outputs])
        onnx.checker.check_model(model)
        onnx.save(model, path)

    # Layers, as exporters spell them.
    def linear(self, x, k, n, bias=True):
        y = self.op("MatMul", [x, self.weight(k, n, fan_in=k)])
        return self.op("Add", [y, self.weight(n, scale=0.1)]) if bias else y

    def conv(self, x, cin, cout, kernel, stride=1, pad=None, group=1, bias=True, dims=2):
        pad = kernel // 2 if pad is None else pad
        w = self.weight(cout, cin // group, *([kernel] * dims))
        inputs = [x, w] + ([self.weight(cout, scale=0.1)] if bias else [])
        return self.op("Conv", inputs, kernel_shape=[kernel] * dims, strides=[stride] * dims,
                       pads=[pad] * (2 * dims), group=group)

    def layer_norm(self, x, hidden):
        return self.op("LayerNormalization", [x, self.weight(hidden, scale=1.0),
                                              self.weight(hidden, scale=0.1)],
                       axis=-1, epsilon=1e-5)

    def gelu(self, x, form="erf"):
        if form == "erf":
            e = self.op("Erf", [self.op("Div", [x, self.scalar(np.sqrt(2.0))])])
            e = self.op("Add", [e, self.scalar(1.0)])
            return self.op("Mul", [self.op("Mul", [x, e]), self.scalar(0.5)])
        cube = self.op("Mul", [self.op("Mul", [x, x]), x])
        inner = self.op("Add", [x, self.op("Mul", [cube, self.scalar(0.044715)])])
        t = self.op("Tanh", [self.op("Mul", [inner, self.scalar(np.sqrt(2 / np.pi))])])
        t = self.op("Add", [t, self.scalar(1.0)])
        return self.op("Mul", [self.op("Mul", [x, t]), self.scalar(0.5)])

    def dynamic_reshape(self, x, keep, tail):
        """Reshape to x's leading `keep` dims + tail, the shape built from
        Shape -> Gather -> Unsqueeze -> Concat as PyTorch exports it."""
        shape = self.op("Shape", [x])
        parts = []
        for i in range(keep):
            g = self.op("Gather", [shape, self.const(np.array(i, np.int64))], axis=0)
            parts.append(self.op("Unsqueeze", [g, self.ints(0)]))
        parts += [self.ints(t) for t in tail]
        return self.op("Reshape", [x, self.op("Concat", parts, axis=0)])

    def attention(self, x, seq, hidden, heads, mask=None, rotary=None, past=None):
        """Multi-head self-attention over [1, seq, hidden]; returns
        (output before the out projection, new k, new v)."""
        d = hidden // heads
        def heads_of(t):
            t = self.dynamic_reshape(t, 2, [heads, d])
            return self.op("Transpose", [t], perm=[0, 2, 1, 3])
        q = heads_of(self.linear(x, hidden, hidden, bias=rotary is None))
        k = heads_of(self.linear(x, hidden, hidden, bias=rotary is None))
        v = heads_of(self.linear(x, hidden, hidden, bias=rotary is None))
        if rotary is not None:
            q, k = self.rotate(q, *rotary, d), self.rotate(k, *rotary, d)
        if past is not None:
            k = self.op("Concat", [past[0], k], axis=2)
            v = self.op("Concat", [past[1], v], axis=2)
        kt = self.op("Transpose", [k], perm=[0, 1, 3, 2])
        s = self.op("MatMul", [q, kt])
        s = self.op("Mul", [s, self.scalar(1.0 / np.sqrt(d))])
        if mask is not None:
            s = self.op("Add", [s, mask])
        p = self.op("Softmax", [s], axis=-1)
        c = self.op("Transpose", [self.op("MatMul", [p, v])], perm=[0, 2, 1, 3])
        c = self.op("Reshape", [c, self.ints(1, seq, hidden)])
        return c, k, v

    def rotate(self, t, cos, sin, d):
        """Rotary embedding: t * cos + rotate_half(t) * sin."""
        half = d // 2
        a = self.op("Slice", [t, self.ints(0), self.ints(half), self.ints(3)])
        b = self.op("Slice", [t, self.ints(half), self.ints(d), self.ints(3)])
        rotated = self.op("Concat", [self.op("Neg", [b]), a], axis=-1)
        return self.op("Add", [self.op("Mul", [t, cos]), self.op("Mul", [rotated, sin])])

    def rms_norm(self, x, hidden):
        ms = self.op("ReduceMean", [self.op("Pow", [x, self.scalar(2.0)])], axes=[-1],
                     keepdims=1)
        r = self.op("Sqrt", [self.op("Add", [ms, self.scalar(1e-6)])])
        normed = self.op("Mul", [x, self.op("Div", [self.scalar(1.0), r])])
        return self.op("Mul", [self.weight(hidden, scale=1.0), normed])


def encoder(layers, seq, hidden, heads, ffn, seed):
    """BERT-style post-norm encoder layers (examples/models/transformer.py)."""
    def make(path):
        nodes, inputs, _, inits, opset = transformer.encoder(
            np.random.default_rng(seed), layers, seq, hidden, heads, ffn)
        graph = helper.make_graph(
            nodes, "bench", [helper.make_tensor_value_info(n, F, list(v.shape))
                             for n, v in inputs],
            [helper.make_tensor_value_info("y", F, [1, seq, hidden])], inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
        model.ir_version = 9
        onnx.save(model, path)
        return {n: list(v.shape) for n, v in inputs}
    return make


def encoder_ort_optimized(seq, hidden, heads, ffn, seed):
    """A BERT-style encoder layer as ONNX Runtime's transformer optimizer
    writes it: packed Attention, SkipLayerNormalization with bias, FastGelu
    with bias (com.microsoft contrib ops)."""
    def make(path):
        g = Graph(seed)
        x = g.input("x", [1, seq, hidden])

        def ms(op, inputs, **attrs):
            name = g.name(op.lower())
            g.nodes.append(helper.make_node(op, inputs, [name], name=name,
                                            domain="com.microsoft", **attrs))
            return name

        ctx = ms("Attention", [x, g.weight(hidden, 3 * hidden, fan_in=hidden),
                               g.weight(3 * hidden, scale=0.02)], num_heads=heads)
        proj = g.op("MatMul", [ctx, g.weight(hidden, hidden, fan_in=hidden)])
        ln1 = ms("SkipLayerNormalization", [proj, x, g.weight(hidden, scale=0.2),
                                            g.weight(hidden, scale=0.02),
                                            g.weight(hidden, scale=0.02)])
        up = ms("FastGelu", [g.op("MatMul", [ln1, g.weight(hidden, ffn, fan_in=hidden)]),
                             g.weight(ffn, scale=0.02)])
        down = g.op("MatMul", [up, g.weight(ffn, hidden, fan_in=ffn)])
        y = ms("SkipLayerNormalization", [down, ln1, g.weight(hidden, scale=0.2),
                                          g.weight(hidden, scale=0.02),
                                          g.weight(hidden, scale=0.02)])
        graph = helper.make_graph(g.nodes, "bench", g.inputs,
                                  [helper.make_tensor_value_info(y, F, [1, seq, hidden])],
                                  g.inits)
        model = helper.make_model(graph, opset_imports=[
            helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)])
        model.ir_version = 8
        onnx.save(model, path)
        return {"x": [1, seq, hidden]}
    return make


def vit(path):
    """ViT-B/16 front: 16x16 stride-16 patch embedding on 224x224, class
    token, position embedding, one pre-norm encoder layer with Tanh-GELU."""
    g, hidden, heads, seq = Graph(21), 768, 12, 197
    x = g.input("pixels", [1, 3, 224, 224])
    p = g.conv(x, 3, hidden, 16, stride=16, pad=0)                    # 1x768x14x14
    p = g.op("Transpose", [g.dynamic_reshape(p, 2, [-1])], perm=[0, 2, 1])  # 1x196x768
    t = g.op("Concat", [g.weight(1, 1, hidden, scale=0.02), p], axis=1)
    t = g.op("Add", [t, g.weight(1, seq, hidden, scale=0.02)])
    h = g.layer_norm(t, hidden)
    c, _, _ = g.attention(h, seq, hidden, heads)
    t = g.op("Add", [t, g.linear(c, hidden, hidden)])
    h = g.linear(g.gelu(g.linear(g.layer_norm(t, hidden), hidden, 4 * hidden), "tanh"),
                 4 * hidden, hidden)
    g.output(g.layer_norm(g.op("Add", [t, h]), hidden))
    g.save(path)
    return {"pixels": [1, 3, 224, 224]}


def llm_block(seq, past):
    """A decoder-only block, hidden 1024, 16 heads, SiLU-gated MLP (2816):
    RMSNorm, rotary embeddings, a causal additive mask, a KV cache of `past`
    positions (decode) or none (prefill)."""
    def make(path):
        g, hidden, heads, ffn = Graph(31), 1024, 16, 2816
        d, total = hidden // heads, seq + past
        x = g.input("x", [1, seq, hidden])
        cos = g.input("cos", [1, 1, seq, d])
        sin = g.input("sin", [1, 1, seq, d])
        shapes = {"x": [1, seq, hidden], "cos": [1, 1, seq, d], "sin": [1, 1, seq, d]}
        cache = None
        if past:
            cache = (g.input("past_k", [1, heads, past, d]), g.input("past_v", [1, heads, past, d]))
            shapes.update(past_k=[1, heads, past, d], past_v=[1, heads, past, d])
        mask = np.triu(np.full((seq, total), -np.inf, np.float32), k=past + 1)
        mask = g.const(mask.reshape(1, 1, seq, total), "mask")
        c, k, v = g.attention(g.rms_norm(x, hidden), seq, hidden, heads, mask=mask,
                              rotary=(cos, sin), past=cache)
        h = g.op("Add", [x, g.linear(c, hidden, hidden, bias=False)])
        n = g.rms_norm(h, hidden)
        gate = g.linear(n, hidden, ffn, bias=False)
        silu = g.op("Mul", [gate, g.op("Sigmoid", [gate])])
        up = g.op("Mul", [silu, g.linear(n, hidden, ffn, bias=False)])
        g.output(g.op("Add", [h, g.linear(up, ffn, hidden, bias=False)]))
        g.output(k, "k")
        g.output(v, "v")
        g.save(path)
        return shapes
    return make


def mobile_seg(size):
    """A mobile backbone (hard-swish, inverted residuals with
    squeeze-excitation), an FPN neck (1x1 laterals, nearest Resize x2, Add,
    Concat of the upsampled levels) and a segmentation head ending in two
    2x2 stride-2 ConvTransposes and a Sigmoid, as text detectors spell it."""
    def make(path):
        g = Graph(41)
        x = g.input("image", [1, 3, size, size])
        h = g.op("HardSwish", [g.conv(x, 3, 16, 3, stride=2)])
        levels, c = [], 16
        for expand, cout, stride, se in [(1, 16, 1, True), (4, 24, 2, False), (3, 24, 1, False),
                                         (3, 40, 2, True), (3, 40, 1, True), (6, 80, 2, False),
                                         (3, 80, 1, False), (6, 112, 1, True), (6, 160, 2, True)]:
            e = c * expand
            y = g.op("HardSwish", [g.conv(h, c, e, 1)]) if expand > 1 else h
            y = g.op("HardSwish", [g.conv(y, e, e, 3, stride=stride, group=e)])
            if se:
                s = g.op("GlobalAveragePool", [y])
                s = g.op("Relu", [g.conv(s, e, max(e // 4, 8), 1)])
                s = g.op("HardSigmoid", [g.conv(s, max(e // 4, 8), e, 1)], alpha=1 / 6, beta=0.5)
                y = g.op("Mul", [y, s])
            y = g.conv(y, e, cout, 1)
            if stride == 1 and cout == c:
                y = g.op("Add", [y, h])
            if stride == 2 and c != 16:
                levels.append((h, c))
            h, c = y, cout
        levels.append((h, c))                                  # strides 4, 8, 16, 32
        inner = 64
        laterals = [g.conv(t, ch, inner, 1, bias=False) for t, ch in levels]
        scales = g.const(np.array([1, 1, 2, 2], np.float32), "scales")
        top = laterals[-1]
        merged = [top]
        for lateral in reversed(laterals[:-1]):
            top = g.op("Add", [lateral, g.op("Resize", [top, "", scales], mode="nearest")])
            merged.insert(0, top)
        outs = []
        for i, m in enumerate(merged):
            o = g.conv(m, inner, inner // 4, 3, bias=False)
            if i:
                s = g.const(np.array([1, 1, 2 ** i, 2 ** i], np.float32), "scales")
                o = g.op("Resize", [o, "", s], mode="nearest")
            outs.append(o)
        f = g.op("Concat", outs, axis=1)                       # 1x64 at stride 4
        f = g.op("Relu", [g.conv(f, inner, inner // 4, 3)])
        w1 = g.weight(inner // 4, inner // 4, 2, 2)
        f = g.op("Relu", [g.op("ConvTranspose", [f, w1, g.weight(inner // 4, scale=0.1)],
                               kernel_shape=[2, 2], strides=[2, 2])])
        w2 = g.weight(inner // 4, 1, 2, 2)
        f = g.op("ConvTranspose", [f, w2, g.weight(1, scale=0.1)], kernel_shape=[2, 2],
                 strides=[2, 2])
        g.output(g.op("Sigmoid", [f]))
        g.save(path)
        return {"image": [1, 3, size, size]}
    return make


def recognizer(path):
    """A text-line recognizer on 1x3x32x320: a conv stem down to height 1,
    two pre-norm attention blocks over the 80 width positions (hidden 192,
    6 heads, Erf-GELU FFN), a CTC head over 6625 classes with Softmax."""
    g, hidden, heads, seq = Graph(51), 192, 6, 80
    x = g.input("image", [1, 3, 32, 320])
    h = g.op("Relu", [g.conv(x, 3, 32, 3, stride=2)])           # 16x160
    h = g.op("Relu", [g.conv(h, 32, 64, 3, stride=2)])          # 8x80
    h = g.op("Relu", [g.conv(h, 64, 128, 3)])
    h = g.op("MaxPool", [h], kernel_shape=[2, 1], strides=[2, 1])  # 4x80
    h = g.op("Relu", [g.conv(h, 128, hidden, 3)])
    h = g.op("MaxPool", [h], kernel_shape=[4, 1], strides=[4, 1])  # 1x80
    t = g.op("Transpose", [g.op("Squeeze", [h, g.ints(2)])], perm=[0, 2, 1])
    for _ in range(2):
        c, _, _ = g.attention(g.layer_norm(t, hidden), seq, hidden, heads)
        t = g.op("Add", [t, g.linear(c, hidden, hidden)])
        f = g.linear(g.gelu(g.linear(g.layer_norm(t, hidden), hidden, 2 * hidden)),
                     2 * hidden, hidden)
        t = g.op("Add", [t, f])
    g.output(g.op("Softmax", [g.linear(g.layer_norm(t, hidden), hidden, 6625)], axis=2))
    g.save(path)
    return {"image": [1, 3, 32, 320]}


def audio(path):
    """An audio front end on 4 s at 16 kHz: a learned STFT (Conv1d, 512
    taps, stride 160, 2x257 filters), power (Mul, Slice, Add), mel
    projection (MatMul 257x80), Clip + Log, and a 1-D conv stack."""
    g = Graph(61)
    x = g.input("audio", [1, 1, 64000])
    spec = g.conv(x, 1, 514, 512, stride=160, pad=0, bias=False, dims=1)   # 1x514x397
    sq = g.op("Mul", [spec, spec])
    re = g.op("Slice", [sq, g.ints(0), g.ints(257), g.ints(1)])
    im = g.op("Slice", [sq, g.ints(257), g.ints(514), g.ints(1)])
    power = g.op("Transpose", [g.op("Add", [re, im])], perm=[0, 2, 1])   # 1x397x257
    mel = g.op("MatMul", [power, g.const(np.abs(g.rng.standard_normal((257, 80))).astype(
        np.float32) * 0.05, "mel")])
    logmel = g.op("Log", [g.op("Clip", [mel, g.scalar(1e-10), g.scalar(1e10)])])
    h = g.op("Transpose", [logmel], perm=[0, 2, 1])                       # 1x80x397
    for cin, cout in [(80, 256), (256, 256), (256, 256)]:
        h = g.op("Relu", [g.conv(h, cin, cout, 3, dims=1)])
    g.output(h)
    g.save(path)
    return {"audio": [1, 1, 64000]}


def recurrent(cell):
    """A sequence model: 50 steps of 64 features, one LSTM or GRU layer of
    hidden 128 (the ONNX node PyTorch exports), Squeeze, a linear head."""
    def make(path):
        g, steps, features, hidden = Graph(71), 50, 64, 128
        gates = 4 if cell == "LSTM" else 3
        x = g.input("x", [steps, 1, features])
        w = g.weight(1, gates * hidden, features, fan_in=features)
        r = g.weight(1, gates * hidden, hidden, fan_in=hidden)
        b = g.weight(1, 2 * gates * hidden, scale=0.1)
        attrs = {"hidden_size": hidden}
        if cell == "GRU":
            attrs["linear_before_reset"] = 1
        y = g.op(cell, [x, w, r, b], outputs=1, **attrs)
        y = g.op("Squeeze", [y, g.ints(1)])                                  # 50x1x128
        g.output(g.linear(y, hidden, 32))
        g.save(path)
        return {"x": [steps, 1, features]}
    return make


def detection_nms(path):
    """A YOLOv8-style detection head's exported post-processing on 8400
    anchors x 80 classes: the raw [1, 84, 8400] prediction split into
    centered boxes and class scores (Slice, Transpose), NonMaxSuppression
    (100 per class, IoU 0.45, score 0.25), the kept boxes gathered by the
    selected ids (Gather, Squeeze), as `torch.onnx.export` spells it."""
    g = Graph(81)
    pred = g.input("pred", [1, 84, 8400])
    boxes = g.op("Transpose", [g.op("Slice", [pred, g.ints(0), g.ints(4), g.ints(1)])],
                 perm=[0, 2, 1])                                              # 1x8400x4
    scores = g.op("Slice", [pred, g.ints(4), g.ints(84), g.ints(1)])          # 1x80x8400
    selected = g.op("NonMaxSuppression", [boxes, scores, g.ints(100),
                                          g.const(np.array([0.45], np.float32)),
                                          g.const(np.array([0.25], np.float32))],
                    center_point_box=1)
    ids = g.op("Gather", [selected, g.const(np.array(2, np.int64))], axis=1)
    kept = g.op("Gather", [g.op("Squeeze", [boxes, g.ints(0)]), ids], axis=0)
    g.output(kept)
    g.output(selected, "selected")
    g.save(path)
    return {"pred": [1, 84, 8400]}


# name -> maker, in the order of the table.
CASES = [
    ("bert-base-layer-s128", encoder(1, 128, 768, 12, 3072, 11)),
    ("bert-base-layer-s384", encoder(1, 384, 768, 12, 3072, 12)),
    ("encoder-4x256-s128", encoder(4, 128, 256, 4, 1024, 13)),
    ("bert-base-layer-s128-ort-optimized", encoder_ort_optimized(128, 768, 12, 3072, 14)),
    ("vit-b16-224-1layer", vit),
    ("llm-block-1024-decode", llm_block(1, 127)),
    ("llm-block-1024-prefill128", llm_block(128, 0)),
    ("mobile-fpn-seg-320", mobile_seg(320)),
    ("mobile-fpn-seg-640", mobile_seg(640)),
    ("text-recognizer-32x320", recognizer),
    ("audio-frontend-4s", audio),
    ("lstm-50x128", recurrent("LSTM")),
    ("gru-50x128", recurrent("GRU")),
    ("detection-nms-8400x80", detection_nms),
]
