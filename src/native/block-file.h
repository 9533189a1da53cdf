#ifndef TIERCACHE_BLOCK_FILE_H
#define TIERCACHE_BLOCK_FILE_H
// What the SSD tier's two block writers share (block-file.c): the thread-pool
// job (tiercache-io.c writeBlock) and the writer thread (ssd-writer.c).
#include <node_api.h>
#include <stddef.h>
#include <stdint.h>

/**
 * CRC-32C of `data` into *crc, open(path, O_CREAT | O_EXCL) (an existing
 * file is never touched), write all, close. Returns 0, or the errno with
 * *syscall naming the call that failed; the file is removed when the write
 * or close fails.
 */
int tc_write_block_file(const char *path, const char *data, size_t len, uint32_t *crc, const char **syscall);

/** A Node-style system error: code (ENOENT...), message "CODE: text, syscall 'path'", errno (negative), syscall, path. */
napi_status tc_errno_error(napi_env env, int err, const char *syscall, const char *path, napi_value *out);

#endif
