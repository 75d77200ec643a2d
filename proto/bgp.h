/* SPDX-License-Identifier: ISC */
/*
 * proto/bgp.h - BGP-4 message codec: header, OPEN and capabilities, UPDATE (path attributes,
 * NLRI, MP_REACH/MP_UNREACH), KEEPALIVE, NOTIFICATION and ROUTE-REFRESH, both directions.
 *
 * Implements RFC 4271 §4 (messages) and §6 (error codes), RFC 5492 (capabilities),
 * RFC 4760 (MP-BGP), RFC 6793 (4-octet AS), RFC 7911 (ADD-PATH), RFC 8092 (Large
 * Communities), RFC 8950 (IPv4 NLRI with IPv6 next hop), RFC 2918 (ROUTE-REFRESH),
 * RFC 4724 (graceful restart capability), RFC 7606 (revised UPDATE error handling) and
 * the VPN families: RFC 4364 §4.2/§4.3 (VPN-IPv4, SAFI 128: route distinguisher, label,
 * next hop), RFC 4659 §3.2 (VPN-IPv6) and RFC 8277 §2 (the label field).
 *
 * Decoded lists (AS_PATH, communities, NLRI, unknown attributes/capabilities) are bounded
 * views (struct buf) into the caller's message: the parsed structs stay valid as long as
 * the message bytes do, and nothing is allocated. Lists are walked with the accessors
 * below. Builders write into a bounded struct buf writer and fail with PERR_FULL.
 * The speaker itself (FSM, timers, sockets) lives in common/, not here.
 */
#ifndef PROTO_BGP_H
#define PROTO_BGP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/addr.h"
#include "proto/buf.h"
#include "proto/err.h"

#ifndef nitems
#define nitems(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* ---- RFC 4271 §4.1 header ---- */
#define BGP_HDR_LEN    19
#define BGP_MAX_LEN    4096
#define BGP_MARKER_LEN 16
#define BGP_VERSION    4
#define BGP_AS_TRANS   23456 /* RFC 6793 §9 */

enum bgp_msg_type {
	BGP_OPEN = 1,
	BGP_UPDATE = 2,
	BGP_NOTIFICATION = 3,
	BGP_KEEPALIVE = 4,
	BGP_ROUTE_REFRESH = 5,
};

#define BGP_AFI_IPV4	 1
#define BGP_AFI_IPV6	 2
#define BGP_SAFI_UNICAST 1
#define BGP_SAFI_VPN	 128 /* RFC 4364 §4.3.4: MPLS-labeled VPN address */

/* The address families this suite carries routes for, as bit numbers of the masks in
 * struct bgp_sess_opts. bgp_aid() maps (AFI, SAFI) to one, or -1. The VPN families carry
 * the host mappings of instance IDs other than 0 (docs/bgp-mappings.md "Tenants"). */
enum bgp_aid {
	BGP_AID_IPV4 = 0,  /* AFI 1 / SAFI 1 */
	BGP_AID_IPV6 = 1,  /* AFI 2 / SAFI 1 */
	BGP_AID_VPNV4 = 2, /* AFI 1 / SAFI 128 (RFC 4364) */
	BGP_AID_VPNV6 = 3, /* AFI 2 / SAFI 128 (RFC 4659) */
	BGP_AID_MAX
};
#define BGP_AID_BIT(aid) (1u << (aid))
#define BGP_AID_VPN_MASK (BGP_AID_BIT(BGP_AID_VPNV4) | BGP_AID_BIT(BGP_AID_VPNV6))
#define BGP_AID_ALL_MASK ((1u << BGP_AID_MAX) - 1)
int bgp_aid(uint16_t afi, uint8_t safi);
/* The AFI, SAFI and name ("ipv4", "ipv6", "vpnv4", "vpnv6") of an AID < BGP_AID_MAX. */
uint16_t bgp_aid_afi(unsigned aid);
uint8_t bgp_aid_safi(unsigned aid);
const char *bgp_aid_name(unsigned aid);
static inline bool bgp_aid_vpn(int aid)
{
	return aid == BGP_AID_VPNV4 || aid == BGP_AID_VPNV6;
}

/* ---- RFC 4271 §4.5 / §6 NOTIFICATION codes ---- */
enum bgp_err_code {
	BGP_ERR_HEADER = 1,
	BGP_ERR_OPEN = 2,
	BGP_ERR_UPDATE = 3,
	BGP_ERR_HOLD = 4,
	BGP_ERR_FSM = 5,
	BGP_ERR_CEASE = 6,
	BGP_ERR_ROUTE_REFRESH = 7, /* RFC 7313 */
};
/* header subcodes */
#define BGP_ERR_HDR_SYNC 1
#define BGP_ERR_HDR_LEN	 2
#define BGP_ERR_HDR_TYPE 3
/* OPEN subcodes */
#define BGP_ERR_OPEN_VERSION 1
#define BGP_ERR_OPEN_AS	     2
#define BGP_ERR_OPEN_BGPID   3
#define BGP_ERR_OPEN_OPT     4
#define BGP_ERR_OPEN_HOLD    6
#define BGP_ERR_OPEN_CAPA    7 /* RFC 5492 unsupported capability */
/* UPDATE subcodes */
#define BGP_ERR_UPD_ATTRLIST  1
#define BGP_ERR_UPD_UNKNWN_WK 2
#define BGP_ERR_UPD_MISSNG_WK 3
#define BGP_ERR_UPD_ATTRFLAGS 4
#define BGP_ERR_UPD_ATTRLEN   5
#define BGP_ERR_UPD_ORIGIN    6
#define BGP_ERR_UPD_NEXTHOP   8
#define BGP_ERR_UPD_OPTATTR   9
#define BGP_ERR_UPD_NETWORK   10
#define BGP_ERR_UPD_ASPATH    11
/* Cease subcodes (RFC 4486) */
#define BGP_ERR_CEASE_MAX_PREFIX 1
#define BGP_ERR_CEASE_ADMIN_DOWN 2
#define BGP_ERR_CEASE_UNCONFIG	 3
#define BGP_ERR_CEASE_ADMIN_RST	 4
#define BGP_ERR_CEASE_REJECTED	 5
#define BGP_ERR_CEASE_CONFIG	 6
#define BGP_ERR_CEASE_COLLISION	 7
#define BGP_ERR_CEASE_RESOURCES	 8
/* RFC 8538 §3: Hard Reset. Its data is the Cease subcode (or error code and subcode) of
 * the reason it wraps: ErrCode(1) Subcode(1) Data. Only sent when the N bit was
 * negotiated; the receiver drops the routes whatever the N bit says. */
#define BGP_ERR_CEASE_HARD_RESET 9

#define BGP_NOTIFY_DATA_MAX 64

/* A NOTIFICATION to send because of a parse error (data copied, truncated to the max). */
struct bgp_err {
	struct proto_err e;
	uint8_t code; /* 0 = no NOTIFICATION warranted */
	uint8_t subcode;
	uint8_t datalen;
	uint8_t data[BGP_NOTIFY_DATA_MAX];
};

/* Names for logs: "UPDATE Message Error", "Malformed Attribute List". Never NULL. */
const char *bgp_err_code_name(uint8_t code);
const char *bgp_err_subcode_name(uint8_t code, uint8_t subcode);
const char *bgp_msg_type_name(uint8_t type);

/* ---- capabilities (RFC 5492) ---- */
enum bgp_capa_code {
	BGP_CAPA_MP = 1,
	BGP_CAPA_ROUTE_REFRESH = 2,
	BGP_CAPA_EXT_NH = 5,
	BGP_CAPA_GR = 64,
	BGP_CAPA_AS4 = 65,
	BGP_CAPA_ADD_PATH = 69,
	BGP_CAPA_ENH_RR = 70,
};

/* Entries kept per list capability. Past it, families other than IPv4/IPv6 unicast are
 * dropped (or give their slot to a unicast one); the OPEN is refused only when the kept
 * entries are all unicast ones (repeats). */
#define BGP_CAPA_AF_MAX	     8
#define BGP_CAPA_UNKNOWN_MAX 8 /* unknown capabilities kept; more are counted and skipped */

#define BGP_ADDPATH_RECV 1
#define BGP_ADDPATH_SEND 2

#define BGP_GR_F_RESTART 0x8 /* R bit (top bit of the 4 flag bits) */
#define BGP_GR_F_NOTIFY	 0x4 /* N bit, RFC 8538 */
#define BGP_GR_AF_F_FWD	 0x80
#define BGP_GR_TIME_MAX	 4095

struct bgp_capa_af {
	uint16_t afi;
	uint8_t safi;
	uint8_t flags; /* ADD-PATH: BGP_ADDPATH_*; GR: BGP_GR_AF_F_*; MP: 0 */
};

struct bgp_capa_extnh {
	uint16_t nlri_afi;
	uint16_t nlri_safi; /* 16 bits on the wire (RFC 8950 §3) */
	uint16_t nh_afi;
};

struct bgp_capa_unknown {
	uint8_t code;
	struct buf val; /* view into the message (parse) or caller memory (build) */
};

struct bgp_caps {
	uint8_t n_mp;
	struct bgp_capa_af mp[BGP_CAPA_AF_MAX];
	bool route_refresh;
	bool enhanced_rr;
	uint8_t n_extnh;
	struct bgp_capa_extnh extnh[BGP_CAPA_AF_MAX];
	bool gr;
	uint8_t gr_flags; /* BGP_GR_F_* (4 bits) */
	uint16_t gr_time; /* seconds, 12 bits */
	uint8_t n_gr;
	struct bgp_capa_af gr_af[BGP_CAPA_AF_MAX];
	bool as4;
	uint32_t as4_asn;
	uint8_t n_addpath;
	struct bgp_capa_af addpath[BGP_CAPA_AF_MAX];
	uint8_t n_unknown; /* kept in unknown[] (at most BGP_CAPA_UNKNOWN_MAX) */
	uint16_t n_unknown_skipped;
	struct bgp_capa_unknown unknown[BGP_CAPA_UNKNOWN_MAX];
};

struct bgp_open {
	uint8_t version;
	uint16_t my_as; /* the 2-octet field (AS_TRANS when the real AS needs 4 octets) */
	uint16_t hold_time;
	uint32_t bgp_id;
	struct bgp_caps caps;
};
/* The peer's AS: the AS4 capability's value if present, else my_as. */
uint32_t bgp_open_asn(const struct bgp_open *o);

/* What was negotiated on a session: the parser and the builders need it (RFC 6793 §4,
 * RFC 7911 §4, RFC 8950 §4). */
struct bgp_sess_opts {
	bool as4;	    /* both sides sent the AS4 capability */
	bool ibgp;	    /* peer AS == local AS (LOCAL_PREF handling, RFC 7606 §7.5) */
	uint8_t mp;	    /* BGP_AID_BIT mask both sides announced */
	uint8_t addpath_rx; /* we receive path IDs for these AIDs */
	uint8_t addpath_tx; /* we send path IDs for these AIDs */
	uint8_t ext_nh;	    /* IPv4 (unicast, VPN) with an IPv6 next hop allowed (both ways) */
	bool route_refresh;
	/* RFC 8538 §2: both sides sent the GR capability with the N bit - NOTIFICATIONs
	 * other than Cease/Hard Reset (and a hold timer expiry) keep the GR procedures */
	bool gr_notify;
};
/* Derive the session options from what we sent and what the peer sent. */
void bgp_caps_negotiate(const struct bgp_caps *local, const struct bgp_caps *remote, bool ibgp,
			struct bgp_sess_opts *out);

/* ---- VPN NLRI (RFC 4364 §4.3.4, RFC 4659 §3.2, RFC 8277 §2) ----
 * An entry of SAFI 128 is [path ID (4)] length (1, in bits, all that follows) label (3) route
 * distinguisher (8) prefix: the length is 88 + the prefix length, at most 120 (VPN-IPv4) or
 * 216 (VPN-IPv6). One label (no Multiple Labels capability, RFC 8277 §2.1): its bottom-of-
 * stack bit must be set in an announcement; in a withdrawal the field is RFC 8277 §2.4's
 * Compatibility field (0x800000 sent, any value accepted).
 * Route distinguisher of a tenant (docs/bgp-mappings.md "Tenants"): type 0 (RFC 4364 §4.2),
 * administrator = the local AS (AS_TRANS 23456 for an AS above 65535), assigned number = the
 * instance ID. A receiver reads the instance ID from the assigned number of a type 0, 1 or 2
 * RD when it lies in 1..2^24-1; any other RD names no instance ID. */
#define BGP_RD_LEN		8
#define BGP_LABEL_LEN		3
#define BGP_VPN_NLRI_BITS	((BGP_LABEL_LEN + BGP_RD_LEN) * 8) /* 88 */
#define BGP_LABEL_BOS		0x000001u			   /* S bit of the label field */
#define BGP_LABEL_IMPLICIT_NULL 3u	  /* RFC 3032 §2.1: the label we send */
#define BGP_LABEL_WITHDRAW	0x800000u /* RFC 8277 §2.4 Compatibility field */
/* The 3-byte label field of label value l (20 bits), TC 0, bottom of stack. */
#define BGP_LABEL_FIELD(l) ((((l)&0xfffffu) << 4) | BGP_LABEL_BOS)
#define BGP_RD_TYPE_AS2	   0
#define BGP_RD_TYPE_IP4	   1
#define BGP_RD_TYPE_AS4	   2

/* The route distinguisher of instance ID iid for a speaker of AS as (type 0, above). */
uint64_t bgp_rd_make(uint32_t as, uint32_t iid);
/* The instance ID an RD names: 0 and *iid set, or -1 (another type, or outside 1..2^24-1). */
int bgp_rd_iid(uint64_t rd, uint32_t *iid);
/* "65000:42" (type 0 and 2), "192.0.2.1:42" (type 1), "type 5:0x..." otherwise. */
int bgp_rd_str(uint64_t rd, char *dst, size_t len);

/* ---- NLRI (RFC 4271 §4.3, RFC 7911 §3) ---- */
struct bgp_route {
	struct lisp_prefix prefix; /* unicast: iid 0; VPN: the iid of its RD (0: it names none) */
	uint32_t path_id;	   /* 0 without ADD-PATH */
	bool vpn;		   /* SAFI 128: the label and RD below are part of the entry */
	uint32_t label;		   /* the 3-byte label field: label << 4 | TC << 1 | S */
	uint64_t rd;		   /* route distinguisher, as on the wire (big-endian) */
};

/* A validated NLRI list (all entries parsed once at decode time). */
struct bgp_nlri_list {
	uint16_t afi;
	uint8_t safi;
	bool addpath;
	bool withdraw; /* MP_UNREACH: VPN labels are the Compatibility field, not checked */
	uint32_t count;
	struct buf raw;	    /* the encoded entries */
	const char *reason; /* why bgp_nlri_list_parse failed */
};

struct bgp_nlri_iter {
	struct buf b;
	uint16_t afi;
	uint8_t safi;
	bool addpath;
	bool withdraw;
};
void bgp_nlri_iter_init(struct bgp_nlri_iter *it, const struct bgp_nlri_list *l);
/* 1 = *r filled, 0 = end of list, -1 = malformed (never after a successful parse). */
int bgp_nlri_next(struct bgp_nlri_iter *it, struct bgp_route *r);
/* Encode one NLRI entry (with its path ID when addpath; label and RD when r->vpn). */
int bgp_nlri_put(struct buf *w, const struct bgp_route *r, bool addpath);
size_t bgp_nlri_len(const struct bgp_route *r, bool addpath);

/* ---- path attributes (RFC 4271 §4.3/§5, descriptor table in bgp_attr.c) ---- */
enum bgp_attr_type {
	BGP_ATTR_ORIGIN = 1,
	BGP_ATTR_AS_PATH = 2,
	BGP_ATTR_NEXT_HOP = 3,
	BGP_ATTR_MED = 4,
	BGP_ATTR_LOCAL_PREF = 5,
	BGP_ATTR_ATOMIC_AGGR = 6,
	BGP_ATTR_AGGREGATOR = 7,
	BGP_ATTR_COMMUNITIES = 8,
	BGP_ATTR_ORIGINATOR_ID = 9,
	BGP_ATTR_CLUSTER_LIST = 10,
	BGP_ATTR_MP_REACH = 14,
	BGP_ATTR_MP_UNREACH = 15,
	BGP_ATTR_LARGE_COMMUNITY = 32,
	BGP_ATTR__TABLE = 33 /* size of the descriptor table */
};

#define BGP_ATTR_F_OPTIONAL   0x80
#define BGP_ATTR_F_TRANSITIVE 0x40
#define BGP_ATTR_F_PARTIAL    0x20
#define BGP_ATTR_F_EXTLEN     0x10

#define BGP_ORIGIN_IGP	      0
#define BGP_ORIGIN_EGP	      1
#define BGP_ORIGIN_INCOMPLETE 2

#define BGP_AS_SET	       1
#define BGP_AS_SEQUENCE	       2
#define BGP_AS_CONFED_SEQUENCE 3
#define BGP_AS_CONFED_SET      4

#define BGP_COMM_NO_EXPORT    0xffffff01u
#define BGP_COMM_NO_ADVERTISE 0xffffff02u

#define BGP_ATTR_UNKNOWN_MAX 8 /* opaque optional transitive attributes kept */

struct bgp_lcomm {
	uint32_t global, local1, local2;
};

struct bgp_attr_opaque {
	uint8_t flags; /* as received, Partial added on re-encode */
	uint8_t type;
	struct buf val;
};

/* One attribute set. `present` has bit (1 << type) for each attribute set/seen (types < 64).
 * List attributes are views holding the wire encoding of the value; set them with the
 * bgp_attrs_set_* helpers (which encode into caller-provided storage) or by parsing. */
struct bgp_attrs {
	uint64_t present;
	uint8_t origin;
	struct buf as_path; /* segments, 4-octet ASNs when as_path_as4 */
	bool as_path_as4;
	struct ipaddr next_hop; /* NEXT_HOP (IPv4) */
	uint32_t med;
	uint32_t local_pref;
	uint32_t aggr_as;
	uint32_t aggr_id;
	struct buf communities; /* n x 4 bytes */
	uint32_t originator_id;
	struct buf cluster_list; /* n x 4 bytes */
	struct buf large_comms;	 /* n x 12 bytes */
	/* MP_REACH: next hop(s) and NLRI; MP_UNREACH: NLRI */
	uint8_t n_mp_nh;	/* 1 or 2 (global + link-local) */
	struct ipaddr mp_nh[2]; /* IPv4 (4 bytes) or IPv6 (16 bytes); for SAFI 128 the zero RD
				 * in front of each (RFC 4364 §4.3.2, RFC 4659 §3.2.1) is not
				 * kept: it is written (zero) by the encoder */
	struct bgp_nlri_list mp_reach;
	struct bgp_nlri_list mp_unreach;
	uint8_t n_unknown;
	uint16_t n_unknown_dropped; /* over BGP_ATTR_UNKNOWN_MAX, or optional non-transitive */
	struct bgp_attr_opaque unknown[BGP_ATTR_UNKNOWN_MAX];
};

static inline bool bgp_attr_has(const struct bgp_attrs *a, unsigned type)
{
	return type < 64 && (a->present >> type) & 1;
}
static inline void bgp_attr_set(struct bgp_attrs *a, unsigned type)
{
	if (type < 64)
		a->present |= (uint64_t)1 << type;
}
static inline size_t bgp_attrs_n_communities(const struct bgp_attrs *a)
{
	return a->communities.len / 4;
}
static inline size_t bgp_attrs_n_large_comms(const struct bgp_attrs *a)
{
	return a->large_comms.len / 12;
}
uint32_t bgp_attrs_community(const struct bgp_attrs *a, size_t i);
struct bgp_lcomm bgp_attrs_large_comm(const struct bgp_attrs *a, size_t i);
bool bgp_attrs_has_community(const struct bgp_attrs *a, uint32_t c);

/* Setters that encode into `store` (a writer the caller keeps alive as long as *a). */
int bgp_attrs_set_as_path(struct bgp_attrs *a, struct buf *store, const uint32_t *seq, size_t n);
int bgp_attrs_set_communities(struct bgp_attrs *a, struct buf *store, const uint32_t *c, size_t n);
int bgp_attrs_set_large_comms(struct bgp_attrs *a, struct buf *store, const struct bgp_lcomm *lc,
			      size_t n);

/* AS_PATH walk: one ASN at a time with its segment type. */
struct bgp_aspath_iter {
	struct buf b;
	bool as4;
	uint8_t seg_type;
	uint8_t seg_left;
};
void bgp_aspath_iter_init(struct bgp_aspath_iter *it, const struct bgp_attrs *a);
int bgp_aspath_next(struct bgp_aspath_iter *it, uint8_t *seg_type, uint32_t *asn);
/* RFC 4271 §9.1.2.2 a): AS_SET counts as 1. */
unsigned bgp_aspath_length(const struct bgp_attrs *a);

/* Attribute names and one-line text for logs and the CLI ("ORIGIN", "IGP"). */
const char *bgp_attr_name(uint8_t type);
int bgp_attr_format(const struct bgp_attrs *a, uint8_t type, char *dst, size_t len);

/* Encode every present attribute (MP_UNREACH, MP_REACH first, then ascending type, then the
 * opaque ones with Partial set). MP_REACH/MP_UNREACH carry their NLRI views. */
int bgp_attrs_encode(struct buf *w, const struct bgp_attrs *a, const struct bgp_sess_opts *o,
		     struct proto_err *e);

/* ---- RFC 7606 classification ---- */
enum bgp_action {
	BGP_ACT_NONE = 0,
	BGP_ACT_ATTR_DISCARD = 1,      /* §2: attribute dropped, UPDATE otherwise processed */
	BGP_ACT_TREAT_AS_WITHDRAW = 2, /* §2: every NLRI (and MP_REACH NLRI) is a withdraw */
	BGP_ACT_SESSION_RESET = 3,     /* send NOTIFICATION (code/subcode below) and close */
};
const char *bgp_action_name(enum bgp_action a);

struct bgp_update {
	struct bgp_nlri_list withdrawn; /* IPv4 unicast withdrawn routes field */
	struct bgp_attrs attrs;		/* attributes kept (discarded ones are absent) */
	struct bgp_nlri_list nlri;	/* IPv4 unicast NLRI field */
	/* RFC 7606 outcome: the most severe problem found, and the first reason for it */
	enum bgp_action action;
	uint8_t n_problems;
	uint8_t bad_attr; /* attribute type of the first problem with `action` (0 = none) */
	const char *reason;
	struct bgp_err notify; /* filled when action == BGP_ACT_SESSION_RESET */
};
/* End-of-RIB (RFC 4724 §2): empty UPDATE (IPv4) or only an empty MP_UNREACH. */
bool bgp_update_is_eor(const struct bgp_update *u, uint16_t *afi, uint8_t *safi);

/* ---- messages ---- */
struct bgp_notification {
	uint8_t code, subcode;
	struct buf data; /* view */
};

struct bgp_route_refresh {
	uint16_t afi;
	uint8_t subtype; /* RFC 7313: 0 normal, 1 BoRR, 2 EoRR */
	uint8_t safi;
};

struct bgp_msg {
	uint8_t type;
	uint16_t len;
	union {
		struct bgp_open open;
		struct bgp_update update;
		struct bgp_notification notification;
		struct bgp_route_refresh refresh;
	} u;
};

/* Header only (stream framing): checks marker, length 19..4096 and type; *len is the total
 * message length to read. On error *err says which NOTIFICATION to send. */
int bgp_hdr_parse(struct buf *b, uint8_t *type, uint16_t *len, struct bgp_err *err);

/* Parse one complete message (exactly one; trailing bytes are an error). For UPDATE the
 * result is 0 even with RFC 7606 problems: look at u.update.action; -1 only when the message
 * cannot be framed (and then err->code/subcode say what to send). */
int bgp_msg_parse(const struct buf *msg, const struct bgp_sess_opts *o, struct bgp_msg *out,
		  struct bgp_err *err);

/* Builders: each writes one whole message (header included) and returns 0 or -1. */
int bgp_build_keepalive(struct buf *w, struct proto_err *e);
int bgp_build_open(struct buf *w, const struct bgp_open *o, struct proto_err *e);
int bgp_build_notification(struct buf *w, uint8_t code, uint8_t subcode, const void *data,
			   size_t datalen, struct proto_err *e);
int bgp_build_route_refresh(struct buf *w, const struct bgp_route_refresh *r, struct proto_err *e);
/* Re-encode a parsed (or hand-filled) UPDATE: withdrawn, attributes, NLRI as they are. */
int bgp_build_update_raw(struct buf *w, const struct bgp_update *u, const struct bgp_sess_opts *o,
			 struct proto_err *e);
/* Announce: as many of routes[0..n) as fit in one message of at most `max` bytes
 * (0 = BGP_MAX_LEN) with the attributes `a`, all in (afi, safi). IPv4 unicast routes with
 * an IPv4 next hop (a->next_hop, no MP next hop) go in the NLRI field with NEXT_HOP;
 * everything else in MP_REACH with a->mp_nh (SAFI 128: every route has r->vpn, an IPv6 next
 * hop for VPN-IPv4 needs RFC 8950 negotiated for it). Path IDs are written when
 * o->addpath_tx has the AID. *fitted = routes written (>= 1 on success). */
int bgp_build_update_af(struct buf *w, const struct bgp_sess_opts *o, const struct bgp_attrs *a,
			uint16_t afi, uint8_t safi, const struct bgp_route *routes, size_t n,
			size_t max, size_t *fitted, struct proto_err *e);
/* The same in SAFI 1. */
int bgp_build_update(struct buf *w, const struct bgp_sess_opts *o, const struct bgp_attrs *a,
		     uint16_t afi, const struct bgp_route *routes, size_t n, size_t max,
		     size_t *fitted, struct proto_err *e);
/* Withdraw-only UPDATE: IPv4 unicast in the withdrawn routes field, the other families in
 * MP_UNREACH (VPN labels written as the RFC 8277 §2.4 Compatibility field). n == 0 builds
 * the End-of-RIB marker of the family. */
int bgp_build_withdraw_af(struct buf *w, const struct bgp_sess_opts *o, uint16_t afi, uint8_t safi,
			  const struct bgp_route *routes, size_t n, size_t max, size_t *fitted,
			  struct proto_err *e);
/* The same in SAFI 1. */
int bgp_build_withdraw(struct buf *w, const struct bgp_sess_opts *o, uint16_t afi,
		       const struct bgp_route *routes, size_t n, size_t max, size_t *fitted,
		       struct proto_err *e);

/* ---- internal: the attribute section parser (bgp_attr.c), used by bgp_msg.c ---- */
void bgp_update_attrs_parse(struct buf *attrs, const uint8_t *msg_base,
			    const struct bgp_sess_opts *o, struct bgp_update *u);
void bgp_update_problem(struct bgp_update *u, enum bgp_action act, uint8_t attr, uint8_t subcode,
			const char *reason);
int bgp_nlri_list_parse(struct buf *b, uint16_t afi, uint8_t safi, bool addpath, bool withdraw,
			struct bgp_nlri_list *out);

#endif
