/* SPDX-License-Identifier: ISC */
/* tests/unit/map_testlib.h - helpers shared by test_map_register.c and test_map_notify.c:
 * hex vectors, and the checks every valid vector of either message goes through (the pasted
 * auth data verifies, build gives the same bytes, a reparse the same struct, every
 * truncation and every too-small output buffer fails cleanly). Everything is static inline
 * or a macro, so a test that does not use a helper does not trip -Wunused-function. */
#ifndef MAP_TESTLIB_H
#define MAP_TESTLIB_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "proto/auth.h"
#include "proto/lisp_msg.h"

/* "0102 0304 ..." -> bytes (spaces are skipped); the byte count. */
static inline size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	while (*s) {
		unsigned v;
		if (*s == ' ') {
			s++;
			continue;
		}
		assert_true(sscanf(s, "%2x", &v) == 1);
		assert_true(n < cap);
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

#define Z4  "00000000"
#define Z16 Z4 Z4 Z4 Z4
#define Z20 Z16 Z4
#define Z32 Z16 Z16

/* IPv4 EID 198.51.100.5/32, TTL 1440, A=1; one locator 192.0.2.1 prio 1 weight 100, L|R */
#define REC_V4                                                                                     \
	"000005a0 01 20 1000 0000 0001 c6336405 "                                                  \
	"01 64 ff 00 0005 0001 c0000201 "

/* The largest vector, in bytes. */
#define MAP_VEC_MAX 512

/* A vector of message type msg_type: its hex; the parse result and, when that is -1, the
 * error code; the secret of the pasted auth data (NULL: alg none); the check of the parsed
 * struct (valid vectors). */
#define MAP_VEC_STRUCT(tag, msg_type)                                                              \
	struct tag {                                                                               \
		const char *name;                                                                  \
		const char *hex;                                                                   \
		int rc;                                                                            \
		int code;                                                                          \
		const char *secret;                                                                \
		void (*check)(const msg_type *m);                                                  \
	}

/* One message type (struct lisp_map_register, struct lisp_map_notify) for the helpers below. */
struct map_ops {
	int (*parse)(struct buf *b, void *msg, struct proto_err *e);
	int (*build)(struct buf *b, const void *msg, size_t *auth_off, struct proto_err *e);
	const struct lisp_auth_field *(*auth)(const void *msg);
	/* asserts that a reparse of the built message gave the same struct */
	void (*same)(const void *msg, const void *reparsed);
	/* also check that one flipped bit in the records fails the verification */
	bool flip_check;
};

/* Define `static const struct map_ops name` for struct type (lisp_map_register ...) with its
 * type_parse / type_build; same_fn(const struct type *, const struct type *). */
#define MAP_OPS(name, type, same_fn, flip)                                                         \
	static int name##_parse(struct buf *b, void *msg, struct proto_err *e)                     \
	{                                                                                          \
		return type##_parse(b, msg, e);                                                    \
	}                                                                                          \
	static int name##_build(struct buf *b, const void *msg, size_t *auth_off,                  \
				struct proto_err *e)                                               \
	{                                                                                          \
		return type##_build(b, msg, auth_off, e);                                          \
	}                                                                                          \
	static const struct lisp_auth_field *name##_auth(const void *msg)                          \
	{                                                                                          \
		return &((const struct type *)msg)->auth;                                          \
	}                                                                                          \
	static void name##_same(const void *msg, const void *reparsed)                             \
	{                                                                                          \
		same_fn(msg, reparsed);                                                            \
	}                                                                                          \
	static const struct map_ops name = {name##_parse, name##_build, name##_auth, name##_same,  \
					    flip}

/* Parse the vector's hex into msg (the reader left in *r, the length in *n): the expected
 * failure (its code, a reason, an offset inside the message), or success with nothing left
 * over. Returns the parse result. */
static inline int map_parse_vector(const struct map_ops *ops, const char *name, const char *hex,
				   int want_rc, int want_code, uint8_t bytes[MAP_VEC_MAX],
				   size_t *n, struct buf *r, void *msg)
{
	struct proto_err e = {0};

	*n = unhex(hex, bytes, MAP_VEC_MAX);
	print_message("vector %s\n", name);
	buf_init_read(r, bytes, *n);
	int rc = ops->parse(r, msg, &e);
	if (rc == -1)
		print_message("  -> %s at %zu: %s\n", proto_err_name(e.code), e.offset, e.reason);
	assert_int_equal(rc, want_rc);
	if (rc == -1) {
		assert_int_equal(e.code, want_code);
		assert_non_null(e.reason);
		assert_true(e.offset <= *n);
		return -1;
	}
	assert_int_equal(buf_left(r), 0);
	return 0;
}

/* The checks of a valid vector, msg parsed from bytes[0..n) by map_parse_vector with the
 * reader r; msg2 is scratch. */
static inline void map_roundtrip(const struct map_ops *ops, struct buf *r, uint8_t *bytes, size_t n,
				 const char *secret, void *msg, void *msg2)
{
	const struct lisp_auth_field *a = ops->auth(msg);
	uint8_t zeroed[MAP_VEC_MAX], out[MAP_VEC_MAX];
	struct proto_err e = {0};
	struct lisp_key *k = NULL;
	struct buf w;
	size_t auth_off;

	/* the pasted auth data verifies (and the reader just parsed can be passed) */
	if (secret) {
		k = lisp_key_new(a->key_id, a->alg_id, secret, strlen(secret));
		assert_non_null(k);
		assert_int_equal(lisp_auth_verify(r, a, k, &e), 0);
		if (ops->flip_check) {
			/* one flipped bit in the records and the digest no longer matches */
			bytes[n - 1] ^= 1;
			buf_init_read(r, bytes, n);
			assert_int_equal(ops->parse(r, msg2, &e), 0);
			assert_int_equal(lisp_auth_verify(r, ops->auth(msg2), k, &e), -1);
			assert_int_equal(e.code, PERR_BAD_AUTH);
			bytes[n - 1] ^= 1;
		}
	}

	/* build writes the same bytes with the auth data zeroed; signing fills it in */
	memcpy(zeroed, bytes, n);
	memset(zeroed + a->data_off, 0, a->len);
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(ops->build(&w, msg, &auth_off, &e), 0);
	assert_int_equal(auth_off, a->data_off);
	assert_int_equal(buf_len(&w), n);
	assert_memory_equal(out, zeroed, n);
	if (k) {
		assert_int_equal(lisp_auth_sign(&w, auth_off, k, &e), 0);
		assert_memory_equal(out, bytes, n);
	}

	/* parse of the built message gives the same struct */
	buf_as_reader(&w, r);
	assert_int_equal(ops->parse(r, msg2, &e), 0);
	ops->same(msg, msg2);

	/* every truncation fails cleanly */
	for (size_t t = 0; t < n; t++) {
		buf_init_read(r, bytes, t);
		e.code = 0;
		assert_int_equal(ops->parse(r, msg2, &e), -1);
		assert_true(e.code != PERR_OK);
	}
	/* every too-small output buffer fails cleanly with PERR_FULL */
	for (size_t t = 0; t < n; t++) {
		buf_init_write(&w, out, t);
		e.code = 0;
		assert_int_equal(ops->build(&w, msg, &auth_off, &e), -1);
		assert_int_equal(e.code, PERR_FULL);
	}
	lisp_key_free(k);
}

/* Every vector of the array vecs (a MAP_VEC_STRUCT) through map_parse_vector, its check and,
 * when valid, map_roundtrip; msg and msg2 are message structs (not pointers). */
#define MAP_RUN_VECTORS(ops, vecs, msg, msg2)                                                      \
	for (size_t vi_ = 0; vi_ < sizeof(vecs) / sizeof((vecs)[0]); vi_++) {                      \
		uint8_t bytes_[MAP_VEC_MAX];                                                       \
		struct buf r_;                                                                     \
		size_t n_;                                                                         \
                                                                                                   \
		if (map_parse_vector(ops, (vecs)[vi_].name, (vecs)[vi_].hex, (vecs)[vi_].rc,       \
				     (vecs)[vi_].code, bytes_, &n_, &r_, &(msg)) == -1)            \
			continue;                                                                  \
		(vecs)[vi_].check(&(msg));                                                         \
		map_roundtrip(ops, &r_, bytes_, n_, (vecs)[vi_].secret, &(msg), &(msg2));          \
	}

#endif
