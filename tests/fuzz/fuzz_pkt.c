/* SPDX-License-Identifier: ISC */
/*
 * tests/fuzz/fuzz_pkt.c - libFuzzer target for proto/pkt.c: the frames VMs send, the inner
 * packets the data plane decapsulates or reads from the TUN, and the helpers run on them.
 *
 * Input: the low two bits of byte 0 choose the entry point (the other six are ignored), the
 * rest is the input of that entry point:
 *   0  an Ethernet frame from a VM: pkt_parse_eth, then pkt_parse_arp (ARP, RARP) or the IP
 *      checks below (IPv4, IPv6; pkt_parse_nd);
 *   1  an IP packet: pkt_parse_ip and pkt_flow_hash, pkt_parse_udp, pkt_parse_tcp,
 *      pkt_parse_tcp_seg, pkt_icmp_error_allowed and the ICMPv4/ICMPv6 error builders,
 *      pkt_parse_nd;
 *   2  a TUN read: pkt_parse_vnet_hdr, then the IP packet after it as in 1;
 *   3  two TCP segments for the coalescer: a big-endian u16 length of the first, the first,
 *      the second (the rest): each as in 1, then pkt_tcp_seg_same_flow on the pair.
 * Every parse is made observable, and any violation abort()s: a parse that fails leaves
 * its reader where it was and one that succeeds consumes exactly what the header says; every
 * parsed length lies within the input; the parsers agree with each other (the coalescer's
 * segment is a TCP packet pkt_parse_ip and pkt_parse_tcp accept with the same fields, UDP
 * and TCP ports are the IP header's); round trips through the builders: the Ethernet header
 * (untagged), ARP and the vnet header rebuild the exact bytes, NS/NA rebuild to a packet
 * that parses to the same fields and rebuilds identically, the gateway's answer to an NS
 * parses as the NA it must be; an ICMP error is built exactly when one is allowed, parses
 * with valid checksums, quotes the packet, and no error may be sent about it in turn; a
 * segment with one payload bit flipped fails its checksum; the word-wise Internet checksum
 * equals a byte-pair one on the input at two alignments, and an IPv4 header checksum updated
 * incrementally (TTL, destination) still verifies.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "fuzz_pkt: %s:%d: check failed: %s\n", __FILE__, __LINE__, \
				#c);                                                               \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#define IN_ETH	0
#define IN_IP	1
#define IN_VNET 2
#define IN_SEG2 3

static const uint8_t gw_mac[ETH_ALEN_] = {0x02, 0x00, 0x00, 0x00, 0x01, 0x01};

static struct ipaddr addr(const char *s)
{
	struct ipaddr a;
	CHECK(ipaddr_parse(s, &a) == 0);
	return a;
}

/* A reader not moved: same position over the same bytes. */
static void check_unmoved(const struct buf *before, const struct buf *after)
{
	CHECK(after->data == before->data && after->len == before->len &&
	      after->off == before->off);
}

/* ---------------------------------------------------------------- checksum */

static uint16_t csum_ref(const uint8_t *p, size_t len)
{
	uint64_t s = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)((p[i] << 8) | p[i + 1]);
	if (len & 1)
		s += (uint32_t)(p[len - 1] << 8);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void check_csum(const uint8_t *d, size_t n)
{
	CHECK(pkt_csum(d, n) == csum_ref(d, n));
	if (n > 1)
		CHECK(pkt_csum(d + 1, n - 1) == csum_ref(d + 1, n - 1));
}

/* An IPv4 header whose checksum verifies still does after the TTL is decremented and the
 * destination rewritten with the incremental updates (RFC 1624), as the data plane does. */
static void check_csum_update(const uint8_t *hdr, size_t hlen)
{
	uint8_t h[60];
	uint16_t c;

	if (hlen > sizeof(h) || pkt_csum(hdr, hlen) != 0 || hdr[8] == 0)
		return;
	memcpy(h, hdr, hlen);
	c = (uint16_t)(h[10] << 8 | h[11]);
	c = pkt_csum_update16(c, (uint16_t)(h[8] << 8 | h[9]), (uint16_t)((h[8] - 1) << 8 | h[9]));
	h[8]--;
	h[10] = (uint8_t)(c >> 8);
	h[11] = (uint8_t)c;
	CHECK(pkt_csum(h, hlen) == 0);
	uint32_t od = (uint32_t)h[16] << 24 | (uint32_t)h[17] << 16 | (uint32_t)h[18] << 8 | h[19];
	c = pkt_csum_update32(c, od, 0xcb007101u); /* 203.0.113.1 */
	memcpy(h + 16, (const uint8_t[]){203, 0, 113, 1}, 4);
	h[10] = (uint8_t)(c >> 8);
	h[11] = (uint8_t)c;
	CHECK(pkt_csum(h, hlen) == 0);
}

/* ---------------------------------------------------------------- ND */

static bool nd_same(const struct pkt_nd *a, const struct pkt_nd *b)
{
	return a->type == b->type && ipaddr_eq(&a->src, &b->src) && ipaddr_eq(&a->dst, &b->dst) &&
	       ipaddr_eq(&a->target, &b->target) && a->flags == b->flags &&
	       a->has_sllao == b->has_sllao && a->has_tllao == b->has_tllao &&
	       (!a->has_sllao || memcmp(a->sllao, b->sllao, ETH_ALEN_) == 0) &&
	       (!a->has_tllao || memcmp(a->tllao, b->tllao, ETH_ALEN_) == 0) && a->dad == b->dad &&
	       a->unsolicited == b->unsolicited;
}

static void check_nd(const struct buf *b)
{
	static uint8_t o1[256], o2[256], o3[256];
	struct buf r = *b, w1, w2, w3, rr;
	struct pkt_nd nd, nd2, na;
	struct ipaddr gw_ll;

	if (pkt_parse_nd(&r, &nd) == -1) {
		check_unmoved(b, &r);
		return;
	}
	check_unmoved(b, &r);
	CHECK(nd.type == PKT_ND_NS || nd.type == PKT_ND_NA);
	CHECK(nd.src.afi == LISP_AFI_IPV6 && nd.dst.afi == LISP_AFI_IPV6 &&
	      nd.target.afi == LISP_AFI_IPV6);
	CHECK(nd.target.a[0] != 0xff);
	CHECK(!nd.dad || (nd.type == PKT_ND_NS && !nd.has_sllao));
	CHECK(!nd.unsolicited || nd.type == PKT_ND_NA);
	CHECK(nd.type == PKT_ND_NA || nd.flags == 0);
	CHECK(!(nd.flags & ~(PKT_NA_F_ROUTER | PKT_NA_F_SOLICITED | PKT_NA_F_OVERRIDE)));

	/* rebuilt: parses to the same fields, and rebuilds to the same bytes */
	buf_init_write(&w1, o1, sizeof(o1));
	CHECK(pkt_build_nd(&w1, &nd) == 0);
	buf_as_reader(&w1, &rr);
	CHECK(pkt_parse_nd(&rr, &nd2) == 0);
	CHECK(nd_same(&nd, &nd2));
	buf_init_write(&w2, o2, sizeof(o2));
	CHECK(pkt_build_nd(&w2, &nd2) == 0);
	CHECK(buf_len(&w1) == buf_len(&w2) && memcmp(o1, o2, buf_len(&w1)) == 0);

	/* the gateway's answer to an NS: never to a DAD NS, else an NA that parses as one */
	if (nd.type != PKT_ND_NS)
		return;
	pkt_mac_to_ll(gw_mac, &gw_ll);
	buf_init_write(&w3, o3, sizeof(o3));
	if (nd.dad) {
		CHECK(pkt_build_na(&w3, &nd, gw_mac, &gw_ll) == -1 && buf_len(&w3) == 0);
		return;
	}
	CHECK(pkt_build_na(&w3, &nd, gw_mac, &gw_ll) == 0);
	buf_as_reader(&w3, &rr);
	CHECK(pkt_parse_nd(&rr, &na) == 0);
	CHECK(na.type == PKT_ND_NA && ipaddr_eq(&na.target, &nd.target) &&
	      ipaddr_eq(&na.dst, &nd.src) && ipaddr_eq(&na.src, &gw_ll));
	CHECK(na.flags == (PKT_NA_F_SOLICITED | PKT_NA_F_OVERRIDE) && !na.unsolicited);
	CHECK(na.has_tllao && memcmp(na.tllao, gw_mac, ETH_ALEN_) == 0 && !na.has_sllao);
}

/* ---------------------------------------------------------------- ICMP errors */

static void check_icmp(const struct buf *b, const struct pkt_ip *ip, bool parsed)
{
	static uint8_t o[PKT_ICMP6_ERR_MAX + 64];
	const struct ipaddr s4 = addr("192.0.2.1"), s6 = addr("2001:db8::1");
	struct buf w, rr, r = *b;
	struct pkt_ip e;
	bool allowed = pkt_icmp_error_allowed(b);
	int rc;

	check_unmoved(b, &r);
	CHECK(parsed || !allowed);

	/* ICMPv4 fragmentation needed: built exactly for an IPv4 packet that allows it */
	buf_init_write(&w, o, sizeof(o));
	rc = pkt_build_icmp4_frag_needed(&w, b, &s4, 1400);
	CHECK((rc == 0) == (parsed && ip->version == 4 && allowed));
	if (rc == -1) {
		CHECK(buf_len(&w) == 0);
	} else {
		size_t quote =
		    ip->tot_len < PKT_ICMP4_ERR_MAX - 28 ? ip->tot_len : PKT_ICMP4_ERR_MAX - 28;
		CHECK(buf_len(&w) == 28 + quote && buf_len(&w) <= PKT_ICMP4_ERR_MAX);
		buf_as_reader(&w, &rr);
		CHECK(pkt_parse_ip(&rr, &e) == 0);
		CHECK(e.version == 4 && e.proto == PKT_PROTO_ICMP && e.hdr_len == 20 &&
		      e.tot_len == buf_len(&w) && !e.frag);
		CHECK(ipaddr_eq(&e.src, &s4) && ipaddr_eq(&e.dst, &ip->src));
		CHECK(pkt_csum(o, 20) == 0 && pkt_csum(o + 20, buf_len(&w) - 20) == 0);
		CHECK(o[20] == 3 && o[21] == 4);
		CHECK(memcmp(o + 28, buf_cur(b), quote) == 0);
		CHECK(!pkt_icmp_error_allowed(&rr));
	}
	buf_init_write(&w, o, sizeof(o));
	CHECK(pkt_build_icmp4_frag_needed(&w, b, &s6, 1400) == -1 && buf_len(&w) == 0);

	/* ICMPv6 packet too big */
	buf_init_write(&w, o, sizeof(o));
	rc = pkt_build_icmp6_too_big(&w, b, &s6, 1280);
	CHECK((rc == 0) == (parsed && ip->version == 6 && allowed));
	if (rc == -1) {
		CHECK(buf_len(&w) == 0);
	} else {
		size_t quote =
		    ip->tot_len < PKT_ICMP6_ERR_MAX - 48 ? ip->tot_len : PKT_ICMP6_ERR_MAX - 48;
		CHECK(buf_len(&w) == 48 + quote && buf_len(&w) <= PKT_ICMP6_ERR_MAX);
		buf_as_reader(&w, &rr);
		CHECK(pkt_parse_ip(&rr, &e) == 0);
		CHECK(e.version == 6 && e.proto == PKT_PROTO_ICMPV6 && e.hdr_len == 40 &&
		      e.tot_len == buf_len(&w) && !e.frag);
		CHECK(ipaddr_eq(&e.src, &s6) && ipaddr_eq(&e.dst, &ip->src));
		uint32_t sum = pkt_csum_pseudo6(&e.src, &e.dst, (uint32_t)(buf_len(&w) - 40),
						PKT_PROTO_ICMPV6);
		CHECK(pkt_csum_fold(pkt_csum_add(sum, o + 40, buf_len(&w) - 40)) == 0);
		CHECK(o[40] == 2 && o[41] == 0);
		CHECK(memcmp(o + 48, buf_cur(b), quote) == 0);
		CHECK(!pkt_icmp_error_allowed(&rr));
	}
	buf_init_write(&w, o, sizeof(o));
	CHECK(pkt_build_icmp6_too_big(&w, b, &s4, 1280) == -1 && buf_len(&w) == 0);
}

/* ---------------------------------------------------------------- TCP segment */

/* The coalescer's parser agrees with pkt_parse_ip + pkt_parse_tcp; returns the parse. */
static int check_tcp_seg(const struct buf *b, struct pkt_tcp_seg *s)
{
	static uint8_t copy[65536];
	struct buf r = *b, c;
	struct pkt_ip ip;
	struct pkt_tcp t;
	struct pkt_tcp_seg s2;

	if (pkt_parse_tcp_seg(&r, s) == -1) {
		check_unmoved(b, &r);
		return -1;
	}
	check_unmoved(b, &r);
	CHECK(s->version == 4 || s->version == 6);
	CHECK(s->l3 == (s->version == 4 ? 20 : 40));
	CHECK(s->len == buf_left(b) && s->hdrs >= s->l3 + 20 && s->hdrs < s->len &&
	      (s->hdrs - s->l3) % 4 == 0);
	CHECK((s->flags & PKT_TCP_ACK) && !(s->flags & ~(PKT_TCP_ACK | PKT_TCP_PSH)));
	CHECK(s->version == 4 || s->ip_id == 0);
	CHECK(pkt_parse_ip(b, &ip) == 0);
	CHECK(ip.version == s->version && ip.hdr_len == s->l3 && ip.tot_len == s->len &&
	      ip.proto == PKT_PROTO_TCP && !ip.frag && ip.has_ports && ip.id == s->ip_id);
	CHECK(pkt_parse_tcp(b, &ip, &t) == 0);
	CHECK(t.seq == s->seq && t.flags == s->flags && s->hdrs == s->l3 + t.hdr_len);
	CHECK(pkt_tcp_seg_same_flow(b, s, b, s));

	/* one payload bit flipped: the checksum no longer verifies */
	memcpy(copy, buf_cur(b), s->len);
	copy[s->len - 1] ^= 0x01;
	buf_init_read(&c, copy, s->len);
	CHECK(pkt_parse_tcp_seg(&c, &s2) == -1);
	return 0;
}

/* ---------------------------------------------------------------- IP packet */

static void check_ip(const struct buf *b)
{
	struct buf r = *b;
	struct pkt_ip ip, ip2;
	struct pkt_udp u;
	struct pkt_tcp t;
	struct pkt_tcp_seg s;
	bool parsed;

	parsed = pkt_parse_ip(&r, &ip) == 0;
	check_unmoved(b, &r);
	if (parsed) {
		CHECK(ip.version == 4 || ip.version == 6);
		CHECK(ip.hdr_len <= ip.tot_len && ip.tot_len <= buf_left(b));
		if (ip.version == 4) {
			CHECK(ip.hdr_len >= 20 && ip.hdr_len <= 60 && ip.hdr_len % 4 == 0);
			CHECK(ip.src.afi == LISP_AFI_IPV4 && ip.dst.afi == LISP_AFI_IPV4);
		} else {
			CHECK(ip.hdr_len >= 40 && ip.df && ip.id == 0);
			CHECK(ip.src.afi == LISP_AFI_IPV6 && ip.dst.afi == LISP_AFI_IPV6);
		}
		CHECK(!ip.has_ports || (!ip.frag && ip.tot_len >= ip.hdr_len + 4 &&
					(ip.proto == PKT_PROTO_TCP || ip.proto == PKT_PROTO_UDP ||
					 ip.proto == PKT_PROTO_SCTP)));
		/* deterministic, and so is the hash (never 0) */
		CHECK(pkt_parse_ip(b, &ip2) == 0 && memcmp(&ip, &ip2, sizeof(ip)) == 0);
		uint32_t h = pkt_flow_hash(&ip, 0x9e3779b9u);
		CHECK(h != 0 && h == pkt_flow_hash(&ip2, 0x9e3779b9u));
		if (ip.version == 4)
			check_csum_update(buf_cur(b), ip.hdr_len);

		r = *b;
		if (pkt_parse_udp(&r, &ip, &u) == 0) {
			CHECK(ip.proto == PKT_PROTO_UDP && !ip.frag && ip.has_ports);
			CHECK(u.sport == ip.sport && u.dport == ip.dport);
			CHECK(u.len >= 8 && u.len <= ip.tot_len - ip.hdr_len);
			CHECK(buf_left(&u.payload) == (size_t)u.len - 8 &&
			      buf_cur(&u.payload) == buf_cur(b) + ip.hdr_len + 8);
		}
		check_unmoved(b, &r);
		if (pkt_parse_tcp(&r, &ip, &t) == 0) {
			CHECK(ip.proto == PKT_PROTO_TCP && !ip.frag && ip.has_ports);
			CHECK(t.sport == ip.sport && t.dport == ip.dport);
			CHECK(t.hdr_len >= 20 && t.hdr_len <= 60 && t.hdr_len % 4 == 0 &&
			      t.hdr_len <= ip.tot_len - ip.hdr_len);
		}
		check_unmoved(b, &r);
	}
	check_tcp_seg(b, &s);
	check_icmp(b, &ip, parsed);
	check_nd(b);
}

/* ---------------------------------------------------------------- Ethernet */

static void check_arp(const struct buf *b)
{
	uint8_t o[28];
	struct buf r = *b, w;
	struct pkt_arp a;

	if (pkt_parse_arp(&r, &a) == -1) {
		check_unmoved(b, &r);
		return;
	}
	CHECK(buf_offset(&r) == buf_offset(b) + 28);
	CHECK(a.op >= PKT_ARP_REQUEST && a.op <= PKT_RARP_REPLY);
	CHECK(a.rarp == (a.op >= PKT_RARP_REQUEST));
	CHECK(!a.probe || (a.op == PKT_ARP_REQUEST && !a.garp));
	CHECK(!a.garp || (!a.rarp && ipaddr_eq(&a.spa, &a.tpa)));
	/* every byte is a field: rebuilt exactly */
	buf_init_write(&w, o, sizeof(o));
	CHECK(pkt_build_arp(&w, &a) == 0 && buf_len(&w) == 28);
	CHECK(memcmp(o, buf_cur(b), 28) == 0);
}

static void check_eth(const uint8_t *d, size_t n)
{
	uint8_t o[14];
	struct buf b, r, w;
	struct pkt_eth e;

	buf_init_read(&b, d, n);
	r = b;
	if (pkt_parse_eth(&r, &e) == -1) {
		check_unmoved(&b, &r);
		return;
	}
	CHECK(e.ntags <= 2 && buf_offset(&r) == 14 + 4 * (size_t)e.ntags);
	CHECK(e.ethertype >= 0x0600 && e.ethertype != PKT_ETH_VLAN && e.ethertype != PKT_ETH_QINQ);
	CHECK(memcmp(e.dst, d, 6) == 0 && memcmp(e.src, d + 6, 6) == 0);
	CHECK(pkt_mac_is_multicast(e.dst) == ((d[0] & 1) != 0));
	if (e.ntags == 0) {
		CHECK(e.vlan == 0);
		buf_init_write(&w, o, sizeof(o));
		CHECK(pkt_build_eth(&w, e.dst, e.src, e.ethertype) == 0);
		CHECK(buf_len(&w) == 14 && memcmp(o, d, 14) == 0);
	}
	switch (e.ethertype) {
	case PKT_ETH_ARP:
	case PKT_ETH_RARP:
		check_arp(&r);
		break;
	case PKT_ETH_IPV4:
	case PKT_ETH_IPV6:
		check_ip(&r);
		break;
	default:
		break;
	}
}

/* ---------------------------------------------------------------- TUN read */

static void check_vnet(const uint8_t *d, size_t n)
{
	uint8_t o[PKT_VNET_HDR_LEN];
	struct buf b, r, w;
	struct pkt_vnet v;

	buf_init_read(&b, d, n);
	r = b;
	if (pkt_parse_vnet_hdr(&r, &v) == -1) {
		CHECK(n < PKT_VNET_HDR_LEN);
		check_unmoved(&b, &r);
		return;
	}
	CHECK(buf_offset(&r) == PKT_VNET_HDR_LEN && !(v.gso_type & PKT_VNET_GSO_ECN));
	buf_init_write(&w, o, sizeof(o));
	CHECK(pkt_build_vnet_hdr(&w, &v) == 0 && buf_len(&w) == PKT_VNET_HDR_LEN);
	CHECK(memcmp(o, d, PKT_VNET_HDR_LEN) == 0);
	check_ip(&r);
}

/* ---------------------------------------------------------------- two segments */

static void check_seg2(const uint8_t *d, size_t n)
{
	struct buf b, x, y;
	struct pkt_tcp_seg sx, sy;
	struct pkt_ip ix, iy;
	struct pkt_tcp tx, ty;
	uint16_t la;

	buf_init_read(&b, d, n);
	if (buf_get_u16(&b, &la))
		return;
	if (la > buf_left(&b))
		la = (uint16_t)buf_left(&b);
	CHECK(buf_get_sub(&b, la, &x) == 0 && buf_get_sub(&b, buf_left(&b), &y) == 0);
	check_ip(&x);
	check_ip(&y);
	if (check_tcp_seg(&x, &sx) || check_tcp_seg(&y, &sy))
		return;
	bool same = pkt_tcp_seg_same_flow(&x, &sx, &y, &sy);
	CHECK(same == pkt_tcp_seg_same_flow(&y, &sy, &x, &sx));
	if (!same)
		return;
	/* one stream: what pkt_parse_ip and pkt_parse_tcp see agrees */
	CHECK(sx.version == sy.version && sx.l3 == sy.l3 && sx.hdrs == sy.hdrs);
	CHECK(pkt_parse_ip(&x, &ix) == 0 && pkt_parse_ip(&y, &iy) == 0);
	CHECK(ipaddr_eq(&ix.src, &iy.src) && ipaddr_eq(&ix.dst, &iy.dst) && ix.ttl == iy.ttl &&
	      ix.tos == iy.tos && ix.df == iy.df);
	CHECK(pkt_parse_tcp(&x, &ix, &tx) == 0 && pkt_parse_tcp(&y, &iy, &ty) == 0);
	CHECK(tx.sport == ty.sport && tx.dport == ty.dport && tx.ack == ty.ack &&
	      tx.window == ty.window && tx.hdr_len == ty.hdr_len &&
	      (tx.flags & ~PKT_TCP_PSH) == (ty.flags & ~PKT_TCP_PSH));
	CHECK(memcmp(buf_cur(&x) + sx.l3 + 18, buf_cur(&y) + sy.l3 + 18,
		     (size_t)(sx.hdrs - sx.l3 - 18)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf b;

	if (size == 0)
		return 0;
	check_csum(data, size);
	switch (data[0] & 3) {
	case IN_ETH:
		check_eth(data + 1, size - 1);
		break;
	case IN_IP:
		buf_init_read(&b, data + 1, size - 1);
		check_ip(&b);
		break;
	case IN_VNET:
		check_vnet(data + 1, size - 1);
		break;
	case IN_SEG2:
		check_seg2(data + 1, size - 1);
		break;
	}
	return 0;
}
