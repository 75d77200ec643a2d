/* SPDX-License-Identifier: ISC */
/*
 * ms/request.c - Map-Requests at the Map-Server (RFC 9301 §5.2, §5.8, §8.3; RFC 9437 §5).
 *
 * A Map-Request arrives plain or inside an ECM (type 8, from a Map-Resolver or an ITR).
 * The reply goes to the first ITR-RLOC with an IPv4/IPv6 address, at the inner UDP source
 * port of an ECM (the outer source port for a plain request). For each EID record, the
 * registration table is searched (longest match, common/lpm):
 *   - registered, proxy (P bit in the Map-Register or site proxy-reply): Map-Reply from the
 *     Map-Server with the registered record, A=0 (the MS is not the authoritative ETR);
 *   - registered, no proxy: the request is forwarded in an ECM with E=1 (to-ETR) to the
 *     ETR that registered it, at 4342; a request that came plain is wrapped with the
 *     requester's address as inner source;
 *   - inside a configured site prefix but not registered: negative Map-Reply, TTL 1 minute,
 *     action Send-Map-Request. Decision: the space IS LISP (a VM may be registered any
 *     moment, e.g. mid-migration), so the ITR must not forward natively (that would send
 *     the traffic into the underlay unencapsulated) and must ask again soon; the prefix is
 *     the largest hole around the EID inside the site prefix (lpm_negative_prefix);
 *   - outside every site prefix: negative Map-Reply, TTL 15 minutes, Natively-Forward,
 *     for the largest prefix around the EID that overlaps no site prefix
 *     (<negative-reply non-lisp="drop"/> drops instead, counted as non-lisp-eid).
 * A record with N=1 in a request with I=1 also subscribes (notify.c, RFC 9437).
 *
 * No reflection: the ITR-RLOC is written inside the request, which nothing authenticates,
 * so whoever sends one (plain, or in an ECM straight to the Map-Server) chooses where the
 * answer goes. Every answer a request causes towards an ITR-RLOC (proxy or negative
 * Map-Reply, the request forwarded to the ETR, which answers that ITR-RLOC, a subscription
 * with its Map-Notify) first takes a token from that address's bucket (<rate-limit
 * per-destination>, a bounded table of token buckets, common/ratelimit.h); without one the
 * answer is refused, counted by kind (show statistics: drops reply-rate-limit and
 * replyRateLimit) and logged, rate-limited per destination. So a flood of requests from any
 * number of sources naming one victim gets it at most the bucket's worth of datagrams, and
 * other destinations are answered as before.
 */
#include "config.h"

#include <string.h>

#include "common/log.h"
#include "common/lpm.h"
#include "common/ratelimit.h"
#include "ms/ms_int.h"

static const struct ipaddr *usable_itr_rloc(const struct lisp_map_request *mr)
{
	for (unsigned i = 0; i < mr->n_itr_rlocs; i++) {
		const struct lisp_addr *a = &mr->itr_rlocs[i];
		for (unsigned k = 0; k < a->n; k++)
			if (a->addr[k].afi == LISP_AFI_IPV4 || a->addr[k].afi == LISP_AFI_IPV6)
				return &a->addr[k];
	}
	return NULL;
}

bool ms_answer_allowed(struct ms *ms, enum ms_answer a, const struct ipaddr *itr,
		       const struct ipaddr *src)
{
	uint8_t key[TB_KEY_MAX];
	size_t klen;
	char d[IPADDR_STRLEN], f[IPADDR_STRLEN];

	if (ms->cfg->rl_dst_rate == 0 || (klen = tb_key_ipaddr(itr, key)) == 0)
		return true;
	if (tb_table_take(ms->rl_dst, key, klen, ms->now * 1000000ULL))
		return true;
	/* an answer refused, not the request: counted by kind and in drops[], not as a
	 * dropped Map-Request (a request of N records may have some answers refused) */
	if (a < MS_ANSWER__COUNT)
		ms->st.answers_refused[a]++;
	ms->st.drop[MS_DROP_REPLY_RATE]++;
	/* logged under the destination: the sources of such a flood are usually forged */
	log_input_key(ipaddr_str(itr, d, sizeof(d)),
		      "%s to ITR-RLOC %s refused (request from %s): over %u/s, burst %u per "
		      "destination",
		      ms_answer_name(a), d, ipaddr_str(src, f, sizeof(f)), ms->cfg->rl_dst_rate,
		      ms->cfg->rl_dst_burst);
	return false;
}

/* 0 sent, -1 not (counted as a send failure by ms_emit or here). */
static int send_reply(struct ms *ms, const struct lisp_map_request *mr,
		      const struct lisp_record *rec, const struct ipaddr *dst, uint16_t dport)
{
	static struct lisp_map_reply rep;
	static uint8_t out[UINT16_MAX];
	struct buf w;
	struct proto_err e = {0};

	/* header fields only: the 32-record array is not cleared per reply */
	memset(&rep, 0, offsetof(struct lisp_map_reply, rec));
	memset(&rep.sec_ad, 0, sizeof(rep.sec_ad));
	rep.nonce = mr->nonce;
	rep.nrec = 1;
	rep.rec[0] = *rec;
	rep.rec[0].authoritative = false;
	buf_init_write(&w, out, sizeof(out));
	if (lisp_map_reply_build(&w, &rep, &e) < 0) {
		ms_drop(ms, LISP_T_MAP_REPLY, MS_DROP_SEND_FAILED, dst, "Map-Reply: %s", e.reason);
		return -1;
	}
	return ms_emit(ms, dst, dport, out, buf_len(&w), false);
}

static void send_negative(struct ms *ms, const struct lisp_map_request *mr,
			  const struct lisp_prefix *eid, unsigned ttl, unsigned act,
			  const struct ipaddr *dst, uint16_t dport)
{
	struct lisp_record rec;

	memset(&rec, 0, sizeof(rec));
	lisp_record_set_eid(&rec, eid);
	rec.ttl = ttl;
	rec.action = (uint8_t)act;
	if (send_reply(ms, mr, &rec, dst, dport) == 0)
		ms->st.negative_replies++;
}

/* Forward to the registering ETR in an ECM with E=1 (RFC 9301 §5.8, §8.3). */
static void forward_to_etr(struct ms *ms, const struct ms_reg *r, const uint8_t *req, size_t reqlen,
			   const struct lisp_ecm *in, const struct ipaddr *src, uint16_t sport,
			   const struct lisp_prefix *eid)
{
	static uint8_t out[UINT16_MAX];
	struct lisp_ecm ecm;
	struct buf w, payload;
	struct proto_err e = {0};

	memset(&ecm, 0, sizeof(ecm));
	if (in != NULL) {
		ecm = *in;
		ecm.sec = false;
	} else {
		ecm.inner_src = *src;
		ecm.inner_sport = sport;
		if (eid->afi == src->afi) {
			ecm.inner_dst.afi = eid->afi;
			memcpy(ecm.inner_dst.a, eid->a, 16);
		} else {
			ecm.inner_dst = r->etr.afi == src->afi ? r->etr : *src;
		}
	}
	ecm.to_etr = true;
	ecm.to_ms = false;
	ecm.inner_dport = LISP_CONTROL_PORT;
	buf_init_read(&payload, req, reqlen);
	buf_init_write(&w, out, sizeof(out));
	if (lisp_ecm_build(&w, &ecm, &payload, &e) < 0) {
		ms_drop(ms, LISP_T_ECM, MS_DROP_SEND_FAILED, src, "ECM to ETR: %s", e.reason);
		return;
	}
	if (ms_emit(ms, &r->etr, LISP_CONTROL_PORT, out, buf_len(&w), false) == 0)
		ms->st.forwarded++;
}

static void answer_record(struct ms *ms, const struct lisp_map_request *mr, unsigned i,
			  const uint8_t *req, size_t reqlen, const struct lisp_ecm *ecm,
			  const struct ipaddr *src, uint16_t sport, const struct ipaddr *itr,
			  uint16_t rport)
{
	const struct lisp_prefix *eid = &mr->rec[i].eid;
	const struct ms_reg *r;
	struct lisp_prefix allowed, neg;
	struct ipaddr a;
	char pfx[PREFIX_STRLEN];

	if (eid->afi != LISP_AFI_IPV4 && eid->afi != LISP_AFI_IPV6) {
		ms_drop(ms, LISP_T_MAP_REQUEST, MS_DROP_NON_LISP, src, "EID AFI %u", eid->afi);
		return;
	}
	r = lpm_covering(ms->regs, eid, NULL);
	if (r != NULL) {
		if (r->proxy) {
			struct lisp_record rec;
			if (!ms_answer_allowed(ms, MS_ANSWER_PROXY, itr, src))
				return;
			if (send_reply(ms, mr, ms_reg_record(r, &rec), itr, rport) == 0)
				ms->st.proxy_replies++;
		} else if (ms_answer_allowed(ms, MS_ANSWER_FORWARD, itr, src)) {
			forward_to_etr(ms, r, req, reqlen, ecm, src, sport, eid);
		}
		return;
	}
	a.afi = eid->afi;
	memcpy(a.a, eid->a, 16);
	if (ms_site_covers_addr(ms->cfg, eid->iid, &a, &allowed, NULL)) {
		if (lpm_negative_prefix(ms->regs, eid->iid, &a, &neg) < 0)
			prefix_from_addr(&neg, eid->iid, &a);
		else if (neg.plen < allowed.plen)
			neg = allowed;
		if (ms_answer_allowed(ms, MS_ANSWER_NEGATIVE, itr, src))
			send_negative(ms, mr, &neg, LISP_TTL_NEG_NOREG, LISP_ACT_SEND_MAP_REQ, itr,
				      rport);
		return;
	}
	if (ms->cfg->nonlisp == MS_NONLISP_DROP) {
		ms_drop(ms, LISP_T_MAP_REQUEST, MS_DROP_NON_LISP, src, "%s is in no site",
			prefix_str(eid, pfx, sizeof(pfx)));
		return;
	}
	if (!ms_answer_allowed(ms, MS_ANSWER_NEGATIVE, itr, src))
		return;
	if (ms->cfg->site_table == NULL ||
	    lpm_negative_prefix(ms->cfg->site_table, eid->iid, &a, &neg) < 0)
		prefix_from_addr(&neg, eid->iid, &a);
	send_negative(ms, mr, &neg, LISP_TTL_NEG_NONLISP, LISP_ACT_NATIVE_FWD, itr, rport);
}

static void request(struct ms *ms, const uint8_t *data, size_t len, const struct ipaddr *src,
		    uint16_t sport, const struct lisp_ecm *ecm)
{
	struct lisp_map_request *mr = &ms->mreq;
	struct proto_err e = {0};
	const struct ipaddr *itr;
	uint16_t rport = ecm ? ecm->inner_sport : sport;
	struct buf b;

	buf_init_read(&b, data, len);
	if (lisp_map_request_parse(&b, mr, &e) < 0) {
		ms_drop_malformed(ms, LISP_T_MAP_REQUEST, src, &e);
		return;
	}
	itr = usable_itr_rloc(mr);
	if (itr == NULL) {
		ms_drop(ms, LISP_T_MAP_REQUEST, MS_DROP_NO_ITR_RLOC, src, "no IPv4/IPv6 ITR-RLOC");
		return;
	}
	for (unsigned i = 0; i < mr->nrec; i++) {
		if (mr->xtr_id_present && mr->rec[i].notify)
			ms_subscribe(ms, mr, i, itr, rport, src);
		answer_record(ms, mr, i, data, len, ecm, src, sport, itr, rport);
	}
}

void ms_handle_request(struct ms *ms, const uint8_t *data, size_t len, const struct ipaddr *src,
		       uint16_t sport)
{
	request(ms, data, len, src, sport, NULL);
}

void ms_handle_ecm(struct ms *ms, const uint8_t *data, size_t len, const struct ipaddr *src,
		   uint16_t sport)
{
	struct lisp_ecm ecm;
	struct proto_err e = {0};
	struct buf b;
	int inner;

	buf_init_read(&b, data, len);
	if (lisp_ecm_parse(&b, &ecm, &e) < 0) {
		ms_drop_malformed(ms, LISP_T_ECM, src, &e);
		return;
	}
	inner = lisp_msg_type(&ecm.payload);
	if (inner != LISP_T_MAP_REQUEST) {
		ms_drop(ms, LISP_T_ECM, MS_DROP_UNEXPECTED_TYPE, src, "ECM carries type %d", inner);
		return;
	}
	ms->st.type[LISP_T_MAP_REQUEST].rx++;
	request(ms, buf_cur(&ecm.payload), buf_left(&ecm.payload), src, sport, &ecm);
}
