/* SPDX-License-Identifier: ISC */
/* tests/unit/test_bgp_attr.c - proto/bgp_attr: every RFC 7606 case with its expected action
 * (and NOTIFICATION subcode when it is a session reset), duplicate and unknown attributes,
 * 2- vs 4-octet AS encodings, accessors, formatting, re-encoding with the Partial bit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "proto/bgp.h"

#define ORIGIN_IGP 0x40, 0x01, 0x01, 0x00
#define ASPATH_E   0x40, 0x02, 0x00
#define NH	   0x40, 0x03, 0x04, 0xc0, 0x00, 0x02, 0x0a
#define MANDATORY  ORIGIN_IGP, ASPATH_E, NH
#define NLRI1	   0x20, 0xc6, 0x33, 0x64, 0x05 /* 198.51.100.5/32 */
/* MP_REACH AFI 2 next hop 2001:db8::1, 2001:db8::5/128 */
#define MP_REACH6                                                                                  \
	0x80, 0x0e, 0x26, 0x00, 0x02, 0x01, 0x10, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0,  \
	    0, 0, 0, 0x01, 0x00, 0x80, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,    \
	    0x05
#define MP_UNREACH6                                                                                \
	0x80, 0x0f, 0x14, 0x00, 0x02, 0x01, 0x80, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0,  \
	    0, 0, 0, 0x05

enum { EBGP = 1, AS2 = 2 };

struct case7606 {
	const char *name;
	uint8_t attrs[128];
	size_t alen;
	uint8_t nlri[16];
	size_t nlen;
	int flags; /* EBGP, AS2 */
	enum bgp_action action;
	uint8_t subcode; /* when session reset */
	uint8_t bad_attr;
	uint64_t present; /* attributes that must be present after parsing (subset) */
};

#define A(t)	   ((uint64_t)1 << (t))
#define ATTRS(...) {__VA_ARGS__}, sizeof((uint8_t[]){__VA_ARGS__})
#define NOATTRS	   {0}, 0
#define WITH_NLRI  {NLRI1}, 5
#define NO_NLRI	   {0}, 0

static const struct case7606 cases[] = {
    {"ok", ATTRS(MANDATORY), WITH_NLRI, 0, BGP_ACT_NONE, 0, 0, A(1) | A(2) | A(3)},
    {"origin-undefined-value", ATTRS(0x40, 0x01, 0x01, 0x03, ASPATH_E, NH), WITH_NLRI, 0,
     BGP_ACT_TREAT_AS_WITHDRAW, 0, BGP_ATTR_ORIGIN, A(2) | A(3)},
    {"origin-length-2", ATTRS(0x40, 0x01, 0x02, 0x00, 0x00, ASPATH_E, NH), WITH_NLRI, 0,
     BGP_ACT_TREAT_AS_WITHDRAW, 0, BGP_ATTR_ORIGIN, 0},
    {"origin-flags-optional", ATTRS(0x80, 0x01, 0x01, 0x00, ASPATH_E, NH), WITH_NLRI, 0,
     BGP_ACT_TREAT_AS_WITHDRAW, 0, BGP_ATTR_ORIGIN, 0},
    {"aspath-unknown-segment-type", ATTRS(ORIGIN_IGP, 0x40, 0x02, 0x06, 0x05, 0x01, 0, 0, 0, 1, NH),
     WITH_NLRI, 0, BGP_ACT_TREAT_AS_WITHDRAW, 0, BGP_ATTR_AS_PATH, 0},
    {"aspath-zero-length-segment", ATTRS(ORIGIN_IGP, 0x40, 0x02, 0x02, 0x02, 0x00, NH), WITH_NLRI,
     0, BGP_ACT_TREAT_AS_WITHDRAW, 0, BGP_ATTR_AS_PATH, 0},
    {"aspath-segment-overrun", ATTRS(ORIGIN_IGP, 0x40, 0x02, 0x06, 0x02, 0x02, 0, 0, 0, 1, NH),
     WITH_NLRI, 0, BGP_ACT_TREAT_AS_WITHDRAW, 0, BGP_ATTR_AS_PATH, 0},
    {"aspath-confed-from-ebgp", ATTRS(ORIGIN_IGP, 0x40, 0x02, 0x06, 0x03, 0x01, 0, 0, 0, 1, NH),
     WITH_NLRI, EBGP, BGP_ACT_TREAT_AS_WITHDRAW, 0, BGP_ATTR_AS_PATH, 0},
    {"aspath-confed-from-ibgp", ATTRS(ORIGIN_IGP, 0x40, 0x02, 0x06, 0x03, 0x01, 0, 0, 0, 1, NH),
     WITH_NLRI, 0, BGP_ACT_NONE, 0, 0, A(2)},
    {"aspath-2octet-session", ATTRS(ORIGIN_IGP, 0x40, 0x02, 0x04, 0x02, 0x01, 0xfd, 0xe9, NH),
     WITH_NLRI, AS2, BGP_ACT_NONE, 0, 0, A(2)},
    {"aspath-4octet-bytes-on-2octet-session",
     ATTRS(ORIGIN_IGP, 0x40, 0x02, 0x06, 0x02, 0x01, 0, 0, 0xfd, 0xe9, NH), WITH_NLRI, AS2,
     BGP_ACT_TREAT_AS_WITHDRAW, 0, BGP_ATTR_AS_PATH, 0},
    {"nexthop-length-5",
     ATTRS(ORIGIN_IGP, ASPATH_E, 0x40, 0x03, 0x05, 0xc0, 0x00, 0x02, 0x0a, 0x00), WITH_NLRI, 0,
     BGP_ACT_TREAT_AS_WITHDRAW, 0, BGP_ATTR_NEXT_HOP, 0},
    {"nexthop-flags-optional",
     ATTRS(ORIGIN_IGP, ASPATH_E, 0xc0, 0x03, 0x04, 0xc0, 0x00, 0x02, 0x0a), WITH_NLRI, 0,
     BGP_ACT_TREAT_AS_WITHDRAW, 0, BGP_ATTR_NEXT_HOP, 0},
    {"med-length-3", ATTRS(MANDATORY, 0x80, 0x04, 0x03, 0, 0, 1), WITH_NLRI, 0,
     BGP_ACT_TREAT_AS_WITHDRAW, 0, BGP_ATTR_MED, 0},
    {"localpref-from-ebgp-discarded", ATTRS(MANDATORY, 0x40, 0x05, 0x04, 0, 0, 0, 100), WITH_NLRI,
     EBGP, BGP_ACT_ATTR_DISCARD, 0, BGP_ATTR_LOCAL_PREF, A(1) | A(2) | A(3)},
    {"localpref-ibgp-length-2", ATTRS(MANDATORY, 0x40, 0x05, 0x02, 0, 100), WITH_NLRI, 0,
     BGP_ACT_TREAT_AS_WITHDRAW, 0, BGP_ATTR_LOCAL_PREF, 0},
    {"atomic-aggregate-length-1", ATTRS(MANDATORY, 0x40, 0x06, 0x01, 0x00), WITH_NLRI, 0,
     BGP_ACT_ATTR_DISCARD, 0, BGP_ATTR_ATOMIC_AGGR, A(1) | A(2) | A(3)},
    {"atomic-aggregate-ok", ATTRS(MANDATORY, 0x40, 0x06, 0x00), WITH_NLRI, 0, BGP_ACT_NONE, 0, 0,
     A(6)},
    {"aggregator-length-6-on-as4",
     ATTRS(MANDATORY, 0xc0, 0x07, 0x06, 0xfd, 0xe9, 0xc0, 0x00, 0x02, 0x01), WITH_NLRI, 0,
     BGP_ACT_ATTR_DISCARD, 0, BGP_ATTR_AGGREGATOR, A(1) | A(2) | A(3)},
    {"aggregator-length-6-on-as2",
     ATTRS(MANDATORY, 0xc0, 0x07, 0x06, 0xfd, 0xe9, 0xc0, 0x00, 0x02, 0x01), WITH_NLRI, AS2,
     BGP_ACT_NONE, 0, 0, A(7)},
    {"aggregator-flags-well-known",
     ATTRS(MANDATORY, 0x40, 0x07, 0x08, 0, 0, 0xfd, 0xe9, 0xc0, 0x00, 0x02, 0x01), WITH_NLRI, 0,
     BGP_ACT_ATTR_DISCARD, 0, BGP_ATTR_AGGREGATOR, 0},
    {"communities-length-5", ATTRS(MANDATORY, 0xc0, 0x08, 0x05, 1, 2, 3, 4, 5), WITH_NLRI, 0,
     BGP_ACT_TREAT_AS_WITHDRAW, 0, BGP_ATTR_COMMUNITIES, 0},
    {"communities-length-0", ATTRS(MANDATORY, 0xc0, 0x08, 0x00), WITH_NLRI, 0,
     BGP_ACT_TREAT_AS_WITHDRAW, 0, BGP_ATTR_COMMUNITIES, 0},
    {"communities-extended-length-ok",
     ATTRS(MANDATORY, 0xd0, 0x08, 0x00, 0x04, 0xff, 0xff, 0xff, 0x01), WITH_NLRI, 0, BGP_ACT_NONE,
     0, 0, A(8)},
    {"originator-id-length-3", ATTRS(MANDATORY, 0x80, 0x09, 0x03, 1, 2, 3), WITH_NLRI, 0,
     BGP_ACT_TREAT_AS_WITHDRAW, 0, BGP_ATTR_ORIGINATOR_ID, 0},
    {"cluster-list-length-6", ATTRS(MANDATORY, 0x80, 0x0a, 0x06, 1, 2, 3, 4, 5, 6), WITH_NLRI, 0,
     BGP_ACT_TREAT_AS_WITHDRAW, 0, BGP_ATTR_CLUSTER_LIST, 0},
    {"large-community-length-13",
     ATTRS(MANDATORY, 0xc0, 0x20, 0x0d, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 4), WITH_NLRI, 0,
     BGP_ACT_TREAT_AS_WITHDRAW, 0, BGP_ATTR_LARGE_COMMUNITY, 0},
    {"duplicate-origin-first-kept", ATTRS(MANDATORY, 0x40, 0x01, 0x01, 0x02), WITH_NLRI, 0,
     BGP_ACT_ATTR_DISCARD, 0, BGP_ATTR_ORIGIN, A(1) | A(2) | A(3)},
    {"duplicate-unknown-attribute",
     ATTRS(MANDATORY, 0xc0, 0x63, 0x01, 0xaa, 0xc0, 0x63, 0x01, 0xbb), WITH_NLRI, 0,
     BGP_ACT_ATTR_DISCARD, 0, 0x63, 0},
    {"duplicate-mp-reach", ATTRS(MP_REACH6, MP_REACH6, ORIGIN_IGP, ASPATH_E), NO_NLRI, 0,
     BGP_ACT_SESSION_RESET, BGP_ERR_UPD_ATTRLIST, BGP_ATTR_MP_REACH, 0},
    {"duplicate-mp-unreach", ATTRS(MP_UNREACH6, MP_UNREACH6), NO_NLRI, 0, BGP_ACT_SESSION_RESET,
     BGP_ERR_UPD_ATTRLIST, BGP_ATTR_MP_UNREACH, 0},
    {"mp-reach-ok", ATTRS(MP_REACH6, ORIGIN_IGP, ASPATH_E), NO_NLRI, 0, BGP_ACT_NONE, 0, 0, A(14)},
    {"mp-reach-nexthop-length-5",
     ATTRS(0x80, 0x0e, 0x0a, 0x00, 0x02, 0x01, 0x05, 1, 2, 3, 4, 5, 0x00, ORIGIN_IGP, ASPATH_E),
     NO_NLRI, 0, BGP_ACT_SESSION_RESET, BGP_ERR_UPD_OPTATTR, BGP_ATTR_MP_REACH, 0},
    {"mp-reach-ipv6-nexthop-length-4",
     ATTRS(0x80, 0x0e, 0x09, 0x00, 0x02, 0x01, 0x04, 1, 2, 3, 4, 0x00, ORIGIN_IGP, ASPATH_E),
     NO_NLRI, 0, BGP_ACT_SESSION_RESET, BGP_ERR_UPD_OPTATTR, BGP_ATTR_MP_REACH, 0},
    {"mp-reach-prefix-length-129",
     ATTRS(0x80, 0x0e, 0x17, 0x00, 0x02, 0x01, 0x10, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0,
	   0, 0, 0, 0x01, 0x00, 0x81, 0x20, ORIGIN_IGP, ASPATH_E),
     NO_NLRI, 0, BGP_ACT_SESSION_RESET, BGP_ERR_UPD_OPTATTR, BGP_ATTR_MP_REACH, 0},
    {"mp-reach-flags-transitive",
     ATTRS(0xc0, 0x0e, 0x26, 0x00, 0x02, 0x01, 0x10, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0,
	   0, 0, 0, 0x01, 0x00, 0x80, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x05,
	   ORIGIN_IGP, ASPATH_E),
     NO_NLRI, 0, BGP_ACT_SESSION_RESET, BGP_ERR_UPD_ATTRFLAGS, BGP_ATTR_MP_REACH, 0},
    {"mp-unreach-only-needs-no-attributes", ATTRS(MP_UNREACH6), NO_NLRI, 0, BGP_ACT_NONE, 0, 0,
     A(15)},
    {"mp-unreach-truncated-header", ATTRS(0x80, 0x0f, 0x02, 0x00, 0x02), NO_NLRI, 0,
     BGP_ACT_SESSION_RESET, BGP_ERR_UPD_OPTATTR, BGP_ATTR_MP_UNREACH, 0},
    /* SAFI 4 (labeled unicast, RFC 8277): not a family of this suite */
    {"mp-reach-unknown-safi-carried",
     ATTRS(0x80, 0x0e, 0x0c, 0x00, 0x01, 0x04, 0x04, 1, 2, 3, 4, 0x00, 0x58, 0xaa, 0xbb, ORIGIN_IGP,
	   ASPATH_E),
     NO_NLRI, 0, BGP_ACT_NONE, 0, 0, A(14)},
    {"missing-origin", ATTRS(ASPATH_E, NH), WITH_NLRI, 0, BGP_ACT_TREAT_AS_WITHDRAW, 0, 0, 0},
    {"missing-aspath", ATTRS(ORIGIN_IGP, NH), WITH_NLRI, 0, BGP_ACT_TREAT_AS_WITHDRAW, 0, 0, 0},
    {"missing-nexthop-with-ipv4-nlri", ATTRS(ORIGIN_IGP, ASPATH_E), WITH_NLRI, 0,
     BGP_ACT_TREAT_AS_WITHDRAW, 0, 0, 0},
    {"missing-origin-mp-reach", ATTRS(MP_REACH6, ASPATH_E), NO_NLRI, 0, BGP_ACT_TREAT_AS_WITHDRAW,
     0, 0, 0},
    {"no-nexthop-needed-for-mp-only", ATTRS(MP_REACH6, ORIGIN_IGP, ASPATH_E), NO_NLRI, 0,
     BGP_ACT_NONE, 0, 0, 0},
    {"no-nlri-no-mandatory-needed", ATTRS(0xc0, 0x08, 0x04, 0xff, 0xff, 0xff, 0x01), NO_NLRI, 0,
     BGP_ACT_NONE, 0, 0, A(8)},
    {"attr-length-overruns-section-with-nlri", ATTRS(MANDATORY, 0xc0, 0x08, 0x08, 1, 2, 3, 4),
     WITH_NLRI, 0, BGP_ACT_TREAT_AS_WITHDRAW, 0, BGP_ATTR_COMMUNITIES, 0},
    {"attr-header-truncated-with-nlri", ATTRS(MANDATORY, 0xc0, 0x08), WITH_NLRI, 0,
     BGP_ACT_TREAT_AS_WITHDRAW, 0, 0, 0},
    {"attr-extlen-header-truncated-with-nlri", ATTRS(MANDATORY, 0xd0, 0x08, 0x00), WITH_NLRI, 0,
     BGP_ACT_TREAT_AS_WITHDRAW, 0, 0, 0},
    {"attr-overrun-after-mp-reach", ATTRS(MP_REACH6, ORIGIN_IGP, 0x40, 0x02, 0x09, 0x02), NO_NLRI,
     0, BGP_ACT_TREAT_AS_WITHDRAW, 0, BGP_ATTR_AS_PATH, A(14)},
    {"attr-overrun-no-nlri-locatable", ATTRS(ORIGIN_IGP, 0x40, 0x02, 0x09, 0x02), NO_NLRI, 0,
     BGP_ACT_SESSION_RESET, BGP_ERR_UPD_ATTRLIST, 0, 0},
    {"unrecognized-well-known", ATTRS(MANDATORY, 0x40, 0x63, 0x01, 0x00), WITH_NLRI, 0,
     BGP_ACT_SESSION_RESET, BGP_ERR_UPD_UNKNWN_WK, 0x63, 0},
    {"unknown-optional-transitive-kept", ATTRS(MANDATORY, 0xc0, 0x63, 0x02, 0xaa, 0xbb), WITH_NLRI,
     0, BGP_ACT_NONE, 0, 0, 0},
    {"unknown-optional-non-transitive-dropped", ATTRS(MANDATORY, 0x80, 0x63, 0x02, 0xaa, 0xbb),
     WITH_NLRI, 0, BGP_ACT_NONE, 0, 0, 0},
    {"nlri-prefix-length-33",
     ATTRS(MANDATORY),
     {0x21, 1, 2, 3, 4, 5},
     6,
     0,
     BGP_ACT_SESSION_RESET,
     BGP_ERR_UPD_NETWORK,
     0,
     0},
    {"nlri-truncated-prefix",
     ATTRS(MANDATORY),
     {0x20, 198, 51},
     3,
     0,
     BGP_ACT_SESSION_RESET,
     BGP_ERR_UPD_NETWORK,
     0,
     0},
    {"reset-beats-withdraw", ATTRS(0x40, 0x01, 0x01, 0x07, ASPATH_E, NH, 0x40, 0x63, 0x00),
     WITH_NLRI, 0, BGP_ACT_SESSION_RESET, BGP_ERR_UPD_UNKNWN_WK, 0x63, 0},
    {"withdraw-beats-discard", ATTRS(MANDATORY, 0x40, 0x06, 0x01, 0x00, 0xc0, 0x08, 0x01, 0x00),
     WITH_NLRI, 0, BGP_ACT_TREAT_AS_WITHDRAW, 0, BGP_ATTR_COMMUNITIES, 0},
};

static size_t make_update(uint8_t *out, size_t cap, const uint8_t *attrs, size_t alen,
			  const uint8_t *nlri, size_t nlen)
{
	struct buf w;
	uint8_t marker[16];
	memset(marker, 0xff, sizeof(marker));
	buf_init_write(&w, out, cap);
	assert_int_equal(buf_add_bytes(&w, marker, 16) ||
			     buf_add_u16(&w, (uint16_t)(23 + alen + nlen)) ||
			     buf_add_u8(&w, BGP_UPDATE) || buf_add_u16(&w, 0) ||
			     buf_add_u16(&w, (uint16_t)alen) || buf_add_bytes(&w, attrs, alen) ||
			     buf_add_bytes(&w, nlri, nlen),
			 0);
	return buf_len(&w);
}

static void test_rfc7606_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < nitems(cases); i++) {
		const struct case7606 *c = &cases[i];
		uint8_t msg[512];
		struct bgp_sess_opts o = {.as4 = !(c->flags & AS2), .ibgp = !(c->flags & EBGP)};
		struct buf b;
		struct bgp_msg m;
		struct bgp_err err;
		print_message("7606 %s\n", c->name);
		size_t len = make_update(msg, sizeof(msg), c->attrs, c->alen, c->nlri, c->nlen);
		buf_init_read(&b, msg, len);
		/* the UPDATE parser never "fails": the outcome is the action */
		assert_int_equal(bgp_msg_parse(&b, &o, &m, &err), 0);
		const struct bgp_update *u = &m.u.update;
		assert_int_equal(u->action, c->action);
		if (c->action != BGP_ACT_NONE) {
			assert_non_null(u->reason);
			assert_true(u->n_problems >= 1);
		} else {
			assert_int_equal(u->n_problems, 0);
		}
		if (c->bad_attr)
			assert_int_equal(u->bad_attr, c->bad_attr);
		if (c->action == BGP_ACT_SESSION_RESET) {
			assert_int_equal(u->notify.code, BGP_ERR_UPDATE);
			assert_int_equal(u->notify.subcode, c->subcode);
			assert_int_equal(err.code, BGP_ERR_UPDATE);
			assert_int_equal(err.subcode, c->subcode);
		}
		assert_true((u->attrs.present & c->present) == c->present);
		/* a discarded or malformed attribute is absent from the result */
		if (c->action == BGP_ACT_ATTR_DISCARD && c->bad_attr < 64 &&
		    c->bad_attr != BGP_ATTR_ORIGIN)
			assert_false(bgp_attr_has(&u->attrs, c->bad_attr));
	}
}

static void test_duplicate_keeps_first(void **state)
{
	(void)state;
	const uint8_t attrs[] = {MANDATORY, 0x40, 0x01, 0x01, 0x02};
	const uint8_t nlri[] = {NLRI1};
	uint8_t msg[128];
	struct bgp_sess_opts o = {.as4 = true, .ibgp = true};
	struct buf b;
	struct bgp_msg m;
	size_t len = make_update(msg, sizeof(msg), attrs, sizeof(attrs), nlri, sizeof(nlri));
	buf_init_read(&b, msg, len);
	assert_int_equal(bgp_msg_parse(&b, &o, &m, NULL), 0);
	assert_int_equal(m.u.update.attrs.origin, BGP_ORIGIN_IGP);
}

static void test_unknown_attrs(void **state)
{
	(void)state;
	const uint8_t attrs[] = {MANDATORY, 0xc0, 0x63, 0x02, 0xaa, 0xbb, 0x80, 0x64, 0x01, 0xcc};
	const uint8_t nlri[] = {NLRI1};
	uint8_t msg[128], out[128];
	struct bgp_sess_opts o = {.as4 = true, .ibgp = true};
	struct buf b, w;
	struct bgp_msg m;
	size_t len = make_update(msg, sizeof(msg), attrs, sizeof(attrs), nlri, sizeof(nlri));
	buf_init_read(&b, msg, len);
	assert_int_equal(bgp_msg_parse(&b, &o, &m, NULL), 0);
	const struct bgp_attrs *a = &m.u.update.attrs;
	assert_int_equal(a->n_unknown, 1);
	assert_int_equal(a->n_unknown_dropped, 1);
	assert_int_equal(a->unknown[0].type, 0x63);
	assert_int_equal(a->unknown[0].val.len, 2);
	/* re-encoded with Partial set, the non-transitive one gone */
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(bgp_attrs_encode(&w, a, &o, NULL), 0);
	const uint8_t want[] = {MANDATORY, 0xe0, 0x63, 0x02, 0xaa, 0xbb};
	assert_int_equal(buf_len(&w), sizeof(want));
	assert_memory_equal(out, want, sizeof(want));

	/* more than BGP_ATTR_UNKNOWN_MAX: the rest are counted */
	uint8_t many[256];
	struct buf mw;
	buf_init_write(&mw, many, sizeof(many));
	buf_add_bytes(&mw, (const uint8_t[]){MANDATORY}, 14);
	for (unsigned t = 0; t < BGP_ATTR_UNKNOWN_MAX + 3; t++) {
		buf_add_u8(&mw, 0xc0);
		buf_add_u8(&mw, (uint8_t)(100 + t));
		buf_add_u8(&mw, 0);
	}
	len = make_update(msg, sizeof(msg), many, buf_len(&mw), nlri, sizeof(nlri));
	buf_init_read(&b, msg, len);
	assert_int_equal(bgp_msg_parse(&b, &o, &m, NULL), 0);
	assert_int_equal(m.u.update.action, BGP_ACT_NONE);
	assert_int_equal(m.u.update.attrs.n_unknown, BGP_ATTR_UNKNOWN_MAX);
	assert_int_equal(m.u.update.attrs.n_unknown_dropped, 3);
}

static void test_as_width(void **state)
{
	(void)state;
	struct bgp_attrs a;
	uint8_t store[64], out[64];
	struct buf st, w;
	const uint32_t seq[] = {65001, 4200000000u, 64512};
	struct bgp_sess_opts as4 = {.as4 = true}, as2 = {.as4 = false};

	memset(&a, 0, sizeof(a));
	buf_init_write(&st, store, sizeof(store));
	assert_int_equal(bgp_attrs_set_as_path(&a, &st, seq, 3), 0);
	assert_int_equal(bgp_aspath_length(&a), 3);
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(bgp_attrs_encode(&w, &a, &as4, NULL), 0);
	const uint8_t want4[] = {0x40, 0x02, 0x0e, 0x02, 0x03, 0x00, 0x00, 0xfd, 0xe9,
				 0xfa, 0x56, 0xea, 0x00, 0x00, 0x00, 0xfc, 0x00};
	assert_int_equal(buf_len(&w), sizeof(want4));
	assert_memory_equal(out, want4, sizeof(want4));
	/* to a 2-octet peer: AS_TRANS for the wide ASN (RFC 6793 §4.2.2) */
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(bgp_attrs_encode(&w, &a, &as2, NULL), 0);
	const uint8_t want2[] = {0x40, 0x02, 0x08, 0x02, 0x03, 0xfd, 0xe9, 0x5b, 0xa0, 0xfc, 0x00};
	assert_int_equal(buf_len(&w), sizeof(want2));
	assert_memory_equal(out, want2, sizeof(want2));
	/* AGGREGATOR both widths */
	memset(&a, 0, sizeof(a));
	bgp_attr_set(&a, BGP_ATTR_AGGREGATOR);
	a.aggr_as = 4200000000u;
	a.aggr_id = 0xc0000201;
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(bgp_attrs_encode(&w, &a, &as2, NULL), 0);
	const uint8_t wantag[] = {0xc0, 0x07, 0x06, 0x5b, 0xa0, 0xc0, 0x00, 0x02, 0x01};
	assert_memory_equal(out, wantag, sizeof(wantag));
	/* a 2-octet AS_PATH parsed, re-encoded for an AS4 peer is widened */
	const uint8_t attrs[] = {ORIGIN_IGP, 0x40, 0x02, 0x06, 0x01, 0x02,
				 0xfd,	     0xe9, 0xfd, 0xea, NH};
	const uint8_t nlri[] = {NLRI1};
	uint8_t msg[128];
	struct buf b;
	struct bgp_msg m;
	size_t len = make_update(msg, sizeof(msg), attrs, sizeof(attrs), nlri, sizeof(nlri));
	buf_init_read(&b, msg, len);
	assert_int_equal(bgp_msg_parse(&b, &as2, &m, NULL), 0);
	assert_int_equal(m.u.update.action, BGP_ACT_NONE);
	assert_int_equal(bgp_aspath_length(&m.u.update.attrs), 1); /* a set counts 1 */
	struct bgp_aspath_iter it;
	uint8_t t;
	uint32_t asn;
	bgp_aspath_iter_init(&it, &m.u.update.attrs);
	assert_int_equal(bgp_aspath_next(&it, &t, &asn), 1);
	assert_int_equal(t, BGP_AS_SET);
	assert_int_equal(asn, 65001);
	assert_int_equal(bgp_aspath_next(&it, &t, &asn), 1);
	assert_int_equal(asn, 65002);
	assert_int_equal(bgp_aspath_next(&it, &t, &asn), 0);
	buf_init_write(&w, out, sizeof(out));
	bgp_attr_set(&m.u.update.attrs, BGP_ATTR_AS_PATH);
	m.u.update.attrs.present = (uint64_t)1 << BGP_ATTR_AS_PATH;
	assert_int_equal(bgp_attrs_encode(&w, &m.u.update.attrs, &as4, NULL), 0);
	const uint8_t wide[] = {0x40, 0x02, 0x0a, 0x01, 0x02, 0, 0, 0xfd, 0xe9, 0, 0, 0xfd, 0xea};
	assert_int_equal(buf_len(&w), sizeof(wide));
	assert_memory_equal(out, wide, sizeof(wide));
}

static void test_accessors_and_format(void **state)
{
	(void)state;
	struct bgp_attrs a;
	uint8_t store[128];
	struct buf st;
	char s[128];
	const uint32_t comms[] = {BGP_COMM_NO_EXPORT, (65001u << 16) | 7};
	const struct bgp_lcomm lc[] = {{65001, 1, 5}, {65001, 2, 50}};

	memset(&a, 0, sizeof(a));
	buf_init_write(&st, store, sizeof(store));
	assert_int_equal(bgp_attrs_set_communities(&a, &st, comms, 2), 0);
	assert_int_equal(bgp_attrs_set_large_comms(&a, &st, lc, 2), 0);
	assert_int_equal(bgp_attrs_n_communities(&a), 2);
	assert_true(bgp_attrs_has_community(&a, BGP_COMM_NO_EXPORT));
	assert_false(bgp_attrs_has_community(&a, BGP_COMM_NO_ADVERTISE));
	assert_int_equal(bgp_attrs_community(&a, 1), comms[1]);
	assert_int_equal(bgp_attrs_community(&a, 2), 0); /* out of range */
	assert_int_equal(bgp_attrs_n_large_comms(&a), 2);
	assert_int_equal(bgp_attrs_large_comm(&a, 1).local2, 50);
	assert_int_equal(bgp_attrs_large_comm(&a, 9).global, 0);
	assert_true(bgp_attr_format(&a, BGP_ATTR_COMMUNITIES, s, sizeof(s)) > 0);
	assert_string_equal(s, "(65535,65281) (65001,7)");
	assert_true(bgp_attr_format(&a, BGP_ATTR_LARGE_COMMUNITY, s, sizeof(s)) > 0);
	assert_string_equal(s, "(65001,1,5) (65001,2,50)");
	assert_int_equal(bgp_attr_format(&a, BGP_ATTR_ORIGIN, s, sizeof(s)), -1); /* absent */
	a.origin = 2;
	bgp_attr_set(&a, BGP_ATTR_ORIGIN);
	bgp_attr_format(&a, BGP_ATTR_ORIGIN, s, sizeof(s));
	assert_string_equal(s, "incomplete");
	ipaddr_parse("192.0.2.9", &a.next_hop);
	bgp_attr_set(&a, BGP_ATTR_NEXT_HOP);
	bgp_attr_format(&a, BGP_ATTR_NEXT_HOP, s, sizeof(s));
	assert_string_equal(s, "192.0.2.9");
	const uint32_t seq[] = {65001, 65002};
	assert_int_equal(bgp_attrs_set_as_path(&a, &st, seq, 2), 0);
	bgp_attr_format(&a, BGP_ATTR_AS_PATH, s, sizeof(s));
	assert_string_equal(s, "65001 65002");
	assert_string_equal(bgp_attr_name(BGP_ATTR_MP_REACH), "MP_REACH_NLRI");
	assert_string_equal(bgp_attr_name(BGP_ATTR_LARGE_COMMUNITY), "LARGE_COMMUNITY");
	assert_string_equal(bgp_attr_name(11), "unknown");
	assert_string_equal(bgp_attr_name(255), "unknown");
	/* the store is bounded */
	uint8_t tiny[8];
	buf_init_write(&st, tiny, sizeof(tiny));
	assert_int_equal(bgp_attrs_set_large_comms(&a, &st, lc, 1), -1);
}

static void test_encode_order_and_limits(void **state)
{
	(void)state;
	/* parse a full set (ascending order with MP first) and re-encode byte for byte */
	const uint8_t attrs[] = {
	    MP_UNREACH6, MP_REACH6, ORIGIN_IGP, 0x40, 0x02, 0x06, 0x02, 0x01, 0,    0,
	    0xfd,	 0xe9,	    0x80,	0x04, 0x04, 0,	  0,	0,    9,    0x40,
	    0x05,	 0x04,	    0,		0,    0,    100,  0x40, 0x06, 0x00, 0xc0,
	    0x07,	 0x08,	    0,		0,    0xfd, 0xe9, 192,	0,    2,    1,
	    0xc0,	 0x08,	    0x04,	0xff, 0xff, 0xff, 0x01, 0x80, 0x09, 0x04,
	    10,		 0,	    0,		1,    0x80, 0x0a, 0x08, 10,   0,    0,
	    2,		 10,	    0,		0,    3,    0xc0, 0x20, 0x0c, 0,    0,
	    0xfd,	 0xe9,	    0,		0,    0,    4,	  0,	0,    0,    1};
	uint8_t msg[512], out[512];
	struct bgp_sess_opts o = {.as4 = true, .ibgp = true};
	struct buf b, w;
	struct bgp_msg m;
	size_t len = make_update(msg, sizeof(msg), attrs, sizeof(attrs), NULL, 0);
	buf_init_read(&b, msg, len);
	assert_int_equal(bgp_msg_parse(&b, &o, &m, NULL), 0);
	assert_int_equal(m.u.update.action, BGP_ACT_NONE);
	const struct bgp_attrs *a = &m.u.update.attrs;
	assert_int_equal(a->med, 9);
	assert_int_equal(a->originator_id, 0x0a000001);
	assert_int_equal(a->cluster_list.len, 8);
	assert_int_equal(a->aggr_as, 65001);
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(bgp_attrs_encode(&w, a, &o, NULL), 0);
	/* MP_* are always written with the extended length flag */
	uint8_t want[sizeof(attrs) + 2];
	const uint8_t mpu[] = {0x90, 0x0f, 0x00, 0x14};
	const uint8_t mpr[] = {0x90, 0x0e, 0x00, 0x26};
	memcpy(want, mpu, 4);
	memcpy(want + 4, attrs + 3, 0x14);
	memcpy(want + 4 + 0x14, mpr, 4);
	memcpy(want + 8 + 0x14, attrs + 3 + 0x14 + 3, sizeof(attrs) - 6 - 0x14);
	assert_int_equal(buf_len(&w), sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	for (size_t n = 0; n < sizeof(want); n++) {
		buf_init_write(&w, out, n);
		assert_int_equal(bgp_attrs_encode(&w, a, &o, NULL), -1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc7606_cases),
	    cmocka_unit_test(test_duplicate_keeps_first),
	    cmocka_unit_test(test_unknown_attrs),
	    cmocka_unit_test(test_as_width),
	    cmocka_unit_test(test_accessors_and_format),
	    cmocka_unit_test(test_encode_order_and_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
