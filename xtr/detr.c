/* SPDX-License-Identifier: ISC */
/*
 * xtr/detr.c - the D-ETR's BGP receiver (lisp-xtrd mode="representative"): host mappings
 * from the speaker's events into the map-cache as XTR_SRC_BGP. What it does and the rule
 * among several peers: xtr/detr.h. The host table is one common/lpm of EIDs, each holding
 * the mapping of every peer that announced it; the map-cache holds the chosen one, with the
 * peer and map version for `show map-cache json`. Keys carry the instance ID: a unicast
 * route's mapping is of the xTR's own IID, a VPN route's of the IID its RD names (a tenant
 * the D-ETR serves, or foreign).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/cli.h"
#include "common/log.h"
#include "common/lpm.h"
#include "common/ratelimit.h"
#include "xtr/detr.h"
#include "xtr/underlay.h"
#include "xtr/xtr_int.h"

#define DETR_PEER_MARKS 64

struct detr_src {
	struct ipaddr peer;
	struct bgp_host_mapping m;
	uint64_t seq; /* order of arrival */
};

struct detr_host {
	struct lisp_prefix eid;
	unsigned n;
	struct detr_src src[XTR_DETR_MAX_PEERS];
	uint64_t inst_seq; /* seq of the mapping in the map-cache, 0 = none */
};

struct detr_peer_mark {
	struct ipaddr addr;
	bool gr; /* STALE seen: keep its mappings through PEER_DOWN */
};

struct xtr_detr {
	struct xtr *x;
	struct lpm *hosts;
	/* the instance IDs served when last synced (xtr_detr_instances_sync): the root's, then
	 * the tenants' */
	uint32_t served[XTR_MAX_TENANTS + 1];
	unsigned nserved;
	uint64_t seq;
	struct detr_peer_mark marks[DETR_PEER_MARKS];
	unsigned nmarks;
	/* the speaker */
	struct event_base *base;
	struct cli *cli;	    /* its rows were added there (NULL: none) */
	const struct cli_cmd *rows; /* ... as this table */
	struct bgp *bgp;	    /* NULL: no <bgp> */
	struct bgp_cfg *cfg;	    /* the <bgp> in force (a copy; the speaker has its own) */
	struct bgp *pending;	    /* a reload's new speaker, between prepare and commit */
	/* ... and its copies of the new <bgp>, made by prepare so that commit cannot fail: the
	 * one to keep in force (cfg) and the speaker's own (APPLY: bgp_reconfigure takes it) */
	struct bgp_cfg *pending_cfg, *pending_scfg;
	enum bgp_reload pending_kind; /* what the prepared reload does */
	struct xtr_underlay *ul;      /* underlay announcements (xtr/underlay.h) */
};

/* The instance IDs the core serves now, into d->served. */
static void served_record(struct xtr_detr *d)
{
	const struct xtr_cfg *c = xtr_config(d->x);

	d->nserved = 0;
	d->served[d->nserved++] = c->iid;
	for (unsigned i = 0; i < c->ntenant && i < XTR_MAX_TENANTS; i++)
		d->served[d->nserved++] = c->tenant_iid[i];
}

static bool was_served(const struct xtr_detr *d, uint32_t iid)
{
	for (unsigned i = 0; i < d->nserved; i++)
		if (d->served[i] == iid)
			return true;
	return false;
}

bool xtr_map_version_newer(uint16_t a, uint16_t b)
{
	unsigned d = ((unsigned)a - (unsigned)b) & 0xfffu;
	return d != 0 && d < 2048;
}

struct xtr_detr *xtr_detr_new(struct xtr *x)
{
	struct xtr_detr *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	d->x = x;
	d->hosts = lpm_new();
	if (d->hosts == NULL) {
		free(d);
		return NULL;
	}
	served_record(d);
	x->detr = d;
	return d;
}

static int clear_cb(const struct lisp_prefix *p, void *val, void *arg)
{
	struct xtr_detr *d = arg;
	struct detr_host *h = val;
	struct xtr_entry *c = lpm_exact(d->x->cache, &h->eid);

	if (h->inst_seq && c && c->src == XTR_SRC_BGP) {
		xtr_cache_remove(d->x, &h->eid);
		d->x->st.bgp_withdrawals++;
	}
	lpm_remove(d->hosts, p);
	free(h);
	return 0;
}

void xtr_detr_clear(struct xtr_detr *d)
{
	if (d)
		lpm_walk(d->hosts, clear_cb, d);
}

/* The hosts of instance IDs no longer served, and with another root instance ID those of
 * the old one (its unicast routes are the new root's now; its VPN routes are replayed if it
 * is still served, as a tenant). */
static int unserved_cb(const struct lisp_prefix *p, void *val, void *arg)
{
	struct xtr_detr *d = arg;
	uint32_t root = xtr_config(d->x)->iid;

	if (!xtr_serves_iid(d->x, p->iid) || (d->served[0] != root && p->iid == d->served[0]))
		clear_cb(p, val, arg);
	return 0;
}

/* A route to hear again (the instance ID key_iid gives it is new to this D-ETR). */
static bool replay_want(const struct lisp_prefix *nlri, void *arg)
{
	const struct xtr_detr *d = arg;
	uint32_t root = xtr_config(d->x)->iid;
	bool root_changed = d->served[0] != root;

	if (nlri->iid == 0) /* a unicast route: the root instance's */
		return root_changed;
	return xtr_serves_iid(d->x, nlri->iid) &&
	       (!was_served(d, nlri->iid) || (root_changed && nlri->iid == d->served[0]));
}

void xtr_detr_instances_sync(struct xtr_detr *d)
{
	if (d == NULL)
		return;
	lpm_walk(d->hosts, unserved_cb, d);
	if (d->bgp)
		bgp_replay(d->bgp, replay_want, d);
	served_record(d);
}

void xtr_detr_free(struct xtr_detr *d)
{
	if (d == NULL)
		return;
	xtr_detr_bgp_reload_abort(d);
	xtr_detr_bgp_stop(d);
	xtr_detr_clear(d);
	lpm_free(d->hosts, free);
	xtr_underlay_free(d->ul);
	if (d->x->detr == d)
		d->x->detr = NULL;
	free(d);
}

size_t xtr_detr_count(const struct xtr_detr *d)
{
	return lpm_count(d->hosts);
}

static struct detr_peer_mark *mark_of(struct xtr_detr *d, const struct ipaddr *a, bool add)
{
	for (unsigned i = 0; i < d->nmarks; i++)
		if (ipaddr_eq(&d->marks[i].addr, a))
			return &d->marks[i];
	if (!add || d->nmarks == DETR_PEER_MARKS)
		return NULL;
	struct detr_peer_mark *m = &d->marks[d->nmarks++];
	memset(m, 0, sizeof(*m));
	m->addr = *a;
	return m;
}

static int addr_cmp(const struct ipaddr *a, const struct ipaddr *b)
{
	if (a->afi != b->afi)
		return a->afi < b->afi ? -1 : 1;
	return memcmp(a->a, b->a, sizeof(a->a));
}

/* a is the better choice than b (xtr/detr.h) */
static bool src_better(const struct detr_src *a, const struct detr_src *b)
{
	int c = bgp_mapping_newer(&a->m, &b->m);

	if (c) /* the later registration (docs/bgp-mappings.md "Ordering") */
		return c > 0;
	if (a->m.reg_ms && b->m.reg_ms) /* the same registration: a fixed choice, no flapping */
		return addr_cmp(&a->peer, &b->peer) < 0;
	/* a Map-Server that sends no registration time: its map version (meaningful between
	 * the updates of one Map-Server only), else the one received last */
	if (a->m.version && b->m.version && a->m.version != b->m.version &&
	    (xtr_map_version_newer(a->m.version, b->m.version) ||
	     xtr_map_version_newer(b->m.version, a->m.version)))
		return xtr_map_version_newer(a->m.version, b->m.version);
	return a->seq > b->seq;
}

static int choose(const struct detr_host *h)
{
	int b = -1;

	for (unsigned i = 0; i < h->n; i++)
		if (b < 0 || src_better(&h->src[i], &h->src[b]))
			b = (int)i;
	return b;
}

static void install(struct xtr_detr *d, struct detr_host *h, uint64_t now)
{
	struct xtr *x = d->x;
	int b = choose(h);

	if (b < 0) {
		struct xtr_entry *c = lpm_exact(x->cache, &h->eid);
		if (h->inst_seq && c && c->src == XTR_SRC_BGP) {
			xtr_cache_remove(x, &h->eid);
			x->st.bgp_withdrawals++;
		}
		h->inst_seq = 0;
		return;
	}
	if (h->src[b].seq == h->inst_seq)
		return; /* in use already */
	const struct detr_src *s = &h->src[b];
	struct xtr_loc loc[XTR_MAX_LOC];
	unsigned n = 0;
	memset(loc, 0, sizeof(loc));
	for (unsigned i = 0; i < s->m.n_loc && n < XTR_MAX_LOC; i++) {
		loc[n].addr = s->m.loc[i].rloc;
		loc[n].priority = s->m.loc[i].priority;
		loc[n].weight = s->m.loc[i].weight;
		n++;
	}
	struct xtr_entry *e = xtr_cache_install(x, &h->eid, XTR_SRC_BGP, LISP_ACT_NO_ACTION, true,
						s->m.ttl, loc, n, now);
	if (e == NULL) {
		log_warnx("D-ETR: map-cache refused a BGP mapping");
		h->inst_seq = 0;
		return;
	}
	e->ext->bgp_peer = s->peer; /* a BGP entry always has its side struct */
	e->ext->map_version = s->m.version;
	e->ext->reg_ms = s->m.reg_ms;
	h->inst_seq = s->seq;
	x->st.bgp_installs++;
}

static struct detr_host *host_get(struct xtr_detr *d, const struct lisp_prefix *eid, bool add)
{
	struct detr_host *h = lpm_exact(d->hosts, eid);

	if (h || !add)
		return h;
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return NULL;
	h->eid = *eid;
	if (lpm_insert(d->hosts, eid, h, NULL) == -1) {
		free(h);
		return NULL;
	}
	return h;
}

static int src_find(const struct detr_host *h, const struct ipaddr *peer)
{
	for (unsigned i = 0; i < h->n; i++)
		if (ipaddr_eq(&h->src[i].peer, peer))
			return (int)i;
	return -1;
}

/* Drop peer's mapping of h; h is freed when none is left. */
static void src_remove(struct xtr_detr *d, struct detr_host *h, int i, uint64_t now)
{
	h->src[i] = h->src[--h->n];
	install(d, h, now); /* the next choice, or the entry removed */
	if (h->n == 0) {
		lpm_remove(d->hosts, &h->eid);
		free(h);
	}
}

/* The instance ID a route's mapping belongs to here, or -1 (foreign): `nlri` is the route's
 * prefix (IID 0: unicast; else the IID of its RD), `fn3` what Large Community fn 3 said
 * (unicast routes only). A unicast route is the xTR's own instance (fn 3 absent, 0 or the
 * xTR's IID; another fn 3 is an older sender's tenant encoding: foreign); a VPN route's
 * IID must be one the D-ETR serves. */
static int64_t key_iid(const struct xtr *x, const struct lisp_prefix *nlri, uint32_t fn3)
{
	if (nlri->iid == 0)
		return fn3 == 0 || fn3 == x->cfg.iid ? (int64_t)x->cfg.iid : -1;
	return xtr_serves_iid(x, nlri->iid) ? (int64_t)nlri->iid : -1;
}

static void on_mapping(struct xtr_detr *d, const struct bgp_event *ev, uint64_t now)
{
	struct xtr *x = d->x;
	const struct bgp_host_mapping *m = ev->mapping;
	struct lisp_prefix eid = *ev->eid;
	int64_t iid = key_iid(x, ev->eid, ev->eid->iid ? 0 : m->eid.iid);

	if (iid < 0) {
		x->st.bgp_foreign++;
		return;
	}
	eid.iid = (uint32_t)iid;
	prefix_normalize(&eid);
	struct detr_host *h = host_get(d, &eid, true);
	if (h == NULL)
		return;
	int i = src_find(h, ev->peer_addr);
	if (i < 0) {
		if (h->n == XTR_DETR_MAX_PEERS) {
			log_warnx("D-ETR: more than %d peers announce one EID", XTR_DETR_MAX_PEERS);
			return;
		}
		i = (int)h->n++;
	}
	struct detr_src *s = &h->src[i];
	memset(s, 0, sizeof(*s));
	s->peer = *ev->peer_addr;
	s->m = *m;
	s->m.eid = eid;
	s->seq = ++d->seq;
	if (choose(h) != i)
		x->st.bgp_ignored++; /* another peer's newer version stays in use */
	install(d, h, now);
}

static void on_withdrawn(struct xtr_detr *d, const struct bgp_event *ev, uint64_t now)
{
	struct lisp_prefix eid = *ev->eid;
	int64_t iid = key_iid(d->x, ev->eid, 0);

	if (iid < 0)
		return; /* never stored */
	eid.iid = (uint32_t)iid;
	prefix_normalize(&eid);
	struct detr_host *h = host_get(d, &eid, false);
	if (h == NULL)
		return;
	int i = src_find(h, ev->peer_addr);
	if (i < 0)
		return;
	if (ev->purged)
		d->x->st.bgp_purged++;
	src_remove(d, h, i, now);
}

struct peer_walk {
	struct xtr_detr *d;
	const struct ipaddr *peer;
	uint64_t now;
};

static int peer_cb(const struct lisp_prefix *p, void *val, void *arg)
{
	struct peer_walk *w = arg;
	struct detr_host *h = val;
	int i = src_find(h, w->peer);

	(void)p;
	if (i < 0)
		return 0;
	src_remove(w->d, h, i, w->now);
	return 0;
}

void xtr_detr_event(struct xtr_detr *d, const struct bgp_event *ev, uint64_t now)
{
	char a[IPADDR_STRLEN];
	struct detr_peer_mark *mk;

	switch (ev->kind) {
	case BGP_EV_PEER_UP:
		if ((mk = mark_of(d, ev->peer_addr, false)) != NULL)
			mk->gr = false;
		log_info("D-ETR: BGP peer %s up", ipaddr_str(ev->peer_addr, a, sizeof(a)));
		return;
	case BGP_EV_STALE: {
		/* the peer's mark keeps its mappings until it is back (or its restart ends) */
		if ((mk = mark_of(d, ev->peer_addr, true)) != NULL)
			mk->gr = true;
		d->x->st.bgp_stale++;
		log_info("D-ETR: BGP peer %s: graceful restart, mappings kept",
			 ipaddr_str(ev->peer_addr, a, sizeof(a)));
		return;
	}
	case BGP_EV_PEER_DOWN: {
		mk = mark_of(d, ev->peer_addr, false);
		if (mk && mk->gr)
			return;
		struct peer_walk w = {d, ev->peer_addr, now};
		lpm_walk(d->hosts, peer_cb, &w);
		log_info("D-ETR: BGP peer %s down, its mappings removed",
			 ipaddr_str(ev->peer_addr, a, sizeof(a)));
		return;
	}
	case BGP_EV_MAPPING:
		if (ev->mapping && ev->peer_addr)
			on_mapping(d, ev, now);
		return;
	case BGP_EV_WITHDRAWN:
		if (ev->eid && ev->peer_addr)
			on_withdrawn(d, ev, now);
		return;
	case BGP_EV_EOR:
		log_info("D-ETR: BGP peer %s: initial table complete",
			 ipaddr_str(ev->peer_addr, a, sizeof(a)));
		return;
	}
}

/* Fitness to forward changes with sessions, End-of-RIB and graceful restart only. */
static void underlay_event(struct xtr_detr *d, const struct bgp_event *ev, uint64_t now)
{
	switch (ev->kind) {
	case BGP_EV_PEER_UP:
	case BGP_EV_PEER_DOWN:
	case BGP_EV_STALE:
	case BGP_EV_EOR:
		break;
	case BGP_EV_WITHDRAWN: /* a graceful-restart purge may end the grace */
		if (!ev->purged)
			return;
		break;
	case BGP_EV_MAPPING:
		return;
	}
	if (d->ul)
		xtr_underlay_update(d->ul, d->bgp, ev, now);
}

void xtr_detr_bgp_cb(const struct bgp_event *ev, void *arg)
{
	uint64_t now = now_ns();

	xtr_detr_event(arg, ev, now);
	underlay_event(arg, ev, now);
}

/* ---------------------------------------------------------------- the speaker */

static struct bgp *speaker_start(struct xtr_detr *d, const struct bgp_cfg *c)
{
	struct bgp_cfg *copy = bgp_config_dup(c);
	struct bgp *b;

	if (copy == NULL)
		return NULL;
	b = bgp_new(d->base, copy, xtr_detr_bgp_cb, d);
	if (b == NULL) {
		bgp_config_free(copy);
		return NULL;
	}
	if (bgp_start(b) < 0) {
		bgp_free(b);
		return NULL;
	}
	return b;
}

static void set_speaker(struct xtr_detr *d, struct bgp *b)
{
	d->bgp = b;
	if (d->cli)
		cli_set_table_ctx(d->cli, d->rows, b);
}

int xtr_detr_bgp_start(struct xtr_detr *d, struct event_base *base, struct cli *cli,
		       const struct bgp_cfg *c)
{
	size_t n;

	d->base = base;
	if (d->ul == NULL && (d->ul = xtr_underlay_new(d->x, base)) == NULL)
		return -1;
	if (c != NULL) {
		if ((d->cfg = bgp_config_dup(c)) == NULL || (d->bgp = speaker_start(d, c)) == NULL)
			return -1;
	}
	xtr_underlay_update(d->ul, d->bgp, NULL, now_ns());
	/* added even without <bgp> ("BGP is not running"): a reload may add one */
	d->rows = bgp_cli_commands(&n);
	if (cli != NULL) {
		if (cli_add_commands(cli, d->rows, n, d->bgp) < 0)
			return -1;
		d->cli = cli;
	}
	return 0;
}

int xtr_detr_bgp_reload_prepare(struct xtr_detr *d, const struct bgp_cfg *next)
{
	char why[256];
	enum bgp_reload k = bgp_reload_check(d->cfg, next, why, sizeof(why));

	xtr_detr_bgp_reload_abort(d); /* a step left over: never two */
	if (k == BGP_RELOAD_START && (d->pending = speaker_start(d, next)) == NULL) {
		k = BGP_RELOAD_REFUSED;
		snprintf(why, sizeof(why), "added, but its speaker does not start");
	}
	if (k != BGP_RELOAD_REFUSED && k != BGP_RELOAD_SAME && next != NULL &&
	    ((d->pending_cfg = bgp_config_dup(next)) == NULL ||
	     (k == BGP_RELOAD_APPLY && (d->pending_scfg = bgp_config_dup(next)) == NULL))) {
		k = BGP_RELOAD_REFUSED;
		snprintf(why, sizeof(why), "out of memory");
	}
	if (k == BGP_RELOAD_REFUSED)
		xtr_detr_bgp_reload_abort(d);
	bgp_reload_log(k, why);
	if (k == BGP_RELOAD_REFUSED)
		return -1;
	d->pending_kind = k;
	return 0;
}

void xtr_detr_bgp_reload_commit(struct xtr_detr *d, const struct bgp_cfg *next)
{
	enum bgp_reload k = d->pending_kind;

	(void)next; /* prepare copied it */
	d->pending_kind = BGP_RELOAD_SAME;
	if (k == BGP_RELOAD_SAME)
		return;
	switch (k) {
	case BGP_RELOAD_APPLY:
		/* checked by bgp_reload_check (refused changes never get here): it takes scfg */
		if (bgp_reconfigure(d->bgp, d->pending_scfg) < 0) {
			log_warnx("D-ETR: reload: the speaker refused the new <bgp>");
			xtr_detr_bgp_reload_abort(d); /* the running <bgp> stays */
			return;
		}
		d->pending_scfg = NULL;
		break;
	case BGP_RELOAD_START:
		set_speaker(d, d->pending);
		d->pending = NULL;
		break;
	case BGP_RELOAD_STOP: {
		struct bgp *b = d->bgp;
		set_speaker(d, NULL);
		bgp_free_deconfigured(b); /* the mappings leave through WITHDRAWN events */
		break;
	}
	default:
		break;
	}
	bgp_config_free(d->cfg);
	d->cfg = d->pending_cfg; /* NULL after a STOP */
	d->pending_cfg = NULL;
}

void xtr_detr_underlay_sync(struct xtr_detr *d)
{
	if (d && d->ul)
		xtr_underlay_update(d->ul, d->bgp, NULL, now_ns());
}

unsigned xtr_detr_stopping(struct xtr_detr *d)
{
	if (d == NULL || d->ul == NULL)
		return 0;
	return xtr_underlay_stopping(d->ul, d->bgp);
}

void xtr_detr_show_stats(const struct xtr_detr *d, struct out *o)
{
	if (d->ul)
		xtr_underlay_show(d->ul, d->bgp, o);
}

const struct xtr_underlay *xtr_detr_underlay(const struct xtr_detr *d)
{
	return d->ul;
}

void xtr_detr_set_tun_route(struct xtr_detr *d, int (*fn)(void *arg, const struct lisp_prefix *p),
			    void *arg)
{
	if (d->ul)
		xtr_underlay_set_tun_route(d->ul, fn, arg);
}

void xtr_detr_bgp_reload_abort(struct xtr_detr *d)
{
	if (d == NULL)
		return;
	bgp_free(d->pending);
	d->pending = NULL;
	bgp_config_free(d->pending_cfg);
	bgp_config_free(d->pending_scfg);
	d->pending_cfg = d->pending_scfg = NULL;
	d->pending_kind = BGP_RELOAD_SAME;
}

void xtr_detr_bgp_stop(struct xtr_detr *d)
{
	if (d == NULL)
		return;
	struct bgp *b = d->bgp;
	if (d->ul) /* no more announcements: the speaker goes */
		xtr_underlay_update(d->ul, NULL, NULL, now_ns());
	set_speaker(d, NULL);
	d->cli = NULL; /* the daemon frees its CLI next */
	bgp_free(b);   /* graceful: Cease to every peer, no more events */
	bgp_config_free(d->cfg);
	d->cfg = NULL;
}

struct bgp *xtr_detr_speaker(const struct xtr_detr *d)
{
	return d->bgp;
}
