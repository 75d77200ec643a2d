/* SPDX-License-Identifier: ISC */
/* bench/benchlib.c - see bench/benchlib.h. */

#include "config.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/benchlib.h"
#include "proto/buf.h"
#include "proto/lisp_msg.h"
#include "tools/client.h"

static double clock_s(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double bench_now_s(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

double bench_wall_s(void)
{
	return clock_s(CLOCK_REALTIME);
}

double bench_proc_cpu_s(long pid)
{
	char path[64], line[1024];
	unsigned long ut = 0, st = 0;
	FILE *f;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	if (fgets(line, sizeof(line), f) == NULL) {
		fclose(f);
		return 0;
	}
	fclose(f);
	/* fields after the ")" of comm: state(3) ... utime(14) stime(15) */
	char *p = strrchr(line, ')');
	if (p == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

int bench_udp_socket(const struct ipaddr *bind_a, uint16_t *port)
{
	struct sockaddr_storage me;
	socklen_t mlen;
	int fd = socket(bind_a->afi == LISP_AFI_IPV4 ? AF_INET : AF_INET6,
			SOCK_DGRAM | SOCK_NONBLOCK, 0);

	if (fd < 0) {
		perror("socket");
		return -1;
	}
	tools_ip_to_sockaddr(bind_a, 0, &me, &mlen);
	if (bind(fd, (struct sockaddr *)&me, mlen) < 0 ||
	    getsockname(fd, (struct sockaddr *)&me, &mlen) < 0) {
		perror("bind");
		close(fd);
		return -1;
	}
	*port = ntohs(bind_a->afi == LISP_AFI_IPV4 ? ((struct sockaddr_in *)&me)->sin_port
						   : ((struct sockaddr_in6 *)&me)->sin6_port);
	return fd;
}

void bench_eid(const struct ipaddr *base, uint32_t iid, unsigned long i, struct lisp_prefix *p)
{
	struct ipaddr a = *base;
	unsigned n = a.afi == LISP_AFI_IPV4 ? 4 : 16;
	uint32_t v = ((uint32_t)a.a[n - 4] << 24) | ((uint32_t)a.a[n - 3] << 16) |
		     ((uint32_t)a.a[n - 2] << 8) | a.a[n - 1];
	v += (uint32_t)i;
	a.a[n - 4] = (uint8_t)(v >> 24);
	a.a[n - 3] = (uint8_t)(v >> 16);
	a.a[n - 2] = (uint8_t)(v >> 8);
	a.a[n - 1] = (uint8_t)v;
	prefix_from_addr(p, iid, &a);
}

size_t bench_ecm_request(const char *prog, const struct ipaddr *bind_a, uint16_t sport,
			 const struct lisp_prefix *eid, uint64_t nonce, uint8_t *out, size_t cap)
{
	static struct lisp_map_request m;
	struct proto_err e = {0};
	uint8_t inner[512];
	struct buf w, r;
	struct lisp_ecm ecm;

	memset(&m, 0, sizeof(m));
	m.nonce = nonce;
	m.n_itr_rlocs = 1;
	lisp_addr_from_ip(&m.itr_rlocs[0], bind_a);
	m.nrec = 1;
	m.rec[0].eid = *eid;
	m.rec[0].eid_lcaf_iid = eid->iid != 0;
	buf_init_write(&w, inner, sizeof(inner));
	if (lisp_map_request_build(&w, &m, &e) < 0) {
		fprintf(stderr, "%s: Map-Request: %s\n", prog, e.reason);
		exit(1);
	}
	buf_as_reader(&w, &r);
	memset(&ecm, 0, sizeof(ecm));
	/* The inner header is of the EID's family. When that is not the family of the
	 * socket, its source is a documentation address of the EID's family (RFC 3849 /
	 * RFC 5737): the Map-Server answers to the ITR-RLOC (the bound address), not to it. */
	if (bind_a->afi == eid->afi)
		ecm.inner_src = *bind_a;
	else if (ipaddr_parse(eid->afi == LISP_AFI_IPV6 ? "2001:db8:ffff::1" : "192.0.2.1",
			      &ecm.inner_src) < 0)
		exit(1);
	ecm.inner_dst.afi = eid->afi;
	memcpy(ecm.inner_dst.a, eid->a, 16);
	ecm.inner_sport = sport;
	ecm.inner_dport = LISP_CONTROL_PORT;
	buf_init_write(&w, out, cap);
	if (lisp_ecm_build(&w, &ecm, &r, &e) < 0) {
		fprintf(stderr, "%s: ECM: %s\n", prog, e.reason);
		exit(1);
	}
	return buf_len(&w);
}
