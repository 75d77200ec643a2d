/* SPDX-License-Identifier: ISC */
/*
 * bgp/in.c - what the speaker does with received routes: applies UPDATEs to the
 * peer's Adj-RIB-In (RFC 4271 §9, RFC 7911 path IDs, RFC 4760 MP_REACH/MP_UNREACH) with the
 * RFC 7606 outcome the codec decided (§2 treat-as-withdraw, attribute discard; session
 * reset is handled by the FSM), reassembles the host mapping of each touched prefix
 * (proto/bgp_mapping.h) for the embedding daemon, and is the graceful restart helper
 * (RFC 4724 §4.2: stale on session loss, restart timer, End-of-RIB, purge). VPN routes
 * (RFC 4364, RFC 4659) are keyed by the instance ID their RD names; one whose RD names none
 * is not a mapping: ignored and counted (vpn_no_iid).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "bgp/bgp_int.h"
#include "common/log.h"

struct touched {
	struct lisp_prefix *v;
	size_t n, cap;
};

static void touch(struct bgp_peer *p, struct touched *t, const struct lisp_prefix *pfx)
{
	struct bgp_rib_entry *e = bgp_rib_find(&p->rib_in, pfx);

	if (e) {
		if (e->mark)
			return;
		e->mark = true;
	}
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 64;
		struct lisp_prefix *nv = realloc(t->v, nc * sizeof(*nv));
		if (nv == NULL)
			return;
		t->v = nv;
		t->cap = nc;
	}
	t->v[t->n++] = *pfx;
}

/* Tell the daemon what the prefix maps to now. */
static void report(struct bgp_peer *p, const struct lisp_prefix *pfx, bool purged)
{
	struct bgp_rib_entry *e = bgp_rib_find(&p->rib_in, pfx);
	struct bgp_host_mapping m;
	bool stale = false;

	if (e)
		e->mark = false;
	if (e && bgp_rib_mapping(e, &m, &stale) > 0)
		bgp_emit(p, BGP_EV_MAPPING, pfx, &m, stale, false);
	else
		bgp_emit(p, BGP_EV_WITHDRAWN, pfx, NULL, false, purged);
}

/* A VPN route whose RD names no instance ID is no mapping of ours (bgp_rd_iid). */
static bool no_iid(struct bgp_peer *p, const struct bgp_route *r)
{
	char rd[48];

	if (!r->vpn || r->prefix.iid != 0)
		return false;
	p->vpn_no_iid++;
	bgp_rd_str(r->rd, rd, sizeof(rd));
	log_input_key(p->name, "bgp %s: VPN route with RD %s: no instance ID, ignored", p->name,
		      rd);
	return true;
}

static void withdraw_list(struct bgp_peer *p, const struct bgp_nlri_list *l, struct touched *t)
{
	struct bgp_nlri_iter it;
	struct bgp_route r;

	if (l->count == 0)
		return;
	bgp_nlri_iter_init(&it, l);
	while (bgp_nlri_next(&it, &r) == 1) {
		if (no_iid(p, &r))
			continue;
		touch(p, t, &r.prefix);
		bgp_rib_withdraw(&p->rib_in, &r.prefix, r.path_id);
	}
}

static void path_from_attrs(struct bgp_rib_path *rp, const struct bgp_route *r,
			    const struct bgp_attrs *a)
{
	struct proto_err e;

	memset(rp, 0, sizeof(*rp));
	rp->path_id = r->path_id;
	rp->origin = a->origin;
	rp->has_lp = bgp_attr_has(a, BGP_ATTR_LOCAL_PREF);
	rp->local_pref = a->local_pref;
	rp->aspath_len = (uint16_t)bgp_aspath_length(a);
	if (bgp_attr_has(a, BGP_ATTR_ORIGINATOR_ID))
		rp->originator = a->originator_id ? a->originator_id : 1;
	rp->vpn = r->vpn;
	rp->rd = r->rd;
	rp->label = r->label;
	bgp_route_next_hop(r, a, &rp->nh); /* the rule of bgp_mapping_decode_path */
	size_t n = bgp_attrs_n_large_comms(a);
	for (size_t i = 0; i < n && i < BGP_RIB_LC_MAX; i++)
		rp->lc[rp->n_lc++] = bgp_attrs_large_comm(a, i);
	rp->map_ok = bgp_mapping_decode_path(r, a, 0, &rp->map, &e) == 0;
}

/* RFC 4271 §6.3, RFC 7606 §7.3: a next hop that cannot be an RLOC makes the route a
 * withdrawal (never installed, counted, logged rate-limited): unusable addresses
 * (bgp_rloc_unusable), our own end of the session, and on a reflected route (ORIGINATOR_ID
 * or CLUSTER_LIST present, RFC 4456) the reflector's own address - a reflector that set
 * next-hop-self, so the RLOC is lost. */
static bool nexthop_rejected(struct bgp_peer *p, const struct bgp_route *r,
			     const struct bgp_rib_path *rp, const struct bgp_attrs *a)
{
	const struct ipaddr *nh = rp->map_ok ? &rp->map.loc.rloc : &rp->nh;
	const char *why;
	char ns[IPADDR_STRLEN], ps[PREFIX_STRLEN];

	if (nh->afi == LISP_AFI_NONE)
		return false; /* no next hop at all: map_ok is false, the path is never used */
	if ((why = bgp_rloc_unusable(nh)) == NULL) {
		if (p->local_addr.afi && ipaddr_eq(nh, &p->local_addr))
			why = "our own address";
		else if ((bgp_attr_has(a, BGP_ATTR_ORIGINATOR_ID) ||
			  bgp_attr_has(a, BGP_ATTR_CLUSTER_LIST)) &&
			 ipaddr_eq(nh, &p->cfg.addr))
			why = "the reflector's own address (next-hop-self on a reflected route)";
		else
			return false;
	}
	p->nh_rejected++;
	log_input_key(p->name, "bgp %s: %s next hop %s is %s: treated as withdraw", p->name,
		      prefix_str(&r->prefix, ps, sizeof(ps)), ipaddr_str(nh, ns, sizeof(ns)), why);
	return true;
}

static void announce_list(struct bgp_peer *p, const struct bgp_nlri_list *l,
			  const struct bgp_attrs *a, bool withdraw, struct touched *t)
{
	struct bgp_nlri_iter it;
	struct bgp_route r;
	struct bgp_rib_path rp;

	if (l->count == 0)
		return;
	bgp_nlri_iter_init(&it, l);
	while (bgp_nlri_next(&it, &r) == 1) {
		if (no_iid(p, &r))
			continue;
		touch(p, t, &r.prefix);
		if (withdraw) {
			bgp_rib_withdraw(&p->rib_in, &r.prefix, r.path_id);
			continue;
		}
		path_from_attrs(&rp, &r, a);
		if (nexthop_rejected(p, &r, &rp, a)) {
			bgp_rib_withdraw(&p->rib_in, &r.prefix, r.path_id);
			continue;
		}
		if (bgp_rib_update(&p->rib_in, &r.prefix, &rp) < 0)
			log_warnx("bgp %s: Adj-RIB-In: out of memory", p->name);
	}
}

void bgp_in_eor_done(struct bgp_peer *p)
{
	if (p->eor_done)
		return;
	p->eor_done = true;
	bgp_timer_set(p, p->t_eor_wait, 0);
	bgp_emit(p, BGP_EV_EOR, NULL, NULL, false, false);
}

/* What an underlay peer (an edge router) sends is not a mapping: counted, dropped, never
 * kept (it may be a full table). */
static void underlay_ignore(struct bgp_peer *p, const struct bgp_update *u)
{
	size_t n = u->nlri.count + u->attrs.mp_reach.count;

	if (n == 0)
		return;
	p->underlay_ignored += n;
	log_input_key(p->name, "bgp %s: %zu route(s) from an underlay peer ignored", p->name, n);
}

void bgp_in_update(struct bgp_peer *p, const struct bgp_update *u)
{
	struct touched t = {0};
	uint16_t afi;
	uint8_t safi;

	if (bgp_update_is_eor(u, &afi, &safi)) {
		int aid = bgp_aid(afi, safi);
		log_info("bgp %s: End-of-RIB for AFI %u", p->name, afi);
		if (p->cfg.role != BGP_ROLE_MAPPING)
			return;
		if (aid >= 0 && (p->stale_afs & BGP_AID_BIT(aid)))
			bgp_in_purge(p, (uint8_t)BGP_AID_BIT(aid), "End-of-RIB");
		if (aid >= 0)
			p->eor_rcvd |= (uint8_t)BGP_AID_BIT(aid);
		if ((p->eor_rcvd & p->opts.mp) == p->opts.mp)
			bgp_in_eor_done(p);
		return;
	}
	if (p->cfg.role != BGP_ROLE_MAPPING) {
		underlay_ignore(p, u);
		return;
	}
	bool taw = u->action == BGP_ACT_TREAT_AS_WITHDRAW;
	if (taw) {
		p->withdraw_7606++;
		log_input_key(p->name, "bgp %s: UPDATE treated as withdraw: %s", p->name,
			      u->reason ? u->reason : "?");
	} else if (u->action == BGP_ACT_ATTR_DISCARD) {
		p->discard_7606++;
		log_input_key(p->name, "bgp %s: attribute %u discarded: %s", p->name, u->bad_attr,
			      u->reason ? u->reason : "?");
	}
	withdraw_list(p, &u->withdrawn, &t);
	withdraw_list(p, &u->attrs.mp_unreach, &t);
	/* IPv4 NLRI field needs NEXT_HOP (RFC 4271 §5.1.3); the codec flags its absence */
	announce_list(p, &u->nlri, &u->attrs, taw, &t);
	announce_list(p, &u->attrs.mp_reach, &u->attrs, taw, &t);
	for (size_t i = 0; i < t.n; i++)
		report(p, &t.v[i], false);
	free(t.v);
}

static void purged_prefix(const struct lisp_prefix *pfx, void *arg)
{
	report(arg, pfx, true);
}

void bgp_in_purge(struct bgp_peer *p, uint8_t aid_mask, const char *why)
{
	size_t n = bgp_rib_purge_stale(&p->rib_in, aid_mask, purged_prefix, p);

	p->stale_afs &= (uint8_t)~aid_mask;
	if (p->stale_afs == 0) {
		bgp_timer_set(p, p->t_gr_stale, 0);
		bgp_timer_set(p, p->t_gr_restart, 0);
	}
	log_info("bgp %s: %zu stale paths purged (%s)", p->name, n, why);
}

static void flush_entry(struct bgp_rib_entry *e, void *arg)
{
	struct touched *t = arg;

	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 64;
		struct lisp_prefix *nv = realloc(t->v, nc * sizeof(*nv));
		if (nv == NULL)
			return;
		t->v = nv;
		t->cap = nc;
	}
	t->v[t->n++] = e->prefix;
}

void bgp_in_flush(struct bgp_peer *p)
{
	struct touched t = {0};

	bgp_rib_walk(&p->rib_in, flush_entry, &t);
	bgp_rib_free(&p->rib_in);
	bgp_rib_init(&p->rib_in);
	for (size_t i = 0; i < t.n; i++)
		bgp_emit(p, BGP_EV_WITHDRAWN, &t.v[i], NULL, false, false);
	free(t.v);
	p->stale_afs = 0;
	bgp_timer_set(p, p->t_gr_stale, 0);
	bgp_timer_set(p, p->t_gr_restart, 0);
}

struct replay_ctx {
	struct bgp_peer *p;
	bool (*want)(const struct lisp_prefix *pfx, void *arg);
	void *arg;
	struct touched t;
};

static void replay_entry(struct bgp_rib_entry *e, void *arg)
{
	struct replay_ctx *c = arg;

	if (c->want(&e->prefix, c->arg))
		flush_entry(e, &c->t);
}

void bgp_replay(struct bgp *b, bool (*want)(const struct lisp_prefix *p, void *arg), void *arg)
{
	for (struct bgp_peer *p = b ? b->peers : NULL; p; p = p->next) {
		struct replay_ctx c = {p, want, arg, {0}};
		/* the prefixes first: the callback may not change the table being walked */
		bgp_rib_walk(&p->rib_in, replay_entry, &c);
		for (size_t i = 0; i < c.t.n; i++)
			report(p, &c.t.v[i], false);
		free(c.t.v);
	}
}

void bgp_in_session_down(struct bgp_peer *p, bool graceful)
{
	uint8_t afs = p->peer_gr_afs;

	if (!graceful || !p->peer_gr || p->peer_gr_time == 0 || afs == 0) {
		bgp_in_flush(p);
		return;
	}
	/* RFC 4724 §4.2: keep the routes of the GR families as stale, drop the others */
	size_t n = bgp_rib_mark_stale(&p->rib_in, 0xff);
	n -= bgp_rib_purge_stale(&p->rib_in, (uint8_t)~afs, purged_prefix, p);
	p->stale_afs = afs;
	log_info("bgp %s: graceful restart: %zu paths kept as stale for %u s", p->name, n,
		 p->peer_gr_time);
	bgp_emit(p, BGP_EV_STALE, NULL, NULL, true, false);
	bgp_timer_set(p, p->t_gr_stale, 0);
	bgp_timer_set(p, p->t_gr_restart, p->peer_gr_time);
}

void bgp_in_session_up(struct bgp_peer *p)
{
	bgp_timer_set(p, p->t_gr_restart, 0);
	if (p->stale_afs == 0)
		return;
	/* RFC 4724 §4.2: families without GR or without the F bit in the new OPEN lose
	 * their stale routes now; the others wait for End-of-RIB */
	uint8_t keep = p->peer_gr ? (uint8_t)(p->peer_gr_fwd & p->opts.mp) : 0;
	uint8_t drop = p->stale_afs & (uint8_t)~keep;
	if (drop)
		bgp_in_purge(p, drop, "no forwarding state after restart");
	if (p->stale_afs)
		bgp_timer_set(p, p->t_gr_stale, p->cfg.stale_time);
}
