/* SPDX-License-Identifier: ISC */
/* tests/unit/test_mr_metrics.c - lisp-mrd's scrape (mr/metrics.c): each Map-Server's state
 * and counters, well-formed families; and no drift from the CLI: with every counter of
 * struct mr_stats and the CLI's set to distinct values, every number `show statistics json`
 * prints is in the scrape. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cli.h"
#include "common/metrics.h"
#include "metrics_check.h"
#include "mr/mr.h"

static int sink(void *arg, const struct ipaddr *dst, uint16_t dport, const struct ipaddr *src,
		const void *data, size_t len)
{
	(void)arg, (void)dst, (void)dport, (void)src, (void)data, (void)len;
	return 0;
}

static struct mr *core(void)
{
	struct mr_cfg c;

	mr_cfg_defaults(&c);
	c.prefix = calloc(1, sizeof(*c.prefix));
	c.nprefix = 1;
	assert_int_equal(prefix_parse("198.51.100.0/24", &c.prefix[0].eid, false), 0);
	c.prefix[0].nservers = 2;
	assert_int_equal(ipaddr_parse("192.0.2.1", &c.prefix[0].srv[0].addr), 0);
	c.prefix[0].srv[0].port = 4342;
	assert_int_equal(ipaddr_parse("2001:db8::1", &c.prefix[0].srv[1].addr), 0);
	c.prefix[0].srv[1].port = 4343;
	struct mr *mr = mr_new(&c, sink, NULL, 1);
	free(c.prefix);
	assert_non_null(mr);
	return mr;
}

static char *scrape(struct mr *mr, const struct cli *cli)
{
	struct mw w;

	mw_init(&w);
	mr_metrics_write(&w, mr, cli);
	assert_false(w.err);
	char *s = strdup(mw_text(&w, NULL));
	mw_free(&w);
	mc_check_text(s);
	return s;
}

static void test_servers(void **state)
{
	struct mr *mr = core();

	(void)state;
	char *s = scrape(mr, NULL);
	assert_non_null(strstr(
	    s, "\nlisp_mrd_map_server_state{map_server=\"192.0.2.1:4342\",state=\"up\"} 1\n"));
	assert_non_null(strstr(
	    s, "\nlisp_mrd_map_server_state{map_server=\"2001:db8::1:4343\",state=\"down\"} 0\n"));
	assert_non_null(
	    strstr(s, "\nlisp_mrd_map_server_forwards_total{map_server=\"192.0.2.1:4342\"} 0\n"));
	assert_non_null(strstr(s, "\nlisp_mrd_dropped_total{reason=\"plainMapRequest\"} 0\n"));
	assert_non_null(strstr(s, "\nlisp_build_info{daemon=\"lisp-mrd\","));
	free(s);
	mr_free(mr);
}

static void test_no_drift_from_cli(void **state)
{
	struct mr *mr = core();
	struct strbuf sb;

	(void)state;
	mc_fill((void *)mr_get_stats(mr), sizeof(struct mr_stats), 1000003);
	struct cli *cli = mr_cli_new(NULL, mr);
	assert_non_null(cli);
	mc_fill((void *)cli_get_stats(cli), sizeof(struct cli_stats), 5000011);
	strbuf_init(&sb);
	assert_int_equal(cli_exec(cli, NULL, "show statistics json", &sb), CLI_OK);
	char *s = scrape(mr, cli);
	static const char *const skip[] = {"dropped", /* the sum of drops.* */
					   NULL};
	unsigned n = mc_check_exported(strbuf_str(&sb), s, skip);
	assert_true(n > 40);
	free(s);
	strbuf_free(&sb);
	cli_free(cli);
	mr_free(mr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_servers),
	    cmocka_unit_test(test_no_drift_from_cli),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
