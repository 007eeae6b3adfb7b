#!/usr/bin/python3
"""What a new Python user meets: docstrings and argument names on every
method, Tensor operators with Python scalars, compile() from an ONNX path,
load() of a saved artifact, verbose stage timing, -O defaults shared with
the CLI, and errors raised without anything printed to stderr."""
import inspect
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

import tessera

RNG = np.random.default_rng(11)


def mlp_model(path):
    w = RNG.standard_normal((4, 3)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["h"], name="mm"),
         helper.make_node("Relu", ["h"], ["y"], name="relu")],
        "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3])],
        initializer=[numpy_helper.from_array(w, "w")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, path)
    return w


class Docs(unittest.TestCase):
    def test_every_method_has_a_docstring_and_named_arguments(self):
        public = [tessera.compile, tessera.load, tessera.import_onnx, tessera.load_plugin]
        for cls in (tessera.Graph, tessera.Tensor, tessera.Module):
            for name, member in vars(cls).items():
                if name.startswith("_") and name != "__call__":
                    continue
                if callable(member) or isinstance(member, property):
                    public.append(member)
        self.assertGreater(len(public), 60)
        for member in public:
            doc = (member.fget if isinstance(member, property) else member).__doc__ or ""
            # pybind11 puts the signature first; the description must follow.
            description = "\n".join(line for line in doc.splitlines()
                                    if "(self: " not in line and "->" not in line[:2])
            self.assertTrue(description.strip(), "no docstring: %r" % member)
            if not isinstance(member, property):  # a getter's self is unnamed
                self.assertNotIn("arg0", doc, "unnamed argument: %s" % doc.splitlines()[0])


class Operators(unittest.TestCase):
    def test_operators_and_python_scalars(self):
        g = tessera.Graph("ops")
        x = g.input("x", (2, 3))
        wv = RNG.standard_normal((3, 4)).astype(np.float32)
        w = g.constant(wv)
        y = (2.0 * x + 1) @ w - x.shape[1]
        z = -(y / 4) ** 2
        g.output(y, "y")
        g.output(g.add(z, 0.5), "z")
        g.output(1 - x, "r")
        module = tessera.compile(g)
        xv = RNG.standard_normal((2, 3)).astype(np.float32)
        y_got, z_got, r_got = module(xv)
        np.testing.assert_allclose(y_got, (2 * xv + 1) @ wv - 3, rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(z_got, -((y_got / 4) ** 2) + 0.5, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(r_got, 1 - xv, rtol=1e-6)

    def test_scalars_take_the_tensor_dtype(self):
        g = tessera.Graph("ints")
        x = g.input("x", (3,), "int64")
        g.output(x * 3 + 1, "y")
        got = tessera.compile(g)(np.array([1, 2, 3], np.int64))
        self.assertEqual(got.dtype, np.int64)
        np.testing.assert_array_equal(got, [4, 7, 10])

    def test_bad_operands(self):
        g = tessera.Graph("bad")
        x = g.input("x", (2,))
        with self.assertRaisesRegex(TypeError, "an operand must be a tessera.Tensor or a number"):
            x + "one"
        other = tessera.Graph("other").input("x", (2,))
        with self.assertRaisesRegex(tessera.Error, "belongs to another graph"):
            x + other
        with self.assertRaisesRegex(TypeError, "at least one operand must be a tessera.Tensor"):
            g.add(1.0, 2.0)


class Paths(unittest.TestCase):
    def test_compile_from_a_path_and_load_a_saved_artifact(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "mlp.onnx")
            w = mlp_model(path)
            module = tessera.compile(path, input_shapes={"x": [2, 4]})
            x = RNG.standard_normal((2, 4)).astype(np.float32)
            expected = np.maximum(x @ w, 0)
            np.testing.assert_allclose(module(x), expected, rtol=1e-5, atol=1e-6)
            files = module.save(os.path.join(tmp, "saved"))
            self.assertEqual([os.path.basename(f) for f in files], ["mlp.o", "mlp.so", "mlp.h"])
            del module
            for spelling in ("saved/mlp.so", "saved/mlp", "saved/mlp.h"):
                loaded = tessera.load(os.path.join(tmp, spelling))
                self.assertEqual(loaded.inputs, [("x", (2, 4), "float32")])
                np.testing.assert_allclose(loaded(x=x), expected, rtol=1e-5, atol=1e-6)
            # tessera-compile's artifact loads the same way.
            with self.assertRaisesRegex(tessera.Error, "no such model library"):
                tessera.load(os.path.join(tmp, "nothing.so"))
            with open(os.path.join(tmp, "broken.so"), "wb") as f:
                f.write(b"\x7fELF" + b"\0" * 12)
            with self.assertRaisesRegex(tessera.Error, "cannot load .*broken.so: not a 64-bit ELF"):
                tessera.load(os.path.join(tmp, "broken.so"))

    def test_weights_in_a_side_file(self):
        """weights="file" keeps them in NAME.weights, which save() copies
        and load() maps; a saved library without its file says so."""
        w = RNG.standard_normal((64, 32)).astype(np.float32)
        g = tessera.Graph("wide")
        g.output(g.matmul(g.input("x", (2, 64)), g.constant(w)), "y")
        x = RNG.standard_normal((2, 64)).astype(np.float32)
        with tempfile.TemporaryDirectory() as tmp:
            module = tessera.compile(g, weights="file")
            np.testing.assert_allclose(module(x), x @ w, rtol=1e-5, atol=1e-5)
            files = module.save(os.path.join(tmp, "saved"))
            self.assertEqual([os.path.basename(f) for f in files],
                             ["wide.o", "wide.so", "wide.h", "wide.weights"])
            self.assertGreater(os.path.getsize(files[3]), 64 * 32 * 4)
            del module
            np.testing.assert_allclose(tessera.load(files[1])(x), x @ w, rtol=1e-5, atol=1e-5)
            os.remove(files[3])
            with self.assertRaisesRegex(tessera.Error, "cannot create a session: cannot open "
                                        "the weights file .*wide.weights of model 'wide'"):
                tessera.load(files[1])
            embedded = tessera.compile(g, weights="embed")
            self.assertEqual(len(embedded.save(os.path.join(tmp, "embedded"))), 3)
            with self.assertRaisesRegex(tessera.Error, 'weights must be "auto", "embed" or "file"'):
                tessera.compile(g, weights="disk")

    def test_outputs_the_data_sizes(self):
        """NonZero of a run-time input: the array has the run's size."""
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "nz.onnx")
            graph = helper.make_graph(
                [helper.make_node("NonZero", ["x"], ["p"], name="nz")], "nz",
                [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, 4])],
                [helper.make_tensor_value_info("p", TensorProto.INT64, [2, "n"])])
            onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)
            module = tessera.compile(path)
            self.assertEqual(module.outputs, [("p", (2, 12), "int64")])
            for x in (RNG.standard_normal((3, 4)).astype(np.float32) > 0,
                      np.zeros((3, 4)), np.ones((3, 4))):
                x = x.astype(np.float32)
                np.testing.assert_array_equal(module(x), np.array(np.nonzero(x)))

    def test_input_shapes_need_a_path(self):
        g = tessera.Graph("g")
        g.output(g.relu(g.input("x", (2,))), "y")
        with self.assertRaisesRegex(TypeError, "input_shapes applies to an ONNX path"):
            tessera.compile(g, input_shapes={"x": [2]})
        with self.assertRaisesRegex(TypeError, "takes a tessera.Graph or the path"):
            tessera.compile(42)

    def test_opt_level_default_is_the_cli_one(self):
        default = inspect.signature(tessera.compile).parameters["opt_level"].default
        help_text = subprocess.run([os.path.join(os.environ["TESSERA_BIN"], "tessera-compile"),
                                    "--help"], capture_output=True, text=True).stdout
        self.assertIn("Optimization level 0-3 (default %d)" % default, help_text)


SNIPPET = r"""
import sys, tessera
g = tessera.Graph("g")
x = g.input("x", (2, 3))
%s
"""


def run_snippet(body):
    return subprocess.run([sys.executable, "-c", SNIPPET % body], capture_output=True,
                          text=True, env=os.environ)


class Messages(unittest.TestCase):
    def test_verbose_prints_stage_timings_to_stderr(self):
        result = run_snippet("g.output(g.relu(x), 'y')\ntessera.compile(g, verbose=True)")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, "")
        for stage in ("import", "graph", "kernel", "codegen", "llvm", "emission"):
            self.assertRegex(result.stderr, r"timing: %s\s+[0-9.]+ ms" % stage)
        quiet = run_snippet("g.output(g.relu(x), 'y')\ntessera.compile(g)")
        self.assertEqual((quiet.returncode, quiet.stdout, quiet.stderr), (0, "", ""))

    def test_errors_raise_and_print_nothing(self):
        cases = [
            # the builder
            "try:\n    g.matmul(x, x)\nexcept tessera.Error as e:\n    print(e)",
            # the compiler: an unknown CPU
            "g.output(g.relu(x), 'y')\ntry:\n    tessera.compile(g, mcpu='no-such-cpu')\n"
            "except tessera.Error as e:\n    print(e)",
            # the importer
            "try:\n    tessera.import_onnx('/nonexistent.onnx')\nexcept tessera.Error as e:\n"
            "    print(e)",
        ]
        for body in cases:
            result = run_snippet(body)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertTrue(result.stdout.strip(), body)
            self.assertEqual(result.stderr, "", "printed behind the exception: " + body)


class CUDATarget(unittest.TestCase):
    """compile(target="cuda"): the artifact is the CUDA one, and its Module
    runs through the driver the runtime loads (here the fake one of the
    tests, test/Unit/Runtime/FakeCUDADriver.c, which runs none of these
    kernels: the numbers are checked on a device, scripts/cuda-device-check.sh)."""

    FAKE = os.path.join(os.environ.get("TESSERA_BIN", ""), os.pardir, "lib",
                        "libtessera_fake_cuda.so")

    def graph(self):
        g = tessera.Graph("proj")
        x = g.input("x", (64, 32))
        g.output(g.relu(x @ g.constant(RNG.standard_normal((32, 48)).astype(np.float32))), "y")
        return g

    def test_compiles_and_runs_through_the_driver(self):
        os.environ["TESSERA_CUDA_DRIVER"] = self.FAKE
        module = tessera.compile(self.graph(), target="cuda", mcpu="sm_80")
        y = module(np.ones((64, 32), np.float32))
        self.assertEqual((y.shape, y.dtype), ((64, 48), np.float32))
        with tempfile.TemporaryDirectory() as directory:
            module.save(directory)
            with open(os.path.join(directory, "proj.h")) as header:
                text = header.read()
            self.assertIn("CUDA: kernels for sm_80 (", text)
            self.assertIn("proj_run_on_stream(", text)
            reloaded = tessera.load(os.path.join(directory, "proj.so"))
            self.assertEqual(reloaded(np.ones((64, 32), np.float32)).shape, (64, 48))
        with self.assertRaisesRegex(tessera.Error, "cuda_device must be 0 or more"):
            tessera.compile(self.graph(), target="cuda", cuda_device=-1)

    def test_no_driver_is_an_error(self):
        # The driver loads once per process: a fresh one without it.
        script = ("import numpy as np, tessera\n"
                  "g = tessera.Graph('p'); x = g.input('x', (4, 4)); g.output(x + 1.0, 'y')\n"
                  "try:\n"
                  "    tessera.compile(g, target='cuda')\n"
                  "except tessera.Error as e:\n"
                  "    print(e)\n")
        env = dict(os.environ, TESSERA_CUDA_DRIVER="/nonexistent/libcuda.so.1")
        done = subprocess.run([sys.executable, "-c", script], env=env,
                              capture_output=True, text=True, timeout=120)
        self.assertEqual(done.stderr, "")
        self.assertEqual(done.stdout.strip(),
                         "cannot create a session: no CUDA driver: cannot load "
                         "/nonexistent/libcuda.so.1 (/nonexistent/libcuda.so.1: "
                         "cannot open shared object file: No such file or directory)")


if __name__ == "__main__":
    unittest.main()
