//===- Launch.cpp - top-level loop nests as kernel launches ---------------===//
//
// A model function after the loop lowering is a sequence of loop nests over
// whole buffers, with constants, views and allocations between them. Each
// nest becomes one gpu.launch:
//
//  - an scf.parallel with static bounds and no reductions: its iteration
//    space linearized (the last dimension fastest) over a 1-D grid of 1-D
//    blocks, each thread striding by the grid's size;
//  - anything else that touches memory (sequential walks, stores, checks):
//    one thread, together with every later op that reads what it defines,
//    so that no value computed on the device is needed on the host.
//
// The ops that stay on the host are effect-free (constants, index
// arithmetic, views) or manage memory (alloc, get_global); views are then
// sunk into the kernels that read them, so every kernel argument is a whole
// buffer or a scalar.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/KernelToGPU/KernelToGPU.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Utils/GPUUtils.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace tessera;

namespace {

/// Ops the host runs: they compute no element of any buffer.
bool staysOnHost(Operation *op) {
  if (op->getNumRegions())
    return false;
  if (isa<memref::AllocOp, memref::DeallocOp, memref::GetGlobalOp,
          func::ReturnOp>(op))
    return true;
  return isPure(op);
}

/// What a kernel may rebuild from its arguments instead of receiving it:
/// constants, index arithmetic and views (not the weights' addresses, which
/// only the host knows).
bool sinksIntoKernel(Operation *op) {
  return op->getNumRegions() == 0 && isPure(op) &&
         !isa<memref::GetGlobalOp>(op);
}

Value indexConstant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

/// The static extents of `loop`, or nothing when a bound is dynamic (the
/// loop then runs on one thread).
std::optional<SmallVector<int64_t>> staticTrips(scf::ParallelOp loop) {
  SmallVector<int64_t> trips;
  for (auto [lower, upper, step] :
       llvm::zip(loop.getLowerBound(), loop.getUpperBound(), loop.getStep())) {
    std::optional<int64_t> lo = getConstantIntValue(lower),
                           hi = getConstantIntValue(upper),
                           st = getConstantIntValue(step);
    if (!lo || !hi || !st || *st <= 0)
      return std::nullopt;
    trips.push_back(*hi > *lo ? llvm::divideCeil(*hi - *lo, *st) : 0);
  }
  return trips;
}

/// `loop` as a grid-strided launch. Fails (changing nothing) when its bounds
/// are dynamic, it reduces, or its size overflows.
LogicalResult launchParallel(scf::ParallelOp loop,
                             const cuda::LaunchShape &shape) {
  if (loop.getNumResults())
    return failure();
  std::optional<SmallVector<int64_t>> trips = staticTrips(loop);
  if (!trips)
    return failure();
  int64_t total = 1;
  for (int64_t trip : *trips)
    if (llvm::MulOverflow(total, trip, total))
      return failure();
  if (total == 0) {
    loop.erase();
    return success();
  }
  int64_t threads =
      std::min<int64_t>(shape.blockSize, llvm::alignTo(total, 32));
  int64_t blocks =
      std::min<int64_t>(llvm::divideCeil(total, threads), shape.maxBlocks);
  Location loc = loop.getLoc();
  OpBuilder b(loop);
  Value one = indexConstant(b, loc, 1);
  auto launch =
      gpu::LaunchOp::create(b, loc, indexConstant(b, loc, blocks), one, one,
                            indexConstant(b, loc, threads), one, one);
  Block &body = launch.getBody().front();
  b.setInsertionPointToStart(&body);
  Value first = arith::AddIOp::create(
      b, loc,
      arith::MulIOp::create(b, loc, launch.getBlockIds().x,
                            indexConstant(b, loc, threads)),
      launch.getThreadIds().x);
  auto stride = scf::ForOp::create(b, loc, first, indexConstant(b, loc, total),
                                   indexConstant(b, loc, blocks * threads));
  gpu::TerminatorOp::create(b, loc);
  b.setInsertionPoint(stride.getBody()->getTerminator());
  IRMapping mapping;
  Value rest = stride.getInductionVar();
  for (int64_t d = static_cast<int64_t>(trips->size()) - 1; d >= 0; --d) {
    Value digit = rest;
    if (d > 0) {
      Value extent = indexConstant(b, loc, (*trips)[d]);
      digit = arith::RemUIOp::create(b, loc, rest, extent);
      rest = arith::DivUIOp::create(b, loc, rest, extent);
    }
    Value iv = arith::AddIOp::create(
        b, loc, loop.getLowerBound()[d],
        arith::MulIOp::create(b, loc, digit, loop.getStep()[d]));
    mapping.map(loop.getInductionVars()[d], iv);
  }
  for (Operation &op : loop.getBody()->without_terminator())
    b.clone(op, mapping);
  loop.erase();
  return success();
}

/// Every constant, index computation and view `launch` reads, cloned into
/// it down to what it cannot rebuild (buffers, the weights' addresses).
void rebuildInside(gpu::LaunchOp launch) {
  Region &region = launch.getBody();
  // The weights' and tables' addresses come from the host.
  region.walk([&](memref::GetGlobalOp global) { global->moveBefore(launch); });
  llvm::SetVector<Value> captured;
  getUsedValuesDefinedAbove(region, captured);
  IRMapping mapping;
  OpBuilder b(&region.front(), region.front().begin());
  std::function<void(Value)> rebuild = [&](Value value) {
    Operation *def = value.getDefiningOp();
    if (mapping.contains(value) || !def || !sinksIntoKernel(def))
      return;
    for (Value operand : def->getOperands())
      rebuild(operand);
    b.clone(*def, mapping);
  };
  for (Value value : captured) {
    rebuild(value);
    if (Value inside = mapping.lookupOrNull(value))
      replaceAllUsesInRegionWith(value, inside, region);
  }
}

/// The op of `block` that holds `op` (or `op` itself).
Operation *inBlock(Block *block, Operation *op) {
  while (op && op->getBlock() != block)
    op = op->getParentOp();
  return op;
}

/// `first` and every later op that reads what it (transitively) defines,
/// with the device ops between them, in one one-thread launch after the
/// last of them. Returns the op after the launch.
FailureOr<Operation *> launchSerial(Operation *first) {
  Block *block = first->getBlock();
  llvm::SetVector<Operation *> group;
  llvm::DenseSet<Value> defined;
  Operation *end = first;
  auto add = [&](Operation *op) {
    group.insert(op);
    for (Value result : op->getResults())
      defined.insert(result);
  };
  add(first);
  for (bool grew = true; grew;) {
    grew = false;
    // The last op that reads a value of the group.
    Operation *last = end;
    for (Value value : defined)
      for (Operation *user : value.getUsers())
        if (Operation *holder = inBlock(block, user))
          if (last->isBeforeInBlock(holder))
            last = holder;
    for (Operation *op = end->getNextNode(); op && op != last->getNextNode();
         op = op->getNextNode()) {
      if (isa<gpu::LaunchOp>(op))
        return first->emitOpError(
            "computes a value on the device that is still needed after a "
            "kernel launch (the CUDA lowering cannot nest the launch)");
      bool reads = llvm::any_of(op->getOperands(), [&](Value operand) {
        return defined.contains(operand);
      });
      if (!staysOnHost(op) || reads)
        add(op);
    }
    grew = last != end;
    end = last;
  }
  if (isa<func::ReturnOp>(end))
    return end->emitOpError(
        "returns a value computed on the device (the CUDA lowering keeps "
        "every result in a buffer)");
  Location loc = first->getLoc();
  OpBuilder b(block, std::next(end->getIterator()));
  Value one = indexConstant(b, loc, 1);
  auto launch = gpu::LaunchOp::create(b, loc, one, one, one, one, one, one);
  Block &body = launch.getBody().front();
  b.setInsertionPointToStart(&body);
  auto terminator = gpu::TerminatorOp::create(b, loc);
  Operation *next = launch->getNextNode();
  for (Operation *op : group)
    op->moveBefore(terminator);
  return next;
}

} // namespace

LogicalResult cuda::launchTopLevelLoops(func::FuncOp function,
                                        const LaunchShape &shape,
                                        Pass::Statistic &parallel,
                                        Pass::Statistic &serial) {
  Block &body = function.getBody().front();
  for (Operation &op : llvm::make_early_inc_range(body))
    if (auto alloca = dyn_cast<memref::AllocaOp>(&op)) {
      // A host stack buffer is not device memory.
      OpBuilder b(alloca);
      auto alloc = memref::AllocOp::create(b, alloca.getLoc(), alloca.getType(),
                                           alloca.getDynamicSizes(),
                                           alloca.getAlignmentAttr());
      alloca.replaceAllUsesWith(alloc.getResult());
      alloca.erase();
    }
  for (Operation *op = &body.front(); op;) {
    if (staysOnHost(op) || isa<gpu::LaunchOp>(op)) {
      op = op->getNextNode();
      continue;
    }
    if (auto loop = dyn_cast<scf::ParallelOp>(op)) {
      Operation *next = op->getNextNode();
      if (succeeded(launchParallel(loop, shape))) {
        ++parallel;
        op = next;
        continue;
      }
    }
    FailureOr<Operation *> next = launchSerial(op);
    if (failed(next))
      return failure();
    ++serial;
    op = *next;
  }
  for (gpu::LaunchOp launch : body.getOps<gpu::LaunchOp>())
    rebuildInside(launch);
  return success();
}

LogicalResult cuda::outlineLaunches(ModuleOp module, func::FuncOp function) {
  SmallVector<gpu::LaunchOp> launches(
      function.getBody().front().getOps<gpu::LaunchOp>());
  if (launches.empty())
    return success();
  module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                  UnitAttr::get(module.getContext()));
  OpBuilder b(module.getContext());
  b.setInsertionPointAfter(function);
  auto kernels = gpu::GPUModuleOp::create(b, function.getLoc(),
                                          (function.getName() + "_gpu").str());
  SymbolTable symbols(kernels);
  for (auto [i, launch] : llvm::enumerate(launches)) {
    SmallVector<Value> operands;
    gpu::GPUFuncOp kernel = outlineKernelFunc(
        launch, (function.getName() + "_k" + Twine(i)).str(), operands);
    symbols.insert(kernel);
    for (Value operand : operands)
      if (auto memref = dyn_cast<MemRefType>(operand.getType()))
        if (!memref.getLayout().isIdentity() || !memref.hasStaticShape())
          return launch->emitOpError(
                     "reads a strided or dynamically shaped buffer it cannot "
                     "rebuild from its arguments: ")
                 << memref;
    b.setInsertionPoint(launch);
    gpu::LaunchFuncOp::create(b, launch.getLoc(), kernel,
                              launch.getGridSizeOperandValues(),
                              launch.getBlockSizeOperandValues(),
                              launch.getDynamicSharedMemorySize(), operands);
    launch.erase();
  }
  // Helper functions the kernels call (integer powers, say) get a copy in
  // the kernels' module.
  SymbolTable outer(module);
  SmallVector<func::CallOp> calls;
  kernels.walk([&](func::CallOp call) { calls.push_back(call); });
  while (!calls.empty()) {
    func::CallOp call = calls.pop_back_val();
    if (symbols.lookup(call.getCallee()))
      continue;
    auto callee = outer.lookup<func::FuncOp>(call.getCallee());
    if (!callee || callee.isExternal())
      return call->emitOpError("calls a function the kernels cannot hold");
    auto copy = cast<func::FuncOp>(callee->clone());
    copy.setPrivate();
    symbols.insert(copy);
    copy.walk([&](func::CallOp nested) { calls.push_back(nested); });
  }
  return success();
}
