/* SPDX-License-Identifier: ISC */
/*
 * common/ratelimit.h - token buckets and a bounded table of them keyed by source.
 *
 * A struct tb refills `rate` tokens per second up to `burst`; tb_take() spends one token
 * and says whether the event may proceed. Time is always passed in (now_ns(), the
 * monotonic clock), so tests inject it and never sleep. A struct tb_table maps a short
 * key (a source address, or any string) to a bucket. Its size is fixed at creation:
 * when it is full the least recently used entry is evicted, so a flood of sources costs
 * a bounded amount of memory (an idle bucket refills to `burst` anyway, so evicting the
 * oldest one loses almost nothing). The hash is seeded per table at random so a peer
 * cannot aim keys at one chain. Used by log_input (rate-limited logs about bad input,
 * docs/architecture.md "Logging and errors"), by the daemons' per-source request limits and
 * by their per-destination reply limits (no reflection: lisp-msd and lisp-mrd answer the
 * ITR-RLOC written in an unauthenticated Map-Request).
 */
#ifndef COMMON_RATELIMIT_H
#define COMMON_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sockaddr;
struct ipaddr;

#define NSEC_PER_SEC 1000000000ULL

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t now_ns(void);

struct tb {
	uint32_t rate;	/* tokens per second (0 = never refills) */
	uint32_t burst; /* bucket depth, >= 1 */
	uint64_t ntok;	/* tokens * 1e9 (nanotokens), <= burst * 1e9 */
	uint64_t last;	/* time of the last refill (ns) */
};

/* A full bucket at time `now`. A burst of 0 is taken as 1. */
void tb_init(struct tb *tb, uint32_t rate, uint32_t burst, uint64_t now);
/* Refill for the time elapsed since the last call, then take one token.
 * true: allowed (a token was spent); false: over the limit. Time going backwards
 * refills nothing. */
bool tb_take(struct tb *tb, uint64_t now);
/* Whole tokens available at `now` (refills, takes nothing). */
uint32_t tb_tokens(struct tb *tb, uint64_t now);

/* ---- keyed table ---- */
#define TB_KEY_MAX 32 /* longer keys are truncated (they then share a bucket) */

struct tb_slot {
	struct tb tb;
	uint64_t aux; /* free for the user (log_input keeps its suppressed count here) */
};

struct tb_table;

/* max_entries >= 1; every new key starts with a full bucket of (rate, burst). */
struct tb_table *tb_table_new(size_t max_entries, uint32_t rate, uint32_t burst);
void tb_table_free(struct tb_table *t);
/* Find the slot of `key` or create it (evicting the least recently used one when full);
 * never fails. The pointer is valid until the next tb_table_* call that may evict.
 * *created (if non-NULL) says whether the slot is new. */
struct tb_slot *tb_table_get(struct tb_table *t, const void *key, size_t keylen, uint64_t now,
			     bool *created);
/* tb_take() on the bucket of `key`. */
bool tb_table_take(struct tb_table *t, const void *key, size_t keylen, uint64_t now);
/* Lookup only (does not touch the LRU order); NULL if absent. */
struct tb_slot *tb_table_find(struct tb_table *t, const void *key, size_t keylen);
size_t tb_table_count(const struct tb_table *t);
uint64_t tb_table_evictions(const struct tb_table *t);

/* Key for a source address, without the port; IPv4-mapped IPv6 becomes IPv4.
 * Returns the key length (0 for an unsupported family). key must hold TB_KEY_MAX. */
size_t tb_key_sockaddr(const struct sockaddr *sa, uint8_t *key);
/* The same key for a proto/addr.h address (IPv4 or IPv6; 0 for any other AFI), so a
 * sockaddr and the struct ipaddr of the same address share a bucket; an IPv4-mapped IPv6
 * address is keyed as its IPv4 address (a datagram to it reaches that host). */
size_t tb_key_ipaddr(const struct ipaddr *a, uint8_t *key);

#endif
