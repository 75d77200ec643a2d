/* SPDX-License-Identifier: ISC */
/*
 * ms/ms.h - lisp-msd, the RFC 9301 Map-Server: configuration model, the core object and
 * the hook API other modules (BGP push) use.
 *
 * The core is I/O free: ms_input() takes one datagram (bytes + source address/port) and
 * every packet the Map-Server wants to send leaves through the send callback given to
 * ms_new(); time is passed in (ms_input/ms_tick take "now" in milliseconds of a monotonic
 * clock), so tests drive it directly. ms/main.c wires it to common/udpio and libevent.
 *
 * Loop-turn contract (docs/architecture.md "Threading and event model"): the caller processes a
 * batch of datagrams, then calls ms_end_turn(), which commits the SQLite transaction of the turn
 * and only THEN sends the Map-Notify acknowledgements queued during the turn, so every
 * acknowledged registration of a `persistent` site survives kill -9.
 *
 * Files: config.c (XML -> struct ms_cfg), site.c (site and prefix checks), core.c (object,
 * dispatch, statistics, change hooks), register.c (Map-Register, RFC 9301 §5.6/§8.2),
 * request.c (Map-Request/ECM, RFC 9301 §5.2/§5.8/§8.3), notify.c (Map-Notify queue,
 * RFC 9301 §5.7, RFC 9437 pub/sub), cli.c (telnet CLI), main.c (daemon).
 */
#ifndef MS_MS_H
#define MS_MS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/conf.h"
#include "ms/expq.h"
#include "proto/addr.h"
#include "proto/err.h"
#include "proto/lisp_msg.h"

struct lisp_key;
struct lpm;
struct ms;
struct ms_store;
struct cfg_errs;
struct bgp_cfg;
struct bgp_host_mapping;

/* ------------------------------------------------------------------ configuration */
#define MS_NAME_MAX	  64
#define MS_SECRET_MAX	  256
#define MS_KEYS_MAX	  8
#define MS_REFRESH_SECS	  60 /* RFC 9301 §8.2: ETRs re-register every 60 s */
#define MS_REFRESH_MISSES 3  /* ... and expire after 3 missed refreshes */

struct ms_keycfg {
	uint8_t key_id;
	uint8_t alg;	      /* LISP_ALG_HMAC_SHA1_96 / LISP_ALG_HMAC_SHA256_128 */
	char *secret_file;    /* resolved path of @secret-file; NULL: the secret was inline */
	struct lisp_key *key; /* pre-built at config load */
};

struct ms_site;
struct ms_allowed {
	struct lisp_prefix prefix;
	struct ms_site *site; /* the site it belongs to */
	bool more_specifics;  /* accept registrations of more-specific prefixes too */
	long line;	      /* of its <eid-prefix> in the config file (errors) */
};

enum ms_lifetime { MS_LIFE_REFRESH = 0, MS_LIFE_PERSISTENT = 1 };

/* <site replay>: how a Map-Register's nonce is judged (ms/replay.c, docs/lisp-wire.md
 * "Replay protection"). */
enum ms_replay_policy {
	/* RFC 9301 §5.6: above the last nonce accepted for (key ID, xTR-ID) when I=1, for
	 * (key ID, EID prefix) of every record when I=0; kept across restarts */
	MS_REPLAY_STRICT = 0,
	/* RFC 6833 registrants that draw every nonce at random: any nonce not accepted
	 * before (a bounded seen-nonce cache per site). Weaker: see the docs. */
	MS_REPLAY_RANDOM_NONCE = 1,
};

/* Sized for configs of 100k sites and more (BENCHMARKS.md config-load): the keys, the
 * allowed prefixes and the description are allocated to their exact count. */
struct ms_site {
	char name[MS_NAME_MAX];
	char *description;	/* NULL: none */
	struct ms_keycfg *keys; /* nkeys (1..MS_KEYS_MAX) */
	size_t nkeys;
	struct ms_allowed *allowed;
	size_t nallowed;
	long line; /* of its <site> in the config file (errors) */
	enum ms_lifetime lifetime;
	bool proxy_reply; /* proxy Map-Reply even when the ETR did not set P */
	bool merge;	  /* merge RLOC sets of several ETRs (a bit forces it per message) */
	enum ms_replay_policy replay;
};

enum ms_nonlisp { MS_NONLISP_REPLY = 0, MS_NONLISP_DROP = 1 };

/* <rate-limit> defaults: answers to one ITR-RLOC (docs/architecture.md "Map-Requests at the
 * Map-Server"), twice what a lisp-xtrd sends by default (<map-request rate="100"
 * burst="200">), so a default xTR is never refused. */
#define MS_RL_DST_RATE	200
#define MS_RL_DST_BURST 400
#define MS_RL_DST_MAX	4096
#define MS_SUBS_MAX	65536
/* <database> without a path: the state directory of the installation (configure's
 * $(localstatedir)/lib/lisp, /var/lib/lisp for the package) */
#define MS_DEFAULT_DB	      LISP_STATEDIR "/lisp-msd.db"
#define MS_NOTIFY_MAX_PENDING 262144 /* <map-notify max-pending> default (about 8 MB) */
#define MS_NOTIFY_TICK_BUDGET 256    /* <map-notify retransmits-per-tick> default */

struct ms_cfg {
	struct ipaddr listen; /* AFI 0 = any (dual stack) */
	uint16_t port;
	struct cfg_cli cli; /* <cli>, default 127.0.0.1:2621 */
	char db_path[512];  /* "" (no <database>) = no persistence (persistent sites then live in
			     * memory); <database> without path: MS_DEFAULT_DB */
	bool db_sync_full;
	struct cfg_log log; /* <log level facility> */
	enum ms_nonlisp nonlisp;
	/* <rate-limit>: what a Map-Request makes the Map-Server send towards its ITR-RLOC (a
	 * Map-Reply, a negative Map-Reply, the request forwarded to the ETR, which answers it,
	 * a subscription's Map-Notify), per ITR-RLOC address: per_destination/s (0: no limit)
	 * with that burst, max_destinations tracked (least recently used evicted) */
	uint32_t rl_dst_rate, rl_dst_burst, rl_max_dsts;
	uint32_t subscription_secs; /* pub/sub lifetime without renewal */
	/* subscriptions held at most (a subscribe request is not authenticated, RFC 9437 §5:
	 * its memory is bounded); not in the XML, MS_SUBS_MAX */
	uint32_t max_subscribers;
	uint32_t notify_interval_ms; /* unsolicited Map-Notify retransmission interval */
	uint32_t notify_retries;
	/* <map-notify old-site>: on a move, Map-Notify the old RLOCs and the previous ETR
	 * (RFC 9301 §5.7 mobility, default true); false: only registrations are acknowledged,
	 * as RFC 6830-era Map-Servers did (the old site learns nothing) */
	bool notify_old_site;
	/* EIDs and notifications held for unsolicited Map-Notifies at most (ms/notifyq.c) */
	uint32_t notify_max_pending;
	uint32_t notify_tick_budget; /* retransmissions per 200-ms tick at most */
	struct cfg_priv priv;	     /* <privileges> (common/priv.h) */
	struct cfg_metrics metrics;  /* <metrics> (common/metrics.h) */
	bool have_subscriber_key;
	struct ms_keycfg subscriber_key; /* RFC 9437 per-xTR shared key (one for all xTRs) */
	struct ms_site *sites;
	size_t nsites;
	/* site name -> index + 1 (0: free slot), open addressing, site_index_mask + 1 slots
	 * (a power of two, at least twice nsites); NULL: ms_site_by_name scans the array */
	uint32_t *site_index;
	size_t site_index_mask;
	struct lpm *site_table; /* allowed prefix -> struct ms_allowed * (lookups) */
	struct bgp_cfg *bgp;	/* <bgp>: the embedded speaker (bgp/bgp.h); NULL = none */
};

/* common/daemon parse/print/free (config.c). `path` NULL never happens. */
void *ms_cfg_parse(const char *path, struct cfg_errs *errs);
void ms_cfg_print(const void *cfg, FILE *out);
void ms_cfg_free(void *cfg);

/* site.c */
const char *ms_lifetime_name(enum ms_lifetime l);
/* FNV-1a of a site name: the config's site index and the interned names (ms_intern) both
 * hash names with it (the names are the operator's, so an unseeded hash is enough). */
size_t ms_name_hash(const char *name);
const char *ms_replay_policy_name(enum ms_replay_policy p);
/* The site owning an EID prefix: the longest allowed prefix containing p (more-specifics
 * allowed) or equal to it. NULL if none. *allowed_out optional. */
struct ms_site *ms_site_for_prefix(const struct ms_cfg *cfg, const struct lisp_prefix *p,
				   const struct ms_allowed **allowed_out);
/* Is p allowed for this site (equal to an allowed prefix, or more specific where
 * more-specifics are allowed)? */
bool ms_site_allows(const struct ms_site *s, const struct lisp_prefix *p);
/* Does any allowed prefix of any site contain the address? *site optional. */
bool ms_site_covers_addr(const struct ms_cfg *cfg, uint32_t iid, const struct ipaddr *a,
			 struct lisp_prefix *allowed, struct ms_site **site);
const struct ms_keycfg *ms_site_key(const struct ms_site *s, uint8_t key_id);
/* The site of that name: a hash lookup (linear in nothing but the name). */
struct ms_site *ms_site_by_name(const struct ms_cfg *cfg, const char *name);
/* Index the site names (cfg->site_index) in one pass. Every site whose name an earlier
 * site already has is passed to dup (may be NULL) and left out of the index. The number of
 * such sites, or -1 when out of memory. */
long ms_site_index_build(struct ms_cfg *cfg,
			 void (*dup)(const struct ms_site *s, const struct ms_site *first,
				     void *arg),
			 void *arg);
int ms_site_table_build(struct ms_cfg *cfg, const struct ms_allowed **dup);

/* ------------------------------------------------------------------ registrations */
/* One registered EID prefix, kept compact (BENCHMARKS.md memory row: about 110-150 bytes
 * for a one-RLOC host registration): the record's header fields, and its locators in their
 * wire encoding (proto/record.c lisp_locator_build) in an array sized by their count;
 * ms_reg_record() decodes the whole record. The xTR-ID and, for merged RLOC sets, the ETR
 * that contributed each locator live in an extension allocated only when there is one
 * (without owners, every locator belongs to `etr`). */
struct ms_reg_ext {
	uint8_t xtr_id[16];
	uint64_t site_id;
	uint8_t nowner;	       /* 0, or nloc: owner[i] contributed locator i (merge) */
	struct ipaddr owner[]; /* nowner entries */
};
struct ms_reg {
	struct lisp_prefix eid;
	const char *site;	/* interned name (valid as long as the struct ms) */
	struct ms_reg_ext *ext; /* NULL: no xTR-ID, no per-locator owners */
	uint64_t registered_unix;
	/* The Map-Server's map version of this EID (12 bits, RFC 9301 §5.4 range 1..4095;
	 * after 4095 comes 1, as 0 means "unversioned"): it increases on every change of the
	 * mapping and travels in BGP (Large Community fn 4) so a receiver can ignore a
	 * reordered stale update. Persisted with the row for persistent sites. It restarts
	 * at 1 when an EID is registered again after it was removed (the receivers dropped
	 * it at the withdraw). */
	uint64_t changed_unix_ms; /* wall clock (ms) of the last change of the mapping */
	uint32_t refreshes;
	struct expq_node expiry; /* queued in the expiry heap iff it can expire */
	uint32_t ttl;		 /* the record's TTL (minutes) */
	struct ipaddr etr;	 /* last registering ETR (Map-Notify / forwarding target) */
	uint16_t etr_port;
	uint16_t version;
	uint16_t map_version; /* the ETR's (record) map version */
	uint8_t action;	      /* the record's ACT */
	uint8_t key_id;	      /* key that authenticated it (for Map-Notify to it later) */
	uint8_t nloc;
	bool authoritative : 1; /* the record's A bit */
	bool proxy : 1;
	bool merge : 1;
	bool want_notify : 1; /* the ETR asked for Map-Notify (M) */
	bool persistent : 1;
	bool has_xtr : 1;
	uint16_t loclen; /* bytes in loc[] */
	uint8_t loc[];	 /* nloc locators, wire encoding */
};
/* The registration's mapping record, decoded into *out (EID, TTL, action, A, ETR map
 * version, locators); returns out. */
const struct lisp_record *ms_reg_record(const struct ms_reg *r, struct lisp_record *out);
/* The ETR that contributed locator i. */
const struct ipaddr *ms_reg_owner(const struct ms_reg *r, unsigned i);
/* Monotonic ms at which a `refresh` registration expires; 0 = never. */
uint64_t ms_reg_expires(const struct ms *ms, const struct ms_reg *r);
/* The map version after v (1..4095, wrapping to 1). */
uint16_t ms_version_next(uint16_t v);

/* ------------------------------------------------------------------ hooks */
enum ms_change_why {
	MS_CHG_REGISTER = 0, /* new registration or changed RLOC set */
	MS_CHG_DEREGISTER,   /* TTL-0 record */
	MS_CHG_EXPIRE,	     /* refresh site missed its refreshes */
	MS_CHG_LOAD,	     /* reloaded from the database at start */
};
struct ms_change {
	const struct lisp_prefix *eid;
	const struct lisp_record *old_rec; /* NULL: there was no mapping */
	const struct lisp_record *new_rec; /* NULL: the mapping is gone */
	const struct ms_reg *reg;	   /* the registration after the change (NULL if gone) */
	const char *site;
	enum ms_change_why why;
};
/* Called in the same loop turn as the change, before any Map-Notify of that turn leaves.
 * The pointers are valid during the call only. */
typedef void (*ms_change_cb)(const struct ms_change *c, void *arg);
#define MS_HOOKS_MAX 8

/* ------------------------------------------------------------------ statistics */
enum ms_drop {
	MS_DROP_MALFORMED = 0, /* detailed by proto_err code in malformed[] */
	MS_DROP_BAD_AUTH,
	MS_DROP_BAD_KEY_ID,
	MS_DROP_UNKNOWN_SITE,
	MS_DROP_EID_NOT_ALLOWED,
	MS_DROP_REPLAY,	     /* strict: nonce not above the last accepted one */
	MS_DROP_REPLAY_SEEN, /* random-nonce: a nonce accepted before */
	MS_DROP_NO_RECORDS,
	MS_DROP_UNEXPECTED_TYPE,
	MS_DROP_NO_ITR_RLOC,
	MS_DROP_NON_LISP,
	MS_DROP_UNKNOWN_NONCE,
	MS_DROP_STORE_FAILED,
	MS_DROP_NO_SUBSCRIBER_KEY,
	MS_DROP_RETRIES_EXHAUSTED,
	MS_DROP_SEND_FAILED,
	MS_DROP_REPLY_RATE, /* an answer to an ITR-RLOC over its <rate-limit per-destination> */
	MS_DROP_SUBSCRIBER_LIMIT, /* a new subscription past max_subscribers */
	MS_DROP_NOTIFY_LIMIT,	  /* an EID or notification past <map-notify max-pending> */
	MS_DROP__COUNT
};
const char *ms_drop_name(unsigned d);

/* What a Map-Request makes the Map-Server send towards its ITR-RLOC (the per-destination
 * limit counts what it refused by kind). */
enum ms_answer {
	MS_ANSWER_PROXY = 0, /* proxy Map-Reply */
	MS_ANSWER_NEGATIVE,  /* negative Map-Reply */
	MS_ANSWER_FORWARD,   /* the request in an ECM to the registering ETR (it answers) */
	MS_ANSWER_SUBSCRIBE, /* RFC 9437 subscription: a Map-Notify now and on changes */
	MS_ANSWER__COUNT
};
const char *ms_answer_name(unsigned a); /* camelCase, for statistics */

struct ms_type_stats {
	uint64_t rx, tx, dropped;
};
struct ms_stats {
	struct ms_type_stats type[16]; /* by LISP message type */
	uint64_t drop[MS_DROP__COUNT];
	uint64_t malformed[PERR__COUNT];
	uint64_t registrations, deregistrations, expirations, refreshes, moves;
	uint64_t arrival_notifies; /* Map-Notify to new RLOCs of a third-party registration */
	uint64_t proxy_replies, forwarded, negative_replies;
	uint64_t notify_acks, notify_retransmits, subscriptions, unsubscriptions;
	/* coalesced Map-Notifies to sites (ms/notifyq.c): EIDs queued, messages first sent
	 * and the records in them, EIDs acknowledged, left out because the mapping changed
	 * since, dropped with the queue of a destination that answered nothing */
	uint64_t notify_queued_eids, notify_messages, notify_records, notify_eids_acked;
	uint64_t notify_eids_superseded, notify_eids_abandoned;
	uint64_t store_commits, store_rows;
	/* replay protection (replay.c): nonce entries held (gauge, bounded by MS_REPLAY_MAX),
	 * entries evicted into their floor; seen nonces held by random-nonce sites (gauge) and
	 * those evicted before the lifetime of what they registered was over */
	uint64_t replay_entries, replay_evictions;
	uint64_t seen_nonces, seen_early_evictions;
	uint64_t answers_refused[MS_ANSWER__COUNT]; /* by the per-destination limit */
};

/* ------------------------------------------------------------------ BGP push (push.c) */
/* What the push calls on the speaker: bgp/bgp.h's bgp_announce/bgp_withdraw in the
 * daemon (ms_push_speaker_ops), a recorder in the unit tests. */
struct ms_push_ops {
	int (*announce)(void *speaker, const struct bgp_host_mapping *m);
	int (*withdraw)(void *speaker, const struct lisp_prefix *eid);
};
extern const struct ms_push_ops ms_push_speaker_ops;

struct ms_push_stats {
	uint64_t announced;  /* bgp_announce calls (new mapping, move, RLOC set change, load) */
	uint64_t withdrawn;  /* bgp_withdraw calls (deregister, expiry, no usable RLOC left) */
	uint64_t suppressed; /* changes that left the BGP mapping as it was: nothing sent */
	uint64_t refused;    /* mappings the speaker refused (bgp_mapping_check) */
	uint64_t resyncs;    /* full re-announcements (new speaker after a reload) */
};
struct ms_push;
struct ms;
struct event_base;

/* The BGP form of a registration: EID with IID, TTL (minutes, capped), `version`, and the
 * locators usable for unicast (priority < 255, an IPv4/IPv6 address), best first (lowest
 * priority, then highest weight), at most BGP_MAP_LOC_MAX. Returns the number of locators
 * (0: nothing to announce). */
unsigned ms_push_mapping(const struct lisp_record *rec, uint16_t version,
			 struct bgp_host_mapping *out);
/* Create the push and hook it to the Map-Server (ms_on_change); speaker may be NULL (no
 * <bgp>: nothing is pushed). Lives until ms_push_free, which must come before ms_free. */
struct ms_push *ms_push_new(struct ms *ms, const struct ms_push_ops *ops, void *speaker);
void ms_push_free(struct ms_push *p);
/* Replace the speaker (reload): every current registration is announced to the new one. */
void ms_push_set_speaker(struct ms_push *p, void *speaker);
void *ms_push_speaker(const struct ms_push *p);
const struct ms_push_stats *ms_push_get_stats(const struct ms_push *p);
/* The push attached to a Map-Server (CLI), or NULL. */
struct ms_push *ms_get_push(const struct ms *ms);
/* The speaker's life (lisp-msd's <bgp>), with ms_push_speaker_ops: the speaker gets a
 * copy of the <bgp> and lives across reloads.
 * Start the speaker of c (NULL: none until a reload adds <bgp>) on base, every
 * registration in its table, then bgp_start. `restarting` (registrations were loaded from
 * the database): the R bit and the F bit (RFC 4724; the registration table is the
 * Map-Server's forwarding state and survived). 0, or -1 (logged). */
int ms_push_bgp_start(struct ms_push *p, struct event_base *base, const struct bgp_cfg *c,
		      bool restarting);
/* The BGP part of a reload, before anything else of it is applied (bgp_reload_check, the
 * same rule as lisp-xtrd, logged): 0 = the new <bgp> `next` is in force (in place with
 * bgp_reconfigure: unchanged sessions stay; or a speaker started or stopped), -1 = refused,
 * nothing changed (the daemon refuses its whole reload). */
int ms_push_bgp_reload(struct ms_push *p, const struct bgp_cfg *next);
/* Graceful stop of the speaker (bgp_free). */
void ms_push_bgp_stop(struct ms_push *p);
/* The speaker in force, or NULL (what the CLI rows act on). */
struct bgp *ms_push_bgp(const struct ms_push *p);

/* ------------------------------------------------------------------ the core */
/* Send one datagram: 0 when it was handed to the socket, -1 when it could not be (then it
 * is counted as a send failure, never as sent). */
typedef int (*ms_send_fn)(void *arg, const struct ipaddr *dst, uint16_t dport, const uint8_t *data,
			  size_t len);

struct ms;

/* cfg is used by reference (ms_set_config swaps it); store may be NULL. */
struct ms *ms_new(const struct ms_cfg *cfg, struct ms_store *store, ms_send_fn send, void *arg);
void ms_free(struct ms *ms);
/* Reload: registrations of removed sites are withdrawn (MS_CHG_DEREGISTER). */
void ms_set_config(struct ms *ms, const struct ms_cfg *cfg, uint64_t now_ms);
const struct ms_cfg *ms_config(const struct ms *ms);
/* Load persistent registrations and replay counters from the store; returns rows loaded. */
int ms_load(struct ms *ms, uint64_t now_ms);

/* One received datagram. */
void ms_input(struct ms *ms, const uint8_t *data, size_t len, const struct ipaddr *src,
	      uint16_t sport, uint64_t now_ms);
/* When the datagrams of the next ms_input calls were received (now_ns() of the recvmmsg
 * batch), until ms_end_turn; without it ms_input reads the clock itself. */
void ms_set_rx_time(struct ms *ms, uint64_t rx_ns);
/* End of a loop turn: commit the store, then send what waited for the commit. */
void ms_end_turn(struct ms *ms);
/* Timers: expiry, Map-Notify retransmissions, subscription timeouts. Also ends a turn. */
void ms_tick(struct ms *ms, uint64_t now_ms);

/* Hooks (BGP push): up to MS_HOOKS_MAX callbacks; 0 or -1. */
int ms_on_change(struct ms *ms, ms_change_cb cb, void *arg);
/* Walk registrations in prefix order (EID given: only those covering/covered by it). */
int ms_walk(struct ms *ms, int (*cb)(const struct ms_reg *r, void *arg), void *arg);
/* The resumable walk of the CLI's dumps (common/lpm.h lpm_next: order, and what a dump
 * shows when registrations change between batches). */
struct lpm_cursor;
long ms_walk_next(const struct ms *ms, struct lpm_cursor *c, size_t max,
		  int (*cb)(const struct ms_reg *r, void *arg), void *arg);
const struct ms_reg *ms_lookup(const struct ms *ms, const struct lisp_prefix *p);
size_t ms_count(const struct ms *ms);
/* Registrations of the site called `name` now (kept as they change: no walk). */
size_t ms_site_count(const struct ms *ms, const char *name);
const struct ms_stats *ms_get_stats(const struct ms *ms);
/* Seconds from receiving a Map-Register (M=1) to sending its Map-Notify acknowledgement,
 * after the store commit of the turn (common/metrics.h histogram, MS_NOTIFY_LATENCY_LE). */
struct metrics_hist;
const struct metrics_hist *ms_notify_latency(const struct ms *ms);
/* The whole /metrics scrape of lisp-msd (ms/metrics.c); cli may be NULL. */
struct mw;
struct cli;
void ms_metrics_write(struct mw *w, struct ms *ms, const struct cli *cli);
/* The per-destination limit's table: destinations tracked now, evictions so far. */
void ms_reply_limit_stats(const struct ms *ms, size_t *tracked, uint64_t *evictions);

/* Subscribers (RFC 9437) for the CLI. */
struct ms_sub {
	struct ms_sub *next;
	struct lisp_prefix eid;
	uint8_t xtr_id[16];
	uint64_t site_id;
	struct ipaddr itr;
	uint16_t port;
	uint64_t nonce; /* last nonce used towards it (rising) */
	uint64_t created_ms, expires_ms;
	uint64_t notifies;
};
const struct ms_sub *ms_subscribers(const struct ms *ms);
/* Unsolicited Map-Notifies awaiting their Ack (a coalesced one counts once). */
size_t ms_pending_notifies(const struct ms *ms);
/* EIDs held for coalesced Map-Notifies (queued or in a message awaiting its Ack), and the
 * destinations they go to. */
size_t ms_pending_notify_eids(const struct ms *ms);
size_t ms_notify_destinations(const struct ms *ms);

/* cli.c: the command table (cli_new's ctx must be the struct ms). */
struct cli;
struct cli_cmd;
const struct cli_cmd *ms_cli_table(size_t *n);
int ms_cli_register(struct cli *cli, struct ms *ms); /* ms: the rows' context */

#endif
