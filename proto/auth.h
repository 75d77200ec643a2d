/* SPDX-License-Identifier: ISC */
/*
 * proto/auth.h - LISP message authentication (RFC 9301 §5.6 "Authentication Data", §5.7,
 * algorithm IDs from the "LISP Algorithm ID Numbers" registry of §12.5) and the
 * authenticated-message body shared by Map-Register (type 3) and Map-Notify/-Ack (4/5).
 *
 * Wire decisions:
 * - Key ID (8) and Algorithm ID (8) are two fields, as RFC 9301 splits the old 16-bit Key ID.
 * - The FULL digest is carried (20 bytes for alg 1, 32 for alg 2), as lispers.net, OOR and
 *   Cisco do; Authentication Data Length says so. The truncated 12/16-byte forms that the
 *   names "-96"/"-128" suggest are REJECTED (PERR_BAD_AUTH): no implementation we can check
 *   sends them, RFC 9301 only says the length "is dependent on the MAC algorithm", and
 *   accepting a shorter MAC than we send would let a sender pick the weaker check. One
 *   accepted length per algorithm means one code path and no ambiguity.
 * - The HMAC covers the whole message (Type byte through the last record and the
 *   xTR-ID/Site-ID) with the Authentication Data field set to zeros. It is computed in
 *   three pieces (before, zeros, after) without copying the message.
 *
 * A struct lisp_key owns a pre-keyed OpenSSL EVP_MAC context; each sign/verify duplicates
 * it (EVP_MAC_CTX_dup) instead of re-keying, which is what makes >100k verifications/s
 * possible. Comparison is constant time (CRYPTO_memcmp). A key is immutable after
 * lisp_key_new, so one key may be used from several threads.
 */
#ifndef PROTO_AUTH_H
#define PROTO_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/buf.h"
#include "proto/err.h"
#include "proto/lisp_msg.h"

/* "LISP Algorithm ID Numbers" (RFC 9301 §12.5) */
#define LISP_ALG_NONE		 0
#define LISP_ALG_HMAC_SHA1_96	 1
#define LISP_ALG_HMAC_SHA256_128 2

#define LISP_AUTH_SHA1_LEN   20 /* full HMAC-SHA-1 digest carried on the wire */
#define LISP_AUTH_SHA256_LEN 32 /* full HMAC-SHA-256 digest carried on the wire */

struct lisp_key;

/* A key for (key_id, alg_id) with the raw secret bytes (the configured password string).
 * Returns NULL for LISP_ALG_NONE, an unknown algorithm, an empty secret or an OpenSSL
 * failure. The secret is not kept by us (OpenSSL keeps its own keyed state). */
struct lisp_key *lisp_key_new(uint8_t key_id, uint8_t alg_id, const void *secret, size_t len);
void lisp_key_free(struct lisp_key *k);
uint8_t lisp_key_id(const struct lisp_key *k);
uint8_t lisp_key_alg(const struct lisp_key *k);

/* Authentication Data Length for an algorithm: 0 for NONE, 20, 32; 0 for unknown too
 * (use lisp_alg_known to tell them apart). */
size_t lisp_auth_len(uint8_t alg_id);
bool lisp_alg_known(uint8_t alg_id);
/* The one name of an algorithm in every configuration, tool option and CLI output:
 * "hmac-sha-1" (ID 1), "hmac-sha-256" (ID 2); "none" (0); "unknown" otherwise. */
const char *lisp_alg_name(uint8_t alg_id);
/* A configured algorithm name: the names above (not "none"), or an alias read as the same
 * algorithm: "hmac-sha-1-96", "hmac-sha-256-128" (the registry's names), "sha1", "sha256".
 * 0 and *alg_id set, or -1. */
int lisp_alg_from_name(const char *name, uint8_t *alg_id);

/* Raw HMAC of the bytes of reader `data` (from its offset to its end) with the key, for
 * test vectors and tools. `out` receives lisp_auth_len(alg) bytes; outsz must hold them. */
int lisp_key_mac(const struct lisp_key *k, const struct buf *data, uint8_t *out, size_t outsz,
		 struct proto_err *e);

/* Sign a message built in writer `msg` (the message starts at offset 0 of the writer).
 * auth_off is the offset of the Authentication Data; the four bytes before it must hold
 * this key's Key ID, Algorithm ID and lisp_auth_len(alg). Writes the digest in place. */
int lisp_auth_sign(struct buf *msg, size_t auth_off, const struct lisp_key *k, struct proto_err *e);

/* Verify a parsed message. `msg` is a reader whose data starts at the first byte of the
 * message and whose length is the message length (its read offset is ignored, so the
 * reader that was just parsed can be passed). Fails with PERR_BAD_AUTH on a Key ID or
 * Algorithm ID that is not the key's, a length that is not the full digest length, or a
 * digest mismatch. */
int lisp_auth_verify(const struct buf *msg, const struct lisp_auth_field *f,
		     const struct lisp_key *k, struct proto_err *e);

/* ---- the authentication field on the wire ----
 * Key ID (8) | Algorithm ID (8) | Authentication Data Length (16) | Authentication Data */

/* Parse the field; f->data_off = offset of the data relative to `msg_start` (the reader
 * offset where the message began). Length above LISP_AUTH_MAX or not the full digest
 * length of a known algorithm: PERR_BAD_AUTH; longer than the data: PERR_TRUNCATED.
 * Unknown algorithms are accepted with any length <= LISP_AUTH_MAX (RFC 9301 §5.6: the
 * length lets a receiver parse a message whose algorithm it does not know); verify
 * rejects them. */
int lisp_auth_field_parse(struct buf *b, size_t msg_start, struct lisp_auth_field *f,
			  struct proto_err *e);
/* Write the field with f->len zero bytes of data; *data_off (may be NULL) = their offset. */
int lisp_auth_field_build(struct buf *b, const struct lisp_auth_field *f, size_t *data_off,
			  struct proto_err *e);

/* ---- body shared by Map-Register and Map-Notify/-Ack (internal to proto/) ----
 * After the first 32-bit word: Nonce (64) | auth field | records | [xTR-ID (128) |
 * Site-ID (64)] when has_xtr. Records are parsed inside a sub-view that ends 24 bytes
 * before the message end when has_xtr, so a record can never consume the trailer; that
 * view must be used up exactly (else PERR_TRAILING). `msg_start` as above. */
struct lisp_authmsg_body {
	uint64_t *nonce;
	struct lisp_auth_field *auth;
	uint8_t *nrec;
	struct lisp_record *rec; /* LISP_MAX_RECORDS entries */
	uint8_t *xtr_id;	 /* 16 bytes */
	uint64_t *site_id;
};
int lisp_authmsg_body_parse(struct buf *b, size_t msg_start, unsigned count, bool has_xtr,
			    const struct lisp_authmsg_body *m, struct proto_err *e);
int lisp_authmsg_body_build(struct buf *b, bool has_xtr, uint64_t nonce,
			    const struct lisp_auth_field *auth, unsigned nrec,
			    const struct lisp_record *rec, const uint8_t *xtr_id, uint64_t site_id,
			    size_t *auth_off, struct proto_err *e);

#endif
