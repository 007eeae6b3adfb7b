/*===- cuda.h - the runtime's CUDA module (internal) ----------------------===*
 *
 * Runs a model compiled with --target=cuda through the CUDA driver API,
 * loaded with dlopen at the first CUDA session: an application built with
 * the runtime never needs a driver until it runs a CUDA model.
 *
 *===----------------------------------------------------------------------===*/

#ifndef TESSERA_RUNTIME_CUDA_H
#define TESSERA_RUNTIME_CUDA_H

#include "tessera/runtime.h"

typedef struct tessera_cuda_session_t tessera_cuda_session_t;

/* Whether `model->cuda` is a program a session can replay: images with
 * PTX, launches whose arguments name existing inputs, outputs and weight
 * bytes, a status word inside the workspace. */
int tessera_cuda_valid_program(const tessera_model_t *model);

/* Loads the driver (once per process), retains device `device`'s primary
 * context, loads the image for its architecture (a cubin that runs on it,
 * else the PTX, JIT-compiled), uploads the weights and allocates the
 * workspace. On failure writes why into `error`. */
tessera_status_t tessera_cuda_create(const tessera_model_t *model,
                                     int32_t device,
                                     tessera_allocator_t allocator,
                                     tessera_cuda_session_t **out_session,
                                     char *error, size_t error_size);

void tessera_cuda_release(tessera_cuda_session_t *session);

/* Runs with each input's and output's data (host pointers, or with
 * TESSERA_RUN_DEVICE_POINTERS device pointers) on `stream` (NULL: the
 * session's own). `*out_code` is the status word (k > 0: check k failed)
 * once the run has finished; with TESSERA_RUN_ASYNC the run is only
 * enqueued and tessera_cuda_wait gives it. */
tessera_status_t tessera_cuda_run(tessera_cuda_session_t *session,
                                  void *const *inputs, void *const *outputs,
                                  void *stream, uint32_t flags,
                                  int32_t *out_code, char *error,
                                  size_t error_size);

/* Waits for a pending TESSERA_RUN_ASYNC run; `*out_code` as above (0 when
 * none was pending). */
tessera_status_t tessera_cuda_wait(tessera_cuda_session_t *session,
                                   int32_t *out_code, char *error,
                                   size_t error_size);

#endif /* TESSERA_RUNTIME_CUDA_H */
