/* SPDX-License-Identifier: ISC */
/*
 * ms/core.c - the Map-Server object: dispatch of received control messages by type
 * (RFC 9301 §5: Map-Request 1, Map-Register 3, Map-Notify-Ack 5, ECM 8; everything else
 * is dropped and counted), per-type and per-reason statistics, rate-limited logs about bad
 * input, the send path (now, or deferred until the store commit of the loop turn), the
 * change hooks, timers and config reload.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include "common/log.h"
#include "common/lpm.h"
#include "common/metrics.h"
#include "common/ratelimit.h"
#include "ms/ms_int.h"
#include "ms/store.h"

/* Map-Register -> Map-Notify: a turn without a database commit takes tens of microseconds,
 * a commit with sync="full" milliseconds, a loaded daemon longer. Seconds. */
static const double notify_latency_le[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
					   0.025,  0.05,    0.1,    0.25,  0.5,	   1,	  2.5};

static const char *const drop_names[MS_DROP__COUNT] = {
    [MS_DROP_MALFORMED] = "malformed",
    [MS_DROP_BAD_AUTH] = "bad-auth",
    [MS_DROP_BAD_KEY_ID] = "bad-key-id",
    [MS_DROP_UNKNOWN_SITE] = "unknown-site",
    [MS_DROP_EID_NOT_ALLOWED] = "eid-not-allowed",
    [MS_DROP_REPLAY] = "replay",
    [MS_DROP_REPLAY_SEEN] = "replay-seen-nonce",
    [MS_DROP_NO_RECORDS] = "no-records",
    [MS_DROP_UNEXPECTED_TYPE] = "unexpected-type",
    [MS_DROP_NO_ITR_RLOC] = "no-usable-itr-rloc",
    [MS_DROP_NON_LISP] = "non-lisp-eid",
    [MS_DROP_UNKNOWN_NONCE] = "unknown-nonce",
    [MS_DROP_STORE_FAILED] = "store-failed",
    [MS_DROP_NO_SUBSCRIBER_KEY] = "no-subscriber-key",
    [MS_DROP_SUBSCRIBER_LIMIT] = "subscriber-limit",
    [MS_DROP_RETRIES_EXHAUSTED] = "retries-exhausted",
    [MS_DROP_SEND_FAILED] = "send-failed",
    [MS_DROP_REPLY_RATE] = "reply-rate-limit",
    [MS_DROP_NOTIFY_LIMIT] = "notify-limit",
};

static const char *const answer_names[MS_ANSWER__COUNT] = {
    [MS_ANSWER_PROXY] = "proxyReply",
    [MS_ANSWER_NEGATIVE] = "negativeReply",
    [MS_ANSWER_FORWARD] = "forwardToEtr",
    [MS_ANSWER_SUBSCRIBE] = "subscription",
};

const char *ms_answer_name(unsigned a)
{
	return a < MS_ANSWER__COUNT ? answer_names[a] : "unknown";
}

const char *ms_drop_name(unsigned d)
{
	return d < MS_DROP__COUNT && drop_names[d] ? drop_names[d] : "unknown";
}

static void to_sockaddr(const struct ipaddr *a, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->afi == LISP_AFI_IPV6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, a->a, 16);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, a->a, 4);
	}
}

void ms_drop(struct ms *ms, unsigned type, unsigned reason, const struct ipaddr *src,
	     const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	struct sockaddr_storage ss;

	if (type < 16)
		ms->st.type[type].dropped++;
	if (reason < MS_DROP__COUNT)
		ms->st.drop[reason]++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (src != NULL) {
		to_sockaddr(src, &ss);
		log_input((struct sockaddr *)&ss, "%s dropped (%s): %s", lisp_type_name(type),
			  ms_drop_name(reason), msg);
	} else {
		log_input_key("local", "%s dropped (%s): %s", lisp_type_name(type),
			      ms_drop_name(reason), msg);
	}
}

void ms_drop_malformed(struct ms *ms, unsigned type, const struct ipaddr *src,
		       const struct proto_err *e)
{
	int code = e->code > PERR_OK && e->code < PERR__COUNT ? e->code : PERR_BAD_VALUE;

	ms->st.malformed[code]++;
	ms_drop(ms, type, MS_DROP_MALFORMED, src, "%s at offset %zu: %s", proto_err_name(code),
		e->offset, e->reason ? e->reason : "?");
}

/* One datagram to the send callback: counted as sent only when it took it. */
static int emit_now(struct ms *ms, unsigned type, const struct ipaddr *dst, uint16_t dport,
		    const uint8_t *data, size_t len)
{
	if (ms->send(ms->send_arg, dst, dport, data, len) < 0) {
		ms_drop(ms, type, MS_DROP_SEND_FAILED, dst, "not sent to port %u", dport);
		return -1;
	}
	ms->st.type[type].tx++;
	return 0;
}

static int emit(struct ms *ms, const struct ipaddr *dst, uint16_t dport, const uint8_t *data,
		size_t len, bool deferred, uint64_t rx_ns)
{
	struct buf b;
	buf_init_read(&b, data, len);
	int t = lisp_msg_type(&b);
	unsigned type = t < 0 ? 0 : (unsigned)t;

	if (!deferred)
		return emit_now(ms, type, dst, dport, data, len);
	struct ms_deferred *d = malloc(sizeof(*d) + len);
	if (d == NULL) {
		ms_drop(ms, type, MS_DROP_SEND_FAILED, NULL, "out of memory");
		return -1;
	}
	d->next = NULL;
	d->rx_ns = rx_ns;
	d->dst = *dst;
	d->dport = dport;
	d->type = (uint8_t)type;
	d->len = len;
	memcpy(d->data, data, len);
	*ms->deferred_tail = d;
	ms->deferred_tail = &d->next;
	return 0;
}

int ms_emit(struct ms *ms, const struct ipaddr *dst, uint16_t dport, const uint8_t *data,
	    size_t len, bool deferred)
{
	return emit(ms, dst, dport, data, len, deferred, 0);
}

int ms_emit_ack(struct ms *ms, const struct ipaddr *dst, uint16_t dport, const uint8_t *data,
		size_t len)
{
	return emit(ms, dst, dport, data, len, true, ms->in_ns);
}

uint64_t ms_new_nonce(struct ms *ms)
{
	return ++ms->nonce_seq;
}

uint16_t ms_version_next(uint16_t v)
{
	/* RFC 9301 §5.4: 12 bits, 0 = unversioned; RFC 6834 §6 compares with wrap-around, so
	 * 4095 -> 1 still reads as newer. */
	return v >= 0xfff ? 1 : (uint16_t)(v + 1);
}

void ms_reg_changed(struct ms_reg *r)
{
	struct timespec ts;

	r->version = ms_version_next(r->version);
	clock_gettime(CLOCK_REALTIME, &ts);
	r->changed_unix_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct ms_push *ms_get_push(const struct ms *ms)
{
	return ms->bgp;
}

struct ms *ms_new(const struct ms_cfg *cfg, struct ms_store *store, ms_send_fn send, void *arg)
{
	struct ms *ms = calloc(1, sizeof(*ms));

	if (ms == NULL)
		return NULL;
	ms->regs = lpm_new();
	if (ms->regs == NULL) {
		free(ms);
		return NULL;
	}
	ms->rl_dst = tb_table_new(cfg->rl_max_dsts ? cfg->rl_max_dsts : 1, cfg->rl_dst_rate,
				  cfg->rl_dst_burst);
	if (ms->rl_dst == NULL) {
		lpm_free(ms->regs, NULL);
		free(ms);
		return NULL;
	}
	ms->cfg = cfg;
	ms->store = store;
	ms->send = send;
	ms->send_arg = arg;
	ms->deferred_tail = &ms->deferred;
	metrics_hist_init(&ms->notify_latency, notify_latency_le,
			  sizeof(notify_latency_le) / sizeof(notify_latency_le[0]));
	expq_init(&ms->expq);
	/* Unsolicited nonces rise from a random start (RFC 9437 §5: the subscriber matches
	 * the ack; a rising value also orders notifications). Keep the top bit clear so the
	 * counter never wraps in practice. */
	if (getrandom(&ms->nonce_seq, sizeof(ms->nonce_seq), 0) != sizeof(ms->nonce_seq))
		ms->nonce_seq = (uint64_t)(uintptr_t)ms;
	ms->nonce_seq &= 0x00ffffffffffffffULL;
	return ms;
}

static void free_reg(void *p)
{
	struct ms_reg *r = p;

	free(r->ext);
	free(r);
}

void ms_free(struct ms *ms)
{
	if (ms == NULL)
		return;
	ms_end_turn(ms);
	expq_free(&ms->expq);
	lpm_free(ms->regs, free_reg);
	ms_replay_free_all(ms);
	ms_notify_free_all(ms);
	ms_nq_free_all(ms);
	tb_table_free(ms->rl_dst);
	for (struct ms_name *n = ms->names, *next; n; n = next) {
		next = n->next;
		free(n);
	}
	free(ms->names_tab);
	free(ms);
}

const struct ms_cfg *ms_config(const struct ms *ms)
{
	return ms->cfg;
}

int ms_on_change(struct ms *ms, ms_change_cb cb, void *arg)
{
	if (ms->nhooks == MS_HOOKS_MAX || cb == NULL)
		return -1;
	ms->hooks[ms->nhooks].cb = cb;
	ms->hooks[ms->nhooks].arg = arg;
	ms->nhooks++;
	return 0;
}

void ms_fire_change(struct ms *ms, const struct lisp_prefix *eid, const struct lisp_record *old_rec,
		    const struct ms_reg *reg, const struct lisp_record *new_rec, const char *site,
		    enum ms_change_why why)
{
	struct ms_change c = {
	    .eid = eid,
	    .old_rec = old_rec,
	    .new_rec = reg ? new_rec : NULL,
	    .reg = reg,
	    .site = site,
	    .why = why,
	};
	for (size_t i = 0; i < ms->nhooks; i++)
		ms->hooks[i].cb(&c, ms->hooks[i].arg);
}

void ms_input(struct ms *ms, const uint8_t *data, size_t len, const struct ipaddr *src,
	      uint16_t sport, uint64_t now_ms)
{
	struct buf b;
	int t;
	unsigned type;

	ms->now = now_ms;
	ms->in_ns = ms->rx_ns ? ms->rx_ns : now_ns();
	buf_init_read(&b, data, len);
	if ((t = lisp_msg_type(&b)) < 0) {
		struct proto_err e = {PERR_TRUNCATED, 0, "empty datagram"};
		ms_drop_malformed(ms, 0, src, &e);
		return;
	}
	type = (unsigned)t;
	ms->st.type[type].rx++;
	switch (type) {
	case LISP_T_MAP_REGISTER:
		ms_handle_register(ms, data, len, src, sport);
		break;
	case LISP_T_MAP_REQUEST:
		ms_handle_request(ms, data, len, src, sport);
		break;
	case LISP_T_ECM:
		ms_handle_ecm(ms, data, len, src, sport);
		break;
	case LISP_T_MAP_NOTIFY_ACK:
		ms_handle_notify_ack(ms, data, len, src, sport);
		break;
	default:
		ms_drop(ms, type, MS_DROP_UNEXPECTED_TYPE, src,
			"type %u not handled by a Map-Server", type);
		break;
	}
}

void ms_end_turn(struct ms *ms)
{
	struct ms_deferred *d, *next;
	bool ok = true;

	ms_replay_flush(ms);
	if (ms->store != NULL && store_pending(ms->store)) {
		int n = store_commit(ms->store);
		if (n < 0) {
			ok = false;
			log_warnx("database commit failed: %s; acknowledgements withheld",
				  store_error(ms->store));
		} else {
			ms->st.store_commits++;
			ms->st.store_rows += (uint64_t)n;
		}
	}
	for (d = ms->deferred; d != NULL; d = next) {
		next = d->next;
		if (ok) {
			if (emit_now(ms, d->type, &d->dst, d->dport, d->data, d->len) == 0 &&
			    d->rx_ns) {
				uint64_t t = now_ns();
				metrics_hist_observe(&ms->notify_latency,
						     t > d->rx_ns ? (double)(t - d->rx_ns) / 1e9
								  : 0);
			}
		} else {
			ms_drop(ms, d->type, MS_DROP_STORE_FAILED, NULL, "not acknowledged");
		}
		free(d);
	}
	ms->deferred = NULL;
	ms->deferred_tail = &ms->deferred;
	/* the coalesced Map-Notifies of this turn's changes, once they are committed */
	if (ok)
		ms_nq_flush(ms);
	ms->rx_ns = 0;
}

void ms_set_rx_time(struct ms *ms, uint64_t rx_ns)
{
	ms->rx_ns = rx_ns;
}

const struct metrics_hist *ms_notify_latency(const struct ms *ms)
{
	return &ms->notify_latency;
}

void ms_tick(struct ms *ms, uint64_t now_ms)
{
	ms->now = now_ms;
	ms_expire(ms);
	ms_notify_tick(ms);
	ms_end_turn(ms);
}

struct walk_ctx {
	int (*cb)(const struct ms_reg *r, void *arg);
	void *arg;
};

static int walk_one(const struct lisp_prefix *p, void *val, void *arg)
{
	struct walk_ctx *w = arg;
	(void)p;
	return w->cb(val, w->arg);
}

int ms_walk(struct ms *ms, int (*cb)(const struct ms_reg *r, void *arg), void *arg)
{
	struct walk_ctx w = {cb, arg};
	return lpm_walk(ms->regs, walk_one, &w);
}

long ms_walk_next(const struct ms *ms, struct lpm_cursor *c, size_t max,
		  int (*cb)(const struct ms_reg *r, void *arg), void *arg)
{
	struct walk_ctx w = {cb, arg};
	return lpm_next(ms->regs, c, max, walk_one, &w);
}

const struct ms_reg *ms_lookup(const struct ms *ms, const struct lisp_prefix *p)
{
	return lpm_covering(ms->regs, p, NULL);
}

size_t ms_count(const struct ms *ms)
{
	return lpm_count(ms->regs);
}

const struct ms_stats *ms_get_stats(const struct ms *ms)
{
	return &ms->st;
}

void ms_reply_limit_stats(const struct ms *ms, size_t *tracked, uint64_t *evictions)
{
	*tracked = tb_table_count(ms->rl_dst);
	*evictions = tb_table_evictions(ms->rl_dst);
}

const struct ms_sub *ms_subscribers(const struct ms *ms)
{
	return ms->subs;
}

size_t ms_pending_notifies(const struct ms *ms)
{
	return ms->npending + ms_nq_messages(ms);
}

size_t ms_pending_notify_eids(const struct ms *ms)
{
	return ms_nq_eids(ms);
}

size_t ms_notify_destinations(const struct ms *ms)
{
	return ms_nq_destinations(ms);
}

/* Reload: registrations whose site is gone, or whose prefix the site no longer allows,
 * are withdrawn; the others follow their site's new settings. */
struct reload_ctx {
	struct ms *ms;
};

static int reload_one(const struct lisp_prefix *p, void *val, void *arg)
{
	struct reload_ctx *rc = arg;
	struct ms_reg *r = val;
	struct ms_site *s = ms_site_by_name(rc->ms->cfg, r->site);

	(void)p;
	if (s == NULL || !ms_site_allows(s, &r->eid)) {
		ms_reg_remove(rc->ms, r, MS_CHG_DEREGISTER);
		return 0;
	}
	r->persistent = s->lifetime == MS_LIFE_PERSISTENT;
	if (r->persistent)
		ms_reg_set_expiry(rc->ms, r, 0);
	else if (!expq_queued(&r->expiry))
		ms_reg_set_expiry(
		    rc->ms, r, rc->ms->now + (uint64_t)MS_REFRESH_SECS * MS_REFRESH_MISSES * 1000);
	return 0;
}

void ms_set_config(struct ms *ms, const struct ms_cfg *cfg, uint64_t now_ms)
{
	struct reload_ctx rc = {ms};
	const struct ms_cfg *o = ms->cfg;

	/* new limits: new buckets (all full); the same limits keep the buckets as they are */
	if (cfg->rl_dst_rate != o->rl_dst_rate || cfg->rl_dst_burst != o->rl_dst_burst ||
	    cfg->rl_max_dsts != o->rl_max_dsts) {
		struct tb_table *t = tb_table_new(cfg->rl_max_dsts ? cfg->rl_max_dsts : 1,
						  cfg->rl_dst_rate, cfg->rl_dst_burst);
		if (t == NULL) {
			log_warnx("reload: out of memory for the <rate-limit> table; the previous "
				  "per-destination buckets stay");
		} else {
			tb_table_free(ms->rl_dst);
			ms->rl_dst = t;
		}
	}
	ms->cfg = cfg;
	ms->now = now_ms;
	lpm_walk(ms->regs, reload_one, &rc);
	ms_end_turn(ms);
}
