#!/bin/bash
# The GPU checks of the CUDA target, in two halves.
#
#   scripts/cuda-device-check.sh prepare   # here (no GPU needed): builds the
#       cases into cuda-device-check/ (ignored by git; give it to the device
#       run as carry: ["cuda-device-check"], it stays under 64 MiB)
#   scripts/cuda-device-check.sh run       # on the device machine: runs them
#       and writes $OUT/cuda-results.txt (or ./cuda-results.txt)
#
# "run" needs only python3 and the NVIDIA driver (tools/tessera-cuda-run is
# standard-library Python over libcuda.so.1 and the runtime's shared
# library): every prepared ONNX test case, the generated tensor-core matmuls
# (tf32 tolerances), the PaddleOCR classifier and a transformer encoder
# (against ONNX Runtime) through the CUDA artifacts and the runtime, the
# generated and ORT models also through their launch plans without it; then
# the GEMM benchmark against cuBLAS (bench/cuda_gemm.py; $OUT/cuda-gemm.md).
# See docs/cuda.md.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=cuda-device-check
case "${1:-}" in
prepare)
  rm -rf "$dir"
  NODE_PATH="$PWD/.deps/npm/node_modules" /usr/bin/python3 tools/tessera-cuda-run/prepare_cases.py \
    --bin build/bin --out "$dir" \
    --list test/Integration/onnx-node-cases.txt ${2:+--limit "$2"}
  /usr/bin/python3 bench/cuda_gemm.py prepare --bin build/bin --out "$dir/gemm"
  du -sh --apparent-size "$dir"  # a device run carries at most 64 MiB
  ;;
run)
  out="${OUT:-.}"
  { nvidia-smi --query-gpu=name,driver_version,compute_cap --format=csv 2>&1 || true; } \
    | tee "$out/cuda-device.txt"
  python3 tools/tessera-cuda-run/run_cases.py "$dir" --report "$out/cuda-results.txt" \
    | tail -40 || true
  python3 bench/cuda_gemm.py run "$dir/gemm" --table "$out/cuda-gemm.md" || true
  ;;
*)
  echo "usage: $0 prepare [LIMIT] | run" >&2
  exit 2
  ;;
esac
