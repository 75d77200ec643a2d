/* SPDX-License-Identifier: ISC */
/* tests/unit/test_map_request.c - proto/map_request: Map-Request (RFC 9301 §5.2) with the
 * RFC 9437 I and N bits. Byte vectors written by hand from the RFC diagrams: each valid
 * vector is parsed and checked field by field, rebuilt to the same bytes, re-parsed, cut
 * at every length and built into every too-small buffer; each malformed vector names the
 * error code it must produce. Every vector is its own named cmocka test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "proto/lisp_msg.h"

#define B(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})

#define NONCE		 1, 2, 3, 4, 5, 6, 7, 8
#define V4_192_0_2_1	 0, 1, 192, 0, 2, 1
#define V6_DB8_1	 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
#define V6_DB8_1_1	 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
#define V6_DB8_1_0	 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
#define REC_198_51_100_5 0x00, 0x20, 0, 1, 198, 51, 100, 5 /* |N=0|rsvd| /32 | AFI 1 | EID */

struct vec {
	const char *name;
	const uint8_t *bytes;
	size_t len;
	int code; /* 0 = valid */
	void (*check)(const struct lisp_map_request *m);
};

static void ip4(const struct ipaddr *a, uint8_t x, uint8_t y, uint8_t z, uint8_t w)
{
	const uint8_t want[4] = {x, y, z, w};
	assert_int_equal(a->afi, LISP_AFI_IPV4);
	assert_memory_equal(a->a, want, 4);
}

static void check_basic(const struct lisp_map_request *m)
{
	assert_false(m->authoritative || m->map_data || m->probe || m->smr || m->pitr ||
		     m->smr_invoked || m->xtr_id_present || m->local_xtr || m->dont_map_reply);
	assert_true(m->nonce == 0x0102030405060708ULL);
	assert_int_equal(m->source_eid.n, 0);
	assert_int_equal(m->n_itr_rlocs, 1);
	assert_int_equal(m->itr_rlocs[0].n, 1);
	ip4(&m->itr_rlocs[0].addr[0], 192, 0, 2, 1);
	assert_int_equal(m->nrec, 1);
	assert_false(m->rec[0].notify);
	assert_false(m->rec[0].eid_lcaf_iid);
	assert_int_equal(m->rec[0].eid.afi, LISP_AFI_IPV4);
	assert_int_equal(m->rec[0].eid.plen, 32);
	assert_int_equal(m->rec[0].eid.iid, 0);
	const uint8_t eid[4] = {198, 51, 100, 5};
	assert_memory_equal(m->rec[0].eid.a, eid, 4);
}

static void check_flags_v6(const struct lisp_map_request *m)
{
	const uint8_t src[16] = {V6_DB8_1}, rloc[16] = {V6_DB8_1_1}, eid[16] = {V6_DB8_1_0};
	assert_true(m->authoritative && m->probe && m->smr && m->pitr && m->smr_invoked &&
		    m->local_xtr && m->dont_map_reply);
	assert_false(m->map_data || m->xtr_id_present);
	assert_true(m->nonce == 0xffeeddccbbaa9988ULL);
	assert_int_equal(m->source_eid.n, 1);
	assert_int_equal(m->source_eid.addr[0].afi, LISP_AFI_IPV6);
	assert_memory_equal(m->source_eid.addr[0].a, src, 16);
	assert_int_equal(m->n_itr_rlocs, 2);
	ip4(&m->itr_rlocs[0].addr[0], 203, 0, 113, 1);
	assert_int_equal(m->itr_rlocs[1].addr[0].afi, LISP_AFI_IPV6);
	assert_memory_equal(m->itr_rlocs[1].addr[0].a, rloc, 16);
	assert_int_equal(m->nrec, 1);
	assert_int_equal(m->rec[0].eid.afi, LISP_AFI_IPV6);
	assert_int_equal(m->rec[0].eid.plen, 48);
	assert_memory_equal(m->rec[0].eid.a, eid, 16);
}

static void check_pubsub(const struct lisp_map_request *m)
{
	assert_true(m->xtr_id_present);
	assert_false(m->map_data);
	assert_int_equal(m->source_eid.flags, LISP_ADDR_F_IID);
	assert_int_equal(m->source_eid.iid, 7);
	assert_int_equal(m->source_eid.iid_mlen, 32);
	ip4(&m->source_eid.addr[0], 198, 51, 100, 10);
	assert_int_equal(m->n_itr_rlocs, 1);
	assert_int_equal(m->itr_rlocs[0].flags, LISP_ADDR_F_LIST);
	assert_int_equal(m->itr_rlocs[0].n, 2);
	ip4(&m->itr_rlocs[0].addr[0], 192, 0, 2, 1);
	assert_int_equal(m->itr_rlocs[0].addr[1].afi, LISP_AFI_IPV6);
	assert_int_equal(m->nrec, 2);
	assert_true(m->rec[0].notify);
	assert_true(m->rec[0].eid_lcaf_iid);
	assert_int_equal(m->rec[0].iid_mlen, 32);
	assert_int_equal(m->rec[0].eid.iid, 7);
	assert_int_equal(m->rec[0].eid.plen, 24);
	const uint8_t eid[4] = {198, 51, 100, 0};
	assert_memory_equal(m->rec[0].eid.a, eid, 4);
	assert_false(m->rec[1].notify);
	assert_int_equal(m->rec[1].eid.iid, 0);
	assert_int_equal(m->rec[1].eid.plen, 32);
	for (int i = 0; i < 16; i++)
		assert_int_equal(m->xtr_id[i], 0xa0 + i);
	assert_true(m->site_id == 42);
}

static void check_map_data(const struct lisp_map_request *m)
{
	assert_true(m->map_data);
	assert_int_equal(m->nrec, 1);
	const struct lisp_record *r = &m->map_reply;
	assert_int_equal(r->ttl, 1440);
	assert_true(r->authoritative);
	assert_int_equal(r->action, LISP_ACT_NO_ACTION);
	assert_int_equal(r->map_version, 0x0abc);
	assert_int_equal(r->eid.plen, 32);
	assert_int_equal(r->nloc, 1);
	assert_int_equal(r->loc[0].priority, 1);
	assert_int_equal(r->loc[0].weight, 100);
	assert_int_equal(r->loc[0].mpriority, 255);
	assert_int_equal(r->loc[0].mweight, 0);
	assert_int_equal(r->loc[0].flags, LISP_LOC_F_LOCAL | LISP_LOC_F_REACHABLE);
	ip4(&r->loc[0].addr.addr[0], 203, 0, 113, 5);
}

static void check_irc_max(const struct lisp_map_request *m)
{
	assert_int_equal(m->n_itr_rlocs, 32);
	for (unsigned i = 0; i < 32; i++)
		ip4(&m->itr_rlocs[i].addr[0], 10, 0, 0, (uint8_t)i);
}

#define ITR(i) 0, 1, 10, 0, 0, i
#define ITR8(i)                                                                                    \
	ITR(i), ITR(i + 1), ITR(i + 2), ITR(i + 3), ITR(i + 4), ITR(i + 5), ITR(i + 6), ITR(i + 7)

static const struct vec vecs[] = {
    /* Type=1, no flags, IRC 0, one record; AFI 0 source EID (RFC 9301 §5.2). */
    {"v4-basic", B(0x10, 0, 0, 1, NONCE, 0, 0, V4_192_0_2_1, REC_198_51_100_5), 0, check_basic},
    /* A P S p s L D set (0x1bc06000), IRC 1 (two ITR-RLOCs, IPv4 then IPv6), IPv6 EIDs. */
    {"v6-all-flags-two-itr-rlocs",
     B(0x1b, 0xc0, 0x61, 0x01, 0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa, 0x99, 0x88, 0, 2, V6_DB8_1, 0, 1,
       203, 0, 113, 1, 0, 2, V6_DB8_1_1, 0x00, 48, 0, 2, V6_DB8_1_0),
     0, check_flags_v6},
    /* RFC 9437: I=1 (0x00100000), N=1 in the first record, Instance-ID LCAF source EID
     * and EID, AFI-List ITR-RLOC (IPv4 + IPv6), xTR-ID (128) + Site-ID (64) at the end. */
    {"pubsub-iid-lcaf-afi-list",
     B(0x10, 0x10, 0, 2, NONCE,
       /* source EID: LCAF IID 7, mask 32, 198.51.100.10 */
       0x40, 0x03, 0, 0, 2, 32, 0, 10, 0, 0, 0, 7, 0, 1, 198, 51, 100, 10,
       /* ITR-RLOC: AFI-List LCAF, length 24 */
       0x40, 0x03, 0, 0, 1, 0, 0, 24, V4_192_0_2_1, 0, 2, V6_DB8_1,
       /* record 1: N=1, /24, LCAF IID 7 */
       0x80, 24, 0x40, 0x03, 0, 0, 2, 32, 0, 10, 0, 0, 0, 7, 0, 1, 198, 51, 100, 0,
       /* record 2 */
       REC_198_51_100_5,
       /* xTR-ID, Site-ID */
       0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae,
       0xaf, 0, 0, 0, 0, 0, 0, 0, 42),
     0, check_pubsub},
    /* M=1: a Map-Reply record (RFC 9301 §5.4 layout) follows the EID record. */
    {"map-data-record",
     B(0x14, 0, 0, 1, NONCE, 0, 0, V4_192_0_2_1, REC_198_51_100_5,
       /* TTL 1440, 1 locator, /32, A=1, version 0xabc, EID */
       0, 0, 0x05, 0xa0, 1, 32, 0x10, 0x00, 0x0a, 0xbc, 0, 1, 198, 51, 100, 5,
       /* locator: prio 1, weight 100, mprio 255, mweight 0, L+R, 203.0.113.5 */
       1, 100, 255, 0, 0x00, 0x05, 0, 1, 203, 0, 113, 5),
     0, check_map_data},
    /* IRC 31: 32 ITR-RLOCs, the most the 5-bit field can say. */
    {"irc-max-32-itr-rlocs",
     B(0x10, 0, 0x1f, 1, NONCE, 0, 0, ITR8(0), ITR8(8), ITR8(16), ITR8(24), REC_198_51_100_5), 0,
     check_irc_max},

    /* ---- malformed ---- */
    {"wrong-type-map-reply", B(0x20, 0, 0, 1, NONCE, 0, 0, V4_192_0_2_1, REC_198_51_100_5),
     PERR_BAD_TYPE, NULL},
    {"wrong-type-ecm", B(0x80, 0, 0, 0), PERR_BAD_TYPE, NULL},
    {"empty", B(0), PERR_TRUNCATED, NULL}, /* len trimmed to 0 below */
    {"record-count-zero", B(0x10, 0, 0, 0, NONCE, 0, 0, V4_192_0_2_1), PERR_BAD_COUNT, NULL},
    {"record-count-over-limit", B(0x10, 0, 0, 9, NONCE, 0, 0, V4_192_0_2_1, REC_198_51_100_5),
     PERR_LIMIT, NULL},
    {"record-count-larger-than-data", B(0x10, 0, 0, 3, NONCE, 0, 0, V4_192_0_2_1, REC_198_51_100_5),
     PERR_BAD_COUNT, NULL},
    {"irc-larger-than-data", B(0x10, 0, 0x05, 1, NONCE, 0, 0, V4_192_0_2_1, REC_198_51_100_5),
     PERR_BAD_COUNT, NULL},
    {"trailing-byte", B(0x10, 0, 0, 1, NONCE, 0, 0, V4_192_0_2_1, REC_198_51_100_5, 0),
     PERR_TRAILING, NULL},
    {"itr-rloc-unknown-afi", B(0x10, 0, 0, 1, NONCE, 0, 0, 0, 9, 1, 2, 3, 4, REC_198_51_100_5),
     PERR_BAD_AFI, NULL},
    {"itr-rloc-afi-0", B(0x10, 0, 0, 1, NONCE, 0, 0, 0, 0, REC_198_51_100_5, 0, 0, 0, 0),
     PERR_BAD_AFI, NULL},
    {"source-eid-unknown-afi", B(0x10, 0, 0, 1, NONCE, 0, 17, V4_192_0_2_1, REC_198_51_100_5),
     PERR_BAD_AFI, NULL},
    {"source-eid-lcaf-length-overrun",
     B(0x10, 0, 0, 1, NONCE, 0x40, 0x03, 0, 0, 2, 32, 0, 40, 0, 0, 0, 7, 0, 1, 198, 51, 100, 10,
       V4_192_0_2_1, REC_198_51_100_5),
     PERR_BAD_LCAF, NULL},
    {"eid-lcaf-length-too-long",
     B(0x10, 0, 0, 1, NONCE, 0, 0, V4_192_0_2_1, 0, 32, 0x40, 0x03, 0, 0, 2, 32, 0, 11, 0, 0, 0, 7,
       0, 1, 198, 51, 100, 5, 0),
     PERR_BAD_LCAF, NULL},
    {"eid-unknown-lcaf-type",
     B(0x10, 0, 0, 1, NONCE, 0, 0, V4_192_0_2_1, 0, 32, 0x40, 0x03, 0, 0, 99, 0, 0, 2, 1, 2),
     PERR_BAD_LCAF, NULL},
    {"eid-mask-len-33", B(0x10, 0, 0, 1, NONCE, 0, 0, V4_192_0_2_1, 0, 33, 0, 1, 198, 51, 100, 5),
     PERR_BAD_PREFIX, NULL},
    {"eid-afi-list",
     B(0x10, 0, 0, 1, NONCE, 0, 0, V4_192_0_2_1, 0, 32, 0x40, 0x03, 0, 0, 1, 0, 0, 12, V4_192_0_2_1,
       V4_192_0_2_1),
     PERR_BAD_AFI, NULL},
    {"xtr-id-missing", B(0x10, 0x10, 0, 1, NONCE, 0, 0, V4_192_0_2_1, REC_198_51_100_5),
     PERR_TRUNCATED, NULL},
    {"site-id-short",
     B(0x10, 0x10, 0, 1, NONCE, 0, 0, V4_192_0_2_1, REC_198_51_100_5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
       0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
     PERR_TRUNCATED, NULL},
    {"map-data-record-missing", B(0x14, 0, 0, 1, NONCE, 0, 0, V4_192_0_2_1, REC_198_51_100_5),
     PERR_TRUNCATED, NULL},
    {"map-data-locator-count-over-limit",
     B(0x14, 0, 0, 1, NONCE, 0, 0, V4_192_0_2_1, REC_198_51_100_5, 0, 0, 0x05, 0xa0, 17, 32, 0, 0,
       0, 0, 0, 1, 198, 51, 100, 5),
     PERR_LIMIT, NULL},
};

static struct lisp_map_request m1, m2;

static int is_cut_error(int code)
{
	return code == PERR_TRUNCATED || code == PERR_BAD_COUNT || code == PERR_BAD_LCAF;
}

static void run_vec(void **state)
{
	const struct vec *v = *state;
	size_t len = strcmp(v->name, "empty") == 0 ? 0 : v->len;
	struct proto_err e = {0};
	struct buf b, w;
	uint8_t out[1024], out2[1024];

	buf_init_read(&b, v->bytes, len);
	int rc = lisp_map_request_parse(&b, &m1, &e);
	if (v->code) {
		assert_int_equal(rc, -1);
		assert_int_equal(e.code, v->code);
		assert_non_null(e.reason);
		assert_true(e.offset <= len);
		return;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(buf_left(&b), 0);
	v->check(&m1);

	/* build -> same bytes */
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(lisp_map_request_build(&w, &m1, &e), 0);
	assert_int_equal(buf_len(&w), len);
	assert_memory_equal(out, v->bytes, len);

	/* build -> parse -> same fields -> same bytes */
	buf_init_read(&b, out, len);
	assert_int_equal(lisp_map_request_parse(&b, &m2, &e), 0);
	v->check(&m2);
	buf_init_write(&w, out2, sizeof(out2));
	assert_int_equal(lisp_map_request_build(&w, &m2, &e), 0);
	assert_memory_equal(out2, out, len);

	/* truncated at every length */
	for (size_t n = 0; n < len; n++) {
		buf_init_read(&b, v->bytes, n);
		e.code = 0;
		assert_int_equal(lisp_map_request_parse(&b, &m2, &e), -1);
		if (!is_cut_error(e.code))
			fail_msg("cut at %zu: %s (%s)", n, proto_err_name(e.code), e.reason);
	}
	/* every too-small output buffer */
	for (size_t n = 0; n < len; n++) {
		buf_init_write(&w, out, n);
		e.code = 0;
		assert_int_equal(lisp_map_request_build(&w, &m1, &e), -1);
		if (e.code != PERR_FULL)
			fail_msg("cap %zu: %s (%s)", n, proto_err_name(e.code), e.reason);
	}
}

/* ---- builder-only cases ---- */
static void base_request(struct lisp_map_request *m)
{
	struct ipaddr ip;
	memset(m, 0, sizeof(*m));
	m->nonce = 1;
	ipaddr_parse("192.0.2.1", &ip);
	lisp_addr_from_ip(&m->itr_rlocs[0], &ip);
	m->n_itr_rlocs = 1;
	prefix_parse("198.51.100.5/32", &m->rec[0].eid, false);
	m->nrec = 1;
}

static void test_build_counts(void **state)
{
	(void)state;
	uint8_t out[256];
	struct buf w;
	struct proto_err e;

	struct {
		const char *what;
		uint8_t nitr, nrec;
	} bad[] = {{"no ITR-RLOC", 0, 1},
		   {"33 ITR-RLOCs", 33, 1},
		   {"no record", 1, 0},
		   {"9 records", 1, 9}};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		base_request(&m1);
		m1.n_itr_rlocs = bad[i].nitr;
		m1.nrec = bad[i].nrec;
		buf_init_write(&w, out, sizeof(out));
		e.code = 0;
		print_message("%s\n", bad[i].what);
		assert_int_equal(lisp_map_request_build(&w, &m1, &e), -1);
		assert_int_equal(e.code, PERR_BAD_VALUE);
	}
}

static void test_build_bad_fields(void **state)
{
	(void)state;
	uint8_t out[256];
	struct buf w;
	struct proto_err e;

	base_request(&m1);
	memset(&m1.itr_rlocs[0], 0, sizeof(m1.itr_rlocs[0])); /* AFI 0 ITR-RLOC */
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(lisp_map_request_build(&w, &m1, &e), -1);
	assert_int_equal(e.code, PERR_BAD_VALUE);

	base_request(&m1);
	m1.rec[0].eid.plen = 33;
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(lisp_map_request_build(&w, &m1, &e), -1);
	assert_int_equal(e.code, PERR_BAD_VALUE);

	/* a builder-made request with an IID prefix: record EID in an IID LCAF */
	base_request(&m1);
	prefix_parse("[42]198.51.100.0/24", &m1.rec[0].eid, false);
	m1.rec[0].eid_lcaf_iid = true;
	m1.rec[0].iid_mlen = 32;
	m1.rec[0].notify = true;
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(lisp_map_request_build(&w, &m1, &e), 0);
	const uint8_t rec[] = {0x80, 24, 0x40, 0x03, 0, 0, 2,	32, 0,	 10,
			       0,    0,	 0,    42,   0, 1, 198, 51, 100, 0};
	assert_int_equal(buf_len(&w), 20 + sizeof(rec));
	assert_memory_equal(out + 20, rec, sizeof(rec));
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
	    (struct CMUnitTest){"build-counts-out-of-range", test_build_counts, NULL, NULL, NULL};
	tests[n++] = (struct CMUnitTest){"build-bad-fields-and-iid", test_build_bad_fields, NULL,
					 NULL, NULL};
	return _cmocka_run_group_tests("map_request", tests, n, NULL, NULL);
}
