//===- FuzzTensorFile.cpp - libFuzzer target: tessera-run's tensor readers -===//
//
// The first byte picks the reader (odd: .npy, even: ONNX TensorProto .pb);
// the rest is the file. A reader must either fail with a one-line message
// or return a tensor whose bytes are exactly what its dims and dtype say;
// anything else (a signal, a sanitizer report, an exception, an allocation
// past libFuzzer's limit) is a finding.
//
//===----------------------------------------------------------------------===//

#include "fuzz/FuzzUtils.h"
#include "tools/tessera-run/TensorIO.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  bool npy = data[0] & 1;
  std::string path =
      tessera::fuzz::writeScratchFile(npy ? "input.npy" : "input.pb",
                                      data + 1, size - 1);
  tessera::run::HostTensor tensor;
  std::string error;
  if (!tessera::run::readTensor(path, tensor, error)) {
    tessera::fuzz::requireOneLine(error);
    return 0;
  }
  uint64_t bytes = 0;
  if (!tessera::run::checkedBytes(tensor.dims, tensor.dtype, bytes) ||
      bytes != tensor.data.size())
    tessera::fuzz::finding("a tensor was read whose data does not match its "
                           "dims and dtype");
  int64_t count = tensor.numElements();
  if (count > 0) {
    // Reading the last element must stay inside the data.
    volatile double last = tessera::run::elementAsDouble(tensor, count - 1);
    (void)last;
  }
  return 0;
}
