/* SPDX-License-Identifier: ISC */
/*
 * tests/integration/bgp_badpeer.c - a malformed-UPDATE sender for bgp_malformed.sh. It
 * opens an iBGP session to our speaker (bgpspk), and for every case of its table announces
 * a valid route, sends the malformed message, and checks the RFC 7606 / RFC 4271 §6
 * reaction: treat-as-withdraw (route gone, session up), attribute discard (route kept,
 * session up) or a NOTIFICATION with the right code/subcode (then it reconnects). The RIB
 * is observed through the speaker's CLI (`show bgp routes P json`). Prints TAP-style lines,
 * exits 0 when every case behaved.
 *
 * usage: bgp_badpeer SRC_ADDR SPEAKER_PORT CLI_PORT AS
 */
#include "config.h"

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

#include "proto/bgp.h"

static const char *src_addr;
static int spk_port, cli_port;
static uint32_t asn;
static int fails;

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Read one message within timeout_ms: its type, 0 on EOF, -1 on timeout. */
static int rd(int fd, uint8_t *m, int timeout_ms)
{
	size_t have = 0, want = BGP_HDR_LEN;
	uint64_t end = now_ms() + (uint64_t)timeout_ms;

	while (have < want) {
		struct pollfd p = {fd, POLLIN, 0};
		int left = (int)(end - now_ms());
		if (left <= 0 || poll(&p, 1, left) <= 0)
			return -1;
		ssize_t n = read(fd, m + have, want - have);
		if (n <= 0)
			return 0;
		have += (size_t)n;
		if (have == BGP_HDR_LEN) {
			want = ((size_t)m[16] << 8) | m[17];
			if (want < BGP_HDR_LEN || want > BGP_MAX_LEN)
				return 0;
		}
	}
	return m[18];
}

static int wr(int fd, const uint8_t *m, size_t len)
{
	return write(fd, m, len) == (ssize_t)len ? 0 : -1;
}

static int session(void)
{
	for (int attempt = 0; attempt < 60; attempt++) {
		struct sockaddr_in s = {.sin_family = AF_INET}, l = {.sin_family = AF_INET};
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		inet_pton(AF_INET, src_addr, &l.sin_addr);
		inet_pton(AF_INET, "127.0.0.1", &s.sin_addr);
		s.sin_port = htons((uint16_t)spk_port);
		if (bind(fd, (struct sockaddr *)&l, sizeof(l)) < 0 ||
		    connect(fd, (struct sockaddr *)&s, sizeof(s)) < 0) {
			close(fd);
			usleep(250000);
			continue;
		}
		struct bgp_open o;
		uint8_t m[BGP_MAX_LEN];
		struct buf w;
		memset(&o, 0, sizeof(o));
		o.version = 4;
		o.my_as = (uint16_t)asn;
		o.hold_time = 30;
		o.bgp_id = 0x0a0a0a0a;
		o.caps.as4 = true;
		o.caps.as4_asn = asn;
		o.caps.n_mp = 1;
		o.caps.mp[0] = (struct bgp_capa_af){1, 1, 0};
		buf_init_write(&w, m, sizeof(m));
		bgp_build_open(&w, &o, NULL);
		wr(fd, m, w.len);
		int t = rd(fd, m, 3000);
		if (t != BGP_OPEN) {
			close(fd);
			usleep(250000);
			continue;
		}
		buf_init_write(&w, m, sizeof(m));
		bgp_build_keepalive(&w, NULL);
		wr(fd, m, w.len);
		while ((t = rd(fd, m, 1000)) > 0 && t != BGP_KEEPALIVE)
			;
		if (t == BGP_KEEPALIVE)
			return fd;
		close(fd);
	}
	return -1;
}

/* Does the speaker's Adj-RIB-In have prefix p? 1 yes, 0 no, -1 CLI unreachable. */
static int cli_has(const char *p)
{
	struct sockaddr_in s = {.sin_family = AF_INET};
	char q[128], out[65536];
	size_t have = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	inet_pton(AF_INET, "127.0.0.1", &s.sin_addr);
	s.sin_port = htons((uint16_t)cli_port);
	if (connect(fd, (struct sockaddr *)&s, sizeof(s)) < 0) {
		close(fd);
		return -1;
	}
	snprintf(q, sizeof(q), "show bgp routes %s json\nquit\n", p);
	if (write(fd, q, strlen(q)) < 0) {
		close(fd);
		return -1;
	}
	for (;;) {
		struct pollfd pf = {fd, POLLIN, 0};
		if (poll(&pf, 1, 3000) <= 0)
			break;
		ssize_t n = read(fd, out + have, sizeof(out) - 1 - have);
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	out[have] = '\0';
	close(fd);
	return strstr(out, "\"prefix\"") != NULL;
}

/* ---- messages built by hand ---- */
static size_t update(uint8_t *m, const uint8_t *wd, size_t wl, const uint8_t *at, size_t al,
		     const uint8_t *nl, size_t nll)
{
	size_t len = BGP_HDR_LEN + 2 + wl + 2 + al + nll;
	memset(m, 0xff, 16);
	m[16] = (uint8_t)(len >> 8);
	m[17] = (uint8_t)len;
	m[18] = BGP_UPDATE;
	uint8_t *p = m + 19;
	*p++ = (uint8_t)(wl >> 8);
	*p++ = (uint8_t)wl;
	if (wl)
		memcpy(p, wd, wl);
	p += wl;
	*p++ = (uint8_t)(al >> 8);
	*p++ = (uint8_t)al;
	memcpy(p, at, al);
	p += al;
	memcpy(p, nl, nll);
	return len;
}

#define ORIGIN	   0x40, 1, 1, 0
#define ASPATH	   0x40, 2, 0
#define NEXTHOP	   0x40, 3, 4, 192, 0, 2, 77
#define LOCALPREF  0x40, 5, 4, 0, 0, 0, 100
#define GOOD_ATTRS ORIGIN, ASPATH, NEXTHOP, LOCALPREF

enum expect { WITHDRAW, DISCARD, RESET, RESET_RAW };

struct tcase {
	const char *name;
	enum expect expect;
	uint8_t code, sub;
	uint8_t attrs[64];
	size_t alen;
	uint8_t raw[64]; /* RESET_RAW: whole message */
	size_t rlen;
	bool bad_nlri; /* NLRI prefix length 33 */
};

#define TC(nm, ex, c, s, ...)                                                                      \
	{                                                                                          \
		.name = nm, .expect = ex, .code = c, .sub = s, .attrs = {__VA_ARGS__},             \
		.alen = sizeof((uint8_t[]){__VA_ARGS__})                                           \
	}
#define TRAW(nm, c, s, ...)                                                                        \
	{                                                                                          \
		.name = nm, .expect = RESET_RAW, .code = c, .sub = s, .raw = {__VA_ARGS__},        \
		.rlen = sizeof((uint8_t[]){__VA_ARGS__})                                           \
	}
#define MARKER                                                                                     \
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
#define MP_REACH_V4 0x80, 14, 9, 0, 1, 1, 4, 192, 0, 2, 1, 0

static const struct tcase cases[] = {
    TC("origin value 5: treat-as-withdraw (RFC 7606 §7.1)", WITHDRAW, 0, 0, 0x40, 1, 1, 5, ASPATH,
       NEXTHOP, LOCALPREF),
    TC("NEXT_HOP length 5: treat-as-withdraw (§7.3)", WITHDRAW, 0, 0, ORIGIN, ASPATH, 0x40, 3, 5,
       192, 0, 2, 77, 1, LOCALPREF),
    TC("LOCAL_PREF length 3 on iBGP: treat-as-withdraw (§7.5)", WITHDRAW, 0, 0, ORIGIN, ASPATH,
       NEXTHOP, 0x40, 5, 3, 0, 0, 100),
    TC("Large Community length 11: treat-as-withdraw (RFC 8092 §6)", WITHDRAW, 0, 0, GOOD_ATTRS,
       0xc0, 32, 11, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 3),
    TC("COMMUNITIES length 3: treat-as-withdraw (§7.8)", WITHDRAW, 0, 0, GOOD_ATTRS, 0xc0, 8, 3, 0,
       0, 1),
    TC("missing AS_PATH: treat-as-withdraw (§3 d)", WITHDRAW, 0, 0, ORIGIN, NEXTHOP, LOCALPREF),
    TC("ATOMIC_AGGREGATE length 1: attribute discard (§7.6)", DISCARD, 0, 0, GOOD_ATTRS, 0x40, 6, 1,
       0),
    TC("AGGREGATOR length 3: attribute discard (§7.7)", DISCARD, 0, 0, GOOD_ATTRS, 0xc0, 7, 3, 0, 0,
       1),
    TC("unrecognized well-known attribute: NOTIFICATION 3/2", RESET, 3, 2, GOOD_ATTRS, 0x40, 0x63,
       1, 0),
    TC("duplicate MP_REACH_NLRI: NOTIFICATION 3/1 (§3 g)", RESET, 3, 1, GOOD_ATTRS, MP_REACH_V4,
       MP_REACH_V4),
    {.name = "NLRI prefix length 33: NOTIFICATION 3/10 (§5.3)",
     .expect = RESET,
     .code = 3,
     .sub = 10,
     .attrs = {GOOD_ATTRS},
     .alen = sizeof((uint8_t[]){GOOD_ATTRS}),
     .bad_nlri = true},
    TRAW("withdrawn length beyond the message: NOTIFICATION 3/1", 3, 1, MARKER, 0xff, 0, 25, 2, 0,
	 40, 0, 0, 0, 0, 0),
    TRAW("header length 18: NOTIFICATION 1/2", 1, 2, MARKER, 0xff, 0, 18, 4),
    TRAW("header marker not all ones: NOTIFICATION 1/1", 1, 1, MARKER, 0xfe, 0, 19, 4),
    TRAW("message type 9: NOTIFICATION 1/3", 1, 3, MARKER, 0xff, 0, 19, 9),
};

static void result(int n, bool ok, const char *name, const char *why)
{
	printf("%s %d - %s%s%s\n", ok ? "ok" : "not ok", n, name, ok ? "" : ": ", ok ? "" : why);
	fflush(stdout);
	fails += !ok;
}

static int wait_has(const char *p, int want)
{
	for (int i = 0; i < 30; i++) {
		int h = cli_has(p);
		if (h == want)
			return 1;
		usleep(100000);
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint8_t m[BGP_MAX_LEN];
	const uint8_t good[] = {GOOD_ATTRS};
	int fd, n = 0;

	if (argc != 5) {
		fprintf(stderr, "usage: %s SRC_ADDR SPEAKER_PORT CLI_PORT AS\n", argv[0]);
		return 2;
	}
	src_addr = argv[1];
	spk_port = atoi(argv[2]);
	cli_port = atoi(argv[3]);
	asn = (uint32_t)strtoul(argv[4], NULL, 10);
	if ((fd = session()) < 0) {
		printf("not ok 1 - no session with the speaker\n");
		return 1;
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tcase *c = &cases[i];
		uint8_t nlri[5] = {32, 10, 77, 0, (uint8_t)(i + 1)};
		char pfx[32];
		snprintf(pfx, sizeof(pfx), "10.77.0.%zu/32", i + 1);
		/* 1. a valid route first */
		size_t len = update(m, NULL, 0, good, sizeof(good), nlri, sizeof(nlri));
		if (wr(fd, m, len) < 0 || !wait_has(pfx, 1)) {
			result(++n, false, c->name, "valid route not installed");
			continue;
		}
		/* 2. the malformed message */
		if (c->expect == RESET_RAW) {
			memcpy(m, c->raw, c->rlen);
			len = c->rlen;
		} else {
			uint8_t bad[5] = {33, 10, 77, 0, (uint8_t)(i + 1)};
			len = update(m, NULL, 0, c->attrs, c->alen, c->bad_nlri ? bad : nlri, 5);
		}
		wr(fd, m, len);
		int t = rd(fd, m, 700);
		while (t == BGP_KEEPALIVE || t == BGP_UPDATE)
			t = rd(fd, m, 700);
		char why[160] = "";
		bool ok;
		if (c->expect == WITHDRAW || c->expect == DISCARD) {
			ok = t == -1; /* no NOTIFICATION, session up */
			if (!ok)
				snprintf(why, sizeof(why), "session reset (message type %d, %u/%u)",
					 t, m[19], m[20]);
			else if (!wait_has(pfx, c->expect == WITHDRAW ? 0 : 1)) {
				ok = false;
				snprintf(why, sizeof(why), "route %s",
					 c->expect == WITHDRAW ? "still present" : "gone");
			}
		} else {
			ok = t == BGP_NOTIFICATION && m[19] == c->code && m[20] == c->sub;
			if (!ok)
				snprintf(why, sizeof(why), "got type %d code %u/%u", t,
					 t > 0 ? m[19] : 0, t > 0 ? m[20] : 0);
			close(fd);
			fd = session(); /* the speaker must take us back */
			if (fd < 0) {
				result(++n, false, c->name, "session did not re-establish");
				return 1;
			}
		}
		if (cli_has("0.0.0.0/0") < 0) {
			result(++n, false, c->name, "speaker CLI does not answer (crashed?)");
			return 1;
		}
		result(++n, ok, c->name, why);
	}
	close(fd);
	printf("# %d cases, %d failed\n", n, fails);
	return fails ? 1 : 0;
}
