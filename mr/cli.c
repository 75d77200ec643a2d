/* SPDX-License-Identifier: ISC */
/*
 * mr/cli.c - lisp-mrd's telnet CLI commands (docs/architecture.md "Telnet CLI") on
 * common/cli: show map-servers [count|detail] [PREFIX [exact|longest|longer]] [rloc ADDR] (a
 * table by default), show statistics, show version, debug {control|off};
 * help and quit are built in. Handlers only describe data through common/out, which
 * renders text or JSON (trailing `json`).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "common/cli.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/udpio.h"
#include "common/ratelimit.h"
#include "mr/mr.h"

/* An entry passes the filter: prefix (exact, longest = the entry an address maps to,
 * longer), or one of its Map-Servers at the RLOC. */
static bool mr_entry_match(const struct mr *mr, const struct cli_filter *f,
			   const struct mr_entry *e, const struct mr_entry *longest)
{
	if (f->match == CLI_MATCH_LONGEST && e != longest)
		return false;
	if (f->match != CLI_MATCH_LONGEST && !cli_filter_prefix(f, &e->eid))
		return false;
	if (!f->has_rloc)
		return true;
	for (unsigned j = 0; j < e->nservers; j++)
		if (ipaddr_eq(&mr_server_at(mr, e->srv[j])->ep.addr, &f->rloc))
			return true;
	return false;
}

static void show_map_servers(struct cli_req *r, struct out *o)
{
	struct mr *mr = r->ctx;
	char a[IPADDR_STRLEN], p[PREFIX_STRLEN];
	struct cli_filter f;
	const struct mr_entry *longest = NULL;
	size_t n = 0;

	if (cli_filter_parse(r, CLI_F_VIEW | CLI_F_PREFIX | CLI_F_RLOC, &f, o) < 0)
		return;
	if (f.match == CLI_MATCH_LONGEST) {
		struct ipaddr ad = {.afi = f.prefix.afi};
		memcpy(ad.a, f.prefix.a, sizeof(ad.a));
		longest = mr_lookup(mr, f.prefix.iid, &ad);
	}
	for (size_t i = 0; i < mr_nentries(mr); i++)
		n += mr_entry_match(mr, &f, mr_entry_at(mr, i), longest);
	if (f.view == CLI_VIEW_COUNT) {
		cli_out_count(o, n);
		return;
	}
	bool table = f.view == CLI_VIEW_TABLE && !out_json(o);
	if (table) {
		out_printf(o, "%-28s %-9s %-9s %s\n", "EID prefix", "Lookups", "Forwards",
			   "Map-Servers (state)");
	} else {
		out_begin_object(o, NULL);
		out_begin_array(o, "prefixes");
	}
	for (size_t i = 0; i < mr_nentries(mr); i++) {
		const struct mr_entry *e = mr_entry_at(mr, i);
		if (!mr_entry_match(mr, &f, e, longest))
			continue;
		if (table) {
			char lk[24], fw[24], srv[256] = "";
			snprintf(lk, sizeof(lk), "%llu", (unsigned long long)e->lookups);
			snprintf(fw, sizeof(fw), "%llu", (unsigned long long)e->forwards);
			for (unsigned j = 0; j < e->nservers; j++) {
				const struct mr_server *s = mr_server_at(mr, e->srv[j]);
				size_t l = strlen(srv);
				snprintf(srv + l, sizeof(srv) - l, "%s%s (%s)", j ? ", " : "",
					 ipaddr_str(&s->ep.addr, a, sizeof(a)),
					 mr_srv_state_name(s->state));
			}
			out_printf(o, "%-28s %-9s %-9s %s\n", prefix_str(&e->eid, p, sizeof(p)), lk,
				   fw, srv);
			continue;
		}
		out_begin_object(o, NULL);
		out_str(o, "eidPrefix", prefix_str(&e->eid, p, sizeof(p)));
		out_uint(o, "instanceId", e->eid.iid);
		out_uint(o, "lookups", e->lookups);
		out_uint(o, "forwards", e->forwards);
		out_begin_array(o, "mapServers");
		for (unsigned j = 0; j < e->nservers; j++) {
			const struct mr_server *s = mr_server_at(mr, e->srv[j]);
			out_begin_object(o, NULL);
			out_str(o, "address", ipaddr_str(&s->ep.addr, a, sizeof(a)));
			out_uint(o, "port", s->ep.port);
			out_str(o, "state", mr_srv_state_name(s->state));
			out_end(o);
		}
		out_end(o);
		out_end(o);
	}
	if (table) {
		out_printf(o, "%zu prefix%s\n\n", n, n == 1 ? "" : "es");
		out_printf(o, "%-28s %-6s %-10s %-9s %-9s %s\n", "Map-Server", "Port", "State",
			   "Forwards", "Failures", "Answered");
	} else {
		out_end(o);
		out_begin_array(o, "mapServers");
	}
	for (size_t i = 0; i < mr_nservers(mr); i++) {
		const struct mr_server *s = mr_server_at(mr, i);
		if (f.has_rloc && !ipaddr_eq(&s->ep.addr, &f.rloc))
			continue;
		if (table) {
			out_printf(o, "%-28s %-6u %-10s %-9llu %-9llu %llu\n",
				   ipaddr_str(&s->ep.addr, a, sizeof(a)), (unsigned)s->ep.port,
				   mr_srv_state_name(s->state), (unsigned long long)s->forwards,
				   (unsigned long long)s->failures,
				   (unsigned long long)s->answered);
			continue;
		}
		out_begin_object(o, NULL);
		out_str(o, "address", ipaddr_str(&s->ep.addr, a, sizeof(a)));
		out_uint(o, "port", s->ep.port);
		out_str(o, "state", mr_srv_state_name(s->state));
		out_uint(o, "forwards", s->forwards);
		out_uint(o, "failures", s->failures);
		out_uint(o, "consecutiveFailures", s->fails);
		out_uint(o, "answered", s->answered);
		out_uint(o, "stateChanges", s->state_changes);
		out_end(o);
	}
	if (!table) {
		out_end(o);
		out_end(o);
	}
}

static void err_counts(struct out *o, const char *key, const uint64_t *v)
{
	out_begin_object(o, key);
	for (int c = 1; c < PERR__COUNT; c++)
		if (v[c])
			out_uint(o, proto_err_name(c), v[c]);
	out_end(o);
}

static void show_statistics(struct cli_req *r, struct out *o)
{
	struct mr *mr = r->ctx;
	const struct mr_stats *st = mr_get_stats(mr);
	struct log_input_stats ls;

	out_begin_object(o, NULL);
	out_uint(o, "received", st->rx);
	out_uint(o, "ecmMapRequests", st->ecm_requests);
	out_uint(o, "forwarded", st->forwarded);
	out_uint(o, "negativeReplies", st->negative);
	out_uint(o, "retransmits", st->retransmits);
	out_uint(o, "failovers", st->failovers);
	out_uint(o, "allServersDown", st->all_down);
	out_uint(o, "pendingForwards", mr_pending_count(mr));
	out_uint(o, "pendingEvicted", st->pending_evicted);
	uint64_t total = 0;
	for (int d = 0; d < MR_DROP__COUNT; d++)
		total += st->drops[d];
	out_uint(o, "dropped", total);
	out_begin_object(o, "drops");
	for (int d = 0; d < MR_DROP__COUNT; d++)
		out_uint(o, mr_drop_name((enum mr_drop)d), st->drops[d]);
	out_end(o);
	err_counts(o, "ecmErrors", st->ecm_err);
	err_counts(o, "mapRequestErrors", st->req_err);
	/* no reflection (mr/mr.h): negative replies refused per ITR-RLOC are
	 * drops.rateLimitDestination */
	size_t tracked;
	uint64_t evicted;
	mr_reply_limit_stats(mr, &tracked, &evicted);
	out_begin_object(o, "replyRateLimit");
	out_uint(o, "destinationsTracked", tracked);
	out_uint(o, "destinationsEvicted", evicted);
	out_end(o);
	udp_out_stats(o, "udp"); /* the sockets' own drops: truncated, empty, kernel, send */
	log_input_stats(&ls);
	out_begin_object(o, "inputLogs");
	out_uint(o, "logged", ls.logged);
	out_uint(o, "suppressed", ls.suppressed);
	out_end(o);
	metrics_out_stats(o, "metrics");
	cli_out_stats(r->cli, o);
	out_end(o);
}

static const struct cli_cmd mr_cmds[] = {
    {.words = {"show", "version"},
     .json = true,
     .help = "Version and uptime",
     .fn = cli_show_version,
     .access = CLI_READ},
    {.words = {"show", "map-servers"},
     .argmode = CLI_ARG_ANY,
     .arg = "[count|detail] [PREFIX [exact|longest|longer]] [rloc ADDR]",
     .json = true,
     .help = "EID prefixes and their Map-Servers (count: prefixes), Map-Server state and "
	     "failures",
     .fn = show_map_servers,
     .access = CLI_READ},
    {.words = {"show", "statistics"},
     .json = true,
     .help = "Counters: requests, forwards, negative replies, drops by reason",
     .fn = show_statistics,
     .access = CLI_READ},
    {.words = {"debug"},
     .argmode = CLI_ARG_REQUIRED,
     .arg = "control|off",
     .help = "Log every forward and negative reply (control), or stop (off)",
     .fn = cli_debug,
     .access = CLI_ADMIN},
};

struct cli *mr_cli_new(struct event_base *base, struct mr *mr)
{
	return cli_new(base, mr_cmds, sizeof(mr_cmds) / sizeof(mr_cmds[0]), "lisp-mrd", mr);
}
