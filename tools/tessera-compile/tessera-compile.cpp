//===- tessera-compile.cpp - ONNX model to a native artifact --------------===//
//
//   tessera-compile model.onnx [-o out/model] [--input-shape x=1x3x48x192]
//       [--target aarch64-linux-gnu] [--mcpu native|NAME] [--emit STAGE]
//       [-O0..-O3] [--timing] [--stats] [--profile] [--name SYMBOL]
//       [--max-tensor-bytes N] [--plugin LIB.so ...] [--debug-outputs]
//       [--weights auto|embed|file]
//       [--quantize=int8 --calibration=DIR [--calibration-method=M]
//        [--quantize-keep-float=NODE,...] [--quantize-report=FILE]]
//
//===----------------------------------------------------------------------===//

#include "tessera/Compiler/Driver.h"
#include "tessera/Compiler/Quantize.h"
#include "tessera/Version.h"
#include "tools/tessera-run/TensorIO.h"

#include "llvm/Config/llvm-config.h"
#include "llvm/Support/Path.h"
#include "llvm/TargetParser/Host.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

static cl::OptionCategory category("tessera-compile options");

static cl::opt<std::string> input(cl::Positional,
                                  cl::desc("<model.onnx | graph.mlir>"),
                                  cl::Required, cl::cat(category));
static cl::opt<std::string>
    output("o",
           cl::desc("Output prefix: writes PREFIX.o, .so, .h (default: the "
                    "model's name, in the current directory)"),
           cl::value_desc("prefix"), cl::cat(category));
static cl::list<std::string>
    inputShapes("input-shape",
                cl::desc("Fix an input's shape: NAME=1x3x48x192 (repeatable)"),
                cl::cat(category));
static cl::list<std::string> frozenInputs(
    "freeze-input",
    cl::desc("Make a graph input a constant: NAME=FILE.pb or FILE.npy, or "
             "NAME=VALUE (a number or a comma-separated list; repeatable)"),
    cl::cat(category));
static cl::opt<std::string> target("target",
                                   cl::desc("Target triple (default: host), or cuda "
                                            "(NVIDIA GPUs: PTX and cubins)"),
                                   cl::init(""), cl::cat(category));
static cl::opt<std::string> mcpu("mcpu",
                                 cl::desc("CPU: native (default on the host), "
                                          "generic, or a name such as znver3; "
                                          "CUDA: architectures such as "
                                          "sm_80,sm_90a (the default)"),
                                 cl::init(""), cl::cat(category));
static cl::opt<std::string> cudaPath(
    "cuda-path",
    cl::desc("CUDA toolkit whose ptxas makes cubins (default: $CUDA_HOME, "
             "$CUDA_PATH, ptxas on PATH, /usr/local/cuda)"),
    cl::init(""), cl::cat(category));
static cl::opt<std::string> gpuPrecision(
    "gpu-precision",
    cl::desc("CUDA: how f32 matmuls run: tf32 (tensor cores, inputs rounded "
             "to tf32, f32 accumulation; default) or fp32 (exact)"),
    cl::init("tf32"), cl::cat(category));
static cl::opt<std::string>
    emit("emit",
         cl::desc("Stop after: tg, tk (alias linalg), codegen, llvm, asm, obj, "
                  "lib (default); ptx (--target=cuda)"),
         cl::init("lib"), cl::cat(category));
static cl::opt<std::string> weights(
    "weights",
    cl::desc("Where the weights go: embed (in the object), file (out/NAME."
             "weights, mapped by the runtime; for models over 2 GB), auto "
             "(default: the file once they pass 1 GiB)"),
    cl::init("auto"), cl::cat(category));
static cl::opt<char> optLevel("O",
                              cl::desc("Optimization level 0-3 (default 2)"),
                              cl::Prefix, cl::init('2'), cl::cat(category));
static cl::opt<bool>
    timing("timing", cl::desc("Print the wall time of each stage (stderr)"),
           cl::cat(category));
static cl::opt<bool> printWeights(
    "print-weights",
    cl::desc("Print every constant in full with --emit=tg|tk|codegen "
             "(by default those of more than 16 elements are elided)"),
    cl::cat(category));
static cl::opt<bool>
    profile("profile",
            cl::desc("Time every kernel at run time (tessera-run --profile); "
                     "without it the artifact holds no timing code"),
            cl::cat(category));
static cl::opt<std::string>
    name("name", cl::desc("C symbol prefix (default: output name)"),
         cl::cat(category));
static cl::opt<uint64_t> maxTensorBytes(
    "max-tensor-bytes",
    cl::desc("Refuse a model with a tensor (or a workspace) larger than this "
             "many bytes (default and largest: 2^48)"),
    cl::init(uint64_t(1) << 48), cl::cat(category));

static cl::opt<bool> debugOutputs(
    "debug-outputs",
    cl::desc("Make every tensor a node computes an output too, named after "
             "its ONNX value (what tessera-verify compares)"),
    cl::cat(category));
static cl::opt<std::string> debugPerturbNode(
    "debug-perturb-node",
    cl::desc("Test only: add 0.1 to the results of this ONNX node"),
    cl::value_desc("node"), cl::Hidden, cl::cat(category));
static cl::opt<bool> debugReferenceConvs(
    "debug-reference-convs",
    cl::desc("Test only: run direct convolutions on the CPU through the "
             "loops of their implicit GEMM (what the CUDA tensor-core "
             "kernel computes)"),
    cl::Hidden, cl::cat(category));

static cl::opt<std::string> quantize(
    "quantize",
    cl::desc("Quantize a float model after training: int8 (needs "
             "--calibration; docs/quantization.md)"),
    cl::value_desc("int8"), cl::cat(category));
static cl::opt<std::string> calibration(
    "calibration",
    cl::desc("Sample inputs to calibrate on: one .npy per set (one-input "
             "model) or one folder per set holding NAME.npy per input"),
    cl::value_desc("dir"), cl::cat(category));
static cl::opt<std::string> calibrationMethod(
    "calibration-method",
    cl::desc("How each activation's range is chosen: minmax (default), "
             "percentile, entropy, mse"),
    cl::init("minmax"), cl::cat(category));
static cl::opt<double> calibrationPercentile(
    "calibration-percentile",
    cl::desc("The percentile method's coverage in percent (99.999)"),
    cl::init(99.999), cl::cat(category));
static cl::opt<int> calibrationBins(
    "calibration-bins",
    cl::desc("Histogram bins of the entropy, percentile and mse methods "
             "(2048)"),
    cl::init(2048), cl::cat(category));
static cl::list<std::string> quantizeKeepFloat(
    "quantize-keep-float", cl::CommaSeparated,
    cl::desc("ONNX nodes (convolutions, matmuls) to keep in float"),
    cl::value_desc("node,..."), cl::cat(category));
static cl::opt<double> quantizeMinSqnr(
    "quantize-min-sqnr",
    cl::desc("Keep a layer in float when its input quantizes with an SQNR "
             "below this many dB on the calibration data (20; 0: never)"),
    cl::init(20.0), cl::cat(category));
static cl::opt<std::string> quantizeReport(
    "quantize-report",
    cl::desc("Write what quantization costs and gains: FILE (markdown) and "
             "FILE.json"),
    cl::value_desc("file"), cl::cat(category));
static cl::opt<std::string> quantizeEval(
    "quantize-eval",
    cl::desc("Held-out input sets (the --calibration layout) for the "
             "report's whole-model figures"),
    cl::value_desc("dir"), cl::cat(category));

static cl::list<std::string>
    plugins("plugin",
            cl::desc("Load a compiler plugin (tessera/Plugin/Plugin.h) whose "
                     "passes, converters and cost models extend this "
                     "compilation (repeatable)"),
            cl::value_desc("lib.so"), cl::cat(category));

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  // LLVM's own -stats (pass statistics) gives its name to Tessera's.
  auto &registered = cl::getRegisteredOptions();
  if (auto it = registered.find("stats"); it != registered.end())
    it->second->setArgStr("llvm-stats");
  static cl::opt<bool> stats(
      "stats",
      cl::desc("Print the graph's op count, the kernels left after fusion "
               "and kernel generation, and the workspace size (stderr)"),
      cl::cat(category));
  cl::HideUnrelatedOptions(category);
  cl::SetVersionPrinter([](raw_ostream &os) {
    os << "tessera-compile (Tessera) " << TESSERA_VERSION_STRING
       << "\n  built with LLVM and MLIR " << LLVM_VERSION_STRING
       << "\n  default target: " << sys::getDefaultTargetTriple()
       << "\n  host CPU: " << sys::getHostCPUName() << "\n";
  });
  cl::ParseCommandLineOptions(argc, argv, "Tessera ahead-of-time compiler\n");
  tessera::CompileOptions options;
  options.inputPath = input;
  options.outputPrefix = output;
  options.triple = target;
  options.cpu = mcpu.getNumOccurrences() ? mcpu.getValue()
                                         : (target.empty() ? "native" : "");
  if (options.cpu == "generic")
    options.cpu = "";
  options.cudaToolkit = cudaPath;
  options.gpuPrecision = gpuPrecision;
  if (gpuPrecision.getNumOccurrences() && !tessera::isCUDATriple(target)) {
    errs() << "tessera-compile: error: --gpu-precision needs --target=cuda\n";
    return 1;
  }
  options.timing = timing;
  options.printWeights = printWeights;
  options.stats = stats;
  options.profile = profile;
  options.name = name;
  if (optLevel < '0' || optLevel > '3') {
    errs() << "tessera-compile: error: -O" << optLevel.getValue()
           << " is not an optimization level (0 to 3)\n";
    return 1;
  }
  options.optLevel = optLevel - '0';
  if (maxTensorBytes == 0 || maxTensorBytes > (uint64_t(1) << 48)) {
    errs() << "tessera-compile: error: --max-tensor-bytes must be in [1, 2^48]\n";
    return 1;
  }
  options.maxTensorBytes = maxTensorBytes;
  options.plugins.assign(plugins.begin(), plugins.end());
  options.import.debugOutputs = debugOutputs;
  options.debugPerturbNode = debugPerturbNode;
  options.debugReferenceConvs = debugReferenceConvs;
  if (!tessera::parseEmitStage(emit, options.emit)) {
    errs() << "tessera-compile: error: unknown --emit=" << emit
           << " (tg, tk, linalg, codegen, llvm, asm, obj, lib, ptx)\n";
    return 1;
  }
  if (!tessera::parseWeightsPlacement(weights, options.weights)) {
    errs() << "tessera-compile: error: unknown --weights=" << weights
           << " (auto, embed, file)\n";
    return 1;
  }
  for (const std::string &spec : inputShapes) {
    std::string message = tessera::parseInputShape(spec, options.import);
    if (!message.empty()) {
      errs() << "tessera-compile: error: " << message << "\n";
      return 1;
    }
  }
  for (const std::string &spec : frozenInputs) {
    size_t equals = spec.find('=');
    if (equals == std::string::npos || equals == 0 ||
        equals + 1 == spec.size()) {
      errs() << "tessera-compile: error: bad --freeze-input '" << spec
             << "': expected NAME=FILE.pb or NAME=VALUE\n";
      return 1;
    }
    std::string name = spec.substr(0, equals), value = spec.substr(equals + 1);
    if (StringRef(value).ends_with(".npy")) {
      tessera::run::HostTensor tensor;
      std::string error;
      if (!tessera::run::readTensor(value, tensor, error)) {
        errs() << "tessera-compile: error: --freeze-input " << name << ": "
               << error << "\n";
        return 1;
      }
      options.import.frozenTensors[name] = {
          tensor.dtype, tensor.dims,
          std::string(tensor.data.begin(), tensor.data.end())};
      continue;
    }
    options.import.frozenInputs[name] = value;
  }
  // The artifact is named after the model, here, unless -o says otherwise.
  if (output.empty() && (options.emit == tessera::EmitStage::Object ||
                         options.emit == tessera::EmitStage::Library))
    options.outputPrefix = sys::path::stem(input.getValue()).str();
  std::string error;
  if (!quantize.empty() || !calibration.empty()) {
    if (quantize != "int8") {
      errs() << "tessera-compile: error: "
             << (quantize.empty() ? "--calibration needs --quantize=int8"
                                  : "--quantize=" + quantize.getValue() +
                                        " is not supported (int8)")
             << "\n";
      return 1;
    }
    tessera::QuantizeRequest request;
    request.calibrationDir = calibration;
    if (!tessera::parseCalibrationMethod(calibrationMethod, request.method)) {
      errs() << "tessera-compile: error: unknown --calibration-method="
             << calibrationMethod << " (minmax, percentile, entropy, mse)\n";
      return 1;
    }
    request.percentile = calibrationPercentile;
    request.bins = calibrationBins;
    request.minSqnr = quantizeMinSqnr;
    request.keepFloat.assign(quantizeKeepFloat.begin(), quantizeKeepFloat.end());
    request.reportPath = quantizeReport;
    request.evalDir = quantizeEval;
    if (!tessera::quantizeModel(options, request, errs(), error)) {
      errs() << "tessera-compile: error: " << error << "\n";
      return 1;
    }
  } else if (!quantizeReport.empty() || !quantizeEval.empty() ||
             !quantizeKeepFloat.empty()) {
    errs() << "tessera-compile: error: --quantize-report, --quantize-eval and "
              "--quantize-keep-float need --quantize=int8\n";
    return 1;
  }
  if (!tessera::compileModel(options, outs(), error)) {
    errs() << "tessera-compile: error: " << error << "\n";
    return 1;
  }
  return 0;
}
