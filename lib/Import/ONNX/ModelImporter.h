//===- ModelImporter.h - an ONNX model's graph to tg ------------*- C++ -*-===//
//
// The importer's state over one model: the values of the graph by ONNX
// name, the opsets, the first error. Importer.cpp imports the graph and its
// nodes; ControlFlow.cpp imports the subgraphs of If, Loop and Scan into the
// same function.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_LIB_IMPORT_ONNX_MODELIMPORTER_H
#define TESSERA_LIB_IMPORT_ONNX_MODELIMPORTER_H

#include "lib/Import/ONNX/NodeContext.h"
#include "tessera/Import/ONNX.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Path.h"

#include <string>

namespace tessera::onnx_import {

class ModelImporter {
public:
  ModelImporter(mlir::MLIRContext &context, const std::string &path,
                const OnnxImportOptions &options)
      : context(context), path(path), options(options), builder(&context) {}

  mlir::OwningOpRef<mlir::ModuleOp> run(std::string &error);

private:
  mlir::LogicalResult fail(const std::string &message) {
    error = path + ": " + message;
    return mlir::failure();
  }
  mlir::LogicalResult importGraph(const onnx::GraphProto &graph);
  /// A graph output's declared element type and fixed dims must be what
  /// the graph computes.
  mlir::LogicalResult checkDeclaredOutput(const onnx::ValueInfoProto &output,
                                          mlir::Type computed);
  mlir::LogicalResult importNode(const onnx::NodeProto &node, int index);
  /// ONNX If: the branch a compile-time condition picks, inlined; with a
  /// run-time condition both branches, their outputs selected elementwise.
  mlir::LogicalResult importIf(const onnx::NodeProto &node,
                               const std::string &name,
                               const std::string &where,
                               llvm::ArrayRef<mlir::Value> inputs);
  /// Imports a subgraph's initializers and nodes into the current function
  /// with its inputs bound to `arguments` (names it defines stay local to
  /// it) and returns its outputs.
  mlir::FailureOr<llvm::SmallVector<mlir::Value>>
  importBody(const onnx::GraphProto &body,
             llvm::ArrayRef<mlir::Value> arguments, const std::string &where,
             const std::string &which);
  mlir::FailureOr<llvm::SmallVector<mlir::Value>>
  importBranch(const onnx::GraphProto &branch, const std::string &where,
               const std::string &which);
  /// ONNX Loop and Scan with trip counts known at import: the body
  /// unrolled, scan outputs stacked.
  mlir::LogicalResult importLoop(const onnx::NodeProto &node,
                                 const std::string &name,
                                 const std::string &where,
                                 llvm::ArrayRef<mlir::Value> inputs);
  mlir::LogicalResult importScan(const onnx::NodeProto &node,
                                 const std::string &name,
                                 const std::string &where,
                                 llvm::ArrayRef<mlir::Value> inputs);
  /// Binds the node's outputs to `results`.
  mlir::LogicalResult setNodeOutputs(const onnx::NodeProto &node,
                                     const std::string &where,
                                     llvm::ArrayRef<mlir::Value> results);
  /// `values` stacked along a new axis `axis` (the scan outputs).
  mlir::FailureOr<mlir::Value> stack(llvm::ArrayRef<mlir::Value> values,
                                     int64_t axis, mlir::Location loc);
  /// The folder external data is read from: the model file's.
  std::string modelDirectory() const {
    llvm::StringRef folder = llvm::sys::path::parent_path(path);
    return folder.empty() ? "." : folder.str();
  }

  mlir::MLIRContext &context;
  std::string path;
  const OnnxImportOptions &options;
  mlir::OpBuilder builder;
  int64_t opset = 0;
  /// The version of every domain the model imports ("ai.onnx" for "").
  llvm::StringMap<int64_t> opsets;
  llvm::StringMap<mlir::Value> values;
  /// Values with a bounded dimension (NodeContext::Bounded), and the node
  /// that made each, for messages.
  struct BoundedValue {
    NodeContext::Bounded bound;
    std::string producer;
  };
  llvm::DenseMap<mlir::Value, BoundedValue> bounded;
  /// Fails when node `node` cannot take the bounded inputs it has; records
  /// which of its outputs are bounded (Bounded.cpp).
  mlir::LogicalResult propagateBounded(const onnx::NodeProto &node,
                                       const std::string &where,
                                       llvm::ArrayRef<mlir::Value> inputs,
                                       llvm::ArrayRef<mlir::Value> outputs);
  std::string error;
  std::string diagnostic;
};

} // namespace tessera::onnx_import

#endif // TESSERA_LIB_IMPORT_ONNX_MODELIMPORTER_H
