/* SPDX-License-Identifier: ISC */
/*
 * proto/pkt.h - packet helpers for the xTR data plane and the site integration.
 *
 * Owns: inner IPv4/IPv6 header parsing (addresses, protocol, ports, length, DF, TTL) and a
 * 5-tuple flow hash; the UDP and TCP headers behind it and the TCP segments a receive
 * coalescer (GRO) may merge; the virtio_net_hdr before a TUN device's packets; the Internet
 * checksum (RFC 1071) with incremental update (RFC 1624); ICMPv4 "fragmentation needed"
 * (RFC 792, RFC 1191) and ICMPv6 "packet too big" (RFC 4443 §3.2) builders; Ethernet (802.1Q
 * tag skipped), ARP/RARP (RFC 826, RFC 903; GARP and RFC 5227 probes) and IPv6 Neighbor
 * Solicitation/Advertisement (RFC 4861 §4.3, §4.4, §4.6.1) parsing and building, and the
 * Neighbor Advertisement the anycast gateway sends (RFC 4861 §7.2.4; docs/linux-site.md
 * "IPv6: the Neighbor Solicitation responder"). Every packet byte is read through struct
 * buf; nothing is cast over packet memory.
 */
#ifndef PROTO_PKT_H
#define PROTO_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/addr.h"
#include "proto/buf.h"

#define ETH_ALEN_    6
#define PKT_ETH_IPV4 0x0800
#define PKT_ETH_ARP  0x0806
#define PKT_ETH_RARP 0x8035
#define PKT_ETH_VLAN 0x8100
#define PKT_ETH_QINQ 0x88a8
#define PKT_ETH_IPV6 0x86dd

#define PKT_PROTO_ICMP	 1
#define PKT_PROTO_TCP	 6
#define PKT_PROTO_UDP	 17
#define PKT_PROTO_ICMPV6 58
#define PKT_PROTO_SCTP	 132

#define PKT_ICMP4_ERR_MAX 576  /* RFC 1812 §4.3.2.3: ICMPv4 error datagram at most 576 bytes */
#define PKT_ICMP6_ERR_MAX 1280 /* RFC 4443 §2.4(c): at most the IPv6 minimum MTU */

/* ---- inner IP header ---- */
struct pkt_ip {
	uint8_t version;       /* 4 or 6 */
	uint8_t proto;	       /* upper-layer protocol (after IPv6 extension headers) */
	uint8_t ttl;	       /* TTL / hop limit */
	uint8_t tos;	       /* TOS / traffic class */
	bool df;	       /* IPv4 DF; IPv6 always true (routers never fragment) */
	bool frag;	       /* any fragment (MF or offset != 0, or an IPv6 fragment header) */
	bool has_ports;	       /* sport/dport valid (TCP, UDP, SCTP, unfragmented) */
	uint16_t sport, dport; /* host order */
	uint16_t id;	       /* IPv4 identification; 0 for IPv6 */
	uint16_t tot_len;      /* whole packet: IPv4 total length, IPv6 40 + payload length */
	uint16_t hdr_len;      /* IPv4 IHL*4; IPv6 40 + extension headers */
	struct ipaddr src, dst;
};

/* Parse the IP header at the reader's position (not consumed: `b` is not modified).
 * Rejects a bad version, IHL < 5, a header or total length beyond the data. Bytes after
 * tot_len (Ethernet padding) are allowed. Returns 0 or -1. */
int pkt_parse_ip(const struct buf *b, struct pkt_ip *ip);

/* Fast 5-tuple hash (addresses, protocol, ports when present); never 0 for a valid seed. */
uint32_t pkt_flow_hash(const struct pkt_ip *ip, uint32_t seed);

/* ---- UDP (RFC 768) and TCP (RFC 9293) behind a parsed IP header ----
 * `b` is the reader pkt_parse_ip() parsed into `ip` (at the IP header; not modified). */
struct pkt_udp {
	uint16_t sport, dport;
	uint16_t len;	    /* the UDP length field: 8 + payload, within the IP payload */
	struct buf payload; /* reader over the payload (after the header, up to len) */
};
/* The UDP header of an unfragmented UDP packet; the UDP length must be at least 8 and within
 * the IP payload (bytes after it are ignored). 0 or -1. */
int pkt_parse_udp(const struct buf *b, const struct pkt_ip *ip, struct pkt_udp *u);

#define PKT_TCP_FIN 0x01
#define PKT_TCP_SYN 0x02
#define PKT_TCP_RST 0x04
#define PKT_TCP_PSH 0x08
#define PKT_TCP_ACK 0x10
#define PKT_TCP_URG 0x20
#define PKT_TCP_ECE 0x40
#define PKT_TCP_CWR 0x80
struct pkt_tcp {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint16_t hdr_len; /* data offset * 4: 20..60, within the IP payload */
	uint8_t flags;	  /* PKT_TCP_* */
	uint16_t window;
};
/* The TCP header of an unfragmented TCP packet (the checksum is not verified). 0 or -1. */
int pkt_parse_tcp(const struct buf *b, const struct pkt_ip *ip, struct pkt_tcp *t);

/* ---- TCP segments a receive coalescer (GRO) may merge ---- */
struct pkt_tcp_seg {
	uint8_t version; /* 4 or 6 */
	uint8_t flags;	 /* PKT_TCP_ACK, maybe PKT_TCP_PSH */
	uint16_t l3;	 /* IP header length: 20 or 40 */
	uint16_t hdrs;	 /* IP + TCP header length (with TCP options), < len */
	uint16_t len;	 /* the whole segment: every byte of the reader */
	uint16_t ip_id;	 /* IPv4 identification; 0 for IPv6 */
	uint32_t seq;
};
/* Parse the IP packet that is ALL of what `b` has left (not modified) as a segment that may
 * be merged: IPv4 without options, not a fragment, total length exactly the data; or IPv6
 * without extension headers, 40 + payload length exactly the data (at most 65535 bytes);
 * protocol TCP, data offset >= 5, at least one byte of payload, flags ACK and maybe PSH
 * only, and the TCP checksum (pseudo-header included) correct: a merged packet's data is
 * trusted by the kernel. 0 or -1. */
int pkt_parse_tcp_seg(const struct buf *b, struct pkt_tcp_seg *s);
/* Do two parsed segments (readers as given to pkt_parse_tcp_seg) belong to one stream as a
 * coalescer needs: same IP version and header lengths; IPv4 TOS, DF, TTL and addresses, or
 * IPv6 traffic class, flow label, hop limit and addresses; TCP ports, ack, data offset,
 * flags but PSH, window, urgent pointer and options. Lengths, IPv4 IDs, sequence numbers,
 * checksums and PSH are not compared: consecutiveness is the caller's. */
bool pkt_tcp_seg_same_flow(const struct buf *a, const struct pkt_tcp_seg *sa, const struct buf *b,
			   const struct pkt_tcp_seg *sb);

/* ---- virtio_net_hdr (a TUN device with IFF_VNET_HDR; Linux uapi linux/virtio_net.h) ----
 * The kernel writes it before each packet read from the TUN. Its values describe the
 * packet's offloads as the sender asked for them: a VM's virtio-net driver sets gso_type,
 * gso_size, hdr_len, csum_start and csum_offset, and a GSO packet forwarded from the VM's tap
 * to the TUN keeps them. So they are untrusted like the packet: the reader bounds them
 * against the packet before use. */
#define PKT_VNET_HDR_LEN      10
#define PKT_VNET_F_NEEDS_CSUM 0x01
#define PKT_VNET_F_DATA_VALID 0x02
#define PKT_VNET_GSO_ECN      0x80
struct pkt_vnet {
	uint8_t flags;	  /* PKT_VNET_F_* */
	uint8_t gso_type; /* VIRTIO_NET_HDR_GSO_* without the ECN bit */
	bool ecn;	  /* the gso_type's ECN bit */
	uint16_t hdr_len, gso_size, csum_start, csum_offset; /* little endian on the wire */
};
/* Parse and consume the 10-byte header; `b` is left at the packet. 0 or -1 (short). */
int pkt_parse_vnet_hdr(struct buf *b, struct pkt_vnet *v);
/* Append the 10-byte header. 0 or -1 (no room). */
int pkt_build_vnet_hdr(struct buf *out, const struct pkt_vnet *v);

/* ---- Internet checksum (RFC 1071, RFC 1624) ---- */
/* Add `len` bytes (big-endian 16-bit words; an odd last byte is padded) to a running sum. */
uint32_t pkt_csum_add(uint32_t sum, const void *data, size_t len);
/* Fold a running sum and complement it: the value to store in a checksum field. */
uint16_t pkt_csum_fold(uint32_t sum);
/* Checksum of a region (0 when a region that contains its own checksum is correct). */
uint16_t pkt_csum(const void *data, size_t len);
/* RFC 1624 eqn. 3: new checksum after a 16-bit field changed from `old` to `new_` . */
uint16_t pkt_csum_update16(uint16_t csum, uint16_t old, uint16_t new_);
uint16_t pkt_csum_update32(uint16_t csum, uint32_t old, uint32_t new_);
/* Running sum of the IPv6 pseudo-header (RFC 8200 §8.1). */
uint32_t pkt_csum_pseudo6(const struct ipaddr *src, const struct ipaddr *dst, uint32_t len,
			  uint8_t nh);

/* ---- ICMP errors toward the inner source ---- */
/* May an ICMP error be sent about this packet? No for ICMP errors themselves, non-first
 * fragments, unspecified/multicast/broadcast/loopback sources, IPv4 packets sent to a
 * multicast or the limited broadcast address (RFC 1812 §4.3.2.7; RFC 4443 §2.4(e.3) lets an
 * IPv6 Packet Too Big answer a multicast destination). */
bool pkt_icmp_error_allowed(const struct buf *orig);
/* IPv4 packet: ICMP type 3 code 4 with next-hop MTU (RFC 1191 §4) from `src` to the
 * original source, quoting as much of `orig` as fits in 576 bytes. TTL 64. 0 or -1
 * (orig not IPv4/not allowed, src not IPv4, out too small). */
int pkt_build_icmp4_frag_needed(struct buf *out, const struct buf *orig, const struct ipaddr *src,
				uint16_t mtu);
/* IPv6 packet: ICMPv6 type 2 code 0 with MTU (RFC 4443 §3.2), quoting up to 1280 bytes. */
int pkt_build_icmp6_too_big(struct buf *out, const struct buf *orig, const struct ipaddr *src,
			    uint32_t mtu);

/* ---- Ethernet ---- */
struct pkt_eth {
	uint8_t dst[ETH_ALEN_], src[ETH_ALEN_];
	uint16_t ethertype; /* after any VLAN tags */
	uint16_t vlan;	    /* VID of the outer tag, 0 if untagged */
	uint8_t ntags;	    /* 802.1Q / 802.1ad tags skipped (at most 2) */
};
/* Parse and consume the Ethernet header; `b` is left at the payload. */
int pkt_parse_eth(struct buf *b, struct pkt_eth *e);
int pkt_build_eth(struct buf *out, const uint8_t dst[ETH_ALEN_], const uint8_t src[ETH_ALEN_],
		  uint16_t ethertype);
bool pkt_mac_is_multicast(const uint8_t mac[ETH_ALEN_]);

/* ---- ARP / RARP (Ethernet + IPv4 only) ---- */
#define PKT_ARP_REQUEST	 1
#define PKT_ARP_REPLY	 2
#define PKT_RARP_REQUEST 3
#define PKT_RARP_REPLY	 4
struct pkt_arp {
	uint16_t op;
	uint8_t sha[ETH_ALEN_], tha[ETH_ALEN_];
	struct ipaddr spa, tpa;
	bool garp;  /* gratuitous: sender IP == target IP (request or reply), sender not 0 */
	bool probe; /* RFC 5227 probe: request with sender IP 0.0.0.0 */
	bool rarp;  /* RARP opcode (3/4) */
};
/* Parse an ARP or RARP payload (after pkt_parse_eth). Only htype 1 / ptype 0x0800 /
 * hlen 6 / plen 4 are accepted. */
int pkt_parse_arp(struct buf *b, struct pkt_arp *a);
/* Append the 28-byte ARP/RARP payload of `a` (op, sha, spa, tha, tpa; the flags are not
 * read). -1 for an opcode pkt_parse_arp refuses, addresses not IPv4, or no room. */
int pkt_build_arp(struct buf *out, const struct pkt_arp *a);

/* ---- IPv6 Neighbor Discovery ---- */
#define PKT_ND_NS	   135
#define PKT_ND_NA	   136
#define PKT_NA_F_ROUTER	   0x80000000u
#define PKT_NA_F_SOLICITED 0x40000000u
#define PKT_NA_F_OVERRIDE  0x20000000u
struct pkt_nd {
	uint8_t type; /* PKT_ND_NS or PKT_ND_NA */
	struct ipaddr src, dst, target;
	uint32_t flags; /* NA: PKT_NA_F_* */
	bool has_sllao, has_tllao;
	uint8_t sllao[ETH_ALEN_], tllao[ETH_ALEN_];
	bool dad;	  /* NS from :: (RFC 4862 §5.4.2) */
	bool unsolicited; /* NA with S=0 and O=1 (RFC 4861 §7.2.6) */
};
/* Parse an IPv6 packet holding an NS or NA (no extension headers). Validates per RFC 4861
 * §7.1.1/§7.1.2: hop limit 255, code 0, ICMPv6 checksum, length >= 24, options of nonzero
 * length inside the packet, target not multicast, source not multicast (RFC 4291 §2.7), DAD
 * NS to a solicited-node address without SLLAO, NA to multicast not solicited. 0 or -1. */
int pkt_parse_nd(const struct buf *b, struct pkt_nd *nd);
/* Append the IPv6 packet of an NS or NA: src, dst, hop limit 255, target, NA flags
 * (R|S|O only), SLLAO and/or TLLAO when has_sllao/has_tllao, checksum filled. -1 for another
 * type, addresses not IPv6, or no room. */
int pkt_build_nd(struct buf *out, const struct pkt_nd *nd);
/* Build the IPv6 NA answering `ns`: from `gw_ll` (gateway link-local) to the NS source,
 * hop limit 255, flags S|O, target = ns->target, TLLAO = gw_mac, checksum filled.
 * -1 for a DAD NS (source ::) or when out is too small. */
int pkt_build_na(struct buf *out, const struct pkt_nd *ns, const uint8_t gw_mac[ETH_ALEN_],
		 const struct ipaddr *gw_ll);
/* fe80::/64 link-local from a MAC by modified EUI-64 (RFC 4291 App. A). */
void pkt_mac_to_ll(const uint8_t mac[ETH_ALEN_], struct ipaddr *ll);
/* Solicited-node multicast address ff02::1:ffXX:XXXX of an IPv6 address. */
void pkt_solicited_node(const struct ipaddr *a, struct ipaddr *sn);

#endif
