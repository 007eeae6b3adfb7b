//===- ProfileKernels.cpp - time every kernel of a profiled model ---------===//
//
// tessera-tag-kernels marks each tk op's location with what it is and what
// it computes, before the CPU lowering expands it into loops and calls;
// tessera-profile-kernels then brackets every kernel of the generated code
// (KernelRuns.h) with calls of the profiler hooks and describes it: the
// ONNX nodes it came from, its kind, its FLOPs and the bytes it touches.
//
//===----------------------------------------------------------------------===//

#include "passes/Transforms/KernelRuns.h"
#include "passes/Transforms/Passes.h"
#include "dialects/Kernel/IR/KernelDialect.h"
#include "dialects/Kernel/IR/KernelOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/MathExtras.h"

namespace tessera {
#define GEN_PASS_DEF_TAGKERNELS
#define GEN_PASS_DEF_PROFILEKERNELS
#include "passes/Transforms/Passes.h.inc"
} // namespace tessera

using namespace mlir;
namespace tk = tessera::tk;

namespace {

/// The product of `sizes` (static), saturating.
uint64_t product(ArrayRef<int64_t> sizes) {
  uint64_t total = 1;
  for (int64_t size : sizes) {
    if (size < 0)
      return 0;
    total = llvm::SaturatingMultiply(total, static_cast<uint64_t>(size));
  }
  return total;
}

} // namespace

uint64_t tessera::countKernelFlops(Operation *op) {
  if (auto matmul = dyn_cast<tk::MatmulOp>(op))
    return llvm::SaturatingMultiply(uint64_t(2),
                                    product(matmul.getLoopSizes()));
  if (auto attention = dyn_cast<tk::AttentionOp>(op)) {
    // Q x K^T over d, then P x V over n (the softmax is not counted).
    SmallVector<int64_t> sizes = attention.getLoopSizes();
    uint64_t d = sizes[attention.getDDim()], e = sizes[attention.getEDim()];
    sizes[attention.getDDim()] = sizes[attention.getEDim()] = 1;
    return llvm::SaturatingMultiply(
        uint64_t(2),
        llvm::SaturatingMultiply(product(sizes), llvm::SaturatingAdd(d, e)));
  }
  if (auto conv = dyn_cast<tk::ConvOp>(op)) {
    auto filter = cast<ShapedType>(conv.getFilter().getType());
    if (!filter.hasStaticShape())
      return 0;
    // Every output (direct) or input (transposed) element meets
    // prod(filter[1:]) filter taps of its group.
    Value scaled = conv.getTransposed() ? conv.getInput() : conv.getInit();
    auto shape = cast<ShapedType>(scaled.getType());
    if (!shape.hasStaticShape())
      return 0;
    uint64_t taps = product(filter.getShape().drop_front());
    return llvm::SaturatingMultiply(
        uint64_t(2), llvm::SaturatingMultiply(product(shape.getShape()), taps));
  }
  return 0;
}

namespace {

struct TagKernelsPass : tessera::impl::TagKernelsBase<TagKernelsPass> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    auto i64 = IntegerType::get(context, 64);
    int64_t id = 0;
    getOperation().walk([&](Operation *op) {
      if (!isa<tk::MatmulOp, tk::AttentionOp, tk::ConvOp, tk::PoolOp, tk::FusionOp,
               tk::ReduceOp>(op))
        return;
      NamedAttribute entries[] = {
          {StringAttr::get(context, "flops"),
           IntegerAttr::get(i64, static_cast<int64_t>(std::min<uint64_t>(
                                     tessera::countKernelFlops(op), INT64_MAX)))},
          {StringAttr::get(context, "id"), IntegerAttr::get(i64, id++)},
          {StringAttr::get(context, "kind"),
           StringAttr::get(context, op->getName().getStringRef())}};
      auto info = DictionaryAttr::get(
          context,
          {NamedAttribute(StringAttr::get(context,
                                          tk::TKDialect::getKernelInfoName()),
                          DictionaryAttr::get(context, entries))});
      op->setLoc(FusedLoc::get({op->getLoc()}, info, context));
    });
  }
};

/// The `tk.kernel_info` a location carries, if it is a tagged fused one.
DictionaryAttr kernelInfo(Location loc) {
  auto fused = dyn_cast<FusedLoc>(loc);
  auto metadata =
      fused ? dyn_cast_or_null<DictionaryAttr>(fused.getMetadata()) : nullptr;
  return metadata ? metadata.getAs<DictionaryAttr>(
                        tk::TKDialect::getKernelInfoName())
                  : nullptr;
}

/// Bytes of a statically shaped memref of scalars, 0 for any other value.
uint64_t bytesOf(Value value) {
  auto type = dyn_cast<MemRefType>(value.getType());
  if (!type || !type.hasStaticShape())
    return 0;
  // Index buffers count as 64-bit; other element kinds (vectors,
  // complex numbers) are not counted.
  Type element = type.getElementType();
  uint64_t bits = element.isIndex()          ? 64
                  : element.isIntOrFloat() ? element.getIntOrFloatBitWidth()
                                           : 0;
  return llvm::SaturatingMultiply(product(type.getShape()),
                                  uint64_t((bits + 7) / 8));
}

/// The buffer `value` views whole: through casts and reshapes that keep
/// its size (a subview of part of a buffer is its own, smaller, buffer).
Value wholeBuffer(Value value) {
  while (auto view = value.getDefiningOp<ViewLikeOpInterface>()) {
    Value source = view.getViewSource();
    if (bytesOf(source) != bytesOf(value))
      break;
    value = source;
  }
  return value;
}

/// What one kernel computes, gathered from its ops (and, for a parallel
/// dispatch, its task's): the ONNX nodes named by their locations, the
/// tagged tk kernel, the buffers it touches.
struct KernelSummary {
  llvm::SetVector<StringRef> nodes;
  llvm::SetVector<Attribute> infos;
  llvm::SetVector<Value> buffers;
  /// Globals read through `memref.get_global`, by symbol (a task clones
  /// its own get_global of a packed constant).
  llvm::MapVector<Attribute, uint64_t> globals;

  void addBuffer(Value value) {
    value = wholeBuffer(value);
    if (auto global = value.getDefiningOp<memref::GetGlobalOp>())
      globals[global.getNameAttr()] = bytesOf(value);
    else
      buffers.insert(value);
  }

  void addLocation(Location loc) {
    loc->walk([&](Location part) {
      if (auto name = dyn_cast<NameLoc>(part))
        nodes.insert(name.getName().getValue());
      if (DictionaryAttr info = kernelInfo(part))
        infos.insert(info);
      return WalkResult::advance();
    });
  }

  /// The names of `op`'s nodes and, unless it only computes a view, the
  /// buffers it reads or writes.
  void addOp(Operation *op) {
    op->walk([&](Operation *nested) { addLocation(nested->getLoc()); });
    if (isMemoryEffectFree(op))
      return;
    llvm::SetVector<Value> used(op->operand_begin(), op->operand_end());
    getUsedValuesDefinedAbove(op->getRegions(), used);
    for (Value value : used)
      if (isa<MemRefType>(value.getType()))
        addBuffer(value);
  }

  /// A parallel task's nodes and the constants it reads (its other buffers
  /// are the dispatch's operands).
  void addTask(func::FuncOp task) {
    task.walk([&](Operation *nested) {
      addLocation(nested->getLoc());
      if (auto global = dyn_cast<memref::GetGlobalOp>(nested))
        addBuffer(global.getResult());
    });
  }

  std::string name() const {
    constexpr size_t kShown = 6;
    std::string text;
    for (auto [i, node] : llvm::enumerate(nodes)) {
      if (i == kShown) {
        text += ", ... (" + std::to_string(nodes.size() - kShown) + " more)";
        break;
      }
      text += (i ? ", " : "") + node.str();
    }
    return text.empty() ? "(unnamed)" : text;
  }
};

struct ProfileKernelsPass
    : tessera::impl::ProfileKernelsBase<ProfileKernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    SymbolTable symbols(module);
    auto i32 = IntegerType::get(context, 32);
    auto declare = [&](StringRef name, StringRef hook) {
      OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
      auto function = func::FuncOp::create(
          b, module.getLoc(), name, b.getFunctionType({i32}, {}));
      function.setPrivate();
      function->setAttr(tk::TKDialect::getProfileHookAttrName(),
                        b.getStringAttr(hook));
      symbols.insert(function);
      return function;
    };
    func::FuncOp begin, end;
    SmallVector<Attribute> kernels;
    for (auto function : llvm::to_vector(module.getOps<func::FuncOp>())) {
      if (!tessera::runsKernels(function))
        continue;
      SmallVector<tessera::KernelRun> runs = tessera::kernelRuns(function);
      SmallVector<KernelSummary> summaries;
      for (const tessera::KernelRun &run : runs)
        summaries.push_back(summarize(run));
      for (auto [i, run] : llvm::enumerate(runs)) {
        if (!begin) {
          begin = declare("__tk_profile_begin", "begin");
          end = declare("__tk_profile_end", "end");
        }
        kernels.push_back(describe(
            summaries[i], i + 1 < runs.size() ? &summaries[i + 1] : nullptr,
            run.first->getName().getStringRef()));
        OpBuilder b(run.first);
        Location loc = run.first->getLoc();
        Value index =
            arith::ConstantIntOp::create(
            b, loc, i32, static_cast<int64_t>(kernels.size() - 1));
        func::CallOp::create(b, loc, begin, ValueRange{index});
        b.setInsertionPointAfter(run.last);
        func::CallOp::create(b, loc, end, ValueRange{index});
      }
    }
    module->setAttr(tk::TKDialect::getProfileKernelsAttrName(),
                    ArrayAttr::get(context, kernels));
  }

  KernelSummary summarize(const tessera::KernelRun &run) {
    KernelSummary summary;
    for (Operation *op = run.first;; op = op->getNextNode()) {
      summary.addOp(op);
      // A dispatch's work is in its task.
      if (auto call = dyn_cast<func::CallOp>(op))
        if (auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
                call, call.getCalleeAttr()))
          if (auto task = callee->getAttrOfType<FlatSymbolRefAttr>(
                  tk::TKDialect::getTaskAttrName()))
            if (auto body = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
                    call, task))
              summary.addTask(body);
      if (op == run.last)
        break;
    }
    return summary;
  }

  /// The `tk.profile_kernels` entry of one kernel. A tk kernel the lowering
  /// made several passes of (operands packed or padded first) is credited
  /// with its FLOPs in its last pass; the ones before it (the ones whose
  /// kernel the `next` pass continues) are its prologue.
  DictionaryAttr describe(const KernelSummary &summary,
                          const KernelSummary *next, StringRef opName) {
    MLIRContext *context = &getContext();
    auto i64 = IntegerType::get(context, 64);
    std::string kind = opName.str();
    uint64_t flops = 0, bytes = 0;
    bool credited = false;
    for (Attribute info : summary.infos) {
      auto dict = cast<DictionaryAttr>(info);
      if (next && next->infos.contains(info))
        continue;
      if (!credited)
        kind = dict.getAs<StringAttr>("kind").str();
      credited = true;
      if (auto count = dict.getAs<IntegerAttr>("flops"))
        flops = llvm::SaturatingAdd(flops,
                                    static_cast<uint64_t>(count.getInt()));
    }
    if (!credited && !summary.infos.empty())
      kind = cast<DictionaryAttr>(summary.infos.front())
                 .getAs<StringAttr>("kind")
                 .str() +
             " prologue";
    for (Value buffer : summary.buffers)
      bytes = llvm::SaturatingAdd(bytes, bytesOf(buffer));
    for (auto [name, size] : summary.globals)
      bytes = llvm::SaturatingAdd(bytes, size);
    auto count = [&](uint64_t value) {
      return IntegerAttr::get(
          i64, static_cast<int64_t>(std::min<uint64_t>(value, INT64_MAX)));
    };
    NamedAttribute entries[] = {
        {StringAttr::get(context, "bytes"), count(bytes)},
        {StringAttr::get(context, "flops"), count(flops)},
        {StringAttr::get(context, "kind"), StringAttr::get(context, kind)},
        {StringAttr::get(context, "name"),
         StringAttr::get(context, summary.name())}};
    return DictionaryAttr::get(context, entries);
  }
};

} // namespace
