#!/usr/bin/env bash
# The full test command: installs what is missing, configures, builds and runs
# every test (lit and GoogleTest) through one ctest.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}

"$ROOT/scripts/setup.sh"
BUILD_DIR="$BUILD_DIR" "$ROOT/scripts/build.sh"
ctest --test-dir "$BUILD_DIR" --output-on-failure --parallel "$(nproc)"
