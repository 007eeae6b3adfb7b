//===- Unresolved.cpp - a plugin with a symbol nothing defines ------------===//
//
// Built against a function no library provides (as a plugin built against
// another Tessera's libraries would be): loading it must fail with one line
// naming the symbol, before its entry point is called.
//
//===----------------------------------------------------------------------===//

#include "tessera/Plugin/Plugin.h"

namespace tessera {
void functionNoTesseraDefines();
} // namespace tessera

static void registerUnresolved(tessera::PluginRegistrar &) {
  tessera::functionNoTesseraDefines();
}

TESSERA_DEFINE_PLUGIN("unresolved", "0.0", registerUnresolved)
