/*
 * tests/fuzz/mkcorpus.c - writes the seed corpus of the fuzz targets with the library's own
 * builders: DIR/fuzz_addr/ (addresses and LCAFs, mapping records), DIR/fuzz_ctrl/ (one seed
 * per control message kind) and DIR/fuzz_data/ (data-plane headers). A few seeds that the
 * builders cannot produce (unknown LCAF types, deep nesting) are written byte by byte.
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
	printf("mkcorpus: %u seeds written to %s\n", nwritten, outdir);
	return 0;
}
