#!/usr/bin/python3
"""contrib_families.py BIN WORK [--seeds N]: model families as ONNX Runtime's
transformer optimizer and quantizer write them (com.microsoft contrib ops),
each compiled by Tessera and compared with ONNX Runtime (which runs the ops
natively) on seeded inputs.

Families, each drawn with random sizes per seed:
  bert   EmbedLayerNormalization (with a padding mask, its mask_index feeding
         Attention), per layer Attention, SkipLayerNormalization with bias,
         FastGelu with bias -- an optimized BERT/RoBERTa encoder;
  gpt    LayerNormalization (the pre-17 contrib form), causal Attention,
         BiasGelu, SkipLayerNormalization -- an optimized GPT-2 block;
  llama  SimplifiedLayerNormalization, RotaryEmbedding on Q and K at given
         positions, causal MultiHeadAttention, SkipSimplifiedLayerNormalization
         with its residual-sum output, a SiLU-gated MLP -- an optimized
         decoder block (prefill, no cache);
  clip   QuickGelu, FusedMatMul (alpha, transB), MultiHeadAttention with a
         key padding mask -- a CLIP/ViT block as ORT fuses it;
  qcnn   QuantizeLinear, QLinearConv, QLinearAdd residual, QLinearSigmoid,
         QLinearMul, QLinearConcat, QLinearGlobalAveragePool,
         DequantizeLinear -- ORT's QOperator format of a small CNN;
  fconv  FusedConv chains (Relu, residual Z, Clip, LeakyRelu) -- ORT's
         optimized CNN graphs.

Floats: rtol 1e-3, atol 1e-4; quantized outputs (dequantized floats of
integers) must agree within one quantization step on at most 0.5% of the
elements and exactly elsewhere.
Prints one line per model; exits non-zero on the first mismatch.
"""
import argparse
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
F = TensorProto.FLOAT


class Graph:
    def __init__(self, rng):
        self.rng, self.nodes, self.inits, self.count = rng, [], [], 0

    def name(self, prefix):
        self.count += 1
        return "%s_%d" % (prefix, self.count)

    def weight(self, *shape, scale=None, value=None):
        n = self.name("w")
        if value is None:
            scale = scale if scale is not None else 1.0 / np.sqrt(shape[0])
            value = (self.rng.standard_normal(shape) * scale).astype(np.float32)
        self.inits.append(numpy_helper.from_array(np.asarray(value), n))
        return n

    def node(self, op, inputs, outputs=1, domain="", **attrs):
        outs = [self.name(op.lower()) for _ in range(outputs)] if isinstance(outputs, int) \
            else outputs
        self.nodes.append(helper.make_node(op, inputs, outs, name=self.name("n_" + op),
                                           domain=domain, **attrs))
        return outs[0] if len(outs) == 1 else outs

    def ms(self, op, inputs, outputs=1, **attrs):
        return self.node(op, inputs, outputs, domain="com.microsoft", **attrs)

    def save(self, path, inputs, outputs, opset=17):
        graph = helper.make_graph(
            self.nodes, "family",
            [helper.make_tensor_value_info(n, t, s) for n, t, s in inputs],
            [helper.make_tensor_value_info(n, t, None) for n, t in outputs], self.inits)
        model = helper.make_model(graph, opset_imports=[
            helper.make_opsetid("", opset), helper.make_opsetid("com.microsoft", 1)])
        model.ir_version = 8
        onnx.save(model, path)


def bert(rng, path):
    b, s, heads = int(rng.integers(1, 3)), int(rng.choice([16, 24, 37])), int(rng.choice([2, 4]))
    hidden, vocab, layers = heads * int(rng.choice([16, 24])), 97, int(rng.integers(1, 3))
    g = Graph(rng)
    emb, mask_index = g.ms("EmbedLayerNormalization",
                           ["ids", "segments", g.weight(vocab, hidden, scale=0.5),
                            g.weight(64, hidden, scale=0.5), g.weight(2, hidden, scale=0.5),
                            g.weight(hidden, scale=0.2, value=1 + 0.1 * rng.standard_normal(
                                hidden).astype(np.float32)),
                            g.weight(hidden, scale=0.1), "mask"], 2, epsilon=1e-12)
    x = emb
    for _ in range(layers):
        ctx = g.ms("Attention", [x, g.weight(hidden, 3 * hidden), g.weight(3 * hidden, scale=0.1),
                                 mask_index], num_heads=heads)
        proj = g.node("MatMul", [ctx, g.weight(hidden, hidden)])
        h1 = g.ms("SkipLayerNormalization", [proj, x, g.weight(hidden, scale=0.3),
                                             g.weight(hidden, scale=0.1),
                                             g.weight(hidden, scale=0.1)], epsilon=1e-12)
        ff = g.ms("FastGelu", [g.node("MatMul", [h1, g.weight(hidden, 4 * hidden)]),
                               g.weight(4 * hidden, scale=0.1)])
        out = g.node("MatMul", [ff, g.weight(4 * hidden, hidden)])
        x = g.ms("SkipLayerNormalization", [out, h1, g.weight(hidden, scale=0.3),
                                            g.weight(hidden, scale=0.1),
                                            g.weight(hidden, scale=0.1)], epsilon=1e-12)
    g.nodes.append(helper.make_node("Identity", [x], ["hidden"]))
    g.save(path, [("ids", TensorProto.INT32, [b, s]), ("segments", TensorProto.INT32, [b, s]),
                  ("mask", TensorProto.INT32, [b, s])], [("hidden", F)])
    lengths = rng.integers(1, s + 1, b)
    mask = (np.arange(s)[None, :] < lengths[:, None]).astype(np.int32)
    return {"ids": rng.integers(0, vocab, (b, s)).astype(np.int32),
            "segments": (np.arange(s)[None, :] >= s // 2).repeat(b, 0).astype(np.int32),
            "mask": mask}


def gpt(rng, path):
    b, s, heads = int(rng.integers(1, 3)), int(rng.choice([8, 19, 32])), int(rng.choice([2, 4]))
    hidden = heads * 16
    g = Graph(rng)
    ln = g.node("LayerNormalization", ["x", g.weight(hidden, scale=0.3),
                                       g.weight(hidden, scale=0.1)], epsilon=1e-5)
    attn = g.ms("Attention", [ln, g.weight(hidden, 3 * hidden), g.weight(3 * hidden, scale=0.1)],
                num_heads=heads, unidirectional=1)
    proj = g.node("MatMul", [attn, g.weight(hidden, hidden)])
    sum1, _, _, _ = g.ms("SkipLayerNormalization", [proj, "x", g.weight(hidden, scale=0.3),
                                           g.weight(hidden, scale=0.1)], [g.name("ln2"), "", "",
                                                                          "residual"])
    ff = g.ms("BiasGelu", [g.node("MatMul", [sum1, g.weight(hidden, 4 * hidden)]),
                           g.weight(4 * hidden, scale=0.1)])
    out = g.node("MatMul", [ff, g.weight(4 * hidden, hidden)])
    g.node("Add", [out, "residual"], ["y"])
    g.save(path, [("x", F, [b, s, hidden])], [("y", F)], opset=13)
    return {"x": rng.standard_normal((b, s, hidden)).astype(np.float32)}


def llama(rng, path):
    b, s, heads = int(rng.integers(1, 3)), int(rng.choice([7, 16, 30])), int(rng.choice([2, 4]))
    head = int(rng.choice([8, 16]))
    hidden, ffn = heads * head, heads * head * 3
    g = Graph(rng)
    norm = g.node("SimplifiedLayerNormalization", ["x", g.weight(hidden, scale=0.3)],
                  epsilon=1e-6)
    angles = (np.arange(64)[:, None] * 10000.0 ** (-np.arange(head // 2) / (head // 2)))
    cos, sin = g.weight(value=np.cos(angles).astype(np.float32)), \
        g.weight(value=np.sin(angles).astype(np.float32))
    q = g.ms("RotaryEmbedding", [g.node("MatMul", [norm, g.weight(hidden, hidden)]), "pos",
                                 cos, sin], num_heads=heads)
    k = g.ms("RotaryEmbedding", [g.node("MatMul", [norm, g.weight(hidden, hidden)]), "pos",
                                 cos, sin], num_heads=heads)
    v = g.node("MatMul", [norm, g.weight(hidden, hidden)])
    attn = g.ms("MultiHeadAttention", [q, k, v], num_heads=heads, unidirectional=1)
    o = g.node("MatMul", [attn, g.weight(hidden, hidden)])
    norm2, _, _, residual = g.ms("SkipSimplifiedLayerNormalization",
                                 [o, "x", g.weight(hidden, scale=0.3)],
                                 [g.name("n2"), "", "", g.name("res")], epsilon=1e-6)
    gate = g.node("MatMul", [norm2, g.weight(hidden, ffn)])
    silu = g.node("Mul", [gate, g.node("Sigmoid", [gate])])
    up = g.node("MatMul", [norm2, g.weight(hidden, ffn)])
    down = g.node("MatMul", [g.node("Mul", [silu, up]), g.weight(ffn, hidden)])
    g.node("Add", [down, residual], ["y"])
    g.save(path, [("x", F, [b, s, hidden]), ("pos", TensorProto.INT64, [b, s])], [("y", F)])
    start = rng.integers(0, 64 - s, (b, 1))
    return {"x": rng.standard_normal((b, s, hidden)).astype(np.float32),
            "pos": (start + np.arange(s)[None, :]).astype(np.int64)}


def clip(rng, path):
    b, s, heads = int(rng.integers(1, 3)), int(rng.choice([10, 17, 50])), int(rng.choice([2, 4]))
    hidden = heads * 16
    g = Graph(rng)
    ln = g.node("LayerNormalization", ["x", g.weight(hidden, scale=0.3),
                                       g.weight(hidden, scale=0.1)])
    q = g.ms("FusedMatMul", [ln, g.weight(hidden, hidden)], alpha=0.25)
    k = g.ms("FusedMatMul", [ln, g.weight(hidden, hidden)], transB=0)
    v = g.node("MatMul", [ln, g.weight(hidden, hidden)])
    attn = g.ms("MultiHeadAttention", [q, k, v, "", "padding"], num_heads=heads, scale=1.0)
    res = g.node("Add", ["x", g.node("MatMul", [attn, g.weight(hidden, hidden)])])
    ln2 = g.node("LayerNormalization", [res, g.weight(hidden, scale=0.3),
                                        g.weight(hidden, scale=0.1)])
    w_t = g.weight(4 * hidden, hidden)  # stored transposed, as ORT fuses a Transpose in
    act = g.ms("QuickGelu", [g.ms("FusedMatMul", [ln2, w_t], transB=1)])
    out = g.ms("FusedMatMul", [act, g.weight(4 * hidden, hidden)], alpha=0.5)
    g.node("Add", [res, out], ["y"])
    g.save(path, [("x", F, [b, s, hidden]), ("padding", TensorProto.INT32, [b, s])],
           [("y", F)])
    lengths = rng.integers(1, s + 1, b)
    return {"x": rng.standard_normal((b, s, hidden)).astype(np.float32),
            "padding": (np.arange(s)[None, :] < lengths[:, None]).astype(np.int32)}


def qcnn(rng, path):
    c, size = int(rng.choice([4, 8])), int(rng.choice([9, 16]))
    signed = bool(rng.integers(0, 2))
    qt, qd = (TensorProto.INT8, np.int8) if signed else (TensorProto.UINT8, np.uint8)
    g = Graph(rng)

    def qp(scale, zero):
        return [g.weight(value=np.float32(scale)), g.weight(value=qd(zero))]

    def zp():
        return int(rng.integers(-20, 20)) if signed else int(rng.integers(100, 150))

    x_q = qp(0.02, zp())
    xq = g.node("QuantizeLinear", ["x"] + x_q)

    def qconv(inp, in_q, cin, cout, kernel, out_q):
        w = rng.integers(-100, 100, (cout, cin, kernel, kernel)).astype(np.int8)
        ws = (0.002 + 0.002 * rng.random(cout)).astype(np.float32)
        bias = rng.integers(-2000, 2000, cout).astype(np.int32)
        return g.node("QLinearConv", [inp] + in_q + [g.weight(value=w), g.weight(value=ws),
                                                     g.weight(value=np.zeros(cout, np.int8))]
                      + out_q + [g.weight(value=bias)], pads=[kernel // 2] * 4)

    a_q, b_q, s_q, m_q, cat_q, pool_q = (qp(0.03, zp()), qp(0.03, zp()), qp(1 / 256.0, zp()),
                                        qp(0.01, zp()), qp(0.04, zp()), qp(0.02, zp()))
    a = qconv(xq, x_q, 3, c, 3, a_q)
    bq = qconv(a, a_q, c, c, 3, b_q)
    added = g.ms("QLinearAdd", [a] + a_q + [bq] + b_q + qp(0.05, zp()))
    added_q = [g.inits[-2].name, g.inits[-1].name]
    sig = g.ms("QLinearSigmoid", [added] + added_q + s_q)
    mul = g.ms("QLinearMul", [added] + added_q + [sig] + s_q + m_q)
    cat = g.ms("QLinearConcat", cat_q + [mul] + m_q + [bq] + b_q, axis=1)
    pool = g.ms("QLinearGlobalAveragePool", [cat] + cat_q + pool_q)
    g.node("DequantizeLinear", [pool] + pool_q, ["y"])
    g.node("DequantizeLinear", [cat] + cat_q, ["features"])
    g.save(path, [("x", F, [1, 3, size, size])], [("y", F), ("features", F)])
    return {"x": rng.standard_normal((1, 3, size, size)).astype(np.float32)}


def fconv(rng, path):
    c, size = int(rng.choice([8, 16])), int(rng.choice([14, 20]))
    g = Graph(rng)

    def fc(inp, cin, cout, extra=(), **attrs):
        return g.ms("FusedConv", [inp, g.weight(cout, cin, 3, 3, scale=0.3),
                                  g.weight(cout, scale=0.1)] + list(extra),
                    kernel_shape=[3, 3], pads=[1, 1, 1, 1], **attrs)

    a = fc("x", 3, c, activation="Relu")
    b = fc(a, c, c, activation="Clip", activation_params=[0.0, 6.0])
    r = fc(b, c, c, [a], activation="Relu")
    y = fc(r, c, c, activation="LeakyRelu", activation_params=[0.1], strides=[2, 2])
    g.nodes.append(helper.make_node("GlobalAveragePool", [y], ["y"]))
    g.save(path, [("x", F, [1, 3, size, size])], [("y", F)])
    return {"x": rng.standard_normal((1, 3, size, size)).astype(np.float32)}


FAMILIES = {"bert": bert, "gpt": gpt, "llama": llama, "clip": clip, "qcnn": qcnn,
            "fconv": fconv}


def check(bin_dir, work, family, seed):
    directory = os.path.join(work, "%s-%d" % (family, seed))
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "model.onnx")
    inputs = FAMILIES[family](np.random.default_rng(1000 * seed + len(family)), path)
    feeds, run_args = [], []
    for name, value in inputs.items():
        npy = os.path.join(directory, name + ".npy")
        np.save(npy, value)
        feeds.append("%s=%s" % (name, npy))
        run_args += ["--input", "%s=%s" % (name, npy)]
    oracle = os.path.join(directory, "ort")
    env = dict(os.environ, NODE_PATH=os.path.join(ROOT, ".deps", "npm", "node_modules"))
    ort = subprocess.run(["node", os.path.join(ROOT, "tools", "tessera-verify", "ort_oracle.js"),
                          path, oracle] + feeds, env=env, capture_output=True, text=True)
    if ort.returncode:
        sys.exit("%s-%d: ONNX Runtime failed: %s" % (family, seed, ort.stderr.strip()))
    prefix = os.path.join(directory, "out", "model")
    compiled = subprocess.run([os.path.join(bin_dir, "tessera-compile"), path, "-o", prefix],
                              capture_output=True, text=True)
    if compiled.returncode:
        sys.exit("%s-%d: %s" % (family, seed, compiled.stderr.strip()))
    got_dir = os.path.join(directory, "got")
    ran = subprocess.run([os.path.join(bin_dir, "tessera-run"), prefix + ".so", *run_args,
                          "--output-dir", got_dir], capture_output=True, text=True)
    if ran.returncode:
        sys.exit("%s-%d: tessera-run failed: %s" % (family, seed, ran.stderr.strip()))
    graph = onnx.load(path).graph
    ok, lines = True, []
    for index, output in enumerate(graph.output):
        expected = np.load(os.path.join(oracle, "%d.npy" % index))
        got = np.load(os.path.join(got_dir, "%d.npy" % index))
        if got.shape != expected.shape:
            sys.exit("%s-%d: output %s has shape %s, expected %s" % (
                family, seed, output.name, got.shape, expected.shape))
        err = np.abs(got.astype(np.float64) - expected)
        if family == "qcnn":
            # The dequantizing node's scale: one quantization step.
            dq = next(n for n in graph.node if output.name in n.output)
            step = float(numpy_helper.to_array(
                next(i for i in graph.initializer if i.name == dq.input[1])))
            off = err > 1e-6
            good = err.max() <= step * 1.001 and off.mean() <= 0.005
            detail = "%d of %d one step (%g) apart" % (off.sum(), err.size, step)
        else:
            good = bool(np.all(err <= 1e-4 + 1e-3 * np.abs(expected)))
            detail = "max abs error %.2e" % err.max()
        ok &= good
        lines.append("%s %s: %s %s" % (output.name, "x".join(map(str, got.shape)),
                                       "match" if good else "MISMATCH", detail))
    print("%s-%d %s" % (family, seed, "; ".join(lines)))
    return ok


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bin")
    parser.add_argument("work")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--families", default=",".join(FAMILIES))
    args = parser.parse_args()
    ok = True
    for family in args.families.split(","):
        for seed in range(args.seeds):
            ok &= check(args.bin, args.work, family, seed)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
