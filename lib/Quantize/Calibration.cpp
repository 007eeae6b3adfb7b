//===- Calibration.cpp - value statistics and range choice ----------------===//

#include "lib/Quantize/Calibration.h"

#include "dialects/Graph/Transforms/QuantizeLayers.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>

using namespace tessera;
using namespace tessera::quantize;

bool tessera::parseCalibrationMethod(const std::string &text,
                                     CalibrationMethod &method) {
  for (CalibrationMethod m :
       {CalibrationMethod::MinMax, CalibrationMethod::Percentile,
        CalibrationMethod::Entropy, CalibrationMethod::MSE})
    if (text == calibrationMethodName(m)) {
      method = m;
      return true;
    }
  return false;
}

const char *tessera::calibrationMethodName(CalibrationMethod method) {
  switch (method) {
  case CalibrationMethod::MinMax:
    return "minmax";
  case CalibrationMethod::Percentile:
    return "percentile";
  case CalibrationMethod::Entropy:
    return "entropy";
  case CalibrationMethod::MSE:
    return "mse";
  }
  return "minmax";
}

void TensorStatistics::observeRange(const float *data, int64_t count) {
  for (int64_t i = 0; i < count; ++i) {
    double v = data[i];
    if (!std::isfinite(v)) {
      ++notFinite;
      continue;
    }
    if (values++ == 0)
      lo = hi = v;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
}

void TensorStatistics::startHistograms(int bins) {
  histogram.assign(bins, 0.0);
  magnitudes.assign(bins, 0.0);
  magnitudeMax = std::max(std::fabs(lo), std::fabs(hi));
}

namespace {
/// The bin of `v` among `bins` equal bins over [lo, hi] (clamped).
int64_t binOf(double v, double lo, double hi, size_t bins) {
  if (!(hi > lo))
    return 0;
  double at = (v - lo) / (hi - lo) * static_cast<double>(bins);
  return std::clamp<int64_t>(static_cast<int64_t>(at), 0,
                             static_cast<int64_t>(bins) - 1);
}
} // namespace

void TensorStatistics::observeHistograms(const float *data, int64_t count) {
  if (histogram.empty())
    return;
  for (int64_t i = 0; i < count; ++i) {
    double v = data[i];
    if (!std::isfinite(v))
      continue;
    histogram[binOf(v, lo, hi, histogram.size())] += 1;
    // Exact zeros (a ReLU's) quantize exactly at any range: left out of
    // the entropy's histogram, where their mass would only blur the
    // lowest level.
    if (v != 0)
      magnitudes[binOf(std::fabs(v), 0, magnitudeMax, magnitudes.size())] += 1;
  }
}

std::pair<double, double>
tessera::quantize::percentileRange(const std::vector<double> &counts, double lo,
                                   double hi, double percentile) {
  double total = 0;
  for (double c : counts)
    total += c;
  if (total == 0 || counts.empty())
    return {lo, hi};
  double width = (hi - lo) / static_cast<double>(counts.size());
  // (A relative slack keeps 1000 * (1 - 0.999) from rounding below 1.)
  double tail = total * (1.0 - percentile / 100.0) * (1 + 1e-9);
  // The lowest bin edge with at most `tail` below it; the highest with at
  // most `tail` above it. A tensor that is never negative keeps its 0.
  double below = 0, low = lo, high = hi;
  for (size_t b = 0; b < counts.size(); ++b) {
    if (below + counts[b] > tail) {
      low = lo + width * static_cast<double>(b);
      break;
    }
    below += counts[b];
  }
  double above = 0;
  for (size_t b = counts.size(); b-- > 0;) {
    if (above + counts[b] > tail) {
      high = lo + width * static_cast<double>(b + 1);
      break;
    }
    above += counts[b];
  }
  if (lo >= 0)
    low = lo;
  return {std::min(low, high), std::max(low, high)};
}

double
tessera::quantize::entropyThreshold(const std::vector<double> &magnitudes,
                                    double max, int levels) {
  int64_t bins = static_cast<int64_t>(magnitudes.size());
  if (bins <= levels || !(max > 0))
    return max;
  double total = 0;
  for (double c : magnitudes)
    total += c;
  if (total == 0)
    return max;
  double bestDivergence = std::numeric_limits<double>::infinity();
  int64_t best = bins;
  std::vector<double> p, q;
  double outliers = 0;
  for (int64_t b = bins - 1; b >= levels; --b)
    outliers += magnitudes[b];
  // Thresholds at bin edge i = levels .. bins: P is the first i bins with
  // everything beyond folded into the last; Q quantizes the first i bins to
  // `levels` groups, each group's mass spread over its nonempty bins.
  // At most ~1024 thresholds are tried (every bin edge up to 2048 bins),
  // each costing O(i): a large --calibration-bins stays linear.
  int64_t stride = std::max<int64_t>(1, (bins - levels) / 1024);
  for (int64_t i = levels; i <= bins; ++i) {
    if (i > levels)
      outliers -= magnitudes[i - 1];
    if ((i - levels) % stride != 0 && i != bins)
      continue;
    p.assign(magnitudes.begin(), magnitudes.begin() + i);
    p[i - 1] += outliers;
    q.assign(i, 0.0);
    for (int64_t g = 0; g < levels; ++g) {
      int64_t start = g * i / levels, end = (g + 1) * i / levels;
      double mass = 0;
      int64_t nonempty = 0;
      for (int64_t b = start; b < end; ++b) {
        mass += magnitudes[b];
        nonempty += magnitudes[b] > 0;
      }
      for (int64_t b = start; b < end; ++b)
        if (magnitudes[b] > 0)
          q[b] = mass / static_cast<double>(nonempty);
    }
    double pSum = 0, qSum = 0;
    for (int64_t b = 0; b < i; ++b) {
      pSum += p[b];
      qSum += q[b];
    }
    if (pSum == 0 || qSum == 0)
      continue;
    double divergence = 0;
    for (int64_t b = 0; b < i; ++b) {
      if (p[b] == 0)
        continue;
      double pb = p[b] / pSum;
      // A bin of P that Q gives nothing (the folded outliers) costs as if Q
      // held one count there.
      double qb = (q[b] > 0 ? q[b] : 1.0) / qSum;
      divergence += pb * std::log(pb / qb);
    }
    if (divergence < bestDivergence) {
      bestDivergence = divergence;
      best = i;
    }
  }
  return max * static_cast<double>(best) / static_cast<double>(bins);
}

std::pair<double, double>
tessera::quantize::mseRange(const std::vector<double> &counts, double lo,
                            double hi) {
  if (counts.empty() || !(hi > lo))
    return {lo, hi};
  double width = (hi - lo) / static_cast<double>(counts.size());
  auto error = [&](double a, double b) {
    auto [scale, zero] = tg::activationParameters(a, b);
    double sum = 0;
    for (size_t k = 0; k < counts.size(); ++k) {
      if (counts[k] == 0)
        continue;
      double x = lo + width * (static_cast<double>(k) + 0.5);
      double q = std::clamp(std::nearbyint(x / scale) + zero, 0.0, 255.0);
      double d = x - (q - zero) * scale;
      // Rounding inside the bin adds its own share, scale^2 / 12 at most.
      sum += counts[k] * d * d;
    }
    return sum;
  };
  double bestError = std::numeric_limits<double>::infinity();
  std::pair<double, double> best{lo, hi};
  for (int step = 100; step >= 20; --step) {
    double alpha = step / 100.0;
    double a = lo < 0 ? lo * alpha : lo, b = hi > 0 ? hi * alpha : hi;
    double e = error(a, b);
    if (e < bestError) {
      bestError = e;
      best = {a, b};
    }
  }
  return best;
}

std::pair<double, double> TensorStatistics::choose(CalibrationMethod method,
                                                   double percentile) const {
  switch (method) {
  case CalibrationMethod::MinMax:
    return {lo, hi};
  case CalibrationMethod::Percentile:
    return percentileRange(histogram, lo, hi, percentile);
  case CalibrationMethod::Entropy: {
    // A never-negative tensor spends all 256 levels on [0, T]; one of both
    // signs half of them on each side.
    int levels = lo >= 0 ? 256 : 128;
    double t = entropyThreshold(magnitudes, magnitudeMax, levels);
    return {std::max(lo, -t), std::min(hi, t)};
  }
  case CalibrationMethod::MSE:
    return mseRange(histogram, lo, hi);
  }
  return {lo, hi};
}

void TensorStatistics::startNoise(std::pair<double, double> range) {
  std::tie(scale, zero) = tg::activationParameters(range.first, range.second);
  signal = noise = 0;
  clipped = noiseValues = 0;
}

void TensorStatistics::observeNoise(const float *data, int64_t count) {
  for (int64_t i = 0; i < count; ++i) {
    double v = data[i];
    if (!std::isfinite(v))
      continue;
    double q = std::nearbyint(v / scale) + static_cast<double>(zero);
    if (q < 0 || q > 255) {
      ++clipped;
      q = std::clamp(q, 0.0, 255.0);
    }
    double d = v - (q - static_cast<double>(zero)) * scale;
    signal += v * v;
    noise += d * d;
    ++noiseValues;
  }
}

double TensorStatistics::sqnr() const {
  if (noise == 0)
    return std::numeric_limits<double>::infinity();
  if (signal == 0)
    return -std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(signal / noise);
}

double TensorStatistics::clippedFraction() const {
  return noiseValues
             ? static_cast<double>(clipped) / static_cast<double>(noiseValues)
             : 0.0;
}
