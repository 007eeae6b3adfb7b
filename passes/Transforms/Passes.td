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
    `tessera.workspace_size` (bytes), so that a runtime allocates it once and
    a run does no allocation at all.

    Allocations of dynamic shape, or inside loops and regions, are reported
    as errors: everything Tessera compiles has static shapes.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
}

def CPUKernels : Pass<"tessera-cpu-kernels", "::mlir::ModuleOp"> {
  let summary = "Register-tiled vector kernels for matmul and 2-D convolution";
  let description = [{
    Runs on bufferized functions, before memory planning. Every f32
    `linalg.matmul`, `linalg.conv_2d_nchw_fchw` and
    `linalg.depthwise_conv_2d_nchw_chw`, `linalg.pooling_nchw_max` and
    `linalg.pooling_nchw_sum` with static shapes and unit innermost strides
    becomes a loop nest around a register-tiled microkernel (depthwise and
    pooling: one channel x 4 output rows x NR columns, every window tap
    unrolled; DepthwiseKernel.cpp) (MR x NR accumulators in vector registers, outer-product
    updates with `vector.fma`). Constant right-hand matrices and convolution
    filters are repacked at compile time into new private globals; a
    dynamic right-hand matrix is repacked at run time into a buffer that
    memory planning places in the workspace. Column tails use masked loads
    and stores; row tails a smaller tile. Ops that do not qualify are left
    for `convert-linalg-to-loops`.

    Fusion around the tile (TileFusion.cpp): the op that initialises the
    output just before the kernel (a fill, or a generic broadcasting a
    bias) becomes the accumulators' initial value, and the next op to read
    the output — an elementwise generic (bias + activation, residual add,
    folded batch-norm scale, clip) writing in place or the only reader of
    a temporary — runs on the accumulators before they are stored into its
    output. Both ops disappear; with several K blocks the prologue applies
    to the first and the epilogue to the last.

    A `linalg.generic` computing [batch..., M, K] x [K, N] on contiguous
    buffers (how a batched MatMul with a 2-D right operand lowers) becomes
    one `linalg.matmul` on merged views first (BatchedMatmul.cpp).

    Padded buffers (a bufferized `tensor.pad`: a fill of the whole buffer,
    then the source copied into its interior) get fills of the border slabs
    only, and the copy becomes a `linalg.generic` (PadBorders.cpp).

    `vector-bits` and `registers` describe the target's vector unit: 256/16
    for AVX2, 512/32 for AVX-512, 128/32 for NEON.

    Threads: a kernel of at least `parallel-work` multiply-adds splits its
    outermost loop (matmul: column panels; convolution: image x output row
    x column panel) into a range [0, n). Its body moves into a private
    function `<function>_task(begin, end, buffers...)` (attribute
    `tessera.task`), and the kernel's place calls the external declaration
    `__tessera_dispatch_<task>(n, buffers...)`, which the artifact writer
    defines: it hands the range to the caller's `tessera_parallel_t` (the
    runtime's thread pool) or runs it whole. Smaller kernels stay inline:
    with few cores one fork/join costs microseconds. What stays a
    `linalg.generic` (elementwise chains, depthwise convolutions, pooling,
    reductions) and has at least `parallel-elements` loop iterations is
    split the same way along its first parallel dimension that indexes
    every output (the op is tiled by one along it inside the task).
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
                           "::mlir::memref::MemRefDialect",
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
    to the module attribute `tessera.kernel_count` (those that run on the
    thread pool to `tessera.parallel_kernel_count`), which
    `tessera-compile --stats` reports next to the graph's op count.
  }];
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
