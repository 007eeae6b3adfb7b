//===- KernelBase.td - The tk dialect and its attributes ---*- tablegen -*-===//
//
// The `tk` (Tessera kernel) dialect: one op per kernel that will run, chosen
// on tensors before bufferization. An op says what the kernel computes; its
// configuration attribute says how a target runs it.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_DIALECT_KERNEL_BASE
#define TESSERA_DIALECT_KERNEL_BASE

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def TK_Dialect : Dialect {
  let name = "tk";
  let cppNamespace = "::tessera::tk";
  let summary = "Tessera's kernel dialect: one op per kernel that runs";
  let description = [{
    `tk` holds the compute-heavy kernels of a model once they are chosen:
    each op is exactly one kernel of the generated code. Ops are
    destination-style and work on tensors (where they are formed, before
    bufferization) and on memrefs (after it, where a target lowers them).
    How an operand is read is an affine map over the kernel's iteration
    space, so transposes, broadcasts and reshapes around a contraction fold
    into the kernel instead of hiding it. Work done on the kernel's result
    before it is stored (bias, activation, residual, scale, clip) is the
    op's epilogue region. How a target runs the kernel (register tile,
    blocking, parallel split) is a configuration attribute set by
    `tk-configure-kernels`, whose cost model a target or a plugin can
    replace.
  }];
  let useDefaultAttributePrinterParser = 1;
  let hasOperationAttrVerify = 1;
  let extraClassDeclaration = [{
    /// The contract between the CPU code generation and the artifact
    /// writer, verified on every op that carries them (docs/kernels.md):
    /// - `tk.task` (unit) marks a task function `(begin, end, captured...)`
    ///   running one range of a parallel kernel; `tk.task = @task` marks
    ///   the private declaration `(n, captured...)` that the kernel calls
    ///   to run [0, n) of `@task`, which the artifact writer defines on the
    ///   caller's thread pool.
    static constexpr ::llvm::StringLiteral getTaskAttrName() {
      return ::llvm::StringLiteral("tk.task");
    }
    /// Bytes of workspace a model function needs (i64, >= 0).
    static constexpr ::llvm::StringLiteral getWorkspaceSizeAttrName() {
      return ::llvm::StringLiteral("tk.workspace_size");
    }
    /// Run-time checks (docs/runtime.md, "Run-time errors"): `tk.status`
    /// (unit) marks the `memref.alloc` of the model function's status word
    /// (memref<i32>, 0 when every check passed, otherwise the code k of a
    /// failed check); `tk.checks` on the function holds one message per
    /// check, check k's at k - 1; `tk.status_offset` (i64) is where
    /// `tessera-plan-memory` put the status word in the workspace.
    static constexpr ::llvm::StringLiteral getStatusAttrName() {
      return ::llvm::StringLiteral("tk.status");
    }
    static constexpr ::llvm::StringLiteral getChecksAttrName() {
      return ::llvm::StringLiteral("tk.checks");
    }
    static constexpr ::llvm::StringLiteral getStatusOffsetAttrName() {
      return ::llvm::StringLiteral("tk.status_offset");
    }
    /// Module counts for `tessera-compile --stats` (i64, >= 0): kernels of
    /// the generated code, those register-tiled, those on the thread pool.
    static constexpr ::llvm::StringLiteral getKernelCountAttrName() {
      return ::llvm::StringLiteral("tk.kernel_count");
    }
    static constexpr ::llvm::StringLiteral getTiledKernelCountAttrName() {
      return ::llvm::StringLiteral("tk.tiled_kernel_count");
    }
    static constexpr ::llvm::StringLiteral getParallelKernelCountAttrName() {
      return ::llvm::StringLiteral("tk.parallel_kernel_count");
    }
    /// Profiling (`tessera-compile --profile`, docs/profiling.md):
    /// `tk.profile_hook` ("begin" or "end") marks the declaration of the
    /// function a profiled model calls with a kernel's index (i32) before
    /// and after it; `tk.profile_kernels` on the module describes those
    /// kernels in order, each a dictionary {name, kind (strings), flops,
    /// bytes (i64 >= 0)}. `tk.kernel_info`, a dictionary {kind, flops, id}, is
    /// the metadata of the fused location `tessera-tag-kernels` gives a tk
    /// op, which every op its lowering makes inherits.
    static constexpr ::llvm::StringLiteral getProfileHookAttrName() {
      return ::llvm::StringLiteral("tk.profile_hook");
    }
    static constexpr ::llvm::StringLiteral getProfileKernelsAttrName() {
      return ::llvm::StringLiteral("tk.profile_kernels");
    }
    /// Weights kept in a side file (`tessera-externalize-weights`,
    /// docs/runtime.md): on the module, {base = @global (the mutable
    /// pointer the code reads them through), size (bytes of the section,
    /// i64), tensors: an array of {offset (i64), value (elements)}}.
    static constexpr ::llvm::StringLiteral getWeightsAttrName() {
      return ::llvm::StringLiteral("tk.weights");
    }
    static constexpr ::llvm::StringLiteral getKernelInfoName() {
      return ::llvm::StringLiteral("tk.kernel_info");
    }
  }];
}

class TK_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<TK_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def TK_CPUTileAttr : TK_Attr<"CPUTile", "cpu_tile"> {
  let summary = "How the CPU runs a tk.matmul: register tile, blocking, threads";
  let description = [{
    The CPU configuration of a contraction kernel. The microkernel keeps an
    `mr` x `nr` tile of the output in vector registers of `lanes` f32 lanes
    (`nr` a multiple of `lanes`); the reduction runs in blocks of `kc`
    (one packed micro-panel of the right operand stays in L1), the rows in
    blocks of `mc` (a block of the left operand stays in L2). With
    `parallel`, the kernel's column panels (times its batch) are split
    across the runtime's thread pool; otherwise it runs inline.

    Example: `#tk.cpu_tile<lanes = 8, mr = 6, nr = 16, kc = 256, mc = 240,
    parallel = true>`
  }];
  let parameters = (ins "int64_t":$lanes, "int64_t":$mr, "int64_t":$nr,
                        "int64_t":$kc, "int64_t":$mc, "bool":$parallel);
  let assemblyFormat = [{
    `<` `lanes` `=` $lanes `,` `mr` `=` $mr `,` `nr` `=` $nr `,` `kc` `=` $kc
    `,` `mc` `=` $mc `,` `parallel` `=` $parallel `>`
  }];
  let genVerifyDecl = 1;
}

def TK_WindowKernel : I32EnumAttr<"WindowKernel",
    "which CPU kernel runs a tk.conv or tk.pool", [
      I32EnumAttrCase<"packed", 0>, I32EnumAttrCase<"window", 1>,
      I32EnumAttrCase<"direct", 2>]> {
  let cppNamespace = "::tessera::tk";
}

def TK_CPUWindowAttr : TK_Attr<"CPUWindow", "cpu_window"> {
  let summary = "How the CPU runs a tk.conv or tk.pool: which kernel, its register tile, threads";
  let description = [{
    The CPU configuration of a convolution or pooling kernel:

    - `packed`: a dense 1-D or 2-D direct convolution with its filters packed
      `[F/mr][C*KH*KW][mr]`; the tile is `mr` output channels x `nr`
      pixels of one output row;
    - `window`: one channel at a time (a depthwise convolution, a pool);
      the tile is `mr` output rows x `nr` columns;
    - `direct`: any convolution (grouped, N-d, transposed); the tile is
      `mr` output channels x `nr` positions along the innermost spatial
      dimension.

    `nr` is a multiple of `lanes` (f32 lanes of a vector register); with
    `parallel` the kernel's items (image x rows x column panels, or image x
    group x channel tiles) are split across the runtime's thread pool.

    Example: `#tk.cpu_window<kernel = window, lanes = 16, mr = 4, nr = 32,
    parallel = true>`
  }];
  let parameters = (ins "WindowKernel":$kernel, "int64_t":$lanes,
                        "int64_t":$mr, "int64_t":$nr, "bool":$parallel);
  let assemblyFormat = [{
    `<` `kernel` `=` $kernel `,` `lanes` `=` $lanes `,` `mr` `=` $mr `,`
    `nr` `=` $nr `,` `parallel` `=` $parallel `>`
  }];
  let genVerifyDecl = 1;
}

def TK_RowKind : I32EnumAttr<"RowKind", "what a row kernel computes", [
      I32EnumAttrCase<"softmax", 0>, I32EnumAttrCase<"log_softmax", 1>,
      I32EnumAttrCase<"layer_norm", 2>, I32EnumAttrCase<"rms_norm", 3>]> {
  let cppNamespace = "::tessera::tk";
}

def TK_PoolKind : I32EnumAttr<"PoolKind", "how a window kernel combines", [
      I32EnumAttrCase<"max", 0>, I32EnumAttrCase<"sum", 1>]> {
  let cppNamespace = "::tessera::tk";
}

#endif // TESSERA_DIALECT_KERNEL_BASE
