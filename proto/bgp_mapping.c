/* SPDX-License-Identifier: ISC */
/*
 * proto/bgp_mapping.c - LISP host mapping <-> BGP paths (the encoding is described in
 * bgp_mapping.h and docs/bgp-mappings.md). Uses RFC 7911 path IDs, RFC 8092 Large Communities,
 * RFC 1997 NO_EXPORT, RFC 4760 MP_REACH next hops (IPv4-mapped for IPv6 EIDs over IPv4
 * RLOCs, RFC 4291 §2.5.5.2) and RFC 8950 (IPv4 EIDs over IPv6 RLOCs); the mappings of
 * instance IDs other than 0 as VPN-IPv4/VPN-IPv6 routes (RFC 4364 §4.3, RFC 4659 §3); map
 * versions compare as 12-bit serial numbers (RFC 9301 §5.4 / RFC 1982).
 */
#include "proto/bgp_mapping.h"

#include <string.h>

static const uint8_t v4mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

uint32_t bgp_map_path_id(const struct ipaddr *rloc)
{
	uint32_t h;
	if (rloc->afi == LISP_AFI_IPV4) {
		h = ((uint32_t)rloc->a[0] << 24) | ((uint32_t)rloc->a[1] << 16) |
		    ((uint32_t)rloc->a[2] << 8) | rloc->a[3];
	} else {
		h = 2166136261u; /* FNV-1a 32 */
		for (size_t i = 0; i < 16; i++) {
			h ^= rloc->a[i];
			h *= 16777619u;
		}
	}
	return h ? h : 1;
}

const char *bgp_rloc_unusable(const struct ipaddr *a)
{
	static const uint8_t zero[16];
	const uint8_t *v4 = NULL;

	if (a->afi == LISP_AFI_IPV4)
		v4 = a->a;
	else if (a->afi == LISP_AFI_IPV6 && memcmp(a->a, v4mapped_prefix, 12) == 0)
		v4 = a->a + 12;
	else if (a->afi != LISP_AFI_IPV6)
		return "not an IPv4 or IPv6 address";
	if (v4) {
		if (v4[0] == 0)
			return "unspecified";
		if (v4[0] == 127)
			return "loopback";
		if (v4[0] >= 224 && v4[0] <= 239)
			return "multicast";
		if (v4[0] >= 240)
			return v4[0] == 255 && v4[1] == 255 && v4[2] == 255 && v4[3] == 255
				   ? "broadcast"
				   : "reserved (240/4)";
		if (v4[0] == 169 && v4[1] == 254)
			return "link-local";
		return NULL;
	}
	if (memcmp(a->a, zero, 16) == 0)
		return "unspecified";
	if (memcmp(a->a, zero, 15) == 0 && a->a[15] == 1)
		return "loopback";
	if (a->a[0] == 0xff)
		return "multicast";
	if (a->a[0] == 0xfe && (a->a[1] & 0xc0) == 0x80)
		return "link-local";
	return NULL;
}

int bgp_mapping_check(const struct bgp_host_mapping *m, struct proto_err *e)
{
	if (m->eid.afi != LISP_AFI_IPV4 && m->eid.afi != LISP_AFI_IPV6)
		return proto_fail(e, PERR_BAD_AFI, 0, "EID is not IPv4 or IPv6");
	if (m->eid.plen > afi_max_plen(m->eid.afi))
		return proto_fail(e, PERR_BAD_PREFIX, 0, "EID prefix length");
	if (m->eid.iid > LISP_IID_MAX || m->version > BGP_MAP_VERSION_MAX)
		return proto_fail(e, PERR_BAD_VALUE, 0, "instance ID or map version out of range");
	if (m->n_loc == 0 || m->n_loc > BGP_MAP_LOC_MAX)
		return proto_fail(e, PERR_BAD_COUNT, 0, "locator count");
	for (unsigned i = 0; i < m->n_loc; i++) {
		if (m->loc[i].rloc.afi != LISP_AFI_IPV4 && m->loc[i].rloc.afi != LISP_AFI_IPV6)
			return proto_fail(e, PERR_BAD_AFI, i, "RLOC is not IPv4 or IPv6");
		for (unsigned j = 0; j < i; j++)
			if (bgp_map_path_id(&m->loc[i].rloc) == bgp_map_path_id(&m->loc[j].rloc))
				return proto_fail(e, PERR_BAD_VALUE, i,
						  "two RLOCs give the same path ID");
	}
	return 0;
}

void bgp_mapping_route(const struct bgp_host_mapping *m, unsigned i, uint32_t local_as,
		       struct bgp_route *out)
{
	memset(out, 0, sizeof(*out));
	out->prefix = m->eid;
	if (m->eid.iid != 0) {
		/* a tenant: VPN route, RD AS:IID, label 3 (implicit null) with S set */
		out->vpn = true;
		out->rd = bgp_rd_make(local_as, m->eid.iid);
		out->label = BGP_LABEL_FIELD(BGP_LABEL_IMPLICIT_NULL);
	}
	prefix_normalize(&out->prefix);
	if (i < m->n_loc && i < BGP_MAP_LOC_MAX)
		out->path_id = bgp_map_path_id(&m->loc[i].rloc);
}

int bgp_route_next_hop(const struct bgp_route *route, const struct bgp_attrs *a, struct ipaddr *out)
{
	/* One UPDATE may carry IPv4 routes in its NLRI field (with NEXT_HOP) and other routes in
	 * MP_REACH (RFC 4760 §3): NEXT_HOP is the next hop of an IPv4 unicast route unless
	 * MP_REACH itself is for IPv4 unicast (RFC 8950 or an IPv4 next hop). */
	bool v4_field = !route->vpn && route->prefix.afi == LISP_AFI_IPV4 &&
			bgp_attr_has(a, BGP_ATTR_NEXT_HOP) &&
			!(a->n_mp_nh && a->mp_reach.afi == BGP_AFI_IPV4 &&
			  a->mp_reach.safi == BGP_SAFI_UNICAST);
	if (a->n_mp_nh && !v4_field) {
		*out = a->mp_nh[0];
		return 0;
	}
	if (!route->vpn && bgp_attr_has(a, BGP_ATTR_NEXT_HOP)) {
		*out = a->next_hop;
		return 0;
	}
	memset(out, 0, sizeof(*out));
	return -1;
}

/* The next hop `nh` of a route of (afi, safi): NEXT_HOP for IPv4 unicast over IPv4, else
 * MP_REACH's (IPv4-mapped for IPv6 routes over IPv4; IPv6 for IPv4 routes only with RFC 8950
 * negotiated for the family). */
static int set_next_hop(struct bgp_attrs *a, uint16_t afi, uint8_t safi, const struct ipaddr *nh,
			const struct bgp_sess_opts *o, unsigned i, struct proto_err *e)
{
	int aid = bgp_aid(afi, safi);

	if (afi == BGP_AFI_IPV4 && nh->afi == LISP_AFI_IPV4 && safi == BGP_SAFI_UNICAST) {
		a->next_hop = *nh;
		bgp_attr_set(a, BGP_ATTR_NEXT_HOP);
	} else if (afi == BGP_AFI_IPV4 && nh->afi == LISP_AFI_IPV4) {
		a->n_mp_nh = 1; /* VPN-IPv4: RD 0 + the IPv4 RLOC in MP_REACH */
		a->mp_nh[0] = *nh;
	} else if (afi == BGP_AFI_IPV6 && nh->afi == LISP_AFI_IPV4) {
		a->n_mp_nh = 1;
		a->mp_nh[0].afi = LISP_AFI_IPV6;
		memcpy(a->mp_nh[0].a, v4mapped_prefix, 12);
		memcpy(a->mp_nh[0].a + 12, nh->a, 4);
	} else {
		if (afi == BGP_AFI_IPV4 && (aid < 0 || !(o->ext_nh & BGP_AID_BIT(aid))))
			return proto_fail(
			    e, PERR_BAD_AFI, i,
			    "IPv6 next hop for an IPv4 route needs extended next hop");
		a->n_mp_nh = 1;
		a->mp_nh[0] = *nh;
	}
	return 0;
}

int bgp_plain_encode_path(const struct lisp_prefix *pfx, const struct ipaddr *nh, uint32_t local_as,
			  bool ebgp, const struct bgp_sess_opts *o, struct bgp_map_path *out,
			  struct proto_err *e)
{
	struct buf st;
	struct bgp_attrs *a = &out->attrs;

	memset(out, 0, sizeof(*out));
	if (pfx->afi != LISP_AFI_IPV4 && pfx->afi != LISP_AFI_IPV6)
		return proto_fail(e, PERR_BAD_AFI, 0, "prefix is not IPv4 or IPv6");
	if (nh->afi != LISP_AFI_IPV4 && nh->afi != LISP_AFI_IPV6)
		return proto_fail(e, PERR_BAD_AFI, 0, "next hop is not IPv4 or IPv6");
	out->afi = pfx->afi == LISP_AFI_IPV4 ? BGP_AFI_IPV4 : BGP_AFI_IPV6;
	out->safi = BGP_SAFI_UNICAST;
	out->route.prefix = *pfx;
	out->route.prefix.iid = 0;
	prefix_normalize(&out->route.prefix);
	if (set_next_hop(a, out->afi, out->safi, nh, o, 0, e) < 0)
		return -1;
	a->origin = BGP_ORIGIN_IGP;
	bgp_attr_set(a, BGP_ATTR_ORIGIN);
	buf_init_write(&st, out->store, sizeof(out->store));
	uint32_t as = local_as;
	if (bgp_attrs_set_as_path(a, &st, &as, ebgp ? 1 : 0))
		return proto_fail(e, PERR_FULL, 0, "path store");
	if (!ebgp) {
		a->local_pref = 100;
		bgp_attr_set(a, BGP_ATTR_LOCAL_PREF);
	}
	return 0;
}

int bgp_mapping_encode_path(const struct bgp_host_mapping *m, unsigned i, uint32_t local_as,
			    bool ebgp, const struct bgp_sess_opts *o, struct bgp_map_path *out,
			    struct proto_err *e)
{
	struct buf st;
	struct bgp_attrs *a = &out->attrs;

	if (bgp_mapping_check(m, e))
		return -1;
	if (i >= m->n_loc)
		return proto_fail(e, PERR_BAD_COUNT, i, "no such locator");
	const struct bgp_map_locator *l = &m->loc[i];
	memset(out, 0, sizeof(*out));
	out->afi = m->eid.afi == LISP_AFI_IPV4 ? BGP_AFI_IPV4 : BGP_AFI_IPV6;
	out->safi = bgp_mapping_safi(&m->eid);
	bgp_mapping_route(m, i, local_as, &out->route);
	if (set_next_hop(a, out->afi, out->safi, &l->rloc, o, i, e) < 0)
		return -1;

	a->origin = BGP_ORIGIN_IGP;
	bgp_attr_set(a, BGP_ATTR_ORIGIN);
	buf_init_write(&st, out->store, sizeof(out->store));
	uint32_t as = local_as;
	if (bgp_attrs_set_as_path(a, &st, &as, ebgp ? 1 : 0))
		return proto_fail(e, PERR_FULL, 0, "path store");
	a->local_pref = 255u - l->priority;
	if (!ebgp)
		bgp_attr_set(a, BGP_ATTR_LOCAL_PREF);
	const uint32_t comm = BGP_COMM_NO_EXPORT;
	const struct bgp_lcomm lc[] = {
	    {local_as, BGP_MAP_FN_PRIORITY, l->priority},
	    {local_as, BGP_MAP_FN_WEIGHT, l->weight},
	    {local_as, BGP_MAP_FN_IID, m->eid.iid},
	    {local_as, BGP_MAP_FN_VERSION, m->version},
	    {local_as, BGP_MAP_FN_TTL, m->ttl},
	    {local_as, BGP_MAP_FN_REG_S, (uint32_t)(m->reg_ms / 1000)},
	    {local_as, BGP_MAP_FN_REG_MS, (uint32_t)(m->reg_ms % 1000)},
	};
	/* the registration time only when known (and while seconds fit in 32 bits) */
	size_t nlc = m->reg_ms && m->reg_ms / 1000 <= UINT32_MAX ? nitems(lc) : nitems(lc) - 2;
	if (bgp_attrs_set_communities(a, &st, &comm, 1) ||
	    bgp_attrs_set_large_comms(a, &st, lc, nlc))
		return proto_fail(e, PERR_FULL, 0, "path store");
	return 0;
}

int bgp_mapping_decode_path(const struct bgp_route *route, const struct bgp_attrs *a, uint32_t as,
			    struct bgp_map_path_info *out, struct proto_err *e)
{
	bool have_prio = false, have_weight = false, have_ttl = false, have_rs = false,
	     have_rms = false;
	uint32_t reg_s = 0, reg_ms = 0;

	struct ipaddr nh;

	memset(out, 0, sizeof(*out));
	out->eid = route->prefix;
	out->path_id = route->path_id;
	if (route->vpn && route->prefix.iid == 0)
		return proto_fail(e, PERR_BAD_VALUE, 0,
				  "VPN route whose route distinguisher names no instance ID");
	/* RLOC from the next hop */
	if (bgp_route_next_hop(route, a, &nh) < 0)
		return proto_fail(e, PERR_BAD_VALUE, 0, "path without a next hop");
	if (nh.afi == LISP_AFI_IPV6 && memcmp(nh.a, v4mapped_prefix, 12) == 0) {
		out->loc.rloc.afi = LISP_AFI_IPV4;
		memcpy(out->loc.rloc.a, nh.a + 12, 4);
	} else {
		out->loc.rloc = nh;
	}
	if (route->prefix.afi != LISP_AFI_IPV4 && route->prefix.afi != LISP_AFI_IPV6)
		return proto_fail(e, PERR_BAD_AFI, 0, "EID is not IPv4 or IPv6");

	for (size_t i = 0; i < bgp_attrs_n_large_comms(a); i++) {
		struct bgp_lcomm l = bgp_attrs_large_comm(a, i);
		if (as && l.global != as)
			continue;
		switch (l.local1) {
		case BGP_MAP_FN_PRIORITY:
			if (!have_prio && l.local2 <= 255) {
				out->loc.priority = (uint8_t)l.local2;
				have_prio = true;
			}
			break;
		case BGP_MAP_FN_WEIGHT:
			if (!have_weight && l.local2 <= 255) {
				out->loc.weight = (uint8_t)l.local2;
				have_weight = true;
			}
			break;
		case BGP_MAP_FN_IID: /* a VPN route's instance ID is its RD's */
			if (!route->vpn && out->eid.iid == 0 && l.local2 <= LISP_IID_MAX)
				out->eid.iid = l.local2;
			break;
		case BGP_MAP_FN_VERSION:
			if (out->version == 0 && l.local2 <= BGP_MAP_VERSION_MAX)
				out->version = (uint16_t)l.local2;
			break;
		case BGP_MAP_FN_TTL:
			if (!have_ttl) {
				out->ttl = l.local2;
				have_ttl = true;
			}
			break;
		case BGP_MAP_FN_REG_S:
			if (!have_rs && l.local2 != 0) {
				reg_s = l.local2;
				have_rs = true;
			}
			break;
		case BGP_MAP_FN_REG_MS:
			if (!have_rms && l.local2 <= 999) {
				reg_ms = l.local2;
				have_rms = true;
			}
			break;
		default: /* other functions: not ours */
			break;
		}
	}
	if (!have_prio)
		out->loc.priority = bgp_attr_has(a, BGP_ATTR_LOCAL_PREF) && a->local_pref <= 255
					? (uint8_t)(255 - a->local_pref)
					: 1;
	if (!have_weight)
		out->loc.weight = BGP_MAP_DEFAULT_WEIGHT;
	if (!have_ttl)
		out->ttl = BGP_MAP_DEFAULT_TTL;
	if (have_rs)
		out->reg_ms = (uint64_t)reg_s * 1000 + reg_ms;
	return 0;
}

/* 12-bit serial number arithmetic: is a newer than b? */
static bool version_newer(uint16_t a, uint16_t b)
{
	uint16_t d = (uint16_t)((a - b) & BGP_MAP_VERSION_MAX);
	return d != 0 && d < 0x800;
}

int bgp_mapping_merge(struct bgp_host_mapping *m, const struct bgp_map_path_info *p)
{
	if (m->n_loc == 0) {
		m->eid = p->eid;
		m->version = p->version;
		m->reg_ms = p->reg_ms;
	} else if (!prefix_eq(&m->eid, &p->eid)) {
		return -1;
	} else if (p->reg_ms && m->reg_ms && p->reg_ms != m->reg_ms) {
		if (p->reg_ms < m->reg_ms)
			return 1;
		m->n_loc = 0; /* a later registration replaces the locator set */
		m->version = p->version;
		m->reg_ms = p->reg_ms;
	} else if (p->version && m->version && p->version != m->version) {
		if (!version_newer(p->version, m->version))
			return 1;
		m->n_loc = 0; /* a newer mapping replaces the locator set */
		m->version = p->version;
	}
	m->ttl = p->ttl;
	for (unsigned i = 0; i < m->n_loc; i++) {
		if (ipaddr_eq(&m->loc[i].rloc, &p->loc.rloc)) {
			m->loc[i] = p->loc;
			return 0;
		}
	}
	if (m->n_loc >= BGP_MAP_LOC_MAX)
		return -1;
	m->loc[m->n_loc++] = p->loc;
	return 0;
}

static int loc_cmp(const struct bgp_map_locator *a, const struct bgp_map_locator *b)
{
	int c = memcmp(&a->rloc.afi, &b->rloc.afi, sizeof(a->rloc.afi));

	if (c == 0)
		c = memcmp(a->rloc.a, b->rloc.a, sizeof(a->rloc.a));
	if (c == 0)
		c = (int)a->priority - (int)b->priority;
	if (c == 0)
		c = (int)a->weight - (int)b->weight;
	return c;
}

/* The locators in the fixed order (insertion sort: at most BGP_MAP_LOC_MAX). */
static unsigned sorted_locs(const struct bgp_host_mapping *m, struct bgp_map_locator *v)
{
	unsigned n = m->n_loc < BGP_MAP_LOC_MAX ? m->n_loc : BGP_MAP_LOC_MAX;

	for (unsigned i = 0; i < n; i++) {
		unsigned j = i;
		for (; j > 0 && loc_cmp(&v[j - 1], &m->loc[i]) > 0; j--)
			v[j] = v[j - 1];
		v[j] = m->loc[i];
	}
	return n;
}

int bgp_mapping_newer(const struct bgp_host_mapping *a, const struct bgp_host_mapping *b)
{
	struct bgp_map_locator va[BGP_MAP_LOC_MAX], vb[BGP_MAP_LOC_MAX];

	if (a->reg_ms == 0 || b->reg_ms == 0)
		return 0;
	if (a->reg_ms != b->reg_ms)
		return a->reg_ms > b->reg_ms ? 1 : -1;
	unsigned na = sorted_locs(a, va), nb = sorted_locs(b, vb);
	for (unsigned i = 0; i < na && i < nb; i++) {
		int c = loc_cmp(&va[i], &vb[i]);
		if (c)
			return c > 0 ? 1 : -1;
	}
	return na == nb ? 0 : na > nb ? 1 : -1;
}

int bgp_mapping_withdraw(struct bgp_host_mapping *m, uint32_t path_id)
{
	for (unsigned i = 0; i < m->n_loc && i < BGP_MAP_LOC_MAX; i++) {
		if (bgp_map_path_id(&m->loc[i].rloc) != path_id)
			continue;
		memmove(&m->loc[i], &m->loc[i + 1], (m->n_loc - i - 1) * sizeof(m->loc[0]));
		m->n_loc--;
		return m->n_loc;
	}
	return -1;
}
