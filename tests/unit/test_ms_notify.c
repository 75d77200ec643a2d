/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_ms_notify.c - the Map-Server core (ms/ms.h) sending Map-Notifies (RFC 9301
 * §5.7, see ms/notify.c): to the old and the new RLOC of a moved EID, retransmitted until
 * acked and bounded, <map-notify old-site="false">, send failures never counted as sent, no
 * arrival notify to an xTR registering its own EID; and pub/sub (RFC 9437): subscriptions,
 * their timeout, their limit. The fixture (ms_core_testlib.h) is that of test_ms.c.
 */
#include "config.h"

#include "ms_core_testlib.h"

static void send_ack(struct fx *f, const struct lisp_key *k, uint64_t nonce, const char *src)
{
	uint8_t out[2048];
	struct buf w;
	size_t off;

	memset(&mn, 0, sizeof(mn));
	mn.ack = true;
	mn.nonce = nonce;
	ms_test_auth_for(&mn.auth, k);
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(lisp_map_notify_build(&w, &mn, &off, NULL), 0);
	assert_int_equal(lisp_auth_sign(&w, off, k, NULL), 0);
	feed(f, out, buf_len(&w), src, 4342);
}

/* ------------------------------------------------------------------ cases: notify */
static void t_move_notifies_old_rloc(void **state)
{
	struct fx *f = *state;
	char a[IPADDR_STRLEN];

	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.1", NULL, 1, F_M, "192.0.2.250");
	/* the first registration already told .1 it holds the EID: it acks */
	for (size_t j = 0; j < nsent; j++)
		if (sent[j].dport == LISP_CONTROL_PORT) {
			parse_notify(&sent[j], f->dc);
			send_ack(f, f->dc, mn.nonce, "192.0.2.1");
		}
	assert_int_equal(ms_pending_notifies(f->ms), 0);
	nsent = 0;
	now += 10;
	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.2", NULL, 2, F_M, "192.0.2.250");
	/* the controller (.250) moved the EID: the new RLOC is told it arrived, the old one
	 * that it left, and the controller gets its ack */
	assert_int_equal(nsent, 3);
	assert_int_equal(ms_get_stats(f->ms)->arrival_notifies, 2); /* .1 at first, .2 now */
	size_t i = 3, arr = 3;
	for (size_t j = 0; j < nsent; j++) {
		if (sent[j].dport != LISP_CONTROL_PORT)
			continue;
		ipaddr_str(&sent[j].dst, a, sizeof(a));
		if (strcmp(a, "192.0.2.1") == 0)
			i = j;
		else if (strcmp(a, "192.0.2.2") == 0)
			arr = j;
	}
	assert_true(i < 3 && arr < 3);
	parse_notify(&sent[arr], f->dc); /* the arrival notify carries the new mapping */
	assert_int_equal(mn.rec[0].nloc, 1);
	assert_string_equal(ipaddr_str(&mn.rec[0].loc[0].addr.addr[0], a, sizeof(a)), "192.0.2.2");
	send_ack(f, f->dc, mn.nonce, "192.0.2.2");
	assert_string_equal(ipaddr_str(&sent[i].dst, a, sizeof(a)), "192.0.2.1");
	assert_int_equal(sent[i].dport, LISP_CONTROL_PORT);
	parse_notify(&sent[i], f->dc);
	assert_int_equal(mn.rec[0].nloc, 1);
	assert_string_equal(ipaddr_str(&mn.rec[0].loc[0].addr.addr[0], a, sizeof(a)), "192.0.2.2");
	uint64_t nonce = mn.nonce;
	assert_int_equal(ms_pending_notifies(f->ms), 1);
	/* retransmitted until acked */
	nsent = 0;
	ms_tick(f->ms, now + 1100);
	assert_int_equal(nsent, 1);
	assert_int_equal(ms_get_stats(f->ms)->notify_retransmits, 1);
	send_ack(f, f->wrong, nonce, "192.0.2.1"); /* bad auth: still pending */
	assert_int_equal(ms_pending_notifies(f->ms), 1);
	send_ack(f, f->dc, nonce + 1000, "192.0.2.1"); /* unknown nonce */
	assert_int_equal(drops(f, MS_DROP_UNKNOWN_NONCE), 1);
	send_ack(f, f->dc, nonce, "192.0.2.1");
	assert_int_equal(ms_pending_notifies(f->ms), 0);
	assert_int_equal(ms_get_stats(f->ms)->notify_acks, 3); /* two arrivals + the move */
	nsent = 0;
	ms_tick(f->ms, now + 5000);
	assert_int_equal(nsent, 0);
}

/* <map-notify old-site="false"> (RFC 6830-era Map-Server): the move is acknowledged to the
 * controller and announced to the new RLOC, the old RLOC hears nothing, now or later. */
static void t_move_old_site_off(void **state)
{
	struct fx *f = *state;
	char a[IPADDR_STRLEN];

	f->cfg->notify_old_site = false;
	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.1", NULL, 1, F_M, "192.0.2.250");
	for (size_t j = 0; j < nsent; j++)
		if (sent[j].dport == LISP_CONTROL_PORT) {
			parse_notify(&sent[j], f->dc);
			send_ack(f, f->dc, mn.nonce, "192.0.2.1");
		}
	nsent = 0;
	now += 10;
	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.2", NULL, 2, F_M, "192.0.2.250");
	assert_int_equal(nsent, 2); /* the arrival notify to .2, the ack to the controller */
	for (size_t j = 0; j < nsent; j++)
		assert_string_not_equal(ipaddr_str(&sent[j].dst, a, sizeof(a)), "192.0.2.1");
	assert_int_equal(ms_get_stats(f->ms)->moves, 1);
	for (size_t j = 0; j < nsent; j++)
		if (sent[j].dport == LISP_CONTROL_PORT) {
			parse_notify(&sent[j], f->dc);
			send_ack(f, f->dc, mn.nonce, "192.0.2.2");
		}
	nsent = 0;
	ms_tick(f->ms, now + 5000);
	assert_int_equal(nsent, 0);
	assert_int_equal(ms_pending_notifies(f->ms), 0);
	f->cfg->notify_old_site = true;
}

/* The socket refuses what the Map-Server sends (unreachable, wrong family): each message is
 * a send failure, never counted as sent (by type, proxy replies, negative replies,
 * forwards, Map-Notify retransmissions), and the registration itself stands. */
static void t_send_failed_not_sent(void **state)
{
	struct fx *f = *state;
	const struct ms_stats *st = ms_get_stats(f->ms);
	uint8_t req[512];

	/* a registration whose acknowledgement (sent after the store commit) is refused */
	sink_fails = true;
	uint64_t failed = st->drop[MS_DROP_SEND_FAILED];
	uint64_t ntx = st->type[LISP_T_MAP_NOTIFY].tx;
	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.1", NULL, 1, F_M, "192.0.2.1");
	assert_non_null(find(f, "198.51.100.5/32"));
	assert_int_equal(st->type[LISP_T_MAP_NOTIFY].tx, ntx);
	assert_int_equal(st->drop[MS_DROP_SEND_FAILED], failed + 1);

	/* a proxy reply (sent at once) */
	uint64_t rtx = st->type[LISP_T_MAP_REPLY].tx, proxy = st->proxy_replies;
	size_t n =
	    feed_via_mr(f, req, sizeof(req), "198.51.100.5/32", "192.0.2.50", 7, false, 33333);
	assert_int_equal(st->type[LISP_T_MAP_REPLY].tx, rtx);
	assert_int_equal(st->proxy_replies, proxy);
	assert_int_equal(st->drop[MS_DROP_SEND_FAILED], failed + 2);

	/* a negative reply (an EID of the site that nobody registered) */
	uint64_t neg = st->negative_replies;
	n = build_req(req, sizeof(req), "198.51.100.200/32", "192.0.2.50", 8, false, false);
	feed(f, req, n, "192.0.2.50", 5555);
	assert_int_equal(st->negative_replies, neg);
	assert_int_equal(st->type[LISP_T_MAP_REPLY].tx, rtx);
	assert_int_equal(st->drop[MS_DROP_SEND_FAILED], failed + 3);

	/* a request forwarded to the ETR (a site without proxy reply) */
	uint64_t fwd = st->forwarded, etx = st->type[LISP_T_ECM].tx;
	do_reg(f, f->ex, "203.0.113.0/25", 1440, "192.0.2.1", NULL, 1, 0, "192.0.2.33");
	failed = st->drop[MS_DROP_SEND_FAILED]; /* (its arrival Map-Notify to .1 failed too) */
	n = feed_via_mr(f, req, sizeof(req), "203.0.113.9/32", "192.0.2.50", 9, false, 33333);
	assert_int_equal(st->forwarded, fwd);
	assert_int_equal(st->type[LISP_T_ECM].tx, etx);
	assert_int_equal(st->drop[MS_DROP_SEND_FAILED], failed + 1);

	/* the unsolicited Map-Notify (arrival at .1) is retransmitted: a refused retransmission
	 * is no retransmission, but a try all the same (the retries stay bounded) */
	assert_true(ms_pending_notifies(f->ms) >= 1);
	uint64_t retx = st->notify_retransmits;
	failed = st->drop[MS_DROP_SEND_FAILED];
	ms_tick(f->ms, now + 1100);
	assert_int_equal(st->notify_retransmits, retx);
	assert_true(st->drop[MS_DROP_SEND_FAILED] > failed);
	/* once the socket sends again, the same retransmission counts */
	sink_fails = false;
	nsent = 0;
	ms_tick(f->ms, now + 2200);
	assert_true(nsent >= 1);
	assert_int_equal(st->notify_retransmits, retx + nsent);
}

/* A dual-stack xTR registering its own EID from its IPv4 RLOC: its IPv6 RLOC is itself, not
 * a new site: no arrival Map-Notify (it would never be acknowledged). */
static void t_self_registration_no_arrival(void **state)
{
	struct fx *f = *state;
	uint64_t before = ms_get_stats(f->ms)->arrival_notifies;

	nsent = 0;
	do_reg(f, f->dc, "198.51.100.9/32", 1440, "192.0.2.1", "2001:db8:ffff::1", 1, F_M,
	       "192.0.2.1");
	assert_non_null(find(f, "198.51.100.9/32"));
	assert_int_equal(nsent, 1); /* the ack only */
	assert_int_equal(ms_get_stats(f->ms)->arrival_notifies, before);
	assert_int_equal(ms_pending_notifies(f->ms), 0);
}

static void t_notify_retries_bounded(void **state)
{
	struct fx *f = *state;

	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.1", NULL, 1, 0, "192.0.2.250");
	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.2", NULL, 2, 0, "192.0.2.250");
	/* pending: the arrival notifies to .1 and .2 and the move notify to .1, none acked */
	assert_int_equal(ms_pending_notifies(f->ms), 3);
	nsent = 0;
	for (unsigned s = 1; s <= 10; s++)
		ms_tick(f->ms, now + s * 1000 + 1);
	/* retries="2" for the two that are still true; the arrival at .1 is rebuilt at
	 * retransmission time from the registration, which left .1: not sent again */
	assert_int_equal(nsent, 4);
	assert_int_equal(ms_pending_notifies(f->ms), 0);
	assert_int_equal(drops(f, MS_DROP_RETRIES_EXHAUSTED), 2);
	assert_int_equal(ms_get_stats(f->ms)->notify_eids_superseded, 1);
}

static void t_pubsub(void **state)
{
	struct fx *f = *state;
	uint8_t req[512];
	char a[IPADDR_STRLEN];

	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.1", NULL, 1, 0, "192.0.2.1");
	nsent = 0;
	/* subscribe to the /24 through a Map-Resolver (ECM) */
	size_t n =
	    feed_via_mr(f, req, sizeof(req), "198.51.100.0/24", "192.0.2.50", 9, true, 30000);
	assert_non_null(ms_subscribers(f->ms));
	/* the current mapping is notified (and the request answered) */
	size_t i;
	for (i = 0; i < nsent && (sent[i].data[0] >> 4) != LISP_T_MAP_NOTIFY; i++)
		;
	assert_true(i < nsent);
	assert_string_equal(ipaddr_str(&sent[i].dst, a, sizeof(a)), "192.0.2.50");
	assert_int_equal(sent[i].dport, 30000);
	parse_notify(&sent[i], f->sub);
	assert_true(mn.xtr_id_present);
	assert_int_equal(mn.xtr_id[0], 0x5a);
	uint64_t n1 = mn.nonce;
	send_ack(f, f->sub, n1, "192.0.2.50");
	assert_int_equal(ms_pending_notifies(f->ms), 0);
	/* a move of a covered EID: Map-Notify with a higher nonce */
	nsent = 0;
	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.2", NULL, 2, 0, "192.0.2.2");
	for (i = 0; i < nsent && !(sent[i].dport == 30000); i++)
		;
	assert_true(i < nsent);
	parse_notify(&sent[i], f->sub);
	assert_true(mn.nonce > n1);
	assert_string_equal(ipaddr_str(&mn.rec[0].loc[0].addr.addr[0], a, sizeof(a)), "192.0.2.2");
	send_ack(f, f->sub, mn.nonce, "192.0.2.50");
	/* deregistration: withdrawn (TTL 0, no locators) */
	nsent = 0;
	do_reg(f, f->dc, "198.51.100.5/32", 0, NULL, NULL, 3, 0, "192.0.2.2");
	assert_int_equal(nsent, 1);
	parse_notify(&sent[0], f->sub);
	assert_int_equal(mn.rec[0].ttl, 0);
	assert_int_equal(mn.rec[0].nloc, 0);
	send_ack(f, f->sub, mn.nonce, "192.0.2.50");
	/* an EID outside the subscription: nothing */
	nsent = 0;
	do_reg(f, f->dc, "2001:db8:100::1/128", 1440, "192.0.2.2", NULL, 4, 0, "192.0.2.2");
	assert_int_equal(nsent, 0);
	/* unsubscribe (TTL-0 map-reply record) */
	n = build_req(req, sizeof(req), "198.51.100.0/24", "192.0.2.50", 10, true, true);
	feed(f, req, n, "192.0.2.50", 30000);
	assert_null(ms_subscribers(f->ms));
	assert_int_equal(ms_get_stats(f->ms)->unsubscriptions, 1);
}

static void t_pubsub_timeout(void **state)
{
	struct fx *f = *state;
	uint8_t req[512];

	size_t n = build_req(req, sizeof(req), "198.51.100.0/24", "192.0.2.50", 9, true, false);
	feed(f, req, n, "192.0.2.50", 30000);
	assert_non_null(ms_subscribers(f->ms));
	ms_tick(f->ms, now + 59 * 1000);
	assert_non_null(ms_subscribers(f->ms));
	ms_tick(f->ms, now + 61 * 1000);
	assert_null(ms_subscribers(f->ms));
}

/* A subscribe request is not authenticated (RFC 9437 §5): the subscriptions held are
 * bounded, a new one past the bound is refused and counted; renewals and unsubscriptions
 * still work, and an unsubscription makes room again. */
static void t_pubsub_limit(void **state)
{
	struct fx *f = *state;
	uint8_t req[512];
	static const char *const eids[] = {"198.51.100.0/24", "198.51.100.0/25",
					   "198.51.100.128/25", "2001:db8:100::/48"};
	size_t n, held = 0;

	((struct ms_cfg *)ms_config(f->ms))->max_subscribers = 2;
	for (unsigned i = 0; i < 3; i++) {
		n = build_req(req, sizeof(req), eids[i], "192.0.2.50", 9 + i, true, false);
		feed(f, req, n, "192.0.2.50", 30000);
	}
	for (const struct ms_sub *s = ms_subscribers(f->ms); s; s = s->next)
		held++;
	assert_int_equal(held, 2);
	assert_int_equal(drops(f, MS_DROP_SUBSCRIBER_LIMIT), 1);
	/* a renewal of one held: not a new subscription, not refused */
	n = build_req(req, sizeof(req), eids[0], "192.0.2.50", 20, true, false);
	feed(f, req, n, "192.0.2.50", 30000);
	assert_int_equal(drops(f, MS_DROP_SUBSCRIBER_LIMIT), 1);
	/* unsubscribe one: room for another */
	n = build_req(req, sizeof(req), eids[0], "192.0.2.50", 21, true, true);
	feed(f, req, n, "192.0.2.50", 30000);
	n = build_req(req, sizeof(req), eids[3], "192.0.2.50", 22, true, false);
	feed(f, req, n, "192.0.2.50", 30000);
	assert_int_equal(drops(f, MS_DROP_SUBSCRIBER_LIMIT), 1);
	held = 0;
	for (const struct ms_sub *s = ms_subscribers(f->ms); s; s = s->next)
		held++;
	assert_int_equal(held, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(t_move_notifies_old_rloc),
	    T(t_move_old_site_off),
	    T(t_send_failed_not_sent),
	    T(t_notify_retries_bounded),
	    T(t_self_registration_no_arrival),
	    T(t_pubsub),
	    T(t_pubsub_timeout),
	    T(t_pubsub_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
