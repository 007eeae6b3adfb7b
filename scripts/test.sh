#!/usr/bin/env bash
# The full test command: installs what is missing, configures, builds and
# runs every test (lit and GoogleTest) through one ctest; then builds the
# same tree with AddressSanitizer and UndefinedBehaviorSanitizer (and the
# libFuzzer targets, whose seed corpora and regression cases replay as
# tests) in ${SANITIZE_BUILD_DIR:-build-sanitize} and runs the suite there
# too, less the model-shaped families (label "models": compiling BERT-base
# or a ViT layer under the sanitizers takes minutes; the same compiler code
# runs sanitized on every other model) and the installed package (label
# "install": a package is a release build whose consumers are not
# instrumented). SANITIZE=0 skips that second half.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}

"$ROOT/scripts/setup.sh"
BUILD_DIR="$BUILD_DIR" "$ROOT/scripts/build.sh"
ctest --test-dir "$BUILD_DIR" --output-on-failure --parallel "$(nproc)"

if [[ ${SANITIZE:-1} != 0 ]]; then
  SANITIZE_DIR=${SANITIZE_BUILD_DIR:-$ROOT/build-sanitize}
  args=()
  [[ -f "$SANITIZE_DIR/CMakeCache.txt" ]] || args=(-DTESSERA_FUZZ=ON)
  BUILD_DIR="$SANITIZE_DIR" "$ROOT/scripts/build.sh" "${args[@]}"
  # Leaks are reported too; a sanitizer report fails its test.
  ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1} \
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
    ctest --test-dir "$SANITIZE_DIR" --output-on-failure --parallel "$(nproc)" \
      --label-exclude 'models|install'
fi
