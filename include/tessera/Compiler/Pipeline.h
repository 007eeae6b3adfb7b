//===- Pipeline.h - the compiler's phases and their extension points -*- C++ -*-===//
//
// Tessera compiles in four phases, each built once by one function and run
// once by the driver, with `--emit` printing between them:
//
//   graph    tg -> tg: folding, batch-norm folding (dialects/Graph)
//   kernel   tg -> linalg on tensors, tk kernels formed and configured
//   codegen  bufferization, tk kernels to vector code (per target), memory
//            planning, loops
//   llvm     to the LLVM dialect
//
// Before and after each phase is an extension point where a pass plugin or
// a test adds passes. A CUDA pipeline shares the graph and kernel phases.
// This header is light (no MLIR headers) so that tools and plugins include
// it freely.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_COMPILER_PIPELINE_H
#define TESSERA_COMPILER_PIPELINE_H

#include <functional>
#include <vector>

namespace mlir {
class OpPassManager;
} // namespace mlir

namespace tessera {

enum class Phase { Graph, Kernel, Codegen, LLVM };
inline constexpr Phase allPhases[] = {Phase::Graph, Phase::Kernel,
                                      Phase::Codegen, Phase::LLVM};

/// "graph", "kernel", "codegen", "llvm".
const char *phaseName(Phase phase);

/// Where, relative to a phase, a hook adds its passes.
enum class HookPoint { Before, After };

/// The pipelines a hook applies to: the graph and kernel phases are shared,
/// codegen and llvm are per target. (The CUDA pipeline is issue 12's; hooks
/// for it are kept and fire once it exists.)
enum class PipelineTarget { Any, CPU, CUDA };

/// Adds passes to the (module-anchored) pass manager of one phase.
using PassHook = std::function<void(mlir::OpPassManager &)>;

/// The hooks of one compilation, in the order they were added; every hook
/// runs exactly once per compilation, at its point.
class PipelineHooks {
public:
  void add(Phase phase, HookPoint point, PassHook hook,
           PipelineTarget target = PipelineTarget::Any) {
    hooks.push_back({phase, point, target, std::move(hook)});
  }
  /// Adds the passes of every hook at (phase, point) of `target`'s pipeline
  /// to `pm`.
  void apply(Phase phase, HookPoint point, mlir::OpPassManager &pm,
             PipelineTarget target = PipelineTarget::CPU) const {
    for (const Entry &entry : hooks)
      if (entry.phase == phase && entry.point == point &&
          (entry.target == PipelineTarget::Any || entry.target == target))
        entry.hook(pm);
  }
  /// Appends `other`'s hooks after this one's.
  void append(const PipelineHooks &other) {
    hooks.insert(hooks.end(), other.hooks.begin(), other.hooks.end());
  }
  bool empty() const { return hooks.empty(); }

private:
  struct Entry {
    Phase phase;
    HookPoint point;
    PipelineTarget target;
    PassHook hook;
  };
  std::vector<Entry> hooks;
};

} // namespace tessera

#endif // TESSERA_COMPILER_PIPELINE_H
