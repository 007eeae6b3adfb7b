//===- WrongVersion.cpp - a plugin built against another API version ------===//
//
// Its entry point claims the next plugin API version: Tessera must refuse
// it with one line and never call its register function.
//
//===----------------------------------------------------------------------===//

#include "tessera/Plugin/Plugin.h"

#include <cstdlib>

static void registerNothing(tessera::PluginRegistrar &) { std::abort(); }

extern "C" __attribute__((visibility("default"))) TesseraPluginInfo
tesseraGetPluginInfo() {
  return {TESSERA_PLUGIN_API_VERSION + 1, LLVM_VERSION_MAJOR, "wrong-version",
          "0.0", registerNothing};
}
