/*
 * xtr/offload.c - GSO segmentation (ITR) and TCP segment coalescing (ETR) for the TUN
 * device's virtio_net_hdr offloads; see xtr/offload.h. Every header is re-derived from the
 * parsed packet (proto/pkt.h); a packet that does not parse as expected is refused
 * (segmentation) or written through unchanged (coalescing).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "proto/pkt.h"
#include "proto/buf.h"
#include "xtr/offload.h"
#include "xtr/xtr.h"

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_CWR 0x80

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Running sum of the pseudo-header of the packet at p (version 4 or 6). */
static uint32_t pseudo(const uint8_t *p, uint8_t version, uint8_t proto, uint32_t l4len)
{
	uint32_t s;

	if (version == 4) {
		s = pkt_csum_add(0, p + 12, 8);
		return s + proto + l4len;
	}
	s = pkt_csum_add(0, p + 8, 32);
	return s + proto + (l4len >> 16) + (l4len & 0xffff);
}

/* Fold a running sum without complementing it. */
static uint16_t fold(uint32_t s)
{
	return (uint16_t)~pkt_csum_fold(s);
}

int xtr_csum_complete(uint8_t *pkt, size_t len, uint16_t start, uint16_t off)
{
	if ((size_t)start + off + 2 > len)
		return -1;
	/* the field already holds the pseudo-header sum: the sum over [start, len) is all */
	uint16_t c = pkt_csum(pkt + start, len - start);
	if (c == 0 && off == 6)
		c = 0xffff; /* UDP: 0 means "no checksum" */
	put16(pkt + start + off, c);
	return 0;
}

size_t xtr_gso_space(size_t len, uint16_t gso_size)
{
	size_t n = gso_size ? len / gso_size + 1 : 1;
	/* each segment: headroom, a copy of the headers (<= 60 + 60 for IPv4, more with IPv6
	 * extension headers: bounded by len), rounding to 8 */
	return len + n * (XTR_ENCAP_HLEN + 8 + 128);
}

int xtr_gso_segment(const uint8_t *pkt, size_t len, const struct xtr_offload *o, uint8_t *out,
		    size_t cap, struct xtr_seg *segs, unsigned maxsegs)
{
	struct buf b;
	struct pkt_ip ip;
	size_t hdrs, l3, payload, mss = o->gso_size, off = 0;
	bool tcp;

	buf_init_read(&b, pkt, len);
	if (mss == 0 || pkt_parse_ip(&b, &ip) == -1 || ip.frag)
		return -1;
	l3 = ip.hdr_len;
	if (o->gso_type == XTR_GSO_TCPV4 || o->gso_type == XTR_GSO_TCPV6) {
		if (ip.proto != 6 || ip.version != (o->gso_type == XTR_GSO_TCPV4 ? 4 : 6) ||
		    l3 + 20 > len)
			return -1;
		hdrs = l3 + (size_t)(pkt[l3 + 12] >> 4) * 4;
		if (hdrs < l3 + 20)
			return -1;
		tcp = true;
	} else if (o->gso_type == XTR_GSO_UDP_L4) {
		if (ip.proto != 17)
			return -1;
		hdrs = l3 + 8;
		tcp = false;
	} else {
		return -1;
	}
	if (hdrs > len || hdrs > 256)
		return -1;
	payload = len - hdrs;
	unsigned n = payload ? (unsigned)((payload + mss - 1) / mss) : 1;
	if (n > maxsegs)
		return -1;
	uint16_t id0 = get16(pkt + 4);
	uint32_t seq0 = tcp ? get32(pkt + l3 + 4) : 0;
	uint8_t flags0 = tcp ? pkt[l3 + 13] : 0;
	for (unsigned i = 0; i < n; i++) {
		size_t pos = (size_t)i * mss;
		size_t chunk = payload - pos < mss ? payload - pos : mss;
		size_t seglen = hdrs + chunk;
		if (off + XTR_ENCAP_HLEN + seglen > cap)
			return -1;
		uint8_t *p = out + off + XTR_ENCAP_HLEN;
		memcpy(p, pkt, hdrs);
		memcpy(p + hdrs, pkt + hdrs + pos, chunk);
		if (ip.version == 4) {
			put16(p + 2, (uint16_t)seglen);
			put16(p + 4, (uint16_t)(id0 + i));
			put16(p + 10, 0);
			put16(p + 10, pkt_csum(p, l3));
		} else {
			put16(p + 4, (uint16_t)(seglen - 40));
		}
		uint8_t *l4 = p + l3;
		uint32_t l4len = (uint32_t)(seglen - l3);
		if (tcp) {
			uint8_t f = flags0;
			if (i + 1 < n)
				f &= (uint8_t) ~(TCP_FIN | TCP_PSH);
			if (i > 0)
				f &= (uint8_t)~TCP_CWR;
			put32(l4 + 4, seq0 + (uint32_t)pos);
			l4[13] = f;
			put16(l4 + 16, 0);
			put16(l4 + 16, pkt_csum_fold(pkt_csum_add(pseudo(p, ip.version, 6, l4len),
								  l4, l4len)));
		} else {
			put16(l4 + 4, (uint16_t)l4len);
			put16(l4 + 6, 0);
			uint16_t c = pkt_csum_fold(
			    pkt_csum_add(pseudo(p, ip.version, 17, l4len), l4, l4len));
			put16(l4 + 6, c ? c : 0xffff);
		}
		segs[i].p = p;
		segs[i].len = seglen;
		off += (XTR_ENCAP_HLEN + seglen + 7) & ~(size_t)7;
	}
	return (int)n;
}

/* ---------------------------------------------------------------- coalescing */

int xtr_gro_init(struct xtr_gro *g, xtr_gro_out out, void *arg)
{
	memset(g, 0, sizeof(*g));
	g->buf = malloc(XTR_GRO_MAX);
	g->out = out;
	g->arg = arg;
	return g->buf ? 0 : -1;
}

void xtr_gro_fini(struct xtr_gro *g)
{
	free(g->buf);
	g->buf = NULL;
	g->len = 0;
}

void xtr_gro_flush(struct xtr_gro *g)
{
	uint8_t *p = g->buf;

	if (g->len == 0)
		return;
	if (g->nseg == 1) {
		g->out(g->arg, NULL, p, g->len);
		g->len = 0;
		return;
	}
	uint32_t l4len = (uint32_t)(g->len - g->l3);
	if (g->version == 4) {
		put16(p + 2, (uint16_t)g->len);
		put16(p + 10, 0);
		put16(p + 10, pkt_csum(p, g->l3));
	} else {
		put16(p + 4, (uint16_t)(g->len - 40));
	}
	/* NEEDS_CSUM: the field holds the pseudo-header sum (Linux tcp_v4_send_check) */
	put16(p + g->l3 + 16, fold(pseudo(p, g->version, 6, l4len)));
	struct xtr_offload o = {.needs_csum = true,
				.gso_type = g->version == 4 ? XTR_GSO_TCPV4 : XTR_GSO_TCPV6,
				.hdr_len = g->hdrs,
				.gso_size = g->mss,
				.csum_start = g->l3,
				.csum_offset = 16};
	g->out(g->arg, &o, p, g->len);
	g->len = 0;
}

/* A TCP segment that may be merged: its header length, or 0. */
static size_t candidate(const uint8_t *p, size_t len, uint8_t *version, size_t *l3)
{
	if (len < 40)
		return 0;
	*version = p[0] >> 4;
	if (*version == 4) {
		/* no IP options, not a fragment, total length exact */
		if (p[0] != 0x45 || p[9] != 6 || (get16(p + 6) & 0x3fff) || get16(p + 2) != len)
			return 0;
		*l3 = 20;
	} else if (*version == 6) {
		if (len < 60 || p[6] != 6 || (size_t)get16(p + 4) + 40 != len)
			return 0;
		*l3 = 40;
	} else {
		return 0;
	}
	size_t hdrs = *l3 + (size_t)(p[*l3 + 12] >> 4) * 4;
	uint8_t f = p[*l3 + 13];
	if (hdrs < *l3 + 20 || hdrs >= len || (f & ~(TCP_ACK | TCP_PSH)) || !(f & TCP_ACK))
		return 0;
	/* the kernel trusts a merged packet's data: check the segment's own checksum */
	if (pkt_csum_fold(pkt_csum_add(pseudo(p, *version, 6, (uint32_t)(len - *l3)), p + *l3,
				       len - *l3)) != 0)
		return 0;
	return hdrs;
}

/* Does segment p (headers hdrs) continue what g holds? */
static bool continues(const struct xtr_gro *g, const uint8_t *p, size_t len, size_t hdrs)
{
	const uint8_t *h = g->buf;
	size_t l3 = g->l3;

	if (g->closed || hdrs != g->hdrs || len - hdrs > g->mss ||
	    g->len + (len - hdrs) > XTR_GRO_MAX)
		return false;
	if (g->version == 4) {
		/* TOS, DF, TTL, protocol, addresses; ID consecutive */
		if (p[1] != h[1] || p[6] != h[6] || p[8] != h[8] || memcmp(p + 12, h + 12, 8) ||
		    get16(p + 4) != g->next_id)
			return false;
	} else {
		/* traffic class + flow label, hop limit, addresses */
		if (memcmp(p, h, 4) || p[7] != h[7] || memcmp(p + 8, h + 8, 32))
			return false;
	}
	/* ports, ack, data offset, flags but PSH, window, options; sequence consecutive */
	if (memcmp(p + l3, h + l3, 4) || get32(p + l3 + 4) != g->next_seq ||
	    memcmp(p + l3 + 8, h + l3 + 8, 5) ||
	    (p[l3 + 13] & ~TCP_PSH) != (h[l3 + 13] & ~TCP_PSH) ||
	    memcmp(p + l3 + 14, h + l3 + 14, 2) || memcmp(p + l3 + 18, h + l3 + 18, hdrs - l3 - 18))
		return false;
	return true;
}

int xtr_gro_add(struct xtr_gro *g, const uint8_t *p, size_t len)
{
	uint8_t version = 0;
	size_t l3 = 0, hdrs = candidate(p, len, &version, &l3);

	if (hdrs && g->len && version == g->version && continues(g, p, len, hdrs)) {
		size_t pl = len - hdrs;
		memcpy(g->buf + g->len, p + hdrs, pl);
		g->len += pl;
		g->nseg++;
		g->merged++;
		g->next_seq += (uint32_t)pl;
		g->next_id++;
		if (p[l3 + 13] & TCP_PSH) {
			g->buf[l3 + 13] |= TCP_PSH;
			g->closed = true;
		}
		if (pl < g->mss)
			g->closed = true;
		return 0;
	}
	xtr_gro_flush(g);
	if (hdrs == 0)
		return g->out(g->arg, NULL, p, len);
	memcpy(g->buf, p, len);
	g->len = len;
	g->nseg = 1;
	g->version = version;
	g->l3 = (uint16_t)l3;
	g->hdrs = (uint16_t)hdrs;
	g->mss = (uint16_t)(len - hdrs);
	g->next_seq = get32(p + l3 + 4) + (uint32_t)(len - hdrs);
	g->next_id = (uint16_t)(get16(p + 4) + 1);
	g->closed = (p[l3 + 13] & TCP_PSH) != 0;
	return 0;
}
