#!/usr/bin/python3
"""Runs a CUDA artifact (`tessera-compile --target=cuda -o PREFIX`) through
the runtime, as an application does.

  artifact_run.py --runtime libtessera_runtime.so MODEL.so --input FILE.bin ...
                  [--expected FILE.bin ... --rtol R --atol A]

Loads the runtime's shared library and the model library with ctypes
(Python's standard library only), creates a session (the runtime loads the
CUDA driver, picks the image for the device, uploads the weights), runs
once with host buffers (tessera_session_run) and compares every output
with its expected raw file (little-endian, the output's element type; in
output order). Exit status: 0 when every output matches, 1 on a mismatch
or a failed run, 2 when the session cannot be created (no driver, no
device, no code for its architecture: the runtime's message says which).
"""
import argparse
import ctypes
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cuda_run import compare  # noqa: E402

# tessera_dtype_t -> (element name of cuda_run.compare, bytes).
DTYPES = {1: ("f32", 4), 2: ("ui8", 1), 3: ("i8", 1), 5: ("i16", 2), 6: ("i32", 4),
          7: ("i64", 8), 9: ("i1", 1), 10: ("f16", 2), 11: ("f64", 8), 16: ("bf16", 2)}


class TensorDesc(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("dtype", ctypes.c_int32), ("rank", ctypes.c_int32),
                ("dims", ctypes.POINTER(ctypes.c_int64)), ("dynamic_dims", ctypes.c_uint64)]


class Model(ctypes.Structure):
    """The leading fields of tessera_model_t (runtime.h)."""
    _fields_ = [("abi_version", ctypes.c_uint32), ("reserved", ctypes.c_uint32),
                ("name", ctypes.c_char_p), ("num_inputs", ctypes.c_int32),
                ("num_outputs", ctypes.c_int32), ("inputs", ctypes.POINTER(TensorDesc)),
                ("outputs", ctypes.POINTER(TensorDesc))]


class Tensor(ctypes.Structure):
    _fields_ = [("dtype", ctypes.c_int32), ("rank", ctypes.c_int32),
                ("dims", ctypes.POINTER(ctypes.c_int64)), ("data", ctypes.c_void_p)]


def nbytes(desc):
    n = DTYPES.get(desc.dtype, ("?", 0))[1]
    for d in range(desc.rank):
        n *= desc.dims[d]
    return n


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runtime", required=True)
    parser.add_argument("model")
    parser.add_argument("--input", action="append", default=[])
    parser.add_argument("--expected", action="append", default=[])
    parser.add_argument("--rtol", type=float, default=1e-3)
    parser.add_argument("--atol", type=float, default=1e-5)
    args = parser.parse_args()
    runtime = ctypes.CDLL(os.path.abspath(args.runtime))
    library = ctypes.CDLL(os.path.abspath(args.model))
    model = Model.in_dll(library, "tessera_default_model")
    runtime.tessera_session_create.argtypes = [ctypes.c_void_p, ctypes.c_void_p,
                                               ctypes.POINTER(ctypes.c_void_p)]
    runtime.tessera_create_error.restype = ctypes.c_char_p
    runtime.tessera_session_last_error.restype = ctypes.c_char_p
    runtime.tessera_session_last_error.argtypes = [ctypes.c_void_p]
    runtime.tessera_session_release.argtypes = [ctypes.c_void_p]
    runtime.tessera_session_run.argtypes = [ctypes.c_void_p, ctypes.POINTER(Tensor),
                                            ctypes.c_size_t, ctypes.POINTER(Tensor),
                                            ctypes.c_size_t]
    if len(args.input) != model.num_inputs:
        raise SystemExit("artifact_run: the model has %d inputs, %d given"
                         % (model.num_inputs, len(args.input)))
    keep = []
    inputs = (Tensor * max(model.num_inputs, 1))()
    for i, path in enumerate(args.input):
        desc = model.inputs[i]
        with open(path, "rb") as f:
            data = f.read()
        if len(data) != nbytes(desc):
            raise SystemExit("artifact_run: %s holds %d bytes, input %d needs %d"
                             % (path, len(data), i, nbytes(desc)))
        buffer = ctypes.create_string_buffer(data, max(len(data), 1))
        keep.append(buffer)
        inputs[i] = Tensor(desc.dtype, desc.rank, desc.dims, ctypes.cast(buffer, ctypes.c_void_p))
    session = ctypes.c_void_p()
    status = runtime.tessera_session_create(ctypes.addressof(model), None,
                                            ctypes.byref(session))
    if status != 0:
        print("artifact_run: no session (status %d): %s"
              % (status, runtime.tessera_create_error().decode()))
        return 2
    outputs = (Tensor * max(model.num_outputs, 1))()
    results = []
    for i in range(model.num_outputs):
        desc = model.outputs[i]
        buffer = ctypes.create_string_buffer(max(nbytes(desc), 1))
        results.append(buffer)
        outputs[i] = Tensor(desc.dtype, desc.rank, desc.dims, ctypes.cast(buffer, ctypes.c_void_p))
    status = runtime.tessera_session_run(session, inputs, model.num_inputs, outputs,
                                         model.num_outputs)
    if status != 0:
        print("artifact_run: the run failed (status %d): %s"
              % (status, runtime.tessera_session_last_error(session).decode()))
        runtime.tessera_session_release(session)
        return 1
    rc = 0
    for i, path in enumerate(args.expected):
        desc = model.outputs[i]
        with open(path, "rb") as f:
            expected = f.read()
        got = results[i].raw[:nbytes(desc)]
        element = DTYPES.get(desc.dtype, ("?", 1))[0]
        why = compare(got, expected, element, args.rtol, args.atol)
        if why:
            print("artifact_run: output %d ('%s') %s" % (i, desc.name.decode(), why))
            rc = 1
    runtime.tessera_session_release(session)
    if rc == 0:
        print("artifact_run: %s: %d outputs match" % (model.name.decode(), len(args.expected)))
    return rc


if __name__ == "__main__":
    sys.exit(main())
