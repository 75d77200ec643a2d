/* SPDX-License-Identifier: ISC */
/*
 * bench/echo_server.c - the baseline of the control-plane benchmarks: a bare UDP echo
 * server built on exactly the socket code the daemons use (common/udpio: recvmmsg in
 * batches of UDP_BATCH on a libevent loop, replies queued with udp_queue and flushed with
 * sendmmsg at the end of the loop turn). It does no work per datagram, so what lisp-msd
 * or lisp-mrd reach as a fraction of its rate is the cost of their own processing.
 *
 * Usage: echo_server [-a ADDRESS] [-p PORT] [-t SECONDS]
 *   Echoes every datagram back to its source from the address it came to. Exits on
 *   SIGTERM/SIGINT or after SECONDS (default 600, a bound for a forgotten server) and
 *   prints "echo rx=N tx=N" to stderr.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/udpio.h"
#include "proto/addr.h"

static void echo_cb(struct udp_sock *s, const struct udp_pkt *pkts, size_t n, void *arg)
{
	(void)arg;
	for (size_t i = 0; i < n; i++)
		udp_queue(s, &pkts[i].src, pkts[i].sport, &pkts[i].dst, pkts[i].data, pkts[i].len);
}

static void stop_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	event_base_loopbreak(arg);
}

int main(int argc, char **argv)
{
	struct ipaddr bind;
	const char *addr = "127.0.0.1";
	unsigned long port = 4342, secs = 600;
	int c;

	while ((c = getopt(argc, argv, "a:p:t:")) != -1) {
		switch (c) {
		case 'a':
			addr = optarg;
			break;
		case 'p':
			port = strtoul(optarg, NULL, 10);
			break;
		case 't':
			secs = strtoul(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: echo_server [-a ADDRESS] [-p PORT] [-t SECONDS]\n");
			return 2;
		}
	}
	if (ipaddr_parse(addr, &bind) < 0 || port == 0 || port > 65535) {
		fprintf(stderr, "echo_server: bad address or port\n");
		return 2;
	}
	struct event_base *base = event_base_new();
	if (base == NULL)
		return 1;
	struct udp_sock *s = udp_open(base, &bind, (uint16_t)port, echo_cb, NULL);
	if (s == NULL) {
		fprintf(stderr, "echo_server: cannot bind %s port %lu\n", addr, port);
		return 1;
	}
	struct event *term = evsignal_new(base, SIGTERM, stop_cb, base);
	struct event *intr = evsignal_new(base, SIGINT, stop_cb, base);
	struct event *timer = evtimer_new(base, stop_cb, base);
	struct timeval tv = {(time_t)secs, 0};
	if (term == NULL || intr == NULL || timer == NULL || event_add(term, NULL) < 0 ||
	    event_add(intr, NULL) < 0 || event_add(timer, &tv) < 0)
		return 1;
	printf("echo ready %s %lu\n", addr, port);
	fflush(stdout);
	event_base_dispatch(base);

	struct udp_stats st;
	udp_get_stats(s, &st);
	fprintf(stderr, "echo rx=%llu tx=%llu tx_errors=%llu\n", (unsigned long long)st.rx,
		(unsigned long long)st.tx, (unsigned long long)st.tx_errors);
	udp_close(s);
	event_free(term);
	event_free(intr);
	event_free(timer);
	event_base_free(base);
	return 0;
}
