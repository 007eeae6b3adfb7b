//===- CUDACompile.cpp - the driver's CUDA emission -----------------------===//
//
// --target=cuda: the CUDA pipeline's kernels become PTX for every
// architecture of --mcpu and, when the toolkit's ptxas is found, cubins.
// --emit=ptx prints each architecture's PTX after a line
// `// tessera-ptx: <arch>`, so that a tool can split them. --emit=obj|lib
// writes the artifact: a host object holding no code, only the descriptor
// whose tessera_cuda_program_t the runtime's CUDA module replays (images,
// launches with their argument bindings, weights).
//
//===----------------------------------------------------------------------===//

#include "lib/Driver/CUDACompile.h"
#include "dialects/Kernel/IR/KernelDialect.h"
#include "lib/Target/CPU/CPUTarget.h"
#include "lib/Target/CUDA/CUDATarget.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

#include <fstream>
#include <regex>

using namespace mlir;

namespace {

/// The bytes of a constant global as the device reads them (booleans one
/// byte each); false when its value is not dense data.
bool globalBytes(memref::GlobalOp global, std::string &bytes) {
  Attribute value = global.getInitialValueAttr();
  if (auto dense = dyn_cast_or_null<DenseIntOrFPElementsAttr>(value)) {
    Type element = dense.getElementType();
    if (element.isInteger(1)) {
      for (bool bit : dense.getValues<bool>())
        bytes.push_back(bit ? 1 : 0);
      return true;
    }
    ArrayRef<char> raw = dense.getRawData();
    if (!dense.isSplat()) {
      bytes.assign(raw.begin(), raw.end());
      return true;
    }
    unsigned width =
        (element.isIndex() ? 64 : element.getIntOrFloatBitWidth()) / 8;
    for (int64_t i = 0; i < dense.getNumElements(); ++i)
      bytes.append(raw.data(), width);
    return true;
  }
  if (auto resource = dyn_cast_or_null<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return false;
    bytes.assign(blob->getData().begin(), blob->getData().end());
    return true;
  }
  return false;
}

/// tessera_cuda_arg_kind_t.
enum ArgKind {
  kInput = 0,
  kOutput = 1,
  kWorkspace = 2,
  kWeight = 3,
  kScalar = 4
};

/// The model function's launches, in order, with what each argument binds
/// to (an input, an output, the workspace, a weight, an index), and the
/// weights' bytes in one blob: what a runtime replays on a stream, as
/// `program` (for the artifact) and `plan` (JSON, for tools).
bool describeLaunches(ModuleOp module, size_t numInputs,
                      tessera::CUDAProgram &program, llvm::json::Object &plan,
                      std::string &error) {
  std::string &blob = program.weights;
  func::FuncOp model;
  for (auto function : module.getOps<func::FuncOp>())
    if (!function.isExternal() && function.isPublic())
      model = function;
  if (!model || model.getNumArguments() < numInputs + 1) {
    error = "internal: no model function to describe";
    return false;
  }
  unsigned workspace = model.getNumArguments() - 1;
  llvm::json::Array launches;
  llvm::json::Object globals;
  for (auto launch : model.getBody().getOps<gpu::LaunchFuncOp>()) {
    llvm::json::Object entry;
    entry["kernel"] = launch.getKernelName().str();
    auto dims = [&](gpu::KernelDim3 d) -> std::optional<llvm::json::Array> {
      std::optional<int64_t> x = getConstantIntValue(d.x),
                             y = getConstantIntValue(d.y),
                             z = getConstantIntValue(d.z);
      if (!x || !y || !z)
        return std::nullopt;
      return llvm::json::Array{*x, *y, *z};
    };
    auto grid = dims(launch.getGridSizeOperandValues());
    auto block = dims(launch.getBlockSizeOperandValues());
    if (!grid || !block) {
      error = "internal: a launch of dynamic size";
      return false;
    }
    tessera::CUDAProgram::Launch &out = program.launches.emplace_back();
    out.kernel = launch.getKernelName().str();
    for (int d = 0; d < 3; ++d) {
      int64_t g = *(*grid)[d].getAsInteger(), k = *(*block)[d].getAsInteger();
      if (g < 1 || g > UINT32_MAX || k < 1 || k > 1024) {
        error = "internal: a launch of " + std::to_string(g) + " blocks of " +
                std::to_string(k) + " threads";
        return false;
      }
      out.grid[d] = static_cast<uint32_t>(g);
      out.block[d] = static_cast<uint32_t>(k);
    }
    entry["grid"] = std::move(*grid);
    entry["block"] = std::move(*block);
    llvm::json::Array args;
    for (Value operand : launch.getKernelOperands()) {
      llvm::json::Object arg;
      tessera::CUDAProgram::Argument &bound = out.args.emplace_back();
      if (auto argument = dyn_cast<BlockArgument>(operand)) {
        unsigned i = argument.getArgNumber();
        arg["kind"] = i == workspace  ? "workspace"
                      : i < numInputs ? "input"
                                      : "output";
        bound.kind = i == workspace  ? kWorkspace
                     : i < numInputs ? kInput
                                     : kOutput;
        if (i != workspace) {
          bound.value = i < numInputs ? i : i - numInputs;
          arg["index"] = bound.value;
        }
      } else if (auto get = operand.getDefiningOp<memref::GetGlobalOp>()) {
        arg["kind"] = "weight";
        arg["name"] = get.getName().str();
        bound.kind = kWeight;
        if (!globals.get(get.getName())) {
          auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
              get, get.getNameAttr());
          std::string bytes;
          if (!global || !globalBytes(global, bytes)) {
            error = "internal: weight " + get.getName().str() +
                    " holds no dense data";
            return false;
          }
          // 256-byte aligned, as device allocations are.
          blob.resize(llvm::alignTo(blob.size(), 256), '\0');
          globals[get.getName()] =
              llvm::json::Object{{"offset", static_cast<int64_t>(blob.size())},
                                 {"bytes", static_cast<int64_t>(bytes.size())}};
          blob += bytes;
        }
        bound.value = *globals.getObject(get.getName())->getInteger("offset");
      } else if (std::optional<int64_t> value = getConstantIntValue(operand)) {
        Type type = operand.getType();
        if (!type.isIndex() && !type.isInteger(32) && !type.isInteger(64)) {
          error = "internal: a kernel argument the host cannot bind";
          return false;
        }
        arg["kind"] = "index";
        arg["value"] = *value;
        arg["bytes"] = type.isInteger(32) ? 4 : 8;
        bound.kind = kScalar;
        bound.bytes = type.isInteger(32) ? 4 : 8;
        bound.value = *value;
      } else {
        error = "internal: a kernel argument the host cannot bind";
        return false;
      }
      args.push_back(std::move(arg));
    }
    entry["args"] = std::move(args);
    launches.push_back(std::move(entry));
  }
  // What the model reads and writes: bytes and shape of every buffer.
  auto describeBuffer = [&](unsigned i) -> llvm::json::Value {
    auto type = cast<MemRefType>(model.getArgument(i).getType());
    Type element = type.getElementType();
    int64_t width = element.isIndex() ? 8
                    : element.isInteger(1)
                        ? 1
                        : (element.getIntOrFloatBitWidth() + 7) / 8;
    std::string name;
    llvm::raw_string_ostream os(name);
    element.print(os);
    return llvm::json::Object{{"dims", llvm::json::Array(type.getShape())},
                              {"element", name},
                              {"bytes", type.getNumElements() * width}};
  };
  llvm::json::Array inputs, outputs;
  for (unsigned i = 0; i < workspace; ++i)
    (i < numInputs ? inputs : outputs).push_back(describeBuffer(i));
  plan["inputs"] = std::move(inputs);
  plan["outputs"] = std::move(outputs);
  plan["launches"] = std::move(launches);
  plan["weights"] = std::move(globals);
  plan["weights_bytes"] = static_cast<int64_t>(blob.size());
  if (auto size = model->getAttrOfType<IntegerAttr>(
          tessera::tk::TKDialect::getWorkspaceSizeAttrName()))
    plan["workspace_bytes"] = size.getInt();
  // The run-time checks: the status word's place in the workspace (an i32,
  // k > 0 when check k failed) and check k's message at k - 1.
  if (auto offset = model->getAttrOfType<IntegerAttr>(
          tessera::tk::TKDialect::getStatusOffsetAttrName())) {
    plan["status_offset"] = offset.getInt();
    program.statusOffset = offset.getInt();
  }
  if (auto checks = model->getAttrOfType<ArrayAttr>(
          tessera::tk::TKDialect::getChecksAttrName())) {
    llvm::json::Array messages;
    for (Attribute check : checks)
      messages.push_back(cast<StringAttr>(check).str());
    plan["checks"] = std::move(messages);
  }
  return true;
}

/// The folder an output prefix names, created if missing.
bool createParentDirectory(const std::string &prefix, std::string &error) {
  llvm::StringRef directory = llvm::sys::path::parent_path(prefix);
  if (!directory.empty())
    if (std::error_code ec = llvm::sys::fs::create_directories(directory)) {
      error = "cannot create " + directory.str() + ": " + ec.message();
      return false;
    }
  return true;
}

bool writeFile(const std::string &path, llvm::StringRef data,
               std::string &error) {
  std::ofstream stream(path, std::ios::binary);
  stream.write(data.data(), data.size());
  if (!stream) {
    error = "cannot write " + path;
    return false;
  }
  return true;
}

} // namespace

std::string tessera::driver::checkCUDAOptions(const CompileOptions &options) {
  std::vector<std::string> chips;
  std::string error;
  if (!parseCUDAChips(options.cpu, chips, error))
    return error;
  if (options.weights == WeightsPlacement::File)
    return "--target=cuda: --weights=file is not supported for CUDA (the "
           "weights are in the object and go to the device once per "
           "session)";
  if (options.profile)
    return "--target=cuda: --profile is not supported for CUDA yet";
  if (options.gpuPrecision == "fp16" || options.gpuPrecision == "bf16")
    return "--gpu-precision=" + options.gpuPrecision +
           ": running fp32 models in " + options.gpuPrecision +
           " is not supported yet (tf32, fp32)";
  if (options.gpuPrecision != "tf32" && options.gpuPrecision != "fp32")
    return "--gpu-precision: unknown precision '" + options.gpuPrecision +
           "' (tf32, fp32)";
  if (!options.cudaToolkit.empty() &&
      findCUDAToolkit(options.cudaToolkit).empty())
    return "--cuda-path: " + options.cudaToolkit + " holds no bin/ptxas";
  return "";
}

namespace tessera::driver {
/// The host object of a CUDA model: the descriptor and its program, data
/// only, for the host (the triple cc links for).
static bool emitArtifact(const CompileOptions &options,
                         const ModelSignature &signature,
                         const CUDAProgram &program, std::string *memoryObject,
                         std::string *memoryHeader, std::string &error) {
  CPUTargetOptions host;
  host.optLevel = 0;
  std::unique_ptr<llvm::TargetMachine> machine =
      createCPUTargetMachine(host, error);
  if (!machine)
    return false;
  llvm::LLVMContext context;
  llvm::Module object(signature.name, context);
  object.setTargetTriple(machine->getTargetTriple());
  object.setDataLayout(machine->createDataLayout());
  if (!addCUDAModelDescriptor(object, signature, program, error))
    return false;
  if (options.outputPrefix.empty()) {
    if (!memoryObject) {
      error = "an output prefix (-o) is required for --emit=obj|lib";
      return false;
    }
    llvm::SmallString<0> buffer;
    llvm::raw_svector_ostream stream(buffer);
    if (!emitToStream(object, *machine, stream, false, error))
      return false;
    memoryObject->assign(buffer.begin(), buffer.end());
    *memoryHeader = renderHeader(signature, options.inputPath);
    return true;
  }
  if (!createParentDirectory(options.outputPrefix, error))
    return false;
  std::string path = options.outputPrefix + ".o";
  if (!emitCode(object, *machine, path, false, error) ||
      !writeFile(
          options.outputPrefix + ".h",
          renderHeader(signature,
                       llvm::sys::path::filename(options.inputPath).str()),
          error))
    return false;
  return options.emit != EmitStage::Library ||
         linkSharedLibrary(path, options.outputPrefix + ".so", "", error);
}
} // namespace tessera::driver

bool tessera::driver::emitCUDA(ModuleOp module, const CompileOptions &options,
                               ModelSignature signature, llvm::raw_ostream &out,
                               llvm::raw_ostream &log,
                               std::string *memoryObject,
                               std::string *memoryHeader, std::string &error) {
  size_t numInputs = signature.inputs.size();
  bool artifact =
      options.emit == EmitStage::Object || options.emit == EmitStage::Library;
  if (artifact)
    for (const TensorSignature &output : signature.outputs)
      if (output.dynamicDims) {
        error = options.inputPath + ": output '" + output.name +
                "' has a size the run decides (NonZero, Unique and the "
                "like), which the CUDA artifact does not support yet";
        return false;
      }
  CUDATargetOptions target;
  if (!parseCUDAChips(options.cpu, target.chips, error))
    return false;
  target.optLevel = options.optLevel;
  target.toolkit = options.cudaToolkit;
  std::vector<CUDAImage> images;
  if (!emitCUDAImages(module, target, images, error)) {
    error = options.inputPath + ": " + error;
    return false;
  }
  if (options.stats) {
    if (images.empty())
      log << "stats: cuda: no kernels (nothing runs on the device)\n";
    for (const CUDAImage &image : images) {
      log << "stats: cuda " << image.chip << ": " << image.ptx.size()
          << " bytes of PTX";
      if (image.cubin.empty()) {
        log << " (no ptxas found: no cubin)\n";
        continue;
      }
      // The most registers a kernel uses.
      int64_t registers = 0;
      std::regex used("Used ([0-9]+) registers");
      for (std::sregex_iterator
               it(image.ptxasLog.begin(), image.ptxasLog.end(), used),
           end;
           it != end; ++it)
        registers = std::max<int64_t>(registers, std::stoll((*it)[1]));
      log << ", cubin " << image.cubin.size() << " bytes, " << image.kernels
          << " kernels, at most " << registers << " registers, "
          << image.spillBytes << " bytes spilled\n";
    }
  }
  if (artifact) {
    CUDAProgram program;
    llvm::json::Object plan;
    if (!describeLaunches(module, numInputs, program, plan, error))
      return false;
    for (const CUDAImage &image : images)
      program.images.push_back({image.chip, image.ptx, image.cubin});
    signature.cudaArchs = target.chips;
    if (auto size = plan.getInteger("workspace_bytes"))
      signature.workspaceSize = static_cast<uint64_t>(*size);
    if (const llvm::json::Array *checks = plan.getArray("checks"))
      for (const llvm::json::Value &check : *checks)
        signature.checks.push_back(check.getAsString()->str());
    if (signature.workspaceSize > options.maxTensorBytes) {
      error = options.inputPath + ": the workspace needs " +
              std::to_string(signature.workspaceSize) +
              " bytes, more than --max-tensor-bytes " +
              std::to_string(options.maxTensorBytes);
      return false;
    }
    return emitArtifact(options, signature, program, memoryObject, memoryHeader,
                        error);
  }
  if (options.emit != EmitStage::PTX && options.emit != EmitStage::Assembly)
    return true;
  if (options.outputPrefix.empty()) {
    for (const CUDAImage &image : images)
      out << "// tessera-ptx: " << image.chip << "\n" << image.ptx << "\n";
    return true;
  }
  // With -o: PREFIX.ARCH.ptx (and .cubin) per architecture, and the
  // launches with their argument bindings and the weights they read.
  llvm::json::Object plan;
  CUDAProgram program;
  if (!describeLaunches(module, numInputs, program, plan, error))
    return false;
  const std::string &weights = program.weights;
  if (!createParentDirectory(options.outputPrefix, error))
    return false;
  llvm::json::Array files;
  for (const CUDAImage &image : images) {
    std::string base = options.outputPrefix + "." + image.chip;
    if (!writeFile(base + ".ptx", image.ptx, error) ||
        (!image.cubin.empty() &&
         !writeFile(base + ".cubin", image.cubin, error)))
      return false;
    files.push_back(llvm::json::Object{
        {"arch", image.chip},
        {"ptx", llvm::sys::path::filename(base + ".ptx").str()},
        {"cubin",
         image.cubin.empty()
             ? llvm::json::Value(nullptr)
             : llvm::json::Value(
                   llvm::sys::path::filename(base + ".cubin").str())}});
  }
  plan["images"] = std::move(files);
  plan["weights_file"] =
      llvm::sys::path::filename(options.outputPrefix + ".weights.bin").str();
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(plan))) << "\n";
  return writeFile(options.outputPrefix + ".weights.bin", weights, error) &&
         writeFile(options.outputPrefix + ".launches.json", text, error);
}
