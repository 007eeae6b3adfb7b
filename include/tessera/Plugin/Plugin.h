//===- Plugin.h - the API a Tessera compiler plugin is written against -*- C++ -*-===//
//
// A plugin is a shared library exporting one C entry point,
// tesseraGetPluginInfo, best defined with TESSERA_DEFINE_PLUGIN:
//
//   static void registerMyPlugin(tessera::PluginRegistrar &registrar) {
//     registerMyPasses();                       // tessera-opt names them
//     registrar.addPasses(tessera::Phase::Graph, tessera::HookPoint::After,
//                         [](mlir::OpPassManager &pm) {
//                           pm.addPass(createMyRewritePass());
//                         });
//     registrar.addOnnxConverter({"com.example", "MyOp", 1, 1, convertMyOp});
//   }
//   TESSERA_DEFINE_PLUGIN("my-plugin", "1.0", registerMyPlugin)
//
// Tessera (tessera-compile --plugin, tessera-opt --load-pass-plugin, Python
// tessera.load_plugin) loads a plugin once per process, refuses it with one
// line when its API version or its LLVM major version differs from
// Tessera's, and calls its register function once. What it registers
// extends every later compilation in the process; a pass added at a hook
// runs exactly once per compilation, at that hook. docs/plugins.md is the
// tutorial; examples/plugin a complete plugin.
//
// The plugin links libTesseraCompiler.so and libMLIR.so (Tessera::compiler
// in CMake), so that it shares one copy of every dialect with the tools.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_PLUGIN_PLUGIN_H
#define TESSERA_PLUGIN_PLUGIN_H

#include "dialects/Kernel/Transforms/CostModel.h"
#include "tessera/Compiler/Pipeline.h"
#include "tessera/Import/ONNX.h"

#include "llvm/Config/llvm-config.h"

#include <cstdint>
#include <functional>

/// Raised whenever a class or function of this header, the pipeline hooks
/// (Pipeline.h), the converter interface (Import/OnnxConverter.h) or the
/// cost-model callbacks change in a way a built plugin would notice.
#define TESSERA_PLUGIN_API_VERSION 1

namespace mlir {
class DialectRegistry;
class RewritePatternSet;
} // namespace mlir

namespace tessera {

/// Adds rewrite patterns; at its hook they are applied greedily to the
/// whole module, in one pass of their own.
using PatternHook = std::function<void(mlir::RewritePatternSet &patterns)>;
/// Inserts dialects (and their extensions or external interface models)
/// that the plugin's passes or converters create.
using DialectHook = std::function<void(mlir::DialectRegistry &registry)>;

/// What a plugin's register function is given. Everything it records
/// extends every compilation after the plugin is loaded.
class PluginRegistrar {
public:
  virtual ~PluginRegistrar() = default;

  /// Passes added to the pass manager of `phase` (anchored on
  /// builtin.module), before or after the phase's own passes, in the
  /// pipelines of `target` (PipelineTarget::Any: every pipeline).
  virtual void addPasses(Phase phase, HookPoint point, PassHook hook,
                         PipelineTarget target) = 0;
  void addPasses(Phase phase, HookPoint point, PassHook hook) {
    addPasses(phase, point, std::move(hook), PipelineTarget::Any);
  }

  /// A pattern set applied (greedily, to a fixed point) at the hook.
  virtual void addPatterns(Phase phase, HookPoint point, PatternHook patterns,
                           PipelineTarget target) = 0;
  void addPatterns(Phase phase, HookPoint point, PatternHook patterns) {
    addPatterns(phase, point, std::move(patterns), PipelineTarget::Any);
  }

  /// An ONNX converter for (domain, op, opset range). Plugin converters are
  /// consulted before the built-in ones, the latest registered first, so a
  /// plugin may also replace Tessera's converter of a standard op.
  virtual void addOnnxConverter(OnnxConverterEntry entry) = 0;

  /// Cost models asked first for every tk.matmul (tk.attention keeps the
  /// default tile), and every tk.conv / tk.pool: a null attribute defers to
  /// the model registered before, and finally to Tessera's
  /// (tk::defaultCPUTile, tk::defaultCPUWindow). The attribute's verifier
  /// (positive sizes, nr a multiple of lanes, mc of mr) holds for what a
  /// model returns: build it with getChecked.
  virtual void addKernelCostModel(tk::KernelCostModel model) = 0;
  virtual void addWindowCostModel(tk::WindowCostModel model) = 0;

  /// Dialects the plugin needs, inserted into every compilation's (and
  /// tessera-opt's) registry.
  virtual void addDialects(DialectHook dialects) = 0;
};

} // namespace tessera

extern "C" {
/// What tesseraGetPluginInfo returns. The layout of this struct never
/// changes: the versions are read before anything else is used.
struct TesseraPluginInfo {
  uint32_t apiVersion;       ///< TESSERA_PLUGIN_API_VERSION at build time
  uint32_t llvmVersionMajor; ///< LLVM_VERSION_MAJOR at build time
  const char *name;
  const char *version;
  void (*registerPlugin)(tessera::PluginRegistrar &registrar);
};
}

/// The symbol Tessera looks up in a plugin.
#define TESSERA_PLUGIN_ENTRY_SYMBOL "tesseraGetPluginInfo"

/// Defines the entry point of a plugin named NAME (a string), of version
/// VERSION (a string), whose REGISTER function records what it adds.
#define TESSERA_DEFINE_PLUGIN(NAME, VERSION, REGISTER)                         \
  extern "C" __attribute__((visibility("default"))) TesseraPluginInfo          \
  tesseraGetPluginInfo() {                                                     \
    return {TESSERA_PLUGIN_API_VERSION, LLVM_VERSION_MAJOR, NAME, VERSION,     \
            REGISTER};                                                         \
  }

#endif // TESSERA_PLUGIN_PLUGIN_H
