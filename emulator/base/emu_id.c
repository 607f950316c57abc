/*
 * emu_id.c - AWS-shaped ids (see emu_id.h).
 *
 * Randomness: a per-thread xoshiro256** generator seeded from getrandom();
 * ids need uniqueness and unpredictability for tests, not cryptography.
 * Threading: thread-local state only.
 */
#include "emu_id.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

static _Thread_local uint64_t rng_state[4];
static _Thread_local int rng_seeded;

static uint64_t rotl(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

static void rng_seed(void) {
  ssize_t got = getrandom(rng_state, sizeof(rng_state), 0);

  if (got != (ssize_t)sizeof(rng_state)) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    rng_state[0] = (uint64_t)ts.tv_nsec ^ 0x9E3779B97F4A7C15ull;
    rng_state[1] = (uint64_t)ts.tv_sec * 0xBF58476D1CE4E5B9ull;
    rng_state[2] = (uint64_t)(uintptr_t)&rng_seeded;
    rng_state[3] = 0x94D049BB133111EBull;
  }
  rng_seeded = 1;
}

uint64_t emu_id_random64(void) {
  uint64_t *s = rng_state;
  uint64_t result, t;

  if (!rng_seeded)
    rng_seed();
  result = rotl(s[1] * 5, 7) * 9;
  t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

int emu_id_is_valid(const char *id, size_t len) {
  size_t i;

  if (len != EMU_ID_LEN || id[EMU_ID_LEN - 1] != '=')
    return 0;
  for (i = 0; i < EMU_ID_LEN - 1; i++) {
    unsigned char c = (unsigned char)id[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_'))
      return 0;
  }
  return 1;
}

void emu_id_new(char out[EMU_ID_LEN + 1]) {
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  uint64_t a = emu_id_random64(), b = emu_id_random64();
  int i;

  /* 15 base64 characters carry 90 bits; the 16th is the '=' of 11 bytes
   * (88 bits): the last character only uses its top 4 bits, as in real ids.
   * The characters are drawn from random bits directly rather than by
   * encoding 11 random bytes with emu_base64_encode_into: the same text,
   * two ids are minted per message, and through libcrypto's encoder an id
   * took 27 ns instead of 9 (measured with -O2). */
  for (i = 0; i < 10; i++, a >>= 6)
    out[i] = alphabet[a & 63];
  for (; i < 14; i++, b >>= 6)
    out[i] = alphabet[b & 63];
  out[14] = alphabet[(b & 15) << 2];
  out[15] = '=';
  out[16] = '\0';
}

void emu_id_uuid(char out[EMU_UUID_LEN + 1]) {
  uint64_t hi = emu_id_random64(), lo = emu_id_random64();

  hi = (hi & ~0xF000ull) | 0x4000ull;       /* version 4 */
  lo = (lo & ~(3ull << 62)) | (2ull << 62); /* variant 10 */
  snprintf(out, EMU_UUID_LEN + 1, "%08x-%04x-%04x-%04x-%012llx", (unsigned)(hi >> 32),
           (unsigned)((hi >> 16) & 0xFFFF), (unsigned)(hi & 0xFFFF), (unsigned)(lo >> 48),
           (unsigned long long)(lo & 0xFFFFFFFFFFFFull));
}

void emu_id_api_id(const char *name, char out[11]) {
  static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  uint64_t h = 14695981039346656037ull; /* FNV-1a 64 */
  int i;

  for (; *name; name++)
    h = (h ^ (unsigned char)*name) * 1099511628211ull;
  for (i = 0; i < 10; i++) {
    out[i] = alphabet[h % 36];
    h = h / 36 + (h % 7) * 0x9E3779B97F4A7C15ull;
  }
  out[10] = '\0';
}
