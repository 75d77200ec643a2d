/* SPDX-License-Identifier: ISC */
/*
 * xtr/control.c - the xTR's control plane on UDP 4342 (RFC 9301): Map-Requests for
 * map-cache misses in an ECM (§5.8) to the configured Map-Resolvers, nonce-matched, with
 * retransmission, back-off and failover between resolvers, a per-prefix spacing of one
 * request per second and a global token bucket (§5.3) shared fairly between the inner
 * sources whose misses need it (a source whose requests wait for it does not jump that
 * queue; the tick serves the waiting ones round robin by source); Map-Replies into the
 * map-cache (§5.4, only for nonces we sent); answers to Map-Requests for our database mappings,
 * authoritative (A=1), plain or ECM'd by a Map-Server (E bit, §8.2/§8.3); RLOC probes
 * (RFC 9300 §10: P bit both ways, p flag on the probed locator), sending them and marking
 * locators down/up; SMRs (RFC 9301 §6.1) sent to recently seen ITRs when the database
 * changes, and SMR-invoked Map-Requests when one arrives. With <subscribe> every Map-Request
 * to a Map-Resolver carries I=1, N=1, the xTR-ID and the Site-ID (RFC 9437 subscription).
 * Map-Notify is in register.c.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/lpm.h"
#include "xtr/xtr_int.h"

static const char *const cdrop_names[XTR_CDROP__COUNT] = {
    [XTR_CDROP_MALFORMED] = "malformed", [XTR_CDROP_UNEXPECTED] = "unexpectedType",
    [XTR_CDROP_NONCE] = "unknownNonce",	 [XTR_CDROP_AUTH] = "authFailed",
    [XTR_CDROP_NOT_OURS] = "notOurEid",	 [XTR_CDROP_RATE] = "rateLimited",
    [XTR_CDROP_SEND] = "sendError",
};

const char *xtr_cdrop_name(enum xtr_cdrop d)
{
	return (unsigned)d < XTR_CDROP__COUNT ? cdrop_names[d] : "unknown";
}

int xtr_ctl_send(struct xtr *x, const struct ipaddr *dst, uint16_t port, const void *data,
		 size_t len)
{
	struct buf b;
	int t;

	buf_init_read(&b, data, len);
	t = lisp_msg_type(&b);
	if (x->io.ctl_send(x->io.arg, dst, port, xtr_rloc_for(x, dst->afi), data, len) == -1) {
		x->st.cdrops[XTR_CDROP_SEND]++;
		return -1;
	}
	if (t >= 0 && t < 16)
		x->st.cout[t]++;
	return 0;
}

/* ---------------------------------------------------------------- nonce table */
/* Outstanding Map-Requests and RLOC probes by nonce: open addressing with linear probing
 * and backward-shift deletion (no tombstones), at most half full; it grows with the
 * requests in flight up to 2 x the pending limit (a pending entry may have a
 * retransmission out besides its first request; memory: 2 x 48 B per request at the
 * limit) and then forgets the older half. A reply finds its request in O(1).
 * Nonces are splitmix64 outputs (xtr_nonce): their low bits index the table directly. */

static size_t req_limit(const struct xtr *x)
{
	size_t lim = (size_t)x->cfg.pending_max * 2;
	return lim > XTR_OUTSTANDING ? lim : XTR_OUTSTANDING;
}

static size_t req_home(const struct xtr *x, uint64_t nonce)
{
	return (size_t)(nonce ^ nonce >> 32) & (x->reqcap - 1);
}

static struct xtr_req *req_slot(struct xtr *x, uint64_t nonce)
{
	if (x->reqcap == 0)
		return NULL;
	for (size_t i = req_home(x, nonce);; i = (i + 1) & (x->reqcap - 1)) {
		if (x->reqv[i].kind == XTR_REQ_NONE)
			return NULL;
		if (x->reqv[i].nonce == nonce)
			return &x->reqv[i];
	}
}

static void req_delete(struct xtr *x, struct xtr_req *r)
{
	size_t mask = x->reqcap - 1, i = (size_t)(r - x->reqv), j = i;

	/* backward shift: move later members of the cluster into the hole if their home
	 * position allows it */
	for (;;) {
		x->reqv[i].kind = XTR_REQ_NONE;
		for (;;) {
			j = (j + 1) & mask;
			if (x->reqv[j].kind == XTR_REQ_NONE) {
				x->nreq--;
				return;
			}
			size_t h = req_home(x, x->reqv[j].nonce);
			/* j may move to i unless its home lies cyclically in (i, j] */
			if (i <= j ? (h <= i || h > j) : (h <= i && h > j))
				break;
		}
		x->reqv[i] = x->reqv[j];
		i = j;
	}
}

static struct xtr_req *req_place(struct xtr *x, const struct xtr_req *r)
{
	size_t i = req_home(x, r->nonce);
	while (x->reqv[i].kind != XTR_REQ_NONE)
		i = (i + 1) & (x->reqcap - 1);
	x->reqv[i] = *r;
	x->nreq++;
	return &x->reqv[i];
}

static int req_resize(struct xtr *x, size_t cap)
{
	struct xtr_req *old = x->reqv, *n = calloc(cap, sizeof(*n));
	size_t ocap = x->reqcap;

	if (n == NULL)
		return -1;
	x->reqv = n;
	x->reqcap = cap;
	x->nreq = 0;
	for (size_t i = 0; i < ocap; i++)
		if (old[i].kind != XTR_REQ_NONE)
			req_place(x, &old[i]);
	free(old);
	return 0;
}

/* Forget the requests sent before `cut`; returns the oldest send time left (or now). */
static uint64_t req_expire(struct xtr *x, uint64_t cut, uint64_t now)
{
	uint64_t oldest = now;

	for (size_t i = 0; i < x->reqcap;) {
		struct xtr_req *r = &x->reqv[i];
		if (r->kind != XTR_REQ_NONE && r->sent < cut) {
			req_delete(x, r); /* slot i now holds a later member: look again */
			continue;
		}
		if (r->kind != XTR_REQ_NONE && r->sent < oldest)
			oldest = r->sent;
		i++;
	}
	return oldest;
}

static uint64_t req_lifetime_cut(uint64_t now)
{
	uint64_t life = (uint64_t)XTR_REQ_LIFETIME_S * NSEC_PER_SEC;
	return now > life ? now - life : 0;
}

struct xtr_req *xtr_req_add(struct xtr *x, uint8_t kind, const struct lisp_prefix *eid,
			    uint64_t now)
{
	struct xtr_req r = {.nonce = xtr_nonce(x), .kind = kind, .eid = *eid, .sent = now};

	if ((x->nreq + 1) * 2 > x->reqcap) {
		size_t cap = x->reqcap ? x->reqcap * 2 : 64;
		if (x->reqcap >= 2 * req_limit(x) || req_resize(x, cap) == -1) {
			if (x->reqcap == 0)
				return NULL;
			/* full: the older half (by age) is forgotten, in one pass */
			uint64_t oldest = req_expire(x, req_lifetime_cut(now), now);
			if ((x->nreq + 1) * 2 > x->reqcap)
				req_expire(x, oldest + (now - oldest) / 2 + 1, now);
		}
	}
	while (req_slot(x, r.nonce)) /* a nonce still outstanding is never reused */
		r.nonce = xtr_nonce(x);
	return req_place(x, &r);
}

int xtr_req_take(struct xtr *x, uint64_t nonce, struct xtr_req *out)
{
	struct xtr_req *r = req_slot(x, nonce);

	if (r == NULL)
		return -1;
	*out = *r;
	req_delete(x, r);
	return 0;
}

void xtr_req_sweep(struct xtr *x, uint64_t now)
{
	req_expire(x, req_lifetime_cut(now), now);
}

void xtr_req_fini(struct xtr *x)
{
	free(x->reqv);
	x->reqv = NULL;
	x->reqcap = x->nreq = 0;
}

/* ---------------------------------------------------------------- Map-Request */

static void itr_rlocs(const struct xtr *x, struct lisp_map_request *m)
{
	m->n_itr_rlocs = 0;
	/* not an anycast RLOC: the reply could reach another D-ETR (own ones come first) */
	for (unsigned i = 0; i < x->cfg.nrloc && i < LISP_MAX_ITR_RLOCS; i++)
		if (!x->cfg.rloc_anycast[i] || i == 0)
			lisp_addr_from_ip(&m->itr_rlocs[m->n_itr_rlocs++], &x->cfg.rloc[i]);
}

static void req_eid(struct lisp_map_request *m, const struct lisp_prefix *eid)
{
	m->nrec = 1;
	m->rec[0].eid = *eid;
	m->rec[0].eid_lcaf_iid = eid->iid != 0;
	m->rec[0].iid_mlen = eid->iid ? 32 : 0;
}

/* Build a Map-Request for eid into w (plain). */
static int build_request(struct xtr *x, struct buf *w, uint64_t nonce,
			 const struct lisp_prefix *eid, const struct ipaddr *seid, bool probe,
			 bool smr, bool smr_invoked)
{
	struct lisp_map_request *m = calloc(1, sizeof(*m));
	int rc;

	if (m == NULL)
		return -1;
	m->nonce = nonce;
	m->probe = probe;
	m->smr = smr;
	m->smr_invoked = smr_invoked;
	if (seid && seid->afi) {
		struct lisp_prefix sp;
		prefix_from_addr(&sp, eid->iid, seid); /* the source in the EID's instance */
		lisp_addr_from_prefix(&m->source_eid, &sp, false);
	}
	itr_rlocs(x, m);
	req_eid(m, eid);
	if (x->sub_key != NULL && !probe && !smr) {
		/* RFC 9437: subscribe to what we resolve */
		m->xtr_id_present = true;
		m->rec[0].notify = true;
		memcpy(m->xtr_id, x->cfg.sub.xtr_id, sizeof(m->xtr_id));
		m->site_id = x->cfg.sub.site_id;
	}
	rc = lisp_map_request_build(w, m, NULL);
	free(m);
	return rc;
}

/* The Map-Resolver to use and the local RLOC matching its family. */
static const struct xtr_mr_cfg *pick_mr(struct xtr *x, uint32_t tries)
{
	if (x->cfg.nmr == 0)
		return NULL;
	unsigned i = (x->mr_cur + tries) % x->cfg.nmr;
	return &x->cfg.mr[i];
}

/* The Map-Request of a pending entry waits for the budget (on) or got it (off). */
static void req_wait(struct xtr *x, struct xtr_entry_ext *rq, bool on)
{
	if (rq->sslot == 0 || rq->waiting == on)
		return;
	rq->waiting = on;
	if (on)
		x->srcs[rq->sslot - 1].nwait++;
	else
		x->srcs[rq->sslot - 1].nwait--;
}

/* turn: the tick serves this entry in its source's turn (control tick); otherwise a source
 * whose earlier Map-Requests wait for the budget queues this one behind them. */
static void send_request(struct xtr *x, struct xtr_entry *e, const struct ipaddr *seid,
			 bool smr_invoked, bool turn, uint64_t now)
{
	uint8_t inner[1500], out[1600];
	struct buf w, r, o;
	struct lisp_ecm ecm;
	struct xtr_entry_ext *rq = xtr_entry_ext(x, e);

	if (rq == NULL)
		return;
	if (now < rq->req_next)
		return; /* RFC 9301 §5.3: at most one per second per EID prefix */
	bool queued = !turn && !rq->waiting && rq->sslot && x->srcs[rq->sslot - 1].nwait > 0;
	if (queued || !tb_take(&x->mreq_tb, now)) {
		if (!rq->waiting)
			x->st.cdrops[XTR_CDROP_RATE]++;
		if (rq->sslot) {
			/* a pending entry: the next tick serves it in its source's turn */
			req_wait(x, rq, true);
			rq->req_next = now;
		} else {
			rq->req_next = now + NSEC_PER_SEC;
		}
		return;
	}
	req_wait(x, rq, false);
	const struct xtr_mr_cfg *mr = pick_mr(x, rq->req_tries);
	const struct ipaddr *rl = mr ? xtr_rloc_for(x, mr->addr.afi) : NULL;
	if (mr == NULL || rl == NULL) {
		x->st.cdrops[XTR_CDROP_SEND]++;
		rq->req_next = now + NSEC_PER_SEC;
		return;
	}
	struct xtr_req *q = xtr_req_add(x, XTR_REQ_RESOLVE, &e->eid, now);
	if (q == NULL) {
		rq->req_next = now + NSEC_PER_SEC;
		return;
	}
	buf_init_write(&w, inner, sizeof(inner));
	if (build_request(x, &w, q->nonce, &e->eid, seid, false, false, smr_invoked) == -1)
		return;
	memset(&ecm, 0, sizeof(ecm));
	ecm.inner_src = *rl;
	if (e->eid.afi == rl->afi) {
		ecm.inner_dst.afi = e->eid.afi;
		memcpy(ecm.inner_dst.a, e->eid.a, 16);
	} else {
		ecm.inner_dst = mr->addr;
	}
	ecm.inner_sport = x->cfg.control_port;
	ecm.inner_dport = LISP_CONTROL_PORT;
	buf_as_reader(&w, &r);
	buf_init_write(&o, out, sizeof(out));
	if (lisp_ecm_build(&o, &ecm, &r, NULL) == -1)
		return;
	if (rq->req_tries)
		x->st.mreq_retrans++;
	if (rq->req_tries && x->cfg.nmr > 1)
		x->st.mreq_failover++;
	/* back-off: 1, 2, 4, 8 ... s between retransmissions */
	uint32_t shift = rq->req_tries < 6 ? rq->req_tries : 6;
	rq->req_next = now + (NSEC_PER_SEC << shift);
	rq->req_nonce = q->nonce;
	rq->req_tries++;
	if (smr_invoked)
		x->st.smr_invoked++;
	if (xtr_ctl_send(x, &mr->addr, mr->port, out, buf_len(&o)) == 0) {
		x->st.mreq_sent++;
		if (x->sub_key != NULL)
			x->st.subs_sent++;
	}
	log_debug_topic(LOG_TOPIC_CONTROL, "Map-Request nonce %016llx try %u",
			(unsigned long long)q->nonce, rq->req_tries);
}

void xtr_send_map_request(struct xtr *x, struct xtr_entry *e, const struct ipaddr *seid,
			  bool smr_invoked, uint64_t now)
{
	send_request(x, e, seid, smr_invoked, false, now);
}

/* ---------------------------------------------------------------- Map-Request answers */

static void answer_request(struct xtr *x, const struct lisp_map_request *m, uint16_t sport)
{
	struct lisp_map_reply *rep;
	const struct lisp_addr *itr = NULL;
	uint8_t out[1500];
	struct buf w;

	if (m->nrec == 0 || m->dont_map_reply)
		return;
	/* the first ITR-RLOC of a family we can send from (RFC 9301 §5.2) */
	for (unsigned i = 0; i < m->n_itr_rlocs && itr == NULL; i++)
		if (m->itr_rlocs[i].n && xtr_rloc_for(x, m->itr_rlocs[i].addr[0].afi))
			itr = &m->itr_rlocs[i];
	if (itr == NULL) {
		x->st.cdrops[XTR_CDROP_MALFORMED]++;
		return;
	}
	const struct ipaddr *dst = &itr->addr[0];
	const struct lisp_prefix *q = &m->rec[0].eid;
	struct ipaddr qa = {.afi = q->afi};
	memcpy(qa.a, q->a, 16);
	const struct xtr_db_entry *d = xtr_db_lookup(x, q->iid, &qa);
	if (d == NULL && !m->probe) {
		x->st.cdrops[XTR_CDROP_NOT_OURS]++;
		return;
	}
	rep = calloc(1, sizeof(*rep));
	if (rep == NULL)
		return;
	rep->probe = m->probe;
	rep->nonce = m->nonce;
	rep->nrec = 1;
	if (d) {
		/* the probed locator: the local address the probe came to (our RLOC) */
		xtr_db_record(x, d, &rep->rec[0], d->ttl,
			      m->probe ? xtr_rloc_for(x, dst->afi) : NULL);
	} else {
		/* a probe for an EID we no longer hold: empty record, still a probe reply */
		lisp_record_set_eid(&rep->rec[0], q);
		rep->rec[0].ttl = 0;
		rep->rec[0].authoritative = true;
	}
	buf_init_write(&w, out, sizeof(out));
	if (lisp_map_reply_build(&w, rep, NULL) == 0)
		xtr_ctl_send(x, dst, sport, out, buf_len(&w));
	free(rep);
}

/* SMR received (RFC 9301 §6.1): schedule an SMR-invoked Map-Request for the EID. */
static void smr_input(struct xtr *x, const struct lisp_map_request *m, uint64_t now)
{
	x->st.smr_in++;
	for (unsigned i = 0; i < m->nrec; i++) {
		const struct lisp_prefix *p = &m->rec[i].eid;
		struct ipaddr a = {.afi = p->afi};
		memcpy(a.a, p->a, 16);
		struct xtr_entry *e = xtr_cache_lookup(x, p->iid, &a);
		if (e == NULL || e->src == XTR_SRC_CONFIG || e->src == XTR_SRC_BGP ||
		    e->src == XTR_SRC_PENDING)
			continue;
		/* keep using the old entry until the reply comes (§6.1 (3)) */
		if (e->ext)
			e->ext->req_tries = 0;
		xtr_send_map_request(x, e, NULL, true, now);
	}
}

static void request_input(struct xtr *x, struct buf *b, uint16_t sport, bool via_ecm, uint64_t now)
{
	struct lisp_map_request *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return;
	if (lisp_map_request_parse(b, m, NULL) == -1) {
		x->st.cdrops[XTR_CDROP_MALFORMED]++;
		free(m);
		return;
	}
	if (m->smr && !via_ecm)
		smr_input(x, m, now);
	else
		answer_request(x, m, sport);
	free(m);
}

/* ---------------------------------------------------------------- Map-Reply */

static void reply_input(struct xtr *x, struct buf *b, const struct ipaddr *src, uint64_t now)
{
	struct lisp_map_reply *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return;
	if (lisp_map_reply_parse(b, m, NULL) == -1) {
		x->st.cdrops[XTR_CDROP_MALFORMED]++;
		goto out;
	}
	struct xtr_req req, *q = &req;
	if (xtr_req_take(x, m->nonce, &req) == -1) {
		x->st.cdrops[XTR_CDROP_NONCE]++;
		log_input_key("map-reply", "Map-Reply with an unknown nonce");
		goto out;
	}
	if (q->kind == XTR_REQ_PROBE) {
		x->st.probe_replies++;
		if (q->rloc_idx < x->nrlocs) {
			struct xtr_rloc *r = &x->rlocs[q->rloc_idx];
			if (!r->up) {
				char a[IPADDR_STRLEN];
				x->st.probe_up++;
				log_info("RLOC %s up (probe answered)",
					 ipaddr_str(&r->addr, a, sizeof(a)));
				r->up = true;
				xtr_rloc_changed(x, q->rloc_idx);
			}
			r->missed = 0;
			if (r->probe_nonce == m->nonce && now >= r->probe_sent)
				r->rtt = now - r->probe_sent;
			r->probe_nonce = 0;
			r->last_reply = now;
			r->replies++;
		}
		(void)src;
		goto out;
	}
	for (unsigned i = 0; i < m->nrec; i++) {
		const struct lisp_record *r = &m->rec[i];
		struct xtr_loc loc[XTR_MAX_LOC];
		unsigned n = 0;
		if (!xtr_serves_iid(x, r->eid.iid))
			continue;
		/* the record must cover the EID we asked for (or be the one we asked for) */
		if (!prefix_contains(&r->eid, &q->eid) && !prefix_contains(&q->eid, &r->eid))
			continue;
		for (unsigned j = 0; j < r->nloc && n < XTR_MAX_LOC; j++) {
			if (r->loc[j].addr.n == 0)
				continue;
			loc[n].addr = r->loc[j].addr.addr[0];
			loc[n].priority = r->loc[j].priority;
			loc[n].weight = r->loc[j].weight;
			n++;
		}
		if (r->ttl == 0) {
			xtr_cache_remove(x, &r->eid);
			continue;
		}
		/* the mapping system says an EID of our site is at our RLOC: local now */
		bool ours = false;
		for (unsigned j = 0; j < n; j++)
			ours = ours || xtr_is_own_rloc(x, &loc[j].addr);
		if (ours && xtr_claim_eid(x, &r->eid, now))
			continue;
		/* the pending host entry is replaced (or covered) by the record */
		if (!prefix_eq(&r->eid, &q->eid) && prefix_contains(&q->eid, &r->eid) == false) {
			/* covered below by xtr_cache_install */
		}
		/* a reply confirming what a subscription Map-Notify installed (an SMR-invoked
		 * request racing the notify) keeps that entry's source */
		enum xtr_src how = XTR_SRC_REPLY;
		struct ipaddr ea = {.afi = r->eid.afi};
		memcpy(ea.a, r->eid.a, 16);
		const struct xtr_entry *cur = xtr_cache_lookup(x, r->eid.iid, &ea);
		if (cur && cur->src == XTR_SRC_NOTIFY && prefix_eq(&cur->eid, &r->eid) &&
		    xtr_entry_same(cur, r->action, loc, n))
			how = XTR_SRC_NOTIFY;
		xtr_cache_install(x, &r->eid, how, r->action, r->authoritative, r->ttl, loc, n,
				  now);
		log_debug_topic(LOG_TOPIC_CONTROL, "Map-Reply: %u locators", n);
	}
	/* A pending entry more specific than the record was handled by install; one that is
	 * less specific (we asked for a /32, got a /32 inside): still pending if unmatched. */
out:
	free(m);
}

/* ---------------------------------------------------------------- ECM */

static void ecm_input(struct xtr *x, struct buf *b, uint64_t now)
{
	struct lisp_ecm ecm;

	if (lisp_ecm_parse(b, &ecm, NULL) == -1) {
		x->st.cdrops[XTR_CDROP_MALFORMED]++;
		return;
	}
	if (lisp_msg_type(&ecm.payload) != LISP_T_MAP_REQUEST) {
		x->st.cdrops[XTR_CDROP_UNEXPECTED]++;
		return;
	}
	x->st.cin[LISP_T_MAP_REQUEST]++;
	request_input(x, &ecm.payload, ecm.inner_sport, true, now);
}

void xtr_control_input(struct xtr *x, const struct ipaddr *src, uint16_t sport,
		       const struct ipaddr *dst, const uint8_t *data, size_t len, uint64_t now)
{
	struct buf b;
	int t;

	(void)dst;
	buf_init_read(&b, data, len);
	t = lisp_msg_type(&b);
	if (t < 0) {
		x->st.cdrops[XTR_CDROP_MALFORMED]++;
		return;
	}
	x->st.cin[t]++;
	switch (t) {
	case LISP_T_MAP_REQUEST:
		request_input(x, &b, sport, false, now);
		break;
	case LISP_T_MAP_REPLY:
		reply_input(x, &b, src, now);
		break;
	case LISP_T_MAP_NOTIFY:
		xtr_notify_input(x, src, sport, &b, now);
		break;
	case LISP_T_ECM:
		ecm_input(x, &b, now);
		break;
	default:
		x->st.cdrops[XTR_CDROP_UNEXPECTED]++;
		break;
	}
}

/* ---------------------------------------------------------------- SMR */

void xtr_send_smrs(struct xtr *x, const struct lisp_prefix *eid, uint64_t now)
{
	uint8_t out[1500];
	struct buf w;

	for (unsigned i = 0; i < XTR_ITR_SEEN; i++) {
		struct xtr_itr_seen *s = &x->seen[i];
		if (s->addr.afi == 0 || s->last + 60 * NSEC_PER_SEC < now)
			continue; /* RFC 9301 §6.1: ITRs seen in the last minute */
		buf_init_write(&w, out, sizeof(out));
		if (build_request(x, &w, xtr_nonce(x), eid, NULL, false, true, false) == 0 &&
		    xtr_ctl_send(x, &s->addr, LISP_CONTROL_PORT, out, buf_len(&w)) == 0)
			x->st.smr_sent++;
	}
}

/* ---------------------------------------------------------------- RLOC probing */

#define XTR_PROBE_SLACK_NS (50 * 1000000ull)

/* The probing in force for r: its static mapping's, else the global <probing>. */
static void probe_params(const struct xtr *x, const struct xtr_rloc *r, uint64_t *iv, uint64_t *to,
			 uint32_t *retries)
{
	uint32_t ivm = x->cfg.probe_interval_ms, tom = x->cfg.probe_timeout_ms;

	*retries = x->cfg.probe_retries;
	if (r->probe_own) {
		if (r->probe_iv_ms != XTR_PROBE_UNSET)
			ivm = r->probe_iv_ms;
		if (r->probe_to_ms != XTR_PROBE_UNSET)
			tom = r->probe_to_ms;
		if (r->probe_retries != XTR_PROBE_UNSET)
			*retries = r->probe_retries;
	}
	*iv = (uint64_t)ivm * 1000000;
	*to = (uint64_t)tom * 1000000;
}

void xtr_probe_reset_own(struct xtr *x)
{
	for (size_t i = 0; i < x->nrlocs; i++)
		x->rlocs[i].probe_own = false;
}

void xtr_probe_apply_cfg(struct xtr *x, const struct xtr_mapping_cfg *m)
{
	if (m->probe_interval_ms == XTR_PROBE_UNSET && m->probe_timeout_ms == XTR_PROBE_UNSET &&
	    m->probe_retries == XTR_PROBE_UNSET)
		return;
	for (unsigned j = 0; j < m->nloc; j++) {
		struct lisp_prefix eid = m->eid;
		eid.iid = x->cfg.iid;
		uint16_t i = xtr_rloc_track(x, &m->loc[j].addr, &eid);
		if (i == UINT16_MAX || x->rlocs[i].probe_own)
			continue; /* untracked, or a static mapping before this one set it */
		struct xtr_rloc *r = &x->rlocs[i];
		r->probe_own = true;
		r->probe_iv_ms = m->probe_interval_ms;
		r->probe_to_ms = m->probe_timeout_ms;
		r->probe_retries = m->probe_retries;
		if (r->eid.afi == 0)
			r->eid = eid;
	}
}

bool xtr_rloc_info(const struct xtr *x, const struct ipaddr *rloc, struct xtr_rloc_info *out)
{
	for (size_t i = 0; i < x->nrlocs; i++) {
		const struct xtr_rloc *r = &x->rlocs[i];
		uint64_t iv, to;
		uint32_t retries;
		if (!ipaddr_eq(&r->addr, rloc))
			continue;
		probe_params(x, r, &iv, &to, &retries);
		memset(out, 0, sizeof(*out));
		out->up = r->up;
		out->missed = r->missed;
		out->probes = r->probes;
		out->replies = r->replies;
		out->rtt_ns = r->rtt;
		out->interval_ms = (uint32_t)(iv / 1000000);
		out->timeout_ms = (uint32_t)(to / 1000000);
		out->retries = retries;
		return true;
	}
	return false;
}

/* RFC 9301 §7.1. Each tracked RLOC in use (a packet in the last interval, or never used
 * yet: a backup locator) gets a probe every interval; a down one every timeout until it
 * answers. A probe not answered within the timeout is missed, and the next probe leaves at
 * once (as a retransmission: every timeout while probes go unanswered, not every
 * interval); the retries-th consecutive miss marks the RLOC down in this tick, so the next
 * packet already takes the next locator by priority/weight (xtr_select_locator reads the
 * state per packet). Detection after an RLOC dies: at most interval + retries x timeout
 * (+ the 100-ms tick); a timeout of a few round trips finds it within about one
 * interval. */
static void probe_tick(struct xtr *x, uint64_t now_tick)
{
	/* the tick runs every 100 ms and a little late: what is due within half a tick is
	 * due now, or every interval and timeout would round up to the next tick */
	uint64_t now = now_tick + XTR_PROBE_SLACK_NS;

	for (size_t i = 0; i < x->nrlocs; i++) {
		struct xtr_rloc *r = &x->rlocs[i];
		uint64_t iv, to;
		uint32_t retries;
		probe_params(x, r, &iv, &to, &retries);
		if (iv == 0) {
			r->probe_nonce = 0;
			continue;
		}
		/* an unanswered probe */
		if (r->probe_nonce && r->probe_sent + to <= now) {
			r->probe_nonce = 0;
			x->st.probe_missed++;
			if (r->missed < UINT8_MAX)
				r->missed++;
			if (r->missed >= retries && r->up) {
				r->up = false;
				xtr_rloc_changed(x, (uint16_t)i);
				x->st.probe_down++;
				char a[IPADDR_STRLEN];
				log_info("RLOC %s down (%u probes unanswered)",
					 ipaddr_str(&r->addr, a, sizeof(a)), r->missed);
			}
		}
		if (r->probe_nonce || xtr_is_own_rloc(x, &r->addr))
			continue;
		/* probe locators in use (a packet in the last interval) and down ones; a
		 * down locator, or one whose last probe went unanswered, is probed again at
		 * the probe timeout */
		bool in_use = r->last_used + iv > now || r->last_used == 0;
		uint64_t wait = r->up && r->missed == 0 ? iv : (to ? to : iv);
		if (!in_use && r->up)
			continue;
		if (r->probe_sent && r->probe_sent + wait > now)
			continue;
		if (r->eid.afi == 0 || xtr_rloc_for(x, r->addr.afi) == NULL)
			continue;
		uint8_t out[1500];
		struct buf w;
		struct xtr_req *q = xtr_req_add(x, XTR_REQ_PROBE, &r->eid, now_tick);
		if (q == NULL)
			continue;
		q->rloc_idx = (uint16_t)i;
		buf_init_write(&w, out, sizeof(out));
		if (build_request(x, &w, q->nonce, &r->eid, NULL, true, false, false) == -1)
			continue;
		r->probe_nonce = q->nonce;
		r->probe_sent = now_tick;
		r->probes++;
		if (xtr_ctl_send(x, &r->addr, LISP_CONTROL_PORT, out, buf_len(&w)) == 0)
			x->st.probes_sent++;
	}
}

/* A pending entry due for a Map-Request at this tick: its prefix, its source's turn. */
struct due {
	struct lisp_prefix eid;
	uint32_t rank;	/* 0 for each source's oldest due entry, 1 for its next ... */
	uint16_t sslot; /* its source (xtr_entry_ext) */
};

/* The due entries in turns: every source's first, then every source's second ... (each
 * turn oldest first), so that the budget goes round the sources, not to the one with the
 * most entries. Counting sort by rank; `d` and `out` hold n. */
static void due_turns(const struct due *d, size_t n, struct due *out, size_t *cnt, uint32_t maxrank)
{
	memset(cnt, 0, ((size_t)maxrank + 2) * sizeof(*cnt));
	for (size_t i = 0; i < n; i++)
		cnt[d[i].rank + 1]++;
	for (uint32_t r = 1; r <= maxrank + 1; r++)
		cnt[r] += cnt[r - 1];
	for (size_t i = 0; i < n; i++)
		out[cnt[d[i].rank]++] = d[i];
}

void xtr_control_tick(struct xtr *x, uint64_t now)
{
	/* retransmit Map-Requests of pending entries, send those waiting for the budget; give
	 * up after the retries. One pass over the pending list collects the prefixes due
	 * (acting on one may change the list), in turns by source; then each is looked up
	 * again: no restart of the walk per entry given up. */
	if (x->npending) {
		size_t np = x->npending;
		struct due *due = malloc(np * sizeof(*due)), *turns = malloc(np * sizeof(*due));
		size_t *cnt = malloc((np + 1) * sizeof(*cnt));
		size_t n = 0;
		uint32_t maxrank = 0;
		for (struct xtr_entry *e = x->plist_head; e && due && turns && cnt && n < np;
		     e = e->ext->pnext) {
			if (e->src != XTR_SRC_PENDING || now < e->ext->req_next)
				continue;
			uint32_t rank = 0;
			if (e->ext->sslot)
				rank = x->srcs[e->ext->sslot - 1].rank++;
			maxrank = rank > maxrank ? rank : maxrank;
			due[n].eid = e->eid;
			due[n].sslot = e->ext->sslot;
			due[n++].rank = rank;
		}
		for (size_t i = 0; i < n; i++)
			if (due[i].sslot)
				x->srcs[due[i].sslot - 1].rank = 0;
		if (n)
			due_turns(due, n, turns, cnt, maxrank);
		for (size_t i = 0; i < n; i++) {
			struct xtr_entry *e = lpm_exact(x->cache, &turns[i].eid);
			if (e == NULL || e->src != XTR_SRC_PENDING || e->ext == NULL ||
			    now < e->ext->req_next)
				continue;
			if (e->ext->req_tries > x->cfg.mreq_retries) {
				/* unresolved: hold a negative drop entry for a while */
				xtr_queue_drop(x, e);
				struct xtr_entry *ne =
				    xtr_cache_install(x, &e->eid, XTR_SRC_REPLY, LISP_ACT_DROP,
						      false, 1, NULL, 0, now);
				if (ne)
					xtr_entry_set_expiry(x, ne,
							     now + (uint64_t)x->cfg.negative_hold *
								       NSEC_PER_SEC);
				if (x->cfg.nmr > 1)
					x->mr_cur = (x->mr_cur + 1) % x->cfg.nmr;
				continue;
			}
			send_request(x, e, NULL, false, true, now);
		}
		free(due);
		free(turns);
		free(cnt);
	}
	probe_tick(x, now);
}
