// CRC-32C (Castagnoli, reflected polynomial 0x82f63b78; the check value of
// "123456789" is 0xe3069283), the SSD tier's block checksum. With SSE4.2
// (checked once with cpuid) three independent crc32 instructions run over
// three adjacent stretches of a block and are joined with zero-shift tables,
// as in Mark Adler's crc32c.c: the instruction's latency is 3 cycles and
// its throughput one per cycle, so one stream alone would use a third of it.
// Without SSE4.2, slicing-by-8 tables. Both compute the same function (the
// test compares them with a bitwise reference).

#include "crc32c.h"

#include <pthread.h>
#include <string.h>

#define CRC32C_POLY 0x82f63b78u
#define CRC32C_LONG 8192
#define CRC32C_SHORT 256

static uint32_t crc32c_table[8][256];
static uint32_t crc32c_long[4][256];
static uint32_t crc32c_short[4][256];
static int crc32c_have_hw;
static pthread_once_t crc32c_once = PTHREAD_ONCE_INIT;

static uint32_t gf2_matrix_times(const uint32_t *mat, uint32_t vec) {
  uint32_t sum = 0;
  while (vec) {
    if (vec & 1) sum ^= *mat;
    vec >>= 1;
    mat++;
  }
  return sum;
}

static void gf2_matrix_square(uint32_t *square, const uint32_t *mat) {
  for (int n = 0; n < 32; n++) square[n] = gf2_matrix_times(mat, mat[n]);
}

/** The operator that appends `len` zero bytes (a power of two) to a CRC. */
static void crc32c_zeros_op(uint32_t *even, size_t len) {
  uint32_t odd[32];
  odd[0] = CRC32C_POLY;  // one zero bit
  uint32_t row = 1;
  for (int n = 1; n < 32; n++) {
    odd[n] = row;
    row <<= 1;
  }
  gf2_matrix_square(even, odd);  // two zero bits
  gf2_matrix_square(odd, even);  // four
  // Each square doubles: the first gives one zero byte in `even`.
  do {
    gf2_matrix_square(even, odd);
    len >>= 1;
    if (len == 0) return;
    gf2_matrix_square(odd, even);
    len >>= 1;
  } while (len);
  memcpy(even, odd, sizeof odd);
}

static void crc32c_zeros(uint32_t zeros[][256], size_t len) {
  uint32_t op[32];
  crc32c_zeros_op(op, len);
  for (uint32_t n = 0; n < 256; n++) {
    zeros[0][n] = gf2_matrix_times(op, n);
    zeros[1][n] = gf2_matrix_times(op, n << 8);
    zeros[2][n] = gf2_matrix_times(op, n << 16);
    zeros[3][n] = gf2_matrix_times(op, n << 24);
  }
}

static uint32_t crc32c_shift(uint32_t zeros[][256], uint32_t crc) {
  return zeros[0][crc & 0xff] ^ zeros[1][(crc >> 8) & 0xff] ^ zeros[2][(crc >> 16) & 0xff] ^ zeros[3][crc >> 24];
}

static void crc32c_init(void) {
  for (uint32_t n = 0; n < 256; n++) {
    uint32_t c = n;
    for (int k = 0; k < 8; k++) c = c & 1 ? (c >> 1) ^ CRC32C_POLY : c >> 1;
    crc32c_table[0][n] = c;
  }
  for (uint32_t n = 0; n < 256; n++) {
    uint32_t c = crc32c_table[0][n];
    for (int k = 1; k < 8; k++) {
      c = crc32c_table[0][c & 0xff] ^ (c >> 8);
      crc32c_table[k][n] = c;
    }
  }
  crc32c_zeros(crc32c_long, CRC32C_LONG);
  crc32c_zeros(crc32c_short, CRC32C_SHORT);
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
  crc32c_have_hw = __builtin_cpu_supports("sse4.2");
#endif
}

static uint32_t crc32c_sw(uint32_t crc, const unsigned char *p, size_t len) {
  uint64_t c = crc ^ 0xffffffffu;
  while (len && ((uintptr_t)p & 7) != 0) {
    c = crc32c_table[0][(c ^ *p++) & 0xff] ^ (c >> 8);
    len--;
  }
  while (len >= 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    w ^= c;  // little-endian: the CRC's low byte meets the first data byte
    c = crc32c_table[7][w & 0xff] ^ crc32c_table[6][(w >> 8) & 0xff] ^ crc32c_table[5][(w >> 16) & 0xff] ^
        crc32c_table[4][(w >> 24) & 0xff] ^ crc32c_table[3][(w >> 32) & 0xff] ^ crc32c_table[2][(w >> 40) & 0xff] ^
        crc32c_table[1][(w >> 48) & 0xff] ^ crc32c_table[0][w >> 56];
    p += 8;
    len -= 8;
  }
  while (len--) c = crc32c_table[0][(c ^ *p++) & 0xff] ^ (c >> 8);
  return (uint32_t)c ^ 0xffffffffu;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <nmmintrin.h>

/** Three streams of `stretch` bytes at once, joined; returns the bytes consumed. */
__attribute__((target("sse4.2"))) static size_t crc32c_hw_triples(uint64_t *crc, const unsigned char *p, size_t len,
                                                                  size_t stretch, uint32_t zeros[][256]) {
  size_t used = 0;
  uint64_t c0 = *crc;
  while (len - used >= 3 * stretch) {
    const unsigned char *q = p + used, *end = q + stretch;
    uint64_t c1 = 0, c2 = 0;
    do {
      uint64_t w0, w1, w2;
      memcpy(&w0, q, 8);
      memcpy(&w1, q + stretch, 8);
      memcpy(&w2, q + 2 * stretch, 8);
      c0 = _mm_crc32_u64(c0, w0);
      c1 = _mm_crc32_u64(c1, w1);
      c2 = _mm_crc32_u64(c2, w2);
      q += 8;
    } while (q < end);
    c0 = crc32c_shift(zeros, (uint32_t)c0) ^ c1;
    c0 = crc32c_shift(zeros, (uint32_t)c0) ^ c2;
    used += 3 * stretch;
  }
  *crc = c0;
  return used;
}

__attribute__((target("sse4.2"))) static uint32_t crc32c_hw(uint32_t crc, const unsigned char *p, size_t len) {
  uint64_t c = crc ^ 0xffffffffu;
  while (len && ((uintptr_t)p & 7) != 0) {
    c = _mm_crc32_u8((uint32_t)c, *p++);
    len--;
  }
  size_t used = crc32c_hw_triples(&c, p, len, CRC32C_LONG, crc32c_long);
  p += used;
  len -= used;
  used = crc32c_hw_triples(&c, p, len, CRC32C_SHORT, crc32c_short);
  p += used;
  len -= used;
  while (len >= 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    c = _mm_crc32_u64(c, w);
    p += 8;
    len -= 8;
  }
  while (len--) c = _mm_crc32_u8((uint32_t)c, *p++);
  return (uint32_t)c ^ 0xffffffffu;
}
#endif

uint32_t tc_crc32c(const void *buf, size_t len, int portable) {
  pthread_once(&crc32c_once, crc32c_init);
#if defined(__x86_64__) && defined(__GNUC__)
  if (crc32c_have_hw && !portable) return crc32c_hw(0, buf, len);
#endif
  return crc32c_sw(0, buf, len);
}

int tc_crc32c_hardware(void) {
  pthread_once(&crc32c_once, crc32c_init);
  return crc32c_have_hw;
}
