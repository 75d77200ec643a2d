/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/cli_demo.c - a tiny program serving a demo command table over common/cli, for
 * tests/integration/cli_telnet.sh and for trying the CLI by hand.
 *
 * Usage: cli_demo [-a ADDR] [-p PORT] [-P PASSWORD] [-i IDLE_SECONDS] [-m MAX_CLIENTS]
 *                 [-S SOCKET] [-E ENABLE_SECRET] [-L LOGIN_SECONDS] [-n ENTRIES]
 * Prints "listening ADDR PORT" on stdout once bound (PORT 0 picks a free port), runs until
 * SIGTERM/SIGINT or the `shutdown` command. -S also serves the privileged UNIX socket SOCKET
 * (mode 0600); -E sets the secret of `enable` on TCP. Logs (failed logins...) go to stderr.
 * -n adds `show entries [count|detail] [PREFIX [exact|longest|longer]] [rloc ADDR] [json]`
 * over a table of ENTRIES host routes (10.0.0.0 + i, RLOC 192.0.2.(i % 250 + 1)), answered
 * in batches (cli_stream) like the daemons' big tables.
 */
#include "common/cli.h"
#include "common/lpm.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

struct demo {
	struct event_base *base;
	const char *debug;
	unsigned cleared;
};

static const struct {
	const char *eid;
	const char *rloc;
	unsigned ttl;
} cache[] = {
    {"10.1.0.0/24", "192.0.2.1", 1440},
    {"10.2.0.0/24", "192.0.2.2", 60},
    {"2001:db8:1::/48", "2001:db8::1", 1440},
};

static void show_map_cache(struct cli_req *r, struct out *o)
{
	struct demo *d = r->ctx;
	size_t n = d->cleared ? 0 : sizeof(cache) / sizeof(cache[0]);
	bool found = false;

	out_begin_object(o, NULL);
	out_begin_array(o, "entries");
	for (size_t i = 0; i < n; i++) {
		if (r->arg && strcmp(r->arg, cache[i].eid) != 0)
			continue;
		found = true;
		out_begin_object(o, NULL);
		out_str(o, "eid", cache[i].eid);
		out_str(o, "rloc", cache[i].rloc);
		out_uint(o, "ttlMinutes", cache[i].ttl);
		out_end(o);
	}
	out_end(o);
	out_end(o);
	if (r->arg && !found)
		out_error(o, "No map-cache entry for %s", r->arg);
}

static void show_sites(struct cli_req *r, struct out *o)
{
	if (!out_json(o)) { /* a custom text table */
		out_printf(o, "%-10s %-16s %s\n", "Site", "EID prefix", "Registered");
		out_printf(o, "%-10s %-16s %s\n", "site-a", "10.1.0.0/16", "yes");
		out_printf(o, "%-10s %-16s %s\n", "site-b", "10.2.0.0/16", "no");
		return;
	}
	out_begin_array(o, NULL);
	out_begin_object(o, NULL);
	out_str(o, "site", "site-a");
	out_str(o, "eidPrefix", "10.1.0.0/16");
	out_bool(o, "registered", true);
	out_end(o);
	out_begin_object(o, NULL);
	out_str(o, "site", "site-b");
	out_str(o, "eidPrefix", "10.2.0.0/16");
	out_bool(o, "registered", false);
	out_end(o);
	out_end(o);
}

static void show_statistics(struct cli_req *r, struct out *o)
{
	out_begin_object(o, NULL);
	out_begin_object(o, "mapRequests");
	out_uint(o, "received", 42);
	out_uint(o, "dropped", 0);
	out_end(o);
	out_uint(o, "maxCounter", UINT64_MAX);
	out_int(o, "delta", -5);
	cli_out_stats(r->cli, o);
	out_end(o);
}

static void clear_map_cache(struct cli_req *r, struct out *o)
{
	struct demo *d = r->ctx;
	d->cleared++;
	out_printf(o, "map-cache cleared\n");
}

static void debug_cmd(struct cli_req *r, struct out *o)
{
	struct demo *d = r->ctx;
	d->debug = strcmp(r->arg, "off") == 0 ? NULL : r->arg;
	out_printf(o, "debug %s\n", r->arg);
}

static void echo_cmd(struct cli_req *r, struct out *o)
{
	out_begin_object(o, NULL);
	out_uint(o, "argc", (uint64_t)r->argc);
	out_begin_array(o, "argv");
	for (int i = 0; i < r->argc; i++)
		out_str(o, NULL, r->argv[i]);
	out_end(o);
	out_end(o);
}

static void shutdown_cmd(struct cli_req *r, struct out *o)
{
	struct demo *d = r->ctx;
	out_printf(o, "shutting down\n");
	r->close = true;
	event_base_loopexit(d->base, NULL);
}

static const struct cli_cmd demo_cmds[] = {
    {.words = {"show", "version"},
     .json = true,
     .help = "Version and uptime",
     .fn = cli_show_version,
     .access = CLI_READ},
    {.words = {"show", "map-cache"},
     .argmode = CLI_ARG_OPTIONAL,
     .arg = "EID",
     .json = true,
     .help = "Map-cache entries (for one EID prefix)",
     .fn = show_map_cache,
     .access = CLI_READ},
    {.words = {"show", "sites"},
     .json = true,
     .help = "Configured sites",
     .fn = show_sites,
     .access = CLI_READ},
    {.words = {"show", "statistics"},
     .json = true,
     .help = "Counters",
     .fn = show_statistics,
     .access = CLI_READ},
    {.words = {"clear", "map-cache"},
     .argmode = CLI_ARG_OPTIONAL,
     .arg = "EID",
     .help = "Flush the map-cache",
     .fn = clear_map_cache,
     .access = CLI_ADMIN},
    {.words = {"debug"},
     .argmode = CLI_ARG_REQUIRED,
     .arg = "control|data|bgp|off",
     .help = "Set the debug level",
     .fn = debug_cmd,
     .access = CLI_ADMIN},
    {.words = {"echo"},
     .argmode = CLI_ARG_ANY,
     .arg = "WORD",
     .json = true,
     .help = "Print the arguments",
     .fn = echo_cmd,
     .access = CLI_READ},
    {.words = {"shutdown"}, .help = "Stop the demo", .fn = shutdown_cmd, .access = CLI_ADMIN},
};

/* ---- show entries: a big table, streamed ---- */

static struct lpm *entries;

struct ent_state {
	struct cli_filter f;
	struct lpm_cursor cur;
	struct out *o;
	size_t n, batch;
};

static int ent_one(const struct lisp_prefix *p, void *val, void *arg)
{
	struct ent_state *e = arg;
	unsigned long i = (unsigned long)(uintptr_t)val - 1;
	char eid[PREFIX_STRLEN], rloc[32], t[OUT_TIME_LEN];
	struct ipaddr r = {.afi = LISP_AFI_IPV4, .a = {192, 0, 2, (uint8_t)(i % 250 + 1)}};

	if (!cli_filter_prefix(&e->f, p) || (e->f.has_rloc && !ipaddr_eq(&r, &e->f.rloc)))
		return 0;
	e->n++;
	if (e->f.view == CLI_VIEW_COUNT)
		return 0;
	prefix_str(p, eid, sizeof(eid));
	ipaddr_str(&r, rloc, sizeof(rloc));
	if (e->f.view == CLI_VIEW_TABLE && !out_json(e->o)) {
		out_printf(e->o, "%-20s %-14s %8lu %s\n", eid, rloc, i,
			   out_fmt_time(t, sizeof(t), 1700000000 + i));
	} else {
		out_begin_object(e->o, NULL);
		out_str(e->o, "eid", eid);
		out_str(e->o, "rloc", rloc);
		out_uint(e->o, "i", i);
		out_time(e->o, "registeredUnix", 1700000000 + i);
		out_end(e->o);
	}
	return ++e->batch >= CLI_BATCH;
}

static void ent_end(struct ent_state *e, struct out *o)
{
	if (e->f.view == CLI_VIEW_COUNT) {
		if (out_json(o)) {
			out_begin_object(o, NULL);
			out_uint(o, "count", e->n);
			out_end(o);
		} else {
			out_printf(o, "%zu\n", e->n);
		}
	} else if (out_json(o) || e->f.view == CLI_VIEW_DETAIL) {
		out_end(o);
		out_uint(o, "count", e->n);
		out_end(o);
	} else {
		out_printf(o, "%zu entries\n", e->n);
	}
}

static bool ent_more(struct cli_req *r, struct out *o, void *arg)
{
	struct ent_state *e = arg;

	e->o = o;
	e->batch = 0;
	if (lpm_next(entries, &e->cur, CLI_SCAN, ent_one, e) < 0) {
		out_error(o, "out of memory");
		return true;
	}
	if (!lpm_cursor_done(&e->cur))
		return false;
	ent_end(e, o);
	return true;
}

static void show_entries(struct cli_req *r, struct out *o)
{
	struct ent_state *e = calloc(1, sizeof(*e));

	if (!e || cli_filter_parse(r, CLI_F_VIEW | CLI_F_PREFIX | CLI_F_RLOC, &e->f, o) < 0) {
		free(e);
		return;
	}
	lpm_cursor_init(&e->cur);
	e->o = o;
	if (e->f.view != CLI_VIEW_COUNT) {
		if (out_json(o) || e->f.view == CLI_VIEW_DETAIL) {
			out_begin_object(o, NULL);
			out_begin_array(o, "entries");
		} else {
			out_printf(o, "%-20s %-14s %8s %s\n", "EID", "RLOC", "Index", "Registered");
		}
	}
	cli_stream(r, ent_more, free, e);
}

static const struct cli_cmd entries_cmds[] = {
    {.words = {"show", "entries"},
     .argmode = CLI_ARG_ANY,
     .arg = "[count|detail] [PREFIX [exact|longest|longer]] [rloc ADDR]",
     .json = true,
     .help = "A big table (-n), answered in batches",
     .fn = show_entries,
     .access = CLI_READ},
};

static int entries_fill(unsigned long n)
{
	entries = lpm_new();
	if (!entries)
		return -1;
	for (unsigned long i = 0; i < n; i++) {
		uint32_t a = 0x0a000000u + (uint32_t)i;
		struct lisp_prefix p = {
		    .afi = LISP_AFI_IPV4,
		    .plen = 32,
		    .a = {(uint8_t)(a >> 24), (uint8_t)(a >> 16), (uint8_t)(a >> 8), (uint8_t)a}};
		if (lpm_insert(entries, &p, (void *)(uintptr_t)(i + 1), NULL) < 0)
			return -1;
	}
	return 0;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	event_base_loopexit(arg, NULL);
}

int main(int argc, char **argv)
{
	const char *addr = "127.0.0.1", *password = NULL, *sock = NULL, *enable = NULL;
	unsigned port = 0, idle = CLI_DEFAULT_IDLE, maxc = CLI_DEFAULT_CLIENTS;
	unsigned login = CLI_DEFAULT_LOGIN;
	unsigned long nent = 0;
	struct demo d = {0};
	int c;

	while ((c = getopt(argc, argv, "a:p:P:i:m:S:E:L:n:")) != -1) {
		switch (c) {
		case 'a':
			addr = optarg;
			break;
		case 'p':
			port = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'P':
			password = optarg;
			break;
		case 'i':
			idle = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'm':
			maxc = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'S':
			sock = optarg;
			break;
		case 'E':
			enable = optarg;
			break;
		case 'L':
			login = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'n':
			nent = strtoul(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: cli_demo [-a ADDR] [-p PORT] [-P PASSWORD] "
					"[-i IDLE] [-m MAXCLIENTS] [-S SOCKET] [-E ENABLE] "
					"[-L LOGIN] [-n ENTRIES]\n");
			return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	d.base = event_base_new();
	struct cli *cli =
	    cli_new(d.base, demo_cmds, sizeof(demo_cmds) / sizeof(demo_cmds[0]), "lisp-demo", &d);
	if (!d.base || !cli || port > 65535) {
		fprintf(stderr, "cli_demo: setup failed\n");
		return 1;
	}
	if (nent && (entries_fill(nent) < 0 || cli_add_commands(cli, entries_cmds, 1, &d) < 0)) {
		fprintf(stderr, "cli_demo: no memory for %lu entries\n", nent);
		return 1;
	}
	cli_set_password(cli, password);
	cli_set_idle_timeout(cli, idle);
	cli_set_max_clients(cli, maxc);
	cli_set_login_timeout(cli, login);
	cli_set_enable_secret(cli, enable);
	if (cli_listen(cli, addr, (uint16_t)port) < 0) {
		perror("cli_demo: listen");
		return 1;
	}
	if (sock && cli_listen_unix(cli, sock, 0600, -1) < 0) {
		perror("cli_demo: socket");
		return 1;
	}
	printf("listening %s %u\n", addr, cli_port(cli));
	fflush(stdout);
	struct event *sigterm = evsignal_new(d.base, SIGTERM, on_signal, d.base);
	struct event *sigint = evsignal_new(d.base, SIGINT, on_signal, d.base);
	event_add(sigterm, NULL);
	event_add(sigint, NULL);
	event_base_dispatch(d.base);
	cli_free(cli);
	event_free(sigterm);
	event_free(sigint);
	event_base_free(d.base);
	lpm_free(entries, NULL);
	return 0;
}
