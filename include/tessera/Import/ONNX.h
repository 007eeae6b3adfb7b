//===- ONNX.h - importing ONNX models into the tg dialect --------*- C++
//-*-===//

#ifndef TESSERA_IMPORT_ONNX_H
#define TESSERA_IMPORT_ONNX_H

#include "llvm/Support/LogicalResult.h"

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace mlir {
class MLIRContext;
class ModuleOp;
template <typename OpTy> class OwningOpRef;
} // namespace mlir

namespace tessera {

class OnnxNode;

/// Converts one ONNX node into tg (or tk) ops (tessera/Import/OnnxConverter.h
/// describes the node); on failure the node's error() says why.
using OnnxConverter = std::function<llvm::LogicalResult(OnnxNode &node)>;

/// A converter for one op of one domain over a range of that domain's
/// opset versions (both ends included).
struct OnnxConverterEntry {
  std::string domain;
  std::string opType;
  int64_t sinceVersion = 1;
  int64_t untilVersion = std::numeric_limits<int64_t>::max();
  OnnxConverter convert;
};

struct OnnxImportOptions {
  /// Shapes for graph inputs, overriding (and required for) symbolic dims.
  std::map<std::string, std::vector<int64_t>> inputShapes;
  /// Graph inputs that become constants: a TensorProto (.pb) file, or a
  /// literal ("16000", "0.5", "0,1,0,1") of the input's declared type.
  std::map<std::string, std::string> frozenInputs;
  /// A tensor given in memory: its ONNX element type, dims and row-major
  /// little-endian bytes (tessera-compile reads .npy files into these).
  struct TensorData {
    int32_t elementType = 0;
    std::vector<int64_t> dims;
    std::string bytes;
  };
  /// Graph inputs that become these constants.
  std::map<std::string, TensorData> frozenTensors;
  /// Numerical debugging: after the graph's outputs, every tensor a node
  /// computes becomes an output too, named like its ONNX value, in node
  /// order (outputs of Constant nodes and values already returned are not
  /// repeated). tessera-verify compares them with ONNX Runtime's.
  bool debugOutputs = false;
  /// Name of the function the graph becomes.
  std::string functionName = "main";
  /// Converters consulted before the built-in ones (plugins'): the last one
  /// added that matches a node's domain, op and opset converts it.
  std::vector<OnnxConverterEntry> converters;
};

/// Imports the ONNX model at `path` as a module with one function of `tg`
/// ops. On failure returns null and sets `error` to one line naming the file,
/// the node (name, op type, domain, opset) and what is wrong.
mlir::OwningOpRef<mlir::ModuleOp>
importOnnxFile(mlir::MLIRContext &context, const std::string &path,
               const OnnxImportOptions &options, std::string &error);

/// One entry of Tessera's built-in converter table: `opType` of `domain`
/// converts from opset `sinceVersion` on (until the op's next entry).
struct OnnxOpEntry {
  std::string domain;
  std::string opType;
  int64_t sinceVersion;
};

/// Every built-in converter, sorted by domain, op type and version.
std::vector<OnnxOpEntry> builtinOnnxOps();

/// Whether a built-in converter handles `opType` of `domain` ("" is
/// ai.onnx) at opset `opset`. (A converter may still refuse one node's
/// attributes or shapes; importing says which.)
bool isBuiltinOnnxOp(const std::string &domain, const std::string &opType,
                     int64_t opset);

/// Parses "NAME=1x3x48x192" into `options`; returns an error message or "".
std::string parseInputShape(const std::string &spec,
                            OnnxImportOptions &options);

} // namespace tessera

#endif // TESSERA_IMPORT_ONNX_H
