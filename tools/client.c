/* SPDX-License-Identifier: ISC */
/*
 * tools/client.c - shared plumbing of lisp-register and lisp-query: argument parsing
 * helpers, bounded file reads, key and EID files parsed through proto/buf.h (never with
 * string functions over raw file bytes), nonces and the retransmitting UDP exchange.
 *
 * The exchange (xchg_run) sends attempt 0, waits `timeout` seconds, then sends attempt 1
 * and waits twice as long, and so on for `retries` retransmissions (0.5, 1, 2, 4 s with the
 * defaults). An answer to ANY earlier attempt also counts (each attempt carries its own
 * nonce, see lisp_register.c for why), so a slow answer is never wasted.
 */
#include "tools/client.h"

#include "proto/lisp_msg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <netdb.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int tools_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (max - (unsigned long)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	*out = v;
	return 0;
}

int tools_parse_seconds(const char *s, double *out)
{
	char *end;
	double v;
	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !(v > 0) || v > TOOLS_MAX_TIMEOUT)
		return -1;
	*out = v;
	return 0;
}

int tools_parse_hostport(const char *s, uint16_t defport, char *host, size_t hostlen,
			 uint16_t *port)
{
	const char *h = s, *p = NULL, *colon;
	size_t hl;
	unsigned long v;

	if (!s || !*s)
		return -1;
	if (*s == '[') {
		const char *close = strchr(s, ']');
		if (!close)
			return -1;
		h = s + 1;
		hl = (size_t)(close - h);
		if (close[1] == ':')
			p = close + 2;
		else if (close[1] != '\0')
			return -1;
	} else {
		colon = strchr(s, ':');
		if (colon && strchr(colon + 1, ':')) {
			hl = strlen(s); /* bare IPv6 literal: no port possible */
		} else if (colon) {
			hl = (size_t)(colon - s);
			p = colon + 1;
		} else {
			hl = strlen(s);
		}
	}
	if (hl == 0 || hl >= hostlen)
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (p) {
		if (tools_parse_uint(p, 65535, &v) || v == 0)
			return -1;
		*port = (uint16_t)v;
	} else {
		*port = defport;
	}
	return 0;
}

int tools_resolve(const char *host, uint16_t port, struct sockaddr_storage *ss, socklen_t *sslen,
		  char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL;
	char ps[8];
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_ADDRCONFIG;
	snprintf(ps, sizeof(ps), "%u", port);
	rc = getaddrinfo(host, ps, &hints, &res);
	if (rc == EAI_NONAME || rc == EAI_ADDRFAMILY) {
		hints.ai_flags = 0; /* loopback-only hosts: AI_ADDRCONFIG hides ::1 */
		rc = getaddrinfo(host, ps, &hints, &res);
	}
	if (rc != 0 || !res)
		return errf(err, errlen, "cannot resolve %s: %s", host, gai_strerror(rc));
	if (res->ai_addrlen > sizeof(*ss)) {
		freeaddrinfo(res);
		return errf(err, errlen, "cannot resolve %s: address too long", host);
	}
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sslen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

void tools_sockaddr_to_ip(const struct sockaddr_storage *ss, struct ipaddr *ip, uint16_t *port)
{
	memset(ip, 0, sizeof(*ip));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
		ip->afi = LISP_AFI_IPV4;
		memcpy(ip->a, &s4->sin_addr, 4);
		if (port)
			*port = ntohs(s4->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			ip->afi = LISP_AFI_IPV4;
			memcpy(ip->a, s6->sin6_addr.s6_addr + 12, 4);
		} else {
			ip->afi = LISP_AFI_IPV6;
			memcpy(ip->a, &s6->sin6_addr, 16);
		}
		if (port)
			*port = ntohs(s6->sin6_port);
	} else if (port) {
		*port = 0;
	}
}

int tools_ip_to_sockaddr(const struct ipaddr *ip, uint16_t port, struct sockaddr_storage *ss,
			 socklen_t *sslen)
{
	memset(ss, 0, sizeof(*ss));
	if (ip->afi == LISP_AFI_IPV4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, ip->a, 4);
		*sslen = sizeof(*s4);
		return 0;
	}
	if (ip->afi == LISP_AFI_IPV6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, ip->a, 16);
		*sslen = sizeof(*s6);
		return 0;
	}
	return -1;
}

const char *tools_sockaddr_str(const struct sockaddr_storage *ss, char *dst, size_t len)
{
	struct ipaddr ip;
	uint16_t port;
	char a[IPADDR_STRLEN];

	tools_sockaddr_to_ip(ss, &ip, &port);
	ipaddr_str(&ip, a, sizeof(a));
	snprintf(dst, len, ip.afi == LISP_AFI_IPV6 ? "[%s]:%u" : "%s:%u", a, port);
	return dst;
}

int tools_read_fd(int fd, size_t max, uint8_t **data, size_t *len, char *err, size_t errlen)
{
	size_t cap = 4096, n = 0;
	uint8_t *p = malloc(cap + 1), *np;
	ssize_t r;

	if (!p)
		return errf(err, errlen, "out of memory");
	for (;;) {
		if (n == cap) {
			if (cap >= max + 1) {
				free(p);
				return errf(err, errlen, "input longer than %zu bytes", max);
			}
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			np = realloc(p, cap + 1);
			if (!np) {
				free(p);
				return errf(err, errlen, "out of memory");
			}
			p = np;
		}
		r = read(fd, p + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(p);
			return errf(err, errlen, "read: %s", strerror(e));
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			free(p);
			return errf(err, errlen, "input longer than %zu bytes", max);
		}
	}
	p[n] = '\0';
	*data = p;
	*len = n;
	return 0;
}

int tools_read_file(const char *path, size_t max, uint8_t **data, size_t *len, char *err,
		    size_t errlen)
{
	struct stat st;
	int fd, rc;
	char e2[TOOLS_ERRLEN];

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return errf(err, errlen, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return errf(err, errlen, "%s: not a regular file", path);
	}
	rc = tools_read_fd(fd, max, data, len, e2, sizeof(e2));
	close(fd);
	if (rc)
		return errf(err, errlen, "%s: %s", path, e2);
	return 0;
}

/* Next line of a reader: sub-view without the "\n" (and a final "\r"). 0, or -1 at end. */
static int next_line(struct buf *b, struct buf *line)
{
	size_t start = buf_offset(b), n = 0, end;
	uint8_t c;

	if (buf_left(b) == 0)
		return -1;
	while (buf_peek_u8(b, &c) == 0 && c != '\n') {
		buf_skip(b, 1);
		n++;
	}
	buf_skip(b, 1); /* the '\n', if any */
	end = start + n;
	if (n > 0 && b->data[end - 1] == '\r')
		n--;
	buf_init_read(line, b->data + start, n);
	return 0;
}

int tools_parse_secret(const uint8_t *data, size_t len, char *secret, size_t cap, size_t *slen,
		       char *err, size_t errlen)
{
	struct buf b;
	uint8_t c;
	size_t n = len;

	/* the daemons' secret-file rule (ms/config.c, xtr/config.c): the whole file without
	 * its trailing CR/LF characters, so one key file serves both ends */
	buf_init_read(&b, data, len);
	while (n > 0 && buf_seek(&b, n - 1) == 0 && buf_peek_u8(&b, &c) == 0 &&
	       (c == '\n' || c == '\r'))
		n--;
	if (n == 0)
		return errf(err, errlen, "empty secret");
	if (n > TOOLS_SECRET_MAX || n >= cap)
		return errf(err, errlen, "secret longer than %d bytes", TOOLS_SECRET_MAX);
	buf_seek(&b, 0);
	if (buf_get_bytes(&b, secret, n))
		return errf(err, errlen, "unreadable secret");
	if (memchr(secret, '\0', n))
		return errf(err, errlen, "NUL byte in secret");
	secret[n] = '\0';
	*slen = n;
	return 0;
}

int tools_parse_eid(const char *s, uint32_t default_iid, struct lisp_prefix *out)
{
	if (prefix_parse(s, out, false))
		return -1;
	if (s[0] != '[')
		out->iid = default_iid;
	return 0;
}

static bool is_blank(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

int tools_parse_eid_list(const uint8_t *data, size_t len, uint32_t default_iid,
			 struct lisp_prefix **out, size_t *n, char *err, size_t errlen)
{
	struct buf b, line;
	unsigned lineno = 0;
	char text[PREFIX_STRLEN + 1];

	buf_init_read(&b, data, len);
	while (next_line(&b, &line) == 0) {
		size_t k = 0, i;
		uint8_t c;
		lineno++;
		/* copy up to the comment, skipping leading blanks */
		while (buf_get_u8(&line, &c) == 0 && c != '#') {
			if (c == '\0')
				return errf(err, errlen, "line %u: NUL byte", lineno);
			if (k == 0 && is_blank(c))
				continue;
			if (k >= PREFIX_STRLEN)
				return errf(err, errlen, "line %u: too long for a prefix", lineno);
			text[k++] = (char)c;
		}
		while (k > 0 && is_blank((uint8_t)text[k - 1]))
			k--;
		text[k] = '\0';
		if (k == 0)
			continue;
		for (i = 0; i < k; i++)
			if (is_blank((uint8_t)text[i]))
				return errf(err, errlen, "line %u: one prefix per line: \"%s\"",
					    lineno, text);
		struct lisp_prefix p, *np;
		if (tools_parse_eid(text, default_iid, &p))
			return errf(err, errlen, "line %u: bad EID prefix \"%s\"", lineno, text);
		np = realloc(*out, (*n + 1) * sizeof(**out));
		if (!np)
			return errf(err, errlen, "out of memory");
		*out = np;
		np[(*n)++] = p;
	}
	return 0;
}

uint64_t tools_nonce_increasing(uint64_t last)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	/* the one nonce scale of every registrant of the suite (lisp-xtrd too) */
	return lisp_register_nonce(last,
				   (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec);
}

uint64_t tools_nonce_random(void)
{
	uint64_t v = 0;
	if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
		v = tools_nonce_increasing(0) ^ ((uint64_t)getpid() << 32);
	return v ? v : 1;
}

double tools_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

const char *xchg_icmp_name(enum xchg_icmp k)
{
	switch (k) {
	case XI_PORT_UNREACH:
		return "port-unreachable";
	case XI_HOST_UNREACH:
		return "host-unreachable";
	case XI_PROHIBITED:
		return "administratively-prohibited";
	case XI_OTHER:
		return "other";
	default:
		return "none";
	}
}

static enum xchg_icmp icmp_kind(const struct sock_extended_err *ee)
{
	if (ee->ee_origin == SO_EE_ORIGIN_ICMP && ee->ee_type == ICMP_DEST_UNREACH) {
		switch (ee->ee_code) {
		case ICMP_PORT_UNREACH:
			return XI_PORT_UNREACH;
		case ICMP_NET_UNREACH:
		case ICMP_HOST_UNREACH:
		case ICMP_NET_UNKNOWN:
		case ICMP_HOST_UNKNOWN:
			return XI_HOST_UNREACH;
		case ICMP_NET_ANO:
		case ICMP_HOST_ANO:
		case ICMP_PKT_FILTERED:
			return XI_PROHIBITED;
		default:
			return XI_OTHER;
		}
	}
	if (ee->ee_origin == SO_EE_ORIGIN_ICMP6 && ee->ee_type == ICMP6_DST_UNREACH) {
		switch (ee->ee_code) {
		case ICMP6_DST_UNREACH_NOPORT:
			return XI_PORT_UNREACH;
		case ICMP6_DST_UNREACH_NOROUTE:
		case ICMP6_DST_UNREACH_ADDR:
		case ICMP6_DST_UNREACH_BEYONDSCOPE:
			return XI_HOST_UNREACH;
		case ICMP6_DST_UNREACH_ADMIN:
			return XI_PROHIBITED;
		default:
			return XI_OTHER;
		}
	}
	return ee->ee_origin == SO_EE_ORIGIN_ICMP || ee->ee_origin == SO_EE_ORIGIN_ICMP6 ? XI_OTHER
											 : XI_NONE;
}

void tools_icmp_listen(int fd, int family)
{
	int one = 1;
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof(one));
	else
		setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one, sizeof(one));
}

/* Read the socket's error queue: every ICMP error about a datagram of ours is recorded. */
static void drain_errors(struct xchg *x)
{
	tools_icmp_drain(x->fd, &x->icmp_errors, &x->icmp, &x->icmp_from);
}

void tools_icmp_drain(int fd, unsigned *count, enum xchg_icmp *kind, struct sockaddr_storage *from)
{
	for (int i = 0; i < 64; i++) {
		uint8_t data[64], ctl[512];
		struct sockaddr_storage orig;
		struct iovec iov = {data, sizeof(data)};
		struct msghdr mh = {.msg_name = &orig,
				    .msg_namelen = sizeof(orig),
				    .msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = ctl,
				    .msg_controllen = sizeof(ctl)};
		if (recvmsg(fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			return;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			const struct sock_extended_err *ee;
			enum xchg_icmp k;
			if (!((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
			      (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR)))
				continue;
			if (c->cmsg_len < CMSG_LEN(sizeof(*ee)))
				continue;
			ee = (const struct sock_extended_err *)CMSG_DATA(c);
			if ((k = icmp_kind(ee)) == XI_NONE)
				continue;
			(*count)++;
			*kind = k;
			memset(from, 0, sizeof(*from));
			/* the offender follows the structure when the kernel knows it */
			size_t room = c->cmsg_len - CMSG_LEN(sizeof(*ee));
			const struct sockaddr *off = SO_EE_OFFENDER(ee);
			size_t sl = off->sa_family == AF_INET	 ? sizeof(struct sockaddr_in)
				    : off->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
								 : 0;
			if (sl && sl <= room)
				memcpy(from, off, sl);
		}
	}
}

int xchg_run(struct xchg *x, char *err, size_t errlen)
{
	uint8_t out[TOOLS_DGRAM_MAX], in[TOOLS_DGRAM_MAX];
	double wait_ms = x->timeout * 1000.0;
	unsigned attempt;

	x->attempts = 0;
	x->ignored = 0;
	x->send_errno = 0;
	x->icmp_errors = 0;
	x->icmp = XI_NONE;
	{
		/* ICMP errors about our datagrams into the error queue (read by drain_errors) */
		int one = 1;
		if (x->dst.ss_family == AF_INET6)
			setsockopt(x->fd, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof(one));
		else
			setsockopt(x->fd, IPPROTO_IP, IP_RECVERR, &one, sizeof(one));
	}
	for (attempt = 0; attempt <= x->retries && attempt <= TOOLS_MAX_RETRIES; attempt++) {
		struct buf w;
		double deadline;

		buf_init_write(&w, out, sizeof(out));
		if (x->build(x->arg, attempt, &w, err, errlen))
			return EXIT_OTHER;
		x->sent_ms[attempt] = tools_now_ms();
		if (sendto(x->fd, out, buf_len(&w), 0, (struct sockaddr *)&x->dst, x->dstlen) < 0) {
			char to[80];
			int e = errno;
			/* not sent, so not an attempt: a local refusal, not a silent peer */
			x->send_errno = e ? e : EIO;
			errf(err, errlen, "cannot send to %s: %s%s",
			     tools_sockaddr_str(&x->dst, to, sizeof(to)), strerror(e),
			     e == ENETUNREACH || e == EHOSTUNREACH
				 ? " (no route to it from this host)"
			     : e == EPERM || e == EACCES
				 ? " (a firewall rule of this host refuses it)"
				 : "");
			return EXIT_OTHER;
		}
		x->attempts++;
		deadline = x->sent_ms[attempt] + wait_ms;
		for (;;) {
			double now = tools_now_ms();
			struct pollfd pfd = {.fd = x->fd, .events = POLLIN};
			struct sockaddr_storage from;
			socklen_t fl = sizeof(from);
			unsigned which = attempt;
			ssize_t r;
			int pr;

			if (now >= deadline)
				break;
			pr = poll(&pfd, 1, (int)(deadline - now) + 1);
			if (pr < 0 && errno == EINTR)
				continue;
			if (pr < 0) {
				errf(err, errlen, "poll: %s", strerror(errno));
				return EXIT_OTHER;
			}
			if (pr == 0)
				continue;
			if (pfd.revents & POLLERR)
				drain_errors(x);
			r = recvfrom(x->fd, in, sizeof(in), MSG_TRUNC | MSG_DONTWAIT,
				     (struct sockaddr *)&from, &fl);
			if (r < 0) {
				/* an ICMP error (read from the error queue above) surfaces here
				 * too: keep waiting, the peer may come up before the next retry */
				if (errno == EAGAIN || errno == EINTR || errno == ECONNREFUSED ||
				    errno == EHOSTUNREACH || errno == ENETUNREACH ||
				    errno == EACCES || errno == EPROTO) {
					drain_errors(x);
					continue;
				}
				errf(err, errlen, "receive: %s", strerror(errno));
				return EXIT_OTHER;
			}
			if ((size_t)r > sizeof(in)) {
				x->ignored++;
				continue;
			}
			switch (x->match(x->arg, in, (size_t)r, &from, &which)) {
			case XR_DONE:
				if (which > attempt)
					which = attempt;
				x->rtt_ms = tools_now_ms() - x->sent_ms[which];
				x->from = from;
				return EXIT_DONE;
			case XR_REJECT:
				x->from = from;
				return EXIT_REJECTED;
			default:
				x->ignored++;
				break;
			}
		}
		wait_ms *= 2;
	}
	errf(err, errlen, "no answer after %u attempts", x->attempts);
	return EXIT_NOANSWER;
}
