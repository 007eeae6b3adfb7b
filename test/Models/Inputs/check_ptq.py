#!/usr/bin/python3
"""check_ptq.py BIN WORK CASE [options] [-- COMPILE-OPTIONS]: post-training quantization of a
float model by tessera-compile --quantize=int8, checked three ways.

CASE is a ptq_models.py case (cnn, transformer) or `paddleocr-cls` (with
--model: PaddleOCR's text-direction classifier, calibrated and evaluated on
text lines rendered by render_text_lines.py, 0 and 180 degrees).

1. The int8 artifact against ONNX Runtime's float outputs (the oracle) on
   the first --oracle evaluation sets: cosine similarity of every output
   at least --min-cosine, and the same top-1 class where the output is a
   classifier's.
2. The report (--quantize-report, its JSON): every layer it lists as int8
   or float with a reason, at least --min-int8 layers in int8, the model's
   top-1 agreement with float on the held-out sets at least --min-top1
   (classifiers), and for rendered lines the float model's own accuracy.
3. The int8 layers are int8 kernels: tk.matmul ops on 8-bit operands in
   the --emit=tk output, at least one per int8 layer.

Prints one line per check; exits non-zero when one fails.
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, HERE)
import ptq_models  # noqa: E402


def save_sets(directory, sets):
    os.makedirs(directory, exist_ok=True)
    for i, feeds in enumerate(sets):
        if len(feeds) == 1:
            np.save(os.path.join(directory, "%04d.npy" % i), next(iter(feeds.values())))
        else:
            folder = os.path.join(directory, "%04d" % i)
            os.makedirs(folder, exist_ok=True)
            for name, value in feeds.items():
                np.save(os.path.join(folder, name + ".npy"), value)


def load_sets(directory, names):
    sets = []
    for path in sorted(glob.glob(os.path.join(directory, "*"))):
        if path.endswith(".npy"):
            sets.append({names[0]: path})
        elif os.path.isdir(path):
            sets.append({n: os.path.join(path, n + ".npy") for n in names})
    return sets


def cosine(a, b):
    a, b = a.astype(np.float64).ravel(), b.astype(np.float64).ravel()
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-30))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bin")
    parser.add_argument("work")
    parser.add_argument("case")
    parser.add_argument("--model", help="the ONNX model of paddleocr-cls")
    parser.add_argument("--calibration", type=int, default=32)
    parser.add_argument("--eval", type=int, default=32)
    parser.add_argument("--oracle", type=int, default=4)
    parser.add_argument("--min-cosine", type=float, default=0.999)
    parser.add_argument("--min-top1", type=float, default=0.99)
    parser.add_argument("--min-int8", type=int, default=1)
    parser.add_argument("--seed", type=int, default=3)
    # After --: more tessera-compile options.
    args, args.compile_args = parser.parse_known_args()
    args.compile_args = [a for a in args.compile_args if a != "--"]
    os.makedirs(args.work, exist_ok=True)
    cal, held = os.path.join(args.work, "cal"), os.path.join(args.work, "eval")
    labels = None
    if args.case == "paddleocr-cls":
        model, names, shape = args.model, ["x"], ["--input-shape", "x=1x3x48x192"]
        render = os.path.join(HERE, "render_text_lines.py")
        subprocess.run([sys.executable, render, cal, str(args.calibration), "--seed", "11"],
                       check=True)
        subprocess.run([sys.executable, render, held, str(args.eval), "--seed", "12"],
                       check=True)
        labels = [int(line) for line in open(os.path.join(held, "labels.txt"))]
    else:
        rng = np.random.default_rng(args.seed)
        model = os.path.join(args.work, args.case + ".onnx")
        ptq_models.write(args.case, model, rng)
        first = ptq_models.inputs(args.case, args.calibration + args.eval, rng)
        names, shape = list(first[0].keys()), []
        save_sets(cal, first[:args.calibration])
        save_sets(held, first[args.calibration:])

    prefix = os.path.join(args.work, "int8")
    report = os.path.join(args.work, "report.md")
    quantize = [os.path.join(args.bin, "tessera-compile"), model, *shape,
                "--quantize=int8", "--calibration=" + cal, *args.compile_args]
    subprocess.run(quantize + ["-o", prefix, "--quantize-eval=" + held,
                               "--quantize-report=" + report], check=True,
                   stderr=subprocess.DEVNULL)
    failures = []

    # 1. Against ONNX Runtime's float model.
    sets = load_sets(held, names)[:args.oracle]
    worst, same, rows = 1.0, 0, 0
    env = dict(os.environ, NODE_PATH=os.path.join(ROOT, ".deps", "npm", "node_modules"))
    for i, feeds in enumerate(sets):
        ort, out = os.path.join(args.work, "ort%d" % i), os.path.join(args.work, "out%d" % i)
        subprocess.run(["node", os.path.join(ROOT, "tools", "tessera-verify", "ort_oracle.js"),
                        model, ort] + ["%s=%s" % kv for kv in feeds.items()],
                       check=True, env=env, stdout=subprocess.DEVNULL)
        subprocess.run([os.path.join(args.bin, "tessera-run"), prefix + ".so",
                        *sum([["--input", "%s=%s" % kv] for kv in feeds.items()], []),
                        "--output-dir", out], check=True, stdout=subprocess.DEVNULL)
        for k in range(len(glob.glob(os.path.join(ort, "*.npy")))):
            ref = np.load(os.path.join(ort, "%d.npy" % k))
            got = np.load(os.path.join(out, "%d.npy" % k))
            worst = min(worst, cosine(ref, got))
            if ref.ndim == 2 and ref.shape[-1] >= 2:
                rows += ref.shape[0]
                same += int((ref.argmax(-1) == got.argmax(-1)).sum())
    line = "%s: int8 vs ORT float on %d sets: cosine %.5f (>= %g)" % (
        args.case, len(sets), worst, args.min_cosine)
    if rows:
        line += ", top-1 %d of %d" % (same, rows)
    print(line)
    if worst < args.min_cosine or same != rows:
        failures.append("the int8 model is too far from ORT's float outputs")

    # 2. The report.
    data = json.load(open(report + ".json"))
    layers = data["layers"]
    int8 = [layer for layer in layers if layer["int8"]]
    unexplained = [layer["node"] for layer in layers
                   if not layer["int8"] and not layer.get("float_reason")]
    print("%s: report: %d of %d layers int8, %d float with reasons" % (
        args.case, len(int8), len(layers), len(layers) - len(int8) - len(unexplained)))
    if unexplained or len(int8) < args.min_int8:
        failures.append("too few int8 layers, or float ones without a reason")
    for output in data["outputs"]:
        if args.case != "transformer" and data["evaluation_held_out"]:
            agreement = output["top1_agreement"]
            print("%s: report: top-1 agreement with float %.2f%% of %d held-out sets (>= %g%%)"
                  % (args.case, 100 * agreement, output["top1_rows"], 100 * args.min_top1))
            if agreement < args.min_top1:
                failures.append("top-1 agreement below the bar")
    if labels is not None:
        # The rendered lines mean something: the float model reads them.
        module_dir = os.path.join(args.work, "float")
        subprocess.run([os.path.join(args.bin, "tessera-compile"), model, *shape, "-o",
                        module_dir], check=True)
        right = 0
        for i, path in enumerate(sorted(glob.glob(os.path.join(held, "*.npy")))):
            out = os.path.join(args.work, "f%d" % i)
            if i >= 40:
                break
            subprocess.run([os.path.join(args.bin, "tessera-run"), module_dir + ".so",
                            "--input", "x=" + path, "--output-dir", out], check=True,
                           stdout=subprocess.DEVNULL)
            right += int(np.load(os.path.join(out, "0.npy")).argmax() == (labels[i] == 180))
        print("%s: float model reads %d of 40 rendered lines right" % (args.case, right))
        if right < 36:
            failures.append("the rendered lines are not readable text lines")

    # 3. int8 kernels.
    tk = subprocess.run(quantize + ["--emit=tk"], check=True, capture_output=True,
                        text=True).stdout
    kernels = len(re.findall(r"tk\.matmul[^\n]*x(?:ui8|i8)>", tk))
    print("%s: %d int8 tk.matmul kernels for %d int8 layers" % (args.case, kernels, len(int8)))
    if kernels < len(int8):
        failures.append("an int8 layer is not an int8 kernel")
    for failure in failures:
        print("FAIL: " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
