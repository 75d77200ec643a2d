/* SPDX-License-Identifier: ISC */
/*
 * xtr/xtr.h - lisp-xtrd, the site xTR (ITR + ETR, RFC 9300 data plane, RFC 9301 control
 * plane): its configuration model, the core object and the APIs the other xtr/ files and
 * the next phase (D-ETR, mode="representative") build on.
 *
 * The core is I/O free: packets enter through xtr_itr_input() (read from the TUN device),
 * xtr_etr_input() (UDP 4341) and xtr_control_input() (UDP 4342); everything the core sends
 * leaves through the callbacks of struct xtr_io, and time is passed in (ns, monotonic), so
 * unit tests drive it with capture sinks. xtr/dataplane.c is the I/O engine behind the data
 * callbacks (TUN device, raw and UDP_SEGMENT sockets batched per flush, the UDP_GRO receive
 * socket); xtr/main.c wires core, engine, control socket (common/udpio) and site module.
 *
 * Files: config.c (XML -> struct xtr_cfg), mapcache.c (map-cache: entries, sources, TTL,
 * CLOCK bound, pending queues, locator selection), data.c (encapsulation, the ITR path, the
 * ETR decision deliver / re-encapsulate / drop, ICMP too-big), control.c (Map-Request,
 * Map-Reply, SMR, Map-Notify, RLOC probes), register.c (Map-Register to Map-Servers),
 * core.c (object, database, statistics, timers), cli.c (telnet CLI), dataplane.c (data-plane
 * I/O engine, xtr/dataplane.h), main.c (daemon).
 */
#ifndef XTR_XTR_H
#define XTR_XTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/conf.h"
#include "proto/addr.h"
#include "proto/err.h"
#include "proto/lisp_data.h"
#include "proto/lisp_msg.h"
#include "xtr/site/site.h"

struct bgp_cfg;
struct cfg_errs;
struct lisp_key;
struct pkt_ip;
struct xtr_offload;

#define XTR_VERSION	     "0.1.0"
#define XTR_MAX_RLOCS	     4	  /* underlay addresses of this xTR */
#define XTR_MAX_LOC	     8	  /* locators kept per mapping */
#define XTR_MAX_MS	     4	  /* Map-Servers */
#define XTR_MAX_MR	     4	  /* Map-Resolvers */
#define XTR_MAX_DB	     1024 /* database mappings */
#define XTR_MAX_STATIC	     1024 /* static map-cache entries */
#define XTR_QUEUE_MAX	     32	  /* packets held per pending entry (upper bound of config) */
#define XTR_QPOOL	     512  /* packet slots shared by all pending queues */
#define XTR_QPKT_MAX	     9216 /* largest packet a queue slot holds */
#define XTR_OUTSTANDING	     1024 /* requests awaiting a reply: at least, or 2 x pending limit */
#define XTR_REQ_LIFETIME_S   60	  /* an unanswered request's nonce is forgotten after this */
#define XTR_RLOC_TABLE	     1024 /* RLOCs whose reachability is tracked (probing) */
#define XTR_ITR_SEEN	     256  /* remote ITRs remembered for SMRs */
#define XTR_ENCAP_HLEN	     16	  /* UDP header + LISP data header (outer IP by the kernel) */
#define XTR_OVERHEAD4	     36	  /* IPv4 + UDP + LISP */
#define XTR_OVERHEAD6	     56	  /* IPv6 + UDP + LISP */
#define XTR_DEFAULT_CLI_PORT 2620
#define XTR_SECRET_MAX	     256
#define XTR_MAX_TENANTS	     64	 /* <tenant> elements (representative mode) */
#define XTR_MAX_CLIENTS	     256 /* <client> rules over every tenant */

/* ------------------------------------------------------------------ configuration */
enum xtr_mode { XTR_MODE_SITE = 0, XTR_MODE_REPRESENTATIVE = 1 };
enum xtr_queue_policy { XTR_QUEUE_HOLD = 0, XTR_QUEUE_DROP = 1 };

struct xtr_loc_cfg {
	struct ipaddr addr;
	uint8_t priority;
	uint8_t weight;
};

struct xtr_mapping_cfg {
	struct lisp_prefix eid; /* iid = the config's instance ID */
	uint32_t ttl;		/* minutes */
	uint8_t action;		/* static entries with no locators: enum lisp_action */
	uint8_t nloc;		/* 0 in a database mapping: every RLOC, priority 1, weight 100 */
	struct xtr_loc_cfg loc[XTR_MAX_LOC];
	/* static mappings: RLOC probing of their locators (XTR_PROBE_UNSET: the global
	 * <probing>); an RLOC named by several static mappings takes the first one's */
	uint32_t probe_interval_ms, probe_timeout_ms, probe_retries;
};
#define XTR_PROBE_UNSET UINT32_MAX

struct xtr_ms_cfg {
	struct ipaddr addr;
	uint16_t port;
	uint8_t key_id;
	uint8_t alg;
	bool proxy_reply;
	char secret[XTR_SECRET_MAX]; /* from secret= or the first line of secret-file= */
};

struct xtr_mr_cfg {
	struct ipaddr addr;
	uint16_t port;
};

/* <subscribe>: RFC 9437 publish/subscribe through the Map-Resolver. */
struct xtr_sub_cfg {
	bool enabled;
	uint8_t xtr_id[16]; /* default: the first RLOC's address bytes */
	uint64_t site_id;
	uint8_t key_id;
	uint8_t alg;
	char secret[XTR_SECRET_MAX]; /* the Map-Server's <pubsub><subscriber-key> */
};

/* <tenant><client prefix=.../></tenant>: the D-ETR's PITR path gives a packet read from the
 * TUN whose source lies in `src` (the longest such prefix) to the tenant `iid`
 * (docs/architecture.md "Tenants"). */
struct xtr_client_cfg {
	struct lisp_prefix src; /* iid 0: a source address prefix */
	uint32_t iid;
};

/* <announce> (representative mode, with <bgp> peers of role="underlay"): what the D-ETR
 * announces to the operator's edge routers while it is fit to forward (xtr/underlay.h,
 * docs/architecture.md "Redundant D-ETRs"). */
struct xtr_announce_cfg {
	bool given;		   /* the element is in the file */
	bool rlocs;		   /* every <rloc> as a host route (the anycast RLOC); default on */
	bool aggregates;	   /* the <database> prefixes (own instance ID); default on */
	uint32_t withdraw_wait_ms; /* SIGTERM: forward this long after the withdrawal (500) */
};

struct xtr_cfg {
	enum xtr_mode mode;
	uint32_t iid; /* the root's instance ID; BGP unicast mappings and unclassified PITR
		       * traffic are of it */
	/* representative mode: <tenant> elements, more instance IDs served (their aggregates
	 * are database mappings with their IID; their PITR sources are `client`) */
	unsigned ntenant;
	uint32_t tenant_iid[XTR_MAX_TENANTS];
	unsigned nclient;
	struct xtr_client_cfg client[XTR_MAX_CLIENTS];
	char tun_name[16];
	uint32_t underlay_mtu; /* default 1500 */
	uint32_t tun_mtu;      /* 0 = underlay_mtu - largest overhead */
	char native_dev[16];   /* underlay device for natively forwarded packets ("" = drop) */
	unsigned nrloc;
	struct ipaddr rloc[XTR_MAX_RLOCS];
	/* <rloc anycast="true">: shared with the other D-ETRs (docs/architecture.md "Redundant
	 * D-ETRs"): received on, registered and announced, never the source of what we send.
	 * xtr_cfg_order_rlocs puts them after the own ones, so "the first RLOC of a family"
	 * (xtr_rloc_for, the data plane) is an own one when there is one. */
	bool rloc_anycast[XTR_MAX_RLOCS];
	uint16_t data_port;    /* 4341 (tests may change it) */
	uint16_t control_port; /* 4342 */
	unsigned nms;
	struct xtr_ms_cfg ms[XTR_MAX_MS];
	unsigned nmr;
	struct xtr_mr_cfg mr[XTR_MAX_MR];
	struct xtr_sub_cfg sub;
	/* <register xtr-id site-id>: sent in every Map-Register (I=1), so the Map-Server keeps
	 * our nonces per (key ID, xTR-ID) (docs/lisp-wire.md "Replay protection"). Default:
	 * <subscribe>'s xTR-ID, else the first RLOC's address bytes (xtr_cfg_default_xtr_id). */
	uint8_t reg_xtr_id[16];
	uint64_t reg_site_id;
	uint32_t register_interval; /* s, default 60 (RFC 9301 §8.2) */
	uint32_t register_ttl;	    /* record TTL in Map-Registers, minutes, default 1440 */
	uint32_t cache_max;	    /* dynamic map-cache entries incl. pending, default 100000 */
	uint32_t pending_max;	    /* pending entries, default 1024 */
	enum xtr_queue_policy queue_policy;
	uint32_t queue_len;		/* packets held per pending entry, default 8 */
	uint32_t mreq_rate, mreq_burst; /* global Map-Request cap, default 100/s burst 200 */
	uint32_t mreq_retries;	/* retransmissions of an unanswered Map-Request, default 4 */
	uint32_t negative_hold; /* s a failed resolution is cached as drop, default 10 */
	/* RLOC probing (RFC 9301 §7.1, xtr/control.c): a probe every interval to each RLOC
	 * in use (and to each down one every timeout); a probe unanswered after timeout is
	 * missed; `retries` consecutive misses mark the RLOC down (traffic moves to the next
	 * locator by priority/weight at once), a reply marks it up */
	uint32_t probe_interval_ms; /* 0 = no RLOC probing, default 30000 */
	uint32_t probe_timeout_ms;  /* default 5000 */
	uint32_t probe_retries;	    /* misses before a locator is down, default 2 */
	/* <probing re-resolve>: a cached mapping whose every locator is down is asked for
	 * again (a Map-Request, at most one per second per EID) when a packet needs it, instead
	 * of dropping until its TTL runs out; default false */
	bool probe_reresolve;
	/* <etr reencapsulate-moved-away>: s after the Map-Notify during which a site xTR
	 * re-encapsulates what still reaches it for an EID that moved away (0: never), default
	 * 180 (docs/architecture.md "Migration end to end"); nothing else is re-encapsulated */
	uint32_t moved_away_s;
	/* <etr solicit-map-request>: SMR the ITRs seen in the last minute when the database
	 * changes (RFC 9301 §6.1), default true; false as RFC 6830-era deployments ran */
	bool smr;
	unsigned ndb;
	struct xtr_mapping_cfg *db; /* database mappings (a tenant's aggregates with its IID) */
	unsigned nstatic;
	struct xtr_mapping_cfg *stat; /* static map-cache entries */
	struct cfg_cli cli;	      /* <cli>, default 127.0.0.1:2620 */
	struct cfg_priv priv;	      /* <privileges> (common/priv.h) */
	struct cfg_metrics metrics;   /* <metrics> (common/metrics.h) */
	struct cfg_log log;	      /* <log level facility> */
	bool has_site;		      /* a <site> element is present ... */
	struct site_cfg site;	      /* ... parsed by xtr/site/cfg.c (site_cfg_parse) */
	struct bgp_cfg *bgp;	      /* <bgp> (representative mode only; bgp/bgp.h), NULL = none */
	/* <fast-path mode devices>: the in-kernel fast path (xtr/fastpath.h) */
	uint8_t fast_path;		  /* enum xtr_fp_mode, default XTR_FP_OFF */
	char fp_devices[256];		  /* device names, one space between ("": every device) */
	struct xtr_announce_cfg announce; /* <announce> (xtr/underlay.c) */
};

/* <fast-path mode>: off (the default) is the user-space data plane alone; auto adds the
 * in-kernel fast path when the kernel takes its programs (and logs why not otherwise); on
 * fails the start when it cannot. */
enum xtr_fp_mode { XTR_FP_OFF = 0, XTR_FP_AUTO = 1, XTR_FP_ON = 2 };
#define XTR_FP_MAX_DEVICES 32

void xtr_cfg_defaults(struct xtr_cfg *c);
/* Own RLOCs first, then the anycast ones (each group in file order). */
void xtr_cfg_order_rlocs(struct xtr_cfg *c);
/* RLOC i stands for a database mapping without <locator>s: the anycast RLOCs when there are
 * any (a D-ETR's aggregates go to the shared address), else every RLOC. */
static inline bool xtr_cfg_rloc_registered(const struct xtr_cfg *c, unsigned i)
{
	for (unsigned k = 0; k < c->nrloc; k++)
		if (c->rloc_anycast[k])
			return c->rloc_anycast[i];
	return true;
}
/* The registration xTR-ID when none is configured: <subscribe>'s, else the first RLOC's
 * address bytes (stable as long as the configuration is). */
void xtr_cfg_default_xtr_id(const struct xtr_cfg *c, uint8_t id[16]);
bool xtr_id_is_zero(const uint8_t id[16]);
struct xtr_cfg *xtr_cfg_load(const char *path, struct cfg_errs *errs);
void xtr_cfg_free(struct xtr_cfg *c);
void xtr_cfg_print(const struct xtr_cfg *c, FILE *out);

/* ------------------------------------------------------------------ map-cache */
/* Where a map-cache entry came from. A new source is one row here, one name in mapcache.c. */
enum xtr_src {
	XTR_SRC_CONFIG = 0, /* <static-mapping>: never expires, never evicted */
	XTR_SRC_REPLY,	    /* Map-Reply to our Map-Request: TTL, CLOCK eviction */
	XTR_SRC_NOTIFY,	    /* Map-Notify (EID moved away from us, pub/sub): TTL, CLOCK */
	XTR_SRC_BGP,	    /* D-ETR: BGP-learned host mapping, authoritative, no aging */
	XTR_SRC_PENDING,    /* being resolved: holds queued packets */
	XTR_SRC__COUNT
};
const char *xtr_src_name(enum xtr_src s);

struct xtr_loc {
	struct ipaddr addr;
	uint8_t priority; /* 255: not for unicast */
	uint8_t weight;
	uint16_t rloc_idx; /* reachability slot (probing), UINT16_MAX = untracked (up) */
};

/* What only some entries carry (pending, BGP, config, a resolution outstanding): the
 * pending queue, the request state, the BGP peer/version and the exact change time. */
struct xtr_entry_ext {
	uint64_t changed_ms;	/* wall clock (Unix ms) of the last install/replace */
	struct ipaddr bgp_peer; /* XTR_SRC_BGP: the peer whose mapping is installed */
	uint16_t map_version;	/* XTR_SRC_BGP: its 12-bit map version (0 = none) */
	uint64_t reg_ms;	/* XTR_SRC_BGP: its registration time (Unix ms, 0 = none) */
	/* resolution (pending, SMR-invoked or refresh): 0 = none outstanding */
	uint64_t req_nonce;
	uint64_t req_next; /* ns: earliest next Map-Request for this prefix (rate limit) */
	uint32_t req_tries;
	/* fair resolution (pending entries): 1 + the slot of the inner source whose packet
	 * created it (struct xtr_srcslot, xtr/xtr_int.h), 0 = none; its Map-Request waits
	 * for the Map-Request budget (served in turn by the tick) */
	uint16_t sslot;
	bool waiting;
	/* list of pending entries (oldest first) */
	struct xtr_entry *pprev, *pnext;
	bool on_plist;
	/* pending queue: indices into the shared packet pool, a ring of qcap slots (the
	 * queue length when allocated; 0 with the drop policy) */
	uint8_t qhead, qlen, qcap;
	uint16_t q[];
};

/* A map-cache entry (~72 B): in a slab (no allocation per entry), locators in a set shared
 * by every entry with the same ones (`loc` points into it: e->loc[i], i < nloc; NULL when
 * nloc is 0), times in seconds since the daemon started (xtr_entry_expires_ns etc.). */
struct xtr_entry {
	struct lisp_prefix eid;
	const struct xtr_loc *loc; /* shared, read only; xtr_entry_loc() */
	struct xtr_entry_ext *ext; /* NULL unless pending/BGP/config/request state */
	uint64_t bytes;
	uint32_t packets;   /* 32 bits: wraps after 4G packets */
	uint32_t ttl;	    /* minutes as received */
	uint32_t expires;   /* s since start (ceiling), 0 = never */
	uint32_t changed;   /* s since start of the last install/replace */
	uint32_t last_used; /* s since start */
	uint8_t src;	    /* enum xtr_src; 0xff = free slab slot */
	uint8_t action;	    /* negative entries (nloc 0): enum lisp_action */
	uint8_t nloc;
	uint8_t authoritative : 1; /* A bit of the record */
	uint8_t referenced : 1;	   /* CLOCK: used since the hand last passed */
	uint8_t dynamic : 1;	   /* subject to the size bound (counted in ndynamic) */
};

static inline const struct xtr_loc *xtr_entry_loc(const struct xtr_entry *e, unsigned i)
{
	return i < e->nloc ? &e->loc[i] : NULL;
}

struct xtr;
/* Insert or replace a mapping (the D-ETR installs BGP mappings with XTR_SRC_BGP, ttl 0 =
 * never expires). Locators beyond XTR_MAX_LOC are ignored. A pending entry for a covered
 * host keeps its queue and is flushed through the new mapping (xtr/data.c: the map-cache
 * hands the released packets back, xtr_cache_put, and they are sent before returning).
 * Returns the entry or NULL (out of memory, or the cache is full of non-evictable
 * entries). */
struct xtr_entry *xtr_cache_install(struct xtr *x, const struct lisp_prefix *eid, enum xtr_src src,
				    uint8_t action, bool authoritative, uint32_t ttl_min,
				    const struct xtr_loc *loc, unsigned nloc, uint64_t now);
/* Remove the exact entry (its queued packets are dropped); 0 or -1 when absent. */
int xtr_cache_remove(struct xtr *x, const struct lisp_prefix *eid);
/* Remove every entry (of one source, or all with XTR_SRC__COUNT) covered by eid (NULL:
 * all). Returns how many. */
size_t xtr_cache_clear(struct xtr *x, const struct lisp_prefix *eid, enum xtr_src src);
/* Longest match; NULL on a miss. Does not touch the CLOCK bit or counters. */
struct xtr_entry *xtr_cache_lookup(struct xtr *x, uint32_t iid, const struct ipaddr *a);
size_t xtr_cache_count(const struct xtr *x);   /* every entry */
size_t xtr_cache_dynamic(const struct xtr *x); /* entries subject to the size bound */
size_t xtr_cache_pending(const struct xtr *x);
/* Times of an entry in ns (the monotonic clock of `now`): expiry (0 = never), last use;
 * and the wall clock (Unix ms) of its last change (exact for pending/BGP/config entries,
 * to the second for the others). */
uint64_t xtr_entry_expires_ns(const struct xtr *x, const struct xtr_entry *e);
uint64_t xtr_entry_last_used_ns(const struct xtr *x, const struct xtr_entry *e);
uint64_t xtr_entry_changed_ms(const struct xtr *x, const struct xtr_entry *e);
/* Packets held by a pending entry. */
unsigned xtr_entry_queued(const struct xtr_entry *e);
/* Expire entries whose TTL ran out and unanswered resolutions; call once a second. */
void xtr_cache_sweep(struct xtr *x, uint64_t now);
/* Call fn for every entry in prefix order. */
typedef void (*xtr_entry_fn)(void *arg, const struct xtr_entry *e);
void xtr_cache_foreach(const struct xtr *x, xtr_entry_fn fn, void *arg);
/* The resumable walk of the CLI's dumps (common/lpm.h lpm_next: its order, and what a dump
 * shows when the cache changes between batches); fn returns non-zero to stop after e. */
struct lpm_cursor;
typedef int (*xtr_entry_next_fn)(void *arg, const struct xtr_entry *e);
long xtr_cache_next(const struct xtr *x, struct lpm_cursor *c, size_t max, xtr_entry_next_fn fn,
		    void *arg);

/* Locator selection (RFC 9300 §4 / RFC 9301 §5.4): the best (lowest) priority among the
 * usable locators (priority != 255, reachable), then by weight with the flow hash (all
 * weights 0: equal share). NULL when none is usable. */
const struct xtr_loc *xtr_select_locator(const struct xtr *x, const struct xtr_entry *e,
					 uint32_t hash);
/* Reachability of an RLOC as probing sees it (true when untracked). */
bool xtr_rloc_up(const struct xtr *x, const struct ipaddr *rloc);
/* What probing knows of an RLOC (control.c): false when it is not tracked. */
struct xtr_rloc_info {
	bool up;
	unsigned missed;	  /* consecutive unanswered probes */
	uint64_t probes, replies; /* sent to it / answered */
	uint64_t rtt_ns;	  /* of the last answered probe, 0: none yet */
	uint32_t interval_ms;	  /* in force for it (0: not probed) */
	uint32_t timeout_ms, retries;
};
bool xtr_rloc_info(const struct xtr *x, const struct ipaddr *rloc, struct xtr_rloc_info *out);
/* Force a state (tests, operators). Tracks the RLOC if it was not. */
void xtr_rloc_set_up(struct xtr *x, const struct ipaddr *rloc, bool up);

/* ------------------------------------------------------------------ database */
struct xtr_db_entry {
	struct lisp_prefix eid;
	uint32_t ttl;
	bool dynamic; /* added by the site module (host arrived), not the config */
	uint8_t nloc;
	struct xtr_loc_cfg loc[XTR_MAX_LOC];
};
/* Local EID (deliver on decap, answer Map-Requests, register). dynamic: from the site. */
int xtr_db_add(struct xtr *x, const struct lisp_prefix *eid, bool dynamic, uint64_t now);
/* The EID is no longer local: stop answering for it, deregister (TTL 0), SMR. */
int xtr_db_del(struct xtr *x, const struct lisp_prefix *eid, uint64_t now);
const struct xtr_db_entry *xtr_db_lookup(const struct xtr *x, uint32_t iid, const struct ipaddr *a);
size_t xtr_db_count(const struct xtr *x);
const struct xtr_db_entry *xtr_db_at(const struct xtr *x, size_t i);

/* ------------------------------------------------------------------ I/O callbacks */
struct xtr_sock_stats {
	uint64_t rx, tx;	       /* datagrams received, sent */
	uint64_t rx_errors, tx_errors; /* receive failures; datagrams the kernel refused */
	uint64_t truncated;	       /* received datagrams longer than a slot: dropped */
};
struct xtr_io_stats {
	struct xtr_sock_stats data;    /* encapsulated data (UDP 4341) */
	struct xtr_sock_stats control; /* control messages (UDP 4342) */
};

struct xtr_io {
	void *arg;
	/* An encapsulated packet: `hdr` (XTR_ENCAP_HLEN bytes: UDP header + LISP header)
	 * followed by the inner packet, from local RLOC `src` to `dst`. `inner` stays valid
	 * until data_flush (the caller flushes at the end of each batch). 0 or -1. */
	int (*data_send)(void *arg, const struct ipaddr *src, const struct ipaddr *dst,
			 const uint8_t *hdr, const uint8_t *inner, size_t len);
	void (*data_flush)(void *arg);
	/* A packet for the local site (decapsulated, or an ICMP error): write to the TUN. */
	int (*tun_write)(void *arg, const uint8_t *pkt, size_t len);
	/* ... a TCP super-packet, with the offload its vnet header carries (xtr/offload.h);
	 * may be NULL (the core then writes its segments one by one). */
	int (*tun_write_gso)(void *arg, const struct xtr_offload *o, const uint8_t *pkt,
			     size_t len);
	/* A packet natively forwarded (negative entry, ACT natively-forward): the underlay. */
	int (*native_send)(void *arg, const uint8_t *pkt, size_t len);
	/* A control message (UDP to dst:dport from local address src, AFI 0: any). */
	int (*ctl_send)(void *arg, const struct ipaddr *dst, uint16_t dport,
			const struct ipaddr *src, const void *data, size_t len);
	/* The site: a local EID moved away (Map-Notify): remove its host route. May be NULL. */
	void (*host_del)(void *arg, const struct ipaddr *eid);
	/* The counters of the sockets behind these callbacks (`show statistics`). May be NULL. */
	void (*io_stats)(void *arg, struct xtr_io_stats *st);
};

/* ------------------------------------------------------------------ statistics */
enum xtr_drop {
	XTR_DROP_BAD_INNER = 0,	  /* ITR: not a parsable IP packet */
	XTR_DROP_MULTICAST,	  /* ITR: multicast / link-local destination (MLD from the TUN) */
	XTR_DROP_NO_LOCATOR,	  /* every locator down or priority 255 */
	XTR_DROP_NEGATIVE,	  /* negative entry with a drop action */
	XTR_DROP_NATIVE_FAIL,	  /* natively-forward without an underlay device */
	XTR_DROP_QUEUE_FULL,	  /* pending queue or packet pool full, or queue policy drop */
	XTR_DROP_PENDING_LIMIT,	  /* too many pending entries */
	XTR_DROP_CACHE_FULL,	  /* no room in the map-cache */
	XTR_DROP_TOO_BIG,	  /* answered with ICMP too-big */
	XTR_DROP_SEND,		  /* the socket refused it */
	XTR_DROP_BAD_HEADER,	  /* ETR: LISP header invalid */
	XTR_DROP_FOREIGN_IID,	  /* ETR: instance ID not ours */
	XTR_DROP_ETR_NOT_LOCAL,	  /* ETR: not a local EID and not ours to re-encapsulate */
	XTR_DROP_TRUNCATED_INNER, /* ETR: inner packet shorter than its header says */
	XTR_DROP_LOOP,		  /* ETR: re-encapsulation would go to ourselves, or TTL ran out */
	XTR_DROP_UNRESOLVED,	  /* pending entry gave up (no reply) */
	XTR_DROP_ETR_MOVED_EXPIRED, /* ETR: moved away from us longer ago than moved_away_s */
	XTR_DROP_SOURCE_LIMITED,    /* ITR: a packet of a source holding its share of the
				       pending table or packet pool, or held for one over its
				       share and given up for another source */
	XTR_DROP__COUNT
};
const char *xtr_drop_name(enum xtr_drop d);

enum xtr_cdrop {
	XTR_CDROP_MALFORMED = 0, /* did not parse */
	XTR_CDROP_UNEXPECTED,	 /* a type we do not take */
	XTR_CDROP_NONCE,	 /* Map-Reply/Map-Notify with a nonce we did not send */
	XTR_CDROP_AUTH,		 /* Map-Notify failed authentication / unknown sender */
	XTR_CDROP_NOT_OURS,	 /* Map-Request for an EID not in our database */
	XTR_CDROP_RATE,		 /* Map-Request not sent: global cap */
	XTR_CDROP_SEND,
	XTR_CDROP__COUNT
};
const char *xtr_cdrop_name(enum xtr_cdrop d);

struct xtr_stats {
	uint64_t tun_in, tun_in_bytes;
	uint64_t encap, encap_bytes;
	uint64_t decap, decap_bytes;
	uint64_t reencap, reencap_bytes;
	uint64_t native, native_bytes;
	uint64_t etr_in;
	uint64_t queued, dequeued;
	uint64_t icmp_too_big;
	uint64_t cache_evictions, cache_expired;
	uint64_t pending_preempted; /* pending entries of a source over its share, for another */
	uint64_t mreq_sent, mreq_retrans, mreq_failover, smr_sent, smr_in, smr_invoked;
	uint64_t probes_sent, probe_replies, probe_down, probe_up;
	uint64_t probe_missed; /* probes unanswered after their timeout */
	uint64_t moves;	       /* local EIDs that moved away (Map-Notify) */
	uint64_t moved_here;   /* EIDs made local by a Map-Notify/Map-Reply naming our RLOC */
	uint64_t bounced;      /* re-encapsulation back to the packet's sender refused */
	/* RFC 9437 publish/subscribe */
	uint64_t subs_sent;	  /* Map-Requests sent with I=1, N=1 */
	uint64_t sub_notifies;	  /* subscription Map-Notifies received (verified) */
	uint64_t sub_acks;	  /* ... acknowledged (Map-Notify-Ack sent) */
	uint64_t sub_auth_failed; /* subscription-looking Map-Notifies failing authentication */
	/* D-ETR (xtr/detr.c) */
	uint64_t bgp_installs;	    /* map-cache installs/replacements from BGP */
	uint64_t bgp_withdrawals;   /* BGP entries removed (withdraw, purge, session loss) */
	uint64_t bgp_purged;	    /* ... of them by the graceful-restart purge */
	uint64_t bgp_ignored;	    /* a peer's mapping not used: older version than another's */
	uint64_t bgp_stale;	    /* BGP_EV_STALE (graceful restart: mappings kept) */
	uint64_t bgp_foreign;	    /* mapping for an instance ID not served: ignored */
	uint64_t tenant_classified; /* PITR: TUN packets given to a tenant by a <client> rule */
	uint64_t resolved_fallback; /* D-ETR: aggregate EID without a host route, resolved */
	uint64_t ul_announce;	    /* D-ETR: routes announced to the underlay (became fit) */
	uint64_t ul_withdraw;	    /* ... withdrawn (not fit any more, or stopping) */
	uint64_t drops[XTR_DROP__COUNT];
	uint64_t cin[16], cout[16]; /* control messages by type (index = LISP type) */
	uint64_t cdrops[XTR_CDROP__COUNT];
};

/* Per Map-Server registration state (`show map-servers`). */
enum xtr_ms_state { XTR_MS_INIT = 0, XTR_MS_REGISTERING, XTR_MS_REGISTERED, XTR_MS_UNANSWERED };
const char *xtr_ms_state_name(enum xtr_ms_state s);
struct xtr_ms {
	struct xtr_ms_cfg cfg;
	struct lisp_key *key;
	enum xtr_ms_state state;
	uint64_t nonce;	      /* of the last Map-Register (always increasing) */
	uint64_t ack_from;    /* first nonce of the previous round: a Map-Notify echoing a nonce
				 in [ack_from, nonce] acknowledges */
	uint64_t round_first; /* first nonce of the current round */
	uint64_t next;	      /* ns: next Map-Register */
	uint64_t last_sent, last_notify;
	uint32_t unanswered; /* consecutive Map-Registers without Map-Notify */
	uint64_t registers, notifies, notify_acks_sent;
};
size_t xtr_nms(const struct xtr *x);
const struct xtr_ms *xtr_ms_at(const struct xtr *x, size_t i);

/* ------------------------------------------------------------------ tenants */
/* An instance ID this xTR serves: its own (cfg.iid) or one of its <tenant>s. */
bool xtr_serves_iid(const struct xtr *x, uint32_t iid);
/* The instance ID of a packet read from the TUN with source `src`: the tenant of the
 * longest <client> prefix holding it, else cfg.iid. */
uint32_t xtr_tenant_of(struct xtr *x, const struct ipaddr *src);

/* ------------------------------------------------------------------ core */
/* NULL on ENOMEM or a key that cannot be built (logged). The config is copied. */
struct xtr *xtr_new(const struct xtr_cfg *cfg, const struct xtr_io *io, uint64_t now);
void xtr_free(struct xtr *x);
/* Apply a reloaded config: database, static entries, Map-Servers/-Resolvers, limits. 0/-1. */
int xtr_reconfigure(struct xtr *x, const struct xtr_cfg *cfg, uint64_t now);
const struct xtr_cfg *xtr_config(const struct xtr *x);
const struct xtr_stats *xtr_get_stats(const struct xtr *x);
void xtr_clear_stats(struct xtr *x);
/* Timers: registration, sweep, retransmissions, probes, SMRs. Call every ~100 ms-1 s. */
void xtr_tick(struct xtr *x, uint64_t now);

/* ITR: one IP packet read from the TUN device. `pkt` must have XTR_ENCAP_HLEN bytes of
 * headroom before it that the core may write (the encapsulation is built in place). */
void xtr_itr_input(struct xtr *x, uint8_t *pkt, size_t len, uint64_t now);

/* ITR: one read from a TUN device with a vnet header (xtr/offload.h): a partial checksum
 * is completed, a GSO super-packet is cut into the segments the sender's stack would have
 * sent (each counted in tun_in and encapsulated on its own), sent before returning. A
 * super-packet that cannot be segmented is dropped (badInner). */
struct xtr_offload;
void xtr_itr_input_offload(struct xtr *x, uint8_t *pkt, size_t len, const struct xtr_offload *o,
			   uint64_t now);

/* ETR: one UDP 4341 payload (LISP header + inner packet) from outer source `src`. */
enum xtr_verdict { XTR_DELIVER = 0, XTR_REENCAP, XTR_DROP, XTR_RESOLVE };
/* The one decision of the decapsulation path (no open relay: re-encapsulation hides the
 * packet's real source, so it is done only where the mapping system sends the traffic):
 * - site mode: deliver a local EID (the database); re-encapsulate to the map-cache's
 *   mapping only an EID that moved away from us (the Map-Notify, register.c), and only for
 *   cfg.moved_away_s after the move (XTR_RESOLVE when the map-cache has no mapping for it
 *   then, a negative one drops it); later: XTR_DROP_ETR_MOVED_EXPIRED; any other
 *   destination, mapped or not: XTR_DROP_ETR_NOT_LOCAL.
 * - representative mode (D-ETR): inside the database's aggregate, a map-cache mapping (a
 *   BGP host mapping) is re-encapsulated to, none is XTR_RESOLVE (handled like a PITR
 *   packet: Map-Request to the local mapping system, packet held; a negative answer drops
 *   it); outside it only a BGP host mapping is; anything else: XTR_DROP_ETR_NOT_LOCAL.
 * An inner TTL of 1 is XTR_DROP_LOOP. `now`: the monotonic ns of the packet. */
enum xtr_verdict xtr_etr_decide(struct xtr *x, const struct lisp_data_hdr *h,
				const struct pkt_ip *ip, struct xtr_entry **entry,
				enum xtr_drop *why, uint64_t now);
void xtr_etr_input(struct xtr *x, const struct ipaddr *src, const uint8_t *data, size_t len,
		   uint64_t now);
/* ETR: one UDP 4341 datagram that is one LISP packet around a TCP super-packet (the UDP
 * tunnel GSO packet of an ITR that encapsulated in its kernel, xtr/fastpath.h, left whole by
 * veth: longer than the TUN device's MTU, its inner checksum only the pseudo-header sum):
 * its segments are decapsulated each on its own, 0. -1: not such a packet. */
int xtr_etr_input_gso(struct xtr *x, const struct ipaddr *src, const uint8_t *data, size_t len,
		      uint64_t now);

/* End of an input batch: send what the data sink holds (calls io.data_flush). */
void xtr_flush(struct xtr *x);

/* Control: one UDP 4342 datagram. */
void xtr_control_input(struct xtr *x, const struct ipaddr *src, uint16_t sport,
		       const struct ipaddr *dst, const uint8_t *data, size_t len, uint64_t now);

/* The site: make an EID local (host route on the bridge, xtr/site/site.h site_host_add), when a
 * Map-Notify or Map-Reply says an EID of our dynamic-EID prefixes is at our RLOC (before
 * the site sees the VM's GARP/NA). May stay unset. */
void xtr_set_host_add(struct xtr *x, void (*fn)(void *arg, const struct ipaddr *eid));
/* Site mode: `eid` (a host inside the site's dynamic-EID prefixes, not in the database) is
 * at our RLOC by an authenticated control-plane fact: add it to the database (dynamic) and
 * make it local at once. true if it did. */
bool xtr_claim_eid(struct xtr *x, const struct lisp_prefix *eid, uint64_t now);

/* Site hooks (xtr/site/site.h host_arrived / host_left) */
void xtr_host_arrived(struct xtr *x, const struct ipaddr *eid, uint64_t now);
void xtr_host_left(struct xtr *x, const struct ipaddr *eid, uint64_t now);

/* Encapsulation header (byte-exact, tested): UDP (sport, dport, length = 16 + inner_len,
 * checksum 0) + LISP header (N with `nonce`, I with iid when iid != 0, else L=0). */
void xtr_encap_header(uint8_t hdr[XTR_ENCAP_HLEN], uint16_t sport, uint16_t dport, size_t inner_len,
		      uint32_t iid, uint32_t nonce);
/* Outer UDP source port from the inner flow hash (RFC 9300 §5.3): 49152 + hash % 16384. */
uint16_t xtr_flow_sport(uint32_t hash);

/* ------------------------------------------------------------------ hooks */
/* Observers of the core's tables, called in the loop turn of each change: the in-kernel
 * fast path (xtr/fastpath.h) keeps its maps in step through them, so the map-cache stays
 * the single authority. Every member may be NULL. */
struct out;
struct xtr_hooks {
	void *arg;
	/* a map-cache entry was installed or replaced (every source, pending included) */
	void (*entry_set)(void *arg, struct xtr_entry *e);
	/* ... is being removed (expiry, eviction, withdrawal, clear, replaced by a covering
	 * mapping): called before it is freed */
	void (*entry_gone)(void *arg, struct xtr_entry *e);
	/* the reachability of tracked RLOC `idx` (RLOC probing, xtr_rloc_set_up) changed */
	void (*rloc_changed)(void *arg, uint16_t idx, bool up);
	/* the database (local EIDs, the D-ETR's aggregate) changed */
	void (*db_changed)(void *arg);
	/* the counters are about to be read (xtr_get_stats): fold in what is counted elsewhere */
	void (*stats_sync)(void *arg);
	/* `show statistics`: the observer's own section */
	void (*stats_out)(void *arg, struct out *o);
};
/* Replace the hooks (NULL: none). */
void xtr_set_hooks(struct xtr *x, const struct xtr_hooks *h);

/* ---- CLI (xtr/cli.c) ---- */
struct cli;
struct event_base;
struct cli *xtr_cli_new(struct event_base *base, struct xtr *x);
/* The whole /metrics scrape of lisp-xtrd (xtr/metrics.c); d: the D-ETR or NULL, cli may be
 * NULL. */
struct mw;
struct xtr_detr;
void xtr_metrics_write(struct mw *w, struct xtr *x, const struct xtr_detr *d,
		       const struct cli *cli);

#endif
