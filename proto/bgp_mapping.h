/* SPDX-License-Identifier: ISC */
/*
 * proto/bgp_mapping.h - how a LISP host mapping travels in BGP (docs/bgp-mappings.md); no standard
 * defines this.
 *
 * One mapping (EID prefix with instance ID, map version, TTL, locators) is a set of BGP paths
 * for one NLRI, one path per RLOC:
 *  - NLRI: instance ID 0: the EID prefix, IPv4 in AFI 1/SAFI 1, IPv6 in AFI 2/SAFI 1
 *    (MP_REACH). Any other instance ID (a tenant): VPN-IPv4 AFI 1/SAFI 128 (RFC 4364) or
 *    VPN-IPv6 AFI 2/SAFI 128 (RFC 4659), always in MP_REACH, with the route distinguisher
 *    bgp_rd_make(local AS, IID) (type 0, AS:IID) and the label field BGP_LABEL_FIELD(3)
 *    (implicit null, bottom of stack): the RD makes one prefix of two tenants two NLRI.
 *  - next hop = the RLOC: IPv4 EID + IPv4 RLOC: NEXT_HOP (VPN: MP_REACH next hop); IPv6 EID
 *    + IPv6 RLOC: MP_REACH next hop; IPv6 EID + IPv4 RLOC: IPv4-mapped ::ffff:a.b.c.d in
 *    MP_REACH; IPv4 EID + IPv6 RLOC: MP_REACH AFI 1 with an IPv6 next hop (RFC 8950, must be
 *    negotiated for the family). VPN next hops carry the zero RD in front (proto/bgp.h).
 *  - ADD-PATH path ID (RFC 7911) derived from the RLOC alone, so it is stable across updates
 *    and a withdraw of one RLOC names the same ID on every Map-Server: an IPv4 RLOC
 *    a.b.c.d is the ID 0xaabbccdd; an IPv6 RLOC is FNV-1a-32 over its 16 bytes; 0 becomes 1.
 *    IPv6 IDs can collide (with each other or an IPv4 one): bgp_mapping_check() refuses a
 *    mapping whose RLOCs give the same ID.
 *  - Large Communities <AS>:<fn>:<value>: fn 1 priority, 2 weight, 3 instance ID (also for
 *    VPN routes, where the RD decides), 4 map version, 5 TTL in minutes, 6 and 7 the
 *    registration time (seconds since the epoch, milliseconds; only when known); LOCAL_PREF = 255 -
 * priority; COMMUNITIES NO_EXPORT; ORIGIN IGP; AS_PATH empty (the iBGP case) or the local AS when
 * `ebgp`.
 */
#ifndef PROTO_BGP_MAPPING_H
#define PROTO_BGP_MAPPING_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/addr.h"
#include "proto/bgp.h"

#define BGP_MAP_FN_PRIORITY 1
#define BGP_MAP_FN_WEIGHT   2
#define BGP_MAP_FN_IID	    3
#define BGP_MAP_FN_VERSION  4
#define BGP_MAP_FN_TTL	    5
#define BGP_MAP_FN_REG_S    6 /* registration time: seconds since the Unix epoch */
#define BGP_MAP_FN_REG_MS   7 /* ... and the milliseconds within that second (0-999) */

#define BGP_MAP_LOC_MAX	       8
#define BGP_MAP_VERSION_MAX    0xfff /* RFC 9301 §5.4: 12 bits */
#define BGP_MAP_DEFAULT_WEIGHT 100   /* when a path carries no weight community */
#define BGP_MAP_DEFAULT_TTL    1440  /* minutes, when a path carries no TTL community */

struct bgp_map_locator {
	struct ipaddr rloc;
	uint8_t priority;
	uint8_t weight;
};

struct bgp_host_mapping {
	struct lisp_prefix eid; /* with its instance ID */
	uint16_t version;	/* 0 = unversioned (the Map-Server's own counter) */
	/* When the registration that made this mapping was sent, by its registrant's clock
	 * (ms since the Unix epoch; 0 = unknown): what orders the mappings of one EID that
	 * different Map-Servers announce (bgp_mapping_newer, docs/bgp-mappings.md "Ordering") */
	uint64_t reg_ms;
	uint32_t ttl; /* minutes */
	uint8_t n_loc;
	struct bgp_map_locator loc[BGP_MAP_LOC_MAX];
};

/* One BGP path of a mapping, ready for bgp_build_update(): the attributes' list views point
 * into `store`, so keep the struct where it is (do not copy it) while using attrs. */
struct bgp_map_path {
	uint16_t afi; /* of the NLRI */
	uint8_t safi; /* BGP_SAFI_UNICAST (IID 0) or BGP_SAFI_VPN */
	struct bgp_route route;
	struct bgp_attrs attrs;
	uint8_t store[128];
};

/* The path ID of an RLOC (see above). */
uint32_t bgp_map_path_id(const struct ipaddr *rloc);

/* Valid for BGP: host-or-shorter prefix, 1..BGP_MAP_LOC_MAX locators, IID and version in
 * range, distinct path IDs. */
int bgp_mapping_check(const struct bgp_host_mapping *m, struct proto_err *e);

/* Build path `i` (locator m->loc[i]) for a session. `local_as` is the Large Communities'
 * global administrator (and the AS_PATH when ebgp). */
int bgp_mapping_encode_path(const struct bgp_host_mapping *m, unsigned i, uint32_t local_as,
			    bool ebgp, const struct bgp_sess_opts *o, struct bgp_map_path *out,
			    struct proto_err *e);
/* A plain route (no LISP attribute): the prefix (IPv4/IPv6 unicast) with next hop `nh`,
 * ORIGIN IGP, AS_PATH empty or `local_as` when ebgp, LOCAL_PREF 100 when not ebgp. What a
 * D-ETR announces to the underlay (bgp/bgp.h bgp_underlay_announce). An IPv4 prefix with an
 * IPv6 next hop needs RFC 8950 in `o`. */
int bgp_plain_encode_path(const struct lisp_prefix *pfx, const struct ipaddr *nh, uint32_t local_as,
			  bool ebgp, const struct bgp_sess_opts *o, struct bgp_map_path *out,
			  struct proto_err *e);
/* The route of locator i (also what to withdraw: a move = new paths + withdraw of the old
 * IDs); `local_as` is the RD's administrator for a tenant's (VPN) route. */
void bgp_mapping_route(const struct bgp_host_mapping *m, unsigned i, uint32_t local_as,
		       struct bgp_route *out);
/* The SAFI of the routes of an EID: 1 for instance ID 0, 128 for any other. */
static inline uint8_t bgp_mapping_safi(const struct lisp_prefix *eid)
{
	return eid->iid ? BGP_SAFI_VPN : BGP_SAFI_UNICAST;
}
/* The next hop of a received route (as on the wire, IPv4-mapped not undone): the MP_REACH
 * next hop for MP routes, NEXT_HOP for the IPv4 unicast NLRI field (RFC 4760 §3: in an
 * UPDATE with both, each route takes the one of the field it came in). -1: none. */
int bgp_route_next_hop(const struct bgp_route *route, const struct bgp_attrs *attrs,
		       struct ipaddr *out);

/* Can this address be an RLOC (the next hop of a host route)? NULL when it can, else why
 * not: unspecified (0.0.0.0/8, ::), loopback (127/8, ::1), multicast (224/4, ff00::/8),
 * broadcast or reserved (240/4, 255.255.255.255), link-local (169.254/16, fe80::/10). An
 * IPv4-mapped IPv6 address is judged as the IPv4 address it carries. RFC 4271 §6.3: such a
 * next hop is semantically incorrect; the receiver treats the route as withdrawn (RFC 7606
 * §7.3) rather than installing it. */
const char *bgp_rloc_unusable(const struct ipaddr *a);

/* What one received path says. */
struct bgp_map_path_info {
	struct lisp_prefix eid; /* iid: VPN, from the RD; unicast, from fn 3 (0 without it) */
	uint16_t version;
	uint64_t reg_ms; /* fn 6 and fn 7, 0 without fn 6 */
	uint32_t ttl;
	uint32_t path_id;
	struct bgp_map_locator loc;
};

/* Decode a received path: `route` from the NLRI/MP_REACH list, `attrs` of its UPDATE.
 * Only Large Communities whose global administrator is `as` are read (0 = any). The RLOC is
 * the next hop (an IPv4-mapped IPv6 next hop becomes the IPv4 RLOC). Priority: fn 1, else
 * 255 - LOCAL_PREF, else 1; weight: fn 2, else BGP_MAP_DEFAULT_WEIGHT. Instance ID: a VPN
 * route's RD (fn 3 is not read: the RD is the NLRI's identity; a VPN route whose RD names no
 * instance ID is refused), a unicast route's fn 3. */
int bgp_mapping_decode_path(const struct bgp_route *route, const struct bgp_attrs *attrs,
			    uint32_t as, struct bgp_map_path_info *out, struct proto_err *e);

/* Fold a received path into a mapping (same EID, paths of one originating Map-Server): a
 * later registration time, or with equal or unknown times a newer version (RFC 1982-style
 * 12-bit comparison), replaces the locator set; the same time and version adds or replaces
 * the locator of that RLOC; an older one is ignored. Returns 0 applied, 1 stale (ignored), -1
 * error (full or different EID). */
int bgp_mapping_merge(struct bgp_host_mapping *m, const struct bgp_map_path_info *p);

/* Which of two mappings of one EID announced by different Map-Servers to prefer
 * (docs/bgp-mappings.md "Ordering"): 1 a, -1 b, 0 no order (a time unknown on either side,
 * or the same time and the same locators). The later registration time wins; with the same
 * time (one registration seen by both, or two at the same millisecond), the larger locator
 * set in a fixed order (RLOC bytes, then priority, then weight, locators sorted): every
 * receiver picks the same whatever the order of arrival. */
int bgp_mapping_newer(const struct bgp_host_mapping *a, const struct bgp_host_mapping *b);

/* Remove the locator whose path ID is `path_id` (a withdraw); returns locators left, or -1 if
 * none matched. */
int bgp_mapping_withdraw(struct bgp_host_mapping *m, uint32_t path_id);

#endif
