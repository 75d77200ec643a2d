/* SPDX-License-Identifier: ISC */
/*
 * ms/main.c - lisp-msd: wires the Map-Server core (ms/ms.h) to common/daemon (options,
 * config check, signals), common/udpio (the 4342 socket), common/cli (telnet CLI) and the
 * SQLite store (ms/store.h) and, with a <bgp> element, the embedded BGP speaker (bgp/bgp.h)
 * fed by the push of ms/push.c. Every received batch is one loop turn: ms_input per datagram
 * (changes reach the speaker through the change hook), then ms_end_turn (store commit, then
 * the acknowledgements); the speaker flushes its UPDATEs at the end of the same turn. With
 * <metrics>, the /metrics endpoint (common/metrics.h, ms/metrics.c) answers scrapes in the
 * same loop; each batch is stamped (ms_set_rx_time) for the Map-Notify latency histogram.
 *
 * Start order: Map-Server, push, database load, speaker (ms_push_set_speaker puts every
 * loaded registration into its table), then bgp_start: every peer that comes up gets the
 * whole table. After a crash the peers (graceful-restart helpers, RFC 4724) keep our
 * routes as stale meanwhile; the speaker advertises the Restart State bit when rows were
 * loaded, and End-of-RIB lets the peers purge what the database no longer holds.
 *
 * Reload (SIGHUP): the new file is parsed and checked whole first (common/daemon). Its
 * <bgp> is handled first, by the rule lisp-xtrd follows too (bgp_reload_check in
 * bgp/bgp.h, through ms_push_bgp_reload), and the speaker lives across reloads: a changed
 * <bgp> is applied in place with bgp_reconfigure - a peer added is started, a peer removed
 * gets Cease/Peer De-configured, a changed peer is reset; every other session stays
 * Established and keeps its routes; a changed local AS or router ID resets every session.
 * A <bgp> added starts a speaker with every current registration; a <bgp> removed stops it
 * (its peers drop our routes). A change that needs a restart (the listener's address or
 * port, or a listener added or removed) is refused with a log line, and so is the whole
 * reload (sites included): the running configuration and sessions stay as they were, a
 * configuration is never half applied. An unchanged <bgp> leaves the sessions alone.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "bgp/bgp.h"
#include "common/cli.h"
#include "common/daemon.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/ratelimit.h"
#include "common/udpio.h"
#include "ms/ms.h"
#include "ms/store.h"

#define MS_TICK_MS 200

static struct {
	struct ms *ms;
	struct ms_store *store;
	struct udp_sock *sock;
	struct cli *cli;
	struct event *tick;
	struct event_base *base;
	struct ms_push *push; /* and the speaker of <bgp> (ms_push_bgp) */
	const struct cli_cmd *bgp_rows;
	struct metrics_srv *metrics; /* <metrics> */
} g;

static uint64_t now_ms(void)
{
	return now_ns() / 1000000ULL;
}

static int send_cb(void *arg, const struct ipaddr *dst, uint16_t dport, const uint8_t *data,
		   size_t len)
{
	(void)arg;
	/* -1: the socket cannot send it (common/udpio.h: counted there as invalid too) */
	return g.sock != NULL ? udp_queue(g.sock, dst, dport, NULL, data, len) : -1;
}

static void recv_cb(struct udp_sock *s, const struct udp_pkt *pkts, size_t n, void *arg)
{
	uint64_t now = now_ms();

	(void)s;
	(void)arg;
	ms_set_rx_time(g.ms, now_ns()); /* the Map-Notify latency starts here */
	for (size_t i = 0; i < n; i++)
		ms_input(g.ms, pkts[i].data, pkts[i].len, &pkts[i].src, pkts[i].sport, now);
	ms_end_turn(g.ms);
}

static void tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	ms_tick(g.ms, now_ms());
}

static void collect(struct mw *w, void *arg)
{
	(void)arg;
	ms_metrics_write(w, g.ms, g.cli);
}

static void ms_stop(void)
{
	metrics_stop(g.metrics);
	if (g.tick)
		event_free(g.tick);
	cli_free(g.cli);
	if (g.ms)
		ms_end_turn(g.ms);
	udp_close(g.sock);
	/* ms_push_free stops the speaker: Cease to every peer */
	ms_push_free(g.push);
	ms_free(g.ms);
	store_close(g.store);
	memset(&g, 0, sizeof(g));
}

static int ms_start(struct event_base *base, void *cfgp)
{
	struct ms_cfg *cfg = cfgp;
	char err[512];
	size_t ncmd, nbgp;
	const struct cli_cmd *cmds = ms_cli_table(&ncmd);
	struct timeval tv = {0, MS_TICK_MS * 1000};
	int loaded;

	g.base = base;
	if (cfg->db_path[0]) {
		g.store = store_open(cfg->db_path, cfg->db_sync_full, err, sizeof(err));
		if (g.store == NULL) {
			log_warnx("database %s", err);
			return -1;
		}
	}
	g.ms = ms_new(cfg, g.store, send_cb, NULL);
	if (g.ms == NULL || (g.push = ms_push_new(g.ms, &ms_push_speaker_ops, NULL)) == NULL)
		return -1;
	if ((loaded = ms_load(g.ms, now_ms())) < 0)
		return -1;
	ms_end_turn(g.ms);
	/* Restart State bit (RFC 4724 §4.1) when we come back with stored mappings; every
	 * loaded registration goes into the speaker's table before it starts. */
	if (ms_push_bgp_start(g.push, base, cfg->bgp, loaded > 0) < 0)
		return -1;
	/* a 4 MB receive buffer (as lisp-xtrd's control socket): a site evacuation arrives as
	 * a burst of Map-Registers that the default (about 200 KB) drops while a commit runs */
	const struct udp_opts opts = {.rcvbuf = 4 << 20};
	g.sock = udp_open_opts(base, cfg->listen.afi ? &cfg->listen : NULL, cfg->port, &opts,
			       recv_cb, NULL);
	if (g.sock == NULL)
		return -1;
	g.cli = cli_new(base, cmds, ncmd, "lisp-msd", g.ms);
	/* the rows act on the speaker in force ("BGP is not running" without one) */
	g.bgp_rows = bgp_cli_commands(&nbgp);
	if (g.cli == NULL || cli_add_commands(g.cli, g.bgp_rows, nbgp, ms_push_bgp(g.push)) < 0 ||
	    cli_start(g.cli, &cfg->cli) < 0)
		return -1;
	g.tick = event_new(base, -1, EV_PERSIST, tick_cb, NULL);
	if (g.tick == NULL || event_add(g.tick, &tv) < 0)
		return -1;
	if (cfg->metrics.enabled &&
	    (g.metrics = metrics_start(base, &cfg->metrics, "lisp-msd", collect, NULL)) == NULL)
		return -1;
	log_info("lisp-msd listening on port %u, CLI %s:%u, %zu site(s), %zu registration(s), "
		 "BGP %s",
		 udp_local_port(g.sock), cfg->cli.addr, cfg->cli.port, cfg->nsites, ms_count(g.ms),
		 ms_push_bgp(g.push) ? "on" : "off");
	return 0;
}

/* Started as root: the user of <privileges> with no capability once start() has bound the
 * sockets (the BGP listener on 179 included) and opened the database (common/priv.h). The
 * database stays writable through the descriptors SQLite opened as root (WAL mode: the
 * database, its -wal and -shm files are all open from store_open on); reloads run as that
 * user (a listener change is refused anyway). */
static const struct cfg_priv *ms_privileges(const void *cfg)
{
	return &((const struct ms_cfg *)cfg)->priv;
}

static const struct cfg_log *ms_log(const void *cfg)
{
	return &((const struct ms_cfg *)cfg)->log;
}

/* Sockets, CLI, metrics and database follow the config at start only; sites, keys, timers and
 * policies are swapped in whole; <bgp> goes first (ms_push_bgp_reload): its refusal
 * refuses the whole reload before anything is applied. */
static int ms_reload(void *oldp, void *newp)
{
	const struct ms_cfg *o = oldp, *n = newp;

	if (ms_push_bgp_reload(g.push, n->bgp) < 0)
		return -1;
	if (g.cli) /* a speaker started or stopped: the rows follow */
		cli_set_table_ctx(g.cli, g.bgp_rows, ms_push_bgp(g.push));
	if (o->port != n->port || !ipaddr_eq(&o->listen, &n->listen) ||
	    strcmp(o->db_path, n->db_path) != 0 || !cfg_cli_same_listener(&o->cli, &n->cli))
		log_warnx("reload: listen, CLI and database settings take effect at restart");
	metrics_reload_log(&o->metrics, &n->metrics);
	ms_set_config(g.ms, n, now_ms());
	if (g.cli)
		cli_reconfigure(g.cli, &n->cli);
	log_info("configuration reloaded: %zu site(s)", n->nsites);
	return 0;
}

static const struct daemon_desc ms_desc = {
    .name = "lisp-msd",
    .default_config = LISP_SYSCONFDIR "/lisp-msd.xml",
    .version = PACKAGE_VERSION,
    .usage_extra = "The RFC 9301 Map-Server (see examples/lisp-msd.xml).\n",
    .parse_config = ms_cfg_parse,
    .print_config = ms_cfg_print,
    .free_config = ms_cfg_free,
    .start = ms_start,
    .reload = ms_reload,
    .stop = ms_stop,
    .privileges = ms_privileges,
    .log = ms_log,
};

int main(int argc, char **argv)
{
	return daemon_main(&ms_desc, argc, argv);
}
