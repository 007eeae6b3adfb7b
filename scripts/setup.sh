#!/usr/bin/env bash
# Installs every system package Tessera needs to build and test, and only the
# ones that are missing. Safe to run again: it prints what it installs and
# does nothing when everything is present.
set -euo pipefail

# One package a line; the comment says who needs it.
PACKAGES=(
  cmake ninja-build ccache             # build
  clang-22 lld-22                      # default compiler and linker
  llvm-22-dev llvm-22-tools            # LLVM headers, lit, FileCheck, not
  libmlir-22-dev mlir-22-tools         # MLIR headers, libMLIR.so, mlir-tblgen
  libgtest-dev                         # test/Unit
  python3                              # lit
  libonnx-dev libprotobuf-dev protobuf-compiler   # lib/Import/ONNX, tessera-run
  libonnx-testdata                     # ONNX node tests (test/Integration)
  python3-onnx python3-numpy           # test models and scripts (Debian's python3)
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user  # AArch64 artifacts, run under qemu
)

die() { echo "setup: error: $*" >&2; exit 1; }

command -v dpkg-query >/dev/null 2>&1 ||
  die "this script supports Debian 12 (dpkg/apt); install the packages above by hand: ${PACKAGES[*]}"

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null 2>&1 || die "need root or sudo to install: ${missing[*]}"
  SUDO="sudo"
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >/dev/null || die "apt-get update failed (is the network or the apt mirror reachable?)"
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" ||
  die "apt-get install failed for: ${missing[*]}"
echo "setup: done"
