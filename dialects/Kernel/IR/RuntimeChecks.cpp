//===- RuntimeChecks.cpp - checks a kernel reports to the runtime ---------===//

#include "dialects/Kernel/IR/RuntimeChecks.h"

#include "dialects/Kernel/IR/KernelDialect.h"
#include "tessera/Support/OneLine.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Location.h"

using namespace mlir;

namespace tessera::lowering {

namespace {

/// The ONNX node name an op's location carries, if any.
std::optional<StringRef> nodeName(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc))
    return name.getName().getValue();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location part : fused.getLocations())
      if (std::optional<StringRef> name = nodeName(part))
        return name;
  return std::nullopt;
}

/// `text` as one printable line: model-controlled names may hold anything.
std::string printable(StringRef text) {
  return tessera::oneLine(text.take_front(200).str());
}

} // namespace

Value getOrCreateStatus(OpBuilder &b, FunctionOpInterface function) {
  Block &entry = function.getFunctionBody().front();
  for (Operation &op : entry)
    if (auto alloc = dyn_cast<memref::AllocOp>(op))
      if (alloc->hasAttr(tk::TKDialect::getStatusAttrName()))
        return alloc;
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&entry);
  Location loc = function.getLoc();
  auto alloc =
      memref::AllocOp::create(b, loc, MemRefType::get({}, b.getI32Type()));
  alloc->setAttr(tk::TKDialect::getStatusAttrName(), b.getUnitAttr());
  memref::StoreOp::create(
      b, loc, arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0)), alloc,
      ValueRange{});
  return alloc;
}

RuntimeCheck addRuntimeCheck(RewriterBase &rewriter, Operation *op,
                             const Twine &message) {
  auto function = op->getParentOfType<FunctionOpInterface>();
  RuntimeCheck check;
  check.status = getOrCreateStatus(rewriter, function);
  StringRef checksName = tk::TKDialect::getChecksAttrName();
  SmallVector<Attribute> messages;
  if (auto existing = function->getAttrOfType<ArrayAttr>(checksName))
    llvm::append_range(messages, existing.getValue());
  std::optional<StringRef> node = nodeName(op->getLoc());
  std::string prefix = node ? "node '" + printable(*node) + "' (" +
                                  op->getName().getStringRef().str() + "): "
                            : op->getName().getStringRef().str() + ": ";
  messages.push_back(rewriter.getStringAttr(prefix + printable(message.str())));
  check.code = static_cast<int32_t>(messages.size());
  rewriter.modifyOpInPlace(function, [&] {
    function->setAttr(checksName, rewriter.getArrayAttr(messages));
  });
  return check;
}

RuntimeCheck addIndexCheck(RewriterBase &rewriter, Operation *op, int64_t dim,
                           int64_t extent) {
  return addRuntimeCheck(rewriter, op,
                         "index out of range: an element of 'indices' lies "
                         "outside [" +
                             Twine(-extent) + ", " + Twine(extent) +
                             "), the positions of dimension " + Twine(dim) +
                             " of 'data'");
}

void reportIf(OpBuilder &b, Location loc, Value failed,
              const RuntimeCheck &check) {
  scf::IfOp::create(b, loc, failed, [&](OpBuilder &tb, Location tl) {
    memref::AtomicRMWOp::create(
        tb, tl, arith::AtomicRMWKind::assign,
        arith::ConstantOp::create(tb, tl, tb.getI32IntegerAttr(check.code)),
        check.status, ValueRange{});
    scf::YieldOp::create(tb, tl);
  });
}

Value checkedIndex(OpBuilder &b, Location loc, Value raw, int64_t extent,
                   const RuntimeCheck &check) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value index = arith::IndexCastOp::create(b, loc, b.getIndexType(), raw);
  Value negative =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, index, zero);
  Value wrapped = arith::SelectOp::create(
      b, loc, negative,
      arith::AddIOp::create(b, loc, index,
                            arith::ConstantIndexOp::create(b, loc, extent)),
      index);
  // Unsigned: a position still negative after wrapping is huge.
  Value outside =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, wrapped,
                            arith::ConstantIndexOp::create(b, loc, extent));
  reportIf(b, loc, outside, check);
  return arith::SelectOp::create(b, loc, outside, zero, wrapped);
}

} // namespace tessera::lowering
