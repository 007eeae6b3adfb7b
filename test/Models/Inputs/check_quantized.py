#!/usr/bin/python3
"""check_quantized.py BIN WORK CASE [--mcpu CPU,...]: one quantized case of
bench/quant_models.py compiled by Tessera and compared with ONNX Runtime's
reference semantics (graph optimisations disabled: node by node, each
QuantizeLinear rounding a float MatMul's result).

Tessera computes a quantized matmul exactly in integers and rescales once;
ONNX Runtime's reference sums the dequantized products in float. A result
that lands within float rounding of a rounding boundary may come out one
quantization step apart, so the tolerance is: no element more than one
step (integers: 1; dequantized floats: the output scale) from the
reference, and at most 1% of the elements differing at all.

With --mcpu, the case is compiled once per CPU the host can run (each
picks its own int8 instruction: pmaddwd for SSE2/AVX2/AVX-512BW, vpdpbusd
for AVX-VNNI/AVX512-VNNI, AMX tiles) and every build must give the same
bits. With
--same CASE2, CASE2 (the other spelling of the same model) must give the
same bits as CASE.

Prints one line per comparison; exits non-zero on a mismatch.
"""
import argparse
import os
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import quant_models  # noqa: E402

# What each CPU name needs of the host to run what it is compiled for.
CPU_FLAGS = {
    "x86-64": ["sse2"],
    "haswell": ["avx2", "fma"],
    "skylake-avx512": ["avx512f", "avx512bw", "avx512vl"],
    "alderlake": ["avx2", "avx_vnni"],
    "icelake-server": ["avx512f", "avx512bw", "avx512_vnni"],
    "sapphirerapids": ["avx512f", "avx512bw", "amx_tile", "amx_int8"],
}


def host_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def compile_and_run(args, case, mcpu, feeds):
    work = os.path.join(args.work, case + ("-" + mcpu if mcpu else ""))
    os.makedirs(work, exist_ok=True)
    model = os.path.join(work, "model.onnx")
    shapes = dict(quant_models.CASES)[case](model)
    prefix = os.path.join(work, "model")
    command = [os.path.join(args.bin, "tessera-compile"), model, "-o", prefix]
    if mcpu:
        command.append("--mcpu=" + mcpu)
    subprocess.run(command, check=True)
    out = os.path.join(work, "out")
    inputs = []
    for feed in feeds:
        inputs += ["--input", feed]
    subprocess.run([os.path.join(args.bin, "tessera-run"), prefix + ".so", *inputs,
                    "--output-dir", out], check=True, stdout=subprocess.DEVNULL)
    return model, shapes, np.load(os.path.join(out, "0.npy"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bin")
    parser.add_argument("work")
    parser.add_argument("case")
    parser.add_argument("--mcpu", default="")
    parser.add_argument("--same", default="")
    args = parser.parse_args()
    cases = dict(quant_models.CASES)
    for case in [args.case] + ([args.same] if args.same else []):
        if case not in cases:
            raise SystemExit(f"check_quantized: unknown case {case}; known: "
                             + ", ".join(cases))
    os.makedirs(args.work, exist_ok=True)
    probe = os.path.join(args.work, "probe.onnx")
    rng = np.random.default_rng(5)
    feeds = []
    for name, shape in cases[args.case](probe).items():
        path = os.path.join(args.work, name + ".npy")
        np.save(path, rng.standard_normal(shape).astype(np.float32))
        feeds.append(f"{name}={path}")

    model, _, got = compile_and_run(args, args.case, "", feeds)
    oracle = os.path.join(args.work, "ort")
    env = dict(os.environ, NODE_PATH=os.path.join(ROOT, ".deps", "npm", "node_modules"))
    subprocess.run(["node", os.path.join(ROOT, "tools", "tessera-verify", "ort_oracle.js"),
                    "--no-optimize", model, oracle, *feeds], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    want = np.load(os.path.join(oracle, "0.npy"))
    failed = False
    if got.shape != want.shape or got.dtype != want.dtype:
        print(f"{args.case}: FAIL shape/dtype {got.shape} {got.dtype} vs "
              f"{want.shape} {want.dtype}")
        sys.exit(1)
    if np.issubdtype(want.dtype, np.integer):
        diff = np.abs(got.astype(np.int64) - want.astype(np.int64))
        step = 1
    else:
        # The step of the output's quantization: the smallest nonzero gap.
        values = np.unique(want)
        gaps = np.diff(values)
        step = float(gaps[gaps > 0].min()) if gaps.size else 1.0
        diff = np.abs(got.astype(np.float64) - want.astype(np.float64)) / step
        diff = np.round(diff, 3)
    differing = int(np.count_nonzero(diff))
    worst = float(diff.max()) if diff.size else 0.0
    ok = worst <= 1 and differing <= max(1, diff.size // 100)
    failed |= not ok
    print(f"{args.case}: {'ok' if ok else 'FAIL'} vs ORT reference: {differing}/{diff.size} "
          f"elements differ, by at most {worst:g} step(s) of {step:g}")

    if args.same:
        _, _, other = compile_and_run(args, args.same, "", feeds)
        same = other.dtype == got.dtype and np.array_equal(other, got)
        failed |= not same
        print(f"{args.case}: {'ok' if same else 'FAIL'} identical to {args.same}")

    flags = host_flags()
    for cpu in filter(None, args.mcpu.split(",")):
        missing = [f for f in CPU_FLAGS.get(cpu, []) if f not in flags]
        if missing:
            print(f"{args.case}: --mcpu={cpu} not run: host lacks {' '.join(missing)}")
            continue
        _, _, variant = compile_and_run(args, args.case, cpu, feeds)
        same = variant.dtype == got.dtype and np.array_equal(variant, got)
        failed |= not same
        print(f"{args.case}: {'ok' if same else 'FAIL'} --mcpu={cpu} bit-identical")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
