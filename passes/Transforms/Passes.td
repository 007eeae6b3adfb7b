//===- Passes.td - Tessera cross-dialect transforms -------*- tablegen -*-===//

#ifndef TESSERA_TRANSFORMS_PASSES
#define TESSERA_TRANSFORMS_PASSES

include "mlir/Pass/PassBase.td"

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
    a run does no allocation at all.

    Allocations of dynamic shape, or inside loops and regions, are reported
    as errors: everything Tessera compiles has static shapes.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect",
                           "::tessera::tk::TKDialect"];
}

def CPUKernels : Pass<"tessera-cpu-kernels", "::mlir::ModuleOp"> {
  let summary = "CPU code generation of kernels: register-tiled vector code";
  let description = [{
    The CPU lowering of kernels, on bufferized functions, before memory
    planning. Every `tk.matmul` becomes a loop nest around a register-tiled
    microkernel (MR x NR accumulators in vector registers, outer-product
    updates with `vector.fma`) configured by its `#tk.cpu_tile`
    (MatmulKernel.cpp): operands are read through flat strided views built
    from their maps, batch loops that step whole matrices merge into the
    rows, constant right-hand operands are repacked at compile time into
    new private globals, dynamic ones at run time into a buffer that memory
    planning places in the workspace, and the epilogue region runs on the
    accumulators as vectors before the one store. What the vector kernel
    does not take (non-f32, dynamic strides, outputs not contiguous along
    the columns) becomes plain loops from the maps.

    Every `tk.conv` (ConvFamilyKernel.cpp), direct or transposed, any
    number of spatial dimensions and groups, becomes a direct vector kernel:
    MR output channels x NR output positions along the innermost spatial
    dimension in vector accumulators, a reduction over input channels and
    filter taps. Transposed convolutions split their outputs into
    `stride` phases per dimension, each a direct convolution over the input
    whose results are stored `stride` apart (no zero-stuffed input); the
    input is read through a zero-padded copy only when taps reach outside
    it.

    Every `tk.reduce` (RowKernel.cpp) becomes a vectorized row kernel:
    softmax and log-softmax as max, exp-and-sum and scale passes over each
    row, layer norm as mean, variance and normalisation passes.

    Until the convolution and window families have tk ops of their own,
    f32 `linalg.conv_2d_nchw_fchw` (ConvKernel.cpp),
    `linalg.depthwise_conv_2d_nchw_chw`, `linalg.pooling_nchw_max` and
    `linalg.pooling_nchw_sum` (DepthwiseKernel.cpp) with static shapes and
    unit innermost strides are recognised here, with the fusion around
    their tiles found on buffers (TileFusion.cpp): the op initialising the
    output just before the kernel (a fill, or a bias broadcast) becomes the
    accumulators' initial value, and the elementwise generic that alone
    reads the output runs on the accumulators before the store. Column
    tails use masked loads and stores; row tails a smaller tile.

    Padded buffers (a bufferized `tensor.pad`: a fill of the whole buffer,
    then the source copied into its interior) get fills of the border slabs
    only, and the copy becomes a `linalg.generic` (PadBorders.cpp).

    `vector-bits` and `registers` describe the target's vector unit: 256/16
    for AVX2, 512/32 for AVX-512, 128/32 for NEON; they are the tile of the
    kernels the pass configures itself (convolutions, and tk.matmul without
    a configuration).

    Threads (the dispatch contract, docs/kernels.md): a kernel that runs in
    parallel (tk.matmul: its configuration; convolutions: at least
    `parallel-work` multiply-adds) splits its outermost loop (matmul:
    batch x column panels; convolution: image x output row x column panel)
    into a range [0, n). Its body moves into a private function
    `<function>_task(begin, end, captured...)` marked `tk.task`, and the
    kernel's place calls a private declaration `(n, captured...)` marked
    `tk.task = @<function>_task`, which the artifact writer defines: it
    hands the range to the caller's `tessera_parallel_t` (the runtime's
    thread pool) or runs it whole. Smaller kernels stay inline: with few
    cores one fork/join costs microseconds. What stays a `linalg.generic`
    (elementwise chains, depthwise convolutions, pooling, reductions) and
    has at least `parallel-elements` loop iterations is split the same way
    along its first parallel dimension that indexes every output (the op
    is tiled by one along it inside the task).

    Statistics: `matmuls-tiled`, `matmuls-as-loops`, `windows-tiled`
    (`--mlir-pass-statistics` in builds with LLVM statistics); the count of
    register-tiled kernels also goes to the module attribute
    `tk.tiled_kernel_count` for `tessera-compile --stats`.
  }];
  let options = [
    Option<"vectorBits", "vector-bits", "int64_t", "256",
           "Width of one vector register in bits">,
    Option<"registers", "registers", "int64_t", "16",
           "Number of vector registers">,
    Option<"parallel", "parallel", "bool", "true",
           "Run large kernels on the runtime's thread pool">,
    Option<"parallelWork", "parallel-work", "int64_t", "262144",
           "Multiply-adds from which a kernel runs in parallel">,
    Option<"parallelElements", "parallel-elements", "int64_t", "32768",
           "Loop iterations from which a linalg.generic runs in parallel">
  ];
  let dependentDialects = ["::mlir::affine::AffineDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::memref::MemRefDialect",
                           "::tessera::tk::TKDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect"];
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

#endif // TESSERA_TRANSFORMS_PASSES
