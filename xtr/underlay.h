/* SPDX-License-Identifier: ISC */
/*
 * xtr/underlay.h - a redundant D-ETR's announcements to the underlay (docs/architecture.md
 * "Redundant D-ETRs"). Several D-ETRs serve one aggregate; in the anycast layout they share
 * one RLOC and each announces that RLOC (/32, /128) and the aggregates over BGP to the
 * operator's edge routers (<peer role="underlay">, bgp/bgp.h bgp_underlay_announce), so the
 * underlay sends the traffic to the ones that are up. A D-ETR announces only while it is
 * FIT TO FORWARD, and withdraws both as soon as it is not:
 *
 *   fit  = not stopping, and
 *          a mapping peer (Map-Server or route reflector, role="mapping") is Established
 *          with its initial table complete (End-of-RIB received: BGP_EV_EOR), or
 *          none is, but the mappings of one that went away gracefully are still kept
 *          (graceful restart, RFC 4724): until its restart time is over after the loss
 *          (the latest such deadline). A mapping session lost without graceful restart
 *          took its mappings with it: no grace.
 *   not fit at start until the first complete initial table; on SIGTERM (stopping): the
 *   withdrawal leaves at once, the daemon keeps forwarding <announce withdraw-wait-ms> (the
 *   edge routers move the traffic meanwhile), then stops.
 *
 * What is announced (<announce rlocs aggregates>): the RLOCs the aggregates are registered
 * with, as host routes - the <locator>s of the <database> mappings; for a mapping without,
 * the <rloc anycast="true"> ones if there are any, else every <rloc> (so an anycast D-ETR
 * with <rloc address="192.0.2.10"/>, its own, the source of what it sends, and <rloc
 * address="192.0.2.100" anycast="true"/> announces 192.0.2.100/32 only) - and the
 * <database> prefixes of the D-ETR's own instance ID (tenant aggregates are not: two tenants
 * may use the same prefix). Nothing without an underlay peer.
 *
 * The state is evaluated on every speaker event and at the grace deadline; `show
 * statistics` has it (`underlay`), with the counters ul_announce / ul_withdraw.
 */
#ifndef XTR_UNDERLAY_H
#define XTR_UNDERLAY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct xtr;
struct xtr_cfg;
struct bgp;
struct bgp_event;
struct event_base;
struct out;
struct _xmlNode;

#define XTR_UL_WITHDRAW_WAIT_MS 500
#define XTR_UL_MAX		(4 + 1024) /* RLOCs + database mappings */

struct xtr_underlay;

/* <announce>: parse into c->announce (defaults first); FILE:LINE errors, -1. */
int xtr_announce_parse(struct _xmlNode *root, struct xtr_cfg *c);
void xtr_announce_defaults(struct xtr_cfg *c);
/* The -nv form (printed when the element was given or an underlay peer exists). */
void xtr_announce_print(const struct xtr_cfg *c, FILE *out);

/* An aggregate is announced only once packets for it reach the TUN (the PITR path): fn
 * routes the prefix into the TUN device (lisp-xtrd: netlink, replacing any route of it);
 * 0, or -1 (logged; announced anyway: the LISP path does not need it). */
typedef int xtr_tun_route_fn(void *arg, const struct lisp_prefix *p);
void xtr_underlay_set_tun_route(struct xtr_underlay *u, xtr_tun_route_fn *fn, void *arg);

struct xtr_underlay *xtr_underlay_new(struct xtr *x, struct event_base *base);
void xtr_underlay_free(struct xtr_underlay *u);
/* Re-evaluate with speaker b (may be NULL, or another speaker after a reload): announce or
 * withdraw. ev: the event that triggered it (NULL: a reload, the timer). */
void xtr_underlay_update(struct xtr_underlay *u, struct bgp *b, const struct bgp_event *ev,
			 uint64_t now);
/* SIGTERM: withdraw now (flushed), return how long to keep forwarding (ms; 0 if nothing
 * was announced). */
unsigned xtr_underlay_stopping(struct xtr_underlay *u, struct bgp *b);
/* `show statistics` object "underlay". */
void xtr_underlay_show(const struct xtr_underlay *u, struct bgp *b, struct out *o);
bool xtr_underlay_announced(const struct xtr_underlay *u);
bool xtr_underlay_fit(const struct xtr_underlay *u);
/* The routes announced now. */
unsigned xtr_underlay_routes(const struct xtr_underlay *u);

#endif
