#!/usr/bin/python3
"""Tessera's CUDA GEMM against cuBLAS, alternating in one process.

  cuda_gemm.py prepare --bin BUILD/bin --out DIR   # here: the artifacts
  cuda_gemm.py run DIR [--table FILE]              # on a GPU

prepare compiles C = A @ B (A, B and C fp32 inputs/outputs, no weights,
so the artifacts stay small) at 4096^3 and 8192^3 for --target=cuda
--mcpu=sm_90a into DIR/gemm_<n>.so, with the runtime's shared library.
run (standard-library Python over libcuda.so.1 and libcublas, found in
the CUDA toolkit's lib64 or on the loader's path) allocates A, B, C on
the device, then for R rounds times N calls of each side, alternating:
Tessera through tessera_session_run_cuda (device pointers, the caller's
stream, TESSERA_RUN_ASYNC) and cuBLAS cublasGemmEx in tf32 (compute
CUBLAS_COMPUTE_32F_FAST_TF32), with CUDA events around each call. It
prints TFLOP/s medians and the ratio, and cuBLAS fp16 and bf16 (fp32
accumulation) for reference: Tessera has no fp16/bf16 GEMM yet. Exit 2
when no driver or device is present.
"""
import argparse
import ctypes
import ctypes.util
import glob
import os
import statistics
import subprocess
import sys

SIZES = (4096, 8192)


def prepare(args):
    import onnx
    from onnx import TensorProto, helper
    os.makedirs(args.out, exist_ok=True)
    for n in SIZES:
        graph = helper.make_graph(
            [helper.make_node("MatMul", ["a", "b"], ["c"])], "gemm",
            [helper.make_tensor_value_info("a", TensorProto.FLOAT, [n, n]),
             helper.make_tensor_value_info("b", TensorProto.FLOAT, [n, n])],
            [helper.make_tensor_value_info("c", TensorProto.FLOAT, [n, n])])
        path = os.path.join(args.out, "gemm_%d.onnx" % n)
        onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
        prefix = os.path.join(args.out, "gemm_%d" % n)
        subprocess.run([os.path.join(args.bin, "tessera-compile"), path, "--target=cuda",
                        "--mcpu=sm_90a", "-o", prefix], check=True)
        os.remove(prefix + ".o")
    runtime = os.path.join(args.bin, os.pardir, "lib", "libtessera_runtime.so")
    subprocess.run(["cp", "-L", runtime, os.path.join(args.out, "libtessera_runtime.so")],
                   check=True)
    return 0


def library(names, hint_globs):
    for pattern in hint_globs:
        for path in sorted(glob.glob(pattern), reverse=True):
            try:
                return ctypes.CDLL(path)
            except OSError:
                pass
    for name in names:
        try:
            return ctypes.CDLL(name)
        except OSError:
            pass
    return None


class Tensor(ctypes.Structure):
    _fields_ = [("dtype", ctypes.c_int32), ("rank", ctypes.c_int32),
                ("dims", ctypes.POINTER(ctypes.c_int64)), ("data", ctypes.c_void_p)]


def run(args):
    cuda = library(["libcuda.so.1"], [])
    if not cuda:
        print("cuda_gemm: no CUDA driver (libcuda.so.1)")
        return 2
    cublas = library(["libcublas.so"], ["/usr/local/cuda/lib64/libcublas.so*",
                                        "/usr/local/cuda-*/lib64/libcublas.so*"])
    u64, ptr = ctypes.c_uint64, ctypes.c_void_p

    def check(result, what):
        if result != 0:
            raise SystemExit("cuda_gemm: %s failed (%d)" % (what, result))

    if cuda.cuInit(0) != 0:
        print("cuda_gemm: cuInit failed: no usable device")
        return 2
    context, name = ptr(), ctypes.create_string_buffer(128)
    cuda.cuDevicePrimaryCtxRetain.argtypes = [ctypes.POINTER(ptr), ctypes.c_int]
    cuda.cuCtxSetCurrent.argtypes = [ptr]
    check(cuda.cuDevicePrimaryCtxRetain(ctypes.byref(context), 0), "cuDevicePrimaryCtxRetain")
    check(cuda.cuCtxSetCurrent(context), "cuCtxSetCurrent")
    cuda.cuDeviceGetName(name, 128, 0)
    cuda.cuMemAlloc_v2.argtypes = [ctypes.POINTER(u64), ctypes.c_size_t]
    cuda.cuMemsetD32_v2.argtypes = [u64, ctypes.c_uint, ctypes.c_size_t]
    cuda.cuEventRecord.argtypes = [ptr, ptr]
    cuda.cuEventElapsedTime.argtypes = [ctypes.POINTER(ctypes.c_float), ptr, ptr]
    cuda.cuEventSynchronize.argtypes = [ptr]
    stream, start, stop = ptr(), ptr(), ptr()
    check(cuda.cuStreamCreate(ctypes.byref(stream), 1), "cuStreamCreate")
    check(cuda.cuEventCreate(ctypes.byref(start), 0), "cuEventCreate")
    check(cuda.cuEventCreate(ctypes.byref(stop), 0), "cuEventCreate")
    runtime = ctypes.CDLL(os.path.join(args.dir, "libtessera_runtime.so"))
    runtime.tessera_session_create.argtypes = [ptr, ptr, ctypes.POINTER(ptr)]
    runtime.tessera_create_error.restype = ctypes.c_char_p
    runtime.tessera_session_run_cuda.argtypes = [ptr, ctypes.POINTER(Tensor), ctypes.c_size_t,
                                                 ctypes.POINTER(Tensor), ctypes.c_size_t,
                                                 ptr, ctypes.c_uint32]
    runtime.tessera_session_wait.argtypes = [ptr]
    handle = ptr()
    if cublas:
        check(cublas.cublasCreate_v2(ctypes.byref(handle)), "cublasCreate")
        cublas.cublasSetStream_v2.argtypes = [ptr, ptr]
        check(cublas.cublasSetStream_v2(handle, stream), "cublasSetStream")
        cublas.cublasGemmEx.argtypes = [ptr, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                                        ctypes.c_int, ctypes.c_int, ptr, u64, ctypes.c_int,
                                        ctypes.c_int, u64, ctypes.c_int, ctypes.c_int, ptr,
                                        u64, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                                        ctypes.c_int]
    rows = []
    for n in SIZES:
        flops = 2.0 * n * n * n
        buffers = []
        for _ in range(3):
            b = u64()
            check(cuda.cuMemAlloc_v2(ctypes.byref(b), 4 * n * n), "cuMemAlloc")
            check(cuda.cuMemsetD32_v2(b, 0x3F000000, n * n), "cuMemsetD32")  # 0.5
            buffers.append(b)
        a, b, c = buffers
        lib = ctypes.CDLL(os.path.join(args.dir, "gemm_%d.so" % n))
        model = ctypes.c_void_p.in_dll(lib, "tessera_default_model")
        session = ptr()
        if runtime.tessera_session_create(ctypes.addressof(model), None,
                                          ctypes.byref(session)) != 0:
            print("cuda_gemm: no session: %s" % runtime.tessera_create_error().decode())
            return 2
        dims = (ctypes.c_int64 * 2)(n, n)
        ins = (Tensor * 2)(Tensor(1, 2, dims, a.value), Tensor(1, 2, dims, b.value))
        outs = (Tensor * 1)(Tensor(1, 2, dims, c.value))
        one, zero = ctypes.c_float(1.0), ctypes.c_float(0.0)

        def tessera():
            check(runtime.tessera_session_run_cuda(session, ins, 2, outs, 1, stream, 3),
                  "tessera_session_run_cuda")

        def blas(dtype, compute):
            def call():
                # Column-major: C^T = B^T A^T.
                check(cublas.cublasGemmEx(handle, 0, 0, n, n, n, ctypes.byref(one), b.value,
                                          dtype, n, a.value, dtype, n, ctypes.byref(zero),
                                          c.value, 0, n, compute, -1), "cublasGemmEx")
            return call
        sides = [("tessera tf32", tessera)]
        if cublas:
            # CUDA_R_32F 0, CUDA_R_16F 2, CUDA_R_16BF 14; CUBLAS_COMPUTE_32F 68,
            # _32F_FAST_TF32 77. fp16/bf16 read the same bytes as halves: the
            # values do not matter to the time.
            sides += [("cublas tf32", blas(0, 77)), ("cublas fp16", blas(2, 68)),
                      ("cublas bf16", blas(14, 68))]
        times = {label: [] for label, _ in sides}
        for _ in range(3):  # warm-up
            for _, call in sides:
                call()
        for _ in range(args.rounds):
            for label, call in sides:
                for _ in range(args.calls):
                    cuda.cuEventRecord(start, stream)
                    call()
                    cuda.cuEventRecord(stop, stream)
                    cuda.cuEventSynchronize(stop)
                    ms = ctypes.c_float()
                    cuda.cuEventElapsedTime(ctypes.byref(ms), start, stop)
                    times[label].append(ms.value)
        runtime.tessera_session_wait(session)
        medians = {label: statistics.median(t) for label, t in times.items()}
        for label, ms in medians.items():
            ratio = medians.get("cublas tf32", 0) / ms if label.startswith("tessera") else 0
            rows.append("| %d^3 | %s | %.3f | %.1f | %s |" % (
                n, label, ms, flops / ms / 1e9,
                "%.0f%% of cuBLAS tf32" % (100 * ratio) if ratio else ""))
            print(rows[-1])
        runtime.tessera_session_release(session)
        for buffer in buffers:
            cuda.cuMemFree_v2(buffer)
    header = ["GEMM on %s (median of %d rounds x %d calls, CUDA events):" % (
        name.value.decode(), args.rounds, args.calls), "",
        "| size | kernel | ms | TFLOP/s | vs cuBLAS |", "|---|---|---|---|---|"]
    if args.table:
        with open(args.table, "w") as f:
            f.write("\n".join(header + rows) + "\n")
    return 0


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--bin", required=True)
    p.add_argument("--out", required=True)
    r = sub.add_parser("run")
    r.add_argument("dir")
    r.add_argument("--table")
    r.add_argument("--rounds", type=int, default=3)
    r.add_argument("--calls", type=int, default=5)
    args = parser.parse_args()
    return prepare(args) if args.mode == "prepare" else run(args)


if __name__ == "__main__":
    sys.exit(main())
