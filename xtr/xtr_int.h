/* SPDX-License-Identifier: ISC */
/*
 * xtr/xtr_int.h - the inside of struct xtr, shared by the core files of xtr/ (not by the
 * site module, tests or other daemons): the map-cache (LPM + entry slab + CLOCK hand +
 * shared locator sets + pending list + packet pool), the
 * database and the EIDs that moved away from it, the inner sources sharing the pending
 * table and the Map-Request budget, the nonce table of outstanding Map-Requests, the RLOC
 * reachability table (RLOC probing, RFC 9300 §10), the remote-ITR table (SMR targets, RFC
 * 9301 §6.1) and the Map-Server registration state.
 */
#ifndef XTR_XTR_INT_H
#define XTR_XTR_INT_H

#include "common/ratelimit.h"
#include "xtr/xtr.h"

struct lpm;

enum xtr_req_kind {
	XTR_REQ_NONE = 0,
	XTR_REQ_RESOLVE, /* Map-Request via a Map-Resolver (pending, SMR-invoked, refresh) */
	XTR_REQ_PROBE,	 /* RLOC probe straight to the RLOC */
};

struct xtr_req {
	uint64_t nonce;
	uint8_t kind;
	uint16_t rloc_idx; /* PROBE */
	struct lisp_prefix eid;
	uint64_t sent;
};

struct xtr_rloc {
	struct ipaddr addr;
	bool used;
	bool up;
	uint8_t missed;	      /* consecutive unanswered probes */
	uint64_t probe_nonce; /* outstanding probe, 0 = none */
	uint64_t probe_sent;
	uint64_t last_used; /* ns, a packet was sent to it */
	uint64_t last_reply;
	struct lisp_prefix eid; /* an EID to put in the probe */
	uint64_t probes, replies;
	uint64_t rtt; /* ns, of the last answered probe */
	/* probe_own: a static mapping's own probing (config) is in force for it, not the
	 * global <probing> (each of the three: XTR_PROBE_UNSET = the global value) */
	bool probe_own;
	uint32_t probe_iv_ms, probe_to_ms, probe_retries;
};
/* control.c: a static mapping's probing settings onto the RLOCs it names (after its
 * entry is installed); xtr_probe_reset_own before the static entries are installed again */
void xtr_probe_apply_cfg(struct xtr *x, const struct xtr_mapping_cfg *m);
void xtr_probe_reset_own(struct xtr *x);

struct xtr_itr_seen {
	struct ipaddr addr;
	uint64_t last;
};

#define XTR_SLAB_CHUNK 4096

/* An EID that moved away from us (register.c, on the Map-Notify; core.c keeps the table).
 * Site mode re-encapsulates what still reaches us for it during cfg.moved_away_s after
 * `at`; the record is kept until `forget` (as long as a remote ITR may hold our old
 * mapping: its registered TTL, at most XTR_MOVED_KEEP_S) so that late packets count as
 * etrMovedAwayExpired, not as etrNotLocal. */
#define XTR_MOVED_MAX	 1024  /* records; when full the oldest move is forgotten */
#define XTR_MOVED_KEEP_S 86400 /* at most this long after the move */
struct xtr_moved {
	struct lisp_prefix eid;
	uint64_t at;	 /* ns: the Map-Notify */
	uint64_t forget; /* ns */
	bool used;
};

/* Fair resolution: the pending table, its packet pool and the Map-Request budget are shared
 * per inner source address. A source is a slot of a table hashed with a per-object random
 * seed (sources that collide share a slot). While n sources hold pending entries, one may
 * hold at most pending_max / n of them and XTR_QPOOL / n held packets; a full table (pool)
 * gives up the newest entry (packet) of a source over its share for a source under it.
 * A source whose Map-Requests wait for the budget does not jump that queue with new ones;
 * the tick serves the waiting ones round robin by source (mapcache.c, control.c). */
#define XTR_SRC_SLOTS 1024 /* power of two */
struct xtr_srcslot {
	uint32_t npending; /* pending entries created by its packets */
	uint32_t nwait;	   /* ... of them whose Map-Request waits for the budget */
	uint32_t nqueued;  /* packets they hold (slots of the packet pool) */
	uint32_t rank;	   /* the tick's round robin (scratch, 0 between ticks) */
};

/* A locator set shared by the entries with the same locators (mapcache.c). */
struct xtr_locset {
	struct xtr_locset *next; /* hash chain */
	uint32_t refs, hash;
	uint8_t n;
	struct xtr_loc loc[];
};

#define XTR_SCRATCH	 64
#define XTR_SCRATCH_SLOT (XTR_ENCAP_HLEN + XTR_QPKT_MAX)

struct xtr_qslot {
	uint16_t len;
	uint16_t next_free;
	uint8_t data[XTR_ENCAP_HLEN + XTR_QPKT_MAX];
};

struct xtr {
	struct xtr_cfg cfg; /* db/stat pointers: NULL (the core keeps its own copies) */
	struct xtr_io io;
	/* map-cache */
	struct lpm *cache;
	struct xtr_entry **slab;	/* chunks of XTR_SLAB_CHUNK entries, never moved */
	size_t slab_nchunks, slab_used; /* chunks; slots handed out so far (high water) */
	struct xtr_entry *slab_free;	/* free slots, linked through ext */
	size_t clock_hand;		/* CLOCK eviction: next slot to look at */
	struct xtr_locset **lsets;	/* shared locator sets: hash chains */
	size_t lsets_cap, nlsets;
	struct xtr_entry *plist_head, *plist_tail; /* pending entries, oldest first */
	uint64_t t0;				   /* ns: second 0 of the entries' timestamps */
	size_t ndynamic, npending, nentries;
	struct xtr_qslot *pool;
	uint16_t pool_free; /* free list head, UINT16_MAX = empty */
	size_t pool_used;
	/* tenants: <client> source prefixes -> struct xtr_client_cfg in cfg (NULL: none) */
	struct lpm *clients;
	/* database */
	struct lpm *db;
	struct xtr_db_entry *dbv;
	size_t ndb;
	struct lpm *moved;	  /* EIDs that moved away: prefix -> slot of movedv */
	struct xtr_moved *movedv; /* XTR_MOVED_MAX slots */
	size_t nmoved;
	/* fair resolution */
	struct xtr_srcslot srcs[XTR_SRC_SLOTS];
	uint32_t nsrc_active; /* slots holding pending entries */
	uint64_t src_seed;
	bool db_changed; /* register now + SMR */
	/* database EIDs changed since the last tick (SMRs): grown as needed, at most
	 * XTR_MAX_DB (a mass migration changes many EIDs within one tick) */
	struct lisp_prefix *changed;
	unsigned nchanged, changed_cap;
	/* control */
	struct xtr_req *reqv; /* outstanding requests: open addressing by nonce (control.c) */
	size_t reqcap, nreq;  /* capacity (power of two, 0 = none yet), live requests */
	struct tb mreq_tb;
	unsigned mr_cur; /* Map-Resolver in use (failover) */
	uint64_t nonce_seq;
	struct xtr_rloc rlocs[XTR_RLOC_TABLE];
	size_t nrlocs;
	uint64_t next_probe;
	struct xtr_itr_seen seen[XTR_ITR_SEEN];
	/* registration */
	struct xtr_ms ms[XTR_MAX_MS];
	unsigned nms;
	uint64_t reg_nonce;
	struct lisp_key *sub_key; /* cfg.sub: the subscriber key (register.c) */
	uint64_t next_sweep;
	uint32_t flow_seed;
	uint8_t *scratch; /* XTR_SCRATCH slots for re-encapsulated packets */
	unsigned nscratch;
	uint8_t *segbuf; /* segments of one GSO super-packet (xtr_itr_input_offload) */
	size_t segcap;
	struct xtr_stats st;
	struct tb drop_log_tb;				       /* xtr_log_drop: lines per second */
	void (*host_add)(void *arg, const struct ipaddr *eid); /* xtr_set_host_add */
	struct xtr_hooks hooks; /* xtr_set_hooks (the in-kernel fast path) */
	int64_t wall_off_ns;	/* CLOCK_REALTIME - CLOCK_MONOTONIC in ns (changedUnixMs) */
	struct xtr_detr *detr;	/* representative mode: the D-ETR state (xtr/detr.c), for the CLI */
};

/* core.c */
uint64_t xtr_nonce(struct xtr *x);
bool xtr_is_own_rloc(const struct xtr *x, const struct ipaddr *a);
/* Wall-clock Unix ms for a monotonic time (map-cache changedUnixMs). */
uint64_t xtr_wall_ms(const struct xtr *x, uint64_t now);
/* A rate-limited log line for a packet dropped for `why` (a relay refused, a source over its
 * share): a sample of at most 5 lines a second, through log_input_key keyed by `from` (NULL:
 * a preempted pending entry; the counters are exact). */
void xtr_log_drop(struct xtr *x, enum xtr_drop why, const struct ipaddr *from,
		  const struct ipaddr *to, uint64_t now);
/* EIDs that moved away (struct xtr_moved): recorded by register.c on the Map-Notify (ttl_min:
 * the TTL we registered it with), forgotten when it comes back (xtr_db_add) or its time is
 * up (the tick). */
void xtr_moved_add(struct xtr *x, const struct lisp_prefix *eid, uint32_t ttl_min, uint64_t now);
const struct xtr_moved *xtr_moved_lookup(const struct xtr *x, uint32_t iid, const struct ipaddr *a);
void xtr_moved_sweep(struct xtr *x, uint64_t now);
const struct ipaddr *xtr_rloc_for(const struct xtr *x, uint16_t afi);
/* mapcache.c */
/* RLOC probing changed the reachability of tracked RLOC i (tells the hooks). */
void xtr_rloc_changed(struct xtr *x, uint16_t i);
int xtr_cache_init(struct xtr *x);
void xtr_cache_fini(struct xtr *x);
void xtr_cache_touch(struct xtr *x, struct xtr_entry *e, uint64_t now);
/* The entry's side struct, allocated on first use (NULL on ENOMEM). */
struct xtr_entry_ext *xtr_entry_ext(struct xtr *x, struct xtr_entry *e);
/* Seconds since x->t0 for a monotonic ns time (0 before it); the ns of such a second. */
uint32_t xtr_sec(const struct xtr *x, uint64_t now);
uint64_t xtr_sec_ns(const struct xtr *x, uint32_t s);
/* Set an entry's expiry to the monotonic time `at` (ns, rounded up to the second). */
void xtr_entry_set_expiry(struct xtr *x, struct xtr_entry *e, uint64_t at);
/* Slab, locator-set and pending-list statistics (tests). */
size_t xtr_cache_slab_slots(const struct xtr *x);
size_t xtr_cache_locsets(const struct xtr *x);
/* A pending entry for eid, created by a packet from inner source `src` (NULL: none), within
 * the source's share (struct xtr_srcslot). NULL when refused: *why (optional) says why,
 * counted already (pendingLimit, itrResolveSourceLimited, cacheFull). */
struct xtr_entry *xtr_cache_new_pending(struct xtr *x, const struct lisp_prefix *eid,
					const struct ipaddr *src, uint64_t now, enum xtr_drop *why);
/* Hold a packet in pending entry e: 0; -1 the queue or the pool is full (the caller counts
 * queueFull); -2 the entry's source holds its share of the pool while others wait too
 * (counted as itrResolveSourceLimited). */
int xtr_queue_push(struct xtr *x, struct xtr_entry *e, const uint8_t *pkt, size_t len,
		   uint64_t now);
void xtr_queue_drop(struct xtr *x, struct xtr_entry *e);
/* Packets released by a resolution: slots of the packet pool, in the order they were
 * queued (the resolved entry's own queue first, then those of the pending entries it
 * covers, in prefix order); the caller's until xtr_released_free. Every slot fits. */
struct xtr_released {
	unsigned n;
	uint16_t slot[XTR_QPOOL];
};
/* Packet k of rel (XTR_ENCAP_HLEN bytes of headroom before it) and its length. */
static inline uint8_t *xtr_released_pkt(const struct xtr *x, const struct xtr_released *rel,
					unsigned k, size_t *len)
{
	struct xtr_qslot *s = &x->pool[rel->slot[k]];
	*len = s->len;
	return s->data + XTR_ENCAP_HLEN;
}
/* Give the slots back to the pool (rel->n = 0). */
void xtr_released_free(struct xtr *x, struct xtr_released *rel);
/* The table part of xtr_cache_install: insert or replace the mapping; the packets held by
 * the pending entries it resolves (its own, the covered hosts') are handed to the caller
 * in `rel` (reset first; NULL: dropped), not sent: the map-cache is a leaf. */
struct xtr_entry *xtr_cache_put(struct xtr *x, const struct lisp_prefix *eid, enum xtr_src src,
				uint8_t action, bool authoritative, uint32_t ttl_min,
				const struct xtr_loc *loc, unsigned nloc, uint64_t now,
				struct xtr_released *rel);
uint16_t xtr_rloc_track(struct xtr *x, const struct ipaddr *a, const struct lisp_prefix *eid);
/* data.c */
/* The ITR path without the TUN counters, in instance ID `iid` (the map-cache lookup, a miss's
 * pending entry and Map-Request, the LISP header); XTR_IID_TUN: a packet read from the TUN,
 * its instance ID is xtr_tenant_of(its source). */
#define XTR_IID_TUN UINT32_MAX
void xtr_itr_forward(struct xtr *x, uint32_t iid, uint8_t *pkt, size_t len, uint64_t now);
/* Send released packets of instance ID iid through the cache (xtr_itr_forward), flush, free
 * their slots. */
void xtr_forward_released(struct xtr *x, uint32_t iid, struct xtr_released *rel, uint64_t now);
/* Encapsulate and send inner packet pkt (headroom XTR_ENCAP_HLEN) through entry e. */
void xtr_encap_send(struct xtr *x, struct xtr_entry *e, uint8_t *pkt, size_t len,
		    const struct pkt_ip *ip, bool reencap, uint64_t now);
void xtr_itr_seen(struct xtr *x, const struct ipaddr *src, uint64_t now);
/* control.c */
void xtr_send_map_request(struct xtr *x, struct xtr_entry *e, const struct ipaddr *seid,
			  bool smr_invoked, uint64_t now);
void xtr_control_tick(struct xtr *x, uint64_t now);
void xtr_send_smrs(struct xtr *x, const struct lisp_prefix *eid, uint64_t now);
/* The nonce table: a request added (valid until the next add), found and removed by the
 * nonce of a reply (0, *out a copy; -1 unknown), forgotten after XTR_REQ_LIFETIME_S. */
struct xtr_req *xtr_req_add(struct xtr *x, uint8_t kind, const struct lisp_prefix *eid,
			    uint64_t now);
int xtr_req_take(struct xtr *x, uint64_t nonce, struct xtr_req *out);
void xtr_req_sweep(struct xtr *x, uint64_t now);
void xtr_req_fini(struct xtr *x);
int xtr_ctl_send(struct xtr *x, const struct ipaddr *dst, uint16_t port, const void *data,
		 size_t len);
/* register.c */
int xtr_register_init(struct xtr *x);
void xtr_register_fini(struct xtr *x);
void xtr_register_tick(struct xtr *x, uint64_t now);
void xtr_register_now(struct xtr *x, uint64_t now);
void xtr_notify_input(struct xtr *x, const struct ipaddr *src, uint16_t sport, const struct buf *b,
		      uint64_t now);
/* Deregister one database entry (Map-Register with TTL 0) with every Map-Server. */
void xtr_deregister(struct xtr *x, const struct xtr_db_entry *d, uint64_t now);
/* Does entry e hold exactly this mapping (locators in order, or the action when none)? */
bool xtr_entry_same(const struct xtr_entry *e, uint8_t action, const struct xtr_loc *loc,
		    unsigned n);
/* Fill a record for a database entry (locators from our RLOCs when unset). */
void xtr_db_record(const struct xtr *x, const struct xtr_db_entry *d, struct lisp_record *r,
		   uint32_t ttl, const struct ipaddr *probed);

#endif
