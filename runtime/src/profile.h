/*===- profile.h - kernel times of a profiled model -----------------------===*
 *
 * The state a session keeps for a model compiled with --profile: per-kernel
 * call counts and times, and a ring of the most recent kernel and run
 * events for the Chrome trace. Made once, at session creation; a run only
 * reads the clock and writes into it.
 *
 *===----------------------------------------------------------------------===*/

#ifndef TESSERA_RUNTIME_PROFILE_H
#define TESSERA_RUNTIME_PROFILE_H

#include "tessera/runtime.h"

#include <stdio.h>

typedef struct tessera_profile_t tessera_profile_t;

/* NULL when memory is not available; `model->num_kernels` must be > 0. */
tessera_profile_t *tessera_profile_create(const tessera_model_t *model,
                                          tessera_allocator_t allocator);
void tessera_profile_release(tessera_profile_t *profile,
                             tessera_allocator_t allocator);

/* What the session passes to the model's entry. */
tessera_profiler_t *tessera_profile_profiler(tessera_profile_t *profile);

/* Around one whole run (its own event in the trace). */
void tessera_profile_run_begin(tessera_profile_t *profile);
void tessera_profile_run_end(tessera_profile_t *profile);

const tessera_kernel_profile_t *
tessera_profile_kernels(const tessera_profile_t *profile);
void tessera_profile_reset(tessera_profile_t *profile);

/* Writes the trace-event JSON; returns 0 on success, -1 when writing
 * failed. */
int tessera_profile_write_trace(const tessera_profile_t *profile, FILE *file);

#endif /* TESSERA_RUNTIME_PROFILE_H */
