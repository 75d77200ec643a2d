/* SPDX-License-Identifier: ISC */
/* tests/unit/test_tools_query.c - lisp-query (tools/query.c): option parsing, the
 * Map-Request it builds (plain and in an ECM) and the Map-Reply matching and JSON rendering.
 * Every group is a table of named cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <string.h>

#include "tools/client.h"
#include "tools/query.h"
/* ------------------------------------------------------------------ lisp-query */
struct qopt_case {
	const char *name, *args;
	int rc;
	enum query_mode mode;
	uint16_t port;
	bool help, version;
};
static const struct qopt_case qopt_cases[] = {
    {"-h", "-h", 0, QUERY_NONE, 4342, true, false},
    {"--help", "--mr a --help", 0, QUERY_MR, 4342, true, false},
    {"--version", "--version", 0, QUERY_NONE, 4342, false, true},
    {"mr default port", "--mr 192.0.2.1 198.51.100.5", 0, QUERY_MR, 4342, false, false},
    {"ms with port, EID first", "198.51.100.5/32 --ms 127.0.0.1:5000 --json", 0, QUERY_MS, 5000,
     false, false},
    {"etr probe", "--etr [::1]:4343 --probe 2001:db8::5", 0, QUERY_ETR, 4343, false, false},
    {"iid and source", "--mr h --iid 7 --source 127.0.0.1 10.0.0.1", 0, QUERY_MR, 4342, false,
     false},
    {"no target", "198.51.100.5", -1, 0, 0, false, false},
    {"two targets", "--mr a --ms b 198.51.100.5", -1, 0, 0, false, false},
    {"no EID", "--mr a", -1, 0, 0, false, false},
    {"two EIDs", "--mr a 10.0.0.1 10.0.0.2", -1, 0, 0, false, false},
    {"bad EID", "--mr a 10.0.0.256", -1, 0, 0, false, false},
    {"probe without etr", "--ms a --probe 10.0.0.1", -1, 0, 0, false, false},
    {"bad source", "--mr a --source x 10.0.0.1", -1, 0, 0, false, false},
    {"bad retries", "--mr a --retries x 10.0.0.1", -1, 0, 0, false, false},
    {"unknown option", "--mr a --foo 10.0.0.1", -1, 0, 0, false, false},
};

static void test_query_options(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(qopt_cases) / sizeof(qopt_cases[0]); i++) {
		const struct qopt_case *c = &qopt_cases[i];
		char buf[256], *argv[32], err[TOOLS_ERRLEN] = "";
		int argc = 0;
		struct query_opts o;
		print_message("query options: %s\n", c->name);
		snprintf(buf, sizeof(buf), "%s", c->args);
		argv[argc++] = (char *)"lisp-query";
		for (char *t = strtok(buf, " "); t && argc < 31; t = strtok(NULL, " "))
			argv[argc++] = t;
		argv[argc] = NULL;
		query_opts_init(&o);
		assert_int_equal(query_parse_args(argc, argv, &o, err, sizeof(err)), c->rc);
		if (c->rc == 0) {
			assert_int_equal(o.mode, c->mode);
			assert_int_equal(o.port, c->port);
			assert_int_equal(o.help, c->help);
			assert_int_equal(o.version, c->version);
		} else {
			assert_true(err[0] != '\0');
		}
	}
}

struct qbuild_case {
	const char *name;
	enum query_mode mode;
	bool probe;
	const char *eid, *itr, *mr;
	const char *inner_dst; /* ECM only */
};
static const struct qbuild_case qbuild_cases[] = {
    {"plain to ms", QUERY_MS, false, "198.51.100.5/32", "127.0.0.1", "127.0.0.1", NULL},
    {"probe to etr", QUERY_ETR, true, "[42]198.51.100.5/32", "192.0.2.1", "192.0.2.2", NULL},
    {"ECM v4", QUERY_MR, false, "198.51.100.5/32", "192.0.2.1", "192.0.2.9", "198.51.100.5"},
    {"ECM v6", QUERY_MR, false, "2001:db8::5/128", "::1", "::1", "2001:db8::5"},
    {"ECM v6 EID over v4", QUERY_MR, false, "2001:db8::5/128", "192.0.2.1", "192.0.2.9",
     "192.0.2.9"},
};

static void test_query_build(void **state)
{
	(void)state;
	static struct lisp_map_request m;
	for (size_t i = 0; i < sizeof(qbuild_cases) / sizeof(qbuild_cases[0]); i++) {
		const struct qbuild_case *c = &qbuild_cases[i];
		struct query_opts o;
		struct ipaddr itr, mr;
		uint8_t out[2048];
		struct buf w, r, *req = &r;
		struct lisp_ecm ecm;
		char s[IPADDR_STRLEN];
		print_message("query build: %s\n", c->name);
		query_opts_init(&o);
		o.mode = c->mode;
		o.probe = c->probe;
		assert_int_equal(tools_parse_eid(c->eid, 0, &o.eid), 0);
		ipaddr_parse(c->itr, &itr);
		ipaddr_parse(c->mr, &mr);
		buf_init_write(&w, out, sizeof(out));
		assert_int_equal(query_build(&o, &itr, 40001, &mr, 0xabcdef0123456789ull, &w, NULL),
				 0);
		buf_as_reader(&w, &r);
		if (c->mode == QUERY_MR) {
			assert_int_equal(lisp_msg_type(&r), LISP_T_ECM);
			assert_int_equal(lisp_ecm_parse(&r, &ecm, NULL), 0);
			assert_true(ipaddr_eq(&ecm.inner_src, &itr));
			assert_string_equal(ipaddr_str(&ecm.inner_dst, s, sizeof(s)), c->inner_dst);
			assert_int_equal(ecm.inner_sport, 40001);
			assert_int_equal(ecm.inner_dport, LISP_CONTROL_PORT);
			req = &ecm.payload;
		}
		assert_int_equal(lisp_msg_type(req), LISP_T_MAP_REQUEST);
		assert_int_equal(lisp_map_request_parse(req, &m, NULL), 0);
		assert_true(m.nonce == 0xabcdef0123456789ull);
		assert_int_equal(m.probe, c->probe);
		assert_false(m.smr || m.map_data || m.xtr_id_present);
		assert_int_equal(m.n_itr_rlocs, 1);
		assert_true(ipaddr_eq(&m.itr_rlocs[0].addr[0], &itr));
		assert_int_equal(m.nrec, 1);
		assert_true(prefix_eq(&m.rec[0].eid, &o.eid));
		assert_int_equal(m.source_eid.n, 0);
	}
}

static void test_query_reply(void **state)
{
	(void)state;
	static struct lisp_map_reply rep, got;
	struct query_opts o;
	uint8_t out[2048];
	struct buf w;
	const uint64_t nonces[2] = {7, 8};
	unsigned which = 99;
	struct strbuf sb;

	query_opts_init(&o);
	o.mode = QUERY_MR;
	strcpy(o.host, "192.0.2.9");
	o.eid_arg = "198.51.100.5";
	tools_parse_eid("198.51.100.5/32", 0, &o.eid);
	memset(&rep, 0, sizeof(rep));
	rep.nonce = 7;
	rep.nrec = 1;
	lisp_record_set_eid(&rep.rec[0], &o.eid);
	rep.rec[0].ttl = 1440;
	rep.rec[0].authoritative = true;
	rep.rec[0].map_version = 3;
	rep.rec[0].nloc = 1;
	rep.rec[0].loc[0].priority = 1;
	rep.rec[0].loc[0].weight = 100;
	rep.rec[0].loc[0].mpriority = 255;
	rep.rec[0].loc[0].flags = LISP_LOC_F_REACHABLE | LISP_LOC_F_PROBED;
	struct ipaddr a;
	ipaddr_parse("192.0.2.11", &a);
	lisp_addr_from_ip(&rep.rec[0].loc[0].addr, &a);

	struct {
		const char *name;
		uint64_t nonce;
		size_t cut;
		enum xchg_verdict want;
	} cases[] = {
	    {"first attempt's nonce", 7, 0, XR_DONE},
	    {"unknown nonce", 9, 0, XR_IGNORE},
	    {"truncated", 7, 1, XR_IGNORE},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("reply: %s\n", cases[i].name);
		rep.nonce = cases[i].nonce;
		buf_init_write(&w, out, sizeof(out));
		assert_int_equal(lisp_map_reply_build(&w, &rep, NULL), 0);
		assert_int_equal(
		    query_check_reply(out, buf_len(&w) - cases[i].cut, nonces, 2, &got, &which),
		    cases[i].want);
	}
	rep.nonce = 8;
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(lisp_map_reply_build(&w, &rep, NULL), 0);
	assert_int_equal(query_check_reply(out, buf_len(&w), nonces, 2, &got, &which), XR_DONE);
	assert_int_equal(which, 1);

	struct query_answer ans = {
	    .reply = &got, .from = "192.0.2.5:4342", .rtt_ms = 1.5, .attempts = 2, .nonce = 8};
	strbuf_init(&sb);
	assert_int_equal(query_render_json(&o, &ans, &sb), 0);
	const char *js = strbuf_str(&sb);
	const char *want[] = {"\"eid\":\"198.51.100.5/32\"",
			      "\"answeredBy\":\"192.0.2.5:4342\"",
			      "\"rttMs\":2",
			      "\"rttUs\":1500",
			      "\"attempts\":2",
			      "\"nonce\":\"0x0000000000000008\"",
			      "\"eidPrefix\":\"198.51.100.5/32\"",
			      "\"ttl\":1440",
			      "\"action\":\"no-action\"",
			      "\"authoritative\":true",
			      "\"mapVersion\":3",
			      "\"address\":\"192.0.2.11\"",
			      "\"priority\":1",
			      "\"weight\":100",
			      "\"mpriority\":255",
			      "\"reachable\":true",
			      "\"probed\":true",
			      "\"local\":false",
			      "\"via\":\"map-resolver\""};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		print_message("json has %s\n", want[i]);
		assert_non_null(strstr(js, want[i]));
	}
	strbuf_reset(&sb);
	query_render_text(&o, &ans, &sb);
	assert_non_null(strstr(strbuf_str(&sb), "from 192.0.2.5:4342"));
	assert_non_null(strstr(strbuf_str(&sb), "authoritative yes"));
	assert_non_null(strstr(strbuf_str(&sb), "probed reachable"));
	/* no answer */
	struct query_answer none = {.attempts = 4, .error = "no answer"};
	strbuf_reset(&sb);
	assert_int_equal(query_render_json(&o, &none, &sb), 0);
	assert_non_null(strstr(strbuf_str(&sb), "\"error\":\"no answer\""));
	assert_null(strstr(strbuf_str(&sb), "records"));
	strbuf_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_query_options),
	    cmocka_unit_test(test_query_build),
	    cmocka_unit_test(test_query_reply),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
