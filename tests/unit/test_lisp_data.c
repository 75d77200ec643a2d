/* SPDX-License-Identifier: ISC */
/* tests/unit/test_lisp_data.c - proto/lisp_data: the RFC 9300 §5.3 data-plane header.
 * A table of named 8-byte vectors written from the RFC diagram (parse -> fields, build ->
 * same bytes, every truncation fails), the N+V rejection and the builder's range checks.
 * Every vector and every builder case is its own named cmocka test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "proto/lisp_data.h"

struct data_vec {
	const char *name;
	uint8_t bytes[8];
	int code; /* 0 = valid */
	struct lisp_data_hdr want;
	uint8_t rebuilt[8]; /* expected build output when it differs (reserved bits), else 0s */
};

static const struct data_vec vecs[] = {
    {"nonce-lsb32",
     {0xc0, 0x12, 0x34, 0x56, 0x00, 0x00, 0x00, 0x03},
     0,
     {LISP_DATA_F_N | LISP_DATA_F_L, 0, 0x123456, 0, 0, 0, 3},
     {0}},
    {"nonce-iid-lsb8",
     {0xc8, 0xab, 0xcd, 0xef, 0x00, 0x00, 0x2a, 0x05},
     0,
     {LISP_DATA_F_N | LISP_DATA_F_L | LISP_DATA_F_I, 0, 0xabcdef, 0, 0, 42, 5},
     {0}},
    {"map-versions-iid-max",
     {0x18, 0x12, 0x34, 0x56, 0xff, 0xff, 0xff, 0x01},
     0,
     {LISP_DATA_F_V | LISP_DATA_F_I, 0, 0x123456, 0x123, 0x456, 0xffffff, 1},
     {0}},
    {"echo-nonce-request",
     {0xa0, 0x00, 0x00, 0x01, 0x80, 0x00, 0x00, 0x00},
     0,
     {LISP_DATA_F_N | LISP_DATA_F_E, 0, 1, 0, 0, 0, 0x80000000u},
     {0}},
    {"key-id-2",
     {0x82, 0x00, 0x10, 0x00, 0, 0, 0, 0},
     0,
     {LISP_DATA_F_N, 2, 0x1000, 0, 0, 0, 0},
     {0}},
    {"all-zero", {0}, 0, {0, 0, 0, 0, 0, 0, 0}, {0}},
    {"reserved-bit-ignored",
     {0x84, 0x00, 0x00, 0x07, 0, 0, 0, 0},
     0,
     {LISP_DATA_F_N, 0, 7, 0, 0, 0, 0},
     {0x80, 0x00, 0x00, 0x07, 0, 0, 0, 0}},
    {"n-and-v-rejected", {0x90, 0x00, 0x00, 0x01, 0, 0, 0, 0}, PERR_BAD_VALUE, {0}, {0}},
    {"n-v-i-rejected", {0x98, 0x00, 0x00, 0x01, 0, 0, 0, 0}, PERR_BAD_VALUE, {0}, {0}},
};

static void assert_hdr_equal(const struct lisp_data_hdr *h, const struct lisp_data_hdr *w)
{
	assert_int_equal(h->flags, w->flags);
	assert_int_equal(h->key_id, w->key_id);
	assert_int_equal(h->nonce, w->nonce);
	assert_int_equal(h->src_version, w->src_version);
	assert_int_equal(h->dst_version, w->dst_version);
	assert_int_equal(h->iid, w->iid);
	assert_int_equal(h->lsb, w->lsb);
}

static void run_vec(void **state)
{
	const struct data_vec *v = *state;
	struct lisp_data_hdr h;
	struct proto_err e = {0};
	struct buf b, w;
	uint8_t out[16], pkt[12];
	static const uint8_t zero[8];

	/* the header followed by 4 payload bytes: the reader must stop at the payload */
	memcpy(pkt, v->bytes, 8);
	memset(pkt + 8, 0xee, 4);
	buf_init_read(&b, pkt, sizeof(pkt));
	int rc = lisp_data_parse(&b, &h, &e);
	if (v->code) {
		assert_int_equal(rc, -1);
		assert_int_equal(e.code, v->code);
		assert_non_null(e.reason);
		return;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(buf_offset(&b), 8);
	assert_int_equal(buf_left(&b), 4);
	assert_hdr_equal(&h, &v->want);

	const uint8_t *expect = memcmp(v->rebuilt, zero, 8) ? v->rebuilt : v->bytes;
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(lisp_data_build(&w, &h, &e), 0);
	assert_int_equal(buf_len(&w), 8);
	assert_memory_equal(out, expect, 8);

	/* build -> parse -> equal */
	struct lisp_data_hdr h2;
	buf_init_read(&b, out, 8);
	assert_int_equal(lisp_data_parse(&b, &h2, NULL), 0);
	assert_hdr_equal(&h2, &v->want);

	for (size_t n = 0; n < 8; n++) {
		buf_init_read(&b, v->bytes, n);
		e.code = 0;
		assert_int_equal(lisp_data_parse(&b, &h2, &e), -1);
		assert_int_equal(e.code, PERR_TRUNCATED);
	}
	for (size_t n = 0; n < 8; n++) {
		buf_init_write(&w, out, n);
		e.code = 0;
		assert_int_equal(lisp_data_build(&w, &h, &e), -1);
		assert_int_equal(e.code, PERR_FULL);
		assert_int_equal(buf_len(&w), 0);
	}
}

struct build_bad {
	const char *name;
	struct lisp_data_hdr h;
};

static const struct build_bad bad_builds[] = {
    {"build-n-and-v", {LISP_DATA_F_N | LISP_DATA_F_V, 0, 0, 0, 0, 0, 0}},
    {"build-reserved-flag", {LISP_DATA_F_R, 0, 0, 0, 0, 0, 0}},
    {"build-key-id-4", {0, 4, 0, 0, 0, 0, 0}},
    {"build-nonce-25-bits", {LISP_DATA_F_N, 0, 0x1000000, 0, 0, 0, 0}},
    {"build-src-version-13-bits", {LISP_DATA_F_V, 0, 0, 0x1000, 0, 0, 0}},
    {"build-dst-version-13-bits", {LISP_DATA_F_V, 0, 0, 0, 0x1000, 0, 0}},
    {"build-iid-25-bits", {LISP_DATA_F_I, 0, 0, 0, 0, 0x1000000, 0}},
    {"build-lsb-9-bits-with-iid", {LISP_DATA_F_I, 0, 0, 0, 0, 1, 0x100}},
    {"build-iid-without-i-bit", {0, 0, 0, 0, 0, 5, 0}},
};

static void run_bad_build(void **state)
{
	const struct build_bad *v = *state;
	uint8_t out[16];
	struct buf w;
	struct proto_err e = {0};

	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(lisp_data_build(&w, &v->h, &e), -1);
	assert_int_equal(e.code, PERR_BAD_VALUE);
	assert_int_equal(buf_len(&w), 0);
}

int main(void)
{
	enum {
		NV = sizeof(vecs) / sizeof(vecs[0]),
		NB = sizeof(bad_builds) / sizeof(bad_builds[0])
	};
	struct CMUnitTest tests[NV + NB];
	size_t n = 0;

	for (size_t i = 0; i < NV; i++)
		tests[n++] =
		    (struct CMUnitTest){vecs[i].name, run_vec, NULL, NULL, (void *)&vecs[i]};
	for (size_t i = 0; i < NB; i++)
		tests[n++] = (struct CMUnitTest){bad_builds[i].name, run_bad_build, NULL, NULL,
						 (void *)&bad_builds[i]};
	return _cmocka_run_group_tests("lisp_data", tests, n, NULL, NULL);
}
