#!/usr/bin/env bash
# The main job: set up, build Tessera, make the bundled default model, compile
# it to a native artifact and run it against its reference output.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
DEMO=$BUILD_DIR/demo

"$ROOT/scripts/setup.sh"
BUILD_DIR="$BUILD_DIR" "$ROOT/scripts/build.sh"

step() { printf '\n== %s\n$ %s\n' "$1" "${*:2}"; "${@:2}"; }

step "make the bundled default model (a small CNN, seeded weights)" \
  /usr/bin/python3 "$ROOT/examples/models/make_default_model.py" "$DEMO"
step "compile it: ONNX -> tg -> linalg -> LLVM -> object + shared library + header" \
  "$BUILD_DIR/bin/tessera-compile" "$DEMO/default_cnn.onnx" -o "$DEMO/out/default_cnn" \
  --input-shape image=1x3x32x32 --timing
step "the artifact" ls -l "$DEMO/out"
step "run it and compare with the numpy reference, then time 200 runs" \
  "$BUILD_DIR/bin/tessera-run" "$DEMO/out/default_cnn.so" --input "image=$DEMO/input.npy" \
  --expected "$DEMO/expected.npy" --output-dir "$DEMO/outputs" --iterations 200
step "the same model linked into a plain C program (examples/embed)" \
  "$BUILD_DIR/bin/embed-default-cnn" "$DEMO/input.bin" "$DEMO/expected.bin"
