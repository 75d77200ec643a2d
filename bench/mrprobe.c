/* SPDX-License-Identifier: ISC */
/*
 * bench/mrprobe.c - Map-Request round trips of a Map-Server, measured one at a time, with or
 * without a CLI dump running at the same moment (the cli-dump benchmark, BENCHMARKS.md).
 *
 * It sends an ECM Map-Request (RFC 9301 §5.8: ITR-RLOC and inner source port = its own
 * socket, so the proxy Map-Reply comes back to it) every INTERVAL microseconds for one of
 * NEIDS host EIDs from EIDBASE, waits for the Map-Reply with the same nonce (at most
 * 1 s; a request without an answer by then counts as lost), and records the round trip.
 *   -D PORT: also connect to the daemon's CLI on 127.0.0.1:PORT, send the command -C
 *   (default "show registrations json") and read its answer as fast as it comes; probing
 *   lasts exactly as long as the answer (from the command to the prompt after it). The
 *   answer's entries are counted (lines holding -E, default "\"eid\":").
 *   Without -D it probes for SECONDS (-d).
 * Output (one line, key=value): probes, lost, p50_ms, p99_ms, max_ms, secs, and with -D:
 * dump_bytes, dump_entries, dump_s.
 * Every loop is bounded in time (-d, or -T for a dump, default 300 s).
 *
 * Usage: mrprobe -t ADDR -p PORT -b BIND [-n NEIDS] [-e EIDBASE] [-i INTERVAL_US]
 *                [-d SECONDS] [-D CLIPORT [-C COMMAND] [-E MARK] [-T MAXSECONDS]]
 */

#include "config.h"

#define _GNU_SOURCE 1 /* memmem */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench/benchlib.h"
#include "proto/addr.h"
#include "proto/buf.h"
#include "proto/lisp_msg.h"
#include "tools/client.h"

static int dcmp(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

static void usage(void)
{
	fprintf(stderr, "usage: mrprobe -t ADDR -p PORT -b BIND [-n NEIDS] [-e EIDBASE] "
			"[-i INTERVAL_US] [-d SECONDS] [-D CLIPORT [-C COMMAND] [-E MARK] "
			"[-T MAXSECONDS]]\n");
	exit(2);
}

/* Count the occurrences of mark in the stream (an occurrence may straddle two reads: the
 * last bytes are kept in `carry`). */
static unsigned long count_marks(const char *mark, char *carry, size_t *ncarry, const char *p,
				 size_t n)
{
	size_t ml = strlen(mark);
	unsigned long c = 0;
	char edge[128];

	/* across the boundary: the carry plus the first ml - 1 new bytes */
	size_t head = n < ml - 1 ? n : ml - 1, el = *ncarry + head;
	memcpy(edge, carry, *ncarry);
	memcpy(edge + *ncarry, p, head);
	for (const char *q = edge; (q = memmem(q, el - (size_t)(q - edge), mark, ml)) != NULL; q++)
		if ((size_t)(q - edge) < *ncarry)
			c++;
	for (const char *q = p; (q = memmem(q, n - (size_t)(q - p), mark, ml)) != NULL; q++)
		c++;
	*ncarry = n >= ml - 1 ? ml - 1 : n;
	memcpy(carry, p + n - *ncarry, *ncarry);
	return c;
}

int main(int argc, char **argv)
{
	struct ipaddr target = {0}, bind_a = {0}, base = {0};
	unsigned port = 4342, cliport = 0;
	unsigned long neids = 1000, interval = 2000;
	double secs = 5, maxsecs = 300;
	const char *cmd = "show registrations json", *mark = "\"eid\":";
	int c;

	ipaddr_parse("2001:db8:1::1", &base);
	while ((c = getopt(argc, argv, "t:p:b:n:e:i:d:D:C:E:T:")) != -1) {
		switch (c) {
		case 't':
			if (ipaddr_parse(optarg, &target) < 0)
				usage();
			break;
		case 'p':
			port = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'b':
			if (ipaddr_parse(optarg, &bind_a) < 0)
				usage();
			break;
		case 'n':
			neids = strtoul(optarg, NULL, 10);
			break;
		case 'e':
			if (ipaddr_parse(optarg, &base) < 0)
				usage();
			break;
		case 'i':
			interval = strtoul(optarg, NULL, 10);
			break;
		case 'd':
			secs = atof(optarg);
			break;
		case 'D':
			cliport = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'C':
			cmd = optarg;
			break;
		case 'E':
			mark = optarg;
			break;
		case 'T':
			maxsecs = atof(optarg);
			break;
		default:
			usage();
		}
	}
	if (!target.afi || !bind_a.afi || neids == 0 || interval == 0 || !*mark)
		usage();

	struct sockaddr_storage dst;
	socklen_t dlen;
	uint16_t myport;
	int fd = bench_udp_socket(&bind_a, &myport);
	if (fd < 0)
		return 1;
	int on = 1;
	setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)); /* arrival time of replies */
	tools_ip_to_sockaddr(&target, (uint16_t)port, &dst, &dlen);

	/* the CLI session: connected and at its prompt before the clock starts */
	int cfd = -1;
	if (cliport) {
		struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(cliport)};
		char b[4096];
		size_t got = 0;
		inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
		cfd = socket(AF_INET, SOCK_STREAM, 0);
		if (cfd < 0 || connect(cfd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
			perror("mrprobe: CLI connect");
			return 1;
		}
		double until = bench_now_s() + 5;
		while (bench_now_s() < until && got < sizeof(b) - 1) {
			struct pollfd p = {cfd, POLLIN, 0};
			if (poll(&p, 1, 100) <= 0)
				continue;
			ssize_t r = recv(cfd, b + got, sizeof(b) - 1 - got, 0);
			if (r <= 0)
				break;
			got += (size_t)r;
			b[got] = '\0';
			if (strstr(b, "> "))
				break;
		}
		if (!strstr(b, "> ")) {
			fprintf(stderr, "mrprobe: no CLI prompt\n");
			return 1;
		}
	}

	size_t cap = (size_t)((cliport ? maxsecs : secs) * 1e6 / (double)interval) + 16;
	double *rtt = malloc(cap * sizeof(*rtt));
	if (!rtt)
		return 1;
	unsigned long probes = 0, lost = 0, entries = 0, dump_bytes = 0;
	uint64_t nonce = 0x5eed0000ULL << 32 | (uint64_t)getpid() << 8;
	double t0 = bench_now_s(), tend = t0 + (cliport ? maxsecs : secs), dump_end = 0;
	char carry[64], prompt[16] = {0};
	size_t ncarry = 0, nprompt = 0;
	bool done = false;

	if (cfd >= 0) {
		char line[512];
		snprintf(line, sizeof(line), "%s\n", cmd);
		if (send(cfd, line, strlen(line), 0) < 0) {
			perror("mrprobe: CLI send");
			return 1;
		}
	}
	while (!done && bench_now_s() < tend && probes < cap) {
		/* one probe */
		uint8_t pkt[1024];
		uint64_t want = ++nonce;
		struct lisp_prefix eid;
		bench_eid(&base, 0, probes % neids, &eid);
		size_t n =
		    bench_ecm_request("mrprobe", &bind_a, myport, &eid, want, pkt, sizeof(pkt));
		double ts = bench_now_s(), deadline = ts + 1.0, next = ts + (double)interval * 1e-6;
		double sent_wall = bench_wall_s();
		bool answered = false;
		if (sendto(fd, pkt, n, 0, (struct sockaddr *)&dst, dlen) < 0)
			perror("mrprobe: sendto");
		probes++;
		/* wait for the answer (and the next slot), reading the CLI meanwhile */
		for (;;) {
			double t = bench_now_s();
			if ((answered || t >= deadline) && t >= next)
				break;
			struct pollfd p[2] = {{fd, POLLIN, 0}, {cfd, POLLIN, 0}};
			double until = answered ? next : deadline;
			int ms = (int)((until - t) * 1000.0);
			if (ms < 0)
				ms = 0;
			if (poll(p, cfd >= 0 && !done ? 2 : 1, ms > 1 ? 1 : ms) < 0 &&
			    errno != EINTR)
				break;
			uint8_t rb[2048];
			union {
				struct cmsghdr h;
				char b[CMSG_SPACE(sizeof(struct timespec))];
			} cm;
			struct iovec iov = {rb, sizeof(rb)};
			struct msghdr mh = {.msg_iov = &iov,
					    .msg_iovlen = 1,
					    .msg_control = &cm,
					    .msg_controllen = sizeof(cm)};
			ssize_t r;
			while ((r = recvmsg(fd, &mh, 0)) > 0) {
				/* when the reply reached the socket (not when this loop got to
				 * it: the prober's own delays are not the daemon's) */
				double arrived = bench_wall_s();
				for (struct cmsghdr *h = CMSG_FIRSTHDR(&mh); h;
				     h = CMSG_NXTHDR(&mh, h))
					if (h->cmsg_level == SOL_SOCKET &&
					    h->cmsg_type == SCM_TIMESTAMPNS) {
						struct timespec kt;
						memcpy(&kt, CMSG_DATA(h), sizeof(kt));
						arrived =
						    (double)kt.tv_sec + (double)kt.tv_nsec * 1e-9;
					}
				mh.msg_controllen = sizeof(cm);
				/* Map-Reply: type 2 in the top nibble, nonce at bytes 4..11 */
				if (r >= 12 && (rb[0] >> 4) == 2) {
					uint64_t nn = 0;
					for (int i = 4; i < 12; i++)
						nn = nn << 8 | rb[i];
					if (nn == want && !answered) {
						answered = true;
						rtt[probes - 1 - lost] =
						    (arrived - sent_wall) * 1e3;
					}
				}
			}
			if (cfd >= 0 && !done) {
				static char cb[1 << 18];
				/* one read per turn: the probe socket is looked at between reads */
				if ((r = recv(cfd, cb, sizeof(cb), MSG_DONTWAIT)) > 0) {
					dump_bytes += (unsigned long)r;
					entries += count_marks(mark, carry, &ncarry, cb, (size_t)r);
					/* the answer ends with a prompt ("...> ") after a newline:
					 * keep the last bytes of the stream */
					size_t keep = sizeof(prompt) - 1, take = (size_t)r;
					if (take >= keep) {
						memcpy(prompt, cb + take - keep, keep);
						nprompt = keep;
					} else {
						size_t old =
						    nprompt + take > keep ? keep - take : nprompt;
						memmove(prompt, prompt + nprompt - old, old);
						memcpy(prompt + old, cb, take);
						nprompt = old + take;
					}
					prompt[nprompt] = '\0';
					if (nprompt >= 3 &&
					    strcmp(prompt + nprompt - 2, "> ") == 0 &&
					    strchr(prompt, '\n')) {
						done = true;
						dump_end = bench_now_s();
					}
				}
				if (r == 0) {
					fprintf(stderr, "mrprobe: CLI closed\n");
					done = true;
					dump_end = bench_now_s();
				}
			}
		}
		if (!answered)
			lost++;
	}
	if (cfd >= 0 && !done)
		fprintf(stderr, "mrprobe: the dump did not end within %.0f s\n", maxsecs);
	double t1 = bench_now_s();
	unsigned long k = probes - lost;
	qsort(rtt, k, sizeof(*rtt), dcmp);
	double p50 = k ? rtt[k / 2] : 0, p99 = k ? rtt[(size_t)((double)(k - 1) * 0.99)] : 0;
	double mx = k ? rtt[k - 1] : 0;
	printf("probes=%lu lost=%lu p50_ms=%.3f p99_ms=%.3f max_ms=%.3f secs=%.2f", probes, lost,
	       p50, p99, mx, t1 - t0);
	if (cfd >= 0)
		printf(" dump_bytes=%lu dump_entries=%lu dump_s=%.2f", dump_bytes, entries,
		       (done ? dump_end : t1) - t0);
	printf("\n");
	free(rtt);
	if (cfd >= 0)
		close(cfd);
	close(fd);
	return cfd >= 0 && !done ? 1 : 0;
}
