#!/usr/bin/env python3
"""Builds the example plugin out of Tessera's tree and checks what it adds.

Run by the test suite (ctest examples/plugin, and install/package against
an installed Tessera):
  check.py (--tessera-build BUILD | --tessera-prefix PREFIX) --work DIR [--cxx COMPILER]

1. configures and builds examples/plugin as a project of its own, with only
   find_package(Tessera) pointing at BUILD/lib/cmake/tessera (the build
   tree's package) or at PREFIX (an installed one), and the tools from there;
2. writes a model holding com.example.Swish (twice, with and without beta)
   and a division by a constant, its input and numpy's output;
3. compiles it with tessera-compile --plugin, runs it with tessera-run and
   compares with numpy (rtol 1e-5, atol 1e-6);
4. checks the hook's rewrite (no tg.div left, a tg.mul by 0.25) and that
   without the plugin the model is refused with one line naming the node.
"""

import argparse
import os
import shutil
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd, **kwargs):
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    return result.returncode, result.stdout, result.stderr


def must(cmd, **kwargs):
    code, out, err = run(cmd, **kwargs)
    if code != 0:
        sys.exit("FAILED (%d): %s\n%s%s" % (code, " ".join(cmd), out, err))
    return out


def swish(x, beta=1.0):
    return x / (1.0 + np.exp(-beta * x))


def make_model(directory):
    shape = [2, 3, 8, 8]
    nodes = [
        helper.make_node("Swish", ["x"], ["a"], domain="com.example", beta=1.7,
                         name="swish_beta"),
        helper.make_node("Div", ["a", "four"], ["b"], name="divide"),
        helper.make_node("Swish", ["b"], ["y"], domain="com.example",
                         name="swish_plain"),
    ]
    four = numpy_helper.from_array(np.array(4.0, dtype=np.float32), "four")
    graph = helper.make_graph(
        nodes, "swish_example",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)],
        initializer=[four])
    model = helper.make_model(graph, opset_imports=[
        helper.make_opsetid("", 17), helper.make_opsetid("com.example", 1)])
    model.ir_version = 8
    path = os.path.join(directory, "swish.onnx")
    onnx.save(model, path)
    x = np.random.default_rng(7).uniform(-4, 4, shape).astype(np.float32)
    y = swish(swish(x.astype(np.float64), 1.7) / 4.0).astype(np.float32)
    np.save(os.path.join(directory, "x.npy"), x)
    np.save(os.path.join(directory, "y.npy"), y)

    # A Swish of an integer tensor, which the converter refuses.
    bad = helper.make_graph(
        [helper.make_node("Swish", ["x"], ["y"], domain="com.example",
                          name="swish_int")], "swish_int",
        [helper.make_tensor_value_info("x", TensorProto.INT32, [4])],
        [helper.make_tensor_value_info("y", TensorProto.INT32, [4])])
    bad_model = helper.make_model(bad, opset_imports=[
        helper.make_opsetid("", 17), helper.make_opsetid("com.example", 1)])
    bad_model.ir_version = 8
    onnx.save(bad_model, os.path.join(directory, "swish_int.onnx"))
    return path


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tessera-build")
    parser.add_argument("--tessera-prefix")
    parser.add_argument("--make-model-only", action="store_true",
                        help="only write the models and data into --work")
    parser.add_argument("--work", required=True)
    parser.add_argument("--cxx", default="")
    args = parser.parse_args()
    if args.make_model_only:
        os.makedirs(args.work, exist_ok=True)
        make_model(args.work)
        return
    if bool(args.tessera_build) == bool(args.tessera_prefix):
        parser.error("give one of --tessera-build and --tessera-prefix")
    if args.tessera_build:
        build = os.path.abspath(args.tessera_build)
        package = "-DTessera_DIR=" + os.path.join(build, "lib", "cmake", "tessera")
        bin_dir = os.path.join(build, "bin")
    else:
        prefix = os.path.abspath(args.tessera_prefix)
        package = "-DCMAKE_PREFIX_PATH=" + prefix
        bin_dir = os.path.join(prefix, "bin")
    work = os.path.abspath(args.work)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)

    # 1. Out of the tree, against the package only.
    plugin_build = os.path.join(work, "build")
    configure = ["cmake", "-S", HERE, "-B", plugin_build, "-G", "Ninja",
                 "-DCMAKE_BUILD_TYPE=Release", package]
    if args.cxx:
        configure.append("-DCMAKE_CXX_COMPILER=" + args.cxx)
    if shutil.which("ccache"):
        configure.append("-DCMAKE_CXX_COMPILER_LAUNCHER=ccache")
    must(configure)
    must(["cmake", "--build", plugin_build])
    plugin = os.path.join(plugin_build, "swish_plugin.so")
    if not os.path.exists(plugin):
        sys.exit("FAILED: the out-of-tree build made no " + plugin)
    print("built the plugin out of the tree:", plugin)

    # 2-3. Compile with the plugin, run, compare.
    model = make_model(work)
    prefix = os.path.join(work, "swish")
    must([os.path.join(bin_dir, "tessera-compile"), model, "--plugin=" + plugin,
          "-o", prefix])
    out = must([os.path.join(bin_dir, "tessera-run"), prefix + ".so",
                "--input", "x=" + os.path.join(work, "x.npy"),
                "--expected", os.path.join(work, "y.npy"),
                "--rtol", "1e-5", "--atol", "1e-6"])
    print(out.strip())

    # 4. The rewrite at the hook; the refusal without the plugin.
    tg = must([os.path.join(bin_dir, "tessera-compile"), model,
               "--plugin=" + plugin, "--emit=tg"])
    if "tg.div" in tg or "2.500000e-01" not in tg or "tg.sigmoid" not in tg:
        sys.exit("FAILED: expected the Swish ops and x * 0.25 in tg:\n" + tg)
    code, out, err = run([os.path.join(bin_dir, "tessera-compile"), model,
                          "-o", prefix + "_plain"])
    lines = err.strip().splitlines()
    if code == 0 or len(lines) != 1 or "swish_beta" not in lines[0] or \
            "com.example" not in lines[0]:
        sys.exit("FAILED: without the plugin expected one error line naming "
                 "the node, got (%d):\n%s" % (code, err))
    print("without the plugin:", lines[0])
    print("examples/plugin: all checks passed")


if __name__ == "__main__":
    main()
