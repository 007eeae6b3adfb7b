/*===- main.c - embedding a Tessera model in a plain C program -------------===*
 *
 * Build: with CMake, tessera_add_model (CMakeLists.txt here); by hand,
 *        tessera-compile default_cnn.onnx -o default_cnn \
 *            --input-shape image=1x3x32x32
 *        cc main.c default_cnn.o $(pkg-config --cflags --libs tessera-runtime) -lm
 * Run:   ./embed input.bin [expected.bin]
 *
 * Reads a raw float32 image, runs the model through the C runtime and prints
 * the class probabilities; with expected.bin it checks them (|got - want| <=
 * 1e-5 + 1e-3 |want|) and exits 1 on a mismatch.
 *
 *===----------------------------------------------------------------------===*/

#include "default_cnn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int read_floats(const char *path, float *data, size_t count) {
  FILE *file = fopen(path, "rb");
  size_t got;
  if (!file) {
    fprintf(stderr, "embed: cannot open %s\n", path);
    return 0;
  }
  got = fread(data, sizeof(float), count, file);
  fclose(file);
  if (got != count) {
    fprintf(stderr, "embed: %s holds %zu floats, expected %zu\n", path, got, count);
    return 0;
  }
  return 1;
}

int main(int argc, char **argv) {
  static float image[DEFAULT_CNN_INPUT0_ELEMENTS];
  static float probabilities[DEFAULT_CNN_OUTPUT0_ELEMENTS];
  static float expected[DEFAULT_CNN_OUTPUT0_ELEMENTS];
  tessera_session_t *session = NULL;
  tessera_status_t status;
  int i, best = 0, mismatches = 0;

  if (argc < 2) {
    fprintf(stderr, "usage: %s input.bin [expected.bin]\n", argv[0]);
    return 2;
  }
  if (!read_floats(argv[1], image, DEFAULT_CNN_INPUT0_ELEMENTS))
    return 1;

  status = tessera_session_create(&default_cnn_model, NULL, &session);
  if (status != TESSERA_OK) {
    fprintf(stderr, "embed: %s\n", tessera_status_string(status));
    return 1;
  }
  status = default_cnn_run(session, image, probabilities);
  if (status != TESSERA_OK) {
    fprintf(stderr, "embed: %s: %s\n", tessera_status_string(status),
            tessera_session_last_error(session));
    tessera_session_release(session);
    return 1;
  }
  for (i = 0; i < DEFAULT_CNN_OUTPUT0_ELEMENTS; ++i) {
    printf("class %d: %.6f\n", i, probabilities[i]);
    if (probabilities[i] > probabilities[best])
      best = i;
  }
  printf("predicted class: %d\n", best);

  if (argc > 2) {
    if (!read_floats(argv[2], expected, DEFAULT_CNN_OUTPUT0_ELEMENTS)) {
      tessera_session_release(session);
      return 1;
    }
    for (i = 0; i < DEFAULT_CNN_OUTPUT0_ELEMENTS; ++i)
      if (fabsf(probabilities[i] - expected[i]) > 1e-5f + 1e-3f * fabsf(expected[i])) {
        fprintf(stderr, "embed: class %d: got %.7f, expected %.7f\n", i,
                probabilities[i], expected[i]);
        ++mismatches;
      }
    printf("%s\n", mismatches ? "embed: MISMATCH" : "embed: matches the reference");
  }
  tessera_session_release(session);
  return mismatches ? 1 : 0;
}
