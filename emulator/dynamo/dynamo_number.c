/*
 * dynamo_number.c - DynamoDB Numbers as exact decimals: parse, format,
 * compare, add and subtract without ever going through double.
 *
 * Representation (dynamo_number.h): value = sign * 0.d1 d2 ... dn * 10^exp
 * with d1 != 0, dn != 0 and 1 <= n <= 38; zero is sign 0, n 0, exp 0.
 * Invariants: every struct produced here is normalised that way and lies in
 * DynamoDB's range, so exp is within [-129, 126] (the scientific exponent
 * exp - 1 is within [-130, 125]) and two equal values have equal fields.
 * Ownership: plain values and caller buffers; nothing is allocated.
 * Threading: pure functions, no shared state.
 *
 * Spec sources: SPEC docs/spec/dynamodb.md 2.4 (messages), 2.5 (range, spellings,
 * normalisation, arithmetic); paritysuite/dynamodb-conformance
 * tests/tier3/limits/numberExponent.test.ts and
 * tests/tier3/error-messages/valueLayers.test.ts (exponent handling, captured
 * against real DynamoDB in 2026).
 */
#include "dynamo_number.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* SPEC docs/spec/dynamodb.md 2.5: "magnitude 1E-130 .. 9.99...9E+125". These bound the
 * scientific exponent (the power of ten of the first significant digit). */
#define SCI_EXP_MAX 125
#define SCI_EXP_MIN (-130)

/* Positions and exponents are combined in int64_t. Inputs longer than this
 * are refused so that position + exponent can never overflow. */
#define LEN_LIMIT ((size_t)(INT64_MAX / 8))
#define EXP_CLAMP (INT64_MAX / 4)

/* Working width for exact add/sub: digit powers span at most
 * 10^125 .. 10^-168 (38 digits below 1E-130), plus a carry digit. */
#define WORK_DIGITS 320

static int is_digit(char c) {
  return c >= '0' && c <= '9';
}

/* Range-checks a scientific exponent; DYNAMO_NUMBER_OK when inside. */
static enum dynamo_number_status range_status(int64_t sci) {
  if (sci > SCI_EXP_MAX)
    return DYNAMO_NUMBER_OVERFLOW;
  if (sci < SCI_EXP_MIN)
    return DYNAMO_NUMBER_UNDERFLOW;
  return DYNAMO_NUMBER_OK;
}

static void set_zero(struct dynamo_number *out) {
  memset(out, 0, sizeof(*out));
}

enum dynamo_number_status dynamo_number_parse(const char *text, size_t len,
                                              struct dynamo_number *out) {
  size_t i = 0, int_start, int_len, frac_start = 0, frac_len = 0;
  size_t first_nz = 0, last_nz = 0, k, total;
  int have_nz = 0, exp_neg = 0;
  uint64_t exp_mag = 0;
  int64_t exp_val, sci;
  enum dynamo_number_status st;

  set_zero(out);
  if (!text || len == 0 || len > LEN_LIMIT)
    return DYNAMO_NUMBER_INVALID;

  /* SPEC docs/spec/dynamodb.md 2.5: accepted spellings include "+3", ".123",
   * "0001.23", "1e+5", "-17.4E37"; NaN, Infinity and surrounding spaces are
   * rejected. Grammar: [+-]? (D+ ('.' D*)? | '.' D+) ([eE] [+-]? D+)? */
  if (text[i] == '+' || text[i] == '-') {
    out->sign = text[i] == '-' ? -1 : 1;
    i++;
  } else {
    out->sign = 1;
  }
  int_start = i;
  while (i < len && is_digit(text[i]))
    i++;
  int_len = i - int_start;
  if (i < len && text[i] == '.') {
    i++;
    frac_start = i;
    while (i < len && is_digit(text[i]))
      i++;
    frac_len = i - frac_start;
  }
  if (int_len == 0 && frac_len == 0)
    return DYNAMO_NUMBER_INVALID; /* ".", "e5", "-", "+.e1" */
  if (i < len && (text[i] == 'e' || text[i] == 'E')) {
    size_t exp_digits = 0;

    i++;
    if (i < len && (text[i] == '+' || text[i] == '-')) {
      exp_neg = text[i] == '-';
      i++;
    }
    while (i < len && is_digit(text[i])) {
      unsigned d = (unsigned)(text[i] - '0');

      /* SPEC numberExponent.test.ts: "an exponent past a 64-bit integer
       * cannot be converted" (1e9223372036854775808 is refused as not a
       * number), while one that fits is range-checked, never wrapped. */
      if (exp_mag > ((uint64_t)INT64_MAX - d) / 10)
        return DYNAMO_NUMBER_INVALID;
      exp_mag = exp_mag * 10 + d;
      exp_digits++;
      i++;
    }
    if (exp_digits == 0)
      return DYNAMO_NUMBER_INVALID; /* "1e", "1e+" */
  }
  if (i != len)
    return DYNAMO_NUMBER_INVALID; /* trailing garbage, spaces, hex, NUL */

  exp_val = (int64_t)exp_mag;
  if (exp_val > EXP_CLAMP)
    exp_val = EXP_CLAMP; /* far outside the range either way */
  if (exp_neg)
    exp_val = -exp_val;

  /* Locate the significant digits in the virtual string int ++ frac. */
  total = int_len + frac_len;
  for (k = 0; k < total; k++) {
    char c = k < int_len ? text[int_start + k] : text[frac_start + k - int_len];

    if (c != '0') {
      if (!have_nz)
        first_nz = k;
      have_nz = 1;
      last_nz = k;
    }
  }

  if (!have_nz) {
    /* SPEC docs/spec/dynamodb.md 2.5: "DynamoDB rejects 0e126 but accepts 0.0e126";
     * numberExponent.test.ts: "Zero is range-checked by the exponent it is
     * written with" (0e126 overflows, 0e-131 underflows, 0e125 is 0). Like
     * Java's BigDecimal, the exponent checked is that of the last written
     * digit: e - (number of fraction digits). */
    set_zero(out);
    return range_status(exp_val - (int64_t)frac_len);
  }

  /* Scientific exponent of the first significant digit. */
  sci = (int64_t)int_len - 1 - (int64_t)first_nz + exp_val;
  /* Order as dynalite (DYN-val checkNum): overflow, underflow, precision. */
  st = range_status(sci);
  if (st != DYNAMO_NUMBER_OK) {
    set_zero(out);
    return st;
  }
  /* SPEC docs/spec/dynamodb.md 2.5: up to 38 significant digits; trailing zeros do
   * not count ("1.000...0 is one digit"). */
  if (last_nz - first_nz + 1 > DYNAMO_NUMBER_MAX_DIGITS) {
    set_zero(out);
    return DYNAMO_NUMBER_PRECISION;
  }
  out->ndigits = (int)(last_nz - first_nz + 1);
  out->exp = (int)(sci + 1);
  for (k = first_nz; k <= last_nz; k++) {
    char c = k < int_len ? text[int_start + k] : text[frac_start + k - int_len];

    out->digits[k - first_nz] = (unsigned char)(c - '0');
  }
  return DYNAMO_NUMBER_OK;
}

/* Appends one character if room remains (one byte is kept for the NUL). */
static void put_char(char *buf, size_t cap, size_t *pos, char c) {
  if (cap > 0 && *pos + 1 < cap)
    buf[*pos] = c;
  (*pos)++;
}

size_t dynamo_number_format(const struct dynamo_number *n, char *buf, size_t cap) {
  size_t pos = 0;
  int i;

  /* SPEC docs/spec/dynamodb.md 2.5: "no exponent, no leading zeros, no trailing
   * fractional zeros, no '+', -0 -> 0". */
  if (n->sign == 0 || n->ndigits == 0) {
    put_char(buf, cap, &pos, '0');
  } else {
    if (n->sign < 0)
      put_char(buf, cap, &pos, '-');
    if (n->exp <= 0) {
      put_char(buf, cap, &pos, '0');
      put_char(buf, cap, &pos, '.');
      for (i = 0; i < -n->exp; i++)
        put_char(buf, cap, &pos, '0');
      for (i = 0; i < n->ndigits; i++)
        put_char(buf, cap, &pos, (char)('0' + n->digits[i]));
    } else {
      for (i = 0; i < n->exp || i < n->ndigits; i++) {
        if (i == n->exp)
          put_char(buf, cap, &pos, '.');
        put_char(buf, cap, &pos, i < n->ndigits ? (char)('0' + n->digits[i]) : '0');
      }
    }
  }
  if (cap == 0)
    return 0;
  if (pos >= cap)
    pos = cap - 1; /* truncated: report what was actually written */
  buf[pos] = '\0';
  return pos;
}

/* Orders magnitudes |a| and |b| of two nonzero normalised numbers. */
static int compare_magnitude(const struct dynamo_number *a, const struct dynamo_number *b) {
  int i;

  if (a->exp != b->exp)
    return a->exp < b->exp ? -1 : 1;
  for (i = 0; i < a->ndigits && i < b->ndigits; i++)
    if (a->digits[i] != b->digits[i])
      return a->digits[i] < b->digits[i] ? -1 : 1;
  /* No trailing zeros, so the longer one has a nonzero digit more. */
  if (a->ndigits != b->ndigits)
    return a->ndigits < b->ndigits ? -1 : 1;
  return 0;
}

int dynamo_number_compare(const struct dynamo_number *a, const struct dynamo_number *b) {
  if (a->sign != b->sign)
    return a->sign < b->sign ? -1 : 1;
  if (a->sign == 0)
    return 0;
  return a->sign * compare_magnitude(a, b);
}

/* Places the digits of n into w, where w[i] holds the digit of power
 * (top - 1 - i). */
static void spread(const struct dynamo_number *n, int top, unsigned char *w) {
  int i;

  for (i = 0; i < n->ndigits; i++)
    w[top - n->exp + i] = n->digits[i];
}

/* Exact signed sum of a and b (b's sign given separately so that sub can
 * reuse it without copying). */
static enum dynamo_number_status add_signed(const struct dynamo_number *a,
                                            const struct dynamo_number *b, int bsign,
                                            struct dynamo_number *out) {
  unsigned char wa[WORK_DIGITS], wb[WORK_DIGITS], wr[WORK_DIGITS];
  int top, low, width, i, carry, first, last, cmp;
  int rsign;
  int64_t sci;
  const unsigned char *big, *small;

  if (a->sign == 0 || bsign == 0) {
    const struct dynamo_number *src = a->sign == 0 ? b : a;
    int s = a->sign == 0 ? bsign : a->sign;

    *out = *src;
    out->sign = s;
    if (s == 0)
      set_zero(out);
    return DYNAMO_NUMBER_OK;
  }

  /* Power range: highest digit power is max(exp) - 1, one more for the
   * carry; lowest is min(exp - ndigits). */
  top = (a->exp > b->exp ? a->exp : b->exp) + 1;
  low = a->exp - a->ndigits < b->exp - b->ndigits ? a->exp - a->ndigits : b->exp - b->ndigits;
  width = top - low;
  if (width > WORK_DIGITS)
    return DYNAMO_NUMBER_OVERFLOW; /* cannot happen for in-range inputs */
  memset(wa, 0, (size_t)width);
  memset(wb, 0, (size_t)width);
  memset(wr, 0, (size_t)width);
  spread(a, top, wa);
  spread(b, top, wb);

  if (a->sign == bsign) {
    rsign = a->sign;
    carry = 0;
    for (i = width - 1; i >= 0; i--) {
      int d = wa[i] + wb[i] + carry;

      wr[i] = (unsigned char)(d % 10);
      carry = d / 10;
    }
  } else {
    cmp = compare_magnitude(a, b);
    if (cmp == 0) {
      set_zero(out);
      return DYNAMO_NUMBER_OK;
    }
    big = cmp > 0 ? wa : wb;
    small = cmp > 0 ? wb : wa;
    rsign = cmp > 0 ? a->sign : bsign;
    carry = 0;
    for (i = width - 1; i >= 0; i--) {
      int d = big[i] - small[i] - carry;

      carry = d < 0;
      wr[i] = (unsigned char)(d < 0 ? d + 10 : d);
    }
  }

  for (first = 0; first < width && wr[first] == 0; first++)
    ;
  for (last = width - 1; last > first && wr[last] == 0; last--)
    ;
  /* Digit at index first has power top - 1 - first. */
  sci = (int64_t)top - 1 - first;
  /* SPEC docs/spec/dynamodb.md 2.5: "a result outside range/precision fails
   * (DynamoDB reports even the precision case as 'Number overflow')". */
  if (range_status(sci) != DYNAMO_NUMBER_OK) {
    set_zero(out);
    return range_status(sci);
  }
  if (last - first + 1 > DYNAMO_NUMBER_MAX_DIGITS) {
    set_zero(out);
    return DYNAMO_NUMBER_OVERFLOW;
  }
  memset(out, 0, sizeof(*out));
  out->sign = rsign;
  out->exp = (int)(sci + 1);
  out->ndigits = last - first + 1;
  memcpy(out->digits, wr + first, (size_t)out->ndigits);
  return DYNAMO_NUMBER_OK;
}

enum dynamo_number_status dynamo_number_add(const struct dynamo_number *a,
                                            const struct dynamo_number *b,
                                            struct dynamo_number *out) {
  return add_signed(a, b, b->sign, out);
}

enum dynamo_number_status dynamo_number_sub(const struct dynamo_number *a,
                                            const struct dynamo_number *b,
                                            struct dynamo_number *out) {
  return add_signed(a, b, -b->sign, out);
}

const char *dynamo_number_message(enum dynamo_number_status st, const char *text, char *buf,
                                  size_t cap) {
  const char *msg;

  if (cap == 0)
    return buf;
  /* SPEC docs/spec/dynamodb.md 2.4 "numbers" row, verbatim. An empty text keeps the
   * colon and space (valueLayers.test.ts: PutItem answers '' with
   * "The parameter cannot be converted to a numeric value: "). */
  switch (st) {
  case DYNAMO_NUMBER_INVALID:
    snprintf(buf, cap, "The parameter cannot be converted to a numeric value: %s",
             text ? text : "");
    return buf;
  case DYNAMO_NUMBER_PRECISION:
    msg = "Attempting to store more than 38 significant digits in a Number";
    break;
  case DYNAMO_NUMBER_OVERFLOW:
    msg = "Number overflow. Attempting to store a number with magnitude larger than "
          "supported range";
    break;
  case DYNAMO_NUMBER_UNDERFLOW:
    msg = "Number underflow. Attempting to store a number with magnitude smaller than "
          "supported range";
    break;
  case DYNAMO_NUMBER_OK:
  default:
    msg = "";
    break;
  }
  snprintf(buf, cap, "%s", msg);
  return buf;
}
