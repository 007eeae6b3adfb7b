#!/usr/bin/python3
"""detection_postprocess.py BIN WORK: detection heads' post-processing as
the exporters spell it, compiled by Tessera and compared with ONNX Runtime
(the oracle) on seeded random boxes (many overlapping) and scores.

- pytorch: NonMaxSuppression with constant limits, the box ids and classes
  taken with Gather(selected, k, axis=1), the boxes with Gather along the
  squeezed box list, the scores with GatherND(scores, selected), the
  classes cast to float.
- tf2onnx: scores transposed from [batch, boxes, classes], centered boxes,
  the per-class limit a run-time input, the ids by Slice(axes=[1]) +
  Squeeze, the kept boxes gathered from the batched list.

Prints tessera-run's comparison lines per case and input; exits non-zero on
a mismatch.
"""
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
F, I64 = TensorProto.FLOAT, TensorProto.INT64
vi = helper.make_tensor_value_info


def const(name, dtype, dims, values):
    return helper.make_node("Constant", [], [name],
                            value=helper.make_tensor(name, dtype, dims, values))


def pytorch_model(n, classes):
    nodes = [
        const("max_out", I64, [1], [100]), const("iou", F, [1], [0.45]),
        const("score", F, [1], [0.6]), const("two", I64, [], [2]),
        const("one", I64, [], [1]), const("axes0", I64, [1], [0]),
        helper.make_node("NonMaxSuppression", ["boxes", "scores", "max_out", "iou", "score"],
                         ["selected"], name="nms"),
        helper.make_node("Gather", ["selected", "two"], ["box_ids"], axis=1),
        helper.make_node("Gather", ["selected", "one"], ["class_ids"], axis=1),
        helper.make_node("Squeeze", ["boxes", "axes0"], ["box_list"]),
        helper.make_node("Gather", ["box_list", "box_ids"], ["det_boxes"], axis=0),
        helper.make_node("GatherND", ["scores", "selected"], ["det_scores"]),
        helper.make_node("Cast", ["class_ids"], ["det_classes"], to=F),
    ]
    return helper.make_graph(
        nodes, "pytorch_nms",
        [vi("boxes", F, [1, n, 4]), vi("scores", F, [1, classes, n])],
        [vi("det_boxes", F, ["s", 4]), vi("det_scores", F, ["s"]),
         vi("det_classes", F, ["s"])])


def tf2onnx_model(n, classes):
    nodes = [
        const("iou", F, [], [0.5]), const("score", F, [], [0.3]),
        const("starts", I64, [1], [2]), const("ends", I64, [1], [3]),
        const("axes1", I64, [1], [1]),
        helper.make_node("Transpose", ["raw_scores"], ["scores"], perm=[0, 2, 1]),
        helper.make_node("NonMaxSuppression", ["boxes", "scores", "max_per_class", "iou", "score"],
                         ["selected"], name="nms", center_point_box=1),
        helper.make_node("Slice", ["selected", "starts", "ends", "axes1"], ["id_column"]),
        helper.make_node("Squeeze", ["id_column", "axes1"], ["box_ids"]),
        helper.make_node("Gather", ["boxes", "box_ids"], ["det_boxes"], axis=1),
    ]
    return helper.make_graph(
        nodes, "tf2onnx_nms",
        [vi("boxes", F, [1, n, 4]), vi("raw_scores", F, [1, n, classes]),
         vi("max_per_class", I64, [1])],
        [vi("det_boxes", F, [1, "s", 4]), vi("selected", I64, ["s", 3])])


def inputs(case, n, classes, seed, work):
    rng = np.random.default_rng(seed)
    centers = rng.uniform(0, 100, (1, n, 2))
    sizes = rng.uniform(5, 30, (1, n, 2))
    if case == "tf2onnx":
        boxes = np.concatenate([centers, sizes], axis=2)
        feeds = {"boxes": boxes, "raw_scores": rng.random((1, n, classes)),
                 "max_per_class": np.array([7 + seed], np.int64)}
    else:
        corners = np.concatenate([centers - sizes / 2, centers + sizes / 2], axis=2)
        flip = rng.random((1, n, 1)) < 0.3  # some boxes give the far corner first
        corners = np.where(flip, corners[..., [2, 3, 0, 1]], corners)
        feeds = {"boxes": corners, "scores": rng.random((1, classes, n))}
    paths = []
    for name, value in feeds.items():
        path = os.path.join(work, f"{name}_{seed}.npy")
        np.save(path, value if value.dtype == np.int64 else value.astype(np.float32))
        paths.append((name, path))
    return paths


def main():
    bin_dir, work = sys.argv[1], sys.argv[2]
    env = dict(os.environ, NODE_PATH=os.path.join(ROOT, ".deps", "npm", "node_modules"))
    status = 0
    for case, make in (("pytorch", pytorch_model), ("tf2onnx", tf2onnx_model)):
        directory = os.path.join(work, case)
        os.makedirs(directory, exist_ok=True)
        model = os.path.join(directory, "model.onnx")
        onnx.save(helper.make_model(make(200, 3), opset_imports=[helper.make_opsetid("", 13)]),
                  model)
        prefix = os.path.join(directory, "out", "model")
        subprocess.run([os.path.join(bin_dir, "tessera-compile"), model, "-o", prefix],
                       check=True)
        for seed in (1, 2):
            feeds = inputs(case, 200, 3, seed, directory)
            oracle = os.path.join(directory, f"ort_{seed}")
            subprocess.run(["node", os.path.join(ROOT, "tools", "tessera-verify", "ort_oracle.js"),
                            model, oracle] + [f"{n}={p}" for n, p in feeds],
                           check=True, env=env)
            count = len([f for f in os.listdir(oracle) if f.endswith(".npy")])
            args = [os.path.join(bin_dir, "tessera-run"), prefix + ".so"]
            for name, path in feeds:
                args += ["--input", f"{name}={path}"]
            for i in range(count):
                args += ["--expected", os.path.join(oracle, f"{i}.npy")]
            result = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    text=True)
            for line in result.stdout.splitlines():
                print(f"{case} {seed}: {line}")
            status |= result.returncode
    sys.exit(status)


if __name__ == "__main__":
    main()
