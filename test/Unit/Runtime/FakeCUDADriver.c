/*===- FakeCUDADriver.c - a CUDA driver on host memory, for tests ---------===*
 *
 * The driver API functions the runtime's CUDA module calls, implemented on
 * the host: device memory is malloc'ed (a CUdeviceptr is a host address),
 * copies are memcpy, and a launch of one of two test kernels runs it on
 * the CPU. The runtime loads it through $TESSERA_CUDA_DRIVER. The device's
 * compute capability comes from $FAKE_CUDA_CC ("86": 8.6; default 80);
 * $FAKE_CUDA_LOG=1 prints every module load and launch to stderr.
 *
 * Test kernels (any other name launches and does nothing):
 *   scale(const float *in, float *out, const float *w, int64_t n):
 *     out[i] = in[i] * w[0] for i < n;
 *   status(int8_t *workspace, int32_t offset, int32_t code):
 *     the int32 at workspace + offset = code.
 *
 *===----------------------------------------------------------------------===*/

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

typedef unsigned long long CUdeviceptr;

static int allocations, depth, launches;
static char loaded[64];

EXPORT int fake_cuda_allocations(void) { return allocations; }
EXPORT int fake_cuda_context_depth(void) { return depth; }
EXPORT int fake_cuda_launches(void) { return launches; }
EXPORT const char *fake_cuda_loaded(void) { return loaded; }

static int logging(void) {
  const char *value = getenv("FAKE_CUDA_LOG");
  return value && value[0] == '1';
}

EXPORT int cuInit(unsigned flags) {
  (void)flags;
  return getenv("FAKE_CUDA_NO_DEVICE") ? 100 /* CUDA_ERROR_NO_DEVICE */ : 0;
}
EXPORT int cuDeviceGetCount(int *count) {
  *count = 1;
  return 0;
}
EXPORT int cuDeviceGet(int *device, int ordinal) {
  *device = ordinal;
  return ordinal == 0 ? 0 : 101; /* CUDA_ERROR_INVALID_DEVICE */
}
EXPORT int cuDeviceGetAttribute(int *value, int attribute, int device) {
  const char *cc = getenv("FAKE_CUDA_CC");
  int number = cc ? atoi(cc) : 80;
  (void)device;
  if (attribute == 75)
    *value = number / 10;
  else if (attribute == 76)
    *value = number % 10;
  else
    return 1;
  return 0;
}
EXPORT int cuDeviceGetName(char *name, int size, int device) {
  (void)device;
  snprintf(name, (size_t)size, "Fake GPU");
  return 0;
}
EXPORT int cuDevicePrimaryCtxRetain(void **context, int device) {
  static int primary;
  (void)device;
  *context = &primary;
  return 0;
}
EXPORT int cuDevicePrimaryCtxRelease_v2(int device) {
  (void)device;
  return 0;
}
EXPORT int cuCtxPushCurrent_v2(void *context) {
  (void)context;
  ++depth;
  return 0;
}
EXPORT int cuCtxPopCurrent_v2(void **context) {
  if (context)
    *context = NULL;
  --depth;
  return 0;
}
/* An image is "CUBIN <arch>" or "PTX <arch>" text in the tests; "BADPTX"
 * fails as PTX that does not compile, with a log. */
EXPORT int cuModuleLoadDataEx(void **module, const void *image, unsigned count,
                              int *options, void **values) {
  static int handle;
  unsigned i;
  snprintf(loaded, sizeof(loaded), "%s", (const char *)image);
  if (logging()) {
    /* A cubin (ELF), or PTX by its target line. */
    const char *target = strstr((const char *)image, ".target ");
    if (memcmp(image, "\177ELF", 4) == 0)
      fprintf(stderr, "fake-cuda: load cubin\n");
    else if (target)
      fprintf(stderr, "fake-cuda: load PTX %.*s\n", (int)strcspn(target, "\n"),
              target);
    else
      fprintf(stderr, "fake-cuda: load %.40s\n", (const char *)image);
  }
  if (strncmp((const char *)image, "BADPTX", 6) == 0) {
    for (i = 0; i < count; ++i)
      if (options[i] == 5) /* CU_JIT_ERROR_LOG_BUFFER */
        snprintf((char *)values[i], 64, "ptxas fatal: line 1 unparsable\n");
    return 218; /* CUDA_ERROR_INVALID_PTX */
  }
  *module = &handle;
  return 0;
}
EXPORT int cuModuleUnload(void *module) {
  (void)module;
  loaded[0] = '\0';
  return 0;
}
EXPORT int cuModuleGetFunction(void **function, void *module,
                               const char *name) {
  (void)module;
  if (strcmp(name, "missing") == 0)
    return 500;                        /* CUDA_ERROR_NOT_FOUND */
  *function = (void *)(uintptr_t)name; /* the name is the handle */
  return 0;
}
EXPORT int cuMemAlloc_v2(CUdeviceptr *pointer, size_t size) {
  void *memory = malloc(size);
  if (!memory)
    return 2;
  memset(memory, 0xAB, size);
  ++allocations;
  *pointer = (CUdeviceptr)(uintptr_t)memory;
  return 0;
}
EXPORT int cuMemFree_v2(CUdeviceptr pointer) {
  --allocations;
  free((void *)(uintptr_t)pointer);
  return 0;
}
EXPORT int cuMemAllocHost_v2(void **pointer, size_t size) {
  *pointer = malloc(size);
  ++allocations;
  return *pointer ? 0 : 2;
}
EXPORT int cuMemFreeHost(void *pointer) {
  --allocations;
  free(pointer);
  return 0;
}
EXPORT int cuMemcpyHtoD_v2(CUdeviceptr to, const void *from, size_t size) {
  memcpy((void *)(uintptr_t)to, from, size);
  return 0;
}
EXPORT int cuMemsetD8_v2(CUdeviceptr to, unsigned char value, size_t size) {
  memset((void *)(uintptr_t)to, value, size);
  return 0;
}
EXPORT int cuMemcpyHtoDAsync_v2(CUdeviceptr to, const void *from, size_t size,
                                void *stream) {
  (void)stream;
  return cuMemcpyHtoD_v2(to, from, size);
}
EXPORT int cuMemcpyDtoHAsync_v2(void *to, CUdeviceptr from, size_t size,
                                void *stream) {
  (void)stream;
  memcpy(to, (const void *)(uintptr_t)from, size);
  return 0;
}
EXPORT int cuLaunchKernel(void *function, unsigned gx, unsigned gy, unsigned gz,
                          unsigned bx, unsigned by, unsigned bz,
                          unsigned shared, void *stream, void **params,
                          void **extra) {
  const char *name = (const char *)function;
  (void)shared;
  (void)stream;
  (void)extra;
  ++launches;
  if (logging())
    fprintf(stderr, "fake-cuda: launch %s grid=(%u,%u,%u) block=(%u,%u,%u)\n",
            name, gx, gy, gz, bx, by, bz);
  if (strcmp(name, "scale") == 0) {
    const float *in = *(const float **)params[0];
    float *out = *(float **)params[1];
    const float *w = *(const float **)params[2];
    int64_t n = *(const int64_t *)params[3], i;
    for (i = 0; i < n; ++i)
      out[i] = in[i] * w[0];
  } else if (strcmp(name, "status") == 0) {
    int8_t *workspace = *(int8_t **)params[0];
    int32_t offset = *(const int32_t *)params[1];
    int32_t code = *(const int32_t *)params[2];
    memcpy(workspace + offset, &code, sizeof(code));
  }
  return 0;
}
EXPORT int cuStreamCreate(void **stream, unsigned flags) {
  static int handle;
  (void)flags;
  *stream = &handle;
  return 0;
}
EXPORT int cuStreamDestroy_v2(void *stream) {
  (void)stream;
  return 0;
}
EXPORT int cuStreamSynchronize(void *stream) {
  (void)stream;
  return 0;
}
EXPORT int cuGetErrorString(int error, const char **text) {
  *text = error == 218 ? "a PTX JIT compilation failed" : "fake error";
  return 0;
}
