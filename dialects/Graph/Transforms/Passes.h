//===- Passes.h - tg graph passes --------------------------------*- C++
//-*-===//

#ifndef TESSERA_DIALECT_GRAPH_TRANSFORMS_PASSES_H
#define TESSERA_DIALECT_GRAPH_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
} // namespace mlir

namespace tessera::tg {

#define GEN_PASS_DECL
#include "dialects/Graph/Transforms/Passes.h.inc"

/// Patterns of tg-fold-batch-norm: conv + batch_norm with constant
/// parameters into one conv.
void populateFoldBatchNormPatterns(mlir::RewritePatternSet &patterns);

/// Patterns of tg-group-quantized: matmuls of dequantized operands on their
/// stored integers, and the requantization of such products.
void populateGroupQuantizedPatterns(mlir::RewritePatternSet &patterns);

#define GEN_PASS_REGISTRATION
#include "dialects/Graph/Transforms/Passes.h.inc"

} // namespace tessera::tg

#endif // TESSERA_DIALECT_GRAPH_TRANSFORMS_PASSES_H
