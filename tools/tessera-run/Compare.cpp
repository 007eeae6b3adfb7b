//===- Compare.cpp - comparing a model's tensors with expected ones -------===//

#include "tools/tessera-run/Compare.h"

#include "tessera/runtime.h"

#include <cmath>
#include <cstdio>

using namespace tessera::run;

Comparison tessera::run::compareTensors(const HostTensor &actual,
                                        const HostTensor &expected,
                                        double rtol, double atol,
                                        bool normwise) {
  Comparison result;
  if (expected.dtype != actual.dtype || expected.dims != actual.dims) {
    result.typeMismatch = true;
    return result;
  }
  bool isFloat = actual.dtype == TESSERA_F32 || actual.dtype == TESSERA_F64 ||
                 actual.dtype == TESSERA_F16 || actual.dtype == TESSERA_BF16;
  double worstExcess = 0;
  result.elements = actual.numElements();
  double scale = 0;
  if (normwise)
    for (int64_t i = 0; i < result.elements; ++i) {
      double e = std::fabs(elementAsDouble(expected, i));
      if (std::isfinite(e) && e > scale)
        scale = e;
    }
  for (int64_t i = 0; i < result.elements; ++i) {
    double a = elementAsDouble(actual, i), e = elementAsDouble(expected, i);
    if ((std::isnan(a) && std::isnan(e)) || a == e)
      continue;
    double error = std::fabs(a - e);
    if (std::isfinite(error) && error > result.maxError)
      result.maxError = error;
    double allowed =
        isFloat ? atol + rtol * (normwise ? scale : std::fabs(e)) : 0.0;
    if (std::isnan(error) || error > allowed) {
      ++result.mismatches;
      double excess = std::isnan(error) ? INFINITY : error - allowed;
      if (result.worst < 0 || excess > worstExcess) {
        result.worst = i;
        worstExcess = excess;
        result.worstError = error;
      }
    }
  }
  return result;
}

std::string tessera::run::formatIndex(const std::vector<int64_t> &dims,
                                      int64_t flat) {
  std::vector<int64_t> index(dims.size());
  for (size_t d = dims.size(); d-- > 0;) {
    int64_t size = dims[d] > 0 ? dims[d] : 1;
    index[d] = flat % size;
    flat /= size;
  }
  std::string text = "[";
  for (size_t d = 0; d < index.size(); ++d)
    text += (d ? ", " : "") + std::to_string(index[d]);
  return text + "]";
}

std::string tessera::run::describeType(const HostTensor &tensor) {
  std::string text = tessera_dtype_name(tensor.dtype);
  text += "[";
  for (size_t d = 0; d < tensor.dims.size(); ++d)
    text += (d ? "x" : "") + std::to_string(tensor.dims[d]);
  return text + "]";
}

std::string tessera::run::describeMismatch(
    const std::string &what, const HostTensor &actual,
    const HostTensor &expected, const Comparison &comparison, double rtol,
    double atol, const char *got, const char *wanted) {
  if (comparison.typeMismatch)
    return what + ": " + wanted + " " + describeType(expected) + ", " + got +
           " " + describeType(actual);
  char text[512];
  std::snprintf(text, sizeof(text),
                ": %lld of %lld elements differ; worst at %s: %s %.9g, %s "
                "%.9g (abs error %.3g, rtol %g, atol %g)",
                static_cast<long long>(comparison.mismatches),
                static_cast<long long>(comparison.elements),
                formatIndex(actual.dims, comparison.worst).c_str(), got,
                elementAsDouble(actual, comparison.worst), wanted,
                elementAsDouble(expected, comparison.worst),
                comparison.worstError, rtol, atol);
  return what + text;
}
