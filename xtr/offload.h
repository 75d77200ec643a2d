/* SPDX-License-Identifier: ISC */
/*
 * xtr/offload.h - segmentation offloads of the lisp-xtrd data plane, I/O free so the unit
 * tests drive them byte for byte (Documentation/networking/tuntap.rst: the virtio_net_hdr
 * of a TUN device opened with IFF_VNET_HDR + TUNSETOFFLOAD).
 *
 * ITR: a read from the TUN may return a TCP (or UDP, USO) super-packet of up to 64 KB with
 * gso_type/gso_size, or a packet whose L4 checksum is still partial (NEEDS_CSUM).
 * xtr_gso_segment() cuts a super-packet into the MSS-sized IP packets the sender's stack
 * would have produced (IPv4 ID + i, TCP sequence + i * MSS, PSH/FIN only on the last,
 * CWR only on the first, lengths and every checksum recomputed), each behind
 * XTR_ENCAP_HLEN bytes of headroom, so each is encapsulated like any other packet (RFC
 * 9300 §5.3: one LISP header per inner IP packet). xtr/dataplane.c then hands runs of equal
 * size to the kernel in one sendmsg with UDP_SEGMENT.
 *
 * ETR: the reverse, xtr_gro_*: consecutive decapsulated TCP segments of one flow (same
 * addresses, ports, ack, window and options, consecutive sequence numbers and IPv4 IDs,
 * equal sizes but the last, a valid TCP checksum, flags ACK/PSH only) are merged into one
 * super-packet written to the TUN with a GSO vnet header (TCPV4/TCPV6, NEEDS_CSUM): one
 * write per up to 64 KB instead of one per segment; the kernel re-segments it exactly.
 * Anything else is written through unchanged, in order.
 */
#ifndef XTR_OFFLOAD_H
#define XTR_OFFLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/pkt.h"

/* virtio_net_hdr gso_type values (the same as sys/tun.h TUN_GSO_*) */
#define XTR_GSO_NONE   0
#define XTR_GSO_TCPV4  1
#define XTR_GSO_TCPV6  4
#define XTR_GSO_UDP_L4 5

#define XTR_GSO_MAXSEG 256   /* segments one super-packet may be cut into */
#define XTR_GRO_MAX    65535 /* largest merged packet (IPv4 total length) */

struct xtr_offload {
	bool needs_csum; /* L4 checksum at csum_start + csum_offset is partial */
	uint8_t gso_type;
	uint16_t hdr_len, gso_size, csum_start, csum_offset;
};

/* Complete a partial checksum in place (the field holds the pseudo-header sum). 0 / -1. */
int xtr_csum_complete(uint8_t *pkt, size_t len, uint16_t start, uint16_t off);

struct xtr_seg {
	uint8_t *p; /* XTR_ENCAP_HLEN bytes of headroom before it belong to the segment */
	size_t len;
};
/* Bytes of `out` that segmenting a len-byte super-packet needs at most. */
size_t xtr_gso_space(size_t len, uint16_t gso_size);
/* Cut super-packet pkt (gso_type TCPV4/TCPV6/UDP_L4, gso_size = payload per segment) into
 * segs[] inside out. Returns the number of segments or -1 (not parsable, gso_size 0, more
 * than maxsegs segments, out too small). */
int xtr_gso_segment(const uint8_t *pkt, size_t len, const struct xtr_offload *o, uint8_t *out,
		    size_t cap, struct xtr_seg *segs, unsigned maxsegs);

/* Receives what leaves the coalescer: o NULL = a plain packet. 0 / -1. */
typedef int (*xtr_gro_out)(void *arg, const struct xtr_offload *o, const uint8_t *pkt, size_t len);
struct xtr_gro {
	uint8_t *buf; /* XTR_GRO_MAX bytes */
	size_t len;   /* 0 = nothing held */
	unsigned nseg;
	bool closed;		 /* the last segment was short or had PSH: nothing more may join */
	struct pkt_tcp_seg head; /* the first segment held (its headers are buf's) */
	uint16_t mss;
	uint32_t next_seq;
	uint16_t next_id;
	xtr_gro_out out;
	void *arg;
	uint64_t merged; /* segments that joined a super-packet (statistics, tests) */
};
int xtr_gro_init(struct xtr_gro *g, xtr_gro_out out, void *arg);
void xtr_gro_fini(struct xtr_gro *g);
/* One IP packet for the TUN: held (copied) for merging or passed to out at once after
 * what is held. Returns 0, or out's result for a packet passed through. */
int xtr_gro_add(struct xtr_gro *g, const uint8_t *pkt, size_t len);
/* Pass what is held to out (end of a batch). */
void xtr_gro_flush(struct xtr_gro *g);

#endif
