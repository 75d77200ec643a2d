/* SPDX-License-Identifier: ISC */
/*
 * ms/register.c - Map-Register processing (RFC 9301 §5.6, §8.2) and the registration table.
 *
 * Order of checks, each with its own drop counter and nothing stored on failure:
 *   parse (malformed:<proto_err>) -> at least one record (no-records) -> site owning the
 *   first record's EID prefix (unknown-site) -> a key of that site with the message's Key ID
 *   (bad-key-id) -> HMAC over the message with that key, algorithm included (bad-auth) ->
 *   EVERY record inside the site's allowed prefixes (eid-not-allowed) -> the nonce
 *   (replay.c, by the site's replay policy: strict, above the last one accepted for
 *   (site, key ID, xTR-ID) when I=1, else for (site, key ID, EID prefix) of every record,
 *   whatever the source address (replay); random-nonce, not accepted before
 *   (replay-seen-nonce)).
 * Decision: one record outside the site rejects the WHOLE Map-Register. It is one
 * authenticated unit and its Map-Notify acknowledges all of its records; storing a part
 * would acknowledge what was not stored (the ETR could not tell which part failed).
 *
 * Then each record: TTL 0 deregisters (in a merged set, only the locators this ETR
 * contributed); otherwise the RLOC set replaces the old one, or is merged with it when the
 * site merges or the message's a-bit is set (locators keyed by address, each remembering its
 * ETR). `refresh` sites expire after 3 missed 60-s refreshes, or after the record TTL when
 * T=1 (§8.2); `persistent` sites never expire and are written to the store. A change of
 * the mapping fires the hooks and Map-Notifies the previous RLOCs and subscribers
 * (notify.c). When M=1 the Map-Notify (same nonce, records copied, signed with the same
 * key, I/xTR-ID copied) waits for the store commit of this loop turn (ms_end_turn).
 *
 * Costs: a registration is one right-sized allocation (struct ms_reg, locators in wire
 * encoding); only registrations that can expire are in the expiry heap (expq.c), so a tick
 * looks at the due ones only; a replay entry is written to the store once per loop turn
 * however many Map-Registers advanced it.
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/lpm.h"
#include "ms/ms_int.h"
#include "ms/store.h"
#include "proto/auth.h"

/* ------------------------------------------------------------------ compact form */
static struct ms_name **name_slot(struct ms_name **tab, size_t cap, const char *name)
{
	size_t h = ms_name_hash(name) & (cap - 1);

	while (tab[h] != NULL && strcmp(tab[h]->name, name) != 0)
		h = (h + 1) & (cap - 1);
	return &tab[h];
}

/* Double the index (64 slots at first) and put every interned name back. -1: no memory. */
static int names_grow(struct ms *ms)
{
	size_t cap = ms->names_cap ? ms->names_cap * 2 : 64;
	struct ms_name **tab = calloc(cap, sizeof(*tab));

	if (tab == NULL)
		return -1;
	for (struct ms_name *n = ms->names; n; n = n->next)
		*name_slot(tab, cap, n->name) = n;
	free(ms->names_tab);
	ms->names_tab = tab;
	ms->names_cap = cap;
	return 0;
}

const char *ms_intern(struct ms *ms, const char *name)
{
	struct ms_name *n, **slot;
	size_t len = strlen(name);

	if ((ms->nnames + 1) * 2 > ms->names_cap && names_grow(ms) < 0)
		return NULL;
	slot = name_slot(ms->names_tab, ms->names_cap, name);
	if (*slot != NULL)
		return (*slot)->name;
	n = malloc(sizeof(*n) + len + 1);
	if (n == NULL)
		return NULL;
	memcpy(n->name, name, len + 1);
	n->nregs = 0;
	n->next = ms->names;
	ms->names = n;
	*slot = n;
	ms->nnames++;
	return n->name;
}

const struct lisp_record *ms_reg_record(const struct ms_reg *r, struct lisp_record *out)
{
	struct buf b;

	out->ttl = r->ttl;
	out->action = r->action;
	out->authoritative = r->authoritative;
	out->map_version = r->map_version;
	out->reserved = 0;
	lisp_record_set_eid(out, &r->eid);
	buf_init_read(&b, r->loc, r->loclen);
	out->nloc = 0;
	for (unsigned i = 0; i < r->nloc; i++) {
		memset(&out->loc[i], 0, sizeof(out->loc[i]));
		if (lisp_locator_parse(&b, &out->loc[i], NULL) < 0)
			break; /* cannot happen: we encoded it */
		out->nloc = (uint8_t)(i + 1);
	}
	return out;
}

const struct ipaddr *ms_reg_owner(const struct ms_reg *r, unsigned i)
{
	return r->ext && i < r->ext->nowner ? &r->ext->owner[i] : &r->etr;
}

uint64_t ms_reg_expires(const struct ms *ms, const struct ms_reg *r)
{
	return expq_when(&ms->expq, &r->expiry);
}

void ms_reg_set_expiry(struct ms *ms, struct ms_reg *r, uint64_t when)
{
	if (when == 0)
		expq_del(&ms->expq, &r->expiry);
	else if (expq_set(&ms->expq, &r->expiry, when) < 0)
		log_warnx("out of memory queueing an expiry");
}

size_t ms_site_count(const struct ms *ms, const char *name)
{
	struct ms_name *const *slot;

	if (ms->names_cap == 0)
		return 0;
	slot = name_slot(ms->names_tab, ms->names_cap, name);
	return *slot ? (*slot)->nregs : 0;
}

void ms_reg_set_site(struct ms_reg *r, const char *site)
{
	if (r->site == site)
		return;
	if (r->site != NULL)
		MS_NAME_OF(r->site)->nregs--;
	if (site != NULL)
		MS_NAME_OF(site)->nregs++;
	r->site = site;
}

void ms_reg_free(struct ms *ms, struct ms_reg *r)
{
	ms_reg_set_site(r, NULL);
	expq_del(&ms->expq, &r->expiry);
	free(r->ext);
	free(r);
}

/* Locators in wire encoding; the length, or -1 when they do not encode. */
static int locs_encode(const struct lisp_record *rec, uint8_t *out, size_t cap)
{
	struct buf w;

	buf_init_write(&w, out, cap);
	for (unsigned i = 0; i < rec->nloc; i++)
		if (lisp_locator_build(&w, &rec->loc[i], NULL) < 0)
			return -1;
	return (int)buf_len(&w);
}

#define LOCS_MAX (LISP_MAX_LOCATORS * 64)

/* Store rec (and per-locator owners when `owner` is not NULL; xTR-ID when has_xtr) in r,
 * reallocating it to fit. Returns the registration (maybe moved; the expiry heap, and the
 * table when in_table, follow) or NULL when out of memory (r unchanged). */
static struct ms_reg *reg_store_rec(struct ms *ms, struct ms_reg *r, bool in_table,
				    const struct lisp_record *rec, const struct ipaddr *owner,
				    bool has_xtr, const uint8_t *xtr_id, uint64_t site_id)
{
	uint8_t enc[LOCS_MAX];
	int len = locs_encode(rec, enc, sizeof(enc));
	struct ms_reg_ext *ext = NULL;
	unsigned nowner = 0;

	if (len < 0)
		return NULL;
	if (owner != NULL)
		for (unsigned i = 0; i < rec->nloc; i++)
			if (!ipaddr_eq(&owner[i], &r->etr))
				nowner = rec->nloc;
	if (nowner || has_xtr) {
		ext = r->ext && r->ext->nowner == nowner
			  ? r->ext
			  : malloc(sizeof(*ext) + nowner * sizeof(ext->owner[0]));
		if (ext == NULL)
			return NULL;
		ext->nowner = (uint8_t)nowner;
		for (unsigned i = 0; i < nowner; i++)
			ext->owner[i] = owner[i];
		if (has_xtr)
			memcpy(ext->xtr_id, xtr_id, 16);
		else
			memset(ext->xtr_id, 0, 16);
		ext->site_id = site_id;
	}
	if ((size_t)len != r->loclen) {
		struct ms_reg *n = realloc(r, offsetof(struct ms_reg, loc) + (size_t)len);
		if (n == NULL) {
			if (ext != r->ext)
				free(ext);
			return NULL;
		}
		if (n != r && in_table) {
			if (lpm_insert(ms->regs, &n->eid, n, NULL) < 0)
				log_warnx("registration table: cannot replace a moved entry");
			expq_moved(&ms->expq, &n->expiry);
		}
		r = n;
		r->loclen = (uint16_t)len;
	}
	memcpy(r->loc, enc, (size_t)len);
	r->nloc = rec->nloc;
	r->ttl = rec->ttl;
	r->action = rec->action;
	r->authoritative = rec->authoritative;
	r->map_version = rec->map_version;
	if (ext != r->ext)
		free(r->ext);
	r->ext = ext;
	r->has_xtr = has_xtr;
	return r;
}

/* ------------------------------------------------------------------ table helpers */
static void reg_persist(struct ms *ms, const struct ms_reg *r, const struct lisp_record *rec)
{
	struct store_row row;

	if (ms->store == NULL || !r->persistent)
		return;
	memset(&row, 0, offsetof(struct store_row, rec));
	row.site = r->site;
	row.rec.ttl = rec->ttl;
	row.rec.action = rec->action;
	row.rec.authoritative = rec->authoritative;
	row.rec.map_version = rec->map_version;
	row.rec.reserved = rec->reserved;
	row.rec.eid = rec->eid;
	row.rec.eid_lcaf_iid = rec->eid_lcaf_iid;
	row.rec.iid_mlen = rec->iid_mlen;
	row.rec.nloc = rec->nloc;
	memcpy(row.rec.loc, rec->loc, rec->nloc * sizeof(rec->loc[0]));
	row.etr = r->etr;
	row.etr_port = r->etr_port;
	row.flags = (r->proxy ? STORE_F_PROXY : 0) | (r->merge ? STORE_F_MERGE : 0) |
		    (r->want_notify ? STORE_F_NOTIFY : 0);
	row.registered_unix = r->registered_unix;
	row.version = r->version;
	row.changed_unix_ms = r->changed_unix_ms;
	if (store_put(ms->store, &row) < 0)
		log_warnx("database: %s", store_error(ms->store));
}

void ms_reg_remove(struct ms *ms, struct ms_reg *r, enum ms_change_why why)
{
	struct lisp_record rec;

	ms_reg_record(r, &rec);
	lpm_remove(ms->regs, &r->eid);
	expq_del(&ms->expq, &r->expiry);
	if (r->persistent && ms->store != NULL && store_del(ms->store, &r->eid) < 0)
		log_warnx("database: %s", store_error(ms->store));
	ms_fire_change(ms, &r->eid, &rec, NULL, NULL, r->site, why);
	ms_notify_change(ms, &r->eid, NULL, NULL, NULL, NULL, NULL);
	ms_reg_free(ms, r);
}

static bool loc_same(const struct lisp_locator *a, const struct lisp_locator *b)
{
	if (a->addr.n != b->addr.n)
		return false;
	for (unsigned i = 0; i < a->addr.n; i++)
		if (!ipaddr_eq(&a->addr.addr[i], &b->addr.addr[i]))
			return false;
	return true;
}

static int loc_find(const struct lisp_record *r, const struct lisp_locator *l)
{
	for (unsigned i = 0; i < r->nloc; i++)
		if (loc_same(&r->loc[i], l))
			return (int)i;
	return -1;
}

/* Same set of RLOC addresses? */
static bool rloc_set_equal(const struct lisp_record *a, const struct lisp_record *b)
{
	if (a->nloc != b->nloc)
		return false;
	for (unsigned i = 0; i < a->nloc; i++)
		if (loc_find(b, &a->loc[i]) < 0)
			return false;
	return true;
}

/* Same mapping as far as a receiver cares (locators, their priorities, TTL, version)? */
static bool mapping_equal(const struct lisp_record *a, const struct lisp_record *b)
{
	if (!rloc_set_equal(a, b) || a->ttl != b->ttl || a->map_version != b->map_version)
		return false;
	for (unsigned i = 0; i < a->nloc; i++) {
		const struct lisp_locator *x = &a->loc[i], *y = &b->loc[loc_find(b, x)];
		if (x->priority != y->priority || x->weight != y->weight ||
		    x->mpriority != y->mpriority || x->mweight != y->mweight ||
		    (x->flags & LISP_LOC_F_REACHABLE) != (y->flags & LISP_LOC_F_REACHABLE))
			return false;
	}
	return true;
}

/* Remove the locators contributed by `etr` from rec/owner; returns how many are left. */
static unsigned drop_owned(struct lisp_record *rec, struct ipaddr *owner, const struct ipaddr *etr)
{
	unsigned j = 0;

	for (unsigned i = 0; i < rec->nloc; i++) {
		if (ipaddr_eq(&owner[i], etr))
			continue;
		rec->loc[j] = rec->loc[i];
		owner[j] = owner[i];
		j++;
	}
	rec->nloc = (uint8_t)j;
	return j;
}

static void owners_of(const struct ms_reg *r, struct ipaddr *owner)
{
	for (unsigned i = 0; i < r->nloc; i++)
		owner[i] = *ms_reg_owner(r, i);
}

static uint64_t expiry_of(const struct ms *ms, const struct lisp_map_register *m,
			  const struct lisp_record *rec, bool persistent)
{
	uint64_t secs;

	if (persistent)
		return 0;
	if (m->use_ttl) /* T=1: the record TTL (minutes) is the registration timeout, §8.2 */
		secs = rec->ttl == 0xffffffffu ? 7ULL * 86400 : (uint64_t)rec->ttl * 60;
	else
		secs = (uint64_t)MS_REFRESH_SECS * MS_REFRESH_MISSES;
	return ms->now + secs * 1000;
}

/* A TTL-0 record: deregister (only this ETR's locators of a merged set). */
static void deregister(struct ms *ms, const struct lisp_record *rec, const struct ipaddr *src)
{
	struct ms_reg *r = lpm_exact(ms->regs, &rec->eid);
	struct lisp_record old, cur;
	struct ipaddr owner[LISP_MAX_LOCATORS];

	if (r == NULL)
		return;
	ms->st.deregistrations++;
	if (r->merge) {
		ms_reg_record(r, &old);
		ms_reg_record(r, &cur);
		owners_of(r, owner);
		if (drop_owned(&cur, owner, src) > 0) {
			if (cur.nloc != old.nloc) {
				struct ms_reg *n = reg_store_rec(
				    ms, r, true, &cur, owner, r->has_xtr,
				    r->ext ? r->ext->xtr_id : NULL, r->ext ? r->ext->site_id : 0);
				if (n == NULL) {
					log_warnx("out of memory deregistering locators");
					return;
				}
				r = n;
				ms_reg_changed(r);
				reg_persist(ms, r, &cur);
				ms_fire_change(ms, &r->eid, &old, r, &cur, r->site,
					       MS_CHG_DEREGISTER);
				ms_notify_change(ms, &r->eid, &cur, NULL, NULL, src, NULL);
			}
			return;
		}
		/* none left: the hooks see what was withdrawn, not an empty set */
	}
	ms_reg_remove(ms, r, MS_CHG_DEREGISTER);
}

/* The time of a change is the registrant's (docs/bgp-mappings.md "Ordering"): the nonce of
 * our registrants (lisp-register, lisp-xtrd) is their wall clock in ns
 * (lisp_register_nonce), the same in the Map-Register every Map-Server of the EID gets; so
 * the Map-Servers announce the same time for the same registration and a later one is later
 * at every D-ETR. A nonce that is no time within a day of ours (a random or counting nonce
 * of another registrant) leaves our own clock (ms_reg_changed). */
#define REG_TIME_WINDOW_MS (24ull * 3600 * 1000)
static void reg_time_from_nonce(struct ms_reg *r, uint64_t nonce)
{
	uint64_t t = nonce / 1000000, own = r->changed_unix_ms;

	if (t + REG_TIME_WINDOW_MS >= own && t <= own + REG_TIME_WINDOW_MS)
		r->changed_unix_ms = t;
}

static void register_record(struct ms *ms, const struct ms_site *site, const char *sname,
			    const struct lisp_map_register *m, const struct lisp_record *rec,
			    const struct ipaddr *src, uint16_t sport)
{
	struct ms_reg *r = lpm_exact(ms->regs, &rec->eid);
	struct ms_reg old;
	struct lisp_record oldrec, nr;
	struct ipaddr owner[LISP_MAX_LOCATORS];
	bool existed = r != NULL;
	bool merge = site->merge || m->merge;
	bool persistent = site->lifetime == MS_LIFE_PERSISTENT;

	if (existed) {
		old = *r; /* the fixed part (its locators are in oldrec) */
		ms_reg_record(r, &oldrec);
	} else {
		r = calloc(1, sizeof(*r));
		if (r == NULL) {
			log_warnx("out of memory registering an EID");
			return;
		}
		r->eid = rec->eid;
		r->etr = *src;
		if (lpm_insert(ms->regs, &r->eid, r, NULL) < 0) {
			free(r);
			log_warnx("out of memory registering an EID");
			return;
		}
	}
	/* the new record: header from the message, locators replaced or merged */
	nr.ttl = rec->ttl;
	nr.action = rec->action;
	nr.authoritative = rec->authoritative;
	nr.map_version = rec->map_version;
	nr.reserved = 0;
	lisp_record_set_eid(&nr, &rec->eid);
	if (merge && existed) {
		nr.nloc = oldrec.nloc;
		memcpy(nr.loc, oldrec.loc, oldrec.nloc * sizeof(nr.loc[0]));
		owners_of(r, owner);
		drop_owned(&nr, owner, src);
		for (unsigned i = 0; i < rec->nloc; i++) {
			int k = loc_find(&nr, &rec->loc[i]);
			if (k < 0) {
				if (nr.nloc == LISP_MAX_LOCATORS)
					continue; /* full: the other ETRs' locators stay */
				k = nr.nloc++;
			}
			nr.loc[k] = rec->loc[i];
			owner[k] = *src;
		}
	} else {
		nr.nloc = rec->nloc;
		memcpy(nr.loc, rec->loc, rec->nloc * sizeof(nr.loc[0]));
		for (unsigned i = 0; i < rec->nloc; i++)
			owner[i] = *src;
	}
	r->etr = *src;
	struct ms_reg *n =
	    reg_store_rec(ms, r, true, &nr, owner, m->xtr_id_present, m->xtr_id, m->site_id);
	if (n == NULL) {
		log_warnx("out of memory registering an EID");
		if (existed) {
			r->etr = old.etr;
		} else {
			lpm_remove(ms->regs, &r->eid);
			free(r);
		}
		return;
	}
	r = n;
	ms_reg_set_site(r, sname);
	r->etr_port = sport;
	r->key_id = m->auth.key_id;
	r->proxy = m->proxy_reply || site->proxy_reply;
	r->merge = merge;
	r->want_notify = m->want_notify;
	r->persistent = persistent;
	ms_reg_set_expiry(ms, r, expiry_of(ms, m, rec, persistent));
	r->registered_unix = (uint64_t)time(NULL);
	r->refreshes++;

	if (existed && mapping_equal(&oldrec, &nr) && ipaddr_eq(&old.etr, src)) {
		ms->st.refreshes++;
		if (old.proxy != r->proxy || old.merge != r->merge ||
		    old.want_notify != r->want_notify)
			reg_persist(ms, r, &nr);
		return;
	}
	ms->st.registrations++;
	/* A new version only when the mapping itself changed (not for another ETR sending
	 * the same mapping). */
	if (!existed || !mapping_equal(&oldrec, &nr)) {
		ms_reg_changed(r);
		reg_time_from_nonce(r, m->nonce);
	}
	reg_persist(ms, r, &nr);
	ms_fire_change(ms, &r->eid, existed ? &oldrec : NULL, r, &nr, r->site, MS_CHG_REGISTER);
	if (existed && !rloc_set_equal(&oldrec, &nr))
		ms->st.moves++;
	ms_notify_change(ms, &r->eid, &nr, existed ? &old : NULL, existed ? &oldrec : NULL, src, r);
}

static void send_ack_notify(struct ms *ms, const struct lisp_map_register *m,
			    const struct lisp_key *k, const struct ipaddr *src, uint16_t sport)
{
	static uint8_t out[UINT16_MAX];
	size_t n = ms_build_notify(out, sizeof(out), m->nonce, k, m->rec, m->nrec,
				   m->xtr_id_present, m->xtr_id, m->site_id);

	if (n == 0) {
		ms_drop(ms, LISP_T_MAP_NOTIFY, MS_DROP_SEND_FAILED, src,
			"Map-Notify does not encode");
		return;
	}
	ms_emit_ack(ms, src, sport, out, n);
}

void ms_handle_register(struct ms *ms, const uint8_t *data, size_t len, const struct ipaddr *src,
			uint16_t sport)
{
	struct lisp_map_register *m = &ms->mreg;
	struct proto_err e = {0};
	struct buf b;
	const struct ms_keycfg *kc;
	struct ms_site *site;
	char pfx[PREFIX_STRLEN];

	buf_init_read(&b, data, len);
	if (lisp_map_register_parse(&b, m, &e) < 0) {
		ms_drop_malformed(ms, LISP_T_MAP_REGISTER, src, &e);
		return;
	}
	if (m->nrec == 0) {
		ms_drop(ms, LISP_T_MAP_REGISTER, MS_DROP_NO_RECORDS, src, "no EID records");
		return;
	}
	site = ms_site_for_prefix(ms->cfg, &m->rec[0].eid, NULL);
	if (site == NULL) {
		ms_drop(ms, LISP_T_MAP_REGISTER, MS_DROP_UNKNOWN_SITE, src,
			"no site configured for %s", prefix_str(&m->rec[0].eid, pfx, sizeof(pfx)));
		return;
	}
	kc = ms_site_key(site, m->auth.key_id);
	if (kc == NULL) {
		ms_drop(ms, LISP_T_MAP_REGISTER, MS_DROP_BAD_KEY_ID, src,
			"site %s has no key id %u", site->name, m->auth.key_id);
		return;
	}
	if (lisp_auth_verify(&b, &m->auth, kc->key, &e) < 0) {
		ms_drop(ms, LISP_T_MAP_REGISTER, MS_DROP_BAD_AUTH, src,
			"site %s key %u (alg %u): %s", site->name, m->auth.key_id, m->auth.alg_id,
			e.reason ? e.reason : "authentication failed");
		return;
	}
	for (unsigned i = 0; i < m->nrec; i++) {
		const struct lisp_record *rec = &m->rec[i];
		if (!ms_site_allows(site, &rec->eid)) {
			ms_drop(ms, LISP_T_MAP_REGISTER, MS_DROP_EID_NOT_ALLOWED, src,
				"record %u: %s not allowed for site %s (whole message rejected)", i,
				prefix_str(&rec->eid, pfx, sizeof(pfx)), site->name);
			return;
		}
		if (rec->ttl != 0 && rec->nloc == 0) {
			struct proto_err le = {PERR_BAD_COUNT, 0, "registration without locators"};
			ms_drop_malformed(ms, LISP_T_MAP_REGISTER, src, &le);
			return;
		}
		/* a locator in an LCAF we skip (no address) cannot be stored, served or
		   compared: the registration would change on every refresh */
		for (unsigned j = 0; j < rec->nloc; j++)
			if (rec->loc[j].addr.n == 0) {
				struct proto_err le = {PERR_BAD_AFI, 0,
						       "locator without an address (unknown LCAF)"};
				ms_drop_malformed(ms, LISP_T_MAP_REGISTER, src, &le);
				return;
			}
	}
	if (!ms_replay_accept(ms, site, m, src))
		return;

	const char *sname = ms_intern(ms, site->name); /* once per message, not per record */
	for (unsigned i = 0; i < m->nrec; i++) {
		if (m->rec[i].ttl == 0)
			deregister(ms, &m->rec[i], src);
		else if (sname == NULL)
			log_warnx("out of memory registering an EID");
		else
			register_record(ms, site, sname, m, &m->rec[i], src, sport);
	}
	if (m->want_notify)
		send_ack_notify(ms, m, kc->key, src, sport);
	log_debug_topic(LOG_TOPIC_CONTROL, "Map-Register site %s: %u record(s), nonce 0x%016llx",
			site->name, m->nrec, (unsigned long long)m->nonce);
}

/* ------------------------------------------------------------------ expiry */
void ms_expire(struct ms *ms)
{
	struct expq_node *x;
	char pfx[PREFIX_STRLEN];

	while ((x = expq_due(&ms->expq, ms->now)) != NULL) {
		struct ms_reg *r =
		    (struct ms_reg *)(void *)((char *)x - offsetof(struct ms_reg, expiry));
		log_info("registration of %s (site %s) expired",
			 prefix_str(&r->eid, pfx, sizeof(pfx)), r->site);
		ms->st.expirations++;
		ms_reg_remove(ms, r, MS_CHG_EXPIRE);
	}
}

/* ------------------------------------------------------------------ load */
struct load_ctx {
	struct ms *ms;
	int loaded;
	unsigned skipped;
};

static int load_row(const struct store_row *row, void *arg)
{
	struct load_ctx *lc = arg;
	struct ms *ms = lc->ms;
	struct ms_site *site = ms_site_by_name(ms->cfg, row->site);
	struct ms_reg *r;

	if (site == NULL || site->lifetime != MS_LIFE_PERSISTENT ||
	    !ms_site_allows(site, &row->rec.eid) || row->rec.nloc == 0) {
		lc->skipped++;
		return 0;
	}
	const char *sname = ms_intern(ms, site->name);
	if (sname == NULL)
		return -1;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -1;
	r->eid = row->rec.eid;
	r->etr = row->etr;
	{
		struct ms_reg *n = reg_store_rec(ms, r, false, &row->rec, NULL, false, NULL, 0);
		if (n == NULL) {
			free(r);
			return -1;
		}
		r = n;
	}
	ms_reg_set_site(r, sname);
	r->etr_port = row->etr_port;
	r->key_id = site->nkeys ? site->keys[0].key_id : 0;
	r->proxy = (row->flags & STORE_F_PROXY) != 0;
	r->merge = (row->flags & STORE_F_MERGE) != 0;
	r->want_notify = (row->flags & STORE_F_NOTIFY) != 0;
	r->persistent = true;
	r->registered_unix = row->registered_unix;
	r->version = row->version;
	if (ms->replay_old != NULL)
		ms_replay_seed_old(ms, sname, site, &r->eid, &r->etr);
	r->changed_unix_ms = row->changed_unix_ms;
	if (r->version == 0 || r->version > 0xfff) /* a row written before versions existed */
		ms_reg_changed(r);
	if (lpm_insert(ms->regs, &r->eid, r, NULL) < 0) {
		ms_reg_free(ms, r);
		return -1;
	}
	lc->loaded++;
	ms_fire_change(ms, &r->eid, NULL, r, &row->rec, r->site, MS_CHG_LOAD);
	return 0;
}

int ms_load(struct ms *ms, uint64_t now_ms)
{
	struct load_ctx lc = {ms, 0, 0};
	unsigned bad = 0;

	ms->now = now_ms;
	if (ms->store == NULL)
		return 0;
	if (ms_replay_load(ms) < 0 || store_load(ms->store, load_row, &lc, &bad) < 0) {
		ms_replay_load_end(ms);
		log_warnx("database load: %s", store_error(ms->store));
		return -1;
	}
	ms_replay_load_end(ms);
	if (bad || lc.skipped)
		log_warnx("database: %u undecodable row(s), %u row(s) of unknown or non-persistent "
			  "sites ignored",
			  bad, lc.skipped);
	log_info("loaded %d persistent registration(s)", lc.loaded);
	return lc.loaded;
}
