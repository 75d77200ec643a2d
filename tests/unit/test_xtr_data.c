/* SPDX-License-Identifier: ISC */
/* tests/unit/test_xtr_data.c - the lisp-xtrd data plane (xtr/data.c): the encapsulation
 * header byte for byte (UDP + RFC 9300 §5.3 LISP header, with and without instance ID), the
 * ITR path (locator, outer source port from the flow hash, the inner packet unchanged),
 * multicast/link-local drops, ICMP too-big for DF packets that do not fit, negative entries
 * (natively forward, drop), and the ETR: the decision table (deliver / re-encapsulate /
 * drop with each reason), decapsulation to the TUN byte for byte, and no open relay: a
 * spoofed packet for an EID that was never ours is dropped however well we know its
 * mapping, one that moved away is re-encapsulated during the window after the move only,
 * the D-ETR re-encapsulates for its aggregate and its BGP host mappings only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/log.h"
#include "proto/pkt.h"
#include "tests/unit/xtr_testlib.h"

static struct xtr *mk_iid(uint32_t iid)
{
	struct xtr_cfg *c = test_cfg();
	c->iid = iid;
	for (unsigned i = 0; i < c->ndb; i++)
		c->db[i].eid.iid = iid;
	struct xtr *x = xtr_new(c, &test_io, 1);
	xtr_cfg_free(c);
	assert_non_null(x);
	cap_reset();
	return x;
}

static void t_header_bytes(void **s)
{
	(void)s;
	uint8_t h[16];
	static const uint8_t want0[16] = {0xc1, 0x23, 0x10, 0xf5, 0x00, 0x6c, 0x00, 0x00,
					  0x80, 0xab, 0xcd, 0xef, 0x00, 0x00, 0x00, 0x00};
	static const uint8_t want42[16] = {0xc1, 0x23, 0x10, 0xf5, 0x00, 0x6c, 0x00, 0x00,
					   0x88, 0xab, 0xcd, 0xef, 0x00, 0x00, 0x2a, 0x00};
	xtr_encap_header(h, 0xc123, 4341, 92, 0, 0xabcdef);
	assert_memory_equal(h, want0, 16);
	xtr_encap_header(h, 0xc123, 4341, 92, 42, 0xabcdef);
	assert_memory_equal(h, want42, 16);
	/* the LISP part parses back with proto/lisp_data */
	struct buf b;
	struct lisp_data_hdr d;
	buf_init_read(&b, h + 8, 8);
	assert_int_equal(lisp_data_parse(&b, &d, NULL), 0);
	assert_int_equal(d.iid, 42);
	assert_int_equal(d.nonce, 0xabcdef);
	assert_true(d.flags & LISP_DATA_F_I);
	/* source port range */
	assert_int_equal(xtr_flow_sport(0), 49152);
	assert_int_equal(xtr_flow_sport(0xffffffff), 65535);
}

static void t_itr_encap(void **s)
{
	(void)s;
	struct xtr *x = mk_iid(0);
	install(x, "198.51.100.6/32", XTR_SRC_CONFIG, "192.0.2.2", 1, 100, NULL, 0, 0, 0);
	install(x, "2001:db8:100::6/128", XTR_SRC_CONFIG, "2001:db8:ffff::2", 1, 100, NULL, 0, 0,
		0);
	uint8_t buf[300], copy[300];
	size_t len;
	uint8_t *pk = mk_ip4(buf, "198.51.100.5", "198.51.100.6", 6, 40000, 80, 50, true, &len);
	memcpy(copy, pk, len);
	xtr_itr_input(x, pk, len, 5);
	assert_int_equal(ncap_data, 1);
	struct ipaddr r2 = A("192.0.2.2"), r1 = A("192.0.2.1");
	assert_true(ipaddr_eq(&cap_data[0].dst, &r2));
	assert_true(ipaddr_eq(&cap_data[0].src, &r1));
	assert_int_equal(cap_data[0].len, 16 + len);
	assert_memory_equal(cap_data[0].data + 16, copy, len); /* inner unchanged */
	/* outer source port = f(flow hash), destination 4341, length, checksum 0 */
	struct buf b;
	struct pkt_ip ip;
	buf_init_read(&b, copy, len);
	assert_int_equal(pkt_parse_ip(&b, &ip), 0);
	uint16_t sport = xtr_flow_sport(pkt_flow_hash(&ip, 0));
	(void)sport;
	uint8_t *h = cap_data[0].data;
	assert_true((h[0] << 8 | h[1]) >= 49152);
	assert_int_equal(h[2] << 8 | h[3], 4341);
	assert_int_equal(h[4] << 8 | h[5], 16 + len);
	assert_int_equal(h[6] << 8 | h[7], 0);
	assert_int_equal(h[8], 0x80); /* N, no I for IID 0 */
	/* same flow, same port; the entry counts */
	itr_ip4(x, "198.51.100.5", "198.51.100.6", 6, 40000, 80, 50, true, 6);
	assert_memory_equal(cap_data[1].data, cap_data[0].data, 2);
	struct ipaddr a6 = A("198.51.100.6");
	assert_int_equal(xtr_cache_lookup(x, 0, &a6)->packets, 2);
	/* IPv6 over IPv6 */
	pk = mk_ip6(buf, "2001:db8:100::5", "2001:db8:100::6", 20, &len);
	xtr_itr_input(x, pk, len, 7);
	assert_int_equal(ncap_data, 3);
	struct ipaddr r6 = A("2001:db8:ffff::2");
	assert_true(ipaddr_eq(&cap_data[2].dst, &r6));
	assert_int_equal(xtr_get_stats(x)->encap, 3);
	xtr_free(x);
}

static void t_itr_iid(void **s)
{
	(void)s;
	struct xtr *x = mk_iid(42);
	install(x, "[42]198.51.100.6/32", XTR_SRC_CONFIG, "192.0.2.2", 1, 100, NULL, 0, 0, 0);
	itr_ip4(x, "198.51.100.5", "198.51.100.6", 17, 1, 2, 10, false, 1);
	assert_int_equal(ncap_data, 1);
	assert_int_equal(cap_data[0].data[8], 0x88);
	assert_int_equal(cap_data[0].data[14], 42);
	xtr_free(x);
}

static void t_itr_drops(void **s)
{
	(void)s;
	struct xtr *x = mk_iid(0);
	uint8_t buf[300];
	size_t len;
	/* MLD from the TUN: ff02::16 */
	{ /* len is set by mk_ip*: sequence it before the call */
		uint8_t *pkt_ = mk_ip6(buf, "fe80::1", "ff02::16", 20, &len);
		xtr_itr_input(x, pkt_, len, 1);
	}
	itr_ip4(x, "198.51.100.5", "224.0.0.1", 17, 1, 2, 10, false, 1);
	assert_int_equal(xtr_get_stats(x)->drops[XTR_DROP_MULTICAST], 2);
	/* garbage */
	uint8_t junk[16 + 10] = {0};
	junk[16] = 0x45;
	xtr_itr_input(x, junk + 16, 10, 1);
	assert_int_equal(xtr_get_stats(x)->drops[XTR_DROP_BAD_INNER], 1);
	assert_int_equal(ncap_data + xtr_cache_pending(x), 0);
	xtr_free(x);
}

static void t_too_big(void **s)
{
	(void)s;
	struct xtr *x = mk_iid(0);
	install(x, "198.51.100.6/32", XTR_SRC_CONFIG, "192.0.2.2", 1, 100, NULL, 0, 0, 0);
	static uint8_t buf[2000];
	size_t len;
	/* 1472 + 8 + 20 = 1500 inner: too big for 1500 - 36 with DF */
	uint8_t *pk = mk_ip4(buf, "198.51.100.5", "198.51.100.6", 17, 1, 2, 1472, true, &len);
	xtr_itr_input(x, pk, len, 1);
	assert_int_equal(ncap_data, 0);
	assert_int_equal(ncap_tun, 1);
	assert_int_equal(xtr_get_stats(x)->icmp_too_big, 1);
	/* ICMP type 3 code 4, next-hop MTU 1464, to the sender */
	uint8_t *ic = cap_tun[0].data;
	assert_int_equal(ic[9], 1);
	assert_memory_equal(ic + 16, pk + 12, 4);
	assert_int_equal(ic[20], 3);
	assert_int_equal(ic[21], 4);
	assert_int_equal(ic[26] << 8 | ic[27], 1464);
	/* fits: 1464 total */
	pk = mk_ip4(buf, "198.51.100.5", "198.51.100.6", 17, 1, 2, 1436, true, &len);
	xtr_itr_input(x, pk, len, 1);
	assert_int_equal(ncap_data, 1);
	/* no DF: sent (the kernel fragments the outer packet) */
	pk = mk_ip4(buf, "198.51.100.5", "198.51.100.6", 17, 1, 2, 1472, false, &len);
	xtr_itr_input(x, pk, len, 1);
	assert_int_equal(ncap_data, 2);
	xtr_free(x);
}

static void t_negative(void **s)
{
	(void)s;
	struct xtr *x = mk_iid(0);
	struct lisp_prefix nf = P("203.0.113.0/24"), dr = P("192.0.2.128/25");
	xtr_cache_install(x, &nf, XTR_SRC_CONFIG, LISP_ACT_NATIVE_FWD, false, 15, NULL, 0, 1);
	xtr_cache_install(x, &dr, XTR_SRC_CONFIG, LISP_ACT_DROP, false, 15, NULL, 0, 1);
	itr_ip4(x, "198.51.100.5", "203.0.113.9", 17, 1, 2, 10, false, 1);
	itr_ip4(x, "198.51.100.5", "192.0.2.200", 17, 1, 2, 10, false, 1);
	assert_int_equal(ncap_native, 1);
	assert_int_equal(ncap_data, 0);
	assert_int_equal(xtr_get_stats(x)->native, 1);
	assert_int_equal(xtr_get_stats(x)->drops[XTR_DROP_NEGATIVE], 1);
	xtr_free(x);
}

/* ---- ETR ---- */
/* Site A (test_cfg): .7 moved away to 192.0.2.2 at 10 s (Map-Notify), .8 too but its
 * mapping was replaced by a negative one; .99 (a site-B VM) is in the map-cache from a
 * Map-Reply (a VM of ours talked to it): known, but never ours. */
struct decide_case {
	const char *name;
	uint32_t xtr_iid;
	bool hdr_i;
	uint32_t hdr_iid;
	const char *dst;
	uint8_t ttl;
	uint64_t at; /* s */
	enum xtr_verdict want;
	enum xtr_drop why;
};

static const struct decide_case decide_cases[] = {
    {"local-eid", 0, false, 0, "198.51.100.5", 64, 11, XTR_DELIVER, 0},
    {"local-eid-v6", 0, false, 0, "2001:db8:100::5", 64, 11, XTR_DELIVER, 0},
    {"moved-away", 0, false, 0, "198.51.100.7", 64, 11, XTR_REENCAP, 0},
    {"moved-away-last-second", 0, false, 0, "198.51.100.7", 64, 10 + 179, XTR_REENCAP, 0},
    {"moved-away-ttl1", 0, false, 0, "198.51.100.7", 1, 11, XTR_DROP, XTR_DROP_LOOP},
    /* moved away, but the mapping system says natively forward: never from here */
    {"moved-away-negative", 0, false, 0, "198.51.100.8", 64, 11, XTR_DROP, XTR_DROP_NEGATIVE},
    {"moved-away-expired", 0, false, 0, "198.51.100.7", 64, 10 + 180, XTR_DROP,
     XTR_DROP_ETR_MOVED_EXPIRED},
    {"mapped-never-ours", 0, false, 0, "198.51.100.99", 64, 11, XTR_DROP, XTR_DROP_ETR_NOT_LOCAL},
    {"unmapped", 0, false, 0, "198.51.100.98", 64, 11, XTR_DROP, XTR_DROP_ETR_NOT_LOCAL},
    {"foreign-iid", 0, true, 9, "198.51.100.5", 64, 11, XTR_DROP, XTR_DROP_FOREIGN_IID},
    {"iid-ok", 42, true, 42, "198.51.100.5", 64, 11, XTR_DELIVER, 0},
    {"iid-missing", 42, false, 0, "198.51.100.5", 64, 11, XTR_DROP, XTR_DROP_FOREIGN_IID},
};

static void t_decide(void **s)
{
	(void)s;
	for (size_t i = 0; i < sizeof(decide_cases) / sizeof(decide_cases[0]); i++) {
		const struct decide_case *c = &decide_cases[i];
		struct xtr *x = mk_iid(c->xtr_iid);
		if (c->xtr_iid == 0) {
			move_away(x, "198.51.100.7/32", "192.0.2.2", 10 * SEC);
			move_away(x, "198.51.100.8/32", "192.0.2.2", 10 * SEC);
			struct lisp_prefix p8 = P("198.51.100.8/32");
			assert_non_null(xtr_cache_install(x, &p8, XTR_SRC_REPLY,
							  LISP_ACT_NATIVE_FWD, false, 15, NULL, 0,
							  10 * SEC));
			install(x, "198.51.100.99/32", XTR_SRC_REPLY, "192.0.2.2", 1, 100, NULL, 0,
				0, 10 * SEC);
		}
		struct lisp_data_hdr h = {.flags = c->hdr_i ? LISP_DATA_F_I : 0, .iid = c->hdr_iid};
		struct pkt_ip ip = {.version = 4, .ttl = c->ttl};
		ip.dst = A(c->dst);
		ip.version = ip.dst.afi == LISP_AFI_IPV4 ? 4 : 6;
		struct xtr_entry *ent;
		enum xtr_drop why = XTR_DROP__COUNT;
		enum xtr_verdict v = xtr_etr_decide(x, &h, &ip, &ent, &why, c->at * SEC);
		if (v != c->want || (v == XTR_DROP && why != c->why))
			fail_msg("case %s: verdict %d why %d", c->name, v, why);
		if (v == XTR_REENCAP)
			assert_non_null(ent);
		xtr_free(x);
	}
}

static size_t mk_lisp(uint8_t *out, uint8_t flags, uint32_t iid, const uint8_t *inner, size_t len)
{
	memset(out, 0, 8);
	out[0] = flags;
	out[4] = (uint8_t)(iid >> 16);
	out[5] = (uint8_t)(iid >> 8);
	out[6] = (uint8_t)iid;
	memcpy(out + 8, inner, len);
	return 8 + len;
}

static void t_etr_input(void **s)
{
	(void)s;
	struct xtr *x = mk_iid(0);
	/* .7 and .8 moved away; .8's mapping then points back to us */
	move_away(x, "198.51.100.7/32", "192.0.2.3", 1);
	move_away(x, "198.51.100.8/32", "192.0.2.3", 1);
	install(x, "198.51.100.8/32", XTR_SRC_NOTIFY, "192.0.2.1", 1, 100, NULL, 0, 0, 1);
	cap_reset();
	uint8_t buf[300], dg[400];
	size_t len, n;
	struct ipaddr src = A("192.0.2.2");
	/* deliver: the TUN gets the inner bytes exactly */
	uint8_t *pk = mk_ip4(buf, "198.51.100.6", "198.51.100.5", 17, 1, 2, 30, false, &len);
	n = mk_lisp(dg, 0x80, 0, pk, len);
	xtr_etr_input(x, &src, dg, n, 1);
	assert_int_equal(ncap_tun, 1);
	assert_int_equal(cap_tun[0].len, len);
	assert_memory_equal(cap_tun[0].data, pk, len);
	/* trailing padding after the inner packet is not delivered */
	dg[n] = 0xee;
	xtr_etr_input(x, &src, dg, n + 1, 1);
	assert_int_equal(cap_tun[1].len, len);
	/* re-encapsulate: to 192.0.2.3, TTL decremented, checksum still valid */
	pk = mk_ip4(buf, "198.51.100.6", "198.51.100.7", 17, 1, 2, 30, false, &len);
	n = mk_lisp(dg, 0x80, 0, pk, len);
	xtr_etr_input(x, &src, dg, n, 1);
	xtr_flush(x);
	assert_int_equal(ncap_data, 1);
	struct ipaddr r3 = A("192.0.2.3");
	assert_true(ipaddr_eq(&cap_data[0].dst, &r3));
	assert_int_equal(cap_data[0].data[16 + 8], 63);
	assert_int_equal(pkt_csum(cap_data[0].data + 16, 20), 0);
	assert_int_equal(xtr_get_stats(x)->reencap, 1);
	/* re-encapsulation to ourselves: loop */
	pk = mk_ip4(buf, "198.51.100.6", "198.51.100.8", 17, 1, 2, 30, false, &len);
	n = mk_lisp(dg, 0x80, 0, pk, len);
	xtr_etr_input(x, &src, dg, n, 1);
	assert_int_equal(xtr_get_stats(x)->drops[XTR_DROP_LOOP], 1);
	/* truncated inner */
	pk = mk_ip4(buf, "198.51.100.6", "198.51.100.5", 17, 1, 2, 30, false, &len);
	n = mk_lisp(dg, 0x80, 0, pk, len);
	xtr_etr_input(x, &src, dg, n - 5, 1);
	assert_int_equal(xtr_get_stats(x)->drops[XTR_DROP_TRUNCATED_INNER], 1);
	/* bad header: shorter than 8 bytes; N and V together */
	xtr_etr_input(x, &src, dg, 5, 1);
	dg[0] = 0x90;
	xtr_etr_input(x, &src, dg, n, 1);
	assert_int_equal(xtr_get_stats(x)->drops[XTR_DROP_BAD_HEADER], 2);
	/* foreign IID */
	n = mk_lisp(dg, 0x88, 5, pk, len);
	xtr_etr_input(x, &src, dg, n, 1);
	assert_int_equal(xtr_get_stats(x)->drops[XTR_DROP_FOREIGN_IID], 1);
	assert_int_equal(xtr_get_stats(x)->decap, 2);
	xtr_free(x);
}

/* Log lines captured (log_set_sink) that name `want`. */
static const char *log_want;
static unsigned log_hits;
static void log_count(int pri, const char *msg, void *arg)
{
	(void)pri;
	(void)arg;
	if (log_want && strstr(msg, log_want))
		log_hits++;
}

/* A LISP data packet (N, nonce, no instance ID) to our ETR from outer source `from`. */
static void etr_ip4(struct xtr *x, const char *from, const char *isrc, const char *idst,
		    uint64_t now)
{
	uint8_t buf[300], dg[400];
	size_t len;
	uint8_t *pk = mk_ip4(buf, isrc, idst, 17, 1000, 2000, 30, false, &len);
	size_t n = mk_lisp(dg, 0x80, 0, pk, len);
	struct ipaddr f = A(from);
	xtr_etr_input(x, &f, dg, n, now);
	xtr_flush(x);
}

/* The measured open relay: site A knows where site B's VM .6 is (a VM of A talked to it: a
 * Map-Reply), and a spoofed LISP packet to A's RLOC for .6 was re-encapsulated to site B,
 * hiding its real source. .6 was never at site A: dropped, counted, logged (rate-limited). */
static void t_no_open_relay(void **s)
{
	(void)s;
	struct xtr *x = mk_iid(0);
	install(x, "198.51.100.6/32", XTR_SRC_REPLY, "192.0.2.2", 1, 100, NULL, 0, 0, SEC);
	install(x, "2001:db8:100::6/128", XTR_SRC_NOTIFY, "2001:db8:ffff::2", 1, 100, NULL, 0, 0,
		SEC);
	install(x, "203.0.113.0/24", XTR_SRC_CONFIG, "192.0.2.3", 1, 100, NULL, 0, 0, SEC);
	log_want = "etrNotLocal";
	log_hits = 0;
	log_set_sink(log_count, NULL);
	for (unsigned i = 0; i < 100; i++)
		etr_ip4(x, "192.0.2.66", "198.51.100.200", "198.51.100.6", 2 * SEC + i * 1000);
	uint8_t buf[300], dg[400];
	size_t len;
	uint8_t *pk = mk_ip6(buf, "2001:db8:100::200", "2001:db8:100::6", 30, &len);
	size_t n = mk_lisp(dg, 0x80, 0, pk, len);
	struct ipaddr f6 = A("2001:db8:ffff::66");
	xtr_etr_input(x, &f6, dg, n, 3 * SEC); /* a pub/sub mapping is not a move either */
	etr_ip4(x, "192.0.2.66", "198.51.100.200", "203.0.113.9", 3 * SEC); /* static */
	log_set_sink(NULL, NULL);
	assert_int_equal(ncap_data, 0);
	assert_int_equal(ncap_tun, 0);
	assert_int_equal(xtr_get_stats(x)->reencap, 0);
	assert_int_equal(xtr_get_stats(x)->drops[XTR_DROP_ETR_NOT_LOCAL], 102);
	assert_string_equal(xtr_drop_name(XTR_DROP_ETR_NOT_LOCAL), "etrNotLocal");
	/* a sample: logged, but not once per packet */
	assert_true(log_hits >= 1 && log_hits <= 10);
	xtr_free(x);
}

/* An EID that moved away from us (the Map-Notify) is re-encapsulated to its new site during
 * <etr reencapsulate-moved-away> seconds (default 180) after the move, dropped and counted
 * after; back here, it is delivered again. With the mapping gone meanwhile, it is resolved. */
static void t_moved_window(void **s)
{
	(void)s;
	struct xtr *x = mk_iid(0);
	struct ipaddr b = A("192.0.2.2");
	assert_int_equal(xtr_config(x)->moved_away_s, 180);
	move_away(x, "198.51.100.5/32", "192.0.2.2", 10 * SEC);
	cap_reset();
	etr_ip4(x, "192.0.2.9", "198.51.100.200", "198.51.100.5", 10 * SEC);
	etr_ip4(x, "192.0.2.9", "198.51.100.200", "198.51.100.5", (10 + 179) * SEC);
	assert_int_equal(ncap_data, 2);
	assert_true(ipaddr_eq(&cap_data[1].dst, &b));
	assert_int_equal(xtr_get_stats(x)->reencap, 2);
	/* after the window */
	log_want = "etrMovedAwayExpired";
	log_hits = 0;
	log_set_sink(log_count, NULL);
	etr_ip4(x, "192.0.2.9", "198.51.100.200", "198.51.100.5", (10 + 180) * SEC);
	xtr_tick(x, (10 + 3600) * SEC); /* remembered for the TTL we registered (1440 min) */
	etr_ip4(x, "192.0.2.9", "198.51.100.200", "198.51.100.5", (10 + 3600) * SEC);
	log_set_sink(NULL, NULL);
	assert_int_equal(ncap_data, 2);
	assert_int_equal(xtr_get_stats(x)->drops[XTR_DROP_ETR_MOVED_EXPIRED], 2);
	assert_int_equal(log_hits, 2);
	/* forgotten after that TTL: never ours as far as we know */
	xtr_tick(x, (10 + 1440 * 60) * SEC);
	etr_ip4(x, "192.0.2.9", "198.51.100.200", "198.51.100.5", (10 + 1440 * 60) * SEC);
	assert_int_equal(xtr_get_stats(x)->drops[XTR_DROP_ETR_NOT_LOCAL], 1);
	/* a move again, the map-cache entry gone meanwhile: resolved, the packet held */
	move_away(x, "198.51.100.5/32", "192.0.2.2", 100000 * SEC);
	struct lisp_prefix p5 = P("198.51.100.5/32");
	assert_int_equal(xtr_cache_remove(x, &p5), 0);
	cap_reset();
	etr_ip4(x, "192.0.2.9", "198.51.100.200", "198.51.100.5", 100001 * SEC);
	assert_int_equal(xtr_cache_pending(x), 1);
	assert_int_equal(xtr_get_stats(x)->queued, 1);
	assert_int_equal(ncap_ctl, 1); /* the Map-Request */
	/* back at our site: delivered again, no longer moved away */
	assert_int_equal(xtr_db_add(x, &p5, true, 100002 * SEC), 0);
	etr_ip4(x, "192.0.2.9", "198.51.100.200", "198.51.100.5", 100002 * SEC);
	assert_int_equal(ncap_tun, 1);
	xtr_free(x);

	/* <etr reencapsulate-moved-away="0">: never */
	struct xtr_cfg *c = test_cfg();
	c->moved_away_s = 0;
	x = xtr_new(c, &test_io, 1);
	xtr_cfg_free(c);
	move_away(x, "198.51.100.5/32", "192.0.2.2", 10 * SEC);
	cap_reset();
	etr_ip4(x, "192.0.2.9", "198.51.100.200", "198.51.100.5", 10 * SEC);
	assert_int_equal(ncap_data, 0);
	assert_int_equal(xtr_get_stats(x)->drops[XTR_DROP_ETR_MOVED_EXPIRED], 1);
	xtr_free(x);
}

/* The D-ETR keeps re-encapsulating for its aggregate (BGP host mappings, and resolving the
 * others), and along BGP host mappings outside it; nothing else it merely knows. */
static void t_detr_relay(void **s)
{
	(void)s;
	struct xtr_cfg *c = test_cfg();
	c->mode = XTR_MODE_REPRESENTATIVE;
	c->rloc[0] = A("192.0.2.10");
	c->db[0].eid = P("198.51.100.0/24");
	struct xtr *x = xtr_new(c, &test_io, SEC);
	xtr_cfg_free(c);
	install(x, "198.51.100.5/32", XTR_SRC_BGP, "192.0.2.1", 1, 100, NULL, 0, 0, SEC);
	install(x, "203.0.113.5/32", XTR_SRC_BGP, "192.0.2.2", 1, 100, NULL, 0, 0, SEC);
	install(x, "203.0.113.6/32", XTR_SRC_REPLY, "192.0.2.2", 1, 100, NULL, 0, 0, SEC);
	cap_reset();
	etr_ip4(x, "192.0.2.30", "192.0.2.200", "198.51.100.5", 2 * SEC);
	etr_ip4(x, "192.0.2.30", "192.0.2.200", "203.0.113.5", 2 * SEC);
	assert_int_equal(ncap_data, 2);
	assert_int_equal(xtr_get_stats(x)->reencap, 2);
	etr_ip4(x, "192.0.2.30", "192.0.2.200", "198.51.100.7", 2 * SEC); /* aggregate: resolve */
	assert_int_equal(xtr_get_stats(x)->resolved_fallback, 1);
	assert_int_equal(xtr_cache_pending(x), 1);
	etr_ip4(x, "192.0.2.30", "192.0.2.200", "203.0.113.6", 2 * SEC);  /* a Map-Reply's */
	etr_ip4(x, "192.0.2.30", "192.0.2.200", "203.0.113.99", 2 * SEC); /* nothing */
	assert_int_equal(ncap_data, 2);
	assert_int_equal(xtr_cache_pending(x), 1);
	assert_int_equal(xtr_get_stats(x)->drops[XTR_DROP_ETR_NOT_LOCAL], 2);
	xtr_free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_header_bytes),  cmocka_unit_test(t_itr_encap),
	    cmocka_unit_test(t_itr_iid),       cmocka_unit_test(t_itr_drops),
	    cmocka_unit_test(t_too_big),       cmocka_unit_test(t_negative),
	    cmocka_unit_test(t_decide),	       cmocka_unit_test(t_etr_input),
	    cmocka_unit_test(t_no_open_relay), cmocka_unit_test(t_moved_window),
	    cmocka_unit_test(t_detr_relay),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
