//===- ControlFlow.cpp - ONNX If, Loop and Scan into tg
//---------------------===//
//
// Subgraphs are imported into the model's one function: an If whose
// condition is known inlines its branch, one computed at run time computes
// both and selects; Loop and Scan with trip counts known at import are
// unrolled, their scan outputs stacked.
//
//===----------------------------------------------------------------------===//

#include "lib/Import/ONNX/ModelImporter.h"
#include "lib/Import/ONNX/NodeContext.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/ScopeExit.h"

#include <algorithm>
#include <optional>

using namespace mlir;
using namespace tessera;
using namespace tessera::onnx_import;

FailureOr<SmallVector<Value>>
ModelImporter::importBody(const onnx::GraphProto &body,
                          ArrayRef<Value> arguments, const std::string &where,
                          const std::string &which) {
  if (body.input_size() != static_cast<int>(arguments.size()))
    return fail(where + which + " takes " + std::to_string(body.input_size()) +
                " inputs, the node gives it " +
                std::to_string(arguments.size()));
  // Names a body defines are its own: another body (the other branch, the
  // next iteration) defines them again. Each is removed when the body is
  // done (what it hid of the outer scope put back): the cost is the body's
  // size, not the graph's, however many iterations a loop unrolls.
  llvm::StringMap<std::optional<Value>> hidden;
  auto define = [&](const std::string &name) {
    if (name.empty() || hidden.count(name))
      return;
    auto it = values.find(name);
    hidden[name] =
        it == values.end() ? std::nullopt : std::optional<Value>(it->second);
  };
  for (const onnx::ValueInfoProto &input : body.input())
    define(input.name());
  for (const onnx::TensorProto &tensor : body.initializer())
    define(tensor.name());
  for (const onnx::NodeProto &node : body.node())
    for (const std::string &output : node.output())
      define(output);
  llvm::scope_exit restore([&] {
    for (const auto &entry : hidden) {
      if (entry.second)
        values[entry.first()] = *entry.second;
      else
        values.erase(entry.first());
    }
  });
  for (const auto &entry : hidden)
    values.erase(entry.first());
  for (auto [input, argument] : llvm::zip(body.input(), arguments))
    values[input.name()] = argument;
  Location bodyLoc = FileLineColLoc::get(&context, path, 0, 0);
  for (const onnx::TensorProto &tensor : body.initializer()) {
    std::string message;
    FailureOr<DenseElementsAttr> attr =
        tensorToAttr(&context, tensor, message, modelDirectory());
    if (failed(attr))
      return fail(where + which + " initializer: " + message);
    values[tensor.name()] = tg::ConstantOp::create(
        builder, NameLoc::get(builder.getStringAttr(tensor.name()), bodyLoc),
        attr->getType(), *attr);
  }
  for (int i = 0; i < body.node_size(); ++i)
    if (failed(importNode(body.node(i), i)))
      return failure();
  SmallVector<Value> results;
  for (const onnx::ValueInfoProto &output : body.output()) {
    auto it = values.find(output.name());
    if (it == values.end())
      return fail(where + which + " output '" + output.name() +
                  "' is not computed by it");
    if (auto bound = bounded.find(it->second); bound != bounded.end())
      return fail(where + which + " output '" + output.name() +
                  "' has a dimension whose size " + bound->second.producer +
                  " decides at run time, which a subgraph cannot return");
    results.push_back(it->second);
  }
  return results;
}

FailureOr<SmallVector<Value>>
ModelImporter::importBranch(const onnx::GraphProto &branch,
                            const std::string &where,
                            const std::string &which) {
  return importBody(branch, {}, where, which);
}

LogicalResult ModelImporter::setNodeOutputs(const onnx::NodeProto &node,
                                            const std::string &where,
                                            ArrayRef<Value> results) {
  for (int i = 0; i < node.output_size(); ++i) {
    if (node.output(i).empty())
      continue;
    if (i >= static_cast<int>(results.size()))
      return fail(where + "output " + std::to_string(i) + " is not produced");
    values[node.output(i)] = results[i];
  }
  return success();
}

FailureOr<Value> ModelImporter::stack(ArrayRef<Value> parts, int64_t axis,
                                      Location loc) {
  SmallVector<Value> expanded;
  for (Value part : parts) {
    auto type = cast<RankedTensorType>(part.getType());
    SmallVector<int64_t> shape(type.getShape());
    shape.insert(shape.begin() + axis, 1);
    expanded.push_back(tg::ReshapeOp::create(
        builder, loc, RankedTensorType::get(shape, type.getElementType()),
        part));
  }
  if (expanded.size() == 1)
    return expanded.front();
  auto concat = tg::buildGraphOp<tg::ConcatOp>(
      builder, loc, expanded,
      {builder.getNamedAttr("axis", builder.getI64IntegerAttr(axis))});
  if (failed(concat))
    return failure();
  return concat->front();
}

LogicalResult ModelImporter::importIf(const onnx::NodeProto &node,
                                      const std::string &name,
                                      const std::string &where,
                                      ArrayRef<Value> inputs) {
  const onnx::GraphProto *thenBranch = nullptr, *elseBranch = nullptr;
  for (const onnx::AttributeProto &attribute : node.attribute()) {
    if (attribute.name() == "then_branch" && attribute.has_g())
      thenBranch = &attribute.g();
    if (attribute.name() == "else_branch" && attribute.has_g())
      elseBranch = &attribute.g();
  }
  if (!thenBranch || !elseBranch)
    return fail(where + "needs then_branch and else_branch graphs");
  if (inputs.size() != 1 || !inputs[0])
    return fail(where + "takes one input, the condition");
  Value cond = inputs[0];
  auto condType = dyn_cast<RankedTensorType>(cond.getType());
  if (!condType || !condType.getElementType().isInteger(1) ||
      condType.getNumElements() != 1)
    return fail(where + "the condition must be one bool");

  // Known at compile time (a constant, or folded from shapes): inline the
  // branch it picks; the other is not imported at all (it may be invalid
  // for these shapes, as exporters' shape branches often are).
  DenseElementsAttr known;
  SmallVector<Value> results;
  if (matchPattern(cond, m_Constant(&known))) {
    bool taken = known.getValues<bool>()[0];
    auto outputs = importBranch(taken ? *thenBranch : *elseBranch, where,
                                taken ? "then_branch" : "else_branch");
    if (failed(outputs))
      return failure();
    results = *outputs;
  } else {
    // Computed at run time: both branches, selected elementwise (they have
    // no side effects); their outputs must agree in type and shape.
    auto thenOutputs = importBranch(*thenBranch, where, "then_branch");
    if (failed(thenOutputs))
      return failure();
    auto elseOutputs = importBranch(*elseBranch, where, "else_branch");
    if (failed(elseOutputs))
      return failure();
    if (thenOutputs->size() != elseOutputs->size())
      return fail(
          where + "then_branch has " + std::to_string(thenOutputs->size()) +
          " outputs, else_branch " + std::to_string(elseOutputs->size()));
    Location loc = NameLoc::get(builder.getStringAttr(name),
                                FileLineColLoc::get(&context, path, 0, 0));
    Value scalar = cond;
    if (condType.getRank() != 0)
      scalar = tg::ReshapeOp::create(
          builder, loc, RankedTensorType::get({}, builder.getI1Type()), cond);
    for (auto [i, pair] :
         llvm::enumerate(llvm::zip(*thenOutputs, *elseOutputs))) {
      auto [a, b] = pair;
      if (a.getType() != b.getType()) {
        std::string text;
        llvm::raw_string_ostream os(text);
        os << "output " << i << " is " << a.getType() << " in then_branch but "
           << b.getType()
           << " in else_branch; with a condition computed at run time both "
              "branches are computed and must agree (freeze the input the "
              "condition comes from to pick one at compile time)";
        return fail(where + text);
      }
      results.push_back(
          tg::WhereOp::create(builder, loc, a.getType(), scalar, a, b));
    }
  }
  return setNodeOutputs(node, where, results);
}

/// At most this many iterations are unrolled (a larger trip count is a
/// one-line error, not an import that never ends).
static constexpr int64_t kMaxUnrolledIterations = 4096;

LogicalResult ModelImporter::importLoop(const onnx::NodeProto &node,
                                        const std::string &name,
                                        const std::string &where,
                                        ArrayRef<Value> inputs) {
  const onnx::GraphProto *body = nullptr;
  for (const onnx::AttributeProto &attribute : node.attribute())
    if (attribute.name() == "body" && attribute.has_g())
      body = &attribute.g();
  if (!body)
    return fail(where + "needs a body graph");
  if (inputs.size() < 2)
    return fail(where + "takes a trip count and a condition (either may be "
                        "empty) before its loop-carried values");
  Location loc = NameLoc::get(builder.getStringAttr(name),
                              FileLineColLoc::get(&context, path, 0, 0));
  auto constantScalar = [&](Value value, const char *what,
                            std::optional<int64_t> &out) -> LogicalResult {
    if (!value)
      return success();
    DenseElementsAttr dense;
    auto type = cast<RankedTensorType>(value.getType());
    if (type.getNumElements() != 1 ||
        !matchPattern(value, m_Constant(&dense))) {
      std::string source;
      if (auto argument = dyn_cast<BlockArgument>(value))
        if (auto input = cast<func::FuncOp>(argument.getOwner()->getParentOp())
                             .getArgAttrOfType<StringAttr>(
                                 argument.getArgNumber(), "tessera.name"))
          source = " (graph input '" + input.str() +
                   "'; freeze it with --freeze-input " + input.str() +
                   "=FILE.pb or =VALUE)";
      return fail(where + what +
                  " must be known at import: the body is unrolled, and a "
                  "trip count or condition computed at run time is not "
                  "supported yet" +
                  source);
    }
    out = dense.getValues<APInt>()[0].getSExtValue();
    return success();
  };
  std::optional<int64_t> tripCount, condition;
  if (failed(constantScalar(inputs[0], "the trip count", tripCount)) ||
      failed(constantScalar(inputs[1], "the condition", condition)))
    return failure();
  if (!tripCount && !condition)
    return fail(where + "has neither a trip count nor a condition (it would "
                        "never end)");
  SmallVector<Value> carried(inputs.begin() + 2, inputs.end());
  int64_t scanCount =
      body->output_size() - 1 - static_cast<int64_t>(carried.size());
  if (scanCount < 0)
    return fail(where + "the body returns fewer values than the loop carries");
  SmallVector<SmallVector<Value>> scans(scanCount);
  Value cond = inputs[1];
  int64_t limit = tripCount.value_or(kMaxUnrolledIterations + 1);
  int64_t iteration = 0;
  for (; iteration < limit && condition.value_or(1) != 0; ++iteration) {
    if (iteration == kMaxUnrolledIterations)
      return fail(where + "runs more than " +
                  std::to_string(kMaxUnrolledIterations) +
                  " iterations, the most unrolled at import");
    auto i64 = RankedTensorType::get({}, builder.getI64Type());
    Value index = tg::ConstantOp::create(
        builder, loc, i64,
        DenseElementsAttr::get(i64,
                               APInt(64, static_cast<uint64_t>(iteration))));
    if (!cond) {
      auto i1 = RankedTensorType::get({}, builder.getI1Type());
      cond = tg::ConstantOp::create(builder, loc, i1,
                                    DenseElementsAttr::get(i1, true));
    }
    SmallVector<Value> arguments{index, cond};
    arguments.append(carried);
    auto outputs =
        importBody(*body, arguments, where,
                   "body (iteration " + std::to_string(iteration) + ")");
    if (failed(outputs))
      return failure();
    cond = (*outputs)[0];
    std::optional<int64_t> next;
    if (failed(constantScalar(cond, "the body's condition", next)))
      return failure();
    condition = next;
    for (size_t k = 0; k < carried.size(); ++k)
      carried[k] = (*outputs)[1 + k];
    for (int64_t k = 0; k < scanCount; ++k)
      scans[k].push_back((*outputs)[1 + carried.size() + k]);
  }
  SmallVector<Value> results(carried);
  for (int64_t k = 0; k < scanCount; ++k) {
    if (scans[k].empty())
      return fail(where + "runs no iteration, so its scan output " +
                  std::to_string(k) + " has no known shape");
    auto stacked = stack(scans[k], 0, loc);
    if (failed(stacked))
      return failure();
    results.push_back(*stacked);
  }
  return setNodeOutputs(node, where, results);
}

/// Element `position` of `value` along `axis`, that axis dropped (the
/// inverse of stack()).
static FailureOr<Value> sliceAt(OpBuilder &builder, Location loc, Value value,
                                int64_t axis, int64_t position) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> offsets(type.getRank(), 0), sizes(type.getShape()),
      steps(type.getRank(), 1);
  offsets[axis] = position;
  sizes[axis] = 1;
  auto slice = tg::buildGraphOp<tg::SliceOp>(
      builder, loc, {value},
      {builder.getNamedAttr("offsets", builder.getDenseI64ArrayAttr(offsets)),
       builder.getNamedAttr("sizes", builder.getDenseI64ArrayAttr(sizes)),
       builder.getNamedAttr("steps", builder.getDenseI64ArrayAttr(steps))});
  if (failed(slice))
    return failure();
  SmallVector<int64_t> shape(type.getShape());
  shape.erase(shape.begin() + axis);
  return Value(tg::ReshapeOp::create(
      builder, loc, RankedTensorType::get(shape, type.getElementType()),
      slice->front()));
}

LogicalResult ModelImporter::importScan(const onnx::NodeProto &node,
                                        const std::string &name,
                                        const std::string &where,
                                        ArrayRef<Value> inputs) {
  const onnx::GraphProto *body = nullptr;
  int64_t numScanInputs = -1;
  SmallVector<int64_t> inputAxes, inputDirections, outputAxes, outputDirections;
  for (const onnx::AttributeProto &attribute : node.attribute()) {
    if (attribute.name() == "body" && attribute.has_g())
      body = &attribute.g();
    else if (attribute.name() == "num_scan_inputs")
      numScanInputs = attribute.i();
    else if (attribute.name() == "scan_input_axes")
      inputAxes.assign(attribute.ints().begin(), attribute.ints().end());
    else if (attribute.name() == "scan_input_directions" ||
             attribute.name() == "directions")
      inputDirections.assign(attribute.ints().begin(), attribute.ints().end());
    else if (attribute.name() == "scan_output_axes")
      outputAxes.assign(attribute.ints().begin(), attribute.ints().end());
    else if (attribute.name() == "scan_output_directions")
      outputDirections.assign(attribute.ints().begin(), attribute.ints().end());
  }
  if (!body || numScanInputs < 1)
    return fail(where + "needs a body graph and num_scan_inputs >= 1");
  Location loc = NameLoc::get(builder.getStringAttr(name),
                              FileLineColLoc::get(&context, path, 0, 0));
  // Opset 8 puts an optional sequence_lens first and a batch axis in front
  // of every input: each batch element is scanned on its own.
  bool batched = opset < 9;
  SmallVector<Value> operands(inputs.begin(), inputs.end());
  if (batched) {
    if (!operands.empty() && operands.front())
      return fail(where + "sequence_lens is not supported (opset 8 Scan "
                          "with every sequence at full length only)");
    if (!operands.empty())
      operands.erase(operands.begin());
  }
  int64_t numStates = static_cast<int64_t>(operands.size()) - numScanInputs;
  if (numStates < 0 || llvm::any_of(operands, [](Value v) { return !v; }))
    return fail(where + "has fewer inputs than num_scan_inputs, or an empty "
                        "one");
  int64_t numScanOutputs = body->output_size() - numStates;
  if (numScanOutputs < 0)
    return fail(where + "the body returns fewer values than the scan's state");
  auto attribute = [](ArrayRef<int64_t> values, int64_t k, int64_t fallback) {
    return k < static_cast<int64_t>(values.size()) ? values[k] : fallback;
  };

  // One batch element (or the whole input when not batched): slices along
  // each scan input's axis, the body per step, scan outputs stacked.
  auto scanOnce = [&](ArrayRef<Value> states, ArrayRef<Value> scanInputs,
                      SmallVector<Value> &results) -> LogicalResult {
    int64_t length = -1;
    SmallVector<int64_t> axes;
    for (auto [k, input] : llvm::enumerate(scanInputs)) {
      auto type = cast<RankedTensorType>(input.getType());
      int64_t axis = attribute(inputAxes, k, 0);
      if (axis < 0)
        axis += type.getRank();
      if (axis < 0 || axis >= type.getRank())
        return fail(where + "scan input " + std::to_string(k) +
                    " has no axis " + std::to_string(axis));
      if (length >= 0 && type.getDimSize(axis) != length)
        return fail(where + "its scan inputs have different lengths");
      length = type.getDimSize(axis);
      axes.push_back(axis);
    }
    if (length > kMaxUnrolledIterations)
      return fail(
          where + "scans " + std::to_string(length) + " steps, more than the " +
          std::to_string(kMaxUnrolledIterations) + " unrolled at import");
    if (length == 0 && numScanOutputs > 0)
      return fail(where + "scans no step, so its scan outputs have no known "
                          "shape");
    SmallVector<Value> state(states.begin(), states.end());
    SmallVector<SmallVector<Value>> scans(numScanOutputs);
    for (int64_t t = 0; t < length; ++t) {
      SmallVector<Value> arguments(state);
      for (auto [k, input] : llvm::enumerate(scanInputs)) {
        int64_t position =
            attribute(inputDirections, k, 0) ? length - 1 - t : t;
        auto slice = sliceAt(builder, loc, input, axes[k], position);
        if (failed(slice))
          return fail(where + "cannot slice scan input " + std::to_string(k));
        arguments.push_back(*slice);
      }
      auto outputs = importBody(*body, arguments, where,
                                "body (step " + std::to_string(t) + ")");
      if (failed(outputs))
        return failure();
      for (int64_t k = 0; k < numStates; ++k)
        state[k] = (*outputs)[k];
      for (int64_t k = 0; k < numScanOutputs; ++k)
        scans[k].push_back((*outputs)[numStates + k]);
    }
    results.assign(state.begin(), state.end());
    for (int64_t k = 0; k < numScanOutputs; ++k) {
      if (attribute(outputDirections, k, 0))
        std::reverse(scans[k].begin(), scans[k].end());
      int64_t rank =
          cast<RankedTensorType>(scans[k].front().getType()).getRank() + 1;
      int64_t axis = attribute(outputAxes, k, 0);
      if (axis < 0)
        axis += rank;
      if (axis < 0 || axis >= rank)
        return fail(where + "scan output " + std::to_string(k) +
                    " has no axis " + std::to_string(axis));
      auto stacked = stack(scans[k], axis, loc);
      if (failed(stacked))
        return failure();
      results.push_back(*stacked);
    }
    return success();
  };

  SmallVector<Value> results;
  ArrayRef<Value> all(operands);
  if (!batched) {
    if (failed(scanOnce(all.take_front(numStates), all.drop_front(numStates),
                        results)))
      return failure();
    return setNodeOutputs(node, where, results);
  }
  // Opset 8: per batch element, then stacked back along the batch axis.
  int64_t batch = cast<RankedTensorType>(all.front().getType()).getDimSize(0);
  SmallVector<SmallVector<Value>> perBatch;
  for (int64_t b = 0; b < batch; ++b) {
    SmallVector<Value> element;
    for (Value operand : all) {
      auto type = cast<RankedTensorType>(operand.getType());
      if (type.getRank() == 0 || type.getDimSize(0) != batch)
        return fail(where + "every input needs the batch axis of size " +
                    std::to_string(batch) + " first (opset 8)");
      auto slice = sliceAt(builder, loc, operand, 0, b);
      if (failed(slice))
        return failure();
      element.push_back(*slice);
    }
    ArrayRef<Value> view(element);
    SmallVector<Value> out;
    if (failed(scanOnce(view.take_front(numStates), view.drop_front(numStates),
                        out)))
      return failure();
    perBatch.push_back(out);
  }
  for (size_t k = 0; k < perBatch.front().size(); ++k) {
    SmallVector<Value> parts;
    for (const SmallVector<Value> &element : perBatch)
      parts.push_back(element[k]);
    auto stacked = stack(parts, 0, loc);
    if (failed(stacked))
      return failure();
    results.push_back(*stacked);
  }
  return setNodeOutputs(node, where, results);
}
