#!/usr/bin/python3
"""Compiles and runs libonnx-testdata cases with tessera-compile and tessera-run.

  onnx_node_cases.py --bin BUILD/bin [--data DIR] [--jobs N] [--list FILE] [CASE ...]

Each case: compile model.onnx, run every test_data_set_*, compare every output
element (floats: |got - expected| <= atol + rtol * |expected|; integers and
bools exactly). Prints one line per case and a closing count; exits non-zero
when a case fails.
"""
import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tempfile

import onnx

DATA = "/usr/share/libonnx-testdata/data"


FROZEN = re.compile(r"graph input '([^']+)'; freeze it")
SYMBOLIC = re.compile(r"input '([^']+)' has symbolic dimension")


def data_shape(path):
    tensor = onnx.TensorProto()
    with open(path, "rb") as f:
        tensor.ParseFromString(f.read())
    return "x".join(str(d) for d in tensor.dims)


def graph_inputs(model_path):
    """Names of the graph inputs that the test data provides, in order."""
    model = onnx.load(model_path, load_external_data=False)
    initializers = {t.name for t in model.graph.initializer}
    return [i.name for i in model.graph.input if i.name not in initializers]


def graph_output_count(model_path):
    return len(onnx.load(model_path, load_external_data=False).graph.output)


# Extra tessera-compile arguments for every case (--compile-arg).
COMPILE_ARGS = []

# --cuda: the toolkit whose ptxas checks every case's PTX (None: no check).
CUDA = {"ptxas": None}
CUDA_ARCHS = ["sm_80", "sm_90a"]
# ptxas's warnings that a kernel would run badly: spills (--warn-on-spills)
# and wgmma serialization (C7510, C7511, C7515).
PTXAS_WARNING = re.compile(r"[Ss]pill|C751[015]")


def input_args(frozen, shapes):
    """tessera-compile's --freeze-input and --input-shape arguments."""
    args = []
    for name, path in sorted(frozen.items()):
        args += ["--freeze-input", "%s=%s" % (name, path)]
    for name, shape in sorted(shapes.items()):
        args += ["--input-shape", "%s=%s" % (name, shape)]
    return args


def find_ptxas(hint):
    for root in [hint, os.environ.get("CUDA_HOME"), os.environ.get("CUDA_PATH"),
                 "/usr/local/cuda"]:
        if root and os.access(os.path.join(root, "bin", "ptxas"), os.X_OK):
            return os.path.join(root, "bin", "ptxas")
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        if os.access(os.path.join(directory, "ptxas"), os.X_OK):
            return os.path.join(directory, "ptxas")
    return None


def check_cuda(bin_dir, model, tmp, frozen, shapes, timeout):
    """The CUDA compile of a case that passes on the CPU: --emit=ptx for
    every architecture of CUDA_ARCHS, each PTX through ptxas -v with no
    spills or serialization warnings. Returns "ok" or what failed."""
    cmd = [os.path.join(bin_dir, "tessera-compile"), model, "-O1", "--target=cuda",
           "--mcpu=" + ",".join(CUDA_ARCHS), "--emit=ptx"] + input_args(frozen, shapes)
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "CUDA compile timed out"
    if proc.returncode != 0:
        return "CUDA compile: " + ((proc.stderr.strip().splitlines() or ["exit %d" % proc.returncode])[-1])
    images = re.split(r"^// tessera-ptx: (\S+)\n", proc.stdout, flags=re.M)[1:]
    archs = images[0::2]
    if not images:
        return "ok"  # nothing runs on the device (every output a constant)
    if archs != CUDA_ARCHS:
        return "CUDA compile printed PTX for %s, not %s" % (archs, CUDA_ARCHS)
    for arch, ptx in zip(archs, images[1::2]):
        path = os.path.join(tmp, "cuda-%s.ptx" % arch)
        with open(path, "w") as f:
            f.write(ptx)
        check = subprocess.run([CUDA["ptxas"], "-arch=" + arch, "-v", "--warn-on-spills",
                                "-o", path + ".cubin", path],
                               capture_output=True, text=True, timeout=timeout)
        if check.returncode != 0:
            return "ptxas -arch=%s: %s" % (arch, (check.stderr.strip().splitlines() or ["?"])[0])
        warnings = [l for l in check.stderr.splitlines()
                    if PTXAS_WARNING.search(l) and " 0 bytes spill" not in l
                    and "bytes spill stores" not in l]
        spilled = re.findall(r"([1-9][0-9]*) bytes spill (stores|loads)", check.stderr)
        if warnings or spilled:
            return "ptxas -arch=%s: %s" % (arch, (warnings or ["%s bytes spilled" % spilled[0][0]])[0])
    return "ok"


def compile_model(bin_dir, model, prefix, frozen, shapes, timeout):
    """Compiles; returns (kind, detail), kind "ok" on success."""
    cmd = [os.path.join(bin_dir, "tessera-compile"), model, "-o", prefix, "-O1"] + \
        COMPILE_ARGS + input_args(frozen, shapes)
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", "compile timed out"
    if proc.returncode < 0:
        return "crash", "compile crashed with signal %d" % -proc.returncode
    if proc.returncode != 0:
        line = (proc.stderr.strip().splitlines() or ["?"])[-1]
        # The driver's own failures say "compilation failed"; everything else
        # comes from reading the model (unsupported ops, types, opsets).
        kind = "compile" if "compilation failed" in line or "internal:" in line else "import"
        return kind, line
    return "ok", ""


def run_case(bin_dir, case_dir, rtol, atol, timeout):
    """Compiles and runs every data set of a case.

    Inputs that the model uses as compile-time parameters (shapes, pads, axes)
    are frozen to the data set's values with --freeze-input, as a static-shape
    compiler requires; every output is still compared element by element.
    """
    model = os.path.join(case_dir, "model.onnx")
    names = graph_inputs(model)
    sets = sorted(d for d in os.listdir(case_dir) if d.startswith("test_data_set"))
    with tempfile.TemporaryDirectory(prefix="tessera-case-") as tmp:
        compiled = None  # frozen inputs of the current build
        symbolic = False  # shapes come from each data set
        for number, data_set in enumerate(sets):
            data = os.path.join(case_dir, data_set)
            files = {n: os.path.join(data, "input_%d.pb" % i) for i, n in enumerate(names)}
            frozen = {n: files[n] for n in (compiled or {})}
            prefix = os.path.join(tmp, "model%d" % number)
            shapes = {}
            if compiled is None or compiled or symbolic:
                for _ in range(2 * len(names) + 1):
                    kind, detail = compile_model(bin_dir, model, prefix, frozen, shapes, timeout)
                    match = FROZEN.search(detail)
                    if kind == "import" and match and match.group(1) in files \
                            and match.group(1) not in frozen:
                        frozen[match.group(1)] = files[match.group(1)]
                        continue
                    # Symbolic dimensions take the data set's sizes.
                    match = SYMBOLIC.search(detail)
                    if kind == "import" and match and match.group(1) in files \
                            and match.group(1) not in shapes:
                        shapes[match.group(1)] = data_shape(files[match.group(1)])
                        symbolic = True
                        continue
                    break
                if kind != "ok":
                    return kind, detail
                compiled = dict(frozen)
                last_prefix = prefix
                last_shapes = dict(shapes)
            cmd = [os.path.join(bin_dir, "tessera-run"), last_prefix + ".so",
                   "--rtol", str(rtol), "--atol", str(atol)]
            for name in names:
                if name not in compiled:
                    cmd += ["--input", "%s=%s" % (name, files[name])]
            outputs = sorted(f for f in os.listdir(data) if f.startswith("output_"))
            # Every output is compared: a data set that lacks expected values
            # for some output fails rather than passing on the rest.
            if len(outputs) != graph_output_count(model):
                return "mismatch", "%s has %d expected outputs, the model %d" % (
                    data_set, len(outputs), graph_output_count(model))
            for i in range(len(outputs)):
                cmd += ["--expected", os.path.join(data, "output_%d.pb" % i)]
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
            except subprocess.TimeoutExpired:
                return "timeout", "run timed out"
            if proc.returncode < 0:
                return "crash", "run crashed with signal %d" % -proc.returncode
            if proc.returncode != 0:
                lines = [l for l in (proc.stdout + proc.stderr).splitlines()
                         if "differ" in l or "error" in l or "expected" in l]
                return "mismatch", (lines or ["mismatch"])[0]
        if CUDA["ptxas"]:
            return "pass", "", check_cuda(bin_dir, model, tmp, compiled, last_shapes, timeout)
        return "pass", ""


def read_list(path, group=None):
    """Cases of a GROUP CASE list (all groups when `group` is None)."""
    cases = []
    with open(path) as f:
        for line in f:
            line = line.split("#")[0].split()
            if line and (group is None or line[0] == group):
                cases.append(line[-1])
    return cases


def read_xfail(path):
    xfail = {}
    with open(path) as f:
        for line in f:
            case, _, reason = line.partition("#")
            if case.strip():
                xfail[case.strip()] = reason.strip()
    return xfail


def stale_reason(reason, kind, detail):
    """Why an expected failure's stated reason no longer describes how it
    fails (None when it still does): an "unsupported: op X" case must fail
    to import at an X node."""
    match = re.search(r"unsupported: op (\w+)", reason)
    if match and (kind != "import" or "(%s," % match.group(1) not in detail):
        return "listed as '%s' but fails with: %s" % (reason, detail)
    return None


CLASSES = ["pass", "mismatch", "compile", "import", "crash", "timeout"]


def case_ops(data, case):
    try:
        model = onnx.load(os.path.join(data, case, "model.onnx"), load_external_data=False)
    except Exception:  # noqa: BLE001 - a broken model is reported as such
        return ["<unreadable>"]
    ops = sorted({n.op_type for n in model.graph.node} - {"Constant"})
    return ops or ["Constant"]


def run_tables(cases, results, data, heading="##"):
    """Markdown tables of one run: failures per class (with the first error
    line) and per op (cases using it, passes)."""
    per_class = {k: [] for k in CLASSES}
    per_op = {}
    for case in cases:
        kind, detail = results[case][:2]
        per_class[kind].append((case, detail))
        for op in case_ops(data, case):
            o = per_op.setdefault(op, [0, 0])
            o[0] += 1
            o[1] += kind == "pass"
    lines = ["", heading + " Failures by class", "", "| class | cases | first error |",
             "|---|---|---|"]
    for kind in CLASSES[1:]:
        items = per_class[kind]
        first = items[0][1].replace("|", "\\|") if items else ""
        if len(first) > 160:
            first = first[:157] + "..."
        lines.append("| %s | %d | %s |" % (kind, len(items), first))
    lines += ["", heading + " By op", "", "Cases whose model uses the op, and how many of them pass.",
              "", "| op | cases | passed |", "|---|---|---|"]
    for op, (n, p) in sorted(per_op.items()):
        lines.append("| %s | %d | %d |" % (op, n, p))
    return lines


def summary_line(label, cases, results):
    passed = sum(1 for c in cases if results[c][0] == "pass")
    return "%s: %d passed, %d failed of %d" % (label, passed, len(cases) - passed, len(cases))


def cuda_line(cases, results):
    """How many of the cases passing on the CPU were checked for CUDA and
    passed (None when none was checked)."""
    checked = [c for c in cases if len(results[c]) > 2]
    if not checked:
        return None
    ok = sum(1 for c in checked if results[c][2] == "ok")
    return ("cuda: %d of %d CPU-passing cases compile for CUDA and pass ptxas (%s) "
            "with no spills" % (ok, len(checked), ", ".join(CUDA_ARCHS)))


def cuda_tables(cases, results):
    line = cuda_line(cases, results)
    if not line:
        return []
    lines = ["", "## CUDA compile", "",
             "Every case that passes on the CPU, compiled again with `--target=cuda",
             "--emit=ptx -O1` and each architecture's PTX checked with `ptxas -v",
             "--warn-on-spills` (no spills, no wgmma serialization warnings). The",
             "numerics on a GPU are not checked here (no device).", "", "**" + line + "**"]
    failures = [(c, results[c][2]) for c in cases
                if len(results[c]) > 2 and results[c][2] != "ok"]
    if failures:
        lines += ["", "| case | CUDA failure |", "|---|---|"]
        for case, detail in failures:
            lines.append("| %s | %s |" % (case, detail.replace("|", "\\|")[:160]))
    return lines


OPSET_LABEL = "opsets 18-21"


def write_report(path, cases, results, data, extra=None):
    """Markdown: totals per suite, then the tables of the run; `extra`
    (cases, results, data) adds the generated opset 18-21 cases' section."""
    per_suite = {}
    for case in cases:
        s = per_suite.setdefault(case.split("/")[0], [0, 0])
        s[0] += 1
        s[1] += results[case][0] == "pass"
    lines = ["# ONNX conformance", "",
             "Generated by `test/Integration/onnx_node_cases.py --report` from a run over",
             "Debian's libonnx-testdata (ONNX 1.12); do not edit by hand. Every output",
             "element is compared (floats within 1e-5 + 1e-3 |expected|, integers and",
             "booleans exactly).", "",
             "**" + summary_line("conformance", cases, results) + "**"]
    if extra:
        lines += ["", "**" + summary_line(OPSET_LABEL, *extra[:2]) + "** (generated cases, "
                  "[below](#opsets-18-21))"]
    lines += ["", "| suite | cases | passed |", "|---|---|---|"]
    for suite, (n, p) in sorted(per_suite.items()):
        lines.append("| %s | %d | %d |" % (suite, n, p))
    lines += run_tables(cases, results, data)
    lines += cuda_tables(cases + (extra[0] if extra else []), results)
    if extra:
        lines += ["", "## Opsets 18-21", "",
                  "The test data predates opset 18: `test/Integration/make_opset_cases.py`",
                  "generates a model per op whose signature or semantics changed in opsets",
                  "18-21, with expected outputs from ONNX Runtime 1.30, and the same runner",
                  "compares them.", "", "**" + summary_line(OPSET_LABEL, *extra[:2]) + "**"]
        lines += run_tables(*extra, heading="###")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def load_results(directory, cases):
    results = {}
    for name in os.listdir(directory):
        if name.endswith(".json"):
            with open(os.path.join(directory, name)) as f:
                results.update({k: tuple(v) for k, v in json.load(f).items()})
    return results, [c for c in cases if c not in results]


def summarize(args):
    """The conformance line (and report) of a complete run made group by group."""
    cases = read_list(args.list)
    extra_cases = read_list(args.extra_list) if args.extra_list else []
    results, missing = load_results(args.summarize, cases + extra_cases)
    if missing:
        print("error: %d cases have no result (run every group first), e.g. %s"
              % (len(missing), missing[0]))
        return 1
    extra = (extra_cases, results, args.extra_data) if extra_cases else None
    if args.report:
        write_report(args.report, cases, results, args.data, extra)
    print(summary_line("conformance", cases, results))
    if extra:
        print(summary_line(OPSET_LABEL, extra_cases, results))
    if cuda_line(cases + extra_cases, results):
        print(cuda_line(cases + extra_cases, results))
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--data", default=DATA)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--list", help="GROUP CASE lines (case paths relative to --data)")
    parser.add_argument("--group", help="only this group of --list")
    parser.add_argument("--xfail", help="CASE  # CLASS: reason lines of expected failures")
    parser.add_argument("--rtol", type=float, default=1e-3)
    parser.add_argument("--atol", type=float, default=1e-5)
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--report", help="write a Markdown report of the run here")
    parser.add_argument("--results-dir",
                        help="also store this run's results as RESULTS_DIR/<group>.json")
    parser.add_argument("--summarize", metavar="RESULTS_DIR",
                        help="do not run: combine the stored results of every group of "
                             "--list, print the conformance line, write --report")
    parser.add_argument("--extra-list",
                        help="with --report or --summarize: the generated opset 18-21 "
                             "cases (make_opset_cases.py's cases.txt), reported in their "
                             "own section")
    parser.add_argument("--extra-data", help="where --extra-list's cases are")
    parser.add_argument("--compile-arg", action="append", default=[],
                        help="pass this argument to tessera-compile (repeatable)")
    parser.add_argument("--cuda", metavar="TOOLKIT", nargs="?", const="",
                        help="also compile every passing case for CUDA (sm_80, sm_90a) "
                             "and check its PTX with ptxas (the toolkit's, or found on "
                             "CUDA_HOME, PATH, /usr/local/cuda); a missing ptxas is "
                             "reported and the check skipped")
    parser.add_argument("cases", nargs="*")
    args = parser.parse_args()
    COMPILE_ARGS.extend(args.compile_arg)
    if args.cuda is not None:
        CUDA["ptxas"] = find_ptxas(args.cuda)
        if not CUDA["ptxas"]:
            print("note: no ptxas found (install the CUDA toolkit or set CUDA_HOME): "
                  "the CUDA compile check is skipped")
    if args.summarize:
        return summarize(args)
    cases = list(args.cases)
    if args.list:
        cases += read_list(args.list, args.group)
    if not cases:
        parser.error("no cases selected")
    xfail = read_xfail(args.xfail) if args.xfail else {}
    extra_cases = read_list(args.extra_list) if args.extra_list else []
    where = {c: args.data for c in cases}
    where.update({c: args.extra_data for c in extra_cases})
    missing = [c for c, d in where.items() if not os.path.isdir(os.path.join(d, c))]
    if missing:
        print("error: test data not found: %s (install libonnx-testdata)" % ", ".join(missing))
        return 1
    results = {}
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futures = {pool.submit(run_case, args.bin, os.path.join(d, c),
                               args.rtol, args.atol, args.timeout): c for c, d in where.items()}
        for future in concurrent.futures.as_completed(futures):
            results[futures[future]] = future.result()
    extra = (extra_cases, results, args.extra_data) if extra_cases else None
    if args.report:
        write_report(args.report, cases, results, args.data, extra)
    if args.results_dir:
        os.makedirs(args.results_dir, exist_ok=True)
        with open(os.path.join(args.results_dir, (args.group or "cases") + ".json"), "w") as f:
            json.dump(results, f)
    passed = failed = expected = 0
    for case in cases + extra_cases:
        kind, detail = results[case][:2]
        cuda = results[case][2] if len(results[case]) > 2 else None
        if cuda not in (None, "ok"):
            failed += 1
            print("CUDA     %s: %s" % (case, cuda))
        if case in xfail:
            stale = stale_reason(xfail[case], kind, detail)
            if kind == "pass":
                failed += 1
                print("XPASS    %s: passes now; remove it from the expected failures" % case)
            elif stale:
                failed += 1
                print("STALE    %s: %s" % (case, stale))
            else:
                expected += 1
                print("xfail    %s: %s (%s)" % (case, kind, xfail[case]))
            continue
        if kind == "pass":
            passed += 1
            print("pass     %s" % case)
        else:
            failed += 1
            print("%-8s %s: %s" % (kind.upper(), case, detail))
    print(summary_line("conformance", cases, results))
    if extra:
        print(summary_line(OPSET_LABEL, extra_cases, results))
    if cuda_line(cases + extra_cases, results):
        print(cuda_line(cases + extra_cases, results))
    print("%d passed, %d failed, %d expected failures" % (passed, failed, expected))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
