/* SPDX-License-Identifier: ISC */
/* tests/unit/test_xtr_metrics.c - lisp-xtrd's scrape (xtr/metrics.c): map-cache entries by
 * source, data-plane packets and bytes by outcome, the D-ETR's BGP host mappings,
 * well-formed families; and no drift from the CLI: with every counter of struct xtr_stats,
 * the sockets' and the CLI's set to distinct values, every number `show statistics json`
 * prints is in the scrape. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "tests/unit/xtr_testlib.h"

#include "common/cli.h"
#include "common/metrics.h"
#include "tests/unit/metrics_check.h"
#include "xtr/detr.h"

static void io_stats(void *arg, struct xtr_io_stats *st)
{
	(void)arg;
	mc_fill(st, sizeof(*st), 7000003);
}

static char *scrape(struct xtr *x, const struct xtr_detr *d, const struct cli *cli)
{
	struct mw w;

	mw_init(&w);
	xtr_metrics_write(&w, x, d, cli);
	assert_false(w.err);
	char *s = strdup(mw_text(&w, NULL));
	mw_free(&w);
	mc_check_text(s);
	return s;
}

static void test_cache_and_data(void **state)
{
	struct xtr_cfg *c = test_cfg();
	struct xtr *x = xtr_new(c, &test_io, SEC);

	(void)state;
	xtr_cfg_free(c);
	assert_non_null(x);
	cap_reset();
	install(x, "203.0.113.0/24", XTR_SRC_REPLY, "192.0.2.50", 1, 100, NULL, 0, 0, SEC);
	install(x, "203.0.113.9/32", XTR_SRC_NOTIFY, "192.0.2.51", 1, 100, NULL, 0, 0, SEC);
	install(x, "100.64.0.0/16", XTR_SRC_REPLY, "192.0.2.52", 1, 100, NULL, 0, 0, SEC);
	/* two packets encapsulated (from a local EID to the cached prefix) */
	itr_ip4(x, "198.51.100.5", "203.0.113.7", 17, 1000, 2000, 100, false, 2 * SEC);
	itr_ip4(x, "198.51.100.5", "203.0.113.8", 17, 1000, 2000, 100, false, 2 * SEC);
	char *s = scrape(x, NULL, NULL);
	assert_non_null(strstr(s, "\nlisp_xtrd_map_cache_entries{source=\"map-reply\"} 2\n"));
	assert_non_null(strstr(s, "\nlisp_xtrd_map_cache_entries{source=\"map-notify\"} 1\n"));
	assert_non_null(strstr(s, "\nlisp_xtrd_map_cache_entries{source=\"bgp\"} 0\n"));
	assert_non_null(strstr(s, "\nlisp_xtrd_data_received_packets_total{path=\"itr\"} 2\n"));
	assert_non_null(strstr(s, "\nlisp_xtrd_data_packets_total{outcome=\"encapsulated\"} 2\n"));
	assert_non_null(strstr(s, "\nlisp_xtrd_data_bytes_total{outcome=\"encapsulated\"} 256\n"));
	assert_non_null(strstr(s, "\nlisp_xtrd_database_mappings 2\n"));
	assert_non_null(
	    strstr(s, "\nlisp_xtrd_map_server_registered{map_server=\"192.0.2.100\"} 0\n"));
	assert_null(strstr(s, "lisp_xtrd_detr_host_mappings")); /* not a D-ETR */
	assert_null(strstr(s, "lisp_bgp_"));
	free(s);
	xtr_free(x);
}

static void test_detr(void **state)
{
	struct xtr_cfg *c = test_cfg();

	(void)state;
	c->mode = XTR_MODE_REPRESENTATIVE;
	c->db[0].eid = P("198.51.100.0/24");
	c->db[1].eid = P("2001:db8:100::/64");
	struct xtr *x = xtr_new(c, &test_io, SEC);
	xtr_cfg_free(c);
	assert_non_null(x);
	struct xtr_detr *d = xtr_detr_new(x);
	assert_non_null(d);
	struct ipaddr pa = A("192.0.2.200");
	struct bgp_host_mapping m;
	memset(&m, 0, sizeof(m));
	m.eid = P("198.51.100.5/32");
	m.version = 3;
	m.ttl = 1440;
	m.n_loc = 1;
	m.loc[0].rloc = A("192.0.2.2");
	m.loc[0].priority = 1;
	m.loc[0].weight = 100;
	struct bgp_event ev = {
	    .kind = BGP_EV_MAPPING, .peer_addr = &pa, .eid = &m.eid, .mapping = &m};
	xtr_detr_event(d, &ev, 2 * SEC);
	char *s = scrape(x, d, NULL);
	assert_non_null(strstr(s, "\nlisp_xtrd_detr_host_mappings 1\n"));
	assert_non_null(strstr(s, "\nlisp_xtrd_map_cache_entries{source=\"bgp\"} 1\n"));
	assert_non_null(strstr(s, "\nlisp_xtrd_bgp_installs_total 1\n"));
	free(s);
	xtr_detr_free(d);
	xtr_free(x);
}

static void test_no_drift_from_cli(void **state)
{
	struct xtr_cfg *c = test_cfg();
	struct xtr_io io = test_io;

	(void)state;
	io.io_stats = io_stats;
	struct xtr *x = xtr_new(c, &io, SEC);
	xtr_cfg_free(c);
	assert_non_null(x);
	mc_fill((void *)xtr_get_stats(x), sizeof(struct xtr_stats), 1000003);
	struct cli *cli = xtr_cli_new(NULL, x);
	assert_non_null(cli);
	mc_fill((void *)cli_get_stats(cli), sizeof(struct cli_stats), 5000011);
	struct strbuf sb;
	strbuf_init(&sb);
	assert_int_equal(cli_exec(cli, NULL, "show statistics json", &sb), CLI_OK);
	char *s = scrape(x, NULL, cli);
	unsigned n = mc_check_exported(strbuf_str(&sb), s, NULL);
	assert_true(n > 90);
	free(s);
	strbuf_free(&sb);
	cli_free(cli);
	xtr_free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cache_and_data),
	    cmocka_unit_test(test_detr),
	    cmocka_unit_test(test_no_drift_from_cli),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
