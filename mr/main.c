/* SPDX-License-Identifier: ISC */
/*
 * mr/main.c - lisp-mrd: wires the Map-Resolver core (mr/core.c) onto the daemon skeleton
 * (common/daemon: -f -n -nv -d, SIGHUP reload never half-applied), batched UDP sockets on
 * the LISP control port (common/udpio), the telnet CLI (mr/cli.c) and a one-second tick
 * that ages remembered forwards (failover, mr/mr.h), and with <metrics> the /metrics
 * endpoint (common/metrics.h, mr/metrics.c). Listen, CLI and metrics addresses are taken at
 * start; a reload applies the EID table, limits, failover timers and log level.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/cli.h"
#include "common/conf.h"
#include "common/daemon.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/ratelimit.h"
#include "common/udpio.h"
#include "mr/mr.h"

static struct {
	struct mr *mr;
	struct cli *cli;
	struct udp_sock *sock[MR_MAX_LISTEN];
	unsigned nsock;
	struct event *tick;
	struct metrics_srv *metrics; /* <metrics> */
} g;

static int send_any(void *arg, const struct ipaddr *dst, uint16_t dport, const struct ipaddr *src,
		    const void *data, size_t len)
{
	(void)arg;
	/* the first socket that can reach dst (asking first: a socket tried in vain would
	 * count the datagram as dropped in its statistics) */
	for (unsigned i = 0; i < g.nsock; i++)
		if (udp_can_send(g.sock[i], dst, src))
			return udp_queue(g.sock[i], dst, dport, src, data, len);
	/* A source address no socket can use: let the kernel choose. */
	for (unsigned i = 0; src && i < g.nsock; i++)
		if (udp_can_send(g.sock[i], dst, NULL))
			return udp_queue(g.sock[i], dst, dport, NULL, data, len);
	return -1;
}

static void on_recv(struct udp_sock *s, const struct udp_pkt *pkts, size_t n, void *arg)
{
	uint64_t now = now_ns();

	(void)s;
	(void)arg;
	for (size_t i = 0; i < n; i++) {
		struct mr_in in = {.src = pkts[i].src,
				   .sport = pkts[i].sport,
				   .dst = pkts[i].dst,
				   .dport = pkts[i].dport,
				   .data = pkts[i].data,
				   .len = pkts[i].len};
		mr_input(g.mr, &in, now);
	}
}

static void on_tick(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	mr_tick(g.mr, now_ns());
}

static void *parse(const char *path, struct cfg_errs *errs)
{
	return mr_cfg_load(path, errs);
}

static void print(const void *cfg, FILE *out)
{
	mr_cfg_print(cfg, out);
}

static void free_cfg(void *cfg)
{
	mr_cfg_free(cfg);
}

/* Started as root: the user of <privileges> with no capability once the sockets are bound
 * (common/priv.h); reloads run as that user. */
static const struct cfg_priv *privileges(const void *cfg)
{
	return &((const struct mr_cfg *)cfg)->priv;
}

static const struct cfg_log *log_cfg(const void *cfg)
{
	return &((const struct mr_cfg *)cfg)->log;
}

static void collect(struct mw *w, void *arg)
{
	(void)arg;
	mr_metrics_write(w, g.mr, g.cli);
}

static int start(struct event_base *base, void *cfgp)
{
	struct mr_cfg *c = cfgp;
	struct timeval one = {1, 0};

	g.mr = mr_new(c, send_any, NULL, now_ns());
	if (g.mr == NULL) {
		log_warnx("cannot build the EID prefix table");
		return -1;
	}
	if (c->nlisten == 0) {
		g.sock[0] = udp_open(base, NULL, 4342, on_recv, NULL);
		if (g.sock[0] == NULL)
			return -1;
		g.nsock = 1;
	}
	for (unsigned i = 0; i < c->nlisten; i++) {
		const struct ipaddr *a = c->listen[i].addr.afi ? &c->listen[i].addr : NULL;
		g.sock[g.nsock] = udp_open(base, a, c->listen[i].port, on_recv, NULL);
		if (g.sock[g.nsock] == NULL)
			return -1;
		g.nsock++;
	}
	g.cli = mr_cli_new(base, g.mr);
	if (g.cli == NULL || cli_start(g.cli, &c->cli) == -1)
		return -1;
	g.tick = event_new(base, -1, EV_PERSIST, on_tick, NULL);
	if (g.tick == NULL || event_add(g.tick, &one) == -1)
		return -1;
	if (c->metrics.enabled &&
	    (g.metrics = metrics_start(base, &c->metrics, "lisp-mrd", collect, NULL)) == NULL)
		return -1;
	log_info("lisp-mrd %s: %u EID prefixes, %zu map-servers", MR_VERSION, c->nprefix,
		 mr_nservers(g.mr));
	return 0;
}

static int reload(void *oldp, void *newp)
{
	const struct mr_cfg *o = oldp, *n = newp;

	if (mr_reconfigure(g.mr, n, now_ns()) == -1)
		return -1;
	if (o->nlisten != n->nlisten || memcmp(o->listen, n->listen, sizeof(o->listen)) ||
	    !cfg_cli_same_listener(&o->cli, &n->cli))
		log_warnx("listen and CLI address changes take effect at the next restart");
	metrics_reload_log(&o->metrics, &n->metrics);
	cli_reconfigure(g.cli, &n->cli);
	log_info("reloaded: %u EID prefixes, %zu map-servers", n->nprefix, mr_nservers(g.mr));
	return 0;
}

static void stop(void)
{
	metrics_stop(g.metrics);
	if (g.tick)
		event_free(g.tick);
	cli_free(g.cli);
	for (unsigned i = 0; i < g.nsock; i++)
		udp_close(g.sock[i]);
	mr_free(g.mr);
	memset(&g, 0, sizeof(g));
}

static const struct daemon_desc mr_desc = {
    .name = "lisp-mrd",
    .default_config = LISP_SYSCONFDIR "/lisp-mrd.xml",
    .version = MR_VERSION,
    .usage_extra = "lisp-mrd: LISP Map-Resolver (RFC 9301); CLI on 127.0.0.1:2622\n",
    .parse_config = parse,
    .print_config = print,
    .free_config = free_cfg,
    .start = start,
    .reload = reload,
    .stop = stop,
    .privileges = privileges,
    .log = log_cfg,
};

int main(int argc, char **argv)
{
	return daemon_main(&mr_desc, argc, argv);
}
