/* SPDX-License-Identifier: ISC */
/* tests/unit/test_pkt.c - proto/pkt: IP parsing and flow hash, Internet checksum (RFC 1071
 * example, RFC 1624 incremental, the word-wise sum against a byte-pair one), UDP and TCP
 * headers, the TCP segments the coalescer merges (each rejection rule alone) and when two
 * belong to one stream, the virtio_net_hdr, ICMPv4 frag-needed / ICMPv6 packet-too-big
 * builders, Ethernet/VLAN, ARP/GARP/probe/RARP and NS/NA parsing and building, and the
 * gateway NA builder. The byte vectors were generated independently (Python) and their
 * checksums confirmed by tshark. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "proto/pkt.h"

static const uint8_t ns_vec[] = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0x20, 0x01, 0x0d, 0xb8, 0x01, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xff, 0x00, 0x00, 0x77, 0x87, 0x00, 0x19, 0x35, 0x00,
    0x00, 0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x77, 0x01, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x05,
};

static const uint8_t na_vec[] = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0xff, 0xfe, 0x00, 0x01, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x01, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x88, 0x00, 0xb6, 0x32, 0x60,
    0x00, 0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x77, 0x02, 0x01, 0x02, 0x00, 0x00, 0x00, 0x01, 0x01,
};

static const uint8_t p4_vec[] = {
    0x45, 0x00, 0x00, 0x3c, 0x12, 0x34, 0x40, 0x00, 0x3f, 0x11, 0xc3, 0x3a, 0xc6, 0x33, 0x64,
    0x05, 0xcb, 0x00, 0x71, 0x09, 0x03, 0xe8, 0x07, 0xd0, 0x00, 0x28, 0x00, 0x00, 0x00, 0x01,
    0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
    0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};

static const uint8_t f4_vec[] = {
    0x45, 0xc0, 0x00, 0x58, 0x00, 0x00, 0x00, 0x00, 0x40, 0x01, 0x25, 0x78, 0xc6, 0x33, 0x64,
    0x01, 0xc6, 0x33, 0x64, 0x05, 0x03, 0x04, 0xfa, 0x76, 0x00, 0x00, 0x05, 0xa4, 0x45, 0x00,
    0x00, 0x3c, 0x12, 0x34, 0x40, 0x00, 0x3f, 0x11, 0xc3, 0x3a, 0xc6, 0x33, 0x64, 0x05, 0xcb,
    0x00, 0x71, 0x09, 0x03, 0xe8, 0x07, 0xd0, 0x00, 0x28, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03,
    0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12,
    0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};

static const uint8_t p6_vec[] = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x14, 0x06, 0x3f, 0x20, 0x01, 0x0d, 0xb8, 0x01, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x20, 0x01, 0x0d, 0xb8, 0x02, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0x9c, 0x40, 0x01, 0xbb, 0x00,
    0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x50, 0x02, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
};

static const uint8_t t6_vec[] = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x44, 0x3a, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x02, 0x00, 0xe7, 0x92, 0x00, 0x00, 0x05, 0xa4,
    0x60, 0x00, 0x00, 0x00, 0x00, 0x14, 0x06, 0x3f, 0x20, 0x01, 0x0d, 0xb8, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x20, 0x01, 0x0d, 0xb8, 0x02, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0x9c, 0x40, 0x01, 0xbb, 0x00, 0x00, 0x00, 0x01,
    0x00, 0x00, 0x00, 0x00, 0x50, 0x02, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
};

static const uint8_t gw_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x01, 0x01};

static void ip(struct ipaddr *a, const char *s)
{
	assert_int_equal(ipaddr_parse(s, a), 0);
}

/* pkt_csum_add sums 8 bytes at a time: it must equal the RFC 1071 byte-pair sum for every
 * length, alignment and running sum, including the all-zero and all-ones corner cases. */
static uint32_t csum_ref(uint32_t sum, const uint8_t *p, size_t len)
{
	uint64_t s = sum;
	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)((p[i] << 8) | p[i + 1]);
	if (len & 1)
		s += (uint32_t)(p[len - 1] << 8);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
}

static void check_csum_words(void)
{
	static uint8_t d[1600];
	uint32_t x = 12345;
	for (size_t i = 0; i < sizeof(d); i++) {
		x = x * 1103515245u + 12345u;
		d[i] = (uint8_t)(x >> 16);
	}
	for (int pat = 0; pat < 3; pat++) {
		uint8_t keep[sizeof(d)];
		memcpy(keep, d, sizeof(d));
		if (pat == 1)
			memset(d, 0, sizeof(d));
		if (pat == 2)
			memset(d, 0xff, sizeof(d));
		for (size_t off = 0; off < 8; off++)
			for (size_t len = 0; len + off <= 300; len++)
				for (uint32_t sum = 0; sum < 0x30000; sum += 0xffff) {
					uint32_t got = pkt_csum_add(sum, d + off, len);
					assert_true(got <= 0xffff);
					assert_int_equal(
					    pkt_csum_fold(got),
					    pkt_csum_fold(csum_ref(sum, d + off, len)));
					assert_int_equal(got == 0,
							 csum_ref(sum, d + off, len) == 0);
				}
		assert_int_equal(pkt_csum_fold(pkt_csum_add(0, d + 3, 1500)),
				 pkt_csum_fold(csum_ref(0, d + 3, 1500)));
		memcpy(d, keep, sizeof(d));
	}
}

static void test_csum(void **state)
{
	(void)state;
	check_csum_words();
	/* RFC 1071 §3 example: sum 0xddf2, checksum 0x220d */
	const uint8_t d[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	assert_int_equal(pkt_csum(d, sizeof(d)), 0x220d);
	/* odd length pads with zero */
	const uint8_t o[] = {0x01, 0x02, 0x03};
	assert_int_equal(pkt_csum(o, 3), (uint16_t)~0x0402);
	/* a header with its checksum verifies to 0 */
	assert_int_equal(pkt_csum(p4_vec, 20), 0);
	/* incremental: decrement the TTL and update */
	uint8_t h[20];
	memcpy(h, p4_vec, 20);
	uint16_t c = (uint16_t)((h[10] << 8) | h[11]);
	uint16_t old = (uint16_t)((h[8] << 8) | h[9]);
	h[8]--;
	uint16_t nw = (uint16_t)((h[8] << 8) | h[9]);
	c = pkt_csum_update16(c, old, nw);
	h[10] = (uint8_t)(c >> 8);
	h[11] = (uint8_t)c;
	assert_int_equal(pkt_csum(h, 20), 0);
	/* incremental 32-bit: rewrite the destination address */
	c = (uint16_t)((h[10] << 8) | h[11]);
	uint32_t od = ((uint32_t)h[16] << 24) | ((uint32_t)h[17] << 16) | (h[18] << 8) | h[19];
	uint32_t nd = 0xc0000201; /* 192.0.2.1 */
	c = pkt_csum_update32(c, od, nd);
	h[16] = 192, h[17] = 0, h[18] = 2, h[19] = 1;
	h[10] = (uint8_t)(c >> 8);
	h[11] = (uint8_t)c;
	assert_int_equal(pkt_csum(h, 20), 0);
}

static void test_parse_ip4(void **state)
{
	(void)state;
	struct buf b;
	struct pkt_ip p;
	char s[IPADDR_STRLEN];

	buf_init_read(&b, p4_vec, sizeof(p4_vec));
	assert_int_equal(pkt_parse_ip(&b, &p), 0);
	assert_int_equal(buf_offset(&b), 0); /* not consumed */
	assert_int_equal(p.version, 4);
	assert_string_equal(ipaddr_str(&p.src, s, sizeof(s)), "198.51.100.5");
	assert_string_equal(ipaddr_str(&p.dst, s, sizeof(s)), "203.0.113.9");
	assert_int_equal(p.proto, PKT_PROTO_UDP);
	assert_true(p.has_ports);
	assert_int_equal(p.sport, 1000);
	assert_int_equal(p.dport, 2000);
	assert_int_equal(p.tot_len, 60);
	assert_int_equal(p.hdr_len, 20);
	assert_true(p.df);
	assert_false(p.frag);
	assert_int_equal(p.ttl, 63);
	assert_int_equal(p.id, 0x1234);

	/* Ethernet padding after tot_len is fine */
	uint8_t pad[80] = {0};
	memcpy(pad, p4_vec, sizeof(p4_vec));
	buf_init_read(&b, pad, sizeof(pad));
	assert_int_equal(pkt_parse_ip(&b, &p), 0);
	assert_int_equal(p.tot_len, 60);

	/* truncated: every shorter length is rejected */
	for (size_t n = 0; n < sizeof(p4_vec); n++) {
		buf_init_read(&b, p4_vec, n);
		assert_int_equal(pkt_parse_ip(&b, &p), -1);
	}
	/* IHL < 5, IHL beyond total length, bad version */
	uint8_t bad[sizeof(p4_vec)];
	memcpy(bad, p4_vec, sizeof(bad));
	bad[0] = 0x44;
	buf_init_read(&b, bad, sizeof(bad));
	assert_int_equal(pkt_parse_ip(&b, &p), -1);
	bad[0] = 0x4f;
	bad[3] = 40; /* tot 40 < IHL 60 */
	buf_init_read(&b, bad, sizeof(bad));
	assert_int_equal(pkt_parse_ip(&b, &p), -1);
	bad[0] = 0x55;
	bad[3] = 60;
	buf_init_read(&b, bad, sizeof(bad));
	assert_int_equal(pkt_parse_ip(&b, &p), -1);
	/* a fragment has no ports */
	memcpy(bad, p4_vec, sizeof(bad));
	bad[6] = 0x20; /* MF */
	buf_init_read(&b, bad, sizeof(bad));
	assert_int_equal(pkt_parse_ip(&b, &p), 0);
	assert_true(p.frag);
	assert_false(p.has_ports);
	assert_false(p.df);
}

static void test_parse_ip6(void **state)
{
	(void)state;
	struct buf b;
	struct pkt_ip p;
	char s[IPADDR_STRLEN];

	buf_init_read(&b, p6_vec, sizeof(p6_vec));
	assert_int_equal(pkt_parse_ip(&b, &p), 0);
	assert_int_equal(p.version, 6);
	assert_string_equal(ipaddr_str(&p.dst, s, sizeof(s)), "2001:db8:200::9");
	assert_int_equal(p.proto, PKT_PROTO_TCP);
	assert_int_equal(p.sport, 40000);
	assert_int_equal(p.dport, 443);
	assert_int_equal(p.tot_len, 60);
	assert_int_equal(p.ttl, 63);
	for (size_t n = 0; n < sizeof(p6_vec); n++) {
		buf_init_read(&b, p6_vec, n);
		assert_int_equal(pkt_parse_ip(&b, &p), -1);
	}
	/* hop-by-hop (8 bytes) then UDP */
	uint8_t e[40 + 8 + 8];
	memcpy(e, p6_vec, 40);
	e[4] = 0;
	e[5] = 16;
	e[6] = 0; /* HBH */
	memset(e + 40, 0, 8);
	e[40] = PKT_PROTO_UDP;
	e[41] = 0; /* 8 bytes */
	const uint8_t udp[8] = {0x00, 0x35, 0x12, 0x34, 0x00, 0x08, 0x00, 0x00};
	memcpy(e + 48, udp, 8);
	buf_init_read(&b, e, sizeof(e));
	assert_int_equal(pkt_parse_ip(&b, &p), 0);
	assert_int_equal(p.proto, PKT_PROTO_UDP);
	assert_int_equal(p.hdr_len, 48);
	assert_int_equal(p.sport, 53);
	assert_int_equal(p.dport, 0x1234);
	/* extension header running past the payload */
	e[41] = 2;
	buf_init_read(&b, e, sizeof(e));
	assert_int_equal(pkt_parse_ip(&b, &p), -1);
	/* fragment header: no ports */
	e[6] = 44;
	e[40] = PKT_PROTO_UDP;
	e[41] = 0;
	buf_init_read(&b, e, sizeof(e));
	assert_int_equal(pkt_parse_ip(&b, &p), 0);
	assert_true(p.frag);
	assert_false(p.has_ports);
	/* non-first fragment (offset 8) of a packet whose next header is Destination Options:
	 * what follows the fragment header is payload, never parsed as a header (RFC 8200
	 * §4.5); here its bytes would announce a 2056-byte option header */
	e[40] = 60;
	e[42] = 0x00;
	e[43] = 0x08;
	e[48] = PKT_PROTO_UDP;
	e[49] = 0xff;
	buf_init_read(&b, e, sizeof(e));
	assert_int_equal(pkt_parse_ip(&b, &p), 0);
	assert_true(p.frag);
	assert_false(p.has_ports);
	assert_int_equal(p.proto, 60);
	assert_int_equal(p.hdr_len, 48);
}

static void test_flow_hash(void **state)
{
	(void)state;
	struct buf b;
	struct pkt_ip p, q;

	buf_init_read(&b, p4_vec, sizeof(p4_vec));
	assert_int_equal(pkt_parse_ip(&b, &p), 0);
	q = p;
	assert_int_equal(pkt_flow_hash(&p, 1), pkt_flow_hash(&q, 1));
	assert_int_not_equal(pkt_flow_hash(&p, 1), pkt_flow_hash(&p, 2));
	q.sport++;
	assert_int_not_equal(pkt_flow_hash(&p, 1), pkt_flow_hash(&q, 1));
	/* spread: 256 source ports over 16 buckets, none empty */
	unsigned cnt[16] = {0};
	for (unsigned i = 0; i < 256; i++) {
		q.sport = (uint16_t)(1024 + i);
		cnt[pkt_flow_hash(&q, 7) & 15]++;
	}
	for (int i = 0; i < 16; i++)
		assert_true(cnt[i] > 0);
}

static void test_parse_udp(void **state)
{
	(void)state;
	struct buf b;
	struct pkt_ip ip;
	struct pkt_udp u;
	uint8_t v[sizeof(p4_vec) + 4];

	/* p4_vec: UDP 1000 -> 2000, UDP length 40, 32 bytes of payload 0..31 */
	buf_init_read(&b, p4_vec, sizeof(p4_vec));
	assert_int_equal(pkt_parse_ip(&b, &ip), 0);
	assert_int_equal(pkt_parse_udp(&b, &ip, &u), 0);
	assert_int_equal(buf_offset(&b), 0);
	assert_int_equal(u.sport, 1000);
	assert_int_equal(u.dport, 2000);
	assert_int_equal(u.len, 40);
	assert_int_equal(buf_left(&u.payload), 32);
	assert_memory_equal(buf_cur(&u.payload), p4_vec + 28, 32);
	/* bytes after the UDP length are not payload */
	memcpy(v, p4_vec, sizeof(p4_vec));
	v[25] = 30;
	buf_init_read(&b, v, sizeof(p4_vec));
	assert_int_equal(pkt_parse_ip(&b, &ip), 0);
	assert_int_equal(pkt_parse_udp(&b, &ip, &u), 0);
	assert_int_equal(buf_left(&u.payload), 22);
	/* UDP length below 8, or beyond the IP payload (even with bytes after tot_len) */
	v[25] = 7;
	assert_int_equal(pkt_parse_udp(&b, &ip, &u), -1);
	v[25] = 41;
	v[sizeof(p4_vec)] = 0;
	buf_init_read(&b, v, sizeof(v));
	assert_int_equal(pkt_parse_ip(&b, &ip), 0);
	assert_int_equal(pkt_parse_udp(&b, &ip, &u), -1);
	/* a fragment's UDP header is not parsed */
	memcpy(v, p4_vec, sizeof(p4_vec));
	v[6] = 0x20;
	buf_init_read(&b, v, sizeof(p4_vec));
	assert_int_equal(pkt_parse_ip(&b, &ip), 0);
	assert_int_equal(pkt_parse_udp(&b, &ip, &u), -1);
	/* UDP header cut by the IP total length */
	memcpy(v, p4_vec, sizeof(p4_vec));
	v[3] = 27;
	buf_init_read(&b, v, sizeof(p4_vec));
	assert_int_equal(pkt_parse_ip(&b, &ip), 0);
	assert_int_equal(pkt_parse_udp(&b, &ip, &u), -1);
	/* not UDP */
	buf_init_read(&b, p6_vec, sizeof(p6_vec));
	assert_int_equal(pkt_parse_ip(&b, &ip), 0);
	assert_int_equal(pkt_parse_udp(&b, &ip, &u), -1);
}

static void test_parse_tcp(void **state)
{
	(void)state;
	struct buf b;
	struct pkt_ip ip;
	struct pkt_tcp t;

	/* p6_vec: TCP SYN 40000 -> 443, seq 1, data offset 5, window 0xffff */
	buf_init_read(&b, p6_vec, sizeof(p6_vec));
	assert_int_equal(pkt_parse_ip(&b, &ip), 0);
	assert_int_equal(pkt_parse_tcp(&b, &ip, &t), 0);
	assert_int_equal(t.sport, 40000);
	assert_int_equal(t.dport, 443);
	assert_int_equal(t.seq, 1);
	assert_int_equal(t.ack, 0);
	assert_int_equal(t.hdr_len, 20);
	assert_int_equal(t.flags, PKT_TCP_SYN);
	assert_int_equal(t.window, 0xffff);
	/* not TCP */
	buf_init_read(&b, p4_vec, sizeof(p4_vec));
	assert_int_equal(pkt_parse_ip(&b, &ip), 0);
	assert_int_equal(pkt_parse_tcp(&b, &ip, &t), -1);
	/* behind an extension header (hop-by-hop, 8 bytes): found after it */
	uint8_t e[sizeof(p6_vec) + 8];
	memcpy(e, p6_vec, 40);
	e[5] = 28;
	e[6] = 0;
	memset(e + 40, 0, 8);
	e[40] = PKT_PROTO_TCP;
	memcpy(e + 48, p6_vec + 40, 20);
	buf_init_read(&b, e, sizeof(e));
	assert_int_equal(pkt_parse_ip(&b, &ip), 0);
	assert_int_equal(pkt_parse_tcp(&b, &ip, &t), 0);
	assert_int_equal(t.dport, 443);
	assert_int_equal(t.hdr_len, 20);
	/* ... but not in a fragment */
	e[6] = 44;
	e[40] = PKT_PROTO_TCP;
	buf_init_read(&b, e, sizeof(e));
	assert_int_equal(pkt_parse_ip(&b, &ip), 0);
	assert_true(ip.frag);
	assert_int_equal(ip.proto, PKT_PROTO_TCP);
	assert_int_equal(pkt_parse_tcp(&b, &ip, &t), -1);
	/* data offset below 5, or beyond the IP payload */
	uint8_t w[sizeof(p6_vec)];
	memcpy(w, p6_vec, sizeof(w));
	w[52] = 0x40;
	buf_init_read(&b, w, sizeof(w));
	assert_int_equal(pkt_parse_ip(&b, &ip), 0);
	assert_int_equal(pkt_parse_tcp(&b, &ip, &t), -1);
	w[52] = 0x60;
	assert_int_equal(pkt_parse_tcp(&b, &ip, &t), -1);
	/* TCP header cut by the payload length */
	memcpy(w, p6_vec, sizeof(w));
	w[5] = 19;
	buf_init_read(&b, w, sizeof(w));
	assert_int_equal(pkt_parse_ip(&b, &ip), 0);
	assert_int_equal(pkt_parse_tcp(&b, &ip, &t), -1);
}

/* ---- TCP segments for the coalescer ---- */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Recompute the IPv4 header checksum (any IHL) and the TCP checksum of a segment whose length
 * fields may have been edited; `len` is the bytes of data, the pseudo-header always says TCP. */
static void seg_fix(uint8_t *p, size_t len)
{
	size_t l3;
	uint32_t s;

	if ((p[0] >> 4) == 4) {
		l3 = (size_t)(p[0] & 15) * 4;
		put16(p + 10, 0);
		put16(p + 10, pkt_csum(p, l3));
		s = pkt_csum_add(0, p + 12, 8);
	} else {
		l3 = 40;
		s = pkt_csum_add(0, p + 8, 32);
	}
	uint32_t l4len = (uint32_t)(len - l3);
	s += PKT_PROTO_TCP + (l4len >> 16) + (l4len & 0xffff);
	put16(p + l3 + 16, 0);
	put16(p + l3 + 16, pkt_csum_fold(pkt_csum_add(s, p + l3, l4len)));
}

/* IPv4 (ID 0x1234, DF, TTL 64) or IPv6 (hop limit 64) TCP segment 40000 -> 5201, ack 7, window
 * 0x100, 12 bytes of options (NOP NOP timestamp), flags ACK|PSH, `pl` bytes. */
static size_t seg_mk(uint8_t *p, int v, size_t pl, uint32_t seq)
{
	size_t l3 = v == 4 ? 20 : 40, len = l3 + 32 + pl;
	memset(p, 0, l3 + 32);
	if (v == 4) {
		p[0] = 0x45;
		put16(p + 2, (uint16_t)len);
		put16(p + 4, 0x1234);
		p[6] = 0x40;
		p[8] = 64;
		p[9] = PKT_PROTO_TCP;
		memcpy(p + 12, (const uint8_t[]){198, 51, 100, 10, 203, 0, 113, 10}, 8);
	} else {
		p[0] = 0x60;
		put16(p + 4, (uint16_t)(len - 40));
		p[6] = PKT_PROTO_TCP;
		p[7] = 64;
		memcpy(p + 8, (const uint8_t[]){0x20, 0x01, 0x0d, 0xb8}, 4);
		p[23] = 1;
		memcpy(p + 24, (const uint8_t[]){0x20, 0x01, 0x0d, 0xb8}, 4);
		p[39] = 2;
	}
	uint8_t *t = p + l3;
	put16(t, 40000);
	put16(t + 2, 5201);
	t[4] = (uint8_t)(seq >> 24);
	t[5] = (uint8_t)(seq >> 16);
	t[6] = (uint8_t)(seq >> 8);
	t[7] = (uint8_t)seq;
	t[11] = 7;
	t[12] = 0x80; /* 32 bytes */
	t[13] = PKT_TCP_ACK | PKT_TCP_PSH;
	t[14] = 0x01;
	memcpy(t + 20, (const uint8_t[]){1, 1, 8, 10, 0, 0, 0, 5, 0, 0, 0, 9}, 12);
	for (size_t i = 0; i < pl; i++)
		p[l3 + 32 + i] = (uint8_t)(i * 7 + seq);
	seg_fix(p, len);
	return len;
}

static int seg_parse(const uint8_t *p, size_t len, struct pkt_tcp_seg *s)
{
	struct buf b;
	buf_init_read(&b, p, len);
	return pkt_parse_tcp_seg(&b, s);
}

static void test_tcp_seg(void **state)
{
	(void)state;
	static uint8_t p[65536 + 64];
	struct pkt_tcp_seg s;
	size_t len;

	/* accepted: IPv4 and IPv6, ACK|PSH and ACK, DF or not */
	len = seg_mk(p, 4, 100, 1000);
	assert_int_equal(seg_parse(p, len, &s), 0);
	assert_int_equal(s.version, 4);
	assert_int_equal(s.l3, 20);
	assert_int_equal(s.hdrs, 52);
	assert_int_equal(s.len, len);
	assert_int_equal(s.flags, PKT_TCP_ACK | PKT_TCP_PSH);
	assert_int_equal(s.ip_id, 0x1234);
	assert_int_equal(s.seq, 1000);
	p[20 + 13] = PKT_TCP_ACK;
	p[6] = 0;
	seg_fix(p, len);
	assert_int_equal(seg_parse(p, len, &s), 0);
	assert_int_equal(s.flags, PKT_TCP_ACK);
	len = seg_mk(p, 6, 100, 0xfffffff0u);
	assert_int_equal(seg_parse(p, len, &s), 0);
	assert_int_equal(s.version, 6);
	assert_int_equal(s.l3, 40);
	assert_int_equal(s.hdrs, 72);
	assert_int_equal(s.ip_id, 0);
	assert_int_equal(s.seq, 0xfffffff0u);
	/* truncated: every shorter length */
	for (size_t n = 0; n < len; n++)
		assert_int_equal(seg_parse(p, n, &s), -1);

	/* Each rule alone: the segment is otherwise valid (checksums fixed after the edit). */
	/* IPv4 options: IHL 6 over a segment that is valid read with IHL 5 */
	len = seg_mk(p, 4, 100, 1000);
	p[0] = 0x46;
	assert_int_equal(seg_parse(p, len, &s), -1);
	/* not TCP (the pseudo-header checksum still says TCP) */
	len = seg_mk(p, 4, 100, 1000);
	p[9] = PKT_PROTO_UDP;
	seg_fix(p, len);
	assert_int_equal(seg_parse(p, len, &s), -1);
	/* a fragment: MF, or an offset */
	len = seg_mk(p, 4, 100, 1000);
	p[6] = 0x20;
	seg_fix(p, len);
	assert_int_equal(seg_parse(p, len, &s), -1);
	p[6] = 0x00;
	p[7] = 0x01;
	seg_fix(p, len);
	assert_int_equal(seg_parse(p, len, &s), -1);
	p[6] = 0x40;
	p[7] = 0x00;
	seg_fix(p, len);
	assert_int_equal(seg_parse(p, len, &s), 0);
	/* total length not the data: Ethernet padding after it (two bytes that keep the checksum
	 * right if they were counted: 0xfffd + 2 = 0 in one's complement), or data cut */
	p[len] = 0xff;
	p[len + 1] = 0xfd;
	assert_int_equal(seg_parse(p, len + 2, &s), -1);
	put16(p + 2, (uint16_t)(len + 1));
	seg_fix(p, len);
	assert_int_equal(seg_parse(p, len, &s), -1);
	/* version neither 4 nor 6 */
	len = seg_mk(p, 6, 100, 1000);
	p[0] = 0x70;
	assert_int_equal(seg_parse(p, len, &s), -1);
	/* IPv6 extension header (hop-by-hop first, then TCP) */
	len = seg_mk(p, 6, 100, 1000);
	memmove(p + 48, p + 40, len - 40);
	memset(p + 40, 0, 8);
	p[40] = PKT_PROTO_TCP;
	p[6] = 0;
	put16(p + 4, (uint16_t)(len + 8 - 40));
	assert_int_equal(seg_parse(p, len + 8, &s), -1);
	/* IPv6: not TCP */
	len = seg_mk(p, 6, 100, 1000);
	p[6] = PKT_PROTO_UDP;
	assert_int_equal(seg_parse(p, len, &s), -1);
	/* IPv6 payload length not the data (padding as above) */
	len = seg_mk(p, 6, 100, 1000);
	p[len] = 0xff;
	p[len + 1] = 0xfd;
	assert_int_equal(seg_parse(p, len + 2, &s), -1);
	/* data offset below 5 (4: 16 bytes) */
	len = seg_mk(p, 4, 100, 1000);
	p[20 + 12] = 0x40;
	seg_fix(p, len);
	assert_int_equal(seg_parse(p, len, &s), -1);
	/* no payload: a bare ACK is not merged */
	len = seg_mk(p, 4, 0, 1000);
	assert_int_equal(seg_parse(p, len, &s), -1);
	/* flags: any but ACK and PSH, or no ACK */
	static const uint8_t bad_flags[] = {PKT_TCP_ACK | PKT_TCP_FIN,
					    PKT_TCP_ACK | PKT_TCP_SYN,
					    PKT_TCP_ACK | PKT_TCP_RST,
					    PKT_TCP_ACK | PKT_TCP_URG,
					    PKT_TCP_ACK | PKT_TCP_ECE,
					    PKT_TCP_ACK | PKT_TCP_CWR,
					    PKT_TCP_PSH,
					    0};
	for (size_t i = 0; i < sizeof(bad_flags); i++) {
		len = seg_mk(p, 4, 100, 1000);
		p[20 + 13] = bad_flags[i];
		seg_fix(p, len);
		assert_int_equal(seg_parse(p, len, &s), -1);
	}
	/* checksum: a payload bit, or an address bit (the pseudo-header; IPv4 header checksum
	 * fixed) */
	len = seg_mk(p, 4, 100, 1000);
	p[len - 1] ^= 1;
	assert_int_equal(seg_parse(p, len, &s), -1);
	len = seg_mk(p, 4, 100, 1000);
	p[15] ^= 1;
	put16(p + 10, 0);
	put16(p + 10, pkt_csum(p, 20));
	assert_int_equal(seg_parse(p, len, &s), -1);
	len = seg_mk(p, 6, 100, 1000);
	p[39] ^= 1;
	assert_int_equal(seg_parse(p, len, &s), -1);
	/* IPv6: at most 65535 bytes (payload length 0xffff is 65575 with the header) */
	len = seg_mk(p, 6, 65535 - 32, 1000);
	assert_int_equal(len, 65575);
	assert_int_equal(seg_parse(p, len, &s), -1);
	len = seg_mk(p, 6, 65535 - 72, 1000);
	assert_int_equal(seg_parse(p, len, &s), 0);
	assert_int_equal(s.len, 65535);
}

static bool seg_same(const uint8_t *a, size_t la, const uint8_t *b, size_t lb)
{
	struct buf ba, bb;
	struct pkt_tcp_seg sa, sb;
	buf_init_read(&ba, a, la);
	buf_init_read(&bb, b, lb);
	assert_int_equal(pkt_parse_tcp_seg(&ba, &sa), 0);
	assert_int_equal(pkt_parse_tcp_seg(&bb, &sb), 0);
	bool r = pkt_tcp_seg_same_flow(&ba, &sa, &bb, &sb);
	assert_int_equal(pkt_tcp_seg_same_flow(&bb, &sb, &ba, &sa), r);
	return r;
}

static void test_tcp_seg_same_flow(void **state)
{
	(void)state;
	static uint8_t a[2048], b[2048];
	size_t la, lb;

	for (int v = 4; v <= 6; v += 2) {
		size_t l3 = v == 4 ? 20 : 40;
		la = seg_mk(a, v, 100, 1000);
		/* what may differ: length, ID, sequence, checksums, PSH */
		lb = seg_mk(b, v, 50, 1100);
		if (v == 4)
			put16(b + 4, 0x1235);
		b[l3 + 13] = PKT_TCP_ACK;
		seg_fix(b, lb);
		assert_true(seg_same(a, la, b, lb));
		assert_true(seg_same(a, la, a, la));
		/* what may not: each field alone (byte offset, relative to the header) */
		const struct {
			int l4;
			size_t off;
			uint8_t bit;
		} fields[] = {
		    {0, 1, 0x01},  /* IPv4 TOS / IPv6 traffic class */
		    {0, 3, 0x01},  /* IPv6 flow label */
		    {0, 6, 0x40},  /* IPv4 DF / -- */
		    {0, 7, 0x01},  /* -- / IPv6 hop limit */
		    {0, 8, 0x01},  /* IPv4 TTL / IPv6 source */
		    {0, 13, 0x01}, /* source address */
		    {0, 19, 0x01}, /* destination address (IPv4) */
		    {0, 39, 0x01}, /* destination address (IPv6) */
		    {1, 1, 0x01},  /* source port */
		    {1, 3, 0x01},  /* destination port */
		    {1, 11, 0x01}, /* ack */
		    {1, 14, 0x01}, /* window */
		    {1, 19, 0x01}, /* urgent pointer */
		    {1, 31, 0x01}, /* an option byte */
		};
		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
			size_t off = (fields[i].l4 ? l3 : 0) + fields[i].off;
			if (!fields[i].l4 && off >= l3)
				continue;
			if (v == 4 && !fields[i].l4 && (off == 3 || off == 7))
				continue; /* IPv4 length / fragment offset: not this test */
			if (v == 6 && !fields[i].l4 && off == 6)
				continue; /* IPv6 next header: TCP both */
			lb = seg_mk(b, v, 100, 1100);
			if (v == 4)
				put16(b + 4, 0x1235);
			b[off] ^= fields[i].bit;
			seg_fix(b, lb);
			assert_false(seg_same(a, la, b, lb));
		}
		/* other TCP options length */
		lb = seg_mk(b, v, 100, 1100);
		b[l3 + 12] = 0x70;
		seg_fix(b, lb);
		assert_false(seg_same(a, la, b, lb));
	}
	/* IPv4 against IPv6 */
	la = seg_mk(a, 4, 100, 1000);
	lb = seg_mk(b, 6, 100, 1100);
	assert_false(seg_same(a, la, b, lb));
}

static void test_vnet_hdr(void **state)
{
	(void)state;
	/* NEEDS_CSUM, TCPV4 with ECN, hdr_len 66, gso_size 1448, csum_start 20, csum_offset
	 * 16 (little endian), then the packet */
	static const uint8_t h[] = {0x01, 0x81, 66, 0, 0xa8, 0x05, 20, 0, 16, 0, 0x45};
	struct buf b, w;
	struct pkt_vnet v;
	uint8_t out[PKT_VNET_HDR_LEN];

	buf_init_read(&b, h, sizeof(h));
	assert_int_equal(pkt_parse_vnet_hdr(&b, &v), 0);
	assert_int_equal(buf_offset(&b), PKT_VNET_HDR_LEN);
	assert_int_equal(v.flags, PKT_VNET_F_NEEDS_CSUM);
	assert_int_equal(v.gso_type, 1);
	assert_true(v.ecn);
	assert_int_equal(v.hdr_len, 66);
	assert_int_equal(v.gso_size, 1448);
	assert_int_equal(v.csum_start, 20);
	assert_int_equal(v.csum_offset, 16);
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(pkt_build_vnet_hdr(&w, &v), 0);
	assert_int_equal(buf_len(&w), PKT_VNET_HDR_LEN);
	assert_memory_equal(out, h, PKT_VNET_HDR_LEN);
	/* short: not consumed; no room: nothing written */
	for (size_t n = 0; n < PKT_VNET_HDR_LEN; n++) {
		buf_init_read(&b, h, n);
		assert_int_equal(pkt_parse_vnet_hdr(&b, &v), -1);
		assert_int_equal(buf_offset(&b), 0);
		buf_init_write(&w, out, n);
		assert_int_equal(pkt_build_vnet_hdr(&w, &v), -1);
		assert_int_equal(buf_len(&w), 0);
	}
}

static void test_icmp4_frag_needed(void **state)
{
	(void)state;
	uint8_t out[600];
	struct buf in, w;
	struct ipaddr gw;

	ip(&gw, "198.51.100.1");
	buf_init_read(&in, p4_vec, sizeof(p4_vec));
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(pkt_build_icmp4_frag_needed(&w, &in, &gw, 1444), 0);
	assert_int_equal(buf_len(&w), sizeof(f4_vec));
	assert_memory_equal(out, f4_vec, sizeof(f4_vec));

	/* a large packet is quoted up to 576 bytes in all */
	uint8_t big[1500];
	memset(big, 0xab, sizeof(big));
	memcpy(big, p4_vec, 20);
	big[2] = 1500 >> 8;
	big[3] = 1500 & 0xff;
	big[9] = PKT_PROTO_TCP;
	buf_init_read(&in, big, sizeof(big));
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(pkt_build_icmp4_frag_needed(&w, &in, &gw, 1400), 0);
	assert_int_equal(buf_len(&w), 576);
	assert_int_equal(pkt_csum(out, 20), 0);
	assert_int_equal(pkt_csum(out + 20, 556), 0);
	/* out too small */
	buf_init_write(&w, out, 100);
	assert_int_equal(pkt_build_icmp4_frag_needed(&w, &in, &gw, 1400), -1);
	assert_int_equal(buf_len(&w), 0);
	/* never about an ICMP error */
	uint8_t ie[28] = {0x45, 0, 0,	28, 0,	 0, 0, 0, 64, 1, 0, 0, 198, 51,
			  100,	5, 203, 0,  113, 9, 3, 1, 0,  0, 0, 0, 0,   0};
	buf_init_read(&in, ie, sizeof(ie));
	assert_false(pkt_icmp_error_allowed(&in));
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(pkt_build_icmp4_frag_needed(&w, &in, &gw, 1400), -1);
	ie[20] = 8; /* echo request is fine */
	assert_true(pkt_icmp_error_allowed(&in));
	ie[12] = 224; /* multicast source */
	assert_false(pkt_icmp_error_allowed(&in));
	ie[12] = 198;
	assert_true(pkt_icmp_error_allowed(&in));
	/* RFC 1812 §4.3.2.7: never about a datagram sent to multicast or broadcast */
	ie[16] = 239;
	assert_false(pkt_icmp_error_allowed(&in));
	memset(ie + 16, 255, 4);
	assert_false(pkt_icmp_error_allowed(&in));
	ie[19] = 254; /* an ordinary unicast destination again */
	assert_true(pkt_icmp_error_allowed(&in));
	/* wrong family */
	buf_init_read(&in, p6_vec, sizeof(p6_vec));
	assert_int_equal(pkt_build_icmp4_frag_needed(&w, &in, &gw, 1400), -1);
}

static void test_icmp6_too_big(void **state)
{
	(void)state;
	uint8_t out[1400];
	struct buf in, w;
	struct ipaddr gw;

	ip(&gw, "2001:db8:100::1");
	buf_init_read(&in, p6_vec, sizeof(p6_vec));
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(pkt_build_icmp6_too_big(&w, &in, &gw, 1444), 0);
	assert_int_equal(buf_len(&w), sizeof(t6_vec));
	assert_memory_equal(out, t6_vec, sizeof(t6_vec));

	uint8_t big[1500];
	memset(big, 0xcd, sizeof(big));
	memcpy(big, p6_vec, 40);
	big[4] = (1460) >> 8;
	big[5] = 1460 & 0xff;
	buf_init_read(&in, big, sizeof(big));
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(pkt_build_icmp6_too_big(&w, &in, &gw, 1280), 0);
	assert_int_equal(buf_len(&w), 1280);
	struct ipaddr dst;
	ip(&dst, "2001:db8:100::5");
	uint32_t s = pkt_csum_pseudo6(&gw, &dst, 1240, PKT_PROTO_ICMPV6);
	assert_int_equal(pkt_csum_fold(pkt_csum_add(s, out + 40, 1240)), 0);
	/* not about an ICMPv6 error */
	uint8_t e[48];
	memcpy(e, p6_vec, 40);
	e[4] = 0;
	e[5] = 8;
	e[6] = PKT_PROTO_ICMPV6;
	memset(e + 40, 0, 8);
	e[40] = 1;
	buf_init_read(&in, e, sizeof(e));
	assert_false(pkt_icmp_error_allowed(&in));
	e[40] = 128;
	assert_true(pkt_icmp_error_allowed(&in));
}

static void test_eth(void **state)
{
	(void)state;
	struct buf b;
	struct pkt_eth e;
	const uint8_t f[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0,    0,	  0,
			     0,	   5,	 0x81, 0x00, 0x20, 0x64, 0x08, 0x06, 0xaa};
	buf_init_read(&b, f, sizeof(f));
	assert_int_equal(pkt_parse_eth(&b, &e), 0);
	assert_int_equal(e.ethertype, PKT_ETH_ARP);
	assert_int_equal(e.vlan, 100);
	assert_int_equal(e.ntags, 1);
	assert_int_equal(buf_left(&b), 1);
	assert_true(pkt_mac_is_multicast(e.dst));
	assert_false(pkt_mac_is_multicast(e.src));
	assert_int_equal(e.src[5], 5);
	for (size_t n = 0; n < 18; n++) {
		buf_init_read(&b, f, n);
		assert_int_equal(pkt_parse_eth(&b, &e), -1);
		assert_int_equal(buf_offset(&b), 0);
	}
	/* 802.3 length field */
	const uint8_t l[] = {1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6, 0x00, 0x40};
	buf_init_read(&b, l, sizeof(l));
	assert_int_equal(pkt_parse_eth(&b, &e), -1);
	/* three tags are too many */
	const uint8_t t[] = {1,	   2, 3, 4,    5, 6, 1, 2,    3, 4, 5, 6,    0x88,
			     0xa8, 0, 1, 0x81, 0, 0, 2, 0x81, 0, 0, 3, 0x08, 0x00};
	buf_init_read(&b, t, sizeof(t));
	assert_int_equal(pkt_parse_eth(&b, &e), -1);
	/* build */
	uint8_t o[14];
	struct buf w;
	buf_init_write(&w, o, sizeof(o));
	assert_int_equal(pkt_build_eth(&w, f, f + 6, PKT_ETH_IPV6), 0);
	assert_memory_equal(o, f, 12);
	assert_int_equal(o[12], 0x86);
	assert_int_equal(pkt_build_eth(&w, f, f + 6, PKT_ETH_IPV6), -1);
}

static void test_arp(void **state)
{
	(void)state;
	struct buf b;
	struct pkt_arp a;
	/* GARP request for 198.51.100.5 from 02:..:05 */
	uint8_t g[28] = {0,   1,  8,   0, 6, 4, 0, 1, 2, 0, 0,	 0,  0,	  5,
			 198, 51, 100, 5, 0, 0, 0, 0, 0, 0, 198, 51, 100, 5};
	buf_init_read(&b, g, sizeof(g));
	assert_int_equal(pkt_parse_arp(&b, &a), 0);
	assert_int_equal(buf_left(&b), 0);
	assert_true(a.garp);
	assert_false(a.probe);
	assert_false(a.rarp);
	assert_int_equal(a.op, PKT_ARP_REQUEST);
	assert_int_equal(a.sha[5], 5);
	/* built back byte for byte; refused: a bad opcode, an address not IPv4, no room */
	uint8_t out[28];
	struct buf w;
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(pkt_build_arp(&w, &a), 0);
	assert_int_equal(buf_len(&w), 28);
	assert_memory_equal(out, g, 28);
	struct pkt_arp bad = a;
	bad.op = 5;
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(pkt_build_arp(&w, &bad), -1);
	bad = a;
	bad.tpa.afi = LISP_AFI_IPV6;
	assert_int_equal(pkt_build_arp(&w, &bad), -1);
	buf_init_write(&w, out, 27);
	assert_int_equal(pkt_build_arp(&w, &a), -1);
	assert_int_equal(buf_len(&w), 0);
	/* ordinary request */
	g[27] = 1;
	buf_init_read(&b, g, sizeof(g));
	assert_int_equal(pkt_parse_arp(&b, &a), 0);
	assert_false(a.garp);
	/* probe: sender 0.0.0.0 */
	memset(g + 14, 0, 4);
	buf_init_read(&b, g, sizeof(g));
	assert_int_equal(pkt_parse_arp(&b, &a), 0);
	assert_true(a.probe);
	assert_false(a.garp);
	/* RARP request (QEMU self-announce) */
	g[7] = PKT_RARP_REQUEST;
	buf_init_read(&b, g, sizeof(g));
	assert_int_equal(pkt_parse_arp(&b, &a), 0);
	assert_true(a.rarp);
	assert_false(a.probe);
	/* bad opcode, hlen, ptype, truncation */
	g[7] = 9;
	buf_init_read(&b, g, sizeof(g));
	assert_int_equal(pkt_parse_arp(&b, &a), -1);
	g[7] = 1;
	g[4] = 8;
	buf_init_read(&b, g, sizeof(g));
	assert_int_equal(pkt_parse_arp(&b, &a), -1);
	g[4] = 6;
	g[2] = 0x86;
	buf_init_read(&b, g, sizeof(g));
	assert_int_equal(pkt_parse_arp(&b, &a), -1);
	g[2] = 0x08;
	for (size_t n = 0; n < sizeof(g); n++) {
		buf_init_read(&b, g, n);
		assert_int_equal(pkt_parse_arp(&b, &a), -1);
	}
}

static void test_nd_ns_na(void **state)
{
	(void)state;
	struct buf b, w;
	struct pkt_nd ns, na;
	struct ipaddr gwll, t;
	char s[IPADDR_STRLEN];
	uint8_t out[128];

	buf_init_read(&b, ns_vec, sizeof(ns_vec));
	assert_int_equal(pkt_parse_nd(&b, &ns), 0);
	assert_int_equal(ns.type, PKT_ND_NS);
	assert_string_equal(ipaddr_str(&ns.target, s, sizeof(s)), "2001:db8:100::77");
	assert_true(ns.has_sllao);
	assert_int_equal(ns.sllao[5], 5);
	assert_false(ns.dad);
	/* built back byte for byte; refused: another type, an address not IPv6, no room */
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(pkt_build_nd(&w, &ns), 0);
	assert_int_equal(buf_len(&w), sizeof(ns_vec));
	assert_memory_equal(out, ns_vec, sizeof(ns_vec));
	struct pkt_nd bad = ns;
	bad.type = 137;
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(pkt_build_nd(&w, &bad), -1);
	bad = ns;
	bad.dst.afi = LISP_AFI_IPV4;
	assert_int_equal(pkt_build_nd(&w, &bad), -1);
	buf_init_write(&w, out, sizeof(ns_vec) - 1);
	assert_int_equal(pkt_build_nd(&w, &ns), -1);
	assert_int_equal(buf_len(&w), 0);

	pkt_mac_to_ll(gw_mac, &gwll);
	assert_string_equal(ipaddr_str(&gwll, s, sizeof(s)), "fe80::ff:fe00:101");
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(pkt_build_na(&w, &ns, gw_mac, &gwll), 0);
	assert_int_equal(buf_len(&w), sizeof(na_vec));
	assert_memory_equal(out, na_vec, sizeof(na_vec));

	/* the NA parses back */
	buf_init_read(&b, na_vec, sizeof(na_vec));
	assert_int_equal(pkt_parse_nd(&b, &na), 0);
	assert_int_equal(na.type, PKT_ND_NA);
	assert_true(na.has_tllao);
	assert_memory_equal(na.tllao, gw_mac, 6);
	assert_int_equal(na.flags, PKT_NA_F_SOLICITED | PKT_NA_F_OVERRIDE);
	assert_false(na.unsolicited);

	/* too small an output */
	buf_init_write(&w, out, 71);
	assert_int_equal(pkt_build_na(&w, &ns, gw_mac, &gwll), -1);

	/* truncations and a flipped byte (checksum) are rejected */
	for (size_t n = 0; n < sizeof(ns_vec); n++) {
		buf_init_read(&b, ns_vec, n);
		assert_int_equal(pkt_parse_nd(&b, &ns), -1);
	}
	uint8_t m[sizeof(ns_vec)];
	memcpy(m, ns_vec, sizeof(m));
	m[60] ^= 1;
	buf_init_read(&b, m, sizeof(m));
	assert_int_equal(pkt_parse_nd(&b, &ns), -1);
	/* from a multicast source (checksum fixed up): answering it would send a solicited NA
	 * to a group (found by fuzz_pkt) */
	memcpy(m, ns_vec, sizeof(m));
	uint16_t c = (uint16_t)((m[42] << 8) | m[43]);
	c = pkt_csum_update16(c, (uint16_t)((m[8] << 8) | m[9]), 0xff02);
	m[8] = 0xff;
	m[9] = 0x02;
	m[42] = (uint8_t)(c >> 8);
	m[43] = (uint8_t)c;
	buf_init_read(&b, m, sizeof(m));
	assert_int_equal(pkt_parse_nd(&b, &ns), -1);
	m[8] = 0xfe; /* the same with a unicast source is accepted */
	m[9] = 0x80;
	c = pkt_csum_update16(c, 0xff02, 0xfe80);
	m[42] = (uint8_t)(c >> 8);
	m[43] = (uint8_t)c;
	buf_init_read(&b, m, sizeof(m));
	assert_int_equal(pkt_parse_nd(&b, &ns), 0);
	/* hop limit != 255 */
	memcpy(m, ns_vec, sizeof(m));
	m[7] = 254;
	buf_init_read(&b, m, sizeof(m));
	assert_int_equal(pkt_parse_nd(&b, &ns), -1);
	/* option length 0 (checksum fixed up) */
	memcpy(m, ns_vec, sizeof(m));
	c = (uint16_t)((m[42] << 8) | m[43]);
	c = pkt_csum_update16(c, 0x0101, 0x0100);
	m[65] = 0;
	m[42] = (uint8_t)(c >> 8);
	m[43] = (uint8_t)c;
	buf_init_read(&b, m, sizeof(m));
	assert_int_equal(pkt_parse_nd(&b, &ns), -1);

	/* DAD NS: source ::, no SLLAO, to the solicited-node address */
	uint8_t d[64];
	memcpy(d, ns_vec, 64);
	d[5] = 24;
	memset(d + 8, 0, 16);
	d[42] = d[43] = 0;
	struct ipaddr zero = {.afi = LISP_AFI_IPV6}, sn;
	ip(&t, "2001:db8:100::77");
	pkt_solicited_node(&t, &sn);
	assert_memory_equal(sn.a, d + 24, 16);
	uint32_t sum = pkt_csum_pseudo6(&zero, &sn, 24, PKT_PROTO_ICMPV6);
	c = pkt_csum_fold(pkt_csum_add(sum, d + 40, 24));
	d[42] = (uint8_t)(c >> 8);
	d[43] = (uint8_t)c;
	buf_init_read(&b, d, sizeof(d));
	assert_int_equal(pkt_parse_nd(&b, &ns), 0);
	assert_true(ns.dad);
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(pkt_build_na(&w, &ns, gw_mac, &gwll), -1); /* never answer DAD */

	/* unsolicited NA (O=1, S=0) to ff02::1 */
	uint8_t u[sizeof(na_vec)];
	memcpy(u, na_vec, sizeof(u));
	struct ipaddr all, src;
	ip(&all, "ff02::1");
	ip(&src, "2001:db8:100::5");
	memcpy(u + 8, src.a, 16);
	memcpy(u + 24, all.a, 16);
	u[44] = 0x20;
	u[42] = u[43] = 0;
	sum = pkt_csum_pseudo6(&src, &all, 32, PKT_PROTO_ICMPV6);
	c = pkt_csum_fold(pkt_csum_add(sum, u + 40, 32));
	u[42] = (uint8_t)(c >> 8);
	u[43] = (uint8_t)c;
	buf_init_read(&b, u, sizeof(u));
	assert_int_equal(pkt_parse_nd(&b, &na), 0);
	assert_true(na.unsolicited);
	/* solicited NA to multicast is invalid */
	u[44] = 0x60;
	c = (uint16_t)((u[42] << 8) | u[43]);
	c = pkt_csum_update16(c, 0x2000, 0x6000);
	u[42] = (uint8_t)(c >> 8);
	u[43] = (uint8_t)c;
	buf_init_read(&b, u, sizeof(u));
	assert_int_equal(pkt_parse_nd(&b, &na), -1);
	/* not ICMPv6 */
	buf_init_read(&b, p6_vec, sizeof(p6_vec));
	assert_int_equal(pkt_parse_nd(&b, &na), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_csum),	  cmocka_unit_test(test_parse_ip4),
	    cmocka_unit_test(test_parse_ip6),	  cmocka_unit_test(test_flow_hash),
	    cmocka_unit_test(test_parse_udp),	  cmocka_unit_test(test_parse_tcp),
	    cmocka_unit_test(test_tcp_seg),	  cmocka_unit_test(test_tcp_seg_same_flow),
	    cmocka_unit_test(test_vnet_hdr),	  cmocka_unit_test(test_icmp4_frag_needed),
	    cmocka_unit_test(test_icmp6_too_big), cmocka_unit_test(test_eth),
	    cmocka_unit_test(test_arp),		  cmocka_unit_test(test_nd_ns_na),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
