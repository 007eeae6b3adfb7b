//===- GraphImpl.h - the state behind tessera::Graph -------------*- C++
//-*-===//
//
// Private to lib/Builder: shared by Graph.cpp (inputs, outputs,
// serialisation) and GraphOps.cpp (one method per tg op).
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_LIB_BUILDER_GRAPHIMPL_H
#define TESSERA_LIB_BUILDER_GRAPHIMPL_H

#include "tessera/Builder/Graph.h"

#include "dialects/Graph/IR/GraphBuild.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"

namespace tessera {

using namespace mlir;

mlir::Type mlirType(mlir::MLIRContext *context, DType dtype);

struct Graph::Impl {
  explicit Impl(const std::string &name)
      : name(name), context(std::make_unique<MLIRContext>(
                        MLIRContext::Threading::DISABLED)),
        builder(context.get()) {
    context->loadDialect<tg::TGDialect, func::FuncDialect>();
    handler = std::make_unique<ScopedDiagnosticHandler>(
        context.get(), [this](Diagnostic &diag) {
          if (diag.getSeverity() == DiagnosticSeverity::Error &&
              diagnostic.empty())
            diagnostic = diag.str();
          return success();
        });
  }

  void start() {
    Location loc = NameLoc::get(builder.getStringAttr(name));
    module = ModuleOp::create(loc);
    builder.setInsertionPointToEnd(module->getBody());
    function = func::FuncOp::create(builder, loc, "main",
                                    builder.getFunctionType({}, {}));
    builder.setInsertionPointToEnd(function.addEntryBlock());
  }

  bool fail(const std::string &message) {
    if (error.empty())
      error = message;
    return false;
  }

  /// The value of `t`, or null after recording why.
  Value get(Tensor t, const char *op) {
    if (!error.empty())
      return Value();
    if (finished) {
      fail(std::string(op) + ": the graph was imported and cannot grow");
      return Value();
    }
    if (!t.valid() || t.index() >= static_cast<int64_t>(values.size())) {
      fail(std::string(op) + ": invalid tensor argument");
      return Value();
    }
    return values[t.index()];
  }

  Location loc(const char *op) {
    return NameLoc::get(builder.getStringAttr(name + "/" + op + "_" +
                                              std::to_string(counter++)));
  }

  Tensor wrap(Value value) {
    values.push_back(value);
    return Tensor(values.size() - 1);
  }

  Tensor result(FailureOr<Value> value, const char *op) {
    if (failed(value)) {
      fail(std::string(op) + ": " +
           (diagnostic.empty() ? "invalid arguments" : diagnostic));
      return Tensor();
    }
    return wrap(*value);
  }

  template <typename OpTy>
  Tensor build(const char *op, std::initializer_list<Tensor> tensors,
               ArrayRef<NamedAttribute> attrs = {}) {
    SmallVector<Value> operands;
    for (Tensor t : tensors) {
      Value v = get(t, op);
      if (!v)
        return Tensor();
      operands.push_back(v);
    }
    diagnostic.clear();
    auto results = tg::buildGraphOp<OpTy>(builder, loc(op), operands, attrs);
    if (failed(results))
      return result(failure(), op);
    return wrap(results->front());
  }

  template <typename OpTy>
  Tensor buildTyped(const char *op, Type type, Value operand,
                    ArrayRef<NamedAttribute> attrs = {}) {
    diagnostic.clear();
    return result(tg::buildTypedGraphOp<OpTy>(builder, loc(op), type,
                                              ValueRange{operand}, attrs),
                  op);
  }

  /// Normalises possibly negative axes; sorted unless `keepOrder`.
  std::optional<std::vector<int64_t>> axes(const char *op,
                                           std::vector<int64_t> given,
                                           int64_t rank,
                                           bool keepOrder = false) {
    for (int64_t &axis : given) {
      if (axis < -rank || axis >= rank) {
        fail(std::string(op) + ": axis " + std::to_string(axis) +
             " is out of range [" + std::to_string(-rank) + ", " +
             std::to_string(rank) + ")");
        return std::nullopt;
      }
      if (axis < 0)
        axis += rank;
    }
    if (!keepOrder)
      std::sort(given.begin(), given.end());
    return given;
  }

  RankedTensorType typeOf(Value v) {
    return llvm::cast<RankedTensorType>(v.getType());
  }

  DenseI64ArrayAttr i64s(ArrayRef<int64_t> values) {
    return builder.getDenseI64ArrayAttr(values);
  }
  NamedAttribute named(StringRef attr, Attribute value) {
    return builder.getNamedAttr(attr, value);
  }

  /// Adds the return, runs `use`, removes the return again.
  template <typename Fn> std::string withReturn(Fn use) {
    if (!error.empty())
      return "";
    if (!finished && outputs.empty()) {
      fail("the graph has no outputs");
      return "";
    }
    func::ReturnOp ret;
    if (!finished) {
      OpBuilder::InsertionGuard guard(builder);
      builder.setInsertionPointToEnd(&function.getBody().front());
      SmallVector<Value> results;
      SmallVector<Type> resultTypes, argTypes;
      for (auto &[value, outputName] : outputs) {
        results.push_back(value);
        resultTypes.push_back(value.getType());
      }
      for (BlockArgument arg : function.getArguments())
        argTypes.push_back(arg.getType());
      ret = func::ReturnOp::create(builder, function.getLoc(), results);
      function.setFunctionType(builder.getFunctionType(argTypes, resultTypes));
      auto names = [&](auto &&list) {
        SmallVector<DictionaryAttr> attrs;
        for (const std::string &name : list)
          attrs.push_back(builder.getDictionaryAttr({builder.getNamedAttr(
              "tessera.name", builder.getStringAttr(name))}));
        return attrs;
      };
      SmallVector<std::string> outputNames;
      for (auto &output : outputs)
        outputNames.push_back(output.second);
      function.setAllArgAttrs(names(inputNames));
      function.setAllResultAttrs(names(outputNames));
    }
    std::string text;
    diagnostic.clear();
    if (failed(mlir::verify(*module)))
      fail("the graph does not verify: " + diagnostic);
    else
      text = use();
    if (ret)
      ret.erase();
    return text;
  }

  std::string name;
  std::unique_ptr<MLIRContext> context;
  OpBuilder builder;
  OwningOpRef<ModuleOp> module;
  func::FuncOp function;
  std::vector<Value> values;
  std::vector<std::pair<Value, std::string>> outputs;
  std::vector<std::string> inputNames;
  std::string error, diagnostic;
  std::unique_ptr<ScopedDiagnosticHandler> handler;
  bool finished = false;
  int counter = 0;
  Operation *lastConstant = nullptr;
};

} // namespace tessera

#endif // TESSERA_LIB_BUILDER_GRAPHIMPL_H
