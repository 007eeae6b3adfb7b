/*===- weights.h - weights files mapped for models -------------------------===*/

#ifndef TESSERA_RUNTIME_WEIGHTS_H
#define TESSERA_RUNTIME_WEIGHTS_H

#include "tessera/runtime.h"

/* Maps the weights file of `model` (`path`, or model->weights_file next to
 * the binary holding the model) unless a session of the model holds it
 * already, and points *model->weights_base at the weights. On failure
 * writes one line into `error` (`size` bytes). */
tessera_status_t tessera_weights_acquire(const tessera_model_t *model,
                                         const char *path, char *error,
                                         size_t size);

/* Drops one session's hold; the last unmaps the file. */
void tessera_weights_release(const tessera_model_t *model);

#endif /* TESSERA_RUNTIME_WEIGHTS_H */
