//===- IntegerMatmul.h - the 8-bit integer tk.matmul kernels ----*- C++ -*-===//
//
// Internal to passes/Conversion/KernelToCPU: how an 8-bit integer tk.matmul
// is planned (IntegerMatmulKernel.cpp) and its operands packed
// (IntegerPacking.cpp) for the instruction of the target.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_CONVERSION_KERNELTOCPU_INTEGERMATMUL_H
#define TESSERA_CONVERSION_KERNELTOCPU_INTEGERMATMUL_H

#include "dialects/Kernel/IR/KernelOps.h"
#include "passes/Conversion/KernelToCPU/CPUKernels.h"

namespace tessera::kernels::int8 {

/// What an instruction takes: the group along K, and the shifts that bring
/// each operand to the signedness it multiplies.
struct DotForm {
  Int8Dot dot;
  int64_t group;              // elements of K per i32 word
  int64_t lhsShift, rhsShift; // sa, sb: a = a' + sa, b = b' + sb
};

DotForm dotForm(Int8Dot dot, bool lhsUnsigned, bool rhsUnsigned);

/// AMX tiles: 16 rows of 64 bytes (A, B) or 16 i32 (C).
constexpr int64_t kAmxTile = 16, kAmxK = 64;

/// An 8-bit integer tk.matmul as its kernels see it.
struct Plan {
  tk::MatmulOp op;
  SmallVector<int64_t> sizes;
  SmallVector<Access> accesses; // lhs, rhs, the epilogue inputs, out
  int64_t mDim, nDim, kDim, m, n, k;
  SmallVector<int64_t> batch; // loops that stay loops (not merged into rows)
  int64_t batches, lhsCopies, rhsCopies;
  bool lhsUnsigned, rhsUnsigned, amx;
  DotForm form;
  TileShape shape;
  int64_t lanes, group, groups, nr, panels, mr, tiles;
  int64_t kSteps, amxRows; // AMX: 64-byte steps along K, rows padded to 32
  bool hasColumnTerm, hasRowTerm;

  const Access &lhs() const { return accesses.front(); }
  const Access &rhs() const { return accesses[1]; }
};

/// Where a packed operand (or a term) lives: a constant global, or a
/// buffer the run-time packing fills.
struct Packed {
  StringAttr name;
  Value buffer;
  SmallVector<int64_t> shape;
  Type element; // i32 when null
};

struct PackedOperands {
  Packed lhs, rhs, rowTerm, columnTerm;
};

/// Packs both operands of `plan.op` for its instruction, before it: a
/// constant one now (a new global), any other at run time (a range before
/// the kernel filling a buffer), with the row and column terms.
PackedOperands packOperands(KernelContext &context, const Plan &plan);

} // namespace tessera::kernels::int8

#endif // TESSERA_CONVERSION_KERNELTOCPU_INTEGERMATMUL_H
