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
one array per output (a single array for a single output); compile also
takes the path of an ONNX model. load reads back an artifact that
Module.save() or tessera-compile wrote. Tensors take Python operators
(x + 1, x @ w, -x).
"""
import os
import shutil
import sys
import tempfile

from ._tessera import (CompiledModule, Error, Graph, Tensor, _compile, _load, _quantize,
                       import_onnx, load_plugin)
from ._version import __version__, llvm_version

__all__ = ["Graph", "Tensor", "Error", "Module", "compile", "quantize", "load",
           "import_onnx", "load_plugin"]

_TARGETS = {"x86_64": "x86_64-linux-gnu", "aarch64": "aarch64-linux-gnu"}


class Module:
    """A compiled model. Call it with numpy arrays; save() writes the artifact."""

    def __init__(self, compiled, workdir):
        self._compiled = compiled
        self._workdir = workdir

    def __call__(self, *args, **kwargs):
        """Runs the model on numpy arrays, positionally or by input name
        (module(x) or module(x=x)); dtypes and shapes are checked. Returns one
        array per output, a single array for a single output."""
        return self._compiled(*args, **kwargs)

    @property
    def inputs(self):
        """[(name, shape, dtype)] of the inputs, in order."""
        return self._compiled.inputs

    @property
    def outputs(self):
        """[(name, shape, dtype)] of the outputs, in order. For an output
        whose size the data decides (NonZero, NonMaxSuppression, Unique), the
        shape is its bound; a call returns the array at the run's size."""
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
        """Writes NAME.o, NAME.so and NAME.h (and NAME.weights when the
        weights are kept in a file), as tessera-compile does."""
        os.makedirs(directory, exist_ok=True)
        name = self._compiled.name
        written = []
        for suffix in (".o", ".so", ".h", ".weights"):
            source = os.path.join(self._compiled.directory, name + suffix)
            # A loaded artifact may be the .so alone.
            if suffix == ".so" or os.path.exists(source):
                shutil.copy(source, directory)
                written.append(os.path.join(directory, name + suffix))
        return written

    def __del__(self):
        self._compiled = None
        if self._workdir:
            self._workdir.cleanup()


def compile(model, target="x86_64", mcpu="native", opt_level=2, name=None, threads=0,
            profile=False, input_shapes=None, verbose=False, weights="auto", cuda_device=0):
    """Compiles a model for this machine and returns a callable Module.

    model: a Graph (built or imported), or the path of an ONNX model
    (input_shapes then maps input names to shapes, as
    tessera-compile --input-shape does; required for symbolic dims).
    target: "x86_64" (the host), a triple, or "cuda" (the kernels run on a
    CUDA device, cuda_device; the runtime loads the driver when the Module
    is made); mcpu: "native", "generic" or a CPU name (for "cuda": the
    architectures, e.g. "sm_80,sm_90a", the default); opt_level: 0 to 3 (default 2, as tessera-compile); name: the C
    symbol prefix (default: from the graph's name); threads: how many threads
    a call uses (0: one per CPU; 1: the caller only); profile: time every
    kernel (Module.profile(), Module.write_trace()); verbose: print each
    stage's wall time to stderr; weights: "embed" (in the library), "file"
    (NAME.weights beside it, mapped at load; for models over 2 GB) or
    "auto" (the file once the weights pass 1 GiB), as tessera-compile
    --weights.
    """
    if isinstance(model, (str, os.PathLike)):
        model = import_onnx(os.fspath(model), input_shapes)
    elif input_shapes is not None:
        raise TypeError("input_shapes applies to an ONNX path; a Graph has its "
                        "shapes (import_onnx(path, input_shapes) fixes them)")
    if not isinstance(model, Graph):
        raise TypeError("compile() takes a tessera.Graph or the path of an ONNX model, "
                        "not %s" % type(model).__name__)
    triple = _TARGETS.get(target, target)
    if target == "cuda":
        triple = "cuda"
        if mcpu == "native":
            mcpu = ""
    elif triple != "x86_64-linux-gnu" and not triple.startswith("x86_64"):
        raise Error("compile() runs models on this machine; cross-compile with "
                    "tessera-compile --target instead")
    workdir = tempfile.TemporaryDirectory(prefix="tessera-")
    symbol = name or "".join(c if c.isalnum() else "_" for c in model.name) or "model"
    if symbol[0].isdigit():
        symbol = "_" + symbol
    compiled, log = _compile(model, workdir.name, symbol, "cuda" if triple == "cuda" else "",
                             mcpu, opt_level, threads, bool(profile), bool(verbose), weights,
                             cuda_device)
    if verbose and log:
        sys.stderr.write(log)
    return Module(compiled, workdir)


def _input_sets(sets, directory):
    """A calibration folder: `sets` itself (a path), or each set of an
    iterable (an array for a one-input model, or a dict name -> array)
    saved as tessera-compile --calibration reads it."""
    if isinstance(sets, (str, os.PathLike)):
        return os.fspath(sets)
    import numpy as np
    os.makedirs(directory)
    for i, feeds in enumerate(sets):
        if isinstance(feeds, dict):
            folder = os.path.join(directory, "%06d" % i)
            os.makedirs(folder)
            for name, value in feeds.items():
                np.save(os.path.join(folder, name + ".npy"), np.asarray(value))
        else:
            np.save(os.path.join(directory, "%06d.npy" % i), np.asarray(feeds))
    return directory


def quantize(model, calibration, method="minmax", percentile=99.999, bins=2048,
             min_sqnr=20.0, keep_float=(), report=None, evaluation=None, input_shapes=None,
             mcpu="native", opt_level=2, name=None, threads=0, profile=False, verbose=False,
             weights="auto"):
    """Quantizes a float model to int8 after training and returns a callable
    Module, as tessera-compile --quantize=int8 does (docs/quantization.md).

    calibration: sample inputs, a folder (one .npy per set for a one-input
    model, or one subfolder per set with NAME.npy per input) or an iterable
    of sets (arrays, or dicts input name -> array). method: "minmax",
    "percentile" (with `percentile`), "entropy" or "mse"; bins: histogram
    bins (2048 to 65536). Layers whose input quantizes with an SQNR below min_sqnr
    dB stay float, as do the ONNX nodes in keep_float. report: a path; the
    markdown report is written there and its JSON beside it (PATH.json),
    whole-model figures on `evaluation` (held-out sets, the same forms as
    calibration) when given. The other arguments as for compile().
    """
    if isinstance(model, (str, os.PathLike)):
        model = import_onnx(os.fspath(model), input_shapes)
    elif input_shapes is not None:
        raise TypeError("input_shapes applies to an ONNX path; a Graph has its shapes")
    if not isinstance(model, Graph):
        raise TypeError("quantize() takes a tessera.Graph or the path of an ONNX model, "
                        "not %s" % type(model).__name__)
    if isinstance(keep_float, str):
        keep_float = [keep_float]
    workdir = tempfile.TemporaryDirectory(prefix="tessera-")
    symbol = name or "".join(c if c.isalnum() else "_" for c in model.name) or "model"
    if symbol[0].isdigit():
        symbol = "_" + symbol
    sets = tempfile.TemporaryDirectory(prefix="tessera-sets-")
    try:
        cal = _input_sets(calibration, os.path.join(sets.name, "calibration"))
        held = "" if evaluation is None else _input_sets(
            evaluation, os.path.join(sets.name, "evaluation"))
        compiled, log = _quantize(model, workdir.name, symbol, mcpu, opt_level, threads,
                                  bool(profile), bool(verbose), weights, cal, method,
                                  float(percentile), int(bins), float(min_sqnr),
                                  [str(k) for k in keep_float],
                                  "" if report is None else os.fspath(report), held)
    finally:
        sets.cleanup()
    if verbose and log:
        sys.stderr.write(log)
    return Module(compiled, workdir)


def load(path, threads=0, cuda_device=0):
    """Loads an artifact that Module.save() or tessera-compile wrote: the path
    of its NAME.so (or of NAME.o/NAME.h beside it, or NAME without a suffix).
    threads and cuda_device as for compile(). Returns a Module."""
    path = os.fspath(path)
    base, suffix = os.path.splitext(path)
    if suffix not in (".so", ".o", ".h"):
        base = path
    directory, name = os.path.split(os.path.abspath(base))
    if not os.path.exists(os.path.join(directory, name + ".so")):
        raise Error("%s.so: no such model library (Module.save() and "
                    "tessera-compile write NAME.so)" % os.path.join(directory, name))
    return Module(_load(directory, name, threads, cuda_device), None)
