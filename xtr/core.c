/* SPDX-License-Identifier: ISC */
/*
 * xtr/core.c - the lisp-xtrd core object: creation from a config, the database of local
 * EID mappings (RFC 9301 §8.2: what the ETR registers and answers for; static from the
 * config, dynamic from the site module's host arrivals), reconfiguration, statistics,
 * nonces, the local RLOCs, the EIDs that moved away from us (the ETR re-encapsulates for
 * them for a while), the rate-limited drop log and the timer entry point xtr_tick
 * (registration, map-cache sweep, Map-Request retransmission, RLOC probing, SMRs after a
 * database change), and the instance IDs served (the root's and, in representative mode,
 * the tenants': docs/architecture.md "Tenants") with the PITR's client rules.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/lpm.h"
#include "proto/auth.h"
#include "xtr/xtr_int.h"

uint64_t xtr_nonce(struct xtr *x)
{
	/* splitmix64 over a seeded counter: unpredictable enough, never 0 */
	uint64_t z = (x->nonce_seq += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return z ? z : 1;
}

bool xtr_is_own_rloc(const struct xtr *x, const struct ipaddr *a)
{
	for (unsigned i = 0; i < x->cfg.nrloc; i++)
		if (ipaddr_eq(&x->cfg.rloc[i], a))
			return true;
	return false;
}

uint64_t xtr_wall_ms(const struct xtr *x, uint64_t now)
{
	int64_t ns = (int64_t)now + x->wall_off_ns;
	return ns > 0 ? (uint64_t)ns / 1000000 : 0;
}

void xtr_log_drop(struct xtr *x, enum xtr_drop why, const struct ipaddr *from,
		  const struct ipaddr *to, uint64_t now)
{
	char f[IPADDR_STRLEN], t[IPADDR_STRLEN];
	const char *what;

	/* formatting costs more than the drop: a flood is sampled before it */
	if (!tb_take(&x->drop_log_tb, now))
		return;
	switch (why) {
	case XTR_DROP_ETR_NOT_LOCAL:
		what = "decapsulated, not a local EID: not re-encapsulated";
		break;
	case XTR_DROP_ETR_MOVED_EXPIRED:
		what = "decapsulated, its EID moved away too long ago: not re-encapsulated";
		break;
	case XTR_DROP_SOURCE_LIMITED:
		what = from ? "its source holds its share of the pending table or packet pool"
			    : "held for resolution, given up: its source held more than its share";
		break;
	default:
		what = "dropped";
		break;
	}
	log_input_key(from ? ipaddr_str(from, f, sizeof(f)) : "pending table",
		      "packet for %s: %s (%s)", ipaddr_str(to, t, sizeof(t)), what,
		      xtr_drop_name(why));
}

void xtr_set_host_add(struct xtr *x, void (*fn)(void *arg, const struct ipaddr *eid))
{
	x->host_add = fn;
}

const struct ipaddr *xtr_rloc_for(const struct xtr *x, uint16_t afi)
{
	for (unsigned i = 0; i < x->cfg.nrloc; i++)
		if (x->cfg.rloc[i].afi == afi)
			return &x->cfg.rloc[i];
	return NULL;
}

const struct xtr_cfg *xtr_config(const struct xtr *x)
{
	return &x->cfg;
}

const struct xtr_stats *xtr_get_stats(const struct xtr *x)
{
	if (x->hooks.stats_sync)
		x->hooks.stats_sync(x->hooks.arg); /* hook: the fast path's counters */
	return &x->st;
}

void xtr_set_hooks(struct xtr *x, const struct xtr_hooks *h)
{
	if (h)
		x->hooks = *h;
	else
		memset(&x->hooks, 0, sizeof(x->hooks));
}

void xtr_clear_stats(struct xtr *x)
{
	memset(&x->st, 0, sizeof(x->st));
}

/* ---------------------------------------------------------------- database */

static void db_rebuild_index(struct xtr *x)
{
	struct lpm *l = lpm_new();
	if (l == NULL)
		return;
	for (size_t i = 0; i < x->ndb; i++)
		lpm_insert(l, &x->dbv[i].eid, &x->dbv[i], NULL);
	lpm_free(x->db, NULL);
	x->db = l;
	if (x->hooks.db_changed)
		x->hooks.db_changed(x->hooks.arg); /* hook: the fast path's database */
}

static void db_changed(struct xtr *x, const struct lisp_prefix *eid)
{
	x->db_changed = true;
	if (x->nchanged == x->changed_cap) {
		unsigned cap = x->changed_cap ? x->changed_cap * 2 : 16;
		if (cap > XTR_MAX_DB)
			cap = XTR_MAX_DB;
		if (cap <= x->changed_cap)
			return; /* every database EID is listed already */
		struct lisp_prefix *n = realloc(x->changed, cap * sizeof(*n));
		if (n == NULL)
			return; /* this EID gets no SMR; the registration still goes out */
		x->changed = n;
		x->changed_cap = cap;
	}
	x->changed[x->nchanged++] = *eid;
}

static int db_insert(struct xtr *x, const struct xtr_mapping_cfg *m, bool dynamic)
{
	if (x->ndb >= XTR_MAX_DB)
		return -1;
	struct xtr_db_entry *d = &x->dbv[x->ndb++];
	memset(d, 0, sizeof(*d));
	d->eid = m->eid; /* the root's IID, or a tenant's aggregate with the tenant's */
	prefix_normalize(&d->eid);
	d->ttl = m->ttl ? m->ttl : LISP_TTL_DEFAULT;
	d->dynamic = dynamic;
	d->nloc = m->nloc;
	memcpy(d->loc, m->loc, sizeof(d->loc));
	return 0;
}

int xtr_db_add(struct xtr *x, const struct lisp_prefix *eid, bool dynamic, uint64_t now)
{
	struct xtr_mapping_cfg m;
	struct lisp_prefix p = *eid;

	p.iid = x->cfg.iid;
	prefix_normalize(&p);
	for (size_t i = 0; i < x->ndb; i++)
		if (prefix_eq(&x->dbv[i].eid, &p))
			return 0;
	memset(&m, 0, sizeof(m));
	m.eid = p;
	m.ttl = x->cfg.register_ttl;
	if (db_insert(x, &m, dynamic) == -1)
		return -1;
	db_rebuild_index(x);
	/* a mapping cached for it (it moved back to us) is stale now, and it is ours again */
	xtr_cache_remove(x, &p);
	struct xtr_moved *mv = lpm_remove(x->moved, &p);
	if (mv) {
		mv->used = false;
		x->nmoved--;
	}
	db_changed(x, &p);
	xtr_register_now(x, now);
	return 0;
}

int xtr_db_del(struct xtr *x, const struct lisp_prefix *eid, uint64_t now)
{
	struct lisp_prefix p = *eid;

	p.iid = x->cfg.iid;
	prefix_normalize(&p);
	for (size_t i = 0; i < x->ndb; i++) {
		if (!prefix_eq(&x->dbv[i].eid, &p))
			continue;
		xtr_deregister(x, &x->dbv[i], now);
		x->dbv[i] = x->dbv[--x->ndb];
		db_rebuild_index(x);
		db_changed(x, &p);
		return 0;
	}
	return -1;
}

const struct xtr_db_entry *xtr_db_lookup(const struct xtr *x, uint32_t iid, const struct ipaddr *a)
{
	return lpm_lookup(x->db, iid, a, NULL);
}

size_t xtr_db_count(const struct xtr *x)
{
	return x->ndb;
}

const struct xtr_db_entry *xtr_db_at(const struct xtr *x, size_t i)
{
	return i < x->ndb ? &x->dbv[i] : NULL;
}

/* ---------------------------------------------------------------- moved away */

void xtr_moved_add(struct xtr *x, const struct lisp_prefix *eid, uint32_t ttl_min, uint64_t now)
{
	struct lisp_prefix p = *eid;
	struct xtr_moved *m;
	char ps[PREFIX_STRLEN];

	prefix_normalize(&p);
	m = lpm_exact(x->moved, &p);
	if (m == NULL) {
		struct xtr_moved *oldest = NULL;
		for (size_t i = 0; i < XTR_MOVED_MAX && m == NULL; i++) {
			if (!x->movedv[i].used)
				m = &x->movedv[i];
			else if (oldest == NULL || x->movedv[i].at < oldest->at)
				oldest = &x->movedv[i];
		}
		if (m == NULL) {
			/* XTR_MOVED_MAX moves still remembered: the oldest is forgotten */
			lpm_remove(x->moved, &oldest->eid);
			oldest->used = false;
			x->nmoved--;
			m = oldest;
		}
		if (lpm_insert(x->moved, &p, m, NULL) == -1) {
			log_warnx("EID %s moved away: out of memory, not re-encapsulated",
				  prefix_str(&p, ps, sizeof(ps)));
			return;
		}
		m->used = true;
		x->nmoved++;
	}
	uint64_t keep = (ttl_min < XTR_MOVED_KEEP_S / 60 ? ttl_min : XTR_MOVED_KEEP_S / 60) * 60ULL;
	m->eid = p;
	m->at = now;
	m->forget = now + keep * NSEC_PER_SEC;
}

const struct xtr_moved *xtr_moved_lookup(const struct xtr *x, uint32_t iid, const struct ipaddr *a)
{
	return x->nmoved ? lpm_lookup(x->moved, iid, a, NULL) : NULL;
}

void xtr_moved_sweep(struct xtr *x, uint64_t now)
{
	uint64_t window = (uint64_t)x->cfg.moved_away_s * NSEC_PER_SEC;

	for (size_t i = 0; i < XTR_MOVED_MAX && x->nmoved; i++) {
		struct xtr_moved *m = &x->movedv[i];
		if (!m->used || now < m->forget || now < m->at + window)
			continue;
		lpm_remove(x->moved, &m->eid);
		m->used = false;
		x->nmoved--;
	}
}

void xtr_host_arrived(struct xtr *x, const struct ipaddr *eid, uint64_t now)
{
	struct lisp_prefix p;

	prefix_from_addr(&p, x->cfg.iid, eid);
	if (xtr_db_add(x, &p, true, now) == -1)
		log_warnx("database full: dynamic EID not added");
}

bool xtr_claim_eid(struct xtr *x, const struct lisp_prefix *eid, uint64_t now)
{
	struct ipaddr a = {.afi = eid->afi};
	bool inside = false;
	char p[PREFIX_STRLEN];

	if (x->cfg.mode != XTR_MODE_SITE || !x->cfg.has_site || eid->iid != x->cfg.iid ||
	    eid->plen != afi_max_plen(eid->afi))
		return false;
	memcpy(a.a, eid->a, 16);
	for (unsigned i = 0; i < x->cfg.site.ndynamic && !inside; i++) {
		struct lisp_prefix d = x->cfg.site.dynamic[i];
		d.iid = x->cfg.iid;
		inside = prefix_contains(&d, eid);
	}
	if (!inside || xtr_db_lookup(x, eid->iid, &a) != NULL)
		return false;
	if (xtr_db_add(x, eid, true, now) == -1)
		return false;
	log_info("EID %s is at our RLOC (control plane): local now", prefix_str(eid, p, sizeof(p)));
	x->st.moved_here++;
	if (x->host_add)
		x->host_add(x->io.arg, &a);
	return true;
}

void xtr_host_left(struct xtr *x, const struct ipaddr *eid, uint64_t now)
{
	struct lisp_prefix p;

	prefix_from_addr(&p, x->cfg.iid, eid);
	xtr_db_del(x, &p, now);
}

/* ---------------------------------------------------------------- tenants */

bool xtr_serves_iid(const struct xtr *x, uint32_t iid)
{
	if (iid == x->cfg.iid)
		return true;
	for (unsigned i = 0; i < x->cfg.ntenant; i++)
		if (x->cfg.tenant_iid[i] == iid)
			return true;
	return false;
}

uint32_t xtr_tenant_of(struct xtr *x, const struct ipaddr *src)
{
	if (x->clients == NULL)
		return x->cfg.iid;
	const struct xtr_client_cfg *c = lpm_lookup(x->clients, 0, src, NULL);
	if (c == NULL)
		return x->cfg.iid;
	x->st.tenant_classified++;
	return c->iid;
}

/* The client rules of x->cfg into x->clients (NULL when there are none). -1 ENOMEM. */
static int clients_build(struct xtr *x)
{
	struct lpm *l = NULL;

	if (x->cfg.nclient && (l = lpm_new()) == NULL)
		return -1;
	for (unsigned i = 0; i < x->cfg.nclient; i++)
		if (lpm_insert(l, &x->cfg.client[i].src, &x->cfg.client[i], NULL) == -1) {
			lpm_free(l, NULL);
			return -1;
		}
	lpm_free(x->clients, NULL);
	x->clients = l;
	return 0;
}

/* ---------------------------------------------------------------- object */

static void static_entries(struct xtr *x, const struct xtr_cfg *cfg, uint64_t now)
{
	xtr_cache_clear(x, NULL, XTR_SRC_CONFIG);
	xtr_probe_reset_own(x);
	for (unsigned i = 0; i < cfg->nstatic; i++) {
		const struct xtr_mapping_cfg *m = &cfg->stat[i];
		struct xtr_loc loc[XTR_MAX_LOC];
		struct lisp_prefix p = m->eid;
		p.iid = cfg->iid;
		memset(loc, 0, sizeof(loc));
		for (unsigned j = 0; j < m->nloc; j++) {
			loc[j].addr = m->loc[j].addr;
			loc[j].priority = m->loc[j].priority;
			loc[j].weight = m->loc[j].weight;
		}
		xtr_cache_install(x, &p, XTR_SRC_CONFIG, m->action, true, m->ttl, loc, m->nloc,
				  now);
		xtr_probe_apply_cfg(x, m);
	}
}

static void copy_cfg(struct xtr *x, const struct xtr_cfg *cfg)
{
	x->cfg = *cfg;
	x->cfg.db = NULL;
	x->cfg.stat = NULL;
	x->cfg.bgp = NULL; /* the speaker belongs to the daemon (xtr/main.c) */
	tb_init(&x->mreq_tb, cfg->mreq_rate, cfg->mreq_burst, 0);
}

struct xtr *xtr_new(const struct xtr_cfg *cfg, const struct xtr_io *io, uint64_t now)
{
	struct xtr *x = calloc(1, sizeof(*x));

	if (x == NULL)
		return NULL;
	copy_cfg(x, cfg);
	x->io = *io;
	x->t0 = now / NSEC_PER_SEC * NSEC_PER_SEC; /* second 0 of the map-cache timestamps */
	x->dbv = calloc(XTR_MAX_DB, sizeof(*x->dbv));
	x->scratch = malloc((size_t)XTR_SCRATCH * XTR_SCRATCH_SLOT);
	x->db = lpm_new();
	x->moved = lpm_new();
	x->movedv = calloc(XTR_MOVED_MAX, sizeof(*x->movedv));
	if (x->dbv == NULL || x->scratch == NULL || x->db == NULL || x->moved == NULL ||
	    x->movedv == NULL || clients_build(x) == -1 || xtr_cache_init(x) == -1 ||
	    xtr_register_init(x) == -1) {
		xtr_free(x);
		return NULL;
	}
	tb_init(&x->mreq_tb, cfg->mreq_rate, cfg->mreq_burst, now);
	x->nonce_seq = now ^ ((uint64_t)time(NULL) << 32) ^ (uint64_t)(uintptr_t)x;
	x->flow_seed = (uint32_t)xtr_nonce(x);
	x->src_seed = xtr_nonce(x);
	tb_init(&x->drop_log_tb, 5, 10, now);
	{
		/* Both clocks read together, in ns: `now` was taken by the caller before this
		 * object's allocations (which take milliseconds), so it cannot be paired with a
		 * wall-clock reading taken here (changedUnixMs read 2-6 ms late). */
		struct timespec rt, mono;
		clock_gettime(CLOCK_MONOTONIC, &mono);
		clock_gettime(CLOCK_REALTIME, &rt);
		x->wall_off_ns = ((int64_t)rt.tv_sec - (int64_t)mono.tv_sec) * 1000000000 +
				 ((int64_t)rt.tv_nsec - (int64_t)mono.tv_nsec);
	}
	/* Map-Register nonces increase across restarts too: start from the wall clock */
	x->reg_nonce = (uint64_t)time(NULL) << 24;
	for (unsigned i = 0; i < cfg->ndb; i++)
		db_insert(x, &cfg->db[i], false);
	db_rebuild_index(x);
	static_entries(x, cfg, now);
	for (unsigned i = 0; i < x->nms; i++)
		x->ms[i].next = now;
	return x;
}

void xtr_free(struct xtr *x)
{
	if (x == NULL)
		return;
	xtr_register_fini(x);
	xtr_req_fini(x);
	xtr_cache_fini(x);
	lpm_free(x->db, NULL);
	lpm_free(x->moved, NULL);
	lpm_free(x->clients, NULL);
	free(x->dbv);
	free(x->movedv);
	free(x->changed);
	free(x->scratch);
	free(x->segbuf);
	free(x);
}

int xtr_reconfigure(struct xtr *x, const struct xtr_cfg *cfg, uint64_t now)
{
	struct xtr_ms oldms[XTR_MAX_MS];
	unsigned noldms = x->nms;

	memcpy(oldms, x->ms, sizeof(oldms));
	x->nms = 0;
	struct xtr_cfg save = x->cfg;
	copy_cfg(x, cfg);
	if (xtr_register_init(x) == -1 || clients_build(x) == -1) {
		xtr_register_fini(x);
		x->cfg = save; /* x->clients (old, or not replaced) points into it again */
		memcpy(x->ms, oldms, sizeof(oldms));
		x->nms = noldms;
		return -1;
	}
	for (unsigned i = 0; i < noldms; i++)
		lisp_key_free(oldms[i].key);
	/* configured database replaced; dynamic EIDs kept */
	size_t n = 0;
	for (size_t i = 0; i < x->ndb; i++)
		if (x->dbv[i].dynamic)
			x->dbv[n++] = x->dbv[i];
	x->ndb = n;
	for (unsigned i = 0; i < cfg->ndb; i++)
		db_insert(x, &cfg->db[i], false);
	db_rebuild_index(x);
	static_entries(x, cfg, now);
	for (unsigned i = 0; i < x->nms; i++)
		x->ms[i].next = now;
	return 0;
}

void xtr_tick(struct xtr *x, uint64_t now)
{
	if (now >= x->next_sweep) {
		xtr_cache_sweep(x, now);
		xtr_req_sweep(x, now);
		xtr_moved_sweep(x, now);
		x->next_sweep = now + NSEC_PER_SEC;
	}
	if (x->db_changed) {
		/* RFC 9301 §6.1: SMR the ITRs that talked to us about the changed EIDs */
		for (unsigned i = 0; i < x->nchanged && x->cfg.smr; i++)
			xtr_send_smrs(x, &x->changed[i], now);
		x->nchanged = 0;
		x->db_changed = false;
	}
	xtr_register_tick(x, now);
	xtr_control_tick(x, now);
	xtr_flush(x);
}
