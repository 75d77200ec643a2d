/* SPDX-License-Identifier: ISC */
/*
 * proto/pkt.c - packet helpers (see pkt.h): inner IP parsing and flow hash, the UDP and TCP
 * headers and the segments a coalescer merges, the TUN device's virtio_net_hdr, Internet
 * checksum (RFC 1071, RFC 1624), ICMPv4 fragmentation-needed (RFC 792, RFC 1191) and ICMPv6
 * packet-too-big (RFC 4443 §3.2), Ethernet, ARP/RARP and IPv6 NS/NA (RFC 4861) parsing and
 * building, and the gateway's Neighbor Advertisement. All packet reads go through struct
 * buf.
 */
#include "proto/pkt.h"
#include "proto/flowhash.h"

#include <string.h>

#define IPV6_HDR_LEN 40
#define IPV4_HDR_LEN 20

/* ---------------------------------------------------------------- IP header */

static int get_addr(struct buf *b, uint16_t afi, struct ipaddr *a)
{
	memset(a, 0, sizeof(*a));
	a->afi = afi;
	return buf_get_bytes(b, a->a, afi_addr_len(afi));
}

static void parse_ports(struct buf *l4, struct pkt_ip *ip)
{
	if (ip->frag)
		return;
	if (ip->proto != PKT_PROTO_TCP && ip->proto != PKT_PROTO_UDP && ip->proto != PKT_PROTO_SCTP)
		return;
	if (buf_get_u16(l4, &ip->sport) || buf_get_u16(l4, &ip->dport)) {
		ip->sport = ip->dport = 0;
		return;
	}
	ip->has_ports = true;
}

static int parse_ipv4(struct buf *b, struct pkt_ip *ip)
{
	uint8_t vihl;
	uint16_t tot, fragoff, csum;
	size_t start = buf_offset(b);

	if (buf_get_u8(b, &vihl) || buf_get_u8(b, &ip->tos) || buf_get_u16(b, &tot) ||
	    buf_get_u16(b, &ip->id) || buf_get_u16(b, &fragoff) || buf_get_u8(b, &ip->ttl) ||
	    buf_get_u8(b, &ip->proto) || buf_get_u16(b, &csum) ||
	    get_addr(b, LISP_AFI_IPV4, &ip->src) || get_addr(b, LISP_AFI_IPV4, &ip->dst))
		return -1;
	ip->hdr_len = (uint16_t)((vihl & 0x0f) * 4);
	if (ip->hdr_len < IPV4_HDR_LEN || tot < ip->hdr_len)
		return -1;
	if ((size_t)tot > b->len - start)
		return -1;
	if (buf_seek(b, start + ip->hdr_len))
		return -1;
	ip->tot_len = tot;
	ip->df = (fragoff & 0x4000) != 0;
	ip->frag = (fragoff & 0x3fff) != 0;
	struct buf l4;
	if (buf_get_sub(b, tot - ip->hdr_len, &l4))
		return -1;
	parse_ports(&l4, ip);
	return 0;
}

static int parse_ipv6(struct buf *b, struct pkt_ip *ip)
{
	uint32_t vtcfl;
	uint16_t plen;
	uint8_t nh;
	size_t start = buf_offset(b);

	if (buf_get_u32(b, &vtcfl) || buf_get_u16(b, &plen) || buf_get_u8(b, &nh) ||
	    buf_get_u8(b, &ip->ttl) || get_addr(b, LISP_AFI_IPV6, &ip->src) ||
	    get_addr(b, LISP_AFI_IPV6, &ip->dst))
		return -1;
	if ((size_t)plen + IPV6_HDR_LEN > b->len - start)
		return -1;
	ip->tos = (uint8_t)(vtcfl >> 20);
	ip->tot_len = (uint16_t)(plen + IPV6_HDR_LEN); /* jumbograms (plen 0) are not supported */
	if (plen + IPV6_HDR_LEN > 0xffff)
		return -1;
	ip->df = true;
	struct buf pl;
	if (buf_get_sub(b, plen, &pl))
		return -1;
	/* Extension headers (RFC 8200 §4), bounded. */
	for (int i = 0; i < 8; i++) {
		uint8_t next, hlen;
		if (nh == 0 || nh == 43 || nh == 60) {
			if (buf_get_u8(&pl, &next) || buf_get_u8(&pl, &hlen) ||
			    buf_skip(&pl, (size_t)hlen * 8 + 6))
				return -1;
		} else if (nh == 44) { /* fragment */
			uint16_t off;
			if (buf_get_u8(&pl, &next) || buf_skip(&pl, 1) || buf_get_u16(&pl, &off) ||
			    buf_skip(&pl, 4))
				return -1;
			ip->frag = true;
			if (off & 0xfff8) {
				/* RFC 8200 §4.5: after a non-first fragment header comes the
				 * middle of the fragmentable part, not a header to parse */
				nh = next;
				break;
			}
		} else if (nh == 51) { /* AH: length in 4-octet units minus 2 */
			if (buf_get_u8(&pl, &next) || buf_get_u8(&pl, &hlen) ||
			    buf_skip(&pl, ((size_t)hlen + 2) * 4 - 2))
				return -1;
		} else {
			break;
		}
		nh = next;
	}
	ip->proto = nh;
	ip->hdr_len = (uint16_t)(IPV6_HDR_LEN + buf_offset(&pl));
	parse_ports(&pl, ip);
	return 0;
}

int pkt_parse_ip(const struct buf *b, struct pkt_ip *ip)
{
	struct buf r = *b;
	uint8_t v;

	memset(ip, 0, sizeof(*ip));
	if (buf_peek_u8(&r, &v))
		return -1;
	/* A sub-view starting at the IP header so lengths are relative to it. */
	struct buf s;
	if (buf_get_sub(&r, buf_left(&r), &s))
		return -1;
	ip->version = v >> 4;
	if (ip->version == 4)
		return parse_ipv4(&s, ip);
	if (ip->version == 6)
		return parse_ipv6(&s, ip);
	return -1;
}

uint32_t pkt_flow_hash(const struct pkt_ip *ip, uint32_t seed)
{
	uint32_t h = seed;
	int n = ip->version == 6 ? 16 : 4;

	for (int i = 0; i < n; i += 4) {
		h = flowhash_mix(h, flowhash_be32(ip->src.a + i));
		h = flowhash_mix(h, flowhash_be32(ip->dst.a + i));
	}
	h = flowhash_mix(h, ((uint32_t)ip->proto << 16) | ip->version);
	if (ip->has_ports)
		h = flowhash_mix(h, ((uint32_t)ip->sport << 16) | ip->dport);
	return flowhash_final(h);
}

/* ---------------------------------------------------------------- UDP, TCP */

/* The IP payload of a parsed unfragmented packet of protocol `proto`: [hdr_len, tot_len). */
static int l4_view(const struct buf *b, const struct pkt_ip *ip, uint8_t proto, struct buf *l4)
{
	struct buf r = *b;

	if (ip->proto != proto || ip->frag || ip->tot_len < ip->hdr_len)
		return -1;
	if (buf_skip(&r, ip->hdr_len) || buf_get_sub(&r, (size_t)(ip->tot_len - ip->hdr_len), l4))
		return -1;
	return 0;
}

int pkt_parse_udp(const struct buf *b, const struct pkt_ip *ip, struct pkt_udp *u)
{
	struct buf l4;
	uint16_t csum;

	memset(u, 0, sizeof(*u));
	if (l4_view(b, ip, PKT_PROTO_UDP, &l4) || buf_get_u16(&l4, &u->sport) ||
	    buf_get_u16(&l4, &u->dport) || buf_get_u16(&l4, &u->len) || buf_get_u16(&l4, &csum))
		return -1;
	if (u->len < 8 || buf_get_sub(&l4, (size_t)(u->len - 8), &u->payload))
		return -1;
	return 0;
}

int pkt_parse_tcp(const struct buf *b, const struct pkt_ip *ip, struct pkt_tcp *t)
{
	struct buf l4;
	uint8_t doff;

	memset(t, 0, sizeof(*t));
	if (l4_view(b, ip, PKT_PROTO_TCP, &l4) || buf_get_u16(&l4, &t->sport) ||
	    buf_get_u16(&l4, &t->dport) || buf_get_u32(&l4, &t->seq) || buf_get_u32(&l4, &t->ack) ||
	    buf_get_u8(&l4, &doff) || buf_get_u8(&l4, &t->flags) || buf_get_u16(&l4, &t->window))
		return -1;
	t->hdr_len = (uint16_t)((doff >> 4) * 4);
	if (t->hdr_len < 20 || t->hdr_len > buf_len(&l4))
		return -1;
	return 0;
}

int pkt_parse_tcp_seg(const struct buf *b, struct pkt_tcp_seg *s)
{
	struct buf r = *b, addrs, tcp;
	size_t len = buf_left(&r);
	uint8_t v, proto, doff;
	uint16_t tot, frag;

	memset(s, 0, sizeof(*s));
	if (len > 0xffff || buf_peek_u8(&r, &v))
		return -1;
	s->version = v >> 4;
	if (v == 0x45) { /* IPv4, no options */
		if (buf_skip(&r, 2) || buf_get_u16(&r, &tot) || buf_get_u16(&r, &s->ip_id) ||
		    buf_get_u16(&r, &frag) || buf_skip(&r, 1) || buf_get_u8(&r, &proto) ||
		    buf_skip(&r, 2))
			return -1;
		if (proto != PKT_PROTO_TCP || (frag & 0x3fff) || tot != len)
			return -1;
		s->l3 = IPV4_HDR_LEN;
		if (buf_get_sub(&r, 8, &addrs))
			return -1;
	} else if (s->version == 6) { /* no extension headers */
		uint16_t plen;
		if (buf_skip(&r, 4) || buf_get_u16(&r, &plen) || buf_get_u8(&r, &proto) ||
		    buf_skip(&r, 1))
			return -1;
		if (proto != PKT_PROTO_TCP || (size_t)plen + IPV6_HDR_LEN != len)
			return -1;
		s->l3 = IPV6_HDR_LEN;
		if (buf_get_sub(&r, 32, &addrs))
			return -1;
	} else {
		return -1;
	}
	/* r is at the TCP header and holds the whole segment: len - l3 bytes */
	tcp = r;
	if (buf_skip(&tcp, 4) || buf_get_u32(&tcp, &s->seq) || buf_skip(&tcp, 4) ||
	    buf_get_u8(&tcp, &doff) || buf_get_u8(&tcp, &s->flags))
		return -1;
	s->hdrs = (uint16_t)(s->l3 + (doff >> 4) * 4);
	if (s->hdrs < s->l3 + 20 || s->hdrs >= len)
		return -1;
	if ((s->flags & ~(PKT_TCP_ACK | PKT_TCP_PSH)) || !(s->flags & PKT_TCP_ACK))
		return -1;
	/* the checksum over the pseudo-header (addresses, protocol, TCP length) and segment */
	uint32_t l4len = (uint32_t)buf_left(&r);
	uint32_t sum = pkt_csum_add(0, buf_cur(&addrs), buf_left(&addrs));
	sum += PKT_PROTO_TCP + (l4len >> 16) + (l4len & 0xffff);
	if (pkt_csum_fold(pkt_csum_add(sum, buf_cur(&r), l4len)) != 0)
		return -1;
	s->len = (uint16_t)len;
	return 0;
}

/* The header words a coalescer compares, as masks over the big-endian 32-bit words of the
 * fixed headers (0: not compared). */
static const uint32_t same4[5] = {
    0xffff0000u, /* version/IHL, TOS; not the total length */
    0x0000ff00u, /* not the ID; flags (DF) and the fragment offset's high bits */
    0xffff0000u, /* TTL, protocol; not the checksum */
    0xffffffffu, /* source address */
    0xffffffffu, /* destination address */
};
static const uint32_t same6[10] = {
    0xffffffffu, /* version, traffic class, flow label */
    0x0000ffffu, /* not the payload length; next header, hop limit */
    0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, /* source address */
    0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, /* destination address */
};
static const uint32_t same_tcp[5] = {
    0xffffffffu,		    /* ports */
    0,				    /* sequence number */
    0xffffffffu,		    /* acknowledgment number */
    ~((uint32_t)PKT_TCP_PSH << 16), /* data offset, flags but PSH, window */
    0x0000ffffu,		    /* not the checksum; urgent pointer */
};

/* The next n 32-bit words of x and y agree in the bits of mask[i] (every bit if mask is
 * NULL); both step over them. */
static bool same_words(struct buf *x, struct buf *y, const uint32_t *mask, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t a, b;
		if (buf_get_u32(x, &a) || buf_get_u32(y, &b) ||
		    ((a ^ b) & (mask ? mask[i] : 0xffffffffu)))
			return false;
	}
	return true;
}

bool pkt_tcp_seg_same_flow(const struct buf *a, const struct pkt_tcp_seg *sa, const struct buf *b,
			   const struct pkt_tcp_seg *sb)
{
	struct buf x = *a, y = *b;

	if (sa->version != sb->version || sa->l3 != sb->l3 || sa->hdrs != sb->hdrs ||
	    sa->hdrs < sa->l3 + 20)
		return false;
	if (sa->version == 4 ? !same_words(&x, &y, same4, 5) : !same_words(&x, &y, same6, 10))
		return false;
	/* the TCP header, then its options (a multiple of 4 bytes: data offset * 4 - 20) */
	return same_words(&x, &y, same_tcp, 5) &&
	       same_words(&x, &y, NULL, (size_t)(sa->hdrs - sa->l3 - 20) / 4);
}

/* ---------------------------------------------------------------- virtio_net_hdr */

static int get_le16(struct buf *b, uint16_t *v)
{
	uint16_t x;
	if (buf_get_u16(b, &x))
		return -1;
	*v = (uint16_t)((x >> 8) | (x << 8));
	return 0;
}

static int add_le16(struct buf *w, uint16_t v)
{
	return buf_add_u16(w, (uint16_t)((v >> 8) | (v << 8)));
}

int pkt_parse_vnet_hdr(struct buf *b, struct pkt_vnet *v)
{
	struct buf r = *b;
	uint8_t gso;

	memset(v, 0, sizeof(*v));
	if (buf_get_u8(&r, &v->flags) || buf_get_u8(&r, &gso) || get_le16(&r, &v->hdr_len) ||
	    get_le16(&r, &v->gso_size) || get_le16(&r, &v->csum_start) ||
	    get_le16(&r, &v->csum_offset))
		return -1;
	v->gso_type = gso & (uint8_t)~PKT_VNET_GSO_ECN;
	v->ecn = (gso & PKT_VNET_GSO_ECN) != 0;
	*b = r;
	return 0;
}

int pkt_build_vnet_hdr(struct buf *out, const struct pkt_vnet *v)
{
	struct buf w = *out;
	uint8_t gso = (uint8_t)(v->gso_type | (v->ecn ? PKT_VNET_GSO_ECN : 0));

	if (buf_add_u8(&w, v->flags) || buf_add_u8(&w, gso) || add_le16(&w, v->hdr_len) ||
	    add_le16(&w, v->gso_size) || add_le16(&w, v->csum_start) ||
	    add_le16(&w, v->csum_offset))
		return -1;
	*out = w;
	return 0;
}

/* ---------------------------------------------------------------- checksum */

uint32_t pkt_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t s = sum, n = 0;

	/* 8 bytes at a time as two native-order 32-bit words: the one's complement sum does
	 * not depend on the byte order as long as the result is swapped back (RFC 1071
	 * §2(B)), and 16-bit words pair up the same way in 32-bit ones (2^16 = 1 mod 0xffff) */
	while (len >= 8) {
		uint32_t w[2];
		memcpy(w, p, sizeof(w));
		n += (uint64_t)w[0] + w[1];
		p += 8;
		len -= 8;
	}
	if (n) {
		n = (n & 0xffffffffu) + (n >> 32);
		n = (n & 0xffffffffu) + (n >> 32);
		n = (n & 0xffff) + (n >> 16);
		n = (n & 0xffff) + (n >> 16);
		n = (n & 0xffff) + (n >> 16);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		n = ((n >> 8) | (n << 8)) & 0xffff;
#endif
		s += n;
	}
	while (len >= 2) {
		s += (uint32_t)((p[0] << 8) | p[1]);
		p += 2;
		len -= 2;
	}
	if (len)
		s += (uint32_t)(p[0] << 8);
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	/* keep it within 32 bits with room for more additions */
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
}

uint16_t pkt_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t pkt_csum(const void *data, size_t len)
{
	return pkt_csum_fold(pkt_csum_add(0, data, len));
}

uint16_t pkt_csum_update16(uint16_t csum, uint16_t old, uint16_t new_)
{
	/* HC' = ~(~HC + ~m + m') */
	uint32_t s = (uint16_t)~csum;
	s += (uint16_t)~old;
	s += new_;
	return pkt_csum_fold(s);
}

uint16_t pkt_csum_update32(uint16_t csum, uint32_t old, uint32_t new_)
{
	csum = pkt_csum_update16(csum, (uint16_t)(old >> 16), (uint16_t)(new_ >> 16));
	return pkt_csum_update16(csum, (uint16_t)old, (uint16_t)new_);
}

uint32_t pkt_csum_pseudo6(const struct ipaddr *src, const struct ipaddr *dst, uint32_t len,
			  uint8_t nh)
{
	uint32_t s = pkt_csum_add(0, src->a, 16);
	s = pkt_csum_add(s, dst->a, 16);
	s += len >> 16;
	s += len & 0xffff;
	s += nh;
	return s;
}

/* ---------------------------------------------------------------- ICMP errors */

static bool v4_src_ok(const struct ipaddr *a)
{
	const uint8_t *p = a->a;
	if (p[0] == 0 || p[0] == 127 || p[0] >= 224) /* this-net, loopback, multicast, class E */
		return false;
	return true;
}

/* RFC 1812 §4.3.2.7: no ICMP error about a datagram sent to a multicast address or to the
 * limited broadcast address (directed broadcasts are not known at this layer). */
static bool v4_dst_ok(const struct ipaddr *a)
{
	static const uint8_t bcast[4] = {255, 255, 255, 255};
	return !(a->a[0] >= 224 && a->a[0] <= 239) && memcmp(a->a, bcast, 4) != 0;
}

static bool v6_src_ok(const struct ipaddr *a)
{
	static const uint8_t zero[16];
	if (a->a[0] == 0xff)
		return false;
	if (memcmp(a->a, zero, 16) == 0)
		return false;
	if (memcmp(a->a, zero, 15) == 0 && a->a[15] == 1)
		return false;
	return true;
}

bool pkt_icmp_error_allowed(const struct buf *orig)
{
	struct pkt_ip ip;
	struct buf r = *orig;
	uint8_t type;
	uint16_t fragoff = 0;

	if (pkt_parse_ip(orig, &ip))
		return false;
	if (ip.version == 4) {
		if (!v4_src_ok(&ip.src) || !v4_dst_ok(&ip.dst))
			return false;
		struct buf h = r;
		if (buf_skip(&h, 6) || buf_get_u16(&h, &fragoff))
			return false;
		if (fragoff & 0x1fff) /* non-first fragment */
			return false;
		if (ip.proto == PKT_PROTO_ICMP) {
			if (buf_skip(&r, ip.hdr_len) || buf_get_u8(&r, &type))
				return false;
			/* only echo/echo reply and other queries, never errors */
			if (type == 3 || type == 4 || type == 5 || type == 11 || type == 12)
				return false;
		}
		return true;
	}
	if (!v6_src_ok(&ip.src))
		return false;
	if (ip.proto == PKT_PROTO_ICMPV6 && !ip.frag) {
		if (buf_skip(&r, ip.hdr_len) || buf_get_u8(&r, &type))
			return false;
		if (type < 128)
			return false;
	}
	return true;
}

int pkt_build_icmp4_frag_needed(struct buf *out, const struct buf *orig, const struct ipaddr *src,
				uint16_t mtu)
{
	struct pkt_ip ip;
	struct buf w = *out;
	size_t start = buf_len(&w), csum_off, icmp_start;

	if (src->afi != LISP_AFI_IPV4 || pkt_parse_ip(orig, &ip) || ip.version != 4 ||
	    !pkt_icmp_error_allowed(orig))
		return -1;
	size_t quote = ip.tot_len;
	if (quote > PKT_ICMP4_ERR_MAX - IPV4_HDR_LEN - 8)
		quote = PKT_ICMP4_ERR_MAX - IPV4_HDR_LEN - 8;
	uint16_t tot = (uint16_t)(IPV4_HDR_LEN + 8 + quote);

	if (buf_add_u8(&w, 0x45) || buf_add_u8(&w, 0xc0) || /* precedence internetwork control */
	    buf_add_u16(&w, tot) || buf_add_u16(&w, 0) || buf_add_u16(&w, 0) ||
	    buf_add_u8(&w, 64) || buf_add_u8(&w, PKT_PROTO_ICMP) || buf_reserve(&w, 2, &csum_off) ||
	    buf_add_bytes(&w, src->a, 4) || buf_add_bytes(&w, ip.src.a, 4))
		return -1;
	if (buf_set_u16(&w, csum_off, pkt_csum(w.data + start, IPV4_HDR_LEN)))
		return -1;
	icmp_start = buf_len(&w);
	if (buf_add_u8(&w, 3) || buf_add_u8(&w, 4) || buf_reserve(&w, 2, &csum_off) ||
	    buf_add_u16(&w, 0) || buf_add_u16(&w, mtu) || buf_add_bytes(&w, buf_cur(orig), quote))
		return -1;
	if (buf_set_u16(&w, csum_off, pkt_csum(w.data + icmp_start, 8 + quote)))
		return -1;
	*out = w;
	return 0;
}

int pkt_build_icmp6_too_big(struct buf *out, const struct buf *orig, const struct ipaddr *src,
			    uint32_t mtu)
{
	struct pkt_ip ip;
	struct buf w = *out;
	size_t csum_off, icmp_start;

	if (src->afi != LISP_AFI_IPV6 || pkt_parse_ip(orig, &ip) || ip.version != 6 ||
	    !pkt_icmp_error_allowed(orig))
		return -1;
	size_t quote = ip.tot_len;
	if (quote > PKT_ICMP6_ERR_MAX - IPV6_HDR_LEN - 8)
		quote = PKT_ICMP6_ERR_MAX - IPV6_HDR_LEN - 8;
	uint16_t plen = (uint16_t)(8 + quote);

	if (buf_add_u32(&w, 0x60000000u) || buf_add_u16(&w, plen) ||
	    buf_add_u8(&w, PKT_PROTO_ICMPV6) || buf_add_u8(&w, 64) ||
	    buf_add_bytes(&w, src->a, 16) || buf_add_bytes(&w, ip.src.a, 16))
		return -1;
	icmp_start = buf_len(&w);
	if (buf_add_u8(&w, 2) || buf_add_u8(&w, 0) || buf_reserve(&w, 2, &csum_off) ||
	    buf_add_u32(&w, mtu) || buf_add_bytes(&w, buf_cur(orig), quote))
		return -1;
	uint32_t s = pkt_csum_pseudo6(src, &ip.src, plen, PKT_PROTO_ICMPV6);
	s = pkt_csum_add(s, w.data + icmp_start, plen);
	if (buf_set_u16(&w, csum_off, pkt_csum_fold(s)))
		return -1;
	*out = w;
	return 0;
}

/* ---------------------------------------------------------------- Ethernet, ARP */

int pkt_parse_eth(struct buf *b, struct pkt_eth *e)
{
	struct buf r = *b;

	memset(e, 0, sizeof(*e));
	if (buf_get_bytes(&r, e->dst, ETH_ALEN_) || buf_get_bytes(&r, e->src, ETH_ALEN_) ||
	    buf_get_u16(&r, &e->ethertype))
		return -1;
	while (e->ethertype == PKT_ETH_VLAN || e->ethertype == PKT_ETH_QINQ) {
		uint16_t tci;
		if (e->ntags == 2 || buf_get_u16(&r, &tci) || buf_get_u16(&r, &e->ethertype))
			return -1;
		if (e->ntags++ == 0)
			e->vlan = tci & 0x0fff;
	}
	if (e->ethertype < 0x0600) /* 802.3 length field, not an ethertype */
		return -1;
	*b = r;
	return 0;
}

int pkt_build_eth(struct buf *out, const uint8_t dst[ETH_ALEN_], const uint8_t src[ETH_ALEN_],
		  uint16_t ethertype)
{
	struct buf w = *out;
	if (buf_add_bytes(&w, dst, ETH_ALEN_) || buf_add_bytes(&w, src, ETH_ALEN_) ||
	    buf_add_u16(&w, ethertype))
		return -1;
	*out = w;
	return 0;
}

bool pkt_mac_is_multicast(const uint8_t mac[ETH_ALEN_])
{
	return (mac[0] & 1) != 0;
}

int pkt_parse_arp(struct buf *b, struct pkt_arp *a)
{
	uint16_t htype, ptype;
	uint8_t hlen, plen;
	struct buf r = *b;

	memset(a, 0, sizeof(*a));
	if (buf_get_u16(&r, &htype) || buf_get_u16(&r, &ptype) || buf_get_u8(&r, &hlen) ||
	    buf_get_u8(&r, &plen) || buf_get_u16(&r, &a->op))
		return -1;
	if (htype != 1 || ptype != PKT_ETH_IPV4 || hlen != 6 || plen != 4)
		return -1;
	if (a->op < PKT_ARP_REQUEST || a->op > PKT_RARP_REPLY)
		return -1;
	if (buf_get_bytes(&r, a->sha, 6) || get_addr(&r, LISP_AFI_IPV4, &a->spa) ||
	    buf_get_bytes(&r, a->tha, 6) || get_addr(&r, LISP_AFI_IPV4, &a->tpa))
		return -1;
	static const uint8_t zero[4];
	a->rarp = a->op >= PKT_RARP_REQUEST;
	bool spa_zero = memcmp(a->spa.a, zero, 4) == 0;
	if (!a->rarp) {
		a->probe = a->op == PKT_ARP_REQUEST && spa_zero;
		a->garp = !spa_zero && memcmp(a->spa.a, a->tpa.a, 4) == 0;
	}
	*b = r;
	return 0;
}

int pkt_build_arp(struct buf *out, const struct pkt_arp *a)
{
	struct buf w = *out;

	if (a->op < PKT_ARP_REQUEST || a->op > PKT_RARP_REPLY || a->spa.afi != LISP_AFI_IPV4 ||
	    a->tpa.afi != LISP_AFI_IPV4)
		return -1;
	if (buf_add_u16(&w, 1) || buf_add_u16(&w, PKT_ETH_IPV4) || buf_add_u8(&w, ETH_ALEN_) ||
	    buf_add_u8(&w, 4) || buf_add_u16(&w, a->op) || buf_add_bytes(&w, a->sha, ETH_ALEN_) ||
	    buf_add_bytes(&w, a->spa.a, 4) || buf_add_bytes(&w, a->tha, ETH_ALEN_) ||
	    buf_add_bytes(&w, a->tpa.a, 4))
		return -1;
	*out = w;
	return 0;
}

/* ---------------------------------------------------------------- NDP */

void pkt_solicited_node(const struct ipaddr *a, struct ipaddr *sn)
{
	memset(sn, 0, sizeof(*sn));
	sn->afi = LISP_AFI_IPV6;
	sn->a[0] = 0xff;
	sn->a[1] = 0x02;
	sn->a[11] = 0x01;
	sn->a[12] = 0xff;
	memcpy(sn->a + 13, a->a + 13, 3);
}

void pkt_mac_to_ll(const uint8_t mac[ETH_ALEN_], struct ipaddr *ll)
{
	memset(ll, 0, sizeof(*ll));
	ll->afi = LISP_AFI_IPV6;
	ll->a[0] = 0xfe;
	ll->a[1] = 0x80;
	ll->a[8] = mac[0] ^ 0x02;
	ll->a[9] = mac[1];
	ll->a[10] = mac[2];
	ll->a[11] = 0xff;
	ll->a[12] = 0xfe;
	ll->a[13] = mac[3];
	ll->a[14] = mac[4];
	ll->a[15] = mac[5];
}

int pkt_parse_nd(const struct buf *b, struct pkt_nd *nd)
{
	struct buf r = *b, pl, icmp;
	uint32_t vtcfl;
	uint16_t plen, csum;
	uint8_t nh, hlim, code;
	static const uint8_t zero[16];

	memset(nd, 0, sizeof(*nd));
	if (buf_get_u32(&r, &vtcfl) || buf_get_u16(&r, &plen) || buf_get_u8(&r, &nh) ||
	    buf_get_u8(&r, &hlim) || get_addr(&r, LISP_AFI_IPV6, &nd->src) ||
	    get_addr(&r, LISP_AFI_IPV6, &nd->dst) || buf_get_sub(&r, plen, &pl))
		return -1;
	if ((vtcfl >> 28) != 6 || nh != PKT_PROTO_ICMPV6 || hlim != 255 || plen < 24)
		return -1;
	/* checksum over pseudo-header + ICMPv6 message must verify */
	uint32_t s = pkt_csum_pseudo6(&nd->src, &nd->dst, plen, PKT_PROTO_ICMPV6);
	s = pkt_csum_add(s, buf_cur(&pl), plen);
	if (pkt_csum_fold(s) != 0)
		return -1;
	icmp = pl;
	if (buf_get_u8(&icmp, &nd->type) || buf_get_u8(&icmp, &code) || buf_get_u16(&icmp, &csum))
		return -1;
	if (code != 0 || (nd->type != PKT_ND_NS && nd->type != PKT_ND_NA))
		return -1;
	if (buf_get_u32(&icmp, &nd->flags) || get_addr(&icmp, LISP_AFI_IPV6, &nd->target))
		return -1;
	if (nd->type == PKT_ND_NS)
		nd->flags = 0; /* reserved */
	else
		nd->flags &= PKT_NA_F_ROUTER | PKT_NA_F_SOLICITED | PKT_NA_F_OVERRIDE;
	/* RFC 4861 §7.1.1/§7.1.2: the target is not multicast; and no packet comes from a
	 * multicast source (RFC 4291 §2.7): answering one would send a solicited NA to a group */
	if (nd->target.a[0] == 0xff || nd->src.a[0] == 0xff)
		return -1;
	/* options: type, length in units of 8 octets (0 is invalid) */
	while (buf_left(&icmp) > 0) {
		uint8_t otype, olen;
		struct buf opt;
		if (buf_get_u8(&icmp, &otype) || buf_get_u8(&icmp, &olen) || olen == 0 ||
		    buf_get_sub(&icmp, (size_t)olen * 8 - 2, &opt))
			return -1;
		if ((otype == 1 || otype == 2) && olen == 1) {
			uint8_t *mac = otype == 1 ? nd->sllao : nd->tllao;
			if (buf_get_bytes(&opt, mac, ETH_ALEN_))
				return -1;
			if (otype == 1)
				nd->has_sllao = true;
			else
				nd->has_tllao = true;
		}
	}
	bool src_unspec = memcmp(nd->src.a, zero, 16) == 0;
	if (nd->type == PKT_ND_NS) {
		if (src_unspec) {
			struct ipaddr sn;
			pkt_solicited_node(&nd->target, &sn);
			if (!ipaddr_eq(&sn, &nd->dst) || nd->has_sllao)
				return -1;
			nd->dad = true;
		}
	} else {
		if (nd->dst.a[0] == 0xff && (nd->flags & PKT_NA_F_SOLICITED))
			return -1;
		nd->unsolicited =
		    !(nd->flags & PKT_NA_F_SOLICITED) && (nd->flags & PKT_NA_F_OVERRIDE);
	}
	return 0;
}

int pkt_build_nd(struct buf *out, const struct pkt_nd *nd)
{
	struct buf w = *out;
	size_t icmp_start, csum_off;
	uint16_t plen = (uint16_t)(24 + (nd->has_sllao ? 8 : 0) + (nd->has_tllao ? 8 : 0));
	uint32_t flags = 0;

	if ((nd->type != PKT_ND_NS && nd->type != PKT_ND_NA) || nd->src.afi != LISP_AFI_IPV6 ||
	    nd->dst.afi != LISP_AFI_IPV6 || nd->target.afi != LISP_AFI_IPV6)
		return -1;
	if (nd->type == PKT_ND_NA)
		flags = nd->flags & (PKT_NA_F_ROUTER | PKT_NA_F_SOLICITED | PKT_NA_F_OVERRIDE);
	if (buf_add_u32(&w, 0x60000000u) || buf_add_u16(&w, plen) ||
	    buf_add_u8(&w, PKT_PROTO_ICMPV6) || buf_add_u8(&w, 255) ||
	    buf_add_bytes(&w, nd->src.a, 16) || buf_add_bytes(&w, nd->dst.a, 16))
		return -1;
	icmp_start = buf_len(&w);
	if (buf_add_u8(&w, nd->type) || buf_add_u8(&w, 0) || buf_reserve(&w, 2, &csum_off) ||
	    buf_add_u32(&w, flags) || buf_add_bytes(&w, nd->target.a, 16))
		return -1;
	if (nd->has_sllao &&
	    (buf_add_u8(&w, 1) || buf_add_u8(&w, 1) || buf_add_bytes(&w, nd->sllao, ETH_ALEN_)))
		return -1;
	if (nd->has_tllao &&
	    (buf_add_u8(&w, 2) || buf_add_u8(&w, 1) || buf_add_bytes(&w, nd->tllao, ETH_ALEN_)))
		return -1;
	uint32_t s = pkt_csum_pseudo6(&nd->src, &nd->dst, plen, PKT_PROTO_ICMPV6);
	s = pkt_csum_add(s, w.data + icmp_start, plen);
	if (buf_set_u16(&w, csum_off, pkt_csum_fold(s)))
		return -1;
	*out = w;
	return 0;
}

int pkt_build_na(struct buf *out, const struct pkt_nd *ns, const uint8_t gw_mac[ETH_ALEN_],
		 const struct ipaddr *gw_ll)
{
	struct pkt_nd na;

	if (ns->type != PKT_ND_NS || ns->dad || gw_ll->afi != LISP_AFI_IPV6)
		return -1;
	memset(&na, 0, sizeof(na));
	na.type = PKT_ND_NA;
	na.src = *gw_ll;
	na.dst = ns->src;
	na.target = ns->target;
	na.flags = PKT_NA_F_SOLICITED | PKT_NA_F_OVERRIDE;
	na.has_tllao = true;
	memcpy(na.tllao, gw_mac, ETH_ALEN_);
	return pkt_build_nd(out, &na);
}
