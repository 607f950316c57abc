/*
 * emu_base64.c - strict standard base64 decoding and standard / URL-safe
 * encoding (RFC 4648 sections 4 and 5, always with '=' padding), on
 * libcrypto's EVP_EncodeBlock / EVP_DecodeBlock.
 *
 * Invariants: decode accepts exactly the strings encode(…, 0) produces:
 * length a multiple of 4, alphabet A-Z a-z 0-9 + /, at most two '=' and
 * only at the end, and zero bits in the unused low bits of the last
 * character (RFC 4648 3.5 "canonical encoding"). So two valid encodings are
 * byte-equal exactly when the decoded data is. EVP_DecodeBlock is laxer
 * (it skips leading and trailing white space, reads '=' anywhere as a zero
 * sextet, ignores pad bits and counts padding as decoded bytes), so
 * emu_base64_is_canonical screens every input first and the padding is
 * subtracted here.
 * Ownership: results are malloc'd; the caller frees them.
 * Threading: pure functions, no shared state.
 */
#include "emu_base64.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>

/* EVP_*Block take int lengths: work in chunks well below INT_MAX, whole
 * groups (3 bytes in, 4 characters out). */
#define ENCODE_CHUNK ((size_t)3 << 28)
#define DECODE_CHUNK ((size_t)4 << 28)

/* The standard alphabet's values plus one; 0 outside it (one load per
 * character on the decode path). */
static const unsigned char sextet_plus_one[256] = {
    ['A'] = 1,  ['B'] = 2,  ['C'] = 3,  ['D'] = 4,  ['E'] = 5,  ['F'] = 6,  ['G'] = 7,  ['H'] = 8,
    ['I'] = 9,  ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16,
    ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
    ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32,
    ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40,
    ['o'] = 41, ['p'] = 42, ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48,
    ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56,
    ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64,
};

int emu_base64_sextet(unsigned char c) {
  return (int)sextet_plus_one[c] - 1;
}

static size_t pads_of(const char *in, size_t len) {
  size_t pads = 0;

  if (len > 0 && in[len - 1] == '=')
    pads++;
  if (len > 1 && in[len - 2] == '=')
    pads++;
  return pads;
}

size_t emu_base64_decoded_len(const char *in, size_t len) {
  return len / 4 * 3 - pads_of(in, len);
}

int emu_base64_is_canonical(const char *in, size_t len) {
  const unsigned char *s = (const unsigned char *)in;
  size_t pads, i;

  if (len % 4 != 0 || (len > 0 && !in))
    return 0;
  /* RFC 4648 3.3: padding only at the end, at most two characters. */
  pads = pads_of(in, len);
  for (i = 0; i < len - pads; i++)
    if (!sextet_plus_one[s[i]])
      return 0; /* a character outside the alphabet, or '=' in the middle */
  /* RFC 4648 3.5: zero bits after the last byte ("Zh==", "Zm9="). */
  if (pads == 2 && (emu_base64_sextet(s[len - 3]) & 0xF) != 0)
    return 0;
  if (pads == 1 && (emu_base64_sextet(s[len - 2]) & 0x3) != 0)
    return 0;
  return 1;
}

int emu_base64_decode(const char *in, size_t len, unsigned char **out, size_t *out_len) {
  size_t done = 0, o = 0, n;
  unsigned char *buf;
  int got;

  *out = NULL;
  *out_len = 0;
  if (!emu_base64_is_canonical(in, len))
    return -1;
  buf = malloc(len / 4 * 3 + 1);
  if (!buf)
    return -1;
  while (done < len) {
    n = len - done < DECODE_CHUNK ? len - done : DECODE_CHUNK;
    got = EVP_DecodeBlock(buf + o, (const unsigned char *)in + done, (int)n);
    if (got < 0 || (size_t)got != n / 4 * 3) {
      free(buf);
      return -1;
    }
    o += (size_t)got;
    done += n;
  }
  o -= pads_of(in, len); /* EVP_DecodeBlock counts padding as zero bytes */
  buf[o] = '\0';
  *out = buf;
  *out_len = o;
  return 0;
}

size_t emu_base64_encode_into(const unsigned char *in, size_t len, char *out, int url_safe) {
  size_t done = 0, o = 0, n, i;

  while (done < len) {
    n = len - done < ENCODE_CHUNK ? len - done : ENCODE_CHUNK;
    o += (size_t)EVP_EncodeBlock((unsigned char *)out + o, in + done, (int)n);
    done += n;
  }
  out[o] = '\0';
  if (url_safe)
    for (i = 0; i < o; i++) {
      if (out[i] == '+')
        out[i] = '-';
      else if (out[i] == '/')
        out[i] = '_';
    }
  return o;
}

char *emu_base64_encode(const unsigned char *in, size_t len, int url_safe) {
  char *out;

  if (len > (SIZE_MAX - 1) / 4 * 3 - 3)
    return NULL; /* output length would overflow size_t */
  out = malloc(EMU_BASE64_ENCODED_LEN(len) + 1);
  if (out)
    emu_base64_encode_into(in, len, out, url_safe);
  return out;
}
