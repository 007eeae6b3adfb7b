//===- Tensors.cpp - ONNX tensors to elements attributes
//--------------------===//
//
// Initializers and Constant values: inline (typed fields or raw data) or
// ONNX external data, read from files confined to the model's folder.
//
//===----------------------------------------------------------------------===//

#include "lib/Import/ONNX/NodeContext.h"
#include "tessera/Support/Shape.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <optional>

using namespace mlir;
using namespace tessera;
using namespace tessera::onnx_import;

Type tessera::onnx_import::elementType(MLIRContext *context, int32_t dataType) {
  Builder b(context);
  switch (dataType) {
  case onnx::TensorProto::FLOAT:
    return b.getF32Type();
  case onnx::TensorProto::DOUBLE:
    return b.getF64Type();
  case onnx::TensorProto::FLOAT16:
    return b.getF16Type();
  case onnx::TensorProto::BFLOAT16:
    return b.getBF16Type();
  case onnx::TensorProto::BOOL:
    return b.getI1Type();
  case onnx::TensorProto::INT8:
    return b.getIntegerType(8);
  case onnx::TensorProto::INT16:
    return b.getIntegerType(16);
  case onnx::TensorProto::INT32:
    return b.getIntegerType(32);
  case onnx::TensorProto::INT64:
    return b.getIntegerType(64);
  case onnx::TensorProto::UINT8:
    return b.getIntegerType(8, false);
  case onnx::TensorProto::UINT16:
    return b.getIntegerType(16, false);
  case onnx::TensorProto::UINT32:
    return b.getIntegerType(32, false);
  case onnx::TensorProto::UINT64:
    return b.getIntegerType(64, false);
  default:
    return Type();
  }
}

namespace {
/// Where an external-data tensor's bytes are: a file inside the model's
/// folder, from an offset.
struct ExternalSlice {
  std::string path;
  uint64_t offset = 0;
};
} // namespace

/// Checks external-data tensor `tensor` (named `name` in messages), whose
/// shape and type need `bytes` bytes: its "location" must lie inside
/// `directory` (no absolute path, no "..", no link out of it) and the file
/// must hold those bytes from "offset"; "length", when given, must be
/// `bytes`.
static std::optional<ExternalSlice>
resolveExternalData(const onnx::TensorProto &tensor, const std::string &name,
                    StringRef directory, uint64_t bytes, std::string &error) {
  std::string location;
  std::optional<uint64_t> offset, length;
  for (const onnx::StringStringEntryProto &entry : tensor.external_data()) {
    auto number = [&](std::optional<uint64_t> &out) {
      uint64_t value;
      if (StringRef(entry.value()).getAsInteger(10, value)) {
        error = "tensor " + name + "has external data " + entry.key() + " '" +
                entry.value() + "', not a non-negative integer";
        return false;
      }
      out = value;
      return true;
    };
    if (entry.key() == "location")
      location = entry.value();
    else if (entry.key() == "offset" && !number(offset))
      return std::nullopt;
    else if (entry.key() == "length" && !number(length))
      return std::nullopt;
  }
  if (location.empty()) {
    error = "tensor " + name + "stores external data without a location";
    return std::nullopt;
  }
  if (directory.empty()) {
    error = "tensor " + name +
            "stores its data in an external file, which only a model read "
            "from a file can have";
    return std::nullopt;
  }
  bool escapes = llvm::sys::path::is_absolute(location);
  for (StringRef part : llvm::make_range(llvm::sys::path::begin(location),
                                         llvm::sys::path::end(location)))
    escapes |= part == "..";
  if (escapes) {
    error = "tensor " + name + "has external data location '" + location +
            "', which is outside the model's folder";
    return std::nullopt;
  }
  SmallString<256> path(directory);
  llvm::sys::path::append(path, location);
  SmallString<256> realFolder, realFile;
  if (llvm::sys::fs::real_path(directory, realFolder) ||
      llvm::sys::fs::real_path(path, realFile) ||
      llvm::sys::fs::is_directory(realFile)) {
    error = "tensor " + name + "has its data in '" + location +
            "', which does not exist next to the model";
    return std::nullopt;
  }
  if (!StringRef(realFile).starts_with((realFolder + "/").str())) {
    error = "tensor " + name + "has external data location '" + location +
            "', which leads outside the model's folder";
    return std::nullopt;
  }
  if (length && *length != bytes) {
    error = "tensor " + name + "has external data length " +
            std::to_string(*length) + ", its shape and type need " +
            std::to_string(bytes) + " bytes";
    return std::nullopt;
  }
  uint64_t size = 0, start = offset.value_or(0);
  if (llvm::sys::fs::file_size(realFile, size) || start > size ||
      bytes > size - start) {
    error = "tensor " + name + "needs bytes " + std::to_string(start) + " to " +
            std::to_string(start + bytes) + " of '" + location +
            "', which holds " + std::to_string(size);
    return std::nullopt;
  }
  return ExternalSlice{std::string(realFile), start};
}

/// The bytes (as a type and shape would need them) of a tensor's data,
/// 0 with `error` set when the type is unknown or the shape too large.
static uint64_t tensorBytes(MLIRContext *context,
                            const onnx::TensorProto &tensor,
                            const std::string &name, std::string &error) {
  Type type = elementType(context, tensor.data_type());
  SmallVector<int64_t> shape(tensor.dims().begin(), tensor.dims().end());
  if (!type || llvm::any_of(shape, [](int64_t d) { return d < 0; }) ||
      !fitsTensorLimit(Shape(shape.begin(), shape.end()),
                       type.getIntOrFloatBitWidth())) {
    error = "tensor " + name + "has an unsupported type or shape";
    return 0;
  }
  unsigned width = type.getIntOrFloatBitWidth();
  uint64_t count = 1;
  for (int64_t d : shape)
    count *= static_cast<uint64_t>(d);
  return width == 1 ? count : count * (width / 8);
}

std::string
tessera::onnx_import::checkExternalData(MLIRContext *context,
                                        const onnx::TensorProto &tensor,
                                        StringRef modelDirectory) {
  if (tensor.data_location() != onnx::TensorProto::EXTERNAL)
    return "";
  std::string name = tensor.name().empty() ? "" : "'" + tensor.name() + "' ";
  std::string error;
  uint64_t bytes = tensorBytes(context, tensor, name, error);
  if (!error.empty())
    return ""; // tensorToAttr says what is wrong with the type or shape
  resolveExternalData(tensor, name, modelDirectory, bytes, error);
  return error;
}

FailureOr<DenseElementsAttr> tessera::onnx_import::tensorToAttr(
    MLIRContext *context, const onnx::TensorProto &tensor, std::string &error,
    StringRef modelDirectory) {
  std::string name = tensor.name().empty() ? "" : "'" + tensor.name() + "' ";
  bool external = tensor.data_location() == onnx::TensorProto::EXTERNAL;
  Type type = elementType(context, tensor.data_type());
  if (!type) {
    error = "tensor " + name + "has unsupported data type " +
            std::to_string(tensor.data_type());
    return failure();
  }
  SmallVector<int64_t> shape(tensor.dims().begin(), tensor.dims().end());
  unsigned width = type.getIntOrFloatBitWidth();
  if (llvm::any_of(shape, [](int64_t d) { return d < 0; })) {
    error = "tensor " + name + "has a negative dimension in " +
            formatShape(Shape(shape.begin(), shape.end()));
    return failure();
  }
  // Checked before anything multiplies the dims.
  if (!fitsTensorLimit(Shape(shape.begin(), shape.end()), width)) {
    error = "tensor " + name + formatShape(Shape(shape.begin(), shape.end())) +
            " would hold more than 2^48 bytes";
    return failure();
  }
  auto tensorType = RankedTensorType::get(shape, type);
  int64_t count = tensorType.getNumElements();
  auto sizeError = [&](int64_t got) {
    error = "tensor " + name + "holds " + std::to_string(got) +
            " values for shape with " + std::to_string(count) + " elements";
    return failure();
  };

  if (external) {
    // Read through a file slice (mapped when large): the attribute is the
    // one copy kept.
    uint64_t bytes = width == 1 ? count : count * (width / 8);
    std::optional<ExternalSlice> slice =
        resolveExternalData(tensor, name, modelDirectory, bytes, error);
    if (!slice)
      return failure();
    auto data =
        llvm::MemoryBuffer::getFileSlice(slice->path, bytes, slice->offset);
    if (!data) {
      error = "tensor " + name + "cannot be read from '" + slice->path +
              "': " + data.getError().message();
      return failure();
    }
    ArrayRef<char> raw((*data)->getBufferStart(), (*data)->getBufferSize());
    if (width == 1) {
      SmallVector<bool> values(raw.begin(), raw.end());
      return DenseElementsAttr::get(tensorType, ArrayRef<bool>(values));
    }
    return DenseElementsAttr::getFromRawBuffer(tensorType, raw);
  }
  if (tensor.has_raw_data()) {
    const std::string &raw = tensor.raw_data();
    int64_t bytes = width == 1 ? 1 : width / 8;
    if (static_cast<int64_t>(raw.size()) != count * bytes) {
      error = "tensor " + name + "holds " + std::to_string(raw.size()) +
              " bytes of raw data for shape with " + std::to_string(count) +
              " elements of " + std::to_string(bytes) + " bytes";
      return failure();
    }
    if (width == 1) {
      SmallVector<bool> values(raw.begin(), raw.end());
      return DenseElementsAttr::get(tensorType, ArrayRef<bool>(values));
    }
    return DenseElementsAttr::getFromRawBuffer(
        tensorType, ArrayRef<char>(raw.data(), raw.size()));
  }

  auto checkCount = [&](int64_t got) { return got == count; };
  switch (tensor.data_type()) {
  case onnx::TensorProto::FLOAT:
    if (!checkCount(tensor.float_data_size()))
      return sizeError(tensor.float_data_size());
    return DenseElementsAttr::get(
        tensorType, ArrayRef<float>(tensor.float_data().data(), count));
  case onnx::TensorProto::DOUBLE:
    if (!checkCount(tensor.double_data_size()))
      return sizeError(tensor.double_data_size());
    return DenseElementsAttr::get(
        tensorType, ArrayRef<double>(tensor.double_data().data(), count));
  case onnx::TensorProto::INT64:
    if (!checkCount(tensor.int64_data_size()))
      return sizeError(tensor.int64_data_size());
    return DenseElementsAttr::get(
        tensorType, ArrayRef<int64_t>(tensor.int64_data().data(), count));
  case onnx::TensorProto::UINT32:
  case onnx::TensorProto::UINT64: {
    if (!checkCount(tensor.uint64_data_size()))
      return sizeError(tensor.uint64_data_size());
    SmallVector<APInt> values;
    for (uint64_t v : tensor.uint64_data())
      values.push_back(APInt(width, v));
    return DenseElementsAttr::get(tensorType, values);
  }
  default: {
    // Narrow types, bool and 16-bit floats travel in int32_data.
    if (!checkCount(tensor.int32_data_size()))
      return sizeError(tensor.int32_data_size());
    if (auto floatType = dyn_cast<FloatType>(type)) {
      SmallVector<APFloat> values;
      for (int32_t v : tensor.int32_data())
        values.push_back(APFloat(floatType.getFloatSemantics(),
                                 APInt(16, static_cast<uint16_t>(v))));
      return DenseElementsAttr::get(tensorType, values);
    }
    if (width == 1) {
      SmallVector<bool> values;
      for (int32_t v : tensor.int32_data())
        values.push_back(v != 0);
      return DenseElementsAttr::get(tensorType, ArrayRef<bool>(values));
    }
    SmallVector<APInt> values;
    for (int32_t v : tensor.int32_data())
      values.push_back(APInt(width,
                             static_cast<uint64_t>(static_cast<int64_t>(v)),
                             /*isSigned=*/true, /*implicitTrunc=*/true));
    return DenseElementsAttr::get(tensorType, values);
  }
  }
}
