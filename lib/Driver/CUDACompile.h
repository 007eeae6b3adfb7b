//===- CUDACompile.h - the driver's CUDA emission ----------------*- C++
//-*-===//

#ifndef TESSERA_DRIVER_CUDACOMPILE_H
#define TESSERA_DRIVER_CUDACOMPILE_H

#include "lib/AOT/Artifact.h"
#include "tessera/Compiler/Driver.h"

#include <string>

namespace mlir {
class ModuleOp;
} // namespace mlir

namespace tessera::driver {

/// What --target=cuda cannot do (yet) with `options`: "" when it can.
std::string checkCUDAOptions(const CompileOptions &options);

/// After the CUDA pipeline's last phase: PTX for every architecture of
/// options.cpu (and cubins when a toolkit is found). --emit=ptx prints them
/// to `out`, or with an output prefix writes PREFIX.ARCH.ptx/.cubin,
/// PREFIX.launches.json (every launch in order: kernel, grid, block, and
/// what each argument binds to: an input or output, the workspace, a
/// weight, an index) and PREFIX.weights.bin (the weights the launches read,
/// at the offsets the JSON gives). --emit=obj|lib writes the artifact: a
/// host object whose descriptor holds the images, the launches and the
/// weights (tessera_cuda_program_t), its header, and with lib the shared
/// library; without a prefix the object and header go to `memoryObject`
/// and `memoryHeader`. With --stats each architecture's kernels, registers
/// and spills go to `log`.
bool emitCUDA(mlir::ModuleOp module, const CompileOptions &options,
              ModelSignature signature, llvm::raw_ostream &out,
              llvm::raw_ostream &log, std::string *memoryObject,
              std::string *memoryHeader, std::string &error);

} // namespace tessera::driver

#endif // TESSERA_DRIVER_CUDACOMPILE_H
