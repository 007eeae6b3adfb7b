# -*- Python -*-
# lit configuration for Tessera's FileCheck tests.

import os

import lit.formats
from lit.llvm import llvm_config

config.name = "Tessera"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.tessera_obj_root, "test")
config.excludes = ["Unit", "Inputs", "CMakeLists.txt", "lit.cfg.py",
                   "lit.site.cfg.py"]

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.add_tool_substitutions(
    ["tessera-opt", "tessera-compile", "tessera-run", "tessera-verify",
     "tessera-inspect"],
    [config.tessera_tools_dir])
# Test models are written by scripts that need Debian's python3 (python3-onnx).
config.substitutions.append(("%python", "/usr/bin/python3"))
config.substitutions.append(
    ("%tessera_src_root", os.path.dirname(config.test_source_root)))
config.substitutions.append(
    ("%cls_model", os.path.join(os.path.dirname(config.test_source_root), ".deps", "npm",
                                "node_modules", "@gutenye", "ocr-models", "assets",
                                "ch_ppocr_mobile_v2.0_cls_infer.onnx")))
config.substitutions.append(("%tessera_obj_root", config.tessera_obj_root))
# A tree built with AddressSanitizer and UndefinedBehaviorSanitizer.
if config.tessera_sanitize.upper() in ("ON", "TRUE", "1", "YES"):
    config.available_features.add("sanitize")

# A CUDA driver on host memory (test/Unit/Runtime/FakeCUDADriver.c), which
# the runtime loads through $TESSERA_CUDA_DRIVER.
config.substitutions.append(
    ("%fake_cuda_driver", os.path.join(config.tessera_obj_root, "lib",
                                       "libtessera_fake_cuda.so")))
# The C runtime's sources, for tests that build it with another compiler
# (a cross gcc) the way an application may.
import glob
config.substitutions.append(
    ("%tessera_runtime_sources", " ".join(sorted(glob.glob(os.path.join(
        os.path.dirname(config.test_source_root), "runtime", "src", "*.c"))))))

# Where the CUDA toolkit is, as the user's environment says (lit passes
# only a few variables to RUN lines): tessera-compile looks there first.
for variable in ("CUDA_HOME", "CUDA_PATH"):
    if os.environ.get(variable):
        config.environment[variable] = os.environ[variable]

# The CUDA toolkit's ptxas, for the tests that assemble the PTX Tessera
# emits (they are UNSUPPORTED, and say so, on a machine without it).
def find_ptxas():
    roots = [os.environ.get("CUDA_HOME"), os.environ.get("CUDA_PATH"), "/usr/local/cuda"]
    for root in roots:
        if root and os.access(os.path.join(root, "bin", "ptxas"), os.X_OK):
            return os.path.join(root, "bin", "ptxas")
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        if os.access(os.path.join(directory, "ptxas"), os.X_OK):
            return os.path.join(directory, "ptxas")
    return None

ptxas = find_ptxas()
if ptxas:
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))
else:
    lit_config.note("no ptxas (CUDA toolkit) found: the PTX assembly tests are unsupported")

# A CUDA driver on this machine (tools/tessera-cuda-run then runs kernels;
# without one, its no-driver path is what is tested).
import ctypes
try:
    ctypes.CDLL("libcuda.so.1")
    config.available_features.add("cuda-driver")
except OSError:
    pass
