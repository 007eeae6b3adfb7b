//===- Shape.cpp - Shape arithmetic with ONNX semantics -------------------===//

#include "tessera/Support/Shape.h"
#include "tessera/runtime.h"

#include <algorithm>
#include <sstream>

namespace tessera {

namespace {
std::string formatList(const std::vector<int64_t> &values) {
  std::ostringstream os;
  os << '[';
  for (size_t i = 0; i < values.size(); ++i)
    os << (i ? ", " : "") << values[i];
  os << ']';
  return os.str();
}

bool allAtLeast(const std::vector<int64_t> &values, int64_t bound) {
  return std::all_of(values.begin(), values.end(),
                     [&](int64_t v) { return v >= bound; });
}
} // namespace

/// Rank and group checks shared by conv and conv_transpose.
static std::string checkConvOperands(const Shape &input, const Shape &weight,
                                     int64_t group) {
  if (input.size() < 3)
    return "input must have rank >= 3 (N x C x spatial...), got " +
           formatList(input);
  if (weight.size() != input.size())
    return "weight " + formatList(weight) + " must have the rank of input " +
           formatList(input);
  if (group < 1)
    return "group must be >= 1, got " + std::to_string(group);
  return "";
}

std::string formatShape(const Shape &shape) { return formatList(shape); }

static_assert(kMaxTensorBytes == TESSERA_MAX_TENSOR_BYTES,
              "the compiler's tensor limit is the runtime's");

bool fitsTensorLimit(const Shape &shape, uint64_t elementBits) {
  uint64_t bytes = std::max<uint64_t>((elementBits + 7) / 8, 1);
  for (int64_t d : shape) {
    if (d < 0)
      continue; // dynamic
    if (d != 0 && bytes > kMaxTensorBytes / static_cast<uint64_t>(d))
      return false;
    bytes *= static_cast<uint64_t>(d);
  }
  return bytes <= kMaxTensorBytes;
}

int64_t numElements(const Shape &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

ShapeOr broadcastShapes(const Shape &lhs, const Shape &rhs) {
  size_t rank = std::max(lhs.size(), rhs.size());
  Shape result(rank);
  for (size_t i = 0; i < rank; ++i) {
    // Align from the right.
    int64_t l = i < rank - lhs.size() ? 1 : lhs[i - (rank - lhs.size())];
    int64_t r = i < rank - rhs.size() ? 1 : rhs[i - (rank - rhs.size())];
    if (l != r && l != 1 && r != 1)
      return ShapeOr::error("operand shapes " + formatShape(lhs) + " and " +
                            formatShape(rhs) + " are not broadcast-compatible");
    result[i] = l == 1 ? r : l;
  }
  return result;
}

bool isBroadcastableTo(const Shape &from, const Shape &to) {
  if (from.size() > to.size())
    return false;
  size_t offset = to.size() - from.size();
  for (size_t i = 0; i < from.size(); ++i)
    if (from[i] != 1 && from[i] != to[i + offset])
      return false;
  return true;
}

ShapeOr matmulShape(const Shape &lhs, const Shape &rhs) {
  if (lhs.empty() || rhs.empty())
    return ShapeOr::error("matmul operands must have rank >= 1");
  Shape a = lhs, b = rhs;
  bool lhsVector = a.size() == 1, rhsVector = b.size() == 1;
  if (lhsVector)
    a.insert(a.begin(), 1);
  if (rhsVector)
    b.push_back(1);
  int64_t k = a.back(), kb = b[b.size() - 2];
  if (k != kb)
    return ShapeOr::error("contraction dimensions differ: lhs " +
                          formatShape(lhs) + " has " + std::to_string(k) +
                          ", rhs " + formatShape(rhs) + " has " +
                          std::to_string(kb));
  Shape batchA(a.begin(), a.end() - 2), batchB(b.begin(), b.end() - 2);
  ShapeOr batch = broadcastShapes(batchA, batchB);
  if (!batch)
    return ShapeOr::error("batch dimensions of " + formatShape(lhs) + " and " +
                          formatShape(rhs) + " are not broadcast-compatible");
  Shape result = batch.shape();
  if (!lhsVector)
    result.push_back(a[a.size() - 2]);
  if (!rhsVector)
    result.push_back(b.back());
  return result;
}

std::string checkWindowParams(const WindowParams &p, size_t spatialRank) {
  auto sizeError = [&](const char *name, size_t got, size_t want) {
    return std::string("expected ") + std::to_string(want) + " " + name +
           " values for " + std::to_string(spatialRank) +
           " spatial dimensions, got " + std::to_string(got);
  };
  if (p.kernel.size() != spatialRank)
    return sizeError("kernel", p.kernel.size(), spatialRank);
  if (p.strides.size() != spatialRank)
    return sizeError("stride", p.strides.size(), spatialRank);
  if (p.dilations.size() != spatialRank)
    return sizeError("dilation", p.dilations.size(), spatialRank);
  if (p.pads.size() != 2 * spatialRank)
    return sizeError("pad", p.pads.size(), 2 * spatialRank);
  if (!allAtLeast(p.kernel, 1))
    return "kernel sizes must be >= 1, got " + formatList(p.kernel);
  if (!allAtLeast(p.strides, 1))
    return "strides must be >= 1, got " + formatList(p.strides);
  if (!allAtLeast(p.dilations, 1))
    return "dilations must be >= 1, got " + formatList(p.dilations);
  if (!allAtLeast(p.pads, 0))
    return "pads must be >= 0, got " + formatList(p.pads);
  // Bounded so that the window arithmetic ((kernel - 1) * dilation + 1,
  // plus dims of at most 2^48) cannot overflow int64.
  constexpr int64_t kMaxWindowParam = int64_t(1) << 31;
  for (const auto *list : {&p.kernel, &p.strides, &p.dilations, &p.pads})
    for (int64_t v : *list)
      if (v > kMaxWindowParam)
        return "window parameter " + std::to_string(v) +
               " is out of range (at most 2^31)";
  return "";
}

ShapeOr windowOutputDims(const Shape &dims, const WindowParams &p) {
  std::string error = checkWindowParams(p, dims.size());
  if (!error.empty())
    return ShapeOr::error(error);
  size_t k = dims.size();
  Shape out(k);
  for (size_t i = 0; i < k; ++i) {
    int64_t effective = (p.kernel[i] - 1) * p.dilations[i] + 1;
    int64_t padded = dims[i] + p.pads[i] + p.pads[i + k];
    if (padded < effective)
      return ShapeOr::error("window of extent " + std::to_string(effective) +
                            " does not fit the padded input extent " +
                            std::to_string(padded) + " of spatial dimension " +
                            std::to_string(i));
    int64_t span = padded - effective;
    int64_t o = (p.ceilMode ? (span + p.strides[i] - 1) / p.strides[i]
                            : span / p.strides[i]) +
                1;
    // A window must start inside the input or its begin padding.
    if (p.ceilMode && (o - 1) * p.strides[i] >= dims[i] + p.pads[i])
      --o;
    out[i] = o;
  }
  return out;
}

ShapeOr convShape(const Shape &input, const Shape &weight,
                  const std::vector<int64_t> &strides,
                  const std::vector<int64_t> &dilations,
                  const std::vector<int64_t> &pads, int64_t group) {
  std::string error = checkConvOperands(input, weight, group);
  if (!error.empty())
    return ShapeOr::error(error);
  if (input[1] != weight[1] * group)
    return ShapeOr::error("input channels " + std::to_string(input[1]) +
                          " must equal weight dim 1 (" +
                          std::to_string(weight[1]) + ") times group (" +
                          std::to_string(group) + ")");
  if (weight[0] % group != 0)
    return ShapeOr::error("output channels " + std::to_string(weight[0]) +
                          " are not divisible by group " +
                          std::to_string(group));
  WindowParams params{Shape(weight.begin() + 2, weight.end()), strides,
                      dilations, pads, false};
  ShapeOr spatial =
      windowOutputDims(Shape(input.begin() + 2, input.end()), params);
  if (!spatial)
    return spatial;
  Shape result{input[0], weight[0]};
  result.insert(result.end(), spatial.shape().begin(), spatial.shape().end());
  return result;
}

ShapeOr convTransposeShape(const Shape &input, const Shape &weight,
                           const std::vector<int64_t> &strides,
                           const std::vector<int64_t> &dilations,
                           const std::vector<int64_t> &pads,
                           const std::vector<int64_t> &outputPadding,
                           int64_t group) {
  std::string error = checkConvOperands(input, weight, group);
  if (!error.empty())
    return ShapeOr::error(error);
  if (input[1] != weight[0])
    return ShapeOr::error("input channels " + std::to_string(input[1]) +
                          " must equal weight dim 0 (" +
                          std::to_string(weight[0]) + ")");
  if (input[1] % group != 0)
    return ShapeOr::error("input channels " + std::to_string(input[1]) +
                          " are not divisible by group " +
                          std::to_string(group));
  size_t k = input.size() - 2;
  WindowParams params{Shape(weight.begin() + 2, weight.end()), strides,
                      dilations, pads, false};
  error = checkWindowParams(params, k);
  if (!error.empty())
    return ShapeOr::error(error);
  if (outputPadding.size() != k)
    return ShapeOr::error("expected " + std::to_string(k) +
                          " output_padding values, got " +
                          std::to_string(outputPadding.size()));
  if (!allAtLeast(outputPadding, 0))
    return ShapeOr::error("output_padding must be >= 0, got " +
                          formatList(outputPadding));
  // In 128 bits: strides up to 2^31 times dims up to 2^48.
  constexpr __int128 kMaxDim = __int128(1) << 48;
  __int128 channels = __int128(weight[1]) * group;
  if (channels > kMaxDim)
    return ShapeOr::error("output channels overflow");
  Shape result{input[0], static_cast<int64_t>(channels)};
  for (size_t i = 0; i < k; ++i) {
    if (outputPadding[i] > (int64_t(1) << 31))
      return ShapeOr::error("output_padding " + formatList(outputPadding) +
                            " is out of range");
    __int128 o = __int128(strides[i]) * (input[i + 2] - 1) + outputPadding[i] +
                 __int128(params.kernel[i] - 1) * dilations[i] + 1 - pads[i] -
                 pads[i + k];
    if (o < 1)
      return ShapeOr::error("pads " + formatList(pads) +
                            " leave no output along spatial dimension " +
                            std::to_string(i));
    if (o > kMaxDim)
      return ShapeOr::error("the output along spatial dimension " +
                            std::to_string(i) + " exceeds 2^48");
    result.push_back(static_cast<int64_t>(o));
  }
  return result;
}

ShapeOr poolShape(const Shape &input, const WindowParams &params) {
  if (input.size() < 3)
    return ShapeOr::error("input must have rank >= 3 (N x C x spatial...), "
                          "got " +
                          formatShape(input));
  size_t k = input.size() - 2;
  std::string error = checkWindowParams(params, k);
  if (!error.empty())
    return ShapeOr::error(error);
  for (size_t i = 0; i < k; ++i)
    if (params.pads[i] >= params.kernel[i] ||
        params.pads[i + k] >= params.kernel[i])
      return ShapeOr::error("pads " + formatList(params.pads) +
                            " must be smaller than the kernel " +
                            formatList(params.kernel));
  ShapeOr spatial =
      windowOutputDims(Shape(input.begin() + 2, input.end()), params);
  if (!spatial)
    return spatial;
  Shape result{input[0], input[1]};
  result.insert(result.end(), spatial.shape().begin(), spatial.shape().end());
  return result;
}

std::string checkSortedAxes(const std::vector<int64_t> &axes, int64_t rank) {
  for (size_t i = 0; i < axes.size(); ++i) {
    if (axes[i] < 0 || axes[i] >= rank)
      return "axis " + std::to_string(axes[i]) + " is out of range [0, " +
             std::to_string(rank) + ")";
    if (i > 0 && axes[i] <= axes[i - 1])
      return "axes " + formatList(axes) + " must be strictly increasing";
  }
  return "";
}

Shape reduceShape(const Shape &input, const std::vector<int64_t> &axes,
                  bool keepDims) {
  Shape result;
  for (size_t i = 0; i < input.size(); ++i) {
    bool reduced = std::find(axes.begin(), axes.end(),
                             static_cast<int64_t>(i)) != axes.end();
    if (!reduced)
      result.push_back(input[i]);
    else if (keepDims)
      result.push_back(1);
  }
  return result;
}

ShapeOr reshapeTarget(const Shape &input, const std::vector<int64_t> &shape,
                      bool allowZero) {
  Shape result = shape;
  int64_t known = 1, inferred = -1, total = numElements(input);
  for (size_t i = 0; i < result.size(); ++i) {
    if (result[i] == 0 && !allowZero) {
      if (i >= input.size())
        return ShapeOr::error("shape entry " + std::to_string(i) +
                              " is 0 (copy) but the input has rank " +
                              std::to_string(input.size()));
      result[i] = input[i];
    }
    if (result[i] == -1) {
      if (inferred >= 0)
        return ShapeOr::error("shape " + formatList(shape) +
                              " has more than one -1");
      inferred = i;
      continue;
    }
    if (result[i] < 0)
      return ShapeOr::error("shape entry " + std::to_string(result[i]) +
                            " is invalid");
    known *= result[i];
  }
  if (inferred >= 0) {
    if (known == 0 || total % known != 0)
      return ShapeOr::error("cannot infer the -1 of shape " +
                            formatList(shape) + " for " +
                            std::to_string(total) + " elements");
    result[inferred] = total / known;
  }
  if (numElements(result) != total)
    return ShapeOr::error("cannot reshape " + std::to_string(total) +
                          " elements " + formatList(input) + " to " +
                          formatList(result));
  return result;
}

SliceParams onnxSlice(const Shape &input, const std::vector<int64_t> &starts,
                      const std::vector<int64_t> &ends,
                      std::vector<int64_t> axes, std::vector<int64_t> steps) {
  SliceParams p;
  int64_t rank = input.size();
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(i);
  if (steps.empty())
    steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size()) {
    p.error = "starts, ends, axes and steps must have one length";
    return p;
  }
  p.offsets.assign(rank, 0);
  p.sizes = input;
  p.steps.assign(rank, 1);
  std::vector<bool> seen(rank, false);
  for (size_t i = 0; i < starts.size(); ++i) {
    int64_t axis = axes[i] < 0 ? axes[i] + rank : axes[i];
    if (axis < 0 || axis >= rank || seen[axis]) {
      p.error = "axis " + std::to_string(axes[i]) +
                " is out of range or repeated for rank " + std::to_string(rank);
      return p;
    }
    seen[axis] = true;
    int64_t n = input[axis], step = steps[i];
    if (step == 0) {
      p.error = "step of axis " + std::to_string(axis) + " is zero";
      return p;
    }
    int64_t start = starts[i], end = ends[i];
    // Wrap negatives without overflowing on INT64_MIN-like sentinels.
    if (start < 0)
      start = start < -n ? -1 : start + n;
    if (end < 0)
      end = end < -n ? -1 : end + n;
    int64_t size;
    if (step > 0) {
      start = std::clamp<int64_t>(start, 0, n);
      end = std::clamp<int64_t>(end, 0, n);
      size = end > start ? (end - start + step - 1) / step : 0;
    } else {
      start = std::clamp<int64_t>(start, 0, n - 1);
      end = std::clamp<int64_t>(end, -1, n - 1);
      size = start > end ? (start - end + (-step) - 1) / (-step) : 0;
    }
    p.offsets[axis] = size > 0 ? start : 0;
    p.sizes[axis] = size;
    p.steps[axis] = step;
  }
  return p;
}

} // namespace tessera
