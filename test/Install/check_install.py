#!/usr/bin/env python3
"""Installs Tessera into a fresh prefix and uses it from outside the tree.

  check_install.py --build BUILD --source SRC --work DIR [--cxx CXX] [--cc CC]

1. cmake --install BUILD --prefix DIR/prefix; the installed CMake, pkg-config
   and Python files name neither the build nor the source tree;
2. examples/embed, a project of its own, finds the package
   (find_package(Tessera)), compiles the bundled model at build time with
   tessera_add_model and matches the model's reference;
3. the same program built by hand against pkg-config's tessera-runtime and a
   model compiled by the installed tessera-compile;
4. examples/plugin built against the installed headers (check.py);
5. the installed Python package, imported from outside the tree: its
   version, and a compiled graph's numbers;
6. the runtime cross-built for AArch64 from the same CMake
   (-DTESSERA_RUNTIME_ONLY=ON, cmake/toolchains/aarch64-linux-gnu.cmake) and
   installed; examples/embed cross-built against that package with the host
   tessera-compile, run under qemu-aarch64, matches the reference;
7. `pip install --no-index .` (pyproject.toml, python/packaging) into a
   virtual environment (with the system's numpy), and the same script of 5
   run by its python from outside the tree.
"""

import argparse
import os
import shutil
import subprocess
import sys


def must(cmd, env=None, cwd=None):
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd)
    if result.returncode != 0:
        sys.exit("FAILED (%d): %s\n%s%s" % (result.returncode, " ".join(cmd),
                                             result.stdout, result.stderr))
    return result.stdout


def configure(source, build, *extra):
    cmd = ["cmake", "-S", source, "-B", build, "-DCMAKE_BUILD_TYPE=Release"]
    if shutil.which("ninja"):
        cmd += ["-G", "Ninja"]
    must(cmd + list(extra))
    must(["cmake", "--build", build])


def check_matches(output, what):
    if "matches the reference" not in output:
        sys.exit("FAILED: %s does not match the reference:\n%s" % (what, output))
    print("%s: matches the reference" % what)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--cxx", default="")
    parser.add_argument("--cc", default="")
    args = parser.parse_args()
    build, source = os.path.abspath(args.build), os.path.abspath(args.source)
    work = os.path.abspath(args.work)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    prefix = os.path.join(work, "prefix")
    compilers = []
    if args.cc:
        compilers.append("-DCMAKE_C_COMPILER=" + args.cc)

    # 1. Install; nothing installed points back at the trees.
    must(["cmake", "--install", build, "--prefix", prefix])
    for tool in ("tessera-compile", "tessera-opt", "tessera-run", "tessera-verify"):
        if not os.access(os.path.join(prefix, "bin", tool), os.X_OK):
            sys.exit("FAILED: %s was not installed" % tool)
    for root, _, files in os.walk(prefix):
        for name in files:
            if not name.endswith((".cmake", ".pc", ".py")):
                continue
            text = open(os.path.join(root, name), errors="replace").read()
            for tree in (build, source):
                if tree in text:
                    sys.exit("FAILED: %s names %s" % (os.path.join(root, name), tree))
    print("installed into", prefix)

    # 2. examples/embed with tessera_add_model, against the package only.
    model_dir = os.path.join(work, "model")
    must([sys.executable, os.path.join(source, "examples", "models",
                                       "make_default_model.py"), model_dir])
    model = os.path.join(model_dir, "default_cnn.onnx")
    inputs = [os.path.join(model_dir, "input.bin"), os.path.join(model_dir, "expected.bin")]
    embed = os.path.join(work, "embed")
    configure(os.path.join(source, "examples", "embed"), embed,
              "-DCMAKE_PREFIX_PATH=" + prefix, "-DDEFAULT_CNN_MODEL=" + model,
              *compilers)
    check_matches(must([os.path.join(embed, "embed-default-cnn")] + inputs),
                  "examples/embed (find_package, tessera_add_model)")
    # The installed tessera-verify finds its ONNX Runtime driver in share/.
    verified = must([os.path.join(prefix, "bin", "tessera-verify"), model,
                     "--input-shape", "image=1x3x32x32", "--ort-modules",
                     os.path.join(source, ".deps", "npm", "node_modules")])
    if "all 10 tensors of 10 nodes agree with ONNX Runtime" not in verified:
        sys.exit("FAILED: installed tessera-verify: " + verified)
    print("ok: installed tessera-verify:", verified.strip())

    # 3. By hand, with pkg-config.
    hand = os.path.join(work, "by-hand")
    must([os.path.join(prefix, "bin", "tessera-compile"), model, "-o",
          os.path.join(hand, "default_cnn"), "--input-shape", "image=1x3x32x32",
          "--emit=obj"])
    env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(prefix, "lib", "pkgconfig"))
    flags = must(["pkg-config", "--cflags", "--libs", "tessera-runtime"], env=env).split()
    cc = args.cc or "cc"
    program = os.path.join(hand, "embed")
    must([cc, "-std=c99", "-I" + hand, os.path.join(source, "examples", "embed", "main.c"),
          os.path.join(hand, "default_cnn.o"), "-o", program] + flags +
         ["-lm", "-lpthread"])
    run_env = dict(os.environ, LD_LIBRARY_PATH=os.path.join(prefix, "lib"))
    check_matches(must([program] + inputs, env=run_env),
                  "examples/embed (pkg-config tessera-runtime, libtessera_runtime.so)")

    # 4. The plugin example against the installed headers.
    plugin = [sys.executable, os.path.join(source, "examples", "plugin", "check.py"),
              "--tessera-prefix", prefix, "--work", os.path.join(work, "plugin")]
    if args.cxx:
        plugin += ["--cxx", args.cxx]
    out = must(plugin)
    if "all checks passed" not in out:
        sys.exit("FAILED: examples/plugin against the install:\n" + out)
    print("examples/plugin: built against the installed headers, all checks passed")

    # 5. Python, from outside the tree.
    site = [os.path.join(root) for root, dirs, _ in os.walk(prefix)
            if root.endswith("site-packages") and "tessera" in dirs]
    if len(site) != 1:
        sys.exit("FAILED: the Python package is not installed (found %s)" % site)
    script = (
        "import numpy as np, tessera, sys\n"
        "assert tessera.__file__.startswith(sys.argv[1]), tessera.__file__\n"
        "g = tessera.Graph('mlp')\n"
        "x = g.input('x', (2, 3))\n"
        "w = np.arange(12, dtype=np.float32).reshape(3, 4) / 10\n"
        "g.output(g.relu(g.matmul(x, g.constant(w))), 'y')\n"
        "v = np.array([[1, -2, 3], [-1, 0.5, 2]], np.float32)\n"
        "y = tessera.compile(g)(v)\n"
        "assert np.allclose(y, np.maximum(v @ w, 0), rtol=1e-5, atol=1e-6), y\n"
        "print('python: tessera', tessera.__version__, 'LLVM', tessera.llvm_version,"
        " 'compiles and matches numpy')\n")
    clean_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    py_env = dict(clean_env, PYTHONPATH=site[0])
    print(must([sys.executable, "-c", script, prefix], env=py_env, cwd=work).strip())

    # 6. The runtime cross-built for AArch64, and an Arm application with it.
    toolchain = os.path.join(source, "cmake", "toolchains", "aarch64-linux-gnu.cmake")
    a64_prefix = os.path.join(work, "prefix-aarch64")
    configure(source, os.path.join(work, "runtime-aarch64"), "-DTESSERA_RUNTIME_ONLY=ON",
              "--toolchain", toolchain)
    must(["cmake", "--install", os.path.join(work, "runtime-aarch64"), "--prefix", a64_prefix])
    arm = os.path.join(work, "embed-aarch64")
    configure(os.path.join(source, "examples", "embed"), arm, "--toolchain", toolchain,
              "-DCMAKE_PREFIX_PATH=" + a64_prefix, "-DDEFAULT_CNN_MODEL=" + model,
              "-DTESSERA_COMPILE=" + os.path.join(prefix, "bin", "tessera-compile"))
    binary = os.path.join(arm, "embed-default-cnn")
    header = open(binary, "rb").read(20)
    if header[:4] != b"\x7fELF" or int.from_bytes(header[18:20], "little") != 183:
        sys.exit("FAILED: %s is not an AArch64 executable" % binary)
    check_matches(must(["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu", binary] + inputs),
                  "examples/embed cross-built for AArch64 (runtime-only package, qemu)")

    # 7. pip install . (offline), into a virtual environment.
    venv = os.path.join(work, "venv")
    must([sys.executable, "-m", "venv", "--system-site-packages", venv])
    pip_env = dict(clean_env, TESSERA_BUILD_DIR=build, PIP_DISABLE_PIP_VERSION_CHECK="1")
    must([os.path.join(venv, "bin", "pip"), "install", "--no-index", source], env=pip_env,
         cwd=work)
    venv_env = dict(clean_env)
    print(must([os.path.join(venv, "bin", "python"), "-c", script, venv], env=venv_env,
               cwd=work).strip().replace("python:", "pip install .:"))
    print("install/package: all checks passed")


if __name__ == "__main__":
    main()
