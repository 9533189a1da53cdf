// tiercache's binding to libfuse 3's low-level API (N-API, C).
//
// Why low-level libfuse 3 and not fuse-native (libfuse 2, high-level): a warm
// small file must cost at most its open and release (no round trip at all
// with mount-skip-opens). The low-level API lets open/opendir answer ENOSYS
// (FUSE_CAP_NO_OPEN_SUPPORT: the kernel stops sending opens, keeps the page
// cache across opens, sends no release), flush answer ENOSYS once, and lets
// the daemon drop a changed file's pages with fuse_lowlevel_notify_inval_inode.
// Inodes are the caller's (fuse-mount.ts).
//
// Threads:
//   loop thread    (writable mounts) reads /dev/fuse (poll + receive_buf +
//                  process_buf) and hands every request to JavaScript through
//                  a threadsafe function; it never waits for an answer. Big
//                  writes are copied here, off the JS thread.
//   JS thread      answers requests (reply*), possibly much later, in any
//                  order; all N-API calls happen here. For read-only mounts
//                  (`onJsThread`) it also reads /dev/fuse itself: a uv_poll on
//                  the non-blocking fd, one request per readiness, handed to
//                  JavaScript at once. A request then costs one wakeup (the
//                  event loop's) instead of two (the loop thread's, then the
//                  threadsafe function's eventfd), and no thread hop.
//   notify thread  writes invalidations. They can block in the kernel until a
//                  pending read of the same inode is answered, and reads are
//                  answered on the JS thread, so they must not be written there.
// Shutdown: stop() wakes the loop thread, which exits and posts LOOP_DONE; the
// JS thread then calls destroy(), which sets `closed` (replies after it are
// dropped: the fd is gone), stops the notify thread, unmounts and frees.

#define FUSE_USE_VERSION 34
#define _GNU_SOURCE
#include <errno.h>
#include <fuse_lowlevel.h>
#include <node_api.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

// Keep in step with OPS in src/fuse/native-binding.ts.
#define OP_INIT_DONE 1
#define OP_LOOP_DONE 2
#define OP_LOOKUP 3
#define OP_FORGET 4
#define OP_GETATTR 5
#define OP_SETATTR 6
#define OP_MKDIR 7
#define OP_UNLINK 8
#define OP_RMDIR 9
#define OP_RENAME 10
#define OP_OPEN 11
#define OP_READ 12
#define OP_WRITE 13
#define OP_FLUSH 14
#define OP_RELEASE 15
#define OP_FSYNC 16
#define OP_OPENDIR 17
#define OP_READDIR 18
#define OP_RELEASEDIR 19
#define OP_STATFS 20
#define OP_CREATE 21
#define OP_NOTIFY_DONE 22

#define NUM_ARGS 5
#define UNKNOWN_INO 0xffffffffu
#define NOTIFY_JOIN_TIMEOUT_S 2

typedef struct call {
  int op;
  fuse_req_t req;
  double n[NUM_ARGS];
  char *s1;
  char *s2;
  void *data;
  size_t size;
} call_t;

typedef struct notice {
  uint64_t ino;    // inval inode when parent == 0
  uint64_t parent; // inval entry (parent, name) otherwise
  char *name;
  double id;       // > 0: post NOTIFY_DONE(id, result) once written
  struct notice *next;
} notice_t;

typedef struct session {
  struct fuse_session *se;
  napi_threadsafe_function tsfn;
  // onJsThread mode: requests are read by `poll` on the JS thread and given to
  // `dispatch` directly while `direct` is set (inside process_buf).
  int on_js_thread;
  napi_env env;
  napi_ref dispatch;
  napi_async_context actx;
  uv_poll_t poll;
  int polling;
  int direct;
  struct fuse_buf fbuf;
  pthread_t loop_thread;
  pthread_t notify_thread;
  int wake_fd;
  unsigned max_write;
  unsigned max_readahead;
  int writeback_cache;
  // Notify queue, guarded by nlock.
  pthread_mutex_t nlock;
  pthread_cond_t ncond;
  notice_t *nhead, *ntail;
  int nstop;
  atomic_int notify_exited;
  // Set on the JS thread in destroy(); read by the notify thread.
  atomic_int closed;
  int destroyed;
} session_t;

// ---- libfuse log capture (messages of a failing mount become the JS error)

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int log_capturing = 0;
static char log_last[1024];

static void log_func(enum fuse_log_level level, const char *fmt, va_list ap) {
  (void)level;
  char line[1024];
  vsnprintf(line, sizeof line, fmt, ap);
  size_t len = strlen(line);
  while (len > 0 && line[len - 1] == '\n') line[--len] = '\0';
  pthread_mutex_lock(&log_lock);
  if (log_capturing) {
    snprintf(log_last, sizeof log_last, "%s", line);
  } else {
    fprintf(stderr, "tiercache fuse: %s\n", line);
  }
  pthread_mutex_unlock(&log_lock);
}

// ---- loop thread side: requests to JavaScript

static void deliver_now(session_t *s, call_t *c);

static void post(session_t *s, call_t *c) {
  // INIT_DONE still goes the asynchronous way: JavaScript hears of it after
  // libfuse has answered INIT, as with the loop thread.
  if (s->direct && c->op != OP_INIT_DONE) {
    deliver_now(s, c);
    return;
  }
  if (napi_call_threadsafe_function(s->tsfn, c, napi_tsfn_nonblocking) != napi_ok) {
    if (c->req) fuse_reply_err(c->req, EIO);
    free(c->s1);
    free(c->s2);
    free(c->data);
    free(c);
  }
}


static call_t *new_call(int op, fuse_req_t req) {
  call_t *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->op = op;
  c->req = req;
  return c;
}

#define NEW_CALL_OR_FAIL(c, op, req) \
  call_t *c = new_call(op, req);     \
  if (!c) {                          \
    fuse_reply_err(req, ENOMEM);     \
    return;                          \
  }

static session_t *S(fuse_req_t req) { return (session_t *)fuse_req_userdata(req); }

static void op_init(void *ud, struct fuse_conn_info *conn) {
  session_t *s = ud;
  conn->want &= ~(FUSE_CAP_READDIRPLUS | FUSE_CAP_READDIRPLUS_AUTO);
  if (conn->capable & FUSE_CAP_AUTO_INVAL_DATA) conn->want |= FUSE_CAP_AUTO_INVAL_DATA;
  if (conn->capable & FUSE_CAP_ASYNC_READ) conn->want |= FUSE_CAP_ASYNC_READ;
  if (conn->capable & FUSE_CAP_PARALLEL_DIROPS) conn->want |= FUSE_CAP_PARALLEL_DIROPS;
  // Writeback cache: write(2) returns once the bytes are in the kernel's page
  // cache, and the kernel sends them in the background, many requests at
  // once, instead of one synchronous round trip per write. close(2) and
  // fsync(2) still send every dirty page before FLUSH / FSYNC.
  if (s->writeback_cache && (conn->capable & FUSE_CAP_WRITEBACK_CACHE)) conn->want |= FUSE_CAP_WRITEBACK_CACHE;
  else conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
  // Reading requests on the JS thread: one read(2) per request. With splice
  // (libfuse's default when write_buf exists) every request costs a splice
  // into a pipe and a read out of it.
  if (s->on_js_thread) conn->want &= ~FUSE_CAP_SPLICE_READ;
  if (s->max_write) conn->max_write = s->max_write;
  if (s->max_readahead) conn->max_readahead = s->max_readahead;
  conn->max_background = 64;
  conn->congestion_threshold = 48;
  call_t *c = new_call(OP_INIT_DONE, NULL);
  if (!c) return;
  c->n[0] = (conn->capable & FUSE_CAP_NO_OPEN_SUPPORT) ? 1 : 0;
  c->n[1] = (conn->capable & FUSE_CAP_NO_OPENDIR_SUPPORT) ? 1 : 0;
  c->n[2] = conn->proto_minor;
  c->n[3] = conn->max_write;
  c->n[4] = (conn->want & FUSE_CAP_WRITEBACK_CACHE) ? 1 : 0;
  post(s, c);
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name) {
  NEW_CALL_OR_FAIL(c, OP_LOOKUP, req);
  c->n[0] = (double)parent;
  c->s1 = strdup(name);
  post(S(req), c);
}

static void forget_one(session_t *s, fuse_ino_t ino, uint64_t nlookup) {
  call_t *c = new_call(OP_FORGET, NULL);
  if (!c) return;
  c->n[0] = (double)ino;
  c->n[1] = (double)nlookup;
  post(s, c);
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup) {
  session_t *s = S(req);
  fuse_reply_none(req);
  forget_one(s, ino, nlookup);
}

static void op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets) {
  session_t *s = S(req);
  for (size_t i = 0; i < count; i++) forget_one(s, forgets[i].ino, forgets[i].nlookup);
  fuse_reply_none(req);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
  NEW_CALL_OR_FAIL(c, OP_GETATTR, req);
  c->n[0] = (double)ino;
  c->n[1] = fi ? (double)fi->fh : 0;
  post(S(req), c);
}

static double ms_of(const struct timespec *ts) { return (double)ts->tv_sec * 1000.0 + (double)ts->tv_nsec / 1e6; }

static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set, struct fuse_file_info *fi) {
  NEW_CALL_OR_FAIL(c, OP_SETATTR, req);
  c->n[0] = (double)ino;
  c->n[1] = fi ? (double)fi->fh : 0;
  c->n[2] = to_set;
  c->n[3] = (double)attr->st_size;
  c->n[4] = (double)(attr->st_mode & 07777);
  // mtime travels as the string field so that all five numbers stay usable.
  char buf[64];
  snprintf(buf, sizeof buf, "%.3f", (to_set & FUSE_SET_ATTR_MTIME_NOW) ? -1.0 : ms_of(&attr->st_mtim));
  c->s1 = strdup(buf);
  post(S(req), c);
}

static void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode) {
  NEW_CALL_OR_FAIL(c, OP_MKDIR, req);
  c->n[0] = (double)parent;
  c->n[1] = mode & 07777;
  c->s1 = strdup(name);
  post(S(req), c);
}

static void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name) {
  NEW_CALL_OR_FAIL(c, OP_UNLINK, req);
  c->n[0] = (double)parent;
  c->s1 = strdup(name);
  post(S(req), c);
}

static void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name) {
  NEW_CALL_OR_FAIL(c, OP_RMDIR, req);
  c->n[0] = (double)parent;
  c->s1 = strdup(name);
  post(S(req), c);
}

static void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent, const char *newname,
                      unsigned int flags) {
  NEW_CALL_OR_FAIL(c, OP_RENAME, req);
  c->n[0] = (double)parent;
  c->n[1] = (double)newparent;
  c->n[2] = flags;
  c->s1 = strdup(name);
  c->s2 = strdup(newname);
  post(S(req), c);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
  NEW_CALL_OR_FAIL(c, OP_OPEN, req);
  c->n[0] = (double)ino;
  c->n[1] = fi->flags;
  post(S(req), c);
}

static void op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, struct fuse_file_info *fi) {
  NEW_CALL_OR_FAIL(c, OP_CREATE, req);
  c->n[0] = (double)parent;
  c->n[1] = mode & 07777;
  c->n[2] = fi->flags;
  c->s1 = strdup(name);
  post(S(req), c);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi) {
  NEW_CALL_OR_FAIL(c, OP_READ, req);
  c->n[0] = (double)ino;
  c->n[1] = (double)fi->fh;
  c->n[2] = (double)off;
  c->n[3] = (double)size;
  post(S(req), c);
}

// write_buf rather than write: libfuse hands over the request's data where it
// is (with splice, still in the pipe) and it is copied once, into the buffer
// JavaScript gets. With plain write, libfuse first copies spliced data into a
// buffer of its own, and this copy came on top.
static void op_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *bufv, off_t off,
                         struct fuse_file_info *fi) {
  NEW_CALL_OR_FAIL(c, OP_WRITE, req);
  c->n[0] = (double)ino;
  c->n[1] = (double)fi->fh;
  c->n[2] = (double)off;
  size_t size = fuse_buf_size(bufv);
  if (size > 0) {
    c->data = malloc(size);
    if (!c->data) {
      free(c);
      fuse_reply_err(req, ENOMEM);
      return;
    }
    struct fuse_bufvec dst = FUSE_BUFVEC_INIT(size);
    dst.buf[0].mem = c->data;
    ssize_t got = fuse_buf_copy(&dst, bufv, 0);
    if (got < 0) {
      free(c->data);
      free(c);
      fuse_reply_err(req, (int)-got);
      return;
    }
    size = (size_t)got;
  }
  c->size = size;
  post(S(req), c);
}

static void op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
  NEW_CALL_OR_FAIL(c, OP_FLUSH, req);
  c->n[0] = (double)ino;
  c->n[1] = (double)fi->fh;
  post(S(req), c);
}

static void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
  NEW_CALL_OR_FAIL(c, OP_RELEASE, req);
  c->n[0] = (double)ino;
  c->n[1] = (double)fi->fh;
  post(S(req), c);
}

static void op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi) {
  NEW_CALL_OR_FAIL(c, OP_FSYNC, req);
  c->n[0] = (double)ino;
  c->n[1] = (double)fi->fh;
  c->n[2] = datasync;
  post(S(req), c);
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
  (void)fi;
  NEW_CALL_OR_FAIL(c, OP_OPENDIR, req);
  c->n[0] = (double)ino;
  post(S(req), c);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi) {
  NEW_CALL_OR_FAIL(c, OP_READDIR, req);
  c->n[0] = (double)ino;
  c->n[1] = (double)fi->fh;
  c->n[2] = (double)off;
  c->n[3] = (double)size;
  post(S(req), c);
}

static void op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
  NEW_CALL_OR_FAIL(c, OP_RELEASEDIR, req);
  c->n[0] = (double)ino;
  c->n[1] = (double)fi->fh;
  post(S(req), c);
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino) {
  NEW_CALL_OR_FAIL(c, OP_STATFS, req);
  c->n[0] = (double)ino;
  post(S(req), c);
}

// Answered here: tiercache filesystems have no links, device nodes or xattrs.
// ENOSYS for xattrs and fsyncdir makes the kernel stop asking (callers then
// see EOPNOTSUPP for xattrs and success for a directory fsync).
static void op_readlink(fuse_req_t req, fuse_ino_t ino) {
  (void)ino;
  fuse_reply_err(req, EINVAL);
}
static void op_mknod(fuse_req_t req, fuse_ino_t p, const char *n, mode_t m, dev_t d) {
  (void)p, (void)n, (void)m, (void)d;
  fuse_reply_err(req, EPERM);
}
static void op_symlink(fuse_req_t req, const char *l, fuse_ino_t p, const char *n) {
  (void)l, (void)p, (void)n;
  fuse_reply_err(req, EPERM);
}
static void op_link(fuse_req_t req, fuse_ino_t i, fuse_ino_t p, const char *n) {
  (void)i, (void)p, (void)n;
  fuse_reply_err(req, EPERM);
}
static void op_setxattr(fuse_req_t req, fuse_ino_t i, const char *n, const char *v, size_t s, int f) {
  (void)i, (void)n, (void)v, (void)s, (void)f;
  fuse_reply_err(req, ENOSYS);
}
static void op_getxattr(fuse_req_t req, fuse_ino_t i, const char *n, size_t s) {
  (void)i, (void)n, (void)s;
  fuse_reply_err(req, ENOSYS);
}
static void op_listxattr(fuse_req_t req, fuse_ino_t i, size_t s) {
  (void)i, (void)s;
  fuse_reply_err(req, ENOSYS);
}
static void op_removexattr(fuse_req_t req, fuse_ino_t i, const char *n) {
  (void)i, (void)n;
  fuse_reply_err(req, ENOSYS);
}
static void op_fsyncdir(fuse_req_t req, fuse_ino_t i, int d, struct fuse_file_info *fi) {
  (void)i, (void)d, (void)fi;
  fuse_reply_err(req, ENOSYS);
}
static void op_fallocate(fuse_req_t req, fuse_ino_t i, int m, off_t o, off_t l, struct fuse_file_info *fi) {
  (void)i, (void)m, (void)o, (void)l, (void)fi;
  fuse_reply_err(req, EOPNOTSUPP);
}

static const struct fuse_lowlevel_ops OPS = {
    .init = op_init,
    .lookup = op_lookup,
    .forget = op_forget,
    .forget_multi = op_forget_multi,
    .getattr = op_getattr,
    .setattr = op_setattr,
    .readlink = op_readlink,
    .mknod = op_mknod,
    .mkdir = op_mkdir,
    .unlink = op_unlink,
    .rmdir = op_rmdir,
    .symlink = op_symlink,
    .rename = op_rename,
    .link = op_link,
    .open = op_open,
    .read = op_read,
    .write_buf = op_write_buf,
    .flush = op_flush,
    .release = op_release,
    .fsync = op_fsync,
    .opendir = op_opendir,
    .readdir = op_readdir,
    .releasedir = op_releasedir,
    .fsyncdir = op_fsyncdir,
    .statfs = op_statfs,
    .setxattr = op_setxattr,
    .getxattr = op_getxattr,
    .listxattr = op_listxattr,
    .removexattr = op_removexattr,
    .create = op_create,
    .fallocate = op_fallocate,
};

static void *loop_main(void *arg) {
  session_t *s = arg;
  struct fuse_buf fbuf;
  memset(&fbuf, 0, sizeof fbuf);
  struct pollfd pfd[2] = {{.fd = fuse_session_fd(s->se), .events = POLLIN}, {.fd = s->wake_fd, .events = POLLIN}};
  int why = 0; // 0 = stop() asked, otherwise the errno that ended the session
  while (!fuse_session_exited(s->se)) {
    int r = poll(pfd, 2, -1);
    if (r < 0) {
      if (errno == EINTR) continue;
      why = errno;
      break;
    }
    if (pfd[1].revents) break;
    if (pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
      why = ENODEV;
      break;
    }
    if (!(pfd[0].revents & POLLIN)) continue;
    int res = fuse_session_receive_buf(s->se, &fbuf);
    if (res == -EINTR || res == -EAGAIN) continue;
    if (res <= 0) {
      why = res == 0 ? ENODEV : -res;
      break;
    }
    fuse_session_process_buf(s->se, &fbuf);
  }
  free(fbuf.mem);
  call_t *c = new_call(OP_LOOP_DONE, NULL);
  if (c) {
    c->n[0] = why;
    post(s, c);
  }
  return NULL;
}

// ---- onJsThread mode: the JS thread reads /dev/fuse itself

// Stops reading and posts LOOP_DONE(why) through the threadsafe function (so
// it arrives asynchronously, as from the loop thread).
static void end_polling(session_t *s, int why) {
  if (!s->polling) return;
  s->polling = 0;
  uv_poll_stop(&s->poll);
  call_t *c = new_call(OP_LOOP_DONE, NULL);
  if (c) {
    c->n[0] = why;
    post(s, c);
  }
}

// One request per readiness: with one request in flight (the common case) a
// second read would only answer EAGAIN; more queued requests make the fd
// readable again at once (level-triggered).
static void on_fuse_readable(uv_poll_t *h, int status, int events) {
  (void)events;
  session_t *s = h->data;
  if (status < 0) { // POLLERR: the connection was aborted or unmounted
    end_polling(s, ENODEV);
    return;
  }
  int res = fuse_session_receive_buf(s->se, &s->fbuf);
  if (res == -EINTR || res == -EAGAIN) return;
  if (res <= 0) {
    end_polling(s, res == 0 ? ENODEV : -res);
    return;
  }
  napi_handle_scope scope;
  if (napi_open_handle_scope(s->env, &scope) != napi_ok) {
    fuse_session_process_buf(s->se, &s->fbuf);
    return;
  }
  s->direct = 1;
  fuse_session_process_buf(s->se, &s->fbuf);
  s->direct = 0;
  napi_close_handle_scope(s->env, scope);
}

static void *notify_main(void *arg) {
  session_t *s = arg;
  pthread_mutex_lock(&s->nlock);
  for (;;) {
    while (!s->nhead && !s->nstop) pthread_cond_wait(&s->ncond, &s->nlock);
    if (s->nstop) break;
    notice_t *n = s->nhead;
    s->nhead = n->next;
    if (!s->nhead) s->ntail = NULL;
    pthread_mutex_unlock(&s->nlock);
    int res = -ENOTCONN;
    if (!atomic_load(&s->closed)) {
      // ENOENT: the kernel no longer knows the inode or name; nothing to drop.
      if (n->parent == 0)
        res = fuse_lowlevel_notify_inval_inode(s->se, n->ino, 0, 0);
      else
        res = fuse_lowlevel_notify_inval_entry(s->se, n->parent, n->name, strlen(n->name));
    }
    if (n->id > 0) {
      call_t *c = new_call(OP_NOTIFY_DONE, NULL);
      if (c) {
        c->n[0] = n->id;
        c->n[1] = -res;
        post(s, c);
      }
    }
    free(n->name);
    free(n);
    pthread_mutex_lock(&s->nlock);
  }
  for (notice_t *n = s->nhead; n;) {
    notice_t *next = n->next;
    free(n->name);
    free(n);
    n = next;
  }
  s->nhead = s->ntail = NULL;
  pthread_mutex_unlock(&s->nlock);
  atomic_store(&s->notify_exited, 1);
  return NULL;
}

// ---- JS thread side

#define CHECK(expr)                                                    \
  do {                                                                 \
    if ((expr) != napi_ok) {                                           \
      napi_throw_error(env, "TC_FUSE_BINDING", "N-API call failed: " #expr); \
      return NULL;                                                     \
    }                                                                  \
  } while (0)

static void free_external(napi_env env, void *data, void *hint) {
  (void)env, (void)hint;
  free(data);
}

static void free_call(call_t *c) {
  free(c->s1);
  free(c->s2);
  free(c->data);
  free(c);
}

// The dispatch arguments (op, req, n0..n4, s1, s2, data) of a call; frees it.
static void call_args(napi_env env, call_t *c, napi_value argv[10]) {
  napi_value undef;
  napi_get_undefined(env, &undef);
  napi_create_int32(env, c->op, &argv[0]);
  napi_create_double(env, (double)(uintptr_t)c->req, &argv[1]);
  for (int i = 0; i < NUM_ARGS; i++) napi_create_double(env, c->n[i], &argv[2 + i]);
  argv[7] = argv[8] = argv[9] = undef;
  if (c->s1) napi_create_string_utf8(env, c->s1, NAPI_AUTO_LENGTH, &argv[7]);
  if (c->s2) napi_create_string_utf8(env, c->s2, NAPI_AUTO_LENGTH, &argv[8]);
  if (c->op == OP_WRITE) {
    if (c->size > 0) {
      napi_create_external_buffer(env, c->size, c->data, free_external, NULL, &argv[9]);
      c->data = NULL; // owned by the Buffer now
    } else {
      void *p;
      napi_create_buffer(env, 0, &p, &argv[9]);
    }
  }
  free_call(c);
}

static void call_js(napi_env env, napi_value js_cb, void *context, void *data) {
  (void)context;
  call_t *c = data;
  if (env == NULL) { // the function is being torn down: drop the call
    free_call(c);
    return;
  }
  napi_value argv[10], undef;
  call_args(env, c, argv);
  napi_get_undefined(env, &undef);
  napi_call_function(env, undef, js_cb, 10, argv, NULL);
}

// onJsThread mode, inside process_buf: call dispatch now. make_callback (not
// call_function): we are in a libuv callback, not in JavaScript, so this is
// what runs the microtasks and nextTicks the call queued, as the threadsafe
// function's own callback scope does. A throw is the process's uncaught
// exception, as it is for a threadsafe function's call.
static void deliver_now(session_t *s, call_t *c) {
  napi_env env = s->env;
  napi_value argv[10], fn, recv, result;
  call_args(env, c, argv);
  napi_get_global(env, &recv); // make_callback wants an object
  if (napi_get_reference_value(env, s->dispatch, &fn) != napi_ok || !fn) return;
  if (napi_make_callback(env, s->actx, recv, fn, 10, argv, &result) != napi_ok) {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) {
      napi_value err;
      napi_get_and_clear_last_exception(env, &err);
      napi_fatal_exception(env, err);
    }
  }
}

static session_t *session_arg(napi_env env, napi_value v) {
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok || !p) {
    napi_throw_type_error(env, "TC_FUSE_BINDING", "expected a FUSE session");
    return NULL;
  }
  return p;
}

static double num_arg(napi_env env, napi_value v) {
  double d = 0;
  napi_get_value_double(env, v, &d);
  return d;
}

// Reply functions: (session, req, ...). They return false when the session is
// closed (the request is dropped: the kernel connection is gone).
#define REPLY_PROLOGUE(nargs)                                       \
  size_t argc = nargs;                                              \
  napi_value args[nargs];                                           \
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));     \
  session_t *s = session_arg(env, args[0]);                         \
  if (!s) return NULL;                                              \
  fuse_req_t req = (fuse_req_t)(uintptr_t)num_arg(env, args[1]);    \
  napi_value result;                                                \
  if (atomic_load(&s->closed) || !req) {                            \
    napi_get_boolean(env, false, &result);                          \
    return result;                                                  \
  }

#define REPLY_DONE()                     \
  napi_get_boolean(env, true, &result); \
  return result;

// Attributes: ino, mode (type and permissions), nlink, size, mtimeMs, ctimeMs, uid, gid.
static void fill_stat(napi_env env, napi_value *a, struct stat *st) {
  memset(st, 0, sizeof *st);
  st->st_ino = (ino_t)num_arg(env, a[0]);
  st->st_mode = (mode_t)num_arg(env, a[1]);
  st->st_nlink = (nlink_t)num_arg(env, a[2]);
  st->st_size = (off_t)num_arg(env, a[3]);
  double mtime = num_arg(env, a[4]), ctime = num_arg(env, a[5]);
  st->st_mtim.tv_sec = (time_t)(mtime / 1000);
  st->st_mtim.tv_nsec = (long)((mtime - (double)st->st_mtim.tv_sec * 1000) * 1e6);
  st->st_ctim.tv_sec = (time_t)(ctime / 1000);
  st->st_ctim.tv_nsec = (long)((ctime - (double)st->st_ctim.tv_sec * 1000) * 1e6);
  st->st_atim = st->st_mtim;
  st->st_uid = (uid_t)num_arg(env, a[6]);
  st->st_gid = (gid_t)num_arg(env, a[7]);
  st->st_blksize = 4096;
  st->st_blocks = (st->st_size + 511) / 512;
}

static napi_value reply_err(napi_env env, napi_callback_info info) {
  REPLY_PROLOGUE(3);
  fuse_reply_err(req, (int)num_arg(env, args[2]));
  REPLY_DONE();
}

// (s, req, ino, mode, nlink, size, mtimeMs, ctimeMs, uid, gid, attrTimeout, entryTimeout)
static napi_value reply_entry(napi_env env, napi_callback_info info) {
  REPLY_PROLOGUE(12);
  struct fuse_entry_param e;
  memset(&e, 0, sizeof e);
  fill_stat(env, &args[2], &e.attr);
  e.ino = e.attr.st_ino;
  e.attr_timeout = num_arg(env, args[10]);
  e.entry_timeout = num_arg(env, args[11]);
  fuse_reply_entry(req, &e);
  REPLY_DONE();
}

// (s, req, ino, mode, nlink, size, mtimeMs, ctimeMs, uid, gid, attrTimeout)
static napi_value reply_attr(napi_env env, napi_callback_info info) {
  REPLY_PROLOGUE(11);
  struct stat st;
  fill_stat(env, &args[2], &st);
  fuse_reply_attr(req, &st, num_arg(env, args[10]));
  REPLY_DONE();
}

static void fill_fi(napi_env env, napi_value *a, struct fuse_file_info *fi) {
  memset(fi, 0, sizeof *fi);
  fi->fh = (uint64_t)num_arg(env, a[0]);
  bool b = false;
  napi_get_value_bool(env, a[1], &b);
  fi->keep_cache = b;
  b = false;
  napi_get_value_bool(env, a[2], &b);
  fi->direct_io = b;
}

// (s, req, fh, keepCache, directIo)
static napi_value reply_open(napi_env env, napi_callback_info info) {
  REPLY_PROLOGUE(5);
  struct fuse_file_info fi;
  fill_fi(env, &args[2], &fi);
  fuse_reply_open(req, &fi);
  REPLY_DONE();
}

// (s, req, ino, mode, nlink, size, mtimeMs, ctimeMs, uid, gid, attrTimeout, entryTimeout, fh, keepCache, directIo)
static napi_value reply_create(napi_env env, napi_callback_info info) {
  REPLY_PROLOGUE(15);
  struct fuse_entry_param e;
  memset(&e, 0, sizeof e);
  fill_stat(env, &args[2], &e.attr);
  e.ino = e.attr.st_ino;
  e.attr_timeout = num_arg(env, args[10]);
  e.entry_timeout = num_arg(env, args[11]);
  struct fuse_file_info fi;
  fill_fi(env, &args[12], &fi);
  fuse_reply_create(req, &e, &fi);
  REPLY_DONE();
}

// (s, req, buffer)
static napi_value reply_buf(napi_env env, napi_callback_info info) {
  REPLY_PROLOGUE(3);
  void *data = NULL;
  size_t len = 0;
  if (napi_get_buffer_info(env, args[2], &data, &len) != napi_ok) {
    fuse_reply_err(req, EIO);
    napi_throw_type_error(env, "TC_FUSE_BINDING", "replyBuf expects a Buffer");
    return NULL;
  }
  fuse_reply_buf(req, data, len);
  REPLY_DONE();
}

// (s, req, count)
static napi_value reply_write(napi_env env, napi_callback_info info) {
  REPLY_PROLOGUE(3);
  fuse_reply_write(req, (size_t)num_arg(env, args[2]));
  REPLY_DONE();
}

// (s, req, blockSize, blocks, blocksFree, blocksAvail, files, filesFree, nameMax)
static napi_value reply_statfs(napi_env env, napi_callback_info info) {
  REPLY_PROLOGUE(9);
  struct statvfs sv;
  memset(&sv, 0, sizeof sv);
  sv.f_bsize = sv.f_frsize = (unsigned long)num_arg(env, args[2]);
  sv.f_blocks = (fsblkcnt_t)num_arg(env, args[3]);
  sv.f_bfree = (fsblkcnt_t)num_arg(env, args[4]);
  sv.f_bavail = (fsblkcnt_t)num_arg(env, args[5]);
  sv.f_files = (fsfilcnt_t)num_arg(env, args[6]);
  sv.f_ffree = sv.f_favail = (fsfilcnt_t)num_arg(env, args[7]);
  sv.f_namemax = (unsigned long)num_arg(env, args[8]);
  fuse_reply_statfs(req, &sv);
  REPLY_DONE();
}

// (s, req, size, offset, names: string[], types: number[] (S_IF* >> 12, 0 unknown))
// Entries from index `offset`; each entry's offset is its index + 1.
static napi_value reply_dir(napi_env env, napi_callback_info info) {
  REPLY_PROLOGUE(6);
  size_t size = (size_t)num_arg(env, args[2]);
  uint32_t from = (uint32_t)num_arg(env, args[3]);
  uint32_t count = 0;
  napi_get_array_length(env, args[4], &count);
  char *buf = malloc(size ? size : 1);
  if (!buf) {
    fuse_reply_err(req, ENOMEM);
    REPLY_DONE();
  }
  size_t used = 0;
  char name[1024];
  for (uint32_t i = from; i < count; i++) {
    napi_value nv, tv;
    napi_get_element(env, args[4], i, &nv);
    napi_get_element(env, args[5], i, &tv);
    size_t nlen = 0;
    napi_get_value_string_utf8(env, nv, name, sizeof name, &nlen);
    struct stat st;
    memset(&st, 0, sizeof st);
    st.st_ino = UNKNOWN_INO;
    st.st_mode = ((mode_t)num_arg(env, tv)) << 12;
    size_t need = fuse_add_direntry(req, buf + used, size - used, name, &st, i + 1);
    if (need > size - used) break;
    used += need;
  }
  fuse_reply_buf(req, buf, used);
  free(buf);
  REPLY_DONE();
}

static void enqueue_notice(session_t *s, notice_t *n) {
  pthread_mutex_lock(&s->nlock);
  if (s->nstop) {
    pthread_mutex_unlock(&s->nlock);
    free(n->name);
    free(n);
    return;
  }
  if (s->ntail)
    s->ntail->next = n;
  else
    s->nhead = n;
  s->ntail = n;
  pthread_cond_signal(&s->ncond);
  pthread_mutex_unlock(&s->nlock);
}

// (s, ino, id): drop the kernel's cached pages and attributes of an inode.
static napi_value notify_inval_inode(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value args[3];
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  session_t *s = session_arg(env, args[0]);
  if (!s || atomic_load(&s->closed)) return NULL;
  notice_t *n = calloc(1, sizeof *n);
  if (!n) return NULL;
  n->ino = (uint64_t)num_arg(env, args[1]);
  n->id = num_arg(env, args[2]);
  enqueue_notice(s, n);
  return NULL;
}

// (s, parentIno, name, id): drop a cached directory entry.
static napi_value notify_inval_entry(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value args[4];
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  session_t *s = session_arg(env, args[0]);
  if (!s || atomic_load(&s->closed)) return NULL;
  char name[1024];
  size_t nlen = 0;
  napi_get_value_string_utf8(env, args[2], name, sizeof name, &nlen);
  notice_t *n = calloc(1, sizeof *n);
  if (!n) return NULL;
  n->parent = (uint64_t)num_arg(env, args[1]);
  n->name = strdup(name);
  n->id = num_arg(env, args[3]);
  enqueue_notice(s, n);
  return NULL;
}

static char *string_arg(napi_env env, napi_value v) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return NULL;
  char *out = malloc(len + 1);
  if (!out) return NULL;
  napi_get_value_string_utf8(env, v, out, len + 1, &len);
  return out;
}

static void throw_mount_error(napi_env env, const char *what) {
  char msg[1400];
  pthread_mutex_lock(&log_lock);
  snprintf(msg, sizeof msg, "%s%s%s", what, log_last[0] ? ": " : "", log_last);
  log_capturing = 0;
  log_last[0] = '\0';
  pthread_mutex_unlock(&log_lock);
  napi_throw_error(env, "TC_FUSE_MOUNT", msg);
}

// mount(mountpoint, options: string (for -o), maxWrite, maxReadahead, writebackCache, onJsThread, dispatch) -> session
static napi_value mount_fs(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value args[7];
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  char *mountpoint = string_arg(env, args[0]);
  char *options = string_arg(env, args[1]);
  if (!mountpoint || !options) {
    free(mountpoint);
    free(options);
    napi_throw_type_error(env, "TC_FUSE_BINDING", "mount(mountpoint, options, ...) expects strings");
    return NULL;
  }
  session_t *s = calloc(1, sizeof *s);
  s->max_write = (unsigned)num_arg(env, args[2]);
  s->max_readahead = (unsigned)num_arg(env, args[3]);
  bool wb = false;
  napi_get_value_bool(env, args[4], &wb);
  s->writeback_cache = wb;
  bool on_js = false;
  napi_get_value_bool(env, args[5], &on_js);
  s->on_js_thread = on_js;
  s->env = env;
  s->wake_fd = -1;
  pthread_mutex_init(&s->nlock, NULL);
  pthread_cond_init(&s->ncond, NULL);

  char *argv[] = {"tiercache", "-o", options, NULL};
  struct fuse_args fargs = FUSE_ARGS_INIT(3, argv);
  pthread_mutex_lock(&log_lock);
  log_capturing = 1;
  log_last[0] = '\0';
  pthread_mutex_unlock(&log_lock);
  s->se = fuse_session_new(&fargs, &OPS, sizeof OPS, s);
  fuse_opt_free_args(&fargs);
  free(options);
  if (!s->se) {
    free(mountpoint);
    free(s);
    throw_mount_error(env, "cannot start a FUSE session");
    return NULL;
  }
  if (fuse_session_mount(s->se, mountpoint) != 0) {
    fuse_session_destroy(s->se);
    free(mountpoint);
    free(s);
    throw_mount_error(env, "cannot mount");
    return NULL;
  }
  free(mountpoint);
  pthread_mutex_lock(&log_lock);
  log_capturing = 0;
  pthread_mutex_unlock(&log_lock);

  napi_value name;
  napi_create_string_utf8(env, "tiercache-fuse", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, args[6], NULL, name, 0, 1, NULL, NULL, NULL, call_js, &s->tsfn) != napi_ok) {
    fuse_session_unmount(s->se);
    fuse_session_destroy(s->se);
    free(s);
    napi_throw_error(env, "TC_FUSE_BINDING", "cannot create the threadsafe function");
    return NULL;
  }
  s->wake_fd = eventfd(0, EFD_CLOEXEC);
  pthread_create(&s->notify_thread, NULL, notify_main, s);
  if (s->on_js_thread) {
    uv_loop_t *loop = NULL;
    int fd = fuse_session_fd(s->se);
    if (napi_get_uv_event_loop(env, &loop) != napi_ok || napi_create_reference(env, args[6], 1, &s->dispatch) != napi_ok ||
        napi_async_init(env, NULL, name, &s->actx) != napi_ok || fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0 ||
        uv_poll_init(loop, &s->poll, fd) != 0) {
      // Unlikely; the mount is up, so say so through the usual end of a session.
      call_t *c = new_call(OP_LOOP_DONE, NULL);
      if (c) {
        c->n[0] = EIO;
        post(s, c);
      }
    } else {
      s->poll.data = s;
      s->polling = 1;
      uv_poll_start(&s->poll, UV_READABLE, on_fuse_readable);
    }
  } else {
    pthread_create(&s->loop_thread, NULL, loop_main, s);
  }
  napi_value ext;
  CHECK(napi_create_external(env, s, NULL, NULL, &ext));
  return ext;
}

// stop(session): asks the loop thread to end; LOOP_DONE follows.
static napi_value stop_fs(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value args[1];
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  session_t *s = session_arg(env, args[0]);
  if (!s || s->destroyed) return NULL;
  if (s->on_js_thread) {
    end_polling(s, 0);
    return NULL;
  }
  uint64_t one = 1;
  if (write(s->wake_fd, &one, sizeof one) < 0) { /* the loop sees the eventfd or is gone */
  }
  return NULL;
}

// destroy(session): after LOOP_DONE. Unmounts (lazily) and frees.
static napi_value destroy_fs(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value args[1];
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  session_t *s = session_arg(env, args[0]);
  if (!s || s->destroyed) return NULL;
  s->destroyed = 1;
  atomic_store(&s->closed, 1);
  int in_request = s->direct; // destroy() from a dispatch (process exit): libfuse is on the stack
  if (s->on_js_thread) {
    s->polling = 0;
    if (s->poll.data) uv_close((uv_handle_t *)&s->poll, NULL);
    if (s->dispatch) napi_delete_reference(env, s->dispatch);
    if (s->actx) napi_async_destroy(env, s->actx);
  } else {
    pthread_join(s->loop_thread, NULL);
  }
  pthread_mutex_lock(&s->nlock);
  s->nstop = 1;
  pthread_cond_signal(&s->ncond);
  pthread_mutex_unlock(&s->nlock);
  struct timespec deadline;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += NOTIFY_JOIN_TIMEOUT_S;
  int stuck = pthread_timedjoin_np(s->notify_thread, NULL, &deadline) != 0;
  if (stuck) pthread_detach(s->notify_thread);
  fuse_session_unmount(s->se);
  // A notify thread stuck in the kernel still uses the session: leak it.
  if (!stuck && !in_request) fuse_session_destroy(s->se);
  if (!in_request) {
    free(s->fbuf.mem);
    s->fbuf.mem = NULL;
  }
  close(s->wake_fd);
  napi_release_threadsafe_function(s->tsfn, napi_tsfn_release);
  // `s` itself stays allocated: the JS external may still be referenced, and
  // replies check `closed` through it.
  return NULL;
}

// ---- early write-back of a staged file (not tied to a session)
//
// startWriteback(fd): asks the kernel to start writing the file's dirty pages
// to disk now (sync_file_range SYNC_FILE_RANGE_WRITE: no wait, no cache
// flush), on a libuv thread, so a later fsync(2) finds most of the data on
// disk already. Advisory: failures are ignored, durability is fsync's job.
// The fd is dup'ed here, on the JS thread, so closing the caller's file
// meanwhile cannot point the request at another file.

typedef struct writeback_work {
  napi_async_work work;
  int fd;
} writeback_work_t;

static void writeback_execute(napi_env env, void *data) {
  (void)env;
  writeback_work_t *w = data;
  (void)sync_file_range(w->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
}

static void writeback_complete(napi_env env, napi_status status, void *data) {
  (void)status;
  writeback_work_t *w = data;
  close(w->fd);
  napi_delete_async_work(env, w->work);
  free(w);
}

static napi_value start_writeback(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value args[1];
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  int fd = (int)num_arg(env, args[0]);
  writeback_work_t *w = calloc(1, sizeof *w);
  if (!w) return NULL;
  w->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (w->fd < 0) {
    free(w);
    return NULL;
  }
  napi_value name;
  napi_create_string_utf8(env, "tiercache-writeback", NAPI_AUTO_LENGTH, &name);
  if (napi_create_async_work(env, NULL, name, writeback_execute, writeback_complete, w, &w->work) != napi_ok) {
    close(w->fd);
    free(w);
  } else if (napi_queue_async_work(env, w->work) != napi_ok) {
    napi_delete_async_work(env, w->work);
    close(w->fd);
    free(w);
  }
  return NULL;
}

static napi_value init_module(napi_env env, napi_value exports) {
  fuse_set_log_func(log_func);
  struct {
    const char *name;
    napi_callback fn;
  } fns[] = {
      {"mount", mount_fs},
      {"stop", stop_fs},
      {"destroy", destroy_fs},
      {"replyErr", reply_err},
      {"replyEntry", reply_entry},
      {"replyAttr", reply_attr},
      {"replyOpen", reply_open},
      {"replyCreate", reply_create},
      {"replyBuf", reply_buf},
      {"replyWrite", reply_write},
      {"replyStatfs", reply_statfs},
      {"replyDir", reply_dir},
      {"notifyInvalInode", notify_inval_inode},
      {"notifyInvalEntry", notify_inval_entry},
      {"startWriteback", start_writeback},
  };
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value f;
    napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &f);
    napi_set_named_property(env, exports, fns[i].name, f);
  }
  napi_value version;
  napi_create_int32(env, fuse_version(), &version);
  napi_set_named_property(env, exports, "libfuseVersion", version);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init_module)
