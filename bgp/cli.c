/* SPDX-License-Identifier: ISC */
/*
 * bgp/cli.c - the speaker's CLI rows, added by the embedding daemon with
 * cli_add_commands(cli, rows, n, speaker): each row acts on the speaker its table was added
 * with (r->ctx; NULL: "BGP is not running"). `show bgp summary`, `show bgp neighbors [ADDR]`, `show
 * bgp routes [PREFIX]` (the Adj-RIB-In of every peer with path ID (RFC 7911), RD and label of VPN
 * routes (RFC 4364), next hop, LOCAL_PREF,
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
		out_uint(o, p->state == BGP_ST_ESTABLISHED ? "uptimeSeconds" : "downSeconds",
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
	out_uint(o, p->state == BGP_ST_ESTABLISHED ? "uptimeSeconds" : "downSeconds",
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

static void show_routes(struct cli_req *r, struct out *o)
{
	struct bgp *b = need_bgp(r, o);
	struct lisp_prefix want;

	if (b == NULL)
		return;
	if (r->arg && prefix_parse(r->arg, &want, true) < 0) {
		out_error(o, "not a prefix: %s", r->arg);
		return;
	}
	/* "[IID]PREFIX": a tenant's VPN routes; without it the unicast ones */
	out_begin_array(o, NULL);
	for (struct bgp_peer *p = b->peers; p; p = p->next) {
		if (r->arg) {
			struct bgp_rib_entry *e = bgp_rib_find(&p->rib_in, &want);
			for (unsigned i = 0; e && i < e->n; i++)
				show_path(o, p, e, &e->paths[i]);
			continue;
		}
		size_t n;
		struct bgp_rib_entry **v = bgp_rib_sorted(&p->rib_in, &n);
		for (size_t k = 0; k < n; k++)
			for (unsigned i = 0; i < v[k]->n; i++)
				show_path(o, p, v[k], &v[k]->paths[i]);
		free(v);
	}
	out_end(o);
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
     CLI_ARG_OPTIONAL,
     "PREFIX",
     true,
     false,
     "paths received from BGP peers (Adj-RIB-In)",
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
