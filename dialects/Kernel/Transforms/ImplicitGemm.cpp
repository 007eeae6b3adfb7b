//===- ImplicitGemm.cpp - a convolution as a GEMM, and GEMMs as loops -----===//
//
// A direct convolution over N x C x D1..Dr inputs, F x C/G x K1..Kr filters
// and G groups is, per group g (the GEMM batch), the GEMM
//
//   rows    m = (n, o1..or)        N * O1 * ... * Or
//   columns f                      F / G
//   k       kk = (c, t1..tr)       C / G * K1 * ... * Kr
//
//   A[m][kk] = in[n, g*C/G + c, o_j*s_j + t_j*d_j - pad_j]  (zero outside)
//   B[kk][f] = w[g*F/G + f, c, t1..tr]
//   out[n, g*F/G + f, o1..or] = epilogue(sum_kk A B)
//
// Nothing is materialized: A is read through the window as it is needed
// (one unsigned comparison per spatial dimension covers both edges of the
// padding). The CUDA tensor-core kernel and the reference loops below run
// this one description.
//
//===----------------------------------------------------------------------===//

#include "dialects/Kernel/Transforms/ImplicitGemm.h"

#include "dialects/Kernel/IR/KernelOps.h"
#include "dialects/Kernel/Transforms/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace tessera::tk;

namespace {

Value constant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

/// `index` split into digits of `radices` (the last fastest).
SmallVector<Value> digits(OpBuilder &b, Location loc, Value index,
                          ArrayRef<int64_t> radices) {
  SmallVector<Value> result(radices.size());
  for (int64_t d = static_cast<int64_t>(radices.size()) - 1; d >= 0; --d) {
    result[d] = d > 0 ? Value(arith::RemUIOp::create(
                            b, loc, index, constant(b, loc, radices[d])))
                      : index;
    if (d > 0)
      index =
          arith::DivUIOp::create(b, loc, index, constant(b, loc, radices[d]));
  }
  return result;
}

/// base * scale + offset.
Value scaled(OpBuilder &b, Location loc, Value base, int64_t scale,
             Value offset) {
  return arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, base, constant(b, loc, scale)),
      offset);
}

} // namespace

FailureOr<GemmView> tessera::tk::convAsGemm(ConvOp op) {
  if (op.getTransposed())
    return failure();
  auto inputType = dyn_cast<MemRefType>(op.getInput().getType());
  auto filterType = dyn_cast<MemRefType>(op.getFilter().getType());
  auto outputType = dyn_cast<MemRefType>(op.getInit().getType());
  if (!inputType || !filterType || !outputType)
    return failure();
  Type element = outputType.getElementType();
  if (!isa<FloatType>(element) || inputType.getElementType() != element ||
      filterType.getElementType() != element || !inputType.hasStaticShape() ||
      !filterType.hasStaticShape() || !outputType.hasStaticShape())
    return failure();
  int64_t rank = inputType.getRank() - 2, groups = op.getGroups();
  SmallVector<int64_t> in(inputType.getShape()), w(filterType.getShape()),
      out(outputType.getShape());
  if (groups < 1 || in[1] % groups || out[1] % groups ||
      w[1] * groups != in[1] || w[0] != out[1])
    return failure();
  int64_t channels = w[1], filters = out[1] / groups;
  SmallVector<int64_t> rowRadices{out[0]}, kRadices{channels};
  GemmView gemm;
  gemm.m = out[0];
  gemm.n = filters;
  gemm.k = channels;
  gemm.batch = groups;
  for (int64_t d = 0; d < rank; ++d) {
    rowRadices.push_back(out[2 + d]);
    kRadices.push_back(w[2 + d]);
    if (llvm::MulOverflow(gemm.m, out[2 + d], gemm.m) ||
        llvm::MulOverflow(gemm.k, w[2 + d], gemm.k))
      return failure();
  }
  SmallVector<int64_t> strides(op.getStrides()), dilations(op.getDilations()),
      pads(op.getPads());
  Value input = op.getInput(), filter = op.getFilter(), init = op.getInit();
  SmallVector<Value> epilogueInputs(op.getEpilogueInputs());
  SmallVector<AffineMap> maps =
      llvm::to_vector(op.getEpilogueMaps().getAsValueRange<AffineMapAttr>());
  Block *epilogue = &op.getEpilogue().front();

  gemm.loadA = [=](OpBuilder &b, Location loc, Value group, Value row,
                   Value kk) -> Value {
    SmallVector<Value> position = digits(b, loc, row, rowRadices);
    SmallVector<Value> tap = digits(b, loc, kk, kRadices);
    SmallVector<Value> indices{position[0],
                               scaled(b, loc, group, channels, tap[0])};
    Value inside;
    for (int64_t d = 0; d < rank; ++d) {
      Value at = arith::SubIOp::create(
          b, loc,
          scaled(b, loc, position[1 + d], strides[d],
                 arith::MulIOp::create(b, loc, tap[1 + d],
                                       constant(b, loc, dilations[d]))),
          constant(b, loc, pads[d]));
      // Below zero wraps to a huge unsigned index: one comparison.
      Value fits = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, at,
                                         constant(b, loc, in[2 + d]));
      inside =
          inside ? Value(arith::AndIOp::create(b, loc, inside, fits)) : fits;
      indices.push_back(at);
    }
    if (!inside) // a conv without spatial dimensions
      return memref::LoadOp::create(b, loc, input, indices);
    auto branch = scf::IfOp::create(b, loc, TypeRange{element}, inside,
                                    /*withElseRegion=*/true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&branch.getThenRegion().front());
    Value value = memref::LoadOp::create(b, loc, input, indices);
    scf::YieldOp::create(b, loc, value);
    b.setInsertionPointToStart(&branch.getElseRegion().front());
    Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(element));
    scf::YieldOp::create(b, loc, zero);
    return branch.getResult(0);
  };
  gemm.loadB = [=](OpBuilder &b, Location loc, Value group, Value kk,
                   Value col) -> Value {
    SmallVector<Value> indices{scaled(b, loc, group, filters, col)};
    llvm::append_range(indices, digits(b, loc, kk, kRadices));
    return memref::LoadOp::create(b, loc, filter, indices);
  };
  gemm.store = [=](OpBuilder &b, Location loc, Value group, Value row,
                   Value col, Value acc) {
    SmallVector<Value> position = digits(b, loc, row, rowRadices);
    SmallVector<Value> point{position[0], scaled(b, loc, group, filters, col)};
    point.append(position.begin() + 1, position.end());
    SmallVector<Value> arguments{acc};
    for (auto [x, value] : llvm::enumerate(epilogueInputs)) {
      SmallVector<Value> at;
      for (unsigned r = 0; r < maps[x].getNumResults(); ++r)
        at.push_back(affine::AffineApplyOp::create(
            b, loc, maps[x].getSubMap({r}), point));
      arguments.push_back(memref::LoadOp::create(b, loc, value, at));
    }
    memref::StoreOp::create(
        b, loc, applyScalarEpilogue(b, *epilogue, arguments), init, point);
  };
  return gemm;
}

void tessera::tk::lowerGemmToLoops(OpBuilder &b, Location loc,
                                   const GemmView &gemm, Type element) {
  SmallVector<Value> lower(3, constant(b, loc, 0)),
      steps(3, constant(b, loc, 1)),
      upper{constant(b, loc, gemm.batch), constant(b, loc, gemm.m),
            constant(b, loc, gemm.n)};
  scf::ParallelOp::create(
      b, loc, lower, upper, steps,
      [&](OpBuilder &nested, Location, ValueRange point) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nested.getInsertionBlock(),
                            nested.getInsertionPoint());
        Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(element));
        auto reduction = scf::ForOp::create(
            b, loc, constant(b, loc, 0), constant(b, loc, gemm.k),
            constant(b, loc, 1), ValueRange{zero},
            [&](OpBuilder &inner, Location, Value kk, ValueRange sum) {
              OpBuilder::InsertionGuard guard(b);
              b.setInsertionPoint(inner.getInsertionBlock(),
                                  inner.getInsertionPoint());
              Value x = gemm.loadA(b, loc, point[0], point[1], kk);
              Value y = gemm.loadB(b, loc, point[0], kk, point[2]);
              Value product = arith::MulFOp::create(b, loc, x, y);
              Value next = arith::AddFOp::create(b, loc, sum[0], product);
              scf::YieldOp::create(b, loc, next);
            });
        gemm.store(b, loc, point[0], point[1], point[2],
                   reduction.getResult(0));
      });
}
