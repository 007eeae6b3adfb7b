//===- OnnxModel.cpp - reading an ONNX model file -------------------------===//

#include "tools/tessera-run/OnnxModel.h"

#include <onnx/onnx_pb.h>

#include <fstream>

bool tessera::run::readOnnxModel(const std::string &path,
                                 onnx::ModelProto &model, std::string &error) {
  std::ifstream stream(path, std::ios::binary);
  if (!stream) {
    error = path + ": cannot open";
    return false;
  }
  if (!model.ParseFromIstream(&stream)) {
    error = path + ": not an ONNX model (the protobuf does not parse)";
    return false;
  }
  return true;
}
