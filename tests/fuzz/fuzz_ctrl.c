/* SPDX-License-Identifier: ISC */
/*
 * tests/fuzz/fuzz_ctrl.c - libFuzzer target for the LISP control-message decoders
 * (RFC 9301 §5): Map-Request, Map-Reply, Map-Register, Map-Notify, Map-Notify-Ack and the
 * Encapsulated Control Message with the message inside it, chosen by the type nibble
 * through a table of parsers.
 *
 * A successful parse is made observable: the message is re-encoded with its builder, the
 * encoding must parse again and be consumed exactly, and its re-encoding must be
 * byte-identical to the first. Registers and notifies also go through lisp_auth_verify with
 * fixed keys (key ID 1 HMAC-SHA-1, key ID 2 HMAC-SHA-256, secret "fuzz-secret", the keys
 * mkcorpus signs the seeds with), and a re-encoding signed with the matching key must verify
 * while the same bytes with one bit flipped must not. Any violation abort()s.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/auth.h"
#include "proto/lisp_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "fuzz_ctrl: %s:%d: check failed: %s\n", __FILE__,          \
				__LINE__, #c);                                                     \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#define FUZZ_SECRET "fuzz-secret"
#define OUT_MAX	    65536 /* 32 records x 16 locators of two IPv6 RLOCs fit */
#define ECM_DEPTH   2	  /* an ECM inside an ECM is parsed, one more is not */

static void dispatch(struct buf *msg, int depth);

static struct lisp_key *key_sha1, *key_sha256;

static const struct lisp_key *fuzz_key(uint8_t alg_id)
{
	if (!key_sha1) {
		key_sha1 = lisp_key_new(1, LISP_ALG_HMAC_SHA1_96, FUZZ_SECRET, strlen(FUZZ_SECRET));
		key_sha256 =
		    lisp_key_new(2, LISP_ALG_HMAC_SHA256_128, FUZZ_SECRET, strlen(FUZZ_SECRET));
		CHECK(key_sha1 && key_sha256);
	}
	if (alg_id == LISP_ALG_HMAC_SHA1_96)
		return key_sha1;
	if (alg_id == LISP_ALG_HMAC_SHA256_128)
		return key_sha256;
	return NULL;
}

static void check_err(const struct proto_err *e)
{
	CHECK(e->reason != NULL && e->code > PERR_OK && e->code < PERR__COUNT);
}

static void check_same(const struct buf *w1, const struct buf *w2)
{
	CHECK(buf_len(w1) == buf_len(w2) && memcmp(w1->data, w2->data, buf_len(w1)) == 0);
}

/* An address the parser accepted but skipped (unknown LCAF type): it has nothing to
 * re-encode, and the builders refuse a locator or ITR-RLOC without an address. */
static int addr_skipped(const struct lisp_addr *a)
{
	return a->n == 0 && (a->flags & LISP_ADDR_F_UNKNOWN);
}

static int records_skipped(const struct lisp_record *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		for (unsigned j = 0; j < r[i].nloc; j++)
			if (addr_skipped(&r[i].loc[j].addr))
				return 1;
	return 0;
}

/* ---- Map-Request ---- */
static void do_map_request(struct buf *msg, int depth)
{
	static struct lisp_map_request m1, m2;
	static uint8_t d1[OUT_MAX], d2[OUT_MAX];
	struct buf w1, w2, r;
	struct proto_err e;

	if (lisp_map_request_parse(msg, &m1, &e) == -1) {
		check_err(&e);
		return;
	}
	CHECK(buf_left(msg) == 0);
	CHECK(m1.nrec >= 1 && m1.nrec <= LISP_MAX_REQ_RECORDS);
	CHECK(m1.n_itr_rlocs >= 1 && m1.n_itr_rlocs <= LISP_MAX_ITR_RLOCS);
	for (unsigned i = 0; i < m1.n_itr_rlocs; i++)
		if (addr_skipped(&m1.itr_rlocs[i]))
			return;
	if (m1.map_data && records_skipped(&m1.map_reply, 1))
		return;
	buf_init_write(&w1, d1, sizeof(d1));
	CHECK(lisp_map_request_build(&w1, &m1, &e) == 0);
	buf_as_reader(&w1, &r);
	CHECK(lisp_map_request_parse(&r, &m2, &e) == 0);
	CHECK(m2.nonce == m1.nonce && m2.nrec == m1.nrec && m2.n_itr_rlocs == m1.n_itr_rlocs &&
	      m2.probe == m1.probe && m2.smr == m1.smr && m2.xtr_id_present == m1.xtr_id_present);
	for (unsigned i = 0; i < m1.nrec; i++)
		CHECK(prefix_eq(&m1.rec[i].eid, &m2.rec[i].eid) &&
		      m1.rec[i].notify == m2.rec[i].notify);
	buf_init_write(&w2, d2, sizeof(d2));
	CHECK(lisp_map_request_build(&w2, &m2, &e) == 0);
	check_same(&w1, &w2);
}

/* ---- Map-Reply ---- */
static void do_map_reply(struct buf *msg, int depth)
{
	static struct lisp_map_reply m1, m2;
	static uint8_t d1[OUT_MAX], d2[OUT_MAX];
	struct buf w1, w2, r;
	struct proto_err e;

	if (lisp_map_reply_parse(msg, &m1, &e) == -1) {
		check_err(&e);
		return;
	}
	CHECK(buf_left(msg) == 0);
	CHECK(m1.nrec <= LISP_MAX_RECORDS);
	if (records_skipped(m1.rec, m1.nrec))
		return;
	buf_init_write(&w1, d1, sizeof(d1));
	CHECK(lisp_map_reply_build(&w1, &m1, &e) == 0);
	buf_as_reader(&w1, &r);
	CHECK(lisp_map_reply_parse(&r, &m2, &e) == 0);
	CHECK(m2.nonce == m1.nonce && m2.nrec == m1.nrec && m2.probe == m1.probe &&
	      m2.sec == m1.sec);
	for (unsigned i = 0; i < m1.nrec; i++)
		CHECK(prefix_eq(&m1.rec[i].eid, &m2.rec[i].eid) && m1.rec[i].ttl == m2.rec[i].ttl &&
		      m1.rec[i].nloc == m2.rec[i].nloc);
	buf_init_write(&w2, d2, sizeof(d2));
	CHECK(lisp_map_reply_build(&w2, &m2, &e) == 0);
	check_same(&w1, &w2);
}

/* ---- authentication of Map-Register / Map-Notify / Map-Notify-Ack ----
 * `orig` is a reader over the received message, `w1` the re-encoding (auth data zero,
 * written at auth_off), `reparse` parses a reader into `f` (the auth field). */
typedef int (*auth_reparse_fn)(struct buf *b, struct lisp_auth_field **f);

static void check_auth(const struct buf *orig, const struct lisp_auth_field *f0,
		       const struct buf *w1, size_t auth_off, auth_reparse_fn reparse)
{
	static uint8_t d[OUT_MAX];
	const struct lisp_key *k = fuzz_key(f0->alg_id);
	struct lisp_auth_field *f;
	struct buf w, r;
	struct proto_err e;

	if (!k)
		return;
	/* Whatever the received digest is, verifying it must not misbehave. */
	if (lisp_auth_verify(orig, f0, k, &e) == -1)
		check_err(&e);
	if (f0->key_id != lisp_key_id(k) || f0->len != lisp_auth_len(f0->alg_id))
		return;
	/* Sign the re-encoding: it verifies; with any one bit flipped it does not. */
	CHECK(buf_len(w1) <= sizeof(d));
	buf_init_write(&w, d, sizeof(d));
	CHECK(buf_add_bytes(&w, w1->data, buf_len(w1)) == 0);
	CHECK(lisp_auth_sign(&w, auth_off, k, &e) == 0);
	buf_as_reader(&w, &r);
	CHECK(reparse(&r, &f) == 0);
	CHECK(f->data_off == auth_off);
	CHECK(lisp_auth_verify(&r, f, k, &e) == 0);
	size_t flip = (buf_len(&w) * 7 + 3) % buf_len(&w);
	d[flip] ^= 0x01;
	buf_as_reader(&w, &r);
	if (reparse(&r, &f) == 0)
		CHECK(lisp_auth_verify(&r, f, k, &e) == -1);
}

static struct lisp_map_register reg_tmp;
static int reparse_register(struct buf *b, struct lisp_auth_field **f)
{
	*f = &reg_tmp.auth;
	return lisp_map_register_parse(b, &reg_tmp, NULL);
}

static struct lisp_map_notify notify_tmp;
static int reparse_notify(struct buf *b, struct lisp_auth_field **f)
{
	*f = &notify_tmp.auth;
	return lisp_map_notify_parse(b, &notify_tmp, NULL);
}

/* ---- Map-Register ---- */
static void do_map_register(struct buf *msg, int depth)
{
	static struct lisp_map_register m1, m2;
	static uint8_t d1[OUT_MAX], d2[OUT_MAX];
	struct buf w1, w2, r, orig;
	struct proto_err e;
	size_t off1, off2;

	buf_init_read(&orig, msg->data, msg->len);
	if (lisp_map_register_parse(msg, &m1, &e) == -1) {
		check_err(&e);
		return;
	}
	CHECK(buf_left(msg) == 0);
	CHECK(m1.nrec <= LISP_MAX_RECORDS && m1.auth.len <= LISP_AUTH_MAX);
	if (records_skipped(m1.rec, m1.nrec))
		return;
	buf_init_write(&w1, d1, sizeof(d1));
	CHECK(lisp_map_register_build(&w1, &m1, &off1, &e) == 0);
	CHECK(off1 == m1.auth.data_off);
	buf_as_reader(&w1, &r);
	CHECK(lisp_map_register_parse(&r, &m2, &e) == 0);
	CHECK(m2.nonce == m1.nonce && m2.nrec == m1.nrec && m2.auth.key_id == m1.auth.key_id &&
	      m2.auth.alg_id == m1.auth.alg_id && m2.auth.len == m1.auth.len &&
	      m2.want_notify == m1.want_notify && m2.xtr_id_present == m1.xtr_id_present &&
	      m2.site_id == m1.site_id);
	buf_init_write(&w2, d2, sizeof(d2));
	CHECK(lisp_map_register_build(&w2, &m2, &off2, &e) == 0);
	CHECK(off2 == off1);
	check_same(&w1, &w2);
	check_auth(&orig, &m1.auth, &w1, off1, reparse_register);
}

/* ---- Map-Notify / Map-Notify-Ack ---- */
static void do_map_notify(struct buf *msg, int depth)
{
	static struct lisp_map_notify m1, m2;
	static uint8_t d1[OUT_MAX], d2[OUT_MAX];
	struct buf w1, w2, r, orig;
	struct proto_err e;
	size_t off1, off2;

	buf_init_read(&orig, msg->data, msg->len);
	if (lisp_map_notify_parse(msg, &m1, &e) == -1) {
		check_err(&e);
		return;
	}
	CHECK(buf_left(msg) == 0);
	CHECK(m1.nrec <= LISP_MAX_RECORDS && m1.auth.len <= LISP_AUTH_MAX);
	if (records_skipped(m1.rec, m1.nrec))
		return;
	buf_init_write(&w1, d1, sizeof(d1));
	CHECK(lisp_map_notify_build(&w1, &m1, &off1, &e) == 0);
	CHECK(off1 == m1.auth.data_off);
	buf_as_reader(&w1, &r);
	CHECK(lisp_map_notify_parse(&r, &m2, &e) == 0);
	CHECK(m2.ack == m1.ack && m2.nonce == m1.nonce && m2.nrec == m1.nrec &&
	      m2.auth.key_id == m1.auth.key_id && m2.auth.alg_id == m1.auth.alg_id &&
	      m2.xtr_id_present == m1.xtr_id_present && m2.site_id == m1.site_id);
	buf_init_write(&w2, d2, sizeof(d2));
	CHECK(lisp_map_notify_build(&w2, &m2, &off2, &e) == 0);
	CHECK(off2 == off1);
	check_same(&w1, &w2);
	check_auth(&orig, &m1.auth, &w1, off1, reparse_notify);
}

/* ---- ECM: the header and inner IP/UDP, then the message inside ---- */
static void do_ecm(struct buf *msg, int depth)
{
	static uint8_t d1[ECM_DEPTH][OUT_MAX], d2[ECM_DEPTH][OUT_MAX];
	struct lisp_ecm m1, m2;
	struct buf w1, w2, r, inner;
	struct proto_err e;

	if (depth >= ECM_DEPTH)
		return;
	if (lisp_ecm_parse(msg, &m1, &e) == -1) {
		check_err(&e);
		return;
	}
	CHECK(buf_left(msg) == 0);
	CHECK(m1.inner_dport == LISP_CONTROL_PORT && !m1.sec);
	CHECK(m1.inner_src.afi == m1.inner_dst.afi);
	buf_init_write(&w1, d1[depth], sizeof(d1[depth]));
	CHECK(lisp_ecm_build(&w1, &m1, &m1.payload, &e) == 0);
	buf_as_reader(&w1, &r);
	CHECK(lisp_ecm_parse(&r, &m2, &e) == 0);
	CHECK(m2.to_ms == m1.to_ms && m2.to_etr == m1.to_etr && m2.ddt == m1.ddt &&
	      ipaddr_eq(&m2.inner_src, &m1.inner_src) && ipaddr_eq(&m2.inner_dst, &m1.inner_dst) &&
	      m2.inner_sport == m1.inner_sport);
	CHECK(buf_left(&m2.payload) == buf_left(&m1.payload) &&
	      memcmp(buf_cur(&m2.payload), buf_cur(&m1.payload), buf_left(&m1.payload)) == 0);
	buf_init_write(&w2, d2[depth], sizeof(d2[depth]));
	CHECK(lisp_ecm_build(&w2, &m2, &m2.payload, &e) == 0);
	check_same(&w1, &w2);

	inner = m1.payload;
	dispatch(&inner, depth + 1);
}

/* The control parsers by type (RFC 9301 §5.1 / IANA "LISP Packet Types"). */
static const struct {
	const char *name;
	void (*run)(struct buf *msg, int depth);
} ctrl_table[16] = {
    [LISP_T_MAP_REQUEST] = {"map-request", do_map_request},
    [LISP_T_MAP_REPLY] = {"map-reply", do_map_reply},
    [LISP_T_MAP_REGISTER] = {"map-register", do_map_register},
    [LISP_T_MAP_NOTIFY] = {"map-notify", do_map_notify},
    [LISP_T_MAP_NOTIFY_ACK] = {"map-notify-ack", do_map_notify},
    [LISP_T_ECM] = {"ecm", do_ecm},
};

static void dispatch(struct buf *msg, int depth)
{
	int type = lisp_msg_type(msg);
	if (type < 0 || (size_t)type >= sizeof(ctrl_table) / sizeof(ctrl_table[0]) ||
	    !ctrl_table[type].run) {
		/* Types without a parser: each parser must still refuse them cleanly. */
		static struct lisp_map_request m;
		struct buf c = *msg;
		struct proto_err e;
		CHECK(lisp_map_request_parse(&c, &m, &e) == -1);
		check_err(&e);
		return;
	}
	ctrl_table[type].run(msg, depth);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf b;
	buf_init_read(&b, data, size);
	dispatch(&b, 0);
	return 0;
}
