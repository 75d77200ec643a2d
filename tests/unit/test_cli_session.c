/* SPDX-License-Identifier: ISC */
/* tests/unit/test_cli_session.c - common/cli sessions over loopback (answers, quit,
 * password, client limit, idle timeout, negotiation replies) and the access control:
 * privilege per row, `enable` and its secret, secrets changed by a reload, the UNIX socket,
 * the login timeout, the idle timer against a trickle, eviction of stalled sessions, the
 * failure back-off. The matcher, renderers and telnet decoder are in test_cli.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/cli.h"
#include "common/conf.h"
#include "common/log.h"

#include "cli_testlib.h"

/* ---- sessions over loopback ---- */

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

int main(void)
{
	log_input_config(1000, 1000, 1024, 1000); /* the tests read every log line */
	const struct CMUnitTest tests[] = {
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
