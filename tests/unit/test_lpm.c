/* SPDX-License-Identifier: ISC */
/* tests/unit/test_lpm.c - common/lpm: insert/replace/remove/exact/lookup, IPv4 and IPv6,
 * instance IDs kept apart, /0 and host routes, walks and their order, covering, the
 * negative Map-Reply prefix on named layouts, and randomized runs against a brute-force
 * reference (a plain array scanned linearly). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/lpm.h"
#include "proto/addr.h"

#define V(n) ((void *)(uintptr_t)(n))

#define BIG_IID 0x1000000u /* beyond the 24 bits of the data plane (and of prefix_parse) */

/* A prefix from text; "[big]" stands for the instance ID BIG_IID. */
static struct lisp_prefix pfx(const char *s)
{
	struct lisp_prefix p;
	bool big = strncmp(s, "[big]", 5) == 0;
	if (prefix_parse(big ? s + 5 : s, &p, false) != 0)
		fail_msg("bad prefix in test: %s", s);
	if (big)
		p.iid = BIG_IID;
	return p;
}

static struct ipaddr addr(const char *s)
{
	struct ipaddr a;
	if (ipaddr_parse(s, &a) != 0)
		fail_msg("bad address in test: %s", s);
	return a;
}

static void ins(struct lpm *l, const char *s, uintptr_t v)
{
	struct lisp_prefix p = pfx(s);
	void *old = V(1);
	assert_int_equal(lpm_insert(l, &p, V(v), &old), 0);
	assert_null(old);
}

/* lookup of address text in iid -> value, and the matched prefix as text */
static uintptr_t look(struct lpm *l, uint32_t iid, const char *text, char *m, size_t mlen)
{
	struct ipaddr a = addr(text);
	struct lisp_prefix mp;
	void *v = lpm_lookup(l, iid, &a, &mp);
	if (m)
		snprintf(m, mlen, "%s",
			 v ? prefix_str(&mp, (char[PREFIX_STRLEN]){0}, PREFIX_STRLEN) : "-");
	return (uintptr_t)v;
}

/* ---- basic operations ---- */

static void test_insert_replace_remove(void **state)
{
	(void)state;
	struct lpm *l = lpm_new();
	struct lisp_prefix p = pfx("198.51.100.0/24"), h = pfx("198.51.100.5/32");
	void *old = NULL;

	assert_non_null(l);
	assert_int_equal(lpm_count(l), 0);
	assert_null(lpm_exact(l, &p));
	ins(l, "198.51.100.0/24", 10);
	ins(l, "198.51.100.5/32", 11);
	assert_int_equal(lpm_count(l), 2);
	assert_ptr_equal(lpm_exact(l, &p), V(10));
	assert_ptr_equal(lpm_exact(l, &h), V(11));
	/* replace */
	assert_int_equal(lpm_insert(l, &p, V(20), &old), 0);
	assert_ptr_equal(old, V(10));
	assert_int_equal(lpm_insert(l, &h, V(21), &old), 0);
	assert_ptr_equal(old, V(11));
	assert_int_equal(lpm_insert(l, &h, V(22), NULL), 0);
	assert_int_equal(lpm_count(l), 2);
	assert_ptr_equal(lpm_exact(l, &h), V(22));
	/* exact does not do LPM */
	struct lisp_prefix q = pfx("198.51.100.0/25");
	assert_null(lpm_exact(l, &q));
	assert_null(lpm_remove(l, &q));
	/* remove */
	assert_ptr_equal(lpm_remove(l, &h), V(22));
	assert_null(lpm_remove(l, &h));
	assert_null(lpm_exact(l, &h));
	assert_int_equal(look(l, 0, "198.51.100.5", NULL, 0), 20);
	assert_ptr_equal(lpm_remove(l, &p), V(20));
	assert_int_equal(lpm_count(l), 0);
	assert_int_equal(look(l, 0, "198.51.100.5", NULL, 0), 0);
	lpm_free(l, NULL);
}

static void test_host_bits_ignored(void **state)
{
	(void)state;
	struct lpm *l = lpm_new();
	struct lisp_prefix p;
	assert_int_equal(prefix_parse("10.1.2.3/8", &p, true), 0);
	memcpy(p.a, (uint8_t[]){10, 1, 2, 3}, 4); /* host bits set on purpose */
	assert_int_equal(lpm_insert(l, &p, V(5), NULL), 0);
	struct lisp_prefix q = pfx("10.0.0.0/8");
	assert_ptr_equal(lpm_exact(l, &q), V(5));
	assert_ptr_equal(lpm_exact(l, &p), V(5));
	assert_ptr_equal(lpm_remove(l, &p), V(5));
	lpm_free(l, NULL);
}

static void test_invalid_input(void **state)
{
	(void)state;
	struct lpm *l = lpm_new();
	struct lisp_prefix p = pfx("10.0.0.0/8");
	struct ipaddr none = {0};

	errno = 0;
	assert_int_equal(lpm_insert(l, &p, NULL, NULL), -1); /* NULL value */
	assert_int_equal(errno, EINVAL);
	p.plen = 33;
	errno = 0;
	assert_int_equal(lpm_insert(l, &p, V(1), NULL), -1);
	assert_int_equal(errno, EINVAL);
	p.plen = 8;
	p.afi = LISP_AFI_NONE;
	assert_int_equal(lpm_insert(l, &p, V(1), NULL), -1);
	assert_null(lpm_exact(l, &p));
	assert_null(lpm_remove(l, &p));
	assert_null(lpm_lookup(l, 0, &none, NULL));
	struct lisp_prefix out;
	assert_int_equal(lpm_negative_prefix(l, 0, &none, &out), -1);
	assert_int_equal(lpm_count(l), 0);
	lpm_free(l, NULL);
	lpm_free(NULL, NULL);
}

static void test_afi_and_iid_apart(void **state)
{
	(void)state;
	struct lpm *l = lpm_new();
	char m[PREFIX_STRLEN];

	ins(l, "10.0.0.0/8", 1);
	ins(l, "[7]10.0.0.0/8", 2);
	ins(l, "[7]10.0.0.1/32", 3);
	ins(l, "::a00:0/104", 4);      /* same bits as 10/8 in the last 32 bits: unrelated */
	ins(l, "a00::/8", 5);	       /* same leading bits as 10/8, but IPv6 */
	ins(l, "[big]10.0.0.1/32", 6); /* IID beyond 24 bits: kept in the trie */
	assert_int_equal(look(l, 0, "10.0.0.1", m, sizeof(m)), 1);
	assert_string_equal(m, "10.0.0.0/8");
	assert_int_equal(look(l, 7, "10.0.0.1", m, sizeof(m)), 3);
	assert_string_equal(m, "[7]10.0.0.1/32");
	assert_int_equal(look(l, 7, "10.0.0.2", NULL, 0), 2);
	assert_int_equal(look(l, 8, "10.0.0.1", NULL, 0), 0);
	assert_int_equal(look(l, 0, "::10.0.0.1", NULL, 0), 4);
	assert_int_equal(look(l, 0, "a00::1", NULL, 0), 5);
	assert_int_equal(look(l, 0, "b00::1", NULL, 0), 0);
	assert_int_equal(look(l, BIG_IID, "10.0.0.1", m, sizeof(m)), 6);
	assert_string_equal(m, "[16777216]10.0.0.1/32");
	assert_int_equal(look(l, BIG_IID, "10.0.0.2", NULL, 0), 0);
	struct lisp_prefix big = pfx("[big]10.0.0.1/32");
	assert_ptr_equal(lpm_exact(l, &big), V(6));
	assert_ptr_equal(lpm_remove(l, &big), V(6));
	assert_int_equal(lpm_count(l), 5);
	lpm_free(l, NULL);
}

static void test_default_routes(void **state)
{
	(void)state;
	struct lpm *l = lpm_new();
	char m[PREFIX_STRLEN];

	ins(l, "0.0.0.0/0", 1);
	ins(l, "::/0", 2);
	ins(l, "[3]0.0.0.0/0", 3);
	assert_int_equal(look(l, 0, "203.0.113.9", m, sizeof(m)), 1);
	assert_string_equal(m, "0.0.0.0/0");
	assert_int_equal(look(l, 0, "2001:db8::1", m, sizeof(m)), 2);
	assert_string_equal(m, "::/0");
	assert_int_equal(look(l, 3, "255.255.255.255", NULL, 0), 3);
	assert_int_equal(look(l, 4, "0.0.0.0", NULL, 0), 0);
	ins(l, "0.0.0.0/32", 4);
	ins(l, "255.255.255.255/32", 5);
	assert_int_equal(look(l, 0, "0.0.0.0", NULL, 0), 4);
	assert_int_equal(look(l, 0, "0.0.0.1", NULL, 0), 1);
	assert_int_equal(look(l, 0, "255.255.255.255", NULL, 0), 5);
	struct lisp_prefix d = pfx("0.0.0.0/0");
	assert_ptr_equal(lpm_remove(l, &d), V(1));
	assert_int_equal(look(l, 0, "0.0.0.1", NULL, 0), 0);
	assert_int_equal(look(l, 0, "0.0.0.0", NULL, 0), 4);
	lpm_free(l, NULL);
}

static const struct {
	const char *name;
	uint32_t iid;
	const char *addr;
	uintptr_t want;
	const char *matched;
} mixed_cases[] = {
    {"host wins over /24", 0, "198.51.100.5", 2, "198.51.100.5/32"},
    {"inside /24", 0, "198.51.100.6", 1, "198.51.100.0/24"},
    {"/25 nested in /24", 0, "198.51.100.200", 3, "198.51.100.128/25"},
    {"host inside /25", 0, "198.51.100.129", 4, "198.51.100.129/32"},
    {"/31 in /25", 0, "198.51.100.254", 5, "198.51.100.254/31"},
    {"/31 other half", 0, "198.51.100.255", 5, "198.51.100.254/31"},
    {"outside everything", 0, "203.0.113.1", 0, "-"},
    {"boundary just below", 0, "198.51.99.255", 0, "-"},
    {"boundary first", 0, "198.51.100.0", 1, "198.51.100.0/24"},
    {"boundary last", 0, "198.51.100.127", 1, "198.51.100.0/24"},
    {"v6 host", 0, "2001:db8::5", 7, "2001:db8::5/128"},
    {"v6 /64", 0, "2001:db8::6", 6, "2001:db8::/64"},
    {"v6 /127", 0, "2001:db8:0:1::1", 8, "2001:db8:0:1::/127"},
    {"v6 /127 miss", 0, "2001:db8:0:1::2", 9, "2001:db8::/48"},
    {"v6 outside", 0, "2001:db9::", 0, "-"},
};

static void test_hosts_and_prefixes(void **state)
{
	(void)state;
	struct lpm *l = lpm_new();
	char m[PREFIX_STRLEN];

	ins(l, "198.51.100.0/24", 1);
	ins(l, "198.51.100.5/32", 2);
	ins(l, "198.51.100.128/25", 3);
	ins(l, "198.51.100.129/32", 4);
	ins(l, "198.51.100.254/31", 5);
	ins(l, "2001:db8::/64", 6);
	ins(l, "2001:db8::5/128", 7);
	ins(l, "2001:db8:0:1::/127", 8);
	ins(l, "2001:db8::/48", 9);
	for (size_t i = 0; i < sizeof(mixed_cases) / sizeof(mixed_cases[0]); i++) {
		uintptr_t v = look(l, mixed_cases[i].iid, mixed_cases[i].addr, m, sizeof(m));
		if (v != mixed_cases[i].want || strcmp(m, mixed_cases[i].matched) != 0)
			fail_msg("%s: got %ju %s", mixed_cases[i].name, (uintmax_t)v, m);
	}
	/* the batch agrees with single lookups */
	size_t n = sizeof(mixed_cases) / sizeof(mixed_cases[0]);
	struct ipaddr a[sizeof(mixed_cases) / sizeof(mixed_cases[0])];
	uint32_t iid[sizeof(mixed_cases) / sizeof(mixed_cases[0])];
	void *out[sizeof(mixed_cases) / sizeof(mixed_cases[0])];
	for (size_t i = 0; i < n; i++) {
		a[i] = addr(mixed_cases[i].addr);
		iid[i] = mixed_cases[i].iid;
	}
	lpm_lookup_batch(l, n, iid, a, out);
	for (size_t i = 0; i < n; i++)
		assert_ptr_equal(out[i], V(mixed_cases[i].want));
	lpm_free(l, NULL);
}

static int nfreed;
static void count_free(void *v)
{
	(void)v;
	nfreed++;
}

static void test_free_values(void **state)
{
	(void)state;
	struct lpm *l = lpm_new();
	ins(l, "10.0.0.0/8", 1);
	ins(l, "10.0.0.1/32", 2);
	ins(l, "10.0.0.0/16", 3); /* leaves a glue node or two around */
	ins(l, "11.0.0.0/16", 4);
	ins(l, "2001:db8::1/128", 5);
	nfreed = 0;
	lpm_free(l, count_free);
	assert_int_equal(nfreed, 5);
}

/* ---- walks ---- */

struct walk_log {
	char buf[2048];
	int n, stop_at;
	struct lpm *l;
	bool remove_self, remove_next;
};

static int log_cb(const struct lisp_prefix *p, void *val, void *arg)
{
	struct walk_log *w = arg;
	char s[PREFIX_STRLEN];
	size_t len = strlen(w->buf);
	snprintf(w->buf + len, sizeof(w->buf) - len, "%s%s=%ju", len ? " " : "",
		 prefix_str(p, s, sizeof(s)), (uintmax_t)(uintptr_t)val);
	w->n++;
	if (w->remove_self)
		assert_ptr_equal(lpm_remove(w->l, p), val);
	if (w->remove_next) {
		struct lisp_prefix q = pfx("10.0.0.0/16");
		lpm_remove(w->l, &q);
	}
	return w->n == w->stop_at ? 7 : 0;
}

static struct lpm *walk_table(void)
{
	struct lpm *l = lpm_new();
	ins(l, "[2]10.0.0.0/8", 1);
	ins(l, "2001:db8::1/128", 2);
	ins(l, "10.0.0.0/16", 3);
	ins(l, "10.0.0.0/8", 4);
	ins(l, "10.0.0.0/32", 5);
	ins(l, "9.255.255.255/32", 6);
	ins(l, "10.128.0.0/9", 7);
	ins(l, "0.0.0.0/0", 8);
	ins(l, "2001:db8::/32", 9);
	ins(l, "10.0.0.7/32", 10);
	ins(l, "[big]1.1.1.1/32", 11);
	return l;
}

#define WALK_ALL                                                                                   \
	"0.0.0.0/0=8 9.255.255.255/32=6 10.0.0.0/8=4 10.0.0.0/16=3 10.0.0.0/32=5 10.0.0.7/32=10 "  \
	"10.128.0.0/9=7 2001:db8::/32=9 2001:db8::1/128=2 [2]10.0.0.0/8=1 "                        \
	"[16777216]1.1.1.1/32=11"

static void test_walk_order(void **state)
{
	(void)state;
	struct lpm *l = walk_table();
	struct walk_log w = {0};
	w.l = l;
	assert_int_equal(lpm_walk(l, log_cb, &w), 0);
	assert_string_equal(w.buf, WALK_ALL);
	/* stop */
	memset(&w, 0, sizeof(w));
	w.stop_at = 3;
	assert_int_equal(lpm_walk(l, log_cb, &w), 7);
	assert_string_equal(w.buf, "0.0.0.0/0=8 9.255.255.255/32=6 10.0.0.0/8=4");
	lpm_free(l, NULL);
}

static void test_walk_removing(void **state)
{
	(void)state;
	struct lpm *l = walk_table();
	struct walk_log w = {0};
	w.l = l;
	w.remove_next = true; /* the /16 goes before its turn: skipped */
	assert_int_equal(lpm_walk(l, log_cb, &w), 0);
	assert_null(strstr(w.buf, "10.0.0.0/16"));
	assert_int_equal(w.n, 10);
	memset(&w, 0, sizeof(w));
	w.l = l;
	w.remove_self = true; /* empty the table while walking it */
	assert_int_equal(lpm_walk(l, log_cb, &w), 0);
	assert_int_equal(w.n, 10);
	assert_int_equal(lpm_count(l), 0);
	lpm_free(l, NULL);
}

static const struct {
	const char *name, *p, *want;
} covered_cases[] = {
    {"all of 10/8", "10.0.0.0/8",
     "10.0.0.0/8=4 10.0.0.0/16=3 10.0.0.0/32=5 10.0.0.7/32=10 10.128.0.0/9=7"},
    {"/16 with hosts", "10.0.0.0/16", "10.0.0.0/16=3 10.0.0.0/32=5 10.0.0.7/32=10"},
    {"/29 only hosts, no entry itself", "10.0.0.0/29", "10.0.0.0/32=5 10.0.0.7/32=10"},
    {"a host", "10.0.0.7/32", "10.0.0.7/32=10"},
    {"absent host", "10.0.0.8/32", ""},
    {"/0 of v4 iid 0", "0.0.0.0/0",
     "0.0.0.0/0=8 9.255.255.255/32=6 10.0.0.0/8=4 10.0.0.0/16=3 10.0.0.0/32=5 10.0.0.7/32=10 "
     "10.128.0.0/9=7"},
    {"other iid", "[2]10.0.0.0/7", "[2]10.0.0.0/8=1"},
    {"unknown iid", "[3]0.0.0.0/0", ""},
    {"v6", "2001::/16", "2001:db8::/32=9 2001:db8::1/128=2"},
    {"large iid host", "[big]1.0.0.0/8", "[16777216]1.1.1.1/32=11"},
};

static void test_walk_covered(void **state)
{
	(void)state;
	struct lpm *l = walk_table();
	for (size_t i = 0; i < sizeof(covered_cases) / sizeof(covered_cases[0]); i++) {
		struct walk_log w = {0};
		struct lisp_prefix p = pfx(covered_cases[i].p);
		assert_int_equal(lpm_walk_covered(l, &p, log_cb, &w), 0);
		if (strcmp(w.buf, covered_cases[i].want) != 0)
			fail_msg("%s: got '%s'", covered_cases[i].name, w.buf);
	}
	lpm_free(l, NULL);
}

static const struct {
	const char *name, *p;
	uintptr_t want;
	const char *matched;
} covering_cases[] = {
    {"itself", "10.0.0.0/16", 3, "10.0.0.0/16"},
    {"host itself", "10.0.0.7/32", 10, "10.0.0.7/32"},
    {"absent host under /16", "10.0.0.9/32", 3, "10.0.0.0/16"},
    {"between /8 and /16", "10.0.0.0/12", 4, "10.0.0.0/8"},
    {"/9", "10.128.0.0/10", 7, "10.128.0.0/9"},
    {"only the default", "11.0.0.0/8", 8, "0.0.0.0/0"},
    {"the default itself", "0.0.0.0/0", 8, "0.0.0.0/0"},
    {"v6 /64 under /32", "2001:db8:1::/64", 9, "2001:db8::/32"},
    {"v6 nothing", "2001:db9::/32", 0, "-"},
    {"other iid", "[2]10.1.0.0/16", 1, "[2]10.0.0.0/8"},
};

static void test_covering(void **state)
{
	(void)state;
	struct lpm *l = walk_table();
	for (size_t i = 0; i < sizeof(covering_cases) / sizeof(covering_cases[0]); i++) {
		struct lisp_prefix p = pfx(covering_cases[i].p), m;
		char s[PREFIX_STRLEN];
		void *v = lpm_covering(l, &p, &m);
		const char *ms = v ? prefix_str(&m, s, sizeof(s)) : "-";
		if ((uintptr_t)v != covering_cases[i].want || strcmp(ms, covering_cases[i].matched))
			fail_msg("%s: got %ju %s", covering_cases[i].name, (uintmax_t)(uintptr_t)v,
				 ms);
	}
	lpm_free(l, NULL);
}

/* ---- negative prefix ---- */

static const struct {
	const char *name;
	const char *table[6];
	uint32_t iid;
	const char *addr;
	const char *want; /* NULL: -1 (covered by an entry) */
} neg_cases[] = {
    {"empty table: all of v4 is non-LISP", {NULL}, 0, "192.0.2.1", "0.0.0.0/0"},
    {"empty table: all of v6", {NULL}, 0, "2001:db8::1", "::/0"},
    {"brief example", {"198.51.100.0/24", "203.0.113.0/24"}, 0, "192.0.2.1", "192.0.0.0/6"},
    {"covered", {"198.51.100.0/24"}, 0, "198.51.100.77", NULL},
    {"covered by a host", {"198.51.100.77/32"}, 0, "198.51.100.77", NULL},
    {"next to a host", {"198.51.100.77/32"}, 0, "198.51.100.76", "198.51.100.76/32"},
    {"adjacent prefixes, just below",
     {"10.0.0.0/16", "10.2.0.0/16"},
     0,
     "10.1.255.255",
     "10.1.0.0/16"},
    {"adjacent, first address after", {"10.0.0.0/16"}, 0, "10.1.0.0", "10.1.0.0/16"},
    {"last address before", {"10.1.0.0/16"}, 0, "10.0.255.255", "10.0.0.0/16"},
    {"nested: hole in /8 next to /16", {"10.0.0.0/16", "10.0.0.0/8"}, 0, "11.0.0.1", "11.0.0.0/8"},
    {"the other half of /0", {"0.0.0.0/1"}, 0, "128.0.0.0", "128.0.0.0/1"},
    {"other iid ignored", {"[5]192.0.2.0/24"}, 0, "192.0.2.1", "0.0.0.0/0"},
    {"other afi ignored", {"::/0"}, 0, "192.0.2.1", "0.0.0.0/0"},
    {"v4 in iid", {"[5]192.0.2.0/24", "192.0.2.0/25"}, 5, "192.0.3.1", "192.0.3.0/24"},
    {"v6 beside /48", {"2001:db8::/48"}, 0, "2001:db8:1::1", "2001:db8:1::/48"},
    {"v6 beside host", {"2001:db8::1/128"}, 0, "2001:db8::", "2001:db8::/128"},
    {"v6 nested",
     {"2001:db8::/32", "2001:db8:8000::/33", "2001:db8:1::/48"},
     0,
     "2001:dba::",
     "2001:dba::/31"},
    {"v6 bit 64 boundary", {"2001:db8::/64"}, 0, "2001:db8:0:1::", "2001:db8:0:1::/64"},
    {"v6 covered", {"2001:db8::/32"}, 0, "2001:db8:ffff::1", NULL},
    {"large iid host", {"[big]10.0.0.0/32"}, BIG_IID, "10.0.0.1", "10.0.0.1/32"},
};

static void test_negative_prefix(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(neg_cases) / sizeof(neg_cases[0]); i++) {
		struct lpm *l = lpm_new();
		for (size_t j = 0; j < 6 && neg_cases[i].table[j]; j++)
			ins(l, neg_cases[i].table[j], j + 1);
		struct ipaddr a = addr(neg_cases[i].addr);
		struct lisp_prefix out;
		char s[PREFIX_STRLEN];
		memset(&out, 0xaa, sizeof(out));
		int r = lpm_negative_prefix(l, neg_cases[i].iid, &a, &out);
		if (!neg_cases[i].want) {
			if (r != -1)
				fail_msg("%s: expected -1, got %s", neg_cases[i].name,
					 prefix_str(&out, s, sizeof(s)));
		} else {
			struct lisp_prefix want = pfx(neg_cases[i].want);
			want.iid = neg_cases[i].iid;
			if (r != 0 || !prefix_eq(&out, &want))
				fail_msg("%s: r=%d got %s want %s", neg_cases[i].name, r,
					 r ? "-" : prefix_str(&out, s, sizeof(s)),
					 neg_cases[i].want);
		}
		lpm_free(l, NULL);
	}
}

/* A big host table: the hash grows, probes neighbours for negative replies, shrinks. */
static void test_many_hosts(void **state)
{
	(void)state;
	struct lpm *l = lpm_new();
	struct lisp_prefix p = pfx("10.0.0.0/32");
	const uint32_t n = 50000;

	for (uint32_t i = 0; i < n; i++) {
		uint32_t v = 0x0a000000u + i * 4; /* every 4th address */
		p.a[0] = (uint8_t)(v >> 24), p.a[1] = (uint8_t)(v >> 16);
		p.a[2] = (uint8_t)(v >> 8), p.a[3] = (uint8_t)v;
		assert_int_equal(lpm_insert(l, &p, V(i + 1), NULL), 0);
	}
	assert_int_equal(lpm_count(l), n);
	assert_true(lpm_memory(l) / n <= 64);
	struct ipaddr a;
	struct lisp_prefix out;
	char s[PREFIX_STRLEN];
	ipaddr_from_v4(&a, 0x0a000000u + 4 * 123 + 2);
	assert_int_equal(lpm_negative_prefix(l, 0, &a, &out), 0);
	assert_string_equal(prefix_str(&out, s, sizeof(s)), "10.0.1.238/31");
	ipaddr_from_v4(&a, 0x0a000000u + 4 * 123 + 1);
	assert_int_equal(lpm_negative_prefix(l, 0, &a, &out), 0);
	assert_string_equal(prefix_str(&out, s, sizeof(s)), "10.0.1.237/32");
	ipaddr_from_v4(&a, 0x0b000000u); /* far away: falls back to a scan */
	assert_int_equal(lpm_negative_prefix(l, 0, &a, &out), 0);
	assert_string_equal(prefix_str(&out, s, sizeof(s)), "11.0.0.0/8");
	/* /24 walk_covered by probing: 64 hosts */
	struct walk_log w = {0};
	struct lisp_prefix q = pfx("10.0.1.0/24");
	assert_int_equal(lpm_walk_covered(l, &q, log_cb, &w), 0);
	assert_int_equal(w.n, 64);
	assert_int_equal(strncmp(w.buf, "10.0.1.0/32=65 10.0.1.4/32=66 ", 30), 0);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t v = 0x0a000000u + i * 4;
		ipaddr_from_v4(&a, v);
		assert_ptr_equal(lpm_lookup(l, 0, &a, NULL), V(i + 1));
		prefix_from_addr(&p, 0, &a);
		if (i % 2)
			assert_ptr_equal(lpm_remove(l, &p), V(i + 1));
	}
	assert_int_equal(lpm_count(l), n / 2);
	for (uint32_t i = 0; i < n; i++) {
		ipaddr_from_v4(&a, 0x0a000000u + i * 4);
		assert_ptr_equal(lpm_lookup(l, 0, &a, NULL), i % 2 ? NULL : V(i + 1));
		prefix_from_addr(&p, 0, &a);
		lpm_remove(l, &p);
	}
	assert_int_equal(lpm_count(l), 0);
	assert_true(lpm_memory(l) < 1024);
	lpm_free(l, NULL);
}

/* ---- randomized against a brute-force reference ---- */

static uint64_t rng_state;
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

struct ref_ent {
	struct lisp_prefix p;
	uintptr_t v;
};

struct ref {
	struct ref_ent *e;
	size_t n;
};

static long ref_find(const struct ref *r, const struct lisp_prefix *p)
{
	for (size_t i = 0; i < r->n; i++)
		if (prefix_eq(&r->e[i].p, p))
			return (long)i;
	return -1;
}

static unsigned lcp_bits(const uint8_t *x, const uint8_t *y, unsigned max)
{
	unsigned i = 0;
	while (i < max && addr_bit(x, i) == addr_bit(y, i))
		i++;
	return i;
}

static const struct ref_ent *ref_lookup(const struct ref *r, uint32_t iid, const struct ipaddr *a,
					unsigned maxplen)
{
	const struct ref_ent *best = NULL;
	for (size_t i = 0; i < r->n; i++) {
		const struct ref_ent *e = &r->e[i];
		if (e->p.plen <= maxplen && prefix_contains_addr(&e->p, iid, a) &&
		    (!best || e->p.plen > best->p.plen))
			best = e;
	}
	return best;
}

/* Addresses cluster around a few bases so prefixes nest and collide. */
static void rnd_addr(uint16_t afi, uint8_t *a)
{
	static const uint8_t bases[4][16] = {
	    {10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
	    {10, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
	    {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
	    {192, 0, 2, 128, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
	};
	unsigned alen = afi == LISP_AFI_IPV4 ? 4 : 16, maxb = alen * 8;
	memcpy(a, bases[rnd() % 4], 16);
	for (unsigned i = alen; i < 16; i++)
		a[i] = 0;
	/* randomize the bits after a random point, sparsely near the end */
	unsigned from = (unsigned)(rnd() % (maxb + 1));
	for (unsigned i = from; i < maxb; i++)
		if (rnd() % 3 == 0)
			a[i / 8] ^= (uint8_t)(0x80 >> (i % 8));
}

struct walk_it {
	struct ref_ent *s;
	size_t i, n;
};

static int walk_check(const struct lisp_prefix *p, void *v, void *arg)
{
	struct walk_it *it = arg;
	assert_true(it->i < it->n);
	assert_true(prefix_eq(p, &it->s[it->i].p));
	assert_ptr_equal(v, V(it->s[it->i].v));
	it->i++;
	return 0;
}

static void random_run(uint16_t afi, uint64_t seed, unsigned rounds)
{
	struct lpm *l = lpm_new();
	struct ref r = {calloc(rounds, sizeof(struct ref_ent)), 0};
	static const uint32_t iids[] = {0, 1, 0x1000000};
	unsigned maxb = afi == LISP_AFI_IPV4 ? 32 : 128;
	char s[PREFIX_STRLEN], s2[PREFIX_STRLEN];

	rng_state = seed;
	assert_non_null(r.e);
	for (unsigned round = 0; round < rounds; round++) {
		unsigned op = (unsigned)(rnd() % 10);
		struct lisp_prefix p = {0};
		p.afi = afi;
		p.iid = iids[rnd() % 3];
		rnd_addr(afi, p.a);
		p.plen = (uint8_t)(rnd() % 2 ? maxb : rnd() % (maxb + 1));
		prefix_normalize(&p);
		long at = ref_find(&r, &p);
		if (op < 5) { /* insert or replace */
			void *old;
			assert_int_equal(lpm_insert(l, &p, V(round + 1), &old), 0);
			if (at >= 0) {
				assert_ptr_equal(old, V(r.e[at].v));
				r.e[at].v = round + 1;
			} else {
				assert_null(old);
				r.e[r.n++] = (struct ref_ent){p, round + 1};
			}
		} else if (op < 7) { /* remove (often one that exists) */
			if (r.n && rnd() % 2) {
				at = (long)(rnd() % r.n);
				p = r.e[at].p;
			}
			void *v = lpm_remove(l, &p);
			if (at >= 0) {
				assert_ptr_equal(v, V(r.e[at].v));
				r.e[at] = r.e[--r.n];
			} else {
				assert_null(v);
			}
		}
		/* every round: a lookup, exact, covering and negative prefix */
		struct ipaddr a = {afi, {0}};
		uint32_t iid = iids[rnd() % 3];
		rnd_addr(afi, a.a);
		struct lisp_prefix m, q;
		const struct ref_ent *want = ref_lookup(&r, iid, &a, maxb);
		void *got = lpm_lookup(l, iid, &a, &m);
		if (want ? (got != V(want->v) || !prefix_eq(&m, &want->p)) : got != NULL)
			fail_msg("round %u lookup %s: got %p want %s", round,
				 ipaddr_str(&a, s, sizeof(s)), got,
				 want ? prefix_str(&want->p, s2, sizeof(s2)) : "none");
		assert_ptr_equal(lpm_exact(l, &p),
				 ref_find(&r, &p) >= 0 ? V(r.e[ref_find(&r, &p)].v) : NULL);
		/* covering of a random prefix of the address */
		prefix_from_addr(&q, iid, &a);
		q.plen = (uint8_t)(rnd() % (maxb + 1));
		prefix_normalize(&q);
		want = ref_lookup(&r, iid, &a, q.plen);
		got = lpm_covering(l, &q, &m);
		if (want ? (got != V(want->v) || !prefix_eq(&m, &want->p)) : got != NULL)
			fail_msg("round %u covering %s", round, prefix_str(&q, s, sizeof(s)));
		/* negative prefix */
		int nr = lpm_negative_prefix(l, iid, &a, &q);
		if (ref_lookup(&r, iid, &a, maxb)) {
			assert_int_equal(nr, -1);
		} else {
			int best = -1;
			for (size_t i = 0; i < r.n; i++)
				if (r.e[i].p.iid == iid && r.e[i].p.afi == afi) {
					int c = (int)lcp_bits(r.e[i].p.a, a.a, r.e[i].p.plen);
					best = c > best ? c : best;
				}
			assert_int_equal(nr, 0);
			struct lisp_prefix w;
			prefix_from_addr(&w, iid, &a);
			w.plen = (uint8_t)(best + 1);
			prefix_normalize(&w);
			if (!prefix_eq(&q, &w))
				fail_msg("round %u negative %s: got %s want %s", round,
					 ipaddr_str(&a, s, sizeof(s)),
					 prefix_str(&q, s2, sizeof(s2)),
					 prefix_str(&w, (char[PREFIX_STRLEN]){0}, PREFIX_STRLEN));
			for (size_t i = 0; i < r.n; i++)
				assert_false(prefix_overlaps(&q, &r.e[i].p));
		}
		assert_int_equal(lpm_count(l), r.n);
	}
	/* walk order == the sorted reference */
	struct ref_ent *sorted = malloc((r.n + 1) * sizeof(*sorted));
	memcpy(sorted, r.e, r.n * sizeof(*sorted));
	for (size_t i = 1; i < r.n; i++) /* insertion sort by prefix_cmp */
		for (size_t j = i; j > 0 && prefix_cmp(&sorted[j - 1].p, &sorted[j].p) > 0; j--) {
			struct ref_ent t = sorted[j];
			sorted[j] = sorted[j - 1];
			sorted[j - 1] = t;
		}
	struct walk_it it = {sorted, 0, r.n};
	assert_int_equal(lpm_walk(l, walk_check, &it), 0);
	assert_int_equal(it.i, r.n);
	free(sorted);
	free(r.e);
	lpm_free(l, NULL);
}

static void test_random_v4(void **state)
{
	(void)state;
	random_run(LISP_AFI_IPV4, 42, 6000);
}

static void test_random_v6(void **state)
{
	(void)state;
	random_run(LISP_AFI_IPV6, 4242, 6000);
}

/* ---- the resumable walk (lpm_next) ---- */

#define CUR_N 6000

struct cur_ref {
	struct lisp_prefix p[CUR_N];
	bool in[CUR_N];	      /* in the table now */
	bool removed[CUR_N];  /* removed at some point during the walk */
	bool inserted[CUR_N]; /* inserted during the walk */
	int seen[CUR_N];
};

static int cur_cb(const struct lisp_prefix *p, void *val, void *arg)
{
	struct cur_ref *r = arg;
	size_t i = (uintptr_t)val - 1;
	assert_true(i < CUR_N);
	assert_int_equal(prefix_cmp(p, &r->p[i]), 0);
	assert_true(r->in[i]);
	r->seen[i]++;
	return 0;
}

/* Entries from every part: host routes of both AFIs in two instances, prefixes in tries,
 * host routes of a big instance (kept in a trie). */
static void cur_key(struct lisp_prefix *p, size_t i)
{
	memset(p, 0, sizeof(*p));
	p->iid = (i % 7 == 0) ? BIG_IID : (uint32_t)(i % 3);
	if (i % 2) {
		p->afi = LISP_AFI_IPV4;
		p->plen = (i % 5 == 0) ? 24 : 32;
		uint32_t a = 0xc6330000u + (uint32_t)i * 257u;
		p->a[0] = (uint8_t)(a >> 24);
		p->a[1] = (uint8_t)(a >> 16);
		p->a[2] = (uint8_t)(a >> 8);
		p->a[3] = p->plen == 32 ? (uint8_t)a : 0;
	} else {
		p->afi = LISP_AFI_IPV6;
		p->plen = (i % 5 == 0) ? 64 : 128;
		p->a[0] = 0x20;
		p->a[1] = 0x01;
		p->a[2] = 0x0d;
		p->a[3] = 0xb8;
		p->a[6] = (uint8_t)(i >> 8);
		p->a[7] = (uint8_t)i;
		if (p->plen == 128)
			p->a[15] = (uint8_t)(i * 13);
	}
}

static void test_cursor_changes(void **state)
{
	(void)state;
	struct cur_ref *r = calloc(1, sizeof(*r));
	struct lpm *l = lpm_new();
	struct lpm_cursor c;
	unsigned seed = 7;

	for (size_t i = 0; i < CUR_N; i++)
		cur_key(&r->p[i], i);
	for (int round = 0; round < 3; round++) {
		memset(r->in, 0, sizeof(r->in));
		memset(r->removed, 0, sizeof(r->removed));
		memset(r->inserted, 0, sizeof(r->inserted));
		memset(r->seen, 0, sizeof(r->seen));
		lpm_free(l, NULL);
		l = lpm_new();
		/* half of the keys at the start */
		for (size_t i = 0; i < CUR_N; i += 2) {
			assert_int_equal(lpm_insert(l, &r->p[i], V(i + 1), NULL), 0);
			r->in[i] = true;
		}
		lpm_cursor_init(&c);
		size_t batches = 0;
		while (!lpm_cursor_done(&c)) {
			size_t max = 1 + (size_t)(rand_r(&seed) % 97);
			long n = lpm_next(l, &c, max, cur_cb, r);
			assert_true(n >= 0 && (size_t)n <= max);
			batches++;
			assert_true(batches < 100000);
			/* change the table between batches: round 1 grows it (hash resizes),
			 * round 2 shrinks it, round 0 does both */
			for (int k = 0; k < 40; k++) {
				size_t i = (size_t)rand_r(&seed) % CUR_N;
				bool add = round == 1 || (round == 0 && k % 2);
				if (add && !r->in[i]) {
					assert_int_equal(lpm_insert(l, &r->p[i], V(i + 1), NULL),
							 0);
					r->in[i] = true;
					r->inserted[i] = true;
				} else if (!add && r->in[i]) {
					assert_non_null(lpm_remove(l, &r->p[i]));
					r->in[i] = false;
					r->removed[i] = true;
				}
			}
		}
		/* present from start to end, never removed: exactly once; nobody twice */
		size_t stayed = 0;
		for (size_t i = 0; i < CUR_N; i++) {
			assert_true(r->seen[i] <= 1);
			if (i % 2 == 0 && !r->removed[i]) {
				if (r->seen[i] != 1)
					fail_msg("round %d: entry %zu stayed but was seen %d times",
						 round, i, r->seen[i]);
				stayed++;
			}
		}
		assert_true(stayed > 100);
		assert_true(batches > 20);
	}
	/* an empty table: done at once, and a cursor reused after the end visits nothing */
	lpm_free(l, NULL);
	l = lpm_new();
	lpm_cursor_init(&c);
	assert_int_equal(lpm_next(l, &c, 10, cur_cb, r), 0);
	assert_true(lpm_cursor_done(&c));
	assert_int_equal(lpm_next(l, &c, 10, cur_cb, r), 0);
	lpm_free(l, NULL);
	free(r);
}

/* The order is fixed: two complete walks give the same sequence, and a walk in batches of
 * one gives the same sequence as one in a single batch. */
struct seq {
	struct lisp_prefix v[CUR_N];
	size_t n;
};

static int seq_cb(const struct lisp_prefix *p, void *val, void *arg)
{
	struct seq *s = arg;
	(void)val;
	s->v[s->n++] = *p;
	return 0;
}

static void test_cursor_order(void **state)
{
	(void)state;
	struct lpm *l = lpm_new();
	struct seq *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	struct lpm_cursor c;
	struct lisp_prefix p;

	for (size_t i = 0; i < 3000; i++) {
		cur_key(&p, i);
		assert_int_equal(lpm_insert(l, &p, V(i + 1), NULL), 0);
	}
	lpm_cursor_init(&c);
	assert_int_equal(lpm_next(l, &c, SIZE_MAX, seq_cb, a), (long)lpm_count(l));
	assert_true(lpm_cursor_done(&c));
	lpm_cursor_init(&c);
	while (!lpm_cursor_done(&c))
		assert_true(lpm_next(l, &c, 1, seq_cb, b) <= 1);
	assert_int_equal(a->n, b->n);
	assert_int_equal(a->n, lpm_count(l));
	for (size_t i = 0; i < a->n; i++)
		assert_int_equal(prefix_cmp(&a->v[i], &b->v[i]), 0);
	/* prefixes that are not host routes come first, in prefix order */
	size_t k = 0;
	while (k < a->n && !(a->v[k].plen == (a->v[k].afi == LISP_AFI_IPV4 ? 32 : 128) &&
			     a->v[k].iid < BIG_IID))
		k++;
	for (size_t i = 1; i < k; i++)
		assert_true(prefix_cmp(&a->v[i - 1], &a->v[i]) < 0);
	for (size_t i = k; i < a->n; i++)
		assert_true(a->v[i].plen == 32 || a->v[i].plen == 128);
	lpm_free(l, NULL);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_insert_replace_remove),
	    cmocka_unit_test(test_host_bits_ignored),
	    cmocka_unit_test(test_invalid_input),
	    cmocka_unit_test(test_afi_and_iid_apart),
	    cmocka_unit_test(test_default_routes),
	    cmocka_unit_test(test_hosts_and_prefixes),
	    cmocka_unit_test(test_free_values),
	    cmocka_unit_test(test_walk_order),
	    cmocka_unit_test(test_walk_removing),
	    cmocka_unit_test(test_walk_covered),
	    cmocka_unit_test(test_covering),
	    cmocka_unit_test(test_negative_prefix),
	    cmocka_unit_test(test_many_hosts),
	    cmocka_unit_test(test_random_v4),
	    cmocka_unit_test(test_random_v6),
	    cmocka_unit_test(test_cursor_changes),
	    cmocka_unit_test(test_cursor_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
