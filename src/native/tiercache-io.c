// tiercache's batched file I/O (N-API, C, no dependencies beyond libc).
//
// Why: on a small-file epoch the daemon's cost is not the bytes but the hops.
// fs.promises spends one libuv threadpool round trip per system call, and
// every round trip wakes a pool thread and then the event loop again; a
// guarded backend read (open, readlink of /proc/self/fd/N, fstat, pread,
// fstat, close) was six of them, a stat four and an SSD block write four.
// Here each of those sequences is one job on the same threadpool: one wakeup
// there, one back. What the sequences check (inside the root, regular file,
// version unchanged) stays in TypeScript; this file only reports what it saw.
//
//   stat(path, root?)              open(O_PATH), readlink, fstat, close.
//                                  O_PATH opens nothing on the filesystem: a
//                                  FUSE mount sees no OPEN/FLUSH/RELEASE, a
//                                  FIFO or device is never opened for real.
//   read(path, offset, buf, guard, crc)
//                                  open(O_RDONLY|O_NONBLOCK), [readlink],
//                                  fstat, pread until buf is full or EOF (only
//                                  of a regular file), fstat, close; [CRC-32C
//                                  of the bytes read].
//   readSized(path, offset, max, guard)
//                                  read() into a buffer this job allocates
//                                  after its fstat, of the file's size (at
//                                  most max): for a file read before its size
//                                  is known, so the pages are first touched on
//                                  the pool thread and nothing is copied.
//   writeBlock(path, buf)          CRC-32C of buf, open(O_CREAT|O_EXCL), write
//                                  all, close; the file removed on failure.
//   crc32c(buf, portable)          synchronous, for tests and small buffers.
//   newSsdWriter(priority)         the SSD tier's own low-priority writer
//                                  thread (ssd-writer.c), off this pool.
//
// Where the file must lie inside a root (`guard` a root directory, stat's
// `root`), the open is first openat2 beneath that root (open_beneath): when
// it succeeds the descriptor is inside by construction and the readlink of
// /proc/self/fd/N (a procfs walk and a d_path per file) is skipped; when
// openat2 refuses (an absolute symlink, one that climbs out and back, a
// rename racing the walk, no openat2 at all) the job opens by path and
// reports where the descriptor points, as before, and the caller checks it.
//
// The SSD tier's checksum is computed here, on the pool thread, with the
// SSE4.2 crc32 instruction where the CPU has it (crc32c.c): zlib's crc32
// on the event loop was about 40 us per 100 KB block.
//
// Each returns a promise. A failure rejects with an Error shaped like Node's
// own fs errors (code "ENOENT", errno -2, syscall, path) so callers map it the
// same way. Buffers passed in are referenced until the job completes.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "block-file.h"
#include "crc32c.h"
#include "ssd-writer.h"

#define JOB_STAT 1
#define JOB_READ 2
#define JOB_WRITE 3
#define JOB_READ_SIZED 4

typedef struct job {
  int kind;
  napi_async_work work;
  napi_deferred deferred;
  char *path;
  char *root;         // stat / read / readSized: the directory path must lie inside, or NULL
  napi_ref buf_ref;   // read / writeBlock: the caller's buffer
  char *data;
  size_t len;
  int64_t offset;
  int want_real;
  int want_crc;
  int inside;         // opened beneath root by openat2: no readlink was needed
  // Results, written on the pool thread, read on the JS thread.
  int err;
  const char *syscall;
  const char *err_path;  // the path the failure concerns
  char real[PATH_MAX];
  struct stat before;
  struct stat after;
  size_t done;
  uint32_t crc;
} job_t;

#define CHECK(call)                                   \
  do {                                                \
    if ((call) != napi_ok) {                          \
      napi_throw_error(env, NULL, "N-API call failed: " #call); \
      return NULL;                                    \
    }                                                 \
  } while (0)

static void fail(job_t *j, const char *syscall, const char *path) {
  j->err = errno;
  j->syscall = syscall;
  j->err_path = path;
}

static int read_real(job_t *j, int fd) {
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, j->real, sizeof j->real - 1);
  if (n < 0) {
    fail(j, "readlink", j->path);
    return -1;
  }
  j->real[n] = '\0';
  return 0;
}

/** Set once openat2 itself is missing (ENOSYS: kernel before 5.6) or filtered (EPERM: a seccomp profile). */
static int no_openat2;

#define BENEATH_REFUSED (-2)

/**
 * openat2 of j->path beneath j->root (a directory the caller resolved with
 * realpath): the root opened O_PATH with no symlink anywhere in its name, so
 * the descriptor is the directory the root names; then the rest of the path
 * resolved from it with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS, which never
 * leaves that directory (a ".." above it, an absolute symlink or a procfs
 * link refuse). A descriptor from here lies inside the root; the readlink
 * check would say so too. Returns the descriptor; -1 with errno for an
 * answer open() gives for the same name (ENOENT, ENOTDIR, EACCES...);
 * BENEATH_REFUSED where openat2 refused or could not judge, and the caller
 * takes the open + readlink path, which decides exactly as before.
 */
static int open_beneath(const job_t *j, int flags) {
  if (__atomic_load_n(&no_openat2, __ATOMIC_RELAXED)) return BENEATH_REFUSED;
  size_t n = strlen(j->root);
  const char *rel;
  if (n == 0 || strncmp(j->path, j->root, n) != 0) return BENEATH_REFUSED;
  if (j->path[n] == '\0') rel = ".";
  else if (j->path[n] == '/') rel = j->path + n + 1;
  else if (j->root[n - 1] == '/') rel = j->path + n;
  else return BENEATH_REFUSED;
  struct open_how at_root = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC, .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
  int dir = (int)syscall(SYS_openat2, AT_FDCWD, j->root, &at_root, sizeof at_root);
  if (dir < 0) {
    if (errno == ENOSYS || errno == EPERM) __atomic_store_n(&no_openat2, 1, __ATOMIC_RELAXED);
    return BENEATH_REFUSED;
  }
  struct open_how beneath = {.flags = (uint64_t)flags, .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
  int fd = (int)syscall(SYS_openat2, dir, rel, &beneath, sizeof beneath);
  int err = errno;
  close(dir);
  if (fd >= 0) return fd;
  // EXDEV: the walk would leave the root; ELOOP: a procfs link (or too many
  // symlinks, which the fallback reports itself); EAGAIN: a rename or mount
  // raced a ".."; EINVAL/E2BIG/ENOSYS/EPERM: this kernel cannot do it.
  if (err == EXDEV || err == ELOOP || err == EAGAIN || err == EINVAL || err == E2BIG || err == ENOSYS || err == EPERM) return BENEATH_REFUSED;
  errno = err;
  return -1;
}

/**
 * The job's descriptor of j->path: beneath j->root when one is given (and
 * j->inside set), else by name, with j->real where it points when asked
 * for; -1 after fail() when it cannot be opened or placed.
 */
static int open_guarded(job_t *j, int flags) {
  if (j->root != NULL) {
    int fd = open_beneath(j, flags);
    if (fd >= 0) {
      j->inside = 1;
      return fd;
    }
    if (fd == -1) {
      fail(j, "open", j->path);
      return -1;
    }
  }
  int fd = open(j->path, flags);
  if (fd < 0) {
    fail(j, "open", j->path);
    return -1;
  }
  if (j->want_real && read_real(j, fd) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

static void run_stat(job_t *j) {
  int fd = open_guarded(j, O_PATH | O_CLOEXEC);
  if (fd < 0) return;
  if (fstat(fd, &j->before) != 0) fail(j, "fstat", j->path);
  close(fd);
}

/**
 * read and readSized: open, fstat, pread up to the size fstat gave, fstat
 * again. readSized (`allocate`) reads into a buffer of that size it allocates;
 * read into the caller's.
 */
static void run_read(job_t *j, int allocate) {
  int fd = open_guarded(j, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return;
  if (fstat(fd, &j->before) != 0) {
    fail(j, "fstat", j->path);
    goto out;
  }
  j->after = j->before;
  if (!S_ISREG(j->before.st_mode)) goto out;
  // Not past the size fstat gave: bytes there belong to another version (the
  // fstat after fails the read), and on a FUSE mount the pread that finds end
  // of file is one more request to its server.
  int64_t left = (int64_t)j->before.st_size - j->offset;
  size_t len = left <= 0 ? 0 : ((uint64_t)left < j->len ? (size_t)left : j->len);
  if (allocate) {
    j->len = len;
    if (len > 0 && (j->data = malloc(len)) == NULL) {
      errno = ENOMEM;
      fail(j, "read", j->path);
      goto out;
    }
  }
  while (j->done < len) {
    ssize_t r = pread(fd, j->data + j->done, len - j->done, (off_t)(j->offset + (int64_t)j->done));
    if (r < 0) {
      if (errno == EINTR) continue;
      fail(j, "read", j->path);
      goto out;
    }
    if (r == 0) break;
    j->done += (size_t)r;
  }
  // A full fstat, not a statx of the version's fields only: this is what
  // ties the bytes to the version, so it has to ask the filesystem after the
  // read. On FUSE (fs/fuse, kernel 6.18) a read marks only the inode's atime
  // stale (fuse_invalidate_atime), so an fstat, which wants atime, sends a
  // GETATTR; a statx without STATX_ATIME is answered from the attribute
  // cache (1 s on MooseFS) and so only repeats the fstat before: a rewrite
  // by another node between the open and the read would go unseen (reading
  // size + 1 bytes catches a size change, not a rewrite in place, nor one
  // between two blocks of a file read block by block). On a read-only FUSE
  // mount there is no atime to invalidate and this fstat is answered from
  // the cache too (measured on mfsmount -o ro: no GETATTR).
  if (fstat(fd, &j->after) != 0) fail(j, "fstat", j->path);
  if (j->want_crc) j->crc = tc_crc32c(j->data, j->done, 0);
out:
  close(fd);
}

static void run_write(job_t *j) {
  j->err = tc_write_block_file(j->path, j->data, j->len, &j->crc, &j->syscall);
  j->err_path = j->path;
}

static void execute(napi_env env, void *data) {
  (void)env;
  job_t *j = data;
  if (j->kind == JOB_STAT) run_stat(j);
  else if (j->kind == JOB_READ) run_read(j, 0);
  else if (j->kind == JOB_READ_SIZED) run_read(j, 1);
  else run_write(j);
}

static double ms_of(struct timespec t) {
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

// The names of a result's properties, made once per environment (the main
// thread and each worker that loads the addon) and kept in an array it
// references (N-API 8 references objects, not strings):
// napi_set_named_property makes a string of the name and looks it up in
// V8's string table on every call, some 18 times per read job.
#define KEYS(X) X(MODE, "mode") X(SIZE, "size") X(MTIME, "mtimeMs") X(CTIME, "ctimeMs") X(INO, "ino") X(DEV, "dev") \
  X(STAT, "stat") X(AFTER, "after") X(BYTES_READ, "bytesRead") X(REAL, "real") X(INSIDE, "inside") X(DATA, "data") X(CRC, "crc32c")
#define KEY_ENUM(id, name) K_##id,
#define KEY_NAME(id, name) name,
enum { KEYS(KEY_ENUM) K_COUNT };
static const char *const key_names[K_COUNT] = {KEYS(KEY_NAME)};

typedef struct keys {
  napi_ref names;     // an array of key_names' strings
  napi_value array;   // while a result is built: the array itself
} keys_t;

static void free_keys(napi_env env, void *data, void *hint) {
  (void)hint;
  keys_t *k = data;
  if (k->names != NULL) napi_delete_reference(env, k->names);
  free(k);
}

static napi_status make_keys(napi_env env) {
  keys_t *k = calloc(1, sizeof *k);
  if (k == NULL) return napi_generic_failure;
  napi_value names, v;
  napi_status s = napi_create_array_with_length(env, K_COUNT, &names);
  for (int i = 0; i < K_COUNT && s == napi_ok; i++) {
    s = napi_create_string_utf8(env, key_names[i], NAPI_AUTO_LENGTH, &v);
    if (s == napi_ok) s = napi_set_element(env, names, (uint32_t)i, v);
  }
  if (s == napi_ok) s = napi_create_reference(env, names, 1, &k->names);
  if (s == napi_ok) s = napi_set_instance_data(env, k, free_keys, NULL);
  if (s != napi_ok) free_keys(env, k, NULL);
  return s;
}

/** obj[key] = v, by a name made once (see KEYS); k->array is the names' array. */
static napi_status set_key(napi_env env, const keys_t *k, napi_value obj, int key, napi_value v) {
  napi_value name;
  napi_status s = napi_get_element(env, k->array, (uint32_t)key, &name);
  return s == napi_ok ? napi_set_property(env, obj, name, v) : s;
}

static napi_status set_key_num(napi_env env, const keys_t *k, napi_value obj, int key, double v) {
  napi_value n;
  napi_status s = napi_create_double(env, v, &n);
  return s == napi_ok ? set_key(env, k, obj, key, n) : s;
}

/** { mode, size, mtimeMs, ctimeMs, ino, dev } of a stat, as Node's numbers (not bigints). */
static napi_status stat_object(napi_env env, const keys_t *k, const struct stat *st, napi_value *out) {
  napi_status s = napi_create_object(env, out);
  if (s == napi_ok) s = set_key_num(env, k, *out, K_MODE, (double)st->st_mode);
  if (s == napi_ok) s = set_key_num(env, k, *out, K_SIZE, (double)st->st_size);
  if (s == napi_ok) s = set_key_num(env, k, *out, K_MTIME, ms_of(st->st_mtim));
  if (s == napi_ok) s = set_key_num(env, k, *out, K_CTIME, ms_of(st->st_ctim));
  if (s == napi_ok) s = set_key_num(env, k, *out, K_INO, (double)st->st_ino);
  if (s == napi_ok) s = set_key_num(env, k, *out, K_DEV, (double)st->st_dev);
  return s;
}

/** Whether two stats agree in everything stat_object reports. */
static int same_stat(const struct stat *a, const struct stat *b) {
  return a->st_mode == b->st_mode && a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
         a->st_mtim.tv_nsec == b->st_mtim.tv_nsec && a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
         a->st_ctim.tv_nsec == b->st_ctim.tv_nsec && a->st_ino == b->st_ino && a->st_dev == b->st_dev;
}

static void free_data(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data);
}

static napi_status result_object(napi_env env, job_t *j, napi_value *out) {
  if (j->kind == JOB_WRITE) return napi_create_uint32(env, j->crc, out);
  keys_t *k = NULL;   // this environment's, used by this thread only
  napi_value v, before;
  napi_status s = napi_get_instance_data(env, (void **)&k);
  if (s == napi_ok && k == NULL) s = napi_generic_failure;
  if (s == napi_ok) s = napi_get_reference_value(env, k->names, &k->array);
  if (s == napi_ok) s = napi_create_object(env, out);
  if (s == napi_ok && j->inside) {
    s = napi_get_boolean(env, true, &v);
    if (s == napi_ok) s = set_key(env, k, *out, K_INSIDE, v);
  } else if (s == napi_ok && j->want_real) {
    s = napi_create_string_utf8(env, j->real, NAPI_AUTO_LENGTH, &v);
    if (s == napi_ok) s = set_key(env, k, *out, K_REAL, v);
  }
  if (s == napi_ok) s = stat_object(env, k, &j->before, &before);
  if (s == napi_ok) s = set_key(env, k, *out, K_STAT, before);
  if (j->kind == JOB_READ_SIZED && s == napi_ok) {
    // The bytes move into a Buffer that frees them when collected; a short read keeps its whole allocation.
    if (j->data == NULL) {
      s = napi_create_buffer(env, 0, NULL, &v);
    } else {
      s = napi_create_external_buffer(env, j->done, j->data, free_data, NULL, &v);
      if (s == napi_ok) j->data = NULL;
    }
    if (s == napi_ok) s = set_key(env, k, *out, K_DATA, v);
  }
  if (j->kind == JOB_READ || j->kind == JOB_READ_SIZED) {
    if (s == napi_ok) s = set_key_num(env, k, *out, K_BYTES_READ, (double)j->done);
    // Unchanged (every read that is served): `after` is the very object `stat` is.
    if (s == napi_ok && same_stat(&j->before, &j->after)) s = set_key(env, k, *out, K_AFTER, before);
    else if (s == napi_ok && (s = stat_object(env, k, &j->after, &v)) == napi_ok) s = set_key(env, k, *out, K_AFTER, v);
    if (s == napi_ok && j->want_crc) {
      s = napi_create_uint32(env, j->crc, &v);
      if (s == napi_ok) s = set_key(env, k, *out, K_CRC, v);
    }
  }
  return s;
}

static void free_job(napi_env env, job_t *j) {
  if (j->buf_ref != NULL) napi_delete_reference(env, j->buf_ref);
  // readSized's own allocation, unless a Buffer took it over.
  if (j->kind == JOB_READ_SIZED) free(j->data);
  if (j->work != NULL) napi_delete_async_work(env, j->work);
  free(j->path);
  free(j->root);
  free(j);
}

static void complete(napi_env env, napi_status status, void *data) {
  job_t *j = data;
  napi_value v;
  if (status != napi_ok) {
    napi_value code, text;
    napi_create_string_utf8(env, "EIO", NAPI_AUTO_LENGTH, &code);
    napi_create_string_utf8(env, "tiercache native I/O job did not run", NAPI_AUTO_LENGTH, &text);
    napi_create_error(env, code, text, &v);
    napi_reject_deferred(env, j->deferred, v);
  } else if (j->err != 0) {
    if (tc_errno_error(env, j->err, j->syscall, j->err_path, &v) == napi_ok) napi_reject_deferred(env, j->deferred, v);
  } else if (result_object(env, j, &v) == napi_ok) {
    napi_resolve_deferred(env, j->deferred, v);
  } else {
    napi_get_and_clear_last_exception(env, &v);
    napi_reject_deferred(env, j->deferred, v);
  }
  free_job(env, j);
}

/** A string argument as a malloc'd C string; refuses embedded NUL bytes (they would cut the path). */
static char *path_arg(napi_env env, napi_value v, const char *what) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, what);
    return NULL;
  }
  char *s = malloc(len + 1);
  if (s == NULL) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  size_t got = 0;
  napi_get_value_string_utf8(env, v, s, len + 1, &got);
  if (strlen(s) != got) {
    free(s);
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", "a path must not contain NUL bytes");
    return NULL;
  }
  return s;
}

/** A boolean argument that may be left out (undefined is false). */
/** Number.MAX_SAFE_INTEGER: the largest offset a JavaScript number carries exactly. */
#define MAX_SAFE_INTEGER 9007199254740991.0

/** A number argument not below 0 nor above max; false when it is not one. */
static bool number_arg(napi_env env, napi_value v, double max, double *out) {
  return napi_get_value_double(env, v, out) == napi_ok && !(*out < 0 || *out > max);
}

static napi_status optional_bool(napi_env env, napi_value v, bool *out) {
  napi_valuetype t;
  napi_status s = napi_typeof(env, v, &t);
  if (s != napi_ok) return s;
  if (t == napi_undefined) {
    *out = false;
    return napi_ok;
  }
  return napi_get_value_bool(env, v, out);
}

/**
 * read's and readSized's guard into the job: false, true (report `real`) or a
 * root directory (open beneath it, else report `real`). 0, or -1 when it is
 * none of these (nothing thrown), or -2 after a thrown error.
 */
static int guard_arg(napi_env env, napi_value v, job_t *j) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return -1;
  if (t == napi_string) {
    if ((j->root = path_arg(env, v, "the guard must be a boolean or a root directory")) == NULL) return -2;
    j->want_real = 1;
    return 0;
  }
  bool want_real = false;
  if (napi_get_value_bool(env, v, &want_real) != napi_ok) return -1;
  j->want_real = want_real;
  return 0;
}

static int buffer_arg(napi_env env, napi_value v, job_t *j) {
  bool is_buf = false;
  if (napi_is_buffer(env, v, &is_buf) != napi_ok || !is_buf) {
    napi_throw_type_error(env, NULL, "expected a Buffer");
    return -1;
  }
  void *data = NULL;
  if (napi_get_buffer_info(env, v, &data, &j->len) != napi_ok || napi_create_reference(env, v, 1, &j->buf_ref) != napi_ok) {
    napi_throw_error(env, NULL, "cannot hold the buffer");
    return -1;
  }
  j->data = data;
  return 0;
}

static napi_value queue(napi_env env, job_t *j) {
  napi_value promise, name;
  if (napi_create_promise(env, &j->deferred, &promise) != napi_ok ||
      napi_create_string_utf8(env, "tiercache-io", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_async_work(env, NULL, name, execute, complete, j, &j->work) != napi_ok ||
      napi_queue_async_work(env, j->work) != napi_ok) {
    free_job(env, j);
    napi_throw_error(env, NULL, "cannot queue a native I/O job");
    return NULL;
  }
  return promise;
}

static job_t *new_job(napi_env env, int kind) {
  job_t *j = calloc(1, sizeof *j);
  if (j == NULL) napi_throw_error(env, NULL, "out of memory");
  else j->kind = kind;
  return j;
}

// stat(path, root?): Promise<{ real, stat } | { inside: true, stat }>
static napi_value js_stat(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  job_t *j = new_job(env, JOB_STAT);
  if (j == NULL) return NULL;
  j->want_real = 1;
  napi_valuetype t = napi_undefined;
  if ((j->path = path_arg(env, argv[0], "stat(path, root): path must be a string")) == NULL ||
      (argc >= 2 && napi_typeof(env, argv[1], &t) == napi_ok && t != napi_undefined &&
       (j->root = path_arg(env, argv[1], "stat(path, root): root must be a string")) == NULL)) {
    free_job(env, j);
    return NULL;
  }
  return queue(env, j);
}

// read(path, offset, buf, guard, wantCrc?): Promise<{ real? | inside?, stat, bytesRead, after, crc32c? }>
static napi_value js_read(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  job_t *j = new_job(env, JOB_READ);
  if (j == NULL) return NULL;
  double offset = 0;
  bool want_crc = false;
  int guard = 0;
  if ((j->path = path_arg(env, argv[0], "read(path, ...): path must be a string")) == NULL ||
      buffer_arg(env, argv[2], j) != 0 || (guard = guard_arg(env, argv[3], j)) == -2) {
    free_job(env, j);
    return NULL;
  }
  if (!number_arg(env, argv[1], MAX_SAFE_INTEGER, &offset) || guard != 0 ||
      (argc >= 5 && optional_bool(env, argv[4], &want_crc) != napi_ok)) {
    free_job(env, j);
    napi_throw_type_error(env, NULL, "read(path, offset, buf, wantReal, wantCrc): offset must be a safe non-negative integer, wantReal a boolean or a root directory, wantCrc a boolean");
    return NULL;
  }
  j->offset = (int64_t)offset;
  j->want_crc = want_crc;
  return queue(env, j);
}

// readSized(path, offset, max, guard): Promise<{ real? | inside?, stat, data, bytesRead, after }>
static napi_value js_read_sized(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  job_t *j = new_job(env, JOB_READ_SIZED);
  if (j == NULL) return NULL;
  double offset = 0, max = 0;
  int guard = 0;
  if ((j->path = path_arg(env, argv[0], "readSized(path, ...): path must be a string")) == NULL ||
      (guard = guard_arg(env, argv[3], j)) == -2) {
    free_job(env, j);
    return NULL;
  }
  if (!number_arg(env, argv[1], MAX_SAFE_INTEGER, &offset) || !number_arg(env, argv[2], 4294967296.0, &max) || guard != 0) {
    free_job(env, j);
    napi_throw_type_error(env, NULL, "readSized(path, offset, max, wantReal): offset and max must be safe non-negative integers (max at most 4 GiB), wantReal a boolean or a root directory");
    return NULL;
  }
  j->offset = (int64_t)offset;
  j->len = (size_t)max;
  return queue(env, j);
}

// writeBlock(path, buf): Promise<number>, the CRC-32C of buf
static napi_value js_write_block(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  job_t *j = new_job(env, JOB_WRITE);
  if (j == NULL) return NULL;
  if ((j->path = path_arg(env, argv[0], "writeBlock(path, ...): path must be a string")) == NULL ||
      buffer_arg(env, argv[1], j) != 0) {
    free_job(env, j);
    return NULL;
  }
  return queue(env, j);
}

// crc32c(buf, portable?): number, on the calling thread
static napi_value js_crc32c(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  bool is_buf = false, portable = false;
  void *data = NULL;
  size_t len = 0;
  if (argc < 1 || napi_is_buffer(env, argv[0], &is_buf) != napi_ok || !is_buf ||
      napi_get_buffer_info(env, argv[0], &data, &len) != napi_ok ||
      (argc >= 2 && optional_bool(env, argv[1], &portable) != napi_ok)) {
    napi_throw_type_error(env, NULL, "crc32c(buf, portable): buf must be a Buffer, portable a boolean");
    return NULL;
  }
  napi_value out;
  CHECK(napi_create_uint32(env, tc_crc32c(data, len, portable), &out));
  return out;
}

// crc32cHardware(): boolean, whether the SSE4.2 instruction is used
static napi_value js_crc32c_hardware(napi_env env, napi_callback_info info) {
  napi_value out;
  CHECK(napi_get_boolean(env, tc_crc32c_hardware() != 0, &out));
  return out;
}

// adjustExternalMemory(bytes): number, V8's external memory after the change.
// For the memory tier (src/cache/held-external.ts): blocks it holds under its
// own budget are not garbage, so it takes their bytes off V8's count, which
// starts a full mark every ~64 MB of growth, while it holds them.
static napi_value js_adjust_external_memory(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int64_t change = 0, now = 0;
  if (argc < 1 || napi_get_value_int64(env, argv[0], &change) != napi_ok) {
    napi_throw_type_error(env, NULL, "adjustExternalMemory(bytes): bytes must be a number");
    return NULL;
  }
  CHECK(napi_adjust_external_memory(env, change, &now));
  napi_value out;
  CHECK(napi_create_double(env, (double)now, &out));
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  if (make_keys(env) != napi_ok) {
    napi_throw_error(env, NULL, "tiercache-io: cannot make its property names");
    return NULL;
  }
  napi_property_descriptor props[] = {
      {"stat", NULL, js_stat, NULL, NULL, NULL, napi_default, NULL},
      {"read", NULL, js_read, NULL, NULL, NULL, napi_default, NULL},
      {"readSized", NULL, js_read_sized, NULL, NULL, NULL, napi_default, NULL},
      {"writeBlock", NULL, js_write_block, NULL, NULL, NULL, napi_default, NULL},
      {"crc32c", NULL, js_crc32c, NULL, NULL, NULL, napi_default, NULL},
      {"crc32cHardware", NULL, js_crc32c_hardware, NULL, NULL, NULL, napi_default, NULL},
      {"newSsdWriter", NULL, tc_new_ssd_writer, NULL, NULL, NULL, napi_default, NULL},
      {"adjustExternalMemory", NULL, js_adjust_external_memory, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
