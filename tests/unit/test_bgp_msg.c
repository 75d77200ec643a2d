/* SPDX-License-Identifier: ISC */
/* tests/unit/test_bgp_msg.c - proto/bgp_msg: whole-message vectors of every type (header
 * framing, KEEPALIVE, NOTIFICATION, ROUTE-REFRESH, OPEN, UPDATE framing errors) parsed,
 * rebuilt byte for byte and truncated at every length; OPEN and capabilities (a BIRD 2 style
 * OPEN byte for byte, more families than we track, negotiation), RFC 8538 (the N bit, Hard
 * Reset), the code names. UPDATE round trips, the UPDATE packer and VPN NLRI are in
 * test_bgp_msg_update.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "proto/bgp.h"

#include "bgp_msg_testlib.h"

/* ---- whole-message vectors ---- */
struct msg_vec {
	const char *name;
	uint8_t bytes[128];
	size_t len;
	int rc;
	uint8_t type;
	uint8_t code, subcode; /* NOTIFICATION to send when rc == -1 */
};

/* An OPEN as BIRD 2 sends it: AS 65001, hold 240, id 192.0.2.1; MP v4+v6, route refresh,
 * extended next hop (IPv4 over IPv6), graceful restart 120 s with both AFs forwarding,
 * AS4, ADD-PATH send+receive for both, enhanced route refresh. */
#define BIRD_OPEN                                                                                  \
	MARKER, 0x00, 0x53, 0x01, 0x04, 0xfd, 0xe9, 0x00, 0xf0, 0xc0, 0x00, 0x02, 0x01, 0x36,      \
	    0x02, 0x34, 0x01, 0x04, 0x00, 0x01, 0x00, 0x01, 0x01, 0x04, 0x00, 0x02, 0x00, 0x01,    \
	    0x02, 0x00, 0x05, 0x06, 0x00, 0x01, 0x00, 0x01, 0x00, 0x02, 0x40, 0x0a, 0x00, 0x78,    \
	    0x00, 0x01, 0x01, 0x80, 0x00, 0x02, 0x01, 0x80, 0x41, 0x04, 0x00, 0x00, 0xfd, 0xe9,    \
	    0x45, 0x08, 0x00, 0x01, 0x01, 0x03, 0x00, 0x02, 0x01, 0x03, 0x46, 0x00

static const struct msg_vec msg_vecs[] = {
    {"keepalive", {MARKER, 0x00, 0x13, 0x04}, 19, 0, BGP_KEEPALIVE, 0, 0},
    {"notification-cease-admin-shutdown",
     {MARKER, 0x00, 0x15, 0x03, 0x06, 0x02},
     21,
     0,
     BGP_NOTIFICATION,
     0,
     0},
    {"notification-with-data",
     {MARKER, 0x00, 0x17, 0x03, 0x01, 0x02, 0x10, 0x01},
     23,
     0,
     BGP_NOTIFICATION,
     0,
     0},
    {"route-refresh-ipv6",
     {MARKER, 0x00, 0x17, 0x05, 0x00, 0x02, 0x00, 0x01},
     23,
     0,
     BGP_ROUTE_REFRESH,
     0,
     0},
    {"open-bird2", {BIRD_OPEN}, 83, 0, BGP_OPEN, 0, 0},
    {"open-no-params",
     {MARKER, 0x00, 0x1d, 0x01, 0x04, 0xfd, 0xe9, 0x00, 0x5a, 0xc0, 0x00, 0x02, 0x02, 0x00},
     29,
     0,
     BGP_OPEN,
     0,
     0},
    {"update-eor-ipv4",
     {MARKER, 0x00, 0x17, 0x02, 0x00, 0x00, 0x00, 0x00},
     23,
     0,
     BGP_UPDATE,
     0,
     0},
    /* malformed framing */
    {"bad-marker",
     {0xff, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
      0xff, 0x00, 0x13, 0x04},
     19,
     -1,
     0,
     BGP_ERR_HEADER,
     BGP_ERR_HDR_SYNC},
    {"length-18", {MARKER, 0x00, 0x12, 0x04}, 19, -1, 0, BGP_ERR_HEADER, BGP_ERR_HDR_LEN},
    {"length-4097", {MARKER, 0x10, 0x01, 0x02}, 19, -1, 0, BGP_ERR_HEADER, BGP_ERR_HDR_LEN},
    {"keepalive-len-20",
     {MARKER, 0x00, 0x14, 0x04, 0x00},
     20,
     -1,
     0,
     BGP_ERR_HEADER,
     BGP_ERR_HDR_LEN},
    /* RFC 7313 §5: ROUTE-REFRESH Message Error / Invalid Message Length, not a header error */
    {"route-refresh-len-24",
     {MARKER, 0x00, 0x18, 0x05, 0, 1, 0, 1, 0},
     24,
     -1,
     0,
     BGP_ERR_ROUTE_REFRESH,
     1},
    {"route-refresh-borr-len-27",
     {MARKER, 0x00, 0x1b, 0x05, 0, 1, 1, 1, 0, 0, 0, 0},
     27,
     -1,
     0,
     BGP_ERR_ROUTE_REFRESH,
     1},
    {"route-refresh-len-22",
     {MARKER, 0x00, 0x16, 0x05, 0, 1, 0},
     22,
     -1,
     0,
     BGP_ERR_HEADER,
     BGP_ERR_HDR_LEN},
    {"open-len-28",
     {MARKER, 0x00, 0x1c, 0x01, 4, 0, 1, 0, 90, 1, 1, 1, 1},
     28,
     -1,
     0,
     BGP_ERR_HEADER,
     BGP_ERR_HDR_LEN},
    {"type-0", {MARKER, 0x00, 0x13, 0x00}, 19, -1, 0, BGP_ERR_HEADER, BGP_ERR_HDR_TYPE},
    {"type-6", {MARKER, 0x00, 0x13, 0x06}, 19, -1, 0, BGP_ERR_HEADER, BGP_ERR_HDR_TYPE},
    {"type-255", {MARKER, 0x00, 0x13, 0xff}, 19, -1, 0, BGP_ERR_HEADER, BGP_ERR_HDR_TYPE},
    {"trailing-byte", {MARKER, 0x00, 0x13, 0x04, 0x00}, 20, -1, 0, BGP_ERR_HEADER, BGP_ERR_HDR_LEN},
    {"length-larger-than-data", {MARKER, 0x00, 0x15, 0x03, 0x06}, 20, -1, 0, 0, 0},
    {"open-version-3",
     {MARKER, 0x00, 0x1d, 0x01, 0x03, 0xfd, 0xe9, 0x00, 0x5a, 0xc0, 0x00, 0x02, 0x02, 0x00},
     29,
     -1,
     0,
     BGP_ERR_OPEN,
     BGP_ERR_OPEN_VERSION},
    {"open-hold-2",
     {MARKER, 0x00, 0x1d, 0x01, 0x04, 0xfd, 0xe9, 0x00, 0x02, 0xc0, 0x00, 0x02, 0x02, 0x00},
     29,
     -1,
     0,
     BGP_ERR_OPEN,
     BGP_ERR_OPEN_HOLD},
    {"open-bgp-id-0",
     {MARKER, 0x00, 0x1d, 0x01, 0x04, 0xfd, 0xe9, 0x00, 0x5a, 0x00, 0x00, 0x00, 0x00, 0x00},
     29,
     -1,
     0,
     BGP_ERR_OPEN,
     BGP_ERR_OPEN_BGPID},
    {"open-as-0",
     {MARKER, 0x00, 0x1d, 0x01, 0x04, 0x00, 0x00, 0x00, 0x5a, 0xc0, 0x00, 0x02, 0x02, 0x00},
     29,
     -1,
     0,
     BGP_ERR_OPEN,
     BGP_ERR_OPEN_AS},
    {"open-opt-param-type-1",
     {MARKER, 0x00, 0x1f, 0x01, 0x04, 0xfd, 0xe9, 0x00, 0x5a, 0xc0, 0x00, 0x02, 0x02, 0x02, 0x01,
      0x00},
     31,
     -1,
     0,
     BGP_ERR_OPEN,
     BGP_ERR_OPEN_OPT},
    {"open-opt-len-overruns",
     {MARKER, 0x00, 0x1f, 0x01, 0x04, 0xfd, 0xe9, 0x00, 0x5a, 0xc0, 0x00, 0x02, 0x02, 0x05, 0x02,
      0x00},
     31,
     -1,
     0,
     BGP_ERR_OPEN,
     0},
    {"open-param-len-overruns",
     {MARKER, 0x00, 0x1f, 0x01, 0x04, 0xfd, 0xe9, 0x00, 0x5a, 0xc0, 0x00, 0x02, 0x02, 0x02, 0x02,
      0x01},
     31,
     -1,
     0,
     BGP_ERR_OPEN,
     0},
    {"open-capability-overruns",
     {MARKER, 0x00, 0x21, 0x01, 0x04, 0xfd, 0xe9, 0x00, 0x5a, 0xc0, 0x00, 0x02, 0x02, 0x04, 0x02,
      0x02, 0x41, 0x04},
     33,
     -1,
     0,
     BGP_ERR_OPEN,
     0},
    {"open-as4-capability-len-2",
     {MARKER, 0x00, 0x23, 0x01, 0x04, 0xfd, 0xe9, 0x00, 0x5a, 0xc0,
      0x00,   0x02, 0x02, 0x06, 0x02, 0x04, 0x41, 0x02, 0x00, 0x01},
     35,
     -1,
     0,
     BGP_ERR_OPEN,
     0},
    {"open-mp-capability-len-3",
     {MARKER, 0x00, 0x24, 0x01, 0x04, 0xfd, 0xe9, 0x00, 0x5a, 0xc0, 0x00,
      0x02,   0x02, 0x07, 0x02, 0x05, 0x01, 0x03, 0x00, 0x01, 0x00},
     36,
     -1,
     0,
     BGP_ERR_OPEN,
     0},
    {"open-addpath-mode-0",
     {MARKER, 0x00, 0x25, 0x01, 0x04, 0xfd, 0xe9, 0x00, 0x5a, 0xc0, 0x00,
      0x02,   0x02, 0x08, 0x02, 0x06, 0x45, 0x04, 0x00, 0x01, 0x01, 0x00},
     37,
     -1,
     0,
     BGP_ERR_OPEN,
     0},
    {"open-trailing-after-params",
     {MARKER, 0x00, 0x1e, 0x01, 0x04, 0xfd, 0xe9, 0x00, 0x5a, 0xc0, 0x00, 0x02, 0x02, 0x00, 0x00},
     30,
     -1,
     0,
     BGP_ERR_OPEN,
     0},
    {"notification-len-20",
     {MARKER, 0x00, 0x14, 0x03, 0x06},
     20,
     -1,
     0,
     BGP_ERR_HEADER,
     BGP_ERR_HDR_LEN},
    {"update-withdrawn-len-exceeds",
     {MARKER, 0x00, 0x17, 0x02, 0x00, 0x01, 0x00, 0x00},
     23,
     -1,
     0,
     BGP_ERR_UPDATE,
     BGP_ERR_UPD_ATTRLIST},
    {"update-attr-len-exceeds",
     {MARKER, 0x00, 0x17, 0x02, 0x00, 0x00, 0x00, 0x01},
     23,
     -1,
     0,
     BGP_ERR_UPDATE,
     BGP_ERR_UPD_ATTRLIST},
    {"update-withdrawn-plen-33",
     {MARKER, 0x00, 0x1c, 0x02, 0x00, 0x03, 0x21, 0x0a, 0x00, 0x00, 0x00},
     28,
     -1,
     0,
     BGP_ERR_UPDATE,
     BGP_ERR_UPD_NETWORK},
};

static void test_msg_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < nitems(msg_vecs); i++) {
		const struct msg_vec *v = &msg_vecs[i];
		struct buf b;
		struct bgp_msg m;
		struct bgp_err err;
		print_message("vector %s\n", v->name);
		buf_init_read(&b, v->bytes, v->len);
		int rc = bgp_msg_parse(&b, &opts_plain, &m, &err);
		assert_int_equal(rc, v->rc);
		if (rc == -1) {
			assert_int_equal(err.code, v->code);
			assert_int_equal(err.subcode, v->subcode);
			assert_non_null(err.e.reason);
			if (v->code == BGP_ERR_ROUTE_REFRESH) {
				/* the data is the complete ROUTE-REFRESH message */
				assert_int_equal(err.datalen, v->len);
				assert_memory_equal(err.data, v->bytes, v->len);
			}
			continue;
		}
		assert_int_equal(m.type, v->type);
		assert_int_equal(m.len, v->len);
		/* rebuild byte for byte */
		uint8_t out[BGP_MAX_LEN];
		struct buf w;
		buf_init_write(&w, out, sizeof(out));
		switch (m.type) {
		case BGP_KEEPALIVE:
			assert_int_equal(bgp_build_keepalive(&w, NULL), 0);
			break;
		case BGP_NOTIFICATION:
			assert_int_equal(bgp_build_notification(&w, m.u.notification.code,
								m.u.notification.subcode,
								m.u.notification.data.data,
								m.u.notification.data.len, NULL),
					 0);
			break;
		case BGP_ROUTE_REFRESH:
			assert_int_equal(bgp_build_route_refresh(&w, &m.u.refresh, NULL), 0);
			break;
		case BGP_OPEN:
			assert_int_equal(bgp_build_open(&w, &m.u.open, NULL), 0);
			break;
		case BGP_UPDATE:
			assert_int_equal(bgp_build_update_raw(&w, &m.u.update, &opts_plain, NULL),
					 0);
			break;
		}
		assert_int_equal(buf_len(&w), v->len);
		assert_memory_equal(out, v->bytes, v->len);
		/* every truncation fails cleanly */
		for (size_t n = 0; n < v->len; n++) {
			buf_init_read(&b, v->bytes, n);
			assert_int_equal(bgp_msg_parse(&b, &opts_plain, &m, &err), -1);
		}
		/* every too-small output fails cleanly */
		for (size_t n = 0; n < v->len; n++) {
			struct bgp_msg m2;
			buf_init_read(&b, v->bytes, v->len);
			assert_int_equal(bgp_msg_parse(&b, &opts_plain, &m2, &err), 0);
			buf_init_write(&w, out, n);
			int brc = -1;
			switch (m2.type) {
			case BGP_KEEPALIVE:
				brc = bgp_build_keepalive(&w, NULL);
				break;
			case BGP_NOTIFICATION:
				brc = bgp_build_notification(&w, 6, 2, NULL, 0, NULL);
				if (n >= 21)
					brc = -1; /* would fit: not what this loop checks */
				break;
			case BGP_ROUTE_REFRESH:
				brc = bgp_build_route_refresh(&w, &m2.u.refresh, NULL);
				break;
			case BGP_OPEN:
				brc = bgp_build_open(&w, &m2.u.open, NULL);
				break;
			case BGP_UPDATE:
				brc = bgp_build_update_raw(&w, &m2.u.update, &opts_plain, NULL);
				break;
			}
			assert_int_equal(brc, -1);
		}
	}
}

/* Cut a valid message short and patch its length field, so the inner parsers (not the
 * framing) meet the missing bytes: must fail or classify, never read past the end. */
static void test_inner_truncation(void **state)
{
	(void)state;
	for (size_t i = 0; i < nitems(msg_vecs); i++) {
		const struct msg_vec *v = &msg_vecs[i];
		if (v->rc != 0)
			continue;
		for (size_t n = BGP_HDR_LEN; n < v->len; n++) {
			uint8_t cut[128];
			struct buf b;
			struct bgp_msg m;
			struct bgp_err err;
			memcpy(cut, v->bytes, n);
			cut[16] = (uint8_t)(n >> 8);
			cut[17] = (uint8_t)n;
			buf_init_read(&b, cut, n);
			int rc = bgp_msg_parse(&b, &opts_plain, &m, &err);
			if (v->type == BGP_OPEN || v->type == BGP_ROUTE_REFRESH ||
			    v->type == BGP_KEEPALIVE)
				assert_int_equal(rc, -1);
			if (rc == -1)
				assert_non_null(err.e.reason);
		}
	}
}

static void test_open_bird2_fields(void **state)
{
	(void)state;
	const uint8_t bytes[] = {BIRD_OPEN};
	struct buf b;
	struct bgp_msg m;
	struct bgp_err err;
	buf_init_read(&b, bytes, sizeof(bytes));
	assert_int_equal(bgp_msg_parse(&b, &opts_plain, &m, &err), 0);
	const struct bgp_open *o = &m.u.open;
	assert_int_equal(o->version, 4);
	assert_int_equal(o->my_as, 65001);
	assert_int_equal(bgp_open_asn(o), 65001);
	assert_int_equal(o->hold_time, 240);
	assert_int_equal(o->bgp_id, 0xc0000201);
	assert_int_equal(o->caps.n_mp, 2);
	assert_int_equal(o->caps.mp[0].afi, 1);
	assert_int_equal(o->caps.mp[1].afi, 2);
	assert_int_equal(o->caps.mp[1].safi, 1);
	assert_true(o->caps.route_refresh);
	assert_true(o->caps.enhanced_rr);
	assert_int_equal(o->caps.n_extnh, 1);
	assert_int_equal(o->caps.extnh[0].nh_afi, 2);
	assert_true(o->caps.gr);
	assert_int_equal(o->caps.gr_time, 120);
	assert_int_equal(o->caps.gr_flags, 0);
	assert_int_equal(o->caps.n_gr, 2);
	assert_int_equal(o->caps.gr_af[1].afi, 2);
	assert_int_equal(o->caps.gr_af[1].flags, BGP_GR_AF_F_FWD);
	assert_true(o->caps.as4);
	assert_int_equal(o->caps.as4_asn, 65001);
	assert_int_equal(o->caps.n_addpath, 2);
	assert_int_equal(o->caps.addpath[0].flags, BGP_ADDPATH_RECV | BGP_ADDPATH_SEND);
	assert_int_equal(o->caps.n_unknown, 0);
}

static void test_open_build_fields(void **state)
{
	(void)state;
	/* A 4-byte AS: AS_TRANS in my_as, GR restarting flag, unknown capability passed on,
	 * capabilities split over two optional parameters on input */
	const uint8_t two_params[] = {MARKER, 0x00, 0x2d, 0x01, 0x04, 0x5b, 0xa0, 0x00, 0xb4, 0x0a,
				      0x00,   0x00, 0x01, 0x10, 0x02, 0x06, 0x41, 0x04, 0x00, 0x01,
				      0x00,   0x00, 0x02, 0x06, 0x49, 0x04, 'h',  'o',	's',  't'};
	struct buf b;
	struct bgp_msg m;
	struct bgp_err err;
	buf_init_read(&b, two_params, sizeof(two_params));
	assert_int_equal(bgp_msg_parse(&b, &opts_plain, &m, &err), 0);
	assert_int_equal(m.u.open.my_as, BGP_AS_TRANS);
	assert_int_equal(bgp_open_asn(&m.u.open), 65536);
	assert_int_equal(m.u.open.caps.n_unknown, 1);
	assert_int_equal(m.u.open.caps.unknown[0].code, 73);
	assert_int_equal(m.u.open.caps.unknown[0].val.len, 4);

	/* rebuilt with one optional parameter */
	const uint8_t want[] = {MARKER, 0x00, 0x2b, 0x01, 0x04, 0x5b, 0xa0, 0x00, 0xb4, 0x0a,
				0x00,	0x00, 0x01, 0x0e, 0x02, 0x0c, 0x41, 0x04, 0x00, 0x01,
				0x00,	0x00, 0x49, 0x04, 'h',	'o',  's',  't'};
	uint8_t out[128];
	struct buf w;
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(bgp_build_open(&w, &m.u.open, NULL), 0);
	assert_int_equal(buf_len(&w), sizeof(want));
	assert_memory_equal(out, want, sizeof(want));

	/* graceful restart with the R bit and a forwarding flag */
	struct bgp_open o = {.version = 4, .my_as = 65001, .hold_time = 90, .bgp_id = 1};
	o.caps.gr = true;
	o.caps.gr_flags = BGP_GR_F_RESTART;
	o.caps.gr_time = 300;
	o.caps.n_gr = 1;
	o.caps.gr_af[0] = (struct bgp_capa_af){1, 1, BGP_GR_AF_F_FWD};
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(bgp_build_open(&w, &o, NULL), 0);
	/* GR capability: flags 0x8 and time 300 in one u16, then afi 1 safi 1 F bit */
	const uint8_t want_gr6[] = {MARKER, 0x00, 0x27, 0x01, 0x04, 0xfd, 0xe9, 0x00,
				    0x5a,   0x00, 0x00, 0x00, 0x01, 0x0a, 0x02, 0x08,
				    0x40,   0x06, 0x81, 0x2c, 0x00, 0x01, 0x01, 0x80};
	assert_int_equal(buf_len(&w), sizeof(want_gr6));
	assert_memory_equal(out, want_gr6, sizeof(want_gr6));
	buf_init_read(&b, out, buf_len(&w));
	assert_int_equal(bgp_msg_parse(&b, &opts_plain, &m, &err), 0);
	assert_int_equal(m.u.open.caps.gr_flags, BGP_GR_F_RESTART);
	assert_int_equal(m.u.open.caps.gr_time, 300);
	assert_int_equal(m.u.open.caps.gr_af[0].flags, BGP_GR_AF_F_FWD);

	/* out-of-range GR time is refused */
	o.caps.gr_time = 4096;
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(bgp_build_open(&w, &o, NULL), -1);
}

/* ---- RFC 8538: the N bit of the GR capability, negotiation, Hard Reset ---- */
struct gr_vec {
	const char *name;
	uint8_t flags;
	uint16_t time;
	uint8_t n_af;
	struct bgp_capa_af af[2];
	uint8_t bytes[64]; /* the whole OPEN: my AS 65001, hold 90, BGP ID 0.0.0.1 */
	size_t len;
};

#define OPEN_HEAD(total, optlen)                                                                   \
	MARKER, 0x00, (total), 0x01, 0x04, 0xfd, 0xe9, 0x00, 0x5a, 0x00, 0x00, 0x00, 0x01, (optlen)

static const struct gr_vec gr_vecs[] = {
    /* N only, 120 s, IPv4 unicast with F: flags+time u16 0x4078 */
    {"n-ipv4-f",
     BGP_GR_F_NOTIFY,
     120,
     1,
     {{1, 1, BGP_GR_AF_F_FWD}},
     {OPEN_HEAD(0x27, 0x0a), 0x02, 0x08, 0x40, 0x06, 0x40, 0x78, 0x00, 0x01, 0x01, 0x80},
     39},
    /* R and N, the maximum time 4095, no family (a helper-only speaker) */
    {"r-n-max-time-no-af",
     BGP_GR_F_RESTART | BGP_GR_F_NOTIFY,
     4095,
     0,
     {{0, 0, 0}},
     {OPEN_HEAD(0x23, 0x06), 0x02, 0x04, 0x40, 0x02, 0xcf, 0xff},
     35},
    /* N, 90 s, IPv4 without F and IPv6 with F */
    {"n-two-families",
     BGP_GR_F_NOTIFY,
     90,
     2,
     {{1, 1, 0}, {2, 1, BGP_GR_AF_F_FWD}},
     {OPEN_HEAD(0x2b, 0x0e), 0x02, 0x0c, 0x40, 0x0a, 0x40, 0x5a, 0x00, 0x01, 0x01, 0x00, 0x00, 0x02,
      0x01, 0x80},
     43},
};

static void test_gr_notify_capability(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(gr_vecs) / sizeof(gr_vecs[0]); i++) {
		const struct gr_vec *v = &gr_vecs[i];
		struct bgp_open o = {.version = 4, .my_as = 65001, .hold_time = 90, .bgp_id = 1};
		uint8_t out[128];
		struct buf w, b;
		struct bgp_msg m;
		struct bgp_err err;
		o.caps.gr = true;
		o.caps.gr_flags = v->flags;
		o.caps.gr_time = v->time;
		o.caps.n_gr = v->n_af;
		memcpy(o.caps.gr_af, v->af, sizeof(v->af));
		buf_init_write(&w, out, sizeof(out));
		assert_int_equal(bgp_build_open(&w, &o, NULL), 0);
		if (buf_len(&w) != v->len || memcmp(out, v->bytes, v->len) != 0)
			fail_msg("%s: built bytes differ", v->name);
		buf_init_read(&b, v->bytes, v->len);
		assert_int_equal(bgp_msg_parse(&b, &opts_plain, &m, &err), 0);
		assert_int_equal(m.type, BGP_OPEN);
		assert_true(m.u.open.caps.gr);
		assert_int_equal(m.u.open.caps.gr_flags, v->flags);
		assert_int_equal(m.u.open.caps.gr_time, v->time);
		assert_int_equal(m.u.open.caps.n_gr, v->n_af);
		for (unsigned k = 0; k < v->n_af; k++)
			assert_int_equal(m.u.open.caps.gr_af[k].flags, v->af[k].flags);
		/* N with both sides: negotiated; against itself too */
		struct bgp_sess_opts so;
		bgp_caps_negotiate(&o.caps, &m.u.open.caps, true, &so);
		assert_true(so.gr_notify);
	}
	/* reserved flag bits next to N are ignored, N read alone: 0x7 = N + reserved */
	const uint8_t res[] = {OPEN_HEAD(0x23, 0x06), 0x02, 0x04, 0x40, 0x02, 0x70, 0x78};
	struct buf b;
	struct bgp_msg m;
	struct bgp_err err;
	buf_init_read(&b, res, sizeof(res));
	assert_int_equal(bgp_msg_parse(&b, &opts_plain, &m, &err), 0);
	assert_int_equal(m.u.open.caps.gr_flags & BGP_GR_F_NOTIFY, BGP_GR_F_NOTIFY);
	assert_int_equal(m.u.open.caps.gr_flags & BGP_GR_F_RESTART, 0);
	/* truncated: flags without the time byte */
	const uint8_t trunc[] = {OPEN_HEAD(0x22, 0x05), 0x02, 0x03, 0x40, 0x01, 0x40};
	buf_init_read(&b, trunc, sizeof(trunc));
	assert_int_equal(bgp_msg_parse(&b, &opts_plain, &m, &err), -1);
}

static void test_gr_notify_negotiation(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		bool lgr, rgr;
		uint8_t lf, rf;
		bool want;
	} t[] = {
	    {"both-n", true, true, BGP_GR_F_NOTIFY, BGP_GR_F_NOTIFY, true},
	    {"both-n-and-r", true, true, 0xc, BGP_GR_F_NOTIFY, true},
	    {"local-only", true, true, BGP_GR_F_NOTIFY, 0, false},
	    {"remote-only", true, true, 0, BGP_GR_F_NOTIFY, false},
	    {"r-is-not-n", true, true, BGP_GR_F_RESTART, BGP_GR_F_RESTART, false},
	    {"no-gr-remote", true, false, BGP_GR_F_NOTIFY, BGP_GR_F_NOTIFY, false},
	    {"no-gr-local", false, true, BGP_GR_F_NOTIFY, BGP_GR_F_NOTIFY, false},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct bgp_caps l = {.gr = t[i].lgr, .gr_flags = t[i].lf};
		struct bgp_caps r = {.gr = t[i].rgr, .gr_flags = t[i].rf};
		struct bgp_sess_opts so;
		bgp_caps_negotiate(&l, &r, false, &so);
		if (so.gr_notify != t[i].want)
			fail_msg("%s: gr_notify %d", t[i].name, so.gr_notify);
	}
}

/* RFC 8538 §3: Cease/Hard Reset carrying the reason it wraps (Cease/Administrative Reset) */
static void test_hard_reset_notification(void **state)
{
	(void)state;
	const uint8_t want[] = {MARKER, 0x00, 0x17, 0x03, 0x06, 0x09, 0x06, 0x04};
	const uint8_t why[] = {BGP_ERR_CEASE, BGP_ERR_CEASE_ADMIN_RST};
	uint8_t out[64];
	struct buf w, b;
	struct bgp_msg m;
	struct bgp_err err;
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(
	    bgp_build_notification(&w, BGP_ERR_CEASE, BGP_ERR_CEASE_HARD_RESET, why, 2, NULL), 0);
	assert_int_equal(buf_len(&w), sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	buf_init_read(&b, want, sizeof(want));
	assert_int_equal(bgp_msg_parse(&b, &opts_plain, &m, &err), 0);
	assert_int_equal(m.type, BGP_NOTIFICATION);
	assert_int_equal(m.u.notification.subcode, BGP_ERR_CEASE_HARD_RESET);
	assert_int_equal(buf_left(&m.u.notification.data), 2);
	assert_memory_equal(buf_cur(&m.u.notification.data), why, 2);
	assert_string_equal(bgp_err_subcode_name(BGP_ERR_CEASE, BGP_ERR_CEASE_HARD_RESET),
			    "Hard Reset");
}

static void test_negotiate(void **state)
{
	(void)state;
	const uint8_t bytes[] = {BIRD_OPEN};
	struct buf b;
	struct bgp_msg m;
	struct bgp_err err;
	struct bgp_sess_opts so;
	buf_init_read(&b, bytes, sizeof(bytes));
	assert_int_equal(bgp_msg_parse(&b, &opts_plain, &m, &err), 0);

	struct bgp_caps local = {0};
	local.n_mp = 2;
	local.mp[0] = (struct bgp_capa_af){1, 1, 0};
	local.mp[1] = (struct bgp_capa_af){2, 1, 0};
	local.as4 = true;
	local.as4_asn = 65000;
	local.route_refresh = true;
	local.n_addpath = 2;
	local.addpath[0] = (struct bgp_capa_af){1, 1, BGP_ADDPATH_SEND};
	local.addpath[1] = (struct bgp_capa_af){2, 1, BGP_ADDPATH_RECV};
	bgp_caps_negotiate(&local, &m.u.open.caps, false, &so);
	assert_true(so.as4);
	assert_false(so.ibgp);
	assert_true(so.route_refresh);
	assert_int_equal(so.mp, 3);
	assert_int_equal(so.addpath_tx, BGP_AID_BIT(BGP_AID_IPV4));
	assert_int_equal(so.addpath_rx, BGP_AID_BIT(BGP_AID_IPV6));
	assert_int_equal(so.ext_nh, 0); /* we did not offer it */

	local.n_extnh = 1;
	local.extnh[0] = (struct bgp_capa_extnh){1, 1, 2};
	bgp_caps_negotiate(&local, &m.u.open.caps, true, &so);
	assert_int_equal(so.ext_nh, BGP_AID_BIT(BGP_AID_IPV4));
	assert_true(so.ibgp);

	/* no MP capabilities on either side: IPv4 unicast only; no AS4 on one side */
	struct bgp_caps none = {0};
	bgp_caps_negotiate(&none, &local, false, &so);
	assert_int_equal(so.mp, BGP_AID_BIT(BGP_AID_IPV4)); /* no MP on one side: IPv4 implied */
	bgp_caps_negotiate(&none, &none, false, &so);
	assert_int_equal(so.mp, BGP_AID_BIT(BGP_AID_IPV4));
	assert_false(so.as4);
}

/* An OPEN whose one Capabilities parameter holds the MP capabilities of `fam` (AFI, SAFI
 * pairs) and one ADD-PATH capability listing them all with Send/Receive. */
static size_t open_with_families(uint8_t *o, const uint16_t (*fam)[2], size_t n)
{
	const uint8_t hdr[] = {MARKER, 0, 0, 0x01, 0x04, 0xfd, 0xe9, 0x00, 0x5a, 0xc0, 0, 2, 1};
	size_t l = sizeof(hdr);
	memcpy(o, hdr, l);
	o[l++] = 0; /* optional parameters length */
	o[l++] = 2;
	o[l++] = 0; /* capabilities parameter length */
	for (size_t i = 0; i < n; i++) {
		const uint8_t mp[] = {
		    1, 4, (uint8_t)(fam[i][0] >> 8), (uint8_t)fam[i][0], 0, (uint8_t)fam[i][1]};
		memcpy(o + l, mp, sizeof(mp));
		l += sizeof(mp);
	}
	o[l++] = BGP_CAPA_ADD_PATH;
	o[l++] = (uint8_t)(4 * n);
	for (size_t i = 0; i < n; i++) {
		const uint8_t ap[] = {(uint8_t)(fam[i][0] >> 8), (uint8_t)fam[i][0],
				      (uint8_t)fam[i][1], 3};
		memcpy(o + l, ap, sizeof(ap));
		l += sizeof(ap);
	}
	o[30] = (uint8_t)(l - 31);
	o[28] = (uint8_t)(l - 29);
	o[16] = (uint8_t)(l >> 8);
	o[17] = (uint8_t)l;
	return l;
}

/* A peer with more families enabled than BGP_CAPA_AF_MAX (FRR with VPN, labeled, flowspec,
 * EVPN ...) is not refused: the unicast families are kept, whatever their position. */
static void test_open_many_families(void **state)
{
	(void)state;
	static const uint16_t fam[][2] = {{1, 1}, {1, 2},   {1, 4},   {1, 128}, {1, 133}, {2, 2},
					  {2, 4}, {2, 128}, {2, 133}, {25, 70}, {2, 1}};
	static const uint16_t twice[][2] = {{1, 1}, {2, 1}, {1, 1}, {2, 1}, {1, 1},
					    {2, 1}, {1, 1}, {2, 1}, {1, 1}};
	uint8_t o[256];
	struct buf b;
	struct bgp_msg m;
	struct bgp_err err;
	struct bgp_sess_opts so;
	struct bgp_caps local = {0};

	size_t l = open_with_families(o, fam, nitems(fam));
	buf_init_read(&b, o, l);
	assert_int_equal(bgp_msg_parse(&b, &opts_plain, &m, &err), 0);
	assert_int_equal(m.u.open.caps.n_mp, BGP_CAPA_AF_MAX);
	assert_int_equal(m.u.open.caps.n_addpath, BGP_CAPA_AF_MAX);
	local.n_mp = 2;
	local.mp[0] = (struct bgp_capa_af){1, 1, 0};
	local.mp[1] = (struct bgp_capa_af){2, 1, 0};
	local.n_addpath = 2;
	local.addpath[0] = (struct bgp_capa_af){1, 1, BGP_ADDPATH_RECV};
	local.addpath[1] = (struct bgp_capa_af){2, 1, BGP_ADDPATH_RECV};
	bgp_caps_negotiate(&local, &m.u.open.caps, true, &so);
	assert_int_equal(so.mp, BGP_AID_BIT(BGP_AID_IPV4) | BGP_AID_BIT(BGP_AID_IPV6));
	assert_int_equal(so.addpath_rx, BGP_AID_BIT(BGP_AID_IPV4) | BGP_AID_BIT(BGP_AID_IPV6));

	/* the kept list re-encodes and parses to the same capabilities */
	uint8_t out[BGP_MAX_LEN];
	struct buf w;
	struct bgp_msg m2;
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(bgp_build_open(&w, &m.u.open, NULL), 0);
	buf_as_reader(&w, &b);
	assert_int_equal(bgp_msg_parse(&b, &opts_plain, &m2, &err), 0);
	assert_int_equal(m2.u.open.caps.n_mp, BGP_CAPA_AF_MAX);

	/* more entries than slots, all unicast (repeats): refused as a malformed capability */
	l = open_with_families(o, twice, nitems(twice));
	buf_init_read(&b, o, l);
	assert_int_equal(bgp_msg_parse(&b, &opts_plain, &m, &err), -1);
	assert_int_equal(err.code, BGP_ERR_OPEN);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(bgp_msg_type_name(BGP_UPDATE), "UPDATE");
	assert_string_equal(bgp_msg_type_name(0), "unknown");
	assert_string_equal(bgp_msg_type_name(200), "unknown");
	assert_string_equal(bgp_err_code_name(BGP_ERR_CEASE), "Cease");
	assert_string_equal(bgp_err_code_name(99), "Unknown Error");
	assert_string_equal(bgp_err_subcode_name(BGP_ERR_UPDATE, BGP_ERR_UPD_ATTRLIST),
			    "Malformed Attribute List");
	assert_string_equal(bgp_err_subcode_name(BGP_ERR_CEASE, BGP_ERR_CEASE_ADMIN_DOWN),
			    "Administrative Shutdown");
	assert_string_equal(bgp_err_subcode_name(BGP_ERR_OPEN, 200), "Unknown");
	assert_string_equal(bgp_err_subcode_name(BGP_ERR_HOLD, 0), "Unspecific");
	assert_string_equal(bgp_action_name(BGP_ACT_TREAT_AS_WITHDRAW), "treat-as-withdraw");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_msg_vectors),
	    cmocka_unit_test(test_inner_truncation),
	    cmocka_unit_test(test_open_bird2_fields),
	    cmocka_unit_test(test_open_build_fields),
	    cmocka_unit_test(test_open_many_families),
	    cmocka_unit_test(test_negotiate),
	    cmocka_unit_test(test_gr_notify_capability),
	    cmocka_unit_test(test_gr_notify_negotiation),
	    cmocka_unit_test(test_hard_reset_notification),
	    cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
