/* SPDX-License-Identifier: ISC */
/*
 * common/ratelimit.c - token buckets and the bounded keyed table (see ratelimit.h).
 * Table layout: one array of max_entries slots allocated up front, an open-chained hash
 * index (power of two heads, >= 2 * max_entries) and a doubly linked LRU list, all by
 * array index, so nothing is allocated after tb_table_new().
 */
#include "config.h"

#include "common/ratelimit.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>

#include "proto/addr.h"

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

void tb_init(struct tb *tb, uint32_t rate, uint32_t burst, uint64_t now)
{
	tb->rate = rate;
	tb->burst = burst ? burst : 1;
	tb->ntok = (uint64_t)tb->burst * NSEC_PER_SEC;
	tb->last = now;
}

static void tb_refill(struct tb *tb, uint64_t now)
{
	uint64_t cap = (uint64_t)tb->burst * NSEC_PER_SEC;

	if (now <= tb->last)
		return; /* same instant or clock went backwards: nothing to add */
	uint64_t dt = now - tb->last;
	tb->last = now;
	if (tb->rate == 0 || tb->ntok >= cap)
		return;
	/* dt * rate nanotokens; saturate instead of overflowing */
	uint64_t room = cap - tb->ntok;
	if (dt >= room / tb->rate + 1)
		tb->ntok = cap;
	else
		tb->ntok += dt * tb->rate;
	if (tb->ntok > cap)
		tb->ntok = cap;
}

bool tb_take(struct tb *tb, uint64_t now)
{
	tb_refill(tb, now);
	if (tb->ntok < NSEC_PER_SEC)
		return false;
	tb->ntok -= NSEC_PER_SEC;
	return true;
}

uint32_t tb_tokens(struct tb *tb, uint64_t now)
{
	tb_refill(tb, now);
	return (uint32_t)(tb->ntok / NSEC_PER_SEC);
}

/* ---- keyed table ---- */
#define NIL UINT32_MAX

struct tb_ent {
	struct tb_slot slot; /* first: tb_slot pointers map back to entries */
	uint8_t key[TB_KEY_MAX];
	uint8_t keylen;
	uint32_t hnext;		     /* hash chain */
	uint32_t lru_prev, lru_next; /* LRU list: head = most recent */
	uint32_t hash;
};

struct tb_table {
	struct tb_ent *ents;
	uint32_t *heads;
	uint32_t nheads; /* power of two */
	uint32_t max, used;
	uint32_t lru_head, lru_tail;
	uint64_t seed;
	uint64_t evictions;
	uint32_t rate, burst;
};

static uint32_t tb_hash(const struct tb_table *t, const uint8_t *k, size_t n)
{
	/* FNV-1a over a random per-table seed, finished with a 64-bit mix */
	uint64_t h = 0xcbf29ce484222325ULL ^ t->seed;
	for (size_t i = 0; i < n; i++) {
		h ^= k[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (uint32_t)h;
}

struct tb_table *tb_table_new(size_t max_entries, uint32_t rate, uint32_t burst)
{
	struct tb_table *t;

	if (max_entries == 0 || max_entries > (1u << 24))
		return NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->max = (uint32_t)max_entries;
	t->nheads = 1;
	while (t->nheads < 2 * t->max)
		t->nheads <<= 1;
	t->ents = calloc(t->max, sizeof(*t->ents));
	t->heads = malloc(t->nheads * sizeof(*t->heads));
	if (t->ents == NULL || t->heads == NULL) {
		tb_table_free(t);
		return NULL;
	}
	for (uint32_t i = 0; i < t->nheads; i++)
		t->heads[i] = NIL;
	t->lru_head = t->lru_tail = NIL;
	if (getrandom(&t->seed, sizeof(t->seed), GRND_NONBLOCK) != sizeof(t->seed))
		t->seed = now_ns() ^ (uint64_t)(uintptr_t)t;
	t->rate = rate;
	t->burst = burst;
	return t;
}

void tb_table_free(struct tb_table *t)
{
	if (t == NULL)
		return;
	free(t->ents);
	free(t->heads);
	free(t);
}

static void lru_unlink(struct tb_table *t, uint32_t i)
{
	struct tb_ent *e = &t->ents[i];

	if (e->lru_prev != NIL)
		t->ents[e->lru_prev].lru_next = e->lru_next;
	else
		t->lru_head = e->lru_next;
	if (e->lru_next != NIL)
		t->ents[e->lru_next].lru_prev = e->lru_prev;
	else
		t->lru_tail = e->lru_prev;
	e->lru_prev = e->lru_next = NIL;
}

static void lru_push_front(struct tb_table *t, uint32_t i)
{
	struct tb_ent *e = &t->ents[i];

	e->lru_prev = NIL;
	e->lru_next = t->lru_head;
	if (t->lru_head != NIL)
		t->ents[t->lru_head].lru_prev = i;
	t->lru_head = i;
	if (t->lru_tail == NIL)
		t->lru_tail = i;
}

static void hash_unlink(struct tb_table *t, uint32_t i)
{
	uint32_t *pp = &t->heads[t->ents[i].hash & (t->nheads - 1)];

	while (*pp != NIL) {
		if (*pp == i) {
			*pp = t->ents[i].hnext;
			return;
		}
		pp = &t->ents[*pp].hnext;
	}
}

static uint32_t tb_lookup(struct tb_table *t, const uint8_t *k, size_t n, uint32_t h)
{
	for (uint32_t i = t->heads[h & (t->nheads - 1)]; i != NIL; i = t->ents[i].hnext) {
		const struct tb_ent *e = &t->ents[i];
		if (e->hash == h && e->keylen == n && memcmp(e->key, k, n) == 0)
			return i;
	}
	return NIL;
}

struct tb_slot *tb_table_find(struct tb_table *t, const void *key, size_t keylen)
{
	if (keylen > TB_KEY_MAX)
		keylen = TB_KEY_MAX;
	uint32_t i = tb_lookup(t, key, keylen, tb_hash(t, key, keylen));
	return i == NIL ? NULL : &t->ents[i].slot;
}

struct tb_slot *tb_table_get(struct tb_table *t, const void *key, size_t keylen, uint64_t now,
			     bool *created)
{
	if (keylen > TB_KEY_MAX)
		keylen = TB_KEY_MAX;
	uint32_t h = tb_hash(t, key, keylen);
	uint32_t i = tb_lookup(t, key, keylen, h);

	if (i != NIL) {
		lru_unlink(t, i);
		lru_push_front(t, i);
		if (created)
			*created = false;
		return &t->ents[i].slot;
	}
	if (t->used < t->max) {
		i = t->used++;
	} else {
		i = t->lru_tail; /* evict the least recently used */
		lru_unlink(t, i);
		hash_unlink(t, i);
		t->evictions++;
	}
	struct tb_ent *e = &t->ents[i];
	memset(e, 0, sizeof(*e));
	memcpy(e->key, key, keylen);
	e->keylen = (uint8_t)keylen;
	e->hash = h;
	e->hnext = t->heads[h & (t->nheads - 1)];
	t->heads[h & (t->nheads - 1)] = i;
	lru_push_front(t, i);
	tb_init(&e->slot.tb, t->rate, t->burst, now);
	if (created)
		*created = true;
	return &e->slot;
}

bool tb_table_take(struct tb_table *t, const void *key, size_t keylen, uint64_t now)
{
	return tb_take(&tb_table_get(t, key, keylen, now, NULL)->tb, now);
}

size_t tb_table_count(const struct tb_table *t)
{
	return t->used;
}

uint64_t tb_table_evictions(const struct tb_table *t)
{
	return t->evictions;
}

size_t tb_key_sockaddr(const struct sockaddr *sa, uint8_t *key)
{
	if (sa == NULL)
		return 0;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		key[0] = 4;
		memcpy(key + 1, &s4->sin_addr, 4);
		return 5;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			key[0] = 4;
			memcpy(key + 1, &s6->sin6_addr.s6_addr[12], 4);
			return 5;
		}
		key[0] = 6;
		memcpy(key + 1, &s6->sin6_addr, 16);
		return 17;
	}
	return 0;
}

size_t tb_key_ipaddr(const struct ipaddr *a, uint8_t *key)
{
	if (a->afi == LISP_AFI_IPV4) {
		key[0] = 4;
		memcpy(key + 1, a->a, 4);
		return 5;
	}
	if (a->afi == LISP_AFI_IPV6) {
		static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		if (memcmp(a->a, mapped, 12) == 0) { /* the same host as its IPv4 address */
			key[0] = 4;
			memcpy(key + 1, a->a + 12, 4);
			return 5;
		}
		key[0] = 6;
		memcpy(key + 1, a->a, 16);
		return 17;
	}
	return 0;
}
