/* SPDX-License-Identifier: ISC */
/*
 * sys/tun.h - the TUN device of the data plane (Documentation/networking/tuntap.rst).
 *
 * Opens (creating it if missing) a layer-3 TUN device with IFF_TUN|IFF_NO_PI in the network
 * namespace of the calling thread, nonblocking, optionally with IFF_VNET_HDR and the
 * offloads the kernel accepts (TUNSETOFFLOAD: TUN_F_CSUM, TSO4/6, USO4+USO6 as a pair).
 * Reads hand back whole IP packets; with a vnet header its fields are returned parsed and the
 * packet may be a GSO super-packet (gso_type != TUN_GSO_NONE) that the caller segments.
 * A device the kernel created for us is non-persistent (gone on close) unless TUN_PERSIST.
 */
#ifndef SYS_TUN_H
#define SYS_TUN_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TUN_VNET_HDR 0x01 /* IFF_VNET_HDR + offloads */
#define TUN_PERSIST  0x02 /* TUNSETPERSIST 1 */

/* Offloads that were accepted (tun->offloads) */
#define TUN_OFF_CSUM 0x01
#define TUN_OFF_TSO  0x02 /* TSO4 + TSO6 */
#define TUN_OFF_USO  0x04 /* USO4 + USO6 */

/* virtio_net_hdr gso_type values */
#define TUN_GSO_NONE   0
#define TUN_GSO_TCPV4  1
#define TUN_GSO_UDP    3
#define TUN_GSO_TCPV6  4
#define TUN_GSO_UDP_L4 5

#define TUN_VNET_HDR_LEN 10

struct tun {
	int fd;
	int ifindex;
	unsigned flags;	   /* TUN_* asked for */
	unsigned offloads; /* TUN_OFF_* the kernel accepted */
	char name[IFNAMSIZ];
};

/* virtio_net_hdr fields of one packet read with TUN_VNET_HDR (little endian on the wire). */
struct tun_vnet {
	uint8_t flags; /* 1 = VIRTIO_NET_HDR_F_NEEDS_CSUM */
	uint8_t gso_type;
	uint16_t hdr_len, gso_size, csum_start, csum_offset;
};

struct tun_pkt {
	uint8_t *data; /* caller's buffer */
	size_t cap;    /* its size (64 KiB + header for GSO) */
	size_t len;    /* out: IP packet length (vnet header stripped) */
	size_t off;    /* out: offset of the IP packet in data (0, or 10 with a vnet header) */
	struct tun_vnet vnet;
};

/* 0 or -errno; `err` (may be NULL) gets a message. */
int tun_open(struct tun *t, const char *name, unsigned flags, char *err, size_t errlen);
void tun_close(struct tun *t);
/* Read up to n packets (stops at EAGAIN). Returns the count (0 = nothing ready) or -errno. */
int tun_read_batch(struct tun *t, struct tun_pkt *pkts, int n);
/* Write one IP packet (a zero vnet header is prepended when the device has one).
 * 0, -EAGAIN when the queue is full, or -errno. */
int tun_write(struct tun *t, const void *pkt, size_t len);
/* Write one packet with the given vnet header (a device opened with TUN_VNET_HDR), e.g. a
 * GSO super-packet (gso_type TCPV4/TCPV6, NEEDS_CSUM) the kernel segments. Same returns. */
int tun_write_vnet(struct tun *t, const struct tun_vnet *v, const void *pkt, size_t len);

#endif
