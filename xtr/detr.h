/* SPDX-License-Identifier: ISC */
/*
 * xtr/detr.h - lisp-xtrd mode="representative", the D-ETR (docs/architecture.md "D-ETR
 * (representative mode)", docs/bgp-mappings.md "What a receiver does"): the BGP receiver side. The
 * speaker (bgp/bgp.h) delivers per-peer host mappings; this module keeps them per EID and
 * per peer and installs the chosen one in the core's map-cache as XTR_SRC_BGP
 * (authoritative, never ages, never evicted, not removed by `clear map-cache`).
 *
 * Events:
 *   MAPPING    the peer's mapping of the EID is stored (replacing that peer's previous one:
 *              the speaker already orders one peer's paths by map version), then the
 *              choice below is made and installed if it changed.
 *   WITHDRAWN  the peer's mapping is dropped (purged = graceful-restart purge of a stale
 *              one); when no peer has one left the map-cache entry is removed.
 *   STALE      graceful restart (RFC 4724): the peer's mappings are kept and used as they
 *              are; the speaker purges what is not refreshed (WITHDRAWN purged).
 *   PEER_DOWN  without a STALE just before (no graceful restart): whatever that peer still
 *              has here is removed (the speaker withdraws each first; this is the backstop).
 *   PEER_UP    clears the peer's graceful-restart mark.
 * Choice among several peers announcing the same EID (docs/bgp-mappings.md "Ordering"): the
 * later registration time (the registrant's clock, set by the Map-Servers from the
 * Map-Register, Large Communities fn 6/7; bgp_mapping_newer), so that Map-Servers that briefly
 * disagree converge every D-ETR on the newest registration and none flaps back; the same
 * time: the larger locator set in a fixed order, and for the same locators the lower peer
 * address. From a Map-Server that sends no time: the newest map version by 12-bit serial
 * arithmetic (RFC 9302: V1 newer than V2 iff 0 < (V1 - V2) mod 4096 < 2048); when either is 0
 * (unversioned) or both are equal or incomparable (difference 2048), the one received last.
 * Instance IDs (docs/architecture.md "Tenants"): a unicast route's mapping is
 * the xTR's own instance ID's; a VPN route's is the instance ID its RD names, kept apart
 * from the other tenants' (the same EID in two tenants is two entries) when the D-ETR
 * serves it (its own or a <tenant>'s), else ignored and counted (foreignInstance), as is a
 * unicast route whose Large Community fn 3 names another instance ID.
 *
 * Data path (xtr/data.c, xtr_etr_decide): a destination covered by a BGP host mapping of the
 * LISP header's instance ID is re-encapsulated to its RLOC with that instance ID; an aggregate EID
 * without one is resolved through the local mapping system (the <map-resolver> of the config) like
 * a PITR miss; a negative answer drops.
 */
#ifndef XTR_DETR_H
#define XTR_DETR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bgp/bgp.h"
#include "xtr/xtr.h"

#define XTR_DETR_MAX_PEERS 16 /* peers announcing the same EID that are remembered */

struct xtr_detr;

/* NULL on ENOMEM. The D-ETR state of core x (which must outlive it). */
struct xtr_detr *xtr_detr_new(struct xtr *x);
/* Frees the state; the map-cache entries it installed are removed. */
void xtr_detr_free(struct xtr_detr *d);
/* One speaker event at monotonic time now. */
void xtr_detr_event(struct xtr_detr *d, const struct bgp_event *ev, uint64_t now);
/* bgp_event_fn for bgp_new(..., xtr_detr_bgp_cb, d): xtr_detr_event at now_ns(). */
void xtr_detr_bgp_cb(const struct bgp_event *ev, void *arg);
/* EIDs with at least one peer's mapping. */
size_t xtr_detr_count(const struct xtr_detr *d);
/* Remove every BGP-learned mapping (at the end of the D-ETR; a reload never does). */
void xtr_detr_clear(struct xtr_detr *d);
/* After a reload applied to the core (xtr_reconfigure) and the speaker: the instance IDs
 * served may have changed (<tenant>s added or removed, another instance-id). The mappings of
 * an IID no longer served leave the map-cache (counted as withdrawals); for an IID served
 * now that was not, the speaker replays what its peers sent (bgp_replay), which was ignored
 * as foreign until now. The other instances' entries are not touched. */
void xtr_detr_instances_sync(struct xtr_detr *d);
/* RFC 9302 12-bit serial comparison: a newer than b (both non-zero). */
bool xtr_map_version_newer(uint16_t a, uint16_t b);

/* ---- the D-ETR's speaker: lisp-xtrd's <bgp>, started, reloaded and stopped here ----
 * The speaker gets a copy of the <bgp> (the daemon's config keeps its own) and lives
 * across reloads: a reload goes through bgp_reload_check (bgp/bgp.h, the same rule as
 * lisp-msd) and bgp_reconfigure, so a peer added, removed or changed touches only that
 * peer, the other sessions stay Established and the map-cache keeps their mappings; a
 * removed peer's mappings leave through the speaker's withdraw events, never by a flush. */
struct event_base;
struct cli;
/* Start the speaker of c (NULL: none until a reload adds <bgp>) and add its CLI rows to
 * cli (may be NULL); the rows act on the speaker in force. 0, or -1 (logged). */
int xtr_detr_bgp_start(struct xtr_detr *d, struct event_base *base, struct cli *cli,
		       const struct bgp_cfg *c);
/* A reload, first step, before anything else of the reload is applied: the new <bgp>
 * `next` is checked against the one in force (bgp_reload_check, logged); -1 = refused,
 * nothing changed (the daemon refuses its whole reload). A <bgp> added starts its speaker
 * here, so that a failure to start refuses the reload too. */
int xtr_detr_bgp_reload_prepare(struct xtr_detr *d, const struct bgp_cfg *next);
/* The rest of the reload is applied: apply the <bgp> of the prepared step (bgp_reconfigure
 * for a changed one, the prepared speaker for an added one, stop for a removed one). */
void xtr_detr_bgp_reload_commit(struct xtr_detr *d, const struct bgp_cfg *next);
/* The rest of the reload failed: undo the prepared step (a speaker it started is freed). */
void xtr_detr_bgp_reload_abort(struct xtr_detr *d);
/* Graceful stop of the speaker (bgp_free); also done by xtr_detr_free. */
void xtr_detr_bgp_stop(struct xtr_detr *d);
/* The speaker in force, or NULL. */
struct bgp *xtr_detr_speaker(const struct xtr_detr *d);

/* ---- redundant D-ETRs: the underlay announcements (xtr/underlay.h) ----
 * Evaluated on every session event of the speaker; after a reload (the <announce>, the
 * database or the speaker changed) call xtr_detr_underlay_sync (reload_commit does). */
struct out;
struct xtr_underlay;
void xtr_detr_underlay_sync(struct xtr_detr *d);
/* SIGTERM: the underlay routes withdrawn (the UPDATE leaves now); returns how long the
 * daemon keeps forwarding before it stops (ms, <announce withdraw-wait-ms>; 0 when
 * nothing was announced). */
unsigned xtr_detr_stopping(struct xtr_detr *d);
/* `show statistics`: the "underlay" object. */
void xtr_detr_show_stats(const struct xtr_detr *d, struct out *o);
const struct xtr_underlay *xtr_detr_underlay(const struct xtr_detr *d);
/* The daemon's way to route an announced aggregate into its TUN (xtr_underlay_set_tun_route);
 * call after xtr_detr_bgp_start. */
void xtr_detr_set_tun_route(struct xtr_detr *d, int (*fn)(void *arg, const struct lisp_prefix *p),
			    void *arg);

#endif
