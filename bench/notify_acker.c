/* SPDX-License-Identifier: ISC */
/*
 * bench/notify_acker.c - a stand-in for the xTRs at the new RLOCs of an evacuation: it
 * answers every Map-Notify it receives as lisp-xtrd does (xtr/register.c notify_ack): the
 * message turned into its Map-Notify-Ack in place (same nonce, every record echoed),
 * signed with the site key, sent back to the source. Used by the evacuation benchmark
 * (bench/run-evacuation.sh) and tests/integration/evacuation.sh.
 *
 *   notify_acker -a ADDR [-a ADDR ...] [-p PORT (4342)] [-s SECRET (bench-secret)]
 *                [-K KEYID (1)] [-t SECONDS (120)] [-n] [-o FILE]
 *
 * One socket per ADDR (each an RLOC). -n: count but never answer (an unresponsive xTR).
 * Runs for SECONDS or until SIGTERM/SIGINT, then prints one line (to FILE with -o, else
 * stdout): notifies=N records=N acks=N bad=N (bad: not a Map-Notify, malformed, or failing
 * authentication; never answered). With -o the line is also rewritten every 100 ms, so a
 * test can poll it. Bounded: batches of 64 datagrams, poll with a 100-ms timeout.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench/benchlib.h"
#include "proto/auth.h"
#include "proto/buf.h"
#include "proto/lisp_msg.h"
#include "tools/client.h"

#define MAXFD 16
#define BATCH 64

static volatile sig_atomic_t stop;

static void on_sig(int s)
{
	(void)s;
	stop = 1;
}

static unsigned long notifies, records, acks, bad;

static void report(const char *path)
{
	char line[200];
	snprintf(line, sizeof(line), "notifies=%lu records=%lu acks=%lu bad=%lu\n", notifies,
		 records, acks, bad);
	if (path == NULL) {
		fputs(line, stdout);
		fflush(stdout);
		return;
	}
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (f == NULL)
		return;
	fputs(line, f);
	fclose(f);
	(void)rename(tmp, path);
}

static int open_sock(const char *addr, unsigned port)
{
	struct ipaddr a;
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1, sz = 8 << 20;

	if (ipaddr_parse(addr, &a) < 0) {
		fprintf(stderr, "notify_acker: bad address %s\n", addr);
		return -1;
	}
	tools_ip_to_sockaddr(&a, (uint16_t)port, &ss, &len);
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		perror("notify_acker: bind");
		close(fd);
		return -1;
	}
	return fd;
}

/* The Ack of the Map-Notify in data (lisp-xtrd's notify_ack), into out; its length or 0. */
static size_t make_ack(const uint8_t *data, size_t len, const struct lisp_key *k,
		       struct lisp_map_notify *m, uint8_t *out, size_t cap)
{
	struct buf b, w;
	size_t off;

	buf_init_read(&b, data, len);
	if (lisp_msg_type(&b) != LISP_T_MAP_NOTIFY || lisp_map_notify_parse(&b, m, NULL) < 0 ||
	    m->ack || lisp_auth_verify(&b, &m->auth, k, NULL) < 0)
		return 0;
	notifies++;
	records += m->nrec;
	m->ack = true;
	m->auth.key_id = lisp_key_id(k);
	m->auth.alg_id = lisp_key_alg(k);
	m->auth.len = (uint16_t)lisp_auth_len(m->auth.alg_id);
	buf_init_write(&w, out, cap);
	if (lisp_map_notify_build(&w, m, &off, NULL) < 0 || lisp_auth_sign(&w, off, k, NULL) < 0)
		return 0;
	return buf_len(&w);
}

int main(int argc, char **argv)
{
	const char *addrs[MAXFD], *secret = "bench-secret", *outpath = NULL;
	unsigned naddr = 0, port = LISP_CONTROL_PORT, key_id = 1;
	double secs = 120;
	bool silent = false;
	int c;

	while ((c = getopt(argc, argv, "a:p:s:K:t:no:")) != -1) {
		switch (c) {
		case 'a':
			if (naddr == MAXFD)
				return 2;
			addrs[naddr++] = optarg;
			break;
		case 'p':
			port = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 's':
			secret = optarg;
			break;
		case 'K':
			key_id = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 't':
			secs = strtod(optarg, NULL);
			break;
		case 'n':
			silent = true;
			break;
		case 'o':
			outpath = optarg;
			break;
		default:
			fprintf(stderr, "usage: notify_acker -a ADDR [-a ADDR ...] [-p PORT] "
					"[-s SECRET] [-K KEYID] [-t SECONDS] [-n] [-o FILE]\n");
			return 2;
		}
	}
	if (naddr == 0 || port == 0 || port > 65535 || secs <= 0 || secs > 3600)
		return 2;
	struct lisp_key *k =
	    lisp_key_new((uint8_t)key_id, LISP_ALG_HMAC_SHA256_128, secret, strlen(secret));
	struct lisp_map_notify *m = calloc(1, sizeof(*m));
	if (k == NULL || m == NULL)
		return 1;
	struct pollfd pfd[MAXFD];
	for (unsigned i = 0; i < naddr; i++) {
		pfd[i].fd = open_sock(addrs[i], port);
		pfd[i].events = POLLIN;
		if (pfd[i].fd < 0)
			return 1;
	}
	signal(SIGTERM, on_sig);
	signal(SIGINT, on_sig);

	static struct mmsghdr rx[BATCH], tx[BATCH];
	static struct iovec rxiov[BATCH], txiov[BATCH];
	static struct sockaddr_storage from[BATCH];
	static uint8_t rxbuf[BATCH][9216], txbuf[BATCH][9216];
	double end = bench_now_s() + secs, last_report = 0;

	if (outpath != NULL)
		report(outpath);
	while (!stop && bench_now_s() < end) {
		if (poll(pfd, naddr, 100) < 0 && errno != EINTR)
			break;
		for (unsigned i = 0; i < naddr; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			for (int j = 0; j < BATCH; j++) {
				rxiov[j].iov_base = rxbuf[j];
				rxiov[j].iov_len = sizeof(rxbuf[j]);
				memset(&rx[j].msg_hdr, 0, sizeof(rx[j].msg_hdr));
				rx[j].msg_hdr.msg_iov = &rxiov[j];
				rx[j].msg_hdr.msg_iovlen = 1;
				rx[j].msg_hdr.msg_name = &from[j];
				rx[j].msg_hdr.msg_namelen = sizeof(from[j]);
			}
			int r = recvmmsg(pfd[i].fd, rx, BATCH, MSG_DONTWAIT, NULL);
			int nt = 0;
			for (int j = 0; j < r; j++) {
				size_t n = make_ack(rxbuf[j], rx[j].msg_len, k, m, txbuf[nt],
						    sizeof(txbuf[nt]));
				if (n == 0) {
					bad++;
					continue;
				}
				if (silent)
					continue;
				memset(&tx[nt].msg_hdr, 0, sizeof(tx[nt].msg_hdr));
				txiov[nt].iov_base = txbuf[nt];
				txiov[nt].iov_len = n;
				tx[nt].msg_hdr.msg_iov = &txiov[nt];
				tx[nt].msg_hdr.msg_iovlen = 1;
				tx[nt].msg_hdr.msg_name = &from[j];
				tx[nt].msg_hdr.msg_namelen = rx[j].msg_hdr.msg_namelen;
				nt++;
			}
			if (nt > 0) {
				int s = sendmmsg(pfd[i].fd, tx, (unsigned)nt, 0);
				if (s > 0)
					acks += (unsigned long)s;
			}
		}
		if (outpath != NULL && bench_now_s() - last_report > 0.1) {
			report(outpath);
			last_report = bench_now_s();
		}
	}
	report(outpath);
	if (outpath != NULL)
		report(NULL);
	lisp_key_free(k);
	free(m);
	return 0;
}
