/* SPDX-License-Identifier: ISC */
/*
 * tools/lisp_flow.c - lisp-flow, the UDP flow tool of the migration demo and tests.
 *
 *   lisp-flow send --to ADDR:PORT --rate PPS --count N [--size B] [--name NAME] [--json]
 *                  [--csv FILE] [--max-seconds S] [--linger-ms MS] [--bind ADDR]
 *   lisp-flow echo --port P [--bind ADDR] [--log FILE] [--max-seconds S]
 *   lisp-flow tap  --dev IF --port P [--lisp [PORT]] [--log FILE] [--max-seconds S]
 *   lisp-flow [COMMAND] -h | --help, lisp-flow --version   (usage on stdout, exit 0)
 *
 * `send` emits numbered packets at a fixed rate (bounded by --count and --max-seconds;
 * SIGUSR1 ends the flow early but cleanly: no more packets, the echoes on their way are
 * waited for, and the report covers the packets sent),
 * collects the echoes and reports sent, received, lost, duplicates, send errors (packets
 * the kernel refused: never counted as sent, nor as lost), the longest time
 * between two consecutive echoes and the largest hole in the sequence space, in text or
 * JSON; --csv writes (receive time, seq, rtt) per echo. `echo` answers every packet to its
 * sender (the VM "answers each") and may log (time, seq, source, flow name). `tap` watches
 * a device with an AF_PACKET socket (e.g. a site's VM bridge) and logs every flow packet
 * seen there with its direction and the kernel's timestamp of the packet on the device
 * (SO_TIMESTAMPNS), which tells at which site, and when, a packet was delivered. With
 * --lisp it also looks inside LISP data packets (UDP to or from the data port, default
 * 4341: the 8-byte LISP header, then the flow packet) and adds their outer source and
 * destination (the RLOCs) to the line: on an xTR's underlay device that tells which xTR
 * encapsulated a packet (a detour through the old site shows as its RLOC).
 *
 * Packet: "LFW1" magic, seq (u32), sender time (u64 ns, CLOCK_MONOTONIC), flow name (16
 * bytes, NUL padded), then zero padding up to --size. Rates and gaps use CLOCK_MONOTONIC;
 * times written to logs and CSV are wall-clock epoch milliseconds (CLOCK_REALTIME) so they
 * line up with the daemons' log timestamps. IPv4 and IPv6; sockets are nonblocking and the
 * sender sleeps in ppoll() until the next packet is due or an echo arrives.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "proto/addr.h"
#include "proto/buf.h"
#include "proto/pkt.h"

#define FLOW_MAGIC     "LFW1"
#define FLOW_HDR       32 /* magic 4, seq 4, time 8, name 16 */
#define FLOW_NAME      16
#define FLOW_MAX_SIZE  9000
#define FLOW_MAX_COUNT 10000000u

/* seen[seq] of `send` */
#define SEQ_ECHOED   1
#define SEQ_NOT_SENT 2

static volatile sig_atomic_t stop_flag, finish_flag;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		finish_flag = 1;
	else
		stop_flag = 1;
}

static void set_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t mono_ns(void)
{
	return now_ns(CLOCK_MONOTONIC);
}

/* Wall clock in epoch milliseconds with microsecond fraction. */
static double wall_ms(void)
{
	return (double)now_ns(CLOCK_REALTIME) / 1e6;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put_u64(uint8_t *p, uint64_t v)
{
	put_u32(p, (uint32_t)(v >> 32));
	put_u32(p + 4, (uint32_t)v);
}

/* A flow packet's fields; 0 if buf holds one, -1 otherwise. */
struct flow_pkt {
	uint32_t seq;
	uint64_t sent_ns;
	char name[FLOW_NAME + 1];
};

static int flow_parse(const uint8_t *buf, size_t len, struct flow_pkt *fp)
{
	struct buf b;
	uint8_t magic[4], name[FLOW_NAME];
	size_t i;

	buf_init_read(&b, buf, len);
	if (buf_get_bytes(&b, magic, sizeof(magic)) || memcmp(magic, FLOW_MAGIC, 4) != 0 ||
	    buf_get_u32(&b, &fp->seq) || buf_get_u64(&b, &fp->sent_ns) ||
	    buf_get_bytes(&b, name, sizeof(name)))
		return -1;
	for (i = 0; i < FLOW_NAME; i++) {
		char c = (char)name[i];
		if (c == 0)
			break;
		fp->name[i] = (c > 32 && c < 127) ? c : '?';
	}
	fp->name[i] = 0;
	return 0;
}

static const char *sa_ntop(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const void *a;

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			a = &s6->sin6_addr.s6_addr[12];
		else
			a = &s6->sin6_addr;
		if (a != &s6->sin6_addr)
			return inet_ntop(AF_INET, a, buf, (socklen_t)len);
		return inet_ntop(AF_INET6, a, buf, (socklen_t)len);
	}
	a = &((const struct sockaddr_in *)ss)->sin_addr;
	return inet_ntop(AF_INET, a, buf, (socklen_t)len);
}

/* "192.0.2.1:5000", "[2001:db8::1]:5000" or "2001:db8::1" with a separate port. */
static int parse_hostport(const char *s, struct sockaddr_storage *ss, socklen_t *sl)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *port = NULL;
	size_t hl;
	struct addrinfo hints, *res = NULL;
	int rc;

	if (s[0] == '[') {
		const char *e = strchr(s, ']');
		if (!e || e[1] != ':')
			return -1;
		hl = (size_t)(e - s - 1);
		if (hl >= sizeof(host))
			return -1;
		memcpy(host, s + 1, hl);
		port = e + 2;
	} else {
		const char *c = strrchr(s, ':');
		if (!c || strchr(s, ':') != c)
			return -1;
		hl = (size_t)(c - s);
		if (hl >= sizeof(host))
			return -1;
		memcpy(host, s, hl);
		port = c + 1;
	}
	host[hl] = 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	hints.ai_socktype = SOCK_DGRAM;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0 || !res)
		return -1;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sl = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > max || s[0] == '-')
		return -1;
	*out = v;
	return 0;
}

/* ppoll() on one fd until it is readable or `deadline` (monotonic ns) passes. */
static int wait_readable(int fd, uint64_t deadline)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	uint64_t now = mono_ns();
	struct timespec ts = {0, 0};

	if (deadline > now) {
		uint64_t d = deadline - now;
		ts.tv_sec = (time_t)(d / 1000000000ull);
		ts.tv_nsec = (long)(d % 1000000000ull);
	}
	return ppoll(&pfd, 1, &ts, NULL);
}

static FILE *open_log(const char *path)
{
	FILE *f;

	if (!path)
		return NULL;
	if (strcmp(path, "-") == 0)
		return stdout;
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "lisp-flow: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	setvbuf(f, NULL, _IOLBF, 0);
	return f;
}

/* ------------------------------------------------------------------ send */

struct rx {
	uint64_t t_ns; /* monotonic receive time */
	uint32_t seq;
};

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 32)
			fprintf(f, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void usage_send(FILE *f)
{
	fprintf(f, "usage: lisp-flow send --to ADDR:PORT --rate PPS --count N [--size B]\n"
		   "         [--name NAME] [--json] [--csv FILE] [--max-seconds S]\n"
		   "         [--linger-ms MS] [--bind ADDR]\n");
}

static int cmd_send(int argc, char **argv)
{
	static const struct option opts[] = {{"to", required_argument, NULL, 't'},
					     {"rate", required_argument, NULL, 'r'},
					     {"count", required_argument, NULL, 'c'},
					     {"size", required_argument, NULL, 's'},
					     {"name", required_argument, NULL, 'n'},
					     {"json", no_argument, NULL, 'j'},
					     {"csv", required_argument, NULL, 'C'},
					     {"max-seconds", required_argument, NULL, 'm'},
					     {"linger-ms", required_argument, NULL, 'l'},
					     {"bind", required_argument, NULL, 'b'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	struct sockaddr_storage to, bindss;
	socklen_t tolen = 0, bindlen = 0;
	unsigned long rate = 0, count = 0, size = 64, maxs = 0, linger = 1000, v;
	const char *name = "flow", *csv = NULL, *to_s = NULL, *bind_s = NULL;
	int json = 0, c, fd;
	uint8_t pkt[FLOW_MAX_SIZE], rbuf[FLOW_MAX_SIZE];
	struct rx *rxs;
	uint8_t *seen;
	size_t nrx = 0;
	/* seq: packets due so far (their sequence numbers are used up); sent: those the kernel
	   took; send_err: those it refused (no route, firewall, buffer full): not sent, so
	   never "lost" in the network, but missing at the receiver all the same */
	uint32_t seq = 0, sent = 0, dups = 0, stray = 0, reordered = 0, send_err = 0;
	uint64_t t0, t_end, t_last_send = 0, next, interval, rtt_min = UINT64_MAX, rtt_max = 0;
	double rtt_sum = 0, wall0;
	FILE *csvf;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			to_s = optarg;
			break;
		case 'r':
			if (parse_uint(optarg, 1000000, &rate) || rate == 0)
				goto bad;
			break;
		case 'c':
			if (parse_uint(optarg, FLOW_MAX_COUNT, &count) || count == 0)
				goto bad;
			break;
		case 's':
			if (parse_uint(optarg, FLOW_MAX_SIZE, &size) || size < FLOW_HDR)
				goto bad;
			break;
		case 'n':
			name = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'C':
			csv = optarg;
			break;
		case 'm':
			if (parse_uint(optarg, 86400, &v) || v == 0)
				goto bad;
			maxs = v;
			break;
		case 'l':
			if (parse_uint(optarg, 600000, &linger))
				goto bad;
			break;
		case 'b':
			bind_s = optarg;
			break;
		case 'h':
			usage_send(stdout);
			return 0;
		default:
			goto bad;
		}
	}
	if (!to_s || !rate || !count || optind != argc)
		goto bad;
	if (parse_hostport(to_s, &to, &tolen)) {
		fprintf(stderr, "lisp-flow: bad --to %s (ADDR:PORT, [V6]:PORT)\n", to_s);
		return 2;
	}
	if (bind_s) {
		struct addrinfo hints, *res = NULL;
		memset(&hints, 0, sizeof(hints));
		hints.ai_flags = AI_NUMERICHOST;
		hints.ai_family = to.ss_family;
		hints.ai_socktype = SOCK_DGRAM;
		if (getaddrinfo(bind_s, NULL, &hints, &res) || !res) {
			fprintf(stderr, "lisp-flow: bad --bind %s\n", bind_s);
			return 2;
		}
		memcpy(&bindss, res->ai_addr, res->ai_addrlen);
		bindlen = res->ai_addrlen;
		freeaddrinfo(res);
	}
	/* default bound: the flow's nominal duration plus linger, plus 10 s */
	if (!maxs)
		maxs = count / rate + linger / 1000 + 10;

	rxs = calloc(count, sizeof(*rxs));
	seen = calloc(count, 1);
	if (!rxs || !seen) {
		fprintf(stderr, "lisp-flow: out of memory\n");
		return 1;
	}
	fd = socket(to.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("lisp-flow: socket");
		return 1;
	}
	{
		int sz = 4 << 20;
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	}
	if (bindlen && bind(fd, (struct sockaddr *)&bindss, bindlen) < 0) {
		perror("lisp-flow: bind");
		return 1;
	}
	if (connect(fd, (struct sockaddr *)&to, tolen) < 0) {
		perror("lisp-flow: connect");
		return 1;
	}
	csvf = open_log(csv);
	if (csvf)
		fprintf(csvf, "# flow %s: wall_ms,seq,rtt_ms\n", name);
	set_signals();

	memset(pkt, 0, sizeof(pkt));
	memcpy(pkt, FLOW_MAGIC, 4);
	strncpy((char *)pkt + 16, name, FLOW_NAME);
	interval = 1000000000ull / rate;
	wall0 = wall_ms();
	t0 = mono_ns();
	next = t0;
	t_end = t0 + (uint64_t)maxs * 1000000000ull;
	uint64_t linger_until = 0, t_flush = t0;

	for (;;) {
		uint64_t now = mono_ns();
		ssize_t n;

		if (stop_flag || now >= t_end)
			break;
		/* SIGUSR1: the flow ends here, as if --count had been the packets sent so far
		   (the echoes still on their way are waited for, --linger-ms) */
		if (finish_flag && seq < count && seq > 0) {
			count = seq;
			linger_until = now + (uint64_t)linger * 1000000ull;
		}
		/* send what is due (after a late wakeup, at most the packets already due) */
		while (seq < count && now >= next) {
			put_u32(pkt + 4, seq);
			put_u64(pkt + 8, now);
			n = send(fd, pkt, size, 0);
			if (n < 0) {
				send_err++; /* refused here: a send error, not a packet sent */
				seen[seq] = SEQ_NOT_SENT;
			} else {
				sent++;
			}
			seq++;
			t_last_send = now;
			next += interval;
			if (seq == count)
				linger_until = now + (uint64_t)linger * 1000000ull;
		}
		/* read every echo waiting */
		while ((n = recv(fd, rbuf, sizeof(rbuf), 0)) >= 0) {
			struct flow_pkt fp;
			uint64_t t = mono_ns();
			if (flow_parse(rbuf, (size_t)n, &fp) || fp.seq >= seq ||
			    seen[fp.seq] == SEQ_NOT_SENT ||
			    strncmp(fp.name, name, FLOW_NAME) != 0) {
				stray++;
				continue;
			}
			if (seen[fp.seq]) {
				dups++;
				continue;
			}
			seen[fp.seq] = SEQ_ECHOED;
			if (nrx && fp.seq < rxs[nrx - 1].seq)
				reordered++;
			rxs[nrx].t_ns = t;
			rxs[nrx].seq = fp.seq;
			nrx++;
			if (t >= fp.sent_ns) {
				uint64_t rtt = t - fp.sent_ns;
				if (rtt < rtt_min)
					rtt_min = rtt;
				if (rtt > rtt_max)
					rtt_max = rtt;
				rtt_sum += (double)rtt;
			}
			if (csvf)
				fprintf(csvf, "%.3f,%" PRIu32 ",%.3f\n",
					wall0 + (double)(t - t0) / 1e6, fp.seq,
					t >= fp.sent_ns ? (double)(t - fp.sent_ns) / 1e6 : 0.0);
		}
		/* the CSV is read while the flow runs (tests wait on its progress): at most
		   100 ms behind */
		if (csvf && now >= t_flush + 100000000ull) {
			fflush(csvf);
			t_flush = now;
		}
		if (seq == count && (nrx == sent || mono_ns() >= linger_until))
			break;
		wait_readable(fd, seq < count ? next : linger_until);
	}
	close(fd);

	/* statistics: longest time between consecutive echoes (arrival order), largest hole */
	uint64_t gap = 0;
	uint32_t gap_after = 0, gap_before = 0;
	size_t i;
	for (i = 1; i < nrx; i++) {
		uint64_t d = rxs[i].t_ns - rxs[i - 1].t_ns;
		if (d > gap) {
			gap = d;
			gap_after = rxs[i - 1].seq;
			gap_before = rxs[i].seq;
		}
	}
	/* holes in sequence space: runs of seqs never echoed (lost, or not sent) */
	uint32_t hole_from = 0, hole_len = 0, run_from = 0, run_len = 0, s;
	for (s = 0; s < seq; s++) {
		if (seen[s] != SEQ_ECHOED) {
			if (!run_len)
				run_from = s;
			run_len++;
			if (run_len > hole_len) {
				hole_len = run_len;
				hole_from = run_from;
			}
		} else {
			run_len = 0;
		}
	}
	uint32_t lost = sent - (uint32_t)nrx;
	/* a hole that runs to the end of the flow is not bounded by two echoes: report it */
	int tail_open = seq > 0 && seen[seq - 1] != SEQ_ECHOED;
	double dur_ms = (double)(t_last_send - t0) / 1e6;
	(void)gap_before;

	if (json) {
		printf("{\"name\":");
		json_str(stdout, name);
		printf(",\"to\":");
		json_str(stdout, to_s);
		printf(",\"rate\":%lu,\"size\":%lu,\"sent\":%" PRIu32
		       ",\"received\":%zu,\"lost\":%" PRIu32 ",\"duplicates\":%" PRIu32
		       ",\"reordered\":%" PRIu32 ",\"sendErrors\":%" PRIu32
		       ",\"longestGapMs\":%.3f",
		       rate, size, sent, nrx, lost, dups, reordered, send_err, (double)gap / 1e6);
		if (gap)
			printf(",\"longestGapAfterSeq\":%" PRIu32
			       ",\"longestGapBeforeSeq\":%" PRIu32,
			       gap_after, gap_before);
		if (hole_len)
			printf(",\"largestHole\":{\"fromSeq\":%" PRIu32 ",\"toSeq\":%" PRIu32
			       ",\"count\":%" PRIu32 ",\"toEnd\":%s}",
			       hole_from, hole_from + hole_len - 1, hole_len,
			       (tail_open && hole_from + hole_len == seq) ? "true" : "false");
		if (nrx)
			printf(",\"rttMs\":{\"min\":%.3f,\"avg\":%.3f,\"max\":%.3f}",
			       (double)rtt_min / 1e6, rtt_sum / (double)nrx / 1e6,
			       (double)rtt_max / 1e6);
		printf(",\"startWallMs\":%.3f,\"durationMs\":%.3f,\"interrupted\":%s}\n", wall0,
		       dur_ms, (stop_flag || seq < count) ? "true" : "false");
	} else {
		printf("flow %s to %s: sent %" PRIu32 ", received %zu, lost %" PRIu32
		       ", duplicates %" PRIu32 ", reordered %" PRIu32 "\n",
		       name, to_s, sent, nrx, lost, dups, reordered);
		printf("  longest gap %.1f ms", (double)gap / 1e6);
		if (gap)
			printf(" (between echoes of seq %" PRIu32 " and %" PRIu32 ")", gap_after,
			       gap_before);
		printf("\n");
		if (hole_len)
			printf("  largest hole: seq %" PRIu32 "-%" PRIu32 " (%" PRIu32
			       " packets%s)\n",
			       hole_from, hole_from + hole_len - 1, hole_len,
			       (tail_open && hole_from + hole_len == seq) ? ", to the end" : "");
		if (nrx)
			printf("  rtt min/avg/max %.3f/%.3f/%.3f ms\n", (double)rtt_min / 1e6,
			       rtt_sum / (double)nrx / 1e6, (double)rtt_max / 1e6);
		if (send_err)
			printf("  not sent: %" PRIu32
			       " (send errors: no route, firewall, buffer full)\n",
			       send_err);
		if (stop_flag || seq < count)
			printf("  interrupted after %.0f ms\n", dur_ms);
	}
	if (csvf && csvf != stdout)
		fclose(csvf);
	free(rxs);
	free(seen);
	return 0;
bad:
	usage_send(stderr);
	return 2;
}

/* ------------------------------------------------------------------ echo */

static void usage_echo(FILE *f)
{
	fprintf(f, "usage: lisp-flow echo --port P [--bind ADDR] [--log FILE] [--max-seconds S]\n");
}

static int cmd_echo(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"port", required_argument, NULL, 'p'}, {"bind", required_argument, NULL, 'b'},
	    {"log", required_argument, NULL, 'L'},  {"max-seconds", required_argument, NULL, 'm'},
	    {"help", no_argument, NULL, 'h'},	    {NULL, 0, NULL, 0}};
	unsigned long port = 0, maxs = 3600;
	const char *bind_s = NULL, *logp = NULL;
	struct sockaddr_storage ss;
	socklen_t sl;
	int c, fd, off = 0;
	FILE *logf;
	uint8_t buf[FLOW_MAX_SIZE + 1];
	uint64_t t_end, echoed = 0, echo_err = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_uint(optarg, 65535, &port) || !port)
				goto bad;
			break;
		case 'b':
			bind_s = optarg;
			break;
		case 'L':
			logp = optarg;
			break;
		case 'm':
			if (parse_uint(optarg, 86400 * 7, &maxs) || !maxs)
				goto bad;
			break;
		case 'h':
			usage_echo(stdout);
			return 0;
		default:
			goto bad;
		}
	}
	if (!port || optind != argc)
		goto bad;
	memset(&ss, 0, sizeof(ss));
	if (bind_s && strchr(bind_s, ':') == NULL) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, bind_s, &s4->sin_addr) != 1)
			goto bad;
		sl = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		s6->sin6_addr = in6addr_any;
		if (bind_s && inet_pton(AF_INET6, bind_s, &s6->sin6_addr) != 1)
			goto bad;
		sl = sizeof(*s6);
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("lisp-flow: socket");
		return 1;
	}
	if (ss.ss_family == AF_INET6) /* one socket for IPv4 (mapped) and IPv6 */
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	{
		int sz = 4 << 20;
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		perror("lisp-flow: bind");
		return 1;
	}
	logf = open_log(logp);
	if (logf)
		fprintf(logf, "# wall_ms seq source flow\n");
	set_signals();
	fprintf(stderr, "lisp-flow: echo ready on port %lu\n", port);
	t_end = mono_ns() + (uint64_t)maxs * 1000000000ull;
	while (!stop_flag && mono_ns() < t_end) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
				uint64_t dl = mono_ns() + 1000000000ull;
				if (logf)
					fflush(logf); /* idle: what was logged is readable */
				wait_readable(fd, dl < t_end ? dl : t_end);
				continue;
			}
			perror("lisp-flow: recvfrom");
			continue;
		}
		if (sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fl) < 0)
			echo_err++; /* not echoed: a send error, not an echo */
		else
			echoed++;
		if (logf) {
			struct flow_pkt fp;
			char a[INET6_ADDRSTRLEN];
			if (flow_parse(buf, (size_t)n, &fp) == 0)
				fprintf(logf, "%.3f %" PRIu32 " %s %s\n", wall_ms(), fp.seq,
					sa_ntop(&from, a, sizeof(a)) ? a : "?",
					fp.name[0] ? fp.name : "-");
		}
	}
	fprintf(stderr, "lisp-flow: echoed %" PRIu64 " packets, %" PRIu64 " send errors\n", echoed,
		echo_err);
	if (logf && logf != stdout)
		fclose(logf);
	close(fd);
	return 0;
bad:
	usage_echo(stderr);
	return 2;
}

/* ------------------------------------------------------------------ tap */

static void usage_tap(FILE *f)
{
	fprintf(f, "usage: lisp-flow tap --dev IF --port P [--lisp [PORT]] [--log FILE] "
		   "[--max-seconds S]\n");
}

/* UDP payload of an IPv4/IPv6 packet to or from `port` (proto/pkt.h: not a fragment, the UDP
 * length within the IP payload); addresses as text. */
static int tap_parse(const uint8_t *p, size_t len, unsigned port, char *src, char *dst,
		     struct buf *pl)
{
	struct buf b;
	struct pkt_ip ip;
	struct pkt_udp u;

	buf_init_read(&b, p, len);
	if (pkt_parse_ip(&b, &ip) || pkt_parse_udp(&b, &ip, &u))
		return -1;
	if (u.sport != port && u.dport != port)
		return -1;
	ipaddr_str(&ip.src, src, INET6_ADDRSTRLEN);
	ipaddr_str(&ip.dst, dst, INET6_ADDRSTRLEN);
	*pl = u.payload;
	return 0;
}

/* --lisp: a LISP data packet (UDP to or from lport) carrying a flow packet to or from
 * `port`: the outer addresses into osrc/odst, the inner ones and payload as tap_parse. */
static int tap_parse_lisp(const uint8_t *p, size_t len, unsigned lport, unsigned port, char *osrc,
			  char *odst, char *src, char *dst, struct buf *pl)
{
	struct buf b;
	struct pkt_ip ip;
	struct pkt_udp u;

	buf_init_read(&b, p, len);
	if (pkt_parse_ip(&b, &ip) || pkt_parse_udp(&b, &ip, &u))
		return -1;
	if (u.dport != lport && u.sport != lport)
		return -1;
	if (buf_skip(&u.payload, 8) < 0) /* the LISP data header (RFC 9300 §5.3) */
		return -1;
	if (tap_parse(buf_cur(&u.payload), buf_left(&u.payload), port, src, dst, pl))
		return -1;
	ipaddr_str(&ip.src, osrc, INET6_ADDRSTRLEN);
	ipaddr_str(&ip.dst, odst, INET6_ADDRSTRLEN);
	return 0;
}

static int cmd_tap(int argc, char **argv)
{
	static const struct option opts[] = {{"dev", required_argument, NULL, 'd'},
					     {"port", required_argument, NULL, 'p'},
					     {"log", required_argument, NULL, 'L'},
					     {"max-seconds", required_argument, NULL, 'm'},
					     {"lisp", optional_argument, NULL, 'l'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	unsigned long port = 0, maxs = 3600, lport = 0;
	const char *dev = NULL, *logp = "-";
	struct sockaddr_ll sll;
	int c, fd;
	FILE *logf;
	uint8_t buf[FLOW_MAX_SIZE + 128];
	uint64_t t_end;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dev = optarg;
			break;
		case 'p':
			if (parse_uint(optarg, 65535, &port) || !port)
				goto bad;
			break;
		case 'L':
			logp = optarg;
			break;
		case 'm':
			if (parse_uint(optarg, 86400 * 7, &maxs) || !maxs)
				goto bad;
			break;
		case 'l':
			lport = 4341;
			if (optarg && (parse_uint(optarg, 65535, &lport) || !lport))
				goto bad;
			break;
		case 'h':
			usage_tap(stdout);
			return 0;
		default:
			goto bad;
		}
	}
	if (!dev || !port || optind != argc)
		goto bad;
	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0) {
		perror("lisp-flow: AF_PACKET socket");
		return 1;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)if_nametoindex(dev);
	if (!sll.sll_ifindex) {
		fprintf(stderr, "lisp-flow: no device %s\n", dev);
		return 1;
	}
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		perror("lisp-flow: bind");
		return 1;
	}
	{
		int on = 1, sz = 16 << 20;
		if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)) < 0)
			perror("lisp-flow: SO_TIMESTAMPNS (times are read times)");
		/* a burst seen while this process is not scheduled waits in the socket: room
		   for ~20,000 packets (FORCE: above rmem_max when root) */
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	}
	logf = open_log(logp);
	fprintf(logf, "# wall_ms dir seq source destination flow%s (dir: out = sent on %s)\n",
		lport ? " outer_source outer_destination" : "", dev);
	set_signals();
	fprintf(stderr, "lisp-flow: tap ready on %s\n", dev);
	t_end = mono_ns() + (uint64_t)maxs * 1000000000ull;
	while (!stop_flag && mono_ns() < t_end) {
		struct sockaddr_ll from;
		union {
			struct cmsghdr align;
			uint8_t b[CMSG_SPACE(sizeof(struct timespec))];
		} cbuf;
		struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
		struct msghdr mh = {.msg_name = &from,
				    .msg_namelen = sizeof(from),
				    .msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = cbuf.b,
				    .msg_controllen = sizeof(cbuf.b)};
		ssize_t n = recvmsg(fd, &mh, 0);
		char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
		char osrc[INET6_ADDRSTRLEN] = "-", odst[INET6_ADDRSTRLEN] = "-";
		struct buf pl;
		struct flow_pkt fp;
		struct cmsghdr *cm;
		double t_ms = 0;

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
				uint64_t dl = mono_ns() + 1000000000ull;
				fflush(logf); /* idle: what was logged is readable */
				wait_readable(fd, dl < t_end ? dl : t_end);
				continue;
			}
			perror("lisp-flow: recvmsg");
			continue;
		}
		if (tap_parse(buf, (size_t)n, (unsigned)port, src, dst, &pl) &&
		    (!lport || tap_parse_lisp(buf, (size_t)n, (unsigned)lport, (unsigned)port, osrc,
					      odst, src, dst, &pl)))
			continue;
		if (flow_parse(buf_cur(&pl), buf_left(&pl), &fp))
			continue;
		/* the kernel's time of the packet on the device, not when this process got to
		   read it (on a loaded machine that can be milliseconds later) */
		for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS &&
			    cm->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
				struct timespec ts;
				memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
				t_ms = (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
			}
		}
		if (t_ms == 0)
			t_ms = wall_ms();
		fprintf(logf, "%.3f %s %" PRIu32 " %s %s %s", t_ms,
			from.sll_pkttype == PACKET_OUTGOING ? "out" : "in", fp.seq, src, dst,
			fp.name[0] ? fp.name : "-");
		if (lport)
			fprintf(logf, " %s %s", osrc, odst);
		fputc('\n', logf);
	}
	{
		struct tpacket_stats st;
		socklen_t sl = sizeof(st);
		if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &sl) == 0 && st.tp_drops)
			fprintf(stderr, "lisp-flow: tap: %u packets dropped (socket buffer full)\n",
				st.tp_drops);
	}
	if (logf != stdout)
		fclose(logf);
	close(fd);
	return 0;
bad:
	usage_tap(stderr);
	return 2;
}

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: lisp-flow send --to ADDR:PORT --rate PPS --count N [--size B] [--name NAME]\n"
	    "                      [--json] [--csv FILE] [--max-seconds S] [--linger-ms MS]\n"
	    "                      [--bind ADDR]\n"
	    "       lisp-flow echo --port P [--bind ADDR] [--log FILE] [--max-seconds S]\n"
	    "       lisp-flow tap --dev IF --port P [--lisp [PORT]] [--log FILE] [--max-seconds "
	    "S]\n"
	    "       lisp-flow [COMMAND] -h | --help;  lisp-flow --version\n"
	    "send: numbered packets at a fixed rate, echoes collected; reports sent, received,\n"
	    "lost, duplicates, the longest gap between echoes and the largest hole. SIGUSR1\n"
	    "ends the flow early and cleanly (echoes in flight awaited, report not interrupted).\n"
	    "echo: answers every packet to its sender; --log writes 'wall_ms seq source flow'.\n"
	    "tap: logs flow packets seen on a device (AF_PACKET), with direction in/out and the\n"
	    "kernel's time of each packet on the device.\n"
	    "Times in logs and CSV are epoch milliseconds (CLOCK_REALTIME).\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("lisp-flow %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "send") == 0)
		return cmd_send(argc - 1, argv + 1);
	if (strcmp(argv[1], "echo") == 0)
		return cmd_echo(argc - 1, argv + 1);
	if (strcmp(argv[1], "tap") == 0)
		return cmd_tap(argc - 1, argv + 1);
	fprintf(stderr, "lisp-flow: unknown command %s\n", argv[1]);
	usage(stderr);
	return 2;
}
