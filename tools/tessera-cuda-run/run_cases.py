#!/usr/bin/python3
"""Runs the cases prepare_cases.py wrote, on the GPU (standard library only).

  run_cases.py DIR [--report FILE]

Per case: its artifact (model.so) through the runtime (artifact_run.py,
with DIR/libtessera_runtime.so), and where a launch plan was prepared also
the plan without the runtime (cuda_run.py, reported as CASE[plan]); one
line per run and a closing count (exit 1 when one fails, 2 when no driver
or device is present).
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dir")
    parser.add_argument("--report")
    args = parser.parse_args()
    results = []
    with open(os.path.join(args.dir, "cases.txt")) as f:
        cases = [l.split() for l in f if l.strip()]
    runtime = os.path.join(args.dir, "libtessera_runtime.so")
    for case, rtol, atol, n_in, n_out in cases:
        folder = os.path.join(args.dir, case)
        data = ["--input=" + os.path.join(folder, "input_%d.bin" % i) for i in range(int(n_in))]
        data += ["--expected=" + os.path.join(folder, "output_%d.bin" % i)
                 for i in range(int(n_out))]
        data += ["--rtol", rtol, "--atol", atol]
        runs = [(case, [os.path.join(HERE, "artifact_run.py"), "--runtime", runtime,
                        os.path.join(folder, "model.so")])]
        if os.path.exists(os.path.join(folder, "model.launches.json")):
            runs.append((case + "[plan]", [os.path.join(HERE, "cuda_run.py"),
                                           os.path.join(folder, "model.launches.json")]))
        for label, cmd in runs:
            proc = subprocess.run([sys.executable] + cmd + data, capture_output=True,
                                  text=True, timeout=300)
            if proc.returncode == 2:
                print(proc.stdout.strip())
                return 2
            last = (proc.stdout.strip().splitlines() or [proc.stderr.strip()[-300:] or "?"])
            status = "pass" if proc.returncode == 0 else "FAIL"
            results.append((label, status, last[0] if status == "FAIL" else last[-1]))
            print("%-5s %s: %s" % (status, label, results[-1][2]))
    passed = sum(1 for r in results if r[1] == "pass")
    summary = "cuda numerics: %d passed, %d failed of %d" % (passed, len(results) - passed,
                                                           len(results))
    print(summary)
    if args.report:
        with open(args.report, "w") as f:
            f.write(summary + "\n")
            for r in results:
                f.write("%s %s: %s\n" % r)
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
