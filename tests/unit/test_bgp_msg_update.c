/* SPDX-License-Identifier: ISC */
/* tests/unit/test_bgp_msg_update.c - proto/bgp_msg's UPDATE: round trips of UPDATE vectors
 * (ADD-PATH, MP_REACH/MP_UNREACH, withdraws), End-of-RIB, the UPDATE packer's limits and its
 * build errors, the NLRI iterator; VPN NLRI (SAFI 128): route distinguishers, labels and the
 * malformed cases, whole VPN UPDATEs, VPN capabilities. Framing, OPEN and the other messages
 * are in test_bgp_msg.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "proto/bgp.h"

#include "bgp_msg_testlib.h"

/* ---- UPDATE vectors (with ADD-PATH negotiated for both AIDs) ---- */
struct upd_vec {
	const char *name;
	uint8_t bytes[256];
	size_t len;
	uint32_t n_withdrawn, n_nlri, n_mp_reach, n_mp_unreach;
	uint32_t first_path_id;
};

static const struct upd_vec upd_vecs[] = {
    /* IPv4 host route with ADD-PATH: ORIGIN IGP, AS_PATH empty, NEXT_HOP 192.0.2.10,
     * LOCAL_PREF 254, NO_EXPORT, one large community 65001:1:1; 198.51.100.5/32 id
     * 0xc000020a */
    {"ipv4-announce-addpath",
     {MARKER, 0x00, 0x4b, 0x02, 0x00, 0x00, 0x00, 0x2b, 0x40, 0x01, 0x01, 0x00, 0x40, 0x02, 0x00,
      0x40,   0x03, 0x04, 0xc0, 0x00, 0x02, 0x0a, 0x40, 0x05, 0x04, 0x00, 0x00, 0x00, 0xfe, 0xc0,
      0x08,   0x04, 0xff, 0xff, 0xff, 0x01, 0xc0, 0x20, 0x0c, 0x00, 0x00, 0xfd, 0xe9, 0x00, 0x00,
      0x00,   0x01, 0x00, 0x00, 0x00, 0x01, 0xc0, 0x00, 0x02, 0x0a, 0x20, 0xc6, 0x33, 0x64, 0x05},
     75,
     0,
     1,
     0,
     0,
     0xc000020a},
    /* IPv6 2001:db8::5/128 over IPv4 RLOC: MP_REACH (extended length) AFI 2 next hop
     * ::ffff:192.0.2.10, path id 7; ORIGIN, AS_PATH 65001 */
    {"ipv6-announce-v4mapped",
     {MARKER, 0x00, 0x60, 0x02, 0x00, 0x00, 0x00, 0x49, 0x90, 0x0e, 0x00, 0x2a, 0x00, 0x02,
      0x01,   0x10, 0,	  0,	0,    0,    0,	  0,	0,    0,    0,	  0,	0xff, 0xff,
      0xc0,   0x00, 0x02, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x07, 0x80, 0x20, 0x01, 0x0d, 0xb8,
      0,      0,    0,	  0,	0,    0,    0,	  0,	0,    0,    0,	  0x05, 0x40, 0x01,
      0x01,   0x00, 0x40, 0x02, 0x06, 0x02, 0x01, 0x00, 0x00, 0xfd, 0xe9, 0x40, 0x05, 0x04,
      0x00,   0x00, 0x00, 0xff, 0xc0, 0x08, 0x04, 0xff, 0xff, 0xff, 0x01},
     96,
     0,
     0,
     1,
     0,
     7},
    /* IPv4 withdraws 198.51.100.5/32 id 1 and 198.51.100.0/24 id 2 */
    {"ipv4-withdraw",
     {MARKER, 0x00, 0x28, 0x02, 0x00, 0x11, 0x00, 0x00, 0x00, 0x01, 0x20, 0xc6, 0x33,
      0x64,   0x05, 0x00, 0x00, 0x00, 0x02, 0x18, 0xc6, 0x33, 0x64, 0x00, 0x00},
     40,
     2,
     0,
     0,
     0,
     1},
    /* IPv6 withdraw in MP_UNREACH */
    {"ipv6-withdraw",
     {MARKER, 0x00, 0x33, 0x02, 0x00, 0x00, 0x00, 0x1c, 0x90, 0x0f, 0x00, 0x18,
      0x00,   0x02, 0x01, 0x00, 0x00, 0x00, 0x07, 0x80, 0x20, 0x01, 0x0d, 0xb8,
      0,      0,    0,	  0,	0,    0,    0,	  0,	0,    0,    0,	  0x05},
     51,
     0,
     0,
     0,
     1,
     7},
    /* IPv4 NLRI with an IPv6 next hop (RFC 8950): MP_REACH AFI 1, next hop 2001:db8::1 */
    {"ipv4-over-ipv6-nexthop",
     {MARKER, 0x00, 0x47, 0x02, 0x00, 0x00, 0x00, 0x30, 0x90, 0x0e, 0x00, 0x1e, 0x00, 0x01,
      0x01,   0x10, 0x20, 0x01, 0x0d, 0xb8, 0,	  0,	0,    0,    0,	  0,	0,    0,
      0,      0,    0,	  0x01, 0x00, 0x00, 0x00, 0x00, 0x09, 0x20, 0xc6, 0x33, 0x64, 0x05,
      0x40,   0x01, 0x01, 0x00, 0x40, 0x02, 0x00, 0x40, 0x05, 0x04, 0x00, 0x00, 0x00, 0xfe},
     71,
     0,
     0,
     1,
     0,
     9},
    /* End-of-RIB IPv6 */
    {"ipv6-eor",
     {MARKER, 0x00, 0x1e, 0x02, 0x00, 0x00, 0x00, 0x07, 0x90, 0x0f, 0x00, 0x03, 0x00, 0x02, 0x01},
     30,
     0,
     0,
     0,
     0,
     0},
    /* global + link-local IPv6 next hop (length 32) */
    {"ipv6-nexthop-global-and-link-local",
     {MARKER, 0x00, 0x63, 0x02, 0x00, 0x00, 0x00, 0x4c, 0x90, 0x0e, 0x00, 0x3a, 0x00, 0x02,
      0x01,   0x20, 0x20, 0x01, 0x0d, 0xb8, 0,	  0,	0,    0,    0,	  0,	0,    0,
      0,      0,    0,	  0x01, 0xfe, 0x80, 0,	  0,	0,    0,    0,	  0,	0,    0,
      0,      0,    0,	  0,	0,    0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x80, 0x20, 0x01,
      0x0d,   0xb8, 0,	  0,	0,    0,    0,	  0,	0,    0,    0,	  0,	0,    0x05,
      0x40,   0x01, 0x01, 0x00, 0x40, 0x02, 0x00, 0x40, 0x05, 0x04, 0x00, 0x00, 0x00, 0x64},
     99,
     0,
     0,
     1,
     0,
     1},
};

static uint32_t list_first_id(const struct bgp_nlri_list *l)
{
	struct bgp_nlri_iter it;
	struct bgp_route r;
	bgp_nlri_iter_init(&it, l);
	return bgp_nlri_next(&it, &r) == 1 ? r.path_id : 0;
}

static void test_update_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < nitems(upd_vecs); i++) {
		const struct upd_vec *v = &upd_vecs[i];
		struct buf b;
		struct bgp_msg m;
		struct bgp_err err;
		print_message("update %s\n", v->name);
		buf_init_read(&b, v->bytes, v->len);
		assert_int_equal(bgp_msg_parse(&b, &opts_addpath, &m, &err), 0);
		const struct bgp_update *u = &m.u.update;
		assert_int_equal(u->action, BGP_ACT_NONE);
		assert_int_equal(u->n_problems, 0);
		assert_int_equal(u->withdrawn.count, v->n_withdrawn);
		assert_int_equal(u->nlri.count, v->n_nlri);
		assert_int_equal(
		    bgp_attr_has(&u->attrs, BGP_ATTR_MP_REACH) ? u->attrs.mp_reach.count : 0,
		    v->n_mp_reach);
		assert_int_equal(
		    bgp_attr_has(&u->attrs, BGP_ATTR_MP_UNREACH) ? u->attrs.mp_unreach.count : 0,
		    v->n_mp_unreach);
		uint32_t id = v->n_withdrawn	? list_first_id(&u->withdrawn)
			      : v->n_nlri	? list_first_id(&u->nlri)
			      : v->n_mp_reach	? list_first_id(&u->attrs.mp_reach)
			      : v->n_mp_unreach ? list_first_id(&u->attrs.mp_unreach)
						: 0;
		assert_int_equal(id, v->first_path_id);
		uint8_t out[BGP_MAX_LEN];
		struct buf w;
		buf_init_write(&w, out, sizeof(out));
		assert_int_equal(bgp_build_update_raw(&w, u, &opts_addpath, NULL), 0);
		assert_int_equal(buf_len(&w), v->len);
		assert_memory_equal(out, v->bytes, v->len);
		for (size_t n = 0; n < v->len; n++) {
			buf_init_read(&b, v->bytes, n);
			assert_int_equal(bgp_msg_parse(&b, &opts_addpath, &m, &err), -1);
			buf_init_read(&b, v->bytes, v->len);
			assert_int_equal(bgp_msg_parse(&b, &opts_addpath, &m, &err), 0);
			buf_init_write(&w, out, n);
			assert_int_equal(bgp_build_update_raw(&w, &m.u.update, &opts_addpath, NULL),
					 -1);
		}
		/* without ADD-PATH the same bytes do not parse as the same routes */
		buf_init_read(&b, v->bytes, v->len);
		if (bgp_msg_parse(&b, &opts_plain, &m, &err) == 0 && v->first_path_id)
			assert_int_not_equal(m.u.update.action, BGP_ACT_NONE);
	}
}

static void test_update_eor(void **state)
{
	(void)state;
	uint8_t out[64];
	struct buf w, b;
	struct bgp_msg m;
	struct bgp_err err;
	size_t fitted;
	uint16_t afi;
	uint8_t safi;

	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(
	    bgp_build_withdraw(&w, &opts_plain, BGP_AFI_IPV4, NULL, 0, 0, &fitted, NULL), 0);
	assert_int_equal(buf_len(&w), 23);
	buf_init_read(&b, out, buf_len(&w));
	assert_int_equal(bgp_msg_parse(&b, &opts_plain, &m, &err), 0);
	assert_true(bgp_update_is_eor(&m.u.update, &afi, &safi));
	assert_int_equal(afi, 1);

	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(
	    bgp_build_withdraw(&w, &opts_plain, BGP_AFI_IPV6, NULL, 0, 0, &fitted, NULL), 0);
	assert_memory_equal(out, upd_vecs[5].bytes, upd_vecs[5].len);
	buf_init_read(&b, out, buf_len(&w));
	assert_int_equal(bgp_msg_parse(&b, &opts_plain, &m, &err), 0);
	assert_true(bgp_update_is_eor(&m.u.update, &afi, &safi));
	assert_int_equal(afi, 2);
	assert_int_equal(safi, 1);

	/* an announcement is not an EoR */
	buf_init_read(&b, upd_vecs[0].bytes, upd_vecs[0].len);
	assert_int_equal(bgp_msg_parse(&b, &opts_addpath, &m, &err), 0);
	assert_false(bgp_update_is_eor(&m.u.update, &afi, &safi));
}

/* ---- the packer ---- */
#define NROUTES 2000
static struct bgp_route routes4[NROUTES], routes6[NROUTES];

static void make_routes(void)
{
	for (unsigned i = 0; i < NROUTES; i++) {
		struct bgp_route *r = &routes4[i];
		memset(r, 0, sizeof(*r));
		r->prefix.afi = LISP_AFI_IPV4;
		r->prefix.plen = 32;
		r->prefix.a[0] = 10;
		r->prefix.a[2] = (uint8_t)(i >> 8);
		r->prefix.a[3] = (uint8_t)i;
		r->path_id = i + 1;
		r = &routes6[i];
		memset(r, 0, sizeof(*r));
		r->prefix.afi = LISP_AFI_IPV6;
		r->prefix.plen = 128;
		r->prefix.a[0] = 0x20;
		r->prefix.a[1] = 0x01;
		r->prefix.a[14] = (uint8_t)(i >> 8);
		r->prefix.a[15] = (uint8_t)i;
		r->path_id = 1000 + i;
	}
}

static void base_attrs(struct bgp_attrs *a, bool v6)
{
	memset(a, 0, sizeof(*a));
	bgp_attr_set(a, BGP_ATTR_ORIGIN);
	bgp_attr_set(a, BGP_ATTR_AS_PATH); /* empty view */
	bgp_attr_set(a, BGP_ATTR_LOCAL_PREF);
	a->as_path_as4 = true;
	a->local_pref = 100;
	if (v6) {
		a->n_mp_nh = 1;
		ipaddr_parse("2001:db8::1", &a->mp_nh[0]);
	} else {
		bgp_attr_set(a, BGP_ATTR_NEXT_HOP);
		ipaddr_parse("192.0.2.1", &a->next_hop);
	}
}

/* Check one packed message: parses cleanly and carries routes[first .. first+n). */
static void check_packed(const uint8_t *msg, size_t len, const struct bgp_sess_opts *o,
			 const struct bgp_route *routes, size_t n, bool withdraw)
{
	struct buf b;
	struct bgp_msg m;
	struct bgp_err err;
	assert_true(len <= BGP_MAX_LEN);
	buf_init_read(&b, msg, len);
	assert_int_equal(bgp_msg_parse(&b, o, &m, &err), 0);
	const struct bgp_update *u = &m.u.update;
	assert_int_equal(u->action, BGP_ACT_NONE);
	const struct bgp_nlri_list *l =
	    routes[0].prefix.afi == LISP_AFI_IPV4
		? (withdraw ? &u->withdrawn : (u->nlri.count ? &u->nlri : &u->attrs.mp_reach))
		: (withdraw ? &u->attrs.mp_unreach : &u->attrs.mp_reach);
	assert_int_equal(l->count, n);
	struct bgp_nlri_iter it;
	struct bgp_route r;
	bgp_nlri_iter_init(&it, l);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(bgp_nlri_next(&it, &r), 1);
		assert_true(prefix_eq(&r.prefix, &routes[i].prefix));
		bool ap = (o->addpath_rx >> (routes[0].prefix.afi == LISP_AFI_IPV4 ? 0 : 1)) & 1;
		assert_int_equal(r.path_id, ap ? routes[i].path_id : 0);
	}
	assert_int_equal(bgp_nlri_next(&it, &r), 0);
}

struct pack_case {
	const char *name;
	bool v6, withdraw;
	const struct bgp_sess_opts *o;
	size_t max;
	size_t expect; /* routes in the first message */
};

static const struct pack_case pack_cases[] = {
    /* 4096 - 19 - 4 - attrs(ORIGIN 4, AS_PATH 3, NEXT_HOP 7, LOCAL_PREF 7) = 4052; 5 each */
    {"ipv4-plain", false, false, &opts_plain, 0, 810},
    {"ipv4-addpath", false, false, &opts_addpath, 0, 450}, /* 9 each */
    /* 4096 - 23 - MP_REACH hdr 25 - 14 = 4034; 17 or 21 each */
    {"ipv6-plain", true, false, &opts_plain, 0, 237},
    {"ipv6-addpath", true, false, &opts_addpath, 0, 192},
    {"ipv4-max-100", false, false, &opts_plain, 100, 11},	   /* (100 - 44) / 5 */
    {"ipv4-withdraw", false, true, &opts_plain, 0, 814},	   /* 4073 / 5 */
    {"ipv4-withdraw-addpath", false, true, &opts_addpath, 0, 452}, /* 4073 / 9 */
    {"ipv6-withdraw", true, true, &opts_plain, 0, 239},		   /* 4066 / 17 */
    {"ipv6-withdraw-addpath", true, true, &opts_addpath, 0, 193},  /* 4066 / 21 */
};

static void test_update_packing(void **state)
{
	(void)state;
	static uint8_t out[BGP_MAX_LEN];
	make_routes();
	for (size_t c = 0; c < nitems(pack_cases); c++) {
		const struct pack_case *pc = &pack_cases[c];
		const struct bgp_route *routes = pc->v6 ? routes6 : routes4;
		uint16_t afi = pc->v6 ? BGP_AFI_IPV6 : BGP_AFI_IPV4;
		struct bgp_attrs a;
		size_t done = 0, msgs = 0;
		print_message("pack %s\n", pc->name);
		base_attrs(&a, pc->v6);
		while (done < NROUTES) {
			struct buf w;
			size_t fitted = 0;
			buf_init_write(&w, out, sizeof(out));
			int rc = pc->withdraw
				     ? bgp_build_withdraw(&w, pc->o, afi, routes + done,
							  NROUTES - done, pc->max, &fitted, NULL)
				     : bgp_build_update(&w, pc->o, &a, afi, routes + done,
							NROUTES - done, pc->max, &fitted, NULL);
			assert_int_equal(rc, 0);
			assert_true(fitted >= 1);
			if (msgs == 0)
				assert_int_equal(fitted, pc->expect);
			if (pc->max)
				assert_true(buf_len(&w) <= pc->max);
			check_packed(out, buf_len(&w), pc->o, routes + done, fitted, pc->withdraw);
			done += fitted;
			msgs++;
			if (pc->max && msgs > 3)
				break;
		}
		if (!pc->max)
			assert_int_equal(done, NROUTES);
	}
}

static void test_update_build_errors(void **state)
{
	(void)state;
	uint8_t out[BGP_MAX_LEN];
	struct buf w;
	struct bgp_attrs a;
	struct proto_err e;
	size_t fitted;
	make_routes();

	/* a writer too small for even one route */
	base_attrs(&a, false);
	buf_init_write(&w, out, 44);
	assert_int_equal(bgp_build_update(&w, &opts_plain, &a, 1, routes4, 1, 0, &fitted, &e), -1);
	assert_int_equal(e.code, PERR_FULL);
	buf_init_write(&w, out, 49);
	assert_int_equal(bgp_build_update(&w, &opts_plain, &a, 1, routes4, 5, 0, &fitted, &e), 0);
	assert_int_equal(fitted, 1);
	/* the writer's capacity bounds the message like max does */
	buf_init_write(&w, out, 60);
	assert_int_equal(bgp_build_update(&w, &opts_plain, &a, 1, routes4, 5, 0, &fitted, &e), 0);
	assert_int_equal(fitted, 3);
	/* routes of the wrong family */
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(bgp_build_update(&w, &opts_plain, &a, 1, routes6, 1, 0, &fitted, &e), -1);
	assert_int_equal(e.code, PERR_BAD_AFI);
	/* IPv4 without NEXT_HOP */
	a.present &= ~((uint64_t)1 << BGP_ATTR_NEXT_HOP);
	assert_int_equal(bgp_build_update(&w, &opts_plain, &a, 1, routes4, 1, 0, &fitted, &e), -1);
	/* IPv4 over an IPv6 next hop needs extended next hop */
	base_attrs(&a, true);
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(bgp_build_update(&w, &opts_plain, &a, 1, routes4, 1, 0, &fitted, &e), -1);
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(bgp_build_update(&w, &opts_addpath, &a, 1, routes4, 3, 0, &fitted, &e), 0);
	assert_int_equal(fitted, 3);
	check_packed(out, buf_len(&w), &opts_addpath, routes4, 3, false);
	/* n == 0 is not an announcement */
	assert_int_equal(bgp_build_update(&w, &opts_plain, &a, 2, routes6, 0, 0, &fitted, &e), -1);
	/* unsupported AFI */
	assert_int_equal(bgp_build_withdraw(&w, &opts_plain, 25, routes6, 1, 0, &fitted, &e), -1);
}

static void test_nlri_iter(void **state)
{
	(void)state;
	/* 10.0.0.0/8, 0.0.0.0/0, 192.0.2.1/32 with host bits in a /25 normalized */
	const uint8_t raw[] = {0x08, 0x0a, 0x00, 0x19, 0xc0, 0x00, 0x02, 0xff};
	struct buf b;
	struct bgp_nlri_list l;
	struct bgp_nlri_iter it;
	struct bgp_route r;
	char s[PREFIX_STRLEN];
	buf_init_read(&b, raw, sizeof(raw));
	assert_int_equal(bgp_nlri_list_parse(&b, 1, 1, false, false, &l), 0);
	assert_int_equal(l.count, 3);
	bgp_nlri_iter_init(&it, &l);
	assert_int_equal(bgp_nlri_next(&it, &r), 1);
	assert_string_equal(prefix_str(&r.prefix, s, sizeof(s)), "10.0.0.0/8");
	assert_int_equal(bgp_nlri_next(&it, &r), 1);
	assert_string_equal(prefix_str(&r.prefix, s, sizeof(s)), "0.0.0.0/0");
	assert_int_equal(bgp_nlri_next(&it, &r), 1);
	assert_string_equal(prefix_str(&r.prefix, s, sizeof(s)), "192.0.2.128/25");
	assert_int_equal(bgp_nlri_next(&it, &r), 0);
	/* IPv6 /129, truncated prefix bytes */
	const uint8_t bad1[] = {0x81, 0x20};
	const uint8_t bad2[] = {0x20, 0x0a, 0x00};
	buf_init_read(&b, bad1, sizeof(bad1));
	assert_int_equal(bgp_nlri_list_parse(&b, 2, 1, false, false, &l), -1);
	buf_init_read(&b, bad2, sizeof(bad2));
	assert_int_equal(bgp_nlri_list_parse(&b, 1, 1, false, false, &l), -1);
	/* add-path: a path id alone is truncated */
	const uint8_t bad3[] = {0x00, 0x00, 0x00, 0x01};
	buf_init_read(&b, bad3, sizeof(bad3));
	assert_int_equal(bgp_nlri_list_parse(&b, 1, 1, true, false, &l), -1);
}

/* ---- VPN NLRI (RFC 4364 §4.3.4, RFC 4659 §3.2, RFC 8277 §2) ---- */
struct vpn_vec {
	const char *name;
	uint16_t afi;
	bool withdraw;
	uint8_t bytes[64];
	size_t len;
	int rc;
	uint32_t count;
	const char *first;  /* prefix_str of the first route (with [IID] from the RD) */
	const char *rd;	    /* bgp_rd_str of the first route */
	uint32_t label;	    /* label field of the first route */
	const char *reason; /* the parse error's reason (substring) */
};

#define RD_65000_1 0x00, 0x00, 0xfd, 0xe8, 0x00, 0x00, 0x00, 0x01
#define LBL3	   0x00, 0x00, 0x31

static const struct vpn_vec vpn_vecs[] = {
    {"vpnv4-host",
     1,
     false,
     {0x78, LBL3, RD_65000_1, 198, 51, 100, 5},
     16,
     0,
     1,
     "[1]198.51.100.5/32",
     "65000:1",
     0x31,
     NULL},
    {"vpnv4-two-entries-second-aggregate",
     1,
     false,
     {0x78, LBL3, RD_65000_1, 198, 51, 100, 5, 0x70, LBL3, 0,
      0,    0xfd, 0xe8,	      0,   0,  0,   2, 198,  51,   100},
     31,
     0,
     2,
     "[1]198.51.100.5/32",
     "65000:1",
     0x31,
     NULL},
    {"vpnv4-default-route",
     1,
     false,
     {0x58, LBL3, RD_65000_1},
     12,
     0,
     1,
     "[1]0.0.0.0/0",
     "65000:1",
     0x31,
     NULL},
    {"vpnv4-max-iid",
     1,
     false,
     {0x78, LBL3, 0x00, 0x00, 0xfd, 0xe8, 0x00, 0xff, 0xff, 0xff, 198, 51, 100, 5},
     16,
     0,
     1,
     "[16777215]198.51.100.5/32",
     "65000:16777215",
     0x31,
     NULL},
    {"vpnv4-rd-type1-ip-admin",
     1,
     false,
     {0x78, LBL3, 0x00, 0x01, 192, 0, 2, 1, 0x00, 0x07, 198, 51, 100, 5},
     16,
     0,
     1,
     "[7]198.51.100.5/32",
     "192.0.2.1:7",
     0x31,
     NULL},
    {"vpnv4-rd-type2-as4-admin",
     1,
     false,
     {0x78, LBL3, 0x00, 0x02, 0xfa, 0x56, 0xea, 0x00, 0x00, 0x09, 198, 51, 100, 5},
     16,
     0,
     1,
     "[9]198.51.100.5/32",
     "4200000000:9",
     0x31,
     NULL},
    /* an RD that names no instance ID parses (it is no syntax error): IID 0 */
    {"vpnv4-rd-type5-no-iid",
     1,
     false,
     {0x78, LBL3, 0x00, 0x05, 1, 2, 3, 4, 5, 6, 198, 51, 100, 5},
     16,
     0,
     1,
     "198.51.100.5/32",
     "type 5:0x010203040506",
     0x31,
     NULL},
    {"vpnv4-rd-iid-over-24-bits",
     1,
     false,
     {0x78, LBL3, 0x00, 0x00, 0xfd, 0xe8, 0x01, 0x00, 0x00, 0x00, 198, 51, 100, 5},
     16,
     0,
     1,
     "198.51.100.5/32",
     "65000:16777216",
     0x31,
     NULL},
    {"vpnv4-rd-iid-0",
     1,
     false,
     {0x78, LBL3, 0, 0, 0xfd, 0xe8, 0, 0, 0, 0, 198, 51, 100, 5},
     16,
     0,
     1,
     "198.51.100.5/32",
     "65000:0",
     0x31,
     NULL},
    {"vpnv4-label-16-tc-5",
     1,
     false,
     {0x78, 0x00, 0x01, 0x0b, RD_65000_1, 198, 51, 100, 5},
     16,
     0,
     1,
     "[1]198.51.100.5/32",
     "65000:1",
     0x10b,
     NULL},
    {"vpnv6-host",
     2,
     false,
     {0xd8, LBL3, RD_65000_1, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5},
     28,
     0,
     1,
     "[1]2001:db8::5/128",
     "65000:1",
     0x31,
     NULL},
    /* RFC 8277 §2.4: a withdrawal's label is the Compatibility field, any value */
    {"vpnv4-withdraw-compat-0x800000",
     1,
     true,
     {0x78, 0x80, 0x00, 0x00, RD_65000_1, 198, 51, 100, 5},
     16,
     0,
     1,
     "[1]198.51.100.5/32",
     "65000:1",
     0x800000,
     NULL},
    {"vpnv4-withdraw-label-0",
     1,
     true,
     {0x78, 0, 0, 0, RD_65000_1, 198, 51, 100, 5},
     16,
     0,
     1,
     "[1]198.51.100.5/32",
     "65000:1",
     0,
     NULL},
    /* malformed */
    {"vpn-short-no-room-for-label-and-rd",
     1,
     false,
     {0x57, LBL3, RD_65000_1},
     12,
     -1,
     0,
     NULL,
     NULL,
     0,
     "shorter than its label"},
    {"vpn-length-only-the-label",
     1,
     false,
     {0x18, LBL3},
     4,
     -1,
     0,
     NULL,
     NULL,
     0,
     "shorter than its label"},
    {"vpn-truncated-in-label",
     1,
     false,
     {0x78, 0x00, 0x00},
     3,
     -1,
     0,
     NULL,
     NULL,
     0,
     "truncated in its label"},
    {"vpn-truncated-in-rd",
     1,
     false,
     {0x78, LBL3, 0, 0, 0xfd},
     7,
     -1,
     0,
     NULL,
     NULL,
     0,
     "truncated in its label or route distinguisher"},
    {"vpn-truncated-prefix",
     1,
     false,
     {0x78, LBL3, RD_65000_1, 198, 51},
     14,
     -1,
     0,
     NULL,
     NULL,
     0,
     "prefix truncated"},
    {"vpn-bad-label-no-bottom-of-stack",
     1,
     false,
     {0x78, 0x00, 0x00, 0x30, RD_65000_1, 198, 51, 100, 5},
     16,
     -1,
     0,
     NULL,
     NULL,
     0,
     "bottom-of-stack"},
    {"vpn-bad-label-two-labels",
     1,
     false,
     {0x90, 0x00, 0x00, 0x30, LBL3, RD_65000_1, 198, 51, 100, 5},
     19,
     -1,
     0,
     NULL,
     NULL,
     0,
     "bottom-of-stack"},
    {"vpnv4-plen-121-over-64-plus-24-plus-32",
     1,
     false,
     {0x79, LBL3, RD_65000_1, 198, 51, 100, 5, 0},
     17,
     -1,
     0,
     NULL,
     NULL,
     0,
     "VPN prefix longer"},
    {"vpnv6-plen-217-over-128-plus-88",
     2,
     false,
     {0xd9, LBL3, RD_65000_1, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0},
     29,
     -1,
     0,
     NULL,
     NULL,
     0,
     "VPN prefix longer"},
    {"vpn-good-then-garbage",
     1,
     false,
     {0x78, LBL3, RD_65000_1, 198, 51, 100, 5, 0x78},
     17,
     -1,
     0,
     NULL,
     NULL,
     0,
     "truncated"},
};

static void test_vpn_nlri_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < nitems(vpn_vecs); i++) {
		const struct vpn_vec *v = &vpn_vecs[i];
		struct buf b;
		struct bgp_nlri_list l;
		struct bgp_nlri_iter it;
		struct bgp_route r;
		char s[PREFIX_STRLEN];
		print_message("vpn nlri %s\n", v->name);
		buf_init_read(&b, v->bytes, v->len);
		int rc = bgp_nlri_list_parse(&b, v->afi, BGP_SAFI_VPN, false, v->withdraw, &l);
		assert_int_equal(rc, v->rc);
		if (rc < 0) {
			assert_non_null(l.reason);
			assert_non_null(strstr(l.reason, v->reason));
			continue;
		}
		assert_int_equal(l.count, v->count);
		bgp_nlri_iter_init(&it, &l);
		assert_int_equal(bgp_nlri_next(&it, &r), 1);
		assert_true(r.vpn);
		assert_string_equal(prefix_str(&r.prefix, s, sizeof(s)), v->first);
		bgp_rd_str(r.rd, s, sizeof(s));
		assert_string_equal(s, v->rd);
		assert_int_equal(r.label, v->label);
		/* every route re-encodes to the same bytes (a withdrawal's field as 0x800000) */
		uint8_t out[64];
		struct buf w;
		buf_init_write(&w, out, sizeof(out));
		bgp_nlri_iter_init(&it, &l);
		while (bgp_nlri_next(&it, &r) == 1) {
			assert_int_equal(bgp_nlri_len(&r, false), 12 + (r.prefix.plen + 7) / 8);
			assert_int_equal(bgp_nlri_put(&w, &r, false), 0);
		}
		assert_int_equal(buf_len(&w), v->len);
		assert_memory_equal(out, v->bytes, v->len);
		/* shorter: never a crash, an error unless it ends on an entry boundary */
		for (size_t n = 1; n < v->len; n++) {
			buf_init_read(&b, v->bytes, n);
			if (bgp_nlri_list_parse(&b, v->afi, BGP_SAFI_VPN, false, v->withdraw, &l) ==
			    0)
				assert_true(l.count < v->count);
		}
	}
	/* the same bytes with ADD-PATH: a path ID before each entry */
	const uint8_t ap[] = {0, 0, 0, 9, 0x78, LBL3, RD_65000_1, 198, 51, 100, 5};
	struct buf b;
	struct bgp_nlri_list l;
	struct bgp_nlri_iter it;
	struct bgp_route r;
	buf_init_read(&b, ap, sizeof(ap));
	assert_int_equal(bgp_nlri_list_parse(&b, 1, BGP_SAFI_VPN, true, false, &l), 0);
	bgp_nlri_iter_init(&it, &l);
	assert_int_equal(bgp_nlri_next(&it, &r), 1);
	assert_int_equal(r.path_id, 9);
	assert_int_equal(r.prefix.iid, 1);
}

static void test_rd(void **state)
{
	(void)state;
	uint32_t iid = 0;
	char s[48];
	assert_int_equal(bgp_rd_make(65000, 1), 0x0000fde800000001ull);
	assert_int_equal(bgp_rd_make(65000, 0xffffff), 0x0000fde800ffffffull);
	assert_int_equal(bgp_rd_make(70000, 5), 0x00005ba000000005ull); /* AS_TRANS */
	assert_int_equal(bgp_rd_iid(bgp_rd_make(65000, 42), &iid), 0);
	assert_int_equal(iid, 42);
	assert_int_equal(bgp_rd_iid(0x0000fde800000000ull, &iid), -1); /* 0: none */
	assert_int_equal(bgp_rd_iid(0x0000fde801000000ull, &iid), -1); /* over 24 bits */
	assert_int_equal(bgp_rd_iid(0x0001c00002010000ull, &iid), -1); /* type 1, number 0 */
	assert_int_equal(bgp_rd_iid(0x0003000000000001ull, &iid), -1); /* type 3 */
	assert_int_equal(bgp_rd_iid(0x0002fa56ea00ffffull, &iid), 0);  /* type 2 */
	assert_int_equal(iid, 0xffff);
	bgp_rd_str(0x0001c0000201002aull, s, sizeof(s));
	assert_string_equal(s, "192.0.2.1:42");
	assert_string_equal(bgp_aid_name(BGP_AID_VPNV6), "vpnv6");
	assert_int_equal(bgp_aid(BGP_AFI_IPV4, BGP_SAFI_VPN), BGP_AID_VPNV4);
	assert_int_equal(bgp_aid(BGP_AFI_IPV6, BGP_SAFI_VPN), BGP_AID_VPNV6);
	assert_int_equal(bgp_aid(BGP_AFI_IPV4, 4), -1);
	assert_int_equal(bgp_aid_safi(BGP_AID_VPNV4), 128);
}

/* A whole UPDATE: VPN NLRI inside MP_REACH / MP_UNREACH, RFC 7606 outcome. */
static void test_vpn_updates(void **state)
{
	(void)state;
	struct bgp_sess_opts o = {.as4 = true, .ibgp = true, .mp = BGP_AID_ALL_MASK};
	/* MP_REACH AFI 1 SAFI 128, next hop RD 0 + 192.0.2.1, [1]198.51.100.5/32; ORIGIN,
	 * AS_PATH empty */
	uint8_t ok[] = {MARKER, 0x00, 0x43, 0x02, 0x00, 0x00, 0x00, 0x2c, 0x90, 0x0e,	    0x00,
			0x21,	0x00, 0x01, 0x80, 0x0c, 0,    0,    0,	  0,	0,	    0,
			0,	0,    192,  0,	  2,	1,    0x00, 0x78, LBL3, RD_65000_1, 198,
			51,	100,  5,    0x40, 0x01, 0x01, 0x00, 0x40, 0x02, 0x00};
	struct buf b;
	struct bgp_msg m;
	struct bgp_err err;
	char s[PREFIX_STRLEN];
	buf_init_read(&b, ok, sizeof(ok));
	assert_int_equal(bgp_msg_parse(&b, &o, &m, &err), 0);
	assert_int_equal(m.u.update.action, BGP_ACT_NONE);
	assert_int_equal(m.u.update.attrs.mp_reach.count, 1);
	assert_string_equal(ipaddr_str(&m.u.update.attrs.mp_nh[0], s, sizeof(s)), "192.0.2.1");
	uint8_t out[BGP_MAX_LEN];
	struct buf w;
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(bgp_build_update_raw(&w, &m.u.update, &o, NULL), 0);
	assert_int_equal(buf_len(&w), sizeof(ok));
	assert_memory_equal(out, ok, sizeof(ok));

	/* the label without bottom-of-stack: the NLRI is malformed, RFC 7606 §5.3 / §7.11: the
	 * session is reset (Optional Attribute Error), like every MP NLRI error */
	uint8_t bad[sizeof(ok)];
	memcpy(bad, ok, sizeof(ok));
	bad[47] = 0x30; /* the label's last byte: S = 0 */
	buf_init_read(&b, bad, sizeof(bad));
	assert_int_equal(bgp_msg_parse(&b, &o, &m, &err), 0);
	assert_int_equal(m.u.update.action, BGP_ACT_SESSION_RESET);
	assert_int_equal(m.u.update.notify.subcode, BGP_ERR_UPD_OPTATTR);
	assert_non_null(strstr(m.u.update.reason, "bottom-of-stack"));
	/* a next hop without its RD (length 4 for SAFI 128) is unexpected */
	uint8_t nh4[] = {MARKER, 0x00, 0x3b, 0x02, 0x00, 0x00,	     0x00, 0x24, 0x90,
			 0x0e,	 0x00, 0x19, 0x00, 0x01, 0x80,	     0x04, 192,	 0,
			 2,	 1,    0x00, 0x78, LBL3, RD_65000_1, 198,  51,	 100,
			 5,	 0x40, 0x01, 0x01, 0x00, 0x40,	     0x02, 0x00};
	buf_init_read(&b, nh4, sizeof(nh4));
	assert_int_equal(bgp_msg_parse(&b, &o, &m, &err), 0);
	assert_int_equal(m.u.update.action, BGP_ACT_SESSION_RESET);
	assert_non_null(strstr(m.u.update.reason, "next hop length"));

	/* withdrawal in MP_UNREACH and End-of-RIB of VPN-IPv4 */
	const struct bgp_route wr = {
	    .prefix = {.afi = LISP_AFI_IPV4, .plen = 32, .iid = 1, .a = {198, 51, 100, 5}},
	    .vpn = true,
	    .rd = 0x0000fde800000001ull,
	    .label = 0x31};
	size_t fitted;
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(bgp_build_withdraw_af(&w, &o, 1, BGP_SAFI_VPN, &wr, 1, 0, &fitted, NULL),
			 0);
	buf_init_read(&b, out, buf_len(&w));
	assert_int_equal(bgp_msg_parse(&b, &o, &m, &err), 0);
	assert_int_equal(m.u.update.attrs.mp_unreach.count, 1);
	assert_int_equal(m.u.update.attrs.mp_unreach.safi, BGP_SAFI_VPN);
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(bgp_build_withdraw_af(&w, &o, 2, BGP_SAFI_VPN, NULL, 0, 0, &fitted, NULL),
			 0);
	buf_init_read(&b, out, buf_len(&w));
	assert_int_equal(bgp_msg_parse(&b, &o, &m, &err), 0);
	uint16_t afi;
	uint8_t safi;
	assert_true(bgp_update_is_eor(&m.u.update, &afi, &safi));
	assert_int_equal(afi, 2);
	assert_int_equal(safi, BGP_SAFI_VPN);
	/* a unicast route in a VPN packer (or the reverse) is refused */
	struct bgp_route plain = wr;
	plain.vpn = false;
	struct proto_err e;
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(bgp_build_withdraw_af(&w, &o, 1, BGP_SAFI_VPN, &plain, 1, 0, &fitted, &e),
			 -1);
	assert_int_equal(bgp_build_withdraw(&w, &o, 1, &wr, 1, 0, &fitted, &e), -1);
}

/* MP capabilities for 1/128 and 2/128, ADD-PATH for them, RFC 8950 for VPN-IPv4. */
static void test_negotiate_vpn(void **state)
{
	(void)state;
	struct bgp_caps l = {0}, r = {0};
	struct bgp_sess_opts so;
	for (unsigned aid = 0; aid < BGP_AID_MAX; aid++) {
		l.mp[l.n_mp++] = (struct bgp_capa_af){bgp_aid_afi(aid), bgp_aid_safi(aid), 0};
		l.addpath[l.n_addpath++] =
		    (struct bgp_capa_af){bgp_aid_afi(aid), bgp_aid_safi(aid), 3};
	}
	l.n_extnh = 2;
	l.extnh[0] = (struct bgp_capa_extnh){1, 1, 2};
	l.extnh[1] = (struct bgp_capa_extnh){1, 128, 2};
	/* a peer with unicast only (BIRD without vpn channels) */
	r.n_mp = 2;
	r.mp[0] = (struct bgp_capa_af){1, 1, 0};
	r.mp[1] = (struct bgp_capa_af){2, 1, 0};
	bgp_caps_negotiate(&l, &r, true, &so);
	assert_int_equal(so.mp, BGP_AID_BIT(BGP_AID_IPV4) | BGP_AID_BIT(BGP_AID_IPV6));
	/* ... and one with vpnv4 only, ADD-PATH both ways for it, extended next hop for it */
	r.mp[r.n_mp++] = (struct bgp_capa_af){1, 128, 0};
	r.addpath[r.n_addpath++] = (struct bgp_capa_af){1, 128, 3};
	r.n_extnh = 1;
	r.extnh[0] = (struct bgp_capa_extnh){1, 128, 2};
	bgp_caps_negotiate(&l, &r, true, &so);
	assert_int_equal(so.mp, BGP_AID_BIT(BGP_AID_IPV4) | BGP_AID_BIT(BGP_AID_IPV6) |
				    BGP_AID_BIT(BGP_AID_VPNV4));
	assert_int_equal(so.addpath_tx, BGP_AID_BIT(BGP_AID_VPNV4));
	assert_int_equal(so.addpath_rx, BGP_AID_BIT(BGP_AID_VPNV4));
	assert_int_equal(so.ext_nh, BGP_AID_BIT(BGP_AID_VPNV4));
	/* the OPEN carries them and parses back */
	struct bgp_open o = {.version = 4, .my_as = 65000, .hold_time = 90, .bgp_id = 1, .caps = l};
	uint8_t out[BGP_MAX_LEN];
	struct buf w, b;
	struct bgp_msg m;
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(bgp_build_open(&w, &o, NULL), 0);
	buf_init_read(&b, out, buf_len(&w));
	assert_int_equal(bgp_msg_parse(&b, &opts_plain, &m, NULL), 0);
	assert_int_equal(m.u.open.caps.n_mp, 4);
	assert_int_equal(m.u.open.caps.mp[2].safi, 128);
	assert_int_equal(m.u.open.caps.n_extnh, 2);
	assert_int_equal(m.u.open.caps.extnh[1].nlri_safi, 128);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_update_vectors),
	    cmocka_unit_test(test_update_eor),
	    cmocka_unit_test(test_update_packing),
	    cmocka_unit_test(test_update_build_errors),
	    cmocka_unit_test(test_nlri_iter),
	    cmocka_unit_test(test_vpn_nlri_vectors),
	    cmocka_unit_test(test_rd),
	    cmocka_unit_test(test_vpn_updates),
	    cmocka_unit_test(test_negotiate_vpn),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
