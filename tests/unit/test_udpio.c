/* SPDX-License-Identifier: ISC */
/* tests/unit/test_udpio.c - common/udpio over loopback: a batch of 64 datagrams sent with
 * sendmmsg is received in recvmmsg batches (<= UDP_BATCH) with the right source and local
 * destination, on IPv4, IPv6 and a dual-stack "any" socket (IPv4-mapped sources reported
 * as IPv4); replies leave from the address the request came to (127.0.0.2); the send
 * queue flushes when full, explicitly, and at the end of the loop turn; truncated and
 * zero-length datagrams are dropped, counted and listed by udp_out_stats (what `show
 * statistics` prints); datagrams the kernel dropped for a full receive buffer are counted;
 * bad destinations are counted as tx errors; udp_each lists exactly the open sockets; with
 * udp_open_opts: UDP_GRO bursts with their segment size, the longest datagram and the
 * batch per socket, no packet info. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/log.h"
#include "common/out.h"
#include "common/udpio.h"

#define NMSG 64

struct rx {
	int calls;
	int max_batch;
	int n;
	struct udp_pkt pkt[256];
	char data[256][32];
	int echo;	 /* reply to each datagram from its destination address */
	int echo_direct; /* ... with udp_send instead of the queue */
};

static void on_rx(struct udp_sock *s, const struct udp_pkt *p, size_t n, void *arg)
{
	struct rx *r = arg;
	r->calls++;
	if ((int)n > r->max_batch)
		r->max_batch = (int)n;
	assert_true(n >= 1 && n <= UDP_BATCH);
	for (size_t i = 0; i < n; i++) {
		if (r->n < 256) {
			r->pkt[r->n] = p[i];
			size_t l = p[i].len < 31 ? p[i].len : 31;
			memcpy(r->data[r->n], p[i].data, l);
			r->data[r->n][l] = 0;
			r->pkt[r->n].data = NULL;
		}
		r->n++;
		if (r->echo)
			assert_int_equal(
			    udp_queue(s, &p[i].src, p[i].sport, &p[i].dst, p[i].data, p[i].len), 0);
		if (r->echo_direct)
			assert_int_equal(
			    udp_send(s, &p[i].src, p[i].sport, &p[i].dst, p[i].data, p[i].len), 0);
	}
}

static void run_until(struct event_base *base, struct rx *r, int want)
{
	for (int i = 0; i < 2000 && r->n < want; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		if (r->n < want)
			usleep(1000);
	}
}

static int client(int family, const char *bind_addr, struct sockaddr_storage *ss, socklen_t *sl)
{
	int fd = socket(family, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		inet_pton(AF_INET, bind_addr, &s4->sin_addr);
		*sl = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		inet_pton(AF_INET6, bind_addr, &s6->sin6_addr);
		*sl = sizeof(*s6);
	}
	assert_int_equal(bind(fd, (struct sockaddr *)ss, *sl), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)ss, sl), 0);
	return fd;
}

static uint16_t sa_port(const struct sockaddr_storage *ss)
{
	return ntohs(ss->ss_family == AF_INET ? ((const struct sockaddr_in *)ss)->sin_port
					      : ((const struct sockaddr_in6 *)ss)->sin6_port);
}

static void fill_to(struct sockaddr_storage *to, socklen_t *tl, int family, const char *addr,
		    uint16_t port)
{
	memset(to, 0, sizeof(*to));
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)to;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		inet_pton(AF_INET, addr, &s4->sin_addr);
		*tl = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)to;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		inet_pton(AF_INET6, addr, &s6->sin6_addr);
		*tl = sizeof(*s6);
	}
}

/* Send NMSG datagrams "msg N" in one sendmmsg call. */
static void send_batch(int fd, struct sockaddr_storage *to, socklen_t tl)
{
	struct mmsghdr m[NMSG];
	struct iovec iov[NMSG];
	char buf[NMSG][16];

	memset(m, 0, sizeof(m));
	for (int i = 0; i < NMSG; i++) {
		snprintf(buf[i], sizeof(buf[i]), "msg %d", i);
		iov[i].iov_base = buf[i];
		iov[i].iov_len = strlen(buf[i]);
		m[i].msg_hdr.msg_name = to;
		m[i].msg_hdr.msg_namelen = tl;
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
	}
	assert_int_equal(sendmmsg(fd, m, NMSG, 0), NMSG);
}

static void check_batch(struct rx *r, const char *src, uint16_t sport, const char *dst,
			uint16_t dport)
{
	struct ipaddr want_src, want_dst;
	char b1[IPADDR_STRLEN], b2[IPADDR_STRLEN];

	assert_int_equal(ipaddr_parse(src, &want_src), 0);
	assert_int_equal(ipaddr_parse(dst, &want_dst), 0);
	assert_int_equal(r->n, NMSG);
	assert_true(r->calls >= 2); /* 64 > UDP_BATCH */
	assert_true(r->max_batch <= UDP_BATCH);
	for (int i = 0; i < NMSG; i++) {
		char want[16];
		snprintf(want, sizeof(want), "msg %d", i);
		assert_string_equal(r->data[i], want);
		assert_int_equal(r->pkt[i].len, strlen(want));
		if (!ipaddr_eq(&r->pkt[i].src, &want_src) || !ipaddr_eq(&r->pkt[i].dst, &want_dst))
			fail_msg("datagram %d: %s -> %s", i,
				 ipaddr_str(&r->pkt[i].src, b1, sizeof(b1)),
				 ipaddr_str(&r->pkt[i].dst, b2, sizeof(b2)));
		assert_int_equal(r->pkt[i].sport, sport);
		assert_int_equal(r->pkt[i].dport, dport);
		assert_true(r->pkt[i].ifindex > 0);
	}
}

static void batch_case(int cfamily, const char *bind_s, const char *client_s, const char *to_s,
		       const char *want_src, const char *want_dst)
{
	struct event_base *base = event_base_new();
	struct rx *r = calloc(1, sizeof(*r));
	struct ipaddr b;
	struct udp_sock *s;
	struct sockaddr_storage cs, to;
	socklen_t cl, tl;
	struct udp_stats st;

	if (bind_s) {
		assert_int_equal(ipaddr_parse(bind_s, &b), 0);
		s = udp_open(base, &b, 0, on_rx, r);
	} else {
		s = udp_open(base, NULL, 0, on_rx, r);
	}
	assert_non_null(s);
	assert_true(udp_local_port(s) != 0);
	assert_true(udp_fd(s) >= 0);
	int fd = client(cfamily, client_s, &cs, &cl);
	fill_to(&to, &tl, cfamily, to_s, udp_local_port(s));
	send_batch(fd, &to, tl);
	run_until(base, r, NMSG);
	check_batch(r, want_src, sa_port(&cs), want_dst, udp_local_port(s));
	udp_get_stats(s, &st);
	assert_int_equal(st.rx, NMSG);
	assert_int_equal(st.truncated, 0);
	assert_int_equal(st.rx_errors, 0);
	close(fd);
	udp_close(s);
	event_base_free(base);
	free(r);
}

static void test_batch_v4(void **state)
{
	(void)state;
	batch_case(AF_INET, "127.0.0.1", "127.0.0.1", "127.0.0.1", "127.0.0.1", "127.0.0.1");
}

static void test_batch_v6(void **state)
{
	(void)state;
	batch_case(AF_INET6, "::1", "::1", "::1", "::1", "::1");
}

static void test_batch_dual_stack_v4(void **state)
{
	(void)state;
	/* IPv4 datagrams on the dual-stack socket: reported as IPv4, not ::ffff:... */
	batch_case(AF_INET, NULL, "127.0.0.1", "127.0.0.2", "127.0.0.1", "127.0.0.2");
}

static void test_batch_dual_stack_v6(void **state)
{
	(void)state;
	batch_case(AF_INET6, NULL, "::1", "::1", "::1", "::1");
}

/* Echo through the queue: replies leave from the request's destination address. */
static void echo_case(int cfamily, const char *bind_s, const char *to_s, int direct)
{
	struct event_base *base = event_base_new();
	struct rx *r = calloc(1, sizeof(*r));
	struct ipaddr b;
	struct sockaddr_storage cs, to, from;
	socklen_t cl, tl, fl;
	struct udp_stats st;
	char buf[64], want_from[INET6_ADDRSTRLEN], got[INET6_ADDRSTRLEN];

	if (direct)
		r->echo_direct = 1;
	else
		r->echo = 1;
	struct udp_sock *s;
	if (bind_s) {
		assert_int_equal(ipaddr_parse(bind_s, &b), 0);
		s = udp_open(base, &b, 0, on_rx, r);
	} else {
		s = udp_open(base, NULL, 0, on_rx, r);
	}
	assert_non_null(s);
	int fd = client(cfamily, cfamily == AF_INET ? "127.0.0.1" : "::1", &cs, &cl);
	fill_to(&to, &tl, cfamily, to_s, udp_local_port(s));
	send_batch(fd, &to, tl);
	run_until(base, r, NMSG);
	assert_int_equal(r->n, NMSG);
	/* the end-of-turn flush already ran: nothing left queued */
	assert_int_equal(udp_queued(s), 0);
	snprintf(want_from, sizeof(want_from), "%s", to_s);
	for (int i = 0; i < NMSG; i++) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		assert_int_equal(poll(&pfd, 1, 2000), 1);
		fl = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&from, &fl);
		assert_true(n > 0);
		buf[n] = 0;
		char want[16];
		snprintf(want, sizeof(want), "msg %d", i);
		assert_string_equal(buf, want);
		if (from.ss_family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)&from)->sin_addr, got,
				  sizeof(got));
		else
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&from)->sin6_addr, got,
				  sizeof(got));
		assert_string_equal(got, want_from);
		assert_int_equal(sa_port(&from), udp_local_port(s));
	}
	udp_get_stats(s, &st);
	assert_int_equal(st.tx, NMSG);
	assert_int_equal(st.tx_errors, 0);
	close(fd);
	udp_close(s);
	event_base_free(base);
	free(r);
}

static void test_echo_from_request_address_v4(void **state)
{
	(void)state;
	echo_case(AF_INET, NULL, "127.0.0.2", 0);      /* dual-stack, mapped source */
	echo_case(AF_INET, "0.0.0.0", "127.0.0.3", 0); /* IPv4 wildcard socket */
	echo_case(AF_INET, "0.0.0.0", "127.0.0.4", 1); /* udp_send */
}

static void test_echo_from_request_address_v6(void **state)
{
	(void)state;
	echo_case(AF_INET6, NULL, "::1", 0);
	echo_case(AF_INET6, "::", "::1", 1);
}

static void test_queue_full_and_flush(void **state)
{
	(void)state;
	struct event_base *base = event_base_new();
	struct rx r0 = {0};
	struct ipaddr lo;
	struct sockaddr_storage cs;
	socklen_t cl;
	struct udp_stats st;
	char buf[64];

	assert_int_equal(ipaddr_parse("127.0.0.1", &lo), 0);
	struct udp_sock *s = udp_open(base, &lo, 0, on_rx, &r0);
	assert_non_null(s);
	int fd = client(AF_INET, "127.0.0.1", &cs, &cl);
	for (int i = 0; i < 100; i++) {
		snprintf(buf, sizeof(buf), "q%d", i);
		assert_int_equal(udp_queue(s, &lo, sa_port(&cs), NULL, buf, strlen(buf)), 0);
	}
	/* the queue filled once (64 sent), 36 wait */
	udp_get_stats(s, &st);
	assert_int_equal(st.tx, UDP_TXQ);
	assert_int_equal(udp_queued(s), 100 - UDP_TXQ);
	assert_int_equal(udp_flush(s), 100 - UDP_TXQ);
	assert_int_equal(udp_queued(s), 0);
	assert_int_equal(udp_flush(s), 0);
	for (int i = 0; i < 100; i++) {
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
		assert_true(n > 0);
		buf[n] = 0;
		char want[16];
		snprintf(want, sizeof(want), "q%d", i);
		assert_string_equal(buf, want);
	}
	/* queued data is flushed by udp_close as well */
	assert_int_equal(udp_queue(s, &lo, sa_port(&cs), NULL, "last", 4), 0);
	/* bad inputs: too long, wrong family for an IPv4 socket, source of another family */
	static uint8_t big[UDP_MAX_DGRAM + 1];
	struct ipaddr v6;
	assert_int_equal(ipaddr_parse("::1", &v6), 0);
	assert_int_equal(udp_queue(s, &lo, 9, NULL, big, sizeof(big)), -1);
	assert_int_equal(udp_send(s, &lo, 9, NULL, big, sizeof(big)), -1);
	assert_false(udp_can_send(s, &v6, NULL));
	assert_false(udp_can_send(s, &lo, &v6));
	assert_true(udp_can_send(s, &lo, NULL));
	assert_true(udp_can_send(s, &lo, &lo));
	assert_int_equal(udp_queue(s, &v6, 9, NULL, "x", 1), -1);
	assert_int_equal(udp_send(s, &lo, 9, &v6, "x", 1), -1);
	udp_get_stats(s, &st);
	assert_int_equal(st.tx_errors, 4);
	assert_int_equal(st.tx_invalid, 4);
	udp_close(s);
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	assert_int_equal(n, 4);
	close(fd);
	event_base_free(base);
}

static void test_truncated_dropped(void **state)
{
	(void)state;
	struct event_base *base = event_base_new();
	struct rx *r = calloc(1, sizeof(*r));
	struct ipaddr lo;
	struct sockaddr_storage cs, to;
	socklen_t cl, tl;
	struct udp_stats st;
	static uint8_t big[UDP_MAX_DGRAM + 100];

	log_init("test_udpio", 1, LOG_ERR); /* the drop is logged; keep the output quiet */
	assert_int_equal(ipaddr_parse("::1", &lo), 0);
	struct udp_sock *s = udp_open(base, &lo, 0, on_rx, r);
	assert_non_null(s);
	int fd = client(AF_INET6, "::1", &cs, &cl);
	fill_to(&to, &tl, AF_INET6, "::1", udp_local_port(s));
	memset(big, 'B', sizeof(big));
	assert_int_equal(sendto(fd, big, sizeof(big), 0, (struct sockaddr *)&to, tl),
			 (ssize_t)sizeof(big));
	assert_int_equal(sendto(fd, big, UDP_MAX_DGRAM, 0, (struct sockaddr *)&to, tl),
			 UDP_MAX_DGRAM); /* exactly the maximum is fine */
	assert_int_equal(sendto(fd, "ok", 2, 0, (struct sockaddr *)&to, tl), 2);
	run_until(base, r, 2);
	assert_int_equal(r->n, 2);
	assert_int_equal(r->pkt[0].len, UDP_MAX_DGRAM);
	assert_string_equal(r->data[1], "ok");
	udp_get_stats(s, &st);
	assert_int_equal(st.truncated, 1);
	assert_int_equal(st.rx, 2);
	close(fd);
	udp_close(s);
	event_base_free(base);
	free(r);
}

/* Send `n` segments of `seg` bytes (the last `last` bytes) in one sendmsg with UDP_SEGMENT:
 * over loopback the kernel keeps them one GSO datagram up to a socket with UDP_GRO. */
static void send_segments(int fd, const struct sockaddr_storage *to, socklen_t tl,
			  const uint8_t *data, uint16_t seg, size_t len)
{
	union {
		char buf[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} c;
	struct iovec iov = {(void *)(uintptr_t)data, len};
	struct msghdr m = {.msg_name = (void *)(uintptr_t)to,
			   .msg_namelen = tl,
			   .msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = c.buf,
			   .msg_controllen = sizeof(c.buf)};
	memset(&c, 0, sizeof(c));
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_UDP;
	cm->cmsg_type = UDP_SEGMENT;
	cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
	memcpy(CMSG_DATA(cm), &seg, sizeof(seg));
	assert_int_equal(sendmsg(fd, &m, 0), (ssize_t)len);
}

/* udp_open_opts with UDP_GRO: a burst sent with UDP_SEGMENT arrives as one datagram with
 * its segment size; without the option the kernel hands over each segment. The larger
 * longest datagram (64 KB) is taken whole, no packet info when asked for none. */
static void test_gro_segments(void **state)
{
	(void)state;
	struct event_base *base = event_base_new();
	struct rx *r = calloc(1, sizeof(*r));
	struct sockaddr_storage cs, to;
	socklen_t cl, tl;
	static uint8_t data[3 * 1000 + 400];
	const struct udp_opts gro = {.rx_max = 65536,
				     .batch = 8,
				     .rounds = 8,
				     .rcvbuf = 1 << 20,
				     .gro = true,
				     .no_pktinfo = true};

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i / 1000 + 'a');
	/* dual-stack "any", as the data port of lisp-xtrd */
	struct udp_sock *s = udp_open_opts(base, NULL, 0, &gro, on_rx, r);
	assert_non_null(s);
	int fd = client(AF_INET, "127.0.0.1", &cs, &cl);
	fill_to(&to, &tl, AF_INET, "127.0.0.1", udp_local_port(s));
	send_segments(fd, &to, tl, data, 1000, sizeof(data));
	run_until(base, r, 1);
	assert_int_equal(r->n, 1);
	assert_int_equal(r->pkt[0].len, sizeof(data));
	assert_int_equal(r->pkt[0].gso_size, 1000);
	assert_int_equal(r->pkt[0].src.afi, LISP_AFI_IPV4);
	assert_int_equal(r->pkt[0].sport, sa_port(&cs));
	assert_int_equal(r->pkt[0].dst.afi, LISP_AFI_NONE); /* no_pktinfo */
	/* one 60000-byte datagram, whole */
	static uint8_t big[60000];
	memset(big, 'G', sizeof(big));
	assert_int_equal(sendto(fd, big, sizeof(big), 0, (struct sockaddr *)&to, tl),
			 (ssize_t)sizeof(big));
	run_until(base, r, 2);
	assert_int_equal(r->n, 2);
	assert_int_equal(r->pkt[1].len, sizeof(big));
	assert_int_equal(r->pkt[1].gso_size, 0);
	struct udp_stats st;
	udp_get_stats(s, &st);
	assert_int_equal(st.rx, 2);
	assert_int_equal(st.truncated, 0);
	udp_close(s);

	/* the default socket: the kernel segments the burst again */
	memset(r, 0, sizeof(*r));
	s = udp_open(base, NULL, 0, on_rx, r);
	assert_non_null(s);
	fill_to(&to, &tl, AF_INET, "127.0.0.1", udp_local_port(s));
	send_segments(fd, &to, tl, data, 1000, sizeof(data));
	run_until(base, r, 4);
	assert_int_equal(r->n, 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(r->pkt[i].len, i < 3 ? 1000 : 400);
		assert_int_equal(r->pkt[i].gso_size, 0);
		assert_int_equal(r->data[i][0], 'a' + i);
	}
	close(fd);
	udp_close(s);
	event_base_free(base);
	free(r);
}

/* rx_max and batch per socket: a datagram one byte over rx_max is dropped and counted,
 * exactly rx_max is taken; no callback gets more than `batch` datagrams. */
static void test_opts_rx_max_batch(void **state)
{
	(void)state;
	struct event_base *base = event_base_new();
	struct rx *r = calloc(1, sizeof(*r));
	struct sockaddr_storage cs, to;
	socklen_t cl, tl;
	struct udp_stats st;
	static uint8_t buf[1001];
	const struct udp_opts o = {.rx_max = 1000, .batch = 2};
	struct ipaddr lo;

	log_init("test_udpio", 1, LOG_ERR);
	assert_int_equal(ipaddr_parse("::1", &lo), 0);
	struct udp_sock *s = udp_open_opts(base, &lo, 0, &o, on_rx, r);
	assert_non_null(s);
	int fd = client(AF_INET6, "::1", &cs, &cl);
	fill_to(&to, &tl, AF_INET6, "::1", udp_local_port(s));
	memset(buf, 'T', sizeof(buf));
	assert_int_equal(sendto(fd, buf, 1001, 0, (struct sockaddr *)&to, tl), 1001);
	assert_int_equal(sendto(fd, buf, 1000, 0, (struct sockaddr *)&to, tl), 1000);
	for (int i = 0; i < 5; i++)
		assert_int_equal(sendto(fd, "b", 1, 0, (struct sockaddr *)&to, tl), 1);
	run_until(base, r, 6);
	assert_int_equal(r->n, 6);
	assert_int_equal(r->pkt[0].len, 1000);
	assert_true(r->max_batch <= 2);
	assert_true(r->calls >= 3);
	assert_true(r->pkt[0].dst.afi == LISP_AFI_IPV6); /* packet info by default */
	udp_get_stats(s, &st);
	assert_int_equal(st.truncated, 1);
	assert_int_equal(st.rx, 6);
	close(fd);
	udp_close(s);
	event_base_free(base);
	free(r);
}

/* The array udp_out_stats writes, as JSON. */
static char *stats_json(void)
{
	struct out *o = out_new(true);
	size_t len;

	out_begin_object(o, NULL);
	udp_out_stats(o, "udp");
	out_end(o);
	char *j = strdup(out_finish(o, &len));
	out_free(o);
	assert_non_null(j);
	return j;
}

/* Zero-length datagrams and datagrams longer than the receive slot never reach the
 * callback; each has a named counter, and both show in the statistics output of the socket
 * (before, a zero-length datagram was delivered and counted nowhere, and the truncated
 * count was internal). */
static void test_empty_and_truncated_visible(void **state)
{
	(void)state;
	struct event_base *base = event_base_new();
	struct rx *r = calloc(1, sizeof(*r));
	struct ipaddr lo;
	struct sockaddr_storage cs, to;
	socklen_t cl, tl;
	struct udp_stats st;
	static uint8_t big[UDP_MAX_DGRAM + 1];
	char want[128];

	log_init("test_udpio", 1, LOG_ERR); /* the drops are logged; keep the output quiet */
	assert_int_equal(ipaddr_parse("127.0.0.1", &lo), 0);
	struct udp_sock *s = udp_open(base, &lo, 0, on_rx, r);
	assert_non_null(s);
	int fd = client(AF_INET, "127.0.0.1", &cs, &cl);
	fill_to(&to, &tl, AF_INET, "127.0.0.1", udp_local_port(s));
	assert_int_equal(sendto(fd, "", 0, 0, (struct sockaddr *)&to, tl), 0);
	assert_int_equal(sendto(fd, big, sizeof(big), 0, (struct sockaddr *)&to, tl),
			 (ssize_t)sizeof(big));
	assert_int_equal(sendto(fd, "", 0, 0, (struct sockaddr *)&to, tl), 0);
	assert_int_equal(sendto(fd, "ok", 2, 0, (struct sockaddr *)&to, tl), 2);
	run_until(base, r, 1);
	event_base_loop(base, EVLOOP_NONBLOCK);
	assert_int_equal(r->n, 1);
	assert_int_equal(r->pkt[0].len, 2);
	assert_string_equal(r->data[0], "ok");
	udp_get_stats(s, &st);
	assert_int_equal(st.rx, 1);
	assert_int_equal(st.empty, 2);
	assert_int_equal(st.truncated, 1);
	char *j = stats_json();
	snprintf(want, sizeof(want), "\"port\": %u,", udp_local_port(s));
	char *mine = strstr(j, want);
	assert_non_null(mine);
	assert_non_null(strstr(mine, "\"received\": 1,"));
	assert_non_null(strstr(mine, "\"truncated\": 1,"));
	assert_non_null(strstr(mine, "\"empty\": 2,"));
	assert_non_null(strstr(mine, "\"kernelBufferFull\": 0,"));
	assert_non_null(strstr(mine, "\"receiveErrors\": 0"));
	free(j);
	close(fd);
	udp_close(s);
	event_base_free(base);
	free(r);
}

/* Datagrams the kernel drops because the socket's receive buffer is full are counted
 * (SO_RXQ_OVFL): a burst against a small buffer while the loop does not read, then one
 * datagram that carries the kernel's count. */
static void test_kernel_drops_counted(void **state)
{
	(void)state;
	struct event_base *base = event_base_new();
	struct rx *r = calloc(1, sizeof(*r));
	struct ipaddr lo;
	struct sockaddr_storage cs, to;
	socklen_t cl, tl;
	struct udp_stats st;
	static uint8_t msg[512];
	int small = 1; /* the kernel's minimum (a few KB) */
	const int burst = 400;

	log_init("test_udpio", 1, LOG_ERR);
	assert_int_equal(ipaddr_parse("127.0.0.1", &lo), 0);
	struct udp_sock *s = udp_open(base, &lo, 0, on_rx, r);
	assert_non_null(s);
	assert_int_equal(setsockopt(udp_fd(s), SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), 0);
	int fd = client(AF_INET, "127.0.0.1", &cs, &cl);
	fill_to(&to, &tl, AF_INET, "127.0.0.1", udp_local_port(s));
	memset(msg, 'k', sizeof(msg));
	for (int i = 0; i < burst; i++)
		assert_int_equal(sendto(fd, msg, sizeof(msg), 0, (struct sockaddr *)&to, tl),
				 (ssize_t)sizeof(msg));
	for (int i = 0; i < 50; i++) /* drain what fitted */
		event_base_loop(base, EVLOOP_NONBLOCK);
	int fitted = r->n;
	assert_true(fitted > 0 && fitted < burst);
	assert_int_equal(sendto(fd, "last", 4, 0, (struct sockaddr *)&to, tl), 4);
	run_until(base, r, fitted + 1);
	assert_int_equal(r->n, fitted + 1);
	udp_get_stats(s, &st);
	assert_int_equal(st.kernel_drops, (uint64_t)(burst - fitted));
	char *j = stats_json();
	char want[64];
	snprintf(want, sizeof(want), "\"kernelBufferFull\": %d,", burst - fitted);
	assert_non_null(strstr(j, want));
	free(j);
	close(fd);
	udp_close(s);
	event_base_free(base);
	free(r);
}

static int count_one(const struct udp_sock *s, void *arg)
{
	(void)s;
	(*(int *)arg)++;
	return 0;
}

/* udp_each sees exactly the open sockets, oldest first; udp_can_send knows each socket's
 * families. */
static void test_each_lists_open_sockets(void **state)
{
	(void)state;
	struct event_base *base = event_base_new();
	struct ipaddr lo;
	struct rx r = {0};
	int n = 0;

	assert_int_equal(ipaddr_parse("127.0.0.1", &lo), 0);
	assert_int_equal(udp_each(count_one, &n), 0);
	assert_int_equal(n, 0);
	struct udp_sock *a = udp_open(base, &lo, 0, on_rx, &r);
	struct udp_sock *b = udp_open(base, NULL, 0, on_rx, &r);
	struct udp_sock *c = udp_open(base, &lo, 0, on_rx, &r);
	assert_true(a && b && c);
	assert_int_equal(udp_each(count_one, &n), 0);
	assert_int_equal(n, 3);
	/* families: the dual-stack socket reaches both, an IPv6 one only IPv6 */
	struct ipaddr v6;
	assert_int_equal(ipaddr_parse("::1", &v6), 0);
	assert_true(udp_can_send(b, &lo, NULL) && udp_can_send(b, &v6, NULL));
	assert_false(udp_can_send(b, &v6, &lo));
	struct udp_sock *d = udp_open(base, &v6, 0, on_rx, &r);
	assert_non_null(d);
	assert_true(udp_can_send(d, &v6, &v6));
	assert_false(udp_can_send(d, &lo, NULL));
	udp_close(d);
	udp_close(b);
	n = 0;
	assert_int_equal(udp_each(count_one, &n), 0);
	assert_int_equal(n, 2);
	char *j = stats_json();
	char pa[32], pc[32];
	snprintf(pa, sizeof(pa), "\"port\": %u,", udp_local_port(a));
	snprintf(pc, sizeof(pc), "\"port\": %u,", udp_local_port(c));
	assert_true(strstr(j, pa) != NULL && strstr(j, pc) != NULL &&
		    strstr(j, pa) < strstr(j, pc));
	free(j);
	udp_close(a);
	udp_close(c);
	n = 0;
	assert_int_equal(udp_each(count_one, &n), 0);
	assert_int_equal(n, 0);
	event_base_free(base);
}

static void test_open_errors(void **state)
{
	(void)state;
	struct event_base *base = event_base_new();
	struct ipaddr a;
	struct rx r = {0};

	log_init("test_udpio", 1, LOG_CRIT);
	/* an address that is not local cannot be bound */
	assert_int_equal(ipaddr_parse("192.0.2.123", &a), 0);
	assert_null(udp_open(base, &a, 0, on_rx, &r));
	/* the same port twice */
	assert_int_equal(ipaddr_parse("127.0.0.1", &a), 0);
	struct udp_sock *s = udp_open(base, &a, 0, on_rx, &r);
	assert_non_null(s);
	assert_null(udp_open(base, &a, udp_local_port(s), on_rx, &r));
	udp_close(s);
	udp_close(NULL);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_batch_v4),
	    cmocka_unit_test(test_batch_v6),
	    cmocka_unit_test(test_batch_dual_stack_v4),
	    cmocka_unit_test(test_batch_dual_stack_v6),
	    cmocka_unit_test(test_echo_from_request_address_v4),
	    cmocka_unit_test(test_echo_from_request_address_v6),
	    cmocka_unit_test(test_queue_full_and_flush),
	    cmocka_unit_test(test_gro_segments),
	    cmocka_unit_test(test_opts_rx_max_batch),
	    cmocka_unit_test(test_truncated_dropped),
	    cmocka_unit_test(test_empty_and_truncated_visible),
	    cmocka_unit_test(test_kernel_drops_counted),
	    cmocka_unit_test(test_each_lists_open_sockets),
	    cmocka_unit_test(test_open_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
