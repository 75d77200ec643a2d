/* SPDX-License-Identifier: ISC */
/*
 * ms/replay.c - replay protection of Map-Registers (RFC 9301 §5.6 "Nonce"; docs/lisp-wire.md
 * "Replay protection"). Called by register.c once a Map-Register has passed every other
 * check (parse, site, key, HMAC, allowed prefixes), so only authenticated messages ever
 * create state here.
 *
 * What identifies a registrant, per site policy (<site replay>):
 *
 * strict (the default, RFC 9301):
 *   I=1: (site, key ID, xTR-ID). The nonce must be above the last one accepted for it,
 *        whatever the source address (RFC 9301: "for each ETR xTR-ID and key pair").
 *   I=0: (site, key ID) and EACH EID prefix of the message: the nonce must be above the
 *        last one accepted for (site, key ID, EID prefix) of every record, or the whole
 *        message is dropped. The source address is not part of it: it is not covered by
 *        the HMAC, so a captured message sent from another address is the same message.
 *        The per-EID entry outlives the registration (a deregistration, an expiry), so an
 *        old registration replayed after a deregistration, or an old deregistration
 *        replayed after a newer registration, is refused. Registrants of the same EID
 *        under the same key share its entry: ours (lisp-xtrd, lisp-register) use one nonce
 *        scale (proto/ lisp_register_nonce: ns since the epoch), so they are ordered by
 *        the time they sent; they also send I=1 with their own stable xTR-IDs.
 *   An accepted message sets the entry (the xTR-ID's, or every record's EID's) to its
 *   nonce. An entry not yet known is compared with the floor of its kind for (site, key
 *   ID): the highest nonce the bound evicted (0 when nothing was).
 *
 * random-nonce (RFC 6833 registrants, which draw every nonce at random): a nonce already
 *   accepted for the site is refused, any other is accepted. The cache of accepted nonces
 *   is a FIFO ring per site, growing to MS_SEEN_MAX; each entry is meant to live at least
 *   as long as what it registered (180 s, the record TTL with T=1, forever for a
 *   persistent site); when the ring is full the oldest goes, and one that went before its
 *   time is counted (seen_early_evictions) and logged. Weaker than strict: an evicted
 *   nonce can be replayed, and so can a captured message that was never delivered.
 *
 * Bounds: at most MS_REPLAY_MAX xTR-ID/EID entries in all; past that the least recently
 * advanced one is evicted and its nonce raises its floor (so a message it would have
 * refused is still refused; a registrant on a lower nonce scale than the evicted entry
 * would be refused too - which is why eviction picks the least recently used). Floors
 * are few (two per site and key ID). Random-nonce caches: MS_SEEN_MAX per site.
 *
 * Persistence: with a <database>, every entry that changed in a loop turn is written once
 * at the end of the turn (ms_replay_flush, before the commit that the acknowledgements wait
 * for), evicted ones deleted; seen nonces are written as they are accepted. ms_replay_load
 * reads them back at start, so a replay after a restart is refused like before it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "common/log.h"
#include "ms/ms_int.h"
#include "ms/store.h"

/* ------------------------------------------------------------------ keys */
#define K_SITE	0
#define K_KEYID MS_NAME_MAX
#define K_KIND	(MS_NAME_MAX + 1)
#define K_DATA	(MS_NAME_MAX + 2)

static void key_base(uint8_t *key, const char *site, uint8_t key_id, enum ms_replay_kind kind)
{
	memset(key, 0, MS_REPLAY_KEYLEN);
	memcpy(key + K_SITE, site, strnlen(site, MS_NAME_MAX - 1)); /* zero-padded, fixed */
	key[K_KEYID] = key_id;
	key[K_KIND] = (uint8_t)kind;
}

static void key_eid(uint8_t *key, const char *site, uint8_t key_id, const struct lisp_prefix *p)
{
	key_base(key, site, key_id, MS_RK_EID);
	key[K_DATA] = (uint8_t)p->afi;
	key[K_DATA + 1] = p->plen;
	key[K_DATA + 2] = (uint8_t)(p->iid >> 24);
	key[K_DATA + 3] = (uint8_t)(p->iid >> 16);
	key[K_DATA + 4] = (uint8_t)(p->iid >> 8);
	key[K_DATA + 5] = (uint8_t)p->iid;
	memcpy(key + K_DATA + 6, p->a, 16);
}

static void key_xtr(uint8_t *key, const char *site, uint8_t key_id, const uint8_t *xtr_id)
{
	key_base(key, site, key_id, MS_RK_XTR);
	memcpy(key + K_DATA, xtr_id, 16);
}

/* The floor key of an entry key: same site and key ID. */
static void key_floor(uint8_t *floor, const uint8_t *key)
{
	memset(floor, 0, MS_REPLAY_KEYLEN);
	memcpy(floor, key, K_KIND);
	floor[K_KIND] = key[K_KIND] == MS_RK_XTR ? MS_RK_XTR_FLOOR : MS_RK_EID_FLOOR;
}

static bool is_floor(const struct ms_replay *r)
{
	return r->key[K_KIND] == MS_RK_XTR_FLOOR || r->key[K_KIND] == MS_RK_EID_FLOOR;
}

/* ------------------------------------------------------------------ table */
static size_t key_hash(const uint8_t *key)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < MS_REPLAY_KEYLEN; i++)
		h = (h ^ key[i]) * 1099511628211ull;
	return (size_t)(h ^ (h >> 32));
}

static struct ms_replay *find(const struct ms *ms, const uint8_t *key)
{
	if (ms->replay_nbuckets == 0)
		return NULL;
	for (struct ms_replay *r = ms->replay[key_hash(key) & (ms->replay_nbuckets - 1)]; r;
	     r = r->next)
		if (memcmp(r->key, key, MS_REPLAY_KEYLEN) == 0)
			return r;
	return NULL;
}

/* Room for one more entry in the hash (load factor 1). -1 when out of memory. */
static int hash_fit(struct ms *ms)
{
	size_t nb = ms->replay_nbuckets ? ms->replay_nbuckets : 256;
	struct ms_replay **t;

	while (nb < ms->nreplay + 1)
		nb *= 2;
	if (nb == ms->replay_nbuckets)
		return 0;
	t = calloc(nb, sizeof(*t));
	if (t == NULL)
		return ms->replay_nbuckets ? 0 : -1; /* keep the old table, longer chains */
	for (size_t i = 0; i < ms->replay_nbuckets; i++)
		for (struct ms_replay *r = ms->replay[i], *n; r; r = n) {
			n = r->next;
			size_t b = key_hash(r->key) & (nb - 1);
			r->next = t[b];
			t[b] = r;
		}
	free(ms->replay);
	ms->replay = t;
	ms->replay_nbuckets = nb;
	return 0;
}

static void lru_unlink(struct ms *ms, struct ms_replay *r)
{
	if (r->lru_prev)
		r->lru_prev->lru_next = r->lru_next;
	else if (ms->lru_head == r)
		ms->lru_head = r->lru_next;
	if (r->lru_next)
		r->lru_next->lru_prev = r->lru_prev;
	else if (ms->lru_tail == r)
		ms->lru_tail = r->lru_prev;
	r->lru_prev = r->lru_next = NULL;
}

static void lru_append(struct ms *ms, struct ms_replay *r)
{
	r->lru_prev = ms->lru_tail;
	r->lru_next = NULL;
	if (ms->lru_tail)
		ms->lru_tail->lru_next = r;
	else
		ms->lru_head = r;
	ms->lru_tail = r;
}

/* The changed entry's row is written once at the end of the turn. */
static void mark(struct ms *ms, struct ms_replay *r)
{
	if (r->dirty)
		return;
	r->dirty = true;
	r->dirty_next = ms->replay_dirty;
	ms->replay_dirty = r;
}

static void unhash(struct ms *ms, struct ms_replay *r)
{
	struct ms_replay **pp = &ms->replay[key_hash(r->key) & (ms->replay_nbuckets - 1)];
	for (; *pp; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	r->next = NULL;
	ms->nreplay--;
}

static struct ms_replay *set(struct ms *ms, const uint8_t *key, uint64_t nonce, bool persist);

/* Evict the least recently advanced entry into its floor. */
static void evict_one(struct ms *ms, bool persist)
{
	struct ms_replay *r = ms->lru_head;
	uint8_t fk[MS_REPLAY_KEYLEN];
	struct ms_replay *f;

	if (r == NULL)
		return;
	lru_unlink(ms, r);
	unhash(ms, r);
	ms->st.replay_evictions++;
	ms->st.replay_entries--;
	key_floor(fk, r->key);
	f = find(ms, fk);
	if (f == NULL || f->nonce < r->nonce)
		set(ms, fk, r->nonce, persist);
	if (persist && ms->store != NULL) {
		r->gone = true; /* deleted from the store at the flush, freed there */
		mark(ms, r);
	} else if (r->dirty) {
		r->gone = true; /* on the dirty list: freed at the flush */
	} else {
		free(r);
	}
}

/* Create or advance the entry for key to nonce (persist: write its row at the end of the
 * turn). NULL when out of memory (the message is still accepted: refusing it would turn
 * memory pressure into an outage; the entry is simply not kept). */
static struct ms_replay *set(struct ms *ms, const uint8_t *key, uint64_t nonce, bool persist)
{
	struct ms_replay *r = find(ms, key);

	if (r == NULL) {
		if (hash_fit(ms) < 0 || (r = calloc(1, sizeof(*r))) == NULL) {
			log_warnx("replay table: out of memory");
			return NULL;
		}
		memcpy(r->key, key, MS_REPLAY_KEYLEN);
		size_t b = key_hash(key) & (ms->replay_nbuckets - 1);
		r->next = ms->replay[b];
		ms->replay[b] = r;
		ms->nreplay++;
		if (!is_floor(r))
			ms->st.replay_entries++;
	} else if (!is_floor(r)) {
		lru_unlink(ms, r);
	}
	r->nonce = nonce;
	if (!is_floor(r)) {
		lru_append(ms, r);
		uint64_t max = ms->replay_max ? ms->replay_max : MS_REPLAY_MAX;
		while (ms->st.replay_entries > max && ms->lru_head != r)
			evict_one(ms, persist);
	}
	if (persist && ms->store != NULL)
		mark(ms, r);
	return r;
}

/* The nonce a new message must exceed for key: the entry's, else its floor's, else 0. */
static uint64_t last_of(const struct ms *ms, const uint8_t *key, bool *known)
{
	uint8_t fk[MS_REPLAY_KEYLEN];
	const struct ms_replay *r = find(ms, key);

	*known = true;
	if (r != NULL)
		return r->nonce;
	key_floor(fk, key);
	r = find(ms, fk);
	if (r != NULL)
		return r->nonce;
	*known = false;
	return 0;
}

void ms_replay_flush(struct ms *ms)
{
	struct ms_replay *r, *n;

	/* the deletions of evicted entries first: an entry evicted and created again in the
	 * same turn has both on the list, and its row must stay */
	for (int pass = 0; pass < 2; pass++)
		for (r = ms->replay_dirty; r; r = r->dirty_next)
			if (ms->store != NULL && r->gone == (pass == 0) &&
			    (r->gone ? store_replay_del(ms->store, r->key, sizeof(r->key))
				     : store_replay_put(ms->store, r->key, sizeof(r->key),
							r->nonce)) < 0)
				log_warnx("database: %s", store_error(ms->store));
	for (r = ms->replay_dirty; r; r = n) {
		n = r->dirty_next;
		r->dirty = false;
		r->dirty_next = NULL;
		if (r->gone)
			free(r);
	}
	ms->replay_dirty = NULL;
}

static void seen_free(struct ms_seen *s)
{
	free(s->ring);
	free(s->bucket);
	free(s);
}

void ms_replay_free_all(struct ms *ms)
{
	/* evicted entries live only on the dirty list */
	for (struct ms_replay *r = ms->replay_dirty, *n; r; r = n) {
		n = r->dirty_next;
		if (r->gone)
			free(r);
	}
	ms->replay_dirty = NULL;
	for (size_t i = 0; i < ms->replay_nbuckets; i++)
		for (struct ms_replay *r = ms->replay[i], *n; r; r = n) {
			n = r->next;
			free(r);
		}
	free(ms->replay);
	ms->replay = NULL;
	ms->replay_nbuckets = ms->nreplay = 0;
	ms->lru_head = ms->lru_tail = NULL;
	ms->st.replay_entries = 0;
	for (struct ms_seen *s = ms->seen, *n; s; s = n) {
		n = s->next;
		seen_free(s);
	}
	ms->seen = NULL;
	ms->st.seen_nonces = 0;
}

/* ------------------------------------------------------------------ seen-nonce cache */
static uint32_t seen_bucket(const struct ms_seen *s, uint64_t nonce)
{
	uint64_t h = nonce * 0x9e3779b97f4a7c15ull;
	return (uint32_t)(h >> 32) & (s->cap - 1);
}

static bool seen_has(const struct ms_seen *s, uint64_t nonce)
{
	if (s->cap == 0)
		return false;
	for (uint32_t i = s->bucket[seen_bucket(s, nonce)]; i; i = s->ring[i - 1].hnext)
		if (s->ring[i - 1].nonce == nonce)
			return true;
	return false;
}

static void seen_index(struct ms_seen *s, uint32_t slot)
{
	uint32_t b = seen_bucket(s, s->ring[slot].nonce);
	s->ring[slot].hnext = s->bucket[b];
	s->bucket[b] = slot + 1;
}

/* Drop the oldest entry (its hash link; the slot is reused by the caller or left). */
static void seen_pop(struct ms *ms, struct ms_seen *s)
{
	uint32_t slot = s->head;
	uint32_t *pp = &s->bucket[seen_bucket(s, s->ring[slot].nonce)];

	while (*pp && *pp != slot + 1)
		pp = &s->ring[*pp - 1].hnext;
	if (*pp)
		*pp = s->ring[slot].hnext;
	if (ms->store != NULL && store_seen_del(ms->store, s->site, s->ring[slot].nonce) < 0)
		log_warnx("database: %s", store_error(ms->store));
	s->head = (s->head + 1) & (s->cap - 1);
	s->n--;
	ms->st.seen_nonces--;
}

/* Double the ring (entries keep their order). -1 when out of memory or at the bound. */
static int seen_grow(struct ms_seen *s)
{
	uint32_t cap = s->cap ? s->cap * 2 : 1024;
	struct ms_seen_ent *ring;
	uint32_t *bucket;

	if (cap > MS_SEEN_MAX)
		return -1;
	ring = calloc(cap, sizeof(*ring));
	bucket = calloc(cap, sizeof(*bucket));
	if (ring == NULL || bucket == NULL) {
		free(ring);
		free(bucket);
		return -1;
	}
	for (uint32_t i = 0; i < s->n; i++)
		ring[i] = s->ring[(s->head + i) & (s->cap - 1)];
	free(s->ring);
	free(s->bucket);
	s->ring = ring;
	s->bucket = bucket;
	s->cap = cap;
	s->head = 0;
	for (uint32_t i = 0; i < s->n; i++)
		seen_index(s, i);
	return 0;
}

static struct ms_seen *seen_of(struct ms *ms, const char *site, bool create)
{
	struct ms_seen *s;
	const char *name;

	for (s = ms->seen; s; s = s->next)
		if (strcmp(s->site, site) == 0)
			return s;
	if (!create || (name = ms_intern(ms, site)) == NULL || (s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->site = name;
	s->next = ms->seen;
	ms->seen = s;
	return s;
}

/* Remember an accepted nonce until `until` (monotonic ms) at least. */
static void seen_add(struct ms *ms, struct ms_seen *s, uint64_t nonce, uint64_t until)
{
	if (s->n == s->cap) {
		const struct ms_seen_ent *old = s->cap ? &s->ring[s->head] : NULL;
		if ((old == NULL || old->until > ms->now) && seen_grow(s) == 0) {
			/* grown: room at the end */
		} else if (old == NULL) {
			log_warnx("seen-nonce cache of site %s: out of memory", s->site);
			return;
		} else {
			if (old->until > ms->now) {
				ms->st.seen_early_evictions++;
				log_input_key(
				    "seen-nonce",
				    "site %s: seen-nonce cache full (%u): a nonce leaves it "
				    "before the lifetime of its registration (replay "
				    "protection weakened)",
				    s->site, (unsigned)s->cap);
			}
			seen_pop(ms, s);
		}
	}
	uint32_t slot = (s->head + s->n) & (s->cap - 1);
	s->ring[slot].nonce = nonce;
	s->ring[slot].until = until;
	seen_index(s, slot);
	s->n++;
	ms->st.seen_nonces++;
}

static uint64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* How long what m registers lives (ms), at least: the nonce is kept that long. */
static uint64_t lifetime_ms(const struct ms_site *site, const struct lisp_map_register *m)
{
	uint64_t secs = (uint64_t)MS_REFRESH_SECS * MS_REFRESH_MISSES;

	if (site->lifetime == MS_LIFE_PERSISTENT)
		return UINT64_MAX;
	if (m->use_ttl)
		for (unsigned i = 0; i < m->nrec; i++) {
			uint64_t t = m->rec[i].ttl == 0xffffffffu ? 7ULL * 86400
								  : (uint64_t)m->rec[i].ttl * 60;
			if (t > secs)
				secs = t;
		}
	return secs * 1000;
}

static bool accept_random(struct ms *ms, const struct ms_site *site,
			  const struct lisp_map_register *m, const struct ipaddr *src)
{
	struct ms_seen *s = seen_of(ms, site->name, true);
	uint64_t life, until;

	if (s != NULL && seen_has(s, m->nonce)) {
		ms_drop(ms, LISP_T_MAP_REGISTER, MS_DROP_REPLAY_SEEN, src,
			"site %s: nonce 0x%016llx was accepted before (replay)", site->name,
			(unsigned long long)m->nonce);
		return false;
	}
	if (s == NULL) {
		log_warnx("seen-nonce cache of site %s: out of memory", site->name);
		return true;
	}
	life = lifetime_ms(site, m);
	until = life == UINT64_MAX || ms->now > UINT64_MAX - life ? UINT64_MAX : ms->now + life;
	seen_add(ms, s, m->nonce, until);
	if (ms->store != NULL) {
		uint64_t w = wall_ms();
		uint64_t wu = life == UINT64_MAX || w > UINT64_MAX - life ? UINT64_MAX : w + life;
		if (store_seen_put(ms->store, s->site, m->nonce, wu > INT64_MAX ? INT64_MAX : wu) <
		    0)
			log_warnx("database: %s", store_error(ms->store));
	}
	return true;
}

/* ------------------------------------------------------------------ the check */
bool ms_replay_accept(struct ms *ms, const struct ms_site *site, const struct lisp_map_register *m,
		      const struct ipaddr *src)
{
	uint8_t key[MS_REPLAY_KEYLEN];
	uint8_t kid = m->auth.key_id;
	bool known;
	char pfx[PREFIX_STRLEN];

	if (site->replay == MS_REPLAY_RANDOM_NONCE)
		return accept_random(ms, site, m, src);
	if (m->xtr_id_present) {
		key_xtr(key, site->name, kid, m->xtr_id);
		uint64_t last = last_of(ms, key, &known);
		if (known && m->nonce <= last) {
			ms_drop(ms, LISP_T_MAP_REGISTER, MS_DROP_REPLAY, src,
				"site %s key %u xTR-ID %02x%02x..%02x%02x: nonce 0x%016llx not "
				"above the last accepted 0x%016llx",
				site->name, kid, m->xtr_id[0], m->xtr_id[1], m->xtr_id[14],
				m->xtr_id[15], (unsigned long long)m->nonce,
				(unsigned long long)last);
			return false;
		}
		set(ms, key, m->nonce, true);
		return true;
	}
	for (unsigned i = 0; i < m->nrec; i++) {
		key_eid(key, site->name, kid, &m->rec[i].eid);
		uint64_t last = last_of(ms, key, &known);
		if (known && m->nonce <= last) {
			ms_drop(ms, LISP_T_MAP_REGISTER, MS_DROP_REPLAY, src,
				"site %s key %u (no xTR-ID): nonce 0x%016llx not above the last "
				"accepted 0x%016llx for %s (whole message dropped)",
				site->name, kid, (unsigned long long)m->nonce,
				(unsigned long long)last,
				prefix_str(&m->rec[i].eid, pfx, sizeof(pfx)));
			return false;
		}
	}
	for (unsigned i = 0; i < m->nrec; i++) {
		key_eid(key, site->name, kid, &m->rec[i].eid);
		set(ms, key, m->nonce, true);
	}
	return true;
}

/* ------------------------------------------------------------------ load */
/* A row of a database written before the kinds: (site, key ID, 0xff + xTR-ID) or
 * (site, key ID, AFI + source address). */
struct ms_replay_old {
	char site[MS_NAME_MAX];
	uint8_t key_id;
	struct ipaddr src;
	uint64_t nonce;
};
struct load_ctx {
	struct ms *ms;
	unsigned kept, converted, old_src, bad;
};

static int load_row(const void *k, size_t keylen, uint64_t nonce, void *arg)
{
	struct load_ctx *lc = arg;
	struct ms *ms = lc->ms;
	const uint8_t *key = k;
	uint8_t nk[MS_REPLAY_KEYLEN];

	if (keylen == MS_REPLAY_KEYLEN && key[K_KIND] >= MS_RK_XTR &&
	    key[K_KIND] <= MS_RK_EID_FLOOR && key[MS_NAME_MAX - 1] == 0) {
		/* rows are loaded as they were: their own rows already exist */
		if (set(ms, key, nonce, false) != NULL)
			lc->kept++;
		return 0;
	}
	if (keylen == MS_REPLAY_KEYLEN_OLD && key[MS_NAME_MAX - 1] == 0) {
		char site[MS_NAME_MAX];
		memcpy(site, key, MS_NAME_MAX);
		if (key[MS_NAME_MAX + 1] == 0xff) {
			key_xtr(nk, site, key[MS_NAME_MAX], key + MS_NAME_MAX + 2);
			if (set(ms, nk, nonce, true) != NULL)
				lc->converted++;
		} else {
			struct ms_replay_old *o =
			    realloc(ms->replay_old, (ms->nreplay_old + 1) * sizeof(*o));
			if (o == NULL)
				return -1;
			ms->replay_old = o;
			o += ms->nreplay_old++;
			memcpy(o->site, site, MS_NAME_MAX);
			o->key_id = key[MS_NAME_MAX];
			memset(&o->src, 0, sizeof(o->src));
			o->src.afi = key[MS_NAME_MAX + 1];
			memcpy(o->src.a, key + MS_NAME_MAX + 2, 16);
			o->nonce = nonce;
			lc->old_src++;
		}
		if (ms->store != NULL && store_replay_del(ms->store, key, keylen) < 0)
			return -1;
		return 0;
	}
	lc->bad++;
	return 0;
}

static int load_seen(const char *site, uint64_t nonce, uint64_t until_unix_ms, void *arg)
{
	struct ms *ms = arg;
	const struct ms_site *cs = ms_site_by_name(ms->cfg, site);
	struct ms_seen *s;
	uint64_t w = wall_ms(), until;

	if (cs == NULL || cs->replay != MS_REPLAY_RANDOM_NONCE)
		return 0; /* not such a site any more: its rows stay, unused */
	s = seen_of(ms, cs->name, true);
	if (s == NULL)
		return -1;
	if (seen_has(s, nonce))
		return 0;
	if (until_unix_ms >= (uint64_t)INT64_MAX)
		until = UINT64_MAX;
	else
		until = until_unix_ms > w ? ms->now + (until_unix_ms - w) : ms->now;
	seen_add(ms, s, nonce, until);
	return 0;
}

int ms_replay_load(struct ms *ms)
{
	struct load_ctx lc = {ms, 0, 0, 0, 0};

	if (ms->store == NULL)
		return 0;
	if (store_replay_load(ms->store, load_row, &lc) < 0 ||
	    store_seen_load(ms->store, load_seen, ms) < 0)
		return -1;
	if (lc.converted || lc.old_src)
		log_info("replay table: %u xTR-ID row(s) converted, %u source-address row(s) of an "
			 "older version kept for the registrations they made",
			 lc.converted, lc.old_src);
	if (lc.bad)
		log_warnx("replay table: %u row(s) not understood, ignored", lc.bad);
	return 0;
}

/* A persistent registration loaded from the database that the older replay rows (keyed
 * by source address) protected: its EID gets an entry with the nonce of the row of its
 * registering ETR's address, so a captured message that made it is still refused (it had
 * a nonce not above that one). */
void ms_replay_seed_old(struct ms *ms, const char *site, const struct ms_site *s,
			const struct lisp_prefix *eid, const struct ipaddr *etr)
{
	uint8_t key[MS_REPLAY_KEYLEN];
	bool known;

	(void)s;
	for (size_t i = 0; i < ms->nreplay_old; i++) {
		const struct ms_replay_old *o = &ms->replay_old[i];
		if (strcmp(o->site, site) != 0 || o->src.afi != etr->afi ||
		    memcmp(o->src.a, etr->a, 16) != 0)
			continue;
		key_eid(key, site, o->key_id, eid);
		if (last_of(ms, key, &known) < o->nonce || !known)
			set(ms, key, o->nonce, true);
	}
}

void ms_replay_load_end(struct ms *ms)
{
	free(ms->replay_old);
	ms->replay_old = NULL;
	ms->nreplay_old = 0;
}
