/* SPDX-License-Identifier: ISC */
/* tests/unit/cli_testlib.h - helpers shared by test_cli.c, test_cli_session.c and
 * test_cli_stream.c: the test command table (rows that record their arguments, one that
 * fails half-way; read and admin rows), a CLI on it and one line run through cli_exec, and
 * the loopback fixture of the session tests (a CLI listening on 127.0.0.1, TCP clients, the
 * event loop pumped while a client reads). Functions are static inline, so a test that does
 * not use a helper does not trip -Wunused-function. */
#ifndef CLI_TESTLIB_H
#define CLI_TESTLIB_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/cli.h"

/* ---- a test table ---- */

static int calls;
static char last_args[256];

static inline void record(struct cli_req *r, struct out *o)
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

static inline void fails(struct cli_req *r, struct out *o)
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

static inline struct cli *new_cli(struct event_base *base)
{
	struct cli *c = cli_new(base, table, NTABLE, "test", NULL);
	assert_non_null(c);
	return c;
}

/* Run one line; the answer is returned in a static buffer. */
static inline enum cli_result run(struct cli *c, const char *line, char **ans)
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

/* ---- sessions over loopback ---- */

struct net {
	struct event_base *base;
	struct cli *cli;
};

static inline int net_setup(void **state)
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

static inline int net_teardown(void **state)
{
	struct net *n = *state;
	cli_free(n->cli);
	event_base_free(n->base);
	free(n);
	return 0;
}

static int rcvbuf; /* for the next client(): a small receive buffer (a slow reader) */

static inline int client(struct net *n)
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

static inline double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Run the loop and read from fd until `until` appears `count` times in what this call reads
 * (failing the test after `secs`, or at EOF first), or until EOF or `secs` if until is NULL.
 * True on EOF. */
static inline bool pump(struct net *n, int fd, struct strbuf *got, const char *until, int count,
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

static inline void sendstr(int fd, const char *s, size_t n)
{
	assert_int_equal(send(fd, s, n, 0), (ssize_t)n);
}
#define SEND(fd, lit) sendstr(fd, lit, sizeof(lit) - 1)

#endif
