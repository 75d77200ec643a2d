/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_xtr_fastpath.c - the in-kernel fast path (xtr/fastpath.h) run by the
 * kernel on crafted frames (BPF_PROG_TEST_RUN, bpf_prog_test_run_opts) and compared with
 * the user-space path of the same core (xtr/data.c) on the same packets.
 *
 * A network namespace of the test's own holds what the programs look up: a TUN device fp0
 * with the remote EID prefixes routed into it, the underlay veth ul0 (192.0.2.1, neighbours
 * .2 and .3 with fixed MACs), the VM side in0 (where the ITR's packets arrive) and vm0 (the
 * local EIDs' host routes). The core's map-cache and database reach the maps through the
 * hooks, as in the daemon. For each frame: the program's verdict (redirect, or left to the
 * kernel and user space with a reason counted), and where it redirects, the packet it wrote
 * byte for byte against what the user-space path sends (the UDP source port from the flow
 * hash, the locator, the LISP header but its nonce, the inner packet with the TTL the kernel
 * would have decremented); where it leaves a packet alone, what the user-space path does with
 * it. Truncated packets, IPv4 options, fragments, IPv6 extension headers, a foreign instance
 * ID, packets over the MTU, TTL 1, negative and missing entries, a bad outer checksum, a
 * partial inner checksum completed before user space reads it, the D-ETR's re-encapsulation.
 * Needs root (skipped, saying so, otherwise, or when the kernel refuses the programs).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/pkt.h"
#include "sys/netlink.h"
#include "sys/tun.h"
#include "xtr/bpf/fastpath.h"
#include "xtr/fastpath.h"
#include "xtr_testlib.h"

#ifdef HAVE_FASTPATH
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#endif

#define TC_OK	    (-1) /* TC_ACT_UNSPEC: left to the kernel and user space */
#define TC_REDIRECT 7

static const char *why_not; /* set: every test is skipped, saying why */
static char why_buf[512];
static struct tun tun;
static int if_in0, if_ul0, if_vm0;
static const uint8_t mac_in0[6] = {2, 0, 0, 0, 0, 0x10}, mac_ul0[6] = {2, 0, 0, 0, 0, 0x01},
		     mac_rloc2[6] = {2, 0, 0, 0, 0, 0x02}, mac_rloc3[6] = {2, 0, 0, 0, 0, 0x03},
		     mac_vm[6] = {2, 0, 0, 0, 0, 0x05}, mac_vm0[6] = {2, 0, 0, 0, 0, 0x20};

static struct xtr *xs, *xd;	 /* a site xTR, a D-ETR */
static struct xtr_fp *fps, *fpd; /* their fast paths (loaded, not attached) */
static struct xtr_cfg *cs, *cd;

#define SKIP_UNLESS_READY()                                                                        \
	do {                                                                                       \
		if (why_not) {                                                                     \
			print_message("skipped: %s\n", why_not);                                   \
			skip();                                                                    \
		}                                                                                  \
	} while (0)

static int sh(const char *cmd)
{
	int rc = system(cmd);
	if (rc != 0)
		print_message("command failed (%d): %s\n", rc, cmd);
	return rc;
}

static void wr_proc(const char *path, const char *v)
{
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(v, f);
		fclose(f);
	}
}

/* ---------------------------------------------------------------- frames */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* An Ethernet frame to `dst` around the IP packet. */
static size_t frame(uint8_t *out, const uint8_t dst[6], const uint8_t *ip, size_t len)
{
	memcpy(out, dst, 6);
	memcpy(out + 6, mac_vm, 6);
	put16(out + 12, (ip[0] >> 4) == 6 ? 0x86dd : 0x0800);
	memcpy(out + 14, ip, len);
	return 14 + len;
}

static void ip4_csum(uint8_t *p)
{
	put16(p + 10, 0);
	put16(p + 10, pkt_csum(p, (size_t)(p[0] & 0x0f) * 4));
}

/* The pseudo-header sum of an IP packet's UDP/TCP payload (no extension headers); *l3 and
 * *l4len say where that payload is. */
static uint32_t l4_pseudo(const uint8_t *p, size_t len, size_t *l3, uint32_t *l4len)
{
	bool v4 = (p[0] >> 4) == 4;
	uint8_t proto = v4 ? p[9] : p[6];
	*l3 = v4 ? 20 : 40;
	*l4len = (uint32_t)(len - *l3);
	if (v4)
		return pkt_csum_add(pkt_csum_add(0, p + 12, 4), p + 16, 4) + proto + *l4len;
	struct ipaddr s = {.afi = LISP_AFI_IPV6}, d = {.afi = LISP_AFI_IPV6};
	memcpy(s.a, p + 8, 16);
	memcpy(d.a, p + 24, 16);
	return pkt_csum_pseudo6(&s, &d, *l4len, proto);
}

/* Set the UDP/TCP checksum of an IP packet: complete, or only the pseudo-header sum (what a
 * sender that leaves it to its device writes). */
static void l4_csum(uint8_t *p, size_t len, bool partial)
{
	size_t l3;
	uint32_t l4len, ps = l4_pseudo(p, len, &l3, &l4len);
	uint8_t proto = (p[0] >> 4) == 4 ? p[9] : p[6];
	size_t at = l3 + (proto == PKT_PROTO_TCP ? 16 : 6);
	put16(p + at, 0);
	if (partial)
		put16(p + at, (uint16_t)~pkt_csum_fold(ps));
	else
		put16(p + at, pkt_csum_fold(pkt_csum_add(ps, p + l3, l4len)));
}

static bool l4_csum_ok(const uint8_t *p, size_t len)
{
	size_t l3;
	uint32_t l4len, ps = l4_pseudo(p, len, &l3, &l4len);
	return pkt_csum_fold(pkt_csum_add(ps, p + l3, l4len)) == 0;
}

/* A LISP packet from 192.0.2.2 (or 2001:db8:ffff::2) to our RLOC around `inner`: outer
 * IPv4 (UDP checksum 0) or IPv6 (checksum computed, or `bad`), flags byte `f`, iid. */
static size_t lisp(uint8_t *out, bool v6, const uint8_t *inner, size_t ilen, uint8_t f,
		   uint32_t iid, bool bad)
{
	uint8_t *p = out;
	size_t ol = v6 ? 40 : 20, tot = ol + 16 + ilen;
	memset(p, 0, ol + 16);
	if (v6) {
		struct ipaddr s = A("2001:db8:ffff::2"), d = A("2001:db8:ffff::1");
		p[0] = 0x60;
		put16(p + 4, (uint16_t)(16 + ilen));
		p[6] = 17;
		p[7] = 64;
		memcpy(p + 8, s.a, 16);
		memcpy(p + 24, d.a, 16);
	} else {
		p[0] = 0x45;
		put16(p + 2, (uint16_t)tot);
		p[8] = 64;
		p[9] = 17;
		memcpy(p + 12, A("192.0.2.2").a, 4);
		memcpy(p + 16, A("192.0.2.1").a, 4);
		ip4_csum(p);
	}
	uint8_t *u = p + ol;
	put16(u, 50000);
	put16(u + 2, 4341);
	put16(u + 4, (uint16_t)(16 + ilen));
	u[8] = f;
	u[9] = 0x12;
	u[10] = 0x34;
	u[11] = 0x56;
	if (f & 0x08) {
		u[12] = (uint8_t)(iid >> 16);
		u[13] = (uint8_t)(iid >> 8);
		u[14] = (uint8_t)iid;
	}
	memcpy(u + 16, inner, ilen);
	if (v6) {
		struct ipaddr s = A("2001:db8:ffff::2"), d = A("2001:db8:ffff::1");
		uint32_t ps = pkt_csum_pseudo6(&s, &d, (uint32_t)(16 + ilen), 17);
		uint16_t c = pkt_csum_fold(pkt_csum_add(ps, u, 16 + ilen));
		put16(u + 6, bad ? (uint16_t)(c ^ 0x0101) : c ? c : 0xffff);
	}
	return tot;
}

/* ---------------------------------------------------------------- running */

struct res {
	int verdict;
	uint8_t out[2048];
	size_t olen;
	uint64_t delta[FP_ST__COUNT]; /* counters that moved */
};

static void run(struct xtr_fp *fp, int ifindex, const uint8_t *in, size_t len, struct res *r)
{
#ifdef HAVE_FASTPATH
	uint64_t before[FP_ST__COUNT];
	struct __sk_buff ctx;
	memset(&ctx, 0, sizeof(ctx));
	ctx.ifindex = (uint32_t)ifindex;
	ctx.ingress_ifindex = (uint32_t)ifindex;
	for (unsigned i = 0; i < FP_ST__COUNT; i++)
		before[i] = xtr_fp_counter(fp, i);
	memset(r, 0, sizeof(*r));
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = (uint32_t)len,
		    .data_out = r->out, .data_size_out = sizeof(r->out), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);
	assert_int_equal(bpf_prog_test_run_opts(xtr_fp_prog_fd(fp), &o), 0);
	r->verdict = (int)o.retval;
	r->olen = o.data_size_out;
	for (unsigned i = 0; i < FP_ST__COUNT; i++)
		r->delta[i] = xtr_fp_counter(fp, i) - before[i];
#else
	(void)fp;
	(void)ifindex;
	(void)in;
	(void)len;
	memset(r, 0, sizeof(*r));
#endif
}

/* Left to the kernel, counted as `why` (FP_ST__COUNT: not counted at all). */
static void assert_pass(const struct res *r, unsigned why)
{
	assert_int_equal(r->verdict, TC_OK);
	for (unsigned i = 0; i < FP_ST__COUNT; i++)
		if (i != why && r->delta[i] != 0) {
			print_message("counter %u moved by %llu\n", i,
				      (unsigned long long)r->delta[i]);
			fail();
		}
	if (why < FP_ST__COUNT)
		assert_int_equal(r->delta[why], 1);
}

/* The inner packet `ip` as the kernel's forwarding leaves it: TTL / hop limit - 1. */
static void ttl_dec(uint8_t *ip)
{
	if ((ip[0] >> 4) == 4) {
		ip[8]--;
		ip4_csum(ip);
	} else {
		ip[7]--;
	}
}

/* The ITR: the program's encapsulation of `ip` (received on in0) against the user-space
 * path's. Returns the outer family's header length. */
static size_t itr_same(const uint8_t *ip, size_t len, const char *rloc)
{
	uint8_t f[2048], user[XTR_ENCAP_HLEN + 2048];
	struct res r;
	struct ipaddr dst = A(rloc);
	bool v6 = dst.afi == LISP_AFI_IPV6;
	size_t ol = v6 ? 40 : 20;

	run(fps, if_in0, f, frame(f, mac_in0, ip, len), &r);
	assert_int_equal(r.verdict, TC_REDIRECT);
	assert_int_equal(r.delta[FP_ST_ITR_PKTS], 1);
	/* the user-space path gets the packet from the TUN device, after the kernel forwarded it */
	memcpy(user + XTR_ENCAP_HLEN, ip, len);
	ttl_dec(user + XTR_ENCAP_HLEN);
	cap_reset();
	xtr_itr_input(xs, user + XTR_ENCAP_HLEN, len, 0);
	xtr_flush(xs);
	assert_int_equal(ncap_data, 1);
	const struct cap *c = &cap_data[0];
	assert_true(ipaddr_eq(&c->dst, &dst));
	/* Ethernet to the locator's neighbour, from ul0 */
	assert_memory_equal(r.out, mac_rloc2, 6);
	assert_memory_equal(r.out + 6, mac_ul0, 6);
	assert_int_equal(r.olen, 14 + ol + 16 + len);
	const uint8_t *o = r.out + 14;
	if (!v6) {
		/* what the daemon's raw socket gets from the kernel: no options, DF clear, TTL
		 * of the system (64 here), UDP, a correct header checksum */
		assert_int_equal(o[0], 0x45);
		assert_int_equal(get16(o + 2), 20 + 16 + len);
		assert_int_equal(get16(o + 6), 0);
		assert_int_equal(o[8], 64);
		assert_int_equal(o[9], 17);
		assert_memory_equal(o + 12, A("192.0.2.1").a, 4);
		assert_memory_equal(o + 16, dst.a, 4);
		assert_int_equal(pkt_csum(o, 20), 0);
	} else {
		assert_int_equal(o[0] >> 4, 6);
		assert_int_equal(get16(o + 4), 16 + len);
		assert_int_equal(o[6], 17);
		assert_int_equal(o[7], 64);
		assert_memory_equal(o + 8, A("2001:db8:ffff::1").a, 16);
		assert_memory_equal(o + 24, dst.a, 16);
		/* the UDP checksum, as the kernel computes it for the daemon's IPv6 socket, over
		 * the packet as it leaves the device (a partial inner checksum completed) */
		struct ipaddr src6 = A("2001:db8:ffff::1");
		uint8_t wire[2048];
		memcpy(wire, o + 40, 16 + len);
		uint8_t proto = (wire[16] >> 4) == 4 ? wire[16 + 9] : wire[16 + 6];
		if (proto == PKT_PROTO_TCP || proto == PKT_PROTO_UDP)
			l4_csum(wire + 16, len, false);
		uint32_t ps = pkt_csum_pseudo6(&src6, &dst, (uint32_t)(16 + len), 17);
		assert_int_equal(pkt_csum_fold(pkt_csum_add(ps, wire, 16 + len)), 0);
		assert_int_not_equal(get16(o + 40 + 6), 0);
	}
	/* UDP and LISP header as the user-space path writes them (but the nonce, and the UDP
	 * checksum the kernel fills for IPv6) */
	assert_memory_equal(o + ol, c->data, v6 ? 6 : 8);
	assert_int_equal(o[ol + 8], c->data[8]);
	assert_memory_equal(o + ol + 12, c->data + 12, 4);
	/* the inner packet, as the kernel would have forwarded it */
	assert_memory_equal(o + ol + 16, c->data + 16, len);
	return ol;
}

/* ---------------------------------------------------------------- setup */

static int setup(void **state)
{
	char err[512];
	struct nl nl;
	struct nl_link l;

	(void)state;
	if (geteuid() != 0) {
		why_not = "needs root (eBPF programs, a network namespace)";
		return 0;
	}
	if (xtr_fp_probe(err, sizeof(err)) < 0) {
		snprintf(why_buf, sizeof(why_buf), "%s", err);
		why_not = why_buf;
		return 0;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		why_not = "cannot make a network namespace (unshare)";
		return 0;
	}
	if (tun_open(&tun, "fp0", 0, err, sizeof(err)) < 0) {
		snprintf(why_buf, sizeof(why_buf), "TUN device: %s", err);
		why_not = why_buf;
		return 0;
	}
	wr_proc("/proc/sys/net/ipv4/ip_forward", "1");
	wr_proc("/proc/sys/net/ipv6/conf/all/forwarding", "1");
	wr_proc("/proc/sys/net/ipv4/ip_default_ttl", "64");
	if (sh("ip link set lo up && ip link set fp0 up && "
	       "ip link add ul0 address 02:00:00:00:00:01 type veth peer name ul0p && "
	       "ip link add in0 address 02:00:00:00:00:10 type veth peer name in0p && "
	       "ip link add vm0 address 02:00:00:00:00:20 type veth peer name vm0p && "
	       "for d in ul0 ul0p in0 in0p vm0 vm0p; do ip link set $d up; done && "
	       "ip addr add 192.0.2.1/24 dev ul0 && ip -6 addr add 2001:db8:ffff::1/64 dev ul0 "
	       "nodad && "
	       "ip addr add 198.51.100.1/25 dev in0 && "
	       "ip neigh add 192.0.2.2 lladdr 02:00:00:00:00:02 dev ul0 nud permanent && "
	       "ip neigh add 192.0.2.3 lladdr 02:00:00:00:00:03 dev ul0 nud permanent && "
	       "ip -6 neigh add 2001:db8:ffff::2 lladdr 02:00:00:00:00:02 dev ul0 nud permanent && "
	       "ip route add 198.51.100.5/32 dev vm0 && "
	       "ip neigh add 198.51.100.5 lladdr 02:00:00:00:00:05 dev vm0 nud permanent && "
	       "ip -6 route add 2001:db8:100::5/128 dev vm0 && "
	       "ip -6 neigh add 2001:db8:100::5 lladdr 02:00:00:00:00:05 dev vm0 nud permanent && "
	       "ip route add 203.0.113.0/24 dev fp0 && ip -6 route add 2001:db8:203::/64 dev fp0 "
	       "&& "
	       "ip -6 route add 2001:db8:100::/64 dev in0 && "
	       "ip route add 198.51.100.128/25 dev fp0") != 0) {
		print_message("cannot build the test's devices and routes (iproute2)\n");
		return -1;
	}
	if_in0 = nl_ifindex("in0");
	if_ul0 = nl_ifindex("ul0");
	if_vm0 = nl_ifindex("vm0");
	assert_int_equal(nl_open(&nl), 0);
	assert_int_equal(nl_link_get(&nl, if_vm0, &l), 0);
	assert_memory_equal(l.mac, mac_vm0, 6);
	nl_close(&nl);

	/* the site xTR: test_cfg's RLOCs and database (.5, ::5), TUN MTU 1444 */
	cs = test_cfg();
	cs->fast_path = XTR_FP_ON;
	xs = xtr_new(cs, &test_io, 0);
	assert_non_null(xs);
	const struct xtr_fp_params ps = {.cfg = cs, .tun_name = "fp0", .attach = false};
	fps = xtr_fp_start(NULL, xs, &ps, err, sizeof(err));
	if (fps == NULL)
		print_message("xtr_fp_start: %s\n", err);
	assert_non_null(fps);
	/* entries installed after the start reach the maps through the hooks */
	install(xs, "203.0.113.0/25", XTR_SRC_REPLY, "192.0.2.2", 1, 100, NULL, 0, 0, 0);
	install(xs, "2001:db8:203::/64", XTR_SRC_REPLY, "2001:db8:ffff::2", 1, 100, NULL, 0, 0, 0);
	struct lisp_prefix neg = P("203.0.113.20/32");
	assert_non_null(
	    xtr_cache_install(xs, &neg, XTR_SRC_REPLY, LISP_ACT_DROP, true, 15, NULL, 0, 0));

	/* the D-ETR: aggregate 198.51.100.0/24, a BGP host mapping .7 -> 192.0.2.3 */
	cd = test_cfg();
	cd->mode = XTR_MODE_REPRESENTATIVE;
	cd->fast_path = XTR_FP_ON;
	cd->ndb = 1;
	cd->db[0].eid = P("198.51.100.0/24");
	/* a tenant (instance ID 7): PITR packets from 203.0.113.64/26 are its */
	cd->ntenant = 1;
	cd->tenant_iid[0] = 7;
	cd->nclient = 1;
	cd->client[0].src = P("203.0.113.64/26");
	cd->client[0].iid = 7;
	xd = xtr_new(cd, &test_io, 0);
	assert_non_null(xd);
	install(xd, "198.51.100.7/32", XTR_SRC_BGP, "192.0.2.3", 1, 100, NULL, 0, 0, 0);
	install(xd, "203.0.113.0/25", XTR_SRC_REPLY, "192.0.2.3", 1, 100, NULL, 0, 0, 0);
	install(xd, "[7]198.51.100.200/32", XTR_SRC_BGP, "192.0.2.3", 1, 100, NULL, 0, 0, 0);
	install(xd, "198.51.100.200/32", XTR_SRC_BGP, "192.0.2.2", 1, 100, NULL, 0, 0, 0);
	const struct xtr_fp_params pd = {.cfg = cd, .tun_name = "fp0", .attach = false};
	fpd = xtr_fp_start(NULL, xd, &pd, err, sizeof(err));
	if (fpd == NULL)
		print_message("xtr_fp_start (D-ETR): %s\n", err);
	assert_non_null(fpd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	xtr_fp_stop(fps);
	xtr_fp_stop(fpd);
	xtr_free(xs);
	xtr_free(xd);
	if (cs) {
		xtr_cfg_free(cs);
		xtr_cfg_free(cd);
	}
	if (!why_not)
		tun_close(&tun);
	return 0;
}

/* ---------------------------------------------------------------- ITR */

static void t_itr_udp4(void **state)
{
	uint8_t buf[XTR_ENCAP_HLEN + 1500];
	size_t len;
	(void)state;
	SKIP_UNLESS_READY();
	uint8_t *ip = mk_ip4(buf, "198.51.100.5", "203.0.113.9", 17, 4000, 5000, 100, true, &len);
	itr_same(ip, len, "192.0.2.2");
	/* a partial UDP checksum stays as it is: the device completes it */
	l4_csum(ip, len, true);
	itr_same(ip, len, "192.0.2.2");
}

static void t_itr_tcp6(void **state)
{
	uint8_t ip[1500];
	(void)state;
	SKIP_UNLESS_READY();
	/* an IPv6 TCP segment (checksum partial: the outer checksum counts it completed) */
	memset(ip, 0, sizeof(ip));
	ip[0] = 0x60;
	put16(ip + 4, 20 + 200);
	ip[6] = 6;
	ip[7] = 64;
	memcpy(ip + 8, A("2001:db8:100::5").a, 16);
	memcpy(ip + 24, A("2001:db8:203::9").a, 16);
	put16(ip + 40, 33000);
	put16(ip + 42, 80);
	ip[52] = 0x50;
	ip[53] = 0x18;
	for (int i = 0; i < 200; i++)
		ip[60 + i] = (uint8_t)i;
	l4_csum(ip, 260, true);
	size_t ol = itr_same(ip, 260, "2001:db8:ffff::2");
	assert_int_equal(ol, 40);
	l4_csum(ip, 260, false);
	itr_same(ip, 260, "2001:db8:ffff::2");
}

static void t_itr_fragment(void **state)
{
	uint8_t buf[XTR_ENCAP_HLEN + 1500];
	size_t len;
	(void)state;
	SKIP_UNLESS_READY();
	/* a first fragment (MF) and a later one: no ports in the flow hash, as in user space */
	uint8_t *ip = mk_ip4(buf, "198.51.100.5", "203.0.113.9", 17, 4000, 5000, 64, false, &len);
	put16(ip + 6, 0x2000);
	ip4_csum(ip);
	itr_same(ip, len, "192.0.2.2");
	put16(ip + 6, 0x0010);
	ip4_csum(ip);
	itr_same(ip, len, "192.0.2.2");
}

static void t_itr_left_alone(void **state)
{
	uint8_t buf[XTR_ENCAP_HLEN + 1600], f[2048];
	struct res r;
	size_t len;
	(void)state;
	SKIP_UNLESS_READY();
	const struct xtr_stats *st = xtr_get_stats(xs);

	/* truncated: the IP header says more than the frame has (not even routed: no count) */
	uint8_t *ip = mk_ip4(buf, "198.51.100.5", "203.0.113.9", 17, 1, 2, 100, true, &len);
	run(fps, if_in0, f, frame(f, mac_in0, ip, len - 10), &r);
	assert_pass(&r, FP_ST__COUNT);
	uint64_t bad = st->drops[XTR_DROP_BAD_INNER];
	xtr_itr_input(xs, ip, len - 10, 0);
	assert_int_equal(xtr_get_stats(xs)->drops[XTR_DROP_BAD_INNER], bad + 1);

	/* a bad IPv4 header checksum: the kernel drops it, the fast path does not touch it */
	ip = mk_ip4(buf, "198.51.100.5", "203.0.113.9", 17, 1, 2, 100, true, &len);
	ip[10] ^= 0x55;
	run(fps, if_in0, f, frame(f, mac_in0, ip, len), &r);
	assert_pass(&r, FP_ST__COUNT);

	/* IPv4 options (record route): the kernel's forwarding processes them */
	uint8_t o[200];
	memset(o, 0, sizeof(o));
	o[0] = 0x46;
	put16(o + 2, 24 + 8 + 16);
	o[8] = 64;
	o[9] = 17;
	memcpy(o + 12, A("198.51.100.5").a, 4);
	memcpy(o + 16, A("203.0.113.9").a, 4);
	o[20] = 1; /* NOP option word */
	o[21] = 1;
	o[22] = 1;
	o[23] = 1;
	ip4_csum(o);
	run(fps, if_in0, f, frame(f, mac_in0, o, 48), &r);
	assert_pass(&r, FP_ST__COUNT);

	/* an IPv6 extension header (hop-by-hop) */
	memset(o, 0, sizeof(o));
	o[0] = 0x60;
	put16(o + 4, 8 + 8);
	o[6] = 0; /* hop-by-hop */
	o[7] = 64;
	memcpy(o + 8, A("2001:db8:100::5").a, 16);
	memcpy(o + 24, A("2001:db8:203::9").a, 16);
	o[40] = 17;
	o[42] = 1; /* PadN of 4: 1 4 0 0 0 0 */
	o[43] = 4;
	put16(o + 48, 1);
	put16(o + 50, 2);
	put16(o + 52, 8);
	run(fps, if_in0, f, frame(f, mac_in0, o, 56), &r);
	assert_pass(&r, FP_ST__COUNT);

	/* over the MTU: more than the TUN device takes (1444): the kernel fragments or answers */
	ip = mk_ip4(buf, "198.51.100.5", "203.0.113.9", 17, 1, 2, 1450, false, &len);
	run(fps, if_in0, f, frame(f, mac_in0, ip, len), &r);
	assert_pass(&r, FP_ST_PASS_MTU);

	/* TTL 1: the kernel answers time exceeded */
	ip = mk_ip4(buf, "198.51.100.5", "203.0.113.9", 17, 1, 2, 100, true, &len);
	ip[8] = 1;
	ip4_csum(ip);
	run(fps, if_in0, f, frame(f, mac_in0, ip, len), &r);
	assert_pass(&r, FP_ST_PASS_TTL);

	/* a negative entry (drop): left to user space, which drops it */
	ip = mk_ip4(buf, "198.51.100.5", "203.0.113.20", 17, 1, 2, 100, true, &len);
	run(fps, if_in0, f, frame(f, mac_in0, ip, len), &r);
	assert_pass(&r, FP_ST_PASS_NEGATIVE);
	uint64_t neg = xtr_get_stats(xs)->drops[XTR_DROP_NEGATIVE];
	xtr_itr_input(xs, ip, len, 0);
	assert_int_equal(xtr_get_stats(xs)->drops[XTR_DROP_NEGATIVE], neg + 1);

	/* a miss (routed into the TUN, no entry): user space holds it and resolves */
	ip = mk_ip4(buf, "198.51.100.5", "203.0.113.200", 17, 1, 2, 100, true, &len);
	run(fps, if_in0, f, frame(f, mac_in0, ip, len), &r);
	assert_pass(&r, FP_ST_PASS_MISS);
	cap_reset();
	xtr_itr_input(xs, ip, len, 0);
	assert_int_equal(xtr_cache_pending(xs), 1);
	/* ... and while it is pending */
	run(fps, if_in0, f, frame(f, mac_in0, ip, len), &r);
	assert_pass(&r, FP_ST_PASS_PENDING);
	/* the Map-Reply's mapping reaches the map: the next packet is the kernel's */
	install(xs, "203.0.113.200/32", XTR_SRC_REPLY, "192.0.2.2", 1, 100, NULL, 0, 0, 0);
	itr_same(ip, len, "192.0.2.2");
	/* removed (clear map-cache): left to user space again */
	struct lisp_prefix h = P("203.0.113.200/32");
	assert_int_equal(xtr_cache_remove(xs, &h), 0);
	run(fps, if_in0, f, frame(f, mac_in0, ip, len), &r);
	assert_pass(&r, FP_ST_PASS_MISS);

	/* not routed into the TUN device (a local underlay destination): not the ITR's */
	ip = mk_ip4(buf, "198.51.100.5", "192.0.2.2", 17, 1, 2, 100, true, &len);
	run(fps, if_in0, f, frame(f, mac_in0, ip, len), &r);
	assert_pass(&r, FP_ST__COUNT);
}

/* Locator selection: priorities, weights and reachability as the user-space path sees them. */
static void t_itr_locators(void **state)
{
	uint8_t buf[XTR_ENCAP_HLEN + 1500];
	size_t len;
	(void)state;
	SKIP_UNLESS_READY();
	install(xs, "203.0.113.64/26", XTR_SRC_REPLY, "192.0.2.2", 1, 50, "192.0.2.3", 1, 50, 0);
	int seen2 = 0, seen3 = 0;
	for (uint16_t sp = 1000; sp < 1064; sp++) {
		uint8_t *ip =
		    mk_ip4(buf, "198.51.100.5", "203.0.113.70", 17, sp, 80, 32, true, &len);
		uint8_t f[2048];
		struct res r;
		run(fps, if_in0, f, frame(f, mac_in0, ip, len), &r);
		assert_int_equal(r.verdict, TC_REDIRECT);
		/* the user-space path picks the same locator for the same flow */
		uint8_t user[XTR_ENCAP_HLEN + 1500];
		memcpy(user + XTR_ENCAP_HLEN, ip, len);
		ttl_dec(user + XTR_ENCAP_HLEN);
		cap_reset();
		xtr_itr_input(xs, user + XTR_ENCAP_HLEN, len, 0);
		xtr_flush(xs);
		assert_int_equal(ncap_data, 1);
		assert_memory_equal(r.out + 14 + 16, cap_data[0].dst.a, 4);
		assert_memory_equal(r.out + 14 + 20, cap_data[0].data, 2); /* source port */
		seen2 += r.out[14 + 19] == 2;
		seen3 += r.out[14 + 19] == 3;
	}
	assert_true(seen2 > 0 && seen3 > 0);
	/* RLOC probing marks 192.0.2.2 down: every flow goes to .3, in both paths */
	struct ipaddr down = A("192.0.2.2");
	xtr_rloc_set_up(xs, &down, false);
	for (uint16_t sp = 1000; sp < 1016; sp++) {
		uint8_t *ip =
		    mk_ip4(buf, "198.51.100.5", "203.0.113.70", 17, sp, 80, 32, true, &len);
		uint8_t f[2048];
		struct res r;
		run(fps, if_in0, f, frame(f, mac_in0, ip, len), &r);
		assert_int_equal(r.verdict, TC_REDIRECT);
		assert_int_equal(r.out[14 + 19], 3);
	}
	xtr_rloc_set_up(xs, &down, true);
}

/* ---------------------------------------------------------------- ETR */

static void t_etr_deliver(void **state)
{
	uint8_t buf[XTR_ENCAP_HLEN + 1500], l[2048], f[2048];
	struct res r;
	size_t len;
	(void)state;
	SKIP_UNLESS_READY();
	for (int v6 = 0; v6 <= 1; v6++) {
		uint8_t *ip =
		    v6 ? mk_ip6(buf, "2001:db8:203::9", "2001:db8:100::5", 60, &len)
		       : mk_ip4(buf, "203.0.113.9", "198.51.100.5", 17, 1, 2, 60, true, &len);
		l4_csum(ip, len, false);
		size_t n = lisp(l, v6, ip, len, 0x80, 0, false);
		run(fps, if_ul0, f, frame(f, mac_ul0, l, n), &r);
		assert_int_equal(r.verdict, TC_REDIRECT);
		assert_int_equal(r.delta[FP_ST_ETR_PKTS], 1);
		/* decapsulated, to the VM's neighbour on vm0, TTL as the kernel's forwarding
		 * leaves what the user-space path writes into the TUN device */
		cap_reset();
		xtr_etr_input(xs, &(struct ipaddr){0}, l + (v6 ? 40 : 20) + 8,
			      n - (v6 ? 40 : 20) - 8, 0);
		xtr_flush(xs);
		assert_int_equal(ncap_tun, 1);
		assert_int_equal(cap_tun[0].len, len);
		ttl_dec(cap_tun[0].data);
		assert_int_equal(r.olen, 14 + len);
		assert_memory_equal(r.out, mac_vm, 6);
		assert_memory_equal(r.out + 6, mac_vm0, 6);
		assert_memory_equal(r.out + 14, cap_tun[0].data, len);
	}
	/* the remote ITR is remembered (SMR targets), folded into the core */
	xtr_fp_fold(fps);
}

/* The ETR program leaves the LISP packet l (IPv4 outer, n bytes) to user space for `why`, and
 * the user-space path then drops it, counted as `drop`: the two paths agree. */
static void etr_pass_drop(const uint8_t *l, size_t n, unsigned why, unsigned drop)
{
	uint8_t f[2048];
	struct res r;
	run(fps, if_ul0, f, frame(f, mac_ul0, l, n), &r);
	assert_pass(&r, why);
	uint64_t d = xtr_get_stats(xs)->drops[drop];
	xtr_etr_input(xs, &(struct ipaddr){0}, l + 28, n - 28, 0);
	assert_int_equal(xtr_get_stats(xs)->drops[drop], d + 1);
}

static void t_etr_left_alone(void **state)
{
	uint8_t buf[XTR_ENCAP_HLEN + 1500], l[2048], f[2048];
	struct res r;
	size_t len, n;
	(void)state;
	SKIP_UNLESS_READY();
	uint8_t *ip = mk_ip4(buf, "203.0.113.9", "198.51.100.5", 17, 1, 2, 60, true, &len);

	/* a foreign instance ID: user space drops it (foreignIid) */
	n = lisp(l, false, ip, len, 0x88, 7, false);
	etr_pass_drop(l, n, FP_ST_PASS_IID, XTR_DROP_FOREIGN_IID);

	/* N and V both set: the daemon's parser rejects it (badHeader) */
	n = lisp(l, false, ip, len, 0x90, 0, false);
	etr_pass_drop(l, n, FP_ST_PASS_HEADER, XTR_DROP_BAD_HEADER);

	/* a truncated inner packet (its header says more than the datagram holds) */
	n = lisp(l, false, ip, len, 0x80, 0, false);
	put16(l + 36 + 2, (uint16_t)(len + 40));
	ip4_csum(l + 36);
	etr_pass_drop(l, n, FP_ST_PASS_HEADER, XTR_DROP_TRUNCATED_INNER);

	/* an outer fragment: the kernel reassembles it first */
	n = lisp(l, false, ip, len, 0x80, 0, false);
	put16(l + 6, 0x2000);
	ip4_csum(l);
	run(fps, if_ul0, f, frame(f, mac_ul0, l, n), &r);
	assert_pass(&r, FP_ST_PASS_HEADER);

	/* not a local EID (and a site xTR re-encapsulates nothing else): etrNotLocal */
	ip = mk_ip4(buf, "203.0.113.9", "198.51.100.9", 17, 1, 2, 60, true, &len);
	n = lisp(l, false, ip, len, 0x80, 0, false);
	etr_pass_drop(l, n, FP_ST_PASS_NOT_LOCAL, XTR_DROP_ETR_NOT_LOCAL);

	/* an inner TTL of 1: the kernel answers time exceeded after the daemon's TUN write */
	ip = mk_ip4(buf, "203.0.113.9", "198.51.100.5", 17, 1, 2, 60, true, &len);
	ip[8] = 1;
	ip4_csum(ip);
	n = lisp(l, false, ip, len, 0x80, 0, false);
	run(fps, if_ul0, f, frame(f, mac_ul0, l, n), &r);
	assert_pass(&r, FP_ST_PASS_TTL);

	/* IPv6 outer with a bad UDP checksum: the kernel drops it, the fast path leaves it */
	ip = mk_ip6(buf, "2001:db8:203::9", "2001:db8:100::5", 60, &len);
	l4_csum(ip, len, false);
	n = lisp(l, true, ip, len, 0x80, 0, true);
	run(fps, if_ul0, f, frame(f, mac_ul0, l, n), &r);
	assert_pass(&r, FP_ST_PASS_CHECKSUM);

	/* a partial inner checksum (a sender across veth left it to its device) is completed
	 * before the daemon reads the packet (here: not local, left to user space) */
	ip = mk_ip4(buf, "203.0.113.9", "198.51.100.9", 17, 1, 2, 60, true, &len);
	l4_csum(ip, len, true);
	assert_false(l4_csum_ok(ip, len));
	n = lisp(l, false, ip, len, 0x80, 0, false);
	run(fps, if_ul0, f, frame(f, mac_ul0, l, n), &r);
	assert_pass(&r, FP_ST_PASS_NOT_LOCAL);
	assert_true(l4_csum_ok(r.out + 14 + 36, len));
}

/* ---------------------------------------------------------------- D-ETR */

static void t_detr_reencap(void **state)
{
	uint8_t buf[XTR_ENCAP_HLEN + 1500], l[2048], f[2048];
	struct res r;
	size_t len, n;
	(void)state;
	SKIP_UNLESS_READY();
	/* a BGP host mapping of the aggregate: outer headers rewritten in place to .3 */
	uint8_t *ip = mk_ip4(buf, "203.0.113.9", "198.51.100.7", 17, 7000, 53, 80, true, &len);
	l4_csum(ip, len, false);
	n = lisp(l, false, ip, len, 0x80, 0, false);
	run(fpd, if_ul0, f, frame(f, mac_ul0, l, n), &r);
	assert_int_equal(r.verdict, TC_REDIRECT);
	assert_int_equal(r.delta[FP_ST_DETR_PKTS], 1);
	cap_reset();
	xtr_etr_input(xd, &(struct ipaddr){0}, l + 28, n - 28, 0);
	xtr_flush(xd);
	assert_int_equal(ncap_data, 1);
	assert_int_equal(r.olen, 14 + n);
	assert_memory_equal(r.out, mac_rloc3, 6);
	const uint8_t *o = r.out + 14;
	assert_int_equal(get16(o + 6), 0);
	assert_int_equal(o[8], 64);
	assert_memory_equal(o + 12, A("192.0.2.1").a, 4);
	assert_memory_equal(o + 16, cap_data[0].dst.a, 4);
	assert_int_equal(pkt_csum(o, 20), 0);
	assert_memory_equal(o + 20, cap_data[0].data, 8);	 /* UDP */
	assert_int_equal(o[28], cap_data[0].data[8]);		 /* flags */
	assert_memory_equal(o + 32, cap_data[0].data + 12, 4);	 /* iid */
	assert_memory_equal(o + 36, cap_data[0].data + 16, len); /* inner, TTL - 1 */

	/* an EID of the aggregate without a host mapping: user space resolves it (PITR path) */
	ip = mk_ip4(buf, "203.0.113.9", "198.51.100.8", 17, 7000, 53, 80, true, &len);
	n = lisp(l, false, ip, len, 0x80, 0, false);
	run(fpd, if_ul0, f, frame(f, mac_ul0, l, n), &r);
	assert_pass(&r, FP_ST_PASS_MISS);

	/* outside the aggregate, a Map-Reply's mapping: not ours to relay (etrNotLocal) */
	ip = mk_ip4(buf, "198.51.100.9", "203.0.113.9", 17, 7000, 53, 80, true, &len);
	n = lisp(l, false, ip, len, 0x80, 0, false);
	run(fpd, if_ul0, f, frame(f, mac_ul0, l, n), &r);
	assert_pass(&r, FP_ST_PASS_NOT_LOCAL);
	uint64_t d = xtr_get_stats(xd)->drops[XTR_DROP_ETR_NOT_LOCAL];
	xtr_etr_input(xd, &(struct ipaddr){0}, l + 28, n - 28, 0);
	assert_int_equal(xtr_get_stats(xd)->drops[XTR_DROP_ETR_NOT_LOCAL], d + 1);

	/* the BGP mapping withdrawn: the aggregate's EID is left to user space */
	struct lisp_prefix h = P("198.51.100.7/32");
	assert_int_equal(xtr_cache_remove(xd, &h), 0);
	ip = mk_ip4(buf, "203.0.113.9", "198.51.100.7", 17, 7000, 53, 80, true, &len);
	n = lisp(l, false, ip, len, 0x80, 0, false);
	run(fpd, if_ul0, f, frame(f, mac_ul0, l, n), &r);
	assert_pass(&r, FP_ST_PASS_MISS);
	install(xd, "198.51.100.7/32", XTR_SRC_BGP, "192.0.2.3", 1, 100, NULL, 0, 0, 0);

	/* the counters reach `show statistics` (folded into the core's) */
	assert_true(xtr_get_stats(xd)->reencap >= 1);
}

/* The D-ETR's tenants: their instance IDs are served, a PITR packet's source gives its
 * tenant (<client>), the LISP header carries the entry's instance ID. */
static void t_detr_tenants(void **state)
{
	uint8_t buf[XTR_ENCAP_HLEN + 1500], l[2048], f[2048], user[XTR_ENCAP_HLEN + 1500];
	struct res r;
	size_t len, n;
	(void)state;
	SKIP_UNLESS_READY();
	/* LISP data of tenant 7: re-encapsulated to its mapping, instance ID 7 kept */
	uint8_t *ip = mk_ip4(buf, "203.0.113.9", "198.51.100.200", 17, 7000, 53, 40, true, &len);
	n = lisp(l, false, ip, len, 0x88, 7, false);
	run(fpd, if_ul0, f, frame(f, mac_ul0, l, n), &r);
	assert_int_equal(r.verdict, TC_REDIRECT);
	assert_memory_equal(r.out + 14 + 16, A("192.0.2.3").a, 4);
	assert_int_equal(r.out[14 + 28], 0x88);
	assert_int_equal(r.out[14 + 32], 0);
	assert_int_equal(r.out[14 + 34], 7);
	cap_reset();
	xtr_etr_input(xd, &(struct ipaddr){0}, l + 28, n - 28, 0);
	xtr_flush(xd);
	assert_int_equal(ncap_data, 1);
	assert_memory_equal(r.out + 14 + 20, cap_data[0].data, 9);	/* UDP, flags */
	assert_memory_equal(r.out + 14 + 32, cap_data[0].data + 12, 4); /* instance ID */

	/* an instance ID nobody here serves: user space drops it (foreignIid) */
	n = lisp(l, false, ip, len, 0x88, 8, false);
	run(fpd, if_ul0, f, frame(f, mac_ul0, l, n), &r);
	assert_pass(&r, FP_ST_PASS_IID);

	/* PITR: a client of tenant 7 (its source in 203.0.113.64/26) reaches [7]198.51.100.200,
	 * anyone else the root's 198.51.100.200 */
	for (int t = 0; t < 2; t++) {
		ip = mk_ip4(buf, t ? "203.0.113.70" : "203.0.113.9", "198.51.100.200", 17, 5000, 53,
			    40, true, &len);
		run(fpd, if_ul0, f, frame(f, mac_ul0, ip, len), &r);
		assert_int_equal(r.verdict, TC_REDIRECT);
		assert_memory_equal(r.out + 14 + 16, A(t ? "192.0.2.3" : "192.0.2.2").a, 4);
		assert_int_equal(r.out[14 + 28], t ? 0x88 : 0x80);
		assert_int_equal(r.out[14 + 34], t ? 7 : 0);
		memcpy(user + XTR_ENCAP_HLEN, ip, len);
		ttl_dec(user + XTR_ENCAP_HLEN);
		cap_reset();
		xtr_itr_input(xd, user + XTR_ENCAP_HLEN, len, 0);
		xtr_flush(xd);
		assert_int_equal(ncap_data, 1);
		assert_memory_equal(r.out + 14 + 16, cap_data[0].dst.a, 4);
		assert_memory_equal(r.out + 14 + 20, cap_data[0].data, 8);
		assert_int_equal(r.out[14 + 28], cap_data[0].data[8]);
		assert_memory_equal(r.out + 14 + 32, cap_data[0].data + 12, 4);
		assert_memory_equal(r.out + 14 + 36, cap_data[0].data + 16, len);
	}
	xtr_fp_fold(fpd);
	assert_true(xtr_get_stats(xd)->tenant_classified >= 2);
}

/* What a packet costs the program (informational: BPF_PROG_TEST_RUN's own timing). */
static void t_cost(void **state)
{
#ifdef HAVE_FASTPATH
	uint8_t buf[XTR_ENCAP_HLEN + 1500], l[2048], f[2048], out[2048];
	size_t len, n;
	struct __sk_buff ctx;
	(void)state;
	SKIP_UNLESS_READY();
	const char *it = getenv("FP_COST_ITER"); /* more for a profile */
	int cost_iter = it ? atoi(it) : 20000;
	for (int role = 0; role < 2; role++) {
		uint8_t *ip =
		    role == 0
			? mk_ip4(buf, "198.51.100.5", "203.0.113.9", 17, 1, 2, 64, true, &len)
			: mk_ip4(buf, "203.0.113.9", "198.51.100.5", 17, 1, 2, 64, true, &len);
		n = role == 0 ? frame(f, mac_in0, ip, len)
			      : frame(f, mac_ul0, l, lisp(l, false, ip, len, 0x80, 0, false));
		memset(&ctx, 0, sizeof(ctx));
		ctx.ifindex = ctx.ingress_ifindex = (uint32_t)(role == 0 ? if_in0 : if_ul0);
		/* one run per call: the program changes the packet, a repeat would not see the
		 * same one */
		uint64_t ns = 0;
		for (int i = 0; i < cost_iter; i++) {
			LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = (uint32_t)n,
				    .data_out = out, .data_size_out = sizeof(out), .ctx_in = &ctx,
				    .ctx_size_in = sizeof(ctx), .repeat = 1);
			assert_int_equal(bpf_prog_test_run_opts(xtr_fp_prog_fd(fps), &o), 0);
			assert_int_equal((int)o.retval, TC_REDIRECT);
			ns += o.duration;
		}
		print_message("%s, 64 B UDP: %llu ns per packet (BPF_PROG_TEST_RUN)\n",
			      role == 0 ? "ITR encapsulation" : "ETR decapsulation",
			      (unsigned long long)(ns / (uint64_t)cost_iter));
	}
#else
	(void)state;
	skip();
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_itr_udp4),	cmocka_unit_test(t_itr_tcp6),
	    cmocka_unit_test(t_itr_fragment),	cmocka_unit_test(t_itr_left_alone),
	    cmocka_unit_test(t_itr_locators),	cmocka_unit_test(t_etr_deliver),
	    cmocka_unit_test(t_etr_left_alone), cmocka_unit_test(t_detr_reencap),
	    cmocka_unit_test(t_detr_tenants),	cmocka_unit_test(t_cost),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
