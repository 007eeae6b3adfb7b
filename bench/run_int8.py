#!/usr/bin/python3
"""Tessera's int8 benchmark rows: for each case of bench/quant_models.py's
BENCH, the QDQ model (as ORT's quantizer writes it) run by ONNX Runtime
(its int8 kernels: graph optimisations on) and by Tessera, and the float
model with the same weights run by Tessera.

  run_int8.py [--build-dir DIR] [--rounds R] [--iterations N] [--threads 1,2]
              [--cases NAME,...] [--table FILE] [--compile-arg ARG ...]

The three run alternately (ORT int8, Tessera int8, Tessera float, ...), R
rounds of N timed calls each in separate processes, as bench/run.py does;
each reports the median of its per-round medians. Ratios: Tessera int8 over
ORT int8 (below 1: Tessera is faster), Tessera float over Tessera int8 (the
int8 speed-up). The table goes to stdout and, with --table, between the
int8 markers of the file.
"""
import argparse
import datetime
import os
import statistics
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import quant_models  # noqa: E402
import run as bench  # noqa: E402

BEGIN, END = "<!-- bench/run_int8.py: table -->", "<!-- bench/run_int8.py: end -->"


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build-dir", default=os.path.join(bench.ROOT, "build"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--cases", default="")
    parser.add_argument("--table", default="")
    parser.add_argument("--compile-arg", action="append", default=[])
    args = parser.parse_args()
    compile_tool = os.path.join(args.build_dir, "bin", "tessera-compile")
    run_tool = os.path.join(args.build_dir, "bin", "tessera-run")
    for tool in (compile_tool, run_tool):
        if not os.path.exists(tool):
            raise SystemExit(f"bench: error: {tool} is missing; build first")
    names = [name for name, _, _ in quant_models.BENCH]
    wanted = [c for c in args.cases.split(",") if c]
    unknown = [c for c in wanted if c not in names]
    if unknown:
        raise SystemExit(f"bench: error: unknown case(s) {', '.join(unknown)}; known: "
                         + ", ".join(names))
    threads = [int(t) for t in args.threads.split(",")]
    work = tempfile.mkdtemp(prefix="tessera-bench-int8-")
    tunables = dict(os.environ, GLIBC_TUNABLES=bench.GLIBC_TUNABLES)
    env = dict(tunables, NODE_PATH=os.path.join(bench.NPM, "node_modules"))
    rows = []
    for name, float_maker, qdq_maker in quant_models.BENCH:
        if wanted and name not in wanted:
            continue
        directory = os.path.join(work, name)
        os.makedirs(directory)
        models = {}
        for kind, maker in (("float", float_maker), ("int8", qdq_maker)):
            path = os.path.join(directory, kind + ".onnx")
            shapes = maker(path)
            prefix = os.path.join(directory, "out", kind)
            subprocess.run([compile_tool, path, "-o", prefix, *args.compile_arg], check=True)
            models[kind] = (path, prefix + ".so")
        rng = np.random.default_rng(5)
        inputs = []
        for input_name, shape in shapes.items():
            npy = os.path.join(directory, input_name + ".npy")
            np.save(npy, rng.standard_normal(shape).astype(np.float32))
            inputs += ["--input", f"{input_name}={npy}"]
        for t in threads:
            peer = ["node", os.path.join(bench.ROOT, "bench", "ort_bench.js"),
                    models["int8"][0], str(t), str(args.iterations), "3"] + [
                        f"{k}={'x'.join(map(str, v))}" for k, v in shapes.items()]
            ours = {kind: [run_tool, models[kind][1], *inputs, "--iterations",
                           str(args.iterations), "--warmup", "3", "--threads", str(t)]
                    for kind in models}
            times = {"ort": [], "int8": [], "float": []}
            for _ in range(args.rounds):
                times["ort"].append(bench.run(peer, f"ORT on {name}", env))
                times["int8"].append(bench.run(ours["int8"], f"Tessera int8 on {name}",
                                               tunables))
                times["float"].append(bench.run(ours["float"], f"Tessera float on {name}",
                                                tunables))
            medians = {k: statistics.median(x[1] for x in v) for k, v in times.items()}
            row = (name, t, medians["ort"], medians["int8"], medians["float"],
                   medians["int8"] / medians["ort"], medians["float"] / medians["int8"])
            rows.append(row)
            print(f"{name:20s} threads={t} ORT int8 median={row[2]:9.3f} | Tessera int8 "
                  f"median={row[3]:9.3f} | Tessera float median={row[4]:9.3f} | "
                  f"int8/ORT={row[5]:.2f} | float/int8={row[6]:.2f}", flush=True)
    table = ["| case | threads | ORT int8 median ms | Tessera int8 median ms "
             "| Tessera float median ms | Tessera int8 / ORT int8 "
             "| Tessera float / Tessera int8 |",
             "|---|---|---|---|---|---|---|"]
    for name, t, ort, ours8, ours32, ratio, speedup in rows:
        table.append(f"| {name} | {t} | {ort:.3f} | {ours8:.3f} | {ours32:.3f} "
                     f"| {ratio:.2f} | {speedup:.2f} |")
    text = "\n".join(table)
    print()
    print(text)
    if args.table:
        header = (f"Machine: {bench.machine()}. Date: {datetime.date.today().isoformat()}. "
                  f"{args.rounds} alternating rounds of {args.iterations} calls per side "
                  f"(after 3 warm-up calls); median of the per-round medians.\n\n")
        bench.write_table(args.table, BEGIN, END, header + text)


if __name__ == "__main__":
    main()
