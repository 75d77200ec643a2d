/* SPDX-License-Identifier: ISC */
/*
 * common/lpm_hash.c - the host-route hash of common/lpm: exact (24-bit IID, address)
 * -> value, one table per AFI.
 *
 * Open addressing with linear probing and Robin Hood displacement: each slot keeps its
 * distance from its home slot (1-based, 0 = empty) in the low byte of `meta` and the IID
 * in the upper 24 bits, so an IPv4 slot is 16 bytes and an IPv6 slot 32. A search stops
 * at the first slot closer to its home than the probe is, so misses are as short as
 * hits; removal shifts the following run back (no tombstones). The home slot is
 * (hash * cap) >> 32, so the capacity can grow by 1.5x instead of doubling; load stays
 * between ~0.53 and 0.80, which keeps an IPv6 entry under 64 bytes. Arrays of 2 MB and
 * more are mapped directly and advised to use transparent huge pages: a lookup at 1M
 * entries then costs one cache miss without a TLB miss, and a freed array goes back to
 * the kernel instead of staying in the malloc heap.
 */
#include "common/lpm_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct lpm_hslot4 {
	uint32_t meta; /* iid << 8 | distance */
	uint32_t addr;
	void *val;
};

struct lpm_hslot6 {
	uint32_t meta;
	uint32_t pad;
	uint64_t hi, lo;
	void *val;
};

union lpm_hslot {
	struct lpm_hslot4 s4;
	struct lpm_hslot6 s6;
};

#define DIST(m)	 ((m)&0xffu)
#define DIST_MAX 255u
#define MIN_CAP	 16u
#define LOAD_NUM 4 /* grow above 4/5 */
#define LOAD_DEN 5

#define BIG_ARRAY (2u << 20)

/* Zeroed array of n bytes (n > 0). */
static void *array_alloc(size_t n)
{
	if (n < BIG_ARRAY)
		return calloc(1, n);
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
#ifdef MADV_HUGEPAGE
	(void)madvise(p, n, MADV_HUGEPAGE);
#endif
	return p;
}

static void array_free(void *p, size_t n)
{
	if (!p)
		return;
	if (n < BIG_ARRAY)
		free(p);
	else
		munmap(p, n);
}

static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static inline uint64_t hash_key(const struct lpm_hash *h, uint32_t iid, struct lpm_key k)
{
	if (!h->v6)
		return mix64(h->seed ^ ((uint64_t)iid << 32 | k.hi >> 32));
	return mix64(h->seed ^ k.hi ^ mix64(k.lo + ((uint64_t)iid << 8 | 1)));
}

static inline uint32_t home_of(uint32_t cap, uint64_t hv)
{
	return (uint32_t)(((hv >> 32) * cap) >> 32);
}

static inline size_t slot_size(const struct lpm_hash *h)
{
	return h->v6 ? sizeof(struct lpm_hslot6) : sizeof(struct lpm_hslot4);
}

static inline uint32_t meta_at(const struct lpm_hash *h, uint32_t i)
{
	return h->v6 ? ((const struct lpm_hslot6 *)h->slots)[i].meta
		     : ((const struct lpm_hslot4 *)h->slots)[i].meta;
}

static inline void *slot_at(const struct lpm_hash *h, uint32_t i)
{
	return (char *)h->slots + (size_t)i * slot_size(h);
}

static void slot_load(const struct lpm_hash *h, uint32_t i, union lpm_hslot *s)
{
	memcpy(s, slot_at(h, i), slot_size(h));
}

static void slot_store(struct lpm_hash *h, uint32_t i, const union lpm_hslot *s)
{
	memcpy(slot_at(h, i), s, slot_size(h));
}

static void slot_make(const struct lpm_hash *h, uint32_t iid, struct lpm_key k, void *val,
		      union lpm_hslot *s)
{
	memset(s, 0, sizeof(*s));
	if (h->v6) {
		s->s6.meta = iid << 8 | 1;
		s->s6.hi = k.hi;
		s->s6.lo = k.lo;
		s->s6.val = val;
	} else {
		s->s4.meta = iid << 8 | 1;
		s->s4.addr = (uint32_t)(k.hi >> 32);
		s->s4.val = val;
	}
}

static void slot_key(const struct lpm_hash *h, const union lpm_hslot *s, uint32_t *iid,
		     struct lpm_key *k)
{
	if (h->v6) {
		*iid = s->s6.meta >> 8;
		k->hi = s->s6.hi;
		k->lo = s->s6.lo;
	} else {
		*iid = s->s4.meta >> 8;
		k->hi = (uint64_t)s->s4.addr << 32;
		k->lo = 0;
	}
}

void lpm_hash_init(struct lpm_hash *h, bool v6, uint64_t seed)
{
	memset(h, 0, sizeof(*h));
	h->v6 = v6;
	h->seed = seed;
}

void lpm_hash_fini(struct lpm_hash *h, void (*free_val)(void *))
{
	if (free_val) {
		for (uint32_t i = 0; i < h->cap; i++) {
			if (!DIST(meta_at(h, i)))
				continue;
			union lpm_hslot s;
			slot_load(h, i, &s);
			free_val(h->v6 ? s.s6.val : s.s4.val);
		}
	}
	array_free(h->slots, lpm_hash_memory(h));
	h->slots = NULL;
	h->cap = h->count = 0;
}

size_t lpm_hash_memory(const struct lpm_hash *h)
{
	return (size_t)h->cap * slot_size(h);
}

uint32_t lpm_hash_home(const struct lpm_hash *h, uint32_t iid, struct lpm_key k)
{
	return home_of(h->cap, hash_key(h, iid, k));
}

void lpm_hash_prefetch(const struct lpm_hash *h, uint32_t home)
{
	if (h->cap)
		__builtin_prefetch(slot_at(h, home));
}

/* Index of the slot holding the key, or -1. */
static inline int64_t find_at(const struct lpm_hash *h, uint32_t i, uint32_t iid, struct lpm_key k)
{
	uint32_t want = iid << 8;
	if (!h->v6) {
		const struct lpm_hslot4 *s = h->slots;
		uint32_t addr = (uint32_t)(k.hi >> 32);
		for (uint32_t d = 1;; d++) {
			uint32_t m = s[i].meta;
			if (DIST(m) < d)
				return -1;
			if ((m & ~0xffu) == want && s[i].addr == addr)
				return i;
			if (++i == h->cap)
				i = 0;
		}
	}
	const struct lpm_hslot6 *s = h->slots;
	for (uint32_t d = 1;; d++) {
		uint32_t m = s[i].meta;
		if (DIST(m) < d)
			return -1;
		if ((m & ~0xffu) == want && s[i].hi == k.hi && s[i].lo == k.lo)
			return i;
		if (++i == h->cap)
			i = 0;
	}
}

void *lpm_hash_get_at(const struct lpm_hash *h, uint32_t home, uint32_t iid, struct lpm_key k)
{
	if (!h->count)
		return NULL;
	int64_t i = find_at(h, home, iid, k);
	if (i < 0)
		return NULL;
	return h->v6 ? ((const struct lpm_hslot6 *)h->slots)[i].val
		     : ((const struct lpm_hslot4 *)h->slots)[i].val;
}

void *lpm_hash_get(const struct lpm_hash *h, uint32_t iid, struct lpm_key k)
{
	if (!h->count)
		return NULL;
	return lpm_hash_get_at(h, lpm_hash_home(h, iid, k), iid, k);
}

/* Robin Hood placement of s (distance in its meta) starting at slot i. Returns 0, or -1
 * when a distance would overflow the byte (the table is left consistent, the element
 * carried at that moment is returned in *s and must be re-inserted after growing). */
static int place(struct lpm_hash *h, uint32_t i, union lpm_hslot *s)
{
	for (;;) {
		uint32_t m = meta_at(h, i);
		if (!DIST(m)) {
			slot_store(h, i, s);
			return 0;
		}
		if (DIST(m) < DIST(s->s4.meta)) {
			union lpm_hslot t;
			slot_load(h, i, &t);
			slot_store(h, i, s);
			*s = t;
		}
		if (DIST(s->s4.meta) == DIST_MAX)
			return -1;
		s->s4.meta++; /* s4.meta and s6.meta are the common initial member */
		if (++i == h->cap)
			i = 0;
	}
}

static int resize(struct lpm_hash *h, uint32_t ncap)
{
	struct lpm_hash n = *h;
	n.cap = ncap;
	n.slots = array_alloc((size_t)ncap * slot_size(h));
	if (!n.slots)
		return -1;
	for (uint32_t i = 0; i < h->cap; i++) {
		if (!DIST(meta_at(h, i)))
			continue;
		union lpm_hslot s;
		uint32_t iid;
		struct lpm_key k;
		slot_load(h, i, &s);
		slot_key(h, &s, &iid, &k);
		s.s4.meta = iid << 8 | 1;
		if (place(&n, lpm_hash_home(&n, iid, k), &s) < 0) {
			array_free(n.slots, lpm_hash_memory(&n)); /* clustering: grow more */
			errno = EAGAIN;
			return -1;
		}
	}
	array_free(h->slots, lpm_hash_memory(h));
	h->slots = n.slots;
	h->cap = ncap;
	return 0;
}

static uint32_t grown(uint32_t cap)
{
	uint64_t n = cap < MIN_CAP ? MIN_CAP : (uint64_t)cap + cap / 2;
	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

static int grow(struct lpm_hash *h)
{
	uint32_t ncap = grown(h->cap);
	for (int tries = 0; tries < 4; tries++, ncap = grown(ncap)) {
		if (resize(h, ncap) == 0)
			return 0;
		if (errno != EAGAIN)
			return -1;
	}
	errno = ENOMEM;
	return -1;
}

int lpm_hash_put(struct lpm_hash *h, uint32_t iid, struct lpm_key k, void *val, void **old)
{
	if (h->count) {
		int64_t i = find_at(h, lpm_hash_home(h, iid, k), iid, k);
		if (i >= 0) {
			void **vp = h->v6 ? &((struct lpm_hslot6 *)h->slots)[i].val
					  : &((struct lpm_hslot4 *)h->slots)[i].val;
			*old = *vp;
			*vp = val;
			return 0;
		}
	}
	*old = NULL;
	if ((uint64_t)(h->count + 1) * LOAD_DEN > (uint64_t)h->cap * LOAD_NUM && grow(h) < 0)
		return -1;
	union lpm_hslot s;
	slot_make(h, iid, k, val, &s);
	while (place(h, lpm_hash_home(h, iid, k), &s) < 0) {
		/* s is now some other displaced element; grow and re-insert it. */
		if (grow(h) < 0) {
			/* Cannot happen in practice (distance 255 at load <= 0.8); the entry
			 * carried in s would be lost, so treat it as fatal for the table. */
			abort();
		}
		slot_key(h, &s, &iid, &k);
		s.s4.meta = iid << 8 | 1;
	}
	h->count++;
	return 0;
}

void *lpm_hash_del(struct lpm_hash *h, uint32_t iid, struct lpm_key k)
{
	if (!h->count)
		return NULL;
	int64_t f = find_at(h, lpm_hash_home(h, iid, k), iid, k);
	if (f < 0)
		return NULL;
	uint32_t i = (uint32_t)f;
	union lpm_hslot s;
	slot_load(h, i, &s);
	void *val = h->v6 ? s.s6.val : s.s4.val;
	for (;;) { /* backward shift */
		uint32_t j = i + 1 == h->cap ? 0 : i + 1;
		uint32_t m = meta_at(h, j);
		if (DIST(m) <= 1)
			break;
		slot_load(h, j, &s);
		s.s4.meta--;
		slot_store(h, i, &s);
		i = j;
	}
	memset(slot_at(h, i), 0, slot_size(h));
	h->count--;
	if (h->count == 0) {
		array_free(h->slots, lpm_hash_memory(h));
		h->slots = NULL;
		h->cap = 0;
	} else if (h->cap > 4 * MIN_CAP && h->count < h->cap / 4) {
		(void)resize(h, h->count * 2 < MIN_CAP ? MIN_CAP : h->count * 2); /* best effort */
	}
	return val;
}

int lpm_hash_foreach(const struct lpm_hash *h, int (*fn)(uint32_t iid, struct lpm_key k, void *arg),
		     void *arg)
{
	for (uint32_t i = 0; i < h->cap; i++) {
		if (!DIST(meta_at(h, i)))
			continue;
		union lpm_hslot s;
		uint32_t iid;
		struct lpm_key k;
		slot_load(h, i, &s);
		slot_key(h, &s, &iid, &k);
		int r = fn(iid, k, arg);
		if (r)
			return r;
	}
	return 0;
}

int lpm_hent_cmp(const struct lpm_hent *a, const struct lpm_hent *b)
{
	if (a->h32 != b->h32)
		return a->h32 < b->h32 ? -1 : 1;
	if (a->iid != b->iid)
		return a->iid < b->iid ? -1 : 1;
	return lpm_key_cmp(a->k, b->k);
}

static int hent_qcmp(const void *x, const void *y)
{
	return lpm_hent_cmp(x, y);
}

/*
 * Robin Hood keeps the entries of a cluster ordered by home slot, and the home slot
 * ((h32 * cap) >> 32) never decreases as h32 grows. So the entries after the cursor are
 * those whose home is at or after the cursor's home (hs) and that compare above it; they
 * lie from slot hs on (wrapping past the end: positions are "virtual", cap + i for slot i
 * seen a second time). Collecting every entry whose home is in [hs, H], where H is the
 * home of the max-th one, gives a prefix of the remaining order; sorting it finishes the
 * job. An entry's home is its position minus its distance - 1.
 */
size_t lpm_hash_next(const struct lpm_hash *h, bool have, uint32_t h32, uint32_t iid,
		     struct lpm_key k, struct lpm_hent *out, size_t max, bool *more)
{
	struct lpm_hent cur = {h32, iid, k, NULL};
	size_t n = 0;
	uint64_t hs, last = 0, end;
	bool full = false;

	*more = false;
	if (!h->cap || !h->count || max == 0) {
		*more = h->count != 0 && max == 0;
		return 0;
	}
	hs = have ? home_of(h->cap, (uint64_t)h32 << 32) : 0;
	end = (uint64_t)h->cap + DIST_MAX;
	for (uint64_t v = hs; v < end; v++) {
		uint32_t i = (uint32_t)(v % h->cap);
		uint32_t m = meta_at(h, i);
		if (!DIST(m)) {
			if (full && v > last)
				break;
			if (v >= h->cap)
				break; /* no entry wraps past an empty slot */
			continue;
		}
		uint64_t home = v - (DIST(m) - 1);
		if (v < DIST(m) - 1 || home < hs)
			continue; /* its home is before hs (or before slot 0: seen on the wrap) */
		if (home >= h->cap)
			break; /* second lap */
		if (full && home > last)
			break;
		union lpm_hslot s;
		struct lpm_hent e;
		slot_load(h, i, &s);
		slot_key(h, &s, &e.iid, &e.k);
		e.h32 = (uint32_t)(hash_key(h, e.iid, e.k) >> 32);
		e.val = h->v6 ? s.s6.val : s.s4.val;
		if (have && lpm_hent_cmp(&e, &cur) <= 0)
			continue;
		out[n++] = e;
		if (!full && n >= max) {
			full = true;
			last = home;
		}
	}
	*more = full;
	if (n > 1)
		qsort(out, n, sizeof(*out), hent_qcmp);
	return n;
}
