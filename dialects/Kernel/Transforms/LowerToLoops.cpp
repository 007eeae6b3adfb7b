//===- LowerToLoops.cpp - tk kernels as plain loops on buffers ------------===//
//
// The reference lowering of the kernels whose meaning is loops over their
// maps: a tk.matmul is a nest over its output with the reduction innermost
// and the epilogue after it, a direct tk.conv its implicit GEMM's loops
// (ImplicitGemm.cpp), a tk.fusion one elementwise linalg.generic.
// Every target falls back on it (the CPU for what its vector kernels do not
// take); the CUDA lowering maps the outer loops onto threads.
//
//===----------------------------------------------------------------------===//

#include "dialects/Kernel/IR/KernelOps.h"
#include "dialects/Kernel/Transforms/ImplicitGemm.h"
#include "dialects/Kernel/Transforms/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;
using namespace tessera::tk;

Value tessera::tk::applyScalarEpilogue(OpBuilder &b, Block &body,
                                       ValueRange arguments) {
  IRMapping mapping;
  mapping.map(body.getArguments(), arguments);
  for (Operation &nested : body.without_terminator())
    b.clone(nested, mapping);
  return mapping.lookupOrDefault(
      cast<YieldOp>(body.getTerminator()).getValue());
}

void tessera::tk::lowerMatmulToLoops(MatmulOp op, bool parallel) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  SmallVector<int64_t> sizes = op.getLoopSizes();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  int64_t k = op.getKDim();
  SmallVector<Value> ivs(op.getNumLoops());
  auto index = [&](int64_t value) -> Value {
    return arith::ConstantIndexOp::create(b, loc, value);
  };
  auto indices = [&](AffineMap map) {
    SmallVector<Value> result;
    for (unsigned r = 0; r < map.getNumResults(); ++r)
      result.push_back(affine::AffineApplyOp::create(b, loc, map.getSubMap({r}),
                                                     ValueRange(ivs)));
    return result;
  };
  Type elementType = op.getAccumulatorType();
  // 8-bit integer operands widen to the i32 accumulator.
  auto widen = [&](Value v, bool isUnsigned) -> Value {
    if (v.getType() == elementType)
      return v;
    return isUnsigned ? Value(arith::ExtUIOp::create(b, loc, elementType, v))
                      : Value(arith::ExtSIOp::create(b, loc, elementType, v));
  };
  // One output element: the reduction, the epilogue, the store.
  auto point = [&]() {
    Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(elementType));
    auto reduction = scf::ForOp::create(
        b, loc, index(0), index(sizes[k]), index(1), ValueRange{zero},
        [&](OpBuilder &, Location, Value iv, ValueRange sum) {
          ivs[k] = iv;
          Value x = widen(
              memref::LoadOp::create(b, loc, op.getLhs(), indices(maps[0])),
              op.getLhsUnsigned());
          Value y = widen(
              memref::LoadOp::create(b, loc, op.getRhs(), indices(maps[1])),
              op.getRhsUnsigned());
          bool isFloat = isa<FloatType>(elementType);
          Value product = isFloat ? Value(arith::MulFOp::create(b, loc, x, y))
                                  : Value(arith::MulIOp::create(b, loc, x, y));
          Value next =
              isFloat ? Value(arith::AddFOp::create(b, loc, sum[0], product))
                      : Value(arith::AddIOp::create(b, loc, sum[0], product));
          scf::YieldOp::create(b, loc, next);
        });
    ivs[k] = index(0); // the output and epilogue maps do not read k
    SmallVector<Value> arguments{reduction.getResult(0)};
    for (auto [i, input] : llvm::enumerate(op.getEpilogueInputs()))
      arguments.push_back(
          memref::LoadOp::create(b, loc, input, indices(maps[i + 2])));
    Value result = applyScalarEpilogue(b, op.getEpilogue().front(), arguments);
    memref::StoreOp::create(b, loc, result, op.getInit(), indices(maps.back()));
  };
  if (parallel && k > 0) {
    SmallVector<Value> lower, upper, steps;
    for (int64_t d = 0; d < k; ++d) {
      lower.push_back(index(0));
      upper.push_back(index(sizes[d]));
      steps.push_back(index(1));
    }
    scf::ParallelOp::create(b, loc, lower, upper, steps,
                            [&](OpBuilder &nested, Location, ValueRange outer) {
                              OpBuilder::InsertionGuard guard(b);
                              b.setInsertionPoint(nested.getInsertionBlock(),
                                                  nested.getInsertionPoint());
                              for (int64_t d = 0; d < k; ++d)
                                ivs[d] = outer[d];
                              point();
                            });
  } else {
    std::function<void(int64_t)> nest = [&](int64_t d) {
      if (d == k)
        return point();
      scf::ForOp::create(
          b, loc, index(0), index(sizes[d]), index(1), ValueRange{},
          [&](OpBuilder &nested, Location, Value iv, ValueRange) {
            OpBuilder::InsertionGuard guard(b);
            b.setInsertionPoint(nested.getInsertionBlock(),
                                nested.getInsertionPoint());
            ivs[d] = iv;
            nest(d + 1);
            scf::YieldOp::create(b, loc);
          });
    };
    nest(0);
  }
  op.erase();
}

void tessera::tk::lowerFusionToGeneric(FusionOp op) {
  OpBuilder b(op);
  Block &body = op.getBody().front();
  int64_t rank = cast<MemRefType>(op.getInit().getType()).getRank();
  linalg::GenericOp::create(
      b, op.getLoc(), TypeRange{}, op.getInputs(), ValueRange{op.getInit()},
      op.getIndexingMapsArray(),
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location loc, ValueRange arguments) {
        IRMapping mapping;
        for (auto [from, to] : llvm::zip(body.getArguments(), arguments))
          mapping.map(from, to);
        for (Operation &nested : body.without_terminator())
          nb.clone(nested, mapping);
        linalg::YieldOp::create(
            nb, loc,
            mapping.lookupOrDefault(
                cast<YieldOp>(body.getTerminator()).getValue()));
      });
  op.erase();
}

LogicalResult tessera::tk::lowerConvToLoops(ConvOp op) {
  if (op.getTransposed())
    return op.emitOpError("in its transposed mode has no loop lowering yet");
  FailureOr<GemmView> gemm = convAsGemm(op);
  if (failed(gemm))
    return op.emitOpError("needs static float buffers of one element type "
                          "for its loop lowering");
  OpBuilder b(op);
  lowerGemmToLoops(b, op.getLoc(), *gemm,
                   cast<MemRefType>(op.getInit().getType()).getElementType());
  op.erase();
  return success();
}
