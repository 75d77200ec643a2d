/* SPDX-License-Identifier: ISC */
/* tests/unit/test_mr_core.c - the Map-Resolver core (mr/core.c) fed with packets, what it
 * sends captured by a sink: forwarding (byte-identical ECM to the longest-match prefix's
 * server, instance IDs), negative Map-Replies (parsed back: nonce, ACT, TTL, prefix, ITR-RLOC
 * and inner source port), the failover state machine (retransmission -> next server, down
 * after N failures, probing after retry-after, back up when answered), reconfiguration,
 * per-source and global rate limits, the per-destination limit of negative replies (no
 * reflection), and every bad-input case with its counter and a
 * rate-limited log line naming the source. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/ratelimit.h"
#include "mr/mr.h"
#include "proto/lisp_msg.h"

#define SEC NSEC_PER_SEC

/* ---------------------------------------------------------------- sink */
struct sent {
	struct ipaddr dst, src;
	uint16_t port;
	size_t len;
	uint8_t data[1500];
};
static struct sent sent[64];
static size_t nsent;
static int sink_fail;

static int sink(void *arg, const struct ipaddr *dst, uint16_t dport, const struct ipaddr *src,
		const void *data, size_t len)
{
	(void)arg;
	if (sink_fail)
		return -1;
	assert_true(nsent < 64 && len <= sizeof(sent[0].data));
	sent[nsent].dst = *dst;
	sent[nsent].port = dport;
	memset(&sent[nsent].src, 0, sizeof(struct ipaddr));
	if (src)
		sent[nsent].src = *src;
	sent[nsent].len = len;
	memcpy(sent[nsent].data, data, len);
	nsent++;
	return 0;
}

static char lastlog[512];
static unsigned nlogs;
static void log_cap(int pri, const char *msg, void *arg)
{
	(void)pri, (void)arg;
	snprintf(lastlog, sizeof(lastlog), "%s", msg);
	nlogs++;
}

static uint64_t fake_now;
static uint64_t fake_clock(void)
{
	return fake_now;
}

static int setup(void **state)
{
	(void)state;
	nsent = 0;
	sink_fail = 0;
	nlogs = 0;
	lastlog[0] = 0;
	fake_now += 1000 * SEC; /* every test: a fresh log rate-limit window */
	log_set_clock(fake_clock);
	log_set_sink(log_cap, NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	log_set_sink(NULL, NULL);
	return 0;
}

static struct ipaddr ip(const char *s)
{
	struct ipaddr a;
	if (ipaddr_parse(s, &a) != 0)
		fail_msg("bad address in test: %s", s);
	return a;
}

static struct lisp_prefix pfx(const char *s)
{
	struct lisp_prefix p;
	if (prefix_parse(s, &p, false) != 0)
		fail_msg("bad prefix in test: %s", s);
	return p;
}

/* Table: 198.51.100.0/24 -> A, B; 2001:db8:100::/64 -> ::1; [42]198.51.100.0/24 -> C:5000. */
static struct mr *core(struct mr_cfg *c)
{
	struct mr_cfg d;
	if (c == NULL) {
		mr_cfg_defaults(&d);
		c = &d;
	}
	c->prefix = calloc(3, sizeof(*c->prefix));
	c->nprefix = 3;
	c->prefix[0].eid = pfx("198.51.100.0/24");
	c->prefix[0].nservers = 2;
	c->prefix[0].srv[0] = (struct mr_endpoint){ip("192.0.2.1"), 4342};
	c->prefix[0].srv[1] = (struct mr_endpoint){ip("192.0.2.2"), 4342};
	c->prefix[1].eid = pfx("2001:db8:100::/64");
	c->prefix[1].nservers = 1;
	c->prefix[1].srv[0] = (struct mr_endpoint){ip("::1"), 4342};
	c->prefix[2].eid = pfx("[42]198.51.100.0/24");
	c->prefix[2].nservers = 1;
	c->prefix[2].srv[0] = (struct mr_endpoint){ip("192.0.2.3"), 5000};
	struct mr *mr = mr_new(c, sink, NULL, fake_now);
	free(c->prefix);
	c->prefix = NULL;
	assert_non_null(mr);
	return mr;
}

/* ---------------------------------------------------------------- packets */
struct pkt {
	uint8_t b[1500];
	size_t len;
};

static size_t build_req(uint8_t *out, size_t cap, uint64_t nonce, const char *eid, uint32_t iid,
			const char *itr1, const char *itr2)
{
	static struct lisp_map_request m;
	struct buf w;
	struct ipaddr a;

	memset(&m, 0, sizeof(m));
	m.nonce = nonce;
	m.n_itr_rlocs = 1;
	a = ip(itr1);
	lisp_addr_from_ip(&m.itr_rlocs[0], &a);
	if (itr2) {
		a = ip(itr2);
		lisp_addr_from_ip(&m.itr_rlocs[1], &a);
		m.n_itr_rlocs = 2;
	}
	m.nrec = 1;
	a = ip(eid);
	prefix_from_addr(&m.rec[0].eid, iid, &a);
	m.rec[0].eid_lcaf_iid = iid != 0;
	m.rec[0].iid_mlen = iid ? 32 : 0;
	buf_init_write(&w, out, cap);
	assert_int_equal(lisp_map_request_build(&w, &m, NULL), 0);
	return buf_len(&w);
}

/* ECM around a Map-Request: inner src = ITR, inner dst = EID (same family as the ITR). */
static struct pkt ecm_req(uint64_t nonce, const char *eid, uint32_t iid, const char *itr1,
			  const char *itr2, uint16_t sport)
{
	uint8_t inner[512];
	struct pkt p;
	struct lisp_ecm e = {0};
	struct buf w, r;

	size_t n = build_req(inner, sizeof(inner), nonce, eid, iid, itr1, itr2);
	buf_init_read(&r, inner, n);
	e.inner_src = ip(itr1);
	struct ipaddr d = ip(eid);
	e.inner_dst = d.afi == e.inner_src.afi ? d : e.inner_src;
	e.inner_sport = sport;
	buf_init_write(&w, p.b, sizeof(p.b));
	assert_int_equal(lisp_ecm_build(&w, &e, &r, NULL), 0);
	p.len = buf_len(&w);
	return p;
}

static void feed(struct mr *mr, const struct pkt *p, const char *src, uint64_t now)
{
	struct mr_in in = {
	    .src = ip(src), .sport = 33000, .dport = 4342, .data = p->b, .len = p->len};
	in.dst = ip(in.src.afi == LISP_AFI_IPV4 ? "192.0.2.100" : "2001:db8::100");
	mr_input(mr, &in, now);
}

/* ---------------------------------------------------------------- forwarding */

static void test_forward_unchanged(void **state)
{
	(void)state;
	struct mr *mr = core(NULL);
	struct pkt p =
	    ecm_req(0x1122334455667788ull, "198.51.100.5", 0, "203.0.113.1", NULL, 40001);

	feed(mr, &p, "203.0.113.1", fake_now);
	assert_int_equal(nsent, 1);
	assert_true(ipaddr_eq(&sent[0].dst, &(struct ipaddr){0}) == false);
	struct ipaddr a = ip("192.0.2.1");
	assert_true(ipaddr_eq(&sent[0].dst, &a));
	assert_int_equal(sent[0].port, 4342);
	assert_int_equal(sent[0].len, p.len);
	assert_memory_equal(sent[0].data, p.b, p.len); /* nonce, ITR-RLOCs, inner port: all kept */
	const struct mr_stats *st = mr_get_stats(mr);
	assert_int_equal(st->forwarded, 1);
	assert_int_equal(st->ecm_requests, 1);
	assert_int_equal(mr_server_at(mr, 0)->forwards, 1);
	assert_int_equal(mr_entry_at(mr, 0)->forwards + mr_entry_at(mr, 1)->forwards +
			     mr_entry_at(mr, 2)->forwards,
			 1);
	mr_free(mr);
}

struct fwd_case {
	const char *name;
	const char *eid;
	uint32_t iid;
	const char *itr;
	const char *to;
	uint16_t port;
};

static const struct fwd_case fwd_cases[] = {
    {"v4 eid, v4 itr", "198.51.100.200", 0, "203.0.113.1", "192.0.2.1", 4342},
    {"v6 eid, v6 itr", "2001:db8:100::5", 0, "2001:db8:ffff::1", "::1", 4342},
    {"v6 eid, v4 itr", "2001:db8:100::ffff", 0, "203.0.113.1", "::1", 4342},
    {"instance 42", "198.51.100.5", 42, "203.0.113.1", "192.0.2.3", 5000},
};

static void test_forward_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(fwd_cases) / sizeof(fwd_cases[0]); i++) {
		const struct fwd_case *c = &fwd_cases[i];
		struct mr *mr = core(NULL);
		nsent = 0;
		struct pkt p = ecm_req(i + 1, c->eid, c->iid, c->itr, NULL, 1234);
		feed(mr, &p, c->itr, fake_now);
		if (nsent != 1)
			fail_msg("%s: %zu packets sent", c->name, nsent);
		struct ipaddr to = ip(c->to);
		if (!ipaddr_eq(&sent[0].dst, &to) || sent[0].port != c->port)
			fail_msg("%s: sent to the wrong server", c->name);
		assert_memory_equal(sent[0].data, p.b, p.len);
		mr_free(mr);
	}
}

/* ---------------------------------------------------------------- negative replies */

struct neg_case {
	const char *name;
	const char *eid;
	uint32_t iid;
	const char *itr1, *itr2, *outer_src;
	const char *reply_to;
	const char *prefix;
};

static const struct neg_case neg_cases[] = {
    {"v4 non-LISP", "203.0.113.9", 0, "192.0.2.77", NULL, "192.0.2.77", "192.0.2.77",
     "200.0.0.0/5"},
    {"v4 next to the prefix", "198.51.101.1", 0, "192.0.2.77", NULL, "192.0.2.77", "192.0.2.77",
     "198.51.101.0/24"},
    {"v6 non-LISP", "2001:db8:200::1", 0, "2001:db8::77", NULL, "2001:db8::77", "2001:db8::77",
     "2001:db8:200::/39"},
    {"empty instance", "198.51.100.5", 7, "192.0.2.77", NULL, "192.0.2.77", "192.0.2.77",
     "[7]0.0.0.0/0"},
    {"instance 42 outside", "10.0.0.1", 42, "192.0.2.77", NULL, "192.0.2.77", "192.0.2.77",
     "[42]0.0.0.0/1"},
    {"itr-rloc of the outer family (v6)", "203.0.113.9", 0, "192.0.2.77", "2001:db8::77",
     "2001:db8::99", "2001:db8::77", "200.0.0.0/5"},
    {"no itr-rloc of the outer family: first", "203.0.113.9", 0, "192.0.2.77", NULL, "2001:db8::99",
     "192.0.2.77", "200.0.0.0/5"},
};

static void test_negative_replies(void **state)
{
	(void)state;
	static struct lisp_map_reply rep;
	char buf[PREFIX_STRLEN];

	for (size_t i = 0; i < sizeof(neg_cases) / sizeof(neg_cases[0]); i++) {
		const struct neg_case *c = &neg_cases[i];
		struct mr *mr = core(NULL);
		nsent = 0;
		uint64_t nonce = 0xabcdef0000000000ull + i;
		struct pkt p =
		    ecm_req(nonce, c->eid, c->iid, c->itr1, c->itr2, 50000 + (uint16_t)i);
		feed(mr, &p, c->outer_src, fake_now);
		if (nsent != 1)
			fail_msg("%s: %zu packets sent", c->name, nsent);
		struct ipaddr to = ip(c->reply_to);
		if (!ipaddr_eq(&sent[0].dst, &to))
			fail_msg("%s: reply to the wrong ITR-RLOC", c->name);
		assert_int_equal(sent[0].port, 50000 + i); /* the inner UDP source port */
		struct buf r;
		buf_init_read(&r, sent[0].data, sent[0].len);
		assert_int_equal(lisp_map_reply_parse(&r, &rep, NULL), 0);
		assert_int_equal(rep.nonce, nonce);
		assert_int_equal(rep.nrec, 1);
		assert_int_equal(rep.rec[0].nloc, 0);
		assert_int_equal(rep.rec[0].ttl, 15);
		assert_int_equal(rep.rec[0].action, LISP_ACT_NATIVE_FWD);
		assert_false(rep.rec[0].authoritative);
		prefix_str(&rep.rec[0].eid, buf, sizeof(buf));
		if (strcmp(buf, c->prefix) != 0)
			fail_msg("%s: prefix %s, expected %s", c->name, buf, c->prefix);
		assert_int_equal(mr_get_stats(mr)->negative, 1);
		assert_int_equal(mr_get_stats(mr)->forwarded, 0);
		mr_free(mr);
	}
}

/* ---------------------------------------------------------------- failover */

static struct ipaddr srvA, srvB;

static void expect_to(size_t idx, const struct ipaddr *who)
{
	assert_true(nsent > idx);
	assert_true(ipaddr_eq(&sent[idx].dst, who));
}

static void test_failover_state_machine(void **state)
{
	(void)state;
	struct mr_cfg c;
	mr_cfg_defaults(&c);
	c.down_after = 2;
	c.retry_after = 30;
	c.retransmit_window = 5;
	struct mr *mr = core(&c);
	const struct mr_server *A = mr_server_at(mr, 0), *B = mr_server_at(mr, 1);
	uint64_t t = fake_now;
	srvA = ip("192.0.2.1");
	srvB = ip("192.0.2.2");
	assert_true(ipaddr_eq(&A->ep.addr, &srvA));

	struct pkt n1 = ecm_req(1, "198.51.100.5", 0, "203.0.113.1", NULL, 1000);
	struct pkt n2 = ecm_req(2, "198.51.100.6", 0, "203.0.113.1", NULL, 1000);
	struct pkt n3 = ecm_req(3, "198.51.100.7", 0, "203.0.113.1", NULL, 1000);
	struct pkt n4 = ecm_req(4, "198.51.100.8", 0, "203.0.113.1", NULL, 1000);
	struct pkt n5 = ecm_req(5, "198.51.100.9", 0, "203.0.113.1", NULL, 1000);

	feed(mr, &n1, "203.0.113.1", t);
	expect_to(0, &srvA);
	/* the ITR retransmits nonce 1: A did not answer -> B */
	feed(mr, &n1, "203.0.113.1", t + 1 * SEC);
	expect_to(1, &srvB);
	assert_int_equal(A->fails, 1);
	assert_int_equal(A->state, MR_SRV_UP);
	assert_int_equal(mr_get_stats(mr)->retransmits, 1);
	assert_int_equal(mr_get_stats(mr)->failovers, 1);
	/* the same EID from another ITR is another request */
	feed(mr, &n1, "203.0.113.2", t + 1 * SEC);
	expect_to(2, &srvA);
	assert_int_equal(mr_get_stats(mr)->retransmits, 1);
	/* a new request still starts at A; its retransmission is A's second failure: down */
	feed(mr, &n2, "203.0.113.1", t + 2 * SEC);
	expect_to(3, &srvA);
	feed(mr, &n2, "203.0.113.1", t + 3 * SEC);
	expect_to(4, &srvB);
	assert_int_equal(A->state, MR_SRV_DOWN);
	assert_int_equal(A->failures, 2);
	/* A is down: new requests go straight to B */
	feed(mr, &n3, "203.0.113.1", t + 4 * SEC);
	expect_to(5, &srvB);
	/* nobody retransmits: after the window the forwards to B count as answered */
	mr_tick(mr, t + 20 * SEC);
	assert_true(B->answered >= 2);
	assert_int_equal(B->state, MR_SRV_UP);
	assert_int_equal(mr_pending_count(mr), 0);
	/* retry-after (30 s from t+3) passed: A is probed with the next request */
	feed(mr, &n4, "203.0.113.1", t + 34 * SEC);
	expect_to(6, &srvA);
	assert_int_equal(A->state, MR_SRV_PROBING);
	/* the probe fails: down again at once, retransmission to B */
	feed(mr, &n4, "203.0.113.1", t + 35 * SEC);
	expect_to(7, &srvB);
	assert_int_equal(A->state, MR_SRV_DOWN);
	/* not yet retry time (30 s from t+35) */
	feed(mr, &n5, "203.0.113.1", t + 60 * SEC);
	expect_to(8, &srvB);
	mr_tick(mr, t + 64 * SEC);
	/* probe again and this time it is answered (no retransmission) -> up */
	struct pkt n6 = ecm_req(6, "198.51.100.10", 0, "203.0.113.1", NULL, 1000);
	feed(mr, &n6, "203.0.113.1", t + 66 * SEC);
	expect_to(9, &srvA);
	assert_int_equal(A->state, MR_SRV_PROBING);
	mr_tick(mr, t + 72 * SEC);
	assert_int_equal(A->state, MR_SRV_UP);
	assert_int_equal(A->fails, 0);
	assert_int_equal(A->state_changes, 5); /* down, probing, down, probing, up */
	mr_free(mr);
}

static void test_failover_wrap_and_all_down(void **state)
{
	(void)state;
	struct mr_cfg c;
	mr_cfg_defaults(&c);
	c.down_after = 1;
	struct mr *mr = core(&c);
	uint64_t t = fake_now;
	srvA = ip("192.0.2.1");
	srvB = ip("192.0.2.2");
	struct pkt n1 = ecm_req(11, "198.51.100.5", 0, "203.0.113.1", NULL, 1000);

	feed(mr, &n1, "203.0.113.1", t);
	expect_to(0, &srvA);
	feed(mr, &n1, "203.0.113.1", t + 1 * SEC); /* A down */
	expect_to(1, &srvB);
	feed(mr, &n1, "203.0.113.1", t + 2 * SEC); /* B down too: all down, wrap to A */
	expect_to(2, &srvA);
	assert_int_equal(mr_server_at(mr, 0)->state, MR_SRV_DOWN);
	assert_int_equal(mr_server_at(mr, 1)->state, MR_SRV_DOWN);
	assert_int_equal(mr_get_stats(mr)->all_down, 1);
	/* a retransmission after the window is a new request (first choice again) */
	mr_tick(mr, t + 100 * SEC);
	struct pkt n2 = ecm_req(12, "198.51.100.5", 0, "203.0.113.1", NULL, 1000);
	feed(mr, &n2, "203.0.113.1", t + 101 * SEC);
	expect_to(3, &srvA);
	/* the forward to A at t+2 was not retransmitted: A answered it, A is up, B is not */
	assert_int_equal(mr_server_at(mr, 0)->state, MR_SRV_UP);
	assert_int_equal(mr_server_at(mr, 1)->state, MR_SRV_DOWN);
	mr_free(mr);
}

static void test_failover_new_nonce(void **state)
{
	(void)state;
	struct mr_cfg c;
	mr_cfg_defaults(&c);
	c.down_after = 1;
	struct mr *mr = core(&c);
	uint64_t t = fake_now;
	srvA = ip("192.0.2.1");
	srvB = ip("192.0.2.2");
	struct pkt a1 = ecm_req(101, "198.51.100.5", 0, "203.0.113.1", NULL, 1000);
	struct pkt a2 = ecm_req(102, "198.51.100.5", 0, "203.0.113.1", NULL, 1000);
	struct pkt other = ecm_req(103, "198.51.100.99", 0, "203.0.113.1", NULL, 1000);

	feed(mr, &a1, "203.0.113.1", t);
	expect_to(0, &srvA);
	/* another EID from the same ITR is not a retransmission */
	feed(mr, &other, "203.0.113.1", t + SEC / 2);
	expect_to(1, &srvA);
	assert_int_equal(mr_get_stats(mr)->retransmits, 0);
	/* the same EID with a fresh nonce (lisp-query style) is */
	feed(mr, &a2, "203.0.113.1", t + SEC);
	expect_to(2, &srvB);
	assert_int_equal(mr_get_stats(mr)->retransmits, 1);
	assert_int_equal(mr_server_at(mr, 0)->state, MR_SRV_DOWN);
	assert_memory_equal(sent[2].data, a2.b, a2.len); /* still forwarded unchanged */
	mr_free(mr);
}

static void test_reconfigure_keeps_health(void **state)
{
	(void)state;
	struct mr_cfg c;
	mr_cfg_defaults(&c);
	c.down_after = 1;
	struct mr *mr = core(&c);
	uint64_t t = fake_now;
	struct pkt n1 = ecm_req(21, "198.51.100.5", 0, "203.0.113.1", NULL, 1000);
	feed(mr, &n1, "203.0.113.1", t);
	feed(mr, &n1, "203.0.113.1", t + SEC);
	assert_int_equal(mr_server_at(mr, 0)->state, MR_SRV_DOWN);

	/* new table: only 10.0.0.0/8 -> B, A (A keeps its down state) */
	struct mr_cfg n;
	mr_cfg_defaults(&n);
	n.prefix = calloc(1, sizeof(*n.prefix));
	n.nprefix = 1;
	n.prefix[0].eid = pfx("10.0.0.0/8");
	n.prefix[0].nservers = 2;
	n.prefix[0].srv[0] = (struct mr_endpoint){ip("192.0.2.2"), 4342};
	n.prefix[0].srv[1] = (struct mr_endpoint){ip("192.0.2.1"), 4342};
	assert_int_equal(mr_reconfigure(mr, &n, t + 2 * SEC), 0);
	free(n.prefix);
	assert_int_equal(mr_nentries(mr), 1);
	assert_int_equal(mr_nservers(mr), 2);
	assert_int_equal(mr_server_at(mr, 1)->state, MR_SRV_DOWN);
	assert_int_equal(mr_server_at(mr, 1)->forwards, 1);
	/* 198.51.100.5 is now non-LISP space */
	nsent = 0;
	feed(mr, &n1, "203.0.113.1", t + 3 * SEC);
	assert_int_equal(mr_get_stats(mr)->negative, 1);
	/* duplicate prefixes are refused and nothing changes */
	mr_cfg_defaults(&n);
	n.prefix = calloc(2, sizeof(*n.prefix));
	n.nprefix = 2;
	for (int i = 0; i < 2; i++) {
		n.prefix[i].eid = pfx("10.0.0.0/8");
		n.prefix[i].nservers = 1;
		n.prefix[i].srv[0] = (struct mr_endpoint){ip("192.0.2.9"), 4342};
	}
	assert_int_equal(mr_reconfigure(mr, &n, t + 4 * SEC), -1);
	free(n.prefix);
	assert_int_equal(mr_nentries(mr), 1);
	mr_free(mr);
}

/* ---------------------------------------------------------------- rate limits */

static void test_rate_limit_source(void **state)
{
	(void)state;
	struct mr_cfg c;
	mr_cfg_defaults(&c);
	c.rl_src_rate = 1;
	c.rl_src_burst = 3;
	struct mr *mr = core(&c);
	uint64_t t = fake_now;
	struct pkt p = ecm_req(31, "203.0.113.9", 0, "192.0.2.77", NULL, 1000);

	for (int i = 0; i < 5; i++)
		feed(mr, &p, "192.0.2.77", t);
	assert_int_equal(nsent, 3);
	assert_int_equal(mr_get_stats(mr)->drops[MR_DROP_RATE_SOURCE], 2);
	feed(mr, &p, "192.0.2.78", t); /* another source has its own bucket */
	assert_int_equal(nsent, 4);
	feed(mr, &p, "192.0.2.77", t + 1 * SEC); /* one token back after a second */
	assert_int_equal(nsent, 5);
	feed(mr, &p, "192.0.2.77", t + 1 * SEC);
	assert_int_equal(mr_get_stats(mr)->drops[MR_DROP_RATE_SOURCE], 3);
	assert_int_equal(mr_get_stats(mr)->rx, 8);
	mr_free(mr);
}

/* No reflection: the ITR-RLOC inside an ECM is not authenticated either. A burst of
 * Map-Requests for non-LISP space naming one victim, from many sources, gets the victim at
 * most the bucket's worth of negative replies, while another ITR-RLOC is still answered and
 * forwards to a Map-Server are not limited here (the Map-Server limits its answers). */
static void test_rate_limit_destination(void **state)
{
	(void)state;
	struct mr_cfg c;
	mr_cfg_defaults(&c);
	c.rl_dst_rate = 10;
	c.rl_dst_burst = 20;
	struct mr *mr = core(&c);
	uint64_t t = fake_now;
	struct pkt p = ecm_req(41, "203.0.113.9", 0, "192.0.2.66", NULL, 1000);
	struct ipaddr victim = ip("192.0.2.66");
	char src[32];
	size_t to_victim = 0;

	for (int i = 0; i < 100; i++) {
		snprintf(src, sizeof(src), "10.9.0.%d", i + 1);
		size_t before = nsent;
		feed(mr, &p, src, t);
		if (nsent > before) {
			assert_true(ipaddr_eq(&sent[before].dst, &victim));
			to_victim++;
		}
		nsent = nsent > 60 ? 0 : nsent; /* the sink holds 64 */
	}
	assert_int_equal(to_victim, 20);
	assert_int_equal(mr_get_stats(mr)->negative, 20);
	assert_int_equal(mr_get_stats(mr)->drops[MR_DROP_RATE_DESTINATION], 80);
	assert_true(strstr(lastlog, "192.0.2.66: negative Map-Reply to this ITR-RLOC refused") !=
		    NULL);
	/* another ITR-RLOC is answered */
	nsent = 0;
	struct pkt q = ecm_req(42, "203.0.113.9", 0, "192.0.2.67", NULL, 1000);
	feed(mr, &q, "10.9.1.1", t);
	assert_int_equal(nsent, 1);
	struct ipaddr other = ip("192.0.2.67");
	assert_true(ipaddr_eq(&sent[0].dst, &other));
	/* a forward naming the victim still goes to the Map-Server */
	struct pkt fw = ecm_req(43, "198.51.100.5", 0, "192.0.2.66", NULL, 1000);
	feed(mr, &fw, "10.9.1.2", t);
	assert_int_equal(nsent, 2);
	assert_int_equal(mr_get_stats(mr)->forwarded, 1);
	/* an IPv4-mapped IPv6 ITR-RLOC is the same victim */
	struct pkt m = ecm_req(44, "203.0.113.9", 0, "::ffff:192.0.2.66", NULL, 1000);
	feed(mr, &m, "10.9.1.3", t);
	assert_int_equal(nsent, 2);
	assert_int_equal(mr_get_stats(mr)->drops[MR_DROP_RATE_DESTINATION], 81);
	/* a second later: the rate (10) more */
	nsent = 0;
	for (int i = 0; i < 30; i++) {
		snprintf(src, sizeof(src), "10.9.2.%d", i + 1);
		feed(mr, &p, src, t + SEC);
	}
	assert_int_equal(nsent, 10);
	size_t tracked;
	uint64_t evicted;
	mr_reply_limit_stats(mr, &tracked, &evicted);
	assert_int_equal(tracked, 2);
	assert_int_equal(evicted, 0);
	/* per-destination 0: no limit (a reconfiguration with new limits) */
	c.rl_dst_rate = 0;
	c.prefix = NULL;
	c.nprefix = 0;
	assert_int_equal(mr_reconfigure(mr, &c, t + SEC), 0);
	nsent = 0;
	for (int i = 0; i < 50; i++) {
		snprintf(src, sizeof(src), "10.9.3.%d", i + 1);
		feed(mr, &p, src, t + SEC);
	}
	assert_int_equal(nsent, 50);
	mr_free(mr);
}

/* The defaults defend too: 1000 requests from 1000 sources naming one victim get it the
 * default burst (400) of negative replies. */
static void test_rate_limit_destination_default(void **state)
{
	(void)state;
	struct mr *mr = core(NULL);
	struct pkt p = ecm_req(45, "203.0.113.9", 0, "192.0.2.66", NULL, 1000);
	char src[32];
	size_t replies = 0;

	for (int i = 0; i < 1000; i++) {
		snprintf(src, sizeof(src), "10.9.%d.%d", i / 250, i % 250 + 1);
		feed(mr, &p, src, fake_now);
		replies += nsent;
		nsent = 0;
	}
	assert_int_equal(replies, 400);
	mr_free(mr);
}

static void test_rate_limit_global(void **state)
{
	(void)state;
	struct mr_cfg c;
	mr_cfg_defaults(&c);
	c.rl_global_rate = 2;
	c.rl_global_burst = 2;
	struct mr *mr = core(&c);
	uint64_t t = fake_now;
	struct pkt p = ecm_req(32, "203.0.113.9", 0, "192.0.2.77", NULL, 1000);
	const char *srcs[] = {"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"};

	for (int i = 0; i < 4; i++)
		feed(mr, &p, srcs[i], t);
	assert_int_equal(nsent, 2);
	assert_int_equal(mr_get_stats(mr)->drops[MR_DROP_RATE_GLOBAL], 2);
	feed(mr, &p, srcs[3], t + SEC);
	assert_int_equal(nsent, 3);
	/* rate 0 disables the limit */
	mr_cfg_defaults(&c);
	c.rl_global_rate = 0;
	c.rl_src_rate = 0;
	mr_free(mr);
	mr = core(&c);
	nsent = 0;
	for (int i = 0; i < 50; i++)
		feed(mr, &p, srcs[0], t);
	assert_int_equal(nsent, 50);
	mr_free(mr);
}

/* ---------------------------------------------------------------- bad input */

enum mut {
	M_NONE,
	M_EMPTY,
	M_RAW,	      /* use raw bytes */
	M_TRUNC_ECM,  /* cut to len bytes */
	M_INNER_VER,  /* inner IP version 5 */
	M_INNER_PORT, /* inner UDP dst port 4341 */
	M_INNER_CSUM, /* IPv4 header checksum broken */
	M_INNER_PROTO,
	M_TRAILING,
	M_INNER_REPLY, /* a Map-Reply inside the ECM */
	M_INNER_TRUNC, /* the inner Map-Request cut short */
	M_LISP_SEC,    /* S bit */
};

struct bad_case {
	const char *name;
	enum mut mut;
	size_t arg;
	uint8_t raw[8];
	size_t rawlen;
	enum mr_drop drop;
	int ecm_err, req_err; /* expected error counters (0 = none) */
};

static const struct bad_case bad_cases[] = {
    {"empty datagram", M_EMPTY, 0, {0}, 0, MR_DROP_EMPTY, 0, 0},
    {"unknown type 9", M_RAW, 0, {0x90, 0, 0, 0}, 4, MR_DROP_UNKNOWN_TYPE, 0, 0},
    {"unknown type 15", M_RAW, 0, {0xf0}, 1, MR_DROP_UNKNOWN_TYPE, 0, 0},
    {"reserved type 0", M_RAW, 0, {0x00, 1, 2}, 3, MR_DROP_UNKNOWN_TYPE, 0, 0},
    {"map-reply to the MR", M_RAW, 0, {0x20, 0, 0, 1}, 4, MR_DROP_UNEXPECTED_TYPE, 0, 0},
    {"map-register to the MR", M_RAW, 0, {0x30, 0, 0, 1}, 4, MR_DROP_UNEXPECTED_TYPE, 0, 0},
    {"map-notify to the MR", M_RAW, 0, {0x40}, 1, MR_DROP_UNEXPECTED_TYPE, 0, 0},
    {"plain map-request", M_NONE, 1, {0}, 0, MR_DROP_PLAIN_REQUEST, 0, 0},
    {"ecm header only", M_TRUNC_ECM, 4, {0}, 0, MR_DROP_ECM_INVALID, PERR_TRUNCATED, 0},
    {"ecm header cut", M_TRUNC_ECM, 2, {0}, 0, MR_DROP_ECM_INVALID, PERR_TRUNCATED, 0},
    {"ecm inner ip cut", M_TRUNC_ECM, 14, {0}, 0, MR_DROP_ECM_INVALID, PERR_TRUNCATED, 0},
    {"ecm truncated in the request",
     M_TRUNC_ECM,
     40,
     {0},
     0,
     MR_DROP_ECM_INVALID,
     PERR_BAD_INNER,
     0},
    {"ecm inner ip version 5", M_INNER_VER, 0, {0}, 0, MR_DROP_ECM_INVALID, PERR_BAD_INNER, 0},
    {"ecm inner udp port 4341", M_INNER_PORT, 0, {0}, 0, MR_DROP_ECM_INVALID, PERR_BAD_INNER, 0},
    {"ecm inner ipv4 checksum", M_INNER_CSUM, 0, {0}, 0, MR_DROP_ECM_INVALID, PERR_BAD_INNER, 0},
    {"ecm inner protocol tcp", M_INNER_PROTO, 0, {0}, 0, MR_DROP_ECM_INVALID, PERR_BAD_INNER, 0},
    {"ecm trailing bytes", M_TRAILING, 0, {0}, 0, MR_DROP_ECM_INVALID, PERR_BAD_INNER, 0},
    {"ecm lisp-sec", M_LISP_SEC, 0, {0}, 0, MR_DROP_ECM_INVALID, PERR_BAD_VALUE, 0},
    {"ecm carrying a map-reply", M_INNER_REPLY, 0, {0}, 0, MR_DROP_INNER_NOT_REQUEST, 0, 0},
    {"ecm carrying a cut map-request",
     M_INNER_TRUNC,
     0,
     {0},
     0,
     MR_DROP_REQUEST_INVALID,
     0,
     PERR_TRUNCATED},
};

static struct pkt ecm_around(const uint8_t *inner, size_t n)
{
	struct pkt p;
	struct lisp_ecm e = {0};
	struct buf w, r;
	buf_init_read(&r, inner, n);
	e.inner_src = ip("203.0.113.1");
	e.inner_dst = ip("198.51.100.5");
	e.inner_sport = 999;
	buf_init_write(&w, p.b, sizeof(p.b));
	assert_int_equal(lisp_ecm_build(&w, &e, &r, NULL), 0);
	p.len = buf_len(&w);
	return p;
}

static void fix_ipv4_csum(uint8_t *h)
{
	uint32_t sum = 0;
	h[10] = h[11] = 0;
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	h[10] = (uint8_t)(~sum >> 8);
	h[11] = (uint8_t)~sum;
}

static struct pkt bad_packet(const struct bad_case *c)
{
	struct pkt p = ecm_req(77, "198.51.100.5", 0, "203.0.113.1", NULL, 999);
	uint8_t inner[512];
	size_t n;

	switch (c->mut) {
	case M_EMPTY:
		p.len = 0;
		break;
	case M_RAW:
		memcpy(p.b, c->raw, c->rawlen);
		p.len = c->rawlen;
		break;
	case M_NONE: /* plain: the inner Map-Request alone */
		p.len = build_req(p.b, sizeof(p.b), 77, "198.51.100.5", 0, "203.0.113.1", NULL);
		break;
	case M_TRUNC_ECM:
		p.len = c->arg;
		break;
	case M_INNER_VER:
		p.b[4] = 0x55;
		break;
	case M_INNER_PORT:
		p.b[4 + 20 + 3] = 0xe5; /* 4342 = 0x10f6 -> 0x10e5 */
		break;
	case M_INNER_CSUM:
		p.b[4 + 10] ^= 0xff;
		break;
	case M_INNER_PROTO:
		p.b[4 + 9] = 6;
		fix_ipv4_csum(p.b + 4); /* only the protocol is wrong */
		break;
	case M_TRAILING:
		p.b[p.len++] = 0;
		break;
	case M_LISP_SEC:
		p.b[0] |= 0x08;
		break;
	case M_INNER_REPLY: {
		static struct lisp_map_reply rep;
		struct buf w;
		memset(&rep, 0, sizeof(rep));
		rep.nonce = 1;
		rep.nrec = 1;
		rep.rec[0].ttl = 1;
		lisp_record_set_eid(&rep.rec[0],
				    &(struct lisp_prefix){.afi = LISP_AFI_IPV4, .plen = 8});
		buf_init_write(&w, inner, sizeof(inner));
		assert_int_equal(lisp_map_reply_build(&w, &rep, NULL), 0);
		p = ecm_around(inner, buf_len(&w));
		break;
	}
	case M_INNER_TRUNC:
		n = build_req(inner, sizeof(inner), 77, "198.51.100.5", 0, "203.0.113.1", NULL);
		p = ecm_around(inner, n - 3);
		break;
	}
	return p;
}

static void test_bad_input(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct mr *mr = core(NULL);
		struct pkt p = bad_packet(c);
		char src[32];
		nsent = 0;
		nlogs = 0;
		snprintf(src, sizeof(src), "192.0.2.%zu", 100 + i);
		feed(mr, &p, src, fake_now);
		const struct mr_stats *st = mr_get_stats(mr);
		if (nsent != 0)
			fail_msg("%s: something was sent", c->name);
		if (st->drops[c->drop] != 1)
			fail_msg("%s: counter %s is %llu", c->name, mr_drop_name(c->drop),
				 (unsigned long long)st->drops[c->drop]);
		uint64_t total = 0;
		for (int d = 0; d < MR_DROP__COUNT; d++)
			total += st->drops[d];
		assert_int_equal(total, 1);
		if (c->ecm_err && st->ecm_err[c->ecm_err] != 1)
			fail_msg("%s: ecm error %s not counted", c->name,
				 proto_err_name(c->ecm_err));
		if (c->req_err && st->req_err[c->req_err] != 1)
			fail_msg("%s: request error %s not counted", c->name,
				 proto_err_name(c->req_err));
		if (nlogs != 1 || strstr(lastlog, src) == NULL ||
		    strstr(lastlog, mr_drop_name(c->drop)) == NULL)
			fail_msg("%s: log line '%s' does not name the source and reason", c->name,
				 lastlog);
		mr_free(mr);
	}
}

static void test_bad_input_log_rate_limited(void **state)
{
	(void)state;
	struct mr *mr = core(NULL);
	struct pkt p = {.b = {0x90}, .len = 1};

	for (int i = 0; i < 100; i++)
		feed(mr, &p, "192.0.2.250", fake_now);
	assert_int_equal(mr_get_stats(mr)->drops[MR_DROP_UNKNOWN_TYPE], 100);
	assert_true(nlogs >= 1 && nlogs <= 10);
	mr_free(mr);
}

static void test_send_error_counted(void **state)
{
	(void)state;
	struct mr *mr = core(NULL);
	struct pkt p = ecm_req(5, "198.51.100.5", 0, "203.0.113.1", NULL, 1000);
	sink_fail = 1;
	feed(mr, &p, "203.0.113.1", fake_now);
	assert_int_equal(mr_get_stats(mr)->drops[MR_DROP_SEND_ERROR], 1);
	assert_int_equal(mr_get_stats(mr)->forwarded, 0);
	assert_int_equal(mr_server_at(mr, 0)->forwards, 0);
	mr_free(mr);
}

static void test_names(void **state)
{
	(void)state;
	for (int d = 0; d < MR_DROP__COUNT; d++)
		assert_string_not_equal(mr_drop_name((enum mr_drop)d), "unknown");
	assert_string_equal(mr_drop_name(MR_DROP__COUNT), "unknown");
	assert_string_equal(mr_srv_state_name(MR_SRV_PROBING), "probing");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_forward_unchanged),
	    T(test_forward_table),
	    T(test_negative_replies),
	    T(test_failover_state_machine),
	    T(test_failover_wrap_and_all_down),
	    T(test_failover_new_nonce),
	    T(test_reconfigure_keeps_health),
	    T(test_rate_limit_source),
	    T(test_rate_limit_global),
	    T(test_rate_limit_destination),
	    T(test_rate_limit_destination_default),
	    T(test_bad_input),
	    T(test_bad_input_log_rate_limited),
	    T(test_send_error_counted),
	    T(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
