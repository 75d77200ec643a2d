/* tests/unit/test_xtr_mapcache.c - the lisp-xtrd map-cache (xtr/mapcache.c): insert and
 * longest match, sources, TTL expiry by the sweep, the size bound with least-recently-used
 * eviction (static entries exempt), the pending-entry limit, the bounded packet queue held
 * during resolution and flushed through the resolved mapping, clear; and locator selection:
 * priority first, 255 never, weight shares with the flow hash, down locators skipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/xtr_testlib.h"

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
	assert_true(ipaddr_eq(&xtr_cache_lookup(x, 0, &a)->loc[0].addr, &(struct ipaddr){0}) ==
		    false);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_insert_lookup), cmocka_unit_test(t_expire),
	    cmocka_unit_test(t_evict_lru),     cmocka_unit_test(t_pending_limit),
	    cmocka_unit_test(t_queue),	       cmocka_unit_test(t_queue_drop_policy),
	    cmocka_unit_test(t_clear),	       cmocka_unit_test(t_sel_priority),
	    cmocka_unit_test(t_sel_255),       cmocka_unit_test(t_sel_weight),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
