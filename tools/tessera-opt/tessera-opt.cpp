//===- tessera-opt.cpp - mlir-opt with Tessera's dialects and passes ------===//
//
// Every upstream dialect, extension and pass, plus Tessera's, so that any
// pass can be run alone on any stage of the pipeline.
//
//===----------------------------------------------------------------------===//

#include "dialects/Graph/IR/GraphDialect.h"
#include "dialects/Graph/Transforms/Passes.h"
#include "dialects/Kernel/IR/KernelDialect.h"
#include "dialects/Kernel/Transforms/Passes.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "passes/Conversion/Passes.h"
#include "passes/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  tessera::tg::registerGraphPasses();
  tessera::tk::registerKernelPasses();
  tessera::registerConversionPasses();
  tessera::registerTransformsPasses();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  registry.insert<tessera::tg::TGDialect, tessera::tk::TKDialect>();
  tessera::tk::registerBufferizableOpInterfaceExternalModels(registry);

  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "Tessera modular optimizer driver\n", registry));
}
