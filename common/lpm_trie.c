/* SPDX-License-Identifier: ISC */
/*
 * common/lpm_trie.c - the path-compressed binary trie of common/lpm (one per IID+AFI)
 * holding every prefix that is not in the host hash.
 *
 * Each node is a prefix (key + length) with a value, or a glue node (no value, exactly
 * two children) where two branches diverge; a child's length is always greater than its
 * parent's, and child[b] holds the prefixes whose bit `parent->plen` is b. The depth is
 * bounded by the number of distinct lengths on a path (<= 129), not by the address width,
 * and a node is 48 bytes. Pre-order (node, child[0], child[1]) is prefix order (address,
 * then length), which the walks rely on.
 *
 * Above 64 entries a stride table (struct lpm_tslot, ~2 slots per entry, at most 2^16)
 * indexes the bits just below the root's common prefix, so a lookup jumps over the top
 * ~log2(entries) levels (the idea of DPDK's DIR-24-8 and of poptrie's direct-pointing
 * top level, applied as an index over the trie rather than a replacement). Each update
 * refreshes the slots under the highest node it changed; a /0 refreshes them all.
 */
#include "common/lpm_int.h"

#include <stdlib.h>

#define TAB_MIN_ENTRIES 64
#define TAB_MAX_BITS	16

/* ---- stride table ---- */

/* The n (<= 32) bits of k starting at bit off (off + n <= 128). */
static inline uint32_t key_bits(struct lpm_key k, unsigned off, unsigned n)
{
	uint64_t w = off == 0	? k.hi
		     : off < 64 ? (k.hi << off) | (k.lo >> (64 - off))
				: k.lo << (off - 64);
	return (uint32_t)(w >> (64 - n));
}

/* k with the n-bit value v written at bit off. */
static inline struct lpm_key key_put_bits(struct lpm_key k, unsigned off, unsigned n, uint64_t v)
{
	unsigned shift = 128 - off - n; /* of v's lowest bit */
	if (shift >= 64) {
		k.hi |= v << (shift - 64);
	} else {
		k.lo |= v << shift;
		if (shift && shift + n > 64)
			k.hi |= v >> (64 - shift);
	}
	return k;
}

static unsigned want_bits(const struct lpm_trie *t)
{
	if (!t->root || t->entries < TAB_MIN_ENTRIES)
		return 0;
	unsigned b = 1;
	while (b < TAB_MAX_BITS && (1ULL << b) < 2 * t->entries)
		b++;
	unsigned room = t->maxlen > t->root->plen ? t->maxlen - t->root->plen : 0;
	return b > room ? room : b;
}

static void tab_fill(struct lpm_trie *t, uint32_t first, uint32_t last)
{
	unsigned lim = t->tbase + t->tbits;
	for (uint64_t i = first; i <= last; i++) {
		struct lpm_key k = key_put_bits(t->tkey, t->tbase, t->tbits, i);
		struct lpm_node *n = t->root, *best = NULL;
		while (n && n->plen < lim && lpm_key_match(k, n->k, n->plen)) {
			if (n->val)
				best = n;
			n = n->child[lpm_key_bit(k, n->plen)];
		}
		if (n && (n->plen < lim || !lpm_key_match(k, n->k, lim)))
			n = NULL;
		t->tab[i].best = best;
		t->tab[i].next = n;
	}
}

static void tab_rebuild(struct lpm_trie *t)
{
	unsigned b = want_bits(t);
	free(t->tab);
	t->tab = NULL;
	t->tbits = 0;
	if (b < 4 || !(t->tab = malloc(sizeof(*t->tab) << b)))
		return; /* lookups descend from the root */
	t->tbits = (uint8_t)b;
	t->tbase = t->root->plen;
	t->tkey = t->root->k;
	tab_fill(t, 0, (1u << b) - 1);
}

/* After an update whose highest changed node was (k, top). */
static void tab_update(struct lpm_trie *t, struct lpm_key k, unsigned top)
{
	unsigned want = want_bits(t);
	if (!t->tab) {
		if (want >= 4)
			tab_rebuild(t);
		return;
	}
	if (!t->root || t->root->plen != t->tbase || t->root->k.hi != t->tkey.hi ||
	    t->root->k.lo != t->tkey.lo || want + 2 <= (unsigned)t->tbits ||
	    want >= (unsigned)t->tbits + 2 || (want < 4) || top <= t->tbase) {
		tab_rebuild(t);
		return;
	}
	unsigned lim = t->tbase + t->tbits;
	uint32_t first = key_bits(lpm_key_mask(k, top < lim ? top : lim), t->tbase, t->tbits);
	uint32_t n = top < lim ? 1u << (lim - top) : 1;
	tab_fill(t, first, first + n - 1);
}

size_t lpm_trie_memory(const struct lpm_trie *t)
{
	return t->nodes * sizeof(struct lpm_node) + (t->tab ? sizeof(*t->tab) << t->tbits : 0);
}

/* ---- nodes ---- */

static struct lpm_node *node_new(struct lpm_trie *t, struct lpm_key k, unsigned plen, void *val)
{
	struct lpm_node *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->k = lpm_key_mask(k, plen);
	n->plen = (uint8_t)plen;
	n->val = val;
	t->nodes++;
	return n;
}

static void node_free(struct lpm_trie *t, struct lpm_node *n)
{
	free(n);
	t->nodes--;
}

static void free_rec(struct lpm_node *n, void (*free_val)(void *))
{
	if (!n)
		return;
	free_rec(n->child[0], free_val);
	free_rec(n->child[1], free_val);
	if (n->val && free_val)
		free_val(n->val);
	free(n);
}

void lpm_trie_fini(struct lpm_trie *t, void (*free_val)(void *))
{
	free_rec(t->root, free_val);
	free(t->tab);
	t->tab = NULL;
	t->tbits = 0;
	t->root = NULL;
	t->nodes = t->entries = 0;
}

static int put(struct lpm_trie *t, struct lpm_key k, unsigned plen, void *val, void **old,
	       unsigned *top)
{
	struct lpm_node **slot = &t->root, *n;

	*old = NULL;
	*top = plen;
	while ((n = *slot) && n->plen < plen && lpm_key_match(k, n->k, n->plen))
		slot = &n->child[lpm_key_bit(k, n->plen)];
	if (!n) {
		if (!(n = node_new(t, k, plen, val)))
			return -1;
		*slot = n;
		t->entries++;
		return 0;
	}
	if (n->plen == plen && lpm_key_match(k, n->k, plen)) {
		*old = n->val;
		if (!n->val)
			t->entries++;
		n->val = val;
		return 0;
	}
	/* n and the new prefix diverge at bit c, or the new prefix is n's ancestor. */
	unsigned c = lpm_key_lcp(k, n->k);
	if (c > plen)
		c = plen;
	if (c > n->plen)
		c = n->plen;
	struct lpm_node *leaf = node_new(t, k, plen, val);
	if (!leaf)
		return -1;
	if (c == plen) {
		leaf->child[lpm_key_bit(n->k, plen)] = n;
		*slot = leaf;
	} else {
		struct lpm_node *glue = node_new(t, k, c, NULL);
		if (!glue) {
			node_free(t, leaf);
			return -1;
		}
		glue->child[lpm_key_bit(k, c)] = leaf;
		glue->child[lpm_key_bit(n->k, c)] = n;
		*slot = glue;
		*top = c;
	}
	t->entries++;
	return 0;
}

int lpm_trie_put(struct lpm_trie *t, struct lpm_key k, unsigned plen, void *val, void **old)
{
	unsigned top;
	int r = put(t, k, plen, val, old, &top);
	if (r == 0)
		tab_update(t, k, top);
	return r;
}

static void *del(struct lpm_trie *t, struct lpm_key k, unsigned plen, unsigned *top)
{
	struct lpm_node **slot = &t->root, **pslot = NULL, *n;

	while ((n = *slot) && n->plen < plen && lpm_key_match(k, n->k, n->plen)) {
		pslot = slot;
		slot = &n->child[lpm_key_bit(k, n->plen)];
	}
	if (!n || n->plen != plen || !lpm_key_match(k, n->k, plen) || !n->val)
		return NULL;
	void *val = n->val;
	n->val = NULL;
	t->entries--;
	*top = plen;
	if (n->child[0] && n->child[1])
		return val; /* stays as a glue node */
	struct lpm_node *c = n->child[0] ? n->child[0] : n->child[1];
	*slot = c;
	node_free(t, n);
	if (!c && pslot && !(*pslot)->val) {
		/* The parent is a glue node left with one child: splice it out. */
		struct lpm_node *p = *pslot;
		*pslot = p->child[0] ? p->child[0] : p->child[1];
		*top = p->plen;
		node_free(t, p);
	}
	return val;
}

void *lpm_trie_del(struct lpm_trie *t, struct lpm_key k, unsigned plen)
{
	unsigned top;
	void *val = del(t, k, plen, &top);
	if (val)
		tab_update(t, k, top);
	return val;
}

void *lpm_trie_get(const struct lpm_trie *t, struct lpm_key k, unsigned plen)
{
	const struct lpm_node *n = t->root;

	while (n && n->plen < plen && lpm_key_match(k, n->k, n->plen))
		n = n->child[lpm_key_bit(k, n->plen)];
	if (n && n->plen == plen && lpm_key_match(k, n->k, plen))
		return n->val;
	return NULL;
}

const struct lpm_node *lpm_trie_lookup(const struct lpm_trie *t, struct lpm_key k, unsigned maxlen)
{
	const struct lpm_node *n = t->root, *best = NULL;

	if (t->tab && t->tbase + t->tbits <= maxlen) {
		if (!lpm_key_match(k, t->tkey, t->tbase))
			return NULL;
		const struct lpm_tslot *s = &t->tab[key_bits(k, t->tbase, t->tbits)];
		best = s->best;
		n = s->next;
	}
	while (n && n->plen <= maxlen && lpm_key_match(k, n->k, n->plen)) {
		if (n->val)
			best = n;
		if (n->plen >= maxlen)
			break;
		n = n->child[lpm_key_bit(k, n->plen)];
	}
	return best;
}

int lpm_trie_max_lcp(const struct lpm_trie *t, struct lpm_key k)
{
	const struct lpm_node *n = t->root;

	if (!n)
		return -1;
	for (;;) {
		if (!lpm_key_match(k, n->k, n->plen)) {
			/* Every entry below n shares exactly this many bits with k, and that is
			 * more than any branch left earlier on the path. */
			unsigned c = lpm_key_lcp(k, n->k);
			return (int)(c < n->plen ? c : n->plen);
		}
		if (n->plen >= 128)
			return n->plen;
		const struct lpm_node *c = n->child[lpm_key_bit(k, n->plen)];
		if (!c)
			return n->plen; /* the other branch diverges right here */
		n = c;
	}
}

static int preorder(const struct lpm_node *n, int (*fn)(const struct lpm_node *, void *), void *arg)
{
	int r;

	if (!n)
		return 0;
	if (n->val && (r = fn(n, arg)))
		return r;
	if ((r = preorder(n->child[0], fn, arg)))
		return r;
	return preorder(n->child[1], fn, arg);
}

int lpm_trie_foreach_covered(const struct lpm_trie *t, struct lpm_key k, unsigned plen,
			     int (*fn)(const struct lpm_node *n, void *arg), void *arg)
{
	const struct lpm_node *n = t->root;

	while (n && n->plen < plen && lpm_key_match(k, n->k, n->plen))
		n = n->child[lpm_key_bit(k, n->plen)];
	if (!n || n->plen < plen || !lpm_key_match(k, n->k, plen))
		return 0;
	return preorder(n, fn, arg);
}

struct after {
	struct lpm_key ck;
	unsigned cplen;
	int (*fn)(const struct lpm_node *n, void *arg);
	void *arg;
};

/* Prefix order is (key, length): a node before its subtree, child 0 before child 1. A
 * subtree that does not contain the cursor lies wholly before or wholly after it. */
static int after_walk(const struct lpm_node *n, bool have, const struct after *a)
{
	int r;

	if (!n)
		return 0;
	if (have && !lpm_key_match(n->k, a->ck, n->plen)) {
		if (lpm_key_cmp(n->k, a->ck) < 0)
			return 0;
		have = false;
	}
	if (n->val &&
	    (!have || lpm_key_cmp(n->k, a->ck) > 0 ||
	     (lpm_key_cmp(n->k, a->ck) == 0 && n->plen > a->cplen)) &&
	    (r = a->fn(n, a->arg)) != 0)
		return r;
	if ((r = after_walk(n->child[0], have, a)) != 0)
		return r;
	return after_walk(n->child[1], have, a);
}

int lpm_trie_foreach_after(const struct lpm_trie *t, bool have, struct lpm_key ck, unsigned cplen,
			   int (*fn)(const struct lpm_node *n, void *arg), void *arg)
{
	struct after a = {ck, cplen, fn, arg};
	return after_walk(t->root, have, &a);
}
