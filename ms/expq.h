/* SPDX-License-Identifier: ISC */
/*
 * ms/expq.h - the Map-Server's expiry queue: a binary min-heap of deadlines (monotonic ms)
 * with O(log n) insert, move and remove and O(1) "what expires first".
 *
 * Only what can expire is queued (registrations of `refresh` sites, docs/architecture.md "Sites,
 * keys and lifetimes"): a `persistent` registration is never in the queue and costs nothing per
 * tick. The owner embeds a struct expq_node (4 bytes: its position in the heap, 0 = not queued);
 * the heap array holds {deadline, node} pairs, 16 bytes per queued entry.
 */
#ifndef MS_EXPQ_H
#define MS_EXPQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct expq_node {
	uint32_t pos; /* 1-based index in the heap; 0 = not queued */
};

struct expq_ent {
	uint64_t when;
	struct expq_node *node;
};

struct expq {
	struct expq_ent *h; /* h[0] unused; entries 1..n */
	size_t n, cap;
};

void expq_init(struct expq *q);
void expq_free(struct expq *q);
static inline bool expq_queued(const struct expq_node *x)
{
	return x->pos != 0;
}
/* Queue x with deadline `when`, or move it there if already queued. 0, or -1 (ENOMEM:
 * x is left as it was). */
int expq_set(struct expq *q, struct expq_node *x, uint64_t when);
/* Take x out of the queue (nothing if it is not queued). */
void expq_del(struct expq *q, struct expq_node *x);
/* x (queued or not) was moved in memory (realloc of its owner): the heap follows. */
void expq_moved(struct expq *q, struct expq_node *x);
/* The node with the earliest deadline if that deadline is <= now, else NULL. It stays
 * queued: the caller removes it (expq_del) or moves it (expq_set). */
struct expq_node *expq_due(const struct expq *q, uint64_t now);
/* Deadline of a queued node. */
uint64_t expq_when(const struct expq *q, const struct expq_node *x);
static inline size_t expq_count(const struct expq *q)
{
	return q->n;
}

#endif
