#!/usr/bin/python3
"""Checks a trace written by tessera-run --profile-trace.

  check_trace.py TRACE.json RUNS MATMULS ATTENTIONS

Every run is one "run" event holding its kernels' events, each kernel
appearing once per run in the same order; the kernels that carry FLOPs are
the model's MATMULS tk.matmul kernels, named after MatMul nodes, and its
ATTENTIONS tk.attention kernels, named after the scores and context
MatMuls; the FLOPs of a kernel never change between runs.
"""
import json
import sys

path, runs = sys.argv[1], int(sys.argv[2])
matmuls, attentions = int(sys.argv[3]), int(sys.argv[4])
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
kinds = [k["cat"] for k in counted.values()]
assert kinds.count("tk.matmul") == matmuls, kinds
assert kinds.count("tk.attention") == attentions, kinds
assert len(kinds) == matmuls + attentions, kinds
for k in counted.values():
    if k["cat"] == "tk.matmul":
        assert ".mm" in k["name"], k
    else:
        assert "scores" in k["name"] and "context" in k["name"], k
    assert k["args"]["bytes"] > 0, k
for k in kernels:
    assert k["name"] and k["cat"], k
    assert k["args"]["flops"] == counted.get(k["args"]["kernel"], k)["args"]["flops"]
print("trace: %d runs x %d kernels, %d matmuls, %d attentions"
      % (runs, per_run, matmuls, attentions))
