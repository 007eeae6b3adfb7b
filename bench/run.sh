#!/usr/bin/env bash
# The benchmark suite in one command: set up (packages, ONNX Runtime from
# npm), build Tessera, then run bench/run.py, which alternates each peer with
# Tessera and writes the table to docs/performance.md. Arguments go to
# run.py (e.g. --cases conv3x3-64-56 --threads 1 --rounds 3).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
"$ROOT/scripts/setup.sh"
BUILD_DIR="$BUILD_DIR" "$ROOT/scripts/build.sh"
exec /usr/bin/python3 "$ROOT/bench/run.py" --build-dir "$BUILD_DIR" \
  --table "$ROOT/docs/performance.md" "$@"
