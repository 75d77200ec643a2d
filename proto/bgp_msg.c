/* SPDX-License-Identifier: ISC */
/*
 * proto/bgp_msg.c - BGP message framing and the non-attribute messages: header, OPEN with
 * its capabilities (a descriptor table), UPDATE layout and NLRI, KEEPALIVE, NOTIFICATION,
 * ROUTE-REFRESH; the builders, including the UPDATE packer; error names for logs.
 *
 * RFC 4271 §4.1-§4.5 and §6.1-§6.2 (header and OPEN errors), RFC 5492 §4 (capabilities
 * optional parameter), RFC 4760 §8 (MP capability), RFC 2918 §3/§4, RFC 7313 §3
 * (ROUTE-REFRESH subtypes), RFC 4724 §3 (graceful restart capability) and §2 (End-of-RIB),
 * RFC 6793 §3 (AS4 capability), RFC 7911 §3/§4 (ADD-PATH capability and path IDs),
 * RFC 8950 §3 (extended next hop capability), RFC 7606 §4/§5.3 (UPDATE framing: what is a
 * session reset and what still allows treat-as-withdraw); the VPN NLRI of RFC 4364 §4.3.4 /
 * RFC 4659 §3.2 with the label field of RFC 8277 §2 and the route distinguisher of RFC 4364
 * §4.2.
 */
#include "proto/bgp.h"

#include <stdio.h>
#include <string.h>

/* from bgp_attr.c */
int bgp_attr_mpreach_begin(struct buf *w, const struct bgp_attrs *a, uint16_t afi, uint8_t safi,
			   size_t *len_off);
int bgp_attr_mp_begin_unreach(struct buf *w, uint16_t afi, uint8_t safi, size_t *len_off);
int bgp_attr_mp_end(struct buf *w, size_t len_off);

static const struct {
	uint16_t afi;
	uint8_t safi;
	const char *name;
} aid_table[BGP_AID_MAX] = {
    [BGP_AID_IPV4] = {BGP_AFI_IPV4, BGP_SAFI_UNICAST, "ipv4"},
    [BGP_AID_IPV6] = {BGP_AFI_IPV6, BGP_SAFI_UNICAST, "ipv6"},
    [BGP_AID_VPNV4] = {BGP_AFI_IPV4, BGP_SAFI_VPN, "vpnv4"},
    [BGP_AID_VPNV6] = {BGP_AFI_IPV6, BGP_SAFI_VPN, "vpnv6"},
};

int bgp_aid(uint16_t afi, uint8_t safi)
{
	for (unsigned aid = 0; aid < BGP_AID_MAX; aid++)
		if (aid_table[aid].afi == afi && aid_table[aid].safi == safi)
			return (int)aid;
	return -1;
}

uint16_t bgp_aid_afi(unsigned aid)
{
	return aid < BGP_AID_MAX ? aid_table[aid].afi : 0;
}

uint8_t bgp_aid_safi(unsigned aid)
{
	return aid < BGP_AID_MAX ? aid_table[aid].safi : 0;
}

const char *bgp_aid_name(unsigned aid)
{
	return aid < BGP_AID_MAX ? aid_table[aid].name : "?";
}

/* ---- route distinguishers (RFC 4364 §4.2) ---- */
uint64_t bgp_rd_make(uint32_t as, uint32_t iid)
{
	uint16_t admin = as > 0xffff ? BGP_AS_TRANS : (uint16_t)as;
	return ((uint64_t)BGP_RD_TYPE_AS2 << 48) | ((uint64_t)admin << 32) | (iid & LISP_IID_MAX);
}

int bgp_rd_iid(uint64_t rd, uint32_t *iid)
{
	uint16_t type = (uint16_t)(rd >> 48);
	uint64_t v;

	switch (type) {
	case BGP_RD_TYPE_AS2: /* admin 2 bytes, assigned number 4 bytes */
		v = rd & 0xffffffffu;
		break;
	case BGP_RD_TYPE_IP4: /* admin 4 bytes (IPv4), assigned number 2 bytes */
	case BGP_RD_TYPE_AS4: /* admin 4 bytes (AS), assigned number 2 bytes */
		v = rd & 0xffffu;
		break;
	default:
		return -1;
	}
	if (v == 0 || v > LISP_IID_MAX)
		return -1;
	*iid = (uint32_t)v;
	return 0;
}

int bgp_rd_str(uint64_t rd, char *dst, size_t len)
{
	uint16_t type = (uint16_t)(rd >> 48);
	uint32_t a32 = (uint32_t)(rd >> 16);

	switch (type) {
	case BGP_RD_TYPE_AS2:
		return snprintf(dst, len, "%u:%u", (unsigned)((rd >> 32) & 0xffff),
				(unsigned)(rd & 0xffffffffu));
	case BGP_RD_TYPE_IP4:
		return snprintf(dst, len, "%u.%u.%u.%u:%u", a32 >> 24, (a32 >> 16) & 255,
				(a32 >> 8) & 255, a32 & 255, (unsigned)(rd & 0xffff));
	case BGP_RD_TYPE_AS4:
		return snprintf(dst, len, "%u:%u", a32, (unsigned)(rd & 0xffff));
	default:
		return snprintf(dst, len, "type %u:0x%012llx", type,
				(unsigned long long)(rd & 0xffffffffffffull));
	}
}

/* ---- names ---- */
static const char *const type_names[] = {
    [BGP_OPEN] = "OPEN",
    [BGP_UPDATE] = "UPDATE",
    [BGP_NOTIFICATION] = "NOTIFICATION",
    [BGP_KEEPALIVE] = "KEEPALIVE",
    [BGP_ROUTE_REFRESH] = "ROUTE-REFRESH",
};

const char *bgp_msg_type_name(uint8_t type)
{
	if (type >= nitems(type_names) || !type_names[type])
		return "unknown";
	return type_names[type];
}

static const char *const code_names[] = {
    [BGP_ERR_HEADER] = "Message Header Error",
    [BGP_ERR_OPEN] = "OPEN Message Error",
    [BGP_ERR_UPDATE] = "UPDATE Message Error",
    [BGP_ERR_HOLD] = "Hold Timer Expired",
    [BGP_ERR_FSM] = "Finite State Machine Error",
    [BGP_ERR_CEASE] = "Cease",
    [BGP_ERR_ROUTE_REFRESH] = "ROUTE-REFRESH Message Error",
};
static const char *const hdr_sub[] = {
    [0] = "Unspecific",
    [BGP_ERR_HDR_SYNC] = "Connection Not Synchronized",
    [BGP_ERR_HDR_LEN] = "Bad Message Length",
    [BGP_ERR_HDR_TYPE] = "Bad Message Type",
};
static const char *const open_sub[] = {
    [0] = "Unspecific",
    [BGP_ERR_OPEN_VERSION] = "Unsupported Version Number",
    [BGP_ERR_OPEN_AS] = "Bad Peer AS",
    [BGP_ERR_OPEN_BGPID] = "Bad BGP Identifier",
    [BGP_ERR_OPEN_OPT] = "Unsupported Optional Parameter",
    [BGP_ERR_OPEN_HOLD] = "Unacceptable Hold Time",
    [BGP_ERR_OPEN_CAPA] = "Unsupported Capability",
};
static const char *const update_sub[] = {
    [0] = "Unspecific",
    [BGP_ERR_UPD_ATTRLIST] = "Malformed Attribute List",
    [BGP_ERR_UPD_UNKNWN_WK] = "Unrecognized Well-known Attribute",
    [BGP_ERR_UPD_MISSNG_WK] = "Missing Well-known Attribute",
    [BGP_ERR_UPD_ATTRFLAGS] = "Attribute Flags Error",
    [BGP_ERR_UPD_ATTRLEN] = "Attribute Length Error",
    [BGP_ERR_UPD_ORIGIN] = "Invalid ORIGIN Attribute",
    [BGP_ERR_UPD_NEXTHOP] = "Invalid NEXT_HOP Attribute",
    [BGP_ERR_UPD_OPTATTR] = "Optional Attribute Error",
    [BGP_ERR_UPD_NETWORK] = "Invalid Network Field",
    [BGP_ERR_UPD_ASPATH] = "Malformed AS_PATH",
};
static const char *const fsm_sub[] = {
    [0] = "Unspecific",
    [1] = "Unexpected Message in OpenSent State",
    [2] = "Unexpected Message in OpenConfirm State",
    [3] = "Unexpected Message in Established State",
};
static const char *const cease_sub[] = {
    [0] = "Unspecific",
    [BGP_ERR_CEASE_MAX_PREFIX] = "Maximum Number of Prefixes Reached",
    [BGP_ERR_CEASE_ADMIN_DOWN] = "Administrative Shutdown",
    [BGP_ERR_CEASE_UNCONFIG] = "Peer De-configured",
    [BGP_ERR_CEASE_ADMIN_RST] = "Administrative Reset",
    [BGP_ERR_CEASE_REJECTED] = "Connection Rejected",
    [BGP_ERR_CEASE_CONFIG] = "Other Configuration Change",
    [BGP_ERR_CEASE_COLLISION] = "Connection Collision Resolution",
    [BGP_ERR_CEASE_RESOURCES] = "Out of Resources",
    [BGP_ERR_CEASE_HARD_RESET] = "Hard Reset",
    [10] = "BFD Down",
};
static const char *const rr_sub[] = {[0] = "Reserved", [1] = "Invalid Message Length"};

struct sub_names {
	const char *const *names;
	size_t n;
};
static const struct sub_names subcode_tables[] = {
    [BGP_ERR_HEADER] = {hdr_sub, nitems(hdr_sub)},
    [BGP_ERR_OPEN] = {open_sub, nitems(open_sub)},
    [BGP_ERR_UPDATE] = {update_sub, nitems(update_sub)},
    [BGP_ERR_FSM] = {fsm_sub, nitems(fsm_sub)},
    [BGP_ERR_CEASE] = {cease_sub, nitems(cease_sub)},
    [BGP_ERR_ROUTE_REFRESH] = {rr_sub, nitems(rr_sub)},
};

const char *bgp_err_code_name(uint8_t code)
{
	if (code >= nitems(code_names) || !code_names[code])
		return "Unknown Error";
	return code_names[code];
}

const char *bgp_err_subcode_name(uint8_t code, uint8_t subcode)
{
	if (code >= nitems(subcode_tables) || !subcode_tables[code].names)
		return code == BGP_ERR_HOLD ? "Unspecific" : "Unknown";
	const struct sub_names *t = &subcode_tables[code];
	if (subcode >= t->n || !t->names[subcode])
		return "Unknown";
	return t->names[subcode];
}

static int bgp_fail(struct bgp_err *err, uint8_t code, uint8_t subcode, int perr, size_t off,
		    const char *reason, const void *data, size_t datalen)
{
	if (err) {
		memset(err, 0, sizeof(*err));
		proto_fail(&err->e, perr, off, reason);
		err->code = code;
		err->subcode = subcode;
		if (datalen > BGP_NOTIFY_DATA_MAX)
			datalen = BGP_NOTIFY_DATA_MAX;
		if (datalen)
			memcpy(err->data, data, datalen);
		err->datalen = (uint8_t)datalen;
	}
	return -1;
}

/* ---- header ---- */
/* RFC 4271 §6.1: minimum (and for some types exact) lengths per type */
static const struct {
	uint16_t min, max;
} type_len[] = {
    [BGP_OPEN] = {29, BGP_MAX_LEN},	     [BGP_UPDATE] = {23, BGP_MAX_LEN},
    [BGP_NOTIFICATION] = {21, BGP_MAX_LEN},  [BGP_KEEPALIVE] = {19, 19},
    [BGP_ROUTE_REFRESH] = {23, BGP_MAX_LEN}, /* longer: RFC 7313 §5, in bgp_msg_parse */
};

int bgp_hdr_parse(struct buf *b, uint8_t *type, uint16_t *len, struct bgp_err *err)
{
	uint8_t marker[BGP_MARKER_LEN];
	size_t at = buf_offset(b);
	if (buf_get_bytes(b, marker, sizeof(marker)) || buf_get_u16(b, len) || buf_get_u8(b, type))
		return bgp_fail(err, 0, 0, PERR_TRUNCATED, at, "header truncated", NULL, 0);
	for (size_t i = 0; i < sizeof(marker); i++)
		if (marker[i] != 0xff)
			return bgp_fail(err, BGP_ERR_HEADER, BGP_ERR_HDR_SYNC, PERR_BAD_VALUE, at,
					"marker is not all ones", NULL, 0);
	uint8_t lenbytes[2] = {(uint8_t)(*len >> 8), (uint8_t)*len};
	if (*type >= nitems(type_len) || type_len[*type].min == 0)
		return bgp_fail(err, BGP_ERR_HEADER, BGP_ERR_HDR_TYPE, PERR_BAD_TYPE, at + 18,
				"unknown message type", type, 1);
	if (*len < type_len[*type].min || *len > type_len[*type].max)
		return bgp_fail(err, BGP_ERR_HEADER, BGP_ERR_HDR_LEN, PERR_BAD_VALUE, at + 16,
				"bad message length", lenbytes, 2);
	return 0;
}

/* ---- NLRI ---- */
size_t bgp_nlri_len(const struct bgp_route *r, bool addpath)
{
	return (addpath ? 4 : 0) + 1 + (r->vpn ? BGP_LABEL_LEN + BGP_RD_LEN : 0) +
	       ((size_t)r->prefix.plen + 7) / 8;
}

/* One entry; a withdrawal's VPN label is the RFC 8277 §2.4 Compatibility field. */
static int nlri_put(struct buf *w, const struct bgp_route *r, bool addpath, bool withdraw)
{
	if (r->prefix.plen > afi_max_plen(r->prefix.afi))
		return -1;
	if ((addpath && buf_add_u32(w, r->path_id)))
		return -1;
	if (r->vpn)
		return buf_add_u8(w, (uint8_t)(BGP_VPN_NLRI_BITS + r->prefix.plen)) ||
		       buf_add_u24(w, withdraw ? BGP_LABEL_WITHDRAW : r->label & 0xffffff) ||
		       buf_add_u64(w, r->rd) ||
		       buf_add_bytes(w, r->prefix.a, ((size_t)r->prefix.plen + 7) / 8);
	return buf_add_u8(w, r->prefix.plen) ||
	       buf_add_bytes(w, r->prefix.a, ((size_t)r->prefix.plen + 7) / 8);
}

int bgp_nlri_put(struct buf *w, const struct bgp_route *r, bool addpath)
{
	return nlri_put(w, r, addpath, false);
}

static int nlri_get(struct buf *b, uint16_t afi, uint8_t safi, bool addpath, bool withdraw,
		    struct bgp_route *r, const char **why)
{
	uint8_t bits;

	memset(r, 0, sizeof(*r));
	if ((addpath && buf_get_u32(b, &r->path_id)) || buf_get_u8(b, &bits)) {
		*why = "NLRI entry truncated";
		return -1;
	}
	if (safi == BGP_SAFI_VPN) {
		/* RFC 4364 §4.3.4: the length covers label, RD and prefix */
		if (bits < BGP_VPN_NLRI_BITS) {
			*why = "VPN NLRI shorter than its label and route distinguisher";
			return -1;
		}
		if (buf_get_u24(b, &r->label) || buf_get_u64(b, &r->rd)) {
			*why = "VPN NLRI truncated in its label or route distinguisher";
			return -1;
		}
		/* RFC 8277 §2.2: one label, no Multiple Labels capability: it is the bottom
		 * of the stack; §2.4: a withdrawal's field is not a label */
		if (!withdraw && !(r->label & BGP_LABEL_BOS)) {
			*why = "VPN label without the bottom-of-stack bit";
			return -1;
		}
		r->vpn = true;
		bits -= BGP_VPN_NLRI_BITS;
	}
	r->prefix.plen = bits;
	if (bits > afi_max_plen(afi)) {
		*why = safi == BGP_SAFI_VPN ? "VPN prefix longer than the address family allows"
					    : "prefix longer than the address family allows";
		return -1;
	}
	if (buf_get_bytes(b, r->prefix.a, ((size_t)bits + 7) / 8)) {
		*why = "NLRI prefix truncated";
		return -1;
	}
	r->prefix.afi = afi;
	if (r->vpn) {
		uint32_t iid;
		if (bgp_rd_iid(r->rd, &iid) == 0)
			r->prefix.iid = iid;
	}
	prefix_normalize(&r->prefix);
	return 0;
}

int bgp_nlri_list_parse(struct buf *b, uint16_t afi, uint8_t safi, bool addpath, bool withdraw,
			struct bgp_nlri_list *out)
{
	struct bgp_route r;
	memset(out, 0, sizeof(*out));
	out->afi = afi;
	out->safi = safi;
	out->addpath = addpath;
	out->withdraw = withdraw;
	buf_init_read(&out->raw, buf_cur(b), buf_left(b));
	while (buf_left(b)) {
		if (nlri_get(b, afi, safi, addpath, withdraw, &r, &out->reason))
			return -1;
		out->count++;
	}
	return 0;
}

void bgp_nlri_iter_init(struct bgp_nlri_iter *it, const struct bgp_nlri_list *l)
{
	buf_init_read(&it->b, l->raw.data, l->raw.len);
	it->afi = l->afi;
	it->safi = l->safi;
	it->addpath = l->addpath;
	it->withdraw = l->withdraw;
}

int bgp_nlri_next(struct bgp_nlri_iter *it, struct bgp_route *r)
{
	const char *why;
	if (buf_left(&it->b) == 0)
		return 0;
	return nlri_get(&it->b, it->afi, it->safi, it->addpath, it->withdraw, r, &why) ? -1 : 1;
}

/* ---- capabilities: descriptor table ---- */
typedef int (*capa_parse_fn)(struct buf *v, struct bgp_caps *c);

/* Keep one address family of a list capability. A peer may announce more families than
 * the BGP_CAPA_AF_MAX we keep (FRR or GoBGP with VPN, labeled, flowspec, EVPN ... enabled):
 * once the list is full, a family this suite does not carry is dropped, or gives its slot to
 * one it does, so such an OPEN is not refused. Only a full list of carried families (which
 * takes repeated entries) is an error. */
static int capa_af_keep(struct bgp_capa_af *list, uint8_t *n, const struct bgp_capa_af *af)
{
	if (*n < BGP_CAPA_AF_MAX) {
		list[(*n)++] = *af;
		return 0;
	}
	if (bgp_aid(af->afi, af->safi) < 0)
		return 0;
	for (unsigned i = *n; i-- > 0;) {
		if (bgp_aid(list[i].afi, list[i].safi) < 0) {
			list[i] = *af;
			return 0;
		}
	}
	return -1;
}

static int capa_af_list(struct buf *v, struct bgp_capa_af *list, uint8_t *n, bool flags)
{
	/* MP: afi(2) res(1) safi(1); ADD-PATH: afi(2) safi(1) mode(1); GR: afi(2) safi(1) f(1) */
	if (buf_left(v) == 0 || buf_left(v) % 4)
		return -1;
	while (buf_left(v)) {
		struct bgp_capa_af af = {0, 0, 0};
		uint8_t x, y;
		if (buf_get_u16(v, &af.afi) || buf_get_u8(v, &x) || buf_get_u8(v, &y))
			return -1;
		af.safi = flags ? x : y;
		af.flags = flags ? y : 0;
		if (capa_af_keep(list, n, &af))
			return -1;
	}
	return 0;
}
static int capa_mp(struct buf *v, struct bgp_caps *c)
{
	return buf_left(v) != 4 || capa_af_list(v, c->mp, &c->n_mp, false);
}
static int capa_rr(struct buf *v, struct bgp_caps *c)
{
	c->route_refresh = true;
	return buf_left(v) != 0;
}
static int capa_enh_rr(struct buf *v, struct bgp_caps *c)
{
	c->enhanced_rr = true;
	return buf_left(v) != 0;
}
/* The RFC 8950 triples this suite uses: IPv4 unicast or VPN-IPv4 over an IPv6 next hop. */
static bool extnh_used(const struct bgp_capa_extnh *x)
{
	return x->nlri_afi == BGP_AFI_IPV4 &&
	       (x->nlri_safi == BGP_SAFI_UNICAST || x->nlri_safi == BGP_SAFI_VPN) &&
	       x->nh_afi == BGP_AFI_IPV6;
}

static int capa_extnh(struct buf *v, struct bgp_caps *c)
{
	if (buf_left(v) == 0 || buf_left(v) % 6)
		return -1;
	while (buf_left(v)) {
		struct bgp_capa_extnh x;
		if (buf_get_u16(v, &x.nlri_afi) || buf_get_u16(v, &x.nlri_safi) ||
		    buf_get_u16(v, &x.nh_afi))
			return -1;
		if (c->n_extnh < BGP_CAPA_AF_MAX) {
			c->extnh[c->n_extnh++] = x;
			continue;
		}
		if (!extnh_used(&x))
			continue;
		for (unsigned i = BGP_CAPA_AF_MAX; i-- > 0;) /* the triples we use win a slot */
			if (!extnh_used(&c->extnh[i])) {
				c->extnh[i] = x;
				break;
			}
	}
	return 0;
}
static int capa_gr(struct buf *v, struct bgp_caps *c)
{
	uint16_t ft;
	if (buf_get_u16(v, &ft))
		return -1;
	c->gr = true;
	c->gr_flags = (uint8_t)(ft >> 12);
	c->gr_time = ft & 0x0fff;
	return buf_left(v) ? capa_af_list(v, c->gr_af, &c->n_gr, true) : 0;
}
static int capa_as4(struct buf *v, struct bgp_caps *c)
{
	c->as4 = true;
	return buf_left(v) != 4 || buf_get_u32(v, &c->as4_asn);
}
static int capa_addpath(struct buf *v, struct bgp_caps *c)
{
	if (capa_af_list(v, c->addpath, &c->n_addpath, true))
		return -1;
	for (unsigned i = 0; i < c->n_addpath; i++)
		if (c->addpath[i].flags < 1 || c->addpath[i].flags > 3)
			return -1;
	return 0;
}

static const struct {
	const char *name;
	capa_parse_fn parse;
} capa_table[] = {
    [BGP_CAPA_MP] = {"multiprotocol", capa_mp},
    [BGP_CAPA_ROUTE_REFRESH] = {"route-refresh", capa_rr},
    [BGP_CAPA_EXT_NH] = {"extended-nexthop", capa_extnh},
    [BGP_CAPA_GR] = {"graceful-restart", capa_gr},
    [BGP_CAPA_AS4] = {"4-octet-as", capa_as4},
    [BGP_CAPA_ADD_PATH] = {"add-path", capa_addpath},
    [BGP_CAPA_ENH_RR] = {"enhanced-route-refresh", capa_enh_rr},
};

static int parse_caps(struct buf *p, const uint8_t *base, struct bgp_caps *c, struct bgp_err *err)
{
	while (buf_left(p)) {
		uint8_t code, len;
		struct buf v;
		size_t at = (size_t)(buf_cur(p) - base);
		if (buf_get_u8(p, &code) || buf_get_u8(p, &len) || buf_get_sub(p, len, &v))
			return bgp_fail(err, BGP_ERR_OPEN, 0, PERR_TRUNCATED, at,
					"capability overruns its parameter", NULL, 0);
		if (code >= nitems(capa_table) || !capa_table[code].parse) {
			if (c->n_unknown < BGP_CAPA_UNKNOWN_MAX) {
				c->unknown[c->n_unknown].code = code;
				c->unknown[c->n_unknown++].val = v;
			} else if (c->n_unknown_skipped < UINT16_MAX) {
				c->n_unknown_skipped++;
			}
			continue;
		}
		if (capa_table[code].parse(&v, c) || buf_left(&v))
			return bgp_fail(err, BGP_ERR_OPEN, 0, PERR_BAD_VALUE, at,
					"malformed capability", NULL, 0);
	}
	return 0;
}

static int parse_open(struct buf *b, const uint8_t *base, struct bgp_open *o, struct bgp_err *err)
{
	uint8_t optlen;
	struct buf opts;
	memset(o, 0, sizeof(*o));
	if (buf_get_u8(b, &o->version) || buf_get_u16(b, &o->my_as) ||
	    buf_get_u16(b, &o->hold_time) || buf_get_u32(b, &o->bgp_id) || buf_get_u8(b, &optlen) ||
	    buf_get_sub(b, optlen, &opts))
		return bgp_fail(err, BGP_ERR_OPEN, 0, PERR_TRUNCATED, buf_offset(b),
				"OPEN truncated", NULL, 0);
	if (o->version != BGP_VERSION) {
		const uint8_t v[2] = {0, BGP_VERSION};
		return bgp_fail(err, BGP_ERR_OPEN, BGP_ERR_OPEN_VERSION, PERR_BAD_VALUE, 19,
				"unsupported BGP version", v, 2);
	}
	if (o->hold_time == 1 || o->hold_time == 2)
		return bgp_fail(err, BGP_ERR_OPEN, BGP_ERR_OPEN_HOLD, PERR_BAD_VALUE, 22,
				"hold time 1 or 2 seconds", NULL, 0);
	if (o->bgp_id == 0)
		return bgp_fail(err, BGP_ERR_OPEN, BGP_ERR_OPEN_BGPID, PERR_BAD_VALUE, 24,
				"BGP identifier 0", NULL, 0);
	if (o->my_as == 0)
		return bgp_fail(err, BGP_ERR_OPEN, BGP_ERR_OPEN_AS, PERR_BAD_VALUE, 20, "peer AS 0",
				NULL, 0);
	while (buf_left(&opts)) {
		uint8_t ptype, plen;
		struct buf p;
		size_t at = (size_t)(buf_cur(&opts) - base);
		if (buf_get_u8(&opts, &ptype) || buf_get_u8(&opts, &plen) ||
		    buf_get_sub(&opts, plen, &p))
			return bgp_fail(err, BGP_ERR_OPEN, 0, PERR_TRUNCATED, at,
					"optional parameter overruns the OPEN", NULL, 0);
		if (ptype != 2) /* RFC 5492 §4: Capabilities is type 2, the only one defined */
			return bgp_fail(err, BGP_ERR_OPEN, BGP_ERR_OPEN_OPT, PERR_BAD_TYPE, at,
					"unsupported optional parameter", NULL, 0);
		if (parse_caps(&p, base, &o->caps, err))
			return -1;
	}
	if (buf_left(b))
		return bgp_fail(err, BGP_ERR_OPEN, 0, PERR_TRAILING, buf_offset(b),
				"bytes after the optional parameters", NULL, 0);
	if (o->caps.as4 && o->caps.as4_asn == 0)
		return bgp_fail(err, BGP_ERR_OPEN, BGP_ERR_OPEN_AS, PERR_BAD_VALUE, 20,
				"4-octet AS 0", NULL, 0);
	return 0;
}

uint32_t bgp_open_asn(const struct bgp_open *o)
{
	return o->caps.as4 ? o->caps.as4_asn : o->my_as;
}

static const struct bgp_capa_af *find_af(const struct bgp_capa_af *l, unsigned n, uint16_t afi,
					 uint8_t safi)
{
	for (unsigned i = 0; i < n; i++)
		if (l[i].afi == afi && l[i].safi == safi)
			return &l[i];
	return NULL;
}

static bool has_extnh(const struct bgp_caps *c, uint8_t safi)
{
	for (unsigned i = 0; i < c->n_extnh; i++)
		if (c->extnh[i].nlri_afi == BGP_AFI_IPV4 && c->extnh[i].nlri_safi == safi &&
		    c->extnh[i].nh_afi == BGP_AFI_IPV6)
			return true;
	return false;
}

void bgp_caps_negotiate(const struct bgp_caps *l, const struct bgp_caps *r, bool ibgp,
			struct bgp_sess_opts *out)
{
	memset(out, 0, sizeof(*out));
	out->as4 = l->as4 && r->as4;
	out->ibgp = ibgp;
	out->route_refresh = l->route_refresh && r->route_refresh;
	for (unsigned aid = 0; aid < BGP_AID_MAX; aid++) {
		uint16_t afi = aid_table[aid].afi;
		uint8_t safi = aid_table[aid].safi;
		/* RFC 4760 §8: no MP capability at all means IPv4 unicast only */
		bool lm =
		    l->n_mp ? find_af(l->mp, l->n_mp, afi, safi) != NULL : aid == BGP_AID_IPV4;
		bool rm =
		    r->n_mp ? find_af(r->mp, r->n_mp, afi, safi) != NULL : aid == BGP_AID_IPV4;
		if (lm && rm)
			out->mp |= (uint8_t)BGP_AID_BIT(aid);
		const struct bgp_capa_af *la = find_af(l->addpath, l->n_addpath, afi, safi);
		const struct bgp_capa_af *ra = find_af(r->addpath, r->n_addpath, afi, safi);
		if (la && ra && (la->flags & BGP_ADDPATH_RECV) && (ra->flags & BGP_ADDPATH_SEND))
			out->addpath_rx |= (uint8_t)BGP_AID_BIT(aid);
		if (la && ra && (la->flags & BGP_ADDPATH_SEND) && (ra->flags & BGP_ADDPATH_RECV))
			out->addpath_tx |= (uint8_t)BGP_AID_BIT(aid);
	}
	if (has_extnh(l, BGP_SAFI_UNICAST) && has_extnh(r, BGP_SAFI_UNICAST))
		out->ext_nh |= (uint8_t)BGP_AID_BIT(BGP_AID_IPV4);
	if (has_extnh(l, BGP_SAFI_VPN) && has_extnh(r, BGP_SAFI_VPN))
		out->ext_nh |= (uint8_t)BGP_AID_BIT(BGP_AID_VPNV4);
	/* RFC 8538 §2: N on both sides' GR capability */
	out->gr_notify =
	    l->gr && r->gr && (l->gr_flags & BGP_GR_F_NOTIFY) && (r->gr_flags & BGP_GR_F_NOTIFY);
}

/* ---- UPDATE (RFC 4271 §4.3, RFC 7606 §4/§5) ---- */
static int parse_update(struct buf *b, const uint8_t *base, const struct bgp_sess_opts *o,
			struct bgp_update *u, struct bgp_err *err)
{
	uint16_t wlen, alen;
	struct buf wd, attrs;
	bool v4ap = (o->addpath_rx & BGP_AID_BIT(BGP_AID_IPV4)) != 0;

	memset(u, 0, sizeof(*u));
	/* §4: lengths that do not fit the message leave the NLRI unlocatable: reset */
	if (buf_get_u16(b, &wlen) || buf_get_sub(b, wlen, &wd) || buf_get_u16(b, &alen) ||
	    buf_get_sub(b, alen, &attrs))
		return bgp_fail(err, BGP_ERR_UPDATE, BGP_ERR_UPD_ATTRLIST, PERR_TRUNCATED,
				buf_offset(b), "withdrawn or attribute length exceeds the message",
				NULL, 0);
	if (bgp_nlri_list_parse(&wd, BGP_AFI_IPV4, BGP_SAFI_UNICAST, v4ap, true, &u->withdrawn))
		return bgp_fail(err, BGP_ERR_UPDATE, BGP_ERR_UPD_NETWORK, PERR_BAD_PREFIX,
				(size_t)(buf_cur(&wd) - base), "withdrawn routes malformed", NULL,
				0);
	bgp_update_attrs_parse(&attrs, base, o, u);
	bool attrs_broken = buf_left(&attrs) != 0; /* §4 case: stopped before the end */
	if (u->action == BGP_ACT_SESSION_RESET)
		attrs_broken = false;
	struct buf nl = *b;
	if (bgp_nlri_list_parse(&nl, BGP_AFI_IPV4, BGP_SAFI_UNICAST, v4ap, false, &u->nlri)) {
		/* §5.3 / RFC 4271 §6.3: NLRI field syntactically incorrect */
		bgp_update_problem(u, BGP_ACT_SESSION_RESET, 0, BGP_ERR_UPD_NETWORK,
				   "NLRI field malformed");
		u->notify.e.offset = (size_t)(buf_cur(&nl) - base);
		memset(&u->nlri, 0, sizeof(u->nlri));
	}
	b->off = b->len;

	struct bgp_attrs *a = &u->attrs;
	bool mp_seen = bgp_attr_has(a, BGP_ATTR_MP_REACH) || bgp_attr_has(a, BGP_ATTR_MP_UNREACH);
	if (attrs_broken && !mp_seen && u->nlri.count == 0 && u->action != BGP_ACT_SESSION_RESET) {
		/* nothing the broken section applied to can be located: an MP attribute may
		 * be hidden in it, so no treat-as-withdraw is possible */
		bgp_update_problem(u, BGP_ACT_SESSION_RESET, 0, BGP_ERR_UPD_ATTRLIST,
				   "attribute section unparseable and no NLRI to withdraw");
	}
	/* §3 (h): mandatory attributes, needed only when something is announced */
	bool announce = u->nlri.count > 0 || bgp_attr_has(a, BGP_ATTR_MP_REACH);
	if (announce && !attrs_broken &&
	    (!bgp_attr_has(a, BGP_ATTR_ORIGIN) || !bgp_attr_has(a, BGP_ATTR_AS_PATH) ||
	     (u->nlri.count > 0 && !bgp_attr_has(a, BGP_ATTR_NEXT_HOP))))
		bgp_update_problem(u, BGP_ACT_TREAT_AS_WITHDRAW, 0, BGP_ERR_UPD_MISSNG_WK,
				   "missing well-known mandatory attribute");
	if (u->action == BGP_ACT_SESSION_RESET && err) {
		*err = u->notify;
	}
	return 0;
}

bool bgp_update_is_eor(const struct bgp_update *u, uint16_t *afi, uint8_t *safi)
{
	const struct bgp_attrs *a = &u->attrs;
	if (u->withdrawn.count || u->nlri.count || u->action != BGP_ACT_NONE)
		return false;
	if (a->present == 0 && a->n_unknown == 0) {
		*afi = BGP_AFI_IPV4;
		*safi = BGP_SAFI_UNICAST;
		return true;
	}
	if (a->present == ((uint64_t)1 << BGP_ATTR_MP_UNREACH) && a->mp_unreach.raw.len == 0 &&
	    a->n_unknown == 0) {
		*afi = a->mp_unreach.afi;
		*safi = a->mp_unreach.safi;
		return true;
	}
	return false;
}

/* ---- whole messages ---- */
int bgp_msg_parse(const struct buf *msg, const struct bgp_sess_opts *o, struct bgp_msg *out,
		  struct bgp_err *err)
{
	struct buf b;
	const uint8_t *base = buf_cur(msg);
	buf_init_read(&b, base, buf_left(msg));
	memset(out, 0, sizeof(*out));
	if (err)
		memset(err, 0, sizeof(*err));
	if (bgp_hdr_parse(&b, &out->type, &out->len, err))
		return -1;
	if (out->len != b.len) {
		uint8_t lb[2] = {(uint8_t)(out->len >> 8), (uint8_t)out->len};
		return bgp_fail(err, out->len > b.len ? 0 : BGP_ERR_HEADER,
				out->len > b.len ? 0 : BGP_ERR_HDR_LEN,
				out->len > b.len ? PERR_TRUNCATED : PERR_TRAILING, 16,
				"length field differs from the message size", lb, 2);
	}
	switch (out->type) {
	case BGP_OPEN:
		return parse_open(&b, base, &out->u.open, err);
	case BGP_UPDATE:
		return parse_update(&b, base, o, &out->u.update, err);
	case BGP_NOTIFICATION:
		if (buf_get_u8(&b, &out->u.notification.code) ||
		    buf_get_u8(&b, &out->u.notification.subcode))
			return bgp_fail(err, 0, 0, PERR_TRUNCATED, 19, "NOTIFICATION truncated",
					NULL, 0);
		buf_init_read(&out->u.notification.data, buf_cur(&b), buf_left(&b));
		return 0;
	case BGP_KEEPALIVE:
		return 0;
	case BGP_ROUTE_REFRESH:
		if (buf_get_u16(&b, &out->u.refresh.afi) ||
		    buf_get_u8(&b, &out->u.refresh.subtype) || buf_get_u8(&b, &out->u.refresh.safi))
			return bgp_fail(err, BGP_ERR_ROUTE_REFRESH, 1, PERR_TRUNCATED, 19,
					"ROUTE-REFRESH truncated", NULL, 0);
		/* RFC 7313 §5: a body other than 4 bytes is a ROUTE-REFRESH Message Error,
		 * Invalid Message Length, with the complete message as data (we negotiate no
		 * ORF, RFC 5291, so no subtype may carry more) */
		if (buf_left(&b))
			return bgp_fail(err, BGP_ERR_ROUTE_REFRESH, 1, PERR_TRAILING, 23,
					"ROUTE-REFRESH longer than 23 bytes", base, b.len);
		return 0;
	default: /* bgp_hdr_parse accepted only the types above */
		return bgp_fail(err, BGP_ERR_HEADER, BGP_ERR_HDR_TYPE, PERR_BAD_TYPE, 18,
				"unknown message type", &out->type, 1);
	}
}

/* ---- builders ---- */
static int hdr_begin(struct buf *w, uint8_t type, size_t *start)
{
	uint8_t marker[BGP_MARKER_LEN];
	memset(marker, 0xff, sizeof(marker));
	*start = buf_len(w);
	return buf_add_bytes(w, marker, sizeof(marker)) || buf_add_u16(w, 0) || buf_add_u8(w, type);
}

static int hdr_end(struct buf *w, size_t start, struct proto_err *e)
{
	size_t len = buf_len(w) - start;
	if (len > BGP_MAX_LEN)
		return proto_fail(e, PERR_LIMIT, start, "message over 4096 bytes");
	return buf_set_u16(w, start + 16, (uint16_t)len) ? proto_fail(e, PERR_FULL, start, NULL)
							 : 0;
}

static int full(struct proto_err *e, const struct buf *w)
{
	return proto_fail(e, PERR_FULL, buf_len(w), "output buffer full");
}

int bgp_build_keepalive(struct buf *w, struct proto_err *e)
{
	size_t s;
	if (hdr_begin(w, BGP_KEEPALIVE, &s))
		return full(e, w);
	return hdr_end(w, s, e);
}

int bgp_build_notification(struct buf *w, uint8_t code, uint8_t subcode, const void *data,
			   size_t datalen, struct proto_err *e)
{
	size_t s;
	if (hdr_begin(w, BGP_NOTIFICATION, &s) || buf_add_u8(w, code) || buf_add_u8(w, subcode) ||
	    buf_add_bytes(w, data, datalen))
		return full(e, w);
	return hdr_end(w, s, e);
}

int bgp_build_route_refresh(struct buf *w, const struct bgp_route_refresh *r, struct proto_err *e)
{
	size_t s;
	if (hdr_begin(w, BGP_ROUTE_REFRESH, &s) || buf_add_u16(w, r->afi) ||
	    buf_add_u8(w, r->subtype) || buf_add_u8(w, r->safi))
		return full(e, w);
	return hdr_end(w, s, e);
}

static int put_af_list(struct buf *w, uint8_t code, const struct bgp_capa_af *l, unsigned n,
		       bool flags)
{
	if (n == 0 || n > BGP_CAPA_AF_MAX)
		return n == 0 ? 0 : -1;
	if (buf_add_u8(w, code) || buf_add_u8(w, (uint8_t)(4 * n)))
		return -1;
	for (unsigned i = 0; i < n; i++)
		if (buf_add_u16(w, l[i].afi) || buf_add_u8(w, flags ? l[i].safi : 0) ||
		    buf_add_u8(w, flags ? l[i].flags : l[i].safi))
			return -1;
	return 0;
}

/* Capabilities in BIRD 2's order: MP, route refresh, extended next hop, graceful restart,
 * AS4, ADD-PATH, enhanced route refresh, then the unknown ones. */
static int put_caps(struct buf *w, const struct bgp_caps *c)
{
	for (unsigned i = 0; i < c->n_mp && i < BGP_CAPA_AF_MAX; i++)
		if (put_af_list(w, BGP_CAPA_MP, &c->mp[i], 1, false))
			return -1;
	if (c->route_refresh && (buf_add_u8(w, BGP_CAPA_ROUTE_REFRESH) || buf_add_u8(w, 0)))
		return -1;
	if (c->n_extnh) {
		if (c->n_extnh > BGP_CAPA_AF_MAX || buf_add_u8(w, BGP_CAPA_EXT_NH) ||
		    buf_add_u8(w, (uint8_t)(6 * c->n_extnh)))
			return -1;
		for (unsigned i = 0; i < c->n_extnh; i++)
			if (buf_add_u16(w, c->extnh[i].nlri_afi) ||
			    buf_add_u16(w, c->extnh[i].nlri_safi) ||
			    buf_add_u16(w, c->extnh[i].nh_afi))
				return -1;
	}
	if (c->gr) {
		if (c->n_gr > BGP_CAPA_AF_MAX || c->gr_time > BGP_GR_TIME_MAX ||
		    buf_add_u8(w, BGP_CAPA_GR) || buf_add_u8(w, (uint8_t)(2 + 4 * c->n_gr)) ||
		    buf_add_u16(w, (uint16_t)(((c->gr_flags & 0xf) << 12) | c->gr_time)))
			return -1;
		for (unsigned i = 0; i < c->n_gr; i++)
			if (buf_add_u16(w, c->gr_af[i].afi) || buf_add_u8(w, c->gr_af[i].safi) ||
			    buf_add_u8(w, c->gr_af[i].flags))
				return -1;
	}
	if (c->as4 &&
	    (buf_add_u8(w, BGP_CAPA_AS4) || buf_add_u8(w, 4) || buf_add_u32(w, c->as4_asn)))
		return -1;
	if (put_af_list(w, BGP_CAPA_ADD_PATH, c->addpath, c->n_addpath, true))
		return -1;
	if (c->enhanced_rr && (buf_add_u8(w, BGP_CAPA_ENH_RR) || buf_add_u8(w, 0)))
		return -1;
	for (unsigned i = 0; i < c->n_unknown && i < BGP_CAPA_UNKNOWN_MAX; i++) {
		const struct bgp_capa_unknown *u = &c->unknown[i];
		if (u->val.len > 255 || buf_add_u8(w, u->code) ||
		    buf_add_u8(w, (uint8_t)u->val.len) || buf_add_bytes(w, u->val.data, u->val.len))
			return -1;
	}
	return 0;
}

int bgp_build_open(struct buf *w, const struct bgp_open *o, struct proto_err *e)
{
	size_t s, optlen_off, plen_off;
	if (hdr_begin(w, BGP_OPEN, &s) || buf_add_u8(w, o->version ? o->version : BGP_VERSION) ||
	    buf_add_u16(w, o->my_as) || buf_add_u16(w, o->hold_time) || buf_add_u32(w, o->bgp_id) ||
	    buf_reserve(w, 1, &optlen_off))
		return full(e, w);
	/* all capabilities in one optional parameter (RFC 5492 §4 allows either form) */
	if (buf_add_u8(w, 2) || buf_reserve(w, 1, &plen_off) || put_caps(w, &o->caps))
		return full(e, w);
	size_t plen = buf_len(w) - plen_off - 1;
	if (plen == 0) {
		w->len = plen_off - 1; /* no capabilities: no optional parameter */
	} else if (plen > 253) {
		return proto_fail(e, PERR_LIMIT, plen_off, "capabilities exceed 255 bytes");
	} else {
		buf_set_u8(w, plen_off, (uint8_t)plen);
		buf_set_u8(w, optlen_off, (uint8_t)(plen + 2));
	}
	return hdr_end(w, s, e);
}

int bgp_build_update_raw(struct buf *w, const struct bgp_update *u, const struct bgp_sess_opts *o,
			 struct proto_err *e)
{
	size_t s, alen_off;
	if (hdr_begin(w, BGP_UPDATE, &s) || u->withdrawn.raw.len > 0xffff ||
	    buf_add_u16(w, (uint16_t)u->withdrawn.raw.len) ||
	    buf_add_bytes(w, u->withdrawn.raw.data, u->withdrawn.raw.len) ||
	    buf_reserve(w, 2, &alen_off))
		return full(e, w);
	if (bgp_attrs_encode(w, &u->attrs, o, e))
		return -1;
	size_t alen = buf_len(w) - alen_off - 2;
	if (alen > 0xffff || buf_set_u16(w, alen_off, (uint16_t)alen) ||
	    buf_add_bytes(w, u->nlri.raw.data, u->nlri.raw.len))
		return full(e, w);
	return hdr_end(w, s, e);
}

/* Append routes while they fit in `limit` bytes of w; returns how many. */
static size_t pack_nlri(struct buf *w, size_t limit, const struct bgp_route *routes, size_t n,
			bool addpath, bool withdraw)
{
	size_t i;
	for (i = 0; i < n; i++) {
		size_t l = bgp_nlri_len(&routes[i], addpath);
		if (buf_len(w) + l > limit || nlri_put(w, &routes[i], addpath, withdraw))
			break;
	}
	return i;
}

static size_t msg_limit(const struct buf *w, size_t start, size_t max)
{
	size_t lim = start + (max && max < BGP_MAX_LEN ? max : BGP_MAX_LEN);
	return lim < w->cap ? lim : w->cap;
}

static bool routes_ok(uint16_t afi, uint8_t safi, const struct bgp_route *routes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (routes[i].prefix.afi != afi || routes[i].vpn != (safi == BGP_SAFI_VPN) ||
		    routes[i].prefix.plen > afi_max_plen(routes[i].prefix.afi))
			return false;
	return true;
}

int bgp_build_update_af(struct buf *w, const struct bgp_sess_opts *o, const struct bgp_attrs *a,
			uint16_t afi, uint8_t safi, const struct bgp_route *routes, size_t n,
			size_t max, size_t *fitted, struct proto_err *e)
{
	int aid = bgp_aid(afi, safi);
	bool addpath = aid >= 0 && (o->addpath_tx & BGP_AID_BIT(aid));
	bool in_mp = !(afi == BGP_AFI_IPV4 && safi == BGP_SAFI_UNICAST && a->n_mp_nh == 0);
	struct bgp_attrs rest = *a;
	uint8_t scratch[BGP_MAX_LEN];
	struct buf sw;
	size_t s, alen_off, mp_off;

	*fitted = 0;
	if (aid < 0 || n == 0 || !routes_ok(afi, safi, routes, n))
		return proto_fail(e, PERR_BAD_AFI, 0, "routes do not match the AFI/SAFI");
	if (in_mp && afi == BGP_AFI_IPV4 && a->mp_nh[0].afi == LISP_AFI_IPV6 &&
	    !(o->ext_nh & BGP_AID_BIT(aid)))
		return proto_fail(e, PERR_BAD_AFI, 0, "IPv6 next hop without extended next hop");
	/* the other attributes first, into scratch, to know what room the NLRI have */
	rest.present &=
	    ~(((uint64_t)1 << BGP_ATTR_MP_REACH) | ((uint64_t)1 << BGP_ATTR_MP_UNREACH));
	if (in_mp)
		rest.present &= ~((uint64_t)1 << BGP_ATTR_NEXT_HOP);
	else if (!bgp_attr_has(a, BGP_ATTR_NEXT_HOP))
		return proto_fail(e, PERR_BAD_VALUE, 0, "IPv4 announcement without NEXT_HOP");
	buf_init_write(&sw, scratch, sizeof(scratch));
	if (bgp_attrs_encode(&sw, &rest, o, e))
		return -1;

	if (hdr_begin(w, BGP_UPDATE, &s) || buf_add_u16(w, 0) || buf_reserve(w, 2, &alen_off))
		return full(e, w);
	size_t limit = msg_limit(w, s, max);
	if (in_mp) {
		if (bgp_attr_mpreach_begin(w, a, afi, safi, &mp_off))
			return full(e, w);
		if (buf_len(w) + sw.len > limit)
			return full(e, w);
		*fitted = pack_nlri(w, limit - sw.len, routes, n, addpath, false);
		if (bgp_attr_mp_end(w, mp_off) || buf_add_bytes(w, scratch, sw.len))
			return full(e, w);
	} else {
		if (buf_add_bytes(w, scratch, sw.len))
			return full(e, w);
	}
	size_t alen = buf_len(w) - alen_off - 2;
	buf_set_u16(w, alen_off, (uint16_t)alen);
	if (!in_mp)
		*fitted = pack_nlri(w, limit, routes, n, addpath, false);
	if (*fitted == 0)
		return proto_fail(e, PERR_FULL, buf_len(w), "no route fits");
	return hdr_end(w, s, e);
}

int bgp_build_update(struct buf *w, const struct bgp_sess_opts *o, const struct bgp_attrs *a,
		     uint16_t afi, const struct bgp_route *routes, size_t n, size_t max,
		     size_t *fitted, struct proto_err *e)
{
	return bgp_build_update_af(w, o, a, afi, BGP_SAFI_UNICAST, routes, n, max, fitted, e);
}

int bgp_build_withdraw_af(struct buf *w, const struct bgp_sess_opts *o, uint16_t afi, uint8_t safi,
			  const struct bgp_route *routes, size_t n, size_t max, size_t *fitted,
			  struct proto_err *e)
{
	int aid = bgp_aid(afi, safi);
	bool addpath = aid >= 0 && (o->addpath_tx & BGP_AID_BIT(aid));
	size_t s, len_off, mp_off;

	*fitted = 0;
	if (aid < 0 || !routes_ok(afi, safi, routes, n))
		return proto_fail(e, PERR_BAD_AFI, 0, "routes do not match the AFI/SAFI");
	if (hdr_begin(w, BGP_UPDATE, &s) || buf_reserve(w, 2, &len_off))
		return full(e, w);
	size_t limit = msg_limit(w, s, max);
	if (aid == BGP_AID_IPV4) {
		if (buf_len(w) + 2 > limit)
			return full(e, w);
		*fitted = pack_nlri(w, limit - 2, routes, n, addpath, true);
		buf_set_u16(w, len_off, (uint16_t)(buf_len(w) - len_off - 2));
		if (buf_add_u16(w, 0))
			return full(e, w);
	} else {
		size_t alen_off; /* withdrawn routes length stays 0 */
		if (buf_reserve(w, 2, &alen_off) ||
		    bgp_attr_mp_begin_unreach(w, afi, safi, &mp_off))
			return full(e, w);
		*fitted = pack_nlri(w, limit, routes, n, addpath, true);
		if (bgp_attr_mp_end(w, mp_off))
			return full(e, w);
		buf_set_u16(w, alen_off, (uint16_t)(buf_len(w) - alen_off - 2));
	}
	if (*fitted == 0 && n > 0)
		return proto_fail(e, PERR_FULL, buf_len(w), "no route fits");
	return hdr_end(w, s, e);
}

int bgp_build_withdraw(struct buf *w, const struct bgp_sess_opts *o, uint16_t afi,
		       const struct bgp_route *routes, size_t n, size_t max, size_t *fitted,
		       struct proto_err *e)
{
	return bgp_build_withdraw_af(w, o, afi, BGP_SAFI_UNICAST, routes, n, max, fitted, e);
}
