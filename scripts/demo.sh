#!/usr/bin/env bash
# The main job. Until the end-to-end CPU slice lands (ONNX import, native
# code, runtime), it sets up, builds the compiler and runs the graph passes
# over the bundled example graph, printing what it does.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}

"$ROOT/scripts/setup.sh"
BUILD_DIR="$BUILD_DIR" "$ROOT/scripts/build.sh"

GRAPH="$ROOT/examples/graphs/small_cnn.mlir"
echo "demo: running tg-fold-batch-norm and canonicalize on ${GRAPH#$ROOT/}"
"$BUILD_DIR/bin/tessera-opt" "$GRAPH" --tg-fold-batch-norm --canonicalize
