/* SPDX-License-Identifier: ISC */
/*
 * xtr/main.c - lisp-xtrd: wires the xTR core (xtr/xtr.h: core.c, data.c, control.c ...) onto
 * the daemon skeleton (common/daemon: -f -n -nv -d, SIGHUP reload never half-applied): the
 * data-plane I/O engine (xtr/dataplane.h: the TUN device, the encapsulated data sockets,
 * native forwarding) provides the core's data callbacks and feeds it what it reads; the
 * control messages go through a batched UDP 4342 socket (common/udpio); the telnet CLI
 * (xtr/cli.c, `show statistics` with the sockets' counters) and a 100 ms tick (timers)
 * complete it. Start order: engine (TUN, send sockets), core, D-ETR, engine reads,
 * control socket, tick, CLI, BGP speaker, site, the /metrics endpoint of <metrics>
 * (common/metrics.h, xtr/metrics.c; its listener follows the config at start, like the
 * CLI's); stop frees them in reverse.
 *
 * The site integration (xtr/site/site.h) is used when the config has a <site> element.
 * mode="representative" (the D-ETR, xtr/detr.h) runs the embedded BGP speaker of its <bgp>
 * element (started, reloaded and stopped by xtr/detr.c): every host mapping received enters
 * the map-cache; its CLI rows are added. A reload checks <bgp> first (bgp_reload_check, the
 * same rule as lisp-msd) and applies it in place with bgp_reconfigure: a peer added,
 * removed or changed touches only that peer, the other sessions stay Established and the
 * map-cache keeps their mappings (a removed peer's leave through its withdrawals). A change
 * that needs a restart (the listener) refuses the whole reload, before anything is applied:
 * the running config, the speaker and its sessions stay as they were.
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
#include "common/priv.h"
#include "common/ratelimit.h"
#include "common/udpio.h"
#include "sys/netlink.h"
#include "xtr/dataplane.h"
#include "xtr/detr.h"
#include "xtr/fastpath.h"
#include "xtr/site/site.h"
#include "xtr/xtr.h"

static struct {
	struct xtr *x;
	struct xtr_dp *dp; /* TUN, data sockets, native forwarding */
	struct cli *cli;
	struct event *tick;
	struct udp_sock *ctl;
	struct site *site;
	struct event_base *base;
	struct xtr_detr *detr;	     /* representative mode (with the speaker of <bgp>) */
	struct metrics_srv *metrics; /* <metrics> */
	struct xtr_fp *fp;	     /* the in-kernel fast path (<fast-path>), NULL: off */
} g;

/* ---------------------------------------------------------------- core callbacks */

/* (arg is the data-plane engine: the callbacks below are the daemon's own) */
static int ctl_send(void *arg, const struct ipaddr *dst, uint16_t dport, const struct ipaddr *src,
		    const void *data, size_t len)
{
	(void)arg;
	if (udp_queue(g.ctl, dst, dport, src, data, len) == 0)
		return 0;
	return udp_queue(g.ctl, dst, dport, NULL, data, len);
}

static void host_del(void *arg, const struct ipaddr *eid)
{
	(void)arg;
	if (g.site)
		site_host_del(g.site, eid);
}

static void host_add(void *arg, const struct ipaddr *eid)
{
	(void)arg;
	if (g.site)
		site_host_add(g.site, eid);
}

static void io_stats(void *arg, struct xtr_io_stats *st)
{
	struct udp_stats u = {0};

	memset(st, 0, sizeof(*st));
	xtr_dp_stats(arg, st);
	if (g.ctl)
		udp_get_stats(g.ctl, &u);
	st->control = (struct xtr_sock_stats){u.rx, u.tx, u.rx_errors, u.tx_errors, u.truncated};
}

/* ---------------------------------------------------------------- events */

static void on_ctl(struct udp_sock *s, const struct udp_pkt *pkts, size_t n, void *arg)
{
	uint64_t now = now_ns();

	(void)s;
	(void)arg;
	for (size_t i = 0; i < n; i++)
		xtr_control_input(g.x, &pkts[i].src, pkts[i].sport, &pkts[i].dst, pkts[i].data,
				  pkts[i].len, now);
	xtr_flush(g.x);
}

static void on_tick(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	xtr_tick(g.x, now_ns());
	xtr_flush(g.x);
}

/* ---------------------------------------------------------------- site */

static void site_arrived(void *arg, const struct ipaddr *eid, const uint8_t mac[6])
{
	(void)arg;
	(void)mac;
	xtr_host_arrived(g.x, eid, now_ns());
}

static void site_left(void *arg, const struct ipaddr *eid)
{
	(void)arg;
	xtr_host_left(g.x, eid, now_ns());
}

static int start_site(struct event_base *base, const struct xtr_cfg *c)
{
	struct site_cfg sc = c->site;
	static const struct site_hooks hooks = {site_arrived, site_left};
	char err[256];

	if (!c->has_site)
		return 0;
	if (sc.tun_mtu == 0)
		sc.tun_mtu = c->tun_mtu;
	g.site = site_setup(base, &sc, &hooks, NULL, err, sizeof(err));
	if (g.site == NULL) {
		log_warnx("site: %s", err);
		return -1;
	}
	/* configured host EIDs are local: host routes on the bridge */
	for (size_t i = 0; i < xtr_db_count(g.x); i++) {
		const struct xtr_db_entry *d = xtr_db_at(g.x, i);
		if (d->eid.plen == afi_max_plen(d->eid.afi)) {
			struct ipaddr a = {.afi = d->eid.afi};
			memcpy(a.a, d->eid.a, 16);
			site_host_add(g.site, &a);
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- fast path */

/* <fast-path>: loaded and attached here, as root, before the privilege drop. */
static int start_fast_path(struct event_base *base, const struct xtr_cfg *c)
{
	const struct xtr_fp_params p = {
	    .cfg = c, .tun_name = xtr_dp_tun_name(g.dp), .attach = true};
	char err[512];

	if (c->fast_path == XTR_FP_OFF)
		return 0;
	g.fp = xtr_fp_start(base, g.x, &p, err, sizeof(err));
	if (g.fp)
		return 0;
	if (c->fast_path == XTR_FP_ON) {
		log_warnx("fast path (mode on): %s", err);
		return -1;
	}
	log_warnx("fast path not used: %s", err);
	return 0;
}

static uint64_t extra_caps(void)
{
	return xtr_fp_extra_caps(g.fp);
}

/* ---------------------------------------------------------------- daemon */

static void *parse(const char *path, struct cfg_errs *errs)
{
	return xtr_cfg_load(path, errs);
}

static void print(const void *cfg, FILE *out)
{
	xtr_cfg_print(cfg, out);
}

static void free_cfg(void *cfg)
{
	xtr_cfg_free(cfg);
}

/* Started as root: the user of <privileges> keeping CAP_NET_ADMIN (routes, neighbours,
 * links, bridge ports, nft, and the sysctls under /proc/sys/net, which the kernel lets a
 * holder of CAP_NET_ADMIN write whatever its uid) and CAP_NET_RAW (raw and packet sockets),
 * once start() has opened the TUN, the sockets and applied the site (common/priv.h). */
static const struct cfg_priv *privileges(const void *cfg)
{
	return &((const struct xtr_cfg *)cfg)->priv;
}

static const struct cfg_log *log_cfg(const void *cfg)
{
	return &((const struct xtr_cfg *)cfg)->log;
}

static void collect(struct mw *w, void *arg)
{
	(void)arg;
	xtr_metrics_write(w, g.x, g.detr, g.cli);
}

/* D-ETR: an aggregate announced to the underlay is routed into the TUN first (the PITR path,
 * xtr/underlay.h); replaces any route of that prefix in the main table. */
static int tun_route(void *arg, const struct lisp_prefix *p)
{
	struct nl nl;
	struct nl_route r = {.plen = p->plen};
	char s[PREFIX_STRLEN];
	int rc = -1;

	(void)arg;
	r.dst.afi = p->afi;
	memcpy(r.dst.a, p->a, sizeof(r.dst.a));
	if ((r.ifindex = nl_ifindex(xtr_dp_tun_name(g.dp))) > 0 && nl_open(&nl) == 0) {
		if ((rc = nl_route_add(&nl, &r)) != 0)
			log_warnx("D-ETR: route %s into %s: %s", prefix_str(p, s, sizeof(s)),
				  xtr_dp_tun_name(g.dp), nl.err);
		nl_close(&nl);
	}
	return rc ? -1 : 0;
}

static int start(struct event_base *base, void *cfgp)
{
	struct xtr_cfg *c = cfgp;
	struct timeval tick = {0, 100000};
	struct xtr_io io = {.ctl_send = ctl_send, .host_del = host_del, .io_stats = io_stats};
	struct xtr_dp_params dpp = {.tun_name = c->tun_name,
				    .tun_mtu = c->tun_mtu,
				    .underlay_mtu = c->underlay_mtu,
				    .nrloc = c->nrloc,
				    .rloc = c->rloc,
				    .native_dev = c->native_dev,
				    .data_port = c->data_port};
	/* a cache fill answers thousands of Map-Requests at once: the default receive buffer
	 * (~200 KB, a few hundred Map-Replies) overflowed while the daemon was busy with the TUN */
	const struct udp_opts ctl_opts = {.rcvbuf = 4 << 20};

	g.base = base;
	g.dp = xtr_dp_new(base, &dpp);
	if (g.dp == NULL)
		return -1;
	xtr_dp_io(g.dp, &io);
	g.x = xtr_new(c, &io, now_ns());
	if (g.x == NULL)
		return -1;
	xtr_set_host_add(g.x, host_add);
	if (c->mode == XTR_MODE_REPRESENTATIVE) {
		g.detr = xtr_detr_new(g.x);
		if (g.detr == NULL)
			return -1;
		if (xtr_db_count(g.x) == 0)
			log_warnx(
			    "representative mode without aggregate EID prefixes (<database>)");
	}
	if (xtr_dp_start(g.dp, g.x) == -1)
		return -1;
	g.ctl = udp_open_opts(base, NULL, c->control_port, &ctl_opts, on_ctl, NULL);
	g.tick = event_new(base, -1, EV_PERSIST, on_tick, NULL);
	if (g.ctl == NULL || g.tick == NULL || event_add(g.tick, &tick) == -1)
		return -1;
	g.cli = xtr_cli_new(base, g.x);
	if (g.cli == NULL || cli_start(g.cli, &c->cli) == -1)
		return -1;
	if (g.detr && xtr_detr_bgp_start(g.detr, base, g.cli, c->bgp) == -1) {
		log_warnx("BGP speaker did not start");
		return -1;
	}
	if (g.detr) /* before the loop runs: nothing is announced before End-of-RIB */
		xtr_detr_set_tun_route(g.detr, tun_route, NULL);
	if (start_site(base, c) == -1)
		return -1;
	if (c->metrics.enabled &&
	    (g.metrics = metrics_start(base, &c->metrics, "lisp-xtrd", collect, NULL)) == NULL)
		return -1;
	if (start_fast_path(base, c) == -1)
		return -1;
	log_info("lisp-xtrd %s: TUN %s mtu %u, %u RLOCs, %zu database mappings, %u map-servers, "
		 "%u map-resolvers",
		 XTR_VERSION, xtr_dp_tun_name(g.dp), c->tun_mtu, c->nrloc, xtr_db_count(g.x),
		 c->nms, c->nmr);
	return 0;
}

static int reload(void *oldp, void *newp)
{
	const struct xtr_cfg *o = oldp;
	struct xtr_cfg *n = newp;

	/* <bgp> first: a refusal (a change that needs a restart) refuses the whole reload
	 * before anything is applied */
	if (g.detr && xtr_detr_bgp_reload_prepare(g.detr, n->bgp) == -1)
		return -1;
	if (xtr_reconfigure(g.x, n, now_ns()) == -1) {
		xtr_detr_bgp_reload_abort(g.detr);
		return -1;
	}
	if (g.detr) { /* in place: the sessions of unchanged peers stay */
		xtr_detr_bgp_reload_commit(g.detr, n->bgp);
		/* <tenant>s added or removed: their mappings enter or leave the map-cache */
		xtr_detr_instances_sync(g.detr);
		/* <announce>, the aggregates or the speaker may have changed */
		xtr_detr_underlay_sync(g.detr);
	}
	if (strcmp(o->tun_name, n->tun_name) || o->nrloc != n->nrloc ||
	    memcmp(o->rloc, n->rloc, sizeof(o->rloc)) ||
	    memcmp(o->rloc_anycast, n->rloc_anycast, sizeof(o->rloc_anycast)) ||
	    !cfg_cli_same_listener(&o->cli, &n->cli))
		log_warnx("TUN, RLOC and CLI changes take effect at the next restart");
	metrics_reload_log(&o->metrics, &n->metrics);
	if (g.fp)
		xtr_fp_reconfigure(g.fp, n);
	else if (n->fast_path != o->fast_path)
		log_warnx("<fast-path> takes effect at the next restart");
	cli_reconfigure(g.cli, &n->cli);
	log_info("reloaded: %zu database mappings", xtr_db_count(g.x));
	return 0;
}

static void stop(void)
{
	xtr_fp_stop(g.fp); /* detached first: from here on the kernel sends all to user space */
	metrics_stop(g.metrics);
	if (g.site)
		site_teardown(g.site);
	if (g.tick)
		event_free(g.tick);
	xtr_detr_bgp_stop(g.detr); /* before the CLI its rows are in */
	cli_free(g.cli);
	xtr_detr_free(g.detr);
	udp_close(g.ctl);
	xtr_dp_free(g.dp);
	xtr_free(g.x);
	memset(&g, 0, sizeof(g));
}

/* SIGTERM: a D-ETR announcing to the underlay withdraws first and keeps forwarding while
 * the edge routers move the traffic away (xtr/underlay.h), then stops. */
static unsigned stopping(void)
{
	return xtr_detr_stopping(g.detr);
}

static const struct daemon_desc xtr_desc = {
    .name = "lisp-xtrd",
    .default_config = LISP_SYSCONFDIR "/lisp-xtrd.xml",
    .version = XTR_VERSION,
    .usage_extra = "lisp-xtrd: LISP site xTR (RFC 9300/9301); CLI on 127.0.0.1:2620\n",
    .parse_config = parse,
    .print_config = print,
    .free_config = free_cfg,
    .start = start,
    .reload = reload,
    .stop = stop,
    .stopping = stopping,
    .privileges = privileges,
    .log = log_cfg,
    .keep_caps = PRIV_CAP(CAP_NET_ADMIN) | PRIV_CAP(CAP_NET_RAW),
    .extra_caps = extra_caps,
};

int main(int argc, char **argv)
{
	return daemon_main(&xtr_desc, argc, argv);
}
