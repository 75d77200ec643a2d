/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_ms_push.c - the Map-Server's BGP push (ms/push.c): the decision from a
 * registration change to bgp_announce / bgp_withdraw, with a recording fake speaker (every
 * call and its mapping), plus one run against the real speaker (bgp/bgp.h) without
 * peers. Map-Registers are built and signed with the proto/ builders and fed to ms_input,
 * as in test_ms.c. Also: the map version (per EID, 12 bits, wraps to 1, persisted), the
 * <bgp> config element (-nv printer, equality used by reload), and the CLI fields. And the
 * speaker across reloads (ms_push_bgp_*), with a real session over loopback: a peer added
 * keeps the same speaker and its session; a refused reload (listener change) changes
 * nothing; <bgp> removed stops it (the peer drops our routes); <bgp> added starts one.
 */
#include "config.h"

#include "ms_testlib.h"

#include <event2/event.h>

#include "bgp/bgp.h"
#include "common/cli.h"
#include "tests/unit/bgp_looprig.h"

/* ------------------------------------------------------------------ fake speaker */
#define MAXCALLS 64
struct call {
	bool withdraw;
	struct lisp_prefix eid;
	struct bgp_host_mapping m;
};
static struct call calls[MAXCALLS];
static size_t ncalls;
static int refuse; /* announce fails when set */

static int fake_announce(void *sp, const struct bgp_host_mapping *m)
{
	(void)sp;
	if (refuse)
		return -1;
	if (ncalls < MAXCALLS) {
		calls[ncalls].withdraw = false;
		calls[ncalls].eid = m->eid;
		calls[ncalls].m = *m;
	}
	ncalls++;
	return 0;
}

static int fake_withdraw(void *sp, const struct lisp_prefix *eid)
{
	(void)sp;
	if (ncalls < MAXCALLS) {
		memset(&calls[ncalls], 0, sizeof(calls[0]));
		calls[ncalls].withdraw = true;
		calls[ncalls].eid = *eid;
	}
	ncalls++;
	return 0;
}

static const struct ms_push_ops fake_ops = {fake_announce, fake_withdraw};
static int fake_speaker; /* its address is the speaker handle */

static int sink(void *arg, const struct ipaddr *dst, uint16_t dport, const uint8_t *data,
		size_t len)
{
	(void)arg;
	(void)dst;
	(void)dport;
	(void)data;
	(void)len;
	return 0;
}

/* ------------------------------------------------------------------ fixture */
static const char cfg_xml[] =
    "<lisp-msd>\n"
    " <site name=\"dc\" lifetime=\"refresh\" proxy-reply=\"true\">\n"
    "  <key id=\"1\" algorithm=\"hmac-sha-256\" secret=\"dc-secret\"/>\n"
    "  <eid-prefix prefix=\"198.51.100.0/24\" more-specifics=\"true\"/>\n"
    "  <eid-prefix prefix=\"2001:db8:100::/64\" more-specifics=\"true\"/>\n"
    "  <eid-prefix prefix=\"[42]10.0.0.0/8\" more-specifics=\"true\"/>\n"
    " </site>\n"
    " <site name=\"multi\" merge=\"true\">\n"
    "  <key id=\"1\" algorithm=\"hmac-sha-256\" secret=\"mu-secret\"/>\n"
    "  <eid-prefix prefix=\"192.0.2.128/25\" more-specifics=\"true\"/>\n"
    " </site>\n"
    " <site name=\"pers\" lifetime=\"persistent\">\n"
    "  <key id=\"1\" algorithm=\"hmac-sha-256\" secret=\"pe-secret\"/>\n"
    "  <eid-prefix prefix=\"100.64.0.0/16\" more-specifics=\"true\"/>\n"
    " </site>\n"
    " <bgp as=\"65000\" router-id=\"192.0.2.9\">\n"
    "  <peer address=\"127.0.0.2\" as=\"65000\" port=\"1179\" add-path=\"both\"/>\n"
    " </bgp>\n"
    "</lisp-msd>\n";

struct fx {
	MS_FX_COMMON;
	struct ms_push *push;
};

static struct ms_cfg *load_cfg(struct fx *f, const char *xml)
{
	return ms_fx_load_cfg(&f->common, xml, false);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	ms_fx_open(&f->common, "test_ms_push", cfg_xml, false, sink);
	f->push = ms_push_new(f->ms, &fake_ops, &fake_speaker);
	assert_non_null(f->push);
	ncalls = 0;
	refuse = 0;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	ms_push_free(f->push);
	ms_fx_close(&f->common);
	free(f);
	return 0;
}

/* ------------------------------------------------------------------ builders */
static const char *str(const struct ipaddr *a)
{
	static char s[4][IPADDR_STRLEN];
	static unsigned i;
	i = (i + 1) % 4;
	return ipaddr_str(a, s[i], sizeof(s[i]));
}

/* Locators "ADDR[/PRIO[/WEIGHT]]", NULL-terminated list. */
static void set_rec(struct lisp_record *r, const char *eid, uint32_t ttl, const char *const *locs)
{
	ms_test_set_rec(r, eid, ttl, locs, true);
}

static struct lisp_map_register reg;
static uint64_t nonce = 1;
static uint64_t now = 1000000;

static void feed_reg(struct fx *f, const struct lisp_key *k, const char *src, bool merge)
{
	uint8_t out[4096];

	reg.nonce = nonce++;
	reg.want_notify = true;
	reg.merge = merge;
	reg.nrec = 1;
	size_t n = ms_test_sign_reg(&reg, k, out, sizeof(out));
	ms_test_feed(f->ms, out, n, src, 4342, now);
}

/* Register eid with the given locators (NULL-terminated varargs of strings). */
#define REG(f, k, eid, ...)                                                                        \
	do {                                                                                       \
		const char *const l_[] = {__VA_ARGS__, NULL};                                      \
		set_rec(&reg.rec[0], eid, 1440, l_);                                               \
		feed_reg(f, k, "192.0.2.250", false);                                              \
	} while (0)

static void dereg(struct fx *f, const struct lisp_key *k, const char *eid, const char *src)
{
	set_rec(&reg.rec[0], eid, 0, NULL);
	feed_reg(f, k, src, false);
}

static const struct ms_reg *find(struct fx *f, const char *eid)
{
	return ms_test_find(f->ms, eid, true);
}

static const struct ms_push_stats *bst(struct fx *f)
{
	return ms_push_get_stats(f->push);
}

/* ------------------------------------------------------------------ cases */
/* The BGP form: priority-255 locators dropped, best first, duplicates folded, at most 8,
 * EID with its IID, TTL and version carried. */
static void t_mapping_form(void **state)
{
	struct lisp_record r;
	struct bgp_host_mapping m;
	const char *const locs[] = {"192.0.2.3/2/10",	"192.0.2.1/255/100", "192.0.2.2/1/20",
				    "2001:db8::1/1/80", "192.0.2.2/1/20",    NULL};
	(void)state;

	set_rec(&r, "[42]10.1.2.3/32", 60, locs);
	assert_int_equal(ms_push_mapping(&r, 7, &m), 3);
	assert_int_equal(m.eid.iid, 42);
	assert_int_equal(m.eid.plen, 32);
	assert_int_equal(m.version, 7);
	assert_int_equal(m.ttl, 60);
	assert_string_equal(str(&m.loc[0].rloc), "2001:db8::1"); /* prio 1, weight 80 */
	assert_string_equal(str(&m.loc[1].rloc), "192.0.2.2");	 /* prio 1, weight 20 */
	assert_string_equal(str(&m.loc[2].rloc), "192.0.2.3");	 /* prio 2 */
	assert_int_equal(m.loc[2].priority, 2);
	assert_int_equal(m.loc[2].weight, 10);

	const char *const none[] = {"192.0.2.1/255", NULL};
	set_rec(&r, "198.51.100.1/32", 60, none);
	assert_int_equal(ms_push_mapping(&r, 1, &m), 0);

	const char *const many[] = {"192.0.2.1", "192.0.2.2",	 "192.0.2.3", "192.0.2.4",
				    "192.0.2.5", "192.0.2.6",	 "192.0.2.7", "192.0.2.8",
				    "192.0.2.9", "192.0.2.10/0", NULL};
	set_rec(&r, "198.51.100.1/32", 60, many);
	assert_int_equal(ms_push_mapping(&r, 1, &m), BGP_MAP_LOC_MAX);
	assert_string_equal(str(&m.loc[0].rloc), "192.0.2.10"); /* priority 0 is best */
}

static void t_register_announces(void **state)
{
	struct fx *f = *state;

	REG(f, f->dc, "198.51.100.5/32", "192.0.2.1");
	assert_int_equal(ncalls, 1);
	assert_false(calls[0].withdraw);
	assert_string_equal(str(&calls[0].m.loc[0].rloc), "192.0.2.1");
	assert_int_equal(calls[0].m.n_loc, 1);
	assert_int_equal(calls[0].m.version, 1);
	assert_int_equal(calls[0].m.ttl, 1440);
	assert_int_equal(find(f, "198.51.100.5/32")->version, 1);
	assert_true(find(f, "198.51.100.5/32")->changed_unix_ms > 1600000000000ULL);
	assert_int_equal(bst(f)->announced, 1);
	/* IPv6 EID with an IPv4 and an IPv6 RLOC; IID kept */
	REG(f, f->dc, "2001:db8:100::5/128", "192.0.2.2", "2001:db8::2/2");
	assert_int_equal(ncalls, 2);
	assert_int_equal(calls[1].m.n_loc, 2);
	assert_int_equal(calls[1].m.eid.afi, LISP_AFI_IPV6);
	REG(f, f->dc, "[42]10.0.0.7/32", "192.0.2.3");
	assert_int_equal(ncalls, 3);
	assert_int_equal(calls[2].m.eid.iid, 42);
}

/* A refresh that changes nothing sends nothing; neither does another ETR registering the
 * same mapping, nor a change BGP does not carry (multicast priority). */
static void t_noop_reregister(void **state)
{
	struct fx *f = *state;

	REG(f, f->dc, "198.51.100.5/32", "192.0.2.1", "192.0.2.2/2");
	assert_int_equal(ncalls, 1);
	REG(f, f->dc, "198.51.100.5/32", "192.0.2.1", "192.0.2.2/2");
	REG(f, f->dc, "198.51.100.5/32", "192.0.2.2/2", "192.0.2.1"); /* other order */
	assert_int_equal(ncalls, 1);
	assert_int_equal(find(f, "198.51.100.5/32")->version, 1);
	/* the same mapping from another ETR address */
	const char *const l[] = {"192.0.2.1", "192.0.2.2/2", NULL};
	set_rec(&reg.rec[0], "198.51.100.5/32", 1440, l);
	feed_reg(f, f->dc, "192.0.2.251", false);
	assert_int_equal(ncalls, 1);
	assert_int_equal(find(f, "198.51.100.5/32")->version, 1);
	/* multicast priority only: a new version, but the BGP form is the same */
	set_rec(&reg.rec[0], "198.51.100.5/32", 1440, l);
	reg.rec[0].loc[0].mpriority = 1;
	feed_reg(f, f->dc, "192.0.2.251", false);
	assert_int_equal(ncalls, 1);
	assert_int_equal(find(f, "198.51.100.5/32")->version, 2);
	assert_true(bst(f)->suppressed >= 2);
	assert_int_equal(bst(f)->announced, 1);
}

/* A move replaces the mapping (one announce of the new set, version up); a change of
 * priority or TTL is a change too. */
static void t_move_replaces(void **state)
{
	struct fx *f = *state;

	REG(f, f->dc, "198.51.100.5/32", "192.0.2.1");
	REG(f, f->dc, "198.51.100.5/32", "192.0.2.9");
	assert_int_equal(ncalls, 2);
	assert_false(calls[1].withdraw);
	assert_int_equal(calls[1].m.n_loc, 1);
	assert_string_equal(str(&calls[1].m.loc[0].rloc), "192.0.2.9");
	assert_int_equal(calls[1].m.version, 2);
	REG(f, f->dc, "198.51.100.5/32", "192.0.2.9/3");
	assert_int_equal(ncalls, 3);
	assert_int_equal(calls[2].m.loc[0].priority, 3);
	assert_int_equal(calls[2].m.version, 3);
	const char *const l[] = {"192.0.2.9/3", NULL};
	set_rec(&reg.rec[0], "198.51.100.5/32", 60, l);
	feed_reg(f, f->dc, "192.0.2.250", false);
	assert_int_equal(ncalls, 4);
	assert_int_equal(calls[3].m.ttl, 60);
	assert_int_equal(ms_get_stats(f->ms)->moves, 1);
}

static uint64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The registration time announced with a mapping (docs/bgp-mappings.md "Ordering"): the
 * registrant's wall clock in its nonce (lisp-register, lisp-xtrd), the same at every
 * Map-Server; a nonce that is no such time (a counter) leaves the Map-Server's own clock; a
 * re-registration that changes nothing keeps the time of the change. */
static void t_registration_time(void **state)
{
	struct fx *f = *state;
	uint64_t t0 = wall_ms();

	REG(f, f->dc, "198.51.100.5/32", "192.0.2.1"); /* nonce 1, 2, ...: a counter */
	assert_int_equal(ncalls, 1);
	assert_true(calls[0].m.reg_ms >= t0 && calls[0].m.reg_ms <= wall_ms());
	assert_true(find(f, "198.51.100.5/32")->changed_unix_ms == calls[0].m.reg_ms);
	/* lisp-register's nonce: its wall clock in ns, one second in the past */
	nonce = (t0 - 1000) * 1000000 + 123456;
	REG(f, f->dc, "198.51.100.5/32", "192.0.2.9");
	assert_int_equal(ncalls, 2);
	assert_true(calls[1].m.reg_ms == t0 - 1000);
	/* the same mapping again (another registrant): no announcement, the time stays */
	nonce = (t0 + 5) * 1000000;
	REG(f, f->dc, "198.51.100.5/32", "192.0.2.9");
	assert_int_equal(ncalls, 2);
	assert_true(find(f, "198.51.100.5/32")->changed_unix_ms == t0 - 1000);
	/* a nonce two days ahead is no time of ours: our clock */
	nonce = (t0 + 2 * 86400000ull) * 1000000;
	REG(f, f->dc, "198.51.100.5/32", "192.0.2.7");
	assert_int_equal(ncalls, 3);
	assert_true(calls[2].m.reg_ms >= t0 && calls[2].m.reg_ms <= wall_ms());
	nonce = 1000; /* the next test's counter */
}

static void t_deregister_withdraws(void **state)
{
	struct fx *f = *state;

	REG(f, f->dc, "198.51.100.5/32", "192.0.2.1");
	dereg(f, f->dc, "198.51.100.5/32", "192.0.2.250");
	assert_int_equal(ncalls, 2);
	assert_true(calls[1].withdraw);
	char s[PREFIX_STRLEN];
	assert_string_equal(prefix_str(&calls[1].eid, s, sizeof(s)), "198.51.100.5/32");
	assert_int_equal(bst(f)->withdrawn, 1);
	/* deregistering what is not registered sends nothing */
	dereg(f, f->dc, "198.51.100.6/32", "192.0.2.250");
	assert_int_equal(ncalls, 2);
	/* registered again: version starts over (the receivers dropped it at the withdraw) */
	REG(f, f->dc, "198.51.100.5/32", "192.0.2.1");
	assert_int_equal(ncalls, 3);
	assert_int_equal(calls[2].m.version, 1);
}

static void t_expiry_withdraws(void **state)
{
	struct fx *f = *state;

	REG(f, f->dc, "198.51.100.5/32", "192.0.2.1");
	ms_tick(f->ms, now + 179 * 1000);
	assert_int_equal(ncalls, 1);
	ms_tick(f->ms, now + 181 * 1000);
	assert_int_equal(ncalls, 2);
	assert_true(calls[1].withdraw);
	assert_int_equal(ms_count(f->ms), 0);
}

/* Only locators usable for unicast: none usable = nothing announced; becoming usable =
 * announce; none usable again = withdraw. */
static void t_unusable_locators(void **state)
{
	struct fx *f = *state;

	REG(f, f->dc, "198.51.100.5/32", "192.0.2.1/255");
	assert_int_equal(ncalls, 0);
	REG(f, f->dc, "198.51.100.5/32", "192.0.2.1/255", "192.0.2.2/1");
	assert_int_equal(ncalls, 1);
	assert_int_equal(calls[0].m.n_loc, 1);
	assert_string_equal(str(&calls[0].m.loc[0].rloc), "192.0.2.2");
	REG(f, f->dc, "198.51.100.5/32", "192.0.2.2/255");
	assert_int_equal(ncalls, 2);
	assert_true(calls[1].withdraw);
	dereg(f, f->dc, "198.51.100.5/32", "192.0.2.250");
	assert_int_equal(ncalls, 2); /* nothing was out there */
}

/* 12-bit version: increases on every change, wraps from 4095 to 1 (0 = unversioned). */
static void t_version_wraps(void **state)
{
	struct fx *f = *state;

	assert_int_equal(ms_version_next(0), 1);
	assert_int_equal(ms_version_next(1), 2);
	assert_int_equal(ms_version_next(4094), 4095);
	assert_int_equal(ms_version_next(4095), 1);
	for (unsigned i = 0; i < 4096; i++) {
		ncalls = 0;
		if (i % 2)
			REG(f, f->dc, "198.51.100.5/32", "192.0.2.1");
		else
			REG(f, f->dc, "198.51.100.5/32", "192.0.2.2");
		assert_int_equal(ncalls, 1);
		assert_int_equal(calls[0].m.version, i < 4095 ? i + 1 : 1);
	}
	assert_int_equal(find(f, "198.51.100.5/32")->version, 1);
}

/* Merged RLOC sets: each ETR's locator arrives; one ETR deregistering re-announces the rest. */
static void t_merge_partial(void **state)
{
	struct fx *f = *state;
	const char *const a[] = {"192.0.2.1", NULL}, *const b[] = {"192.0.2.2", NULL};

	set_rec(&reg.rec[0], "192.0.2.200/32", 1440, a);
	feed_reg(f, f->mu, "192.0.2.1", true);
	set_rec(&reg.rec[0], "192.0.2.200/32", 1440, b);
	feed_reg(f, f->mu, "192.0.2.2", true);
	assert_int_equal(ncalls, 2);
	assert_int_equal(calls[1].m.n_loc, 2);
	assert_int_equal(calls[1].m.version, 2);
	dereg(f, f->mu, "192.0.2.200/32", "192.0.2.1");
	assert_int_equal(ncalls, 3);
	assert_false(calls[2].withdraw);
	assert_int_equal(calls[2].m.n_loc, 1);
	assert_string_equal(str(&calls[2].m.loc[0].rloc), "192.0.2.2");
	assert_int_equal(calls[2].m.version, 3);
	dereg(f, f->mu, "192.0.2.200/32", "192.0.2.2");
	assert_int_equal(ncalls, 4);
	assert_true(calls[3].withdraw);
}

/* A restart: persistent registrations come back from the store with their version and are
 * announced (LOAD) even though nothing "changed". */
static void t_load_announces(void **state)
{
	struct fx *f = *state;
	char err[256];

	REG(f, f->pe, "100.64.1.1/32", "192.0.2.1");
	REG(f, f->pe, "100.64.1.1/32", "192.0.2.7");   /* version 2 */
	REG(f, f->dc, "198.51.100.5/32", "192.0.2.1"); /* refresh site: not stored */
	uint64_t changed = find(f, "100.64.1.1/32")->changed_unix_ms;
	ms_push_free(f->push);
	ms_free(f->ms);
	store_close(f->store);
	f->store = store_open(f->dbpath, false, err, sizeof(err));
	assert_non_null(f->store);
	f->ms = ms_new(f->cfg, f->store, sink, NULL);
	f->push = ms_push_new(f->ms, &fake_ops, &fake_speaker);
	ncalls = 0;
	assert_int_equal(ms_load(f->ms, now), 1);
	assert_int_equal(ncalls, 1);
	assert_false(calls[0].withdraw);
	assert_string_equal(str(&calls[0].m.loc[0].rloc), "192.0.2.7");
	assert_int_equal(calls[0].m.version, 2);
	assert_int_equal(find(f, "100.64.1.1/32")->changed_unix_ms, changed);
	/* the next move continues from the stored version */
	REG(f, f->pe, "100.64.1.1/32", "192.0.2.8");
	assert_int_equal(calls[1].m.version, 3);
}

/* A speaker set later (reload adds <bgp>) gets every registration; NULL pushes nothing. */
static void t_set_speaker_resync(void **state)
{
	struct fx *f = *state;

	ms_push_set_speaker(f->push, NULL);
	REG(f, f->dc, "198.51.100.5/32", "192.0.2.1");
	REG(f, f->dc, "198.51.100.6/32", "192.0.2.1/255");
	REG(f, f->dc, "2001:db8:100::5/128", "192.0.2.2");
	assert_int_equal(ncalls, 0);
	ms_push_set_speaker(f->push, &fake_speaker);
	assert_int_equal(ncalls, 2); /* the priority-255-only one is not announced */
	assert_int_equal(bst(f)->resyncs, 1);
}

/* A reload that removes a site withdraws its registrations. */
static void t_reload_withdraws(void **state)
{
	struct fx *f = *state;

	REG(f, f->dc, "198.51.100.5/32", "192.0.2.1");
	const char *const l[] = {"192.0.2.1", NULL};
	set_rec(&reg.rec[0], "192.0.2.200/32", 1440, l);
	feed_reg(f, f->mu, "192.0.2.1", false);
	assert_int_equal(ncalls, 2);
	struct ms_cfg *c = load_cfg(f, "<lisp-msd><site name=\"dc\"><key id=\"1\" "
				       "algorithm=\"hmac-sha-256\" secret=\"dc-secret\"/>"
				       "<eid-prefix prefix=\"198.51.100.0/24\" "
				       "more-specifics=\"true\"/></site></lisp-msd>");
	assert_non_null(c);
	ms_set_config(f->ms, c, now);
	assert_int_equal(ncalls, 3);
	assert_true(calls[2].withdraw);
	ms_cfg_free(f->cfg);
	f->cfg = c;
}

/* The speaker refuses a mapping: the previous one is withdrawn, never left stale. */
static void t_refused(void **state)
{
	struct fx *f = *state;

	REG(f, f->dc, "198.51.100.5/32", "192.0.2.1");
	refuse = 1;
	REG(f, f->dc, "198.51.100.5/32", "192.0.2.2");
	assert_int_equal(ncalls, 2);
	assert_true(calls[1].withdraw);
	assert_int_equal(bst(f)->refused, 1);
}

/* The real speaker (no peers): its table follows the registrations. */
static void t_real_speaker(void **state)
{
	struct fx *f = *state;
	struct event_base *base = event_base_new();
	struct bgp *b;

	assert_non_null(base);
	b = bgp_new(base, bgp_config_dup(f->cfg->bgp), NULL, NULL);
	assert_non_null(b);
	ms_push_free(f->push);
	f->push = ms_push_new(f->ms, &ms_push_speaker_ops, b);
	REG(f, f->dc, "198.51.100.5/32", "192.0.2.1", "192.0.2.2");
	REG(f, f->dc, "2001:db8:100::5/128", "192.0.2.1");
	assert_int_equal(bgp_mapping_count(b), 2);
	REG(f, f->dc, "198.51.100.5/32", "192.0.2.3");
	assert_int_equal(bgp_mapping_count(b), 2);
	dereg(f, f->dc, "198.51.100.5/32", "192.0.2.250");
	assert_int_equal(bgp_mapping_count(b), 1);
	assert_int_equal(bst(f)->announced, 3);
	assert_int_equal(bst(f)->withdrawn, 1);
	event_base_loop(base, EVLOOP_NONBLOCK); /* the end-of-turn flush (no peer) */
	ms_push_set_speaker(f->push, NULL);
	bgp_free(b);
	event_base_free(base);
}

/* <bgp> in the config: parsed by the speaker's parser, printed by -nv, errors refused;
 * the copy and the equality used by reload. */
static void t_config(void **state)
{
	struct fx *f = *state;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(f->cfg->bgp);
	assert_int_equal(f->cfg->bgp->local_as, 65000);
	assert_int_equal(f->cfg->bgp->n_peers, 1);
	ms_cfg_print(f->cfg, out);
	fclose(out);
	assert_non_null(strstr(buf, "<bgp as=\"65000\" router-id=\"192.0.2.9\">"));
	assert_non_null(strstr(buf, "<peer address=\"127.0.0.2\" as=\"65000\" port=\"1179\""));
	free(buf);

	struct bgp_cfg *d = bgp_config_dup(f->cfg->bgp);
	assert_true(bgp_config_equal(d, f->cfg->bgp));
	d->peers[0].hold_time = 30;
	assert_false(bgp_config_equal(d, f->cfg->bgp));
	assert_false(bgp_config_equal(NULL, f->cfg->bgp));
	assert_true(bgp_config_equal(NULL, NULL));
	bgp_config_free(d);

	/* errors: hold time 2 (RFC 4271 §4.2), unknown attribute (schema), no router-id */
	assert_null(load_cfg(f,
			     "<lisp-msd><bgp as=\"1\" router-id=\"192.0.2.1\"><peer "
			     "address=\"192.0.2.2\" as=\"1\" hold-time=\"2\"/></bgp></lisp-msd>"));
	assert_null(load_cfg(f, "<lisp-msd><bgp as=\"1\" router-id=\"192.0.2.1\" "
				"bogus=\"1\"/></lisp-msd>"));
	assert_null(load_cfg(f, "<lisp-msd><bgp as=\"1\"/></lisp-msd>"));
	struct ms_cfg *c = load_cfg(f, "<lisp-msd/>");
	assert_non_null(c);
	assert_null(c->bgp);
	ms_cfg_free(c);
}

/* CLI: the map version and change time per registration, the push counters. */
static void t_cli(void **state)
{
	struct fx *f = *state;
	size_t ncmd;
	const struct cli_cmd *cmds = ms_cli_table(&ncmd);
	struct cli *cli = cli_new(NULL, cmds, ncmd, "lisp-msd", f->ms);
	struct strbuf sb;

	assert_non_null(cli);
	REG(f, f->dc, "198.51.100.5/32", "192.0.2.1");
	REG(f, f->dc, "198.51.100.5/32", "192.0.2.2");
	dereg(f, f->dc, "198.51.100.5/32", "192.0.2.250");
	REG(f, f->dc, "198.51.100.6/32", "192.0.2.1");
	REG(f, f->dc, "198.51.100.6/32", "192.0.2.3");
	strbuf_init(&sb);
	assert_int_equal(cli_exec(cli, NULL, "show registrations json", &sb), CLI_OK);
	assert_non_null(strstr(strbuf_str(&sb), "\"mapVersion\": 2"));
	assert_non_null(strstr(strbuf_str(&sb), "\"changedUnixMs\": 1"));
	strbuf_reset(&sb);
	assert_int_equal(cli_exec(cli, NULL, "show statistics json", &sb), CLI_OK);
	assert_non_null(strstr(strbuf_str(&sb), "\"announced\": 4"));
	assert_non_null(strstr(strbuf_str(&sb), "\"withdrawn\": 1"));
	strbuf_free(&sb);
	cli_free(cli);
}

/* The speaker across reloads (ms_push_bgp_reload), against a remote speaker over loopback. */
static int rev[8]; /* the remote's events by kind */
static void remote_ev(const struct bgp_event *ev, void *arg)
{
	(void)arg;
	rev[ev->kind]++;
}

static struct bgp *lr_local; /* the speaker under test, for the conditions */
static bool remote_has_mapping(void *arg)
{
	(void)arg;
	return rev[BGP_EV_MAPPING] > 0 && lr_up(lr_local, LR_REMOTE);
}

static bool remote_withdrawn(void *arg)
{
	(void)arg;
	return rev[BGP_EV_WITHDRAWN] > 0;
}

static void t_bgp_reload(void **state)
{
	struct fx *f = *state;
	struct event_base *base = event_base_new();
	struct bgp *remote = lr_remote_new(base, remote_ev, NULL);

	memset(rev, 0, sizeof(rev));
	assert_non_null(remote);
	ms_push_free(f->push);
	f->push = ms_push_new(f->ms, &ms_push_speaker_ops, NULL);
	REG(f, f->dc, "198.51.100.5/32", "192.0.2.1");
	struct bgp_cfg *c0 = lr_local_cfg(bgp_listen_port(remote));
	assert_int_equal(ms_push_bgp_start(f->push, base, c0, false), 0);
	struct bgp *b = lr_local = ms_push_bgp(f->push);
	assert_non_null(b);
	assert_ptr_equal(ms_push_speaker(f->push), b);
	assert_int_equal(bgp_mapping_count(b), 1);
	assert_true(lr_run_until(base, remote_has_mapping, NULL));

	/* unchanged: nothing at all */
	assert_int_equal(ms_push_bgp_reload(f->push, c0), 0);
	assert_ptr_equal(ms_push_bgp(f->push), b);

	/* a peer added: the same speaker, its table, its session */
	struct bgp_cfg *c1 = bgp_config_dup(c0);
	lr_cfg_add_peer(c1, "127.0.0.4", 65001)->passive = true;
	assert_int_equal(ms_push_bgp_reload(f->push, c1), 0);
	assert_ptr_equal(ms_push_bgp(f->push), b);
	assert_ptr_equal(ms_push_speaker(f->push), b);
	assert_non_null(lr_peer(b, "127.0.0.4"));
	lr_run_for(base, 300);
	assert_true(lr_up(b, LR_REMOTE));
	assert_int_equal(lr_peer(b, LR_REMOTE)->established, 1);
	assert_int_equal(rev[BGP_EV_PEER_DOWN], 0);
	assert_int_equal(rev[BGP_EV_WITHDRAWN], 0);
	assert_int_equal(bgp_mapping_count(b), 1);

	/* refused: another listener (and a peer added with it): nothing changes */
	struct bgp_cfg *c2 = bgp_config_dup(c1);
	c2->listen = true;
	c2->listen_addr = lr_addr(LR_LOCAL);
	lr_cfg_add_peer(c2, "127.0.0.5", 65001)->passive = true;
	assert_int_equal(ms_push_bgp_reload(f->push, c2), -1);
	assert_ptr_equal(ms_push_bgp(f->push), b);
	assert_null(lr_peer(b, "127.0.0.5"));
	assert_int_equal(bgp_listen_port(b), 0);
	assert_int_equal(ms_push_bgp_reload(f->push, c1), 0); /* c1 is still in force */
	lr_run_for(base, 100);
	assert_int_equal(lr_peer(b, LR_REMOTE)->established, 1);
	assert_int_equal(rev[BGP_EV_PEER_DOWN], 0);

	/* <bgp> removed: the speaker stops for good, the peer drops our routes */
	assert_int_equal(ms_push_bgp_reload(f->push, NULL), 0);
	assert_null(ms_push_bgp(f->push));
	assert_null(ms_push_speaker(f->push));
	assert_true(lr_run_until(base, remote_withdrawn, NULL));
	assert_int_equal(rev[BGP_EV_STALE], 0);

	/* <bgp> added: a new speaker with every registration */
	memset(rev, 0, sizeof(rev));
	assert_int_equal(ms_push_bgp_reload(f->push, c0), 0);
	lr_local = ms_push_bgp(f->push);
	assert_non_null(lr_local);
	assert_int_equal(bgp_mapping_count(lr_local), 1);
	assert_true(lr_run_until(base, remote_has_mapping, NULL));

	ms_push_bgp_stop(f->push);
	bgp_free(remote);
	lr_run_for(base, 10);
	bgp_config_free(c0);
	bgp_config_free(c1);
	bgp_config_free(c2);
	event_base_free(base);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(t_mapping_form),
	    T(t_register_announces),
	    T(t_noop_reregister),
	    T(t_move_replaces),
	    T(t_registration_time),
	    T(t_deregister_withdraws),
	    T(t_expiry_withdraws),
	    T(t_unusable_locators),
	    T(t_version_wraps),
	    T(t_merge_partial),
	    T(t_load_announces),
	    T(t_set_speaker_resync),
	    T(t_reload_withdraws),
	    T(t_refused),
	    T(t_real_speaker),
	    T(t_bgp_reload),
	    T(t_config),
	    T(t_cli),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
