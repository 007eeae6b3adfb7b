//===- Checker.cpp - ONNX's own model checker, where it applies -----------===//
//
// Debian's ONNX library (1.12) knows opsets up to 17 and IR version 8. For
// models within that range its checker catches structural errors early; for
// newer models it would reject valid input, so Tessera's own type inference
// on tg is the source of truth there. The checker reports by throwing: this
// file alone is built with exceptions, and nothing escapes it.
//
//===----------------------------------------------------------------------===//

#include "lib/Import/ONNX/Checker.h"

#include <onnx/checker.h>

#include <sstream>

std::string tessera::onnx_import::checkModel(const onnx::ModelProto &model,
                                             int64_t opset) {
  if (opset > 17 || model.ir_version() > 8)
    return "";
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception &e) {
    // One line: the checker's message may span several.
    std::istringstream words(e.what());
    std::string word, line;
    while (words >> word)
      line += (line.empty() ? "" : " ") + word;
    return line.empty() ? "the ONNX checker rejects the model" : line;
  }
  return "";
}
