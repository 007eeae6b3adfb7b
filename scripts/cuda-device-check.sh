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
# standard-library Python over libcuda.so.1): every prepared ONNX test case
# and the generated tensor-core matmuls (tf32 tolerances) against their
# expected outputs. See docs/cuda.md.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=cuda-device-check
case "${1:-}" in
prepare)
  rm -rf "$dir"
  NODE_PATH="$PWD/.deps/npm/node_modules" /usr/bin/python3 tools/tessera-cuda-run/prepare_cases.py \
    --bin build/bin --out "$dir" \
    --list test/Integration/onnx-node-cases.txt ${2:+--limit "$2"}
  du -sh "$dir"
  ;;
run)
  out="${OUT:-.}"
  { nvidia-smi --query-gpu=name,driver_version,compute_cap --format=csv 2>&1 || true; } \
    | tee "$out/cuda-device.txt"
  python3 tools/tessera-cuda-run/run_cases.py "$dir" --report "$out/cuda-results.txt" \
    | tail -40
  ;;
*)
  echo "usage: $0 prepare [LIMIT] | run" >&2
  exit 2
  ;;
esac
