/* SPDX-License-Identifier: ISC */
/* tests/unit/test_bgp_rib.c - bgp/rib.c: Adj-RIB add / replace / identical /
 * withdraw keyed by prefix + path ID (RFC 7911), growth past many resizes, stale marking
 * and purging by family (RFC 4724), sorted walks, and reassembling a host mapping from the
 * paths of one prefix (newer map version replaces, older ignored). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/bgp_int.h"

static struct lisp_prefix P(const char *s) {
	struct lisp_prefix p;
	assert_int_equal(prefix_parse(s, &p, false), 0);
	return p;
}

static struct bgp_rib_path
path(uint32_t id, const char *rloc, uint8_t prio, uint16_t ver)
{
	struct bgp_rib_path rp;
	memset(&rp, 0, sizeof(rp));
	rp.path_id = id;
	rp.map_ok = true;
	assert_int_equal(ipaddr_parse(rloc, &rp.nh), 0);
	rp.map.loc.rloc = rp.nh;
	rp.map.loc.priority = prio;
	rp.map.loc.weight = 100;
	rp.map.version = ver;
	rp.map.path_id = id;
	return rp;
}

struct op {
	const char *name;
	char kind; /* 'a' add/update, 'w' withdraw */
	const char *prefix;
	uint32_t id;
	const char *rloc;
	uint8_t prio;
	int rc;		/* expected return */
	size_t entries; /* after */
	size_t paths;
};

static const struct op ops[] = {
    {"add first path", 'a', "198.51.100.5/32", 1, "192.0.2.1", 1, 0, 1, 1},
    {"add second path id", 'a', "198.51.100.5/32", 2, "192.0.2.2", 2, 0, 1, 2},
    {"identical again", 'a', "198.51.100.5/32", 1, "192.0.2.1", 1, 2, 1, 2},
    {"replace (new next hop)", 'a', "198.51.100.5/32", 1, "192.0.2.9", 1, 1, 1, 2},
    {"other prefix v6", 'a', "2001:db8::5/128", 0, "192.0.2.1", 1, 0, 2, 3},
    {"withdraw unknown id", 'w', "198.51.100.5/32", 7, NULL, 0, -1, 2, 3},
    {"withdraw unknown prefix", 'w', "198.51.100.6/32", 1, NULL, 0, -1, 2, 3},
    {"withdraw one", 'w', "198.51.100.5/32", 1, NULL, 0, 0, 2, 2},
    {"withdraw last removes entry", 'w', "198.51.100.5/32", 2, NULL, 0, 0, 1, 1},
    {"withdraw v6", 'w', "2001:db8::5/128", 0, NULL, 0, 0, 0, 0},
};

static void test_ops_table(void **state)
{
	(void)state;
	struct bgp_rib r;
	bgp_rib_init(&r);
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		const struct op *o = &ops[i];
		struct lisp_prefix p = P(o->prefix);
		int rc;
		if (o->kind == 'a') {
			struct bgp_rib_path rp = path(o->id, o->rloc, o->prio, 0);
			rc = bgp_rib_update(&r, &p, &rp);
		} else {
			rc = bgp_rib_withdraw(&r, &p, o->id);
		}
		if (rc != o->rc || r.n_entries != o->entries || r.n_paths != o->paths)
			fail_msg("%s: rc %d entries %zu paths %zu", o->name, rc, r.n_entries,
				 r.n_paths);
	}
	bgp_rib_free(&r);
}

static void test_many_and_sorted(void **state)
{
	(void)state;
	struct bgp_rib r;
	char s[64];
	bgp_rib_init(&r);
	for (unsigned i = 0; i < 20000; i++) {
		snprintf(s, sizeof(s), "10.%u.%u.%u/32", (i >> 16) & 255, (i >> 8) & 255, i & 255);
		struct lisp_prefix p = P(s);
		struct bgp_rib_path rp = path(0, "192.0.2.1", 1, 0);
		assert_int_equal(bgp_rib_update(&r, &p, &rp), 0);
	}
	assert_int_equal(r.n_entries, 20000);
	struct lisp_prefix q = P("10.0.78.31/32");
	assert_non_null(bgp_rib_find(&r, &q));
	size_t n;
	struct bgp_rib_entry **v = bgp_rib_sorted(&r, &n);
	assert_int_equal(n, 20000);
	for (size_t i = 1; i < n; i++)
		assert_true(prefix_cmp(&v[i - 1]->prefix, &v[i]->prefix) < 0);
	free(v);
	bgp_rib_free(&r);
	assert_null(bgp_rib_sorted(&r, &n));
}

static int purged_calls;
static void on_purge(const struct lisp_prefix *p, void *arg)
{
	(void)p;
	(void)arg;
	purged_calls++;
}

static void test_stale_purge(void **state)
{
	(void)state;
	struct bgp_rib r;
	bgp_rib_init(&r);
	struct lisp_prefix a = P("198.51.100.1/32"), b = P("198.51.100.2/32"),
			   c = P("2001:db8::1/128");
	struct bgp_rib_path p1 = path(1, "192.0.2.1", 1, 0), p2 = path(2, "192.0.2.2", 1, 0);
	bgp_rib_update(&r, &a, &p1);
	bgp_rib_update(&r, &a, &p2);
	bgp_rib_update(&r, &b, &p1);
	bgp_rib_update(&r, &c, &p1);
	assert_int_equal(bgp_rib_mark_stale(&r, 0xff), 4);
	assert_int_equal(bgp_rib_count_stale(&r), 4);
	/* refreshed after the restart: no longer stale */
	assert_int_equal(bgp_rib_update(&r, &a, &p1), 2);
	assert_int_equal(bgp_rib_count_stale(&r), 3);
	/* End-of-RIB for IPv4 only */
	purged_calls = 0;
	assert_int_equal(bgp_rib_purge_stale(&r, BGP_AID_BIT(BGP_AID_IPV4), on_purge, NULL), 2);
	assert_int_equal(purged_calls, 2);
	assert_non_null(bgp_rib_find(&r, &a));
	assert_null(bgp_rib_find(&r, &b));
	assert_non_null(bgp_rib_find(&r, &c));
	assert_int_equal(bgp_rib_count_stale(&r), 1);
	assert_int_equal(bgp_rib_purge_stale(&r, BGP_AID_BIT(BGP_AID_IPV6), NULL, NULL), 1);
	assert_int_equal(r.n_entries, 1);
	assert_int_equal(r.n_paths, 1);
	bgp_rib_free(&r);
}

static void test_mapping_reassembly(void **state)
{
	(void)state;
	struct bgp_rib r;
	struct bgp_host_mapping m;
	bool stale;
	bgp_rib_init(&r);
	struct lisp_prefix a = P("198.51.100.7/32");
	struct bgp_rib_path p1 = path(1, "192.0.2.1", 1, 5), p2 = path(2, "192.0.2.2", 2, 5);
	p1.map.eid = p2.map.eid = a;
	bgp_rib_update(&r, &a, &p1);
	bgp_rib_update(&r, &a, &p2);
	struct bgp_rib_entry *e = bgp_rib_find(&r, &a);
	assert_int_equal(bgp_rib_mapping(e, &m, &stale), 2);
	assert_false(stale);
	assert_int_equal(m.version, 5);
	/* an older version of one path is ignored, a newer one replaces the set */
	struct bgp_rib_path old = path(3, "192.0.2.3", 1, 4);
	old.map.eid = a;
	bgp_rib_update(&r, &a, &old);
	assert_int_equal(bgp_rib_mapping(e, &m, &stale), 2);
	struct bgp_rib_path newer = path(4, "192.0.2.4", 1, 6);
	newer.map.eid = a;
	bgp_rib_update(&r, &a, &newer);
	e = bgp_rib_find(&r, &a);
	assert_int_equal(bgp_rib_mapping(e, &m, &stale), 1);
	assert_int_equal(m.version, 6);
	char s[IPADDR_STRLEN];
	assert_string_equal(ipaddr_str(&m.loc[0].rloc, s, sizeof(s)), "192.0.2.4");
	bgp_rib_mark_stale(&r, 0xff);
	bgp_rib_mapping(e, &m, &stale);
	assert_true(stale);
	bgp_rib_free(&r);
}

/* bgp_rib_scan: a scan in bucket steps while the table grows (and entries come and go)
 * between steps visits every entry that stayed exactly once. */
static int scan_seen[6000];
static void scan_cb(const struct bgp_rib_entry *e, void *arg)
{
	(void)arg;
	unsigned i = ((unsigned)e->prefix.a[2] << 8) | e->prefix.a[3];
	assert_true(i < 6000);
	scan_seen[i]++;
}

static void test_scan_growing(void **state)
{
	(void)state;
	struct bgp_rib r;
	char s[64];
	bool stayed[6000] = {0};
	uint64_t cur = 0;
	unsigned next = 0, steps = 0;

	bgp_rib_init(&r);
	memset(scan_seen, 0, sizeof(scan_seen));
	for (; next < 300; next++) {
		snprintf(s, sizeof(s), "10.0.%u.%u/32", next >> 8, next & 255);
		struct lisp_prefix p = P(s);
		struct bgp_rib_path rp = path(0, "192.0.2.1", 1, 0);
		assert_int_equal(bgp_rib_update(&r, &p, &rp), 0);
		stayed[next] = true;
	}
	size_t size0 = r.size;
	while (!bgp_rib_scan(&r, &cur, scan_cb, NULL)) {
		steps++;
		/* 20 more entries per step: the table doubles several times */
		for (unsigned k = 0; k < 20 && next < 6000; k++, next++) {
			snprintf(s, sizeof(s), "10.0.%u.%u/32", next >> 8, next & 255);
			struct lisp_prefix p = P(s);
			struct bgp_rib_path rp = path(0, "192.0.2.1", 1, 0);
			assert_int_equal(bgp_rib_update(&r, &p, &rp), 0);
		}
		/* and one of the first ones leaves */
		if (steps < 300 && steps % 3 == 0) {
			snprintf(s, sizeof(s), "10.0.%u.%u/32", steps >> 8, steps & 255);
			struct lisp_prefix p = P(s);
			assert_int_equal(bgp_rib_withdraw(&r, &p, 0), 0);
			stayed[steps] = false;
		}
		assert_true(steps < 100000);
	}
	assert_true(r.size > 4 * size0);
	for (unsigned i = 0; i < 6000; i++) {
		assert_true(scan_seen[i] <= 1);
		if (stayed[i] && scan_seen[i] != 1)
			fail_msg("entry %u stayed but was seen %d times", i, scan_seen[i]);
	}
	bgp_rib_free(&r);
	cur = 0;
	assert_true(bgp_rib_scan(&r, &cur, scan_cb, NULL)); /* empty: done at once */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ops_table),	 cmocka_unit_test(test_many_and_sorted),
	    cmocka_unit_test(test_stale_purge),	 cmocka_unit_test(test_mapping_reassembly),
	    cmocka_unit_test(test_scan_growing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
