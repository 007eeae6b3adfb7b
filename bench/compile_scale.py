#!/usr/bin/python3
"""Compile time and memory against graph size: chains of N elementwise Adds
(1k, 5k, 20k nodes by default), compiled with tessera-compile at -O0 and -O2;
prints each phase's wall time (`--timing`) and the compiler's peak resident
memory, so that growth in N shows at a glance.

  bench/compile_scale.py [--build-dir DIR] [--sizes 1000,5000,20000] [--opt 0,2]

The bound this benchmark tracks: every phase and the peak memory grow
linearly in N; on this project's 2-core machine a 20,000-node chain
compiles in about 6 s at -O2 and 24 s at -O0 (docs/performance.md).
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def chain(path, n):
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper, save
    nodes, prev = [], "x"
    for i in range(n):
        nodes.append(helper.make_node("Add", [prev, "c"], [f"t{i}"]))
        prev = f"t{i}"
    graph = helper.make_graph(
        nodes, "chain", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 64])],
        [helper.make_tensor_value_info(prev, TensorProto.FLOAT, [1, 64])],
        [numpy_helper.from_array(np.ones((1, 64), np.float32), "c")])
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    parser.add_argument("--sizes", default="1000,5000,20000")
    parser.add_argument("--opt", default="0,2")
    args = parser.parse_args()
    compiler = os.path.join(args.build_dir, "bin", "tessera-compile")
    phases = ["import", "graph", "kernel", "codegen", "llvm-dialect", "llvm", "emission"]
    print("| nodes | -O | " + " | ".join(phases) + " | total s | peak MB |")
    print("|---" * (len(phases) + 4) + "|")
    with tempfile.TemporaryDirectory() as work:
        for n in (int(s) for s in args.sizes.split(",")):
            model = os.path.join(work, f"chain{n}.onnx")
            chain(model, n)
            for opt in args.opt.split(","):
                process = subprocess.Popen(
                    [compiler, model, f"-O{opt}", "--timing", "-o",
                     os.path.join(work, f"out{n}_{opt}")],
                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                output = process.stdout.read()
                # wait4: this compile's own peak resident memory (KiB).
                _, status, usage = os.wait4(process.pid, 0)
                process.returncode = os.waitstatus_to_exitcode(status)
                if process.returncode != 0:
                    sys.exit(f"compile_scale: error: {n} nodes at -O{opt}:\n{output}")
                times = dict(re.findall(r"timing: (\S+)\s+([0-9.]+) ms", output))
                total = sum(float(v) for v in times.values()) / 1000
                cells = [f"{float(times.get(p, 0)) / 1000:.2f}" for p in phases]
                memory = f"{usage.ru_maxrss / 1024:.0f}"
                print(f"| {n} | {opt} | " + " | ".join(cells) + f" | {total:.1f} | {memory} |",
                      flush=True)


if __name__ == "__main__":
    main()
