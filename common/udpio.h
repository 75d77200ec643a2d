/* SPDX-License-Identifier: ISC */
/*
 * common/udpio.h - batched UDP sockets on the daemon's libevent loop.
 *
 * udp_open() binds one port: an IPv4 address gives an AF_INET socket, an IPv6 address
 * an IPV6_V6ONLY socket, and "any" (NULL or AFI 0) one dual-stack AF_INET6 socket
 * (IPV6_V6ONLY=0) serving IPv4 and IPv6. Reception uses recvmmsg, UDP_BATCH datagrams
 * per call; the callback gets each datagram's remote address/port and the local address
 * it was sent to (IP_PKTINFO / IPV6_RECVPKTINFO), so a reply can leave from the address
 * the request came to. IPv4-mapped IPv6 addresses are reported as plain IPv4.
 * Nothing is dropped without a named counter (struct udp_stats) and a rate-limited log line
 * (common/log.h log_input): datagrams longer than the socket's rx_max (MSG_TRUNC), zero-length
 * datagrams never reach the callback; recvmmsg failures; datagrams the kernel dropped
 * because the socket's receive buffer was full (SO_RXQ_OVFL, known when the next datagram
 * arrives).
 * udp_open_opts() changes the receive side per socket (struct udp_opts): a larger longest
 * datagram and fewer per call (the 64 KB bursts of UDP_GRO: the kernel coalesces equal
 * datagrams of one flow, the segment size comes with each, udp_pkt.gso_size), the number
 * of calls per wake-up, the receive buffer, no packet info.
 * Sending: udp_send() now, or udp_queue() into a per-socket queue flushed with
 * sendmmsg when it is full, by udp_flush(), and automatically at the end of the current
 * loop turn (an event activated on the first queued datagram runs after the callbacks
 * already active). UDP is lossy: a datagram that cannot be sent is counted (invalid, send
 * buffer full, or refused by the kernel) and dropped.
 * Every open socket is listed (udp_each, udp_out_stats), so a daemon's `show statistics`
 * shows these counters without its core knowing about its sockets.
 */
#ifndef COMMON_UDPIO_H
#define COMMON_UDPIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/addr.h"

struct event_base;
struct udp_sock;

#define UDP_BATCH     32   /* datagrams per recvmmsg call */
#define UDP_TXQ	      64   /* datagrams queued before an automatic flush */
#define UDP_MAX_DGRAM 9216 /* larger datagrams are dropped as truncated */

struct udp_pkt {
	struct ipaddr src;   /* remote address (IPv4-mapped -> IPv4) */
	uint16_t sport;	     /* remote port, host order */
	struct ipaddr dst;   /* local address the datagram was sent to (AFI 0 if unknown) */
	uint16_t dport;	     /* local port */
	unsigned ifindex;    /* arrival interface (0 if unknown) */
	uint16_t gso_size;   /* UDP_GRO: data is segments of this size, the last may be shorter
				(0: one datagram) */
	const uint8_t *data; /* valid during the callback only */
	size_t len;
};

struct udp_stats {
	uint64_t rx;	       /* datagrams delivered */
	uint64_t tx;	       /* datagrams sent */
	uint64_t rx_errors;    /* recvmmsg failures other than EAGAIN/EINTR */
	uint64_t truncated;    /* received datagrams longer than the socket's rx_max, dropped */
	uint64_t empty;	       /* received zero-length datagrams, dropped */
	uint64_t kernel_drops; /* dropped by the kernel, receive buffer full (SO_RXQ_OVFL) */
	uint64_t tx_errors;    /* datagrams not sent: tx_invalid + tx_full + tx_refused */
	uint64_t tx_invalid;   /* longer than UDP_MAX_DGRAM, or an address this socket cannot use */
	uint64_t tx_full;      /* the socket's send buffer was full (EAGAIN) */
	uint64_t tx_refused;   /* refused by the kernel (e.g. no route) */
};

/* Receive options of udp_open_opts; a zero field takes udp_open's default. */
struct udp_opts {
	size_t rx_max;	 /* longest datagram received (UDP_MAX_DGRAM); longer: truncated */
	unsigned batch;	 /* datagrams per recvmmsg, at most UDP_BATCH (UDP_BATCH) */
	unsigned rounds; /* recvmmsg calls per wake-up before other events run (4) */
	int rcvbuf;	 /* SO_RCVBUF in bytes (the system's default) */
	bool gro;	 /* UDP_GRO (best effort): coalesced datagrams, udp_pkt.gso_size */
	bool no_pktinfo; /* no local address (udp_pkt.dst AFI 0, ifindex 0) */
};

/* n >= 1 datagrams. Do not udp_close() the socket from its own callback. */
typedef void (*udp_recv_cb)(struct udp_sock *s, const struct udp_pkt *pkts, size_t n, void *arg);

/* bind: NULL or AFI 0 = any (dual-stack). port 0 = ephemeral (see udp_local_port).
 * NULL on failure (logged with the reason). */
struct udp_sock *udp_open(struct event_base *base, const struct ipaddr *bind, uint16_t port,
			  udp_recv_cb cb, void *arg);
/* The same with receive options (NULL: udp_open). */
struct udp_sock *udp_open_opts(struct event_base *base, const struct ipaddr *bind, uint16_t port,
			       const struct udp_opts *opts, udp_recv_cb cb, void *arg);
/* Flushes the queue, then closes. NULL is a no-op. */
void udp_close(struct udp_sock *s);
uint16_t udp_local_port(const struct udp_sock *s);
int udp_fd(const struct udp_sock *s);

/* src: local address to send from (e.g. the dst of the request), NULL or AFI 0 = let the
 * kernel choose. 0 or -1 (counted in tx_errors). */
int udp_send(struct udp_sock *s, const struct ipaddr *dst, uint16_t dport, const struct ipaddr *src,
	     const void *data, size_t len);
/* Copy into the send queue; -1 if len > UDP_MAX_DGRAM or the destination cannot be
 * reached from this socket's family. */
int udp_queue(struct udp_sock *s, const struct ipaddr *dst, uint16_t dport,
	      const struct ipaddr *src, const void *data, size_t len);
/* Could udp_send/udp_queue send to dst from src (NULL or AFI 0: any) on this socket, as far
 * as address families go? A caller with several sockets asks before it picks one, so
 * tx_invalid counts only datagrams that are dropped. */
bool udp_can_send(const struct udp_sock *s, const struct ipaddr *dst, const struct ipaddr *src);
/* Send everything queued (sendmmsg); returns the number of datagrams sent. */
size_t udp_flush(struct udp_sock *s);
size_t udp_queued(const struct udp_sock *s);
void udp_get_stats(const struct udp_sock *s, struct udp_stats *st);

/* Every open socket, oldest first: cb(s, arg) until it returns non-zero (returned). */
int udp_each(int (*cb)(const struct udp_sock *s, void *arg), void *arg);
/* The counters of every open socket as an array under `key` of the CLI output (common/out.h):
 * per socket its port, received, sent, receiveDrops {truncated, empty, kernelBufferFull,
 * receiveErrors} and sendDrops {invalid, bufferFull, refused}. */
struct out;
void udp_out_stats(struct out *o, const char *key);

#endif
