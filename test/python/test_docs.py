#!/usr/bin/python3
"""The documentation runs: the README's Python example, every Python block
of docs/tutorials/python.md (in order), and the C++ tutorial, which must show
examples/cpp-builder/mlp.cpp exactly; that program is run and its model checked
against numpy."""
import contextlib
import io
import os
import re
import subprocess
import tempfile
import unittest

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("TESSERA_BIN", os.path.join(ROOT, "build", "bin"))


def blocks(path, language):
    with open(os.path.join(ROOT, path)) as f:
        return re.findall(r"```%s\n(.*?)```" % language, f.read(), re.S)


class Docs(unittest.TestCase):
    def test_readme_python_example(self):
        (code,) = [b for b in blocks("README.md", "python") if "tessera.compile" in b]
        self.assertLessEqual(len(code.strip().splitlines()), 5)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, "README.md", "exec"), {})
        self.assertEqual(out.getvalue().strip(), "[[6. 6.]]")

    def test_python_tutorial(self):
        os.environ["TESSERA_SOURCE_DIR"] = ROOT
        scope = {}
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            for number, code in enumerate(blocks("docs/tutorials/python.md", "python")):
                exec(compile(code, "python.md block %d" % number, "exec"), scope)
        self.assertIn("not broadcast-compatible", out.getvalue())

    def test_cpp_tutorial_shows_the_example_and_it_runs(self):
        (code,) = blocks("docs/tutorials/cpp-builder.md", "cpp")
        with open(os.path.join(ROOT, "examples", "cpp-builder", "mlp.cpp")) as f:
            self.assertEqual(code, f.read(), "the tutorial is stale")
        with tempfile.TemporaryDirectory() as tmp:
            run = subprocess.run([os.path.join(BIN, "builder-mlp"), tmp],
                                 capture_output=True, text=True, check=True)
            self.assertIn("mlp.so", run.stdout)
            x = np.array([[0.5, -1.0, 2.0, 0.25]], np.float32)
            np.save(os.path.join(tmp, "x.npy"), x)
            subprocess.run([os.path.join(BIN, "tessera-run"), os.path.join(tmp, "mlp.so"),
                            "--input", "x=" + os.path.join(tmp, "x.npy"),
                            "--output-dir", os.path.join(tmp, "out")], check=True,
                           capture_output=True)
            got = np.load(os.path.join(tmp, "out", "0.npy"))
        w1 = np.array([0.05 * (i % 7) - 0.1 for i in range(32)], np.float32).reshape(4, 8)
        w2 = np.array([0.1 * (i % 5) - 0.2 for i in range(24)], np.float32).reshape(8, 3)
        logits = np.maximum(x.astype(np.float64) @ w1 + 0.1, 0) @ w2
        want = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


if __name__ == "__main__":
    unittest.main()
