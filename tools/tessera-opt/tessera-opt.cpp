//===- tessera-opt.cpp - mlir-opt with Tessera's dialects and passes ------===//
//
// Every upstream dialect, extension and pass, plus Tessera's, so that any
// pass can be run alone on any stage of the pipeline. --load-pass-plugin
// loads a Tessera plugin (tessera/Plugin/Plugin.h) before the command line
// is parsed, so its passes can be named and appear in --help.
//
//===----------------------------------------------------------------------===//

#include "dialects/Graph/IR/GraphDialect.h"
#include "dialects/Graph/Transforms/Passes.h"
#include "dialects/Kernel/IR/KernelDialect.h"
#include "dialects/Kernel/Transforms/Passes.h"
#include "lib/Plugin/Extensions.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "passes/Conversion/Passes.h"
#include "passes/Transforms/Passes.h"
#include "tessera/Version.h"
#include "tessera/Plugin/Loader.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <vector>

/// Loads every --load-pass-plugin=LIB (or --load-pass-plugin LIB) and takes
/// it out of the arguments MlirOptMain parses (its own option of that name
/// loads MLIR's plugins, not Tessera's). Returns false after printing the
/// first error.
static bool loadPlugins(std::vector<char *> &args) {
  static const llvm::StringRef flags[] = {"--load-pass-plugin",
                                          "-load-pass-plugin"};
  std::vector<char *> kept;
  for (size_t i = 0; i < args.size(); ++i) {
    llvm::StringRef arg = args[i];
    std::string path;
    bool matched = false;
    for (llvm::StringRef flag : flags) {
      if (arg == flag) {
        if (i + 1 == args.size()) {
          llvm::errs() << "tessera-opt: error: " << flag
                       << " needs a plugin path\n";
          return false;
        }
        path = args[++i];
        matched = true;
      } else if (arg.starts_with(flag) && arg.drop_front(flag.size())
                                              .starts_with("=")) {
        path = arg.drop_front(flag.size() + 1).str();
        matched = true;
      }
      if (matched)
        break;
    }
    if (!matched) {
      kept.push_back(args[i]);
      continue;
    }
    std::string error;
    if (!tessera::loadPlugin(path, error)) {
      llvm::errs() << "tessera-opt: error: " << error << "\n";
      return false;
    }
  }
  args = std::move(kept);
  return true;
}

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  tessera::tg::registerGraphPasses();
  tessera::tk::registerKernelPasses();
  tessera::registerConversionPasses();
  tessera::registerTransformsPasses();

  std::vector<char *> args(argv, argv + argc);
  if (!loadPlugins(args))
    return 1;

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  registry.insert<tessera::tg::TGDialect, tessera::tk::TKDialect>();
  tessera::tk::registerBufferizableOpInterfaceExternalModels(registry);
  tessera::plugin::loadedExtensions().addDialects(registry);

  llvm::cl::AddExtraVersionPrinter([](llvm::raw_ostream &os) {
    os << "tessera-opt (Tessera) " << TESSERA_VERSION_STRING << "\n";
  });
  args.push_back(nullptr);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(static_cast<int>(args.size()) - 1, args.data(),
                        "Tessera modular optimizer driver\n", registry));
}
