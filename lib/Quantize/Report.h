//===- Report.h - what calibration leaves for the report ---------*- C++
//-*-===//
//
// The pieces the quantizer (Quantize.cpp) and its report (Report.cpp)
// share: input sets, a compiled build with its session, each layer's
// decision, and the report writer.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_LIB_QUANTIZE_REPORT_H
#define TESSERA_LIB_QUANTIZE_REPORT_H

#include "lib/Quantize/Calibration.h"
#include "tessera/Compiler/Driver.h"
#include "tools/tessera-run/ModelLibrary.h"

#include <string>
#include <utility>
#include <vector>

namespace tessera::quantize {

/// Sets `error` and returns false.
inline bool fail(std::string &error, const std::string &message) {
  error = message;
  return false;
}

/// One calibration (or evaluation) set: a tensor per model input, in order.
struct InputSet {
  std::string name;
  std::vector<run::HostTensor> tensors;
};

/// Reads `dir` (docs/quantization.md's layout) for `model`'s inputs,
/// checking each tensor's dtype and shape.
bool readInputSets(const std::string &dir, const tessera_model_t &model,
                   std::vector<InputSet> &sets, std::string &error);

/// A library compiled from the model with some quantization options, loaded
/// with one session.
struct Build {
  const tessera_model_t *model = nullptr;
  run::ModelSession session;

  bool compile(const CompileOptions &base, const std::string &prefix,
               bool profile, const GraphQuantizeOptions &quantize,
               std::string &error);
  bool start(int threads, std::string &error);
  bool run(const InputSet &set, std::string &error);
  /// The index of the output named `name`, or -1.
  int output(const std::string &name) const;
};

struct LayerDecision {
  tg::QuantizeLayerInfo info;
  bool quantized = false;
  /// Why it stays float (empty when quantized).
  std::string reason;
};

/// What calibration decided, for the report.
struct Calibrated {
  const std::vector<InputSet> &sets;
  const std::vector<TensorStatistics> &points;
  const std::vector<std::pair<double, double>> &ranges;
  const std::vector<LayerDecision> &layers;
};

/// Compiles the float and the int8 model (`options` as quantizeModel left
/// them) in `work`, compares them on the evaluation sets and writes
/// request.reportPath (markdown) and request.reportPath + ".json".
bool writeReport(const CompileOptions &options, const QuantizeRequest &request,
                 const Calibrated &calibrated, const std::string &work,
                 llvm::raw_ostream &log, std::string &error);

} // namespace tessera::quantize

#endif // TESSERA_LIB_QUANTIZE_REPORT_H
