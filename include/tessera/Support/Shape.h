//===- Shape.h - Shape arithmetic with ONNX semantics ------------*- C++
//-*-===//
//
// Pure shape computations shared by the `tg` verifiers and type inference, the
// graph builder and the ONNX importer. No MLIR types: every function takes
// dimension lists and returns either the result shape or an error message, so
// the same wording reaches a user whichever front end they came through.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_SUPPORT_SHAPE_H
#define TESSERA_SUPPORT_SHAPE_H

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tessera {

using Shape = std::vector<int64_t>;

/// A shape or the reason there is none. Messages are lowercase, without a
/// trailing period, ready to follow "'tg.op' op ".
class ShapeOr {
public:
  ShapeOr(Shape shape) : shape_(std::move(shape)) {}
  static ShapeOr error(std::string message) {
    ShapeOr result{Shape{}};
    result.error_ = std::move(message);
    result.failed_ = true;
    return result;
  }
  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Shape &shape() const { return shape_; }
  const std::string &message() const { return error_; }

private:
  Shape shape_;
  std::string error_;
  bool failed_ = false;
};

/// Formats a shape as "[2, 3, 4]".
std::string formatShape(const Shape &shape);

/// Number of elements of a static shape.
int64_t numElements(const Shape &shape);

/// The largest tensor Tessera compiles: 2^48 bytes (the runtime's
/// TESSERA_MAX_TENSOR_BYTES).
constexpr uint64_t kMaxTensorBytes = uint64_t(1) << 48;

/// Whether a tensor of `shape` (static: dynamic dims are skipped) and
/// elements of `elementBits` bits holds at most kMaxTensorBytes, computed
/// without overflow.
bool fitsTensorLimit(const Shape &shape, uint64_t elementBits);

/// Multidirectional (numpy) broadcasting of two shapes.
ShapeOr broadcastShapes(const Shape &lhs, const Shape &rhs);

/// True when `from` broadcasts to exactly `to` (unidirectional broadcasting).
bool isBroadcastableTo(const Shape &from, const Shape &to);

/// numpy.matmul: 1-D operands are promoted and the added dimension removed
/// again; batch dimensions broadcast.
ShapeOr matmulShape(const Shape &lhs, const Shape &rhs);

/// Parameters of a sliding-window op over the trailing spatial dimensions of
/// an N x C x D1 x ... x Dk tensor. `pads` holds the k begin values followed
/// by the k end values, as in ONNX.
struct WindowParams {
  std::vector<int64_t> kernel;
  std::vector<int64_t> strides;
  std::vector<int64_t> dilations;
  std::vector<int64_t> pads;
  bool ceilMode = false;
};

/// Checks attribute sizes and ranges of a window over `spatialRank` dims.
std::string checkWindowParams(const WindowParams &params, size_t spatialRank);

/// Output sizes of a window op (conv, pooling) for the given spatial input
/// dims; fails when the effective kernel does not fit the padded input.
ShapeOr windowOutputDims(const Shape &spatialDims, const WindowParams &params);

/// Result shape of ONNX Conv: input N x C x D..., weight M x C/group x K...
ShapeOr convShape(const Shape &input, const Shape &weight,
                  const std::vector<int64_t> &strides,
                  const std::vector<int64_t> &dilations,
                  const std::vector<int64_t> &pads, int64_t group);

/// Result shape of ONNX ConvTranspose: input N x C x D..., weight
/// C x M/group x K...; `pads` are the explicit pads after resolving
/// output_shape/auto_pad.
ShapeOr convTransposeShape(const Shape &input, const Shape &weight,
                           const std::vector<int64_t> &strides,
                           const std::vector<int64_t> &dilations,
                           const std::vector<int64_t> &pads,
                           const std::vector<int64_t> &outputPadding,
                           int64_t group);

/// Result shape of MaxPool/AveragePool.
ShapeOr poolShape(const Shape &input, const WindowParams &params);

/// Checks that `axes` are valid, strictly increasing, non-negative axes of a
/// tensor of rank `rank`; returns an error message or "".
std::string checkSortedAxes(const std::vector<int64_t> &axes, int64_t rank);

/// Result shape of a reduction over `axes` (already checked).
Shape reduceShape(const Shape &input, const std::vector<int64_t> &axes,
                  bool keepDims);

/// The shape an ONNX Reshape produces: one entry may be -1 (inferred), 0
/// copies the input's dimension unless `allowZero`.
ShapeOr reshapeTarget(const Shape &input, const std::vector<int64_t> &shape,
                      bool allowZero);

/// tg.slice parameters (offset, size and step per dimension) of an ONNX
/// Slice: starts/ends clamped and negative-wrapped, axes may be negative or
/// omitted (all, in order), steps default to 1.
struct SliceParams {
  std::vector<int64_t> offsets, sizes, steps;
  std::string error; // non-empty when the arguments are invalid
};
SliceParams onnxSlice(const Shape &input, const std::vector<int64_t> &starts,
                      const std::vector<int64_t> &ends,
                      std::vector<int64_t> axes, std::vector<int64_t> steps);

} // namespace tessera

#endif // TESSERA_SUPPORT_SHAPE_H
