/* SPDX-License-Identifier: ISC */
/*
 * bgp/metrics.c - the speaker's Prometheus families (common/metrics.h), for lisp-msd and the
 * D-ETR: per peer (label `peer`, its address) the session state as a state set, the prefixes
 * and paths received, the paths sent, the stale paths, and the counters of `show bgp
 * neighbors` (messages, UPDATEs, flaps, sessions established, collisions, RFC 7606 actions);
 * the mappings in the speaker's own table. The same names in both daemons: the scrape's job
 * tells which daemon it is.
 */
#include "config.h"

#include <string.h>

#include "bgp/bgp_int.h"
#include "common/metrics.h"

typedef uint64_t peer_val(const struct bgp_peer *p);

static uint64_t v_prefixes(const struct bgp_peer *p)
{
	return p->rib_in.n_entries;
}
static uint64_t v_paths_in(const struct bgp_peer *p)
{
	return p->rib_in.n_paths;
}
static uint64_t v_paths_out(const struct bgp_peer *p)
{
	return p->rib_out.n_paths;
}
static uint64_t v_stale(const struct bgp_peer *p)
{
	return bgp_rib_count_stale(&p->rib_in);
}
static uint64_t v_msgs_in(const struct bgp_peer *p)
{
	return p->msgs_in;
}
static uint64_t v_msgs_out(const struct bgp_peer *p)
{
	return p->msgs_out;
}
static uint64_t v_upd_in(const struct bgp_peer *p)
{
	return p->updates_in;
}
static uint64_t v_upd_out(const struct bgp_peer *p)
{
	return p->updates_out;
}
static uint64_t v_flaps(const struct bgp_peer *p)
{
	return p->flaps;
}
static uint64_t v_established(const struct bgp_peer *p)
{
	return p->established;
}
static uint64_t v_nh_rejected(const struct bgp_peer *p)
{
	return p->nh_rejected;
}
static uint64_t v_ul_ignored(const struct bgp_peer *p)
{
	return p->underlay_ignored;
}

static const struct {
	const char *name;
	enum metrics_type type;
	const char *help;
	peer_val *fn;
} peer_fams[] = {
    {"lisp_bgp_peer_prefixes_received", METRICS_GAUGE,
     "Prefixes (host mappings) in the peer's Adj-RIB-In", v_prefixes},
    {"lisp_bgp_peer_paths_received", METRICS_GAUGE,
     "Paths (one per RLOC with ADD-PATH) in the peer's Adj-RIB-In", v_paths_in},
    {"lisp_bgp_peer_paths_sent", METRICS_GAUGE, "Paths in the peer's Adj-RIB-Out", v_paths_out},
    {"lisp_bgp_peer_stale_paths", METRICS_GAUGE, "Paths of the peer kept stale by graceful restart",
     v_stale},
    {"lisp_bgp_peer_messages_received_total", METRICS_COUNTER, "BGP messages received", v_msgs_in},
    {"lisp_bgp_peer_messages_sent_total", METRICS_COUNTER, "BGP messages sent", v_msgs_out},
    {"lisp_bgp_peer_updates_received_total", METRICS_COUNTER, "BGP UPDATE messages received",
     v_upd_in},
    {"lisp_bgp_peer_updates_sent_total", METRICS_COUNTER, "BGP UPDATE messages sent", v_upd_out},
    {"lisp_bgp_peer_flaps_total", METRICS_COUNTER, "Times the session left Established", v_flaps},
    {"lisp_bgp_peer_established_total", METRICS_COUNTER, "Times the session reached Established",
     v_established},
    {"lisp_bgp_peer_nexthop_rejected_total", METRICS_COUNTER,
     "Host routes treated as withdrawn: their next hop cannot be an RLOC (RFC 4271 6.3)",
     v_nh_rejected},
    {"lisp_bgp_peer_underlay_routes_ignored_total", METRICS_COUNTER,
     "Routes received from an underlay peer (an edge router): never mappings, dropped",
     v_ul_ignored},
};

void bgp_metrics_write(struct mw *w, const struct bgp *b)
{
	const struct bgp_peer *p;

	if (b == NULL)
		return;
	mw_family(w, "lisp_bgp_mappings", METRICS_GAUGE,
		  "Host mappings in the speaker's own table (what it announces)");
	mw_u64(w, b->table.n_entries, NULL);
	mw_family(w, "lisp_bgp_underlay_routes", METRICS_GAUGE,
		  "Routes announced to the underlay peers (a D-ETR's anycast RLOC and aggregates)");
	mw_u64(w, b->utable.n_entries, NULL);
	mw_family(w, "lisp_bgp_peer_up", METRICS_GAUGE,
		  "1 when the session with the peer is Established, else 0");
	for (p = b->peers; p; p = p->next)
		mw_u64(w, p->state == BGP_ST_ESTABLISHED, "peer", p->name, NULL);
	mw_family(
	    w, "lisp_bgp_peer_state", METRICS_GAUGE,
	    "The peer's session state (RFC 4271 FSM): 1 for the current state, 0 for the others");
	for (p = b->peers; p; p = p->next)
		for (int st = BGP_ST_IDLE; st < BGP_ST_MAX; st++)
			mw_u64(w, p->state == st, "peer", p->name, "state", bgp_state_name(st),
			       NULL);
	for (size_t i = 0; i < sizeof(peer_fams) / sizeof(peer_fams[0]); i++) {
		mw_family(w, peer_fams[i].name, peer_fams[i].type, peer_fams[i].help);
		for (p = b->peers; p; p = p->next)
			mw_u64(w, peer_fams[i].fn(p), "peer", p->name, NULL);
	}
	mw_family(w, "lisp_bgp_peer_collisions_total", METRICS_COUNTER,
		  "Connections closed by collision resolution (RFC 4271 6.8): by us (sent) or by "
		  "the peer (received)");
	for (p = b->peers; p; p = p->next) {
		mw_u64(w, p->coll_sent, "peer", p->name, "direction", "sent", NULL);
		mw_u64(w, p->coll_rcvd, "peer", p->name, "direction", "received", NULL);
	}
	mw_family(w, "lisp_bgp_peer_malformed_updates_total", METRICS_COUNTER,
		  "Malformed UPDATEs received, by RFC 7606 action");
	for (p = b->peers; p; p = p->next) {
		mw_u64(w, p->withdraw_7606, "peer", p->name, "action", "treat-as-withdraw", NULL);
		mw_u64(w, p->discard_7606, "peer", p->name, "action", "attribute-discard", NULL);
		mw_u64(w, p->reset_7606, "peer", p->name, "action", "session-reset", NULL);
	}
}
