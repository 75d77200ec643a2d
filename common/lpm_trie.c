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
 */
#include "common/lpm_int.h"

#include <stdlib.h>

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
	t->root = NULL;
	t->nodes = t->entries = 0;
}

int lpm_trie_put(struct lpm_trie *t, struct lpm_key k, unsigned plen, void *val, void **old)
{
	struct lpm_node **slot = &t->root, *n;

	*old = NULL;
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
	}
	t->entries++;
	return 0;
}

void *lpm_trie_del(struct lpm_trie *t, struct lpm_key k, unsigned plen)
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
	if (n->child[0] && n->child[1])
		return val; /* stays as a glue node */
	struct lpm_node *c = n->child[0] ? n->child[0] : n->child[1];
	*slot = c;
	node_free(t, n);
	if (!c && pslot && !(*pslot)->val) {
		/* The parent is a glue node left with one child: splice it out. */
		struct lpm_node *p = *pslot;
		*pslot = p->child[0] ? p->child[0] : p->child[1];
		node_free(t, p);
	}
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
