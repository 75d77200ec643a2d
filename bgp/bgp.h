/* SPDX-License-Identifier: ISC */
/*
 * bgp/bgp.h - the embedded BGP speaker: what lisp-msd (sender of host mappings) and
 * lisp-xtrd in representative mode (D-ETR, receiver) call (the encoding: docs/bgp-mappings.md);
 * wire codec in proto/bgp.h, mapping <-> paths in proto/bgp_mapping.h.
 *
 * Implements RFC 4271 (FSM §8 as a table in bgp/fsm.c, timers §10, collision detection
 * §6.8), RFC 4760 (IPv4/IPv6 unicast), RFC 4364/RFC 4659 (VPN-IPv4/-IPv6: the mappings of
 * instance IDs other than 0), RFC 6793 (4-octet AS), RFC 7911 (ADD-PATH), RFC 8950
 * (extended next hop), RFC 2918 (route refresh), RFC 4724 (graceful restart, helper and
 * restarting speaker), RFC 8538 (graceful restart after a NOTIFICATION, Cease/Hard Reset),
 * RFC 7606 (revised error handling) and RFC 2385 (TCP-MD5).
 *
 * Embedding, in the daemon's one libevent loop:
 *
 *   struct bgp_cfg *c = bgp_config_parse(bgp_node, errs);      // <bgp> element, see below
 *   struct bgp *b = bgp_new(base, c, on_event, ctx);           // takes ownership of c
 *   bgp_start(b);                                              // listener + peers
 *   rows = bgp_cli_commands(&n);
 *   cli_add_commands(cli, rows, n, b);                         // show bgp ..., clear bgp
 *   bgp_announce(b, &mapping);  bgp_withdraw(b, &eid);         // sender side
 *   ...
 *   bgp_free(b);                                // graceful stop: Cease to every peer
 *
 * Sending: bgp_announce() stores the mapping in the speaker's table (replacing the mapping
 * of the same EID prefix) and bgp_withdraw() removes it. Both only mark the prefix; at the
 * end of the current loop turn one flush builds the UPDATEs for every Established peer:
 * with ADD-PATH send negotiated for the family a peer gets one path per RLOC (path ID from
 * the RLOC, proto/bgp_mapping.h), without it only the best RLOC (lowest priority, then
 * highest weight); paths whose attributes are equal share one UPDATE (as many NLRI as fit
 * in 4096 bytes); paths no longer wanted are withdrawn. A peer that comes up gets the whole
 * table followed by End-of-RIB for each family. The table is keyed by EID prefix with its
 * instance ID: IID 0 goes out as IPv4/IPv6 unicast, any other IID as VPN-IPv4/-IPv6 (RD
 * AS:IID, proto/bgp_mapping.h); a peer whose session lacks that VPN family gets none of
 * those (never as unicast), counted per peer (`show bgp neighbors` tenantRoutesWithheld)
 * and logged once per session.
 *
 * Receiving: every UPDATE is applied to the peer's Adj-RIB-In (keyed by prefix + path ID;
 * a VPN route's prefix carries the instance ID of its RD, one whose RD names none is
 * ignored and counted); for each prefix it touched the callback gets BGP_EV_MAPPING with
 * the mapping reassembled
 * from all of that peer's paths of the prefix (bgp_mapping_merge), or BGP_EV_WITHDRAWN when
 * none is left. Malformed UPDATEs follow RFC 7606 (treat-as-withdraw, attribute discard,
 * NOTIFICATION only where the RFC asks). Peer life: BGP_EV_PEER_UP, BGP_EV_PEER_DOWN; with
 * graceful restart negotiated a session loss gives BGP_EV_STALE (the peer's mappings stay,
 * marked stale, for its restart time); paths refreshed after it comes back lose the mark;
 * at End-of-RIB (or when the restart/stale timer expires) what was not refreshed is purged
 * with BGP_EV_WITHDRAWN and `purged` set.
 *
 * Collisions (RFC 4271 §6.8): both connections of a peer (ours and the one it opened) are
 * tracked until an OPEN decides; the connection opened by the speaker with the higher BGP
 * Identifier is kept, the other closed with Cease/Connection Collision Resolution (6/7);
 * a new connection for an Established peer is closed with 6/7, unless graceful restart
 * shows the peer restarted (RFC 4724 §4.2: its new connection completes the OPEN
 * exchange; the old session is dead, its routes stale).
 *
 * Restarting (RFC 4724 §4.1): with restarting="true" the R bit is advertised only until
 * the initial update is done - End-of-RIB sent to every GR peer once - or our restart
 * time has passed; sessions opened later carry no R. The F bit (forwarding state kept
 * across the restart) is bgp_cfg.gr_forwarding, false unless the embedding daemon sets it
 * after bgp_config_parse: lisp-msd forwards nothing (it has no forwarding state); a
 * daemon whose data plane (the mappings it forwards with) survives its own restart may
 * set it. A helper that receives F = 0 drops our stale routes as soon as we are back.
 *
 * NOTIFICATIONs (RFC 8538): with graceful-notification="on" (the default, with GR) the GR
 * capability carries the N bit; when both sides sent it, a session ended by a NOTIFICATION
 * (sent or received) or by a hold timer expiry is handled like a restart: each side keeps
 * the other's routes as stale (BGP_EV_STALE) until End-of-RIB on the next session, and
 * each side's next OPEN carries the F bit (its table survived the reset, RFC 8538 §4).
 * Only Cease/Hard Reset (6/9, its data the wrapped Cease subcode) drops the routes at once,
 * on both sides. What we send: `clear bgp ADDR` = bgp_peer_clear = Cease/Administrative
 * Reset (graceful); `clear bgp ADDR hard` = bgp_peer_clear_hard = Hard Reset wrapping it;
 * bgp_free = Cease/Administrative Shutdown (graceful: a planned stop of a daemon that comes
 * back with its table, the receivers keep the routes for our restart time - RFC 8538 §5
 * suggests Hard Reset for subcode 2, we leave that to bgp_free_hard); bgp_peer_remove =
 * Hard Reset wrapping Peer De-configured (the peer must not keep our routes); a reconfigure
 * reset (Other Configuration Change) is graceful. Without N negotiated every NOTIFICATION
 * drops the routes (RFC 4724), Hard Reset is never sent (the plain subcode goes instead),
 * only a lost connection or a hold timer expiry keeps them stale, and bgp_free only closes
 * the connection of an Established GR peer (no Cease) so that it keeps our routes too
 * (BIRD 2.0.12 has no N bit).
 *
 * Config (schema/bgp.rng, include it from a daemon's schema with <externalRef href="bgp.rng"/>):
 *
 *   <bgp as="65000" router-id="192.0.2.1">
 *     <listen address="::" port="179"/>                    (optional; no element: no listener)
 *     <graceful-restart time="120" restarting="false"/>     (optional; what we advertise)
 *     <peer address="192.0.2.2" as="65000" port="179" local="192.0.2.1" password="secret"
 *           hold-time="90" connect-retry="5" passive="false" add-path="both|send|receive|off"
 *           graceful-restart="on" graceful-notification="on" stale-time="300"
 *           extended-next-hop="off"
 *           families="ipv4 ipv6"/>        (default; tenants: "ipv4 ipv6 vpnv4 vpnv6")
 *   </bgp>
 *
 * Reload: bgp_reload_check() says what a daemon's SIGHUP does with <bgp> (below).
 *
 * Threads: none; every call from the loop's thread.
 */
#ifndef BGP_BGP_H
#define BGP_BGP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "proto/addr.h"
#include "proto/bgp.h"
#include "proto/bgp_mapping.h"

struct event_base;
struct cfg_errs;
struct _xmlNode;
struct cli_cmd;
struct bgp;
struct bgp_peer;

#define BGP_PORT	       179
#define BGP_DEFAULT_HOLD       90
#define BGP_DEFAULT_CONNRETRY  5
#define BGP_DEFAULT_GR_TIME    120
#define BGP_DEFAULT_STALE_TIME 300
#define BGP_PASSWORD_MAX       80  /* TCP_MD5SIG_MAXKEYLEN */
#define BGP_IDLE_HOLD_MIN      1   /* seconds before an automatic restart ... */
#define BGP_IDLE_HOLD_MAX      120 /* ... doubled after each failure up to this */
#define BGP_EOR_WAIT	       5   /* s: a peer without GR may never send End-of-RIB */

/* What a session is for (docs/architecture.md "Redundant D-ETRs"). A mapping session
 * (Map-Servers, route reflectors: the default) carries host mappings; an underlay session
 * (the operator's edge routers) gets only the routes of bgp_underlay_announce (a D-ETR's
 * anycast RLOC and aggregates), plain, with our session address as next hop: host mappings
 * never go there, and what an underlay peer sends is counted and dropped, never a mapping.
 * An underlay peer has no graceful restart (the edge router must stop routing to us as soon
 * as the session ends) and no ADD-PATH. */
enum bgp_role { BGP_ROLE_MAPPING = 0, BGP_ROLE_UNDERLAY = 1, BGP_ROLE_MAX };
const char *bgp_role_name(unsigned role); /* "mapping", "underlay" */

struct bgp_peer_cfg {
	struct ipaddr addr;  /* the neighbor */
	struct ipaddr local; /* source address of our connects (AFI 0: listen address or any) */
	uint16_t port;	     /* remote port for active connects (default 179) */
	uint32_t remote_as;
	bool passive;			     /* never connect, only accept */
	char password[BGP_PASSWORD_MAX + 1]; /* "" = no TCP-MD5 */
	uint16_t hold_time;		     /* 0 or >= 3 (RFC 4271 §4.2) */
	uint16_t connect_retry;		     /* seconds */
	uint8_t families;		     /* BGP_AID_BIT mask (default IPv4 + IPv6 unicast) */
	uint8_t addpath;		     /* BGP_ADDPATH_SEND | BGP_ADDPATH_RECV */
	bool ext_nh;			     /* RFC 8950 for IPv4 */
	bool gr;			     /* advertise/honour graceful restart */
	bool gr_notify;	     /* RFC 8538: advertise the N bit with GR (default on) */
	uint16_t stale_time; /* helper: wait this long for End-of-RIB after re-establishment */
	uint8_t role;	     /* enum bgp_role */
};

struct bgp_cfg {
	uint32_t local_as;
	uint32_t router_id; /* host order */
	bool listen;	    /* open a listener */
	struct ipaddr listen_addr;
	uint16_t listen_port;
	uint16_t gr_time; /* restart time we advertise */
	bool restarting;  /* advertise the R bit (we restarted) until the initial update is done */
	bool gr_forwarding; /* the F bit: forwarding state preserved (not in the XML; the
			     * embedding daemon sets it, see above) */
	size_t n_peers;
	struct bgp_peer_cfg *peers;
};

/* Defaults for a peer (families both, hold 90, add-path both, GR on with the N bit). */
void bgp_peer_cfg_init(struct bgp_peer_cfg *p);
/* Parse a <bgp> element (already validated against bgp.rng by the caller's schema);
 * semantic errors are recorded with cfg_error (FILE:LINE) into the document's errs, which
 * is `errs` (also used for errors without a node). NULL on error. */
struct bgp_cfg *bgp_config_parse(struct _xmlNode *node, struct cfg_errs *errs);
void bgp_config_free(struct bgp_cfg *c);
/* The normalized form (the -nv printer), indented by `indent` spaces. */
void bgp_config_print(const struct bgp_cfg *c, FILE *out, int indent);
/* A deep copy (the speaker takes ownership of its config: a daemon keeps its own and
 * hands the speaker a copy). NULL for NULL or on ENOMEM. */
struct bgp_cfg *bgp_config_dup(const struct bgp_cfg *c);
/* The one definition of "the BGP config changed": every field of struct bgp_cfg and of
 * each peer, peers matched by address (their order is no change); the listener's address
 * and port only count with a listener; a peer port 0 is 179. Two NULLs are equal. */
bool bgp_config_equal(const struct bgp_cfg *a, const struct bgp_cfg *b);
bool bgp_peer_cfg_equal(const struct bgp_peer_cfg *a, const struct bgp_peer_cfg *b);
/* The peer of c with that address, or NULL. */
const struct bgp_peer_cfg *bgp_config_peer(const struct bgp_cfg *c, const struct ipaddr *addr);

/* What a daemon's reload (SIGHUP) does with its <bgp>, the same rule in lisp-msd and
 * lisp-xtrd. run = the <bgp> in force (NULL: none), next = the new file's (NULL: none).
 *   SAME     bgp_config_equal: nothing to do, every session stays.
 *   APPLY    bgp_reconfigure(speaker, bgp_config_dup(next)): a peer added, removed or
 *            changed touches only that peer (added: started; removed: Cease/Peer
 *            De-configured, its routes withdrawn through the callback; changed: reset
 *            with Cease/Other Configuration Change, graceful under the N bit); the other
 *            sessions stay Established. A changed local AS or router ID resets every
 *            session the same way (what BIRD does: the OPEN carries both). Graceful
 *            restart time and F bit apply to each session's next OPEN; `restarting` is
 *            a property of the process start and is ignored.
 *   START    <bgp> added: a new speaker (bgp_new, bgp_start).
 *   STOP     <bgp> removed: the speaker stops for good (bgp_free_deconfigured).
 *   REFUSED  needs a restart of the daemon: the listener (added, removed, another address
 *            or port; it is opened at start only, and its socket holds the TCP-MD5 keys -
 *            reopening it in place could fail half way or lose sessions), or an invalid
 *            config (a peer listed twice). The daemon refuses its WHOLE reload (its
 *            reload callback returns -1 before applying anything) and keeps running with
 *            the old config, sessions untouched.
 * why (len bytes) gets one line for the daemon's log: what is applied, or why not. */
enum bgp_reload {
	BGP_RELOAD_SAME,
	BGP_RELOAD_APPLY,
	BGP_RELOAD_START,
	BGP_RELOAD_STOP,
	BGP_RELOAD_REFUSED,
};
enum bgp_reload bgp_reload_check(const struct bgp_cfg *run, const struct bgp_cfg *next, char *why,
				 size_t len);
/* The daemon's log line for it: "reload: <bgp>: WHY" (info), or for a refusal "reload
 * refused: <bgp>: WHY; the running configuration stays in force" (warning). */
void bgp_reload_log(enum bgp_reload k, const char *why);

/* ---- events delivered to the embedding daemon ---- */
enum bgp_ev_kind {
	BGP_EV_PEER_UP,	  /* session Established */
	BGP_EV_PEER_DOWN, /* left Established (routes kept when stale follows) */
	BGP_EV_STALE,	  /* graceful restart: the peer's mappings are now stale */
	BGP_EV_MAPPING,	  /* mapping of `eid` from this peer is now *mapping */
	BGP_EV_WITHDRAWN, /* no path of `eid` left from this peer (purged: stale, not refreshed) */
	BGP_EV_EOR,	  /* a mapping peer's initial table is complete: End-of-RIB received for
			   * every family of the session (or, from a peer without graceful
			   * restart, BGP_EOR_WAIT seconds of Established without one) */
};

struct bgp_event {
	enum bgp_ev_kind kind;
	const struct bgp_peer *peer;
	const struct ipaddr *peer_addr;
	const struct lisp_prefix *eid;		/* MAPPING, WITHDRAWN: the NLRI's prefix,
						 * IID 0 for a unicast route, the RD's for a
						 * VPN route (mapping->eid: with the IID
						 * decoded, fn 3 for a unicast route) */
	const struct bgp_host_mapping *mapping; /* MAPPING */
	bool stale;				/* MAPPING: some path still stale */
	bool purged;				/* WITHDRAWN: removed by the GR purge */
};
typedef void bgp_event_fn(const struct bgp_event *ev, void *arg);

/* ---- the speaker ---- */
/* Takes ownership of cfg (freed by bgp_free). cb may be NULL. */
struct bgp *bgp_new(struct event_base *base, struct bgp_cfg *cfg, bgp_event_fn *cb, void *arg);
/* Open the listener (if configured) and start every peer. 0, or -1 (logged). */
int bgp_start(struct bgp *b);
/* Cease/Administrative Shutdown to every peer, close everything, free. A graceful stop:
 * a peer that negotiated the N bit (RFC 8538) keeps our routes as stale for our restart
 * time; an Established GR peer without N gets no NOTIFICATION, only the close (RFC 4724
 * §4.2: it keeps our routes the same way; a Cease would make it drop them). A daemon
 * stopped to be started again sends its table again and End-of-RIB; its next OPEN
 * carries the F bit only if bgp_cfg.gr_forwarding says so (without F the peers drop the
 * stale routes as soon as it is back, RFC 4724 §4.2). */
void bgp_free(struct bgp *b);
/* The same, but Cease/Hard Reset (wrapping Administrative Shutdown) to the peers that
 * negotiated the N bit: every peer drops our routes at once (a stop for good). */
void bgp_free_hard(struct bgp *b);
/* <bgp> removed from the configuration (BGP_RELOAD_STOP): every peer is removed as by
 * bgp_peer_remove (Hard Reset wrapping Peer De-configured; the mappings received from it
 * withdrawn through the callback, BGP_EV_WITHDRAWN), then the speaker is freed. */
void bgp_free_deconfigured(struct bgp *b);
/* Add a peer at run time (copied); -1 if the address is already a peer. */
int bgp_peer_add(struct bgp *b, const struct bgp_peer_cfg *pc);
/* Remove a peer (Cease/Peer De-configured); its mappings are withdrawn via the callback. */
int bgp_peer_remove(struct bgp *b, const struct ipaddr *addr);
/* Apply a new configuration in place (a daemon's reload); takes ownership of new_cfg on
 * success (the old one is freed). Peers are matched by address: a new peer is added (and
 * started if the speaker is), a peer no longer listed is removed (Cease/Peer
 * De-configured), a peer whose settings changed is reset (Cease/Other Configuration
 * Change) and comes back with them, an unchanged peer keeps its session. A changed local
 * AS or router ID resets every peer; a changed listener is reopened. Graceful restart
 * settings (time, F bit) apply to the next OPEN of each session; `restarting` is ignored
 * (it belongs to the process start). -1 (nothing changed, new_cfg still the caller's)
 * when new_cfg is invalid (NULL, a peer listed twice). */
int bgp_reconfigure(struct bgp *b, struct bgp_cfg *new_cfg);
/* Bound port of the listener (host order), 0 if none. */
uint16_t bgp_listen_port(const struct bgp *b);

/* Announce or replace the mapping of m->eid; 0, or -1 (mapping refused by
 * bgp_mapping_check). Sent at the end of the loop turn. */
int bgp_announce(struct bgp *b, const struct bgp_host_mapping *m);
/* Withdraw the mapping of eid (its instance ID included). 0, or -1 if unknown. */
int bgp_withdraw(struct bgp *b, const struct lisp_prefix *eid);
/* Send what is pending now instead of at the end of the turn. */
void bgp_flush(struct bgp *b);
/* Mappings in the speaker's table. */
size_t bgp_mapping_count(const struct bgp *b);
/* Over every peer: mappings of an instance ID other than 0 not sent because the session
 * lacks the VPN family (a daemon's `show statistics`; per peer in `show bgp neighbors`). */
uint64_t bgp_tenant_withheld(const struct bgp *b);
/* Receiving side: BGP_EV_MAPPING again, through the callback, for every prefix of every
 * peer's Adj-RIB-In for which want(prefix, arg) is true (the prefix as in the event: IID 0
 * for a unicast route, the RD's for a VPN route). What a daemon that starts serving an
 * instance ID (a D-ETR's reload adding a <tenant>) needs: those routes were received and
 * ignored before. */
void bgp_replay(struct bgp *b, bool (*want)(const struct lisp_prefix *p, void *arg), void *arg);

/* Administrative reset of one peer (the CLI's `clear bgp ADDR`): Cease/Administrative
 * Reset, then the peer restarts after its idle hold time. -1 if no such peer. Graceful
 * when the N bit was negotiated (RFC 8538): both sides keep the routes as stale until
 * End-of-RIB on the new session. */
int bgp_peer_clear(struct bgp *b, const struct ipaddr *addr);
/* `clear bgp ADDR hard`: Cease/Hard Reset (wrapping Administrative Reset; plain
 * Administrative Reset without N): both sides drop the routes of the session. */
int bgp_peer_clear_hard(struct bgp *b, const struct ipaddr *addr);

/* Peer state for embedding code and tests. */
struct bgp_peer *bgp_peer_find(const struct bgp *b, const struct ipaddr *addr);
const char *bgp_peer_state_name(const struct bgp_peer *p);
bool bgp_peer_established(const struct bgp_peer *p);

/* ---- underlay routes (role="underlay" peers only) ----
 * A D-ETR announces its anycast RLOC (/32, /128) and its aggregates to the operator's edge
 * routers while it is fit to forward (xtr/underlay.c). Plain routes: ORIGIN IGP, AS_PATH
 * empty (iBGP) or our AS (eBGP), LOCAL_PREF 100 on iBGP, no community, next hop = the
 * address of our end of that session: an IPv6 prefix goes only on an IPv6 session, an IPv4
 * prefix on an IPv4 session or, with extended next hop (RFC 8950), an IPv6 one. Sent at
 * the end of the loop turn like the mappings (bgp_flush sends at once). Never sent to a
 * mapping peer; a mapping is never sent to an underlay peer. */
int bgp_underlay_announce(struct bgp *b, const struct lisp_prefix *p); /* 0, -1 ENOMEM */
int bgp_underlay_withdraw(struct bgp *b, const struct lisp_prefix *p); /* 0, -1 unknown */
size_t bgp_underlay_count(const struct bgp *b);
/* Underlay peers Established / configured, and how many of the Established ones have
 * every route of bgp_underlay_announce (in their Adj-RIB-Out). */
void bgp_underlay_sessions(const struct bgp *b, unsigned *up, unsigned *configured);

/* ---- the receiving side's view of its peers (a D-ETR's fitness, xtr/underlay.c) ---- */
/* Peers in the speaker's order: bgp_peer_next(b, NULL) is the first. */
const struct bgp_peer *bgp_peer_next(const struct bgp *b, const struct bgp_peer *p);
const struct ipaddr *bgp_peer_addr(const struct bgp_peer *p);
unsigned bgp_peer_role(const struct bgp_peer *p);
/* Established and its initial table received (BGP_EV_EOR was given for this session). */
bool bgp_peer_initial_done(const struct bgp_peer *p);
/* The restart time the peer advertised in its graceful-restart capability (how long its
 * mappings are kept stale after the session is lost), 0 without graceful restart. */
uint16_t bgp_peer_restart_time(const struct bgp_peer *p);
/* Sums over the peers: host routes refused for their next hop (treat-as-withdraw, see
 * bgp/in.c), routes received from underlay peers (dropped). */
uint64_t bgp_nexthop_rejected(const struct bgp *b);
uint64_t bgp_underlay_ignored(const struct bgp *b);

/* The CLI rows (show bgp summary|neighbors|routes, clear bgp), for
 * cli_add_commands(cli, rows, n, speaker): the rows act on the speaker given as the
 * table's context (NULL: they answer "BGP is not running"). A daemon that frees its
 * speaker first sets the context to NULL (cli_set_table_ctx) or frees the CLI. */
const struct cli_cmd *bgp_cli_commands(size_t *n);

/* The speaker's Prometheus families (bgp/metrics.c, common/metrics.h): per peer its state,
 * prefixes and paths, message and error counters; nothing when b is NULL. */
struct mw;
void bgp_metrics_write(struct mw *w, const struct bgp *b);

#endif
