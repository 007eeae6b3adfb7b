#!/usr/bin/python3
"""Runs the cases prepare_cases.py wrote, on the GPU (standard library only).

  run_cases.py DIR [--report FILE]

One cuda_run.py per case; prints one line per case and a closing count
(exit 1 when a case fails, 2 when no driver or device is present).
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
    for case, rtol, atol, n_in, n_out in cases:
        folder = os.path.join(args.dir, case)
        cmd = [sys.executable, os.path.join(HERE, "cuda_run.py"),
               os.path.join(folder, "model.launches.json"), "--rtol", rtol, "--atol", atol]
        cmd += ["--input=" + os.path.join(folder, "input_%d.bin" % i) for i in range(int(n_in))]
        cmd += ["--expected=" + os.path.join(folder, "output_%d.bin" % i)
                for i in range(int(n_out))]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        if proc.returncode == 2:
            print(proc.stdout.strip())
            return 2
        last = (proc.stdout.strip().splitlines() or ["?"])
        status = "pass" if proc.returncode == 0 else "FAIL"
        results.append((case, status, last[0] if status == "FAIL" else last[-1]))
        print("%-5s %s: %s" % (status, case, results[-1][2]))
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
