//===- GraphBuild.h - create tg ops that may be invalid ----------*- C++
//-*-===//
//
// Front ends (the ONNX importer, the graph builder) create tg ops from user
// input that may be inconsistent. The ODS builders of ops with inferred
// result types abort on an inference failure; these helpers instead report
// the op's own diagnostic (through the context's handler) and fail. Ops whose
// operands are constants are folded on the spot, so shape computations
// collapse while a graph is built.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_DIALECT_GRAPH_IR_GRAPHBUILD_H
#define TESSERA_DIALECT_GRAPH_IR_GRAPHBUILD_H

#include "dialects/Graph/IR/GraphOps.h"

#include "mlir/IR/Builders.h"

namespace tessera::tg {

/// Creates the op in `state` with `types`, verifies it and folds it.
mlir::FailureOr<llvm::SmallVector<mlir::Value>>
finishGraphOp(mlir::OpBuilder &builder, mlir::OperationState &state,
              llvm::ArrayRef<mlir::Type> types);

/// Fills the properties of `state` from `attributes` for OpTy.
template <typename OpTy>
mlir::LogicalResult setGraphOpProperties(mlir::OperationState &state,
                                         mlir::DictionaryAttr attributes) {
  using Properties = typename OpTy::Properties;
  if constexpr (!std::is_same_v<Properties, mlir::EmptyProperties>) {
    Properties &properties = state.getOrAddProperties<Properties>();
    return OpTy::setPropertiesFromAttr(properties, attributes, [&] {
      return mlir::emitError(state.location);
    });
  }
  return mlir::success();
}

/// A tg op whose result types are inferred.
template <typename OpTy>
mlir::FailureOr<llvm::SmallVector<mlir::Value>>
buildGraphOp(mlir::OpBuilder &builder, mlir::Location loc,
             mlir::ValueRange operands,
             llvm::ArrayRef<mlir::NamedAttribute> attributes = {}) {
  mlir::MLIRContext *context = builder.getContext();
  mlir::OperationState state(loc, OpTy::getOperationName());
  state.addOperands(operands);
  auto dictionary = mlir::DictionaryAttr::get(context, attributes);
  if (mlir::failed(setGraphOpProperties<OpTy>(state, dictionary)))
    return mlir::failure();
  llvm::SmallVector<mlir::Type> types;
  if (mlir::failed(OpTy::inferReturnTypes(context, loc, state.operands,
                                          dictionary, state.getRawProperties(),
                                          {}, types)))
    return mlir::failure();
  return finishGraphOp(builder, state, types);
}

/// A tg op whose result type is given (reshape, cast, expand, resize).
template <typename OpTy>
mlir::FailureOr<mlir::Value>
buildTypedGraphOp(mlir::OpBuilder &builder, mlir::Location loc,
                  mlir::Type resultType, mlir::ValueRange operands,
                  llvm::ArrayRef<mlir::NamedAttribute> attributes = {}) {
  mlir::OperationState state(loc, OpTy::getOperationName());
  state.addOperands(operands);
  if (mlir::failed(setGraphOpProperties<OpTy>(
          state, mlir::DictionaryAttr::get(builder.getContext(), attributes))))
    return mlir::failure();
  auto results = finishGraphOp(builder, state, {resultType});
  if (mlir::failed(results))
    return mlir::failure();
  return results->front();
}

/// (lhs - lhsZeros) x (rhs - rhsZeros) summed exactly in i32, for 8-bit
/// lhs and rhs (i8 or ui8, numpy.matmul shapes): tg.matmul_integer of the
/// stored values with the zero points applied around it,
///   acc - lhsZero * (colsum(rhs) - K * rhsZero) - rhsZero * rowsum(lhs)
/// `lhsZeros` holds one value, or one per row of a rank >= 2 lhs (a
/// convolution's filter quantized per output channel); `rhsZeros` one, or
/// one per column of a rank >= 2 rhs. The sums of a constant operand are
/// computed now, as constants.
mlir::FailureOr<mlir::Value>
buildZeroPointMatMul(mlir::OpBuilder &builder, mlir::Location loc,
                     mlir::Value lhs, llvm::ArrayRef<int64_t> lhsZeros,
                     mlir::Value rhs, llvm::ArrayRef<int64_t> rhsZeros);

/// (x - xZero) convolved with (w - wZeros), one group, summed exactly in
/// i32, for 8-bit x [N, C, D...] and w [F, C, K...]: the filter as [F, C*T]
/// (T taps) times x's im2col columns [N, C*T, P] (P output positions) by
/// buildZeroPointMatMul, reshaped to [N, F, O...]. The columns are x padded
/// with its zero point (the real 0: padding adds nothing), one strided
/// slice per tap, stacked along a new axis (k = c * T + t, the filter's
/// order). `wZeros` holds one value or one per output channel; `pads` the
/// begin pads, then the end pads.
mlir::FailureOr<mlir::Value>
buildZeroPointConv(mlir::OpBuilder &builder, mlir::Location loc,
                   mlir::Value x, int64_t xZero, mlir::Value w,
                   llvm::ArrayRef<int64_t> wZeros,
                   llvm::ArrayRef<int64_t> strides,
                   llvm::ArrayRef<int64_t> pads,
                   llvm::ArrayRef<int64_t> dilations);

} // namespace tessera::tg

#endif // TESSERA_DIALECT_GRAPH_IR_GRAPHBUILD_H
