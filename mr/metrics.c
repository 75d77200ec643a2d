/* SPDX-License-Identifier: ISC */
/*
 * mr/metrics.c - lisp-mrd's Prometheus families (common/metrics.h, docs/metrics.md): every
 * counter of `show statistics` read from the same places the CLI reads them (struct mr_stats
 * and its name tables mr_drop_name, proto_err_name; the reply limit's table), the state and
 * counters of each Map-Server (`show map-servers`), then those every daemon has
 * (metrics_write_common). tests/unit/test_mr_metrics checks that every counter `show statistics
 * json` prints shows up here.
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>

#include "common/cli.h"
#include "common/metrics.h"
#include "mr/mr.h"
#include "proto/err.h"

#define STAT(f) offsetof(struct mr_stats, f)
static const struct mw_scalar scalars[] = {
    {"lisp_mrd_received_total", METRICS_COUNTER, STAT(rx), "Datagrams received"},
    {"lisp_mrd_ecm_map_requests_total", METRICS_COUNTER, STAT(ecm_requests),
     "Valid ECM'd Map-Requests"},
    {"lisp_mrd_forwarded_total", METRICS_COUNTER, STAT(forwarded),
     "Map-Requests forwarded to a Map-Server"},
    {"lisp_mrd_negative_replies_total", METRICS_COUNTER, STAT(negative),
     "Negative Map-Replies sent"},
    {"lisp_mrd_retransmits_total", METRICS_COUNTER, STAT(retransmits),
     "Map-Requests seen again (same ITR and nonce) within the retransmit window"},
    {"lisp_mrd_failovers_total", METRICS_COUNTER, STAT(failovers),
     "Forwards to another Map-Server than the first choice"},
    {"lisp_mrd_all_servers_down_total", METRICS_COUNTER, STAT(all_down),
     "Forwards while every Map-Server of the prefix was down"},
    {"lisp_mrd_pending_evicted_total", METRICS_COUNTER, STAT(pending_evicted),
     "Remembered forwards evicted before their window ended"},
};

static void errors(struct mw *w, const char *name, const char *help, const uint64_t *v)
{
	mw_family(w, name, METRICS_COUNTER, help);
	for (int c = 1; c < PERR__COUNT; c++)
		mw_u64(w, v[c], "error", proto_err_name(c), NULL);
}

static void servers(struct mw *w, struct mr *mr)
{
	char a[IPADDR_STRLEN + 8], ip[IPADDR_STRLEN];
	static const enum mr_srv_state states[] = {MR_SRV_UP, MR_SRV_DOWN, MR_SRV_PROBING};
	static const struct {
		const char *name, *help;
		size_t off;
	} f[] = {
	    {"lisp_mrd_map_server_forwards_total", "Map-Requests forwarded to the Map-Server",
	     offsetof(struct mr_server, forwards)},
	    {"lisp_mrd_map_server_failures_total",
	     "Forwards the Map-Server did not answer (seen by a retransmission)",
	     offsetof(struct mr_server, failures)},
	    {"lisp_mrd_map_server_answered_total", "Forwards the Map-Server answered",
	     offsetof(struct mr_server, answered)},
	    {"lisp_mrd_map_server_state_changes_total", "State changes of the Map-Server",
	     offsetof(struct mr_server, state_changes)},
	};

	mw_family(w, "lisp_mrd_map_server_state", METRICS_GAUGE,
		  "The Map-Server's state (up, down, probing): 1 for the current one");
	for (size_t i = 0; i < mr_nservers(mr); i++) {
		const struct mr_server *s = mr_server_at(mr, i);
		snprintf(a, sizeof(a), "%s:%u", ipaddr_str(&s->ep.addr, ip, sizeof(ip)),
			 s->ep.port);
		for (size_t k = 0; k < sizeof(states) / sizeof(states[0]); k++)
			mw_u64(w, s->state == states[k], "map_server", a, "state",
			       mr_srv_state_name(states[k]), NULL);
	}
	for (size_t j = 0; j < sizeof(f) / sizeof(f[0]); j++) {
		mw_family(w, f[j].name, METRICS_COUNTER, f[j].help);
		for (size_t i = 0; i < mr_nservers(mr); i++) {
			const struct mr_server *s = mr_server_at(mr, i);
			snprintf(a, sizeof(a), "%s:%u", ipaddr_str(&s->ep.addr, ip, sizeof(ip)),
				 s->ep.port);
			mw_u64(w, *(const uint64_t *)((const char *)s + f[j].off), "map_server", a,
			       NULL);
		}
	}
}

void mr_metrics_write(struct mw *w, struct mr *mr, const struct cli *cli)
{
	const struct mr_stats *st = mr_get_stats(mr);
	size_t tracked;
	uint64_t evicted;

	mw_scalars(w, st, scalars, sizeof(scalars) / sizeof(scalars[0]));
	mw_family(w, "lisp_mrd_pending_forwards", METRICS_GAUGE,
		  "Forwards remembered for failover now");
	mw_u64(w, mr_pending_count(mr), NULL);
	mw_family(w, "lisp_mrd_dropped_total", METRICS_COUNTER, "Datagrams dropped, by reason");
	for (int d = 0; d < MR_DROP__COUNT; d++)
		mw_u64(w, st->drops[d], "reason", mr_drop_name((enum mr_drop)d), NULL);
	errors(w, "lisp_mrd_ecm_errors_total", "Malformed ECMs, by parser error", st->ecm_err);
	errors(w, "lisp_mrd_map_request_errors_total", "Malformed Map-Requests, by parser error",
	       st->req_err);
	mr_reply_limit_stats(mr, &tracked, &evicted);
	mw_family(w, "lisp_mrd_reply_limit_destinations", METRICS_GAUGE,
		  "ITR-RLOCs tracked by the per-destination rate limit of negative replies");
	mw_u64(w, tracked, NULL);
	mw_family(w, "lisp_mrd_reply_limit_destinations_evicted_total", METRICS_COUNTER,
		  "ITR-RLOCs evicted from the per-destination rate limit's table");
	mw_u64(w, evicted, NULL);
	servers(w, mr);
	metrics_write_common(w, "lisp-mrd", cli);
}
