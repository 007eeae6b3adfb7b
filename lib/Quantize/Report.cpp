//===- Report.cpp - what quantization costs and gains ---------------------===//
//
// Four builds of the model: float and int8 each returning every layer's
// result (per-layer SQNR and cosine similarity), and float and int8 as
// compiled, profiled (whole-model error, top-1 agreement, per-layer time).
// Written as markdown and as JSON.
//
//===----------------------------------------------------------------------===//

#include "lib/Quantize/Report.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>

using namespace tessera;
using namespace tessera::quantize;
using llvm::SmallString;
using tessera::run::HostTensor;

namespace {

/// Σf², Σ(f - q)², Σfq, Σq² of float values f and their int8 model's q.
struct Agreement {
  double signal = 0, noise = 0, dot = 0, other = 0;
  double maxAbs = 0, sumAbs = 0;
  uint64_t count = 0;
  uint64_t rows = 0, sameTop = 0;

  void add(const float *f, const float *q, int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
      double a = f[i], b = q[i], d = a - b;
      signal += a * a;
      noise += d * d;
      dot += a * b;
      other += b * b;
      maxAbs = std::max(maxAbs, std::fabs(d));
      sumAbs += std::fabs(d);
    }
    count += n;
  }
  /// Top-1 along the last axis (`classes` wide) of each row.
  void addTop1(const float *f, const float *q, int64_t n, int64_t classes) {
    for (int64_t r = 0; r + classes <= n; r += classes) {
      ++rows;
      sameTop += std::max_element(f + r, f + r + classes) - (f + r) ==
                 std::max_element(q + r, q + r + classes) - (q + r);
    }
  }
  double sqnr() const {
    if (noise == 0)
      return std::numeric_limits<double>::infinity();
    return signal == 0 ? -std::numeric_limits<double>::infinity()
                       : 10 * std::log10(signal / noise);
  }
  double cosine() const {
    return signal > 0 && other > 0 ? dot / std::sqrt(signal * other) : 1.0;
  }
  double meanAbs() const { return count ? sumAbs / count : 0.0; }
};

/// A finite number for JSON (null otherwise) and for markdown.
llvm::json::Value number(double v) {
  if (std::isfinite(v))
    return v;
  return nullptr;
}
std::string text(double v, int digits = 2) {
  if (std::isinf(v))
    return v > 0 ? "inf" : "-inf";
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.*f", digits, v);
  return buffer;
}

/// Milliseconds per run of every layer: each kernel's mean time shared
/// equally among the layers its ONNX nodes name; the rest as "".
std::map<std::string, double>
layerTimes(const Build &build, const std::vector<LayerDecision> &layers) {
  std::map<std::string, double> times;
  const tessera_kernel_profile_t *profiles = nullptr;
  int32_t count = 0;
  if (tessera_session_profile(build.session.get(), &profiles, &count) !=
      TESSERA_OK)
    return times;
  for (int32_t k = 0; k < count; ++k) {
    if (profiles[k].calls == 0)
      continue;
    double ms = profiles[k].total_seconds * 1e3 /
                static_cast<double>(profiles[k].calls);
    llvm::SmallVector<llvm::StringRef> nodes;
    llvm::StringRef(build.model->kernels[k].name).split(nodes, ", ");
    llvm::SmallVector<std::string> named;
    for (llvm::StringRef node : nodes)
      for (const LayerDecision &layer : layers)
        if (!layer.info.name.empty() && node == layer.info.name &&
            std::find(named.begin(), named.end(), layer.info.name) ==
                named.end())
          named.push_back(layer.info.name);
    if (named.empty()) {
      times[""] += ms;
      continue;
    }
    for (const std::string &name : named)
      times[name] += ms / static_cast<double>(named.size());
  }
  return times;
}

} // namespace

bool tessera::quantize::writeReport(const CompileOptions &options,
                                    const QuantizeRequest &request,
                                    const Calibrated &calibrated,
                                    const std::string &work,
                                    llvm::raw_ostream &log,
                                    std::string &error) {
  auto inWork = [&](const char *name) {
    SmallString<256> path(work);
    llvm::sys::path::append(path, name);
    return std::string(path);
  };
  GraphQuantizeOptions floatLayers;
  floatLayers.enabled = true;
  floatLayers.expose = GraphQuantizeOptions::Expose::Layers;
  GraphQuantizeOptions int8Layers = options.quantize;
  int8Layers.expose = GraphQuantizeOptions::Expose::Layers;
  Build fl, ql, fp, qp;
  log << "quantize: compiling the report's four builds\n";
  if (!fl.compile(options, inWork("float-layers"), false, floatLayers, error) ||
      !ql.compile(options, inWork("int8-layers"), false, int8Layers, error) ||
      !fp.compile(options, inWork("float"), true, GraphQuantizeOptions(),
                  error) ||
      !qp.compile(options, inWork("int8"), true, options.quantize, error))
    return false;
  for (Build *b : {&fl, &ql, &fp, &qp})
    if (!b->start(request.threads, error))
      return false;

  std::vector<InputSet> held;
  bool heldOut = !request.evalDir.empty();
  if (heldOut && !readInputSets(request.evalDir, *fp.model, held, error))
    return false;
  const std::vector<InputSet> &eval = heldOut ? held : calibrated.sets;

  // Per layer, on the calibration sets.
  const std::vector<LayerDecision> &layers = calibrated.layers;
  std::vector<Agreement> perLayer(layers.size());
  for (const InputSet &set : calibrated.sets) {
    if (!fl.run(set, error) || !ql.run(set, error))
      return false;
    for (size_t l = 0; l < layers.size(); ++l) {
      std::string name = tg::quantizeLayerResultName(l);
      int a = fl.output(name), b = ql.output(name);
      if (a < 0 || b < 0)
        continue;
      const HostTensor &f = fl.session.outputs()[a];
      const HostTensor &q = ql.session.outputs()[b];
      perLayer[l].add(reinterpret_cast<const float *>(f.data.data()),
                      reinterpret_cast<const float *>(q.data.data()),
                      f.numElements());
    }
  }

  // The whole model, as compiled, on the evaluation sets.
  int outputs = fp.model->num_outputs;
  std::vector<Agreement> perOutput(outputs);
  for (const InputSet &set : eval) {
    if (!fp.run(set, error) || !qp.run(set, error))
      return false;
    for (int o = 0; o < outputs; ++o) {
      const HostTensor &f = fp.session.outputs()[o];
      const HostTensor &q = qp.session.outputs()[o];
      if (f.dtype != TESSERA_F32)
        continue;
      auto *a = reinterpret_cast<const float *>(f.data.data());
      auto *b = reinterpret_cast<const float *>(q.data.data());
      perOutput[o].add(a, b, f.numElements());
      if (!f.dims.empty() && f.dims.back() >= 2)
        perOutput[o].addTop1(a, b, f.numElements(), f.dims.back());
    }
  }

  // Time: alternating runs after a warm-up, kernels credited to layers.
  int runs = std::max<int>(20, static_cast<int>(eval.size()));
  runs = std::min(runs, 200);
  for (int warm = 0; warm < 3; ++warm)
    if (!fp.run(eval[0], error) || !qp.run(eval[0], error))
      return false;
  tessera_session_profile_reset(fp.session.get());
  tessera_session_profile_reset(qp.session.get());
  for (int r = 0; r < runs; ++r) {
    const InputSet &set = eval[r % eval.size()];
    if (!fp.run(set, error) || !qp.run(set, error))
      return false;
  }
  std::map<std::string, double> floatTime = layerTimes(fp, layers);
  std::map<std::string, double> int8Time = layerTimes(qp, layers);
  double floatTotal = 0, int8Total = 0;
  for (auto &[name, ms] : floatTime)
    floatTotal += ms;
  for (auto &[name, ms] : int8Time)
    int8Total += ms;

  // JSON.
  llvm::json::Array layerArray;
  for (size_t l = 0; l < layers.size(); ++l) {
    const LayerDecision &d = layers[l];
    llvm::json::Object entry{
        {"node", d.info.name}, {"op", d.info.kind}, {"int8", d.quantized}};
    if (!d.quantized)
      entry["float_reason"] = d.reason;
    llvm::json::Array inputs;
    for (int64_t p : d.info.points) {
      const TensorStatistics &s = calibrated.points[p];
      inputs.push_back(llvm::json::Object{
          {"point", p},
          {"min", s.min()},
          {"max", s.max()},
          {"range", llvm::json::Array{calibrated.ranges[p].first,
                                      calibrated.ranges[p].second}},
          {"sqnr_db", number(s.sqnr())},
          {"clipped_fraction", s.clippedFraction()}});
    }
    entry["inputs"] = std::move(inputs);
    if (perLayer[l].count) {
      entry["output_sqnr_db"] = number(perLayer[l].sqnr());
      entry["output_cosine"] = perLayer[l].cosine();
    }
    entry["float_ms"] =
        floatTime.count(d.info.name) ? floatTime[d.info.name] : 0.0;
    entry["int8_ms"] =
        int8Time.count(d.info.name) ? int8Time[d.info.name] : 0.0;
    layerArray.push_back(std::move(entry));
  }
  llvm::json::Array outputArray;
  for (int o = 0; o < outputs; ++o) {
    const Agreement &a = perOutput[o];
    if (!a.count)
      continue;
    llvm::json::Object entry{{"name", fp.model->outputs[o].name},
                             {"max_abs_error", a.maxAbs},
                             {"mean_abs_error", a.meanAbs()},
                             {"sqnr_db", number(a.sqnr())},
                             {"cosine", a.cosine()}};
    if (a.rows)
      entry["top1_agreement"] =
          static_cast<double>(a.sameTop) / static_cast<double>(a.rows);
    entry["top1_rows"] = static_cast<int64_t>(a.rows);
    outputArray.push_back(std::move(entry));
  }
  llvm::json::Object root{
      {"model", options.inputPath},
      {"method", calibrationMethodName(request.method)},
      {"calibration_sets", static_cast<int64_t>(calibrated.sets.size())},
      {"evaluation_sets", static_cast<int64_t>(eval.size())},
      {"evaluation_held_out", heldOut},
      {"min_sqnr_db", request.minSqnr},
      {"layers", std::move(layerArray)},
      {"outputs", std::move(outputArray)},
      {"float_ms", floatTotal},
      {"int8_ms", int8Total},
      {"timed_runs", runs},
      {"threads", request.threads}};

  std::string jsonPath = request.reportPath + ".json";
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(jsonPath, ec);
    if (ec)
      return fail(error, jsonPath + ": cannot write: " + ec.message());
    os << llvm::formatv("{0:2}", llvm::json::Value(std::move(root))) << "\n";
  }

  // Markdown.
  std::error_code ec;
  llvm::raw_fd_ostream md(request.reportPath, ec);
  if (ec)
    return fail(error, request.reportPath + ": cannot write: " + ec.message());
  int quantized = 0;
  for (const LayerDecision &d : layers)
    quantized += d.quantized;
  md << "# Quantization report: "
     << llvm::sys::path::filename(options.inputPath) << "\n\n"
     << "Calibration: " << calibrationMethodName(request.method) << " on "
     << calibrated.sets.size() << " sets; " << quantized << " of "
     << layers.size() << " layers in int8. Whole-model figures on "
     << eval.size()
     << (heldOut ? " held-out sets" : " calibration sets (none held out)")
     << "; per-layer figures on the calibration sets.\n\n"
     << "## Model outputs (int8 vs float)\n\n"
     << "| output | max abs error | mean abs error | SQNR dB | cosine | top-1 "
        "agreement |\n"
     << "|---|---|---|---|---|---|\n";
  for (int o = 0; o < outputs; ++o) {
    const Agreement &a = perOutput[o];
    if (!a.count)
      continue;
    md << "| " << fp.model->outputs[o].name << " | " << text(a.maxAbs, 6)
       << " | " << text(a.meanAbs(), 6) << " | " << text(a.sqnr(), 1) << " | "
       << text(a.cosine(), 5) << " | "
       << (a.rows ? text(100.0 * a.sameTop / a.rows, 2) + "% of " +
                        std::to_string(a.rows)
                  : std::string("-"))
       << " |\n";
  }
  md << "\n## Layers\n\n"
     << "Input SQNR: the activation's own quantization noise at its range; "
        "output SQNR and cosine: the layer's result in the int8 model vs the "
        "float one (errors of the layers before it included). Times: ms per "
        "run from the profiler ("
     << runs << " runs, " << request.threads << " thread(s)).\n\n"
     << "| node | op | int8 | input range | input SQNR dB | clipped | output "
        "SQNR dB | cosine | float ms | int8 ms |\n"
     << "|---|---|---|---|---|---|---|---|---|---|\n";
  for (size_t l = 0; l < layers.size(); ++l) {
    const LayerDecision &d = layers[l];
    std::string range, sqnr, clipped;
    for (int64_t p : d.info.points) {
      const TensorStatistics &s = calibrated.points[p];
      range += (range.empty() ? "" : ", ") + std::string("[") +
               text(calibrated.ranges[p].first, 4) + ", " +
               text(calibrated.ranges[p].second, 4) + "]";
      sqnr += (sqnr.empty() ? "" : ", ") + text(s.sqnr(), 1);
      clipped += (clipped.empty() ? "" : ", ") +
                 text(100.0 * s.clippedFraction(), 3) + "%";
    }
    md << "| " << d.info.name << " | " << d.info.kind << " | "
       << (d.quantized ? "yes" : "no") << " | " << range << " | " << sqnr
       << " | " << clipped << " | "
       << (perLayer[l].count ? text(perLayer[l].sqnr(), 1) : "-") << " | "
       << (perLayer[l].count ? text(perLayer[l].cosine(), 5) : "-") << " | "
       << text(floatTime.count(d.info.name) ? floatTime[d.info.name] : 0.0, 4)
       << " | "
       << text(int8Time.count(d.info.name) ? int8Time[d.info.name] : 0.0, 4)
       << " |\n";
  }
  md << "\nWhole model: float " << text(floatTotal, 4) << " ms, int8 "
     << text(int8Total, 4) << " ms per run (kernels of no layer included).\n";
  bool anyFloat = false;
  for (const LayerDecision &d : layers)
    anyFloat |= !d.quantized;
  md << "\n## Left in float\n\n";
  if (!anyFloat)
    md << "Every convolution and matmul runs in int8. ";
  for (const LayerDecision &d : layers)
    if (!d.quantized)
      md << "- " << (d.info.name.empty() ? "(unnamed)" : d.info.name) << " ("
         << d.info.kind << "): " << d.reason << "\n";
  md << "\nOther ops (elementwise, pooling, normalization, data movement) "
        "run in float between the int8 layers.\n";
  log << "quantize: wrote " << request.reportPath << " and " << jsonPath
      << "\n";
  return true;
}
