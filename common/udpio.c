/* SPDX-License-Identifier: ISC */
/*
 * common/udpio.c - recvmmsg/sendmmsg UDP sockets with packet info (see udpio.h).
 */
#include "config.h"

#include "common/udpio.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/log.h"
#include "common/out.h"

/* room for IP_PKTINFO, IPV6_PKTINFO, UDP_GRO and SO_RXQ_OVFL (CMSG_SPACE is not constant
 * for clang): >= CMSG_SPACE(in_pktinfo) + CMSG_SPACE(in6_pktinfo) + 2 * CMSG_SPACE(int) */
#define CMSG_SPACE_MAX 128

struct udp_txent {
	struct sockaddr_storage to;
	union {
		char buf[CMSG_SPACE_MAX];
		size_t align; /* struct cmsghdr alignment */
	} ctl;
	size_t ctllen;
	struct iovec iov;
};

struct udp_sock {
	struct udp_sock *prev, *next; /* the list of open sockets (udp_each) */
	int fd;
	int family;  /* AF_INET or AF_INET6 */
	bool v6only; /* AF_INET6 bound to an IPv6 address: no IPv4 */
	uint16_t port;
	struct event *ev_read;
	struct event *ev_flush;
	udp_recv_cb cb;
	void *arg;
	struct udp_stats st;
	/* receive */
	size_t rx_max;		/* longest datagram taken */
	unsigned batch, rounds; /* datagrams per recvmmsg, calls per wake-up */
	uint8_t *rxbuf;		/* batch * (rx_max + 1: one more byte shows truncation) */
	struct mmsghdr rxmsg[UDP_BATCH];
	struct iovec rxiov[UDP_BATCH];
	struct sockaddr_storage rxfrom[UDP_BATCH];
	union {
		char buf[CMSG_SPACE_MAX];
		size_t align; /* struct cmsghdr alignment */
	} rxctl[UDP_BATCH];
	struct udp_pkt pkts[UDP_BATCH];
	/* send queue */
	uint8_t *txbuf; /* UDP_TXQ * UDP_MAX_DGRAM */
	struct udp_txent tx[UDP_TXQ];
	struct mmsghdr txmsg[UDP_TXQ];
	size_t ntx;
};

/* Open sockets, oldest first (the daemon is single-threaded). */
static struct udp_sock *open_head, *open_tail;

static void sa_to_ipaddr(const struct sockaddr_storage *ss, struct ipaddr *a, uint16_t *port)
{
	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
		a->afi = LISP_AFI_IPV4;
		memcpy(a->a, &s4->sin_addr, 4);
		if (port)
			*port = ntohs(s4->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			a->afi = LISP_AFI_IPV4;
			memcpy(a->a, &s6->sin6_addr.s6_addr[12], 4);
		} else {
			a->afi = LISP_AFI_IPV6;
			memcpy(a->a, &s6->sin6_addr, 16);
		}
		if (port)
			*port = ntohs(s6->sin6_port);
	}
}

static void in6_from_ipaddr(struct in6_addr *in6, const struct ipaddr *a)
{
	memset(in6, 0, sizeof(*in6));
	if (a->afi == LISP_AFI_IPV4) {
		in6->s6_addr[10] = 0xff;
		in6->s6_addr[11] = 0xff;
		memcpy(&in6->s6_addr[12], a->a, 4);
	} else {
		memcpy(in6, a->a, 16);
	}
}

/* Socket address for `a` on a socket of `family`; 0 or -1 (unreachable family). */
static int ipaddr_to_sa(int family, const struct ipaddr *a, uint16_t port,
			struct sockaddr_storage *ss, socklen_t *sl)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		if (a->afi != LISP_AFI_IPV4)
			return -1;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, a->a, 4);
		*sl = sizeof(*s4);
		return 0;
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	if (a->afi != LISP_AFI_IPV4 && a->afi != LISP_AFI_IPV6)
		return -1;
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	in6_from_ipaddr(&s6->sin6_addr, a);
	*sl = sizeof(*s6);
	return 0;
}

/* The local address (pktinfo) and the UDP_GRO segment size into p; the kernel's count of datagrams
 * it dropped on this socket so far (SO_RXQ_OVFL, 32 bits, wrapping) into s. */
static void parse_cmsg(struct udp_sock *s, struct msghdr *mh, struct udp_pkt *p)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL &&
		    c->cmsg_len >= CMSG_LEN(sizeof(uint32_t))) {
			uint32_t drops;
			memcpy(&drops, CMSG_DATA(c), sizeof(drops));
			uint32_t seen = (uint32_t)s->st.kernel_drops;
			if (drops != seen) {
				uint32_t more = drops - seen; /* modulo 2^32 */
				s->st.kernel_drops += more;
				log_input_key("udp",
					      "udp port %u: %u datagram(s) dropped by the kernel, "
					      "receive buffer full",
					      s->port, more);
			}
		} else if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO &&
			   c->cmsg_len >= CMSG_LEN(sizeof(int))) {
			int gs;
			memcpy(&gs, CMSG_DATA(c), sizeof(gs));
			p->gso_size = gs > 0 && gs <= UINT16_MAX ? (uint16_t)gs : 0;
		} else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
			   c->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			memset(&p->dst, 0, sizeof(p->dst));
			p->dst.afi = LISP_AFI_IPV4;
			memcpy(p->dst.a, &pi.ipi_addr, 4);
			p->ifindex = (unsigned)pi.ipi_ifindex;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
			   c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo pi;
			struct sockaddr_storage ss = {.ss_family = AF_INET6};
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			((struct sockaddr_in6 *)&ss)->sin6_addr = pi.ipi6_addr;
			sa_to_ipaddr(&ss, &p->dst, NULL);
			p->ifindex = pi.ipi6_ifindex;
		}
	}
}

static void udp_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct udp_sock *s = arg;

	/* a few batches per wake-up, then let other events run */
	for (unsigned round = 0; round < s->rounds; round++) {
		for (unsigned i = 0; i < s->batch; i++) {
			struct msghdr *mh = &s->rxmsg[i].msg_hdr;
			mh->msg_name = &s->rxfrom[i];
			mh->msg_namelen = sizeof(s->rxfrom[i]);
			mh->msg_iov = &s->rxiov[i];
			mh->msg_iovlen = 1;
			mh->msg_control = s->rxctl[i].buf;
			mh->msg_controllen = sizeof(s->rxctl[i].buf);
			mh->msg_flags = 0;
			s->rxmsg[i].msg_len = 0;
		}
		int n = recvmmsg(fd, s->rxmsg, s->batch, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
				int e = errno;
				s->st.rx_errors++;
				log_input_key("udp", "udp port %u: recvmmsg: %s", s->port,
					      strerror(e));
			}
			return;
		}
		size_t k = 0;
		for (int i = 0; i < n; i++) {
			struct msghdr *mh = &s->rxmsg[i].msg_hdr;
			struct udp_pkt *p = &s->pkts[k];
			memset(p, 0, sizeof(*p));
			if (!(mh->msg_flags & MSG_CTRUNC))
				parse_cmsg(s, mh, p);
			if ((mh->msg_flags & MSG_TRUNC) || s->rxmsg[i].msg_len > s->rx_max) {
				s->st.truncated++;
				log_input((struct sockaddr *)&s->rxfrom[i],
					  "udp port %u: datagram longer than %zu bytes dropped",
					  s->port, s->rx_max);
				continue;
			}
			if (s->rxmsg[i].msg_len == 0) {
				s->st.empty++;
				log_input((struct sockaddr *)&s->rxfrom[i],
					  "udp port %u: zero-length datagram dropped", s->port);
				continue;
			}
			sa_to_ipaddr(&s->rxfrom[i], &p->src, &p->sport);
			p->dport = s->port;
			p->data = s->rxiov[i].iov_base;
			p->len = s->rxmsg[i].msg_len;
			k++;
		}
		s->st.rx += k;
		if (k > 0)
			s->cb(s, s->pkts, k, s->arg);
		if ((unsigned)n < s->batch)
			return;
	}
}

static void udp_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	udp_flush(arg);
}

struct udp_sock *udp_open(struct event_base *base, const struct ipaddr *bind_addr, uint16_t port,
			  udp_recv_cb cb, void *arg)
{
	return udp_open_opts(base, bind_addr, port, NULL, cb, arg);
}

struct udp_sock *udp_open_opts(struct event_base *base, const struct ipaddr *bind_addr,
			       uint16_t port, const struct udp_opts *opts, udp_recv_cb cb,
			       void *arg)
{
	static const struct udp_opts defaults;
	struct ipaddr any = {.afi = LISP_AFI_NONE};
	struct sockaddr_storage ss;
	socklen_t sl;
	struct udp_sock *s;
	int on = 1, off = 0;
	char astr[IPADDR_STRLEN] = "any";

	if (bind_addr == NULL)
		bind_addr = &any;
	if (bind_addr->afi != LISP_AFI_NONE)
		ipaddr_str(bind_addr, astr, sizeof(astr));
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		log_warn("udp_open");
		return NULL;
	}
	s->fd = -1;
	s->family = bind_addr->afi == LISP_AFI_IPV4 ? AF_INET : AF_INET6;
	s->v6only = bind_addr->afi == LISP_AFI_IPV6;
	s->cb = cb;
	s->arg = arg;
	if (opts == NULL)
		opts = &defaults;
	s->rx_max = opts->rx_max ? opts->rx_max : UDP_MAX_DGRAM;
	s->batch = opts->batch && opts->batch < UDP_BATCH ? opts->batch : UDP_BATCH;
	s->rounds = opts->rounds ? opts->rounds : 4;
	s->rxbuf = malloc((size_t)s->batch * (s->rx_max + 1));
	s->txbuf = malloc((size_t)UDP_TXQ * UDP_MAX_DGRAM);
	if (s->rxbuf == NULL || s->txbuf == NULL) {
		log_warn("udp_open");
		goto fail;
	}
	for (unsigned i = 0; i < s->batch; i++) {
		s->rxiov[i].iov_base = s->rxbuf + (size_t)i * (s->rx_max + 1);
		s->rxiov[i].iov_len = s->rx_max + 1;
	}
	s->fd = socket(s->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		log_warn("udp %s port %u: socket", astr, port);
		goto fail;
	}
	if (s->family == AF_INET6) {
		int v6only = bind_addr->afi == LISP_AFI_IPV6;
		if (setsockopt(s->fd, IPPROTO_IPV6, IPV6_V6ONLY, v6only ? &on : &off, sizeof(on)) <
			0 ||
		    (!opts->no_pktinfo &&
		     setsockopt(s->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on)) < 0)) {
			log_warn("udp %s port %u: setsockopt", astr, port);
			goto fail;
		}
		if (bind_addr->afi == LISP_AFI_NONE) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
			memset(&ss, 0, sizeof(ss));
			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons(port);
			s6->sin6_addr = in6addr_any;
			sl = sizeof(*s6);
		} else {
			ipaddr_to_sa(AF_INET6, bind_addr, port, &ss, &sl);
		}
	} else {
		if (!opts->no_pktinfo &&
		    setsockopt(s->fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on)) < 0) {
			log_warn("udp %s port %u: setsockopt", astr, port);
			goto fail;
		}
		ipaddr_to_sa(AF_INET, bind_addr, port, &ss, &sl);
	}
	/* IPv4 datagrams on the dual-stack socket carry IP_PKTINFO (best effort) */
	if (s->family == AF_INET6 && bind_addr->afi == LISP_AFI_NONE && !opts->no_pktinfo)
		(void)setsockopt(s->fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on));
	/* best effort too: without them, the defaults and one datagram per segment */
	if (opts->rcvbuf > 0)
		(void)setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &opts->rcvbuf, sizeof(opts->rcvbuf));
	if (opts->gro)
		(void)setsockopt(s->fd, SOL_UDP, UDP_GRO, &on, sizeof(on));
	/* the kernel's count of datagrams dropped for a full receive buffer (kernel_drops) */
	if (setsockopt(s->fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof(on)) < 0)
		log_warn("udp %s port %u: SO_RXQ_OVFL (receive buffer drops are not counted)", astr,
			 port);
	if (bind(s->fd, (struct sockaddr *)&ss, sl) < 0) {
		log_warn("udp %s port %u: bind", astr, port);
		goto fail;
	}
	sl = sizeof(ss);
	if (getsockname(s->fd, (struct sockaddr *)&ss, &sl) < 0) {
		log_warn("udp %s port %u: getsockname", astr, port);
		goto fail;
	}
	struct ipaddr dummy;
	sa_to_ipaddr(&ss, &dummy, &s->port);
	s->ev_read = event_new(base, s->fd, EV_READ | EV_PERSIST, udp_read_cb, s);
	s->ev_flush = event_new(base, -1, 0, udp_flush_cb, s);
	if (s->ev_read == NULL || s->ev_flush == NULL || event_add(s->ev_read, NULL) < 0) {
		log_warnx("udp %s port %u: cannot register with the event loop", astr, port);
		goto fail;
	}
	s->prev = open_tail;
	if (open_tail)
		open_tail->next = s;
	else
		open_head = s;
	open_tail = s;
	return s;
fail:
	if (s->ev_read)
		event_free(s->ev_read);
	if (s->ev_flush)
		event_free(s->ev_flush);
	if (s->fd >= 0)
		close(s->fd);
	free(s->rxbuf);
	free(s->txbuf);
	free(s);
	return NULL;
}

void udp_close(struct udp_sock *s)
{
	if (s == NULL)
		return;
	udp_flush(s);
	if (s->prev)
		s->prev->next = s->next;
	else
		open_head = s->next;
	if (s->next)
		s->next->prev = s->prev;
	else
		open_tail = s->prev;
	event_free(s->ev_read);
	event_free(s->ev_flush);
	close(s->fd);
	free(s->rxbuf);
	free(s->txbuf);
	free(s);
}

uint16_t udp_local_port(const struct udp_sock *s)
{
	return s->port;
}

int udp_fd(const struct udp_sock *s)
{
	return s->fd;
}

void udp_get_stats(const struct udp_sock *s, struct udp_stats *st)
{
	*st = s->st;
}

size_t udp_queued(const struct udp_sock *s)
{
	return s->ntx;
}

int udp_each(int (*cb)(const struct udp_sock *s, void *arg), void *arg)
{
	for (const struct udp_sock *s = open_head; s != NULL; s = s->next) {
		int r = cb(s, arg);
		if (r != 0)
			return r;
	}
	return 0;
}

static int out_one(const struct udp_sock *s, void *arg)
{
	struct out *o = arg;

	out_begin_object(o, NULL);
	out_uint(o, "port", s->port);
	out_uint(o, "received", s->st.rx);
	out_uint(o, "sent", s->st.tx);
	out_begin_object(o, "receiveDrops");
	out_uint(o, "truncated", s->st.truncated);
	out_uint(o, "empty", s->st.empty);
	out_uint(o, "kernelBufferFull", s->st.kernel_drops);
	out_uint(o, "receiveErrors", s->st.rx_errors);
	out_end(o);
	out_begin_object(o, "sendDrops");
	out_uint(o, "invalid", s->st.tx_invalid);
	out_uint(o, "bufferFull", s->st.tx_full);
	out_uint(o, "refused", s->st.tx_refused);
	out_end(o);
	out_end(o);
	return 0;
}

void udp_out_stats(struct out *o, const char *key)
{
	out_begin_array(o, key);
	udp_each(out_one, o);
	out_end(o);
}

bool udp_can_send(const struct udp_sock *s, const struct ipaddr *dst, const struct ipaddr *src)
{
	if (dst->afi != LISP_AFI_IPV4 && (s->family == AF_INET || dst->afi != LISP_AFI_IPV6))
		return false;
	if (dst->afi == LISP_AFI_IPV4 && s->v6only)
		return false;
	if (src == NULL || src->afi == LISP_AFI_NONE)
		return true;
	return s->family == AF_INET ? src->afi == LISP_AFI_IPV4 : src->afi == dst->afi;
}

/* Fill a message for (dst, src); data already placed by the caller in iov. */
static int udp_prepare(struct udp_sock *s, struct udp_txent *t, struct msghdr *mh,
		       const struct ipaddr *dst, uint16_t dport, const struct ipaddr *src)
{
	socklen_t sl;

	/* the one rule of which (dst, src) this socket can send (v6only, families) */
	if (!udp_can_send(s, dst, src) || ipaddr_to_sa(s->family, dst, dport, &t->to, &sl) < 0)
		return -1;
	memset(mh, 0, sizeof(*mh));
	mh->msg_name = &t->to;
	mh->msg_namelen = sl;
	mh->msg_iov = &t->iov;
	mh->msg_iovlen = 1;
	t->ctllen = 0;
	if (src != NULL && src->afi != LISP_AFI_NONE) {
		memset(&t->ctl, 0, sizeof(t->ctl));
		mh->msg_control = t->ctl.buf;
		if (s->family == AF_INET) {
			struct in_pktinfo pi;
			memset(&pi, 0, sizeof(pi));
			memcpy(&pi.ipi_spec_dst, src->a, 4);
			mh->msg_controllen = CMSG_SPACE(sizeof(pi));
			struct cmsghdr *c = CMSG_FIRSTHDR(mh);
			c->cmsg_level = IPPROTO_IP;
			c->cmsg_type = IP_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		} else {
			struct in6_pktinfo pi;
			memset(&pi, 0, sizeof(pi));
			in6_from_ipaddr(&pi.ipi6_addr, src); /* IPv4: mapped, Linux accepts */
			mh->msg_controllen = CMSG_SPACE(sizeof(pi));
			struct cmsghdr *c = CMSG_FIRSTHDR(mh);
			c->cmsg_level = IPPROTO_IPV6;
			c->cmsg_type = IPV6_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		}
		t->ctllen = mh->msg_controllen;
	}
	return 0;
}

int udp_send(struct udp_sock *s, const struct ipaddr *dst, uint16_t dport, const struct ipaddr *src,
	     const void *data, size_t len)
{
	struct udp_txent t;
	struct msghdr mh;

	t.iov.iov_base = (void *)(uintptr_t)data;
	t.iov.iov_len = len;
	if (len > UDP_MAX_DGRAM || udp_prepare(s, &t, &mh, dst, dport, src) < 0) {
		s->st.tx_errors++;
		s->st.tx_invalid++;
		return -1;
	}
	ssize_t r;
	do
		r = sendmsg(s->fd, &mh, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		s->st.tx_errors++;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			s->st.tx_full++;
		else
			s->st.tx_refused++;
		log_debug("udp port %u: sendmsg: %s", s->port, strerror(errno));
		return -1;
	}
	s->st.tx++;
	return 0;
}

int udp_queue(struct udp_sock *s, const struct ipaddr *dst, uint16_t dport,
	      const struct ipaddr *src, const void *data, size_t len)
{
	if (s->ntx == UDP_TXQ)
		udp_flush(s);
	struct udp_txent *t = &s->tx[s->ntx];
	struct msghdr *mh = &s->txmsg[s->ntx].msg_hdr;

	if (len > UDP_MAX_DGRAM || udp_prepare(s, t, mh, dst, dport, src) < 0) {
		s->st.tx_errors++;
		s->st.tx_invalid++;
		return -1;
	}
	t->iov.iov_base = s->txbuf + s->ntx * UDP_MAX_DGRAM;
	t->iov.iov_len = len;
	memcpy(t->iov.iov_base, data, len);
	if (s->ntx++ == 0)
		event_active(s->ev_flush, EV_TIMEOUT, 1);
	if (s->ntx == UDP_TXQ)
		udp_flush(s);
	return 0;
}

size_t udp_flush(struct udp_sock *s)
{
	size_t i = 0, sent = 0;

	while (i < s->ntx) {
		int r = sendmmsg(s->fd, &s->txmsg[i], (unsigned)(s->ntx - i), 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				/* socket buffer full: UDP may drop, and so do we */
				s->st.tx_errors += s->ntx - i;
				s->st.tx_full += s->ntx - i;
				log_debug("udp port %u: send buffer full, %zu dropped", s->port,
					  s->ntx - i);
				break;
			}
			/* this one datagram is refused (e.g. unreachable): skip it */
			s->st.tx_errors++;
			s->st.tx_refused++;
			log_debug("udp port %u: sendmmsg: %s", s->port, strerror(errno));
			i++;
			continue;
		}
		i += (size_t)r;
		sent += (size_t)r;
	}
	s->st.tx += sent;
	s->ntx = 0;
	return sent;
}
