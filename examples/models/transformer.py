"""Transformer encoders as the common exporters spell them, for tests and
benchmarks: per layer Q/K/V projections (MatMul + Add), heads split by
Reshape (one with a literal shape, one with 0 for "keep", one through
Shape -> Gather -> Unsqueeze -> Concat as PyTorch exports it) and
Transpose, Q x K^T (K transposed by its own Transpose), a scale (Div), an
additive mask, Softmax, P x V, heads merged (Transpose + Reshape), the output
projection, residual adds, LayerNormalization, and a feed-forward block with
Erf-GELU (or Tanh-GELU).

  encoder(rng, layers, seq, hidden, heads, ffn) -> (nodes, inputs, outputs,
  initializers, opset)
"""
import numpy as np
from onnx import TensorProto, helper, numpy_helper

F = TensorProto.FLOAT


def encoder(rng, layers, seq, hidden, heads, ffn, batch=1, gelu="erf"):
    d = hidden // heads
    nodes, inits = [], []

    def const(name, value):
        inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def weight(name, *shape, scale=None):
        scale = scale or 1.0 / np.sqrt(shape[0])
        return const(name, (rng.standard_normal(shape) * scale).astype(np.float32))

    def node(op, inputs, name, **attrs):
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def linear(x, p, k, n):
        m = node("MatMul", [x, weight(p + ".w", k, n)], p + ".mm")
        return node("Add", [m, weight(p + ".b", n, scale=0.1)], p + ".out")

    def split_heads(x, p, spelling):
        if spelling == "literal":
            shape = const(p + ".shape", np.array([batch, seq, heads, d], np.int64))
        elif spelling == "zeros":
            shape = const(p + ".shape", np.array([0, 0, heads, d], np.int64))
        else:  # Shape -> Gather -> Unsqueeze -> Concat
            s = node("Shape", [x], p + ".s")
            dims = []
            for i in (0, 1):
                g = node("Gather", [s, const(p + ".i%d" % i, np.array(i, np.int64))],
                         p + ".g%d" % i, axis=0)
                dims.append(node("Unsqueeze", [g, const(p + ".ax%d" % i,
                                                        np.array([0], np.int64))],
                                 p + ".u%d" % i))
            dims += [const(p + ".h", np.array([heads], np.int64)),
                     const(p + ".d", np.array([d], np.int64))]
            shape = node("Concat", dims, p + ".shape", axis=0)
        return node("Reshape", [x, shape], p + ".heads")

    def layer_norm(x, p):
        return node("LayerNormalization",
                    [x, weight(p + ".g", hidden, scale=1.0), weight(p + ".beta", hidden,
                                                                    scale=0.1)],
                    p + ".out", axis=-1, epsilon=1e-5)

    x = "x"
    scale = const("scale", np.array(np.sqrt(d), np.float32))
    for l in range(layers):
        p = "layer%d" % l
        q = split_heads(linear(x, p + ".q", hidden, hidden), p + ".q", "literal")
        k = split_heads(linear(x, p + ".k", hidden, hidden), p + ".k", "shape")
        v = split_heads(linear(x, p + ".v", hidden, hidden), p + ".v", "zeros")
        q = node("Transpose", [q], p + ".qt", perm=[0, 2, 1, 3])
        k = node("Transpose", [k], p + ".kt", perm=[0, 2, 1, 3])
        k = node("Transpose", [k], p + ".ktt", perm=[0, 1, 3, 2])
        v = node("Transpose", [v], p + ".vt", perm=[0, 2, 1, 3])
        s = node("MatMul", [q, k], p + ".scores")
        s = node("Div", [s, scale], p + ".scaled")
        s = node("Add", [s, "mask"], p + ".masked")
        s = node("Softmax", [s], p + ".probs", axis=-1)
        c = node("MatMul", [s, v], p + ".context")
        c = node("Transpose", [c], p + ".ct", perm=[0, 2, 1, 3])
        c = node("Reshape", [c, const(p + ".merge", np.array([batch, seq, hidden],
                                                                np.int64))], p + ".merged")
        o = linear(c, p + ".o", hidden, hidden)
        x = layer_norm(node("Add", [o, x], p + ".res1"), p + ".ln1")
        h = linear(x, p + ".f1", hidden, ffn)
        if gelu == "erf":
            e = node("Erf", [node("Div", [h, const(p + ".sqrt2", np.array(np.sqrt(2.0),
                                                                        np.float32))],
                                  p + ".hs")], p + ".erf")
            e = node("Add", [e, const(p + ".one", np.array(1.0, np.float32))], p + ".erf1")
            h = node("Mul", [node("Mul", [h, e], p + ".he"),
                             const(p + ".half", np.array(0.5, np.float32))], p + ".gelu")
        else:
            cube = node("Mul", [node("Mul", [h, h], p + ".h2"), h], p + ".h3")
            inner = node("Add", [h, node("Mul", [cube, const(p + ".c", np.array(
                0.044715, np.float32))], p + ".hc")], p + ".hi")
            t = node("Tanh", [node("Mul", [inner, const(p + ".k", np.array(
                np.sqrt(2 / np.pi), np.float32))], p + ".hk")], p + ".tanh")
            t = node("Add", [t, const(p + ".one", np.array(1.0, np.float32))], p + ".t1")
            h = node("Mul", [node("Mul", [h, t], p + ".ht"),
                             const(p + ".half", np.array(0.5, np.float32))], p + ".gelu")
        f = linear(h, p + ".f2", ffn, hidden)
        x = layer_norm(node("Add", [f, x], p + ".res2"), p + ".ln2")
    nodes.append(helper.make_node("Identity", [x], ["y"], name="y"))
    mask = np.zeros((batch, 1, 1, seq), np.float32)
    mask[..., seq - seq // 4:] = -10000.0  # padded positions
    inputs = [("x", rng.standard_normal((batch, seq, hidden)).astype(np.float32)),
              ("mask", mask)]
    return nodes, inputs, [("y", F)], inits, 18
