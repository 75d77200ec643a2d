/* SPDX-License-Identifier: ISC */
/*
 * ms/cli.c - lisp-msd's telnet CLI table (common/cli, docs/architecture.md "Telnet CLI"): show
 * sites, show registrations [count|detail] [PREFIX [exact|longest|longer]] [site NAME]
 * [rloc ADDR] [json] (a table by default; streamed in batches over lpm_next; with the map
 * version pushed over BGP and the wall-clock time of the last change, for the demo's
 * timeline), show subscribers [json], show
 * statistics [json] (with the BGP push counters), show version, debug {control|bgp|off}.
 * The speaker's own rows (show bgp summary|neighbors|routes, clear bgp) come from
 * bgp/bgp.h's bgp_cli_commands and are added by main.c. Handlers only produce data through
 * common/out; the renderer makes text or JSON. The CLI context (cli_new's ctx) is the struct ms.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bgp/bgp.h"
#include "common/cli.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/lpm.h"
#include "common/udpio.h"
#include "ms/ms.h"
#include "proto/auth.h"

static void hex(char *dst, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sprintf(dst + 2 * i, "%02x", p[i]);
}

/* ---- show sites: streamed (a configuration may hold 100k sites) ---- */

struct sites_ctx {
	const struct ms_cfg *cfg; /* the configuration the dump started with */
	size_t next;
};

static void site_out(struct out *o, const struct ms_site *s)
{
	char pfx[PREFIX_STRLEN];

	out_begin_object(o, NULL);
	out_str(o, "name", s->name);
	if (s->description != NULL)
		out_str(o, "description", s->description);
	out_str(o, "lifetime", ms_lifetime_name(s->lifetime));
	out_bool(o, "proxyReply", s->proxy_reply);
	out_bool(o, "merge", s->merge);
	out_str(o, "replay", ms_replay_policy_name(s->replay));
	out_begin_array(o, "keys");
	for (size_t k = 0; k < s->nkeys; k++) {
		out_begin_object(o, NULL);
		out_uint(o, "keyId", s->keys[k].key_id);
		out_str(o, "algorithm", lisp_alg_name(s->keys[k].alg));
		out_end(o);
	}
	out_end(o);
	out_begin_array(o, "eidPrefixes");
	for (size_t k = 0; k < s->nallowed; k++) {
		out_begin_object(o, NULL);
		out_str(o, "prefix", prefix_str(&s->allowed[k].prefix, pfx, sizeof(pfx)));
		out_bool(o, "moreSpecifics", s->allowed[k].more_specifics);
		out_end(o);
	}
	out_end(o);
	out_end(o);
}

static bool sites_more(struct cli_req *r, struct out *o, void *arg)
{
	struct sites_ctx *c = arg;
	const struct ms_cfg *cfg = ms_config(r->ctx);

	if (cfg != c->cfg) { /* a reload replaced the sites between two batches */
		out_error(o, "stopped: the configuration was reloaded");
		return true;
	}
	for (size_t n = 0; n < CLI_BATCH && c->next < cfg->nsites; n++)
		site_out(o, &cfg->sites[c->next++]);
	return c->next >= cfg->nsites;
}

static void show_sites(struct cli_req *r, struct out *o)
{
	const struct ms *ms = r->ctx;
	struct sites_ctx *c;
	bool count = r->argc == 1 && strcmp(r->argv[0], "count") == 0;

	if (r->argc > (count ? 1 : 0)) {
		out_error(o, "usage: show sites [count]");
		return;
	}
	if (count) {
		if (out_json(o)) {
			out_begin_object(o, NULL);
			out_uint(o, "count", ms_config(ms)->nsites);
			out_end(o);
		} else {
			out_printf(o, "%zu\n", ms_config(ms)->nsites);
		}
		return;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		out_error(o, "out of memory");
		return;
	}
	c->cfg = ms_config(ms);
	out_begin_object(o, NULL);
	out_begin_array(o, "sites");
	cli_stream(r, sites_more, free, c);
}

/* ---- show registrations: streamed in batches (common/cli.h cli_stream) ---- */

struct reg_ctx {
	struct cli_filter f;
	struct lpm_cursor cur;
	struct out *o;
	size_t n;	/* shown (or counted) */
	size_t batch;	/* rendered in this call */
	uint64_t now_s; /* wall clock, for ages */
};

static void reg_free(void *arg)
{
	free(arg);
}

static bool reg_has_rloc(const struct lisp_record *rec, const struct ipaddr *a)
{
	for (unsigned i = 0; i < rec->nloc; i++)
		if (rec->loc[i].addr.n && ipaddr_eq(&rec->loc[i].addr.addr[0], a))
			return true;
	return false;
}

static void reg_detail(struct out *o, const struct ms_reg *g, const struct lisp_record *rec,
		       uint64_t now_s)
{
	char buf[PREFIX_STRLEN], a[IPADDR_STRLEN], x[40];

	out_begin_object(o, NULL);
	out_str(o, "eid", prefix_str(&g->eid, buf, sizeof(buf)));
	out_str(o, "site", g->site);
	out_uint(o, "ttlMinutes", rec->ttl);
	out_uint(o, "mapVersion", g->version); /* ours, the one BGP carries */
	out_uint(o, "etrMapVersion", rec->map_version);
	out_time_ms(o, "changedUnixMs", g->changed_unix_ms);
	if (!out_json(o))
		out_age(o, "changedAgoSeconds",
			now_s * 1000 > g->changed_unix_ms
			    ? (now_s * 1000 - g->changed_unix_ms) / 1000
			    : 0);
	out_str(o, "etr", ipaddr_str(&g->etr, a, sizeof(a)));
	out_uint(o, "etrPort", g->etr_port);
	out_bool(o, "proxyReply", g->proxy);
	out_bool(o, "merge", g->merge);
	out_bool(o, "persistent", g->persistent);
	out_time(o, "registeredUnix", g->registered_unix);
	out_uint(o, "refreshes", g->refreshes);
	if (g->has_xtr) {
		hex(x, g->ext->xtr_id, 16);
		out_str(o, "xtrId", x);
	}
	out_begin_array(o, "rlocs");
	for (unsigned i = 0; i < rec->nloc; i++) {
		const struct lisp_locator *l = &rec->loc[i];
		out_begin_object(o, NULL);
		out_str(o, "rloc", l->addr.n ? ipaddr_str(&l->addr.addr[0], a, sizeof(a)) : "-");
		out_uint(o, "priority", l->priority);
		out_uint(o, "weight", l->weight);
		out_bool(o, "reachable", (l->flags & LISP_LOC_F_REACHABLE) != 0);
		out_end(o);
	}
	out_end(o);
	out_end(o);
}

#define REG_HEAD "%-28s %-14s %-26s %5s %4s %-9s %s\n"

static void reg_row(struct out *o, const struct ms_reg *g, const struct lisp_record *rec,
		    uint64_t now_s)
{
	char eid[PREFIX_STRLEN], r[IPADDR_STRLEN + 16], age[OUT_TIME_LEN], ttl[12], ver[8];
	char site[15];

	if (rec->nloc == 0 || !rec->loc[0].addr.n)
		snprintf(r, sizeof(r), "-");
	else
		ipaddr_str(&rec->loc[0].addr.addr[0], r, sizeof(r));
	if (rec->nloc > 1)
		snprintf(r + strlen(r), sizeof(r) - strlen(r), " +%u", rec->nloc - 1);
	snprintf(site, sizeof(site), "%s", g->site ? g->site : "-");
	snprintf(ttl, sizeof(ttl), "%u", rec->ttl);
	snprintf(ver, sizeof(ver), "%u", g->version);
	uint64_t ms = now_s * 1000;
	out_fmt_age(age, sizeof(age),
		    ms > g->changed_unix_ms ? (ms - g->changed_unix_ms) / 1000 : 0);
	out_printf(o, REG_HEAD, prefix_str(&g->eid, eid, sizeof(eid)), site, r, ttl, ver, age,
		   g->persistent  ? "persistent"
		   : g->refreshes ? "refreshed"
				  : "");
}

/* One registration of the walk: filtered, then shown in the chosen view. */
static int reg_one(const struct ms_reg *g, void *arg)
{
	struct reg_ctx *rc = arg;
	struct lisp_record rec;

	if (!cli_filter_prefix(&rc->f, &g->eid))
		return 0;
	if (rc->f.has_site && (!g->site || strcmp(g->site, rc->f.site) != 0))
		return 0;
	if (rc->f.has_rloc || rc->f.view != CLI_VIEW_COUNT)
		ms_reg_record(g, &rec);
	if (rc->f.has_rloc && !reg_has_rloc(&rec, &rc->f.rloc))
		return 0;
	rc->n++;
	if (rc->f.view == CLI_VIEW_COUNT)
		return 0;
	if (rc->f.view == CLI_VIEW_TABLE && !out_json(rc->o))
		reg_row(rc->o, g, &rec, rc->now_s);
	else
		reg_detail(rc->o, g, &rec, rc->now_s);
	return ++rc->batch >= CLI_BATCH;
}

static void reg_end(struct reg_ctx *rc, struct out *o)
{
	if (rc->f.view == CLI_VIEW_COUNT) {
		cli_out_count(o, rc->n);
		return;
	}
	if (out_json(o) || rc->f.view == CLI_VIEW_DETAIL) {
		out_end(o); /* registrations */
		out_uint(o, "count", rc->n);
		out_end(o);
	} else {
		out_printf(o, "%zu registration%s\n", rc->n, rc->n == 1 ? "" : "s");
	}
}

static bool reg_more(struct cli_req *r, struct out *o, void *arg)
{
	struct reg_ctx *rc = arg;

	rc->o = o;
	rc->batch = 0;
	if (ms_walk_next(r->ctx, &rc->cur, CLI_SCAN, reg_one, rc) < 0) {
		out_error(o, "out of memory");
		return true;
	}
	if (!lpm_cursor_done(&rc->cur))
		return false;
	reg_end(rc, o);
	return true;
}

static void show_registrations(struct cli_req *r, struct out *o)
{
	struct ms *ms = r->ctx;
	struct reg_ctx *rc = calloc(1, sizeof(*rc));

	if (!rc) {
		out_error(o, "out of memory");
		return;
	}
	if (cli_filter_parse(r, CLI_F_VIEW | CLI_F_PREFIX | CLI_F_SITE | CLI_F_RLOC, &rc->f, o) <
	    0) {
		free(rc);
		return;
	}
	rc->o = o;
	rc->now_s = (uint64_t)time(NULL);
	lpm_cursor_init(&rc->cur);
	/* the count of everything needs no walk */
	if (rc->f.view == CLI_VIEW_COUNT && rc->f.match == CLI_MATCH_NONE && !rc->f.has_site &&
	    !rc->f.has_rloc) {
		rc->n = ms_count(ms);
		reg_end(rc, o);
		free(rc);
		return;
	}
	if (rc->f.view != CLI_VIEW_COUNT) {
		if (out_json(o) || rc->f.view == CLI_VIEW_DETAIL) {
			out_begin_object(o, NULL);
			out_begin_array(o, "registrations");
		} else {
			out_printf(o, REG_HEAD, "EID", "Site", "RLOC", "TTL", "Ver", "Changed", "");
		}
	}
	if (rc->f.match == CLI_MATCH_EXACT || rc->f.match == CLI_MATCH_LONGEST) {
		/* one entry at most: found at once */
		char want[PREFIX_STRLEN];
		const struct ms_reg *g = ms_lookup(ms, &rc->f.prefix);
		prefix_str(&rc->f.prefix, want, sizeof(want));
		if (g && rc->f.match == CLI_MATCH_EXACT && !prefix_eq(&g->eid, &rc->f.prefix))
			g = NULL;
		if (g) {
			rc->f.prefix = g->eid;
			rc->f.match = CLI_MATCH_EXACT;
			reg_one(g, rc);
		}
		if (rc->n == 0) {
			out_error(o, "no registration for %s", want);
			free(rc);
			return;
		}
		reg_end(rc, o);
		free(rc);
		return;
	}
	cli_stream(r, reg_more, reg_free, rc);
}

static void show_subscribers(struct cli_req *r, struct out *o)
{
	const struct ms *ms = r->ctx;
	char pfx[PREFIX_STRLEN], a[IPADDR_STRLEN], x[40];

	out_begin_object(o, NULL);
	out_begin_array(o, "subscribers");
	for (const struct ms_sub *s = ms_subscribers(ms); s; s = s->next) {
		out_begin_object(o, NULL);
		out_str(o, "eid", prefix_str(&s->eid, pfx, sizeof(pfx)));
		hex(x, s->xtr_id, 16);
		out_str(o, "xtrId", x);
		out_uint(o, "siteId", s->site_id);
		out_str(o, "itrRloc", ipaddr_str(&s->itr, a, sizeof(a)));
		out_uint(o, "port", s->port);
		out_uint(o, "notifies", s->notifies);
		out_end(o);
	}
	out_end(o);
	out_uint(o, "pendingMapNotifies", ms_pending_notifies(ms));
	out_end(o);
}

static void show_statistics(struct cli_req *r, struct out *o)
{
	const struct ms *ms = r->ctx;
	const struct ms_stats *st = ms_get_stats(ms);
	static const char *const keys[] = {
	    [LISP_T_MAP_REQUEST] = "mapRequest",      [LISP_T_MAP_REPLY] = "mapReply",
	    [LISP_T_MAP_REGISTER] = "mapRegister",    [LISP_T_MAP_NOTIFY] = "mapNotify",
	    [LISP_T_MAP_NOTIFY_ACK] = "mapNotifyAck", [LISP_T_ECM] = "ecm",
	};
	uint64_t other_rx = 0;

	out_begin_object(o, NULL);
	out_begin_object(o, "messages");
	for (unsigned t = 0; t < 16; t++) {
		if (t < sizeof(keys) / sizeof(keys[0]) && keys[t]) {
			out_begin_object(o, keys[t]);
			out_uint(o, "received", st->type[t].rx);
			out_uint(o, "sent", st->type[t].tx);
			out_uint(o, "dropped", st->type[t].dropped);
			out_end(o);
		} else {
			other_rx += st->type[t].rx;
		}
	}
	out_uint(o, "otherReceived", other_rx);
	out_end(o);
	out_begin_object(o, "drops");
	for (unsigned d = 0; d < MS_DROP__COUNT; d++) {
		if (d == MS_DROP_MALFORMED)
			continue;
		out_uint(o, ms_drop_name(d), st->drop[d]);
	}
	out_uint(o, "malformed", st->drop[MS_DROP_MALFORMED]);
	for (int c = 1; c < PERR__COUNT; c++) {
		char k[64];
		if (st->malformed[c] == 0)
			continue;
		snprintf(k, sizeof(k), "malformed:%s", proto_err_name(c));
		out_uint(o, k, st->malformed[c]);
	}
	out_end(o);
	out_uint(o, "registrations", ms_count(ms));
	out_uint(o, "registered", st->registrations);
	out_uint(o, "refreshes", st->refreshes);
	out_uint(o, "deregistrations", st->deregistrations);
	out_uint(o, "expirations", st->expirations);
	out_uint(o, "moves", st->moves);
	out_uint(o, "arrivalNotifies", st->arrival_notifies);
	out_uint(o, "proxyReplies", st->proxy_replies);
	out_uint(o, "forwardedToEtr", st->forwarded);
	out_uint(o, "negativeReplies", st->negative_replies);
	out_uint(o, "notifyAcks", st->notify_acks);
	out_uint(o, "notifyRetransmits", st->notify_retransmits);
	/* coalesced Map-Notifies to sites (ms/notifyq.c) */
	out_begin_object(o, "notifyQueue");
	out_uint(o, "pendingEids", ms_pending_notify_eids(ms));
	out_uint(o, "pendingMessages", ms_pending_notifies(ms));
	out_uint(o, "destinations", ms_notify_destinations(ms));
	out_uint(o, "queuedEids", st->notify_queued_eids);
	out_uint(o, "messages", st->notify_messages);
	out_uint(o, "records", st->notify_records);
	out_uint(o, "ackedEids", st->notify_eids_acked);
	out_uint(o, "supersededEids", st->notify_eids_superseded);
	out_uint(o, "abandonedEids", st->notify_eids_abandoned);
	out_end(o);
	out_uint(o, "subscriptions", st->subscriptions);
	out_uint(o, "unsubscriptions", st->unsubscriptions);
	out_uint(o, "storeCommits", st->store_commits);
	out_uint(o, "storeRows", st->store_rows);
	out_begin_object(o, "replay");
	out_uint(o, "entries", st->replay_entries);
	out_uint(o, "evicted", st->replay_evictions);
	out_uint(o, "seenNonces", st->seen_nonces);
	out_uint(o, "seenNoncesEvictedEarly", st->seen_early_evictions);
	out_end(o);
	/* no reflection (ms/request.c): answers refused by the per-destination limit */
	size_t tracked;
	uint64_t evicted;
	const struct ms_cfg *cfg = ms_config(ms);
	ms_reply_limit_stats(ms, &tracked, &evicted);
	out_begin_object(o, "replyRateLimit");
	out_uint(o, "perDestination", cfg->rl_dst_rate);
	out_uint(o, "burst", cfg->rl_dst_burst);
	out_uint(o, "destinationsTracked", tracked);
	out_uint(o, "destinationsEvicted", evicted);
	out_begin_object(o, "refused");
	for (unsigned a = 0; a < MS_ANSWER__COUNT; a++)
		out_uint(o, ms_answer_name(a), st->answers_refused[a]);
	out_end(o);
	out_end(o);
	udp_out_stats(o, "udp"); /* the sockets' own drops: truncated, empty, kernel, send */
	struct log_input_stats ls;
	log_input_stats(&ls);
	out_begin_object(o, "inputLogs");
	out_uint(o, "logged", ls.logged);
	out_uint(o, "suppressed", ls.suppressed);
	out_end(o);
	const struct ms_push *pb = ms_get_push(ms);
	if (pb != NULL) {
		const struct ms_push_stats *bs = ms_push_get_stats(pb);
		out_begin_object(o, "bgp");
		out_bool(o, "enabled", ms_push_speaker(pb) != NULL);
		out_uint(o, "announced", bs->announced);
		out_uint(o, "withdrawn", bs->withdrawn);
		out_uint(o, "suppressed", bs->suppressed);
		out_uint(o, "refused", bs->refused);
		out_uint(o, "resyncs", bs->resyncs);
		/* tenants (IID != 0) not sent to peers without the VPN families */
		out_uint(o, "tenantRoutesWithheld", bgp_tenant_withheld(ms_push_bgp(pb)));
		out_end(o);
	}
	metrics_out_stats(o, "metrics");
	cli_out_stats(r->cli, o);
	out_end(o);
}

static const struct cli_cmd ms_cmds[] = {
    {{"show", "version"},
     CLI_ARG_NONE,
     NULL,
     true,
     false,
     "name, version, uptime",
     cli_show_version,
     CLI_READ},
    {{"show", "sites"},
     CLI_ARG_OPTIONAL,
     "count",
     true,
     false,
     "configured sites, keys, EID prefixes (or their number)",
     show_sites,
     CLI_READ},
    {{"show", "registrations"},
     CLI_ARG_ANY,
     "[count|detail] [PREFIX [exact|longest|longer]] [site NAME] [rloc ADDR]",
     true,
     false,
     "registered mappings: a table, every field (detail) or the number (count)",
     show_registrations,
     CLI_READ},
    {{"show", "subscribers"},
     CLI_ARG_NONE,
     NULL,
     true,
     false,
     "RFC 9437 subscriptions",
     show_subscribers,
     CLI_READ},
    {{"show", "statistics"},
     CLI_ARG_NONE,
     NULL,
     true,
     false,
     "messages received/sent/dropped, drop reasons",
     show_statistics,
     CLI_READ},
    {{"debug"},
     CLI_ARG_OPTIONAL,
     "control|bgp|off",
     true,
     false,
     "control-plane / BGP debug logs",
     cli_debug,
     CLI_ADMIN},
};

int ms_cli_register(struct cli *cli, struct ms *ms)
{
	return cli_add_commands(cli, ms_cmds, sizeof(ms_cmds) / sizeof(ms_cmds[0]), ms);
}

const struct cli_cmd *ms_cli_table(size_t *n)
{
	*n = sizeof(ms_cmds) / sizeof(ms_cmds[0]);
	return ms_cmds;
}
