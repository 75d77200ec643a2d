/* SPDX-License-Identifier: ISC */
/*
 * tests/wan/delayline.c - a WAN delay line that needs no tc netem: a transparent layer-2
 * relay between two interfaces that holds every frame for a configured one-way delay, with
 * optional jitter and loss, a bounded queue per direction and counters.
 *
 *   delayline -a IFACE -b IFACE [--delay MS] [--delay-ab MS] [--delay-ba MS]
 *             [--jitter MS] [--loss PERCENT] [--limit FRAMES] [--seed N]
 *
 * Wiring (scripts/demo-lib.sh, tests/wan/delayline.sh): a link X <-> Y becomes
 * X <-> A ... delayline ... B <-> Y, where A and B are unaddressed ports in one namespace.
 * Frames are read with AF_PACKET sockets (promiscuous, our own transmissions ignored) and
 * written to the other port when their time is due, so ARP, neighbour discovery, IPv4 and
 * IPv6 cross it alike. PACKET_VNET_HDR keeps the offloads: a GSO super-frame from a veth
 * goes through whole, with its checksum-offload state, and the kernel segments it on the
 * far side as a wire would see it.
 *
 * Timing: CLOCK_MONOTONIC, ppoll with nanosecond timeouts and a 1-ns timer slack, at
 * real-time priority (SCHED_FIFO 10) where allowed, as netem's timers run in the kernel: a
 * loaded machine's other processes then do not hold frames back (measured here: each frame
 * leaves within about 0.1 ms of its due time; without the priority, under load, a tenth of
 * them left over 1 ms late). Without the privilege it says so on stderr and runs as it is. Jitter
 * is uniform in [-J, +J]; a frame is never sent before the one received before it (no reordering,
 * unlike netem's jitter). Loss is decided on arrival. A direction holds at most --limit frames
 * (default 10000) and 64 MiB; beyond, frames are dropped and counted (netem's "limit").
 *
 * Output: "ready" on stdout once both ports are bound; on SIGUSR1 and at exit one JSON line
 * {"ab":{...},"ba":{...}} with rx, tx, lost (random loss), overflow (queue full),
 * errors (failed sends), queued (in the queue now: due later), flushed (still queued at
 * exit), maxQueue and txBytes; rx == tx + lost + overflow + errors + queued.
 * SIGTERM/SIGINT end it (exit 0). Exit 2: usage; 1: an interface could not be opened.
 *
 * The relay copies frames and reads none of their bytes, so it parses no untrusted input.
 */
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <arpa/inet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sched.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FRAME_MAX	(65536 + sizeof(struct virtio_net_hdr))
#define QUEUE_BYTES_MAX (64u << 20)
#define RX_BURST	64

struct frame {
	uint64_t due;
	size_t len;
	unsigned char data[];
};

struct dir {
	const char *name;	/* "ab" or "ba" */
	int in, out;		/* sockets: read from in, write to out */
	uint64_t delay, jitter; /* ns */
	uint32_t loss;		/* per 2^32 */
	struct frame **q;
	size_t cap, head, n, bytes, maxq;
	uint64_t last_due;
	int blocked; /* the last send would block: wait for POLLOUT */
	uint64_t rx, tx, tx_bytes, lost, overflow, errors;
};

static volatile sig_atomic_t stop_sig, dump_sig;
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static void on_signal(int s)
{
	if (s == SIGUSR1)
		dump_sig = 1;
	else
		stop_sig = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t rng(void) /* xorshift64* */
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static int open_port(const char *ifname)
{
	unsigned idx = if_nametoindex(ifname);
	int fd, one = 1, buf = 8 << 20;
	struct sockaddr_ll sll = {0};
	struct packet_mreq mr = {0};

	if (idx == 0) {
		fprintf(stderr, "delayline: no interface %s\n", ifname);
		return -1;
	}
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0) {
		fprintf(stderr, "delayline: packet socket: %s\n", strerror(errno));
		return -1;
	}
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)idx;
	mr.mr_ifindex = (int)idx;
	mr.mr_type = PACKET_MR_PROMISC;
	if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0) {
		fprintf(stderr, "delayline: %s: %s\n", ifname, strerror(errno));
		close(fd);
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf));
	return fd;
}

static void dir_receive(struct dir *d, unsigned char *buf)
{
	for (int i = 0; i < RX_BURST; i++) {
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t r = recvfrom(d->in, buf, FRAME_MAX, 0, (struct sockaddr *)&from, &fl);
		uint64_t t = now_ns(), due;
		struct frame *f;

		if (r < 0)
			return; /* EAGAIN: drained (other errors: next poll) */
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;
		d->rx++;
		if (d->loss && (uint32_t)(rng() >> 32) < d->loss) {
			d->lost++;
			continue;
		}
		if (d->n == d->cap || d->bytes + (size_t)r > QUEUE_BYTES_MAX) {
			d->overflow++;
			continue;
		}
		due = t + d->delay;
		if (d->jitter) { /* uniform in [delay - J, delay + J], never before now */
			due += rng() % (2 * d->jitter + 1);
			due = due - d->jitter < t ? t : due - d->jitter;
		}
		if (due < d->last_due)
			due = d->last_due; /* FIFO: never ahead of an earlier frame */
		f = malloc(sizeof(*f) + (size_t)r);
		if (f == NULL) {
			d->overflow++;
			continue;
		}
		f->due = due;
		f->len = (size_t)r;
		memcpy(f->data, buf, (size_t)r);
		d->q[(d->head + d->n) % d->cap] = f;
		d->n++;
		d->bytes += (size_t)r;
		if (d->n > d->maxq)
			d->maxq = d->n;
		d->last_due = due;
	}
}

static void dir_send(struct dir *d, uint64_t t)
{
	d->blocked = 0;
	while (d->n > 0) {
		struct frame *f = d->q[d->head];
		ssize_t w;

		if (f->due > t)
			return;
		w = send(d->out, f->data, f->len, MSG_DONTWAIT);
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
			d->blocked = 1;
			return;
		}
		if (w < 0)
			d->errors++;
		else {
			d->tx++;
			d->tx_bytes += f->len - sizeof(struct virtio_net_hdr);
		}
		d->bytes -= f->len;
		free(f);
		d->head = (d->head + 1) % d->cap;
		d->n--;
	}
}

static void dump(const struct dir *d, size_t nd, int final)
{
	printf("{");
	for (size_t i = 0; i < nd; i++)
		printf("%s\"%s\":{\"rx\":%llu,\"tx\":%llu,\"lost\":%llu,\"overflow\":%llu,"
		       "\"errors\":%llu,\"queued\":%zu,\"flushed\":%zu,\"maxQueue\":%zu,"
		       "\"txBytes\":%llu}",
		       i ? "," : "", d[i].name, (unsigned long long)d[i].rx,
		       (unsigned long long)d[i].tx, (unsigned long long)d[i].lost,
		       (unsigned long long)d[i].overflow, (unsigned long long)d[i].errors, d[i].n,
		       final ? d[i].n : 0, d[i].maxq, (unsigned long long)d[i].tx_bytes);
	printf("}\n");
	fflush(stdout);
}

static int parse_ms(const char *s, uint64_t *ns)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < 0 || v > 60000)
		return -1;
	*ns = (uint64_t)(v * 1e6 + 0.5);
	return 0;
}

static void usage(FILE *o)
{
	fprintf(o, "usage: delayline -a IFACE -b IFACE [--delay MS] [--delay-ab MS] "
		   "[--delay-ba MS]\n"
		   "                 [--jitter MS] [--loss PERCENT] [--limit FRAMES] "
		   "[--seed N]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"delay", required_argument, NULL, 'd'},
					     {"delay-ab", required_argument, NULL, 'x'},
					     {"delay-ba", required_argument, NULL, 'y'},
					     {"jitter", required_argument, NULL, 'j'},
					     {"loss", required_argument, NULL, 'l'},
					     {"limit", required_argument, NULL, 'q'},
					     {"seed", required_argument, NULL, 's'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *ia = NULL, *ib = NULL;
	uint64_t dab = 0, dba = 0, jit = 0;
	double loss = 0;
	unsigned long limit = 10000;
	struct dir d[2];
	unsigned char *buf;
	struct sigaction sa;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "a:b:h", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			ia = optarg;
			break;
		case 'b':
			ib = optarg;
			break;
		case 'd':
			if (parse_ms(optarg, &dab) < 0)
				goto bad;
			dba = dab;
			break;
		case 'x':
			if (parse_ms(optarg, &dab) < 0)
				goto bad;
			break;
		case 'y':
			if (parse_ms(optarg, &dba) < 0)
				goto bad;
			break;
		case 'j':
			if (parse_ms(optarg, &jit) < 0)
				goto bad;
			break;
		case 'l':
			loss = strtod(optarg, &end);
			if (*end || end == optarg || loss < 0 || loss > 100)
				goto bad;
			break;
		case 'q':
			limit = strtoul(optarg, &end, 10);
			if (*end || end == optarg || limit < 1 || limit > 1000000)
				goto bad;
			break;
		case 's':
			rng_state = strtoull(optarg, &end, 0) | 1;
			if (*end || end == optarg)
				goto bad;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad;
		}
	}
	if (ia == NULL || ib == NULL || optind != argc)
		goto bad;

	memset(d, 0, sizeof(d));
	d[0].name = "ab";
	d[1].name = "ba";
	d[0].in = d[1].out = open_port(ia);
	if (d[0].in < 0)
		return 1;
	d[1].in = d[0].out = open_port(ib);
	if (d[1].in < 0)
		return 1;
	d[0].delay = dab;
	d[1].delay = dba;
	for (int i = 0; i < 2; i++) {
		d[i].jitter = jit;
		d[i].loss = (uint32_t)(loss / 100.0 * 4294967295.0);
		d[i].cap = limit;
		d[i].q = calloc(limit, sizeof(*d[i].q));
		if (d[i].q == NULL)
			return 1;
	}
	buf = malloc(FRAME_MAX);
	if (buf == NULL)
		return 1;
	(void)prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	struct sched_param sp = {.sched_priority = 10};
	if (sched_setscheduler(0, SCHED_FIFO, &sp) == -1)
		fprintf(stderr,
			"delayline: no real-time priority (%s): frames may leave late "
			"on a loaded machine\n",
			strerror(errno));

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	printf("ready\n");
	fflush(stdout);

	while (!stop_sig) {
		struct pollfd p[2];
		struct timespec ts, *tp = NULL;
		uint64_t t = now_ns(), next = UINT64_MAX;

		for (int i = 0; i < 2; i++) {
			p[i].fd = d[i].in;
			p[i].events = POLLIN;
			p[i].revents = 0;
		}
		for (int i = 0; i < 2; i++) {
			if (d[i].blocked)
				p[1 - i].events |= POLLOUT; /* d[i].out == d[1-i].in */
			else if (d[i].n > 0 && d[i].q[d[i].head]->due < next)
				next = d[i].q[d[i].head]->due;
		}
		if (next != UINT64_MAX) {
			uint64_t w = next > t ? next - t : 0;
			ts.tv_sec = (time_t)(w / 1000000000ull);
			ts.tv_nsec = (long)(w % 1000000000ull);
			tp = &ts;
		}
		if (ppoll(p, 2, tp, NULL) < 0 && errno != EINTR)
			break;
		if (dump_sig) {
			dump_sig = 0;
			dump(d, 2, 0);
		}
		for (int i = 0; i < 2; i++)
			if (p[i].revents & POLLIN)
				dir_receive(&d[i], buf);
		t = now_ns();
		for (int i = 0; i < 2; i++)
			dir_send(&d[i], t);
	}
	dump(d, 2, 1);
	for (int i = 0; i < 2; i++) {
		while (d[i].n > 0) {
			free(d[i].q[d[i].head]);
			d[i].head = (d[i].head + 1) % d[i].cap;
			d[i].n--;
		}
		free(d[i].q);
	}
	free(buf);
	close(d[0].in);
	close(d[1].in);
	return 0;
bad:
	usage(stderr);
	return 2;
}
