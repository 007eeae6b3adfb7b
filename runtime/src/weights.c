/*===- weights.c - weights files mapped for models -------------------------===*
 *
 * A model compiled with --weights=file reads its weights through one
 * pointer (model->weights_base). The file is mapped read-only, privately,
 * once per process and model: every session of the model shares the
 * mapping, which the last session's release unmaps. Pages are read as the
 * kernels touch them.
 *
 *===----------------------------------------------------------------------===*/

/* dladdr. */
#define _GNU_SOURCE

#include "weights.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct mapping_t {
  const void **slot; /* model->weights_base: one per model */
  void *address;
  size_t length;
  int32_t sessions;
  struct mapping_t *next;
} mapping_t;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static mapping_t *mappings;

static uint64_t read_u64(const unsigned char *p) {
  uint64_t value = 0;
  int i;
  for (i = 7; i >= 0; --i)
    value = value << 8 | p[i];
  return value;
}

static uint32_t read_u32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

/* The default path: weights_file in the folder of the binary holding the
 * model (a library, or the executable it is linked into). */
static int default_path(const tessera_model_t *model, char *path,
                        size_t size) {
  Dl_info info;
  char binary[4096];
  const char *slash;
  size_t folder = 0;
  memset(&info, 0, sizeof(info));
  binary[0] = '\0';
  if (dladdr((const void *)model, &info) && info.dli_fname &&
      info.dli_fname[0]) {
    if (strlen(info.dli_fname) >= sizeof(binary))
      return 0;
    strcpy(binary, info.dli_fname);
  } else {
    ssize_t n = readlink("/proc/self/exe", binary, sizeof(binary) - 1);
    if (n <= 0)
      return 0;
    binary[n] = '\0';
  }
  slash = strrchr(binary, '/');
  if (slash)
    folder = (size_t)(slash - binary) + 1;
  return snprintf(path, size, "%.*s%s", (int)folder, binary,
                  model->weights_file) < (int)size;
}

static tessera_status_t map_file(const tessera_model_t *model,
                                 const char *path, mapping_t *mapping,
                                 char *error, size_t size) {
  struct stat st;
  const unsigned char *header;
  uint64_t needed = TESSERA_WEIGHTS_HEADER_BYTES + model->weights_size;
  void *address;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    snprintf(error, size, "cannot open the weights file %s of model '%s': %s",
             path, model->name, strerror(errno));
    return TESSERA_WEIGHTS_UNAVAILABLE;
  }
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    snprintf(error, size, "the weights file %s of model '%s' is not a file",
             path, model->name);
    close(fd);
    return TESSERA_WEIGHTS_UNAVAILABLE;
  }
  if ((uint64_t)st.st_size < needed || needed > (uint64_t)(size_t)-1) {
    snprintf(error, size,
             "the weights file %s of model '%s' holds %lld bytes, the model "
             "needs %llu",
             path, model->name, (long long)st.st_size,
             (unsigned long long)needed);
    close(fd);
    return TESSERA_WEIGHTS_UNAVAILABLE;
  }
  address = mmap(NULL, (size_t)needed, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (address == MAP_FAILED) {
    snprintf(error, size, "cannot map the weights file %s of model '%s': %s",
             path, model->name, strerror(errno));
    return TESSERA_WEIGHTS_UNAVAILABLE;
  }
  header = (const unsigned char *)address;
  if (memcmp(header, "TESSERAW", 8) != 0 ||
      read_u32(header + 8) != TESSERA_WEIGHTS_FORMAT ||
      read_u32(header + 12) != TESSERA_WEIGHTS_HEADER_BYTES ||
      read_u64(header + 16) != model->weights_id ||
      read_u64(header + 24) != model->weights_size) {
    snprintf(error, size,
             "%s is not the weights file of model '%s' (%s); use the file "
             "written with the model",
             path, model->name,
             memcmp(header, "TESSERAW", 8) != 0
                 ? "not a Tessera weights file"
                 : "its fingerprint differs: another compilation wrote it");
    munmap(address, (size_t)needed);
    return TESSERA_WEIGHTS_UNAVAILABLE;
  }
  mapping->address = address;
  mapping->length = (size_t)needed;
  return TESSERA_OK;
}

tessera_status_t tessera_weights_acquire(const tessera_model_t *model,
                                         const char *path, char *error,
                                         size_t size) {
  char found[4096];
  mapping_t *mapping;
  tessera_status_t status;
  pthread_mutex_lock(&lock);
  for (mapping = mappings; mapping; mapping = mapping->next)
    if (mapping->slot == model->weights_base) {
      ++mapping->sessions;
      pthread_mutex_unlock(&lock);
      return TESSERA_OK;
    }
  if (!path) {
    if (!default_path(model, found, sizeof(found))) {
      pthread_mutex_unlock(&lock);
      snprintf(error, size,
               "cannot tell where the weights file %s of model '%s' lies; "
               "set tessera_session_options_t.weights_path",
               model->weights_file, model->name);
      return TESSERA_WEIGHTS_UNAVAILABLE;
    }
    path = found;
  }
  mapping = (mapping_t *)calloc(1, sizeof(mapping_t));
  if (!mapping) {
    pthread_mutex_unlock(&lock);
    snprintf(error, size, "out of memory");
    return TESSERA_OUT_OF_MEMORY;
  }
  status = map_file(model, path, mapping, error, size);
  if (status != TESSERA_OK) {
    free(mapping);
    pthread_mutex_unlock(&lock);
    return status;
  }
  mapping->slot = model->weights_base;
  mapping->sessions = 1;
  mapping->next = mappings;
  mappings = mapping;
  *model->weights_base =
      (const unsigned char *)mapping->address + TESSERA_WEIGHTS_HEADER_BYTES;
  pthread_mutex_unlock(&lock);
  return TESSERA_OK;
}

void tessera_weights_release(const tessera_model_t *model) {
  mapping_t **link;
  pthread_mutex_lock(&lock);
  for (link = &mappings; *link; link = &(*link)->next) {
    mapping_t *mapping = *link;
    if (mapping->slot != model->weights_base)
      continue;
    if (--mapping->sessions == 0) {
      *link = mapping->next;
      *mapping->slot = NULL;
      munmap(mapping->address, mapping->length);
      free(mapping);
    }
    break;
  }
  pthread_mutex_unlock(&lock);
}
