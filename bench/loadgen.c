/* SPDX-License-Identifier: ISC */
/*
 * bench/loadgen.c - windowed UDP load generator for the control-plane benchmarks
 * (ms-register, mr-request) and their echo baseline (bench/echo_server.c).
 *
 * Before the clock starts it builds a pool of COUNT requests in memory:
 *   register: authenticated Map-Registers (RFC 9301 §5.6; P and M set, one record, one
 *             locator) for NEIDS distinct host EIDs, message k for EID k % NEIDS, nonce
 *             NONCE_BASE + k (strictly rising, as lisp-msd's replay check wants), signed
 *             with a pre-keyed HMAC (proto/auth.h) - pre-signed, so signing costs the
 *             generator nothing while it measures;
 *             -R RECORDS puts that many records (EIDs) in each message instead of one;
 *             the locator of EID k is RLOC with its last byte + k % NRLOCS (-D, default
 *             200; IPv4 RLOC only, -D 1: RLOC itself for every EID).
 *   request:  ECM-encapsulated Map-Requests (RFC 9301 §5.8) for the same EIDs, ITR-RLOC
 *             = the generator's own address and the inner UDP source port = its socket, so
 *             the Map-Server's proxy Map-Reply comes back to it; distinct rising nonces.
 * Then it sends the pool in order with sendmmsg, keeping at most WINDOW requests
 * outstanding (sent and neither answered nor written off), and reads replies with
 * recvmmsg. When no reply has come for LOSS_MS (-L, default 100), every outstanding request
 * counts as lost and frees its window slot.
 * The first WARMUP seconds are not measured; then replies are counted for SECONDS (or
 * until the pool is used up and the last replies have arrived).
 * Every loop is bounded in count (the pool) and in time (warmup + seconds + 1 s).
 *
 * Output (one line, key=value): replies_per_s, replies, sent, lost, secs, and with -P PID
 * the CPU the target process used during the measured window (cpu=1.00 is one full core);
 * loadgen_cpu is the generator's own.
 *
 * Usage: loadgen -k register|request -t ADDR -p PORT [-b BIND] [-n NEIDS] [-e EIDBASE]
 *                [-i IID] [-r RLOC] [-K KEYID] [-s SECRET] [-c COUNT] [-w WINDOW]
 *                [-d SECONDS] [-W WARMUP] [-N NONCE_BASE] [-x EXPECT_TYPE] [-P PID]
 *   -x: count only replies whose LISP type is EXPECT_TYPE (4 Map-Notify, 2 Map-Reply);
 *       -1 (default) counts every datagram (the echo server returns the requests).
 */

#include "config.h"

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
#include "proto/auth.h"
#include "proto/buf.h"
#include "proto/lisp_msg.h"
#include "tools/client.h"

#define BATCH	64
#define STRIDE0 256 /* bytes per pool slot for one record; 64 more per extra record */

struct opts {
	const char *kind;
	struct ipaddr target, bind, eidbase, rloc;
	unsigned port;
	unsigned long neids, count, window, nrec, nrlocs;
	uint32_t iid;
	unsigned key_id;
	const char *secret;
	double secs, warmup;
	uint64_t nonce_base;
	int expect;
	long pid;
	double loss_ms;
};

/* The EID of index i: base + i (IPv4 host order add; IPv6 on the last 32 bits). */
static void eid_of(const struct opts *o, unsigned long i, struct lisp_prefix *p)
{
	bench_eid(&o->eidbase, o->iid, i, p);
}

static size_t stride;

static size_t build_register(const struct opts *o, const struct lisp_key *k, unsigned long i,
			     uint8_t *out)
{
	static struct lisp_map_register m;
	struct proto_err e = {0};
	struct buf w;
	size_t auth_off;

	memset(&m, 0, sizeof(m));
	m.proxy_reply = true;
	m.want_notify = true;
	m.nonce = o->nonce_base + i;
	m.auth.key_id = (uint8_t)o->key_id;
	m.auth.alg_id = LISP_ALG_HMAC_SHA256_128;
	m.auth.len = LISP_AUTH_SHA256_LEN;
	m.nrec = (uint8_t)o->nrec;
	for (unsigned long j = 0; j < o->nrec; j++) {
		struct lisp_record *r = &m.rec[j];
		unsigned long ei = (i * o->nrec + j) % o->neids;
		struct lisp_prefix eid;
		r->ttl = LISP_TTL_DEFAULT;
		r->authoritative = true;
		eid_of(o, ei, &eid);
		lisp_record_set_eid(r, &eid);
		r->nloc = 1;
		r->loc[0].priority = 1;
		r->loc[0].weight = 100;
		r->loc[0].mpriority = 255;
		r->loc[0].flags = LISP_LOC_F_REACHABLE;
		struct ipaddr rl = o->rloc;
		if (rl.afi == LISP_AFI_IPV4 && o->nrlocs > 1)
			rl.a[3] = (uint8_t)(rl.a[3] + ei % o->nrlocs);
		lisp_addr_from_ip(&r->loc[0].addr, &rl);
	}
	buf_init_write(&w, out, stride);
	if (lisp_map_register_build(&w, &m, &auth_off, &e) < 0 ||
	    lisp_auth_sign(&w, auth_off, k, &e) < 0) {
		fprintf(stderr, "loadgen: Map-Register: %s\n", e.reason);
		exit(1);
	}
	return buf_len(&w);
}

static size_t build_request(const struct opts *o, uint16_t myport, unsigned long i, uint8_t *out)
{
	struct lisp_prefix eid;

	eid_of(o, i % o->neids, &eid);
	return bench_ecm_request("loadgen", &o->bind, myport, &eid, o->nonce_base + i, out, stride);
}

static void usage(void)
{
	fprintf(stderr, "usage: loadgen -k register|request -t ADDR -p PORT [-b BIND] [-n NEIDS] "
			"[-e EIDBASE] [-i IID] [-r RLOC] [-K KEYID] [-s SECRET] [-c COUNT] "
			"[-w WINDOW] [-d SECONDS] [-W WARMUP] [-N NONCE_BASE] [-x TYPE] [-P PID] "
			"[-R RECORDS] [-L LOSS_MS] [-D NRLOCS]\n");
	exit(2);
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	int c;
	const char *target = "127.0.0.1", *bind = NULL, *eidbase = "2001:db8:1::1",
		   *rloc = "192.0.2.1";
	struct timespec ts;

	memset(o, 0, sizeof(*o));
	o->kind = "register";
	o->port = LISP_CONTROL_PORT;
	o->neids = 10000;
	o->count = 500000;
	o->window = 256;
	o->nrec = 1;
	o->nrlocs = 200;
	o->loss_ms = 100;
	o->key_id = 1;
	o->secret = "bench-secret";
	o->secs = 2;
	o->warmup = 0.5;
	o->expect = -1;
	clock_gettime(CLOCK_REALTIME, &ts);
	o->nonce_base = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	while ((c = getopt(argc, argv, "k:t:p:b:n:e:i:r:K:s:c:w:d:W:N:x:P:R:L:D:")) != -1) {
		switch (c) {
		case 'k':
			o->kind = optarg;
			break;
		case 't':
			target = optarg;
			break;
		case 'p':
			o->port = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'b':
			bind = optarg;
			break;
		case 'n':
			o->neids = strtoul(optarg, NULL, 10);
			break;
		case 'e':
			eidbase = optarg;
			break;
		case 'i':
			o->iid = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'r':
			rloc = optarg;
			break;
		case 'K':
			o->key_id = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 's':
			o->secret = optarg;
			break;
		case 'c':
			o->count = strtoul(optarg, NULL, 10);
			break;
		case 'w':
			o->window = strtoul(optarg, NULL, 10);
			break;
		case 'd':
			o->secs = strtod(optarg, NULL);
			break;
		case 'W':
			o->warmup = strtod(optarg, NULL);
			break;
		case 'N':
			o->nonce_base = strtoull(optarg, NULL, 0);
			break;
		case 'x':
			o->expect = atoi(optarg);
			break;
		case 'P':
			o->pid = strtol(optarg, NULL, 10);
			break;
		case 'R':
			o->nrec = strtoul(optarg, NULL, 10);
			break;
		case 'L':
			o->loss_ms = strtod(optarg, NULL);
			break;
		case 'D':
			o->nrlocs = strtoul(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	if (bind == NULL)
		bind = strchr(target, ':') ? "::1" : "127.0.0.1";
	if (ipaddr_parse(target, &o->target) < 0 || ipaddr_parse(bind, &o->bind) < 0 ||
	    ipaddr_parse(eidbase, &o->eidbase) < 0 || ipaddr_parse(rloc, &o->rloc) < 0 ||
	    o->port == 0 || o->port > 65535 || o->neids == 0 || o->count == 0 || o->window == 0 ||
	    o->nrec == 0 || o->nrec > LISP_MAX_RECORDS || o->nrlocs == 0 || o->nrlocs > 255 ||
	    o->secs <= 0 || o->secs > 300 || o->warmup < 0 || o->warmup > 30 ||
	    (strcmp(o->kind, "register") != 0 && strcmp(o->kind, "request") != 0))
		usage();
	if (o->target.afi != o->bind.afi) {
		fprintf(stderr, "loadgen: target and bind address families differ\n");
		exit(2);
	}
}

int main(int argc, char **argv)
{
	struct opts o;
	struct sockaddr_storage dst;
	socklen_t dlen;

	parse_opts(argc, argv, &o);
	uint16_t myport;
	int fd = bench_udp_socket(&o.bind, &myport);
	if (fd < 0)
		return 1;
	int bufsz = 8 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
	tools_ip_to_sockaddr(&o.target, (uint16_t)o.port, &dst, &dlen);

	/* ---- the pool, built before the clock starts */
	stride = STRIDE0 + (o.nrec - 1) * 64;
	uint8_t *pool = malloc(o.count * stride);
	uint16_t *plen = malloc(o.count * sizeof(*plen));
	if (pool == NULL || plen == NULL) {
		fprintf(stderr, "loadgen: pool of %lu: out of memory\n", o.count);
		return 1;
	}
	struct lisp_key *key = NULL;
	if (strcmp(o.kind, "register") == 0) {
		key = lisp_key_new((uint8_t)o.key_id, LISP_ALG_HMAC_SHA256_128, o.secret,
				   strlen(o.secret));
		if (key == NULL) {
			fprintf(stderr, "loadgen: key\n");
			return 1;
		}
	}
	double tb = bench_now_s();
	for (unsigned long i = 0; i < o.count; i++)
		plen[i] = (uint16_t)(key ? build_register(&o, key, i, pool + i * stride)
					 : build_request(&o, myport, i, pool + i * stride));
	double build_s = bench_now_s() - tb;
	lisp_key_free(key);

	/* ---- the run */
	static struct mmsghdr tx[BATCH], rx[BATCH];
	static struct iovec txiov[BATCH], rxiov[BATCH];
	static uint8_t rxbuf[BATCH][2048];
	for (int i = 0; i < BATCH; i++) {
		rxiov[i].iov_base = rxbuf[i];
		rxiov[i].iov_len = sizeof(rxbuf[i]);
		rx[i].msg_hdr.msg_iov = &rxiov[i];
		rx[i].msg_hdr.msg_iovlen = 1;
		tx[i].msg_hdr.msg_name = &dst;
		tx[i].msg_hdr.msg_namelen = dlen;
		tx[i].msg_hdr.msg_iov = &txiov[i];
		tx[i].msg_hdr.msg_iovlen = 1;
	}
	unsigned long sent = 0, got = 0, lost = 0, other = 0, m_got = 0;
	double t0 = bench_now_s(), tm = t0 + o.warmup, tend = tm + o.secs, hard = tend + 1.0;
	double last_rx = t0, m_start = 0, m_end = 0, cpu0 = 0, cpu1 = 0, self0 = 0, self1 = 0;
	int measuring = 0;

	for (;;) {
		double t = bench_now_s();
		if (!measuring && t >= tm) {
			measuring = 1;
			m_start = t;
			m_got = 0;
			cpu0 = bench_proc_cpu_s(o.pid);
			self0 = bench_proc_cpu_s((long)getpid());
		}
		if (t >= tend || t >= hard)
			break;
		unsigned long outstanding = sent - got - lost;
		if (sent == o.count && outstanding == 0)
			break;
		if (outstanding < o.window && sent < o.count) {
			unsigned long n = o.window - outstanding;
			if (n > BATCH)
				n = BATCH;
			if (n > o.count - sent)
				n = o.count - sent;
			for (unsigned long i = 0; i < n; i++) {
				txiov[i].iov_base = pool + (sent + i) * stride;
				txiov[i].iov_len = plen[sent + i];
			}
			int r = sendmmsg(fd, tx, (unsigned)n, 0);
			if (r > 0)
				sent += (unsigned long)r;
			else if (r < 0 && errno != EAGAIN && errno != EINTR && errno != ENOBUFS) {
				perror("sendmmsg");
				return 1;
			}
		}
		int r = recvmmsg(fd, rx, BATCH, MSG_DONTWAIT, NULL);
		if (r > 0) {
			for (int i = 0; i < r; i++) {
				int type = rx[i].msg_len > 0 ? rxbuf[i][0] >> 4 : -1;
				if (o.expect < 0 || type == o.expect)
					got++, m_got += measuring;
				else
					other++;
			}
			last_rx = bench_now_s();
			continue;
		}
		outstanding = sent - got - lost;
		if (outstanding > 0 && bench_now_s() - last_rx > o.loss_ms * 1e-3) {
			lost += outstanding; /* written off: frees the window */
			last_rx = bench_now_s();
			continue;
		}
		if (outstanding >= o.window || sent == o.count) {
			struct pollfd pfd = {fd, POLLIN, 0};
			poll(&pfd, 1, 1);
		}
	}
	m_end = bench_now_s();
	if (measuring) {
		cpu1 = bench_proc_cpu_s(o.pid);
		self1 = bench_proc_cpu_s((long)getpid());
	}
	double secs = measuring ? m_end - m_start : 0;
	if (!measuring || secs <= 0) {
		fprintf(stderr, "loadgen: pool of %lu exhausted during warmup; raise -c\n",
			o.count);
		return 1;
	}
	printf("kind=%s replies_per_s=%.0f replies=%lu sent=%lu lost=%lu other=%lu secs=%.3f "
	       "window=%lu build_s=%.2f pool_exhausted=%d",
	       o.kind, (double)m_got / secs, m_got, sent, lost, other, secs, o.window, build_s,
	       sent == o.count);
	printf(" loadgen_cpu=%.2f", (self1 - self0) / secs);
	if (o.pid > 0)
		printf(" cpu=%.2f", (cpu1 - cpu0) / secs);
	printf("\n");
	free(pool);
	free(plen);
	close(fd);
	return m_got > 0 ? 0 : 1;
}
