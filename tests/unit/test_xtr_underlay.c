/* SPDX-License-Identifier: ISC */
/* tests/unit/test_xtr_underlay.c - a redundant D-ETR's underlay announcements (xtr/underlay.h)
 * with real sessions over loopback (bgp_looprig.h): the D-ETR (RLOCs 192.0.2.10 and
 * 2001:db8:ffff::10, aggregates 198.51.100.0/24 and 2001:db8:100::/64) with one mapping peer
 * (the remote speaker, a stand-in Map-Server) and one underlay peer (an edge router that never
 * answers: the routes are in the speaker's underlay table either way). Not fit, nothing
 * announced, until the mapping peer's End-of-RIB; then the RLOCs and the aggregates (or only
 * what <announce rlocs aggregates> selects); a session lost without graceful restart (Hard
 * Reset) withdraws at once, the next complete table announces again; a graceful loss keeps
 * the D-ETR fit for the peer's restart time (1 s here), then withdraws; SIGTERM's stopping
 * step withdraws and returns <announce withdraw-wait-ms>; `show statistics json` has it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/cli.h"
#include "tests/unit/bgp_looprig.h"
#include "tests/unit/xtr_testlib.h"
#include "xtr/detr.h"
#include "xtr/underlay.h"

struct fx {
	struct event_base *base;
	struct xtr *x;
	struct xtr_detr *d;
	struct bgp *remote;
	struct bgp_cfg *cfg;
};

static bool anycast_locator; /* <rloc address="192.0.2.100" anycast="true"/> */

static struct xtr *mk_detr(bool rlocs, bool aggregates, uint32_t wait_ms)
{
	struct xtr_cfg *c = test_cfg();
	c->mode = XTR_MODE_REPRESENTATIVE;
	c->rloc[0] = A("192.0.2.10");
	c->rloc[1] = A("2001:db8:ffff::10");
	c->db[0].eid = P("198.51.100.0/24");
	c->db[1].eid = P("2001:db8:100::/64");
	if (anycast_locator) { /* the shared RLOC stands for the aggregates without <locator> */
		c->rloc[1] = A("192.0.2.100");
		c->rloc_anycast[1] = true;
	}
	c->announce.rlocs = rlocs;
	c->announce.aggregates = aggregates;
	c->announce.withdraw_wait_ms = wait_ms;
	struct xtr *x = xtr_new(c, &test_io, SEC);
	xtr_cfg_free(c);
	assert_non_null(x);
	return x;
}

/* The stand-in Map-Server: like lr_remote_new, with restart time `gr_time`. */
static struct bgp *remote_new(struct event_base *base, uint16_t gr_time)
{
	struct bgp_cfg *c = calloc(1, sizeof(*c));

	c->local_as = 65001;
	c->router_id = 0xcb007103;
	c->gr_time = gr_time;
	c->listen = true;
	c->listen_addr = lr_addr(LR_REMOTE);
	lr_cfg_add_peer(c, LR_LOCAL, 65000)->passive = true;
	struct bgp *b = bgp_new(base, c, NULL, NULL);
	assert_non_null(b);
	assert_int_equal(bgp_start(b), 0);
	return b;
}

static void fx_start(struct fx *f, bool rlocs, bool aggregates, uint32_t wait_ms)
{
	memset(f, 0, sizeof(*f));
	f->base = event_base_new();
	f->x = mk_detr(rlocs, aggregates, wait_ms);
	f->d = xtr_detr_new(f->x);
	assert_non_null(f->d);
	f->remote = remote_new(f->base, 1);
	f->cfg = lr_local_cfg(bgp_listen_port(f->remote));
	/* an edge router that never answers */
	struct bgp_peer_cfg *e = lr_cfg_add_peer(f->cfg, "127.0.0.9", 65000);
	e->role = BGP_ROLE_UNDERLAY;
	e->gr = false;
	e->addpath = 0;
	e->port = 9; /* discard: refused */
	e->local = lr_addr(LR_LOCAL);
	assert_int_equal(xtr_detr_bgp_start(f->d, f->base, NULL, f->cfg), 0);
}

static void fx_end(struct fx *f)
{
	xtr_detr_bgp_stop(f->d);
	xtr_detr_free(f->d);
	bgp_free(f->remote);
	lr_run_for(f->base, 10);
	bgp_config_free(f->cfg);
	xtr_free(f->x);
	event_base_free(f->base);
}

static bool announced(void *arg)
{
	struct fx *f = arg;
	return xtr_underlay_announced(xtr_detr_underlay(f->d));
}

static bool withdrawn(void *arg)
{
	return !announced(arg);
}

static size_t ul_count(struct fx *f)
{
	return bgp_underlay_count(xtr_detr_speaker(f->d));
}

static void t_fit_and_withdraw(void **s)
{
	(void)s;
	struct fx f;

	fx_start(&f, true, true, 500);
	const struct xtr_underlay *u = xtr_detr_underlay(f.d);
	/* before the mapping peer's End-of-RIB: not fit, nothing announced */
	assert_false(xtr_underlay_fit(u));
	assert_int_equal(ul_count(&f), 0);
	assert_true(lr_run_until(f.base, announced, &f));
	assert_true(xtr_underlay_fit(u));
	assert_true(lr_up(xtr_detr_speaker(f.d), LR_REMOTE));
	assert_true(bgp_peer_initial_done(lr_peer(xtr_detr_speaker(f.d), LR_REMOTE)));
	/* both RLOCs as host routes and both aggregates */
	assert_int_equal(ul_count(&f), 4);
	assert_int_equal(xtr_underlay_routes(u), 4);
	assert_int_equal(xtr_get_stats(f.x)->ul_announce, 1);

	/* `show statistics json` */
	struct cli *cli = xtr_cli_new(NULL, f.x);
	struct strbuf sb;
	strbuf_init(&sb);
	assert_int_equal(cli_exec(cli, NULL, "show statistics json", &sb), CLI_OK);
	const char *js = strbuf_str(&sb);
	const char *ul = strstr(js, "\"underlay\": {");
	assert_non_null(ul);
	assert_non_null(strstr(ul, "\"fit\": true"));
	assert_non_null(strstr(ul, "\"announced\": true"));
	assert_non_null(strstr(ul, "\"routes\": 4"));
	assert_non_null(strstr(ul, "\"sessions\": 1"));
	assert_non_null(strstr(js, "\"nextHopRejected\": 0"));
	strbuf_free(&sb);
	cli_free(cli);

	/* the mapping session ends with Hard Reset: the mappings are gone, so is fitness */
	assert_int_equal(bgp_peer_clear_hard(f.remote, &(struct ipaddr){0}), -1);
	struct ipaddr la = lr_addr(LR_LOCAL);
	assert_int_equal(bgp_peer_clear_hard(f.remote, &la), 0);
	assert_true(lr_run_until(f.base, withdrawn, &f));
	assert_false(xtr_underlay_fit(u));
	assert_int_equal(ul_count(&f), 0);
	assert_int_equal(xtr_get_stats(f.x)->ul_withdraw, 1);
	/* it comes back (idle hold 1 s) with its table: announced again */
	assert_true(lr_run_until(f.base, announced, &f));
	assert_int_equal(ul_count(&f), 4);
	assert_int_equal(xtr_get_stats(f.x)->ul_announce, 2);

	/* a graceful loss (Administrative Shutdown under the N bit): the mappings are kept
	 * stale for the peer's restart time (1 s): fit meanwhile, then withdrawn */
	bgp_free(f.remote);
	f.remote = NULL;
	lr_run_for(f.base, 300);
	assert_false(lr_up(xtr_detr_speaker(f.d), LR_REMOTE));
	assert_true(xtr_underlay_fit(u));
	assert_int_equal(ul_count(&f), 4);
	assert_true(lr_run_until(f.base, withdrawn, &f));
	assert_false(xtr_underlay_fit(u));
	assert_int_equal(ul_count(&f), 0);
	assert_int_equal(xtr_get_stats(f.x)->ul_withdraw, 2);
	fx_end(&f);
}

static void t_selection_and_stopping(void **s)
{
	(void)s;
	struct fx f;

	fx_start(&f, false, true, 250); /* aggregates only */
	assert_true(lr_run_until(f.base, announced, &f));
	assert_int_equal(ul_count(&f), 2);
	struct lisp_prefix rloc = P("192.0.2.10/32"), agg = P("198.51.100.0/24");
	struct bgp *b = xtr_detr_speaker(f.d);
	/* the RLOC is not there, the aggregate is (withdraw says which it knows) */
	assert_int_equal(bgp_underlay_withdraw(b, &rloc), -1);
	assert_int_equal(bgp_underlay_announce(b, &agg), 0);
	assert_int_equal(ul_count(&f), 2);
	/* SIGTERM: withdrawn at once, forwarding goes on for withdraw-wait-ms */
	assert_int_equal(xtr_detr_stopping(f.d), 250);
	assert_int_equal(ul_count(&f), 0);
	assert_false(xtr_underlay_fit(xtr_detr_underlay(f.d)));
	/* a second call has nothing left to withdraw */
	assert_int_equal(xtr_detr_stopping(f.d), 0);
	fx_end(&f);

	fx_start(&f, true, false, 500); /* RLOCs only */
	assert_true(lr_run_until(f.base, announced, &f));
	assert_int_equal(ul_count(&f), 2);
	assert_int_equal(bgp_underlay_withdraw(xtr_detr_speaker(f.d), &rloc), 0);
	fx_end(&f);

	/* the anycast layout: <rloc>s 192.0.2.10 (own) and 192.0.2.100 (anycast): the shared RLOC
	 * is announced, the own one is not */
	anycast_locator = true;
	fx_start(&f, true, true, 500);
	anycast_locator = false;
	assert_true(lr_run_until(f.base, announced, &f));
	assert_int_equal(ul_count(&f), 3);
	struct lisp_prefix any = P("192.0.2.100/32");
	b = xtr_detr_speaker(f.d);
	assert_int_equal(bgp_underlay_withdraw(b, &rloc), -1);
	assert_int_equal(bgp_underlay_withdraw(b, &any), 0);
	fx_end(&f);
}

/* Without an underlay peer nothing is announced, fit or not; stopping asks for no wait. */
static void t_no_underlay_peer(void **s)
{
	(void)s;
	struct event_base *base = event_base_new();
	struct xtr *x = mk_detr(true, true, 500);
	struct xtr_detr *d = xtr_detr_new(x);
	struct bgp *remote = remote_new(base, 1);
	struct bgp_cfg *c = lr_local_cfg(bgp_listen_port(remote));
	assert_int_equal(xtr_detr_bgp_start(d, base, NULL, c), 0);
	struct fx f = {.d = d};
	const struct xtr_underlay *u = xtr_detr_underlay(d);
	for (int i = 0; i < 100 && !xtr_underlay_fit(u); i++)
		lr_run_for(base, 20);
	assert_true(xtr_underlay_fit(u));
	assert_false(announced(&f));
	assert_int_equal(bgp_underlay_count(xtr_detr_speaker(d)), 0);
	assert_int_equal(xtr_detr_stopping(d), 0);
	xtr_detr_bgp_stop(d);
	xtr_detr_free(d);
	bgp_free(remote);
	lr_run_for(base, 10);
	bgp_config_free(c);
	xtr_free(x);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_fit_and_withdraw),
	    cmocka_unit_test(t_selection_and_stopping),
	    cmocka_unit_test(t_no_underlay_peer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
