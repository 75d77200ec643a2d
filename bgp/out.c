/* SPDX-License-Identifier: ISC */
/*
 * bgp/out.c - what the speaker sends: its table of host mappings (bgp_announce /
 * bgp_withdraw), the per-peer Adj-RIB-Out (RFC 4271 §3.2, §9.2) keyed by prefix + path ID,
 * and UPDATE packing: one flush at the end of the loop turn compares what each Established
 * peer should have (one path per RLOC with ADD-PATH send, RFC 7911; else the best RLOC)
 * with what it has, groups the new paths by equal attributes so one UPDATE carries as many
 * NLRI as fit (RFC 4271 §4.3), withdraws the rest, and after the initial table of a session
 * sends End-of-RIB per family (RFC 4724 §2). ROUTE-REFRESH (RFC 2918) resends everything.
 * Mappings of instance ID 0 go out as unicast routes, the others (tenants) as VPN-IPv4 /
 * VPN-IPv6 routes (RFC 4364, RFC 4659; proto/bgp_mapping.h); a peer that did not negotiate
 * the VPN family gets none of them: counted (vpn_withheld) and logged once per session,
 * never sent as unicast.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "bgp/bgp_int.h"
#include "common/log.h"

#define GROUP_BUCKETS 1024

struct grp_key {
	uint16_t afi;
	uint8_t prio, weight;
	uint16_t version;
	uint64_t reg_ms;
	uint32_t iid, ttl;
	struct ipaddr rloc;
};

struct group {
	struct group *next, *all;
	struct grp_key key;
	struct bgp_map_path path; /* attrs view into path.store: never moved */
	struct bgp_route *routes;
	size_t n, cap;
	bool bad;
};

struct wdlist {
	struct bgp_route *v;
	size_t n, cap;
};

struct sync {
	struct bgp_peer *p;
	struct group *tab[GROUP_BUCKETS];
	struct group *all;
	struct wdlist wd[BGP_AID_MAX];
	size_t announced, withdrawn;
};

static int push_route(struct bgp_route **v, size_t *n, size_t *cap, const struct bgp_route *r)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct bgp_route *nv = realloc(*v, nc * sizeof(*nv));
		if (nv == NULL)
			return -1;
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = *r;
	return 0;
}

static bool key_eq(const struct grp_key *a, const struct grp_key *b)
{
	return a->afi == b->afi && a->prio == b->prio && a->weight == b->weight &&
	       a->version == b->version && a->reg_ms == b->reg_ms && a->iid == b->iid &&
	       a->ttl == b->ttl && ipaddr_eq(&a->rloc, &b->rloc);
}

static size_t key_hash(const struct grp_key *k)
{
	uint32_t h = 2166136261u;
	uint32_t f[] = {k->afi, k->prio, k->weight,  k->version, (uint32_t)k->reg_ms,
			k->iid, k->ttl,	 k->rloc.afi};

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		h = (h ^ f[i]) * 16777619u;
	for (size_t i = 0; i < 16; i++)
		h = (h ^ k->rloc.a[i]) * 16777619u;
	return h & (GROUP_BUCKETS - 1);
}

/* Add route (locator i of m) to the group of its attributes. */
static void group_add(struct sync *s, const struct bgp_host_mapping *m, unsigned i,
		      const struct bgp_route *r)
{
	struct bgp_peer *p = s->p;
	struct grp_key k;

	memset(&k, 0, sizeof(k));
	k.afi = m->eid.afi;
	k.prio = m->loc[i].priority;
	k.weight = m->loc[i].weight;
	k.version = m->version;
	k.reg_ms = m->reg_ms;
	k.iid = m->eid.iid;
	k.ttl = m->ttl;
	k.rloc = m->loc[i].rloc;
	size_t h = key_hash(&k);
	struct group *g;
	for (g = s->tab[h]; g; g = g->next)
		if (key_eq(&g->key, &k))
			break;
	if (g == NULL) {
		struct proto_err e;
		g = calloc(1, sizeof(*g));
		if (g == NULL)
			return;
		g->key = k;
		if (bgp_mapping_encode_path(m, i, p->bgp->cfg->local_as, !p->opts.ibgp, &p->opts,
					    &g->path, &e) < 0) {
			log_warnx("bgp %s: cannot encode a path: %s", p->name, e.reason);
			g->bad = true;
		}
		g->next = s->tab[h];
		s->tab[h] = g;
		g->all = s->all;
		s->all = g;
	}
	push_route(&g->routes, &g->n, &g->cap, r);
}

static bool loc_usable(const struct bgp_peer *p, const struct bgp_host_mapping *m, unsigned i)
{
	if (m->eid.afi == LISP_AFI_IPV4 && m->loc[i].rloc.afi == LISP_AFI_IPV6)
		return (p->opts.ext_nh & BGP_AID_BIT(BGP_AID_IPV4)) != 0;
	return true;
}

/* Without ADD-PATH a peer gets one path: lowest priority, then highest weight. */
static int best_loc(const struct bgp_peer *p, const struct bgp_host_mapping *m)
{
	int best = -1;

	for (unsigned i = 0; i < m->n_loc; i++) {
		if (!loc_usable(p, m, i))
			continue;
		if (best < 0 || m->loc[i].priority < m->loc[best].priority ||
		    (m->loc[i].priority == m->loc[best].priority &&
		     m->loc[i].weight > m->loc[best].weight))
			best = (int)i;
	}
	return best;
}

static bool out_same(const struct bgp_rib_path *o, const struct bgp_host_mapping *m, unsigned i)
{
	return o->map_ok && ipaddr_eq(&o->map.loc.rloc, &m->loc[i].rloc) &&
	       o->map.loc.priority == m->loc[i].priority && o->map.loc.weight == m->loc[i].weight &&
	       o->map.version == m->version && o->map.reg_ms == m->reg_ms && o->map.ttl == m->ttl &&
	       o->map.eid.iid == m->eid.iid;
}

static void sync_prefix(struct sync *s, const struct lisp_prefix *pfx)
{
	struct bgp_peer *p = s->p;
	struct bgp_rib_entry *te = bgp_rib_find(&p->bgp->table, pfx);
	const struct bgp_host_mapping *m = te ? te->map : NULL;
	int aid = bgp_prefix_aid(pfx);
	uint32_t keep[BGP_MAP_LOC_MAX];
	unsigned n_keep = 0;

	if (aid < 0)
		return;
	if (!(p->opts.mp & BGP_AID_BIT(aid))) {
		if (m && bgp_aid_vpn(aid)) {
			/* a tenant's mapping to a peer without the VPN family: never as unicast */
			p->vpn_withheld++;
			if (!p->vpn_withheld_logged) {
				p->vpn_withheld_logged = true;
				log_warnx(
				    "bgp %s: the session has no %s family: mappings of instance "
				    "IDs other than 0 are not sent to this peer (counted)",
				    p->name, bgp_aid_name((unsigned)aid));
			}
		}
		m = NULL;
	}
	bool addpath = (p->opts.addpath_tx & BGP_AID_BIT(aid)) != 0;
	if (m) {
		int only = addpath ? -1 : best_loc(p, m);
		for (unsigned i = 0; i < m->n_loc; i++) {
			if (addpath ? !loc_usable(p, m, i) : (int)i != only)
				continue;
			struct bgp_route r;
			bgp_mapping_route(m, i, p->bgp->cfg->local_as, &r);
			if (!addpath)
				r.path_id = 0;
			keep[n_keep++] = r.path_id;
			struct bgp_rib_entry *oe = bgp_rib_find(&p->rib_out, pfx);
			struct bgp_rib_path *op = oe ? bgp_rib_path_find(oe, r.path_id) : NULL;
			if (op && out_same(op, m, i))
				continue;
			struct bgp_rib_path rp;
			memset(&rp, 0, sizeof(rp));
			rp.path_id = r.path_id;
			rp.map_ok = true;
			rp.nh = m->loc[i].rloc;
			rp.map.eid = m->eid;
			rp.map.version = m->version;
			rp.map.reg_ms = m->reg_ms;
			rp.map.ttl = m->ttl;
			rp.map.path_id = r.path_id;
			rp.map.loc = m->loc[i];
			if (bgp_rib_update(&p->rib_out, pfx, &rp) < 0)
				continue;
			group_add(s, m, i, &r);
			s->announced++;
		}
	}
	struct bgp_rib_entry *oe = bgp_rib_find(&p->rib_out, pfx);
	if (oe == NULL)
		return;
	uint32_t gone[BGP_MAP_LOC_MAX * 2];
	unsigned n_gone = 0;
	for (unsigned j = 0; j < oe->n && n_gone < nitems(gone); j++) {
		bool wanted = false;
		for (unsigned k = 0; k < n_keep; k++)
			wanted |= oe->paths[j].path_id == keep[k];
		if (!wanted)
			gone[n_gone++] = oe->paths[j].path_id;
	}
	for (unsigned j = 0; j < n_gone; j++) {
		struct bgp_route r = {.prefix = *pfx, .path_id = gone[j]};
		if (pfx->iid) {
			r.vpn = true;
			r.rd = bgp_rd_make(p->bgp->cfg->local_as, pfx->iid);
		}
		bgp_rib_withdraw(&p->rib_out, pfx, gone[j]);
		struct wdlist *w = &s->wd[aid];
		push_route(&w->v, &w->n, &w->cap, &r);
		s->withdrawn++;
	}
}

static void send_updates(struct sync *s)
{
	struct bgp_peer *p = s->p;
	uint8_t msg[BGP_MAX_LEN];
	struct buf w;
	struct proto_err e;
	size_t fitted;

	for (struct group *g = s->all; g; g = g->all) {
		for (size_t off = 0; !g->bad && off < g->n; off += fitted) {
			buf_init_write(&w, msg, sizeof(msg));
			if (bgp_build_update_af(&w, &p->opts, &g->path.attrs, g->path.afi,
						g->path.safi, g->routes + off, g->n - off, 0,
						&fitted, &e) < 0) {
				log_warnx("bgp %s: cannot build UPDATE: %s", p->name, e.reason);
				break;
			}
			if (bgp_send_raw(p, msg, w.len) == 0) /* not written: not sent */
				p->updates_out++;
		}
	}
	for (unsigned aid = 0; aid < BGP_AID_MAX; aid++) {
		struct wdlist *wl = &s->wd[aid];
		for (size_t off = 0; off < wl->n; off += fitted) {
			buf_init_write(&w, msg, sizeof(msg));
			if (bgp_build_withdraw_af(&w, &p->opts, bgp_aid_afi(aid), bgp_aid_safi(aid),
						  wl->v + off, wl->n - off, 0, &fitted, &e) < 0 ||
			    fitted == 0) {
				log_warnx("bgp %s: cannot build withdraw: %s", p->name, e.reason);
				break;
			}
			if (bgp_send_raw(p, msg, w.len) == 0)
				p->updates_out++;
		}
	}
}

static void sync_free(struct sync *s)
{
	for (struct group *g = s->all, *n; g; g = n) {
		n = g->all;
		free(g->routes);
		free(g);
	}
	for (unsigned aid = 0; aid < BGP_AID_MAX; aid++)
		free(s->wd[aid].v);
}

static void sync_walk(struct bgp_rib_entry *e, void *arg)
{
	sync_prefix(arg, &e->prefix);
}

void bgp_out_sync_peer(struct bgp_peer *p, const struct lisp_prefix *list, size_t n, bool all)
{
	if (p->cfg.role == BGP_ROLE_UNDERLAY) { /* never a mapping: its own table */
		bgp_underlay_sync_peer(p);
		return;
	}
	struct sync *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return;
	s->p = p;
	if (all) {
		bgp_rib_walk(&p->bgp->table, sync_walk, s);
		/* paths we still advertise but no longer have */
		size_t k;
		struct bgp_rib_entry **v = bgp_rib_sorted(&p->rib_out, &k);
		for (size_t i = 0; i < k; i++)
			if (bgp_rib_find(&p->bgp->table, &v[i]->prefix) == NULL)
				sync_prefix(s, &v[i]->prefix);
		free(v);
	} else {
		for (size_t i = 0; i < n; i++)
			sync_prefix(s, &list[i]);
	}
	send_updates(s);
	if (s->announced || s->withdrawn)
		log_debug_topic(LOG_TOPIC_BGP, "bgp %s: %zu paths announced, %zu withdrawn",
				p->name, s->announced, s->withdrawn);
	sync_free(s);
	free(s);
}

static void send_eor(struct bgp_peer *p)
{
	uint8_t msg[64];
	struct buf w;
	size_t fitted;

	for (unsigned aid = 0; aid < BGP_AID_MAX; aid++) {
		if (!(p->opts.mp & BGP_AID_BIT(aid)))
			continue;
		buf_init_write(&w, msg, sizeof(msg));
		if (bgp_build_withdraw_af(&w, &p->opts, bgp_aid_afi(aid), bgp_aid_safi(aid), NULL,
					  0, 0, &fitted, NULL) == 0)
			bgp_send_raw(p, msg, w.len);
	}
}

void bgp_out_session_up(struct bgp_peer *p)
{
	p->vpn_withheld_logged = false; /* logged once per session */
	bgp_rib_free(&p->rib_out);
	bgp_rib_init(&p->rib_out);
	bgp_out_sync_peer(p, NULL, 0, true);
	send_eor(p);
	p->synced = true;
	if (!p->initial_eor)
		bgp_restart_eor_sent(p);
}

void bgp_out_session_down(struct bgp_peer *p)
{
	bgp_rib_free(&p->rib_out);
	bgp_rib_init(&p->rib_out);
	p->synced = false;
}

void bgp_out_refresh(struct bgp_peer *p)
{
	bgp_rib_free(&p->rib_out);
	bgp_rib_init(&p->rib_out);
	bgp_out_sync_peer(p, NULL, 0, true);
}

void bgp_out_flush(struct bgp *b)
{
	bool udirty = b->underlay_dirty;

	b->flush_pending = false;
	b->underlay_dirty = false;
	if (b->n_dirty == 0 && !b->dirty_all && !udirty)
		return;
	for (struct bgp_peer *p = b->peers; p; p = p->next) {
		if (p->state != BGP_ST_ESTABLISHED || !p->synced)
			continue;
		if (p->cfg.role == BGP_ROLE_UNDERLAY) {
			if (udirty)
				bgp_underlay_sync_peer(p);
		} else if (b->n_dirty || b->dirty_all) {
			bgp_out_sync_peer(p, b->dirty, b->n_dirty, b->dirty_all);
		}
	}
	for (size_t i = 0; i < b->n_dirty; i++) {
		struct bgp_rib_entry *e = bgp_rib_find(&b->table, &b->dirty[i]);
		if (e)
			e->mark = false;
	}
	b->n_dirty = 0;
	b->dirty_all = false;
}

static void flush_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	bgp_out_flush(arg);
}

void bgp_out_schedule(struct bgp *b)
{
	if (b->flush_pending)
		return;
	if (b->ev_flush == NULL)
		b->ev_flush = event_new(b->base, -1, 0, flush_cb, b);
	if (b->ev_flush == NULL)
		return;
	b->flush_pending = true;
	event_active(b->ev_flush, EV_TIMEOUT, 0);
}

void bgp_flush(struct bgp *b)
{
	bgp_out_flush(b);
}

static void mark_dirty(struct bgp *b, const struct lisp_prefix *pfx, struct bgp_rib_entry *e)
{
	if (e) {
		if (e->mark)
			return;
		e->mark = true;
	}
	if (b->dirty_all)
		return;
	if (b->n_dirty == b->cap_dirty) {
		size_t nc = b->cap_dirty ? b->cap_dirty * 2 : 256;
		struct lisp_prefix *nv = realloc(b->dirty, nc * sizeof(*nv));
		if (nv == NULL) {
			b->dirty_all = true; /* fall back to a full comparison */
			return;
		}
		b->dirty = nv;
		b->cap_dirty = nc;
	}
	b->dirty[b->n_dirty++] = *pfx;
	bgp_out_schedule(b);
}

int bgp_announce(struct bgp *b, const struct bgp_host_mapping *m)
{
	struct proto_err e;
	struct lisp_prefix pfx = m->eid;

	if (bgp_mapping_check(m, &e) < 0) {
		char ps[PREFIX_STRLEN];
		log_warnx("bgp: mapping %s refused: %s", prefix_str(&m->eid, ps, sizeof(ps)),
			  e.reason);
		return -1;
	}
	prefix_normalize(&pfx); /* the instance ID stays: IID 0 unicast, others VPN */
	struct bgp_rib_entry *te = bgp_rib_get(&b->table, &pfx);
	if (te == NULL)
		return -1;
	if (te->map == NULL && (te->map = malloc(sizeof(*te->map))) == NULL) {
		bgp_rib_remove(&b->table, te);
		return -1;
	}
	*te->map = *m;
	mark_dirty(b, &pfx, te);
	bgp_out_schedule(b);
	return 0;
}

int bgp_withdraw(struct bgp *b, const struct lisp_prefix *eid)
{
	struct lisp_prefix pfx = *eid;

	prefix_normalize(&pfx);
	struct bgp_rib_entry *te = bgp_rib_find(&b->table, &pfx);
	if (te == NULL)
		return -1;
	bool was_marked = te->mark;
	bgp_rib_remove(&b->table, te);
	if (!was_marked)
		mark_dirty(b, &pfx, NULL);
	bgp_out_schedule(b);
	return 0;
}

size_t bgp_mapping_count(const struct bgp *b)
{
	return b->table.n_entries;
}

uint64_t bgp_tenant_withheld(const struct bgp *b)
{
	uint64_t n = 0;

	for (const struct bgp_peer *p = b ? b->peers : NULL; p; p = p->next)
		n += p->vpn_withheld;
	return n;
}
