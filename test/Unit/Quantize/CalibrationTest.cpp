//===- CalibrationTest.cpp - calibration's statistics and ranges ----------===//

#include "lib/Quantize/Calibration.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace tessera;
using namespace tessera::quantize;

namespace {

TEST(Calibration, MethodNames) {
  CalibrationMethod method;
  for (const char *name : {"minmax", "percentile", "entropy", "mse"}) {
    ASSERT_TRUE(parseCalibrationMethod(name, method)) << name;
    EXPECT_STREQ(calibrationMethodName(method), name);
  }
  EXPECT_FALSE(parseCalibrationMethod("kl", method));
}

TEST(Calibration, MinMaxAndNonFinite) {
  TensorStatistics s;
  const float values[] = {-1.5f, 2.0f, NAN, 0.25f, INFINITY};
  s.observeRange(values, 5);
  EXPECT_EQ(s.count(), 3u);
  EXPECT_EQ(s.nonFinite(), 2u);
  auto [lo, hi] = s.choose(CalibrationMethod::MinMax, 99.9);
  EXPECT_EQ(lo, -1.5);
  EXPECT_EQ(hi, 2.0);
}

TEST(Calibration, PercentileCutsTheTails) {
  // 1000 counts over [0, 10): the one count in the last bin is the 0.1%
  // beyond the 99.9th percentile and is cut; a never-negative tensor keeps
  // its 0.
  std::vector<double> counts(10, 0.0);
  counts[0] = 500;
  counts[1] = 499;
  counts[9] = 1;
  auto [lo, hi] = percentileRange(counts, 0, 10, 99.9);
  EXPECT_EQ(lo, 0);
  EXPECT_EQ(hi, 2);
  // A tail heavier than the percentile leaves: kept, the whole range.
  std::tie(lo, hi) = percentileRange(counts, 0, 10, 99.95);
  EXPECT_EQ(hi, 10);
  // Both signs: each side cut.
  std::vector<double> both(10, 0.0);
  both[0] = 1;
  both[4] = 499;
  both[5] = 499;
  both[9] = 1;
  std::tie(lo, hi) = percentileRange(both, -5, 5, 99.9);
  EXPECT_EQ(lo, -1);
  EXPECT_EQ(hi, 1);
}

TEST(Calibration, EntropyClipsALongTail) {
  // A Gaussian and a few outliers far out: the outliers are not worth the
  // levels they would take from the bulk.
  std::mt19937 rng(3);
  std::normal_distribution<double> normal(0.0, 1.0);
  TensorStatistics s;
  std::vector<float> values;
  for (int i = 0; i < 200000; ++i)
    values.push_back(static_cast<float>(normal(rng)));
  for (int i = 0; i < 20; ++i)
    values.push_back(i % 2 ? 50.0f : -50.0f);
  s.observeRange(values.data(), values.size());
  s.startHistograms(2048);
  s.observeHistograms(values.data(), values.size());
  auto [lo, hi] = s.choose(CalibrationMethod::Entropy, 99.9);
  EXPECT_LT(hi, 25.0);
  EXPECT_GT(hi, 3.0); // keeps the bulk
  EXPECT_GT(lo, -25.0);
  EXPECT_LT(lo, -3.0);
  // A uniform |x| has no tail worth clipping.
  std::vector<double> flat(2048, 100.0);
  EXPECT_GT(entropyThreshold(flat, 1.0, 128), 0.9);
}

TEST(Calibration, MseShrinksOutliers) {
  // Values in [0, 1] and one outlier at 100: keeping the outlier costs
  // every other value its precision.
  std::vector<double> counts(2048, 0.0);
  for (int b = 0; b < 21; ++b)
    counts[b] = 1000;
  counts[2047] = 1;
  auto [lo, hi] = mseRange(counts, 0, 100);
  EXPECT_EQ(lo, 0);
  EXPECT_LT(hi, 100);
  // Without the outlier, nothing to shrink.
  counts[2047] = 0;
  counts[2000] = 1000;
  std::tie(lo, hi) = mseRange(counts, 0, 100);
  EXPECT_GE(hi, 98);
}

TEST(Calibration, NoiseOfTheChosenRange) {
  // Values on the u8 grid of [0, 2.55] (scale 0.01) quantize exactly.
  TensorStatistics exact;
  std::vector<float> grid;
  for (int q = 0; q <= 255; ++q)
    grid.push_back(static_cast<float>(q * static_cast<double>(0.01f)));
  exact.observeRange(grid.data(), grid.size());
  exact.startNoise({0.0, 2.55});
  exact.observeNoise(grid.data(), grid.size());
  EXPECT_TRUE(std::isinf(exact.sqnr()) || exact.sqnr() > 100);
  EXPECT_EQ(exact.clippedFraction(), 0.0);
  // A range cut at half clips half of a uniform ramp: low SQNR.
  TensorStatistics cut;
  cut.observeRange(grid.data(), grid.size());
  cut.startNoise({0.0, 1.275});
  cut.observeNoise(grid.data(), grid.size());
  EXPECT_NEAR(cut.clippedFraction(), 0.5, 0.01);
  EXPECT_LT(cut.sqnr(), 10);
}

} // namespace
