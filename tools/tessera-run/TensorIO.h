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

/// The bytes of a tensor of `dims` and `dtype`, overflow-checked: false for
/// negative dims, an unknown dtype or more than the runtime's
/// TESSERA_MAX_TENSOR_BYTES.
bool checkedBytes(const std::vector<int64_t> &dims, int32_t dtype,
                  uint64_t &bytes);

/// Reads a .npy or an ONNX TensorProto .pb file; false with `error` set
/// (never an exception, never an allocation before the sizes are checked).
bool readTensor(const std::string &path, HostTensor &tensor,
                std::string &error);

/// Writes a .npy file.
bool writeNpy(const std::string &path, const HostTensor &tensor,
              std::string &error);

/// Element `index` as a double (for comparison and reporting).
double elementAsDouble(const HostTensor &tensor, int64_t index);

} // namespace tessera::run

#endif // TESSERA_TOOLS_TESSERA_RUN_TENSORIO_H
