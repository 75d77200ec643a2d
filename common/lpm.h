/* SPDX-License-Identifier: ISC */
/*
 * common/lpm.h - the one longest-prefix-match table of the suite (map-cache, Map-Server
 * registrations, Map-Resolver's Map-Server table, D-ETR host table).
 *
 * Keys are struct lisp_prefix (instance ID + AFI + length + address, IPv4 and IPv6);
 * values are caller-owned non-NULL pointers. Instance IDs and AFIs are separate spaces.
 *
 * Layout (docs/architecture.md "Data model"): host routes (/32, /128 with a 24-bit IID)
 * live in an open-addressing Robin Hood hash per AFI (16-byte slots for IPv4, 32-byte
 * for IPv6); every other prefix lives in a path-compressed binary trie per (IID, AFI).
 * A lookup probes the host hash first (a hit is the longest match possible), then the
 * trie. Nothing on the lookup path allocates.
 *
 * Costs: insert/remove/exact/lookup are O(1) for host routes and O(depth) otherwise.
 * lpm_walk and lpm_walk_covered take a snapshot of the keys and sort it (O(n log n),
 * 32 bytes of temporary memory per visited entry). lpm_negative_prefix is O(depth) plus,
 * when the (IID, AFI) holds host routes and none lies within 2^8 addresses of the
 * query, one scan of that AFI's host hash.
 *
 * Lookups never write to the table, so any number of threads may look up concurrently
 * while nobody updates it. The table has no size bound of its own: a cache (the xTR
 * map-cache) bounds itself with lpm_count() and evicts through lpm_remove().
 */
#ifndef COMMON_LPM_H
#define COMMON_LPM_H

#include <stddef.h>
#include <stdint.h>

#include "proto/addr.h"

struct lpm;

/* Walk callback: return 0 to continue, non-zero (use a positive value) to stop. */
typedef int (*lpm_walk_cb)(const struct lisp_prefix *p, void *val, void *arg);

/* An empty table, or NULL when out of memory. */
struct lpm *lpm_new(void);
/* Free the table; free_val (optional) is called on every value. NULL is accepted. */
void lpm_free(struct lpm *l, void (*free_val)(void *));

/*
 * Insert or replace p -> val. Host bits of p beyond plen are ignored. *old (optional)
 * receives the replaced value or NULL. Returns 0, or -1 with errno EINVAL (AFI not
 * IPv4/IPv6, plen too long, val NULL) or ENOMEM (the table is unchanged).
 */
int lpm_insert(struct lpm *l, const struct lisp_prefix *p, void *val, void **old);
/* Remove p; returns its value or NULL if it was not in the table. */
void *lpm_remove(struct lpm *l, const struct lisp_prefix *p);
/* The value stored for exactly p, or NULL. */
void *lpm_exact(const struct lpm *l, const struct lisp_prefix *p);

/* Longest-prefix match of an address; *matched (optional) receives the entry's prefix. */
void *lpm_lookup(const struct lpm *l, uint32_t iid, const struct ipaddr *a,
		 struct lisp_prefix *matched);
/* n lookups at once (out[i] = lpm_lookup(l, iid[i], &a[i], NULL)); the host-hash
 * buckets of a group of keys are prefetched before any is resolved. */
void lpm_lookup_batch(const struct lpm *l, size_t n, const uint32_t *iid, const struct ipaddr *a,
		      void **out);

/* Number of entries. */
size_t lpm_count(const struct lpm *l);
/* Bytes allocated by the table (hash slots, trie nodes, headers); values not included. */
size_t lpm_memory(const struct lpm *l);

/*
 * Every entry in prefix order (IID, AFI, address, length; prefix_cmp order). The walk
 * works on a snapshot of the keys taken at the start: the callback may insert, replace or
 * remove any entry (the one it is called for included). An entry removed before its turn
 * is skipped; an entry inserted during the walk is not visited; a replaced value is seen
 * with its new value. Returns 0 when every entry was visited, the callback's non-zero
 * value when it stopped the walk, or -1 (errno ENOMEM) when the snapshot could not be
 * allocated (nothing visited).
 */
int lpm_walk(const struct lpm *l, lpm_walk_cb cb, void *arg);
/* Like lpm_walk, restricted to the entries equal to or more specific than p. */
int lpm_walk_covered(const struct lpm *l, const struct lisp_prefix *p, lpm_walk_cb cb, void *arg);

/*
 * A resumable walk for dumps that give the event loop back between batches (the CLI): the
 * cursor is the last entry visited, by value, so the table may change in any way between
 * calls. The order is fixed for the life of the table and does not depend on its layout:
 * first every prefix other than a host route, by (IID, AFI) and then in prefix order;
 * then the host routes (/32, /128) in hash order (per-table random, neither sorted nor
 * grouped by instance), IPv4 before IPv6. Between calls, an entry that stays in the table
 * is visited exactly once; one removed before its turn is not visited; one inserted is
 * visited if it falls after the cursor (ahead of it in that order), else not; a replaced
 * value is seen as it is at its turn. The cursor holds no pointer into the table and
 * needs no release.
 */
struct lpm_cursor {
	uint8_t part; /* 0 not started, 1 tries, 2 IPv4 hosts, 3 IPv6 hosts, 4 done */
	bool have;    /* an entry of this part was visited: resume after it */
	uint8_t plen;
	uint16_t afi;
	uint32_t iid;
	uint32_t h32;
	uint64_t khi, klo;
};
void lpm_cursor_init(struct lpm_cursor *c);
static inline bool lpm_cursor_done(const struct lpm_cursor *c)
{
	return c->part >= 4;
}
/* Visit at most `max` entries after the cursor (in the order above), moving the cursor to
 * each one before its callback runs. The callback must not change the table (change it
 * between calls). Stops early when the callback returns non-zero (that entry counts as
 * visited). Returns the number of entries visited, or -1 (errno ENOMEM; cursor unchanged). */
long lpm_next(const struct lpm *l, struct lpm_cursor *c, size_t max, lpm_walk_cb cb, void *arg);

/* The longest entry that contains p (p itself included), or NULL. *matched optional. */
void *lpm_covering(const struct lpm *l, const struct lisp_prefix *p, struct lisp_prefix *matched);

/*
 * Negative Map-Reply prefix (RFC 9301 §8.3: the reply covers the largest range around
 * the requested EID for which no mapping exists). If no entry of (iid, a->afi) contains
 * a, write to *out the least specific prefix that contains a and overlaps no entry, and
 * return 0. Its length is 1 + the longest common prefix of a with any entry of the same
 * IID and AFI, so an empty table (or an IID/AFI with no entries) yields the /0: all of
 * that space is non-LISP. Returns -1 if some entry contains a (or a->afi is not IPv4 or
 * IPv6).
 */
int lpm_negative_prefix(const struct lpm *l, uint32_t iid, const struct ipaddr *a,
			struct lisp_prefix *out);

#endif
