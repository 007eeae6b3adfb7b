//===- Signature.h - the C signature of a compiled model ---------*- C++
//-*-===//

#ifndef TESSERA_DRIVER_SIGNATURE_H
#define TESSERA_DRIVER_SIGNATURE_H

#include "lib/AOT/Artifact.h"

#include <string>

namespace mlir::func {
class FuncOp;
} // namespace mlir::func

namespace tessera::driver {

/// The C signature of the model function (on tensors, after import): the
/// symbol prefix made from `name`, every input and output with its name
/// (`tessera.name`), dtype and dims, and the dynamic dimensions of outputs
/// whose sizes are results marked `tessera.size_of`. False with `error`
/// (naming `path`) when a tensor is not static or of an unsupported type,
/// or there is no output.
bool describeSignature(mlir::func::FuncOp function, const std::string &name,
                       const std::string &path, ModelSignature &signature,
                       std::string &error);

} // namespace tessera::driver

#endif // TESSERA_DRIVER_SIGNATURE_H
