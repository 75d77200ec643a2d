/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_ms_expq.c - the Map-Server's expiry heap (ms/expq.c): due order, moves
 * (a refresh pushes a deadline later, a T-bit TTL can pull it earlier), removal from
 * anywhere, owners moved in memory, and a randomized run against a brute-force model.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "ms/expq.h"

struct item {
	uint64_t when; /* model: 0 = not queued */
	struct expq_node node;
};

static struct item *of(struct expq_node *x)
{
	return (struct item *)(void *)((char *)x - offsetof(struct item, node));
}

static void t_order(void **state)
{
	struct expq q;
	struct item it[5] = {{0}};
	uint64_t w[5] = {50, 10, 40, 20, 30};

	(void)state;
	expq_init(&q);
	for (int i = 0; i < 5; i++)
		assert_int_equal(expq_set(&q, &it[i].node, w[i]), 0);
	assert_int_equal(expq_count(&q), 5);
	assert_null(expq_due(&q, 9));
	uint64_t last = 0;
	struct expq_node *x;
	while ((x = expq_due(&q, 100)) != NULL) {
		uint64_t t = expq_when(&q, x);
		assert_true(t >= last);
		last = t;
		expq_del(&q, x);
		assert_false(expq_queued(x));
	}
	assert_int_equal(expq_count(&q), 0);
	expq_free(&q);
}

static void t_move_and_delete(void **state)
{
	struct expq q;
	struct item a = {0}, b = {0}, c = {0};

	(void)state;
	expq_init(&q);
	expq_set(&q, &a.node, 10);
	expq_set(&q, &b.node, 20);
	expq_set(&q, &c.node, 30);
	/* a refresh moves a later */
	expq_set(&q, &a.node, 100);
	assert_ptr_equal(expq_due(&q, 1000), &b.node);
	/* a shorter TTL pulls c earlier */
	expq_set(&q, &c.node, 5);
	assert_ptr_equal(expq_due(&q, 1000), &c.node);
	assert_int_equal(expq_when(&q, &c.node), 5);
	/* removal of a middle entry */
	expq_del(&q, &b.node);
	expq_del(&q, &b.node); /* not queued: nothing */
	assert_int_equal(expq_count(&q), 2);
	expq_del(&q, &c.node);
	assert_ptr_equal(expq_due(&q, 1000), &a.node);
	/* the owner moves in memory */
	struct item *m = malloc(sizeof(*m));
	assert_non_null(m);
	*m = a;
	expq_moved(&q, &m->node);
	assert_ptr_equal(expq_due(&q, 1000), &m->node);
	expq_free(&q);
	assert_false(expq_queued(&m->node));
	free(m);
}

static void t_random_vs_model(void **state)
{
	enum { N = 3000, OPS = 60000 };
	struct item *it = calloc(N, sizeof(*it));
	struct expq q;
	uint64_t now = 0;
	unsigned seed = 12345;

	(void)state;
	assert_non_null(it);
	expq_init(&q);
	for (int op = 0; op < OPS; op++) {
		seed = seed * 1103515245u + 12345u;
		struct item *x = &it[(seed >> 4) % N];
		seed = seed * 1103515245u + 12345u;
		switch ((seed >> 16) % 4) {
		case 0:
		case 1: /* register or refresh */
			x->when = now + 1 + (seed >> 20) % 500;
			assert_int_equal(expq_set(&q, &x->node, x->when), 0);
			break;
		case 2: /* deregister */
			x->when = 0;
			expq_del(&q, &x->node);
			break;
		case 3: { /* tick: everything due goes, nothing else */
			struct expq_node *d;
			now += 7;
			while ((d = expq_due(&q, now)) != NULL) {
				struct item *y = of(d);
				assert_true(y->when != 0 && y->when <= now);
				assert_int_equal(expq_when(&q, d), y->when);
				y->when = 0;
				expq_del(&q, d);
			}
			size_t live = 0;
			for (int i = 0; i < N; i++) {
				assert_true(it[i].when == 0 || it[i].when > now);
				assert_int_equal(expq_queued(&it[i].node), it[i].when != 0);
				live += it[i].when != 0;
			}
			assert_int_equal(expq_count(&q), live);
			break;
		}
		}
	}
	expq_free(&q);
	free(it);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_order),
	    cmocka_unit_test(t_move_and_delete),
	    cmocka_unit_test(t_random_vs_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
