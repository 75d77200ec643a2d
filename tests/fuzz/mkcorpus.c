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
#include "proto/buf.h"
#include "proto/lisp_msg.h"

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

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: mkcorpus CORPUS-DIR\n");
		return 2;
	}
	outdir = argv[1];
	gen_addr();
	printf("mkcorpus: %u seeds written to %s\n", nwritten, outdir);
	return 0;
}
