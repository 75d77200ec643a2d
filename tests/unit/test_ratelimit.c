/* SPDX-License-Identifier: ISC */
/* tests/unit/test_ratelimit.c - common/ratelimit: token bucket arithmetic with injected
 * time (no sleeps), saturation, clock going backwards, keyed table LRU eviction under a
 * flood of sources, sockaddr keys (IPv4-mapped == IPv4, port ignored). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "common/ratelimit.h"
#include "proto/addr.h"

#define S NSEC_PER_SEC

static void test_tb_burst_then_rate(void **state)
{
	(void)state;
	struct tb tb;
	uint64_t t = 1000 * S;

	tb_init(&tb, 2, 5, t); /* 2/s, burst 5 */
	for (int i = 0; i < 5; i++)
		assert_true(tb_take(&tb, t));
	assert_false(tb_take(&tb, t));
	assert_false(tb_take(&tb, t + S / 4)); /* 0.5 token */
	assert_true(tb_take(&tb, t + S / 2));  /* 1 token after 0.5 s at 2/s */
	assert_false(tb_take(&tb, t + S / 2));
	/* fractional tokens accumulate: 0.25 s + 0.25 s = one token */
	assert_false(tb_take(&tb, t + S / 2 + S / 4));
	assert_true(tb_take(&tb, t + S));
	/* a long pause refills to burst, never beyond */
	assert_int_equal(tb_tokens(&tb, t + 3600 * S), 5);
	for (int i = 0; i < 5; i++)
		assert_true(tb_take(&tb, t + 3600 * S));
	assert_false(tb_take(&tb, t + 3600 * S));
}

static void test_tb_edge_cases(void **state)
{
	(void)state;
	struct tb tb;

	tb_init(&tb, 0, 0, 100); /* burst 0 -> 1, rate 0 never refills */
	assert_int_equal(tb.burst, 1);
	assert_true(tb_take(&tb, 100));
	assert_false(tb_take(&tb, UINT64_MAX / 2));

	tb_init(&tb, UINT32_MAX, UINT32_MAX, 0); /* no overflow at the extremes */
	assert_true(tb_take(&tb, 0));
	assert_int_equal(tb_tokens(&tb, UINT64_MAX), UINT32_MAX);

	tb_init(&tb, 1, 1, 10 * S);
	assert_true(tb_take(&tb, 10 * S));
	assert_false(tb_take(&tb, 5 * S)); /* clock went backwards: nothing refilled */
	assert_false(tb_take(&tb, 10 * S + S / 2));
	assert_true(tb_take(&tb, 11 * S));
}

static void test_tb_rate_over_time(void **state)
{
	(void)state;
	struct tb tb;
	unsigned ok = 0;

	tb_init(&tb, 100, 10, 0);
	/* one attempt per ms for 10 s: burst + 100/s * 10 s */
	for (uint64_t ms = 0; ms < 10000; ms++)
		ok += tb_take(&tb, ms * 1000000ULL);
	assert_in_range(ok, 1008, 1010);
}

static void test_now_ns_monotonic(void **state)
{
	(void)state;
	uint64_t a = now_ns(), b = now_ns();
	assert_true(a > 0);
	assert_true(b >= a);
}

static void test_table_basic(void **state)
{
	(void)state;
	struct tb_table *t = tb_table_new(4, 1, 2);
	bool created;

	assert_non_null(t);
	assert_true(tb_table_take(t, "a", 1, 0));
	assert_true(tb_table_take(t, "a", 1, 0));
	assert_false(tb_table_take(t, "a", 1, 0)); /* "a" exhausted */
	assert_true(tb_table_take(t, "b", 1, 0));  /* independent bucket */
	assert_int_equal(tb_table_count(t), 2);
	struct tb_slot *s = tb_table_get(t, "a", 1, 0, &created);
	assert_false(created);
	s->aux = 7;
	assert_ptr_equal(tb_table_find(t, "a", 1), s);
	assert_null(tb_table_find(t, "zz", 2));
	/* keys longer than TB_KEY_MAX are truncated, not overrun */
	char longkey[100];
	memset(longkey, 'x', sizeof(longkey));
	assert_true(tb_table_take(t, longkey, sizeof(longkey), 0));
	assert_non_null(tb_table_find(t, longkey, TB_KEY_MAX));
	tb_table_free(t);
	assert_null(tb_table_new(0, 1, 1));
}

static void test_table_lru_eviction(void **state)
{
	(void)state;
	struct tb_table *t = tb_table_new(8, 1, 1);
	uint32_t k;

	for (k = 0; k < 8; k++)
		assert_false(tb_table_take(t, &k, sizeof(k), 0) == false);
	/* touch key 0 so that key 1 is now the least recently used */
	k = 0;
	assert_false(tb_table_take(t, &k, sizeof(k), 0)); /* exhausted, but refreshed in LRU */
	k = 100;
	tb_table_take(t, &k, sizeof(k), 0);
	assert_int_equal(tb_table_count(t), 8);
	assert_int_equal(tb_table_evictions(t), 1);
	k = 1;
	assert_null(tb_table_find(t, &k, sizeof(k))); /* LRU evicted */
	k = 0;
	assert_non_null(tb_table_find(t, &k, sizeof(k)));
	/* the still-exhausted key 0 keeps its state */
	assert_false(tb_table_take(t, &k, sizeof(k), 0));

	/* a flood of 100000 sources never grows the table */
	for (k = 1000; k < 101000; k++)
		tb_table_take(t, &k, sizeof(k), 0);
	assert_int_equal(tb_table_count(t), 8);
	assert_int_equal(tb_table_evictions(t), 1 + 100000);
	/* the 8 most recent keys are present, all reachable through the hash */
	for (k = 101000 - 8; k < 101000; k++)
		assert_non_null(tb_table_find(t, &k, sizeof(k)));
	k = 101000 - 9;
	assert_null(tb_table_find(t, &k, sizeof(k)));
	tb_table_free(t);
}

static void test_key_sockaddr(void **state)
{
	(void)state;
	struct sockaddr_in s4 = {.sin_family = AF_INET, .sin_port = htons(1)};
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_port = htons(2)};
	uint8_t k1[TB_KEY_MAX], k2[TB_KEY_MAX];
	size_t n1, n2;

	inet_pton(AF_INET, "192.0.2.7", &s4.sin_addr);
	inet_pton(AF_INET6, "::ffff:192.0.2.7", &s6.sin6_addr);
	n1 = tb_key_sockaddr((struct sockaddr *)&s4, k1);
	n2 = tb_key_sockaddr((struct sockaddr *)&s6, k2);
	assert_int_equal(n1, 5);
	assert_int_equal(n2, 5);
	assert_memory_equal(k1, k2, 5);
	inet_pton(AF_INET6, "2001:db8::7", &s6.sin6_addr);
	assert_int_equal(tb_key_sockaddr((struct sockaddr *)&s6, k2), 17);
	struct sockaddr un = {.sa_family = AF_UNIX};
	assert_int_equal(tb_key_sockaddr(&un, k2), 0);
	assert_int_equal(tb_key_sockaddr(NULL, k2), 0);
}

/* The key of a struct ipaddr is the key of the same address as a sockaddr; an IPv4-mapped
 * IPv6 address is its IPv4 address (a reply limit cannot be doubled by writing one victim's
 * address both ways). */
static void test_key_ipaddr(void **state)
{
	(void)state;
	uint8_t k1[TB_KEY_MAX], k2[TB_KEY_MAX];
	struct sockaddr_in s4 = {.sin_family = AF_INET};
	struct ipaddr a;

	inet_pton(AF_INET, "192.0.2.66", &s4.sin_addr);
	assert_int_equal(ipaddr_parse("192.0.2.66", &a), 0);
	assert_int_equal(tb_key_ipaddr(&a, k1), 5);
	assert_int_equal(tb_key_sockaddr((struct sockaddr *)&s4, k2), 5);
	assert_memory_equal(k1, k2, 5);
	assert_int_equal(ipaddr_parse("::ffff:192.0.2.66", &a), 0);
	assert_int_equal(tb_key_ipaddr(&a, k2), 5);
	assert_memory_equal(k1, k2, 5);
	assert_int_equal(ipaddr_parse("2001:db8::66", &a), 0);
	assert_int_equal(tb_key_ipaddr(&a, k2), 17);
	assert_int_equal(k2[0], 6);
	a.afi = LISP_AFI_NONE;
	assert_int_equal(tb_key_ipaddr(&a, k2), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tb_burst_then_rate), cmocka_unit_test(test_tb_edge_cases),
	    cmocka_unit_test(test_tb_rate_over_time),  cmocka_unit_test(test_now_ns_monotonic),
	    cmocka_unit_test(test_table_basic),	       cmocka_unit_test(test_table_lru_eviction),
	    cmocka_unit_test(test_key_sockaddr),       cmocka_unit_test(test_key_ipaddr),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
