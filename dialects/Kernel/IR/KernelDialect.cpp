//===- KernelDialect.cpp - The tk dialect ---------------------------------===//

#include "dialects/Kernel/IR/KernelDialect.h"
#include "dialects/Kernel/IR/KernelOps.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace tessera::tk;

#include "dialects/Kernel/IR/KernelDialect.cpp.inc"
#include "dialects/Kernel/IR/KernelEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/Kernel/IR/KernelAttrs.cpp.inc"

void TKDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/Kernel/IR/KernelOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/Kernel/IR/KernelAttrs.cpp.inc"
      >();
}

LogicalResult TKDialect::verifyOperationAttribute(Operation *op,
                                                 NamedAttribute attribute) {
  StringRef name = attribute.getName().getValue();
  Attribute value = attribute.getValue();
  auto count = [&]() -> LogicalResult {
    auto integer = dyn_cast<IntegerAttr>(value);
    if (!integer || !integer.getType().isInteger(64) || integer.getInt() < 0)
      return op->emitError() << "'" << name
                             << "' must be a non-negative i64, got " << value;
    return success();
  };
  if (name == getTaskAttrName()) {
    auto function = dyn_cast<FunctionOpInterface>(op);
    if (!function)
      return op->emitError() << "'" << name << "' belongs on a function";
    if (isa<UnitAttr>(value)) {
      ArrayRef<Type> inputs = function.getArgumentTypes();
      if (function.isExternal() || inputs.size() < 2 ||
          !inputs[0].isIntOrIndex() || !inputs[1].isIntOrIndex())
        return op->emitError()
               << "a task function takes (begin: index, end: index, "
                  "captured...) and has a body";
      return success();
    }
    auto task = dyn_cast<FlatSymbolRefAttr>(value);
    if (!task)
      return op->emitError() << "'" << name
                             << "' is a unit (a task) or a symbol reference "
                                "(a dispatch), got "
                             << value;
    ArrayRef<Type> inputs = function.getArgumentTypes();
    if (!function.isExternal() || inputs.empty() || !inputs[0].isIntOrIndex())
      return op->emitError()
             << "a dispatch is a declaration taking (n: index, captured...)";
    return success();
  }
  if (name == getWorkspaceSizeAttrName()) {
    if (!isa<FunctionOpInterface>(op))
      return op->emitError() << "'" << name << "' belongs on a function";
    return count();
  }
  if (name == getStatusOffsetAttrName()) {
    if (!isa<FunctionOpInterface>(op))
      return op->emitError() << "'" << name << "' belongs on a function";
    return count();
  }
  if (name == getStatusAttrName()) {
    auto type = op->getNumResults() == 1
                    ? dyn_cast<MemRefType>(op->getResult(0).getType())
                    : MemRefType();
    if (!isa<UnitAttr>(value) || !type || type.getRank() != 0 ||
        !type.getElementType().isInteger(32) ||
        !isa<FunctionOpInterface>(op->getParentOp()))
      return op->emitError() << "'" << name
                             << "' (unit) marks the allocation of a memref<i32> "
                                "at a function's top level";
    return success();
  }
  if (name == getChecksAttrName()) {
    auto messages = dyn_cast<ArrayAttr>(value);
    if (!isa<FunctionOpInterface>(op) || !messages ||
        !llvm::all_of(messages, llvm::IsaPred<StringAttr>))
      return op->emitError() << "'" << name
                             << "' is an array of strings on a function";
    return success();
  }
  if (name == getKernelCountAttrName() ||
      name == getTiledKernelCountAttrName() ||
      name == getParallelKernelCountAttrName()) {
    if (!isa<ModuleOp>(op))
      return op->emitError() << "'" << name << "' belongs on a module";
    return count();
  }
  if (name == getProfileHookAttrName()) {
    auto hook = dyn_cast<StringAttr>(value);
    auto function = dyn_cast<FunctionOpInterface>(op);
    if (!hook || (hook.getValue() != "begin" && hook.getValue() != "end") ||
        !function || !function.isExternal())
      return op->emitError() << "'" << name
                             << "' is \"begin\" or \"end\" on a function "
                                "declaration";
    return success();
  }
  if (name == getProfileKernelsAttrName()) {
    auto kernels = dyn_cast<ArrayAttr>(value);
    auto valid = [](Attribute kernel) {
      auto dict = dyn_cast<DictionaryAttr>(kernel);
      if (!dict || !dict.getAs<StringAttr>("name") ||
          !dict.getAs<StringAttr>("kind"))
        return false;
      for (StringRef count : {"flops", "bytes"}) {
        auto integer = dict.getAs<IntegerAttr>(count);
        if (!integer || integer.getValue().isNegative())
          return false;
      }
      return true;
    };
    if (!isa<ModuleOp>(op) || !kernels || !llvm::all_of(kernels, valid))
      return op->emitError()
             << "'" << name
             << "' is an array of {name, kind, flops, bytes} on a module";
    return success();
  }
  if (name == getWeightsAttrName()) {
    auto weights = dyn_cast<DictionaryAttr>(value);
    auto size = weights ? weights.getAs<IntegerAttr>("size") : IntegerAttr();
    auto tensors = weights ? weights.getAs<ArrayAttr>("tensors") : ArrayAttr();
    auto valid = [&](Attribute tensor) {
      auto dict = dyn_cast<DictionaryAttr>(tensor);
      auto offset = dict ? dict.getAs<IntegerAttr>("offset") : IntegerAttr();
      auto elements = dict ? dict.getAs<ElementsAttr>("value") : ElementsAttr();
      return offset && elements && !offset.getValue().isNegative();
    };
    if (!isa<ModuleOp>(op) || !weights ||
        !weights.getAs<FlatSymbolRefAttr>("base") || !size ||
        size.getValue().isNegative() || !tensors ||
        !llvm::all_of(tensors, valid))
      return op->emitError() << "'" << name
                             << "' is {base = @symbol, size, tensors = "
                                "[{offset, value}]} on a module";
    return success();
  }
  return op->emitError() << "unknown tk attribute '" << name << "'";
}

LogicalResult
CPUWindowAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                      WindowKernel kernel, int64_t lanes, int64_t mr,
                      int64_t nr, bool parallel) {
  if (lanes < 1 || mr < 1 || nr < 1)
    return emitError() << "every tile size must be positive";
  if (nr % lanes)
    return emitError() << "nr (" << nr << ") must be a multiple of lanes ("
                       << lanes << ")";
  return success();
}

LogicalResult
CPUTileAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                    int64_t lanes, int64_t mr, int64_t nr, int64_t kc,
                    int64_t mc, bool parallel) {
  if (lanes < 1 || mr < 1 || nr < 1 || kc < 1 || mc < 1)
    return emitError() << "every tile size must be positive";
  if (nr % lanes)
    return emitError() << "nr (" << nr << ") must be a multiple of lanes ("
                       << lanes << ")";
  if (mc % mr)
    return emitError() << "mc (" << mc << ") must be a multiple of mr (" << mr
                       << ")";
  return success();
}
