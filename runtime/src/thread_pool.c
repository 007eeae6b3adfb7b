/*===- thread_pool.c - the runtime's worker threads -----------------------===*/

/* pthreads and sysconf under strict C99. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200112L
#endif

#include "thread_pool.h"

#include <pthread.h>
#include <string.h>
#include <unistd.h>

/* How long an idle worker polls for the next loop before it sleeps. */
#define TESSERA_SPIN_ROUNDS 200000

struct tessera_thread_pool_t {
  tessera_allocator_t allocator;
  int32_t num_threads; /* workers + the caller */
  pthread_t *workers;
  int32_t started;
  pthread_mutex_t mutex;
  pthread_cond_t wake;
  /* The current loop; written by the caller before `generation` moves. */
  void (*task)(void *args, int64_t begin, int64_t end);
  void *args;
  int64_t n;
  unsigned generation; /* bumped once per loop (atomic) */
  int32_t pending;     /* workers still running the loop (atomic) */
  int32_t stop;        /* set under the mutex at release */
};

typedef struct worker_start_t {
  tessera_thread_pool_t *pool;
  int32_t index;
} worker_start_t;

static void pause_cpu(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static void run_range(tessera_thread_pool_t *pool, int32_t index) {
  int64_t begin = pool->n * index / pool->num_threads;
  int64_t end = pool->n * (index + 1) / pool->num_threads;
  if (begin < end)
    pool->task(pool->args, begin, end);
}

static void *worker_main(void *arg) {
  tessera_thread_pool_t *pool = ((worker_start_t *)arg)->pool;
  int32_t index = ((worker_start_t *)arg)->index;
  unsigned seen = 0;
  for (;;) {
    unsigned now;
    int spins = 0;
    while ((now = __atomic_load_n(&pool->generation, __ATOMIC_ACQUIRE)) ==
               seen &&
           spins < TESSERA_SPIN_ROUNDS) {
      pause_cpu();
      ++spins;
    }
    if (now == seen) {
      pthread_mutex_lock(&pool->mutex);
      while ((now = __atomic_load_n(&pool->generation, __ATOMIC_ACQUIRE)) ==
                 seen &&
             !pool->stop)
        pthread_cond_wait(&pool->wake, &pool->mutex);
      pthread_mutex_unlock(&pool->mutex);
      if (now == seen)
        return NULL; /* stopped */
    }
    seen = now;
    run_range(pool, index);
    __atomic_fetch_sub(&pool->pending, 1, __ATOMIC_RELEASE);
  }
}

int32_t tessera_thread_pool_default_size(void) {
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  return cpus < 1 ? 1 : cpus > 256 ? 256 : (int32_t)cpus;
}

tessera_thread_pool_t *
tessera_thread_pool_create(int32_t num_threads, tessera_allocator_t allocator) {
  tessera_thread_pool_t *pool;
  worker_start_t *starts;
  int32_t i;
  if (num_threads < 1)
    num_threads = 1;
  pool = (tessera_thread_pool_t *)allocator.alloc(
      allocator.user_data, sizeof(tessera_thread_pool_t), 64);
  if (!pool)
    return NULL;
  memset(pool, 0, sizeof(*pool));
  pool->allocator = allocator;
  pool->num_threads = num_threads;
  if (num_threads == 1)
    return pool;
  pool->workers = (pthread_t *)allocator.alloc(
      allocator.user_data,
      sizeof(pthread_t) * (size_t)(num_threads - 1) +
          sizeof(worker_start_t) * (size_t)(num_threads - 1),
      16);
  if (!pool->workers) {
    allocator.free(allocator.user_data, pool);
    return NULL;
  }
  pthread_mutex_init(&pool->mutex, NULL);
  pthread_cond_init(&pool->wake, NULL);
  starts = (worker_start_t *)(pool->workers + (num_threads - 1));
  for (i = 0; i < num_threads - 1; ++i) {
    starts[i].pool = pool;
    starts[i].index = i + 1;
    if (pthread_create(&pool->workers[i], NULL, worker_main, &starts[i]) != 0)
      break;
    pool->started = i + 1;
  }
  if (pool->started != num_threads - 1) {
    tessera_thread_pool_release(pool);
    return NULL;
  }
  return pool;
}

void tessera_thread_pool_release(tessera_thread_pool_t *pool) {
  int32_t i;
  tessera_allocator_t allocator;
  if (!pool)
    return;
  allocator = pool->allocator;
  if (pool->workers) {
    pthread_mutex_lock(&pool->mutex);
    pool->stop = 1;
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->mutex);
    for (i = 0; i < pool->started; ++i)
      pthread_join(pool->workers[i], NULL);
    pthread_cond_destroy(&pool->wake);
    pthread_mutex_destroy(&pool->mutex);
    allocator.free(allocator.user_data, pool->workers);
  }
  allocator.free(allocator.user_data, pool);
}

void tessera_thread_pool_parallel_for(void *opaque,
                                      void (*task)(void *args, int64_t begin,
                                                   int64_t end),
                                      void *args, int64_t n) {
  tessera_thread_pool_t *pool = (tessera_thread_pool_t *)opaque;
  if (n <= 0)
    return;
  if (!pool || pool->num_threads == 1 || n == 1) {
    task(args, 0, n);
    return;
  }
  pool->task = task;
  pool->args = args;
  pool->n = n;
  __atomic_store_n(&pool->pending, pool->num_threads - 1, __ATOMIC_RELAXED);
  pthread_mutex_lock(&pool->mutex);
  __atomic_fetch_add(&pool->generation, 1, __ATOMIC_RELEASE);
  pthread_cond_broadcast(&pool->wake);
  pthread_mutex_unlock(&pool->mutex);
  run_range(pool, 0);
  while (__atomic_load_n(&pool->pending, __ATOMIC_ACQUIRE) > 0)
    pause_cpu();
}
