//===- Passes.td - tk kernel formation and configuration ---*- tablegen -*-===//

#ifndef TESSERA_DIALECT_KERNEL_PASSES
#define TESSERA_DIALECT_KERNEL_PASSES

include "mlir/Pass/PassBase.td"

def FormKernels : Pass<"tk-form-kernels", "::mlir::func::FuncOp"> {
  let summary = "Form tk kernels from tg convolutions and linalg contractions on tensors";
  let description = [{
    Runs twice in the kernel phase: on tg, before its lowering to linalg
    (convolutions), and on linalg on tensors right after it, before
    elementwise fusion or bufferization can reshape what a kernel reads
    (contractions, and the elementwise consumers of every kernel).

    Every f32 `tg.conv_transpose` becomes a `tk.conv` in its transposed
    mode, and every f32 `tg.conv` the 2-D named-op path does not take (1-D,
    3-D and higher, grouped but not depthwise) a direct `tk.conv`; a bias is
    an epilogue input, and an elementwise `linalg.generic` over the output
    that alone reads the kernel's result moves into its epilogue. f32
    `tg.softmax`, `tg.log_softmax` and `tg.layer_norm` (scale and bias
    shaped as the normalised dimensions) become one `tk.reduce` row kernel
    each, and so does RMS normalisation spelled in tg ops (Pow or x * x,
    reduce_mean, add eps, sqrt, reciprocal or div), with the weight after
    it as its scale.

    Every linalg contraction (`linalg.matmul`, `linalg.batch_matmul`, a
    `linalg.generic` whose body multiplies and adds, as batched and
    broadcasting MatMul, Gemm and Einsum lower) with one reduction
    dimension becomes a `tk.matmul`. Around it, and repeatedly:
    - a transpose or broadcast producing `lhs`, `rhs` or an epilogue input
      (`linalg.transpose`, `linalg.broadcast`, a copy `linalg.generic`
      with a projected-permutation map) folds into that operand's map;
    - a non-zero initial value becomes an epilogue input added to the
      accumulator;
    - when the kernel's result has a single user that is an elementwise
      `linalg.generic` (bias add, activation, residual, scale, clip), its
      body moves into the epilogue and its other inputs become epilogue
      inputs;
    - when that user is a `tensor.expand_shape`, `tensor.collapse_shape`
      or a transpose of the result, it folds into the output map (splitting
      loops where a reshape splits a dimension: the outer parts become
      batch loops), provided the output stays contiguous along the columns.
    Finally the kernel is oriented so that its columns (`n`) are the
    output's innermost dimension.

    Only f32 kernels are formed today; others stay linalg.

    With `contractions-only` (the CUDA pipeline, whose lowering of
    transposed convolution, pool and row kernels is still to come) only
    `tk.matmul` kernels are formed, and with `direct-convs` also direct
    `tk.conv` kernels (and their epilogues); the rest stays tg and lowers
    to linalg.
  }];
  let options = [
    Option<"contractionsOnly", "contractions-only", "bool", "false",
           "Form tk.matmul kernels only: convolutions, pools and row kernels stay tg">,
    Option<"directConvs", "direct-convs", "bool", "false",
           "With contractions-only: form direct tk.conv kernels too">
  ];
  let dependentDialects = ["::tessera::tk::TKDialect",
                           "::mlir::tensor::TensorDialect"];
}

def FormFusions : Pass<"tk-form-fusions", "::mlir::func::FuncOp"> {
  let summary = "Form tk.fusion elementwise kernels from the linalg left after elementwise fusion";
  let description = [{
    Runs in the kernel phase after elementwise fusion. Every
    elementwise `linalg.generic` on static tensors (all loops parallel, one
    output it does not read, an output map that is a permutation, a body
    without loop indices, effects or regions) becomes a `tk.fusion`, its
    input maps re-expressed over the output's dimensions. Then, repeatedly:
    - an input produced by a `linalg.transpose`, a `linalg.broadcast` or a
      `tensor.expand_shape` is replaced by that op's source, the map
      composed (a permutation, dropped dimensions, `h * 64 + d`), when the
      map stays linear;
    - an input produced by another `tk.fusion` whose result nothing else
      reads, and which the consumer reads element for element (an
      injective map), merges into the consumer: the producer's body runs
      inside the consumer's, its inputs read through composed maps — while
      the merged body holds at most `max-body-ops` operations (merging
      clones both bodies: unbounded, a chain of n kernels costs O(n^2) here
      and one n-op loop body in LLVM).

    Collapsing reshapes (whose inverse is a division) and slices stay
    separate ops.
  }];
  let options = [
    Option<"maxBodyOps", "max-body-ops", "int64_t", "128",
           "Operations a merged kernel body may hold">
  ];
  let dependentDialects = ["::tessera::tk::TKDialect",
                           "::mlir::tensor::TensorDialect"];
}

def FormAttention : Pass<"tk-form-attention", "::mlir::func::FuncOp"> {
  let summary = "Fuse scores, softmax and context kernels into tk.attention";
  let description = [{
    Runs in the kernel phase after the other formation passes, when every
    attention head group is a scores `tk.matmul` (Q x K^T, its scale and
    additive mask in the epilogue), a softmax `tk.reduce` over the scores'
    columns, and a context `tk.matmul` whose lhs is the softmax and whose
    reduction runs over the same dimension. When each result is read only
    by the next kernel, the context has no epilogue, everything is f32, and
    both matmuls index the probabilities by the same loops (the reshapes
    and transposes between them already folded into their maps), the three
    become one `tk.attention`: the scores' epilogue is its score region,
    the maps are the matmuls' over one iteration space
    `(b..., m, n, d, e)`. A target then never writes the score matrix
    whole.
  }];
  let dependentDialects = ["::tessera::tk::TKDialect"];
}

def ConfigureKernels : Pass<"tk-configure-kernels", "::mlir::ModuleOp"> {
  let summary = "Choose how the CPU runs every tk kernel";
  let description = [{
    Sets the `config` attribute of every kernel that has none. A
    `tk.matmul` gets a `#tk.cpu_tile`: the register tile for the target's
    vector unit (`vector-bits`, `registers`), the reduction and row
    blocking, and whether the kernel runs on the runtime's thread pool (at
    least `parallel-work` multiply-adds and two column panels). A `tk.conv`
    or `tk.pool` gets a `#tk.cpu_window`: which CPU kernel runs it
    (`packed` for dense 1-D or 2-D convolutions, `window` for depthwise ones and
    pools, `direct` for the rest), its register tile and the thread pool
    choice. A kernel that already has a configuration keeps it.

    The choices are cost-model callbacks (`tessera::tk::KernelCostModel`
    and `tessera::tk::WindowCostModel`, see Passes.h): targets and plugins
    pass their own to `createConfigureKernelsPass`; the defaults are
    `tessera::tk::defaultCPUTile` and `tessera::tk::defaultCPUWindow`.
  }];
  let options = [
    Option<"vectorBits", "vector-bits", "int64_t", "256",
           "Width of one vector register in bits">,
    Option<"registers", "registers", "int64_t", "16",
           "Number of vector registers">,
    Option<"parallel", "parallel", "bool", "true",
           "Let large kernels run on the runtime's thread pool">,
    Option<"parallelWork", "parallel-work", "int64_t", "262144",
           "Multiply-adds from which a kernel runs in parallel">
  ];
}

#endif // TESSERA_DIALECT_KERNEL_PASSES
