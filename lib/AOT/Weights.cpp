//===- Weights.cpp - the weights file of an artifact ----------------------===//

#include "lib/AOT/Weights.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"

#include <algorithm>

using namespace llvm;

/// TESSERA_WEIGHTS_HEADER_BYTES and TESSERA_WEIGHTS_FORMAT of
/// runtime/include/tessera/runtime.h.
static constexpr uint64_t kHeaderBytes = 4096;
static constexpr uint32_t kFormat = 1;

/// Zero runs of at least this many bytes become holes.
static constexpr size_t kChunk = 64 * 1024;

uint64_t tessera::weightsFingerprint(ArrayRef<WeightTensor> tensors,
                                     uint64_t size) {
  SmallVector<uint64_t> words{size};
  for (const WeightTensor &tensor : tensors) {
    words.push_back(tensor.offset);
    words.push_back(tensor.repeat);
    words.push_back(xxh3_64bits(tensor.bytes));
  }
  uint64_t hash = xxh3_64bits(ArrayRef<uint8_t>(
      reinterpret_cast<const uint8_t *>(words.data()),
      words.size() * sizeof(uint64_t)));
  return hash ? hash : 1;
}

static bool allZero(StringRef bytes) {
  return std::all_of(bytes.begin(), bytes.end(),
                     [](char c) { return c == 0; });
}

bool tessera::writeWeightsFile(const std::string &path,
                               ArrayRef<WeightTensor> tensors, uint64_t size,
                               uint64_t fingerprint, std::string &error) {
  int fd;
  if (std::error_code ec = sys::fs::openFileForWrite(
          path, fd, sys::fs::CD_CreateAlways, sys::fs::OF_None)) {
    error = "cannot write " + path + ": " + ec.message();
    return false;
  }
  bool written;
  {
    raw_fd_ostream os(fd, /*shouldClose=*/false);
    char header[kHeaderBytes] = {};
    std::copy_n("TESSERAW", 8, header);
    support::endian::write32le(header + 8, kFormat);
    support::endian::write32le(header + 12, kHeaderBytes);
    support::endian::write64le(header + 16, fingerprint);
    support::endian::write64le(header + 24, size);
    os.write(header, sizeof(header));
    std::string repeated;
    for (const WeightTensor &tensor : tensors) {
      uint64_t at = kHeaderBytes + tensor.offset;
      if (tensor.repeat == 1) {
        for (size_t start = 0; start < tensor.bytes.size(); start += kChunk) {
          StringRef chunk = tensor.bytes.substr(start, kChunk);
          if (allZero(chunk))
            continue;
          os.seek(at + start);
          os << chunk;
        }
        continue;
      }
      // A splat: one element repeated; zeros stay holes.
      if (tensor.bytes.empty() || allZero(tensor.bytes))
        continue;
      uint64_t per = std::max<uint64_t>(1, kChunk / tensor.bytes.size());
      repeated.clear();
      for (uint64_t i = 0; i < per; ++i)
        repeated += tensor.bytes;
      os.seek(at);
      for (uint64_t left = tensor.repeat; left > 0;) {
        uint64_t n = std::min(left, per);
        os.write(repeated.data(), n * tensor.bytes.size());
        left -= n;
      }
    }
    os.flush();
    written = !os.has_error();
    if (!written)
      error = "cannot write " + path + ": " + os.error().message();
    os.clear_error();
  }
  if (written)
    if (std::error_code ec = sys::fs::resize_file(fd, kHeaderBytes + size)) {
      error = "cannot write " + path + ": " + ec.message();
      written = false;
    }
  sys::Process::SafelyCloseFileDescriptor(fd);
  return written;
}
