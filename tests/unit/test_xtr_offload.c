/* SPDX-License-Identifier: ISC */
/* tests/unit/test_xtr_offload.c - xtr/offload.c: a TCP super-packet (IPv4 with options,
 * IPv6) cut into segments byte for byte (lengths, IPv4 IDs, sequence numbers, PSH only on
 * the last, every checksum valid, payload in order), a UDP (USO) super-packet, refusals,
 * partial-checksum completion, and the ETR coalescer: consecutive segments merged into one
 * GSO super-packet (header fields, partial checksum that completes to a valid one),
 * anything else passed through in order (UDP, bad checksum, a gap in the sequence). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "proto/pkt.h"
#include "xtr/offload.h"
#include "xtr/xtr.h"

static uint16_t g16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t g32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* L4 checksum of a whole packet verifies (0 when correct). */
static uint16_t l4_check(const uint8_t *p, size_t len, uint8_t proto)
{
	uint32_t s;
	size_t l3 = (p[0] >> 4) == 4 ? (size_t)(p[0] & 15) * 4 : 40;
	uint32_t l4len = (uint32_t)(len - l3);
	if ((p[0] >> 4) == 4)
		s = pkt_csum_add(0, p + 12, 8);
	else
		s = pkt_csum_add(0, p + 8, 32);
	s += proto + (l4len >> 16) + (l4len & 0xffff);
	return pkt_csum_fold(pkt_csum_add(s, p + l3, l4len));
}

/* IPv4 (DF, ID 0x1234) or IPv6 TCP packet, 12 bytes of options, `pl` payload bytes. */
static size_t mk_tcp(uint8_t *p, int v, size_t pl, uint32_t seq, uint8_t flags)
{
	size_t l3 = v == 4 ? 20 : 40, len = l3 + 32 + pl;
	memset(p, 0, l3 + 32);
	if (v == 4) {
		p[0] = 0x45;
		p[2] = (uint8_t)(len >> 8);
		p[3] = (uint8_t)len;
		p[4] = 0x12;
		p[5] = 0x34;
		p[6] = 0x40;
		p[8] = 64;
		p[9] = 6;
		memcpy(p + 12, (uint8_t[]){198, 51, 100, 10, 203, 0, 113, 10}, 8);
		uint16_t c = pkt_csum(p, 20);
		p[10] = (uint8_t)(c >> 8);
		p[11] = (uint8_t)c;
	} else {
		p[0] = 0x60;
		p[4] = (uint8_t)((len - 40) >> 8);
		p[5] = (uint8_t)(len - 40);
		p[6] = 6;
		p[7] = 64;
		p[8] = 0x20;
		p[9] = 0x01;
		p[23] = 1;
		p[24] = 0x20;
		p[25] = 0x01;
		p[39] = 2;
	}
	uint8_t *t = p + l3;
	t[0] = 0x9c;
	t[1] = 0x40; /* 40000 */
	t[2] = 0x14;
	t[3] = 0x51; /* 5201 */
	t[4] = (uint8_t)(seq >> 24);
	t[5] = (uint8_t)(seq >> 16);
	t[6] = (uint8_t)(seq >> 8);
	t[7] = (uint8_t)seq;
	t[11] = 7;    /* ack */
	t[12] = 0x80; /* 32 bytes */
	t[13] = flags;
	t[14] = 0x01;
	t[20] = 1;
	t[21] = 1;
	t[22] = 8;
	t[23] = 10;
	t[27] = 5; /* TSval */
	for (size_t i = 0; i < pl; i++)
		p[l3 + 32 + i] = (uint8_t)(i * 7 + seq);
	uint16_t c = l4_check(p, len, 6);
	t[16] = (uint8_t)(c >> 8);
	t[17] = (uint8_t)c;
	assert_int_equal(l4_check(p, len, 6), 0);
	return len;
}

static void check_segments(int v)
{
	static uint8_t pkt[65536], out[200000];
	struct xtr_seg segs[XTR_GSO_MAXSEG];
	size_t l3 = v == 4 ? 20 : 40;
	size_t len = mk_tcp(pkt, v, 2500, 1000000, 0x18 /* ACK PSH */);
	struct xtr_offload o = {.gso_type = v == 4 ? XTR_GSO_TCPV4 : XTR_GSO_TCPV6,
				.gso_size = 1000,
				.hdr_len = (uint16_t)(l3 + 32)};

	assert_true(xtr_gso_space(len, 1000) <= sizeof(out));
	int n = xtr_gso_segment(pkt, len, &o, out, sizeof(out), segs, XTR_GSO_MAXSEG);
	assert_int_equal(n, 3);
	for (int i = 0; i < n; i++) {
		const uint8_t *p = segs[i].p;
		size_t pl = i < 2 ? 1000 : 500;
		assert_true(p - out >= XTR_ENCAP_HLEN);
		assert_int_equal(segs[i].len, l3 + 32 + pl);
		if (v == 4) {
			assert_int_equal(g16(p + 2), segs[i].len);
			assert_int_equal(g16(p + 4), 0x1234 + i);
			assert_int_equal(pkt_csum(p, 20), 0);
			assert_memory_equal(p + 6, pkt + 6, 4); /* DF, TTL, protocol */
		} else {
			assert_int_equal(g16(p + 4), segs[i].len - 40);
			assert_memory_equal(p + 6, pkt + 6, 34);
		}
		assert_int_equal(g32(p + l3 + 4), 1000000 + 1000 * i);
		assert_int_equal(p[l3 + 13], i == 2 ? 0x18 : 0x10);
		assert_memory_equal(p + l3 + 20, pkt + l3 + 20, 12); /* options */
		assert_memory_equal(p + l3 + 32, pkt + l3 + 32 + 1000 * (size_t)i, pl);
		assert_int_equal(l4_check(p, segs[i].len, 6), 0);
	}
}

static void t_segment_v4(void **s)
{
	(void)s;
	check_segments(4);
}

static void t_segment_v6(void **s)
{
	(void)s;
	check_segments(6);
}

static void t_segment_udp_and_refusals(void **s)
{
	(void)s;
	static uint8_t pkt[4096], out[65536];
	struct xtr_seg segs[8];
	size_t len = 20 + 8 + 2000;
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 0x45;
	pkt[2] = (uint8_t)(len >> 8);
	pkt[3] = (uint8_t)len;
	pkt[8] = 64;
	pkt[9] = 17;
	memcpy(pkt + 12, (uint8_t[]){10, 0, 0, 1, 10, 0, 0, 2}, 8);
	pkt[20] = 0x10;
	pkt[22] = 0x23;
	for (size_t i = 28; i < len; i++)
		pkt[i] = (uint8_t)i;
	struct xtr_offload o = {.gso_type = XTR_GSO_UDP_L4, .gso_size = 1200};
	int n = xtr_gso_segment(pkt, len, &o, out, sizeof(out), segs, 8);
	assert_int_equal(n, 2);
	assert_int_equal(segs[0].len, 1228);
	assert_int_equal(segs[1].len, 828);
	assert_int_equal(g16(segs[1].p + 24), 808); /* UDP length */
	assert_int_equal(l4_check(segs[0].p, segs[0].len, 17), 0);
	assert_int_equal(l4_check(segs[1].p, segs[1].len, 17), 0);
	assert_memory_equal(segs[1].p + 28, pkt + 28 + 1200, 800);
	/* refused: gso_size 0, wrong type for the protocol, too many segments, no room */
	o.gso_size = 0;
	assert_int_equal(xtr_gso_segment(pkt, len, &o, out, sizeof(out), segs, 8), -1);
	o.gso_size = 100;
	assert_int_equal(xtr_gso_segment(pkt, len, &o, out, sizeof(out), segs, 8), -1);
	o.gso_size = 1200;
	o.gso_type = XTR_GSO_TCPV4;
	assert_int_equal(xtr_gso_segment(pkt, len, &o, out, sizeof(out), segs, 8), -1);
	o.gso_type = XTR_GSO_UDP_L4;
	assert_int_equal(xtr_gso_segment(pkt, len, &o, out, 1500, segs, 8), -1);
}

static void t_csum_complete(void **s)
{
	(void)s;
	static uint8_t pkt[2048];
	size_t len = mk_tcp(pkt, 4, 700, 1, 0x10);
	uint8_t want[2];
	memcpy(want, pkt + 36, 2);
	/* what the kernel hands over with NEEDS_CSUM: the pseudo-header sum, folded */
	uint32_t ps = pkt_csum_add(0, pkt + 12, 8) + 6 + (uint32_t)(len - 20);
	uint16_t partial = (uint16_t)~pkt_csum_fold(ps);
	pkt[36] = (uint8_t)(partial >> 8);
	pkt[37] = (uint8_t)partial;
	assert_int_equal(xtr_csum_complete(pkt, len, 20, 16), 0);
	assert_memory_equal(pkt + 36, want, 2);
	assert_int_equal(xtr_csum_complete(pkt, len, (uint16_t)len, 16), -1);
}

/* ---------------------------------------------------------------- coalescing */

struct outrec {
	int n;
	size_t len[8];
	bool gso[8];
	struct xtr_offload o[8];
	uint8_t data[8][65536];
};
static struct outrec rec;

static int rec_out(void *arg, const struct xtr_offload *o, const uint8_t *pkt, size_t len)
{
	(void)arg;
	assert_true(rec.n < 8);
	rec.len[rec.n] = len;
	rec.gso[rec.n] = o != NULL;
	if (o)
		rec.o[rec.n] = *o;
	memcpy(rec.data[rec.n], pkt, len);
	rec.n++;
	return 0;
}

static void check_gro(int v)
{
	static uint8_t pkt[65536], out[200000];
	struct xtr_seg segs[XTR_GSO_MAXSEG];
	struct xtr_gro g;
	size_t l3 = v == 4 ? 20 : 40;
	size_t len = mk_tcp(pkt, v, 2500, 1000000, 0x18);
	struct xtr_offload o = {.gso_type = v == 4 ? XTR_GSO_TCPV4 : XTR_GSO_TCPV6,
				.gso_size = 1000};
	int n = xtr_gso_segment(pkt, len, &o, out, sizeof(out), segs, XTR_GSO_MAXSEG);
	assert_int_equal(n, 3);

	memset(&rec, 0, sizeof(rec));
	assert_int_equal(xtr_gro_init(&g, rec_out, NULL), 0);
	for (int i = 0; i < n; i++)
		assert_int_equal(xtr_gro_add(&g, segs[i].p, segs[i].len), 0);
	assert_int_equal(rec.n, 0);
	xtr_gro_flush(&g);
	assert_int_equal(rec.n, 1);
	assert_true(rec.gso[0]);
	assert_int_equal(rec.len[0], len);
	assert_int_equal(rec.o[0].gso_type, o.gso_type);
	assert_int_equal(rec.o[0].gso_size, 1000);
	assert_int_equal(rec.o[0].hdr_len, l3 + 32);
	assert_int_equal(rec.o[0].csum_start, l3);
	assert_int_equal(rec.o[0].csum_offset, 16);
	assert_true(rec.o[0].needs_csum);
	uint8_t *m = rec.data[0];
	if (v == 4) {
		assert_int_equal(pkt_csum(m, 20), 0);
		assert_memory_equal(m, pkt, 20); /* the first segment's header = the original */
	} else {
		assert_memory_equal(m, pkt, 40);
	}
	assert_int_equal(xtr_csum_complete(m, len, (uint16_t)l3, 16), 0);
	assert_memory_equal(m, pkt, len); /* byte for byte the super-packet we cut */
	assert_int_equal(g.merged, 2);
	xtr_gro_fini(&g);
}

static void t_gro_v4(void **s)
{
	(void)s;
	check_gro(4);
}

static void t_gro_v6(void **s)
{
	(void)s;
	check_gro(6);
}

static void t_gro_passthrough(void **s)
{
	(void)s;
	static uint8_t a[2048], b[2048], c[2048], u[64];
	struct xtr_gro g;
	size_t la = mk_tcp(a, 4, 1000, 1, 0x10);
	size_t lb = mk_tcp(b, 4, 1000, 5001, 0x10); /* a gap: not merged */
	size_t lc = mk_tcp(c, 4, 1000, 6001, 0x10);
	b[4] = 0x12;
	b[5] = 0x35; /* next IPv4 ID */
	b[10] = b[11] = 0;
	uint16_t ck = pkt_csum(b, 20);
	b[10] = (uint8_t)(ck >> 8);
	b[11] = (uint8_t)ck;
	c[4] = 0x12;
	c[5] = 0x36;
	c[10] = c[11] = 0;
	ck = pkt_csum(c, 20);
	c[10] = (uint8_t)(ck >> 8);
	c[11] = (uint8_t)ck;
	c[60] ^= 1; /* bad TCP checksum: written through, never merged */
	memset(u, 0, sizeof(u));
	u[0] = 0x45;
	u[3] = 40;
	u[9] = 17;

	memset(&rec, 0, sizeof(rec));
	assert_int_equal(xtr_gro_init(&g, rec_out, NULL), 0);
	xtr_gro_add(&g, a, la);
	xtr_gro_add(&g, b, lb); /* flushes a (plain), holds b */
	xtr_gro_add(&g, c, lc); /* flushes b, writes c */
	xtr_gro_add(&g, u, 40); /* UDP: through */
	xtr_gro_flush(&g);
	assert_int_equal(rec.n, 4);
	assert_false(rec.gso[0] || rec.gso[1] || rec.gso[2] || rec.gso[3]);
	assert_int_equal(rec.len[0], la);
	assert_memory_equal(rec.data[0], a, la);
	assert_memory_equal(rec.data[1], b, lb);
	assert_memory_equal(rec.data[2], c, lc);
	assert_int_equal(rec.len[3], 40);
	assert_int_equal(g.merged, 0);
	xtr_gro_fini(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_segment_v4),
	    cmocka_unit_test(t_segment_v6),
	    cmocka_unit_test(t_segment_udp_and_refusals),
	    cmocka_unit_test(t_csum_complete),
	    cmocka_unit_test(t_gro_v4),
	    cmocka_unit_test(t_gro_v6),
	    cmocka_unit_test(t_gro_passthrough),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
