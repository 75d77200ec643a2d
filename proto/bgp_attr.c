/* SPDX-License-Identifier: ISC */
/*
 * proto/bgp_attr.c - BGP path attributes: the descriptor table (one row per attribute:
 * name, expected flags, RFC 7606 action when malformed, decode, encode, format), the
 * attribute-section parser with RFC 7606 classification, and the attribute encoder.
 *
 * RFC 4271 §4.3/§5 (attributes), §6.3 (UPDATE errors); RFC 7606 §3 (approaches, duplicate
 * attributes, flags), §4 (attribute lengths vs Total Attribute Length), §5 (MP_REACH and
 * MP_UNREACH), §7.1-§7.11 (per-attribute rules); RFC 4760 §3/§4; RFC 6793 §4 (2/4-octet
 * AS_PATH and AGGREGATOR); RFC 8092 §3/§6 (Large Communities); RFC 8950 §3 (IPv6 next hop
 * for IPv4 NLRI). Unknown optional transitive attributes are kept opaque and re-sent with
 * the Partial bit (RFC 4271 §5); unknown optional non-transitive ones are dropped.
 */
#include "proto/bgp.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

struct attr_ctx {
	const struct bgp_sess_opts *o;
	const char *reason;
	enum bgp_action act; /* 0 = the table's action */
};

typedef int (*attr_decode_fn)(struct attr_ctx *c, struct buf *v, struct bgp_attrs *a);
typedef int (*attr_encode_fn)(struct buf *w, const struct bgp_attrs *a,
			      const struct bgp_sess_opts *o);
typedef int (*attr_format_fn)(const struct bgp_attrs *a, char *dst, size_t len);

struct attr_desc {
	const char *name;
	uint8_t flags;	  /* expected Optional|Transitive bits */
	uint8_t on_error; /* enum bgp_action when malformed (RFC 7606 §7) */
	uint8_t subcode;  /* NOTIFICATION subcode when that action is a session reset */
	attr_decode_fn decode;
	attr_encode_fn encode;
	attr_format_fn format;
};

#define F_WK  BGP_ATTR_F_TRANSITIVE			    /* well-known */
#define F_OT  (BGP_ATTR_F_OPTIONAL | BGP_ATTR_F_TRANSITIVE) /* optional transitive */
#define F_ONT BGP_ATTR_F_OPTIONAL			    /* optional non-transitive */

static int fail(struct attr_ctx *c, const char *reason)
{
	c->reason = reason;
	return -1;
}

/* ---- attribute header ---- */
static int put_hdr(struct buf *w, uint8_t flags, uint8_t type, size_t len)
{
	if (len > 0xffff)
		return -1;
	if (len > 255 || (flags & BGP_ATTR_F_EXTLEN))
		return buf_add_u8(w, flags | BGP_ATTR_F_EXTLEN) || buf_add_u8(w, type) ||
		       buf_add_u16(w, (uint16_t)len);
	return buf_add_u8(w, flags) || buf_add_u8(w, type) || buf_add_u8(w, (uint8_t)len);
}

static int put_u32_attr(struct buf *w, uint8_t flags, uint8_t type, uint32_t v)
{
	return put_hdr(w, flags, type, 4) || buf_add_u32(w, v);
}

static int put_view_attr(struct buf *w, uint8_t flags, uint8_t type, const struct buf *v)
{
	return put_hdr(w, flags, type, v->len) || buf_add_bytes(w, v->data, v->len);
}

static int get_u32_exact(struct buf *v, uint32_t *out)
{
	return buf_left(v) != 4 || buf_get_u32(v, out) ? -1 : 0;
}

/* A view of the whole value, consumed. */
static void take_view(struct buf *v, struct buf *out)
{
	buf_init_read(out, buf_cur(v), buf_left(v));
	v->off = v->len;
}

/* ---- ORIGIN (RFC 4271 §5.1.1, RFC 7606 §7.1) ---- */
static int origin_decode(struct attr_ctx *c, struct buf *v, struct bgp_attrs *a)
{
	if (buf_left(v) != 1 || buf_get_u8(v, &a->origin))
		return fail(c, "ORIGIN length is not 1");
	if (a->origin > BGP_ORIGIN_INCOMPLETE)
		return fail(c, "undefined ORIGIN value");
	return 0;
}
static int origin_encode(struct buf *w, const struct bgp_attrs *a, const struct bgp_sess_opts *o)
{
	return put_hdr(w, F_WK, BGP_ATTR_ORIGIN, 1) || buf_add_u8(w, a->origin);
}
static int origin_format(const struct bgp_attrs *a, char *dst, size_t len)
{
	static const char *const names[] = {"IGP", "EGP", "incomplete"};
	return snprintf(dst, len, "%s", a->origin < nitems(names) ? names[a->origin] : "?");
}

/* ---- AS_PATH (RFC 4271 §5.1.2, RFC 6793 §4, RFC 7606 §7.2) ---- */
static int aspath_check(struct attr_ctx *c, struct buf v, bool as4)
{
	size_t w = as4 ? 4 : 2;
	while (buf_left(&v)) {
		uint8_t type, count;
		if (buf_get_u8(&v, &type) || buf_get_u8(&v, &count))
			return fail(c, "AS_PATH segment header truncated");
		if (type < BGP_AS_SET || type > BGP_AS_CONFED_SET)
			return fail(c, "AS_PATH unknown segment type");
		if (type >= BGP_AS_CONFED_SEQUENCE && !c->o->ibgp)
			return fail(c, "AS_CONFED segment from an external peer");
		if (count == 0)
			return fail(c, "AS_PATH segment of length zero");
		if (buf_skip(&v, (size_t)count * w))
			return fail(c, "AS_PATH segment overruns the attribute");
	}
	return 0;
}
static int aspath_decode(struct attr_ctx *c, struct buf *v, struct bgp_attrs *a)
{
	if (aspath_check(c, *v, c->o->as4))
		return -1;
	a->as_path_as4 = c->o->as4;
	take_view(v, &a->as_path);
	return 0;
}
/* Encoded length of the path at the session's AS width. */
static size_t aspath_wire_len(const struct bgp_attrs *a, bool as4)
{
	struct buf v;
	size_t n = 0, segs = 0, w = a->as_path_as4 ? 4 : 2;
	buf_init_read(&v, a->as_path.data, a->as_path.len);
	while (buf_left(&v)) {
		uint8_t type, count;
		if (buf_get_u8(&v, &type) || buf_get_u8(&v, &count) ||
		    buf_skip(&v, (size_t)count * w))
			break;
		segs++;
		n += count;
	}
	return segs * 2 + n * (as4 ? 4 : 2);
}
static int aspath_encode(struct buf *w, const struct bgp_attrs *a, const struct bgp_sess_opts *o)
{
	if (a->as_path_as4 == o->as4)
		return put_view_attr(w, F_WK, BGP_ATTR_AS_PATH, &a->as_path);
	/* re-encode at the session's width; RFC 6793 §4.2.2: AS_TRANS for wide ASNs */
	if (put_hdr(w, F_WK, BGP_ATTR_AS_PATH, aspath_wire_len(a, o->as4)))
		return -1;
	struct buf v = a->as_path;
	v.off = 0;
	while (buf_left(&v)) {
		uint8_t type, count;
		if (buf_get_u8(&v, &type) || buf_get_u8(&v, &count) || buf_add_u8(w, type) ||
		    buf_add_u8(w, count))
			return -1;
		for (unsigned i = 0; i < count; i++) {
			uint32_t asn;
			uint16_t a16;
			if (a->as_path_as4) {
				if (buf_get_u32(&v, &asn))
					return -1;
			} else {
				if (buf_get_u16(&v, &a16))
					return -1;
				asn = a16;
			}
			if (o->as4 ? buf_add_u32(w, asn)
				   : buf_add_u16(w, asn > 0xffff ? BGP_AS_TRANS : (uint16_t)asn))
				return -1;
		}
	}
	return 0;
}
static int aspath_format(const struct bgp_attrs *a, char *dst, size_t len)
{
	struct bgp_aspath_iter it;
	uint8_t t, prev = 0;
	uint32_t asn;
	size_t used = 0;
	int n = 0;
	if (len)
		dst[0] = '\0';
	bgp_aspath_iter_init(&it, a);
	while (bgp_aspath_next(&it, &t, &asn) == 1 && used < len) {
		n = snprintf(dst + used, len - used, "%s%s%" PRIu32, used ? " " : "",
			     (t == BGP_AS_SET || t == BGP_AS_CONFED_SET) && prev != t ? "{" : "",
			     asn);
		if (n < 0)
			return n;
		used += (size_t)n;
		prev = t;
	}
	return (int)used;
}

/* ---- NEXT_HOP (RFC 4271 §5.1.3, RFC 7606 §7.3) ---- */
static int nexthop_decode(struct attr_ctx *c, struct buf *v, struct bgp_attrs *a)
{
	uint32_t nh;
	if (get_u32_exact(v, &nh))
		return fail(c, "NEXT_HOP length is not 4");
	ipaddr_from_v4(&a->next_hop, nh);
	return 0;
}
static int nexthop_encode(struct buf *w, const struct bgp_attrs *a, const struct bgp_sess_opts *o)
{
	if (a->next_hop.afi != LISP_AFI_IPV4)
		return -1;
	return put_hdr(w, F_WK, BGP_ATTR_NEXT_HOP, 4) || buf_add_bytes(w, a->next_hop.a, 4);
}
static int nexthop_format(const struct bgp_attrs *a, char *dst, size_t len)
{
	char s[IPADDR_STRLEN];
	return snprintf(dst, len, "%s", ipaddr_str(&a->next_hop, s, sizeof(s)));
}

/* ---- MULTI_EXIT_DISC, LOCAL_PREF (RFC 7606 §7.4, §7.5) ---- */
static int med_decode(struct attr_ctx *c, struct buf *v, struct bgp_attrs *a)
{
	return get_u32_exact(v, &a->med) ? fail(c, "MULTI_EXIT_DISC length is not 4") : 0;
}
static int med_encode(struct buf *w, const struct bgp_attrs *a, const struct bgp_sess_opts *o)
{
	return put_u32_attr(w, F_ONT, BGP_ATTR_MED, a->med);
}
static int med_format(const struct bgp_attrs *a, char *dst, size_t len)
{
	return snprintf(dst, len, "%" PRIu32, a->med);
}
static int lpref_decode(struct attr_ctx *c, struct buf *v, struct bgp_attrs *a)
{
	if (!c->o->ibgp) {
		/* §7.5: from an external peer it SHALL be disregarded */
		c->act = BGP_ACT_ATTR_DISCARD;
		return fail(c, "LOCAL_PREF from an external peer");
	}
	return get_u32_exact(v, &a->local_pref) ? fail(c, "LOCAL_PREF length is not 4") : 0;
}
static int lpref_encode(struct buf *w, const struct bgp_attrs *a, const struct bgp_sess_opts *o)
{
	return put_u32_attr(w, F_WK, BGP_ATTR_LOCAL_PREF, a->local_pref);
}
static int lpref_format(const struct bgp_attrs *a, char *dst, size_t len)
{
	return snprintf(dst, len, "%" PRIu32, a->local_pref);
}

/* ---- ATOMIC_AGGREGATE, AGGREGATOR (RFC 7606 §7.6, §7.7) ---- */
static int atomic_decode(struct attr_ctx *c, struct buf *v, struct bgp_attrs *a)
{
	return buf_left(v) ? fail(c, "ATOMIC_AGGREGATE length is not 0") : 0;
}
static int atomic_encode(struct buf *w, const struct bgp_attrs *a, const struct bgp_sess_opts *o)
{
	return put_hdr(w, F_WK, BGP_ATTR_ATOMIC_AGGR, 0);
}
static int atomic_format(const struct bgp_attrs *a, char *dst, size_t len)
{
	return snprintf(dst, len, "yes");
}
static int aggr_decode(struct attr_ctx *c, struct buf *v, struct bgp_attrs *a)
{
	uint16_t as2;
	if (c->o->as4) {
		if (buf_left(v) != 8 || buf_get_u32(v, &a->aggr_as) || buf_get_u32(v, &a->aggr_id))
			return fail(c, "AGGREGATOR length is not 8");
		return 0;
	}
	if (buf_left(v) != 6 || buf_get_u16(v, &as2) || buf_get_u32(v, &a->aggr_id))
		return fail(c, "AGGREGATOR length is not 6");
	a->aggr_as = as2;
	return 0;
}
static int aggr_encode(struct buf *w, const struct bgp_attrs *a, const struct bgp_sess_opts *o)
{
	if (o->as4)
		return put_hdr(w, F_OT, BGP_ATTR_AGGREGATOR, 8) || buf_add_u32(w, a->aggr_as) ||
		       buf_add_u32(w, a->aggr_id);
	return put_hdr(w, F_OT, BGP_ATTR_AGGREGATOR, 6) ||
	       buf_add_u16(w, a->aggr_as > 0xffff ? BGP_AS_TRANS : (uint16_t)a->aggr_as) ||
	       buf_add_u32(w, a->aggr_id);
}
static int aggr_format(const struct bgp_attrs *a, char *dst, size_t len)
{
	struct ipaddr id;
	char s[IPADDR_STRLEN];
	ipaddr_from_v4(&id, a->aggr_id);
	return snprintf(dst, len, "%" PRIu32 " %s", a->aggr_as, ipaddr_str(&id, s, sizeof(s)));
}

/* ---- list attributes: COMMUNITIES, CLUSTER_LIST, LARGE_COMMUNITY (§7.8, §7.10, 8092 §6) ---- */
static int list_decode(struct attr_ctx *c, struct buf *v, struct buf *out, size_t unit,
		       const char *reason)
{
	if (buf_left(v) == 0 || buf_left(v) % unit)
		return fail(c, reason);
	take_view(v, out);
	return 0;
}
static int comm_decode(struct attr_ctx *c, struct buf *v, struct bgp_attrs *a)
{
	return list_decode(c, v, &a->communities, 4,
			   "COMMUNITIES length not a non-zero multiple of 4");
}
static int comm_encode(struct buf *w, const struct bgp_attrs *a, const struct bgp_sess_opts *o)
{
	return put_view_attr(w, F_OT, BGP_ATTR_COMMUNITIES, &a->communities);
}
static int comm_format(const struct bgp_attrs *a, char *dst, size_t len)
{
	size_t used = 0;
	if (len)
		dst[0] = '\0';
	for (size_t i = 0; i < bgp_attrs_n_communities(a) && used < len; i++) {
		uint32_t c = bgp_attrs_community(a, i);
		int n = snprintf(dst + used, len - used, "%s(%u,%u)", i ? " " : "", c >> 16,
				 c & 0xffff);
		if (n < 0)
			return n;
		used += (size_t)n;
	}
	return (int)used;
}
static int origid_decode(struct attr_ctx *c, struct buf *v, struct bgp_attrs *a)
{
	return get_u32_exact(v, &a->originator_id) ? fail(c, "ORIGINATOR_ID length is not 4") : 0;
}
static int origid_encode(struct buf *w, const struct bgp_attrs *a, const struct bgp_sess_opts *o)
{
	return put_u32_attr(w, F_ONT, BGP_ATTR_ORIGINATOR_ID, a->originator_id);
}
static int origid_format(const struct bgp_attrs *a, char *dst, size_t len)
{
	struct ipaddr id;
	char s[IPADDR_STRLEN];
	ipaddr_from_v4(&id, a->originator_id);
	return snprintf(dst, len, "%s", ipaddr_str(&id, s, sizeof(s)));
}
static int cluster_decode(struct attr_ctx *c, struct buf *v, struct bgp_attrs *a)
{
	return list_decode(c, v, &a->cluster_list, 4,
			   "CLUSTER_LIST length not a non-zero multiple of 4");
}
static int cluster_encode(struct buf *w, const struct bgp_attrs *a, const struct bgp_sess_opts *o)
{
	return put_view_attr(w, F_ONT, BGP_ATTR_CLUSTER_LIST, &a->cluster_list);
}
static int cluster_format(const struct bgp_attrs *a, char *dst, size_t len)
{
	return snprintf(dst, len, "%zu ids", a->cluster_list.len / 4);
}
static int lcomm_decode(struct attr_ctx *c, struct buf *v, struct bgp_attrs *a)
{
	return list_decode(c, v, &a->large_comms, 12,
			   "LARGE_COMMUNITY length not a non-zero multiple of 12");
}
static int lcomm_encode(struct buf *w, const struct bgp_attrs *a, const struct bgp_sess_opts *o)
{
	return put_view_attr(w, F_OT, BGP_ATTR_LARGE_COMMUNITY, &a->large_comms);
}
static int lcomm_format(const struct bgp_attrs *a, char *dst, size_t len)
{
	size_t used = 0;
	if (len)
		dst[0] = '\0';
	for (size_t i = 0; i < bgp_attrs_n_large_comms(a) && used < len; i++) {
		struct bgp_lcomm l = bgp_attrs_large_comm(a, i);
		int n = snprintf(dst + used, len - used, "%s(%" PRIu32 ",%" PRIu32 ",%" PRIu32 ")",
				 i ? " " : "", l.global, l.local1, l.local2);
		if (n < 0)
			return n;
		used += (size_t)n;
	}
	return (int)used;
}

/* ---- MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760 §3/§4, RFC 8950 §3, RFC 7606 §5, §7.11) ---- */
static bool aid_addpath(const struct bgp_sess_opts *o, uint16_t afi, uint8_t safi, bool rx)
{
	int aid = bgp_aid(afi, safi);
	return aid >= 0 && ((rx ? o->addpath_rx : o->addpath_tx) & BGP_AID_BIT(aid));
}

static int mp_nlri(struct attr_ctx *c, struct buf *v, uint16_t afi, uint8_t safi, bool withdraw,
		   struct bgp_nlri_list *l)
{
	if (bgp_aid(afi, safi) < 0) {
		/* RFC 4760 §7: an AFI/SAFI we did not negotiate; carried, never iterated */
		memset(l, 0, sizeof(*l));
		l->afi = afi;
		l->safi = safi;
		take_view(v, &l->raw);
		l->raw.len = 0;
		return 0;
	}
	if (bgp_nlri_list_parse(v, afi, safi, aid_addpath(c->o, afi, safi, true), withdraw, l))
		return fail(c, l->reason ? l->reason : "MP NLRI malformed");
	return 0;
}

static int mpreach_decode(struct attr_ctx *c, struct buf *v, struct bgp_attrs *a)
{
	uint16_t afi;
	uint8_t safi, nhlen, reserved;
	if (buf_get_u16(v, &afi) || buf_get_u8(v, &safi) || buf_get_u8(v, &nhlen))
		return fail(c, "MP_REACH_NLRI header truncated");
	/* §7.11: a next hop length we do not expect makes the NLRI unlocatable. SAFI 128: each
	 * address behind an 8-byte RD (RFC 4364 §4.3.2, RFC 4659 §3.2.1, RFC 8950 §3) */
	size_t rdl = safi == BGP_SAFI_VPN ? BGP_RD_LEN : 0;
	size_t alen = nhlen == rdl + 4 ? 4 : nhlen == rdl + 16 || nhlen == 2 * (rdl + 16) ? 16 : 0;
	if (alen == 0 || (afi == BGP_AFI_IPV6 && alen == 4))
		return fail(c, "MP_REACH_NLRI next hop length unexpected");
	memset(a->mp_nh, 0, sizeof(a->mp_nh));
	a->n_mp_nh = nhlen == 2 * (rdl + 16) ? 2 : 1;
	for (unsigned i = 0; i < a->n_mp_nh; i++) {
		a->mp_nh[i].afi = alen == 4 ? LISP_AFI_IPV4 : LISP_AFI_IPV6;
		/* the next hop's RD is zero by the RFCs and carries nothing: skipped */
		if (buf_skip(v, rdl) || buf_get_bytes(v, a->mp_nh[i].a, alen))
			return fail(c, "MP_REACH_NLRI next hop truncated");
	}
	if (buf_get_u8(v, &reserved))
		return fail(c, "MP_REACH_NLRI reserved octet missing");
	return mp_nlri(c, v, afi, safi, false, &a->mp_reach);
}
static int mp_hdr_begin(struct buf *w, uint8_t type, size_t *len_off)
{
	return buf_add_u8(w, F_ONT | BGP_ATTR_F_EXTLEN) || buf_add_u8(w, type) ||
	       buf_reserve(w, 2, len_off);
}
static int mp_hdr_end(struct buf *w, size_t len_off)
{
	size_t l = buf_len(w) - len_off - 2;
	return l > 0xffff || buf_set_u16(w, len_off, (uint16_t)l);
}
/* MP_REACH header and next hops, without NLRI; *len_off to back-patch. */
static int mpreach_begin(struct buf *w, const struct bgp_attrs *a, uint16_t afi, uint8_t safi,
			 size_t *len_off)
{
	size_t alen = a->n_mp_nh ? afi_addr_len(a->mp_nh[0].afi) : 0;
	size_t rdl = safi == BGP_SAFI_VPN ? BGP_RD_LEN : 0; /* zero RD before each address */
	if (alen == 0 || a->n_mp_nh > 2)
		return -1;
	if (mp_hdr_begin(w, BGP_ATTR_MP_REACH, len_off) || buf_add_u16(w, afi) ||
	    buf_add_u8(w, safi) || buf_add_u8(w, (uint8_t)((rdl + alen) * a->n_mp_nh)))
		return -1;
	for (unsigned i = 0; i < a->n_mp_nh; i++)
		if (buf_add_zero(w, rdl) || buf_add_bytes(w, a->mp_nh[i].a, alen))
			return -1;
	return buf_add_u8(w, 0);
}
static int mpreach_encode(struct buf *w, const struct bgp_attrs *a, const struct bgp_sess_opts *o)
{
	size_t off;
	return mpreach_begin(w, a, a->mp_reach.afi, a->mp_reach.safi, &off) ||
	       buf_add_bytes(w, a->mp_reach.raw.data, a->mp_reach.raw.len) || mp_hdr_end(w, off);
}
static int mpreach_format(const struct bgp_attrs *a, char *dst, size_t len)
{
	char s[IPADDR_STRLEN];
	return snprintf(dst, len, "afi %u safi %u nh %s, %" PRIu32 " routes", a->mp_reach.afi,
			a->mp_reach.safi, a->n_mp_nh ? ipaddr_str(&a->mp_nh[0], s, sizeof(s)) : "-",
			a->mp_reach.count);
}
static int mpunreach_decode(struct attr_ctx *c, struct buf *v, struct bgp_attrs *a)
{
	uint16_t afi;
	uint8_t safi;
	if (buf_get_u16(v, &afi) || buf_get_u8(v, &safi))
		return fail(c, "MP_UNREACH_NLRI header truncated");
	return mp_nlri(c, v, afi, safi, true, &a->mp_unreach);
}
static int mpunreach_encode(struct buf *w, const struct bgp_attrs *a, const struct bgp_sess_opts *o)
{
	size_t off;
	return mp_hdr_begin(w, BGP_ATTR_MP_UNREACH, &off) || buf_add_u16(w, a->mp_unreach.afi) ||
	       buf_add_u8(w, a->mp_unreach.safi) ||
	       buf_add_bytes(w, a->mp_unreach.raw.data, a->mp_unreach.raw.len) ||
	       mp_hdr_end(w, off);
}
static int mpunreach_format(const struct bgp_attrs *a, char *dst, size_t len)
{
	return snprintf(dst, len, "afi %u safi %u, %" PRIu32 " routes", a->mp_unreach.afi,
			a->mp_unreach.safi, a->mp_unreach.count);
}

/* The descriptor table: a wire type byte indexes it only after the bound check. */
static const struct attr_desc attr_table[BGP_ATTR__TABLE] = {
    [BGP_ATTR_ORIGIN] = {"ORIGIN", F_WK, BGP_ACT_TREAT_AS_WITHDRAW, BGP_ERR_UPD_ORIGIN,
			 origin_decode, origin_encode, origin_format},
    [BGP_ATTR_AS_PATH] = {"AS_PATH", F_WK, BGP_ACT_TREAT_AS_WITHDRAW, BGP_ERR_UPD_ASPATH,
			  aspath_decode, aspath_encode, aspath_format},
    [BGP_ATTR_NEXT_HOP] = {"NEXT_HOP", F_WK, BGP_ACT_TREAT_AS_WITHDRAW, BGP_ERR_UPD_NEXTHOP,
			   nexthop_decode, nexthop_encode, nexthop_format},
    [BGP_ATTR_MED] = {"MULTI_EXIT_DISC", F_ONT, BGP_ACT_TREAT_AS_WITHDRAW, BGP_ERR_UPD_OPTATTR,
		      med_decode, med_encode, med_format},
    [BGP_ATTR_LOCAL_PREF] = {"LOCAL_PREF", F_WK, BGP_ACT_TREAT_AS_WITHDRAW, BGP_ERR_UPD_ATTRLEN,
			     lpref_decode, lpref_encode, lpref_format},
    [BGP_ATTR_ATOMIC_AGGR] = {"ATOMIC_AGGREGATE", F_WK, BGP_ACT_ATTR_DISCARD, BGP_ERR_UPD_ATTRLEN,
			      atomic_decode, atomic_encode, atomic_format},
    [BGP_ATTR_AGGREGATOR] = {"AGGREGATOR", F_OT, BGP_ACT_ATTR_DISCARD, BGP_ERR_UPD_OPTATTR,
			     aggr_decode, aggr_encode, aggr_format},
    [BGP_ATTR_COMMUNITIES] = {"COMMUNITIES", F_OT, BGP_ACT_TREAT_AS_WITHDRAW, BGP_ERR_UPD_OPTATTR,
			      comm_decode, comm_encode, comm_format},
    [BGP_ATTR_ORIGINATOR_ID] = {"ORIGINATOR_ID", F_ONT, BGP_ACT_TREAT_AS_WITHDRAW,
				BGP_ERR_UPD_OPTATTR, origid_decode, origid_encode, origid_format},
    [BGP_ATTR_CLUSTER_LIST] = {"CLUSTER_LIST", F_ONT, BGP_ACT_TREAT_AS_WITHDRAW,
			       BGP_ERR_UPD_OPTATTR, cluster_decode, cluster_encode, cluster_format},
    [BGP_ATTR_MP_REACH] = {"MP_REACH_NLRI", F_ONT, BGP_ACT_SESSION_RESET, BGP_ERR_UPD_OPTATTR,
			   mpreach_decode, mpreach_encode, mpreach_format},
    [BGP_ATTR_MP_UNREACH] = {"MP_UNREACH_NLRI", F_ONT, BGP_ACT_SESSION_RESET, BGP_ERR_UPD_OPTATTR,
			     mpunreach_decode, mpunreach_encode, mpunreach_format},
    [BGP_ATTR_LARGE_COMMUNITY] = {"LARGE_COMMUNITY", F_OT, BGP_ACT_TREAT_AS_WITHDRAW,
				  BGP_ERR_UPD_OPTATTR, lcomm_decode, lcomm_encode, lcomm_format},
};

static const struct attr_desc *attr_desc(uint8_t type)
{
	if (type >= nitems(attr_table) || !attr_table[type].decode)
		return NULL;
	return &attr_table[type];
}

const char *bgp_attr_name(uint8_t type)
{
	const struct attr_desc *d = attr_desc(type);
	return d ? d->name : "unknown";
}

int bgp_attr_format(const struct bgp_attrs *a, uint8_t type, char *dst, size_t len)
{
	const struct attr_desc *d = attr_desc(type);
	if (!d || !bgp_attr_has(a, type))
		return -1;
	return d->format(a, dst, len);
}

const char *bgp_action_name(enum bgp_action a)
{
	static const char *const names[] = {"none", "attribute-discard", "treat-as-withdraw",
					    "session-reset"};
	return (unsigned)a < nitems(names) ? names[a] : "?";
}

/* ---- accessors and setters ---- */
uint32_t bgp_attrs_community(const struct bgp_attrs *a, size_t i)
{
	struct buf v = a->communities;
	uint32_t c = 0;
	v.off = 0;
	if (buf_seek(&v, i * 4) || buf_get_u32(&v, &c))
		return 0;
	return c;
}

struct bgp_lcomm bgp_attrs_large_comm(const struct bgp_attrs *a, size_t i)
{
	struct buf v = a->large_comms;
	struct bgp_lcomm l = {0, 0, 0};
	v.off = 0;
	if (buf_seek(&v, i * 12) || buf_get_u32(&v, &l.global) || buf_get_u32(&v, &l.local1) ||
	    buf_get_u32(&v, &l.local2))
		memset(&l, 0, sizeof(l));
	return l;
}

bool bgp_attrs_has_community(const struct bgp_attrs *a, uint32_t c)
{
	if (!bgp_attr_has(a, BGP_ATTR_COMMUNITIES))
		return false;
	for (size_t i = 0; i < bgp_attrs_n_communities(a); i++)
		if (bgp_attrs_community(a, i) == c)
			return true;
	return false;
}

/* Encode into `store` and point *view at what was written. */
static int store_begin(struct buf *store, size_t *start)
{
	*start = buf_len(store);
	return 0;
}
static void store_end(struct buf *store, size_t start, struct buf *view)
{
	buf_init_read(view, store->data + start, buf_len(store) - start);
}

int bgp_attrs_set_as_path(struct bgp_attrs *a, struct buf *store, const uint32_t *seq, size_t n)
{
	size_t start;
	store_begin(store, &start);
	for (size_t i = 0; i < n; i += 255) {
		size_t cnt = n - i > 255 ? 255 : n - i;
		if (buf_add_u8(store, BGP_AS_SEQUENCE) || buf_add_u8(store, (uint8_t)cnt))
			return -1;
		for (size_t j = 0; j < cnt; j++)
			if (buf_add_u32(store, seq[i + j]))
				return -1;
	}
	store_end(store, start, &a->as_path);
	a->as_path_as4 = true;
	bgp_attr_set(a, BGP_ATTR_AS_PATH);
	return 0;
}

int bgp_attrs_set_communities(struct bgp_attrs *a, struct buf *store, const uint32_t *c, size_t n)
{
	size_t start;
	store_begin(store, &start);
	for (size_t i = 0; i < n; i++)
		if (buf_add_u32(store, c[i]))
			return -1;
	store_end(store, start, &a->communities);
	if (n)
		bgp_attr_set(a, BGP_ATTR_COMMUNITIES);
	return 0;
}

int bgp_attrs_set_large_comms(struct bgp_attrs *a, struct buf *store, const struct bgp_lcomm *lc,
			      size_t n)
{
	size_t start;
	store_begin(store, &start);
	for (size_t i = 0; i < n; i++)
		if (buf_add_u32(store, lc[i].global) || buf_add_u32(store, lc[i].local1) ||
		    buf_add_u32(store, lc[i].local2))
			return -1;
	store_end(store, start, &a->large_comms);
	if (n)
		bgp_attr_set(a, BGP_ATTR_LARGE_COMMUNITY);
	return 0;
}

void bgp_aspath_iter_init(struct bgp_aspath_iter *it, const struct bgp_attrs *a)
{
	memset(it, 0, sizeof(*it));
	if (bgp_attr_has(a, BGP_ATTR_AS_PATH))
		buf_init_read(&it->b, a->as_path.data, a->as_path.len);
	it->as4 = a->as_path_as4;
}

int bgp_aspath_next(struct bgp_aspath_iter *it, uint8_t *seg_type, uint32_t *asn)
{
	uint16_t a16;
	while (it->seg_left == 0) {
		if (buf_left(&it->b) == 0)
			return 0;
		if (buf_get_u8(&it->b, &it->seg_type) || buf_get_u8(&it->b, &it->seg_left))
			return -1;
	}
	if (it->as4 ? buf_get_u32(&it->b, asn) : buf_get_u16(&it->b, &a16))
		return -1;
	if (!it->as4)
		*asn = a16;
	it->seg_left--;
	*seg_type = it->seg_type;
	return 1;
}

unsigned bgp_aspath_length(const struct bgp_attrs *a)
{
	struct buf v;
	unsigned n = 0;
	size_t w = a->as_path_as4 ? 4 : 2;
	if (!bgp_attr_has(a, BGP_ATTR_AS_PATH))
		return 0;
	buf_init_read(&v, a->as_path.data, a->as_path.len);
	while (buf_left(&v)) {
		uint8_t type, count;
		if (buf_get_u8(&v, &type) || buf_get_u8(&v, &count) ||
		    buf_skip(&v, (size_t)count * w))
			break;
		/* RFC 4271 §9.1.2.2: a set counts 1; confederation segments do not count */
		n += type == BGP_AS_SEQUENCE ? count : type == BGP_AS_SET ? 1 : 0;
	}
	return n;
}

/* ---- encoder ---- */
static int encode_one(struct buf *w, const struct bgp_attrs *a, const struct bgp_sess_opts *o,
		      uint8_t type, struct proto_err *e)
{
	const struct attr_desc *d = attr_desc(type);
	if (!bgp_attr_has(a, type))
		return 0;
	if (!d || d->encode(w, a, o))
		return proto_fail(e, PERR_FULL, buf_len(w), d ? d->name : "attribute");
	return 0;
}

int bgp_attrs_encode(struct buf *w, const struct bgp_attrs *a, const struct bgp_sess_opts *o,
		     struct proto_err *e)
{
	if (encode_one(w, a, o, BGP_ATTR_MP_UNREACH, e) ||
	    encode_one(w, a, o, BGP_ATTR_MP_REACH, e))
		return -1;
	for (uint8_t t = 1; t < nitems(attr_table); t++) {
		if (t == BGP_ATTR_MP_REACH || t == BGP_ATTR_MP_UNREACH)
			continue;
		if (encode_one(w, a, o, t, e))
			return -1;
	}
	for (unsigned i = 0; i < a->n_unknown && i < BGP_ATTR_UNKNOWN_MAX; i++) {
		const struct bgp_attr_opaque *u = &a->unknown[i];
		/* RFC 4271 §5: pass on with Partial set */
		uint8_t fl = (uint8_t)((u->flags & (BGP_ATTR_F_OPTIONAL | BGP_ATTR_F_TRANSITIVE)) |
				       BGP_ATTR_F_PARTIAL);
		if (put_view_attr(w, fl, u->type, &u->val))
			return proto_fail(e, PERR_FULL, buf_len(w), "unknown attribute");
	}
	return 0;
}

/* Used by the UPDATE packer in bgp_msg.c. */
int bgp_attr_mpreach_begin(struct buf *w, const struct bgp_attrs *a, uint16_t afi, uint8_t safi,
			   size_t *len_off);
int bgp_attr_mp_begin_unreach(struct buf *w, uint16_t afi, uint8_t safi, size_t *len_off);
int bgp_attr_mp_end(struct buf *w, size_t len_off);

int bgp_attr_mpreach_begin(struct buf *w, const struct bgp_attrs *a, uint16_t afi, uint8_t safi,
			   size_t *len_off)
{
	return mpreach_begin(w, a, afi, safi, len_off);
}
int bgp_attr_mp_begin_unreach(struct buf *w, uint16_t afi, uint8_t safi, size_t *len_off)
{
	return mp_hdr_begin(w, BGP_ATTR_MP_UNREACH, len_off) || buf_add_u16(w, afi) ||
	       buf_add_u8(w, safi);
}
int bgp_attr_mp_end(struct buf *w, size_t len_off)
{
	return mp_hdr_end(w, len_off);
}

/* ---- RFC 7606 attribute-section parser ---- */
void bgp_update_problem(struct bgp_update *u, enum bgp_action act, uint8_t attr, uint8_t subcode,
			const char *reason)
{
	if (u->n_problems < UINT8_MAX)
		u->n_problems++;
	if (act <= u->action)
		return;
	u->action = act;
	u->bad_attr = attr;
	u->reason = reason;
	if (act == BGP_ACT_SESSION_RESET) {
		u->notify.code = BGP_ERR_UPDATE;
		u->notify.subcode = subcode;
		u->notify.e.code = PERR_BAD_VALUE;
		u->notify.e.reason = reason;
	}
}

static void problem_data(struct bgp_update *u, const struct buf *attr)
{
	/* RFC 4271 §6.3: the data of most UPDATE errors is the erroneous attribute */
	if (u->action != BGP_ACT_SESSION_RESET || u->notify.datalen)
		return;
	size_t n = attr->len < BGP_NOTIFY_DATA_MAX ? attr->len : BGP_NOTIFY_DATA_MAX;
	memcpy(u->notify.data, attr->data, n);
	u->notify.datalen = (uint8_t)n;
}

void bgp_update_attrs_parse(struct buf *s, const uint8_t *msg_base, const struct bgp_sess_opts *o,
			    struct bgp_update *u)
{
	uint64_t seen[4] = {0, 0, 0, 0};
	struct bgp_attrs *a = &u->attrs;

	while (buf_left(s) && u->action != BGP_ACT_SESSION_RESET) {
		uint8_t flags, type, l8;
		uint16_t len = 0;
		size_t start = buf_offset(s);
		struct buf val, whole;

		/* RFC 7606 §4: a header or value that does not fit the Total Attribute Length
		 * leaves the rest unparseable; treat-as-withdraw relying on that length (the
		 * caller escalates when no NLRI can be located). */
		if (buf_get_u8(s, &flags) || buf_get_u8(s, &type) ||
		    ((flags & BGP_ATTR_F_EXTLEN) ? buf_get_u16(s, &len)
						 : (buf_get_u8(s, &l8) || (len = l8, 0)))) {
			bgp_update_problem(u, BGP_ACT_TREAT_AS_WITHDRAW, 0, BGP_ERR_UPD_ATTRLIST,
					   "attribute header overruns the attribute section");
			u->notify.e.offset = (size_t)(s->data + start - msg_base);
			return;
		}
		if (buf_get_sub(s, len, &val)) {
			bgp_update_problem(u, BGP_ACT_TREAT_AS_WITHDRAW, type, BGP_ERR_UPD_ATTRLEN,
					   "attribute length overruns the attribute section");
			return;
		}
		buf_init_read(&whole, s->data + start, buf_offset(s) - start);

		/* §3 (g): repeated MP_REACH/MP_UNREACH is a reset, others keep the first */
		if ((seen[type >> 6] >> (type & 63)) & 1) {
			if (type == BGP_ATTR_MP_REACH || type == BGP_ATTR_MP_UNREACH) {
				bgp_update_problem(u, BGP_ACT_SESSION_RESET, type,
						   BGP_ERR_UPD_ATTRLIST, "repeated MP attribute");
				problem_data(u, &whole);
			} else {
				bgp_update_problem(u, BGP_ACT_ATTR_DISCARD, type,
						   BGP_ERR_UPD_ATTRLIST, "repeated attribute");
			}
			continue;
		}
		seen[type >> 6] |= (uint64_t)1 << (type & 63);

		const struct attr_desc *d = attr_desc(type);
		if (!d) {
			if (!(flags & BGP_ATTR_F_OPTIONAL)) {
				bgp_update_problem(u, BGP_ACT_SESSION_RESET, type,
						   BGP_ERR_UPD_UNKNWN_WK,
						   "unrecognized well-known attribute");
				problem_data(u, &whole);
			} else if ((flags & BGP_ATTR_F_TRANSITIVE) &&
				   a->n_unknown < BGP_ATTR_UNKNOWN_MAX) {
				struct bgp_attr_opaque *op = &a->unknown[a->n_unknown++];
				op->flags = flags;
				op->type = type;
				op->val = val;
			} else if (a->n_unknown_dropped < UINT16_MAX) {
				a->n_unknown_dropped++;
			}
			continue;
		}

		struct attr_ctx c = {o, NULL, BGP_ACT_NONE};
		int rc;
		/* §3 (c): Optional/Transitive bits that conflict with the type = malformed */
		if ((flags & (BGP_ATTR_F_OPTIONAL | BGP_ATTR_F_TRANSITIVE)) != d->flags)
			rc = fail(&c, "attribute flags conflict with the type");
		else
			rc = d->decode(&c, &val, a);
		if (rc == 0 && buf_left(&val))
			rc = fail(&c, "attribute value longer than its type allows");
		if (rc == 0) {
			bgp_attr_set(a, type);
			continue;
		}
		enum bgp_action act = c.act ? c.act : (enum bgp_action)d->on_error;
		uint8_t sub = (flags & (BGP_ATTR_F_OPTIONAL | BGP_ATTR_F_TRANSITIVE)) != d->flags
				  ? BGP_ERR_UPD_ATTRFLAGS
				  : d->subcode;
		bgp_update_problem(u, act, type, sub, c.reason);
		problem_data(u, &whole);
		if (u->action == BGP_ACT_SESSION_RESET && u->notify.e.offset == 0)
			u->notify.e.offset = (size_t)(s->data + start - msg_base);
	}
}
