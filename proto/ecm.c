/* SPDX-License-Identifier: ISC */
/*
 * proto/ecm.c - Encapsulated Control Message, LISP message type 8 (RFC 9301 §5.8): the
 * LISP header, the inner IPv4 (RFC 791) or IPv6 (RFC 8200) header and the inner UDP
 * header (RFC 768) around a LISP control message (a Map-Request from an ITR to its
 * Map-Resolver, forwarded on to the Map-Server and the ETR).
 *
 *   |Type=8 |S|D|E|M|              Reserved (24)              |
 *   inner IPv4 or IPv6 header | inner UDP header (dst 4342) | LISP control message
 *
 * What the parser checks and what the builder fills in is listed in lisp_msg.h. The
 * Internet checksum is summed through a struct buf reader, never a raw pointer.
 */
#include "proto/lisp_msg.h"

#include <string.h>

#define IPV4_HLEN    20
#define IPV6_HLEN    40
#define UDP_HLEN     8
#define IPPROTO_UDP_ 17

/* One's-complement sum of the 16-bit words of a reader's unread bytes (odd byte padded). */
static uint32_t csum_add(uint32_t sum, struct buf r)
{
	uint16_t v;
	uint8_t last;

	while (buf_get_u16(&r, &v) == 0)
		sum += v;
	if (buf_get_u8(&r, &last) == 0)
		sum += (uint32_t)last << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Reader over `n` bytes at absolute offset `off` of reader or writer `b`. */
static int view(const struct buf *b, size_t off, size_t n, struct buf *out)
{
	struct buf r;
	buf_init_read(&r, b->data, b->len);
	return buf_seek(&r, off) || buf_get_sub(&r, n, out) ? -1 : 0;
}

static int parse_ipv4(struct buf *b, struct lisp_ecm *m, size_t *udp_len, struct proto_err *e)
{
	uint8_t vihl, tos, proto;
	uint16_t tot, id, frag, csum;
	size_t start = buf_offset(b), avail = buf_left(b);
	struct buf hdr;

	m->inner_src.afi = m->inner_dst.afi = LISP_AFI_IPV4;
	if (buf_get_u8(b, &vihl) || buf_get_u8(b, &tos) || buf_get_u16(b, &tot) ||
	    buf_get_u16(b, &id) || buf_get_u16(b, &frag) || buf_get_u8(b, &m->inner_ttl) ||
	    buf_get_u8(b, &proto) || buf_get_u16(b, &csum) || buf_get_bytes(b, m->inner_src.a, 4) ||
	    buf_get_bytes(b, m->inner_dst.a, 4))
		return proto_fail(e, PERR_TRUNCATED, buf_offset(b),
				  "ECM: inner IPv4 header truncated");
	size_t hlen = (size_t)(vihl & 0x0f) * 4;
	if (hlen < IPV4_HLEN)
		return proto_fail(e, PERR_BAD_INNER, start, "ECM: inner IPv4 IHL below 5");
	if (tot != avail)
		return proto_fail(e, PERR_BAD_INNER, start + 2,
				  "ECM: inner IPv4 total length does not match the data");
	if (tot < hlen + UDP_HLEN)
		return proto_fail(e, PERR_BAD_INNER, start + 2,
				  "ECM: inner IPv4 total length shorter than IP + UDP headers");
	if (view(b, start, hlen, &hdr) == -1 || buf_skip(b, hlen - IPV4_HLEN) == -1)
		return proto_fail(e, PERR_TRUNCATED, buf_offset(b),
				  "ECM: inner IPv4 options truncated");
	if (csum_fold(csum_add(0, hdr)) != 0xffff)
		return proto_fail(e, PERR_BAD_INNER, start + 10,
				  "ECM: inner IPv4 header checksum wrong");
	if (frag & 0x3fff)
		return proto_fail(e, PERR_BAD_INNER, start + 6,
				  "ECM: inner IPv4 packet is a fragment");
	if (proto != IPPROTO_UDP_)
		return proto_fail(e, PERR_BAD_INNER, start + 9,
				  "ECM: inner IPv4 protocol is not UDP");
	*udp_len = tot - hlen;
	return 0;
}

static int parse_ipv6(struct buf *b, struct lisp_ecm *m, size_t *udp_len, struct proto_err *e)
{
	uint32_t vtf;
	uint16_t plen;
	uint8_t nh;
	size_t start = buf_offset(b), avail = buf_left(b);

	m->inner_src.afi = m->inner_dst.afi = LISP_AFI_IPV6;
	if (buf_get_u32(b, &vtf) || buf_get_u16(b, &plen) || buf_get_u8(b, &nh) ||
	    buf_get_u8(b, &m->inner_ttl) || buf_get_bytes(b, m->inner_src.a, 16) ||
	    buf_get_bytes(b, m->inner_dst.a, 16))
		return proto_fail(e, PERR_TRUNCATED, buf_offset(b),
				  "ECM: inner IPv6 header truncated");
	if ((size_t)plen + IPV6_HLEN != avail)
		return proto_fail(e, PERR_BAD_INNER, start + 4,
				  "ECM: inner IPv6 payload length does not match the data");
	if (nh != IPPROTO_UDP_)
		return proto_fail(
		    e, PERR_BAD_INNER, start + 6,
		    "ECM: inner IPv6 next header is not UDP (extension headers unsupported)");
	if (plen < UDP_HLEN)
		return proto_fail(e, PERR_BAD_INNER, start + 4,
				  "ECM: inner IPv6 payload shorter than a UDP header");
	*udp_len = plen;
	return 0;
}

int lisp_ecm_parse(struct buf *b, struct lisp_ecm *m, struct proto_err *e)
{
	uint32_t w;
	uint16_t ulen, csum;
	uint8_t v;
	size_t udp_len = 0;

	memset(m, 0, sizeof(*m));
	int type = lisp_msg_type(b);
	if (type == -1)
		return proto_fail(e, PERR_TRUNCATED, buf_offset(b), "ECM: empty");
	if (type != LISP_T_ECM)
		return proto_fail(e, PERR_BAD_TYPE, buf_offset(b), "not an ECM");
	if (buf_get_u32(b, &w))
		return proto_fail(e, PERR_TRUNCATED, buf_offset(b), "ECM: header truncated");
	m->sec = (w & LISP_ECM_F_S) != 0;
	m->ddt = (w & LISP_ECM_F_D) != 0;
	m->to_etr = (w & LISP_ECM_F_E) != 0;
	m->to_ms = (w & LISP_ECM_F_M) != 0;
	if (m->sec)
		return proto_fail(e, PERR_BAD_VALUE, 0, "ECM: LISP-SEC (S=1) not supported");
	if (buf_peek_u8(b, &v))
		return proto_fail(e, PERR_TRUNCATED, buf_offset(b), "ECM: inner IP header missing");
	switch (v >> 4) {
	case 4:
		if (parse_ipv4(b, m, &udp_len, e) == -1)
			return -1;
		break;
	case 6:
		if (parse_ipv6(b, m, &udp_len, e) == -1)
			return -1;
		break;
	default:
		return proto_fail(e, PERR_BAD_INNER, buf_offset(b),
				  "ECM: inner IP version is neither 4 nor 6");
	}
	size_t uoff = buf_offset(b);
	if (buf_get_u16(b, &m->inner_sport) || buf_get_u16(b, &m->inner_dport) ||
	    buf_get_u16(b, &ulen) || buf_get_u16(b, &csum))
		return proto_fail(e, PERR_TRUNCATED, buf_offset(b),
				  "ECM: inner UDP header truncated");
	if (ulen != udp_len)
		return proto_fail(e, PERR_BAD_INNER, uoff + 4,
				  "ECM: inner UDP length does not match the IP length");
	if (m->inner_dport != LISP_CONTROL_PORT)
		return proto_fail(e, PERR_BAD_INNER, uoff + 2,
				  "ECM: inner UDP destination port is not 4342");
	if (buf_get_sub(b, ulen - UDP_HLEN, &m->payload))
		return proto_fail(e, PERR_TRUNCATED, buf_offset(b), "ECM: inner message truncated");
	if (buf_left(b))
		return proto_fail(e, PERR_TRAILING, buf_offset(b), "ECM: trailing bytes");
	return 0;
}

int lisp_ecm_build(struct buf *b, const struct lisp_ecm *m, const struct buf *payload,
		   struct proto_err *e)
{
	uint16_t afi = m->inner_src.afi;
	size_t alen = afi_addr_len(afi), plen = buf_left(payload), ulen = UDP_HLEN + plen;
	uint8_t ttl = m->inner_ttl ? m->inner_ttl : LISP_ECM_INNER_TTL;
	uint16_t dport = m->inner_dport ? m->inner_dport : LISP_CONTROL_PORT;
	size_t ip_off, udp_off;
	struct buf r, a;

	if (m->sec)
		return proto_fail(e, PERR_BAD_VALUE, buf_len(b),
				  "ECM: LISP-SEC (S=1) not supported");
	if (alen == 0 || m->inner_dst.afi != afi)
		return proto_fail(e, PERR_BAD_VALUE, buf_len(b),
				  "ECM: inner addresses must be both IPv4 or both IPv6");
	if (dport != LISP_CONTROL_PORT)
		return proto_fail(e, PERR_BAD_VALUE, buf_len(b),
				  "ECM: inner destination port must be 4342");
	if (ulen + (afi == LISP_AFI_IPV4 ? IPV4_HLEN : 0) > 0xffff)
		return proto_fail(e, PERR_BAD_VALUE, buf_len(b), "ECM: inner message too long");

	uint32_t w = ((uint32_t)LISP_T_ECM << 28) | (m->ddt ? LISP_ECM_F_D : 0) |
		     (m->to_etr ? LISP_ECM_F_E : 0) | (m->to_ms ? LISP_ECM_F_M : 0);
	if (buf_add_u32(b, w))
		goto full;
	ip_off = buf_len(b);
	if (afi == LISP_AFI_IPV4) {
		if (buf_add_u8(b, 0x45) || buf_add_u8(b, 0) ||
		    buf_add_u16(b, (uint16_t)(IPV4_HLEN + ulen)) || buf_add_u16(b, 0) ||
		    buf_add_u16(b, 0) || buf_add_u8(b, ttl) || buf_add_u8(b, IPPROTO_UDP_) ||
		    buf_add_u16(b, 0) || buf_add_bytes(b, m->inner_src.a, 4) ||
		    buf_add_bytes(b, m->inner_dst.a, 4))
			goto full;
		if (view(b, ip_off, IPV4_HLEN, &r) ||
		    buf_set_u16(b, ip_off + 10, (uint16_t)~csum_fold(csum_add(0, r))))
			goto full;
	} else {
		if (buf_add_u32(b, 0x60000000u) || buf_add_u16(b, (uint16_t)ulen) ||
		    buf_add_u8(b, IPPROTO_UDP_) || buf_add_u8(b, ttl) ||
		    buf_add_bytes(b, m->inner_src.a, 16) || buf_add_bytes(b, m->inner_dst.a, 16))
			goto full;
	}
	udp_off = buf_len(b);
	if (buf_add_u16(b, m->inner_sport) || buf_add_u16(b, dport) ||
	    buf_add_u16(b, (uint16_t)ulen) || buf_add_u16(b, 0) ||
	    (plen && buf_add_bytes(b, buf_cur(payload), plen)))
		goto full;

	/* Pseudo-header (RFC 768 / RFC 8200 §8.1): addresses, protocol, UDP length. */
	uint32_t sum = IPPROTO_UDP_ + (uint32_t)ulen;
	buf_init_read(&a, m->inner_src.a, alen);
	sum = csum_add(sum, a);
	buf_init_read(&a, m->inner_dst.a, alen);
	sum = csum_add(sum, a);
	if (view(b, udp_off, ulen, &r))
		goto full;
	uint16_t csum = (uint16_t)~csum_fold(csum_add(sum, r));
	if (buf_set_u16(b, udp_off + 6, csum ? csum : 0xffff))
		goto full;
	return 0;
full:
	return proto_fail(e, PERR_FULL, buf_len(b), "ECM: buffer full");
}
