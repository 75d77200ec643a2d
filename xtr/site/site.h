/* SPDX-License-Identifier: ISC */
/*
 * xtr/site/site.h - the Linux site integration of lisp-xtrd (docs/architecture.md "Site
 * integration", docs/linux-site.md): the anycast gateway on the VM-facing
 * bridge, the sysctls/routes/nft rule of the verified recipe (all recorded and undone on
 * teardown), isolation of every bridge port, the IPv6 neighbour-solicitation responder
 * (IPv4 is answered by the kernel's proxy_arp_pvlan), and dynamic-EID detection: arrivals
 * (GARP, RARP, unsolicited NA, first frame from a new MAC) and departures (idle timeout
 * confirmed by ARP/NS probes).
 *
 * How the core uses it:
 *   1. Parse the <site> element of lisp-xtrd's config with site_cfg_parse() (schema
 *      snippet: schema/xtr-site.rng, define "xtr-site", element <site>; include it with
 *      <include href="xtr-site.rng"/> and reference it with <ref name="xtr-site"/>).
 *   2. Open the TUN device (sys/tun.h tun_open) BEFORE site_setup(): the EID subnets are
 *      routed into it and its rp_filter/MTU are set, so it must exist.
 *   3. site_setup() applies the recipe and registers its sockets/timers on the event base.
 *      host_arrived is called for every dynamic EID that shows up (one call per address:
 *      a dual-stack VM gives two calls); the host routes are already installed when the
 *      hook runs, so the return path works at once; the core registers the EID.
 *      host_left is called when a dynamic EID is gone (idle + unanswered probes), after its
 *      routes and neighbour entries were removed; the core deregisters it.
 *   4. When the Map-Server says an EID moved away (Map-Notify), the core calls
 *      site_host_del() (no host_left hook for that one). site_host_add() installs a host
 *      the core knows to be local (e.g. a static database mapping); such hosts never age.
 *   5. site_teardown() on exit (SIGTERM) undoes everything site_setup() did, in reverse.
 * Everything runs in the libevent loop of the caller; no threads. All functions must be
 * called from that loop. Requires CAP_NET_ADMIN (+ CAP_NET_RAW for the packet socket).
 */
#ifndef XTR_SITE_H
#define XTR_SITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/addr.h"

struct event_base;
struct _xmlNode;
struct cfg_errs;

#define SITE_IFNAMSIZ	 16 /* IFNAMSIZ */
#define SITE_MAX_SUBNETS 16
#define SITE_MAX_DYNAMIC 16

/* Defaults of the <site> element (site_cfg_defaults). */
#define SITE_DEF_HOST_TIMEOUT_S 300 /* a dynamic EID idle this long is probed */
#define SITE_DEF_PROBES		3   /* unanswered ARP/NS probes (1 s apart) before it is gone */
#define SITE_DEF_MAX_HOSTS	4096

struct site_cfg {
	char bridge[SITE_IFNAMSIZ]; /* VM-facing bridge, e.g. "br-vm" */
	char tun[SITE_IFNAMSIZ];    /* data-plane TUN device (must exist), e.g. "lisp0" */
	bool manage_bridge;	    /* create the bridge (MAC before up) and delete it on teardown;
				       false: the bridge exists, its MAC is set (and restored) */
	uint8_t gw_mac[6];	    /* anycast gateway MAC, same at every site */
	struct ipaddr gw4;	    /* anycast gateway IPv4 (afi 0 = none) ... */
	uint8_t gw4_plen;	    /* ... with its prefix length (e.g. 24) */
	struct ipaddr gw6;	    /* anycast gateway IPv6 (afi 0 = none); the NS responder answers
				       for every address of gw6/gw6_plen and of the IPv6 subnets */
	uint8_t gw6_plen;
	unsigned nsubnets;
	struct lisp_prefix subnets[SITE_MAX_SUBNETS]; /* EID subnets routed into the TUN */
	unsigned ndynamic;
	struct lisp_prefix dynamic[SITE_MAX_DYNAMIC]; /* dynamic-EID prefixes (detected hosts) */
	unsigned host_timeout_s;		      /* 0 = dynamic EIDs never age out */
	unsigned probes;	 /* probes before a silent host is declared gone */
	unsigned max_hosts;	 /* bound of the host table */
	unsigned tun_mtu;	 /* 0 = leave the TUN MTU alone (else underlay - 36/56) */
	bool nd_redirect_filter; /* install the nft rule dropping ND redirects out of the
				    bridge (`nft` command, table inet lisp_site_<bridge>) */
};

struct site_hooks {
	/* A dynamic EID appeared on the bridge; its host route is installed already. */
	void (*host_arrived)(void *arg, const struct ipaddr *eid, const uint8_t mac[6]);
	/* A dynamic EID left (not seen for host_timeout_s and unanswered probes); its host
	 * route and neighbour entry are gone already. Not called for site_host_del(). */
	void (*host_left)(void *arg, const struct ipaddr *eid);
};

struct site_stats {
	uint64_t frames;	 /* frames read from the bridge's packet socket */
	uint64_t frames_bad;	 /* malformed frames dropped */
	uint64_t ns_answered;	 /* NA sent for an NS (multicast or unicast NUD) */
	uint64_t ns_ignored;	 /* NS not answered: DAD, own address, outside the subnets */
	uint64_t na_send_errors; /* sendto() of an NA or probe failed */
	uint64_t arrivals;	 /* host_arrived events */
	uint64_t departures;	 /* host_left events */
	uint64_t moves;		 /* site_host_del() calls that removed a host */
	uint64_t probes_sent;	 /* ARP/NS probes to silent hosts */
	uint64_t ports_isolated; /* bridge ports set isolated */
	uint64_t netlink_errors; /* route/neighbour operations that failed */
	unsigned hosts;		 /* local hosts now in the table */
};

/* Defaults: manage_bridge true, host_timeout_s/probes/max_hosts as above, filter on. */
void site_cfg_defaults(struct site_cfg *cfg);
/* Parse a <site> element (see schema/xtr-site.rng) into cfg (defaults applied first).
 * Semantic errors (bad MAC/address/prefix, dynamic prefix outside every subnet, too many
 * subnets) are recorded with file:line through cfg_error. 0 or -1. */
int site_cfg_parse(const struct _xmlNode *n, struct site_cfg *cfg, struct cfg_errs *errs);

struct site;
/* Apply the recipe. NULL on failure with a message in err (everything done so far is
 * undone). hooks may be NULL; arg is passed to them. */
struct site *site_setup(struct event_base *base, const struct site_cfg *cfg,
			const struct site_hooks *hooks, void *arg, char *err, size_t errlen);
/* Undo everything site_setup did (routes, addresses, nft table, sysctls restored to the
 * values read before, port isolation, bridge MAC or the bridge itself) and free. */
void site_teardown(struct site *s);
/* Make eid local: /32 or /128 on the bridge. Static (never ages). 0 or -1. */
int site_host_add(struct site *s, const struct ipaddr *eid);
/* The EID is no longer local (it moved): host route removed, neighbour flushed, no
 * host_left hook. 0, or -1 when it was not local. */
int site_host_del(struct site *s, const struct ipaddr *eid);
/* Teach a MAC -> EID binding (used to resolve a RARP self-announce from that MAC). */
int site_mac_learn(struct site *s, const uint8_t mac[6], const struct ipaddr *eid);
void site_get_stats(const struct site *s, struct site_stats *st);

/* Local hosts for `show database`-like output: calls fn for each; dynamic = detected. */
typedef void (*site_host_fn)(void *arg, const struct ipaddr *eid, const uint8_t mac[6],
			     bool dynamic, uint64_t idle_ms);
void site_foreach_host(const struct site *s, site_host_fn fn, void *arg);

#endif
