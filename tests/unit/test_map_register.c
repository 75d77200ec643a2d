/* SPDX-License-Identifier: ISC */
/* tests/unit/test_map_register.c - proto/map_register.c (RFC 9301 §5.6): byte-exact
 * hand-written Map-Registers (IPv4 and IPv6 EIDs, Instance-ID LCAF, several locators,
 * xTR-ID/Site-ID) whose authentication data was computed independently with
 *   openssl dgst -sha256 -mac HMAC -macopt key:<secret> <message with zeroed auth data>
 * and pasted here; parse -> build -> sign round trips; every truncation; every too-small
 * output buffer; the named malformed cases. */
#include "map_testlib.h"

/* [42]2001:db8::5/128 in an Instance-ID LCAF (IID mask-len 32), two locators (v4 and v6) */
#define REC_IID_V6                                                                                 \
	"000005a0 02 80 0000 0000 4003 00 00 02 20 0016 0000002a 0002 "                            \
	"20010db8000000000000000000000005 "                                                        \
	"01 32 ff 00 0005 0001 c0000201 "                                                          \
	"01 32 ff 00 0001 0002 20010db800ff00000000000000000001 "
/* 198.51.101.0/24, TTL 60, A=1, map-version 5, one IPv6 locator */
#define REC_V4_24                                                                                  \
	"0000003c 01 18 1000 0005 0001 c6336500 "                                                  \
	"02 0a ff 00 0004 0002 20010db800ff00000000000000000002 "
#define XTR_SITE "000102030405060708090a0b0c0d0e0f 0000000000000007"

/* P=1 M=1, 1 record, key 0 / HMAC-SHA-256, key "lisp-secret" */
#define V1_HDR	"38000101 0102030405060708 0002 0020 "
#define V1_AUTH "5b575b6c1c756a6ec4b293232fe65bbd8e729b307c2bec2a4abd374958422002 "
/* I=1 T=1 a=1 M=1, 2 records, key 1 / HMAC-SHA-1, key "another key" */
#define V2_HDR	"32000d02 a1a2a3a4a5a6a7a8 0101 0014 "
#define V2_AUTH "8bbd7d386b84122cf070398330bed22b790e6e06 "

static void check_v1(const struct lisp_map_register *m)
{
	char s[PREFIX_STRLEN], a[IPADDR_STRLEN];
	assert_true(m->proxy_reply && m->want_notify);
	assert_false(m->sec || m->xtr_id_present || m->eid_notify || m->use_ttl || m->merge);
	assert_true(m->nonce == 0x0102030405060708ULL);
	assert_int_equal(m->auth.key_id, 0);
	assert_int_equal(m->auth.alg_id, LISP_ALG_HMAC_SHA256_128);
	assert_int_equal(m->auth.len, 32);
	assert_int_equal(m->auth.data_off, 16);
	assert_int_equal(m->nrec, 1);
	assert_int_equal(m->rec[0].ttl, 1440);
	assert_true(m->rec[0].authoritative);
	assert_string_equal(prefix_str(&m->rec[0].eid, s, sizeof(s)), "198.51.100.5/32");
	assert_int_equal(m->rec[0].nloc, 1);
	assert_int_equal(m->rec[0].loc[0].priority, 1);
	assert_int_equal(m->rec[0].loc[0].weight, 100);
	assert_int_equal(m->rec[0].loc[0].mpriority, 255);
	assert_int_equal(m->rec[0].loc[0].flags, LISP_LOC_F_LOCAL | LISP_LOC_F_REACHABLE);
	assert_string_equal(ipaddr_str(&m->rec[0].loc[0].addr.addr[0], a, sizeof(a)), "192.0.2.1");
}

static void check_v2(const struct lisp_map_register *m)
{
	char s[PREFIX_STRLEN], a[IPADDR_STRLEN];
	assert_true(m->xtr_id_present && m->use_ttl && m->merge && m->want_notify);
	assert_false(m->proxy_reply || m->sec || m->eid_notify);
	assert_true(m->nonce == 0xa1a2a3a4a5a6a7a8ULL);
	assert_int_equal(m->auth.key_id, 1);
	assert_int_equal(m->auth.alg_id, LISP_ALG_HMAC_SHA1_96);
	assert_int_equal(m->auth.len, 20);
	assert_int_equal(m->nrec, 2);
	assert_string_equal(prefix_str(&m->rec[0].eid, s, sizeof(s)), "[42]2001:db8::5/128");
	assert_true(m->rec[0].eid_lcaf_iid);
	assert_int_equal(m->rec[0].iid_mlen, 32);
	assert_int_equal(m->rec[0].nloc, 2);
	assert_string_equal(ipaddr_str(&m->rec[0].loc[1].addr.addr[0], a, sizeof(a)),
			    "2001:db8:ff::1");
	assert_string_equal(prefix_str(&m->rec[1].eid, s, sizeof(s)), "198.51.101.0/24");
	assert_int_equal(m->rec[1].ttl, 60);
	assert_int_equal(m->rec[1].map_version, 5);
	assert_int_equal(m->rec[1].loc[0].flags, LISP_LOC_F_LOCAL);
	for (int i = 0; i < 16; i++)
		assert_int_equal(m->xtr_id[i], i);
	assert_true(m->site_id == 7);
}

static void check_v3(const struct lisp_map_register *m)
{
	char s[PREFIX_STRLEN];
	assert_true(m->sec && m->eid_notify);
	assert_false(m->proxy_reply || m->xtr_id_present || m->use_ttl || m->merge ||
		     m->want_notify);
	assert_int_equal(m->auth.alg_id, LISP_ALG_NONE);
	assert_int_equal(m->auth.len, 0);
	assert_int_equal(m->nrec, 1);
	assert_string_equal(prefix_str(&m->rec[0].eid, s, sizeof(s)), "2001:db8:1::/48");
	assert_int_equal(m->rec[0].nloc, 3);
	assert_int_equal(m->rec[0].loc[0].flags, 7);
	assert_int_equal(m->rec[0].loc[2].priority, 255);
}

MAP_VEC_STRUCT(reg_vec, struct lisp_map_register);

static const struct reg_vec vecs[] = {
    {"ipv4-sha256-proxy-want-notify", V1_HDR V1_AUTH REC_V4, 0, 0, "lisp-secret", check_v1},
    {"iid-ipv6-and-ipv4-sha1-xtrid", V2_HDR V2_AUTH REC_IID_V6 REC_V4_24 XTR_SITE, 0, 0,
     "another key", check_v2},
    {"ipv6-three-locators-no-auth",
     "34001001 ffffffffffffffff 0000 0000 "
     "00000001 03 30 0000 0000 0002 20010db8000100000000000000000000 "
     "01 21 02 03 0007 0001 c0000201 "
     "02 00 ff 00 0000 0002 20010db800ff00000000000000000003 "
     "ff 00 ff 00 0001 0001 cb007101",
     0, 0, NULL, check_v3},
    /* ---- malformed ---- */
    {"type-map-request", "18000101 0102030405060708 0002 0020" Z32 REC_V4, -1, PERR_BAD_TYPE, NULL,
     NULL},
    {"type-map-notify", "48000101 0102030405060708 0002 0020" Z32 REC_V4, -1, PERR_BAD_TYPE, NULL,
     NULL},
    {"type-reserved", "08000101 0102030405060708 0002 0020" Z32 REC_V4, -1, PERR_BAD_TYPE, NULL,
     NULL},
    {"empty", "", -1, PERR_TRUNCATED, NULL, NULL},
    {"header-only", "38000101", -1, PERR_TRUNCATED, NULL, NULL},
    {"auth-header-truncated", V1_HDR, -1, PERR_TRUNCATED, NULL, NULL},
    {"auth-len-longer-than-data", V1_HDR Z16, -1, PERR_TRUNCATED, NULL, NULL},
    {"auth-len-over-max", "38000101 0102030405060708 0009 0041" Z32 Z32 "00" REC_V4, -1,
     PERR_BAD_AUTH, NULL, NULL},
    {"auth-len-truncated-sha256", "38000101 0102030405060708 0002 0010" Z16 REC_V4, -1,
     PERR_BAD_AUTH, NULL, NULL},
    {"auth-len-truncated-sha1", "38000101 0102030405060708 0001 000c" Z4 Z4 Z4 REC_V4, -1,
     PERR_BAD_AUTH, NULL, NULL},
    {"record-count-larger-than-data", "38000105 0102030405060708 0002 0020" Z32 REC_V4, -1,
     PERR_BAD_COUNT, NULL, NULL},
    {"record-count-two-one-present", "38000102 0102030405060708 0002 0020" Z32 REC_V4, -1,
     PERR_TRUNCATED, NULL, NULL},
    {"record-count-over-limit", "380001ff 0102030405060708 0002 0020" Z32 REC_V4, -1, PERR_LIMIT,
     NULL, NULL},
    {"record-count-zero-with-record", "38000100 0102030405060708 0002 0020" Z32 REC_V4, -1,
     PERR_TRAILING, NULL, NULL},
    {"trailing-byte", V1_HDR Z32 REC_V4 "00", -1, PERR_TRAILING, NULL, NULL},
    {"unknown-eid-afi",
     V1_HDR Z32 "000005a0 01 20 1000 0000 0009 c6336405 01 64 ff 00 0005 0001 c0000201", -1,
     PERR_BAD_AFI, NULL, NULL},
    {"unknown-locator-afi",
     V1_HDR Z32 "000005a0 01 20 1000 0000 0001 c6336405 01 64 ff 00 0005 0010 c0000201", -1,
     PERR_BAD_AFI, NULL, NULL},
    {"eid-mask-too-long",
     V1_HDR Z32 "000005a0 01 21 1000 0000 0001 c6336405 01 64 ff 00 0005 0001 c0000201", -1,
     PERR_BAD_PREFIX, NULL, NULL},
    {"bad-lcaf-length",
     V2_HDR Z20 "000005a0 02 80 0000 0000 4003 00 00 02 20 0030 0000002a 0002 "
		"20010db8000000000000000000000005 "
		"01 32 ff 00 0005 0001 c0000201 "
		"01 32 ff 00 0001 0002 20010db800ff00000000000000000001 " REC_V4_24 XTR_SITE,
     -1, PERR_BAD_LCAF, NULL, NULL},
    {"locator-count-larger-than-data",
     V1_HDR Z32 "000005a0 09 20 1000 0000 0001 c6336405 01 64 ff 00 0005 0001 c0000201", -1,
     PERR_BAD_COUNT, NULL, NULL},
    {"xtr-id-missing", "3a000101 0102030405060708 0002 0020" Z32 REC_V4, -1, PERR_BAD_COUNT, NULL,
     NULL},
    {"xtr-id-too-short-for-trailer", "3a000100 0102030405060708 0002 0020" Z32 Z16 Z4, -1,
     PERR_TRUNCATED, NULL, NULL},
    {"bytes-between-records-and-xtr-id", V2_HDR Z20 REC_IID_V6 REC_V4_24 "00" XTR_SITE, -1,
     PERR_TRAILING, NULL, NULL},
    {"xtr-id-and-one-trailing-byte", V2_HDR Z20 REC_IID_V6 REC_V4_24 XTR_SITE "00", -1,
     PERR_TRAILING, NULL, NULL},
};

static struct lisp_map_register m, m2; /* large: off the stack */

static void same_reg(const struct lisp_map_register *a, const struct lisp_map_register *b)
{
	assert_int_equal(b->nrec, a->nrec); /* rec[] past nrec is not part of the result */
	assert_memory_equal(&a->rec, &b->rec, a->nrec * sizeof(a->rec[0]));
}

MAP_OPS(reg_ops, lisp_map_register, same_reg, false);

static void test_vectors(void **state)
{
	(void)state;
	MAP_RUN_VECTORS(&reg_ops, vecs, m, m2);
}

/* Zero and maximum record counts built from structs; over the maximum is refused. */
static void test_counts(void **state)
{
	(void)state;
	static uint8_t out[LISP_MAX_RECORDS * 64 + 256];
	uint8_t rec_bytes[64];
	size_t rn = unhex(REC_V4, rec_bytes, sizeof(rec_bytes));
	struct buf r, w;
	struct proto_err e = {0};
	size_t auth_off;

	buf_init_read(&r, rec_bytes, rn);
	memset(&m, 0, sizeof(m));
	assert_int_equal(lisp_record_parse(&r, &m.rec[0], NULL), 0);
	for (unsigned i = 1; i < LISP_MAX_RECORDS; i++)
		m.rec[i] = m.rec[0];
	m.auth.alg_id = LISP_ALG_HMAC_SHA256_128;
	m.auth.len = 32;

	for (unsigned nrec = 0; nrec <= LISP_MAX_RECORDS; nrec += LISP_MAX_RECORDS) {
		m.nrec = (uint8_t)nrec;
		buf_init_write(&w, out, sizeof(out));
		assert_int_equal(lisp_map_register_build(&w, &m, &auth_off, &e), 0);
		assert_int_equal(buf_len(&w), 16 + 32 + nrec * rn);
		buf_as_reader(&w, &r);
		assert_int_equal(lisp_map_register_parse(&r, &m2, &e), 0);
		assert_int_equal(m2.nrec, nrec);
	}
	m.nrec = LISP_MAX_RECORDS + 1;
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(lisp_map_register_build(&w, &m, &auth_off, &e), -1);
	assert_int_equal(e.code, PERR_BAD_VALUE);
	m.nrec = 1;
	m.auth.len = LISP_AUTH_MAX + 1;
	assert_int_equal(lisp_map_register_build(&w, &m, &auth_off, &e), -1);
	assert_int_equal(e.code, PERR_BAD_VALUE);
}

/* Reserved bits (lispers.net's private kid/e/F/m, the R bit) are ignored on receipt and
 * sent as zero. */
static void test_reserved_bits(void **state)
{
	(void)state;
	uint8_t bytes[256], out[256];
	size_t n = unhex("39ffe301 0102030405060708 0002 0020" Z32 REC_V4, bytes, sizeof(bytes));
	struct buf r, w;

	buf_init_read(&r, bytes, n);
	assert_int_equal(lisp_map_register_parse(&r, &m, NULL), 0);
	assert_true(m.proxy_reply && m.want_notify);
	assert_false(m.sec || m.xtr_id_present || m.eid_notify || m.use_ttl || m.merge);
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(lisp_map_register_build(&w, &m, NULL, NULL), 0);
	assert_int_equal(out[0], 0x38);
	assert_int_equal(out[1], 0x00);
	assert_int_equal(out[2], 0x01);
	assert_memory_equal(out + 3, bytes + 3, n - 3);
}

/* The nonce scale of every registrant of the suite (lisp-xtrd, lisp-register): the wall
 * clock in ns, never below or equal to the last nonce sent, never 0. */
static void test_register_nonce(void **state)
{
	(void)state;
	assert_int_equal(lisp_register_nonce(0, 1700000000000000000ull), 1700000000000000000ull);
	/* the clock went back, or did not move: last + 1 */
	assert_int_equal(lisp_register_nonce(1700000000000000005ull, 1700000000000000000ull),
			 1700000000000000006ull);
	assert_int_equal(lisp_register_nonce(42, 42), 43);
	assert_int_equal(lisp_register_nonce(0, 0), 1);
	assert_true(lisp_register_nonce(UINT64_MAX, 5) == UINT64_MAX);
	/* the scale lisp-xtrd used before (seconds << 24) is far below it: one lisp-register
	 * run with its ns nonces locked such an xTR out wherever they shared a counter */
	uint64_t old_xtrd = (uint64_t)1700000000 << 24;
	assert_true(lisp_register_nonce(old_xtrd, 1700000000000000000ull) > old_xtrd * 50);
}

static void test_xtr_id_parse(void **state)
{
	(void)state;
	uint8_t id[16];
	static const uint8_t one[16] = {[15] = 1};
	static const uint8_t abc[16] = {[14] = 0x0a, [15] = 0xbc};
	assert_int_equal(lisp_xtr_id_parse("1", id), 0);
	assert_memory_equal(id, one, 16);
	assert_int_equal(lisp_xtr_id_parse("0xABC", id), 0);
	assert_memory_equal(id, abc, 16);
	assert_int_equal(lisp_xtr_id_parse("00112233445566778899aabbccddeeff", id), 0);
	assert_int_equal(id[0], 0x00);
	assert_int_equal(id[15], 0xff);
	assert_int_equal(lisp_xtr_id_parse("", id), -1);
	assert_int_equal(lisp_xtr_id_parse("0x", id), -1);
	assert_int_equal(lisp_xtr_id_parse("00112233445566778899aabbccddeeff0", id), -1);
	assert_int_equal(lisp_xtr_id_parse("12g4", id), -1);
	assert_int_equal(lisp_xtr_id_parse("-1", id), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vectors),	  cmocka_unit_test(test_register_nonce),
	    cmocka_unit_test(test_xtr_id_parse),  cmocka_unit_test(test_counts),
	    cmocka_unit_test(test_reserved_bits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
