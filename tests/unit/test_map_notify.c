/* SPDX-License-Identifier: ISC */
/* tests/unit/test_map_notify.c - proto/map_notify.c (RFC 9301 §5.7, RFC 9437): byte-exact
 * Map-Notify and Map-Notify-Ack vectors whose authentication data was computed with
 *   openssl dgst -sha256|-sha1 -mac HMAC -macopt key:<secret> <message, auth data zeroed>
 * (I and R bits at bits 4 and 5, xTR-ID/Site-ID when I=1); round trips; every truncation;
 * every too-small output buffer; the malformed cases; a Map-Notify built from a parsed
 * Map-Register (the acknowledgement use) verifies with the site key. */
#include "map_testlib.h"

/* [42]2001:db8::5/128 (Instance-ID LCAF), TTL 0, one IPv6 locator 2001:db8:ff::1, R */
#define REC_IID_V6                                                                                 \
	"00000000 01 80 0000 0000 4003 00 00 02 20 0016 0000002a 0002 "                            \
	"20010db8000000000000000000000005 "                                                        \
	"01 64 ff 00 0001 0002 20010db800ff00000000000000000001 "
#define XTR_SITE "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff 0000000000000001"

/* Map-Notify, 1 record, key 0 / HMAC-SHA-256, key "lisp-secret" */
#define N1_HDR	"40000001 0102030405060708 0002 0020 "
#define N1_AUTH "e85f710990fdbd44e64f9a08a4ee2bb19a3f97e78c3c9847566368b3c4298406 "
/* Map-Notify I=1 (RFC 9437 notification), key 0 / HMAC-SHA-256, key "xtr-key" */
#define N2_HDR	"48000001 0000000000000100 0002 0020 "
#define N2_AUTH "66ab0322ef24c0e8f6f757d4eb4c3bcaef76114d491c3bf88e8c8da678156aa7 "
/* Map-Notify-Ack R=1, key 3 / HMAC-SHA-1, key "ack-key" */
#define N3_HDR	"54000001 1122334455667788 0301 0014 "
#define N3_AUTH "253a231f5412a85427db378b18b5c013d17bc693 "

static void check_n1(const struct lisp_map_notify *m)
{
	char s[PREFIX_STRLEN];
	assert_false(m->ack || m->xtr_id_present || m->rtr);
	assert_true(m->nonce == 0x0102030405060708ULL);
	assert_int_equal(m->auth.alg_id, LISP_ALG_HMAC_SHA256_128);
	assert_int_equal(m->auth.data_off, 16);
	assert_int_equal(m->nrec, 1);
	assert_string_equal(prefix_str(&m->rec[0].eid, s, sizeof(s)), "198.51.100.5/32");
}

static void check_n2(const struct lisp_map_notify *m)
{
	char s[PREFIX_STRLEN], a[IPADDR_STRLEN];
	assert_false(m->ack || m->rtr);
	assert_true(m->xtr_id_present);
	assert_true(m->nonce == 0x100);
	assert_int_equal(m->nrec, 1);
	assert_int_equal(m->rec[0].ttl, 0);
	assert_string_equal(prefix_str(&m->rec[0].eid, s, sizeof(s)), "[42]2001:db8::5/128");
	assert_string_equal(ipaddr_str(&m->rec[0].loc[0].addr.addr[0], a, sizeof(a)),
			    "2001:db8:ff::1");
	assert_int_equal(m->xtr_id[0], 0xf0);
	assert_int_equal(m->xtr_id[15], 0xff);
	assert_true(m->site_id == 1);
}

static void check_n3(const struct lisp_map_notify *m)
{
	assert_true(m->ack && m->rtr);
	assert_false(m->xtr_id_present);
	assert_int_equal(m->auth.key_id, 3);
	assert_int_equal(m->auth.alg_id, LISP_ALG_HMAC_SHA1_96);
	assert_int_equal(m->auth.len, 20);
	assert_int_equal(m->nrec, 1);
}

static void check_n4(const struct lisp_map_notify *m)
{
	assert_true(m->ack);
	assert_int_equal(m->nrec, 0);
	assert_int_equal(m->auth.alg_id, LISP_ALG_NONE);
}

MAP_VEC_STRUCT(notify_vec, struct lisp_map_notify);

#define BAD(n, h, c)                                                                               \
	{                                                                                          \
		n, h, -1, c, NULL, NULL                                                            \
	}

static const struct notify_vec vecs[] = {
    {"notify-ipv4-sha256", N1_HDR N1_AUTH REC_V4, 0, 0, "lisp-secret", check_n1},
    {"notify-pubsub-iid-ipv6-xtrid", N2_HDR N2_AUTH REC_IID_V6 XTR_SITE, 0, 0, "xtr-key", check_n2},
    {"ack-rtr-sha1", N3_HDR N3_AUTH REC_V4, 0, 0, "ack-key", check_n3},
    {"ack-no-records-no-auth", "50000000 0000000000000001 0000 0000", 0, 0, NULL, check_n4},
    /* ---- malformed ---- */
    BAD("type-map-register", "38000001 0102030405060708 0002 0020" Z32 REC_V4, PERR_BAD_TYPE),
    BAD("type-map-referral", "60000001 0102030405060708 0002 0020" Z32 REC_V4, PERR_BAD_TYPE),
    BAD("type-ecm", "80000001 0102030405060708 0002 0020" Z32 REC_V4, PERR_BAD_TYPE),
    BAD("empty", "", PERR_TRUNCATED),
    BAD("nonce-truncated", "40000001 01020304", PERR_TRUNCATED),
    BAD("auth-len-longer-than-data", N1_HDR Z20, PERR_TRUNCATED),
    BAD("auth-len-over-max", "40000001 0102030405060708 00ff 0080" Z32 Z32 Z32 Z32, PERR_BAD_AUTH),
    BAD("auth-len-truncated-sha256", "40000001 0102030405060708 0002 0010" Z16 REC_V4,
	PERR_BAD_AUTH),
    BAD("record-count-larger-than-data", "40000009 0102030405060708 0002 0020" Z32 REC_V4,
	PERR_BAD_COUNT),
    BAD("record-count-over-limit", "40000021 0102030405060708 0002 0020" Z32 REC_V4, PERR_LIMIT),
    BAD("trailing-byte", N1_HDR Z32 REC_V4 "ff", PERR_TRAILING),
    BAD("unknown-eid-afi",
	N1_HDR Z32 "000005a0 01 20 1000 0000 0003 c6336405 01 64 ff 00 0005 0001 c0000201",
	PERR_BAD_AFI),
    BAD("bad-lcaf-length",
	N2_HDR Z32 "00000000 01 80 0000 0000 4003 00 00 02 20 0030 0000002a 0002 "
		   "20010db8000000000000000000000005 "
		   "01 64 ff 00 0001 0002 20010db800ff00000000000000000001 " XTR_SITE,
	PERR_BAD_LCAF),
    BAD("xtr-id-missing", "48000001 0102030405060708 0002 0020" Z32 REC_V4, PERR_BAD_COUNT),
    BAD("xtr-id-short", N2_HDR Z32 Z16, PERR_TRUNCATED),
    BAD("bytes-between-records-and-xtr-id", N2_HDR Z32 REC_IID_V6 "0000" XTR_SITE, PERR_TRAILING),
};

static struct lisp_map_notify m, m2;

static void same_notify(const struct lisp_map_notify *a, const struct lisp_map_notify *b)
{
	assert_memory_equal(&a->rec, &b->rec, sizeof(a->rec));
	assert_int_equal(b->ack, a->ack);
}

MAP_OPS(notify_ops, lisp_map_notify, same_notify, true);

static void test_vectors(void **state)
{
	(void)state;
	MAP_RUN_VECTORS(&notify_ops, vecs, m, m2);
}

/* The Map-Server's acknowledgement: copy nonce, records and xTR-ID/Site-ID of a parsed
 * Map-Register into a Map-Notify, sign it with the site key; the ETR verifies it. */
static void test_ack_from_register(void **state)
{
	(void)state;
	static struct lisp_map_register reg;
	uint8_t in[512], out[512];
	size_t n = unhex("3a000101 0102030405060708 0002 0020" Z32 REC_V4 XTR_SITE, in, sizeof(in));
	struct lisp_key *k = lisp_key_new(0, LISP_ALG_HMAC_SHA256_128, "site", 4);
	struct buf r, w;
	size_t auth_off;

	assert_non_null(k);
	buf_init_read(&r, in, n);
	assert_int_equal(lisp_map_register_parse(&r, &reg, NULL), 0);
	memset(&m, 0, sizeof(m));
	m.xtr_id_present = reg.xtr_id_present;
	m.nonce = reg.nonce;
	m.auth = reg.auth;
	m.nrec = reg.nrec;
	memcpy(m.rec, reg.rec, sizeof(m.rec));
	memcpy(m.xtr_id, reg.xtr_id, sizeof(m.xtr_id));
	m.site_id = reg.site_id;
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(lisp_map_notify_build(&w, &m, &auth_off, NULL), 0);
	assert_int_equal(lisp_auth_sign(&w, auth_off, k, NULL), 0);
	/* same bytes as the register except the first word and the digest */
	assert_int_equal(buf_len(&w), n);
	assert_int_equal(out[0], 0x48);
	assert_memory_equal(out + 4, in + 4, auth_off - 4);
	assert_memory_equal(out + auth_off + 32, in + auth_off + 32, n - auth_off - 32);
	buf_as_reader(&w, &r);
	assert_int_equal(lisp_map_notify_parse(&r, &m2, NULL), 0);
	assert_int_equal(lisp_auth_verify(&r, &m2.auth, k, NULL), 0);
	assert_memory_equal(m2.xtr_id, reg.xtr_id, 16);
	/* a Map-Notify signed by the site key does not verify as another site's */
	struct lisp_key *other = lisp_key_new(0, LISP_ALG_HMAC_SHA256_128, "other site", 10);
	assert_int_equal(lisp_auth_verify(&r, &m2.auth, other, NULL), -1);
	lisp_key_free(other);
	lisp_key_free(k);
}

static void test_build_limits(void **state)
{
	(void)state;
	uint8_t out[64];
	struct buf w;
	struct proto_err e = {0};

	memset(&m, 0, sizeof(m));
	m.nrec = LISP_MAX_RECORDS + 1;
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(lisp_map_notify_build(&w, &m, NULL, &e), -1);
	assert_int_equal(e.code, PERR_BAD_VALUE);
	m.nrec = 0;
	m.auth.len = LISP_AUTH_MAX + 1;
	assert_int_equal(lisp_map_notify_build(&w, &m, NULL, &e), -1);
	assert_int_equal(e.code, PERR_BAD_VALUE);
	/* reserved bits of a received notify are ignored, and sent as zero */
	uint8_t in[64];
	size_t n = unhex("431234ff 0000000000000001 0000 0000", in, sizeof(in));
	struct buf r;
	in[3] = 0;
	buf_init_read(&r, in, n);
	assert_int_equal(lisp_map_notify_parse(&r, &m, &e), 0);
	assert_true(m.xtr_id_present == false && m.rtr == false && !m.ack);
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(lisp_map_notify_build(&w, &m, NULL, &e), 0);
	assert_int_equal(out[0], 0x40);
	assert_int_equal(out[1], 0);
	assert_int_equal(out[2], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vectors),
	    cmocka_unit_test(test_ack_from_register),
	    cmocka_unit_test(test_build_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
