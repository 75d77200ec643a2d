/* SPDX-License-Identifier: ISC */
/* tests/unit/test_map_reply.c - proto/map_reply: Map-Reply (RFC 9301 §5.4): P E S flags,
 * positive records (IPv4, IPv6, Instance-ID LCAF EID, AFI-List locator) and negative
 * records with every action code. Byte vectors written by hand from the RFC diagram:
 * parse -> fields, build -> same bytes, build -> parse -> same, cut at every length,
 * every too-small output buffer; malformed vectors name their error code. Every vector
 * is its own named cmocka test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "proto/lisp_msg.h"

#define B(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})

#define NONCE	  0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8
#define V6_DB8_99 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x99
/* TTL 1440 | 2 locators | /24 | ACT 0, A 0 | version 0 | 198.51.100.0 */
#define REC_POS_V4 0, 0, 0x05, 0xa0, 2, 24, 0x00, 0x00, 0x00, 0x00, 0, 1, 198, 51, 100, 0
/* prio 1 weight 50 mprio 255 mweight 0 | L R | 203.0.113.1 */
#define LOC1 1, 50, 255, 0, 0x00, 0x05, 0, 1, 203, 0, 113, 1
/* prio 2 weight 50 | R | 2001:db8::99 */
#define LOC2 2, 50, 255, 0, 0x00, 0x01, 0, 2, V6_DB8_99
/* negative record: TTL 15, no locators, mask-len m, ACT a, EID 10.x.0.0 */
#define NEG(a, m, x) 0, 0, 0, 15, 0, m, (uint8_t)((a) << 5), 0, 0, 0, 0, 1, 10, x, 0, 0

struct vec {
	const char *name;
	const uint8_t *bytes;
	size_t len;
	int code; /* 0 = valid */
	void (*check)(const struct lisp_map_reply *m);
};

static void ip4(const struct ipaddr *a, uint8_t x, uint8_t y, uint8_t z, uint8_t w)
{
	const uint8_t want[4] = {x, y, z, w};
	assert_int_equal(a->afi, LISP_AFI_IPV4);
	assert_memory_equal(a->a, want, 4);
}

static void check_positive(const struct lisp_map_reply *m)
{
	const uint8_t v6[16] = {V6_DB8_99}, eid[4] = {198, 51, 100, 0};
	assert_false(m->probe || m->echo_nonce || m->sec);
	assert_true(m->nonce == 0xa1a2a3a4a5a6a7a8ULL);
	assert_int_equal(m->nrec, 1);
	const struct lisp_record *r = &m->rec[0];
	assert_int_equal(r->ttl, 1440);
	assert_int_equal(r->action, LISP_ACT_NO_ACTION);
	assert_false(r->authoritative);
	assert_int_equal(r->eid.afi, LISP_AFI_IPV4);
	assert_int_equal(r->eid.plen, 24);
	assert_memory_equal(r->eid.a, eid, 4);
	assert_int_equal(r->nloc, 2);
	assert_int_equal(r->loc[0].priority, 1);
	assert_int_equal(r->loc[0].weight, 50);
	assert_int_equal(r->loc[0].mpriority, 255);
	assert_int_equal(r->loc[0].flags, LISP_LOC_F_LOCAL | LISP_LOC_F_REACHABLE);
	ip4(&r->loc[0].addr.addr[0], 203, 0, 113, 1);
	assert_int_equal(r->loc[1].priority, 2);
	assert_int_equal(r->loc[1].flags, LISP_LOC_F_REACHABLE);
	assert_int_equal(r->loc[1].addr.addr[0].afi, LISP_AFI_IPV6);
	assert_memory_equal(r->loc[1].addr.addr[0].a, v6, 16);
}

static void check_negative(const struct lisp_map_reply *m)
{
	assert_int_equal(m->nrec, 8);
	for (unsigned i = 0; i < 8; i++) {
		const struct lisp_record *r = &m->rec[i];
		assert_int_equal(r->ttl, 15);
		assert_int_equal(r->nloc, 0);
		assert_int_equal(r->action, i); /* 0..5 of RFC 9301 §5.4, 6 and 7 kept as-is */
		assert_int_equal(r->eid.plen, 16);
		assert_int_equal(r->eid.a[1], i);
	}
	assert_string_equal(lisp_action_name(m->rec[2].action), "send-map-request");
	assert_string_equal(lisp_action_name(m->rec[7].action), "unknown");
}

static void check_iid_v6(const struct lisp_map_reply *m)
{
	assert_true(m->probe && m->echo_nonce);
	assert_false(m->sec);
	assert_int_equal(m->nrec, 1);
	const struct lisp_record *r = &m->rec[0];
	assert_int_equal(r->ttl, 0xffffffffu);
	assert_true(r->authoritative);
	assert_int_equal(r->reserved, 0x0123);
	assert_int_equal(r->map_version, 0x0fff);
	assert_true(r->eid_lcaf_iid);
	assert_int_equal(r->iid_mlen, 24);
	assert_int_equal(r->eid.iid, 0xffffff);
	assert_int_equal(r->eid.afi, LISP_AFI_IPV6);
	assert_int_equal(r->eid.plen, 128);
	assert_int_equal(r->nloc, 1);
	assert_int_equal(r->loc[0].flags, 0xfff8 | LISP_LOC_F_PROBED | LISP_LOC_F_REACHABLE);
	assert_int_equal(r->loc[0].addr.flags, LISP_ADDR_F_LIST);
	assert_int_equal(r->loc[0].addr.n, 2);
	ip4(&r->loc[0].addr.addr[0], 192, 0, 2, 7);
	assert_int_equal(r->loc[0].addr.addr[1].afi, LISP_AFI_IPV6);
}

static void check_sec(const struct lisp_map_reply *m)
{
	assert_true(m->sec);
	assert_int_equal(m->nrec, 1);
	assert_int_equal(m->rec[0].action, LISP_ACT_NATIVE_FWD);
	assert_int_equal(buf_left(&m->sec_ad), 4);
	assert_int_equal(buf_cur(&m->sec_ad)[0], 0x01);
	assert_int_equal(buf_cur(&m->sec_ad)[3], 0x04);
}

static void check_empty(const struct lisp_map_reply *m)
{
	assert_int_equal(m->nrec, 0);
	assert_true(m->nonce == 0xa1a2a3a4a5a6a7a8ULL);
}

static const struct vec vecs[] = {
    /* Type=2, one positive record, IPv4 EID, an IPv4 and an IPv6 locator. */
    {"positive-v4-eid-two-locators", B(0x20, 0, 0, 1, NONCE, REC_POS_V4, LOC1, LOC2), 0,
     check_positive},
    /* Negative records (Locator Count 0), ACT 0..7 in order, EIDs 10.i.0.0/16. */
    {"negative-every-action",
     B(0x20, 0, 0, 8, NONCE, NEG(0, 16, 0), NEG(1, 16, 1), NEG(2, 16, 2), NEG(3, 16, 3),
       NEG(4, 16, 4), NEG(5, 16, 5), NEG(6, 16, 6), NEG(7, 16, 7)),
     0, check_negative},
    /* P=1 E=1 (0x0c000000); TTL 0xffffffff; A=1 with reserved 0x123; version 0xfff;
     * EID in an Instance-ID LCAF (IID 0xffffff, IID mask 24), IPv6 /128; one locator
     * with unused flag bits set and p R, its address an AFI-List (IPv4 + IPv6). */
    {"probe-echo-iid-v6-eid-afi-list-locator",
     B(0x2c, 0, 0, 1, NONCE, 0xff, 0xff, 0xff, 0xff, 1, 128, 0x11, 0x23, 0x0f, 0xff, 0x40, 0x03, 0,
       0, 2, 24, 0, 22, 0, 0xff, 0xff, 0xff, 0, 2, V6_DB8_99, 0, 100, 0, 0, 0xff, 0xfb, 0x40, 0x03,
       0, 0, 1, 0, 0, 24, 0, 1, 192, 0, 2, 7, 0, 2, V6_DB8_99),
     0, check_iid_v6},
    /* S=1 (0x02000000): LISP-SEC data after the records, handed back unverified. */
    {"sec-data-after-records", B(0x22, 0, 0, 1, NONCE, NEG(1, 8, 0), 0x01, 0x02, 0x03, 0x04), 0,
     check_sec},
    {"zero-records", B(0x20, 0, 0, 0, NONCE), 0, check_empty},

    /* ---- malformed ---- */
    {"wrong-type-map-request", B(0x10, 0, 0, 1, NONCE, REC_POS_V4, LOC1, LOC2), PERR_BAD_TYPE,
     NULL},
    {"wrong-type-map-notify", B(0x40, 0, 0, 0, NONCE), PERR_BAD_TYPE, NULL},
    {"record-count-over-limit", B(0x20, 0, 0, 33, NONCE, NEG(3, 8, 0)), PERR_LIMIT, NULL},
    {"record-count-larger-than-data", B(0x20, 0, 0, 5, NONCE, REC_POS_V4, LOC1, LOC2),
     PERR_BAD_COUNT, NULL},
    {"record-count-one-too-many", B(0x20, 0, 0, 3, NONCE, NEG(3, 8, 0), NEG(3, 8, 1)),
     PERR_BAD_COUNT, NULL},
    {"trailing-bytes", B(0x20, 0, 0, 1, NONCE, NEG(3, 8, 0), 0, 0), PERR_TRAILING, NULL},
    {"locator-count-over-limit",
     B(0x20, 0, 0, 1, NONCE, 0, 0, 0, 1, 17, 8, 0, 0, 0, 0, 0, 1, 10, 0, 0, 0, LOC1), PERR_LIMIT,
     NULL},
    {"locator-count-larger-than-data",
     B(0x20, 0, 0, 1, NONCE, 0, 0, 0, 1, 3, 8, 0, 0, 0, 0, 0, 1, 10, 0, 0, 0, LOC1), PERR_BAD_COUNT,
     NULL},
    {"locator-unknown-afi",
     B(0x20, 0, 0, 1, NONCE, 0, 0, 0, 1, 1, 8, 0, 0, 0, 0, 0, 1, 10, 0, 0, 0, 1, 50, 255, 0, 0, 5,
       0, 6, 1, 2, 3, 4, 5, 6),
     PERR_BAD_AFI, NULL},
    {"locator-afi-0",
     B(0x20, 0, 0, 1, NONCE, 0, 0, 0, 1, 1, 8, 0, 0, 0, 0, 0, 1, 10, 0, 0, 0, 1, 50, 255, 0, 0, 5,
       0, 0, 0, 0, 0, 0),
     PERR_BAD_AFI, NULL},
    {"eid-lcaf-length-overrun",
     B(0x20, 0, 0, 1, NONCE, 0, 0, 0, 1, 0, 8, 0x60, 0, 0, 0, 0x40, 0x03, 0, 0, 2, 0, 0, 200, 0, 0,
       0, 1, 0, 1, 10, 0, 0, 0),
     PERR_BAD_LCAF, NULL},
    {"eid-mask-len-129-v6",
     B(0x20, 0, 0, 1, NONCE, 0, 0, 0, 1, 0, 129, 0x60, 0, 0, 0, 0, 2, V6_DB8_99), PERR_BAD_PREFIX,
     NULL},
    {"eid-unknown-afi", B(0x20, 0, 0, 1, NONCE, 0, 0, 0, 1, 0, 8, 0x60, 0, 0, 0, 0, 8, 1, 2),
     PERR_BAD_AFI, NULL},
    {"header-only-7-bytes", B(0x20, 0, 0, 1, 0, 0, 0), PERR_TRUNCATED, NULL},
};

static struct lisp_map_reply m1, m2;

static int is_cut_error(int code)
{
	return code == PERR_TRUNCATED || code == PERR_BAD_COUNT || code == PERR_BAD_LCAF;
}

static void run_vec(void **state)
{
	const struct vec *v = *state;
	struct proto_err e = {0};
	struct buf b, w;
	uint8_t out[1024], out2[1024];

	buf_init_read(&b, v->bytes, v->len);
	int rc = lisp_map_reply_parse(&b, &m1, &e);
	if (v->code) {
		assert_int_equal(rc, -1);
		assert_int_equal(e.code, v->code);
		assert_non_null(e.reason);
		assert_true(e.offset <= v->len);
		return;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(buf_left(&b), 0);
	v->check(&m1);

	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(lisp_map_reply_build(&w, &m1, &e), 0);
	assert_int_equal(buf_len(&w), v->len);
	assert_memory_equal(out, v->bytes, v->len);

	buf_init_read(&b, out, v->len);
	assert_int_equal(lisp_map_reply_parse(&b, &m2, &e), 0);
	v->check(&m2);
	buf_init_write(&w, out2, sizeof(out2));
	assert_int_equal(lisp_map_reply_build(&w, &m2, &e), 0);
	assert_memory_equal(out2, out, v->len);

	for (size_t n = 0; n < v->len; n++) {
		buf_init_read(&b, v->bytes, n);
		e.code = 0;
		rc = lisp_map_reply_parse(&b, &m2, &e);
		if (m1.sec && n >= v->len - buf_left(&m1.sec_ad))
			continue; /* cutting the opaque LISP-SEC data is not detectable */
		assert_int_equal(rc, -1);
		if (!is_cut_error(e.code))
			fail_msg("cut at %zu: %s (%s)", n, proto_err_name(e.code), e.reason);
	}
	for (size_t n = 0; n < v->len; n++) {
		buf_init_write(&w, out, n);
		e.code = 0;
		assert_int_equal(lisp_map_reply_build(&w, &m1, &e), -1);
		if (e.code != PERR_FULL)
			fail_msg("cap %zu: %s (%s)", n, proto_err_name(e.code), e.reason);
	}
}

/* A proxy negative reply made by the builder (what lisp-mrd sends for non-LISP space). */
static void test_build_negative(void **state)
{
	(void)state;
	uint8_t out[64];
	struct buf w;
	struct lisp_prefix p;

	memset(&m1, 0, sizeof(m1));
	m1.nonce = 0x1122334455667788ULL;
	m1.nrec = 1;
	m1.rec[0].ttl = LISP_TTL_NEG_NONLISP;
	m1.rec[0].action = LISP_ACT_NATIVE_FWD;
	prefix_parse("[5]10.0.0.0/8", &p, false);
	lisp_record_set_eid(&m1.rec[0], &p);
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(lisp_map_reply_build(&w, &m1, NULL), 0);
	const uint8_t want[] = {0x20, 0,    0,	  1,	0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
				0x77, 0x88, 0,	  0,	0,    15,   0,	  8,	0x20, 0,
				0,    0,    0x40, 0x03, 0,    0,    2,	  32,	0,    10,
				0,    0,    0,	  5,	0,    1,    10,	  0,	0,    0};
	assert_int_equal(buf_len(&w), sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
}

static void test_build_bad_values(void **state)
{
	(void)state;
	uint8_t out[256];
	struct buf w;
	struct proto_err e;

	memset(&m1, 0, sizeof(m1));
	m1.nrec = LISP_MAX_RECORDS + 1;
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(lisp_map_reply_build(&w, &m1, &e), -1);
	assert_int_equal(e.code, PERR_BAD_VALUE);

	memset(&m1, 0, sizeof(m1));
	m1.nrec = 1;
	m1.rec[0].action = 8;
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(lisp_map_reply_build(&w, &m1, &e), -1);
	assert_int_equal(e.code, PERR_BAD_VALUE);
}

int main(void)
{
	enum { NV = sizeof(vecs) / sizeof(vecs[0]) };
	struct CMUnitTest tests[NV + 2];
	size_t n = 0;

	for (size_t i = 0; i < NV; i++)
		tests[n++] =
		    (struct CMUnitTest){vecs[i].name, run_vec, NULL, NULL, (void *)&vecs[i]};
	tests[n++] =
	    (struct CMUnitTest){"build-negative-iid-reply", test_build_negative, NULL, NULL, NULL};
	tests[n++] =
	    (struct CMUnitTest){"build-bad-values", test_build_bad_values, NULL, NULL, NULL};
	return _cmocka_run_group_tests("map_reply", tests, n, NULL, NULL);
}
