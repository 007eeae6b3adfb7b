//===- Passes.td - Tessera conversion passes ---------------*- tablegen -*-===//

#ifndef TESSERA_CONVERSION_PASSES
#define TESSERA_CONVERSION_PASSES

include "mlir/Pass/PassBase.td"

def ConvertGraphToLinalg : Pass<"convert-tg-to-linalg"> {
  let summary = "Lower tg graph ops to linalg, tensor, arith and math";
  let description = [{
    Lowers every `tg` op to the three primitives underneath it: elementwise
    maps with broadcasting and reductions as `linalg.generic` (or named linalg
    ops where one fits), and re-indexing as `tensor` ops or `linalg.generic`
    with computed indices. Unsigned element types (`ui8` …) become signless
    (`i8` …) with the unsigned arith ops chosen from the `tg` types; function
    signatures are converted accordingly.

    Convolutions (any spatial rank, groups, strides, dilations) become one
    `linalg.generic` over the padded input; transposed convolutions are
    convolutions over the stride-dilated input with the flipped kernel.
    Average pooling divides by a divisor tensor computed at compile time from
    the static shapes (so `count_include_pad` and ceil-mode windows are
    exact).

    Example:

    ```mlir
    %y = tg.relu %x : tensor<4xf32>
    // becomes
    %e = tensor.empty() : tensor<4xf32>
    %y = linalg.generic {...} ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %m = arith.maximumf %in, %zero : f32
      linalg.yield %m : f32
    } -> tensor<4xf32>
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::tessera::tk::TKDialect",
  ];
}

def ConvertKernelToCPU : Pass<"convert-tk-to-cpu", "::mlir::ModuleOp"> {
  let summary = "The CPU lowering of tk kernels: register-tiled vector code";
  let description = [{
    The CPU lowering of every `tk` op, on bufferized functions, before
    memory planning. Every `tk.matmul` becomes a loop nest around a register-tiled
    microkernel (MR x NR accumulators in vector registers, outer-product
    updates with `vector.fma`) configured by its `#tk.cpu_tile`
    (MatmulKernel.cpp): operands are read through flat strided views built
    from their maps, batch loops that step whole matrices merge into the
    rows, constant right-hand operands are repacked at compile time into
    new private globals, dynamic ones at run time into a buffer that memory
    planning places in the workspace, and the epilogue region runs on the
    accumulators as vectors before the one store. What the vector kernel
    does not take (dynamic strides, outputs not contiguous along the
    columns) becomes plain loops from the maps.

    A `tk.matmul` of 8-bit integers (IntegerMatmulKernel.cpp) with a
    constant right operand becomes an integer microkernel when `int8-dot`
    names an instruction: i32 accumulators in vector registers, the weights
    packed at compile time in groups along K (4 bytes per i32 lane for
    vpdpbusd and sdot, 2 i16 for pmaddwd), the rows packed at run time the
    same way. vpdpbusd multiplies u8 by s8 and sdot s8 by s8: operands of
    the other signedness are shifted by 128 when packed, and the shift's
    terms (a constant per column, a row sum per row) start the
    accumulators, so every instruction gives the exact integers of the
    loops. With `int8-dot=amx` (AVX-512 epilogues) 32 x 32 output blocks
    accumulate in four AMX tiles, 64 bytes of K per step, any signedness;
    the process asks Linux for the tile state (arch_prctl) before the
    kernel and reports a run-time check when refused. The epilogue
    (rescale, requantization) runs on the accumulators as vectors before
    the one store.

    Every `tk.conv` becomes a vector kernel. A dense 1-D or 2-D direct one
    (ConvKernel.cpp) is a packed direct convolution: MR output channels x
    NR pixels of one output row in vector accumulators, the filters packed
    `[F/MR][C*KH*KW][MR]` (at compile time when they are constants, at run
    time into the workspace otherwise), the input read in place (a 1x1
    stride-1 convolution treats the image as one row). A depthwise one
    (one filter per channel) takes the window kernel below. Every other one
    (ConvFamilyKernel.cpp) — any number of spatial dimensions and groups,
    transposed ones — is a direct vector kernel: MR output channels x NR
    output positions along the innermost spatial dimension, a reduction
    over input channels and filter taps. Transposed convolutions split
    their outputs into `stride` phases per dimension, each a direct
    convolution over the input whose results are stored `stride` apart (no
    zero-stuffed input).

    Every `tk.pool`, and depthwise `tk.conv` (WindowKernel.cpp), becomes a
    window kernel: one channel x 4 output rows x NR columns in vector
    accumulators (outer spatial dimensions looped per tile), every tap
    unrolled for windows of up to 64 taps (a weight broadcast, a maximum or
    an add into every accumulator).

    Convolutions and pools read their input through a padded copy (zeros,
    or -inf for a maximum) when taps reach outside it; their epilogue
    region runs on the accumulators as vectors before the one store.

    Every `tk.reduce` (RowKernel.cpp) becomes a vectorized row kernel:
    softmax and log-softmax as max, exp-and-sum and scale passes over each
    row, layer and RMS norm as mean, variance and normalisation passes.

    Padded buffers (the kernels' padded copies, a bufferized `tensor.pad`:
    a fill of the whole buffer, then the source copied into its interior)
    get fills of the border slabs only, and the copy becomes a
    `linalg.generic` (PadBorders.cpp).

    `vector-bits` and `registers` describe the target's vector unit: 256/16
    for AVX2, 512/32 for AVX-512, 128/32 for NEON; they are the tile of the
    kernels the pass configures itself (convolutions, and tk.matmul without
    a configuration).

    Threads (the dispatch contract, docs/kernels.md): a kernel that runs in
    parallel (tk.matmul: its configuration; convolutions and pools: at least
    `parallel-work` multiply-adds) splits its outermost loop (matmul:
    batch x column panels; convolutions: image x output row x column panel
    or image x group x channel tile; windows: image x channel x rows x
    columns)
    into a range [0, n). Its body moves into a private function
    `<function>_task(begin, end, captured...)` marked `tk.task`, and the
    kernel's place calls a private declaration `(n, captured...)` marked
    `tk.task = @<function>_task`, which the artifact writer defines: it
    hands the range to the caller's `tessera_parallel_t` (the runtime's
    thread pool) or runs it whole. Smaller kernels stay inline: with few
    cores one fork/join costs microseconds. What stays a `linalg.generic`
    (elementwise chains, reductions, non-f32 convolutions) and has at least `parallel-elements` loop iterations is split the same way
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
           "Loop iterations from which a linalg.generic runs in parallel">,
    Option<"int8Dot", "int8-dot", "std::string", "\"none\"",
           "Instruction of the 8-bit integer matmul kernels: none (plain "
           "loops), pairs (x86 pmaddwd), vnni (x86 vpdpbusd at vector-bits), "
           "sdot (AArch64 dotprod), amx (x86 AMX tiles, 512-bit epilogues)">,
    Option<"referenceConvs", "reference-convs", "bool", "false",
           "Direct tk.conv kernels as the loops of their implicit GEMM "
           "(tk::lowerConvToLoops, the description the CUDA tensor-core "
           "kernel runs), not the vector kernels: for checking that "
           "description's numbers on the CPU">
  ];
  let dependentDialects = ["::mlir::affine::AffineDialect",
                           "::mlir::amx::AMXDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::memref::MemRefDialect",
                           "::tessera::tk::TKDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect"];
}

def ConvertKernelToGPU : Pass<"convert-tk-to-gpu", "::mlir::ModuleOp"> {
  let summary = "The CUDA lowering of tk kernels and loops: one gpu.launch per loop nest, outlined";
  let description = [{
    Runs on bufferized functions after memory planning (every temporary is
    a view of the workspace argument). First every kernel becomes loops or
    a kernel of its own: an f32 `tk.matmul` of at least 32 x 32 x 16 a
    tensor-core kernel with `precision=tf32` (64 x 64 tiles per block of
    four warps staged in shared memory, `nvgpu.mma.sync` m16n8k8 with tf32
    inputs and f32 accumulators, the epilogue on the accumulators), any
    other `tk.matmul` its reference loops (the output dimensions one
    `scf.parallel`, the reduction a sequential loop per output element,
    then the epilogue), `tk.fusion` and every linalg op (generalized, its
    parallel loops ordered first) an `scf.parallel` over the parallel
    dimensions with the reductions inside, `memref.copy` a parallel copy.

    Then every top-level loop nest becomes one kernel: an `scf.parallel`
    with static bounds is linearized (last dimension fastest) over a 1-D
    grid of `block-size`-thread blocks, at most `max-blocks` of them, each
    thread striding over the iteration space by the grid's size; anything
    else that touches memory (sequential scatter and top-k walks, run-time
    checks) runs on one thread, together with every later op reading what
    it defines. Constants, index arithmetic and views are rebuilt inside the
    kernels that read them, so every kernel argument is a whole buffer (an
    input, an output, the workspace, a weight) or a scalar. The kernels are
    outlined into one `gpu.module` named `<function>_gpu` and called by
    `gpu.launch_func`; math NVVM has no lowering for (integer powers)
    becomes helper functions (`convert-math-to-funcs`), copied into it.

    `tk.conv`, `tk.pool`, `tk.reduce` and `tk.attention` have no CUDA
    lowering yet: the CUDA pipeline does not form them (their linalg form
    takes the generic path), and such an op is an error naming it.
  }];
  let options = [
    Option<"blockSize", "block-size", "int64_t", "256",
           "Threads per block of a parallel loop nest (a multiple of 32)">,
    Option<"maxBlocks", "max-blocks", "int64_t", "4096",
           "Blocks per launch at most; larger nests stride over the grid">,
    Option<"precision", "precision", "std::string", "\"tf32\"",
           "f32 matmuls: tf32 (tensor cores, inputs rounded to tf32) or fp32 (exact f32, no tensor cores)">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::cf::ControlFlowDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::gpu::GPUDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::nvgpu::NVGPUDialect",
                           "::mlir::scf::SCFDialect"];
}

def ConvertLibdeviceToIntrinsics : Pass<"convert-libdevice-to-intrinsics"> {
  let summary = "Replace the libdevice calls PTX has an instruction for by LLVM intrinsics";
  let description = [{
    Runs on a `gpu.module` after `convert-gpu-to-nvvm`, which lowers every
    math op to a call of libdevice's `__nv_*` functions (and keeps LLVM's
    math intrinsics illegal while it runs). Calls of the f32 and f64
    `fma`, `sqrt`, `fabs`, `floor`, `ceil`, `trunc`, `rint`, `nearbyint`,
    `round`, `copysign`, `fmax` and `fmin` become the LLVM intrinsic of the
    same meaning, which the NVPTX back end selects as one instruction
    (`fma.rn`, `sqrt.rn`, `abs`, `cvt.rmi`/`rpi`/`rzi`/`rni`, `max`, ...); `rsqrt` becomes a
    division by `llvm.sqrt` (correctly rounded; libdevice's is
    `rsqrt.approx`). Declarations left without a call are erased.
    libdevice is a file of the CUDA toolkit: the PTX of a model with no
    transcendental function left after `tessera-approximate-math` then
    depends on nothing found on the compiling machine, and the same PTX is
    emitted with or without a toolkit.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

#endif // TESSERA_CONVERSION_PASSES
