// The SSD tier's block writer: one dedicated thread per writer, with its own
// FIFO, at a low scheduling priority.
//
// Why not the libuv threadpool (tiercache-io.c's writeBlock): every block the
// daemon fetches is also copied to the SSD (create, buffered copy, CRC-32C,
// close: about a quarter of the daemon's CPU on a cold small-file epoch), and
// on the pool that copy holds a slot a backend read needs and runs at the
// same priority as the reads the training job is waiting for. The bytes are
// already served from memory, so the copy is background work: here it runs
// on a thread of its own that lowers its priority once at start, and only
// gets the CPU the foreground leaves.
//
//   newSsdWriter(priority)       starts the thread; priority "idle"
//                                (SCHED_IDLE), "nice" (nice 19) or "normal".
//                                Neither needs CAP_SYS_NICE: lowering one's
//                                own priority is always allowed.
//   writer.write(path, buf)      queues CRC-32C of buf, open(O_CREAT|O_EXCL),
//                                write all, close (the file removed on
//                                failure); resolves to the CRC. FIFO order.
//   writer.close()               the thread finishes the write it is doing,
//                                rejects the queued ones (ECANCELED) and ends.
//   writer.priority, writer.tid  what the thread applied ("idle", or
//                                "normal (EPERM ...)" when refused), its tid.
//
// Which priority (the daemon's default is nice 19, --ssd-write-priority):
// a starved thread inside a system call can hold what other writers of the
// filesystem wait for (priority inversion). ext4's delayed allocation takes
// no journal handle for the copy itself (blocks are allocated at writeback,
// by the kernel's flusher at its own priority), but the create and the inode
// update after the copy do take short ones, and the create holds the block
// directory's lock: while the thread holding them waits for a CPU, a jbd2
// commit (the SQLite index's and checkpoints' fsyncs) and an eviction's
// unlink in that directory wait with it. Both priorities are scheduler
// weights, never zero (SCHED_IDLE 3, nice 19 15, against 1024 for nice 0), so
// the wait is bounded either way; SCHED_IDLE is also preempted by every
// wakeup of a normal thread, which makes those windows the longest. Measured
// on the cold small-file epoch (bench/realfs-cpu.ts): the same CPU per block
// either way (about 0.12 ms per 100 KB block on this thread), files/s within
// the run-to-run noise, but under SCHED_IDLE the queue once filled and 81
// blocks were not written to the SSD, which never happened at nice 19. Hence
// nice 19. The caller bounds what it queues in bytes (disk-cache.ts).
//
// Completions go back to the JS thread through a thread-safe function, which
// keeps the event loop alive only while writes are pending.

#define _GNU_SOURCE
#include <errno.h>
#include <node_api.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "block-file.h"
#include "ssd-writer.h"

typedef struct wjob {
  struct wjob *next;
  char *path;
  const char *data;
  size_t len;
  napi_ref buf_ref;
  napi_deferred deferred;
  // Results, written on the writer thread.
  int err;
  const char *syscall;
  uint32_t crc;
} wjob_t;

#define PRIO_NORMAL 0
#define PRIO_NICE 1
#define PRIO_IDLE 2

typedef struct writer {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  // Guarded by mu.
  wjob_t *head;
  wjob_t *tail;
  int stopping;
  int started;
  // Set by the thread before `started`.
  pid_t tid;
  int want_prio;
  char applied[96];
  // JS thread only.
  napi_threadsafe_function tsfn;
  size_t pending;
  int closed;
  // Owners of this struct: the thread-safe function and the JS object; freed when both are finalized.
  int owners;
} writer_t;

static void lower_priority(writer_t *w) {
  const char *name = w->want_prio == PRIO_IDLE ? "idle" : w->want_prio == PRIO_NICE ? "nice" : "normal";
  int rc = 0;
  if (w->want_prio == PRIO_IDLE) {
    struct sched_param p = {0};
    // pid 0: this thread only (Linux schedules threads, not processes).
    rc = sched_setscheduler(0, SCHED_IDLE, &p);
  } else if (w->want_prio == PRIO_NICE) {
    // PRIO_PROCESS with a tid: that thread only.
    rc = setpriority(PRIO_PROCESS, (id_t)w->tid, 19);
  }
  if (rc == 0) snprintf(w->applied, sizeof w->applied, "%s", name);
  else snprintf(w->applied, sizeof w->applied, "normal (%s refused: %s)", name, strerror(errno));
}

static void *thread_main(void *arg) {
  writer_t *w = arg;
  w->tid = (pid_t)syscall(SYS_gettid);
  pthread_setname_np(pthread_self(), "tc-ssd-writer");
  lower_priority(w);
  pthread_mutex_lock(&w->mu);
  w->started = 1;
  pthread_cond_broadcast(&w->cv);
  for (;;) {
    while (w->head == NULL && !w->stopping) pthread_cond_wait(&w->cv, &w->mu);
    wjob_t *j = w->head;
    if (j == NULL) break;  // stopping, nothing left
    w->head = j->next;
    if (w->head == NULL) w->tail = NULL;
    int cancel = w->stopping;
    pthread_mutex_unlock(&w->mu);
    if (cancel) {
      j->err = ECANCELED;
      j->syscall = "write";
    } else {
      j->err = tc_write_block_file(j->path, j->data, j->len, &j->crc, &j->syscall);
    }
    // On napi_closing (the environment is going away) the job is dropped with it.
    if (napi_call_threadsafe_function(w->tsfn, j, napi_tsfn_blocking) != napi_ok) free(j->path), free(j);
    pthread_mutex_lock(&w->mu);
  }
  pthread_mutex_unlock(&w->mu);
  napi_release_threadsafe_function(w->tsfn, napi_tsfn_release);
  return NULL;
}

static napi_status set_str(napi_env env, napi_value obj, const char *name, const char *s) {
  napi_value v;
  napi_status st = napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v);
  return st == napi_ok ? napi_set_named_property(env, obj, name, v) : st;
}

/** On the JS thread: settles one write's promise and lets its Buffer go. */
static void call_js(napi_env env, napi_value fn, void *context, void *data) {
  (void)fn;
  writer_t *w = context;
  wjob_t *j = data;
  if (env != NULL) {
    napi_value v;
    if (j->err != 0) {
      if (tc_errno_error(env, j->err, j->syscall, j->path, &v) == napi_ok) napi_reject_deferred(env, j->deferred, v);
    } else {
      napi_create_uint32(env, j->crc, &v);
      napi_resolve_deferred(env, j->deferred, v);
    }
    napi_delete_reference(env, j->buf_ref);
    if (--w->pending == 0 && !w->closed) napi_unref_threadsafe_function(env, w->tsfn);
  }
  free(j->path);
  free(j);
}

static void finalize_writer(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  writer_t *w = data;
  if (--w->owners > 0) return;
  pthread_mutex_destroy(&w->mu);
  pthread_cond_destroy(&w->cv);
  free(w);
}

/** The JS object was collected: nothing can queue any more, so the thread may end once it is idle. */
static void finalize_object(napi_env env, void *data, void *hint) {
  writer_t *w = data;
  pthread_mutex_lock(&w->mu);
  w->stopping = 1;
  pthread_cond_signal(&w->cv);
  pthread_mutex_unlock(&w->mu);
  finalize_writer(env, data, hint);
}

static writer_t *writer_of(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  void *data = NULL;
  if (napi_get_cb_info(env, info, argc, argv, NULL, &data) != napi_ok) return NULL;
  return data;
}

// writer.write(path, buf): Promise<number>
static napi_value js_write(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  writer_t *w = writer_of(env, info, &argc, argv);
  if (w == NULL) return NULL;
  if (w->closed) {
    napi_throw_error(env, "ERR_SSD_WRITER_CLOSED", "the SSD writer is closed");
    return NULL;
  }
  bool is_buf = false;
  size_t plen = 0;
  if (argc < 2 || napi_get_value_string_utf8(env, argv[0], NULL, 0, &plen) != napi_ok ||
      napi_is_buffer(env, argv[1], &is_buf) != napi_ok || !is_buf) {
    napi_throw_type_error(env, NULL, "write(path, buf): path must be a string, buf a Buffer");
    return NULL;
  }
  wjob_t *j = calloc(1, sizeof *j);
  char *path = malloc(plen + 1);
  if (j == NULL || path == NULL) {
    free(j);
    free(path);
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  size_t got = 0;
  napi_get_value_string_utf8(env, argv[0], path, plen + 1, &got);
  if (strlen(path) != got) {
    free(j);
    free(path);
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", "a path must not contain NUL bytes");
    return NULL;
  }
  j->path = path;
  void *bytes = NULL;
  napi_value promise;
  if (napi_get_buffer_info(env, argv[1], &bytes, &j->len) != napi_ok ||
      napi_create_reference(env, argv[1], 1, &j->buf_ref) != napi_ok) {
    free(j->path);
    free(j);
    napi_throw_error(env, NULL, "cannot hold the buffer");
    return NULL;
  }
  j->data = bytes;
  if (napi_create_promise(env, &j->deferred, &promise) != napi_ok) {
    napi_delete_reference(env, j->buf_ref);
    free(j->path);
    free(j);
    napi_throw_error(env, NULL, "cannot create a promise");
    return NULL;
  }
  if (w->pending++ == 0) napi_ref_threadsafe_function(env, w->tsfn);
  pthread_mutex_lock(&w->mu);
  if (w->tail) w->tail->next = j;
  else w->head = j;
  w->tail = j;
  pthread_cond_signal(&w->cv);
  pthread_mutex_unlock(&w->mu);
  return promise;
}

// writer.close(): void
static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  writer_t *w = writer_of(env, info, &argc, NULL);
  if (w == NULL || w->closed) return NULL;
  w->closed = 1;
  pthread_mutex_lock(&w->mu);
  w->stopping = 1;
  pthread_cond_signal(&w->cv);
  pthread_mutex_unlock(&w->mu);
  // The cancelled writes still settle: the loop stays alive for them, then the thread's release ends it.
  if (w->pending == 0) napi_unref_threadsafe_function(env, w->tsfn);
  return NULL;
}

// newSsdWriter(priority): { write, close, priority, tid }
napi_value tc_new_ssd_writer(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  char prio[16] = "";
  size_t got = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_string_utf8(env, argv[0], prio, sizeof prio, &got) != napi_ok ||
      (strcmp(prio, "idle") != 0 && strcmp(prio, "nice") != 0 && strcmp(prio, "normal") != 0)) {
    napi_throw_type_error(env, NULL, "newSsdWriter(priority): priority must be \"idle\", \"nice\" or \"normal\"");
    return NULL;
  }
  writer_t *w = calloc(1, sizeof *w);
  if (w == NULL) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  w->owners = 1;
  w->want_prio = prio[0] == 'i' ? PRIO_IDLE : prio[0] == 'n' && prio[1] == 'i' ? PRIO_NICE : PRIO_NORMAL;
  pthread_mutex_init(&w->mu, NULL);
  pthread_cond_init(&w->cv, NULL);
  napi_value name, obj, fn;
  if (napi_create_string_utf8(env, "tiercache-ssd-writer", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, w, finalize_writer, w, call_js, &w->tsfn) != napi_ok) {
    finalize_writer(env, w, NULL);
    napi_throw_error(env, NULL, "cannot create the SSD writer's completion queue");
    return NULL;
  }
  napi_unref_threadsafe_function(env, w->tsfn);
  pthread_t th;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  int rc = pthread_create(&th, &attr, thread_main, w);
  pthread_attr_destroy(&attr);
  if (rc != 0) {
    // The finalizer frees w once the (only) reference is released.
    napi_release_threadsafe_function(w->tsfn, napi_tsfn_abort);
    char msg[128];
    snprintf(msg, sizeof msg, "cannot start the SSD writer thread: %s", strerror(rc));
    napi_throw_error(env, NULL, msg);
    return NULL;
  }
  // Its tid and priority, so they can be reported (and checked in /proc).
  pthread_mutex_lock(&w->mu);
  while (!w->started) pthread_cond_wait(&w->cv, &w->mu);
  pthread_mutex_unlock(&w->mu);
  napi_value tid;
  if (napi_create_object(env, &obj) != napi_ok ||
      napi_create_function(env, "write", NAPI_AUTO_LENGTH, js_write, w, &fn) != napi_ok ||
      napi_set_named_property(env, obj, "write", fn) != napi_ok ||
      napi_create_function(env, "close", NAPI_AUTO_LENGTH, js_close, w, &fn) != napi_ok ||
      napi_set_named_property(env, obj, "close", fn) != napi_ok || set_str(env, obj, "priority", w->applied) != napi_ok ||
      napi_create_int32(env, w->tid, &tid) != napi_ok || napi_set_named_property(env, obj, "tid", tid) != napi_ok) {
    return NULL;
  }
  // The object's functions use w: it lives until the object is collected too.
  w->owners++;
  if (napi_add_finalizer(env, obj, w, finalize_object, NULL, NULL) != napi_ok) {
    w->owners--;
    napi_throw_error(env, NULL, "cannot tie the SSD writer to its object");
    return NULL;
  }
  return obj;
}
