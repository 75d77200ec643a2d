/* SPDX-License-Identifier: ISC */
/*
 * proto/addr.c - IP addresses, EID prefixes and their AFI/LCAF wire encoding.
 * Implements the AFI encoding of RFC 9301 §5 and the LCAF types 1 (AFI List) and
 * 2 (Instance ID) of RFC 8060 §3 and §4.1/§4.2 (nested LCAFs bounded by depth;
 * unknown types skipped by length as RFC 8060 §3 allows).
 */
#include "proto/addr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t afi_addr_len(uint16_t afi)
{
	return afi == LISP_AFI_IPV4 ? 4 : afi == LISP_AFI_IPV6 ? 16 : 0;
}

unsigned afi_max_plen(uint16_t afi)
{
	return afi == LISP_AFI_IPV4 ? 32 : afi == LISP_AFI_IPV6 ? 128 : 0;
}

bool ipaddr_eq(const struct ipaddr *x, const struct ipaddr *y)
{
	return x->afi == y->afi && memcmp(x->a, y->a, afi_addr_len(x->afi)) == 0;
}

int ipaddr_cmp(const struct ipaddr *x, const struct ipaddr *y)
{
	if (x->afi != y->afi)
		return x->afi < y->afi ? -1 : 1;
	return memcmp(x->a, y->a, afi_addr_len(x->afi));
}

int ipaddr_parse(const char *s, struct ipaddr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, out->a) == 1) {
		out->afi = LISP_AFI_IPV4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out->a) == 1) {
		out->afi = LISP_AFI_IPV6;
		return 0;
	}
	return -1;
}

const char *ipaddr_str(const struct ipaddr *a, char *dst, size_t len)
{
	if (a->afi == LISP_AFI_IPV4 || a->afi == LISP_AFI_IPV6) {
		if (inet_ntop(a->afi == LISP_AFI_IPV4 ? AF_INET : AF_INET6, a->a, dst,
			      (socklen_t)len))
			return dst;
	}
	snprintf(dst, len, "%s", a->afi == LISP_AFI_NONE ? "none" : "?");
	return dst;
}

void ipaddr_from_v4(struct ipaddr *a, uint32_t v)
{
	memset(a, 0, sizeof(*a));
	a->afi = LISP_AFI_IPV4;
	a->a[0] = (uint8_t)(v >> 24);
	a->a[1] = (uint8_t)(v >> 16);
	a->a[2] = (uint8_t)(v >> 8);
	a->a[3] = (uint8_t)v;
}

static void mask_bits(uint8_t *a, unsigned plen, size_t alen)
{
	for (size_t i = 0; i < alen; i++) {
		unsigned lo = (unsigned)i * 8;
		if (plen >= lo + 8)
			continue;
		if (plen <= lo)
			a[i] = 0;
		else
			a[i] &= (uint8_t)(0xff << (8 - (plen - lo)));
	}
	for (size_t i = alen; i < 16; i++)
		a[i] = 0;
}

void prefix_normalize(struct lisp_prefix *p)
{
	mask_bits(p->a, p->plen, afi_addr_len(p->afi));
}

bool prefix_eq(const struct lisp_prefix *x, const struct lisp_prefix *y)
{
	return x->iid == y->iid && x->afi == y->afi && x->plen == y->plen &&
	       memcmp(x->a, y->a, 16) == 0;
}

int prefix_cmp(const struct lisp_prefix *x, const struct lisp_prefix *y)
{
	if (x->iid != y->iid)
		return x->iid < y->iid ? -1 : 1;
	if (x->afi != y->afi)
		return x->afi < y->afi ? -1 : 1;
	int c = memcmp(x->a, y->a, 16);
	if (c)
		return c;
	if (x->plen != y->plen)
		return x->plen < y->plen ? -1 : 1;
	return 0;
}

static bool bits_equal(const uint8_t *x, const uint8_t *y, unsigned n)
{
	unsigned full = n / 8, rest = n % 8;
	if (memcmp(x, y, full))
		return false;
	if (!rest)
		return true;
	uint8_t m = (uint8_t)(0xff << (8 - rest));
	return (x[full] & m) == (y[full] & m);
}

bool prefix_contains_addr(const struct lisp_prefix *p, uint32_t iid, const struct ipaddr *a)
{
	return p->iid == iid && p->afi == a->afi && bits_equal(p->a, a->a, p->plen);
}

bool prefix_contains(const struct lisp_prefix *p, const struct lisp_prefix *q)
{
	return p->iid == q->iid && p->afi == q->afi && p->plen <= q->plen &&
	       bits_equal(p->a, q->a, p->plen);
}

bool prefix_overlaps(const struct lisp_prefix *p, const struct lisp_prefix *q)
{
	return prefix_contains(p, q) || prefix_contains(q, p);
}

void prefix_from_addr(struct lisp_prefix *p, uint32_t iid, const struct ipaddr *a)
{
	memset(p, 0, sizeof(*p));
	p->iid = iid;
	p->afi = a->afi;
	p->plen = (uint8_t)afi_max_plen(a->afi);
	memcpy(p->a, a->a, 16);
}

int prefix_parse(const char *s, struct lisp_prefix *out, bool lenient)
{
	char tmp[PREFIX_STRLEN];
	struct ipaddr ip;
	unsigned long iid = 0, plen;
	char *end;

	memset(out, 0, sizeof(*out));
	if (*s == '[') {
		/* strtoul alone would take " 7", "+7" and "-0" */
		if (!isdigit((unsigned char)s[1]))
			return -1;
		iid = strtoul(s + 1, &end, 10);
		if (end == s + 1 || *end != ']' || iid > UINT32_MAX)
			return -1;
		s = end + 1;
	}
	if (strlen(s) >= sizeof(tmp))
		return -1;
	strcpy(tmp, s);
	char *slash = strchr(tmp, '/');
	if (slash)
		*slash = '\0';
	if (ipaddr_parse(tmp, &ip) == -1)
		return -1;
	if (slash) {
		if (!isdigit((unsigned char)slash[1]))
			return -1;
		plen = strtoul(slash + 1, &end, 10);
		if (*end || plen > afi_max_plen(ip.afi))
			return -1;
	} else
		plen = afi_max_plen(ip.afi);
	out->iid = (uint32_t)iid;
	out->afi = ip.afi;
	out->plen = (uint8_t)plen;
	memcpy(out->a, ip.a, 16);
	prefix_normalize(out);
	if (!lenient && memcmp(out->a, ip.a, 16) != 0)
		return -1;
	return 0;
}

const char *prefix_str(const struct lisp_prefix *p, char *dst, size_t len)
{
	char a[IPADDR_STRLEN];
	struct ipaddr ip = {.afi = p->afi};
	memcpy(ip.a, p->a, 16);
	ipaddr_str(&ip, a, sizeof(a));
	if (p->iid)
		snprintf(dst, len, "[%u]%s/%u", p->iid, a, p->plen);
	else
		snprintf(dst, len, "%s/%u", a, p->plen);
	return dst;
}

/* ---- wire ---- */

static int parse_one(struct buf *b, struct lisp_addr *out, int depth, struct proto_err *e)
{
	uint16_t afi, lcaf_len;
	uint8_t rsvd1, flags, type, rsvd2;
	struct buf sub;

	if (buf_get_u16(b, &afi) == -1)
		return proto_fail(e, PERR_TRUNCATED, buf_offset(b), "address: AFI truncated");
	switch (afi) {
	case LISP_AFI_NONE:
		return 0;
	case LISP_AFI_IPV4:
	case LISP_AFI_IPV6:
		if (out->n >= LISP_ADDR_LIST_MAX)
			return proto_fail(e, PERR_LIMIT, buf_offset(b),
					  "address: AFI list too long");
		out->addr[out->n].afi = afi;
		memset(out->addr[out->n].a, 0, 16);
		if (buf_get_bytes(b, out->addr[out->n].a, afi_addr_len(afi)) == -1)
			return proto_fail(e, PERR_TRUNCATED, buf_offset(b), "address truncated");
		out->n++;
		return 0;
	case LISP_AFI_LCAF:
		break;
	default:
		return proto_fail(e, PERR_BAD_AFI, buf_offset(b) - 2, "address: unknown AFI");
	}

	if (depth >= LISP_LCAF_MAX_DEPTH)
		return proto_fail(e, PERR_LCAF_DEPTH, buf_offset(b), "LCAF nested too deep");
	if (buf_get_u8(b, &rsvd1) || buf_get_u8(b, &flags) || buf_get_u8(b, &type) ||
	    buf_get_u8(b, &rsvd2) || buf_get_u16(b, &lcaf_len))
		return proto_fail(e, PERR_TRUNCATED, buf_offset(b), "LCAF header truncated");
	if (buf_get_sub(b, lcaf_len, &sub) == -1)
		return proto_fail(e, PERR_BAD_LCAF, buf_offset(b), "LCAF length exceeds data");

	switch (type) {
	case LCAF_TYPE_IID:
		if (out->flags & LISP_ADDR_F_IID)
			return proto_fail(e, PERR_BAD_LCAF, buf_offset(b),
					  "nested Instance-ID LCAF");
		if (buf_get_u32(&sub, &out->iid) == -1)
			return proto_fail(e, PERR_BAD_LCAF, buf_offset(b),
					  "Instance-ID LCAF too short");
		out->flags |= LISP_ADDR_F_IID;
		out->iid_mlen = rsvd2;
		if (parse_one(&sub, out, depth + 1, e) == -1) {
			if (e && e->code == PERR_TRUNCATED)
				proto_fail(e, PERR_BAD_LCAF, buf_offset(b),
					   "Instance-ID LCAF length too short for its address");
			return -1;
		}
		if (buf_left(&sub))
			return proto_fail(e, PERR_BAD_LCAF, buf_offset(b),
					  "Instance-ID LCAF length does not match its address");
		return 0;
	case LCAF_TYPE_AFI_LIST:
		out->flags |= LISP_ADDR_F_LIST;
		while (buf_left(&sub)) {
			if (parse_one(&sub, out, depth + 1, e) == -1) {
				if (e && e->code == PERR_TRUNCATED)
					proto_fail(e, PERR_BAD_LCAF, buf_offset(b),
						   "AFI-List LCAF length cuts an address");
				return -1;
			}
		}
		return 0;
	default:
		out->flags |= LISP_ADDR_F_UNKNOWN; /* skipped by length (RFC 8060 §3) */
		return 0;
	}
}

int lisp_addr_parse(struct buf *b, struct lisp_addr *out, struct proto_err *e)
{
	memset(out, 0, sizeof(*out));
	return parse_one(b, out, 0, e);
}

static int add_ip(struct buf *b, const struct ipaddr *ip)
{
	return buf_add_u16(b, ip->afi) || buf_add_bytes(b, ip->a, afi_addr_len(ip->afi)) ? -1 : 0;
}

static int add_lcaf_hdr(struct buf *b, uint8_t type, uint8_t rsvd2, size_t *len_off)
{
	return buf_add_u16(b, LISP_AFI_LCAF) || buf_add_u8(b, 0) || buf_add_u8(b, 0) ||
		       buf_add_u8(b, type) || buf_add_u8(b, rsvd2) || buf_reserve(b, 2, len_off)
		   ? -1
		   : 0;
}

static int patch_len(struct buf *b, size_t len_off)
{
	size_t n = buf_len(b) - len_off - 2;
	if (n > 0xffff)
		return -1;
	return buf_set_u16(b, len_off, (uint16_t)n);
}

static bool addr_encodable(const struct lisp_addr *a)
{
	if (a->n > LISP_ADDR_LIST_MAX)
		return false;
	for (unsigned i = 0; i < a->n; i++)
		if (a->addr[i].afi != LISP_AFI_IPV4 && a->addr[i].afi != LISP_AFI_IPV6)
			return false;
	return (a->flags & LISP_ADDR_F_LIST) || a->n <= 1;
}

static int build_inner(struct buf *b, const struct lisp_addr *a)
{
	size_t len_off;
	if (a->flags & LISP_ADDR_F_LIST) {
		if (add_lcaf_hdr(b, LCAF_TYPE_AFI_LIST, 0, &len_off))
			return -1;
		for (unsigned i = 0; i < a->n; i++)
			if (add_ip(b, &a->addr[i]))
				return -1;
		return patch_len(b, len_off);
	}
	if (a->n == 0)
		return buf_add_u16(b, LISP_AFI_NONE);
	return add_ip(b, &a->addr[0]);
}

int lisp_addr_build(struct buf *b, const struct lisp_addr *a, struct proto_err *e)
{
	size_t len_off;

	if (!addr_encodable(a))
		return proto_fail(e, PERR_BAD_VALUE, buf_len(b), "address: cannot encode");
	if (a->flags & LISP_ADDR_F_IID) {
		if (add_lcaf_hdr(b, LCAF_TYPE_IID, a->iid_mlen, &len_off) ||
		    buf_add_u32(b, a->iid) || build_inner(b, a) || patch_len(b, len_off))
			return proto_fail(e, PERR_FULL, buf_len(b), "address: buffer full");
		return 0;
	}
	if (build_inner(b, a) == -1)
		return proto_fail(e, PERR_FULL, buf_len(b), "address: buffer full");
	return 0;
}

void lisp_addr_from_ip(struct lisp_addr *out, const struct ipaddr *ip)
{
	memset(out, 0, sizeof(*out));
	if (ip->afi == LISP_AFI_NONE)
		return;
	out->n = 1;
	out->addr[0] = *ip;
}

void lisp_addr_from_prefix(struct lisp_addr *out, const struct lisp_prefix *p, bool force_iid)
{
	memset(out, 0, sizeof(*out));
	if (p->iid || force_iid) {
		out->flags = LISP_ADDR_F_IID;
		out->iid = p->iid;
		out->iid_mlen = 32;
	}
	if (p->afi == LISP_AFI_NONE)
		return;
	out->n = 1;
	out->addr[0].afi = p->afi;
	memcpy(out->addr[0].a, p->a, 16);
}

int lisp_addr_to_prefix(const struct lisp_addr *a, unsigned plen, struct lisp_prefix *out,
			struct proto_err *e)
{
	memset(out, 0, sizeof(*out));
	out->iid = (a->flags & LISP_ADDR_F_IID) ? a->iid : 0;
	if (a->n == 0) {
		if (plen != 0)
			return proto_fail(e, PERR_BAD_PREFIX, 0, "mask length on AFI 0 EID");
		return 0;
	}
	if (a->n != 1 || (a->flags & LISP_ADDR_F_LIST))
		return proto_fail(e, PERR_BAD_AFI, 0, "EID prefix must be a single address");
	if (plen > afi_max_plen(a->addr[0].afi))
		return proto_fail(e, PERR_BAD_PREFIX, 0, "EID mask length too long for its AFI");
	out->afi = a->addr[0].afi;
	out->plen = (uint8_t)plen;
	memcpy(out->a, a->addr[0].a, 16);
	prefix_normalize(out);
	return 0;
}
