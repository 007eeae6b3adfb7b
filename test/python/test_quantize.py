#!/usr/bin/python3
"""tessera.quantize: a float CNN (test/Models/Inputs/ptq_models.py) quantized
from in-memory calibration sets gives what tessera-compile --quantize=int8
gives from the same sets in a folder (the same bits), stays close to the
float model, writes its report, and refuses bad arguments with tessera.Error."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

import tessera

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("TESSERA_BIN", os.path.join(ROOT, "build", "bin"))
sys.path.insert(0, os.path.join(ROOT, "test", "Models", "Inputs"))
import ptq_models  # noqa: E402


class Quantize(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        rng = np.random.default_rng(5)
        cls.model = os.path.join(cls.tmp.name, "cnn.onnx")
        ptq_models.write("cnn", cls.model, rng)
        cls.sets = [s["x"] for s in ptq_models.inputs("cnn", 24, rng)]

    def test_same_as_the_cli_and_close_to_float(self):
        report = os.path.join(self.tmp.name, "report.md")
        module = tessera.quantize(self.model, self.sets[:16], report=report,
                                  evaluation=self.sets[16:], threads=1)
        cal = os.path.join(self.tmp.name, "cal")
        os.makedirs(cal)
        for i, x in enumerate(self.sets[:16]):
            np.save(os.path.join(cal, "%02d.npy" % i), x)
        prefix = os.path.join(self.tmp.name, "cli", "cnn")
        subprocess.run([os.path.join(BIN, "tessera-compile"), self.model, "-o", prefix,
                        "--quantize=int8", "--calibration=" + cal], check=True,
                       capture_output=True)
        cli = tessera.load(prefix + ".so", threads=1)
        reference = tessera.compile(self.model, threads=1)
        for x in self.sets[16:]:
            got = module(x)
            np.testing.assert_array_equal(got, cli(x))
            want = reference(x)
            cosine = float((got * want).sum() / np.linalg.norm(got) / np.linalg.norm(want))
            self.assertGreater(cosine, 0.999)
        data = json.load(open(report + ".json"))
        self.assertTrue(data["evaluation_held_out"])
        self.assertEqual(data["evaluation_sets"], 8)
        self.assertEqual(sum(layer["int8"] for layer in data["layers"]), 5)

    def test_errors(self):
        with self.assertRaisesRegex(tessera.Error, "method must be"):
            tessera.quantize(self.model, self.sets[:2], method="kl")
        with self.assertRaisesRegex(tessera.Error, "no convolution or matmul of that name"):
            tessera.quantize(self.model, self.sets[:2], keep_float=["nope"])
        with self.assertRaisesRegex(tessera.Error, "the model takes f32 1x3x24x24"):
            tessera.quantize(self.model, [np.zeros((1, 3, 8, 8), np.float32)])


if __name__ == "__main__":
    unittest.main()
