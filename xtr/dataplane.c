/* SPDX-License-Identifier: ISC */
/*
 * xtr/dataplane.c - the data-plane I/O engine of lisp-xtrd (xtr/dataplane.h): the TUN device
 * (sys/tun, read in batches with a vnet header: a read may be a TCP/UDP super-packet that
 * the core segments, xtr/offload.h; decapsulated TCP segments leave merged, xtr_gro), the
 * encapsulated data path and the native-forward sockets. All of it is in struct xtr_dp.
 *
 * Sending: raw IPPROTO_UDP sockets bound to the RLOCs: the core writes the UDP and LISP
 * headers, so the outer source port carries the flow hash (RFC 9300 §5.3); the datagrams of
 * a batch are queued per family and sent once per batch (the core's data_flush): runs to
 * one RLOC from one source port with equal sizes (a TCP flow's segments) in one sendmsg
 * with UDP_SEGMENT on a UDP socket bound to (RLOC, source port), the rest with sendmmsg on
 * the raw socket. A drop-all socket filter keeps the send sockets from receiving; IPv4
 * outer UDP checksum 0 on the raw socket, IPv6 filled by the kernel (IPV6_CHECKSUM); outer
 * DF clear: the kernel fragments the outer packet of an inner packet without DF, inner DF
 * packets that do not fit get ICMP too-big from the core.
 *
 * Receiving: UDP 4341 (dual stack) through common/udpio with UDP_GRO: a datagram may be a
 * burst of equal datagrams of one flow coalesced by the kernel, cut here at its segment
 * size, each one LISP packet for the core; a datagram longer than a slot (64 KB) is
 * dropped and counted (truncated, `show statistics` sockets.data). Each batch read from
 * the TUN or the socket ends with the core's flush: the packets sit in slots the next read
 * reuses.
 *
 * Natively forwarded packets (negative map-cache entries with ACT natively-forward) leave
 * through a raw IP socket bound (SO_BINDTODEVICE) to <underlay native-forward-device>, so
 * the kernel routes them on the underlay and never back into the TUN; without that device
 * they are dropped and counted (nativeForwardFailed).
 */
#include "config.h"

#include "xtr/dataplane.h"

#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/log.h"
#include "common/ratelimit.h"
#include "common/udpio.h"
#include "proto/buf.h"
#include "proto/pkt.h"
#include "sys/netlink.h"
#include "sys/tun.h"
#include "xtr/offload.h"
#include "xtr/xtr.h"

#define TX_BATCH 64
#define RX_BATCH 32
/* a TUN read may be a 64 KB GSO super-packet behind its vnet header */
#define SLOT	  (XTR_ENCAP_HLEN + TUN_VNET_HDR_LEN + 65536)
#define DRX_BATCH 8	/* UDP 4341 datagrams per recvmmsg ... */
#define DRX_SLOT  65536 /* ... each up to 64 KB: UDP_GRO coalesces a burst of one flow */
#define GSO_SOCKS 64	/* UDP sockets bound to RLOC:source-port for UDP_SEGMENT sends */
#define GSO_BYTES 65000 /* payload of one UDP_SEGMENT send (the UDP length field) */
#define GSO_SEGS  64	/* segments of one send (UDP_MAX_SEGMENTS is 64 on older kernels) */

/* A UDP socket bound to (RLOC, outer source port): the kernel writes the UDP header, so the
 * flow-hash source port of RFC 9300 §5.3 needs one socket per port in use. */
struct gso_sock {
	int fd; /* -1: none, or bind failed for `sport` (bad) */
	uint16_t sport;
	bool bad;
};

struct txq {
	int fd;
	unsigned n;
	struct ipaddr rloc; /* the local RLOC the socket is bound to */
	struct gso_sock gso[GSO_SOCKS];
	struct mmsghdr msg[TX_BATCH];
	struct iovec iov[TX_BATCH][2];
	union {
		struct sockaddr_in v4;
		struct sockaddr_in6 v6;
	} sa[TX_BATCH];
};

struct xtr_dp {
	struct event_base *base;
	struct xtr *x; /* the core, from xtr_dp_start */
	struct txq tx4, tx6;
	unsigned mtu; /* underlay MTU: UDP_SEGMENT segments must fit */
	int native4, native6;
	uint64_t tx, tx_errors;
	/* TUN */
	struct tun tun; /* fd -1: none */
	bool own_tun;	/* opened here (closed by xtr_dp_free) */
	struct event *tun_ev;
	uint8_t *rxslab;
	struct tun_pkt rx[RX_BATCH];
	struct xtr_gro gro; /* ETR: TCP segments merged into TUN super-packets */
	/* UDP 4341 with UDP_GRO */
	uint16_t data_port;
	size_t data_max;
	struct udp_sock *drx;
};

/* ---------------------------------------------------------------- sending */

static void raw_send(struct xtr_dp *dp, struct txq *q, unsigned off, unsigned end)
{
	while (off < end) {
		int r = sendmmsg(q->fd, q->msg + off, end - off, 0);
		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			/* skip the datagram the kernel refused */
			dp->tx_errors++;
			off++;
			continue;
		}
		dp->tx += (unsigned)r;
		off += (unsigned)r;
	}
}

static int gso_socket(struct txq *q, uint16_t sport)
{
	static struct sock_filter drop_all[] = {{BPF_RET | BPF_K, 0, 0, 0}};
	struct sock_fprog prog = {1, drop_all};
	struct gso_sock *s = &q->gso[sport % GSO_SOCKS];
	int v4 = q->rloc.afi == LISP_AFI_IPV4, one = 1, sz = 4 << 20;

	if (s->sport == sport && (s->fd >= 0 || s->bad))
		return s->fd;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->sport = sport;
	s->bad = true;
	int fd = socket(v4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	if (v4) {
		struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(sport)};
		int pmtu = IP_PMTUDISC_DONT;
		memcpy(&sa.sin_addr, q->rloc.a, 4);
		setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu));
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			goto fail;
	} else {
		struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_port = htons(sport)};
		int pmtu = IPV6_PMTUDISC_DONT;
		memcpy(&sa.sin6_addr, q->rloc.a, 16);
		setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &pmtu, sizeof(pmtu));
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			goto fail;
	}
	s->fd = fd;
	s->bad = false;
	return fd;
fail:
	close(fd);
	return -1;
}

static uint16_t msg_sport(const struct txq *q, unsigned i)
{
	const uint8_t *h = q->iov[i][0].iov_base;
	return (uint16_t)(h[0] << 8 | h[1]);
}

static bool same_dst(const struct txq *q, unsigned i, unsigned j)
{
	return q->msg[i].msg_hdr.msg_namelen == q->msg[j].msg_hdr.msg_namelen &&
	       memcmp(&q->sa[i], &q->sa[j], q->msg[i].msg_hdr.msg_namelen) == 0;
}

/* Messages [i, end) as one UDP_SEGMENT send: the LISP header + inner packet of each is one
 * segment (all the size of the first, the last may be shorter); the kernel writes a UDP
 * header (and checksum) per segment. 0, or -1: the caller sends them one by one. */
static int gso_send(struct txq *q, unsigned i, unsigned end)
{
	struct iovec iov[2 * GSO_SEGS];
	union {
		char buf[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} c;
	struct msghdr m = q->msg[i].msg_hdr;
	unsigned n = 0;
	int fd = gso_socket(q, msg_sport(q, i));
	const uint8_t *h = q->iov[i][0].iov_base;
	uint16_t dport;
	union {
		struct sockaddr_in v4;
		struct sockaddr_in6 v6;
	} sa;

	if (fd < 0)
		return -1;
	memcpy(&sa, &q->sa[i], sizeof(sa));
	/* the raw socket's address has no port: the UDP socket needs the destination port */
	memcpy(&dport, h + 2, 2);
	if (q->rloc.afi == LISP_AFI_IPV4)
		sa.v4.sin_port = dport;
	else
		sa.v6.sin6_port = dport;
	m.msg_name = &sa;
	for (unsigned k = i; k < end; k++) {
		iov[n].iov_base = (uint8_t *)q->iov[k][0].iov_base + 8; /* the LISP header */
		iov[n++].iov_len = XTR_ENCAP_HLEN - 8;
		iov[n++] = q->iov[k][1];
	}
	memset(&c, 0, sizeof(c));
	m.msg_iov = iov;
	m.msg_iovlen = n;
	m.msg_control = c.buf;
	m.msg_controllen = sizeof(c.buf);
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_UDP;
	cm->cmsg_type = UDP_SEGMENT;
	cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
	uint16_t seg = (uint16_t)(XTR_ENCAP_HLEN - 8 + q->iov[i][1].iov_len);
	memcpy(CMSG_DATA(cm), &seg, sizeof(seg));
	ssize_t r;
	do {
		r = sendmsg(fd, &m, 0);
	} while (r < 0 && errno == EINTR);
	return r < 0 ? -1 : 0;
}

/* Send the batch: runs of datagrams to one RLOC from one source port with equal sizes
 * (a TCP flow's segments, a stream of equal datagrams) leave in one UDP_SEGMENT send,
 * the rest through the raw socket with sendmmsg. */
static void txq_flush(struct xtr_dp *dp, struct txq *q)
{
	unsigned i = 0, raw = 0;
	size_t ovh = q->rloc.afi == LISP_AFI_IPV4 ? XTR_OVERHEAD4 : XTR_OVERHEAD6;

	while (i < q->n) {
		size_t len = q->iov[i][1].iov_len;
		unsigned j = i + 1;
		size_t bytes = len + 8;
		if (len + ovh <= dp->mtu) {
			uint16_t sp = msg_sport(q, i);
			while (j < q->n && j - i < GSO_SEGS && q->iov[j][1].iov_len <= len &&
			       bytes + q->iov[j][1].iov_len + 8 <= GSO_BYTES &&
			       msg_sport(q, j) == sp && same_dst(q, i, j)) {
				bytes += q->iov[j][1].iov_len + 8;
				j++;
				if (q->iov[j - 1][1].iov_len < len)
					break; /* a shorter one ends the run */
			}
		}
		if (j - i >= 2) {
			if (raw < i)
				raw_send(dp, q, raw, i);
			if (gso_send(q, i, j) < 0)
				raw_send(dp, q, i, j);
			else
				dp->tx += j - i;
			raw = j;
		}
		i = j;
	}
	if (raw < q->n)
		raw_send(dp, q, raw, q->n);
	q->n = 0;
}

static void data_flush(void *arg)
{
	struct xtr_dp *dp = arg;

	xtr_gro_flush(&dp->gro);
	if (dp->tx4.n)
		txq_flush(dp, &dp->tx4);
	if (dp->tx6.n)
		txq_flush(dp, &dp->tx6);
}

static int data_send(void *arg, const struct ipaddr *src, const struct ipaddr *dst,
		     const uint8_t *hdr, const uint8_t *inner, size_t len)
{
	struct xtr_dp *dp = arg;
	struct txq *q = dst->afi == LISP_AFI_IPV4 ? &dp->tx4 : &dp->tx6;

	(void)src; /* the socket is bound to the RLOC */
	if (q->fd < 0)
		return -1;
	if (q->n == TX_BATCH)
		txq_flush(dp, q);
	unsigned i = q->n++;
	memset(&q->msg[i], 0, sizeof(q->msg[i]));
	if (dst->afi == LISP_AFI_IPV4) {
		memset(&q->sa[i].v4, 0, sizeof(q->sa[i].v4));
		q->sa[i].v4.sin_family = AF_INET;
		memcpy(&q->sa[i].v4.sin_addr, dst->a, 4);
		q->msg[i].msg_hdr.msg_namelen = sizeof(q->sa[i].v4);
	} else {
		memset(&q->sa[i].v6, 0, sizeof(q->sa[i].v6));
		q->sa[i].v6.sin6_family = AF_INET6;
		memcpy(&q->sa[i].v6.sin6_addr, dst->a, 16);
		q->msg[i].msg_hdr.msg_namelen = sizeof(q->sa[i].v6);
	}
	q->msg[i].msg_hdr.msg_name = &q->sa[i];
	q->iov[i][0].iov_base = (void *)hdr;
	q->iov[i][0].iov_len = XTR_ENCAP_HLEN;
	q->iov[i][1].iov_base = (void *)inner;
	q->iov[i][1].iov_len = len;
	q->msg[i].msg_hdr.msg_iov = q->iov[i];
	q->msg[i].msg_hdr.msg_iovlen = 2;
	return 0;
}

static int tun_write_cb(void *arg, const uint8_t *pkt, size_t len)
{
	struct xtr_dp *dp = arg;

	return xtr_gro_add(&dp->gro, pkt, len);
}

static int gro_out(void *arg, const struct xtr_offload *o, const uint8_t *pkt, size_t len)
{
	struct xtr_dp *dp = arg;

	if (o == NULL)
		return tun_write(&dp->tun, pkt, len) == 0 ? 0 : -1;
	struct tun_vnet v = {.flags = o->needs_csum ? 1 : 0,
			     .gso_type = o->gso_type,
			     .hdr_len = o->hdr_len,
			     .gso_size = o->gso_size,
			     .csum_start = o->csum_start,
			     .csum_offset = o->csum_offset};
	return tun_write_vnet(&dp->tun, &v, pkt, len) == 0 ? 0 : -1;
}

/* A super-packet for the TUN: after what the coalescer holds, in order. */
static int tun_write_gso_cb(void *arg, const struct xtr_offload *o, const uint8_t *pkt, size_t len)
{
	struct xtr_dp *dp = arg;

	xtr_gro_flush(&dp->gro);
	return gro_out(dp, o, pkt, len);
}

static int native_send(void *arg, const uint8_t *pkt, size_t len)
{
	struct xtr_dp *dp = arg;
	struct buf b;
	struct pkt_ip ip;

	buf_init_read(&b, pkt, len);
	if (pkt_parse_ip(&b, &ip) < 0)
		return -1;
	if (ip.version == 4 && dp->native4 >= 0) {
		struct sockaddr_in sa = {.sin_family = AF_INET};
		memcpy(&sa.sin_addr, ip.dst.a, 4);
		return sendto(dp->native4, pkt, len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -1
												: 0;
	}
	if (ip.version == 6 && dp->native6 >= 0) {
		struct sockaddr_in6 sa = {.sin6_family = AF_INET6};
		memcpy(&sa.sin6_addr, ip.dst.a, 16);
		return sendto(dp->native6, pkt, len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -1
												: 0;
	}
	return -1;
}

/* ---------------------------------------------------------------- sockets */

static int raw_tx_socket(const struct ipaddr *bind_addr)
{
	static struct sock_filter drop_all[] = {{BPF_RET | BPF_K, 0, 0, 0}};
	struct sock_fprog prog = {1, drop_all};
	int fam = bind_addr->afi == LISP_AFI_IPV4 ? AF_INET : AF_INET6;
	int fd = socket(fam, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	int one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
	if (fam == AF_INET) {
		struct sockaddr_in sa = {.sin_family = AF_INET};
		int pmtu = IP_PMTUDISC_DONT;
		memcpy(&sa.sin_addr, bind_addr->a, 4);
		setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu));
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			goto fail;
	} else {
		struct sockaddr_in6 sa = {.sin6_family = AF_INET6};
		int off = 6; /* UDP checksum offset: the kernel computes it */
		int pmtu = IPV6_PMTUDISC_DONT;
		memcpy(&sa.sin6_addr, bind_addr->a, 16);
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_CHECKSUM, &off, sizeof(off)) < 0)
			goto fail;
		setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &pmtu, sizeof(pmtu));
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			goto fail;
	}
	{
		int sz = 4 << 20;
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	}
	return fd;
fail:
	close(fd);
	return -1;
}

static int native_socket(int fam, const char *dev)
{
	static struct sock_filter drop_all[] = {{BPF_RET | BPF_K, 0, 0, 0}};
	struct sock_fprog prog = {1, drop_all};
	int fd = socket(fam, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_RAW);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, (socklen_t)strlen(dev) + 1) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* ---------------------------------------------------------------- receiving */

/* A batch from UDP 4341: each datagram may be a UDP_GRO burst of gso_size segments. */
static void on_data(struct udp_sock *s, const struct udp_pkt *pkts, size_t n, void *arg)
{
	struct xtr_dp *dp = arg;
	uint64_t now = now_ns();

	(void)s;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *p = pkts[i].data;
		size_t len = pkts[i].len, seg = pkts[i].gso_size ? pkts[i].gso_size : len;
		if (pkts[i].gso_size == 0 &&
		    xtr_etr_input_gso(dp->x, &pkts[i].src, p, len, now) == 0)
			continue; /* one LISP packet around a super-packet (xtr/data.c) */
		for (size_t off = 0; off < len; off += seg)
			xtr_etr_input(dp->x, &pkts[i].src, p + off,
				      len - off < seg ? len - off : seg, now);
	}
	/* the data sits in udpio's slots, reused by the next recvmmsg: send now */
	xtr_flush(dp->x);
}

static void on_tun(evutil_socket_t fd, short ev, void *arg)
{
	struct xtr_dp *dp = arg;

	(void)fd;
	(void)ev;
	/* a bounded number of batches per wakeup keeps the loop fair to the sockets */
	for (int round = 0; round < 8; round++) {
		for (int i = 0; i < RX_BATCH; i++) {
			dp->rx[i].data = dp->rxslab + (size_t)i * SLOT + XTR_ENCAP_HLEN;
			dp->rx[i].cap = SLOT - XTR_ENCAP_HLEN;
		}
		int n = tun_read_batch(&dp->tun, dp->rx, RX_BATCH);
		if (n <= 0)
			break;
		uint64_t now = now_ns();
		for (int i = 0; i < n; i++) {
			const struct tun_vnet *v = &dp->rx[i].vnet;
			uint8_t *p = dp->rx[i].data + dp->rx[i].off;
			if (v->gso_type == TUN_GSO_NONE && !(v->flags & 1)) {
				xtr_itr_input(dp->x, p, dp->rx[i].len, now);
				continue;
			}
			struct xtr_offload o = {.needs_csum = (v->flags & 1) != 0,
						.gso_type = v->gso_type,
						.hdr_len = v->hdr_len,
						.gso_size = v->gso_size,
						.csum_start = v->csum_start,
						.csum_offset = v->csum_offset};
			xtr_itr_input_offload(dp->x, p, dp->rx[i].len, &o, now);
		}
		xtr_flush(dp->x);
		if (n < RX_BATCH)
			break;
	}
}

/* ---------------------------------------------------------------- life */

static int open_tun(struct xtr_dp *dp, const struct xtr_dp_params *p)
{
	char err[256];
	struct nl nl;

	if (p->tun) {
		dp->tun = *p->tun;
		return 0;
	}
	if (p->tun_name == NULL)
		return 0;
	/* vnet header + offloads: reads may be TCP super-packets (segmented by the core),
	 * writes may be merged TCP segments (xtr/offload.h) */
	if (tun_open(&dp->tun, p->tun_name, TUN_VNET_HDR, err, sizeof(err)) < 0) {
		dp->tun.fd = -1;
		log_warnx("TUN %s: %s", p->tun_name, err);
		return -1;
	}
	dp->own_tun = true;
	if (nl_open(&nl) == 0) {
		if (p->tun_mtu && nl_link_set_mtu(&nl, dp->tun.ifindex, p->tun_mtu) < 0)
			log_warnx("TUN %s: cannot set MTU %u", dp->tun.name, p->tun_mtu);
		nl_link_set_up(&nl, dp->tun.ifindex, true);
		nl_close(&nl);
	}
	return 0;
}

struct xtr_dp *xtr_dp_new(struct event_base *base, const struct xtr_dp_params *p)
{
	struct xtr_dp *dp = calloc(1, sizeof(*dp));

	if (dp == NULL)
		return NULL;
	/* every descriptor -1 before anything can fail: xtr_dp_free closes only what it
	 * opened (a zeroed one once closed fd 0) */
	dp->tx4.fd = dp->tx6.fd = dp->native4 = dp->native6 = dp->tun.fd = -1;
	for (unsigned k = 0; k < GSO_SOCKS; k++)
		dp->tx4.gso[k].fd = dp->tx6.gso[k].fd = -1;
	dp->base = base;
	dp->mtu = p->underlay_mtu ? p->underlay_mtu : 1500;
	dp->data_port = p->data_port;
	dp->data_max = p->data_max ? p->data_max : DRX_SLOT;
	dp->rxslab = malloc((size_t)RX_BATCH * SLOT);
	if (dp->rxslab == NULL || xtr_gro_init(&dp->gro, gro_out, dp) < 0 || open_tun(dp, p) < 0)
		goto fail;
	for (unsigned i = 0; i < p->nrloc; i++) {
		struct txq *q = p->rloc[i].afi == LISP_AFI_IPV4 ? &dp->tx4 : &dp->tx6;
		if (q->fd >= 0)
			continue; /* the core sends from the first of a family (xtr_rloc_for) */
		q->fd = raw_tx_socket(&p->rloc[i]);
		q->rloc = p->rloc[i];
		if (q->fd < 0) {
			log_warn("raw socket for RLOC %u", i);
			goto fail;
		}
	}
	if (p->native_dev && p->native_dev[0]) {
		dp->native4 = native_socket(AF_INET, p->native_dev);
		dp->native6 = native_socket(AF_INET6, p->native_dev);
		if (dp->native4 < 0 && dp->native6 < 0)
			log_warn("native-forward-device %s", p->native_dev);
	}
	return dp;
fail:
	xtr_dp_free(dp);
	return NULL;
}

void xtr_dp_io(struct xtr_dp *dp, struct xtr_io *io)
{
	io->arg = dp;
	io->data_send = data_send;
	io->data_flush = data_flush;
	io->tun_write = tun_write_cb;
	io->tun_write_gso = tun_write_gso_cb;
	io->native_send = native_send;
}

int xtr_dp_start(struct xtr_dp *dp, struct xtr *x)
{
	/* 64 KB slots, 8 per call: UDP_GRO bursts; a large buffer absorbs a line-rate burst
	 * while the loop serves the TUN; the local address is not needed */
	const struct udp_opts o = {.rx_max = dp->data_max,
				   .batch = DRX_BATCH,
				   .rounds = 8,
				   .rcvbuf = 4 << 20,
				   .gro = true,
				   .no_pktinfo = true};

	dp->x = x;
	dp->drx = udp_open_opts(dp->base, NULL, dp->data_port, &o, on_data, dp);
	if (dp->drx == NULL) {
		log_warnx("UDP port %u: the data port cannot be opened", dp->data_port);
		return -1;
	}
	if (dp->tun.fd >= 0) {
		dp->tun_ev = event_new(dp->base, dp->tun.fd, EV_READ | EV_PERSIST, on_tun, dp);
		if (dp->tun_ev == NULL || event_add(dp->tun_ev, NULL) == -1)
			return -1;
	}
	return 0;
}

void xtr_dp_free(struct xtr_dp *dp)
{
	if (dp == NULL)
		return;
	if (dp->tun_ev)
		event_free(dp->tun_ev);
	udp_close(dp->drx);
	for (int f = 0; f < 2; f++) {
		struct txq *q = f ? &dp->tx6 : &dp->tx4;
		if (q->fd >= 0)
			close(q->fd);
		for (unsigned k = 0; k < GSO_SOCKS; k++)
			if (q->gso[k].fd >= 0)
				close(q->gso[k].fd);
	}
	if (dp->native4 >= 0)
		close(dp->native4);
	if (dp->native6 >= 0)
		close(dp->native6);
	if (dp->own_tun)
		tun_close(&dp->tun);
	free(dp->rxslab);
	xtr_gro_fini(&dp->gro);
	free(dp);
}

const char *xtr_dp_tun_name(const struct xtr_dp *dp)
{
	return dp->own_tun ? dp->tun.name : "";
}

uint16_t xtr_dp_data_port(const struct xtr_dp *dp)
{
	return dp->drx ? udp_local_port(dp->drx) : 0;
}

void xtr_dp_stats(const struct xtr_dp *dp, struct xtr_io_stats *st)
{
	struct udp_stats u = {0};

	if (dp->drx)
		udp_get_stats(dp->drx, &u);
	st->data.rx = u.rx;
	st->data.rx_errors = u.rx_errors;
	st->data.truncated = u.truncated;
	st->data.tx = dp->tx;
	st->data.tx_errors = dp->tx_errors;
}
