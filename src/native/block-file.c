// The SSD tier's block file write and the error a failed job rejects with,
// shared by the thread-pool jobs (tiercache-io.c) and the writer thread
// (ssd-writer.c).

#define _GNU_SOURCE
#include "block-file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "crc32c.h"

int tc_write_block_file(const char *path, const char *data, size_t len, uint32_t *crc, const char **syscall) {
  *crc = tc_crc32c(data, len, 0);
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) {
    *syscall = "open";
    return errno;
  }
  size_t done = 0;
  while (done < len) {
    ssize_t w = write(fd, data + done, len - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      *syscall = "write";
      close(fd);
      unlink(path);
      return err;
    }
    done += (size_t)w;
  }
  if (close(fd) != 0) {
    int err = errno;
    *syscall = "close";
    unlink(path);
    return err;
  }
  return 0;
}

napi_status tc_errno_error(napi_env env, int err, const char *syscall, const char *path, napi_value *out) {
  const char *name = strerrorname_np(err);
  if (name == NULL) name = "EIO";
  char msg[PATH_MAX + 256];
  snprintf(msg, sizeof msg, "%s: %s, %s '%s'", name, strerror(err), syscall, path);
  napi_value code, text, v;
  napi_status s = napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code);
  if (s == napi_ok) s = napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text);
  if (s == napi_ok) s = napi_create_error(env, code, text, out);
  if (s == napi_ok) s = napi_create_double(env, -(double)err, &v);
  if (s == napi_ok) s = napi_set_named_property(env, *out, "errno", v);
  if (s == napi_ok) s = napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &v);
  if (s == napi_ok) s = napi_set_named_property(env, *out, "syscall", v);
  if (s == napi_ok) s = napi_create_string_utf8(env, path, NAPI_AUTO_LENGTH, &v);
  if (s == napi_ok) s = napi_set_named_property(env, *out, "path", v);
  return s;
}
