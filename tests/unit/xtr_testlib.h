/* SPDX-License-Identifier: ISC */
/* tests/unit/xtr_testlib.h - shared fixtures of the lisp-xtrd unit tests: a config with
 * two RLOCs, a database, a Map-Server and a Map-Resolver, and capture sinks for every
 * xtr_io callback (encapsulated data, TUN writes, native forwarding, control messages). */
#ifndef TESTS_UNIT_XTR_TESTLIB_H
#define TESTS_UNIT_XTR_TESTLIB_H

#pragma GCC diagnostic ignored "-Wunused-function"

#include <stdlib.h>
#include <string.h>

#include "common/ratelimit.h"
#include "proto/auth.h"
#include "xtr/xtr.h"

#define SEC NSEC_PER_SEC

struct cap {
	struct ipaddr src, dst;
	uint16_t port;
	size_t len;
	uint8_t data[2048];
};
#define NCAP 64
static struct cap cap_data[NCAP], cap_tun[NCAP], cap_ctl[NCAP], cap_native[NCAP];
static size_t ncap_data, ncap_tun, ncap_ctl, ncap_native, nflush;
static struct ipaddr host_deleted;

static void cap_reset(void)
{
	ncap_data = ncap_tun = ncap_ctl = ncap_native = nflush = 0;
	memset(&host_deleted, 0, sizeof(host_deleted));
}

static void cap_put(struct cap *c, size_t *n, const struct ipaddr *src, const struct ipaddr *dst,
		    uint16_t port, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	if (*n >= NCAP || alen + blen > sizeof(c->data))
		return;
	struct cap *p = &c[(*n)++];
	memset(p, 0, sizeof(*p));
	if (src)
		p->src = *src;
	if (dst)
		p->dst = *dst;
	p->port = port;
	if (alen)
		memcpy(p->data, a, alen);
	if (blen)
		memcpy(p->data + alen, b, blen);
	p->len = alen + blen;
}

static int t_data_send(void *arg, const struct ipaddr *src, const struct ipaddr *dst,
		       const uint8_t *hdr, const uint8_t *inner, size_t len)
{
	(void)arg;
	cap_put(cap_data, &ncap_data, src, dst, 0, hdr, XTR_ENCAP_HLEN, inner, len);
	return 0;
}
static void t_data_flush(void *arg)
{
	(void)arg;
	nflush++;
}
static int t_tun_write(void *arg, const uint8_t *pkt, size_t len)
{
	(void)arg;
	cap_put(cap_tun, &ncap_tun, NULL, NULL, 0, pkt, len, NULL, 0);
	return 0;
}
static int t_native(void *arg, const uint8_t *pkt, size_t len)
{
	(void)arg;
	cap_put(cap_native, &ncap_native, NULL, NULL, 0, pkt, len, NULL, 0);
	return 0;
}
static int t_ctl(void *arg, const struct ipaddr *dst, uint16_t dport, const struct ipaddr *src,
		 const void *data, size_t len)
{
	(void)arg;
	cap_put(cap_ctl, &ncap_ctl, src, dst, dport, data, len, NULL, 0);
	return 0;
}
static void t_host_del(void *arg, const struct ipaddr *eid)
{
	(void)arg;
	host_deleted = *eid;
}

static const struct xtr_io test_io = {.data_send = t_data_send,
				      .data_flush = t_data_flush,
				      .tun_write = t_tun_write,
				      .native_send = t_native,
				      .ctl_send = t_ctl,
				      .host_del = t_host_del};

static struct ipaddr A(const char *s) {
	struct ipaddr a;
	if (ipaddr_parse(s, &a) == -1)
		abort();
	return a;
}

static struct lisp_prefix
P(const char *s) {
	struct lisp_prefix p;
	if (prefix_parse(s, &p, false) == -1)
		abort();
	return p;
}

/* Site A: RLOCs 192.0.2.1 / 2001:db8:ffff::1, database .5/32 and ::5/128, MS/MR .100. */
static struct xtr_cfg *
test_cfg(void)
{
	struct xtr_cfg *c = calloc(1, sizeof(*c));
	xtr_cfg_defaults(c);
	c->nrloc = 2;
	c->rloc[0] = A("192.0.2.1");
	c->rloc[1] = A("2001:db8:ffff::1");
	c->tun_mtu = 1444;
	c->nms = 1;
	c->ms[0].addr = A("192.0.2.100");
	c->ms[0].port = 4342;
	c->ms[0].key_id = 1;
	c->ms[0].alg = LISP_ALG_HMAC_SHA256_128;
	c->ms[0].proxy_reply = true;
	strcpy(c->ms[0].secret, "dc-secret");
	c->nmr = 2;
	c->mr[0].addr = A("192.0.2.100");
	c->mr[0].port = 4342;
	c->mr[1].addr = A("192.0.2.101");
	c->mr[1].port = 4342;
	c->ndb = 2;
	c->db = calloc(2, sizeof(*c->db));
	c->db[0].eid = P("198.51.100.5/32");
	c->db[0].ttl = 1440;
	c->db[1].eid = P("2001:db8:100::5/128");
	c->db[1].ttl = 1440;
	c->stat = calloc(1, sizeof(*c->stat));
	return c;
}

/* A minimal IPv4 packet (20-byte header + `payload` bytes) with headroom in `buf`. */
static uint8_t *mk_ip4(uint8_t *buf, const char *src, const char *dst, uint8_t proto,
		       uint16_t sport, uint16_t dport, size_t payload, bool df, size_t *len)
{
	uint8_t *p = buf + XTR_ENCAP_HLEN;
	struct ipaddr s = A(src), d = A(dst);
	size_t tot = 20 + 8 + payload;
	memset(p, 0, tot);
	p[0] = 0x45;
	p[2] = (uint8_t)(tot >> 8);
	p[3] = (uint8_t)tot;
	p[6] = df ? 0x40 : 0;
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, s.a, 4);
	memcpy(p + 16, d.a, 4);
	uint32_t sum = 0;
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	p[10] = (uint8_t)(~sum >> 8);
	p[11] = (uint8_t)~sum;
	p[20] = (uint8_t)(sport >> 8);
	p[21] = (uint8_t)sport;
	p[22] = (uint8_t)(dport >> 8);
	p[23] = (uint8_t)dport;
	p[24] = (uint8_t)((8 + payload) >> 8);
	p[25] = (uint8_t)(8 + payload);
	*len = tot;
	return p;
}

static uint8_t *mk_ip6(uint8_t *buf, const char *src, const char *dst, size_t payload, size_t *len)
{
	uint8_t *p = buf + XTR_ENCAP_HLEN;
	struct ipaddr s = A(src), d = A(dst);
	memset(p, 0, 40 + 8 + payload);
	p[0] = 0x60;
	p[4] = (uint8_t)((8 + payload) >> 8);
	p[5] = (uint8_t)(8 + payload);
	p[6] = 17;
	p[7] = 64;
	memcpy(p + 8, s.a, 16);
	memcpy(p + 24, d.a, 16);
	p[40] = 0x30;
	p[42] = 0x30;
	p[44] = (uint8_t)((8 + payload) >> 8);
	p[45] = (uint8_t)(8 + payload);
	*len = 48 + payload;
	return p;
}

static void install(struct xtr *x, const char *eid, enum xtr_src src, const char *r1, uint8_t p1,
		    uint8_t w1, const char *r2, uint8_t p2, uint8_t w2, uint64_t now)
{
	struct xtr_loc l[2];
	unsigned n = 0;
	memset(l, 0, sizeof(l));
	if (r1) {
		l[n].addr = A(r1);
		l[n].priority = p1;
		l[n++].weight = w1;
	}
	if (r2) {
		l[n].addr = A(r2);
		l[n].priority = p2;
		l[n++].weight = w2;
	}
	struct lisp_prefix p = P(eid);
	if (xtr_cache_install(x, &p, src, LISP_ACT_NO_ACTION, true, 1440, l, n, now) == NULL)
		abort();
}

/* Build an IPv4 packet with mk_ip4 (headroom included) and hand it to the ITR. */
static inline void itr_ip4(struct xtr *x, const char *src, const char *dst, uint8_t proto,
			   uint16_t sport, uint16_t dport, size_t payload, bool df, uint64_t now)
{
	uint8_t buf[XTR_ENCAP_HLEN + 1500];
	size_t len;
	if (20 + 8 + payload > sizeof(buf) - XTR_ENCAP_HLEN)
		abort();
	uint8_t *pkt = mk_ip4(buf, src, dst, proto, sport, dport, payload, df, &len);
	xtr_itr_input(x, pkt, len, now);
}

/* A one-record Map-Notify (A=1) for eid at rloc (NULL: no locator; else priority 1, weight
 * 100, R bit), signed with k. xtr_id non-NULL: a subscription update (I=1, xtr_id and
 * site_id); NULL: no I bit. Returns its length in out. Needs <cmocka.h>. */
static inline size_t mk_notify(uint8_t *out, size_t cap, uint64_t nonce, const char *eid,
			       const char *rloc, uint32_t ttl, struct lisp_key *k,
			       const uint8_t *xtr_id, uint64_t site_id)
{
	static struct lisp_map_notify n;
	struct buf w;
	size_t off;
	memset(&n, 0, sizeof(n));
	n.nonce = nonce;
	if (xtr_id) {
		n.xtr_id_present = true;
		memcpy(n.xtr_id, xtr_id, 16);
		n.site_id = site_id;
	}
	n.auth.key_id = 1;
	n.auth.alg_id = LISP_ALG_HMAC_SHA256_128;
	n.auth.len = 32;
	n.nrec = 1;
	struct lisp_prefix p = P(eid);
	lisp_record_set_eid(&n.rec[0], &p);
	n.rec[0].ttl = ttl;
	n.rec[0].authoritative = true;
	if (rloc) {
		struct ipaddr a = A(rloc);
		n.rec[0].nloc = 1;
		n.rec[0].loc[0].priority = 1;
		n.rec[0].loc[0].weight = 100;
		n.rec[0].loc[0].flags = LISP_LOC_F_REACHABLE;
		lisp_addr_from_ip(&n.rec[0].loc[0].addr, &a);
	}
	buf_init_write(&w, out, cap);
	assert_int_equal(lisp_map_notify_build(&w, &n, &off, NULL), 0);
	assert_int_equal(lisp_auth_sign(&w, off, k, NULL), 0);
	return buf_len(&w);
}

/* The Map-Server (192.0.2.100, key 1 "dc-secret", test_cfg) tells x that `eid` moved to
 * `rloc` (an unsolicited, signed Map-Notify), as after a migration: the EID (made local first
 * when it is not) leaves the database, is recorded as moved away at `now` and its new mapping
 * enters the map-cache (source map-notify). Needs <cmocka.h>. */
static inline void move_away(struct xtr *x, const char *eid, const char *rloc, uint64_t now)
{
	uint8_t out[2000];
	struct lisp_prefix p = P(eid);
	struct ipaddr a = {.afi = p.afi}, ms = A("192.0.2.100");
	memcpy(a.a, p.a, 16);
	if (xtr_db_lookup(x, p.iid, &a) == NULL)
		assert_int_equal(xtr_db_add(x, &p, true, now), 0);
	struct lisp_key *k = lisp_key_new(1, LISP_ALG_HMAC_SHA256_128, "dc-secret", 9);
	assert_non_null(k);
	size_t n = mk_notify(out, sizeof(out), 0xabcdef, eid, rloc, 1440, k, NULL, 0);
	uint64_t moves = xtr_get_stats(x)->moves;
	xtr_control_input(x, &ms, 4342, NULL, out, n, now);
	assert_int_equal(xtr_get_stats(x)->moves, moves + 1);
	lisp_key_free(k);
}

#endif
