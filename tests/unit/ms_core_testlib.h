/* SPDX-License-Identifier: ISC */
/* tests/unit/ms_core_testlib.h - the fixture of test_ms.c, test_ms_request.c and
 * test_ms_notify.c, which drive the Map-Server core (ms/ms.h) directly: a Map-Server on the
 * sites of cfg_xml (keys of every site, a wrong one, the subscriber key), every packet it
 * sends captured by the send sink (or refused: sink_fails), its change hook logged, an
 * injected clock (now); and the builders of what the tests feed it (signed Map-Registers,
 * Map-Requests, ECMs, parsed Map-Notifies). Functions are static inline, so a test that
 * does not use a helper does not trip -Wunused-function. Include after config.h. */
#ifndef MS_CORE_TESTLIB_H
#define MS_CORE_TESTLIB_H

#include "ms_testlib.h"

/* ------------------------------------------------------------------ fixture */
#include "ms_sink.h"

static const char cfg_xml[] =
    "<lisp-msd>\n"
    " <map-notify interval-ms=\"1000\" retries=\"2\"/>\n"
    " <pubsub lifetime=\"60\"><subscriber-key id=\"7\" algorithm=\"hmac-sha-256\" "
    "secret=\"subkey\"/></pubsub>\n"
    " <site name=\"dc\" lifetime=\"refresh\" proxy-reply=\"true\">\n"
    "  <key id=\"1\" algorithm=\"hmac-sha-256\" secret=\"dc-secret\"/>\n"
    "  <key id=\"2\" algorithm=\"hmac-sha-1\" secret=\"dc-old\"/>\n"
    "  <eid-prefix prefix=\"198.51.100.0/24\" more-specifics=\"true\"/>\n"
    "  <eid-prefix prefix=\"2001:db8:100::/64\" more-specifics=\"true\"/>\n"
    " </site>\n"
    " <site name=\"exact\" proxy-reply=\"false\">\n"
    "  <key id=\"1\" algorithm=\"hmac-sha-256\" secret=\"ex-secret\"/>\n"
    "  <eid-prefix prefix=\"203.0.113.0/25\"/>\n"
    " </site>\n"
    " <site name=\"multi\" merge=\"true\" proxy-reply=\"true\">\n"
    "  <key id=\"1\" algorithm=\"hmac-sha-256\" secret=\"mu-secret\"/>\n"
    "  <eid-prefix prefix=\"192.0.2.128/25\" more-specifics=\"true\"/>\n"
    " </site>\n"
    " <site name=\"pers\" lifetime=\"persistent\" proxy-reply=\"true\">\n"
    "  <key id=\"1\" algorithm=\"hmac-sha-256\" secret=\"pe-secret\"/>\n"
    "  <eid-prefix prefix=\"100.64.0.0/16\" more-specifics=\"true\"/>\n"
    " </site>\n"
    " <bgp as=\"65000\" router-id=\"192.0.2.9\"/>\n"
    "</lisp-msd>\n";

struct fx {
	MS_FX_COMMON;
	struct lisp_key *dc_sha1, *ex, *sub, *wrong;
	/* hook log */
	unsigned changes;
	bool last_had_old, last_has_new;
	enum ms_change_why last_why;
};

static inline struct ms_cfg *load_cfg(struct fx *f, const char *xml)
{
	return ms_fx_load_cfg(&f->common, xml, true);
}

static inline void hook(const struct ms_change *c, void *arg)
{
	struct fx *f = arg;
	f->changes++;
	f->last_had_old = c->old_rec != NULL;
	f->last_has_new = c->new_rec != NULL;
	f->last_why = c->why;
}

static inline int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	ms_fx_open(&f->common, "test_ms", cfg_xml, true, sink);
	assert_int_equal(ms_on_change(f->ms, hook, f), 0);
	f->dc_sha1 = lisp_key_new(2, LISP_ALG_HMAC_SHA1_96, "dc-old", 6);
	f->ex = lisp_key_new(1, LISP_ALG_HMAC_SHA256_128, "ex-secret", 9);
	f->sub = lisp_key_new(7, LISP_ALG_HMAC_SHA256_128, "subkey", 6);
	f->wrong = lisp_key_new(1, LISP_ALG_HMAC_SHA256_128, "not-the-secret", 14);
	nsent = 0;
	sink_fails = false;
	*state = f;
	return 0;
}

static inline int teardown(void **state)
{
	struct fx *f = *state;

	ms_fx_close(&f->common);
	lisp_key_free(f->dc_sha1);
	lisp_key_free(f->ex);
	lisp_key_free(f->sub);
	lisp_key_free(f->wrong);
	free(f);
	return 0;
}

/* ------------------------------------------------------------------ builders */
/* One or two RLOCs (rloc2 only with rloc1). */
static inline void set_rec(struct lisp_record *r, const char *eid, uint32_t ttl, const char *rloc1,
			   const char *rloc2)
{
	const char *const locs[] = {rloc1, rloc2, NULL};
	ms_test_set_rec(r, eid, ttl, locs, false);
}

#define F_M 0x01
#define F_A 0x02 /* merge */
#define F_T 0x04
#define F_P 0x08
#define F_I 0x10

static struct lisp_map_register reg;
static uint8_t reg_xtr_id = 0xab; /* every byte of the xTR-ID sent with F_I */

/* Build and sign a Map-Register of reg.rec[0..n); key_id/alg from the key unless bad_alg. */
static inline size_t build_reg(uint8_t *out, size_t cap, const struct lisp_key *k, uint64_t nonce,
			       unsigned flags, unsigned n)
{
	reg.nonce = nonce;
	reg.want_notify = flags & F_M;
	reg.merge = flags & F_A;
	reg.use_ttl = flags & F_T;
	reg.proxy_reply = flags & F_P;
	reg.xtr_id_present = flags & F_I;
	memset(reg.xtr_id, reg_xtr_id, 16);
	reg.site_id = 99;
	reg.nrec = (uint8_t)n;
	return ms_test_sign_reg(&reg, k, out, cap);
}

static uint64_t now = 1000000;

static inline void feed(struct fx *f, const uint8_t *p, size_t n, const char *src, uint16_t sport)
{
	ms_test_feed(f->ms, p, n, src, sport, now);
}

/* Register one EID with one or two RLOCs. */
static inline void do_reg(struct fx *f, const struct lisp_key *k, const char *eid, uint32_t ttl,
			  const char *r1, const char *r2, uint64_t nonce, unsigned flags,
			  const char *src)
{
	uint8_t out[2048];
	set_rec(&reg.rec[0], eid, ttl, r1, r2);
	size_t n = build_reg(out, sizeof(out), k, nonce, flags, 1);
	feed(f, out, n, src, 40000);
}

static inline const struct ms_reg *find(struct fx *f, const char *eid)
{
	return ms_test_find(f->ms, eid, false);
}

static inline uint64_t drops(struct fx *f, enum ms_drop d)
{
	return ms_get_stats(f->ms)->drop[d];
}

static inline size_t build_req(uint8_t *out, size_t cap, const char *eid, const char *itr,
			       uint64_t nonce, bool subscribe, bool unsubscribe)
{
	static struct lisp_map_request m;
	struct ipaddr a = ip(itr);
	struct buf w;
	struct proto_err e;

	memset(&m, 0, sizeof(m));
	m.nonce = nonce;
	m.n_itr_rlocs = 1;
	lisp_addr_from_ip(&m.itr_rlocs[0], &a);
	m.nrec = 1;
	assert_int_equal(prefix_parse(eid, &m.rec[0].eid, false), 0);
	if (subscribe) {
		m.xtr_id_present = true;
		memset(m.xtr_id, 0x5a, 16);
		m.site_id = 5;
		m.rec[0].notify = true;
	}
	if (unsubscribe) {
		m.map_data = true;
		set_rec(&m.map_reply, eid, 0, itr, NULL);
	}
	buf_init_write(&w, out, cap);
	assert_int_equal(lisp_map_request_build(&w, &m, &e), 0);
	return buf_len(&w);
}

static inline size_t wrap_ecm(uint8_t *out, size_t cap, const uint8_t *req, size_t reqlen,
			      const char *isrc, const char *idst, uint16_t isport)
{
	struct lisp_ecm ecm;
	struct buf w, p;
	struct proto_err e;

	memset(&ecm, 0, sizeof(ecm));
	ecm.inner_src = ip(isrc);
	ecm.inner_dst = ip(idst);
	ecm.inner_sport = isport;
	buf_init_read(&p, req, reqlen);
	buf_init_write(&w, out, cap);
	assert_int_equal(lisp_ecm_build(&w, &ecm, &p, &e), 0);
	return buf_len(&w);
}

/* A Map-Request for eid from the ITR itr (nonce; a subscription if subscribe) as the
 * Map-Resolver 192.0.2.60 forwards it: an ECM from port 4342 whose inner packet goes from
 * itr:isport to the EID's address. The request is left in req; returns its length. */
static inline size_t feed_via_mr(struct fx *f, uint8_t *req, size_t cap, const char *eid,
				 const char *itr, uint64_t nonce, bool subscribe, uint16_t isport)
{
	uint8_t ecm[1024];
	char dst[IPADDR_STRLEN];
	size_t n = build_req(req, cap, eid, itr, nonce, subscribe, false);
	snprintf(dst, sizeof(dst), "%.*s", (int)strcspn(eid, "/"), eid);
	size_t e = wrap_ecm(ecm, sizeof(ecm), req, n, itr, dst, isport);
	feed(f, ecm, e, "192.0.2.60", 4342);
	return n;
}

static struct lisp_map_notify mn;

static inline void parse_notify(const struct pkt *p, const struct lisp_key *k)
{
	struct buf b;
	buf_init_read(&b, p->data, p->len);
	assert_int_equal(lisp_map_notify_parse(&b, &mn, NULL), 0);
	assert_false(mn.ack);
	assert_int_equal(lisp_auth_verify(&b, &mn.auth, k, NULL), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

#endif
