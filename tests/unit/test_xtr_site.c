/* SPDX-License-Identifier: ISC */
/* tests/unit/test_xtr_site.c - the site integration's pure parts: classification of the
 * frames seen on the VM bridge (GARP, ARP probe, RARP, unsolicited NA, DAD NS, NS for a
 * subnet / off-link / own address, NUD probe, malformed), the NA the gateway answers with
 * (byte-exact vector computed independently in Python) and the probes it sends, the host
 * table's last-seen / probe / departure / moved-away logic on an injected clock, the
 * MAC -> EID table for RARP, and the <site> config parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libxml/tree.h>

#include "common/conf.h"
#include "proto/pkt.h"
#include "xtr/site/site.h"
#include "xtr/site/site_int.h"

static const uint8_t GW[6] = {0x02, 0, 0, 0, 0x01, 0x01};
static const uint8_t VM5[6] = {0x02, 0, 0, 0, 0, 0x05};
static const uint8_t VM6[6] = {0x02, 0, 0, 0, 0, 0x06};
static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t MCAST_SRC[6] = {0x03, 0, 0, 0, 0, 0x05};

static struct lisp_prefix subnets[2];
static struct site_ctx ctx;

static struct ipaddr A(const char *s) {
	struct ipaddr a;
	memset(&a, 0, sizeof(a));
	if (s)
		assert_int_equal(ipaddr_parse(s, &a), 0);
	return a;
}

static int
setup_ctx(void **state)
{
	(void)state;
	memset(&ctx, 0, sizeof(ctx));
	memcpy(ctx.gw_mac, GW, 6);
	ctx.gw4 = A("198.51.100.1");
	ctx.gw6 = A("2001:db8:100::1");
	ctx.gw6_plen = 64;
	pkt_mac_to_ll(GW, &ctx.gw_ll);
	assert_int_equal(prefix_parse("198.51.100.0/24", &subnets[0], false), 0);
	assert_int_equal(prefix_parse("2001:db8:200::/64", &subnets[1], false), 0);
	ctx.subnets = subnets;
	ctx.nsubnets = 2;
	return 0;
}

/* ------------------------------------------------------------------ frame builders */
enum fw { W_ARP, W_RARP, W_ND, W_IP4, W_IP6, W_RAW, W_VLAN_ARP };
#define NSOPT_NONE 0
#define NSOPT_SLL  1
#define NSOPT_TLL  2

struct fcase {
	const char *name;
	enum fw what;
	const uint8_t *esrc, *edst;
	uint16_t op;		     /* ARP */
	const char *spa, *tpa;	     /* ARP */
	uint8_t ndtype;		     /* ND */
	const char *src, *dst, *tgt; /* ND / IP */
	uint32_t flags;		     /* NA flags */
	int opt;		     /* NSOPT_* with esrc as the MAC */
	uint8_t hlim;		     /* 0 = 255 */
	int corrupt;		     /* 1 = flip checksum, 2 = truncate 10 bytes */
	uint16_t ethertype;	     /* W_RAW */
	enum site_fkind expect;
	const char *expect_ip; /* NULL: no address learnt */
	bool announce;
	const uint8_t *expect_mac;
};

static void add_eth(struct buf *w, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	assert_int_equal(pkt_build_eth(w, dst, src, type), 0);
}

static void add_addr(struct buf *w, const char *s, size_t n)
{
	struct ipaddr a = A(s);
	assert_int_equal(buf_add_bytes(w, a.a, n), 0);
}

static size_t build(const struct fcase *c, uint8_t *out, size_t cap)
{
	struct buf w;
	buf_init_write(&w, out, cap);
	const uint8_t *edst = c->edst ? c->edst : BCAST;
	switch (c->what) {
	case W_VLAN_ARP:
		assert_int_equal(buf_add_bytes(&w, edst, 6), 0);
		assert_int_equal(buf_add_bytes(&w, c->esrc, 6), 0);
		assert_int_equal(buf_add_u16(&w, PKT_ETH_VLAN), 0);
		assert_int_equal(buf_add_u16(&w, 10), 0);
		assert_int_equal(buf_add_u16(&w, PKT_ETH_ARP), 0);
		goto arp_body;
	case W_ARP:
	case W_RARP:
		add_eth(&w, edst, c->esrc, c->what == W_RARP ? PKT_ETH_RARP : PKT_ETH_ARP);
	arp_body:
		buf_add_u16(&w, 1);
		buf_add_u16(&w, PKT_ETH_IPV4);
		buf_add_u8(&w, 6);
		buf_add_u8(&w, 4);
		buf_add_u16(&w, c->op);
		buf_add_bytes(&w, c->esrc, 6);
		add_addr(&w, c->spa ? c->spa : "0.0.0.0", 4);
		buf_add_bytes(&w, c->what == W_RARP ? c->esrc : (const uint8_t[6]){0}, 6);
		add_addr(&w, c->tpa ? c->tpa : "0.0.0.0", 4);
		break;
	case W_ND: {
		size_t csum_off, start;
		uint16_t plen = (uint16_t)(24 + (c->opt ? 8 : 0));
		add_eth(&w, edst, c->esrc, PKT_ETH_IPV6);
		buf_add_u32(&w, 0x60000000u);
		buf_add_u16(&w, plen);
		buf_add_u8(&w, PKT_PROTO_ICMPV6);
		buf_add_u8(&w, c->hlim ? c->hlim : 255);
		add_addr(&w, c->src, 16);
		add_addr(&w, c->dst, 16);
		start = buf_len(&w);
		buf_add_u8(&w, c->ndtype);
		buf_add_u8(&w, 0);
		buf_reserve(&w, 2, &csum_off);
		buf_add_u32(&w, c->flags);
		add_addr(&w, c->tgt, 16);
		if (c->opt) {
			buf_add_u8(&w, (uint8_t)c->opt);
			buf_add_u8(&w, 1);
			buf_add_bytes(&w, c->esrc, 6);
		}
		struct ipaddr s = A(c->src), d = A(c->dst);
		uint32_t sum = pkt_csum_pseudo6(&s, &d, plen, PKT_PROTO_ICMPV6);
		sum = pkt_csum_add(sum, out + start, plen);
		uint16_t cs = pkt_csum_fold(sum);
		buf_set_u16(&w, csum_off, c->corrupt == 1 ? (uint16_t)(cs ^ 0x0101) : cs);
		break;
	}
	case W_IP4:
		add_eth(&w, edst, c->esrc, PKT_ETH_IPV4);
		buf_add_u32(&w, 0x45000000u | 28); /* 20 + 8 bytes of UDP */
		buf_add_u32(&w, 0);
		buf_add_u32(&w, 0x40110000u);
		add_addr(&w, c->src, 4);
		add_addr(&w, c->dst, 4);
		buf_add_zero(&w, 8);
		break;
	case W_IP6:
		add_eth(&w, edst, c->esrc, PKT_ETH_IPV6);
		buf_add_u32(&w, 0x60000000u);
		buf_add_u16(&w, 8);
		buf_add_u8(&w, PKT_PROTO_UDP);
		buf_add_u8(&w, 64);
		add_addr(&w, c->src, 16);
		add_addr(&w, c->dst, 16);
		buf_add_zero(&w, 8);
		break;
	case W_RAW:
		add_eth(&w, edst, c->esrc, c->ethertype);
		buf_add_zero(&w, 46);
		break;
	}
	size_t n = buf_len(&w);
	if (c->corrupt == 2)
		n -= 10;
	return n;
}

/* clang-format off */
static const struct fcase fcases[] = {
    {"GARP request", W_ARP, VM5, NULL, 1, "198.51.100.5", "198.51.100.5", .expect = SITE_F_GARP,
     .expect_ip = "198.51.100.5", .announce = true},
    {"GARP reply (arping -A)", W_ARP, VM5, NULL, 2, "198.51.100.5", "198.51.100.5",
     .expect = SITE_F_GARP, .expect_ip = "198.51.100.5", .announce = true},
    {"GARP in an 802.1Q tag", W_VLAN_ARP, VM5, NULL, 1, "198.51.100.5", "198.51.100.5",
     .expect = SITE_F_GARP, .expect_ip = "198.51.100.5", .announce = true},
    {"ARP probe (RFC 5227) learns nothing", W_ARP, VM5, NULL, 1, "0.0.0.0", "198.51.100.5",
     .expect = SITE_F_ARP_PROBE},
    {"ARP request for the gateway", W_ARP, VM5, NULL, 1, "198.51.100.5", "198.51.100.1",
     .expect = SITE_F_ARP, .expect_ip = "198.51.100.5"},
    {"ARP reply to a probe", W_ARP, VM5, GW, 2, "198.51.100.5", "198.51.100.1",
     .expect = SITE_F_ARP, .expect_ip = "198.51.100.5"},
    {"ARP claiming the gateway address learns nothing", W_ARP, VM5, NULL, 1, "198.51.100.1",
     "198.51.100.1", .expect = SITE_F_GARP, .announce = true},
    {"ARP from the gateway MAC ignored", W_ARP, GW, NULL, 1, "198.51.100.1", "198.51.100.5",
     .expect = SITE_F_IGNORE},
    {"ARP truncated", W_ARP, VM5, NULL, 1, "198.51.100.5", "198.51.100.5", .corrupt = 2,
     .expect = SITE_F_BAD},
    {"RARP self-announce (QEMU)", W_RARP, VM6, NULL, 3, NULL, NULL, .expect = SITE_F_RARP,
     .announce = true, .expect_mac = VM6},
    {"ARP opcode in a RARP frame", W_RARP, VM6, NULL, 1, NULL, NULL, .expect = SITE_F_BAD},
    {"RARP opcode in an ARP frame", W_ARP, VM6, NULL, 3, NULL, NULL, .expect = SITE_F_BAD},
    {"unsolicited NA", W_ND, VM5, NULL, .ndtype = PKT_ND_NA, .src = "2001:db8:100::5",
     .dst = "ff02::1", .tgt = "2001:db8:100::5", .flags = PKT_NA_F_OVERRIDE, .opt = NSOPT_TLL,
     .expect = SITE_F_NA_UNSOL, .expect_ip = "2001:db8:100::5", .announce = true,
     .expect_mac = VM5},
    {"solicited NA (answer to a probe)", W_ND, VM5, GW, .ndtype = PKT_ND_NA,
     .src = "2001:db8:100::5", .dst = "2001:db8:100::1", .tgt = "2001:db8:100::5",
     .flags = PKT_NA_F_SOLICITED | PKT_NA_F_OVERRIDE, .opt = NSOPT_TLL, .expect = SITE_F_NA,
     .expect_ip = "2001:db8:100::5"},
    {"solicited NA to multicast is invalid", W_ND, VM5, NULL, .ndtype = PKT_ND_NA,
     .src = "2001:db8:100::5", .dst = "ff02::1", .tgt = "2001:db8:100::5",
     .flags = PKT_NA_F_SOLICITED, .expect = SITE_F_BAD},
    {"DAD NS not answered, not learnt", W_ND, VM5, NULL, .ndtype = PKT_ND_NS, .src = "::",
     .dst = "ff02::1:ff00:55", .tgt = "2001:db8:100::55", .expect = SITE_F_NS_DAD},
    {"NS for a VM of the gateway subnet", W_ND, VM5, NULL, .ndtype = PKT_ND_NS,
     .src = "2001:db8:100::5", .dst = "ff02::1:ff00:6", .tgt = "2001:db8:100::6",
     .opt = NSOPT_SLL, .expect = SITE_F_NS_ANSWER, .expect_ip = "2001:db8:100::5"},
    {"NS for an unused address of the subnet", W_ND, VM5, NULL, .ndtype = PKT_ND_NS,
     .src = "2001:db8:100::5", .dst = "ff02::1:ff00:77", .tgt = "2001:db8:100::77",
     .opt = NSOPT_SLL, .expect = SITE_F_NS_ANSWER, .expect_ip = "2001:db8:100::5"},
    {"NS for an address of another EID subnet", W_ND, VM5, NULL, .ndtype = PKT_ND_NS,
     .src = "2001:db8:100::5", .dst = "ff02::1:ff00:9", .tgt = "2001:db8:200::9",
     .opt = NSOPT_SLL, .expect = SITE_F_NS_ANSWER, .expect_ip = "2001:db8:100::5"},
    {"NS from a link-local source learns nothing", W_ND, VM5, NULL, .ndtype = PKT_ND_NS,
     .src = "fe80::5", .dst = "ff02::1:ff00:6", .tgt = "2001:db8:100::6", .opt = NSOPT_SLL,
     .expect = SITE_F_NS_ANSWER},
    {"NS for an off-link address", W_ND, VM5, NULL, .ndtype = PKT_ND_NS,
     .src = "2001:db8:100::5", .dst = "ff02::1:ff00:1", .tgt = "2001:db8:999::1",
     .opt = NSOPT_SLL, .expect = SITE_F_NS_OFFLINK, .expect_ip = "2001:db8:100::5"},
    {"NS for the gateway address (kernel answers)", W_ND, VM5, NULL, .ndtype = PKT_ND_NS,
     .src = "2001:db8:100::5", .dst = "ff02::1:ff00:1", .tgt = "2001:db8:100::1",
     .opt = NSOPT_SLL, .expect = SITE_F_NS_OWN, .expect_ip = "2001:db8:100::5"},
    {"NS for the gateway link-local", W_ND, VM5, NULL, .ndtype = PKT_ND_NS,
     .src = "2001:db8:100::5", .dst = "ff02::1:ff00:101", .tgt = "fe80::ff:fe00:101",
     .opt = NSOPT_SLL, .expect = SITE_F_NS_OWN, .expect_ip = "2001:db8:100::5"},
    {"NUD probe unicast to the gateway MAC", W_ND, VM5, GW, .ndtype = PKT_ND_NS,
     .src = "2001:db8:100::5", .dst = "2001:db8:100::6", .tgt = "2001:db8:100::6",
     .expect = SITE_F_NS_NUD, .expect_ip = "2001:db8:100::5"},
    {"NS unicast to another MAC", W_ND, VM5, VM6, .ndtype = PKT_ND_NS,
     .src = "2001:db8:100::5", .dst = "2001:db8:100::6", .tgt = "2001:db8:100::6",
     .expect = SITE_F_NS_OFFLINK, .expect_ip = "2001:db8:100::5"},
    {"NS with hop limit 64", W_ND, VM5, NULL, .ndtype = PKT_ND_NS, .src = "2001:db8:100::5",
     .dst = "ff02::1:ff00:6", .tgt = "2001:db8:100::6", .hlim = 64, .expect = SITE_F_BAD},
    {"NS with a bad checksum", W_ND, VM5, NULL, .ndtype = PKT_ND_NS, .src = "2001:db8:100::5",
     .dst = "ff02::1:ff00:6", .tgt = "2001:db8:100::6", .corrupt = 1, .expect = SITE_F_BAD},
    {"NS truncated", W_ND, VM5, NULL, .ndtype = PKT_ND_NS, .src = "2001:db8:100::5",
     .dst = "ff02::1:ff00:6", .tgt = "2001:db8:100::6", .corrupt = 2, .expect = SITE_F_BAD},
    {"IPv4 packet: source seen", W_IP4, VM5, GW, .src = "198.51.100.5", .dst = "203.0.113.9",
     .expect = SITE_F_IP4, .expect_ip = "198.51.100.5"},
    {"IPv4 from 0.0.0.0 (DHCP) learns nothing", W_IP4, VM5, NULL, .src = "0.0.0.0",
     .dst = "255.255.255.255", .expect = SITE_F_IP4},
    {"IPv4 truncated", W_IP4, VM5, GW, .src = "198.51.100.5", .dst = "203.0.113.9",
     .corrupt = 2, .expect = SITE_F_BAD},
    {"IPv6 packet: source seen", W_IP6, VM5, GW, .src = "2001:db8:100::5",
     .dst = "2001:db8:300::9", .expect = SITE_F_IP6, .expect_ip = "2001:db8:100::5"},
    {"IPv6 from link-local learns nothing", W_IP6, VM5, NULL, .src = "fe80::5",
     .dst = "ff02::16", .expect = SITE_F_IP6},
    {"unknown ethertype ignored", W_RAW, VM5, NULL, .ethertype = 0x88cc, .expect = SITE_F_IGNORE},
    {"multicast source MAC ignored", W_ARP, MCAST_SRC, NULL, 1, "198.51.100.5", "198.51.100.5",
     .expect = SITE_F_IGNORE},
};
/* clang-format on */

static void test_classify(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(fcases) / sizeof(fcases[0]); i++) {
		const struct fcase *c = &fcases[i];
		uint8_t fr[256];
		size_t n = build(c, fr, sizeof(fr));
		struct buf b;
		struct site_frame f;
		buf_init_read(&b, fr, n);
		enum site_fkind k = site_classify(&ctx, &b, &f);
		if (k != c->expect)
			fail_msg("%s: kind %s, expected %s", c->name, site_fkind_name(k),
				 site_fkind_name(c->expect));
		struct ipaddr want = A(c->expect_ip);
		if (!ipaddr_eq(&want, &f.ip)) {
			char s[IPADDR_STRLEN];
			fail_msg("%s: ip %s, expected %s", c->name, ipaddr_str(&f.ip, s, sizeof(s)),
				 c->expect_ip ? c->expect_ip : "none");
		}
		if (f.announce != c->announce)
			fail_msg("%s: announce %d", c->name, f.announce);
		if (c->expect_mac && memcmp(f.mac, c->expect_mac, 6) != 0)
			fail_msg("%s: wrong MAC", c->name);
		/* every prefix of the frame is classified without a crash, never as an answer */
		for (size_t cut = 0; cut < n; cut++) {
			buf_init_read(&b, fr, cut);
			k = site_classify(&ctx, &b, &f);
			if (k == SITE_F_NS_ANSWER || k == SITE_F_NS_NUD)
				fail_msg("%s: truncated to %zu answered", c->name, cut);
		}
	}
}

static void test_empty_frame(void **state)
{
	(void)state;
	struct buf b;
	struct site_frame f;
	buf_init_read(&b, "", 0);
	assert_int_equal(site_classify(&ctx, &b, &f), SITE_F_BAD);
	assert_string_equal(site_fkind_name(SITE_F_NS_DAD), "ns-dad");
	assert_string_equal(site_fkind_name((enum site_fkind)99), "?");
}

/* NS from ::5 (MAC ...:05) for ::6 -> NA, Python-built reference */
static const uint8_t na_expect[] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x05, 0x02, 0x00, 0x00, 0x00, 0x01, 0x01, 0x86, 0xdd, 0x60,
    0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0xff, 0xfe, 0x00, 0x01, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x01, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x88, 0x00, 0xb6, 0xa3, 0x60, 0x00,
    0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x06, 0x02, 0x01, 0x02, 0x00, 0x00, 0x00, 0x01, 0x01,
};

static void classify_case(const char *name, struct site_frame *f, uint8_t *fr, size_t *n)
{
	for (size_t i = 0; i < sizeof(fcases) / sizeof(fcases[0]); i++)
		if (strcmp(fcases[i].name, name) == 0) {
			struct buf b;
			*n = build(&fcases[i], fr, 256);
			buf_init_read(&b, fr, *n);
			site_classify(&ctx, &b, f);
			return;
		}
	fail_msg("no case %s", name);
}

struct nacase {
	const char *from; /* fcases name */
	bool answered;
	const uint8_t *expect; /* byte-exact, or NULL: only checked to parse */
	size_t expect_len;
};
static const struct nacase nacases[] = {
    {"NS for a VM of the gateway subnet", true, na_expect, sizeof(na_expect)},
    {"NUD probe unicast to the gateway MAC", true, NULL, 0},
    {"DAD NS not answered, not learnt", false, NULL, 0},
    {"NS for the gateway address (kernel answers)", false, NULL, 0},
    {"NS for an off-link address", false, NULL, 0},
};

static void test_na(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(nacases) / sizeof(nacases[0]); i++) {
		const struct nacase *c = &nacases[i];
		uint8_t fr[256], out[128];
		size_t n;
		struct site_frame f;
		struct buf w;
		classify_case(c->from, &f, fr, &n);
		buf_init_write(&w, out, sizeof(out));
		int rc = site_build_na_frame(&w, &ctx, &f);
		if (!c->answered) {
			if (rc == 0)
				fail_msg("%s: answered", c->from);
			continue;
		}
		if (rc != 0)
			fail_msg("%s: not answered", c->from);
		if (c->expect) {
			assert_int_equal(buf_len(&w), c->expect_len);
			assert_memory_equal(out, c->expect, c->expect_len);
		}
		/* the answer itself: to the asker's MAC, from the gateway; a valid NA S|O */
		struct buf r, ip;
		struct pkt_eth e;
		struct pkt_nd nd;
		buf_as_reader(&w, &r);
		assert_int_equal(pkt_parse_eth(&r, &e), 0);
		assert_memory_equal(e.dst, VM5, 6);
		assert_memory_equal(e.src, GW, 6);
		ip = r;
		assert_int_equal(pkt_parse_nd(&ip, &nd), 0);
		assert_int_equal(nd.type, PKT_ND_NA);
		assert_int_equal(nd.flags, PKT_NA_F_SOLICITED | PKT_NA_F_OVERRIDE);
		assert_true(nd.has_tllao);
		assert_memory_equal(nd.tllao, GW, 6);
		assert_true(ipaddr_eq(&nd.src, &ctx.gw_ll));
		assert_true(ipaddr_eq(&nd.target, &f.nd.target));
		/* too small an output buffer fails cleanly */
		buf_init_write(&w, out, 60);
		assert_int_equal(site_build_na_frame(&w, &ctx, &f), -1);
	}
}

static void test_probes(void **state)
{
	(void)state;
	uint8_t out[128];
	struct buf w, r;
	struct pkt_eth e;
	struct ipaddr e4 = A("198.51.100.5"), e6 = A("2001:db8:100::5");

	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(site_build_arp_probe(&w, &ctx, VM5, &e4), 0);
	static const uint8_t arp[] = {0x02, 0,	  0,	0, 0,	 0x05, 0x02, 0,	  0,   0, 0x01,
				      0x01, 0x08, 0x06, 0, 1,	 0x08, 0,    6,	  4,   0, 1,
				      0x02, 0,	  0,	0, 0x01, 0x01, 198,  51,  100, 1, 0,
				      0,    0,	  0,	0, 0,	 198,  51,   100, 5};
	assert_int_equal(buf_len(&w), sizeof(arp));
	assert_memory_equal(out, arp, sizeof(arp));
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(site_build_arp_probe(&w, &ctx, VM5, &e6), -1);

	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(site_build_ns_probe(&w, &ctx, VM5, &e6), 0);
	struct pkt_nd nd;
	buf_as_reader(&w, &r);
	assert_int_equal(pkt_parse_eth(&r, &e), 0);
	assert_memory_equal(e.dst, VM5, 6);
	assert_int_equal(pkt_parse_nd(&r, &nd), 0); /* checksum verified */
	assert_int_equal(nd.type, PKT_ND_NS);
	assert_true(ipaddr_eq(&nd.target, &e6));
	assert_true(ipaddr_eq(&nd.dst, &e6));
	assert_true(ipaddr_eq(&nd.src, &ctx.gw6));
	assert_true(nd.has_sllao);
	assert_memory_equal(nd.sllao, GW, 6);
	assert_false(nd.dad);
}

/* ------------------------------------------------------------------ host table */
struct step {
	char op;    /* 's' seen, 'a' seen as announcement, 't' tick, 'm' moved, 'S' static,
		       'f' expect found, 'n' expect not found */
	uint64_t t; /* ms */
	const char *eid;
	const uint8_t *mac;
	int expect;	  /* seen: enum site_seen */
	const char *acts; /* tick: actions in order, P probe, G gone, E moved expired */
};
struct hcase {
	const char *name;
	uint32_t max;
	uint64_t timeout_ms;
	unsigned probes;
	struct step steps[12];
};

#define E5 "198.51.100.5"
#define E6 "2001:db8:100::6"
/* clang-format off */
static const struct hcase hcases[] = {
    {"new, known, MAC change", 8, 300000, 3, {
	{'s', 0, E5, VM5, SITE_SEEN_NEW, NULL}, {'s', 10, E5, VM5, SITE_SEEN_KNOWN, NULL},
	{'s', 20, E5, VM6, SITE_SEEN_MAC, NULL}, {'f', 0, E5, NULL, 0, NULL}, {0}}},
    {"idle host probed 3 times then gone", 8, 300000, 3, {
	{'s', 0, E5, VM5, SITE_SEEN_NEW, NULL}, {'t', 299999, NULL, NULL, 0, ""},
	{'t', 300000, NULL, NULL, 0, "P"}, {'t', 300500, NULL, NULL, 0, ""},
	{'t', 301000, NULL, NULL, 0, "P"}, {'t', 302000, NULL, NULL, 0, "P"},
	{'t', 302999, NULL, NULL, 0, ""}, {'f', 0, E5, NULL, 0, NULL},
	{'t', 303000, NULL, NULL, 0, "G"}, {'n', 0, E5, NULL, 0, NULL}, {0}}},
    {"answer to a probe keeps the host", 8, 300000, 3, {
	{'s', 0, E6, VM6, SITE_SEEN_NEW, NULL}, {'t', 300000, NULL, NULL, 0, "P"},
	{'s', 300200, E6, VM6, SITE_SEEN_KNOWN, NULL}, {'t', 301000, NULL, NULL, 0, ""},
	{'t', 305000, NULL, NULL, 0, ""}, {'t', 600200, NULL, NULL, 0, "P"},
	{'f', 0, E6, NULL, 0, NULL}, {0}}},
    {"traffic refreshes last-seen", 8, 1000, 1, {
	{'s', 0, E5, VM5, SITE_SEEN_NEW, NULL}, {'s', 900, E5, VM5, SITE_SEEN_KNOWN, NULL},
	{'t', 1500, NULL, NULL, 0, ""}, {'t', 1900, NULL, NULL, 0, "P"},
	{'t', 2900, NULL, NULL, 0, "G"}, {0}}},
    {"no probes: gone at the timeout", 8, 1000, 0, {
	{'s', 0, E5, VM5, SITE_SEEN_NEW, NULL}, {'t', 1000, NULL, NULL, 0, "G"},
	{'s', 1100, E5, VM5, SITE_SEEN_NEW, NULL}, {0}}},
    {"timeout 0: never ages", 8, 0, 3, {
	{'s', 0, E5, VM5, SITE_SEEN_NEW, NULL}, {'t', 99999999, NULL, NULL, 0, ""},
	{'f', 0, E5, NULL, 0, NULL}, {0}}},
    {"static host never ages", 8, 1000, 1, {
	{'S', 0, E5, NULL, 0, NULL}, {'t', 99999999, NULL, NULL, 0, ""},
	{'s', 100000000, E5, VM5, SITE_SEEN_MAC, NULL}, {'t', 199999999, NULL, NULL, 0, ""},
	{'f', 0, E5, NULL, 0, NULL}, {0}}},
    {"moved away: plain frames held, announcement returns", 8, 300000, 3, {
	{'s', 0, E5, VM5, SITE_SEEN_NEW, NULL}, {'m', 1000, E5, NULL, 0, NULL},
	{'s', 2000, E5, VM5, SITE_SEEN_HELD, NULL}, {'a', 3000, E5, VM5, SITE_SEEN_NEW, NULL},
	{'s', 3100, E5, VM5, SITE_SEEN_KNOWN, NULL}, {0}}},
    {"moved tombstone expires", 8, 300000, 3, {
	{'s', 0, E5, VM5, SITE_SEEN_NEW, NULL}, {'m', 1000, E5, NULL, 0, NULL},
	{'t', 10999, NULL, NULL, 0, ""}, {'t', 11000, NULL, NULL, 0, "E"},
	{'n', 0, E5, NULL, 0, NULL}, {'s', 12000, E5, VM5, SITE_SEEN_NEW, NULL}, {0}}},
    {"moved host is not probed", 8, 1000, 3, {
	{'s', 0, E5, VM5, SITE_SEEN_NEW, NULL}, {'m', 500, E5, NULL, 0, NULL},
	{'t', 5000, NULL, NULL, 0, ""}, {0}}},
    {"moving an unknown host fails", 8, 1000, 3, {
	{'m', 0, E5, NULL, -1, NULL}, {0}}},
    {"table full", 2, 1000, 1, {
	{'s', 0, E5, VM5, SITE_SEEN_NEW, NULL}, {'s', 0, E6, VM6, SITE_SEEN_NEW, NULL},
	{'s', 0, "198.51.100.7", VM6, SITE_SEEN_FULL, NULL}, {'t', 1000, NULL, NULL, 0, "PP"},
	{'t', 4000, NULL, NULL, 0, "GG"},
	{'s', 4001, "198.51.100.7", VM6, SITE_SEEN_NEW, NULL}, {0}}},
};
/* clang-format on */

struct tick_log {
	char acts[16];
	size_t n;
};
static void tick_cb(void *arg, enum site_tick_action a, const struct site_host *h)
{
	struct tick_log *l = arg;
	(void)h;
	if (l->n + 1 < sizeof(l->acts))
		l->acts[l->n++] = a == SITE_TICK_PROBE ? 'P' : a == SITE_TICK_GONE ? 'G' : 'E';
	l->acts[l->n] = '\0';
}

static void test_hosts(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(hcases) / sizeof(hcases[0]); i++) {
		const struct hcase *c = &hcases[i];
		struct site_hosts t;
		assert_int_equal(site_hosts_init(&t, c->max, c->timeout_ms, c->probes), 0);
		for (size_t j = 0; j < 12 && c->steps[j].op; j++) {
			const struct step *s = &c->steps[j];
			struct ipaddr e = A(s->eid);
			struct tick_log l = {.n = 0};
			int r;
			switch (s->op) {
			case 's':
			case 'a':
				r = (int)site_hosts_seen(&t, &e, s->mac, s->op == 'a', s->t);
				if (r != s->expect)
					fail_msg("%s step %zu: seen %d, expected %d", c->name, j, r,
						 s->expect);
				break;
			case 'S':
				assert_non_null(site_hosts_add_static(&t, &e, s->t));
				break;
			case 'm':
				r = site_hosts_moved(&t, &e, s->t, SITE_MOVED_HOLD_MS);
				if (r != s->expect)
					fail_msg("%s step %zu: moved %d", c->name, j, r);
				break;
			case 't':
				site_hosts_tick(&t, s->t, tick_cb, &l);
				if (strcmp(l.acts, s->acts) != 0)
					fail_msg("%s step %zu: tick \"%s\", expected \"%s\"",
						 c->name, j, l.acts, s->acts);
				break;
			case 'f':
			case 'n': {
				struct site_host *h = site_hosts_find(&t, &e);
				bool local = h && h->state == SITE_H_LOCAL;
				if (local != (s->op == 'f'))
					fail_msg("%s step %zu: found %d", c->name, j, local);
				break;
			}
			}
		}
		site_hosts_free(&t);
	}
}

static void test_mac_table(void **state)
{
	(void)state;
	struct site_hosts t;
	struct ipaddr out[4], a = A("198.51.100.5"), b = A("2001:db8:100::5"),
			      c = A("198.51.100.6");
	assert_int_equal(site_hosts_init(&t, 2, 1000, 1), 0);
	assert_int_equal(site_hosts_mac_lookup(&t, VM5, out, 4), 0);
	site_hosts_mac_learn(&t, VM5, &a, 1);
	site_hosts_mac_learn(&t, VM5, &b, 2);
	assert_int_equal(site_hosts_mac_lookup(&t, VM5, out, 4), 2);
	assert_int_equal(site_hosts_mac_lookup(&t, VM5, out, 1), 1);
	/* an EID rebinds to a new MAC */
	site_hosts_mac_learn(&t, VM6, &a, 3);
	assert_int_equal(site_hosts_mac_lookup(&t, VM5, out, 4), 1);
	assert_true(ipaddr_eq(&out[0], &b));
	/* bounded: the oldest binding is replaced */
	site_hosts_mac_learn(&t, VM6, &c, 4);
	assert_int_equal(site_hosts_mac_lookup(&t, VM5, out, 4), 0);
	assert_int_equal(site_hosts_mac_lookup(&t, VM6, out, 4), 2);
	site_hosts_free(&t);
}

/* ------------------------------------------------------------------ config */
struct ccase {
	const char *name;
	const char *xml;
	bool ok;
	const char *err; /* substring of the errors */
};
#define GWOK "<gateway mac='02:00:00:00:01:01' ipv4='198.51.100.1/24' ipv6='2001:db8:100::1/64'/>"
#define SUBS "<subnet prefix='198.51.100.0/24'/><subnet prefix='2001:db8:100::/64'/>"
static const struct ccase ccases[] = {
    {"full",
     "<site bridge='br-x' tun='lisp9' manage-bridge='false' host-timeout='60' probes='2' "
     "tun-mtu='1444' nd-redirect-filter='no' max-hosts='100'>" GWOK SUBS
     "<dynamic-eid prefix='198.51.100.0/25'/><dynamic-eid prefix='2001:db8:100::/64'/>"
     "</site>",
     true, NULL},
    {"defaults", "<site>" GWOK SUBS "</site>", true, NULL},
    {"no gateway", "<site>" SUBS "</site>", false, "needs a <gateway>"},
    {"multicast MAC", "<site><gateway mac='03:00:00:00:01:01' ipv4='198.51.100.1/24'/></site>",
     false, "not a unicast MAC"},
    {"bad MAC", "<site><gateway mac='02:00:00:00:01' ipv4='198.51.100.1/24'/></site>", false,
     "not a unicast MAC"},
    {"no prefix length", "<site><gateway mac='02:00:00:00:01:01' ipv4='198.51.100.1'/></site>",
     false, "expected ADDRESS/LENGTH"},
    {"IPv6 in ipv4", "<site><gateway mac='02:00:00:00:01:01' ipv4='2001:db8::1/64'/></site>", false,
     "expected ADDRESS/LENGTH"},
    {"no gateway address", "<site><gateway mac='02:00:00:00:01:01'/></site>", false,
     "needs ipv4 and/or ipv6"},
    {"dynamic outside the subnets",
     "<site>" GWOK SUBS "<dynamic-eid prefix='203.0.113.0/24'/></site>", false,
     "203.0.113.0/24 is not inside any <subnet>"},
    {"bad prefix", "<site>" GWOK "<subnet prefix='198.51.100.1/24'/></site>", false, ""},
    {"interface name too long", "<site bridge='abcdefghijklmnopq'>" GWOK "</site>", false,
     "invalid interface name"},
    {"tun-mtu too small", "<site tun-mtu='1000'>" GWOK "</site>", false, "below the IPv6"},
    {"probes out of range", "<site probes='11'>" GWOK "</site>", false, "out of range"},
};

static void test_cfg(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ccases) / sizeof(ccases[0]); i++) {
		const struct ccase *c = &ccases[i];
		char path[] = "/tmp/test_xtr_site_XXXXXX";
		int fd = mkstemp(path);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, c->xml, strlen(c->xml)), (ssize_t)strlen(c->xml));
		close(fd);
		struct cfg_errs errs;
		cfg_errs_init(&errs);
		xmlDoc *doc = cfg_load(path, NULL, &errs);
		unlink(path);
		assert_non_null(doc);
		struct site_cfg cfg;
		int rc = site_cfg_parse(cfg_root(doc), &cfg, &errs);
		if ((rc == 0) != c->ok)
			fail_msg("%s: rc %d, errors: %s", c->name, rc, errs.text);
		if (c->err && !strstr(errs.text, c->err))
			fail_msg("%s: error \"%s\" not in: %s", c->name, c->err, errs.text);
		if (!c->ok && !strstr(errs.text, ":1: "))
			fail_msg("%s: no file:line in: %s", c->name, errs.text);
		if (i == 0) {
			assert_string_equal(cfg.bridge, "br-x");
			assert_string_equal(cfg.tun, "lisp9");
			assert_false(cfg.manage_bridge);
			assert_false(cfg.nd_redirect_filter);
			assert_int_equal(cfg.host_timeout_s, 60);
			assert_int_equal(cfg.probes, 2);
			assert_int_equal(cfg.tun_mtu, 1444);
			assert_int_equal(cfg.max_hosts, 100);
			assert_memory_equal(cfg.gw_mac, GW, 6);
			struct ipaddr g4 = A("198.51.100.1"), g6 = A("2001:db8:100::1");
			assert_true(ipaddr_eq(&cfg.gw4, &g4));
			assert_int_equal(cfg.gw4_plen, 24);
			assert_true(ipaddr_eq(&cfg.gw6, &g6));
			assert_int_equal(cfg.gw6_plen, 64);
			assert_int_equal(cfg.nsubnets, 2);
			assert_int_equal(cfg.ndynamic, 2);
			assert_int_equal(cfg.dynamic[0].plen, 25);
		} else if (i == 1) {
			assert_string_equal(cfg.bridge, "br-vm");
			assert_string_equal(cfg.tun, "lisp0");
			assert_true(cfg.manage_bridge);
			assert_true(cfg.nd_redirect_filter);
			assert_int_equal(cfg.host_timeout_s, SITE_DEF_HOST_TIMEOUT_S);
			assert_int_equal(cfg.probes, SITE_DEF_PROBES);
			assert_int_equal(cfg.tun_mtu, 0);
		}
		cfg_free(doc);
	}
}

/* ------------------------------------------------------------------ counted sends */
/* An NA or probe the kernel refuses is a send error, never an answered NS / a probe sent
 * (site.c counts ns_answered and probes_sent through this). */
static void test_send_counted(void **state)
{
	(void)state;
	int sv[2];
	uint8_t frame[64] = {0}, got[64];
	uint64_t sent = 0, errors = 0;
	struct buf w;

	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	buf_init_write(&w, frame, sizeof(frame));
	assert_int_equal(buf_add_zero(&w, 60), 0);
	assert_int_equal(site_send_counted(sv[0], &w, &sent, &errors), 0);
	assert_int_equal(sent, 1);
	assert_int_equal(errors, 0);
	assert_int_equal(recv(sv[1], got, sizeof(got), 0), 60);
	close(sv[1]); /* the peer is gone: the send is refused */
	assert_int_equal(site_send_counted(sv[0], &w, &sent, &errors), -1);
	assert_int_equal(sent, 1);
	assert_int_equal(errors, 1);
	close(sv[0]);
	assert_int_equal(site_send_counted(-1, &w, &sent, &errors), -1); /* no socket */
	assert_int_equal(sent, 1);
	assert_int_equal(errors, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_classify, setup_ctx),
	    cmocka_unit_test_setup(test_empty_frame, setup_ctx),
	    cmocka_unit_test_setup(test_na, setup_ctx),
	    cmocka_unit_test_setup(test_probes, setup_ctx),
	    cmocka_unit_test(test_hosts),
	    cmocka_unit_test(test_mac_table),
	    cmocka_unit_test(test_cfg),
	    cmocka_unit_test(test_send_counted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
