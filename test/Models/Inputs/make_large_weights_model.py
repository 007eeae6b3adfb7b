"""Writes a model whose weights pass 2 GB, stored as ONNX external data in a
sparse file (only a few rows of the embedding table hold data, so the disk
stays small): Gather from a [rows, 1024] f32 table, then a MatMul. Writes
DIR/large.onnx, DIR/table.bin, DIR/ids.npy and the numpy result DIR/y.npy.

usage: make_large_weights_model.py DIR [ROWS]   (default 600000: 2.46 GB)
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

WIDTH = 1024


def row(r):
    return np.arange(WIDTH, dtype=np.float32) * 0.001 + (r % 97) - 48


def main():
    directory = sys.argv[1]
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 600000
    os.makedirs(directory, exist_ok=True)
    marked = [0, 1, rows // 2, rows - 1]
    with open(os.path.join(directory, "table.bin"), "wb") as f:
        f.truncate(rows * WIDTH * 4)
        for r in marked:
            f.seek(r * WIDTH * 4)
            f.write(row(r).tobytes())
    table = TensorProto()
    table.name = "table"
    table.data_type = TensorProto.FLOAT
    table.dims.extend([rows, WIDTH])
    table.data_location = TensorProto.EXTERNAL
    for key, value in (("location", "table.bin"), ("offset", "0"),
                       ("length", str(rows * WIDTH * 4))):
        entry = table.external_data.add()
        entry.key, entry.value = key, value
    w = np.random.default_rng(0).standard_normal((WIDTH, 16)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("Gather", ["table", "ids"], ["rows"], name="embed"),
         helper.make_node("MatMul", ["rows", "w"], ["y"], name="proj")],
        "large",
        [helper.make_tensor_value_info("ids", TensorProto.INT64, [6])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [6, 16])],
        [table, helper.make_tensor("w", TensorProto.FLOAT, [WIDTH, 16], w.flatten())])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, os.path.join(directory, "large.onnx"))
    ids = np.array([0, rows - 1, 5, rows // 2, 1, -1], dtype=np.int64)
    np.save(os.path.join(directory, "ids.npy"), ids)
    gathered = np.zeros((len(ids), WIDTH), np.float32)
    for i, r in enumerate(ids):
        r = r % rows
        if r in marked:
            gathered[i] = row(r)
    np.save(os.path.join(directory, "y.npy"), gathered @ w)


if __name__ == "__main__":
    main()
