#!/usr/bin/python3
"""Runs what `tessera-compile --target=cuda --emit=ptx -o PREFIX` wrote on a GPU.

  cuda_run.py PREFIX.launches.json --input FILE.bin ... [--output-dir DIR]
              [--expected FILE.bin ... --rtol R --atol A]

Until the CUDA artifact and the runtime's CUDA module exist, this is how the
generated kernels run: it loads the cubin for the device's architecture (or
JIT-compiles the first PTX), uploads the weights once, allocates the inputs,
outputs and workspace, replays every launch in order with its arguments
bound as PREFIX.launches.json says, and copies the outputs back. Inputs,
outputs and expected values are raw little-endian files of the buffers'
element type (in input / output order). The driver is reached through
ctypes (libcuda.so.1, driver API only): Python's standard library is all
it needs. Exit status: 0 when every output matches, 1 on a mismatch or a
driver error, 2 when no driver or device is present.
"""
import argparse
import array
import ctypes
import json
import math
import os
import sys


class DriverError(Exception):
    pass


def load_driver():
    try:
        cuda = ctypes.CDLL("libcuda.so.1")
    except OSError as error:
        print("cuda_run: no CUDA driver (libcuda.so.1): %s" % error)
        sys.exit(2)
    # Sizes and device pointers are 64-bit: declare them, or ctypes passes
    # Python ints as 32-bit C ints.
    u64, size, ptr, uint = ctypes.c_uint64, ctypes.c_size_t, ctypes.c_void_p, ctypes.c_uint
    cuda.cuMemAlloc_v2.argtypes = [ctypes.POINTER(u64), size]
    cuda.cuMemcpyHtoD_v2.argtypes = [u64, ptr, size]
    cuda.cuMemcpyDtoH_v2.argtypes = [ptr, u64, size]
    cuda.cuMemsetD8_v2.argtypes = [u64, ctypes.c_ubyte, size]
    cuda.cuModuleLoadData.argtypes = [ctypes.POINTER(ptr), ctypes.c_char_p]
    cuda.cuModuleGetFunction.argtypes = [ctypes.POINTER(ptr), ptr, ctypes.c_char_p]
    cuda.cuLaunchKernel.argtypes = [ptr, uint, uint, uint, uint, uint, uint, uint, ptr,
                                    ctypes.POINTER(ptr), ptr]
    cuda.cuGetErrorName.argtypes = [ctypes.c_int, ctypes.POINTER(ctypes.c_char_p)]
    cuda.cuDevicePrimaryCtxRetain.argtypes = [ctypes.POINTER(ptr), ctypes.c_int]
    cuda.cuCtxSetCurrent.argtypes = [ptr]
    return cuda


def checker(cuda):
    def check(result, what):
        if result != 0:
            name = ctypes.c_char_p()
            cuda.cuGetErrorName(result, ctypes.byref(name))
            raise DriverError("%s failed: %s (%d)" % (
                what, name.value.decode() if name.value else "?", result))
    return check


ELEMENTS = {"f32": ("f", 4), "f64": ("d", 8), "i64": ("q", 8), "index": ("q", 8),
            "i32": ("i", 4), "i8": ("b", 1), "i16": ("h", 2), "i1": ("B", 1),
            "ui8": ("B", 1)}


def values(data, element):
    code = ELEMENTS.get(element, ("B", 1))[0]
    out = array.array(code)
    out.frombytes(data)
    return out


def compare(got, expected, element, rtol, atol):
    """The first element that differs, or None."""
    a, b = values(got, element), values(expected, element)
    if len(a) != len(b):
        return "has %d elements, expected %d" % (len(a), len(b))
    floating = element in ("f32", "f64")
    for i, (x, y) in enumerate(zip(a, b)):
        if floating:
            if math.isnan(x) and math.isnan(y):
                continue
            if not abs(x - y) <= atol + rtol * abs(y):
                return "element %d is %r, expected %r" % (i, x, y)
        elif x != y:
            return "element %d is %r, expected %r" % (i, x, y)
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("plan")
    parser.add_argument("--input", action="append", default=[])
    parser.add_argument("--expected", action="append", default=[])
    parser.add_argument("--output-dir")
    parser.add_argument("--rtol", type=float, default=1e-3)
    parser.add_argument("--atol", type=float, default=1e-5)
    args = parser.parse_args()
    with open(args.plan) as f:
        plan = json.load(f)
    folder = os.path.dirname(os.path.abspath(args.plan))
    if len(args.input) != len(plan["inputs"]):
        raise SystemExit("cuda_run: the model has %d inputs, %d given" % (
            len(plan["inputs"]), len(args.input)))
    inputs = []
    for path, want in zip(args.input, plan["inputs"]):
        with open(path, "rb") as f:
            data = f.read()
        if len(data) != want["bytes"]:
            raise SystemExit("cuda_run: %s holds %d bytes, the input needs %d" % (
                path, len(data), want["bytes"]))
        inputs.append(data)

    cuda = load_driver()
    check = checker(cuda)
    status = cuda.cuInit(0)
    if status != 0:
        print("cuda_run: cuInit failed (%d): no usable CUDA device or driver" % status)
        return 2
    count = ctypes.c_int()
    check(cuda.cuDeviceGetCount(ctypes.byref(count)), "cuDeviceGetCount")
    if count.value == 0:
        print("cuda_run: no CUDA device")
        return 2
    device = ctypes.c_int()
    check(cuda.cuDeviceGet(ctypes.byref(device), 0), "cuDeviceGet")
    major, minor = ctypes.c_int(), ctypes.c_int()
    check(cuda.cuDeviceGetAttribute(ctypes.byref(major), 75, device), "attribute")
    check(cuda.cuDeviceGetAttribute(ctypes.byref(minor), 76, device), "attribute")
    arch = "sm_%d%d" % (major.value, minor.value)
    context = ctypes.c_void_p()
    check(cuda.cuDevicePrimaryCtxRetain(ctypes.byref(context), device.value),
          "cuDevicePrimaryCtxRetain")
    check(cuda.cuCtxSetCurrent(context), "cuCtxSetCurrent")

    # The cubin built for this architecture ("sm_90a" for sm_90 too), else
    # the first PTX, which the driver JIT-compiles.
    image = None
    for entry in plan["images"]:
        if entry["cubin"] and entry["arch"].rstrip("a") == arch:
            image = os.path.join(folder, entry["cubin"])
    kind = "cubin"
    if image is None:
        image, kind = os.path.join(folder, plan["images"][0]["ptx"]), "ptx"
    with open(image, "rb") as f:
        code = f.read() + (b"\0" if kind == "ptx" else b"")
    module = ctypes.c_void_p()
    check(cuda.cuModuleLoadData(ctypes.byref(module), code), "cuModuleLoadData(%s)" % image)

    def alloc(size):
        pointer = ctypes.c_uint64()
        check(cuda.cuMemAlloc_v2(ctypes.byref(pointer), max(size, 1)), "cuMemAlloc")
        return pointer

    def upload(pointer, data):
        check(cuda.cuMemcpyHtoD_v2(pointer, ctypes.c_char_p(data), len(data)), "cuMemcpyHtoD")

    with open(os.path.join(folder, plan["weights_file"]), "rb") as f:
        weights = f.read()
    weight_base = alloc(len(weights))
    upload(weight_base, weights)
    input_buffers = []
    for data in inputs:
        pointer = alloc(len(data))
        upload(pointer, data)
        input_buffers.append(pointer)
    output_buffers = [alloc(o["bytes"]) for o in plan["outputs"]]
    workspace = alloc(plan.get("workspace_bytes", 0))
    check(cuda.cuMemsetD8_v2(workspace, 0, max(plan.get("workspace_bytes", 0), 1)), "cuMemsetD8")

    for launch in plan["launches"]:
        function = ctypes.c_void_p()
        check(cuda.cuModuleGetFunction(ctypes.byref(function), module,
                                       launch["kernel"].encode()), "cuModuleGetFunction")
        holders = []
        for arg in launch["args"]:
            if arg["kind"] == "input":
                holders.append(ctypes.c_uint64(input_buffers[arg["index"]].value))
            elif arg["kind"] == "output":
                holders.append(ctypes.c_uint64(output_buffers[arg["index"]].value))
            elif arg["kind"] == "workspace":
                holders.append(ctypes.c_uint64(workspace.value))
            elif arg["kind"] == "weight":
                offset = plan["weights"][arg["name"]]["offset"]
                holders.append(ctypes.c_uint64(weight_base.value + offset))
            else:
                holders.append(ctypes.c_int64(arg["value"]))
        params = (ctypes.c_void_p * len(holders))(
            *[ctypes.cast(ctypes.byref(h), ctypes.c_void_p) for h in holders])
        grid, block = launch["grid"], launch["block"]
        check(cuda.cuLaunchKernel(function, grid[0], grid[1], grid[2], block[0], block[1],
                                  block[2], 0, None,
                                  ctypes.cast(params, ctypes.POINTER(ctypes.c_void_p)), None),
              "cuLaunchKernel(%s)" % launch["kernel"])
    check(cuda.cuCtxSynchronize(), "cuCtxSynchronize (a kernel failed)")
    if "status_offset" in plan:
        status = ctypes.c_int32()
        check(cuda.cuMemcpyDtoH_v2(ctypes.cast(ctypes.byref(status), ctypes.c_void_p),
                                   ctypes.c_uint64(workspace.value + plan["status_offset"]),
                                   4), "cuMemcpyDtoH (status)")
        if status.value:
            checks = plan.get("checks", [])
            message = checks[status.value - 1] if 0 < status.value <= len(checks) else "?"
            print("cuda_run: run-time check %d failed: %s" % (status.value, message))
            return 1

    failed = False
    for i, (pointer, want) in enumerate(zip(output_buffers, plan["outputs"])):
        data = ctypes.create_string_buffer(want["bytes"])
        check(cuda.cuMemcpyDtoH_v2(ctypes.cast(data, ctypes.c_void_p), pointer, want["bytes"]),
              "cuMemcpyDtoH")
        if args.output_dir:
            os.makedirs(args.output_dir, exist_ok=True)
            with open(os.path.join(args.output_dir, "output_%d.bin" % i), "wb") as f:
                f.write(data.raw)
        if i < len(args.expected):
            with open(args.expected[i], "rb") as f:
                expected = f.read()
            problem = compare(data.raw, expected, want["element"], args.rtol, args.atol)
            if problem:
                failed = True
                print("output %d differs: %s" % (i, problem))
    print("cuda_run: %s on %s (%s): %d launches, %s" % (
        os.path.basename(args.plan), arch, kind, len(plan["launches"]),
        "outputs differ" if failed else "outputs match" if args.expected else "done"))
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except DriverError as error:
        print("cuda_run: %s" % error)
        sys.exit(1)
