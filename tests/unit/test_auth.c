/* SPDX-License-Identifier: ISC */
/* tests/unit/test_auth.c - proto/auth: RFC 2202 / RFC 4231 HMAC vectors through the key API,
 * the authentication field codec (full digests only), sign then verify, a tampered byte
 * anywhere, wrong key / key ID / algorithm, and the misuse cases of sign and verify. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "proto/auth.h"
#include "proto/lisp_msg.h"
#include "map_testlib.h" /* unhex, Z4 Z16 Z20 Z32 */

/* ---- RFC 2202 (HMAC-SHA-1) and RFC 4231 (HMAC-SHA-256) ---- */
struct hmac_vec {
	const char *name;
	uint8_t alg;
	uint8_t key_byte; /* key = key_len bytes of key_byte, unless key_text */
	size_t key_len;
	const char *key_text;
	uint8_t data_byte; /* data = data_len bytes of data_byte, unless data_text */
	size_t data_len;
	const char *data_text;
	const char *mac_hex; /* may be a prefix (RFC 4231 case 5 is truncated to 128 bits) */
};

#define LONG_DATA_4231                                                                             \
	"This is a test using a larger than block-size key and a larger than block-size data. "    \
	"The key needs to be hashed before being used by the HMAC algorithm."

static const struct hmac_vec hmac_vecs[] = {
    {"rfc2202-1", 1, 0x0b, 20, NULL, 0, 0, "Hi There", "b617318655057264e28bc0b6fb378c8ef146be00"},
    {"rfc2202-2", 1, 0, 0, "Jefe", 0, 0, "what do ya want for nothing?",
     "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
    {"rfc2202-3", 1, 0xaa, 20, NULL, 0xdd, 50, NULL, "125d7342b9ac11cd91a39af48aa17b4f63f175d3"},
    {"rfc2202-4", 1, 0, 25, NULL, 0xcd, 50, NULL, "4c9007f4026250c6bc8414f9bf50c86c2d7235da"},
    {"rfc2202-5", 1, 0x0c, 20, NULL, 0, 0, "Test With Truncation",
     "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04"},
    {"rfc2202-6", 1, 0xaa, 80, NULL, 0, 0, "Test Using Larger Than Block-Size Key - Hash Key First",
     "aa4ae5e15272d00e95705637ce8a3b55ed402112"},
    {"rfc2202-7", 1, 0xaa, 80, NULL, 0, 0,
     "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data",
     "e8e99d0f45237d786d6bbaa7965c7808bbff1a91"},
    {"rfc4231-1", 2, 0x0b, 20, NULL, 0, 0, "Hi There",
     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
    {"rfc4231-2", 2, 0, 0, "Jefe", 0, 0, "what do ya want for nothing?",
     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
    {"rfc4231-3", 2, 0xaa, 20, NULL, 0xdd, 50, NULL,
     "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
    {"rfc4231-4", 2, 0, 25, NULL, 0xcd, 50, NULL,
     "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
    {"rfc4231-5-truncated", 2, 0x0c, 20, NULL, 0, 0, "Test With Truncation",
     "a3b6167473100ee06e0c796c2955552b"},
    {"rfc4231-6", 2, 0xaa, 131, NULL, 0, 0,
     "Test Using Larger Than Block-Size Key - Hash Key First",
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
    {"rfc4231-7", 2, 0xaa, 131, NULL, 0, 0, LONG_DATA_4231,
     "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
};

static void test_hmac_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(hmac_vecs) / sizeof(hmac_vecs[0]); i++) {
		const struct hmac_vec *v = &hmac_vecs[i];
		uint8_t key[200], data[200], want[64], got[64];
		size_t klen, dlen, wlen;
		struct buf b;

		print_message("vector %s\n", v->name);
		if (v->key_text) {
			klen = strlen(v->key_text);
			memcpy(key, v->key_text, klen);
		} else {
			klen = v->key_len;
			for (size_t j = 0; j < klen; j++)
				key[j] = v->key_byte ? v->key_byte : (uint8_t)(j + 1); /* 0x01.. */
		}
		if (v->data_text) {
			dlen = strlen(v->data_text);
			memcpy(data, v->data_text, dlen);
		} else {
			dlen = v->data_len;
			memset(data, v->data_byte, dlen);
		}
		wlen = unhex(v->mac_hex, want, sizeof(want));
		struct lisp_key *k = lisp_key_new(7, v->alg, key, klen);
		assert_non_null(k);
		assert_int_equal(lisp_key_id(k), 7);
		assert_int_equal(lisp_key_alg(k), v->alg);
		buf_init_read(&b, data, dlen);
		assert_int_equal(lisp_key_mac(k, &b, got, sizeof(got), NULL), 0);
		assert_memory_equal(got, want, wlen);
		/* the reader's position is honoured: skipping the first byte changes the MAC */
		if (dlen > 1) {
			buf_skip(&b, 1);
			assert_int_equal(lisp_key_mac(k, &b, got, sizeof(got), NULL), 0);
			assert_memory_not_equal(got, want, wlen);
		}
		struct proto_err e = {0};
		buf_init_read(&b, data, dlen);
		assert_int_equal(lisp_key_mac(k, &b, got, lisp_auth_len(v->alg) - 1, &e), -1);
		assert_int_equal(e.code, PERR_FULL);
		lisp_key_free(k);
	}
}

static void test_key_new(void **state)
{
	(void)state;
	assert_null(lisp_key_new(0, LISP_ALG_NONE, "k", 1));
	assert_null(lisp_key_new(0, 3, "k", 1));
	assert_null(lisp_key_new(0, 255, "k", 1));
	assert_null(lisp_key_new(0, LISP_ALG_HMAC_SHA256_128, "", 0));
	assert_null(lisp_key_new(0, LISP_ALG_HMAC_SHA256_128, NULL, 4));
	lisp_key_free(NULL);
	assert_int_equal(lisp_auth_len(LISP_ALG_NONE), 0);
	assert_int_equal(lisp_auth_len(LISP_ALG_HMAC_SHA1_96), 20);
	assert_int_equal(lisp_auth_len(LISP_ALG_HMAC_SHA256_128), 32);
	assert_int_equal(lisp_auth_len(3), 0);
	assert_int_equal(lisp_auth_len(255), 0);
	assert_true(lisp_alg_known(0));
	assert_false(lisp_alg_known(3));
	/* one vocabulary for every configuration and tool; the registry's names and
	 * lisp-register's short forms are read as the same algorithms */
	assert_string_equal(lisp_alg_name(1), "hmac-sha-1");
	assert_string_equal(lisp_alg_name(2), "hmac-sha-256");
	assert_string_equal(lisp_alg_name(200), "unknown");
	static const struct {
		const char *name;
		int alg;
	} names[] = {
	    {"hmac-sha-1", 1}, {"hmac-sha-256", 2}, {"hmac-sha-1-96", 1}, {"hmac-sha-256-128", 2},
	    {"sha1", 1},       {"sha256", 2},	    {"none", -1},	  {"md5", -1},
	    {"", -1}};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		uint8_t a = 0;
		int rc = lisp_alg_from_name(names[i].name, &a);
		assert_int_equal(rc, names[i].alg < 0 ? -1 : 0);
		if (rc == 0)
			assert_int_equal(a, names[i].alg);
	}
}

/* ---- the authentication field ---- */
struct field_vec {
	const char *name;
	const char *hex;
	int rc;
	int code;
	uint8_t key_id, alg;
	uint16_t len;
};

#define Z12 Z4 Z4 Z4

static const struct field_vec field_vecs[] = {
    {"sha1-full", "0501 0014" Z20, 0, 0, 5, 1, 20},
    {"sha256-full", "0002 0020" Z32, 0, 0, 0, 2, 32},
    {"none-empty", "0000 0000", 0, 0, 0, 0, 0},
    {"unknown-alg-any-length", "0907 0008" Z4 Z4, 0, 0, 9, 7, 8},
    {"sha1-truncated-96", "0001 000c" Z12, -1, PERR_BAD_AUTH, 0, 0, 0},
    {"sha256-truncated-128", "0002 0010" Z16, -1, PERR_BAD_AUTH, 0, 0, 0},
    {"sha256-with-sha1-length", "0002 0014" Z20, -1, PERR_BAD_AUTH, 0, 0, 0},
    {"none-with-data", "0000 0004" Z4, -1, PERR_BAD_AUTH, 0, 0, 0},
    {"over-auth-max", "0009 0041" Z32 Z32 "00", -1, PERR_BAD_AUTH, 0, 0, 0},
    {"longer-than-data", "0002 0020" Z16, -1, PERR_TRUNCATED, 0, 0, 0},
    {"unknown-longer-than-data", "0009 0030" Z16, -1, PERR_TRUNCATED, 0, 0, 0},
    {"header-truncated", "0002 00", -1, PERR_TRUNCATED, 0, 0, 0},
    {"empty", "", -1, PERR_TRUNCATED, 0, 0, 0},
};

static void test_auth_field(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(field_vecs) / sizeof(field_vecs[0]); i++) {
		const struct field_vec *v = &field_vecs[i];
		uint8_t bytes[128], out[128];
		size_t n = unhex(v->hex, bytes, sizeof(bytes));
		struct lisp_auth_field f;
		struct proto_err e = {0};
		struct buf b, w;
		size_t off;

		print_message("vector %s\n", v->name);
		buf_init_read(&b, bytes, n);
		int rc = lisp_auth_field_parse(&b, 0, &f, &e);
		assert_int_equal(rc, v->rc);
		if (rc == -1) {
			assert_int_equal(e.code, v->code);
			assert_non_null(e.reason);
			continue;
		}
		assert_int_equal(buf_left(&b), 0);
		assert_int_equal(f.key_id, v->key_id);
		assert_int_equal(f.alg_id, v->alg);
		assert_int_equal(f.len, v->len);
		assert_int_equal(f.data_off, 4);
		buf_init_write(&w, out, sizeof(out));
		assert_int_equal(lisp_auth_field_build(&w, &f, &off, NULL), 0);
		assert_int_equal(off, 4);
		assert_int_equal(buf_len(&w), n);
		assert_memory_equal(out, bytes, n);
		for (size_t k = 0; k < n; k++) {
			buf_init_write(&w, out, k);
			e.code = 0;
			assert_int_equal(lisp_auth_field_build(&w, &f, &off, &e), -1);
			assert_int_equal(e.code, PERR_FULL);
		}
	}
}

/* ---- sign and verify over a real Map-Register ---- */
static void make_register(struct lisp_map_register *m, uint8_t key_id, uint8_t alg, bool xtr)
{
	struct lisp_prefix p;
	memset(m, 0, sizeof(*m));
	m->want_notify = true;
	m->proxy_reply = true;
	m->xtr_id_present = xtr;
	m->nonce = 0x1122334455667788ULL;
	m->auth.key_id = key_id;
	m->auth.alg_id = alg;
	m->auth.len = (uint16_t)lisp_auth_len(alg);
	m->nrec = 1;
	assert_int_equal(prefix_parse("[42]198.51.100.5/32", &p, false), 0);
	lisp_record_set_eid(&m->rec[0], &p);
	m->rec[0].ttl = 1440;
	m->rec[0].nloc = 1;
	m->rec[0].loc[0].priority = 1;
	m->rec[0].loc[0].weight = 100;
	m->rec[0].loc[0].flags = LISP_LOC_F_REACHABLE;
	struct ipaddr rloc;
	assert_int_equal(ipaddr_parse("192.0.2.1", &rloc), 0);
	lisp_addr_from_ip(&m->rec[0].loc[0].addr, &rloc);
	for (int i = 0; i < 16; i++)
		m->xtr_id[i] = (uint8_t)(0xa0 + i);
	m->site_id = 99;
}

static size_t build_signed(uint8_t *out, size_t cap, const struct lisp_key *k, bool xtr)
{
	struct lisp_map_register m;
	struct buf w;
	size_t auth_off;

	make_register(&m, lisp_key_id(k), lisp_key_alg(k), xtr);
	buf_init_write(&w, out, cap);
	assert_int_equal(lisp_map_register_build(&w, &m, &auth_off, NULL), 0);
	assert_int_equal(auth_off, 16);
	assert_int_equal(lisp_auth_sign(&w, auth_off, k, NULL), 0);
	return buf_len(&w);
}

static int parse_verify(const uint8_t *msg, size_t n, const struct lisp_key *k, struct proto_err *e)
{
	static struct lisp_map_register m; /* large: keep it off the stack */
	struct buf r;
	buf_init_read(&r, msg, n);
	if (lisp_map_register_parse(&r, &m, e) == -1)
		return -2;
	return lisp_auth_verify(&r, &m.auth, k, e);
}

struct sv_case {
	const char *name;
	uint8_t key_id, alg;
	const char *secret;
	bool xtr;
};

static const struct sv_case sv_cases[] = {
    {"sha1-key0", 0, LISP_ALG_HMAC_SHA1_96, "password", false},
    {"sha256-key0", 0, LISP_ALG_HMAC_SHA256_128, "password", false},
    {"sha256-key9-xtrid", 9, LISP_ALG_HMAC_SHA256_128,
     "a much longer secret, longer than a block of SHA-256 input, 64+ bytes", true},
    {"sha1-key255-xtrid", 255, LISP_ALG_HMAC_SHA1_96, "x", true},
};

static void test_sign_verify(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(sv_cases) / sizeof(sv_cases[0]); i++) {
		const struct sv_case *c = &sv_cases[i];
		uint8_t msg[512];
		struct proto_err e = {0};

		print_message("case %s\n", c->name);
		struct lisp_key *k = lisp_key_new(c->key_id, c->alg, c->secret, strlen(c->secret));
		assert_non_null(k);
		size_t n = build_signed(msg, sizeof(msg), k, c->xtr);
		assert_int_equal(parse_verify(msg, n, k, &e), 0);

		/* the digest really is in the message: zero it and verification fails */
		uint8_t copy[512];
		memcpy(copy, msg, n);
		memset(copy + 16, 0, lisp_auth_len(c->alg));
		assert_int_equal(parse_verify(copy, n, k, &e), -1);
		assert_int_equal(e.code, PERR_BAD_AUTH);

		/* a tampered byte anywhere: parse fails or verify fails */
		for (size_t pos = 0; pos < n; pos++) {
			for (unsigned bit = 0; bit < 8; bit += 7) {
				memcpy(copy, msg, n);
				copy[pos] ^= (uint8_t)(1u << bit);
				int rc = parse_verify(copy, n, k, &e);
				if (rc == 0)
					fail_msg("%s: flip of bit %u at byte %zu verified", c->name,
						 bit, pos);
			}
		}

		/* wrong secret, wrong key ID, wrong algorithm */
		struct lisp_key *other = lisp_key_new(c->key_id, c->alg, "other", 5);
		assert_int_equal(parse_verify(msg, n, other, &e), -1);
		assert_int_equal(e.code, PERR_BAD_AUTH);
		lisp_key_free(other);
		other =
		    lisp_key_new((uint8_t)(c->key_id + 1), c->alg, c->secret, strlen(c->secret));
		assert_int_equal(parse_verify(msg, n, other, &e), -1);
		assert_int_equal(e.code, PERR_BAD_AUTH);
		assert_string_equal(e.reason, "unknown key ID");
		lisp_key_free(other);
		other = lisp_key_new(c->key_id, c->alg == 1 ? 2 : 1, c->secret, strlen(c->secret));
		assert_int_equal(parse_verify(msg, n, other, &e), -1);
		assert_int_equal(e.code, PERR_BAD_AUTH);
		lisp_key_free(other);

		/* a trailing byte is not silently ignored */
		msg[n] = 0;
		assert_int_equal(parse_verify(msg, n + 1, k, &e), -2);
		lisp_key_free(k);
	}
}

static void test_sign_misuse(void **state)
{
	(void)state;
	struct lisp_key *k2 = lisp_key_new(0, LISP_ALG_HMAC_SHA256_128, "k", 1);
	struct lisp_key *k1 = lisp_key_new(0, LISP_ALG_HMAC_SHA1_96, "k", 1);
	struct lisp_key *k2id = lisp_key_new(1, LISP_ALG_HMAC_SHA256_128, "k", 1);
	struct lisp_map_register m;
	uint8_t out[256];
	struct buf w;
	size_t auth_off;
	struct proto_err e = {0};

	make_register(&m, 0, LISP_ALG_HMAC_SHA256_128, false);
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(lisp_map_register_build(&w, &m, &auth_off, NULL), 0);
	/* header says SHA-256/key 0: other keys refuse to sign */
	assert_int_equal(lisp_auth_sign(&w, auth_off, k1, &e), -1);
	assert_int_equal(e.code, PERR_BAD_AUTH);
	assert_int_equal(lisp_auth_sign(&w, auth_off, k2id, &e), -1);
	assert_int_equal(e.code, PERR_BAD_AUTH);
	/* offsets that cannot be an auth field */
	assert_int_equal(lisp_auth_sign(&w, 0, k2, &e), -1);
	assert_int_equal(lisp_auth_sign(&w, 3, k2, &e), -1);
	assert_int_equal(lisp_auth_sign(&w, buf_len(&w) + 4, k2, &e), -1);
	assert_int_equal(lisp_auth_sign(&w, (size_t)-1, k2, &e), -1);
	assert_int_equal(e.code, PERR_BAD_AUTH);
	/* a message cut right after the header: the data would run past the end */
	struct buf cut = w;
	cut.len = auth_off + 8;
	assert_int_equal(lisp_auth_sign(&cut, auth_off, k2, &e), -1);
	assert_int_equal(e.code, PERR_BAD_AUTH);
	/* nothing was written by the failed attempts */
	for (size_t i = 0; i < 32; i++)
		assert_int_equal(out[auth_off + i], 0);
	assert_int_equal(lisp_auth_sign(&w, auth_off, k2, &e), 0);

	/* verify with a field whose offset/length lie outside the message */
	struct lisp_auth_field f = {0};
	struct buf r;
	buf_as_reader(&w, &r);
	f.key_id = 0;
	f.alg_id = LISP_ALG_HMAC_SHA256_128;
	f.len = 32;
	f.data_off = buf_len(&w) - 8;
	assert_int_equal(lisp_auth_verify(&r, &f, k2, &e), -1);
	assert_int_equal(e.code, PERR_BAD_AUTH);
	f.data_off = (size_t)-1;
	assert_int_equal(lisp_auth_verify(&r, &f, k2, &e), -1);
	/* a truncated digest length is refused even if the prefix matches */
	f.data_off = auth_off;
	f.len = 16;
	memcpy(f.data, out + auth_off, 32);
	assert_int_equal(lisp_auth_verify(&r, &f, k2, &e), -1);
	assert_int_equal(e.code, PERR_BAD_AUTH);
	f.len = 32;
	assert_int_equal(lisp_auth_verify(&r, &f, k2, &e), 0);
	/* algorithm 0 (none) never verifies against a key */
	f.alg_id = LISP_ALG_NONE;
	f.len = 0;
	assert_int_equal(lisp_auth_verify(&r, &f, k2, &e), -1);
	assert_int_equal(e.code, PERR_BAD_AUTH);

	lisp_key_free(k1);
	lisp_key_free(k2);
	lisp_key_free(k2id);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hmac_vectors), cmocka_unit_test(test_key_new),
	    cmocka_unit_test(test_auth_field),	 cmocka_unit_test(test_sign_verify),
	    cmocka_unit_test(test_sign_misuse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
