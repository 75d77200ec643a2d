/* SPDX-License-Identifier: ISC */
/*
 * bgp/underlay.c - underlay routes: what a D-ETR announces to the operator's edge routers
 * (peers with role="underlay", bgp/bgp.h): its anycast RLOC and its aggregates, as plain
 * unicast routes (proto/bgp_mapping.h bgp_plain_encode_path) with the address of our end of
 * the session as next hop (RFC 4271 §5.1.3 "next hop self"). The speaker keeps them in a
 * table of their own (bgp->utable), apart from the mappings: an underlay peer's
 * Adj-RIB-Out (RFC 4271 §3.2) holds these routes and nothing else, a mapping peer never
 * gets one. The tables are tiny (a few prefixes), so a change resyncs every underlay peer
 * completely at the end of the loop turn; withdrawals and announcements of one flush share
 * as few UPDATEs as fit.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "bgp/bgp_int.h"
#include "common/log.h"

#define UL_MAX 64 /* prefixes per UPDATE batch (the table is a handful) */

struct ul_batch {
	struct bgp_route v[UL_MAX];
	size_t n;
};

struct ul_sync {
	struct bgp_peer *p;
	struct ul_batch ann[2]; /* IPv4, IPv6 */
	struct ul_batch wd[2];
};

static int afi_idx(const struct lisp_prefix *pfx)
{
	return pfx->afi == LISP_AFI_IPV4 ? 0 : 1;
}

static void ul_send(struct bgp_peer *p, struct ul_batch *ann, struct ul_batch *wd)
{
	uint8_t msg[BGP_MAX_LEN];
	struct buf w;
	struct proto_err e;
	size_t fitted;

	for (int k = 0; k < 2; k++) {
		uint16_t afi = k == 0 ? BGP_AFI_IPV4 : BGP_AFI_IPV6;
		for (size_t off = 0; off < wd[k].n; off += fitted) {
			buf_init_write(&w, msg, sizeof(msg));
			if (bgp_build_withdraw(&w, &p->opts, afi, wd[k].v + off, wd[k].n - off, 0,
					       &fitted, &e) < 0 ||
			    fitted == 0) {
				log_warnx("bgp %s: cannot build withdraw: %s", p->name, e.reason);
				break;
			}
			if (bgp_send_raw(p, msg, w.len) == 0)
				p->updates_out++;
		}
		if (ann[k].n == 0)
			continue;
		struct bgp_map_path path;
		if (bgp_plain_encode_path(&ann[k].v[0].prefix, &p->local_addr,
					  p->bgp->cfg->local_as, !p->opts.ibgp, &p->opts, &path,
					  &e) < 0) {
			log_warnx("bgp %s: cannot encode an underlay route: %s", p->name, e.reason);
			continue;
		}
		for (size_t off = 0; off < ann[k].n; off += fitted) {
			buf_init_write(&w, msg, sizeof(msg));
			if (bgp_build_update(&w, &p->opts, &path.attrs, afi, ann[k].v + off,
					     ann[k].n - off, 0, &fitted, &e) < 0) {
				log_warnx("bgp %s: cannot build UPDATE: %s", p->name, e.reason);
				break;
			}
			if (bgp_send_raw(p, msg, w.len) == 0)
				p->updates_out++;
		}
	}
}

/* The family of the prefix is negotiated on this session. */
static bool ul_family(const struct bgp_peer *p, const struct lisp_prefix *pfx)
{
	int aid = pfx->afi == LISP_AFI_IPV4 ? BGP_AID_IPV4 : BGP_AID_IPV6;

	return (p->opts.mp & BGP_AID_BIT(aid)) != 0 && p->local_addr.afi != LISP_AFI_NONE;
}

/* Can the route go out with our session address as next hop? An IPv6 prefix needs an IPv6
 * session (an edge router cannot forward IPv6 to an IPv4-mapped next hop); an IPv4 prefix
 * over IPv6 needs RFC 8950 extended next hop. */
static bool ul_sendable(const struct bgp_peer *p, const struct lisp_prefix *pfx)
{
	if (!ul_family(p, pfx))
		return false;
	if (pfx->afi == LISP_AFI_IPV6)
		return p->local_addr.afi == LISP_AFI_IPV6;
	return p->local_addr.afi == LISP_AFI_IPV4 || (p->opts.ext_nh & BGP_AID_BIT(BGP_AID_IPV4));
}

static void ul_add(struct ul_sync *s, struct ul_batch *b, const struct lisp_prefix *pfx)
{
	if (b->n == UL_MAX) { /* never with a sane table: send what we have first */
		ul_send(s->p, s->ann, s->wd);
		memset(s->ann, 0, sizeof(s->ann));
		memset(s->wd, 0, sizeof(s->wd));
	}
	memset(&b->v[b->n], 0, sizeof(b->v[0]));
	b->v[b->n].prefix = *pfx;
	b->n++;
}

static void ul_want(struct bgp_rib_entry *e, void *arg)
{
	struct ul_sync *s = arg;
	struct bgp_peer *p = s->p;
	char ps[PREFIX_STRLEN];

	if (!ul_sendable(p, &e->prefix)) {
		/* a family the session does not carry is silently left out; one it carries
		 * without a usable next hop is a configuration to fix: logged once */
		if (ul_family(p, &e->prefix) && !p->underlay_nh_logged) {
			p->underlay_nh_logged = true;
			log_warnx(
			    "bgp %s: %s is not announced on this session: an IPv6 route needs an "
			    "IPv6 session, an IPv4 route over IPv6 extended next hop (or leave "
			    "the family out: families=...)",
			    p->name, prefix_str(&e->prefix, ps, sizeof(ps)));
		}
		return;
	}
	if (bgp_rib_find(&p->rib_out, &e->prefix) != NULL)
		return; /* announced already */
	struct bgp_rib_path rp;
	memset(&rp, 0, sizeof(rp));
	rp.nh = p->local_addr;
	if (bgp_rib_update(&p->rib_out, &e->prefix, &rp) < 0)
		return;
	ul_add(s, &s->ann[afi_idx(&e->prefix)], &e->prefix);
}

void bgp_underlay_sync_peer(struct bgp_peer *p)
{
	struct bgp *b = p->bgp;
	struct ul_sync *s = calloc(1, sizeof(*s));
	size_t n;

	if (s == NULL)
		return;
	s->p = p;
	/* gone: in the Adj-RIB-Out, no longer in the table (or no longer sendable) */
	struct bgp_rib_entry **v = bgp_rib_sorted(&p->rib_out, &n);
	for (size_t i = 0; i < n; i++) {
		struct lisp_prefix pfx = v[i]->prefix;
		if (bgp_rib_find(&b->utable, &pfx) != NULL && ul_sendable(p, &pfx))
			continue;
		bgp_rib_remove(&p->rib_out, v[i]);
		ul_add(s, &s->wd[afi_idx(&pfx)], &pfx);
	}
	free(v);
	bgp_rib_walk(&b->utable, ul_want, s);
	if (s->ann[0].n || s->ann[1].n || s->wd[0].n || s->wd[1].n)
		log_info("bgp %s: underlay: %zu route(s) announced, %zu withdrawn", p->name,
			 s->ann[0].n + s->ann[1].n, s->wd[0].n + s->wd[1].n);
	ul_send(p, s->ann, s->wd);
	free(s);
}

int bgp_underlay_announce(struct bgp *b, const struct lisp_prefix *p)
{
	struct lisp_prefix pfx = *p;

	pfx.iid = 0;
	prefix_normalize(&pfx);
	if (bgp_rib_find(&b->utable, &pfx) != NULL)
		return 0;
	if (bgp_rib_get(&b->utable, &pfx) == NULL)
		return -1;
	b->underlay_dirty = true;
	bgp_out_schedule(b);
	return 0;
}

int bgp_underlay_withdraw(struct bgp *b, const struct lisp_prefix *p)
{
	struct lisp_prefix pfx = *p;

	pfx.iid = 0;
	prefix_normalize(&pfx);
	struct bgp_rib_entry *e = bgp_rib_find(&b->utable, &pfx);
	if (e == NULL)
		return -1;
	bgp_rib_remove(&b->utable, e);
	b->underlay_dirty = true;
	bgp_out_schedule(b);
	return 0;
}

size_t bgp_underlay_count(const struct bgp *b)
{
	return b ? b->utable.n_entries : 0;
}

void bgp_underlay_sessions(const struct bgp *b, unsigned *up, unsigned *configured)
{
	*up = *configured = 0;
	for (const struct bgp_peer *p = b ? b->peers : NULL; p; p = p->next) {
		if (p->cfg.role != BGP_ROLE_UNDERLAY)
			continue;
		(*configured)++;
		if (p->state == BGP_ST_ESTABLISHED)
			(*up)++;
	}
}

/* ---- the receiving side's view of its peers ---- */

const struct bgp_peer *bgp_peer_next(const struct bgp *b, const struct bgp_peer *p)
{
	if (b == NULL)
		return NULL;
	return p ? p->next : b->peers;
}

const struct ipaddr *bgp_peer_addr(const struct bgp_peer *p)
{
	return &p->cfg.addr;
}

unsigned bgp_peer_role(const struct bgp_peer *p)
{
	return p->cfg.role;
}

bool bgp_peer_initial_done(const struct bgp_peer *p)
{
	return p->state == BGP_ST_ESTABLISHED && p->eor_done;
}

uint16_t bgp_peer_restart_time(const struct bgp_peer *p)
{
	return p->peer_gr ? p->peer_gr_time : 0;
}

uint64_t bgp_nexthop_rejected(const struct bgp *b)
{
	uint64_t n = 0;

	for (const struct bgp_peer *p = b ? b->peers : NULL; p; p = p->next)
		n += p->nh_rejected;
	return n;
}

uint64_t bgp_underlay_ignored(const struct bgp *b)
{
	uint64_t n = 0;

	for (const struct bgp_peer *p = b ? b->peers : NULL; p; p = p->next)
		n += p->underlay_ignored;
	return n;
}
