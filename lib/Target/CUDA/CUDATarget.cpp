//===- CUDATarget.cpp - NVVM kernels to PTX and cubins --------------------===//

#include "lib/Target/CUDA/CUDATarget.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/Regex.h"

#include <cstdlib>
#include <fstream>

using namespace mlir;

namespace {

/// The architectures Tessera knows, with the oldest PTX ISA that has them
/// (the lowest version keeps the PTX loadable by the oldest driver that
/// knows the architecture).
struct Chip {
  const char *name;
  const char *ptx;
};
constexpr Chip knownChips[] = {
    {"sm_70", "+ptx60"},   {"sm_75", "+ptx63"},  {"sm_80", "+ptx70"},
    {"sm_86", "+ptx71"},   {"sm_87", "+ptx74"},  {"sm_89", "+ptx78"},
    {"sm_90", "+ptx78"},   {"sm_90a", "+ptx80"}, {"sm_100", "+ptx86"},
    {"sm_100a", "+ptx86"}, {"sm_120", "+ptx87"}, {"sm_120a", "+ptx87"},
};

const Chip *findChip(llvm::StringRef name) {
  for (const Chip &chip : knownChips)
    if (name == chip.name)
      return &chip;
  return nullptr;
}

std::string knownChipList() {
  std::string list;
  for (const Chip &chip : knownChips)
    list += (list.empty() ? "" : ", ") + std::string(chip.name);
  return list;
}

bool hasPtxas(llvm::StringRef root) {
  llvm::SmallString<256> path(root);
  llvm::sys::path::append(path, "bin", "ptxas");
  return llvm::sys::fs::can_execute(path);
}

bool hasLibdevice(llvm::StringRef root) {
  llvm::SmallString<256> path(root);
  llvm::sys::path::append(path, "nvvm", "libdevice", "libdevice.10.bc");
  return llvm::sys::fs::is_regular_file(path);
}

/// A call of a libdevice function left in the kernels (convert-gpu-to-nvvm
/// lowers the math PTX has no instruction for to __nv_* calls), if any.
LLVM::CallOp findLibdeviceCall(ModuleOp module) {
  LLVM::CallOp found;
  module.walk([&](LLVM::CallOp call) {
    std::optional<StringRef> callee = call.getCallee();
    if (!callee || !callee->starts_with("__nv_"))
      return WalkResult::advance();
    found = call;
    return WalkResult::interrupt();
  });
  return found;
}

} // namespace

bool tessera::parseCUDAChips(const std::string &text,
                             std::vector<std::string> &chips,
                             std::string &error) {
  chips.clear();
  if (text.empty() || text == "native") {
    chips = {"sm_80", "sm_90a"};
    return true;
  }
  llvm::SmallVector<llvm::StringRef> parts;
  llvm::StringRef(text).split(parts, ',', -1, /*KeepEmpty=*/false);
  for (llvm::StringRef part : parts) {
    part = part.trim();
    if (!findChip(part)) {
      error = "--mcpu: unknown CUDA architecture '" + part.str() +
              "' (known: " + knownChipList() + ")";
      return false;
    }
    if (llvm::is_contained(chips, part.str())) {
      error = "--mcpu: " + part.str() + " is named twice";
      return false;
    }
    chips.push_back(part.str());
  }
  if (chips.empty()) {
    error = "--mcpu: no CUDA architecture given";
    return false;
  }
  return true;
}

std::string tessera::findCUDAToolkit(const std::string &hint) {
  if (!hint.empty())
    return hasPtxas(hint) ? hint : "";
  for (const char *variable : {"CUDA_HOME", "CUDA_PATH"})
    if (const char *value = std::getenv(variable))
      if (hasPtxas(value))
        return value;
  if (llvm::ErrorOr<std::string> ptxas = llvm::sys::findProgramByName("ptxas"))
    return llvm::sys::path::parent_path(llvm::sys::path::parent_path(*ptxas))
        .str();
  return hasPtxas("/usr/local/cuda") ? "/usr/local/cuda" : "";
}

std::string tessera::findLibdevice(const std::string &hint) {
  if (!hint.empty())
    return hasLibdevice(hint) ? hint : "";
  std::vector<std::string> roots;
  for (const char *variable : {"CUDA_HOME", "CUDA_PATH"})
    if (const char *value = std::getenv(variable))
      roots.push_back(value);
  // ptxas on PATH may be the toolkit's or a wrapper outside it.
  if (llvm::ErrorOr<std::string> ptxas = llvm::sys::findProgramByName("ptxas"))
    roots.push_back(
        llvm::sys::path::parent_path(llvm::sys::path::parent_path(*ptxas))
            .str());
  roots.push_back("/usr/local/cuda");
  for (const std::string &root : roots)
    if (hasLibdevice(root))
      return root;
  return "";
}

void tessera::registerCUDATarget(DialectRegistry &registry) {
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  registerGPUDialectTranslation(registry);
  registerNVVMDialectTranslation(registry);
}

bool tessera::emitCUDAImages(ModuleOp module, const CUDATargetOptions &options,
                             std::vector<CUDAImage> &images,
                             std::string &error) {
  MLIRContext *context = module.getContext();
  SmallVector<Attribute> targets;
  for (const std::string &name : options.chips) {
    const Chip *chip = findChip(name);
    if (!chip) {
      error = "unknown CUDA architecture '" + name + "'";
      return false;
    }
    targets.push_back(NVVM::NVVMTargetAttr::get(
        context, std::min(options.optLevel, 3), "nvptx64-nvidia-cuda",
        chip->name, chip->ptx));
  }
  int modules = 0;
  for (auto kernels : module.getOps<gpu::GPUModuleOp>()) {
    kernels.setTargetsAttr(ArrayAttr::get(context, targets));
    ++modules;
  }
  images.clear();
  if (modules == 0)
    return true; // nothing runs on the device (a model of constants)
  std::string toolkit = findCUDAToolkit(options.toolkit);
  // libdevice, for the math functions PTX has no instruction for: found
  // with the toolkit, needed only when a kernel calls one.
  std::string libdevice = findLibdevice(options.toolkit);
  if (libdevice.empty())
    if (LLVM::CallOp call = findLibdeviceCall(module)) {
      std::string where;
      llvm::raw_string_ostream os(where);
      os << call.getLoc();
      error = "the kernels call libdevice's " + call.getCallee()->str() +
              " (at " + where +
              "), and no libdevice was found (the CUDA toolkit's "
              "nvvm/libdevice/libdevice.10.bc): pass --cuda-path=DIR or set "
              "CUDA_HOME";
      return false;
    }
  std::string diagnostic;
  ScopedDiagnosticHandler handler(context, [&](Diagnostic &diag) {
    if (diag.getSeverity() == DiagnosticSeverity::Error && diagnostic.empty())
      diagnostic = diag.str();
    return success();
  });
  PassManager pm = PassManager::on<ModuleOp>(context);
  GpuModuleToBinaryPassOptions binary;
  // The serializer links libdevice from this root.
  binary.toolkitPath = libdevice.empty() ? toolkit : libdevice;
  binary.compilationTarget = "isa";
  pm.addPass(createGpuModuleToBinaryPass(binary));
  if (failed(pm.run(module))) {
    error = "PTX generation failed: " +
            (diagnostic.empty() ? std::string("the NVPTX back end failed")
                                : diagnostic);
    return false;
  }
  for (auto binaryOp : module.getOps<gpu::BinaryOp>())
    for (auto object : binaryOp.getObjects().getAsRange<gpu::ObjectAttr>()) {
      auto target = cast<NVVM::NVVMTargetAttr>(object.getTarget());
      CUDAImage image;
      image.chip = target.getChip().str();
      image.ptx = object.getObject().str();
      images.push_back(std::move(image));
    }
  if (toolkit.empty())
    return true;
  for (CUDAImage &image : images)
    if (!assembleCubin(toolkit, image, options.optLevel, error))
      return false;
  return true;
}

bool tessera::assembleCubin(const std::string &toolkit, CUDAImage &image,
                            int optLevel, std::string &error) {
  llvm::SmallString<256> ptxas(toolkit);
  llvm::sys::path::append(ptxas, "bin", "ptxas");
  llvm::SmallString<128> input, output, log;
  if (llvm::sys::fs::createTemporaryFile("tessera", "ptx", input) ||
      llvm::sys::fs::createTemporaryFile("tessera", "cubin", output) ||
      llvm::sys::fs::createTemporaryFile("tessera", "log", log)) {
    error = "cannot create temporary files for ptxas";
    return false;
  }
  llvm::scope_exit cleanup([&] {
    llvm::sys::fs::remove(input);
    llvm::sys::fs::remove(output);
    llvm::sys::fs::remove(log);
  });
  {
    std::ofstream stream(input.str().str(), std::ios::binary);
    stream << image.ptx;
    if (!stream) {
      error = "cannot write " + input.str().str();
      return false;
    }
  }
  std::string arch = "-arch=" + image.chip;
  std::string level = "-O" + std::to_string(std::clamp(optLevel, 0, 3));
  llvm::SmallVector<llvm::StringRef> arguments = {
      ptxas, arch, level, "-v", "--warn-on-spills", "-o", output, input};
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, log.str(),
                                                log.str()};
  std::string message;
  int status = llvm::sys::ExecuteAndWait(ptxas, arguments, std::nullopt,
                                         redirects, 0, 0, &message);
  if (auto text = llvm::MemoryBuffer::getFile(log))
    image.ptxasLog = (*text)->getBuffer().str();
  if (status != 0) {
    std::string first = llvm::StringRef(image.ptxasLog).split('\n').first.str();
    error = "ptxas " + arch + " failed" +
            (message.empty() ? "" : " (" + message + ")") +
            (first.empty() ? "" : ": " + first);
    return false;
  }
  auto cubin = llvm::MemoryBuffer::getFile(output, /*IsText=*/false,
                                           /*RequiresNullTerminator=*/false);
  if (!cubin) {
    error = "ptxas " + arch + " wrote no cubin";
    return false;
  }
  image.cubin = (*cubin)->getBuffer().str();
  // "ptxas info    : Function properties for NAME" then
  // "    N bytes stack frame, S bytes spill stores, L bytes spill loads".
  llvm::Regex spills("([0-9]+) bytes spill stores, ([0-9]+) bytes spill loads");
  llvm::SmallVector<llvm::StringRef> lines;
  llvm::StringRef(image.ptxasLog).split(lines, '\n');
  for (llvm::StringRef line : lines) {
    llvm::SmallVector<llvm::StringRef> match;
    if (spills.match(line, &match)) {
      int64_t stores = 0, loads = 0;
      match[1].getAsInteger(10, stores);
      match[2].getAsInteger(10, loads);
      image.spillBytes += stores + loads;
    }
    if (line.contains("Compiling entry function"))
      ++image.kernels;
  }
  return true;
}
