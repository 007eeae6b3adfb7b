//===- Passes.td - Tessera cross-dialect transforms -------*- tablegen -*-===//

#ifndef TESSERA_TRANSFORMS_PASSES
#define TESSERA_TRANSFORMS_PASSES

include "mlir/Pass/PassBase.td"

def ApproximateMath : Pass<"tessera-approximate-math"> {
  let summary = "Replace f32 transcendental math ops by vectorizable polynomial approximations";
  let description = [{
    Runs before the lowering to LLVM, on loops and vectors. Every f32 (and,
    through f32, f16/bf16) `math.exp`, `expm1`, `log`, `log1p`, `log2`,
    `tanh`, `erf` and `erfc` becomes upstream's polynomial approximation
    (log and log2 first scale a subnormal input into the normal range);
    `powf` with a constant exponent becomes multiplications or square
    roots, any other `powf` `exp(y * log|x|)` with C's sign and special
    cases. On vectors a libm call would be scalarized, one per lane; these
    are the functions of hot loops (activations, softmax, normalization).
    The trigonometric and hyperbolic functions keep libm, whose results are
    right over the whole range; f64 ops are kept.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::vector::VectorDialect"];
}

def PromoteAccumulators : Pass<"tessera-promote-accumulators"> {
  let summary = "Carry a loop's accumulator in a register instead of memory";
  let description = [{
    On loops (the CUDA pipeline runs it in the kernels' `gpu.module`): an
    `scf.for` whose body loads an element at loop-invariant indices and
    later stores to the same element, the only accesses to it in the loop,
    carries the value as an iter_arg instead: one load before the loop, one
    store after. linalg's loop form of a reduction reads and writes its
    output element on every iteration; on a GPU that is two global memory
    accesses per step. Nothing else in the loop may touch the element: no
    other access through the same memref, no op with unknown memory
    effects, and every other buffer accessed provably distinct (another
    argument, allocation or global, or a view of the same buffer at a
    disjoint constant byte range). Nested loops promote from the inside
    out.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
}

def PlanMemory : Pass<"tessera-plan-memory", "::mlir::func::FuncOp"> {
  let summary = "Place every temporary buffer in one workspace argument";
  let description = [{
    Runs on bufferized functions (before deallocation). Every `memref.alloc`
    of static shape in the function body becomes a `memref.view` into a new
    trailing function argument `memref<Nxi8>`, the workspace; buffers whose
    lifetimes do not overlap share bytes (first fit, largest first, 64-byte
    aligned). A buffer lives from its allocation to the last use of it or of
    any view of it, measured at the top level of the function body. The
    workspace size is recorded as the function attribute
    `tk.workspace_size` (bytes), so that a runtime allocates it once and
    a run does no allocation at all. The model's status word (the
    allocation marked `tk.status`, which failed run-time checks write) lives
    for the whole function, and its offset becomes `tk.status_offset`.

    Allocations of dynamic shape, or inside loops and regions, are reported
    as errors: everything Tessera compiles has static shapes.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect",
                           "::tessera::tk::TKDialect"];
}

def OutlineLoops : Pass<"tessera-outline-loops", "::mlir::ModuleOp"> {
  let summary = "Move the top-level loop nests of a large model function into functions of their own";
  let description = [{
    Runs at the end of the codegen phase, on loops over buffers. In a model
    function with at least `min-loops` top-level loop nests (`scf.for`,
    `scf.parallel`, `scf.if`, no results), runs of up to `max-group-loops`
    consecutive nests (with only effect-free ops, such as views and
    constants, between them) move into a private function each, called
    after the run and never inlined: the values they use from above become
    arguments (buffers of static shape and strides, scalars), constants are
    cloned in. The lowering to LLVM
    (control-flow conversion splits a block per loop, which moves every op
    after it) and LLVM's optimizer then work on many small functions,
    linearly in the number of kernels, instead of one function whose cost
    grows with its square. A nest that uses anything else stays where it
    is. Smaller functions are left whole.
  }];
  let options = [
    Option<"minLoops", "min-loops", "int64_t", "64",
           "Top-level loop nests a function needs before they are outlined">,
    Option<"maxGroupLoops", "max-group-loops", "int64_t", "32",
           "Loop nests one outlined function may hold">
  ];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::LLVM::LLVMDialect"];
}

def CountKernels : Pass<"tessera-count-kernels", "::mlir::ModuleOp"> {
  let summary = "Record how many kernels the model's functions run";
  let description = [{
    Runs on buffers, after the CPU kernels are generated and before linalg
    becomes loops. A kernel is one pass of the generated code over memory:
    a structured op, a top-level loop nest, a parallel dispatch
    (`func.call`) or a copy, in every function that is not a parallel task;
    consecutive fills of one padded buffer's border slabs count as one. The count goes
    to the module attribute `tk.kernel_count` (those that run on the
    thread pool to `tk.parallel_kernel_count`), which
    `tessera-compile --stats` reports next to the graph's op count.
  }];
  let dependentDialects = ["::tessera::tk::TKDialect"];
}

def TagKernels : Pass<"tessera-tag-kernels", "::mlir::func::FuncOp"> {
  let summary = "Mark every tk kernel's location with what it is and its FLOP count";
  let description = [{
    Runs on buffers, before the tk kernels are lowered, when the model is
    compiled with `--profile`. Every tk op's location becomes a fused
    location over it whose metadata is a `tk.kernel_info` dictionary:
    `kind` (the op's name), `flops` (arithmetic operations per run: 2 per
    multiply-add of a `tk.matmul` or `tk.conv`, 0 for the memory-bound
    kernels) and `id` (its place in the function, so that two kernels of
    one kind and size stay apart). Every op a lowering makes from the kernel
    inherits the location, so `tessera-profile-kernels` finds it on the
    loops that kernel became.
  }];
}

def ProfileKernels : Pass<"tessera-profile-kernels", "::mlir::ModuleOp"> {
  let summary = "Time every kernel: calls of the profiler hooks around each";
  let description = [{
    Runs where `tessera-count-kernels` does (buffers, kernels generated,
    linalg not yet loops) and sees the same kernels. Around each it calls
    the declarations `tk.profile_hook = "begin"` and `"end"` with the
    kernel's index; the artifact defines them to call the session's
    profiler (runtime.h, `tessera_profiler_t`). The module attribute
    `tk.profile_kernels` describes every kernel, by index: `name` (the ONNX
    nodes whose ops it holds, from their locations), `kind` (its tk op, from
    `tessera-tag-kernels`, or the op it is), `flops`, and `bytes` (the
    buffers it reads and writes, each counted once). Only a profiled
    compilation runs it: an ordinary artifact holds no timing code.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::tessera::tk::TKDialect"];
}

def ExpandStridedCopies : Pass<"tessera-expand-strided-copies",
                                "::mlir::func::FuncOp"> {
  let summary = "Turn strided memref.copy into linalg.copy";
  let description = [{
    `memref.copy` between buffers that are not both contiguous (subviews of
    pads, slices, concatenations) lowers to a call into MLIR's C runner
    utilities, which a self-contained artifact must not depend on. This pass
    rewrites such copies into `linalg.copy`, which `convert-linalg-to-loops`
    turns into plain loops. Contiguous copies stay `memref.copy` (they become
    `memcpy`).
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def DistinctResults : Pass<"tessera-distinct-results", "::mlir::func::FuncOp"> {
  let summary = "Give every returned tensor its own value";
  let description = [{
    Runs on tensors, before bufferization. A function that returns the same
    tensor in several result positions (an ONNX graph listing one value as
    two outputs, or an output and its Identity) would hand one buffer to
    several output parameters; this pass returns a `linalg.copy` of the
    value for every repeated position, so that each result bufferizes into
    its own output buffer.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def DistinctConstants : Pass<"tessera-distinct-constants", "::mlir::func::FuncOp"> {
  let summary = "One tensor constant per use, before bufferization";
  let description = [{
    Runs right before One-Shot Bufferize, whose analysis costs grow with the
    square of the number of uses of one tensor value: a constant that more
    than `max-uses` ops read (a scalar that every layer broadcasts, cse'd
    into one) gets a copy of itself next to each use. The copies share
    their attribute, so bufferization gives them one global; nothing is
    computed or stored twice.
  }];
  let options = [
    Option<"maxUses", "max-uses", "int64_t", "8",
           "Uses a tensor constant may have before it is copied per use">
  ];
}

def FuseElementwise : Pass<"tessera-fuse-elementwise", "::mlir::func::FuncOp"> {
  let summary = "linalg elementwise fusion, each fused body at most max-body-ops ops";
  let description = [{
    linalg's elementwise fusion on tensors (a producer `linalg.generic`
    with one use fused into its consumer, reshapes folded by expansion,
    constants folded, the same canonicalizations as
    `linalg-fuse-elementwise-ops`), fusing only while the fused body has at
    most `max-body-ops` operations. Fusion clones both bodies, so an
    unbounded chain of n ops costs O(n^2) time; bounded it is linear, and a
    body of that many ops per element is compute bound already.
  }];
  let options = [
    Option<"maxBodyOps", "max-body-ops", "int64_t", "128",
           "Operations a fused body may hold">
  ];
  let dependentDialects = ["::mlir::affine::AffineDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def ExternalizeWeights : Pass<"tessera-externalize-weights", "::mlir::ModuleOp"> {
  let summary = "Move the model's weights out of the object, into a side file the runtime maps";
  let description = [{
    Runs at the end of the LLVM phase, on `llvm.mlir.global` constants.
    With `mode=file` (or `mode=auto` once the weights take more than
    `auto-bytes`), every constant of at least `min-bytes` whose value is a
    dense array of byte-sized elements, and which only functions take the
    address of, leaves the module: it gets an offset in the weights section
    (aligned to its alignment, at least 64 bytes), each function that used
    it loads the section's base once, at its entry, from a new mutable
    global, and reads the weight at base + offset. The module attribute
    `tk.weights` = {base = @global, size, tensors} (each tensor {offset, value})
    hands the values to the artifact writer, which writes the file, and the
    base's symbol to the model descriptor, through which the runtime points
    it at the mapped file (docs/runtime.md). Small constants stay, where
    LLVM can fold them.

    With `mode=embed` (or auto below the threshold) nothing moves; the pass
    fails when the constants take more than `max-embed-bytes`, which an
    object's 32-bit relocations cannot reach, naming `--weights=file`.
  }];
  let options = [
    Option<"mode", "mode", "std::string", "\"auto\"",
           "auto, embed or file">,
    Option<"minBytes", "min-bytes", "int64_t", "1024",
           "Constants smaller than this stay in the object">,
    Option<"autoBytes", "auto-bytes", "int64_t", "1073741824",
           "In auto mode, weights move to the file past this many bytes">,
    Option<"maxEmbedBytes", "max-embed-bytes", "int64_t", "1879048192",
           "The most bytes of constants an object may embed">
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect",
                           "::tessera::tk::TKDialect"];
}

#endif // TESSERA_TRANSFORMS_PASSES
