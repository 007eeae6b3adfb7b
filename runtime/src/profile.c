/*===- profile.c - kernel times of a profiled model -----------------------===*/

/* clock_gettime under strict C99. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200112L
#endif

#include "profile.h"

#include <string.h>
#include <time.h>

typedef struct event_t {
  int32_t kernel; /* -1 for a whole run */
  uint64_t begin_ns, end_ns;
} event_t;

struct tessera_profile_t {
  const tessera_model_t *model;
  tessera_profiler_t profiler;
  tessera_kernel_profile_t *kernels;
  uint64_t *started_ns; /* per kernel: when its current call began */
  event_t *events;      /* a ring of `capacity` events */
  size_t capacity;
  uint64_t recorded; /* events recorded since the reset (may exceed capacity) */
  uint64_t origin_ns;
  uint64_t run_started_ns;
};

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void record(tessera_profile_t *profile, int32_t kernel,
                   uint64_t begin_ns, uint64_t end_ns) {
  event_t *event = &profile->events[profile->recorded % profile->capacity];
  event->kernel = kernel;
  event->begin_ns = begin_ns;
  event->end_ns = end_ns;
  ++profile->recorded;
}

static void kernel_begin(void *user_data, int32_t kernel) {
  tessera_profile_t *profile = (tessera_profile_t *)user_data;
  if (kernel >= 0 && kernel < profile->model->num_kernels)
    profile->started_ns[kernel] = now_ns();
}

static void kernel_end(void *user_data, int32_t kernel) {
  tessera_profile_t *profile = (tessera_profile_t *)user_data;
  uint64_t end = now_ns(), begin;
  tessera_kernel_profile_t *stats;
  double seconds;
  if (kernel < 0 || kernel >= profile->model->num_kernels)
    return;
  begin = profile->started_ns[kernel];
  if (end < begin)
    end = begin;
  seconds = (double)(end - begin) * 1e-9;
  stats = &profile->kernels[kernel];
  if (stats->calls == 0 || seconds < stats->min_seconds)
    stats->min_seconds = seconds;
  if (seconds > stats->max_seconds)
    stats->max_seconds = seconds;
  stats->total_seconds += seconds;
  ++stats->calls;
  record(profile, kernel, begin, end);
}

tessera_profile_t *tessera_profile_create(const tessera_model_t *model,
                                          tessera_allocator_t allocator) {
  size_t kernels = (size_t)model->num_kernels;
  tessera_profile_t *profile = (tessera_profile_t *)allocator.alloc(
      allocator.user_data, sizeof(tessera_profile_t), 16);
  if (!profile)
    return NULL;
  memset(profile, 0, sizeof(*profile));
  profile->model = model;
  profile->capacity = TESSERA_PROFILE_TRACE_EVENTS;
  profile->kernels = (tessera_kernel_profile_t *)allocator.alloc(
      allocator.user_data, kernels * sizeof(tessera_kernel_profile_t), 16);
  profile->started_ns = (uint64_t *)allocator.alloc(
      allocator.user_data, kernels * sizeof(uint64_t), 16);
  profile->events = (event_t *)allocator.alloc(
      allocator.user_data, profile->capacity * sizeof(event_t), 16);
  if (!profile->kernels || !profile->started_ns || !profile->events) {
    tessera_profile_release(profile, allocator);
    return NULL;
  }
  memset(profile->started_ns, 0, kernels * sizeof(uint64_t));
  profile->profiler.begin = kernel_begin;
  profile->profiler.end = kernel_end;
  profile->profiler.user_data = profile;
  tessera_profile_reset(profile);
  return profile;
}

void tessera_profile_release(tessera_profile_t *profile,
                             tessera_allocator_t allocator) {
  if (!profile)
    return;
  if (profile->kernels)
    allocator.free(allocator.user_data, profile->kernels);
  if (profile->started_ns)
    allocator.free(allocator.user_data, profile->started_ns);
  if (profile->events)
    allocator.free(allocator.user_data, profile->events);
  allocator.free(allocator.user_data, profile);
}

tessera_profiler_t *tessera_profile_profiler(tessera_profile_t *profile) {
  return &profile->profiler;
}

void tessera_profile_run_begin(tessera_profile_t *profile) {
  profile->run_started_ns = now_ns();
}

void tessera_profile_run_end(tessera_profile_t *profile) {
  record(profile, -1, profile->run_started_ns, now_ns());
}

const tessera_kernel_profile_t *
tessera_profile_kernels(const tessera_profile_t *profile) {
  return profile->kernels;
}

void tessera_profile_reset(tessera_profile_t *profile) {
  memset(profile->kernels, 0,
         (size_t)profile->model->num_kernels * sizeof(tessera_kernel_profile_t));
  profile->recorded = 0;
  profile->origin_ns = now_ns();
}

/* `text` as the body of a JSON string (names come from the model). */
static void write_string(FILE *file, const char *text) {
  const unsigned char *p = (const unsigned char *)(text ? text : "");
  for (; *p; ++p) {
    if (*p == '"' || *p == '\\')
      fprintf(file, "\\%c", *p);
    else if (*p < 0x20 || *p == 0x7f)
      fprintf(file, "\\u%04x", *p);
    else
      fputc(*p, file);
  }
}

/* Microseconds since the origin, as the trace format counts them. */
static double micros(const tessera_profile_t *profile, uint64_t ns) {
  return ns < profile->origin_ns ? 0.0
                                 : (double)(ns - profile->origin_ns) * 1e-3;
}

int tessera_profile_write_trace(const tessera_profile_t *profile, FILE *file) {
  const tessera_model_t *model = profile->model;
  uint64_t kept = profile->recorded < profile->capacity ? profile->recorded
                                                        : profile->capacity;
  uint64_t first = profile->recorded - kept, i;
  fprintf(file, "{\"displayTimeUnit\": \"ms\", \"traceEvents\": [\n");
  fprintf(file, "{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": 1, "
                "\"args\": {\"name\": \"");
  write_string(file, model->name);
  fprintf(file, "\"}}");
  for (i = first; i < profile->recorded; ++i) {
    const event_t *event = &profile->events[i % profile->capacity];
    double begin = micros(profile, event->begin_ns);
    double duration = micros(profile, event->end_ns) - begin;
    fprintf(file, ",\n{\"ph\": \"X\", \"pid\": 1, \"tid\": 1, \"ts\": %.3f, "
                  "\"dur\": %.3f, ",
            begin, duration);
    if (event->kernel < 0) {
      fprintf(file, "\"name\": \"run\", \"cat\": \"run\"}");
      continue;
    }
    {
      const tessera_kernel_desc_t *desc = &model->kernels[event->kernel];
      fprintf(file, "\"name\": \"");
      write_string(file, desc->name);
      fprintf(file, "\", \"cat\": \"");
      write_string(file, desc->kind);
      fprintf(file,
              "\", \"args\": {\"kernel\": %d, \"flops\": %llu, "
              "\"bytes\": %llu}}",
              (int)event->kernel, (unsigned long long)desc->flops,
              (unsigned long long)desc->bytes);
    }
  }
  fprintf(file, "\n]}\n");
  return ferror(file) ? -1 : 0;
}
