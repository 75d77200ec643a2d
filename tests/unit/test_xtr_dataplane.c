/* SPDX-License-Identifier: ISC */
/* tests/unit/test_xtr_dataplane.c - the data-plane I/O engine of lisp-xtrd (xtr/dataplane.c)
 * with the real core, real sockets on loopback and one end of a SOCK_SEQPACKET socketpair
 * as its TUN device (the test holds the other end: what it writes there, with a vnet
 * header, the engine reads as from a TUN; what the engine writes, the test reads).
 *
 * The test runs in a network namespace of its own (a user namespace too when not root):
 * the raw send sockets need CAP_NET_RAW, port 4341 is ours, nothing leaves loopback. Where
 * no namespace can be made, the tests that need raw sockets are skipped.
 *
 * - a free after a failed new or a failed start closes nothing the engine did not open
 *   (not fd 0, not the TUN it was handed) and leaks nothing;
 * - two RLOCs of a family: one raw socket, sending from the first;
 * - TUN -> ITR -> underlay -> ETR -> TUN through one engine whose RLOCs are 127.0.0.1
 *   and ::1: a batch of equal packets of one flow leaves in one UDP_SEGMENT send and
 *   arrives as one UDP_GRO datagram cut back into the packets, in order, byte for byte;
 *   packets of different sizes go through the raw sockets (IPv4 and IPv6);
 * - a datagram longer than the receive slot is dropped, counted, and shown by
 *   `show statistics` (sockets.data.truncated); the next one is decapsulated. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/cli.h"
#include "common/json.h"
#include "common/log.h"
#include "proto/pkt.h"
#include "sys/netlink.h"
#include "sys/tun.h"
#include "tests/unit/xtr_testlib.h"
#include "xtr/dataplane.h"

static bool in_netns; /* a namespace of our own: raw sockets allowed, 4341 free */

static int enter_netns(void **state)
{
	struct nl nl;

	(void)state;
	log_init("test_xtr_dataplane", 1, LOG_CRIT);
	if (unshare(geteuid() == 0 ? CLONE_NEWNET : CLONE_NEWUSER | CLONE_NEWNET) < 0)
		return 0;
	if (nl_open(&nl) < 0)
		return 0;
	in_netns = nl_link_set_up(&nl, (int)if_nametoindex("lo"), true) == 0;
	nl_close(&nl);
	return 0;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = -1; /* the directory's own */

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

/* The fake TUN: sp[0] is the device (nonblocking, vnet header), sp[1] the kernel side. */
static void fake_tun(int sp[2], struct tun *t)
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sp), 0);
	memset(t, 0, sizeof(*t));
	t->fd = sp[0];
	t->flags = TUN_VNET_HDR;
	t->ifindex = -1;
}

static void t_io_stats(void *arg, struct xtr_io_stats *st)
{
	memset(st, 0, sizeof(*st));
	xtr_dp_stats(arg, st);
}

/* The core on top of the engine: the test config with our RLOCs and data port. */
static struct xtr *core_new(struct xtr_dp *dp, struct xtr_cfg *c)
{
	struct xtr_io io = test_io;

	xtr_dp_io(dp, &io);
	io.io_stats = t_io_stats;
	struct xtr *x = xtr_new(c, &io, now_ns());
	assert_non_null(x);
	return x;
}

/* ------------------------------------------------------------ what it owns */

static void t_free_after_failure(void **state)
{
	(void)state;
	struct event_base *base = event_base_new();
	int sp[2], blocker;
	struct tun t;
	struct ipaddr far = A("192.0.2.77"); /* not local: the raw socket cannot bind it */

	assert_non_null(base);
	if (!fd_open(0)) /* stdin closed: put something there, the bug closed fd 0 */
		assert_int_equal(open("/dev/null", O_RDONLY), 0);
	fake_tun(sp, &t);
	int before = count_fds();

	/* new fails after the TUN (handed in) and the GRO buffer */
	struct xtr_dp_params p = {.tun = &t, .nrloc = 1, .rloc = &far, .data_port = 0};
	assert_null(xtr_dp_new(base, &p));
	assert_int_equal(count_fds(), before);
	assert_true(fd_open(0) && fd_open(sp[0]) && fd_open(sp[1]));
	xtr_dp_free(NULL);

	/* start fails: the data port is taken */
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6};
	socklen_t sl = sizeof(sa);
	int zero = 0;
	blocker = socket(AF_INET6, SOCK_DGRAM, 0);
	assert_true(blocker >= 0);
	setsockopt(blocker, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	assert_int_equal(bind(blocker, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(blocker, (struct sockaddr *)&sa, &sl), 0);
	p.nrloc = 0;
	p.data_port = ntohs(sa.sin6_port);
	struct xtr_dp *dp = xtr_dp_new(base, &p);
	assert_non_null(dp);
	struct xtr_cfg *c = test_cfg();
	struct xtr *x = core_new(dp, c);
	assert_int_equal(xtr_dp_start(dp, x), -1);
	assert_int_equal(xtr_dp_data_port(dp), 0);
	xtr_dp_free(dp);
	xtr_free(x);
	xtr_cfg_free(c);
	close(blocker);
	assert_int_equal(count_fds(), before);
	assert_true(fd_open(0) && fd_open(sp[0]) && fd_open(sp[1]));
	/* the handed TUN still works both ways */
	assert_int_equal(write(sp[1], "x", 1), 1);
	char ch;
	assert_int_equal(read(sp[0], &ch, 1), 1);

	/* made and freed, never started */
	p.data_port = 0;
	p.tun = NULL;
	dp = xtr_dp_new(base, &p);
	assert_non_null(dp);
	assert_string_equal(xtr_dp_tun_name(dp), "");
	xtr_dp_free(dp);
	assert_int_equal(count_fds(), before);
	close(sp[0]);
	close(sp[1]);
	event_base_free(base);
}

/* Two RLOCs of one family: one raw socket, bound to the first (the source the core uses,
 * xtr_rloc_for); nothing is left open by the free. */
static void t_first_rloc_of_family(void **state)
{
	(void)state;
	if (!in_netns)
		skip();
	struct event_base *base = event_base_new();
	struct ipaddr rl[2] = {A("127.0.0.1"), A("127.0.0.2")};
	struct sockaddr_in sa = {.sin_family = AF_INET}, from;
	socklen_t sl = sizeof(sa);
	uint8_t hdr[XTR_ENCAP_HLEN], inner[64], b[128];
	struct xtr_io io;

	int before = count_fds();
	struct xtr_dp_params p = {.nrloc = 2, .rloc = rl};
	struct xtr_dp *dp = xtr_dp_new(base, &p);
	assert_non_null(dp);
	assert_int_equal(count_fds(), before + 1);
	/* a datagram to a plain UDP socket on 127.0.0.3: from 127.0.0.1 */
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	sa.sin_addr.s_addr = htonl(0x7f000003);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	memset(&io, 0, sizeof(io));
	xtr_dp_io(dp, &io);
	memset(inner, 0x45, sizeof(inner));
	xtr_encap_header(hdr, 50000, ntohs(sa.sin_port), sizeof(inner), 0, 1);
	struct ipaddr dst = A("127.0.0.3");
	assert_int_equal(io.data_send(io.arg, &rl[0], &dst, hdr, inner, sizeof(inner)), 0);
	io.data_flush(io.arg);
	sl = sizeof(from);
	struct pollfd pf = {fd, POLLIN, 0};
	assert_int_equal(poll(&pf, 1, 2000), 1);
	assert_int_equal(recvfrom(fd, b, sizeof(b), 0, (struct sockaddr *)&from, &sl),
			 8 + (ssize_t)sizeof(inner));
	assert_int_equal(ntohl(from.sin_addr.s_addr), 0x7f000001);
	assert_int_equal(ntohs(from.sin_port), 50000);
	assert_memory_equal(b, hdr + 8, 8);
	assert_memory_equal(b + 8, inner, sizeof(inner));
	close(fd);
	xtr_dp_free(dp);
	assert_int_equal(count_fds(), before);
	event_base_free(base);
}

/* A natively forwarded packet leaves through the raw socket bound to <underlay
 * native-forward-device> towards the inner destination read from the packet (IPv4 and
 * IPv6); anything that does not parse as an IP packet is refused, not sent. */
static void t_native_send(void **state)
{
	(void)state;
	if (!in_netns)
		skip();
	struct event_base *base = event_base_new();
	struct ipaddr rl = A("127.0.0.1");
	struct xtr_io io;
	uint8_t pkt[48], b[64];

	struct xtr_dp_params p = {.nrloc = 1, .rloc = &rl, .native_dev = "lo"};
	struct xtr_dp *dp = xtr_dp_new(base, &p);
	assert_non_null(dp);
	memset(&io, 0, sizeof(io));
	xtr_dp_io(dp, &io);
	/* IPv4/UDP 127.0.0.1:40000 -> 127.0.0.4:port, 20 bytes of payload */
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sa);
	sa.sin_addr.s_addr = htonl(0x7f000004);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 0x45;
	pkt[3] = sizeof(pkt);
	pkt[8] = 64;
	pkt[9] = 17;
	pkt[12] = 127, pkt[15] = 1;
	pkt[16] = 127, pkt[19] = 4;
	pkt[20] = 40000 >> 8, pkt[21] = 40000 & 0xff;
	memcpy(pkt + 22, &sa.sin_port, 2);
	pkt[25] = 28;
	memset(pkt + 28, 'n', 20);
	uint16_t c = pkt_csum(pkt, 20);
	pkt[10] = (uint8_t)(c >> 8), pkt[11] = (uint8_t)c;
	assert_int_equal(io.native_send(io.arg, pkt, sizeof(pkt)), 0);
	struct pollfd pf = {fd, POLLIN, 0};
	assert_int_equal(poll(&pf, 1, 2000), 1);
	assert_int_equal(recv(fd, b, sizeof(b), 0), 20);
	assert_memory_equal(b, pkt + 28, 20);
	/* not an IP packet (version 5), and a truncated header: refused */
	pkt[0] = 0x55;
	assert_int_equal(io.native_send(io.arg, pkt, sizeof(pkt)), -1);
	pkt[0] = 0x45;
	assert_int_equal(io.native_send(io.arg, pkt, 12), -1);
	close(fd);
	xtr_dp_free(dp);
	event_base_free(base);
}

/* ------------------------------------------------------------ one loop through it all */

struct rig {
	struct event_base *base;
	struct xtr_cfg *c;
	struct xtr_dp *dp;
	struct xtr *x;
	int sp[2];
};

/* An engine on loopback with the fake TUN and the core on it: RLOCs 127.0.0.1 and ::1,
 * the test config's database (198.51.100.5/32, 2001:db8:100::5/128) and static mappings
 * of the same EIDs to our own RLOCs, so what the ITR encapsulates comes back to the ETR. */
static void rig_up(struct rig *r, size_t data_max)
{
	struct tun t;

	memset(r, 0, sizeof(*r));
	r->base = event_base_new();
	assert_non_null(r->base);
	fake_tun(r->sp, &t);
	r->c = test_cfg();
	r->c->nrloc = 2;
	r->c->rloc[0] = A("127.0.0.1");
	r->c->rloc[1] = A("::1");
	free(r->c->stat);
	r->c->stat = calloc(2, sizeof(*r->c->stat));
	r->c->nstatic = 2;
	r->c->stat[0].eid = P("198.51.100.5/32");
	r->c->stat[1].eid = P("2001:db8:100::5/128");
	for (int i = 0; i < 2; i++) {
		r->c->stat[i].ttl = 1440;
		r->c->stat[i].nloc = 1;
		r->c->stat[i].loc[0].addr = r->c->rloc[i];
		r->c->stat[i].loc[0].priority = 1;
		r->c->stat[i].loc[0].weight = 100;
	}
	struct xtr_dp_params p = {.tun = &t,
				  .underlay_mtu = r->c->underlay_mtu,
				  .nrloc = r->c->nrloc,
				  .rloc = r->c->rloc,
				  .data_port = r->c->data_port,
				  .data_max = data_max};
	r->dp = xtr_dp_new(r->base, &p);
	assert_non_null(r->dp);
	r->x = core_new(r->dp, r->c);
	assert_int_equal(xtr_dp_start(r->dp, r->x), 0);
	assert_int_equal(xtr_dp_data_port(r->dp), r->c->data_port);
}

static void rig_down(struct rig *r)
{
	xtr_dp_free(r->dp);
	xtr_free(r->x);
	xtr_cfg_free(r->c);
	close(r->sp[0]);
	close(r->sp[1]);
	event_base_free(r->base);
}

/* Write one packet into the TUN as the kernel would: a zero vnet header, then the packet. */
static void tun_inject(struct rig *r, const uint8_t *pkt, size_t len)
{
	uint8_t b[TUN_VNET_HDR_LEN + 2048];

	assert_true(len <= sizeof(b) - TUN_VNET_HDR_LEN);
	memset(b, 0, TUN_VNET_HDR_LEN);
	memcpy(b + TUN_VNET_HDR_LEN, pkt, len);
	assert_int_equal(write(r->sp[1], b, TUN_VNET_HDR_LEN + len),
			 (ssize_t)(TUN_VNET_HDR_LEN + len));
}

/* Run the loop until `want` packets came out of the TUN (into out[], vnet header off). */
static size_t tun_collect(struct rig *r, uint8_t out[][2048], size_t *lens, size_t want)
{
	size_t n = 0;

	for (int i = 0; i < 2000 && n < want; i++) {
		event_base_loop(r->base, EVLOOP_NONBLOCK);
		uint8_t b[TUN_VNET_HDR_LEN + 2048];
		ssize_t k;
		while (n < want && (k = read(r->sp[1], b, sizeof(b))) > 0) {
			assert_true(k >= TUN_VNET_HDR_LEN);
			lens[n] = (size_t)k - TUN_VNET_HDR_LEN;
			memcpy(out[n], b + TUN_VNET_HDR_LEN, lens[n]);
			n++;
		}
		if (n < want)
			usleep(1000);
	}
	return n;
}

static void t_loop_gso_gro(void **state)
{
	(void)state;
	if (!in_netns)
		skip();
	struct rig r;
	static uint8_t sent[8][2048], got[8][2048];
	size_t slen[8], glen[8];
	struct xtr_io_stats st;

	rig_up(&r, 0);
	/* one flow: same addresses and ports, 8 equal packets told apart by their payload */
	for (unsigned i = 0; i < 8; i++) {
		uint8_t *p = mk_ip4(sent[i], "203.0.113.9", "198.51.100.5", 17, 5000, 6000, 600,
				    false, &slen[i]);
		p[28] = (uint8_t)i;
		memmove(sent[i], p, slen[i]);
		tun_inject(&r, sent[i], slen[i]);
	}
	assert_int_equal(tun_collect(&r, got, glen, 8), 8);
	for (unsigned i = 0; i < 8; i++) {
		assert_int_equal(glen[i], slen[i]);
		assert_memory_equal(got[i], sent[i], slen[i]);
	}
	const struct xtr_stats *xs = xtr_get_stats(r.x);
	assert_int_equal(xs->tun_in, 8);
	assert_int_equal(xs->encap, 8);
	assert_int_equal(xs->etr_in, 8);
	assert_int_equal(xs->decap, 8);
	/* sent as 8 segments of one UDP_SEGMENT send, received as one UDP_GRO datagram */
	t_io_stats(r.dp, &st);
	assert_int_equal(st.data.tx, 8);
	assert_int_equal(st.data.rx, 1);
	assert_int_equal(st.data.truncated, 0);
	rig_down(&r);
}

static void t_loop_raw(void **state)
{
	(void)state;
	if (!in_netns)
		skip();
	struct rig r;
	static uint8_t sent[4][2048], got[4][2048];
	size_t slen[4], glen[4];
	static const size_t pay[3] = {100, 300, 400}; /* each longer than the one before */
	struct xtr_io_stats st;

	rig_up(&r, 0);
	for (unsigned i = 0; i < 3; i++) {
		uint8_t *p = mk_ip4(sent[i], "203.0.113.9", "198.51.100.5", 17, 5000, 6000, pay[i],
				    false, &slen[i]);
		memmove(sent[i], p, slen[i]);
		tun_inject(&r, sent[i], slen[i]);
	}
	uint8_t *p = mk_ip6(sent[3], "2001:db8:200::9", "2001:db8:100::5", 200, &slen[3]);
	memmove(sent[3], p, slen[3]);
	tun_inject(&r, sent[3], slen[3]);
	assert_int_equal(tun_collect(&r, got, glen, 4), 4);
	/* the IPv4 ones in order; the IPv6 one on its own socket: anywhere */
	unsigned k = 0;
	for (unsigned i = 0; i < 4; i++) {
		if ((got[i][0] >> 4) == 6) {
			assert_int_equal(glen[i], slen[3]);
			assert_memory_equal(got[i], sent[3], slen[3]);
			continue;
		}
		assert_int_equal(glen[i], slen[k]);
		assert_memory_equal(got[i], sent[k], slen[k]);
		k++;
	}
	assert_int_equal(k, 3);
	assert_int_equal(xtr_get_stats(r.x)->decap, 4);
	t_io_stats(r.dp, &st);
	assert_int_equal(st.data.tx, 4);
	assert_int_equal(st.data.rx, 4);
	assert_int_equal(st.data.tx_errors, 0);
	rig_down(&r);
}

/* ------------------------------------------------------------ truncation */

static void t_truncated_counted(void **state)
{
	(void)state;
	struct event_base *base = event_base_new();
	struct rig r;
	struct tun t;
	static uint8_t big[1200], pkt[2048];
	size_t len;
	struct xtr_io_stats st;

	/* the ETR side only (no RLOC: nothing to send), an ephemeral port, 1000-byte slots */
	memset(&r, 0, sizeof(r));
	r.base = base;
	fake_tun(r.sp, &t);
	r.c = test_cfg();
	struct xtr_dp_params p = {.tun = &t, .data_port = 0, .data_max = 1000};
	r.dp = xtr_dp_new(base, &p);
	assert_non_null(r.dp);
	r.x = core_new(r.dp, r.c);
	assert_int_equal(xtr_dp_start(r.dp, r.x), 0);
	uint16_t port = xtr_dp_data_port(r.dp);
	assert_true(port != 0);

	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	memset(big, 0, sizeof(big));
	assert_int_equal(sendto(fd, big, sizeof(big), 0, (struct sockaddr *)&to, sizeof(to)),
			 (ssize_t)sizeof(big));
	/* then a LISP packet for the database EID: decapsulated into the TUN */
	uint8_t *ip = mk_ip4(pkt, "203.0.113.9", "198.51.100.5", 17, 1, 2, 20, false, &len);
	uint8_t *lisp = ip - 8;
	memset(lisp, 0, 8);
	lisp[0] = 0x80; /* N: a nonce, no instance ID */
	lisp[3] = 7;
	assert_int_equal(sendto(fd, lisp, len + 8, 0, (struct sockaddr *)&to, sizeof(to)),
			 (ssize_t)(len + 8));
	static uint8_t got[1][2048];
	size_t glen[1];
	assert_int_equal(tun_collect(&r, got, glen, 1), 1);
	assert_int_equal(glen[0], len);
	assert_memory_equal(got[0], ip, len);
	t_io_stats(r.dp, &st);
	assert_int_equal(st.data.truncated, 1);
	assert_int_equal(st.data.rx, 1);
	assert_int_equal(xtr_get_stats(r.x)->etr_in, 1);
	/* what an operator sees */
	struct cli *cli = xtr_cli_new(NULL, r.x);
	struct strbuf sb;
	assert_non_null(cli);
	strbuf_init(&sb);
	assert_int_equal(cli_exec(cli, NULL, "show statistics json", &sb), CLI_OK);
	const char *s = strstr(strbuf_str(&sb), "\"sockets\"");
	assert_non_null(s);
	s = strstr(s, "\"data\"");
	assert_non_null(s);
	assert_non_null(strstr(s, "\"truncated\": 1"));
	assert_true(strstr(s, "\"truncated\": 1") < strstr(s, "\"control\""));
	strbuf_free(&sb);
	cli_free(cli);
	close(fd);
	rig_down(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_free_after_failure), cmocka_unit_test(t_first_rloc_of_family),
	    cmocka_unit_test(t_loop_gso_gro),	    cmocka_unit_test(t_loop_raw),
	    cmocka_unit_test(t_truncated_counted),  cmocka_unit_test(t_native_send),
	};
	return cmocka_run_group_tests(tests, enter_netns, NULL);
}
