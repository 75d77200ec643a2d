/* SPDX-License-Identifier: ISC */
/*
 * common/lpm_int.h - internals of common/lpm.c shared with lpm_hash.c and lpm_trie.c:
 * the 128-bit key (an address as two big-endian-ordered 64-bit words, IPv4 in the top
 * 32 bits of `hi`), the host hash and the path-compressed trie. Not for other modules.
 */
#ifndef COMMON_LPM_INT_H
#define COMMON_LPM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lpm_key {
	uint64_t hi, lo;
};

static inline struct lpm_key lpm_key_from_bytes(const uint8_t *a, bool v6)
{
	struct lpm_key k = {0, 0};
	for (unsigned i = 0; i < 8; i++)
		k.hi = k.hi << 8 | a[i];
	if (!v6) {
		k.hi &= 0xffffffff00000000ULL;
		return k;
	}
	for (unsigned i = 8; i < 16; i++)
		k.lo = k.lo << 8 | a[i];
	return k;
}

static inline void lpm_key_to_bytes(struct lpm_key k, uint8_t *a)
{
	for (unsigned i = 0; i < 8; i++) {
		a[i] = (uint8_t)(k.hi >> (56 - 8 * i));
		a[8 + i] = (uint8_t)(k.lo >> (56 - 8 * i));
	}
}

static inline uint64_t lpm_mask64(unsigned n) /* n leading ones, n <= 64 */
{
	return n == 0 ? 0 : n >= 64 ? ~0ULL : ~0ULL << (64 - n);
}

static inline struct lpm_key lpm_key_mask(struct lpm_key k, unsigned plen)
{
	k.hi &= lpm_mask64(plen > 64 ? 64 : plen);
	k.lo &= lpm_mask64(plen > 64 ? plen - 64 : 0);
	return k;
}

static inline unsigned lpm_key_bit(struct lpm_key k, unsigned i) /* i < 128 */
{
	return i < 64 ? (unsigned)(k.hi >> (63 - i)) & 1 : (unsigned)(k.lo >> (127 - i)) & 1;
}

/* Number of leading bits x and y share (0..128). */
static inline unsigned lpm_key_lcp(struct lpm_key x, struct lpm_key y)
{
	uint64_t d = x.hi ^ y.hi;
	if (d)
		return (unsigned)__builtin_clzll(d);
	d = x.lo ^ y.lo;
	return d ? 64 + (unsigned)__builtin_clzll(d) : 128;
}

/* Do x and y agree on their first n bits? */
static inline bool lpm_key_match(struct lpm_key x, struct lpm_key y, unsigned n)
{
	uint64_t dh = (x.hi ^ y.hi) & lpm_mask64(n > 64 ? 64 : n);
	uint64_t dl = (x.lo ^ y.lo) & lpm_mask64(n > 64 ? n - 64 : 0);
	return (dh | dl) == 0;
}

static inline int lpm_key_cmp(struct lpm_key x, struct lpm_key y)
{
	if (x.hi != y.hi)
		return x.hi < y.hi ? -1 : 1;
	if (x.lo != y.lo)
		return x.lo < y.lo ? -1 : 1;
	return 0;
}

/* ---- host hash (lpm_hash.c): exact (iid <= 0xffffff, address) -> value ---- */
#define LPM_HASH_IID_MAX 0xffffffu

struct lpm_hash {
	void *slots;  /* struct lpm_hslot4 or lpm_hslot6 [cap] */
	uint32_t cap; /* any size: home slot by multiply-shift, not a mask */
	uint32_t count;
	uint64_t seed;
	bool v6;
};

void lpm_hash_init(struct lpm_hash *h, bool v6, uint64_t seed);
void lpm_hash_fini(struct lpm_hash *h, void (*free_val)(void *));
void *lpm_hash_get(const struct lpm_hash *h, uint32_t iid, struct lpm_key k);
/* 0 (replaced value in *old, or NULL) or -1 when out of memory. */
int lpm_hash_put(struct lpm_hash *h, uint32_t iid, struct lpm_key k, void *val, void **old);
void *lpm_hash_del(struct lpm_hash *h, uint32_t iid, struct lpm_key k);
size_t lpm_hash_memory(const struct lpm_hash *h);
/* Home slot of a key, and a prefetch of it (for batched lookups). */
uint32_t lpm_hash_home(const struct lpm_hash *h, uint32_t iid, struct lpm_key k);
void *lpm_hash_get_at(const struct lpm_hash *h, uint32_t home, uint32_t iid, struct lpm_key k);
void lpm_hash_prefetch(const struct lpm_hash *h, uint32_t home);
/* Call fn for every entry (any order); stops when fn returns non-zero. No modification. */
int lpm_hash_foreach(const struct lpm_hash *h, int (*fn)(uint32_t iid, struct lpm_key k, void *arg),
		     void *arg);

/* Resumable scan in hash order (lpm_next): entries ordered by (top 32 bits of the hash,
 * IID, key), an order that does not depend on the capacity, so a scan resumed after the
 * table grew, shrank or shifted entries neither skips nor repeats an entry that stayed. */
struct lpm_hent {
	uint32_t h32, iid;
	struct lpm_key k;
	void *val;
};
#define LPM_HASH_RUN 255u /* entries that share a home slot, at most */
/* The entries after (h32, iid, k) (have false: from the first), at least `max` of them
 * unless fewer remain, sorted, into out[] (room for max + LPM_HASH_RUN). Returns how many;
 * *more is false when the scan reached the end of the table. */
size_t lpm_hash_next(const struct lpm_hash *h, bool have, uint32_t h32, uint32_t iid,
		     struct lpm_key k, struct lpm_hent *out, size_t max, bool *more);
int lpm_hent_cmp(const struct lpm_hent *a, const struct lpm_hent *b);

/* ---- path-compressed binary trie (lpm_trie.c) ---- */
struct lpm_node {
	struct lpm_key k; /* bits beyond plen are zero */
	void *val;	  /* NULL: a glue node (always two children) */
	struct lpm_node *child[2];
	uint8_t plen;
};

/* Stride table over bits [tbase, tbase + tbits) of the key (tbase = the root's length,
 * which every entry shares): for each value, the longest entry shorter than
 * tbase + tbits on that path, and the first node at or below that depth to continue
 * from. It skips the top of the trie, where a descent would spend most of its misses. */
struct lpm_tslot {
	struct lpm_node *best, *next;
};

struct lpm_trie {
	struct lpm_node *root;
	size_t nodes;	/* allocated nodes, glue included */
	size_t entries; /* nodes with a value */
	uint8_t maxlen; /* 32 or 128, set by the owner */
	uint8_t tbase, tbits;
	struct lpm_key tkey;   /* root prefix when the table was built */
	struct lpm_tslot *tab; /* NULL below 64 entries (or out of memory) */
};

size_t lpm_trie_memory(const struct lpm_trie *t);
void lpm_trie_fini(struct lpm_trie *t, void (*free_val)(void *));
int lpm_trie_put(struct lpm_trie *t, struct lpm_key k, unsigned plen, void *val, void **old);
void *lpm_trie_del(struct lpm_trie *t, struct lpm_key k, unsigned plen);
void *lpm_trie_get(const struct lpm_trie *t, struct lpm_key k, unsigned plen);
/* Longest entry of length <= maxlen containing k, or NULL. */
const struct lpm_node *lpm_trie_lookup(const struct lpm_trie *t, struct lpm_key k, unsigned maxlen);
/* Longest common prefix of k with any entry (-1 if the trie is empty). Valid only when no
 * entry contains k. */
int lpm_trie_max_lcp(const struct lpm_trie *t, struct lpm_key k);
/* Entries after (ck, cplen) in prefix order (have false: from the first); stops when fn
 * returns non-zero (after that entry) and returns that value. */
int lpm_trie_foreach_after(const struct lpm_trie *t, bool have, struct lpm_key ck, unsigned cplen,
			   int (*fn)(const struct lpm_node *n, void *arg), void *arg);
/* Entries equal to or more specific than (k, plen), in prefix order. */
int lpm_trie_foreach_covered(const struct lpm_trie *t, struct lpm_key k, unsigned plen,
			     int (*fn)(const struct lpm_node *n, void *arg), void *arg);

#endif
