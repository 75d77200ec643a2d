/*
 * ms/main.c - lisp-msd: wires the Map-Server core (ms/ms.h) to common/daemon (options,
 * config check, signals), common/udpio (the 4342 socket), common/cli (telnet CLI) and the
 * SQLite store (ms/store.h) and, with a <bgp> element, the embedded BGP speaker (bgp/bgp.h)
 * fed by the push of ms/push.c. Every received batch is one loop turn: ms_input per datagram
 * (changes reach the speaker through the change hook), then ms_end_turn (store commit, then
 * the acknowledgements); the speaker flushes its UPDATEs at the end of the same turn.
 *
 * Start order: Map-Server, push, database load, speaker (ms_push_set_speaker puts every
 * loaded registration into its table), then bgp_start: every peer that comes up gets the
 * whole table. After a crash the peers (graceful-restart helpers, RFC 4724) keep our
 * routes as stale meanwhile; the speaker advertises the Restart State bit when rows were
 * loaded, and End-of-RIB lets the peers purge what the database no longer holds.
 *
 * Reload (SIGHUP): the new file is parsed and checked whole first (common/daemon). If its
 * <bgp> differs from the running one, the speaker is restarted: the old one sends Cease
 * to its peers and is freed (its listener must close before a new one binds the same
 * port), the new one gets every current registration and starts. If the new speaker cannot
 * start, the old <bgp> is started again and the whole reload is refused (sites included),
 * so a configuration is never half applied. An unchanged <bgp> leaves the sessions alone.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "bgp/bgp.h"
#include "common/cli.h"
#include "common/daemon.h"
#include "common/log.h"
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
	struct ms_push *push;
	struct bgp *bgp;
} g;

static uint64_t now_ms(void)
{
	return now_ns() / 1000000ULL;
}

static void send_cb(void *arg, const struct ipaddr *dst, uint16_t dport, const uint8_t *data,
		    size_t len)
{
	(void)arg;
	if (g.sock != NULL)
		udp_queue(g.sock, dst, dport, NULL, data, len);
}

static void recv_cb(struct udp_sock *s, const struct udp_pkt *pkts, size_t n, void *arg)
{
	uint64_t now = now_ms();

	(void)s;
	(void)arg;
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

/* A speaker for `cfg` (copied), with every registration in its table; not started. */
static struct bgp *speaker_new(const struct bgp_cfg *cfg, bool restarting)
{
	struct bgp_cfg *c = ms_push_cfg_dup(cfg);
	struct bgp *b;

	if (c == NULL)
		return NULL;
	c->restarting |= restarting;
	/* RFC 4724 §3 F bit: the Map-Server's "forwarding state" is its registration table,
	 * which a restart with the stored set has preserved, so the peers (D-ETRs) keep the
	 * stale mappings until our End-of-RIB instead of dropping them on reconnection. */
	c->gr_forwarding |= restarting;
	b = bgp_new(g.base, c, NULL, NULL);
	if (b == NULL) {
		bgp_config_free(c);
		return NULL;
	}
	return b;
}

static void ms_stop(void)
{
	if (g.tick)
		event_free(g.tick);
	cli_free(g.cli);
	if (g.ms)
		ms_end_turn(g.ms);
	udp_close(g.sock);
	if (g.push)
		ms_push_set_speaker(g.push, NULL);
	bgp_free(g.bgp); /* Cease to every peer */
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
	const struct cli_cmd *cmds = ms_cli_table(&ncmd), *bgp_cmds;
	struct timeval tv = {0, MS_TICK_MS * 1000};
	int loaded;

	g.base = base;
	log_setlevel(log_getlevel() > cfg->log_level ? log_getlevel() : cfg->log_level);
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
	if (cfg->bgp != NULL) {
		/* Restart State bit (RFC 4724 §4.1) when we come back with stored mappings;
		 * setting the speaker puts every loaded registration into its table. */
		g.bgp = speaker_new(cfg->bgp, loaded > 0);
		if (g.bgp == NULL)
			return -1;
		ms_push_set_speaker(g.push, g.bgp);
		if (bgp_start(g.bgp) < 0)
			return -1;
	}
	g.sock = udp_open(base, cfg->listen.afi ? &cfg->listen : NULL, cfg->port, recv_cb, NULL);
	if (g.sock == NULL)
		return -1;
	g.cli = cli_new(base, cmds, ncmd, "lisp-msd", g.ms);
	bgp_cmds = bgp_cli_commands(g.bgp, &nbgp); /* rows answer "BGP is not running" without */
	if (g.cli == NULL || cli_add_commands(g.cli, bgp_cmds, nbgp) < 0 ||
	    cli_listen(g.cli, cfg->cli.addr, cfg->cli.port) < 0) {
		log_warn("CLI %s port %u", cfg->cli.addr, cfg->cli.port);
		return -1;
	}
	if (cfg->cli.password[0])
		cli_set_password(g.cli, cfg->cli.password);
	g.tick = event_new(base, -1, EV_PERSIST, tick_cb, NULL);
	if (g.tick == NULL || event_add(g.tick, &tv) < 0)
		return -1;
	log_info("lisp-msd listening on port %u, CLI %s:%u, %zu site(s), %zu registration(s), "
		 "BGP %s",
		 udp_local_port(g.sock), cfg->cli.addr, cfg->cli.port, cfg->nsites, ms_count(g.ms),
		 g.bgp ? "on" : "off");
	return 0;
}

/* The BGP part of a reload; 0 (new <bgp> in force) or -1 (the old one still is). */
static int reload_bgp(const struct ms_cfg *o, const struct ms_cfg *n)
{
	struct bgp *nb = NULL;

	if (ms_push_cfg_equal(o->bgp, n->bgp))
		return 0;
	log_info("reload: <bgp> changed, restarting the BGP speaker");
	ms_push_set_speaker(g.push, NULL);
	bgp_free(g.bgp); /* Cease; closes the listener so the new one can bind it */
	g.bgp = NULL;
	if (n->bgp != NULL) {
		nb = speaker_new(n->bgp, false);
		if (nb != NULL) {
			ms_push_set_speaker(g.push, nb);
			if (bgp_start(nb) < 0) {
				ms_push_set_speaker(g.push, NULL);
				bgp_free(nb);
				nb = NULL;
			}
		}
		if (nb == NULL) {
			log_warnx("reload: the new BGP speaker does not start; back to the running "
				  "<bgp>");
			if (o->bgp != NULL && (g.bgp = speaker_new(o->bgp, false)) != NULL) {
				ms_push_set_speaker(g.push, g.bgp);
				if (bgp_start(g.bgp) < 0)
					log_warnx("reload: the previous BGP speaker does not start "
						  "either");
			}
			bgp_cli_commands(g.bgp, &(size_t){0});
			return -1;
		}
	}
	g.bgp = nb;
	bgp_cli_commands(g.bgp, &(size_t){0}); /* the CLI rows act on the new speaker */
	return 0;
}

/* Sockets, CLI and database follow the config at start only; sites, keys, timers and
 * policies are swapped in whole; a changed <bgp> restarts the speaker (reload_bgp). */
static int ms_reload(void *oldp, void *newp)
{
	const struct ms_cfg *o = oldp, *n = newp;

	if (o->port != n->port || !ipaddr_eq(&o->listen, &n->listen) ||
	    strcmp(o->db_path, n->db_path) != 0 || !cfg_cli_same_listener(&o->cli, &n->cli))
		log_warnx("reload: listen, CLI and database settings take effect at restart");
	if (reload_bgp(o, n) < 0)
		return -1;
	ms_set_config(g.ms, n, now_ms());
	if (g.cli)
		cli_set_password(g.cli, n->cli.password[0] ? n->cli.password : NULL);
	log_info("configuration reloaded: %zu site(s)", n->nsites);
	return 0;
}

static const struct daemon_desc ms_desc = {
    .name = "lisp-msd",
    .default_config = "/etc/lisp/lisp-msd.xml",
    .version = PACKAGE_VERSION,
    .usage_extra = "The RFC 9301 Map-Server (see examples/lisp-msd.xml).\n",
    .parse_config = ms_cfg_parse,
    .print_config = ms_cfg_print,
    .free_config = ms_cfg_free,
    .start = ms_start,
    .reload = ms_reload,
    .stop = ms_stop,
};

int main(int argc, char **argv)
{
	return daemon_main(&ms_desc, argc, argv);
}
