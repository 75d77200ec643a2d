/* SPDX-License-Identifier: ISC */
/* tests/unit/test_xtr_mapcache.c - the lisp-xtrd map-cache (xtr/mapcache.c): insert and
 * longest match, sources, TTL expiry by the sweep, the size bound with least-recently-used
 * eviction (static entries exempt), the pending-entry limit, the bounded packet queue held
 * during resolution, handed back to the caller in order (the map-cache sends nothing) and
 * flushed through the resolved mapping, clear; and locator selection:
 * priority first, 255 never, weight shares with the flow hash, down locators skipped; the
 * compact entry: slab slots reused, CLOCK eviction order, the pending list, shared locator
 * sets behind the accessor, second timestamps relative to the start; the pending table and
 * its packet pool shared fairly between inner sources. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/cli.h"
#include "common/log.h"
#include "tests/unit/xtr_testlib.h"
#include "xtr/xtr_int.h"

static struct xtr *mk(uint32_t max, uint32_t pending)
{
	struct xtr_cfg *c = test_cfg();
	c->cache_max = max;
	c->pending_max = pending;
	struct xtr *x = xtr_new(c, &test_io, 1);
	xtr_cfg_free(c);
	assert_non_null(x);
	cap_reset();
	return x;
}

static void t_insert_lookup(void **s)
{
	(void)s;
	struct xtr *x = mk(100, 10);
	install(x, "198.51.100.0/24", XTR_SRC_REPLY, "192.0.2.2", 1, 100, NULL, 0, 0, 1);
	install(x, "198.51.100.6/32", XTR_SRC_NOTIFY, "192.0.2.3", 1, 100, NULL, 0, 0, 1);
	struct ipaddr a = A("198.51.100.6"), b = A("198.51.100.7"), c = A("203.0.113.1");
	struct xtr_entry *e = xtr_cache_lookup(x, 0, &a);
	assert_non_null(e);
	assert_int_equal(e->eid.plen, 32);
	assert_int_equal(e->src, XTR_SRC_NOTIFY);
	e = xtr_cache_lookup(x, 0, &b);
	assert_non_null(e);
	assert_int_equal(e->eid.plen, 24);
	assert_null(xtr_cache_lookup(x, 0, &c));
	assert_null(xtr_cache_lookup(x, 7, &a)); /* other instance ID */
	assert_int_equal(xtr_cache_count(x), 2);
	/* replace keeps one entry */
	install(x, "198.51.100.6/32", XTR_SRC_REPLY, "192.0.2.4", 1, 100, NULL, 0, 0, 2);
	assert_int_equal(xtr_cache_count(x), 2);
	assert_true(ipaddr_eq(&xtr_entry_loc(xtr_cache_lookup(x, 0, &a), 0)->addr,
			      &(struct ipaddr){0}) == false);
	xtr_free(x);
}

static void t_expire(void **s)
{
	(void)s;
	struct xtr *x = mk(100, 10);
	struct lisp_prefix p = P("198.51.100.9/32");
	struct xtr_loc l = {.addr = A("192.0.2.2"), .priority = 1, .weight = 1};
	assert_non_null(xtr_cache_install(x, &p, XTR_SRC_REPLY, 0, true, 1, &l, 1, 0)); /* 1 min */
	install(x, "198.51.100.0/24", XTR_SRC_CONFIG, "192.0.2.2", 1, 100, NULL, 0, 0, 0);
	install(x, "198.51.100.128/25", XTR_SRC_BGP, "192.0.2.2", 1, 100, NULL, 0, 0, 0);
	xtr_cache_sweep(x, 59 * SEC);
	assert_int_equal(xtr_cache_count(x), 3);
	xtr_cache_sweep(x, 61 * SEC);
	assert_int_equal(xtr_cache_count(x), 2); /* config and bgp never age */
	assert_int_equal(xtr_get_stats(x)->cache_expired, 1);
	xtr_cache_sweep(x, 100000 * SEC);
	assert_int_equal(xtr_cache_count(x), 2);
	xtr_free(x);
}

static void t_evict_lru(void **s)
{
	(void)s;
	struct xtr *x = mk(3, 10);
	install(x, "198.51.100.0/24", XTR_SRC_CONFIG, "192.0.2.2", 1, 100, NULL, 0, 0, 0);
	install(x, "203.0.113.1/32", XTR_SRC_REPLY, "192.0.2.2", 1, 100, NULL, 0, 0, 1);
	install(x, "203.0.113.2/32", XTR_SRC_REPLY, "192.0.2.2", 1, 100, NULL, 0, 0, 2);
	install(x, "203.0.113.3/32", XTR_SRC_REPLY, "192.0.2.2", 1, 100, NULL, 0, 0, 3);
	/* use .1: .2 becomes the least recently used */
	uint8_t buf[200];
	size_t len;
	uint8_t *pk = mk_ip4(buf, "198.51.100.5", "203.0.113.1", 17, 1, 2, 10, false, &len);
	xtr_itr_input(x, pk, len, 4);
	install(x, "203.0.113.4/32", XTR_SRC_REPLY, "192.0.2.2", 1, 100, NULL, 0, 0, 5);
	struct ipaddr a2 = A("203.0.113.2"), a1 = A("203.0.113.1"), a4 = A("203.0.113.4");
	assert_null(xtr_cache_lookup(x, 0, &a2));
	assert_non_null(xtr_cache_lookup(x, 0, &a1));
	assert_non_null(xtr_cache_lookup(x, 0, &a4));
	assert_int_equal(xtr_cache_dynamic(x), 3);
	assert_int_equal(xtr_cache_count(x), 4); /* + the config entry */
	assert_int_equal(xtr_get_stats(x)->cache_evictions, 1);
	/* a flood of random EIDs stays bounded */
	for (unsigned i = 0; i < 1000; i++) {
		char d[32];
		snprintf(d, sizeof(d), "10.%u.%u.1", i / 250, i % 250);
		pk = mk_ip4(buf, "198.51.100.5", d, 17, 1, 2, 10, false, &len);
		xtr_itr_input(x, pk, len, 10 + i);
	}
	assert_true(xtr_cache_dynamic(x) <= 3);
	assert_true(xtr_cache_pending(x) <= 3);
	xtr_free(x);
}

static void t_pending_limit(void **s)
{
	(void)s;
	struct xtr *x = mk(1000, 4);
	uint8_t buf[200];
	size_t len;
	for (unsigned i = 0; i < 10; i++) {
		char d[32];
		snprintf(d, sizeof(d), "10.0.0.%u", i + 1);
		uint8_t *pk = mk_ip4(buf, "198.51.100.5", d, 17, 1, 2, 10, false, &len);
		xtr_itr_input(x, pk, len, 1);
	}
	assert_int_equal(xtr_cache_pending(x), 4);
	assert_int_equal(xtr_get_stats(x)->drops[XTR_DROP_PENDING_LIMIT], 6);
	xtr_free(x);
}

static void t_queue(void **s)
{
	(void)s;
	struct xtr *x = mk(1000, 10);
	uint8_t buf[200];
	size_t len;
	for (unsigned i = 0; i < 12; i++) {
		uint8_t *pk = mk_ip4(buf, "198.51.100.5", "198.51.100.6", 17, (uint16_t)(1000 + i),
				     2, 10, false, &len);
		xtr_itr_input(x, pk, len, 1);
	}
	assert_int_equal(xtr_cache_pending(x), 1);
	assert_int_equal(xtr_get_stats(x)->queued, 8); /* queue-length 8 */
	{
		struct ipaddr d = A("198.51.100.6");
		struct xtr_entry *pe = xtr_cache_lookup(x, 0, &d);
		assert_int_equal(pe->ext->qcap, 8); /* ring sized by the config */
		assert_int_equal(xtr_entry_queued(pe), 8);
	}
	assert_int_equal(xtr_get_stats(x)->drops[XTR_DROP_QUEUE_FULL], 4);
	assert_int_equal(ncap_data, 0);
	/* the reply's mapping (a covering /24) resolves the pending /32: 8 packets leave */
	install(x, "198.51.100.0/24", XTR_SRC_REPLY, "192.0.2.2", 1, 100, NULL, 0, 0, 2);
	assert_int_equal(xtr_cache_pending(x), 0);
	assert_int_equal(ncap_data, 8);
	assert_int_equal(xtr_get_stats(x)->encap, 8);
	assert_int_equal(xtr_get_stats(x)->tun_in, 12); /* released packets not counted twice */
	assert_int_equal(xtr_get_stats(x)->dequeued, 8);
	/* in order: the inner UDP source ports 1000..1007 */
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(cap_data[i].data[16 + 20] << 8 | cap_data[i].data[16 + 21],
				 1000 + i);
	assert_true(nflush >= 1);
	xtr_free(x);
}

/* Inner UDP source port of a released packet (mk_ip4: 20-byte IPv4 header). */
static unsigned rel_sport(struct xtr *x, const struct xtr_released *rel, unsigned k)
{
	size_t len;
	const uint8_t *p = xtr_released_pkt(x, rel, k, &len);
	assert_int_equal(len, 20 + 8 + 10);
	return (unsigned)(p[20] << 8 | p[21]);
}

/* The map-cache is a leaf: resolving pending entries hands their packets back to the caller
 * in order (the entry's own queue, then the covered hosts' in prefix order), sends nothing,
 * and keeps the slots until the caller frees them. */
static void t_resolve_returns_queue(void **s)
{
	(void)s;
	struct xtr *x = mk(1000, 10);
	uint8_t buf[200];
	size_t len;
	struct xtr_released rel;
	struct xtr_loc l = {.addr = A("192.0.2.2"), .priority = 1, .weight = 100};
	const char *dst[] = {"198.51.100.7", "198.51.100.6", "198.51.100.7", "198.51.100.6",
			     "198.51.100.9"};
	for (unsigned i = 0; i < 5; i++) {
		uint8_t *pk = mk_ip4(buf, "198.51.100.5", dst[i], 17, (uint16_t)(1000 + i), 2, 10,
				     false, &len);
		xtr_itr_input(x, pk, len, 1);
	}
	assert_int_equal(xtr_cache_pending(x), 3);
	size_t ctl = ncap_ctl; /* the Map-Requests */

	/* the exact host: its own queue, oldest first */
	struct lisp_prefix p9 = P("198.51.100.9/32");
	rel.n = 99;
	assert_non_null(xtr_cache_put(x, &p9, XTR_SRC_REPLY, 0, true, 10, &l, 1, 2, &rel));
	assert_int_equal(rel.n, 1);
	assert_int_equal(rel_sport(x, &rel, 0), 1004);
	assert_int_equal(x->pool_used, 5); /* still the caller's */
	xtr_released_free(x, &rel);
	assert_int_equal(rel.n, 0);
	assert_int_equal(x->pool_used, 4);

	/* a covering /24: .6's packets then .7's, each queue in arrival order */
	struct lisp_prefix p24 = P("198.51.100.0/24");
	assert_non_null(xtr_cache_put(x, &p24, XTR_SRC_REPLY, 0, true, 10, &l, 1, 3, &rel));
	assert_int_equal(xtr_cache_pending(x), 0);
	assert_int_equal(rel.n, 4);
	static const unsigned want[] = {1001, 1003, 1000, 1002};
	for (unsigned k = 0; k < 4; k++)
		assert_int_equal(rel_sport(x, &rel, k), want[k]);
	assert_int_equal(xtr_get_stats(x)->dequeued, 5);
	/* nothing left through the data sink, nothing flushed, no control message */
	assert_int_equal(ncap_data, 0);
	assert_int_equal(nflush, 0);
	assert_int_equal(ncap_ctl, ctl);
	/* the caller sends them: through the new mapping, in that order */
	xtr_forward_released(x, 0, &rel, 4);
	assert_int_equal(rel.n, 0);
	assert_int_equal(x->pool_used, 0);
	assert_int_equal(ncap_data, 4);
	for (unsigned k = 0; k < 4; k++)
		assert_int_equal(cap_data[k].data[16 + 20] << 8 | cap_data[k].data[16 + 21],
				 want[k]);
	assert_true(nflush >= 1);

	/* without a caller's list (NULL) released packets are dropped, counted */
	uint8_t *pk = mk_ip4(buf, "198.51.100.5", "203.0.113.1", 17, 1, 2, 10, false, &len);
	xtr_itr_input(x, pk, len, 5);
	struct lisp_prefix h = P("203.0.113.1/32");
	uint64_t unresolved = xtr_get_stats(x)->drops[XTR_DROP_UNRESOLVED];
	assert_non_null(xtr_cache_put(x, &h, XTR_SRC_REPLY, 0, true, 10, &l, 1, 6, NULL));
	assert_int_equal(xtr_get_stats(x)->drops[XTR_DROP_UNRESOLVED], unresolved + 1);
	assert_int_equal(x->pool_used, 0);
	xtr_free(x);
}

static void t_queue_drop_policy(void **s)
{
	(void)s;
	struct xtr_cfg *c = test_cfg();
	c->queue_policy = XTR_QUEUE_DROP;
	struct xtr *x = xtr_new(c, &test_io, 1);
	xtr_cfg_free(c);
	cap_reset();
	uint8_t buf[200];
	size_t len;
	uint8_t *pk = mk_ip4(buf, "198.51.100.5", "198.51.100.6", 17, 1, 2, 10, false, &len);
	xtr_itr_input(x, pk, len, 1);
	assert_int_equal(xtr_get_stats(x)->queued, 0);
	assert_int_equal(xtr_get_stats(x)->drops[XTR_DROP_QUEUE_FULL], 1);
	assert_int_equal(xtr_cache_pending(x), 1);
	/* the pending entry's side struct has no queue slots at all */
	struct ipaddr d = A("198.51.100.6");
	struct xtr_entry *e = xtr_cache_lookup(x, 0, &d);
	assert_non_null(e);
	assert_non_null(e->ext);
	assert_int_equal(e->ext->qcap, 0);
	assert_int_equal(xtr_entry_queued(e), 0);
	xtr_free(x);
}

static void t_clear(void **s)
{
	(void)s;
	struct xtr *x = mk(100, 10);
	install(x, "198.51.100.0/24", XTR_SRC_CONFIG, "192.0.2.2", 1, 100, NULL, 0, 0, 0);
	install(x, "198.51.100.6/32", XTR_SRC_REPLY, "192.0.2.2", 1, 100, NULL, 0, 0, 0);
	install(x, "198.51.100.7/32", XTR_SRC_REPLY, "192.0.2.2", 1, 100, NULL, 0, 0, 0);
	install(x, "203.0.113.7/32", XTR_SRC_REPLY, "192.0.2.2", 1, 100, NULL, 0, 0, 0);
	struct lisp_prefix p = P("198.51.100.0/24");
	assert_int_equal(xtr_cache_clear(x, &p, XTR_SRC_REPLY), 2);
	assert_int_equal(xtr_cache_count(x), 2);
	assert_int_equal(xtr_cache_clear(x, NULL, XTR_SRC__COUNT), 2);
	assert_int_equal(xtr_cache_count(x), 0);
	assert_int_equal(xtr_cache_dynamic(x), 0);
	xtr_free(x);
}

/* ---- locator selection ---- */
static void t_sel_priority(void **s)
{
	(void)s;
	struct xtr *x = mk(100, 10);
	install(x, "198.51.100.6/32", XTR_SRC_REPLY, "192.0.2.2", 2, 100, "192.0.2.3", 1, 1, 0);
	struct ipaddr a = A("198.51.100.6"), best = A("192.0.2.3");
	struct xtr_entry *e = xtr_cache_lookup(x, 0, &a);
	for (uint32_t h = 0; h < 1000; h++)
		assert_true(ipaddr_eq(&xtr_select_locator(x, e, h)->addr, &best));
	/* best one down: the other */
	xtr_rloc_set_up(x, &best, false);
	struct ipaddr other = A("192.0.2.2");
	for (uint32_t h = 0; h < 100; h++)
		assert_true(ipaddr_eq(&xtr_select_locator(x, e, h)->addr, &other));
	/* both down: none */
	xtr_rloc_set_up(x, &other, false);
	assert_null(xtr_select_locator(x, e, 5));
	xtr_rloc_set_up(x, &best, true);
	assert_true(ipaddr_eq(&xtr_select_locator(x, e, 5)->addr, &best));
	xtr_free(x);
}

static void t_sel_255(void **s)
{
	(void)s;
	struct xtr *x = mk(100, 10);
	install(x, "198.51.100.6/32", XTR_SRC_REPLY, "192.0.2.2", 255, 100, NULL, 0, 0, 0);
	struct ipaddr a = A("198.51.100.6");
	assert_null(xtr_select_locator(x, xtr_cache_lookup(x, 0, &a), 1));
	xtr_free(x);
}

static void t_sel_weight(void **s)
{
	(void)s;
	struct xtr *x = mk(100, 10);
	install(x, "198.51.100.6/32", XTR_SRC_REPLY, "192.0.2.2", 1, 75, "192.0.2.3", 1, 25, 0);
	struct ipaddr a = A("198.51.100.6"), r2 = A("192.0.2.2");
	struct xtr_entry *e = xtr_cache_lookup(x, 0, &a);
	unsigned n2 = 0, total = 10000;
	/* the flow hash of varied flows spreads 75/25 */
	for (unsigned i = 0; i < total; i++) {
		uint32_t h = i * 2654435761u;
		h ^= h >> 15;
		if (ipaddr_eq(&xtr_select_locator(x, e, h)->addr, &r2))
			n2++;
	}
	assert_true(n2 > 7000 && n2 < 8000);
	/* one flow always picks the same locator */
	const struct xtr_loc *l = xtr_select_locator(x, e, 12345);
	for (int i = 0; i < 10; i++)
		assert_ptr_equal(xtr_select_locator(x, e, 12345), l);
	/* all weights zero: equal shares */
	install(x, "198.51.100.7/32", XTR_SRC_REPLY, "192.0.2.2", 1, 0, "192.0.2.3", 1, 0, 0);
	struct ipaddr b = A("198.51.100.7");
	e = xtr_cache_lookup(x, 0, &b);
	n2 = 0;
	for (unsigned i = 0; i < 1000; i++)
		if (ipaddr_eq(&xtr_select_locator(x, e, i)->addr, &r2))
			n2++;
	assert_int_equal(n2, 500);
	xtr_free(x);
}

static void t_slab_reuse(void **s)
{
	(void)s;
	struct xtr *x = mk(100, 10);
	assert_true(sizeof(struct xtr_entry) <= 72);
	install(x, "203.0.113.1/32", XTR_SRC_REPLY, "192.0.2.2", 1, 100, NULL, 0, 0, 1);
	install(x, "203.0.113.2/32", XTR_SRC_REPLY, "192.0.2.2", 1, 100, NULL, 0, 0, 1);
	install(x, "203.0.113.3/32", XTR_SRC_REPLY, "192.0.2.2", 1, 100, NULL, 0, 0, 1);
	assert_int_equal(xtr_cache_slab_slots(x), 3);
	struct lisp_prefix p = P("203.0.113.2/32");
	assert_int_equal(xtr_cache_remove(x, &p), 0);
	assert_int_equal(xtr_cache_count(x), 2);
	install(x, "203.0.113.4/32", XTR_SRC_REPLY, "192.0.2.2", 1, 100, NULL, 0, 0, 1);
	assert_int_equal(xtr_cache_slab_slots(x), 3); /* the freed slot, no new one */
	assert_int_equal(xtr_cache_count(x), 3);
	struct ipaddr a4 = A("203.0.113.4"), a2 = A("203.0.113.2");
	assert_non_null(xtr_cache_lookup(x, 0, &a4));
	assert_null(xtr_cache_lookup(x, 0, &a2));
	/* many entries: more than one chunk, all freed by clear and reused */
	for (unsigned i = 0; i < XTR_SLAB_CHUNK + 10; i++) {
		struct lisp_prefix q = P("10.0.0.0/32");
		q.a[1] = (uint8_t)(i >> 8);
		q.a[2] = (uint8_t)i;
		struct xtr_loc l = {.addr = A("192.0.2.9"), .priority = 1, .weight = 1};
		if (i == 0) {
			xtr_free(x);
			x = mk(XTR_SLAB_CHUNK * 2, 10);
		}
		assert_non_null(xtr_cache_install(x, &q, XTR_SRC_REPLY, 0, true, 10, &l, 1, 1));
	}
	size_t slots = xtr_cache_slab_slots(x);
	assert_int_equal(slots, XTR_SLAB_CHUNK + 10);
	assert_int_equal(xtr_cache_clear(x, NULL, XTR_SRC__COUNT), XTR_SLAB_CHUNK + 10);
	assert_int_equal(xtr_cache_dynamic(x), 0);
	install(x, "203.0.113.1/32", XTR_SRC_REPLY, "192.0.2.2", 1, 100, NULL, 0, 0, 1);
	assert_int_equal(xtr_cache_slab_slots(x), slots);
	xtr_free(x);
}

static void t_clock_order(void **s)
{
	(void)s;
	struct xtr *x = mk(3, 10);
	const char *n[] = {"203.0.113.1", "203.0.113.2", "203.0.113.3",
			   "203.0.113.4", "203.0.113.5", "203.0.113.6"};
	struct ipaddr a[6];
	for (unsigned i = 0; i < 6; i++)
		a[i] = A(n[i]);
	install(x, "203.0.113.1/32", XTR_SRC_REPLY, "192.0.2.2", 1, 100, NULL, 0, 0, 1);
	install(x, "203.0.113.2/32", XTR_SRC_REPLY, "192.0.2.2", 1, 100, NULL, 0, 0, 1);
	install(x, "203.0.113.3/32", XTR_SRC_REPLY, "192.0.2.2", 1, 100, NULL, 0, 0, 1);
	xtr_cache_touch(x, xtr_cache_lookup(x, 0, &a[1]), 2);
	xtr_cache_touch(x, xtr_cache_lookup(x, 0, &a[2]), 2);
	/* .1 never used since inserted: the hand takes it first */
	install(x, "203.0.113.4/32", XTR_SRC_REPLY, "192.0.2.2", 1, 100, NULL, 0, 0, 3);
	assert_null(xtr_cache_lookup(x, 0, &a[0]));
	/* .2 and .3 get a second chance (bits cleared), the unused .4 goes */
	install(x, "203.0.113.5/32", XTR_SRC_REPLY, "192.0.2.2", 1, 100, NULL, 0, 0, 4);
	assert_null(xtr_cache_lookup(x, 0, &a[3]));
	assert_non_null(xtr_cache_lookup(x, 0, &a[1]));
	assert_non_null(xtr_cache_lookup(x, 0, &a[2]));
	/* their chance used up: .2 (next after the hand) goes now */
	install(x, "203.0.113.6/32", XTR_SRC_REPLY, "192.0.2.2", 1, 100, NULL, 0, 0, 5);
	assert_null(xtr_cache_lookup(x, 0, &a[1]));
	assert_non_null(xtr_cache_lookup(x, 0, &a[2]));
	assert_non_null(xtr_cache_lookup(x, 0, &a[4]));
	assert_non_null(xtr_cache_lookup(x, 0, &a[5]));
	assert_int_equal(xtr_get_stats(x)->cache_evictions, 3);
	assert_int_equal(xtr_cache_dynamic(x), 3);
	xtr_free(x);
}

static void t_pending_list(void **s)
{
	(void)s;
	struct xtr *x = mk(1000, 10);
	uint8_t buf[200];
	size_t len;
	const char *d[] = {"10.0.0.1", "10.0.0.2", "10.0.0.3"};
	for (unsigned i = 0; i < 3; i++) {
		uint8_t *pk = mk_ip4(buf, "198.51.100.5", d[i], 17, 1, 2, 10, false, &len);
		xtr_itr_input(x, pk, len, 1);
	}
	install(x, "192.0.2.0/24", XTR_SRC_REPLY, "192.0.2.2", 1, 100, NULL, 0, 0, 1);
	assert_int_equal(xtr_cache_pending(x), 3);
	struct xtr_entry *e = x->plist_head;
	for (unsigned i = 0; i < 3; i++, e = e->ext->pnext) {
		struct ipaddr a = A(d[i]);
		assert_non_null(e);
		assert_int_equal(e->src, XTR_SRC_PENDING);
		assert_memory_equal(e->eid.a, a.a, 4); /* oldest first */
	}
	assert_null(e);
	/* the middle one resolved: off the list, the others keep their order */
	install(x, "10.0.0.2/32", XTR_SRC_REPLY, "192.0.2.2", 1, 100, NULL, 0, 0, 2);
	assert_int_equal(xtr_cache_pending(x), 2);
	assert_int_equal(x->plist_head->eid.a[3], 1);
	assert_int_equal(x->plist_head->ext->pnext->eid.a[3], 3);
	assert_ptr_equal(x->plist_tail, x->plist_head->ext->pnext);
	assert_null(x->plist_tail->ext->pnext);
	/* the tick retransmits only from the list; giving up empties it */
	for (unsigned t = 0; t < 200; t++)
		xtr_tick(x, (2 + t) * SEC);
	assert_int_equal(xtr_cache_pending(x), 0);
	assert_null(x->plist_head);
	assert_null(x->plist_tail);
	xtr_free(x);
}

static unsigned limited_logs;
static void log_count(int pri, const char *msg, void *arg)
{
	(void)pri;
	(void)arg;
	if (strstr(msg, "itrResolveSourceLimited"))
		limited_logs++;
}

/* One packet from src to dst at t (ns) into the ITR. */
static void miss(struct xtr *x, const char *src, const char *dst, uint64_t t)
{
	uint8_t buf[200];
	size_t len;
	uint8_t *pk = mk_ip4(buf, src, dst, 17, 1, 2, 10, false, &len);
	xtr_itr_input(x, pk, len, t);
}

/* The pending table shared per inner source: alone, a source may fill it (then the usual
 * pendingLimit); with n sources holding entries, each holds at most max / n; a full table
 * gives up the newest entry of a source over its share (its packet counted as
 * itrResolveSourceLimited) for a source under it; a source at its share is refused. */
static void t_pending_fair(void **s)
{
	(void)s;
	struct xtr *x = mk(1000, 4);
	const struct xtr_stats *st = xtr_get_stats(x);
	struct ipaddr a4 = A("10.0.0.4"), a3 = A("10.0.0.3");
	limited_logs = 0;
	log_set_sink(log_count, NULL);
	char d[32];
	for (unsigned i = 1; i <= 5; i++) {
		snprintf(d, sizeof(d), "10.0.0.%u", i);
		miss(x, "198.51.100.5", d, 1);
	}
	assert_int_equal(xtr_cache_pending(x), 4);
	assert_int_equal(st->drops[XTR_DROP_PENDING_LIMIT], 1);
	/* B: A (4) is over the share of two (2): its newest entry gives way */
	miss(x, "198.51.100.50", "10.0.1.1", 2);
	assert_int_equal(xtr_cache_pending(x), 4);
	assert_null(xtr_cache_lookup(x, 0, &a4));
	assert_int_equal(st->pending_preempted, 1);
	assert_int_equal(st->drops[XTR_DROP_SOURCE_LIMITED], 1); /* A's held packet */
	assert_int_equal(x->nsrc_active, 2);
	/* A at 3, over its share: refused without touching the table */
	miss(x, "198.51.100.5", "10.0.0.9", 3);
	assert_int_equal(st->drops[XTR_DROP_SOURCE_LIMITED], 2);
	/* C: shares of one each; A gives way again, B (1) keeps its entry */
	miss(x, "198.51.100.51", "10.0.2.1", 4);
	assert_null(xtr_cache_lookup(x, 0, &a3));
	assert_int_equal(st->pending_preempted, 2);
	struct ipaddr b1 = A("10.0.1.1"), c1 = A("10.0.2.1");
	assert_int_equal(xtr_cache_lookup(x, 0, &b1)->src, XTR_SRC_PENDING);
	assert_int_equal(xtr_entry_queued(xtr_cache_lookup(x, 0, &c1)), 1);
	/* B at its share of one: refused */
	miss(x, "198.51.100.50", "10.0.1.2", 5);
	assert_int_equal(st->drops[XTR_DROP_SOURCE_LIMITED], 4);
	assert_int_equal(st->drops[XTR_DROP_PENDING_LIMIT], 1);
	log_set_sink(NULL, NULL);
	assert_int_equal(limited_logs, 4); /* each logged (rate-limited: 5 a second) */
	/* resolved: the sources' accounts are released */
	install(x, "10.0.0.0/8", XTR_SRC_REPLY, "192.0.2.2", 1, 100, NULL, 0, 0, 6);
	assert_int_equal(xtr_cache_pending(x), 0);
	assert_int_equal(x->nsrc_active, 0);
	for (unsigned i = 0; i < XTR_SRC_SLOTS; i++)
		if (x->srcs[i].npending || x->srcs[i].nqueued || x->srcs[i].nwait)
			fail_msg("source slot %u still counts", i);
	xtr_free(x);

	/* the packet pool (512 slots) too: A holds all of it in 16 entries of 32 packets */
	struct xtr_cfg *c = test_cfg();
	c->pending_max = 20;
	c->queue_len = 32;
	x = xtr_new(c, &test_io, 1);
	xtr_cfg_free(c);
	st = xtr_get_stats(x);
	for (unsigned i = 0; i < 16 * 32; i++) {
		snprintf(d, sizeof(d), "10.0.0.%u", i / 32 + 1);
		miss(x, "198.51.100.5", d, 1);
	}
	assert_int_equal(st->queued, 512);
	miss(x, "198.51.100.5", "10.0.0.17", 1); /* alone: the pool is simply full */
	assert_int_equal(st->drops[XTR_DROP_QUEUE_FULL], 1);
	/* B's first packet is held: A's newest held packet gives way */
	miss(x, "198.51.100.50", "10.0.1.1", 2);
	assert_int_equal(xtr_entry_queued(xtr_cache_lookup(x, 0, &b1)), 1);
	assert_int_equal(st->drops[XTR_DROP_SOURCE_LIMITED], 1);
	assert_int_equal(st->queued, 513);
	xtr_free(x);
}

static void t_locator_accessor(void **s)
{
	(void)s;
	struct xtr *x = mk(1000, 10);
	install(x, "203.0.113.1/32", XTR_SRC_REPLY, "192.0.2.2", 1, 100, "192.0.2.3", 2, 50, 1);
	install(x, "203.0.113.2/32", XTR_SRC_REPLY, "192.0.2.2", 1, 100, "192.0.2.3", 2, 50, 1);
	install(x, "203.0.113.3/32", XTR_SRC_REPLY, "192.0.2.4", 1, 100, NULL, 0, 0, 1);
	struct lisp_prefix neg = P("203.0.113.9/32");
	assert_non_null(
	    xtr_cache_install(x, &neg, XTR_SRC_REPLY, LISP_ACT_DROP, false, 1, NULL, 0, 1));
	struct ipaddr a1 = A("203.0.113.1"), a2 = A("203.0.113.2"), a3 = A("203.0.113.3"),
		      a9 = A("203.0.113.9"), r3 = A("192.0.2.3");
	struct xtr_entry *e1 = xtr_cache_lookup(x, 0, &a1), *e2 = xtr_cache_lookup(x, 0, &a2);
	struct xtr_entry *e3 = xtr_cache_lookup(x, 0, &a3), *e9 = xtr_cache_lookup(x, 0, &a9);
	assert_int_equal(xtr_cache_locsets(x), 2); /* the same locators stored once */
	assert_ptr_equal(e1->loc, e2->loc);
	assert_int_equal(e1->nloc, 2);
	assert_true(ipaddr_eq(&xtr_entry_loc(e1, 1)->addr, &r3));
	assert_int_equal(xtr_entry_loc(e1, 1)->priority, 2);
	assert_int_equal(xtr_entry_loc(e1, 1)->weight, 50);
	assert_null(xtr_entry_loc(e1, 2));
	assert_int_equal(e3->nloc, 1);
	assert_null(xtr_entry_loc(e9, 0)); /* negative: no set */
	assert_null(e9->loc);
	/* replacing e3's locators by e1's frees its set */
	install(x, "203.0.113.3/32", XTR_SRC_REPLY, "192.0.2.2", 1, 100, "192.0.2.3", 2, 50, 2);
	assert_int_equal(xtr_cache_locsets(x), 1);
	assert_ptr_equal(e3->loc, e1->loc);
	xtr_cache_clear(x, NULL, XTR_SRC__COUNT);
	assert_int_equal(xtr_cache_locsets(x), 0);
	xtr_free(x);
}

static void t_timestamps(void **s)
{
	(void)s;
	struct xtr_cfg *c = test_cfg();
	struct xtr *x = xtr_new(c, &test_io, 5 * SEC + SEC / 2); /* started at 5.5 s */
	xtr_cfg_free(c);
	assert_non_null(x);
	assert_int_equal(xtr_sec(x, 1), 0); /* before the start: 0 */
	assert_int_equal(xtr_sec(x, 5 * SEC), 0);
	assert_int_equal(xtr_sec(x, 7 * SEC + 200), 2);
	assert_int_equal(xtr_sec_ns(x, 2), 7 * SEC);
	struct lisp_prefix p = P("203.0.113.1/32");
	struct xtr_loc l = {.addr = A("192.0.2.2"), .priority = 1, .weight = 1};
	struct xtr_entry *e =
	    xtr_cache_install(x, &p, XTR_SRC_REPLY, 0, true, 1, &l, 1, 5 * SEC + SEC / 2);
	assert_non_null(e);
	/* expiry = change time + TTL, rounded up to the second: 65.5 s -> 66 s */
	assert_int_equal(xtr_entry_expires_ns(x, e), 66 * SEC);
	assert_int_equal(e->changed, 0);
	xtr_cache_touch(x, e, 30 * SEC + 1);
	assert_int_equal(xtr_entry_last_used_ns(x, e), 30 * SEC);
	/* the change time on the wall clock, to the second, near now */
	uint64_t ms = xtr_entry_changed_ms(x, e);
	assert_true(ms > 1500000000000ULL);
	/* an expiry at or before the start still expires (0 would mean never) */
	xtr_entry_set_expiry(x, e, 1);
	assert_int_equal(e->expires, 1);
	xtr_entry_set_expiry(x, e, 66 * SEC);
	xtr_cache_sweep(x, 65 * SEC + SEC / 2);
	assert_int_equal(xtr_cache_count(x), 1);
	xtr_cache_sweep(x, 66 * SEC);
	assert_int_equal(xtr_cache_count(x), 0);
	/* 32-bit seconds: far times saturate instead of wrapping */
	assert_int_equal(xtr_sec(x, UINT64_MAX), UINT32_MAX - 1);
	xtr_free(x);
}

/* show map-cache: count, filters (prefix exact / longest / longer, RLOC), the table,
 * detail with ages, the one-entry answer of an address (kept for scripts). */
static char *mcx(struct cli *cli, const char *line)
{
	static struct strbuf sb;
	strbuf_free(&sb);
	cli_exec(cli, NULL, line, &sb);
	return (char *)strbuf_str(&sb);
}

static void t_cli_views(void **s)
{
	(void)s;
	struct xtr *x = mk(10000, 10);
	struct cli *cli = xtr_cli_new(NULL, x);
	char eid[64], *a;

	assert_non_null(cli);
	for (unsigned i = 0; i < 300; i++) {
		snprintf(eid, sizeof(eid), "198.51.%u.%u/32", 100 + i / 200, i % 200);
		install(x, eid, XTR_SRC_REPLY, i % 3 ? "192.0.2.2" : "192.0.2.3", 1, 100, NULL, 0,
			0, 1);
	}
	install(x, "203.0.113.0/24", XTR_SRC_REPLY, "192.0.2.2", 1, 100, NULL, 0, 0, 1);
	assert_string_equal(mcx(cli, "show map-cache count"), "301\n");
	assert_string_equal(mcx(cli, "show map-cache count json"), "{\n  \"count\": 301\n}\n");
	assert_string_equal(mcx(cli, "show map-cache rloc 192.0.2.3 count"), "100\n");
	assert_string_equal(mcx(cli, "show map-cache 198.51.101.0/24 longer count"), "100\n");
	assert_string_equal(mcx(cli, "show map-cache 198.51.100.0/25 longer count"), "128\n");
	assert_string_equal(mcx(cli, "show map-cache 203.0.113.0/24 count"), "1\n");
	/* an address: its entry alone (an object in JSON), the longest match */
	a = mcx(cli, "show map-cache 203.0.113.77 json");
	assert_true(strncmp(a, "{\n  \"eidPrefix\": \"203.0.113.0/24\",", 34) == 0);
	assert_non_null(strstr(a, "\"ttlLeftSeconds\": "));
	a = mcx(cli, "show map-cache 198.51.100.5 detail");
	/* "ttl left:   21h04m": an age, not a number of seconds */
	char *t = strstr(a, "ttl left:");
	assert_non_null(t);
	t += strlen("ttl left:");
	t += strspn(t, " ");
	t += strspn(t, "0123456789");
	assert_true(*t == 'h' || *t == 'm' || *t == 's' || *t == 'd');
	assert_non_null(strstr(a, "changed:"));
	assert_non_null(strstr(mcx(cli, "show map-cache 198.51.100.250"), "% no map-cache entry"));
	/* the table */
	a = mcx(cli, "show map-cache rloc 192.0.2.3");
	size_t lines = 0;
	for (char *p = a; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 100 + 2);
	assert_true(strncmp(a, "EID ", 4) == 0);
	assert_non_null(strstr(a, "\n100 entries\n"));
	/* JSON: the head, every mapping, the count */
	a = mcx(cli, "show map-cache json");
	assert_non_null(strstr(a, "\"entries\": 301"));
	size_t n = 0;
	for (char *p = a; (p = strstr(p, "\"eidPrefix\"")); p++)
		n++;
	assert_int_equal(n, 301);
	assert_non_null(strstr(a, "\"count\": 301\n}\n"));
	cli_free(cli);
	xtr_free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_insert_lookup),
	    cmocka_unit_test(t_expire),
	    cmocka_unit_test(t_evict_lru),
	    cmocka_unit_test(t_pending_limit),
	    cmocka_unit_test(t_queue),
	    cmocka_unit_test(t_resolve_returns_queue),
	    cmocka_unit_test(t_queue_drop_policy),
	    cmocka_unit_test(t_clear),
	    cmocka_unit_test(t_sel_priority),
	    cmocka_unit_test(t_sel_255),
	    cmocka_unit_test(t_sel_weight),
	    cmocka_unit_test(t_slab_reuse),
	    cmocka_unit_test(t_clock_order),
	    cmocka_unit_test(t_pending_list),
	    cmocka_unit_test(t_pending_fair),
	    cmocka_unit_test(t_locator_accessor),
	    cmocka_unit_test(t_timestamps),
	    cmocka_unit_test(t_cli_views),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
