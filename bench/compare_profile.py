#!/usr/bin/python3
"""Where a model loses: Tessera's per-kernel profile next to ONNX Runtime's
per-node profile of the same model, matched by ONNX node name.

  compare_profile.py MODEL.onnx --input-shape NAME=DIMS [...]
                     [--threads T] [--runs N] [--repeats R] [--top K]
                     [--build-dir DIR] [--compile-arg ARG ...]

Compiles MODEL with `tessera-compile --profile`, then alternates
`tessera-run --profile` and ONNX Runtime with its own profiler
(ort_profile.js) R times, N runs each, on seeded float inputs, and keeps
each kernel's and each node's smallest mean over the repeats. A Tessera
kernel is matched with the ORT nodes whose names (less the suffixes ORT's
graph rewrites add: `_nchwc`, `_token_<n>`, `/<fusion>`) are among the ONNX
nodes it came from; kernels' prologues (packing, padded copies) and ORT's
own nodes (layout reorders) have no counterpart. Rows are sorted by how
much longer Tessera takes. Nodes must be named, as exporters name them:
for an unnamed node Tessera makes up `<Op>_<index>` and ONNX Runtime names
it otherwise, so nothing matches. Profiled times are not the bench's: both
profilers cost a little per kernel; compare ratios, not absolutes.
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GLIBC_TUNABLES = ("glibc.malloc.trim_threshold=4294967295:"
                  "glibc.malloc.mmap_threshold=1073741824")
ROW = re.compile(r"\s*\d+\s+[\d.]+%\s+([\d.]+)\s+\d+\s+\S+\s+\S+\s+(\d+)\s+"
                 r"(tk\.\S+|func\.call)( prologue)?\s+(.*)")


def ort_base(name):
    name = name.split("/")[0]
    return re.sub(r"(_nchwc|_token_\d+)+$", "", name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--input-shape", action="append", default=[], required=True,
                        help="NAME=DIMS, e.g. image=1x3x640x640 (float inputs)")
    parser.add_argument("--threads", default="1")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    parser.add_argument("--compile-arg", action="append", default=[])
    args = parser.parse_args()
    shapes = {}
    for spec in args.input_shape:
        name, _, dims = spec.partition("=")
        if not dims:
            sys.exit(f"compare_profile: --input-shape {spec}: expected NAME=DIMS")
        shapes[name] = [int(d) for d in dims.split("x")]
    bin_dir = os.path.join(args.build_dir, "bin")
    env = dict(os.environ, GLIBC_TUNABLES=GLIBC_TUNABLES,
               NODE_PATH=os.path.join(ROOT, ".deps", "npm", "node_modules"))
    with tempfile.TemporaryDirectory() as work:
        prefix = os.path.join(work, "model")
        shape_args = [a for s in args.input_shape for a in ("--input-shape", s)]
        subprocess.run([os.path.join(bin_dir, "tessera-compile"), args.model, "-o", prefix,
                        "--profile", *shape_args, *args.compile_arg], check=True)
        rng = np.random.default_rng(5)
        inputs = []
        for name, shape in shapes.items():
            npy = os.path.join(work, name + ".npy")
            np.save(npy, (rng.standard_normal(shape) * 0.5).astype(np.float32))
            inputs += ["--input", f"{name}={npy}"]
        ours = collections.defaultdict(lambda: float("inf"))
        what = {}
        peer = collections.defaultdict(lambda: float("inf"))
        ops = {}
        our_runs, peer_runs = [], []
        for _ in range(args.repeats):
            out = subprocess.run([os.path.join(bin_dir, "tessera-run"), prefix + ".so", *inputs,
                                  "--profile", "--profile-top", "1000000", "--threads",
                                  args.threads, "--iterations", str(args.runs)],
                                 env=env, check=True, capture_output=True, text=True).stdout
            for line in out.splitlines():
                m = ROW.match(line)
                if m:
                    key = (m.group(2), bool(m.group(4)))
                    ours[key] = min(ours[key], float(m.group(1)))
                    what[key] = (m.group(3) + (m.group(4) or ""), m.group(5).strip())
                m = re.match(r"latency_ms min=([\d.]+)", line)
                if m:
                    our_runs.append(float(m.group(1)))
            profile = os.path.join(work, "ort.json")
            subprocess.run(["node", os.path.join(ROOT, "bench", "ort_profile.js"), args.model,
                            args.threads, str(args.runs), profile,
                            *[f"{n}={'x'.join(map(str, s))}" for n, s in shapes.items()]],
                           env=env, check=True)
            with open(profile) as f:
                result = json.load(f)
            peer_runs.append(min(result["run_ms"]))
            for name, node in result["nodes"].items():
                peer[name] = min(peer[name], node["ms"])
                ops[name] = node["op"]
    matched, rows = set(), []
    for key, ms in ours.items():
        kind, nodes = what[key]
        names = {n.strip() for n in nodes.split(",")}
        theirs = 0.0
        if not key[1]:
            for name in peer:
                if name not in matched and ort_base(name) in names:
                    theirs += peer[name]
                    matched.add(name)
        rows.append((ms, theirs, kind, nodes))
    rows.sort(key=lambda r: r[1] - r[0])
    print(f"runs: Tessera min {min(our_runs):.3f} ms, ONNX Runtime min {min(peer_runs):.3f} ms "
          f"({args.threads} thread(s), min over {args.repeats} x {args.runs} runs)")
    print(f"{'Tessera ms':>10} {'ORT ms':>8} {'diff':>8}  kind              nodes")
    for ms, theirs, kind, nodes in rows[:args.top]:
        print(f"{ms:10.3f} {theirs:8.3f} {ms - theirs:8.3f}  {kind:17s} {nodes[:70]}")
    print(f"sum: Tessera {sum(r[0] for r in rows):.3f} ms, ORT matched "
          f"{sum(r[1] for r in rows):.3f} ms, ORT unmatched "
          f"{sum(v for n, v in peer.items() if n not in matched):.3f} ms")
    for ms, name in sorted(((v, n) for n, v in peer.items() if n not in matched),
                           reverse=True)[:10]:
        print(f"  ORT only {ms:8.3f}  {ops[name]:20s} {name}")


if __name__ == "__main__":
    main()
