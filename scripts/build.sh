#!/usr/bin/env bash
# Configures (once) and builds Tessera into ${BUILD_DIR:-build}.
# Extra arguments go to the CMake configure step, e.g. -DCMAKE_BUILD_TYPE=Debug.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}

if [[ ! -f "$BUILD_DIR/CMakeCache.txt" || $# -gt 0 ]]; then
  generator=()
  command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
  cmake -S "$ROOT" -B "$BUILD_DIR" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release "$@"
fi
# `all` plus the generated op/pass reference, so ODS docs never rot.
cmake --build "$BUILD_DIR" --parallel "$(nproc)" --target all tessera-doc
