#!/usr/bin/python3
"""Checks a trace written by tessera-run --profile-trace.

  check_trace.py TRACE.json RUNS CONTRACTIONS

Every run is one "run" event holding its kernels' events, each kernel
appearing once per run in the same order; the kernels that carry FLOPs are
the model's CONTRACTIONS tk.matmul kernels, named after MatMul nodes; the
FLOPs of a kernel never change between runs.
"""
import json
import sys

path, runs, contractions = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(path) as f:
    trace = json.load(f)
events = [e for e in trace["traceEvents"] if e["ph"] == "X"]
run_events = [e for e in events if e["name"] == "run"]
assert len(run_events) == runs, (len(run_events), runs)
kernels = [e for e in events if e["name"] != "run"]
assert len(kernels) % runs == 0, len(kernels)
per_run = len(kernels) // runs
for r, run in enumerate(run_events):
    begin, end = run["ts"], run["ts"] + run["dur"]
    inside = [k for k in kernels if begin <= k["ts"] and k["ts"] + k["dur"] <= end + 1e-3]
    assert len(inside) == per_run, (r, len(inside), per_run)
    order = [k["args"]["kernel"] for k in sorted(inside, key=lambda k: k["ts"])]
    assert order == list(range(per_run)), order
    assert sum(k["dur"] for k in inside) <= run["dur"] + 1e-3
counted = {k["args"]["kernel"]: k for k in kernels if k["args"]["flops"] > 0}
assert len(counted) == contractions, sorted(counted)
for k in counted.values():
    assert k["cat"] == "tk.matmul", k
    assert ".mm" in k["name"] or "scores" in k["name"] or "context" in k["name"], k
    assert k["args"]["bytes"] > 0, k
for k in kernels:
    assert k["name"] and k["cat"], k
    assert k["args"]["flops"] == counted.get(k["args"]["kernel"], k)["args"]["flops"]
print("trace: %d runs x %d kernels, %d contractions" % (runs, per_run, len(counted)))
