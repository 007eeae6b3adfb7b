//===- TensorIO.cpp - tensors from .npy and ONNX .pb files ----------------===//

#include "tools/tessera-run/TensorIO.h"
#include "tessera/Support/OneLine.h"

#include "tessera/runtime.h"

#include <onnx/onnx_pb.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>

namespace tessera::run {

int64_t HostTensor::numElements() const {
  int64_t n = 1;
  for (int64_t d : dims)
    n *= d;
  return n;
}

bool checkedBytes(const std::vector<int64_t> &dims, int32_t dtype,
                  uint64_t &bytes) {
  uint64_t count = 1;
  for (int64_t d : dims) {
    if (d < 0 || (d != 0 && count > TESSERA_MAX_TENSOR_BYTES / static_cast<uint64_t>(d)))
      return false;
    count *= static_cast<uint64_t>(d);
  }
  uint64_t size = tessera_dtype_size(dtype);
  if (!size || count > TESSERA_MAX_TENSOR_BYTES / size)
    return false;
  bytes = count * size;
  return true;
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

/// A strict reader of a .npy header dict: `{'descr': '<f4',
/// 'fortran_order': False, 'shape': (2, 3), }` (keys in any order, each
/// once); false with `error` set on anything else.
class NpyHeader {
public:
  explicit NpyHeader(const std::string &text) : text(text) {}

  bool parse(std::string &error) {
    skip();
    if (!take('{'))
      return fail(error, "does not start with '{'");
    bool haveDescr = false, haveOrder = false, haveShape = false;
    while (true) {
      skip();
      if (take('}'))
        break;
      std::string key;
      if (!quoted(key))
        return fail(error, "expects a quoted key");
      skip();
      if (!take(':'))
        return fail(error, "expects ':' after '" + key + "'");
      skip();
      if (key == "descr" && !haveDescr) {
        haveDescr = quoted(descr);
        if (!haveDescr)
          return fail(error, "'descr' is not a string");
      } else if (key == "fortran_order" && !haveOrder) {
        if (word("False"))
          fortran = false;
        else if (word("True"))
          fortran = true;
        else
          return fail(error, "'fortran_order' is not True or False");
        haveOrder = true;
      } else if (key == "shape" && !haveShape) {
        if (!tuple(error))
          return false;
        haveShape = true;
      } else {
        return fail(error, "has an unknown or repeated key '" + key + "'");
      }
      skip();
      if (take(','))
        continue;
      skip();
      if (take('}'))
        break;
      return fail(error, "expects ',' or '}' after '" + key + "'");
    }
    if (!haveDescr || !haveOrder || !haveShape)
      return fail(error, "lacks 'descr', 'fortran_order' or 'shape'");
    skip();
    if (at != text.size())
      return fail(error, "has text after its closing '}'");
    return true;
  }

  std::string descr;
  bool fortran = false;
  std::vector<int64_t> shape;

private:
  bool fail(std::string &error, const std::string &why) {
    error = "header " + why;
    return false;
  }
  void skip() {
    while (at < text.size() &&
           (text[at] == ' ' || text[at] == '\n' || text[at] == '\t'))
      ++at;
  }
  bool take(char c) {
    if (at < text.size() && text[at] == c) {
      ++at;
      return true;
    }
    return false;
  }
  bool word(const char *w) {
    size_t n = std::strlen(w);
    if (text.compare(at, n, w) != 0)
      return false;
    at += n;
    return true;
  }
  bool quoted(std::string &out) {
    char quote = at < text.size() ? text[at] : 0;
    if (quote != '\'' && quote != '"')
      return false;
    size_t end = text.find(quote, at + 1);
    if (end == std::string::npos || end - at > 64)
      return false;
    out = text.substr(at + 1, end - at - 1);
    at = end + 1;
    return true;
  }
  bool tuple(std::string &error) {
    if (!take('('))
      return fail(error, "'shape' is not a tuple");
    while (true) {
      skip();
      if (take(')'))
        return true;
      size_t start = at;
      while (at < text.size() && text[at] >= '0' && text[at] <= '9')
        ++at;
      int64_t value = 0;
      auto [end, code] =
          std::from_chars(text.data() + start, text.data() + at, value);
      if (start == at || code != std::errc() || end != text.data() + at ||
          shape.size() >= 64)
        return fail(error, "'shape' holds something other than up to 64 "
                           "non-negative integers");
      shape.push_back(value);
      skip();
      if (take(','))
        continue;
      skip();
      if (take(')'))
        return true;
      return fail(error, "'shape' expects ',' or ')'");
    }
  }

  const std::string &text;
  size_t at = 0;
};

/// Reads a .npy file: every field checked before anything is allocated (the
/// header at most 1 MiB and inside the file, the data exactly what the
/// shape and dtype say, at most TESSERA_MAX_TENSOR_BYTES).
bool readNpy(const std::string &path, HostTensor &tensor, std::string &error) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) {
    error = path + ": cannot open";
    return false;
  }
  uint64_t fileSize = static_cast<uint64_t>(in.tellg());
  in.seekg(0);
  unsigned char preamble[12];
  if (fileSize < 10 || !in.read(reinterpret_cast<char *>(preamble), 10) ||
      std::memcmp(preamble, "\x93NUMPY", 6) != 0) {
    error = path + ": not a .npy file";
    return false;
  }
  int version = preamble[6];
  if (version < 1 || version > 3 || preamble[7] != 0) {
    error = path + ": unsupported .npy version " + std::to_string(version) +
            "." + std::to_string(preamble[7]);
    return false;
  }
  uint64_t headerLength = preamble[8] | (preamble[9] << 8);
  uint64_t offset = 10;
  if (version > 1) {
    if (fileSize < 12 || !in.read(reinterpret_cast<char *>(preamble + 10), 2)) {
      error = path + ": truncated .npy header";
      return false;
    }
    headerLength |= (static_cast<uint64_t>(preamble[10]) << 16) |
                    (static_cast<uint64_t>(preamble[11]) << 24);
    offset = 12;
  }
  if (headerLength > (1u << 20) || headerLength > fileSize - offset) {
    error = path + ": .npy header length " + std::to_string(headerLength) +
            " exceeds " +
            (headerLength > (1u << 20) ? std::string("1 MiB")
                                       : "the file (" +
                                             std::to_string(fileSize) +
                                             " bytes)");
    return false;
  }
  std::string header(headerLength, '\0');
  if (!in.read(header.data(), headerLength)) {
    error = path + ": truncated .npy header";
    return false;
  }
  NpyHeader parsed(header);
  std::string why;
  if (!parsed.parse(why)) {
    error = path + ": malformed .npy " + why;
    return false;
  }
  if (parsed.fortran) {
    error = path + ": Fortran-ordered arrays are not supported";
    return false;
  }
  tensor.dtype = 0;
  for (const NpyType &type : kNpyTypes)
    if (parsed.descr == type.descr)
      tensor.dtype = type.dtype;
  if (!tensor.dtype) {
    error = path + ": unsupported .npy dtype '" + parsed.descr + "'";
    return false;
  }
  tensor.dims = parsed.shape;
  uint64_t bytes = 0;
  if (!checkedBytes(tensor.dims, tensor.dtype, bytes)) {
    error = path + ": the .npy shape holds more than 2^48 bytes";
    return false;
  }
  uint64_t available = fileSize - offset - headerLength;
  if (available != bytes) {
    error = path + ": the .npy shape needs " + std::to_string(bytes) +
            " data bytes, the file holds " + std::to_string(available);
    return false;
  }
  tensor.data.resize(bytes);
  if (!in.read(tensor.data.data(), static_cast<std::streamsize>(bytes))) {
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
  uint64_t bytes = 0;
  if (!checkedBytes(tensor.dims, tensor.dtype, bytes)) {
    error = path + ": negative dims, or more than 2^48 bytes";
    return false;
  }
  int64_t count = static_cast<int64_t>(bytes / size);
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
  bool ok = false;
  if (endsWith(path, ".npy"))
    ok = readNpy(path, tensor, error);
  else if (endsWith(path, ".pb"))
    ok = readPb(path, tensor, error);
  else
    error = path + ": unknown tensor file type (use .npy or .pb)";
  // Messages quote the file's header.
  tessera::makeOneLine(error);
  return ok;
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
