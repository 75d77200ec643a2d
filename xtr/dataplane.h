/* SPDX-License-Identifier: ISC */
/*
 * xtr/dataplane.h - the data-plane I/O engine of lisp-xtrd (xtr/dataplane.c): the TUN
 * device, the sockets of the encapsulated data (raw and UDP_SEGMENT sends, the UDP_GRO
 * receive socket of port 4341) and the native-forward sockets, between the kernel and the
 * I/O-free core (xtr/xtr.h). All its state is one struct xtr_dp; its callbacks get it as
 * their argument.
 *
 * Life: xtr_dp_new opens the TUN and the send sockets (NULL on failure, having closed what
 * it opened); xtr_dp_io fills the data callbacks of the core's struct xtr_io; the core is
 * made with them (xtr_new); xtr_dp_start binds the receive socket and puts the TUN and that
 * socket on the loop, feeding the core. xtr_dp_free, at any point after xtr_dp_new (NULL
 * too), closes exactly what the engine opened: never a descriptor it was handed.
 */
#ifndef XTR_DATAPLANE_H
#define XTR_DATAPLANE_H

#include <stddef.h>
#include <stdint.h>

#include "proto/addr.h"

struct event_base;
struct tun;
struct xtr;
struct xtr_io;
struct xtr_io_stats;
struct xtr_dp;

struct xtr_dp_params {
	const char *tun_name;	   /* the TUN device to open (created if missing) ... */
	const struct tun *tun;	   /* ... or one the caller opened (used, never closed); with
				      neither, no TUN: packets for it are refused */
	uint32_t tun_mtu;	   /* set on a device opened here (0: left as it is) */
	uint32_t underlay_mtu;	   /* a UDP_SEGMENT run's datagrams fit in it (0: 1500) */
	unsigned nrloc;		   /* a raw send socket bound to the first RLOC of each family */
	const struct ipaddr *rloc; /* (the core's source); a family without one sends nothing */
	const char *native_dev;	   /* natively forwarded packets leave here (NULL, "": dropped) */
	uint16_t data_port;	   /* the UDP_GRO receive socket, any address (0: ephemeral) */
	size_t data_max;	   /* longest datagram taken there (0: 65536); longer ones are
				      dropped and counted (truncated) */
};

struct xtr_dp *xtr_dp_new(struct event_base *base, const struct xtr_dp_params *p);
/* Set io->arg to the engine and the data callbacks: data_send, data_flush, tun_write(_gso),
 * native_send (the others are left as they are). */
void xtr_dp_io(struct xtr_dp *dp, struct xtr_io *io);
/* Open the receive socket and read it and the TUN into x from now on. 0 or -1 (logged). */
int xtr_dp_start(struct xtr_dp *dp, struct xtr *x);
void xtr_dp_free(struct xtr_dp *dp);

const char *xtr_dp_tun_name(const struct xtr_dp *dp); /* "" without a TUN of its own */
uint16_t xtr_dp_data_port(const struct xtr_dp *dp);   /* the bound port, 0 before start */
/* The data socket's counters into st->data (received by the receive socket, sent through
 * the raw and UDP_SEGMENT sockets). */
void xtr_dp_stats(const struct xtr_dp *dp, struct xtr_io_stats *st);

#endif
