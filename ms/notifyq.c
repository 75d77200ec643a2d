/* SPDX-License-Identifier: ISC */
/*
 * ms/notifyq.c - the coalesced Map-Notifies of a mapping change to the sites' xTRs: the
 * arrival notification (the current mapping of an EID to each new RLOC of a third-party
 * registration) and the departure notification (to each RLOC of the previous set that is
 * not in the new one, and to the previous registering ETR), see ms/notify.c.
 *
 * Why: in a site evacuation one controller moves 10^4..10^5 EIDs at once to a few RLOCs.
 * One signed Map-Notify per EID and destination, each retransmitted on its own, made the
 * registration rate depend on whether the notified xTRs acknowledge (the retransmissions
 * of every unacknowledged one competed with the registrations). Here:
 *
 * - The registration path only appends the EID (28 bytes) to the set of its destination:
 *   (RLOC address, port, site, key ID); nothing is built, signed or sent there.
 * - At the end of the loop turn (after the store commit) each destination with queued
 *   EIDs gets Map-Notifies of up to LISP_MAX_RECORDS records and MS_NQ_MTU bytes (RFC 9301
 *   §5.7 allows many records), at most MS_NQ_WINDOW of them unacknowledged at a time, at
 *   most MS_NQ_TURN_BUDGET built per turn. Each record is built at send time from the
 *   registration as it is then: an EID no longer registered, no longer at the arrival's
 *   RLOC, or back at the departure's RLOC is left out (superseded, counted). A
 *   retransmission is built again the same way from the EIDs the message carried.
 * - A Map-Notify-Ack matches by nonce and source address and is authenticated with the
 *   destination's key; lisp-xtrd acknowledges a multi-record Map-Notify with one
 *   Map-Notify-Ack of the same nonce (xtr/register.c).
 * - Retransmissions (every <map-notify interval-ms>, <map-notify retries> times) share
 *   the tick's <map-notify retransmits-per-tick> budget with the other unsolicited
 *   Map-Notifies (notify.c); what is due beyond it waits for the next tick, oldest first.
 * - The EIDs held (queued + in flight) and the other pending Map-Notifies together are
 *   bounded by <map-notify max-pending>: an EID past it is not queued (drop notify-limit).
 *   When a message's retries are exhausted and its destination acknowledged nothing since
 *   the message was first sent, the destination's queue is dropped too (counted as
 *   notifyEidsAbandoned): an RLOC that answers nothing holds at most a window of messages
 *   for (retries + 1) x interval.
 *
 * State: a destination (~100 bytes) + 28 bytes per queued EID + per message in flight
 * 64 bytes + 28 bytes per record (against 136 bytes + the signed message per EID before).
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/lpm.h"
#include "ms/ms_int.h"
#include "proto/auth.h"

struct nq_eid {
	struct lisp_prefix eid;
	uint8_t kind; /* enum ms_nq_kind */
};

struct nq_dst;

/* A coalesced Map-Notify waiting for its Map-Notify-Ack. */
struct nq_msg {
	struct nq_msg *prev, *next; /* retransmission queue, next_ms order */
	struct nq_msg *hnext;	    /* nonce hash chain */
	struct nq_dst *dst;
	uint64_t nonce;
	uint64_t next_ms;
	uint64_t first_ms;
	uint8_t sent;
	uint8_t n;
	struct nq_eid e[]; /* n EIDs, at most LISP_MAX_RECORDS */
};

struct nq_dst {
	struct nq_dst *hnext;	   /* destination hash chain */
	struct nq_dst *dirty_next; /* on nq->dirty: has queued EIDs and may send */
	struct ipaddr addr;
	uint16_t port;
	uint8_t key_id;
	bool dirty;
	const char *site; /* interned */
	unsigned inflight;
	uint64_t last_ack_ms; /* 0: never */
	struct nq_eid *q;     /* FIFO: q[head..len) */
	size_t head, len, cap;
};

struct ms_nq {
	struct nq_dst **dh; /* destinations, dnb (a power of 2) chains */
	size_t dnb, ndst;
	struct nq_msg **mh; /* messages in flight by nonce, mnb chains */
	size_t mnb, nmsg;
	struct nq_msg *head, *tail; /* retransmission queue */
	struct nq_dst *dirty;
	size_t neids; /* queued + in flight */
	bool full_logged;
	/* send-time scratch */
	struct lisp_record rec[LISP_MAX_RECORDS];
	struct nq_eid took[LISP_MAX_RECORDS];
};

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

static size_t dst_bucket(const struct ms_nq *nq, const struct ipaddr *a, uint16_t port,
			 const char *site, uint8_t key_id)
{
	uint64_t h = (uint64_t)(uintptr_t)site ^ ((uint64_t)port << 40) ^ ((uint64_t)key_id << 56);
	for (unsigned i = 0; i < 16; i += 8) {
		uint64_t v;
		memcpy(&v, a->a + i, 8);
		h = mix(h ^ v);
	}
	return (size_t)mix(h ^ a->afi) & (nq->dnb - 1);
}

static size_t msg_bucket(size_t nb, uint64_t nonce)
{
	return (size_t)mix(nonce) & (nb - 1);
}

static struct ms_nq *nq_get(struct ms *ms)
{
	if (ms->nq == NULL)
		ms->nq = calloc(1, sizeof(*ms->nq));
	return ms->nq;
}

/* Grow a chained hash to keep it at most 2 entries per chain. */
static int dst_fit(struct ms_nq *nq)
{
	size_t nb = nq->dnb ? nq->dnb * 2 : 64;
	struct nq_dst **h, *d, *dn;

	if (nq->dnb && nq->ndst < nq->dnb * 2)
		return 0;
	h = calloc(nb, sizeof(*h));
	if (h == NULL)
		return nq->dh ? 0 : -1;
	struct ms_nq tmp = {.dnb = nb};
	for (size_t i = 0; i < nq->dnb; i++)
		for (d = nq->dh[i]; d; d = dn) {
			size_t b = dst_bucket(&tmp, &d->addr, d->port, d->site, d->key_id);
			dn = d->hnext;
			d->hnext = h[b];
			h[b] = d;
		}
	free(nq->dh);
	nq->dh = h;
	nq->dnb = nb;
	return 0;
}

static int msg_fit(struct ms_nq *nq)
{
	size_t nb = nq->mnb ? nq->mnb * 2 : 64;
	struct nq_msg **h, *m, *mn;

	if (nq->mnb && nq->nmsg < nq->mnb * 2)
		return 0;
	h = calloc(nb, sizeof(*h));
	if (h == NULL)
		return nq->mh ? 0 : -1;
	for (size_t i = 0; i < nq->mnb; i++)
		for (m = nq->mh[i]; m; m = mn) {
			size_t b = msg_bucket(nb, m->nonce);
			mn = m->hnext;
			m->hnext = h[b];
			h[b] = m;
		}
	free(nq->mh);
	nq->mh = h;
	nq->mnb = nb;
	return 0;
}

static void mark_dirty(struct ms_nq *nq, struct nq_dst *d)
{
	if (d->dirty)
		return;
	d->dirty = true;
	d->dirty_next = nq->dirty;
	nq->dirty = d;
}

static void dst_free_if_idle(struct ms_nq *nq, struct nq_dst *d)
{
	if (d->inflight > 0 || d->head < d->len || d->dirty)
		return;
	struct nq_dst **pp = &nq->dh[dst_bucket(nq, &d->addr, d->port, d->site, d->key_id)];
	while (*pp != d)
		pp = &(*pp)->hnext;
	*pp = d->hnext;
	nq->ndst--;
	free(d->q);
	free(d);
}

static size_t held(const struct ms *ms)
{
	return (ms->nq ? ms->nq->neids : 0) + ms->npending;
}

bool ms_notify_room(struct ms *ms)
{
	return held(ms) < ms->cfg->notify_max_pending;
}

void ms_nq_add(struct ms *ms, const struct ipaddr *dst, uint16_t port, const char *site,
	       uint8_t key_id, const struct lisp_prefix *eid, enum ms_nq_kind kind)
{
	struct ms_nq *nq = nq_get(ms);
	struct nq_dst *d = NULL;

	if (nq == NULL || !ms_notify_room(ms)) {
		ms->st.type[LISP_T_MAP_NOTIFY].dropped++;
		ms->st.drop[MS_DROP_NOTIFY_LIMIT]++;
		if (nq != NULL && !nq->full_logged) {
			nq->full_logged = true;
			log_warnx("Map-Notify queue full (%zu EIDs and notifications held, "
				  "<map-notify max-pending>): further EIDs are not notified "
				  "(drop notify-limit)",
				  held(ms));
		}
		return;
	}
	if (nq->dnb) {
		for (d = nq->dh[dst_bucket(nq, dst, port, site, key_id)]; d; d = d->hnext)
			if (d->site == site && d->key_id == key_id && d->port == port &&
			    ipaddr_eq(&d->addr, dst))
				break;
	}
	if (d == NULL) {
		if (dst_fit(nq) < 0 || (d = calloc(1, sizeof(*d))) == NULL)
			goto nomem;
		d->addr = *dst;
		d->port = port;
		d->site = site;
		d->key_id = key_id;
		size_t b = dst_bucket(nq, dst, port, site, key_id);
		d->hnext = nq->dh[b];
		nq->dh[b] = d;
		nq->ndst++;
	}
	if (d->len == d->cap) {
		if (d->head > 0 && d->head >= d->len / 2) {
			/* slide the live part down rather than grow */
			memmove(d->q, d->q + d->head, (d->len - d->head) * sizeof(*d->q));
			d->len -= d->head;
			d->head = 0;
		} else {
			size_t cap = d->cap ? d->cap * 2 : 8;
			struct nq_eid *q = realloc(d->q, cap * sizeof(*q));
			if (q == NULL) {
				dst_free_if_idle(nq, d);
				goto nomem;
			}
			d->q = q;
			d->cap = cap;
		}
	}
	d->q[d->len].eid = *eid;
	d->q[d->len].kind = (uint8_t)kind;
	d->len++;
	nq->neids++;
	ms->st.notify_queued_eids++;
	mark_dirty(nq, d);
	return;
nomem:
	ms_drop(ms, LISP_T_MAP_NOTIFY, MS_DROP_SEND_FAILED, dst,
		"out of memory for the Map-Notify");
}

/* Is `a` the address of one of the locators of `rec`? */
static bool has_rloc(const struct lisp_record *rec, const struct ipaddr *a)
{
	for (unsigned i = 0; i < rec->nloc; i++)
		if (rec->loc[i].addr.n && ipaddr_eq(&rec->loc[i].addr.addr[0], a))
			return true;
	return false;
}

/* Record k of the scratch from EID e as registered now; false: superseded. */
static bool current(struct ms *ms, const struct nq_dst *d, const struct nq_eid *e,
		    struct lisp_record *r)
{
	const struct ms_reg *reg = lpm_exact(ms->regs, &e->eid);

	if (reg == NULL)
		return false;
	ms_reg_record(reg, r);
	if (r->nloc == 0)
		return false;
	bool at = has_rloc(r, &d->addr);
	/* arrival: still at the destination; departure: not back there (the destination
	 * then has its own arrival notification) */
	return e->kind == MS_NQ_ARRIVAL ? at : !at;
}

static size_t rec_len(const struct lisp_record *r)
{
	uint8_t tmp[2048];
	struct buf w;

	buf_init_write(&w, tmp, sizeof(tmp));
	return lisp_record_build(&w, r, NULL) < 0 ? sizeof(tmp) : buf_len(&w);
}

static const struct lisp_key *dst_key(const struct ms *ms, const struct nq_dst *d)
{
	const struct ms_site *s = ms_site_by_name(ms->cfg, d->site);
	const struct ms_keycfg *kc = s ? ms_site_key(s, d->key_id) : NULL;

	if (kc == NULL && s != NULL && s->nkeys > 0)
		kc = &s->keys[0];
	return kc ? kc->key : NULL;
}

/* Sign and send records nq->rec[0..n) to d under nonce: -1 when it cannot be built (no
 * key, does not encode: the message is dropped), else 0, and *sent whether the socket took
 * it (a refused send is a send-failed drop; the message stays, as a try). */
static int send_records(struct ms *ms, struct nq_dst *d, uint64_t nonce, unsigned n, bool *sent)
{
	static uint8_t out[UINT16_MAX];
	const struct lisp_key *k = dst_key(ms, d);
	size_t len;

	if (k == NULL) {
		ms_drop(ms, LISP_T_MAP_NOTIFY, MS_DROP_SEND_FAILED, &d->addr,
			"no key of site %s to sign with", d->site);
		return -1;
	}
	len = ms_build_notify(out, sizeof(out), nonce, k, ms->nq->rec, n, false, NULL, 0);
	if (len == 0) {
		ms_drop(ms, LISP_T_MAP_NOTIFY, MS_DROP_SEND_FAILED, &d->addr,
			"Map-Notify does not encode");
		return -1;
	}
	*sent = ms_emit(ms, &d->addr, d->port, out, len, false) == 0;
	return 0;
}

static void msg_queue_tail(struct ms_nq *nq, struct nq_msg *m)
{
	m->next = NULL;
	m->prev = nq->tail;
	if (nq->tail)
		nq->tail->next = m;
	else
		nq->head = m;
	nq->tail = m;
}

static void msg_unqueue(struct ms_nq *nq, struct nq_msg *m)
{
	if (m->prev)
		m->prev->next = m->next;
	else
		nq->head = m->next;
	if (m->next)
		m->next->prev = m->prev;
	else
		nq->tail = m->prev;
	m->prev = m->next = NULL;
}

/* Take m out of the queue, the hash and its destination's window, and free it. */
static void msg_remove(struct ms_nq *nq, struct nq_msg *m)
{
	struct nq_msg **pp = &nq->mh[msg_bucket(nq->mnb, m->nonce)];
	struct nq_dst *d = m->dst;

	while (*pp != m)
		pp = &(*pp)->hnext;
	*pp = m->hnext;
	msg_unqueue(nq, m);
	nq->nmsg--;
	nq->neids -= m->n;
	d->inflight--;
	free(m);
	if (d->head < d->len)
		mark_dirty(nq, d);
	else
		dst_free_if_idle(nq, d);
}

/* One new message from the head of d's queue. false: the queue is empty (or nothing of
 * it is current any more). */
static bool send_one(struct ms *ms, struct nq_dst *d)
{
	struct ms_nq *nq = ms->nq;
	size_t used = 4 + 8 + 4 + 32 + 4; /* header, nonce, auth (SHA-256), some slack */
	unsigned n = 0;

	while (d->head < d->len && n < LISP_MAX_RECORDS) {
		const struct nq_eid *e = &d->q[d->head];
		bool dup = false;
		for (unsigned i = 0; i < n && !dup; i++)
			dup = nq->took[i].kind == e->kind && prefix_eq(&nq->took[i].eid, &e->eid);
		if (dup || !current(ms, d, e, &nq->rec[n])) {
			ms->st.notify_eids_superseded += !dup;
			d->head++;
			nq->neids--;
			continue;
		}
		size_t l = rec_len(&nq->rec[n]);
		if (n > 0 && used + l > MS_NQ_MTU)
			break;
		used += l;
		nq->took[n++] = *e;
		d->head++;
	}
	if (d->head == d->len)
		d->head = d->len = 0;
	if (n == 0)
		return false;
	/* the n EIDs stay counted in nq->neids: they move from the queue to the message */
	struct nq_msg *m = NULL;
	if (msg_fit(nq) == 0)
		m = malloc(sizeof(*m) + n * sizeof(m->e[0]));
	if (m == NULL) {
		nq->neids -= n;
		ms_drop(ms, LISP_T_MAP_NOTIFY, MS_DROP_SEND_FAILED, &d->addr,
			"out of memory for the Map-Notify");
		return true;
	}
	memset(m, 0, sizeof(*m));
	m->dst = d;
	m->nonce = ms_new_nonce(ms);
	m->n = (uint8_t)n;
	memcpy(m->e, nq->took, n * sizeof(m->e[0]));
	m->sent = 1;
	m->first_ms = ms->now;
	m->next_ms = ms->now + ms->cfg->notify_interval_ms;
	size_t b = msg_bucket(nq->mnb, m->nonce);
	m->hnext = nq->mh[b];
	nq->mh[b] = m;
	nq->nmsg++;
	d->inflight++;
	msg_queue_tail(nq, m);
	bool sent = false;
	if (send_records(ms, d, m->nonce, n, &sent) < 0) {
		msg_remove(nq, m);
	} else if (sent) {
		ms->st.notify_messages++;
		ms->st.notify_records += n;
	}
	return true;
}

void ms_nq_flush(struct ms *ms)
{
	struct ms_nq *nq = ms->nq;
	unsigned budget = MS_NQ_TURN_BUDGET;
	struct nq_dst *d, *keep = NULL;

	if (nq == NULL)
		return;
	while ((d = nq->dirty) != NULL) {
		nq->dirty = d->dirty_next;
		/* d->dirty stays set while it sends: nothing frees or re-queues it meanwhile */
		while (budget > 0 && d->inflight < MS_NQ_WINDOW && d->head < d->len) {
			if (send_one(ms, d))
				budget--;
		}
		d->dirty = false;
		if (d->head < d->len && d->inflight < MS_NQ_WINDOW) {
			/* out of budget: next turn */
			d->dirty = true;
			d->dirty_next = keep;
			keep = d;
		} else {
			dst_free_if_idle(nq, d);
		}
	}
	nq->dirty = keep;
	if (nq->full_logged && ms_notify_room(ms))
		nq->full_logged = false;
}

/* Retries of m exhausted. */
static void exhausted(struct ms *ms, struct nq_msg *m)
{
	struct ms_nq *nq = ms->nq;
	struct nq_dst *d = m->dst;

	ms_drop(ms, LISP_T_MAP_NOTIFY, MS_DROP_RETRIES_EXHAUSTED, &d->addr,
		"no Map-Notify-Ack for nonce 0x%016llx (%u records) after %u transmissions",
		(unsigned long long)m->nonce, m->n, m->sent);
	if (d->last_ack_ms < m->first_ms && d->head < d->len) {
		size_t n = d->len - d->head;
		char a[IPADDR_STRLEN];
		log_warnx("Map-Notify to %s unanswered: %zu queued EIDs not notified",
			  ipaddr_str(&d->addr, a, sizeof(a)), n);
		ms->st.notify_eids_abandoned += n;
		nq->neids -= n;
		d->head = d->len = 0;
	}
	msg_remove(nq, m);
}

unsigned ms_nq_tick(struct ms *ms, unsigned budget)
{
	struct ms_nq *nq = ms->nq;
	struct nq_msg *m;
	size_t n;

	if (nq == NULL)
		return budget;
	n = nq->nmsg; /* each at most once per tick */
	while (n-- > 0 && budget > 0 && (m = nq->head) != NULL && m->next_ms <= ms->now) {
		if (m->sent > ms->cfg->notify_retries) {
			exhausted(ms, m);
			continue;
		}
		/* rebuilt from the registrations as they are now, same nonce */
		unsigned k = 0;
		for (unsigned i = 0; i < m->n; i++)
			if (current(ms, m->dst, &m->e[i], &nq->rec[k]))
				m->e[k++] = m->e[i];
			else
				ms->st.notify_eids_superseded++;
		nq->neids -= m->n - k;
		m->n = (uint8_t)k;
		if (k == 0) {
			msg_remove(nq, m);
			continue;
		}
		budget--;
		m->sent++; /* a try, sent or not: the retries are bounded either way */
		m->next_ms = ms->now + ms->cfg->notify_interval_ms;
		msg_unqueue(nq, m);
		msg_queue_tail(nq, m);
		bool sent = false;
		if (send_records(ms, m->dst, m->nonce, k, &sent) < 0)
			msg_remove(nq, m);
		else if (sent)
			ms->st.notify_retransmits++;
	}
	return budget;
}

int ms_nq_ack(struct ms *ms, const struct lisp_map_notify *mn, const struct buf *b,
	      const struct ipaddr *src)
{
	struct ms_nq *nq = ms->nq;
	struct nq_msg *m;
	struct proto_err e = {0};

	if (nq == NULL || nq->mnb == 0)
		return 0;
	for (m = nq->mh[msg_bucket(nq->mnb, mn->nonce)]; m; m = m->hnext)
		if (m->nonce == mn->nonce && ipaddr_eq(&m->dst->addr, src))
			break;
	if (m == NULL)
		return 0;
	const struct lisp_key *k = dst_key(ms, m->dst);
	if (k == NULL || lisp_auth_verify(b, &mn->auth, k, &e) < 0) {
		ms_drop(ms, LISP_T_MAP_NOTIFY_ACK, MS_DROP_BAD_AUTH, src, "Map-Notify-Ack: %s",
			k ? e.reason : "no key");
		return -1;
	}
	m->dst->last_ack_ms = ms->now ? ms->now : 1;
	ms->st.notify_acks++;
	ms->st.notify_eids_acked += m->n;
	msg_remove(nq, m);
	return 1;
}

size_t ms_nq_messages(const struct ms *ms)
{
	return ms->nq ? ms->nq->nmsg : 0;
}

size_t ms_nq_eids(const struct ms *ms)
{
	return ms->nq ? ms->nq->neids : 0;
}

size_t ms_nq_destinations(const struct ms *ms)
{
	return ms->nq ? ms->nq->ndst : 0;
}

void ms_nq_free_all(struct ms *ms)
{
	struct ms_nq *nq = ms->nq;

	if (nq == NULL)
		return;
	for (struct nq_msg *m = nq->head, *mn; m; m = mn) {
		mn = m->next;
		free(m);
	}
	for (size_t i = 0; i < nq->dnb; i++)
		for (struct nq_dst *d = nq->dh[i], *dn; d; d = dn) {
			dn = d->hnext;
			free(d->q);
			free(d);
		}
	free(nq->dh);
	free(nq->mh);
	free(nq);
	ms->nq = NULL;
}
