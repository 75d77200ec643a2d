/*
 * xtr/main.c - lisp-xtrd: wires the xTR core (xtr/core.c ...) onto the daemon skeleton
 * (common/daemon: -f -n -nv -d, SIGHUP reload never half-applied), the TUN device
 * (common/tun, read in batches, MTU = underlay - encapsulation overhead), the encapsulated
 * data path (raw IPPROTO_UDP sockets bound to the RLOCs: the core writes the UDP and LISP
 * headers, so the outer source port carries the flow hash (RFC 9300 §5.3); sent with
 * sendmmsg once per batch; a drop-all socket filter keeps them from receiving; IPv4 outer
 * UDP checksum 0, IPv6 filled by the kernel (IPV6_CHECKSUM); IPv4 outer DF clear, the
 * kernel fragments the outer packet of an inner packet without DF, inner DF packets that
 * do not fit get ICMP too-big from the core), batched UDP sockets on 4341 (decapsulation)
 * and 4342 (control) from common/udpio, the telnet CLI and a 100 ms tick.
 *
 * Natively forwarded packets (negative map-cache entries with ACT natively-forward) leave
 * through a raw IP socket bound (SO_BINDTODEVICE) to <underlay native-forward-device>, so
 * the kernel routes them on the underlay and never back into the TUN; without that device
 * they are dropped and counted (nativeForwardFailed).
 *
 * The site integration (xtr/site/site.h) is used when the config has a <site> element.
 * mode="representative" (the D-ETR, xtr/detr.h) runs the embedded BGP speaker of its <bgp>
 * element (started, reloaded and stopped by xtr/detr.c): every host mapping received enters
 * the map-cache; its CLI rows are added. A reload checks <bgp> first (bgp_reload_check, the
 * same rule as lisp-msd) and applies it in place with bgp_reconfigure: a peer added,
 * removed or changed touches only that peer, the other sessions stay Established and the
 * map-cache keeps their mappings (a removed peer's leave through its withdrawals). A change
 * that needs a restart (the listener) refuses the whole reload, before anything is applied:
 * the running config, the speaker and its sessions stay as they were.
 */
#include "config.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/udp.h>
#ifndef SOL_UDP
#define SOL_UDP 17
#endif
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "bgp/bgp.h"
#include "common/cli.h"
#include "common/conf.h"
#include "common/daemon.h"
#include "common/log.h"
#include "sys/netlink.h"
#include "common/ratelimit.h"
#include "sys/tun.h"
#include "common/udpio.h"
#include "xtr/detr.h"
#include "xtr/offload.h"
#include "xtr/site/site.h"
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

static struct {
	struct xtr *x;
	struct cli *cli;
	struct tun tun;
	struct event *tun_ev, *tick;
	struct udp_sock *ctl;
	struct txq tx4, tx6;
	int native4, native6;
	uint8_t *rxslab;
	struct tun_pkt rx[RX_BATCH];
	struct xtr_gro gro; /* ETR: TCP segments merged into TUN super-packets */
	unsigned mtu;	    /* underlay MTU: UDP_SEGMENT segments must fit */
	int drx_fd;	    /* UDP 4341 with UDP_GRO */
	struct event *drx_ev;
	uint8_t *drx_buf;
	struct site *site;
	bool debug_level;
	struct event_base *base;
	struct xtr_detr *detr; /* representative mode (with the speaker of <bgp>) */
} g = {.tx4.fd = -1, .tx6.fd = -1, .native4 = -1, .native6 = -1, .drx_fd = -1};

/* Every descriptor of g closed (-1): stop() may run after a start() that failed early. */
static void g_reset_fds(void)
{
	g.tx4.fd = g.tx6.fd = g.native4 = g.native6 = g.drx_fd = -1;
	for (unsigned k = 0; k < GSO_SOCKS; k++)
		g.tx4.gso[k].fd = g.tx6.gso[k].fd = -1;
}

/* ---------------------------------------------------------------- data sink */

static void raw_send(struct txq *q, unsigned off, unsigned end)
{
	while (off < end) {
		int r = sendmmsg(q->fd, q->msg + off, end - off, 0);
		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			/* skip the datagram the kernel refused */
			off++;
			continue;
		}
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
static void txq_flush(struct txq *q)
{
	unsigned i = 0, raw = 0;
	size_t ovh = q->rloc.afi == LISP_AFI_IPV4 ? XTR_OVERHEAD4 : XTR_OVERHEAD6;

	while (i < q->n) {
		size_t len = q->iov[i][1].iov_len;
		unsigned j = i + 1;
		size_t bytes = len + 8;
		if (len + ovh <= g.mtu) {
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
				raw_send(q, raw, i);
			if (gso_send(q, i, j) < 0)
				raw_send(q, i, j);
			raw = j;
		}
		i = j;
	}
	if (raw < q->n)
		raw_send(q, raw, q->n);
	q->n = 0;
}

static void data_flush(void *arg)
{
	(void)arg;
	xtr_gro_flush(&g.gro);
	if (g.tx4.n)
		txq_flush(&g.tx4);
	if (g.tx6.n)
		txq_flush(&g.tx6);
}

static int data_send(void *arg, const struct ipaddr *src, const struct ipaddr *dst,
		     const uint8_t *hdr, const uint8_t *inner, size_t len)
{
	struct txq *q = dst->afi == LISP_AFI_IPV4 ? &g.tx4 : &g.tx6;

	(void)arg;
	(void)src; /* the socket is bound to the RLOC */
	if (q->fd < 0)
		return -1;
	if (q->n == TX_BATCH)
		txq_flush(q);
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
	(void)arg;
	return xtr_gro_add(&g.gro, pkt, len);
}

static int gro_out(void *arg, const struct xtr_offload *o, const uint8_t *pkt, size_t len)
{
	(void)arg;
	if (o == NULL)
		return tun_write(&g.tun, pkt, len) == 0 ? 0 : -1;
	struct tun_vnet v = {.flags = o->needs_csum ? 1 : 0,
			     .gso_type = o->gso_type,
			     .hdr_len = o->hdr_len,
			     .gso_size = o->gso_size,
			     .csum_start = o->csum_start,
			     .csum_offset = o->csum_offset};
	return tun_write_vnet(&g.tun, &v, pkt, len) == 0 ? 0 : -1;
}

static int native_send(void *arg, const uint8_t *pkt, size_t len)
{
	(void)arg;
	if (len < 20)
		return -1;
	if ((pkt[0] >> 4) == 4 && g.native4 >= 0) {
		struct sockaddr_in sa = {.sin_family = AF_INET};
		memcpy(&sa.sin_addr, pkt + 16, 4);
		return sendto(g.native4, pkt, len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -1
											      : 0;
	}
	if ((pkt[0] >> 4) == 6 && g.native6 >= 0 && len >= 40) {
		struct sockaddr_in6 sa = {.sin6_family = AF_INET6};
		memcpy(&sa.sin6_addr, pkt + 24, 16);
		return sendto(g.native6, pkt, len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -1
											      : 0;
	}
	return -1;
}

static int ctl_send(void *arg, const struct ipaddr *dst, uint16_t dport, const struct ipaddr *src,
		    const void *data, size_t len)
{
	(void)arg;
	if (udp_queue(g.ctl, dst, dport, src, data, len) == 0)
		return 0;
	return udp_queue(g.ctl, dst, dport, NULL, data, len);
}

static void host_del(void *arg, const struct ipaddr *eid)
{
	(void)arg;
	if (g.site)
		site_host_del(g.site, eid);
}

static void host_add(void *arg, const struct ipaddr *eid)
{
	(void)arg;
	if (g.site)
		site_host_add(g.site, eid);
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

/* UDP 4341 with UDP_GRO: a datagram may be a burst of equal-size datagrams of one flow
 * coalesced by the kernel (the segment size in the UDP_GRO cmsg); each is one LISP packet. */
static int data_rx_open(uint16_t port)
{
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int zero = 0, one = 1, sz = 4 << 20;

	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	setsockopt(fd, IPPROTO_UDP, UDP_GRO, &one, sizeof(one)); /* best effort */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void on_data_rx(evutil_socket_t fd, short ev, void *arg)
{
	struct mmsghdr msg[DRX_BATCH];
	struct iovec iov[DRX_BATCH];
	struct sockaddr_in6 sa[DRX_BATCH];
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cb[DRX_BATCH];

	(void)ev;
	(void)arg;
	for (int round = 0; round < 8; round++) {
		for (int i = 0; i < DRX_BATCH; i++) {
			iov[i].iov_base = g.drx_buf + (size_t)i * DRX_SLOT;
			iov[i].iov_len = DRX_SLOT;
			memset(&msg[i].msg_hdr, 0, sizeof(msg[i].msg_hdr));
			msg[i].msg_hdr.msg_name = &sa[i];
			msg[i].msg_hdr.msg_namelen = sizeof(sa[i]);
			msg[i].msg_hdr.msg_iov = &iov[i];
			msg[i].msg_hdr.msg_iovlen = 1;
			msg[i].msg_hdr.msg_control = cb[i].buf;
			msg[i].msg_hdr.msg_controllen = sizeof(cb[i].buf);
		}
		int n = recvmmsg(fd, msg, DRX_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			break;
		uint64_t now = now_ns();
		for (int i = 0; i < n; i++) {
			struct ipaddr src = {.afi = LISP_AFI_IPV6};
			const uint8_t *a = (const uint8_t *)&sa[i].sin6_addr;
			static const uint8_t mapped[12] = {0, 0, 0, 0, 0,    0,
							   0, 0, 0, 0, 0xff, 0xff};
			if (memcmp(a, mapped, 12) == 0) {
				src.afi = LISP_AFI_IPV4;
				memcpy(src.a, a + 12, 4);
			} else {
				memcpy(src.a, a, 16);
			}
			size_t len = msg[i].msg_len, seg = len;
			if (msg[i].msg_hdr.msg_flags & MSG_TRUNC)
				continue;
			for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg[i].msg_hdr); cm;
			     cm = CMSG_NXTHDR(&msg[i].msg_hdr, cm)) {
				if (cm->cmsg_level == SOL_UDP && cm->cmsg_type == UDP_GRO) {
					int gs;
					memcpy(&gs, CMSG_DATA(cm), sizeof(gs));
					if (gs > 0)
						seg = (size_t)gs;
				}
			}
			const uint8_t *p = iov[i].iov_base;
			for (size_t off = 0; off < len; off += seg)
				xtr_etr_input(g.x, &src, p + off, len - off < seg ? len - off : seg,
					      now);
		}
		/* the data sits in drx_buf, reused by the next round: send now */
		xtr_flush(g.x);
		if (n < DRX_BATCH)
			break;
	}
}

static void on_ctl(struct udp_sock *s, const struct udp_pkt *pkts, size_t n, void *arg)
{
	uint64_t now = now_ns();

	(void)s;
	(void)arg;
	for (size_t i = 0; i < n; i++)
		xtr_control_input(g.x, &pkts[i].src, pkts[i].sport, &pkts[i].dst, pkts[i].data,
				  pkts[i].len, now);
	xtr_flush(g.x);
}

static void on_tun(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	/* a bounded number of batches per wakeup keeps the loop fair to the sockets */
	for (int round = 0; round < 8; round++) {
		for (int i = 0; i < RX_BATCH; i++) {
			g.rx[i].data = g.rxslab + (size_t)i * SLOT + XTR_ENCAP_HLEN;
			g.rx[i].cap = SLOT - XTR_ENCAP_HLEN;
		}
		int n = tun_read_batch(&g.tun, g.rx, RX_BATCH);
		if (n <= 0)
			break;
		uint64_t now = now_ns();
		for (int i = 0; i < n; i++) {
			const struct tun_vnet *v = &g.rx[i].vnet;
			uint8_t *p = g.rx[i].data + g.rx[i].off;
			if (v->gso_type == TUN_GSO_NONE && !(v->flags & 1)) {
				xtr_itr_input(g.x, p, g.rx[i].len, now);
				continue;
			}
			struct xtr_offload o = {.needs_csum = (v->flags & 1) != 0,
						.gso_type = v->gso_type,
						.hdr_len = v->hdr_len,
						.gso_size = v->gso_size,
						.csum_start = v->csum_start,
						.csum_offset = v->csum_offset};
			xtr_itr_input_offload(g.x, p, g.rx[i].len, &o, now);
		}
		xtr_flush(g.x);
		if (n < RX_BATCH)
			break;
	}
}

static void on_tick(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	xtr_tick(g.x, now_ns());
	xtr_flush(g.x);
}

/* ---------------------------------------------------------------- site */

static void site_arrived(void *arg, const struct ipaddr *eid, const uint8_t mac[6])
{
	(void)arg;
	(void)mac;
	xtr_host_arrived(g.x, eid, now_ns());
}

static void site_left(void *arg, const struct ipaddr *eid)
{
	(void)arg;
	xtr_host_left(g.x, eid, now_ns());
}

static int start_site(struct event_base *base, const struct xtr_cfg *c)
{
	struct site_cfg sc = c->site;
	static const struct site_hooks hooks = {site_arrived, site_left};
	char err[256];

	if (!c->has_site)
		return 0;
	if (sc.tun_mtu == 0)
		sc.tun_mtu = c->tun_mtu;
	g.site = site_setup(base, &sc, &hooks, NULL, err, sizeof(err));
	if (g.site == NULL) {
		log_warnx("site: %s", err);
		return -1;
	}
	/* configured host EIDs are local: host routes on the bridge */
	for (size_t i = 0; i < xtr_db_count(g.x); i++) {
		const struct xtr_db_entry *d = xtr_db_at(g.x, i);
		if (d->eid.plen == afi_max_plen(d->eid.afi)) {
			struct ipaddr a = {.afi = d->eid.afi};
			memcpy(a.a, d->eid.a, 16);
			site_host_add(g.site, &a);
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- daemon */

static void *parse(const char *path, struct cfg_errs *errs)
{
	return xtr_cfg_load(path, errs);
}

static void print(const void *cfg, FILE *out)
{
	xtr_cfg_print(cfg, out);
}

static void free_cfg(void *cfg)
{
	xtr_cfg_free(cfg);
}

static void apply_log(const struct xtr_cfg *c)
{
	if (!g.debug_level)
		log_setlevel(c->log_level);
}

static int start(struct event_base *base, void *cfgp)
{
	struct xtr_cfg *c = cfgp;
	struct timeval tick = {0, 100000};
	char err[256];
	struct xtr_io io = {.data_send = data_send,
			    .data_flush = data_flush,
			    .tun_write = tun_write_cb,
			    .native_send = native_send,
			    .ctl_send = ctl_send,
			    .host_del = host_del};

	g_reset_fds();

	g.debug_level = log_getlevel() == LOG_DEBUG;
	apply_log(c);
	g.rxslab = malloc((size_t)RX_BATCH * SLOT);
	g.drx_buf = malloc((size_t)DRX_BATCH * DRX_SLOT);
	if (g.rxslab == NULL || g.drx_buf == NULL || xtr_gro_init(&g.gro, gro_out, NULL) < 0)
		return -1;
	g.mtu = c->underlay_mtu;
	/* vnet header + offloads: reads may be TCP super-packets (segmented by the core),
	 * writes may be merged TCP segments (xtr/offload.h) */
	if (tun_open(&g.tun, c->tun_name, TUN_VNET_HDR, err, sizeof(err)) < 0) {
		log_warnx("TUN %s: %s", c->tun_name, err);
		return -1;
	}
	{
		struct nl nl;
		if (nl_open(&nl) == 0) {
			if (nl_link_set_mtu(&nl, g.tun.ifindex, c->tun_mtu) < 0)
				log_warnx("TUN %s: cannot set MTU %u", g.tun.name, c->tun_mtu);
			nl_link_set_up(&nl, g.tun.ifindex, true);
			nl_close(&nl);
		}
	}
	for (unsigned i = 0; i < c->nrloc; i++) {
		struct txq *q = c->rloc[i].afi == LISP_AFI_IPV4 ? &g.tx4 : &g.tx6;
		q->fd = raw_tx_socket(&c->rloc[i]);
		q->rloc = c->rloc[i];
		if (q->fd < 0) {
			log_warn("raw socket for RLOC %u", i);
			return -1;
		}
	}
	if (c->native_dev[0]) {
		g.native4 = native_socket(AF_INET, c->native_dev);
		g.native6 = native_socket(AF_INET6, c->native_dev);
		if (g.native4 < 0 && g.native6 < 0)
			log_warn("native-forward-device %s", c->native_dev);
	}
	g.base = base;
	g.x = xtr_new(c, &io, now_ns());
	if (g.x == NULL)
		return -1;
	xtr_set_host_add(g.x, host_add);
	if (c->mode == XTR_MODE_REPRESENTATIVE) {
		g.detr = xtr_detr_new(g.x);
		if (g.detr == NULL)
			return -1;
		if (xtr_db_count(g.x) == 0)
			log_warnx(
			    "representative mode without aggregate EID prefixes (<database>)");
	}
	g.drx_fd = data_rx_open(c->data_port);
	if (g.drx_fd < 0) {
		log_warn("UDP port %u", c->data_port);
		return -1;
	}
	g.drx_ev = event_new(base, g.drx_fd, EV_READ | EV_PERSIST, on_data_rx, NULL);
	g.ctl = udp_open(base, NULL, c->control_port, on_ctl, NULL);
	if (g.drx_ev == NULL || event_add(g.drx_ev, NULL) == -1 || g.ctl == NULL)
		return -1;
	{
		/* a cache fill answers thousands of Map-Requests at once: the default receive
		 * buffer (~200 KB, a few hundred Map-Replies) overflowed while the daemon was
		 * busy with the TUN */
		int sz = 4 << 20;
		setsockopt(udp_fd(g.ctl), SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	}
	g.tun_ev = event_new(base, g.tun.fd, EV_READ | EV_PERSIST, on_tun, NULL);
	g.tick = event_new(base, -1, EV_PERSIST, on_tick, NULL);
	if (g.tun_ev == NULL || g.tick == NULL || event_add(g.tun_ev, NULL) == -1 ||
	    event_add(g.tick, &tick) == -1)
		return -1;
	g.cli = xtr_cli_new(base, g.x);
	if (g.cli == NULL || cli_start(g.cli, &c->cli) == -1)
		return -1;
	if (g.detr && xtr_detr_bgp_start(g.detr, base, g.cli, c->bgp) == -1) {
		log_warnx("BGP speaker did not start");
		return -1;
	}
	if (start_site(base, c) == -1)
		return -1;
	log_info("lisp-xtrd %s: TUN %s mtu %u, %u RLOCs, %zu database mappings, %u map-servers, "
		 "%u map-resolvers",
		 XTR_VERSION, g.tun.name, c->tun_mtu, c->nrloc, xtr_db_count(g.x), c->nms, c->nmr);
	return 0;
}

static int reload(void *oldp, void *newp)
{
	const struct xtr_cfg *o = oldp;
	struct xtr_cfg *n = newp;

	/* <bgp> first: a refusal (a change that needs a restart) refuses the whole reload
	 * before anything is applied */
	if (g.detr && xtr_detr_bgp_reload_prepare(g.detr, n->bgp) == -1)
		return -1;
	if (xtr_reconfigure(g.x, n, now_ns()) == -1) {
		xtr_detr_bgp_reload_abort(g.detr);
		return -1;
	}
	if (g.detr) /* in place: the sessions of unchanged peers stay */
		xtr_detr_bgp_reload_commit(g.detr, n->bgp);
	if (strcmp(o->tun_name, n->tun_name) || o->nrloc != n->nrloc ||
	    memcmp(o->rloc, n->rloc, sizeof(o->rloc)) || !cfg_cli_same_listener(&o->cli, &n->cli))
		log_warnx("TUN, RLOC and CLI changes take effect at the next restart");
	cli_reconfigure(g.cli, &n->cli);
	apply_log(n);
	log_info("reloaded: %zu database mappings", xtr_db_count(g.x));
	return 0;
}

static void stop(void)
{
	if (g.site)
		site_teardown(g.site);
	if (g.tick)
		event_free(g.tick);
	if (g.tun_ev)
		event_free(g.tun_ev);
	xtr_detr_bgp_stop(g.detr); /* before the CLI its rows are in */
	cli_free(g.cli);
	xtr_detr_free(g.detr);
	if (g.drx_ev)
		event_free(g.drx_ev);
	if (g.drx_fd >= 0)
		close(g.drx_fd);
	udp_close(g.ctl);
	xtr_free(g.x);
	for (int f = 0; f < 2; f++) {
		struct txq *q = f ? &g.tx6 : &g.tx4;
		if (q->fd >= 0)
			close(q->fd);
		for (unsigned k = 0; k < GSO_SOCKS; k++)
			if (q->gso[k].fd >= 0)
				close(q->gso[k].fd);
	}
	if (g.native4 >= 0)
		close(g.native4);
	if (g.native6 >= 0)
		close(g.native6);
	if (g.tun.fd > 0)
		tun_close(&g.tun);
	free(g.rxslab);
	free(g.drx_buf);
	xtr_gro_fini(&g.gro);
	memset(&g, 0, sizeof(g));
	g_reset_fds();
}

static const struct daemon_desc xtr_desc = {
    .name = "lisp-xtrd",
    .default_config = SYSCONFDIR "/lisp-xtrd.xml",
    .version = XTR_VERSION,
    .usage_extra = "lisp-xtrd: LISP site xTR (RFC 9300/9301); CLI on 127.0.0.1:2620\n",
    .parse_config = parse,
    .print_config = print,
    .free_config = free_cfg,
    .start = start,
    .reload = reload,
    .stop = stop,
};

int main(int argc, char **argv)
{
	return daemon_main(&xtr_desc, argc, argv);
}
