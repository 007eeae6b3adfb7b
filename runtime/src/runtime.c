/*===- runtime.c - Tessera's C runtime ------------------------------------===*/

/* posix_memalign under strict C99. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200112L
#endif

#include "tessera/runtime.h"
#include "cuda.h"
#include "profile.h"
#include "thread_pool.h"
#include "weights.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tessera_session_t {
  const tessera_model_t *model;
  tessera_allocator_t allocator;
  void *workspace;
  void **buffers; /* inputs, outputs, workspace, parallel, profiler, sizes */
  int64_t *sizes;       /* one per dynamic output dimension */
  int64_t *output_dims; /* each output's dims after the last run */
  size_t num_sizes;
  tessera_thread_pool_t *pool;
  int32_t num_threads;
  tessera_parallel_t parallel;
  tessera_profile_t *profile; /* NULL unless compiled with --profile */
  int holds_weights;          /* a hold on the model's weights file */
  tessera_cuda_session_t *cuda; /* a CUDA model's device state */
  char error[384];
};

static void *default_alloc(void *user_data, size_t size, size_t alignment) {
  (void)user_data;
  void *ptr = NULL;
  if (size == 0)
    size = alignment;
  if (posix_memalign(&ptr,
                     alignment < sizeof(void *) ? sizeof(void *) : alignment,
                     size) != 0)
    return NULL;
  return ptr;
}

static void default_free(void *user_data, void *ptr) {
  (void)user_data;
  free(ptr);
}

void tessera_session_options_init(tessera_session_options_t *out_options) {
  if (!out_options)
    return;
  out_options->allocator.alloc = default_alloc;
  out_options->allocator.free = default_free;
  out_options->allocator.user_data = NULL;
  out_options->num_threads = 0;
  out_options->weights_path = NULL;
  out_options->cuda_device = 0;
}

/* The calling thread's last tessera_session_create failure. */
static __thread char create_error[512];

const char *tessera_create_error(void) { return create_error; }

static tessera_status_t create_failed(tessera_status_t status) {
  if (!create_error[0])
    snprintf(create_error, sizeof(create_error), "%s",
             tessera_status_string(status));
  return status;
}

static tessera_status_t fail(tessera_session_t *session,
                             tessera_status_t status, const char *format, ...) {
  va_list args;
  char *p;
  va_start(args, format);
  vsnprintf(session->error, sizeof(session->error), format, args);
  va_end(args);
  /* Names come from the model: no control characters in the one line. */
  for (p = session->error; *p; ++p)
    if ((unsigned char)*p < 0x20 || *p == 0x7f)
      *p = '?';
  return status;
}

static int valid_model(const tessera_model_t *model);

tessera_status_t
tessera_session_create(const tessera_model_t *model,
                       const tessera_session_options_t *options,
                       tessera_session_t **out_session) {
  tessera_session_options_t defaults;
  tessera_session_t *session;
  tessera_status_t status;
  size_t buffers;
  create_error[0] = '\0';
  if (!out_session)
    return create_failed(TESSERA_INVALID_ARGUMENT);
  *out_session = NULL;
  if (!model)
    return create_failed(TESSERA_INVALID_ARGUMENT);
  if (model->abi_version != TESSERA_ABI_VERSION) {
    snprintf(create_error, sizeof(create_error),
             "the model was built for runtime ABI %u, this runtime has %u; "
             "recompile the model",
             (unsigned)model->abi_version, (unsigned)TESSERA_ABI_VERSION);
    return TESSERA_INCOMPATIBLE;
  }
  if (!valid_model(model)) {
    snprintf(create_error, sizeof(create_error),
             "the model descriptor is unusable (a bad count, a missing "
             "pointer, or a tensor over 2^48 bytes)");
    return TESSERA_INVALID_ARGUMENT;
  }
  if (!options) {
    tessera_session_options_init(&defaults);
    options = &defaults;
  }
  if (!options->allocator.alloc || !options->allocator.free ||
      options->num_threads < 0)
    return create_failed(TESSERA_INVALID_ARGUMENT);
  session = (tessera_session_t *)options->allocator.alloc(
      options->allocator.user_data, sizeof(tessera_session_t), 16);
  if (!session)
    return create_failed(TESSERA_OUT_OF_MEMORY);
  memset(session, 0, sizeof(*session));
  session->model = model;
  session->allocator = options->allocator;
  if (model->cuda) {
    status =
        tessera_cuda_create(model, options->cuda_device, options->allocator,
                            &session->cuda, create_error, sizeof(create_error));
    if (status != TESSERA_OK) {
      tessera_session_release(session);
      return status;
    }
  }
  if (model->weights_base) {
    status = tessera_weights_acquire(model, options->weights_path,
                                     create_error, sizeof(create_error));
    if (status != TESSERA_OK) {
      tessera_session_release(session);
      return create_failed(status);
    }
    session->holds_weights = 1;
  }
  buffers = (size_t)model->num_inputs + (size_t)model->num_outputs + 4;
  session->buffers = (void **)session->allocator.alloc(
      session->allocator.user_data, buffers * sizeof(void *), 16);
  {
    size_t dims = 1, i, d;
    for (i = 0; i < (size_t)model->num_outputs; ++i) {
      dims += (size_t)model->outputs[i].rank;
      for (d = 0; d < (size_t)model->outputs[i].rank; ++d)
        session->num_sizes += (model->outputs[i].dynamic_dims >> d) & 1u;
    }
    session->output_dims = (int64_t *)session->allocator.alloc(
        session->allocator.user_data, dims * sizeof(int64_t), 16);
    session->sizes = (int64_t *)session->allocator.alloc(
        session->allocator.user_data,
        (session->num_sizes + 1) * sizeof(int64_t), 16);
    if (session->output_dims)
      for (i = 0, dims = 0; i < (size_t)model->num_outputs; ++i)
        for (d = 0; d < (size_t)model->outputs[i].rank; ++d)
          session->output_dims[dims++] = model->outputs[i].dims[d];
  }
  /* A CUDA model's workspace lives on the device; it runs no host loops. */
  session->workspace = session->allocator.alloc(
      session->allocator.user_data,
      model->cuda ? 64 : (size_t)model->workspace_size, 64);
  session->num_threads = model->cuda ? 1
                         : options->num_threads
                             ? options->num_threads
                             : tessera_thread_pool_default_size();
  session->pool =
      tessera_thread_pool_create(session->num_threads, session->allocator);
  if (model->num_kernels > 0)
    session->profile = tessera_profile_create(model, session->allocator);
  if (!session->buffers || !session->workspace || !session->pool ||
      !session->output_dims || !session->sizes ||
      (model->num_kernels > 0 && !session->profile)) {
    tessera_session_release(session);
    return create_failed(TESSERA_OUT_OF_MEMORY);
  }
  session->parallel.parallel_for = tessera_thread_pool_parallel_for;
  session->parallel.pool = session->pool;
  *out_session = session;
  return TESSERA_OK;
}

void tessera_session_release(tessera_session_t *session) {
  if (!session)
    return;
  tessera_allocator_t allocator = session->allocator;
  tessera_cuda_release(session->cuda);
  tessera_thread_pool_release(session->pool);
  tessera_profile_release(session->profile, allocator);
  if (session->holds_weights)
    tessera_weights_release(session->model);
  if (session->workspace)
    allocator.free(allocator.user_data, session->workspace);
  if (session->buffers)
    allocator.free(allocator.user_data, session->buffers);
  if (session->sizes)
    allocator.free(allocator.user_data, session->sizes);
  if (session->output_dims)
    allocator.free(allocator.user_data, session->output_dims);
  allocator.free(allocator.user_data, session);
}

static tessera_status_t check_tensor(tessera_session_t *session,
                                     const char *kind, int32_t index,
                                     const tessera_tensor_desc_t *desc,
                                     const tessera_tensor_t *tensor) {
  int32_t d;
  if (!tensor->data && tessera_desc_num_elements(desc) != 0)
    return fail(session, TESSERA_INVALID_ARGUMENT, "%s %d ('%s') has no data",
                kind, index, desc->name);
  if (tensor->dtype != desc->dtype)
    return fail(session, TESSERA_DTYPE_MISMATCH,
                "%s %d ('%s') has dtype %s, the model expects %s", kind, index,
                desc->name, tessera_dtype_name(tensor->dtype),
                tessera_dtype_name(desc->dtype));
  if (tensor->rank != desc->rank || (desc->rank > 0 && !tensor->dims))
    return fail(session, TESSERA_SHAPE_MISMATCH,
                "%s %d ('%s') has rank %d, the model expects %d", kind, index,
                desc->name, (int)tensor->rank, (int)desc->rank);
  for (d = 0; d < desc->rank; ++d)
    if (tensor->dims[d] != desc->dims[d])
      return fail(session, TESSERA_SHAPE_MISMATCH,
                  "%s %d ('%s') has size %lld in dimension %d, the model "
                  "expects %lld",
                  kind, index, desc->name, (long long)tensor->dims[d], (int)d,
                  (long long)desc->dims[d]);
  return TESSERA_OK;
}

/* Checks the tensors of a run against the model and notes their data in
 * session->buffers. */
static tessera_status_t check_run(tessera_session_t *session,
                                  const tessera_tensor_t *inputs,
                                  size_t num_inputs, tessera_tensor_t *outputs,
                                  size_t num_outputs) {
  const tessera_model_t *model = session->model;
  int32_t i;
  tessera_status_t status;
  session->error[0] = '\0';
  if (num_inputs != (size_t)model->num_inputs || (num_inputs && !inputs))
    return fail(session, TESSERA_INVALID_ARGUMENT,
                "model '%s' takes %d inputs, got %zu", model->name,
                (int)model->num_inputs, num_inputs);
  if (num_outputs != (size_t)model->num_outputs || (num_outputs && !outputs))
    return fail(session, TESSERA_INVALID_ARGUMENT,
                "model '%s' has %d outputs, got %zu", model->name,
                (int)model->num_outputs, num_outputs);
  for (i = 0; i < model->num_inputs; ++i) {
    status = check_tensor(session, "input", i, &model->inputs[i], &inputs[i]);
    if (status != TESSERA_OK)
      return status;
    session->buffers[i] = inputs[i].data;
  }
  for (i = 0; i < model->num_outputs; ++i) {
    status =
        check_tensor(session, "output", i, &model->outputs[i], &outputs[i]);
    if (status != TESSERA_OK)
      return status;
    session->buffers[model->num_inputs + i] = outputs[i].data;
  }
  return TESSERA_OK;
}

static tessera_status_t check_failed(tessera_session_t *session, int32_t code) {
  const tessera_model_t *model = session->model;
  return fail(session, TESSERA_CHECK_FAILED, "model '%s': %s", model->name,
              code > 0 && code <= model->num_checks && model->checks[code - 1]
                  ? model->checks[code - 1]
                  : "a run-time check failed");
}

static tessera_status_t run_cuda(tessera_session_t *session, void *stream,
                                 uint32_t flags) {
  const tessera_model_t *model = session->model;
  int32_t code = 0;
  tessera_status_t status = tessera_cuda_run(
      session->cuda, session->buffers, session->buffers + model->num_inputs,
      stream, flags, &code, session->error, sizeof(session->error));
  if (status != TESSERA_OK)
    return status;
  return code ? check_failed(session, code) : TESSERA_OK;
}

tessera_status_t tessera_session_run(tessera_session_t *session,
                                     const tessera_tensor_t *inputs,
                                     size_t num_inputs,
                                     tessera_tensor_t *outputs,
                                     size_t num_outputs) {
  const tessera_model_t *model;
  int32_t i, code;
  tessera_status_t status;
  if (!session)
    return TESSERA_INVALID_ARGUMENT;
  model = session->model;
  status = check_run(session, inputs, num_inputs, outputs, num_outputs);
  if (status != TESSERA_OK)
    return status;
  if (session->cuda)
    return run_cuda(session, NULL, 0);
  session->buffers[model->num_inputs + model->num_outputs] = session->workspace;
  session->buffers[model->num_inputs + model->num_outputs + 1] =
      &session->parallel;
  session->buffers[model->num_inputs + model->num_outputs + 2] =
      session->profile ? tessera_profile_profiler(session->profile) : NULL;
  session->buffers[model->num_inputs + model->num_outputs + 3] =
      session->num_sizes ? session->sizes : NULL;
  for (i = 0; i < (int32_t)session->num_sizes; ++i)
    session->sizes[i] = -1;
  if (session->profile)
    tessera_profile_run_begin(session->profile);
  code = model->entry(session->buffers);
  if (session->profile)
    tessera_profile_run_end(session->profile);
  if (code != 0)
    return check_failed(session, code);
  /* The sizes the run decided, each within its bound. */
  {
    size_t at = 0, slot = 0;
    int32_t d;
    for (i = 0; i < model->num_outputs; ++i)
      for (d = 0; d < model->outputs[i].rank; ++d, ++at) {
        int64_t size = model->outputs[i].dims[d];
        if ((model->outputs[i].dynamic_dims >> d) & 1u) {
          size = session->sizes[slot++];
          if (size < 0 || size > model->outputs[i].dims[d])
            return fail(session, TESSERA_CHECK_FAILED,
                        "model '%s': output %d ('%s') got size %lld in "
                        "dimension %d, outside [0, %lld]",
                        model->name, (int)i, model->outputs[i].name,
                        (long long)size, (int)d,
                        (long long)model->outputs[i].dims[d]);
        }
        session->output_dims[at] = size;
      }
  }
  return TESSERA_OK;
}

tessera_status_t tessera_session_run_cuda(tessera_session_t *session,
                                          const tessera_tensor_t *inputs,
                                          size_t num_inputs,
                                          tessera_tensor_t *outputs,
                                          size_t num_outputs, void *stream,
                                          uint32_t flags) {
  tessera_status_t status;
  if (!session)
    return TESSERA_INVALID_ARGUMENT;
  if (!session->cuda)
    return fail(session, TESSERA_INVALID_ARGUMENT,
                "model '%s' was compiled for the CPU, not CUDA",
                session->model->name);
  if (flags & ~(TESSERA_RUN_DEVICE_POINTERS | TESSERA_RUN_ASYNC))
    return fail(session, TESSERA_INVALID_ARGUMENT, "unknown run flags 0x%x",
                (unsigned)flags);
  if ((flags & TESSERA_RUN_ASYNC) && !(flags & TESSERA_RUN_DEVICE_POINTERS))
    return fail(session, TESSERA_INVALID_ARGUMENT,
                "TESSERA_RUN_ASYNC needs TESSERA_RUN_DEVICE_POINTERS (host "
                "buffers are copied during the call)");
  status = check_run(session, inputs, num_inputs, outputs, num_outputs);
  if (status != TESSERA_OK)
    return status;
  return run_cuda(session, stream, flags);
}

tessera_status_t tessera_session_wait(tessera_session_t *session) {
  int32_t code = 0;
  tessera_status_t status;
  if (!session)
    return TESSERA_INVALID_ARGUMENT;
  if (!session->cuda)
    return TESSERA_OK;
  session->error[0] = '\0';
  status = tessera_cuda_wait(session->cuda, &code, session->error,
                             sizeof(session->error));
  if (status != TESSERA_OK)
    return status;
  return code ? check_failed(session, code) : TESSERA_OK;
}

const int64_t *tessera_session_output_dims(const tessera_session_t *session,
                                           int32_t index) {
  size_t at = 0;
  int32_t i;
  if (!session || index < 0 || index >= session->model->num_outputs)
    return NULL;
  for (i = 0; i < index; ++i)
    at += (size_t)session->model->outputs[i].rank;
  return session->output_dims + at;
}

const char *tessera_session_last_error(const tessera_session_t *session) {
  return session ? session->error : "no session";
}

const tessera_model_t *tessera_session_model(const tessera_session_t *session) {
  return session ? session->model : NULL;
}

int32_t tessera_session_num_threads(const tessera_session_t *session) {
  return session ? session->num_threads : 0;
}

tessera_status_t
tessera_session_profile(const tessera_session_t *session,
                        const tessera_kernel_profile_t **out_profiles,
                        int32_t *out_count) {
  if (!out_profiles || !out_count)
    return TESSERA_INVALID_ARGUMENT;
  *out_profiles = NULL;
  *out_count = 0;
  if (!session || !session->profile)
    return TESSERA_INVALID_ARGUMENT;
  *out_profiles = tessera_profile_kernels(session->profile);
  *out_count = session->model->num_kernels;
  return TESSERA_OK;
}

void tessera_session_profile_reset(tessera_session_t *session) {
  if (session && session->profile)
    tessera_profile_reset(session->profile);
}

tessera_status_t tessera_session_write_trace(tessera_session_t *session,
                                             const char *path) {
  FILE *file;
  int written;
  if (!session)
    return TESSERA_INVALID_ARGUMENT;
  if (!session->profile)
    return fail(session, TESSERA_INVALID_ARGUMENT,
                "model '%s' was compiled without --profile: no trace",
                session->model->name);
  if (!path)
    return fail(session, TESSERA_INVALID_ARGUMENT, "no trace file name");
  file = fopen(path, "w");
  if (!file)
    return fail(session, TESSERA_INVALID_ARGUMENT, "cannot write %s", path);
  written = tessera_profile_write_trace(session->profile, file);
  if (fclose(file) != 0 || written != 0)
    return fail(session, TESSERA_INVALID_ARGUMENT, "cannot write %s", path);
  return TESSERA_OK;
}

const char *tessera_status_string(tessera_status_t status) {
  switch (status) {
  case TESSERA_OK:
    return "ok";
  case TESSERA_INVALID_ARGUMENT:
    return "invalid argument";
  case TESSERA_OUT_OF_MEMORY:
    return "out of memory";
  case TESSERA_SHAPE_MISMATCH:
    return "shape mismatch";
  case TESSERA_CHECK_FAILED:
    return "run-time check failed";
  case TESSERA_DTYPE_MISMATCH:
    return "dtype mismatch";
  case TESSERA_INCOMPATIBLE:
    return "model built for another runtime ABI";
  case TESSERA_WEIGHTS_UNAVAILABLE:
    return "weights file unavailable";
  case TESSERA_DEVICE_UNAVAILABLE:
    return "CUDA device unavailable";
  }
  return "unknown status";
}

const char *tessera_dtype_name(int32_t dtype) {
  switch (dtype) {
  case TESSERA_F32:
    return "f32";
  case TESSERA_U8:
    return "u8";
  case TESSERA_I8:
    return "i8";
  case TESSERA_U16:
    return "u16";
  case TESSERA_I16:
    return "i16";
  case TESSERA_I32:
    return "i32";
  case TESSERA_I64:
    return "i64";
  case TESSERA_BOOL:
    return "bool";
  case TESSERA_F16:
    return "f16";
  case TESSERA_F64:
    return "f64";
  case TESSERA_U32:
    return "u32";
  case TESSERA_U64:
    return "u64";
  case TESSERA_BF16:
    return "bf16";
  }
  return "unknown";
}

size_t tessera_dtype_size(int32_t dtype) {
  switch (dtype) {
  case TESSERA_U8:
  case TESSERA_I8:
  case TESSERA_BOOL:
    return 1;
  case TESSERA_U16:
  case TESSERA_I16:
  case TESSERA_F16:
  case TESSERA_BF16:
    return 2;
  case TESSERA_F32:
  case TESSERA_I32:
  case TESSERA_U32:
    return 4;
  case TESSERA_F64:
  case TESSERA_I64:
  case TESSERA_U64:
    return 8;
  }
  return 0;
}

int64_t tessera_desc_num_elements(const tessera_tensor_desc_t *desc) {
  int64_t n = 1;
  int32_t d;
  if (!desc || desc->rank < 0 || (desc->rank > 0 && !desc->dims))
    return -1;
  for (d = 0; d < desc->rank; ++d) {
    int64_t size = desc->dims[d];
    if (size < 0 || (size > 0 && n > INT64_MAX / size))
      return -1;
    n *= size;
  }
  return n;
}

/* Whether `desc` describes a tensor the runtime can hold: a name, a known
 * dtype, a rank in [0, 64], dims whose byte size is at most 2^48. */
static int valid_desc(const tessera_tensor_desc_t *desc, int output) {
  int64_t n;
  size_t size;
  if (!desc->name || desc->rank > 64)
    return 0;
  /* Only outputs have dynamic dimensions, and only existing ones. */
  if (desc->dynamic_dims &&
      (!output || (desc->rank < 64 && desc->dynamic_dims >> desc->rank)))
    return 0;
  n = tessera_desc_num_elements(desc);
  size = tessera_dtype_size(desc->dtype);
  return n >= 0 && size > 0 &&
         (uint64_t)n <= TESSERA_MAX_TENSOR_BYTES / (uint64_t)size;
}

static int valid_model(const tessera_model_t *model) {
  int32_t i;
  if (!!model->entry == !!model->cuda || model->num_inputs < 0 ||
      model->num_outputs < 0 || (model->num_inputs > 0 && !model->inputs) ||
      (model->num_outputs > 0 && !model->outputs) ||
      model->workspace_size > TESSERA_MAX_TENSOR_BYTES ||
      model->num_checks < 0 || (model->num_checks > 0 && !model->checks) ||
      model->num_kernels < 0 || (model->num_kernels > 0 && !model->kernels))
    return 0;
  /* A weights file is a bare name, found next to the model. */
  if (model->weights_base &&
      (!model->weights_file || !model->weights_file[0] ||
       strchr(model->weights_file, '/') ||
       model->weights_size > TESSERA_MAX_TENSOR_BYTES))
    return 0;
  for (i = 0; i < model->num_inputs; ++i)
    if (!valid_desc(&model->inputs[i], 0))
      return 0;
  for (i = 0; i < model->num_outputs; ++i)
    if (!valid_desc(&model->outputs[i], 1))
      return 0;
  /* A CUDA model: a replayable program, weights in it, no host profile. */
  if (model->cuda && (!tessera_cuda_valid_program(model) ||
                      model->weights_base || model->num_kernels))
    return 0;
  return 1;
}
