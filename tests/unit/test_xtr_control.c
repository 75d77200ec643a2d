/* SPDX-License-Identifier: ISC */
/* tests/unit/test_xtr_control.c - the lisp-xtrd control plane through a capture sink:
 * cold-cache Map-Request (ECM to the Map-Resolver, parsed back), the nonce-matched
 * Map-Reply that installs the mapping and releases the held packets, unknown nonces
 * dropped, retransmission with back-off and Map-Resolver failover, the per-prefix and
 * global rate limits, answers to Map-Requests (plain, ECM'd by a Map-Server, RLOC probe with
 * the p flag), probing marking a locator down and up, signed Map-Registers acknowledged by
 * a Map-Notify, an unsolicited Map-Notify saying a local EID moved away (database, site
 * hook, map-cache, Map-Notify-Ack, SMR), failed authentication, received SMRs, and fair
 * resolution: a host scanning 200,000 destinations does not delay another host's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "tests/unit/xtr_testlib.h"

static struct xtr *mk(void)
{
	struct xtr_cfg *c = test_cfg();
	struct xtr *x = xtr_new(c, &test_io, 1);
	xtr_cfg_free(c);
	assert_non_null(x);
	cap_reset();
	return x;
}

/* The Map-Request inside captured ECM i. */
static void parse_ecm_req(size_t i, struct lisp_map_request *m, struct lisp_ecm *e)
{
	struct buf b;
	buf_init_read(&b, cap_ctl[i].data, cap_ctl[i].len);
	assert_int_equal(lisp_ecm_parse(&b, e, NULL), 0);
	assert_int_equal(lisp_map_request_parse(&e->payload, m, NULL), 0);
}

static size_t mk_reply(uint8_t *out, size_t cap, uint64_t nonce, const char *eid, const char *rloc,
		       bool probe)
{
	static struct lisp_map_reply r;
	struct buf w;
	memset(&r, 0, sizeof(r));
	r.nonce = nonce;
	r.probe = probe;
	r.nrec = 1;
	struct lisp_prefix p = P(eid);
	lisp_record_set_eid(&r.rec[0], &p);
	r.rec[0].ttl = 1440;
	r.rec[0].authoritative = true;
	if (rloc) {
		struct ipaddr a = A(rloc);
		r.rec[0].nloc = 1;
		r.rec[0].loc[0].priority = 1;
		r.rec[0].loc[0].weight = 100;
		r.rec[0].loc[0].flags = LISP_LOC_F_REACHABLE;
		lisp_addr_from_ip(&r.rec[0].loc[0].addr, &a);
	}
	buf_init_write(&w, out, cap);
	assert_int_equal(lisp_map_reply_build(&w, &r, NULL), 0);
	return buf_len(&w);
}

static void t_miss_request_reply(void **s)
{
	(void)s;
	static struct lisp_map_request m;
	struct lisp_ecm e;
	struct xtr *x = mk();
	uint8_t rep[600];
	size_t len;
	for (int i = 0; i < 3; i++)
		itr_ip4(x, "198.51.100.5", "198.51.100.6", 1, 0, 0, 20, false, 1 * SEC);
	/* one Map-Request (rate limit per prefix), in an ECM, to the first MR */
	assert_int_equal(ncap_ctl, 1);
	struct ipaddr mr = A("192.0.2.100");
	assert_true(ipaddr_eq(&cap_ctl[0].dst, &mr));
	assert_int_equal(cap_ctl[0].port, 4342);
	parse_ecm_req(0, &m, &e);
	struct lisp_prefix want = P("198.51.100.6/32");
	assert_true(prefix_eq(&m.rec[0].eid, &want));
	assert_int_equal(m.n_itr_rlocs, 2);
	assert_int_equal(e.inner_sport, 4342);
	assert_false(m.probe);
	/* a reply with another nonce is dropped */
	struct ipaddr src = A("192.0.2.2");
	len = mk_reply(rep, sizeof(rep), m.nonce + 1, "198.51.100.6/32", "192.0.2.2", false);
	xtr_control_input(x, &src, 4342, NULL, rep, len, 2 * SEC);
	assert_int_equal(xtr_get_stats(x)->cdrops[XTR_CDROP_NONCE], 1);
	assert_int_equal(ncap_data, 0);
	/* the right nonce: mapping installed, the 3 held packets leave */
	len = mk_reply(rep, sizeof(rep), m.nonce, "198.51.100.6/32", "192.0.2.2", false);
	xtr_control_input(x, &src, 4342, NULL, rep, len, 2 * SEC);
	assert_int_equal(ncap_data, 3);
	assert_true(ipaddr_eq(&cap_data[0].dst, &src));
	struct ipaddr a6 = A("198.51.100.6");
	const struct xtr_entry *en = xtr_cache_lookup(x, 0, &a6);
	assert_int_equal(en->src, XTR_SRC_REPLY);
	assert_int_equal(en->ttl, 1440);
	/* a replay of the same reply: nonce consumed */
	xtr_control_input(x, &src, 4342, NULL, rep, len, 3 * SEC);
	assert_int_equal(xtr_get_stats(x)->cdrops[XTR_CDROP_NONCE], 2);
	xtr_free(x);
}

/* Thousands of Map-Requests in flight (a cache fill): the reply to the first one still
 * finds its request (the nonce table holds 2 x the pending limit, not a 1024-slot ring
 * that overwrote the oldest), each nonce once, and a late reply to an entry that was
 * already answered under another nonce is harmless. */
static void t_many_outstanding(void **s)
{
	(void)s;
	static struct lisp_map_request m0, m1;
	struct lisp_ecm e;
	struct xtr_cfg *c = test_cfg();
	c->pending_max = 3000;
	c->mreq_rate = 100000;
	c->mreq_burst = 100000;
	struct xtr *x = xtr_new(c, &test_io, 1);
	xtr_cfg_free(c);
	assert_non_null(x);
	cap_reset();
	uint8_t rep[600];
	size_t len;
	char dst[32];
	for (int i = 0; i < 3000; i++) {
		snprintf(dst, sizeof(dst), "10.%d.%d.1", i / 256, i % 256);
		itr_ip4(x, "198.51.100.5", dst, 1, 0, 0, 20, false, 1 * SEC);
	}
	assert_int_equal(xtr_get_stats(x)->mreq_sent, 3000);
	assert_int_equal(xtr_cache_pending(x), 3000);
	parse_ecm_req(0, &m0, &e);
	parse_ecm_req(1, &m1, &e);
	struct ipaddr src = A("192.0.2.2");
	len = mk_reply(rep, sizeof(rep), m0.nonce, "10.0.0.1/32", "192.0.2.2", false);
	xtr_control_input(x, &src, 4342, NULL, rep, len, 2 * SEC);
	len = mk_reply(rep, sizeof(rep), m1.nonce, "10.0.1.1/32", "192.0.2.2", false);
	xtr_control_input(x, &src, 4342, NULL, rep, len, 2 * SEC);
	assert_int_equal(xtr_get_stats(x)->cdrops[XTR_CDROP_NONCE], 0);
	assert_int_equal(xtr_cache_pending(x), 2998);
	struct ipaddr a = A("10.0.1.1");
	assert_int_equal(xtr_cache_lookup(x, 0, &a)->src, XTR_SRC_REPLY);
	/* consumed: the same reply again is an unknown nonce */
	xtr_control_input(x, &src, 4342, NULL, rep, len, 2 * SEC);
	assert_int_equal(xtr_get_stats(x)->cdrops[XTR_CDROP_NONCE], 1);
	/* a late reply inside the lifetime is taken; after it, the nonce is forgotten */
	parse_ecm_req(2, &m0, &e);
	parse_ecm_req(3, &m1, &e);
	len = mk_reply(rep, sizeof(rep), m1.nonce, "10.0.3.1/32", "192.0.2.2", false);
	xtr_control_input(x, &src, 4342, NULL, rep, len, (XTR_REQ_LIFETIME_S - 10) * SEC);
	assert_int_equal(xtr_get_stats(x)->cdrops[XTR_CDROP_NONCE], 1);
	struct ipaddr a3 = A("10.0.3.1");
	assert_non_null(xtr_cache_lookup(x, 0, &a3)); /* installed, not just not dropped */
	assert_int_equal(xtr_cache_lookup(x, 0, &a3)->src, XTR_SRC_REPLY);
	assert_int_equal(xtr_cache_pending(x), 2997);
	xtr_tick(x, (2 + XTR_REQ_LIFETIME_S) * SEC);
	len = mk_reply(rep, sizeof(rep), m0.nonce, "10.0.2.1/32", "192.0.2.2", false);
	xtr_control_input(x, &src, 4342, NULL, rep, len, (3 + XTR_REQ_LIFETIME_S) * SEC);
	assert_int_equal(xtr_get_stats(x)->cdrops[XTR_CDROP_NONCE], 2);
	xtr_free(x);
}

static void t_retransmit_failover(void **s)
{
	(void)s;
	static struct lisp_map_request m1, m2;
	struct lisp_ecm e;
	struct xtr *x = mk();
	itr_ip4(x, "198.51.100.5", "198.51.100.6", 1, 0, 0, 20, false, SEC);
	assert_int_equal(ncap_ctl, 1);
	xtr_tick(x, SEC + SEC / 2);	   /* too early */
	assert_int_equal(ncap_ctl, 1 + 1); /* (+ the Map-Register to the MS) */
	cap_reset();
	xtr_tick(x, 2 * SEC + 1); /* 1 s later: retransmission to the next MR */
	assert_int_equal(ncap_ctl, 1);
	struct ipaddr mr2 = A("192.0.2.101");
	assert_true(ipaddr_eq(&cap_ctl[0].dst, &mr2));
	parse_ecm_req(0, &m1, &e);
	cap_reset();
	xtr_tick(x, 3 * SEC + 1); /* back-off: 2 s now */
	assert_int_equal(ncap_ctl, 0);
	xtr_tick(x, 4 * SEC + 2);
	assert_int_equal(ncap_ctl, 1);
	parse_ecm_req(0, &m2, &e);
	assert_true(m1.nonce != m2.nonce);
	assert_int_equal(xtr_get_stats(x)->mreq_retrans, 2);
	/* give up after the retries: a negative drop entry, queue dropped */
	for (uint64_t t = 5; t < 34; t++) /* sends at 1, 2, 4, 8, 16 s; gives up at 32 s */
		xtr_tick(x, t * SEC);
	struct ipaddr a6 = A("198.51.100.6");
	const struct xtr_entry *en = xtr_cache_lookup(x, 0, &a6);
	assert_non_null(en);
	assert_int_equal(en->src, XTR_SRC_REPLY);
	assert_int_equal(en->nloc, 0);
	assert_int_equal(xtr_get_stats(x)->drops[XTR_DROP_UNRESOLVED], 1);
	xtr_free(x);
}

static void t_global_rate(void **s)
{
	(void)s;
	struct xtr_cfg *c = test_cfg();
	c->mreq_rate = 1;
	c->mreq_burst = 5;
	c->nms = 0;
	struct xtr *x = xtr_new(c, &test_io, 1);
	xtr_cfg_free(c);
	cap_reset();
	for (unsigned i = 0; i < 20; i++) {
		char d[32];
		snprintf(d, sizeof(d), "10.0.0.%u", i + 1);
		itr_ip4(x, "198.51.100.5", d, 1, 0, 0, 20, false, SEC);
	}
	assert_int_equal(ncap_ctl, 5);
	assert_int_equal(xtr_get_stats(x)->cdrops[XTR_CDROP_RATE], 15);
	xtr_free(x);
}

static size_t mk_request(uint8_t *out, size_t cap, const char *eid, bool probe, bool smr,
			 const char *itr)
{
	static struct lisp_map_request m;
	struct buf w;
	memset(&m, 0, sizeof(m));
	m.nonce = 0x1122334455667788ULL;
	m.probe = probe;
	m.smr = smr;
	m.n_itr_rlocs = 1;
	struct ipaddr a = A(itr);
	lisp_addr_from_ip(&m.itr_rlocs[0], &a);
	m.nrec = 1;
	m.rec[0].eid = P(eid);
	buf_init_write(&w, out, cap);
	assert_int_equal(lisp_map_request_build(&w, &m, NULL), 0);
	return buf_len(&w);
}

static void t_answer(void **s)
{
	(void)s;
	static struct lisp_map_reply r;
	struct xtr *x = mk();
	uint8_t q[600], ecm[800];
	struct ipaddr itr = A("192.0.2.2");
	size_t n = mk_request(q, sizeof(q), "198.51.100.5/32", false, false, "192.0.2.2");
	xtr_control_input(x, &itr, 4342, NULL, q, n, SEC);
	assert_int_equal(ncap_ctl, 1);
	struct buf b;
	buf_init_read(&b, cap_ctl[0].data, cap_ctl[0].len);
	assert_int_equal(lisp_map_reply_parse(&b, &r, NULL), 0);
	assert_int_equal(r.nonce, 0x1122334455667788ULL);
	assert_true(r.rec[0].authoritative);
	assert_int_equal(r.rec[0].nloc, 2);
	assert_false(r.probe);
	/* ECM'd by a Map-Server (E bit): the reply goes to the ITR-RLOC, inner source port */
	struct lisp_ecm e = {.to_etr = true,
			     .inner_src = A("192.0.2.2"),
			     .inner_dst = A("198.51.100.5"),
			     .inner_sport = 40000};
	struct buf w, rd;
	buf_init_read(&rd, q, n);
	buf_init_write(&w, ecm, sizeof(ecm));
	assert_int_equal(lisp_ecm_build(&w, &e, &rd, NULL), 0);
	struct ipaddr ms = A("192.0.2.100");
	xtr_control_input(x, &ms, 4342, NULL, ecm, buf_len(&w), SEC);
	assert_int_equal(ncap_ctl, 2);
	assert_int_equal(cap_ctl[1].port, 40000);
	assert_true(ipaddr_eq(&cap_ctl[1].dst, &itr));
	/* not ours: no answer */
	n = mk_request(q, sizeof(q), "198.51.100.77/32", false, false, "192.0.2.2");
	xtr_control_input(x, &itr, 4342, NULL, q, n, SEC);
	assert_int_equal(ncap_ctl, 2);
	assert_int_equal(xtr_get_stats(x)->cdrops[XTR_CDROP_NOT_OURS], 1);
	/* RLOC probe: P=1 and p on our IPv4 locator */
	n = mk_request(q, sizeof(q), "198.51.100.5/32", true, false, "192.0.2.2");
	xtr_control_input(x, &itr, 4342, NULL, q, n, SEC);
	assert_int_equal(ncap_ctl, 3);
	buf_init_read(&b, cap_ctl[2].data, cap_ctl[2].len);
	assert_int_equal(lisp_map_reply_parse(&b, &r, NULL), 0);
	assert_true(r.probe);
	struct ipaddr me = A("192.0.2.1");
	for (unsigned i = 0; i < r.rec[0].nloc; i++)
		assert_int_equal((r.rec[0].loc[i].flags & LISP_LOC_F_PROBED) != 0,
				 ipaddr_eq(&r.rec[0].loc[i].addr.addr[0], &me));
	/* garbage */
	xtr_control_input(x, &itr, 4342, NULL, q, 7, SEC);
	assert_int_equal(xtr_get_stats(x)->cdrops[XTR_CDROP_MALFORMED], 1);
	xtr_free(x);
}

static void t_probing(void **s)
{
	(void)s;
	static struct lisp_map_request m;
	struct xtr_cfg *c = test_cfg();
	c->probe_interval_ms = 10000;
	c->probe_timeout_ms = 3000;
	c->probe_retries = 2;
	c->nms = 0;
	struct xtr *x = xtr_new(c, &test_io, 1);
	xtr_cfg_free(c);
	install(x, "198.51.100.6/32", XTR_SRC_REPLY, "192.0.2.2", 1, 100, NULL, 0, 0, 1);
	struct ipaddr r2 = A("192.0.2.2");
	cap_reset();
	xtr_tick(x, 2 * SEC);
	assert_int_equal(ncap_ctl, 1); /* probe straight to the RLOC */
	assert_true(ipaddr_eq(&cap_ctl[0].dst, &r2));
	struct buf b;
	buf_init_read(&b, cap_ctl[0].data, cap_ctl[0].len);
	assert_int_equal(lisp_map_request_parse(&b, &m, NULL), 0);
	assert_true(m.probe);
	/* unanswered twice -> down */
	xtr_tick(x, 6 * SEC);
	xtr_tick(x, 7 * SEC); /* re-probed (down locators at the timeout) or in use */
	for (uint64_t t = 8; t < 40; t++)
		xtr_tick(x, t * SEC);
	assert_false(xtr_rloc_up(x, &r2));
	assert_true(xtr_get_stats(x)->probe_down >= 1);
	/* a probe reply with the outstanding nonce -> up */
	cap_reset();
	for (uint64_t t = 40; t < 50 && ncap_ctl == 0; t++)
		xtr_tick(x, t * SEC);
	assert_true(ncap_ctl >= 1);
	buf_init_read(&b, cap_ctl[ncap_ctl - 1].data, cap_ctl[ncap_ctl - 1].len);
	assert_int_equal(lisp_map_request_parse(&b, &m, NULL), 0);
	uint8_t rep[600];
	size_t n = mk_reply(rep, sizeof(rep), m.nonce, "198.51.100.6/32", "192.0.2.2", true);
	xtr_control_input(x, &r2, 4342, NULL, rep, n, 50 * SEC);
	assert_true(xtr_rloc_up(x, &r2));
	xtr_free(x);
}

/* <probing re-resolve="true">: a packet for a mapping whose only locator is down asks the
 * Map-Resolver again (at most once a second); without it the packet is just dropped. */
static void t_probing_reresolve(void **s)
{
	(void)s;
	static struct lisp_map_request m;
	struct lisp_ecm e;
	for (int on = 0; on <= 1; on++) {
		struct xtr_cfg *c = test_cfg();
		c->probe_interval_ms = 10000;
		c->probe_timeout_ms = 3000;
		c->probe_retries = 2;
		c->probe_reresolve = on;
		c->nms = 0;
		struct xtr *x = xtr_new(c, &test_io, 1);
		xtr_cfg_free(c);
		install(x, "198.51.100.6/32", XTR_SRC_REPLY, "192.0.2.2", 1, 100, NULL, 0, 0, 1);
		struct ipaddr r2 = A("192.0.2.2");
		for (uint64_t t = 2; t < 40; t++)
			xtr_tick(x, t * SEC);
		assert_false(xtr_rloc_up(x, &r2));
		cap_reset();
		uint64_t nl = xtr_get_stats(x)->drops[XTR_DROP_NO_LOCATOR];
		itr_ip4(x, "198.51.100.5", "198.51.100.6", 17, 1, 2, 30, false, 40 * SEC);
		itr_ip4(x, "198.51.100.5", "198.51.100.6", 17, 1, 2, 30, false, 40 * SEC + 1000);
		xtr_flush(x);
		assert_int_equal(ncap_data, 0);
		assert_int_equal(xtr_get_stats(x)->drops[XTR_DROP_NO_LOCATOR], nl + 2);
		size_t req = 0;
		for (size_t i = 0; i < ncap_ctl; i++)
			if ((cap_ctl[i].data[0] >> 4) == 8) { /* ECM: a Map-Request to the MR */
				parse_ecm_req(i, &m, &e);
				assert_false(m.probe);
				req++;
			}
		assert_int_equal(req, on ? 1 : 0); /* two packets, one request: rate-limited */
		xtr_free(x);
	}
}

static struct lisp_key *key(void)
{
	return lisp_key_new(1, LISP_ALG_HMAC_SHA256_128, "dc-secret", 9);
}

static void t_register(void **s)
{
	(void)s;
	static struct lisp_map_register r;
	static struct lisp_map_notify n;
	struct xtr *x = mk();
	struct lisp_key *k = key();
	xtr_tick(x, 2 * SEC);
	assert_int_equal(ncap_ctl, 1);
	struct buf b;
	buf_init_read(&b, cap_ctl[0].data, cap_ctl[0].len);
	assert_int_equal(lisp_map_register_parse(&b, &r, NULL), 0);
	assert_int_equal(lisp_auth_verify(&b, &r.auth, k, NULL), 0);
	assert_true(r.want_notify);
	assert_true(r.proxy_reply);
	assert_int_equal(r.nrec, 2);
	assert_int_equal(xtr_ms_at(x, 0)->state, XTR_MS_REGISTERING);
	/* I=1 with a stable xTR-ID (none configured: the first RLOC's address bytes), so the
	 * Map-Server keeps our nonces apart from lisp-register's under the same key */
	assert_true(r.xtr_id_present);
	struct ipaddr r0 = A("192.0.2.1");
	assert_memory_equal(r.xtr_id, r0.a, 16);
	/* the nonce scale of every registrant of the suite: wall-clock ns (lisp-register's);
	 * it was seconds << 24, a 60th of it */
	/* the core's clock is the injected one (2 s): its wall time is the real wall time less
	 * the real monotonic time plus 2 s (checked to a minute, whatever the uptime) */
	struct timespec ts, mono;
	clock_gettime(CLOCK_REALTIME, &ts);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	uint64_t wall = (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec -
			((uint64_t)mono.tv_sec * NSEC_PER_SEC + (uint64_t)mono.tv_nsec) + 2 * SEC;
	assert_true(r.nonce > wall - 60 * NSEC_PER_SEC && r.nonce < wall + 60 * NSEC_PER_SEC);
	uint64_t first = r.nonce;
	/* unanswered: retried after 3 s with a larger nonce */
	cap_reset();
	xtr_tick(x, 5 * SEC + 1);
	assert_int_equal(ncap_ctl, 1);
	buf_init_read(&b, cap_ctl[0].data, cap_ctl[0].len);
	assert_int_equal(lisp_map_register_parse(&b, &r, NULL), 0);
	assert_true(r.nonce > first);
	assert_int_equal(xtr_ms_at(x, 0)->state, XTR_MS_UNANSWERED);
	/* the Map-Notify acknowledging it */
	memset(&n, 0, sizeof(n));
	n.nonce = r.nonce;
	n.auth.key_id = 1;
	n.auth.alg_id = LISP_ALG_HMAC_SHA256_128;
	n.auth.len = 32;
	n.nrec = r.nrec;
	memcpy(n.rec, r.rec, sizeof(r.rec[0]) * r.nrec);
	uint8_t out[2000];
	struct buf w;
	size_t off;
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(lisp_map_notify_build(&w, &n, &off, NULL), 0);
	assert_int_equal(lisp_auth_sign(&w, off, k, NULL), 0);
	struct ipaddr ms = A("192.0.2.100");
	cap_reset();
	xtr_control_input(x, &ms, 4342, NULL, out, buf_len(&w), 6 * SEC);
	assert_int_equal(xtr_ms_at(x, 0)->state, XTR_MS_REGISTERED);
	assert_int_equal(ncap_ctl, 0); /* no ack for an acknowledgement */
	/* next one after the 60 s interval */
	xtr_tick(x, 30 * SEC);
	assert_int_equal(ncap_ctl, 0);
	xtr_tick(x, 67 * SEC);
	assert_int_equal(ncap_ctl, 1);
	/* a wrong key is dropped */
	out[buf_len(&w) - 1] ^= 1;
	buf_init_write(&w, out, sizeof(out));
	lisp_map_notify_build(&w, &n, &off, NULL);
	out[off] ^= 0xff;
	xtr_control_input(x, &ms, 4342, NULL, out, buf_len(&w), 68 * SEC);
	assert_int_equal(xtr_get_stats(x)->cdrops[XTR_CDROP_AUTH], 1);
	lisp_key_free(k);
	xtr_free(x);
}

static void t_moved_away(void **s)
{
	(void)s;
	static struct lisp_map_notify ack;
	struct xtr *x = mk();
	struct lisp_key *k = key();
	uint8_t buf[300], dg[400], out[2000];
	size_t len;
	/* an ITR talked to us recently (SMR target) */
	struct ipaddr itr = A("192.0.2.9");
	uint8_t *pk = mk_ip4(buf, "198.51.100.6", "198.51.100.5", 17, 1, 2, 30, false, &len);
	memset(dg, 0, 8);
	dg[0] = 0x80;
	memcpy(dg + 8, pk, len);
	xtr_etr_input(x, &itr, dg, 8 + len, SEC);
	assert_int_equal(ncap_tun, 1);
	/* unsolicited Map-Notify: 198.51.100.5 is now at 192.0.2.2 */
	size_t n =
	    mk_notify(out, sizeof(out), 0xabcdef, "198.51.100.5/32", "192.0.2.2", 1440, k, NULL, 0);
	struct ipaddr ms = A("192.0.2.100"), nr = A("192.0.2.2");
	cap_reset();
	xtr_control_input(x, &ms, 4342, NULL, out, n, 2 * SEC);
	/* ack: type 5, same nonce, signed */
	assert_int_equal(ncap_ctl, 1);
	assert_int_equal(cap_ctl[0].data[0] >> 4, 5);
	struct buf b;
	buf_init_read(&b, cap_ctl[0].data, cap_ctl[0].len);
	assert_int_equal(lisp_map_notify_parse(&b, &ack, NULL), 0);
	assert_int_equal(ack.nonce, 0xabcdef);
	assert_int_equal(lisp_auth_verify(&b, &ack.auth, k, NULL), 0);
	/* database, site hook, map-cache */
	struct ipaddr a5 = A("198.51.100.5");
	assert_null(xtr_db_lookup(x, 0, &a5));
	assert_true(ipaddr_eq(&host_deleted, &a5));
	const struct xtr_entry *e = xtr_cache_lookup(x, 0, &a5);
	assert_non_null(e);
	assert_int_equal(e->src, XTR_SRC_NOTIFY);
	assert_int_equal(xtr_get_stats(x)->moves, 1);
	/* packets still arriving are re-encapsulated to the new site */
	xtr_etr_input(x, &itr, dg, 8 + len, 3 * SEC);
	xtr_flush(x);
	assert_int_equal(ncap_data, 1);
	assert_true(ipaddr_eq(&cap_data[0].dst, &nr));
	/* SMR to the ITR seen recently */
	cap_reset();
	xtr_tick(x, 3 * SEC);
	bool smr = false;
	for (size_t i = 0; i < ncap_ctl; i++)
		if (ipaddr_eq(&cap_ctl[i].dst, &itr) && (cap_ctl[i].data[0] >> 4) == 1 &&
		    (cap_ctl[i].data[0] & 0x01))
			smr = true;
	assert_true(smr);
	lisp_key_free(k);
	xtr_free(x);
}

/* <etr solicit-map-request="false" reencapsulate-moved-away="0"> (the ttl baseline of
 * docs/evaluation.md, had the old site been told): the EID leaves the database, but no SMR
 * goes out and nothing that still arrives for it is re-encapsulated. */
static void t_moved_away_quiet(void **s)
{
	(void)s;
	struct xtr_cfg *c = test_cfg();
	c->smr = false;
	c->moved_away_s = 0;
	struct xtr *x = xtr_new(c, &test_io, 1);
	xtr_cfg_free(c);
	uint8_t buf[300], dg[400];
	size_t len;
	struct ipaddr itr = A("192.0.2.9");
	uint8_t *pk = mk_ip4(buf, "198.51.100.6", "198.51.100.5", 17, 1, 2, 30, false, &len);
	memset(dg, 0, 8);
	dg[0] = 0x80;
	memcpy(dg + 8, pk, len);
	cap_reset();
	xtr_etr_input(x, &itr, dg, 8 + len, SEC);
	assert_int_equal(ncap_tun, 1);
	move_away(x, "198.51.100.5/32", "192.0.2.2", 2 * SEC);
	struct ipaddr a5 = A("198.51.100.5");
	assert_null(xtr_db_lookup(x, 0, &a5));
	cap_reset();
	xtr_etr_input(x, &itr, dg, 8 + len, 3 * SEC);
	xtr_flush(x);
	assert_int_equal(ncap_data, 0);
	for (uint64_t t = 3; t < 6; t++)
		xtr_tick(x, t * SEC);
	for (size_t i = 0; i < ncap_ctl; i++)
		assert_false((cap_ctl[i].data[0] >> 4) == 1 && (cap_ctl[i].data[0] & 0x01));
	assert_int_equal(xtr_get_stats(x)->smr_sent, 0);
	xtr_free(x);
}

/* A mass migration: 20 EIDs move away within one tick; the ITR seen recently gets an SMR
 * for every one of them (the list of changed EIDs grows; it used to hold 16). */
static void t_moved_away_many_smr(void **s)
{
	(void)s;
	static struct lisp_map_request m;
	struct xtr *x = mk();
	uint8_t buf[300], dg[400];
	size_t len;
	struct ipaddr itr = A("192.0.2.9");
	uint8_t *pk = mk_ip4(buf, "198.51.100.6", "198.51.100.5", 17, 1, 2, 30, false, &len);
	memset(dg, 0, 8);
	dg[0] = 0x80;
	memcpy(dg + 8, pk, len);
	xtr_etr_input(x, &itr, dg, 8 + len, SEC);
	xtr_tick(x, SEC);
	enum { N = 20 }; /* each claimed, then moved: 40 changes (the capture holds 64) */
	char eid[32];
	for (int i = 0; i < N; i++) {
		snprintf(eid, sizeof(eid), "198.51.100.%d/32", 100 + i);
		move_away(x, eid, "192.0.2.2", 2 * SEC);
	}
	cap_reset();
	xtr_tick(x, 2 * SEC + 1000);
	bool seen[N] = {false};
	for (size_t i = 0; i < ncap_ctl; i++) {
		if (!ipaddr_eq(&cap_ctl[i].dst, &itr) || (cap_ctl[i].data[0] >> 4) != 1 ||
		    !(cap_ctl[i].data[0] & 0x01))
			continue;
		struct buf b;
		buf_init_read(&b, cap_ctl[i].data, cap_ctl[i].len);
		assert_int_equal(lisp_map_request_parse(&b, &m, NULL), 0);
		assert_true(m.smr);
		int h = m.rec[0].eid.a[3] - 100;
		if (h >= 0 && h < N)
			seen[h] = true;
	}
	for (int i = 0; i < N; i++)
		assert_true(seen[i]);
	xtr_free(x);
}

static void t_smr_in(void **s)
{
	(void)s;
	static struct lisp_map_request m;
	struct lisp_ecm e;
	struct xtr *x = mk();
	install(x, "198.51.100.6/32", XTR_SRC_REPLY, "192.0.2.2", 1, 100, NULL, 0, 0, 1);
	uint8_t q[600];
	struct ipaddr from = A("192.0.2.2");
	size_t n = mk_request(q, sizeof(q), "198.51.100.6/32", false, true, "192.0.2.2");
	xtr_control_input(x, &from, 4342, NULL, q, n, 5 * SEC);
	assert_int_equal(xtr_get_stats(x)->smr_in, 1);
	assert_int_equal(ncap_ctl, 1);
	parse_ecm_req(0, &m, &e);
	assert_true(m.smr_invoked);
	/* the old entry stays until the reply */
	struct ipaddr a6 = A("198.51.100.6");
	assert_int_equal(xtr_cache_lookup(x, 0, &a6)->nloc, 1);
	xtr_free(x);
}

/* ---- fair resolution: one scanning host does not starve another's resolution ---- */
/* The sinks of t_fair_scan: every Map-Request is parsed (EID, nonce, when); encapsulated
 * packets are counted per destination RLOC. */
#define FAIR_RING 8192
static struct {
	uint64_t now;			   /* the test's clock, read by the sinks */
	uint64_t nonce[FAIR_RING];	   /* Map-Requests for A's destinations, to answer */
	struct lisp_prefix eid[FAIR_RING]; /* ... and their EIDs */
	size_t head, tail;
	uint64_t b_nonce, b_sent_at; /* B's Map-Request */
	size_t mreqs, to_b_rloc, to_a_rloc;
} fair;

static int fair_ctl(void *arg, const struct ipaddr *dst, uint16_t dport, const struct ipaddr *src,
		    const void *data, size_t len)
{
	static struct lisp_map_request m;
	struct lisp_ecm e;
	struct buf b;
	(void)arg, (void)dst, (void)dport, (void)src;
	buf_init_read(&b, data, len);
	if (lisp_ecm_parse(&b, &e, NULL) != 0 || lisp_map_request_parse(&e.payload, &m, NULL) != 0)
		return 0;
	fair.mreqs++;
	struct lisp_prefix pb = P("203.0.113.7/32");
	if (prefix_eq(&m.rec[0].eid, &pb)) {
		if (fair.b_nonce == 0)
			fair.b_sent_at = fair.now;
		fair.b_nonce = m.nonce;
	} else if (fair.tail - fair.head < FAIR_RING) {
		fair.eid[fair.tail % FAIR_RING] = m.rec[0].eid;
		fair.nonce[fair.tail++ % FAIR_RING] = m.nonce;
	}
	return 0;
}

static int fair_data(void *arg, const struct ipaddr *src, const struct ipaddr *dst,
		     const uint8_t *hdr, const uint8_t *inner, size_t len)
{
	struct ipaddr rb = A("192.0.2.60"), ra = A("192.0.2.50");
	(void)arg, (void)src, (void)hdr, (void)inner, (void)len;
	fair.to_b_rloc += ipaddr_eq(dst, &rb);
	fair.to_a_rloc += ipaddr_eq(dst, &ra);
	return 0;
}

/* The Map-Resolver answers every Map-Request for A's destinations sent so far: the host
 * -> 192.0.2.50. */
static void fair_answer_a(struct xtr *x, uint64_t now)
{
	uint8_t rep[600];
	char e[PREFIX_STRLEN];
	struct ipaddr mr = A("192.0.2.100");
	while (fair.head < fair.tail) {
		size_t k = fair.head++ % FAIR_RING;
		prefix_str(&fair.eid[k], e, sizeof(e));
		size_t len = mk_reply(rep, sizeof(rep), fair.nonce[k], e, "192.0.2.50", false);
		xtr_control_input(x, &mr, 4342, NULL, rep, len, now);
	}
}

/* One host (A, 198.51.100.5) scans 200,000 destinations at 20,000 packets/s (the Map-Request
 * budget is 100/s with a burst of 200, the packet pool 512: defaults); 5 s in, another host
 * (B, 198.51.100.50) sends one packet to a new destination. B's Map-Request leaves by the
 * first tick after its packet (before: ~6 s later or never), the reply releases B's packet to
 * its RLOC, the budget holds, and A's misses beyond its share are dropped and counted
 * without costing B anything. pending_max: the pending table (A fills the default 1,024 in
 * 51 ms; a large one leaves A the budget alone to take). after_tick: when B's packet comes
 * after a tick (30 ms: budget left since it; 0: the tick has just spent it on A's waiting
 * requests, so B's waits for the next tick's turns). */
static void fair_scan(uint32_t pending_max, uint64_t after_tick)
{
	struct xtr_cfg *c = test_cfg();
	c->nms = 0;
	c->pending_max = pending_max;
	struct xtr_io io = test_io;
	io.ctl_send = fair_ctl;
	io.data_send = fair_data;
	memset(&fair, 0, sizeof(fair));
	const uint64_t t0 = SEC, step = SEC / 20000, tick = SEC / 10;
	struct xtr *x = xtr_new(c, &io, t0);
	xtr_cfg_free(c);
	assert_non_null(x);
	/* B between two of A's packets, after_tick after a tick */
	uint64_t next_tick = t0 + tick, t_b = t0 + 5 * SEC + after_tick + step / 2;
	bool b_sent = false;
	for (uint32_t i = 0; i < 200000; i++) {
		uint64_t now = t0 + i * step;
		while (now >= next_tick) {
			fair.now = next_tick;
			fair_answer_a(x, next_tick);
			xtr_tick(x, next_tick);
			next_tick += tick;
		}
		if (!b_sent && now >= t_b) {
			fair.now = now;
			itr_ip4(x, "198.51.100.50", "203.0.113.7", 17, 5000, 53, 20, false, now);
			b_sent = true;
		}
		char d[32];
		snprintf(d, sizeof(d), "10.%u.%u.%u", i >> 16, (i >> 8) & 0xff, i & 0xff);
		fair.now = now;
		itr_ip4(x, "198.51.100.5", d, 17, 40000, 80, 20, false, now);
	}
	/* B's Map-Request by the first tick after its packet */
	if (fair.b_nonce == 0)
		fail_msg("pending table %u: B's Map-Request never left", pending_max);
	uint64_t first_tick = t0 + ((t_b - t0) / tick + 1) * tick;
	print_message("pending table %u, B %.0f ms after a tick: its Map-Request left %.1f ms "
		      "after its packet\n",
		      pending_max, (double)after_tick / 1e6, (double)(fair.b_sent_at - t_b) / 1e6);
	if (fair.b_sent_at > first_tick)
		fail_msg("pending table %u: B's Map-Request left %.3f s after its packet",
			 pending_max, (double)(fair.b_sent_at - t_b) / SEC);
	/* ... answered: its packet leaves for its RLOC */
	uint8_t rep[600];
	struct ipaddr mr = A("192.0.2.100");
	size_t len =
	    mk_reply(rep, sizeof(rep), fair.b_nonce, "203.0.113.7/32", "192.0.2.60", false);
	xtr_control_input(x, &mr, 4342, NULL, rep, len, next_tick);
	xtr_flush(x);
	assert_int_equal(fair.to_b_rloc, 1);
	/* A was served too, within the budget (burst + rate x duration) */
	assert_true(fair.to_a_rloc > 500);
	assert_true(fair.mreqs <= 200 + 100 * 11);
	/* A's misses beyond its share: dropped and counted as such */
	assert_true(xtr_get_stats(x)->drops[XTR_DROP_SOURCE_LIMITED] > 0);
	assert_string_equal(xtr_drop_name(XTR_DROP_SOURCE_LIMITED), "itrResolveSourceLimited");
	xtr_free(x);
}

static void t_fair_scan(void **s)
{
	(void)s;
	fair_scan(1024, 30 * (SEC / 1000));
}

static void t_fair_scan_budget(void **s)
{
	(void)s;
	fair_scan(262144, 30 * (SEC / 1000));
}

static void t_fair_scan_turns(void **s)
{
	(void)s;
	fair_scan(1024, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_miss_request_reply),
	    cmocka_unit_test(t_many_outstanding),
	    cmocka_unit_test(t_retransmit_failover),
	    cmocka_unit_test(t_global_rate),
	    cmocka_unit_test(t_answer),
	    cmocka_unit_test(t_probing),
	    cmocka_unit_test(t_probing_reresolve),
	    cmocka_unit_test(t_register),
	    cmocka_unit_test(t_moved_away),
	    cmocka_unit_test(t_moved_away_quiet),
	    cmocka_unit_test(t_moved_away_many_smr),
	    cmocka_unit_test(t_smr_in),
	    cmocka_unit_test(t_fair_scan),
	    cmocka_unit_test(t_fair_scan_budget),
	    cmocka_unit_test(t_fair_scan_turns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
