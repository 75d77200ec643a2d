/* SPDX-License-Identifier: ISC */
/*
 * sys/netlink.h - a small rtnetlink client (rtnetlink(7), netlink(7)) for the site
 * integration of lisp-xtrd: routes, addresses, links, neighbours, a bridge with isolated
 * ports, and RTNLGRP_NEIGH events (bridge fdb + IPv4/IPv6 neighbours) for arrival detection.
 *
 * Two kinds of socket: a request socket (nl_open) on which every call sends one request with
 * NLM_F_ACK and a fresh sequence number and waits (bounded) for the matching ack; and an
 * event socket (nl_open_events) that is nonblocking and meant for a libevent read callback
 * calling nl_read_events(). Calls work in the network namespace the socket was opened in.
 * Every function returns 0 or -errno; nl->err then holds a log-friendly message such as
 * "RTM_NEWROUTE 198.51.100.5/32 dev 4: File exists". Replies are parsed through struct buf.
 */
#ifndef SYS_NETLINK_H
#define SYS_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/addr.h"

#define NL_ERRLEN 160

struct nl {
	int fd;
	uint32_t seq;
	uint32_t portid; /* our netlink port id (from getsockname) */
	int timeout_ms;	 /* request: wait for the ack at most this long (default 2000) */
	char err[NL_ERRLEN];
};

int nl_open(struct nl *nl);
void nl_close(struct nl *nl);

/* ---- routes ---- */
struct nl_route {
	struct ipaddr dst; /* IPv4 or IPv6 */
	uint8_t plen;	   /* 32/128 = host route */
	int ifindex;	   /* output device (required unless gw is set) */
	struct ipaddr gw;  /* optional gateway (afi 0 = none) */
	uint32_t table;	   /* 0 = main */
	uint32_t metric;   /* 0 = none */
	uint8_t proto;	   /* RTPROT_*; 0 = RTPROT_STATIC */
};
/* Add or replace (NLM_F_CREATE|NLM_F_REPLACE: idempotent). */
int nl_route_add(struct nl *nl, const struct nl_route *r);
/* -ESRCH when it does not exist. */
int nl_route_del(struct nl *nl, const struct nl_route *r);

/* ---- addresses ---- */
#define NL_ADDR_NODAD	      0x02  /* IFA_F_NODAD */
#define NL_ADDR_NOPREFIXROUTE 0x200 /* IFA_F_NOPREFIXROUTE */
/* Add (replace) an address with IFA_F_* flags, e.g. NL_ADDR_NODAD|NL_ADDR_NOPREFIXROUTE. */
int nl_addr_add(struct nl *nl, int ifindex, const struct ipaddr *a, uint8_t plen, uint32_t flags);
int nl_addr_del(struct nl *nl, int ifindex, const struct ipaddr *a, uint8_t plen);

/* ---- links ---- */
int nl_ifindex(const char *name); /* > 0, or -ENODEV */
int nl_link_set_up(struct nl *nl, int ifindex, bool up);
int nl_link_set_mtu(struct nl *nl, int ifindex, unsigned mtu);
int nl_link_set_mac(struct nl *nl, int ifindex, const uint8_t mac[6]);
/* Enslave to a bridge (master 0 = release). */
int nl_link_set_master(struct nl *nl, int ifindex, int master);
struct nl_link {
	int ifindex;
	unsigned mtu;
	unsigned flags; /* IFF_* */
	int master;
	uint8_t mac[6];
	bool has_mac;
	char name[16];
};
int nl_link_get(struct nl *nl, int ifindex, struct nl_link *out);
/* Create a bridge (RTM_NEWLINK kind "bridge"), optionally with a MAC set before any port. */
int nl_bridge_add(struct nl *nl, const char *name, const uint8_t *mac);
int nl_link_del(struct nl *nl, int ifindex);
/* `bridge link set dev PORT isolated on|off` (IFLA_BRPORT_ISOLATED). */
int nl_bridge_port_isolated(struct nl *nl, int port_ifindex, bool on);

/* ---- neighbours ---- */
/* `ip neigh del ADDR dev IF`; -ENOENT when absent. */
int nl_neigh_del(struct nl *nl, int ifindex, const struct ipaddr *a);

/* ---- events (RTNLGRP_NEIGH) ---- */
#define NL_FAMILY_INET	 2  /* AF_INET */
#define NL_FAMILY_BRIDGE 7  /* AF_BRIDGE */
#define NL_FAMILY_INET6	 10 /* AF_INET6 */
struct nl_neigh_event {
	bool deleted;	    /* RTM_DELNEIGH */
	uint8_t family;	    /* NL_FAMILY_* */
	int ifindex;	    /* bridge fdb: the port; IP neighbour: the device */
	int master;	    /* bridge fdb: the bridge (NDA_MASTER), 0 if absent */
	uint16_t state;	    /* NUD_* */
	uint8_t flags;	    /* NTF_* */
	uint16_t vlan;	    /* NDA_VLAN, 0 if absent */
	struct ipaddr addr; /* IP neighbour (afi 0 for fdb entries) */
	bool has_lladdr;
	uint8_t lladdr[6];
};
typedef void (*nl_neigh_cb)(const struct nl_neigh_event *ev, void *arg);

/* Nonblocking socket joined to RTNLGRP_NEIGH; poll nl->fd for reading. */
int nl_open_events(struct nl *nl);
/* Read every queued message, call cb for each neighbour event. Returns the number of events,
 * or -errno (-ENOBUFS means events were lost: the caller should resynchronise). */
int nl_read_events(struct nl *nl, nl_neigh_cb cb, void *arg);
/* Parse one netlink datagram (exposed for tests/fuzzing). */
int nl_parse_neigh_msgs(const void *data, size_t len, nl_neigh_cb cb, void *arg);

#endif
