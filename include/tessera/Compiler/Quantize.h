//===- Quantize.h - post-training static quantization ------------*- C++
//-*-===//
//
// tessera-compile --quantize=int8 --calibration=DIR and tessera.quantize:
// calibrate a float model on sample inputs, choose every quantized tensor's
// range, keep sensitive layers in float, and set the compile options that
// insert the Q/DQ pairs (docs/quantization.md). Optionally writes a report
// of what quantization costs in accuracy and gains in time.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_COMPILER_QUANTIZE_H
#define TESSERA_COMPILER_QUANTIZE_H

#include <string>
#include <vector>

namespace llvm {
class raw_ostream;
} // namespace llvm

namespace tessera {

struct CompileOptions;

enum class CalibrationMethod { MinMax, Percentile, Entropy, MSE };

/// Parses "minmax", "percentile", "entropy", "mse".
bool parseCalibrationMethod(const std::string &text, CalibrationMethod &method);
const char *calibrationMethodName(CalibrationMethod method);

struct QuantizeRequest {
  /// One input set per .npy file (a model with one input), or one subfolder
  /// per set holding NAME.npy for each input; sets in name order.
  std::string calibrationDir;
  CalibrationMethod method = CalibrationMethod::MinMax;
  /// Percentile's coverage (a percentage in (50, 100]).
  double percentile = 99.999;
  /// Histogram bins of the entropy, percentile and MSE methods (2048 to
  /// 65536).
  int bins = 2048;
  /// A layer whose activation quantizes with an SQNR below this (dB) stays
  /// float; 0 keeps none for that reason.
  double minSqnr = 20.0;
  /// ONNX nodes (convolutions, matmuls) to keep in float.
  std::vector<std::string> keepFloat;
  /// Where to write the report: FILE (markdown) and FILE.json; "" none.
  std::string reportPath;
  /// Held-out input sets (the calibration layout) for the report's
  /// whole-model figures; "" evaluates on the calibration sets.
  std::string evalDir;
  /// Threads of the calibration runs (0: one per CPU).
  int threads = 1;
};

/// Calibrates `options`' model (an ONNX file) on `request` and fills
/// `options.quantize` so that compiling with `options` gives the int8
/// model; writes the report when asked. Progress goes to `log`. False
/// with a one-line `error` (naming the file and what is wrong) otherwise.
bool quantizeModel(CompileOptions &options, const QuantizeRequest &request,
                   llvm::raw_ostream &log, std::string &error);

} // namespace tessera

#endif // TESSERA_COMPILER_QUANTIZE_H
