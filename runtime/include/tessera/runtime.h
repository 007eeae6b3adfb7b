/*===- runtime.h - Tessera's C runtime API --------------------------------===*
 *
 * What an application needs to run a model compiled by tessera-compile:
 * C99, no dependency on LLVM, MLIR or protobuf. Every call that can fail
 * returns a tessera_status_t; the session keeps a message for the last
 * failure. Output parameters come last. Memory comes from an allocator the
 * application may inject; a session allocates its workspace and starts its
 * worker threads once, at creation, and never during tessera_session_run.
 * One session runs one call at a time; use a session per calling thread.
 *
 *===----------------------------------------------------------------------===*/

#ifndef TESSERA_RUNTIME_H
#define TESSERA_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define TESSERA_API __declspec(dllexport)
#else
#define TESSERA_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Version of the model descriptor layout emitted by the compiler. */
#define TESSERA_ABI_VERSION 7u

typedef enum tessera_status_t {
  TESSERA_OK = 0,
  TESSERA_INVALID_ARGUMENT = 1, /* NULL pointers, wrong counts */
  TESSERA_OUT_OF_MEMORY = 2,
  TESSERA_SHAPE_MISMATCH = 3,      /* a tensor's rank or dims differ */
  TESSERA_DTYPE_MISMATCH = 4,      /* a tensor's element type differs */
  TESSERA_INCOMPATIBLE = 5,        /* model built for another ABI version */
  TESSERA_CHECK_FAILED = 6,        /* the data failed a run-time check of the
                                      model (an index out of range): outputs
                                      are unspecified */
  TESSERA_WEIGHTS_UNAVAILABLE = 7, /* the weights file of a model compiled
                                     with --weights=file is missing, short,
                                     or not the one it was compiled with */
  TESSERA_DEVICE_UNAVAILABLE = 8   /* a CUDA model: no driver
                                      (libcuda.so.1), no such device, no code
                                      for the device's architecture, or a
                                      driver call failed (the message says
                                      which) */
} tessera_status_t;

/* Element types, numbered as ONNX's TensorProto.DataType. */
typedef enum tessera_dtype_t {
  TESSERA_F32 = 1, TESSERA_U8 = 2, TESSERA_I8 = 3, TESSERA_U16 = 4,
  TESSERA_I16 = 5, TESSERA_I32 = 6, TESSERA_I64 = 7, TESSERA_BOOL = 9,
  TESSERA_F16 = 10, TESSERA_F64 = 11, TESSERA_U32 = 12, TESSERA_U64 = 13,
  TESSERA_BF16 = 16
} tessera_dtype_t;

/* Static description of one model input or output. */
typedef struct tessera_tensor_desc_t {
  const char *name;
  int32_t dtype; /* a tessera_dtype_t */
  int32_t rank;
  const int64_t *dims;
  /* Bit d set: the run decides dimension d's size (an output of
   * NonZero and the like); dims[d] is its upper bound, the buffer holds the
   * bound, and the result lies at the front of each such dimension (the
   * padded layout; the rest is 0). tessera_session_output_dims tells the
   * sizes of the last run. 0 for inputs. */
  uint64_t dynamic_dims;
} tessera_tensor_desc_t;

/* One kernel of a model compiled with `tessera-compile --profile`. */
typedef struct tessera_kernel_desc_t {
  const char *name; /* the ONNX nodes it computes, ", "-separated */
  const char *kind; /* the op it was generated from: "tk.matmul", "tk.conv",
                       "tk.fusion", "linalg.generic", "memref.copy", ... */
  uint64_t flops;   /* arithmetic operations per run; 0 when not counted */
  uint64_t bytes;   /* bytes of the buffers it reads and writes, each
                       counted once: the traffic it cannot avoid */
} tessera_kernel_desc_t;

/* A model compiled with --target=cuda holds no host code: its kernels, for
 * each architecture, and the launches a run replays (docs/runtime.md). */
typedef struct tessera_cuda_image_t {
  const char *arch;  /* "sm_80", "sm_90a", ... */
  const void *cubin; /* ptxas's output; NULL when compiled without the
                        CUDA toolkit */
  uint64_t cubin_size;
  const char *ptx; /* NUL-terminated; the driver JIT-compiles it for a
                      device no cubin fits */
} tessera_cuda_image_t;

/* What one kernel parameter is bound to. */
typedef enum tessera_cuda_arg_kind_t {
  TESSERA_CUDA_ARG_INPUT = 0,     /* value: the input's index */
  TESSERA_CUDA_ARG_OUTPUT = 1,    /* value: the output's index */
  TESSERA_CUDA_ARG_WORKSPACE = 2, /* the session's device workspace */
  TESSERA_CUDA_ARG_WEIGHT = 3,    /* value: a byte offset into the weights */
  TESSERA_CUDA_ARG_SCALAR = 4     /* value: an integer `bytes` (4 or 8) wide */
} tessera_cuda_arg_kind_t;

typedef struct tessera_cuda_arg_t {
  int32_t kind; /* a tessera_cuda_arg_kind_t */
  int32_t bytes;
  int64_t value;
} tessera_cuda_arg_t;

typedef struct tessera_cuda_launch_t {
  const char *kernel; /* the kernel's name in every image */
  uint32_t grid[3];
  uint32_t block[3];
  int32_t num_args;
  const tessera_cuda_arg_t *args;
} tessera_cuda_launch_t;

typedef struct tessera_cuda_program_t {
  int32_t num_images;
  int32_t num_launches;
  const tessera_cuda_image_t *images;
  const tessera_cuda_launch_t *launches; /* in the order a run makes them */
  const void *weights; /* uploaded to the device once per session */
  uint64_t weights_size;
  /* The status word's byte offset in the workspace (an int32_t, k > 0
   * when run-time check k failed); -1 for a model without checks. */
  int64_t status_offset;
} tessera_cuda_program_t;

/* A compiled model, as emitted into the object file (`<name>_model`). */
typedef struct tessera_model_t {
  uint32_t abi_version;
  uint32_t reserved;
  const char *name;
  int32_t num_inputs;
  int32_t num_outputs;
  const tessera_tensor_desc_t *inputs;
  const tessera_tensor_desc_t *outputs;
  uint64_t workspace_size; /* bytes of scratch memory one run needs */
  /* buffers: inputs, then outputs, then the workspace (64-byte aligned),
   * then a `tessera_parallel_t *` (NULL runs every loop on the caller).
   * Returns 0, or k in [1, num_checks] when run-time check k failed (an
   * index out of range; checks[k - 1] says which node and what). Then a
   * `tessera_profiler_t *` (read only by a profiled model, num_kernels > 0;
   * NULL: nothing is timed), then an `int64_t *` to one slot per dynamic
   * dimension of the outputs (in output order, dimensions ascending), where
   * the run writes their sizes (NULL when the outputs have none). NULL for
   * a CUDA model, which a session runs through `cuda`. */
  int32_t (*entry)(void **buffers);
  int32_t num_checks;
  const char *const *checks;
  /* The kernels a model compiled with --profile times, in the order they
   * run; 0 and NULL otherwise (such a model has no timing code at all). */
  int32_t num_kernels;
  const tessera_kernel_desc_t *kernels;
  /* Weights kept in a side file (`tessera-compile --weights=file`,
   * docs/runtime.md): the file's name (no directory; it is written next to
   * the object), the bytes of weights it holds, the fingerprint its header
   * carries, and the pointer the kernels read every weight through, which
   * tessera_session_create points at the mapped file. NULL, 0, 0 and NULL
   * when every weight is in the object. An application calling `entry`
   * directly must hold a session of the model while it does. */
  const char *weights_file;
  uint64_t weights_size;
  uint64_t weights_id;
  const void **weights_base;
  /* A model compiled with --target=cuda: its kernels and launches (then
   * `entry` is NULL); NULL for a CPU model. */
  const tessera_cuda_program_t *cuda;
} tessera_model_t;

/* A weights file: a header of TESSERA_WEIGHTS_HEADER_BYTES (the 8 bytes
 * "TESSERAW", then little-endian: u32 format version 1, u32 header size,
 * u64 fingerprint, u64 weights bytes; zeros after), then the weights, each
 * tensor at the offset the generated code reads it from. */
#define TESSERA_WEIGHTS_HEADER_BYTES 4096u
#define TESSERA_WEIGHTS_FORMAT 1u

/* What a profiled model calls around kernel k (an index into
 * model->kernels), on the thread that called `entry`. A session passes its
 * own; an application calling `entry` directly may pass one. */
typedef struct tessera_profiler_t {
  void (*begin)(void *user_data, int32_t kernel);
  void (*end)(void *user_data, int32_t kernel);
  void *user_data;
} tessera_profiler_t;

/* How generated code runs its parallel loops: parallel_for(pool, task, args,
 * n) must call task(args, begin, end) over disjoint ranges covering [0, n)
 * and return when all have finished. A session passes its thread pool; an
 * application calling `entry` directly may pass its own. */
typedef struct tessera_parallel_t {
  void (*parallel_for)(void *pool,
                       void (*task)(void *args, int64_t begin, int64_t end),
                       void *args, int64_t n);
  void *pool;
} tessera_parallel_t;

/* A tensor passed to tessera_session_run; `data` is dense, row-major. */
typedef struct tessera_tensor_t {
  int32_t dtype; /* a tessera_dtype_t */
  int32_t rank;
  const int64_t *dims;
  void *data;
} tessera_tensor_t;

typedef struct tessera_allocator_t {
  /* Returns `size` bytes aligned to `alignment` (a power of two), or NULL. */
  void *(*alloc)(void *user_data, size_t size, size_t alignment);
  void (*free)(void *user_data, void *ptr);
  void *user_data;
} tessera_allocator_t;

typedef struct tessera_session_options_t {
  tessera_allocator_t allocator;
  /* Threads a run uses, the caller's included: 0 (the default) for the
   * number of CPUs online, 1 for none but the caller. The session starts its
   * workers once, at creation. */
  int32_t num_threads;
  /* The weights file of a model compiled with --weights=file; NULL (the
   * default): model->weights_file in the folder of the library or the
   * executable that holds the model. The file is mapped read-only once per
   * process and model, and unmapped with the model's last session. */
  const char *weights_path;
  /* A CUDA model: the ordinal of the device its session runs on (0, the
   * default, is the first). The session retains the device's primary
   * context, the one the CUDA runtime API shares, and makes it current
   * around every call. Ignored for a CPU model. */
  int32_t cuda_device;
} tessera_session_options_t;

typedef struct tessera_session_t tessera_session_t;

/* Fills `out_options` with defaults (the C library's aligned allocator). */
TESSERA_API void
tessera_session_options_init(tessera_session_options_t *out_options);

/* Creates a session for `model`; `options` may be NULL for defaults. */
TESSERA_API tessera_status_t
tessera_session_create(const tessera_model_t *model,
                       const tessera_session_options_t *options,
                       tessera_session_t **out_session);

/* Why the calling thread's last tessera_session_create failed ("" when it
 * succeeded): the status and, for the weights file, which file and what
 * is wrong with it. */
TESSERA_API const char *tessera_create_error(void);

TESSERA_API void tessera_session_release(tessera_session_t *session);

/* Checks every tensor's dtype, rank and dims against the model, then runs.
 * `outputs[i].data` must point to memory for the whole output. */
TESSERA_API tessera_status_t
tessera_session_run(tessera_session_t *session,
                    const tessera_tensor_t *inputs, size_t num_inputs,
                    tessera_tensor_t *outputs, size_t num_outputs);

/* CUDA models. tessera_session_run takes host pointers: it copies the
 * inputs to the device, runs, copies the outputs back and waits.
 * tessera_session_run_cuda runs on `stream` (a CUstream; NULL: the
 * session's own stream) with `flags`:
 *   TESSERA_RUN_DEVICE_POINTERS: every tensor's data is a device pointer
 *     (a CUdeviceptr) on the session's device, nothing is copied;
 *   TESSERA_RUN_ASYNC (with device pointers only): return once the run is
 *     enqueued; tessera_session_wait then waits for it and gives its status
 *     (a run-time check's failure shows there). A session runs one call at
 *     a time: a run waits for the one before it.
 * Both give TESSERA_INVALID_ARGUMENT for a CPU model. */
#define TESSERA_RUN_DEVICE_POINTERS 1u
#define TESSERA_RUN_ASYNC 2u
TESSERA_API tessera_status_t tessera_session_run_cuda(
    tessera_session_t *session, const tessera_tensor_t *inputs,
    size_t num_inputs, tessera_tensor_t *outputs, size_t num_outputs,
    void *stream, uint32_t flags);

/* Waits for the session's last TESSERA_RUN_ASYNC run; TESSERA_OK at once
 * when none is pending. */
TESSERA_API tessera_status_t tessera_session_wait(tessera_session_t *session);

/* The dims of output `index` as the last successful run computed them (for
 * an output with dynamic_dims, the sizes that run decided; otherwise, and
 * before any run, the descriptor's dims); NULL for a bad index. Valid until
 * the next run or the release. */
TESSERA_API const int64_t *
tessera_session_output_dims(const tessera_session_t *session, int32_t index);

/* The message of the session's last failure ("" when none). */
TESSERA_API const char *
tessera_session_last_error(const tessera_session_t *session);

TESSERA_API const tessera_model_t *
tessera_session_model(const tessera_session_t *session);

/* Threads the session's runs use, the caller's included. */
TESSERA_API int32_t tessera_session_num_threads(const tessera_session_t *session);

/* Profiling. A session of a model compiled with --profile times every
 * kernel of every run (a monotonic clock read before and after each); the
 * times add up from the session's creation or the last reset. */
typedef struct tessera_kernel_profile_t {
  int64_t calls;
  double total_seconds;
  double min_seconds;
  double max_seconds;
} tessera_kernel_profile_t;

/* Sets `*out_profiles` to model->num_kernels entries (entry k for
 * model->kernels[k]), valid until the next run, reset or release, and
 * `*out_count` to their number. TESSERA_INVALID_ARGUMENT for a model
 * compiled without --profile. */
TESSERA_API tessera_status_t
tessera_session_profile(const tessera_session_t *session,
                        const tessera_kernel_profile_t **out_profiles,
                        int32_t *out_count);

/* Forgets the times and the trace measured so far (after a warm-up). */
TESSERA_API void tessera_session_profile_reset(tessera_session_t *session);

/* Writes the session's trace as Chrome trace-event JSON (Perfetto,
 * chrome://tracing): one event per run and per kernel of the last runs it
 * kept (the most recent TESSERA_PROFILE_TRACE_EVENTS events). */
TESSERA_API tessera_status_t
tessera_session_write_trace(tessera_session_t *session, const char *path);
#define TESSERA_PROFILE_TRACE_EVENTS 65536

TESSERA_API const char *tessera_status_string(tessera_status_t status);
TESSERA_API const char *tessera_dtype_name(int32_t dtype);
/* Bytes per element; 0 for an unknown dtype. */
TESSERA_API size_t tessera_dtype_size(int32_t dtype);
/* Number of elements of a tensor description; -1 when it has a negative
 * rank or dimension, no dims, or more than INT64_MAX elements. */
TESSERA_API int64_t tessera_desc_num_elements(const tessera_tensor_desc_t *desc);

/* The largest tensor (and workspace) a model may describe: 2^48 bytes.
 * tessera_session_create refuses a model that describes more, or whose
 * descriptions are otherwise unusable (TESSERA_INVALID_ARGUMENT). */
#define TESSERA_MAX_TENSOR_BYTES ((uint64_t)1 << 48)

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* TESSERA_RUNTIME_H */
