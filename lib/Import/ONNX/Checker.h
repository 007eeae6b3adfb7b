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
/// passes or is too new to check. Tensor value infos without a shape get an
/// empty one for the check and lose it again after (hence not const).
/// ONNX's checker on `model` (where it knows the opset); "" when it passes.
/// `externalDataFolder`: the model's folder, for a model with external
/// data (its files were checked by the importer).
std::string checkModel(onnx::ModelProto &model, int64_t opset,
                       const std::string &externalDataFolder = "");

/// Where the checker does not run (opsets past 17): the attributes of a
/// default-domain node against its schema (the newest the library knows at
/// or below `opset`): each attribute of a known name must have the schema's
/// type, and the field its type names must be the one that is set (floats
/// where ints are expected would otherwise read as the default). Attributes
/// the schema does not know (added in later opsets) are left to the
/// converter. Returns "" or the problem in one line.
std::string checkAttributes(const onnx::NodeProto &node, int64_t opset);

} // namespace tessera::onnx_import

#endif // TESSERA_IMPORT_ONNX_CHECKER_H
