//===- CPUTarget.cpp - LLVM IR to objects for x86-64 and AArch64 ----------===//

#include "lib/Target/CPU/CPUTarget.h"

#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"

#include <mutex>

using namespace llvm;

std::unique_ptr<TargetMachine>
tessera::createCPUTargetMachine(const CPUTargetOptions &options,
                                std::string &error) {
  static std::once_flag once;
  std::call_once(once, [] {
    InitializeAllTargetInfos();
    InitializeAllTargets();
    InitializeAllTargetMCs();
    InitializeAllAsmPrinters();
    // Kernels may hold inline assembly (the AMX permission request).
    InitializeAllAsmParsers();
  });
  bool host = options.triple.empty();
  Triple triple(host ? sys::getDefaultTargetTriple()
                     : Triple::normalize(options.triple));
  std::string lookupError;
  const Target *target = TargetRegistry::lookupTarget(triple, lookupError);
  if (!target) {
    error = "unknown target '" + triple.str() + "': " + lookupError;
    return nullptr;
  }
  if ((triple.getArch() != Triple::x86_64 &&
       triple.getArch() != Triple::aarch64) ||
      !triple.isOSBinFormatELF()) {
    error = "target '" + triple.str() +
            "' is not supported (x86-64 and AArch64 with ELF objects are)";
    return nullptr;
  }
  std::string cpu = options.cpu, features;
  if (cpu == "native") {
    if (!host &&
        Triple(sys::getDefaultTargetTriple()).getArch() != triple.getArch()) {
      error =
          "--mcpu=native needs the host target; name a CPU for " + triple.str();
      return nullptr;
    }
    cpu = sys::getHostCPUName().str();
    SubtargetFeatures subtarget;
    for (const auto &[feature, enabled] : sys::getHostCPUFeatures())
      subtarget.AddFeature(feature, enabled);
    features = subtarget.getString();
  } else if (cpu.empty()) {
    cpu = triple.getArch() == Triple::x86_64 ? "x86-64" : "generic";
  } else {
    // Asked with the default CPU: an unknown name would make LLVM print a
    // warning of its own before this error.
    std::unique_ptr<MCSubtargetInfo> info(
        target->createMCSubtargetInfo(triple, "", ""));
    if (!info || !info->isCPUStringValid(cpu)) {
      error = "unknown CPU '" + cpu + "' for " + triple.str();
      return nullptr;
    }
  }
  TargetOptions targetOptions;
  // Contract a*b+c into FMAs, as the peers' kernels do.
  targetOptions.AllowFPOpFusion =
      options.optLevel > 0 ? FPOpFusion::Fast : FPOpFusion::Standard;
  CodeGenOptLevel level = options.optLevel <= 0   ? CodeGenOptLevel::None
                          : options.optLevel == 1 ? CodeGenOptLevel::Less
                          : options.optLevel == 2 ? CodeGenOptLevel::Default
                                                  : CodeGenOptLevel::Aggressive;
  std::unique_ptr<TargetMachine> machine(target->createTargetMachine(
      triple, cpu, features, targetOptions, Reloc::PIC_, std::nullopt, level));
  if (!machine)
    error = "cannot create a target machine for " + triple.str();
  return machine;
}

bool tessera::describeVectorUnit(const CPUTargetOptions &options, int64_t &bits,
                                 int64_t &registers, Int8Dot &int8Dot,
                                 std::string &error) {
  std::unique_ptr<TargetMachine> machine =
      createCPUTargetMachine(options, error);
  if (!machine)
    return false;
  const MCSubtargetInfo *info = machine->getMCSubtargetInfo();
  if (machine->getTargetTriple().getArch() == Triple::aarch64) {
    bits = 128;
    registers = 32;
    int8Dot = info->checkFeatures("+dotprod") ? Int8Dot::Sdot : Int8Dot::None;
    return true;
  }
  if (info->checkFeatures("+avx512f")) {
    bits = 512;
    registers = 32;
    // 512-bit pmaddwd needs AVX512BW (every AVX-512 CPU but Xeon Phi).
    int8Dot = info->checkFeatures("+amx-int8,+amx-tile") ? Int8Dot::Amx
              : info->checkFeatures("+avx512vnni")         ? Int8Dot::Vnni
              : info->checkFeatures("+avx512bw")           ? Int8Dot::Pairs
                                                           : Int8Dot::None;
  } else if (info->checkFeatures("+avx2")) {
    bits = 256;
    registers = 16;
    int8Dot = info->checkFeatures("+avxvnni") ? Int8Dot::Vnni : Int8Dot::Pairs;
  } else {
    bits = 128;
    registers = 16;
    int8Dot = info->checkFeatures("+sse2") ? Int8Dot::Pairs : Int8Dot::None;
  }
  return true;
}

/// Lets the backend keep 512-bit vectors in zmm registers: CPUs that prefer
/// 256-bit vectors would otherwise split the kernels' vectors in two.
static void preferWideVectors(Module &module, TargetMachine &machine) {
  if (machine.getTargetTriple().getArch() != Triple::x86_64 ||
      !machine.getMCSubtargetInfo()->checkFeatures("+avx512f"))
    return;
  for (Function &function : module)
    if (!function.isDeclaration()) {
      function.addFnAttr("prefer-vector-width", "512");
      function.addFnAttr("min-legal-vector-width", "512");
    }
}

void tessera::optimizeModule(Module &module, TargetMachine &machine,
                             int optLevel) {
  module.setTargetTriple(machine.getTargetTriple());
  module.setDataLayout(machine.createDataLayout());
  preferWideVectors(module, machine);
  LoopAnalysisManager lam;
  FunctionAnalysisManager fam;
  CGSCCAnalysisManager cgam;
  ModuleAnalysisManager mam;
  PassBuilder builder(&machine);
  builder.registerModuleAnalyses(mam);
  builder.registerCGSCCAnalyses(cgam);
  builder.registerFunctionAnalyses(fam);
  builder.registerLoopAnalyses(lam);
  builder.crossRegisterProxies(lam, fam, cgam, mam);
  OptimizationLevel level = optLevel <= 0   ? OptimizationLevel::O0
                            : optLevel == 1 ? OptimizationLevel::O1
                            : optLevel == 2 ? OptimizationLevel::O2
                                            : OptimizationLevel::O3;
  ModulePassManager passes = optLevel <= 0
                                 ? builder.buildO0DefaultPipeline(level)
                                 : builder.buildPerModuleDefaultPipeline(level);
  passes.run(module, mam);
}

bool tessera::emitCode(Module &module, TargetMachine &machine,
                       const std::string &path, bool assembly,
                       std::string &error) {
  std::error_code ec;
  raw_fd_ostream out(path, ec, assembly ? sys::fs::OF_Text : sys::fs::OF_None);
  if (ec) {
    error = "cannot write " + path + ": " + ec.message();
    return false;
  }
  return emitToStream(module, machine, out, assembly, error);
}

bool tessera::emitToStream(Module &module, TargetMachine &machine,
                           raw_pwrite_stream &out, bool assembly,
                           std::string &error) {
  legacy::PassManager passes;
  if (machine.addPassesToEmitFile(passes, out, nullptr,
                                  assembly ? CodeGenFileType::AssemblyFile
                                           : CodeGenFileType::ObjectFile)) {
    error = "the target cannot emit this file type";
    return false;
  }
  passes.run(module);
  out.flush();
  return true;
}
