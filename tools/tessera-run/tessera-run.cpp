//===- tessera-run.cpp - run a compiled model library ---------------------===//
//
//   tessera-run model.so --input NAME=FILE ... [--test-data DIR]
//       [--output-dir DIR] [--expected FILE ...] [--rtol R --atol A]
//       [--iterations N --warmup W --threads T] [--device cpu|cuda[:N]]
//       [--profile [--profile-top N] [--profile-trace FILE.json]]
//
// Loads a library made by tessera-compile, feeds .npy or ONNX TensorProto .pb
// inputs, writes outputs as DIR/0.npy, DIR/1.npy … in model order, compares
// with expected outputs and, with --iterations, measures latency. --threads
// sets the session's thread count (default: one per CPU). --profile (a
// model compiled with --profile) prints the kernels that took the most
// time over the timed runs and writes them as a Chrome trace. A model
// compiled with --target=cuda runs on a CUDA device (--device cuda:N picks
// which; the runtime loads the driver).
//
//===----------------------------------------------------------------------===//

#include "tools/tessera-run/Compare.h"
#include "tools/tessera-run/ModelLibrary.h"
#include "tools/tessera-run/Profile.h"
#include "tools/tessera-run/TensorIO.h"
#include "tessera/Support/OneLine.h"
#include "tessera/Version.h"

#include "tessera/runtime.h"

#include <algorithm>
#include <chrono>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
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
  /// --expected FILE (in output order) or NAME=FILE.
  std::vector<std::string> expected;
  double rtol = 1e-3, atol = 1e-4;
  int iterations = 0, warmup = 3, threads = 0; // 0: one per CPU
  bool profile = false;
  int profileTop = 20;
  std::string profileTrace;
  /// --device: "" (what the model was compiled for), "cpu" or "cuda".
  std::string device;
  int cudaDevice = 0;
};

const char *kUsage =
    "usage: tessera-run MODEL.so --input NAME=FILE ... [--test-data DIR]\n"
    "         [--output-dir DIR] [--expected [NAME=]FILE ...] [--rtol R]\n"
    "         [--atol A] [--iterations N] [--warmup W] [--threads T]\n"
    "         [--profile [--profile-top N] [--profile-trace FILE.json]]\n"
    "         [--device cpu|cuda[:N]]\n"
    "\n"
    "Runs a model library made by tessera-compile once on .npy or ONNX\n"
    "TensorProto (.pb) inputs. With no other option it prints a summary of\n"
    "every output.\n"
    "\n"
    "  --input NAME=FILE  the model input NAME (repeatable)\n"
    "  --test-data DIR  an ONNX test-data directory: input_<i>.pb, and\n"
    "                   output_<i>.pb compared as --expected\n"
    "  --output-dir DIR write every output as DIR/NAME.npy (the name made\n"
    "                   a file name) and DIR/<index>.npy, a link to it\n"
    "  --expected [NAME=]FILE  compare an output with FILE: by name, or\n"
    "                   the next output in order; any subset of outputs\n"
    "  --rtol, --atol   a float matches when |got - expected| <= atol +\n"
    "                   rtol |expected| (default 1e-3 and 1e-4)\n"
    "  --iterations N   time N more runs (after --warmup W, default 3) and\n"
    "                   print min, median and mean latency\n"
    "  --threads T      the session's threads (default: one per CPU)\n"
    "  --profile        time every kernel of a model compiled with\n"
    "                   tessera-compile --profile over the timed runs\n"
    "                   (--iterations, 10 by default) and print the top N\n"
    "                   (--profile-top, 20) with their ONNX nodes\n"
    "  --profile-trace  also write those runs as Chrome trace JSON\n"
    "                   (open in Perfetto or chrome://tracing)\n"
    "  --device D       where the model runs: cpu, or cuda / cuda:N (device\n"
    "                   N, default 0) for a model compiled with\n"
    "                   --target=cuda; an error when the model was compiled\n"
    "                   for the other one (default: what it was compiled "
    "for)\n";

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

/// A file name per output: its name with every character but letters,
/// digits, '.', '-' and '_' made '_', ".npy" added, made unique.
std::vector<std::string> outputFileNames(const tessera_model_t &model) {
  std::vector<std::string> files;
  for (int i = 0; i < model.num_outputs; ++i) {
    std::string base;
    for (const char *c = model.outputs[i].name; *c; ++c)
      base += std::isalnum(static_cast<unsigned char>(*c)) || *c == '.' ||
                      *c == '-' || *c == '_'
                  ? *c
                  : '_';
    if (base.empty() || base[0] == '.')
      base = "output_" + base;
    std::string file = base + ".npy";
    for (int n = 2; std::find(files.begin(), files.end(), file) != files.end();
         ++n)
      file = base + "_" + std::to_string(n) + ".npy";
    files.push_back(file);
  }
  return files;
}

/// "f32[2x3] min -1.5 max 2 mean 0.25: 0.5, -1.5, 2, ..." (floats), or the
/// range and first values of an integer tensor.
std::string summarize(const HostTensor &tensor) {
  std::string text = describeType(tensor);
  int64_t n = tensor.numElements();
  if (n == 0)
    return text + " (empty)";
  double low = INFINITY, high = -INFINITY, sum = 0;
  int64_t nans = 0;
  for (int64_t i = 0; i < n; ++i) {
    double v = elementAsDouble(tensor, i);
    if (std::isnan(v)) {
      ++nans;
      continue;
    }
    low = std::min(low, v);
    high = std::max(high, v);
    sum += v;
  }
  char buffer[160];
  if (nans < n) {
    std::snprintf(buffer, sizeof(buffer), " min %.6g max %.6g mean %.6g", low,
                  high, sum / static_cast<double>(n - nans));
    text += buffer;
  }
  if (nans) {
    std::snprintf(buffer, sizeof(buffer), " (%lld NaN)",
                  static_cast<long long>(nans));
    text += buffer;
  }
  text += ":";
  for (int64_t i = 0; i < std::min<int64_t>(n, 8); ++i) {
    std::snprintf(buffer, sizeof(buffer), "%s %.6g", i ? "," : "",
                  elementAsDouble(tensor, i));
    text += buffer;
  }
  return text + (n > 8 ? ", ..." : "");
}

} // namespace


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
    if (arg == "--version") {
      std::printf("tessera-run (Tessera) %s, runtime ABI %d\n",
                  TESSERA_VERSION_STRING, TESSERA_ABI_VERSION);
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
    } else if (arg == "--device" || arg.rfind("--device=", 0) == 0) {
      const char *named = arg == "--device" ? next() : arg.c_str() + 9;
      std::string device = named ? named : "";
      if (device == "cpu" || device == "cuda") {
        options.device = device;
      } else if (device.rfind("cuda:", 0) == 0 && device.size() > 5 &&
                 device.size() < 10 &&
                 device.find_first_not_of("0123456789", 5) ==
                     std::string::npos) {
        options.device = "cuda";
        options.cudaDevice = std::atoi(device.c_str() + 5);
      } else {
        return usage(("--device '" + device + "': expected cpu, cuda or cuda:N")
                         .c_str());
      }
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

  // Resident memory before the model is loaded: --iterations reports how
  // much loading and running it added.
  long baselineKb = residentKb();
  std::string error;
  const tessera_model_t *model = loadModelLibrary(options.library, error);
  if (!model)
    return fail(error);
  if (options.device == "cuda" && !model->cuda)
    return fail(options.library +
                " was compiled for the CPU: compile the model with "
                "tessera-compile --target=cuda to run it on a CUDA device");
  if (options.device == "cpu" && model->cuda)
    return fail(options.library +
                " was compiled for CUDA (--target=cuda): it runs on a CUDA "
                "device only");
  if (options.profile && model->num_kernels <= 0)
    return fail(options.library +
                " was compiled without --profile: recompile it with "
                "tessera-compile --profile to time its kernels");
  if (options.profile && options.iterations == 0)
    options.iterations = 10;
  auto namesOf = [](const tessera_tensor_desc_t *tensors, int count) {
    std::string list;
    for (int i = 0; i < count; ++i)
      list += (i ? ", '" : "'") + std::string(tensors[i].name) + "'";
    return list;
  };

  // Inputs in model order.
  for (const auto &[name, path] : options.inputs) {
    bool known = false;
    for (int i = 0; i < model->num_inputs; ++i)
      known |= name == model->inputs[i].name;
    if (!known)
      return fail("--input " + name +
                  ": the model has no input of that name; its inputs: " +
                  namesOf(model->inputs, model->num_inputs));
  }
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
    if (!readTensor(path, inputs[i], error))
      return fail(error);
    // ONNX test data stores bfloat16 as its uint16 bits.
    if (inputs[i].dtype == TESSERA_U16 && desc.dtype == TESSERA_BF16)
      inputs[i].dtype = TESSERA_BF16;
  }

  // Expected outputs: NAME=FILE, or FILE for the next output in order.
  std::vector<std::pair<int, std::string>> expected;
  {
    int nextIndex = 0;
    for (const std::string &spec : options.expected) {
      int index = -1;
      size_t equals = spec.find('=');
      if (equals != std::string::npos && equals > 0)
        for (int i = 0; i < model->num_outputs; ++i)
          if (spec.compare(0, equals, model->outputs[i].name) == 0 &&
              std::strlen(model->outputs[i].name) == equals)
            index = i;
      if (index >= 0) {
        expected.push_back({index, spec.substr(equals + 1)});
        nextIndex = index + 1;
        continue;
      }
      if (!fileExists(spec) && equals != std::string::npos && equals > 0)
        return fail("--expected " + spec.substr(0, equals) +
                    ": the model has no output of that name; its outputs: " +
                    namesOf(model->outputs, model->num_outputs));
      if (nextIndex >= model->num_outputs)
        return fail("--expected " + spec + ": more expected outputs than the "
                    "model's " + std::to_string(model->num_outputs) +
                    "; name the output with --expected NAME=FILE");
      expected.push_back({nextIndex++, spec});
    }
  }
  if (options.expected.empty() && !options.testData.empty())
    for (int i = 0; i < model->num_outputs; ++i) {
      std::string path =
          options.testData + "/output_" + std::to_string(i) + ".pb";
      if (fileExists(path))
        expected.push_back({i, path});
    }

  ModelSession session;
  if (!session.create(*model, options.threads, options.cudaDevice, error))
    return fail(error);
  tessera_status_t status = session.run(inputs);
  if (status != TESSERA_OK)
    return fail(session.lastError());
  std::vector<HostTensor> &outputs = session.outputs();

  int rc = 0;
  if (!options.outputDir.empty()) {
    mkdir(options.outputDir.c_str(), 0755);
    std::vector<std::string> files = outputFileNames(*model);
    for (int i = 0; i < model->num_outputs; ++i) {
      std::string path = options.outputDir + "/" + files[i];
      if (!writeNpy(path, outputs[i], error)) {
        rc = fail(error);
        continue;
      }
      // DIR/<index>.npy, unless an output is called that.
      std::string link = options.outputDir + "/" + std::to_string(i) + ".npy";
      if (files[i] != std::to_string(i) + ".npy" &&
          std::find(files.begin(), files.end(), std::to_string(i) + ".npy") ==
              files.end()) {
        unlink(link.c_str());
        if (symlink(files[i].c_str(), link.c_str()) != 0)
          rc = fail("cannot write " + link);
      }
    }
  }
  for (const auto &[index, path] : expected) {
    HostTensor reference;
    if (!readTensor(path, reference, error)) {
      rc = fail(error);
      continue;
    }
    if (reference.dtype == TESSERA_U16 &&
        model->outputs[index].dtype == TESSERA_BF16)
      reference.dtype = TESSERA_BF16;
    std::string what = "output " + std::to_string(index) + " ('" +
                       model->outputs[index].name + "')";
    Comparison comparison = compareTensors(outputs[index], reference,
                                           options.rtol, options.atol);
    if (comparison.ok())
      std::printf("%s: %lld elements match (max abs error %.3g)\n",
                  what.c_str(), static_cast<long long>(comparison.elements),
                  comparison.maxError);
    else {
      std::printf("%s\n", describeMismatch(what, outputs[index], reference,
                                           comparison, options.rtol,
                                           options.atol)
                              .c_str());
      rc = 1;
    }
  }
  // Nothing asked for: say what came out.
  if (expected.empty() && options.outputDir.empty() &&
      options.iterations == 0)
    for (int i = 0; i < model->num_outputs; ++i)
      std::printf("output %d ('%s'): %s\n", i, model->outputs[i].name,
                  summarize(outputs[i]).c_str());

  if (options.iterations > 0) {
    auto runOnce = [&]() { return session.run(inputs); };
    for (int i = 0; i < options.warmup; ++i)
      runOnce();
    tessera_session_profile_reset(session.get());
    std::vector<double> times;
    for (int i = 0; i < options.iterations; ++i) {
      auto start = std::chrono::steady_clock::now();
      runOnce();
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
        static_cast<int>(tessera_session_num_threads(session.get())),
        residentKb() - baselineKb);
    if (options.profile) {
      const tessera_kernel_profile_t *profiles = nullptr;
      int32_t count = 0;
      if (tessera_session_profile(session.get(), &profiles, &count) ==
          TESSERA_OK)
        printProfile(stdout, *model, profiles, count, options.iterations,
                     options.profileTop, mean);
      if (!options.profileTrace.empty()) {
        if (tessera_session_write_trace(session.get(),
                                        options.profileTrace.c_str()) !=
            TESSERA_OK)
          rc = fail(tessera_session_last_error(session.get()));
        else
          std::printf("profile: trace written to %s\n",
                      options.profileTrace.c_str());
      }
    }
  }
  return rc;
}
