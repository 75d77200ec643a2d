/*
 * xtr/mapcache.c - the ITR map-cache (RFC 9300 §4, RFC 9301 §6, §8.3): longest-prefix
 * match over common/lpm, entries with a source (config, map-reply, map-notify, bgp,
 * pending), TTL expiry by a once-a-second sweep, a bound on the dynamic entries (least
 * recently used evicted first; config and bgp entries never count nor get evicted), pending
 * entries with a bounded queue of held packets in one shared packet pool (no allocation per
 * packet), locator selection by priority then weight with the flow hash, and the RLOC
 * reachability table that RLOC probing updates.
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

static void free_entry(void *v)
{
	free(v);
}

void xtr_cache_fini(struct xtr *x)
{
	lpm_free(x->cache, free_entry);
	x->cache = NULL;
	free(x->pool);
	x->pool = NULL;
}

int xtr_queue_push(struct xtr *x, struct xtr_entry *e, const uint8_t *pkt, size_t len)
{
	unsigned qmax = x->cfg.queue_len < XTR_QUEUE_MAX ? x->cfg.queue_len : XTR_QUEUE_MAX;

	if (x->cfg.queue_policy == XTR_QUEUE_DROP || e->qlen >= qmax || len > XTR_QPKT_MAX ||
	    x->pool_free == UINT16_MAX)
		return -1;
	uint16_t i = x->pool_free;
	x->pool_free = x->pool[i].next_free;
	x->pool_used++;
	x->pool[i].len = (uint16_t)len;
	memcpy(x->pool[i].data + XTR_ENCAP_HLEN, pkt, len);
	e->q[(e->qhead + e->qlen) % XTR_QUEUE_MAX] = i;
	e->qlen++;
	return 0;
}

static void slot_free(struct xtr *x, uint16_t i)
{
	x->pool[i].next_free = x->pool_free;
	x->pool_free = i;
	x->pool_used--;
}

void xtr_queue_drop(struct xtr *x, struct xtr_entry *e)
{
	while (e->qlen) {
		slot_free(x, e->q[e->qhead]);
		e->qhead = (uint8_t)((e->qhead + 1) % XTR_QUEUE_MAX);
		e->qlen--;
		x->st.drops[XTR_DROP_UNRESOLVED]++;
	}
	e->qhead = 0;
}

/* Send the packets held by pending entry `p` through the cache (now resolved). */
static void queue_drain(struct xtr *x, struct xtr_entry *p, uint64_t now)
{
	uint16_t q[XTR_QUEUE_MAX];
	unsigned n = p->qlen;

	for (unsigned k = 0; k < n; k++)
		q[k] = p->q[(p->qhead + k) % XTR_QUEUE_MAX];
	p->qlen = 0;
	p->qhead = 0;
	for (unsigned k = 0; k < n; k++) {
		struct xtr_qslot *s = &x->pool[q[k]];
		x->st.dequeued++;
		xtr_itr_forward(x, s->data + XTR_ENCAP_HLEN, s->len, now);
	}
	/* the inner packets must stay valid until the batch is sent */
	xtr_flush(x);
	for (unsigned k = 0; k < n; k++)
		slot_free(x, q[k]);
}

void xtr_queue_flush(struct xtr *x, struct xtr_entry *e, uint64_t now)
{
	queue_drain(x, e, now);
}

/* ---------------------------------------------------------------- LRU */

static void lru_unlink(struct xtr *x, struct xtr_entry *e)
{
	if (!e->on_lru)
		return;
	if (e->prev)
		e->prev->next = e->next;
	else
		x->lru_head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		x->lru_tail = e->prev;
	e->prev = e->next = NULL;
	e->on_lru = false;
	x->ndynamic--;
}

static void lru_push(struct xtr *x, struct xtr_entry *e)
{
	e->prev = NULL;
	e->next = x->lru_head;
	if (x->lru_head)
		x->lru_head->prev = e;
	x->lru_head = e;
	if (x->lru_tail == NULL)
		x->lru_tail = e;
	e->on_lru = true;
	x->ndynamic++;
}

void xtr_cache_touch(struct xtr *x, struct xtr_entry *e, uint64_t now)
{
	e->last_used = now;
	if (e->on_lru && x->lru_head != e) {
		lru_unlink(x, e);
		lru_push(x, e);
	}
}

static void entry_destroy(struct xtr *x, struct xtr_entry *e)
{
	lpm_remove(x->cache, &e->eid);
	lru_unlink(x, e);
	if (e->src == XTR_SRC_PENDING)
		x->npending--;
	xtr_queue_drop(x, e);
	x->nentries--;
	free(e);
}

/* Make room for one more dynamic entry: evict from the LRU tail (not `keep`). */
static int make_room(struct xtr *x, const struct xtr_entry *keep)
{
	while (x->ndynamic >= x->cfg.cache_max) {
		struct xtr_entry *v = x->lru_tail;
		while (v && v == keep)
			v = v->prev;
		if (v == NULL)
			return -1;
		entry_destroy(x, v);
		x->st.cache_evictions++;
	}
	return 0;
}

/* ---------------------------------------------------------------- entries */

static void set_locators(struct xtr *x, struct xtr_entry *e, const struct xtr_loc *loc,
			 unsigned nloc)
{
	e->nloc = 0;
	for (unsigned i = 0; i < nloc && e->nloc < XTR_MAX_LOC; i++) {
		e->loc[e->nloc] = loc[i];
		e->loc[e->nloc].rloc_idx = xtr_rloc_track(x, &loc[i].addr, &e->eid);
		e->nloc++;
	}
}

struct covered_ctx {
	struct xtr *x;
	struct xtr_entry *e;
	uint64_t now;
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
	lru_unlink(x, c);
	x->npending--;
	x->nentries--;
	queue_drain(x, c, cc->now);
	free(c);
	return 0;
}

struct xtr_entry *xtr_cache_install(struct xtr *x, const struct lisp_prefix *eid, enum xtr_src src,
				    uint8_t action, bool authoritative, uint32_t ttl_min,
				    const struct xtr_loc *loc, unsigned nloc, uint64_t now)
{
	struct lisp_prefix p = *eid;
	struct xtr_entry *e;

	prefix_normalize(&p);
	e = lpm_exact(x->cache, &p);
	if (e == NULL) {
		if (src_dynamic((uint8_t)src) && make_room(x, NULL) == -1) {
			x->st.drops[XTR_DROP_CACHE_FULL]++;
			return NULL;
		}
		e = calloc(1, sizeof(*e));
		if (e == NULL)
			return NULL;
		e->eid = p;
		e->created = now;
		e->last_used = now;
		if (lpm_insert(x->cache, &p, e, NULL) == -1) {
			free(e);
			return NULL;
		}
		x->nentries++;
		if (src_dynamic((uint8_t)src))
			lru_push(x, e);
	} else {
		if (e->src == XTR_SRC_PENDING && src != XTR_SRC_PENDING)
			x->npending--;
		if (src_dynamic(e->src) && !src_dynamic((uint8_t)src))
			lru_unlink(x, e);
		else if (!src_dynamic(e->src) && src_dynamic((uint8_t)src))
			lru_push(x, e);
		e->created = now;
	}
	e->src = (uint8_t)src;
	e->changed_ms = xtr_wall_ms(x, now);
	if (src != XTR_SRC_BGP) {
		memset(&e->bgp_peer, 0, sizeof(e->bgp_peer));
		e->map_version = 0;
	}
	e->action = action;
	e->authoritative = authoritative;
	e->ttl = ttl_min;
	if (src == XTR_SRC_CONFIG || src == XTR_SRC_BGP || ttl_min == 0xffffffffu)
		e->expires = 0;
	else
		e->expires = now + (uint64_t)ttl_min * 60 * NSEC_PER_SEC;
	e->req_nonce = 0;
	e->req_tries = 0;
	set_locators(x, e, loc, nloc);
	if (e->qlen && src != XTR_SRC_PENDING)
		queue_drain(x, e, now);

	/* Pending host entries now covered by this mapping: resolved too. Only a prefix
	 * shorter than a host route covers other entries; the table finds them (walking the
	 * whole LRU list per install made a cache fill quadratic). */
	if (src != XTR_SRC_PENDING && x->npending && p.plen < afi_max_plen(p.afi)) {
		struct covered_ctx c = {x, e, now};
		lpm_walk_covered(x->cache, &p, covered_cb, &c);
	}
	return e;
}

struct xtr_entry *xtr_cache_new_pending(struct xtr *x, const struct lisp_prefix *eid, uint64_t now)
{
	if (x->npending >= x->cfg.pending_max) {
		x->st.drops[XTR_DROP_PENDING_LIMIT]++;
		return NULL;
	}
	struct xtr_entry *e = xtr_cache_install(x, eid, XTR_SRC_PENDING, LISP_ACT_SEND_MAP_REQ,
						false, 0, NULL, 0, now);
	if (e == NULL)
		return NULL;
	e->expires = 0;
	x->npending++;
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
	struct xtr_entry *e, *prev;

	/* Only dynamic entries expire; walk the LRU list from its cold end. */
	for (e = x->lru_tail; e; e = prev) {
		prev = e->prev;
		if (e->expires && e->expires <= now) {
			x->st.cache_expired++;
			entry_destroy(x, e);
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
	if (i != UINT16_MAX)
		x->rlocs[i].up = up;
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
