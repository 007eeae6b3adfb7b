//===- CUDACompile.cpp - the driver's CUDA emission -----------------------===//
//
// --target=cuda: the CUDA pipeline's kernels become PTX for every
// architecture of --mcpu and, when the toolkit's ptxas is found, cubins.
// --emit=ptx prints each architecture's PTX after a line
// `// tessera-ptx: <arch>`, so that a tool can split them. The artifact
// (a host object embedding the cubins, and the runtime's CUDA module) is
// still to come.
//
//===----------------------------------------------------------------------===//

#include "lib/Driver/CUDACompile.h"
#include "lib/Target/CUDA/CUDATarget.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <regex>

using namespace mlir;

std::string tessera::driver::checkCUDAOptions(const CompileOptions &options) {
  std::vector<std::string> chips;
  std::string error;
  if (!parseCUDAChips(options.cpu, chips, error))
    return error;
  switch (options.emit) {
  case EmitStage::Object:
  case EmitStage::Library:
    return "--target=cuda: the CUDA artifact (a host object embedding the "
           "cubins, with the runtime's CUDA module) is not built yet; "
           "--emit=ptx writes the kernels";
  default:
    break;
  }
  if (options.profile)
    return "--target=cuda: --profile is not supported for CUDA yet";
  if (options.gpuPrecision == "fp16" || options.gpuPrecision == "bf16")
    return "--gpu-precision=" + options.gpuPrecision +
           ": running fp32 models in " + options.gpuPrecision +
           " is not supported yet (tf32, fp32)";
  if (options.gpuPrecision != "tf32" && options.gpuPrecision != "fp32")
    return "--gpu-precision: unknown precision '" + options.gpuPrecision +
           "' (tf32, fp32)";
  if (!options.cudaToolkit.empty() &&
      findCUDAToolkit(options.cudaToolkit).empty())
    return "--cuda-path: " + options.cudaToolkit + " holds no bin/ptxas";
  return "";
}

bool tessera::driver::emitCUDA(ModuleOp module, const CompileOptions &options,
                               llvm::raw_ostream &out, llvm::raw_ostream &log,
                               std::string &error) {
  CUDATargetOptions target;
  if (!parseCUDAChips(options.cpu, target.chips, error))
    return false;
  target.optLevel = options.optLevel;
  target.toolkit = options.cudaToolkit;
  std::vector<CUDAImage> images;
  if (!emitCUDAImages(module, target, images, error)) {
    error = options.inputPath + ": " + error;
    return false;
  }
  if (options.stats) {
    if (images.empty())
      log << "stats: cuda: no kernels (nothing runs on the device)\n";
    for (const CUDAImage &image : images) {
      log << "stats: cuda " << image.chip << ": " << image.ptx.size()
          << " bytes of PTX";
      if (image.cubin.empty()) {
        log << " (no ptxas found: no cubin)\n";
        continue;
      }
      // The most registers a kernel uses.
      int64_t registers = 0;
      std::regex used("Used ([0-9]+) registers");
      for (std::sregex_iterator
               it(image.ptxasLog.begin(), image.ptxasLog.end(), used),
           end;
           it != end; ++it)
        registers = std::max<int64_t>(registers, std::stoll((*it)[1]));
      log << ", cubin " << image.cubin.size() << " bytes, " << image.kernels
          << " kernels, at most " << registers << " registers, "
          << image.spillBytes << " bytes spilled\n";
    }
  }
  if (options.emit == EmitStage::PTX || options.emit == EmitStage::Assembly)
    for (const CUDAImage &image : images)
      out << "// tessera-ptx: " << image.chip << "\n" << image.ptx << "\n";
  return true;
}
