//===- OneLine.h - model-controlled text made safe for one line ---*- C++ -*-===//
//
// Error messages and tables quote names from the model and the command
// line, which may hold anything: every control character (a newline, a
// terminal escape) becomes '?', so that a message stays one harmless line.
// Header-only, no dependencies: the tools that link no LLVM use it too.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_SUPPORT_ONELINE_H
#define TESSERA_SUPPORT_ONELINE_H

#include <string>

namespace tessera {

/// Replaces every control character of `text` with '?', in place.
inline void makeOneLine(std::string &text) {
  for (char &c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      c = '?';
}

/// `text` with every control character replaced by '?'.
inline std::string oneLine(std::string text) {
  makeOneLine(text);
  return text;
}

} // namespace tessera

#endif // TESSERA_SUPPORT_ONELINE_H
