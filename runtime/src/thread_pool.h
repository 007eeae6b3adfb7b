/*===- thread_pool.h - the runtime's worker threads -----------------------===*
 *
 * A fixed set of worker threads made once per session. A parallel loop
 * splits [0, n) into one contiguous range per thread; the calling thread
 * runs the first range and waits for the others. Workers spin briefly
 * between loops (the loops of one model run follow each other closely),
 * then sleep on a condition variable. No thread is created per call.
 *
 *===----------------------------------------------------------------------===*/

#ifndef TESSERA_RUNTIME_THREAD_POOL_H
#define TESSERA_RUNTIME_THREAD_POOL_H

#include "tessera/runtime.h"

typedef struct tessera_thread_pool_t tessera_thread_pool_t;

/* A pool of `num_threads` threads in all (the caller counts as one; 1 makes
 * no worker). Returns NULL when memory or threads are not available. */
tessera_thread_pool_t *
tessera_thread_pool_create(int32_t num_threads, tessera_allocator_t allocator);
void tessera_thread_pool_release(tessera_thread_pool_t *pool);

/* Runs task(args, begin, end) over [0, n) split across the pool. `pool` is
 * a tessera_thread_pool_t; the signature is tessera_parallel_t's. */
void tessera_thread_pool_parallel_for(void *pool,
                                      void (*task)(void *args, int64_t begin,
                                                   int64_t end),
                                      void *args, int64_t n);

/* Number of CPUs online (at least 1). */
int32_t tessera_thread_pool_default_size(void);

#endif /* TESSERA_RUNTIME_THREAD_POOL_H */
