//===- Loader.h - loading compiler plugins into the process -------*- C++ -*-===//
//
// For tools and applications that embed the compiler: tessera-compile's
// --plugin, tessera-opt's --load-pass-plugin and Python's
// tessera.load_plugin call loadPlugin. A plugin is loaded once per process
// (a second load of the same file is a no-op); what it registers applies to
// every compilation started after it (tessera::compile, compileModel).
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_PLUGIN_LOADER_H
#define TESSERA_PLUGIN_LOADER_H

#include <string>
#include <vector>

namespace tessera {

struct LoadedPlugin {
  std::string path;
  std::string name;
  std::string version;
};

/// Loads the plugin at `path` and calls its register function. On failure
/// (no such file, not a shared library, an unresolved symbol, no entry
/// point, another API or LLVM version) returns false with one line in
/// `error` that names the file; nothing of the plugin is used.
bool loadPlugin(const std::string &path, std::string &error);

/// The plugins loaded so far, in load order.
std::vector<LoadedPlugin> loadedPlugins();

} // namespace tessera

#endif // TESSERA_PLUGIN_LOADER_H
