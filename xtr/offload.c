/* SPDX-License-Identifier: ISC */
/*
 * xtr/offload.c - GSO segmentation (ITR) and TCP segment coalescing (ETR) for the TUN
 * device's virtio_net_hdr offloads; see xtr/offload.h. Every header field is read by the
 * parsers of proto/pkt.h (pkt_parse_ip/pkt_parse_tcp, pkt_parse_tcp_seg and
 * pkt_tcp_seg_same_flow); a packet that does not parse as expected is refused (segmentation)
 * or written through unchanged (coalescing). This file only copies validated packets and
 * writes the headers of the packets it builds.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "proto/pkt.h"
#include "proto/buf.h"
#include "xtr/offload.h"
#include "xtr/xtr.h"

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
	struct pkt_tcp th = {0};
	size_t hdrs, l3, payload, mss = o->gso_size, off = 0;
	bool tcp;

	buf_init_read(&b, pkt, len);
	if (mss == 0 || pkt_parse_ip(&b, &ip) == -1 || ip.frag)
		return -1;
	l3 = ip.hdr_len;
	if (o->gso_type == XTR_GSO_TCPV4 || o->gso_type == XTR_GSO_TCPV6) {
		if (ip.version != (o->gso_type == XTR_GSO_TCPV4 ? 4 : 6) ||
		    pkt_parse_tcp(&b, &ip, &th) == -1)
			return -1;
		hdrs = l3 + th.hdr_len;
		tcp = true;
	} else if (o->gso_type == XTR_GSO_UDP_L4) {
		if (ip.proto != PKT_PROTO_UDP)
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
	uint16_t id0 = ip.id;
	uint32_t seq0 = th.seq;
	uint8_t flags0 = th.flags;
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
				f &= (uint8_t) ~(PKT_TCP_FIN | PKT_TCP_PSH);
			if (i > 0)
				f &= (uint8_t)~PKT_TCP_CWR;
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
	const struct pkt_tcp_seg *h = &g->head;

	if (g->len == 0)
		return;
	if (g->nseg == 1) {
		g->out(g->arg, NULL, p, g->len);
		g->len = 0;
		return;
	}
	uint32_t l4len = (uint32_t)(g->len - h->l3);
	if (h->version == 4) {
		put16(p + 2, (uint16_t)g->len);
		put16(p + 10, 0);
		put16(p + 10, pkt_csum(p, h->l3));
	} else {
		put16(p + 4, (uint16_t)(g->len - 40));
	}
	/* NEEDS_CSUM: the field holds the pseudo-header sum (Linux tcp_v4_send_check) */
	put16(p + h->l3 + 16, fold(pseudo(p, h->version, 6, l4len)));
	struct xtr_offload o = {.needs_csum = true,
				.gso_type = h->version == 4 ? XTR_GSO_TCPV4 : XTR_GSO_TCPV6,
				.hdr_len = h->hdrs,
				.gso_size = g->mss,
				.csum_start = h->l3,
				.csum_offset = 16};
	g->out(g->arg, &o, p, g->len);
	g->len = 0;
}

/* Does segment s (in reader b) continue what g holds? */
static bool continues(const struct xtr_gro *g, const struct buf *b, const struct pkt_tcp_seg *s)
{
	struct buf held;
	size_t pl = s->len - s->hdrs;

	if (g->closed || pl > g->mss || g->len + pl > XTR_GRO_MAX || s->seq != g->next_seq ||
	    (s->version == 4 && s->ip_id != g->next_id))
		return false;
	/* the held packet's headers are still the first segment's (lengths are written at
	 * flush time, PSH only when it closes) */
	buf_init_read(&held, g->buf, g->len);
	return pkt_tcp_seg_same_flow(&held, &g->head, b, s);
}

int xtr_gro_add(struct xtr_gro *g, const uint8_t *p, size_t len)
{
	struct buf b;
	struct pkt_tcp_seg s;

	buf_init_read(&b, p, len);
	bool cand = pkt_parse_tcp_seg(&b, &s) == 0;
	if (cand && g->len && continues(g, &b, &s)) {
		size_t pl = (size_t)(s.len - s.hdrs);
		memcpy(g->buf + g->len, p + s.hdrs, pl);
		g->len += pl;
		g->nseg++;
		g->merged++;
		g->next_seq += (uint32_t)pl;
		g->next_id++;
		if (s.flags & PKT_TCP_PSH) {
			g->buf[g->head.l3 + 13] |= PKT_TCP_PSH;
			g->closed = true;
		}
		if (pl < g->mss)
			g->closed = true;
		return 0;
	}
	xtr_gro_flush(g);
	if (!cand)
		return g->out(g->arg, NULL, p, len);
	memcpy(g->buf, p, s.len);
	g->len = s.len;
	g->nseg = 1;
	g->head = s;
	g->mss = (uint16_t)(s.len - s.hdrs);
	g->next_seq = s.seq + g->mss;
	g->next_id = (uint16_t)(s.ip_id + 1);
	g->closed = (s.flags & PKT_TCP_PSH) != 0;
	return 0;
}
