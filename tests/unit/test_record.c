/* SPDX-License-Identifier: ISC */
/* tests/unit/test_record.c - proto/record.c: the mapping record and locator of RFC 9301
 * §5.4 (shared by Map-Reply, Map-Register, Map-Notify and the Map-Request map-reply
 * record), the type/action names, lisp_msg_type and lisp_msg_addr_build. Byte vectors
 * written by hand from the RFC diagram; each valid one is parsed, checked, rebuilt to the
 * same bytes, cut at every length and built into every too-small buffer. Every vector is
 * its own named cmocka test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "proto/lisp_msg.h"

#define B(...)	 (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})
#define V6_DB8_5 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5

struct vec {
	const char *name;
	const uint8_t *bytes;
	size_t len;
	int code;     /* 0 = valid */
	int rebuilds; /* the builder reproduces the bytes */
	void (*check)(const struct lisp_record *r);
};

static void check_v4(const struct lisp_record *r)
{
	const uint8_t eid[4] = {198, 51, 100, 5}, rloc[4] = {203, 0, 113, 9};
	assert_int_equal(r->ttl, 1440);
	assert_int_equal(r->action, LISP_ACT_NO_ACTION);
	assert_true(r->authoritative);
	assert_int_equal(r->reserved, 0);
	assert_int_equal(r->map_version, 7);
	assert_false(r->eid_lcaf_iid);
	assert_int_equal(r->eid.afi, LISP_AFI_IPV4);
	assert_int_equal(r->eid.plen, 32);
	assert_memory_equal(r->eid.a, eid, 4);
	assert_int_equal(r->nloc, 1);
	assert_int_equal(r->loc[0].priority, 1);
	assert_int_equal(r->loc[0].weight, 100);
	assert_int_equal(r->loc[0].mpriority, 255);
	assert_int_equal(r->loc[0].mweight, 0);
	assert_int_equal(r->loc[0].flags, LISP_LOC_F_REACHABLE);
	assert_int_equal(r->loc[0].addr.n, 1);
	assert_memory_equal(r->loc[0].addr.addr[0].a, rloc, 4);
}

static void check_afi0(const struct lisp_record *r)
{
	assert_int_equal(r->ttl, 0);
	assert_int_equal(r->action, LISP_ACT_DROP_POLICY);
	assert_int_equal(r->eid.afi, LISP_AFI_NONE);
	assert_int_equal(r->eid.plen, 0);
	assert_int_equal(r->nloc, 0);
}

static void check_iid_v6(const struct lisp_record *r)
{
	const uint8_t eid[16] = {V6_DB8_5};
	assert_int_equal(r->ttl, 60);
	assert_true(r->eid_lcaf_iid);
	assert_int_equal(r->iid_mlen, 32);
	assert_int_equal(r->eid.iid, 4096);
	assert_int_equal(r->eid.afi, LISP_AFI_IPV6);
	assert_int_equal(r->eid.plen, 128);
	assert_memory_equal(r->eid.a, eid, 16);
	assert_int_equal(r->nloc, 2);
	assert_int_equal(r->loc[0].flags,
			 LISP_LOC_F_LOCAL | LISP_LOC_F_PROBED | LISP_LOC_F_REACHABLE);
	assert_int_equal(r->loc[0].addr.flags, LISP_ADDR_F_LIST);
	assert_int_equal(r->loc[0].addr.n, 2);
	assert_int_equal(r->loc[1].priority, 255);
	assert_int_equal(r->loc[1].addr.addr[0].afi, LISP_AFI_IPV6);
}

static void check_unknown_lcaf_loc(const struct lisp_record *r)
{
	assert_int_equal(r->nloc, 1);
	assert_int_equal(r->loc[0].addr.n, 0);
	assert_int_equal(r->loc[0].addr.flags, LISP_ADDR_F_UNKNOWN);
}

static void check_host_bits(const struct lisp_record *r)
{
	const uint8_t eid[4] = {10, 1, 0, 0};
	assert_int_equal(r->eid.plen, 16);
	assert_memory_equal(r->eid.a, eid, 4); /* host bits cleared */
}

static const struct vec vecs[] = {
    /* TTL 1440 | 1 loc | /32 | ACT 0 A 1 | version 7 | 198.51.100.5 ;
     * prio 1 weight 100 mprio 255 mweight 0 | R | 203.0.113.9 */
    {"positive-v4",
     B(0, 0, 0x05, 0xa0, 1, 32, 0x10, 0, 0, 7, 0, 1, 198, 51, 100, 5, 1, 100, 255, 0, 0, 1, 0, 1,
       203, 0, 113, 9),
     0, 1, check_v4},
    /* TTL 0 | no locators | /0 | ACT 4 | EID AFI 0 */
    {"negative-afi0-eid", B(0, 0, 0, 0, 0, 0, 0x80, 0, 0, 0, 0, 0), 0, 1, check_afi0},
    /* TTL 60 | 2 locs | /128 | IID 4096 LCAF (mask 32) IPv6 EID ; locator 1: L p R, AFI-List
     * (IPv4 + IPv6); locator 2: priority 255, IPv6 */
    {"iid-v6-afi-list-locator",
     B(0, 0, 0, 60, 2, 128, 0, 0, 0, 0, 0x40, 0x03, 0, 0, 2, 32, 0, 22, 0, 0, 0x10, 0, 0, 2,
       V6_DB8_5, 1, 50, 255, 0, 0, 7, 0x40, 0x03, 0, 0, 1, 0, 0, 24, 0, 1, 192, 0, 2, 1, 0, 2,
       V6_DB8_5, 255, 0, 255, 0, 0, 0, 0, 2, V6_DB8_5),
     0, 1, check_iid_v6},
    /* RFC 8060 §3: an unknown LCAF type in a locator is skipped by its length. */
    {"locator-unknown-lcaf-skipped",
     B(0, 0, 0, 1, 1, 8, 0, 0, 0, 0, 0, 1, 10, 0, 0, 0, 1, 1, 1, 1, 0, 1, 0x40, 0x03, 0, 0, 200, 0,
       0, 2, 0xab, 0xcd),
     0, 0, check_unknown_lcaf_loc},
    /* A prefix sent with host bits: normalized (10.1.2.3/16 -> 10.1.0.0/16). */
    {"eid-host-bits-cleared", B(0, 0, 0, 1, 0, 16, 0x60, 0, 0, 0, 0, 1, 10, 1, 2, 3), 0, 0,
     check_host_bits},

    /* ---- malformed ---- */
    {"header-truncated", B(0, 0, 0, 1, 0, 8, 0, 0, 0), PERR_TRUNCATED, 0, NULL},
    {"eid-unknown-lcaf", B(0, 0, 0, 1, 0, 8, 0, 0, 0, 0, 0x40, 0x03, 0, 0, 77, 0, 0, 0),
     PERR_BAD_LCAF, 0, NULL},
    {"eid-lcaf-length-overrun",
     B(0, 0, 0, 1, 0, 8, 0, 0, 0, 0, 0x40, 0x03, 0, 0, 2, 0, 0, 11, 0, 0, 0, 1, 0, 1, 10, 0, 0, 0),
     PERR_BAD_LCAF, 0, NULL},
    {"eid-mask-len-33", B(0, 0, 0, 1, 0, 33, 0, 0, 0, 0, 0, 1, 10, 0, 0, 0), PERR_BAD_PREFIX, 0,
     NULL},
    {"eid-afi0-with-mask-len", B(0, 0, 0, 1, 0, 8, 0, 0, 0, 0, 0, 0), PERR_BAD_PREFIX, 0, NULL},
    {"eid-unknown-afi", B(0, 0, 0, 1, 0, 8, 0, 0, 0, 0, 0, 6, 1, 2, 3, 4, 5, 6), PERR_BAD_AFI, 0,
     NULL},
    {"locator-count-over-limit", B(0, 0, 0, 1, 17, 8, 0, 0, 0, 0, 0, 1, 10, 0, 0, 0), PERR_LIMIT, 0,
     NULL},
    {"locator-count-larger-than-data",
     B(0, 0, 0, 1, 2, 8, 0, 0, 0, 0, 0, 1, 10, 0, 0, 0, 1, 1, 1, 1, 0, 1, 0, 1, 1, 2, 3, 4),
     PERR_BAD_COUNT, 0, NULL},
    {"locator-afi-0",
     B(0, 0, 0, 1, 1, 8, 0, 0, 0, 0, 0, 1, 10, 0, 0, 0, 1, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0),
     PERR_BAD_AFI, 0, NULL},
    {"locator-address-truncated",
     B(0, 0, 0, 1, 1, 8, 0, 0, 0, 0, 0, 1, 10, 0, 0, 0, 1, 1, 1, 1, 0, 1, 0, 2, 1, 2, 3, 4),
     PERR_TRUNCATED, 0, NULL},
};

static struct lisp_record r1, r2;

static void run_vec(void **state)
{
	const struct vec *v = *state;
	struct proto_err e = {0};
	struct buf b, w;
	uint8_t in[256], out[256], out2[256];

	/* the record followed by 3 bytes of whatever comes next: the parser must stop */
	memcpy(in, v->bytes, v->len);
	memset(in + v->len, 0x5a, 3);
	buf_init_read(&b, in, v->len + (v->code ? 0 : 3));
	int rc = lisp_record_parse(&b, &r1, &e);
	if (v->code) {
		assert_int_equal(rc, -1);
		assert_int_equal(e.code, v->code);
		assert_non_null(e.reason);
		assert_true(e.offset <= v->len);
		return;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(buf_offset(&b), v->len);
	v->check(&r1);

	buf_init_write(&w, out, sizeof(out));
	rc = lisp_record_build(&w, &r1, &e);
	if (!v->rebuilds) {
		if (rc == -1) /* e.g. a locator we could only skip */
			assert_int_equal(e.code, PERR_BAD_VALUE);
		return;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(buf_len(&w), v->len);
	assert_memory_equal(out, v->bytes, v->len);

	buf_init_read(&b, out, v->len);
	assert_int_equal(lisp_record_parse(&b, &r2, &e), 0);
	v->check(&r2);
	buf_init_write(&w, out2, sizeof(out2));
	assert_int_equal(lisp_record_build(&w, &r2, &e), 0);
	assert_memory_equal(out2, out, v->len);

	for (size_t n = 0; n < v->len; n++) {
		buf_init_read(&b, v->bytes, n);
		e.code = 0;
		assert_int_equal(lisp_record_parse(&b, &r2, &e), -1);
		if (e.code != PERR_TRUNCATED && e.code != PERR_BAD_COUNT && e.code != PERR_BAD_LCAF)
			fail_msg("cut at %zu: %s (%s)", n, proto_err_name(e.code), e.reason);
	}
	for (size_t n = 0; n < v->len; n++) {
		buf_init_write(&w, out, n);
		e.code = 0;
		assert_int_equal(lisp_record_build(&w, &r1, &e), -1);
		if (e.code != PERR_FULL)
			fail_msg("cap %zu: %s (%s)", n, proto_err_name(e.code), e.reason);
	}
}

static void base_record(struct lisp_record *r)
{
	struct lisp_prefix p;
	struct ipaddr ip;
	memset(r, 0, sizeof(*r));
	prefix_parse("198.51.100.0/24", &p, false);
	lisp_record_set_eid(r, &p);
	ipaddr_parse("203.0.113.1", &ip);
	lisp_addr_from_ip(&r->loc[0].addr, &ip);
	r->nloc = 1;
}

static void test_build_bad_values(void **state)
{
	(void)state;
	uint8_t out[256];
	struct buf w;
	struct proto_err e;

	for (int i = 0; i < 5; i++) {
		base_record(&r1);
		switch (i) {
		case 0:
			r1.action = 8;
			break;
		case 1:
			r1.map_version = 0x1000;
			break;
		case 2:
			r1.nloc = LISP_MAX_LOCATORS + 1;
			break;
		case 3:
			r1.eid.plen = 33;
			break;
		default:
			memset(&r1.loc[0].addr, 0, sizeof(r1.loc[0].addr));
		}
		buf_init_write(&w, out, sizeof(out));
		e.code = 0;
		assert_int_equal(lisp_record_build(&w, &r1, &e), -1);
		assert_int_equal(e.code, PERR_BAD_VALUE);
		assert_int_equal(buf_len(&w), 0); /* checked before anything is written */
	}
}

static void test_set_eid(void **state)
{
	(void)state;
	struct lisp_prefix p;

	memset(&r1, 0, sizeof(r1));
	prefix_parse("[9]2001:db8::/32", &p, false);
	lisp_record_set_eid(&r1, &p);
	assert_true(r1.eid_lcaf_iid);
	assert_int_equal(r1.iid_mlen, 32);
	assert_true(prefix_eq(&r1.eid, &p));
	prefix_parse("2001:db8::/32", &p, false);
	lisp_record_set_eid(&r1, &p);
	assert_false(r1.eid_lcaf_iid);
}

/* lisp_msg_addr_build: PERR_FULL at every short size, for the longest address we encode. */
static void test_addr_build_full(void **state)
{
	(void)state;
	struct lisp_addr a = {0};
	uint8_t out[64];
	struct buf w;
	struct proto_err e;

	a.flags = LISP_ADDR_F_IID | LISP_ADDR_F_LIST;
	a.iid = 3;
	a.iid_mlen = 32;
	a.n = 2;
	ipaddr_parse("192.0.2.1", &a.addr[0]);
	ipaddr_parse("2001:db8::1", &a.addr[1]);
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(lisp_msg_addr_build(&w, &a, &e), 0);
	size_t len = buf_len(&w);
	assert_int_equal(len, 12 + 8 + 6 + 18);
	for (size_t n = 0; n < len; n++) {
		buf_init_write(&w, out, n);
		e.code = 0;
		assert_int_equal(lisp_msg_addr_build(&w, &a, &e), -1);
		assert_int_equal(e.code, PERR_FULL);
		assert_int_equal(buf_len(&w), 0);
	}
	a.addr[1].afi = 9; /* cannot be encoded at all */
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(lisp_msg_addr_build(&w, &a, &e), -1);
	assert_int_equal(e.code, PERR_BAD_VALUE);
}

static void test_names(void **state)
{
	(void)state;
	static const char *const types[] = {"reserved",	    "map-request", "map-reply",
					    "map-register", "map-notify",  "map-notify-ack",
					    "map-referral", "info",	   "ecm"};
	for (unsigned i = 0; i < 9; i++)
		assert_string_equal(lisp_type_name(i), types[i]);
	assert_string_equal(lisp_type_name(9), "unknown");
	assert_string_equal(lisp_type_name(15), "unknown");
	assert_string_equal(lisp_type_name(16), "unknown");
	assert_string_equal(lisp_type_name(~0u), "unknown");
	static const char *const acts[] = {"no-action", "natively-forward",   "send-map-request",
					   "drop",	"drop-policy-denied", "drop-auth-failure"};
	for (unsigned i = 0; i < 6; i++)
		assert_string_equal(lisp_action_name(i), acts[i]);
	assert_string_equal(lisp_action_name(6), "unknown");
	assert_string_equal(lisp_action_name(255), "unknown");
}

static void test_msg_type(void **state)
{
	(void)state;
	const uint8_t d[] = {0x83, 0x10};
	struct buf b;

	buf_init_read(&b, d, 0);
	assert_int_equal(lisp_msg_type(&b), -1);
	buf_init_read(&b, d, 1);
	assert_int_equal(lisp_msg_type(&b), LISP_T_ECM);
	assert_int_equal(buf_offset(&b), 0); /* a peek */
	buf_skip(&b, 1);
	assert_int_equal(lisp_msg_type(&b), -1);
	buf_init_read(&b, d, 2);
	buf_skip(&b, 1);
	assert_int_equal(lisp_msg_type(&b), LISP_T_MAP_REQUEST);
}

int main(void)
{
	enum { NV = sizeof(vecs) / sizeof(vecs[0]) };
	struct CMUnitTest tests[NV + 5];
	size_t n = 0;

	for (size_t i = 0; i < NV; i++)
		tests[n++] =
		    (struct CMUnitTest){vecs[i].name, run_vec, NULL, NULL, (void *)&vecs[i]};
	tests[n++] =
	    (struct CMUnitTest){"build-bad-values", test_build_bad_values, NULL, NULL, NULL};
	tests[n++] = (struct CMUnitTest){"set-eid-iid-lcaf", test_set_eid, NULL, NULL, NULL};
	tests[n++] = (struct CMUnitTest){"addr-build-full-every-size", test_addr_build_full, NULL,
					 NULL, NULL};
	tests[n++] = (struct CMUnitTest){"type-and-action-names", test_names, NULL, NULL, NULL};
	tests[n++] = (struct CMUnitTest){"msg-type-peek", test_msg_type, NULL, NULL, NULL};
	return _cmocka_run_group_tests("record", tests, n, NULL, NULL);
}
