/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_ms_notifyq.c - the coalesced Map-Notifies of mapping changes to the sites'
 * xTRs (ms/notifyq.c): arrival and departure notifications coalesced per destination into
 * multi-record Map-Notifies built at send time, the Map-Notify-Ack of such a message (as
 * lisp-xtrd sends it: same nonce, every record echoed, signed) matched by nonce and source,
 * the per-destination window, the bound on what is held (<map-notify max-pending>), the
 * per-tick retransmission budget, and the queue of a destination that answers nothing.
 */
#include "config.h"

#include "ms_testlib.h"

#include "ms/ms_int.h"

#include "ms_sink.h"

static const char cfg_xml[] =
    "<lisp-msd>\n"
    " <map-notify interval-ms=\"1000\" retries=\"2\" max-pending=\"3000\" "
    "retransmits-per-tick=\"16\"/>\n"
    " <site name=\"dc\" lifetime=\"refresh\" proxy-reply=\"true\">\n"
    "  <key id=\"1\" algorithm=\"hmac-sha-256\" secret=\"dc-secret\"/>\n"
    "  <eid-prefix prefix=\"198.51.100.0/24\" more-specifics=\"true\"/>\n"
    "  <eid-prefix prefix=\"2001:db8:100::/48\" more-specifics=\"true\"/>\n"
    " </site>\n"
    " <site name=\"other\" lifetime=\"refresh\">\n"
    "  <key id=\"1\" algorithm=\"hmac-sha-256\" secret=\"other-secret\"/>\n"
    "  <eid-prefix prefix=\"203.0.113.0/24\" more-specifics=\"true\"/>\n"
    " </site>\n"
    "</lisp-msd>\n";

struct fx {
	MS_FX_COMMON;
	struct lisp_key *other;
};

static uint64_t now = 1000000;
static uint64_t nonce = 1;

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	ms_fx_open(&f->common, "test_ms_notifyq", cfg_xml, true, sink);
	f->other = lisp_key_new(1, LISP_ALG_HMAC_SHA256_128, "other-secret", 12);
	nsent = 0;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	ms_fx_close(&f->common);
	lisp_key_free(f->other);
	free(f);
	return 0;
}

/* The EID of index i in 2001:db8:100::/48 (or 198.51.100.0/24 for i < 0x100 with v4). */
static const char *eid_of(unsigned i, bool v4)
{
	static char s[64];
	if (v4)
		snprintf(s, sizeof(s), "198.51.100.%u/32", i);
	else
		snprintf(s, sizeof(s), "2001:db8:100::%x:%x/128", i >> 12, i & 0xfff);
	return s;
}

/* One Map-Register of EIDs [first, first+n) (n <= 32) at rloc1 (and rloc2), from src, in
 * the turn the caller ends (ms_end_turn) or not. */
static void reg_input(struct fx *f, const struct lisp_key *k, unsigned first, unsigned n, bool v4,
		      const char *rloc1, const char *rloc2, const char *src)
{
	static struct lisp_map_register m;
	const char *const locs[] = {rloc1, rloc2, NULL};
	uint8_t out[9000];
	struct ipaddr a = ip(src);

	memset(&m, 0, sizeof(m));
	m.nonce = nonce++;
	m.nrec = (uint8_t)n;
	for (unsigned i = 0; i < n; i++)
		ms_test_set_rec(&m.rec[i], eid_of(first + i, v4), 1440, locs, false);
	size_t len = ms_test_sign_reg(&m, k, out, sizeof(out));
	ms_input(f->ms, out, len, &a, 40000, now);
}

static void do_reg(struct fx *f, unsigned first, unsigned n, bool v4, const char *rloc1,
		   const char *rloc2, const char *src)
{
	reg_input(f, f->dc, first, n, v4, rloc1, rloc2, src);
	ms_end_turn(f->ms);
}

static struct lisp_map_notify mn;

static void parse_notify(const struct pkt *p, const struct lisp_key *k)
{
	struct buf b;
	buf_init_read(&b, p->data, p->len);
	assert_int_equal(lisp_map_notify_parse(&b, &mn, NULL), 0);
	assert_false(mn.ack);
	assert_int_equal(lisp_auth_verify(&b, &mn.auth, k, NULL), 0);
}

/* Acknowledge the Map-Notify in `p` as lisp-xtrd does (xtr/register.c notify_ack): the
 * message turned into its Ack in place, every record echoed, signed with k, from src. */
static void xtr_ack(struct fx *f, const struct pkt *p, const struct lisp_key *k, const char *src)
{
	static struct lisp_map_notify m;
	uint8_t out[9000];
	struct buf b, w;
	size_t off;

	buf_init_read(&b, p->data, p->len);
	assert_int_equal(lisp_map_notify_parse(&b, &m, NULL), 0);
	m.ack = true;
	m.auth.key_id = lisp_key_id(k);
	m.auth.alg_id = lisp_key_alg(k);
	m.auth.len = (uint16_t)lisp_auth_len(m.auth.alg_id);
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(lisp_map_notify_build(&w, &m, &off, NULL), 0);
	assert_int_equal(lisp_auth_sign(&w, off, k, NULL), 0);
	ms_test_feed(f->ms, out, buf_len(&w), src, 4342, now);
}

static bool to(const struct pkt *p, const char *addr, uint16_t port)
{
	struct ipaddr a = ip(addr);
	return ipaddr_eq(&p->dst, &a) && p->dport == port;
}

static const struct ms_stats *st(struct fx *f)
{
	return ms_get_stats(f->ms);
}

/* 32 EIDs registered by their xTR .1 (no arrival: it sent them), then moved by the
 * controller (.250) to .2 in one Map-Register: one arrival Map-Notify to .2 and one
 * departure Map-Notify to .1, 32 records each carrying the new mapping, plus the
 * controller's ack. lisp-xtrd-style Acks (records echoed) match. */
static void t_coalesced_arrival_and_departure(void **state)
{
	struct fx *f = *state;
	char a[IPADDR_STRLEN];

	do_reg(f, 0, 32, false, "192.0.2.1", NULL, "192.0.2.1");
	assert_int_equal(st(f)->arrival_notifies, 0);
	assert_int_equal(ms_pending_notify_eids(f->ms), 0);
	nsent = 0;
	do_reg(f, 0, 32, false, "192.0.2.2", NULL, "192.0.2.250");
	assert_int_equal(st(f)->arrival_notifies, 32);
	assert_int_equal(nsent, 2); /* no M bit: no ack; one arrival, one departure */
	int arr = to(&sent[0], "192.0.2.2", 4342) ? 0 : 1, dep = 1 - arr;
	assert_true(to(&sent[arr], "192.0.2.2", 4342));
	assert_true(to(&sent[dep], "192.0.2.1", 4342));
	for (int k = 0; k < 2; k++) {
		parse_notify(&sent[k], f->dc);
		assert_int_equal(mn.nrec, 32);
		assert_false(mn.xtr_id_present);
		for (unsigned i = 0; i < 32; i++) {
			struct lisp_prefix p;
			assert_int_equal(prefix_parse(eid_of(i, false), &p, false), 0);
			assert_true(prefix_eq(&mn.rec[i].eid, &p));
			assert_int_equal(mn.rec[i].nloc, 1);
			assert_string_equal(
			    ipaddr_str(&mn.rec[i].loc[0].addr.addr[0], a, sizeof(a)), "192.0.2.2");
		}
	}
	assert_int_equal(st(f)->notify_messages, 2);
	assert_int_equal(st(f)->notify_records, 64);
	assert_int_equal(ms_pending_notifies(f->ms), 2);
	assert_int_equal(ms_pending_notify_eids(f->ms), 64);
	assert_int_equal(ms_notify_destinations(f->ms), 2);
	/* an Ack of the right nonce from the wrong address does not match */
	xtr_ack(f, &sent[arr], f->dc, "192.0.2.1");
	assert_int_equal(st(f)->drop[MS_DROP_UNKNOWN_NONCE], 1);
	/* signed with another key: refused, still pending */
	xtr_ack(f, &sent[arr], f->other, "192.0.2.2");
	assert_int_equal(st(f)->drop[MS_DROP_BAD_AUTH], 1);
	assert_int_equal(ms_pending_notifies(f->ms), 2);
	xtr_ack(f, &sent[arr], f->dc, "192.0.2.2");
	xtr_ack(f, &sent[dep], f->dc, "192.0.2.1");
	assert_int_equal(st(f)->notify_acks, 2);
	assert_int_equal(st(f)->notify_eids_acked, 64);
	assert_int_equal(ms_pending_notifies(f->ms), 0);
	assert_int_equal(ms_pending_notify_eids(f->ms), 0);
	assert_int_equal(ms_notify_destinations(f->ms), 0);
	/* nothing left to retransmit */
	nsent = 0;
	ms_tick(f->ms, now + 5000);
	assert_int_equal(nsent, 0);
}

/* Records are split so that no Map-Notify exceeds MS_NQ_MTU bytes: 200 IPv6 EIDs with two
 * IPv6 locators moved in 7 Map-Registers; every EID is in exactly one Map-Notify. */
static void t_split_by_mtu(void **state)
{
	struct fx *f = *state;
	static unsigned seen[200];
	size_t records = 0;

	/* one turn: the 7 Map-Registers, then the end of the turn */
	for (unsigned i = 0; i < 200; i += 32)
		reg_input(f, f->dc, i, i + 32 <= 200 ? 32 : 200 - i, false, "2001:db8:ffff::2",
			  "2001:db8:ffff::3", "192.0.2.250");
	assert_int_equal(nsent, 0); /* nothing sent during the turn */
	ms_end_turn(f->ms);
	assert_int_equal(st(f)->arrival_notifies, 400);
	size_t to2 = 0;
	for (size_t k = 0; k < nsent; k++) {
		assert_true(sent[k].len <= MS_NQ_MTU);
		if (!to(&sent[k], "2001:db8:ffff::2", 4342))
			continue;
		to2++;
		parse_notify(&sent[k], f->dc);
		assert_true(mn.nrec > 0 && mn.nrec <= LISP_MAX_RECORDS);
		for (unsigned r = 0; r < mn.nrec; r++) {
			unsigned idx = (unsigned)mn.rec[r].eid.a[14] << 8 | mn.rec[r].eid.a[15];
			assert_true(idx < 200);
			seen[idx]++;
			records++;
		}
	}
	assert_int_equal(records, 200);
	for (unsigned i = 0; i < 200; i++)
		assert_int_equal(seen[i], 1);
	/* 200 records of 64 bytes do not fit 32 to a message under 1400 bytes */
	assert_true(to2 > 200 / 32 + 1);
	assert_int_equal(nsent, 2 * to2);
}

/* Built at send time: an EID that moved on again in the same turn is notified to its last
 * RLOC only (the arrival at .2 is superseded), and one that moved back before its
 * departure notification left is not told it left. */
static void t_superseded_at_send_time(void **state)
{
	struct fx *f = *state;

	do_reg(f, 1, 1, true, "192.0.2.1", NULL, "192.0.2.1");
	nsent = 0;
	reg_input(f, f->dc, 1, 1, true, "192.0.2.2", NULL, "192.0.2.250");
	reg_input(f, f->dc, 1, 1, true, "192.0.2.3", NULL, "192.0.2.250");
	ms_end_turn(f->ms);
	/* to .3 (arrival), .1 and .2 (departures), all with the mapping at .3; the arrival
	 * at .2 is superseded */
	assert_int_equal(nsent, 3);
	assert_int_equal(st(f)->notify_eids_superseded, 1);
	for (size_t k = 0; k < nsent; k++) {
		char a[IPADDR_STRLEN];
		parse_notify(&sent[k], f->dc);
		assert_int_equal(mn.nrec, 1);
		assert_string_equal(ipaddr_str(&mn.rec[0].loc[0].addr.addr[0], a, sizeof(a)),
				    "192.0.2.3");
	}
	/* moved back to .1: .1 gets an arrival, .3 a departure; the retransmissions of the
	 * departure to .1 and of the arrival at .3 (both in flight) are superseded now */
	nsent = 0;
	do_reg(f, 1, 1, true, "192.0.2.1", NULL, "192.0.2.250");
	assert_int_equal(nsent, 2);
	assert_true(to(&sent[0], "192.0.2.1", 4342) || to(&sent[1], "192.0.2.1", 4342));
	/* a retransmission is rebuilt: the EID deregistered meanwhile is left out, and a
	 * message left with no record is dropped, not sent */
	{
		static struct lisp_map_register m;
		uint8_t out[2048];
		struct ipaddr a = ip("192.0.2.250");
		memset(&m, 0, sizeof(m));
		m.nonce = nonce++;
		m.nrec = 1;
		ms_test_set_rec(&m.rec[0], eid_of(1, true), 0, NULL, false);
		size_t len = ms_test_sign_reg(&m, f->dc, out, sizeof(out));
		ms_input(f->ms, out, len, &a, 40000, now);
		ms_end_turn(f->ms);
	}
	assert_null(ms_test_find(f->ms, eid_of(1, true), false));
	nsent = 0;
	ms_tick(f->ms, now + 1001);
	assert_int_equal(nsent, 0);
	assert_int_equal(ms_pending_notifies(f->ms), 0);
	assert_int_equal(ms_pending_notify_eids(f->ms), 0);
}

/* 1,500 EIDs moved to one RLOC one Map-Register at a time while it acknowledges nothing:
 * MS_NQ_WINDOW single-record Map-Notifies go out, the rest wait in its set. Acknowledged
 * in an order unrelated to the sending one (each found by its nonce): every Ack frees a
 * slot and the waiting EIDs leave in Map-Notifies of 32 records. */
static void t_window_then_coalesce(void **state)
{
	struct fx *f = *state;
	enum { N = 1500 };
	size_t k;

	for (unsigned i = 0; i < N; i++)
		do_reg(f, i, 1, false, "192.0.2.9", NULL, "192.0.2.250");
	assert_int_equal(nsent, MS_NQ_WINDOW);
	assert_int_equal(ms_pending_notifies(f->ms), MS_NQ_WINDOW);
	assert_int_equal(ms_pending_notify_eids(f->ms), N);
	assert_int_equal(st(f)->arrival_notifies, N);
	/* acks: every third first, then the rest backwards */
	size_t first = nsent;
	for (k = 0; k < first; k += 3)
		xtr_ack(f, &sent[k], f->dc, "192.0.2.9");
	for (k = first; k-- > 0;)
		if (k % 3 != 0)
			xtr_ack(f, &sent[k], f->dc, "192.0.2.9");
	assert_int_equal(st(f)->drop[MS_DROP_UNKNOWN_NONCE], 0);
	assert_int_equal(st(f)->notify_acks, MS_NQ_WINDOW);
	/* each ack refilled the window, with as many records as had accumulated: after all
	 * of them, the remaining EIDs are in flight in full messages */
	size_t records = 0;
	for (k = first; k < nsent; k++) {
		parse_notify(&sent[k], f->dc);
		records += mn.nrec;
	}
	assert_int_equal(ms_pending_notifies(f->ms), nsent - first);
	assert_true(nsent - first <= MS_NQ_WINDOW);
	/* ack everything until nothing is left: the total is every EID once */
	while (ms_pending_notifies(f->ms) > 0) {
		size_t from = first;
		first = nsent;
		for (k = from; k < first; k++)
			xtr_ack(f, &sent[k], f->dc, "192.0.2.9");
		for (k = first; k < nsent; k++) {
			parse_notify(&sent[k], f->dc);
			records += mn.nrec;
		}
	}
	assert_int_equal(records + MS_NQ_WINDOW, N);
	assert_int_equal(st(f)->notify_eids_acked, N);
	assert_int_equal(st(f)->notify_records, N);
	/* far fewer messages than EIDs */
	assert_true(st(f)->notify_messages < MS_NQ_WINDOW + N / 16);
	assert_int_equal(ms_pending_notify_eids(f->ms), 0);
	assert_int_equal(ms_notify_destinations(f->ms), 0);
}

/* What is held is bounded (max-pending="3000"): past it an EID is not queued (drop
 * notify-limit). When the destination answers nothing, the first message that exhausts
 * its retries takes the destination's queue with it (abandoned); then the window drains. */
static void t_bounded_and_abandoned(void **state)
{
	struct fx *f = *state;
	enum { N = 3200 };

	for (unsigned i = 0; i < N; i += 32)
		do_reg(f, i, 32, false, "192.0.2.9", NULL, "192.0.2.250");
	assert_int_equal(st(f)->arrival_notifies, N);
	assert_int_equal(ms_pending_notify_eids(f->ms), 3000);
	assert_int_equal(st(f)->drop[MS_DROP_NOTIFY_LIMIT], 200);
	assert_int_equal(nsent, MS_NQ_WINDOW);
	/* the retransmissions: 16 per tick (retransmits-per-tick), oldest first */
	size_t before = nsent;
	ms_tick(f->ms, now + 1000);
	assert_int_equal(nsent - before, 16);
	ms_tick(f->ms, now + 1200);
	assert_int_equal(nsent - before, 32);
	assert_int_equal(st(f)->notify_retransmits, 32);
	/* the same nonces again (the first 32 messages, in order) */
	struct lisp_map_notify first;
	parse_notify(&sent[0], f->dc);
	first = mn;
	parse_notify(&sent[before], f->dc);
	assert_int_equal(mn.nonce, first.nonce);
	assert_int_equal(mn.nrec, first.nrec);
	/* run the clock until everything is given up: 2 retries each */
	for (uint64_t t = now + 1400; t < now + 30000; t += 200)
		ms_tick(f->ms, t);
	assert_int_equal(st(f)->drop[MS_DROP_RETRIES_EXHAUSTED], MS_NQ_WINDOW);
	assert_int_equal(st(f)->notify_eids_abandoned, 3000 - MS_NQ_WINDOW * 32);
	assert_int_equal(ms_pending_notifies(f->ms), 0);
	assert_int_equal(ms_pending_notify_eids(f->ms), 0);
	assert_int_equal(ms_notify_destinations(f->ms), 0);
	/* every message was sent 3 times and no more */
	assert_int_equal(nsent, MS_NQ_WINDOW * 3);
	/* room again: a new move is notified */
	nsent = 0;
	do_reg(f, N, 1, false, "192.0.2.9", NULL, "192.0.2.250");
	assert_int_equal(nsent, 1);
}

/* Destinations are per (RLOC, site, key): two sites' EIDs moved to one RLOC go in separate
 * messages, each signed with its site's key. */
static void t_per_site_key(void **state)
{
	struct fx *f = *state;
	static struct lisp_map_register m;
	uint8_t out[4096];
	struct ipaddr a = ip("192.0.2.250");

	do_reg(f, 5, 1, true, "192.0.2.7", NULL, "192.0.2.250");
	memset(&m, 0, sizeof(m));
	m.nonce = nonce++;
	m.nrec = 1;
	const char *const locs[] = {"192.0.2.7", NULL};
	ms_test_set_rec(&m.rec[0], "203.0.113.5/32", 1440, locs, false);
	size_t len = ms_test_sign_reg(&m, f->other, out, sizeof(out));
	nsent = 0;
	ms_input(f->ms, out, len, &a, 40000, now);
	ms_end_turn(f->ms);
	assert_int_equal(nsent, 1);
	parse_notify(&sent[0], f->other);
	assert_int_equal(mn.nrec, 1);
	assert_int_equal(ms_notify_destinations(f->ms), 2);
	xtr_ack(f, &sent[0], f->other, "192.0.2.7");
	assert_int_equal(ms_notify_destinations(f->ms), 1);
}

/* show statistics json has the queue's counters */
static void t_statistics(void **state)
{
	struct fx *f = *state;

	do_reg(f, 0, 3, false, "192.0.2.9", NULL, "192.0.2.250");
	assert_int_equal(st(f)->notify_queued_eids, 3);
	assert_int_equal(st(f)->notify_messages, 1);
	assert_int_equal(st(f)->notify_records, 3);
	assert_int_equal(ms_pending_notify_eids(f->ms), 3);
	assert_string_equal(ms_drop_name(MS_DROP_NOTIFY_LIMIT), "notify-limit");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(t_coalesced_arrival_and_departure),
	    T(t_split_by_mtu),
	    T(t_superseded_at_send_time),
	    T(t_window_then_coalesce),
	    T(t_bounded_and_abandoned),
	    T(t_per_site_key),
	    T(t_statistics),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
