//===- OnnxConverter.h - what an ONNX converter sees of its node --*- C++ -*-===//
//
// The public face of one ONNX node being imported, for converters a plugin
// registers (tessera/Plugin/Plugin.h): the node's op, domain and opset, its
// inputs as tg values, its attributes, the builder and location to create
// ops with, and where its outputs go. Ops are built with the tg builders of
// dialects/Graph/IR/GraphBuild.h (tg::buildGraphOp), which infer result
// types and fold constants; an op that cannot be built reports why.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_IMPORT_ONNXCONVERTER_H
#define TESSERA_IMPORT_ONNXCONVERTER_H

#include "tessera/Import/ONNX.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Value.h"

#include <optional>
#include <string>
#include <vector>

namespace tessera {

class OnnxNode {
public:
  virtual ~OnnxNode() = default;

  /// The op type, its domain ("ai.onnx" for the default one), the version
  /// of that domain the model imports, and the node's name (or a generated
  /// one when the model has none).
  virtual llvm::StringRef opType() const = 0;
  virtual llvm::StringRef domain() const = 0;
  virtual int64_t opset() const = 0;
  virtual llvm::StringRef name() const = 0;

  virtual mlir::OpBuilder &builder() = 0;
  /// The node's location (its name, in the model file); every op a
  /// converter creates should carry it.
  virtual mlir::Location location() const = 0;

  /// Inputs as declared (an empty optional input is a null value).
  virtual size_t numInputs() const = 0;
  virtual mlir::Value input(size_t i) const = 0;
  /// The elements of a value known at compile time (initializers, folded
  /// shape computations), as doubles; nullopt when not constant.
  virtual std::optional<std::vector<double>>
  constantValues(mlir::Value value) const = 0;

  /// Attributes by name; a missing one gives the default (or nullopt).
  virtual bool hasAttribute(llvm::StringRef name) const = 0;
  virtual int64_t getInt(llvm::StringRef name, int64_t defaultValue) const = 0;
  virtual double getFloat(llvm::StringRef name, double defaultValue) const = 0;
  virtual std::string getString(llvm::StringRef name,
                                llvm::StringRef defaultValue) const = 0;
  virtual std::optional<std::vector<int64_t>>
  getInts(llvm::StringRef name) const = 0;
  virtual std::optional<std::vector<float>>
  getFloats(llvm::StringRef name) const = 0;

  /// Outputs as declared; an output with an empty name is not used.
  virtual size_t numOutputs() const = 0;
  virtual bool outputUsed(size_t i) const = 0;
  /// The node's results, one per used output (null for unused ones).
  virtual mlir::LogicalResult setOutputs(llvm::ArrayRef<mlir::Value> values) = 0;

  /// Records why the node cannot be converted (the import error names the
  /// file, node, op and domain before it) and returns failure.
  virtual mlir::LogicalResult error(const llvm::Twine &message) = 0;
};

} // namespace tessera

#endif // TESSERA_IMPORT_ONNXCONVERTER_H
