/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_ms_request.c - the Map-Server core (ms/ms.h) answering Map-Requests
 * (RFC 9301 §5.2/§5.8/§8.3, see ms/request.c): the proxy Map-Reply, the request forwarded to
 * the ETR, negative Map-Replies; and no reflection: every answer towards an ITR-RLOC is rate
 * limited per destination (a burst, the defaults, the limit off, a reload). The fixture
 * (ms_core_testlib.h) is that of test_ms.c.
 */
#include "config.h"

#include "ms_core_testlib.h"

#include "common/cli.h"

static struct lisp_map_reply rep;

static void parse_reply(const struct pkt *p)
{
	struct buf b;
	buf_init_read(&b, p->data, p->len);
	assert_int_equal(lisp_map_reply_parse(&b, &rep, NULL), 0);
}

/* ------------------------------------------------------------------ cases: Map-Request */
static void t_request_proxy_reply(void **state)
{
	struct fx *f = *state;
	uint8_t req[512];
	char a[IPADDR_STRLEN];

	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.1", NULL, 1, 0, "192.0.2.1");
	nsent = 0;
	size_t n =
	    feed_via_mr(f, req, sizeof(req), "198.51.100.5/32", "192.0.2.50", 0x1234, false, 33333);
	assert_int_equal(nsent, 1);
	assert_string_equal(ipaddr_str(&sent[0].dst, a, sizeof(a)), "192.0.2.50");
	assert_int_equal(sent[0].dport, 33333);
	parse_reply(&sent[0]);
	assert_int_equal(rep.nonce, 0x1234);
	assert_int_equal(rep.nrec, 1);
	assert_false(rep.rec[0].authoritative);
	assert_int_equal(rep.rec[0].nloc, 1);
	assert_int_equal(rep.rec[0].ttl, 1440);
	/* plain request: reply to the ITR-RLOC at the outer source port */
	feed(f, req, n, "192.0.2.50", 5555);
	assert_int_equal(nsent, 2);
	assert_int_equal(sent[1].dport, 5555);
	assert_int_equal(ms_get_stats(f->ms)->proxy_replies, 2);
}

static void t_request_forward_to_etr(void **state)
{
	struct fx *f = *state;
	uint8_t req[512];
	char a[IPADDR_STRLEN];
	struct lisp_ecm pe;
	struct buf b;

	do_reg(f, f->ex, "203.0.113.0/25", 1440, "192.0.2.1", NULL, 1, 0, "192.0.2.33");
	nsent = 0; /* the arrival notify to 192.0.2.1 (registered by .33) */
	size_t n =
	    feed_via_mr(f, req, sizeof(req), "203.0.113.9/32", "192.0.2.50", 77, false, 33333);
	assert_int_equal(nsent, 1);
	assert_string_equal(ipaddr_str(&sent[0].dst, a, sizeof(a)), "192.0.2.33");
	assert_int_equal(sent[0].dport, 4342);
	buf_init_read(&b, sent[0].data, sent[0].len);
	assert_int_equal(lisp_ecm_parse(&b, &pe, NULL), 0);
	assert_true(pe.to_etr);
	assert_int_equal(pe.inner_sport, 33333);
	assert_int_equal(buf_left(&pe.payload), n);
	assert_memory_equal(buf_cur(&pe.payload), req, n);
	assert_int_equal(ms_get_stats(f->ms)->forwarded, 1);
	/* a plain request is wrapped too */
	feed(f, req, n, "192.0.2.50", 6000);
	assert_int_equal(nsent, 2);
	buf_init_read(&b, sent[1].data, sent[1].len);
	assert_int_equal(lisp_ecm_parse(&b, &pe, NULL), 0);
	assert_true(pe.to_etr);
	assert_int_equal(pe.inner_sport, 6000);
}

static void t_request_negative(void **state)
{
	struct fx *f = *state;
	uint8_t req[512];
	char p[PREFIX_STRLEN];
	struct lisp_prefix site;

	do_reg(f, f->dc, "198.51.100.5/32", 1440, "192.0.2.1", NULL, 1, 0, "192.0.2.1");
	nsent = 0;
	/* configured but not registered */
	size_t n = build_req(req, sizeof(req), "198.51.100.200/32", "192.0.2.50", 1, false, false);
	feed(f, req, n, "192.0.2.50", 5555);
	assert_int_equal(nsent, 1);
	parse_reply(&sent[0]);
	assert_int_equal(rep.rec[0].nloc, 0);
	assert_int_equal(rep.rec[0].ttl, LISP_TTL_NEG_NOREG);
	assert_int_equal(rep.rec[0].action, LISP_ACT_SEND_MAP_REQ);
	assert_int_equal(prefix_parse("198.51.100.0/24", &site, false), 0);
	assert_true(prefix_contains(&site, &rep.rec[0].eid));
	assert_false(prefix_contains(&rep.rec[0].eid, &find(f, "198.51.100.5/32")->eid));
	/* outside every site */
	n = build_req(req, sizeof(req), "10.1.2.3/32", "192.0.2.50", 2, false, false);
	feed(f, req, n, "192.0.2.50", 5555);
	assert_int_equal(nsent, 2);
	parse_reply(&sent[1]);
	assert_int_equal(rep.rec[0].ttl, LISP_TTL_NEG_NONLISP);
	assert_int_equal(rep.rec[0].action, LISP_ACT_NATIVE_FWD);
	assert_false(prefix_overlaps(&rep.rec[0].eid, &site));
	prefix_str(&rep.rec[0].eid, p, sizeof(p));
	assert_string_equal(p, "0.0.0.0/2"); /* 100.64.0.0/16 is 01... */
	assert_int_equal(ms_get_stats(f->ms)->negative_replies, 2);
}

/* ------------------------------------------------------------------ cases: no reflection */
/* The answer to a Map-Request goes to the ITR-RLOC written in it, which nothing
 * authenticates: a burst naming one victim, from many (forged) sources, gets the victim at
 * most the bucket's worth of datagrams, whatever the kind of answer (proxy or negative
 * Map-Reply, the request forwarded to the ETR, a subscription, plain or in an ECM), while
 * another destination is still answered; every refusal is counted by kind and shows in
 * show statistics. */
static const char rl_cfg_xml[] =
    "<lisp-msd>\n"
    " <rate-limit per-destination=\"10\" per-destination-burst=\"20\" max-destinations=\"64\"/>\n"
    " <pubsub><subscriber-key id=\"7\" algorithm=\"hmac-sha-256\" secret=\"subkey\"/></pubsub>\n"
    " <site name=\"dc\" proxy-reply=\"true\">\n"
    "  <key id=\"1\" algorithm=\"hmac-sha-256\" secret=\"dc-secret\"/>\n"
    "  <eid-prefix prefix=\"198.51.100.0/24\" more-specifics=\"true\"/>\n"
    " </site>\n"
    " <site name=\"exact\" proxy-reply=\"false\">\n"
    "  <key id=\"1\" algorithm=\"hmac-sha-256\" secret=\"ex-secret\"/>\n"
    "  <eid-prefix prefix=\"203.0.113.0/25\"/>\n"
    " </site>\n"
    "</lisp-msd>\n";

static struct ipaddr victim, other_itr, etr_addr;
static unsigned to_victim, to_other, to_etr, to_elsewhere;

static int count_sink(void *arg, const struct ipaddr *dst, uint16_t dport, const uint8_t *data,
		      size_t len)
{
	(void)arg, (void)dport, (void)data, (void)len;
	if (ipaddr_eq(dst, &victim))
		to_victim++;
	else if (ipaddr_eq(dst, &other_itr))
		to_other++;
	else if (ipaddr_eq(dst, &etr_addr))
		to_etr++;
	else
		to_elsewhere++;
	return 0;
}

/* n plain Map-Requests for eid naming itr, each from its own source 10.9.x.y, at t. */
static void burst(struct ms *ms, const char *eid, const char *itr, unsigned n, uint64_t t)
{
	uint8_t req[512];
	size_t len = build_req(req, sizeof(req), eid, itr, 0x77, false, false);

	for (unsigned i = 0; i < n; i++) {
		struct ipaddr src;
		char a[32];
		snprintf(a, sizeof(a), "10.9.%u.%u", i / 250, i % 250 + 1);
		src = ip(a);
		ms_input(ms, req, len, &src, 40000, t);
		ms_end_turn(ms);
	}
}

static void t_request_reflection_limited(void **state)
{
	struct fx *f = *state;
	uint8_t out[2048], req[512], ecm[1024];
	struct ms_cfg *c = load_cfg(f, rl_cfg_xml);
	struct ipaddr etr;
	struct strbuf sb;
	size_t ncmd;

	assert_non_null(c);
	victim = ip("192.0.2.66");
	other_itr = ip("192.0.2.67");
	etr_addr = etr = ip("192.0.2.33");
	struct ms *ms = ms_new(c, NULL, count_sink, NULL);
	assert_non_null(ms);
	/* a proxy registration in "dc", one answered by its ETR in "exact" */
	set_rec(&reg.rec[0], "198.51.100.5/32", 1440, "192.0.2.1", NULL);
	size_t n = build_reg(out, sizeof(out), f->dc, 1, 0, 1);
	ms_input(ms, out, n, &etr, 40000, now);
	set_rec(&reg.rec[0], "203.0.113.0/25", 1440, "192.0.2.33", NULL);
	n = build_reg(out, sizeof(out), f->ex, 1, 0, 1);
	ms_input(ms, out, n, &etr, 40000, now);
	ms_end_turn(ms);
	assert_int_equal(ms_count(ms), 2);
	to_victim = to_other = to_etr = to_elsewhere = 0;

	/* 100 requests from 100 sources naming the victim: the burst (20) is answered */
	burst(ms, "198.51.100.5/32", "192.0.2.66", 100, now);
	assert_int_equal(to_victim, 20);
	assert_int_equal(ms_get_stats(ms)->proxy_replies, 20);
	/* another ITR-RLOC is answered at once */
	burst(ms, "198.51.100.5/32", "192.0.2.67", 1, now);
	assert_int_equal(to_other, 1);
	/* every kind of answer draws on the victim's bucket: negative replies (inside a site
	 * and outside every site), the request forwarded to the ETR (which would answer the
	 * victim), a subscription, and a request in an ECM */
	burst(ms, "198.51.100.200/32", "192.0.2.66", 3, now);
	burst(ms, "10.1.2.3/32", "192.0.2.66", 2, now);
	burst(ms, "203.0.113.9/32", "192.0.2.66", 4, now);
	n = build_req(req, sizeof(req), "198.51.100.0/24", "192.0.2.66", 9, true, false);
	size_t e = wrap_ecm(ecm, sizeof(ecm), req, n, "192.0.2.66", "198.51.100.0", 30000);
	struct ipaddr mrsrc = ip("192.0.2.60");
	ms_input(ms, ecm, e, &mrsrc, 4342, now);
	ms_end_turn(ms);
	assert_int_equal(to_victim, 20);
	assert_int_equal(to_etr, 0);
	assert_null(ms_subscribers(ms));
	const struct ms_stats *st = ms_get_stats(ms);
	assert_int_equal(st->answers_refused[MS_ANSWER_PROXY], 80);
	/* (the ECM's record, the /24, is covered by no registration: a negative reply) */
	assert_int_equal(st->answers_refused[MS_ANSWER_NEGATIVE], 3 + 2 + 1);
	assert_int_equal(st->answers_refused[MS_ANSWER_FORWARD], 4);
	assert_int_equal(st->answers_refused[MS_ANSWER_SUBSCRIBE], 1);
	assert_int_equal(st->drop[MS_DROP_REPLY_RATE], 91);
	assert_int_equal(st->negative_replies, 0);
	assert_int_equal(st->forwarded, 0);
	/* one second later: the rate (10) more, and the other destination still answered */
	burst(ms, "198.51.100.5/32", "192.0.2.66", 100, now + 1000);
	assert_int_equal(to_victim, 30);
	burst(ms, "203.0.113.9/32", "192.0.2.67", 1, now + 1000);
	assert_int_equal(to_etr, 1); /* forwarded: the ETR answers 192.0.2.67 */
	assert_int_equal(to_elsewhere, 0);
	assert_int_equal(st->drop[MS_DROP_REPLY_RATE], 181);
	/* an IPv4-mapped IPv6 ITR-RLOC is the same victim, not a fresh bucket */
	burst(ms, "198.51.100.5/32", "::ffff:192.0.2.66", 5, now + 1000);
	assert_int_equal(st->drop[MS_DROP_REPLY_RATE], 186);
	size_t tracked;
	uint64_t evicted;
	ms_reply_limit_stats(ms, &tracked, &evicted);
	assert_int_equal(tracked, 2);
	assert_int_equal(evicted, 0);

	/* visible in show statistics */
	const struct cli_cmd *cmds = ms_cli_table(&ncmd);
	struct cli *cli = cli_new(NULL, cmds, ncmd, "lisp-msd", ms);
	assert_non_null(cli);
	strbuf_init(&sb);
	assert_int_equal(cli_exec(cli, NULL, "show statistics json", &sb), CLI_OK);
	assert_non_null(strstr(strbuf_str(&sb), "\"reply-rate-limit\": 186"));
	assert_non_null(strstr(strbuf_str(&sb), "\"proxyReply\": 175"));
	assert_non_null(strstr(strbuf_str(&sb), "\"negativeReply\": 6"));
	assert_non_null(strstr(strbuf_str(&sb), "\"forwardToEtr\": 4"));
	assert_non_null(strstr(strbuf_str(&sb), "\"subscription\": 1"));
	assert_non_null(strstr(strbuf_str(&sb), "\"destinationsTracked\": 2"));
	strbuf_reset(&sb);
	assert_int_equal(cli_exec(cli, NULL, "show statistics", &sb), CLI_OK);
	assert_non_null(strstr(strbuf_str(&sb), "reply-rate-limit"));
	strbuf_free(&sb);
	/* refused answers are not dropped requests: every request above was received and taken */
	assert_int_equal(st->type[LISP_T_MAP_REQUEST].dropped, 0);
	/* an unsubscription goes through with the ITR-RLOC's budget spent (it stops
	 * Map-Notifies to it): subscribe 192.0.2.67, spend its budget, unsubscribe */
	n = build_req(req, sizeof(req), "198.51.100.0/24", "192.0.2.67", 11, true, false);
	ms_input(ms, req, n, &other_itr, 30000, now + 2000);
	assert_non_null(ms_subscribers(ms));
	burst(ms, "198.51.100.5/32", "192.0.2.67", 40, now + 2000);
	n = build_req(req, sizeof(req), "198.51.100.0/24", "192.0.2.67", 12, true, true);
	ms_input(ms, req, n, &other_itr, 30000, now + 2000);
	assert_null(ms_subscribers(ms));
	cli_free(cli);
	ms_free(ms);
	ms_cfg_free(c);
}

/* The defaults defend too: with no <rate-limit> in the file, 1000 requests from 1000
 * sources naming one victim get it the default burst (MS_RL_DST_BURST) of answers. */
static void t_request_reflection_default(void **state)
{
	struct fx *f = *state;

	victim = ip("192.0.2.66");
	other_itr = ip("192.0.2.67");
	struct ms *ms = ms_new(f->cfg, NULL, count_sink, NULL);
	assert_non_null(ms);
	to_victim = to_other = 0;
	burst(ms, "10.1.2.3/32", "192.0.2.66", 1000, now);
	assert_int_equal(to_victim, MS_RL_DST_BURST);
	burst(ms, "10.1.2.3/32", "192.0.2.67", 1, now);
	assert_int_equal(to_other, 1);
	ms_free(ms);
}

/* per-destination="0": no limit; a reload with new limits starts from full buckets */
static void t_request_reflection_limit_off_and_reload(void **state)
{
	struct fx *f = *state;
	struct ms_cfg *c = load_cfg(f, "<lisp-msd><rate-limit per-destination=\"0\"/></lisp-msd>");

	assert_non_null(c);
	victim = ip("192.0.2.66");
	struct ms *ms = ms_new(c, NULL, count_sink, NULL);
	to_victim = 0;
	burst(ms, "10.1.2.3/32", "192.0.2.66", 500, now);
	assert_int_equal(to_victim, 500);
	assert_int_equal(ms_get_stats(ms)->drop[MS_DROP_REPLY_RATE], 0);
	struct ms_cfg *c2 = load_cfg(
	    f,
	    "<lisp-msd><rate-limit per-destination=\"1\" per-destination-burst=\"3\"/></lisp-msd>");
	assert_non_null(c2);
	ms_set_config(ms, c2, now);
	burst(ms, "10.1.2.3/32", "192.0.2.66", 10, now);
	assert_int_equal(to_victim, 503);
	assert_int_equal(ms_get_stats(ms)->drop[MS_DROP_REPLY_RATE], 7);
	ms_free(ms);
	ms_cfg_free(c);
	ms_cfg_free(c2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(t_request_proxy_reply),	     T(t_request_forward_to_etr),
	    T(t_request_negative),	     T(t_request_reflection_limited),
	    T(t_request_reflection_default), T(t_request_reflection_limit_off_and_reload),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
