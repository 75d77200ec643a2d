/* SPDX-License-Identifier: ISC */
/* tests/unit/test_ms_metrics.c - lisp-msd's scrape (ms/metrics.c): registrations per site,
 * the Map-Register -> Map-Notify latency histogram (an acknowledgement observed when it leaves
 * after the commit, none for a Map-Register without M), well-formed families; and no drift
 * from the CLI: with every counter of struct ms_stats, the push's and the CLI's set to
 * distinct values, every number `show statistics json` prints is in the scrape. */
#include "config.h"

#include "ms_testlib.h"

#include "common/cli.h"
#include "common/metrics.h"
#include "common/ratelimit.h"
#include "metrics_check.h"

static const char cfg_xml[] = "<lisp-msd>\n"
			      " <listen port=\"4342\"/>\n"
			      " <site name=\"dc\" lifetime=\"refresh\">\n"
			      "  <key id=\"1\" algorithm=\"hmac-sha-256\" secret=\"dc-secret\"/>\n"
			      "  <eid-prefix prefix=\"198.51.100.0/24\" more-specifics=\"true\"/>\n"
			      " </site>\n"
			      " <site name=\"multi\" lifetime=\"refresh\">\n"
			      "  <key id=\"1\" algorithm=\"hmac-sha-256\" secret=\"mu-secret\"/>\n"
			      "  <eid-prefix prefix=\"203.0.113.0/24\" more-specifics=\"true\"/>\n"
			      " </site>\n"
			      "</lisp-msd>\n";

static unsigned nsent;
static int sink(void *arg, const struct ipaddr *dst, uint16_t dport, const uint8_t *data,
		size_t len)
{
	(void)arg, (void)dst, (void)dport, (void)data, (void)len;
	nsent++;
	return 0;
}

struct fx {
	MS_FX_COMMON;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	ms_fx_open(&f->common, "test_ms_metrics", cfg_xml, true, sink);
	nsent = 0;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	ms_fx_close(&f->common);
	free(f);
	return 0;
}

static void do_reg_ttl(struct fx *f, const char *eid, uint64_t nonce, bool want_notify,
		       uint32_t ttl)
{
	static struct lisp_map_register reg;
	const char *const locs[] = {"192.0.2.1", NULL};
	uint8_t out[2048];

	memset(&reg, 0, sizeof(reg));
	ms_test_set_rec(&reg.rec[0], eid, ttl, locs, false);
	reg.nrec = 1;
	reg.nonce = nonce;
	reg.want_notify = want_notify;
	size_t n = ms_test_sign_reg(&reg, f->dc, out, sizeof(out));
	ms_test_feed(f->ms, out, n, "192.0.2.1", 4342, 1000000);
}

static void do_reg(struct fx *f, const char *eid, uint64_t nonce, bool want_notify)
{
	do_reg_ttl(f, eid, nonce, want_notify, 1440);
}

static char *scrape(struct ms *ms, const struct cli *cli)
{
	struct mw w;

	mw_init(&w);
	ms_metrics_write(&w, ms, cli);
	assert_false(w.err);
	char *s = strdup(mw_text(&w, NULL));
	mw_free(&w);
	mc_check_text(s);
	return s;
}

static void test_registrations_and_latency(void **state)
{
	struct fx *f = *state;

	do_reg(f, "198.51.100.5/32", 1, true);
	assert_int_equal(nsent, 1); /* the acknowledgement */
	do_reg(f, "198.51.100.6/32", 2, true);
	do_reg(f, "198.51.100.7/32", 3, false); /* no M: no acknowledgement, no latency */
	assert_int_equal(nsent, 2);
	char *s = scrape(f->ms, NULL);
	assert_non_null(strstr(s, "\nlisp_msd_registrations{site=\"dc\"} 3\n"));
	assert_non_null(strstr(s, "\nlisp_msd_registrations{site=\"multi\"} 0\n"));
	assert_non_null(strstr(s, "\n# TYPE lisp_msd_register_notify_latency_seconds histogram\n"));
	assert_non_null(strstr(s, "\nlisp_msd_register_notify_latency_seconds_count 2\n"));
	assert_non_null(
	    strstr(s, "\nlisp_msd_register_notify_latency_seconds_bucket{le=\"+Inf\"} 2\n"));
	assert_non_null(
	    strstr(s, "\nlisp_msd_register_notify_latency_seconds_bucket{le=\"2.5\"} 2\n"));
	assert_non_null(strstr(s, "\nlisp_msd_messages_received_total{type=\"map-register\"} 3\n"));
	assert_non_null(strstr(s, "\nlisp_msd_messages_sent_total{type=\"map-notify\"} 2\n"));
	assert_non_null(strstr(s, "\nlisp_msd_dropped_total{reason=\"bad-auth\"} 0\n"));
	assert_non_null(strstr(s, "\nlisp_build_info{daemon=\"lisp-msd\","));
	free(s);
	const struct metrics_hist *h = ms_notify_latency(f->ms);
	assert_int_equal(h->total, 2);
	assert_true(h->sum >= 0 && h->sum < 2.5);

	/* the batch's receive time counts from ms_set_rx_time: a turn that waited 30 ms */
	ms_set_rx_time(f->ms, now_ns() - 30000000ULL);
	do_reg(f, "198.51.100.8/32", 4, true);
	assert_int_equal(h->total, 3);
	uint64_t below = 0;
	for (size_t i = 0; i < h->n && h->le[i] < 0.03; i++)
		below += h->count[i];
	assert_int_equal(below, 2); /* the third is above 30 ms */
	assert_true(h->sum >= 0.03);
}

/* The per-site gauge is kept as registrations come and go (no walk at scrape time): a
 * deregistration (TTL 0) and an expiry take it down. */
static void test_site_count_follows(void **state)
{
	struct fx *f = *state;

	do_reg(f, "198.51.100.5/32", 1, false);
	do_reg(f, "198.51.100.6/32", 2, false);
	do_reg(f, "198.51.100.6/32", 3, false); /* a refresh is not a second one */
	assert_int_equal(ms_site_count(f->ms, "dc"), 2);
	do_reg_ttl(f, "198.51.100.5/32", 4, false, 0);
	assert_int_equal(ms_site_count(f->ms, "dc"), 1);
	assert_int_equal(ms_site_count(f->ms, "multi"), 0);
	assert_int_equal(ms_site_count(f->ms, "nosuch"), 0);
	char *s = scrape(f->ms, NULL);
	assert_non_null(strstr(s, "\nlisp_msd_registrations{site=\"dc\"} 1\n"));
	free(s);
	ms_tick(f->ms, 1000000 + 3 * 1440 * 60000ULL); /* the refresh-lifetime entry expires */
	assert_int_equal(ms_count(f->ms), 0);
	assert_int_equal(ms_site_count(f->ms, "dc"), 0);
}

static void test_no_drift_from_cli(void **state)
{
	struct fx *f = *state;
	struct strbuf sb;
	size_t ncmd;
	struct ms_push *push = ms_push_new(f->ms, &ms_push_speaker_ops, NULL);

	assert_non_null(push);
	do_reg(f, "198.51.100.5/32", 1, true);
	mc_fill((void *)ms_get_stats(f->ms), sizeof(struct ms_stats), 1000003);
	mc_fill((void *)ms_push_get_stats(push), sizeof(struct ms_push_stats), 3000017);
	const struct cli_cmd *cmds = ms_cli_table(&ncmd);
	struct cli *cli = cli_new(NULL, cmds, ncmd, "lisp-msd", f->ms);
	assert_non_null(cli);
	mc_fill((void *)cli_get_stats(cli), sizeof(struct cli_stats), 5000011);
	strbuf_init(&sb);
	assert_int_equal(cli_exec(cli, NULL, "show statistics json", &sb), CLI_OK);
	char *s = scrape(f->ms, cli);
	static const char *const skip[] = {
	    "perDestination", "burst", /* replyRateLimit: configuration, not counters */
	    NULL};
	unsigned n = mc_check_exported(strbuf_str(&sb), s, skip);
	assert_true(n > 60); /* the filled counters were found in the answer */
	free(s);
	strbuf_free(&sb);
	cli_free(cli);
	ms_push_free(push);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_registrations_and_latency, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_site_count_follows, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_drift_from_cli, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
