/* SPDX-License-Identifier: ISC */
/*
 * bgp/rib.c - the speaker's route tables: a hash of entries keyed by prefix (instance ID
 * included: 0 is a unicast route, any other a VPN route whose RD names it, RFC 4364 §4.2),
 * each holding its paths keyed by ADD-PATH path ID (RFC 7911 §3: prefix + path identifier
 * identify a path; 0 without ADD-PATH). Used for every peer's Adj-RIB-In and Adj-RIB-Out
 * (RFC 4271 §3.2) and for the speaker's own table of mappings to announce. Stale marking and
 * purging serve the graceful restart helper (RFC 4724 §4.2).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "bgp/bgp_int.h"

#define RIB_MIN_SIZE 64

static uint64_t prefix_hash(const struct lisp_prefix *p)
{
	uint64_t h = 1469598103934665603ull;
	size_t n = afi_addr_len(p->afi);

	h = (h ^ p->afi) * 1099511628211ull;
	h = (h ^ p->plen) * 1099511628211ull;
	h = (h ^ p->iid) * 1099511628211ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p->a[i]) * 1099511628211ull;
	return h ^ (h >> 29);
}

static bool key_eq(const struct lisp_prefix *x, const struct lisp_prefix *y)
{
	return x->afi == y->afi && x->plen == y->plen && x->iid == y->iid &&
	       memcmp(x->a, y->a, afi_addr_len(x->afi)) == 0;
}

int bgp_prefix_aid(const struct lisp_prefix *p)
{
	if (p->afi == LISP_AFI_IPV4)
		return p->iid ? BGP_AID_VPNV4 : BGP_AID_IPV4;
	if (p->afi == LISP_AFI_IPV6)
		return p->iid ? BGP_AID_VPNV6 : BGP_AID_IPV6;
	return -1;
}

void bgp_rib_init(struct bgp_rib *r)
{
	memset(r, 0, sizeof(*r));
}

static void entry_free(struct bgp_rib_entry *e)
{
	free(e->paths);
	free(e->map);
	free(e);
}

void bgp_rib_free(struct bgp_rib *r)
{
	for (size_t i = 0; i < r->size; i++) {
		struct bgp_rib_entry *e = r->tab[i], *n;
		for (; e; e = n) {
			n = e->next;
			entry_free(e);
		}
	}
	free(r->tab);
	memset(r, 0, sizeof(*r));
}

struct bgp_rib_entry *bgp_rib_find(const struct bgp_rib *r, const struct lisp_prefix *p)
{
	if (r->size == 0)
		return NULL;
	for (struct bgp_rib_entry *e = r->tab[prefix_hash(p) & (r->size - 1)]; e; e = e->next)
		if (key_eq(&e->prefix, p))
			return e;
	return NULL;
}

static int grow(struct bgp_rib *r)
{
	size_t nsize = r->size ? r->size * 2 : RIB_MIN_SIZE;
	struct bgp_rib_entry **nt = calloc(nsize, sizeof(*nt));

	if (nt == NULL)
		return -1;
	for (size_t i = 0; i < r->size; i++) {
		struct bgp_rib_entry *e = r->tab[i], *n;
		for (; e; e = n) {
			n = e->next;
			size_t b = prefix_hash(&e->prefix) & (nsize - 1);
			e->next = nt[b];
			nt[b] = e;
		}
	}
	free(r->tab);
	r->tab = nt;
	r->size = nsize;
	return 0;
}

struct bgp_rib_entry *bgp_rib_get(struct bgp_rib *r, const struct lisp_prefix *p)
{
	struct bgp_rib_entry *e = bgp_rib_find(r, p);

	if (e)
		return e;
	if (r->n_entries >= r->size && grow(r) < 0)
		return NULL;
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return NULL;
	e->prefix = *p;
	size_t b = prefix_hash(p) & (r->size - 1);
	e->next = r->tab[b];
	r->tab[b] = e;
	r->n_entries++;
	return e;
}

void bgp_rib_remove(struct bgp_rib *r, struct bgp_rib_entry *e)
{
	if (r->size == 0)
		return;
	struct bgp_rib_entry **pp = &r->tab[prefix_hash(&e->prefix) & (r->size - 1)];
	for (; *pp; pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			r->n_entries--;
			r->n_paths -= e->n;
			entry_free(e);
			return;
		}
	}
}

struct bgp_rib_path *bgp_rib_path_find(struct bgp_rib_entry *e, uint32_t path_id)
{
	for (unsigned i = 0; i < e->n; i++)
		if (e->paths[i].path_id == path_id)
			return &e->paths[i];
	return NULL;
}

static bool path_same(const struct bgp_rib_path *a, const struct bgp_rib_path *b)
{
	struct bgp_rib_path x = *a, y = *b;

	x.stale = y.stale = false;
	/* compare field by field: the struct has padding */
	return x.path_id == y.path_id && x.map_ok == y.map_ok && x.has_lp == y.has_lp &&
	       x.vpn == y.vpn && x.rd == y.rd && x.label == y.label && x.origin == y.origin &&
	       x.n_lc == y.n_lc && x.aspath_len == y.aspath_len && x.local_pref == y.local_pref &&
	       ipaddr_eq(&x.nh, &y.nh) && memcmp(x.lc, y.lc, x.n_lc * sizeof(x.lc[0])) == 0 &&
	       ipaddr_eq(&x.map.loc.rloc, &y.map.loc.rloc) &&
	       x.map.loc.priority == y.map.loc.priority && x.map.loc.weight == y.map.loc.weight &&
	       x.map.version == y.map.version && x.map.ttl == y.map.ttl &&
	       x.map.eid.iid == y.map.eid.iid;
}

int bgp_rib_update(struct bgp_rib *r, const struct lisp_prefix *p, const struct bgp_rib_path *path)
{
	struct bgp_rib_entry *e = bgp_rib_get(r, p);

	if (e == NULL)
		return -1;
	struct bgp_rib_path *old = bgp_rib_path_find(e, path->path_id);
	if (old) {
		int rc = path_same(old, path) ? 2 : 1;
		*old = *path;
		old->stale = false;
		return rc;
	}
	if (e->n == e->cap) {
		unsigned nc = e->cap ? e->cap * 2u : 1u;
		if (nc > UINT16_MAX)
			return -1;
		struct bgp_rib_path *np = realloc(e->paths, nc * sizeof(*np));
		if (np == NULL) {
			if (e->n == 0 && e->map == NULL)
				bgp_rib_remove(r, e);
			return -1;
		}
		e->paths = np;
		e->cap = (uint16_t)nc;
	}
	e->paths[e->n] = *path;
	e->paths[e->n].stale = false;
	e->n++;
	r->n_paths++;
	return 0;
}

static void path_del(struct bgp_rib *r, struct bgp_rib_entry *e, unsigned i)
{
	memmove(&e->paths[i], &e->paths[i + 1], (e->n - i - 1) * sizeof(e->paths[0]));
	e->n--;
	r->n_paths--;
}

int bgp_rib_withdraw(struct bgp_rib *r, const struct lisp_prefix *p, uint32_t path_id)
{
	struct bgp_rib_entry *e = bgp_rib_find(r, p);

	if (e == NULL)
		return -1;
	for (unsigned i = 0; i < e->n; i++) {
		if (e->paths[i].path_id != path_id)
			continue;
		path_del(r, e, i);
		if (e->n == 0 && e->map == NULL)
			bgp_rib_remove(r, e);
		return 0;
	}
	return -1;
}

static bool in_mask(const struct bgp_rib_entry *e, uint8_t aid_mask)
{
	int aid = bgp_prefix_aid(&e->prefix);
	return aid >= 0 && (aid_mask & BGP_AID_BIT(aid));
}

size_t bgp_rib_mark_stale(struct bgp_rib *r, uint8_t aid_mask)
{
	size_t n = 0;

	for (size_t b = 0; b < r->size; b++)
		for (struct bgp_rib_entry *e = r->tab[b]; e; e = e->next) {
			if (!in_mask(e, aid_mask))
				continue;
			for (unsigned i = 0; i < e->n; i++) {
				e->paths[i].stale = true;
				n++;
			}
		}
	return n;
}

size_t bgp_rib_count_stale(const struct bgp_rib *r)
{
	size_t n = 0;

	for (size_t b = 0; b < r->size; b++)
		for (struct bgp_rib_entry *e = r->tab[b]; e; e = e->next)
			for (unsigned i = 0; i < e->n; i++)
				n += e->paths[i].stale;
	return n;
}

size_t bgp_rib_purge_stale(struct bgp_rib *r, uint8_t aid_mask, bgp_rib_prefix_fn *fn, void *arg)
{
	size_t n = 0;

	for (size_t b = 0; b < r->size; b++) {
		struct bgp_rib_entry *e = r->tab[b], *next;
		for (; e; e = next) {
			next = e->next;
			if (!in_mask(e, aid_mask))
				continue;
			unsigned before = e->n;
			for (unsigned i = e->n; i-- > 0;)
				if (e->paths[i].stale)
					path_del(r, e, i);
			if (e->n == before)
				continue;
			n += before - e->n;
			struct lisp_prefix p = e->prefix;
			if (e->n == 0 && e->map == NULL)
				bgp_rib_remove(r, e);
			if (fn)
				fn(&p, arg);
		}
	}
	return n;
}

void bgp_rib_walk(const struct bgp_rib *r, bgp_rib_walk_fn *fn, void *arg)
{
	for (size_t b = 0; b < r->size; b++)
		for (struct bgp_rib_entry *e = r->tab[b]; e; e = e->next)
			fn(e, arg);
}

static int entry_cmp(const void *a, const void *b)
{
	const struct bgp_rib_entry *x = *(const struct bgp_rib_entry *const *)a;
	const struct bgp_rib_entry *y = *(const struct bgp_rib_entry *const *)b;
	return prefix_cmp(&x->prefix, &y->prefix);
}

struct bgp_rib_entry **bgp_rib_sorted(const struct bgp_rib *r, size_t *n)
{
	size_t k = 0;
	struct bgp_rib_entry **v;

	*n = 0;
	if (r->n_entries == 0)
		return NULL;
	v = malloc(r->n_entries * sizeof(*v));
	if (v == NULL)
		return NULL;
	for (size_t b = 0; b < r->size; b++)
		for (struct bgp_rib_entry *e = r->tab[b]; e; e = e->next)
			v[k++] = e;
	qsort(v, k, sizeof(*v), entry_cmp);
	*n = k;
	return v;
}

/* The mapping of one originator's paths. */
static void merge_origin(const struct bgp_rib_entry *e, uint32_t origin, struct bgp_host_mapping *m,
			 bool *stale)
{
	memset(m, 0, sizeof(*m));
	*stale = false;
	for (unsigned i = 0; i < e->n; i++) {
		const struct bgp_rib_path *p = &e->paths[i];
		if (!p->map_ok || p->originator != origin)
			continue;
		if (bgp_mapping_merge(m, &p->map) == 0 && p->stale)
			*stale = true;
	}
}

/* a is preferred to b (bgp_rib_mapping above) */
static bool origin_better(const struct bgp_host_mapping *a, const struct bgp_host_mapping *b)
{
	int c = bgp_mapping_newer(a, b);

	if (c)
		return c > 0;
	if (a->reg_ms || b->reg_ms)
		return false;
	/* no registration times (an older Map-Server): the map version when comparable */
	uint16_t d = (uint16_t)((a->version - b->version) & BGP_MAP_VERSION_MAX);
	return a->version && b->version && d != 0 && d < 0x800;
}

int bgp_rib_mapping(const struct bgp_rib_entry *e, struct bgp_host_mapping *m, bool *stale)
{
	uint32_t seen[64];
	unsigned nseen = 0;

	memset(m, 0, sizeof(*m));
	*stale = false;
	for (unsigned i = 0; i < e->n; i++) {
		const struct bgp_rib_path *p = &e->paths[i];
		bool dup = false;
		if (!p->map_ok)
			continue;
		for (unsigned k = 0; k < nseen && !dup; k++)
			dup = seen[k] == p->originator;
		if (dup)
			continue;
		if (nseen < sizeof(seen) / sizeof(seen[0]))
			seen[nseen++] = p->originator;
		struct bgp_host_mapping cand;
		bool cstale;
		merge_origin(e, p->originator, &cand, &cstale);
		if (cand.n_loc && (m->n_loc == 0 || origin_better(&cand, m))) {
			*m = cand;
			*stale = cstale;
		}
	}
	if (m->n_loc == 0)
		m->eid = e->prefix;
	return m->n_loc;
}

static uint64_t rev64(uint64_t v)
{
	v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
	v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
	v = ((v >> 4) & 0x0f0f0f0f0f0f0f0fULL) | ((v & 0x0f0f0f0f0f0f0f0fULL) << 4);
	v = ((v >> 8) & 0x00ff00ff00ff00ffULL) | ((v & 0x00ff00ff00ff00ffULL) << 8);
	v = ((v >> 16) & 0x0000ffff0000ffffULL) | ((v & 0x0000ffff0000ffffULL) << 16);
	return (v >> 32) | (v << 32);
}

bool bgp_rib_scan(const struct bgp_rib *r, uint64_t *cursor,
		  void (*fn)(const struct bgp_rib_entry *e, void *arg), void *arg)
{
	uint64_t v = *cursor, mask;

	if (r->size == 0) {
		*cursor = 0;
		return true;
	}
	mask = r->size - 1;
	for (const struct bgp_rib_entry *e = r->tab[v & mask]; e; e = e->next)
		fn(e, arg);
	/* the next bucket: increment the index with its bits reversed (the high bits of the
	 * index vary fastest), so the buckets one bucket splits into when the table doubles
	 * are visited together */
	v |= ~mask;
	v = rev64(v);
	v++;
	v = rev64(v);
	*cursor = v;
	return v == 0;
}
