/* SPDX-License-Identifier: ISC */
/*
 * ms/notify.c - Map-Notify out of the Map-Server (RFC 9301 §5.7) and RFC 9437 pub/sub.
 *
 * - Acknowledgement of a Map-Register (register.c): same nonce, records copied, signed with
 *   the key that authenticated the Map-Register.
 * - Mobility: when an EID's RLOC set changes, the NEW mapping is Map-Notified to every RLOC
 *   of the old set that is no longer in it (at port 4342) and to the previous registering
 *   ETR (at its source port) when that is another address and it asked for Map-Notify, so
 *   the old site stops claiming the EID (lispers.net does the same, lisp-wire.md A.10).
 *   <map-notify old-site="false"> turns this off (RFC 6830-era Map-Servers: the old site
 *   is not told; docs/evaluation.md, mode ttl).
 *   Signed with the site's key of the old registration.
 * - Pub/sub (RFC 9437 §5): a Map-Request with I=1 and N=1 in an EID record subscribes the
 *   xTR-ID to that prefix (ITR-RLOC + reply port); it is answered with a Map-Notify holding
 *   the current mapping when one is registered, and every later change of an EID the
 *   prefix covers is Map-Notified to it (I=1, xTR-ID/Site-ID echoed, nonce rising per
 *   notification). Withdrawals are a record with TTL 0 and no locators. A Map-Request
 *   whose Map-Reply record (M=1) has TTL 0 unsubscribes; subscriptions also expire after
 *   <pubsub lifetime>. RFC 9437 §7 assumes a key shared with each xTR; we use ONE
 *   configured <subscriber-key> for every subscriber (without it, subscriptions are
 *   refused: counted as no-subscriber-key).
 * Unsolicited Map-Notifies are retransmitted every <map-notify interval-ms> until a
 * Map-Notify-Ack with the same nonce (authenticated with the same key) arrives, at most
 * <map-notify retries> times (then counted as retries-exhausted), at most
 * <map-notify retransmits-per-tick> per tick (the rest waits, oldest first). The
 * notifications to sites (arrival, departure) are coalesced per destination (notifyq.c);
 * those to subscribers are one per change and subscriber (each has its own xTR-ID). All
 * of them together are bounded by <map-notify max-pending>.
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/lpm.h"
#include "ms/ms_int.h"
#include "proto/auth.h"

size_t ms_build_notify(uint8_t *out, size_t cap, uint64_t nonce, const struct lisp_key *k,
		       const struct lisp_record *rec, unsigned nrec, bool has_xtr,
		       const uint8_t *xtr_id, uint64_t site_id)
{
	/* The Map-Notify header (type 4, I, record count), then the body Map-Register and
	 * Map-Notify share, built straight from the caller's records: no copy of them into a
	 * max-size struct lisp_map_notify (32 x 872 bytes cleared per acknowledgement). */
	static const uint8_t zero_xtr[16];
	struct lisp_auth_field auth;
	struct buf w;
	size_t auth_off;
	uint32_t w0 = (uint32_t)LISP_T_MAP_NOTIFY << 28;

	if (nrec > LISP_MAX_RECORDS)
		return 0;
	memset(&auth, 0, offsetof(struct lisp_auth_field, data));
	auth.key_id = lisp_key_id(k);
	auth.alg_id = lisp_key_alg(k);
	auth.len = (uint16_t)lisp_auth_len(auth.alg_id);
	auth.data_off = 0;
	w0 |= (has_xtr ? LISP_MNOT_F_I : 0) | nrec;
	buf_init_write(&w, out, cap);
	if (buf_add_u32(&w, w0) < 0 ||
	    lisp_authmsg_body_build(&w, has_xtr, nonce, &auth, (uint8_t)nrec, rec,
				    has_xtr ? xtr_id : zero_xtr, site_id, &auth_off, NULL) < 0 ||
	    lisp_auth_sign(&w, auth_off, k, NULL) < 0)
		return 0;
	return buf_len(&w);
}

/* ------------------------------------------------------------------ pending Map-Notifies */
static size_t pend_bucket(size_t nbuckets, uint64_t nonce)
{
	return (size_t)((nonce * 0x9e3779b97f4a7c15ull) >> 32) & (nbuckets - 1);
}

/* The hash holds at most two entries per bucket on average: double it when it would hold
   more. 0, or -1 when there is no table and none can be allocated. */
static int pend_hash_fit(struct ms *ms)
{
	size_t nb = ms->pend_nbuckets ? ms->pend_nbuckets * 2 : 256, i;
	struct ms_pending **h, *p, *pn;

	if (ms->pend_nbuckets && ms->npending < ms->pend_nbuckets * 2)
		return 0;
	h = calloc(nb, sizeof(*h));
	if (h == NULL)
		return ms->pend_hash ? 0 : -1; /* longer chains, still correct */
	for (i = 0; i < ms->pend_nbuckets; i++)
		for (p = ms->pend_hash[i]; p; p = pn) {
			size_t b = pend_bucket(nb, p->nonce);
			pn = p->hnext;
			p->hnext = h[b];
			h[b] = p;
		}
	free(ms->pend_hash);
	ms->pend_hash = h;
	ms->pend_nbuckets = nb;
	return 0;
}

static void pend_queue_tail(struct ms *ms, struct ms_pending *p)
{
	p->next = NULL;
	p->prev = ms->pend_tail;
	if (ms->pend_tail)
		ms->pend_tail->next = p;
	else
		ms->pend_head = p;
	ms->pend_tail = p;
}

static void pend_unqueue(struct ms *ms, struct ms_pending *p)
{
	if (p->prev)
		p->prev->next = p->next;
	else
		ms->pend_head = p->next;
	if (p->next)
		p->next->prev = p->prev;
	else
		ms->pend_tail = p->prev;
	p->prev = p->next = NULL;
}

static struct ms_pending **pend_find(struct ms *ms, uint64_t nonce, const struct ipaddr *dst)
{
	struct ms_pending **pp;

	if (ms->pend_nbuckets == 0)
		return NULL;
	for (pp = &ms->pend_hash[pend_bucket(ms->pend_nbuckets, nonce)]; *pp; pp = &(*pp)->hnext)
		if ((*pp)->nonce == nonce && ipaddr_eq(&(*pp)->dst, dst))
			return pp;
	return NULL;
}

/* Take p (always in the queue and in its hash chain) out of both and free it. */
static void pend_remove(struct ms *ms, struct ms_pending *p)
{
	struct ms_pending **pp = &ms->pend_hash[pend_bucket(ms->pend_nbuckets, p->nonce)];

	while (*pp != p)
		pp = &(*pp)->hnext;
	*pp = p->hnext;
	pend_unqueue(ms, p);
	ms->npending--;
	free(p);
}

static const struct lisp_key *pending_key(const struct ms *ms, const struct ms_pending *p)
{
	if (p->kind == MS_PEND_SUB)
		return ms->cfg->have_subscriber_key ? ms->cfg->subscriber_key.key : NULL;
	const struct ms_site *s = p->site ? ms_site_by_name(ms->cfg, p->site) : NULL;
	const struct ms_keycfg *kc = s ? ms_site_key(s, p->key_id) : NULL;
	if (kc == NULL && s != NULL && s->nkeys > 0)
		kc = &s->keys[0];
	return kc ? kc->key : NULL;
}

/* Queue an unsolicited Map-Notify and send its first copy now. site: the interned name
 * (ms_reg.site) of the site whose key signs, for MS_PEND_ETR. */
static void send_unsolicited(struct ms *ms, enum ms_pending_kind kind, const struct ipaddr *dst,
			     uint16_t dport, const char *site, uint8_t key_id, uint64_t nonce,
			     const struct lisp_record *rec, bool has_xtr, const uint8_t *xtr_id,
			     uint64_t site_id)
{
	static uint8_t out[UINT16_MAX];
	struct ms_pending *p, tmp;
	const struct lisp_key *k;
	size_t n;

	if (!ms_notify_room(ms)) {
		ms->st.type[LISP_T_MAP_NOTIFY].dropped++;
		ms->st.drop[MS_DROP_NOTIFY_LIMIT]++;
		return;
	}
	memset(&tmp, 0, sizeof(tmp));
	tmp.kind = kind;
	tmp.site = kind == MS_PEND_ETR ? site : NULL; /* interned (ms_reg.site) */
	tmp.key_id = key_id;
	k = pending_key(ms, &tmp);
	if (k == NULL) {
		ms_drop(ms, LISP_T_MAP_NOTIFY, MS_DROP_NO_SUBSCRIBER_KEY, dst,
			"no key to sign with");
		return;
	}
	n = ms_build_notify(out, sizeof(out), nonce, k, rec, 1, has_xtr, xtr_id, site_id);
	if (n == 0 || pend_hash_fit(ms) < 0 || (p = malloc(sizeof(*p) + n)) == NULL) {
		ms_drop(ms, LISP_T_MAP_NOTIFY, MS_DROP_SEND_FAILED, dst,
			n ? "out of memory for the Map-Notify" : "Map-Notify does not encode");
		return;
	}
	*p = tmp;
	p->nonce = nonce;
	p->dst = *dst;
	p->dport = dport;
	p->sent = 1;
	p->next_ms = ms->now + ms->cfg->notify_interval_ms;
	p->len = (uint16_t)n;
	memcpy(p->data, out, n);
	pend_queue_tail(ms, p);
	size_t b = pend_bucket(ms->pend_nbuckets, nonce);
	p->hnext = ms->pend_hash[b];
	ms->pend_hash[b] = p;
	ms->npending++;
	/* after this turn's commit, like every other consequence of a registration */
	ms_emit(ms, dst, dport, out, n, true);
}

static void withdrawn_record(struct lisp_record *w, const struct lisp_prefix *eid)
{
	memset(w, 0, sizeof(*w));
	lisp_record_set_eid(w, eid);
	w->ttl = 0;
	w->action = LISP_ACT_NO_ACTION;
}

static void sub_free(struct ms_sub *s)
{
	free(s);
}

static void notify_subscribers(struct ms *ms, const struct lisp_prefix *eid,
			       const struct lisp_record *rec)
{
	for (struct ms_sub *s = ms->subs; s; s = s->next) {
		if (!prefix_contains(&s->eid, eid) && !prefix_contains(eid, &s->eid))
			continue;
		s->nonce = ms_new_nonce(ms);
		s->notifies++;
		send_unsolicited(ms, MS_PEND_SUB, &s->itr, s->port, NULL, 0, s->nonce, rec, true,
				 s->xtr_id, s->site_id);
	}
}

/* Is `a` the address of one of the locators of `rec`? */
static bool rec_has_rloc(const struct lisp_record *rec, const struct ipaddr *a)
{
	for (unsigned i = 0; i < rec->nloc; i++)
		if (rec->loc[i].addr.n && ipaddr_eq(&rec->loc[i].addr.addr[0], a))
			return true;
	return false;
}

void ms_notify_change(struct ms *ms, const struct lisp_prefix *eid,
		      const struct lisp_record *new_rec, const struct ms_reg *old,
		      const struct lisp_record *old_rec, const struct ipaddr *new_etr,
		      const struct ms_reg *cur)
{
	struct lisp_record w;

	/* Arrival: a registration made by a third party (the cloud controller running
	 * lisp-register after a live migration) names RLOCs that did not send it. Tell each
	 * new RLOC at once, so the xTR there takes the EID as local before the VM's own
	 * announcement (GARP/NA) reaches it and delivers the first packets instead of
	 * dropping them. An xTR registering its own EIDs sends from one of its RLOCs, and its
	 * other RLOCs (the IPv6 one of a dual-stack xTR) are itself: nothing to send. */
	bool self = new_etr != NULL && new_rec != NULL && rec_has_rloc(new_rec, new_etr);
	if (cur != NULL && new_rec != NULL && !self) {
		for (unsigned i = 0; i < new_rec->nloc; i++) {
			const struct lisp_locator *l = &new_rec->loc[i];
			if (l->addr.n == 0 || l->priority == 255)
				continue;
			if (old != NULL && rec_has_rloc(old_rec, &l->addr.addr[0]))
				continue;
			ms->st.arrival_notifies++;
			ms_nq_add(ms, &l->addr.addr[0], LISP_CONTROL_PORT, cur->site, cur->key_id,
				  eid, MS_NQ_ARRIVAL);
		}
	}

	if (new_rec == NULL) {
		withdrawn_record(&w, eid);
		new_rec = &w;
	}
	if (old != NULL && new_rec->nloc > 0 && ms->cfg->notify_old_site) {
		bool etr_done = false;
		for (unsigned i = 0; i < old_rec->nloc; i++) {
			const struct lisp_locator *l = &old_rec->loc[i];
			bool still = false;
			for (unsigned j = 0; j < new_rec->nloc && !still; j++)
				still = l->addr.n && new_rec->loc[j].addr.n &&
					ipaddr_eq(&l->addr.addr[0], &new_rec->loc[j].addr.addr[0]);
			if (still || l->addr.n == 0)
				continue;
			if (ipaddr_eq(&l->addr.addr[0], &old->etr) &&
			    old->etr_port == LISP_CONTROL_PORT)
				etr_done = true;
			ms_nq_add(ms, &l->addr.addr[0], LISP_CONTROL_PORT, old->site, old->key_id,
				  eid, MS_NQ_DEPARTURE);
		}
		if (!etr_done && old->want_notify && new_etr != NULL &&
		    !ipaddr_eq(&old->etr, new_etr))
			ms_nq_add(ms, &old->etr, old->etr_port, old->site, old->key_id, eid,
				  MS_NQ_DEPARTURE);
	}
	notify_subscribers(ms, eid, new_rec);
}

void ms_handle_notify_ack(struct ms *ms, const uint8_t *data, size_t len, const struct ipaddr *src,
			  uint16_t sport)
{
	struct lisp_map_notify *m = &ms->mnot;
	struct proto_err e = {0};
	struct ms_pending **pp, *p;
	struct buf b;

	(void)sport;
	buf_init_read(&b, data, len);
	if (lisp_map_notify_parse(&b, m, &e) < 0) {
		ms_drop_malformed(ms, LISP_T_MAP_NOTIFY_ACK, src, &e);
		return;
	}
	pp = pend_find(ms, m->nonce, src);
	p = pp ? *pp : NULL;
	if (p == NULL && ms_nq_ack(ms, m, &b, src) != 0)
		return; /* a coalesced one: acknowledged, or counted as bad-auth */
	if (p == NULL) {
		ms_drop(ms, LISP_T_MAP_NOTIFY_ACK, MS_DROP_UNKNOWN_NONCE, src,
			"no Map-Notify outstanding with nonce 0x%016llx",
			(unsigned long long)m->nonce);
		return;
	}
	const struct lisp_key *k = pending_key(ms, p);
	if (k == NULL || lisp_auth_verify(&b, &m->auth, k, &e) < 0) {
		ms_drop(ms, LISP_T_MAP_NOTIFY_ACK, MS_DROP_BAD_AUTH, src, "Map-Notify-Ack: %s",
			k ? e.reason : "no key");
		return;
	}
	pend_remove(ms, p);
	ms->st.notify_acks++;
}

void ms_notify_tick(struct ms *ms)
{
	struct ms_pending *p;
	struct ms_sub **sp = &ms->subs, *s;
	size_t n = ms->npending; /* each entry at most once per tick */
	unsigned budget = ms->cfg->notify_tick_budget;

	while (n-- > 0 && budget > 0 && (p = ms->pend_head) != NULL && p->next_ms <= ms->now) {
		if (p->sent > ms->cfg->notify_retries) {
			ms_drop(ms, LISP_T_MAP_NOTIFY, MS_DROP_RETRIES_EXHAUSTED, &p->dst,
				"no Map-Notify-Ack for nonce 0x%016llx after %u transmissions",
				(unsigned long long)p->nonce, p->sent);
			pend_remove(ms, p);
			continue;
		}
		budget--;
		p->sent++; /* a try, sent or not: the retries are bounded either way */
		p->next_ms = ms->now + ms->cfg->notify_interval_ms;
		if (ms_emit(ms, &p->dst, p->dport, p->data, p->len, false) == 0)
			ms->st.notify_retransmits++;
		pend_unqueue(ms, p);
		pend_queue_tail(ms, p);
	}
	ms_nq_tick(ms, budget);
	while ((s = *sp) != NULL) {
		if (s->expires_ms <= ms->now) {
			*sp = s->next;
			sub_free(s);
			ms->nsubs--;
			continue;
		}
		sp = &s->next;
	}
}

struct first_ctx {
	const struct ms_reg *r;
};

static int first_covered(const struct lisp_prefix *p, void *val, void *arg)
{
	struct first_ctx *fc = arg;
	(void)p;
	fc->r = val;
	return 1;
}

void ms_subscribe(struct ms *ms, const struct lisp_map_request *mr, unsigned i,
		  const struct ipaddr *itr, uint16_t port, const struct ipaddr *src)
{
	const struct lisp_prefix *eid = &mr->rec[i].eid;
	struct ms_sub **sp, *s;
	bool unsubscribe = mr->map_data && mr->map_reply.ttl == 0;

	if (!ms->cfg->have_subscriber_key) {
		ms_drop(ms, LISP_T_MAP_REQUEST, MS_DROP_NO_SUBSCRIBER_KEY, itr,
			"subscription refused: no <subscriber-key> configured");
		return;
	}
	for (sp = &ms->subs; (s = *sp) != NULL; sp = &s->next)
		if (prefix_eq(&s->eid, eid) && memcmp(s->xtr_id, mr->xtr_id, 16) == 0)
			break;
	if (unsubscribe) {
		if (s != NULL) {
			*sp = s->next;
			sub_free(s);
			ms->nsubs--;
			ms->st.unsubscriptions++;
		}
		return;
	}
	/* an unsubscription always goes through (it stops Map-Notifies); a subscription or its
	 * renewal sends the current mapping to the ITR-RLOC: a token of its answer budget */
	if (!ms_answer_allowed(ms, MS_ANSWER_SUBSCRIBE, itr, src))
		return;
	if (s == NULL) {
		if (ms->nsubs >= ms->cfg->max_subscribers) {
			ms_drop(ms, LISP_T_MAP_REQUEST, MS_DROP_SUBSCRIBER_LIMIT, itr,
				"subscription refused: %zu subscriptions held (the limit)",
				ms->nsubs);
			return;
		}
		s = calloc(1, sizeof(*s));
		if (s == NULL)
			return;
		ms->nsubs++;
		s->eid = *eid;
		memcpy(s->xtr_id, mr->xtr_id, 16);
		s->created_ms = ms->now;
		s->next = ms->subs;
		ms->subs = s;
		ms->st.subscriptions++;
	}
	s->site_id = mr->site_id;
	s->itr = *itr;
	s->port = port;
	s->expires_ms = ms->now + (uint64_t)ms->cfg->subscription_secs * 1000;

	/* Current mapping: the registration covering the prefix, else the first one it covers. */
	const struct ms_reg *r = lpm_covering(ms->regs, eid, NULL);
	if (r == NULL) {
		struct first_ctx fc = {NULL};
		lpm_walk_covered(ms->regs, eid, first_covered, &fc);
		r = fc.r;
	}
	if (r == NULL)
		return;
	struct lisp_record rec;
	s->nonce = ms_new_nonce(ms);
	s->notifies++;
	send_unsolicited(ms, MS_PEND_SUB, &s->itr, s->port, NULL, 0, s->nonce,
			 ms_reg_record(r, &rec), true, s->xtr_id, s->site_id);
}

void ms_notify_free_all(struct ms *ms)
{
	struct ms_pending *p, *pn;
	struct ms_sub *s, *sn;

	for (p = ms->pend_head; p; p = pn) {
		pn = p->next;
		free(p);
	}
	ms->pend_head = ms->pend_tail = NULL;
	free(ms->pend_hash);
	ms->pend_hash = NULL;
	ms->pend_nbuckets = ms->npending = 0;
	for (s = ms->subs; s; s = sn) {
		sn = s->next;
		sub_free(s);
	}
	ms->subs = NULL;
	ms->nsubs = 0;
}
