/* SPDX-License-Identifier: ISC */
/*
 * tests/fuzz/fuzz_bgp.c - libFuzzer target for the BGP message decoder (bgp_msg_parse: header,
 * OPEN/capabilities, UPDATE with RFC 7606 classification, NOTIFICATION, ROUTE-REFRESH) and,
 * on received paths, the host-mapping decoder (bgp_mapping_decode_path).
 *
 * Input: byte 0 chooses the session options (bit 0 AS4, bit 1 iBGP, bit 2/3 ADD-PATH receive
 * for IPv4/IPv6, unicast and VPN; bit 4 extended next hop for IPv4 and VPN-IPv4), the rest is
 * one BGP message; every family (IPv4/IPv6 unicast, VPN-IPv4/-IPv6) is negotiated. A
 * successful parse is made observable: every NLRI list is walked and must yield exactly its
 * count (VPN entries: an RD that names an instance ID gives it to the prefix, an
 * announcement's label has its bottom-of-stack bit); the message is re-encoded, the
 * encoding must parse again to the same routes and attributes with no new problem, and
 * re-encoding that must give the same bytes. Violations abort().
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/bgp.h"
#include "proto/bgp_mapping.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "fuzz_bgp: %s:%d: check failed: %s\n", __FILE__, __LINE__, \
				#c);                                                               \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#define OUT_MAX (2 * BGP_MAX_LEN)

/* Walk a list: exactly `count` entries, all well-formed; returns a fold of them. */
static uint32_t walk(const struct bgp_nlri_list *l, const struct bgp_attrs *a)
{
	struct bgp_nlri_iter it;
	struct bgp_route r;
	uint32_t n = 0, fold = 0;
	int rc;
	bgp_nlri_iter_init(&it, l);
	while ((rc = bgp_nlri_next(&it, &r)) == 1) {
		uint32_t iid = 0;
		CHECK(r.prefix.afi == l->afi);
		CHECK(r.prefix.plen <= afi_max_plen(l->afi));
		CHECK(l->addpath || r.path_id == 0);
		CHECK(r.vpn == (l->safi == BGP_SAFI_VPN));
		if (r.vpn) {
			CHECK(r.prefix.iid == (bgp_rd_iid(r.rd, &iid) == 0 ? iid : 0));
			CHECK(l->withdraw || (r.label & BGP_LABEL_BOS));
			CHECK(r.label <= 0xffffff);
		} else {
			CHECK(r.prefix.iid == 0);
		}
		fold = fold * 31 + r.path_id + r.prefix.plen + r.prefix.a[0];
		if (a && n == 0) {
			struct bgp_map_path_info info;
			struct proto_err e;
			if (bgp_mapping_decode_path(&r, a, 0, &info, &e) == 0) {
				CHECK(info.eid.iid <= LISP_IID_MAX);
				CHECK(info.version <= BGP_MAP_VERSION_MAX);
				CHECK(!r.vpn || (info.eid.iid == r.prefix.iid && iid != 0));
			}
		}
		n++;
	}
	CHECK(rc == 0);
	CHECK(n == l->count);
	return fold;
}

static uint32_t mp_count(const struct bgp_attrs *a, unsigned type)
{
	if (!bgp_attr_has(a, type))
		return 0;
	return type == BGP_ATTR_MP_REACH ? a->mp_reach.count : a->mp_unreach.count;
}

static void check_update(const struct bgp_update *u, const struct bgp_sess_opts *o)
{
	static uint8_t w1[OUT_MAX], w2[OUT_MAX];
	const struct bgp_attrs *a = &u->attrs;
	struct buf o1, o2, b;
	struct bgp_msg m2, m3;
	struct bgp_err err;
	struct proto_err e;
	char s[512];

	CHECK(u->action <= BGP_ACT_SESSION_RESET);
	CHECK(u->action == BGP_ACT_NONE || u->reason != NULL);
	if (u->action == BGP_ACT_SESSION_RESET) {
		CHECK(u->notify.code == BGP_ERR_UPDATE);
		return;
	}
	uint32_t f1 = walk(&u->withdrawn, NULL) + walk(&u->nlri, a);
	if (bgp_attr_has(a, BGP_ATTR_MP_REACH))
		f1 += walk(&a->mp_reach, a);
	if (bgp_attr_has(a, BGP_ATTR_MP_UNREACH))
		f1 += walk(&a->mp_unreach, NULL);
	for (unsigned t = 1; t < BGP_ATTR__TABLE; t++)
		if (bgp_attr_has(a, t))
			CHECK(bgp_attr_format(a, (uint8_t)t, s, sizeof(s)) >= 0);
	(void)bgp_aspath_length(a);

	buf_init_write(&o1, w1, sizeof(w1));
	if (bgp_build_update_raw(&o1, u, o, &e) == -1) {
		/* canonical re-encoding (extended-length MP attributes) may outgrow 4096 */
		CHECK(e.code == PERR_LIMIT);
		return;
	}
	buf_as_reader(&o1, &b);
	CHECK(bgp_msg_parse(&b, o, &m2, &err) == 0);
	CHECK(m2.type == BGP_UPDATE);
	const struct bgp_update *u2 = &m2.u.update;
	/* what was kept is clean now (discarded attributes are gone) */
	CHECK(u2->action != BGP_ACT_SESSION_RESET);
	CHECK(u2->action != BGP_ACT_ATTR_DISCARD);
	CHECK(u2->attrs.present == a->present);
	CHECK(u2->withdrawn.count == u->withdrawn.count);
	CHECK(u2->nlri.count == u->nlri.count);
	CHECK(mp_count(&u2->attrs, BGP_ATTR_MP_REACH) == mp_count(a, BGP_ATTR_MP_REACH));
	CHECK(mp_count(&u2->attrs, BGP_ATTR_MP_UNREACH) == mp_count(a, BGP_ATTR_MP_UNREACH));
	CHECK(u2->attrs.n_unknown == a->n_unknown);
	uint32_t f2 = walk(&u2->withdrawn, NULL) + walk(&u2->nlri, &u2->attrs);
	if (bgp_attr_has(&u2->attrs, BGP_ATTR_MP_REACH))
		f2 += walk(&u2->attrs.mp_reach, &u2->attrs);
	if (bgp_attr_has(&u2->attrs, BGP_ATTR_MP_UNREACH))
		f2 += walk(&u2->attrs.mp_unreach, NULL);
	CHECK(f1 == f2);

	buf_init_write(&o2, w2, sizeof(w2));
	CHECK(bgp_build_update_raw(&o2, u2, o, &e) == 0);
	CHECK(buf_len(&o2) == buf_len(&o1));
	CHECK(memcmp(w1, w2, buf_len(&o1)) == 0);
	buf_as_reader(&o2, &b);
	CHECK(bgp_msg_parse(&b, o, &m3, &err) == 0);
}

static void check_open(const struct bgp_open *op)
{
	static uint8_t w1[OUT_MAX], w2[OUT_MAX];
	struct buf o1, o2, b;
	struct bgp_msg m2;
	struct bgp_err err;
	struct proto_err e;
	static const struct bgp_sess_opts none;

	buf_init_write(&o1, w1, sizeof(w1));
	CHECK(bgp_build_open(&o1, op, &e) == 0);
	buf_as_reader(&o1, &b);
	CHECK(bgp_msg_parse(&b, &none, &m2, &err) == 0);
	const struct bgp_open *p2 = &m2.u.open;
	CHECK(p2->my_as == op->my_as && p2->hold_time == op->hold_time && p2->bgp_id == op->bgp_id);
	CHECK(bgp_open_asn(p2) == bgp_open_asn(op));
	CHECK(p2->caps.n_mp == op->caps.n_mp && p2->caps.n_addpath == op->caps.n_addpath &&
	      p2->caps.n_gr == op->caps.n_gr && p2->caps.n_extnh == op->caps.n_extnh &&
	      p2->caps.n_unknown == op->caps.n_unknown && p2->caps.gr_time == op->caps.gr_time);
	buf_init_write(&o2, w2, sizeof(w2));
	CHECK(bgp_build_open(&o2, p2, &e) == 0);
	CHECK(buf_len(&o2) == buf_len(&o1) && memcmp(w1, w2, buf_len(&o1)) == 0);
	/* negotiation against itself is well-defined */
	struct bgp_sess_opts so;
	bgp_caps_negotiate(&op->caps, &p2->caps, true, &so);
	CHECK(so.as4 == op->caps.as4);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t w[OUT_MAX];
	struct bgp_sess_opts o;
	struct bgp_msg m;
	struct bgp_err err;
	struct proto_err e;
	struct buf b, ow;

	if (size < 1)
		return 0;
	memset(&o, 0, sizeof(o));
	o.as4 = data[0] & 1;
	o.ibgp = (data[0] >> 1) & 1;
	if (data[0] & 4)
		o.addpath_rx |= BGP_AID_BIT(BGP_AID_IPV4) | BGP_AID_BIT(BGP_AID_VPNV4);
	if (data[0] & 8)
		o.addpath_rx |= BGP_AID_BIT(BGP_AID_IPV6) | BGP_AID_BIT(BGP_AID_VPNV6);
	o.addpath_tx = o.addpath_rx;
	if (data[0] & 16)
		o.ext_nh = BGP_AID_BIT(BGP_AID_IPV4) | BGP_AID_BIT(BGP_AID_VPNV4);
	o.mp = BGP_AID_ALL_MASK;
	buf_init_read(&b, data + 1, size - 1);

	/* the stream framer agrees with the whole-message parser on the header */
	{
		struct buf h;
		uint8_t type;
		uint16_t len;
		buf_init_read(&h, data + 1, size - 1);
		int hrc = bgp_hdr_parse(&h, &type, &len, &err);
		if (hrc == 0)
			CHECK(len >= BGP_HDR_LEN && len <= BGP_MAX_LEN);
	}

	if (bgp_msg_parse(&b, &o, &m, &err) == -1) {
		CHECK(err.e.reason != NULL && err.e.code > PERR_OK && err.e.code < PERR__COUNT);
		CHECK(err.code <= BGP_ERR_ROUTE_REFRESH && err.datalen <= BGP_NOTIFY_DATA_MAX);
		CHECK(bgp_err_code_name(err.code) != NULL &&
		      bgp_err_subcode_name(err.code, err.subcode) != NULL);
		/* a NOTIFICATION for it can always be built */
		buf_init_write(&ow, w, sizeof(w));
		if (err.code)
			CHECK(bgp_build_notification(&ow, err.code, err.subcode, err.data,
						     err.datalen, &e) == 0);
		return 0;
	}
	CHECK(m.len == size - 1);
	buf_init_write(&ow, w, sizeof(w));
	switch (m.type) {
	case BGP_OPEN:
		check_open(&m.u.open);
		break;
	case BGP_UPDATE:
		check_update(&m.u.update, &o);
		break;
	case BGP_KEEPALIVE:
		CHECK(bgp_build_keepalive(&ow, &e) == 0 && buf_len(&ow) == size - 1 &&
		      memcmp(w, data + 1, size - 1) == 0);
		break;
	case BGP_NOTIFICATION:
		CHECK(bgp_build_notification(&ow, m.u.notification.code, m.u.notification.subcode,
					     m.u.notification.data.data, m.u.notification.data.len,
					     &e) == 0);
		CHECK(buf_len(&ow) == size - 1 && memcmp(w, data + 1, size - 1) == 0);
		(void)bgp_err_subcode_name(m.u.notification.code, m.u.notification.subcode);
		break;
	case BGP_ROUTE_REFRESH:
		CHECK(bgp_build_route_refresh(&ow, &m.u.refresh, &e) == 0);
		CHECK(buf_len(&ow) == size - 1 && memcmp(w, data + 1, size - 1) == 0);
		break;
	default:
		CHECK(0);
	}
	return 0;
}
