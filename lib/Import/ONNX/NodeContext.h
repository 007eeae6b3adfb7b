//===- NodeContext.h - what an ONNX op converter works with ------*- C++
//-*-===//
//
// Private to lib/Import/ONNX. A converter turns one NodeProto into tg ops
// through a NodeContext: typed access to inputs and attributes, constant
// operand values (shape computations are folded while importing), op
// creation that reports invalid shapes as errors instead of aborting, and
// the node's outputs.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_IMPORT_ONNX_NODECONTEXT_H
#define TESSERA_IMPORT_ONNX_NODECONTEXT_H

#include "dialects/Graph/IR/GraphBuild.h"
#include "tessera/Import/ONNX.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringMap.h"

#include <onnx/onnx_pb.h>

#include <functional>
#include <optional>
#include <tuple>

namespace tessera::onnx_import {

class NodeContext {
public:
  NodeContext(mlir::OpBuilder &builder, mlir::Location loc,
              const onnx::NodeProto &node, int64_t opset,
              llvm::ArrayRef<mlir::Value> inputs)
      : builder(builder), loc(loc), node(node), opset(opset),
        inputs(inputs.begin(), inputs.end()) {}

  mlir::OpBuilder &builder;
  mlir::Location loc;
  const onnx::NodeProto &node;
  int64_t opset;
  /// The model file's folder: tensors with external data are read from
  /// files inside it.
  std::string modelDirectory;

  //===--- Inputs ---------------------------------------------------------===//

  size_t numInputs() const { return inputs.size(); }
  /// The i-th input, or null when absent (optional input left empty).
  mlir::Value input(size_t i) const {
    return i < inputs.size() ? inputs[i] : mlir::Value();
  }
  /// The i-th input; an error when absent.
  mlir::FailureOr<mlir::Value> required(size_t i);
  mlir::RankedTensorType typeOf(mlir::Value value) const {
    return mlir::cast<mlir::RankedTensorType>(value.getType());
  }
  int64_t rankOf(mlir::Value value) const { return typeOf(value).getRank(); }

  /// The integer elements of a constant input (shape computations fold
  /// during import, so shape inputs are constants).
  static std::optional<llvm::SmallVector<int64_t>>
  constantInts(mlir::Value value);
  std::optional<llvm::SmallVector<double>>
  constantFloats(mlir::Value value) const;
  /// The constant ints of input i; an error naming `what` when not constant.
  mlir::FailureOr<llvm::SmallVector<int64_t>>
  requireConstantInts(size_t i, llvm::StringRef what);
  /// The single value of a constant scalar input i; an error naming `what`.
  mlir::FailureOr<double> requireConstantScalar(size_t i, llvm::StringRef what);
  /// requireConstantScalar for a count, an index or an axis: an error also
  /// when the value is not finite or past +-2^62 (so that it converts, and
  /// small arithmetic on it cannot overflow).
  mlir::FailureOr<int64_t> requireConstantInt(size_t i, llvm::StringRef what);
  /// The error for a non-constant input i named `what`.
  mlir::LogicalResult notConstant(size_t i, llvm::StringRef what);

  //===--- Attributes -----------------------------------------------------===//

  const onnx::AttributeProto *attribute(llvm::StringRef name) const;
  int64_t getInt(llvm::StringRef name, int64_t defaultValue) const;
  float getFloat(llvm::StringRef name, float defaultValue) const;
  std::string getString(llvm::StringRef name,
                        llvm::StringRef defaultValue) const;
  std::optional<llvm::SmallVector<int64_t>> getInts(llvm::StringRef name) const;
  std::optional<llvm::SmallVector<float>> getFloats(llvm::StringRef name) const;
  llvm::SmallVector<std::string> getStrings(llvm::StringRef name) const;

  /// Normalises an axis in [-rank, rank) to [0, rank), or fails.
  mlir::FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank);
  mlir::FailureOr<llvm::SmallVector<int64_t>>
  normalizeAxes(llvm::ArrayRef<int64_t> axes, int64_t rank, bool sort = true);

  //===--- Building -------------------------------------------------------===//

  /// Creates a tg op with inferred result types, folding it when its operands
  /// are constants. Invalid combinations report the op's message and fail.
  template <typename OpTy>
  mlir::FailureOr<llvm::SmallVector<mlir::Value>>
  buildMulti(mlir::ValueRange operands,
             llvm::ArrayRef<mlir::NamedAttribute> attributes = {});

  template <typename OpTy>
  mlir::FailureOr<mlir::Value>
  build(mlir::ValueRange operands,
        llvm::ArrayRef<mlir::NamedAttribute> attributes = {}) {
    auto results = buildMulti<OpTy>(operands, attributes);
    if (mlir::failed(results))
      return mlir::failure();
    return results->front();
  }

  /// Creates an op whose result type is given (reshape, cast, expand, resize).
  template <typename OpTy>
  mlir::FailureOr<mlir::Value>
  buildTyped(mlir::Type resultType, mlir::ValueRange operands,
             llvm::ArrayRef<mlir::NamedAttribute> attributes = {});

  mlir::Value constant(mlir::Attribute value);
  mlir::Value constantI64(llvm::ArrayRef<int64_t> values);

  mlir::NamedAttribute named(llvm::StringRef name, mlir::Attribute value) {
    return builder.getNamedAttr(name, value);
  }
  mlir::DenseI64ArrayAttr i64s(llvm::ArrayRef<int64_t> values) {
    return builder.getDenseI64ArrayAttr(values);
  }

  //===--- Results and errors ---------------------------------------------===//

  /// Number of outputs the node declares (including empty names).
  size_t numOutputs() const { return node.output_size(); }
  /// True when output i has a name (is used by the graph).
  bool outputUsed(size_t i) const {
    return static_cast<int>(i) < node.output_size() && !node.output(i).empty();
  }
  mlir::LogicalResult setOutputs(llvm::ArrayRef<mlir::Value> values);
  /// The single output, or the failure that building it reported.
  mlir::LogicalResult setOutput(mlir::FailureOr<mlir::Value> value) {
    if (mlir::failed(value))
      return mlir::failure();
    return setOutputs({*value});
  }
  llvm::ArrayRef<mlir::Value> outputs() const { return results; }

  /// Output i's dimension `dim` is bounded: the data decides its size, the
  /// tensor holds the bound, and `count` (an i64 scalar tensor) says how
  /// much of it holds the result (the rest is 0).
  struct Bounded {
    int64_t dim;
    mlir::Value count;
  };
  void setBounded(size_t i, int64_t dim, mlir::Value count) {
    bounded.push_back({i, Bounded{dim, count}});
  }
  llvm::ArrayRef<std::pair<size_t, Bounded>> boundedOutputs() const {
    return bounded;
  }

  /// Records `message` as the node's error and fails.
  mlir::LogicalResult error(const llvm::Twine &message);
  const std::string &errorMessage() const { return message; }

private:
  llvm::SmallVector<mlir::Value> inputs;
  llvm::SmallVector<mlir::Value> results;
  llvm::SmallVector<std::pair<size_t, Bounded>> bounded;
  std::string message;
};

/// Converts one node; called with the node's context.
using Converter = std::function<mlir::LogicalResult(NodeContext &)>;

/// Converters keyed by domain and op type, each with the version of its
/// domain it applies from.
class ConverterRegistry {
public:
  /// A converter of the default domain (ai.onnx).
  void add(llvm::StringRef opType, int64_t sinceVersion, Converter converter) {
    add("ai.onnx", opType, sinceVersion, std::move(converter));
  }
  void add(llvm::StringRef domain, llvm::StringRef opType,
           int64_t sinceVersion, Converter converter);
  /// The converter for `opType` of `domain` at version `opset`, or null.
  const Converter *lookup(llvm::StringRef domain, llvm::StringRef opType,
                          int64_t opset) const;
  bool knows(llvm::StringRef domain, llvm::StringRef opType) const;
  /// Every (domain, op type, since version), for documentation.
  std::vector<std::tuple<std::string, std::string, int64_t>> entries() const;

private:
  llvm::StringMap<
      llvm::StringMap<std::vector<std::pair<int64_t, Converter>>>>
      table;
};

/// Tessera's converters (Registry.cpp).
const ConverterRegistry &builtinConverters();

/// Runs a plugin's converter on `context`'s node through the public
/// OnnxNode interface.
mlir::LogicalResult convertWithPlugin(const OnnxConverter &convert,
                                      NodeContext &context,
                                      llvm::StringRef domain,
                                      llvm::StringRef name);

void registerOpsAToF(ConverterRegistry &registry);
void registerOpsGToL(ConverterRegistry &registry);
void registerOpsMToR(ConverterRegistry &registry);
void registerOpsSToZ(ConverterRegistry &registry);
void registerDecomposedOps(ConverterRegistry &registry);
void registerNormalizationOps(ConverterRegistry &registry);
void registerQuantizationOps(ConverterRegistry &registry);
void registerRecurrentOps(ConverterRegistry &registry);
void registerLossOps(ConverterRegistry &registry);
/// ONNX Runtime's contrib operators (domain com.microsoft).
void registerContribOps(ConverterRegistry &registry);
/// Attention, MultiHeadAttention, RotaryEmbedding (OpsContribAttention.cpp).
void registerContribAttentionOps(ConverterRegistry &registry);

/// TensorProto to an elements attribute (one copy of the data). A tensor
/// stored as ONNX external data is read from its file (location, offset,
/// length), which must lie inside `modelDirectory`; without one such a
/// tensor is an error.
mlir::FailureOr<mlir::DenseElementsAttr>
tensorToAttr(mlir::MLIRContext *context, const onnx::TensorProto &tensor,
             std::string &error, llvm::StringRef modelDirectory = {});
/// For a tensor stored as external data, what is wrong with its file
/// (outside `modelDirectory`, missing, too short, a bad length), else "".
std::string checkExternalData(mlir::MLIRContext *context,
                              const onnx::TensorProto &tensor,
                              llvm::StringRef modelDirectory);
/// ONNX data type to an MLIR element type, or null.
mlir::Type elementType(mlir::MLIRContext *context, int32_t dataType);

//===--- Template definitions ------------------------------------------===//

template <typename OpTy>
mlir::FailureOr<llvm::SmallVector<mlir::Value>>
NodeContext::buildMulti(mlir::ValueRange operands,
                        llvm::ArrayRef<mlir::NamedAttribute> attributes) {
  return tg::buildGraphOp<OpTy>(builder, loc, operands, attributes);
}

template <typename OpTy>
mlir::FailureOr<mlir::Value>
NodeContext::buildTyped(mlir::Type resultType, mlir::ValueRange operands,
                        llvm::ArrayRef<mlir::NamedAttribute> attributes) {
  return tg::buildTypedGraphOp<OpTy>(builder, loc, resultType, operands,
                                     attributes);
}

} // namespace tessera::onnx_import

#endif // TESSERA_IMPORT_ONNX_NODECONTEXT_H
