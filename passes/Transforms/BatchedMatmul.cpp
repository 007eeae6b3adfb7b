//===- BatchedMatmul.cpp - a batch of rows times one matrix as a matmul ---===//
//
// MatMul of [batch..., M, K] by a 2-D [K, N] lowers to a linalg.generic over
// (batch..., m, n, k). On contiguous buffers the batch and row dimensions
// of the left operand and the result merge for free, and the op is one 2-D
// linalg.matmul [batch * M, K] x [K, N], which the register-tiled kernel
// then takes (fully connected layers on sequences, for instance).
//
//===----------------------------------------------------------------------===//

#include "passes/Transforms/CPUKernels.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;

namespace {

bool isDim(AffineExpr expr, unsigned position) {
  auto dim = dyn_cast<AffineDimExpr>(expr);
  return dim && dim.getPosition() == position;
}

/// Whether the body is out + lhs * rhs on f32, in any operand order.
bool isMultiplyAccumulate(linalg::GenericOp op) {
  Block &body = op.getRegion().front();
  if (body.getOperations().size() != 3)
    return false;
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto add = yield.getValues()[0].getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  Value lhs = body.getArgument(0), rhs = body.getArgument(1),
        out = body.getArgument(2);
  auto productOf = [&](Value value) {
    auto mul = value.getDefiningOp<arith::MulFOp>();
    return mul && ((mul.getLhs() == lhs && mul.getRhs() == rhs) ||
                   (mul.getLhs() == rhs && mul.getRhs() == lhs));
  };
  return (add.getLhs() == out && productOf(add.getRhs())) ||
         (add.getRhs() == out && productOf(add.getLhs()));
}

bool flatten(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1)
    return false;
  Value lhs = op.getDpsInputs()[0], rhs = op.getDpsInputs()[1],
        out = op.getDpsInits()[0];
  if (!tessera::kernels::isContiguousF32(lhs) ||
      !tessera::kernels::isContiguousF32(rhs) ||
      !tessera::kernels::isContiguousF32(out))
    return false;
  // Loops (d0 .. d[R-1] parallel, d[R] the reduction), R = result rank.
  int64_t loops = op.getNumLoops(), rank = loops - 1;
  if (rank < 3 || op.getNumReductionLoops() != 1 ||
      op.getIteratorTypesArray().back() != utils::IteratorType::reduction)
    return false;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  AffineMap lhsMap = maps[0], rhsMap = maps[1], outMap = maps[2];
  if (lhsMap.getNumResults() != rank || rhsMap.getNumResults() != 2 ||
      outMap.getNumResults() != rank || !isDim(rhsMap.getResult(0), rank) ||
      !isDim(rhsMap.getResult(1), rank - 1) ||
      !isDim(lhsMap.getResult(rank - 1), rank))
    return false;
  for (int64_t d = 0; d < rank; ++d)
    if (!isDim(outMap.getResult(d), d) ||
        (d < rank - 1 && !isDim(lhsMap.getResult(d), d)))
      return false;
  if (!isMultiplyAccumulate(op))
    return false;
  OpBuilder b(op);
  SmallVector<ReassociationIndices> rows{{}};
  for (int64_t d = 0; d < rank - 1; ++d)
    rows[0].push_back(d);
  rows.push_back({rank - 1});
  Value flatLhs = memref::CollapseShapeOp::create(b, op.getLoc(), lhs, rows);
  Value flatOut = memref::CollapseShapeOp::create(b, op.getLoc(), out, rows);
  linalg::MatmulOp::create(b, op.getLoc(), ValueRange{flatLhs, rhs},
                           ValueRange{flatOut});
  op.erase();
  return true;
}

} // namespace

int64_t tessera::kernels::flattenBatchedMatmuls(func::FuncOp function) {
  SmallVector<linalg::GenericOp> generics(function.getOps<linalg::GenericOp>());
  int64_t count = 0;
  for (linalg::GenericOp generic : generics)
    count += flatten(generic);
  return count;
}
