"""Convolutional model families as PyTorch exports them (opset 18), for
tests and benchmarks:

- backbone: a mobile image backbone: stem Conv + HardSwish, inverted
  residual blocks (1x1 expand, Clip(0, 6) with min/max as inputs, depthwise
  3x3, squeeze-excitation as GlobalAveragePool + 1x1 Convs + Relu +
  HardSigmoid + Mul, 1x1 project, residual Add), MaxPool and AveragePool in
  ceil mode, GlobalAveragePool + Flatten + Concat + Gemm(transB) + Softmax;
- audio: a 1-D front end: Conv1d (kernel 80, stride 16, padded), Relu,
  MaxPool1d (ceil mode), Conv1d, Tanh, AvgPool1d (padded).

  backbone(rng, size, channels) / audio(rng, length) -> (nodes, inputs,
  outputs, initializers, opset)
"""
import numpy as np
from onnx import TensorProto, helper, numpy_helper

F = TensorProto.FLOAT


def _weights(rng):
    def w(name, *shape, scale=0.2):
        return numpy_helper.from_array(
            (rng.standard_normal(shape) * scale).astype(np.float32), name)
    return w




def backbone(rng, size, channels, batch=2):
    """(nodes, inputs, outputs, initializers, opset) of the image model."""
    w = _weights(rng)
    inits, nodes = [], []
    c = channels
    inits += [w("w0", c, 3, 3, 3), w("b0", c, scale=0.1),
              numpy_helper.from_array(np.float32(0), "zero"),
              numpy_helper.from_array(np.float32(6), "six")]
    nodes += [helper.make_node("Conv", ["x", "w0", "b0"], ["s"], kernel_shape=[3, 3],
                               strides=[2, 2], pads=[1, 1, 1, 1]),
              helper.make_node("HardSwish", ["s"], ["h0"])]
    prev = "h0"
    for i, (expand, stride) in enumerate([(3, 1), (4, 2), (2, 1)]):
        e = c * expand
        inits += [w(f"we{i}", e, c, 1, 1), w(f"be{i}", e, scale=0.1),
                  w(f"wd{i}", e, 1, 3, 3), w(f"bd{i}", e, scale=0.1),
                  w(f"ws{i}", max(e // 4, 1), e, 1, 1), w(f"bs{i}", max(e // 4, 1), scale=0.1),
                  w(f"wx{i}", e, max(e // 4, 1), 1, 1), w(f"bx{i}", e, scale=0.1),
                  w(f"wp{i}", c, e, 1, 1), w(f"bp{i}", c, scale=0.1)]
        nodes += [
            helper.make_node("Conv", [prev, f"we{i}", f"be{i}"], [f"e{i}"], kernel_shape=[1, 1]),
            helper.make_node("Clip", [f"e{i}", "zero", "six"], [f"r{i}"]),
            helper.make_node("Conv", [f"r{i}", f"wd{i}", f"bd{i}"], [f"d{i}"], kernel_shape=[3, 3],
                             strides=[stride, stride], pads=[1, 1, 1, 1], group=e),
            helper.make_node("HardSwish", [f"d{i}"], [f"dh{i}"]),
            helper.make_node("GlobalAveragePool", [f"dh{i}"], [f"g{i}"]),
            helper.make_node("Conv", [f"g{i}", f"ws{i}", f"bs{i}"], [f"q{i}"], kernel_shape=[1, 1]),
            helper.make_node("Relu", [f"q{i}"], [f"qr{i}"]),
            helper.make_node("Conv", [f"qr{i}", f"wx{i}", f"bx{i}"], [f"x{i}"], kernel_shape=[1, 1]),
            helper.make_node("HardSigmoid", [f"x{i}"], [f"hs{i}"], alpha=1 / 6, beta=0.5),
            helper.make_node("Mul", [f"dh{i}", f"hs{i}"], [f"se{i}"]),
            helper.make_node("Conv", [f"se{i}", f"wp{i}", f"bp{i}"], [f"p{i}"], kernel_shape=[1, 1])]
        if stride == 1:
            nodes.append(helper.make_node("Add", [f"p{i}", prev], [f"o{i}"]))
            prev = f"o{i}"
        else:
            prev = f"p{i}"
    inits += [w("wh", 10, c * 4)]
    nodes += [
        helper.make_node("MaxPool", [prev], ["m"], kernel_shape=[3, 3], strides=[2, 2],
                         pads=[1, 1, 1, 1], ceil_mode=1),
        helper.make_node("AveragePool", ["m"], ["a"], kernel_shape=[2, 2], strides=[2, 2],
                         ceil_mode=1),
        helper.make_node("GlobalAveragePool", ["a"], ["ga"]),
        helper.make_node("Flatten", ["ga"], ["f"]),
        helper.make_node("Concat", ["f", "f", "f", "f"], ["f4"], axis=1),
        helper.make_node("Gemm", ["f4", "wh"], ["logits"], transB=1),
        helper.make_node("Softmax", ["logits"], ["y"], axis=-1)]
    x = rng.standard_normal((batch, 3, size, size)).astype(np.float32)
    return nodes, [("x", x)], [("y", F)], inits, 18


def audio(rng, length):
    """(nodes, inputs, outputs, initializers, opset) of the 1-D front end."""
    w = _weights(rng)
    inits = [w("w1", 16, 1, 80), w("b1", 16, scale=0.1), w("w2", 32, 16, 5), w("b2", 32, scale=0.1)]
    nodes = [helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], kernel_shape=[80], strides=[16],
                              pads=[40, 40]),
             helper.make_node("Relu", ["c1"], ["r1"]),
             helper.make_node("MaxPool", ["r1"], ["m1"], kernel_shape=[4], strides=[4], ceil_mode=1),
             helper.make_node("Conv", ["m1", "w2", "b2"], ["c2"], kernel_shape=[5], pads=[2, 2]),
             helper.make_node("Tanh", ["c2"], ["t2"]),
             helper.make_node("AveragePool", ["t2"], ["y"], kernel_shape=[3], strides=[2],
                              pads=[1, 1])]
    x = rng.standard_normal((1, 1, length)).astype(np.float32)
    return nodes, [("x", x)], [("y", F)], inits, 18
