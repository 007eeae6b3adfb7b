//===- Loader.cpp - loading compiler plugins ------------------------------===//
//
// dlopen, the entry point, the version checks, and the registrar that
// records what a plugin adds into one process-wide set of extensions.
//
//===----------------------------------------------------------------------===//

#include "tessera/Plugin/Loader.h"

#include "lib/Plugin/Extensions.h"
#include "tessera/Support/OneLine.h"

#include "dialects/Kernel/IR/KernelOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"

#include <dlfcn.h>
#include <mutex>

using namespace tessera;

namespace {

struct State {
  std::mutex mutex;
  std::vector<LoadedPlugin> plugins;
  plugin::Extensions extensions;
};

State &state() {
  static State instance;
  return instance;
}

/// Records into a plugin's own extensions; they join the process's only
/// when its register function has returned.
class Registrar final : public PluginRegistrar {
public:
  plugin::Extensions added;

  void addPasses(Phase phase, HookPoint point, PassHook hook,
                 PipelineTarget target) override {
    if (hook)
      added.hooks.add(phase, point, std::move(hook), target);
  }
  void addPatterns(Phase phase, HookPoint point, PatternHook patterns,
                   PipelineTarget target) override {
    if (!patterns)
      return;
    added.hooks.add(
        phase, point,
        [patterns](mlir::OpPassManager &pm) {
          pm.addPass(plugin::createPatternsPass(patterns));
        },
        target);
  }
  void addOnnxConverter(OnnxConverterEntry entry) override {
    if (entry.convert)
      added.converters.push_back(std::move(entry));
  }
  void addKernelCostModel(tk::KernelCostModel model) override {
    if (model)
      added.kernelModels.push_back(std::move(model));
  }
  void addWindowCostModel(tk::WindowCostModel model) override {
    if (model)
      added.windowModels.push_back(std::move(model));
  }
  void addDialects(DialectHook dialects) override {
    if (dialects)
      added.dialects.push_back(std::move(dialects));
  }
};

std::string loadError(const std::string &path, const std::string &why) {
  std::string message = path + ": cannot load the plugin: " + why;
  makeOneLine(message);
  return message;
}

} // namespace

bool tessera::loadPlugin(const std::string &path, std::string &error) {
  if (!llvm::sys::fs::exists(path)) {
    error = loadError(path, "no such file");
    return false;
  }
  llvm::SmallString<256> real;
  if (llvm::sys::fs::real_path(path, real))
    real = path;
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  for (const LoadedPlugin &loaded : s.plugins)
    if (loaded.path == real.str())
      return true;

  void *handle = dlopen(real.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *why = dlerror();
    error = loadError(path, why ? why : "dlopen failed");
    return false;
  }
  using Entry = TesseraPluginInfo (*)();
  auto entry = reinterpret_cast<Entry>(dlsym(handle, TESSERA_PLUGIN_ENTRY_SYMBOL));
  if (!entry) {
    dlclose(handle);
    error = loadError(path, "not a Tessera plugin (it exports no " +
                                std::string(TESSERA_PLUGIN_ENTRY_SYMBOL) +
                                "; define it with TESSERA_DEFINE_PLUGIN)");
    return false;
  }
  TesseraPluginInfo info = entry();
  std::string name = info.name ? info.name : "(unnamed)";
  if (info.apiVersion != TESSERA_PLUGIN_API_VERSION) {
    dlclose(handle);
    error = loadError(path, "plugin '" + name + "' was built against plugin "
                            "API version " + std::to_string(info.apiVersion) +
                            ", this Tessera has version " +
                            std::to_string(TESSERA_PLUGIN_API_VERSION) +
                            " (rebuild it against this Tessera's headers)");
    return false;
  }
  if (info.llvmVersionMajor != LLVM_VERSION_MAJOR) {
    dlclose(handle);
    error = loadError(path, "plugin '" + name + "' was built against LLVM " +
                            std::to_string(info.llvmVersionMajor) +
                            ", this Tessera uses LLVM " +
                            std::to_string(LLVM_VERSION_MAJOR));
    return false;
  }
  if (!info.registerPlugin) {
    dlclose(handle);
    error = loadError(path, "plugin '" + name + "' has no register function");
    return false;
  }
  // The library stays loaded for the process: its code backs the hooks.
  Registrar registrar;
  info.registerPlugin(registrar);
  plugin::Extensions &all = s.extensions;
  all.hooks.append(registrar.added.hooks);
  all.converters.insert(all.converters.end(),
                        registrar.added.converters.begin(),
                        registrar.added.converters.end());
  all.kernelModels.insert(all.kernelModels.end(),
                          registrar.added.kernelModels.begin(),
                          registrar.added.kernelModels.end());
  all.windowModels.insert(all.windowModels.end(),
                          registrar.added.windowModels.begin(),
                          registrar.added.windowModels.end());
  all.dialects.insert(all.dialects.end(), registrar.added.dialects.begin(),
                      registrar.added.dialects.end());
  s.plugins.push_back(
      {real.str().str(), name, info.version ? info.version : ""});
  return true;
}

std::vector<LoadedPlugin> tessera::loadedPlugins() {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  return s.plugins;
}

plugin::Extensions plugin::loadedExtensions() {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  return s.extensions;
}

void plugin::Extensions::addDialects(mlir::DialectRegistry &registry) const {
  for (const DialectHook &hook : dialects)
    hook(registry);
}

tk::KernelCostModel
plugin::Extensions::kernelCostModel(tk::KernelCostModel base) const {
  if (kernelModels.empty())
    return base;
  std::vector<tk::KernelCostModel> models(kernelModels.rbegin(),
                                          kernelModels.rend());
  if (base)
    models.push_back(std::move(base));
  return [models](tk::MatmulOp kernel, const tk::CPUTarget &target) {
    for (const tk::KernelCostModel &model : models)
      if (tk::CPUTileAttr tile = model(kernel, target))
        return tile;
    return tk::CPUTileAttr();
  };
}

tk::WindowCostModel
plugin::Extensions::windowCostModel(tk::WindowCostModel base) const {
  if (windowModels.empty())
    return base;
  std::vector<tk::WindowCostModel> models(windowModels.rbegin(),
                                          windowModels.rend());
  if (base)
    models.push_back(std::move(base));
  return [models](mlir::Operation *kernel, const tk::CPUTarget &target) {
    for (const tk::WindowCostModel &model : models)
      if (tk::CPUWindowAttr window = model(kernel, target))
        return window;
    return tk::CPUWindowAttr();
  };
}
