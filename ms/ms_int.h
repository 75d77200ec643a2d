/* SPDX-License-Identifier: ISC */
/*
 * ms/ms_int.h - internals shared by the Map-Server's files (not for other modules):
 * the struct ms itself, the deferred send queue, the replay table and the unsolicited
 * Map-Notify queue.
 */
#ifndef MS_MS_INT_H
#define MS_MS_INT_H

#include "common/metrics.h"
#include "ms/ms.h"

struct lisp_key;
struct ms_nq;
struct ms_replay_old;
struct tb_table;

/* Replay protection (replay.c; RFC 9301 §5.6 "Nonce"; docs/lisp-wire.md "Replay
 * protection"). One table of last accepted nonces, keyed by
 *   site (MS_NAME_MAX bytes, zero-padded) | key ID | kind | 24 bytes:
 *   MS_RK_XTR: I=1, the xTR-ID;  MS_RK_EID: I=0, one EID prefix (AFI, length, IID,
 *   address);  MS_RK_*_FLOOR: nothing - the highest nonce of the entries of that kind of
 *   (site, key ID) that the bound evicted, which stands in for them.
 * Bounded: at most MS_REPLAY_MAX XTR/EID entries; the least recently advanced is evicted
 * into its floor. Persisted (when there is a database) once per loop turn. */
enum ms_replay_kind {
	MS_RK_XTR = 1,
	MS_RK_EID = 2,
	MS_RK_XTR_FLOOR = 3,
	MS_RK_EID_FLOOR = 4,
};
#define MS_REPLAY_KEYLEN     (MS_NAME_MAX + 2 + 24)
#define MS_REPLAY_KEYLEN_OLD (MS_NAME_MAX + 2 + 17) /* rows written before the kinds */
#ifndef MS_REPLAY_MAX
#define MS_REPLAY_MAX 262144 /* about 40 MB at most */
#endif
struct ms_replay {
	struct ms_replay *next;		       /* hash chain */
	struct ms_replay *lru_prev, *lru_next; /* XTR/EID entries, least recently advanced first */
	struct ms_replay *dirty_next; /* on ms->replay_dirty: its row waits for this turn */
	uint64_t nonce;
	bool dirty;
	bool gone; /* evicted: its row is deleted at the flush, then it is freed */
	uint8_t key[MS_REPLAY_KEYLEN];
};

/* The seen-nonce cache of one `replay="random-nonce"` site: a ring of the nonces accepted,
 * oldest first, indexed by a chained hash (indexes + 1; 0 ends a chain). It grows by
 * doubling up to MS_SEEN_MAX; when full, the oldest is evicted. */
#ifndef MS_SEEN_MAX
#define MS_SEEN_MAX 65536
#endif
struct ms_seen_ent {
	uint64_t nonce;
	uint64_t until; /* monotonic ms: the lifetime of what it registered (UINT64_MAX: none) */
	uint32_t hnext;
};
struct ms_seen {
	struct ms_seen *next;
	const char *site; /* interned */
	struct ms_seen_ent *ring;
	uint32_t *bucket;      /* cap buckets */
	uint32_t cap, n, head; /* head: index of the oldest */
};

/* A packet that waits for the store commit of this turn. */
struct ms_deferred {
	struct ms_deferred *next;
	uint64_t rx_ns; /* an acknowledgement: when its Map-Register was received (else 0) */
	struct ipaddr dst;
	uint16_t dport;
	uint8_t type;
	size_t len;
	uint8_t data[];
};

/* An interned site name: registrations point at one copy (freed with the struct ms). */
struct ms_name {
	struct ms_name *next;
	size_t nregs; /* registrations whose ms_reg.site is this name (ms_reg_set_site) */
	char name[];
};
/* The interned name's record (name from ms_intern). */
#define MS_NAME_OF(s) ((struct ms_name *)(void *)((char *)(s)-offsetof(struct ms_name, name)))

/* An unsolicited Map-Notify waiting for its Map-Notify-Ack: in the retransmission queue
   (struct ms pend_head/pend_tail) and in the hash by nonce (pend_hash). */
enum ms_pending_kind { MS_PEND_ETR = 0, MS_PEND_SUB = 1 };
struct ms_pending {
	struct ms_pending *prev, *next; /* retransmission queue, oldest next_ms first */
	struct ms_pending *hnext;	/* nonce hash chain */
	uint64_t nonce;
	uint64_t next_ms;
	struct ipaddr dst;
	const char *site; /* ETR kind: interned name of the site whose key signs */
	enum ms_pending_kind kind;
	unsigned sent;
	uint16_t dport;
	uint8_t key_id;
	uint16_t len;
	uint8_t data[];
};

struct ms {
	const struct ms_cfg *cfg;
	struct ms_store *store;
	ms_send_fn send;
	void *send_arg;
	uint64_t now;
	struct lpm *regs;      /* EID prefix -> struct ms_reg * */
	struct expq expq;      /* deadlines of the registrations that can expire (refresh sites) */
	struct ms_name *names; /* interned site names (ms_reg.site) */
	/* ... and their index: open addressing by name hash, names_cap (a power of 2) slots at
	 * most half full, so a Map-Register finds its site's name in O(1) however many sites
	 * registered */
	struct ms_name **names_tab;
	size_t names_cap, nnames;
	struct ms_replay **replay; /* replay_nbuckets (a power of 2) chains */
	size_t replay_nbuckets, nreplay;
	struct ms_replay *lru_head, *lru_tail;
	size_t replay_max; /* bound on xTR-ID/EID entries; 0 = MS_REPLAY_MAX (tests lower it) */
	/* replay entries changed in this turn: written to the store once each at the end of
	 * the turn, not once per Map-Register */
	struct ms_replay *replay_dirty;
	struct ms_seen *seen;		  /* random-nonce sites' caches */
	struct ms_replay_old *replay_old; /* during ms_load only (replay.c) */
	size_t nreplay_old;
	struct ms_deferred *deferred, **deferred_tail;
	/* unsolicited Map-Notifies awaiting their Ack. Every entry is (re)queued at the tail
	   with next_ms = now + notify interval, so the queue is in next_ms order and the tick
	   only looks at what is due (a reload that shortens the interval delays the entries
	   queued before it by at most the old interval); the Ack finds its entry by nonce. */
	struct ms_pending *pend_head, *pend_tail;
	struct ms_pending **pend_hash; /* pend_nbuckets (a power of 2) chains */
	size_t pend_nbuckets, npending;
	struct ms_nq *nq; /* coalesced Map-Notifies to sites (notifyq.c), NULL until used */
	struct ms_sub *subs;
	size_t nsubs; /* in subs, at most cfg->max_subscribers */
	uint64_t nonce_seq;
	struct {
		ms_change_cb cb;
		void *arg;
	} hooks[MS_HOOKS_MAX];
	size_t nhooks;
	struct ms_push *bgp;	 /* the BGP push hooked to this Map-Server (push.c), or NULL */
	struct tb_table *rl_dst; /* <rate-limit per-destination>: ITR-RLOC -> token bucket */
	struct ms_stats st;
	uint64_t rx_ns;			    /* ms_set_rx_time: this turn's datagrams, 0: none */
	uint64_t in_ns;			    /* the datagram ms_input is handling */
	struct metrics_hist notify_latency; /* Map-Register -> its Map-Notify */
	/* parse scratch (large; the core is single-threaded) */
	struct lisp_map_register mreg;
	struct lisp_map_request mreq;
	struct lisp_map_notify mnot;
};

/* core.c */
void ms_drop(struct ms *ms, unsigned type, unsigned reason, const struct ipaddr *src,
	     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void ms_drop_malformed(struct ms *ms, unsigned type, const struct ipaddr *src,
		       const struct proto_err *e);
/* Send now (deferred=false) or after this turn's store commit. Counted as sent (by type)
 * only when the send callback took it; a refused send is a send-failed drop. Returns 0
 * (sent, or queued for the end of the turn) or -1 (not sent: the caller counts nothing). */
int ms_emit(struct ms *ms, const struct ipaddr *dst, uint16_t dport, const uint8_t *data,
	    size_t len, bool deferred);
/* The Map-Notify acknowledging the Map-Register ms_input is handling: after the commit, its
 * latency observed when it leaves (ms_notify_latency); returns as ms_emit. */
int ms_emit_ack(struct ms *ms, const struct ipaddr *dst, uint16_t dport, const uint8_t *data,
		size_t len);
/* new_rec: reg's record decoded (NULL with reg NULL). */
void ms_fire_change(struct ms *ms, const struct lisp_prefix *eid, const struct lisp_record *old_rec,
		    const struct ms_reg *reg, const struct lisp_record *new_rec, const char *site,
		    enum ms_change_why why);
uint64_t ms_new_nonce(struct ms *ms);
/* The mapping of r changed (or is new): next map version, change time = now (wall clock). */
void ms_reg_changed(struct ms_reg *r);

/* register.c */
void ms_handle_register(struct ms *ms, const uint8_t *data, size_t len, const struct ipaddr *src,
			uint16_t sport);
void ms_expire(struct ms *ms);
void ms_reg_remove(struct ms *ms, struct ms_reg *r, enum ms_change_why why);
/* Queue r to expire at `when` (monotonic ms), or never (0). */
void ms_reg_set_expiry(struct ms *ms, struct ms_reg *r, uint64_t when);
void ms_reg_free(struct ms *ms, struct ms_reg *r);
/* The one copy of a site name (NULL when out of memory). */
const char *ms_intern(struct ms *ms, const char *name);
/* r->site = site (interned or NULL), keeping the per-site registration counts. */
void ms_reg_set_site(struct ms_reg *r, const char *site);

/* replay.c */
/* The nonce check of an authenticated Map-Register m of `site` whose other checks passed:
 * true = accepted, and recorded (the caller goes on to store its records); false = a
 * replay, dropped and counted (MS_DROP_REPLAY or MS_DROP_REPLAY_SEEN). */
bool ms_replay_accept(struct ms *ms, const struct ms_site *site, const struct lisp_map_register *m,
		      const struct ipaddr *src);
void ms_replay_free_all(struct ms *ms);
/* Queue the changed replay entries into the store transaction (end of turn). */
void ms_replay_flush(struct ms *ms);
/* Load the replay entries and seen nonces from the store (ms_load). */
int ms_replay_load(struct ms *ms);
/* Seed the per-EID entry of a persistent registration loaded from a database written
 * before the replay kinds existed (its source-address row): see replay.c. */
void ms_replay_seed_old(struct ms *ms, const char *site, const struct ms_site *s,
			const struct lisp_prefix *eid, const struct ipaddr *etr);
/* After the registrations were loaded: forget the older rows. */
void ms_replay_load_end(struct ms *ms);

/* request.c */
/* May the Map-Server send answer `a` of a Map-Request from src towards ITR-RLOC itr? Takes
 * a token of itr's bucket; false: refused, counted and logged (rate-limited). */
bool ms_answer_allowed(struct ms *ms, enum ms_answer a, const struct ipaddr *itr,
		       const struct ipaddr *src);
void ms_handle_request(struct ms *ms, const uint8_t *data, size_t len, const struct ipaddr *src,
		       uint16_t sport);
void ms_handle_ecm(struct ms *ms, const uint8_t *data, size_t len, const struct ipaddr *src,
		   uint16_t sport);

/* notify.c */
/* Build a signed Map-Notify into out (cap bytes); returns its length or 0. */
size_t ms_build_notify(uint8_t *out, size_t cap, uint64_t nonce, const struct lisp_key *k,
		       const struct lisp_record *rec, unsigned nrec, bool has_xtr,
		       const uint8_t *xtr_id, uint64_t site_id);
/* Mapping of `eid` changed: Map-Notify the new mapping to every RLOC of the previous
 * registration that is not in the new set (port 4342) and to the previous registering ETR
 * when it is not new_etr and asked for Map-Notify; then to every subscriber covering the
 * EID. old NULL: no previous registration (old_rec: its record, decoded). new_rec NULL =
 * withdrawn (subscribers only). */
void ms_notify_change(struct ms *ms, const struct lisp_prefix *eid,
		      const struct lisp_record *new_rec, const struct ms_reg *old,
		      const struct lisp_record *old_rec, const struct ipaddr *new_etr,
		      const struct ms_reg *cur);
void ms_handle_notify_ack(struct ms *ms, const uint8_t *data, size_t len, const struct ipaddr *src,
			  uint16_t sport);
void ms_notify_tick(struct ms *ms);
/* A Map-Request with I=1 and N=1 in record `i` (RFC 9437 §5). */
void ms_subscribe(struct ms *ms, const struct lisp_map_request *mr, unsigned i,
		  const struct ipaddr *itr, uint16_t port, const struct ipaddr *src);
void ms_notify_free_all(struct ms *ms);

/* notifyq.c: coalesced Map-Notifies of mapping changes to the sites' xTRs */
#ifndef MS_NQ_WINDOW
#define MS_NQ_WINDOW 64 /* unacknowledged messages per destination */
#endif
#define MS_NQ_MTU	  1400 /* bytes per message (one fits a 1500-byte MTU over IPv6) */
#define MS_NQ_TURN_BUDGET 1024 /* new messages built per loop turn */
enum ms_nq_kind {
	MS_NQ_ARRIVAL = 0,   /* to an RLOC of the new set: sent while it still is in it */
	MS_NQ_DEPARTURE = 1, /* to one that left the set: sent while it is not back in it */
};
/* Is there room under <map-notify max-pending> for one more EID or notification? */
bool ms_notify_room(struct ms *ms);
/* Queue "the current mapping of eid" for dst:port, to be signed with the key `key_id` of
 * `site` (interned): an append, nothing is built or sent before ms_nq_flush. */
void ms_nq_add(struct ms *ms, const struct ipaddr *dst, uint16_t port, const char *site,
	       uint8_t key_id, const struct lisp_prefix *eid, enum ms_nq_kind kind);
/* End of turn, after the commit: send what the destinations' windows and the turn's
 * budget allow. */
void ms_nq_flush(struct ms *ms);
/* Retransmit the due messages, at most `budget`; returns the budget left. */
unsigned ms_nq_tick(struct ms *ms, unsigned budget);
/* A parsed Map-Notify-Ack (b: the message, for the signature): 1 matched one of ours and
 * was authenticated, -1 matched but failed authentication (counted), 0 not ours. */
int ms_nq_ack(struct ms *ms, const struct lisp_map_notify *mn, const struct buf *b,
	      const struct ipaddr *src);
size_t ms_nq_messages(const struct ms *ms);
size_t ms_nq_eids(const struct ms *ms);
size_t ms_nq_destinations(const struct ms *ms);
void ms_nq_free_all(struct ms *ms);

#endif
