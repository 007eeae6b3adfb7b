//===- Passes.h - Tessera conversion passes ----------------------*- C++
//-*-===//

#ifndef TESSERA_CONVERSION_PASSES_H
#define TESSERA_CONVERSION_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
class TypeConverter;
} // namespace mlir

namespace tessera {

#define GEN_PASS_DECL
#include "passes/Conversion/Passes.h.inc"

/// Converts tensor types with unsigned elements to signless ones; every other
/// type is kept.
void populateGraphToLinalgTypeConversion(mlir::TypeConverter &converter);

/// Patterns lowering every tg op; `converter` must come from
/// populateGraphToLinalgTypeConversion.
void populateGraphToLinalgConversionPatterns(
    const mlir::TypeConverter &converter, mlir::RewritePatternSet &patterns);

#define GEN_PASS_REGISTRATION
#include "passes/Conversion/Passes.h.inc"

} // namespace tessera

#endif // TESSERA_CONVERSION_PASSES_H
