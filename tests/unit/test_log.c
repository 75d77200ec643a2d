/* SPDX-License-Identifier: ISC */
/* tests/unit/test_log.c - common/log: levels, log_warn's errno suffix, topics, the
 * stderr line format and the journal's ("<PRIORITY>message" when $JOURNAL_STREAM names
 * stderr), control characters, the syslog facility (names, and the priority of what reaches
 * a /dev/log socket of a private mount namespace), and rate-limited log_input with an
 * injected clock: suppression per source, "(N similar messages suppressed)", the global cap
 * and the bounded source table. Messages are captured through log_set_sink. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "common/ratelimit.h"

#define CAP_MAX 64
static struct {
	int n;
	int pri[CAP_MAX];
	char msg[CAP_MAX][1100];
} cap;

static void cap_sink(int pri, const char *msg, void *arg)
{
	(void)arg;
	if (cap.n < CAP_MAX) {
		cap.pri[cap.n] = pri;
		snprintf(cap.msg[cap.n], sizeof(cap.msg[0]), "%s", msg);
	}
	cap.n++;
}

static uint64_t fake_now;
static uint64_t fake_clock(void)
{
	return fake_now;
}

static int setup(void **state)
{
	(void)state;
	memset(&cap, 0, sizeof(cap));
	log_init("/usr/sbin/testlog", 1, LOG_INFO);
	log_set_sink(cap_sink, NULL);
	log_set_topics(0);
	fake_now = 1000 * NSEC_PER_SEC;
	log_set_clock(fake_clock);
	log_input_config(1, 3, 4, 1000);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	log_set_sink(NULL, NULL);
	log_set_clock(NULL);
	return 0;
}

static void test_levels(void **state)
{
	(void)state;
	assert_string_equal(log_progname(), "testlog");
	log_info("hello %d", 42);
	log_debug("hidden");
	log_warnx("warn %s", "x");
	assert_int_equal(cap.n, 2);
	assert_string_equal(cap.msg[0], "hello 42");
	assert_int_equal(cap.pri[0], LOG_INFO);
	assert_int_equal(cap.pri[1], LOG_WARNING);
	log_setlevel(LOG_DEBUG);
	assert_int_equal(log_getlevel(), LOG_DEBUG);
	log_debug("shown");
	assert_int_equal(cap.n, 3);
	assert_string_equal(cap.msg[2], "shown");
	log_setlevel(LOG_ERR);
	log_warnx("dropped");
	log_info("dropped");
	log_msg(LOG_ERR, "err");
	assert_int_equal(cap.n, 4);
	log_setlevel(99); /* clamped */
	assert_int_equal(log_getlevel(), LOG_DEBUG);
}

static void test_warn_errno(void **state)
{
	(void)state;
	errno = ENOENT;
	log_warn("open %s", "/nonexistent");
	assert_int_equal(cap.n, 1);
	assert_non_null(strstr(cap.msg[0], "open /nonexistent: "));
	assert_non_null(strstr(cap.msg[0], strerror(ENOENT)));
	assert_int_equal(errno, ENOENT); /* preserved */
}

static void test_topics(void **state)
{
	(void)state;
	char s[64];

	assert_int_equal(log_topic_from_name("control"), LOG_TOPIC_CONTROL);
	assert_int_equal(log_topic_from_name("data"), LOG_TOPIC_DATA);
	assert_int_equal(log_topic_from_name("bgp"), LOG_TOPIC_BGP);
	assert_int_equal(log_topic_from_name("all"), LOG_TOPIC_ALL);
	assert_int_equal(log_topic_from_name("nope"), 0);
	assert_int_equal(log_topic_from_name(NULL), 0);
	assert_string_equal(log_topics_str(0, s, sizeof(s)), "off");
	assert_string_equal(log_topics_str(LOG_TOPIC_CONTROL | LOG_TOPIC_BGP, s, sizeof(s)),
			    "control,bgp");

	log_debug_topic(LOG_TOPIC_BGP, "bgp 1");
	assert_int_equal(cap.n, 0);
	log_set_topics(LOG_TOPIC_BGP);
	assert_true(log_topic_on(LOG_TOPIC_BGP));
	assert_false(log_topic_on(LOG_TOPIC_DATA));
	log_debug_topic(LOG_TOPIC_BGP, "bgp 2");
	log_debug_topic(LOG_TOPIC_DATA, "data 1");
	log_debug("plain debug stays hidden");
	assert_int_equal(cap.n, 1);
	assert_string_equal(cap.msg[0], "bgp 2");
	assert_int_equal(cap.pri[0], LOG_DEBUG);
	log_set_topics(0);
	log_debug_topic(LOG_TOPIC_BGP, "bgp 3");
	assert_int_equal(cap.n, 1);
}

static void test_control_chars(void **state)
{
	(void)state;
	log_info("a\nb\033c");
	assert_string_equal(cap.msg[0], "a?b?c");
	char big[3000];
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	log_info("%s", big); /* truncated, no overflow */
	assert_true(strlen(cap.msg[1]) < 1100);
}

static void test_stderr_format(void **state)
{
	(void)state;
	char path[] = "/tmp/test_log_XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	char line[512] = "";

	assert_true(fd >= 0);
	log_set_sink(NULL, NULL);
	fflush(stderr);
	dup2(fd, 2);
	log_info("to stderr %d", 7);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	FILE *f = fdopen(fd, "r");
	rewind(f);
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	unlink(path);
	/* "YYYY-MM-DD HH:MM:SS.mmm testlog[pid]: info: to stderr 7" */
	assert_true(strlen(line) > 24);
	assert_true(line[4] == '-' && line[10] == ' ' && line[19] == '.');
	assert_non_null(strstr(line, " testlog["));
	assert_non_null(strstr(line, "]: info: to stderr 7\n"));
}

/* stderr is the journal: "<PRIORITY>message", no time or pid (the journal adds them) */
static void test_journal_format(void **state)
{
	(void)state;
	char path[] = "/tmp/test_log_XXXXXX", js[64], text[256] = "";
	int fd = mkstemp(path), saved = dup(2);
	struct stat sb;

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &sb), 0);
	log_set_sink(NULL, NULL);
	fflush(stderr);
	dup2(fd, 2);
	snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)sb.st_dev,
		 (unsigned long long)sb.st_ino);
	setenv("JOURNAL_STREAM", js, 1);
	log_init("testlog", 1, LOG_INFO);
	bool journal = log_to_journal();
	log_info("to the journal %d", 8);
	log_debug("hidden");
	log_warnx("careful");
	/* another stream (stderr redirected by the service itself): the plain format */
	snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)sb.st_dev,
		 (unsigned long long)sb.st_ino + 1);
	setenv("JOURNAL_STREAM", js, 1);
	log_init("testlog", 1, LOG_INFO);
	bool journal2 = log_to_journal();
	log_info("plain");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	unsetenv("JOURNAL_STREAM");
	log_init("testlog", 1, LOG_INFO);
	FILE *f = fdopen(fd, "r");
	rewind(f);
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	unlink(path);
	assert_true(journal);
	assert_false(journal2);
	assert_true(strncmp(text, "<6>to the journal 8\n<4>careful\n", 31) == 0);
	assert_non_null(strstr(text + 31, "]: info: plain\n"));
}

static void test_facility_names(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int value;
	} want[] = {{"daemon", LOG_DAEMON}, {"user", LOG_USER},	    {"local0", LOG_LOCAL0},
		    {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3},
		    {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5}, {"local6", LOG_LOCAL6},
		    {"local7", LOG_LOCAL7}};
	size_t i;

	for (i = 0; log_facility_names[i]; i++) {
		assert_true(i < sizeof(want) / sizeof(want[0]));
		assert_string_equal(log_facility_names[i], want[i].name);
		assert_int_equal(log_facility_value((int)i), want[i].value);
		assert_string_equal(log_facility_name(want[i].value), want[i].name);
	}
	assert_int_equal(i, sizeof(want) / sizeof(want[0]));
	assert_int_equal(log_facility_value(-1), LOG_DAEMON);
	assert_int_equal(log_facility_value(99), LOG_DAEMON);
	assert_string_equal(log_facility_name(LOG_MAIL), "daemon");
	assert_int_equal(log_get_facility(), LOG_DAEMON); /* the default */
	log_set_facility(LOG_LOCAL5);
	assert_int_equal(log_get_facility(), LOG_LOCAL5);
	log_set_facility(LOG_DAEMON);
}

/* In a child with a private mount namespace and its own /dev (a tmpfs), with a datagram
 * socket at /dev/log: the syslog priority of each message (facility | level). Exit 0 if
 * right, 77 when the namespace cannot be made (not root), else the failed step. */
static int syslog_child(void)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	char buf[512];
	int fd;
	ssize_t n;

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", "/dev", "tmpfs", 0, "size=64k") < 0)
		return 77;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "/dev/log");
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		return 10;
	log_set_sink(NULL, NULL);
	log_set_facility(LOG_LOCAL3); /* before log_init: the facility openlog uses */
	log_init("testlog", 0, LOG_INFO);
	log_info("via syslog");
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 11;
	buf[n] = '\0';
	if (strncmp(buf, "<158>", 5) != 0 || strstr(buf, "testlog[") == NULL ||
	    strstr(buf, "via syslog") == NULL) /* local3 (19 << 3) | info (6) */
		return 12;
	log_set_facility(LOG_USER); /* while logging to syslog: reopened */
	log_warnx("as user");
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 13;
	buf[n] = '\0';
	if (strncmp(buf, "<12>", 4) != 0 || strstr(buf, "as user") == NULL) /* (1 << 3) | 4 */
		return 14;
	log_set_facility(LOG_DAEMON);
	log_debug("below the level");
	log_msg(LOG_NOTICE, "daemon notice");
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 15;
	buf[n] = '\0';
	if (strncmp(buf, "<29>", 4) != 0 || strstr(buf, "daemon notice") == NULL) /* (3<<3)|5 */
		return 16;
	return 0;
}

static void test_syslog_facility(void **state)
{
	(void)state;
	int st;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(syslog_child());
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) == 77) {
		print_message("no private mount namespace here (needs root): syslog not checked\n");
		skip();
	}
	assert_int_equal(WEXITSTATUS(st), 0);
}

static struct sockaddr_in sin4(const char *a)
{
	struct sockaddr_in s = {.sin_family = AF_INET, .sin_port = htons(4342)};
	inet_pton(AF_INET, a, &s.sin_addr);
	return s;
}

static void test_input_suppression(void **state)
{
	(void)state;
	struct sockaddr_in a = sin4("192.0.2.1"), b = sin4("192.0.2.2");
	struct log_input_stats st;

	/* burst 3: three logged, seven suppressed */
	for (int i = 0; i < 10; i++)
		log_input((struct sockaddr *)&a, "bad packet %d", i);
	assert_int_equal(cap.n, 3);
	assert_string_equal(cap.msg[0], "192.0.2.1: bad packet 0");
	assert_int_equal(cap.pri[0], LOG_WARNING);
	/* another source is not affected */
	assert_true(log_input((struct sockaddr *)&b, "other"));
	assert_string_equal(cap.msg[3], "192.0.2.2: other");
	/* one second later a has one token: its message reports the suppressed count */
	fake_now += NSEC_PER_SEC;
	assert_true(log_input((struct sockaddr *)&a, "bad packet %d", 10));
	assert_string_equal(cap.msg[4], "192.0.2.1: bad packet 10 (7 similar messages suppressed)");
	assert_false(log_input((struct sockaddr *)&a, "bad packet %d", 11));
	fake_now += NSEC_PER_SEC;
	assert_true(log_input((struct sockaddr *)&a, "again"));
	assert_string_equal(cap.msg[5], "192.0.2.1: again (1 similar messages suppressed)");
	fake_now += NSEC_PER_SEC;
	assert_true(log_input((struct sockaddr *)&a, "clean"));
	assert_string_equal(cap.msg[6], "192.0.2.1: clean");
	log_input_stats(&st);
	assert_int_equal(st.logged, 7);
	assert_int_equal(st.suppressed, 8);
}

static void test_input_v6_and_mapped(void **state)
{
	(void)state;
	struct sockaddr_in6 m = {.sin6_family = AF_INET6}, v6 = {.sin6_family = AF_INET6};
	struct sockaddr_in a = sin4("198.51.100.9");

	inet_pton(AF_INET6, "::ffff:198.51.100.9", &m.sin6_addr);
	inet_pton(AF_INET6, "2001:db8::1", &v6.sin6_addr);
	log_input((struct sockaddr *)&v6, "v6");
	assert_string_equal(cap.msg[0], "[2001:db8::1]: v6");
	log_input((struct sockaddr *)&m, "mapped");
	assert_string_equal(cap.msg[1], "198.51.100.9: mapped");
	/* the mapped source and the plain IPv4 one share a bucket (burst 3) */
	log_input((struct sockaddr *)&a, "x");
	log_input((struct sockaddr *)&a, "x");
	assert_false(log_input((struct sockaddr *)&m, "x"));
	assert_int_equal(cap.n, 4);
	log_input(NULL, "no source");
	assert_string_equal(cap.msg[4], "unknown source: no source");
}

static void test_input_key_and_global_cap(void **state)
{
	(void)state;
	char key[32];

	log_input_config(1, 3, 4, 2); /* global: 2/s, burst 4 */
	for (int i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "peer%%s%d", i); /* '%' in a key is harmless */
		log_input_key(key, "line too long");
	}
	assert_int_equal(cap.n, 4);
	assert_string_equal(cap.msg[0], "peer%s0: line too long");
	/* the source table stayed bounded at 4 entries; a suppressed key resumes later */
	fake_now += 10 * NSEC_PER_SEC;
	assert_true(log_input_key("peer%s9", "later"));
	assert_string_equal(cap.msg[4], "peer%s9: later (1 similar messages suppressed)");
	/* level above warning: nothing is logged or counted */
	log_setlevel(LOG_ERR);
	assert_false(log_input_key("k", "x"));
	log_setlevel(LOG_INFO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_levels, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_warn_errno, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_topics, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_control_chars, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stderr_format, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_journal_format, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_facility_names, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_syslog_facility, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_input_suppression, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_input_v6_and_mapped, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_input_key_and_global_cap, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
