//===- GraphOps.h - tg operations --------------------------------*- C++
//-*-===//

#ifndef TESSERA_DIALECT_GRAPH_IR_GRAPHOPS_H
#define TESSERA_DIALECT_GRAPH_IR_GRAPHOPS_H

#include "dialects/Graph/IR/GraphDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "tessera/Support/Shape.h"

#include "dialects/Graph/IR/GraphEnums.h.inc"

namespace tessera::tg {

/// What an op's inferResultTypes works with: where to report, the op's name
/// for messages, and where the result types go. Inference runs when a custom
/// form is parsed, when a builder omits result types and when an op is
/// verified, before the ODS type constraints are checked; so it checks what
/// it relies on and says what is wrong, once, for all three.
class InferContext {
public:
  InferContext(std::optional<mlir::Location> location, llvm::StringRef opName,
               llvm::SmallVectorImpl<mlir::Type> &results)
      : location(location), opName(opName), results(results) {}

  /// Emits "'<op>' op <message>" (when there is a location) and fails.
  llvm::LogicalResult error(const llvm::Twine &message) const;

  /// The static shape of `value`, or an error naming it as `what`.
  mlir::FailureOr<Shape> shapeOf(mlir::Value value, llvm::StringRef what) const;

  /// All `values` have one element type.
  llvm::LogicalResult sameElementType(mlir::ValueRange values) const;

  /// `axis` lies in [0, bound).
  llvm::LogicalResult checkAxis(int64_t axis, int64_t bound) const;

  /// `axes` are strictly increasing and lie in [0, rank).
  llvm::LogicalResult checkAxes(llvm::ArrayRef<int64_t> axes,
                                int64_t rank) const;

  /// Appends a result of `shape` and `elementType`.
  llvm::LogicalResult addResult(llvm::ArrayRef<int64_t> shape,
                                mlir::Type elementType);

  /// Appends the shape, or reports the message of a failed shape rule.
  llvm::LogicalResult addResultOrError(const ShapeOr &shape,
                                       mlir::Type elementType);

private:
  std::optional<mlir::Location> location;
  llvm::StringRef opName;
  llvm::SmallVectorImpl<mlir::Type> &results;
};

/// Result type of a broadcasting binary op.
llvm::LogicalResult inferBroadcastResult(InferContext &context, mlir::Value lhs,
                                         mlir::Value rhs, bool sameElementType,
                                         bool boolResult);

/// Result type of a reduction over `axes`.
llvm::LogicalResult inferReduceResult(InferContext &context, mlir::Value input,
                                      llvm::ArrayRef<int64_t> axes,
                                      bool keepDims);

/// Result type of arg_max / arg_min.
llvm::LogicalResult inferArgReduceResult(InferContext &context,
                                         mlir::Value input, int64_t axis,
                                         bool keepDims);

/// Result type of a global pooling op.
llvm::LogicalResult inferGlobalPoolResult(InferContext &context,
                                          mlir::Value input);

/// A reduction over no axes is its input.
mlir::OpFoldResult foldEmptyReduction(mlir::Operation *op,
                                      llvm::ArrayRef<int64_t> axes);

/// A `!quant.uniform` element type tg admits: per tensor or per axis, 8- or
/// 16-bit storage over its full range, expressed in f16, bf16 or f32.
bool isTGQuantizedType(mlir::Type type);

/// The integer tensor element type that stores quantized elements of `type`
/// in tg: ui8/ui16 for unsigned storage, i8/i16 for signed.
mlir::Type storageElementType(mlir::Type quantizedType);

} // namespace tessera::tg

#define GET_OP_CLASSES
#include "dialects/Graph/IR/GraphOps.h.inc"

#endif // TESSERA_DIALECT_GRAPH_IR_GRAPHOPS_H
