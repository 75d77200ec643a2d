/* SPDX-License-Identifier: ISC */
/*
 * bgp/cli.c - the speaker's CLI rows, added by the embedding daemon with
 * cli_add_commands(cli, rows, n, speaker): each row acts on the speaker its table was added
 * with (r->ctx; NULL: "BGP is not running"). `show bgp summary`, `show bgp neighbors [ADDR]`, `show
 * bgp routes [count|detail] [PREFIX [exact|longest|longer]] [neighbor ADDR] [rloc ADDR]` (a
 * table by default, streamed in batches: peers in address order, each by bgp_rib_scan; the
 * Adj-RIB-In of every peer with path ID (RFC 7911), RD and label of VPN routes (RFC 4364),
 * next hop, LOCAL_PREF,
 * Large Communities (RFC 8092) and the graceful restart stale flag (RFC 4724)), and
 * `clear bgp ADDR [hard]` (Cease/Administrative Reset, RFC 4486, graceful under the RFC 8538
 * N bit; `hard`: Cease/Hard Reset). Handlers produce data through
 * common/out.h; `json` renders it as JSON (camelCase keys).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bgp/bgp_int.h"
#include "common/cli.h"

static void out_rid(struct out *o, const char *key, uint32_t id)
{
	char s[16];

	snprintf(s, sizeof(s), "%u.%u.%u.%u", id >> 24, (id >> 16) & 255, (id >> 8) & 255,
		 id & 255);
	out_str(o, key, s);
}

static void out_families(struct out *o, const char *key, uint8_t mask)
{
	out_begin_array(o, key);
	for (unsigned aid = 0; aid < BGP_AID_MAX; aid++)
		if (mask & BGP_AID_BIT(aid))
			out_str(o, NULL, bgp_aid_name(aid));
	out_end(o);
}

static struct bgp *need_bgp(struct cli_req *r, struct out *o)
{
	if (r->ctx == NULL)
		out_error(o, "BGP is not running");
	return r->ctx;
}

static uint64_t since(time_t t)
{
	time_t now = time(NULL);
	return now > t ? (uint64_t)(now - t) : 0;
}

static void show_summary(struct cli_req *r, struct out *o)
{
	struct bgp *b = need_bgp(r, o);

	if (b == NULL)
		return;
	out_begin_object(o, NULL);
	out_uint(o, "localAs", b->cfg->local_as);
	out_rid(o, "routerId", b->cfg->router_id);
	out_uint(o, "listenPort", b->lport);
	out_uint(o, "mappings", b->table.n_entries);
	out_uint(o, "underlayRoutes", b->utable.n_entries);
	out_bool(o, "restartState", b->restarting);	       /* the R bit (RFC 4724 §4.1) */
	out_bool(o, "forwardingState", b->cfg->gr_forwarding); /* the F bit */
	out_begin_array(o, "peers");
	for (struct bgp_peer *p = b->peers; p; p = p->next) {
		out_begin_object(o, NULL);
		out_str(o, "neighbor", p->name);
		out_uint(o, "remoteAs", p->cfg.remote_as);
		out_str(o, "state", bgp_state_name(p->state));
		out_str(o, "role", bgp_role_name(p->cfg.role));
		out_age(o, p->state == BGP_ST_ESTABLISHED ? "uptimeSeconds" : "downSeconds",
			since(p->up_since));
		out_uint(o, "pathsReceived", p->rib_in.n_paths);
		out_uint(o, "prefixesReceived", p->rib_in.n_entries);
		out_uint(o, "pathsSent", p->rib_out.n_paths);
		out_uint(o, "messagesReceived", p->msgs_in);
		out_uint(o, "messagesSent", p->msgs_out);
		out_uint(o, "tenantRoutesWithheld", p->vpn_withheld);
		out_end(o);
	}
	out_end(o);
	out_end(o);
}

static void show_neighbor(struct out *o, const struct bgp_peer *p)
{
	char a[IPADDR_STRLEN];

	out_begin_object(o, NULL);
	out_str(o, "neighbor", p->name);
	out_uint(o, "remoteAs", p->cfg.remote_as);
	out_uint(o, "port", p->cfg.port);
	out_str(o, "state", bgp_state_name(p->state));
	out_str(o, "role", bgp_role_name(p->cfg.role));
	out_bool(o, "passive", p->cfg.passive);
	out_bool(o, "md5", p->cfg.password[0] != '\0');
	if (p->cfg.local.afi)
		out_str(o, "local", ipaddr_str(&p->cfg.local, a, sizeof(a)));
	out_age(o, p->state == BGP_ST_ESTABLISHED ? "uptimeSeconds" : "downSeconds",
		since(p->up_since));
	out_uint(o, "flaps", p->flaps);
	out_uint(o, "establishedCount", p->established);
	/* RFC 4271 §6.8: connections closed with Cease/Connection Collision Resolution */
	out_uint(o, "collisionsSent", p->coll_sent);
	out_uint(o, "collisionsReceived", p->coll_rcvd);
	if (p->conn && p->state >= BGP_ST_OPENSENT)
		out_str(o, "connectionInitiatedBy", p->conn->outgoing ? "local" : "remote");
	out_uint(o, "holdTimeConfigured", p->cfg.hold_time);
	out_uint(o, "idleHoldSeconds", p->idle_hold);
	if (p->state >= BGP_ST_OPENCONFIRM) {
		out_rid(o, "remoteRouterId", p->remote_id);
		out_uint(o, "holdTime", p->hold);
		out_begin_object(o, "negotiated");
		out_bool(o, "ibgp", p->opts.ibgp);
		out_bool(o, "as4", p->opts.as4);
		out_families(o, "families", p->opts.mp);
		out_families(o, "addPathReceive", p->opts.addpath_rx);
		out_families(o, "addPathSend", p->opts.addpath_tx);
		out_families(o, "extendedNextHop", p->opts.ext_nh);
		out_bool(o, "routeRefresh", p->opts.route_refresh);
		out_bool(o, "gracefulRestart", p->peer_gr);
		out_uint(o, "peerRestartTime", p->peer_gr_time);
		out_families(o, "peerForwardingState", p->peer_gr_fwd);
		out_bool(o, "restartBitSent", p->sent_restart);
		/* RFC 8538: N on both sides (NOTIFICATIONs keep the GR procedures) */
		out_bool(o, "gracefulNotification", p->opts.gr_notify);
		out_end(o);
	}
	out_families(o, "staleFamilies", p->stale_afs);
	out_uint(o, "stalePaths", bgp_rib_count_stale(&p->rib_in));
	out_uint(o, "pathsReceived", p->rib_in.n_paths);
	out_uint(o, "pathsSent", p->rib_out.n_paths);
	out_uint(o, "messagesReceived", p->msgs_in);
	out_uint(o, "messagesSent", p->msgs_out);
	out_uint(o, "updatesReceived", p->updates_in);
	out_uint(o, "updatesSent", p->updates_out);
	out_uint(o, "treatAsWithdraw", p->withdraw_7606);
	out_uint(o, "attributeDiscard", p->discard_7606);
	out_uint(o, "sessionResets", p->reset_7606);
	/* tenants: mappings of IIDs other than 0 not sent for want of the VPN family; VPN
	 * routes received whose RD names no instance ID */
	out_uint(o, "tenantRoutesWithheld", p->vpn_withheld);
	out_uint(o, "vpnRoutesWithoutInstanceId", p->vpn_no_iid);
	/* End-of-RIB received (the initial table complete); host routes refused for their next
	 * hop (RFC 4271 §6.3, treat-as-withdraw); routes from an underlay peer (dropped) */
	out_bool(o, "initialTableReceived", p->eor_done);
	out_uint(o, "nextHopRejected", p->nh_rejected);
	out_uint(o, "underlayRoutesIgnored", p->underlay_ignored);
	if (p->last_err_code) {
		out_uint(o, "lastErrorCode", p->last_err_code);
		out_uint(o, "lastErrorSubcode", p->last_err_subcode);
		out_bool(o, "lastErrorSent", p->last_err_sent);
		out_str(o, "lastError", p->last_reason);
	}
	out_end(o);
}

static void show_neighbors(struct cli_req *r, struct out *o)
{
	struct bgp *b = need_bgp(r, o);
	struct ipaddr a;

	if (b == NULL)
		return;
	if (r->arg && ipaddr_parse(r->arg, &a) < 0) {
		out_error(o, "not an address: %s", r->arg);
		return;
	}
	if (r->arg && bgp_peer_find(b, &a) == NULL) {
		out_error(o, "no such neighbor: %s", r->arg);
		return;
	}
	out_begin_array(o, NULL);
	for (struct bgp_peer *p = b->peers; p; p = p->next)
		if (r->arg == NULL || ipaddr_eq(&p->cfg.addr, &a))
			show_neighbor(o, p);
	out_end(o);
}

static void show_path(struct out *o, const struct bgp_peer *p, const struct bgp_rib_entry *e,
		      const struct bgp_rib_path *rp)
{
	char s[PREFIX_STRLEN];

	out_begin_object(o, NULL);
	out_str(o, "prefix", prefix_str(&e->prefix, s, sizeof(s)));
	out_str(o, "neighbor", p->name);
	out_uint(o, "pathId", rp->path_id);
	if (rp->vpn) { /* RFC 4364 §4.2 RD and the label (20 bits, RFC 8277) */
		bgp_rd_str(rp->rd, s, sizeof(s));
		out_str(o, "routeDistinguisher", s);
		out_uint(o, "label", rp->label >> 4);
	}
	out_str(o, "nextHop", ipaddr_str(&rp->nh, s, sizeof(s)));
	if (rp->has_lp)
		out_uint(o, "localPref", rp->local_pref);
	out_uint(o, "asPathLength", rp->aspath_len);
	if (rp->map_ok) {
		out_str(o, "rloc", ipaddr_str(&rp->map.loc.rloc, s, sizeof(s)));
		out_uint(o, "priority", rp->map.loc.priority);
		out_uint(o, "weight", rp->map.loc.weight);
		out_uint(o, "instanceId", rp->map.eid.iid);
		out_uint(o, "mapVersion", rp->map.version);
	}
	out_begin_array(o, "largeCommunities");
	for (unsigned i = 0; i < rp->n_lc; i++) {
		snprintf(s, sizeof(s), "%u:%u:%u", rp->lc[i].global, rp->lc[i].local1,
			 rp->lc[i].local2);
		out_str(o, NULL, s);
	}
	out_end(o);
	out_bool(o, "stale", rp->stale);
	out_end(o);
}

/* ---- show bgp routes: streamed in batches (common/cli.h cli_stream), peer by peer in
 * address order, each Adj-RIB-In by bgp_rib_scan ---- */

struct rt_ctx {
	struct cli_filter f;
	struct out *o;
	struct ipaddr peer; /* the peer being dumped */
	bool started;
	bool after;	 /* c->peer is done: look for the peer after it */
	uint64_t cursor; /* bgp_rib_scan */
	const struct bgp_peer *p;
	size_t n, batch, seen;
};

#define RT_HEAD "%-28s %-20s %6s %-20s %-20s %7s %4s %s\n"

static void path_row(struct out *o, const struct bgp_peer *p, const struct bgp_rib_entry *e,
		     const struct bgp_rib_path *rp)
{
	char pf[PREFIX_STRLEN], nh[IPADDR_STRLEN], rl[IPADDR_STRLEN], id[12], pw[12], ver[8];

	snprintf(id, sizeof(id), "%u", rp->path_id);
	if (rp->map_ok) {
		ipaddr_str(&rp->map.loc.rloc, rl, sizeof(rl));
		snprintf(pw, sizeof(pw), "%u/%u", rp->map.loc.priority, rp->map.loc.weight);
		snprintf(ver, sizeof(ver), "%u", rp->map.version);
	} else {
		snprintf(rl, sizeof(rl), "-");
		snprintf(pw, sizeof(pw), "-");
		snprintf(ver, sizeof(ver), "-");
	}
	out_printf(o, RT_HEAD, prefix_str(&e->prefix, pf, sizeof(pf)), p->name, id,
		   ipaddr_str(&rp->nh, nh, sizeof(nh)), rl, pw, ver, rp->stale ? "stale" : "");
}

static bool path_match(const struct rt_ctx *c, const struct bgp_rib_path *rp)
{
	return !c->f.has_rloc || (rp->map_ok && ipaddr_eq(&rp->map.loc.rloc, &c->f.rloc));
}

static void route_one(const struct bgp_rib_entry *e, void *arg)
{
	struct rt_ctx *c = arg;

	c->seen++;
	if (!cli_filter_prefix(&c->f, &e->prefix))
		return;
	for (unsigned i = 0; i < e->n; i++) {
		if (!path_match(c, &e->paths[i]))
			continue;
		c->n++;
		if (c->f.view == CLI_VIEW_COUNT)
			continue;
		c->batch++;
		if (c->f.view == CLI_VIEW_TABLE && !out_json(c->o))
			path_row(c->o, c->p, e, &e->paths[i]);
		else
			show_path(c->o, c->p, e, &e->paths[i]);
	}
}

/* The peer to dump: the current one, or the first in address order after it (a peer
 * removed meanwhile is skipped, one added behind the current one is dumped). */
static const struct bgp_peer *rt_peer(const struct bgp *b, struct rt_ctx *c)
{
	const struct bgp_peer *best = NULL;

	for (const struct bgp_peer *p = b->peers; p; p = p->next) {
		if (c->f.has_neighbor && !ipaddr_eq(&p->cfg.addr, &c->f.neighbor))
			continue;
		int d = c->started ? ipaddr_cmp(&p->cfg.addr, &c->peer) : 1;
		if (d == 0 && !c->after)
			return p;
		if (d > 0 && (!best || ipaddr_cmp(&p->cfg.addr, &best->cfg.addr) < 0))
			best = p;
	}
	if (best) {
		c->peer = best->cfg.addr;
		c->started = true;
		c->after = false;
		c->cursor = 0;
	}
	return best;
}

static void rt_end(struct rt_ctx *c, struct out *o)
{
	if (c->f.view == CLI_VIEW_COUNT) {
		cli_out_count(o, c->n);
	} else if (out_json(o) || c->f.view == CLI_VIEW_DETAIL) {
		out_end(o);
	} else {
		out_printf(o, "%zu path%s\n", c->n, c->n == 1 ? "" : "s");
	}
}

static bool rt_more(struct cli_req *r, struct out *o, void *arg)
{
	struct rt_ctx *c = arg;
	const struct bgp *b = r->ctx;

	c->o = o;
	c->batch = 0;
	c->seen = 0;
	while (c->batch < CLI_BATCH && c->seen < CLI_SCAN) {
		c->p = rt_peer(b, c);
		if (c->p == NULL) {
			rt_end(c, o);
			return true;
		}
		if (bgp_rib_scan(&c->p->rib_in, &c->cursor, route_one, c))
			c->after = true; /* this peer is done: the next one */
	}
	return false;
}

static void rt_free(void *arg)
{
	free(arg);
}

static void show_routes(struct cli_req *r, struct out *o)
{
	struct bgp *b = need_bgp(r, o);
	struct rt_ctx *c;

	if (b == NULL)
		return;
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		out_error(o, "out of memory");
		return;
	}
	c->o = o;
	if (cli_filter_parse(r, CLI_F_VIEW | CLI_F_PREFIX | CLI_F_RLOC | CLI_F_NEIGHBOR, &c->f, o) <
	    0)
		goto done;
	/* "[IID]PREFIX": a tenant's VPN routes (the Adj-RIB-In keys carry the IID); a prefix
	 * without it: the unicast ones */
	if (c->f.has_neighbor && bgp_peer_find(b, &c->f.neighbor) == NULL) {
		char a[IPADDR_STRLEN];
		out_error(o, "no such neighbor: %s", ipaddr_str(&c->f.neighbor, a, sizeof(a)));
		goto done;
	}
	if (c->f.view != CLI_VIEW_COUNT) {
		if (out_json(o) || c->f.view == CLI_VIEW_DETAIL)
			out_begin_array(o, NULL);
		else
			out_printf(o, RT_HEAD, "Prefix", "Neighbor", "PathId", "Next hop", "RLOC",
				   "Pri/Wt", "Ver", "");
	}
	if (c->f.match == CLI_MATCH_EXACT || c->f.match == CLI_MATCH_LONGEST) {
		/* a lookup per peer (the longest: from the prefix's length down) */
		for (const struct bgp_peer *p = b->peers; p; p = p->next) {
			if (c->f.has_neighbor && !ipaddr_eq(&p->cfg.addr, &c->f.neighbor))
				continue;
			struct lisp_prefix want = c->f.prefix;
			const struct bgp_rib_entry *e = bgp_rib_find(&p->rib_in, &want);
			while (!e && c->f.match == CLI_MATCH_LONGEST && want.plen > 0) {
				want.plen--;
				prefix_normalize(&want);
				e = bgp_rib_find(&p->rib_in, &want);
			}
			if (e) {
				struct cli_filter keep = c->f;
				c->f.match = CLI_MATCH_EXACT;
				c->f.prefix = e->prefix;
				c->p = p;
				route_one(e, c);
				c->f = keep;
			}
		}
		rt_end(c, o);
		goto done;
	}
	cli_stream(r, rt_more, rt_free, c);
	return;
done:
	free(c);
}

static void clear_bgp(struct cli_req *r, struct out *o)
{
	struct bgp *b = need_bgp(r, o);
	struct ipaddr a;

	if (b == NULL)
		return;
	if (r->argc == 0 || r->argc > 2 || (r->argc == 2 && strcmp(r->argv[1], "hard") != 0)) {
		out_error(o, "usage: clear bgp ADDR [hard]");
		return;
	}
	bool hard = r->argc == 2;
	if (ipaddr_parse(r->arg, &a) < 0 ||
	    (hard ? bgp_peer_clear_hard(b, &a) : bgp_peer_clear(b, &a)) < 0) {
		out_error(o, "no such neighbor: %s", r->arg);
		return;
	}
	out_printf(o, "neighbor %s reset%s\n", r->arg, hard ? " (hard)" : "");
}

static const struct cli_cmd bgp_cmds[] = {
    {{"show", "bgp", "summary"},
     CLI_ARG_NONE,
     NULL,
     true,
     false,
     "BGP peers at a glance",
     show_summary,
     CLI_READ},
    {{"show", "bgp", "neighbors"},
     CLI_ARG_OPTIONAL,
     "ADDR",
     true,
     false,
     "BGP peers in detail (negotiated capabilities, errors, graceful restart)",
     show_neighbors,
     CLI_READ},
    {{"show", "bgp", "routes"},
     CLI_ARG_ANY,
     "[count|detail] [PREFIX [exact|longest|longer]] [neighbor ADDR] [rloc ADDR]",
     true,
     false,
     "paths received from BGP peers (Adj-RIB-In): a table, detail, or the number (count)",
     show_routes,
     CLI_READ},
    {{"clear", "bgp"},
     CLI_ARG_ANY,
     "ADDR [hard]",
     false,
     false,
     "reset the BGP session with a neighbor (graceful with the N bit; hard: Cease/Hard "
     "Reset, routes dropped)",
     clear_bgp,
     CLI_ADMIN},
};

const struct cli_cmd *bgp_cli_commands(size_t *n)
{
	*n = sizeof(bgp_cmds) / sizeof(bgp_cmds[0]);
	return bgp_cmds;
}
