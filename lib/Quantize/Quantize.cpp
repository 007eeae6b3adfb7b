//===- Quantize.cpp - post-training static quantization -------------------===//
//
// Calibration compiles the float model with every point (the activations
// the int8 layers would read) as an output, runs it on every calibration
// set three times (ranges, histograms, the chosen ranges' noise), picks the
// ranges and the layers that stay float, and leaves the int8 compilation's
// options set. The report (Report.cpp) then compares builds of both.
//
//===----------------------------------------------------------------------===//

#include "tessera/Compiler/Quantize.h"

#include "lib/Quantize/Calibration.h"
#include "lib/Quantize/Report.h"
#include "tessera/Compiler/Driver.h"
#include "tools/tessera-run/ModelLibrary.h"
#include "tools/tessera-run/TensorIO.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

using namespace tessera;
using namespace tessera::quantize;
using llvm::SmallString;
using tessera::run::HostTensor;

namespace {

/// The .npy files or the subfolders of `dir`, sorted.
bool listEntries(const std::string &dir, std::vector<std::string> &files,
                 std::vector<std::string> &folders, std::string &error) {
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
       it.increment(ec)) {
    llvm::sys::fs::file_status status;
    if (llvm::sys::fs::status(it->path(), status))
      continue;
    if (llvm::sys::fs::is_directory(status))
      folders.push_back(it->path());
    else if (llvm::sys::path::extension(it->path()) == ".npy")
      files.push_back(it->path());
  }
  if (ec)
    return fail(error, dir + ": cannot list: " + ec.message());
  std::sort(files.begin(), files.end());
  std::sort(folders.begin(), folders.end());
  return true;
}

} // namespace

bool tessera::quantize::readInputSets(const std::string &dir,
                                      const tessera_model_t &model,
                                      std::vector<InputSet> &sets,
                                      std::string &error) {
  if (!llvm::sys::fs::is_directory(dir))
    return fail(error, dir + ": not a folder of calibration inputs");
  std::vector<std::string> files, folders;
  if (!listEntries(dir, files, folders, error))
    return false;
  auto check = [&](const std::string &file, const tessera_tensor_desc_t &desc,
                   HostTensor &tensor) {
    if (!run::readTensor(file, tensor, error))
      return false;
    std::vector<int64_t> dims(desc.dims, desc.dims + desc.rank);
    if (tensor.dtype != desc.dtype || tensor.dims != dims) {
      std::string want, got;
      for (int64_t d : dims)
        want += (want.empty() ? "" : "x") + std::to_string(d);
      for (int64_t d : tensor.dims)
        got += (got.empty() ? "" : "x") + std::to_string(d);
      return fail(error, file + ": input '" + desc.name + "' is " +
                             tessera_dtype_name(tensor.dtype) + " " + got +
                             "; the model takes " +
                             tessera_dtype_name(desc.dtype) + " " + want);
    }
    return true;
  };
  if (!files.empty() && !folders.empty())
    return fail(error, dir + ": holds both .npy files and folders; use one "
                             ".npy per set (a one-input model) or one folder "
                             "per set");
  if (!files.empty()) {
    if (model.num_inputs != 1)
      return fail(error, dir + ": the model has " +
                             std::to_string(model.num_inputs) +
                             " inputs: give each set as a folder holding "
                             "NAME.npy per input");
    for (const std::string &file : files) {
      InputSet set;
      set.name = llvm::sys::path::filename(file).str();
      set.tensors.emplace_back();
      if (!check(file, model.inputs[0], set.tensors.back()))
        return false;
      sets.push_back(std::move(set));
    }
  }
  for (const std::string &folder : folders) {
    InputSet set;
    set.name = llvm::sys::path::filename(folder).str();
    for (int i = 0; i < model.num_inputs; ++i) {
      SmallString<256> file(folder);
      llvm::sys::path::append(file, std::string(model.inputs[i].name) + ".npy");
      if (!llvm::sys::fs::exists(file))
        return fail(error, std::string(file) + ": missing (input '" +
                               model.inputs[i].name + "' of set " + set.name +
                               ")");
      set.tensors.emplace_back();
      if (!check(std::string(file), model.inputs[i], set.tensors.back()))
        return false;
    }
    sets.push_back(std::move(set));
  }
  if (sets.empty())
    return fail(error, dir + ": holds no calibration sets (.npy files or "
                             "folders of them)");
  return true;
}

bool tessera::quantize::Build::compile(const CompileOptions &base,
                                       const std::string &prefix, bool profile,
                                       const GraphQuantizeOptions &quantize,
                                       std::string &error) {
  CompileOptions options = base;
  options.outputPrefix = prefix;
  // Calibration runs here: the host's code gives the integers any target's
  // does (docs/kernels.md).
  options.triple.clear();
  options.cpu = "native";
  options.import.debugOutputs = false;
  options.emit = EmitStage::Library;
  options.profile = profile;
  options.timing = options.stats = false;
  options.name.clear();
  options.quantize = quantize;
  if (!compileModel(options, llvm::nulls(), error))
    return false;
  model = run::loadModelLibrary(prefix + ".so", error);
  return model != nullptr;
}

bool tessera::quantize::Build::start(int threads, std::string &error) {
  return session.create(*model, threads, /*cudaDevice=*/0, error);
}

bool tessera::quantize::Build::run(const InputSet &set, std::string &error) {
  if (session.run(set.tensors) != TESSERA_OK)
    return fail(error, "calibration set " + set.name +
                           ": the run failed: " + session.lastError());
  return true;
}

int tessera::quantize::Build::output(const std::string &name) const {
  for (int i = 0; i < model->num_outputs; ++i)
    if (name == model->outputs[i].name)
      return i;
  return -1;
}

bool tessera::quantizeModel(CompileOptions &options,
                            const QuantizeRequest &request,
                            llvm::raw_ostream &log, std::string &error) {
  if (request.calibrationDir.empty())
    return fail(error, options.inputPath +
                           ": --quantize=int8 needs --calibration=DIR (sample "
                           "inputs to calibrate on)");
  if (!(request.percentile > 50 && request.percentile <= 100))
    return fail(error, "--calibration-percentile must be in (50, 100]");
  if (request.bins < 2048 || request.bins > 65536)
    return fail(error, "--calibration-bins must be in [2048, 65536]");
  if (!std::isfinite(request.minSqnr))
    return fail(error, "--quantize-min-sqnr must be finite");

  SmallString<256> work;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueDirectory("tessera-quantize", work))
    return fail(error, "cannot create a temporary directory: " + ec.message());
  struct Cleanup {
    SmallString<256> dir;
    ~Cleanup() { llvm::sys::fs::remove_directories(dir); }
  } cleanup{work};
  auto inWork = [&](const char *name) {
    SmallString<256> path(work);
    llvm::sys::path::append(path, name);
    return std::string(path);
  };

  // The float model returning every point.
  std::vector<tg::QuantizeLayerInfo> layers;
  GraphQuantizeOptions calibrate;
  calibrate.enabled = true;
  calibrate.expose = GraphQuantizeOptions::Expose::Points;
  calibrate.layers = &layers;
  Build points;
  log << "quantize: compiling the float model for calibration\n";
  if (!points.compile(options, inWork("points"), false, calibrate, error) ||
      !points.start(request.threads, error))
    return false;
  std::vector<InputSet> sets;
  if (!readInputSets(request.calibrationDir, *points.model, sets, error))
    return false;
  std::vector<int> outputOf;
  for (int64_t p = 0;; ++p) {
    int at = points.output(tg::quantizePointResultName(p));
    if (at < 0)
      break;
    outputOf.push_back(at);
  }
  std::set<std::string> names;
  for (const tg::QuantizeLayerInfo &layer : layers)
    names.insert(layer.name);
  for (const std::string &name : request.keepFloat)
    if (!names.count(name)) {
      std::string known;
      for (const tg::QuantizeLayerInfo &layer : layers)
        known += (known.empty() ? "'" : ", '") + layer.name + "'";
      return fail(error,
                  options.inputPath + ": --quantize-keep-float " + name +
                      ": no convolution or matmul of that name" +
                      (known.empty() ? std::string(" (the model has none)")
                                     : "; the layers: " + known));
    }
  if (outputOf.empty())
    log << "quantize: the model has no layer to quantize\n";

  // Three passes over the sets: ranges, histograms, noise.
  std::vector<TensorStatistics> statistics(outputOf.size());
  auto pass = [&](auto &&observe) {
    for (const InputSet &set : sets) {
      if (!points.run(set, error))
        return false;
      std::vector<HostTensor> &outputs = points.session.outputs();
      for (size_t p = 0; p < outputOf.size(); ++p) {
        const HostTensor &t = outputs[outputOf[p]];
        observe(statistics[p], reinterpret_cast<const float *>(t.data.data()),
                t.numElements());
      }
    }
    return true;
  };
  log << "quantize: calibrating " << outputOf.size() << " tensors on "
      << sets.size() << " sets (" << calibrationMethodName(request.method)
      << ")\n";
  if (!pass([](TensorStatistics &s, const float *d, int64_t n) {
        s.observeRange(d, n);
      }))
    return false;
  if (request.method != CalibrationMethod::MinMax) {
    for (TensorStatistics &s : statistics)
      s.startHistograms(request.bins);
    if (!pass([](TensorStatistics &s, const float *d, int64_t n) {
          s.observeHistograms(d, n);
        }))
      return false;
  }
  std::vector<std::pair<double, double>> ranges;
  for (TensorStatistics &s : statistics) {
    ranges.push_back(s.choose(request.method, request.percentile));
    s.startNoise(ranges.back());
  }
  if (!pass([](TensorStatistics &s, const float *d, int64_t n) {
        s.observeNoise(d, n);
      }))
    return false;
  for (size_t p = 0; p < statistics.size(); ++p)
    if (statistics[p].nonFinite())
      return fail(error, options.inputPath + ": calibration: point " +
                             std::to_string(p) + " holds " +
                             std::to_string(statistics[p].nonFinite()) +
                             " NaN or infinite values on the calibration "
                             "data (a float model that overflows cannot be "
                             "quantized)");

  // The layers that stay float: asked for, or too noisy an input.
  std::vector<LayerDecision> decisions;
  std::vector<std::string> keep(request.keepFloat);
  for (const tg::QuantizeLayerInfo &layer : layers) {
    LayerDecision decision;
    decision.info = layer;
    if (!layer.quantizable) {
      decision.reason = layer.reason;
    } else if (std::count(request.keepFloat.begin(), request.keepFloat.end(),
                          layer.name)) {
      decision.reason = "kept float by --quantize-keep-float";
    } else {
      for (int64_t p : layer.points)
        if (request.minSqnr > 0 && statistics[p].sqnr() < request.minSqnr) {
          decision.reason =
              "input quantizes with SQNR " +
              llvm::formatv("{0:F1}", statistics[p].sqnr()).str() +
              " dB, below --quantize-min-sqnr " +
              llvm::formatv("{0}", request.minSqnr).str();
          keep.push_back(layer.name);
          break;
        }
      decision.quantized = decision.reason.empty();
    }
    decisions.push_back(std::move(decision));
  }

  GraphQuantizeOptions &quantize = options.quantize;
  quantize = GraphQuantizeOptions();
  quantize.enabled = true;
  quantize.insert = true;
  for (auto [lo, hi] : ranges) {
    quantize.ranges.push_back(lo);
    quantize.ranges.push_back(hi);
  }
  quantize.keepFloat = keep;
  int quantized = 0;
  for (const LayerDecision &d : decisions)
    quantized += d.quantized;
  log << "quantize: " << quantized << " of " << decisions.size()
      << " layers in int8\n";

  if (request.reportPath.empty())
    return true;
  Calibrated calibrated{sets, statistics, ranges, decisions};
  return writeReport(options, request, calibrated, work.str().str(), log,
                     error);
}
