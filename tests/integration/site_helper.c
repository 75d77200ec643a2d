/* SPDX-License-Identifier: ISC */
/*
 * tests/integration/site_helper.c - a test program that drives the site-integration
 * modules (common/netlink, common/sysctl, common/tun, common/pkt) from site_selftest.sh, so
 * the recipe of docs/linux-site.md is built and checked with the same code
 * lisp-xtrd uses. Every long-running mode is bounded by a time limit and a packet count.
 *
 *   site_helper bridge add NAME [MAC]
 *   site_helper link DEV up|down|mtu N|mac MAC|master BR|nomaster|isolated on|off|show
 *   site_helper addr add|del ADDR/LEN DEV [nodad] [noprefixroute]
 *   site_helper route add|del PREFIX DEV [table N] [metric N]
 *   site_helper neigh del ADDR DEV
 *   site_helper sysctl NAME [VALUE]
 *   site_helper tun NAME SECONDS COUNT [echo] [mtu N GW4 GW6]
 *       open TUN NAME, print each packet read; "echo" answers ICMP/ICMPv6 echo requests;
 *       "mtu" answers DF packets longer than N with frag-needed / packet-too-big from GW.
 *   site_helper tunvnet NAME        open TUN NAME with a vnet header, print the offloads, close
 *   site_helper ndp DEV GWMAC SECONDS COUNT    answer NS on DEV with the gateway MAC
 *   site_helper watch DEV SECONDS              print GARP/probe/RARP/unsolicited NA on DEV
 *   site_helper events SECONDS                 print RTNLGRP_NEIGH events
 * Exit 0 on success, 1 on error (message on stderr), 2 on usage errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sys/netlink.h"
#include "proto/pkt.h"
#include "sys/sysctl.h"
#include "sys/tun.h"

static int usage(void)
{
	fprintf(stderr, "usage: see the header of tests/integration/site_helper.c\n");
	return 2;
}

static int die_nl(struct nl *nl, int rc)
{
	fprintf(stderr, "site_helper: %s (%d)\n", nl->err, rc);
	return 1;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (v[i] > 255)
			return -1;
		mac[i] = (uint8_t)v[i];
	}
	return 0;
}

static const char *mac_str(const uint8_t m[6], char *s, size_t n)
{
	snprintf(s, n, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return s;
}

static int ifidx(const char *name)
{
	int i = nl_ifindex(name);
	if (i < 0)
		fprintf(stderr, "site_helper: no interface %s\n", name);
	return i;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------ configuration commands */

static int cmd_bridge(struct nl *nl, int argc, char **argv)
{
	uint8_t mac[6];
	if (argc < 2 || strcmp(argv[0], "add") != 0)
		return usage();
	if (argc > 2 && parse_mac(argv[2], mac))
		return usage();
	int rc = nl_bridge_add(nl, argv[1], argc > 2 ? mac : NULL);
	return rc ? die_nl(nl, rc) : 0;
}

static int cmd_link(struct nl *nl, int argc, char **argv)
{
	int rc, i;
	if (argc < 2)
		return usage();
	if ((i = ifidx(argv[0])) < 0)
		return 1;
	const char *op = argv[1];
	if (!strcmp(op, "up") || !strcmp(op, "down")) {
		rc = nl_link_set_up(nl, i, !strcmp(op, "up"));
	} else if (!strcmp(op, "mtu") && argc > 2) {
		rc = nl_link_set_mtu(nl, i, (unsigned)atoi(argv[2]));
	} else if (!strcmp(op, "mac") && argc > 2) {
		uint8_t mac[6];
		if (parse_mac(argv[2], mac))
			return usage();
		rc = nl_link_set_mac(nl, i, mac);
	} else if (!strcmp(op, "master") && argc > 2) {
		int m = ifidx(argv[2]);
		if (m < 0)
			return 1;
		rc = nl_link_set_master(nl, i, m);
	} else if (!strcmp(op, "nomaster")) {
		rc = nl_link_set_master(nl, i, 0);
	} else if (!strcmp(op, "isolated") && argc > 2) {
		rc = nl_bridge_port_isolated(nl, i, !strcmp(argv[2], "on"));
	} else if (!strcmp(op, "show")) {
		struct nl_link l;
		char s[20];
		rc = nl_link_get(nl, i, &l);
		if (rc == 0)
			printf("%s index %d mtu %u master %d mac %s %s\n", l.name, l.ifindex, l.mtu,
			       l.master, l.has_mac ? mac_str(l.mac, s, sizeof(s)) : "-",
			       (l.flags & IFF_UP) ? "up" : "down");
	} else {
		return usage();
	}
	return rc ? die_nl(nl, rc) : 0;
}

static int parse_prefix(const char *s, struct ipaddr *a, uint8_t *plen)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (ipaddr_parse(buf, a))
		return -1;
	unsigned max = afi_max_plen(a->afi);
	unsigned l = slash ? (unsigned)atoi(slash + 1) : max;
	if (l > max)
		return -1;
	*plen = (uint8_t)l;
	return 0;
}

static int cmd_addr(struct nl *nl, int argc, char **argv)
{
	struct ipaddr a;
	uint8_t plen;
	uint32_t flags = 0;
	int i, rc;
	if (argc < 3 || parse_prefix(argv[1], &a, &plen))
		return usage();
	if ((i = ifidx(argv[2])) < 0)
		return 1;
	for (int k = 3; k < argc; k++) {
		if (!strcmp(argv[k], "nodad"))
			flags |= NL_ADDR_NODAD;
		else if (!strcmp(argv[k], "noprefixroute"))
			flags |= NL_ADDR_NOPREFIXROUTE;
		else
			return usage();
	}
	if (!strcmp(argv[0], "add"))
		rc = nl_addr_add(nl, i, &a, plen, flags);
	else if (!strcmp(argv[0], "del"))
		rc = nl_addr_del(nl, i, &a, plen);
	else
		return usage();
	return rc ? die_nl(nl, rc) : 0;
}

static int cmd_route(struct nl *nl, int argc, char **argv)
{
	struct nl_route r;
	int rc;
	memset(&r, 0, sizeof(r));
	if (argc < 3 || parse_prefix(argv[1], &r.dst, &r.plen))
		return usage();
	if ((r.ifindex = ifidx(argv[2])) < 0)
		return 1;
	for (int k = 3; k + 1 < argc; k += 2) {
		if (!strcmp(argv[k], "table"))
			r.table = (uint32_t)atoi(argv[k + 1]);
		else if (!strcmp(argv[k], "metric"))
			r.metric = (uint32_t)atoi(argv[k + 1]);
		else
			return usage();
	}
	if (!strcmp(argv[0], "add"))
		rc = nl_route_add(nl, &r);
	else if (!strcmp(argv[0], "del"))
		rc = nl_route_del(nl, &r);
	else
		return usage();
	return rc ? die_nl(nl, rc) : 0;
}

static int cmd_neigh(struct nl *nl, int argc, char **argv)
{
	struct ipaddr a;
	int i;
	if (argc < 3 || strcmp(argv[0], "del") != 0 || ipaddr_parse(argv[1], &a))
		return usage();
	if ((i = ifidx(argv[2])) < 0)
		return 1;
	int rc = nl_neigh_del(nl, i, &a);
	return rc ? die_nl(nl, rc) : 0;
}

static int cmd_sysctl(int argc, char **argv)
{
	char v[256];
	int rc;
	if (argc < 1)
		return usage();
	if (argc > 1 && (rc = sysctl_set(argv[0], argv[1]))) {
		fprintf(stderr, "site_helper: sysctl %s=%s: %s\n", argv[0], argv[1], strerror(-rc));
		return 1;
	}
	if ((rc = sysctl_get(argv[0], v, sizeof(v)))) {
		fprintf(stderr, "site_helper: sysctl %s: %s\n", argv[0], strerror(-rc));
		return 1;
	}
	printf("%s = %s\n", argv[0], v);
	return 0;
}

/* ------------------------------------------------------------ TUN reader */

/* Turn an echo request into an echo reply in place (addresses swapped, checksums fixed). */
static int make_echo_reply(uint8_t *p, size_t len, const struct pkt_ip *ip)
{
	if (ip->frag || ip->hdr_len + 8 > ip->tot_len || ip->tot_len > len)
		return -1;
	size_t al = ip->version == 4 ? 4 : 16, so = ip->version == 4 ? 12 : 8;
	uint8_t *icmp = p + ip->hdr_len;
	size_t ilen = ip->tot_len - ip->hdr_len;
	if (ip->version == 4 && ip->proto == PKT_PROTO_ICMP && icmp[0] == 8)
		icmp[0] = 0;
	else if (ip->version == 6 && ip->proto == PKT_PROTO_ICMPV6 && icmp[0] == 128)
		icmp[0] = 129;
	else
		return -1;
	uint8_t t[16];
	memcpy(t, p + so, al);
	memcpy(p + so, p + so + al, al);
	memcpy(p + so + al, t, al);
	if (ip->version == 4) {
		p[8] = 64;
		p[10] = p[11] = 0;
		uint16_t c = pkt_csum(p, ip->hdr_len);
		p[10] = (uint8_t)(c >> 8);
		p[11] = (uint8_t)c;
		icmp[2] = icmp[3] = 0;
		c = pkt_csum(icmp, ilen);
		icmp[2] = (uint8_t)(c >> 8);
		icmp[3] = (uint8_t)c;
	} else {
		p[7] = 64;
		icmp[2] = icmp[3] = 0;
		struct ipaddr s = {.afi = LISP_AFI_IPV6}, d = {.afi = LISP_AFI_IPV6};
		memcpy(s.a, p + 8, 16);
		memcpy(d.a, p + 24, 16);
		uint16_t c = pkt_csum_fold(pkt_csum_add(
		    pkt_csum_pseudo6(&s, &d, (uint32_t)ilen, PKT_PROTO_ICMPV6), icmp, ilen));
		icmp[2] = (uint8_t)(c >> 8);
		icmp[3] = (uint8_t)c;
	}
	return 0;
}

static int cmd_tun(int argc, char **argv)
{
	struct tun t;
	char err[128], s1[IPADDR_STRLEN], s2[IPADDR_STRLEN];
	bool echo = false;
	unsigned mtu = 0;
	struct ipaddr gw4 = {0}, gw6 = {0};

	if (argc < 3)
		return usage();
	double secs = atof(argv[1]);
	int count = atoi(argv[2]);
	for (int k = 3; k < argc; k++) {
		if (!strcmp(argv[k], "echo"))
			echo = true;
		else if (!strcmp(argv[k], "mtu") && k + 3 < argc) {
			mtu = (unsigned)atoi(argv[k + 1]);
			if (ipaddr_parse(argv[k + 2], &gw4) || ipaddr_parse(argv[k + 3], &gw6))
				return usage();
			k += 3;
		} else
			return usage();
	}
	int rc = tun_open(&t, argv[0], 0, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "site_helper: %s\n", err);
		return 1;
	}
	printf("tun %s ifindex %d ready\n", t.name, t.ifindex);
	fflush(stdout);
	static uint8_t bufs[8][2048];
	struct tun_pkt pk[8];
	int seen = 0;
	double end = now() + secs;
	while (seen < count && now() < end) {
		struct pollfd pfd = {.fd = t.fd, .events = POLLIN};
		int left = (int)((end - now()) * 1000) + 1;
		if (poll(&pfd, 1, left > 200 ? 200 : left) <= 0)
			continue;
		for (int i = 0; i < 8; i++) {
			pk[i].data = bufs[i];
			pk[i].cap = sizeof(bufs[i]);
		}
		int n = tun_read_batch(&t, pk, 8);
		for (int i = 0; i < n; i++) {
			struct buf b;
			struct pkt_ip ip;
			buf_init_read(&b, pk[i].data + pk[i].off, pk[i].len);
			if (pkt_parse_ip(&b, &ip)) {
				printf("bad packet len %zu\n", pk[i].len);
				continue;
			}
			ipaddr_str(&ip.src, s1, sizeof(s1));
			ipaddr_str(&ip.dst, s2, sizeof(s2));
			bool mc = ip.version == 4 ? ip.dst.a[0] >= 224 : ip.dst.a[0] == 0xff;
			if (mc) { /* linux-site.md §4: lisp0 sends its own MLD reports */
				printf("drop multicast v%u %s > %s proto %u\n", ip.version, s1, s2,
				       ip.proto);
				continue;
			}
			seen++;
			printf("v%u %s > %s proto %u ttl %u len %u df %d\n", ip.version, s1, s2,
			       ip.proto, ip.ttl, ip.tot_len, ip.df);
			if (mtu && ip.tot_len > mtu && ip.df) {
				uint8_t out[1400];
				struct buf w;
				buf_init_write(&w, out, sizeof(out));
				int brc =
				    ip.version == 4
					? pkt_build_icmp4_frag_needed(&w, &b, &gw4, (uint16_t)mtu)
					: pkt_build_icmp6_too_big(&w, &b, &gw6, mtu);
				if (brc == 0 && tun_write(&t, out, buf_len(&w)) == 0)
					printf("sent too-big mtu %u to %s\n", mtu, s1);
				continue;
			}
			if (echo && make_echo_reply(pk[i].data + pk[i].off, pk[i].len, &ip) == 0 &&
			    tun_write(&t, pk[i].data + pk[i].off, ip.tot_len) == 0)
				printf("echo reply %s > %s\n", s2, s1);
		}
		fflush(stdout);
	}
	printf("tun done, %d packets\n", seen);
	tun_close(&t);
	return 0;
}

static int cmd_tunvnet(int argc, char **argv)
{
	struct tun t;
	char err[128];
	if (argc < 1)
		return usage();
	if (tun_open(&t, argv[0], TUN_VNET_HDR, err, sizeof(err))) {
		fprintf(stderr, "site_helper: %s\n", err);
		return 1;
	}
	printf("tun %s vnet offloads%s%s%s\n", t.name, (t.offloads & TUN_OFF_CSUM) ? " csum" : "",
	       (t.offloads & TUN_OFF_TSO) ? " tso" : "", (t.offloads & TUN_OFF_USO) ? " uso" : "");
	tun_close(&t);
	return 0;
}

/* ------------------------------------------------------------ AF_PACKET modes */

static int packet_socket(const char *dev, uint16_t proto)
{
	int i = ifidx(dev);
	if (i < 0)
		return -1;
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(proto));
	if (fd < 0) {
		perror("site_helper: AF_PACKET");
		return -1;
	}
	struct sockaddr_ll sll = {
	    .sll_family = AF_PACKET, .sll_protocol = htons(proto), .sll_ifindex = i};
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		perror("site_helper: bind");
		close(fd);
		return -1;
	}
	return fd;
}

static int cmd_ndp(int argc, char **argv)
{
	uint8_t gw_mac[6];
	char s[IPADDR_STRLEN];
	if (argc < 4 || parse_mac(argv[1], gw_mac))
		return usage();
	double end = now() + atof(argv[2]);
	int count = atoi(argv[3]), answered = 0;
	int fd = packet_socket(argv[0], ETH_P_IPV6);
	if (fd < 0)
		return 1;
	struct ipaddr gw_ll;
	pkt_mac_to_ll(gw_mac, &gw_ll);
	printf("ndp ready\n");
	fflush(stdout);
	while (answered < count && now() < end) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		uint8_t f[2048];
		ssize_t n = recv(fd, f, sizeof(f), MSG_DONTWAIT);
		if (n <= 0)
			continue;
		struct buf b;
		struct pkt_eth e;
		struct pkt_nd nd;
		buf_init_read(&b, f, (size_t)n);
		if (pkt_parse_eth(&b, &e) || e.ethertype != PKT_ETH_IPV6 ||
		    memcmp(e.src, gw_mac, 6) == 0 || pkt_parse_nd(&b, &nd) || nd.type != PKT_ND_NS)
			continue;
		ipaddr_str(&nd.target, s, sizeof(s));
		if (nd.dad) {
			printf("ignore DAD NS for %s\n", s);
			continue;
		}
		uint8_t out[128];
		struct buf w;
		buf_init_write(&w, out, sizeof(out));
		const uint8_t *dmac = nd.has_sllao ? nd.sllao : e.src;
		if (pkt_build_eth(&w, dmac, gw_mac, PKT_ETH_IPV6) ||
		    pkt_build_na(&w, &nd, gw_mac, &gw_ll))
			continue;
		if (send(fd, out, buf_len(&w), 0) < 0) {
			perror("site_helper: send");
			continue;
		}
		answered++;
		printf("answered NS for %s\n", s);
		fflush(stdout);
	}
	close(fd);
	printf("ndp done, %d answers\n", answered);
	return 0;
}

static int cmd_watch(int argc, char **argv)
{
	char s[IPADDR_STRLEN], m[20];
	if (argc < 2)
		return usage();
	double end = now() + atof(argv[1]);
	int fd = packet_socket(argv[0], ETH_P_ALL);
	if (fd < 0)
		return 1;
	printf("watch ready\n");
	fflush(stdout);
	while (now() < end) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		uint8_t f[2048];
		ssize_t n = recv(fd, f, sizeof(f), MSG_DONTWAIT);
		if (n <= 0)
			continue;
		struct buf b;
		struct pkt_eth e;
		buf_init_read(&b, f, (size_t)n);
		if (pkt_parse_eth(&b, &e))
			continue;
		if (e.ethertype == PKT_ETH_ARP || e.ethertype == PKT_ETH_RARP) {
			struct pkt_arp a;
			if (pkt_parse_arp(&b, &a))
				continue;
			const char *kind = a.rarp    ? "rarp"
					   : a.garp  ? "garp"
					   : a.probe ? "probe"
						     : NULL;
			if (kind)
				printf("%s %s from %s\n", kind, ipaddr_str(&a.spa, s, sizeof(s)),
				       mac_str(a.sha, m, sizeof(m)));
		} else if (e.ethertype == PKT_ETH_IPV6) {
			struct pkt_nd nd;
			if (pkt_parse_nd(&b, &nd) == 0 && nd.type == PKT_ND_NA && nd.unsolicited)
				printf("unsolicited-na %s from %s\n",
				       ipaddr_str(&nd.target, s, sizeof(s)),
				       mac_str(nd.has_tllao ? nd.tllao : e.src, m, sizeof(m)));
		}
		fflush(stdout);
	}
	close(fd);
	return 0;
}

static void on_event(const struct nl_neigh_event *ev, void *arg)
{
	char s[IPADDR_STRLEN], m[20];
	(void)arg;
	if (ev->family == NL_FAMILY_BRIDGE)
		printf("fdb %s %s port %d master %d\n", ev->deleted ? "del" : "add",
		       ev->has_lladdr ? mac_str(ev->lladdr, m, sizeof(m)) : "-", ev->ifindex,
		       ev->master);
	else
		printf("neigh %s %s %s lladdr %s dev %d state 0x%x\n", ev->deleted ? "del" : "add",
		       ev->family == NL_FAMILY_INET ? "inet" : "inet6",
		       ev->addr.afi ? ipaddr_str(&ev->addr, s, sizeof(s)) : "-",
		       ev->has_lladdr ? mac_str(ev->lladdr, m, sizeof(m)) : "-", ev->ifindex,
		       ev->state);
	fflush(stdout);
}

static int cmd_events(int argc, char **argv)
{
	struct nl ev;
	if (argc < 1)
		return usage();
	double end = now() + atof(argv[0]);
	int rc = nl_open_events(&ev);
	if (rc)
		return die_nl(&ev, rc);
	printf("events ready\n");
	fflush(stdout);
	while (now() < end) {
		struct pollfd pfd = {.fd = ev.fd, .events = POLLIN};
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		rc = nl_read_events(&ev, on_event, NULL);
		if (rc < 0)
			printf("events error: %s\n", ev.err);
	}
	nl_close(&ev);
	return 0;
}

int main(int argc, char **argv)
{
	struct nl nl;
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		return usage();
	const char *cmd = argv[1];
	argc -= 2;
	argv += 2;
	if (!strcmp(cmd, "sysctl"))
		return cmd_sysctl(argc, argv);
	if (!strcmp(cmd, "tun"))
		return cmd_tun(argc, argv);
	if (!strcmp(cmd, "tunvnet"))
		return cmd_tunvnet(argc, argv);
	if (!strcmp(cmd, "ndp"))
		return cmd_ndp(argc, argv);
	if (!strcmp(cmd, "watch"))
		return cmd_watch(argc, argv);
	if (!strcmp(cmd, "events"))
		return cmd_events(argc, argv);
	if ((rc = nl_open(&nl)))
		return die_nl(&nl, rc);
	if (!strcmp(cmd, "bridge"))
		rc = cmd_bridge(&nl, argc, argv);
	else if (!strcmp(cmd, "link"))
		rc = cmd_link(&nl, argc, argv);
	else if (!strcmp(cmd, "addr"))
		rc = cmd_addr(&nl, argc, argv);
	else if (!strcmp(cmd, "route"))
		rc = cmd_route(&nl, argc, argv);
	else if (!strcmp(cmd, "neigh"))
		rc = cmd_neigh(&nl, argc, argv);
	else
		rc = usage();
	nl_close(&nl);
	return rc;
}
