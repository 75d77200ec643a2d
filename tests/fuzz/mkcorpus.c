/* SPDX-License-Identifier: ISC */
/*
 * tests/fuzz/mkcorpus.c - writes the seed corpus of the fuzz targets with the library's own
 * builders: DIR/fuzz_addr/ (addresses and LCAFs, mapping records), DIR/fuzz_ctrl/ (one seed
 * per control message kind), DIR/fuzz_data/ (data-plane headers) and DIR/fuzz_pkt/ (frames
 * from VMs, inner IP packets, TUN reads and TCP segment pairs, behind the entry-point byte of
 * tests/fuzz/fuzz_pkt.c). Seeds that the builders cannot produce (unknown LCAF types, deep
 * nesting; IPv4/IPv6 packets with UDP, TCP, options, extension headers, fragments) are
 * written field by field, their checksums computed.
 *
 * Usage: tests/fuzz/mkcorpus $(top_srcdir)/tests/fuzz/corpus   (then commit the files)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "proto/addr.h"
#include "proto/auth.h"
#include "proto/buf.h"
#include "proto/lisp_data.h"
#include "proto/lisp_msg.h"
#include "proto/pkt.h"

#define FUZZ_SECRET "fuzz-secret" /* the keys of tests/fuzz/fuzz_ctrl.c */

static const char *outdir;
static unsigned nwritten;

static void die(const char *what)
{
	fprintf(stderr, "mkcorpus: %s\n", what);
	exit(1);
}

static void mkdir_p(const char *sub)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", outdir, sub);
	if (mkdir(outdir, 0755) == -1 && errno != EEXIST)
		die(outdir);
	if (mkdir(path, 0755) == -1 && errno != EEXIST)
		die(path);
}

static void write_seed(const char *target, const char *name, const struct buf *w)
{
	char path[512];
	mkdir_p(target);
	snprintf(path, sizeof(path), "%s/%s/%s", outdir, target, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(w->data, 1, buf_len(w), f) != buf_len(w) || fclose(f) != 0)
		die(path);
	nwritten++;
}

static void write_raw(const char *target, const char *name, const uint8_t *d, size_t n)
{
	struct buf w;
	buf_init_write(&w, (void *)d, n);
	w.len = n;
	write_seed(target, name, &w);
}

static struct ipaddr ip(const char *s)
{
	struct ipaddr a;
	if (ipaddr_parse(s, &a) == -1)
		die(s);
	return a;
}

static struct lisp_prefix pfx(const char *s)
{
	struct lisp_prefix p;
	if (prefix_parse(s, &p, false) == -1)
		die(s);
	return p;
}

static void locator(struct lisp_record *r, const char *addr, uint8_t prio, uint8_t weight)
{
	struct lisp_locator *l = &r->loc[r->nloc++];
	struct ipaddr a = ip(addr);
	memset(l, 0, sizeof(*l));
	l->priority = prio;
	l->weight = weight;
	l->mpriority = 255;
	l->flags = LISP_LOC_F_REACHABLE;
	lisp_addr_from_ip(&l->addr, &a);
}

/* ---- fuzz_addr: addresses, LCAFs, records ---- */

static void addr_seed(const char *name, const struct lisp_addr *a)
{
	uint8_t d[256];
	struct buf w;
	buf_init_write(&w, d, sizeof(d));
	if (lisp_addr_build(&w, a, NULL) == -1)
		die(name);
	write_seed("fuzz_addr", name, &w);
}

static void record_seed(const char *name, const struct lisp_record *r)
{
	static uint8_t d[4096];
	struct buf w;
	buf_init_write(&w, d, sizeof(d));
	if (lisp_record_build(&w, r, NULL) == -1)
		die(name);
	write_seed("fuzz_addr", name, &w);
}

/* AFI-List LCAFs nested `depth` deep around AFI 0. */
static void lcaf_nest_seed(const char *name, unsigned depth)
{
	uint8_t d[128];
	struct buf w;
	size_t len_off[8];

	buf_init_write(&w, d, sizeof(d));
	for (unsigned i = 0; i < depth; i++)
		if (buf_add_u16(&w, LISP_AFI_LCAF) || buf_add_u8(&w, 0) || buf_add_u8(&w, 0) ||
		    buf_add_u8(&w, LCAF_TYPE_AFI_LIST) || buf_add_u8(&w, 0) ||
		    buf_reserve(&w, 2, &len_off[i]))
			die(name);
	if (buf_add_u16(&w, LISP_AFI_NONE))
		die(name);
	for (unsigned i = 0; i < depth; i++)
		buf_set_u16(&w, len_off[i], (uint16_t)(buf_len(&w) - len_off[i] - 2));
	write_seed("fuzz_addr", name, &w);
}

static void gen_addr(void)
{
	struct lisp_addr a;
	struct ipaddr v4 = ip("192.0.2.1"), v6 = ip("2001:db8::1");
	struct lisp_prefix p;
	static struct lisp_record r;

	memset(&a, 0, sizeof(a));
	addr_seed("addr-afi0", &a);
	lisp_addr_from_ip(&a, &v4);
	addr_seed("addr-ipv4", &a);
	lisp_addr_from_ip(&a, &v6);
	addr_seed("addr-ipv6", &a);
	p = pfx("[42]198.51.100.0/24");
	lisp_addr_from_prefix(&a, &p, false);
	addr_seed("addr-iid-ipv4", &a);
	p = pfx("[16777215]2001:db8:1::/48");
	lisp_addr_from_prefix(&a, &p, false);
	addr_seed("addr-iid-ipv6", &a);
	memset(&a, 0, sizeof(a));
	a.flags = LISP_ADDR_F_LIST;
	a.n = 2;
	a.addr[0] = v4;
	a.addr[1] = v6;
	addr_seed("addr-afi-list", &a);
	a.flags |= LISP_ADDR_F_IID;
	a.iid = 7;
	a.iid_mlen = 24;
	addr_seed("addr-iid-afi-list", &a);

	/* Unknown LCAF (type 5, Geo) skipped by its length, and LCAFs nested 5 deep. */
	static const uint8_t geo[] = {0x40, 0x03, 0, 0, 5, 0, 0, 6, 1, 2, 3, 4, 5, 6};
	write_raw("fuzz_addr", "addr-lcaf-unknown", geo, sizeof(geo));
	lcaf_nest_seed("addr-lcaf-depth4", 4); /* the deepest accepted */
	lcaf_nest_seed("addr-lcaf-depth5", 5); /* one too deep */

	memset(&r, 0, sizeof(r));
	r.ttl = LISP_TTL_DEFAULT;
	r.authoritative = true;
	r.map_version = 5;
	p = pfx("198.51.100.0/24");
	lisp_record_set_eid(&r, &p);
	locator(&r, "192.0.2.1", 1, 50);
	locator(&r, "2001:db8::2", 1, 50);
	r.loc[1].flags |= LISP_LOC_F_LOCAL;
	record_seed("record-ipv4-2loc", &r);

	memset(&r, 0, sizeof(r));
	r.ttl = LISP_TTL_NEG_NOREG;
	r.action = LISP_ACT_SEND_MAP_REQ;
	p = pfx("[1000]2001:db8:aa::/48");
	lisp_record_set_eid(&r, &p);
	record_seed("record-negative-iid-ipv6", &r);

	memset(&r, 0, sizeof(r));
	r.ttl = 0xffffffff;
	p = pfx("2001:db8:bb::1/128");
	lisp_record_set_eid(&r, &p);
	locator(&r, "192.0.2.9", 255, 0);
	r.loc[0].addr.flags = LISP_ADDR_F_LIST;
	r.loc[0].addr.n = 2;
	r.loc[0].addr.addr[1] = ip("2001:db8::9");
	record_seed("record-ipv6-afi-list-locator", &r);
}

/* ---- fuzz_ctrl: one seed per control message kind ---- */

static uint8_t msgbuf[16384];

static struct buf new_msg(void)
{
	struct buf w;
	buf_init_write(&w, msgbuf, sizeof(msgbuf));
	return w;
}

static void map_request_base(struct lisp_map_request *m, const char *eid)
{
	struct ipaddr a = ip("192.0.2.10");
	struct lisp_prefix p = pfx(eid);

	memset(m, 0, sizeof(*m));
	m->nonce = 0x1122334455667788ULL;
	lisp_addr_from_ip(&m->source_eid, &a);
	m->n_itr_rlocs = 1;
	lisp_addr_from_ip(&m->itr_rlocs[0], &a);
	m->nrec = 1;
	m->rec[0].eid = p;
	m->rec[0].eid_lcaf_iid = p.iid != 0;
	m->rec[0].iid_mlen = p.iid ? 32 : 0;
}

static void map_request_seed(const char *name, const struct lisp_map_request *m)
{
	struct buf w = new_msg();
	if (lisp_map_request_build(&w, m, NULL) == -1)
		die(name);
	write_seed("fuzz_ctrl", name, &w);
}

static void map_reply_seed(const char *name, const struct lisp_map_reply *m)
{
	struct buf w = new_msg();
	if (lisp_map_reply_build(&w, m, NULL) == -1)
		die(name);
	write_seed("fuzz_ctrl", name, &w);
}

static void sign(struct buf *w, size_t auth_off, uint8_t key_id, uint8_t alg, const char *name)
{
	struct lisp_key *k = lisp_key_new(key_id, alg, FUZZ_SECRET, strlen(FUZZ_SECRET));
	if (!k || lisp_auth_sign(w, auth_off, k, NULL) == -1)
		die(name);
	lisp_key_free(k);
}

static void auth_field(struct lisp_auth_field *f, uint8_t key_id, uint8_t alg)
{
	memset(f, 0, sizeof(*f));
	f->key_id = key_id;
	f->alg_id = alg;
	f->len = (uint16_t)lisp_auth_len(alg);
}

static void map_register_seed(const char *name, const struct lisp_map_register *m)
{
	struct buf w = new_msg();
	size_t off;
	if (lisp_map_register_build(&w, m, &off, NULL) == -1)
		die(name);
	sign(&w, off, m->auth.key_id, m->auth.alg_id, name);
	write_seed("fuzz_ctrl", name, &w);
}

static void map_notify_seed(const char *name, const struct lisp_map_notify *m)
{
	struct buf w = new_msg();
	size_t off;
	if (lisp_map_notify_build(&w, m, &off, NULL) == -1)
		die(name);
	sign(&w, off, m->auth.key_id, m->auth.alg_id, name);
	write_seed("fuzz_ctrl", name, &w);
}

static void ecm_seed(const char *name, const char *src, const char *dst,
		     const struct lisp_map_request *inner)
{
	static uint8_t in[4096];
	struct buf iw, r, w = new_msg();
	struct lisp_ecm m;

	buf_init_write(&iw, in, sizeof(in));
	if (lisp_map_request_build(&iw, inner, NULL) == -1)
		die(name);
	buf_as_reader(&iw, &r);
	memset(&m, 0, sizeof(m));
	m.inner_src = ip(src);
	m.inner_dst = ip(dst);
	m.inner_sport = 61000;
	m.to_ms = strstr(name, "to-ms") != NULL;
	if (lisp_ecm_build(&w, &m, &r, NULL) == -1)
		die(name);
	write_seed("fuzz_ctrl", name, &w);
}

static void fill_record(struct lisp_record *r, const char *eid, uint32_t ttl)
{
	struct lisp_prefix p = pfx(eid);
	memset(r, 0, sizeof(*r));
	r->ttl = ttl;
	r->authoritative = true;
	lisp_record_set_eid(r, &p);
}

static void gen_ctrl(void)
{
	static struct lisp_map_request rq;
	static struct lisp_map_reply rp;
	static struct lisp_map_register rg;
	static struct lisp_map_notify mn;

	map_request_base(&rq, "198.51.100.0/24");
	map_request_seed("map-request-ipv4", &rq);
	map_request_base(&rq, "198.51.100.5/32");
	rq.smr = rq.dont_map_reply = true;
	map_request_seed("map-request-smr", &rq);
	map_request_base(&rq, "198.51.100.5/32");
	rq.smr_invoked = rq.pitr = true;
	map_request_seed("map-request-smr-invoked-pitr", &rq);
	map_request_base(&rq, "2001:db8:1::/48");
	rq.probe = true;
	rq.map_data = true;
	fill_record(&rq.map_reply, "2001:db8:1::/48", LISP_TTL_DEFAULT);
	locator(&rq.map_reply, "192.0.2.20", 1, 100);
	map_request_seed("map-request-probe-map-data", &rq);
	map_request_base(&rq, "[100]2001:db8:2::/48");
	rq.xtr_id_present = true;
	rq.rec[0].notify = true;
	rq.n_itr_rlocs = 2;
	{
		struct ipaddr v6 = ip("2001:db8::10");
		lisp_addr_from_ip(&rq.itr_rlocs[1], &v6);
	}
	memcpy(rq.xtr_id, "0123456789abcdef", 16);
	rq.site_id = 42;
	map_request_seed("map-request-pubsub-iid-ipv6", &rq);

	memset(&rp, 0, sizeof(rp));
	rp.nonce = 0x1122334455667788ULL;
	rp.nrec = 2;
	fill_record(&rp.rec[0], "198.51.100.0/24", LISP_TTL_DEFAULT);
	locator(&rp.rec[0], "192.0.2.20", 1, 50);
	locator(&rp.rec[0], "2001:db8::20", 1, 50);
	fill_record(&rp.rec[1], "[7]2001:db8:3::/48", 60);
	locator(&rp.rec[1], "192.0.2.21", 2, 100);
	map_reply_seed("map-reply-positive", &rp);
	rp.nrec = 1;
	fill_record(&rp.rec[0], "203.0.113.0/24", LISP_TTL_NEG_NONLISP);
	rp.rec[0].authoritative = false;
	rp.rec[0].action = LISP_ACT_NATIVE_FWD;
	map_reply_seed("map-reply-negative", &rp);
	rp.probe = true;
	fill_record(&rp.rec[0], "198.51.100.5/32", LISP_TTL_DEFAULT);
	locator(&rp.rec[0], "192.0.2.20", 1, 100);
	rp.rec[0].loc[0].flags |= LISP_LOC_F_PROBED | LISP_LOC_F_LOCAL;
	map_reply_seed("map-reply-probe", &rp);

	memset(&rg, 0, sizeof(rg));
	rg.nonce = 1;
	rg.want_notify = rg.proxy_reply = true;
	auth_field(&rg.auth, 1, LISP_ALG_HMAC_SHA1_96);
	rg.nrec = 1;
	fill_record(&rg.rec[0], "198.51.100.0/24", LISP_TTL_DEFAULT);
	locator(&rg.rec[0], "192.0.2.30", 1, 100);
	map_register_seed("map-register-sha1", &rg);
	rg.nonce = 2;
	rg.xtr_id_present = rg.merge = rg.use_ttl = true;
	memcpy(rg.xtr_id, "xtr-id-0123456789", 16);
	rg.site_id = 7;
	auth_field(&rg.auth, 2, LISP_ALG_HMAC_SHA256_128);
	rg.nrec = 2;
	fill_record(&rg.rec[1], "[5]2001:db8:4::/48", LISP_TTL_DEFAULT);
	locator(&rg.rec[1], "2001:db8::30", 1, 100);
	map_register_seed("map-register-sha256-xtr-id", &rg);

	memset(&mn, 0, sizeof(mn));
	mn.nonce = 1;
	auth_field(&mn.auth, 1, LISP_ALG_HMAC_SHA1_96);
	mn.nrec = 1;
	fill_record(&mn.rec[0], "198.51.100.0/24", LISP_TTL_DEFAULT);
	locator(&mn.rec[0], "192.0.2.30", 1, 100);
	map_notify_seed("map-notify-sha1", &mn);
	mn.ack = true;
	mn.xtr_id_present = true;
	memcpy(mn.xtr_id, "xtr-id-0123456789", 16);
	mn.site_id = 7;
	auth_field(&mn.auth, 2, LISP_ALG_HMAC_SHA256_128);
	map_notify_seed("map-notify-ack-sha256-xtr-id", &mn);

	map_request_base(&rq, "198.51.100.5/32");
	ecm_seed("ecm-ipv4-map-request", "192.0.2.10", "198.51.100.5", &rq);
	map_request_base(&rq, "2001:db8:1::5/128");
	ecm_seed("ecm-ipv6-map-request-to-ms", "2001:db8::10", "2001:db8:1::5", &rq);
}

/* ---- fuzz_data: data-plane header + a short inner packet ---- */

static void data_seed(const char *name, const struct lisp_data_hdr *h)
{
	/* An inner IPv4/UDP header (checksum not checked by the LISP header decoder). */
	static const uint8_t inner[] = {0x45, 0,    0,	  28,	0,    0,    0x40, 0,   64,  17,
					0,    0,    198,  51,	100,  5,    198,  51,  100, 6,
					0x30, 0x39, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00};
	uint8_t d[64];
	struct buf w;
	buf_init_write(&w, d, sizeof(d));
	if (lisp_data_build(&w, h, NULL) == -1 || buf_add_bytes(&w, inner, sizeof(inner)))
		die(name);
	write_seed("fuzz_data", name, &w);
}

static void gen_data(void)
{
	struct lisp_data_hdr h;

	memset(&h, 0, sizeof(h));
	data_seed("data-plain", &h);
	h.flags = LISP_DATA_F_N | LISP_DATA_F_L | LISP_DATA_F_E;
	h.nonce = 0xabcdef;
	h.lsb = 0x3;
	data_seed("data-nonce-echo-lsb", &h);
	h.flags = LISP_DATA_F_N | LISP_DATA_F_I | LISP_DATA_F_L;
	h.iid = 0x123456;
	h.lsb = 0x1;
	data_seed("data-nonce-iid", &h);
	memset(&h, 0, sizeof(h));
	h.flags = LISP_DATA_F_V | LISP_DATA_F_I;
	h.src_version = 0x123;
	h.dst_version = 0xfff;
	h.iid = 42;
	h.key_id = 2;
	data_seed("data-versions-iid-key", &h);
}

/* ---- fuzz_pkt: byte 0 = entry point (tests/fuzz/fuzz_pkt.c), then the input ---- */

#define PKT_IN_ETH  0 /* an Ethernet frame from a VM */
#define PKT_IN_IP   1 /* an IP packet (decapsulated inner packet, TUN read) */
#define PKT_IN_VNET 2 /* a TUN read: virtio_net_hdr, then an IP packet */
#define PKT_IN_SEG2 3 /* two TCP segments: u16 length of the first, the first, the second */

static const uint8_t vm_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0a};
static const uint8_t gw_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x01, 0x01};
static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static void pkt_seed(const char *name, uint8_t entry, const uint8_t *d, size_t n)
{
	uint8_t b[2048];
	struct buf w;
	buf_init_write(&w, b, sizeof(b));
	if (buf_add_u8(&w, entry) || buf_add_bytes(&w, d, n))
		die(name);
	write_seed("fuzz_pkt", name, &w);
}

/* Fill the L4 checksum (TCP, UDP, ICMP, ICMPv6 at `l4`) of an unfragmented packet. */
static void l4_csum(uint8_t *p, size_t len, int v, size_t l4, uint8_t proto)
{
	size_t at = proto == PKT_PROTO_TCP ? 16 : proto == PKT_PROTO_UDP ? 6 : 2;
	uint32_t l4len = (uint32_t)(len - l4), s = 0;
	if (l4 + at + 2 > len)
		die("l4 checksum");
	p[l4 + at] = p[l4 + at + 1] = 0;
	if (proto != PKT_PROTO_ICMP) {
		s = v == 4 ? pkt_csum_add(0, p + 12, 8) : pkt_csum_add(0, p + 8, 32);
		s += proto + (l4len >> 16) + (l4len & 0xffff);
	}
	uint16_t c = pkt_csum_fold(pkt_csum_add(s, p + l4, l4len));
	if (proto == PKT_PROTO_UDP && c == 0)
		c = 0xffff;
	p[l4 + at] = (uint8_t)(c >> 8);
	p[l4 + at + 1] = (uint8_t)c;
}

/* An IPv4 (ID 0x1234, TTL 64, `frag` = flags and offset, `ext` = options) or IPv6 (hop
 * limit 64, `ext` = extension headers, the first of type `nh`) packet around `l4`; the L4
 * checksum is filled unless it is a fragment (IPv4 MF or offset, an IPv6 fragment header
 * first). Returns the length. */
static size_t mk_ip(uint8_t *p, size_t cap, int v, const char *src, const char *dst, uint8_t proto,
		    uint16_t frag, const uint8_t *ext, size_t extlen, uint8_t nh, const uint8_t *l4,
		    size_t l4len)
{
	struct buf w;
	struct ipaddr s = ip(src), d = ip(dst);
	size_t l3 = (v == 4 ? 20 : 40) + extlen, csum_off = 0;

	buf_init_write(&w, p, cap);
	if (v == 4) {
		if (extlen % 4 || extlen > 40 || buf_add_u8(&w, (uint8_t)(0x40 | (l3 / 4))) ||
		    buf_add_u8(&w, 0) || buf_add_u16(&w, (uint16_t)(l3 + l4len)) ||
		    buf_add_u16(&w, 0x1234) || buf_add_u16(&w, frag) || buf_add_u8(&w, 64) ||
		    buf_add_u8(&w, proto) || buf_reserve(&w, 2, &csum_off) ||
		    buf_add_bytes(&w, s.a, 4) || buf_add_bytes(&w, d.a, 4))
			die(src);
	} else {
		if (buf_add_u32(&w, 0x60000000u) || buf_add_u16(&w, (uint16_t)(extlen + l4len)) ||
		    buf_add_u8(&w, extlen ? nh : proto) || buf_add_u8(&w, 64) ||
		    buf_add_bytes(&w, s.a, 16) || buf_add_bytes(&w, d.a, 16))
			die(src);
	}
	if (buf_add_bytes(&w, ext, extlen) || buf_add_bytes(&w, l4, l4len))
		die(src);
	if (v == 4 && buf_set_u16(&w, csum_off, pkt_csum(p, l3)))
		die(src);
	if (!(frag & 0x3fff) && !(v == 6 && extlen && nh == 44))
		l4_csum(p, buf_len(&w), v, l3, proto);
	return buf_len(&w);
}

/* UDP datagram 40000 -> `dport` (9, discard: not dissected as anything) with `n` bytes of
 * payload (checksum filled by mk_ip). */
static size_t mk_udp(uint8_t *u, uint16_t dport, size_t n)
{
	struct buf w;
	buf_init_write(&w, u, 8 + n);
	if (buf_add_u16(&w, 40000) || buf_add_u16(&w, dport) ||
	    buf_add_u16(&w, (uint16_t)(8 + n)) || buf_add_u16(&w, 0))
		die("udp");
	for (size_t i = 0; i < n; i++)
		buf_add_u8(&w, (uint8_t)('a' + i % 26));
	return buf_len(&w);
}

/* TCP segment 40000 -> 5201 with options `opt` (a multiple of 4 bytes) and `n` bytes. */
static size_t mk_tcp(uint8_t *t, uint32_t seq, uint8_t flags, const uint8_t *opt, size_t optlen,
		     size_t n)
{
	struct buf w;
	buf_init_write(&w, t, 20 + optlen + n);
	if (buf_add_u16(&w, 40000) || buf_add_u16(&w, 5201) || buf_add_u32(&w, seq) ||
	    buf_add_u32(&w, flags & PKT_TCP_ACK ? 7000 : 0) ||
	    buf_add_u8(&w, (uint8_t)(((20 + optlen) / 4) << 4)) || buf_add_u8(&w, flags) ||
	    buf_add_u16(&w, 502) || buf_add_u32(&w, 0) || buf_add_bytes(&w, opt, optlen))
		die("tcp");
	for (size_t i = 0; i < n; i++)
		buf_add_u8(&w, (uint8_t)(seq + i));
	return buf_len(&w);
}

static const uint8_t tcp_ts[12] = {1, 1, 8, 10, 0, 0, 0x10, 0, 0, 0, 0x20, 0}; /* NOP NOP TS */
static const uint8_t tcp_syn_opts[20] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0,
					 0, 1, 0,    0,	   0, 0, 1, 3,	3, 7}; /* MSS SACK TS WS */

static void eth_seed(const char *name, const uint8_t dst[6], uint16_t type, const uint8_t *pl,
		     size_t n)
{
	uint8_t f[1600];
	struct buf w;
	buf_init_write(&w, f, sizeof(f));
	if (pkt_build_eth(&w, dst, vm_mac, type) || buf_add_bytes(&w, pl, n))
		die(name);
	pkt_seed(name, PKT_IN_ETH, f, buf_len(&w));
}

static void arp_seed(const char *name, const uint8_t dst[6], uint16_t type, uint16_t op,
		     const char *spa, const char *tpa, const uint8_t tha[6], uint16_t vlan)
{
	uint8_t f[64];
	struct buf w;
	struct pkt_arp a;

	memset(&a, 0, sizeof(a));
	a.op = op;
	memcpy(a.sha, vm_mac, 6);
	memcpy(a.tha, tha, 6);
	a.spa = ip(spa);
	a.tpa = ip(tpa);
	buf_init_write(&w, f, sizeof(f));
	if (vlan && (buf_add_u16(&w, vlan) || buf_add_u16(&w, type)))
		die(name);
	if (pkt_build_arp(&w, &a))
		die(name);
	eth_seed(name, dst, vlan ? PKT_ETH_VLAN : type, f, buf_len(&w));
}

static void nd_seed(const char *name, uint8_t type, const char *src, const char *dst,
		    const char *target, uint32_t flags, bool sllao, bool tllao)
{
	uint8_t f[128];
	struct buf w;
	struct pkt_nd nd;

	memset(&nd, 0, sizeof(nd));
	nd.type = type;
	nd.src = ip(src);
	nd.dst = ip(dst);
	nd.target = ip(target);
	nd.flags = flags;
	nd.has_sllao = sllao;
	nd.has_tllao = tllao;
	memcpy(nd.sllao, vm_mac, 6);
	memcpy(nd.tllao, vm_mac, 6);
	buf_init_write(&w, f, sizeof(f));
	if (pkt_build_nd(&w, &nd))
		die(name);
	const uint8_t *mdst = nd.dst.a[0] == 0xff
				  ? (const uint8_t[]){0x33,	    0x33,	  nd.dst.a[12],
						      nd.dst.a[13], nd.dst.a[14], nd.dst.a[15]}
				  : gw_mac;
	eth_seed(name, mdst, PKT_ETH_IPV6, f, buf_len(&w));
}

static void vnet_seed(const char *name, uint8_t flags, uint8_t gso_type, bool ecn, uint16_t hdr_len,
		      uint16_t gso_size, uint16_t csum_start, const uint8_t *p, size_t n)
{
	uint8_t f[2048];
	struct buf w;
	struct pkt_vnet v = {.flags = flags,
			     .gso_type = gso_type,
			     .ecn = ecn,
			     .hdr_len = hdr_len,
			     .gso_size = gso_size,
			     .csum_start = csum_start,
			     .csum_offset = flags ? 16 : 0};
	buf_init_write(&w, f, sizeof(f));
	if (pkt_build_vnet_hdr(&w, &v) || buf_add_bytes(&w, p, n))
		die(name);
	pkt_seed(name, PKT_IN_VNET, f, buf_len(&w));
}

static void seg2_seed(const char *name, const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
	uint8_t f[2048];
	struct buf w;
	buf_init_write(&w, f, sizeof(f));
	if (buf_add_u16(&w, (uint16_t)na) || buf_add_bytes(&w, a, na) || buf_add_bytes(&w, b, nb))
		die(name);
	pkt_seed(name, PKT_IN_SEG2, f, buf_len(&w));
}

static void gen_pkt(void)
{
	static const uint8_t zero_mac[6];
	uint8_t l4[1500], p[1024], q[1024], o[1600];
	size_t n, m, k;
	struct buf w, r;

	/* Ethernet + ARP/RARP */
	arp_seed("eth-arp-request", bcast, PKT_ETH_ARP, PKT_ARP_REQUEST, "192.0.2.10", "192.0.2.1",
		 zero_mac, 0);
	arp_seed("eth-arp-reply", gw_mac, PKT_ETH_ARP, PKT_ARP_REPLY, "192.0.2.10", "192.0.2.1",
		 gw_mac, 0);
	arp_seed("eth-arp-garp", bcast, PKT_ETH_ARP, PKT_ARP_REQUEST, "192.0.2.10", "192.0.2.10",
		 zero_mac, 0);
	arp_seed("eth-arp-garp-reply", bcast, PKT_ETH_ARP, PKT_ARP_REPLY, "192.0.2.10",
		 "192.0.2.10", bcast, 0);
	arp_seed("eth-arp-probe", bcast, PKT_ETH_ARP, PKT_ARP_REQUEST, "0.0.0.0", "192.0.2.10",
		 zero_mac, 0);
	arp_seed("eth-rarp-announce", bcast, PKT_ETH_RARP, PKT_RARP_REQUEST, "0.0.0.0", "0.0.0.0",
		 vm_mac, 0);
	arp_seed("eth-vlan-arp-request", bcast, PKT_ETH_ARP, PKT_ARP_REQUEST, "198.51.100.10",
		 "198.51.100.1", zero_mac, 100);

	/* Ethernet + IPv4/UDP, IPv6 ND */
	n = mk_udp(l4, 9, 32);
	n = mk_ip(p, sizeof(p), 4, "198.51.100.10", "203.0.113.20", PKT_PROTO_UDP, 0x4000, NULL, 0,
		  0, l4, n);
	eth_seed("eth-ipv4-udp", gw_mac, PKT_ETH_IPV4, p, n);
	nd_seed("eth-ipv6-ns-sllao", PKT_ND_NS, "2001:db8:1::10", "ff02::1:ff00:1", "2001:db8:1::1",
		0, true, false);
	/* refused: from a multicast source (fuzz_pkt found the gateway answering it) */
	nd_seed("eth-ipv6-ns-multicast-source", PKT_ND_NS, "ff02::2", "ff02::1:ff00:1",
		"2001:db8:1::1", 0, true, false);
	nd_seed("eth-ipv6-ns-nud", PKT_ND_NS, "2001:db8:1::10", "2001:db8:1::1", "2001:db8:1::1", 0,
		false, false);
	nd_seed("eth-ipv6-ns-dad", PKT_ND_NS, "::", "ff02::1:ff00:10", "2001:db8:1::10", 0, false,
		false);
	nd_seed("eth-ipv6-na-tllao", PKT_ND_NA, "2001:db8:1::10", "2001:db8:1::1", "2001:db8:1::10",
		PKT_NA_F_SOLICITED | PKT_NA_F_OVERRIDE, false, true);
	nd_seed("eth-ipv6-na-no-option", PKT_ND_NA, "2001:db8:1::10", "2001:db8:1::1",
		"2001:db8:1::10", PKT_NA_F_SOLICITED, false, false);
	nd_seed("eth-ipv6-na-unsolicited", PKT_ND_NA, "fe80::ff:fe00:a", "ff02::1",
		"2001:db8:1::10", PKT_NA_F_OVERRIDE, false, true);
	nd_seed("eth-ipv6-na-router", PKT_ND_NA, "fe80::1", "fe80::ff:fe00:a", "2001:db8:1::1",
		PKT_NA_F_ROUTER | PKT_NA_F_SOLICITED, false, true);

	/* IP packets: UDP, options, fragments, extension headers, ICMP */
	pkt_seed("ip4-udp", PKT_IN_IP, p, n);
	n = mk_udp(l4, 9, 16);
	static const uint8_t ra[4] = {0x94, 0x04, 0x00, 0x00}; /* Router Alert */
	m = mk_ip(q, sizeof(q), 4, "192.0.2.10", "198.51.100.20", PKT_PROTO_UDP, 0, ra, 4, 0, l4,
		  n);
	pkt_seed("ip4-options-udp", PKT_IN_IP, q, m);
	static const uint8_t nops[8] = {1, 1, 1, 1, 1, 1, 1, 0}; /* NOPs, End of List */
	m = mk_ip(q, sizeof(q), 4, "192.0.2.10", "198.51.100.20", PKT_PROTO_UDP, 0, nops, 8, 0, l4,
		  n);
	pkt_seed("ip4-options-nop-eol-udp", PKT_IN_IP, q, m);
	/* fragments of a 72-byte UDP datagram whose checksum covers all of it */
	n = mk_udp(l4, 9, 64);
	k = mk_ip(p, sizeof(p), 4, "192.0.2.10", "198.51.100.20", PKT_PROTO_UDP, 0, NULL, 0, 0, l4,
		  n);
	m = mk_ip(q, sizeof(q), 4, "192.0.2.10", "198.51.100.20", PKT_PROTO_UDP, 0x2000, NULL, 0, 0,
		  p + 20, 40);
	pkt_seed("ip4-fragment-first", PKT_IN_IP, q, m);
	m = mk_ip(q, sizeof(q), 4, "192.0.2.10", "198.51.100.20", PKT_PROTO_UDP, 5, NULL, 0, 0,
		  p + 60, k - 60);
	pkt_seed("ip4-fragment-last", PKT_IN_IP, q, m);
	static const uint8_t echo[16] = {8, 0, 0, 0, 0x12, 0x34, 0, 1, 'p', 'i', 'n', 'g'};
	m = mk_ip(q, sizeof(q), 4, "192.0.2.10", "203.0.113.1", PKT_PROTO_ICMP, 0, NULL, 0, 0, echo,
		  sizeof(echo));
	pkt_seed("ip4-icmp-echo", PKT_IN_IP, q, m);
	/* the ICMP error builders: fragmentation needed about ip4-udp, too big about ip6-udp */
	n = mk_udp(l4, 9, 32);
	n = mk_ip(p, sizeof(p), 4, "198.51.100.10", "203.0.113.20", PKT_PROTO_UDP, 0x4000, NULL, 0,
		  0, l4, n);
	buf_init_read(&r, p, n);
	buf_init_write(&w, o, sizeof(o));
	struct ipaddr rloc4 = ip("192.0.2.1"), rloc6 = ip("2001:db8::1");
	if (pkt_build_icmp4_frag_needed(&w, &r, &rloc4, 1400))
		die("icmp4");
	pkt_seed("ip4-icmp-frag-needed", PKT_IN_IP, o, buf_len(&w));
	n = mk_udp(l4, 9, 32);
	n = mk_ip(p, sizeof(p), 6, "2001:db8:1::10", "2001:db8:2::20", PKT_PROTO_UDP, 0, NULL, 0, 0,
		  l4, n);
	pkt_seed("ip6-udp", PKT_IN_IP, p, n);
	buf_init_read(&r, p, n);
	buf_init_write(&w, o, sizeof(o));
	if (pkt_build_icmp6_too_big(&w, &r, &rloc6, 1280))
		die("icmp6");
	pkt_seed("ip6-icmp-too-big", PKT_IN_IP, o, buf_len(&w));
	/* larger than what an ICMP error quotes (1232 bytes for IPv6, 548 for IPv4) */
	n = mk_udp(l4, 9, 1352);
	n = mk_ip(o, sizeof(o), 6, "2001:db8:1::10", "2001:db8:2::20", PKT_PROTO_UDP, 0, NULL, 0, 0,
		  l4, n);
	pkt_seed("ip6-udp-1400", PKT_IN_IP, o, n);
	n = mk_udp(l4, 9, 572);
	n = mk_ip(o, sizeof(o), 4, "198.51.100.10", "203.0.113.20", PKT_PROTO_UDP, 0x4000, NULL, 0,
		  0, l4, n);
	pkt_seed("ip4-udp-600", PKT_IN_IP, o, n);
	/* hop-by-hop (PadN) and destination options (PadN) before UDP */
	static const uint8_t hbh_dst[16] = {60, 0, 1, 4, 0, 0, 0, 0, PKT_PROTO_UDP,
					    0,	1, 4, 0, 0, 0, 0};
	n = mk_udp(l4, 9, 24);
	m = mk_ip(q, sizeof(q), 6, "2001:db8:1::10", "2001:db8:2::20", PKT_PROTO_UDP, 0, hbh_dst,
		  16, 0, l4, n);
	pkt_seed("ip6-ext-hbh-dst-udp", PKT_IN_IP, q, m);
	/* routing header (next AH, 8 bytes, type 0, segments left 0) and AH (next TCP, 24 bytes,
	 * SPI 1, sequence 7, 12 bytes of ICV) before TCP */
	static const uint8_t rt_ah[32] = {51, 0, 0, 0, 0, 0, 0, 0, PKT_PROTO_TCP, 4,	0,    0,
					  0,  0, 0, 1, 0, 0, 0, 7, 0xaa,	  0xbb, 0xcc, 0xdd,
					  0,  0, 0, 0, 0, 0, 0, 0};
	n = mk_tcp(l4, 1000, PKT_TCP_ACK, NULL, 0, 20);
	m = mk_ip(q, sizeof(q), 6, "2001:db8:1::10", "2001:db8:2::20", PKT_PROTO_TCP, 0, rt_ah, 32,
		  43, l4, n);
	pkt_seed("ip6-ext-routing-ah-tcp", PKT_IN_IP, q, m);
	/* fragment header: the first 32 bytes of a 40-byte TCP segment (its checksum covering all
	 * of it), then the last 8 */
	static const uint8_t frag1[8] = {PKT_PROTO_TCP, 0, 0x00, 0x01, 0, 0, 0x12, 0x34};
	static const uint8_t frag2[8] = {PKT_PROTO_TCP, 0, 0x00, 0x20, 0, 0, 0x12, 0x34};
	k = mk_ip(p, sizeof(p), 6, "2001:db8:1::10", "2001:db8:2::20", PKT_PROTO_TCP, 0, NULL, 0, 0,
		  l4, n);
	m = mk_ip(q, sizeof(q), 6, "2001:db8:1::10", "2001:db8:2::20", PKT_PROTO_TCP, 0, frag1, 8,
		  44, p + 40, 32);
	pkt_seed("ip6-fragment-first-tcp", PKT_IN_IP, q, m);
	m = mk_ip(q, sizeof(q), 6, "2001:db8:1::10", "2001:db8:2::20", PKT_PROTO_TCP, 0, frag2, 8,
		  44, p + 72, k - 72);
	pkt_seed("ip6-fragment-last", PKT_IN_IP, q, m);

	/* TCP segments: ACK, PSH|ACK, with options, SYN with options */
	n = mk_tcp(l4, 1000, PKT_TCP_ACK, NULL, 0, 100);
	m = mk_ip(q, sizeof(q), 4, "198.51.100.10", "203.0.113.20", PKT_PROTO_TCP, 0x4000, NULL, 0,
		  0, l4, n);
	pkt_seed("ip4-tcp-ack", PKT_IN_IP, q, m);
	n = mk_tcp(l4, 1100, PKT_TCP_ACK | PKT_TCP_PSH, tcp_ts, sizeof(tcp_ts), 100);
	m = mk_ip(q, sizeof(q), 4, "198.51.100.10", "203.0.113.20", PKT_PROTO_TCP, 0x4000, NULL, 0,
		  0, l4, n);
	pkt_seed("ip4-tcp-psh-ack-ts", PKT_IN_IP, q, m);
	n = mk_tcp(l4, 999, PKT_TCP_SYN, tcp_syn_opts, sizeof(tcp_syn_opts), 0);
	m = mk_ip(q, sizeof(q), 4, "198.51.100.10", "203.0.113.20", PKT_PROTO_TCP, 0x4000, NULL, 0,
		  0, l4, n);
	pkt_seed("ip4-tcp-syn-options", PKT_IN_IP, q, m);
	n = mk_tcp(l4, 1000, PKT_TCP_ACK, NULL, 0, 100);
	m = mk_ip(q, sizeof(q), 6, "2001:db8:1::10", "2001:db8:2::20", PKT_PROTO_TCP, 0, NULL, 0, 0,
		  l4, n);
	pkt_seed("ip6-tcp-ack", PKT_IN_IP, q, m);
	n = mk_tcp(l4, 1100, PKT_TCP_ACK | PKT_TCP_PSH, tcp_ts, sizeof(tcp_ts), 100);
	m = mk_ip(q, sizeof(q), 6, "2001:db8:1::10", "2001:db8:2::20", PKT_PROTO_TCP, 0, NULL, 0, 0,
		  l4, n);
	pkt_seed("ip6-tcp-psh-ack-ts", PKT_IN_IP, q, m);

	/* TUN reads: vnet header, then a packet */
	n = mk_tcp(l4, 1000, PKT_TCP_ACK, tcp_ts, sizeof(tcp_ts), 300);
	m = mk_ip(q, sizeof(q), 4, "198.51.100.10", "203.0.113.20", PKT_PROTO_TCP, 0x4000, NULL, 0,
		  0, l4, n);
	vnet_seed("vnet-none-ip4-tcp", 0, 0, false, 0, 0, 0, q, m);
	vnet_seed("vnet-gso-tcpv4", PKT_VNET_F_NEEDS_CSUM, 1, false, 52, 100, 20, q, m);
	k = mk_ip(p, sizeof(p), 6, "2001:db8:1::10", "2001:db8:2::20", PKT_PROTO_TCP, 0, NULL, 0, 0,
		  l4, n);
	vnet_seed("vnet-gso-tcpv6-ecn", PKT_VNET_F_NEEDS_CSUM, 4, true, 72, 100, 40, p, k);
	n = mk_udp(l4, 9, 300);
	m = mk_ip(q, sizeof(q), 4, "198.51.100.10", "203.0.113.20", PKT_PROTO_UDP, 0x4000, NULL, 0,
		  0, l4, n);
	vnet_seed("vnet-gso-udp-l4", PKT_VNET_F_NEEDS_CSUM, 5, false, 28, 100, 20, q, m);

	/* two TCP segments: consecutive in one stream, then of two streams */
	for (int v = 4; v <= 6; v += 2) {
		const char *src = v == 4 ? "198.51.100.10" : "2001:db8:1::10";
		const char *dst = v == 4 ? "203.0.113.20" : "2001:db8:2::20";
		n = mk_tcp(l4, 1000, PKT_TCP_ACK, tcp_ts, sizeof(tcp_ts), 200);
		m = mk_ip(p, sizeof(p), v, src, dst, PKT_PROTO_TCP, 0x4000, NULL, 0, 0, l4, n);
		n = mk_tcp(l4, 1200, PKT_TCP_ACK | PKT_TCP_PSH, tcp_ts, sizeof(tcp_ts), 100);
		k = mk_ip(q, sizeof(q), v, src, dst, PKT_PROTO_TCP, 0x4000, NULL, 0, 0, l4, n);
		if (v == 4) {
			q[5]++; /* next IPv4 ID */
			q[10] = q[11] = 0;
			uint16_t c = pkt_csum(q, 20);
			q[10] = (uint8_t)(c >> 8);
			q[11] = (uint8_t)c;
		}
		seg2_seed(v == 4 ? "seg2-ip4-consecutive" : "seg2-ip6-consecutive", p, m, q, k);
	}
	n = mk_tcp(l4, 1000, PKT_TCP_ACK, NULL, 0, 200);
	m = mk_ip(p, sizeof(p), 4, "198.51.100.10", "203.0.113.20", PKT_PROTO_TCP, 0x4000, NULL, 0,
		  0, l4, n);
	n = mk_tcp(l4, 1200, PKT_TCP_ACK, NULL, 0, 200);
	k = mk_ip(q, sizeof(q), 4, "198.51.100.11", "203.0.113.20", PKT_PROTO_TCP, 0x4000, NULL, 0,
		  0, l4, n);
	seg2_seed("seg2-ip4-two-streams", p, m, q, k);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: mkcorpus CORPUS-DIR\n");
		return 2;
	}
	outdir = argv[1];
	gen_addr();
	gen_ctrl();
	gen_data();
	gen_pkt();
	printf("mkcorpus: %u seeds written to %s\n", nwritten, outdir);
	return 0;
}
