/* SPDX-License-Identifier: ISC */
/*
 * tests/integration/bgpspk.c - a standalone BGP speaker on common/daemon + common/bgp for
 * the integration tests (bgp_*.sh): it is what lisp-msd (sender) and the D-ETR (receiver)
 * do with the speaker, and nothing else.
 *
 * Config (schema/bgpspk.rng): <bgpspk><cli port="N"/><routes file="F"/><bgp .../></bgpspk>,
 * and optionally <forwarding preserved="true"/> (bgp_cfg.gr_forwarding: the F bit, as a
 * daemon with a data plane that survives its restart would set it) and
 * <start at="EPOCH_MS" accept-delay="MS"/>: the listener opens at once but accepts only
 * from AT + ACCEPT-DELAY, the peers start at AT - two instances given the same AT connect
 * to each other at the same moment, each one's connection waiting in the other's accept
 * queue: a deterministic RFC 4271 §6.8 collision (bgp_collision.sh).
 * Route files: one mapping per line, '#' comments:
 *     EID RLOC[/PRIORITY[/WEIGHT]] [RLOC...] [v=VERSION] [ttl=MINUTES] [t=UNIX_MS]
 *     198.51.100.5/32 192.0.2.1/1/100 192.0.2.2/2/50 v=3
 *     [7]198.51.100.5/32 192.0.2.3 v=1        (instance ID 7: a VPN-IPv4 route)
 * <cli socket="PATH"/> adds a UNIX socket whose sessions may run the state-changing rows
 * (load, unload, withdraw-all, stop-mode, clear bgp; TCP sessions may only show).
 * CLI (besides the speaker's rows): `load FILE` announces every mapping of FILE,
 * `unload FILE` withdraws them, `withdraw-all`, `show received [EID] [json]` the mappings
 * reassembled from the receive callback (what a D-ETR would install), `show speaker [json]`
 * counters (events, mappings sent/received, stale events), `stop-mode graceful|hard`: how
 * the next SIGTERM ends the sessions (bgp_free, the default, or bgp_free_hard).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <libxml/tree.h>

#include "bgp/bgp.h"
#include "bgp/bgp_int.h"
#include "common/cli.h"
#include "common/conf.h"
#include "common/daemon.h"
#include "common/log.h"

struct spk_cfg {
	char cli_addr[64];
	uint16_t cli_port;
	char cli_socket[108]; /* the privileged sessions (load, unload, clear bgp...) */
	char routes[512];
	struct bgp_cfg *bgp;
	bool forwarding;
	bool start_at_set;
	uint64_t start_at_ms;
	uint32_t accept_delay_ms;
};

static struct bgp *spk_bgp;
static struct cli *spk_cli;
static struct bgp_rib received; /* entry->map: the latest mapping from the callback */
static uint64_t n_events[BGP_EV_WITHDRAWN + 1];
static uint64_t n_purged;

static void *spk_parse(const char *path, struct cfg_errs *errs)
{
	xmlDoc *doc = cfg_load(path, "bgpspk.rng", errs);
	struct spk_cfg *c;
	xmlNode *root, *n;
	uint32_t v;
	int bad = 0;

	if (doc == NULL)
		return NULL;
	root = cfg_root(doc);
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		cfg_free(doc);
		return NULL;
	}
	snprintf(c->cli_addr, sizeof(c->cli_addr), "127.0.0.1");
	if ((n = cfg_child(root, "cli")) != NULL) {
		bad |= cfg_get_string(n, "@address", c->cli_addr, sizeof(c->cli_addr)) < 0;
		if (cfg_get_u32(n, "@port", 0, 65535, &v) == 0)
			c->cli_port = (uint16_t)v;
		bad |= cfg_get_string(n, "@socket", c->cli_socket, sizeof(c->cli_socket)) < 0;
	}
	if ((n = cfg_child(root, "routes")) != NULL)
		bad |= cfg_get_string(n, "@file", c->routes, sizeof(c->routes)) < 0;
	if ((n = cfg_child(root, "forwarding")) != NULL)
		bad |= cfg_get_bool(n, "@preserved", &c->forwarding) < 0;
	if ((n = cfg_child(root, "start")) != NULL) {
		c->start_at_set = true;
		bad |= cfg_get_uint(n, "@at", 0, UINT64_MAX, &c->start_at_ms) != 0;
		if (cfg_get_u32(n, "@accept-delay", 0, 60000, &c->accept_delay_ms) < 0)
			bad = 1;
	}
	if ((n = cfg_child(root, "bgp")) != NULL)
		c->bgp = bgp_config_parse(n, errs);
	if (c->bgp == NULL)
		bad = 1;
	cfg_free(doc);
	if (bad) {
		bgp_config_free(c->bgp);
		free(c);
		return NULL;
	}
	return c;
}

static void spk_print(const void *cfg, FILE *out)
{
	const struct spk_cfg *c = cfg;

	fprintf(out, "<bgpspk>\n  <cli address=\"%s\" port=\"%u\"", c->cli_addr, c->cli_port);
	if (c->cli_socket[0])
		fprintf(out, " socket=\"%s\"", c->cli_socket);
	fprintf(out, "/>\n");
	if (c->routes[0])
		fprintf(out, "  <routes file=\"%s\"/>\n", c->routes);
	if (c->forwarding)
		fprintf(out, "  <forwarding preserved=\"true\"/>\n");
	if (c->start_at_set)
		fprintf(out, "  <start at=\"%llu\" accept-delay=\"%u\"/>\n",
			(unsigned long long)c->start_at_ms, c->accept_delay_ms);
	bgp_config_print(c->bgp, out, 2);
	fprintf(out, "</bgpspk>\n");
}

static void spk_free(void *cfg)
{
	struct spk_cfg *c = cfg;

	if (c == NULL)
		return;
	bgp_config_free(c->bgp);
	free(c);
}

/* ---- route files ---- */
static int parse_line(char *line, struct bgp_host_mapping *m)
{
	char *save = NULL, *t = strtok_r(line, " \t\r\n", &save);

	memset(m, 0, sizeof(*m));
	m->ttl = 1440;
	if (t == NULL || *t == '#')
		return 1;
	if (prefix_parse(t, &m->eid, true) < 0)
		return -1;
	while ((t = strtok_r(NULL, " \t\r\n", &save)) != NULL) {
		if (strncmp(t, "v=", 2) == 0) {
			m->version = (uint16_t)strtoul(t + 2, NULL, 10);
			continue;
		}
		if (strncmp(t, "ttl=", 4) == 0) {
			m->ttl = (uint32_t)strtoul(t + 4, NULL, 10);
			continue;
		}
		if (strncmp(t, "t=", 2) == 0) { /* registration time, Unix ms (fn 6/7) */
			m->reg_ms = strtoull(t + 2, NULL, 10);
			continue;
		}
		if (m->n_loc >= BGP_MAP_LOC_MAX)
			return -1;
		struct bgp_map_locator *l = &m->loc[m->n_loc++];
		char *pr = strchr(t, '/'), *w = NULL;
		l->priority = 1;
		l->weight = 100;
		if (pr) {
			*pr++ = '\0';
			w = strchr(pr, '/');
			if (w)
				*w++ = '\0';
			l->priority = (uint8_t)strtoul(pr, NULL, 10);
			if (w)
				l->weight = (uint8_t)strtoul(w, NULL, 10);
		}
		if (ipaddr_parse(t, &l->rloc) < 0)
			return -1;
	}
	return 0;
}

/* Announce (or withdraw) every mapping of a file; returns the count or -1. */
static long load_file(const char *path, bool withdraw)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	long n = 0, lineno = 0;

	if (f == NULL) {
		log_warn("%s", path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		struct bgp_host_mapping m;
		lineno++;
		int rc = parse_line(line, &m);
		if (rc == 1)
			continue;
		if (rc < 0 ||
		    (withdraw ? bgp_withdraw(spk_bgp, &m.eid) : bgp_announce(spk_bgp, &m)) < 0) {
			log_warnx("%s:%ld: mapping refused", path, lineno);
			continue;
		}
		n++;
	}
	fclose(f);
	return n;
}

/* ---- the receive callback: what a D-ETR installs ---- */
static void mark_stale(struct bgp_rib_entry *e, void *arg)
{
	(void)arg;
	e->mark = true;
}

static void on_event(const struct bgp_event *ev, void *arg)
{
	(void)arg;
	if (ev->kind <= BGP_EV_WITHDRAWN)
		n_events[ev->kind]++;
	if (ev->kind == BGP_EV_MAPPING) {
		struct lisp_prefix p = *ev->eid; /* the NLRI: IID 0 unicast, else a VPN route's */
		struct bgp_rib_entry *e = bgp_rib_get(&received, &p);
		if (e == NULL)
			return;
		if (e->map == NULL && (e->map = malloc(sizeof(*e->map))) == NULL) {
			bgp_rib_remove(&received, e);
			return;
		}
		*e->map = *ev->mapping;
		e->mark = ev->stale;
	} else if (ev->kind == BGP_EV_STALE) {
		bgp_rib_walk(&received, mark_stale, NULL); /* one peer per test speaker */
	} else if (ev->kind == BGP_EV_WITHDRAWN) {
		struct lisp_prefix p = *ev->eid;
		struct bgp_rib_entry *e = bgp_rib_find(&received, &p);
		if (e)
			bgp_rib_remove(&received, e);
		n_purged += ev->purged;
	}
}

/* ---- CLI ---- */
static void cmd_load(struct cli_req *r, struct out *o)
{
	long n = load_file(r->arg, false);

	if (n < 0)
		out_error(o, "cannot read %s", r->arg);
	else
		out_printf(o, "%ld mappings announced\n", n);
}

static void cmd_unload(struct cli_req *r, struct out *o)
{
	long n = load_file(r->arg, true);

	if (n < 0)
		out_error(o, "cannot read %s", r->arg);
	else
		out_printf(o, "%ld mappings withdrawn\n", n);
}

static void withdraw_one(struct bgp_rib_entry *e, void *arg)
{
	struct lisp_prefix **v = arg;
	*(*v)++ = e->prefix;
}

static void cmd_withdraw_all(struct cli_req *r, struct out *o)
{
	size_t n = spk_bgp->table.n_entries;
	struct lisp_prefix *v = calloc(n ? n : 1, sizeof(*v)), *w = v;

	(void)r;
	if (v == NULL) {
		out_error(o, "out of memory");
		return;
	}
	bgp_rib_walk(&spk_bgp->table, withdraw_one, &w);
	for (size_t i = 0; i < n; i++)
		bgp_withdraw(spk_bgp, &v[i]);
	free(v);
	out_printf(o, "%zu mappings withdrawn\n", n);
}

static void show_mapping(struct out *o, const struct bgp_rib_entry *e)
{
	char s[PREFIX_STRLEN];
	const struct bgp_host_mapping *m = e->map;

	out_begin_object(o, NULL);
	out_str(o, "eid", prefix_str(&m->eid, s, sizeof(s)));
	out_uint(o, "version", m->version);
	out_uint(o, "ttl", m->ttl);
	out_uint(o, "registeredUnixMs", m->reg_ms);
	out_bool(o, "stale", e->mark);
	out_begin_array(o, "rlocs");
	for (unsigned i = 0; i < m->n_loc; i++) {
		out_begin_object(o, NULL);
		out_str(o, "rloc", ipaddr_str(&m->loc[i].rloc, s, sizeof(s)));
		out_uint(o, "priority", m->loc[i].priority);
		out_uint(o, "weight", m->loc[i].weight);
		out_end(o);
	}
	out_end(o);
	out_end(o);
}

static void cmd_show_received(struct cli_req *r, struct out *o)
{
	struct lisp_prefix want;

	if (r->arg && prefix_parse(r->arg, &want, true) < 0) {
		out_error(o, "not a prefix: %s", r->arg);
		return;
	}
	out_begin_array(o, NULL);
	if (r->arg) {
		struct bgp_rib_entry *e = bgp_rib_find(&received, &want);
		if (e && e->map)
			show_mapping(o, e);
	} else {
		size_t n;
		struct bgp_rib_entry **v = bgp_rib_sorted(&received, &n);
		for (size_t i = 0; i < n; i++)
			if (v[i]->map)
				show_mapping(o, v[i]);
		free(v);
	}
	out_end(o);
}

static void count_stale(struct bgp_rib_entry *e, void *arg)
{
	*(size_t *)arg += e->mark;
}

static void cmd_show_speaker(struct cli_req *r, struct out *o)
{
	size_t stale = 0;

	(void)r;
	bgp_rib_walk(&received, count_stale, &stale);
	out_begin_object(o, NULL);
	out_uint(o, "mappingsAnnounced", bgp_mapping_count(spk_bgp));
	out_uint(o, "mappingsReceived", received.n_entries);
	out_uint(o, "mappingsStale", stale);
	out_uint(o, "peerUpEvents", n_events[BGP_EV_PEER_UP]);
	out_uint(o, "peerDownEvents", n_events[BGP_EV_PEER_DOWN]);
	out_uint(o, "staleEvents", n_events[BGP_EV_STALE]);
	out_uint(o, "mappingEvents", n_events[BGP_EV_MAPPING]);
	out_uint(o, "withdrawnEvents", n_events[BGP_EV_WITHDRAWN]);
	out_uint(o, "purged", n_purged);
	out_end(o);
}

static bool stop_hard; /* `stop-mode hard`: bgp_free_hard at SIGTERM */

static void cmd_stop_mode(struct cli_req *r, struct out *o)
{
	stop_hard = strcmp(r->arg, "hard") == 0;
	out_printf(o, "stop mode %s\n", stop_hard ? "hard" : "graceful");
}

static const struct cli_cmd spk_cmds[] = {
    {{"show", "version"},
     CLI_ARG_NONE,
     NULL,
     true,
     false,
     "version and uptime",
     cli_show_version,
     CLI_READ},
    {{"load"},
     CLI_ARG_REQUIRED,
     "FILE",
     false,
     false,
     "announce the mappings of a file",
     cmd_load,
     CLI_ADMIN},
    {{"unload"},
     CLI_ARG_REQUIRED,
     "FILE",
     false,
     false,
     "withdraw the mappings of a file",
     cmd_unload,
     CLI_ADMIN},
    {{"withdraw-all"},
     CLI_ARG_NONE,
     NULL,
     false,
     false,
     "withdraw every mapping",
     cmd_withdraw_all,
     CLI_ADMIN},
    {{"show", "received"},
     CLI_ARG_OPTIONAL,
     "EID",
     true,
     false,
     "mappings received (as a D-ETR would install them)",
     cmd_show_received,
     CLI_READ},
    {{"show", "speaker"},
     CLI_ARG_NONE,
     NULL,
     true,
     false,
     "counters of this test speaker",
     cmd_show_speaker,
     CLI_READ},
    {{"stop-mode"},
     CLI_ARG_REQUIRED,
     "graceful|hard",
     false,
     false,
     "how SIGTERM ends the sessions (Cease/Administrative Shutdown or Cease/Hard Reset)",
     cmd_stop_mode,
     CLI_ADMIN},
};

/* <start>: peers at AT, accepting from AT + accept-delay */
static struct event *ev_start_peers, *ev_start_accept;

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct timeval ms_until(uint64_t at)
{
	uint64_t now = now_ms(), d = at > now ? at - now : 0;
	struct timeval tv = {(time_t)(d / 1000), (suseconds_t)(d % 1000) * 1000};
	return tv;
}

static void start_peers_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	log_info("bgpspk: starting the peers");
	bgp_start_peers(spk_bgp);
}

static void start_accept_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	log_info("bgpspk: accepting connections");
	if (spk_bgp->ev_accept)
		event_add(spk_bgp->ev_accept, NULL);
}

static int start_later(struct event_base *base, const struct spk_cfg *c)
{
	if (spk_bgp->cfg->listen) {
		if (bgp_listen_start(spk_bgp) < 0)
			return -1;
		event_del(spk_bgp->ev_accept); /* connections wait in the queue */
	}
	ev_start_peers = evtimer_new(base, start_peers_cb, NULL);
	ev_start_accept = evtimer_new(base, start_accept_cb, NULL);
	if (ev_start_peers == NULL || ev_start_accept == NULL)
		return -1;
	struct timeval a = ms_until(c->start_at_ms);
	struct timeval b = ms_until(c->start_at_ms + c->accept_delay_ms);
	evtimer_add(ev_start_peers, &a);
	evtimer_add(ev_start_accept, &b);
	return 0;
}

static int spk_start(struct event_base *base, void *cfg)
{
	struct spk_cfg *c = cfg;
	size_t n;

	bgp_rib_init(&received);
	if (c->bgp)
		c->bgp->gr_forwarding = c->forwarding;
	spk_bgp = bgp_new(base, c->bgp, on_event, NULL);
	c->bgp = NULL; /* owned by the speaker now */
	if (spk_bgp == NULL)
		return -1;
	spk_cli = cli_new(base, spk_cmds, sizeof(spk_cmds) / sizeof(spk_cmds[0]), "bgpspk", NULL);
	if (spk_cli == NULL)
		return -1;
	const struct cli_cmd *rows = bgp_cli_commands(&n);
	if (cli_add_commands(spk_cli, rows, n, spk_bgp) < 0 ||
	    cli_listen(spk_cli, c->cli_addr, c->cli_port) < 0 ||
	    (c->cli_socket[0] && cli_listen_unix(spk_cli, c->cli_socket, 0600, -1) < 0)) {
		log_warn("cli on %s port %u %s", c->cli_addr, c->cli_port, c->cli_socket);
		return -1;
	}
	if (c->routes[0] && load_file(c->routes, false) < 0)
		return -1;
	if ((c->start_at_set ? start_later(base, c) : bgp_start(spk_bgp)) < 0)
		return -1;
	log_info("bgpspk: BGP on port %u, CLI on port %u", bgp_listen_port(spk_bgp),
		 cli_port(spk_cli));
	return 0;
}

static int spk_reload(void *old_cfg, void *new_cfg)
{
	(void)old_cfg;
	(void)new_cfg;
	return -1; /* not supported: restart the process */
}

static void spk_stop(void)
{
	if (ev_start_peers)
		event_free(ev_start_peers);
	if (ev_start_accept)
		event_free(ev_start_accept);
	ev_start_peers = ev_start_accept = NULL;
	if (spk_cli)
		cli_free(spk_cli);
	if (stop_hard)
		bgp_free_hard(spk_bgp);
	else
		bgp_free(spk_bgp);
	bgp_rib_free(&received);
	spk_cli = NULL;
	spk_bgp = NULL;
}

static const struct daemon_desc spk_desc = {
    .name = "bgpspk",
    .default_config = "bgpspk.xml",
    .version = PACKAGE_VERSION,
    .usage_extra = "bgpspk: standalone BGP speaker for the integration tests\n",
    .parse_config = spk_parse,
    .print_config = spk_print,
    .free_config = spk_free,
    .start = spk_start,
    .reload = spk_reload,
    .stop = spk_stop,
};

int main(int argc, char **argv)
{
	return daemon_main(&spk_desc, argc, argv);
}
