#!/usr/bin/python3
"""tessera.load_plugin: the example plugin's custom op imports and compiles
through the Python API and matches numpy; a plugin of another API version
raises tessera.Error with one line and leaves the process usable."""
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

import tessera

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("TESSERA_BIN", os.path.join(ROOT, "build", "bin"))
BUILD = os.path.dirname(BIN)
SWISH = os.path.join(BUILD, "lib", "swish_plugin.so")
WRONG = os.path.join(BUILD, "test", "Plugin", "lib", "WrongVersion.so")


class LoadPlugin(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        subprocess.run([sys.executable, os.path.join(ROOT, "examples", "plugin", "check.py"),
                        "--make-model-only", "--work", cls.tmp.name],
                       check=True, capture_output=True)

    def test_wrong_version_raises(self):
        with self.assertRaises(tessera.Error) as caught:
            tessera.load_plugin(WRONG)
        message = str(caught.exception)
        self.assertNotIn("\n", message)
        self.assertIn("WrongVersion.so: cannot load the plugin: plugin 'wrong-version' "
                      "was built against plugin API version", message)
        with self.assertRaises(tessera.Error):
            tessera.load_plugin(os.path.join(self.tmp.name, "missing.so"))

    def test_custom_op_through_python(self):
        model = os.path.join(self.tmp.name, "swish.onnx")
        # Before the plugin is loaded the op is refused (the test runs in a
        # process of its own, and no other test loads this plugin).
        with self.assertRaises(tessera.Error) as caught:
            tessera.import_onnx(model)
        self.assertIn("domain com.example", str(caught.exception))
        tessera.load_plugin(SWISH)
        tessera.load_plugin(SWISH)  # a second load is a no-op
        module = tessera.compile(tessera.import_onnx(model))
        x = np.load(os.path.join(self.tmp.name, "x.npy"))
        expected = np.load(os.path.join(self.tmp.name, "y.npy"))
        np.testing.assert_allclose(module(x), expected, rtol=1e-5, atol=1e-6)


if __name__ == "__main__":
    unittest.main()
