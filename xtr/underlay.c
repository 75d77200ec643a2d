/* SPDX-License-Identifier: ISC */
/*
 * xtr/underlay.c - a redundant D-ETR's underlay announcements: the <announce> element, the
 * "fit to forward" rule and the routes given to the speaker's underlay peers (the rule and
 * what is announced: xtr/underlay.h; the routes on the wire: bgp/underlay.c). Graceful
 * restart (RFC 4724 §4.2) decides how long mappings outlive their session, and so how long a
 * D-ETR that lost every mapping session stays fit.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "bgp/bgp.h"
#include "common/conf.h"
#include "common/log.h"
#include "common/out.h"
#include "xtr/underlay.h"
#include "xtr/xtr_int.h"

struct xtr_underlay {
	struct xtr *x;
	struct event *t_grace;
	struct bgp *on;	    /* the speaker the routes are announced on */
	struct bgp *last_b; /* the speaker of the last update (the timer's) */
	unsigned nann;	    /* routes announced on `on` */
	struct lisp_prefix ann[XTR_UL_MAX];
	bool fit;
	bool ever_complete;   /* a complete initial table was received on this speaker */
	bool stopping;	      /* SIGTERM */
	uint64_t grace_until; /* monotonic ns: fit without a complete mapping session until */
	const char *reason;
	char why[96];
	uint64_t since_unix_ms; /* the last change of `fit` */
	xtr_tun_route_fn *tun_route;
	void *tun_route_arg;
};

void xtr_underlay_set_tun_route(struct xtr_underlay *u, xtr_tun_route_fn *fn, void *arg)
{
	u->tun_route = fn;
	u->tun_route_arg = arg;
}

/* ---------------------------------------------------------------- <announce> */

void xtr_announce_defaults(struct xtr_cfg *c)
{
	c->announce.given = false;
	c->announce.rlocs = true;
	c->announce.aggregates = true;
	c->announce.withdraw_wait_ms = XTR_UL_WITHDRAW_WAIT_MS;
}

static bool has_underlay_peer(const struct xtr_cfg *c)
{
	for (size_t i = 0; c->bgp && i < c->bgp->n_peers; i++)
		if (c->bgp->peers[i].role == BGP_ROLE_UNDERLAY)
			return true;
	return false;
}

int xtr_announce_parse(struct _xmlNode *root, struct xtr_cfg *c)
{
	struct _xmlNode *n = cfg_child(root, "announce");
	int bad = 0;

	xtr_announce_defaults(c);
	if (n == NULL)
		return 0;
	c->announce.given = true;
	if (c->mode != XTR_MODE_REPRESENTATIVE)
		return cfg_error(n, "<announce> needs mode=\"representative\"");
	if (c->bgp != NULL && !has_underlay_peer(c))
		bad |= cfg_error(n, "<announce> needs a <bgp> <peer role=\"underlay\"> (an edge "
				    "router to announce to)") < 0;
	bad |= cfg_get_bool(n, "@rlocs", &c->announce.rlocs) < 0;
	bad |= cfg_get_bool(n, "@aggregates", &c->announce.aggregates) < 0;
	bad |= cfg_get_u32(n, "@withdraw-wait-ms", 0, 60000, &c->announce.withdraw_wait_ms) < 0;
	return bad ? -1 : 0;
}

void xtr_announce_print(const struct xtr_cfg *c, FILE *out)
{
	if (!c->announce.given && !has_underlay_peer(c))
		return;
	fprintf(out, "  <announce rlocs=\"%s\" aggregates=\"%s\" withdraw-wait-ms=\"%u\"/>\n",
		c->announce.rlocs ? "true" : "false", c->announce.aggregates ? "true" : "false",
		c->announce.withdraw_wait_ms);
}

/* ---------------------------------------------------------------- fitness */

static void grace_cb(evutil_socket_t fd, short what, void *arg)
{
	struct xtr_underlay *u = arg;

	(void)fd;
	(void)what;
	xtr_underlay_update(u, u->last_b, NULL, now_ns());
}

struct xtr_underlay *xtr_underlay_new(struct xtr *x, struct event_base *base)
{
	struct xtr_underlay *u = calloc(1, sizeof(*u));

	if (u == NULL)
		return NULL;
	u->x = x;
	u->reason = "initial table not complete";
	if (base != NULL && (u->t_grace = evtimer_new(base, grace_cb, u)) == NULL) {
		free(u);
		return NULL;
	}
	return u;
}

void xtr_underlay_free(struct xtr_underlay *u)
{
	if (u == NULL)
		return;
	if (u->t_grace)
		event_free(u->t_grace);
	free(u);
}

static bool pfx_in(const struct lisp_prefix *v, unsigned n, const struct lisp_prefix *p);

static unsigned add_host(struct lisp_prefix *v, unsigned n, const struct ipaddr *a)
{
	struct lisp_prefix p;

	memset(&p, 0, sizeof(p));
	p.afi = a->afi;
	p.plen = (uint8_t)afi_max_plen(a->afi);
	memcpy(p.a, a->a, sizeof(p.a));
	if (n < XTR_UL_MAX && !pfx_in(v, n, &p))
		v[n++] = p;
	return n;
}

/* The routes a fit D-ETR announces (xtr/underlay.h): the RLOCs its aggregates are registered
 * with (their <locator>s; every <rloc> for an aggregate without), then the aggregates. */
static unsigned wanted(const struct xtr_underlay *u, struct lisp_prefix *v)
{
	const struct xtr_cfg *c = xtr_config(u->x);
	unsigned n = 0;

	for (size_t i = 0; c->announce.rlocs && i < xtr_db_count(u->x); i++) {
		const struct xtr_db_entry *d = xtr_db_at(u->x, i);
		if (d->eid.iid != c->iid || d->dynamic)
			continue;
		if (d->nloc == 0)
			for (unsigned k = 0; k < c->nrloc; k++)
				if (xtr_cfg_rloc_registered(c, k))
					n = add_host(v, n, &c->rloc[k]);
		for (unsigned k = 0; k < d->nloc && k < XTR_MAX_LOC; k++)
			if (d->loc[k].priority != 255)
				n = add_host(v, n, &d->loc[k].addr);
	}
	if (c->announce.aggregates) {
		for (size_t i = 0; i < xtr_db_count(u->x) && n < XTR_UL_MAX; i++) {
			const struct xtr_db_entry *d = xtr_db_at(u->x, i);
			if (d->eid.iid != c->iid || d->dynamic)
				continue; /* a tenant's: not into the one underlay table */
			struct lisp_prefix p = d->eid;
			p.iid = 0;
			if (!pfx_in(v, n, &p))
				v[n++] = p;
		}
	}
	return n;
}

static bool pfx_in(const struct lisp_prefix *v, unsigned n, const struct lisp_prefix *p)
{
	for (unsigned i = 0; i < n; i++)
		if (prefix_eq(&v[i], p))
			return true;
	return false;
}

static bool underlay_configured(struct bgp *b)
{
	unsigned up, configured;

	bgp_underlay_sessions(b, &up, &configured);
	return configured > 0;
}

/* fit? (xtr/underlay.h); sets u->reason */
static bool evaluate(struct xtr_underlay *u, struct bgp *b, uint64_t now)
{
	unsigned mapping = 0, complete = 0;

	if (u->stopping) {
		u->reason = "stopping";
		return false;
	}
	if (b == NULL) {
		u->reason = "no BGP speaker";
		return false;
	}
	for (const struct bgp_peer *p = bgp_peer_next(b, NULL); p; p = bgp_peer_next(b, p)) {
		if (bgp_peer_role(p) != BGP_ROLE_MAPPING)
			continue;
		mapping++;
		if (bgp_peer_initial_done(p))
			complete++;
	}
	if (complete > 0) {
		u->ever_complete = true;
		u->grace_until = 0;
		snprintf(u->why, sizeof(u->why),
			 "initial table complete from %u of %u mapping peer(s)", complete, mapping);
		u->reason = u->why;
		return true;
	}
	if (!u->ever_complete) {
		u->reason = mapping
				? "initial table not complete (no End-of-RIB from a mapping peer)"
				: "no mapping peer";
		return false;
	}
	if (u->grace_until > now) {
		snprintf(
		    u->why, sizeof(u->why),
		    "no complete mapping session; mappings kept by graceful restart for %llu s",
		    (unsigned long long)((u->grace_until - now + 999999999ull) / 1000000000ull));
		u->reason = u->why;
		return true;
	}
	u->reason = "no complete mapping session (graceful restart time over, or none)";
	return false;
}

static uint64_t unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void xtr_underlay_update(struct xtr_underlay *u, struct bgp *b, const struct bgp_event *ev,
			 uint64_t now)
{
	struct lisp_prefix want[XTR_UL_MAX];
	unsigned nw = 0, before = u->nann;

	if (u->on != b) { /* another speaker (a reload started or stopped one): it has nothing */
		u->on = b;
		u->nann = 0;
		before = 0;
		u->ever_complete = false;
		u->grace_until = 0;
	}
	u->last_b = b;
	/* a mapping peer lost gracefully: its mappings stay for its restart time */
	if (ev && ev->kind == BGP_EV_STALE && ev->peer &&
	    bgp_peer_role(ev->peer) == BGP_ROLE_MAPPING) {
		uint64_t until = now + (uint64_t)bgp_peer_restart_time(ev->peer) * 1000000000ull;
		if (until > u->grace_until)
			u->grace_until = until;
	}
	bool fit = evaluate(u, b, now);
	if (fit != u->fit) {
		u->fit = fit;
		u->since_unix_ms = unix_ms();
		log_info("D-ETR: %s to forward: %s", fit ? "fit" : "not fit", u->reason);
	}
	if (u->t_grace) {
		evtimer_del(u->t_grace);
		if (fit && u->grace_until > now) {
			uint64_t d = u->grace_until - now;
			struct timeval tv = {(time_t)(d / 1000000000ull),
					     (suseconds_t)(d % 1000000000ull / 1000)};
			evtimer_add(u->t_grace, &tv);
		}
	}
	if (b == NULL)
		return;
	if (fit && underlay_configured(b))
		nw = wanted(u, want);
	unsigned k = 0;
	for (unsigned i = 0; i < u->nann; i++) {
		if (pfx_in(want, nw, &u->ann[i])) {
			u->ann[k++] = u->ann[i];
			continue;
		}
		bgp_underlay_withdraw(b, &u->ann[i]);
	}
	u->nann = k;
	for (unsigned i = 0; i < nw; i++) {
		if (pfx_in(u->ann, u->nann, &want[i]))
			continue;
		/* an aggregate (not an RLOC's host route): into the TUN first (the PITR path) */
		if (u->tun_route && want[i].plen < afi_max_plen(want[i].afi))
			u->tun_route(u->tun_route_arg, &want[i]);
		if (bgp_underlay_announce(b, &want[i]) == 0 && u->nann < XTR_UL_MAX)
			u->ann[u->nann++] = want[i];
	}
	if (before == 0 && u->nann > 0) {
		u->x->st.ul_announce++;
		log_info("D-ETR: %u route(s) announced to the underlay", u->nann);
	} else if (before > 0 && u->nann == 0) {
		u->x->st.ul_withdraw++;
		log_info("D-ETR: the underlay routes withdrawn (%s)", u->reason);
	}
}

unsigned xtr_underlay_stopping(struct xtr_underlay *u, struct bgp *b)
{
	bool had = u->nann > 0 && u->on == b;

	u->stopping = true;
	xtr_underlay_update(u, b, NULL, now_ns());
	if (!had || b == NULL)
		return 0;
	bgp_flush(b); /* the withdrawal leaves now, not at the end of the turn */
	return xtr_config(u->x)->announce.withdraw_wait_ms;
}

bool xtr_underlay_announced(const struct xtr_underlay *u)
{
	return u->nann > 0;
}

bool xtr_underlay_fit(const struct xtr_underlay *u)
{
	return u->fit;
}

unsigned xtr_underlay_routes(const struct xtr_underlay *u)
{
	return u->nann;
}

void xtr_underlay_show(const struct xtr_underlay *u, struct bgp *b, struct out *o)
{
	unsigned up, configured;

	bgp_underlay_sessions(b, &up, &configured);
	out_begin_object(o, "underlay");
	out_bool(o, "fit", u->fit);
	out_str(o, "reason", u->reason);
	out_bool(o, "announced", u->nann > 0);
	out_uint(o, "routes", u->nann);
	out_uint(o, "sessionsUp", up);
	out_uint(o, "sessions", configured);
	out_uint(o, "announcements", u->x->st.ul_announce);
	out_uint(o, "withdrawals", u->x->st.ul_withdraw);
	if (u->since_unix_ms)
		out_uint(o, "sinceUnixMs", u->since_unix_ms);
	out_end(o);
}
