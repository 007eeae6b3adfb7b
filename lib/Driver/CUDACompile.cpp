//===- CUDACompile.cpp - the driver's CUDA emission -----------------------===//
//
// --target=cuda: the CUDA pipeline's kernels become PTX for every
// architecture of --mcpu and, when the toolkit's ptxas is found, cubins.
// --emit=ptx prints each architecture's PTX after a line
// `// tessera-ptx: <arch>`, so that a tool can split them. The artifact
// (a host object embedding the cubins, and the runtime's CUDA module) is
// still to come.
//
//===----------------------------------------------------------------------===//

#include "lib/Driver/CUDACompile.h"
#include "dialects/Kernel/IR/KernelDialect.h"
#include "lib/Target/CUDA/CUDATarget.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

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

/// The model function's launches, in order, with what each argument binds
/// to (an input, an output, the workspace, a weight, an index), and the
/// weights' bytes in one blob: what a runtime replays on a stream.
bool describeLaunches(ModuleOp module, size_t numInputs,
                      llvm::json::Object &plan, std::string &blob,
                      std::string &error) {
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
    entry["grid"] = std::move(*grid);
    entry["block"] = std::move(*block);
    llvm::json::Array args;
    for (Value operand : launch.getKernelOperands()) {
      llvm::json::Object arg;
      if (auto argument = dyn_cast<BlockArgument>(operand)) {
        unsigned i = argument.getArgNumber();
        arg["kind"] = i == workspace  ? "workspace"
                      : i < numInputs ? "input"
                                      : "output";
        if (i != workspace)
          arg["index"] =
              static_cast<int64_t>(i < numInputs ? i : i - numInputs);
      } else if (auto get = operand.getDefiningOp<memref::GetGlobalOp>()) {
        arg["kind"] = "weight";
        arg["name"] = get.getName().str();
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
      } else if (std::optional<int64_t> value = getConstantIntValue(operand)) {
        arg["kind"] = "index";
        arg["value"] = *value;
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
          tessera::tk::TKDialect::getStatusOffsetAttrName()))
    plan["status_offset"] = offset.getInt();
  if (auto checks = model->getAttrOfType<ArrayAttr>(
          tessera::tk::TKDialect::getChecksAttrName())) {
    llvm::json::Array messages;
    for (Attribute check : checks)
      messages.push_back(cast<StringAttr>(check).str());
    plan["checks"] = std::move(messages);
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
  switch (options.emit) {
  case EmitStage::Object:
  case EmitStage::Library:
    return "--target=cuda: the CUDA artifact (a host object embedding the "
           "cubins, with the runtime's CUDA module) is not built yet; "
           "--emit=ptx writes the kernels";
  default:
    break;
  }
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

bool tessera::driver::emitCUDA(ModuleOp module, const CompileOptions &options,
                               size_t numInputs, llvm::raw_ostream &out,
                               llvm::raw_ostream &log, std::string &error) {
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
  std::string weights;
  if (!describeLaunches(module, numInputs, plan, weights, error))
    return false;
  llvm::StringRef directory =
      llvm::sys::path::parent_path(options.outputPrefix);
  if (!directory.empty())
    if (std::error_code ec = llvm::sys::fs::create_directories(directory)) {
      error = "cannot create " + directory.str() + ": " + ec.message();
      return false;
    }
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
