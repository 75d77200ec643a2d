/* SPDX-License-Identifier: ISC */
/*
 * tests/integration/tools_responder.c - a small stand-in Map-Server for the lisp-register /
 * lisp-query integration tests, with the failure modes a real one never shows on demand.
 *
 *   tools_responder --addr ADDR --port N --key SECRET [--key-id N (1)] [--alg sha1|sha256]
 *                   [--mode ok|silent|badsig|wrongnonce|norecords|late]
 *
 * Map-Register: verified with the key (a bad one is dropped silently, as RFC 9301 §5.6
 * wants), logged as "register nonce=0x... records=N ttl=T auth=ok xtr=HEX|-" (xtr: the
 * xTR-ID when I=1), stored (TTL 0 removes),
 * then answered by mode: ok = Map-Notify with the same nonce and records, signed; silent =
 * nothing; badsig = signed with another key; wrongnonce = nonce + 1; norecords = no
 * records; late = nothing for the first Map-Register, ok afterwards.
 * Map-Request (plain, or in an ECM): logged as "request nonce=0x... ecm=0|1 probe=0|1",
 * answered (except in silent mode) with the stored mapping covering the EID, else a
 * negative Map-Reply (natively-forward, TTL 15), sent to the first ITR-RLOC at the request's
 * (inner, for an ECM) source port. One line per event on stdout, flushed.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proto/auth.h"
#include "proto/lisp_msg.h"

#define MAXREG 64

static struct lisp_record table[MAXREG];
static size_t ntable;
static const char *mode = "ok";
static unsigned nregister;

static int ip_to_ss(const struct ipaddr *ip, uint16_t port, struct sockaddr_storage *ss,
		    socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (ip->afi == LISP_AFI_IPV4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, ip->a, 4);
		*len = sizeof(*s4);
		return 0;
	}
	if (ip->afi == LISP_AFI_IPV6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, ip->a, 16);
		*len = sizeof(*s6);
		return 0;
	}
	return -1;
}

static void store(const struct lisp_record *r)
{
	size_t i;
	for (i = 0; i < ntable; i++)
		if (prefix_eq(&table[i].eid, &r->eid))
			break;
	if (r->ttl == 0) {
		if (i < ntable)
			table[i] = table[--ntable];
		return;
	}
	if (i == ntable) {
		if (ntable == MAXREG)
			return;
		ntable++;
	}
	table[i] = *r;
}

static void on_register(int fd, struct buf *b, const struct sockaddr_storage *from, socklen_t fl,
			const struct lisp_key *k, const struct lisp_key *bad)
{
	static struct lisp_map_register m;
	static struct lisp_map_notify n;
	struct proto_err e = {0};
	uint8_t out[9216];
	struct buf w;
	size_t auth_off, i;
	int ok;

	if (lisp_map_register_parse(b, &m, &e)) {
		printf("register malformed: %s\n", e.reason);
		return;
	}
	ok = lisp_auth_verify(b, &m.auth, k, &e) == 0;
	printf("register nonce=0x%016llx records=%u ttl=%u auth=%s xtr=",
	       (unsigned long long)m.nonce, m.nrec, m.nrec ? m.rec[0].ttl : 0, ok ? "ok" : "bad");
	for (i = 0; m.xtr_id_present && i < 16; i++)
		printf("%02x", m.xtr_id[i]);
	printf("%s\n", m.xtr_id_present ? "" : "-");
	if (!ok)
		return;
	nregister++;
	for (i = 0; i < m.nrec; i++)
		store(&m.rec[i]);
	if (!strcmp(mode, "silent") || (!strcmp(mode, "late") && nregister == 1) || !m.want_notify)
		return;
	memset(&n, 0, sizeof(n));
	n.nonce = m.nonce + (!strcmp(mode, "wrongnonce") ? 1 : 0);
	n.auth.key_id = m.auth.key_id;
	n.auth.alg_id = m.auth.alg_id;
	n.auth.len = m.auth.len;
	if (strcmp(mode, "norecords")) {
		n.nrec = m.nrec;
		memcpy(n.rec, m.rec, sizeof(m.rec[0]) * m.nrec);
	}
	buf_init_write(&w, out, sizeof(out));
	if (lisp_map_notify_build(&w, &n, &auth_off, &e) ||
	    lisp_auth_sign(&w, auth_off, !strcmp(mode, "badsig") ? bad : k, &e)) {
		printf("notify build failed: %s\n", e.reason);
		return;
	}
	sendto(fd, out, buf_len(&w), 0, (const struct sockaddr *)from, fl);
}

static void on_request(int fd, struct buf *b, bool ecm, uint16_t sport)
{
	static struct lisp_map_request m;
	static struct lisp_map_reply r;
	struct proto_err e = {0};
	struct sockaddr_storage to;
	socklen_t tl;
	uint8_t out[9216];
	struct buf w;
	size_t i;

	if (lisp_map_request_parse(b, &m, &e)) {
		printf("request malformed: %s\n", e.reason);
		return;
	}
	printf("request nonce=0x%016llx ecm=%d probe=%d\n", (unsigned long long)m.nonce, ecm,
	       m.probe);
	if (!strcmp(mode, "silent"))
		return;
	memset(&r, 0, sizeof(r));
	r.nonce = m.nonce;
	r.probe = m.probe;
	r.nrec = 1;
	for (i = 0; i < ntable; i++)
		if (prefix_contains(&table[i].eid, &m.rec[0].eid))
			break;
	if (i < ntable) {
		r.rec[0] = table[i];
		r.rec[0].authoritative = false; /* a proxy reply */
	} else {
		lisp_record_set_eid(&r.rec[0], &m.rec[0].eid);
		r.rec[0].ttl = LISP_TTL_NEG_NONLISP;
		r.rec[0].action = LISP_ACT_NATIVE_FWD;
	}
	buf_init_write(&w, out, sizeof(out));
	if (lisp_map_reply_build(&w, &r, &e)) {
		printf("reply build failed: %s\n", e.reason);
		return;
	}
	if (m.itr_rlocs[0].n == 0 || ip_to_ss(&m.itr_rlocs[0].addr[0], sport, &to, &tl))
		return;
	sendto(fd, out, buf_len(&w), 0, (const struct sockaddr *)&to, tl);
}

int main(int argc, char **argv)
{
	const char *addr = "127.0.0.1", *secret = NULL;
	unsigned port = 0, key_id = 1,
		 alg = LISP_ALG_HMAC_SHA256_128; /* lisp-register's defaults */
	struct sockaddr_storage ss;
	socklen_t sl = 0;
	struct ipaddr ip;
	int i, fd;

	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--addr"))
			addr = argv[i + 1];
		else if (!strcmp(argv[i], "--port"))
			port = (unsigned)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--key"))
			secret = argv[i + 1];
		else if (!strcmp(argv[i], "--key-id"))
			key_id = (unsigned)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--alg"))
			alg = !strcmp(argv[i + 1], "sha1") ? LISP_ALG_HMAC_SHA1_96
							   : LISP_ALG_HMAC_SHA256_128;
		else if (!strcmp(argv[i], "--mode"))
			mode = argv[i + 1];
		else
			break;
	}
	if (i != argc || !secret || !port || port > 65535 || ipaddr_parse(addr, &ip)) {
		fprintf(stderr, "usage: tools_responder --addr A --port N --key S [--key-id N] "
				"[--alg sha1|sha256] [--mode M]\n");
		return 2;
	}
	struct lisp_key *k = lisp_key_new((uint8_t)key_id, (uint8_t)alg, secret, strlen(secret));
	struct lisp_key *bad = lisp_key_new((uint8_t)key_id, (uint8_t)alg, "not-the-key", 11);
	if (!k || !bad)
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	ip_to_ss(&ip, (uint16_t)port, &ss, &sl);
	fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		perror("bind");
		return 1;
	}
	printf("ready %s %u mode %s\n", addr, port, mode);
	for (;;) {
		uint8_t in[9216];
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, in, sizeof(in), 0, (struct sockaddr *)&from, &fl);
		struct buf b;
		if (n <= 0)
			continue;
		buf_init_read(&b, in, (size_t)n);
		switch (lisp_msg_type(&b)) {
		case LISP_T_MAP_REGISTER:
			on_register(fd, &b, &from, fl, k, bad);
			break;
		case LISP_T_MAP_REQUEST: {
			uint16_t sport = ntohs(from.ss_family == AF_INET
						   ? ((struct sockaddr_in *)&from)->sin_port
						   : ((struct sockaddr_in6 *)&from)->sin6_port);
			on_request(fd, &b, false, sport);
			break;
		}
		case LISP_T_ECM: {
			struct lisp_ecm ecm;
			struct proto_err e = {0};
			if (lisp_ecm_parse(&b, &ecm, &e)) {
				printf("ecm malformed: %s\n", e.reason);
				break;
			}
			if (lisp_msg_type(&ecm.payload) == LISP_T_MAP_REQUEST)
				on_request(fd, &ecm.payload, true, ecm.inner_sport);
			break;
		}
		default:
			printf("ignored type %d\n", lisp_msg_type(&b));
		}
	}
}
