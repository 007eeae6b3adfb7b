//===- Calibration.h - value statistics and range choice ---------*- C++
//-*-===//
//
// What post-training calibration records about one tensor over every
// calibration set, and the four ways it picks the range the tensor is
// quantized to (docs/quantization.md): MinMax, percentile, entropy (the KL
// divergence between the clipped and the quantized histogram) and MSE.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_LIB_QUANTIZE_CALIBRATION_H
#define TESSERA_LIB_QUANTIZE_CALIBRATION_H

#include "tessera/Compiler/Quantize.h"

#include <cstdint>
#include <utility>
#include <vector>

namespace tessera::quantize {

/// One tensor's statistics: its range (the first pass over the sets), then
/// histograms over that range (the second pass, for every method but
/// MinMax), then the quantization noise of a chosen range (the third).
class TensorStatistics {
public:
  /// First pass. Non-finite values are counted, not ranged.
  void observeRange(const float *data, int64_t count);
  /// Second pass: histograms of x over [min, max] and of |x| over
  /// [0, max |x|], `bins` each.
  void startHistograms(int bins);
  void observeHistograms(const float *data, int64_t count);
  /// The range `method` picks (after the second pass unless MinMax).
  std::pair<double, double> choose(CalibrationMethod method,
                                   double percentile) const;
  /// Third pass: the noise u8 fake quantization over `range` adds.
  void startNoise(std::pair<double, double> range);
  void observeNoise(const float *data, int64_t count);

  bool empty() const { return values == 0; }
  double min() const { return lo; }
  double max() const { return hi; }
  uint64_t count() const { return values; }
  uint64_t nonFinite() const { return notFinite; }
  /// 10 log10(signal power / noise power) over the third pass (dB; +inf
  /// with no noise).
  double sqnr() const;
  /// The fraction of values outside the range (third pass).
  double clippedFraction() const;

private:
  double lo = 0, hi = 0;
  uint64_t values = 0, notFinite = 0;
  std::vector<double> histogram, magnitudes;
  double magnitudeMax = 0;
  double signal = 0, noise = 0;
  uint64_t clipped = 0, noiseValues = 0;
  float scale = 1;
  int64_t zero = 0;
};

/// Range choices on histograms (exposed for the unit tests). `counts` spans
/// [lo, hi] in equal bins.
std::pair<double, double> percentileRange(const std::vector<double> &counts,
                                          double lo, double hi,
                                          double percentile);
/// The threshold T in (0, max] minimising KL(P || Q), P the histogram of
/// |x| clipped at T and Q its quantization to `levels` levels.
double entropyThreshold(const std::vector<double> &magnitudes, double max,
                        int levels);
/// The range alpha * [lo, hi] (alpha in [0.2, 1]) of least expected squared
/// u8 quantization error.
std::pair<double, double> mseRange(const std::vector<double> &counts, double lo,
                                   double hi);

} // namespace tessera::quantize

#endif // TESSERA_LIB_QUANTIZE_CALIBRATION_H
