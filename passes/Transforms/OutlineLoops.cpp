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
#include "mlir/Interfaces/SideEffectInterfaces.h"
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

/// Whether `op` can run anywhere among the nests of one group: no memory
/// effects, no regions (views, casts, constants).
bool isMovable(Operation &op) {
  return op.getNumRegions() == 0 && isMemoryEffectFree(&op) &&
         !op.hasTrait<OpTrait::IsTerminator>();
}

/// The values `nest` uses from outside, split into those cloned into an
/// outlined function and its arguments; false when one can be neither.
bool captures(Operation *nest, llvm::SetVector<Value> &cloned,
              llvm::SetVector<Value> &arguments) {
  llvm::SetVector<Value> used;
  for (Value operand : nest->getOperands())
    used.insert(operand);
  getUsedValuesDefinedAbove(nest->getRegions(), used);
  llvm::SetVector<Value> nestCloned, nestArguments;
  for (Value value : used) {
    if (isCloned(value))
      nestCloned.insert(value);
    else if (isPassable(value))
      nestArguments.insert(value);
    else
      return false;
  }
  cloned.insert(nestCloned.begin(), nestCloned.end());
  arguments.insert(nestArguments.begin(), nestArguments.end());
  return true;
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
      int64_t count = llvm::count_if(body, isLoopNest);
      if (count < minLoops)
        continue;
      // Groups: up to max-group-loops nests with only movable ops between
      // them; each group becomes one function, called after its last op.
      SmallVector<Operation *> group;
      llvm::SetVector<Value> cloned, arguments;
      Operation *last = nullptr;
      auto flush = [&] {
        if (!group.empty())
          outline(function, group, cloned, arguments, last, symbols);
        group.clear();
        cloned.clear();
        arguments.clear();
      };
      for (Operation &op : llvm::make_early_inc_range(body)) {
        if (isLoopNest(op)) {
          llvm::SetVector<Value> opCloned, opArguments;
          if (!captures(&op, opCloned, opArguments)) {
            flush(); // this nest stays inline
            continue;
          }
          group.push_back(&op);
          cloned.insert(opCloned.begin(), opCloned.end());
          arguments.insert(opArguments.begin(), opArguments.end());
          last = &op;
          if (static_cast<int64_t>(group.size()) >= maxGroupLoops)
            flush();
        } else if (isMovable(op)) {
          if (!group.empty())
            last = &op;
        } else {
          flush();
        }
      }
      flush();
    }
  }

  void outline(func::FuncOp function, ArrayRef<Operation *> nests,
               const llvm::SetVector<Value> &cloned,
               const llvm::SetVector<Value> &arguments, Operation *last,
               SymbolTable &symbols) {
    OpBuilder b(function);
    Location loc = nests.front()->getLoc();
    auto callee = func::FuncOp::create(
        b, loc, (function.getName() + "_loop").str(),
        b.getFunctionType(ValueRange(arguments.getArrayRef()).getTypes(), {}));
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
    for (Operation *nest : nests)
      inner.clone(*nest, mapping);
    func::ReturnOp::create(inner, loc);
    // After the group's last op: every argument is defined by then, and the
    // movable ops the nests moved past have no effects.
    b.setInsertionPointAfter(last);
    func::CallOp::create(b, loc, callee, arguments.getArrayRef());
    for (Operation *nest : nests)
      nest->erase();
  }
};

} // namespace
