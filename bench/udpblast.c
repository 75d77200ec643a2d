/* SPDX-License-Identifier: ISC */
/*
 * bench/udpblast.c - UDP traffic generator and counting receiver for the data-plane
 * benchmarks (dataplane, migration): our own, so every chain (lisp-xtrd, kernel VXLAN, plain
 * routing) is driven by the same sender.
 *
 *   udpblast send -d DST [-p PORT] [-s PAYLOAD] [-t SECS] [-c COUNT] [-r PPS] [-f FLOW] [-D N]
 *     sendmmsg in batches of 64 from a connected socket, as fast as it can or paced at PPS;
 *     -D N: packet k goes to DST + (k mod N) (the last 32 bits of the address), e.g. to
 *     fill a map-cache with N entries (unconnected socket then);
 *     bounded by COUNT packets and SECS seconds. Each payload starts with the flow id (32)
 *     and a sequence number (64), network order, so a receiver can count losses.
 *     Prints: "send pkts=N pps=N secs=S".
 *   udpblast recv [-b BIND] [-p PORT] [-t SECS] [-W WARMUP] [-i IDLE] [-P PID,PID...]
 *     recvmmsg; the measurement starts WARMUP seconds after the first packet and lasts SECS
 *     (or ends IDLE seconds after the last packet, default 1). Prints: "recv pkts=N pps=N
 *     gbps=G (UDP payload bits) secs=S lost=N (sequence gaps over every flow seen)
 *     reordered=N cpu=C (processes PID..., cores, during the window)". Exits after 60 s
 *     without any packet.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench/benchlib.h"

#define BATCH	 64
#define MAXPAY	 9000
#define MAXFLOWS 64
#define MAXPIDS	 8
#define HDRBYTES 12

static int resolve(const char *host, unsigned port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo hints, *ai;
	char ps[8];

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | (host ? 0 : AI_PASSIVE);
	snprintf(ps, sizeof(ps), "%u", port);
	if (getaddrinfo(host, ps, &hints, &ai) != 0)
		return -1;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8),
	p[3] = (uint8_t)v;
}
static uint32_t get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void addr_add(struct sockaddr_storage *ss, uint32_t k)
{
	uint8_t *a = ss->ss_family == AF_INET
			 ? (uint8_t *)&((struct sockaddr_in *)ss)->sin_addr
			 : (uint8_t *)&((struct sockaddr_in6 *)ss)->sin6_addr + 12;
	put32(a, get32(a) + k);
}

static int do_send(const char *dst, unsigned port, size_t size, double secs, unsigned long count,
		   double pps, uint32_t flow, unsigned long ndst)
{
	struct sockaddr_storage ss;
	static struct sockaddr_storage to[BATCH];
	socklen_t sl;
	static uint8_t pay[BATCH][MAXPAY];
	static struct mmsghdr msg[BATCH];
	static struct iovec iov[BATCH];

	if (size < HDRBYTES || size > MAXPAY || resolve(dst, port, &ss, &sl) < 0) {
		fprintf(stderr, "udpblast send: bad destination or size (%d..%d)\n", HDRBYTES,
			MAXPAY);
		return 2;
	}
	int fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	int sz = 4 << 20;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz)) < 0 ||
	    (ndst <= 1 && connect(fd, (struct sockaddr *)&ss, sl) < 0)) {
		perror("udpblast send");
		return 1;
	}
	for (int i = 0; i < BATCH; i++) {
		memset(pay[i], 0xa5, size);
		put32(pay[i], flow);
		iov[i].iov_base = pay[i];
		iov[i].iov_len = size;
		msg[i].msg_hdr.msg_iov = &iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
		if (ndst > 1) {
			msg[i].msg_hdr.msg_name = &to[i];
			msg[i].msg_hdr.msg_namelen = sl;
		}
	}
	uint64_t seq = 0;
	double t0 = bench_now_s(), tend = t0 + secs;
	for (;;) {
		double t = bench_now_s();
		if (t >= tend || seq >= count)
			break;
		unsigned n = BATCH;
		if (pps > 0) { /* paced: never ahead of t0 + seq / pps */
			double due = t0 + (double)seq / pps;
			if (due > t) {
				struct timespec ts = {0, (long)((due - t) * 1e9)};
				if (ts.tv_nsec > 0)
					nanosleep(&ts, NULL);
				continue;
			}
			unsigned long behind = (unsigned long)((t - t0) * pps) - seq + 1;
			n = behind < BATCH ? (unsigned)behind : BATCH;
		}
		if (n > count - seq)
			n = (unsigned)(count - seq);
		for (unsigned i = 0; i < n; i++) {
			put32(pay[i] + 4, (uint32_t)((seq + i) >> 32));
			put32(pay[i] + 8, (uint32_t)(seq + i));
			if (ndst > 1) {
				to[i] = ss;
				addr_add(&to[i], (uint32_t)((seq + i) % ndst));
			}
		}
		int r = sendmmsg(fd, msg, n, 0);
		if (r > 0)
			seq += (unsigned)r;
		else if (r < 0 && errno != ENOBUFS && errno != EAGAIN && errno != EINTR &&
			 errno != ECONNREFUSED && errno != EHOSTUNREACH && errno != ENETUNREACH) {
			perror("sendmmsg");
			return 1;
		}
	}
	double el = bench_now_s() - t0;
	printf("send pkts=%llu pps=%.0f secs=%.3f\n", (unsigned long long)seq, (double)seq / el,
	       el);
	close(fd);
	return 0;
}

struct flowst {
	int used;
	uint32_t id;
	uint64_t next, got, lost, reord;
};

static int do_recv(const char *bindaddr, unsigned port, double secs, double warmup, double idle,
		   const char *pids)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	static uint8_t buf[BATCH][MAXPAY + 64];
	static struct mmsghdr msg[BATCH];
	static struct iovec iov[BATCH];
	static struct flowst fl[MAXFLOWS];
	long pid[MAXPIDS];
	int npid = 0;

	for (const char *p = pids; p && *p && npid < MAXPIDS;) {
		pid[npid++] = strtol(p, NULL, 10);
		p = strchr(p, ',');
		if (p)
			p++;
	}
	if (resolve(bindaddr, port, &ss, &sl) < 0) {
		fprintf(stderr, "udpblast recv: bad bind address\n");
		return 2;
	}
	int fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	int sz = 16 << 20;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz)) < 0 ||
	    bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		perror("udpblast recv");
		return 1;
	}
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = buf[i];
		iov[i].iov_len = sizeof(buf[i]);
		msg[i].msg_hdr.msg_iov = &iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
	}
	printf("recv ready\n");
	fflush(stdout);
	double start = bench_now_s(), first = 0, mstart = 0, last = 0, cpu0 = 0, cpu1 = 0;
	uint64_t pkts = 0, bytes = 0;
	int measuring = 0, done = 0;
	while (!done) {
		struct pollfd pfd = {fd, POLLIN, 0};
		double t = bench_now_s();
		if (first == 0 && t - start > 60)
			break;
		if (first != 0 && t - last > idle)
			break;
		if (measuring && t - mstart >= secs)
			break;
		if (poll(&pfd, 1, 20) <= 0)
			continue;
		int r = recvmmsg(fd, msg, BATCH, MSG_DONTWAIT, NULL);
		if (r <= 0)
			continue;
		t = bench_now_s();
		last = t;
		if (first == 0)
			first = t;
		if (!measuring && t - first >= warmup) {
			measuring = 1;
			mstart = t;
			for (int k = 0; k < npid; k++)
				cpu0 += bench_proc_cpu_s(pid[k]);
		}
		for (int i = 0; i < r; i++) {
			size_t len = msg[i].msg_len;
			if (measuring) {
				pkts++;
				bytes += len;
			}
			if (len < HDRBYTES)
				continue;
			uint32_t id = get32(buf[i]);
			uint64_t seq = ((uint64_t)get32(buf[i] + 4) << 32) | get32(buf[i] + 8);
			struct flowst *f = NULL;
			for (int k = 0; k < MAXFLOWS; k++) {
				if (fl[k].used && fl[k].id == id) {
					f = &fl[k];
					break;
				}
				if (!fl[k].used) {
					f = &fl[k];
					f->used = 1;
					f->id = id;
					break;
				}
			}
			if (f == NULL)
				continue;
			f->got++;
			if (seq >= f->next) {
				f->lost += seq - f->next; /* a gap; a late packet gives one back */
				f->next = seq + 1;
			} else {
				f->reord++;
				if (f->lost)
					f->lost--;
			}
		}
	}
	double el = measuring ? bench_now_s() - mstart : 0;
	if (measuring && last < bench_now_s() - 0.05 && last > mstart)
		el = last - mstart; /* the sender stopped first: its last packet ends the window */
	for (int k = 0; k < npid; k++)
		cpu1 += bench_proc_cpu_s(pid[k]);
	uint64_t lost = 0, reord = 0, got = 0;
	for (int k = 0; k < MAXFLOWS; k++)
		lost += fl[k].lost, reord += fl[k].reord, got += fl[k].got;
	printf("recv pkts=%llu pps=%.0f gbps=%.3f secs=%.3f total=%llu lost=%llu reordered=%llu",
	       (unsigned long long)pkts, el > 0 ? (double)pkts / el : 0,
	       el > 0 ? (double)bytes * 8 / el / 1e9 : 0, el, (unsigned long long)got,
	       (unsigned long long)lost, (unsigned long long)reord);
	for (int k = 0; k < MAXFLOWS; k++)
		if (fl[k].used)
			printf(" flow%u=%llu/%llu", fl[k].id, (unsigned long long)fl[k].lost,
			       (unsigned long long)fl[k].next);
	if (npid)
		printf(" cpu=%.2f", el > 0 ? (cpu1 - cpu0) / el : 0);
	printf("\n");
	close(fd);
	return pkts > 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *dst = NULL, *bindaddr = NULL, *pids = NULL;
	unsigned port = 9000;
	size_t size = 64;
	double secs = 2, warmup = 0.5, idle = 1, pps = 0;
	unsigned long count = 100000000, ndst = 1;
	uint32_t flow = 0;
	int c;

	if (argc < 2 || (strcmp(argv[1], "send") != 0 && strcmp(argv[1], "recv") != 0)) {
		fprintf(stderr,
			"usage: udpblast send -d DST [-p PORT] [-s PAYLOAD] [-t SECS] [-c COUNT] "
			"[-r PPS] [-f FLOW] [-D NDST]\n       udpblast recv [-b BIND] [-p PORT] "
			"[-t SECS] "
			"[-W WARMUP] [-i IDLE] [-P PID,...]\n");
		return 2;
	}
	optind = 2;
	while ((c = getopt(argc, argv, "d:p:s:t:c:r:f:b:W:i:P:D:")) != -1) {
		switch (c) {
		case 'd':
			dst = optarg;
			break;
		case 'p':
			port = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 's':
			size = strtoul(optarg, NULL, 10);
			break;
		case 't':
			secs = strtod(optarg, NULL);
			break;
		case 'c':
			count = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			pps = strtod(optarg, NULL);
			break;
		case 'f':
			flow = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'b':
			bindaddr = optarg;
			break;
		case 'W':
			warmup = strtod(optarg, NULL);
			break;
		case 'i':
			idle = strtod(optarg, NULL);
			break;
		case 'P':
			pids = optarg;
			break;
		case 'D':
			ndst = strtoul(optarg, NULL, 10);
			break;
		default:
			return 2;
		}
	}
	if (secs <= 0 || secs > 120 || port == 0 || port > 65535) {
		fprintf(stderr, "udpblast: SECS must be in (0, 120], PORT in 1..65535\n");
		return 2;
	}
	if (argv[1][0] == 's') {
		if (dst == NULL) {
			fprintf(stderr, "udpblast send: -d DST is required\n");
			return 2;
		}
		return do_send(dst, port, size, secs, count, pps, flow, ndst);
	}
	return do_recv(bindaddr, port, secs, warmup, idle, pids);
}
