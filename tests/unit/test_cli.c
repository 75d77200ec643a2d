/* SPDX-License-Identifier: ISC */
/* tests/unit/test_cli.c - common/cli and common/out: the matcher (prefixes, look-ahead,
 * ambiguity, unknown/incomplete with alternatives, `json`, arguments, keyword choices), help
 * from the table, the text/JSON renderers, the telnet decoder (line ends, every option byte,
 * subnegotiation, IAC IAC, erase, over-long lines, junk) and sessions over loopback
 * (answers, quit, password, client limit, idle timeout, negotiation replies), and the access
 * control: privilege per row, `enable` and its secret, the UNIX socket, the login timeout, the
 * idle timer against a trickle, eviction of stalled sessions, the failure back-off. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "common/cli.h"
#include "common/cli_int.h"
#include "common/lpm.h"
#include "common/conf.h"
#include "common/log.h"

/* ---- a test table ---- */

static int calls;
static char last_args[256];

static void record(struct cli_req *r, struct out *o)
{
	calls++;
	last_args[0] = '\0';
	for (int i = 0; i < r->argc; i++) {
		strncat(last_args, i ? "," : "", sizeof(last_args) - strlen(last_args) - 1);
		strncat(last_args, r->argv[i], sizeof(last_args) - strlen(last_args) - 1);
	}
	out_begin_object(o, NULL);
	out_str(o, "cmd", r->cmd->words[0]);
	out_int(o, "argc", r->argc);
	out_end(o);
}

static void fails(struct cli_req *r, struct out *o)
{
	out_begin_object(o, NULL);
	out_str(o, "partial", "x");
	out_error(o, "No such EID: %s", r->arg);
}

static const struct cli_cmd table[] = {
    {.words = {"show", "version"},
     .json = true,
     .help = "Version",
     .fn = cli_show_version,
     .access = CLI_READ},
    {.words = {"show", "registrations"},
     .argmode = CLI_ARG_OPTIONAL,
     .arg = "EID",
     .json = true,
     .help = "Registered EIDs",
     .fn = record,
     .access = CLI_READ},
    {.words = {"show", "map-cache"},
     .argmode = CLI_ARG_OPTIONAL,
     .arg = "EID",
     .json = true,
     .help = "Map-cache",
     .fn = record,
     .access = CLI_READ},
    {.words = {"show", "map-server"}, .json = true, .help = "MS", .fn = record, .access = CLI_READ},
    {.words = {"show", "bgp", "summary"},
     .json = true,
     .help = "BGP sessions",
     .fn = record,
     .access = CLI_READ},
    {.words = {"show", "lookup"},
     .argmode = CLI_ARG_REQUIRED,
     .arg = "EID",
     .json = true,
     .help = "Look up",
     .fn = fails,
     .access = CLI_READ},
    {.words = {"clear", "map-cache"},
     .argmode = CLI_ARG_OPTIONAL,
     .arg = "EID",
     .help = "Flush",
     .fn = record,
     .access = CLI_ADMIN},
    {.words = {"debug"},
     .argmode = CLI_ARG_REQUIRED,
     .arg = "control|data|database|off",
     .help = "Debug level",
     .fn = record,
     .access = CLI_ADMIN},
    {.words = {"echo"},
     .argmode = CLI_ARG_ANY,
     .arg = "WORD",
     .json = true,
     .help = "Echo",
     .fn = record,
     .access = CLI_READ},
    {.words = {"shutdown"}, .help = "Stop", .fn = record, .access = CLI_ADMIN},
    {.words = {"secret"}, .hidden = true, .help = "Hidden row", .fn = record, .access = CLI_ADMIN},
};
#define NTABLE (sizeof(table) / sizeof(table[0]))

static struct cli *new_cli(struct event_base *base)
{
	struct cli *c = cli_new(base, table, NTABLE, "test", NULL);
	assert_non_null(c);
	return c;
}

/* Run one line; the answer is returned in a static buffer. */
static enum cli_result run(struct cli *c, const char *line, char **ans)
{
	static struct strbuf sb;
	strbuf_free(&sb);
	enum cli_result r = cli_exec(c, NULL, line, &sb);
	*ans = (char *)strbuf_str(&sb);
	return r;
}

#define assert_contains(hay, needle)                                                               \
	do {                                                                                       \
		if (!strstr((hay), (needle)))                                                      \
			fail_msg("missing \"%s\" in:\n%s", (needle), (hay));                       \
	} while (0)

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

/* ---- sessions over loopback ---- */

struct net {
	struct event_base *base;
	struct cli *cli;
};

static int net_setup(void **state)
{
	struct net *n = calloc(1, sizeof(*n));
	signal(SIGPIPE, SIG_IGN);
	n->base = event_base_new();
	n->cli = cli_new(n->base, table, NTABLE, "test", NULL);
	if (!n->base || !n->cli || cli_listen(n->cli, "127.0.0.1", 0) < 0)
		return -1;
	cli_set_backoff(n->cli, 20, 100); /* tests that want the real delays set them */
	*state = n;
	return 0;
}

static int net_teardown(void **state)
{
	struct net *n = *state;
	cli_free(n->cli);
	event_base_free(n->base);
	free(n);
	return 0;
}

static int rcvbuf; /* for the next client(): a small receive buffer (a slow reader) */

static int client(struct net *n)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(cli_port(n->cli))};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	if (rcvbuf)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Run the loop and read from fd until `until` appears `count` times in what this call reads
 * (failing the test after `secs`, or at EOF first), or until EOF or `secs` if until is NULL.
 * True on EOF. */
static bool pump(struct net *n, int fd, struct strbuf *got, const char *until, int count,
		 double secs)
{
	double end = now_s() + secs;
	size_t from = got->len;
	int seen = 0;
	while (now_s() < end) {
		char b[4096];
		event_base_loop(n->base, EVLOOP_NONBLOCK);
		ssize_t r = recv(fd, b, sizeof(b), 0);
		if (r > 0)
			strbuf_add(got, b, (size_t)r);
		if (until) {
			/* count only in what is new (an occurrence may straddle the old end) */
			const char *p = strbuf_str(got) + from;
			for (; (p = strstr(p, until)); p++)
				seen++;
			size_t ul = strlen(until);
			if (got->len + 1 >= ul && got->len + 1 - ul > from)
				from = got->len + 1 - ul;
			if (seen >= count)
				return false;
		}
		if (r == 0) {
			if (until) /* closed before what the test waits for */
				fail_msg("EOF before %d x \"%s\" in:\n%s", count, until,
					 strbuf_str(got));
			return true;
		}
		if (r < 0)
			usleep(1000);
	}
	if (until)
		fail_msg("timeout waiting for %d x \"%s\" in:\n%s", count, until, strbuf_str(got));
	return false;
}

static void sendstr(int fd, const char *s, size_t n)
{
	assert_int_equal(send(fd, s, n, 0), (ssize_t)n);
}
#define SEND(fd, lit) sendstr(fd, lit, sizeof(lit) - 1)

static void test_socket_session(void **state)
{
	struct net *n = *state;
	struct strbuf got;
	strbuf_init(&got);
	int fd = client(n);
	pump(n, fd, &got, "test> ", 1, 5);
	assert_string_equal(strbuf_str(&got), "test> ");
	assert_int_equal(cli_clients(n->cli), 1);
	/* several commands in one packet: answers complete and in order, LF style */
	SEND(fd, "show version json\nsh reg 10.0.0.0/8\nbogus\n\nquit\nshow version\n");
	bool eof = pump(n, fd, &got, NULL, 0, 5);
	assert_true(eof);
	const char *s = strbuf_str(&got);
	assert_null(strchr(s, '\r'));
	const char *j = strstr(s, "test> \n{\n  \"name\": \"test\",");
	assert_non_null(j);
	assert_non_null(strstr(j, "\n}\ntest> \ncmd:  show\nargc: 1\ntest> \n% Unknown command: "
				  "bogus"));
	assert_non_null(strstr(s, "test> \ntest> \n")); /* empty line: a new prompt */
	assert_int_equal(s[got.len - 1], '\n');		/* nothing after quit */
	close(fd);
	pump(n, -1, &got, NULL, 0, 0.05);
	assert_int_equal(cli_clients(n->cli), 0);
	strbuf_free(&got);
}

static void test_socket_telnet(void **state)
{
	struct net *n = *state;
	struct strbuf got;
	strbuf_init(&got);
	int fd = client(n);
	pump(n, fd, &got, "test> ", 1, 5);
	/* a telnet client: negotiation, CR LF lines, answers in CR LF */
	const char in[] = "\xff\xfd\x01\xff\xfb\x18\xff\xfe\x03show\xff\xff version\r\n";
	sendstr(fd, in, sizeof(in) - 1);
	pump(n, fd, &got, "test> ", 1, 5);
	const char *s = strbuf_str(&got);
	assert_non_null(strstr(s, "\xff\xfc\x01\xff\xfe\x18")); /* WONT ECHO, DONT TTYPE */
	assert_non_null(strstr(s, "% Unknown command: show? (commands")); /* IAC IAC = 0xff */
	assert_non_null(strstr(s, "\r\n"));
	SEND(fd, "sh ver\r\0");
	pump(n, fd, &got, "test> ", 1, 5);
	assert_non_null(strstr(strbuf_str(&got), "\r\nname:"));
	/* an over-long line is refused, the session stays */
	static char big[5000];
	memset(big, 'x', sizeof(big));
	sendstr(fd, big, sizeof(big));
	SEND(fd, "\r\nsh ver json\r\n");
	pump(n, fd, &got, "test> ", 2, 5);
	s = strbuf_str(&got);
	assert_non_null(strstr(s, "% Line too long (max 1024 bytes), ignored\r\ntest> "));
	assert_non_null(strstr(s, "{\r\n  \"name\": \"test\""));
	close(fd);
	strbuf_free(&got);
}

static void test_socket_password(void **state)
{
	struct net *n = *state;
	struct strbuf got;
	strbuf_init(&got);
	assert_int_equal(cli_set_password(n->cli, "s3cret"), 0);
	int fd = client(n);
	pump(n, fd, &got, "Password: ", 1, 5);
	SEND(fd, "show version\n"); /* not a command before login */
	pump(n, fd, &got, "Password: ", 1, 5);
	assert_null(strstr(strbuf_str(&got), "name:"));
	assert_non_null(strstr(strbuf_str(&got), "% Bad password\n"));
	SEND(fd, "s3cret\n");
	pump(n, fd, &got, "test> ", 1, 5);
	SEND(fd, "show version\n");
	pump(n, fd, &got, "test> ", 1, 5);
	assert_non_null(strstr(strbuf_str(&got), "name:"));
	close(fd);

	/* three failures close the connection */
	strbuf_reset(&got);
	fd = client(n);
	pump(n, fd, &got, "Password: ", 1, 5);
	SEND(fd, "a\nb\ns3cret!\nshow version\n");
	assert_true(pump(n, fd, &got, NULL, 0, 5));
	assert_non_null(strstr(strbuf_str(&got), "% Bad password, closing\n"));
	assert_null(strstr(strbuf_str(&got), "name:"));
	close(fd);
	cli_set_password(n->cli, NULL);
	strbuf_free(&got);
}

static void test_socket_limits(void **state)
{
	struct net *n = *state;
	struct strbuf got;
	strbuf_init(&got);
	/* client limit: the one session is active (it just sent a line), so a second one is
	 * refused rather than let in by closing it */
	cli_set_max_clients(n->cli, 1);
	int a = client(n);
	pump(n, a, &got, "test> ", 1, 5);
	SEND(a, "show version\n");
	pump(n, a, &got, "test> ", 1, 5);
	strbuf_reset(&got);
	int b = client(n);
	assert_true(pump(n, b, &got, NULL, 0, 5));
	assert_string_equal(strbuf_str(&got), "% Too many CLI sessions\r\n");
	close(b);
	close(a);
	pump(n, -1, &got, NULL, 0, 0.05);
	cli_set_max_clients(n->cli, CLI_DEFAULT_CLIENTS);
	/* idle timeout */
	cli_set_idle_timeout(n->cli, 1);
	strbuf_reset(&got);
	a = client(n);
	double t0 = now_s();
	assert_true(pump(n, a, &got, NULL, 0, 5));
	assert_true(now_s() - t0 >= 0.9);
	assert_string_equal(strbuf_str(&got), "test> \n% Idle timeout, closing\n");
	close(a);
	cli_set_idle_timeout(n->cli, CLI_DEFAULT_IDLE);
	/* a last line without newline runs when the client half-closes */
	strbuf_reset(&got);
	a = client(n);
	SEND(a, "show version json");
	shutdown(a, SHUT_WR);
	assert_true(pump(n, a, &got, NULL, 0, 5));
	assert_non_null(strstr(strbuf_str(&got), "\"name\": \"test\""));
	close(a);
	strbuf_free(&got);
}

/* ---- access control ---- */

static char logbuf[16384];
static void log_capture(int pri, const char *msg, void *arg)
{
	(void)pri;
	(void)arg;
	if (strlen(logbuf) + strlen(msg) + 2 < sizeof(logbuf)) {
		strcat(logbuf, msg);
		strcat(logbuf, "\n");
	}
}

static void test_access_marks(void **state)
{
	(void)state;
	static const struct cli_cmd unmarked[] = {
	    {.words = {"show", "x"}, .fn = record, .access = CLI_READ},
	    {.words = {"reset", "x"}, .fn = record}, /* forgot to say */
	};
	struct cli *c = new_cli(NULL);
	assert_int_equal(cli_add_commands(c, unmarked, 2, NULL), -1);
	cli_free(c);
	assert_null(cli_new(NULL, unmarked, 2, "test", NULL));
	/* every built-in row is readable; the test table's state changers are CLI_ADMIN */
	for (size_t i = 0; i < NTABLE; i++)
		assert_int_equal(table[i].access, strcmp(table[i].words[0], "show") == 0 ||
							  strcmp(table[i].words[0], "echo") == 0
						      ? CLI_READ
						      : CLI_ADMIN);
}

/* What one session's lines get, over TCP: show runs, clear and debug are refused (counted,
 * logged), `enable` without a secret is refused, with the wrong one too, with the right one
 * the session is privileged ("#"), `disable` ends that. */
static void test_socket_privilege(void **state)
{
	struct net *n = *state;
	struct strbuf got;
	strbuf_init(&got);
	logbuf[0] = '\0';
	log_set_sink(log_capture, NULL);
	int fd = client(n);
	pump(n, fd, &got, "test> ", 1, 5);
	calls = 0;
	SEND(fd, "show registrations\nclear map-cache\ndebug control\nshow version json\n"
		 "clear map-cache 10.0.0.0/8\n");
	pump(n, fd, &got, "test> ", 5, 5);
	const char *g = strbuf_str(&got);
	assert_int_equal(calls, 1); /* the show only */
	assert_contains(g,
			"test> \n% Not authorized (enable)\ntest> \n% Not authorized (enable)\n");
	assert_contains(g, "\"name\": \"test\"");
	assert_int_equal(cli_get_stats(n->cli)->not_authorized, 3);
	assert_contains(logbuf, "127.0.0.1: CLI: clear map-cache refused: not authorized (enable)");
	/* a line that does not parse gets its syntax error first (not counted here) */
	strbuf_reset(&got);
	SEND(fd, "echo x json\nclear map-cache json\ndebug nonsense\n");
	pump(n, fd, &got, "test> ", 3, 5);
	assert_contains(strbuf_str(&got), "\"argc\": 1");
	assert_contains(strbuf_str(&got), "json output is not supported by: clear map-cache");
	assert_contains(strbuf_str(&got), "% Unknown argument: nonsense");
	assert_int_equal(cli_get_stats(n->cli)->not_authorized, 3);
	/* no enable secret configured */
	strbuf_reset(&got);
	SEND(fd, "enable\n");
	pump(n, fd, &got, "test> ", 1, 5);
	assert_contains(strbuf_str(&got), "% No enable secret configured");
	/* with one: wrong, then right */
	assert_int_equal(cli_set_enable_secret(n->cli, "en4ble"), 0);
	strbuf_reset(&got);
	SEND(fd, "enable\n");
	pump(n, fd, &got, "Enable secret: ", 1, 5);
	SEND(fd, "en4bl\n");
	pump(n, fd, &got, "test> ", 1, 5);
	assert_contains(strbuf_str(&got), "% Bad enable secret\ntest> ");
	assert_int_equal(cli_get_stats(n->cli)->enable_failures, 1);
	assert_contains(logbuf, "127.0.0.1: CLI: bad enable secret (1 from this address");
	SEND(fd, "clear map-cache\n");
	pump(n, fd, &got, "test> ", 1, 5);
	assert_int_equal(calls, 2); /* still refused (echo was the second call) */
	strbuf_reset(&got);
	SEND(fd, "en\n");
	pump(n, fd, &got, "Enable secret: ", 1, 5);
	SEND(fd, "en4ble\n");
	pump(n, fd, &got, "test# ", 1, 5);
	SEND(fd, "clear map-cache 10.0.0.0/8\ndebug data\n");
	pump(n, fd, &got, "test# ", 2, 5);
	assert_int_equal(calls, 4);
	assert_string_equal(last_args, "data");
	assert_int_equal(cli_get_stats(n->cli)->enables, 1);
	SEND(fd, "disable\nclear map-cache\n");
	pump(n, fd, &got, "test> ", 2, 5);
	assert_int_equal(calls, 4);
	/* an empty line at the secret prompt cancels without counting */
	strbuf_reset(&got);
	SEND(fd, "enable\n\n");
	pump(n, fd, &got, "test> ", 1, 5);
	assert_int_equal(cli_get_stats(n->cli)->enable_failures, 1);
	/* counters in show statistics */
	struct out *o = out_new(true);
	out_begin_object(o, NULL);
	cli_out_stats(n->cli, o);
	out_end(o);
	const char *js = out_finish(o, NULL);
	assert_contains(js, "\"notAuthorized\": 6");
	assert_contains(js, "\"enableFailures\": 1");
	assert_contains(js, "\"enables\": 1");
	out_free(o);
	/* cli_exec without a session (the process itself) may run everything */
	char *a;
	assert_int_equal(run(n->cli, "clear map-cache", &a), CLI_OK);
	close(fd);
	log_set_sink(NULL, NULL);
	strbuf_free(&got);
}

/* A reload's new secrets reach the sessions already open: a changed enable secret takes the
 * privilege back, a new password closes the TCP session (it must log in again). */
static void test_reconfigure_sessions(void **state)
{
	struct net *n = *state;
	struct strbuf got;
	struct cfg_cli c;

	strbuf_init(&got);
	cfg_cli_init(&c, 0);
	snprintf(c.enable, sizeof(c.enable), "en4ble");
	assert_int_equal(cli_reconfigure(n->cli, &c), 0);
	int fd = client(n);
	pump(n, fd, &got, "test> ", 1, 5);
	SEND(fd, "enable\n");
	pump(n, fd, &got, "Enable secret: ", 1, 5);
	SEND(fd, "en4ble\n");
	pump(n, fd, &got, "test# ", 1, 5);
	/* the same secret again: nothing changes */
	assert_int_equal(cli_reconfigure(n->cli, &c), 0);
	strbuf_reset(&got);
	SEND(fd, "clear map-cache\n");
	pump(n, fd, &got, "test# ", 1, 5);
	assert_int_equal(cli_get_stats(n->cli)->not_authorized, 0);
	/* a new enable secret: back to read-only */
	snprintf(c.enable, sizeof(c.enable), "0ther");
	assert_int_equal(cli_reconfigure(n->cli, &c), 0);
	strbuf_reset(&got);
	SEND(fd, "clear map-cache\n");
	pump(n, fd, &got, "test> ", 1, 5);
	assert_contains(strbuf_str(&got), "% Enable secret changed: back to read-only commands");
	assert_contains(strbuf_str(&got), "% Not authorized (enable)");
	assert_int_equal(cli_get_stats(n->cli)->not_authorized, 1);
	/* a password added: the session is closed */
	snprintf(c.password, sizeof(c.password), "pw");
	assert_int_equal(cli_reconfigure(n->cli, &c), 0);
	strbuf_reset(&got);
	assert_true(pump(n, fd, &got, NULL, 0, 5));
	assert_contains(strbuf_str(&got), "% CLI password changed: closing");
	close(fd);
	strbuf_free(&got);
}

static int unix_client(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

/* The UNIX socket: privileged sessions, its mode, what it replaces and what not, its own
 * slots, removed at the end. */
static void test_unix_socket(void **state)
{
	struct net *n = *state;
	char dir[] = "/tmp/test_cli.XXXXXX", path[128], other[128];
	struct stat st;
	struct strbuf got;
	strbuf_init(&got);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/cli.sock", dir);
	snprintf(other, sizeof(other), "%s/file", dir);

	/* a file that is not a socket is left alone */
	FILE *f = fopen(other, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(cli_listen_unix(n->cli, other, 0600, -1), -1);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(stat(other, &st), 0);
	/* "other" bits would give every local user privilege */
	assert_int_equal(cli_listen_unix(n->cli, path, 0666, -1), -1);
	assert_int_equal(errno, EINVAL);
	/* a stale socket (nobody listening) is replaced */
	int stale = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	assert_int_equal(bind(stale, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(stale);
	assert_int_equal(cli_listen_unix(n->cli, path, 0660, (long)getgid()), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0660);
	/* a live one is not taken over */
	struct cli *c2 = cli_new(n->base, table, NTABLE, "test2", NULL);
	assert_int_equal(cli_listen_unix(c2, path, 0600, -1), -1);
	assert_int_equal(errno, EADDRINUSE);
	cli_free(c2);
	assert_int_equal(stat(path, &st), 0);

	/* sessions on it are privileged */
	calls = 0;
	int u = unix_client(path);
	pump(n, u, &got, "test# ", 1, 5);
	SEND(u, "clear map-cache\ndisable\nclear map-cache\nenable\nclear map-cache\n");
	pump(n, u, &got, "test# ", 3, 5);
	assert_int_equal(calls, 2);
	assert_contains(strbuf_str(&got), "test> \n% Not authorized (enable)\ntest> \ntest# ");

	/* its own slots: TCP full of active sessions does not keep it out, and the reverse */
	cli_set_max_clients(n->cli, 1);
	int t = client(n);
	strbuf_reset(&got);
	pump(n, t, &got, "test> ", 1, 5);
	SEND(t, "show version\n");
	pump(n, t, &got, "test> ", 1, 5);
	int t2 = client(n);
	strbuf_reset(&got);
	assert_true(pump(n, t2, &got, NULL, 0, 5));
	assert_contains(strbuf_str(&got), "% Too many CLI sessions");
	close(t2);
	SEND(u, "show version\n"); /* u active too: a second UNIX client is refused */
	pump(n, u, &got, "test# ", 1, 5);
	int u2 = unix_client(path);
	strbuf_reset(&got);
	assert_true(pump(n, u2, &got, NULL, 0, 5));
	assert_contains(strbuf_str(&got), "% Too many CLI sessions");
	close(u2);
	assert_int_equal(cli_get_stats(n->cli)->unix_accepted, 2);
	close(u);
	close(t);
	pump(n, -1, &got, NULL, 0, 0.05);

	/* removed at the end, if still ours */
	cli_free(n->cli);
	n->cli = NULL;
	assert_int_equal(stat(path, &st), -1);
	unlink(other);
	rmdir(dir);
	strbuf_free(&got);
}

/* A password must be given within the login timeout, whatever the client sends meanwhile;
 * without a password the first line is due by then. */
static void test_login_timeout(void **state)
{
	struct net *n = *state;
	struct strbuf got;
	strbuf_init(&got);
	cli_set_password(n->cli, "pw");
	cli_set_login_timeout(n->cli, 1);
	int fd = client(n);
	double t0 = now_s();
	pump(n, fd, &got, "Password: ", 1, 5);
	SEND(fd, "p");
	assert_true(pump(n, fd, &got, NULL, 0, 5));
	double dt = now_s() - t0;
	assert_true(dt >= 0.9 && dt < 3);
	assert_contains(strbuf_str(&got), "% Login timeout, closing");
	assert_int_equal(cli_get_stats(n->cli)->login_timeouts, 1);
	close(fd);
	/* logged in in time: the idle timeout (600 s) applies from then on */
	strbuf_reset(&got);
	fd = client(n);
	pump(n, fd, &got, "Password: ", 1, 5);
	SEND(fd, "pw\n");
	pump(n, fd, &got, "test> ", 1, 5);
	assert_false(pump(n, fd, &got, NULL, 0, 1.5));
	SEND(fd, "show version\n");
	pump(n, fd, &got, "test> ", 1, 5);
	close(fd);
	/* no password: the first line */
	cli_set_password(n->cli, NULL);
	strbuf_reset(&got);
	fd = client(n);
	assert_true(pump(n, fd, &got, NULL, 0, 5));
	assert_string_equal(strbuf_str(&got), "test> \n% Login timeout, closing\n");
	close(fd);
	strbuf_free(&got);
}

/* One byte at a time, never a complete line, or blank lines: the idle timer is not
 * restarted. */
static void test_trickle(void **state)
{
	struct net *n = *state;
	struct strbuf got;
	strbuf_init(&got);
	cli_set_idle_timeout(n->cli, 1);
	int fd = client(n);
	pump(n, fd, &got, "test> ", 1, 5);
	SEND(fd, "show version\n"); /* a first line, then a trickle */
	pump(n, fd, &got, "test> ", 1, 5);
	double t0 = now_s();
	bool eof = false;
	for (int i = 0; i < 12 && !eof; i++) {
		if (send(fd, "x", 1, MSG_NOSIGNAL) != 1)
			break;
		eof = pump(n, fd, &got, NULL, 0, 0.25);
	}
	if (!eof)
		eof = pump(n, fd, &got, NULL, 0, 1);
	assert_true(eof);
	double dt = now_s() - t0;
	assert_true(dt >= 0.9 && dt < 2.5);
	assert_contains(strbuf_str(&got), "% Idle timeout, closing");
	assert_int_equal(cli_get_stats(n->cli)->idle_timeouts, 1);
	close(fd);
	/* blank lines are no activity either */
	strbuf_reset(&got);
	fd = client(n);
	pump(n, fd, &got, "test> ", 1, 5);
	SEND(fd, "show version\n");
	pump(n, fd, &got, "test> ", 1, 5);
	t0 = now_s();
	eof = false;
	for (int i = 0; i < 12 && !eof; i++) {
		if (send(fd, "\n", 1, MSG_NOSIGNAL) != 1)
			break;
		eof = pump(n, fd, &got, NULL, 0, 0.25);
	}
	if (!eof)
		eof = pump(n, fd, &got, NULL, 0, 1);
	assert_true(eof);
	dt = now_s() - t0;
	assert_true(dt >= 0.9 && dt < 2.5);
	close(fd);
	strbuf_free(&got);
}

/* All slots held by connections that never logged in: a new one is let in by closing the
 * oldest of them; slots held by sessions idle for longer than the login timeout too; only
 * sessions that are active keep a newcomer out. */
static void test_eviction(void **state)
{
	struct net *n = *state;
	struct strbuf got, g2;
	strbuf_init(&got);
	strbuf_init(&g2);
	cli_set_password(n->cli, "pw");
	cli_set_max_clients(n->cli, 2);
	cli_set_login_timeout(n->cli, 30);
	int a = client(n);
	pump(n, a, &g2, "Password: ", 1, 5);
	int b = client(n);
	pump(n, b, &g2, "Password: ", 1, 5);
	SEND(b, "p"); /* a stalled partial password */
	int op = client(n);
	pump(n, op, &got, "Password: ", 1, 5);
	strbuf_reset(&g2);
	assert_true(pump(n, a, &g2, NULL, 0, 5)); /* the oldest went */
	assert_contains(strbuf_str(&g2), "% Closed to admit a new session");
	close(a);
	SEND(op, "pw\nshow version\n");
	pump(n, op, &got, "test> ", 2, 5);
	assert_contains(strbuf_str(&got), "name:");
	assert_int_equal(cli_get_stats(n->cli)->evicted, 1);
	/* b never logged in: next in line; the logged-in, active operator is kept */
	int c = client(n);
	strbuf_reset(&g2);
	pump(n, c, &g2, "Password: ", 1, 5);
	strbuf_reset(&g2);
	assert_true(pump(n, b, &g2, NULL, 0, 5));
	close(b);
	SEND(c, "pw\nshow version\n");
	pump(n, c, &g2, "test> ", 2, 5);
	/* two active sessions: a third is refused */
	int d = client(n);
	strbuf_reset(&g2);
	assert_true(pump(n, d, &g2, NULL, 0, 5));
	assert_contains(strbuf_str(&g2), "% Too many CLI sessions");
	close(d);
	/* an idle one (longer than the login timeout) gives way */
	cli_set_login_timeout(n->cli, 1);
	usleep(1200 * 1000);
	SEND(c, "show version\n"); /* c is active again, op stays idle */
	pump(n, c, &g2, "test> ", 1, 5);
	d = client(n);
	strbuf_reset(&g2);
	pump(n, d, &g2, "Password: ", 1, 5);
	strbuf_reset(&got);
	assert_true(pump(n, op, &got, NULL, 0, 5));
	assert_int_equal(cli_get_stats(n->cli)->evicted, 3);
	close(op);
	close(c);
	close(d);
	strbuf_free(&got);
	strbuf_free(&g2);
}

/* Failed logins slow their source down: each next prompt waits longer, across reconnects and
 * parallel connections; the failures are counted and logged with the address. */
static void test_backoff(void **state)
{
	struct net *n = *state;
	struct strbuf got;
	strbuf_init(&got);
	logbuf[0] = '\0';
	log_set_sink(log_capture, NULL);
	cli_set_password(n->cli, "pw");
	cli_set_backoff(n->cli, 300, 1200);
	int fd = client(n);
	pump(n, fd, &got, "Password: ", 1, 5);
	double t0 = now_s();
	SEND(fd, "guess1\n");
	pump(n, fd, &got, "Password: ", 1, 5);
	double d1 = now_s() - t0;
	t0 = now_s();
	SEND(fd, "guess2\n");
	pump(n, fd, &got, "Password: ", 1, 5);
	double d2 = now_s() - t0;
	assert_true(d1 >= 0.28);
	assert_true(d2 >= 0.58);
	close(fd);
	/* a new connection from the same address waits too (4 * 300 ms from the last failure) */
	strbuf_reset(&got);
	t0 = now_s();
	fd = client(n);
	SEND(fd, "guess3\n"); /* typed ahead: not tried before the back-off ends */
	pump(n, fd, &got, "Password: ", 2, 5);
	assert_true(now_s() - t0 >= 1.1);
	assert_contains(strbuf_str(&got), "% Bad password");
	/* two connections guessing at once get one try per delay between them */
	int fd2 = client(n);
	struct strbuf g2;
	strbuf_init(&g2);
	pump(n, fd2, &g2, "Password: ", 1, 5);
	t0 = now_s();
	SEND(fd, "guess4\n");
	SEND(fd2, "guess5\n");
	pump(n, fd, &got, "% Bad password", 1, 5);
	pump(n, fd2, &g2, "% Bad password", 1, 5);
	assert_true(now_s() - t0 >= 1.1); /* the second waited for the first's back-off */
	assert_int_equal(cli_get_stats(n->cli)->login_failures, 5);
	assert_true(cli_get_stats(n->cli)->backoff_waits >= 4);
	assert_contains(logbuf, "127.0.0.1: CLI: bad password (1 from this address; next try in "
				"300 ms)");
	assert_contains(logbuf, "CLI: bad password (2 from this address; next try in 600 ms)");
	/* the right password after the wait: in, and the source is clean again */
	close(fd);
	strbuf_reset(&g2);
	pump(n, fd2, &g2, "Password: ", 1, 5);
	SEND(fd2, "pw\n");
	pump(n, fd2, &g2, "test> ", 1, 5);
	close(fd2);
	strbuf_reset(&got);
	t0 = now_s();
	fd = client(n);
	pump(n, fd, &got, "Password: ", 1, 5);
	assert_true(now_s() - t0 < 0.25);
	close(fd);
	log_set_sink(NULL, NULL);
	strbuf_free(&got);
	strbuf_free(&g2);
}

/* ---- streamed answers (cli_stream) ---- */

/* "show big": every entry of an lpm table, one batch at a time, as an answer of a real
 * daemon would be (JSON objects, or text lines). */
static struct lpm *big;
static int big_live;   /* dump states not freed yet */
static int big_starts; /* dumps started */

struct big_state {
	struct lpm_cursor cur;
	struct out *o;
	size_t n, batch;
};

static int big_one(const struct lisp_prefix *p, void *val, void *arg)
{
	struct big_state *b = arg;
	char s[PREFIX_STRLEN];

	b->n++;
	if (out_json(b->o)) {
		out_begin_object(b->o, NULL);
		out_str(b->o, "eid", prefix_str(p, s, sizeof(s)));
		out_uint(b->o, "i", (uintptr_t)val);
		out_end(b->o);
	} else {
		out_printf(b->o, "%s i=%lu\n", prefix_str(p, s, sizeof(s)),
			   (unsigned long)(uintptr_t)val);
	}
	return ++b->batch >= CLI_BATCH;
}

static bool big_more(struct cli_req *r, struct out *o, void *arg)
{
	struct big_state *b = arg;

	(void)r;
	b->o = o;
	b->batch = 0;
	assert_true(lpm_next(big, &b->cur, CLI_SCAN, big_one, b) >= 0);
	if (!lpm_cursor_done(&b->cur))
		return false;
	if (out_json(o)) {
		out_end(o);
		out_uint(o, "count", b->n);
		out_end(o);
	} else {
		out_printf(o, "%zu entries\n", b->n);
	}
	return true;
}

static void big_free(void *arg)
{
	big_live--;
	free(arg);
}

static void show_big(struct cli_req *r, struct out *o)
{
	struct big_state *b = calloc(1, sizeof(*b));
	assert_non_null(b);
	big_live++;
	big_starts++;
	lpm_cursor_init(&b->cur);
	if (out_json(o)) {
		out_begin_object(o, NULL);
		out_begin_array(o, "entries");
	} else {
		out_printf(o, "EID i\n");
	}
	cli_stream(r, big_more, big_free, b);
}

static const struct cli_cmd big_rows[] = {
    {.words = {"show", "big"}, .json = true, .help = "Big", .fn = show_big, .access = CLI_READ},
};

static void big_fill(size_t n)
{
	lpm_free(big, NULL);
	big = lpm_new();
	assert_non_null(big);
	for (size_t i = 0; i < n; i++) {
		struct lisp_prefix p = {.afi = LISP_AFI_IPV4, .plen = 32};
		uint32_t a = 0x0a000000u + (uint32_t)i; /* 10.0.0.0 + i */
		if (i % 50 == 7) { /* some that are not host routes: a trie part */
			p.plen = 31;
			a &= ~1u;
			a |= 0x01000000u; /* 11.x */
		}
		p.a[0] = (uint8_t)(a >> 24);
		p.a[1] = (uint8_t)(a >> 16);
		p.a[2] = (uint8_t)(a >> 8);
		p.a[3] = (uint8_t)a;
		assert_int_equal(lpm_insert(big, &p, (void *)(uintptr_t)(i + 1), NULL), 0);
	}
}

static int stream_setup(void **state)
{
	if (net_setup(state) < 0)
		return -1;
	struct net *n = *state;
	big_live = 0;
	big_starts = 0;
	return cli_add_commands(n->cli, big_rows, 1, NULL);
}

static int stream_teardown(void **state)
{
	net_teardown(state);
	lpm_free(big, NULL);
	big = NULL;
	assert_int_equal(big_live, 0); /* every dump state freed */
	return 0;
}

/* A small JSON validator (RFC 8259 grammar, no semantic checks). */
static const char *jv_value(const char *p);
static const char *jv_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
		p++;
	return p;
}
static const char *jv_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	while (*p && *p != '"') {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\') {
			p++;
			if (!*p)
				return NULL;
		}
		p++;
	}
	return *p == '"' ? p + 1 : NULL;
}
static const char *jv_value(const char *p)
{
	p = jv_ws(p);
	if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';
		bool obj = *p == '{';
		p = jv_ws(p + 1);
		if (*p == close)
			return p + 1;
		for (;;) {
			if (obj) {
				p = jv_string(jv_ws(p));
				if (!p)
					return NULL;
				p = jv_ws(p);
				if (*p++ != ':')
					return NULL;
			}
			p = jv_value(p);
			if (!p)
				return NULL;
			p = jv_ws(p);
			if (*p == ',') {
				p++;
				continue;
			}
			return *p == close ? p + 1 : NULL;
		}
	}
	if (*p == '"')
		return jv_string(p);
	if (strncmp(p, "true", 4) == 0 || strncmp(p, "null", 4) == 0)
		return p + 4;
	if (strncmp(p, "false", 5) == 0)
		return p + 5;
	const char *q = p;
	if (*q == '-')
		q++;
	while (*q >= '0' && *q <= '9')
		q++;
	return q > p ? q : NULL;
}
/* s holds exactly one JSON document (and white space). */
static bool json_valid(const char *s)
{
	const char *e = jv_value(s);
	return e && *jv_ws(e) == '\0';
}

/* The JSON document of a session's output: from the first line "{" to the line "}". */
static char *json_block(const char *s)
{
	const char *b = strstr(s, "\n{\n");
	assert_non_null(b);
	b++;
	const char *e = strstr(b, "\n}\n");
	assert_non_null(e);
	return strndup(b, (size_t)(e - b) + 3);
}

/* The "i" values of the entries of a JSON answer, in order. */
static size_t json_is(const char *s, unsigned long *v, size_t max)
{
	size_t n = 0;
	for (const char *p = s; (p = strstr(p, "\"i\": ")) != NULL && n < max; p += 5)
		v[n++] = strtoul(p + 5, NULL, 10);
	return n;
}

static int order_cb(const struct lisp_prefix *p, void *val, void *arg)
{
	(void)p;
	unsigned long **w = arg;
	*(*w)++ = (uintptr_t)val;
	return 0;
}

#define BIG_N	 60000
#define BIG_HUGE 200000 /* about 12 MB of JSON: more than the socket buffers hold */

static void test_stream_complete(void **state)
{
	struct net *n = *state;
	struct strbuf got;
	unsigned long *want = calloc(BIG_N, sizeof(*want)),
		      *seen = calloc(BIG_N + 1, sizeof(*seen));
	unsigned long *w = want;
	struct lpm_cursor c;

	big_fill(BIG_N);
	lpm_cursor_init(&c);
	assert_int_equal(lpm_next(big, &c, SIZE_MAX, order_cb, &w), BIG_N);
	strbuf_init(&got);
	int fd = client(n);
	pump(n, fd, &got, "test> ", 1, 5);
	/* the big answer, then a command typed while it streams: it waits its turn */
	SEND(fd, "show big json\nshow version\n");
	pump(n, fd, &got, "test> ", 2, 60);
	const char *s = strbuf_str(&got);
	assert_true(got.len > (size_t)BIG_N * 30); /* far more than one batch */
	char *doc = json_block(s);
	assert_true(json_valid(doc));
	/* complete and in order: the walk's order, each entry once */
	size_t k = json_is(doc, seen, BIG_N + 1);
	assert_int_equal(k, BIG_N);
	for (size_t i = 0; i < k; i++)
		if (seen[i] != want[i])
			fail_msg("entry %zu is %lu, expected %lu", i, seen[i], want[i]);
	assert_non_null(strstr(doc, "\"count\": 60000\n}"));
	/* the prompt after the answer, then the next command's answer */
	const char *after = strstr(s, "\n}\ntest> \nname:");
	assert_non_null(after);
	const struct cli_stats *st = cli_get_stats(n->cli);
	assert_int_equal(st->streams, 1);
	assert_true(st->stream_batches >= BIG_N / CLI_BATCH);
	assert_int_equal(st->streams_abandoned, 0);
	assert_int_equal(big_live, 0);
	free(doc);

	/* text, over telnet (CR LF): same entries, one line each, every line end CR LF */
	strbuf_reset(&got);
	SEND(fd, "show big\r\n");
	pump(n, fd, &got, "test> ", 1, 60);
	s = strbuf_str(&got);
	size_t lines = 0, bare = 0;
	for (const char *p = s; *p; p++) {
		lines += *p == '\n';
		bare += *p == '\n' && (p == s || p[-1] != '\r');
	}
	assert_int_equal(bare, 0);
	assert_int_equal(lines, BIG_N + 3); /* echo line end, header, entries, total */
	assert_non_null(strstr(s, "\r\n60000 entries\r\ntest> "));
	close(fd);
	pump(n, -1, &got, NULL, 0, 0.05);
	strbuf_free(&got);
	free(want);
	free(seen);
}

/* A client that does not read: the session's output stays bounded (rendering stops above
 * the low watermark) and another session is served meanwhile; then the first reads it all. */
static void test_stream_slow_reader(void **state)
{
	struct net *n = *state;
	struct strbuf got, other;

	big_fill(BIG_HUGE);
	strbuf_init(&got);
	strbuf_init(&other);
	rcvbuf = 4096;
	int fd = client(n);
	rcvbuf = 0;
	pump(n, fd, &got, "test> ", 1, 5);
	SEND(fd, "show big json\n");
	struct cli_sess *sa = n->cli->sessions;
	size_t maxout = 0;
	for (int i = 0; i < 300; i++) { /* 0.3 s of the loop without reading */
		event_base_loop(n->base, EVLOOP_NONBLOCK);
		size_t l = evbuffer_get_length(bufferevent_get_output(sa->bev));
		if (l > maxout)
			maxout = l;
		usleep(1000);
	}
	assert_non_null(sa->dump); /* still streaming */
	assert_true(maxout > 0);
	/* one batch over the low watermark at most (a batch here is about 6 KB) */
	if (maxout > CLI_DUMP_LOW + (64u << 10))
		fail_msg("%zu bytes queued for a client that does not read", maxout);
	/* another session is answered meanwhile */
	int fd2 = client(n);
	pump(n, fd2, &other, "test> ", 1, 5);
	SEND(fd2, "show version\n");
	pump(n, fd2, &other, "test> ", 1, 5);
	assert_non_null(strstr(strbuf_str(&other), "name:"));
	assert_non_null(sa->dump);
	close(fd2);
	/* now read: the whole answer arrives */
	pump(n, fd, &got, "test> ", 1, 60);
	char *doc = json_block(strbuf_str(&got));
	assert_true(json_valid(doc));
	assert_non_null(strstr(doc, "\"count\": 200000\n}"));
	free(doc);
	close(fd);
	pump(n, -1, &got, NULL, 0, 0.05);
	strbuf_free(&got);
	strbuf_free(&other);
}

/* A client that goes away in the middle of an answer: the session and the dump's state are
 * freed (the sanitizer build checks for leaks), the server goes on. */
static void test_stream_disconnect(void **state)
{
	struct net *n = *state;
	struct strbuf got;

	big_fill(BIG_HUGE);
	strbuf_init(&got);
	rcvbuf = 4096;
	int fd = client(n);
	pump(n, fd, &got, "test> ", 1, 5);
	SEND(fd, "show big json\n");
	pump(n, fd, &got, "\"i\"", 50, 5); /* part of it arrived: stop reading */
	for (int i = 0; i < 100; i++) {
		event_base_loop(n->base, EVLOOP_NONBLOCK);
		usleep(1000);
	}
	assert_int_equal(big_live, 1);
	struct linger lg = {1, 0}; /* close with RST: what a killed client does */
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
	for (int i = 0; i < 2000 && cli_clients(n->cli) > 0; i++) {
		event_base_loop(n->base, EVLOOP_NONBLOCK);
		usleep(1000);
	}
	assert_int_equal(cli_clients(n->cli), 0);
	assert_int_equal(big_live, 0);
	assert_int_equal(cli_get_stats(n->cli)->streams_abandoned, 1);
	/* a plain close (FIN) in the middle: the same */
	strbuf_reset(&got);
	fd = client(n);
	rcvbuf = 0;
	pump(n, fd, &got, "test> ", 1, 5);
	SEND(fd, "show big\n");
	pump(n, fd, &got, "i=", 50, 5);
	for (int i = 0; i < 100; i++) {
		event_base_loop(n->base, EVLOOP_NONBLOCK);
		usleep(1000);
	}
	assert_int_equal(big_live, 1);
	close(fd);
	for (int i = 0; i < 5000 && cli_clients(n->cli) > 0; i++) {
		event_base_loop(n->base, EVLOOP_NONBLOCK);
		usleep(1000);
	}
	assert_int_equal(cli_clients(n->cli), 0);
	assert_int_equal(big_live, 0);
	assert_int_equal(big_starts, 2);
	strbuf_free(&got);
}

/* The table changes between batches: entries removed and added during the dump. No crash,
 * valid JSON, no entry twice, every entry that stayed exactly once, the count right. */
static void test_stream_table_changes(void **state)
{
	struct net *n = *state;
	struct strbuf got;
	static int seen[2 * BIG_N + 2];
	bool *stayed = calloc(2 * BIG_N + 2, sizeof(*stayed));
	unsigned seed = 3;

	big_fill(BIG_N);
	for (size_t i = 1; i <= BIG_N; i++)
		stayed[i] = true;
	memset(seen, 0, sizeof(seen));
	strbuf_init(&got);
	int fd = client(n);
	pump(n, fd, &got, "test> ", 1, 5);
	SEND(fd, "show big json\n");
	size_t added = 0;
	for (int it = 0;
	     it < 200000 &&
	     !strstr(strbuf_str(&got) + (got.len > 200 ? got.len - 200 : 0), "}\ntest> ");
	     it++) {
		char b[65536];
		event_base_loop(n->base, EVLOOP_NONBLOCK);
		ssize_t r = recv(fd, b, sizeof(b), 0);
		if (r > 0)
			strbuf_add(&got, b, (size_t)r);
		/* between batches: remove 20 random entries, add 20 new ones */
		for (int k = 0; k < 20; k++) {
			struct lisp_prefix p = {.afi = LISP_AFI_IPV4, .plen = 32};
			uint32_t i = (uint32_t)(rand_r(&seed) % BIG_N);
			uint32_t a = 0x0a000000u + i;
			p.a[0] = (uint8_t)(a >> 24);
			p.a[1] = (uint8_t)(a >> 16);
			p.a[2] = (uint8_t)(a >> 8);
			p.a[3] = (uint8_t)a;
			if (lpm_remove(big, &p))
				stayed[i + 1] = false;
			if (added < BIG_N) {
				uint32_t na = 0x0c000000u + (uint32_t)added; /* 12.x */
				p.a[0] = (uint8_t)(na >> 24);
				p.a[1] = (uint8_t)(na >> 16);
				p.a[2] = (uint8_t)(na >> 8);
				p.a[3] = (uint8_t)na;
				assert_int_equal(lpm_insert(big, &p,
							    (void *)(uintptr_t)(BIG_N + 1 + added),
							    NULL),
						 0);
				added++;
			}
		}
		if (r <= 0)
			usleep(200);
	}
	char *doc = json_block(strbuf_str(&got));
	assert_true(json_valid(doc));
	unsigned long *v = calloc(3 * BIG_N, sizeof(*v));
	size_t k = json_is(doc, v, 3 * BIG_N);
	for (size_t i = 0; i < k; i++) {
		assert_true(v[i] >= 1 && v[i] <= 2 * BIG_N + 1);
		if (++seen[v[i]] > 1)
			fail_msg("entry %lu shown twice", v[i]);
	}
	for (size_t i = 1; i <= BIG_N; i++)
		if (stayed[i] && seen[i] != 1)
			fail_msg("entry %zu stayed in the table but was shown %d times", i,
				 seen[i]);
	char cnt[64];
	snprintf(cnt, sizeof(cnt), "\"count\": %zu\n}", k);
	assert_non_null(strstr(doc, cnt));
	assert_true(added > 1000); /* the table did change during the dump */
	/* and the dump saw it: some entries added meanwhile are in it, some removed are not
	 * (an answer rendered in one go at the start would have neither) */
	size_t new_shown = 0, gone_unshown = 0;
	for (size_t i = BIG_N + 1; i <= 2 * BIG_N; i++)
		new_shown += seen[i] == 1;
	for (size_t i = 1; i <= BIG_N; i++)
		gone_unshown += !stayed[i] && seen[i] == 0;
	assert_true(new_shown > 0);
	assert_true(gone_unshown > 0);
	free(v);
	free(doc);
	free(stayed);
	close(fd);
	pump(n, -1, &got, NULL, 0, 0.05);
	strbuf_free(&got);
}

/* The row's context goes away in the middle (cli_set_table_ctx): the answer ends with an
 * error, still one valid JSON document. And cli_exec runs a stream to its end at once. */
static void test_stream_ctx_gone(void **state)
{
	struct net *n = *state;
	struct strbuf got;

	big_fill(BIG_N);
	strbuf_init(&got);
	int fd = client(n);
	pump(n, fd, &got, "test> ", 1, 5);
	SEND(fd, "show big json\n");
	pump(n, fd, &got, "\"i\"", 50, 5);
	assert_int_equal(cli_set_table_ctx(n->cli, big_rows, (void *)1), 0);
	pump(n, fd, &got, "test> ", 1, 60);
	char *doc = json_block(strbuf_str(&got));
	assert_true(json_valid(doc));
	assert_non_null(strstr(doc, "\"error\": \"stopped: the table went away or was replaced\""));
	free(doc);
	assert_int_equal(big_live, 0);
	close(fd);
	pump(n, -1, &got, NULL, 0, 0.05);
	/* cli_exec: the whole answer in one call */
	cli_set_table_ctx(n->cli, big_rows, NULL);
	strbuf_reset(&got);
	assert_int_equal(cli_exec(n->cli, NULL, "show big json", &got), CLI_OK);
	assert_true(json_valid(strbuf_str(&got)));
	assert_non_null(strstr(strbuf_str(&got), "\"count\": 60000\n}"));
	assert_int_equal(big_live, 0);
	strbuf_free(&got);
}

/* out_drain: the pieces together are the one-shot rendering; an error after a drain still
 * ends in one valid JSON document. */
static void test_out_drain(void **state)
{
	(void)state;
	for (int json = 0; json < 2; json++) {
		struct out *a = out_new(json), *b = out_new(json);
		struct strbuf pieces;
		strbuf_init(&pieces);
		for (int k = 0; k < 2; k++) {
			struct out *o = k ? b : a;
			out_begin_object(o, NULL);
			out_str(o, "head", "x");
			out_begin_array(o, "items");
			for (int i = 0; i < 10; i++) {
				out_begin_object(o, NULL);
				out_int(o, "i", i);
				out_str(o, "s", "v");
				out_end(o);
				if (k)
					out_drain(o, &pieces);
			}
			out_end(o);
			out_uint(o, "count", 10);
		}
		size_t l;
		const char *whole = out_finish(a, &l);
		const char *rest = out_finish(b, NULL);
		strbuf_puts(&pieces, rest);
		assert_string_equal(strbuf_str(&pieces), whole);
		out_free(a);
		out_free(b);
		strbuf_free(&pieces);
	}
	struct out *o = out_new(true);
	struct strbuf sb;
	strbuf_init(&sb);
	out_begin_object(o, NULL);
	out_begin_array(o, "items");
	out_begin_object(o, NULL);
	out_int(o, "i", 1);
	out_end(o);
	out_drain(o, &sb);
	out_begin_object(o, NULL);
	out_error(o, "broke at %d", 2);
	strbuf_puts(&sb, out_finish(o, NULL));
	assert_true(json_valid(strbuf_str(&sb)));
	assert_non_null(strstr(strbuf_str(&sb), "\"error\": \"broke at 2\""));
	out_free(o);
	strbuf_free(&sb);
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
	log_input_config(1000, 1000, 1024, 1000); /* the tests read every log line */
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
	    cmocka_unit_test_setup_teardown(test_socket_session, net_setup, net_teardown),
	    cmocka_unit_test_setup_teardown(test_socket_telnet, net_setup, net_teardown),
	    cmocka_unit_test_setup_teardown(test_socket_password, net_setup, net_teardown),
	    cmocka_unit_test_setup_teardown(test_socket_limits, net_setup, net_teardown),
	    cmocka_unit_test(test_access_marks),
	    cmocka_unit_test_setup_teardown(test_socket_privilege, net_setup, net_teardown),
	    cmocka_unit_test_setup_teardown(test_reconfigure_sessions, net_setup, net_teardown),
	    cmocka_unit_test_setup_teardown(test_unix_socket, net_setup, net_teardown),
	    cmocka_unit_test_setup_teardown(test_login_timeout, net_setup, net_teardown),
	    cmocka_unit_test_setup_teardown(test_trickle, net_setup, net_teardown),
	    cmocka_unit_test_setup_teardown(test_eviction, net_setup, net_teardown),
	    cmocka_unit_test_setup_teardown(test_backoff, net_setup, net_teardown),
	    cmocka_unit_test(test_out_drain),
	    cmocka_unit_test(test_out_times),
	    cmocka_unit_test(test_filter_grammar),
	    cmocka_unit_test_setup_teardown(test_stream_complete, stream_setup, stream_teardown),
	    cmocka_unit_test_setup_teardown(test_stream_slow_reader, stream_setup, stream_teardown),
	    cmocka_unit_test_setup_teardown(test_stream_disconnect, stream_setup, stream_teardown),
	    cmocka_unit_test_setup_teardown(test_stream_table_changes, stream_setup,
					    stream_teardown),
	    cmocka_unit_test_setup_teardown(test_stream_ctx_gone, stream_setup, stream_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
