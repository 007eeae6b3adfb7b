//===- Signature.cpp - the C signature of a compiled model ----------------===//

#include "lib/Driver/Signature.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinTypes.h"

#include <algorithm>

using namespace mlir;

namespace {

/// ONNX data type number of an element type, 0 if none.
int32_t dtypeOf(Type type) {
  if (type.isF32())
    return 1;
  if (type.isF64())
    return 11;
  if (type.isF16())
    return 10;
  if (type.isBF16())
    return 16;
  if (type.isInteger(1))
    return 9;
  if (auto integer = dyn_cast<IntegerType>(type)) {
    bool isUnsigned = integer.isUnsigned();
    switch (integer.getWidth()) {
    case 8:
      return isUnsigned ? 2 : 3;
    case 16:
      return isUnsigned ? 4 : 5;
    case 32:
      return isUnsigned ? 12 : 6;
    case 64:
      return isUnsigned ? 13 : 7;
    }
  }
  return 0;
}

bool fail(std::string &error, const std::string &message) {
  error = message;
  return false;
}

} // namespace

bool tessera::driver::describeSignature(func::FuncOp function,
                                        const std::string &name,
                                        const std::string &path,
                                        ModelSignature &signature,
                                        std::string &error) {
  signature.name = tessera::cIdentifier(name);
  auto describe = [&](Type type, Attribute nameAttr,
                      const std::string &fallback,
                      tessera::TensorSignature &tensor) {
    auto tensorType = dyn_cast<RankedTensorType>(type);
    tensor.name = nameAttr ? cast<StringAttr>(nameAttr).str() : fallback;
    if (!tensorType || !tensorType.hasStaticShape())
      return false;
    tensor.dtype = dtypeOf(tensorType.getElementType());
    tensor.dims.assign(tensorType.getShape().begin(),
                       tensorType.getShape().end());
    return tensor.dtype != 0;
  };
  for (unsigned i = 0; i < function.getNumArguments(); ++i) {
    tessera::TensorSignature tensor;
    if (!describe(function.getArgument(i).getType(),
                  function.getArgAttr(i, "tessera.name"),
                  "input" + std::to_string(i), tensor))
      return fail(error, path + ": input " + std::to_string(i) +
                             " must be a statically shaped tensor "
                             "of a supported element type");
    signature.inputs.push_back(tensor);
  }
  // Results marked `tessera.size_of = {output, dim}` (an i64 scalar each,
  // after the outputs) are the sizes of dynamic output dimensions.
  unsigned numOutputs = function.getNumResults();
  for (unsigned i = 0; i < function.getNumResults(); ++i) {
    auto sizeOf =
        function.getResultAttrOfType<DictionaryAttr>(i, "tessera.size_of");
    if (!sizeOf) {
      if (numOutputs != function.getNumResults())
        return fail(error, "internal: an output follows a size result");
      continue;
    }
    numOutputs = std::min(numOutputs, i);
    auto output = sizeOf.getAs<IntegerAttr>("output");
    auto dim = sizeOf.getAs<IntegerAttr>("dim");
    if (!output || !dim || output.getInt() < 0 ||
        output.getInt() >= static_cast<int64_t>(numOutputs) ||
        dim.getInt() < 0 || dim.getInt() >= 64)
      return fail(error, "internal: a malformed tessera.size_of");
    // Filled below; the bits are set in result order, which is the order
    // of the size slots.
  }
  for (unsigned i = 0; i < numOutputs; ++i) {
    tessera::TensorSignature tensor;
    if (!describe(function.getResultTypes()[i],
                  function.getResultAttr(i, "tessera.name"),
                  "output" + std::to_string(i), tensor))
      return fail(error, path + ": output " + std::to_string(i) +
                             " must be a statically shaped tensor "
                             "of a supported element type");
    signature.outputs.push_back(tensor);
  }
  // The size slots are in (output, dim) order, as the runtime fills them.
  {
    std::pair<int64_t, int64_t> last{-1, -1};
    for (unsigned i = numOutputs; i < function.getNumResults(); ++i) {
      auto sizeOf =
          function.getResultAttrOfType<DictionaryAttr>(i, "tessera.size_of");
      std::pair<int64_t, int64_t> at{
          sizeOf.getAs<IntegerAttr>("output").getInt(),
          sizeOf.getAs<IntegerAttr>("dim").getInt()};
      tessera::TensorSignature &output = signature.outputs[at.first];
      if (at <= last || at.second >= static_cast<int64_t>(output.dims.size()))
        return fail(error, "internal: size results out of order");
      last = at;
      output.dynamicDims |= uint64_t(1) << at.second;
    }
  }
  if (signature.outputs.empty())
    return fail(error,
                path + ": the model has no outputs (nothing to compute)");
  return true;
}
