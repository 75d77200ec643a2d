/* SPDX-License-Identifier: ISC */
/*
 * xtr/site/site.c - applies and undoes the Linux site recipe of lisp-xtrd
 * (docs/linux-site.md "The recipe") and runs the site's event sources.
 *
 * site_setup: the bridge (created with the gateway MAC before up, or an existing one given
 * that MAC), the sysctls (ip_forward, IPv6 forwarding, proxy_arp + proxy_arp_pvlan +
 * proxy_delay 0, send_redirects 0 on all and the bridge, rp_filter 0 on all and the TUN
 * (loose on the bridge), proxy_ndp 0, IPv6 proxy_delay 0, accept_untracked_na 1 when the
 * kernel has it), the gateway addresses (noprefixroute; IPv6 nodad), the TUN MTU, the EID
 * subnets routed into the TUN, the nft table dropping ND redirects out of the bridge (the
 * `nft` command: one declarative transaction, table inet lisp_site_<bridge>), and isolation
 * of every bridge port. Every change is appended to an undo log (sysctls with the value read
 * before) that site_teardown replays backwards.
 *
 * While running: an AF_PACKET/ETH_P_ALL socket on the bridge feeds xtr/site/frame.c (NS
 * answered with the gateway MAC, arrivals of dynamic EIDs: host route at once, then the
 * host_arrived hook); an RTNLGRP_LINK socket (content not parsed: any message triggers a
 * rescan of /sys/class/net/<bridge>/brif) and a 1 s timer isolate ports added later; the
 * timer also ages hosts (xtr/site/hosts.c) and sends their probes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/log.h"
#include "sys/netlink.h"
#include "sys/sysctl.h"
#include "xtr/site/site_int.h"

extern char **environ;

enum undo_kind { U_SYSCTL, U_BRIDGE, U_MAC, U_DOWN, U_ADDR, U_MTU, U_ROUTE, U_NFT, U_ISOLATE };

struct undo {
	enum undo_kind kind;
	int ifindex;
	char name[96]; /* sysctl name / nft table */
	char val[32];  /* sysctl old value */
	struct ipaddr a;
	uint8_t plen;
	uint8_t mac[6];
	unsigned mtu;
};

struct site {
	struct site_cfg cfg;
	struct site_hooks hooks;
	void *arg;
	struct event_base *base;
	struct nl nl;
	int br_ifindex, tun_ifindex;
	struct site_ctx ctx;
	struct site_hosts hosts;
	int pfd, lfd; /* packet socket, link-event socket */
	struct event *ev_pkt, *ev_link, *ev_timer;
	struct undo *undo;
	size_t nundo, capundo;
	struct site_stats st;
	char nft_table[64];
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct undo *undo_push(struct site *s, enum undo_kind k)
{
	if (s->nundo == s->capundo) {
		size_t cap = s->capundo ? s->capundo * 2 : 32;
		struct undo *u = realloc(s->undo, cap * sizeof(*u));
		if (!u)
			return NULL;
		s->undo = u;
		s->capundo = cap;
	}
	struct undo *u = &s->undo[s->nundo++];
	memset(u, 0, sizeof(*u));
	u->kind = k;
	return u;
}

/* ------------------------------------------------------------------ nft */

static int run_nft(const char *cmd)
{
	char *argv[] = {"nft", (char *)cmd, NULL};
	pid_t pid;
	int st;
	if (posix_spawnp(&pid, "nft", NULL, NULL, argv, environ) != 0)
		return -1;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int nft_apply(struct site *s)
{
	char cmd[512];
	size_t i, n = strlen("lisp_site_");
	memcpy(s->nft_table, "lisp_site_", n);
	for (i = 0; s->cfg.bridge[i] && n + 1 < sizeof(s->nft_table); i++) {
		char ch = s->cfg.bridge[i];
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			  (ch >= '0' && ch <= '9');
		s->nft_table[n++] = ok ? ch : '_';
	}
	s->nft_table[n] = '\0';
	/* create-delete-define in one transaction: replaces a table left by a crash */
	snprintf(
	    cmd, sizeof(cmd),
	    "add table inet %s; delete table inet %s; add table inet %s; add chain inet %s out "
	    "{ type filter hook output priority 0; }; add rule inet %s out oifname \"%s\" "
	    "icmpv6 type nd-redirect counter drop",
	    s->nft_table, s->nft_table, s->nft_table, s->nft_table, s->nft_table, s->cfg.bridge);
	if (run_nft(cmd))
		return -1;
	struct undo *u = undo_push(s, U_NFT);
	if (!u)
		return -1;
	snprintf(u->name, sizeof(u->name), "%s", s->nft_table);
	return 0;
}

/* ------------------------------------------------------------------ sysctls */

/* Set name to value, remembering the old value. optional: a missing key is not an error. */
static int sys_set(struct site *s, const char *name, const char *value, bool optional, char *err,
		   size_t errlen)
{
	char old[32];
	int rc = sysctl_get(name, old, sizeof(old));
	if (rc == -ENOENT && optional)
		return 0;
	if (rc) {
		snprintf(err, errlen, "sysctl %s: %s", name, strerror(-rc));
		return -1;
	}
	if (strcmp(old, value) == 0)
		return 0;
	rc = sysctl_set(name, value);
	if (rc) {
		snprintf(err, errlen, "sysctl %s=%s: %s", name, value, strerror(-rc));
		return -1;
	}
	struct undo *u = undo_push(s, U_SYSCTL);
	if (!u)
		return -1;
	snprintf(u->name, sizeof(u->name), "%s", name);
	snprintf(u->val, sizeof(u->val), "%s", old);
	return 0;
}

static int sysctls_apply(struct site *s, char *err, size_t errlen)
{
	const char *br = s->cfg.bridge, *tun = s->cfg.tun;
	struct {
		const char *fmt, *ifn, *val;
		bool optional;
	} t[] = {
	    {"net.ipv4.ip_forward", NULL, "1", false},
	    {"net.ipv6.conf.all.forwarding", NULL, "1", false},
	    {"net.ipv4.conf.%s.proxy_arp", br, "1", false},
	    {"net.ipv4.conf.%s.proxy_arp_pvlan", br, "1", false},
	    {"net.ipv4.neigh.%s.proxy_delay", br, "0", false},
	    {"net.ipv4.conf.all.send_redirects", NULL, "0", false},
	    {"net.ipv4.conf.%s.send_redirects", br, "0", false},
	    {"net.ipv4.conf.all.rp_filter", NULL, "0", false},
	    {"net.ipv4.conf.%s.rp_filter", tun, "0", false},
	    {"net.ipv4.conf.%s.rp_filter", br, "2", false}, /* never 1 (linux-site.md §1) */
	    {"net.ipv6.conf.%s.proxy_ndp", br, "0", false},
	    {"net.ipv6.neigh.%s.proxy_delay", br, "0", false},
	    {"net.ipv6.conf.%s.accept_untracked_na", br, "1", true},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char name[96];
		snprintf(name, sizeof(name), t[i].fmt, t[i].ifn ? t[i].ifn : "");
		if (sys_set(s, name, t[i].val, t[i].optional, err, errlen))
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ ports */

static bool undo_has_isolate(const struct site *s, int ifindex)
{
	for (size_t i = 0; i < s->nundo; i++)
		if (s->undo[i].kind == U_ISOLATE && s->undo[i].ifindex == ifindex)
			return true;
	return false;
}

/* Isolate every port of the bridge that is not isolated yet. */
static void ports_scan(struct site *s)
{
	char path[128];
	snprintf(path, sizeof(path), "/sys/class/net/%s/brif", s->cfg.bridge);
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *de;
	unsigned bound = 4096;
	while ((de = readdir(d)) != NULL && bound-- > 0) {
		if (de->d_name[0] == '.')
			continue;
		char p[300], v[8] = "";
		snprintf(p, sizeof(p), "%s/%s/isolated", path, de->d_name);
		FILE *f = fopen(p, "re");
		if (f) {
			if (!fgets(v, sizeof(v), f))
				v[0] = '\0';
			fclose(f);
		}
		if (v[0] == '1')
			continue;
		int ifi = nl_ifindex(de->d_name);
		if (ifi <= 0)
			continue;
		if (nl_bridge_port_isolated(&s->nl, ifi, true)) {
			s->st.netlink_errors++;
			log_warnx("site: isolate %s: %s", de->d_name, s->nl.err);
			continue;
		}
		s->st.ports_isolated++;
		log_info("site: port %s of %s isolated", de->d_name, s->cfg.bridge);
		if (!undo_has_isolate(s, ifi)) {
			struct undo *u = undo_push(s, U_ISOLATE);
			if (u)
				u->ifindex = ifi;
		}
	}
	closedir(d);
}

static int link_events_open(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -1;
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK};
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void on_link(evutil_socket_t fd, short what, void *arg)
{
	struct site *s = arg;
	uint8_t b[8192];
	/* drain; the content is not needed: any link change triggers a rescan */
	for (int i = 0; i < 64 && recv(fd, b, sizeof(b), 0) > 0; i++)
		;
	ports_scan(s);
}

/* ------------------------------------------------------------------ hosts */

static bool in_dynamic(const struct site *s, const struct ipaddr *a)
{
	for (unsigned i = 0; i < s->cfg.ndynamic; i++) {
		const struct lisp_prefix *p = &s->cfg.dynamic[i];
		if (prefix_contains_addr(p, p->iid, a))
			return true;
	}
	return false;
}

static int host_route(struct site *s, const struct ipaddr *eid, bool add)
{
	char a[IPADDR_STRLEN];
	struct nl_route r = {
	    .dst = *eid, .plen = (uint8_t)afi_max_plen(eid->afi), .ifindex = s->br_ifindex};
	int rc = add ? nl_route_add(&s->nl, &r) : nl_route_del(&s->nl, &r);
	if (rc && !(rc == -ESRCH && !add)) {
		s->st.netlink_errors++;
		log_warnx("site: host route %s: %s", ipaddr_str(eid, a, sizeof(a)), s->nl.err);
		return -1;
	}
	if (!add) {
		rc = nl_neigh_del(&s->nl, s->br_ifindex, eid);
		if (rc && rc != -ENOENT && rc != -ESRCH) {
			s->st.netlink_errors++;
			log_warnx("site: neighbour %s: %s", ipaddr_str(eid, a, sizeof(a)),
				  s->nl.err);
		}
	}
	return 0;
}

static void host_seen(struct site *s, const struct ipaddr *eid, const uint8_t mac[6], bool announce)
{
	char a[IPADDR_STRLEN];
	uint64_t now = now_ms();
	enum site_seen r = site_hosts_seen(&s->hosts, eid, mac, announce, now);
	if (r == SITE_SEEN_NEW) {
		site_hosts_mac_learn(&s->hosts, mac, eid, now);
		host_route(s, eid, true);
		s->st.arrivals++;
		log_info("site: %s arrived (%02x:%02x:%02x:%02x:%02x:%02x)",
			 ipaddr_str(eid, a, sizeof(a)), mac[0], mac[1], mac[2], mac[3], mac[4],
			 mac[5]);
		if (s->hooks.host_arrived)
			s->hooks.host_arrived(s->arg, eid, mac);
	} else if (r == SITE_SEEN_MAC) {
		site_hosts_mac_learn(&s->hosts, mac, eid, now);
	} else if (r == SITE_SEEN_FULL) {
		log_input_key("site", "host table full, %s not tracked",
			      ipaddr_str(eid, a, sizeof(a)));
	}
}

int site_send_counted(int fd, const struct buf *w, uint64_t *sent, uint64_t *errors)
{
	ssize_t r;

	do
		r = send(fd, w->data, buf_len(w), MSG_DONTWAIT | MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		(*errors)++;
		return -1;
	}
	(*sent)++;
	return 0;
}

/* An NA or a probe onto the bridge, counted in *sent only when it left. */
static void send_frame(struct site *s, const struct buf *w, uint64_t *sent)
{
	if (site_send_counted(s->pfd, w, sent, &s->st.na_send_errors) < 0)
		log_debug("site: send on %s: %s", s->cfg.bridge, strerror(errno));
}

static void handle_frame(struct site *s, const uint8_t *data, size_t len)
{
	struct buf b, w;
	struct site_frame f;
	uint8_t out[128];

	buf_init_read(&b, data, len);
	s->st.frames++;
	switch (site_classify(&s->ctx, &b, &f)) {
	case SITE_F_BAD:
		s->st.frames_bad++;
		return;
	case SITE_F_IGNORE:
		return;
	case SITE_F_NS_ANSWER:
	case SITE_F_NS_NUD:
		buf_init_write(&w, out, sizeof(out));
		if (site_build_na_frame(&w, &s->ctx, &f) == 0)
			send_frame(s, &w, &s->st.ns_answered);
		break;
	case SITE_F_NS_DAD:
	case SITE_F_NS_OWN:
	case SITE_F_NS_OFFLINK:
		s->st.ns_ignored++;
		break;
	case SITE_F_RARP: {
		struct ipaddr eids[4];
		unsigned n = site_hosts_mac_lookup(&s->hosts, f.mac, eids, 4);
		for (unsigned i = 0; i < n; i++)
			if (in_dynamic(s, &eids[i]))
				host_seen(s, &eids[i], f.mac, true);
		return;
	}
	default:
		break;
	}
	if (f.ip.afi && in_dynamic(s, &f.ip))
		host_seen(s, &f.ip, f.mac, f.announce);
}

static void on_packet(evutil_socket_t fd, short what, void *arg)
{
	struct site *s = arg;
	uint8_t b[2048];
	for (int i = 0; i < 64; i++) {
		struct sockaddr_ll sll;
		socklen_t sl = sizeof(sll);
		ssize_t n = recvfrom(fd, b, sizeof(b), MSG_TRUNC, (struct sockaddr *)&sll, &sl);
		if (n < 0)
			return;
		if (sll.sll_pkttype == PACKET_OUTGOING)
			continue;
		handle_frame(s, b, (size_t)n > sizeof(b) ? sizeof(b) : (size_t)n);
	}
}

static void on_tick_host(void *arg, enum site_tick_action act, const struct site_host *h)
{
	struct site *s = arg;
	char a[IPADDR_STRLEN];
	struct buf w;
	uint8_t out[128];

	switch (act) {
	case SITE_TICK_PROBE:
		buf_init_write(&w, out, sizeof(out));
		if ((h->eid.afi == LISP_AFI_IPV4
			 ? site_build_arp_probe(&w, &s->ctx, h->mac, &h->eid)
			 : site_build_ns_probe(&w, &s->ctx, h->mac, &h->eid)) == 0)
			send_frame(s, &w, &s->st.probes_sent);
		break;
	case SITE_TICK_GONE:
		host_route(s, &h->eid, false);
		s->st.departures++;
		log_info("site: %s left", ipaddr_str(&h->eid, a, sizeof(a)));
		if (s->hooks.host_left)
			s->hooks.host_left(s->arg, &h->eid);
		break;
	case SITE_TICK_EXPIRE_MOVED:
		break;
	}
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct site *s = arg;
	site_hosts_tick(&s->hosts, now_ms(), on_tick_host, s);
	ports_scan(s);
}

static int packet_open(struct site *s)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0)
		return -1;
	struct sockaddr_ll sll = {.sll_family = AF_PACKET,
				  .sll_protocol = htons(ETH_P_ALL),
				  .sll_ifindex = s->br_ifindex};
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* ------------------------------------------------------------------ setup / teardown */

static void undo_all(struct site *s)
{
	while (s->nundo > 0) {
		struct undo *u = &s->undo[--s->nundo];
		char ifn[IF_NAMESIZE];
		int rc = 0;
		switch (u->kind) {
		case U_SYSCTL:
			rc = sysctl_set(u->name, u->val);
			break;
		case U_BRIDGE:
			rc = nl_link_del(&s->nl, u->ifindex);
			break;
		case U_MAC:
			rc = nl_link_set_mac(&s->nl, u->ifindex, u->mac);
			break;
		case U_DOWN:
			rc = nl_link_set_up(&s->nl, u->ifindex, false);
			break;
		case U_ADDR:
			rc = nl_addr_del(&s->nl, u->ifindex, &u->a, u->plen);
			break;
		case U_MTU:
			rc = nl_link_set_mtu(&s->nl, u->ifindex, u->mtu);
			break;
		case U_ROUTE: {
			struct nl_route r = {.dst = u->a, .plen = u->plen, .ifindex = u->ifindex};
			rc = nl_route_del(&s->nl, &r);
			break;
		}
		case U_NFT: {
			char cmd[128];
			snprintf(cmd, sizeof(cmd), "delete table inet %s", u->name);
			rc = run_nft(cmd);
			break;
		}
		case U_ISOLATE:
			if (if_indextoname((unsigned)u->ifindex, ifn))
				rc = nl_bridge_port_isolated(&s->nl, u->ifindex, false);
			break;
		}
		if (rc)
			log_debug("site: undo %d: %s", (int)u->kind, s->nl.err);
	}
}

static int fail(char *err, size_t errlen, const char *what, const char *detail)
{
	snprintf(err, errlen, "%s: %s", what, detail);
	return -1;
}

static int apply(struct site *s, char *err, size_t errlen)
{
	const struct site_cfg *c = &s->cfg;
	struct nl_link l;
	struct undo *u;
	int rc;

	s->tun_ifindex = nl_ifindex(c->tun);
	if (s->tun_ifindex <= 0)
		return fail(err, errlen, c->tun, "TUN device not found (open it first)");
	s->br_ifindex = nl_ifindex(c->bridge);
	if (s->br_ifindex <= 0) {
		if (!c->manage_bridge)
			return fail(err, errlen, c->bridge, "bridge not found");
		if ((rc = nl_bridge_add(&s->nl, c->bridge, c->gw_mac)) != 0)
			return fail(err, errlen, "create bridge", s->nl.err);
		s->br_ifindex = nl_ifindex(c->bridge);
		if (s->br_ifindex <= 0)
			return fail(err, errlen, c->bridge, "bridge vanished");
		if (!(u = undo_push(s, U_BRIDGE)))
			return fail(err, errlen, "undo log", "out of memory");
		u->ifindex = s->br_ifindex;
	} else {
		/* an existing bridge (not ours, or left by a crash): adopt, never delete */
		if (nl_link_get(&s->nl, s->br_ifindex, &l))
			return fail(err, errlen, "bridge", s->nl.err);
		if (!l.has_mac || memcmp(l.mac, c->gw_mac, 6) != 0) {
			if (nl_link_set_mac(&s->nl, s->br_ifindex, c->gw_mac))
				return fail(err, errlen, "bridge MAC", s->nl.err);
			if (!(u = undo_push(s, U_MAC)))
				return fail(err, errlen, "undo log", "out of memory");
			u->ifindex = s->br_ifindex;
			memcpy(u->mac, l.mac, 6);
		}
		if (!(l.flags & IFF_UP)) {
			if (!(u = undo_push(s, U_DOWN)))
				return fail(err, errlen, "undo log", "out of memory");
			u->ifindex = s->br_ifindex;
		}
	}
	if (nl_link_set_up(&s->nl, s->br_ifindex, true))
		return fail(err, errlen, "bridge up", s->nl.err);
	if (sysctls_apply(s, err, errlen))
		return -1;
	const struct {
		const struct ipaddr *a;
		uint8_t plen;
		uint32_t flags;
	} addrs[] = {{&c->gw4, c->gw4_plen, NL_ADDR_NOPREFIXROUTE},
		     {&c->gw6, c->gw6_plen, NL_ADDR_NOPREFIXROUTE | NL_ADDR_NODAD}};
	for (size_t i = 0; i < 2; i++) {
		if (addrs[i].a->afi == LISP_AFI_NONE)
			continue;
		if (nl_addr_add(&s->nl, s->br_ifindex, addrs[i].a, addrs[i].plen, addrs[i].flags))
			return fail(err, errlen, "gateway address", s->nl.err);
		if (!(u = undo_push(s, U_ADDR)))
			return fail(err, errlen, "undo log", "out of memory");
		u->ifindex = s->br_ifindex;
		u->a = *addrs[i].a;
		u->plen = addrs[i].plen;
	}
	if (c->tun_mtu) {
		if (nl_link_get(&s->nl, s->tun_ifindex, &l))
			return fail(err, errlen, "TUN", s->nl.err);
		if (l.mtu != c->tun_mtu) {
			if (nl_link_set_mtu(&s->nl, s->tun_ifindex, c->tun_mtu))
				return fail(err, errlen, "TUN MTU", s->nl.err);
			if (!(u = undo_push(s, U_MTU)))
				return fail(err, errlen, "undo log", "out of memory");
			u->ifindex = s->tun_ifindex;
			u->mtu = l.mtu;
		}
	}
	if (nl_link_set_up(&s->nl, s->tun_ifindex, true))
		return fail(err, errlen, "TUN up", s->nl.err);
	for (unsigned i = 0; i < c->nsubnets; i++) {
		struct nl_route r = {.plen = c->subnets[i].plen, .ifindex = s->tun_ifindex};
		r.dst.afi = c->subnets[i].afi;
		memcpy(r.dst.a, c->subnets[i].a, 16);
		if (nl_route_add(&s->nl, &r))
			return fail(err, errlen, "subnet route", s->nl.err);
		if (!(u = undo_push(s, U_ROUTE)))
			return fail(err, errlen, "undo log", "out of memory");
		u->ifindex = s->tun_ifindex;
		u->a = r.dst;
		u->plen = r.plen;
	}
	if (c->nd_redirect_filter && nft_apply(s))
		return fail(err, errlen, "nft", "could not install the ND redirect filter");
	return 0;
}

void site_teardown(struct site *s)
{
	if (!s)
		return;
	if (s->ev_pkt)
		event_free(s->ev_pkt);
	if (s->ev_link)
		event_free(s->ev_link);
	if (s->ev_timer)
		event_free(s->ev_timer);
	if (s->pfd >= 0)
		close(s->pfd);
	if (s->lfd >= 0)
		close(s->lfd);
	for (uint32_t i = 0; s->hosts.h && i < s->hosts.cap; i++)
		if (s->hosts.h[i].state == SITE_H_LOCAL)
			host_route(s, &s->hosts.h[i].eid, false);
	undo_all(s);
	site_hosts_free(&s->hosts);
	nl_close(&s->nl);
	free(s->undo);
	free(s);
}

struct site *site_setup(struct event_base *base, const struct site_cfg *cfg,
			const struct site_hooks *hooks, void *arg, char *err, size_t errlen)
{
	struct site *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->cfg = *cfg;
	if (hooks)
		s->hooks = *hooks;
	s->arg = arg;
	s->base = base;
	s->pfd = s->lfd = -1;
	memcpy(s->ctx.gw_mac, cfg->gw_mac, 6);
	s->ctx.gw4 = cfg->gw4;
	s->ctx.gw6 = cfg->gw6;
	s->ctx.gw6_plen = cfg->gw6_plen;
	pkt_mac_to_ll(cfg->gw_mac, &s->ctx.gw_ll);
	s->ctx.nsubnets = s->cfg.nsubnets;
	s->ctx.subnets = s->cfg.subnets;
	if (site_hosts_init(&s->hosts, cfg->max_hosts, (uint64_t)cfg->host_timeout_s * 1000,
			    cfg->probes)) {
		snprintf(err, errlen, "out of memory");
		free(s);
		return NULL;
	}
	if (nl_open(&s->nl)) {
		snprintf(err, errlen, "netlink: %s", s->nl.err);
		site_hosts_free(&s->hosts);
		free(s);
		return NULL;
	}
	if (apply(s, err, errlen))
		goto fail;
	s->pfd = packet_open(s);
	if (s->pfd < 0) {
		snprintf(err, errlen, "packet socket on %s: %s", cfg->bridge, strerror(errno));
		goto fail;
	}
	s->lfd = link_events_open();
	if (s->lfd < 0) {
		snprintf(err, errlen, "netlink link events: %s", strerror(errno));
		goto fail;
	}
	struct timeval tv = {1, 0};
	s->ev_pkt = event_new(base, s->pfd, EV_READ | EV_PERSIST, on_packet, s);
	s->ev_link = event_new(base, s->lfd, EV_READ | EV_PERSIST, on_link, s);
	s->ev_timer = event_new(base, -1, EV_PERSIST, on_timer, s);
	if (!s->ev_pkt || !s->ev_link || !s->ev_timer || event_add(s->ev_pkt, NULL) ||
	    event_add(s->ev_link, NULL) || event_add(s->ev_timer, &tv)) {
		snprintf(err, errlen, "libevent: cannot add events");
		goto fail;
	}
	ports_scan(s);
	log_info("site: %s ready (TUN %s, %u subnets, %u dynamic-EID prefixes)", cfg->bridge,
		 cfg->tun, cfg->nsubnets, cfg->ndynamic);
	return s;
fail:
	site_teardown(s);
	return NULL;
}

int site_host_add(struct site *s, const struct ipaddr *eid)
{
	if (eid->afi != LISP_AFI_IPV4 && eid->afi != LISP_AFI_IPV6)
		return -1;
	if (!site_hosts_add_static(&s->hosts, eid, now_ms()))
		return -1;
	return host_route(s, eid, true);
}

int site_host_del(struct site *s, const struct ipaddr *eid)
{
	if (site_hosts_moved(&s->hosts, eid, now_ms(), SITE_MOVED_HOLD_MS))
		return -1;
	s->st.moves++;
	return host_route(s, eid, false);
}

int site_mac_learn(struct site *s, const uint8_t mac[6], const struct ipaddr *eid)
{
	if (eid->afi != LISP_AFI_IPV4 && eid->afi != LISP_AFI_IPV6)
		return -1;
	site_hosts_mac_learn(&s->hosts, mac, eid, now_ms());
	return 0;
}

void site_get_stats(const struct site *s, struct site_stats *st)
{
	*st = s->st;
	st->hosts = site_hosts_local(&s->hosts);
}

void site_foreach_host(const struct site *s, site_host_fn fn, void *arg)
{
	uint64_t now = now_ms();
	for (uint32_t i = 0; i < s->hosts.cap; i++) {
		const struct site_host *h = &s->hosts.h[i];
		if (h->state == SITE_H_LOCAL)
			fn(arg, &h->eid, h->mac, !h->is_static,
			   now > h->last_seen ? now - h->last_seen : 0);
	}
}
