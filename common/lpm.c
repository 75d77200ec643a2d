/* SPDX-License-Identifier: ISC */
/*
 * common/lpm.c - the longest-prefix-match table (common/lpm.h): routing of each key to
 * the host hash (lpm_hash.c) or to the trie of its (IID, AFI) (lpm_trie.c), lookups,
 * the ordered walks over a sorted key snapshot, and the negative Map-Reply prefix of
 * RFC 9301 §8.3.
 *
 * The tries live in an array sorted by (IID, AFI) and found by binary search; a tree
 * record also counts its host routes so that an (IID, AFI) with no host routes never
 * scans the hash. The hash seed mixes the clock and the table's address, so an outside
 * party choosing EIDs cannot aim at one bucket chain.
 */
#include "common/lpm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/lpm_int.h"

struct lpm_tree {
	uint32_t iid;
	uint16_t afi;
	size_t nhost; /* host routes of this (iid, afi) in the hash */
	struct lpm_trie trie;
};

struct lpm {
	struct lpm_hash h4, h6;
	struct lpm_tree *trees; /* sorted by (iid, afi) */
	size_t ntrees, treecap;
	size_t count;
};

#define BATCH	   16	/* keys whose buckets are prefetched together */
#define PROBE_SPAN 8	/* negative prefix / walk: enumerate at most 2^8 host addresses */
#define SCAN_SMALL 256u /* hash this small: scanning beats probing */

/* ---- helpers ---- */

static bool afi_ok(uint16_t afi)
{
	return afi == LISP_AFI_IPV4 || afi == LISP_AFI_IPV6;
}

static unsigned maxlen_of(uint16_t afi)
{
	return afi == LISP_AFI_IPV6 ? 128 : 32;
}

static bool is_host(uint32_t iid, uint16_t afi, unsigned plen)
{
	return plen == maxlen_of(afi) && iid <= LPM_HASH_IID_MAX;
}

static struct lpm_hash *hash_of(struct lpm *l, uint16_t afi)
{
	return afi == LISP_AFI_IPV6 ? &l->h6 : &l->h4;
}

static const struct lpm_hash *chash_of(const struct lpm *l, uint16_t afi)
{
	return afi == LISP_AFI_IPV6 ? &l->h6 : &l->h4;
}

static void fill_prefix(struct lisp_prefix *p, uint32_t iid, uint16_t afi, struct lpm_key k,
			unsigned plen)
{
	uint8_t b[16];

	memset(p, 0, sizeof(*p));
	p->iid = iid;
	p->afi = afi;
	p->plen = (uint8_t)plen;
	lpm_key_to_bytes(k, b);
	memcpy(p->a, b, afi_addr_len(afi));
}

/* Index of the tree (iid, afi), or of where it would be inserted (*found false). */
static size_t tree_pos(const struct lpm *l, uint32_t iid, uint16_t afi, bool *found)
{
	size_t lo = 0, hi = l->ntrees;
	uint64_t want = (uint64_t)iid << 16 | afi;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t k = (uint64_t)l->trees[mid].iid << 16 | l->trees[mid].afi;
		if (k == want) {
			*found = true;
			return mid;
		}
		if (k < want)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

static struct lpm_tree *tree_find(const struct lpm *l, uint32_t iid, uint16_t afi)
{
	bool found;
	size_t i = tree_pos(l, iid, afi, &found);
	return found ? &l->trees[i] : NULL;
}

static struct lpm_tree *tree_get(struct lpm *l, uint32_t iid, uint16_t afi)
{
	bool found;
	size_t i = tree_pos(l, iid, afi, &found);

	if (found)
		return &l->trees[i];
	if (l->ntrees == l->treecap) {
		size_t ncap = l->treecap ? l->treecap * 2 : 4;
		struct lpm_tree *n = realloc(l->trees, ncap * sizeof(*n));
		if (!n)
			return NULL;
		l->trees = n;
		l->treecap = ncap;
	}
	memmove(&l->trees[i + 1], &l->trees[i], (l->ntrees - i) * sizeof(*l->trees));
	memset(&l->trees[i], 0, sizeof(*l->trees));
	l->trees[i].iid = iid;
	l->trees[i].afi = afi;
	l->trees[i].trie.maxlen = (uint8_t)maxlen_of(afi);
	l->ntrees++;
	return &l->trees[i];
}

/* Drop a tree record that holds nothing any more. */
static void tree_gc(struct lpm *l, struct lpm_tree *t)
{
	if (t->nhost || t->trie.entries)
		return;
	size_t i = (size_t)(t - l->trees);
	memmove(&l->trees[i], &l->trees[i + 1], (l->ntrees - i - 1) * sizeof(*l->trees));
	l->ntrees--;
}

/* ---- life cycle ---- */

struct lpm *lpm_new(void)
{
	struct lpm *l = calloc(1, sizeof(*l));
	struct timespec ts = {0, 0};

	if (!l)
		return NULL;
	(void)timespec_get(&ts, TIME_UTC);
	uint64_t seed = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL ^ (uint64_t)ts.tv_sec ^
			(uint64_t)(uintptr_t)l;
	lpm_hash_init(&l->h4, false, seed);
	lpm_hash_init(&l->h6, true, seed * 0xbf58476d1ce4e5b9ULL + 1);
	return l;
}

void lpm_free(struct lpm *l, void (*free_val)(void *))
{
	if (!l)
		return;
	lpm_hash_fini(&l->h4, free_val);
	lpm_hash_fini(&l->h6, free_val);
	for (size_t i = 0; i < l->ntrees; i++)
		lpm_trie_fini(&l->trees[i].trie, free_val);
	free(l->trees);
	free(l);
}

size_t lpm_count(const struct lpm *l)
{
	return l->count;
}

size_t lpm_memory(const struct lpm *l)
{
	size_t m = sizeof(*l) + lpm_hash_memory(&l->h4) + lpm_hash_memory(&l->h6) +
		   l->treecap * sizeof(*l->trees);
	for (size_t i = 0; i < l->ntrees; i++)
		m += lpm_trie_memory(&l->trees[i].trie);
	return m;
}

/* ---- updates ---- */

static bool prefix_ok(const struct lisp_prefix *p)
{
	return afi_ok(p->afi) && p->plen <= maxlen_of(p->afi);
}

static struct lpm_key prefix_key(const struct lisp_prefix *p)
{
	return lpm_key_mask(lpm_key_from_bytes(p->a, p->afi == LISP_AFI_IPV6), p->plen);
}

int lpm_insert(struct lpm *l, const struct lisp_prefix *p, void *val, void **old)
{
	void *o = NULL;
	int r;

	if (old)
		*old = NULL;
	if (!prefix_ok(p) || !val) {
		errno = EINVAL;
		return -1;
	}
	struct lpm_key k = prefix_key(p);
	struct lpm_tree *t = tree_get(l, p->iid, p->afi);
	if (!t) {
		errno = ENOMEM;
		return -1;
	}
	bool host = is_host(p->iid, p->afi, p->plen);
	if (host)
		r = lpm_hash_put(hash_of(l, p->afi), p->iid, k, val, &o);
	else
		r = lpm_trie_put(&t->trie, k, p->plen, val, &o);
	if (r < 0) {
		tree_gc(l, t);
		errno = ENOMEM;
		return -1;
	}
	if (!o) {
		l->count++;
		if (host)
			t->nhost++;
	}
	if (old)
		*old = o;
	return 0;
}

void *lpm_remove(struct lpm *l, const struct lisp_prefix *p)
{
	void *v;

	if (!prefix_ok(p))
		return NULL;
	struct lpm_tree *t = tree_find(l, p->iid, p->afi);
	if (!t)
		return NULL;
	struct lpm_key k = prefix_key(p);
	bool host = is_host(p->iid, p->afi, p->plen);
	if (host)
		v = lpm_hash_del(hash_of(l, p->afi), p->iid, k);
	else
		v = lpm_trie_del(&t->trie, k, p->plen);
	if (!v)
		return NULL;
	l->count--;
	if (host)
		t->nhost--;
	tree_gc(l, t);
	return v;
}

void *lpm_exact(const struct lpm *l, const struct lisp_prefix *p)
{
	if (!prefix_ok(p))
		return NULL;
	struct lpm_key k = prefix_key(p);
	if (is_host(p->iid, p->afi, p->plen))
		return lpm_hash_get(chash_of(l, p->afi), p->iid, k);
	const struct lpm_tree *t = tree_find(l, p->iid, p->afi);
	return t ? lpm_trie_get(&t->trie, k, p->plen) : NULL;
}

/* ---- lookups ---- */

static void *trie_match(const struct lpm *l, uint32_t iid, uint16_t afi, struct lpm_key k,
			unsigned maxlen, struct lisp_prefix *matched)
{
	const struct lpm_tree *t = tree_find(l, iid, afi);
	if (!t)
		return NULL;
	const struct lpm_node *n = lpm_trie_lookup(&t->trie, k, maxlen);
	if (!n)
		return NULL;
	if (matched)
		fill_prefix(matched, iid, afi, n->k, n->plen);
	return n->val;
}

void *lpm_lookup(const struct lpm *l, uint32_t iid, const struct ipaddr *a,
		 struct lisp_prefix *matched)
{
	if (!afi_ok(a->afi))
		return NULL;
	struct lpm_key k = lpm_key_from_bytes(a->a, a->afi == LISP_AFI_IPV6);
	unsigned maxlen = maxlen_of(a->afi);
	const struct lpm_hash *h = chash_of(l, a->afi);
	if (h->count && iid <= LPM_HASH_IID_MAX) {
		void *v = lpm_hash_get(h, iid, k);
		if (v) {
			if (matched)
				fill_prefix(matched, iid, a->afi, k, maxlen);
			return v;
		}
	}
	return trie_match(l, iid, a->afi, k, maxlen, matched);
}

void lpm_lookup_batch(const struct lpm *l, size_t n, const uint32_t *iid, const struct ipaddr *a,
		      void **out)
{
	for (size_t base = 0; base < n; base += BATCH) {
		size_t m = n - base < BATCH ? n - base : BATCH;
		struct lpm_key k[BATCH];
		uint32_t home[BATCH];
		const struct lpm_hash *h[BATCH];

		for (size_t j = 0; j < m; j++) {
			const struct ipaddr *x = &a[base + j];
			h[j] = NULL;
			if (!afi_ok(x->afi))
				continue;
			k[j] = lpm_key_from_bytes(x->a, x->afi == LISP_AFI_IPV6);
			const struct lpm_hash *hh = chash_of(l, x->afi);
			if (hh->count && iid[base + j] <= LPM_HASH_IID_MAX) {
				h[j] = hh;
				home[j] = lpm_hash_home(hh, iid[base + j], k[j]);
				lpm_hash_prefetch(hh, home[j]);
			}
		}
		for (size_t j = 0; j < m; j++) {
			const struct ipaddr *x = &a[base + j];
			void *v = NULL;
			if (!afi_ok(x->afi)) {
				out[base + j] = NULL;
				continue;
			}
			if (h[j])
				v = lpm_hash_get_at(h[j], home[j], iid[base + j], k[j]);
			if (!v)
				v = trie_match(l, iid[base + j], x->afi, k[j], maxlen_of(x->afi),
					       NULL);
			out[base + j] = v;
		}
	}
}

void *lpm_covering(const struct lpm *l, const struct lisp_prefix *p, struct lisp_prefix *matched)
{
	if (!prefix_ok(p))
		return NULL;
	struct lpm_key k = prefix_key(p);
	if (is_host(p->iid, p->afi, p->plen)) {
		void *v = lpm_hash_get(chash_of(l, p->afi), p->iid, k);
		if (v) {
			if (matched)
				fill_prefix(matched, p->iid, p->afi, k, p->plen);
			return v;
		}
	}
	return trie_match(l, p->iid, p->afi, k, p->plen, matched);
}

/* ---- negative prefix ---- */

/* Key sharing exactly `level` bits with k, with `s` in its last (maxlen - level - 1) bits. */
static struct lpm_key sibling_key(struct lpm_key k, unsigned level, unsigned maxlen, uint64_t s)
{
	struct lpm_key x = lpm_key_mask(k, level);
	if (level < 64)
		x.hi |= (uint64_t)!lpm_key_bit(k, level) << (63 - level);
	else
		x.lo |= (uint64_t)!lpm_key_bit(k, level) << (127 - level);
	unsigned shift = 128 - maxlen;
	if (shift >= 64)
		x.hi |= s << (shift - 64);
	else
		x.lo |= s << shift;
	return x;
}

struct lcp_scan {
	uint32_t iid;
	struct lpm_key k;
	int best;
};

static int lcp_scan_fn(uint32_t iid, struct lpm_key k, void *arg)
{
	struct lcp_scan *s = arg;
	if (iid == s->iid) {
		int c = (int)lpm_key_lcp(k, s->k);
		if (c > s->best)
			s->best = c;
	}
	return 0;
}

/* Longest common prefix of k with a host route of (iid, afi), if longer than `best`. */
static int host_max_lcp(const struct lpm_hash *h, uint32_t iid, struct lpm_key k, unsigned maxlen,
			int best)
{
	int floor = (int)maxlen - 1 - PROBE_SPAN;
	if (h->count > SCAN_SMALL) {
		/* Probe the addresses sharing maxlen-1, maxlen-2, ... bits with k. */
		for (int lv = (int)maxlen - 1; lv > best && lv > floor; lv--) {
			uint64_t nsib = 1ULL << (maxlen - 1 - (unsigned)lv);
			for (uint64_t s = 0; s < nsib; s++)
				if (lpm_hash_get(h, iid, sibling_key(k, (unsigned)lv, maxlen, s)))
					return lv;
		}
		if (best >= floor)
			return best;
	}
	struct lcp_scan sc = {iid, k, best};
	lpm_hash_foreach(h, lcp_scan_fn, &sc);
	return sc.best;
}

int lpm_negative_prefix(const struct lpm *l, uint32_t iid, const struct ipaddr *a,
			struct lisp_prefix *out)
{
	if (!afi_ok(a->afi) || lpm_lookup(l, iid, a, NULL))
		return -1;
	struct lpm_key k = lpm_key_from_bytes(a->a, a->afi == LISP_AFI_IPV6);
	unsigned maxlen = maxlen_of(a->afi);
	int best = -1;
	const struct lpm_tree *t = tree_find(l, iid, a->afi);
	if (t) {
		best = lpm_trie_max_lcp(&t->trie, k);
		if (t->nhost)
			best = host_max_lcp(chash_of(l, a->afi), iid, k, maxlen, best);
	}
	unsigned plen = (unsigned)(best + 1); /* <= maxlen: no entry contains a */
	fill_prefix(out, iid, a->afi, lpm_key_mask(k, plen), plen);
	return 0;
}

/* ---- walks over a sorted snapshot ---- */

struct snap_ent {
	struct lpm_key k;
	uint32_t iid;
	uint16_t afi;
	uint8_t plen;
};

struct snap {
	struct snap_ent *v;
	size_t n, cap;
	/* filter for host routes */
	uint32_t iid;
	uint16_t afi;
	struct lpm_key k;
	unsigned plen;
	bool all;
};

static int snap_add(struct snap *s, uint32_t iid, uint16_t afi, struct lpm_key k, unsigned plen)
{
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 64;
		struct snap_ent *n = realloc(s->v, ncap * sizeof(*n));
		if (!n)
			return -1;
		s->v = n;
		s->cap = ncap;
	}
	s->v[s->n++] = (struct snap_ent){k, iid, afi, (uint8_t)plen};
	return 0;
}

static int snap_node(const struct lpm_node *n, void *arg)
{
	struct snap *s = arg;
	return snap_add(s, s->iid, s->afi, n->k, n->plen);
}

static int snap_host(uint32_t iid, struct lpm_key k, void *arg)
{
	struct snap *s = arg;
	if (!s->all && (iid != s->iid || !lpm_key_match(k, s->k, s->plen)))
		return 0;
	return snap_add(s, iid, s->afi, k, maxlen_of(s->afi));
}

static int snap_cmp(const void *x, const void *y)
{
	const struct snap_ent *a = x, *b = y;
	if (a->iid != b->iid)
		return a->iid < b->iid ? -1 : 1;
	if (a->afi != b->afi)
		return a->afi < b->afi ? -1 : 1;
	int c = lpm_key_cmp(a->k, b->k);
	if (c)
		return c;
	return (a->plen > b->plen) - (a->plen < b->plen);
}

static int snap_run(const struct lpm *l, struct snap *s, lpm_walk_cb cb, void *arg)
{
	int r = 0;

	if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), snap_cmp);
	for (size_t i = 0; i < s->n; i++) {
		struct lisp_prefix p;
		fill_prefix(&p, s->v[i].iid, s->v[i].afi, s->v[i].k, s->v[i].plen);
		void *val = lpm_exact(l, &p);
		if (val && (r = cb(&p, val, arg)))
			break;
	}
	free(s->v);
	return r;
}

int lpm_walk(const struct lpm *l, lpm_walk_cb cb, void *arg)
{
	struct snap s = {0};
	struct lpm_key zero = {0, 0};

	s.all = true;
	for (size_t i = 0; i < l->ntrees; i++) {
		s.iid = l->trees[i].iid;
		s.afi = l->trees[i].afi;
		if (lpm_trie_foreach_covered(&l->trees[i].trie, zero, 0, snap_node, &s))
			goto nomem;
	}
	s.afi = LISP_AFI_IPV4;
	if (lpm_hash_foreach(&l->h4, snap_host, &s))
		goto nomem;
	s.afi = LISP_AFI_IPV6;
	if (lpm_hash_foreach(&l->h6, snap_host, &s))
		goto nomem;
	return snap_run(l, &s, cb, arg);
nomem:
	free(s.v);
	errno = ENOMEM;
	return -1;
}

int lpm_walk_covered(const struct lpm *l, const struct lisp_prefix *p, lpm_walk_cb cb, void *arg)
{
	struct snap s = {0};

	if (!prefix_ok(p))
		return 0;
	const struct lpm_tree *t = tree_find(l, p->iid, p->afi);
	if (!t)
		return 0;
	s.iid = p->iid;
	s.afi = p->afi;
	s.k = prefix_key(p);
	s.plen = p->plen;
	if (lpm_trie_foreach_covered(&t->trie, s.k, p->plen, snap_node, &s))
		goto nomem;
	if (t->nhost) {
		const struct lpm_hash *h = chash_of(l, p->afi);
		unsigned maxlen = maxlen_of(p->afi), span = maxlen - p->plen;
		if (span <= PROBE_SPAN && h->count > SCAN_SMALL) {
			/* Few addresses under p: probe each instead of scanning the hash. */
			unsigned shift = 128 - maxlen;
			for (uint64_t i = 0; i < (1ULL << span); i++) {
				struct lpm_key k = s.k;
				if (shift >= 64)
					k.hi |= i << (shift - 64);
				else
					k.lo |= i << shift;
				if (lpm_hash_get(h, p->iid, k) &&
				    snap_add(&s, p->iid, p->afi, k, maxlen))
					goto nomem;
			}
		} else if (lpm_hash_foreach(h, snap_host, &s)) {
			goto nomem;
		}
	}
	return snap_run(l, &s, cb, arg);
nomem:
	free(s.v);
	errno = ENOMEM;
	return -1;
}

/* ---- resumable walk (lpm_next) ---- */

void lpm_cursor_init(struct lpm_cursor *c)
{
	memset(c, 0, sizeof(*c));
}

struct nx {
	struct lpm_cursor *c;
	lpm_walk_cb cb;
	void *arg;
	size_t left, done;
	int r;
};

static int nx_node(const struct lpm_node *n, void *arg)
{
	struct nx *x = arg;
	struct lisp_prefix p;

	x->c->have = true;
	x->c->khi = n->k.hi;
	x->c->klo = n->k.lo;
	x->c->plen = n->plen;
	fill_prefix(&p, x->c->iid, x->c->afi, n->k, n->plen);
	x->done++;
	x->left--;
	if ((x->r = x->cb(&p, n->val, x->arg)) != 0 || x->left == 0)
		return 1;
	return 0;
}

long lpm_next(const struct lpm *l, struct lpm_cursor *c, size_t max, lpm_walk_cb cb, void *arg)
{
	struct nx x = {c, cb, arg, max, 0, 0};

	if (c->part == 0) {
		c->part = 1;
		c->have = false;
		c->iid = 0;
		c->afi = 0;
	}
	while (c->part == 1 && x.left > 0 && x.r == 0) {
		bool found;
		size_t i = tree_pos(l, c->iid, c->afi, &found);
		if (!found)
			c->have = false; /* that tree is gone: the next one, from its start */
		if (i >= l->ntrees) {
			c->part = 2;
			c->have = false;
			break;
		}
		const struct lpm_tree *t = &l->trees[i];
		c->iid = t->iid;
		c->afi = t->afi;
		struct lpm_key ck = {c->khi, c->klo};
		if (lpm_trie_foreach_after(&t->trie, c->have, ck, c->plen, nx_node, &x) == 0) {
			/* this tree is finished: the one after it */
			if (i + 1 >= l->ntrees) {
				c->part = 2;
				c->have = false;
				break;
			}
			c->iid = l->trees[i + 1].iid;
			c->afi = l->trees[i + 1].afi;
			c->have = false;
		}
	}
	while ((c->part == 2 || c->part == 3) && x.left > 0 && x.r == 0) {
		const struct lpm_hash *h = c->part == 2 ? &l->h4 : &l->h6;
		uint16_t afi = c->part == 2 ? LISP_AFI_IPV4 : LISP_AFI_IPV6;
		size_t want = x.left < 64 ? x.left : 64; /* a batch renders about that many */
		struct lpm_hent *v = malloc((want + LPM_HASH_RUN) * sizeof(*v));
		bool more;
		if (!v) {
			errno = ENOMEM;
			return x.done ? (long)x.done : -1;
		}
		struct lpm_key ck = {c->khi, c->klo};
		size_t n = lpm_hash_next(h, c->have, c->h32, c->iid, ck, v, want, &more);
		for (size_t k = 0; k < n && x.left > 0 && x.r == 0; k++) {
			struct lisp_prefix p;
			c->have = true;
			c->h32 = v[k].h32;
			c->iid = v[k].iid;
			c->khi = v[k].k.hi;
			c->klo = v[k].k.lo;
			fill_prefix(&p, v[k].iid, afi, v[k].k, maxlen_of(afi));
			x.done++;
			x.left--;
			x.r = cb(&p, v[k].val, arg);
			if (x.r == 0 && x.left == 0 && k + 1 == n && !more)
				more = false; /* the part ends exactly here */
			else if (x.r || x.left == 0)
				more = true;
		}
		free(v);
		if (!more) {
			c->part++;
			c->have = false;
		}
	}
	return (long)x.done;
}
