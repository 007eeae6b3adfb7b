//===- Bounded.cpp - values whose size the data decides -------------------===//
//
// NonZero (and the other ops whose result size is data) gives a bounded
// tensor: it holds the bound, the result lies at the front of one
// dimension, and a count says how far. The ops that may follow such a value
// are those for which the front of the dimension stays the front, and the
// padding cannot leak into the result: elementwise ops, casts, transposes,
// Gather (taking the bounded value as indices, or gathering along another
// dimension), GatherND (its rows of coordinates), Slice, Squeeze and
// Unsqueeze of other dimensions. Anything else (a reduction over it, a reshape, Shape, an
// index into it) would compute with the bound instead of the size, so it is
// refused, naming the node and the op that made the value.
//
//===----------------------------------------------------------------------===//

#include "lib/Import/ONNX/ModelImporter.h"

#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace tessera::onnx_import;

/// The node's integer list attribute `name`, or none.
static std::optional<SmallVector<int64_t>>
intsAttribute(const onnx::NodeProto &node, llvm::StringRef name) {
  for (const onnx::AttributeProto &attribute : node.attribute())
    if (attribute.name() == name)
      return SmallVector<int64_t>(attribute.ints().begin(),
                                  attribute.ints().end());
  return std::nullopt;
}

static int64_t rankOf(Value value) {
  auto type = value ? dyn_cast<RankedTensorType>(value.getType())
                    : RankedTensorType();
  return type ? type.getRank() : -1;
}

LogicalResult ModelImporter::propagateBounded(const onnx::NodeProto &node,
                                              const std::string &where,
                                              ArrayRef<Value> inputs,
                                              ArrayRef<Value> outputs) {
  SmallVector<std::pair<size_t, const BoundedValue *>> taken;
  for (auto [i, input] : llvm::enumerate(inputs))
    if (input)
      if (auto it = bounded.find(input); it != bounded.end())
        taken.push_back({i, &it->second});
  if (taken.empty())
    return success();
  const BoundedValue &first = *taken.front().second;
  auto refuse = [&](const std::string &why) {
    return fail(where + "input '" + node.input(taken.front().first) +
                "' has a dimension whose size " + first.producer +
                " decides at run time (dimension " +
                std::to_string(first.bound.dim) + "), " + why +
                "; only elementwise ops, Cast, Transpose, Gather, GatherND (its "
                "indices), Slice, Squeeze and Unsqueeze (other dimensions) "
                "and graph outputs may take such a value");
  };
  std::string domain = node.domain().empty() ? "ai.onnx" : node.domain();
  const std::string &op = node.op_type();
  static const llvm::StringSet<> unary = {
      "Identity", "Cast",  "Abs",   "Neg",  "Relu", "Sigmoid",    "Tanh",
      "Exp",      "Log",   "Sqrt",  "Floor", "Ceil", "Round",     "Not",
      "Sign",     "Reciprocal", "Erf", "Sin", "Cos", "IsNaN", "IsInf"};
  static const llvm::StringSet<> binary = {
      "Add",   "Sub",  "Mul",     "Div",         "Max",     "Min",
      "Pow",   "Mod",  "Equal",   "Less",        "Greater", "LessOrEqual",
      "GreaterOrEqual", "And",    "Or",          "Xor",     "Where",
      "BitwiseAnd", "BitwiseOr", "BitwiseXor"};
  auto bind = [&](size_t output, int64_t dim) {
    if (output < outputs.size() && outputs[output])
      bounded[outputs[output]] = {{dim, first.bound.count}, first.producer};
    return success();
  };
  if (domain != "ai.onnx")
    return refuse("which this op cannot take");
  if (unary.contains(op))
    return bind(0, first.bound.dim);
  if (binary.contains(op)) {
    // Every bounded input lands on the same output dimension with the same
    // count; every other input broadcasts along it.
    int64_t rank = rankOf(outputs[0]), dim = -1;
    for (auto [i, input] : llvm::enumerate(inputs)) {
      int64_t inputRank = rankOf(input), offset = rank - inputRank;
      auto it = bounded.find(input);
      if (it != bounded.end()) {
        int64_t at = it->second.bound.dim + offset;
        if ((dim >= 0 && at != dim) ||
            it->second.bound.count != first.bound.count)
          return refuse("and another input is bounded differently");
        dim = at;
      }
    }
    for (Value input : inputs) {
      if (!input || bounded.count(input))
        continue;
      int64_t at = dim - (rank - rankOf(input));
      if (at >= 0 &&
          cast<RankedTensorType>(input.getType()).getDimSize(at) != 1)
        return refuse("and another input of size " +
                      std::to_string(cast<RankedTensorType>(input.getType())
                                         .getDimSize(at)) +
                      " along it does not broadcast");
    }
    return bind(0, dim);
  }
  if (op == "Transpose") {
    int64_t rank = rankOf(inputs[0]);
    SmallVector<int64_t> perm;
    for (const onnx::AttributeProto &attribute : node.attribute())
      if (attribute.name() == "perm")
        perm.assign(attribute.ints().begin(), attribute.ints().end());
    if (perm.empty())
      for (int64_t d = rank - 1; d >= 0; --d)
        perm.push_back(d);
    for (auto [j, from] : llvm::enumerate(perm))
      if (from == first.bound.dim)
        return bind(0, j);
    return refuse("which Transpose's perm does not name");
  }
  if (op == "Gather" && taken.size() == 1) {
    int64_t axis = 0, dataRank = rankOf(inputs[0]),
            indicesRank = rankOf(inputs[1]);
    for (const onnx::AttributeProto &attribute : node.attribute())
      if (attribute.name() == "axis")
        axis = attribute.i();
    if (axis < 0)
      axis += dataRank;
    if (taken.front().first == 1)
      return bind(0, axis + first.bound.dim);
    if (first.bound.dim == axis)
      return refuse("which Gather indexes (an index would count from the "
                    "bound, not the size)");
    return bind(0, first.bound.dim < axis
                       ? first.bound.dim
                       : first.bound.dim + indicesRank - 1);
  }
  if (op == "GatherND" && taken.size() == 1 && taken.front().first == 1) {
    // Every row of the indices picks one slice: the rows stay in order.
    int64_t batchDims = 0;
    for (const onnx::AttributeProto &attribute : node.attribute())
      if (attribute.name() == "batch_dims")
        batchDims = attribute.i();
    if (batchDims != 0 || first.bound.dim >= rankOf(inputs[1]) - 1)
      return refuse("which GatherND takes as the coordinates of one element");
    return bind(0, first.bound.dim);
  }
  if (op == "Unsqueeze" || op == "Squeeze") {
    std::optional<SmallVector<int64_t>> axes = intsAttribute(node, "axes");
    if (!axes && inputs.size() > 1 && inputs[1])
      axes = NodeContext::constantInts(inputs[1]);
    int64_t inRank = rankOf(inputs[0]), outRank = rankOf(outputs[0]);
    SmallVector<bool> removed(inRank, false), added(outRank, false);
    if (op == "Squeeze") {
      auto type = cast<RankedTensorType>(inputs[0].getType());
      if (!axes) {
        axes.emplace();
        for (int64_t d = 0; d < inRank; ++d)
          if (type.getDimSize(d) == 1)
            axes->push_back(d);
      }
      for (int64_t a : *axes)
        if (a + (a < 0 ? inRank : 0) >= 0 && a + (a < 0 ? inRank : 0) < inRank)
          removed[a + (a < 0 ? inRank : 0)] = true;
      if (removed[first.bound.dim])
        return refuse("which Squeeze removes");
      int64_t at = first.bound.dim;
      for (int64_t d = 0; d < first.bound.dim; ++d)
        at -= removed[d];
      return bind(0, at);
    }
    if (!axes)
      return refuse("and Unsqueeze's axes are not constants");
    for (int64_t a : *axes)
      if (a + (a < 0 ? outRank : 0) >= 0 && a + (a < 0 ? outRank : 0) < outRank)
        added[a + (a < 0 ? outRank : 0)] = true;
    for (int64_t j = 0, kept = 0; j < outRank; ++j)
      if (!added[j] && kept++ == first.bound.dim)
        return bind(0, j);
    return refuse("which Unsqueeze's axes do not keep");
  }
  if (op == "Slice" && taken.front().first == 0) {
    // Slicing other dimensions keeps the bounded one whole.
    int64_t rank = rankOf(inputs[0]);
    std::optional<SmallVector<int64_t>> axes = intsAttribute(node, "axes"),
                                        starts = intsAttribute(node, "starts");
    if (!starts && inputs.size() > 1)
      starts = NodeContext::constantInts(inputs[1]);
    if (!axes && inputs.size() > 3 && inputs[3])
      axes = NodeContext::constantInts(inputs[3]);
    if (!axes && starts) {
      axes.emplace();
      for (int64_t d = 0; d < static_cast<int64_t>(starts->size()); ++d)
        axes->push_back(d);
    }
    if (!axes)
      return refuse("and Slice's axes are not constants");
    for (int64_t a : *axes)
      if (a + (a < 0 ? rank : 0) == first.bound.dim)
        return refuse("which Slice cuts (its ends count from the bound)");
    return bind(0, first.bound.dim);
  }
  return refuse("which " + op + " cannot take");
}
