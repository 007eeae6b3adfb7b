/*===- cuda.c - the runtime's CUDA module ---------------------------------===*
 *
 * A CUDA model (tessera_model_t.cuda) holds no host code: images of its
 * kernels per architecture and the launches one run makes. A session
 * replays them through the driver API, which this file loads with dlopen
 * (libcuda.so.1, or $TESSERA_CUDA_DRIVER): no cudart, no link-time
 * dependency, so a CPU-only application never needs a driver. The driver's
 * types and functions are declared here as the driver API defines them
 * (handles are pointers, device addresses 64-bit integers).
 *
 *===----------------------------------------------------------------------===*/

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200112L
#endif

#include "cuda.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int CUresult;
typedef int CUdevice;
typedef void *CUcontext;
typedef void *CUmodule;
typedef void *CUfunction;
typedef void *CUstream;
typedef unsigned long long CUdeviceptr;

enum {
  CUDA_SUCCESS = 0,
  CUDA_ERROR_OUT_OF_MEMORY = 2,
  CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75,
  CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76,
  CU_JIT_ERROR_LOG_BUFFER = 5,
  CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6,
  CU_STREAM_NON_BLOCKING = 1
};

/* The driver functions the runtime calls, resolved once per process. */
static struct {
  CUresult (*Init)(unsigned);
  CUresult (*DeviceGetCount)(int *);
  CUresult (*DeviceGet)(CUdevice *, int);
  CUresult (*DeviceGetAttribute)(int *, int, CUdevice);
  CUresult (*DeviceGetName)(char *, int, CUdevice);
  CUresult (*DevicePrimaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*DevicePrimaryCtxRelease)(CUdevice);
  CUresult (*CtxPushCurrent)(CUcontext);
  CUresult (*CtxPopCurrent)(CUcontext *);
  CUresult (*ModuleLoadDataEx)(CUmodule *, const void *, unsigned, int *,
                               void **);
  CUresult (*ModuleUnload)(CUmodule);
  CUresult (*ModuleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*MemAlloc)(CUdeviceptr *, size_t);
  CUresult (*MemFree)(CUdeviceptr);
  CUresult (*MemAllocHost)(void **, size_t);
  CUresult (*MemFreeHost)(void *);
  CUresult (*MemcpyHtoD)(CUdeviceptr, const void *, size_t);
  CUresult (*MemsetD8)(CUdeviceptr, unsigned char, size_t);
  CUresult (*MemcpyHtoDAsync)(CUdeviceptr, const void *, size_t, CUstream);
  CUresult (*MemcpyDtoHAsync)(void *, CUdeviceptr, size_t, CUstream);
  CUresult (*LaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned,
                           unsigned, unsigned, unsigned, CUstream, void **,
                           void **);
  CUresult (*StreamCreate)(CUstream *, unsigned);
  CUresult (*StreamDestroy)(CUstream);
  CUresult (*StreamSynchronize)(CUstream);
  CUresult (*GetErrorString)(CUresult, const char **);
} cu;

static pthread_once_t driver_once = PTHREAD_ONCE_INIT;
static char driver_error[384];

static void *symbol(void *library, const char *name, const char *fallback) {
  void *found = dlsym(library, name);
  if (!found && fallback)
    found = dlsym(library, fallback);
  if (!found && !driver_error[0])
    snprintf(driver_error, sizeof(driver_error),
             "the CUDA driver has no %s (too old a driver)", name);
  return found;
}

/* Function pointers from dlsym: POSIX guarantees the conversion. */
#define RESOLVE(field, name, fallback)                                         \
  *(void **)(&cu.field) = symbol(library, name, fallback)

static void load_driver(void) {
  const char *path = getenv("TESSERA_CUDA_DRIVER");
  void *library;
  CUresult result;
  if (!path || !path[0])
    path = "libcuda.so.1";
  library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char *why = dlerror();
    snprintf(driver_error, sizeof(driver_error),
             "no CUDA driver: cannot load %s (%s)", path, why ? why : "?");
    return;
  }
  RESOLVE(Init, "cuInit", NULL);
  RESOLVE(DeviceGetCount, "cuDeviceGetCount", NULL);
  RESOLVE(DeviceGet, "cuDeviceGet", NULL);
  RESOLVE(DeviceGetAttribute, "cuDeviceGetAttribute", NULL);
  RESOLVE(DeviceGetName, "cuDeviceGetName", NULL);
  RESOLVE(DevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain", NULL);
  RESOLVE(DevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2",
          "cuDevicePrimaryCtxRelease");
  RESOLVE(CtxPushCurrent, "cuCtxPushCurrent_v2", NULL);
  RESOLVE(CtxPopCurrent, "cuCtxPopCurrent_v2", NULL);
  RESOLVE(ModuleLoadDataEx, "cuModuleLoadDataEx", NULL);
  RESOLVE(ModuleUnload, "cuModuleUnload", NULL);
  RESOLVE(ModuleGetFunction, "cuModuleGetFunction", NULL);
  RESOLVE(MemAlloc, "cuMemAlloc_v2", NULL);
  RESOLVE(MemFree, "cuMemFree_v2", NULL);
  RESOLVE(MemAllocHost, "cuMemAllocHost_v2", NULL);
  RESOLVE(MemFreeHost, "cuMemFreeHost", NULL);
  RESOLVE(MemcpyHtoD, "cuMemcpyHtoD_v2", NULL);
  RESOLVE(MemsetD8, "cuMemsetD8_v2", NULL);
  RESOLVE(MemcpyHtoDAsync, "cuMemcpyHtoDAsync_v2", NULL);
  RESOLVE(MemcpyDtoHAsync, "cuMemcpyDtoHAsync_v2", NULL);
  RESOLVE(LaunchKernel, "cuLaunchKernel", NULL);
  RESOLVE(StreamCreate, "cuStreamCreate", NULL);
  RESOLVE(StreamDestroy, "cuStreamDestroy_v2", "cuStreamDestroy");
  RESOLVE(StreamSynchronize, "cuStreamSynchronize", NULL);
  RESOLVE(GetErrorString, "cuGetErrorString", NULL);
  if (driver_error[0])
    return; /* the library stays loaded: nothing else may use it */
  result = cu.Init(0);
  if (result != CUDA_SUCCESS) {
    const char *text = NULL;
    cu.GetErrorString(result, &text);
    snprintf(driver_error, sizeof(driver_error),
             "the CUDA driver did not initialize: %s (error %d; no device, "
             "or the driver and kernel module differ)",
             text ? text : "unknown error", (int)result);
  }
}

struct tessera_cuda_session_t {
  const tessera_model_t *model;
  tessera_allocator_t allocator;
  CUdevice device;
  CUcontext context;
  int retained; /* the primary context is held */
  CUmodule module;
  CUfunction *functions; /* one per launch */
  CUstream stream;       /* the session's own */
  CUdeviceptr workspace, weights;
  /* Device copies of the inputs and outputs for host-pointer runs,
   * allocated at the first such run. */
  CUdeviceptr *staging;
  int staged;
  uint64_t *slots; /* kernel parameter values of one launch */
  void **params;   /* pointers to them */
  int32_t max_args;
  int32_t *status;  /* pinned: the status word after a run */
  CUstream pending; /* the stream of an unfinished async run */
  int has_pending;
};

static tessera_status_t failed(char *error, size_t size,
                               tessera_status_t status, const char *format,
                               ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(error, size, format, args);
  va_end(args);
  return status;
}

/* A driver call's failure as a status and a message naming the call. */
static tessera_status_t driver_failed(char *error, size_t size, CUresult result,
                                      const char *what) {
  const char *text = NULL;
  if (cu.GetErrorString)
    cu.GetErrorString(result, &text);
  return failed(error, size,
                result == CUDA_ERROR_OUT_OF_MEMORY ? TESSERA_OUT_OF_MEMORY
                                                   : TESSERA_DEVICE_UNAVAILABLE,
                "%s failed: %s (CUDA error %d)", what,
                text ? text : "unknown error", (int)result);
}

static size_t tensor_bytes(const tessera_tensor_desc_t *desc) {
  /* valid_model bounded every tensor to 2^48 bytes. */
  return (size_t)tessera_desc_num_elements(desc) *
         tessera_dtype_size(desc->dtype);
}

int tessera_cuda_valid_program(const tessera_model_t *model) {
  const tessera_cuda_program_t *program = model->cuda;
  int32_t i, a;
  if (!program || program->num_images < 1 || !program->images ||
      program->num_launches < 0 ||
      (program->num_launches > 0 && !program->launches) ||
      (program->weights_size > 0 && !program->weights) ||
      program->weights_size > TESSERA_MAX_TENSOR_BYTES)
    return 0;
  if (program->status_offset < -1 ||
      (program->status_offset >= 0 &&
       (uint64_t)program->status_offset + 4 > model->workspace_size))
    return 0;
  for (i = 0; i < program->num_images; ++i) {
    const tessera_cuda_image_t *image = &program->images[i];
    if (!image->arch || !image->ptx || (image->cubin_size && !image->cubin))
      return 0;
  }
  for (i = 0; i < program->num_launches; ++i) {
    const tessera_cuda_launch_t *launch = &program->launches[i];
    if (!launch->kernel || launch->num_args < 0 ||
        (launch->num_args > 0 && !launch->args))
      return 0;
    if (!launch->grid[0] || !launch->grid[1] || !launch->grid[2] ||
        !launch->block[0] || !launch->block[1] || !launch->block[2])
      return 0;
    for (a = 0; a < launch->num_args; ++a) {
      const tessera_cuda_arg_t *arg = &launch->args[a];
      switch (arg->kind) {
      case TESSERA_CUDA_ARG_INPUT:
        if (arg->value < 0 || arg->value >= model->num_inputs)
          return 0;
        break;
      case TESSERA_CUDA_ARG_OUTPUT:
        if (arg->value < 0 || arg->value >= model->num_outputs)
          return 0;
        break;
      case TESSERA_CUDA_ARG_WORKSPACE:
        break;
      case TESSERA_CUDA_ARG_WEIGHT:
        if (arg->value < 0 || (uint64_t)arg->value > program->weights_size)
          return 0;
        break;
      case TESSERA_CUDA_ARG_SCALAR:
        if (arg->bytes != 4 && arg->bytes != 8)
          return 0;
        break;
      default:
        return 0;
      }
    }
  }
  /* Outputs whose size the run decides are not supported on CUDA. */
  for (i = 0; i < model->num_outputs; ++i)
    if (model->outputs[i].dynamic_dims)
      return 0;
  return 1;
}

/* "sm_90a" -> 90 and whether it is architecture-specific ('a'); -1 for a
 * name that is not sm_<digits>[a]. */
static int arch_number(const char *arch, int *specific) {
  int number = 0, digits = 0;
  if (strncmp(arch, "sm_", 3) != 0)
    return -1;
  for (arch += 3; *arch >= '0' && *arch <= '9'; ++arch, ++digits)
    number = number * 10 + (*arch - '0');
  *specific = *arch == 'a';
  if (digits < 2 || (*specific && arch[1]) || (!*specific && *arch))
    return -1;
  return number;
}

/* The image to load for a device of compute capability `major`.`minor`:
 * a cubin runs on its own architecture and later minor versions of the
 * same major one ('a' cubins on their own only); else the PTX of the
 * newest portable architecture the device has, which the driver
 * JIT-compiles. `*jit` says which. NULL when none fits. */
static const tessera_cuda_image_t *
pick_image(const tessera_cuda_program_t *program, int major, int minor,
           int *jit) {
  const tessera_cuda_image_t *best = NULL, *ptx = NULL;
  int device = major * 10 + minor, best_number = -1, ptx_number = -1;
  int32_t i;
  for (i = 0; i < program->num_images; ++i) {
    const tessera_cuda_image_t *image = &program->images[i];
    int specific, number = arch_number(image->arch, &specific);
    if (number < 0)
      continue;
    if (image->cubin_size &&
        (specific ? number == device
                  : number / 10 == major && number <= device) &&
        (number > best_number || (number == best_number && specific))) {
      best = image;
      best_number = number;
    }
    if ((specific ? number == device : number <= device) &&
        number > ptx_number) {
      ptx = image;
      ptx_number = number;
    }
  }
  *jit = !best;
  return best ? best : ptx;
}

static void list_archs(const tessera_cuda_program_t *program, char *out,
                       size_t size) {
  size_t used = 0;
  int32_t i;
  out[0] = '\0';
  for (i = 0; i < program->num_images && used + 1 < size; ++i) {
    int n = snprintf(out + used, size - used, "%s%s", i ? ", " : "",
                     program->images[i].arch);
    if (n < 0)
      break;
    used += (size_t)n;
  }
}

/* Loads the image for the session's device into session->module. */
static tessera_status_t load_module(tessera_cuda_session_t *session,
                                    char *error, size_t size) {
  const tessera_cuda_program_t *program = session->model->cuda;
  const tessera_cuda_image_t *image;
  int major = 0, minor = 0, jit = 0;
  CUresult result;
  char name[128], archs[256];
  if ((result = cu.DeviceGetAttribute(
           &major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
           session->device)) != CUDA_SUCCESS ||
      (result = cu.DeviceGetAttribute(
           &minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
           session->device)) != CUDA_SUCCESS)
    return driver_failed(error, size, result, "cuDeviceGetAttribute");
  if (cu.DeviceGetName(name, (int)sizeof(name), session->device) !=
      CUDA_SUCCESS)
    snprintf(name, sizeof(name), "device %d", (int)session->device);
  name[sizeof(name) - 1] = '\0';
  list_archs(program, archs, sizeof(archs));
  image = pick_image(program, major, minor, &jit);
  if (!image)
    return failed(error, size, TESSERA_DEVICE_UNAVAILABLE,
                  "model '%s' has no code for %s (sm_%d%d): it was compiled "
                  "for %s; recompile with --mcpu=sm_%d%d",
                  session->model->name, name, major, minor, archs, major,
                  minor);
  if (!jit) {
    result = cu.ModuleLoadDataEx(&session->module, image->cubin, 0, NULL, NULL);
    if (result != CUDA_SUCCESS)
      return driver_failed(error, size, result, "loading the cubin");
    return TESSERA_OK;
  }
  {
    char log[512];
    int options[2] = {CU_JIT_ERROR_LOG_BUFFER,
                      CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
    void *values[2];
    log[0] = '\0';
    values[0] = log;
    values[1] = (void *)(uintptr_t)sizeof(log);
    result =
        cu.ModuleLoadDataEx(&session->module, image->ptx, 2, options, values);
    if (result != CUDA_SUCCESS) {
      char *p;
      log[sizeof(log) - 1] = '\0';
      for (p = log; *p; ++p)
        if (*p == '\n' || *p == '\r')
          *p = ' ';
      return failed(error, size, TESSERA_DEVICE_UNAVAILABLE,
                    "model '%s': the driver cannot JIT-compile its %s PTX for "
                    "%s (sm_%d%d): CUDA error %d%s%s",
                    session->model->name, image->arch, name, major, minor,
                    (int)result, log[0] ? ": " : "", log);
    }
  }
  return TESSERA_OK;
}

static void *host_alloc(tessera_allocator_t allocator, size_t size) {
  return allocator.alloc(allocator.user_data, size ? size : 8, 16);
}

tessera_status_t tessera_cuda_create(const tessera_model_t *model,
                                     int32_t device,
                                     tessera_allocator_t allocator,
                                     tessera_cuda_session_t **out_session,
                                     char *error, size_t size) {
  const tessera_cuda_program_t *program = model->cuda;
  tessera_cuda_session_t *session;
  tessera_status_t status = TESSERA_OK;
  CUresult result;
  CUcontext popped;
  int count = 0;
  int32_t i;
  *out_session = NULL;
  pthread_once(&driver_once, load_driver);
  if (driver_error[0])
    return failed(error, size, TESSERA_DEVICE_UNAVAILABLE, "%s", driver_error);
  if ((result = cu.DeviceGetCount(&count)) != CUDA_SUCCESS)
    return driver_failed(error, size, result, "cuDeviceGetCount");
  if (device < 0 || device >= count)
    return failed(error, size, TESSERA_DEVICE_UNAVAILABLE,
                  "CUDA device %d does not exist (%d found)", (int)device,
                  count);
  session = (tessera_cuda_session_t *)host_alloc(allocator, sizeof(*session));
  if (!session)
    return failed(error, size, TESSERA_OUT_OF_MEMORY, "out of memory");
  memset(session, 0, sizeof(*session));
  session->model = model;
  session->allocator = allocator;
  if ((result = cu.DeviceGet(&session->device, device)) != CUDA_SUCCESS) {
    tessera_cuda_release(session);
    return driver_failed(error, size, result, "cuDeviceGet");
  }
  if ((result = cu.DevicePrimaryCtxRetain(&session->context,
                                          session->device)) != CUDA_SUCCESS) {
    tessera_cuda_release(session);
    return driver_failed(error, size, result, "cuDevicePrimaryCtxRetain");
  }
  session->retained = 1;
  if ((result = cu.CtxPushCurrent(session->context)) != CUDA_SUCCESS) {
    tessera_cuda_release(session);
    return driver_failed(error, size, result, "cuCtxPushCurrent");
  }
  for (i = 0; i < program->num_launches; ++i)
    if (program->launches[i].num_args > session->max_args)
      session->max_args = program->launches[i].num_args;
  session->functions = (CUfunction *)host_alloc(
      allocator, (size_t)program->num_launches * sizeof(CUfunction));
  session->staging = (CUdeviceptr *)host_alloc(
      allocator,
      (size_t)(model->num_inputs + model->num_outputs) * sizeof(CUdeviceptr));
  session->slots = (uint64_t *)host_alloc(allocator, (size_t)session->max_args *
                                                         sizeof(uint64_t));
  session->params = (void **)host_alloc(allocator, (size_t)session->max_args *
                                                       sizeof(void *));
  if (!session->functions || !session->staging || !session->slots ||
      !session->params)
    status = failed(error, size, TESSERA_OUT_OF_MEMORY, "out of memory");
  if (status == TESSERA_OK) {
    memset(session->staging, 0,
           (size_t)(model->num_inputs + model->num_outputs) *
               sizeof(CUdeviceptr));
    for (i = 0; i < session->max_args; ++i)
      session->params[i] = &session->slots[i];
    status = load_module(session, error, size);
  }
  for (i = 0; status == TESSERA_OK && i < program->num_launches; ++i) {
    result = cu.ModuleGetFunction(&session->functions[i], session->module,
                                  program->launches[i].kernel);
    if (result != CUDA_SUCCESS)
      status = failed(error, size, TESSERA_DEVICE_UNAVAILABLE,
                      "model '%s': its image has no kernel %s (CUDA error %d)",
                      model->name, program->launches[i].kernel, (int)result);
  }
  if (status == TESSERA_OK &&
      (result = cu.StreamCreate(&session->stream, CU_STREAM_NON_BLOCKING)) !=
          CUDA_SUCCESS)
    status = driver_failed(error, size, result, "cuStreamCreate");
  /* The workspace starts as all ones (NaN for floats), as the staged
   * outputs do: a kernel reading a temporary before writing it, or not
   * writing an output, shows up as a wrong answer, never as a lucky zero. */
  if (status == TESSERA_OK && model->workspace_size &&
      ((result = cu.MemAlloc(&session->workspace,
                             (size_t)model->workspace_size)) != CUDA_SUCCESS ||
       (result = cu.MemsetD8(session->workspace, 0xFF,
                             (size_t)model->workspace_size)) != CUDA_SUCCESS))
    status = driver_failed(error, size, result, "allocating the workspace");
  if (status == TESSERA_OK && program->weights_size) {
    if ((result = cu.MemAlloc(&session->weights,
                              (size_t)program->weights_size)) != CUDA_SUCCESS)
      status = driver_failed(error, size, result, "allocating the weights");
    else if ((result = cu.MemcpyHtoD(session->weights, program->weights,
                                     (size_t)program->weights_size)) !=
             CUDA_SUCCESS)
      status = driver_failed(error, size, result, "uploading the weights");
  }
  if (status == TESSERA_OK && program->status_offset >= 0 &&
      (result = cu.MemAllocHost((void **)&session->status, sizeof(int32_t))) !=
          CUDA_SUCCESS)
    status = driver_failed(error, size, result, "cuMemAllocHost");
  cu.CtxPopCurrent(&popped);
  if (status != TESSERA_OK) {
    tessera_cuda_release(session);
    return status;
  }
  *out_session = session;
  return TESSERA_OK;
}

void tessera_cuda_release(tessera_cuda_session_t *session) {
  tessera_allocator_t allocator;
  CUcontext popped;
  int32_t i;
  if (!session)
    return;
  allocator = session->allocator;
  if (session->retained &&
      cu.CtxPushCurrent(session->context) == CUDA_SUCCESS) {
    if (session->has_pending)
      cu.StreamSynchronize(session->pending);
    if (session->stream)
      cu.StreamDestroy(session->stream);
    if (session->staging)
      for (i = 0; i < session->model->num_inputs + session->model->num_outputs;
           ++i)
        if (session->staging[i])
          cu.MemFree(session->staging[i]);
    if (session->workspace)
      cu.MemFree(session->workspace);
    if (session->weights)
      cu.MemFree(session->weights);
    if (session->status)
      cu.MemFreeHost(session->status);
    if (session->module)
      cu.ModuleUnload(session->module);
    cu.CtxPopCurrent(&popped);
  }
  if (session->retained)
    cu.DevicePrimaryCtxRelease(session->device);
  if (session->functions)
    allocator.free(allocator.user_data, session->functions);
  if (session->staging)
    allocator.free(allocator.user_data, session->staging);
  if (session->slots)
    allocator.free(allocator.user_data, session->slots);
  if (session->params)
    allocator.free(allocator.user_data, session->params);
  allocator.free(allocator.user_data, session);
}

/* Device copies of every input and output, for host-pointer runs. */
static tessera_status_t stage(tessera_cuda_session_t *session, char *error,
                              size_t size) {
  const tessera_model_t *model = session->model;
  int32_t i, n = model->num_inputs + model->num_outputs;
  CUresult result;
  if (session->staged)
    return TESSERA_OK;
  for (i = 0; i < n; ++i) {
    const tessera_tensor_desc_t *desc =
        i < model->num_inputs ? &model->inputs[i]
                              : &model->outputs[i - model->num_inputs];
    size_t bytes = tensor_bytes(desc);
    if (bytes &&
        ((result = cu.MemAlloc(&session->staging[i], bytes)) != CUDA_SUCCESS ||
         (i >= model->num_inputs &&
          (result = cu.MemsetD8(session->staging[i], 0xFF, bytes)) !=
              CUDA_SUCCESS)))
      return driver_failed(error, size, result, "allocating a device buffer");
  }
  session->staged = 1;
  return TESSERA_OK;
}

/* Waits for `stream` and reads the status word the run left. */
static tessera_status_t finish(tessera_cuda_session_t *session, CUstream stream,
                               int32_t *out_code, char *error, size_t size) {
  CUresult result = cu.StreamSynchronize(stream);
  session->has_pending = 0;
  if (result != CUDA_SUCCESS)
    return driver_failed(error, size, result, "running the kernels");
  *out_code = session->status ? *session->status : 0;
  return TESSERA_OK;
}

static tessera_status_t enqueue(tessera_cuda_session_t *session,
                                void *const *inputs, void *const *outputs,
                                CUstream stream, uint32_t flags,
                                int32_t *out_code, char *error, size_t size) {
  const tessera_model_t *model = session->model;
  const tessera_cuda_program_t *program = model->cuda;
  int device_pointers = (flags & TESSERA_RUN_DEVICE_POINTERS) != 0;
  tessera_status_t status;
  CUresult result;
  int32_t i, a;
  if (session->has_pending) {
    int32_t ignored;
    status = finish(session, session->pending, &ignored, error, size);
    if (status != TESSERA_OK)
      return status;
  }
  if (!device_pointers) {
    status = stage(session, error, size);
    if (status != TESSERA_OK)
      return status;
    for (i = 0; i < model->num_inputs; ++i) {
      size_t bytes = tensor_bytes(&model->inputs[i]);
      if (bytes && (result = cu.MemcpyHtoDAsync(session->staging[i], inputs[i],
                                                bytes, stream)) != CUDA_SUCCESS)
        return driver_failed(error, size, result, "copying an input");
    }
  }
  for (i = 0; i < program->num_launches; ++i) {
    const tessera_cuda_launch_t *launch = &program->launches[i];
    for (a = 0; a < launch->num_args; ++a) {
      const tessera_cuda_arg_t *arg = &launch->args[a];
      uint64_t value = 0;
      switch (arg->kind) {
      case TESSERA_CUDA_ARG_INPUT:
        value = device_pointers ? (uint64_t)(uintptr_t)inputs[arg->value]
                                : session->staging[arg->value];
        break;
      case TESSERA_CUDA_ARG_OUTPUT:
        value = device_pointers
                    ? (uint64_t)(uintptr_t)outputs[arg->value]
                    : session->staging[model->num_inputs + arg->value];
        break;
      case TESSERA_CUDA_ARG_WORKSPACE:
        value = session->workspace;
        break;
      case TESSERA_CUDA_ARG_WEIGHT:
        value = session->weights + (uint64_t)arg->value;
        break;
      default: /* a scalar, 4 or 8 bytes, little-endian in its slot */
        if (arg->bytes == 4) {
          int32_t narrow = (int32_t)arg->value;
          memcpy(&session->slots[a], &narrow, sizeof(narrow));
          continue;
        }
        value = (uint64_t)arg->value;
        break;
      }
      session->slots[a] = value;
    }
    result = cu.LaunchKernel(session->functions[i], launch->grid[0],
                             launch->grid[1], launch->grid[2], launch->block[0],
                             launch->block[1], launch->block[2], 0, stream,
                             launch->num_args ? session->params : NULL, NULL);
    if (result != CUDA_SUCCESS) {
      char what[160];
      snprintf(what, sizeof(what), "launching %s", launch->kernel);
      return driver_failed(error, size, result, what);
    }
  }
  if (!device_pointers)
    for (i = 0; i < model->num_outputs; ++i) {
      size_t bytes = tensor_bytes(&model->outputs[i]);
      if (bytes && (result = cu.MemcpyDtoHAsync(
                        outputs[i], session->staging[model->num_inputs + i],
                        bytes, stream)) != CUDA_SUCCESS)
        return driver_failed(error, size, result, "copying an output");
    }
  if (session->status &&
      (result = cu.MemcpyDtoHAsync(session->status,
                                   session->workspace +
                                       (uint64_t)program->status_offset,
                                   sizeof(int32_t), stream)) != CUDA_SUCCESS)
    return driver_failed(error, size, result, "reading the status word");
  session->pending = stream;
  session->has_pending = 1;
  *out_code = 0;
  if (flags & TESSERA_RUN_ASYNC)
    return TESSERA_OK;
  return finish(session, stream, out_code, error, size);
}

tessera_status_t tessera_cuda_run(tessera_cuda_session_t *session,
                                  void *const *inputs, void *const *outputs,
                                  void *stream, uint32_t flags,
                                  int32_t *out_code, char *error, size_t size) {
  CUcontext popped;
  tessera_status_t status;
  CUresult result = cu.CtxPushCurrent(session->context);
  if (result != CUDA_SUCCESS)
    return driver_failed(error, size, result, "cuCtxPushCurrent");
  status = enqueue(session, inputs, outputs, stream ? stream : session->stream,
                   flags, out_code, error, size);
  cu.CtxPopCurrent(&popped);
  return status;
}

tessera_status_t tessera_cuda_wait(tessera_cuda_session_t *session,
                                   int32_t *out_code, char *error,
                                   size_t size) {
  CUcontext popped;
  tessera_status_t status;
  CUresult result;
  *out_code = 0;
  if (!session->has_pending)
    return TESSERA_OK;
  if ((result = cu.CtxPushCurrent(session->context)) != CUDA_SUCCESS)
    return driver_failed(error, size, result, "cuCtxPushCurrent");
  status = finish(session, session->pending, out_code, error, size);
  cu.CtxPopCurrent(&popped);
  return status;
}
