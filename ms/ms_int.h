/*
 * ms/ms_int.h - internals shared by the Map-Server's files (not for other modules):
 * the struct ms itself, the deferred send queue, the replay table and the unsolicited
 * Map-Notify queue.
 */
#ifndef MS_MS_INT_H
#define MS_MS_INT_H

#include "ms/ms.h"

struct lisp_key;
struct tb_table;

/* Replay protection (RFC 9301 §5.6 "Nonce"): last accepted nonce per (site, key id,
 * xTR-ID) when the Map-Register carries I=1, else per (site, key id, source address). */
#define MS_REPLAY_KEYLEN (MS_NAME_MAX + 2 + 17)
struct ms_replay {
	struct ms_replay *next;
	struct ms_replay *dirty_next; /* on ms->replay_dirty: its row waits for this turn */
	uint8_t key[MS_REPLAY_KEYLEN];
	uint64_t nonce;
	bool persistent;
	bool dirty;
};
#define MS_REPLAY_BUCKETS 1024

/* A packet that waits for the store commit of this turn. */
struct ms_deferred {
	struct ms_deferred *next;
	struct ipaddr dst;
	uint16_t dport;
	uint8_t type;
	size_t len;
	uint8_t data[];
};

/* An interned site name: registrations point at one copy (freed with the struct ms). */
struct ms_name {
	struct ms_name *next;
	char name[];
};

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
	struct ms_replay *replay[MS_REPLAY_BUCKETS];
	/* persistent replay counters changed in this turn: written to the store once each
	 * at the end of the turn, not once per Map-Register */
	struct ms_replay *replay_dirty;
	struct ms_deferred *deferred, **deferred_tail;
	/* unsolicited Map-Notifies awaiting their Ack. Every entry is (re)queued at the tail
	   with next_ms = now + notify interval, so the queue is in next_ms order and the tick
	   only looks at what is due (a reload that shortens the interval delays the entries
	   queued before it by at most the old interval); the Ack finds its entry by nonce. */
	struct ms_pending *pend_head, *pend_tail;
	struct ms_pending **pend_hash; /* pend_nbuckets (a power of 2) chains */
	size_t pend_nbuckets, npending;
	struct ms_sub *subs;
	uint64_t nonce_seq;
	struct {
		ms_change_cb cb;
		void *arg;
	} hooks[MS_HOOKS_MAX];
	size_t nhooks;
	struct ms_push *bgp;	 /* the BGP push hooked to this Map-Server (push.c), or NULL */
	struct tb_table *rl_dst; /* <rate-limit per-destination>: ITR-RLOC -> token bucket */
	struct ms_stats st;
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
/* Send now (deferred=false) or after this turn's store commit. */
void ms_emit(struct ms *ms, const struct ipaddr *dst, uint16_t dport, const uint8_t *data,
	     size_t len, bool deferred);
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
void ms_replay_free_all(struct ms *ms);
/* Queue the changed persistent replay counters into the store transaction (end of turn). */
void ms_replay_flush(struct ms *ms);

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
		  const struct ipaddr *itr, uint16_t port);
void ms_notify_free_all(struct ms *ms);

#endif
