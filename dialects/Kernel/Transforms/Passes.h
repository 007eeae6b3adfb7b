//===- Passes.h - tk kernel formation and configuration ------------*- C++ -*-===//

#ifndef TESSERA_DIALECT_KERNEL_TRANSFORMS_PASSES_H
#define TESSERA_DIALECT_KERNEL_TRANSFORMS_PASSES_H

#include "dialects/Kernel/Transforms/CostModel.h"
#include "mlir/Pass/Pass.h"

#include <functional>
#include <memory>

namespace mlir {
class OpBuilder;
class RewritePatternSet;
namespace func {
class FuncOp;
} // namespace func
} // namespace mlir

namespace tessera::tk {

class TKDialect;
class MatmulOp;
class AttentionOp;
class FusionOp;
class ConvOp;
class CPUTileAttr;
class CPUWindowAttr;

#define GEN_PASS_DECL
#include "dialects/Kernel/Transforms/Passes.h.inc"

/// Kernel formation (tk-form-kernels): linalg contractions on tensors
/// become tk.matmul, and the transposes, reshapes, initial values and
/// elementwise consumers around them fold into the kernel.
void populateKernelFormationPatterns(mlir::RewritePatternSet &patterns);

/// Its contraction part alone: tk.matmul and the folds around it (what
/// tk-form-kernels{contractions-only} applies).
void populateContractionFormationPatterns(mlir::RewritePatternSet &patterns);

/// The convolution family's part of it (FormConvKernels.cpp): tg
/// convolutions the linalg named ops do not cover and every
/// tg.conv_transpose become tk.conv, with bias and elementwise consumers in
/// the epilogue.
void populateConvFormationPatterns(mlir::RewritePatternSet &patterns);
/// The part of those forming direct f32 tk.conv kernels (and folding their
/// epilogues) only: what the CUDA pipeline forms.
void populateDirectConvFormationPatterns(mlir::RewritePatternSet &patterns);

/// SpaceToDepthConv.cpp, part of the conv formation patterns: a dense
/// convolution strided along its innermost dimension, with a kernel close
/// to a multiple of the stride, becomes a stride-1 convolution over a
/// space-to-depth view of its input (s times the channels).
void populateSpaceToDepthConvPatterns(mlir::RewritePatternSet &patterns);

/// tk-form-fusions (FormFusionKernels.cpp): elementwise linalg.generics
/// become tk.fusion, with the reindexing around them folded in; fusions
/// merge while the merged body has at most `maxBodyOps` operations.
void populateFusionFormationPatterns(mlir::RewritePatternSet &patterns,
                                     int64_t maxBodyOps = 128);

/// The row family's part (FormRowKernels.cpp): tg softmax, log-softmax and
/// layer norm become tk.reduce.
void populateRowFormationPatterns(mlir::RewritePatternSet &patterns);

/// The reference lowering of kernels on buffers (LowerToLoops.cpp), which
/// every target may fall back on: a tk.matmul becomes loops over its maps
/// (the output loops one scf.parallel when `parallel`, else scf.for; the
/// reduction an scf.for inside, then the epilogue), a tk.fusion one
/// elementwise linalg.generic. Both erase the op.
void lowerMatmulToLoops(MatmulOp op, bool parallel);
void lowerFusionToGeneric(FusionOp op);
/// The scalar ops of a kernel's epilogue region cloned at `b` on
/// `arguments` (the accumulator, then one element of each epilogue input);
/// returns what it yields. Every loop and hand-written lowering of a
/// kernel's epilogue (the CPU's vector kernels have their own) uses it.
mlir::Value applyScalarEpilogue(mlir::OpBuilder &b, mlir::Block &body,
                                mlir::ValueRange arguments);
/// A direct (grouped) tk.conv on static float buffers as the loops of its
/// implicit GEMM (ImplicitGemm.h: a parallel loop over group, output
/// position and filter, the channels and taps a sequential reduction, zero
/// outside the input, then the epilogue); erases it. A transposed conv is
/// an error naming it (no loop lowering yet).
mlir::LogicalResult lowerConvToLoops(ConvOp op);

/// tk-form-attention (FormAttention.cpp): a scores tk.matmul, the softmax
/// tk.reduce over its keys and the context tk.matmul reducing over them
/// become one tk.attention.
void populateAttentionFormationPatterns(mlir::RewritePatternSet &patterns);

/// Tessera's own model for windows: the packed kernel for dense 1-D or 2-D
/// convolutions (MR output channels, balanced over the filters, x 2
/// vectors), the window kernel for depthwise convolutions and pools (4
/// output rows x 2 vectors), the direct kernel for the rest (MR output
/// channels of a group x 2 vectors); the thread pool from `parallelWork`
/// multiply-adds.
CPUWindowAttr defaultCPUWindow(mlir::Operation *kernel,
                               const CPUTarget &target);

/// Tessera's own model: the largest register tile the vector unit holds
/// (MR x 2 vectors of accumulators), KC 256, an MC block of about 256 KiB of
/// the left operand, and the thread pool from `parallelWork`
/// multiply-adds.
CPUTileAttr defaultCPUTile(MatmulOp kernel, const CPUTarget &target);

/// For tk.attention: the same register tile (MR query rows per tile), the
/// thread pool from `parallelWork` multiply-adds over at least two tiles.
CPUTileAttr defaultCPUTile(AttentionOp kernel, const CPUTarget &target);

/// tk-configure-kernels with a cost model of the caller's.
std::unique_ptr<mlir::Pass>
createConfigureKernelsPass(const ConfigureKernelsOptions &options,
                           KernelCostModel model,
                           WindowCostModel windowModel = {});

#define GEN_PASS_REGISTRATION
#include "dialects/Kernel/Transforms/Passes.h.inc"

} // namespace tessera::tk

#endif // TESSERA_DIALECT_KERNEL_TRANSFORMS_PASSES_H
