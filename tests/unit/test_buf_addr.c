/* SPDX-License-Identifier: ISC */
/* tests/unit/test_buf_addr.c - proto/buf and proto/addr: bounds, byte-exact vectors,
 * LCAF (Instance-ID, AFI-List, unknown types, depth) and the malformed cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "proto/addr.h"
#include "proto/buf.h"

static void test_buf_read_bounds(void **state)
{
	(void)state;
	const uint8_t d[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09};
	struct buf b, sub;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;

	buf_init_read(&b, d, sizeof(d));
	assert_int_equal(buf_get_u16(&b, &u16), 0);
	assert_int_equal(u16, 0x0102);
	assert_int_equal(buf_get_u32(&b, &u32), 0);
	assert_int_equal(u32, 0x03040506);
	assert_int_equal(buf_get_u64(&b, &u64), -1); /* only 3 left */
	assert_int_equal(buf_offset(&b), 6);	     /* failed read consumed nothing */
	assert_int_equal(buf_get_sub(&b, 2, &sub), 0);
	assert_int_equal(buf_left(&sub), 2);
	assert_int_equal(buf_get_u8(&sub, &u8), 0);
	assert_int_equal(u8, 7);
	assert_int_equal(buf_get_u16(&sub, &u16), -1); /* sub-view is bounded */
	assert_int_equal(buf_get_u8(&b, &u8), 0);
	assert_int_equal(u8, 9);
	assert_int_equal(buf_get_u8(&b, &u8), -1);
	assert_int_equal(buf_skip(&b, 1), -1);
	assert_int_equal(buf_get_sub(&b, 1, &sub), -1);
	assert_int_equal(buf_seek(&b, 10), -1);
	assert_int_equal(buf_seek(&b, 0), 0);
	assert_int_equal(buf_get_u64(&b, &u64), 0);
	assert_true(u64 == 0x0102030405060708ULL);
}

static void test_buf_write_bounds(void **state)
{
	(void)state;
	uint8_t d[8];
	struct buf b;
	size_t off;

	buf_init_write(&b, d, sizeof(d));
	assert_int_equal(buf_add_u8(&b, 0xaa), 0);
	assert_int_equal(buf_reserve(&b, 2, &off), 0);
	assert_int_equal(off, 1);
	assert_int_equal(buf_add_u32(&b, 0x11223344), 0);
	assert_int_equal(buf_add_u16(&b, 1), -1); /* 7 used, 1 left */
	assert_int_equal(buf_len(&b), 7);
	assert_int_equal(buf_set_u16(&b, off, 0xbeef), 0);
	assert_int_equal(buf_set_u16(&b, 6, 1), -1); /* past what was written */
	assert_int_equal(buf_add_u24(&b, 0x1000000), -1);
	const uint8_t want[] = {0xaa, 0xbe, 0xef, 0x11, 0x22, 0x33, 0x44};
	assert_memory_equal(d, want, sizeof(want));
	assert_int_equal(buf_add_u64(&b, 1), -1);
	assert_int_equal(buf_add_u8(&b, 1), 0);
	assert_int_equal(buf_room(&b), 0);
}

static void test_prefix_text(void **state)
{
	(void)state;
	struct lisp_prefix p, q;
	char s[PREFIX_STRLEN];

	assert_int_equal(prefix_parse("198.51.100.0/24", &p, false), 0);
	assert_string_equal(prefix_str(&p, s, sizeof(s)), "198.51.100.0/24");
	assert_int_equal(prefix_parse("198.51.100.5/24", &p, false), -1); /* host bits */
	assert_int_equal(prefix_parse("198.51.100.5/24", &p, true), 0);
	assert_string_equal(prefix_str(&p, s, sizeof(s)), "198.51.100.0/24");
	assert_int_equal(prefix_parse("[7]2001:db8::5", &q, false), 0);
	assert_string_equal(prefix_str(&q, s, sizeof(s)), "[7]2001:db8::5/128");
	assert_int_equal(prefix_parse("2001:db8::/129", &q, false), -1);
	assert_int_equal(prefix_parse("10.0.0.0/", &q, false), -1);
	/* the wire carries 32-bit instance IDs: text must round-trip them */
	assert_int_equal(prefix_parse("[4294967295]10.0.0.0/8", &q, false), 0);
	assert_string_equal(prefix_str(&q, s, sizeof(s)), "[4294967295]10.0.0.0/8");
	assert_int_equal(prefix_parse("[4294967296]10.0.0.0/8", &q, false), -1);
	assert_int_equal(prefix_parse("[]10.0.0.0/8", &q, false), -1);
	/* only digits: no sign, no blanks (strtoul would accept all of these) */
	assert_int_equal(prefix_parse("[+7]10.0.0.0/8", &q, false), -1);
	assert_int_equal(prefix_parse("[ 7]10.0.0.0/8", &q, false), -1);
	assert_int_equal(prefix_parse("[-0]10.0.0.0/8", &q, false), -1);
	assert_int_equal(prefix_parse("10.0.0.0/+8", &q, false), -1);
	assert_int_equal(prefix_parse("10.0.0.0/ 8", &q, false), -1);
	assert_int_equal(prefix_parse("10.0.0.0/-0", &q, false), -1);
	assert_int_equal(prefix_parse("nonsense", &q, false), -1);

	struct lisp_prefix a, h;
	struct ipaddr ip;
	prefix_parse("198.51.100.0/24", &a, false);
	ipaddr_parse("198.51.100.77", &ip);
	assert_true(prefix_contains_addr(&a, 0, &ip));
	assert_false(prefix_contains_addr(&a, 1, &ip));
	prefix_from_addr(&h, 0, &ip);
	assert_true(prefix_contains(&a, &h));
	assert_false(prefix_contains(&h, &a));
	assert_true(prefix_overlaps(&h, &a));
	prefix_parse("198.51.101.0/24", &h, false);
	assert_false(prefix_overlaps(&h, &a));
}

struct addr_vec {
	const char *name;
	uint8_t bytes[64];
	size_t len;
	int rc;	   /* expected parse result */
	int code;  /* expected error code when rc == -1 */
	uint8_t n; /* addresses */
	uint8_t flags;
	uint32_t iid;
};

static const struct addr_vec addr_vecs[] = {
    {"afi0", {0, 0}, 2, 0, 0, 0, 0, 0},
    {"ipv4", {0, 1, 192, 0, 2, 1}, 6, 0, 0, 1, 0, 0},
    {"ipv6", {0, 2, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 18, 0, 0, 1, 0, 0},
    {"iid-lcaf-v4",
     {0x40, 0x03, 0, 0, 2, 24, 0, 10, 0, 0, 0, 42, 0, 1, 198, 51, 100, 5},
     18,
     0,
     0,
     1,
     LISP_ADDR_F_IID,
     42},
    {"afi-list-v4-v6",
     {0x40, 0x03, 0,	0,    1, 0, 0, 24, 0, 1, 192, 0, 2, 1, 0, 2,
      0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,  0, 0, 0,   0, 0, 0, 0, 2},
     32,
     0,
     0,
     2,
     LISP_ADDR_F_LIST,
     0},
    {"unknown-lcaf-skipped",
     {0x40, 0x03, 0, 0, 99, 0, 0, 3, 1, 2, 3},
     11,
     0,
     0,
     0,
     LISP_ADDR_F_UNKNOWN,
     0},
    {"truncated-afi", {0}, 1, -1, PERR_TRUNCATED, 0, 0, 0},
    {"truncated-v4", {0, 1, 192, 0}, 4, -1, PERR_TRUNCATED, 0, 0, 0},
    {"unknown-afi", {0, 9, 1, 2, 3, 4}, 6, -1, PERR_BAD_AFI, 0, 0, 0},
    {"lcaf-len-overrun",
     {0x40, 0x03, 0, 0, 2, 0, 0, 20, 0, 0, 0, 1, 0, 1, 1, 2, 3, 4},
     18,
     -1,
     PERR_BAD_LCAF,
     0,
     0,
     0},
    {"iid-lcaf-len-too-long",
     {0x40, 0x03, 0, 0, 2, 0, 0, 11, 0, 0, 0, 1, 0, 1, 1, 2, 3, 4, 9},
     19,
     -1,
     PERR_BAD_LCAF,
     0,
     0,
     0},
    {"iid-lcaf-short", {0x40, 0x03, 0, 0, 2, 0, 0, 2, 0, 0}, 10, -1, PERR_BAD_LCAF, 0, 0, 0},
    {"iid-lcaf-len-too-short",
     {0x40, 0x03, 0, 0, 2, 0, 0, 8, 0, 0, 0, 1, 0, 1, 1, 2, 3, 4},
     18,
     -1,
     PERR_BAD_LCAF,
     0,
     0,
     0},
    {"afi-list-cuts-address",
     {0x40, 0x03, 0, 0, 1, 0, 0, 4, 0, 1, 1, 2, 3, 4},
     14,
     -1,
     PERR_BAD_LCAF,
     0,
     0,
     0},
    {"nested-iid",
     {0x40, 0x03, 0, 0, 2, 0, 0, 18, 0, 0, 0, 1, 0x40, 0x03, 0, 0, 2, 0, 0, 6, 0, 0, 0, 2, 0, 0},
     26,
     -1,
     PERR_BAD_LCAF,
     0,
     0,
     0},
    {"depth",
     {0x40, 0x03, 0, 0,	 1,    0,    0, 32, 0x40, 0x03, 0, 0, 1,    0,	  0, 24, 0x40, 0x03, 0, 0,
      1,    0,	  0, 16, 0x40, 0x03, 0, 0,  1,	  0,	0, 8, 0x40, 0x03, 0, 0,	 1,    0,    0, 0},
     40,
     -1,
     PERR_LCAF_DEPTH,
     0,
     0,
     0},
    {"list-too-long",
     {0x40, 0x03, 0, 0, 1, 0, 0, 18, 0, 1, 1, 1, 1, 1, 0, 1, 2, 2, 2, 2, 0, 1, 3, 3, 3, 3},
     26,
     -1,
     PERR_LIMIT,
     0,
     0,
     0},
};

static void test_addr_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(addr_vecs) / sizeof(addr_vecs[0]); i++) {
		const struct addr_vec *v = &addr_vecs[i];
		struct buf b;
		struct lisp_addr a;
		struct proto_err e = {0};
		print_message("vector %s\n", v->name);
		buf_init_read(&b, v->bytes, v->len);
		int rc = lisp_addr_parse(&b, &a, &e);
		assert_int_equal(rc, v->rc);
		if (rc == -1) {
			assert_int_equal(e.code, v->code);
			assert_non_null(e.reason);
			continue;
		}
		assert_int_equal(buf_left(&b), 0);
		assert_int_equal(a.n, v->n);
		assert_int_equal(a.flags, v->flags);
		assert_int_equal(a.iid, v->iid);
		if (v->flags & LISP_ADDR_F_UNKNOWN)
			continue;
		/* build -> same bytes */
		uint8_t out[64];
		struct buf w;
		buf_init_write(&w, out, sizeof(out));
		assert_int_equal(lisp_addr_build(&w, &a, NULL), 0);
		assert_int_equal(buf_len(&w), v->len);
		assert_memory_equal(out, v->bytes, v->len);
		/* every truncation fails cleanly */
		for (size_t n = 0; n < v->len; n++) {
			struct lisp_addr t;
			buf_init_read(&b, v->bytes, n);
			assert_int_equal(lisp_addr_parse(&b, &t, &e), -1);
		}
		/* every too-small output fails cleanly */
		for (size_t n = 0; n < v->len; n++) {
			struct proto_err be = {0};
			buf_init_write(&w, out, n);
			assert_int_equal(lisp_addr_build(&w, &a, &be), -1);
			assert_int_equal(be.code, PERR_FULL);
		}
	}
}

static void test_addr_build_invalid(void **state)
{
	(void)state;
	uint8_t out[64];
	struct buf w;
	struct proto_err e = {0};
	struct lisp_addr a = {.n = 2}; /* two addresses without the AFI-List flag */
	a.addr[0].afi = a.addr[1].afi = LISP_AFI_IPV4;
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(lisp_addr_build(&w, &a, &e), -1);
	assert_int_equal(e.code, PERR_BAD_VALUE);
	a.n = 1;
	a.addr[0].afi = 99; /* not an IP AFI */
	assert_int_equal(lisp_addr_build(&w, &a, &e), -1);
	assert_int_equal(e.code, PERR_BAD_VALUE);
	assert_int_equal(buf_len(&w), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_buf_read_bounds),    cmocka_unit_test(test_buf_write_bounds),
	    cmocka_unit_test(test_prefix_text),	       cmocka_unit_test(test_addr_vectors),
	    cmocka_unit_test(test_addr_build_invalid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
