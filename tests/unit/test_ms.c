/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_ms.c - the Map-Server core (ms/ms.h) driven directly: messages built with
 * the proto/ builders, fed to ms_input() with a source address and an injected clock, and
 * every packet the Map-Server sends captured by the send sink (the fixture:
 * ms_core_testlib.h). One named case per rule of RFC 9301 §5.6/§8.2 the Map-Server
 * implements for Map-Registers (see ms/register.c for the decisions): authentication, EID
 * prefixes, replace and merge, expiry, replay, malformed messages, persistence; and its
 * config and CLI. Map-Requests are in test_ms_request.c, Map-Notify and pub/sub (RFC 9437)
 * in test_ms_notify.c.
 */
#include "config.h"

#include "ms_core_testlib.h"

#include <time.h>

#include "common/cli.h"

/* The record of a registration, decoded (ms_reg keeps its locators encoded). */
static const struct lisp_record *rec_of(const struct ms_reg *r)
{
	static struct lisp_record rec;
	assert_non_null(r);
	return ms_reg_record(r, &rec);
}

/* ------------------------------------------------------------------ cases: auth */
static void t_auth_ok_notify(void **state)
{
	struct fx *f = *state;
	char a[IPADDR_STRLEN];

	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.1", NULL, 10, F_M | F_I, "192.0.2.1");
	const struct ms_reg *r = find(f, "198.51.100.5/32");
	assert_non_null(r);
	assert_int_equal(rec_of(r)->nloc, 1);
	assert_string_equal(r->site, "dc");
	assert_int_equal(nsent, 1);
	assert_int_equal(sent[0].dport, 40000);
	assert_string_equal(ipaddr_str(&sent[0].dst, a, sizeof(a)), "192.0.2.1");
	parse_notify(&sent[0], f->dc);
	assert_int_equal(mn.nonce, 10);
	assert_int_equal(mn.nrec, 1);
	assert_true(mn.xtr_id_present);
	assert_true(prefix_eq(&mn.rec[0].eid, &r->eid));
	assert_int_equal(f->changes, 1);
	assert_false(f->last_had_old);
	/* the second key of the site (SHA-1, key id 2) works too, without M: no notify */
	nsent = 0;
	do_reg(f, f->dc_sha1, "198.51.100.6/32", 1440, "192.0.2.1", NULL, 1, 0, "192.0.2.1");
	assert_non_null(find(f, "198.51.100.6/32"));
	assert_int_equal(nsent, 0);
}

static void t_auth_wrong_key(void **state)
{
	struct fx *f = *state;
	do_reg(f, f->wrong, "198.51.100.5/32", 1440, "192.0.2.1", NULL, 10, F_M, "192.0.2.1");
	assert_int_equal(ms_count(f->ms), 0);
	assert_int_equal(drops(f, MS_DROP_BAD_AUTH), 1);
	assert_int_equal(nsent, 0);
	assert_int_equal(f->changes, 0);
}

static void t_auth_wrong_key_id(void **state)
{
	struct fx *f = *state;
	struct lisp_key *k9 = lisp_key_new(9, LISP_ALG_HMAC_SHA256_128, "dc-secret", 9);
	do_reg(f, k9, "198.51.100.5/32", 1440, "192.0.2.1", NULL, 10, F_M, "192.0.2.1");
	lisp_key_free(k9);
	assert_int_equal(ms_count(f->ms), 0);
	assert_int_equal(drops(f, MS_DROP_BAD_KEY_ID), 1);
}

static void t_auth_wrong_alg(void **state)
{
	struct fx *f = *state;
	/* key id 1 is SHA-256 in the config; sign with SHA-1 and the right secret */
	struct lisp_key *k = lisp_key_new(1, LISP_ALG_HMAC_SHA1_96, "dc-secret", 9);
	do_reg(f, k, "198.51.100.5/32", 1440, "192.0.2.1", NULL, 10, F_M, "192.0.2.1");
	lisp_key_free(k);
	assert_int_equal(ms_count(f->ms), 0);
	assert_int_equal(drops(f, MS_DROP_BAD_AUTH), 1);
}

/* ------------------------------------------------------------------ cases: prefixes */
static void t_eid_unknown_site(void **state)
{
	struct fx *f = *state;
	do_reg(f, f->dc, "10.9.9.9/32", 1440, "192.0.2.1", NULL, 10, F_M, "192.0.2.1");
	assert_int_equal(ms_count(f->ms), 0);
	assert_int_equal(drops(f, MS_DROP_UNKNOWN_SITE), 1);
}

static void t_eid_outside_site_whole_message(void **state)
{
	struct fx *f = *state;
	uint8_t out[4096];

	set_rec(&reg.rec[0], "198.51.100.5/32", 1440, "192.0.2.1", NULL);
	set_rec(&reg.rec[1], "203.0.113.5/32", 1440, "192.0.2.1", NULL); /* site "exact" */
	size_t n = build_reg(out, sizeof(out), f->dc, 10, F_M, 2);
	feed(f, out, n, "192.0.2.1", 40000);
	assert_int_equal(ms_count(f->ms), 0); /* the good record is not stored either */
	assert_int_equal(drops(f, MS_DROP_EID_NOT_ALLOWED), 1);
	assert_int_equal(nsent, 0);
	/* the nonce was not consumed: the corrected message with the same nonce passes */
	n = build_reg(out, sizeof(out), f->dc, 10, F_M, 1);
	feed(f, out, n, "192.0.2.1", 40000);
	assert_int_equal(ms_count(f->ms), 1);
}

static void t_more_specifics(void **state)
{
	struct fx *f = *state;
	do_reg(f, f->ex, "203.0.113.5/32", 1440, "192.0.2.1", NULL, 1, 0, "192.0.2.1");
	assert_int_equal(ms_count(f->ms), 0);
	assert_int_equal(drops(f, MS_DROP_EID_NOT_ALLOWED), 1);
	do_reg(f, f->ex, "203.0.113.0/25", 1440, "192.0.2.1", NULL, 2, 0, "192.0.2.1");
	assert_non_null(find(f, "203.0.113.0/25"));
	/* more-specifics allowed in dc, IPv6 too */
	do_reg(f, f->dc, "2001:db8:100::5/128", 1440, "2001:db8::1", NULL, 3, 0, "192.0.2.1");
	assert_non_null(find(f, "2001:db8:100::5/128"));
	/* shorter than the allowed prefix is not allowed */
	do_reg(f, f->dc, "198.51.0.0/16", 1440, "192.0.2.1", NULL, 4, 0, "192.0.2.1");
	assert_null(find(f, "198.51.0.0/16"));
}

/* ------------------------------------------------------------------ cases: replace/merge */
static void t_replace(void **state)
{
	struct fx *f = *state;
	char a[IPADDR_STRLEN];

	/* without an xTR-ID the registrants of one EID under one key share its nonce order
	 * (ms/replay.c): the second ETR's nonce is above the first's */
	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.1", NULL, 1, 0, "192.0.2.1");
	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.2", NULL, 2, 0, "192.0.2.2");
	const struct ms_reg *r = find(f, "198.51.100.5/32");
	assert_int_equal(rec_of(r)->nloc, 1);
	assert_string_equal(ipaddr_str(&rec_of(r)->loc[0].addr.addr[0], a, sizeof(a)), "192.0.2.2");
	assert_int_equal(ms_get_stats(f->ms)->moves, 1);
	assert_true(f->last_had_old && f->last_has_new);
	/* a-bit: merge even in a replace site */
	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.3", NULL, 3, F_A, "192.0.2.3");
	assert_int_equal(rec_of(find(f, "198.51.100.5/32"))->nloc, 2);
}

static void t_merge(void **state)
{
	struct fx *f = *state;
	char a[IPADDR_STRLEN];

	/* two ETRs, each with its xTR-ID (I=1) and its own nonces, as lisp-xtrd sends */
	reg_xtr_id = 1;
	do_reg(f, f->mu, "192.0.2.200/32", 1440, "192.0.2.1", NULL, 1, F_I, "192.0.2.1");
	reg_xtr_id = 2;
	do_reg(f, f->mu, "192.0.2.200/32", 1440, "192.0.2.2", NULL, 1, F_I, "192.0.2.2");
	assert_int_equal(rec_of(find(f, "192.0.2.200/32"))->nloc, 2);
	/* ETR 1 refreshes with a new RLOC: only its own locator is replaced */
	reg_xtr_id = 1;
	do_reg(f, f->mu, "192.0.2.200/32", 1440, "192.0.2.11", NULL, 2, F_I, "192.0.2.1");
	assert_int_equal(rec_of(find(f, "192.0.2.200/32"))->nloc, 2);
	/* ETR 1 deregisters: ETR 2's locator stays */
	do_reg(f, f->mu, "192.0.2.200/32", 0, NULL, NULL, 3, F_I, "192.0.2.1");
	const struct ms_reg *r = find(f, "192.0.2.200/32");
	assert_non_null(r);
	assert_int_equal(rec_of(r)->nloc, 1);
	assert_string_equal(ipaddr_str(&rec_of(r)->loc[0].addr.addr[0], a, sizeof(a)), "192.0.2.2");
	reg_xtr_id = 2;
	do_reg(f, f->mu, "192.0.2.200/32", 0, NULL, NULL, 2, F_I, "192.0.2.2");
	assert_null(find(f, "192.0.2.200/32"));
	reg_xtr_id = 0xab;
}

static void t_ttl0_deregister(void **state)
{
	struct fx *f = *state;
	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.1", NULL, 1, 0, "192.0.2.1");
	assert_int_equal(ms_count(f->ms), 1);
	do_reg(f, f->dc, "198.51.100.5/32", 0, NULL, NULL, 2, F_M, "192.0.2.1");
	assert_int_equal(ms_count(f->ms), 0);
	assert_int_equal(f->changes, 2);
	assert_true(f->last_had_old);
	assert_false(f->last_has_new);
	assert_int_equal(f->last_why, MS_CHG_DEREGISTER);
	assert_int_equal(nsent, 1); /* acknowledged */
}

/* ------------------------------------------------------------------ cases: expiry, replay */
static void t_expiry_refresh(void **state)
{
	struct fx *f = *state;
	uint64_t t0 = now;

	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.1", NULL, 1, 0, "192.0.2.1");
	ms_tick(f->ms, t0 + 179 * 1000);
	assert_int_equal(ms_count(f->ms), 1);
	ms_tick(f->ms, t0 + 181 * 1000);
	assert_int_equal(ms_count(f->ms), 0);
	assert_int_equal(ms_get_stats(f->ms)->expirations, 1);
	assert_int_equal(f->last_why, MS_CHG_EXPIRE);
	/* a refresh every 60 s keeps it */
	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.1", NULL, 2, 0, "192.0.2.1");
	now += 170 * 1000;
	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.1", NULL, 3, 0, "192.0.2.1");
	ms_tick(f->ms, now + 100 * 1000);
	assert_int_equal(ms_count(f->ms), 1);
	/* T bit: the record TTL (10 min) rules */
	do_reg(f, f->dc, "198.51.100.6/32", 10, "192.0.2.1", NULL, 4, F_T, "192.0.2.1");
	ms_tick(f->ms, now + 500 * 1000);
	assert_non_null(find(f, "198.51.100.6/32"));
	ms_tick(f->ms, now + 601 * 1000);
	assert_null(find(f, "198.51.100.6/32"));
	/* persistent sites never expire */
	do_reg(f, f->pe, "100.64.1.1/32", 1440, "192.0.2.1", NULL, 1, 0, "192.0.2.1");
	ms_tick(f->ms, now + 86400ULL * 1000 * 30);
	assert_non_null(find(f, "100.64.1.1/32"));
}

/* The expiry heap: many refresh registrations expire exactly at their deadlines, a refresh
 * moves the deadline, persistent registrations are never queued. */
static void t_expiry_many(void **state)
{
	struct fx *f = *state;
	uint64_t t0 = now;
	char eid[64];
	uint64_t nonce = 100;
	struct lisp_prefix p;

	/* EID 1 at t0, then EIDs 2k and 2k+1 at t0 + k s */
	for (unsigned i = 0; i < 600; i++) {
		snprintf(eid, sizeof(eid), "2001:db8:100::%x/128", i + 1);
		do_reg(f, f->dc, eid, 1440, "192.0.2.1", NULL, nonce++, 0, "192.0.2.1");
		if (i % 2 == 0)
			now += 1000;
	}
	for (unsigned i = 0; i < 50; i++) {
		snprintf(eid, sizeof(eid), "100.64.2.%u/32", i + 1);
		do_reg(f, f->pe, eid, 1440, "192.0.2.1", NULL, nonce++, 0, "192.0.2.1");
		assert_int_equal(ms_reg_expires(f->ms, find(f, eid)), 0);
	}
	assert_int_equal(ms_count(f->ms), 650);
	/* refresh EID 1 late: its deadline moves */
	now = t0 + 150 * 1000;
	do_reg(f, f->dc, "2001:db8:100::1/128", 1440, "192.0.2.1", NULL, nonce++, 0, "192.0.2.1");
	assert_int_equal(ms_reg_expires(f->ms, find(f, "2001:db8:100::1/128")), now + 180 * 1000);
	ms_tick(f->ms, t0 + 180 * 1000); /* EID 1 was due now: refreshed */
	assert_int_equal(ms_count(f->ms), 650);
	ms_tick(f->ms, t0 + 181 * 1000); /* EIDs 2 and 3 */
	assert_int_equal(ms_count(f->ms), 648);
	assert_non_null(find(f, "2001:db8:100::1/128"));
	assert_null(find(f, "2001:db8:100::2/128"));
	assert_non_null(find(f, "2001:db8:100::4/128"));
	ms_tick(f->ms, t0 + 281 * 1000); /* EIDs 2..203 */
	assert_int_equal(ms_count(f->ms), 650 - 202);
	assert_non_null(find(f, "2001:db8:100::1/128"));
	ms_tick(f->ms, t0 + 330 * 1000); /* EID 1, 180 s after its refresh */
	assert_null(find(f, "2001:db8:100::1/128"));
	/* all refresh registrations gone, the persistent ones stay */
	ms_tick(f->ms, t0 + 10000 * 1000);
	assert_int_equal(ms_count(f->ms), 50);
	assert_int_equal(ms_get_stats(f->ms)->expirations, 600);
	assert_int_equal(prefix_parse("100.64.2.1/32", &p, false), 0);
	assert_non_null(ms_lookup(f->ms, &p));
}

static void t_replay(void **state)
{
	struct fx *f = *state;

	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.1", NULL, 5, F_M, "192.0.2.1");
	assert_int_equal(nsent, 1);
	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.9", NULL, 5, F_M, "192.0.2.1");
	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.9", NULL, 4, F_M, "192.0.2.1");
	assert_int_equal(drops(f, MS_DROP_REPLAY), 2);
	assert_int_equal(nsent, 1);
	char a[IPADDR_STRLEN];
	assert_string_equal(
	    ipaddr_str(&rec_of(find(f, "198.51.100.5/32"))->loc[0].addr.addr[0], a, sizeof(a)),
	    "192.0.2.1");
	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.9", NULL, 6, F_M, "192.0.2.1");
	/* the ack + the Map-Notify to the old RLOC + the arrival notify to the new RLOC (.9
	 * did not send the registration) */
	assert_int_equal(nsent, 4);
	/* another source (I=0): its own counter */
	do_reg(f, f->dc, "198.51.100.7/32", 1440, "192.0.2.9", NULL, 1, 0, "192.0.2.2");
	assert_non_null(find(f, "198.51.100.7/32"));
	/* I=1: keyed by xTR-ID whatever the source */
	do_reg(f, f->dc, "198.51.100.8/32", 1440, "192.0.2.9", NULL, 100, F_I, "192.0.2.3");
	do_reg(f, f->dc, "198.51.100.9/32", 1440, "192.0.2.9", NULL, 100, F_I, "192.0.2.4");
	assert_null(find(f, "198.51.100.9/32"));
	assert_int_equal(drops(f, MS_DROP_REPLAY), 3);
}

/* ------------------------------------------------------------------ cases: malformed */
static void t_malformed_counted_state_unchanged(void **state)
{
	struct fx *f = *state;
	uint8_t out[2048], bad[2048];

	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.1", NULL, 1, 0, "192.0.2.1");
	unsigned changes = f->changes;
	set_rec(&reg.rec[0], "198.51.100.5/32", 1440, "192.0.2.77", NULL);
	size_t n = build_reg(out, sizeof(out), f->dc, 50, F_M, 1);
	/* every truncation */
	for (size_t cut = 0; cut < n; cut++)
		feed(f, out, cut, "192.0.2.1", 40000);
	const struct ms_stats *st = ms_get_stats(f->ms);
	assert_int_equal(st->drop[MS_DROP_MALFORMED], n);
	assert_true(st->malformed[PERR_TRUNCATED] > 0);
	/* record count far beyond the data */
	memcpy(bad, out, n);
	bad[3] = 200;
	feed(f, bad, n, "192.0.2.1", 40000);
	/* trailing garbage */
	memcpy(bad, out, n);
	bad[n] = 0x42;
	feed(f, bad, n + 1, "192.0.2.1", 40000);
	assert_int_equal(st->drop[MS_DROP_MALFORMED], n + 2);
	assert_true(st->malformed[PERR_TRAILING] + st->malformed[PERR_BAD_AUTH] +
			st->malformed[PERR_BAD_COUNT] + st->malformed[PERR_LIMIT] >=
		    1);
	/* oversized: more locators than accepted (17) */
	struct lisp_record *r = &reg.rec[0];
	for (unsigned i = 0; i < LISP_MAX_LOCATORS; i++)
		r->loc[i] = r->loc[0];
	r->nloc = LISP_MAX_LOCATORS;
	n = build_reg(out, sizeof(out), f->dc, 51, F_M, 1);
	uint64_t before = st->drop[MS_DROP_MALFORMED];
	assert_int_equal(out[52], LISP_MAX_LOCATORS); /* 4 + nonce 8 + auth 4 + 32, TTL 4 */
	out[52] = LISP_MAX_LOCATORS + 1;
	feed(f, out, n, "192.0.2.1", 40000);
	assert_int_equal(st->drop[MS_DROP_MALFORMED], before + 1);
	/* unexpected types */
	uint8_t junk[8] = {0x90, 0, 0, 0, 0, 0, 0, 0};
	feed(f, junk, sizeof(junk), "192.0.2.1", 40000);
	assert_int_equal(st->drop[MS_DROP_UNEXPECTED_TYPE], 1);
	feed(f, junk, 0, "192.0.2.1", 40000);
	/* nothing changed, nothing sent */
	assert_int_equal(f->changes, changes);
	assert_int_equal(nsent, 0);
	char a[IPADDR_STRLEN];
	assert_string_equal(
	    ipaddr_str(&rec_of(find(f, "198.51.100.5/32"))->loc[0].addr.addr[0], a, sizeof(a)),
	    "192.0.2.1");
	/* and the nonce of the dropped messages was not consumed */
	set_rec(&reg.rec[0], "198.51.100.5/32", 1440, "192.0.2.77", NULL);
	n = build_reg(out, sizeof(out), f->dc, 2, F_M, 1);
	feed(f, out, n, "192.0.2.1", 40000);
	/* the ack + the Map-Notify to the old RLOC + the arrival notify to 192.0.2.77 */
	assert_int_equal(nsent, 3);
}

/* ------------------------------------------------------------------ cases: persistence */
static void t_persistent_commit_before_ack(void **state)
{
	struct fx *f = *state;
	struct ipaddr src = ip("192.0.2.1");
	uint8_t out[2048];
	char err[256];

	set_rec(&reg.rec[0], "100.64.1.1/32", 1440, "192.0.2.1", NULL);
	size_t n = build_reg(out, sizeof(out), f->pe, 42, F_M, 1);
	ms_input(f->ms, out, n, &src, 40000, now);
	assert_int_equal(nsent, 0);	      /* the ack waits ... */
	assert_true(store_pending(f->store)); /* ... for the open transaction */
	ms_end_turn(f->ms);
	assert_int_equal(nsent, 1);
	assert_false(store_pending(f->store));

	/* a new Map-Server on the same database: registration and nonce are back */
	struct ms_store *st2 = store_open(f->dbpath, false, err, sizeof(err));
	assert_non_null(st2);
	nsent = 0;
	struct ms *ms2 = ms_new(f->cfg, st2, sink, NULL);
	assert_int_equal(ms_load(ms2, now), 1);
	struct lisp_prefix p;
	prefix_parse("100.64.1.1/32", &p, false);
	assert_non_null(ms_lookup(ms2, &p));
	ms_input(ms2, out, n, &src, 40000, now); /* replayed */
	ms_end_turn(ms2);
	assert_int_equal(ms_get_stats(ms2)->drop[MS_DROP_REPLAY], 1);
	assert_int_equal(nsent, 0);
	ms_free(ms2);
	store_close(st2);
}

/* ------------------------------------------------------------------ cases: config */
static void t_config_errors(void **state)
{
	struct fx *f = *state;
	struct ms_cfg *c;

	c = load_cfg(f, "<lisp-msd><site name=\"a\"><key id=\"1\" algorithm=\"hmac-sha-256\" "
			"secret=\"x\"/><eid-prefix prefix=\"10.0.0.0/8\"/></site>"
			"<site name=\"b\"><key id=\"1\" algorithm=\"hmac-sha-256\" secret=\"x\"/>"
			"<eid-prefix prefix=\"10.0.0.0/8\"/></site></lisp-msd>");
	assert_null(c); /* same prefix in two sites */
	c = load_cfg(f, "<lisp-msd><site name=\"a\"><key id=\"1\" algorithm=\"md5\" "
			"secret=\"x\"/><eid-prefix prefix=\"10.0.0.0/8\"/></site></lisp-msd>");
	assert_null(c); /* schema */
	c = load_cfg(f,
		     "<lisp-msd><site name=\"a\"><key id=\"1\" algorithm=\"hmac-sha-1\" "
		     "secret-file=\"/nonexistent/key\"/><eid-prefix prefix=\"10.0.0.0/8\"/></site>"
		     "</lisp-msd>");
	assert_null(c);
	/* an out-of-range port is an error, not the default silently */
	assert_null(load_cfg(f, "<lisp-msd><listen port=\"0\"/></lisp-msd>"));
	assert_null(load_cfg(f, "<lisp-msd><cli port=\"70000\"/></lisp-msd>"));
	c = load_cfg(f, "<lisp-msd><listen port=\"14342\"/><database path=\"/tmp/x.db\" "
			"sync=\"full\"/></lisp-msd>");
	assert_non_null(c);
	assert_int_equal(c->port, 14342);
	assert_true(c->db_sync_full);
	assert_int_equal(c->cli.port, 2621);
	ms_cfg_free(c);
	/* the fixture: defaults and site settings */
	assert_int_equal(f->cfg->port, LISP_CONTROL_PORT);
	assert_int_equal(f->cfg->nsites, 4);
	assert_int_equal(f->cfg->sites[0].nkeys, 2);
	assert_true(f->cfg->sites[2].merge);
	assert_int_equal(f->cfg->sites[3].lifetime, MS_LIFE_PERSISTENT);
}

/* Config at scale (BENCHMARKS.md config-load): 20000 sites load in time linear in their
 * number (the duplicate-name check compared each site with every earlier one, and libxml2
 * validated the <interleave> of the old schema in quadratic time: over 9 s of CPU for this
 * file in an optimized build, far more under the sanitizers), cost little memory each, and
 * every per-site lookup (by name, by prefix) finds the right site. A duplicate name is
 * reported at its own line with the line of the first. */
#define MANY_SITES 20000
static char *many_sites_xml(size_t n, bool dup_last)
{
	size_t cap = 256 + n * 256, len = 0;
	char *x = malloc(cap);

	assert_non_null(x);
	len += (size_t)snprintf(x + len, cap - len, "<lisp-msd>\n");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(
		    x + len, cap - len,
		    "<site name=\"s%zu\"><key id=\"1\" algorithm=\"hmac-sha-256\" "
		    "secret=\"k%zu\"/>\n<eid-prefix prefix=\"10.%zu.%zu.%zu/28\"/></site>\n",
		    dup_last && i == n - 1 ? (size_t)7 : i, i, i >> 12, (i >> 4) & 255,
		    (i & 15) << 4);
	snprintf(x + len, cap - len, "</lisp-msd>\n");
	return x;
}

static double cpu_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void t_config_many_sites(void **state)
{
	struct fx *f = *state;
	char *x = many_sites_xml(MANY_SITES, false);
	char name[16];
	struct lisp_prefix p;
	struct cfg_errs errs;

	/* a site costs its name, flags and pointers, not room for 8 keys and a 512-byte path
	 * each (the old struct was over 4 KB) */
	assert_true(sizeof(struct ms_site) <= 128);
	double t0 = cpu_seconds();
	struct ms_cfg *c = load_cfg(f, x);
	double dt = cpu_seconds() - t0;
	free(x);
	assert_non_null(c);
	/* about 1 s under ASan on the machine of BENCHMARKS.md; the quadratic version needed
	 * well over a minute */
	fprintf(stderr, "# %d sites parsed in %.2f s of CPU\n", MANY_SITES, dt);
	assert_true(dt < 15.0);
	assert_int_equal(c->nsites, MANY_SITES);
	for (size_t i = 0; i < MANY_SITES; i += 997) {
		snprintf(name, sizeof(name), "s%zu", i);
		struct ms_site *s = ms_site_by_name(c, name);
		assert_non_null(s);
		assert_ptr_equal(s, &c->sites[i]);
		char pfx[32];
		snprintf(pfx, sizeof(pfx), "10.%zu.%zu.%zu/32", i >> 12, (i >> 4) & 255,
			 ((i & 15) << 4) + 3);
		assert_int_equal(prefix_parse(pfx, &p, false), 0);
		assert_ptr_equal(ms_site_for_prefix(c, &p, NULL), s);
	}
	assert_null(ms_site_by_name(c, "s20000"));
	ms_cfg_free(c);

	/* the last site repeats the name of site 7 */
	x = many_sites_xml(MANY_SITES, true);
	FILE *fp = fopen(f->cfgpath, "w");
	assert_non_null(fp);
	fputs(x, fp);
	fclose(fp);
	free(x);
	cfg_errs_init(&errs);
	assert_null(ms_cfg_parse(f->cfgpath, &errs));
	assert_int_equal(errs.count, 1);
	char want[64];
	snprintf(want, sizeof(want), ":%d: duplicate site s7 (the first is at line 16)",
		 2 * MANY_SITES);
	assert_non_null(strstr(errs.text, want));
}

/* <database>: path relative to the config file; without path, the installation's state
 * directory; without the element, no persistence */
static void t_database_path(void **state)
{
	struct fx *f = *state;
	char want[600];

	struct ms_cfg *c = load_cfg(f, "<lisp-msd>\n <database/>\n</lisp-msd>\n");
	assert_non_null(c);
	assert_string_equal(c->db_path, LISP_STATEDIR "/lisp-msd.db");
	assert_string_equal(MS_DEFAULT_DB, LISP_STATEDIR "/lisp-msd.db");
	ms_cfg_free(c);
	c = load_cfg(f, "<lisp-msd>\n <database path=\"reg.db\" sync=\"full\"/>\n</lisp-msd>\n");
	assert_non_null(c);
	snprintf(want, sizeof(want), "%s/reg.db", f->common.dir);
	assert_string_equal(c->db_path, want);
	assert_true(c->db_sync_full);
	ms_cfg_free(c);
	c = load_cfg(f, "<lisp-msd/>\n");
	assert_non_null(c);
	assert_string_equal(c->db_path, "");
	ms_cfg_free(c);
}

static void t_reload_removes_site(void **state)
{
	struct fx *f = *state;

	do_reg(f, f->mu, "192.0.2.200/32", 1440, "192.0.2.1", NULL, 1, 0, "192.0.2.1");
	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.1", NULL, 1, 0, "192.0.2.1");
	struct ms_cfg *c =
	    load_cfg(f, "<lisp-msd><site name=\"dc\"><key id=\"1\" "
			"algorithm=\"hmac-sha-256\" secret=\"dc-secret\"/>"
			"<eid-prefix prefix=\"198.51.100.0/24\" more-specifics=\"true\"/>"
			"</site></lisp-msd>");
	assert_non_null(c);
	ms_set_config(f->ms, c, now);
	assert_int_equal(ms_count(f->ms), 1);
	assert_non_null(find(f, "198.51.100.5/32"));
	ms_cfg_free(f->cfg);
	f->cfg = c;
}

/* ------------------------------------------------------------------ cases: CLI */
static void t_cli_json(void **state)
{
	struct fx *f = *state;
	size_t ncmd;
	const struct cli_cmd *cmds = ms_cli_table(&ncmd);
	struct cli *cli = cli_new(NULL, cmds, ncmd, "lisp-msd", f->ms);
	struct strbuf sb;
	uint8_t junk[3] = {0x30, 0, 0};

	assert_non_null(cli);
	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.1", NULL, 1, 0, "192.0.2.1");
	feed(f, junk, sizeof(junk), "192.0.2.1", 40000);
	strbuf_init(&sb);
	assert_int_equal(cli_exec(cli, NULL, "show registrations json", &sb), CLI_OK);
	assert_non_null(strstr(strbuf_str(&sb), "\"eid\": \"198.51.100.5/32\""));
	assert_non_null(strstr(strbuf_str(&sb), "\"rloc\": \"192.0.2.1\""));
	strbuf_reset(&sb);
	assert_int_equal(cli_exec(cli, NULL, "sh reg 10.0.0.1 json", &sb), CLI_OK);
	assert_non_null(strstr(strbuf_str(&sb), "\"error\""));
	strbuf_reset(&sb);
	assert_int_equal(cli_exec(cli, NULL, "show statistics json", &sb), CLI_OK);
	assert_non_null(strstr(strbuf_str(&sb), "\"malformed:truncated\": 1"));
	assert_non_null(strstr(strbuf_str(&sb), "\"bad-auth\": 0"));
	/* the sockets' drops (common/udpio: none open here) and the suppressed input logs */
	assert_non_null(strstr(strbuf_str(&sb), "\"udp\": []"));
	assert_non_null(strstr(strbuf_str(&sb), "\"inputLogs\": {"));
	strbuf_reset(&sb);
	assert_int_equal(cli_exec(cli, NULL, "show sites", &sb), CLI_OK);
	assert_non_null(strstr(strbuf_str(&sb), "198.51.100.0/24"));
	strbuf_reset(&sb);
	assert_int_equal(cli_exec(cli, NULL, "show subscribers json", &sb), CLI_OK);
	assert_non_null(strstr(strbuf_str(&sb), "\"subscribers\": []"));
	strbuf_reset(&sb);
	assert_int_equal(cli_exec(cli, NULL, "debug control", &sb), CLI_OK);
	assert_true(log_get_topics() & LOG_TOPIC_CONTROL);
	assert_int_equal(cli_exec(cli, NULL, "debug off", &sb), CLI_OK);
	assert_int_equal(log_get_topics(), 0);
	strbuf_free(&sb);
	cli_free(cli);
}

/* show registrations: count, filters (prefix exact / longest / longer, site, RLOC), the
 * table, detail with readable dates, JSON numbers. */
static char *msx(struct cli *cli, const char *line)
{
	static struct strbuf sb;
	strbuf_free(&sb);
	cli_exec(cli, NULL, line, &sb);
	return (char *)strbuf_str(&sb);
}

static void t_cli_views(void **state)
{
	struct fx *f = *state;
	size_t ncmd;
	const struct cli_cmd *cmds = ms_cli_table(&ncmd);
	struct cli *cli = cli_new(NULL, cmds, ncmd, "lisp-msd", f->ms);
	char eid[64], *a;

	/* 100 hosts (even addresses), the /25 around half of them, one host of site multi */
	for (unsigned i = 0; i < 100; i++) {
		snprintf(eid, sizeof(eid), "198.51.100.%u/32", 2 * i);
		do_reg(f, f->dc, eid, 1440, i % 4 ? "192.0.2.1" : "192.0.2.2", NULL, 100 + i, 0,
		       "192.0.2.1");
	}
	do_reg(f, f->dc, "198.51.100.0/25", 1440, "192.0.2.1", NULL, 300, 0, "192.0.2.1");
	do_reg(f, f->mu, "192.0.2.200/32", 1440, "192.0.2.1", NULL, 301, 0, "192.0.2.1");
	assert_int_equal(ms_count(f->ms), 102);
	assert_string_equal(msx(cli, "show registrations count"), "102\n");
	assert_string_equal(msx(cli, "show registrations count json"), "{\n  \"count\": 102\n}\n");
	assert_string_equal(msx(cli, "show registrations site dc count"), "101\n");
	assert_string_equal(msx(cli, "show registrations site multi count"), "1\n");
	assert_string_equal(msx(cli, "show registrations site nosuch count"), "0\n");
	assert_string_equal(msx(cli, "show registrations rloc 192.0.2.2 count"), "25\n");
	assert_string_equal(msx(cli, "sh reg count rloc 192.0.2.2 site dc"), "25\n");
	/* more specifics: the /25 and the 64 hosts in it */
	assert_string_equal(msx(cli, "show registrations 198.51.100.0/25 longer count"), "65\n");
	assert_string_equal(msx(cli, "show registrations 198.51.100.0/24 longer count"), "101\n");
	/* exact, longest */
	assert_string_equal(msx(cli, "show registrations 198.51.100.0/25 count"), "1\n");
	assert_non_null(
	    strstr(msx(cli, "show registrations 198.51.100.0/24"), "% no registration"));
	a = msx(cli, "show registrations 198.51.100.4 json");
	assert_non_null(strstr(a, "\"eid\": \"198.51.100.4/32\""));
	assert_non_null(strstr(a, "\"count\": 1"));
	a = msx(cli, "show registrations 198.51.100.3 json"); /* no host: the /25 */
	assert_non_null(strstr(a, "\"eid\": \"198.51.100.0/25\""));
	a = msx(cli, "show registrations 198.51.100.3/32 longest json");
	assert_non_null(strstr(a, "\"eid\": \"198.51.100.0/25\""));
	assert_non_null(strstr(msx(cli, "show registrations 198.51.100.201"), "% no registration"));
	/* JSON keeps numbers */
	a = msx(cli, "show registrations 198.51.100.4 json");
	assert_non_null(strstr(a, "\"registeredUnix\": 1"));
	assert_non_null(strstr(a, "\"changedUnixMs\": 1"));
	/* detail: readable dates and ages */
	a = msx(cli, "show registrations 198.51.100.4 detail");
	assert_non_null(strstr(a, "registered:"));
	assert_non_null(strstr(a, "changed ago:"));
	assert_non_null(strstr(a, "Z\n"));
	assert_null(strstr(a, "unix"));
	/* the table: header, one line each, total */
	a = msx(cli, "show registrations site dc");
	size_t lines = 0;
	for (char *p = a; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 101 + 2);
	assert_true(strncmp(a, "EID ", 4) == 0);
	assert_non_null(strstr(a, "\n198.51.100.0/25 "));
	assert_non_null(strstr(a, "\n101 registrations\n"));
	assert_null(strstr(a, "192.0.2.200"));
	/* JSON of everything: every registration, the count after the array */
	a = msx(cli, "show registrations json");
	size_t n = 0;
	for (char *p = a; (p = strstr(p, "\"eid\"")); p++)
		n++;
	assert_int_equal(n, 102);
	assert_non_null(strstr(a, "\n  ],\n  \"count\": 102\n}\n"));
	/* show sites: streamed too, and counted */
	assert_string_equal(msx(cli, "show sites count"), "4\n");
	a = msx(cli, "show sites json");
	n = 0;
	for (char *p = a; (p = strstr(p, "\"lifetime\"")); p++)
		n++;
	assert_int_equal(n, 4);
	assert_non_null(strstr(a, "\"name\": \"pers\""));
	/* words it does not take */
	assert_non_null(strstr(msx(cli, "show sites bogus"), "usage: show sites [count]"));
	assert_non_null(
	    strstr(msx(cli, "show registrations neighbor 192.0.2.1"), "not understood"));
	assert_non_null(strstr(msx(cli, "show registrations longer"), "needs a prefix"));
	cli_free(cli);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(t_auth_ok_notify),
	    T(t_auth_wrong_key),
	    T(t_auth_wrong_key_id),
	    T(t_auth_wrong_alg),
	    T(t_eid_unknown_site),
	    T(t_eid_outside_site_whole_message),
	    T(t_more_specifics),
	    T(t_replace),
	    T(t_merge),
	    T(t_ttl0_deregister),
	    T(t_expiry_refresh),
	    T(t_expiry_many),
	    T(t_replay),
	    T(t_malformed_counted_state_unchanged),
	    T(t_persistent_commit_before_ack),
	    T(t_config_errors),
	    T(t_config_many_sites),
	    T(t_database_path),
	    T(t_reload_removes_site),
	    T(t_cli_json),
	    T(t_cli_views),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
