//===- Driver.h - compile a model into an artifact ---------------*- C++
//-*-===//
//
// The driver behind tessera-compile (and the Python module): import, graph
// passes, lowering, LLVM, emission. Every stage can be the last one and be
// printed.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_COMPILER_DRIVER_H
#define TESSERA_COMPILER_DRIVER_H

#include "tessera/Compiler/Pipeline.h"
#include "tessera/Import/ONNX.h"
#include "dialects/Graph/Transforms/QuantizeLayers.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llvm {
class raw_ostream;
} // namespace llvm

namespace tessera {

class Graph;

enum class EmitStage {
  Graph,    ///< tg after the graph phase (MLIR text)
  Kernel,   ///< tk kernels and linalg on tensors after the kernel phase
  Codegen,  ///< vector, scf and memref code after the codegen phase
  LLVMIR,   ///< optimised LLVM IR (text)
  Assembly, ///< target assembly
  Object,   ///< <prefix>.o and <prefix>.h
  Library,  ///< <prefix>.o, <prefix>.so and <prefix>.h
  PTX,      ///< CUDA: the kernels' PTX for every architecture (text)
};

/// Where a model's weights go (--weights).
enum class WeightsPlacement {
  Auto,  ///< in the object, or a side file once they pass 1 GiB
  Embed, ///< in the object (fails past what an object can address)
  File,  ///< <prefix>.weights, which the runtime maps
};

/// The graph passes of post-training quantization, which
/// tessera::quantizeModel (tessera/Compiler/Quantize.h) sets: after import,
/// batch norms fold into their convolutions, then the layers' points are
/// returned (a calibration or report build) and/or Q/DQ pairs are inserted
/// from calibrated ranges (docs/quantization.md).
struct GraphQuantizeOptions {
  bool enabled = false;
  enum class Expose {
    None,
    Points, ///< every point (tg-expose-quantize-points)
    Layers, ///< every quantizable layer's result (layers=true)
  } expose = Expose::None;
  /// tg-insert-quantize with `ranges` ([lo, hi] per point) and `keepFloat`.
  bool insert = false;
  std::vector<double> ranges;
  std::vector<std::string> keepFloat;
  /// When set, receives the layers in the passes' numbering (before any
  /// insertion).
  std::vector<tg::QuantizeLayerInfo> *layers = nullptr;
};

struct CompileOptions {
  /// An .onnx model, or an .mlir file holding one tg function.
  std::string inputPath;
  /// Alternatively, MLIR (text or bytecode) in memory; inputPath then only
  /// names it in messages.
  std::string inputBuffer;
  /// Output files are <outputPrefix>.o/.so/.h.
  std::string outputPrefix;
  OnnxImportOptions import;
  /// Target triple ("" for the host) and CPU ("native", "" for generic).
  std::string triple;
  /// CPU name, or for CUDA (`triple` "cuda") the architectures,
  /// comma-separated ("native": sm_80,sm_90a).
  std::string cpu = "native";
  /// CUDA: the toolkit whose ptxas makes cubins (and whose libdevice
  /// provides math functions); empty: $CUDA_HOME, $CUDA_PATH, PATH,
  /// /usr/local/cuda.
  std::string cudaToolkit;
  /// CUDA: how f32 matmuls run: "tf32" (tensor cores, inputs rounded to
  /// tf32, f32 accumulation; the default) or "fp32" (exact, no tensor
  /// cores).
  std::string gpuPrecision = "tf32";
  int optLevel = 2;
  EmitStage emit = EmitStage::Library;
  /// Weights of at least 1 KiB go to <outputPrefix>.weights with File (and
  /// Auto past 1 GiB); docs/runtime.md.
  WeightsPlacement weights = WeightsPlacement::Auto;
  /// Print each stage's wall time (to the log: stderr, or
  /// CompileResult::log).
  bool timing = false;
  /// Print (to the log) how many ops the graph has, how many kernels remain
  /// after fusion and kernel generation, and the workspace size, as far as
  /// the compilation goes.
  bool stats = false;
  /// Print constants of more than 16 elements in the MLIR stages (tg, tk,
  /// codegen); by default they are elided.
  bool printWeights = false;
  /// Time every kernel at run time (docs/profiling.md); without it the
  /// artifact holds no timing code.
  bool profile = false;
  /// C symbol prefix; defaults to the output file name.
  std::string name;
  /// The largest tensor (graph input, output or intermediate) and workspace
  /// the model may have, in bytes; at most (and by default) 2^48, what the
  /// runtime accepts.
  uint64_t maxTensorBytes = uint64_t(1) << 48;
  /// Test only: the ONNX node whose results are perturbed (tg-perturb-node)
  /// to check that numerical debugging finds it; "" for none.
  std::string debugPerturbNode;
  /// Test only: direct convolutions through the loops of their implicit
  /// GEMM (the description the CUDA tensor-core kernel runs) on the CPU.
  bool debugReferenceConvs = false;
  /// Passes added before and after the pipeline's phases (each runs once).
  PipelineHooks hooks;
  /// Post-training quantization's graph passes (off by default).
  GraphQuantizeOptions quantize;
  /// Plugins (tessera/Plugin/Plugin.h) to load before compiling; each is
  /// loaded once per process, and every plugin loaded before extends this
  /// compilation too.
  std::vector<std::string> plugins;
};

/// Compiles per `options`; text stages go to `out`, timings and statistics
/// to stderr. On failure returns false with a one-line `error`.
bool compileModel(const CompileOptions &options, llvm::raw_ostream &out,
                  std::string &error);

/// What compile() returns: success or the diagnostic, the printed stage,
/// the timings and statistics, and, for EmitStage::Object without an output
/// prefix, the object file and the header in memory.
struct CompileResult {
  bool ok() const { return error.empty(); }
  std::string error;
  std::string text;
  std::string log;
  std::string object;
  std::string header;
};

/// Compiles a model file (options.inputPath) or buffer (options.inputBuffer).
CompileResult compile(const CompileOptions &options);

/// Compiles a graph made with the builder; options.inputPath/inputBuffer are
/// ignored.
CompileResult compile(const Graph &graph, CompileOptions options);

/// What a model costs at the shapes it is imported with.
struct ModelCost {
  /// Ops of the graph that compute (constants and reshapes not counted).
  int64_t graphOps = 0;
  /// 2 per multiply-add of every matmul, convolution and attention kernel
  /// (elementwise, normalization and data movement are not counted).
  uint64_t flops = 0;
  struct Kernel {
    std::string kind;  ///< the tk op: "tk.matmul", "tk.conv", ...
    std::string nodes; ///< the ONNX nodes it computes, comma-separated
    uint64_t flops;
  };
  /// Every kernel with arithmetic, in program order.
  std::vector<Kernel> kernels;
};

/// Imports the model (options.inputPath) and runs the graph and kernel
/// phases; fills `cost`. False with a one-line `error` when the model does
/// not import or compile that far.
bool estimateCost(const CompileOptions &options, ModelCost &cost,
                  std::string &error);

/// Parses "auto", "embed", "file".
bool parseWeightsPlacement(const std::string &text, WeightsPlacement &weights);

/// Parses "tg", "tk" (or its older name "linalg"), "codegen", "llvm", "asm",
/// "obj", "lib".
bool parseEmitStage(const std::string &text, EmitStage &stage);

/// Whether `triple` names the CUDA target ("cuda", "nvptx64-nvidia-cuda").
bool isCUDATriple(const std::string &triple);

} // namespace tessera

#endif // TESSERA_COMPILER_DRIVER_H
