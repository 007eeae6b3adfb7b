//===- Patterns.h - pattern groups of the tg lowering ------------*- C++
//-*-===//

#ifndef TESSERA_CONVERSION_GRAPHTOLINALG_PATTERNS_H
#define TESSERA_CONVERSION_GRAPHTOLINALG_PATTERNS_H

namespace mlir {
class RewritePatternSet;
class TypeConverter;
} // namespace mlir

namespace tessera::lowering {

/// Constants, unary, binary, compare, where, cast and expand.
void populateElementwiseLoweringPatterns(const mlir::TypeConverter &converter,
                                         mlir::RewritePatternSet &patterns);

/// matmul, conv, conv_transpose and pooling.
void populateContractionLoweringPatterns(const mlir::TypeConverter &converter,
                                         mlir::RewritePatternSet &patterns);

/// Reductions, softmax, batch_norm and layer_norm.
void populateReductionLoweringPatterns(const mlir::TypeConverter &converter,
                                       mlir::RewritePatternSet &patterns);

/// Resize, with tap tables computed at compile time.
void populateResizeLoweringPatterns(const mlir::TypeConverter &converter,
                                    mlir::RewritePatternSet &patterns);

/// Reshape-like ops, transpose, concat, slice, gather, pad, split.
void populateDataMovementLoweringPatterns(const mlir::TypeConverter &converter,
                                          mlir::RewritePatternSet &patterns);

/// quantize, dequantize and storage_cast (quantized tensors become their
/// storage integers).
void populateQuantizedLoweringPatterns(const mlir::TypeConverter &converter,
                                       mlir::RewritePatternSet &patterns);

/// gather_nd, scatter_elements, scatter_nd, top_k.
/// NonZero and NonMaxSuppression: bounded results and their counts.
void populateBoundedLoweringPatterns(const mlir::TypeConverter &converter,
                                     mlir::RewritePatternSet &patterns);
void populateIndexingLoweringPatterns(const mlir::TypeConverter &converter,
                                     mlir::RewritePatternSet &patterns);

} // namespace tessera::lowering

#endif // TESSERA_CONVERSION_GRAPHTOLINALG_PATTERNS_H
