/*
 * POSIX shared memory for handing frames to workers on the same machine.
 *
 * A local worker creates a region (shm_open + posix_fallocate + mmap) and names it in its
 * hello; the pipeline maps the same region, removes the name, and copies each task's compressed
 * bytes into it, so the megabyte a frame weighs never passes through a socket, and the worker
 * receives no fresh buffer per frame (whose garbage collection cost more than the copy itself).
 *
 * Both ends see the region as an ArrayBuffer over the mapping. shmClose detaches that
 * ArrayBuffer (every view of it then has length 0) and unmaps at once, so a dropped region
 * gives its memory back without waiting for the garbage collector; otherwise the mapping goes
 * when the ArrayBuffer is collected.
 *
 * Every page is reserved before anyone writes (by the creator, and again by the opener, which
 * cannot trust the creator): a write into an unreserved page of a full /dev/shm would kill the
 * writer with SIGBUS, which no one could catch. A full /dev/shm fails at create or open instead.
 *
 * The pipeline opens a region only by a name of our own form, owned by its own user, as a
 * regular file of exactly the announced size: a worker's hello cannot make it map something else.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "module.h"
#include "napi_args.h"

#define NAME_PREFIX  "/stream-pipeline-"
#define NAME_MAX_LEN 96
/* A region larger than this is refused (the worker asks for slots x slot size). */
#define REGION_MAX_BYTES ((size_t)1 << 32)

/* One mapping; addr is NULL once shmClose has unmapped it (the finalizer still frees the
 * record). Live records are kept in a list so shmClose can find a mapping by its address. */
typedef struct mapping {
  void *addr;
  size_t bytes;
  /* shmClose is detaching the ArrayBuffer: a finalizer run meanwhile leaves the record to it. */
  bool closing;
  bool finalized;
  struct mapping *next;
} mapping;

static mapping *mappings = NULL;

static void forget_mapping(mapping *m) {
  for (mapping **p = &mappings; *p; p = &(*p)->next) {
    if (*p == m) {
      *p = m->next;
      return;
    }
  }
}

static void unmap_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)data;
  mapping *m = hint;
  if (m->closing) {
    m->finalized = true;
    return;
  }
  if (m->addr) munmap(m->addr, m->bytes);
  forget_mapping(m);
  free(m);
}

/* Reserves every page of the region (see the top of this file). */
static int reserve(napi_env env, int fd, size_t bytes, const char *name) {
  int err = posix_fallocate(fd, 0, (off_t)bytes);
  if (err == 0) return 0;
  /* Said plainly: ENOSPC here is the tmpfs behind shm_open (normally /dev/shm) with too little
   * room left for this region, which is what an operator needs to know and fix. */
  const char *why = err == ENOSPC ? "/dev/shm is full (" : "";
  sp_throw(env, "ERR_SHM", "cannot reserve %zu bytes of shared memory for %s: %s%s%s", bytes, name, why, strerror(err),
           err == ENOSPC ? ")" : "");
  return -1;
}

/* The name as a C string; only "/stream-pipeline-" followed by [0-9a-z-] is accepted. */
static int read_name(napi_env env, napi_value v, char *name) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, name, NAME_MAX_LEN + 1, &len) != napi_ok) {
    sp_throw(env, "ERR_INVALID_ARG", "shared memory name must be a string");
    return -1;
  }
  size_t prefix = strlen(NAME_PREFIX);
  int ok = len > prefix && len < NAME_MAX_LEN && strncmp(name, NAME_PREFIX, prefix) == 0;
  for (size_t i = prefix; ok && i < len; i++) {
    char c = name[i];
    ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-';
  }
  if (!ok) {
    sp_throw(env, "ERR_INVALID_ARG", "shared memory name must be %s followed by [0-9a-z-]", NAME_PREFIX);
    return -1;
  }
  return 0;
}

static int read_size(napi_env env, napi_value v, size_t *bytes) {
  int64_t n = 0;
  if (sp_arg_int64(env, v, "bytes", &n) != 0) return -1;
  if (n <= 0 || (uint64_t)n > REGION_MAX_BYTES) {
    sp_throw(env, "ERR_INVALID_ARG", "shared memory size %lld is not in 1..%zu", (long long)n, REGION_MAX_BYTES);
    return -1;
  }
  *bytes = (size_t)n;
  return 0;
}

/* The (name, bytes) arguments of shmCreate and shmOpen. */
static int read_region_args(napi_env env, napi_callback_info info, char *name, size_t *bytes) {
  napi_value argv[2];
  size_t argc;
  if (sp_get_args(env, info, 2, 2, argv, &argc) != 0 || read_name(env, argv[0], name) != 0) return -1;
  return read_size(env, argv[1], bytes);
}

/* Maps fd and wraps the mapping in an ArrayBuffer; closes fd in every case. */
static napi_value map_fd(napi_env env, int fd, size_t bytes, const char *name) {
  void *addr = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  int err = errno;
  close(fd);
  if (addr == MAP_FAILED) return sp_throw(env, "ERR_SHM", "cannot map shared memory %s: %s", name, strerror(err));
  mapping *m = malloc(sizeof *m);
  if (!m) {
    munmap(addr, bytes);
    return sp_throw(env, "ERR_NO_MEMORY", "out of memory");
  }
  m->addr = addr;
  m->bytes = bytes;
  m->closing = false;
  m->finalized = false;
  napi_value ab;
  if (napi_create_external_arraybuffer(env, addr, bytes, unmap_finalize, m, &ab) != napi_ok) {
    munmap(addr, bytes);
    free(m);
    return sp_throw(env, "ERR_SHM", "cannot wrap shared memory %s in an ArrayBuffer", name);
  }
  m->next = mappings;
  mappings = m;
  return ab;
}

/* shmCreate(name, bytes) -> ArrayBuffer: a new region, readable and writable by this user only. */
static napi_value sp_shm_create(napi_env env, napi_callback_info info) {
  char name[NAME_MAX_LEN + 1];
  size_t bytes;
  if (read_region_args(env, info, name, &bytes) != 0) return NULL;
  int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return sp_throw(env, "ERR_SHM", "cannot create shared memory %s: %s", name, strerror(errno));
  if (reserve(env, fd, bytes, name) != 0) {
    close(fd);
    shm_unlink(name);
    return NULL;
  }
  napi_value ab = map_fd(env, fd, bytes, name);
  if (!ab) shm_unlink(name); /* nobody could use the name: leave nothing reserved behind */
  return ab;
}
SP_EXPORT("shmCreate", sp_shm_create)

/* shmOpen(name, bytes) -> ArrayBuffer: an existing region of exactly `bytes`, owned by this user. */
static napi_value sp_shm_open(napi_env env, napi_callback_info info) {
  char name[NAME_MAX_LEN + 1];
  size_t bytes;
  if (read_region_args(env, info, name, &bytes) != 0) return NULL;
  int fd = shm_open(name, O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0);
  if (fd < 0) return sp_throw(env, "ERR_SHM", "cannot open shared memory %s: %s", name, strerror(errno));
  struct stat st;
  const char *wrong = NULL;
  if (fstat(fd, &st) != 0)
    wrong = "cannot be examined";
  else if (!S_ISREG(st.st_mode))
    wrong = "is not a regular file";
  else if (st.st_uid != geteuid())
    wrong = "belongs to another user";
  /* A second name would be another file mapped and written under the region's name. */
  else if (st.st_nlink != 1)
    wrong = "has other names (hard links)";
  else if ((uint64_t)st.st_size != (uint64_t)bytes)
    wrong = "is not of the announced size";
  if (wrong) {
    close(fd);
    return sp_throw(env, "ERR_SHM", "shared memory %s %s", name, wrong);
  }
  if (reserve(env, fd, bytes, name) != 0) {
    close(fd);
    return NULL;
  }
  return map_fd(env, fd, bytes, name);
}
SP_EXPORT("shmOpen", sp_shm_open)

/* shmUnlink(name) -> boolean: removes the name (mappings stay valid); false if it was gone. */
static napi_value sp_shm_unlink(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t argc;
  char name[NAME_MAX_LEN + 1];
  if (sp_get_args(env, info, 1, 1, argv, &argc) != 0 || read_name(env, argv[0], name) != 0) return NULL;
  napi_value result;
  napi_get_boolean(env, shm_unlink(name) == 0, &result);
  return result;
}
SP_EXPORT("shmUnlink", sp_shm_unlink)

/* shmClose(arrayBuffer) -> boolean: unmaps a region now and detaches its ArrayBuffer, so views
 * of it read as empty instead of reaching freed memory; false if it was not (or no longer) mapped. */
static napi_value sp_shm_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t argc;
  if (sp_get_args(env, info, 1, 1, argv, &argc) != 0) return NULL;
  bool is_ab = false;
  void *data = NULL;
  size_t len = 0;
  if (napi_is_arraybuffer(env, argv[0], &is_ab) != napi_ok || !is_ab)
    return sp_throw(env, "ERR_INVALID_ARG", "shmClose takes an ArrayBuffer");
  napi_get_arraybuffer_info(env, argv[0], &data, &len);
  mapping *m = mappings;
  while (m && !(m->addr == data && data != NULL)) m = m->next;
  napi_value result;
  if (!m) {
    napi_get_boolean(env, false, &result);
    return result;
  }
  /* Detach before unmapping, so no view can reach the memory once it is gone; the finalizer may
   * run inside the detach, so the record is marked and freed here in that case. */
  m->closing = true;
  napi_status st = napi_detach_arraybuffer(env, argv[0]);
  m->closing = false;
  if (st != napi_ok) {
    if (m->finalized) return sp_throw(env, "ERR_SHM", "shared memory finalized while being closed"); /* cannot happen */
    return sp_throw(env, "ERR_SHM", "shared memory ArrayBuffer cannot be detached");
  }
  munmap(m->addr, m->bytes);
  m->addr = NULL;
  if (m->finalized) {
    forget_mapping(m);
    free(m);
  }
  napi_get_boolean(env, true, &result);
  return result;
}
SP_EXPORT("shmClose", sp_shm_close)
