//===- tessera-run.cpp - run a compiled model library ---------------------===//
//
//   tessera-run model.so --input NAME=FILE ... [--test-data DIR]
//       [--output-dir DIR] [--expected FILE ...] [--rtol R --atol A]
//       [--iterations N --warmup W --threads T]
//       [--profile [--profile-top N] [--profile-trace FILE.json]]
//
// Loads a library made by tessera-compile, feeds .npy or ONNX TensorProto .pb
// inputs, writes outputs as DIR/0.npy, DIR/1.npy … in model order, compares
// with expected outputs and, with --iterations, measures latency. --threads
// sets the session's thread count (default: one per CPU). --profile (a
// model compiled with --profile) prints the kernels that took the most
// time over the timed runs and writes them as a Chrome trace.
//
//===----------------------------------------------------------------------===//

#include "tools/tessera-run/Profile.h"
#include "tools/tessera-run/TensorIO.h"
#include "tessera/Support/OneLine.h"

#include "tessera/runtime.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <elf.h>
#include <fstream>
#include <map>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

using namespace tessera::run;

namespace {

struct Options {
  std::string library;
  std::map<std::string, std::string> inputs;
  std::string testData, outputDir;
  std::vector<std::string> expected;
  double rtol = 1e-3, atol = 1e-4;
  int iterations = 0, warmup = 3, threads = 0; // 0: one per CPU
  bool profile = false;
  int profileTop = 20;
  std::string profileTrace;
};

const char *kUsage =
    "usage: tessera-run MODEL.so --input NAME=FILE ... [--test-data DIR]\n"
    "         [--output-dir DIR] [--expected FILE ...] [--rtol R] [--atol A]\n"
    "         [--iterations N] [--warmup W] [--threads T]\n"
    "         [--profile [--profile-top N] [--profile-trace FILE.json]]\n"
    "\n"
    "  --profile        time every kernel of a model compiled with\n"
    "                   tessera-compile --profile over the timed runs\n"
    "                   (--iterations, 10 by default) and print the top N\n"
    "                   (--profile-top, 20) with their ONNX nodes\n"
    "  --profile-trace  also write those runs as Chrome trace JSON\n"
    "                   (open in Perfetto or chrome://tracing)\n";

/// A bad command line: one line (the usage is `--help`'s).
int usage(const char *message) {
  std::fprintf(stderr, "tessera-run: error: %s (see tessera-run --help)\n",
               message);
  return 1;
}

bool parseNumber(const char *text, double &value) {
  char *end = nullptr;
  value = std::strtod(text, &end);
  return end && *end == '\0';
}

int fail(const std::string &message) {
  // Names come from the model and the command line: one clean line.
  std::fprintf(stderr, "tessera-run: error: %s\n",
               tessera::oneLine(message).c_str());
  return 1;
}

bool fileExists(const std::string &path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0;
}

/// Compares every element; reports the worst one. Floats: |a - e| <= atol +
/// rtol |e| (NaN matches NaN); integers and bools: exact.
bool compare(size_t index, const tessera_tensor_desc_t &desc,
             const HostTensor &actual, const HostTensor &expected, double rtol,
             double atol) {
  if (expected.dtype != actual.dtype || expected.dims != actual.dims) {
    std::printf(
        "output %zu ('%s'): expected %s with %zu dims, the model gives %s "
        "with %zu dims\n",
        index, desc.name, tessera_dtype_name(expected.dtype),
        expected.dims.size(), tessera_dtype_name(actual.dtype),
        actual.dims.size());
    return false;
  }
  bool isFloat = actual.dtype == TESSERA_F32 || actual.dtype == TESSERA_F64 ||
                 actual.dtype == TESSERA_F16 || actual.dtype == TESSERA_BF16;
  int64_t worst = -1, mismatches = 0;
  double worstError = 0, worstExcess = 0;
  for (int64_t i = 0, n = actual.numElements(); i < n; ++i) {
    double a = elementAsDouble(actual, i), e = elementAsDouble(expected, i);
    if ((std::isnan(a) && std::isnan(e)) || a == e)
      continue;
    double error = std::fabs(a - e);
    double allowed = isFloat ? atol + rtol * std::fabs(e) : 0.0;
    if (std::isnan(error) || error > allowed) {
      ++mismatches;
      double excess = std::isnan(error) ? INFINITY : error - allowed;
      if (worst < 0 || excess > worstExcess) {
        worst = i;
        worstExcess = excess;
        worstError = error;
      }
    } else if (error > worstError && worst < 0) {
      worstError = error;
    }
  }
  if (mismatches) {
    std::printf(
        "output %zu ('%s'): %lld of %lld elements differ; worst at index "
        "%lld: got %.9g, expected %.9g (abs error %.3g, rtol %g, atol %g)\n",
        index, desc.name, static_cast<long long>(mismatches),
        static_cast<long long>(actual.numElements()),
        static_cast<long long>(worst), elementAsDouble(actual, worst),
        elementAsDouble(expected, worst), worstError, rtol, atol);
    return false;
  }
  std::printf("output %zu ('%s'): %lld elements match (max abs error %.3g)\n",
              index, desc.name, static_cast<long long>(actual.numElements()),
              worstError);
  return true;
}

/// Resident memory of this process now (Linux /proc; 0 elsewhere).
long residentKb() {
  long pages = 0, resident = 0;
  if (FILE *statm = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(statm, "%ld %ld", &pages, &resident) != 2)
      resident = 0;
    std::fclose(statm);
  }
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

} // namespace

/// Whether `path` is a whole ELF shared object of this machine: dlopen maps
/// a truncated file and faults (SIGBUS) on the missing pages, so every
/// header table and loaded segment must lie inside the file.
static bool validLibrary(const std::string &path, std::string &why) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) {
    why = "no such file";
    return false;
  }
  uint64_t size = static_cast<uint64_t>(in.tellg());
  in.seekg(0);
  Elf64_Ehdr header;
  if (size < sizeof(header) ||
      !in.read(reinterpret_cast<char *>(&header), sizeof(header)) ||
      std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 ||
      header.e_ident[EI_CLASS] != ELFCLASS64) {
    why = "not a 64-bit ELF file";
    return false;
  }
#if defined(__x86_64__)
  const uint16_t machine = EM_X86_64;
#elif defined(__aarch64__)
  const uint16_t machine = EM_AARCH64;
#else
  const uint16_t machine = header.e_machine;
#endif
  if (header.e_type != ET_DYN || header.e_machine != machine) {
    why = "not a shared library for this machine";
    return false;
  }
  auto inside = [&](uint64_t offset, uint64_t count, uint64_t entry) {
    return offset <= size && (entry == 0 || count <= (size - offset) / entry);
  };
  if (header.e_phentsize != sizeof(Elf64_Phdr) ||
      !inside(header.e_phoff, header.e_phnum, sizeof(Elf64_Phdr)) ||
      (header.e_shoff &&
       !inside(header.e_shoff, header.e_shnum, header.e_shentsize))) {
    why = "truncated (its header tables lie past the end of the file)";
    return false;
  }
  in.seekg(static_cast<std::streamoff>(header.e_phoff));
  for (int i = 0; i < header.e_phnum; ++i) {
    Elf64_Phdr segment;
    if (!in.read(reinterpret_cast<char *>(&segment), sizeof(segment)) ||
        (segment.p_type == PT_LOAD && !inside(segment.p_offset, 1,
                                              segment.p_filesz))) {
      why = "truncated (a loaded segment lies past the end of the file)";
      return false;
    }
  }
  return true;
}

static int run(int argc, char **argv);

int main(int argc, char **argv) {
  // Every error is one line and exit 1, even one nothing below expects.
  try {
    return run(argc, argv);
  } catch (const std::exception &error) {
    return fail(std::string("internal error: ") + error.what());
  }
}

static int run(int argc, char **argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto next = [&]() -> const char * {
      return i + 1 < argc ? argv[++i] : nullptr;
    };
    const char *value = nullptr;
    double number;
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (arg == "--input") {
      if (!(value = next()))
        return usage("--input needs NAME=FILE");
      std::string spec = value;
      size_t equals = spec.find('=');
      if (equals == std::string::npos || equals == 0)
        return usage(("--input '" + spec + "' is not NAME=FILE").c_str());
      options.inputs[spec.substr(0, equals)] = spec.substr(equals + 1);
    } else if (arg == "--test-data") {
      if (!(value = next()))
        return usage("--test-data needs a directory");
      options.testData = value;
    } else if (arg == "--output-dir") {
      if (!(value = next()))
        return usage("--output-dir needs a directory");
      options.outputDir = value;
    } else if (arg == "--expected") {
      if (!(value = next()))
        return usage("--expected needs a file");
      options.expected.push_back(value);
    } else if (arg == "--rtol" || arg == "--atol") {
      if (!(value = next()) || !parseNumber(value, number) ||
          !std::isfinite(number) || number < 0)
        return usage((arg + " needs a finite non-negative number").c_str());
      (arg == "--rtol" ? options.rtol : options.atol) = number;
    } else if (arg == "--profile") {
      options.profile = true;
    } else if (arg == "--profile-trace") {
      if (!(value = next()))
        return usage("--profile-trace needs a file");
      options.profileTrace = value;
      options.profile = true;
    } else if (arg == "--iterations" || arg == "--warmup" ||
               arg == "--threads" || arg == "--profile-top") {
      if (!(value = next()) || !parseNumber(value, number) ||
          !std::isfinite(number) || number < 0 || number > 1e6 ||
          number != std::floor(number))
        return usage((arg + " needs a non-negative integer").c_str());
      int n = static_cast<int>(number);
      (arg == "--iterations"  ? options.iterations
       : arg == "--warmup"    ? options.warmup
       : arg == "--threads"   ? options.threads
                              : options.profileTop) = n;
    } else if (!arg.empty() && arg[0] == '-') {
      return usage(("unknown option " + arg).c_str());
    } else if (options.library.empty()) {
      options.library = arg;
    } else {
      return usage(("unexpected argument " + arg).c_str());
    }
  }
  if (options.library.empty())
    return usage("no model library given");

  std::string libraryPath = options.library;
  if (libraryPath.find('/') == std::string::npos)
    libraryPath = "./" + libraryPath;
  // Resident memory before the model is loaded: --iterations reports how
  // much loading and running it added.
  long baselineKb = residentKb();
  std::string invalid;
  if (!validLibrary(libraryPath, invalid))
    return fail("cannot load " + options.library + ": " + invalid);
  void *handle = dlopen(libraryPath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    return fail("cannot load " + options.library + ": " + dlerror());
  auto *model = static_cast<const tessera_model_t *>(
      dlsym(handle, "tessera_default_model"));
  if (!model)
    return fail(options.library + " is not a Tessera model library "
                                  "(no tessera_default_model symbol)");
  if (model->abi_version != TESSERA_ABI_VERSION)
    return fail(options.library + " was built for runtime ABI " +
                std::to_string(model->abi_version) + ", this tessera-run has " +
                std::to_string(TESSERA_ABI_VERSION) + "; recompile the model");
  if (options.profile && model->num_kernels <= 0)
    return fail(options.library +
                " was compiled without --profile: recompile it with "
                "tessera-compile --profile to time its kernels");
  if (options.profile && options.iterations == 0)
    options.iterations = 10;

  // Inputs in model order.
  std::vector<HostTensor> inputs(model->num_inputs);
  for (int i = 0; i < model->num_inputs; ++i) {
    const tessera_tensor_desc_t &desc = model->inputs[i];
    std::string path;
    auto named = options.inputs.find(desc.name);
    if (named != options.inputs.end())
      path = named->second;
    else if (!options.testData.empty())
      path = options.testData + "/input_" + std::to_string(i) + ".pb";
    else
      return fail("input " + std::to_string(i) + " ('" + desc.name +
                  "') is not given; pass --input " + desc.name + "=FILE");
    std::string error;
    if (!readTensor(path, inputs[i], error))
      return fail(error);
    // ONNX test data stores bfloat16 as its uint16 bits.
    if (inputs[i].dtype == TESSERA_U16 && desc.dtype == TESSERA_BF16)
      inputs[i].dtype = TESSERA_BF16;
  }
  for (const auto &[name, path] : options.inputs) {
    bool known = false;
    for (int i = 0; i < model->num_inputs; ++i)
      known |= name == model->inputs[i].name;
    if (!known)
      return fail("--input " + name + ": the model has no input of that name");
  }
  if (options.expected.empty() && !options.testData.empty())
    for (int i = 0; i < model->num_outputs; ++i) {
      std::string path =
          options.testData + "/output_" + std::to_string(i) + ".pb";
      if (fileExists(path))
        options.expected.push_back(path);
    }
  if (!options.expected.empty() &&
      options.expected.size() != static_cast<size_t>(model->num_outputs))
    return fail(std::to_string(options.expected.size()) +
                " expected outputs given for a model with " +
                std::to_string(model->num_outputs) + " outputs");

  std::vector<HostTensor> outputs(model->num_outputs);
  std::vector<tessera_tensor_t> inputTensors, outputTensors;
  for (int i = 0; i < model->num_inputs; ++i)
    inputTensors.push_back({inputs[i].dtype,
                            static_cast<int32_t>(inputs[i].dims.size()),
                            inputs[i].dims.data(), inputs[i].data.data()});
  for (int i = 0; i < model->num_outputs; ++i) {
    const tessera_tensor_desc_t &desc = model->outputs[i];
    outputs[i].dtype = desc.dtype;
    outputs[i].dims.assign(desc.dims, desc.dims + desc.rank);
    // All bits set (NaN for floats): a kernel that reads an output before
    // writing it shows up as a wrong answer, never by luck as a zero.
    outputs[i].data.assign(tessera_desc_num_elements(&desc) *
                               tessera_dtype_size(desc.dtype),
                           0xFF);
    outputTensors.push_back({desc.dtype, desc.rank, outputs[i].dims.data(),
                             outputs[i].data.data()});
  }

  tessera_session_t *session = nullptr;
  tessera_session_options_t sessionOptions;
  tessera_session_options_init(&sessionOptions);
  sessionOptions.num_threads = options.threads;
  // The workspace starts poisoned too (a fresh allocation is often zero
  // pages, which would hide a read of an unwritten buffer).
  sessionOptions.allocator.alloc = [](void *, size_t size,
                                      size_t alignment) -> void * {
    void *ptr = nullptr;
    if (posix_memalign(&ptr, std::max(alignment, sizeof(void *)),
                       std::max<size_t>(size, 1)) != 0)
      return nullptr;
    std::memset(ptr, 0xFF, std::max<size_t>(size, 1));
    return ptr;
  };
  tessera_status_t status =
      tessera_session_create(model, &sessionOptions, &session);
  if (status != TESSERA_OK)
    return fail(std::string("cannot create a session: ") +
                tessera_status_string(status));
  auto run = [&]() {
    return tessera_session_run(session, inputTensors.data(),
                               inputTensors.size(), outputTensors.data(),
                               outputTensors.size());
  };
  status = run();
  if (status != TESSERA_OK) {
    std::string message = tessera_session_last_error(session);
    tessera_session_release(session);
    return fail(message);
  }

  int rc = 0;
  if (!options.outputDir.empty()) {
    mkdir(options.outputDir.c_str(), 0755);
    for (int i = 0; i < model->num_outputs; ++i) {
      std::string error;
      if (!writeNpy(options.outputDir + "/" + std::to_string(i) + ".npy",
                    outputs[i], error))
        rc = fail(error);
    }
  }
  for (size_t i = 0; i < options.expected.size(); ++i) {
    HostTensor expected;
    std::string error;
    if (!readTensor(options.expected[i], expected, error)) {
      rc = fail(error);
      continue;
    }
    if (expected.dtype == TESSERA_U16 &&
        model->outputs[i].dtype == TESSERA_BF16)
      expected.dtype = TESSERA_BF16;
    if (!compare(i, model->outputs[i], outputs[i], expected, options.rtol,
                 options.atol))
      rc = 1;
  }

  if (options.iterations > 0) {
    for (int i = 0; i < options.warmup; ++i)
      run();
    tessera_session_profile_reset(session);
    std::vector<double> times;
    for (int i = 0; i < options.iterations; ++i) {
      auto start = std::chrono::steady_clock::now();
      run();
      times.push_back(std::chrono::duration<double, std::milli>(
                          std::chrono::steady_clock::now() - start)
                          .count());
    }
    std::vector<double> sorted = times;
    std::sort(sorted.begin(), sorted.end());
    double mean = 0;
    for (double t : times)
      mean += t / times.size();
    size_t n = sorted.size();
    double median =
        n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    std::printf(
        "latency_ms min=%.4f median=%.4f mean=%.4f iterations=%d threads=%d "
        "rss_growth_kb=%ld\n",
        sorted.front(), median, mean, options.iterations,
        static_cast<int>(tessera_session_num_threads(session)),
        residentKb() - baselineKb);
    if (options.profile) {
      const tessera_kernel_profile_t *profiles = nullptr;
      int32_t count = 0;
      if (tessera_session_profile(session, &profiles, &count) == TESSERA_OK)
        printProfile(stdout, *model, profiles, count, options.iterations,
                     options.profileTop, mean);
      if (!options.profileTrace.empty()) {
        if (tessera_session_write_trace(session, options.profileTrace.c_str()) !=
            TESSERA_OK)
          rc = fail(tessera_session_last_error(session));
        else
          std::printf("profile: trace written to %s\n",
                      options.profileTrace.c_str());
      }
    }
  }
  tessera_session_release(session);
  return rc;
}
