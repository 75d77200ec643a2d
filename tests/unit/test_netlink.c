/* SPDX-License-Identifier: ISC */
/* tests/unit/test_netlink.c - common/netlink event parsing (RTM_NEWNEIGH/DELNEIGH for bridge
 * fdb, IPv4 and IPv6 neighbours; truncated and malformed messages skipped) and common/sysctl
 * name-to-path mapping (interface names with dots). No kernel access. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "sys/netlink.h"
#include "sys/sysctl.h"

/* A small host-order message writer for the test vectors. */
struct w {
	uint8_t b[512];
	size_t len, msg;
};
static void put(struct w *w, const void *p, size_t n)
{
	memcpy(w->b + w->len, p, n);
	w->len += n;
}
static void put16(struct w *w, uint16_t v)
{
	put(w, &v, 2);
}
static void put32(struct w *w, uint32_t v)
{
	put(w, &v, 4);
}
static void pad(struct w *w)
{
	while (w->len % 4)
		w->b[w->len++] = 0;
}
static void msg_begin(struct w *w, uint16_t type, uint8_t family, int32_t ifindex, uint16_t state)
{
	w->msg = w->len;
	put32(w, 0);
	put16(w, type);
	put16(w, 0);
	put32(w, 1);
	put32(w, 0);
	uint8_t f[4] = {family, 0, 0, 0};
	put(w, f, 4);
	put32(w, (uint32_t)ifindex);
	put16(w, state);
	uint8_t ft[2] = {NTF_MASTER, 0};
	put(w, ft, 2);
}
static void attr(struct w *w, uint16_t type, const void *p, size_t n)
{
	put16(w, (uint16_t)(4 + n));
	put16(w, type);
	put(w, p, n);
	pad(w);
}
static void msg_end(struct w *w)
{
	uint32_t l = (uint32_t)(w->len - w->msg);
	memcpy(w->b + w->msg, &l, 4);
}

static struct nl_neigh_event got[8];
static int ngot;
static void cb(const struct nl_neigh_event *ev, void *arg)
{
	(void)arg;
	if (ngot < 8)
		got[ngot++] = *ev;
}

static const uint8_t mac5[6] = {2, 0, 0, 0, 0, 5};

static void test_fdb_and_neigh(void **state)
{
	(void)state;
	struct w w = {0};
	uint32_t master = 2;
	uint16_t vlan = 100;
	const uint8_t v4[4] = {198, 51, 100, 5};
	const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0x01, 0x00, [15] = 5};

	msg_begin(&w, RTM_NEWNEIGH, NL_FAMILY_BRIDGE, 3, NUD_REACHABLE);
	attr(&w, NDA_LLADDR, mac5, 6);
	attr(&w, NDA_MASTER, &master, 4);
	attr(&w, NDA_VLAN, &vlan, 2);
	msg_end(&w);
	msg_begin(&w, RTM_NEWNEIGH, NL_FAMILY_INET, 2, NUD_STALE);
	attr(&w, NDA_DST, v4, 4);
	attr(&w, NDA_LLADDR, mac5, 6);
	msg_end(&w);
	msg_begin(&w, RTM_DELNEIGH, NL_FAMILY_INET6, 2, NUD_FAILED);
	attr(&w, NDA_DST, v6, 16);
	attr(&w, 99, "xyz", 3); /* unknown attribute, skipped */
	msg_end(&w);
	msg_begin(&w, RTM_NEWROUTE, NL_FAMILY_INET, 2, 0); /* not a neighbour message */
	msg_end(&w);

	ngot = 0;
	assert_int_equal(nl_parse_neigh_msgs(w.b, w.len, cb, NULL), 3);
	assert_int_equal(ngot, 3);
	assert_int_equal(got[0].family, NL_FAMILY_BRIDGE);
	assert_false(got[0].deleted);
	assert_int_equal(got[0].ifindex, 3);
	assert_int_equal(got[0].master, 2);
	assert_int_equal(got[0].vlan, 100);
	assert_true(got[0].has_lladdr);
	assert_memory_equal(got[0].lladdr, mac5, 6);
	assert_int_equal(got[0].addr.afi, 0);
	assert_int_equal(got[1].addr.afi, LISP_AFI_IPV4);
	assert_memory_equal(got[1].addr.a, v4, 4);
	assert_int_equal(got[1].state, NUD_STALE);
	assert_true(got[2].deleted);
	assert_int_equal(got[2].addr.afi, LISP_AFI_IPV6);
	assert_memory_equal(got[2].addr.a, v6, 16);
	assert_false(got[2].has_lladdr);

	/* every truncation parses without crashing and yields only complete messages */
	for (size_t n = 0; n < w.len; n++) {
		ngot = 0;
		int r = nl_parse_neigh_msgs(w.b, n, cb, NULL);
		assert_true(r >= 0 && r <= 3);
	}
	/* an attribute running past its message is rejected (message skipped) */
	struct w b = {0};
	msg_begin(&b, RTM_NEWNEIGH, NL_FAMILY_INET, 2, NUD_STALE);
	put16(&b, 40);
	put16(&b, NDA_DST);
	put(&b, v4, 4);
	msg_end(&b);
	ngot = 0;
	assert_int_equal(nl_parse_neigh_msgs(b.b, b.len, cb, NULL), 0);
	/* wrong address length for the family: no address */
	struct w c = {0};
	msg_begin(&c, RTM_NEWNEIGH, NL_FAMILY_INET, 2, NUD_STALE);
	attr(&c, NDA_DST, v6, 16);
	msg_end(&c);
	ngot = 0;
	assert_int_equal(nl_parse_neigh_msgs(c.b, c.len, cb, NULL), 1);
	assert_int_equal(got[0].addr.afi, 0);
	/* unknown family skipped; nlmsg_len smaller than a header stops parsing */
	struct w d = {0};
	msg_begin(&d, RTM_NEWNEIGH, 42, 2, 0);
	msg_end(&d);
	put32(&d, 8);
	put32(&d, 0);
	ngot = 0;
	assert_int_equal(nl_parse_neigh_msgs(d.b, d.len, cb, NULL), 0);
}

static void test_sysctl_path(void **state)
{
	(void)state;
	char p[128];
	assert_int_equal(sysctl_path("net.ipv4.conf.br-vm.proxy_arp", p, sizeof(p)), 0);
	assert_string_equal(p, "/proc/sys/net/ipv4/conf/br-vm/proxy_arp");
	assert_int_equal(sysctl_path("net.ipv4.conf.eth0.100.rp_filter", p, sizeof(p)), 0);
	assert_string_equal(p, "/proc/sys/net/ipv4/conf/eth0.100/rp_filter");
	assert_int_equal(sysctl_path("net.ipv6.neigh.br.vm.proxy_delay", p, sizeof(p)), 0);
	assert_string_equal(p, "/proc/sys/net/ipv6/neigh/br.vm/proxy_delay");
	assert_int_equal(sysctl_path("net.ipv4.ip_forward", p, sizeof(p)), 0);
	assert_string_equal(p, "/proc/sys/net/ipv4/ip_forward");
	assert_int_equal(sysctl_path("net/ipv4/conf/eth0.5/rp_filter", p, sizeof(p)), 0);
	assert_string_equal(p, "/proc/sys/net/ipv4/conf/eth0.5/rp_filter");
	assert_int_equal(sysctl_path("net.ipv4.conf.x", p, sizeof(p)), -EINVAL);
	assert_int_equal(sysctl_path("net/../../etc/passwd", p, sizeof(p)), -EINVAL);
	assert_int_equal(sysctl_path("", p, sizeof(p)), -EINVAL);
	assert_int_equal(sysctl_path("/net/ipv4", p, sizeof(p)), -EINVAL);
	assert_int_equal(sysctl_path("net.ipv4.ip_forward", p, 20), -ENAMETOOLONG);
	long v;
	assert_int_equal(sysctl_get_int("net.ipv4.conf.no-such-if.forwarding", &v), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fdb_and_neigh),
	    cmocka_unit_test(test_sysctl_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
