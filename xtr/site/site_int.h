/* SPDX-License-Identifier: ISC */
/*
 * xtr/site/site_int.h - internals of the site integration shared by the files of xtr/site/ and the
 * unit tests: frame classification and the frames the gateway sends (xtr/site/frame.c), and the
 * table of local hosts with its last-seen / probe / departure logic on an injected clock
 * (xtr/site/hosts.c). Nothing here does I/O but site_send_counted (xtr/site/site.c).
 */
#ifndef XTR_SITE_INT_H
#define XTR_SITE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/pkt.h"
#include "proto/addr.h"
#include "proto/buf.h"
#include "xtr/site/site.h"

/* ---- frame classification (xtr/site/frame.c) ---- */
enum site_fkind {
	SITE_F_BAD = 0,	   /* malformed: dropped and counted */
	SITE_F_IGNORE,	   /* our own frames, multicast sources, other ethertypes */
	SITE_F_GARP,	   /* gratuitous ARP: announcement of ip */
	SITE_F_ARP_PROBE,  /* RFC 5227 probe (sender 0.0.0.0): never learnt */
	SITE_F_ARP,	   /* other ARP request/reply: sender ip seen */
	SITE_F_RARP,	   /* RARP (QEMU self-announce): announcement of mac only */
	SITE_F_NA_UNSOL,   /* unsolicited NA: announcement of ip (the target) */
	SITE_F_NA,	   /* other NA: target ip seen */
	SITE_F_NS_DAD,	   /* DAD NS (source ::): not answered, not learnt */
	SITE_F_NS_ANSWER,  /* NS for a subnet address (multicast): answer with the gateway MAC */
	SITE_F_NS_NUD,	   /* unicast NS to the gateway MAC (NUD probe) for a subnet address */
	SITE_F_NS_OWN,	   /* NS for one of the site's own addresses: the kernel answers */
	SITE_F_NS_OFFLINK, /* NS for an address outside the subnets: ignored */
	SITE_F_IP4,	   /* other IPv4: source seen */
	SITE_F_IP6,	   /* other IPv6: source seen */
	SITE_F_COUNT
};
const char *site_fkind_name(enum site_fkind k);

/* ---- sending (xtr/site/site.c) ----
 * Send the frame in w on the packet socket fd: 0 and (*sent)++ when the kernel took it,
 * -1 and (*errors)++ when it refused it (a failed send is never counted as sent). */
int site_send_counted(int fd, const struct buf *w, uint64_t *sent, uint64_t *errors);

struct site_frame {
	enum site_fkind kind;
	uint8_t mac[6];	  /* the sender (RARP: the announced hardware address) */
	struct ipaddr ip; /* address the sender claims or uses (afi 0: none) */
	bool announce;	  /* GARP, unsolicited NA, RARP */
	struct pkt_nd nd; /* NS/NA kinds */
};

/* What the classifier needs to know about the site. */
struct site_ctx {
	uint8_t gw_mac[6];
	struct ipaddr gw4, gw6, gw_ll; /* afi 0 when absent */
	uint8_t gw6_plen;
	unsigned nsubnets;
	const struct lisp_prefix *subnets;
};

/* Classify one Ethernet frame read from the bridge. Never fails on bad input: SITE_F_BAD. */
enum site_fkind site_classify(const struct site_ctx *c, const struct buf *frame,
			      struct site_frame *f);
/* Is a an address the NS responder answers for (inside gw6/plen or an IPv6 subnet, not own)? */
bool site_ns_target_ok(const struct site_ctx *c, const struct ipaddr *a);
/* Ethernet + NA answering f->nd (L2 destination f->mac). 0 or -1. */
int site_build_na_frame(struct buf *out, const struct site_ctx *c, const struct site_frame *f);
/* Unicast probes of a silent host: ARP request (needs gw4) or NS (from gw6, SLLAO). */
int site_build_arp_probe(struct buf *out, const struct site_ctx *c, const uint8_t mac[6],
			 const struct ipaddr *eid);
int site_build_ns_probe(struct buf *out, const struct site_ctx *c, const uint8_t mac[6],
			const struct ipaddr *eid);

/* ---- local hosts (xtr/site/hosts.c) ---- */
enum site_hstate { SITE_H_FREE = 0, SITE_H_LOCAL, SITE_H_MOVED };
struct site_host {
	struct ipaddr eid;
	uint8_t mac[6];
	uint8_t state;	    /* enum site_hstate */
	bool is_static;	    /* site_host_add: never ages */
	uint8_t probes;	    /* probes sent since last seen */
	uint64_t last_seen; /* ms */
	uint64_t until;	    /* MOVED: tombstone expiry; LOCAL: next probe time when probing */
	uint32_t next;	    /* hash chain (index + 1, 0 = end) */
};

#define SITE_PROBE_INTERVAL_MS 1000
#define SITE_MOVED_HOLD_MS     10000 /* after site_host_del, plain frames do not re-arrive */

struct site_mac {
	uint8_t mac[6];
	struct ipaddr eid;
	uint64_t t;
};

struct site_hosts {
	struct site_host *h;
	uint32_t cap, n;  /* n: LOCAL + MOVED entries */
	uint32_t *bucket; /* nbuckets heads (index + 1) */
	uint32_t nbuckets;
	uint64_t timeout_ms; /* 0 = never age */
	unsigned max_probes;
	struct site_mac *macs; /* learned MAC -> EID, bounded, oldest replaced */
	uint32_t nmacs, maccap;
};

enum site_seen {
	SITE_SEEN_KNOWN = 0, /* refreshed */
	SITE_SEEN_NEW,	     /* a new local host (arrival): install + hook */
	SITE_SEEN_MAC,	     /* known, MAC changed (refreshed) */
	SITE_SEEN_HELD,	     /* moved away recently and not an announcement: ignored */
	SITE_SEEN_FULL	     /* table full: ignored */
};
enum site_tick_action { SITE_TICK_PROBE, SITE_TICK_GONE, SITE_TICK_EXPIRE_MOVED };
typedef void (*site_tick_fn)(void *arg, enum site_tick_action a, const struct site_host *h);

int site_hosts_init(struct site_hosts *t, uint32_t max, uint64_t timeout_ms, unsigned probes);
void site_hosts_free(struct site_hosts *t);
struct site_host *site_hosts_find(const struct site_hosts *t, const struct ipaddr *eid);
/* A frame from mac using eid at time now (ms). */
enum site_seen site_hosts_seen(struct site_hosts *t, const struct ipaddr *eid, const uint8_t mac[6],
			       bool announce, uint64_t now);
/* Insert or mark static. NULL when full. */
struct site_host *site_hosts_add_static(struct site_hosts *t, const struct ipaddr *eid,
					uint64_t now);
/* LOCAL -> MOVED tombstone (hold = 0: removed at once). -1 when not LOCAL. */
int site_hosts_moved(struct site_hosts *t, const struct ipaddr *eid, uint64_t now, uint64_t hold);
/* Remove an entry whatever its state. */
void site_hosts_remove(struct site_hosts *t, const struct ipaddr *eid);
/* Age: a dynamic LOCAL host idle for timeout gets up to max_probes PROBE calls, 1 s apart;
 * one interval after the last probe it gets GONE and is removed (after the callback).
 * Expired MOVED tombstones get EXPIRE_MOVED and are removed. */
void site_hosts_tick(struct site_hosts *t, uint64_t now, site_tick_fn fn, void *arg);
unsigned site_hosts_local(const struct site_hosts *t);
/* MAC -> EID table for RARP. */
void site_hosts_mac_learn(struct site_hosts *t, const uint8_t mac[6], const struct ipaddr *eid,
			  uint64_t now);
/* Up to max EIDs bound to mac (newest first not guaranteed). Returns the count. */
unsigned site_hosts_mac_lookup(const struct site_hosts *t, const uint8_t mac[6], struct ipaddr *out,
			       unsigned max);

#endif
