/* SPDX-License-Identifier: ISC */
/*
 * mr/mr.h - lisp-mrd, the Map-Resolver of RFC 9301 §8.1/§8.3: its configuration and its
 * core, a pure function of (packet in, time) -> packets out through a sink, so unit tests
 * drive it without sockets (mr/core.c), the config parser (mr/config.c) and the CLI
 * (mr/cli.c). mr/main.c wires them onto common/daemon and common/udpio.
 *
 * Forwarding (RFC 9301 §8.3): an ECM'd Map-Request whose EID falls inside a configured EID
 * prefix (longest match, per instance ID) is forwarded byte for byte (the same ECM header,
 * inner IP/UDP headers and Map-Request: nonce, ITR-RLOCs and inner source port unchanged) to
 * one Map-Server of that prefix, which answers the ITR directly (proxy reply) or passes the
 * request on to an ETR. An EID outside every prefix gets a negative Map-Reply, action
 * Natively-Forward, TTL 15 minutes, for the least specific prefix around the EID that
 * overlaps no configured prefix (common/lpm lpm_negative_prefix), sent to the ITR-RLOC at
 * the inner UDP source port.
 *
 * Failover (the MR never sees the Map-Reply, it goes to the ITR): every forwarded request is
 * remembered for `retransmit-window` seconds, keyed by (ITR source address and port,
 * instance ID, EID). An ITR that got its answer caches it and does not ask again for the same EID
 * within seconds, but one that got none retransmits (RFC 9301 §5.3: with the same nonce, or a new
 * one as some ITRs and lisp-query do; both are recognised). So a request that comes back
 * inside the window is evidence that the server the previous copy went to did not answer:
 * that server gets a failure and the retransmission goes to the next server of the prefix
 * (in configured order, wrapping). A forward that is not asked again within the window
 * counts as answered (evidence older than a server's last failure is ignored). Per server
 * (shared by every prefix that lists it):
 *   up      --`down-after` consecutive failures-->  down
 *   down    --`retry-after` seconds elapsed-------> probing (eligible again, in order)
 *   probing --one failure--> down      probing --one answered forward--> up
 * A request goes to the first server, in order, that is up or probing (a down server whose
 * retry time has come becomes probing when it is chosen); if all are down, to the first one
 * (counted as allDown). Known limit: when the Map-Server forwards to an ETR that does not
 * answer, the ITR retransmits too and the Map-Server is blamed; with proxy replies (the
 * controller-driven mappings of this project) the evidence is exact.
 *
 * Plain (non-ECM) Map-Requests are dropped and counted (plainMapRequest): RFC 9301 §5.8/§8.1
 * has ITRs send Map-Requests to a Map-Resolver in ECMs only; a plain one on 4342 is an
 * RLOC probe or a misdirected message, and answering it would make the MR a reflector.
 * The ITR-RLOC inside an ECM is no more authenticated than in a plain request, so negative
 * Map-Replies are also limited per destination address (<rate-limit per-destination>, a
 * bounded table of token buckets keyed by the ITR-RLOC): a flood naming one victim from
 * any number of sources gets it at most the bucket's worth (rateLimitDestination); the
 * forwarded requests are limited the same way by the Map-Server that answers them.
 */
#ifndef MR_MR_H
#define MR_MR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/conf.h"
#include "proto/addr.h"
#include "proto/err.h"

struct cfg_errs;

#define MR_VERSION	    "0.1.0"
#define MR_MAX_LISTEN	    8
#define MR_MAX_SERVERS	    8	 /* Map-Servers per EID prefix */
#define MR_MAX_PREFIXES	    4096 /* EID prefixes in the table */
#define MR_PENDING	    4096 /* remembered forwards (power of two) */
#define MR_DEFAULT_CLI_PORT 2622

/* ---- configuration (mr/config.c) ---- */
struct mr_endpoint {
	struct ipaddr addr; /* AFI 0 = any (listen only) */
	uint16_t port;
};

struct mr_prefix_cfg {
	struct lisp_prefix eid;
	unsigned nservers;
	struct mr_endpoint srv[MR_MAX_SERVERS];
};

struct mr_cfg {
	unsigned nlisten;
	struct mr_endpoint listen[MR_MAX_LISTEN]; /* default: any, 4342 */
	struct cfg_cli cli;			  /* <cli>, default 127.0.0.1:2622 */
	struct cfg_priv priv;			  /* <privileges> (common/priv.h) */
	struct cfg_metrics metrics;		  /* <metrics> (common/metrics.h) */
	struct cfg_log log;			  /* <log level facility> */
	/* rate limits (requests per second, all packets that reach the MR) */
	uint32_t rl_src_rate, rl_src_burst, rl_max_sources;
	uint32_t rl_global_rate, rl_global_burst;
	/* negative Map-Replies per ITR-RLOC address (0 = no limit), burst, addresses tracked */
	uint32_t rl_dst_rate, rl_dst_burst, rl_max_dsts;
	/* failover */
	uint32_t down_after;	    /* consecutive failures, default 2 */
	uint32_t retry_after;	    /* seconds, default 30 */
	uint32_t retransmit_window; /* seconds, default 5 */
	unsigned nprefix;
	struct mr_prefix_cfg *prefix; /* nprefix entries, allocated */
};

void mr_cfg_defaults(struct mr_cfg *c);
/* Parse and check a whole file (schema lisp-mrd.rng); NULL with "FILE:LINE: ..." errors. */
struct mr_cfg *mr_cfg_load(const char *path, struct cfg_errs *errs);
void mr_cfg_free(struct mr_cfg *c);
/* The normalized form printed by `lisp-mrd -nv`. */
void mr_cfg_print(const struct mr_cfg *c, FILE *out);

/* ---- core (mr/core.c) ---- */
struct mr_in {
	struct ipaddr src; /* outer source (the ITR, or whoever sent it) */
	uint16_t sport;
	struct ipaddr dst; /* local address it arrived on (AFI 0 if unknown) */
	uint16_t dport;
	const uint8_t *data;
	size_t len;
};

/* What the core sends; src is the local address to send from (AFI 0: any). */
typedef int (*mr_send_fn)(void *arg, const struct ipaddr *dst, uint16_t dport,
			  const struct ipaddr *src, const void *data, size_t len);

enum mr_srv_state { MR_SRV_UP = 0, MR_SRV_DOWN, MR_SRV_PROBING };
const char *mr_srv_state_name(enum mr_srv_state s);

/* Why a packet was dropped (besides the proto_err codes of the ECM and Map-Request). */
enum mr_drop {
	MR_DROP_EMPTY = 0,	   /* zero-length datagram */
	MR_DROP_UNKNOWN_TYPE,	   /* type field not a LISP message type */
	MR_DROP_UNEXPECTED_TYPE,   /* a LISP message an MR does not take (Map-Reply, ...) */
	MR_DROP_PLAIN_REQUEST,	   /* Map-Request outside an ECM */
	MR_DROP_INNER_NOT_REQUEST, /* ECM carrying something else than a Map-Request */
	MR_DROP_ECM_INVALID,	   /* ECM did not parse (see ecm errors) */
	MR_DROP_REQUEST_INVALID,   /* inner Map-Request did not parse (see request errors) */
	MR_DROP_NO_ITR_RLOC,	   /* negative reply: no ITR-RLOC we can send to */
	MR_DROP_RATE_SOURCE,	   /* per-source rate limit */
	MR_DROP_RATE_GLOBAL,	   /* global rate limit */
	MR_DROP_RATE_DESTINATION,  /* negative reply over the per-destination (ITR-RLOC) limit */
	MR_DROP_SEND_ERROR,	   /* the socket refused the datagram */
	MR_DROP__COUNT
};
const char *mr_drop_name(enum mr_drop d); /* camelCase, for statistics */

struct mr_stats {
	uint64_t rx;
	uint64_t ecm_requests; /* valid ECM'd Map-Requests */
	uint64_t forwarded;    /* to a Map-Server */
	uint64_t negative;     /* negative Map-Replies sent */
	uint64_t retransmits;  /* same (ITR, nonce) again within the window */
	uint64_t failovers;    /* forwards to another server than the first choice */
	uint64_t all_down;     /* forwards while every server of the prefix was down */
	uint64_t pending_evicted;
	uint64_t drops[MR_DROP__COUNT];
	uint64_t ecm_err[PERR__COUNT];
	uint64_t req_err[PERR__COUNT];
};

struct mr_server {
	struct mr_endpoint ep;
	enum mr_srv_state state;
	uint32_t fails;	     /* consecutive failures */
	uint64_t down_since; /* ns */
	uint64_t forwards, failures, answered, state_changes;
};

struct mr_entry {
	struct lisp_prefix eid;
	unsigned nservers;
	unsigned srv[MR_MAX_SERVERS]; /* indices into mr->servers */
	uint64_t forwards;
	uint64_t lookups;
};

struct mr;

/* now: ns (now_ns()). The config is copied (the caller keeps ownership). NULL on ENOMEM or
 * an invalid table (logged). */
struct mr *mr_new(const struct mr_cfg *cfg, mr_send_fn send, void *send_arg, uint64_t now);
void mr_free(struct mr *mr);
/* Swap in a new table and limits; server health and counters are kept for servers that
 * stay (same address and port), statistics are kept. 0 or -1 (nothing changed). */
int mr_reconfigure(struct mr *mr, const struct mr_cfg *cfg, uint64_t now);
/* One received datagram. */
void mr_input(struct mr *mr, const struct mr_in *in, uint64_t now);
/* Expire remembered forwards (answered) and advance server states; call about once a second. */
void mr_tick(struct mr *mr, uint64_t now);

const struct mr_stats *mr_get_stats(const struct mr *mr);
/* The per-destination limit's table: ITR-RLOCs tracked now, evictions so far. */
void mr_reply_limit_stats(const struct mr *mr, size_t *tracked, uint64_t *evictions);
size_t mr_nservers(const struct mr *mr);
const struct mr_server *mr_server_at(const struct mr *mr, size_t i);
size_t mr_nentries(const struct mr *mr);
const struct mr_entry *mr_entry_at(const struct mr *mr, size_t i); /* in prefix order */
/* The entry an EID maps to (longest match), or NULL. */
const struct mr_entry *mr_lookup(const struct mr *mr, uint32_t iid, const struct ipaddr *a);
/* Negative prefix for an EID outside every entry: 0, or -1 if an entry covers it. */
int mr_negative_prefix(const struct mr *mr, uint32_t iid, const struct ipaddr *a,
		       struct lisp_prefix *out);
size_t mr_pending_count(const struct mr *mr);

/* ---- CLI (mr/cli.c) ---- */
struct cli;
struct event_base;
/* A CLI with the lisp-mrd command table (not yet listening) over core `mr`. */
struct cli *mr_cli_new(struct event_base *base, struct mr *mr);
/* The whole /metrics scrape of lisp-mrd (mr/metrics.c); cli may be NULL. */
struct mw;
void mr_metrics_write(struct mw *w, struct mr *mr, const struct cli *cli);

#endif
