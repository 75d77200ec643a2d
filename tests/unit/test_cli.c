/* SPDX-License-Identifier: ISC */
/* tests/unit/test_cli.c - common/cli and common/out: the matcher (prefixes, look-ahead,
 * ambiguity, unknown/incomplete with alternatives, `json`, arguments, keyword choices), help
 * from the table, the text/JSON renderers and their dates and ages, the telnet decoder (line
 * ends, every option byte, subnegotiation, IAC IAC, erase, over-long lines, junk) and the
 * filter grammar of the big show commands. Sessions over loopback and the access control are
 * in test_cli_session.c, streamed answers in test_cli_stream.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cli.h"
#include "common/cli_int.h"

#include "cli_testlib.h"

/* ---- matcher ---- */

static void test_prefix_match(void **state)
{
	(void)state;
	struct cli *c = new_cli(NULL);
	char *a;
	struct {
		const char *line;
		const char *expect;
	} v[] = {
	    {"show version", "name:"},
	    {"sh ver", "name:"}, /* look-ahead: shutdown takes no "ver" */
	    {"s v", "version:"},
	    {"show reg", "cmd:  show"},
	    {"sh reg", "cmd:  show"},
	    {"  show   registrations  ", "argc: 0"},
	    {"show\tregistrations\t10.0.0.0/8", "argc: 1"},
	    {"show bgp sum", "cmd:  show"},
	    {"cl m 10.1.0.0/16", "argc: 1"},
	    {"shutdown", "cmd:  shutdown"},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		if (run(c, v[i].line, &a) != CLI_OK)
			fail_msg("%s: %s", v[i].line, a);
		assert_contains(a, v[i].expect);
	}
	cli_free(c);
}

static void test_ambiguous(void **state)
{
	(void)state;
	struct cli *c = new_cli(NULL);
	char *a;
	assert_int_equal(run(c, "sh", &a), CLI_ERROR);
	assert_string_equal(a, "% Ambiguous command: sh could be show, shutdown\n");
	assert_int_equal(run(c, "show map", &a), CLI_ERROR);
	assert_string_equal(a, "% Ambiguous command: map could be map-cache, map-server\n");
	assert_int_equal(run(c, "e", &a), CLI_ERROR); /* echo, exit */
	assert_contains(a, "could be echo, exit");
	/* "show m" is ambiguous even with an argument that both could take? map-server has
	 * no argument, so look-ahead leaves map-cache */
	calls = 0;
	assert_int_equal(run(c, "show m 10.0.0.1", &a), CLI_OK);
	assert_int_equal(calls, 1);
	assert_string_equal(last_args, "10.0.0.1");
	cli_free(c);
}

static void test_unknown_and_incomplete(void **state)
{
	(void)state;
	struct cli *c = new_cli(NULL);
	char *a;
	assert_int_equal(run(c, "frobnicate", &a), CLI_ERROR);
	assert_string_equal(a, "% Unknown command: frobnicate (commands: show, clear, debug, echo, "
			       "shutdown, help, ?, quit, exit, enable, disable)\n");
	assert_int_equal(run(c, "show foo", &a), CLI_ERROR);
	assert_string_equal(a, "% Unknown command: show foo (expected: version, registrations, "
			       "map-cache, map-server, bgp, lookup)\n");
	assert_int_equal(run(c, "show", &a), CLI_ERROR);
	assert_contains(a, "% Incomplete command: show (expected: version,");
	assert_int_equal(run(c, "show bgp", &a), CLI_ERROR);
	assert_string_equal(a, "% Incomplete command: show bgp (expected: summary)\n");
	/* hidden rows run but are not offered */
	assert_int_equal(run(c, "secret", &a), CLI_OK);
	assert_int_equal(run(c, "zzz", &a), CLI_ERROR);
	assert_null(strstr(a, "secret"));
	cli_free(c);
}

static void test_json_keyword(void **state)
{
	(void)state;
	struct cli *c = new_cli(NULL);
	char *a;
	assert_int_equal(run(c, "show version json", &a), CLI_OK);
	assert_true(strncmp(a, "{\n", 2) == 0);
	assert_contains(a, "\n  \"name\": \"test\",\n");
	assert_contains(a, "\"uptimeSeconds\": ");
	assert_true(strcmp(a + strlen(a) - 2, "}\n") == 0);
	/* json after arguments, arguments still passed */
	assert_int_equal(run(c, "sh reg 10.0.0.0/8 json", &a), CLI_OK);
	assert_string_equal(last_args, "10.0.0.0/8");
	assert_string_equal(a, "{\n  \"cmd\": \"show\",\n  \"argc\": 1\n}\n");
	/* parse errors on a json line are JSON */
	assert_int_equal(run(c, "show foo json", &a), CLI_ERROR);
	assert_true(strncmp(a, "{\n  \"error\": \"Unknown command: show foo", 36) == 0);
	assert_int_equal(run(c, "sh json", &a), CLI_ERROR);
	assert_string_equal(
	    a, "{\n  \"error\": \"Ambiguous command: sh could be show, shutdown\"\n}\n");
	/* not accepted by this row */
	assert_int_equal(run(c, "clear map-cache json", &a), CLI_ERROR);
	assert_contains(a, "\"error\": \"json output is not supported by: clear map-cache\"");
	/* handler errors replace partial JSON */
	assert_int_equal(run(c, "show lookup 1.2.3.4 json", &a), CLI_OK);
	assert_string_equal(a, "{\n  \"error\": \"No such EID: 1.2.3.4\"\n}\n");
	assert_int_equal(run(c, "show lookup 1.2.3.4", &a), CLI_OK);
	assert_contains(a, "% No such EID: 1.2.3.4\n");
	/* "json" alone is a command word, not the keyword */
	assert_int_equal(run(c, "json", &a), CLI_ERROR);
	assert_contains(a, "% Unknown command: json");
	cli_free(c);
}

static void test_arguments(void **state)
{
	(void)state;
	struct cli *c = new_cli(NULL);
	char *a;
	assert_int_equal(run(c, "show lookup", &a), CLI_ERROR);
	assert_string_equal(a, "% Missing argument EID (usage: show lookup EID [json])\n");
	assert_int_equal(run(c, "show reg a b", &a), CLI_ERROR);
	assert_string_equal(a,
			    "% Too many arguments: a b (usage: show registrations [EID] [json])\n");
	assert_int_equal(run(c, "shutdown now", &a), CLI_ERROR);
	assert_contains(a, "% Too many arguments: now");
	assert_int_equal(run(c, "echo a b c d e json", &a), CLI_OK);
	assert_string_equal(last_args, "a,b,c,d,e");
	assert_int_equal(run(c, "echo", &a), CLI_OK);
	assert_string_equal(last_args, "");
	/* keyword choices: exact, unique prefix, ambiguous, unknown */
	assert_int_equal(run(c, "debug control", &a), CLI_OK);
	assert_string_equal(last_args, "control");
	assert_int_equal(run(c, "deb c", &a), CLI_OK);
	assert_string_equal(last_args, "control");
	assert_int_equal(run(c, "debug data", &a), CLI_OK); /* exact beats database */
	assert_string_equal(last_args, "data");
	assert_int_equal(run(c, "debug datab", &a), CLI_OK);
	assert_string_equal(last_args, "database");
	assert_int_equal(run(c, "debug d", &a), CLI_ERROR);
	assert_string_equal(a, "% Ambiguous argument: d (expected one of: control, data, database, "
			       "off)\n");
	assert_int_equal(run(c, "debug x", &a), CLI_ERROR);
	assert_contains(a, "% Unknown argument: x");
	/* too many words on a line */
	char line[200] = "echo";
	for (int i = 0; i < CLI_MAX_TOKENS; i++)
		strcat(line, " w");
	assert_int_equal(run(c, line, &a), CLI_ERROR);
	assert_contains(a, "% Too many words");
	cli_free(c);
}

static void test_help_from_table(void **state)
{
	(void)state;
	struct cli *c = new_cli(NULL);
	char *a;
	assert_int_equal(run(c, "help", &a), CLI_OK);
	/* one line per visible row, usage built from the row */
	int lines = 0;
	for (char *p = a; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, (int)NTABLE - 1 + 6); /* minus hidden, plus 6 built-ins */
	assert_contains(a, "  show registrations [EID] [json]    Registered EIDs\n");
	assert_contains(a, "  show lookup EID [json]");
	assert_contains(a, "  debug {control|data|database|off}");
	assert_contains(a, "  echo [WORD...] [json]");
	assert_contains(a, "  clear map-cache [EID]              Flush\n");
	assert_contains(a, "  quit ");
	assert_null(strstr(a, "Hidden row"));
	/* filtered: "sh ?", "show ?", "sh?", "help show bgp" */
	assert_int_equal(run(c, "sh ?", &a), CLI_OK);
	assert_contains(a, "show version");
	assert_contains(a, "shutdown");
	assert_null(strstr(a, "clear"));
	assert_int_equal(run(c, "show b?", &a), CLI_OK);
	assert_string_equal(a, "  show bgp summary [json]  BGP sessions\n");
	assert_int_equal(run(c, "help show bgp", &a), CLI_OK);
	assert_string_equal(a, "  show bgp summary [json]  BGP sessions\n");
	assert_int_equal(run(c, "?", &a), CLI_OK);
	assert_contains(a, "show map-server");
	assert_int_equal(run(c, "zz ?", &a), CLI_ERROR);
	assert_contains(a, "% Unknown command: zz");
	/* help json: an array of the same rows */
	assert_int_equal(run(c, "help json", &a), CLI_OK);
	assert_contains(a, "\"commands\": [");
	assert_contains(a, "\"usage\": \"show map-cache [EID] [json]\"");
	int n = 0;
	for (char *p = a; (p = strstr(p, "\"usage\"")); p++)
		n++;
	assert_int_equal(n, (int)NTABLE - 1 + 6);
	cli_free(c);
}

static void test_hooks_and_builtins(void **state)
{
	(void)state;
	static const struct cli_cmd extra[] = {
	    {.words = {"show", "bgp", "neighbors"},
	     .json = true,
	     .help = "N",
	     .fn = record,
	     .access = CLI_READ},
	    {.words = {"show", "version"},
	     .help = "duplicate, ignored",
	     .fn = record,
	     .access = CLI_READ},
	};
	struct cli *c = new_cli(NULL);
	char *a;
	assert_int_equal(cli_add_commands(c, extra, 2, NULL), 0);
	assert_int_equal(run(c, "show bgp", &a), CLI_ERROR);
	assert_string_equal(a, "% Incomplete command: show bgp (expected: summary, neighbors)\n");
	calls = 0;
	assert_int_equal(run(c, "sh b n", &a), CLI_OK);
	assert_int_equal(calls, 1);
	assert_int_equal(run(c, "show version", &a), CLI_OK); /* first declaration wins */
	assert_int_equal(calls, 1);
	assert_int_equal(run(c, "quit", &a), CLI_QUIT);
	assert_int_equal(run(c, "exit", &a), CLI_QUIT);
	assert_int_equal(run(c, "q", &a), CLI_QUIT);
	assert_string_equal(cli_name(c), "test");
	cli_free(c);
}

/* Each table's rows get the context that table was added with (not the CLI's), two
 * CLIs with the same rows each their own, and cli_set_table_ctx rebinds one table. */
static void say_ctx(struct cli_req *r, struct out *o)
{
	out_printf(o, "%s\n", r->ctx ? (const char *)r->ctx : "(none)");
}

static void test_table_contexts(void **state)
{
	(void)state;
	static const struct cli_cmd mod_a[] = {
	    {.words = {"show", "alpha"}, .fn = say_ctx, .access = CLI_READ}};
	static const struct cli_cmd mod_b[] = {
	    {.words = {"show", "beta"}, .fn = say_ctx, .access = CLI_READ}};
	static const struct cli_cmd main_t[] = {
	    {.words = {"show", "main"}, .fn = say_ctx, .access = CLI_READ}};
	char a_ctx[] = "speaker A", b_ctx[] = "speaker B", m_ctx[] = "daemon", c_ctx[] = "C";
	struct cli *c = cli_new(NULL, main_t, 1, "test", m_ctx);
	struct cli *c2 = cli_new(NULL, main_t, 1, "test2", NULL);
	char *a;

	assert_non_null(c);
	assert_non_null(c2);
	assert_int_equal(cli_add_commands(c, mod_a, 1, a_ctx), 0);
	assert_int_equal(cli_add_commands(c, mod_b, 1, b_ctx), 0);
	assert_int_equal(cli_add_commands(c2, mod_a, 1, c_ctx), 0);
	assert_int_equal(run(c, "show alpha", &a), CLI_OK);
	assert_string_equal(a, "speaker A\n");
	assert_int_equal(run(c, "show beta", &a), CLI_OK);
	assert_string_equal(a, "speaker B\n");
	assert_int_equal(run(c, "show main", &a), CLI_OK);
	assert_string_equal(a, "daemon\n");
	assert_int_equal(run(c2, "show alpha", &a), CLI_OK); /* same rows, other CLI */
	assert_string_equal(a, "C\n");
	assert_int_equal(run(c2, "show main", &a), CLI_OK);
	assert_string_equal(a, "(none)\n");

	/* the object behind a table replaced, then gone */
	assert_int_equal(cli_set_table_ctx(c, mod_a, c_ctx), 0);
	assert_int_equal(run(c, "show alpha", &a), CLI_OK);
	assert_string_equal(a, "C\n");
	assert_int_equal(run(c, "show beta", &a), CLI_OK);
	assert_string_equal(a, "speaker B\n");
	assert_int_equal(run(c2, "show alpha", &a), CLI_OK);
	assert_string_equal(a, "C\n");
	assert_int_equal(cli_set_table_ctx(c, mod_b, NULL), 0);
	assert_int_equal(run(c, "show beta", &a), CLI_OK);
	assert_string_equal(a, "(none)\n");
	assert_int_equal(cli_set_table_ctx(c, table, NULL), -1); /* not added there */
	cli_free(c);
	cli_free(c2);
}

static void test_empty_and_junk_lines(void **state)
{
	(void)state;
	struct cli *c = new_cli(NULL);
	char *a;
	assert_int_equal(run(c, "", &a), CLI_EMPTY);
	assert_string_equal(a, "");
	assert_int_equal(run(c, "   \t  ", &a), CLI_EMPTY);
	/* non-printable bytes never come back raw */
	assert_int_equal(run(c, "\x1b[2J\xff\xfe", &a), CLI_ERROR);
	assert_contains(a, "% Unknown command: ?[2J??");
	assert_int_equal(run(c, "\x1b[2J\xff json", &a), CLI_ERROR);
	assert_contains(a, "\"error\": \"Unknown command: ?[2J?");
	/* pseudo-random junk: never crashes, always answers with lines */
	unsigned seed = 12345;
	for (int i = 0; i < 2000; i++) {
		char line[64];
		size_t n = (size_t)(i % 63);
		for (size_t k = 0; k < n; k++) {
			seed = seed * 1103515245u + 12345u;
			line[k] = (char)((seed >> 16) & 0xff);
			if (line[k] == 0)
				line[k] = 'x';
		}
		line[n] = '\0';
		enum cli_result r = run(c, line, &a);
		assert_true(r == CLI_OK || r == CLI_ERROR || r == CLI_EMPTY || r == CLI_QUIT);
		if (*a)
			assert_int_equal(a[strlen(a) - 1], '\n');
	}
	cli_free(c);
}

/* ---- renderer ---- */

static void test_out_text(void **state)
{
	(void)state;
	struct out *o = out_new(false);
	size_t n;
	out_begin_object(o, NULL);
	out_str(o, "name", "lisp-msd");
	out_uint(o, "uptimeSeconds", 12);
	out_bool(o, "up", true);
	out_null(o, "none");
	out_begin_array(o, "rlocs");
	out_begin_object(o, NULL);
	out_str(o, "addr", "192.0.2.1");
	out_int(o, "weight", -1);
	out_end(o);
	out_begin_object(o, NULL);
	out_str(o, "addr", "bad\x1b[0m");
	out_end(o);
	out_end(o);
	out_begin_array(o, "tags");
	out_str(o, NULL, "a");
	out_str(o, NULL, "b");
	out_end(o);
	out_printf(o, "free %d", 1);
	/* left open on purpose: out_finish closes */
	const char *s = out_finish(o, &n);
	assert_string_equal(s, "name:           lisp-msd\n"
			       "uptime seconds: 12\n"
			       "up:             yes\n"
			       "none:           -\n"
			       "rlocs:\n"
			       "  addr:   192.0.2.1\n"
			       "  weight: -1\n"
			       "\n"
			       "  addr: bad?[0m\n"
			       "tags:\n"
			       "  a\n"
			       "  b\n"
			       "free 1\n");
	assert_int_equal(n, strlen(s));
	out_free(o);

	o = out_new(false);
	out_str(o, NULL, "x");
	out_error(o, "bad %s", "thing\n");
	out_str(o, NULL, "ignored");
	assert_string_equal(out_finish(o, NULL), "x\n% bad thing?\n");
	assert_true(out_failed(o));
	out_free(o);
}

static void test_out_json(void **state)
{
	(void)state;
	struct out *o = out_new(true);
	assert_true(out_json(o));
	out_begin_object(o, NULL);
	out_uint(o, "max", UINT64_MAX);
	out_printf(o, "ignored in json");
	out_begin_array(o, "list");
	out_str(o, NULL, "q\"\n");
	/* left open */
	assert_string_equal(out_finish(o, NULL), "{\n  \"max\": 18446744073709551615,\n"
						 "  \"list\": [\n    \"q\\\"\\n\"\n  ]\n}\n");
	out_free(o);

	o = out_new(true); /* nothing written: still a JSON document */
	assert_string_equal(out_finish(o, NULL), "{}\n");
	out_free(o);

	o = out_new(true); /* handler misuse: an error document, not broken JSON */
	out_begin_object(o, NULL);
	out_str(o, NULL, "no key");
	assert_string_equal(out_finish(o, NULL),
			    "{\n  \"error\": \"internal error: malformed output\"\n}\n");
	out_free(o);

	o = out_new(true);
	out_begin_array(o, NULL);
	out_int(o, NULL, 1);
	out_error(o, "oops");
	out_int(o, NULL, 2);
	assert_string_equal(out_finish(o, NULL), "{\n  \"error\": \"oops\"\n}\n");
	out_free(o);
}

/* ---- telnet decoder ---- */

struct tn_result {
	int lines, toolong, ayt;
	char last[CLI_LINE_MAX + 1];
	char all[4096];
	struct strbuf reply;
};

static void feed(struct telnet *t, const void *data, size_t n, struct tn_result *res)
{
	const uint8_t *p = data;
	while (n) {
		size_t used;
		enum telnet_ev ev = telnet_input(t, p, n, &used, &res->reply);
		assert_true(used > 0 && used <= n);
		p += used;
		n -= used;
		if (ev == TELNET_LINE) {
			res->lines++;
			snprintf(res->last, sizeof(res->last), "%s", t->line);
			if (strlen(res->all) + strlen(t->line) + 2 < sizeof(res->all)) {
				strcat(res->all, t->line);
				strcat(res->all, "|");
			}
		} else if (ev == TELNET_TOOLONG) {
			res->toolong++;
		} else if (ev == TELNET_AYT) {
			res->ayt++;
		}
	}
}

static void tn_run(const void *data, size_t n, struct tn_result *res, bool bytewise)
{
	struct telnet t;
	telnet_init(&t);
	memset(res, 0, sizeof(*res));
	strbuf_init(&res->reply);
	if (!bytewise) {
		feed(&t, data, n, res);
		return;
	}
	for (size_t i = 0; i < n; i++)
		feed(&t, (const uint8_t *)data + i, 1, res);
}

#define TN(lit, res, bw) tn_run(lit, sizeof(lit) - 1, res, bw)

static void test_telnet_line_ends(void **state)
{
	(void)state;
	struct tn_result r;
	for (int bw = 0; bw < 2; bw++) {
		TN("a\r\nb\r\0c\nd\re\r\r\nf\r\0\r\ng\n\n", &r, bw);
		assert_string_equal(r.all, "a|b|c|d|e|f|g||");
		assert_int_equal(r.lines, 8);
		strbuf_free(&r.reply);
		TN("\n\r\n\n\r\0", &r, bw); /* empty lines are lines */
		assert_int_equal(r.lines, 4);
		assert_string_equal(r.all, "||||");
		TN("ab\bc\x7f\x7f\x7f\x7fxy\tz\x01\x00\x1b!\n", &r, bw); /* erase, tab, controls */
		assert_string_equal(r.last, "xy z!");
		TN("ab\xff\xf7"
		   "c\n"
		   "junk\xff\xf8ok\n",
		   &r, bw); /* IAC EC, IAC EL */
		assert_string_equal(r.all, "ac|ok|");
		TN("x\xff\xf6y\n", &r, bw); /* IAC AYT */
		assert_int_equal(r.ayt, 1);
		assert_string_equal(r.last, "xy");
		strbuf_free(&r.reply);
	}
	/* crlf records the client's style */
	struct telnet t;
	size_t used;
	telnet_init(&t);
	assert_int_equal(telnet_input(&t, (const uint8_t *)"a\r\n", 3, &used, NULL), TELNET_LINE);
	assert_true(t.crlf);
	telnet_init(&t);
	assert_int_equal(telnet_input(&t, (const uint8_t *)"a\n", 2, &used, NULL), TELNET_LINE);
	assert_false(t.crlf);
	/* one event per call: the rest is left for the next call */
	assert_int_equal(telnet_input(&t, (const uint8_t *)"x\ny\n", 4, &used, NULL), TELNET_LINE);
	assert_int_equal(used, 2);
}

static void test_telnet_every_option(void **state)
{
	(void)state;
	for (int opt = 0; opt < 256; opt++) {
		for (int verb = 251; verb <= 254; verb++) {
			uint8_t in[] = {'s',	      'h', 0xff, (uint8_t)verb,
					(uint8_t)opt, 'o', 'w',	 '\n'};
			struct tn_result r;
			for (int bw = 0; bw < 2; bw++) {
				tn_run(in, sizeof(in), &r, bw);
				assert_int_equal(r.lines, 1);
				assert_string_equal(r.last, "show");
				if (verb == 251 || verb == 253) { /* WILL -> DONT, DO -> WONT */
					assert_int_equal(r.reply.len, 3);
					assert_int_equal((uint8_t)r.reply.s[0], 0xff);
					assert_int_equal((uint8_t)r.reply.s[1],
							 verb == 251 ? 254 : 252);
					assert_int_equal((uint8_t)r.reply.s[2], opt);
				} else { /* WONT, DONT: already off, no answer */
					assert_int_equal(r.reply.len, 0);
				}
				strbuf_free(&r.reply);
			}
		}
		/* every other IAC command byte is consumed without leaking into the line */
		if (opt < 240 || opt == 241 || opt == 242 || opt == 249) {
			uint8_t in[] = {'a', 0xff, (uint8_t)opt, 'b', '\n'};
			struct tn_result r;
			tn_run(in, sizeof(in), &r, false);
			assert_string_equal(r.last, "ab");
			assert_int_equal(r.reply.len, 0);
			strbuf_free(&r.reply);
		}
	}
}

static void test_telnet_subneg(void **state)
{
	(void)state;
	struct tn_result r;
	for (int bw = 0; bw < 2; bw++) {
		/* NAWS subnegotiation with an escaped 255 and a newline inside: all skipped */
		TN("sh\xff\xfa\x1f\x00\xff\xff\n\x00\x18\xff\xf0ow\n", &r, bw);
		assert_int_equal(r.lines, 1);
		assert_string_equal(r.last, "show");
		assert_int_equal(r.reply.len, 0);
		strbuf_free(&r.reply);
		/* IAC IAC is a data byte 255 */
		TN("a\xff\xff"
		   "b\n",
		   &r, bw);
		assert_string_equal(r.last, "a\xff"
					    "b");
		strbuf_free(&r.reply);
		/* an unterminated subnegotiation swallows the rest, harmlessly */
		TN("\xff\xfa\x18junk\njunk\n", &r, bw);
		assert_int_equal(r.lines, 0);
		strbuf_free(&r.reply);
	}
}

static void test_telnet_long_line(void **state)
{
	(void)state;
	static char big[3 * CLI_LINE_MAX + 16];
	struct tn_result r;
	/* exactly CLI_LINE_MAX is fine */
	memset(big, 'a', CLI_LINE_MAX);
	big[CLI_LINE_MAX] = '\n';
	tn_run(big, CLI_LINE_MAX + 1, &r, false);
	assert_int_equal(r.lines, 1);
	assert_int_equal(strlen(r.last), CLI_LINE_MAX);
	strbuf_free(&r.reply);
	/* one more byte: discarded to its end, reported once, next line intact */
	memset(big, 'b', sizeof(big));
	size_t n = 3 * CLI_LINE_MAX;
	memcpy(big + n, "\r\nshow x\n", 9);
	for (int bw = 0; bw < 2; bw++) {
		tn_run(big, n + 9, &r, bw);
		assert_int_equal(r.toolong, 1);
		assert_int_equal(r.lines, 1);
		assert_string_equal(r.last, "show x");
		strbuf_free(&r.reply);
	}
}

static void test_telnet_junk(void **state)
{
	(void)state;
	/* the same junk fed whole or byte by byte gives the same lines and answers */
	static uint8_t junk[1 << 16];
	unsigned seed = 42;
	for (size_t i = 0; i < sizeof(junk); i++) {
		seed = seed * 1103515245u + 12345u;
		junk[i] = (uint8_t)(seed >> 16);
	}
	struct tn_result a, b;
	tn_run(junk, sizeof(junk), &a, false);
	tn_run(junk, sizeof(junk), &b, true);
	assert_int_equal(a.lines, b.lines);
	assert_int_equal(a.toolong, b.toolong);
	assert_int_equal(a.reply.len, b.reply.len);
	assert_memory_equal(a.reply.s, b.reply.s, a.reply.len);
	assert_string_equal(a.all, b.all);
	assert_true(a.lines > 0);
	strbuf_free(&a.reply);
	strbuf_free(&b.reply);
}

/* Dates and ages: numbers in JSON, ISO 8601 UTC and "3m12s" in text. */
static void test_out_times(void **state)
{
	(void)state;
	char b[OUT_TIME_LEN];
	assert_string_equal(out_fmt_time(b, sizeof(b), 1796601600), "2026-12-07T00:00:00Z");
	assert_string_equal(out_fmt_time(b, sizeof(b), 0), "-");
	assert_string_equal(out_fmt_age(b, sizeof(b), 0), "0s");
	assert_string_equal(out_fmt_age(b, sizeof(b), 59), "59s");
	assert_string_equal(out_fmt_age(b, sizeof(b), 192), "3m12s");
	assert_string_equal(out_fmt_age(b, sizeof(b), 3600 + 5 * 60), "1h05m");
	assert_string_equal(out_fmt_age(b, sizeof(b), 3 * 86400 + 4 * 3600), "3d04h");
	struct out *o = out_new(false);
	out_begin_object(o, NULL);
	out_time(o, "registeredUnix", 1796601600);
	out_time_ms(o, "changedUnixMs", 1796601600123ULL);
	out_age(o, "idleSeconds", 192);
	out_end(o);
	assert_string_equal(out_finish(o, NULL), "registered: 2026-12-07T00:00:00Z\n"
						 "changed:    2026-12-07T00:00:00.123Z\n"
						 "idle:       3m12s\n");
	out_free(o);
	o = out_new(true);
	out_begin_object(o, NULL);
	out_time(o, "registeredUnix", 1796601600);
	out_time_ms(o, "changedUnixMs", 1796601600123ULL);
	out_age(o, "idleSeconds", 192);
	out_end(o);
	assert_string_equal(out_finish(o, NULL), "{\n  \"registeredUnix\": 1796601600,\n"
						 "  \"changedUnixMs\": 1796601600123,\n"
						 "  \"idleSeconds\": 192\n}\n");
	out_free(o);
}

/* The shared grammar of the big show commands. */
static struct cli_req freq(int argc, const char **argv)
{
	static const struct cli_cmd row = {.words = {"show", "x"}, .arg = "[...]"};
	struct cli_req r = {.cmd = &row, .argc = argc, .argv = argv, .arg = argc ? argv[0] : NULL};
	return r;
}

static void test_filter_grammar(void **state)
{
	(void)state;
	struct cli_filter f;
	struct out *o = out_new(false);
	const char *a1[] = {"count", "198.51.100.0/24", "longer", "site", "dc",
			    "rloc",  "192.0.2.1"};
	struct cli_req r = freq(7, a1);
	assert_int_equal(
	    cli_filter_parse(&r, CLI_F_VIEW | CLI_F_PREFIX | CLI_F_SITE | CLI_F_RLOC, &f, o), 0);
	assert_int_equal(f.view, CLI_VIEW_COUNT);
	assert_int_equal(f.match, CLI_MATCH_LONGER);
	assert_int_equal(f.prefix.plen, 24);
	assert_true(f.has_site && strcmp(f.site, "dc") == 0);
	assert_true(f.has_rloc);
	struct lisp_prefix in, out_, eq;
	prefix_parse("198.51.100.7/32", &in, false);
	prefix_parse("198.51.101.7/32", &out_, false);
	prefix_parse("198.51.100.0/24", &eq, false);
	assert_true(cli_filter_prefix(&f, &in));
	assert_true(cli_filter_prefix(&f, &eq));
	assert_false(cli_filter_prefix(&f, &out_));
	/* an address: the longest match; a prefix: exact */
	const char *a2[] = {"198.51.100.7", "detail"};
	r = freq(2, a2);
	assert_int_equal(cli_filter_parse(&r, CLI_F_VIEW | CLI_F_PREFIX, &f, o), 0);
	assert_int_equal(f.match, CLI_MATCH_LONGEST);
	assert_true(f.addr_only);
	assert_int_equal(f.view, CLI_VIEW_DETAIL);
	const char *a3[] = {"198.51.100.0/24"};
	r = freq(1, a3);
	assert_int_equal(cli_filter_parse(&r, CLI_F_PREFIX, &f, o), 0);
	assert_int_equal(f.match, CLI_MATCH_EXACT);
	assert_true(cli_filter_prefix(&f, &eq));
	assert_false(cli_filter_prefix(&f, &in));
	/* refused: a word this table does not take, a bad address, a match without prefix */
	const char *a4[] = {"site", "dc"};
	r = freq(2, a4);
	assert_int_equal(cli_filter_parse(&r, CLI_F_PREFIX, &f, o), -1);
	out_free(o);
	o = out_new(false);
	const char *a5[] = {"rloc", "nonsense"};
	r = freq(2, a5);
	assert_int_equal(cli_filter_parse(&r, CLI_F_RLOC, &f, o), -1);
	assert_non_null(strstr(out_finish(o, NULL), "not an address"));
	out_free(o);
	o = out_new(false);
	const char *a6[] = {"longer"};
	r = freq(1, a6);
	assert_int_equal(cli_filter_parse(&r, CLI_F_PREFIX, &f, o), -1);
	out_free(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_prefix_match),
	    cmocka_unit_test(test_ambiguous),
	    cmocka_unit_test(test_unknown_and_incomplete),
	    cmocka_unit_test(test_json_keyword),
	    cmocka_unit_test(test_arguments),
	    cmocka_unit_test(test_help_from_table),
	    cmocka_unit_test(test_hooks_and_builtins),
	    cmocka_unit_test(test_table_contexts),
	    cmocka_unit_test(test_empty_and_junk_lines),
	    cmocka_unit_test(test_out_text),
	    cmocka_unit_test(test_out_json),
	    cmocka_unit_test(test_telnet_line_ends),
	    cmocka_unit_test(test_telnet_every_option),
	    cmocka_unit_test(test_telnet_subneg),
	    cmocka_unit_test(test_telnet_long_line),
	    cmocka_unit_test(test_telnet_junk),
	    cmocka_unit_test(test_out_times),
	    cmocka_unit_test(test_filter_grammar),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
