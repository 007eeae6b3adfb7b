//===- LoweringUtils.h - shared pieces of the tg lowering --------*- C++
//-*-===//
//
// Private to passes/Conversion/GraphToLinalg: builders for the three
// primitives (broadcasting elementwise maps, reductions, index computations)
// and scalar arithmetic that picks float / signed / unsigned ops from the
// element type the value had in tg.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_CONVERSION_GRAPHTOLINALG_LOWERINGUTILS_H
#define TESSERA_CONVERSION_GRAPHTOLINALG_LOWERINGUTILS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/DialectConversion.h"

namespace tessera::lowering {

using mlir::Location;
using mlir::OpBuilder;
using mlir::Type;
using mlir::Value;
using mlir::ValueRange;

/// Builds the scalar body of an elementwise map from the block arguments of
/// the inputs (the output argument is not passed).
using ScalarBody = llvm::function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// Element kinds that decide which arith op to use. `tgType` is the element
/// type the value had in tg (unsigned types survive only there).
enum class Kind { Float, Signed, Unsigned, Bool };
Kind kindOf(Type tgElementType);

/// The converted (signless) tensor type of a tg value.
mlir::RankedTensorType convertedType(const mlir::TypeConverter &converter,
                                     Type type);

/// tensor.empty of `type`.
Value emptyTensor(OpBuilder &b, Location loc, mlir::RankedTensorType type);

/// A tensor of `type` filled with the scalar `value`.
Value filledTensor(OpBuilder &b, Location loc, mlir::RankedTensorType type,
                   Value value);

/// A scalar constant of `type` (float or integer) with value `v`.
Value scalarConstant(OpBuilder &b, Location loc, Type type, double v);

/// The largest or smallest value of a scalar type (-inf/+inf for floats).
Value extremeConstant(OpBuilder &b, Location loc, Type type, Kind kind,
                      bool largest);

/// a < c (`less`) or a > c for scalars of `kind` (ordered for floats,
/// unsigned for unsigned and bool).
Value compareScalars(OpBuilder &b, Location loc, Kind kind, Value a, Value c,
                     bool less);

/// An index constant.
Value indexConstant(OpBuilder &b, Location loc, int64_t v);

/// The indexing map reading `operandShape` while iterating `resultShape`
/// with numpy broadcasting (dimensions aligned on the right; size-1
/// dimensions of the operand read index 0).
mlir::AffineMap broadcastMap(mlir::MLIRContext *context,
                             llvm::ArrayRef<int64_t> operandShape,
                             llvm::ArrayRef<int64_t> resultShape);

/// linalg.generic over the iteration space of `resultType` (all parallel),
/// reading `inputs` with numpy broadcasting.
Value broadcastMap(OpBuilder &b, Location loc,
                   mlir::RankedTensorType resultType, ValueRange inputs,
                   ScalarBody body);

/// linalg.generic reducing `input` over `axes` into the shape without them,
/// starting from `init` and combining with `combine(accumulator, element)`.
Value reduce(
    OpBuilder &b, Location loc, Value input, llvm::ArrayRef<int64_t> axes,
    Value init,
    llvm::function_ref<Value(OpBuilder &, Location, Value, Value)> combine);

/// Reshapes a tensor with static shapes through collapse/expand.
Value reshape(OpBuilder &b, Location loc, Value input,
              mlir::RankedTensorType resultType);

/// Pads with `padValue` (negative pads crop). `low` and `high` have one
/// entry per dimension.
Value padConstant(OpBuilder &b, Location loc, Value input,
                  llvm::ArrayRef<int64_t> low, llvm::ArrayRef<int64_t> high,
                  Value padValue);

/// tensor.extract_slice / tensor.insert_slice with static positions.
Value extractSlice(OpBuilder &b, Location loc, Value source,
                   llvm::ArrayRef<int64_t> offsets,
                   llvm::ArrayRef<int64_t> sizes,
                   llvm::ArrayRef<int64_t> strides);
Value insertSlice(OpBuilder &b, Location loc, Value source, Value dest,
                  llvm::ArrayRef<int64_t> offsets,
                  llvm::ArrayRef<int64_t> strides);

/// Scalar arithmetic by kind.
Value add(OpBuilder &b, Location loc, Kind kind, Value x, Value y);
Value sub(OpBuilder &b, Location loc, Kind kind, Value x, Value y);
Value mul(OpBuilder &b, Location loc, Kind kind, Value x, Value y);
Value div(OpBuilder &b, Location loc, Kind kind, Value x, Value y);
Value maximum(OpBuilder &b, Location loc, Kind kind, Value x, Value y);
Value minimum(OpBuilder &b, Location loc, Kind kind, Value x, Value y);

/// An index-typed position from an i32/i64 element of an indices tensor,
/// negative values counting back from `extent` (ONNX gather/scatter rules).
Value indexFrom(OpBuilder &b, Location loc, Value raw, int64_t extent);

/// A linalg.generic over `type` whose body computes the source indices from
/// the result indices (and the optional inputs' elements, read through
/// `inputMaps`) and reads `source` with tensor.extract.
Value gatherGeneric(
    OpBuilder &b, Location loc, mlir::RankedTensorType type, Value source,
    ValueRange inputs, llvm::ArrayRef<mlir::AffineMap> inputMaps,
    llvm::function_ref<llvm::SmallVector<Value>(
        OpBuilder &, Location, ValueRange, llvm::ArrayRef<Value>)>
        sourceIndices);

/// Converts a scalar between element types with ONNX Cast semantics;
/// `from`/`to` are the tg element types.
Value castScalar(OpBuilder &b, Location loc, Value value, Type from, Type to);

} // namespace tessera::lowering

#endif // TESSERA_CONVERSION_GRAPHTOLINALG_LOWERINGUTILS_H
