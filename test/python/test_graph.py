#!/usr/bin/python3
"""tessera.Graph: build an MLP and a small CNN, compile, compare with numpy;
the builder produces the importer's IR; every misuse raises at the call."""
import os
import tempfile
import unittest

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

import tessera

RNG = np.random.default_rng(1234)


def rand(*shape, scale=1.0):
    return (RNG.standard_normal(shape) * scale).astype(np.float32)


def conv2d(x, w, b, stride, pad):
    n, c, h, wd = x.shape
    m, cg, kh, kw = w.shape
    groups = c // cg
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = (h + 2 * pad - kh) // stride + 1, (wd + 2 * pad - kw) // stride + 1
    y = np.zeros((n, m, oh, ow))
    mg = m // groups
    for g in range(groups):
        for i in range(kh):
            for j in range(kw):
                patch = xp[:, g * cg:(g + 1) * cg, i:i + stride * oh:stride, j:j + stride * ow:stride]
                y[:, g * mg:(g + 1) * mg] += np.einsum("nchw,mc->nmhw", patch, w[g * mg:(g + 1) * mg, :, i, j])
    return y + b.reshape(1, -1, 1, 1)


class Mlp(unittest.TestCase):
    def test_mlp_matches_numpy(self):
        w1, b1, w2, b2 = rand(16, 32, scale=0.3), rand(32), rand(32, 10, scale=0.3), rand(10)
        g = tessera.Graph("mlp")
        x = g.input("x", (4, 16))
        h = g.relu(g.add(g.matmul(x, g.constant(w1)), g.constant(b1)))
        y = g.softmax(g.add(g.matmul(h, g.constant(w2)), g.constant(b2)), axis=-1)
        self.assertEqual(y.shape, (4, 10))
        self.assertEqual(y.dtype, "float32")
        g.output(y, "probabilities")
        module = tessera.compile(g, opt_level=2)
        self.assertEqual(module.inputs, [("x", (4, 16), "float32")])
        self.assertEqual(module.outputs, [("probabilities", (4, 10), "float32")])
        data = rand(4, 16)
        got = module(data)
        logits = np.maximum(data @ w1 + b1, 0) @ w2 + b2
        want = np.exp(logits - logits.max(1, keepdims=True))
        want /= want.sum(1, keepdims=True)
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(module(x=data), got, rtol=0, atol=0)

    def test_profile_names_kernels_after_their_nodes(self):
        w1, b1 = rand(64, 128, scale=0.1), rand(128)
        g = tessera.Graph("mlp")
        x = g.input("x", (32, 64))
        g.output(g.relu(g.add(g.matmul(x, g.constant(w1)), g.constant(b1))), "y")
        module = tessera.compile(g, threads=1, profile=True)
        data = rand(32, 64)
        np.testing.assert_allclose(module(data), np.maximum(data @ w1 + b1, 0), rtol=1e-4, atol=1e-5)
        module.reset_profile()
        for _ in range(3):
            module(data)
        kernels = module.profile()
        self.assertTrue(kernels)
        self.assertTrue(all(k["calls"] == 3 for k in kernels), kernels)
        self.assertTrue(all(k["min_seconds"] <= k["max_seconds"] for k in kernels), kernels)
        matmuls = [k for k in kernels if k["kind"] == "tk.matmul"]
        self.assertEqual(len(matmuls), 1, kernels)
        self.assertEqual(matmuls[0]["flops"], 2 * 32 * 64 * 128)
        self.assertIn("matmul", matmuls[0]["name"])
        with tempfile.TemporaryDirectory() as d:
            module.write_trace(os.path.join(d, "t.json"))
            self.assertTrue(os.path.getsize(os.path.join(d, "t.json")) > 0)
        with self.assertRaises(tessera.Error):
            tessera.compile(g, threads=1).profile()

    def test_threads_give_the_same_result(self):
        # Large enough for the thread pool: the kernels split across threads.
        w, b = rand(256, 512, scale=0.1), rand(512)
        g = tessera.Graph("wide")
        x = g.input("x", (128, 256))
        g.output(g.relu(g.add(g.matmul(x, g.constant(w)), g.constant(b))), "y")
        data = rand(128, 256)
        want = np.maximum(data.astype(np.float64) @ w + b, 0)
        results = []
        for threads in (1, 2, 3):
            module = tessera.compile(g, opt_level=2, threads=threads)
            self.assertEqual(module.threads, threads)
            results.append(module(data))
            np.testing.assert_allclose(results[-1], want, rtol=1e-4, atol=1e-4)
        # Each output element is computed the same way whatever the split.
        np.testing.assert_array_equal(results[0], results[1])
        np.testing.assert_array_equal(results[0], results[2])
        self.assertGreaterEqual(tessera.compile(g).threads, 1)
        with self.assertRaisesRegex(tessera.Error, "threads must be 0"):
            tessera.compile(g, threads=-1)

    def test_multiple_outputs_and_integers(self):
        g = tessera.Graph("multi")
        a = g.input("a", (2, 3), "int64")
        b = g.input("b", (3,), "int64")
        g.output(g.add(a, b), "sum")
        g.output(g.greater(a, b), "greater")
        g.output(g.reduce_max(g.cast(a, "float32"), axes=[1], keepdims=False), "rowmax")
        m = tessera.compile(g)
        av = np.array([[1, 5, -2], [7, 0, 3]], np.int64)
        bv = np.array([2, 2, 2], np.int64)
        total, greater, rowmax = m(av, bv)
        np.testing.assert_array_equal(total, av + bv)
        np.testing.assert_array_equal(greater, av > bv)
        self.assertEqual(greater.dtype, np.bool_)
        np.testing.assert_array_equal(rowmax, np.array([5, 7], np.float32))


class SharedModule(unittest.TestCase):
    def test_one_module_from_many_threads(self):
        # Every call gets its own inputs; calls from 8 Python threads on one
        # compiled module share its session (and workspace, which holds the
        # hidden layer), so they must take turns: every one of the 8 x 30
        # results is checked. Each run takes about a millisecond, so
        # unserialized runs overlap and overwrite each other's hidden layer.
        import threading
        w1, w2 = rand(512, 1024, scale=0.05), rand(1024, 64, scale=0.05)
        g = tessera.Graph("shared")
        x = g.input("x", (64, 512))
        h = g.relu(g.matmul(x, g.constant(w1)))
        g.output(g.sigmoid(g.matmul(h, g.constant(w2))), "y")
        module = tessera.compile(g)
        wrong, errors = [], []

        def work(seed):
            rng = np.random.default_rng(seed)
            try:
                for _ in range(30):
                    data = rng.standard_normal((64, 512)).astype(np.float32)
                    got = module(data)
                    want = 1 / (1 + np.exp(-(np.maximum(data @ w1, 0) @ w2)))
                    if not np.allclose(got, want, rtol=1e-4, atol=1e-5):
                        wrong.append(seed)
            except Exception as error:  # reported below, not swallowed
                errors.append(repr(error))

        threads = [threading.Thread(target=work, args=(seed,)) for seed in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(wrong, [])


class Cnn(unittest.TestCase):
    def test_small_cnn_matches_numpy(self):
        w1, b1 = rand(8, 3, 3, 3, scale=0.3), rand(8)
        wd, bd = rand(8, 1, 3, 3, scale=0.3), rand(8)
        wf, bf = rand(8, 5, scale=0.3), rand(5)
        g = tessera.Graph("cnn")
        x = g.input("image", (2, 3, 16, 16))
        y = g.conv(x, g.constant(w1), g.constant(b1), strides=[2, 2], pads=[1, 1, 1, 1])
        y = g.clip(y, min=0.0, max=6.0)
        y = g.conv(y, g.constant(wd), g.constant(bd), pads=[1, 1, 1, 1], group=8)
        y = g.hard_swish(y)
        y = g.max_pool(y, kernel_shape=[2, 2], strides=[2, 2])
        y = g.flatten(g.global_avg_pool(y), axis=1)
        y = g.add(g.matmul(y, g.constant(wf)), g.constant(bf))
        g.output(y, "logits")
        data = rand(2, 3, 16, 16)
        got = tessera.compile(g)(data)

        r = np.clip(conv2d(data.astype(np.float64), w1, b1, 2, 1), 0, 6)
        r = conv2d(r, wd, bd, 1, 1)
        r = r * np.clip(r / 6 + 0.5, 0, 1)
        n, c, h, w = r.shape
        r = r.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5)).mean(axis=(2, 3))
        want = r @ wf + bf
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


class SameAsImporter(unittest.TestCase):
    def test_builder_and_importer_agree(self):
        w = rand(4, 3)
        b = rand(3)
        graph = helper.make_graph(
            [helper.make_node("MatMul", ["x", "w"], ["m"]),
             helper.make_node("Add", ["m", "b"], ["s"]),
             helper.make_node("Sigmoid", ["s"], ["y"])],
            "same", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])],
            [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
        model.ir_version = 8
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "same.onnx")
            onnx.save(model, path)
            imported = tessera.import_onnx(path).to_mlir()
        g = tessera.Graph("same")
        x = g.input("x", (2, 4))
        g.output(g.sigmoid(g.add(g.matmul(x, g.constant(w)), g.constant(b))), "y")
        built = g.to_mlir()
        self.assertEqual(built, imported)


class Errors(unittest.TestCase):
    def setUp(self):
        self.g = tessera.Graph("errors")
        self.x = self.g.input("x", (2, 3))

    def assertRaisesMessage(self, exception, text, fn, *args, **kwargs):
        with self.assertRaises(exception) as caught:
            fn(*args, **kwargs)
        self.assertIn(text, str(caught.exception))

    def test_builder_calls_raise(self):
        g, x = self.g, self.x
        self.assertRaisesMessage(tessera.Error, "not broadcast-compatible", g.add, x,
                                 g.constant(np.ones(4, np.float32)))
        self.assertRaisesMessage(tessera.Error, "contraction dimensions differ", g.matmul, x, x)
        self.assertRaisesMessage(tessera.Error, "axis 5 is out of range", g.softmax, x, 5)
        self.assertRaisesMessage(tessera.Error, "input 'x' is defined twice", g.input, "x", (1,))
        self.assertRaisesMessage(tessera.Error, "would hold more than 2^48 bytes", g.input,
                                 "huge", (1 << 31, 1 << 31))
        self.assertRaisesMessage(tessera.Error, "unsupported dtype 'complex64'", g.input, "z", (1,),
                                 np.complex64)
        self.assertRaisesMessage(tessera.Error, "cannot infer the -1", g.reshape, x, [4, -1])
        self.assertRaisesMessage(tessera.Error, "unknown mode 'mirror'", g.pad, x, [0, 0, 1, 1],
                                 "mirror")
        self.assertRaisesMessage(tessera.Error, "add up to", g.split, x, 1, [1, 1])
        other = tessera.Graph("other").input("y", (2, 3))
        self.assertRaisesMessage(tessera.Error, "belongs to another graph", g.relu, other)
        # The graph stays usable after an error.
        g.output(g.relu(x), "y")
        self.assertIn("tg.relu", g.to_mlir())

    def test_compile_and_call_raise(self):
        self.assertRaisesMessage(tessera.Error, "the graph has no outputs", tessera.compile, self.g)
        self.g.output(self.g.exp(self.x), "y")
        self.assertRaisesMessage(tessera.Error, "opt_level must be 0 to 3", tessera.compile,
                                 self.g, opt_level=7)
        self.assertRaisesMessage(TypeError, "takes a tessera.Graph or the path of an ONNX model",
                                 tessera.compile, 42)
        self.assertRaisesMessage(tessera.Error, "model.onnx: cannot open file", tessera.compile,
                                 "model.onnx")
        m = tessera.compile(self.g)
        self.assertRaisesMessage(TypeError, "has dtype float64", m, np.ones((2, 3)))
        self.assertRaisesMessage(ValueError, "has shape (3, 2), the model expects (2, 3)", m,
                                 np.ones((3, 2), np.float32))
        self.assertRaisesMessage(TypeError, "input 'x' is not given", m)
        self.assertRaisesMessage(TypeError, "has no input 'q'", m, q=np.ones((2, 3), np.float32))
        self.assertRaisesMessage(TypeError, "given twice", m, np.ones((2, 3), np.float32),
                                 x=np.ones((2, 3), np.float32))

    def test_index_out_of_range_raises(self):
        g = tessera.Graph("lookup")
        table = g.input("table", (5, 2))
        ids = g.input("ids", (3,), "int64")
        g.output(g.gather(table, ids, axis=0), "rows")
        m = tessera.compile(g)
        t = np.arange(10, dtype=np.float32).reshape(5, 2)
        np.testing.assert_array_equal(m(t, np.array([4, -5, 2], np.int64)), t[[4, 0, 2]])
        for bad in (5, -6, 1 << 40):
            self.assertRaisesMessage(tessera.Error, "index out of range", m, t,
                                     np.array([0, bad, 1], np.int64))
        # The module stays usable after a failed run.
        np.testing.assert_array_equal(m(t, np.array([1, 1, 3], np.int64)), t[[1, 1, 3]])

    def test_import_errors_raise(self):
        self.assertRaisesMessage(tessera.Error, "cannot open file", tessera.import_onnx,
                                 "/nonexistent/model.onnx")


if __name__ == "__main__":
    unittest.main()
