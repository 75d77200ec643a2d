/* SPDX-License-Identifier: ISC */
/* tests/unit/test_bgp_mapping.c - proto/bgp_mapping: a host mapping -> BGP paths -> UPDATE
 * bytes -> parsed paths -> the same mapping, for IPv4/IPv6 EIDs over IPv4/IPv6 RLOCs, several
 * RLOCs with ADD-PATH, instance IDs (0: unicast; others: VPN-IPv4/-IPv6 with RD AS:IID and
 * label 3) and map versions; the exact bytes of one unicast and one VPN path (the worked
 * examples of docs/bgp-mappings.md); path-ID stability; version ordering; withdraws. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "proto/bgp_mapping.h"

#define LOCAL_AS 65001u

#define ALL_AIDS BGP_AID_ALL_MASK
#define V4_AIDS	 (BGP_AID_BIT(BGP_AID_IPV4) | BGP_AID_BIT(BGP_AID_VPNV4))

static const struct bgp_sess_opts opts_ap = {.as4 = true,
					     .ibgp = true,
					     .mp = ALL_AIDS,
					     .addpath_rx = ALL_AIDS,
					     .addpath_tx = ALL_AIDS,
					     .ext_nh = V4_AIDS};
static const struct bgp_sess_opts opts_noext = {
    .as4 = true, .ibgp = true, .mp = ALL_AIDS, .addpath_rx = ALL_AIDS, .addpath_tx = ALL_AIDS};

struct map_case {
	const char *name;
	const char *eid; /* "[iid]addr/len" */
	uint16_t version;
	uint32_t ttl;
	const char *rloc[4];
	uint8_t prio[4], weight[4];
};

static const struct map_case map_cases[] = {
    {"v4-eid-v4-rloc", "198.51.100.5/32", 1, 1440, {"192.0.2.10"}, {1}, {100}},
    {"v4-eid-three-rlocs-addpath",
     "198.51.100.6/32",
     17,
     60,
     {"192.0.2.10", "192.0.2.11", "192.0.2.12"},
     {1, 1, 2},
     {50, 50, 100}},
    {"v6-eid-v4-rloc", "2001:db8:100::5/128", 4095, 5, {"192.0.2.20"}, {3}, {10}},
    {"v6-eid-v6-and-v4-rlocs",
     "[42]2001:db8:100::6/128",
     2,
     30,
     {"2001:db8::1", "192.0.2.21"},
     {1, 2},
     {100, 0}},
    {"v4-eid-v6-rloc", "[7]198.51.100.7/32", 0, 1, {"2001:db8::2"}, {255}, {1}},
    {"v4-eid-iid-max",
     "[16777215]198.51.100.8/32",
     100,
     1,
     {"192.0.2.30", "2001:db8::3"},
     {0, 0},
     {255, 1}},
    {"v4-aggregate-prefix", "[3]198.51.100.0/24", 9, 10, {"192.0.2.40"}, {1}, {100}},
    {"vpnv4-two-rlocs", "[1]198.51.100.5/32", 2, 60, {"192.0.2.1", "192.0.2.3"}, {1, 2}, {100, 50}},
    {"vpnv6-eid-v4-rloc", "[2]2001:db8:100::5/128", 7, 60, {"192.0.2.2"}, {1}, {100}},
    {"v6-eid-iid0-v6-rloc", "2001:db8:100::9/128", 1, 60, {"2001:db8::9"}, {1}, {100}},
};

static void make_mapping(const struct map_case *c, struct bgp_host_mapping *m)
{
	memset(m, 0, sizeof(*m));
	assert_int_equal(prefix_parse(c->eid, &m->eid, false), 0);
	m->version = c->version;
	m->ttl = c->ttl;
	for (unsigned i = 0; i < 4 && c->rloc[i]; i++) {
		assert_int_equal(ipaddr_parse(c->rloc[i], &m->loc[i].rloc), 0);
		m->loc[i].priority = c->prio[i];
		m->loc[i].weight = c->weight[i];
		m->n_loc++;
	}
}

/* Every path through a real UPDATE and back, folded into a mapping. */
static void test_mapping_round_trip(void **state)
{
	(void)state;
	for (size_t ci = 0; ci < nitems(map_cases); ci++) {
		const struct map_case *c = &map_cases[ci];
		struct bgp_host_mapping m, back;
		print_message("mapping %s\n", c->name);
		make_mapping(c, &m);
		assert_int_equal(bgp_mapping_check(&m, NULL), 0);
		memset(&back, 0, sizeof(back));
		for (unsigned i = 0; i < m.n_loc; i++) {
			struct bgp_map_path p;
			uint8_t msg[BGP_MAX_LEN];
			struct buf w, b;
			size_t fitted;
			struct bgp_msg pm;
			struct bgp_err err;
			bool vpn = m.eid.iid != 0;
			assert_int_equal(
			    bgp_mapping_encode_path(&m, i, LOCAL_AS, false, &opts_ap, &p, NULL), 0);
			/* IID 0 unicast, any other a VPN route with RD 65001:IID and label 3 */
			assert_int_equal(p.route.prefix.iid, m.eid.iid);
			assert_int_equal(p.route.vpn, vpn);
			assert_int_equal(p.safi, vpn ? BGP_SAFI_VPN : BGP_SAFI_UNICAST);
			assert_int_equal(p.route.path_id, bgp_map_path_id(&m.loc[i].rloc));
			buf_init_write(&w, msg, sizeof(msg));
			assert_int_equal(bgp_build_update_af(&w, &opts_ap, &p.attrs, p.afi, p.safi,
							     &p.route, 1, 0, &fitted, NULL),
					 0);
			assert_int_equal(fitted, 1);
			buf_init_read(&b, msg, buf_len(&w));
			assert_int_equal(bgp_msg_parse(&b, &opts_ap, &pm, &err), 0);
			const struct bgp_update *u = &pm.u.update;
			assert_int_equal(u->action, BGP_ACT_NONE);
			/* where the NLRI went */
			const struct bgp_nlri_list *l =
			    u->nlri.count ? &u->nlri : &u->attrs.mp_reach;
			bool v4v4 =
			    m.eid.afi == LISP_AFI_IPV4 && m.loc[i].rloc.afi == LISP_AFI_IPV4;
			assert_int_equal(u->nlri.count, v4v4 && !vpn ? 1 : 0);
			assert_int_equal(l->afi, m.eid.afi == LISP_AFI_IPV4 ? 1 : 2);
			assert_int_equal(l->safi, p.safi);
			if (m.eid.afi == LISP_AFI_IPV6 && m.loc[i].rloc.afi == LISP_AFI_IPV4) {
				/* IPv4-mapped next hop */
				assert_int_equal(u->attrs.mp_nh[0].afi, LISP_AFI_IPV6);
				assert_int_equal(u->attrs.mp_nh[0].a[10], 0xff);
				assert_int_equal(u->attrs.mp_nh[0].a[11], 0xff);
			}
			assert_true(bgp_attrs_has_community(&u->attrs, BGP_COMM_NO_EXPORT));
			assert_int_equal(u->attrs.local_pref, 255u - m.loc[i].priority);
			struct bgp_nlri_iter it;
			struct bgp_route r;
			bgp_nlri_iter_init(&it, l);
			assert_int_equal(bgp_nlri_next(&it, &r), 1);
			assert_int_equal(r.vpn, vpn);
			if (vpn) { /* decoded RD and label */
				char rd[32];
				assert_int_equal(r.rd, ((uint64_t)LOCAL_AS << 32) | m.eid.iid);
				bgp_rd_str(r.rd, rd, sizeof(rd));
				assert_int_equal(r.label, 0x31); /* label 3, S = 1 */
				assert_int_equal(r.prefix.iid, m.eid.iid);
			}
			struct bgp_map_path_info info;
			assert_int_equal(
			    bgp_mapping_decode_path(&r, &u->attrs, LOCAL_AS, &info, NULL), 0);
			assert_true(prefix_eq(&info.eid, &m.eid));
			assert_int_equal(info.version, m.version);
			assert_int_equal(info.ttl, m.ttl);
			assert_int_equal(info.path_id, p.route.path_id);
			assert_true(ipaddr_eq(&info.loc.rloc, &m.loc[i].rloc));
			assert_int_equal(info.loc.priority, m.loc[i].priority);
			assert_int_equal(info.loc.weight, m.loc[i].weight);
			assert_int_equal(bgp_mapping_merge(&back, &info), 0);
		}
		assert_true(prefix_eq(&back.eid, &m.eid));
		assert_int_equal(back.version, m.version);
		assert_int_equal(back.n_loc, m.n_loc);
		for (unsigned i = 0; i < m.n_loc; i++) {
			assert_true(ipaddr_eq(&back.loc[i].rloc, &m.loc[i].rloc));
			assert_int_equal(back.loc[i].priority, m.loc[i].priority);
			assert_int_equal(back.loc[i].weight, m.loc[i].weight);
		}
	}
}

/* The exact UPDATE for 198.51.100.5/32 (instance ID 0) -> 192.0.2.10 prio 1 weight 100,
 * version 3, TTL 1440 min, ADD-PATH on, iBGP: docs/bgp-mappings.md "Worked example". */
static void test_mapping_bytes(void **state)
{
	(void)state;
	struct bgp_host_mapping m;
	struct bgp_map_path p;
	uint8_t msg[256];
	struct buf w;
	size_t fitted;
	memset(&m, 0, sizeof(m));
	prefix_parse("198.51.100.5/32", &m.eid, false);
	m.version = 3;
	m.ttl = 1440;
	m.n_loc = 1;
	ipaddr_parse("192.0.2.10", &m.loc[0].rloc);
	m.loc[0].priority = 1;
	m.loc[0].weight = 100;
	assert_int_equal(bgp_mapping_encode_path(&m, 0, LOCAL_AS, false, &opts_ap, &p, NULL), 0);
	buf_init_write(&w, msg, sizeof(msg));
	assert_int_equal(
	    bgp_build_update(&w, &opts_ap, &p.attrs, p.afi, &p.route, 1, 0, &fitted, NULL), 0);
	const uint8_t want[] = {
	    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0x00, 0x7b, 0x02, 0x00, 0x00, 0x00, 0x5b,
	    /* ORIGIN IGP */
	    0x40, 0x01, 0x01, 0x00,
	    /* AS_PATH empty (iBGP) */
	    0x40, 0x02, 0x00,
	    /* NEXT_HOP 192.0.2.10 */
	    0x40, 0x03, 0x04, 0xc0, 0x00, 0x02, 0x0a,
	    /* LOCAL_PREF 254 */
	    0x40, 0x05, 0x04, 0x00, 0x00, 0x00, 0xfe,
	    /* COMMUNITIES NO_EXPORT */
	    0xc0, 0x08, 0x04, 0xff, 0xff, 0xff, 0x01,
	    /* LARGE_COMMUNITY x5: 65001:1:1 65001:2:100 65001:3:0 65001:4:3 65001:5:1440 */
	    0xc0, 0x20, 0x3c, 0x00, 0x00, 0xfd, 0xe9, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	    0x01, 0x00, 0x00, 0xfd, 0xe9, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x64, 0x00,
	    0x00, 0xfd, 0xe9, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xfd,
	    0xe9, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0xfd, 0xe9, 0x00,
	    0x00, 0x00, 0x05, 0x00, 0x00, 0x05, 0xa0,
	    /* NLRI: path id = the RLOC 0xc000020a, 198.51.100.5/32 */
	    0xc0, 0x00, 0x02, 0x0a, 0x20, 0xc6, 0x33, 0x64, 0x05};
	assert_int_equal(buf_len(&w), sizeof(want));
	assert_memory_equal(msg, want, sizeof(want));

	/* eBGP: AS_PATH = local AS, no LOCAL_PREF */
	assert_int_equal(bgp_mapping_encode_path(&m, 0, LOCAL_AS, true, &opts_ap, &p, NULL), 0);
	assert_false(bgp_attr_has(&p.attrs, BGP_ATTR_LOCAL_PREF));
	assert_int_equal(bgp_aspath_length(&p.attrs), 1);
}

/* The same mapping in instance ID 42 (a tenant): a VPN-IPv4 route, docs/bgp-mappings.md
 * "Worked example: a tenant". */
static const uint8_t vpn_update[] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x00, 0x94, /* length 148 */
    0x02,	/* UPDATE */
    0x00, 0x00, /* withdrawn routes length 0 */
    0x00, 0x7d, /* path attributes length 125 */
    /* MP_REACH_NLRI, optional + extended length, 37 bytes */
    0x90, 0x0e, 0x00, 0x25,
    /* AFI 1, SAFI 128, next hop length 12: RD 0 + 192.0.2.10, reserved */
    0x00, 0x01, 0x80, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x02, 0x0a,
    0x00,
    /* NLRI: path id 0xc000020a, length 120 bits = 24 label + 64 RD + 32 prefix */
    0xc0, 0x00, 0x02, 0x0a, 0x78,
    /* label 3 (implicit null), TC 0, S 1 */
    0x00, 0x00, 0x31,
    /* RD type 0, administrator 65001, assigned number 42 (the instance ID) */
    0x00, 0x00, 0xfd, 0xe9, 0x00, 0x00, 0x00, 0x2a,
    /* 198.51.100.5 */
    0xc6, 0x33, 0x64, 0x05,
    /* ORIGIN IGP, AS_PATH empty, LOCAL_PREF 254, COMMUNITIES NO_EXPORT */
    0x40, 0x01, 0x01, 0x00, 0x40, 0x02, 0x00, 0x40, 0x05, 0x04, 0x00, 0x00, 0x00, 0xfe, 0xc0, 0x08,
    0x04, 0xff, 0xff, 0xff, 0x01,
    /* LARGE_COMMUNITY x5: 65001:1:1 65001:2:100 65001:3:42 65001:4:3 65001:5:1440 */
    0xc0, 0x20, 0x3c, 0x00, 0x00, 0xfd, 0xe9, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00,
    0x00, 0xfd, 0xe9, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0xfd, 0xe9, 0x00,
    0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x00, 0xfd, 0xe9, 0x00, 0x00, 0x00, 0x04, 0x00,
    0x00, 0x00, 0x03, 0x00, 0x00, 0xfd, 0xe9, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x05, 0xa0};

static void test_mapping_bytes_vpn(void **state)
{
	(void)state;
	struct bgp_host_mapping m;
	struct bgp_map_path p;
	uint8_t msg[256];
	struct buf w, b;
	size_t fitted;
	struct bgp_msg pm;
	struct bgp_err err;
	memset(&m, 0, sizeof(m));
	prefix_parse("[42]198.51.100.5/32", &m.eid, false);
	m.version = 3;
	m.ttl = 1440;
	m.n_loc = 1;
	ipaddr_parse("192.0.2.10", &m.loc[0].rloc);
	m.loc[0].priority = 1;
	m.loc[0].weight = 100;
	assert_int_equal(bgp_mapping_encode_path(&m, 0, LOCAL_AS, false, &opts_ap, &p, NULL), 0);
	assert_int_equal(p.safi, BGP_SAFI_VPN);
	buf_init_write(&w, msg, sizeof(msg));
	assert_int_equal(bgp_build_update_af(&w, &opts_ap, &p.attrs, p.afi, p.safi, &p.route, 1, 0,
					     &fitted, NULL),
			 0);
	assert_int_equal(buf_len(&w), sizeof(vpn_update));
	assert_memory_equal(msg, vpn_update, sizeof(vpn_update));

	/* and back: RD -> instance ID 42, label 3, next hop without its RD */
	buf_init_read(&b, vpn_update, sizeof(vpn_update));
	assert_int_equal(bgp_msg_parse(&b, &opts_ap, &pm, &err), 0);
	const struct bgp_update *u = &pm.u.update;
	assert_int_equal(u->action, BGP_ACT_NONE);
	assert_int_equal(u->nlri.count, 0);
	assert_int_equal(u->attrs.mp_reach.afi, BGP_AFI_IPV4);
	assert_int_equal(u->attrs.mp_reach.safi, BGP_SAFI_VPN);
	assert_int_equal(u->attrs.mp_reach.count, 1);
	char s[PREFIX_STRLEN];
	assert_string_equal(ipaddr_str(&u->attrs.mp_nh[0], s, sizeof(s)), "192.0.2.10");
	struct bgp_nlri_iter it;
	struct bgp_route r;
	bgp_nlri_iter_init(&it, &u->attrs.mp_reach);
	assert_int_equal(bgp_nlri_next(&it, &r), 1);
	assert_true(r.vpn);
	assert_int_equal(r.label >> 4, BGP_LABEL_IMPLICIT_NULL);
	assert_int_equal(r.label & BGP_LABEL_BOS, 1);
	bgp_rd_str(r.rd, s, sizeof(s));
	assert_string_equal(s, "65001:42");
	assert_string_equal(prefix_str(&r.prefix, s, sizeof(s)), "[42]198.51.100.5/32");
	assert_int_equal(r.path_id, 0xc000020a);
	struct bgp_map_path_info info;
	assert_int_equal(bgp_mapping_decode_path(&r, &u->attrs, 0, &info, NULL), 0);
	assert_int_equal(info.eid.iid, 42);
	assert_string_equal(ipaddr_str(&info.loc.rloc, s, sizeof(s)), "192.0.2.10");
	assert_int_equal(info.version, 3);
	/* re-encoded byte for byte */
	buf_init_write(&w, msg, sizeof(msg));
	assert_int_equal(bgp_build_update_raw(&w, u, &opts_ap, NULL), 0);
	assert_int_equal(buf_len(&w), sizeof(vpn_update));
	assert_memory_equal(msg, vpn_update, sizeof(vpn_update));

	/* the RD wins over a contradicting fn 3; an RD naming no instance ID is no mapping */
	r.prefix.iid = 7;
	assert_int_equal(bgp_mapping_decode_path(&r, &u->attrs, 0, &info, NULL), 0);
	assert_int_equal(info.eid.iid, 7);
	r.prefix.iid = 0;
	struct proto_err e;
	assert_int_equal(bgp_mapping_decode_path(&r, &u->attrs, 0, &info, &e), -1);
	assert_int_equal(e.code, PERR_BAD_VALUE);

	/* a 4-octet local AS: the RD's administrator is AS_TRANS */
	assert_int_equal(bgp_rd_make(4200000000u, 42), ((uint64_t)BGP_AS_TRANS << 32) | 42);
	/* IPv4 EID over an IPv6 RLOC in a tenant: RFC 8950 for VPN-IPv4 */
	ipaddr_parse("2001:db8::1", &m.loc[0].rloc);
	assert_int_equal(bgp_mapping_encode_path(&m, 0, LOCAL_AS, false, &opts_noext, &p, &e), -1);
	assert_int_equal(e.code, PERR_BAD_AFI);
	assert_int_equal(bgp_mapping_encode_path(&m, 0, LOCAL_AS, false, &opts_ap, &p, NULL), 0);
	buf_init_write(&w, msg, sizeof(msg));
	assert_int_equal(bgp_build_update_af(&w, &opts_ap, &p.attrs, p.afi, p.safi, &p.route, 1, 0,
					     &fitted, NULL),
			 0);
	assert_int_equal(msg[BGP_HDR_LEN + 4 + 4 + 3], 24); /* next hop: RD + IPv6 */
	struct bgp_sess_opts unicast_only = opts_ap;
	unicast_only.ext_nh = BGP_AID_BIT(BGP_AID_IPV4);
	buf_init_write(&w, msg, sizeof(msg));
	assert_int_equal(bgp_build_update_af(&w, &unicast_only, &p.attrs, p.afi, p.safi, &p.route,
					     1, 0, &fitted, &e),
			 -1);
}

static void test_path_ids(void **state)
{
	(void)state;
	struct ipaddr a, b;
	ipaddr_parse("192.0.2.10", &a);
	assert_int_equal(bgp_map_path_id(&a), 0xc000020a);
	ipaddr_parse("0.0.0.0", &a);
	assert_int_equal(bgp_map_path_id(&a), 1);
	ipaddr_parse("2001:db8::1", &a);
	ipaddr_parse("2001:db8::2", &b);
	uint32_t ia = bgp_map_path_id(&a);
	assert_int_equal(ia, bgp_map_path_id(&a)); /* stable */
	assert_int_not_equal(ia, bgp_map_path_id(&b));
	assert_int_not_equal(ia, 0);
	/* FNV-1a-32 of the 16 bytes, fixed here so a change of the derivation is noticed */
	uint32_t h = 2166136261u;
	for (int i = 0; i < 16; i++) {
		h ^= a.a[i];
		h *= 16777619u;
	}
	assert_int_equal(ia, h);
}

static void test_check_errors(void **state)
{
	(void)state;
	struct bgp_host_mapping m;
	struct bgp_map_path p;
	struct proto_err e;
	make_mapping(&map_cases[1], &m);
	/* same RLOC twice = same path id */
	m.loc[2].rloc = m.loc[0].rloc;
	assert_int_equal(bgp_mapping_check(&m, &e), -1);
	assert_int_equal(e.code, PERR_BAD_VALUE);
	make_mapping(&map_cases[1], &m);
	m.n_loc = 0;
	assert_int_equal(bgp_mapping_check(&m, &e), -1);
	make_mapping(&map_cases[1], &m);
	m.version = 4096;
	assert_int_equal(bgp_mapping_check(&m, &e), -1);
	make_mapping(&map_cases[1], &m);
	m.eid.iid = 1u << 24;
	assert_int_equal(bgp_mapping_check(&m, &e), -1);
	make_mapping(&map_cases[1], &m);
	assert_int_equal(bgp_mapping_encode_path(&m, 3, LOCAL_AS, false, &opts_ap, &p, &e), -1);
	/* IPv4 EID over an IPv6 RLOC without extended next hop */
	make_mapping(&map_cases[4], &m);
	assert_int_equal(bgp_mapping_encode_path(&m, 0, LOCAL_AS, false, &opts_noext, &p, &e), -1);
	assert_int_equal(e.code, PERR_BAD_AFI);
	/* a decoded path without any next hop */
	struct bgp_attrs a;
	struct bgp_route r;
	struct bgp_map_path_info info;
	memset(&a, 0, sizeof(a));
	bgp_mapping_route(&m, 0, LOCAL_AS, &r);
	assert_int_equal(bgp_mapping_decode_path(&r, &a, 0, &info, &e), -1);
}

static void test_decode_fallbacks(void **state)
{
	(void)state;
	struct bgp_attrs a;
	struct bgp_route r;
	struct bgp_map_path_info info;
	uint8_t store[128];
	struct buf st;
	memset(&a, 0, sizeof(a));
	memset(&r, 0, sizeof(r));
	prefix_parse("198.51.100.9/32", &r.prefix, false);
	ipaddr_parse("192.0.2.50", &a.next_hop);
	bgp_attr_set(&a, BGP_ATTR_NEXT_HOP);
	/* plain BGP route: priority from LOCAL_PREF, default weight and TTL */
	a.local_pref = 250;
	bgp_attr_set(&a, BGP_ATTR_LOCAL_PREF);
	assert_int_equal(bgp_mapping_decode_path(&r, &a, LOCAL_AS, &info, NULL), 0);
	assert_int_equal(info.loc.priority, 5);
	assert_int_equal(info.loc.weight, BGP_MAP_DEFAULT_WEIGHT);
	assert_int_equal(info.ttl, BGP_MAP_DEFAULT_TTL);
	assert_int_equal(info.eid.iid, 0);
	/* large communities of another AS are ignored when filtering, used with as = 0 */
	const struct bgp_lcomm lc[] = {{64999, BGP_MAP_FN_PRIORITY, 9},
				       {64999, BGP_MAP_FN_IID, 77},
				       {LOCAL_AS, BGP_MAP_FN_WEIGHT, 33},
				       {LOCAL_AS, 99, 1},
				       {LOCAL_AS, BGP_MAP_FN_PRIORITY, 300}};
	buf_init_write(&st, store, sizeof(store));
	assert_int_equal(bgp_attrs_set_large_comms(&a, &st, lc, nitems(lc)), 0);
	assert_int_equal(bgp_mapping_decode_path(&r, &a, LOCAL_AS, &info, NULL), 0);
	assert_int_equal(info.loc.priority, 5); /* 300 is out of range: fallback */
	assert_int_equal(info.loc.weight, 33);
	assert_int_equal(info.eid.iid, 0);
	assert_int_equal(bgp_mapping_decode_path(&r, &a, 0, &info, NULL), 0);
	assert_int_equal(info.loc.priority, 9);
	assert_int_equal(info.eid.iid, 77);
	/* no LOCAL_PREF either: priority 1 */
	a.present &= ~((uint64_t)1 << BGP_ATTR_LOCAL_PREF);
	assert_int_equal(bgp_mapping_decode_path(&r, &a, LOCAL_AS, &info, NULL), 0);
	assert_int_equal(info.loc.priority, 1);
}

/* One UPDATE with IPv4 routes in the NLRI field (NEXT_HOP) and IPv6 routes in MP_REACH
 * (RFC 4760 §3): each route takes the next hop of the field it came in. */
static void test_decode_mixed_update(void **state)
{
	(void)state;
	struct bgp_attrs a;
	struct bgp_route r4, r6;
	struct bgp_map_path_info info;
	char s[IPADDR_STRLEN];
	memset(&a, 0, sizeof(a));
	memset(&r4, 0, sizeof(r4));
	memset(&r6, 0, sizeof(r6));
	prefix_parse("198.51.100.9/32", &r4.prefix, false);
	prefix_parse("2001:db8:5::9/128", &r6.prefix, false);
	ipaddr_parse("192.0.2.50", &a.next_hop);
	bgp_attr_set(&a, BGP_ATTR_NEXT_HOP);
	a.n_mp_nh = 1;
	ipaddr_parse("2001:db8:ffff::1", &a.mp_nh[0]);
	a.mp_reach.afi = BGP_AFI_IPV6;
	a.mp_reach.safi = BGP_SAFI_UNICAST;
	bgp_attr_set(&a, BGP_ATTR_MP_REACH);
	assert_int_equal(bgp_mapping_decode_path(&r4, &a, 0, &info, NULL), 0);
	assert_string_equal(ipaddr_str(&info.loc.rloc, s, sizeof(s)), "192.0.2.50");
	assert_int_equal(bgp_mapping_decode_path(&r6, &a, 0, &info, NULL), 0);
	assert_string_equal(ipaddr_str(&info.loc.rloc, s, sizeof(s)), "2001:db8:ffff::1");
	/* MP_REACH for AFI 1 (RFC 8950 IPv6 next hop): it is the IPv4 route's next hop */
	a.mp_reach.afi = BGP_AFI_IPV4;
	assert_int_equal(bgp_mapping_decode_path(&r4, &a, 0, &info, NULL), 0);
	assert_string_equal(ipaddr_str(&info.loc.rloc, s, sizeof(s)), "2001:db8:ffff::1");
}

static void test_versions_and_withdraw(void **state)
{
	(void)state;
	struct bgp_host_mapping m;
	struct bgp_map_path_info p;
	memset(&m, 0, sizeof(m));
	memset(&p, 0, sizeof(p));
	prefix_parse("[5]198.51.100.5/32", &p.eid, false);
	p.ttl = 60;
	p.version = 4094;
	ipaddr_parse("192.0.2.1", &p.loc.rloc);
	p.loc.priority = 1;
	assert_int_equal(bgp_mapping_merge(&m, &p), 0);
	ipaddr_parse("192.0.2.2", &p.loc.rloc);
	assert_int_equal(bgp_mapping_merge(&m, &p), 0);
	assert_int_equal(m.n_loc, 2);
	/* same RLOC again replaces, does not add */
	p.loc.weight = 7;
	assert_int_equal(bgp_mapping_merge(&m, &p), 0);
	assert_int_equal(m.n_loc, 2);
	assert_int_equal(m.loc[1].weight, 7);
	/* the VM moved: version 4095 -> 1 wraps and is newer; the set is replaced */
	p.version = 1;
	ipaddr_parse("192.0.2.3", &p.loc.rloc);
	assert_int_equal(bgp_mapping_merge(&m, &p), 0);
	assert_int_equal(m.n_loc, 1);
	assert_int_equal(m.version, 1);
	assert_true(ipaddr_eq(&m.loc[0].rloc, &p.loc.rloc));
	/* a reordered stale update (4094) is ignored */
	p.version = 4094;
	ipaddr_parse("192.0.2.1", &p.loc.rloc);
	assert_int_equal(bgp_mapping_merge(&m, &p), 1);
	assert_int_equal(m.n_loc, 1);
	/* another EID is refused */
	prefix_parse("[6]198.51.100.5/32", &p.eid, false);
	p.version = 1;
	assert_int_equal(bgp_mapping_merge(&m, &p), -1);
	/* withdraw by path id */
	struct ipaddr r3;
	ipaddr_parse("192.0.2.3", &r3);
	assert_int_equal(bgp_mapping_withdraw(&m, 12345), -1);
	assert_int_equal(bgp_mapping_withdraw(&m, bgp_map_path_id(&r3)), 0);
	assert_int_equal(m.n_loc, 0);
}

/* A move as the speaker sends it: new path UPDATE + withdraw of the old path id. */
static void test_move_withdraw_message(void **state)
{
	(void)state;
	struct bgp_host_mapping m;
	struct bgp_route old;
	uint8_t msg[128];
	struct buf w, b;
	size_t fitted;
	struct bgp_msg pm;
	make_mapping(&map_cases[3], &m); /* IPv6 EID of IID 42 (VPN-IPv6), two RLOCs */
	bgp_mapping_route(&m, 1, LOCAL_AS, &old);
	buf_init_write(&w, msg, sizeof(msg));
	assert_int_equal(bgp_build_withdraw_af(&w, &opts_ap, BGP_AFI_IPV6, BGP_SAFI_VPN, &old, 1, 0,
					       &fitted, NULL),
			 0);
	buf_init_read(&b, msg, buf_len(&w));
	assert_int_equal(bgp_msg_parse(&b, &opts_ap, &pm, NULL), 0);
	struct bgp_nlri_iter it;
	struct bgp_route r;
	bgp_nlri_iter_init(&it, &pm.u.update.attrs.mp_unreach);
	assert_int_equal(bgp_nlri_next(&it, &r), 1);
	assert_int_equal(r.path_id, bgp_map_path_id(&m.loc[1].rloc));
	assert_true(prefix_eq(&r.prefix, &old.prefix));
	assert_true(r.vpn);
	assert_int_equal(r.label, BGP_LABEL_WITHDRAW); /* RFC 8277 §2.4 Compatibility field */
	assert_int_equal(bgp_mapping_withdraw(&m, r.path_id), 1);
	assert_int_equal(m.n_loc, 1);
}

/* The registration time (fn 6 seconds, fn 7 milliseconds): sent only when known, decoded
 * back; the order of two Map-Servers' mappings (bgp_mapping_newer); a later time replaces
 * the locator set whatever the versions (docs/bgp-mappings.md "Ordering"). */
static void test_registration_time(void **state)
{
	(void)state;
	struct bgp_host_mapping m, o;
	struct bgp_map_path mp;
	struct bgp_map_path_info info;
	make_mapping(&map_cases[0], &m);
	m.reg_ms = 1716380000123ull;
	assert_int_equal(bgp_mapping_encode_path(&m, 0, LOCAL_AS, false, &opts_ap, &mp, NULL), 0);
	assert_int_equal(bgp_attrs_n_large_comms(&mp.attrs), 7);
	struct bgp_lcomm l6 = bgp_attrs_large_comm(&mp.attrs, 5),
			 l7 = bgp_attrs_large_comm(&mp.attrs, 6);
	assert_int_equal(l6.local1, BGP_MAP_FN_REG_S);
	assert_int_equal(l6.local2, 1716380000u);
	assert_int_equal(l7.local1, BGP_MAP_FN_REG_MS);
	assert_int_equal(l7.local2, 123);
	assert_int_equal(bgp_mapping_decode_path(&mp.route, &mp.attrs, 0, &info, NULL), 0);
	assert_true(info.reg_ms == 1716380000123ull);
	/* unknown: not sent, decoded as 0 */
	m.reg_ms = 0;
	assert_int_equal(bgp_mapping_encode_path(&m, 0, LOCAL_AS, false, &opts_ap, &mp, NULL), 0);
	assert_int_equal(bgp_attrs_n_large_comms(&mp.attrs), 5);
	assert_int_equal(bgp_mapping_decode_path(&mp.route, &mp.attrs, 0, &info, NULL), 0);
	assert_true(info.reg_ms == 0);

	/* the order between two Map-Servers' mappings */
	make_mapping(&map_cases[0], &m);
	o = m;
	m.reg_ms = 2000, m.version = 1;
	o.reg_ms = 1000, o.version = 9; /* a higher version of another Map-Server's counter */
	assert_int_equal(bgp_mapping_newer(&m, &o), 1);
	assert_int_equal(bgp_mapping_newer(&o, &m), -1);
	o.reg_ms = 0; /* no time on one side: no order here */
	assert_int_equal(bgp_mapping_newer(&m, &o), 0);
	o.reg_ms = 2000; /* same time, same locators: no order (either will do) */
	assert_int_equal(bgp_mapping_newer(&m, &o), 0);
	/* same time, other locators: a fixed order, the same from both sides */
	ipaddr_parse("192.0.2.99", &o.loc[0].rloc);
	int c = bgp_mapping_newer(&m, &o);
	assert_int_not_equal(c, 0);
	assert_int_equal(bgp_mapping_newer(&o, &m), -c);

	/* merging one originator's paths: a later time replaces the set, an older is ignored */
	struct bgp_host_mapping acc;
	memset(&acc, 0, sizeof(acc));
	memset(&info, 0, sizeof(info));
	prefix_parse("198.51.100.5/32", &info.eid, false);
	info.ttl = 60;
	info.version = 7;
	info.reg_ms = 5000;
	ipaddr_parse("192.0.2.1", &info.loc.rloc);
	assert_int_equal(bgp_mapping_merge(&acc, &info), 0);
	info.version = 2; /* an older version, but a later registration */
	info.reg_ms = 6000;
	ipaddr_parse("192.0.2.2", &info.loc.rloc);
	assert_int_equal(bgp_mapping_merge(&acc, &info), 0);
	assert_int_equal(acc.n_loc, 1);
	assert_true(acc.reg_ms == 6000);
	info.version = 8;
	info.reg_ms = 5500;
	assert_int_equal(bgp_mapping_merge(&acc, &info), 1);
	assert_int_equal(acc.n_loc, 1);
	assert_string_equal(ipaddr_str(&acc.loc[0].rloc, (char[IPADDR_STRLEN]){0}, IPADDR_STRLEN),
			    "192.0.2.2");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mapping_round_trip),
	    cmocka_unit_test(test_mapping_bytes),
	    cmocka_unit_test(test_mapping_bytes_vpn),
	    cmocka_unit_test(test_path_ids),
	    cmocka_unit_test(test_check_errors),
	    cmocka_unit_test(test_decode_fallbacks),
	    cmocka_unit_test(test_decode_mixed_update),
	    cmocka_unit_test(test_versions_and_withdraw),
	    cmocka_unit_test(test_move_withdraw_message),
	    cmocka_unit_test(test_registration_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
