/*
 * store_keycodec.h - order-preserving byte encodings of DynamoDB keys.
 *
 * Layer: dynamo (it parses DynamoDB numbers with dynamo_number); store.h
 * takes the bytes it produces as opaque keys and never decodes them.
 *
 * Logical key of an item (any length; store_lmdb maps it onto LMDB):
 *
 *   OFFSET SIZE  FIELD
 *   0      4     table id, big-endian
 *   4      1     space: 0 = the table's items, 1.. = an index
 *   5      8     H = mix64(FNV-1a 64 of enc(partition key)), big-endian
 *   13     var   enc(partition key)
 *   ..     var   enc(sort key), when the table/index has one
 *
 * Scan order is therefore hash order (as in DynamoDB: apps must not rely on
 * it), and all items of one partition are adjacent, sorted by sort key.
 *
 * enc(S) and enc(B): the bytes with 0x00 escaped as 0x00 0xFF, terminated
 * by 0x00 0x01; byte order of encodings equals byte order of values and no
 * encoding is a prefix of another. In an S value the pair C0 80 is U+0000
 * (emu_nul.h) and is encoded as the byte 0x00 it stands for, so "k\0A"
 * sorts before "kA" and after "k".
 * enc(N): 0x80 for zero; 0xC0 (positive) or 0x40 (negative), then the
 * exponent + 256 as two bytes, the digits as bytes 1..10 (digit + 1), and a
 * 0x00 terminator; for negatives every byte after the sign is inverted
 * (0xFF - b), so that byte order equals numeric order. Equal numbers in any
 * spelling encode identically (the number is normalised first).
 *
 * Threading/ownership: pure functions appending to a caller's buffer.
 */
#ifndef STORE_KEYCODEC_H
#define STORE_KEYCODEC_H

#include <stddef.h>
#include <stdint.h>

#include "emu_buf.h"

#define STORE_KEY_HEADER 13 /* table id + space + hash */

/* Appends enc(value). type is 'S', 'N' or 'B'; for B, value holds the
 * decoded bytes; for S, C0 80 is one 0x00 byte. Returns 0, or -1 (invalid number, or buffer limit). */
int store_keycodec_append(struct emu_buf *out, char type, const char *value, size_t len);
/* Appends the 13-byte header for a partition whose encoding is pk_enc. */
int store_keycodec_header(struct emu_buf *out, uint32_t table_id, uint8_t space, const void *pk_enc,
                          size_t pk_len);
/* The length of the encoding of type `type` at the start of p (len bytes
 * available), or 0 when malformed. */
size_t store_keycodec_len(char type, const unsigned char *p, size_t len);
/* The 64-bit hash of an encoded partition key (the header's H). */
uint64_t store_keycodec_hash(const void *pk_enc, size_t pk_len);

#endif
