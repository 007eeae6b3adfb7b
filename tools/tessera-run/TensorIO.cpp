//===- TensorIO.cpp - tensors from .npy and ONNX .pb files ----------------===//

#include "tools/tessera-run/TensorIO.h"

#include "tessera/runtime.h"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

namespace tessera::run {

int64_t HostTensor::numElements() const {
  int64_t n = 1;
  for (int64_t d : dims)
    n *= d;
  return n;
}

namespace {

struct NpyType {
  const char *descr;
  int32_t dtype;
};
const NpyType kNpyTypes[] = {
    {"<f4", TESSERA_F32}, {"<f8", TESSERA_F64}, {"<f2", TESSERA_F16},
    {"|u1", TESSERA_U8},  {"|i1", TESSERA_I8},  {"<u2", TESSERA_U16},
    {"<i2", TESSERA_I16}, {"<u4", TESSERA_U32}, {"<i4", TESSERA_I32},
    {"<u8", TESSERA_U64}, {"<i8", TESSERA_I64}, {"|b1", TESSERA_BOOL}};

bool endsWith(const std::string &text, const std::string &suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// The quoted value after 'key': in a numpy header dict.
std::string headerValue(const std::string &header, const std::string &key) {
  size_t at = header.find("'" + key + "'");
  if (at == std::string::npos)
    return "";
  size_t colon = header.find(':', at);
  size_t start = header.find_first_not_of(' ', colon + 1);
  if (header[start] == '(') {
    size_t end = header.find(')', start);
    return header.substr(start, end - start + 1);
  }
  if (header[start] == '\'') {
    size_t end = header.find('\'', start + 1);
    return header.substr(start + 1, end - start - 1);
  }
  size_t end = header.find_first_of(",}", start);
  return header.substr(start, end - start);
}

bool readNpy(const std::string &path, HostTensor &tensor, std::string &error) {
  std::ifstream in(path, std::ios::binary);
  char magic[8];
  if (!in.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0) {
    error = path + ": not a .npy file";
    return false;
  }
  uint32_t headerLength = 0;
  if (magic[6] == 1) {
    unsigned char bytes[2];
    in.read(reinterpret_cast<char *>(bytes), 2);
    headerLength = bytes[0] | (bytes[1] << 8);
  } else {
    unsigned char bytes[4];
    in.read(reinterpret_cast<char *>(bytes), 4);
    headerLength =
        bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24);
  }
  std::string header(headerLength, '\0');
  if (!in.read(header.data(), headerLength)) {
    error = path + ": truncated .npy header";
    return false;
  }
  std::string descr = headerValue(header, "descr");
  if (headerValue(header, "fortran_order") == "True") {
    error = path + ": Fortran-ordered arrays are not supported";
    return false;
  }
  tensor.dtype = 0;
  for (const NpyType &type : kNpyTypes)
    if (descr == type.descr)
      tensor.dtype = type.dtype;
  if (!tensor.dtype) {
    error = path + ": unsupported .npy dtype '" + descr + "'";
    return false;
  }
  std::string shape = headerValue(header, "shape");
  tensor.dims.clear();
  std::stringstream dims(shape.substr(1, shape.size() - 2));
  std::string item;
  while (std::getline(dims, item, ','))
    if (item.find_first_not_of(' ') != std::string::npos)
      tensor.dims.push_back(std::stoll(item));
  size_t bytes = tensor.numElements() * tessera_dtype_size(tensor.dtype);
  tensor.data.resize(bytes);
  if (!in.read(tensor.data.data(), bytes)) {
    error = path + ": truncated .npy data";
    return false;
  }
  return true;
}

template <typename T, typename Field>
void copyField(const Field &field, std::vector<char> &data) {
  data.resize(field.size() * sizeof(T));
  for (int i = 0; i < field.size(); ++i) {
    T value = static_cast<T>(field.Get(i));
    std::memcpy(data.data() + i * sizeof(T), &value, sizeof(T));
  }
}

bool readPb(const std::string &path, HostTensor &tensor, std::string &error) {
  std::ifstream in(path, std::ios::binary);
  onnx::TensorProto proto;
  if (!in || !proto.ParseFromIstream(&in)) {
    error = path + ": not an ONNX TensorProto file";
    return false;
  }
  tensor.dtype = proto.data_type();
  size_t size = tessera_dtype_size(tensor.dtype);
  if (!size) {
    error = path + ": unsupported data type " + std::to_string(tensor.dtype);
    return false;
  }
  tensor.dims.assign(proto.dims().begin(), proto.dims().end());
  int64_t count = tensor.numElements();
  if (proto.has_raw_data()) {
    tensor.data.assign(proto.raw_data().begin(), proto.raw_data().end());
  } else {
    switch (tensor.dtype) {
    case TESSERA_F32:
      copyField<float>(proto.float_data(), tensor.data);
      break;
    case TESSERA_F64:
      copyField<double>(proto.double_data(), tensor.data);
      break;
    case TESSERA_I64:
      copyField<int64_t>(proto.int64_data(), tensor.data);
      break;
    case TESSERA_U32:
      copyField<uint32_t>(proto.uint64_data(), tensor.data);
      break;
    case TESSERA_U64:
      copyField<uint64_t>(proto.uint64_data(), tensor.data);
      break;
    case TESSERA_I32:
      copyField<int32_t>(proto.int32_data(), tensor.data);
      break;
    case TESSERA_I16:
      copyField<int16_t>(proto.int32_data(), tensor.data);
      break;
    case TESSERA_I8:
      copyField<int8_t>(proto.int32_data(), tensor.data);
      break;
    case TESSERA_U16:
    case TESSERA_F16:
    case TESSERA_BF16:
      copyField<uint16_t>(proto.int32_data(), tensor.data);
      break;
    case TESSERA_U8:
    case TESSERA_BOOL:
      copyField<uint8_t>(proto.int32_data(), tensor.data);
      break;
    }
  }
  if (static_cast<int64_t>(tensor.data.size()) !=
      count * static_cast<int64_t>(size)) {
    error = path + ": holds " + std::to_string(tensor.data.size()) +
            " bytes for " + std::to_string(count) + " elements";
    return false;
  }
  return true;
}

double halfToDouble(uint16_t bits, bool brain) {
  if (brain) {
    uint32_t wide = static_cast<uint32_t>(bits) << 16;
    float f;
    std::memcpy(&f, &wide, 4);
    return f;
  }
  int sign = bits >> 15, exponent = (bits >> 10) & 31, mantissa = bits & 1023;
  double value;
  if (exponent == 0)
    value = std::ldexp(mantissa, -24);
  else if (exponent == 31)
    value = mantissa ? NAN : INFINITY;
  else
    value = std::ldexp(mantissa + 1024, exponent - 25);
  return sign ? -value : value;
}

} // namespace

bool readTensor(const std::string &path, HostTensor &tensor,
                std::string &error) {
  if (endsWith(path, ".npy"))
    return readNpy(path, tensor, error);
  if (endsWith(path, ".pb"))
    return readPb(path, tensor, error);
  error = path + ": unknown tensor file type (use .npy or .pb)";
  return false;
}

bool writeNpy(const std::string &path, const HostTensor &tensor,
              std::string &error) {
  const char *descr = nullptr;
  for (const NpyType &type : kNpyTypes)
    if (type.dtype == tensor.dtype)
      descr = type.descr;
  if (!descr) {
    error = path + ": no .npy dtype for " +
            std::string(tessera_dtype_name(tensor.dtype));
    return false;
  }
  std::string shape = "(";
  for (size_t i = 0; i < tensor.dims.size(); ++i)
    shape += (i ? ", " : "") + std::to_string(tensor.dims[i]);
  shape += tensor.dims.size() == 1 ? ",)" : ")";
  std::string header = "{'descr': '" + std::string(descr) +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::ofstream out(path, std::ios::binary);
  uint16_t length = static_cast<uint16_t>(header.size());
  out.write("\x93NUMPY\x01\x00", 8);
  out.put(static_cast<char>(length & 0xff));
  out.put(static_cast<char>(length >> 8));
  out.write(header.data(), header.size());
  out.write(tensor.data.data(), tensor.data.size());
  if (!out) {
    error = "cannot write " + path;
    return false;
  }
  return true;
}

double elementAsDouble(const HostTensor &tensor, int64_t index) {
  const char *p = tensor.data.data() + index * tessera_dtype_size(tensor.dtype);
  auto load = [&](auto value) {
    std::memcpy(&value, p, sizeof(value));
    return static_cast<double>(value);
  };
  switch (tensor.dtype) {
  case TESSERA_F32:
    return load(float());
  case TESSERA_F64:
    return load(double());
  case TESSERA_U8:
  case TESSERA_BOOL:
    return load(uint8_t());
  case TESSERA_I8:
    return load(int8_t());
  case TESSERA_U16:
    return load(uint16_t());
  case TESSERA_I16:
    return load(int16_t());
  case TESSERA_I32:
    return load(int32_t());
  case TESSERA_I64:
    return load(int64_t());
  case TESSERA_U32:
    return load(uint32_t());
  case TESSERA_U64:
    return load(uint64_t());
  case TESSERA_F16:
    return halfToDouble(static_cast<uint16_t>(load(uint16_t())), false);
  case TESSERA_BF16:
    return halfToDouble(static_cast<uint16_t>(load(uint16_t())), true);
  }
  return 0;
}

} // namespace tessera::run
