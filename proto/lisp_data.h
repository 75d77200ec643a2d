/* SPDX-License-Identifier: ISC */
/*
 * proto/lisp_data.h - the 8-byte LISP data-plane header (RFC 9300 §5.3), on the packet
 * hot path of lisp-xtrd: parse and build are a handful of shifts, no allocation.
 *
 *   |N|L|E|V|I|R|K|K|        Nonce / Map-Version (24)        |
 *   |        Instance ID (24)           |     LSBs (8)       |   when I = 1
 *   |              Locator-Status-Bits (32)                  |   when I = 0
 *
 * N (nonce present) and V (map-versions present, RFC 9302) share the 24-bit field and
 * are never set together (PERR_BAD_VALUE). With V = 1 the field is Source Map-Version (12)
 * | Dest Map-Version (12). The R bit is ignored on receipt and sent as 0 (RFC 9300 §5.3).
 * E is kept as received even without N (an ETR acts on it only with N = 1).
 */
#ifndef PROTO_LISP_DATA_H
#define PROTO_LISP_DATA_H

#include <stdint.h>

#include "proto/buf.h"
#include "proto/err.h"

#define LISP_DATA_HLEN 8

/* Flag bits, as they sit in the first byte of the header. */
#define LISP_DATA_F_N 0x80 /* nonce present */
#define LISP_DATA_F_L 0x40 /* Locator-Status-Bits in use */
#define LISP_DATA_F_E 0x20 /* echo-nonce request */
#define LISP_DATA_F_V 0x10 /* map-versions present */
#define LISP_DATA_F_I 0x08 /* instance ID present */
#define LISP_DATA_F_R 0x04 /* reserved */
#define LISP_DATA_FLAGS                                                                            \
	(LISP_DATA_F_N | LISP_DATA_F_L | LISP_DATA_F_E | LISP_DATA_F_V | LISP_DATA_F_I)

struct lisp_data_hdr {
	uint8_t flags;	      /* LISP_DATA_F_* (never R) */
	uint8_t key_id;	      /* KK, 0..3 (RFC 8061; 0 = no LISP-crypto) */
	uint32_t nonce;	      /* the 24-bit field as on the wire (the nonce when N = 1) */
	uint16_t src_version; /* V = 1: Source Map-Version (12 bits) */
	uint16_t dst_version; /* V = 1: Dest Map-Version (12 bits) */
	uint32_t iid;	      /* I = 1: Instance ID (24 bits), else 0 */
	uint32_t lsb;	      /* Locator-Status-Bits: 8 bits when I = 1, else 32 */
};

/* Consume the 8-byte header; the reader is left at the inner packet. */
int lisp_data_parse(struct buf *b, struct lisp_data_hdr *h, struct proto_err *e);
/* Append the header. With V the 24-bit field is built from the two versions, otherwise
 * from `nonce`; out-of-range values (and N with V) are PERR_BAD_VALUE. */
int lisp_data_build(struct buf *b, const struct lisp_data_hdr *h, struct proto_err *e);

#endif
