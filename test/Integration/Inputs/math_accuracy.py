#!/usr/bin/python3
"""math_accuracy.py BIN WORK [--mcpu CPU]: the accuracy of the compiled
transcendental functions over the whole float range.

One model applies every unary ONNX op that lowers to a transcendental math
function (and pow) to the same input: 2^20 float bit patterns spread evenly
over all of them (both signs, subnormals, every binade) plus the special
values. tessera-compile builds it (with --mcpu when given), tessera-run runs
it, and every output is compared with a float64 reference rounded to float.
The functions Tessera approximates (tessera-approximate-math) have bounds
of a few ulps; those that keep libm within 2 (glibc's own error).

The error is counted in ulps of the reference where that is a normal float;
where the reference is subnormal or zero, an absolute error up to the
smallest normal float (2^-126, a flushed subnormal) counts as exact; an
infinite or NaN reference must be matched exactly. Prints one line per
function (max ulps, max relative error, and where) and exits 1 when a
function exceeds its bound below. Also checks that the artifact imports none
of the approximated functions from libm.
"""
import argparse
import math
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F32_MIN = np.float32(2.0 ** -126)

def _erf(x):
    return np.vectorize(math.erf, otypes=[np.float64])(x)


def _sigmoid(x):
    return np.where(x >= 0, 1 / (1 + np.exp(-np.abs(x))),
                    np.exp(-np.abs(x)) / (1 + np.exp(-np.abs(x))))


def _softplus(x):
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def _selu(x):
    alpha, gamma = 1.67326319217681884765625, 1.05070102214813232421875
    return gamma * np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


# op -> (float64 reference, bound, domain of the bound or None, approximated).
# The bound is in ulps of the reference for the functions themselves and
# relative to max(1, |reference|) for the activations built from them
# (Softplus, Elu, Selu: exp(x) - 1 and log(1 + e) as ONNX and ONNX Runtime
# spell them, exact to float rounding but not to ulps near 0). Outside the
# domain only the category is checked. Approximated functions are in the
# libm check; the others are libm's own and within 2 ulps (glibc's).
FUNCTIONS = {
    "Exp": (np.exp, 5, None, True),
    "Log": (np.log, 2, None, True),
    "Tanh": (np.tanh, 5, None, True),
    "Erf": (_erf, 4, None, True),
    "Sigmoid": (_sigmoid, 4, None, True),
    "Softplus": (_softplus, 4e-7, None, True),
    "Elu": (lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))), 4e-7, None, True),
    "Selu": (_selu, 4e-7, None, True),
    "Sin": (np.sin, 1, None, False),
    "Cos": (np.cos, 1, None, False),
    "Tan": (np.tan, 1, None, False),
    "Atan": (np.arctan, 1, None, False),
    "Asin": (np.arcsin, 1, None, False),
    "Acos": (np.arccos, 1, None, False),
    "Sinh": (np.sinh, 2, None, False),
    "Cosh": (np.cosh, 2, None, False),
    "Asinh": (np.arcsinh, 2, None, False),
    "Acosh": (np.arccosh, 2, None, False),
    "Atanh": (np.arctanh, 2, None, False),
}
RELATIVE = {"Softplus", "Elu", "Selu"}
# Pow over bases of the whole range and exponents in [-8, 8] (integers
# included): the error grows with |y log|x||, the bound is at |y log x| <= 16.
POW_BOUND = 24


def inputs():
    patterns = np.arange(0, 1 << 32, 1 << 12, dtype=np.uint64) + 1234
    x = (patterns & 0xFFFFFFFF).astype(np.uint32).view(np.float32)
    x = x[np.isfinite(x)]
    specials = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 0.5, -0.5,
                         88.72, 88.73, -87.3, -103.9, -104.0, 1e-30, -1e-30,
                         np.float32(2 ** -149), 3.14159265, 1e4, -1e4, 7.9, 9.0,
                         2.0 ** 23 + 1, 1.17549435e-38], np.float32)
    return np.concatenate([x, specials]).astype(np.float32)


def ulp_errors(got, ref):
    """(ulps, relative error, bad-category mask) per element."""
    ref32 = ref.astype(np.float32)
    got64 = got.astype(np.float64)
    nan_ref, inf_ref = np.isnan(ref32), np.isinf(ref32)
    bad = np.where(nan_ref, ~np.isnan(got), False)
    bad |= np.where(inf_ref, got64 != ref32.astype(np.float64), False)
    bad |= ~(nan_ref | inf_ref) & ~np.isfinite(got)
    finite = ~(nan_ref | inf_ref) & np.isfinite(got)
    err = np.where(finite, np.abs(got64 - ref), 0.0)
    tiny = np.abs(ref32) < F32_MIN
    spacing = np.spacing(np.abs(ref32)).astype(np.float64)
    ulps = np.where(tiny, np.where(err <= float(F32_MIN), 0.0, np.inf),
                    err / np.where(tiny, 1.0, spacing))
    rel = np.where(finite & ~tiny, err / np.maximum(np.abs(ref), 1e-300), 0.0)
    return np.where(finite, ulps, 0.0), rel, bad


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bin")
    parser.add_argument("work")
    parser.add_argument("--mcpu", default="")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    x = inputs()
    n = x.size
    rng = np.random.default_rng(7)
    base = x.copy()
    rng.shuffle(base)
    exponent = np.where(rng.random(n) < 0.5, rng.integers(-8, 9, n),
                        rng.uniform(-8, 8, n)).astype(np.float32)

    names = list(FUNCTIONS)
    nodes = [helper.make_node(op, ["x"], [op.lower()], name=op) for op in names]
    nodes.append(helper.make_node("Pow", ["b", "e"], ["pow"], name="Pow"))
    outputs = [helper.make_tensor_value_info(op.lower(), TensorProto.FLOAT, [n])
               for op in names + ["Pow"]]
    graph = helper.make_graph(
        nodes, "math", [helper.make_tensor_value_info(v, TensorProto.FLOAT, [n])
                        for v in ("x", "b", "e")], outputs)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    path = os.path.join(args.work, "math.onnx")
    onnx.save(model, path)
    for name, value in (("x", x), ("b", base), ("e", exponent)):
        np.save(os.path.join(args.work, name + ".npy"), value)

    prefix = os.path.join(args.work, "out", "math")
    command = [os.path.join(args.bin, "tessera-compile"), path, "-o", prefix]
    if args.mcpu:
        command += ["--mcpu", args.mcpu]
    subprocess.run(command, check=True)
    run = [os.path.join(args.bin, "tessera-run"), prefix + ".so",
           "--output-dir", os.path.join(args.work, "results")]
    for name in ("x", "b", "e"):
        run += ["--input", f"{name}={os.path.join(args.work, name + '.npy')}"]
    subprocess.run(run, check=True, stdout=subprocess.DEVNULL)

    failed = False
    x64 = x.astype(np.float64)
    with np.errstate(all="ignore"):
        for i, op in enumerate(names + ["Pow"]):
            got = np.load(os.path.join(args.work, "results", f"{i}.npy"))
            if op == "Pow":
                b64, e64 = base.astype(np.float64), exponent.astype(np.float64)
                ref = np.power(b64, e64)
                bound, inside = POW_BOUND, np.abs(e64 * np.log(np.abs(b64))) <= 16
                inputs_shown = np.stack([base, exponent], 1)
            else:
                reference, bound, domain, _ = FUNCTIONS[op]
                ref = reference(x64)
                inside = np.ones(n, bool) if domain is None else np.abs(x64) <= domain
                inputs_shown = x
            ulps, rel, bad = ulp_errors(got, ref)
            if op in RELATIVE:   # error relative to max(1, |ref|), not in ulps
                scale = np.maximum(1.0, np.abs(ref))
                ulps = np.where(np.isfinite(ref) & np.isfinite(got),
                                np.abs(got.astype(np.float64) - ref) / scale, 0.0)
            inside_ulps = np.where(inside, ulps, 0.0)
            worst = int(np.argmax(inside_ulps))
            status = "ok"
            if bad.any():
                k = int(np.argmax(bad))
                status = (f"FAIL: input {inputs_shown[k]!r} gave {got[k]!r}, "
                          f"expected {np.float32(ref[k])!r}")
                failed = True
            elif inside_ulps[worst] > bound:
                status = f"FAIL: over the bound of {bound} ulps"
                failed = True
            where = "" if inside.all() else " (bound over the domain)"
            unit = "rel" if op in RELATIVE else "ulps"
            print(f"math-accuracy: {op:8s} max {inside_ulps[worst]:8.3g} {unit}, "
                  f"max rel {np.max(np.where(inside, rel, 0)):.2e}{where} at "
                  f"{inputs_shown[worst]!r}: {status}")

    nm = subprocess.run(["llvm-nm", "-u", prefix + ".so"], check=True,
                        stdout=subprocess.PIPE, text=True).stdout.split()
    libm = {"expf", "logf", "tanhf", "erff", "erfcf", "powf", "exp2f", "log1pf",
            "expm1f", "log2f"}
    calls = sorted(s for s in nm if s.split("@")[0] in libm)
    if calls:
        print("math-accuracy: FAIL: the artifact calls libm: " + ", ".join(calls))
        failed = True
    else:
        print("math-accuracy: no libm calls for the approximated functions")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
