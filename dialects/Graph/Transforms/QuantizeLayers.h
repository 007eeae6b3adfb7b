//===- QuantizeLayers.h - what post-training quantization considers -*- C++
//-*-===//
//
// The layers tg-expose-quantize-points and tg-insert-quantize number (f32
// tg.conv, tg.conv_transpose and tg.matmul in program order), as the
// quantizer's driver and report see them. Light: no MLIR headers.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_DIALECT_GRAPH_TRANSFORMS_QUANTIZELAYERS_H
#define TESSERA_DIALECT_GRAPH_TRANSFORMS_QUANTIZELAYERS_H

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mlir {
class Operation;
} // namespace mlir

namespace tessera::tg {

struct QuantizeLayerInfo {
  /// The ONNX node (its location's name; "" when it has none).
  std::string name;
  /// The tg op: "tg.conv", "tg.matmul", "tg.conv_transpose".
  std::string kind;
  /// Whether tg-insert-quantize can give it int8 operands; else `reason`.
  bool quantizable = false;
  std::string reason;
  /// The points (activation operands) it reads, in operand order.
  std::vector<int64_t> points;
};

/// The layers of `function` (a func.func) in the passes' numbering.
std::vector<QuantizeLayerInfo>
describeQuantizeLayers(mlir::Operation *function);

/// The u8 scale (an f32) and zero point tg-insert-quantize gives an
/// activation calibrated to [lo, hi]: the range widened to hold 0 (so
/// that zero padding is exact), scale = (hi - lo) / 255, zero point
/// round(-lo / scale); scale 1, zero point 0 for an empty range.
std::pair<float, int64_t> activationParameters(double lo, double hi);

/// The result names tg-expose-quantize-points gives point `i` and layer `i`.
std::string quantizePointResultName(int64_t point);
std::string quantizeLayerResultName(int64_t layer);

} // namespace tessera::tg

#endif // TESSERA_DIALECT_GRAPH_TRANSFORMS_QUANTIZELAYERS_H
