//===- FuzzUtils.h - what the libFuzzer targets share -------------*- C++ -*-===//

#ifndef TESSERA_FUZZ_FUZZUTILS_H
#define TESSERA_FUZZ_FUZZUTILS_H

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <cerrno>
#include <sys/stat.h>
#include <unistd.h>

namespace tessera::fuzz {

/// Stops the run as a finding (libFuzzer saves the input).
[[noreturn]] inline void finding(const std::string &what) {
  std::fprintf(stderr, "fuzz finding: %s\n", what.c_str());
  std::abort();
}

/// An error message must be one non-empty line.
inline void requireOneLine(const std::string &error) {
  if (error.empty())
    finding("a failure without a message");
  if (error.find('\n') != std::string::npos)
    finding("a message of several lines: " + error);
}

/// Writes `data` to `name` in a directory of this process's own, and
/// returns its path (the readers under test take paths).
inline std::string writeScratchFile(const std::string &name,
                                    const uint8_t *data, size_t size) {
  static const std::string directory = [] {
    const char *tmp = std::getenv("TMPDIR");
    std::string dir = std::string(tmp && *tmp ? tmp : "/tmp") +
                      "/tessera-fuzz-" + std::to_string(getpid());
    if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
      finding("cannot create " + dir);
    return dir;
  }();
  std::string path = directory + "/" + name;
  FILE *file = std::fopen(path.c_str(), "wb");
  if (!file || (size && std::fwrite(data, 1, size, file) != size) ||
      std::fclose(file) != 0)
    finding("cannot write " + path);
  return path;
}

} // namespace tessera::fuzz

#endif // TESSERA_FUZZ_FUZZUTILS_H
