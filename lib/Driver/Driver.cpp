//===- Driver.cpp - compile a model into an artifact ----------------------===//

#include "tessera/Compiler/Driver.h"
#include "tessera/Support/OneLine.h"

#include "dialects/Graph/IR/GraphDialect.h"
#include "dialects/Graph/IR/GraphOps.h"
#include "dialects/Graph/Transforms/Passes.h"
#include "dialects/Kernel/IR/KernelDialect.h"
#include "lib/AOT/Artifact.h"
#include "lib/AOT/Weights.h"
#include "lib/Driver/CUDACompile.h"
#include "lib/Driver/Signature.h"
#include "lib/Plugin/Extensions.h"
#include "lib/Target/CPU/CPUTarget.h"
#include "lib/Target/CUDA/CUDATarget.h"
#include "passes/Pipelines/CPUPipeline.h"
#include "passes/Pipelines/CUDAPipeline.h"
#include "passes/Transforms/Passes.h"
#include "tessera/Builder/Graph.h"
#include "tessera/Plugin/Loader.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

#include <chrono>
#include <optional>
#include <fstream>

using namespace mlir;

bool tessera::parseEmitStage(const std::string &text, EmitStage &stage) {
  static const std::pair<const char *, EmitStage> stages[] = {
      {"tg", EmitStage::Graph},    {"tk", EmitStage::Kernel},
      {"linalg", EmitStage::Kernel}, {"codegen", EmitStage::Codegen},
      {"llvm", EmitStage::LLVMIR}, {"asm", EmitStage::Assembly},
      {"obj", EmitStage::Object},  {"lib", EmitStage::Library},
      {"ptx", EmitStage::PTX}};
  for (const auto &[name, value] : stages)
    if (text == name) {
      stage = value;
      return true;
    }
  return false;
}

bool tessera::isCUDATriple(const std::string &triple) {
  return triple == "cuda" || llvm::StringRef(triple).starts_with("nvptx64");
}

/// Zero-element tensors at the kernel boundary become rank-1 `tensor<0xT>`
/// (reshaped inside): every boundary memref then stays a bare pointer, which
/// a shape such as 3x0x5 would not. The C signature keeps the model's dims.
static void flattenEmptyBoundaries(func::FuncOp function) {
  auto flat = [](Type type) -> RankedTensorType {
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (!tensor || !tensor.hasStaticShape() || tensor.getNumElements() != 0 ||
        tensor.getRank() == 1)
      return nullptr;
    return RankedTensorType::get({0}, tensor.getElementType());
  };
  Block &entry = function.getBody().front();
  OpBuilder builder(function.getContext());
  builder.setInsertionPointToStart(&entry);
  for (BlockArgument arg : entry.getArguments()) {
    RankedTensorType flatType = flat(arg.getType());
    if (!flatType)
      continue;
    Type original = arg.getType();
    arg.setType(flatType);
    auto reshaped =
        tessera::tg::ReshapeOp::create(builder, arg.getLoc(), original, arg);
    arg.replaceAllUsesExcept(reshaped.getResult(), reshaped);
  }
  function.walk([&](func::ReturnOp ret) {
    builder.setInsertionPoint(ret);
    for (OpOperand &operand : ret->getOpOperands())
      if (RankedTensorType flatType = flat(operand.get().getType()))
        operand.set(tessera::tg::ReshapeOp::create(builder, ret.getLoc(),
                                                   flatType, operand.get()));
  });
  SmallVector<Type> results;
  for (Type type : function.getResultTypes())
    results.push_back(flat(type) ? Type(flat(type)) : type);
  function.setType(FunctionType::get(function.getContext(),
                                     entry.getArgumentTypes(), results));
}

/// The first tensor of `module` larger than `limit` bytes, described for a
/// message ("" when none): the node (or graph input) and its type.
static std::string findTensorOver(ModuleOp module, uint64_t limit) {
  auto bytesOf = [](Type type) -> uint64_t {
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (!tensor || !tensor.hasStaticShape() ||
        !tensor.getElementType().isIntOrFloat())
      return 0;
    // Every shape passed the 2^48-byte checks of the importer and the
    // verifiers: no overflow here.
    uint64_t bits = tensor.getElementType().getIntOrFloatBitWidth();
    return static_cast<uint64_t>(tensor.getNumElements()) *
           std::max<uint64_t>(1, (bits + 7) / 8);
  };
  auto describe = [](Type type, uint64_t bytes) {
    std::string text;
    llvm::raw_string_ostream os(text);
    os << type << " holds " << bytes << " bytes";
    return text;
  };
  std::string found;
  module.walk([&](Operation *op) {
    if (auto function = dyn_cast<func::FuncOp>(op)) {
      for (BlockArgument argument : function.getArguments())
        if (uint64_t bytes = bytesOf(argument.getType()); bytes > limit) {
          auto name = function.getArgAttrOfType<StringAttr>(
              argument.getArgNumber(), "tessera.name");
          found = "input '" + (name ? name.str() : std::string("?")) + "' " +
                  describe(argument.getType(), bytes);
          return WalkResult::interrupt();
        }
      return WalkResult::advance();
    }
    for (Value result : op->getResults())
      if (uint64_t bytes = bytesOf(result.getType()); bytes > limit) {
        std::string node;
        if (auto named = dyn_cast<NameLoc>(op->getLoc()))
          node = "node '" + named.getName().str() + "' ";
        found = node + "(" + op->getName().getStringRef().str() + "): " +
                describe(result.getType(), bytes);
        return WalkResult::interrupt();
      }
    return WalkResult::advance();
  });
  // Names come from the model.
  return tessera::oneLine(found);
}

/// The tensors of a `tk.weights` section (tessera-externalize-weights),
/// their bytes still owned by the context's attributes.
static bool fillWeights(DictionaryAttr section,
                        std::vector<tessera::WeightTensor> &weights,
                        uint64_t &size) {
  size = static_cast<uint64_t>(section.getAs<IntegerAttr>("size").getInt());
  for (auto tensor :
       section.getAs<ArrayAttr>("tensors").getAsRange<DictionaryAttr>()) {
    tessera::WeightTensor weight;
    weight.offset =
        static_cast<uint64_t>(tensor.getAs<IntegerAttr>("offset").getInt());
    Attribute value = tensor.get("value");
    if (auto dense = dyn_cast<DenseIntOrFPElementsAttr>(value)) {
      ArrayRef<char> raw = dense.getRawData();
      weight.bytes = StringRef(raw.data(), raw.size());
      if (dense.isSplat()) {
        weight.bytes = weight.bytes.take_front(
            dense.getElementType().getIntOrFloatBitWidth() / 8);
        weight.repeat = dense.getNumElements();
      }
    } else if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
      AsmResourceBlob *blob = resource.getRawHandle().getBlob();
      if (!blob)
        return false;
      ArrayRef<char> raw = blob->getData();
      weight.bytes = StringRef(raw.data(), raw.size());
    } else {
      return false;
    }
    if (weight.offset + weight.bytes.size() * weight.repeat > size)
      return false;
    weights.push_back(weight);
  }
  return true;
}

namespace {

class Compilation {
public:
  Compilation(const tessera::CompileOptions &options, llvm::raw_ostream &out,
              llvm::raw_ostream &log, std::string *memoryObject = nullptr,
              std::string *memoryHeader = nullptr)
      : options(options), out(out), log(log), memoryObject(memoryObject),
        memoryHeader(memoryHeader) {}

  /// Stops after the kernel phase and fills `cost` instead of emitting.
  void measureInto(tessera::ModelCost &cost) { this->cost = &cost; }

  bool run(std::string &error);

private:
  using Clock = std::chrono::steady_clock;
  void time(const char *stage, Clock::time_point start) {
    if (!options.timing)
      return;
    double ms =
        std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    log << llvm::format("timing: %-12s %9.2f ms\n", stage, ms);
  }
  bool fail(std::string &error, const std::string &message) {
    error = message;
    return false;
  }
  /// The --stats line: graph ops, and what the phases run so far know
  /// (kernels once they are counted, the workspace once it is planned: -1
  /// before).
  void printStats(ModuleOp module, int64_t graphOps, int64_t workspace) {
    auto count = [&](StringRef name) -> std::optional<int64_t> {
      auto attr = module->getAttrOfType<IntegerAttr>(name);
      return attr ? std::optional<int64_t>(attr.getInt()) : std::nullopt;
    };
    log << "stats: " << graphOps << " graph ops";
    // After the kernel phase and before codegen counts loop nests: the tk
    // kernels formed so far.
    int64_t tkKernels = 0;
    module.walk([&](Operation *op) {
      if (op->getDialect() && isa<tessera::tk::TKDialect>(op->getDialect()) &&
          isa<func::FuncOp>(op->getParentOp()))
        ++tkKernels;
    });
    if (!count(tessera::tk::TKDialect::getKernelCountAttrName()) && tkKernels)
      log << " -> " << tkKernels << " tk kernels";
    if (auto kernels = count(tessera::tk::TKDialect::getKernelCountAttrName()))
      log << " -> " << *kernels << " kernels ("
          << count(tessera::tk::TKDialect::getTiledKernelCountAttrName())
                 .value_or(0)
          << " register-tiled, "
          << count(tessera::tk::TKDialect::getParallelKernelCountAttrName())
                 .value_or(0)
          << " on the thread pool)";
    if (workspace >= 0)
      log << "; workspace " << workspace << " bytes";
    log << "\n";
  }
  /// Fills `cost` from the tk kernels of `module`.
  void measure(ModuleOp module, int64_t graphOps) {
    cost->graphOps = graphOps;
    module.walk([&](Operation *op) {
      uint64_t flops = tessera::countKernelFlops(op);
      if (flops == 0)
        return;
      cost->flops = llvm::SaturatingAdd(cost->flops, flops);
      std::string nodes;
      op->getLoc()->walk([&](Location part) {
        if (auto named = dyn_cast<NameLoc>(part))
          if (!StringRef(nodes).contains(named.getName().getValue()))
            nodes += (nodes.empty() ? "" : ", ") + named.getName().str();
        return WalkResult::advance();
      });
      cost->kernels.push_back(
          {op->getName().getStringRef().str(), nodes, flops});
    });
  }
  /// Post-training quantization's graph passes, right after import (they
  /// may add results, which the signature then describes).
  bool prepareQuantization(ModuleOp module, std::string &error);
  /// Runs one phase of the CPU pipeline, or with `cuda` of the CUDA one
  /// (with its hooks), on `module`.
  bool runPhase(ModuleOp module, tessera::Phase phase,
                const tessera::CPUPipelineOptions &pipeline,
                const tessera::CUDAPipelineOptions *cuda, std::string &error);

  const tessera::CompileOptions &options;
  /// Emitted text (IR, assembly) goes to `out`; timings and statistics to
  /// `log`, never into the text.
  llvm::raw_ostream &out, &log;
  std::string *memoryObject, *memoryHeader;
  tessera::ModelCost *cost = nullptr;
  MLIRContext context{MLIRContext::Threading::DISABLED};
  std::string diagnostic;
};

bool Compilation::runPhase(ModuleOp module, tessera::Phase phase,
                           const tessera::CPUPipelineOptions &pipeline,
                           const tessera::CUDAPipelineOptions *cuda,
                           std::string &error) {
  PassManager pm = PassManager::on<ModuleOp>(&context);
  if (failed(cuda ? tessera::buildCUDAPhaseWithHooks(pm, phase, *cuda, error)
                  : tessera::buildCPUPhaseWithHooks(pm, phase, pipeline,
                                                    error)))
    return false;
  diagnostic.clear();
  if (failed(pm.run(module)))
    return fail(error, options.inputPath + ": compilation failed: " +
                           (diagnostic.empty() ? "a pass failed" : diagnostic));
  return true;
}

bool Compilation::prepareQuantization(ModuleOp module, std::string &error) {
  const tessera::GraphQuantizeOptions &quantize = options.quantize;
  tessera::registerCPUPipelinePasses();
  auto runPasses = [&](PassManager &pm) {
    diagnostic.clear();
    if (failed(pm.run(module)))
      return fail(error, options.inputPath + ": quantization failed: " +
                             (diagnostic.empty() ? "a pass failed" : diagnostic));
    return true;
  };
  // Batch norms fold first: the points are what the folded graph reads.
  PassManager prepare = PassManager::on<ModuleOp>(&context);
  std::string message;
  llvm::raw_string_ostream os(message);
  if (failed(parsePassPipeline("canonicalize,tg-fold-batch-norm,canonicalize",
                               prepare, os)))
    return fail(error, "internal: " + message);
  if (!runPasses(prepare))
    return false;
  if (quantize.layers) {
    quantize.layers->clear();
    for (auto function : module.getOps<func::FuncOp>())
      if (function.isPublic() && !function.isExternal())
        *quantize.layers = tessera::tg::describeQuantizeLayers(function);
  }
  PassManager pm = PassManager::on<ModuleOp>(&context);
  if (quantize.expose != tessera::GraphQuantizeOptions::Expose::None) {
    tessera::tg::ExposeQuantizePointsOptions expose;
    expose.layers =
        quantize.expose == tessera::GraphQuantizeOptions::Expose::Layers;
    pm.addNestedPass<func::FuncOp>(
        tessera::tg::createExposeQuantizePoints(expose));
  }
  if (quantize.insert) {
    tessera::tg::InsertQuantizeOptions insert;
    insert.ranges.assign(quantize.ranges.begin(), quantize.ranges.end());
    insert.keepFloat.assign(quantize.keepFloat.begin(),
                            quantize.keepFloat.end());
    pm.addNestedPass<func::FuncOp>(tessera::tg::createInsertQuantize(insert));
  }
  return runPasses(pm);
}

bool Compilation::run(std::string &error) {
  for (const std::string &plugin : options.plugins)
    if (!tessera::loadPlugin(plugin, error))
      return false;
  tessera::plugin::Extensions extensions = tessera::plugin::loadedExtensions();
  DialectRegistry registry;
  extensions.addDialects(registry);
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registry.insert<tessera::tg::TGDialect, tessera::tk::TKDialect>();
  tessera::tk::registerBufferizableOpInterfaceExternalModels(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  tessera::registerCUDATarget(registry);
  context.appendDialectRegistry(registry);
  context.loadAllAvailableDialects();
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    if (diag.getSeverity() == DiagnosticSeverity::Error && diagnostic.empty()) {
      std::string where;
      llvm::raw_string_ostream os(where);
      os << diag.getLocation();
      diagnostic = diag.str() + " (at " + where + ")";
    }
    return success();
  });

  bool cudaTarget = tessera::isCUDATriple(options.triple);
  if (cudaTarget) {
    std::string refusal = tessera::driver::checkCUDAOptions(options);
    if (!refusal.empty())
      return fail(error, refusal);
  } else if (options.emit == tessera::EmitStage::PTX) {
    return fail(error, "--emit=ptx needs --target=cuda");
  }

  // Import.
  auto start = Clock::now();
  OwningOpRef<ModuleOp> module;
  StringRef extension = llvm::sys::path::extension(options.inputPath);
  bool fromOnnx = options.inputBuffer.empty() && extension != ".mlir";
  if (options.import.debugOutputs && !fromOnnx)
    return fail(error, options.inputPath +
                           ": --debug-outputs needs an ONNX model (each "
                           "output is named after its ONNX value)");
  if (!options.inputBuffer.empty()) {
    ParserConfig config(&context);
    module = parseSourceString<ModuleOp>(options.inputBuffer, config,
                                         options.inputPath);
    if (!module)
      return fail(error, options.inputPath + ": cannot parse: " + diagnostic);
  } else if (extension == ".mlir") {
    module = parseSourceFile<ModuleOp>(options.inputPath, &context);
    if (!module)
      return fail(error, options.inputPath + ": cannot parse: " + diagnostic);
  } else {
    tessera::OnnxImportOptions import = options.import;
    import.converters = extensions.converters;
    import.converters.insert(import.converters.end(),
                             options.import.converters.begin(),
                             options.import.converters.end());
    module = tessera::importOnnxFile(context, options.inputPath, import, error);
    if (!module)
      return false;
  }
  time("import", start);
  if (options.maxTensorBytes < (uint64_t(1) << 48)) {
    std::string over = findTensorOver(*module, options.maxTensorBytes);
    if (!over.empty())
      return fail(error, options.inputPath + ": " + over +
                             ", more than --max-tensor-bytes " +
                             std::to_string(options.maxTensorBytes));
  }
  if (options.quantize.enabled && !prepareQuantization(*module, error))
    return false;
  // Ops that compute (constants and shape-only views do not).
  int64_t graphOps = 0;
  module->walk([&](Operation *op) {
    if (op->getDialect() &&
        op->getDialect()->getNamespace() ==
            tessera::tg::TGDialect::getDialectNamespace() &&
        !isa<tessera::tg::ConstantOp, tessera::tg::ReshapeOp,
             tessera::tg::SqueezeOp, tessera::tg::UnsqueezeOp,
             tessera::tg::FlattenOp>(op))
      ++graphOps;
  });

  // The one public function is the model.
  func::FuncOp function;
  for (auto candidate : module->getOps<func::FuncOp>())
    if (candidate.isPublic() && !candidate.isExternal()) {
      if (function)
        return fail(error, options.inputPath +
                               ": holds more than one public function");
      function = candidate;
    }
  if (!function)
    return fail(error, options.inputPath + ": holds no function to compile");

  std::string name = options.name;
  if (name.empty())
    name = llvm::sys::path::stem(options.outputPrefix.empty()
                                     ? options.inputPath
                                     : options.outputPrefix)
               .str();
  tessera::ModelSignature signature;
  if (!tessera::driver::describeSignature(function, name, options.inputPath,
                                          signature, error))
    return false;
  std::string kernel = signature.name + "_kernel";
  function.setName(kernel);
  flattenEmptyBoundaries(function);

  // The phases, each run once; --emit prints between them.
  tessera::CPUPipelineOptions pipeline;
  pipeline.optLevel = options.optLevel;
  // The plugins' hooks, then the caller's; the plugins' cost models in
  // front of Tessera's.
  pipeline.hooks = extensions.hooks;
  pipeline.hooks.append(options.hooks);
  if (!options.debugPerturbNode.empty()) {
    tessera::tg::PerturbNodeOptions perturb;
    perturb.node = options.debugPerturbNode;
    pipeline.hooks.add(tessera::Phase::Graph, tessera::HookPoint::Before,
                       [perturb](OpPassManager &pm) {
                         pm.addPass(tessera::tg::createPerturbNode(perturb));
                       });
  }
  pipeline.costModel = extensions.kernelCostModel({});
  pipeline.windowCostModel = extensions.windowCostModel({});
  pipeline.profile = options.profile;
  pipeline.referenceConvs = options.debugReferenceConvs;
  switch (options.weights) {
  case tessera::WeightsPlacement::Auto:
    pipeline.weights = "auto";
    break;
  case tessera::WeightsPlacement::Embed:
    pipeline.weights = "embed";
    break;
  case tessera::WeightsPlacement::File:
    pipeline.weights = "file";
    break;
  }
  tessera::CUDAPipelineOptions cudaPipeline;
  cudaPipeline.optLevel = options.optLevel;
  cudaPipeline.hooks = pipeline.hooks;
  cudaPipeline.precision = options.gpuPrecision;
  if (!cudaTarget) {
    tessera::CPUTargetOptions target;
    target.triple = options.triple;
    target.cpu = options.cpu;
    target.optLevel = options.optLevel;
    if (!tessera::describeVectorUnit(target, pipeline.vectorBits,
                                     pipeline.vectorRegisters,
                                     pipeline.int8Dot, error))
      return false;
  }
  auto emitsAfter = [&](tessera::Phase phase) {
    switch (phase) {
    case tessera::Phase::Graph:
      return options.emit == tessera::EmitStage::Graph;
    case tessera::Phase::Kernel:
      return options.emit == tessera::EmitStage::Kernel;
    case tessera::Phase::Codegen:
      return options.emit == tessera::EmitStage::Codegen;
    case tessera::Phase::LLVM:
      return cudaTarget && options.emit == tessera::EmitStage::LLVMIR;
    }
    return false;
  };
  for (tessera::Phase phase : tessera::allPhases) {
    start = Clock::now();
    if (!runPhase(*module, phase, pipeline, cudaTarget ? &cudaPipeline : nullptr,
                  error))
      return false;
    time(phase == tessera::Phase::LLVM ? "llvm-dialect"
                                       : tessera::phaseName(phase),
         start);
    if (cost && phase == tessera::Phase::Kernel) {
      measure(*module, graphOps);
      return true;
    }
    if (emitsAfter(phase)) {
      OpPrintingFlags flags;
      // Every op names its ONNX node (loc aliases, still parseable);
      // weights are elided unless asked for.
      flags.enableDebugInfo(/*enable=*/true, /*prettyForm=*/false);
      if (!options.printWeights)
        flags.elideLargeElementsAttrs(16).elideLargeResourceString(64);
      module->print(out, flags);
      out << "\n";
      if (options.stats)
        printStats(*module, graphOps, -1);
      return true;
    }
  }

  if (cudaTarget) {
    start = Clock::now();
    if (!tessera::driver::emitCUDA(*module, options, signature, out, log,
                                   memoryObject, memoryHeader, error))
      return false;
    time("cuda", start);
    return true;
  }

  auto llvmFunction = module->lookupSymbol<LLVM::LLVMFuncOp>(kernel);
  auto workspace =
      llvmFunction
          ? llvmFunction->getAttrOfType<IntegerAttr>(
                tessera::tk::TKDialect::getWorkspaceSizeAttrName())
          : IntegerAttr();
  if (!workspace)
    return fail(error, "internal: the lowered kernel has no workspace size");
  signature.workspaceSize = workspace.getInt();
  if (signature.workspaceSize > options.maxTensorBytes)
    return fail(error, options.inputPath + ": the workspace needs " +
                           std::to_string(signature.workspaceSize) +
                           " bytes, more than --max-tensor-bytes " +
                           std::to_string(options.maxTensorBytes));
  if (auto checks = llvmFunction->getAttrOfType<ArrayAttr>(
          tessera::tk::TKDialect::getChecksAttrName()))
    for (Attribute check : checks)
      signature.checks.push_back(cast<StringAttr>(check).str());
  if (auto offset = llvmFunction->getAttrOfType<IntegerAttr>(
          tessera::tk::TKDialect::getStatusOffsetAttrName()))
    signature.statusOffset = offset.getInt();
  if (options.stats)
    printStats(*module, graphOps, signature.workspaceSize);
  // The tk contract ends here: dispatches and profiler hooks go to the
  // artifact writer, the attributes do not go into LLVM IR.
  std::vector<tessera::ParallelDispatch> dispatches;
  StringRef taskName = tessera::tk::TKDialect::getTaskAttrName();
  StringRef hookName = tessera::tk::TKDialect::getProfileHookAttrName();
  module->walk([&](LLVM::LLVMFuncOp function) {
    if (auto task = function->getAttrOfType<FlatSymbolRefAttr>(taskName))
      dispatches.push_back(
          {function.getName().str(), task.getValue().str()});
    if (auto hook = function->getAttrOfType<StringAttr>(hookName))
      (hook.getValue() == "begin" ? signature.profileBegin
                                  : signature.profileEnd) =
          function.getName().str();
  });
  if (auto kernels = (*module)->getAttrOfType<ArrayAttr>(
          tessera::tk::TKDialect::getProfileKernelsAttrName()))
    for (auto kernel : kernels.getAsRange<DictionaryAttr>())
      signature.kernels.push_back(
          {kernel.getAs<StringAttr>("name").str(),
           kernel.getAs<StringAttr>("kind").str(),
           static_cast<uint64_t>(kernel.getAs<IntegerAttr>("flops").getInt()),
           static_cast<uint64_t>(
               kernel.getAs<IntegerAttr>("bytes").getInt())});
  // Weights moved to a side file: what goes into it, its fingerprint.
  std::vector<tessera::WeightTensor> weights;
  if (auto section = (*module)->getAttrOfType<DictionaryAttr>(
          tessera::tk::TKDialect::getWeightsAttrName())) {
    if (!fillWeights(section, weights, signature.weightsSize))
      return fail(error, "internal: the weights section holds a value that "
                         "is not dense bytes");
    signature.weightsBase =
        section.getAs<FlatSymbolRefAttr>("base").getValue().str();
    signature.weightsId =
        tessera::weightsFingerprint(weights, signature.weightsSize);
    signature.weightsFile =
        llvm::sys::path::filename(options.outputPrefix).str() + ".weights";
    if (options.outputPrefix.empty() &&
        options.emit == tessera::EmitStage::Object && memoryObject)
      return fail(error, options.inputPath + ": the weights (" +
                             std::to_string(signature.weightsSize) +
                             " bytes) go to a side file, which needs an "
                             "output prefix");
  }
  auto strip = [](Operation *op) {
    for (NamedAttribute attribute : llvm::to_vector(op->getDiscardableAttrs()))
      if (attribute.getName().getValue().starts_with("tk."))
        op->removeDiscardableAttr(attribute.getName());
  };
  strip(*module);
  for (Operation &op : module->getBody()->getOperations())
    strip(&op);

  // LLVM.
  start = Clock::now();
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(*module, llvmContext, signature.name);
  if (!llvmModule)
    return fail(error, options.inputPath +
                           ": translation to LLVM IR failed: " + diagnostic);
  if (!tessera::addModelDescriptor(*llvmModule, signature, kernel, dispatches,
                                   error))
    return false;
  tessera::CPUTargetOptions target;
  target.triple = options.triple;
  target.cpu = options.cpu;
  target.optLevel = options.optLevel;
  std::unique_ptr<llvm::TargetMachine> machine =
      tessera::createCPUTargetMachine(target, error);
  if (!machine)
    return false;
  tessera::optimizeModule(*llvmModule, *machine, options.optLevel);
  time("llvm", start);
  if (options.emit == tessera::EmitStage::LLVMIR) {
    llvmModule->print(out, nullptr);
    return true;
  }

  // Emission.
  start = Clock::now();
  if (options.emit == tessera::EmitStage::Assembly) {
    llvm::SmallString<0> buffer;
    llvm::raw_svector_ostream stream(buffer);
    if (!tessera::emitToStream(*llvmModule, *machine, stream, true, error))
      return false;
    out << buffer;
    time("emission", start);
    return true;
  }
  if (options.outputPrefix.empty() &&
      options.emit == tessera::EmitStage::Object && memoryObject) {
    llvm::SmallString<0> buffer;
    llvm::raw_svector_ostream stream(buffer);
    if (!tessera::emitToStream(*llvmModule, *machine, stream, false, error))
      return false;
    memoryObject->assign(buffer.begin(), buffer.end());
    *memoryHeader = tessera::renderHeader(signature, options.inputPath);
    time("emission", start);
    return true;
  }
  if (options.outputPrefix.empty())
    return fail(error, "an output prefix (-o) is required for --emit=obj|lib");
  llvm::StringRef directory =
      llvm::sys::path::parent_path(options.outputPrefix);
  if (!directory.empty())
    if (std::error_code ec = llvm::sys::fs::create_directories(directory))
      return fail(error,
                  "cannot create " + directory.str() + ": " + ec.message());
  std::string object = options.outputPrefix + ".o";
  if (!tessera::emitCode(*llvmModule, *machine, object, false, error))
    return false;
  std::ofstream header(options.outputPrefix + ".h");
  header << tessera::renderHeader(
      signature, llvm::sys::path::filename(options.inputPath).str());
  if (!header)
    return fail(error, "cannot write " + options.outputPrefix + ".h");
  header.close();
  if (!signature.weightsBase.empty() &&
      !tessera::writeWeightsFile(options.outputPrefix + ".weights", weights,
                                 signature.weightsSize, signature.weightsId,
                                 error))
    return false;
  if (options.emit == tessera::EmitStage::Library &&
      !tessera::linkSharedLibrary(object, options.outputPrefix + ".so",
                                  options.triple, error))
    return false;
  time("emission", start);
  return true;
}

} // namespace

bool tessera::parseWeightsPlacement(const std::string &text,
                                    WeightsPlacement &weights) {
  if (text == "auto")
    weights = WeightsPlacement::Auto;
  else if (text == "embed")
    weights = WeightsPlacement::Embed;
  else if (text == "file")
    weights = WeightsPlacement::File;
  else
    return false;
  return true;
}

bool tessera::compileModel(const CompileOptions &options,
                           llvm::raw_ostream &out, std::string &error) {
  return Compilation(options, out, llvm::errs()).run(error);
}

bool tessera::estimateCost(const CompileOptions &options, ModelCost &cost,
                           std::string &error) {
  cost = ModelCost();
  std::string text;
  llvm::raw_string_ostream out(text), log(text);
  Compilation compilation(options, out, log);
  compilation.measureInto(cost);
  return compilation.run(error);
}

tessera::CompileResult tessera::compile(const CompileOptions &options) {
  CompileResult result;
  llvm::raw_string_ostream text(result.text), log(result.log);
  if (!Compilation(options, text, log, &result.object, &result.header)
           .run(result.error) &&
      result.error.empty())
    result.error = "compilation failed";
  return result;
}

tessera::CompileResult tessera::compile(const Graph &graph,
                                        CompileOptions options) {
  options.inputBuffer = graph.toBytecode();
  options.inputPath = graph.name();
  if (options.inputBuffer.empty()) {
    CompileResult result;
    result.error = graph.error().empty() ? "the graph is empty" : graph.error();
    return result;
  }
  return compile(options);
}
