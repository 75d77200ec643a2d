/* SPDX-License-Identifier: ISC */
/*
 * mr/core.c - the Map-Resolver core (RFC 9301 §8.1, §8.3): classify a received datagram,
 * rate-limit it, parse the ECM (§5.8) and its Map-Request (§5.2), then either forward the
 * ECM unchanged to a Map-Server of the longest-matching EID prefix, with per-server
 * failover, or answer a negative Map-Reply (§5.4, ACT Natively-Forward, TTL 15 min) for
 * non-LISP space. The mechanism and the server state machine are described in mr/mr.h.
 * No sockets here: packets leave through the send callback given to mr_new().
 */
#include "config.h"

#include <stdlib.h>
#include <sys/types.h>
#include <string.h>

#include "common/log.h"
#include "common/lpm.h"
#include "common/ratelimit.h"
#include "mr/mr.h"
#include "proto/lisp_msg.h"

/* A remembered forward, keyed by (ITR source address and port, EID instance ID and address). */
struct mr_pend {
	bool used;
	uint8_t pos; /* position of the server in the entry's list */
	unsigned entry;
	uint16_t sport;
	uint32_t iid;
	struct ipaddr itr;
	struct ipaddr eid;
	uint64_t nonce; /* of the last copy, for debugging */
	uint64_t t;
};

struct mr {
	struct mr_cfg cfg; /* scalars only; prefix is NULL */
	mr_send_fn send;
	void *send_arg;
	struct lpm *lpm; /* prefix -> struct mr_entry * */
	struct mr_entry *entries;
	size_t nentries;
	struct mr_server *servers;
	size_t nservers;
	struct tb_table *rl_src;
	struct tb rl_global;
	struct tb_table *rl_dst; /* negative replies per ITR-RLOC */
	struct mr_pend pend[MR_PENDING];
	size_t npend;
	struct mr_stats st;
};

static const char *const drop_names[MR_DROP__COUNT] = {
    [MR_DROP_EMPTY] = "empty",
    [MR_DROP_UNKNOWN_TYPE] = "unknownType",
    [MR_DROP_UNEXPECTED_TYPE] = "unexpectedType",
    [MR_DROP_PLAIN_REQUEST] = "plainMapRequest",
    [MR_DROP_INNER_NOT_REQUEST] = "ecmNotMapRequest",
    [MR_DROP_ECM_INVALID] = "ecmInvalid",
    [MR_DROP_REQUEST_INVALID] = "mapRequestInvalid",
    [MR_DROP_NO_ITR_RLOC] = "noUsableItrRloc",
    [MR_DROP_RATE_SOURCE] = "rateLimitSource",
    [MR_DROP_RATE_GLOBAL] = "rateLimitGlobal",
    [MR_DROP_RATE_DESTINATION] = "rateLimitDestination",
    [MR_DROP_SEND_ERROR] = "sendError",
};

const char *mr_drop_name(enum mr_drop d)
{
	if ((unsigned)d >= MR_DROP__COUNT)
		return "unknown";
	return drop_names[d];
}

const char *mr_srv_state_name(enum mr_srv_state s)
{
	switch (s) {
	case MR_SRV_UP:
		return "up";
	case MR_SRV_DOWN:
		return "down";
	case MR_SRV_PROBING:
		return "probing";
	}
	return "unknown";
}

/* ---------------------------------------------------------------- table */

static int entry_cmp(const void *a, const void *b)
{
	return prefix_cmp(&((const struct mr_entry *)a)->eid, &((const struct mr_entry *)b)->eid);
}

static ssize_t server_find(const struct mr_server *s, size_t n, const struct mr_endpoint *ep)
{
	for (size_t i = 0; i < n; i++)
		if (s[i].ep.port == ep->port && ipaddr_eq(&s[i].ep.addr, &ep->addr))
			return (ssize_t)i;
	return -1;
}

/* Build the table of cfg into fresh arrays; old servers (may be NULL) lend their health. */
static int build_table(const struct mr_cfg *cfg, const struct mr_server *old, size_t nold,
		       struct lpm **lpmp, struct mr_entry **entp, size_t *nentp,
		       struct mr_server **srvp, size_t *nsrvp)
{
	struct lpm *l = lpm_new();
	struct mr_entry *ent = calloc(cfg->nprefix ? cfg->nprefix : 1, sizeof(*ent));
	size_t maxsrv = (size_t)cfg->nprefix * MR_MAX_SERVERS;
	struct mr_server *srv = calloc(maxsrv ? maxsrv : 1, sizeof(*srv));
	size_t nsrv = 0;

	if (l == NULL || ent == NULL || srv == NULL)
		goto fail;
	for (unsigned i = 0; i < cfg->nprefix; i++) {
		const struct mr_prefix_cfg *pc = &cfg->prefix[i];
		ent[i].eid = pc->eid;
		ent[i].nservers = pc->nservers;
		for (unsigned j = 0; j < pc->nservers && j < MR_MAX_SERVERS; j++) {
			ssize_t k = server_find(srv, nsrv, &pc->srv[j]);
			if (k < 0) {
				ssize_t o = old ? server_find(old, nold, &pc->srv[j]) : -1;
				if (o >= 0)
					srv[nsrv] = old[o];
				else
					srv[nsrv].ep = pc->srv[j];
				k = (ssize_t)nsrv++;
			}
			ent[i].srv[j] = (unsigned)k;
		}
	}
	qsort(ent, cfg->nprefix, sizeof(*ent), entry_cmp);
	for (unsigned i = 0; i < cfg->nprefix; i++) {
		if (i > 0 && prefix_eq(&ent[i - 1].eid, &ent[i].eid)) {
			char p[PREFIX_STRLEN];
			log_warnx("EID prefix %s configured twice",
				  prefix_str(&ent[i].eid, p, sizeof(p)));
			goto fail;
		}
		if (lpm_insert(l, &ent[i].eid, &ent[i], NULL) == -1) {
			log_warn("lpm_insert");
			goto fail;
		}
	}
	*lpmp = l;
	*entp = ent;
	*nentp = cfg->nprefix;
	*srvp = srv;
	*nsrvp = nsrv;
	return 0;
fail:
	lpm_free(l, NULL);
	free(ent);
	free(srv);
	return -1;
}

static void apply_limits(struct mr *mr, const struct mr_cfg *cfg, uint64_t now)
{
	struct mr_prefix_cfg *keep = mr->cfg.prefix;

	mr->cfg = *cfg;
	mr->cfg.prefix = keep;
	mr->cfg.nprefix = 0;
	tb_init(&mr->rl_global, cfg->rl_global_rate, cfg->rl_global_burst, now);
}

struct mr *mr_new(const struct mr_cfg *cfg, mr_send_fn send, void *send_arg, uint64_t now)
{
	struct mr *mr = calloc(1, sizeof(*mr));

	if (mr == NULL)
		return NULL;
	mr->send = send;
	mr->send_arg = send_arg;
	apply_limits(mr, cfg, now);
	mr->rl_src = tb_table_new(cfg->rl_max_sources ? cfg->rl_max_sources : 1, cfg->rl_src_rate,
				  cfg->rl_src_burst);
	mr->rl_dst = tb_table_new(cfg->rl_max_dsts ? cfg->rl_max_dsts : 1, cfg->rl_dst_rate,
				  cfg->rl_dst_burst);
	if (mr->rl_src == NULL || mr->rl_dst == NULL ||
	    build_table(cfg, NULL, 0, &mr->lpm, &mr->entries, &mr->nentries, &mr->servers,
			&mr->nservers) == -1) {
		tb_table_free(mr->rl_src);
		tb_table_free(mr->rl_dst);
		free(mr);
		return NULL;
	}
	return mr;
}

void mr_free(struct mr *mr)
{
	if (mr == NULL)
		return;
	lpm_free(mr->lpm, NULL);
	free(mr->entries);
	free(mr->servers);
	tb_table_free(mr->rl_src);
	tb_table_free(mr->rl_dst);
	free(mr);
}

int mr_reconfigure(struct mr *mr, const struct mr_cfg *cfg, uint64_t now)
{
	struct lpm *l;
	struct mr_entry *ent;
	struct mr_server *srv;
	size_t nent, nsrv;
	struct tb_table *rl = NULL, *rld = NULL;

	if (build_table(cfg, mr->servers, mr->nservers, &l, &ent, &nent, &srv, &nsrv) == -1)
		return -1;
	/* changed limits: new buckets (all full); unchanged ones keep theirs */
	bool need_rl = cfg->rl_src_rate != mr->cfg.rl_src_rate ||
		       cfg->rl_src_burst != mr->cfg.rl_src_burst ||
		       cfg->rl_max_sources != mr->cfg.rl_max_sources;
	bool need_rld = cfg->rl_dst_rate != mr->cfg.rl_dst_rate ||
			cfg->rl_dst_burst != mr->cfg.rl_dst_burst ||
			cfg->rl_max_dsts != mr->cfg.rl_max_dsts;
	if (need_rl)
		rl = tb_table_new(cfg->rl_max_sources ? cfg->rl_max_sources : 1, cfg->rl_src_rate,
				  cfg->rl_src_burst);
	if (need_rld)
		rld = tb_table_new(cfg->rl_max_dsts ? cfg->rl_max_dsts : 1, cfg->rl_dst_rate,
				   cfg->rl_dst_burst);
	if ((need_rl && rl == NULL) || (need_rld && rld == NULL)) {
		tb_table_free(rl);
		tb_table_free(rld);
		lpm_free(l, NULL);
		free(ent);
		free(srv);
		return -1;
	}
	/* Entry indices change: remembered forwards are forgotten (neither failure nor answer). */
	memset(mr->pend, 0, sizeof(mr->pend));
	mr->npend = 0;
	lpm_free(mr->lpm, NULL);
	free(mr->entries);
	free(mr->servers);
	mr->lpm = l;
	mr->entries = ent;
	mr->nentries = nent;
	mr->servers = srv;
	mr->nservers = nsrv;
	if (rl) {
		tb_table_free(mr->rl_src);
		mr->rl_src = rl;
	}
	if (rld) {
		tb_table_free(mr->rl_dst);
		mr->rl_dst = rld;
	}
	apply_limits(mr, cfg, now);
	return 0;
}

const struct mr_stats *mr_get_stats(const struct mr *mr)
{
	return &mr->st;
}
void mr_reply_limit_stats(const struct mr *mr, size_t *tracked, uint64_t *evictions)
{
	*tracked = tb_table_count(mr->rl_dst);
	*evictions = tb_table_evictions(mr->rl_dst);
}
size_t mr_nservers(const struct mr *mr)
{
	return mr->nservers;
}
const struct mr_server *mr_server_at(const struct mr *mr, size_t i)
{
	return i < mr->nservers ? &mr->servers[i] : NULL;
}
size_t mr_nentries(const struct mr *mr)
{
	return mr->nentries;
}
const struct mr_entry *mr_entry_at(const struct mr *mr, size_t i)
{
	return i < mr->nentries ? &mr->entries[i] : NULL;
}
size_t mr_pending_count(const struct mr *mr)
{
	return mr->npend;
}

const struct mr_entry *mr_lookup(const struct mr *mr, uint32_t iid, const struct ipaddr *a)
{
	return lpm_lookup(mr->lpm, iid, a, NULL);
}

int mr_negative_prefix(const struct mr *mr, uint32_t iid, const struct ipaddr *a,
		       struct lisp_prefix *out)
{
	return lpm_negative_prefix(mr->lpm, iid, a, out);
}

/* ---------------------------------------------------------------- server health */

static void srv_set_state(struct mr_server *s, enum mr_srv_state st, uint64_t now)
{
	char a[IPADDR_STRLEN];

	if (s->state == st)
		return;
	log_info("map-server %s port %u: %s -> %s", ipaddr_str(&s->ep.addr, a, sizeof(a)),
		 s->ep.port, mr_srv_state_name(s->state), mr_srv_state_name(st));
	s->state = st;
	s->state_changes++;
	if (st == MR_SRV_DOWN)
		s->down_since = now;
	if (st == MR_SRV_UP)
		s->fails = 0;
}

static void srv_failure(struct mr *mr, struct mr_server *s, uint64_t now)
{
	s->failures++;
	s->fails++;
	if (s->state == MR_SRV_PROBING || (s->state == MR_SRV_UP && s->fails >= mr->cfg.down_after))
		srv_set_state(s, MR_SRV_DOWN, now);
	else if (s->state == MR_SRV_DOWN)
		s->down_since = now; /* still failing: wait a full retry time again */
}

static void srv_answered(struct mr_server *s, uint64_t now)
{
	s->answered++;
	s->fails = 0;
	if (s->state != MR_SRV_UP)
		srv_set_state(s, MR_SRV_UP, now);
}

/* May s take a request now? A down server whose retry time has come becomes probing. */
static bool srv_eligible(struct mr *mr, struct mr_server *s, uint64_t now)
{
	if (s->state != MR_SRV_DOWN)
		return true;
	if (now - s->down_since >= (uint64_t)mr->cfg.retry_after * NSEC_PER_SEC) {
		srv_set_state(s, MR_SRV_PROBING, now);
		return true;
	}
	return false;
}

/* Position in e's list of the server to use, starting the search at `from` (wrapping). */
static unsigned choose_server(struct mr *mr, const struct mr_entry *e, unsigned from, uint64_t now)
{
	for (unsigned k = 0; k < e->nservers; k++) {
		unsigned pos = (from + k) % e->nservers;
		if (srv_eligible(mr, &mr->servers[e->srv[pos]], now))
			return pos;
	}
	mr->st.all_down++;
	return from % e->nservers;
}

/* ---------------------------------------------------------------- remembered forwards */

static size_t pend_hash(const struct ipaddr *itr, uint16_t sport, uint32_t iid,
			const struct ipaddr *eid)
{
	uint64_t h = (((uint64_t)sport << 32) + iid + 1) * 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < sizeof(itr->a); i++)
		h = (h ^ itr->a[i] ^ ((uint64_t)eid->a[i] << 8)) * 0x100000001b3ull;
	return (size_t)(h >> 20) & (MR_PENDING - 1);
}

static bool pend_match(const struct mr_pend *p, const struct ipaddr *itr, uint16_t sport,
		       uint32_t iid, const struct ipaddr *eid)
{
	return p->used && p->sport == sport && p->iid == iid && ipaddr_eq(&p->itr, itr) &&
	       ipaddr_eq(&p->eid, eid);
}

#define PEND_PROBE 8

static struct mr_pend *pend_find(struct mr *mr, const struct ipaddr *itr, uint16_t sport,
				 uint32_t iid, const struct ipaddr *eid)
{
	size_t h = pend_hash(itr, sport, iid, eid);
	for (size_t k = 0; k < PEND_PROBE; k++) {
		struct mr_pend *p = &mr->pend[(h + k) & (MR_PENDING - 1)];
		if (pend_match(p, itr, sport, iid, eid))
			return p;
	}
	return NULL;
}

/* A forward not retransmitted within the window was answered. */
static void pend_expire(struct mr *mr, struct mr_pend *p)
{
	if (p->entry < mr->nentries && p->pos < mr->entries[p->entry].nservers) {
		struct mr_server *s = &mr->servers[mr->entries[p->entry].srv[p->pos]];
		/* Evidence older than the server's last failure does not bring it back. */
		if (s->state == MR_SRV_UP || p->t >= s->down_since)
			srv_answered(s, p->t);
	}
	p->used = false;
	mr->npend--;
}

static struct mr_pend *pend_add(struct mr *mr, const struct ipaddr *itr, uint16_t sport,
				uint32_t iid, const struct ipaddr *eid)
{
	size_t h = pend_hash(itr, sport, iid, eid);
	struct mr_pend *oldest = NULL;

	for (size_t k = 0; k < PEND_PROBE; k++) {
		struct mr_pend *p = &mr->pend[(h + k) & (MR_PENDING - 1)];
		if (!p->used) {
			oldest = p;
			break;
		}
		if (oldest == NULL || p->t < oldest->t)
			oldest = p;
	}
	if (oldest->used) {
		mr->st.pending_evicted++;
		oldest->used = false;
		mr->npend--;
	}
	memset(oldest, 0, sizeof(*oldest));
	oldest->used = true;
	oldest->iid = iid;
	oldest->sport = sport;
	oldest->itr = *itr;
	oldest->eid = *eid;
	mr->npend++;
	return oldest;
}

void mr_tick(struct mr *mr, uint64_t now)
{
	uint64_t win = (uint64_t)mr->cfg.retransmit_window * NSEC_PER_SEC;

	if (mr->npend == 0)
		return;
	for (size_t i = 0; i < MR_PENDING; i++)
		if (mr->pend[i].used && now - mr->pend[i].t > win)
			pend_expire(mr, &mr->pend[i]);
}

/* ---------------------------------------------------------------- input */

static void drop(struct mr *mr, enum mr_drop why, const struct mr_in *in, const char *detail)
{
	char a[IPADDR_STRLEN];

	mr->st.drops[why]++;
	if (why == MR_DROP_RATE_SOURCE || why == MR_DROP_RATE_GLOBAL)
		return; /* a flood: counted, not logged per packet */
	log_input_key(ipaddr_str(&in->src, a, sizeof(a)), "dropped (%s)%s%s", mr_drop_name(why),
		      detail ? ": " : "", detail ? detail : "");
}

static int do_send(struct mr *mr, const struct mr_in *in, const struct ipaddr *dst, uint16_t port,
		   const struct ipaddr *src, const void *data, size_t len)
{
	if (mr->send(mr->send_arg, dst, port, src, data, len) == -1) {
		char a[IPADDR_STRLEN];
		mr->st.drops[MR_DROP_SEND_ERROR]++;
		log_input_key(ipaddr_str(dst, a, sizeof(a)), "cannot send to port %u", port);
		(void)in;
		return -1;
	}
	return 0;
}

static void forward(struct mr *mr, const struct mr_in *in, const struct lisp_map_request *req,
		    uint32_t iid, const struct ipaddr *eid, struct mr_entry *e, uint64_t now)
{
	uint64_t win = (uint64_t)mr->cfg.retransmit_window * NSEC_PER_SEC;
	unsigned entry = (unsigned)(e - mr->entries);
	struct mr_pend *p = pend_find(mr, &in->src, in->sport, iid, eid);
	unsigned pos;

	if (p && p->entry == entry && now - p->t <= win) {
		/* The ITR asked again (same nonce, or a new one for the same EID): the server
		 * the previous copy went to did not answer. */
		mr->st.retransmits++;
		if (p->pos < e->nservers)
			srv_failure(mr, &mr->servers[e->srv[p->pos]], now);
		pos = choose_server(mr, e, p->pos + 1u, now);
	} else {
		if (p)
			pend_expire(mr, p);
		pos = choose_server(mr, e, 0, now);
		p = pend_add(mr, &in->src, in->sport, iid, eid);
	}
	p->nonce = req->nonce;
	p->entry = entry;
	p->pos = (uint8_t)pos;
	p->t = now;

	struct mr_server *s = &mr->servers[e->srv[pos]];
	if (pos != 0)
		mr->st.failovers++;
	if (do_send(mr, in, &s->ep.addr, s->ep.port, NULL, in->data, in->len) == -1)
		return;
	s->forwards++;
	e->forwards++;
	mr->st.forwarded++;
	if (log_topic_on(LOG_TOPIC_CONTROL)) {
		char a[IPADDR_STRLEN], b[IPADDR_STRLEN], pf[PREFIX_STRLEN];
		log_debug_topic(
		    LOG_TOPIC_CONTROL,
		    "map-request nonce 0x%016llx from %s for %s forwarded to %s port %u",
		    (unsigned long long)req->nonce, ipaddr_str(&in->src, a, sizeof(a)),
		    prefix_str(&e->eid, pf, sizeof(pf)), ipaddr_str(&s->ep.addr, b, sizeof(b)),
		    s->ep.port);
	}
}

/* RFC 9301 §5.4 / §8.3: reply to the first ITR-RLOC of the AFI the request came in, else the
 * first one we can reach at all. */
static const struct ipaddr *pick_itr_rloc(const struct lisp_map_request *req,
					  const struct mr_in *in)
{
	const struct ipaddr *any = NULL;

	for (unsigned i = 0; i < req->n_itr_rlocs; i++) {
		const struct lisp_addr *la = &req->itr_rlocs[i];
		for (unsigned j = 0; j < la->n; j++) {
			const struct ipaddr *ip = &la->addr[j];
			if (ip->afi != LISP_AFI_IPV4 && ip->afi != LISP_AFI_IPV6)
				continue;
			if (ip->afi == in->src.afi)
				return ip;
			if (any == NULL)
				any = ip;
		}
	}
	return any;
}

static void negative(struct mr *mr, const struct mr_in *in, const struct lisp_map_request *req,
		     const struct lisp_prefix *neg, uint16_t port, uint64_t now)
{
	static struct lisp_map_reply rep; /* large; the daemon is single-threaded */
	uint8_t out[512];
	struct buf w;
	struct proto_err err;
	const struct ipaddr *to = pick_itr_rloc(req, in);

	if (to == NULL) {
		drop(mr, MR_DROP_NO_ITR_RLOC, in, NULL);
		return;
	}
	/* no reflection: at most the bucket's worth of negative replies to one ITR-RLOC */
	uint8_t key[TB_KEY_MAX];
	size_t klen = tb_key_ipaddr(to, key);
	if (mr->cfg.rl_dst_rate && klen && !tb_table_take(mr->rl_dst, key, klen, now)) {
		char a[IPADDR_STRLEN], b[IPADDR_STRLEN];
		mr->st.drops[MR_DROP_RATE_DESTINATION]++;
		/* logged under the destination: the sources of such a flood are usually forged */
		log_input_key(ipaddr_str(to, a, sizeof(a)),
			      "negative Map-Reply to this ITR-RLOC refused (request from %s): "
			      "over %u/s, burst %u per destination (%s)",
			      ipaddr_str(&in->src, b, sizeof(b)), mr->cfg.rl_dst_rate,
			      mr->cfg.rl_dst_burst, mr_drop_name(MR_DROP_RATE_DESTINATION));
		return;
	}
	memset(&rep, 0, sizeof(rep));
	rep.nonce = req->nonce;
	rep.nrec = 1;
	rep.rec[0].ttl = LISP_TTL_NEG_NONLISP;
	rep.rec[0].action = LISP_ACT_NATIVE_FWD;
	lisp_record_set_eid(&rep.rec[0], neg);
	buf_init_write(&w, out, sizeof(out));
	if (lisp_map_reply_build(&w, &rep, &err) == -1) {
		log_warnx("negative map-reply: %s", err.reason);
		return;
	}
	/* Leave from the address the request came to when it is of the ITR-RLOC's family. */
	const struct ipaddr *src = in->dst.afi == to->afi ? &in->dst : NULL;
	if (do_send(mr, in, to, port, src, out, buf_len(&w)) == -1)
		return;
	mr->st.negative++;
	if (log_topic_on(LOG_TOPIC_CONTROL)) {
		char a[IPADDR_STRLEN], pf[PREFIX_STRLEN];
		log_debug_topic(LOG_TOPIC_CONTROL,
				"map-request nonce 0x%016llx: non-LISP space, negative reply %s "
				"to %s port %u",
				(unsigned long long)req->nonce, prefix_str(neg, pf, sizeof(pf)),
				ipaddr_str(to, a, sizeof(a)), port);
	}
}

static void ecm_input(struct mr *mr, const struct mr_in *in, uint64_t now)
{
	static struct lisp_map_request req; /* large; the daemon is single-threaded */
	struct lisp_ecm ecm;
	struct proto_err err = {0};
	struct buf b;

	buf_init_read(&b, in->data, in->len);
	if (lisp_ecm_parse(&b, &ecm, &err) == -1) {
		mr->st.ecm_err[err.code < PERR__COUNT ? err.code : 0]++;
		drop(mr, MR_DROP_ECM_INVALID, in, err.reason);
		return;
	}
	int t = lisp_msg_type(&ecm.payload);
	if (t != LISP_T_MAP_REQUEST) {
		drop(mr, MR_DROP_INNER_NOT_REQUEST, in,
		     t < 0 ? "empty" : lisp_type_name((unsigned)t));
		return;
	}
	if (lisp_map_request_parse(&ecm.payload, &req, &err) == -1) {
		mr->st.req_err[err.code < PERR__COUNT ? err.code : 0]++;
		drop(mr, MR_DROP_REQUEST_INVALID, in, err.reason);
		return;
	}
	mr->st.ecm_requests++;
	/* RFC 9301 §5.2: one EID record is what a sender sends; we resolve the first. */
	const struct lisp_prefix *eid = &req.rec[0].eid;
	struct ipaddr a = {.afi = eid->afi};
	memcpy(a.a, eid->a, sizeof(a.a));
	struct mr_entry *e = lpm_lookup(mr->lpm, eid->iid, &a, NULL);
	if (e) {
		e->lookups++;
		forward(mr, in, &req, eid->iid, &a, e, now);
		return;
	}
	struct lisp_prefix neg;
	if (lpm_negative_prefix(mr->lpm, eid->iid, &a, &neg) == -1) {
		drop(mr, MR_DROP_REQUEST_INVALID, in, "EID family not supported");
		return;
	}
	negative(mr, in, &req, &neg, ecm.inner_sport, now);
}

void mr_input(struct mr *mr, const struct mr_in *in, uint64_t now)
{
	uint8_t key[TB_KEY_MAX];
	size_t klen = afi_addr_len(in->src.afi);

	mr->st.rx++;
	/* Rate limits first: a flood costs a hash lookup, not a parse (RFC 9301 §5.3). */
	memset(key, 0, sizeof(key));
	key[0] = (uint8_t)in->src.afi;
	memcpy(key + 1, in->src.a, klen);
	if (mr->cfg.rl_src_rate && !tb_table_take(mr->rl_src, key, 1 + klen, now)) {
		drop(mr, MR_DROP_RATE_SOURCE, in, NULL);
		return;
	}
	if (mr->cfg.rl_global_rate && !tb_take(&mr->rl_global, now)) {
		drop(mr, MR_DROP_RATE_GLOBAL, in, NULL);
		return;
	}
	struct buf b;
	buf_init_read(&b, in->data, in->len);
	int type = lisp_msg_type(&b);
	if (type < 0) {
		drop(mr, MR_DROP_EMPTY, in, NULL);
		return;
	}
	switch (type) {
	case LISP_T_ECM:
		ecm_input(mr, in, now);
		break;
	case LISP_T_MAP_REQUEST:
		drop(mr, MR_DROP_PLAIN_REQUEST, in, "Map-Request not in an ECM");
		break;
	case LISP_T_MAP_REPLY:
	case LISP_T_MAP_REGISTER:
	case LISP_T_MAP_NOTIFY:
	case LISP_T_MAP_NOTIFY_ACK:
	case LISP_T_MAP_REFERRAL:
	case LISP_T_INFO:
		drop(mr, MR_DROP_UNEXPECTED_TYPE, in, lisp_type_name(type));
		break;
	default:
		drop(mr, MR_DROP_UNKNOWN_TYPE, in, NULL);
		break;
	}
}
