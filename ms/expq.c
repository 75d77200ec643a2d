/* SPDX-License-Identifier: ISC */
/*
 * ms/expq.c - binary min-heap of deadlines (see expq.h). Each move of an entry writes the
 * entry's new position back into its node, so a node can be moved or removed in O(log n).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "ms/expq.h"

void expq_init(struct expq *q)
{
	q->h = NULL;
	q->n = q->cap = 0;
}

void expq_free(struct expq *q)
{
	for (size_t i = 1; i <= q->n; i++)
		q->h[i].node->pos = 0;
	free(q->h);
	expq_init(q);
}

static void place(struct expq *q, size_t i, struct expq_ent e)
{
	q->h[i] = e;
	e.node->pos = (uint32_t)i;
}

static void sift_up(struct expq *q, size_t i)
{
	struct expq_ent e = q->h[i];

	while (i > 1 && q->h[i / 2].when > e.when) {
		place(q, i, q->h[i / 2]);
		i /= 2;
	}
	place(q, i, e);
}

static void sift_down(struct expq *q, size_t i)
{
	struct expq_ent e = q->h[i];

	for (;;) {
		size_t c = 2 * i;
		if (c > q->n)
			break;
		if (c + 1 <= q->n && q->h[c + 1].when < q->h[c].when)
			c++;
		if (q->h[c].when >= e.when)
			break;
		place(q, i, q->h[c]);
		i = c;
	}
	place(q, i, e);
}

int expq_set(struct expq *q, struct expq_node *x, uint64_t when)
{
	if (x->pos != 0) {
		uint64_t old = q->h[x->pos].when;
		q->h[x->pos].when = when;
		if (when < old)
			sift_up(q, x->pos);
		else if (when > old)
			sift_down(q, x->pos);
		return 0;
	}
	if (q->n + 1 >= q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 64;
		struct expq_ent *h;
		if (cap > UINT32_MAX) {
			errno = ENOMEM;
			return -1;
		}
		h = realloc(q->h, cap * sizeof(*h));
		if (h == NULL)
			return -1;
		q->h = h;
		q->cap = cap;
	}
	q->n++;
	q->h[q->n] = (struct expq_ent){when, x};
	sift_up(q, q->n);
	return 0;
}

void expq_del(struct expq *q, struct expq_node *x)
{
	size_t i = x->pos;

	if (i == 0)
		return;
	x->pos = 0;
	if (i == q->n) {
		q->n--;
		return;
	}
	struct expq_ent last = q->h[q->n--];
	uint64_t old = q->h[i].when;
	place(q, i, last);
	if (last.when < old)
		sift_up(q, i);
	else
		sift_down(q, i);
}

void expq_moved(struct expq *q, struct expq_node *x)
{
	if (x->pos != 0)
		q->h[x->pos].node = x;
}

struct expq_node *expq_due(const struct expq *q, uint64_t now)
{
	return q->n > 0 && q->h[1].when <= now ? q->h[1].node : NULL;
}

uint64_t expq_when(const struct expq *q, const struct expq_node *x)
{
	return x->pos ? q->h[x->pos].when : 0;
}
