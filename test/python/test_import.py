#!/usr/bin/python3
"""tessera.import_onnx on the bundled default model: the Python module gives
the numbers tessera-run gives, and save() writes the same artifact files."""
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

import tessera

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("TESSERA_BIN", os.path.join(ROOT, "build", "bin"))


class ImportDefaultModel(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        subprocess.run([sys.executable, os.path.join(ROOT, "examples", "models",
                                                     "make_default_model.py"), cls.tmp.name],
                       check=True, capture_output=True)

    def test_matches_tessera_run_and_reference(self):
        path = os.path.join(self.tmp.name, "default_cnn.onnx")
        graph = tessera.import_onnx(path, input_shapes={"image": (1, 3, 32, 32)})
        module = tessera.compile(graph)
        image = np.load(os.path.join(self.tmp.name, "input.npy"))
        got = module(image)

        prefix = os.path.join(self.tmp.name, "cli", "default_cnn")
        subprocess.run([os.path.join(BIN, "tessera-compile"), path, "-o", prefix,
                        "--input-shape", "image=1x3x32x32"], check=True)
        out = os.path.join(self.tmp.name, "cli-out")
        subprocess.run([os.path.join(BIN, "tessera-run"), prefix + ".so", "--input",
                        "image=" + os.path.join(self.tmp.name, "input.npy"),
                        "--output-dir", out], check=True, capture_output=True)
        cli = np.load(os.path.join(out, "0.npy"))
        np.testing.assert_allclose(got, cli, rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(got, np.load(os.path.join(self.tmp.name, "expected.npy")),
                                   rtol=1e-4, atol=1e-6)

        saved = module.save(os.path.join(self.tmp.name, "saved"))
        self.assertEqual([os.path.basename(p) for p in saved],
                         ["default_cnn.o", "default_cnn.so", "default_cnn.h"])
        with open(saved[2]) as header:
            self.assertIn("default_cnn_run(tessera_session_t *tessera_session", header.read())

    def test_symbolic_dims_need_shapes(self):
        with self.assertRaises(tessera.Error) as caught:
            tessera.import_onnx(os.path.join(self.tmp.name, "default_cnn.onnx"))
        self.assertIn("input 'image' has symbolic dimension 'batch'", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
