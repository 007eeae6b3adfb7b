//===- Checker.h - ONNX's own model checker, where it applies ----*- C++
//-*-===//

#ifndef TESSERA_IMPORT_ONNX_CHECKER_H
#define TESSERA_IMPORT_ONNX_CHECKER_H

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>

namespace tessera::onnx_import {

/// Runs onnx::checker::check_model when the library knows the model's opset
/// and IR version; returns its first message line, or "" when the model
/// passes or is too new to check.
std::string checkModel(const onnx::ModelProto &model, int64_t opset);

} // namespace tessera::onnx_import

#endif // TESSERA_IMPORT_ONNX_CHECKER_H
