/* SPDX-License-Identifier: ISC */
/*
 * proto/addr.h - addresses and prefixes of the LISP wire (RFC 9301 §5, RFC 8060).
 *
 * struct ipaddr is an IPv4 or IPv6 address (AFI 1/2) or "no address" (AFI 0).
 * struct lisp_prefix is the data model's EID prefix: instance ID + AFI + length + address.
 * struct lisp_addr is what an AFI-encoded wire address decodes to: one or more IP
 * addresses (AFI-List, LCAF type 1) optionally inside an Instance-ID LCAF (type 2).
 * Unknown LCAF types are skipped by their length; nesting is bounded by
 * LISP_LCAF_MAX_DEPTH.
 */
#ifndef PROTO_ADDR_H
#define PROTO_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/buf.h"
#include "proto/err.h"

#define LISP_AFI_NONE 0
#define LISP_AFI_IPV4 1
#define LISP_AFI_IPV6 2
#define LISP_AFI_LCAF 16387

#define LCAF_TYPE_AFI_LIST 1
#define LCAF_TYPE_IID	   2

#define LISP_LCAF_MAX_DEPTH 4 /* LCAF inside LCAF, bounded */
#define LISP_ADDR_LIST_MAX                                                                         \
	2 /* addresses kept from one AFI-List (IPv4 + IPv6); more is PERR_LIMIT */
#define LISP_IID_MAX 0xffffff /* the data plane carries 24 bits (the wire and text: 32) */

#define IPADDR_STRLEN 46 /* INET6_ADDRSTRLEN */
#define PREFIX_STRLEN 72 /* "[iid] addr/len" */

struct ipaddr {
	uint16_t afi;  /* LISP_AFI_NONE, LISP_AFI_IPV4 or LISP_AFI_IPV6 */
	uint8_t a[16]; /* IPv4 in a[0..3], rest zero */
};

struct lisp_prefix {
	uint32_t iid;  /* instance ID, 0 = default */
	uint16_t afi;  /* LISP_AFI_IPV4 / LISP_AFI_IPV6 (LISP_AFI_NONE only for "no EID") */
	uint8_t plen;  /* 0..32 or 0..128 */
	uint8_t a[16]; /* host bits beyond plen are always zero (prefix_normalize) */
};

#define LISP_ADDR_F_IID	    0x01 /* was wrapped in an Instance-ID LCAF */
#define LISP_ADDR_F_LIST    0x02 /* was an AFI-List LCAF */
#define LISP_ADDR_F_UNKNOWN 0x04 /* an LCAF type we do not know, skipped by length */

struct lisp_addr {
	uint8_t flags;	  /* LISP_ADDR_F_* */
	uint8_t iid_mlen; /* Instance-ID LCAF: IID mask length (Rsvd2 byte) */
	uint8_t n;	  /* number of addresses in addr[] (0 = AFI 0) */
	uint32_t iid;
	struct ipaddr addr[LISP_ADDR_LIST_MAX];
};

/* ---- plain helpers ---- */
size_t afi_addr_len(uint16_t afi);   /* 0, 4, 16; 0 also for unknown */
unsigned afi_max_plen(uint16_t afi); /* 32 or 128 (0 for others) */
bool ipaddr_eq(const struct ipaddr *x, const struct ipaddr *y);
int ipaddr_cmp(const struct ipaddr *x, const struct ipaddr *y);
/* Text: "192.0.2.1", "2001:db8::1". Parse returns 0 or -1. */
int ipaddr_parse(const char *s, struct ipaddr *out);
const char *ipaddr_str(const struct ipaddr *a, char *dst, size_t len);
void ipaddr_from_v4(struct ipaddr *a, uint32_t host_order);

void prefix_normalize(struct lisp_prefix *p); /* zero host bits */
bool prefix_eq(const struct lisp_prefix *x, const struct lisp_prefix *y);
int prefix_cmp(const struct lisp_prefix *x, const struct lisp_prefix *y);
/* Does prefix p contain address a (same IID and AFI, first plen bits equal)? */
bool prefix_contains_addr(const struct lisp_prefix *p, uint32_t iid, const struct ipaddr *a);
/* Does p contain q (q is equal to or more specific than p)? */
bool prefix_contains(const struct lisp_prefix *p, const struct lisp_prefix *q);
bool prefix_overlaps(const struct lisp_prefix *p, const struct lisp_prefix *q);
/* Host prefix for an address (/32 or /128). */
void prefix_from_addr(struct lisp_prefix *p, uint32_t iid, const struct ipaddr *a);
/* Text: "198.51.100.0/24", "2001:db8::/32", "[42]198.51.100.5/32"; a bare address is a host
 * prefix. Host bits are rejected unless `lenient`. */
int prefix_parse(const char *s, struct lisp_prefix *out, bool lenient);
const char *prefix_str(const struct lisp_prefix *p, char *dst, size_t len);
/* Bit i (0 = most significant) of an address. */
static inline unsigned addr_bit(const uint8_t *a, unsigned i)
{
	return (a[i >> 3] >> (7 - (i & 7))) & 1;
}

/* ---- wire ---- */
/* Parse one AFI-encoded address (AFI 0, 1, 2 or LCAF). */
int lisp_addr_parse(struct buf *b, struct lisp_addr *out, struct proto_err *e);
/* Build: addr->n == 0 -> AFI 0; flags decide the LCAF wrapping. */
int lisp_addr_build(struct buf *b, const struct lisp_addr *addr, struct proto_err *e);
/* Convenience: a single IP address with no LCAF. */
void lisp_addr_from_ip(struct lisp_addr *out, const struct ipaddr *ip);
/* An EID prefix as it appears in a record: address (IID-LCAF when iid != 0 or force_iid). */
void lisp_addr_from_prefix(struct lisp_addr *out, const struct lisp_prefix *p, bool force_iid);
/* Turn a parsed record EID (address + mask length) into a prefix; checks the mask length. */
int lisp_addr_to_prefix(const struct lisp_addr *a, unsigned plen, struct lisp_prefix *out,
			struct proto_err *e);

#endif
