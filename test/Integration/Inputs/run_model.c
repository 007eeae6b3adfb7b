/*===- run_model.c - run any linked Tessera model on raw files ------------===*
 *
 *   run_model IN_0.bin ... IN_n.bin OUT_0.bin ... OUT_m.bin
 *
 * Links with one model object (through its tessera_default_model alias) and
 * the runtime; reads each input as raw little-endian data of the model's
 * dtype and shape and writes each output the same way. Used to run AArch64
 * objects under qemu and compare with the host's numbers.
 *
 *===----------------------------------------------------------------------===*/

#include "tessera/runtime.h"

#include <stdio.h>
#include <stdlib.h>

extern const tessera_model_t tessera_default_model;

static void *load(const char *path, size_t bytes) {
  void *data = malloc(bytes ? bytes : 1);
  FILE *file = fopen(path, "rb");
  if (!data || !file || fread(data, 1, bytes, file) != bytes) {
    fprintf(stderr, "run_model: cannot read %zu bytes from %s\n", bytes, path);
    exit(1);
  }
  fclose(file);
  return data;
}

int main(int argc, char **argv) {
  const tessera_model_t *model = &tessera_default_model;
  tessera_tensor_t inputs[16], outputs[16];
  tessera_session_t *session = NULL;
  tessera_status_t status;
  int i;
  if (argc != 1 + model->num_inputs + model->num_outputs || model->num_inputs > 16 ||
      model->num_outputs > 16) {
    fprintf(stderr, "run_model: model '%s' takes %d inputs and %d outputs\n",
            model->name, (int)model->num_inputs, (int)model->num_outputs);
    return 2;
  }
  for (i = 0; i < model->num_inputs; ++i) {
    const tessera_tensor_desc_t *d = &model->inputs[i];
    inputs[i].dtype = d->dtype;
    inputs[i].rank = d->rank;
    inputs[i].dims = d->dims;
    inputs[i].data = load(argv[1 + i], (size_t)tessera_desc_num_elements(d) *
                                           tessera_dtype_size(d->dtype));
  }
  for (i = 0; i < model->num_outputs; ++i) {
    const tessera_tensor_desc_t *d = &model->outputs[i];
    outputs[i].dtype = d->dtype;
    outputs[i].rank = d->rank;
    outputs[i].dims = d->dims;
    outputs[i].data = malloc((size_t)tessera_desc_num_elements(d) *
                             tessera_dtype_size(d->dtype) + 1);
  }
  status = tessera_session_create(model, NULL, &session);
  if (status == TESSERA_OK)
    status = tessera_session_run(session, inputs, (size_t)model->num_inputs,
                                 outputs, (size_t)model->num_outputs);
  if (status != TESSERA_OK) {
    fprintf(stderr, "run_model: %s: %s\n", tessera_status_string(status),
            tessera_session_last_error(session));
    return 1;
  }
  for (i = 0; i < model->num_outputs; ++i) {
    const tessera_tensor_desc_t *d = &model->outputs[i];
    FILE *file = fopen(argv[1 + model->num_inputs + i], "wb");
    size_t bytes = (size_t)tessera_desc_num_elements(d) * tessera_dtype_size(d->dtype);
    if (!file || fwrite(outputs[i].data, 1, bytes, file) != bytes) {
      fprintf(stderr, "run_model: cannot write output %d\n", i);
      return 1;
    }
    fclose(file);
  }
  tessera_session_release(session);
  printf("run_model: ran '%s'\n", model->name);
  return 0;
}
