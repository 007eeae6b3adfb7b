#!/usr/bin/python3
"""Float models and their sample inputs for post-training quantization
tests (check_ptq.py): how exporters spell the layers int8 targets.

  cnn          PyTorch-style classifier: Conv + BatchNormalization + Relu,
               a strided conv, a depthwise conv, a 1x1 conv with a residual
               Add, MaxPool, Clip(0, 6), GlobalAveragePool, Flatten, Gemm
               (transB) and Softmax. One input, images.
  transformer  An encoder block as tf2onnx and PyTorch write it: two inputs
               (x, memory), LayerNormalization, MatMul + Add projections,
               a scaled dot-product attention over both activations
               (MatMul, Transpose, Softmax, MatMul), Gelu spelled with Erf,
               residual Adds.

write(case, path, rng) saves the model; inputs(case, count, rng) returns
`count` input sets, each a dict name -> array.
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def _init(name, array):
    return numpy_helper.from_array(np.asarray(array, dtype=np.float32), name)


def cnn(rng):
    nodes, inits = [], []

    def conv(x, out, cin, cout, k, stride=1, group=1, bn=True, relu=True, name=None):
        w = rng.normal(0, np.sqrt(2.0 / (cin // group * k * k)),
                       (cout, cin // group, k, k))
        inits.append(_init(out + "_w", w))
        inputs = [x, out + "_w"]
        if not bn:
            inits.append(_init(out + "_b", rng.normal(0, 0.1, cout)))
            inputs.append(out + "_b")
        y = out + ("_c" if bn or relu else "")
        nodes.append(helper.make_node("Conv", inputs, [y], name=name or out + "_conv",
                                      kernel_shape=[k, k], strides=[stride, stride],
                                      pads=[k // 2] * 4, group=group))
        if bn:
            for p, v in (("s", rng.uniform(0.5, 1.5, cout)), ("b", rng.normal(0, 0.2, cout)),
                         ("m", rng.normal(0, 0.2, cout)), ("v", rng.uniform(0.5, 2, cout))):
                inits.append(_init(out + "_" + p, v))
            z = out + ("_n" if relu else "")
            nodes.append(helper.make_node("BatchNormalization",
                                          [y, out + "_s", out + "_b", out + "_m", out + "_v"],
                                          [z], name=out + "_bn", epsilon=1e-5))
            y = z
        if relu:
            nodes.append(helper.make_node("Relu", [y], [out], name=out + "_relu"))
            y = out
        return y

    a = conv("x", "a", 3, 16, 3)
    b = conv(a, "b", 16, 32, 3, stride=2)
    c = conv(b, "c", 32, 32, 3, group=32)
    d = conv(c, "d", 32, 32, 1, bn=False, relu=False)
    nodes.append(helper.make_node("Add", [d, b], ["e"], name="residual"))
    nodes.append(helper.make_node("MaxPool", ["e"], ["f"], name="pool",
                                  kernel_shape=[2, 2], strides=[2, 2]))
    inits += [_init("zero", 0.0), _init("six", 6.0)]
    nodes.append(helper.make_node("Clip", ["f", "zero", "six"], ["g"], name="relu6"))
    h = conv("g", "h", 32, 48, 3)
    nodes.append(helper.make_node("GlobalAveragePool", [h], ["i"], name="gap"))
    nodes.append(helper.make_node("Flatten", ["i"], ["j"], name="flatten"))
    inits += [_init("fc_w", rng.normal(0, 0.4, (10, 48))), _init("fc_b", rng.normal(0, 0.1, 10))]
    nodes.append(helper.make_node("Gemm", ["j", "fc_w", "fc_b"], ["k"], name="fc", transB=1))
    nodes.append(helper.make_node("Softmax", ["k"], ["y"], name="softmax", axis=1))
    graph = helper.make_graph(
        nodes, "cnn", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 24, 24])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])], inits)
    return graph


def transformer(rng):
    nodes, inits = [], []
    d, f = 32, 64

    def linear(x, out, cin, cout):
        inits.append(_init(out + "_w", rng.normal(0, 1 / np.sqrt(cin), (cin, cout))))
        inits.append(_init(out + "_b", rng.normal(0, 0.05, cout)))
        nodes.append(helper.make_node("MatMul", [x, out + "_w"], [out + "_m"], name=out))
        nodes.append(helper.make_node("Add", [out + "_m", out + "_b"], [out], name=out + "_add"))
        return out

    inits += [_init("ln_s", rng.uniform(0.8, 1.2, d)), _init("ln_b", rng.normal(0, 0.1, d))]
    nodes.append(helper.make_node("LayerNormalization", ["x", "ln_s", "ln_b"], ["xn"],
                                  name="ln", axis=-1, epsilon=1e-5))
    q = linear("xn", "q", d, d)
    k = linear("memory", "k", d, d)
    v = linear("memory", "v", d, d)
    nodes.append(helper.make_node("Transpose", [k], ["kt"], name="kt", perm=[0, 2, 1]))
    nodes.append(helper.make_node("MatMul", [q, "kt"], ["s"], name="scores"))
    inits.append(_init("scale", 1 / np.sqrt(d)))
    nodes.append(helper.make_node("Mul", ["s", "scale"], ["ss"], name="scale_mul"))
    nodes.append(helper.make_node("Softmax", ["ss"], ["p"], name="softmax", axis=-1))
    nodes.append(helper.make_node("MatMul", ["p", v], ["att"], name="context"))
    o = linear("att", "o", d, d)
    nodes.append(helper.make_node("Add", ["x", o], ["r"], name="residual1"))
    h = linear("r", "ff1", d, f)
    # Gelu as PyTorch exports it: x * 0.5 * (1 + erf(x / sqrt(2))).
    inits += [_init("sqrt2", np.sqrt(2.0)), _init("one", 1.0), _init("half", 0.5)]
    nodes += [helper.make_node("Div", [h, "sqrt2"], ["g1"], name="gelu_div"),
              helper.make_node("Erf", ["g1"], ["g2"], name="gelu_erf"),
              helper.make_node("Add", ["g2", "one"], ["g3"], name="gelu_add"),
              helper.make_node("Mul", [h, "g3"], ["g4"], name="gelu_mul"),
              helper.make_node("Mul", ["g4", "half"], ["g"], name="gelu_half")]
    o2 = linear("g", "ff2", f, d)
    nodes.append(helper.make_node("Add", ["r", o2], ["y"], name="residual2"))
    shape = [2, 16, d]
    graph = helper.make_graph(
        nodes, "transformer",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape),
         helper.make_tensor_value_info("memory", TensorProto.FLOAT, [2, 12, d])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)], inits)
    return graph


CASES = {"cnn": cnn, "transformer": transformer}


def write(case, path, rng):
    model = helper.make_model(CASES[case](rng), opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="ptq_models.py")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


def inputs(case, count, rng):
    sets = []
    for _ in range(count):
        if case == "cnn":
            # Smooth images: a few gratings plus noise, in [-1, 1]-ish.
            yy, xx = np.mgrid[0:24, 0:24] / 24.0
            image = np.zeros((1, 3, 24, 24))
            for c in range(3):
                for _ in range(3):
                    fx, fy, phase = rng.uniform(0.5, 4, 2).tolist() + [rng.uniform(0, 6.3)]
                    image[0, c] += np.sin(2 * np.pi * (fx * xx + fy * yy) + phase) / 3
            image += rng.normal(0, 0.1, image.shape)
            sets.append({"x": image.astype(np.float32)})
        else:
            sets.append({"x": rng.normal(0, 1, (2, 16, 32)).astype(np.float32),
                         "memory": rng.normal(0, 1, (2, 12, 32)).astype(np.float32)})
    return sets
