/* SPDX-License-Identifier: ISC */
/*
 * xtr/register.c - the ETR's side of registration (RFC 9301 §5.6, §5.7, §8.2): every
 * database mapping is registered with every configured Map-Server every register-interval
 * (60 s), signed (proto/auth.h), M=1 (want-map-notify), I=1 with our xTR-ID and Site-ID
 * (<register xtr-id site-id>), the nonce on the suite's one scale (proto/ lisp_register_nonce:
 * wall-clock ns, always increasing, across restarts too), so the Map-Server keeps our
 * nonces per (key ID, xTR-ID) and lisp-register runs with the same key never collide with
 * ours (docs/lisp-wire.md "Replay protection"); an unanswered Map-Register is retried with
 * back-off (3 s doubling up to the interval). A Map-Notify echoing a nonce of this round or
 * the previous one acknowledges. A
 * Map-Notify is authenticated with the key of the Map-Server it comes from: one that echoes
 * our last Map-Register's nonce acknowledges it; any other is unsolicited and answered with a
 * Map-Notify-Ack (same nonce and records, signed). A record in it for one of OUR EIDs whose
 * locators are not ours means the EID moved away (VM mobility, docs/architecture.md "Migration end
 * to end"): it leaves the database (the site removes its host route), it is recorded as moved
 * away (xtr_moved_add: the ETR re-encapsulates for it for <etr reencapsulate-moved-away>
 * seconds, and for no EID that never left us), the new mapping enters the map-cache (source
 * map-notify) so packets still arriving are re-encapsulated there, and recently seen ITRs get
 * an SMR. Records for EIDs we cache are updated (RFC 9437 pub/sub).
 * With <subscribe>, our Map-Requests subscribe (control.c); a Map-Notify with I=1 and our
 * xTR-ID (or, without I, only for EIDs that are not ours) that the subscriber key verifies
 * is a subscription update: acked under that key (a retransmission too), its records for
 * non-local EIDs installed/replaced in the map-cache (source map-notify; TTL 0 removes; an
 * unchanged mapping only renews a Map-Reply entry). Anything else takes the path above.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "proto/auth.h"
#include "xtr/xtr_int.h"

const char *xtr_ms_state_name(enum xtr_ms_state s)
{
	switch (s) {
	case XTR_MS_INIT:
		return "init";
	case XTR_MS_REGISTERING:
		return "registering";
	case XTR_MS_REGISTERED:
		return "registered";
	case XTR_MS_UNANSWERED:
		return "unanswered";
	}
	return "unknown";
}

size_t xtr_nms(const struct xtr *x)
{
	return x->nms;
}

const struct xtr_ms *xtr_ms_at(const struct xtr *x, size_t i)
{
	return i < x->nms ? &x->ms[i] : NULL;
}

int xtr_register_init(struct xtr *x)
{
	if (xtr_id_is_zero(x->cfg.reg_xtr_id)) /* a configuration not made by the parser */
		xtr_cfg_default_xtr_id(&x->cfg, x->cfg.reg_xtr_id);
	x->nms = x->cfg.nms;
	for (unsigned i = 0; i < x->nms; i++) {
		struct xtr_ms *m = &x->ms[i];
		memset(m, 0, sizeof(*m));
		m->cfg = x->cfg.ms[i];
		m->key =
		    lisp_key_new(m->cfg.key_id, m->cfg.alg, m->cfg.secret, strlen(m->cfg.secret));
		if (m->key == NULL) {
			log_warnx("map-server key %u: cannot build", m->cfg.key_id);
			return -1;
		}
	}
	lisp_key_free(x->sub_key);
	x->sub_key = NULL;
	if (x->cfg.sub.enabled) {
		x->sub_key = lisp_key_new(x->cfg.sub.key_id, x->cfg.sub.alg, x->cfg.sub.secret,
					  strlen(x->cfg.sub.secret));
		if (x->sub_key == NULL) {
			log_warnx("subscriber key %u: cannot build", x->cfg.sub.key_id);
			return -1;
		}
	}
	return 0;
}

void xtr_register_fini(struct xtr *x)
{
	for (unsigned i = 0; i < x->nms; i++) {
		lisp_key_free(x->ms[i].key);
		x->ms[i].key = NULL;
	}
	x->nms = 0;
	lisp_key_free(x->sub_key);
	x->sub_key = NULL;
}

void xtr_db_record(const struct xtr *x, const struct xtr_db_entry *d, struct lisp_record *r,
		   uint32_t ttl, const struct ipaddr *probed)
{
	memset(r, 0, sizeof(*r));
	lisp_record_set_eid(r, &d->eid);
	r->ttl = ttl;
	r->authoritative = true;
	r->action = LISP_ACT_NO_ACTION;
	if (d->nloc) {
		for (unsigned i = 0; i < d->nloc && r->nloc < LISP_MAX_LOCATORS; i++) {
			struct lisp_locator *l = &r->loc[r->nloc++];
			l->priority = d->loc[i].priority;
			l->weight = d->loc[i].weight;
			l->mpriority = 255;
			l->flags = LISP_LOC_F_REACHABLE |
				   (xtr_is_own_rloc(x, &d->loc[i].addr) ? LISP_LOC_F_LOCAL : 0);
			if (probed && ipaddr_eq(probed, &d->loc[i].addr))
				l->flags |= LISP_LOC_F_PROBED;
			lisp_addr_from_ip(&l->addr, &d->loc[i].addr);
		}
		return;
	}
	for (unsigned i = 0; i < x->cfg.nrloc && r->nloc < LISP_MAX_LOCATORS; i++) {
		if (!xtr_cfg_rloc_registered(&x->cfg, i))
			continue; /* an anycast D-ETR registers the shared RLOC */
		struct lisp_locator *l = &r->loc[r->nloc++];
		l->priority = 1;
		l->weight = 100;
		l->mpriority = 255;
		l->flags = LISP_LOC_F_REACHABLE | LISP_LOC_F_LOCAL;
		if (probed && ipaddr_eq(probed, &x->cfg.rloc[i]))
			l->flags |= LISP_LOC_F_PROBED;
		lisp_addr_from_ip(&l->addr, &x->cfg.rloc[i]);
	}
}

/* One Map-Register with records [first, first+n) of the database (or one record `only`
 * with ttl), signed with m's key. */
static int send_register(struct xtr *x, struct xtr_ms *m, const struct xtr_db_entry *only,
			 uint32_t ttl, size_t first, size_t n, uint64_t now)
{
	struct lisp_map_register *r = calloc(1, sizeof(*r));
	uint8_t out[9000];
	struct buf w;
	size_t auth_off;
	int rc = -1;

	if (r == NULL)
		return -1;
	r->proxy_reply = m->cfg.proxy_reply;
	r->want_notify = true;
	/* RFC 9301 §5.6: always increasing; the scale every registrant of the suite uses */
	x->reg_nonce = lisp_register_nonce(x->reg_nonce, (uint64_t)((int64_t)now + x->wall_off_ns));
	r->nonce = x->reg_nonce;
	r->xtr_id_present = true;
	memcpy(r->xtr_id, x->cfg.reg_xtr_id, sizeof(r->xtr_id));
	r->site_id = x->cfg.reg_site_id;
	r->auth.key_id = m->cfg.key_id;
	r->auth.alg_id = m->cfg.alg;
	r->auth.len = (uint16_t)lisp_auth_len(m->cfg.alg);
	if (only) {
		xtr_db_record(x, only, &r->rec[0], ttl, NULL);
		r->nrec = 1;
	} else {
		for (size_t i = 0; i < n && r->nrec < LISP_MAX_RECORDS; i++)
			xtr_db_record(x, &x->dbv[first + i], &r->rec[r->nrec++],
				      x->dbv[first + i].ttl, NULL);
	}
	buf_init_write(&w, out, sizeof(out));
	if (lisp_map_register_build(&w, r, &auth_off, NULL) == 0 &&
	    lisp_auth_sign(&w, auth_off, m->key, NULL) == 0 &&
	    xtr_ctl_send(x, &m->cfg.addr, m->cfg.port, out, buf_len(&w)) == 0) {
		m->nonce = r->nonce;
		if (m->round_first == 0)
			m->round_first = r->nonce;
		m->last_sent = now;
		m->registers++;
		rc = 0;
	}
	free(r);
	return rc;
}

static void register_all(struct xtr *x, struct xtr_ms *m, uint64_t now)
{
	/* a new round: the previous round's nonces still acknowledge (a late Map-Notify) */
	m->ack_from = m->round_first;
	m->round_first = 0;
	for (size_t i = 0; i < x->ndb; i += LISP_MAX_RECORDS) {
		size_t n = x->ndb - i < LISP_MAX_RECORDS ? x->ndb - i : LISP_MAX_RECORDS;
		send_register(x, m, NULL, 0, i, n, now);
	}
}

void xtr_register_tick(struct xtr *x, uint64_t now)
{
	uint64_t iv = (uint64_t)x->cfg.register_interval * NSEC_PER_SEC;

	for (unsigned i = 0; i < x->nms; i++) {
		struct xtr_ms *m = &x->ms[i];
		if (now < m->next || x->ndb == 0)
			continue;
		if (m->state == XTR_MS_REGISTERING || m->state == XTR_MS_UNANSWERED) {
			/* the previous one is unanswered: back off 3, 6, 12 ... s up to iv */
			m->unanswered++;
			m->state = XTR_MS_UNANSWERED;
		} else if (m->state == XTR_MS_INIT) {
			m->state = XTR_MS_REGISTERING;
		}
		register_all(x, m, now);
		uint64_t wait = iv;
		if (m->state != XTR_MS_REGISTERED) {
			unsigned s = m->unanswered < 5 ? m->unanswered : 5;
			wait = 3 * NSEC_PER_SEC << s;
			if (wait > iv)
				wait = iv;
		}
		m->next = now + wait;
	}
}

void xtr_register_now(struct xtr *x, uint64_t now)
{
	for (unsigned i = 0; i < x->nms; i++)
		x->ms[i].next = now;
	xtr_register_tick(x, now);
}

/* Deregister one EID (TTL 0) everywhere. */
static void deregister(struct xtr *x, const struct xtr_db_entry *d, uint64_t now)
{
	for (unsigned i = 0; i < x->nms; i++)
		send_register(x, &x->ms[i], d, 0, 0, 0, now);
}

/* ---------------------------------------------------------------- Map-Notify */

static bool locators_ours(const struct xtr *x, const struct lisp_record *r)
{
	for (unsigned j = 0; j < r->nloc; j++)
		for (unsigned k = 0; k < r->loc[j].addr.n; k++)
			if (xtr_is_own_rloc(x, &r->loc[j].addr.addr[k]))
				return true;
	return false;
}

bool xtr_entry_same(const struct xtr_entry *e, uint8_t action, const struct xtr_loc *loc,
		    unsigned n)
{
	if (e->nloc != n || (n == 0 && e->action != action))
		return false;
	for (unsigned i = 0; i < n; i++) {
		const struct xtr_loc *l = xtr_entry_loc(e, i);
		if (!ipaddr_eq(&l->addr, &loc[i].addr) || l->priority != loc[i].priority ||
		    l->weight != loc[i].weight)
			return false;
	}
	return true;
}

static void notify_record(struct xtr *x, const struct lisp_record *r, bool sub, uint64_t now)
{
	struct xtr_loc loc[XTR_MAX_LOC];
	unsigned n = 0;
	char p[PREFIX_STRLEN];

	if (!xtr_serves_iid(x, r->eid.iid))
		return;
	for (unsigned j = 0; j < r->nloc && n < XTR_MAX_LOC; j++) {
		if (r->loc[j].addr.n == 0)
			continue;
		loc[n].addr = r->loc[j].addr.addr[0];
		loc[n].priority = r->loc[j].priority;
		loc[n].weight = r->loc[j].weight;
		n++;
	}
	if (locators_ours(x, r)) {
		/* our own registration echoed back, or the Map-Server telling the new site
		 * that a VM now is here: make it local before its GARP/NA is seen */
		if (r->ttl != 0)
			xtr_claim_eid(x, &r->eid, now);
		return;
	}
	struct ipaddr a = {.afi = r->eid.afi};
	memcpy(a.a, r->eid.a, 16);
	const struct xtr_db_entry *d = xtr_db_lookup(x, r->eid.iid, &a);
	if (sub) {
		/* RFC 9437 subscription update: install/replace (TTL 0 removes); a local EID is
		 * left to the Map-Server's own (site-key) Map-Notify */
		if (d)
			return;
		struct xtr_entry *e = xtr_cache_lookup(x, r->eid.iid, &a);
		if (e && prefix_eq(&e->eid, &r->eid) && e->src == XTR_SRC_CONFIG)
			return;
		if (r->ttl == 0) {
			if (e && prefix_eq(&e->eid, &r->eid))
				xtr_cache_remove(x, &r->eid);
			return;
		}
		if (e && prefix_eq(&e->eid, &r->eid) && e->src == XTR_SRC_REPLY &&
		    xtr_entry_same(e, r->action, loc, n)) {
			/* the current mapping echoed (first notify after subscribing): keep
			 * the entry and its source, renew its TTL */
			e->ttl = r->ttl;
			if (r->ttl != 0xffffffffu)
				xtr_entry_set_expiry(x, e,
						     now + (uint64_t)r->ttl * 60 * NSEC_PER_SEC);
			return;
		}
		xtr_cache_install(x, &r->eid, XTR_SRC_NOTIFY, r->action, r->authoritative, r->ttl,
				  loc, n, now);
		return;
	}
	if (d && n > 0 && r->ttl != 0) {
		/* The EID moved away: stop claiming it, re-encapsulate to its new site. */
		log_info("EID %s moved away: re-encapsulated for %u s",
			 prefix_str(&r->eid, p, sizeof(p)), x->cfg.moved_away_s);
		x->st.moves++;
		/* the one fact that lets the ETR relay for it, for a while (xtr_etr_decide) */
		xtr_moved_add(x, &r->eid, d->ttl, now);
		if (prefix_eq(&d->eid, &r->eid)) {
			struct lisp_prefix eid = d->eid;
			/* no deregistration: the Map-Server holds the new mapping already */
			size_t nms = x->nms;
			x->nms = 0;
			xtr_db_del(x, &eid, now);
			x->nms = nms;
		}
		if (x->io.host_del)
			x->io.host_del(x->io.arg, &a);
		xtr_cache_install(x, &r->eid, XTR_SRC_NOTIFY, r->action, r->authoritative, r->ttl,
				  loc, n, now);
		return;
	}
	if (d)
		return;
	/* pub/sub or a cached EID: update the map-cache */
	struct xtr_entry *e = xtr_cache_lookup(x, r->eid.iid, &a);
	if (e && prefix_eq(&e->eid, &r->eid) && e->src != XTR_SRC_CONFIG) {
		if (r->ttl == 0)
			xtr_cache_remove(x, &r->eid);
		else
			xtr_cache_install(x, &r->eid, XTR_SRC_NOTIFY, r->action, r->authoritative,
					  r->ttl, loc, n, now);
	}
}

/* Does any record name one of our database EIDs? */
static bool any_local(const struct xtr *x, const struct lisp_map_notify *m)
{
	for (unsigned i = 0; i < m->nrec; i++) {
		struct ipaddr a = {.afi = m->rec[i].eid.afi};
		memcpy(a.a, m->rec[i].eid.a, 16);
		if (xtr_db_lookup(x, m->rec[i].eid.iid, &a))
			return true;
	}
	return false;
}

/* A nonce of one of our Map-Registers to this Map-Server, this round or the previous? */
static bool nonce_ours(const struct xtr_ms *ms, uint64_t nonce)
{
	uint64_t from = ms->ack_from ? ms->ack_from : ms->round_first;
	return from != 0 && nonce >= from && nonce <= ms->nonce;
}

/* Acknowledge the Map-Notify m (turned into its Map-Notify-Ack in place), signed with k
 * under key_id/alg, to src:sport. 0 when sent. */
static int notify_ack(struct xtr *x, struct lisp_map_notify *m, uint8_t key_id, uint8_t alg,
		      const struct lisp_key *k, const struct ipaddr *src, uint16_t sport)
{
	uint8_t out[9000];
	struct buf w;
	size_t auth_off;

	m->ack = true;
	m->auth.key_id = key_id;
	m->auth.alg_id = alg;
	m->auth.len = (uint16_t)lisp_auth_len(alg);
	buf_init_write(&w, out, sizeof(out));
	if (lisp_map_notify_build(&w, m, &auth_off, NULL) < 0 ||
	    lisp_auth_sign(&w, auth_off, k, NULL) < 0)
		return -1;
	return xtr_ctl_send(x, src, sport, out, buf_len(&w));
}

/* An RFC 9437 subscription update: I=1 with our xTR-ID (or, without I, records for EIDs
 * that are not ours), verified with the subscriber key. Acked (also a retransmission:
 * same nonce), records into the map-cache. false: not one (the Map-Server path decides). */
static bool sub_input(struct xtr *x, struct lisp_map_notify *m, const struct ipaddr *src,
		      uint16_t sport, const struct buf *b, uint64_t now)
{
	if (x->sub_key == NULL)
		return false;
	if (m->xtr_id_present ? memcmp(m->xtr_id, x->cfg.sub.xtr_id, 16) != 0 : any_local(x, m))
		return false;
	/* our Map-Registers carry the same xTR-ID by default: the acknowledgement of one (its
	 * nonce) is the Map-Server's, even when the subscriber key is the same key */
	for (unsigned i = 0; i < x->nms; i++)
		if (x->ms[i].state != XTR_MS_INIT && nonce_ours(&x->ms[i], m->nonce))
			return false;
	if (lisp_auth_verify(b, &m->auth, x->sub_key, NULL) != 0)
		return false; /* perhaps a Map-Server's key: that path counts the failure */
	x->st.sub_notifies++;
	if (notify_ack(x, m, x->cfg.sub.key_id, x->cfg.sub.alg, x->sub_key, src, sport) == 0)
		x->st.sub_acks++;
	for (unsigned i = 0; i < m->nrec; i++)
		notify_record(x, &m->rec[i], true, now);
	return true;
}

void xtr_notify_input(struct xtr *x, const struct ipaddr *src, uint16_t sport, const struct buf *b,
		      uint64_t now)
{
	struct lisp_map_notify *m = calloc(1, sizeof(*m));
	struct buf rd = *b;
	struct xtr_ms *ms = NULL;

	if (m == NULL)
		return;
	if (lisp_map_notify_parse(&rd, m, NULL) == -1) {
		x->st.cdrops[XTR_CDROP_MALFORMED]++;
		goto out;
	}
	if (sub_input(x, m, src, sport, b, now))
		goto out;
	/* the Map-Server it comes from, by address, then any whose key verifies */
	for (unsigned i = 0; i < x->nms && ms == NULL; i++)
		if (ipaddr_eq(&x->ms[i].cfg.addr, src) &&
		    lisp_auth_verify(b, &m->auth, x->ms[i].key, NULL) == 0)
			ms = &x->ms[i];
	for (unsigned i = 0; i < x->nms && ms == NULL; i++)
		if (lisp_auth_verify(b, &m->auth, x->ms[i].key, NULL) == 0)
			ms = &x->ms[i];
	if (ms == NULL) {
		x->st.cdrops[XTR_CDROP_AUTH]++;
		if (m->xtr_id_present && x->cfg.sub.enabled &&
		    memcmp(m->xtr_id, x->cfg.sub.xtr_id, 16) == 0)
			x->st.sub_auth_failed++;
		log_input_key("map-notify", "Map-Notify failed authentication");
		goto out;
	}
	ms->notifies++;
	ms->last_notify = now;
	if (m->nonce == ms->nonce || (ms->state != XTR_MS_INIT && nonce_ours(ms, m->nonce))) {
		/* acknowledges our (last) Map-Register */
		if (ms->state != XTR_MS_REGISTERED)
			ms->next = now + (uint64_t)x->cfg.register_interval * NSEC_PER_SEC;
		ms->state = XTR_MS_REGISTERED;
		ms->unanswered = 0;
		goto out;
	}
	/* unsolicited: ack it (RFC 9301 §5.7), then act on the records */
	if (notify_ack(x, m, ms->cfg.key_id, ms->cfg.alg, ms->key, src, sport) == 0)
		ms->notify_acks_sent++;
	for (unsigned i = 0; i < m->nrec; i++)
		notify_record(x, &m->rec[i], false, now);
out:
	free(m);
}

void xtr_deregister(struct xtr *x, const struct xtr_db_entry *d, uint64_t now)
{
	deregister(x, d, now);
}
