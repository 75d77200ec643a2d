/* SPDX-License-Identifier: ISC */
/*
 * bgp/bgp_int.h - internals of the BGP speaker shared by bgp/fsm.c (RFC 4271 §8 FSM
 * table, timers), bgp/session.c (sockets, messages, collision detection §6.8, TCP-MD5),
 * bgp/rib.c (Adj-RIB-In/Out, RFC 7911 path IDs), bgp/out.c (UPDATE packing, RFC 4724
 * End-of-RIB), bgp/cli.c and bgp/config.c. Not for the embedding daemons: they use bgp.h.
 */
#ifndef BGP_BGP_INT_H
#define BGP_BGP_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "bgp/bgp.h"

struct event;
struct bufferevent;

/* ---- RFC 4271 §8.2.2 states ---- */
enum bgp_state {
	BGP_ST_IDLE,
	BGP_ST_CONNECT,
	BGP_ST_ACTIVE,
	BGP_ST_OPENSENT,
	BGP_ST_OPENCONFIRM,
	BGP_ST_ESTABLISHED,
	BGP_ST_MAX
};

/* ---- RFC 4271 §8.1 events (the numbers in the comments) ---- */
enum bgp_fsm_event {
	BGP_FEV_START,		/* 1/3: ManualStart, AutomaticStart */
	BGP_FEV_START_PASSIVE,	/* 4/5: ..._with_PassiveTcpEstablishment */
	BGP_FEV_STOP,		/* 2/8: ManualStop, AutomaticStop; arg: uint8_t[2], the Cease
				 * subcode, and for BGP_ERR_CEASE_HARD_RESET the one it wraps */
	BGP_FEV_CONNRETRY_EXP,	/* 9 */
	BGP_FEV_HOLD_EXP,	/* 10 */
	BGP_FEV_KEEPALIVE_EXP,	/* 11 */
	BGP_FEV_TCP_OK,		/* 16/17: Tcp_CR_Acked, TcpConnectionConfirmed */
	BGP_FEV_TCP_FAIL,	/* 18: TcpConnectionFails */
	BGP_FEV_OPEN,		/* 19: BGPOpen */
	BGP_FEV_HDR_ERR,	/* 21: BGPHeaderErr */
	BGP_FEV_OPEN_ERR,	/* 22: BGPOpenMsgErr */
	BGP_FEV_COLLISION,	/* 23: OpenCollisionDump */
	BGP_FEV_NOTIFICATION,	/* 24/25: NotifMsgVerErr, NotifMsg */
	BGP_FEV_KEEPALIVE,	/* 26: KeepAliveMsg */
	BGP_FEV_UPDATE,		/* 27: UpdateMsg */
	BGP_FEV_UPDATE_ERR,	/* 28: UpdateMsgErr */
	BGP_FEV_REFRESH,	/* RFC 2918 ROUTE-REFRESH */
	BGP_FEV_COLLISION_LOST, /* NotifMsg Cease/Connection Collision Resolution (6/7) before
				 * Established: the peer keeps its own connection (§6.8) */
	BGP_FEV_MAX
};

const char *bgp_state_name(int st);
const char *bgp_fsm_event_name(int ev);

/* ---- RIB: one entry per prefix, each with its paths keyed by path ID ---- */
#define BGP_RIB_LC_MAX 8 /* Large Communities kept per path (for the CLI) */

struct bgp_rib_path {
	uint32_t path_id;
	bool stale;
	bool map_ok; /* `map` decoded */
	bool has_lp;
	bool vpn;	/* received as a VPN route (SAFI 128): */
	uint32_t label; /* ... its label field */
	uint64_t rd;	/* ... and route distinguisher */
	uint8_t origin;
	uint8_t n_lc;
	uint32_t originator; /* ORIGINATOR_ID of a reflected route (RFC 4456), 0: none */
	uint16_t aspath_len;
	uint32_t local_pref;
	struct ipaddr nh;
	struct bgp_map_path_info map;
	struct bgp_lcomm lc[BGP_RIB_LC_MAX];
};

struct bgp_rib_entry {
	struct bgp_rib_entry *next;   /* hash chain */
	struct lisp_prefix prefix;    /* iid 0: unicast; else the VPN route of that IID */
	struct bgp_host_mapping *map; /* speaker table: the mapping announced */
	bool mark;		      /* scratch flag of a walk (touched / dirty) */
	uint16_t n, cap;
	struct bgp_rib_path *paths;
};

struct bgp_rib {
	struct bgp_rib_entry **tab;
	size_t size; /* buckets, power of 2 */
	size_t n_entries;
	size_t n_paths;
};

void bgp_rib_init(struct bgp_rib *r);
void bgp_rib_free(struct bgp_rib *r);
struct bgp_rib_entry *bgp_rib_find(const struct bgp_rib *r, const struct lisp_prefix *p);
struct bgp_rib_entry *bgp_rib_get(struct bgp_rib *r, const struct lisp_prefix *p);
/* Remove an entry (and its paths / mapping). */
void bgp_rib_remove(struct bgp_rib *r, struct bgp_rib_entry *e);
struct bgp_rib_path *bgp_rib_path_find(struct bgp_rib_entry *e, uint32_t path_id);
/* Add or replace (prefix, path->path_id): 0 added, 1 replaced (changed), 2 identical
 * (only the stale flag cleared), -1 no memory. */
int bgp_rib_update(struct bgp_rib *r, const struct lisp_prefix *p, const struct bgp_rib_path *path);
/* 0 removed (entry dropped when it was the last path and has no mapping), -1 not found. */
int bgp_rib_withdraw(struct bgp_rib *r, const struct lisp_prefix *p, uint32_t path_id);
/* Mark every path (of the families in aid_mask) stale; returns paths marked. */
size_t bgp_rib_mark_stale(struct bgp_rib *r, uint8_t aid_mask);
/* Drop stale paths of the families in aid_mask; fn(entry-prefix) once per prefix that lost
 * a path (called after its paths changed; the entry may be gone then). Returns paths. */
typedef void bgp_rib_prefix_fn(const struct lisp_prefix *p, void *arg);
size_t bgp_rib_purge_stale(struct bgp_rib *r, uint8_t aid_mask, bgp_rib_prefix_fn *fn, void *arg);
size_t bgp_rib_count_stale(const struct bgp_rib *r);
/* Every entry, in hash order; fn may not add or remove entries. */
typedef void bgp_rib_walk_fn(struct bgp_rib_entry *e, void *arg);
void bgp_rib_walk(const struct bgp_rib *r, bgp_rib_walk_fn *fn, void *arg);
/* Entries sorted by prefix (allocated array of n pointers; free()). NULL when empty. */
struct bgp_rib_entry **bgp_rib_sorted(const struct bgp_rib *r, size_t *n);
/* A scan that survives changes between calls (the CLI's dumps): each call visits the
 * entries of one bucket and moves *cursor on (start at 0); true when the scan is complete.
 * Buckets are taken in reverse-binary order of their index, so a table that grew between
 * calls neither skips nor repeats an entry that stayed (the table never shrinks). */
bool bgp_rib_scan(const struct bgp_rib *r, uint64_t *cursor,
		  void (*fn)(const struct bgp_rib_entry *e, void *arg), void *arg);
/* The family of a table key: IPv4/IPv6 unicast for IID 0, VPN-IPv4/-IPv6 for any other. */
int bgp_prefix_aid(const struct lisp_prefix *p);
/* Reassemble the mapping of an Adj-RIB-In entry from its decoded paths; returns locators,
 * *stale = some path stale. The paths of each originating speaker (ORIGINATOR_ID: through a
 * reflector one peer carries several Map-Servers' paths; none: the peer itself) are merged
 * apart (bgp_mapping_merge), and the newest of those mappings is the result
 * (bgp_mapping_newer; without registration times, the newest map version, else the first). */
int bgp_rib_mapping(const struct bgp_rib_entry *e, struct bgp_host_mapping *m, bool *stale);

/* ---- one TCP connection of a peer ----
 * RFC 4271 §6.8: a peer has at most two connections, the FSM's (`conn`, ours or the
 * peer's) and a second one the peer opened (`coll`, always incoming) while ours was in
 * Connect, OpenSent, OpenConfirm or Established. Rules (bgp/session.c):
 *  - an OPEN received on one while we have sent an OPEN on the other: the BGP Identifiers
 *    decide (RFC 6286 §2.3: then the AS numbers); the connection opened by the higher one
 *    is kept, the other gets Cease/Connection Collision Resolution (6/7);
 *  - an OPEN received on one while the other is still in Connect (no OPEN sent on it):
 *    the other is dropped silently (the peer never saw an OPEN on it, so it cannot pick it);
 *  - once an OPEN has been received on one, no OPEN is sent on another connection unless
 *    that one wins the comparison (or the first one died) - so both ends always decide
 *    the same way, and "Established wins" can never contradict the Identifier rule;
 *  - a new connection while Established: without graceful restart it is closed with 6/7;
 *    with it (RFC 4724 §4.2) we answer its OPEN and wait: a KEEPALIVE proves the peer
 *    restarted (it took the new connection as its session), the old session is then dead
 *    and its routes stale; a 6/7 or a close instead means it was a leftover of a
 *    collision and it is dropped without touching the session. */
struct bgp_conn {
	struct bgp_peer *peer;
	int fd;
	struct bufferevent *bev;
	bool outgoing;
	bool connected;
	bool open_sent; /* our OPEN went out on this connection */
	bool open_rcvd;
	struct bgp_caps lcaps; /* what our OPEN on it carried */
	struct bgp_open ropen; /* caps' views cleared (scalars only) */
};

/* ---- a peer ---- */
struct bgp_peer {
	struct bgp *bgp;
	struct bgp_peer *next;
	struct bgp_peer_cfg cfg;
	char name[IPADDR_STRLEN];
	int state;
	bool admin_down;       /* no automatic restart */
	struct bgp_conn *conn; /* the FSM's connection */
	struct bgp_conn *coll; /* §6.8: a second (incoming) connection, see struct bgp_conn */

	/* timers (one helper: bgp_timer_set) */
	struct event *t_connect_retry;
	struct event *t_hold;
	struct event *t_keepalive;
	struct event *t_idle_hold;
	struct event *t_gr_restart; /* helper: peer down, its restart time */
	struct event *t_gr_stale;   /* helper: re-established, waiting for End-of-RIB */
	unsigned idle_hold;	    /* current back-off, seconds */

	/* negotiated */
	struct bgp_caps lcaps; /* what we sent */
	struct bgp_sess_opts opts;
	uint16_t hold; /* negotiated hold time */
	uint32_t remote_id;
	bool peer_gr;	       /* the peer sent the GR capability */
	uint16_t peer_gr_time; /* its restart time */
	uint8_t peer_gr_fwd;   /* AIDs with the F bit */
	uint8_t peer_gr_afs;   /* AIDs in its GR capability */
	uint8_t stale_afs;     /* AIDs whose stale paths wait for End-of-RIB */
	bool sent_restart;     /* we advertised the R bit on this session */
	bool down_graceful;    /* the session is ending gracefully: without NOTIFICATION (RFC
				* 4724 §4.2), or with one under the N bit (RFC 8538 §4) */
	bool gr_fwd_next;      /* the last session ended gracefully (RFC 4724 §4.2, RFC 8538
				* §4); our table survived: the next OPEN carries the F bit */

	/* RIBs */
	struct bgp_rib rib_in;
	struct bgp_rib rib_out;
	bool synced; /* initial table sent (End-of-RIB) */

	/* statistics */
	time_t up_since; /* Established since (or down since) */
	uint64_t msgs_in, msgs_out, updates_in, updates_out;
	uint32_t flaps;
	uint32_t established; /* times the session reached Established */
	uint32_t coll_sent; /* Cease/Connection Collision Resolution sent (connections we closed) */
	uint32_t coll_rcvd; /* ... received (connections the peer closed) */
	bool initial_eor;   /* End-of-RIB sent once since the speaker started (RFC 4724 §4.1) */
	uint64_t withdraw_7606, discard_7606, reset_7606;
	/* tenants (VPN families): mappings of an instance ID other than 0 not sent because the
	 * session has no VPN family for them (counted per mapping and flush; logged once per
	 * session), and VPN routes received whose RD names no instance ID (ignored) */
	uint64_t vpn_withheld;
	bool vpn_withheld_logged;
	uint64_t vpn_no_iid;
	uint64_t md5_configured;
	/* receiving side: End-of-RIB seen per AID this session, BGP_EV_EOR given; routes
	 * refused for their next hop (treat-as-withdraw); routes from an underlay peer */
	uint8_t eor_rcvd;
	bool eor_done;
	uint64_t nh_rejected;
	uint64_t underlay_ignored;
	struct event *t_eor_wait; /* a peer without GR: BGP_EOR_WAIT after Established */
	/* the address of our end of the session (next hop of underlay routes; RFC 4271 §6.3:
	 * a received next hop may not be it), AFI 0 while not Established */
	struct ipaddr local_addr;
	bool underlay_nh_logged; /* an underlay route not sendable on this session: logged */
	uint8_t last_err_code, last_err_subcode;
	bool last_err_sent; /* we sent it (else received) */
	char last_reason[96];
	uint8_t msgbuf[BGP_MAX_LEN];
};

struct bgp {
	struct event_base *base;
	struct bgp_cfg *cfg;
	bgp_event_fn *cb;
	void *cb_arg;
	struct bgp_peer *peers;
	int lfd;
	uint16_t lport;
	struct event *ev_accept;
	struct event *ev_flush;
	bool flush_pending;
	bool started;	 /* bgp_start() ran */
	bool restarting; /* advertise R: until the initial update after a restart is done
			  * (End-of-RIB sent to every GR peer) or t_restart fires */
	struct event *t_restart;
	struct bgp_rib table;  /* the mappings to announce; entry->map set */
	struct bgp_rib utable; /* underlay routes to announce (entries without paths or map) */
	bool underlay_dirty;   /* resync every underlay peer at the next flush */
	struct lisp_prefix *dirty;
	size_t n_dirty, cap_dirty;
	bool dirty_all;		     /* too many: resync every peer by a full walk */
	struct bgp_closing *closing; /* connections flushing a last NOTIFICATION */
};

struct bgp_closing {
	struct bgp_closing *next, **pprev;
	struct bufferevent *bev;
};
void bgp_closing_free_all(struct bgp *b);

/* ---- bgp/fsm.c ---- */
/* BGP_FEV_STOP arg[0]: close without a NOTIFICATION (bgp_free to a GR peer without the N
 * bit: RFC 4724 §4.2, a lost connection keeps our routes there) */
#define BGP_STOP_SILENT	  0
#define BGP_OPENSENT_HOLD 240 /* RFC 4271 §8.2.2: "a large value", 4 minutes suggested */
typedef int bgp_fsm_action(struct bgp_peer *p, const void *arg);
struct bgp_fsm_entry {
	bgp_fsm_action *action;
	int next;
	const char *name;
};
/* Row of the table (for tests): never NULL for valid state/event. */
const struct bgp_fsm_entry *bgp_fsm_lookup(int state, int event);
/* Run one event: the action, then change_state to the table's next state (or Idle when
 * the action fails). `arg`: the message or error the event carries (may be NULL). */
void bgp_fsm_event(struct bgp_peer *p, int event, const void *arg);
void bgp_change_state(struct bgp_peer *p, int state);
/* One helper for every named timer: seconds 0 stops it. */
void bgp_timer_set(struct bgp_peer *p, struct event *t, unsigned seconds);
/* What a timer does when it fires (tests call it to inject time). */
enum bgp_timer_id {
	BGP_T_CONNECT_RETRY,
	BGP_T_HOLD,
	BGP_T_KEEPALIVE,
	BGP_T_IDLE_HOLD,
	BGP_T_GR_RESTART,
	BGP_T_GR_STALE,
	BGP_T_EOR_WAIT
};
void bgp_timer_fire(struct bgp_peer *p, enum bgp_timer_id id);
int bgp_peer_timers_init(struct bgp_peer *p);
void bgp_peer_timers_free(struct bgp_peer *p);

/* ---- bgp/speaker.c ---- */
/* The peers' half of bgp_start (bgp_start = listener + this); tests/integration/bgpspk
 * calls it alone to start its peers at a given moment. */
void bgp_start_peers(struct bgp *b);
/* RFC 4724 §4.1: a peer sent its End-of-RIB; the R bit ends when every GR peer did. */
void bgp_restart_eor_sent(struct bgp_peer *p);
/* ... or when the restart timer (our restart time) fires: what the timer calls. */
void bgp_restart_timeout(struct bgp *b);

/* ---- bgp/session.c ---- */
int bgp_conn_connect(struct bgp_peer *p);
void bgp_conn_close(struct bgp_conn *c);
/* Adopt an accepted (or test) socket as a connection of p. */
struct bgp_conn *bgp_conn_adopt(struct bgp_peer *p, int fd, bool outgoing);
int bgp_send_open(struct bgp_peer *p, struct bgp_conn *c);
int bgp_send_keepalive(struct bgp_peer *p);
int bgp_send_notification(struct bgp_peer *p, struct bgp_conn *c, uint8_t code, uint8_t sub,
			  const void *data, size_t len);
int bgp_send_raw(struct bgp_peer *p, const void *msg, size_t len);
/* OPEN received: check it and negotiate; -1 after sending the NOTIFICATION. */
int bgp_open_check(struct bgp_peer *p, const struct bgp_open *o);
void bgp_build_local_caps(struct bgp_peer *p, struct bgp_caps *caps);
int bgp_listen_start(struct bgp *b);
void bgp_md5_set_listener(struct bgp *b, const struct bgp_peer *p, bool on);
void bgp_emit(struct bgp_peer *p, enum bgp_ev_kind kind, const struct lisp_prefix *eid,
	      const struct bgp_host_mapping *m, bool stale, bool purged);

/* ---- bgp/config.c ---- */
/* Same listener (none on both sides, or the same address and port). */
bool bgp_listen_equal(const struct bgp_cfg *a, const struct bgp_cfg *b);

/* ---- bgp/in.c (receiving) ---- */
/* Apply one parsed UPDATE (RFC 7606 outcome already decided); -1 = session reset
 * (NOTIFICATION sent by the caller through the FSM). */
void bgp_in_update(struct bgp_peer *p, const struct bgp_update *u);
/* Session left Established: keep (GR) or flush Adj-RIB-In. */
void bgp_in_session_down(struct bgp_peer *p, bool graceful);
/* Session Established again: handle stale state (RFC 4724 §4.2). */
void bgp_in_session_up(struct bgp_peer *p);
void bgp_in_purge(struct bgp_peer *p, uint8_t aid_mask, const char *why);
void bgp_in_flush(struct bgp_peer *p);

/* ---- bgp/out.c (sending) ---- */
void bgp_out_session_up(struct bgp_peer *p);
void bgp_out_session_down(struct bgp_peer *p);
void bgp_out_schedule(struct bgp *b);
void bgp_out_flush(struct bgp *b);
void bgp_out_refresh(struct bgp_peer *p);
/* bgp/underlay.c: the underlay routes of one peer (all of them, against its Adj-RIB-Out) */
void bgp_underlay_sync_peer(struct bgp_peer *p);
/* The received side's End-of-RIB bookkeeping (bgp/in.c): the initial table is complete. */
void bgp_in_eor_done(struct bgp_peer *p);
/* bgp/session.c: the address of our end of the FSM's connection, or -1. */
int bgp_conn_local_addr(const struct bgp_conn *c, struct ipaddr *out);
/* For tests: sync the listed prefixes (NULL = all) to one peer into `sink`. */
void bgp_out_sync_peer(struct bgp_peer *p, const struct lisp_prefix *list, size_t n, bool all);

#endif
