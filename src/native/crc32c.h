#ifndef TIERCACHE_CRC32C_H
#define TIERCACHE_CRC32C_H
// CRC-32C of the SSD tier's blocks (src/native/crc32c.c).
#include <stddef.h>
#include <stdint.h>

/** CRC-32C of `len` bytes; `portable` skips the SSE4.2 instruction (tests compare both). Thread-safe. */
uint32_t tc_crc32c(const void *buf, size_t len, int portable);
/** 1 when the SSE4.2 crc32 instruction is used. */
int tc_crc32c_hardware(void);

#endif
