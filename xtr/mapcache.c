/* SPDX-License-Identifier: ISC */
/*
 * xtr/mapcache.c - the ITR map-cache (RFC 9300 §4, RFC 9301 §6, §8.3): longest-prefix
 * match over common/lpm, entries with a source (config, map-reply, map-notify, bgp,
 * pending), TTL expiry by a once-a-second sweep, a bound on the dynamic entries (CLOCK:
 * an entry not used since the hand last passed is evicted; config and bgp entries never
 * count nor get evicted), entries in a slab, locator sets shared between entries, pending
 * entries with a bounded queue of held packets in one shared packet pool (no allocation per
 * packet) and shared fairly between the inner sources whose packets create them (struct
 * xtr_srcslot), locator selection by priority then weight with the flow hash, and the RLOC
 * reachability table that RLOC probing updates.
 *
 * A leaf: it sends nothing. The packets a resolution releases from pending queues go back
 * to the caller of xtr_cache_put (struct xtr_released, slots of the pool, in order);
 * xtr_cache_install (xtr/data.c) forwards them through the ITR path.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/lpm.h"
#include "xtr/xtr_int.h"

static const char *const src_names[XTR_SRC__COUNT] = {
    [XTR_SRC_CONFIG] = "config", [XTR_SRC_REPLY] = "map-reply", [XTR_SRC_NOTIFY] = "map-notify",
    [XTR_SRC_BGP] = "bgp",	 [XTR_SRC_PENDING] = "pending",
};

const char *xtr_src_name(enum xtr_src s)
{
	return (unsigned)s < XTR_SRC__COUNT ? src_names[s] : "unknown";
}

static bool src_dynamic(uint8_t src)
{
	return src == XTR_SRC_REPLY || src == XTR_SRC_NOTIFY || src == XTR_SRC_PENDING;
}

/* ---------------------------------------------------------------- time */

uint32_t xtr_sec(const struct xtr *x, uint64_t now)
{
	if (now <= x->t0)
		return 0;
	uint64_t s = (now - x->t0) / NSEC_PER_SEC;
	return s > UINT32_MAX - 1 ? UINT32_MAX - 1 : (uint32_t)s;
}

uint64_t xtr_sec_ns(const struct xtr *x, uint32_t s)
{
	return x->t0 + (uint64_t)s * NSEC_PER_SEC;
}

void xtr_entry_set_expiry(struct xtr *x, struct xtr_entry *e, uint64_t at)
{
	uint64_t s = at <= x->t0 ? 0 : (at - x->t0 + NSEC_PER_SEC - 1) / NSEC_PER_SEC;
	if (s == 0)
		s = 1; /* 0 means never */
	e->expires = s > UINT32_MAX ? UINT32_MAX : (uint32_t)s;
}

uint64_t xtr_entry_expires_ns(const struct xtr *x, const struct xtr_entry *e)
{
	return e->expires ? xtr_sec_ns(x, e->expires) : 0;
}

uint64_t xtr_entry_last_used_ns(const struct xtr *x, const struct xtr_entry *e)
{
	return xtr_sec_ns(x, e->last_used);
}

uint64_t xtr_entry_changed_ms(const struct xtr *x, const struct xtr_entry *e)
{
	if (e->ext)
		return e->ext->changed_ms;
	return xtr_wall_ms(x, xtr_sec_ns(x, e->changed));
}

unsigned xtr_entry_queued(const struct xtr_entry *e)
{
	return e->ext ? e->ext->qlen : 0;
}

/* ---------------------------------------------------------------- packet pool */

int xtr_cache_init(struct xtr *x)
{
	x->cache = lpm_new();
	x->pool = calloc(XTR_QPOOL, sizeof(*x->pool));
	if (x->cache == NULL || x->pool == NULL)
		return -1;
	for (unsigned i = 0; i < XTR_QPOOL; i++)
		x->pool[i].next_free = (uint16_t)(i + 1 < XTR_QPOOL ? i + 1 : UINT16_MAX);
	x->pool_free = 0;
	return 0;
}

static void locset_put(struct xtr *x, const struct xtr_loc *loc);

void xtr_cache_fini(struct xtr *x)
{
	for (size_t i = 0; i < x->slab_used; i++) {
		struct xtr_entry *e = &x->slab[i / XTR_SLAB_CHUNK][i % XTR_SLAB_CHUNK];
		if (e->src != 0xff)
			free(e->ext);
	}
	lpm_free(x->cache, NULL);
	x->cache = NULL;
	for (size_t i = 0; i < x->slab_nchunks; i++)
		free(x->slab[i]);
	free(x->slab);
	x->slab = NULL;
	for (size_t i = 0; i < x->lsets_cap; i++)
		for (struct xtr_locset *l = x->lsets[i], *n; l; l = n) {
			n = l->next;
			free(l);
		}
	free(x->lsets);
	x->lsets = NULL;
	free(x->pool);
	x->pool = NULL;
}

struct xtr_entry_ext *xtr_entry_ext(struct xtr *x, struct xtr_entry *e)
{
	if (e->ext == NULL) {
		/* the queue sized by the config: no slots with the drop policy (a reload that
		 * raises the length applies to entries that get their side struct later) */
		unsigned qcap = x->cfg.queue_policy == XTR_QUEUE_DROP ? 0
				: x->cfg.queue_len < XTR_QUEUE_MAX    ? x->cfg.queue_len
								      : XTR_QUEUE_MAX;
		e->ext = calloc(1, sizeof(*e->ext) + qcap * sizeof(e->ext->q[0]));
		if (e->ext) {
			e->ext->changed_ms = xtr_wall_ms(x, xtr_sec_ns(x, e->changed));
			e->ext->qcap = (uint8_t)qcap;
		}
	}
	return e->ext;
}

static void slot_free(struct xtr *x, uint16_t i);
static int steal_slot(struct xtr *x, uint32_t share, uint64_t now);

int xtr_queue_push(struct xtr *x, struct xtr_entry *e, const uint8_t *pkt, size_t len, uint64_t now)
{
	unsigned qmax = x->cfg.queue_len < XTR_QUEUE_MAX ? x->cfg.queue_len : XTR_QUEUE_MAX;

	if (x->cfg.queue_policy == XTR_QUEUE_DROP || len > XTR_QPKT_MAX)
		return -1;
	struct xtr_entry_ext *q = xtr_entry_ext(x, e);
	if (q == NULL || q->qlen >= qmax || q->qlen >= q->qcap)
		return -1;
	if (q->sslot) {
		/* the packet pool is shared fairly too: a source holds at most XTR_QPOOL / n
		 * packets while n sources wait for resolutions; a full pool gives up the newest
		 * packet of a source over that for one under it */
		struct xtr_srcslot *s = &x->srcs[q->sslot - 1];
		uint32_t share = XTR_QPOOL / (x->nsrc_active ? x->nsrc_active : 1);
		if (s->nqueued >= (share ? share : 1)) {
			if (x->nsrc_active <= 1)
				return -1; /* alone: the pool is simply full */
			x->st.drops[XTR_DROP_SOURCE_LIMITED]++;
			return -2;
		}
		if (x->pool_free == UINT16_MAX && steal_slot(x, share, now) == -1)
			return -1;
	}
	if (x->pool_free == UINT16_MAX)
		return -1;
	uint16_t i = x->pool_free;
	x->pool_free = x->pool[i].next_free;
	x->pool_used++;
	x->pool[i].len = (uint16_t)len;
	memcpy(x->pool[i].data + XTR_ENCAP_HLEN, pkt, len);
	q->q[(q->qhead + q->qlen) % q->qcap] = i;
	q->qlen++;
	if (q->sslot)
		x->srcs[q->sslot - 1].nqueued++;
	return 0;
}

static void slot_free(struct xtr *x, uint16_t i)
{
	x->pool[i].next_free = x->pool_free;
	x->pool_free = i;
	x->pool_used--;
}

static void queue_drop_ext(struct xtr *x, struct xtr_entry_ext *q, enum xtr_drop why)
{
	if (q == NULL)
		return;
	if (q->sslot)
		x->srcs[q->sslot - 1].nqueued -= q->qlen;
	while (q->qlen) {
		slot_free(x, q->q[q->qhead]);
		q->qhead = (uint8_t)((q->qhead + 1) % q->qcap);
		q->qlen--;
		x->st.drops[why]++;
	}
	q->qhead = 0;
}

void xtr_queue_drop(struct xtr *x, struct xtr_entry *e)
{
	queue_drop_ext(x, e->ext, XTR_DROP_UNRESOLVED);
}

/* Hand the packets held by a resolved pending entry to the caller: appended to `rel` in
 * their order (every slot of the pool fits in it), the queue left empty; without `rel`
 * they are dropped. */
static void queue_release(struct xtr *x, struct xtr_entry_ext *q, struct xtr_released *rel)
{
	if (q == NULL || rel == NULL) {
		queue_drop_ext(x, q, XTR_DROP_UNRESOLVED);
		return;
	}
	for (unsigned k = 0; k < q->qlen; k++)
		rel->slot[rel->n++] = q->q[(q->qhead + k) % q->qcap];
	x->st.dequeued += q->qlen;
	q->qlen = 0;
	q->qhead = 0;
}

void xtr_released_free(struct xtr *x, struct xtr_released *rel)
{
	for (unsigned k = 0; k < rel->n; k++)
		slot_free(x, rel->slot[k]);
	rel->n = 0;
}

/* ---------------------------------------------------------------- slab + CLOCK */

static struct xtr_entry *slab_at(const struct xtr *x, size_t i)
{
	return &x->slab[i / XTR_SLAB_CHUNK][i % XTR_SLAB_CHUNK];
}

static struct xtr_entry *slab_alloc(struct xtr *x)
{
	struct xtr_entry *e = x->slab_free;

	if (e) {
		x->slab_free = (struct xtr_entry *)(void *)e->ext;
	} else {
		if (x->slab_used == x->slab_nchunks * XTR_SLAB_CHUNK) {
			struct xtr_entry **v =
			    realloc(x->slab, (x->slab_nchunks + 1) * sizeof(*x->slab));
			if (v == NULL)
				return NULL;
			x->slab = v;
			v[x->slab_nchunks] = malloc(XTR_SLAB_CHUNK * sizeof(struct xtr_entry));
			if (v[x->slab_nchunks] == NULL)
				return NULL;
			x->slab_nchunks++;
		}
		e = slab_at(x, x->slab_used++);
	}
	memset(e, 0, sizeof(*e));
	return e;
}

static void slab_release(struct xtr *x, struct xtr_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->src = 0xff;
	e->ext = (struct xtr_entry_ext *)(void *)x->slab_free;
	x->slab_free = e;
}

size_t xtr_cache_slab_slots(const struct xtr *x)
{
	return x->slab_used;
}

static void dyn_set(struct xtr *x, struct xtr_entry *e, bool on)
{
	if (e->dynamic == on)
		return;
	e->dynamic = on;
	if (on)
		x->ndynamic++;
	else
		x->ndynamic--;
}

void xtr_cache_touch(struct xtr *x, struct xtr_entry *e, uint64_t now)
{
	e->last_used = xtr_sec(x, now);
	e->referenced = 1;
}

/* ---------------------------------------------------------------- pending list */

static void plist_add(struct xtr *x, struct xtr_entry *e)
{
	struct xtr_entry_ext *q = e->ext;
	if (q == NULL || q->on_plist)
		return;
	q->pnext = NULL;
	q->pprev = x->plist_tail;
	if (x->plist_tail)
		x->plist_tail->ext->pnext = e;
	else
		x->plist_head = e;
	x->plist_tail = e;
	q->on_plist = true;
}

static void plist_del(struct xtr *x, struct xtr_entry *e)
{
	struct xtr_entry_ext *q = e->ext;
	if (q == NULL || !q->on_plist)
		return;
	if (q->pprev)
		q->pprev->ext->pnext = q->pnext;
	else
		x->plist_head = q->pnext;
	if (q->pnext)
		q->pnext->ext->pprev = q->pprev;
	else
		x->plist_tail = q->pprev;
	q->pprev = q->pnext = NULL;
	q->on_plist = false;
}

/* ---------------------------------------------------------------- locator sets */

static uint32_t locset_hash(const struct xtr_loc *loc, unsigned n)
{
	uint32_t h = 2166136261u ^ n;
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *b = loc[i].addr.a;
		for (unsigned k = 0; k < 16; k++)
			h = (h ^ b[k]) * 16777619u;
		h = (h ^ loc[i].addr.afi) * 16777619u;
		h = (h ^ loc[i].priority) * 16777619u;
		h = (h ^ loc[i].weight) * 16777619u;
		h = (h ^ loc[i].rloc_idx) * 16777619u;
	}
	return h;
}

static bool locset_eq(const struct xtr_locset *l, const struct xtr_loc *loc, unsigned n)
{
	if (l->n != n)
		return false;
	for (unsigned i = 0; i < n; i++)
		if (!ipaddr_eq(&l->loc[i].addr, &loc[i].addr) ||
		    l->loc[i].priority != loc[i].priority || l->loc[i].weight != loc[i].weight ||
		    l->loc[i].rloc_idx != loc[i].rloc_idx)
			return false;
	return true;
}

static int locset_grow(struct xtr *x)
{
	size_t cap = x->lsets_cap ? x->lsets_cap * 2 : 64;
	struct xtr_locset **v = calloc(cap, sizeof(*v));
	if (v == NULL)
		return -1;
	for (size_t i = 0; i < x->lsets_cap; i++)
		for (struct xtr_locset *l = x->lsets[i], *n; l; l = n) {
			n = l->next;
			l->next = v[l->hash & (cap - 1)];
			v[l->hash & (cap - 1)] = l;
		}
	free(x->lsets);
	x->lsets = v;
	x->lsets_cap = cap;
	return 0;
}

/* The shared set holding loc[0..n) (a reference taken), NULL for none or on ENOMEM. */
static const struct xtr_loc *locset_get(struct xtr *x, const struct xtr_loc *loc, unsigned n)
{
	if (n == 0)
		return NULL;
	uint32_t h = locset_hash(loc, n);
	if (x->lsets_cap) {
		for (struct xtr_locset *l = x->lsets[h & (x->lsets_cap - 1)]; l; l = l->next)
			if (l->hash == h && locset_eq(l, loc, n)) {
				l->refs++;
				return l->loc;
			}
	}
	if (x->nlsets >= x->lsets_cap && locset_grow(x) == -1)
		return NULL;
	struct xtr_locset *l = malloc(sizeof(*l) + n * sizeof(l->loc[0]));
	if (l == NULL)
		return NULL;
	l->refs = 1;
	l->hash = h;
	l->n = (uint8_t)n;
	memcpy(l->loc, loc, n * sizeof(l->loc[0]));
	l->next = x->lsets[h & (x->lsets_cap - 1)];
	x->lsets[h & (x->lsets_cap - 1)] = l;
	x->nlsets++;
	return l->loc;
}

static void locset_put(struct xtr *x, const struct xtr_loc *loc)
{
	if (loc == NULL)
		return;
	struct xtr_locset *l = (struct xtr_locset *)(void *)((char *)(uintptr_t)loc -
							     offsetof(struct xtr_locset, loc));
	if (--l->refs)
		return;
	struct xtr_locset **pp = &x->lsets[l->hash & (x->lsets_cap - 1)];
	while (*pp != l)
		pp = &(*pp)->next;
	*pp = l->next;
	x->nlsets--;
	free(l);
}

size_t xtr_cache_locsets(const struct xtr *x)
{
	return x->nlsets;
}

/* ---------------------------------------------------------------- fair resolution */

static uint16_t src_slot(const struct xtr *x, const struct ipaddr *a)
{
	uint64_t h = x->src_seed;
	size_t n = afi_addr_len(a->afi);

	for (size_t i = 0; i + 4 <= n; i += 4) {
		uint32_t w;
		memcpy(&w, a->a + i, 4);
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
	}
	return (uint16_t)((h >> 32) & (XTR_SRC_SLOTS - 1));
}

/* The most pending entries one source may hold while `active` sources hold some. */
static uint32_t src_share(const struct xtr *x, uint32_t active)
{
	uint32_t s = x->cfg.pending_max / (active ? active : 1);
	return s ? s : 1;
}

/* A pending entry stops counting for its source (resolved, removed, given up). */
static void src_unlink(struct xtr *x, struct xtr_entry_ext *q)
{
	if (q == NULL || q->sslot == 0)
		return;
	struct xtr_srcslot *s = &x->srcs[q->sslot - 1];
	s->nqueued -= q->qlen; /* its held packets leave with it (released or dropped) */
	if (q->waiting)
		s->nwait--;
	q->waiting = false;
	if (--s->npending == 0)
		x->nsrc_active--;
	q->sslot = 0;
}

/* ---------------------------------------------------------------- entries */

/* Forget an entry that is out of the table already (its queue handled). */
static void entry_release(struct xtr *x, struct xtr_entry *e)
{
	if (x->hooks.entry_gone)
		x->hooks.entry_gone(x->hooks.arg, e); /* hook: the fast path's map */
	dyn_set(x, e, false);
	if (e->src == XTR_SRC_PENDING)
		x->npending--;
	src_unlink(x, e->ext);
	plist_del(x, e);
	locset_put(x, e->loc);
	free(e->ext);
	x->nentries--;
	slab_release(x, e);
}

static void entry_destroy(struct xtr *x, struct xtr_entry *e)
{
	lpm_remove(x->cache, &e->eid);
	xtr_queue_drop(x, e);
	entry_release(x, e);
}

/* Make room for one more dynamic entry: CLOCK over the slab (not `keep`): an entry used
 * since the hand last passed gets a second chance, the first one not used goes. */
static int make_room(struct xtr *x, const struct xtr_entry *keep)
{
	while (x->ndynamic >= x->cfg.cache_max) {
		struct xtr_entry *v = NULL;
		for (size_t k = 0; k < 2 * x->slab_used + 1 && x->slab_used; k++) {
			if (x->clock_hand >= x->slab_used)
				x->clock_hand = 0;
			struct xtr_entry *e = slab_at(x, x->clock_hand++);
			if (e->src == 0xff || !e->dynamic || e == keep)
				continue;
			if (e->referenced) {
				e->referenced = 0;
				continue;
			}
			v = e;
			break;
		}
		if (v == NULL)
			return -1;
		entry_destroy(x, v);
		x->st.cache_evictions++;
	}
	return 0;
}

static void set_locators(struct xtr *x, struct xtr_entry *e, const struct xtr_loc *loc,
			 unsigned nloc)
{
	struct xtr_loc v[XTR_MAX_LOC];
	unsigned n = 0;

	for (unsigned i = 0; i < nloc && n < XTR_MAX_LOC; i++) {
		v[n] = loc[i];
		v[n].rloc_idx = xtr_rloc_track(x, &loc[i].addr, &e->eid);
		n++;
	}
	const struct xtr_loc *old = e->loc;
	e->loc = locset_get(x, v, n);
	e->nloc = e->loc ? (uint8_t)n : 0;
	locset_put(x, old);
}

struct covered_ctx {
	struct xtr *x;
	struct xtr_entry *e;
	struct xtr_released *rel;
};

static int covered_cb(const struct lisp_prefix *p, void *val, void *arg)
{
	struct covered_ctx *cc = arg;
	struct xtr *x = cc->x;
	struct xtr_entry *c = val;

	(void)p;
	if (c == cc->e || c->src != XTR_SRC_PENDING)
		return 0;
	/* Take it out of the table first so its packets match the new mapping. */
	lpm_remove(x->cache, &c->eid);
	struct xtr_entry_ext *q = c->ext;
	src_unlink(x, q);
	c->ext = NULL;
	if (q && q->on_plist) {
		c->ext = q;
		plist_del(x, c);
		c->ext = NULL;
	}
	entry_release(x, c);
	queue_release(x, q, cc->rel);
	free(q);
	return 0;
}

struct xtr_entry *xtr_cache_put(struct xtr *x, const struct lisp_prefix *eid, enum xtr_src src,
				uint8_t action, bool authoritative, uint32_t ttl_min,
				const struct xtr_loc *loc, unsigned nloc, uint64_t now,
				struct xtr_released *rel)
{
	struct lisp_prefix p = *eid;
	struct xtr_entry *e;

	if (rel)
		rel->n = 0;
	prefix_normalize(&p);
	e = lpm_exact(x->cache, &p);
	if (e == NULL) {
		if (src_dynamic((uint8_t)src) && make_room(x, NULL) == -1) {
			x->st.drops[XTR_DROP_CACHE_FULL]++;
			return NULL;
		}
		e = slab_alloc(x);
		if (e == NULL)
			return NULL;
		e->eid = p;
		e->last_used = xtr_sec(x, now);
		if (lpm_insert(x->cache, &p, e, NULL) == -1) {
			slab_release(x, e);
			return NULL;
		}
		x->nentries++;
	} else if (e->src == XTR_SRC_PENDING && src != XTR_SRC_PENDING) {
		x->npending--;
		plist_del(x, e);
		src_unlink(x, e->ext);
	}
	dyn_set(x, e, src_dynamic((uint8_t)src));
	e->src = (uint8_t)src;
	e->changed = xtr_sec(x, now);
	/* the side struct: kept while it holds something (queue, request rate limit) */
	bool need_ext = src == XTR_SRC_CONFIG || src == XTR_SRC_BGP || src == XTR_SRC_PENDING;
	if (e->ext && !need_ext && e->ext->qlen == 0 && e->ext->req_next <= now) {
		free(e->ext);
		e->ext = NULL;
	}
	if (need_ext && xtr_entry_ext(x, e) == NULL) {
		if (e->src == XTR_SRC_PENDING)
			e->src = XTR_SRC_REPLY; /* keep the counts right for the destroy */
		entry_destroy(x, e);
		return NULL;
	}
	if (e->ext) {
		e->ext->changed_ms = xtr_wall_ms(x, now);
		if (src != XTR_SRC_BGP) {
			memset(&e->ext->bgp_peer, 0, sizeof(e->ext->bgp_peer));
			e->ext->map_version = 0;
		}
		e->ext->req_nonce = 0;
		e->ext->req_tries = 0;
	}
	e->action = action;
	e->authoritative = authoritative;
	e->ttl = ttl_min;
	if (src == XTR_SRC_CONFIG || src == XTR_SRC_BGP || ttl_min == 0xffffffffu)
		e->expires = 0;
	else
		xtr_entry_set_expiry(x, e, now + (uint64_t)ttl_min * 60 * NSEC_PER_SEC);
	set_locators(x, e, loc, nloc);
	if (x->hooks.entry_set)
		x->hooks.entry_set(x->hooks.arg, e); /* hook: the fast path's map */
	if (e->ext && e->ext->qlen && src != XTR_SRC_PENDING)
		queue_release(x, e->ext, rel);

	/* Pending host entries now covered by this mapping: resolved too. Only a prefix
	 * shorter than a host route covers other entries; the table finds them. */
	if (src != XTR_SRC_PENDING && x->npending && p.plen < afi_max_plen(p.afi)) {
		struct covered_ctx c = {x, e, rel};
		lpm_walk_covered(x->cache, &p, covered_cb, &c);
	}
	return e;
}

/* The table is full and a source under its share (`share` while `active` sources hold
 * entries) misses: the newest pending entry of a source over that share gives way (its
 * held packets dropped as itrResolveSourceLimited). 0, or -1 when there is none. */
static int preempt(struct xtr *x, uint32_t share, uint64_t now)
{
	for (struct xtr_entry *e = x->plist_tail; e; e = e->ext->pprev) {
		struct xtr_entry_ext *q = e->ext;
		if (q->sslot == 0 || x->srcs[q->sslot - 1].npending <= share)
			continue;
		struct ipaddr a = {.afi = e->eid.afi};
		memcpy(a.a, e->eid.a, sizeof(a.a));
		queue_drop_ext(x, q, XTR_DROP_SOURCE_LIMITED);
		x->st.pending_preempted++;
		entry_destroy(x, e);
		xtr_log_drop(x, XTR_DROP_SOURCE_LIMITED, NULL, &a, now);
		return 0;
	}
	return -1;
}

/* The packet pool is full and a source under its share of it (`share`) needs a slot: the
 * newest packet held for a source over that share gives way. 0, or -1 when there is none. */
static int steal_slot(struct xtr *x, uint32_t share, uint64_t now)
{
	for (struct xtr_entry *e = x->plist_tail; e; e = e->ext->pprev) {
		struct xtr_entry_ext *q = e->ext;
		if (q->sslot == 0 || q->qlen == 0 || x->srcs[q->sslot - 1].nqueued <= share)
			continue;
		struct ipaddr a = {.afi = e->eid.afi};
		memcpy(a.a, e->eid.a, sizeof(a.a));
		q->qlen--;
		slot_free(x, q->q[(q->qhead + q->qlen) % q->qcap]);
		x->srcs[q->sslot - 1].nqueued--;
		x->st.drops[XTR_DROP_SOURCE_LIMITED]++;
		xtr_log_drop(x, XTR_DROP_SOURCE_LIMITED, NULL, &a, now);
		return 0;
	}
	return -1;
}

struct xtr_entry *xtr_cache_new_pending(struct xtr *x, const struct lisp_prefix *eid,
					const struct ipaddr *src, uint64_t now, enum xtr_drop *why)
{
	enum xtr_drop dummy;
	uint16_t si = 0;

	if (why == NULL)
		why = &dummy;
	if (src) {
		si = src_slot(x, src);
		struct xtr_srcslot *s = &x->srcs[si];
		uint32_t active = x->nsrc_active + (s->npending == 0);
		uint32_t share = src_share(x, active);
		if (s->npending >= share) {
			/* its fair share is held: the miss waits for one of them, costing others
			 * nothing (alone, the share is the whole table) */
			*why = active > 1 ? XTR_DROP_SOURCE_LIMITED : XTR_DROP_PENDING_LIMIT;
			x->st.drops[*why]++;
			return NULL;
		}
		if (x->npending >= x->cfg.pending_max && preempt(x, share, now) == -1) {
			*why = XTR_DROP_PENDING_LIMIT;
			x->st.drops[*why]++;
			return NULL;
		}
	} else if (x->npending >= x->cfg.pending_max) {
		*why = XTR_DROP_PENDING_LIMIT;
		x->st.drops[*why]++;
		return NULL;
	}
	/* nothing is released: a pending entry resolves nothing */
	struct xtr_entry *e = xtr_cache_put(x, eid, XTR_SRC_PENDING, LISP_ACT_SEND_MAP_REQ, false,
					    0, NULL, 0, now, NULL);
	if (e == NULL) {
		*why = XTR_DROP_CACHE_FULL;
		return NULL;
	}
	e->expires = 0;
	x->npending++;
	plist_add(x, e);
	if (src) {
		struct xtr_srcslot *s = &x->srcs[si];
		if (s->npending++ == 0)
			x->nsrc_active++;
		e->ext->sslot = (uint16_t)(si + 1);
	}
	return e;
}

int xtr_cache_remove(struct xtr *x, const struct lisp_prefix *eid)
{
	struct lisp_prefix p = *eid;
	struct xtr_entry *e;

	prefix_normalize(&p);
	e = lpm_exact(x->cache, &p);
	if (e == NULL)
		return -1;
	entry_destroy(x, e);
	return 0;
}

struct clear_ctx {
	struct xtr *x;
	enum xtr_src src;
	size_t n;
};

static int clear_cb(const struct lisp_prefix *p, void *val, void *arg)
{
	struct clear_ctx *c = arg;
	struct xtr_entry *e = val;

	(void)p;
	if (c->src != XTR_SRC__COUNT && e->src != c->src)
		return 0;
	entry_destroy(c->x, e);
	c->n++;
	return 0;
}

size_t xtr_cache_clear(struct xtr *x, const struct lisp_prefix *eid, enum xtr_src src)
{
	struct clear_ctx c = {x, src, 0};

	if (eid)
		lpm_walk_covered(x->cache, eid, clear_cb, &c);
	else
		lpm_walk(x->cache, clear_cb, &c);
	return c.n;
}

struct xtr_entry *xtr_cache_lookup(struct xtr *x, uint32_t iid, const struct ipaddr *a)
{
	return lpm_lookup(x->cache, iid, a, NULL);
}

size_t xtr_cache_count(const struct xtr *x)
{
	return x->nentries;
}

size_t xtr_cache_dynamic(const struct xtr *x)
{
	return x->ndynamic;
}

size_t xtr_cache_pending(const struct xtr *x)
{
	return x->npending;
}

void xtr_cache_sweep(struct xtr *x, uint64_t now)
{
	/* Only dynamic entries expire; one pass over the slab. A side struct left only for
	 * the request rate limit goes when that has passed (not while a refresh is being
	 * retried: its back-off and Map-Resolver failover go on from where they are). */
	for (size_t i = 0; i < x->slab_used; i++) {
		struct xtr_entry *e = slab_at(x, i);
		if (e->src == 0xff)
			continue;
		if (e->dynamic && e->expires && xtr_sec_ns(x, e->expires) <= now) {
			x->st.cache_expired++;
			entry_destroy(x, e);
			continue;
		}
		if (e->ext && (e->src == XTR_SRC_REPLY || e->src == XTR_SRC_NOTIFY) &&
		    e->ext->qlen == 0 && e->ext->req_next <= now && e->ext->req_tries == 0) {
			free(e->ext);
			e->ext = NULL;
		}
	}
}

struct each_ctx {
	xtr_entry_fn fn;
	void *arg;
};

static int each_cb(const struct lisp_prefix *p, void *val, void *arg)
{
	struct each_ctx *c = arg;

	(void)p;
	c->fn(c->arg, val);
	return 0;
}

void xtr_cache_foreach(const struct xtr *x, xtr_entry_fn fn, void *arg)
{
	struct each_ctx c = {fn, arg};

	lpm_walk(x->cache, each_cb, &c);
}

struct next_ctx {
	xtr_entry_next_fn fn;
	void *arg;
};

static int next_cb(const struct lisp_prefix *p, void *val, void *arg)
{
	struct next_ctx *c = arg;

	(void)p;
	return c->fn(c->arg, val);
}

long xtr_cache_next(const struct xtr *x, struct lpm_cursor *cur, size_t max, xtr_entry_next_fn fn,
		    void *arg)
{
	struct next_ctx c = {fn, arg};

	return lpm_next(x->cache, cur, max, next_cb, &c);
}

/* ---------------------------------------------------------------- RLOC reachability */

static uint16_t rloc_find(const struct xtr *x, const struct ipaddr *a)
{
	for (size_t i = 0; i < x->nrlocs; i++)
		if (ipaddr_eq(&x->rlocs[i].addr, a))
			return (uint16_t)i;
	return UINT16_MAX;
}

uint16_t xtr_rloc_track(struct xtr *x, const struct ipaddr *a, const struct lisp_prefix *eid)
{
	uint16_t i = rloc_find(x, a);

	if (i != UINT16_MAX)
		return i;
	if (x->nrlocs >= XTR_RLOC_TABLE)
		return UINT16_MAX; /* untracked: considered up */
	i = (uint16_t)x->nrlocs++;
	memset(&x->rlocs[i], 0, sizeof(x->rlocs[i]));
	x->rlocs[i].addr = *a;
	x->rlocs[i].used = true;
	x->rlocs[i].up = true;
	if (eid)
		x->rlocs[i].eid = *eid;
	return i;
}

bool xtr_rloc_up(const struct xtr *x, const struct ipaddr *rloc)
{
	uint16_t i = rloc_find(x, rloc);
	return i == UINT16_MAX || x->rlocs[i].up;
}

void xtr_rloc_set_up(struct xtr *x, const struct ipaddr *rloc, bool up)
{
	uint16_t i = xtr_rloc_track(x, rloc, NULL);
	if (i != UINT16_MAX) {
		x->rlocs[i].up = up;
		xtr_rloc_changed(x, i);
	}
}

void xtr_rloc_changed(struct xtr *x, uint16_t i)
{
	if (x->hooks.rloc_changed && i < x->nrlocs)
		x->hooks.rloc_changed(x->hooks.arg, i, x->rlocs[i].up); /* hook: the fast path */
}

/* ---------------------------------------------------------------- locator selection */

static bool loc_usable(const struct xtr *x, const struct xtr_loc *l)
{
	if (l->priority == 255)
		return false;
	return l->rloc_idx == UINT16_MAX || l->rloc_idx >= x->nrlocs || x->rlocs[l->rloc_idx].up;
}

const struct xtr_loc *xtr_select_locator(const struct xtr *x, const struct xtr_entry *e,
					 uint32_t hash)
{
	unsigned best = 256, n = 0, wsum = 0;

	for (unsigned i = 0; i < e->nloc; i++)
		if (loc_usable(x, &e->loc[i]) && e->loc[i].priority < best)
			best = e->loc[i].priority;
	if (best == 256)
		return NULL;
	for (unsigned i = 0; i < e->nloc; i++)
		if (e->loc[i].priority == best && loc_usable(x, &e->loc[i])) {
			n++;
			wsum += e->loc[i].weight;
		}
	/* RFC 9301 §5.4: weight shares; all zero means an equal share */
	unsigned pick = wsum ? hash % wsum : hash % n;
	for (unsigned i = 0; i < e->nloc; i++) {
		const struct xtr_loc *l = &e->loc[i];
		if (l->priority != best || !loc_usable(x, l))
			continue;
		unsigned w = wsum ? l->weight : 1;
		if (pick < w)
			return l;
		pick -= w;
	}
	return NULL;
}
