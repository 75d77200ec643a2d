/* SPDX-License-Identifier: ISC */
/*
 * ms/push.c - the Map-Server's BGP push (docs/architecture.md "BGP push" and
 * docs/bgp-mappings.md): every change of a registration reaches the embedded
 * speaker (bgp/bgp.h) in the same event-loop turn, through the change hook of ms.h.
 *
 * Decision per change (struct ms_change):
 *   - the new registration's BGP form (ms_push_mapping: locators usable for unicast, i.e.
 *     RFC 9301 §5.4 priority < 255, best first; TTL; instance ID; the registration's map
 *     version) has locators: bgp_announce it, unless the previous registration had the same
 *     BGP form apart from the version (a re-registration by another ETR, a change of the
 *     multicast priority or of the R bit): then nothing is sent ("suppressed");
 *   - no registration any more (DEREGISTER, EXPIRE, site removed by a reload) or no usable
 *     locator left: bgp_withdraw, if the previous registration had been announced;
 *   - LOAD (persistent registrations read from the database at start): announced into the
 *     speaker's table before bgp_start, so every peer gets them with its initial table
 *     (and, after a crash, a graceful-restart helper refreshes its stale copies).
 * A move is one bgp_announce of the new locator set: the speaker sends the new paths and
 * withdraws the path IDs that are gone (RFC 7911), in one flush at the end of the turn.
 *
 * The speaker is reached through struct ms_push_ops so the unit tests can record the calls.
 *
 * The speaker's life (ms_push_bgp_*): started from <bgp> with every registration, and kept
 * across reloads: bgp_reload_check (bgp/bgp.h, the rule lisp-xtrd follows too) says what a
 * reload does, bgp_reconfigure applies a changed <bgp> in place.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "bgp/bgp.h"
#include "common/log.h"
#include "ms/ms_int.h"

struct ms_push {
	struct ms *ms;
	const struct ms_push_ops *ops;
	void *speaker;
	struct ms_push_stats st;
	/* the speaker's life (ms_push_bgp_*) */
	struct event_base *base;
	struct bgp *bgp;     /* NULL: no <bgp> */
	struct bgp_cfg *cfg; /* the <bgp> in force (a copy; the speaker has its own) */
	bool forwarding;     /* the F bit decided at start */
};

/* ------------------------------------------------------------------ the speaker's ops */
static int spk_announce(void *speaker, const struct bgp_host_mapping *m)
{
	return bgp_announce(speaker, m);
}

static int spk_withdraw(void *speaker, const struct lisp_prefix *eid)
{
	return bgp_withdraw(speaker, eid);
}

const struct ms_push_ops ms_push_speaker_ops = {spk_announce, spk_withdraw};

/* ------------------------------------------------------------------ BGP form */
static const struct ipaddr *unicast_addr(const struct lisp_locator *l)
{
	for (unsigned i = 0; i < l->addr.n && i < LISP_ADDR_LIST_MAX; i++)
		if (l->addr.addr[i].afi == LISP_AFI_IPV4 || l->addr.addr[i].afi == LISP_AFI_IPV6)
			return &l->addr.addr[i];
	return NULL;
}

/* Lower priority first, then higher weight (RFC 9301 §5.4). */
static bool better(const struct bgp_map_locator *a, const struct bgp_map_locator *b)
{
	return a->priority < b->priority || (a->priority == b->priority && a->weight > b->weight);
}

unsigned ms_push_mapping(const struct lisp_record *rec, uint16_t version,
			 struct bgp_host_mapping *out)
{
	struct bgp_map_locator cand[LISP_MAX_LOCATORS];
	unsigned n = 0;

	memset(out, 0, sizeof(*out));
	out->eid = rec->eid;
	out->version = (uint16_t)(version & BGP_MAP_VERSION_MAX);
	out->ttl = rec->ttl;
	for (unsigned i = 0; i < rec->nloc && i < LISP_MAX_LOCATORS; i++) {
		const struct lisp_locator *l = &rec->loc[i];
		const struct ipaddr *a = unicast_addr(l);
		bool dup = false;

		if (l->priority == 255 || a == NULL)
			continue;
		for (unsigned k = 0; k < n; k++)
			dup |= ipaddr_eq(&cand[k].rloc, a);
		if (dup)
			continue;
		/* insertion sort, best first */
		struct bgp_map_locator c = {
		    .rloc = *a, .priority = l->priority, .weight = l->weight};
		unsigned k = n++;
		while (k > 0 && better(&c, &cand[k - 1])) {
			cand[k] = cand[k - 1];
			k--;
		}
		cand[k] = c;
	}
	out->n_loc = (uint8_t)(n < BGP_MAP_LOC_MAX ? n : BGP_MAP_LOC_MAX);
	memcpy(out->loc, cand, out->n_loc * sizeof(out->loc[0]));
	return out->n_loc;
}

/* Same BGP form apart from the version (locators in canonical order already). */
static bool same_form(const struct bgp_host_mapping *a, const struct bgp_host_mapping *b)
{
	if (!prefix_eq(&a->eid, &b->eid) || a->eid.iid != b->eid.iid || a->ttl != b->ttl ||
	    a->n_loc != b->n_loc)
		return false;
	for (unsigned i = 0; i < a->n_loc; i++)
		if (!ipaddr_eq(&a->loc[i].rloc, &b->loc[i].rloc) ||
		    a->loc[i].priority != b->loc[i].priority ||
		    a->loc[i].weight != b->loc[i].weight)
			return false;
	return true;
}

static void do_withdraw(struct ms_push *p, const struct lisp_prefix *eid)
{
	char s[PREFIX_STRLEN];

	p->st.withdrawn++;
	if (p->ops->withdraw(p->speaker, eid) < 0)
		log_debug_topic(LOG_TOPIC_BGP, "bgp: %s was not announced",
				prefix_str(eid, s, sizeof(s)));
	else
		log_debug_topic(LOG_TOPIC_BGP, "bgp: withdraw %s", prefix_str(eid, s, sizeof(s)));
}

static void do_announce(struct ms_push *p, const struct bgp_host_mapping *m, bool was_announced)
{
	char s[PREFIX_STRLEN];

	if (p->ops->announce(p->speaker, m) < 0) {
		/* Refused (two RLOCs with one path ID): never leave the old mapping out there. */
		p->st.refused++;
		log_warnx("bgp: mapping of %s refused by the speaker%s",
			  prefix_str(&m->eid, s, sizeof(s)),
			  was_announced ? "; the previous one is withdrawn" : "");
		if (was_announced)
			do_withdraw(p, &m->eid);
		return;
	}
	p->st.announced++;
	log_debug_topic(LOG_TOPIC_BGP, "bgp: announce %s version %u, %u RLOC(s)",
			prefix_str(&m->eid, s, sizeof(s)), m->version, m->n_loc);
}

static void on_change(const struct ms_change *c, void *arg)
{
	struct ms_push *p = arg;
	struct bgp_host_mapping nm, om;
	unsigned nn = 0, on = 0;

	if (p->speaker == NULL)
		return;
	if (c->new_rec != NULL && c->reg != NULL)
		nn = ms_push_mapping(c->new_rec, c->reg->version, &nm);
	if (c->old_rec != NULL)
		on = ms_push_mapping(c->old_rec, 0, &om);
	if (nn > 0) {
		nm.version = (uint16_t)(c->reg->version & BGP_MAP_VERSION_MAX);
		nm.reg_ms = c->reg->changed_unix_ms; /* the order between Map-Servers */
		if (on > 0 && c->why != MS_CHG_LOAD && same_form(&om, &nm)) {
			p->st.suppressed++;
			return;
		}
		do_announce(p, &nm, on > 0);
	} else if (on > 0) {
		do_withdraw(p, c->eid);
	} else {
		p->st.suppressed++; /* nothing usable before or after */
	}
}

/* ------------------------------------------------------------------ object */
struct ms_push *ms_push_new(struct ms *ms, const struct ms_push_ops *ops, void *speaker)
{
	struct ms_push *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->ms = ms;
	p->ops = ops;
	p->speaker = speaker;
	if (ms_on_change(ms, on_change, p) < 0) {
		free(p);
		return NULL;
	}
	ms->bgp = p;
	return p;
}

void ms_push_free(struct ms_push *p)
{
	if (p == NULL)
		return;
	ms_push_bgp_stop(p);
	/* the hook stays registered: make it inert (ms_free may still fire nothing, but be
	 * safe) by detaching from the Map-Server */
	if (p->ms->bgp == p)
		p->ms->bgp = NULL;
	for (size_t i = 0; i < p->ms->nhooks; i++)
		if (p->ms->hooks[i].arg == p) {
			memmove(&p->ms->hooks[i], &p->ms->hooks[i + 1],
				(p->ms->nhooks - i - 1) * sizeof(p->ms->hooks[0]));
			p->ms->nhooks--;
			break;
		}
	free(p);
}

static int resync_one(const struct ms_reg *r, void *arg)
{
	struct ms_push *p = arg;
	struct bgp_host_mapping m;

	struct lisp_record rec;
	if (ms_push_mapping(ms_reg_record(r, &rec), r->version, &m) > 0) {
		m.reg_ms = r->changed_unix_ms;
		do_announce(p, &m, false);
	}
	return 0;
}

void ms_push_set_speaker(struct ms_push *p, void *speaker)
{
	p->speaker = speaker;
	if (speaker == NULL)
		return;
	p->st.resyncs++;
	ms_walk(p->ms, resync_one, p);
}

void *ms_push_speaker(const struct ms_push *p)
{
	return p->speaker;
}

const struct ms_push_stats *ms_push_get_stats(const struct ms_push *p)
{
	return &p->st;
}

/* ------------------------------------------------------------------ the speaker's life */
static struct bgp *speaker_new(struct ms_push *p, const struct bgp_cfg *c, bool restarting)
{
	struct bgp_cfg *copy = bgp_config_dup(c);
	struct bgp *b;

	if (copy == NULL)
		return NULL;
	copy->restarting |= restarting;
	/* RFC 4724 §3 F bit: the Map-Server's "forwarding state" is its registration table,
	 * which a restart with the stored set has preserved, so the peers (D-ETRs) keep the
	 * stale mappings until our End-of-RIB instead of dropping them on reconnection. */
	copy->gr_forwarding |= restarting;
	b = bgp_new(p->base, copy, NULL, NULL);
	if (b == NULL) {
		bgp_config_free(copy);
		return NULL;
	}
	ms_push_set_speaker(p, b); /* every registration into its table */
	if (bgp_start(b) < 0) {
		ms_push_set_speaker(p, NULL);
		bgp_free(b);
		return NULL;
	}
	return b;
}

int ms_push_bgp_start(struct ms_push *p, struct event_base *base, const struct bgp_cfg *c,
		      bool restarting)
{
	p->base = base;
	p->forwarding = restarting;
	if (c == NULL)
		return 0;
	if ((p->cfg = bgp_config_dup(c)) == NULL ||
	    (p->bgp = speaker_new(p, c, restarting)) == NULL)
		return -1;
	return 0;
}

int ms_push_bgp_reload(struct ms_push *p, const struct bgp_cfg *next)
{
	char why[256];
	enum bgp_reload k = bgp_reload_check(p->cfg, next, why, sizeof(why));
	struct bgp_cfg *copy = NULL, *scopy = NULL;
	struct bgp *nb = NULL;

	if (k == BGP_RELOAD_SAME)
		return 0;
	if (k != BGP_RELOAD_REFUSED && next != NULL &&
	    ((copy = bgp_config_dup(next)) == NULL ||
	     (k == BGP_RELOAD_APPLY && (scopy = bgp_config_dup(next)) == NULL))) {
		k = BGP_RELOAD_REFUSED;
		snprintf(why, sizeof(why), "out of memory");
	}
	if (k == BGP_RELOAD_START && (nb = speaker_new(p, next, false)) == NULL) {
		k = BGP_RELOAD_REFUSED;
		snprintf(why, sizeof(why), "added, but its speaker does not start");
	}
	if (k == BGP_RELOAD_APPLY) {
		scopy->gr_forwarding |= p->forwarding; /* the F bit decided at start stays */
		if (bgp_reconfigure(p->bgp, scopy) < 0) {
			k = BGP_RELOAD_REFUSED;
			snprintf(why, sizeof(why), "the speaker refused it");
			bgp_config_free(scopy);
		}
	}
	bgp_reload_log(k, why);
	if (k == BGP_RELOAD_REFUSED) {
		bgp_config_free(copy);
		return -1;
	}
	if (k == BGP_RELOAD_START)
		p->bgp = nb;
	if (k == BGP_RELOAD_STOP) {
		ms_push_set_speaker(p, NULL);
		bgp_free_deconfigured(p->bgp); /* the peers must not keep our routes */
		p->bgp = NULL;
	}
	bgp_config_free(p->cfg);
	p->cfg = copy;
	return 0;
}

void ms_push_bgp_stop(struct ms_push *p)
{
	if (p == NULL)
		return;
	if (p->bgp != NULL && p->speaker == p->bgp)
		ms_push_set_speaker(p, NULL);
	bgp_free(p->bgp); /* graceful: Cease to every peer */
	p->bgp = NULL;
	bgp_config_free(p->cfg);
	p->cfg = NULL;
}

struct bgp *ms_push_bgp(const struct ms_push *p)
{
	return p->bgp;
}
