//===- CUDATarget.h - NVVM kernels to PTX and cubins -------------*- C++
//-*-===//
//
// The CUDA target: the kernels of a module lowered by the CUDA pipeline
// (one gpu.module in the NVVM dialect) become PTX through LLVM's NVPTX back
// end, one image per architecture, and cubins through the toolkit's ptxas
// when one is found at compile time.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_TARGET_CUDA_CUDATARGET_H
#define TESSERA_TARGET_CUDA_CUDATARGET_H

#include <string>
#include <vector>

namespace mlir {
class DialectRegistry;
class ModuleOp;
} // namespace mlir

namespace tessera {

struct CUDATargetOptions {
  /// Architectures, e.g. {"sm_80", "sm_90a"}; the first is the PTX fallback
  /// a driver may JIT on newer devices.
  std::vector<std::string> chips;
  int optLevel = 2;
  /// The CUDA toolkit's root (ptxas, libdevice); empty: $CUDA_HOME,
  /// $CUDA_PATH, ptxas on PATH, then /usr/local/cuda.
  std::string toolkit;
};

/// One architecture's code.
struct CUDAImage {
  std::string chip;
  std::string ptx;
  /// ptxas's output; empty when no toolkit was found.
  std::string cubin;
  /// What ptxas -v said (registers, spills, warnings).
  std::string ptxasLog;
  /// Bytes of spill stores plus loads over every kernel (ptxas -v).
  int64_t spillBytes = 0;
  /// Kernels ptxas reported on.
  int64_t kernels = 0;
};

/// The architectures Tessera emits for, and their PTX ISA versions.
/// Parses "sm_80,sm_90a" (also "native" / empty: the default pair); false
/// with `error` naming the unknown one and listing the known ones.
bool parseCUDAChips(const std::string &text, std::vector<std::string> &chips,
                    std::string &error);

/// The toolkit root `options` names or the environment gives, "" if none
/// (a directory holding bin/ptxas).
std::string findCUDAToolkit(const std::string &hint);

/// The toolkit root holding nvvm/libdevice/libdevice.10.bc: `hint` if it
/// does, else (no hint) the first of $CUDA_HOME, $CUDA_PATH, the toolkit of
/// ptxas on PATH and /usr/local/cuda that does; "" if none.
std::string findLibdevice(const std::string &hint);
/// Registers what serializing gpu.modules needs (the NVVM target
/// interface, the GPU and NVVM translations to LLVM IR).
void registerCUDATarget(mlir::DialectRegistry &registry);

/// Serializes the gpu.module of `module` (replaced by a gpu.binary) to PTX
/// for every chip, linking libdevice when a kernel calls it (an error
/// naming the call when none is found), then assembles each with ptxas
/// when a toolkit is found.
/// False with `error` set when a step fails.
bool emitCUDAImages(mlir::ModuleOp module, const CUDATargetOptions &options,
                    std::vector<CUDAImage> &images, std::string &error);

/// Runs `ptxas -arch=<chip> -v --warn-on-spills` on `image.ptx`, filling
/// cubin, ptxasLog, spillBytes and kernels.
bool assembleCubin(const std::string &toolkit, CUDAImage &image, int optLevel,
                   std::string &error);

} // namespace tessera

#endif // TESSERA_TARGET_CUDA_CUDATARGET_H
