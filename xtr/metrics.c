/* SPDX-License-Identifier: ISC */
/*
 * xtr/metrics.c - lisp-xtrd's Prometheus families (common/metrics.h, docs/metrics.md): the
 * map-cache entries by source, the data plane's packets and bytes by outcome and its drops by
 * reason, every other counter of `show statistics` read from the same places the CLI reads
 * them (struct xtr_stats and its name tables xtr_drop_name, xtr_cdrop_name, lisp_type_name;
 * the sockets' counters of the I/O callback), the registration state per Map-Server, and in
 * representative mode (the D-ETR) the host mappings learned over BGP and the speaker's
 * per-peer families (bgp_metrics_write); then those every daemon has (metrics_write_common).
 * tests/unit/test_xtr_metrics checks that every counter `show statistics json` prints shows
 * up here.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "bgp/bgp.h"
#include "common/cli.h"
#include "common/metrics.h"
#include "xtr/detr.h"
#include "xtr/underlay.h"
#include "xtr/xtr_int.h"

static void count_src(void *arg, const struct xtr_entry *e)
{
	uint64_t *n = arg;

	if (e->src < XTR_SRC__COUNT)
		n[e->src]++;
}

#define STAT(f) offsetof(struct xtr_stats, f)
static const struct mw_scalar scalars[] = {
    {"lisp_xtrd_data_queued_packets_total", METRICS_COUNTER, STAT(queued),
     "Packets held on a pending map-cache entry while its mapping is resolved"},
    {"lisp_xtrd_data_dequeued_packets_total", METRICS_COUNTER, STAT(dequeued),
     "Held packets sent once the mapping arrived"},
    {"lisp_xtrd_icmp_too_big_sent_total", METRICS_COUNTER, STAT(icmp_too_big),
     "ICMP packet-too-big (fragmentation needed) answers sent"},
    {"lisp_xtrd_reencapsulation_bounced_total", METRICS_COUNTER, STAT(bounced),
     "Re-encapsulations refused: they would have gone back to the packet's sender"},
    {"lisp_xtrd_resolved_fallback_total", METRICS_COUNTER, STAT(resolved_fallback),
     "D-ETR: packets to an aggregate EID without a host route, resolved"},
    {"lisp_xtrd_tenant_classified_packets_total", METRICS_COUNTER, STAT(tenant_classified),
     "Packets from the TUN given to a tenant by a <client> source-prefix rule (PITR)"},
    {"lisp_xtrd_bgp_installs_total", METRICS_COUNTER, STAT(bgp_installs),
     "D-ETR: map-cache installs and replacements from BGP"},
    {"lisp_xtrd_bgp_withdrawals_total", METRICS_COUNTER, STAT(bgp_withdrawals),
     "D-ETR: BGP entries removed (withdraw, purge, session loss)"},
    {"lisp_xtrd_bgp_purged_total", METRICS_COUNTER, STAT(bgp_purged),
     "D-ETR: BGP entries removed by the graceful-restart purge"},
    {"lisp_xtrd_bgp_ignored_older_total", METRICS_COUNTER, STAT(bgp_ignored),
     "D-ETR: a peer's mapping not used, older map version than another peer's"},
    {"lisp_xtrd_bgp_stale_events_total", METRICS_COUNTER, STAT(bgp_stale),
     "D-ETR: graceful restart of a peer (its mappings kept stale)"},
    {"lisp_xtrd_bgp_foreign_instance_total", METRICS_COUNTER, STAT(bgp_foreign),
     "D-ETR: mappings for another instance ID, ignored"},
    {"lisp_xtrd_underlay_announcements_total", METRICS_COUNTER, STAT(ul_announce),
     "D-ETR: times the anycast RLOC and aggregates were announced to the underlay (fit)"},
    {"lisp_xtrd_underlay_withdrawals_total", METRICS_COUNTER, STAT(ul_withdraw),
     "D-ETR: times they were withdrawn (not fit to forward, or stopping)"},
    {"lisp_xtrd_map_cache_evictions_total", METRICS_COUNTER, STAT(cache_evictions),
     "Map-cache entries evicted for room (CLOCK)"},
    {"lisp_xtrd_map_cache_expired_total", METRICS_COUNTER, STAT(cache_expired),
     "Map-cache entries expired (TTL)"},
    {"lisp_xtrd_map_cache_pending_preempted_total", METRICS_COUNTER, STAT(pending_preempted),
     "Pending entries of a source over its share, given up for another source"},
    {"lisp_xtrd_map_requests_sent_total", METRICS_COUNTER, STAT(mreq_sent), "Map-Requests sent"},
    {"lisp_xtrd_map_request_retransmits_total", METRICS_COUNTER, STAT(mreq_retrans),
     "Map-Requests retransmitted"},
    {"lisp_xtrd_map_resolver_failovers_total", METRICS_COUNTER, STAT(mreq_failover),
     "Map-Requests sent to another Map-Resolver after one did not answer"},
    {"lisp_xtrd_smr_sent_total", METRICS_COUNTER, STAT(smr_sent), "Solicit-Map-Requests sent"},
    {"lisp_xtrd_smr_received_total", METRICS_COUNTER, STAT(smr_in),
     "Solicit-Map-Requests received"},
    {"lisp_xtrd_smr_invoked_requests_total", METRICS_COUNTER, STAT(smr_invoked),
     "Map-Requests sent because of an SMR"},
    {"lisp_xtrd_rloc_probes_sent_total", METRICS_COUNTER, STAT(probes_sent), "RLOC probes sent"},
    {"lisp_xtrd_rloc_probe_replies_total", METRICS_COUNTER, STAT(probe_replies),
     "RLOC probe replies received"},
    {"lisp_xtrd_locators_down_total", METRICS_COUNTER, STAT(probe_down),
     "Locators found down by probing"},
    {"lisp_xtrd_locators_up_total", METRICS_COUNTER, STAT(probe_up),
     "Locators found up again by probing"},
    {"lisp_xtrd_rloc_probes_missed_total", METRICS_COUNTER, STAT(probe_missed),
     "RLOC probes unanswered after their timeout"},
    {"lisp_xtrd_eids_moved_away_total", METRICS_COUNTER, STAT(moves),
     "Local EIDs that moved away (a Map-Notify named another site)"},
    {"lisp_xtrd_eids_moved_here_total", METRICS_COUNTER, STAT(moved_here),
     "EIDs made local by a Map-Notify or Map-Reply naming our RLOC"},
    {"lisp_xtrd_subscriptions_sent_total", METRICS_COUNTER, STAT(subs_sent),
     "RFC 9437 subscription Map-Requests sent"},
    {"lisp_xtrd_subscription_notifies_received_total", METRICS_COUNTER, STAT(sub_notifies),
     "RFC 9437 subscription Map-Notifies received and verified"},
    {"lisp_xtrd_subscription_notifies_acked_total", METRICS_COUNTER, STAT(sub_acks),
     "RFC 9437 subscription Map-Notifies acknowledged"},
    {"lisp_xtrd_subscription_notifies_auth_failed_total", METRICS_COUNTER, STAT(sub_auth_failed),
     "Subscription-looking Map-Notifies failing authentication"},
};

static void data_plane(struct mw *w, const struct xtr_stats *st)
{
	mw_family(w, "lisp_xtrd_data_received_packets_total", METRICS_COUNTER,
		  "Data packets received: from the TUN device (itr) and encapsulated on UDP 4341 "
		  "(etr)");
	mw_u64(w, st->tun_in, "path", "itr", NULL);
	mw_u64(w, st->etr_in, "path", "etr", NULL);
	mw_family(w, "lisp_xtrd_data_received_bytes_total", METRICS_COUNTER,
		  "Bytes of the packets read from the TUN device");
	mw_u64(w, st->tun_in_bytes, "path", "itr", NULL);
	mw_family(w, "lisp_xtrd_data_packets_total", METRICS_COUNTER,
		  "Data packets by outcome (dropped ones: lisp_xtrd_data_dropped_packets_total)");
	mw_u64(w, st->encap, "outcome", "encapsulated", NULL);
	mw_u64(w, st->decap, "outcome", "decapsulated", NULL);
	mw_u64(w, st->reencap, "outcome", "reencapsulated", NULL);
	mw_u64(w, st->native, "outcome", "natively-forwarded", NULL);
	mw_family(w, "lisp_xtrd_data_bytes_total", METRICS_COUNTER,
		  "Bytes of the inner packets by outcome");
	mw_u64(w, st->encap_bytes, "outcome", "encapsulated", NULL);
	mw_u64(w, st->decap_bytes, "outcome", "decapsulated", NULL);
	mw_u64(w, st->reencap_bytes, "outcome", "reencapsulated", NULL);
	mw_u64(w, st->native_bytes, "outcome", "natively-forwarded", NULL);
	mw_family(w, "lisp_xtrd_data_dropped_packets_total", METRICS_COUNTER,
		  "Data packets dropped, by reason");
	for (int d = 0; d < XTR_DROP__COUNT; d++)
		mw_u64(w, st->drops[d], "reason", xtr_drop_name((enum xtr_drop)d), NULL);
}

static void control(struct mw *w, const struct xtr_stats *st)
{
	mw_family(w, "lisp_xtrd_control_received_total", METRICS_COUNTER,
		  "Control messages received, by LISP type");
	for (unsigned t = 1; t <= LISP_T_ECM; t++)
		mw_u64(w, st->cin[t], "type", lisp_type_name(t), NULL);
	mw_family(w, "lisp_xtrd_control_sent_total", METRICS_COUNTER,
		  "Control messages sent, by LISP type");
	for (unsigned t = 1; t <= LISP_T_ECM; t++)
		mw_u64(w, st->cout[t], "type", lisp_type_name(t), NULL);
	mw_family(w, "lisp_xtrd_control_dropped_total", METRICS_COUNTER,
		  "Control messages dropped or not sent, by reason");
	for (int d = 0; d < XTR_CDROP__COUNT; d++)
		mw_u64(w, st->cdrops[d], "reason", xtr_cdrop_name((enum xtr_cdrop)d), NULL);
}

static void sockets(struct mw *w, struct xtr *x)
{
	struct xtr_io_stats io;
	static const struct {
		const char *name, *help;
		size_t off;
	} f[] = {
	    {"lisp_xtrd_socket_received_datagrams_total", "Datagrams received, per socket",
	     offsetof(struct xtr_sock_stats, rx)},
	    {"lisp_xtrd_socket_sent_datagrams_total", "Datagrams sent, per socket",
	     offsetof(struct xtr_sock_stats, tx)},
	    {"lisp_xtrd_socket_receive_errors_total", "Receive failures, per socket",
	     offsetof(struct xtr_sock_stats, rx_errors)},
	    {"lisp_xtrd_socket_send_errors_total", "Datagrams the kernel refused, per socket",
	     offsetof(struct xtr_sock_stats, tx_errors)},
	    {"lisp_xtrd_socket_truncated_datagrams_total",
	     "Received datagrams longer than a slot, dropped, per socket",
	     offsetof(struct xtr_sock_stats, truncated)},
	};

	if (x->io.io_stats == NULL)
		return;
	x->io.io_stats(x->io.arg, &io);
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		mw_family(w, f[i].name, METRICS_COUNTER, f[i].help);
		mw_u64(w, *(const uint64_t *)((const char *)&io.data + f[i].off), "socket", "data",
		       NULL);
		mw_u64(w, *(const uint64_t *)((const char *)&io.control + f[i].off), "socket",
		       "control", NULL);
	}
}

static void map_servers(struct mw *w, struct xtr *x)
{
	char a[IPADDR_STRLEN];

	mw_family(w, "lisp_xtrd_map_server_registered", METRICS_GAUGE,
		  "1 when the Map-Server acknowledged our last registration round, else 0");
	for (size_t i = 0; i < xtr_nms(x); i++) {
		const struct xtr_ms *m = xtr_ms_at(x, i);
		mw_u64(w, m->state == XTR_MS_REGISTERED, "map_server",
		       ipaddr_str(&m->cfg.addr, a, sizeof(a)), NULL);
	}
	mw_family(w, "lisp_xtrd_map_server_registers_total", METRICS_COUNTER,
		  "Map-Registers sent, per Map-Server");
	for (size_t i = 0; i < xtr_nms(x); i++) {
		const struct xtr_ms *m = xtr_ms_at(x, i);
		mw_u64(w, m->registers, "map_server", ipaddr_str(&m->cfg.addr, a, sizeof(a)), NULL);
	}
	mw_family(w, "lisp_xtrd_map_server_notifies_total", METRICS_COUNTER,
		  "Map-Notifies received, per Map-Server");
	for (size_t i = 0; i < xtr_nms(x); i++) {
		const struct xtr_ms *m = xtr_ms_at(x, i);
		mw_u64(w, m->notifies, "map_server", ipaddr_str(&m->cfg.addr, a, sizeof(a)), NULL);
	}
}

void xtr_metrics_write(struct mw *w, struct xtr *x, const struct xtr_detr *d, const struct cli *cli)
{
	const struct xtr_stats *st = xtr_get_stats(x);
	uint64_t n[XTR_SRC__COUNT] = {0};

	xtr_cache_foreach(x, count_src, n);
	mw_family(w, "lisp_xtrd_map_cache_entries", METRICS_GAUGE,
		  "Map-cache entries now, by source (config, map-reply, map-notify, bgp, pending)");
	for (int s = 0; s < XTR_SRC__COUNT; s++)
		mw_u64(w, n[s], "source", xtr_src_name((enum xtr_src)s), NULL);
	mw_family(w, "lisp_xtrd_database_mappings", METRICS_GAUGE,
		  "Local EID prefixes (configured and dynamic)");
	mw_u64(w, xtr_db_count(x), NULL);
	data_plane(w, st);
	control(w, st);
	mw_scalars(w, st, scalars, sizeof(scalars) / sizeof(scalars[0]));
	sockets(w, x);
	map_servers(w, x);
	if (d != NULL) {
		mw_family(w, "lisp_xtrd_detr_host_mappings", METRICS_GAUGE,
			  "D-ETR: host mappings learned over BGP (EIDs with at least one peer's "
			  "mapping)");
		mw_u64(w, xtr_detr_count(d), NULL);
		const struct xtr_underlay *u = xtr_detr_underlay(d);
		if (u != NULL) {
			struct bgp *b = xtr_detr_speaker(d);
			unsigned up, configured;
			bgp_underlay_sessions(b, &up, &configured);
			mw_family(w, "lisp_xtrd_underlay_fit", METRICS_GAUGE,
				  "D-ETR: 1 when fit to forward (a complete mapping table, or kept "
				  "by graceful restart), else 0");
			mw_u64(w, xtr_underlay_fit(u), NULL);
			mw_family(w, "lisp_xtrd_underlay_announced_routes", METRICS_GAUGE,
				  "D-ETR: routes announced to the underlay now");
			mw_u64(w, xtr_underlay_routes(u), NULL);
			mw_family(w, "lisp_xtrd_underlay_sessions", METRICS_GAUGE,
				  "D-ETR: underlay BGP sessions, Established (up) and configured");
			mw_u64(w, up, "state", "up", NULL);
			mw_u64(w, configured, "state", "configured", NULL);
			mw_family(w, "lisp_xtrd_bgp_nexthop_rejected_total", METRICS_COUNTER,
				  "D-ETR: host routes whose next hop cannot be an RLOC, treated as "
				  "withdrawn");
			mw_u64(w, bgp_nexthop_rejected(b), NULL);
			mw_family(w, "lisp_xtrd_bgp_underlay_routes_ignored_total", METRICS_COUNTER,
				  "D-ETR: routes received from underlay peers, dropped");
			mw_u64(w, bgp_underlay_ignored(b), NULL);
		}
		bgp_metrics_write(w, xtr_detr_speaker(d));
	}
	metrics_write_common(w, "lisp-xtrd", cli);
}
