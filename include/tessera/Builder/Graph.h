//===- Graph.h - building tg graphs from C++ ---------------------*- C++
//-*-===//
//
// A typed, shape-checked way to write a model without writing MLIR:
//
//   tessera::Graph g("mlp");
//   tessera::Tensor x = g.input("x", {1, 784});
//   tessera::Tensor w = g.constant(weights.data(), {784, 10});
//   g.output(g.softmax(g.matmul(x, w)), "probabilities");
//   if (!g.ok()) std::cerr << g.error() << "\n";
//
// Every call checks its arguments with the same shape rules as the tg
// verifiers. A call that cannot build returns an invalid Tensor and records
// a one-line error (g.error()); later calls taking an invalid Tensor fail
// too, so a chain can be checked once at the end. The graph is the same IR
// the ONNX importer produces for the same model. This header includes no
// MLIR or LLVM header.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_BUILDER_GRAPH_H
#define TESSERA_BUILDER_GRAPH_H

#include "tessera/Support/Shape.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tessera {

/// Element types, numbered as ONNX's TensorProto.DataType.
enum class DType : int32_t {
  F32 = 1,
  U8 = 2,
  I8 = 3,
  U16 = 4,
  I16 = 5,
  I32 = 6,
  I64 = 7,
  Bool = 9,
  F16 = 10,
  F64 = 11,
  U32 = 12,
  U64 = 13,
  BF16 = 16
};
/// "float32", "int64", "bool", … (numpy names).
const char *dtypeName(DType dtype);
std::optional<DType> parseDType(const std::string &name);
size_t dtypeSize(DType dtype);

/// A value of a Graph. Only meaningful with the Graph that made it.
class Tensor {
public:
  Tensor() = default;
  bool valid() const { return id >= 0; }
  explicit operator bool() const { return valid(); }
  int64_t index() const { return id; }

private:
  friend class Graph;
  explicit Tensor(int64_t id) : id(id) {}
  int64_t id = -1;
};

struct ConvOptions {
  std::vector<int64_t> strides;   // default: 1 per spatial dimension
  std::vector<int64_t> pads;      // begins then ends; default: 0
  std::vector<int64_t> dilations; // default: 1
  int64_t group = 1;
  std::vector<int64_t> outputPadding; // conv_transpose only; default 0
};

struct PoolOptions {
  std::vector<int64_t> kernel;
  std::vector<int64_t> strides;   // default: 1
  std::vector<int64_t> pads;      // default: 0
  std::vector<int64_t> dilations; // default: 1
  bool ceilMode = false;
  bool countIncludePad = false; // avg_pool only
};

struct ResizeOptions {
  /// Exactly one of `scales` and `sizes`, one entry per dimension.
  std::vector<double> scales;
  std::vector<int64_t> sizes;
  std::string mode = "nearest";              // nearest, linear, cubic
  std::string coordinateMode = "half_pixel"; // ONNX names
  std::string nearestMode = "round_prefer_floor";
  double cubicCoeffA = -0.75;
  bool excludeOutside = false;
};

class Graph {
public:
  explicit Graph(const std::string &name = "graph");
  ~Graph();
  Graph(Graph &&) noexcept;
  Graph &operator=(Graph &&) noexcept;

  /// Imports an ONNX model (see tessera/Import/ONNX.h) as a finished graph.
  static Graph
  importOnnx(const std::string &path,
             const std::map<std::string, std::vector<int64_t>> &inputShapes);

  const std::string &name() const;
  /// False once any call failed; error() tells the first failure.
  bool ok() const;
  const std::string &error() const;
  /// Forgets the recorded error. The failed call built nothing, so the
  /// graph is still consistent (used by the Python module, which raises).
  void clearError();

  //===--- Graph inputs, constants and outputs ----------------------------===//

  Tensor input(const std::string &name, const Shape &shape,
               DType dtype = DType::F32);
  /// Copies `data` (dense, row-major, of the dtype's size per element).
  Tensor constant(const void *data, const Shape &shape,
                  DType dtype = DType::F32);
  Tensor constant(const std::vector<float> &values, const Shape &shape);
  void output(Tensor value, const std::string &name);

  Shape shape(Tensor value) const;
  DType dtype(Tensor value) const;
  size_t numInputs() const;
  size_t numOutputs() const;

  //===--- Elementwise ----------------------------------------------------===//

  Tensor add(Tensor a, Tensor b);
  Tensor sub(Tensor a, Tensor b);
  Tensor mul(Tensor a, Tensor b);
  Tensor div(Tensor a, Tensor b);
  Tensor pow(Tensor a, Tensor b);
  Tensor max(Tensor a, Tensor b);
  Tensor min(Tensor a, Tensor b);
  Tensor equal(Tensor a, Tensor b);
  Tensor less(Tensor a, Tensor b);
  Tensor lessOrEqual(Tensor a, Tensor b);
  Tensor greater(Tensor a, Tensor b);
  Tensor greaterOrEqual(Tensor a, Tensor b);
  Tensor where(Tensor condition, Tensor x, Tensor y);

  Tensor relu(Tensor x);
  Tensor sigmoid(Tensor x);
  Tensor tanh(Tensor x);
  Tensor exp(Tensor x);
  Tensor log(Tensor x);
  Tensor sqrt(Tensor x);
  Tensor abs(Tensor x);
  Tensor neg(Tensor x);
  Tensor erf(Tensor x);
  Tensor floor(Tensor x);
  Tensor ceil(Tensor x);
  Tensor reciprocal(Tensor x);
  Tensor hardSwish(Tensor x);
  Tensor hardSigmoid(Tensor x, double alpha = 0.2, double beta = 0.5);
  Tensor leakyRelu(Tensor x, double alpha = 0.01);
  Tensor gelu(Tensor x, bool tanhApproximation = false);
  Tensor clip(Tensor x, std::optional<double> min, std::optional<double> max);
  Tensor cast(Tensor x, DType to);

  //===--- Contractions, windows, normalisation ---------------------------===//

  Tensor matmul(Tensor a, Tensor b);
  Tensor conv(Tensor x, Tensor weight, Tensor bias = Tensor(),
              const ConvOptions &options = {});
  Tensor convTranspose(Tensor x, Tensor weight, Tensor bias = Tensor(),
                       const ConvOptions &options = {});
  Tensor maxPool(Tensor x, const PoolOptions &options);
  Tensor avgPool(Tensor x, const PoolOptions &options);
  Tensor globalMaxPool(Tensor x);
  Tensor globalAvgPool(Tensor x);
  Tensor batchNorm(Tensor x, Tensor scale, Tensor bias, Tensor mean, Tensor var,
                   double epsilon = 1e-5);
  Tensor layerNorm(Tensor x, Tensor scale, Tensor bias = Tensor(),
                   int64_t axis = -1, double epsilon = 1e-5);
  Tensor softmax(Tensor x, int64_t axis = -1);
  Tensor logSoftmax(Tensor x, int64_t axis = -1);

  /// Reductions; empty `axes` reduce every dimension. Axes may be negative.
  Tensor reduceSum(Tensor x, std::vector<int64_t> axes = {},
                   bool keepDims = true);
  Tensor reduceMean(Tensor x, std::vector<int64_t> axes = {},
                    bool keepDims = true);
  Tensor reduceMax(Tensor x, std::vector<int64_t> axes = {},
                   bool keepDims = true);
  Tensor reduceMin(Tensor x, std::vector<int64_t> axes = {},
                   bool keepDims = true);
  Tensor reduceProd(Tensor x, std::vector<int64_t> axes = {},
                    bool keepDims = true);

  //===--- Data movement --------------------------------------------------===//

  /// One entry may be -1 (inferred); 0 copies the input's dimension.
  Tensor reshape(Tensor x, const Shape &shape);
  /// Empty `perm` reverses the dimensions.
  Tensor transpose(Tensor x, std::vector<int64_t> perm = {});
  Tensor concat(const std::vector<Tensor> &inputs, int64_t axis);
  /// ONNX Slice semantics (clamped, negative-wrapped starts and ends).
  Tensor slice(Tensor x, const std::vector<int64_t> &starts,
               const std::vector<int64_t> &ends,
               const std::vector<int64_t> &axes = {},
               const std::vector<int64_t> &steps = {});
  Tensor gather(Tensor data, Tensor indices, int64_t axis = 0);
  /// `pads`: begins then ends, one per dimension; mode constant, reflect,
  /// edge or wrap.
  Tensor pad(Tensor x, const std::vector<int64_t> &pads,
             const std::string &mode = "constant", double value = 0.0);
  Tensor resize(Tensor x, const ResizeOptions &options);
  Tensor expand(Tensor x, const Shape &shape);
  Tensor squeeze(Tensor x, std::vector<int64_t> axes = {});
  Tensor unsqueeze(Tensor x, std::vector<int64_t> axes);
  Tensor flatten(Tensor x, int64_t axis = 1);
  std::vector<Tensor> split(Tensor x, int64_t axis,
                            const std::vector<int64_t> &sizes);

  //===--- Result ---------------------------------------------------------===//

  /// The graph as MLIR (text, or bytecode for the compiler driver). Fails
  /// (empty string, error set) when the graph has errors or no outputs.
  std::string toMLIR() const;
  std::string toBytecode() const;

  struct Impl;

private:
  explicit Graph(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl;
};

} // namespace tessera

#endif // TESSERA_BUILDER_GRAPH_H
