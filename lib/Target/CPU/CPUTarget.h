//===- CPUTarget.h - LLVM IR to objects for x86-64 and AArch64 ---*- C++
//-*-===//

#ifndef TESSERA_TARGET_CPU_CPUTARGET_H
#define TESSERA_TARGET_CPU_CPUTARGET_H

#include <cstdint>
#include <memory>
#include <string>

#include "tessera/Support/RegisterTile.h"

namespace llvm {
class Module;
class TargetMachine;
class raw_pwrite_stream;
} // namespace llvm

namespace tessera {

struct CPUTargetOptions {
  /// Target triple; empty for the host.
  std::string triple;
  /// CPU name; "native" for the host CPU (host triple only), "" for generic.
  std::string cpu = "native";
  int optLevel = 2;
};

/// A TargetMachine for `options`, or null with `error` set.
std::unique_ptr<llvm::TargetMachine>
createCPUTargetMachine(const CPUTargetOptions &options, std::string &error);

/// The vector unit of the target `options` names: register width in bits,
/// register count (AVX-512: 512/32, AVX2: 256/16, SSE: 128/16, AArch64 NEON:
/// 128/32) and the 8-bit dot product instruction its integer kernels use
/// (AMX tiles, vpdpbusd with AVX512-VNNI or AVX-VNNI, pmaddwd on other x86, sdot with
/// AArch64 dotprod). False with `error` set when the target is unknown.
bool describeVectorUnit(const CPUTargetOptions &options, int64_t &bits,
                        int64_t &registers, Int8Dot &int8Dot,
                        std::string &error);

/// Sets triple and data layout, then runs LLVM's default pipeline at the
/// optimisation level.
void optimizeModule(llvm::Module &module, llvm::TargetMachine &machine,
                    int optLevel);

/// Writes an object file (or assembly when `assembly`) to `path` ("-" for
/// stdout).
bool emitCode(llvm::Module &module, llvm::TargetMachine &machine,
              const std::string &path, bool assembly, std::string &error);

/// Writes an object file or assembly to `out`.
bool emitToStream(llvm::Module &module, llvm::TargetMachine &machine,
                  llvm::raw_pwrite_stream &out, bool assembly,
                  std::string &error);

} // namespace tessera

#endif // TESSERA_TARGET_CPU_CPUTARGET_H
