//===- TensorIO.h - tensors from .npy and ONNX .pb files ---------*- C++
//-*-===//

#ifndef TESSERA_TOOLS_TESSERA_RUN_TENSORIO_H
#define TESSERA_TOOLS_TESSERA_RUN_TENSORIO_H

#include <cstdint>
#include <string>
#include <vector>

namespace tessera::run {

/// A dense, row-major host tensor with a tessera dtype (ONNX numbering).
struct HostTensor {
  int32_t dtype = 0;
  std::vector<int64_t> dims;
  std::vector<char> data;
  int64_t numElements() const;
};

/// Reads a .npy or an ONNX TensorProto .pb file; false with `error` set.
bool readTensor(const std::string &path, HostTensor &tensor,
                std::string &error);

/// Writes a .npy file.
bool writeNpy(const std::string &path, const HostTensor &tensor,
              std::string &error);

/// Element `index` as a double (for comparison and reporting).
double elementAsDouble(const HostTensor &tensor, int64_t index);

} // namespace tessera::run

#endif // TESSERA_TOOLS_TESSERA_RUN_TENSORIO_H
