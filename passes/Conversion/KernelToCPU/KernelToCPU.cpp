//===- KernelToCPU.cpp - the CPU lowering of tk kernels -------------------===//
//
// convert-tk-to-cpu: every tk op of a bufferized module becomes vector code
// (MatmulKernel.cpp, ConvKernel.cpp, WindowKernel.cpp, ConvFamilyKernel.cpp,
// RowKernel.cpp) or one loop nest (tk::lowerFusionToGeneric), padded copies get border-only fills (PadBorders.cpp), and
// large remaining linalg.generics are split across the thread pool
// (ParallelGeneric.cpp).
//
//===----------------------------------------------------------------------===//

#include "dialects/Kernel/IR/KernelDialect.h"
#include "dialects/Kernel/IR/KernelOps.h"
#include "passes/Conversion/KernelToCPU/CPUKernels.h"
#include "dialects/Kernel/Transforms/Passes.h"
#include "passes/Conversion/Passes.h"

#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace tessera {
#define GEN_PASS_DEF_CONVERTKERNELTOCPU
#include "passes/Conversion/Passes.h.inc"
} // namespace tessera

using namespace mlir;
using namespace tessera;
using namespace tessera::kernels;

namespace {

struct ConvertKernelToCPUPass
    : tessera::impl::ConvertKernelToCPUBase<ConvertKernelToCPUPass> {
  using ConvertKernelToCPUBase::ConvertKernelToCPUBase;

  void runOnOperation() override {
    if (vectorBits < 128 || vectorBits % 128 || registers < 8) {
      getOperation().emitError()
          << "convert-tk-to-cpu: vector-bits must be a multiple of 128 and "
             "registers at least 8";
      return signalPassFailure();
    }
    std::optional<Int8Dot> dot = parseInt8Dot(int8Dot);
    if (!dot) {
      getOperation().emitError()
          << "convert-tk-to-cpu: unknown int8-dot '" << int8Dot
          << "' (none, pairs, vnni, sdot, amx)";
      return signalPassFailure();
    }
    SymbolTable symbols(getOperation());
    KernelContext context{symbols, registerTileFor(vectorBits, registers),
                          parallel, parallelWork, parallelElements, *dot};
    // Convolutions and pools without a configuration get the default one.
    tk::CPUTarget target{vectorBits, registers, parallel, parallelWork};
    SmallVector<Operation *> ops;
    int64_t tiled = 0;
    WalkResult tensors = getOperation().walk([&](Operation *op) {
      if (!isa<tk::MatmulOp, tk::AttentionOp, tk::ConvOp, tk::PoolOp, tk::ReduceOp, tk::FusionOp>(op) ||
          op->getNumResults() == 0)
        return WalkResult::advance();
      op->emitOpError("must be bufferized before the CPU lowering");
      return WalkResult::interrupt();
    });
    if (tensors.wasInterrupted())
      return signalPassFailure();
    getOperation().walk([&](Operation *op) {
      if (isa<tk::MatmulOp, tk::AttentionOp, tk::ConvOp, tk::PoolOp, tk::ReduceOp, tk::FusionOp>(op))
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      bool done = false;
      if (auto row = dyn_cast<tk::ReduceOp>(op)) {
        if (failed(lowerRow(context, row)))
          return signalPassFailure();
        ++rowsVectorized;
        // Not register-tiled: a row kernel is bandwidth bound.
      } else if (auto conv = dyn_cast<tk::ConvOp>(op);
                 conv && referenceConvs && !conv.getTransposed()) {
        if (failed(tk::lowerConvToLoops(conv)))
          return signalPassFailure();
      } else if (auto conv = dyn_cast<tk::ConvOp>(op)) {
        if (!conv.getConfigAttr())
          conv.setConfigAttr(tk::defaultCPUWindow(conv, target));
        if (failed(lowerConv(context, conv)))
          return signalPassFailure();
        windowsTiled += done = true;
      } else if (auto pool = dyn_cast<tk::PoolOp>(op)) {
        if (!pool.getConfigAttr())
          pool.setConfigAttr(tk::defaultCPUWindow(pool, target));
        if (failed(lowerPool(context, pool)))
          return signalPassFailure();
        windowsTiled += done = true;
      } else if (auto fusion = dyn_cast<tk::FusionOp>(op)) {
        // A loop nest, not register-tiled: counted with the generics.
        tk::lowerFusionToGeneric(fusion);
      } else if (auto attention = dyn_cast<tk::AttentionOp>(op)) {
        done = succeeded(lowerAttention(context, attention));
        ++(done ? attentionsFused : attentionsSplit);
      } else if (auto matmul = dyn_cast<tk::MatmulOp>(op)) {
        done = succeeded(lowerMatmul(context, matmul));
        ++(done ? matmulsTiled : matmulsAsLoops);
      }
      tiled += done;
    }
    // Padded copies (the kernels' and bufferized tensor.pads): one pass
    // over their rows.
    for (auto function : getOperation().getOps<func::FuncOp>())
      if (!function.isExternal())
        splitPadFills(context, function);
    // What stays a generic: split large ones across the thread pool.
    SmallVector<linalg::GenericOp> generics;
    for (auto function : getOperation().getOps<func::FuncOp>())
      if (!function->hasAttr(tk::TKDialect::getTaskAttrName()) &&
          !function.isExternal())
        for (auto generic : function.getOps<linalg::GenericOp>())
          generics.push_back(generic);
    for (linalg::GenericOp generic : generics)
      (void)parallelizeGeneric(context, collapseReductionDims(generic));
    // Sum reductions vectorize with partial sums (the order of a float
    // sum changes, within the tolerance every reduction test states).
    getOperation().walk([&](linalg::GenericOp generic) {
      reductionsReassociated += allowReassociation(generic);
    });
    // For tessera-compile --stats.
    auto count = [&](int64_t value) {
      return IntegerAttr::get(IntegerType::get(&getContext(), 64), value);
    };
    getOperation()->setAttr(tk::TKDialect::getTiledKernelCountAttrName(),
                            count(tiled));
  }

  Statistic matmulsTiled{this, "matmuls-tiled",
                         "tk.matmul kernels register-tiled"};
  Statistic matmulsAsLoops{this, "matmuls-as-loops",
                           "tk.matmul kernels lowered to plain loops"};
  Statistic reductionsReassociated{
      this, "reductions-reassociated",
      "sum reductions left as generics allowed to reassociate"};
  Statistic attentionsFused{this, "attentions-fused",
                            "tk.attention kernels lowered fused"};
  Statistic attentionsSplit{this, "attentions-split",
                            "tk.attention kernels split into their parts"};
  Statistic windowsTiled{this, "windows-tiled",
                         "convolutions and pools register-tiled"};
  Statistic rowsVectorized{this, "row-kernels",
                           "tk.reduce row kernels vectorized"};
};


} // namespace
