/* sgemm_openblas.c M N K THREADS ITERATIONS WARMUP
 *
 * Times OpenBLAS cblas_sgemm (row-major C = A x B, seeded inputs), the GEMM
 * peer of bench/run.py. Prints one line:
 *   latency_ms min=... median=... iterations=N threads=T
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

extern void openblas_set_num_threads(int);

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int compare(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: sgemm_openblas M N K THREADS ITERATIONS WARMUP\n");
    return 1;
  }
  int m = atoi(argv[1]), n = atoi(argv[2]), k = atoi(argv[3]);
  int threads = atoi(argv[4]), iterations = atoi(argv[5]), warmup = atoi(argv[6]);
  if (m <= 0 || n <= 0 || k <= 0 || threads <= 0 || iterations <= 0 || warmup < 0) {
    fprintf(stderr, "sgemm_openblas: error: sizes, threads and iterations must be positive\n");
    return 1;
  }
  openblas_set_num_threads(threads);
  float *a = malloc(sizeof(float) * m * k), *b = malloc(sizeof(float) * k * n),
        *c = malloc(sizeof(float) * m * n);
  double *times = malloc(sizeof(double) * iterations);
  if (!a || !b || !c || !times) {
    fprintf(stderr, "sgemm_openblas: error: out of memory\n");
    return 1;
  }
  unsigned state = 1234;
  for (long i = 0; i < (long)m * k; ++i)
    a[i] = (float)((state = state * 1664525u + 1013904223u) >> 8) / 16777216.0f - 0.5f;
  for (long i = 0; i < (long)k * n; ++i)
    b[i] = (float)((state = state * 1664525u + 1013904223u) >> 8) / 16777216.0f - 0.5f;
  for (int i = 0; i < warmup + iterations; ++i) {
    double start = now_ms();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a, k,
                b, n, 0.0f, c, n);
    if (i >= warmup)
      times[i - warmup] = now_ms() - start;
  }
  qsort(times, iterations, sizeof(double), compare);
  double median = iterations % 2 ? times[iterations / 2]
                                 : (times[iterations / 2 - 1] + times[iterations / 2]) / 2;
  printf("latency_ms min=%.4f median=%.4f iterations=%d threads=%d\n", times[0],
         median, iterations, threads);
  free(a);
  free(b);
  free(c);
  free(times);
  return 0;
}
