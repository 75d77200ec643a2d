/* SPDX-License-Identifier: ISC */
/*
 * xtr/fastpath.c - the in-kernel fast path of lisp-xtrd (xtr/fastpath.h): the program of
 * xtr/bpf/xtr_fastpath.bpf.c loaded through its libbpf skeleton, attached at TC ingress,
 * its maps kept in step with the core (the core's hooks, xtr/xtr.h) and what it counts
 * folded back. Design and limits: docs/architecture.md "In-kernel fast path".
 *
 * Maps written here (the daemon is the single authority): fp_config (the program's global
 * configuration: our RLOCs, instance ID, ports, MTUs, flow hash seed, memory-mapped),
 * fp_hosts (host entries of the map-cache, exact match), fp_prefixes (the other entries,
 * LPM trie keyed by instance ID, family, prefix), fp_db (the database), fp_ifaces (devices
 * a packet may be redirected to), fp_rloc_state (reachability, memory-mapped). Written by the
 * programs and read here: fp_stats (per-CPU counters), fp_use (packets and bytes per map-cache
 * entry, memory-mapped; a slot per entry), fp_rloc_state.last_ns (when a locator was last used:
 * RLOC probing probes those), fp_seen (remote ITRs whose packets were delivered: SMR targets).
 */
#include "config.h"

#include "xtr/fastpath.h"

#include <stdio.h>

#ifndef HAVE_FASTPATH

/* Built without the eBPF tools: a stub that says why. */
bool xtr_fp_built(const char **why)
{
	if (why)
		*why = "lisp-xtrd was built without its fast path (" FASTPATH_WHY ")";
	return false;
}

int xtr_fp_probe(char *err, size_t errlen)
{
	const char *why;

	xtr_fp_built(&why);
	snprintf(err, errlen, "%s", why);
	return -1;
}

struct xtr_fp *xtr_fp_start(struct event_base *base, struct xtr *x, const struct xtr_fp_params *p,
			    char *err, size_t errlen)
{
	const char *why;

	(void)base;
	(void)x;
	(void)p;
	xtr_fp_built(&why);
	snprintf(err, errlen, "%s", why);
	return NULL;
}

void xtr_fp_stop(struct xtr_fp *fp)
{
	(void)fp;
}

void xtr_fp_reconfigure(struct xtr_fp *fp, const struct xtr_cfg *cfg)
{
	(void)fp;
	(void)cfg;
}

void xtr_fp_set_enabled(struct xtr_fp *fp, bool on)
{
	(void)fp;
	(void)on;
}

bool xtr_fp_enabled(const struct xtr_fp *fp)
{
	(void)fp;
	return false;
}

uint64_t xtr_fp_extra_caps(const struct xtr_fp *fp)
{
	(void)fp;
	return 0;
}

void xtr_fp_fold(struct xtr_fp *fp)
{
	(void)fp;
}

int xtr_fp_prog_fd(const struct xtr_fp *fp)
{
	(void)fp;
	return -1;
}

uint64_t xtr_fp_counter(const struct xtr_fp *fp, unsigned idx)
{
	(void)fp;
	(void)idx;
	return 0;
}

unsigned xtr_fp_attached(const struct xtr_fp *fp)
{
	(void)fp;
	return 0;
}

#else /* HAVE_FASTPATH */

#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <event2/event.h>
#include <linux/capability.h>

#include "common/log.h"
#include "common/out.h"
#include "common/priv.h"
#include "common/ratelimit.h"
#include "sys/netlink.h"
#include "sys/sysctl.h"
#include "xtr/bpf/fastpath.h"
#include "xtr/xtr_int.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-prototypes"
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "xtr/bpf/xtr_fastpath.skel.h"
#pragma GCC diagnostic pop

#define FP_TC_HANDLE	 0x4c49 /* "LI": our filter among others on the clsact hook */
#define FP_TC_PRIO	 1024
#define FP_MAX_ATTACH	 64
#define FP_HOSTS_DEFAULT 16384 /* fp_hosts / fp_prefixes size beyond the dynamic bound */

struct fp_slot_ent {
	struct xtr_entry *e; /* NULL: empty */
	uint32_t slot;
};

struct fp_dev {
	int ifindex;
	bool created; /* the clsact qdisc is ours (removed at stop) */
	char name[IF_NAMESIZE];
};

struct xtr_fp {
	struct xtr *x;
	struct xtr_fastpath *skel;
	struct event *timer;
	bool on, attach, listed;
	int tun_ifindex;
	char devices[256];
	uint64_t extra_caps;
	/* maps */
	struct fp_cfg *cfg; /* the program's configuration (its .data, memory-mapped) */
	int fd_hosts, fd_prefixes, fd_db, fd_ifaces, fd_seen, fd_stats;
	struct fp_rloc *rl; /* fp_rloc_state, memory-mapped */
	uint8_t rl_known[FP_RLOC_SLOTS];
	struct fp_use *use; /* fp_use, memory-mapped */
	struct fp_use *shadow;
	uint32_t nuse;
	size_t use_len, rl_len;
	/* map-cache entry -> fp_use slot (open addressing on the entry's address) */
	struct fp_slot_ent *tab;
	size_t tabcap, ntab;
	uint32_t *free_slots, nfree, next_slot;
	/* the database as installed */
	struct fp_lpm_key *dbk;
	size_t ndbk;
	/* devices */
	struct fp_dev dev[FP_MAX_ATTACH];
	unsigned ndev;
	/* counters */
	uint64_t st_last[FP_ST__COUNT], st_total[FP_ST__COUNT];
	struct fp_counters *percpu;
	int ncpus;
	uint64_t seen_folded;
	uint64_t map_errors;
	struct tb err_tb;
};

static const char *const pass_names[FP_ST__COUNT] = {
    [FP_ST_PASS_MISS] = "miss",		[FP_ST_PASS_NEGATIVE] = "negative",
    [FP_ST_PASS_PENDING] = "pending",	[FP_ST_PASS_NO_LOCATOR] = "noLocator",
    [FP_ST_PASS_LOOP] = "loop",		[FP_ST_PASS_MTU] = "mtu",
    [FP_ST_PASS_GSO] = "gso",		[FP_ST_PASS_TTL] = "ttl",
    [FP_ST_PASS_HEADER] = "header",	[FP_ST_PASS_NOT_LOCAL] = "notLocal",
    [FP_ST_PASS_IID] = "foreignIid",	[FP_ST_PASS_ROUTE] = "route",
    [FP_ST_PASS_CHECKSUM] = "checksum", [FP_ST_PASS_FAMILY] = "family",
    [FP_ST_PASS_HELPER] = "helper",
};

bool xtr_fp_built(const char **why)
{
	if (why)
		*why = NULL;
	return true;
}

/* ---------------------------------------------------------------- libbpf's messages */

static char last_msg[256];

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[512];

	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	if (line[0] == '\0')
		return 0;
	/* the verifier's log goes to debug; the last warning becomes the reason of a refusal */
	if (level == LIBBPF_WARN)
		snprintf(last_msg, sizeof(last_msg), "%s", line);
	log_debug("libbpf: %s", line);
	return 0;
}

/* ---------------------------------------------------------------- map errors */

static void map_error(struct xtr_fp *fp, const char *what, int err)
{
	fp->map_errors++;
	if (tb_take(&fp->err_tb, now_ns()))
		log_warnx("fast path: %s: %s (the packets go through user space)", what,
			  strerror(err));
}

/* ---------------------------------------------------------------- keys */

static uint8_t fam_of(uint16_t afi)
{
	return afi == LISP_AFI_IPV4 ? 4 : afi == LISP_AFI_IPV6 ? 6 : 0;
}

static void lpm_key(struct fp_lpm_key *k, const struct lisp_prefix *p)
{
	memset(k, 0, sizeof(*k));
	k->prefixlen = 32 + p->plen;
	k->iid[0] = (uint8_t)(p->iid >> 16);
	k->iid[1] = (uint8_t)(p->iid >> 8);
	k->iid[2] = (uint8_t)p->iid;
	k->fam = fam_of(p->afi);
	memcpy(k->a, p->a, afi_addr_len(p->afi));
}

static bool is_host(const struct lisp_prefix *p)
{
	return p->plen == afi_max_plen(p->afi);
}

static void host_key(struct fp_host_key *k, const struct lisp_prefix *p)
{
	memset(k, 0, sizeof(*k));
	k->iid = p->iid;
	k->fam = fam_of(p->afi);
	memcpy(k->a, p->a, afi_addr_len(p->afi));
}

/* ---------------------------------------------------------------- use slots */

static size_t ptr_hash(const void *p, size_t cap)
{
	uint64_t v = (uint64_t)(uintptr_t)p;
	v ^= v >> 33;
	v *= 0xff51afd7ed558ccdULL;
	v ^= v >> 33;
	return (size_t)v & (cap - 1);
}

static struct fp_slot_ent *slot_find(struct xtr_fp *fp, const struct xtr_entry *e)
{
	if (fp->tabcap == 0)
		return NULL;
	for (size_t i = ptr_hash(e, fp->tabcap);; i = (i + 1) & (fp->tabcap - 1)) {
		if (fp->tab[i].e == e)
			return &fp->tab[i];
		if (fp->tab[i].e == NULL)
			return NULL;
	}
}

static int slot_grow(struct xtr_fp *fp)
{
	size_t cap = fp->tabcap ? fp->tabcap * 2 : 1024;
	struct fp_slot_ent *t = calloc(cap, sizeof(*t));

	if (t == NULL)
		return -1;
	for (size_t i = 0; i < fp->tabcap; i++) {
		if (fp->tab[i].e == NULL)
			continue;
		size_t j = ptr_hash(fp->tab[i].e, cap);
		while (t[j].e)
			j = (j + 1) & (cap - 1);
		t[j] = fp->tab[i];
	}
	free(fp->tab);
	fp->tab = t;
	fp->tabcap = cap;
	return 0;
}

/* The slot of entry e, a new one if it had none (FP_NO_SLOT when all are taken). */
static uint32_t slot_of(struct xtr_fp *fp, struct xtr_entry *e)
{
	struct fp_slot_ent *s = slot_find(fp, e);
	uint32_t n;

	if (s)
		return s->slot;
	if (fp->nfree)
		n = fp->free_slots[--fp->nfree];
	else if (fp->next_slot < fp->nuse)
		n = fp->next_slot++;
	else
		return FP_NO_SLOT;
	if ((fp->ntab + 1) * 2 > fp->tabcap && slot_grow(fp) == -1) {
		fp->free_slots[fp->nfree++] = n;
		return FP_NO_SLOT;
	}
	size_t i = ptr_hash(e, fp->tabcap);
	while (fp->tab[i].e)
		i = (i + 1) & (fp->tabcap - 1);
	fp->tab[i].e = e;
	fp->tab[i].slot = n;
	fp->ntab++;
	/* a slot starts from zero (the programs only add to it) */
	__atomic_store_n(&fp->use[n].packets, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&fp->use[n].bytes, 0, __ATOMIC_RELAXED);
	fp->shadow[n].packets = fp->shadow[n].bytes = 0;
	return n;
}

static void slot_release(struct xtr_fp *fp, const struct xtr_entry *e)
{
	struct fp_slot_ent *s = slot_find(fp, e);

	if (s == NULL)
		return;
	fp->free_slots[fp->nfree++] = s->slot;
	/* backward-shift deletion keeps the probe sequences whole */
	size_t i = (size_t)(s - fp->tab), j = i;
	fp->tab[i].e = NULL;
	fp->ntab--;
	for (;;) {
		j = (j + 1) & (fp->tabcap - 1);
		if (fp->tab[j].e == NULL)
			break;
		size_t h = ptr_hash(fp->tab[j].e, fp->tabcap);
		/* can the entry at j move to the hole at i? (h not cyclically in (i, j]) */
		if ((j > i && (h <= i || h > j)) || (j < i && (h <= i && h > j))) {
			fp->tab[i] = fp->tab[j];
			fp->tab[j].e = NULL;
			i = j;
		}
	}
}

/* ---------------------------------------------------------------- hooks */

static void rloc_sync(struct xtr_fp *fp, uint16_t idx)
{
	if (idx >= FP_RLOC_SLOTS || idx >= fp->x->nrlocs)
		return;
	uint8_t up = fp->x->rlocs[idx].up ? 1 : 2;
	if (fp->rl_known[idx] == up)
		return;
	fp->rl_known[idx] = up;
	__atomic_store_n(&fp->rl[idx].up, up == 1, __ATOMIC_RELAXED);
}

static void entry_set(void *arg, struct xtr_entry *e)
{
	struct xtr_fp *fp = arg;
	struct fp_entry v;
	int rc;

	if (fam_of(e->eid.afi) == 0)
		return;
	memset(&v, 0, sizeof(v));
	v.kind = e->src == XTR_SRC_PENDING ? FP_PENDING : e->nloc ? FP_POSITIVE : FP_NEGATIVE;
	v.src = e->src;
	v.nloc = e->nloc > FP_MAX_LOC ? FP_MAX_LOC : e->nloc;
	for (unsigned i = 0; i < v.nloc; i++) {
		const struct xtr_loc *l = xtr_entry_loc(e, i);
		memcpy(v.loc[i].a, l->addr.a, afi_addr_len(l->addr.afi));
		v.loc[i].fam = fam_of(l->addr.afi);
		v.loc[i].priority = l->priority;
		v.loc[i].weight = l->weight;
		v.loc[i].rloc_idx = l->rloc_idx < FP_RLOC_SLOTS ? l->rloc_idx : FP_NO_RLOC;
		if (v.loc[i].fam == 0)
			v.loc[i].priority = 255; /* not an address the programs can send to */
		rloc_sync(fp, l->rloc_idx);
	}
	v.slot = v.kind == FP_POSITIVE ? slot_of(fp, e) : FP_NO_SLOT;
	if (is_host(&e->eid)) {
		struct fp_host_key k;
		host_key(&k, &e->eid);
		rc = bpf_map_update_elem(fp->fd_hosts, &k, &v, BPF_ANY);
		if (rc)
			bpf_map_delete_elem(fp->fd_hosts, &k); /* never a stale mapping */
	} else {
		struct fp_lpm_key k;
		lpm_key(&k, &e->eid);
		rc = bpf_map_update_elem(fp->fd_prefixes, &k, &v, BPF_ANY);
		if (rc)
			bpf_map_delete_elem(fp->fd_prefixes, &k);
	}
	if (rc)
		map_error(fp, "map-cache entry not installed", errno);
}

static void entry_gone(void *arg, struct xtr_entry *e)
{
	struct xtr_fp *fp = arg;

	if (fam_of(e->eid.afi) == 0)
		return;
	if (is_host(&e->eid)) {
		struct fp_host_key k;
		host_key(&k, &e->eid);
		bpf_map_delete_elem(fp->fd_hosts, &k);
	} else {
		struct fp_lpm_key k;
		lpm_key(&k, &e->eid);
		bpf_map_delete_elem(fp->fd_prefixes, &k);
	}
	slot_release(fp, e);
}

static void rloc_changed(void *arg, uint16_t idx, bool up)
{
	struct xtr_fp *fp = arg;

	(void)up;
	rloc_sync(fp, idx);
}

static void db_changed(void *arg)
{
	struct xtr_fp *fp = arg;
	struct xtr *x = fp->x;
	struct fp_lpm_key *nk = calloc(x->ndb ? x->ndb : 1, sizeof(*nk));
	uint32_t one = 1;
	size_t n = 0;

	if (nk == NULL) {
		map_error(fp, "database not installed", ENOMEM);
		return;
	}
	for (size_t i = 0; i < x->ndb; i++)
		if (fam_of(x->dbv[i].eid.afi))
			lpm_key(&nk[n++], &x->dbv[i].eid);
	/* gone first: a packet must never be delivered for an EID that is not ours any more */
	for (size_t i = 0; i < fp->ndbk; i++) {
		bool keep = false;
		for (size_t j = 0; j < n && !keep; j++)
			keep = memcmp(&fp->dbk[i], &nk[j], sizeof(nk[j])) == 0;
		if (!keep)
			bpf_map_delete_elem(fp->fd_db, &fp->dbk[i]);
	}
	for (size_t j = 0; j < n; j++)
		if (bpf_map_update_elem(fp->fd_db, &nk[j], &one, BPF_ANY))
			map_error(fp, "database entry not installed", errno);
	free(fp->dbk);
	fp->dbk = nk;
	fp->ndbk = n;
}

/* ---------------------------------------------------------------- folding */

static void fold_stats(struct xtr_fp *fp)
{
	struct xtr_stats *st = &fp->x->st;
	uint64_t d[FP_ST__COUNT];

	uint32_t zero = 0;
	if (bpf_map_lookup_elem(fp->fd_stats, &zero, fp->percpu) != 0)
		return;
	for (uint32_t i = 0; i < FP_ST__COUNT; i++) {
		uint64_t sum = 0;
		for (int c = 0; c < fp->ncpus; c++)
			sum += fp->percpu[c].c[i];
		fp->st_total[i] = sum;
		d[i] = sum - fp->st_last[i];
		fp->st_last[i] = sum;
	}
	st->encap += d[FP_ST_ITR_PKTS];
	st->encap_bytes += d[FP_ST_ITR_BYTES];
	st->decap += d[FP_ST_ETR_PKTS];
	st->decap_bytes += d[FP_ST_ETR_BYTES];
	st->reencap += d[FP_ST_DETR_PKTS];
	st->reencap_bytes += d[FP_ST_DETR_BYTES];
	st->etr_in += d[FP_ST_ETR_PKTS] + d[FP_ST_DETR_PKTS];
	st->tenant_classified += d[FP_ST_ITR_TENANT];
}

static void fold_use(struct xtr_fp *fp, uint64_t now)
{
	struct xtr *x = fp->x;

	for (size_t i = 0; i < fp->tabcap; i++) {
		struct xtr_entry *e = fp->tab[i].e;
		if (e == NULL)
			continue;
		uint32_t s = fp->tab[i].slot;
		uint64_t p = __atomic_load_n(&fp->use[s].packets, __ATOMIC_RELAXED);
		uint64_t b = __atomic_load_n(&fp->use[s].bytes, __ATOMIC_RELAXED);
		if (p == fp->shadow[s].packets)
			continue;
		e->packets += (uint32_t)(p - fp->shadow[s].packets);
		e->bytes += b - fp->shadow[s].bytes;
		fp->shadow[s].packets = p;
		fp->shadow[s].bytes = b;
		xtr_cache_touch(x, e, now); /* used: the CLOCK keeps it, show map-cache says so */
	}
	for (size_t i = 0; i < x->nrlocs && i < FP_RLOC_SLOTS; i++) {
		uint64_t t = __atomic_load_n(&fp->rl[i].last_ns, __ATOMIC_RELAXED);
		if (t > x->rlocs[i].last_used)
			x->rlocs[i].last_used = t;
	}
}

/* Remote ITRs whose packets the programs delivered: the SMR targets of xtr_send_smrs. */
static void fold_seen(struct xtr_fp *fp)
{
	struct fp_addr k, next;
	uint64_t t, newest = fp->seen_folded;
	void *prev = NULL;

	while (bpf_map_get_next_key(fp->fd_seen, prev, &next) == 0) {
		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(fp->fd_seen, &k, &t) || t <= fp->seen_folded)
			continue;
		struct ipaddr a = {.afi = k.fam == 4 ? LISP_AFI_IPV4 : LISP_AFI_IPV6};
		memcpy(a.a, k.a, afi_addr_len(a.afi));
		xtr_itr_seen(fp->x, &a, t);
		newest = t > newest ? t : newest;
	}
	fp->seen_folded = newest;
}

void xtr_fp_fold(struct xtr_fp *fp)
{
	if (fp == NULL)
		return;
	fold_stats(fp);
	fold_use(fp, now_ns());
	fold_seen(fp);
}

static void stats_sync(void *arg)
{
	struct xtr_fp *fp = arg;

	fold_stats(fp);
	fold_use(fp, now_ns());
}

static void stats_out(void *arg, struct out *o)
{
	struct xtr_fp *fp = arg;
	const uint64_t *t = fp->st_total;

	out_begin_object(o, "fastPath");
	out_str(o, "state", fp->on ? "on" : "off");
	out_begin_array(o, "devices");
	for (unsigned i = 0; i < fp->ndev; i++)
		out_str(o, NULL, fp->dev[i].name);
	out_end(o);
	out_begin_object(o, "itr");
	out_uint(o, "encapsulated", t[FP_ST_ITR_PKTS]);
	out_uint(o, "encapsulatedBytes", t[FP_ST_ITR_BYTES]);
	out_uint(o, "tenantClassified", t[FP_ST_ITR_TENANT]);
	out_end(o);
	out_begin_object(o, "etr");
	out_uint(o, "decapsulated", t[FP_ST_ETR_PKTS]);
	out_uint(o, "decapsulatedBytes", t[FP_ST_ETR_BYTES]);
	out_end(o);
	out_begin_object(o, "detr");
	out_uint(o, "reencapsulated", t[FP_ST_DETR_PKTS]);
	out_uint(o, "reencapsulatedBytes", t[FP_ST_DETR_BYTES]);
	out_end(o);
	out_begin_object(o, "toUserSpace");
	for (unsigned i = FP_ST_PASS_MISS; i < FP_ST__COUNT; i++)
		out_uint(o, pass_names[i], t[i]);
	out_end(o);
	out_uint(o, "mapUpdateErrors", fp->map_errors);
	out_uint(o, "useSlots", fp->nuse);
	out_uint(o, "useSlotsTaken", fp->ntab);
	out_end(o);
}

/* ---------------------------------------------------------------- devices */

static bool dev_attached(const struct xtr_fp *fp, int ifindex)
{
	for (unsigned i = 0; i < fp->ndev; i++)
		if (fp->dev[i].ifindex == ifindex)
			return true;
	return false;
}

static int dev_attach(struct xtr_fp *fp, int ifindex, const char *name, char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = FP_TC_HANDLE, .priority = FP_TC_PRIO,
		    .prog_fd = bpf_program__fd(fp->skel->progs.lisp_ingress),
		    .flags = BPF_TC_F_REPLACE);
	bool created = false;
	int rc;

	if (fp->ndev >= FP_MAX_ATTACH) {
		snprintf(err, errlen, "%s: more than %d devices", name, FP_MAX_ATTACH);
		return -1;
	}
	rc = bpf_tc_hook_create(&hook);
	if (rc == 0)
		created = true;
	else if (rc != -EEXIST) {
		snprintf(err, errlen, "%s: clsact qdisc: %s", name, strerror(-rc));
		return -1;
	}
	rc = bpf_tc_attach(&hook, &opts);
	if (rc) {
		snprintf(err, errlen, "%s: TC ingress filter: %s", name, strerror(-rc));
		if (created)
			bpf_tc_hook_destroy(&hook);
		return -1;
	}
	struct fp_dev *d = &fp->dev[fp->ndev++];
	d->ifindex = ifindex;
	d->created = created;
	snprintf(d->name, sizeof(d->name), "%s", name);
	log_info("fast path: attached to %s (TC ingress)", name);
	return 0;
}

static void dev_detach(struct fp_dev *d)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = d->ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = FP_TC_HANDLE, .priority = FP_TC_PRIO);

	/* a device gone since is no error: its filter went with it */
	int rc = bpf_tc_detach(&hook, &opts);
	if (rc && rc != -ENOENT && rc != -ENODEV && rc != -EINVAL)
		log_warnx("fast path: %s: detach: %s", d->name, strerror(-rc));
	if (d->created) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
	}
}

/* Should the program run on this device by default? Ethernet devices (they have a MAC),
 * not the loopback, not the TUN device, not a port of a bridge or bond (the master sees
 * the packets that are routed). */
static bool dev_eligible(const struct xtr_fp *fp, const struct nl_link *l, bool for_redirect)
{
	if ((l->flags & IFF_LOOPBACK) || !l->has_mac || l->ifindex == fp->tun_ifindex)
		return false;
	return for_redirect || l->master == 0;
}

/* Walk the namespace's devices: fill fp_ifaces (where packets may be redirected) and,
 * without a device list, attach to every eligible device not attached yet. */
static int dev_scan(struct xtr_fp *fp, char *err, size_t errlen)
{
	struct if_nameindex *ifs = if_nameindex();
	struct nl nl;
	int rc = 0;

	if (ifs == NULL) {
		snprintf(err, errlen, "cannot list the devices: %s", strerror(errno));
		return -1;
	}
	if (nl_open(&nl) < 0) {
		if_freenameindex(ifs);
		snprintf(err, errlen, "netlink: %s", strerror(errno));
		return -1;
	}
	/* drop devices that left */
	uint32_t k, next, *prev = NULL;
	while (bpf_map_get_next_key(fp->fd_ifaces, prev, &next) == 0) {
		k = next;
		prev = &k;
		if (if_indextoname(k, (char[IF_NAMESIZE]){0}) == NULL)
			bpf_map_delete_elem(fp->fd_ifaces, &k);
	}
	for (struct if_nameindex *i = ifs; i->if_index; i++) {
		struct nl_link l;
		if (nl_link_get(&nl, (int)i->if_index, &l) < 0 || !dev_eligible(fp, &l, true))
			continue;
		uint32_t ix = i->if_index, one = 1;
		bpf_map_update_elem(fp->fd_ifaces, &ix, &one, BPF_ANY);
		if (!fp->attach || fp->listed || !dev_eligible(fp, &l, false) ||
		    dev_attached(fp, l.ifindex))
			continue;
		if (dev_attach(fp, l.ifindex, i->if_name, err, errlen) < 0) {
			rc = -1;
			break;
		}
	}
	nl_close(&nl);
	if_freenameindex(ifs);
	return rc;
}

/* <fast-path devices="...">: exactly those. */
static int dev_attach_listed(struct xtr_fp *fp, char *err, size_t errlen)
{
	char list[sizeof(fp->devices)], *save = NULL;

	snprintf(list, sizeof(list), "%s", fp->devices);
	for (char *t = strtok_r(list, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		int ix = (int)if_nametoindex(t);
		if (ix <= 0) {
			snprintf(err, errlen, "no device %s", t);
			return -1;
		}
		if (ix == fp->tun_ifindex) {
			snprintf(err, errlen, "%s is the TUN device", t);
			return -1;
		}
		if (!dev_attached(fp, ix) && dev_attach(fp, ix, t, err, errlen) < 0)
			return -1;
	}
	return 0;
}

static void on_timer(evutil_socket_t fd, short ev, void *arg)
{
	struct xtr_fp *fp = arg;
	char err[256];

	(void)fd;
	(void)ev;
	xtr_fp_fold(fp);
	if (dev_scan(fp, err, sizeof(err)) < 0 && tb_take(&fp->err_tb, now_ns()))
		log_warnx("fast path: %s", err);
}

/* ---------------------------------------------------------------- capabilities */

/* Will the map updates work once only CAP_NET_ADMIN and CAP_NET_RAW are left? Kernels
 * before 6.x checked CAP_BPF (or CAP_SYS_ADMIN) on every bpf() call when unprivileged BPF
 * is disabled: a child with the capabilities the daemon keeps tries one. */
static uint64_t probe_caps(struct xtr_fp *fp)
{
	if (geteuid() != 0)
		return 0; /* no drop: it keeps what it has */
	pid_t pid = fork();
	if (pid < 0)
		return 0;
	if (pid == 0) {
		struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
		struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
		uint32_t k = 0, one = 1;
		memset(d, 0, sizeof(d));
		d[0].effective = d[0].permitted =
		    (uint32_t)(PRIV_CAP(CAP_NET_ADMIN) | PRIV_CAP(CAP_NET_RAW));
		if (syscall(SYS_capset, &h, d) < 0)
			_exit(2);
		if (bpf_map_update_elem(fp->fd_ifaces, &k, &one, BPF_ANY) ||
		    bpf_map_delete_elem(fp->fd_ifaces, &k))
			_exit(1);
		_exit(0);
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
#ifdef CAP_BPF
	log_info("fast path: this kernel wants CAP_BPF for map updates: it is kept");
	return PRIV_CAP(CAP_BPF);
#else
	log_info("fast path: this kernel wants CAP_SYS_ADMIN for map updates: it is kept");
	return PRIV_CAP(CAP_SYS_ADMIN);
#endif
}

/* ---------------------------------------------------------------- tenants */

static void map_clear(int fd, size_t ksz)
{
	uint8_t k[64], next[64];

	if (ksz > sizeof(k))
		return;
	/* from the first key each time: a deleted key cannot continue the walk */
	while (bpf_map_get_next_key(fd, NULL, next) == 0) {
		memcpy(k, next, ksz);
		if (bpf_map_delete_elem(fd, k) != 0)
			break;
	}
}

/* The D-ETR's tenant instance IDs and <client> rules (xtr_serves_iid, xtr_tenant_of): the
 * counts go to 0 first, so the programs never use a half-written set. */
static void tenants_sync(struct xtr_fp *fp, const struct xtr_cfg *c)
{
	int fd_iids = bpf_map__fd(fp->skel->maps.fp_iids);
	int fd_clients = bpf_map__fd(fp->skel->maps.fp_clients);
	uint32_t one = 1, nt = 0, nc = 0;

	__atomic_store_n(&fp->cfg->ntenant, 0u, __ATOMIC_RELEASE);
	__atomic_store_n(&fp->cfg->nclient, 0u, __ATOMIC_RELEASE);
	map_clear(fd_iids, sizeof(uint32_t));
	map_clear(fd_clients, sizeof(struct fp_lpm_key));
	for (unsigned i = 0; i < c->ntenant; i++) {
		uint32_t iid = c->tenant_iid[i];
		if (bpf_map_update_elem(fd_iids, &iid, &one, BPF_ANY) == 0)
			nt++;
		else
			map_error(fp, "tenant instance ID not installed", errno);
	}
	for (unsigned i = 0; i < c->nclient; i++) {
		struct fp_lpm_key k;
		lpm_key(&k, &c->client[i].src);
		uint32_t iid = c->client[i].iid;
		if (bpf_map_update_elem(fd_clients, &k, &iid, BPF_ANY) == 0)
			nc++;
		else
			map_error(fp, "tenant client rule not installed", errno);
	}
	/* a rule that did not make it: no PITR packet in the kernel, user space classifies */
	__atomic_store_n(&fp->cfg->ntenant, nt, __ATOMIC_RELEASE);
	__atomic_store_n(&fp->cfg->nclient, nc == c->nclient ? nc : FP_CLIENTS_UNKNOWN,
			 __ATOMIC_RELEASE);
}

/* ---------------------------------------------------------------- life */

static int read_sysctl_u8(const char *name, uint8_t dflt)
{
	long v;
	if (sysctl_get_int(name, &v) < 0 || v < 1 || v > 255)
		return dflt;
	return (int)v;
}

static void fill_config(struct xtr_fp *fp, const struct xtr_cfg *c)
{
	struct fp_cfg v;
	bool h4 = false, h6 = false;

	memset(&v, 0, sizeof(v));
	v.iid = c->iid;
	v.flow_seed = fp->x->flow_seed;
	v.tun_ifindex = (uint32_t)fp->tun_ifindex;
	v.underlay_mtu = c->underlay_mtu;
	v.tun_mtu = c->tun_mtu;
	v.data_port = c->data_port;
	v.mode = c->mode == XTR_MODE_REPRESENTATIVE ? FP_MODE_REPRESENTATIVE : FP_MODE_SITE;
	/* what the daemon's raw sockets get from the kernel */
	v.ttl4 = (uint8_t)read_sysctl_u8("net.ipv4.ip_default_ttl", 64);
	v.hlim6 = (uint8_t)read_sysctl_u8("net.ipv6.conf.all.hop_limit", 64);
	/* our RLOCs, one per family (config.c); the source of the family (xtr_rloc_for) */
	for (unsigned i = 0; i < c->nrloc; i++) {
		if (c->rloc[i].afi == LISP_AFI_IPV4 && !h4) {
			memcpy(v.rloc4, c->rloc[i].a, 4);
			h4 = true;
		} else if (c->rloc[i].afi == LISP_AFI_IPV6 && !h6) {
			memcpy(v.rloc6, c->rloc[i].a, 16);
			h6 = true;
		}
	}
	v.has4 = h4;
	v.has6 = h6;
	v.on = 0; /* switched on once everything is in place */
	*fp->cfg = v;
}

static void fill_cache(void *arg, const struct xtr_entry *e)
{
	/* the map-cache hands entries out read-only; the fast path only reads them here */
	entry_set(arg, (struct xtr_entry *)(uintptr_t)e);
}

/* Why the load failed; for a refusal of privileges, what it takes: the verifier rejects
 * these programs without CAP_PERFMON (EACCES: its Spectre hardening forbids some of their
 * pointer arithmetic), bpf() fails without CAP_BPF or under a system call filter (EPERM). */
static void load_err(char *err, size_t errlen, int rc)
{
	snprintf(err, errlen, "the kernel refused the eBPF program: %s%s%s%s", strerror(-rc),
		 rc == -EPERM || rc == -EACCES
		     ? " (loading needs CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN, or CAP_SYS_ADMIN, "
		       "and the bpf() system call)"
		     : "",
		 last_msg[0] ? ": " : "", last_msg);
}

int xtr_fp_probe(char *err, size_t errlen)
{
	libbpf_set_print(libbpf_print);
	last_msg[0] = '\0';
	struct xtr_fastpath *skel = xtr_fastpath__open();
	if (skel == NULL) {
		snprintf(err, errlen, "cannot open the eBPF object: %s", strerror(errno));
		return -1;
	}
	int rc = xtr_fastpath__load(skel);
	xtr_fastpath__destroy(skel);
	if (rc) {
		load_err(err, errlen, rc);
		return -1;
	}
	return 0;
}

static void *map_mmap(struct bpf_map *m, size_t *len)
{
	size_t sz = (size_t)bpf_map__value_size(m) * bpf_map__max_entries(m);
	long pg = sysconf(_SC_PAGESIZE);

	*len = (sz + (size_t)pg - 1) / (size_t)pg * (size_t)pg;
	void *p = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(m), 0);
	return p == MAP_FAILED ? NULL : p;
}

struct xtr_fp *xtr_fp_start(struct event_base *base, struct xtr *x, const struct xtr_fp_params *p,
			    char *err, size_t errlen)
{
	const struct xtr_cfg *c = p->cfg;
	struct xtr_fp *fp = calloc(1, sizeof(*fp));
	int rc;

	if (fp == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	libbpf_set_print(libbpf_print);
	last_msg[0] = '\0';
	fp->x = x;
	fp->on = c->fast_path != XTR_FP_OFF;
	fp->attach = p->attach;
	snprintf(fp->devices, sizeof(fp->devices), "%s", c->fp_devices);
	fp->listed = fp->devices[0] != '\0';
	tb_init(&fp->err_tb, 1, 5, now_ns());
	fp->tun_ifindex = p->tun_name && p->tun_name[0] ? (int)if_nametoindex(p->tun_name) : 0;
	if (fp->tun_ifindex <= 0) {
		snprintf(err, errlen, "no TUN device %s", p->tun_name ? p->tun_name : "");
		goto fail;
	}
	fp->skel = xtr_fastpath__open();
	if (fp->skel == NULL) {
		snprintf(err, errlen, "cannot open the eBPF object: %s", strerror(errno));
		goto fail;
	}
	/* room for every map-cache entry the bound allows, plus static and BGP ones */
	uint32_t cap = c->cache_max + XTR_MAX_STATIC + FP_HOSTS_DEFAULT;
	if (cap > (1u << 21))
		cap = 1u << 21;
	bpf_map__set_max_entries(fp->skel->maps.fp_hosts, cap);
	bpf_map__set_max_entries(fp->skel->maps.fp_prefixes, cap);
	bpf_map__set_max_entries(fp->skel->maps.fp_db, XTR_MAX_DB);
	bpf_map__set_max_entries(fp->skel->maps.fp_use, cap);
	rc = xtr_fastpath__load(fp->skel);
	if (rc) {
		load_err(err, errlen, rc);
		goto fail;
	}
	if (fp->skel->bss == NULL) {
		snprintf(err, errlen, "the kernel cannot map the program's globals (5.5 or later)");
		goto fail;
	}
	fp->cfg = &fp->skel->bss->fp_config;
	fp->fd_hosts = bpf_map__fd(fp->skel->maps.fp_hosts);
	fp->fd_prefixes = bpf_map__fd(fp->skel->maps.fp_prefixes);
	fp->fd_db = bpf_map__fd(fp->skel->maps.fp_db);
	fp->fd_ifaces = bpf_map__fd(fp->skel->maps.fp_ifaces);
	fp->fd_seen = bpf_map__fd(fp->skel->maps.fp_seen);
	fp->fd_stats = bpf_map__fd(fp->skel->maps.fp_stats);
	fp->nuse = cap;
	fp->rl = map_mmap(fp->skel->maps.fp_rloc_state, &fp->rl_len);
	fp->use = map_mmap(fp->skel->maps.fp_use, &fp->use_len);
	fp->shadow = calloc(cap, sizeof(*fp->shadow));
	fp->free_slots = calloc(cap, sizeof(*fp->free_slots));
	fp->ncpus = libbpf_num_possible_cpus();
	fp->percpu = fp->ncpus > 0 ? calloc((size_t)fp->ncpus, sizeof(*fp->percpu)) : NULL;
	if (fp->rl == NULL || fp->use == NULL) {
		snprintf(err, errlen, "cannot map the eBPF arrays: %s", strerror(errno));
		goto fail;
	}
	if (fp->shadow == NULL || fp->free_slots == NULL || fp->percpu == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	fill_config(fp, c);
	tenants_sync(fp, c);
	/* the maps from the core as it is, then every change through the hooks */
	const struct xtr_hooks hooks = {.arg = fp,
					.entry_set = entry_set,
					.entry_gone = entry_gone,
					.rloc_changed = rloc_changed,
					.db_changed = db_changed,
					.stats_sync = stats_sync,
					.stats_out = stats_out};
	xtr_set_hooks(x, &hooks);
	xtr_cache_foreach(x, fill_cache, fp);
	db_changed(fp);
	__atomic_store_n(&fp->cfg->on, fp->on ? 1u : 0u, __ATOMIC_RELEASE);
	if (dev_scan(fp, err, errlen) < 0 ||
	    (fp->attach && fp->listed && dev_attach_listed(fp, err, errlen) < 0))
		goto fail;
	if (fp->attach && fp->ndev == 0) {
		snprintf(err, errlen, "no device to attach to");
		goto fail;
	}
	fp->extra_caps = probe_caps(fp);
	if (base) {
		struct timeval sec = {1, 0};
		fp->timer = event_new(base, -1, EV_PERSIST, on_timer, fp);
		if (fp->timer == NULL || event_add(fp->timer, &sec) == -1) {
			snprintf(err, errlen, "cannot start its timer");
			goto fail;
		}
	}
	return fp;
fail:
	xtr_fp_stop(fp);
	return NULL;
}

void xtr_fp_stop(struct xtr_fp *fp)
{
	if (fp == NULL)
		return;
	if (fp->timer)
		event_free(fp->timer);
	for (unsigned i = 0; i < fp->ndev; i++) {
		dev_detach(&fp->dev[i]);
		log_info("fast path: detached from %s", fp->dev[i].name);
	}
	if (fp->x && fp->x->hooks.arg == fp) {
		xtr_fp_fold(fp); /* what it counted stays counted */
		xtr_set_hooks(fp->x, NULL);
	}
	if (fp->rl)
		munmap(fp->rl, fp->rl_len);
	if (fp->use)
		munmap(fp->use, fp->use_len);
	xtr_fastpath__destroy(fp->skel);
	free(fp->shadow);
	free(fp->free_slots);
	free(fp->percpu);
	free(fp->tab);
	free(fp->dbk);
	free(fp);
}

void xtr_fp_reconfigure(struct xtr_fp *fp, const struct xtr_cfg *cfg)
{
	if (fp == NULL)
		return;
	if (strcmp(cfg->fp_devices, fp->devices) != 0)
		log_warnx("<fast-path devices> changes take effect at the next restart");
	/* what a reload applies to the core (xtr_reconfigure); the TUN device, the RLOCs and
	 * the ports stay as the sockets and the device were opened (main.c says so) */
	__atomic_store_n(&fp->cfg->on, 0u, __ATOMIC_RELEASE);
	fp->cfg->iid = cfg->iid;
	fp->cfg->underlay_mtu = cfg->underlay_mtu;
	fp->cfg->mode =
	    cfg->mode == XTR_MODE_REPRESENTATIVE ? FP_MODE_REPRESENTATIVE : FP_MODE_SITE;
	tenants_sync(fp, cfg);
	__atomic_store_n(&fp->cfg->on, fp->on ? 1u : 0u, __ATOMIC_RELEASE);
	xtr_fp_set_enabled(fp, cfg->fast_path != XTR_FP_OFF);
}

void xtr_fp_set_enabled(struct xtr_fp *fp, bool on)
{
	if (fp == NULL || fp->on == on)
		return;
	__atomic_store_n(&fp->cfg->on, on ? 1u : 0u, __ATOMIC_RELEASE);
	fp->on = on;
	log_info("fast path %s", on ? "on" : "off: every packet through user space");
}

bool xtr_fp_enabled(const struct xtr_fp *fp)
{
	return fp && fp->on;
}

uint64_t xtr_fp_extra_caps(const struct xtr_fp *fp)
{
	return fp ? fp->extra_caps : 0;
}

int xtr_fp_prog_fd(const struct xtr_fp *fp)
{
	return fp ? bpf_program__fd(fp->skel->progs.lisp_ingress) : -1;
}

uint64_t xtr_fp_counter(const struct xtr_fp *fp, unsigned idx)
{
	uint64_t sum = 0;
	uint32_t zero = 0;

	if (fp == NULL || idx >= FP_ST__COUNT ||
	    bpf_map_lookup_elem(fp->fd_stats, &zero, fp->percpu) != 0)
		return 0;
	for (int c = 0; c < fp->ncpus; c++)
		sum += fp->percpu[c].c[idx];
	return sum;
}

unsigned xtr_fp_attached(const struct xtr_fp *fp)
{
	return fp ? fp->ndev : 0;
}

#endif /* HAVE_FASTPATH */
