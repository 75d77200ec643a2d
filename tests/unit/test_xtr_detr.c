/* SPDX-License-Identifier: ISC */
/* tests/unit/test_xtr_detr.c - lisp-xtrd mode="representative" (xtr/detr.c + the D-ETR
 * branch of xtr/data.c): BGP events -> map-cache (install, replace by a newer map version,
 * ignore an older one, 12-bit serial wrap, unversioned = last received, withdraw with
 * fallback to another peer, graceful-restart stale keep and purge, session loss without
 * GR), the ETR decision (re-encapsulate / resolve / drop), decapsulation + re-encapsulation,
 * the PITR path, the fallback Map-Request with the packet held then released by BGP, a
 * negative answer dropped inside the aggregate; and the two site-mode fixes: an EID made
 * local by a control-plane fact (xtr_claim_eid) and a re-encapsulation back to the sender
 * refused (migration back). And the D-ETR's speaker across reloads (xtr_detr_bgp_*), with a
 * real session over loopback: a peer added keeps the speaker, the session and the mapping;
 * a refused reload (listener change) changes nothing, not even the peer added with it; a
 * peer removed takes its mapping away through withdrawals; <bgp> removed and added again.
 * Tenants: one D-ETR serving instance IDs 1 and 2 with the same EID in each - mappings kept
 * apart by IID (foreign IIDs and a unicast fn 3 of a tenant ignored), re-encapsulated with
 * the right IID in the LISP header, the PITR's client rules choosing the tenant, a move of
 * one tenant's VM leaving the other's entry alone, the tenants' aggregates registered. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/cli.h"
#include "proto/pkt.h"
#include "tests/unit/bgp_looprig.h"
#include "tests/unit/xtr_testlib.h"
#include "xtr/detr.h"

static struct ipaddr host_added;
static void t_host_add(void *arg, const struct ipaddr *eid)
{
	(void)arg;
	host_added = *eid;
}

/* D-ETR: RLOC 192.0.2.10, aggregates 198.51.100.0/24 and 2001:db8:100::/64, MR .100 */
static struct xtr *mk_detr(void)
{
	struct xtr_cfg *c = test_cfg();
	c->mode = XTR_MODE_REPRESENTATIVE;
	c->rloc[0] = A("192.0.2.10");
	c->rloc[1] = A("2001:db8:ffff::10");
	c->db[0].eid = P("198.51.100.0/24");
	c->db[1].eid = P("2001:db8:100::/64");
	struct xtr *x = xtr_new(c, &test_io, SEC);
	xtr_cfg_free(c);
	assert_non_null(x);
	cap_reset();
	return x;
}

static struct bgp_host_mapping mapping(const char *eid, const char *rloc, uint16_t version)
{
	struct bgp_host_mapping m;
	memset(&m, 0, sizeof(m));
	m.eid = P(eid);
	m.version = version;
	m.ttl = 1440;
	m.n_loc = 1;
	m.loc[0].rloc = A(rloc);
	m.loc[0].priority = 1;
	m.loc[0].weight = 100;
	return m;
}

static void ev_map(struct xtr_detr *d, const char *peer, const char *eid, const char *rloc,
		   uint16_t version)
{
	struct ipaddr pa = A(peer);
	struct bgp_host_mapping m = mapping(eid, rloc, version);
	struct bgp_event ev = {
	    .kind = BGP_EV_MAPPING, .peer_addr = &pa, .eid = &m.eid, .mapping = &m};
	xtr_detr_event(d, &ev, 2 * SEC);
}

/* ev_map with the registration time (ms) the Map-Server announced */
static void ev_map_t(struct xtr_detr *d, const char *peer, const char *rloc, uint16_t version,
		     uint64_t reg_ms)
{
	struct ipaddr pa = A(peer);
	struct bgp_host_mapping m = mapping("198.51.100.5/32", rloc, version);
	m.reg_ms = reg_ms;
	struct bgp_event ev = {
	    .kind = BGP_EV_MAPPING, .peer_addr = &pa, .eid = &m.eid, .mapping = &m};
	xtr_detr_event(d, &ev, 2 * SEC);
}

static void ev_wd(struct xtr_detr *d, const char *peer, const char *eid, bool purged)
{
	struct ipaddr pa = A(peer);
	struct lisp_prefix p = P(eid);
	struct bgp_event ev = {
	    .kind = BGP_EV_WITHDRAWN, .peer_addr = &pa, .eid = &p, .purged = purged};
	xtr_detr_event(d, &ev, 3 * SEC);
}

static void ev_peer(struct xtr_detr *d, const char *peer, enum bgp_ev_kind k)
{
	struct ipaddr pa = A(peer);
	struct bgp_event ev = {.kind = k, .peer_addr = &pa};
	xtr_detr_event(d, &ev, 3 * SEC);
}

/* the map-cache entry of host `eid`: its locator, or NULL when absent */
static const char *rloc_of(struct xtr *x, const char *eid, char *buf)
{
	struct ipaddr a = A(eid);
	struct xtr_entry *e = xtr_cache_lookup(x, 0, &a);
	if (e == NULL || e->nloc == 0)
		return NULL;
	assert_int_equal(e->src, XTR_SRC_BGP);
	assert_true(e->authoritative);
	assert_int_equal(e->expires, 0);
	return ipaddr_str(&xtr_entry_loc(e, 0)->addr, buf, IPADDR_STRLEN);
}

#define PEER1 "192.0.2.14"
#define PEER2 "192.0.2.15"

struct ev_case {
	const char *name;
	void (*run)(struct xtr_detr *d);
	const char *want; /* RLOC of 198.51.100.5 afterwards, NULL = no entry */
	uint64_t installs, withdrawals, ignored, purged;
};

static void run_install(struct xtr_detr *d)
{
	ev_map(d, PEER1, "198.51.100.5/32", "192.0.2.1", 1);
}
static void run_newer(struct xtr_detr *d)
{
	ev_map(d, PEER1, "198.51.100.5/32", "192.0.2.1", 1);
	ev_map(d, PEER2, "198.51.100.5/32", "192.0.2.2", 2);
}
static void run_older(struct xtr_detr *d)
{
	ev_map(d, PEER2, "198.51.100.5/32", "192.0.2.2", 2);
	ev_map(d, PEER1, "198.51.100.5/32", "192.0.2.1", 1);
}
static void run_wrap(struct xtr_detr *d)
{
	/* 12-bit serial arithmetic: 3 is newer than 4094 */
	ev_map(d, PEER1, "198.51.100.5/32", "192.0.2.1", 4094);
	ev_map(d, PEER2, "198.51.100.5/32", "192.0.2.2", 3);
	ev_map(d, PEER1, "198.51.100.5/32", "192.0.2.1", 4094);
}
static void run_unversioned(struct xtr_detr *d)
{
	ev_map(d, PEER1, "198.51.100.5/32", "192.0.2.1", 5);
	ev_map(d, PEER2, "198.51.100.5/32", "192.0.2.2", 0);
}
static void run_same_peer_move(struct xtr_detr *d)
{
	ev_map(d, PEER1, "198.51.100.5/32", "192.0.2.1", 1);
	ev_map(d, PEER1, "198.51.100.5/32", "192.0.2.2", 2);
}
static void run_withdraw_fallback(struct xtr_detr *d)
{
	ev_map(d, PEER1, "198.51.100.5/32", "192.0.2.1", 1);
	ev_map(d, PEER2, "198.51.100.5/32", "192.0.2.2", 2);
	ev_wd(d, PEER2, "198.51.100.5/32", false);
}
static void run_withdraw_all(struct xtr_detr *d)
{
	run_withdraw_fallback(d);
	ev_wd(d, PEER1, "198.51.100.5/32", false);
	ev_wd(d, PEER1, "198.51.100.5/32", false); /* unknown now: nothing */
}
static void run_stale_keep(struct xtr_detr *d)
{
	ev_map(d, PEER1, "198.51.100.5/32", "192.0.2.1", 1);
	ev_peer(d, PEER1, BGP_EV_STALE);
	ev_peer(d, PEER1, BGP_EV_PEER_DOWN);
}
static void run_stale_purge(struct xtr_detr *d)
{
	run_stale_keep(d);
	ev_peer(d, PEER1, BGP_EV_PEER_UP);
	ev_wd(d, PEER1, "198.51.100.5/32", true);
}
static void run_down_no_gr(struct xtr_detr *d)
{
	ev_map(d, PEER1, "198.51.100.5/32", "192.0.2.1", 1);
	ev_map(d, PEER1, "198.51.100.6/32", "192.0.2.1", 1);
	ev_peer(d, PEER1, BGP_EV_PEER_DOWN);
}
static void run_down_other_peer(struct xtr_detr *d)
{
	ev_map(d, PEER1, "198.51.100.5/32", "192.0.2.1", 1);
	ev_map(d, PEER2, "198.51.100.5/32", "192.0.2.2", 2);
	ev_peer(d, PEER2, BGP_EV_PEER_DOWN);
}
static void run_foreign_iid(struct xtr_detr *d)
{
	ev_map(d, PEER1, "[7]198.51.100.5/32", "192.0.2.1", 1);
}

/* Two Map-Servers briefly disagree during a move (docs/bgp-mappings.md "Ordering"): their
 * map versions are their own counters, the registration time is the registrant's */
static void run_time_beats_version(struct xtr_detr *d)
{
	ev_map_t(d, PEER1, "192.0.2.2", 2, 2000); /* MS 1 has the move (its version 2) */
	ev_map_t(d, PEER2, "192.0.2.1", 9, 1000); /* MS 2 not yet (its version 9) */
}
static void run_time_no_flap_back(struct xtr_detr *d)
{
	ev_map_t(d, PEER2, "192.0.2.1", 9, 1000);
	ev_map_t(d, PEER1, "192.0.2.2", 2, 2000);
	ev_map_t(d, PEER2, "192.0.2.1", 9, 1000);  /* a refresh of the stale one */
	ev_map_t(d, PEER2, "192.0.2.2", 10, 2001); /* MS 2 catches up */
	ev_map_t(d, PEER1, "192.0.2.2", 2, 2000);  /* ... and MS 1 again */
}
static void run_time_tie_order(struct xtr_detr *d) /* the same tie in the other order */
{
	ev_map_t(d, PEER2, "192.0.2.1", 1, 3000);
	ev_map_t(d, PEER1, "192.0.2.2", 1, 3000);
}
static void run_time_tie(struct xtr_detr *d)
{
	ev_map_t(d, PEER1, "192.0.2.2", 1, 3000);
	ev_map_t(d, PEER2, "192.0.2.1", 1, 3000);
}
static void run_time_same_mapping(struct xtr_detr *d)
{
	/* one registration at both Map-Servers: the lower peer's copy stays installed */
	ev_map_t(d, PEER2, "192.0.2.2", 7, 3000);
	ev_map_t(d, PEER1, "192.0.2.2", 3, 3000);
	ev_map_t(d, PEER2, "192.0.2.2", 7, 3000);
}

static const struct ev_case ev_cases[] = {
    {"time-beats-version", run_time_beats_version, "192.0.2.2", 1, 0, 1, 0},
    {"time-no-flap-back", run_time_no_flap_back, "192.0.2.2", 3, 0, 2, 0},
    {"time-tie-fixed-order", run_time_tie_order, "192.0.2.2", 2, 0, 0, 0},
    {"time-tie-fixed-order-reversed", run_time_tie, "192.0.2.2", 1, 0, 1, 0},
    {"time-same-mapping-lower-peer", run_time_same_mapping, "192.0.2.2", 2, 0, 1, 0},
    {"install", run_install, "192.0.2.1", 1, 0, 0, 0},
    {"replace-by-newer-version", run_newer, "192.0.2.2", 2, 0, 0, 0},
    {"ignore-older-version", run_older, "192.0.2.2", 1, 0, 1, 0},
    {"serial-wrap-3-newer-than-4094", run_wrap, "192.0.2.2", 2, 0, 1, 0},
    {"unversioned-last-received", run_unversioned, "192.0.2.2", 2, 0, 0, 0},
    {"same-peer-move", run_same_peer_move, "192.0.2.2", 2, 0, 0, 0},
    {"withdraw-falls-back-to-other-peer", run_withdraw_fallback, "192.0.2.1", 3, 0, 0, 0},
    {"withdraw-last-removes", run_withdraw_all, NULL, 3, 1, 0, 0},
    {"stale-kept-through-peer-down", run_stale_keep, "192.0.2.1", 1, 0, 0, 0},
    {"stale-purged", run_stale_purge, NULL, 1, 1, 0, 1},
    {"peer-down-without-gr-removes", run_down_no_gr, NULL, 2, 2, 0, 0},
    {"peer-down-keeps-other-peer", run_down_other_peer, "192.0.2.1", 3, 0, 0, 0},
    {"foreign-instance-ignored", run_foreign_iid, NULL, 0, 0, 0, 0},
};

static void t_events(void **s)
{
	(void)s;
	for (size_t i = 0; i < sizeof(ev_cases) / sizeof(ev_cases[0]); i++) {
		const struct ev_case *c = &ev_cases[i];
		struct xtr *x = mk_detr();
		struct xtr_detr *d = xtr_detr_new(x);
		char buf[IPADDR_STRLEN];
		assert_non_null(d);
		c->run(d);
		const char *got = rloc_of(x, "198.51.100.5", buf);
		const struct xtr_stats *st = xtr_get_stats(x);
		if ((got == NULL) != (c->want == NULL) || (got && strcmp(got, c->want) != 0))
			fail_msg("%s: RLOC %s, want %s", c->name, got ? got : "none",
				 c->want ? c->want : "none");
		if (st->bgp_installs != c->installs || st->bgp_withdrawals != c->withdrawals ||
		    st->bgp_ignored != c->ignored || st->bgp_purged != c->purged)
			fail_msg("%s: installs %llu withdrawals %llu ignored %llu purged %llu",
				 c->name, (unsigned long long)st->bgp_installs,
				 (unsigned long long)st->bgp_withdrawals,
				 (unsigned long long)st->bgp_ignored,
				 (unsigned long long)st->bgp_purged);
		xtr_detr_free(d);
		xtr_free(x);
	}
}

static void t_entry_fields(void **s)
{
	(void)s;
	struct xtr *x = mk_detr();
	struct xtr_detr *d = xtr_detr_new(x);
	char buf[IPADDR_STRLEN];
	ev_map(d, PEER2, "2001:db8:100::5/128", "192.0.2.2", 77);
	struct ipaddr a = A("2001:db8:100::5");
	struct xtr_entry *e = xtr_cache_lookup(x, 0, &a);
	assert_non_null(e);
	assert_int_equal(e->src, XTR_SRC_BGP);
	assert_string_equal(ipaddr_str(&e->ext->bgp_peer, buf, sizeof(buf)), PEER2);
	assert_int_equal(e->ext->map_version, 77);
	assert_true(e->ext->changed_ms > 1500000000000ULL); /* wall clock, Unix ms */
	assert_string_equal(xtr_src_name(XTR_SRC_BGP), "bgp");
	assert_int_equal(xtr_detr_count(d), 1);
	/* clear map-cache never takes BGP entries; xtr_detr_clear does */
	xtr_detr_clear(d);
	assert_null(xtr_cache_lookup(x, 0, &a));
	assert_int_equal(xtr_detr_count(d), 0);
	xtr_detr_free(d);
	xtr_free(x);
}

static void t_version_newer(void **s)
{
	(void)s;
	assert_true(xtr_map_version_newer(2, 1));
	assert_false(xtr_map_version_newer(1, 2));
	assert_true(xtr_map_version_newer(1, 4095));
	assert_false(xtr_map_version_newer(4095, 1));
	assert_true(xtr_map_version_newer(2048, 1));
	assert_false(xtr_map_version_newer(2049, 1)); /* 2048 apart the other way */
	assert_false(xtr_map_version_newer(7, 7));
}

/* LISP data payload: 8-byte header (N, nonce, no IID) + the inner packet */
static size_t lisp_payload(uint8_t *out, const uint8_t *inner, size_t len)
{
	static const uint8_t h[8] = {0x80, 0x12, 0x34, 0x56, 0, 0, 0, 0};
	memcpy(out, h, 8);
	memcpy(out + 8, inner, len);
	return 8 + len;
}

struct decide_case {
	const char *name;
	const char *dst;
	uint8_t ttl;
	enum xtr_verdict want;
	enum xtr_drop why;
};
static const struct decide_case decide_cases[] = {
    {"bgp-host-reencap", "198.51.100.5", 64, XTR_REENCAP, 0},
    {"bgp-host-v6-reencap", "2001:db8:100::5", 64, XTR_REENCAP, 0},
    {"aggregate-no-host-resolve", "198.51.100.7", 64, XTR_RESOLVE, 0},
    {"outside-aggregate-drop", "203.0.113.1", 64, XTR_DROP, XTR_DROP_ETR_NOT_LOCAL},
    /* outside the aggregate, a mapping the D-ETR merely knows is not its to relay ... */
    {"outside-aggregate-reply-drop", "203.0.113.2", 64, XTR_DROP, XTR_DROP_ETR_NOT_LOCAL},
    {"outside-aggregate-static-drop", "203.0.113.3", 64, XTR_DROP, XTR_DROP_ETR_NOT_LOCAL},
    /* ... a BGP host mapping (the local Map-Server's) is */
    {"outside-aggregate-bgp-reencap", "192.0.2.77", 64, XTR_REENCAP, 0},
    {"ttl-1-loop", "198.51.100.5", 1, XTR_DROP, XTR_DROP_LOOP},
};

static void t_decide(void **s)
{
	(void)s;
	struct xtr *x = mk_detr();
	struct xtr_detr *d = xtr_detr_new(x);
	ev_map(d, PEER1, "198.51.100.5/32", "192.0.2.1", 1);
	ev_map(d, PEER1, "2001:db8:100::5/128", "192.0.2.1", 1);
	ev_map(d, PEER1, "192.0.2.77/32", "192.0.2.1", 1);
	install(x, "203.0.113.2/32", XTR_SRC_REPLY, "192.0.2.2", 1, 100, NULL, 0, 0, SEC);
	install(x, "203.0.113.3/32", XTR_SRC_CONFIG, "192.0.2.2", 1, 100, NULL, 0, 0, SEC);
	for (size_t i = 0; i < sizeof(decide_cases) / sizeof(decide_cases[0]); i++) {
		const struct decide_case *c = &decide_cases[i];
		struct lisp_data_hdr h = {.flags = LISP_DATA_F_N};
		struct pkt_ip ip;
		struct xtr_entry *e = NULL;
		enum xtr_drop why = XTR_DROP__COUNT;
		memset(&ip, 0, sizeof(ip));
		ip.dst = A(c->dst);
		ip.version = ip.dst.afi == LISP_AFI_IPV4 ? 4 : 6;
		ip.ttl = c->ttl;
		enum xtr_verdict v = xtr_etr_decide(x, &h, &ip, &e, &why, 2 * SEC);
		if (v != c->want)
			fail_msg("%s: verdict %d, want %d", c->name, v, c->want);
		if (v == XTR_DROP && why != c->why)
			fail_msg("%s: drop %s", c->name, xtr_drop_name(why));
		if (v == XTR_REENCAP && (e == NULL || e->src != XTR_SRC_BGP))
			fail_msg("%s: no BGP entry", c->name);
	}
	xtr_detr_free(d);
	xtr_free(x);
}

static void t_reencap_and_move(void **s)
{
	(void)s;
	struct xtr *x = mk_detr();
	struct xtr_detr *d = xtr_detr_new(x);
	uint8_t buf[256], pl[256];
	size_t len;
	char a[IPADDR_STRLEN];
	struct ipaddr outside = A("192.0.2.30");

	ev_map(d, PEER1, "198.51.100.5/32", "192.0.2.1", 1);
	uint8_t *p = mk_ip4(buf, "203.0.113.5", "198.51.100.5", 17, 1000, 2000, 10, false, &len);
	size_t n = lisp_payload(pl, p, len);
	xtr_etr_input(x, &outside, pl, n, 5 * SEC);
	xtr_flush(x);
	assert_int_equal(ncap_data, 1);
	assert_int_equal(ncap_tun, 0);
	assert_string_equal(ipaddr_str(&cap_data[0].dst, a, sizeof(a)), "192.0.2.1");
	assert_string_equal(ipaddr_str(&cap_data[0].src, a, sizeof(a)), "192.0.2.10");
	/* inner packet after the 16-byte UDP+LISP header, TTL decremented */
	assert_int_equal(cap_data[0].data[XTR_ENCAP_HLEN + 8], 63);
	assert_memory_equal(cap_data[0].data + XTR_ENCAP_HLEN + 12, p + 12, 8);
	assert_int_equal(xtr_get_stats(x)->reencap, 1);
	/* the VM moves: a new mapping from BGP redirects at once */
	ev_map(d, PEER1, "198.51.100.5/32", "192.0.2.2", 2);
	xtr_etr_input(x, &outside, pl, n, 6 * SEC);
	xtr_flush(x);
	assert_int_equal(ncap_data, 2);
	assert_string_equal(ipaddr_str(&cap_data[1].dst, a, sizeof(a)), "192.0.2.2");
	assert_int_equal(xtr_get_stats(x)->reencap, 2);
	xtr_detr_free(d);
	xtr_free(x);
}

static void t_pitr(void **s)
{
	(void)s;
	struct xtr *x = mk_detr();
	struct xtr_detr *d = xtr_detr_new(x);
	uint8_t buf[256];
	size_t len;
	char a[IPADDR_STRLEN];

	ev_map(d, PEER1, "198.51.100.5/32", "192.0.2.1", 1);
	/* a non-LISP packet routed to the aggregate, read from the TUN */
	uint8_t *p = mk_ip4(buf, "192.0.2.26", "198.51.100.5", 17, 1000, 2000, 10, false, &len);
	xtr_itr_input(x, p, len, 5 * SEC);
	xtr_flush(x);
	assert_int_equal(ncap_data, 1);
	assert_string_equal(ipaddr_str(&cap_data[0].dst, a, sizeof(a)), "192.0.2.1");
	assert_int_equal(xtr_get_stats(x)->encap, 1);
	xtr_detr_free(d);
	xtr_free(x);
}

static void t_fallback(void **s)
{
	(void)s;
	struct xtr *x = mk_detr();
	struct xtr_detr *d = xtr_detr_new(x);
	uint8_t buf[256], pl[256];
	size_t len;
	char a[IPADDR_STRLEN];
	struct ipaddr outside = A("192.0.2.30");

	/* aggregate EID without a host mapping: Map-Request to the local MR, packet held */
	uint8_t *p = mk_ip4(buf, "203.0.113.5", "198.51.100.7", 17, 1000, 2000, 10, false, &len);
	size_t n = lisp_payload(pl, p, len);
	xtr_etr_input(x, &outside, pl, n, 5 * SEC);
	xtr_flush(x);
	assert_int_equal(ncap_data, 0);
	assert_int_equal(ncap_ctl, 1);
	assert_string_equal(ipaddr_str(&cap_ctl[0].dst, a, sizeof(a)), "192.0.2.100");
	assert_int_equal(xtr_get_stats(x)->resolved_fallback, 1);
	assert_int_equal(xtr_get_stats(x)->queued, 1);
	assert_int_equal(xtr_cache_pending(x), 1);
	/* the host mapping arrives by BGP: the held packet leaves to its RLOC */
	ev_map(d, PEER1, "198.51.100.7/32", "192.0.2.2", 1);
	assert_int_equal(ncap_data, 1);
	assert_string_equal(ipaddr_str(&cap_data[0].dst, a, sizeof(a)), "192.0.2.2");
	assert_int_equal(xtr_cache_pending(x), 0);

	/* the local mapping system has nothing (negative, natively-forward): dropped, never
	 * forwarded natively (the underlay routes the aggregate back to us) */
	struct lisp_prefix neg = P("198.51.100.8/32");
	assert_non_null(xtr_cache_install(x, &neg, XTR_SRC_REPLY, LISP_ACT_NATIVE_FWD, false, 1,
					  NULL, 0, 6 * SEC));
	p = mk_ip4(buf, "192.0.2.26", "198.51.100.8", 17, 1000, 2000, 10, false, &len);
	xtr_itr_input(x, p, len, 6 * SEC);
	n = lisp_payload(pl, p, len);
	xtr_etr_input(x, &outside, pl, n, 6 * SEC);
	xtr_flush(x);
	assert_int_equal(ncap_native, 0);
	assert_int_equal(xtr_get_stats(x)->drops[XTR_DROP_NEGATIVE], 2);
	xtr_detr_free(d);
	xtr_free(x);
}

/* site mode, 5(a): a control-plane fact makes an EID of the dynamic-EID prefixes local */
static void t_claim(void **s)
{
	(void)s;
	struct xtr_cfg *c = test_cfg();
	c->has_site = true;
	c->site.ndynamic = 1;
	c->site.dynamic[0] = P("198.51.100.0/24");
	struct xtr *x = xtr_new(c, &test_io, SEC);
	xtr_cfg_free(c);
	xtr_set_host_add(x, t_host_add);
	cap_reset();
	memset(&host_added, 0, sizeof(host_added));
	char a[IPADDR_STRLEN];
	struct lisp_prefix in = P("198.51.100.9/32"), out = P("203.0.113.9/32");
	struct lisp_prefix local = P("198.51.100.5/32"), sub = P("198.51.100.0/25");
	/* a stale map-cache entry of it goes */
	install(x, "198.51.100.9/32", XTR_SRC_NOTIFY, "192.0.2.2", 1, 100, NULL, 0, 0, SEC);
	assert_true(xtr_claim_eid(x, &in, 2 * SEC));
	assert_string_equal(ipaddr_str(&host_added, a, sizeof(a)), "198.51.100.9");
	struct ipaddr h = A("198.51.100.9");
	assert_non_null(xtr_db_lookup(x, 0, &h));
	assert_null(xtr_cache_lookup(x, 0, &h));
	assert_int_equal(xtr_get_stats(x)->moved_here, 1);
	assert_false(xtr_claim_eid(x, &in, 2 * SEC));	 /* already local */
	assert_false(xtr_claim_eid(x, &out, 2 * SEC));	 /* outside the dynamic prefixes */
	assert_false(xtr_claim_eid(x, &local, 2 * SEC)); /* configured */
	assert_false(xtr_claim_eid(x, &sub, 2 * SEC));	 /* not a host */
	assert_int_equal(xtr_get_stats(x)->moved_here, 1);
	xtr_free(x);
}

/* site mode, 5(b): re-encapsulating straight back to the sender is refused and refreshed */
static void t_bounce(void **s)
{
	(void)s;
	struct xtr_cfg *c = test_cfg();
	struct xtr *x = xtr_new(c, &test_io, SEC);
	xtr_cfg_free(c);
	uint8_t buf[256], pl[256];
	size_t len;
	struct ipaddr siteb = A("192.0.2.2"), other = A("192.0.2.30");
	/* moved away earlier: .9 -> site B (Map-Notify) */
	move_away(x, "198.51.100.9/32", "192.0.2.2", SEC);
	cap_reset();
	uint8_t *p = mk_ip4(buf, "203.0.113.5", "198.51.100.9", 17, 1000, 2000, 10, false, &len);
	size_t n = lisp_payload(pl, p, len);
	xtr_etr_input(x, &siteb, pl, n, 5 * SEC); /* site B sends it to us */
	xtr_flush(x);
	assert_int_equal(ncap_data, 0);
	assert_int_equal(xtr_get_stats(x)->bounced, 1);
	assert_int_equal(xtr_get_stats(x)->drops[XTR_DROP_LOOP], 1);
	assert_int_equal(ncap_ctl, 1); /* Map-Request refreshing the stale entry */
	/* from anyone else it is re-encapsulated as before */
	xtr_etr_input(x, &other, pl, n, 6 * SEC);
	xtr_flush(x);
	assert_int_equal(ncap_data, 1);
	assert_int_equal(xtr_get_stats(x)->reencap, 1);
	xtr_free(x);
}

/* ---- the D-ETR's speaker across reloads ---- */
struct reload_fx {
	struct xtr *x;
	struct bgp *remote;
};

static bool mapping_in(void *arg)
{
	struct reload_fx *f = arg;
	char buf[IPADDR_STRLEN];
	const char *r = rloc_of(f->x, "198.51.100.5", buf);
	return r != NULL && strcmp(r, "192.0.2.20") == 0;
}

static const char *cli_run(struct cli *cli, const char *line)
{
	static struct strbuf sb;
	strbuf_free(&sb);
	strbuf_init(&sb);
	if (cli == NULL) /* the end: sb freed */
		return NULL;
	cli_exec(cli, NULL, line, &sb);
	return strbuf_str(&sb);
}

static void t_bgp_reload(void **s)
{
	(void)s;
	struct event_base *base = event_base_new();
	struct reload_fx f = {mk_detr(), NULL};
	struct xtr_detr *d = xtr_detr_new(f.x);
	struct cli *cli = cli_new(NULL, NULL, 0, "lisp-xtrd", NULL);
	assert_non_null(d);
	assert_non_null(cli);
	f.remote = lr_remote_new(base, NULL, NULL);
	assert_non_null(f.remote);
	struct bgp_host_mapping m = mapping("198.51.100.5/32", "192.0.2.20", 1);
	assert_int_equal(bgp_announce(f.remote, &m), 0);

	struct bgp_cfg *c0 = lr_local_cfg(bgp_listen_port(f.remote));
	assert_int_equal(xtr_detr_bgp_start(d, base, cli, c0), 0);
	struct bgp *b = xtr_detr_speaker(d);
	assert_non_null(b);
	assert_true(lr_run_until(base, mapping_in, &f));
	assert_true(lr_up(b, LR_REMOTE));
	assert_non_null(strstr(cli_run(cli, "show bgp summary json"), "\"localAs\": 65000"));

	/* a second peer added: same speaker, the first session never left Established, the
	 * mapping stayed in the map-cache */
	struct bgp_cfg *c1 = bgp_config_dup(c0);
	lr_cfg_add_peer(c1, "127.0.0.4", 65001)->passive = true;
	assert_int_equal(xtr_detr_bgp_reload_prepare(d, c1), 0);
	assert_true(mapping_in(&f));
	xtr_detr_bgp_reload_commit(d, c1);
	assert_ptr_equal(xtr_detr_speaker(d), b);
	assert_true(lr_up(b, LR_REMOTE));
	assert_true(mapping_in(&f));
	assert_non_null(lr_peer(b, "127.0.0.4"));
	lr_run_for(base, 300);
	assert_true(lr_up(b, LR_REMOTE));
	assert_int_equal(lr_peer(b, LR_REMOTE)->established, 1);
	assert_true(mapping_in(&f));
	assert_int_equal(xtr_get_stats(f.x)->bgp_withdrawals, 0);

	/* refused: the listener changes (and a peer is added with it): nothing changes */
	struct bgp_cfg *c2 = bgp_config_dup(c1);
	c2->listen = true;
	c2->listen_addr = lr_addr(LR_LOCAL);
	lr_cfg_add_peer(c2, "127.0.0.5", 65001)->passive = true;
	assert_int_equal(xtr_detr_bgp_reload_prepare(d, c2), -1);
	assert_ptr_equal(xtr_detr_speaker(d), b);
	assert_null(lr_peer(b, "127.0.0.5"));
	assert_int_equal(bgp_listen_port(b), 0);
	lr_run_for(base, 100);
	assert_true(lr_up(b, LR_REMOTE));
	assert_int_equal(lr_peer(b, LR_REMOTE)->established, 1);
	assert_true(mapping_in(&f));
	/* the running <bgp> is still c1: the same file again is no change */
	assert_int_equal(xtr_detr_bgp_reload_prepare(d, c1), 0);
	xtr_detr_bgp_reload_commit(d, c1);
	assert_int_equal(lr_peer(b, LR_REMOTE)->established, 1);

	/* the rest of a reload failed after the BGP step: abort leaves all as it was */
	struct bgp_cfg *c3 = bgp_config_dup(c0); /* 127.0.0.4 removed */
	assert_int_equal(xtr_detr_bgp_reload_prepare(d, c3), 0);
	xtr_detr_bgp_reload_abort(d);
	assert_non_null(lr_peer(b, "127.0.0.4"));

	/* the remote peer removed: its mapping leaves through the speaker's withdrawals */
	struct bgp_cfg *c4 = bgp_config_dup(c1);
	memmove(&c4->peers[0], &c4->peers[1], sizeof(c4->peers[0]));
	c4->n_peers = 1;
	assert_int_equal(xtr_detr_bgp_reload_prepare(d, c4), 0);
	xtr_detr_bgp_reload_commit(d, c4);
	assert_ptr_equal(xtr_detr_speaker(d), b);
	assert_null(lr_peer(b, LR_REMOTE));
	assert_false(mapping_in(&f));
	assert_int_equal(xtr_get_stats(f.x)->bgp_withdrawals, 1);
	assert_int_equal(xtr_detr_count(d), 0);

	/* <bgp> removed: the speaker stops, the rows answer "not running"; added: it starts */
	assert_int_equal(xtr_detr_bgp_reload_prepare(d, NULL), 0);
	xtr_detr_bgp_reload_commit(d, NULL);
	assert_null(xtr_detr_speaker(d));
	assert_non_null(strstr(cli_run(cli, "show bgp summary"), "BGP is not running"));
	assert_int_equal(xtr_detr_bgp_reload_prepare(d, c0), 0);
	xtr_detr_bgp_reload_commit(d, c0);
	assert_non_null(xtr_detr_speaker(d));
	assert_non_null(strstr(cli_run(cli, "show bgp summary json"), "\"localAs\": 65000"));
	assert_true(lr_run_until(base, mapping_in, &f));

	xtr_detr_bgp_stop(d);
	cli_free(cli);
	xtr_detr_free(d);
	bgp_free(f.remote);
	lr_run_for(base, 10);
	bgp_config_free(c0);
	bgp_config_free(c1);
	bgp_config_free(c2);
	bgp_config_free(c3);
	bgp_config_free(c4);
	xtr_free(f.x);
	event_base_free(base);
	cli_run(NULL, NULL);
}

/* ---- tenants ---- */

/* The config of a D-ETR .10 with the root instance 0 (198.51.100.0/24, 2001:db8:100::/64) and
 * tenants 1 and 2 (198.51.100.0/24 each); PITR clients 203.0.113.16/28 are tenant 1's,
 * 203.0.113.32/28 tenant 2's. */
static struct xtr_cfg *tenants_cfg(void)
{
	struct xtr_cfg *c = test_cfg();
	c->mode = XTR_MODE_REPRESENTATIVE;
	c->rloc[0] = A("192.0.2.10");
	c->rloc[1] = A("2001:db8:ffff::10");
	c->db = realloc(c->db, 4 * sizeof(*c->db));
	memset(&c->db[2], 0, 2 * sizeof(*c->db));
	c->ndb = 4;
	c->db[0].eid = P("198.51.100.0/24");
	c->db[1].eid = P("2001:db8:100::/64");
	c->db[2].eid = P("[1]198.51.100.0/24");
	c->db[2].ttl = 1440;
	c->db[3].eid = P("[2]198.51.100.0/24");
	c->db[3].ttl = 1440;
	c->ntenant = 2;
	c->tenant_iid[0] = 1;
	c->tenant_iid[1] = 2;
	c->nclient = 2;
	c->client[0].src = P("203.0.113.16/28");
	c->client[0].iid = 1;
	c->client[1].src = P("203.0.113.32/28");
	c->client[1].iid = 2;
	return c;
}

/* Drop tenant `iid` (its aggregate and client rule) from a tenants_cfg() config. */
static void cfg_drop_tenant(struct xtr_cfg *c, uint32_t iid)
{
	for (unsigned i = 0; i < c->ntenant; i++)
		if (c->tenant_iid[i] == iid)
			c->tenant_iid[i] = c->tenant_iid[--c->ntenant];
	for (unsigned i = 0; i < c->nclient; i++)
		if (c->client[i].iid == iid)
			c->client[i] = c->client[--c->nclient];
	for (unsigned i = 0; i < c->ndb; i++)
		if (c->db[i].eid.iid == iid)
			c->db[i--] = c->db[--c->ndb];
}

static struct xtr *mk_detr_tenants(void)
{
	struct xtr_cfg *c = tenants_cfg();
	struct xtr *x = xtr_new(c, &test_io, SEC);
	xtr_cfg_free(c);
	assert_non_null(x);
	cap_reset();
	return x;
}

static const char *tenant_rloc(struct xtr *x, uint32_t iid, const char *eid, char *buf)
{
	struct ipaddr a = A(eid);
	struct xtr_entry *e = xtr_cache_lookup(x, iid, &a);
	if (e == NULL || e->nloc == 0)
		return NULL;
	assert_int_equal(e->src, XTR_SRC_BGP);
	assert_int_equal(e->eid.iid, iid);
	return ipaddr_str(&xtr_entry_loc(e, 0)->addr, buf, IPADDR_STRLEN);
}

/* LISP data payload with the I bit and instance ID `iid` (0: no I bit) */
static size_t lisp_payload_iid(uint8_t *out, uint32_t iid, const uint8_t *inner, size_t len)
{
	const uint8_t h[8] = {(uint8_t)(0x80 | (iid ? 0x08 : 0)),
			      0x12,
			      0x34,
			      0x56,
			      (uint8_t)(iid >> 16),
			      (uint8_t)(iid >> 8),
			      (uint8_t)iid,
			      0};
	memcpy(out, h, 8);
	memcpy(out + 8, inner, len);
	return 8 + len;
}

/* the instance ID in an encapsulated packet's LISP header (-1: no I bit) */
static long hdr_iid(const struct cap *c)
{
	const uint8_t *h = c->data + 8; /* after the UDP header */
	if (!(h[0] & 0x08))
		return -1;
	return (long)h[4] << 16 | (long)h[5] << 8 | h[6];
}

static void t_tenants(void **s)
{
	(void)s;
	struct xtr *x = mk_detr_tenants();
	struct xtr_detr *d = xtr_detr_new(x);
	char a[IPADDR_STRLEN];
	uint8_t buf[256], pl[256];
	size_t len, n;
	struct ipaddr outside = A("192.0.2.30");

	assert_true(xtr_serves_iid(x, 0));
	assert_true(xtr_serves_iid(x, 2));
	assert_false(xtr_serves_iid(x, 3));
	/* the same EID in both tenants (VPN routes), and in the root instance (unicast) */
	ev_map(d, PEER1, "[1]198.51.100.5/32", "192.0.2.1", 1);
	ev_map(d, PEER1, "[2]198.51.100.5/32", "192.0.2.2", 1);
	ev_map(d, PEER1, "198.51.100.5/32", "192.0.2.3", 1);
	assert_int_equal(xtr_detr_count(d), 3);
	assert_string_equal(tenant_rloc(x, 1, "198.51.100.5", a), "192.0.2.1");
	assert_string_equal(tenant_rloc(x, 2, "198.51.100.5", a), "192.0.2.2");
	assert_string_equal(tenant_rloc(x, 0, "198.51.100.5", a), "192.0.2.3");
	/* an instance ID not served, and a unicast route whose fn 3 names a tenant (an older
	 * sender's encoding): foreign */
	ev_map(d, PEER1, "[3]198.51.100.5/32", "192.0.2.4", 1);
	struct ipaddr pa = A(PEER1);
	struct bgp_host_mapping m = mapping("[2]198.51.100.6/32", "192.0.2.4", 1);
	struct lisp_prefix key = P("198.51.100.6/32");
	struct bgp_event ev = {
	    .kind = BGP_EV_MAPPING, .peer_addr = &pa, .eid = &key, .mapping = &m};
	xtr_detr_event(d, &ev, 2 * SEC);
	assert_int_equal(xtr_get_stats(x)->bgp_foreign, 2);
	assert_null(tenant_rloc(x, 3, "198.51.100.5", a));
	assert_null(tenant_rloc(x, 2, "198.51.100.6", a));
	/* a unicast route whose fn 3 is the xTR's own instance ID (0 here) is its own */
	m = mapping("198.51.100.7/32", "192.0.2.4", 1);
	key = P("198.51.100.7/32");
	xtr_detr_event(d, &ev, 2 * SEC);
	assert_string_equal(tenant_rloc(x, 0, "198.51.100.7", a), "192.0.2.4");

	/* ETR: each tenant's traffic re-encapsulated to its own VM, with its IID */
	uint8_t *p = mk_ip4(buf, "203.0.113.5", "198.51.100.5", 17, 1000, 2000, 10, false, &len);
	for (uint32_t iid = 0; iid <= 3; iid++) {
		n = lisp_payload_iid(pl, iid, p, len);
		xtr_etr_input(x, &outside, pl, n, 5 * SEC);
	}
	xtr_flush(x);
	assert_int_equal(ncap_data, 3);
	assert_string_equal(ipaddr_str(&cap_data[0].dst, a, sizeof(a)), "192.0.2.3");
	assert_int_equal(hdr_iid(&cap_data[0]), -1); /* instance 0: no I bit */
	assert_string_equal(ipaddr_str(&cap_data[1].dst, a, sizeof(a)), "192.0.2.1");
	assert_int_equal(hdr_iid(&cap_data[1]), 1);
	assert_string_equal(ipaddr_str(&cap_data[2].dst, a, sizeof(a)), "192.0.2.2");
	assert_int_equal(hdr_iid(&cap_data[2]), 2);
	assert_int_equal(xtr_get_stats(x)->drops[XTR_DROP_FOREIGN_IID], 1);

	/* PITR: the client rules pick the tenant; no rule: the root instance */
	cap_reset();
	p = mk_ip4(buf, "203.0.113.17", "198.51.100.5", 17, 1000, 2000, 10, false, &len);
	xtr_itr_input(x, p, len, 6 * SEC);
	p = mk_ip4(buf, "203.0.113.33", "198.51.100.5", 17, 1000, 2000, 10, false, &len);
	xtr_itr_input(x, p, len, 6 * SEC);
	p = mk_ip4(buf, "192.0.2.26", "198.51.100.5", 17, 1000, 2000, 10, false, &len);
	xtr_itr_input(x, p, len, 6 * SEC);
	xtr_flush(x);
	assert_int_equal(ncap_data, 3);
	assert_string_equal(ipaddr_str(&cap_data[0].dst, a, sizeof(a)), "192.0.2.1");
	assert_int_equal(hdr_iid(&cap_data[0]), 1);
	assert_string_equal(ipaddr_str(&cap_data[1].dst, a, sizeof(a)), "192.0.2.2");
	assert_int_equal(hdr_iid(&cap_data[1]), 2);
	assert_string_equal(ipaddr_str(&cap_data[2].dst, a, sizeof(a)), "192.0.2.3");
	assert_int_equal(hdr_iid(&cap_data[2]), -1);
	assert_int_equal(xtr_get_stats(x)->tenant_classified, 2);
	/* a tenant host without a mapping: a Map-Request for [2]198.51.100.9 (its aggregate) */
	p = mk_ip4(buf, "203.0.113.33", "198.51.100.9", 17, 1000, 2000, 10, false, &len);
	xtr_itr_input(x, p, len, 6 * SEC);
	struct ipaddr h9 = A("198.51.100.9");
	struct xtr_entry *pe = xtr_cache_lookup(x, 2, &h9);
	assert_non_null(pe);
	assert_int_equal(pe->src, XTR_SRC_PENDING);
	assert_null(xtr_cache_lookup(x, 1, &h9));
	/* ... released with tenant 2's IID when its mapping arrives over BGP */
	ev_map(d, PEER1, "[2]198.51.100.9/32", "192.0.2.2", 1);
	assert_int_equal(ncap_data, 4);
	assert_int_equal(hdr_iid(&cap_data[3]), 2);

	/* tenant 1's VM moves: tenant 2's entry is not touched */
	struct ipaddr h5 = A("198.51.100.5");
	struct xtr_entry *e2 = xtr_cache_lookup(x, 2, &h5);
	uint64_t changed2 = xtr_entry_changed_ms(x, e2);
	uint64_t installs = xtr_get_stats(x)->bgp_installs;
	struct bgp_host_mapping mv = mapping("[1]198.51.100.5/32", "192.0.2.5", 2);
	struct bgp_event evm = {
	    .kind = BGP_EV_MAPPING, .peer_addr = &pa, .eid = &mv.eid, .mapping = &mv};
	xtr_detr_event(d, &evm, 9 * SEC);
	assert_string_equal(tenant_rloc(x, 1, "198.51.100.5", a), "192.0.2.5");
	assert_int_equal(xtr_get_stats(x)->bgp_installs, installs + 1);
	assert_ptr_equal(xtr_cache_lookup(x, 2, &h5), e2);
	assert_int_equal(xtr_entry_changed_ms(x, e2), changed2);
	assert_int_equal(e2->ext->map_version, 1);
	assert_string_equal(tenant_rloc(x, 2, "198.51.100.5", a), "192.0.2.2");
	/* tenant 1's withdrawal: tenant 2 and the root instance keep theirs */
	ev_wd(d, PEER1, "[1]198.51.100.5/32", false);
	assert_null(tenant_rloc(x, 1, "198.51.100.5", a));
	assert_string_equal(tenant_rloc(x, 2, "198.51.100.5", a), "192.0.2.2");
	assert_string_equal(tenant_rloc(x, 0, "198.51.100.5", a), "192.0.2.3");
	/* a withdrawal in an instance not served changes nothing */
	ev_wd(d, PEER1, "[3]198.51.100.5/32", false);
	assert_int_equal(xtr_detr_count(d), 4);

	/* the aggregates of the tenants are in the database with their IIDs, and a
	 * Map-Register carries every one */
	assert_int_equal(xtr_db_count(x), 4);
	assert_non_null(xtr_db_lookup(x, 1, &h5));
	assert_non_null(xtr_db_lookup(x, 2, &h5));
	assert_null(xtr_db_lookup(x, 3, &h5));
	cap_reset();
	xtr_tick(x, 20 * SEC);
	size_t regs = 0;
	for (size_t i = 0; i < ncap_ctl; i++) {
		struct buf b;
		struct lisp_map_register *mr = calloc(1, sizeof(*mr));
		buf_init_read(&b, cap_ctl[i].data, cap_ctl[i].len);
		if (cap_ctl[i].data[0] >> 4 == LISP_T_MAP_REGISTER &&
		    lisp_map_register_parse(&b, mr, NULL) == 0) {
			for (unsigned r = 0; r < mr->nrec; r++) {
				char ps[PREFIX_STRLEN];
				prefix_str(&mr->rec[r].eid, ps, sizeof(ps));
				regs += !strcmp(ps, "198.51.100.0/24") ||
					!strcmp(ps, "[1]198.51.100.0/24") ||
					!strcmp(ps, "[2]198.51.100.0/24");
			}
		}
		free(mr);
	}
	assert_int_equal(regs, 3);
	xtr_detr_free(d);
	xtr_free(x);
}

/* A reload that adds and removes tenants, with a real session: the routes of a tenant added
 * (received before, ignored as foreign) are installed at once from the speaker's
 * Adj-RIB-In, those of a tenant removed leave the map-cache, the others are not touched. */
static bool tenant_in(void *arg)
{
	struct reload_fx *f = arg;
	char buf[IPADDR_STRLEN];
	return tenant_rloc(f->x, 1, "198.51.100.5", buf) != NULL &&
	       tenant_rloc(f->x, 0, "198.51.100.5", buf) != NULL &&
	       xtr_get_stats(f->x)->bgp_foreign >= 1;
}

static void t_tenants_reload(void **s)
{
	(void)s;
	struct event_base *base = event_base_new();
	struct xtr_cfg *c1 = tenants_cfg();
	cfg_drop_tenant(c1, 2); /* tenant 1 only */
	struct reload_fx f = {xtr_new(c1, &test_io, SEC), NULL};
	assert_non_null(f.x);
	struct xtr_detr *d = xtr_detr_new(f.x);
	char a[IPADDR_STRLEN];

	/* the remote (AS 65001, the VPN families) announces both tenants and the root's */
	struct bgp_cfg *rc = calloc(1, sizeof(*rc));
	rc->local_as = 65001;
	rc->router_id = 0xcb007103;
	rc->gr_time = 120;
	rc->listen = true;
	rc->listen_addr = lr_addr(LR_REMOTE);
	struct bgp_peer_cfg *rp = lr_cfg_add_peer(rc, LR_LOCAL, 65000);
	rp->passive = true;
	rp->families = BGP_AID_ALL_MASK;
	f.remote = bgp_new(base, rc, NULL, NULL);
	assert_non_null(f.remote);
	assert_int_equal(bgp_start(f.remote), 0);
	struct bgp_host_mapping m = mapping("[1]198.51.100.5/32", "192.0.2.1", 1);
	assert_int_equal(bgp_announce(f.remote, &m), 0);
	m = mapping("[2]198.51.100.5/32", "192.0.2.2", 1);
	assert_int_equal(bgp_announce(f.remote, &m), 0);
	m = mapping("198.51.100.5/32", "192.0.2.3", 1);
	assert_int_equal(bgp_announce(f.remote, &m), 0);
	struct bgp_cfg *lc = lr_local_cfg(bgp_listen_port(f.remote));
	lc->peers[0].families = BGP_AID_ALL_MASK;
	assert_int_equal(xtr_detr_bgp_start(d, base, NULL, lc), 0);
	assert_true(lr_run_until(base, tenant_in, &f));
	assert_null(tenant_rloc(f.x, 2, "198.51.100.5", a)); /* not served yet */
	assert_int_equal(xtr_get_stats(f.x)->bgp_foreign, 1);
	struct ipaddr h5 = A("198.51.100.5");
	struct xtr_entry *e1 = xtr_cache_lookup(f.x, 1, &h5);
	uint64_t changed1 = xtr_entry_changed_ms(f.x, e1);

	/* reload: tenant 2 added -> its mapping at once, tenant 1 and the root untouched */
	struct xtr_cfg *c2 = tenants_cfg();
	assert_int_equal(xtr_reconfigure(f.x, c2, 5 * SEC), 0);
	xtr_detr_instances_sync(d);
	assert_string_equal(tenant_rloc(f.x, 2, "198.51.100.5", a), "192.0.2.2");
	assert_ptr_equal(xtr_cache_lookup(f.x, 1, &h5), e1);
	assert_int_equal(xtr_entry_changed_ms(f.x, e1), changed1);
	assert_string_equal(tenant_rloc(f.x, 0, "198.51.100.5", a), "192.0.2.3");
	assert_int_equal(xtr_detr_count(d), 3);
	assert_int_equal(xtr_get_stats(f.x)->bgp_withdrawals, 0);

	/* reload: tenant 1 removed -> its entry leaves, tenant 2 and the root stay */
	struct xtr_cfg *c3 = tenants_cfg();
	cfg_drop_tenant(c3, 1);
	assert_int_equal(xtr_reconfigure(f.x, c3, 6 * SEC), 0);
	xtr_detr_instances_sync(d);
	assert_null(tenant_rloc(f.x, 1, "198.51.100.5", a));
	assert_string_equal(tenant_rloc(f.x, 2, "198.51.100.5", a), "192.0.2.2");
	assert_string_equal(tenant_rloc(f.x, 0, "198.51.100.5", a), "192.0.2.3");
	assert_int_equal(xtr_get_stats(f.x)->bgp_withdrawals, 1);
	assert_int_equal(xtr_detr_count(d), 2);
	/* and the session went on: a withdrawal of tenant 2 still arrives */
	struct lisp_prefix p2 = P("[2]198.51.100.5/32");
	assert_int_equal(bgp_withdraw(f.remote, &p2), 0);
	lr_run_for(base, 300);
	assert_null(tenant_rloc(f.x, 2, "198.51.100.5", a));
	assert_int_equal(xtr_detr_count(d), 1);

	xtr_detr_bgp_stop(d);
	xtr_detr_free(d);
	bgp_free(f.remote);
	lr_run_for(base, 10);
	bgp_config_free(lc); /* the D-ETR's speaker had its own copy */
	xtr_cfg_free(c1);
	xtr_cfg_free(c2);
	xtr_cfg_free(c3);
	xtr_free(f.x);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_events),		  cmocka_unit_test(t_entry_fields),
	    cmocka_unit_test(t_version_newer),	  cmocka_unit_test(t_decide),
	    cmocka_unit_test(t_reencap_and_move), cmocka_unit_test(t_pitr),
	    cmocka_unit_test(t_fallback),	  cmocka_unit_test(t_claim),
	    cmocka_unit_test(t_bounce),		  cmocka_unit_test(t_bgp_reload),
	    cmocka_unit_test(t_tenants),	  cmocka_unit_test(t_tenants_reload),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
