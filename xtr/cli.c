/* SPDX-License-Identifier: ISC */
/*
 * xtr/cli.c - lisp-xtrd's telnet CLI commands (docs/architecture.md "Telnet CLI") on
 * common/cli: show map-cache [count|detail] [PREFIX [exact|longest|longer]] [rloc ADDR] (a
 * table by default, streamed in batches over lpm_next; an address alone: that entry), show
 * database (and the EIDs that moved away), show
 * statistics (the core's counters, and the sockets' from the I/O callbacks: datagrams
 * received, sent, refused, truncated), show map-servers, clear map-cache [EID], show version,
 * debug {control|data|off}; help and quit are built in. Handlers only describe data through
 * common/out (text, or JSON with `json`).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cli.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/lpm.h"
#include "common/ratelimit.h"
#include "common/udpio.h"
#include "bgp/bgp.h"
#include "xtr/detr.h"
#include "xtr/xtr_int.h"

/* ---- show map-cache: streamed in batches (common/cli.h cli_stream) ---- */

struct mc_ctx {
	struct xtr *x;
	struct out *o;
	uint64_t now;
	struct cli_filter f;
	struct lpm_cursor cur;
	size_t n, batch;
};

static void entry_out(void *arg, const struct xtr_entry *e)
{
	struct mc_ctx *c = arg;
	struct out *o = c->o;
	char p[PREFIX_STRLEN], a[IPADDR_STRLEN];

	out_begin_object(o, NULL);
	out_str(o, "eidPrefix", prefix_str(&e->eid, p, sizeof(p)));
	out_uint(o, "instanceId", e->eid.iid);
	out_str(o, "source", xtr_src_name((enum xtr_src)e->src));
	out_time_ms(o, "changedUnixMs", xtr_entry_changed_ms(c->x, e));
	if (e->src == XTR_SRC_BGP && e->ext) {
		out_str(o, "bgpPeer", ipaddr_str(&e->ext->bgp_peer, a, sizeof(a)));
		out_uint(o, "mapVersion", e->ext->map_version);
		if (e->ext->reg_ms) /* the order between Map-Servers (docs/bgp-mappings.md) */
			out_uint(o, "registeredUnixMs", e->ext->reg_ms);
	}
	uint64_t exp = xtr_entry_expires_ns(c->x, e), used = xtr_entry_last_used_ns(c->x, e);
	if (exp)
		out_age(o, "ttlLeftSeconds", exp > c->now ? (exp - c->now) / NSEC_PER_SEC : 0);
	else
		out_null(o, "ttlLeftSeconds");
	out_uint(o, "ttlMinutes", e->ttl);
	out_str(o, "action", e->nloc ? "encapsulate" : lisp_action_name(e->action));
	out_bool(o, "authoritative", e->authoritative);
	out_uint(o, "packets", e->packets);
	out_uint(o, "bytes", e->bytes);
	out_age(o, "idleSeconds", c->now > used ? (c->now - used) / NSEC_PER_SEC : 0);
	if (e->src == XTR_SRC_PENDING)
		out_uint(o, "queued", xtr_entry_queued(e));
	out_begin_array(o, "locators");
	for (unsigned i = 0; i < e->nloc; i++) {
		const struct xtr_loc *l = xtr_entry_loc(e, i);
		out_begin_object(o, NULL);
		out_str(o, "address", ipaddr_str(&l->addr, a, sizeof(a)));
		out_uint(o, "priority", l->priority);
		out_uint(o, "weight", l->weight);
		out_str(o, "state", xtr_rloc_up(c->x, &l->addr) ? "up" : "down");
		struct xtr_rloc_info ri;
		if (xtr_rloc_info(c->x, &l->addr, &ri)) {
			/* RLOC probing (RFC 9301 §7.1): what decides the state */
			out_begin_object(o, "probe");
			out_uint(o, "intervalMs", ri.interval_ms);
			out_uint(o, "timeoutMs", ri.timeout_ms);
			out_uint(o, "retries", ri.retries);
			out_uint(o, "sent", ri.probes);
			out_uint(o, "replies", ri.replies);
			out_uint(o, "missed", ri.missed);
			if (ri.rtt_ns)
				out_uint(o, "rttUs", ri.rtt_ns / 1000);
			else
				out_null(o, "rttUs");
			out_end(o);
		}
		out_end(o);
	}
	out_end(o);
	out_end(o);
}

#define MC_HEAD "%-28s %-8s %-26s %-5s %-8s %-8s %s\n"

static void entry_row(struct mc_ctx *c, const struct xtr_entry *e)
{
	char p[PREFIX_STRLEN], r[IPADDR_STRLEN + 16], ttl[OUT_TIME_LEN], idle[OUT_TIME_LEN];
	char pk[24];
	uint64_t exp = xtr_entry_expires_ns(c->x, e), used = xtr_entry_last_used_ns(c->x, e);

	if (e->nloc) {
		ipaddr_str(&xtr_entry_loc(e, 0)->addr, r, sizeof(r));
		if (e->nloc > 1)
			snprintf(r + strlen(r), sizeof(r) - strlen(r), " +%u", e->nloc - 1);
	} else {
		snprintf(r, sizeof(r), "(%s)", lisp_action_name(e->action));
	}
	if (exp)
		out_fmt_age(ttl, sizeof(ttl), exp > c->now ? (exp - c->now) / NSEC_PER_SEC : 0);
	else
		snprintf(ttl, sizeof(ttl), "never");
	out_fmt_age(idle, sizeof(idle), c->now > used ? (c->now - used) / NSEC_PER_SEC : 0);
	snprintf(pk, sizeof(pk), "%u", e->packets);
	out_printf(c->o, MC_HEAD, prefix_str(&e->eid, p, sizeof(p)),
		   xtr_src_name((enum xtr_src)e->src), r,
		   e->nloc ? (xtr_rloc_up(c->x, &xtr_entry_loc(e, 0)->addr) ? "up" : "down") : "-",
		   ttl, idle, pk);
}

static bool entry_has_rloc(const struct xtr_entry *e, const struct ipaddr *a)
{
	for (unsigned i = 0; i < e->nloc; i++)
		if (ipaddr_eq(&xtr_entry_loc(e, i)->addr, a))
			return true;
	return false;
}

static int entry_one(void *arg, const struct xtr_entry *e)
{
	struct mc_ctx *c = arg;

	if (!cli_filter_prefix(&c->f, &e->eid))
		return 0;
	if (c->f.has_rloc && !entry_has_rloc(e, &c->f.rloc))
		return 0;
	c->n++;
	if (c->f.view == CLI_VIEW_COUNT)
		return 0;
	if (c->f.view == CLI_VIEW_TABLE && !out_json(c->o))
		entry_row(c, e);
	else
		entry_out(c, e);
	return ++c->batch >= CLI_BATCH;
}

static void mc_end(struct mc_ctx *c, struct out *o)
{
	if (c->f.view == CLI_VIEW_COUNT) {
		cli_out_count(o, c->n);
	} else if (out_json(o) || c->f.view == CLI_VIEW_DETAIL) {
		out_end(o); /* mappings */
		out_uint(o, "count", c->n);
		out_end(o);
	} else {
		out_printf(o, "%zu entr%s\n", c->n, c->n == 1 ? "y" : "ies");
	}
}

static bool mc_more(struct cli_req *r, struct out *o, void *arg)
{
	struct mc_ctx *c = arg;

	c->x = r->ctx;
	c->o = o;
	c->batch = 0;
	c->now = now_ns();
	if (xtr_cache_next(c->x, &c->cur, CLI_SCAN, entry_one, c) < 0) {
		out_error(o, "out of memory");
		return true;
	}
	if (!lpm_cursor_done(&c->cur))
		return false;
	mc_end(c, o);
	return true;
}

static void mc_free(void *arg)
{
	free(arg);
}

static void show_map_cache(struct cli_req *r, struct out *o)
{
	struct xtr *x = r->ctx;
	struct mc_ctx *c = calloc(1, sizeof(*c));

	if (!c) {
		out_error(o, "out of memory");
		return;
	}
	c->x = x;
	c->o = o;
	c->now = now_ns();
	lpm_cursor_init(&c->cur);
	if (cli_filter_parse(r, CLI_F_VIEW | CLI_F_PREFIX | CLI_F_RLOC, &c->f, o) < 0)
		goto done;
	if (c->f.match != CLI_MATCH_NONE && c->f.prefix.iid == 0)
		c->f.prefix.iid = x->cfg.iid;
	if (c->f.match == CLI_MATCH_LONGEST || c->f.match == CLI_MATCH_EXACT) {
		/* one entry: the object itself, every field */
		char want[PREFIX_STRLEN];
		struct xtr_entry *e = NULL;
		struct ipaddr a;
		prefix_str(&c->f.prefix, want, sizeof(want));
		memset(&a, 0, sizeof(a));
		a.afi = c->f.prefix.afi;
		memcpy(a.a, c->f.prefix.a, afi_addr_len(a.afi));
		e = xtr_cache_lookup(x, c->f.prefix.iid, &a);
		if (e && (e->eid.plen > c->f.prefix.plen ||
			  (c->f.match == CLI_MATCH_EXACT && !prefix_eq(&e->eid, &c->f.prefix))))
			e = NULL; /* longest for a prefix: an entry containing all of it */
		if (e && c->f.has_rloc && !entry_has_rloc(e, &c->f.rloc))
			e = NULL;
		if (e == NULL) {
			out_error(o, "no map-cache entry for %s", c->f.addr_only ? r->arg : want);
			goto done;
		}
		if (c->f.view == CLI_VIEW_COUNT) {
			c->n = 1;
			mc_end(c, o);
		} else {
			entry_out(c, e);
		}
		goto done;
	}
	if (c->f.view == CLI_VIEW_COUNT && c->f.match == CLI_MATCH_NONE && !c->f.has_rloc) {
		c->n = xtr_cache_count(x);
		mc_end(c, o);
		goto done;
	}
	if (c->f.view != CLI_VIEW_COUNT) {
		if (out_json(o) || c->f.view == CLI_VIEW_DETAIL) {
			out_begin_object(o, NULL);
			out_uint(o, "entries", xtr_cache_count(x));
			out_uint(o, "dynamic", xtr_cache_dynamic(x));
			out_uint(o, "pending", xtr_cache_pending(x));
			out_uint(o, "pendingSources", x->nsrc_active);
			out_uint(o, "maxEntries", x->cfg.cache_max);
			out_begin_array(o, "mappings");
		} else {
			out_printf(o, MC_HEAD, "EID", "Source", "RLOC", "State", "TTL left", "Idle",
				   "Packets");
		}
	}
	cli_stream(r, mc_more, mc_free, c);
	return;
done:
	free(c);
}

static void show_database(struct cli_req *r, struct out *o)
{
	struct xtr *x = r->ctx;
	char p[PREFIX_STRLEN], a[IPADDR_STRLEN];
	struct lisp_record rec;

	out_begin_object(o, NULL);
	out_begin_array(o, "mappings");
	for (size_t i = 0; i < xtr_db_count(x); i++) {
		const struct xtr_db_entry *d = xtr_db_at(x, i);
		xtr_db_record(x, d, &rec, d->ttl, NULL);
		out_begin_object(o, NULL);
		out_str(o, "eidPrefix", prefix_str(&d->eid, p, sizeof(p)));
		out_uint(o, "instanceId", d->eid.iid);
		out_str(o, "source", d->dynamic ? "dynamic" : "config");
		out_uint(o, "ttlMinutes", d->ttl);
		out_begin_array(o, "locators");
		for (unsigned j = 0; j < rec.nloc; j++) {
			out_begin_object(o, NULL);
			out_str(o, "address", ipaddr_str(&rec.loc[j].addr.addr[0], a, sizeof(a)));
			out_uint(o, "priority", rec.loc[j].priority);
			out_uint(o, "weight", rec.loc[j].weight);
			out_bool(o, "local", (rec.loc[j].flags & LISP_LOC_F_LOCAL) != 0);
			out_end(o);
		}
		out_end(o);
		out_end(o);
	}
	out_end(o);
	/* EIDs that moved away: re-encapsulated for <etr reencapsulate-moved-away> s */
	uint64_t now = now_ns(), window = (uint64_t)x->cfg.moved_away_s * NSEC_PER_SEC;
	out_begin_array(o, "movedAway");
	for (size_t i = 0; i < XTR_MOVED_MAX && x->nmoved; i++) {
		const struct xtr_moved *m = &x->movedv[i];
		if (!m->used)
			continue;
		out_begin_object(o, NULL);
		out_str(o, "eidPrefix", prefix_str(&m->eid, p, sizeof(p)));
		out_uint(o, "secondsAgo", now > m->at ? (now - m->at) / NSEC_PER_SEC : 0);
		out_uint(o, "reencapsulateSecondsLeft",
			 m->at + window > now ? (m->at + window - now) / NSEC_PER_SEC : 0);
		out_end(o);
	}
	out_end(o);
	out_end(o);
}

static void sock_out(struct out *o, const char *name, const struct xtr_sock_stats *s)
{
	out_begin_object(o, name);
	out_uint(o, "received", s->rx);
	out_uint(o, "sent", s->tx);
	out_uint(o, "receiveErrors", s->rx_errors);
	out_uint(o, "sendErrors", s->tx_errors);
	out_uint(o, "truncated", s->truncated);
	out_end(o);
}

static void show_statistics(struct cli_req *r, struct out *o)
{
	struct xtr *x = r->ctx;
	const struct xtr_stats *st = xtr_get_stats(x);
	struct log_input_stats ls;

	out_begin_object(o, NULL);
	out_begin_object(o, "data");
	out_uint(o, "tunIn", st->tun_in);
	out_uint(o, "tunInBytes", st->tun_in_bytes);
	out_uint(o, "encapsulated", st->encap);
	out_uint(o, "encapsulatedBytes", st->encap_bytes);
	out_uint(o, "etrIn", st->etr_in);
	out_uint(o, "decapsulated", st->decap);
	out_uint(o, "decapsulatedBytes", st->decap_bytes);
	out_uint(o, "reencapsulated", st->reencap);
	out_uint(o, "reencapsulatedBytes", st->reencap_bytes);
	out_uint(o, "nativelyForwarded", st->native);
	out_uint(o, "queued", st->queued);
	out_uint(o, "dequeued", st->dequeued);
	out_uint(o, "icmpTooBig", st->icmp_too_big);
	out_uint(o, "bouncedToSender", st->bounced);
	out_uint(o, "resolvedFallback", st->resolved_fallback);
	/* D-ETR PITR: TUN packets given to a <tenant> by its <client> rule */
	out_uint(o, "tenantClassified", st->tenant_classified);
	out_end(o);
	out_begin_object(o, "bgp");
	out_uint(o, "installs", st->bgp_installs);
	out_uint(o, "withdrawals", st->bgp_withdrawals);
	out_uint(o, "purged", st->bgp_purged);
	out_uint(o, "ignoredOlder", st->bgp_ignored);
	out_uint(o, "staleEvents", st->bgp_stale);
	out_uint(o, "foreignInstance", st->bgp_foreign);
	out_uint(o, "reencapsulated", st->reencap);
	if (x->detr) { /* host routes refused for their next hop; routes of underlay peers */
		struct bgp *b = xtr_detr_speaker(x->detr);
		out_uint(o, "nextHopRejected", bgp_nexthop_rejected(b));
		out_uint(o, "underlayRoutesIgnored", bgp_underlay_ignored(b));
	}
	out_end(o);
	if (x->detr) /* redundant D-ETRs: the underlay announcements (xtr/underlay.h) */
		xtr_detr_show_stats(x->detr, o);
	out_begin_object(o, "drops");
	for (int d = 0; d < XTR_DROP__COUNT; d++)
		out_uint(o, xtr_drop_name((enum xtr_drop)d), st->drops[d]);
	out_end(o);
	out_begin_object(o, "mapCache");
	out_uint(o, "evictions", st->cache_evictions);
	out_uint(o, "expired", st->cache_expired);
	out_uint(o, "pendingPreempted", st->pending_preempted);
	out_end(o);
	out_begin_object(o, "control");
	out_uint(o, "mapRequestsSent", st->mreq_sent);
	out_uint(o, "mapRequestRetransmits", st->mreq_retrans);
	out_uint(o, "mapResolverFailovers", st->mreq_failover);
	out_uint(o, "smrSent", st->smr_sent);
	out_uint(o, "smrReceived", st->smr_in);
	out_uint(o, "smrInvokedRequests", st->smr_invoked);
	out_uint(o, "probesSent", st->probes_sent);
	out_uint(o, "probeReplies", st->probe_replies);
	out_uint(o, "locatorsDown", st->probe_down);
	out_uint(o, "locatorsUp", st->probe_up);
	out_uint(o, "probesMissed", st->probe_missed);
	out_uint(o, "eidsMovedAway", st->moves);
	out_uint(o, "eidsMovedHere", st->moved_here);
	out_uint(o, "subscriptionsSent", st->subs_sent);
	out_uint(o, "subscriptionNotifiesReceived", st->sub_notifies);
	out_uint(o, "subscriptionNotifiesAcked", st->sub_acks);
	out_uint(o, "subscriptionNotifiesAuthFailed", st->sub_auth_failed);
	out_begin_object(o, "in");
	for (unsigned t = 1; t <= LISP_T_ECM; t++)
		out_uint(o, lisp_type_name(t), st->cin[t]);
	out_end(o);
	out_begin_object(o, "out");
	for (unsigned t = 1; t <= LISP_T_ECM; t++)
		out_uint(o, lisp_type_name(t), st->cout[t]);
	out_end(o);
	out_begin_object(o, "dropped");
	for (int d = 0; d < XTR_CDROP__COUNT; d++)
		out_uint(o, xtr_cdrop_name((enum xtr_cdrop)d), st->cdrops[d]);
	out_end(o);
	out_end(o);
	if (x->io.io_stats) {
		struct xtr_io_stats io;
		x->io.io_stats(x->io.arg, &io);
		out_begin_object(o, "sockets");
		sock_out(o, "data", &io.data);
		sock_out(o, "control", &io.control);
		out_end(o);
	}
	udp_out_stats(o, "udp"); /* the control socket's own drops (the data plane's are above) */
	log_input_stats(&ls);
	out_begin_object(o, "inputLogs");
	out_uint(o, "logged", ls.logged);
	out_uint(o, "suppressed", ls.suppressed);
	out_end(o);
	metrics_out_stats(o, "metrics");
	cli_out_stats(r->cli, o);
	if (x->hooks.stats_out)
		x->hooks.stats_out(x->hooks.arg, o); /* hook: the fast path's counters */
	out_end(o);
}

static void show_map_servers(struct cli_req *r, struct out *o)
{
	struct xtr *x = r->ctx;
	uint64_t now = now_ns();
	char a[IPADDR_STRLEN];

	out_begin_object(o, NULL);
	out_begin_array(o, "mapServers");
	for (size_t i = 0; i < xtr_nms(x); i++) {
		const struct xtr_ms *m = xtr_ms_at(x, i);
		out_begin_object(o, NULL);
		out_str(o, "address", ipaddr_str(&m->cfg.addr, a, sizeof(a)));
		out_uint(o, "port", m->cfg.port);
		out_uint(o, "keyId", m->cfg.key_id);
		out_str(o, "state", xtr_ms_state_name(m->state));
		out_uint(o, "registers", m->registers);
		out_uint(o, "notifies", m->notifies);
		out_uint(o, "notifyAcksSent", m->notify_acks_sent);
		out_uint(o, "unanswered", m->unanswered);
		out_age(o, "nextRegisterSeconds",
			m->next > now ? (m->next - now) / NSEC_PER_SEC : 0);
		if (m->last_notify)
			out_uint(o, "lastNotifySecondsAgo", (now - m->last_notify) / NSEC_PER_SEC);
		else
			out_null(o, "lastNotifySecondsAgo");
		out_end(o);
	}
	out_end(o);
	out_begin_array(o, "mapResolvers");
	for (unsigned i = 0; i < x->cfg.nmr; i++) {
		out_begin_object(o, NULL);
		out_str(o, "address", ipaddr_str(&x->cfg.mr[i].addr, a, sizeof(a)));
		out_uint(o, "port", x->cfg.mr[i].port);
		out_bool(o, "current", i == x->mr_cur);
		out_end(o);
	}
	out_end(o);
	out_end(o);
}

static void clear_map_cache(struct cli_req *r, struct out *o)
{
	struct xtr *x = r->ctx;
	size_t n;

	if (r->arg) {
		struct lisp_prefix p;
		if (prefix_parse(r->arg, &p, true) == -1) {
			out_error(o, "not an EID prefix: %s", r->arg);
			return;
		}
		if (r->arg[0] != '[')
			p.iid = x->cfg.iid; /* [IID]PREFIX: another instance's (a tenant's) */
		n = 0;
		/* the entries covered by it, but never the configured ones */
		for (int s = XTR_SRC_REPLY; s < XTR_SRC__COUNT; s++)
			if (s != XTR_SRC_BGP)
				n += xtr_cache_clear(x, &p, (enum xtr_src)s);
	} else {
		n = 0;
		for (int s = XTR_SRC_REPLY; s < XTR_SRC__COUNT; s++)
			if (s != XTR_SRC_BGP)
				n += xtr_cache_clear(x, NULL, (enum xtr_src)s);
	}
	out_printf(o, "%zu entries removed\n", n);
}

static const struct cli_cmd xtr_cmds[] = {
    {.words = {"show", "version"},
     .json = true,
     .help = "Version and uptime",
     .fn = cli_show_version,
     .access = CLI_READ},
    {.words = {"show", "map-cache"},
     .argmode = CLI_ARG_ANY,
     .arg = "[count|detail] [PREFIX [exact|longest|longer]] [rloc ADDR]",
     .json = true,
     .help = "Map-cache: a table, every field (detail), the number (count); one EID: that entry",
     .fn = show_map_cache,
     .access = CLI_READ},
    {.words = {"show", "database"},
     .json = true,
     .help = "Local EID mappings (registered, answered for), EIDs that moved away",
     .fn = show_database,
     .access = CLI_READ},
    {.words = {"show", "statistics"},
     .json = true,
     .help = "Packets and bytes, drops by reason, control messages by type",
     .fn = show_statistics,
     .access = CLI_READ},
    {.words = {"show", "map-servers"},
     .json = true,
     .help = "Registration state per Map-Server, Map-Resolvers",
     .fn = show_map_servers,
     .access = CLI_READ},
    {.words = {"clear", "map-cache"},
     .argmode = CLI_ARG_OPTIONAL,
     .arg = "EID",
     .help = "Remove learned map-cache entries (covered by EID)",
     .fn = clear_map_cache,
     .access = CLI_ADMIN},
    {.words = {"debug"},
     .argmode = CLI_ARG_REQUIRED,
     .arg = "control|data|off",
     .help = "Log control messages or data-plane drops, or stop",
     .fn = cli_debug,
     .access = CLI_ADMIN},
};

struct cli *xtr_cli_new(struct event_base *base, struct xtr *x)
{
	return cli_new(base, xtr_cmds, sizeof(xtr_cmds) / sizeof(xtr_cmds[0]), "lisp-xtrd", x);
}
