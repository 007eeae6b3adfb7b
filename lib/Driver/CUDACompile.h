//===- CUDACompile.h - the driver's CUDA emission ----------------*- C++
//-*-===//

#ifndef TESSERA_DRIVER_CUDACOMPILE_H
#define TESSERA_DRIVER_CUDACOMPILE_H

#include "tessera/Compiler/Driver.h"

#include <string>

namespace mlir {
class ModuleOp;
} // namespace mlir

namespace tessera::driver {

/// What --target=cuda cannot do (yet) with `options`: "" when it can.
std::string checkCUDAOptions(const CompileOptions &options);

/// After the CUDA pipeline's last phase: PTX for every architecture of
/// options.cpu (and cubins when a toolkit is found), printed to `out` for
/// --emit=ptx; with --stats each architecture's kernels, registers and
/// spills to `log`.
bool emitCUDA(mlir::ModuleOp module, const CompileOptions &options,
              llvm::raw_ostream &out, llvm::raw_ostream &log,
              std::string &error);

} // namespace tessera::driver

#endif // TESSERA_DRIVER_CUDACOMPILE_H
