/* SPDX-License-Identifier: ISC */
/*
 * ms/metrics.c - lisp-msd's Prometheus families (common/metrics.h, docs/metrics.md): the
 * registrations per site, every counter of `show statistics` read from the same places the
 * CLI reads them (struct ms_stats and its name tables ms_drop_name, proto_err_name,
 * ms_answer_name, lisp_type_name; the push's and the reply limit's counters), the
 * Map-Register -> Map-Notify latency histogram, the speaker's per-peer families
 * (bgp_metrics_write) and those every daemon has (metrics_write_common). tests/unit/test_ms_metrics
 * checks that every counter `show statistics json` prints shows up here.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "bgp/bgp.h"
#include "common/cli.h"
#include "common/metrics.h"
#include "ms/ms.h"
#include "proto/err.h"
#include "proto/lisp_msg.h"

/* The message types show statistics names (the rest is "other"). */
static const unsigned msg_types[] = {LISP_T_MAP_REQUEST, LISP_T_MAP_REPLY,	LISP_T_MAP_REGISTER,
				     LISP_T_MAP_NOTIFY,	 LISP_T_MAP_NOTIFY_ACK, LISP_T_ECM};

static bool named_type(unsigned t)
{
	for (size_t i = 0; i < sizeof(msg_types) / sizeof(msg_types[0]); i++)
		if (msg_types[i] == t)
			return true;
	return false;
}

static void by_type(struct mw *w, const struct ms_stats *st, size_t off, const char *name,
		    const char *help)
{
	uint64_t other = 0;

	mw_family(w, name, METRICS_COUNTER, help);
	for (unsigned t = 0; t < 16; t++) {
		const uint64_t *v = (const uint64_t *)((const char *)&st->type[t] + off);
		if (named_type(t))
			mw_u64(w, *v, "type", lisp_type_name(t), NULL);
		else
			other += *v;
	}
	mw_u64(w, other, "type", "other", NULL);
}

/* Per configured site from the counts kept as registrations change (ms_site_count), so a
 * scrape costs one lookup per site, not a walk of every registration; registrations of a
 * site removed from the configuration by a reload (until they expire) under site="". */
static void registrations(struct mw *w, struct ms *ms)
{
	const struct ms_cfg *cfg = ms_config(ms);
	size_t total = ms_count(ms), named = 0;

	mw_family(w, "lisp_msd_registrations", METRICS_GAUGE,
		  "Registered EID prefixes now, per site");
	for (size_t i = 0; i < cfg->nsites; i++) {
		size_t n = ms_site_count(ms, cfg->sites[i].name);
		named += n;
		mw_u64(w, n, "site", cfg->sites[i].name, NULL);
	}
	if (total > named)
		mw_u64(w, total - named, "site", "", NULL);
}

/* The scalar counters of show statistics, by their offset in struct ms_stats. */
#define STAT(f) offsetof(struct ms_stats, f)
static const struct mw_scalar scalars[] = {
    {"lisp_msd_registrations_total", METRICS_COUNTER, STAT(registrations),
     "Registrations accepted that were new or changed a mapping (show statistics: registered)"},
    {"lisp_msd_refreshes_total", METRICS_COUNTER, STAT(refreshes),
     "Registrations that only renewed an identical mapping"},
    {"lisp_msd_deregistrations_total", METRICS_COUNTER, STAT(deregistrations),
     "Records with TTL 0 that removed a registration"},
    {"lisp_msd_expirations_total", METRICS_COUNTER, STAT(expirations),
     "Registrations that expired without a refresh"},
    {"lisp_msd_moves_total", METRICS_COUNTER, STAT(moves),
     "Registrations that changed an EID's RLOC set (VM moves)"},
    {"lisp_msd_arrival_notifies_total", METRICS_COUNTER, STAT(arrival_notifies),
     "Map-Notifies to the new RLOCs of a third-party registration"},
    {"lisp_msd_proxy_replies_total", METRICS_COUNTER, STAT(proxy_replies),
     "Map-Replies sent by the Map-Server on behalf of the ETR"},
    {"lisp_msd_forwarded_to_etr_total", METRICS_COUNTER, STAT(forwarded),
     "Map-Requests forwarded to the registering ETR"},
    {"lisp_msd_negative_replies_total", METRICS_COUNTER, STAT(negative_replies),
     "Negative Map-Replies sent"},
    {"lisp_msd_map_notify_acks_total", METRICS_COUNTER, STAT(notify_acks),
     "Map-Notify-Acks received for unsolicited Map-Notifies"},
    {"lisp_msd_map_notify_retransmits_total", METRICS_COUNTER, STAT(notify_retransmits),
     "Unsolicited Map-Notifies retransmitted"},
    {"lisp_msd_notify_queued_eids_total", METRICS_COUNTER, STAT(notify_queued_eids),
     "EIDs queued for a coalesced Map-Notify to a site (arrival, departure)"},
    {"lisp_msd_notify_messages_total", METRICS_COUNTER, STAT(notify_messages),
     "Coalesced Map-Notifies sent to sites (first transmissions)"},
    {"lisp_msd_notify_records_total", METRICS_COUNTER, STAT(notify_records),
     "Records (EIDs) in those Map-Notifies"},
    {"lisp_msd_notify_acked_eids_total", METRICS_COUNTER, STAT(notify_eids_acked),
     "EIDs of coalesced Map-Notifies acknowledged"},
    {"lisp_msd_notify_superseded_eids_total", METRICS_COUNTER, STAT(notify_eids_superseded),
     "EIDs left out of a coalesced Map-Notify: the mapping changed since"},
    {"lisp_msd_notify_abandoned_eids_total", METRICS_COUNTER, STAT(notify_eids_abandoned),
     "EIDs dropped with the queue of a destination that acknowledged nothing"},
    {"lisp_msd_subscriptions_total", METRICS_COUNTER, STAT(subscriptions),
     "RFC 9437 subscriptions made"},
    {"lisp_msd_unsubscriptions_total", METRICS_COUNTER, STAT(unsubscriptions),
     "RFC 9437 subscriptions removed"},
    {"lisp_msd_store_commits_total", METRICS_COUNTER, STAT(store_commits),
     "Database transactions committed"},
    {"lisp_msd_store_rows_total", METRICS_COUNTER, STAT(store_rows),
     "Database rows written by those commits"},
    {"lisp_msd_replay_entries", METRICS_GAUGE, STAT(replay_entries),
     "Replay protection: last-nonce entries held"},
    {"lisp_msd_replay_evictions_total", METRICS_COUNTER, STAT(replay_evictions),
     "Replay protection: entries evicted into their floor"},
    {"lisp_msd_seen_nonces", METRICS_GAUGE, STAT(seen_nonces),
     "Replay protection: nonces held for random-nonce sites"},
    {"lisp_msd_seen_nonces_evicted_early_total", METRICS_COUNTER, STAT(seen_early_evictions),
     "Replay protection: seen nonces evicted before the lifetime of what they registered"},
};

static void bgp_push(struct mw *w, const struct ms_push *p)
{
	const struct ms_push_stats *bs;

	if (p == NULL)
		return;
	bs = ms_push_get_stats(p);
	mw_family(w, "lisp_msd_bgp_push_enabled", METRICS_GAUGE,
		  "1 when a BGP speaker takes the pushed mappings");
	mw_u64(w, ms_push_speaker(p) != NULL, NULL);
	mw_family(w, "lisp_msd_bgp_push_total", METRICS_COUNTER,
		  "Registration changes pushed to BGP, by what was done (announced, withdrawn; "
		  "suppressed: nothing to send; refused by the speaker)");
	mw_u64(w, bs->announced, "action", "announced", NULL);
	mw_u64(w, bs->withdrawn, "action", "withdrawn", NULL);
	mw_u64(w, bs->suppressed, "action", "suppressed", NULL);
	mw_u64(w, bs->refused, "action", "refused", NULL);
	mw_family(w, "lisp_msd_bgp_push_resyncs_total", METRICS_COUNTER,
		  "Full re-announcements to a new speaker");
	mw_u64(w, bs->resyncs, NULL);
}

void ms_metrics_write(struct mw *w, struct ms *ms, const struct cli *cli)
{
	const struct ms_stats *st = ms_get_stats(ms);
	size_t tracked;
	uint64_t evicted;

	registrations(w, ms);
	by_type(w, st, offsetof(struct ms_type_stats, rx), "lisp_msd_messages_received_total",
		"Control messages received, by LISP type");
	by_type(w, st, offsetof(struct ms_type_stats, tx), "lisp_msd_messages_sent_total",
		"Control messages sent, by LISP type");
	by_type(w, st, offsetof(struct ms_type_stats, dropped), "lisp_msd_messages_dropped_total",
		"Control messages dropped, by LISP type");
	mw_family(w, "lisp_msd_dropped_total", METRICS_COUNTER,
		  "Messages dropped, by reason (malformed: detailed by lisp_msd_malformed_total)");
	for (unsigned d = 0; d < MS_DROP__COUNT; d++)
		mw_u64(w, st->drop[d], "reason", ms_drop_name(d), NULL);
	mw_family(w, "lisp_msd_malformed_total", METRICS_COUNTER,
		  "Malformed messages, by parser error");
	for (int c = 1; c < PERR__COUNT; c++)
		mw_u64(w, st->malformed[c], "error", proto_err_name(c), NULL);
	mw_scalars(w, st, scalars, sizeof(scalars) / sizeof(scalars[0]));
	mw_family(w, "lisp_msd_answers_refused_total", METRICS_COUNTER,
		  "Answers refused by the per-destination rate limit, by kind");
	for (unsigned a = 0; a < MS_ANSWER__COUNT; a++)
		mw_u64(w, st->answers_refused[a], "answer", ms_answer_name(a), NULL);
	ms_reply_limit_stats(ms, &tracked, &evicted);
	mw_family(w, "lisp_msd_reply_limit_destinations", METRICS_GAUGE,
		  "Destinations (ITR-RLOCs) tracked by the per-destination rate limit");
	mw_u64(w, tracked, NULL);
	mw_family(w, "lisp_msd_reply_limit_destinations_evicted_total", METRICS_COUNTER,
		  "Destinations evicted from the per-destination rate limit's table");
	mw_u64(w, evicted, NULL);
	mw_family(w, "lisp_msd_subscribers", METRICS_GAUGE, "RFC 9437 subscriptions now");
	size_t nsubs = 0;
	for (const struct ms_sub *s = ms_subscribers(ms); s; s = s->next)
		nsubs++;
	mw_u64(w, nsubs, NULL);
	mw_family(w, "lisp_msd_map_notifies_pending", METRICS_GAUGE,
		  "Unsolicited Map-Notifies waiting for their Map-Notify-Ack");
	mw_u64(w, ms_pending_notifies(ms), NULL);
	mw_family(w, "lisp_msd_notify_pending_eids", METRICS_GAUGE,
		  "EIDs held for coalesced Map-Notifies to sites (queued or awaiting the Ack)");
	mw_u64(w, ms_pending_notify_eids(ms), NULL);
	mw_family(w, "lisp_msd_notify_destinations", METRICS_GAUGE,
		  "Destinations (RLOC, site, key) with coalesced Map-Notifies held");
	mw_u64(w, ms_notify_destinations(ms), NULL);
	mw_family(w, "lisp_msd_register_notify_latency_seconds", METRICS_HISTOGRAM,
		  "Time from receiving a Map-Register to sending its Map-Notify acknowledgement "
		  "(after the database commit)");
	mw_hist(w, ms_notify_latency(ms), NULL);
	bgp_push(w, ms_get_push(ms));
	bgp_metrics_write(w, ms_get_push(ms) ? ms_push_bgp(ms_get_push(ms)) : NULL);
	metrics_write_common(w, "lisp-msd", cli);
}
