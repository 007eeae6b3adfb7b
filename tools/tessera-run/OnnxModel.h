//===- OnnxModel.h - reading an ONNX model file -----------------*- C++ -*-===//

#ifndef TESSERA_TOOLS_TESSERA_RUN_ONNXMODEL_H
#define TESSERA_TOOLS_TESSERA_RUN_ONNXMODEL_H

#include <string>

namespace onnx {
class ModelProto;
} // namespace onnx

namespace tessera::run {

/// Parses the ONNX model at `path`; false with `error` ("PATH: cannot
/// open", "PATH: not an ONNX model ...") otherwise.
bool readOnnxModel(const std::string &path, onnx::ModelProto &model,
                   std::string &error);

} // namespace tessera::run

#endif // TESSERA_TOOLS_TESSERA_RUN_ONNXMODEL_H
