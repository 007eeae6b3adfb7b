//===- Weights.h - the weights file of an artifact ----------------*- C++ -*-===//
//
// A model compiled with --weights=file keeps its large weights in
// <prefix>.weights, which the runtime maps (runtime.h,
// TESSERA_WEIGHTS_HEADER_BYTES; docs/runtime.md).
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_AOT_WEIGHTS_H
#define TESSERA_AOT_WEIGHTS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>

namespace tessera {

/// One tensor of the weights section: `bytes` repeated `repeat` times (a
/// splat is one element repeated) at `offset`.
struct WeightTensor {
  uint64_t offset = 0;
  llvm::StringRef bytes;
  uint64_t repeat = 1;
};

/// The fingerprint the file's header and the model descriptor carry: a
/// hash of every tensor's place and bytes (never 0).
uint64_t weightsFingerprint(llvm::ArrayRef<WeightTensor> tensors,
                            uint64_t size);

/// Writes the header and `size` bytes of weights to `path`; runs of zeros
/// are left as holes (the file stays sparse where the weights are zero).
bool writeWeightsFile(const std::string &path,
                      llvm::ArrayRef<WeightTensor> tensors, uint64_t size,
                      uint64_t fingerprint, std::string &error);

} // namespace tessera

#endif // TESSERA_AOT_WEIGHTS_H
