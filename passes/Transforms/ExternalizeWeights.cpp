//===- ExternalizeWeights.cpp - weights into a side file ------------------===//
//
// A model's weights become `llvm.mlir.global` constants; an object file
// cannot hold more than about 2 GiB of them (32-bit PC-relative
// relocations). This pass moves the large ones into a weights section that
// the artifact writer puts in a file and the runtime maps: each function
// that used one reads it at base + offset, the base loaded once per call
// from a mutable global the runtime sets.
//
//===----------------------------------------------------------------------===//

#include "passes/Transforms/Passes.h"
#include "dialects/Kernel/IR/KernelDialect.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/DataLayoutInterfaces.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/Support/MathExtras.h"

#include <limits>

namespace tessera {
#define GEN_PASS_DEF_EXTERNALIZEWEIGHTS
#include "passes/Transforms/Passes.h.inc"
} // namespace tessera

using namespace mlir;

/// The bytes a constant global's value holds when it can live in the
/// weights file: a dense array (or resource) of byte-sized integers or
/// floats whose size is that of the global's type; 0 otherwise.
static uint64_t externalBytes(LLVM::GlobalOp global,
                              const DataLayout &layout) {
  if (!global.getConstant() || global.getThreadLocal_() ||
      (global.getLinkage() != LLVM::Linkage::Private &&
       global.getLinkage() != LLVM::Linkage::Internal))
    return 0;
  auto value = dyn_cast_or_null<ElementsAttr>(global.getValueOrNull());
  if (!value || !isa<DenseIntOrFPElementsAttr, DenseResourceElementsAttr>(
                    value))
    return 0;
  Type element = value.getShapedType().getElementType();
  if (!element.isIntOrFloat() || element.getIntOrFloatBitWidth() % 8 != 0)
    return 0;
  uint64_t elementBytes = element.getIntOrFloatBitWidth() / 8;
  uint64_t count = static_cast<uint64_t>(value.getNumElements());
  if (count > std::numeric_limits<uint64_t>::max() / elementBytes)
    return 0;
  uint64_t bytes = count * elementBytes;
  if (auto dense = dyn_cast<DenseIntOrFPElementsAttr>(value))
    if (!dense.isSplat() && dense.getRawData().size() != bytes)
      return 0;
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob || blob->getData().size() != bytes)
      return 0;
  }
  if (layout.getTypeSize(global.getGlobalType()).getFixedValue() != bytes)
    return 0;
  return bytes;
}

namespace {
struct ExternalizeWeightsPass
    : tessera::impl::ExternalizeWeightsBase<ExternalizeWeightsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (mode != "auto" && mode != "embed" && mode != "file") {
      module.emitError() << "tessera-externalize-weights: mode is auto, "
                            "embed or file, not '"
                         << mode << "'";
      return signalPassFailure();
    }
    DataLayout layout(module);
    SymbolTable symbols(module);

    // Every constant global, and which of them may move: those of
    // min-bytes or more that only functions take the address of.
    uint64_t total = 0;
    llvm::MapVector<LLVM::GlobalOp, uint64_t> movable;
    for (auto global : module.getOps<LLVM::GlobalOp>()) {
      if (!global.getConstant())
        continue;
      if (!global.getValueOrNull() && global.getInitializerRegion().empty())
        continue;
      uint64_t bytes =
          layout.getTypeSize(global.getGlobalType()).getFixedValue();
      total = llvm::SaturatingAdd(total, bytes);
      uint64_t external = externalBytes(global, layout);
      if (external == 0 || external < static_cast<uint64_t>(minBytes))
        continue;
      std::optional<SymbolTable::UseRange> uses =
          SymbolTable::getSymbolUses(global, module);
      if (!uses)
        continue;
      bool onlyAddresses = llvm::all_of(*uses, [](SymbolTable::SymbolUse use) {
        return isa<LLVM::AddressOfOp>(use.getUser()) &&
               use.getUser()->getParentOfType<LLVM::LLVMFuncOp>();
      });
      if (onlyAddresses)
        movable.insert({global, external});
    }

    bool toFile = mode == "file" ||
                  (mode == "auto" && total > static_cast<uint64_t>(autoBytes));
    if (!toFile) {
      if (total > static_cast<uint64_t>(maxEmbedBytes)) {
        module.emitError()
            << "the weights take " << total
            << " bytes, more than an object file can hold (its 32-bit "
               "relocations reach about 2 GiB); compile with --weights=file";
        return signalPassFailure();
      }
      return;
    }
    if (movable.empty())
      return;

    // Offsets in the section, and the base pointer the runtime sets.
    MLIRContext *context = &getContext();
    OpBuilder b(context);
    b.setInsertionPointToStart(module.getBody());
    auto ptr = LLVM::LLVMPointerType::get(context);
    auto i64 = IntegerType::get(context, 64);
    Location loc = module.getLoc();
    auto base = LLVM::GlobalOp::create(b, loc, ptr, /*isConstant=*/false,
                                       LLVM::Linkage::Internal,
                                       "__tessera_weights", Attribute(),
                                       /*alignment=*/8);
    {
      OpBuilder::InsertionGuard guard(b);
      b.createBlock(&base.getInitializerRegion());
      Value null = LLVM::ZeroOp::create(b, loc, ptr);
      LLVM::ReturnOp::create(b, loc, null);
    }
    symbols.insert(base);

    llvm::DenseMap<StringAttr, uint64_t> offsets;
    SmallVector<Attribute> tensors;
    uint64_t size = 0;
    for (auto [global, bytes] : movable) {
      uint64_t alignment = std::max<uint64_t>(64, global.getAlignment().value_or(1));
      size = llvm::alignTo(size, alignment);
      offsets[global.getSymNameAttr()] = size;
      tensors.push_back(DictionaryAttr::get(
          context,
          {b.getNamedAttr("offset", IntegerAttr::get(i64, size)),
           b.getNamedAttr("value", global.getValueOrNull())}));
      size += bytes;
    }

    // Each function loads the base once, at its entry.
    llvm::DenseMap<Operation *, Value> bases;
    SmallVector<LLVM::AddressOfOp> addresses;
    module.walk([&](LLVM::AddressOfOp address) {
      if (offsets.count(address.getGlobalNameAttr().getAttr()))
        addresses.push_back(address);
    });
    for (LLVM::AddressOfOp address : addresses) {
      auto function = address->getParentOfType<LLVM::LLVMFuncOp>();
      Value &loaded = bases[function];
      if (!loaded) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(&function.getBody().front());
        Value slot =
            LLVM::AddressOfOp::create(b, function.getLoc(), ptr,
                                      base.getSymName());
        loaded = LLVM::LoadOp::create(b, function.getLoc(), ptr, slot,
                                      /*alignment=*/8);
      }
      b.setInsertionPoint(address);
      uint64_t offset = offsets[address.getGlobalNameAttr().getAttr()];
      // A constant GEP index is 32-bit: the offset is an i64 value.
      Value at = LLVM::ConstantOp::create(
          b, address.getLoc(), i64,
          IntegerAttr::get(i64, static_cast<int64_t>(offset)));
      Value weight = LLVM::GEPOp::create(b, address.getLoc(), ptr,
                                         b.getI8Type(), loaded, ValueRange{at},
                                         LLVM::GEPNoWrapFlags::inbounds);
      address.replaceAllUsesWith(weight);
      address.erase();
    }
    for (auto [global, bytes] : movable)
      global.erase();

    module->setAttr(
        tessera::tk::TKDialect::getWeightsAttrName(),
        DictionaryAttr::get(
            context,
            {b.getNamedAttr("base", FlatSymbolRefAttr::get(base.getSymNameAttr())),
             b.getNamedAttr("size", IntegerAttr::get(i64, size)),
             b.getNamedAttr("tensors", ArrayAttr::get(context, tensors))}));
  }
};
} // namespace
