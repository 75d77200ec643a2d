/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_ms.c - the Map-Server core (ms/ms.h) driven directly: messages built with
 * the proto/ builders, fed to ms_input() with a source address and an injected clock, and
 * every packet the Map-Server sends captured by the send sink. One named case per rule of
 * RFC 9301 §5.6/§8.2/§8.3 and RFC 9437 the Map-Server implements (see ms/register.c,
 * ms/request.c, ms/notify.c for the decisions).
 */
#include "config.h"

#include "ms_testlib.h"

#include <time.h>

#include "common/cli.h"

/* ------------------------------------------------------------------ fixture */
#define MAXPKT 64
struct pkt {
	struct ipaddr dst;
	uint16_t dport;
	size_t len;
	uint8_t data[4096];
};
static struct pkt sent[MAXPKT];
static size_t nsent;

static bool sink_fails; /* the socket refuses everything (a send failure) */

static int sink(void *arg, const struct ipaddr *dst, uint16_t dport, const uint8_t *data,
		size_t len)
{
	(void)arg;
	if (sink_fails)
		return -1;
	assert_true(nsent < MAXPKT);
	assert_true(len <= sizeof(sent[0].data));
	sent[nsent].dst = *dst;
	sent[nsent].dport = dport;
	sent[nsent].len = len;
	memcpy(sent[nsent].data, data, len);
	nsent++;
	return 0;
}

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

static struct ms_cfg *load_cfg(struct fx *f, const char *xml)
{
	return ms_fx_load_cfg(&f->common, xml, true);
}

static void hook(const struct ms_change *c, void *arg)
{
	struct fx *f = arg;
	f->changes++;
	f->last_had_old = c->old_rec != NULL;
	f->last_has_new = c->new_rec != NULL;
	f->last_why = c->why;
}

static int setup(void **state)
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

static int teardown(void **state)
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
static void set_rec(struct lisp_record *r, const char *eid, uint32_t ttl, const char *rloc1,
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
static size_t build_reg(uint8_t *out, size_t cap, const struct lisp_key *k, uint64_t nonce,
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

static void feed(struct fx *f, const uint8_t *p, size_t n, const char *src, uint16_t sport)
{
	ms_test_feed(f->ms, p, n, src, sport, now);
}

/* Register one EID with one or two RLOCs. */
static void do_reg(struct fx *f, const struct lisp_key *k, const char *eid, uint32_t ttl,
		   const char *r1, const char *r2, uint64_t nonce, unsigned flags, const char *src)
{
	uint8_t out[2048];
	set_rec(&reg.rec[0], eid, ttl, r1, r2);
	size_t n = build_reg(out, sizeof(out), k, nonce, flags, 1);
	feed(f, out, n, src, 40000);
}

static const struct ms_reg *find(struct fx *f, const char *eid)
{
	return ms_test_find(f->ms, eid, false);
}

/* The record of a registration, decoded (ms_reg keeps its locators encoded). */
static const struct lisp_record *rec_of(const struct ms_reg *r)
{
	static struct lisp_record rec;
	assert_non_null(r);
	return ms_reg_record(r, &rec);
}

static uint64_t drops(struct fx *f, enum ms_drop d)
{
	return ms_get_stats(f->ms)->drop[d];
}

static size_t build_req(uint8_t *out, size_t cap, const char *eid, const char *itr, uint64_t nonce,
			bool subscribe, bool unsubscribe)
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

static size_t wrap_ecm(uint8_t *out, size_t cap, const uint8_t *req, size_t reqlen,
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

static struct lisp_map_reply rep;
static struct lisp_map_notify mn;

static void parse_reply(const struct pkt *p)
{
	struct buf b;
	buf_init_read(&b, p->data, p->len);
	assert_int_equal(lisp_map_reply_parse(&b, &rep, NULL), 0);
}

static void parse_notify(const struct pkt *p, const struct lisp_key *k)
{
	struct buf b;
	buf_init_read(&b, p->data, p->len);
	assert_int_equal(lisp_map_notify_parse(&b, &mn, NULL), 0);
	assert_false(mn.ack);
	assert_int_equal(lisp_auth_verify(&b, &mn.auth, k, NULL), 0);
}

static void send_ack(struct fx *f, const struct lisp_key *k, uint64_t nonce, const char *src)
{
	uint8_t out[2048];
	struct buf w;
	size_t off;

	memset(&mn, 0, sizeof(mn));
	mn.ack = true;
	mn.nonce = nonce;
	ms_test_auth_for(&mn.auth, k);
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(lisp_map_notify_build(&w, &mn, &off, NULL), 0);
	assert_int_equal(lisp_auth_sign(&w, off, k, NULL), 0);
	feed(f, out, buf_len(&w), src, 4342);
}

/* ------------------------------------------------------------------ cases: auth */
static void t_auth_ok_notify(void **state)
{
	struct fx *f = *state;
	char a[IPADDR_STRLEN];

	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.1", NULL, 10, F_M | F_I, "192.0.2.1");
	const struct ms_reg *r = find(f, "198.51.100.5/32");
	assert_non_null(r);
	assert_int_equal(rec_of(r)->nloc, 1);
	assert_string_equal(r->site, "dc");
	assert_int_equal(nsent, 1);
	assert_int_equal(sent[0].dport, 40000);
	assert_string_equal(ipaddr_str(&sent[0].dst, a, sizeof(a)), "192.0.2.1");
	parse_notify(&sent[0], f->dc);
	assert_int_equal(mn.nonce, 10);
	assert_int_equal(mn.nrec, 1);
	assert_true(mn.xtr_id_present);
	assert_true(prefix_eq(&mn.rec[0].eid, &r->eid));
	assert_int_equal(f->changes, 1);
	assert_false(f->last_had_old);
	/* the second key of the site (SHA-1, key id 2) works too, without M: no notify */
	nsent = 0;
	do_reg(f, f->dc_sha1, "198.51.100.6/32", 1440, "192.0.2.1", NULL, 1, 0, "192.0.2.1");
	assert_non_null(find(f, "198.51.100.6/32"));
	assert_int_equal(nsent, 0);
}

static void t_auth_wrong_key(void **state)
{
	struct fx *f = *state;
	do_reg(f, f->wrong, "198.51.100.5/32", 1440, "192.0.2.1", NULL, 10, F_M, "192.0.2.1");
	assert_int_equal(ms_count(f->ms), 0);
	assert_int_equal(drops(f, MS_DROP_BAD_AUTH), 1);
	assert_int_equal(nsent, 0);
	assert_int_equal(f->changes, 0);
}

static void t_auth_wrong_key_id(void **state)
{
	struct fx *f = *state;
	struct lisp_key *k9 = lisp_key_new(9, LISP_ALG_HMAC_SHA256_128, "dc-secret", 9);
	do_reg(f, k9, "198.51.100.5/32", 1440, "192.0.2.1", NULL, 10, F_M, "192.0.2.1");
	lisp_key_free(k9);
	assert_int_equal(ms_count(f->ms), 0);
	assert_int_equal(drops(f, MS_DROP_BAD_KEY_ID), 1);
}

static void t_auth_wrong_alg(void **state)
{
	struct fx *f = *state;
	/* key id 1 is SHA-256 in the config; sign with SHA-1 and the right secret */
	struct lisp_key *k = lisp_key_new(1, LISP_ALG_HMAC_SHA1_96, "dc-secret", 9);
	do_reg(f, k, "198.51.100.5/32", 1440, "192.0.2.1", NULL, 10, F_M, "192.0.2.1");
	lisp_key_free(k);
	assert_int_equal(ms_count(f->ms), 0);
	assert_int_equal(drops(f, MS_DROP_BAD_AUTH), 1);
}

/* ------------------------------------------------------------------ cases: prefixes */
static void t_eid_unknown_site(void **state)
{
	struct fx *f = *state;
	do_reg(f, f->dc, "10.9.9.9/32", 1440, "192.0.2.1", NULL, 10, F_M, "192.0.2.1");
	assert_int_equal(ms_count(f->ms), 0);
	assert_int_equal(drops(f, MS_DROP_UNKNOWN_SITE), 1);
}

static void t_eid_outside_site_whole_message(void **state)
{
	struct fx *f = *state;
	uint8_t out[4096];

	set_rec(&reg.rec[0], "198.51.100.5/32", 1440, "192.0.2.1", NULL);
	set_rec(&reg.rec[1], "203.0.113.5/32", 1440, "192.0.2.1", NULL); /* site "exact" */
	size_t n = build_reg(out, sizeof(out), f->dc, 10, F_M, 2);
	feed(f, out, n, "192.0.2.1", 40000);
	assert_int_equal(ms_count(f->ms), 0); /* the good record is not stored either */
	assert_int_equal(drops(f, MS_DROP_EID_NOT_ALLOWED), 1);
	assert_int_equal(nsent, 0);
	/* the nonce was not consumed: the corrected message with the same nonce passes */
	n = build_reg(out, sizeof(out), f->dc, 10, F_M, 1);
	feed(f, out, n, "192.0.2.1", 40000);
	assert_int_equal(ms_count(f->ms), 1);
}

static void t_more_specifics(void **state)
{
	struct fx *f = *state;
	do_reg(f, f->ex, "203.0.113.5/32", 1440, "192.0.2.1", NULL, 1, 0, "192.0.2.1");
	assert_int_equal(ms_count(f->ms), 0);
	assert_int_equal(drops(f, MS_DROP_EID_NOT_ALLOWED), 1);
	do_reg(f, f->ex, "203.0.113.0/25", 1440, "192.0.2.1", NULL, 2, 0, "192.0.2.1");
	assert_non_null(find(f, "203.0.113.0/25"));
	/* more-specifics allowed in dc, IPv6 too */
	do_reg(f, f->dc, "2001:db8:100::5/128", 1440, "2001:db8::1", NULL, 3, 0, "192.0.2.1");
	assert_non_null(find(f, "2001:db8:100::5/128"));
	/* shorter than the allowed prefix is not allowed */
	do_reg(f, f->dc, "198.51.0.0/16", 1440, "192.0.2.1", NULL, 4, 0, "192.0.2.1");
	assert_null(find(f, "198.51.0.0/16"));
}

/* ------------------------------------------------------------------ cases: replace/merge */
static void t_replace(void **state)
{
	struct fx *f = *state;
	char a[IPADDR_STRLEN];

	/* without an xTR-ID the registrants of one EID under one key share its nonce order
	 * (ms/replay.c): the second ETR's nonce is above the first's */
	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.1", NULL, 1, 0, "192.0.2.1");
	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.2", NULL, 2, 0, "192.0.2.2");
	const struct ms_reg *r = find(f, "198.51.100.5/32");
	assert_int_equal(rec_of(r)->nloc, 1);
	assert_string_equal(ipaddr_str(&rec_of(r)->loc[0].addr.addr[0], a, sizeof(a)), "192.0.2.2");
	assert_int_equal(ms_get_stats(f->ms)->moves, 1);
	assert_true(f->last_had_old && f->last_has_new);
	/* a-bit: merge even in a replace site */
	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.3", NULL, 3, F_A, "192.0.2.3");
	assert_int_equal(rec_of(find(f, "198.51.100.5/32"))->nloc, 2);
}

static void t_merge(void **state)
{
	struct fx *f = *state;
	char a[IPADDR_STRLEN];

	/* two ETRs, each with its xTR-ID (I=1) and its own nonces, as lisp-xtrd sends */
	reg_xtr_id = 1;
	do_reg(f, f->mu, "192.0.2.200/32", 1440, "192.0.2.1", NULL, 1, F_I, "192.0.2.1");
	reg_xtr_id = 2;
	do_reg(f, f->mu, "192.0.2.200/32", 1440, "192.0.2.2", NULL, 1, F_I, "192.0.2.2");
	assert_int_equal(rec_of(find(f, "192.0.2.200/32"))->nloc, 2);
	/* ETR 1 refreshes with a new RLOC: only its own locator is replaced */
	reg_xtr_id = 1;
	do_reg(f, f->mu, "192.0.2.200/32", 1440, "192.0.2.11", NULL, 2, F_I, "192.0.2.1");
	assert_int_equal(rec_of(find(f, "192.0.2.200/32"))->nloc, 2);
	/* ETR 1 deregisters: ETR 2's locator stays */
	do_reg(f, f->mu, "192.0.2.200/32", 0, NULL, NULL, 3, F_I, "192.0.2.1");
	const struct ms_reg *r = find(f, "192.0.2.200/32");
	assert_non_null(r);
	assert_int_equal(rec_of(r)->nloc, 1);
	assert_string_equal(ipaddr_str(&rec_of(r)->loc[0].addr.addr[0], a, sizeof(a)), "192.0.2.2");
	reg_xtr_id = 2;
	do_reg(f, f->mu, "192.0.2.200/32", 0, NULL, NULL, 2, F_I, "192.0.2.2");
	assert_null(find(f, "192.0.2.200/32"));
	reg_xtr_id = 0xab;
}

static void t_ttl0_deregister(void **state)
{
	struct fx *f = *state;
	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.1", NULL, 1, 0, "192.0.2.1");
	assert_int_equal(ms_count(f->ms), 1);
	do_reg(f, f->dc, "198.51.100.5/32", 0, NULL, NULL, 2, F_M, "192.0.2.1");
	assert_int_equal(ms_count(f->ms), 0);
	assert_int_equal(f->changes, 2);
	assert_true(f->last_had_old);
	assert_false(f->last_has_new);
	assert_int_equal(f->last_why, MS_CHG_DEREGISTER);
	assert_int_equal(nsent, 1); /* acknowledged */
}

/* ------------------------------------------------------------------ cases: expiry, replay */
static void t_expiry_refresh(void **state)
{
	struct fx *f = *state;
	uint64_t t0 = now;

	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.1", NULL, 1, 0, "192.0.2.1");
	ms_tick(f->ms, t0 + 179 * 1000);
	assert_int_equal(ms_count(f->ms), 1);
	ms_tick(f->ms, t0 + 181 * 1000);
	assert_int_equal(ms_count(f->ms), 0);
	assert_int_equal(ms_get_stats(f->ms)->expirations, 1);
	assert_int_equal(f->last_why, MS_CHG_EXPIRE);
	/* a refresh every 60 s keeps it */
	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.1", NULL, 2, 0, "192.0.2.1");
	now += 170 * 1000;
	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.1", NULL, 3, 0, "192.0.2.1");
	ms_tick(f->ms, now + 100 * 1000);
	assert_int_equal(ms_count(f->ms), 1);
	/* T bit: the record TTL (10 min) rules */
	do_reg(f, f->dc, "198.51.100.6/32", 10, "192.0.2.1", NULL, 4, F_T, "192.0.2.1");
	ms_tick(f->ms, now + 500 * 1000);
	assert_non_null(find(f, "198.51.100.6/32"));
	ms_tick(f->ms, now + 601 * 1000);
	assert_null(find(f, "198.51.100.6/32"));
	/* persistent sites never expire */
	do_reg(f, f->pe, "100.64.1.1/32", 1440, "192.0.2.1", NULL, 1, 0, "192.0.2.1");
	ms_tick(f->ms, now + 86400ULL * 1000 * 30);
	assert_non_null(find(f, "100.64.1.1/32"));
}

/* The expiry heap: many refresh registrations expire exactly at their deadlines, a refresh
 * moves the deadline, persistent registrations are never queued. */
static void t_expiry_many(void **state)
{
	struct fx *f = *state;
	uint64_t t0 = now;
	char eid[64];
	uint64_t nonce = 100;
	struct lisp_prefix p;

	/* EID 1 at t0, then EIDs 2k and 2k+1 at t0 + k s */
	for (unsigned i = 0; i < 600; i++) {
		snprintf(eid, sizeof(eid), "2001:db8:100::%x/128", i + 1);
		do_reg(f, f->dc, eid, 1440, "192.0.2.1", NULL, nonce++, 0, "192.0.2.1");
		if (i % 2 == 0)
			now += 1000;
	}
	for (unsigned i = 0; i < 50; i++) {
		snprintf(eid, sizeof(eid), "100.64.2.%u/32", i + 1);
		do_reg(f, f->pe, eid, 1440, "192.0.2.1", NULL, nonce++, 0, "192.0.2.1");
		assert_int_equal(ms_reg_expires(f->ms, find(f, eid)), 0);
	}
	assert_int_equal(ms_count(f->ms), 650);
	/* refresh EID 1 late: its deadline moves */
	now = t0 + 150 * 1000;
	do_reg(f, f->dc, "2001:db8:100::1/128", 1440, "192.0.2.1", NULL, nonce++, 0, "192.0.2.1");
	assert_int_equal(ms_reg_expires(f->ms, find(f, "2001:db8:100::1/128")), now + 180 * 1000);
	ms_tick(f->ms, t0 + 180 * 1000); /* EID 1 was due now: refreshed */
	assert_int_equal(ms_count(f->ms), 650);
	ms_tick(f->ms, t0 + 181 * 1000); /* EIDs 2 and 3 */
	assert_int_equal(ms_count(f->ms), 648);
	assert_non_null(find(f, "2001:db8:100::1/128"));
	assert_null(find(f, "2001:db8:100::2/128"));
	assert_non_null(find(f, "2001:db8:100::4/128"));
	ms_tick(f->ms, t0 + 281 * 1000); /* EIDs 2..203 */
	assert_int_equal(ms_count(f->ms), 650 - 202);
	assert_non_null(find(f, "2001:db8:100::1/128"));
	ms_tick(f->ms, t0 + 330 * 1000); /* EID 1, 180 s after its refresh */
	assert_null(find(f, "2001:db8:100::1/128"));
	/* all refresh registrations gone, the persistent ones stay */
	ms_tick(f->ms, t0 + 10000 * 1000);
	assert_int_equal(ms_count(f->ms), 50);
	assert_int_equal(ms_get_stats(f->ms)->expirations, 600);
	assert_int_equal(prefix_parse("100.64.2.1/32", &p, false), 0);
	assert_non_null(ms_lookup(f->ms, &p));
}

static void t_replay(void **state)
{
	struct fx *f = *state;

	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.1", NULL, 5, F_M, "192.0.2.1");
	assert_int_equal(nsent, 1);
	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.9", NULL, 5, F_M, "192.0.2.1");
	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.9", NULL, 4, F_M, "192.0.2.1");
	assert_int_equal(drops(f, MS_DROP_REPLAY), 2);
	assert_int_equal(nsent, 1);
	char a[IPADDR_STRLEN];
	assert_string_equal(
	    ipaddr_str(&rec_of(find(f, "198.51.100.5/32"))->loc[0].addr.addr[0], a, sizeof(a)),
	    "192.0.2.1");
	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.9", NULL, 6, F_M, "192.0.2.1");
	/* the ack + the Map-Notify to the old RLOC + the arrival notify to the new RLOC (.9
	 * did not send the registration) */
	assert_int_equal(nsent, 4);
	/* another source (I=0): its own counter */
	do_reg(f, f->dc, "198.51.100.7/32", 1440, "192.0.2.9", NULL, 1, 0, "192.0.2.2");
	assert_non_null(find(f, "198.51.100.7/32"));
	/* I=1: keyed by xTR-ID whatever the source */
	do_reg(f, f->dc, "198.51.100.8/32", 1440, "192.0.2.9", NULL, 100, F_I, "192.0.2.3");
	do_reg(f, f->dc, "198.51.100.9/32", 1440, "192.0.2.9", NULL, 100, F_I, "192.0.2.4");
	assert_null(find(f, "198.51.100.9/32"));
	assert_int_equal(drops(f, MS_DROP_REPLAY), 3);
}

/* ------------------------------------------------------------------ cases: malformed */
static void t_malformed_counted_state_unchanged(void **state)
{
	struct fx *f = *state;
	uint8_t out[2048], bad[2048];

	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.1", NULL, 1, 0, "192.0.2.1");
	unsigned changes = f->changes;
	set_rec(&reg.rec[0], "198.51.100.5/32", 1440, "192.0.2.77", NULL);
	size_t n = build_reg(out, sizeof(out), f->dc, 50, F_M, 1);
	/* every truncation */
	for (size_t cut = 0; cut < n; cut++)
		feed(f, out, cut, "192.0.2.1", 40000);
	const struct ms_stats *st = ms_get_stats(f->ms);
	assert_int_equal(st->drop[MS_DROP_MALFORMED], n);
	assert_true(st->malformed[PERR_TRUNCATED] > 0);
	/* record count far beyond the data */
	memcpy(bad, out, n);
	bad[3] = 200;
	feed(f, bad, n, "192.0.2.1", 40000);
	/* trailing garbage */
	memcpy(bad, out, n);
	bad[n] = 0x42;
	feed(f, bad, n + 1, "192.0.2.1", 40000);
	assert_int_equal(st->drop[MS_DROP_MALFORMED], n + 2);
	assert_true(st->malformed[PERR_TRAILING] + st->malformed[PERR_BAD_AUTH] +
			st->malformed[PERR_BAD_COUNT] + st->malformed[PERR_LIMIT] >=
		    1);
	/* oversized: more locators than accepted (17) */
	struct lisp_record *r = &reg.rec[0];
	for (unsigned i = 0; i < LISP_MAX_LOCATORS; i++)
		r->loc[i] = r->loc[0];
	r->nloc = LISP_MAX_LOCATORS;
	n = build_reg(out, sizeof(out), f->dc, 51, F_M, 1);
	uint64_t before = st->drop[MS_DROP_MALFORMED];
	assert_int_equal(out[52], LISP_MAX_LOCATORS); /* 4 + nonce 8 + auth 4 + 32, TTL 4 */
	out[52] = LISP_MAX_LOCATORS + 1;
	feed(f, out, n, "192.0.2.1", 40000);
	assert_int_equal(st->drop[MS_DROP_MALFORMED], before + 1);
	/* unexpected types */
	uint8_t junk[8] = {0x90, 0, 0, 0, 0, 0, 0, 0};
	feed(f, junk, sizeof(junk), "192.0.2.1", 40000);
	assert_int_equal(st->drop[MS_DROP_UNEXPECTED_TYPE], 1);
	feed(f, junk, 0, "192.0.2.1", 40000);
	/* nothing changed, nothing sent */
	assert_int_equal(f->changes, changes);
	assert_int_equal(nsent, 0);
	char a[IPADDR_STRLEN];
	assert_string_equal(
	    ipaddr_str(&rec_of(find(f, "198.51.100.5/32"))->loc[0].addr.addr[0], a, sizeof(a)),
	    "192.0.2.1");
	/* and the nonce of the dropped messages was not consumed */
	set_rec(&reg.rec[0], "198.51.100.5/32", 1440, "192.0.2.77", NULL);
	n = build_reg(out, sizeof(out), f->dc, 2, F_M, 1);
	feed(f, out, n, "192.0.2.1", 40000);
	/* the ack + the Map-Notify to the old RLOC + the arrival notify to 192.0.2.77 */
	assert_int_equal(nsent, 3);
}

/* ------------------------------------------------------------------ cases: Map-Request */
static void t_request_proxy_reply(void **state)
{
	struct fx *f = *state;
	uint8_t req[512], ecm[1024];
	char a[IPADDR_STRLEN];

	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.1", NULL, 1, 0, "192.0.2.1");
	nsent = 0;
	size_t n =
	    build_req(req, sizeof(req), "198.51.100.5/32", "192.0.2.50", 0x1234, false, false);
	size_t e = wrap_ecm(ecm, sizeof(ecm), req, n, "192.0.2.50", "198.51.100.5", 33333);
	feed(f, ecm, e, "192.0.2.60", 4342); /* from a Map-Resolver */
	assert_int_equal(nsent, 1);
	assert_string_equal(ipaddr_str(&sent[0].dst, a, sizeof(a)), "192.0.2.50");
	assert_int_equal(sent[0].dport, 33333);
	parse_reply(&sent[0]);
	assert_int_equal(rep.nonce, 0x1234);
	assert_int_equal(rep.nrec, 1);
	assert_false(rep.rec[0].authoritative);
	assert_int_equal(rep.rec[0].nloc, 1);
	assert_int_equal(rep.rec[0].ttl, 1440);
	/* plain request: reply to the ITR-RLOC at the outer source port */
	feed(f, req, n, "192.0.2.50", 5555);
	assert_int_equal(nsent, 2);
	assert_int_equal(sent[1].dport, 5555);
	assert_int_equal(ms_get_stats(f->ms)->proxy_replies, 2);
}

static void t_request_forward_to_etr(void **state)
{
	struct fx *f = *state;
	uint8_t req[512], ecm[1024];
	char a[IPADDR_STRLEN];
	struct lisp_ecm pe;
	struct buf b;

	do_reg(f, f->ex, "203.0.113.0/25", 1440, "192.0.2.1", NULL, 1, 0, "192.0.2.33");
	nsent = 0; /* the arrival notify to 192.0.2.1 (registered by .33) */
	size_t n = build_req(req, sizeof(req), "203.0.113.9/32", "192.0.2.50", 77, false, false);
	size_t e = wrap_ecm(ecm, sizeof(ecm), req, n, "192.0.2.50", "203.0.113.9", 33333);
	feed(f, ecm, e, "192.0.2.60", 4342);
	assert_int_equal(nsent, 1);
	assert_string_equal(ipaddr_str(&sent[0].dst, a, sizeof(a)), "192.0.2.33");
	assert_int_equal(sent[0].dport, 4342);
	buf_init_read(&b, sent[0].data, sent[0].len);
	assert_int_equal(lisp_ecm_parse(&b, &pe, NULL), 0);
	assert_true(pe.to_etr);
	assert_int_equal(pe.inner_sport, 33333);
	assert_int_equal(buf_left(&pe.payload), n);
	assert_memory_equal(buf_cur(&pe.payload), req, n);
	assert_int_equal(ms_get_stats(f->ms)->forwarded, 1);
	/* a plain request is wrapped too */
	feed(f, req, n, "192.0.2.50", 6000);
	assert_int_equal(nsent, 2);
	buf_init_read(&b, sent[1].data, sent[1].len);
	assert_int_equal(lisp_ecm_parse(&b, &pe, NULL), 0);
	assert_true(pe.to_etr);
	assert_int_equal(pe.inner_sport, 6000);
}

static void t_request_negative(void **state)
{
	struct fx *f = *state;
	uint8_t req[512];
	char p[PREFIX_STRLEN];
	struct lisp_prefix site;

	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.1", NULL, 1, 0, "192.0.2.1");
	nsent = 0;
	/* configured but not registered */
	size_t n = build_req(req, sizeof(req), "198.51.100.200/32", "192.0.2.50", 1, false, false);
	feed(f, req, n, "192.0.2.50", 5555);
	assert_int_equal(nsent, 1);
	parse_reply(&sent[0]);
	assert_int_equal(rep.rec[0].nloc, 0);
	assert_int_equal(rep.rec[0].ttl, LISP_TTL_NEG_NOREG);
	assert_int_equal(rep.rec[0].action, LISP_ACT_SEND_MAP_REQ);
	assert_int_equal(prefix_parse("198.51.100.0/24", &site, false), 0);
	assert_true(prefix_contains(&site, &rep.rec[0].eid));
	assert_false(prefix_contains(&rep.rec[0].eid, &find(f, "198.51.100.5/32")->eid));
	/* outside every site */
	n = build_req(req, sizeof(req), "10.1.2.3/32", "192.0.2.50", 2, false, false);
	feed(f, req, n, "192.0.2.50", 5555);
	assert_int_equal(nsent, 2);
	parse_reply(&sent[1]);
	assert_int_equal(rep.rec[0].ttl, LISP_TTL_NEG_NONLISP);
	assert_int_equal(rep.rec[0].action, LISP_ACT_NATIVE_FWD);
	assert_false(prefix_overlaps(&rep.rec[0].eid, &site));
	prefix_str(&rep.rec[0].eid, p, sizeof(p));
	assert_string_equal(p, "0.0.0.0/2"); /* 100.64.0.0/16 is 01... */
	assert_int_equal(ms_get_stats(f->ms)->negative_replies, 2);
}

/* ------------------------------------------------------------------ cases: no reflection */
/* The answer to a Map-Request goes to the ITR-RLOC written in it, which nothing
 * authenticates: a burst naming one victim, from many (forged) sources, gets the victim at
 * most the bucket's worth of datagrams, whatever the kind of answer (proxy or negative
 * Map-Reply, the request forwarded to the ETR, a subscription, plain or in an ECM), while
 * another destination is still answered; every refusal is counted by kind and shows in
 * show statistics. */
static const char rl_cfg_xml[] =
    "<lisp-msd>\n"
    " <rate-limit per-destination=\"10\" per-destination-burst=\"20\" max-destinations=\"64\"/>\n"
    " <pubsub><subscriber-key id=\"7\" algorithm=\"hmac-sha-256\" secret=\"subkey\"/></pubsub>\n"
    " <site name=\"dc\" proxy-reply=\"true\">\n"
    "  <key id=\"1\" algorithm=\"hmac-sha-256\" secret=\"dc-secret\"/>\n"
    "  <eid-prefix prefix=\"198.51.100.0/24\" more-specifics=\"true\"/>\n"
    " </site>\n"
    " <site name=\"exact\" proxy-reply=\"false\">\n"
    "  <key id=\"1\" algorithm=\"hmac-sha-256\" secret=\"ex-secret\"/>\n"
    "  <eid-prefix prefix=\"203.0.113.0/25\"/>\n"
    " </site>\n"
    "</lisp-msd>\n";

static struct ipaddr victim, other_itr, etr_addr;
static unsigned to_victim, to_other, to_etr, to_elsewhere;

static int count_sink(void *arg, const struct ipaddr *dst, uint16_t dport, const uint8_t *data,
		      size_t len)
{
	(void)arg, (void)dport, (void)data, (void)len;
	if (ipaddr_eq(dst, &victim))
		to_victim++;
	else if (ipaddr_eq(dst, &other_itr))
		to_other++;
	else if (ipaddr_eq(dst, &etr_addr))
		to_etr++;
	else
		to_elsewhere++;
	return 0;
}

/* n plain Map-Requests for eid naming itr, each from its own source 10.9.x.y, at t. */
static void burst(struct ms *ms, const char *eid, const char *itr, unsigned n, uint64_t t)
{
	uint8_t req[512];
	size_t len = build_req(req, sizeof(req), eid, itr, 0x77, false, false);

	for (unsigned i = 0; i < n; i++) {
		struct ipaddr src;
		char a[32];
		snprintf(a, sizeof(a), "10.9.%u.%u", i / 250, i % 250 + 1);
		src = ip(a);
		ms_input(ms, req, len, &src, 40000, t);
		ms_end_turn(ms);
	}
}

static void t_request_reflection_limited(void **state)
{
	struct fx *f = *state;
	uint8_t out[2048], req[512], ecm[1024];
	struct ms_cfg *c = load_cfg(f, rl_cfg_xml);
	struct ipaddr etr;
	struct strbuf sb;
	size_t ncmd;

	assert_non_null(c);
	victim = ip("192.0.2.66");
	other_itr = ip("192.0.2.67");
	etr_addr = etr = ip("192.0.2.33");
	struct ms *ms = ms_new(c, NULL, count_sink, NULL);
	assert_non_null(ms);
	/* a proxy registration in "dc", one answered by its ETR in "exact" */
	set_rec(&reg.rec[0], "198.51.100.5/32", 1440, "192.0.2.1", NULL);
	size_t n = build_reg(out, sizeof(out), f->dc, 1, 0, 1);
	ms_input(ms, out, n, &etr, 40000, now);
	set_rec(&reg.rec[0], "203.0.113.0/25", 1440, "192.0.2.33", NULL);
	n = build_reg(out, sizeof(out), f->ex, 1, 0, 1);
	ms_input(ms, out, n, &etr, 40000, now);
	ms_end_turn(ms);
	assert_int_equal(ms_count(ms), 2);
	to_victim = to_other = to_etr = to_elsewhere = 0;

	/* 100 requests from 100 sources naming the victim: the burst (20) is answered */
	burst(ms, "198.51.100.5/32", "192.0.2.66", 100, now);
	assert_int_equal(to_victim, 20);
	assert_int_equal(ms_get_stats(ms)->proxy_replies, 20);
	/* another ITR-RLOC is answered at once */
	burst(ms, "198.51.100.5/32", "192.0.2.67", 1, now);
	assert_int_equal(to_other, 1);
	/* every kind of answer draws on the victim's bucket: negative replies (inside a site
	 * and outside every site), the request forwarded to the ETR (which would answer the
	 * victim), a subscription, and a request in an ECM */
	burst(ms, "198.51.100.200/32", "192.0.2.66", 3, now);
	burst(ms, "10.1.2.3/32", "192.0.2.66", 2, now);
	burst(ms, "203.0.113.9/32", "192.0.2.66", 4, now);
	n = build_req(req, sizeof(req), "198.51.100.0/24", "192.0.2.66", 9, true, false);
	size_t e = wrap_ecm(ecm, sizeof(ecm), req, n, "192.0.2.66", "198.51.100.0", 30000);
	struct ipaddr mrsrc = ip("192.0.2.60");
	ms_input(ms, ecm, e, &mrsrc, 4342, now);
	ms_end_turn(ms);
	assert_int_equal(to_victim, 20);
	assert_int_equal(to_etr, 0);
	assert_null(ms_subscribers(ms));
	const struct ms_stats *st = ms_get_stats(ms);
	assert_int_equal(st->answers_refused[MS_ANSWER_PROXY], 80);
	/* (the ECM's record, the /24, is covered by no registration: a negative reply) */
	assert_int_equal(st->answers_refused[MS_ANSWER_NEGATIVE], 3 + 2 + 1);
	assert_int_equal(st->answers_refused[MS_ANSWER_FORWARD], 4);
	assert_int_equal(st->answers_refused[MS_ANSWER_SUBSCRIBE], 1);
	assert_int_equal(st->drop[MS_DROP_REPLY_RATE], 91);
	assert_int_equal(st->negative_replies, 0);
	assert_int_equal(st->forwarded, 0);
	/* one second later: the rate (10) more, and the other destination still answered */
	burst(ms, "198.51.100.5/32", "192.0.2.66", 100, now + 1000);
	assert_int_equal(to_victim, 30);
	burst(ms, "203.0.113.9/32", "192.0.2.67", 1, now + 1000);
	assert_int_equal(to_etr, 1); /* forwarded: the ETR answers 192.0.2.67 */
	assert_int_equal(to_elsewhere, 0);
	assert_int_equal(st->drop[MS_DROP_REPLY_RATE], 181);
	/* an IPv4-mapped IPv6 ITR-RLOC is the same victim, not a fresh bucket */
	burst(ms, "198.51.100.5/32", "::ffff:192.0.2.66", 5, now + 1000);
	assert_int_equal(st->drop[MS_DROP_REPLY_RATE], 186);
	size_t tracked;
	uint64_t evicted;
	ms_reply_limit_stats(ms, &tracked, &evicted);
	assert_int_equal(tracked, 2);
	assert_int_equal(evicted, 0);

	/* visible in show statistics */
	const struct cli_cmd *cmds = ms_cli_table(&ncmd);
	struct cli *cli = cli_new(NULL, cmds, ncmd, "lisp-msd", ms);
	assert_non_null(cli);
	strbuf_init(&sb);
	assert_int_equal(cli_exec(cli, NULL, "show statistics json", &sb), CLI_OK);
	assert_non_null(strstr(strbuf_str(&sb), "\"reply-rate-limit\": 186"));
	assert_non_null(strstr(strbuf_str(&sb), "\"proxyReply\": 175"));
	assert_non_null(strstr(strbuf_str(&sb), "\"negativeReply\": 6"));
	assert_non_null(strstr(strbuf_str(&sb), "\"forwardToEtr\": 4"));
	assert_non_null(strstr(strbuf_str(&sb), "\"subscription\": 1"));
	assert_non_null(strstr(strbuf_str(&sb), "\"destinationsTracked\": 2"));
	strbuf_reset(&sb);
	assert_int_equal(cli_exec(cli, NULL, "show statistics", &sb), CLI_OK);
	assert_non_null(strstr(strbuf_str(&sb), "reply-rate-limit"));
	strbuf_free(&sb);
	/* refused answers are not dropped requests: every request above was received and taken */
	assert_int_equal(st->type[LISP_T_MAP_REQUEST].dropped, 0);
	/* an unsubscription goes through with the ITR-RLOC's budget spent (it stops
	 * Map-Notifies to it): subscribe 192.0.2.67, spend its budget, unsubscribe */
	n = build_req(req, sizeof(req), "198.51.100.0/24", "192.0.2.67", 11, true, false);
	ms_input(ms, req, n, &other_itr, 30000, now + 2000);
	assert_non_null(ms_subscribers(ms));
	burst(ms, "198.51.100.5/32", "192.0.2.67", 40, now + 2000);
	n = build_req(req, sizeof(req), "198.51.100.0/24", "192.0.2.67", 12, true, true);
	ms_input(ms, req, n, &other_itr, 30000, now + 2000);
	assert_null(ms_subscribers(ms));
	cli_free(cli);
	ms_free(ms);
	ms_cfg_free(c);
}

/* The defaults defend too: with no <rate-limit> in the file, 1000 requests from 1000
 * sources naming one victim get it the default burst (MS_RL_DST_BURST) of answers. */
static void t_request_reflection_default(void **state)
{
	struct fx *f = *state;

	victim = ip("192.0.2.66");
	other_itr = ip("192.0.2.67");
	struct ms *ms = ms_new(f->cfg, NULL, count_sink, NULL);
	assert_non_null(ms);
	to_victim = to_other = 0;
	burst(ms, "10.1.2.3/32", "192.0.2.66", 1000, now);
	assert_int_equal(to_victim, MS_RL_DST_BURST);
	burst(ms, "10.1.2.3/32", "192.0.2.67", 1, now);
	assert_int_equal(to_other, 1);
	ms_free(ms);
}

/* per-destination="0": no limit; a reload with new limits starts from full buckets */
static void t_request_reflection_limit_off_and_reload(void **state)
{
	struct fx *f = *state;
	struct ms_cfg *c = load_cfg(f, "<lisp-msd><rate-limit per-destination=\"0\"/></lisp-msd>");

	assert_non_null(c);
	victim = ip("192.0.2.66");
	struct ms *ms = ms_new(c, NULL, count_sink, NULL);
	to_victim = 0;
	burst(ms, "10.1.2.3/32", "192.0.2.66", 500, now);
	assert_int_equal(to_victim, 500);
	assert_int_equal(ms_get_stats(ms)->drop[MS_DROP_REPLY_RATE], 0);
	struct ms_cfg *c2 = load_cfg(
	    f,
	    "<lisp-msd><rate-limit per-destination=\"1\" per-destination-burst=\"3\"/></lisp-msd>");
	assert_non_null(c2);
	ms_set_config(ms, c2, now);
	burst(ms, "10.1.2.3/32", "192.0.2.66", 10, now);
	assert_int_equal(to_victim, 503);
	assert_int_equal(ms_get_stats(ms)->drop[MS_DROP_REPLY_RATE], 7);
	ms_free(ms);
	ms_cfg_free(c);
	ms_cfg_free(c2);
}

/* ------------------------------------------------------------------ cases: notify */
static void t_move_notifies_old_rloc(void **state)
{
	struct fx *f = *state;
	char a[IPADDR_STRLEN];

	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.1", NULL, 1, F_M, "192.0.2.250");
	/* the first registration already told .1 it holds the EID: it acks */
	for (size_t j = 0; j < nsent; j++)
		if (sent[j].dport == LISP_CONTROL_PORT) {
			parse_notify(&sent[j], f->dc);
			send_ack(f, f->dc, mn.nonce, "192.0.2.1");
		}
	assert_int_equal(ms_pending_notifies(f->ms), 0);
	nsent = 0;
	now += 10;
	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.2", NULL, 2, F_M, "192.0.2.250");
	/* the controller (.250) moved the EID: the new RLOC is told it arrived, the old one
	 * that it left, and the controller gets its ack */
	assert_int_equal(nsent, 3);
	assert_int_equal(ms_get_stats(f->ms)->arrival_notifies, 2); /* .1 at first, .2 now */
	size_t i = 3, arr = 3;
	for (size_t j = 0; j < nsent; j++) {
		if (sent[j].dport != LISP_CONTROL_PORT)
			continue;
		ipaddr_str(&sent[j].dst, a, sizeof(a));
		if (strcmp(a, "192.0.2.1") == 0)
			i = j;
		else if (strcmp(a, "192.0.2.2") == 0)
			arr = j;
	}
	assert_true(i < 3 && arr < 3);
	parse_notify(&sent[arr], f->dc); /* the arrival notify carries the new mapping */
	assert_int_equal(mn.rec[0].nloc, 1);
	assert_string_equal(ipaddr_str(&mn.rec[0].loc[0].addr.addr[0], a, sizeof(a)), "192.0.2.2");
	send_ack(f, f->dc, mn.nonce, "192.0.2.2");
	assert_string_equal(ipaddr_str(&sent[i].dst, a, sizeof(a)), "192.0.2.1");
	assert_int_equal(sent[i].dport, LISP_CONTROL_PORT);
	parse_notify(&sent[i], f->dc);
	assert_int_equal(mn.rec[0].nloc, 1);
	assert_string_equal(ipaddr_str(&mn.rec[0].loc[0].addr.addr[0], a, sizeof(a)), "192.0.2.2");
	uint64_t nonce = mn.nonce;
	assert_int_equal(ms_pending_notifies(f->ms), 1);
	/* retransmitted until acked */
	nsent = 0;
	ms_tick(f->ms, now + 1100);
	assert_int_equal(nsent, 1);
	assert_int_equal(ms_get_stats(f->ms)->notify_retransmits, 1);
	send_ack(f, f->wrong, nonce, "192.0.2.1"); /* bad auth: still pending */
	assert_int_equal(ms_pending_notifies(f->ms), 1);
	send_ack(f, f->dc, nonce + 1000, "192.0.2.1"); /* unknown nonce */
	assert_int_equal(drops(f, MS_DROP_UNKNOWN_NONCE), 1);
	send_ack(f, f->dc, nonce, "192.0.2.1");
	assert_int_equal(ms_pending_notifies(f->ms), 0);
	assert_int_equal(ms_get_stats(f->ms)->notify_acks, 3); /* two arrivals + the move */
	nsent = 0;
	ms_tick(f->ms, now + 5000);
	assert_int_equal(nsent, 0);
}

/* <map-notify old-site="false"> (RFC 6830-era Map-Server): the move is acknowledged to the
 * controller and announced to the new RLOC, the old RLOC hears nothing, now or later. */
static void t_move_old_site_off(void **state)
{
	struct fx *f = *state;
	char a[IPADDR_STRLEN];

	f->cfg->notify_old_site = false;
	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.1", NULL, 1, F_M, "192.0.2.250");
	for (size_t j = 0; j < nsent; j++)
		if (sent[j].dport == LISP_CONTROL_PORT) {
			parse_notify(&sent[j], f->dc);
			send_ack(f, f->dc, mn.nonce, "192.0.2.1");
		}
	nsent = 0;
	now += 10;
	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.2", NULL, 2, F_M, "192.0.2.250");
	assert_int_equal(nsent, 2); /* the arrival notify to .2, the ack to the controller */
	for (size_t j = 0; j < nsent; j++)
		assert_string_not_equal(ipaddr_str(&sent[j].dst, a, sizeof(a)), "192.0.2.1");
	assert_int_equal(ms_get_stats(f->ms)->moves, 1);
	for (size_t j = 0; j < nsent; j++)
		if (sent[j].dport == LISP_CONTROL_PORT) {
			parse_notify(&sent[j], f->dc);
			send_ack(f, f->dc, mn.nonce, "192.0.2.2");
		}
	nsent = 0;
	ms_tick(f->ms, now + 5000);
	assert_int_equal(nsent, 0);
	assert_int_equal(ms_pending_notifies(f->ms), 0);
	f->cfg->notify_old_site = true;
}

/* The socket refuses what the Map-Server sends (unreachable, wrong family): each message is
 * a send failure, never counted as sent (by type, proxy replies, negative replies,
 * forwards, Map-Notify retransmissions), and the registration itself stands. */
static void t_send_failed_not_sent(void **state)
{
	struct fx *f = *state;
	const struct ms_stats *st = ms_get_stats(f->ms);
	uint8_t req[512], ecm[1024];

	/* a registration whose acknowledgement (sent after the store commit) is refused */
	sink_fails = true;
	uint64_t failed = st->drop[MS_DROP_SEND_FAILED];
	uint64_t ntx = st->type[LISP_T_MAP_NOTIFY].tx;
	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.1", NULL, 1, F_M, "192.0.2.1");
	assert_non_null(find(f, "198.51.100.5/32"));
	assert_int_equal(st->type[LISP_T_MAP_NOTIFY].tx, ntx);
	assert_int_equal(st->drop[MS_DROP_SEND_FAILED], failed + 1);

	/* a proxy reply (sent at once) */
	uint64_t rtx = st->type[LISP_T_MAP_REPLY].tx, proxy = st->proxy_replies;
	size_t n = build_req(req, sizeof(req), "198.51.100.5/32", "192.0.2.50", 7, false, false);
	size_t e = wrap_ecm(ecm, sizeof(ecm), req, n, "192.0.2.50", "198.51.100.5", 33333);
	feed(f, ecm, e, "192.0.2.60", 4342);
	assert_int_equal(st->type[LISP_T_MAP_REPLY].tx, rtx);
	assert_int_equal(st->proxy_replies, proxy);
	assert_int_equal(st->drop[MS_DROP_SEND_FAILED], failed + 2);

	/* a negative reply (an EID of the site that nobody registered) */
	uint64_t neg = st->negative_replies;
	n = build_req(req, sizeof(req), "198.51.100.200/32", "192.0.2.50", 8, false, false);
	feed(f, req, n, "192.0.2.50", 5555);
	assert_int_equal(st->negative_replies, neg);
	assert_int_equal(st->type[LISP_T_MAP_REPLY].tx, rtx);
	assert_int_equal(st->drop[MS_DROP_SEND_FAILED], failed + 3);

	/* a request forwarded to the ETR (a site without proxy reply) */
	uint64_t fwd = st->forwarded, etx = st->type[LISP_T_ECM].tx;
	do_reg(f, f->ex, "203.0.113.0/25", 1440, "192.0.2.1", NULL, 1, 0, "192.0.2.33");
	failed = st->drop[MS_DROP_SEND_FAILED]; /* (its arrival Map-Notify to .1 failed too) */
	n = build_req(req, sizeof(req), "203.0.113.9/32", "192.0.2.50", 9, false, false);
	e = wrap_ecm(ecm, sizeof(ecm), req, n, "192.0.2.50", "203.0.113.9", 33333);
	feed(f, ecm, e, "192.0.2.60", 4342);
	assert_int_equal(st->forwarded, fwd);
	assert_int_equal(st->type[LISP_T_ECM].tx, etx);
	assert_int_equal(st->drop[MS_DROP_SEND_FAILED], failed + 1);

	/* the unsolicited Map-Notify (arrival at .1) is retransmitted: a refused retransmission
	 * is no retransmission, but a try all the same (the retries stay bounded) */
	assert_true(ms_pending_notifies(f->ms) >= 1);
	uint64_t retx = st->notify_retransmits;
	failed = st->drop[MS_DROP_SEND_FAILED];
	ms_tick(f->ms, now + 1100);
	assert_int_equal(st->notify_retransmits, retx);
	assert_true(st->drop[MS_DROP_SEND_FAILED] > failed);
	/* once the socket sends again, the same retransmission counts */
	sink_fails = false;
	nsent = 0;
	ms_tick(f->ms, now + 2200);
	assert_true(nsent >= 1);
	assert_int_equal(st->notify_retransmits, retx + nsent);
}

/* A dual-stack xTR registering its own EID from its IPv4 RLOC: its IPv6 RLOC is itself, not
 * a new site: no arrival Map-Notify (it would never be acknowledged). */
static void t_self_registration_no_arrival(void **state)
{
	struct fx *f = *state;
	uint64_t before = ms_get_stats(f->ms)->arrival_notifies;

	nsent = 0;
	do_reg(f, f->dc, "198.51.100.9/32", 1440, "192.0.2.1", "2001:db8:ffff::1", 1, F_M,
	       "192.0.2.1");
	assert_non_null(find(f, "198.51.100.9/32"));
	assert_int_equal(nsent, 1); /* the ack only */
	assert_int_equal(ms_get_stats(f->ms)->arrival_notifies, before);
	assert_int_equal(ms_pending_notifies(f->ms), 0);
}

static void t_notify_retries_bounded(void **state)
{
	struct fx *f = *state;

	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.1", NULL, 1, 0, "192.0.2.250");
	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.2", NULL, 2, 0, "192.0.2.250");
	/* pending: the arrival notifies to .1 and .2 and the move notify to .1, none acked */
	assert_int_equal(ms_pending_notifies(f->ms), 3);
	nsent = 0;
	for (unsigned s = 1; s <= 10; s++)
		ms_tick(f->ms, now + s * 1000 + 1);
	/* retries="2" for the two that are still true; the arrival at .1 is rebuilt at
	 * retransmission time from the registration, which left .1: not sent again */
	assert_int_equal(nsent, 4);
	assert_int_equal(ms_pending_notifies(f->ms), 0);
	assert_int_equal(drops(f, MS_DROP_RETRIES_EXHAUSTED), 2);
	assert_int_equal(ms_get_stats(f->ms)->notify_eids_superseded, 1);
}

static void t_pubsub(void **state)
{
	struct fx *f = *state;
	uint8_t req[512], ecm[1024];
	char a[IPADDR_STRLEN];

	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.1", NULL, 1, 0, "192.0.2.1");
	nsent = 0;
	/* subscribe to the /24 through a Map-Resolver (ECM) */
	size_t n = build_req(req, sizeof(req), "198.51.100.0/24", "192.0.2.50", 9, true, false);
	size_t e = wrap_ecm(ecm, sizeof(ecm), req, n, "192.0.2.50", "198.51.100.0", 30000);
	feed(f, ecm, e, "192.0.2.60", 4342);
	assert_non_null(ms_subscribers(f->ms));
	/* the current mapping is notified (and the request answered) */
	size_t i;
	for (i = 0; i < nsent && (sent[i].data[0] >> 4) != LISP_T_MAP_NOTIFY; i++)
		;
	assert_true(i < nsent);
	assert_string_equal(ipaddr_str(&sent[i].dst, a, sizeof(a)), "192.0.2.50");
	assert_int_equal(sent[i].dport, 30000);
	parse_notify(&sent[i], f->sub);
	assert_true(mn.xtr_id_present);
	assert_int_equal(mn.xtr_id[0], 0x5a);
	uint64_t n1 = mn.nonce;
	send_ack(f, f->sub, n1, "192.0.2.50");
	assert_int_equal(ms_pending_notifies(f->ms), 0);
	/* a move of a covered EID: Map-Notify with a higher nonce */
	nsent = 0;
	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.2", NULL, 2, 0, "192.0.2.2");
	for (i = 0; i < nsent && !(sent[i].dport == 30000); i++)
		;
	assert_true(i < nsent);
	parse_notify(&sent[i], f->sub);
	assert_true(mn.nonce > n1);
	assert_string_equal(ipaddr_str(&mn.rec[0].loc[0].addr.addr[0], a, sizeof(a)), "192.0.2.2");
	send_ack(f, f->sub, mn.nonce, "192.0.2.50");
	/* deregistration: withdrawn (TTL 0, no locators) */
	nsent = 0;
	do_reg(f, f->dc, "198.51.100.5/32", 0, NULL, NULL, 3, 0, "192.0.2.2");
	assert_int_equal(nsent, 1);
	parse_notify(&sent[0], f->sub);
	assert_int_equal(mn.rec[0].ttl, 0);
	assert_int_equal(mn.rec[0].nloc, 0);
	send_ack(f, f->sub, mn.nonce, "192.0.2.50");
	/* an EID outside the subscription: nothing */
	nsent = 0;
	do_reg(f, f->dc, "2001:db8:100::1/128", 1440, "192.0.2.2", NULL, 4, 0, "192.0.2.2");
	assert_int_equal(nsent, 0);
	/* unsubscribe (TTL-0 map-reply record) */
	n = build_req(req, sizeof(req), "198.51.100.0/24", "192.0.2.50", 10, true, true);
	feed(f, req, n, "192.0.2.50", 30000);
	assert_null(ms_subscribers(f->ms));
	assert_int_equal(ms_get_stats(f->ms)->unsubscriptions, 1);
}

static void t_pubsub_timeout(void **state)
{
	struct fx *f = *state;
	uint8_t req[512];

	size_t n = build_req(req, sizeof(req), "198.51.100.0/24", "192.0.2.50", 9, true, false);
	feed(f, req, n, "192.0.2.50", 30000);
	assert_non_null(ms_subscribers(f->ms));
	ms_tick(f->ms, now + 59 * 1000);
	assert_non_null(ms_subscribers(f->ms));
	ms_tick(f->ms, now + 61 * 1000);
	assert_null(ms_subscribers(f->ms));
}

/* A subscribe request is not authenticated (RFC 9437 §5): the subscriptions held are
 * bounded, a new one past the bound is refused and counted; renewals and unsubscriptions
 * still work, and an unsubscription makes room again. */
static void t_pubsub_limit(void **state)
{
	struct fx *f = *state;
	uint8_t req[512];
	static const char *const eids[] = {"198.51.100.0/24", "198.51.100.0/25",
					   "198.51.100.128/25", "2001:db8:100::/48"};
	size_t n, held = 0;

	((struct ms_cfg *)ms_config(f->ms))->max_subscribers = 2;
	for (unsigned i = 0; i < 3; i++) {
		n = build_req(req, sizeof(req), eids[i], "192.0.2.50", 9 + i, true, false);
		feed(f, req, n, "192.0.2.50", 30000);
	}
	for (const struct ms_sub *s = ms_subscribers(f->ms); s; s = s->next)
		held++;
	assert_int_equal(held, 2);
	assert_int_equal(drops(f, MS_DROP_SUBSCRIBER_LIMIT), 1);
	/* a renewal of one held: not a new subscription, not refused */
	n = build_req(req, sizeof(req), eids[0], "192.0.2.50", 20, true, false);
	feed(f, req, n, "192.0.2.50", 30000);
	assert_int_equal(drops(f, MS_DROP_SUBSCRIBER_LIMIT), 1);
	/* unsubscribe one: room for another */
	n = build_req(req, sizeof(req), eids[0], "192.0.2.50", 21, true, true);
	feed(f, req, n, "192.0.2.50", 30000);
	n = build_req(req, sizeof(req), eids[3], "192.0.2.50", 22, true, false);
	feed(f, req, n, "192.0.2.50", 30000);
	assert_int_equal(drops(f, MS_DROP_SUBSCRIBER_LIMIT), 1);
	held = 0;
	for (const struct ms_sub *s = ms_subscribers(f->ms); s; s = s->next)
		held++;
	assert_int_equal(held, 2);
}

/* ------------------------------------------------------------------ cases: persistence */
static void t_persistent_commit_before_ack(void **state)
{
	struct fx *f = *state;
	struct ipaddr src = ip("192.0.2.1");
	uint8_t out[2048];
	char err[256];

	set_rec(&reg.rec[0], "100.64.1.1/32", 1440, "192.0.2.1", NULL);
	size_t n = build_reg(out, sizeof(out), f->pe, 42, F_M, 1);
	ms_input(f->ms, out, n, &src, 40000, now);
	assert_int_equal(nsent, 0);	      /* the ack waits ... */
	assert_true(store_pending(f->store)); /* ... for the open transaction */
	ms_end_turn(f->ms);
	assert_int_equal(nsent, 1);
	assert_false(store_pending(f->store));

	/* a new Map-Server on the same database: registration and nonce are back */
	struct ms_store *st2 = store_open(f->dbpath, false, err, sizeof(err));
	assert_non_null(st2);
	nsent = 0;
	struct ms *ms2 = ms_new(f->cfg, st2, sink, NULL);
	assert_int_equal(ms_load(ms2, now), 1);
	struct lisp_prefix p;
	prefix_parse("100.64.1.1/32", &p, false);
	assert_non_null(ms_lookup(ms2, &p));
	ms_input(ms2, out, n, &src, 40000, now); /* replayed */
	ms_end_turn(ms2);
	assert_int_equal(ms_get_stats(ms2)->drop[MS_DROP_REPLAY], 1);
	assert_int_equal(nsent, 0);
	ms_free(ms2);
	store_close(st2);
}

/* ------------------------------------------------------------------ cases: config */
static void t_config_errors(void **state)
{
	struct fx *f = *state;
	struct ms_cfg *c;

	c = load_cfg(f, "<lisp-msd><site name=\"a\"><key id=\"1\" algorithm=\"hmac-sha-256\" "
			"secret=\"x\"/><eid-prefix prefix=\"10.0.0.0/8\"/></site>"
			"<site name=\"b\"><key id=\"1\" algorithm=\"hmac-sha-256\" secret=\"x\"/>"
			"<eid-prefix prefix=\"10.0.0.0/8\"/></site></lisp-msd>");
	assert_null(c); /* same prefix in two sites */
	c = load_cfg(f, "<lisp-msd><site name=\"a\"><key id=\"1\" algorithm=\"md5\" "
			"secret=\"x\"/><eid-prefix prefix=\"10.0.0.0/8\"/></site></lisp-msd>");
	assert_null(c); /* schema */
	c = load_cfg(f,
		     "<lisp-msd><site name=\"a\"><key id=\"1\" algorithm=\"hmac-sha-1\" "
		     "secret-file=\"/nonexistent/key\"/><eid-prefix prefix=\"10.0.0.0/8\"/></site>"
		     "</lisp-msd>");
	assert_null(c);
	/* an out-of-range port is an error, not the default silently */
	assert_null(load_cfg(f, "<lisp-msd><listen port=\"0\"/></lisp-msd>"));
	assert_null(load_cfg(f, "<lisp-msd><cli port=\"70000\"/></lisp-msd>"));
	c = load_cfg(f, "<lisp-msd><listen port=\"14342\"/><database path=\"/tmp/x.db\" "
			"sync=\"full\"/></lisp-msd>");
	assert_non_null(c);
	assert_int_equal(c->port, 14342);
	assert_true(c->db_sync_full);
	assert_int_equal(c->cli.port, 2621);
	ms_cfg_free(c);
	/* the fixture: defaults and site settings */
	assert_int_equal(f->cfg->port, LISP_CONTROL_PORT);
	assert_int_equal(f->cfg->nsites, 4);
	assert_int_equal(f->cfg->sites[0].nkeys, 2);
	assert_true(f->cfg->sites[2].merge);
	assert_int_equal(f->cfg->sites[3].lifetime, MS_LIFE_PERSISTENT);
}

/* Config at scale (BENCHMARKS.md config-load): 20000 sites load in time linear in their
 * number (the duplicate-name check compared each site with every earlier one, and libxml2
 * validated the <interleave> of the old schema in quadratic time: over 9 s of CPU for this
 * file in an optimized build, far more under the sanitizers), cost little memory each, and
 * every per-site lookup (by name, by prefix) finds the right site. A duplicate name is
 * reported at its own line with the line of the first. */
#define MANY_SITES 20000
static char *many_sites_xml(size_t n, bool dup_last)
{
	size_t cap = 256 + n * 256, len = 0;
	char *x = malloc(cap);

	assert_non_null(x);
	len += (size_t)snprintf(x + len, cap - len, "<lisp-msd>\n");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(
		    x + len, cap - len,
		    "<site name=\"s%zu\"><key id=\"1\" algorithm=\"hmac-sha-256\" "
		    "secret=\"k%zu\"/>\n<eid-prefix prefix=\"10.%zu.%zu.%zu/28\"/></site>\n",
		    dup_last && i == n - 1 ? (size_t)7 : i, i, i >> 12, (i >> 4) & 255,
		    (i & 15) << 4);
	snprintf(x + len, cap - len, "</lisp-msd>\n");
	return x;
}

static double cpu_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void t_config_many_sites(void **state)
{
	struct fx *f = *state;
	char *x = many_sites_xml(MANY_SITES, false);
	char name[16];
	struct lisp_prefix p;
	struct cfg_errs errs;

	/* a site costs its name, flags and pointers, not room for 8 keys and a 512-byte path
	 * each (the old struct was over 4 KB) */
	assert_true(sizeof(struct ms_site) <= 128);
	double t0 = cpu_seconds();
	struct ms_cfg *c = load_cfg(f, x);
	double dt = cpu_seconds() - t0;
	free(x);
	assert_non_null(c);
	/* about 1 s under ASan on the machine of BENCHMARKS.md; the quadratic version needed
	 * well over a minute */
	fprintf(stderr, "# %d sites parsed in %.2f s of CPU\n", MANY_SITES, dt);
	assert_true(dt < 15.0);
	assert_int_equal(c->nsites, MANY_SITES);
	for (size_t i = 0; i < MANY_SITES; i += 997) {
		snprintf(name, sizeof(name), "s%zu", i);
		struct ms_site *s = ms_site_by_name(c, name);
		assert_non_null(s);
		assert_ptr_equal(s, &c->sites[i]);
		char pfx[32];
		snprintf(pfx, sizeof(pfx), "10.%zu.%zu.%zu/32", i >> 12, (i >> 4) & 255,
			 ((i & 15) << 4) + 3);
		assert_int_equal(prefix_parse(pfx, &p, false), 0);
		assert_ptr_equal(ms_site_for_prefix(c, &p, NULL), s);
	}
	assert_null(ms_site_by_name(c, "s20000"));
	ms_cfg_free(c);

	/* the last site repeats the name of site 7 */
	x = many_sites_xml(MANY_SITES, true);
	FILE *fp = fopen(f->cfgpath, "w");
	assert_non_null(fp);
	fputs(x, fp);
	fclose(fp);
	free(x);
	cfg_errs_init(&errs);
	assert_null(ms_cfg_parse(f->cfgpath, &errs));
	assert_int_equal(errs.count, 1);
	char want[64];
	snprintf(want, sizeof(want), ":%d: duplicate site s7 (the first is at line 16)",
		 2 * MANY_SITES);
	assert_non_null(strstr(errs.text, want));
}

/* <database>: path relative to the config file; without path, the installation's state
 * directory; without the element, no persistence */
static void t_database_path(void **state)
{
	struct fx *f = *state;
	char want[600];

	struct ms_cfg *c = load_cfg(f, "<lisp-msd>\n <database/>\n</lisp-msd>\n");
	assert_non_null(c);
	assert_string_equal(c->db_path, LISP_STATEDIR "/lisp-msd.db");
	assert_string_equal(MS_DEFAULT_DB, LISP_STATEDIR "/lisp-msd.db");
	ms_cfg_free(c);
	c = load_cfg(f, "<lisp-msd>\n <database path=\"reg.db\" sync=\"full\"/>\n</lisp-msd>\n");
	assert_non_null(c);
	snprintf(want, sizeof(want), "%s/reg.db", f->common.dir);
	assert_string_equal(c->db_path, want);
	assert_true(c->db_sync_full);
	ms_cfg_free(c);
	c = load_cfg(f, "<lisp-msd/>\n");
	assert_non_null(c);
	assert_string_equal(c->db_path, "");
	ms_cfg_free(c);
}

static void t_reload_removes_site(void **state)
{
	struct fx *f = *state;

	do_reg(f, f->mu, "192.0.2.200/32", 1440, "192.0.2.1", NULL, 1, 0, "192.0.2.1");
	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.1", NULL, 1, 0, "192.0.2.1");
	struct ms_cfg *c =
	    load_cfg(f, "<lisp-msd><site name=\"dc\"><key id=\"1\" "
			"algorithm=\"hmac-sha-256\" secret=\"dc-secret\"/>"
			"<eid-prefix prefix=\"198.51.100.0/24\" more-specifics=\"true\"/>"
			"</site></lisp-msd>");
	assert_non_null(c);
	ms_set_config(f->ms, c, now);
	assert_int_equal(ms_count(f->ms), 1);
	assert_non_null(find(f, "198.51.100.5/32"));
	ms_cfg_free(f->cfg);
	f->cfg = c;
}

/* ------------------------------------------------------------------ cases: CLI */
static void t_cli_json(void **state)
{
	struct fx *f = *state;
	size_t ncmd;
	const struct cli_cmd *cmds = ms_cli_table(&ncmd);
	struct cli *cli = cli_new(NULL, cmds, ncmd, "lisp-msd", f->ms);
	struct strbuf sb;
	uint8_t junk[3] = {0x30, 0, 0};

	assert_non_null(cli);
	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.1", NULL, 1, 0, "192.0.2.1");
	feed(f, junk, sizeof(junk), "192.0.2.1", 40000);
	strbuf_init(&sb);
	assert_int_equal(cli_exec(cli, NULL, "show registrations json", &sb), CLI_OK);
	assert_non_null(strstr(strbuf_str(&sb), "\"eid\": \"198.51.100.5/32\""));
	assert_non_null(strstr(strbuf_str(&sb), "\"rloc\": \"192.0.2.1\""));
	strbuf_reset(&sb);
	assert_int_equal(cli_exec(cli, NULL, "sh reg 10.0.0.1 json", &sb), CLI_OK);
	assert_non_null(strstr(strbuf_str(&sb), "\"error\""));
	strbuf_reset(&sb);
	assert_int_equal(cli_exec(cli, NULL, "show statistics json", &sb), CLI_OK);
	assert_non_null(strstr(strbuf_str(&sb), "\"malformed:truncated\": 1"));
	assert_non_null(strstr(strbuf_str(&sb), "\"bad-auth\": 0"));
	/* the sockets' drops (common/udpio: none open here) and the suppressed input logs */
	assert_non_null(strstr(strbuf_str(&sb), "\"udp\": []"));
	assert_non_null(strstr(strbuf_str(&sb), "\"inputLogs\": {"));
	strbuf_reset(&sb);
	assert_int_equal(cli_exec(cli, NULL, "show sites", &sb), CLI_OK);
	assert_non_null(strstr(strbuf_str(&sb), "198.51.100.0/24"));
	strbuf_reset(&sb);
	assert_int_equal(cli_exec(cli, NULL, "show subscribers json", &sb), CLI_OK);
	assert_non_null(strstr(strbuf_str(&sb), "\"subscribers\": []"));
	strbuf_reset(&sb);
	assert_int_equal(cli_exec(cli, NULL, "debug control", &sb), CLI_OK);
	assert_true(log_get_topics() & LOG_TOPIC_CONTROL);
	assert_int_equal(cli_exec(cli, NULL, "debug off", &sb), CLI_OK);
	assert_int_equal(log_get_topics(), 0);
	strbuf_free(&sb);
	cli_free(cli);
}

/* show registrations: count, filters (prefix exact / longest / longer, site, RLOC), the
 * table, detail with readable dates, JSON numbers. */
static char *msx(struct cli *cli, const char *line)
{
	static struct strbuf sb;
	strbuf_free(&sb);
	cli_exec(cli, NULL, line, &sb);
	return (char *)strbuf_str(&sb);
}

static void t_cli_views(void **state)
{
	struct fx *f = *state;
	size_t ncmd;
	const struct cli_cmd *cmds = ms_cli_table(&ncmd);
	struct cli *cli = cli_new(NULL, cmds, ncmd, "lisp-msd", f->ms);
	char eid[64], *a;

	/* 100 hosts (even addresses), the /25 around half of them, one host of site multi */
	for (unsigned i = 0; i < 100; i++) {
		snprintf(eid, sizeof(eid), "198.51.100.%u/32", 2 * i);
		do_reg(f, f->dc, eid, 1440, i % 4 ? "192.0.2.1" : "192.0.2.2", NULL, 100 + i, 0,
		       "192.0.2.1");
	}
	do_reg(f, f->dc, "198.51.100.0/25", 1440, "192.0.2.1", NULL, 300, 0, "192.0.2.1");
	do_reg(f, f->mu, "192.0.2.200/32", 1440, "192.0.2.1", NULL, 301, 0, "192.0.2.1");
	assert_int_equal(ms_count(f->ms), 102);
	assert_string_equal(msx(cli, "show registrations count"), "102\n");
	assert_string_equal(msx(cli, "show registrations count json"), "{\n  \"count\": 102\n}\n");
	assert_string_equal(msx(cli, "show registrations site dc count"), "101\n");
	assert_string_equal(msx(cli, "show registrations site multi count"), "1\n");
	assert_string_equal(msx(cli, "show registrations site nosuch count"), "0\n");
	assert_string_equal(msx(cli, "show registrations rloc 192.0.2.2 count"), "25\n");
	assert_string_equal(msx(cli, "sh reg count rloc 192.0.2.2 site dc"), "25\n");
	/* more specifics: the /25 and the 64 hosts in it */
	assert_string_equal(msx(cli, "show registrations 198.51.100.0/25 longer count"), "65\n");
	assert_string_equal(msx(cli, "show registrations 198.51.100.0/24 longer count"), "101\n");
	/* exact, longest */
	assert_string_equal(msx(cli, "show registrations 198.51.100.0/25 count"), "1\n");
	assert_non_null(
	    strstr(msx(cli, "show registrations 198.51.100.0/24"), "% no registration"));
	a = msx(cli, "show registrations 198.51.100.4 json");
	assert_non_null(strstr(a, "\"eid\": \"198.51.100.4/32\""));
	assert_non_null(strstr(a, "\"count\": 1"));
	a = msx(cli, "show registrations 198.51.100.3 json"); /* no host: the /25 */
	assert_non_null(strstr(a, "\"eid\": \"198.51.100.0/25\""));
	a = msx(cli, "show registrations 198.51.100.3/32 longest json");
	assert_non_null(strstr(a, "\"eid\": \"198.51.100.0/25\""));
	assert_non_null(strstr(msx(cli, "show registrations 198.51.100.201"), "% no registration"));
	/* JSON keeps numbers */
	a = msx(cli, "show registrations 198.51.100.4 json");
	assert_non_null(strstr(a, "\"registeredUnix\": 1"));
	assert_non_null(strstr(a, "\"changedUnixMs\": 1"));
	/* detail: readable dates and ages */
	a = msx(cli, "show registrations 198.51.100.4 detail");
	assert_non_null(strstr(a, "registered:"));
	assert_non_null(strstr(a, "changed ago:"));
	assert_non_null(strstr(a, "Z\n"));
	assert_null(strstr(a, "unix"));
	/* the table: header, one line each, total */
	a = msx(cli, "show registrations site dc");
	size_t lines = 0;
	for (char *p = a; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 101 + 2);
	assert_true(strncmp(a, "EID ", 4) == 0);
	assert_non_null(strstr(a, "\n198.51.100.0/25 "));
	assert_non_null(strstr(a, "\n101 registrations\n"));
	assert_null(strstr(a, "192.0.2.200"));
	/* JSON of everything: every registration, the count after the array */
	a = msx(cli, "show registrations json");
	size_t n = 0;
	for (char *p = a; (p = strstr(p, "\"eid\"")); p++)
		n++;
	assert_int_equal(n, 102);
	assert_non_null(strstr(a, "\n  ],\n  \"count\": 102\n}\n"));
	/* show sites: streamed too, and counted */
	assert_string_equal(msx(cli, "show sites count"), "4\n");
	a = msx(cli, "show sites json");
	n = 0;
	for (char *p = a; (p = strstr(p, "\"lifetime\"")); p++)
		n++;
	assert_int_equal(n, 4);
	assert_non_null(strstr(a, "\"name\": \"pers\""));
	/* words it does not take */
	assert_non_null(strstr(msx(cli, "show sites bogus"), "usage: show sites [count]"));
	assert_non_null(
	    strstr(msx(cli, "show registrations neighbor 192.0.2.1"), "not understood"));
	assert_non_null(strstr(msx(cli, "show registrations longer"), "needs a prefix"));
	cli_free(cli);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(t_auth_ok_notify),
	    T(t_auth_wrong_key),
	    T(t_auth_wrong_key_id),
	    T(t_auth_wrong_alg),
	    T(t_eid_unknown_site),
	    T(t_eid_outside_site_whole_message),
	    T(t_more_specifics),
	    T(t_replace),
	    T(t_merge),
	    T(t_ttl0_deregister),
	    T(t_expiry_refresh),
	    T(t_expiry_many),
	    T(t_replay),
	    T(t_malformed_counted_state_unchanged),
	    T(t_request_proxy_reply),
	    T(t_request_forward_to_etr),
	    T(t_request_negative),
	    T(t_request_reflection_limited),
	    T(t_request_reflection_default),
	    T(t_request_reflection_limit_off_and_reload),
	    T(t_move_notifies_old_rloc),
	    T(t_move_old_site_off),
	    T(t_send_failed_not_sent),
	    T(t_notify_retries_bounded),
	    T(t_self_registration_no_arrival),
	    T(t_pubsub),
	    T(t_pubsub_timeout),
	    T(t_pubsub_limit),
	    T(t_persistent_commit_before_ack),
	    T(t_config_errors),
	    T(t_config_many_sites),
	    T(t_database_path),
	    T(t_reload_removes_site),
	    T(t_cli_json),
	    T(t_cli_views),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
