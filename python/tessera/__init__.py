"""Tessera: an ahead-of-time deep learning compiler.

    import numpy as np, tessera
    g = tessera.Graph("mlp")
    x = g.input("x", (1, 4))
    g.output(g.relu(g.matmul(x, g.constant(np.ones((4, 2), np.float32)))), "y")
    print(tessera.compile(g)(np.ones((1, 4), np.float32)))

Graph mirrors the C++ builder (one method per op, snake_case); every call
checks its arguments and raises tessera.Error at the call. import_onnx reads
an ONNX model; compile returns a callable module that takes numpy arrays
(positionally or by input name), checks their dtypes and shapes, and returns
one array per output (a single array for a single output).
"""
import os
import shutil
import tempfile

from ._tessera import (CompiledModule, Error, Graph, Tensor, _compile, import_onnx,
                       load_plugin)
from ._version import __version__, llvm_version

__all__ = ["Graph", "Tensor", "Error", "Module", "compile", "import_onnx", "load_plugin"]

_TARGETS = {"x86_64": "x86_64-linux-gnu", "aarch64": "aarch64-linux-gnu"}


class Module:
    """A compiled model. Call it with numpy arrays; save() writes the artifact."""

    def __init__(self, compiled, workdir):
        self._compiled = compiled
        self._workdir = workdir

    def __call__(self, *args, **kwargs):
        return self._compiled(*args, **kwargs)

    @property
    def inputs(self):
        """[(name, shape, dtype)] of the inputs, in order."""
        return self._compiled.inputs

    @property
    def outputs(self):
        """[(name, shape, dtype)] of the outputs, in order."""
        return self._compiled.outputs

    @property
    def threads(self):
        """How many threads a call uses, the caller's included."""
        return self._compiled.threads

    def profile(self):
        """Per-kernel times of a module compiled with profile=True, one dict per
        kernel in the order they run: kernel, name (its ONNX nodes), kind,
        flops and bytes (0 when not counted), calls, total/min/max_seconds
        since the module was made or reset_profile() was called."""
        return self._compiled.profile()

    def reset_profile(self):
        """Forgets the times measured so far (call it after a warm-up)."""
        self._compiled.reset_profile()

    def write_trace(self, path):
        """Writes the kernels of the last runs as Chrome trace JSON (Perfetto)."""
        self._compiled.write_trace(path)

    def save(self, directory):
        """Writes NAME.o, NAME.so and NAME.h, as tessera-compile does."""
        os.makedirs(directory, exist_ok=True)
        name = self._compiled.name
        for suffix in (".o", ".so", ".h"):
            shutil.copy(os.path.join(self._compiled.directory, name + suffix), directory)
        return [os.path.join(directory, name + s) for s in (".o", ".so", ".h")]

    def __del__(self):
        self._compiled = None
        if self._workdir:
            self._workdir.cleanup()


def compile(graph, target="x86_64", mcpu="native", opt_level=3, name=None, threads=0,
            profile=False):
    """Compiles a Graph (built or imported) for the host CPU.

    target: "x86_64" (the host) or a triple; mcpu: "native", "generic" or a
    CPU name; opt_level: 0 to 3; threads: how many threads a call uses (0:
    one per CPU; 1: the caller only); profile: time every kernel
    (Module.profile(), Module.write_trace()). Returns a Module.
    """
    if not isinstance(graph, Graph):
        raise TypeError("compile() takes a tessera.Graph (use import_onnx for ONNX files)")
    triple = _TARGETS.get(target, target)
    if triple != "x86_64-linux-gnu" and not triple.startswith("x86_64"):
        raise Error("compile() runs models on this machine; cross-compile with "
                    "tessera-compile --target instead")
    workdir = tempfile.TemporaryDirectory(prefix="tessera-")
    symbol = name or "".join(c if c.isalnum() else "_" for c in graph.name) or "model"
    if symbol[0].isdigit():
        symbol = "_" + symbol
    compiled = _compile(graph, workdir.name, symbol, "", mcpu, opt_level, threads,
                        bool(profile))
    return Module(compiled, workdir)
