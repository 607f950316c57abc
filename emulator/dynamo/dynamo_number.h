/*
 * dynamo_number.h - DynamoDB Numbers as exact decimals (never via double).
 *
 * SPEC docs/spec/dynamodb.md 2.5: up to 38 significant digits; magnitude 1E-130 ..
 * 9.9999999999999999999999999999999999999E+125, either sign, or zero.
 * Numbers travel as JSON strings; returned values are normalised (no
 * exponent, no leading zeros, no trailing fractional zeros, no '+', -0 -> 0).
 *
 * Representation: value = sign * 0.d1 d2 ... dn * 10^exp, with d1 != 0 and
 * dn != 0 (no trailing zeros), 1 <= n <= 38; zero has sign 0 and n 0.
 * Invariants: a parsed number is always normalised this way, so equal values
 * have identical structs (compare with dynamo_number_compare, not memcmp:
 * unused digit bytes are not specified).
 * Ownership/threading: plain values, no allocation, no shared state.
 */
#ifndef DYNAMO_NUMBER_H
#define DYNAMO_NUMBER_H

#include <stddef.h>

#define DYNAMO_NUMBER_MAX_DIGITS 38
/* Longest normalised text: sign, "0.", 129 zeros, 38 digits; or 126 integer
 * digits. 176 covers both with the NUL. */
#define DYNAMO_NUMBER_TEXT_MAX 176

struct dynamo_number {
  int sign;                                       /* -1, 0 (zero) or +1 */
  int exp;                                        /* decimal exponent of 0.d1d2... form */
  int ndigits;                                    /* 0 for zero, else 1..38 */
  unsigned char digits[DYNAMO_NUMBER_MAX_DIGITS]; /* values 0..9, not ASCII */
};

enum dynamo_number_status {
  DYNAMO_NUMBER_OK = 0,
  DYNAMO_NUMBER_INVALID, /* not a number: "The parameter cannot be converted to a numeric value: <text>" */
  DYNAMO_NUMBER_PRECISION, /* "Attempting to store more than 38 significant digits in a Number" */
  DYNAMO_NUMBER_OVERFLOW, /* "Number overflow. Attempting to store a number with magnitude larger than supported range" */
  DYNAMO_NUMBER_UNDERFLOW, /* "Number underflow. Attempting to store a number with magnitude smaller than supported range" */
};

/* Parses the accepted spellings (+3, .123, 0001.23, 1e+5, -17.4E37, ...);
 * rejects NaN, Infinity, empty text and surrounding spaces. Trailing zeros
 * beyond 38 significant digits are fine (1.000...0 is one digit). */
enum dynamo_number_status dynamo_number_parse(const char *text, size_t len,
                                              struct dynamo_number *out);
/* Writes the normalised text (always fits DYNAMO_NUMBER_TEXT_MAX). Returns
 * the length written, excluding the NUL. */
size_t dynamo_number_format(const struct dynamo_number *n, char *buf, size_t cap);
/* <0, 0, >0 as a is less than, equal to, greater than b. */
int dynamo_number_compare(const struct dynamo_number *a, const struct dynamo_number *b);
/* Exact a + b and a - b. Results outside the range, or needing more than 38
 * significant digits, fail; DynamoDB reports both as overflow/underflow
 * (SPEC docs/spec/dynamodb.md 2.5: a result needing more than 38 digits is
 * reported as an overflow, even when only precision is lost). */
enum dynamo_number_status dynamo_number_add(const struct dynamo_number *a,
                                            const struct dynamo_number *b,
                                            struct dynamo_number *out);
enum dynamo_number_status dynamo_number_sub(const struct dynamo_number *a,
                                            const struct dynamo_number *b,
                                            struct dynamo_number *out);
/* The ValidationException message for a status (text is the offending input,
 * used by DYNAMO_NUMBER_INVALID). Writes into buf and returns it. */
const char *dynamo_number_message(enum dynamo_number_status st, const char *text, char *buf,
                                  size_t cap);

#endif
