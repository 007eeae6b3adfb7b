//===- Compare.h - comparing a model's tensors with expected ones -*- C++ -*-===//

#ifndef TESSERA_TOOLS_TESSERA_RUN_COMPARE_H
#define TESSERA_TOOLS_TESSERA_RUN_COMPARE_H

#include "tools/tessera-run/TensorIO.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tessera::run {

/// How `actual` compares with `expected`: floats within tolerance (NaN
/// matches NaN), integers and booleans when equal.
struct Comparison {
  /// The dtypes or dims differ: nothing below is set.
  bool typeMismatch = false;
  int64_t elements = 0, mismatches = 0;
  /// The mismatch furthest past its tolerance (-1 when none), its error.
  int64_t worst = -1;
  double worstError = 0;
  /// The largest finite |a - e| over every element.
  double maxError = 0;
  bool ok() const { return !typeMismatch && mismatches == 0; }
};

/// Elementwise (the default), a float matches when |a - e| <= atol + rtol
/// |e|; normwise, when |a - e| <= atol + rtol max|e| over the tensor, which
/// does not flag the rounding noise of values near zero in a tensor of
/// large ones.
Comparison compareTensors(const HostTensor &actual, const HostTensor &expected,
                          double rtol, double atol, bool normwise = false);

/// The row-major index of element `flat` of a tensor of `dims`, as
/// "[0, 3, 1, 2]" ("[]" for a scalar).
std::string formatIndex(const std::vector<int64_t> &dims, int64_t flat);

/// "f32[1x3x8x8]".
std::string describeType(const HostTensor &tensor);

/// One line about a failed comparison of the tensor called `what`:
/// "'y': 6 of 24 elements differ; worst at [1, 2]: got 0.6, expected 0.5
/// (abs error 0.1, rtol 0.001, atol 0.0001)". `got` and `expected` name the
/// two sides.
std::string describeMismatch(const std::string &what, const HostTensor &actual,
                             const HostTensor &expected,
                             const Comparison &comparison, double rtol,
                             double atol, const char *got = "got",
                             const char *wanted = "expected");

} // namespace tessera::run

#endif // TESSERA_TOOLS_TESSERA_RUN_COMPARE_H
