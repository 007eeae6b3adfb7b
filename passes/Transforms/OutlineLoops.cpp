//===- OutlineLoops.cpp - one function per loop nest of a large model -----===//

#include "passes/Transforms/Passes.h"
#include "dialects/Kernel/IR/KernelDialect.h"

#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/RegionUtils.h"

namespace tessera {
#define GEN_PASS_DEF_OUTLINELOOPS
#include "passes/Transforms/Passes.h.inc"
} // namespace tessera

using namespace mlir;

namespace {

bool isLoopNest(Operation &op) {
  return isa<scf::ForOp, scf::ParallelOp, scf::IfOp>(op) &&
         op.getNumResults() == 0;
}

/// Whether `value` is cloned into the outlined function rather than passed.
bool isCloned(Value value) {
  Operation *def = value.getDefiningOp();
  return def && def->getNumOperands() == 0 &&
         (def->hasTrait<OpTrait::ConstantLike>() ||
          isa<memref::GetGlobalOp>(def));
}

/// Whether `value` can be an argument of the outlined function (it then
/// becomes a bare pointer or a scalar in LLVM).
bool isPassable(Value value) {
  Type type = value.getType();
  if (auto memref = dyn_cast<MemRefType>(type))
    return LLVMTypeConverter::canConvertToBarePtr(memref);
  return type.isIntOrIndexOrFloat();
}

struct OutlineLoopsPass
    : tessera::impl::OutlineLoopsBase<OutlineLoopsPass> {
  using OutlineLoopsBase::OutlineLoopsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    for (auto function : llvm::to_vector(module.getOps<func::FuncOp>())) {
      if (function.isExternal() ||
          function->hasAttr(tessera::tk::TKDialect::getTaskAttrName()))
        continue;
      Block &body = function.getBody().front();
      SmallVector<Operation *> nests;
      for (Operation &op : body)
        if (isLoopNest(op))
          nests.push_back(&op);
      if (static_cast<int64_t>(nests.size()) < minLoops)
        continue;
      for (Operation *nest : nests)
        outline(function, nest, symbols);
    }
  }

  void outline(func::FuncOp function, Operation *nest, SymbolTable &symbols) {
    llvm::SetVector<Value> used;
    for (Value operand : nest->getOperands())
      used.insert(operand);
    getUsedValuesDefinedAbove(nest->getRegions(), used);
    SmallVector<Value> arguments, cloned;
    for (Value value : used) {
      if (isCloned(value))
        cloned.push_back(value);
      else if (isPassable(value))
        arguments.push_back(value);
      else
        return; // stays inline
    }
    OpBuilder b(function);
    Location loc = nest->getLoc();
    auto callee = func::FuncOp::create(
        b, loc, (function.getName() + "_loop").str(),
        b.getFunctionType(ValueRange(arguments).getTypes(), {}));
    callee.setPrivate();
    // Internal to the model's object, and never inlined: the point is
    // separate functions, which LLVM must not merge back.
    callee->setAttr("llvm.linkage", LLVM::LinkageAttr::get(
                                        b.getContext(), LLVM::Linkage::Internal));
    callee->setAttr("passthrough", b.getStrArrayAttr({"noinline"}));
    symbols.insert(callee); // uniques the name
    Block *entry = callee.addEntryBlock();
    IRMapping mapping;
    for (auto [value, argument] : llvm::zip(arguments, entry->getArguments()))
      mapping.map(value, argument);
    OpBuilder inner = OpBuilder::atBlockEnd(entry);
    for (Value value : cloned)
      inner.clone(*value.getDefiningOp(), mapping);
    inner.clone(*nest, mapping);
    func::ReturnOp::create(inner, loc);
    b.setInsertionPoint(nest);
    func::CallOp::create(b, loc, callee, arguments);
    nest->erase();
  }
};

} // namespace
