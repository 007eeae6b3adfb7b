//===- KernelDialect.cpp - The tk dialect ---------------------------------===//

#include "dialects/Kernel/IR/KernelDialect.h"
#include "dialects/Kernel/IR/KernelOps.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace tessera::tk;

#include "dialects/Kernel/IR/KernelDialect.cpp.inc"

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
