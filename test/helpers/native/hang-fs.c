/* A tiny FUSE file system for the hung-mount test: files f0..f15 of 1 MiB
 * in its root. The test stops this process (SIGSTOP) once it is mounted:
 * from then on every request waits in the kernel, unread, like a mount
 * whose server went away (MooseFS with mfsmount stopped). Such waits stay
 * killable, so the test's cleanup (SIGKILL this process, then a lazy
 * unmount) releases everything that hangs in it.
 * usage: hang-fs -f MOUNTPOINT */
#define FUSE_USE_VERSION 31
#include <fuse.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static int hang_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
  (void)fi;
  memset(st, 0, sizeof *st);
  if (strcmp(path, "/") == 0) {
    st->st_mode = S_IFDIR | 0755;
    st->st_nlink = 2;
    return 0;
  }
  if (path[1] == 'f' && strlen(path) <= 4) {
    st->st_mode = S_IFREG | 0644;
    st->st_nlink = 1;
    st->st_size = 1 << 20;
    return 0;
  }
  return -ENOENT;
}

static int hang_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off, struct fuse_file_info *fi,
                        enum fuse_readdir_flags flags) {
  (void)off; (void)fi; (void)flags;
  if (strcmp(path, "/") != 0) return -ENOENT;
  fill(buf, ".", NULL, 0, 0);
  fill(buf, "..", NULL, 0, 0);
  char name[8];
  for (int i = 0; i < 16; i++) {
    snprintf(name, sizeof name, "f%d", i);
    fill(buf, name, NULL, 0, 0);
  }
  return 0;
}

static int hang_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
  (void)path; (void)fi;
  if (off >= (1 << 20)) return 0;
  if (off + (off_t)size > (1 << 20)) size = (1 << 20) - off;
  memset(buf, 'x', size);
  return (int)size;
}

static const struct fuse_operations ops = {
  .getattr = hang_getattr,
  .readdir = hang_readdir,
  .read = hang_read,
};

int main(int argc, char *argv[]) {
  return fuse_main(argc, argv, &ops, NULL);
}
