#!/usr/bin/env bash
# Fuzzes Tessera: builds the libFuzzer targets of fuzz/ (a sanitized clang
# build in ${BUILD_DIR:-build-sanitize}, configured once, the tree
# scripts/test.sh tests in) and runs each for
# SECONDS (default 60), one after the other, or only the TARGETS named
# (tensor-file, runtime, onnx-import, onnx-compile).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Each target starts from its seeds (fuzz/corpus) and its regression cases
# (fuzz/regressions); the ONNX targets also from the ONNX node test models
# of libonnx-testdata. New inputs collect in $BUILD_DIR/fuzz-work/NAME;
# an input that crashes (a signal, a sanitizer report, a multi-line or
# empty error, a hang past 30 s, more than 4 GB) is saved as
# $BUILD_DIR/fuzz-work/crashes/NAME-*; copy it into fuzz/regressions/CORPUS
# with the fix. Exits 1 when anything crashed.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build-sanitize}
SECONDS_EACH=${1:-60}
shift || true
TARGETS=("$@")
[[ ${#TARGETS[@]} -gt 0 ]] || TARGETS=(tensor-file runtime onnx-import onnx-compile)

if [[ ! -f "$BUILD_DIR/CMakeCache.txt" ]]; then
  generator=()
  command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
  cmake -S "$ROOT" -B "$BUILD_DIR" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
        -DTESSERA_FUZZ=ON
fi
cmake --build "$BUILD_DIR" --parallel "$(nproc)" --target tessera-fuzzers

WORK=$BUILD_DIR/fuzz-work
mkdir -p "$WORK/crashes"
TESTDATA=/usr/share/libonnx-testdata/data/node
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
status=0
for target in "${TARGETS[@]}"; do
  case "$target" in
    onnx-import|onnx-compile) corpus=onnx ;;
    tensor-file|runtime) corpus=$target ;;
    *) echo "fuzz: error: unknown target '$target'" >&2; exit 2 ;;
  esac
  dirs=("$WORK/$target" "$ROOT/fuzz/corpus/$corpus")
  [[ -d "$ROOT/fuzz/regressions/$corpus" ]] && dirs+=("$ROOT/fuzz/regressions/$corpus")
  mkdir -p "$WORK/$target"
  if [[ $corpus == onnx && -d $TESTDATA && ! -d "$WORK/onnx-testdata" ]]; then
    mkdir -p "$WORK/onnx-testdata"
    for model in "$TESTDATA"/*/model.onnx; do
      cp "$model" "$WORK/onnx-testdata/$(basename "$(dirname "$model")").onnx"
    done
  fi
  [[ $corpus == onnx && -d "$WORK/onnx-testdata" ]] && dirs+=("$WORK/onnx-testdata")
  before=$(ls "$WORK/crashes" | wc -l)
  echo "fuzz: $target for ${SECONDS_EACH}s"
  # Fork mode: a crash, hang or OOM is saved and the fuzzing goes on.
  "$BUILD_DIR/bin/tessera-fuzz-$target" -fork=1 -ignore_crashes=1 \
      -ignore_timeouts=1 -ignore_ooms=1 -max_total_time="$SECONDS_EACH" \
      -rss_limit_mb=4096 -timeout=30 -max_len=262144 \
      -artifact_prefix="$WORK/crashes/$target-" "${dirs[@]}" \
      > "$WORK/$target.log" 2>&1 || true
  # The last progress line: executions, coverage, corpus, crashes.
  grep -E "^#[0-9]+: cov:" "$WORK/$target.log" | tail -1 | sed "s/^/fuzz: $target: /" || true
  after=$(ls "$WORK/crashes" | wc -l)
  if [[ $after -gt $before ]]; then
    echo "fuzz: $target: $((after - before)) crashing input(s) in $WORK/crashes (log: $WORK/$target.log)"
    status=1
  fi
done
exit $status
