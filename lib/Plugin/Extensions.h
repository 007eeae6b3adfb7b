//===- Extensions.h - what the loaded plugins registered ----------*- C++ -*-===//
//
// Private to Tessera's tools and driver: a snapshot of everything the
// plugins loaded so far added, for one compilation (or one tessera-opt run)
// to apply.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_LIB_PLUGIN_EXTENSIONS_H
#define TESSERA_LIB_PLUGIN_EXTENSIONS_H

#include "tessera/Plugin/Plugin.h"

#include <memory>
#include <vector>

namespace mlir {
class Pass;
} // namespace mlir

namespace tessera::plugin {

struct Extensions {
  PipelineHooks hooks;
  std::vector<OnnxConverterEntry> converters;
  std::vector<tk::KernelCostModel> kernelModels;
  std::vector<tk::WindowCostModel> windowModels;
  std::vector<DialectHook> dialects;

  /// Inserts every plugin's dialects into `registry`.
  void addDialects(mlir::DialectRegistry &registry) const;
  /// The plugins' cost models in front of `base` (the latest plugin asked
  /// first; a null answer passes on); empty when nothing is registered.
  tk::KernelCostModel kernelCostModel(tk::KernelCostModel base) const;
  tk::WindowCostModel windowCostModel(tk::WindowCostModel base) const;
};

/// What the plugins loaded so far registered.
Extensions loadedExtensions();

/// The pass that applies a plugin's pattern set at its hook.
std::unique_ptr<mlir::Pass> createPatternsPass(PatternHook patterns);

} // namespace tessera::plugin

#endif // TESSERA_LIB_PLUGIN_EXTENSIONS_H
