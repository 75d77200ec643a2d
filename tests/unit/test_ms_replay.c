/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_ms_replay.c - replay protection of the Map-Server (ms/replay.c,
 * docs/lisp-wire.md "Replay protection"): captured Map-Registers and deregistrations
 * replayed from any address, at any later time, across a restart, never change what is
 * stored; the random-nonce policy of RFC 6833 registrants; and our own two registrants
 * (lisp-register's reg_build, lisp-xtrd's register.c: the production code of both) using
 * one key from one address without locking each other out.
 */
#include "config.h"

#include "ms_testlib.h"
#include "xtr_testlib.h"

#include <sqlite3.h>

#include "ms/ms_int.h" /* MS_SEEN_MAX */
#include "tools/reg.h"

/* ------------------------------------------------------------------ fixture */
#include "ms_sink.h"

static const char cfg_xml[] =
    "<lisp-msd>\n"
    " <site name=\"dc\" lifetime=\"refresh\" proxy-reply=\"true\">\n"
    "  <key id=\"1\" algorithm=\"hmac-sha-256\" secret=\"dc-secret\"/>\n"
    "  <eid-prefix prefix=\"198.51.100.0/24\" more-specifics=\"true\"/>\n"
    "  <eid-prefix prefix=\"2001:db8:100::/64\" more-specifics=\"true\"/>\n"
    " </site>\n"
    " <site name=\"pers\" lifetime=\"persistent\" proxy-reply=\"true\">\n"
    "  <key id=\"1\" algorithm=\"hmac-sha-256\" secret=\"pe-secret\"/>\n"
    "  <eid-prefix prefix=\"100.64.0.0/16\" more-specifics=\"true\"/>\n"
    " </site>\n"
    "</lisp-msd>\n";

/* The same sites, plus RFC 6833 registrants: random nonces, key ID 0 with HMAC-SHA-1. */
static const char legacy_xml[] =
    "<lisp-msd>\n"
    " <site name=\"dc\" lifetime=\"refresh\" proxy-reply=\"true\">\n"
    "  <key id=\"1\" algorithm=\"hmac-sha-256\" secret=\"dc-secret\"/>\n"
    "  <eid-prefix prefix=\"198.51.100.0/24\" more-specifics=\"true\"/>\n"
    " </site>\n"
    " <site name=\"legacy\" replay=\"random-nonce\" proxy-reply=\"true\">\n"
    "  <key id=\"0\" algorithm=\"hmac-sha-1\" secret=\"legacy-secret\"/>\n"
    "  <eid-prefix prefix=\"203.0.113.0/24\" more-specifics=\"true\"/>\n"
    " </site>\n"
    "</lisp-msd>\n";

struct fx {
	MS_FX_COMMON;
	unsigned changes;
};

static void hook(const struct ms_change *c, void *arg)
{
	(void)c;
	((struct fx *)arg)->changes++;
}

static int setup_xml(void **state, const char *xml)
{
	struct fx *f = calloc(1, sizeof(*f));

	ms_fx_open(&f->common, "test_ms_replay", xml, true, sink);
	assert_int_equal(ms_on_change(f->ms, hook, f), 0);
	nsent = 0;
	sink_count_past_max = true; /* t_random_nonce_policy: MS_SEEN_MAX registrations */
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_xml(state, cfg_xml);
}

static int setup_legacy(void **state)
{
	return setup_xml(state, legacy_xml);
}

static int teardown(void **state)
{
	struct fx *f = *state;
	ms_fx_close(&f->common);
	free(f);
	return 0;
}

/* ------------------------------------------------------------------ builders */
static uint64_t now = 1000000;

struct msg {
	uint8_t data[2048];
	size_t len;
};

/* A signed Map-Register (M=1) of one record: eid -> rloc (NULL: TTL 0, a deregistration),
 * with an xTR-ID of 16 x `xtr` bytes when xtr != 0 (I=1). */
static void build(struct msg *out, const struct lisp_key *k, const char *eid, const char *rloc,
		  uint64_t nonce, uint8_t xtr)
{
	static struct lisp_map_register reg;
	const char *const locs[] = {rloc, NULL};

	memset(&reg, 0, offsetof(struct lisp_map_register, rec));
	ms_test_set_rec(&reg.rec[0], eid, rloc ? 1440 : 0, rloc ? locs : NULL, false);
	reg.nrec = 1;
	reg.nonce = nonce;
	reg.want_notify = true;
	reg.xtr_id_present = xtr != 0;
	memset(reg.xtr_id, xtr, 16);
	out->len = ms_test_sign_reg(&reg, k, out->data, sizeof(out->data));
}

static void feed(struct fx *f, const struct msg *m, const char *src)
{
	ms_test_feed(f->ms, m->data, m->len, src, 40000, now);
}

static uint64_t replays(const struct fx *f)
{
	return ms_get_stats(f->ms)->drop[MS_DROP_REPLAY];
}

/* The single RLOC registered for eid, or "" when it is not registered. */
static const char *rloc_of(struct ms *ms, const char *eid)
{
	static char a[IPADDR_STRLEN];
	struct lisp_record rec;
	const struct ms_reg *r = ms_test_find(ms, eid, false);

	if (r == NULL)
		return "";
	ms_reg_record(r, &rec);
	assert_int_equal(rec.nloc, 1);
	return ipaddr_str(&rec.loc[0].addr.addr[0], a, sizeof(a));
}

/* ------------------------------------------------------------------ strict: I=0 */
/* A captured Map-Register sent again from another address after a newer registration (the
 * VM migrated) is refused: the mapping stays at the new RLOC. It was keyed by source
 * address: a new source was a new counter, and the VM's mapping went back to the old RLOC. */
static void t_replay_from_other_source(void **state)
{
	struct fx *f = *state;
	struct msg old, mig;

	build(&old, f->dc, "198.51.100.5/32", "192.0.2.1", 1000, 0);
	feed(f, &old, "192.0.2.1"); /* the xTR of site A */
	assert_string_equal(rloc_of(f->ms, "198.51.100.5/32"), "192.0.2.1");
	build(&mig, f->dc, "198.51.100.5/32", "192.0.2.2", 2000, 0);
	feed(f, &mig, "192.0.2.50"); /* the controller, after the migration */
	assert_string_equal(rloc_of(f->ms, "198.51.100.5/32"), "192.0.2.2");
	unsigned changes = f->changes;
	size_t sent_before = nsent;

	feed(f, &old, "192.0.2.99"); /* the captured message, from elsewhere */
	assert_string_equal(rloc_of(f->ms, "198.51.100.5/32"), "192.0.2.2");
	feed(f, &old, "192.0.2.1"); /* and from its own source */
	feed(f, &mig, "192.0.2.98");
	assert_string_equal(rloc_of(f->ms, "198.51.100.5/32"), "192.0.2.2");
	assert_int_equal(replays(f), 3);
	assert_int_equal(f->changes, changes); /* no hook fired: nothing changed */
	assert_int_equal(nsent, sent_before);  /* no Map-Notify, no acknowledgement */
	/* another EID has its own entry: a lower nonce is fine there */
	build(&old, f->dc, "198.51.100.6/32", "192.0.2.1", 10, 0);
	feed(f, &old, "192.0.2.1");
	assert_string_equal(rloc_of(f->ms, "198.51.100.6/32"), "192.0.2.1");
	assert_int_equal(replays(f), 3);
}

/* A captured deregistration replayed later does not delete a newer registration, and a
 * captured registration replayed after the deregistration does not bring it back. */
static void t_replay_deregistration_later(void **state)
{
	struct fx *f = *state;
	struct msg reg1, dereg, reg2;

	build(&reg1, f->dc, "198.51.100.7/32", "192.0.2.1", 100, 0);
	feed(f, &reg1, "192.0.2.1");
	build(&dereg, f->dc, "198.51.100.7/32", NULL, 200, 0);
	feed(f, &dereg, "192.0.2.50");
	assert_string_equal(rloc_of(f->ms, "198.51.100.7/32"), "");
	/* the old registration replayed: still gone */
	feed(f, &reg1, "192.0.2.77");
	assert_string_equal(rloc_of(f->ms, "198.51.100.7/32"), "");
	assert_int_equal(replays(f), 1);
	/* registered again, at the new site */
	build(&reg2, f->dc, "198.51.100.7/32", "192.0.2.3", 300, 0);
	feed(f, &reg2, "192.0.2.3");
	assert_string_equal(rloc_of(f->ms, "198.51.100.7/32"), "192.0.2.3");
	/* the old deregistration replayed, from anywhere: the registration stays */
	feed(f, &dereg, "192.0.2.78");
	feed(f, &dereg, "192.0.2.50");
	assert_string_equal(rloc_of(f->ms, "198.51.100.7/32"), "192.0.2.3");
	assert_int_equal(replays(f), 3);
	assert_int_equal(ms_get_stats(f->ms)->deregistrations, 1);
}

/* ------------------------------------------------------------------ strict: I=1 */
static void t_replay_xtr_id(void **state)
{
	struct fx *f = *state;
	struct msg m1, m2, other;

	build(&m1, f->dc, "198.51.100.8/32", "192.0.2.1", 10, 0xa1);
	feed(f, &m1, "192.0.2.1");
	build(&m2, f->dc, "198.51.100.8/32", "192.0.2.2", 20, 0xa1);
	feed(f, &m2, "192.0.2.2"); /* the same xTR-ID from another address */
	feed(f, &m1, "192.0.2.3");
	assert_string_equal(rloc_of(f->ms, "198.51.100.8/32"), "192.0.2.2");
	assert_int_equal(replays(f), 1);
	/* another xTR-ID has its own sequence, even for the same EID */
	build(&other, f->dc, "198.51.100.8/32", "192.0.2.4", 5, 0xb2);
	feed(f, &other, "192.0.2.4");
	assert_string_equal(rloc_of(f->ms, "198.51.100.8/32"), "192.0.2.4");
	assert_int_equal(replays(f), 1);
	assert_int_equal(ms_get_stats(f->ms)->replay_entries, 2);
}

/* ------------------------------------------------------------------ restart */
/* The replay state survives a restart (RFC 9301 §5.6 "save in persistent storage"), for
 * refresh sites too, whose registrations do not: a replay after the restart must neither
 * re-create a registration nor move a persistent one back. */
static void t_replay_after_restart(void **state)
{
	struct fx *f = *state;
	struct msg r0, x0, p1, p2, fresh;
	char err[256];

	build(&r0, f->dc, "198.51.100.9/32", "192.0.2.1", 10, 0); /* refresh site, I=0 */
	feed(f, &r0, "192.0.2.1");
	build(&x0, f->dc, "198.51.100.10/32", "192.0.2.1", 10, 0xc3); /* refresh site, I=1 */
	feed(f, &x0, "192.0.2.1");
	build(&p1, f->pe, "100.64.1.1/32", "192.0.2.1", 10, 0); /* persistent site */
	feed(f, &p1, "192.0.2.1");
	build(&p2, f->pe, "100.64.1.1/32", "192.0.2.2", 20, 0);
	feed(f, &p2, "192.0.2.50");
	assert_int_equal(ms_count(f->ms), 3);

	/* restart: a new Map-Server on the same database */
	ms_free(f->ms);
	store_close(f->store);
	f->store = store_open(f->dbpath, false, err, sizeof(err));
	assert_non_null(f->store);
	f->ms = ms_new(f->cfg, f->store, sink, NULL);
	assert_non_null(f->ms);
	assert_int_equal(ms_load(f->ms, now), 1); /* the persistent registration */
	assert_true(ms_get_stats(f->ms)->replay_entries >= 3);
	nsent = 0;

	feed(f, &r0, "192.0.2.5");
	feed(f, &x0, "192.0.2.5");
	feed(f, &p1, "192.0.2.5");
	feed(f, &p2, "192.0.2.6");
	assert_int_equal(replays(f), 4);
	assert_string_equal(rloc_of(f->ms, "198.51.100.9/32"), "");
	assert_string_equal(rloc_of(f->ms, "198.51.100.10/32"), "");
	assert_string_equal(rloc_of(f->ms, "100.64.1.1/32"), "192.0.2.2");
	assert_int_equal(nsent, 0);
	/* and the registrants go on with newer nonces */
	build(&fresh, f->dc, "198.51.100.9/32", "192.0.2.1", 11, 0);
	feed(f, &fresh, "192.0.2.1");
	build(&fresh, f->dc, "198.51.100.10/32", "192.0.2.1", 11, 0xc3);
	feed(f, &fresh, "192.0.2.1");
	assert_int_equal(ms_count(f->ms), 3);
	assert_int_equal(replays(f), 4);
}

/* A database written before the replay kinds: rows keyed by (site, key ID, source
 * address). The registrations they protected stay protected after the upgrade. */
static void t_replay_old_database(void **state)
{
	struct fx *f = *state;
	struct msg p1, p2;
	uint8_t key[MS_NAME_MAX + 2 + 17];
	struct ipaddr src = ip("192.0.2.50");
	char err[256];

	build(&p1, f->pe, "100.64.2.1/32", "192.0.2.1", 10, 0);
	build(&p2, f->pe, "100.64.2.1/32", "192.0.2.2", 20, 0);
	feed(f, &p1, "192.0.2.50");
	feed(f, &p2, "192.0.2.50");
	ms_free(f->ms);
	store_close(f->store);
	/* the old form of the replay rows: none per EID, one per (site, key ID, source) */
	memset(key, 0, sizeof(key));
	memcpy(key, "pers", 4);
	key[MS_NAME_MAX] = 1;
	key[MS_NAME_MAX + 1] = (uint8_t)src.afi;
	memcpy(key + MS_NAME_MAX + 2, src.a, 16);
	sqlite3 *db;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(f->dbpath, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DELETE FROM replay", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO replay (key, nonce) VALUES (?1, 20)",
					    -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_blob(st, 1, key, (int)sizeof(key), SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(db);
	f->store = store_open(f->dbpath, false, err, sizeof(err));
	assert_non_null(f->store);
	f->ms = ms_new(f->cfg, f->store, sink, NULL);
	assert_int_equal(ms_load(f->ms, now), 1);
	feed(f, &p1, "192.0.2.60");
	assert_int_equal(replays(f), 1);
	assert_string_equal(rloc_of(f->ms, "100.64.2.1/32"), "192.0.2.2");
}

/* ------------------------------------------------------------------ bounds */
/* The table is bounded: past the bound the least recently advanced entry is evicted and
 * its nonce raises the floor of its kind for (site, key ID), which still refuses what the
 * entry refused - after a restart too. */
static void t_replay_bounded(void **state)
{
	struct fx *f = *state;
	struct msg m[6], again;
	char eid[32], err[256];

	f->ms->replay_max = 4;
	for (unsigned i = 0; i < 6; i++) {
		snprintf(eid, sizeof(eid), "198.51.100.%u/32", 20 + i);
		build(&m[i], f->dc, eid, "192.0.2.1", 10 + i, 0);
		feed(f, &m[i], "192.0.2.1");
	}
	assert_int_equal(ms_get_stats(f->ms)->replay_entries, 4);
	assert_int_equal(ms_get_stats(f->ms)->replay_evictions, 2);
	assert_int_equal(ms_count(f->ms), 6);
	/* .20 and .21 were evicted (floor 11): their messages are still refused */
	feed(f, &m[0], "192.0.2.9");
	feed(f, &m[1], "192.0.2.9");
	assert_int_equal(replays(f), 2);
	/* a new EID under the floor is refused too (the documented cost), above it accepted */
	build(&again, f->dc, "198.51.100.40/32", "192.0.2.1", 11, 0);
	feed(f, &again, "192.0.2.1");
	assert_int_equal(replays(f), 3);
	build(&again, f->dc, "198.51.100.40/32", "192.0.2.1", 100, 0);
	feed(f, &again, "192.0.2.1");
	assert_int_equal(replays(f), 3);
	/* restart: the floor and the entries come back */
	ms_free(f->ms);
	store_close(f->store);
	f->store = store_open(f->dbpath, false, err, sizeof(err));
	assert_non_null(f->store);
	f->ms = ms_new(f->cfg, f->store, sink, NULL);
	assert_non_null(f->ms);
	f->ms->replay_max = 4;
	assert_int_equal(ms_load(f->ms, now), 0);
	assert_int_equal(ms_get_stats(f->ms)->replay_entries, 4);
	feed(f, &m[0], "192.0.2.9");
	feed(f, &m[5], "192.0.2.9");
	assert_int_equal(replays(f), 2);
	assert_int_equal(ms_count(f->ms), 0);
}

/* ------------------------------------------------------------------ random-nonce */
static void t_random_nonce_policy(void **state)
{
	struct fx *f = *state;
	struct lisp_key *k = lisp_key_new(0, LISP_ALG_HMAC_SHA1_96, "legacy-secret", 13);
	static const uint64_t nonces[] = {0x8f3a11c2d4e5f607ull, 0x12ab34cd56ef7890ull,
					  0x5a5a5a5a00000001ull, 0x0000000000000003ull};
	struct msg m[4];
	char a[16];

	/* random nonces, each lower than the one before: all accepted (with strict, the first
	 * would have locked the others out) */
	for (unsigned i = 0; i < 4; i++) {
		snprintf(a, sizeof(a), "192.0.2.%u", i + 1);
		build(&m[i], k, "203.0.113.5/32", a, nonces[i], 0);
		feed(f, &m[i], "192.0.2.200");
		assert_string_equal(rloc_of(f->ms, "203.0.113.5/32"), a);
	}
	assert_int_equal(ms_get_stats(f->ms)->drop[MS_DROP_REPLAY_SEEN], 0);
	assert_int_equal(ms_get_stats(f->ms)->seen_nonces, 4);
	/* an exact replay, from any address, is refused */
	feed(f, &m[1], "192.0.2.201");
	feed(f, &m[0], "192.0.2.200");
	assert_string_equal(rloc_of(f->ms, "203.0.113.5/32"), "192.0.2.4");
	assert_int_equal(ms_get_stats(f->ms)->drop[MS_DROP_REPLAY_SEEN], 2);
	/* the strict site next to it is unchanged */
	struct msg s;
	build(&s, f->dc, "198.51.100.5/32", "192.0.2.1", 50, 0);
	feed(f, &s, "192.0.2.1");
	build(&s, f->dc, "198.51.100.5/32", "192.0.2.2", 40, 0);
	feed(f, &s, "192.0.2.1");
	assert_string_equal(rloc_of(f->ms, "198.51.100.5/32"), "192.0.2.1");
	assert_int_equal(ms_get_stats(f->ms)->drop[MS_DROP_REPLAY], 1);

	/* bounded: MS_SEEN_MAX nonces; past it the oldest leaves (counted: it left before
	 * the lifetime of its registration) and can be replayed - the documented weakness */
	for (uint64_t i = 0; i < MS_SEEN_MAX; i++) {
		struct msg x;
		build(&x, k, "203.0.113.6/32", "192.0.2.9", 0x1000000 + i, 0);
		ms_test_feed(f->ms, x.data, x.len, "192.0.2.200", 40000, now);
	}
	assert_int_equal(ms_get_stats(f->ms)->seen_nonces, MS_SEEN_MAX);
	assert_int_equal(ms_get_stats(f->ms)->seen_early_evictions, 4);
	feed(f, &m[1], "192.0.2.201");
	assert_string_equal(rloc_of(f->ms, "203.0.113.5/32"), "192.0.2.2");
	lisp_key_free(k);
}

/* ------------------------------------------------------------------ our registrants */
/* lisp-register (reg_build, as the controller runs it) and lisp-xtrd (its register.c)
 * register with the same key, from the same address, one after the other, the same EID
 * too (a VM that moved into the xTR's site is registered by the controller, then by the
 * xTR): every Map-Register of both is accepted. Before, lisp-register's nonces (ns) were
 * far above lisp-xtrd's (seconds << 24) and both were keyed by the source address: after
 * one lisp-register run, every registration of that xTR was a "replay". */
static void t_own_registrants(void **state)
{
	struct fx *f = *state;
	struct reg_opts o;
	struct lisp_prefix eids[2];
	uint8_t out[REG_DGRAM_MAX];
	struct buf w;
	uint64_t last = 0;
	struct lisp_record rec;

	/* the xTR of site A (xtr_testlib: RLOCs 192.0.2.1 and 2001:db8:ffff::1, EIDs .5/32
	 * and ::5/128, key 1 "dc-secret") registers */
	struct xtr_cfg *c = test_cfg();
	struct xtr *x = xtr_new(c, &test_io, SEC);
	xtr_cfg_free(c);
	assert_non_null(x);
	cap_reset();
	xtr_tick(x, 2 * SEC);
	assert_int_equal(ncap_ctl, 1);
	ms_test_feed(f->ms, cap_ctl[0].data, cap_ctl[0].len, "192.0.2.1", 4342, now);
	assert_int_equal(ms_count(f->ms), 2);

	/* the controller runs lisp-register on the xTR's host, with the site key, for a VM
	 * that moved in and for one of the xTR's own EIDs */
	reg_opts_init(&o);
	o.rlocs[o.nrlocs++] = ip("192.0.2.1");
	assert_int_equal(tools_parse_eid("198.51.100.77/32", 0, &eids[0]), 0);
	assert_int_equal(tools_parse_eid("198.51.100.5/32", 0, &eids[1]), 0);
	for (unsigned round = 0; round < 3; round++) {
		buf_init_write(&w, out, sizeof(out));
		last = tools_nonce_increasing(last);
		assert_int_equal(reg_build(&o, eids, 2, last, f->dc, &w, NULL), 0);
		ms_test_feed(f->ms, out, buf_len(&w), "192.0.2.1", (uint16_t)(40001 + round), now);
		assert_int_equal(ms_count(f->ms), 3);
		ms_reg_record(ms_test_find(f->ms, "198.51.100.5/32", false), &rec);
		assert_int_equal(rec.nloc, 1); /* lisp-register's */
		/* the xTR refreshes a minute later: accepted */
		cap_reset();
		xtr_tick(x, (2 + 60 * (round + 1)) * SEC);
		assert_int_equal(ncap_ctl, 1);
		ms_test_feed(f->ms, cap_ctl[0].data, cap_ctl[0].len, "192.0.2.1", 4342, now);
		ms_reg_record(ms_test_find(f->ms, "198.51.100.5/32", false), &rec);
		assert_int_equal(rec.nloc, 2); /* the xTR's: both its RLOCs */
	}
	assert_int_equal(replays(f), 0);
	assert_int_equal(ms_get_stats(f->ms)->replay_entries, 2); /* two xTR-IDs */
	reg_opts_free(&o);
	xtr_free(x);
}

/* Interned site names: one copy per name, found again however many there are (a hashed
 * index: a Map-Register looks its site's name up once per message). */
static void t_intern_names(void **state)
{
	struct fx *f = *state;
	static const char *first[4000];
	char name[32];

	for (unsigned i = 0; i < 4000; i++) {
		snprintf(name, sizeof(name), "site-%u", i);
		first[i] = ms_intern(f->ms, name);
		assert_non_null(first[i]);
		assert_string_equal(first[i], name);
	}
	for (unsigned i = 0; i < 4000; i++) {
		snprintf(name, sizeof(name), "site-%u", i);
		assert_ptr_equal(ms_intern(f->ms, name), first[i]);
	}
	assert_ptr_not_equal(first[0], first[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(t_replay_from_other_source, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_replay_deregistration_later, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_replay_xtr_id, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_replay_after_restart, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_replay_old_database, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_replay_bounded, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_random_nonce_policy, setup_legacy, teardown),
	    cmocka_unit_test_setup_teardown(t_own_registrants, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_intern_names, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
