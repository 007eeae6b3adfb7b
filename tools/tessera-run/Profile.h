//===- Profile.h - tessera-run's kernel time table ----------------*- C++ -*-===//

#ifndef TESSERA_TOOLS_RUN_PROFILE_H
#define TESSERA_TOOLS_RUN_PROFILE_H

#include "tessera/runtime.h"

#include <cstdio>

namespace tessera::run {

/// Prints the `top` kernels of `session` that took the most time (share of
/// the kernels' time, ms per run, GFLOP/s and GB/s where the compiler
/// counted them, kind, ONNX nodes), then the rest in one line and how much
/// of `runMs` (the mean run) the kernels cover. `runs` is how many runs
/// the times add up over.
void printProfile(std::FILE *out, const tessera_model_t &model,
                  const tessera_kernel_profile_t *profiles, int count,
                  int runs, int top, double runMs);

} // namespace tessera::run

#endif // TESSERA_TOOLS_RUN_PROFILE_H
