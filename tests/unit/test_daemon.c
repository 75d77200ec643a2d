/* SPDX-License-Identifier: ISC */
/* tests/unit/test_daemon.c - common/daemon through the test daemon (tests/unit/testd):
 * --version, --help, bad options (exit 2), -n on good/bad/missing configs (exit codes,
 * FILE:LINE on stderr), -nv printing the normalized config, a foreground run with
 * SIGHUP reloads (bad config and rejected config keep the old one, a good one applies)
 * and SIGTERM exit 0, and a daemonized run with a pid file. -d logs at the <log level> of
 * the config (applied again by each reload), -v at debug level whatever it says. The
 * systemd notifications on a socket of $NOTIFY_SOCKET: READY=1 once started (after the
 * privilege drop), RELOADING=1 then READY=1 around a reload, STOPPING=1. Started as root with
 * <privileges>: the user, groups and capability sets of the running daemon read from
 * /proc/PID/status (nothing kept, or exactly $TESTD_KEEP_CAPS), reloads as that user, the
 * pid file emptied when it cannot be removed, user="root" keeping everything, a daemon not
 * started as root left as it is, root of a user namespace without the user's id keeping its
 * ids and dropping the capabilities. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef TESTD_PATH
#define TESTD_PATH "tests/unit/testd"
#endif

static char dir[] = "/tmp/test_daemon_XXXXXX";
static char cfgpath[300], state[300], outp[300], errp[300], pidp[300], notifyp[300];

static int group_setup(void **st)
{
	(void)st;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(cfgpath, sizeof(cfgpath), "%s/testd.xml", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(outp, sizeof(outp), "%s/out", dir);
	snprintf(errp, sizeof(errp), "%s/err", dir);
	snprintf(pidp, sizeof(pidp), "%s/testd.pid", dir);
	snprintf(notifyp, sizeof(notifyp), "%s/notify", dir);
	setenv("LISP_SCHEMA_DIR", LISP_SRCDIR "/schema", 1);
	return 0;
}

static int group_teardown(void **st)
{
	(void)st;
	unlink(cfgpath);
	unlink(state);
	unlink(outp);
	unlink(errp);
	unlink(pidp);
	unlink(notifyp);
	rmdir(dir);
	return 0;
}

static void write_cfg(const char *name, const char *value, const char *extra)
{
	FILE *f = fopen(cfgpath, "w");
	assert_non_null(f);
	fprintf(f,
		"<?xml version=\"1.0\"?>\n"
		"<testd>\n"
		"  <name>%s</name>\n"
		"  <value>%s</value>\n"
		"  <state-file>%s</state-file>\n"
		"%s"
		"</testd>\n",
		name, value, state, extra);
	fclose(f);
}

static char *slurp(const char *path)
{
	static char buf[3][8192];
	static int k;
	char *b = buf[k++ % 3];
	FILE *f = fopen(path, "r");
	b[0] = 0;
	if (f) {
		size_t n = fread(b, 1, sizeof(buf[0]) - 1, f);
		b[n] = 0;
		fclose(f);
	}
	return b;
}

/* Write `text` to /proc/self/`file` (uid_map, gid_map, setgroups). */
static int write_self(const char *file, const char *text)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/self/%s", file);
	int fd = open(p, O_WRONLY);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* Capabilities the child drops from its bounding set before the exec (so testd, root, does
 * not hold them). */
static int child_drop_cap = -1;

/* Start testd with args (NULL-terminated); stdout/stderr to files; as `as_uid` when it is
 * not 0 (set before the exec), as (uid_t)-1: as root of a new user namespace where only
 * uid and gid 0 are mapped. */
static pid_t spawn_as(const char *const *args, uid_t as_uid)
{
	const char *argv[16];
	int n = 0;
	argv[n++] = TESTD_PATH;
	for (; *args && n < 15; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	/* emptied here, not in the child: a wait_for() right after must not see the last run */
	for (int i = 0; i < 2; i++) {
		int fd = open(i ? errp : outp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0)
			close(fd);
	}
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int o = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(o, 1);
		dup2(e, 2);
		if (child_drop_cap >= 0 && prctl(PR_CAPBSET_DROP, child_drop_cap, 0, 0, 0) < 0)
			_exit(124);
		if (as_uid == (uid_t)-1) {
			if (unshare(CLONE_NEWUSER) < 0 || write_self("setgroups", "deny") < 0 ||
			    write_self("uid_map", "0 0 1") < 0 ||
			    write_self("gid_map", "0 0 1") < 0)
				_exit(125);
		} else if (as_uid &&
			   (setgroups(0, NULL) < 0 || setresgid(as_uid, as_uid, as_uid) < 0 ||
			    setresuid(as_uid, as_uid, as_uid) < 0)) {
			_exit(126);
		}
		execv(TESTD_PATH, (char *const *)argv);
		_exit(127);
	}
	return pid;
}

static pid_t spawn(const char *const *args)
{
	return spawn_as(args, 0);
}

static int wait_exit(pid_t pid)
{
	int status;
	for (int i = 0; i < 1000; i++) { /* 10 s */
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid) {
			if (WIFEXITED(status))
				return WEXITSTATUS(status);
			return 128 + WTERMSIG(status);
		}
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	fail_msg("testd did not exit");
	return -1;
}

static int run(const char *const *args)
{
	return wait_exit(spawn(args));
}

/* Wait until `path` contains `what`. */
static int wait_for(const char *path, const char *what)
{
	for (int i = 0; i < 1000; i++) {
		if (strstr(slurp(path), what))
			return 1;
		usleep(10000);
	}
	return 0;
}

static void test_version_help(void **st)
{
	(void)st;
	assert_int_equal(run((const char *[]){"--version", NULL}), 0);
	assert_string_equal(slurp(outp), "testd 1.2.3\n");
	assert_int_equal(run((const char *[]){"-V", NULL}), 0);
	assert_int_equal(run((const char *[]){"--help", NULL}), 0);
	assert_non_null(strstr(slurp(outp), "usage: testd "));
	assert_non_null(strstr(slurp(outp), "test daemon of common/daemon"));
	assert_string_equal(slurp(errp), "");
}

static void test_bad_options(void **st)
{
	(void)st;
	assert_int_equal(run((const char *[]){"-x", NULL}), 2);
	assert_non_null(strstr(slurp(errp), "unknown option -x"));
	assert_non_null(strstr(slurp(errp), "usage: testd "));
	assert_string_equal(slurp(outp), "");
	assert_int_equal(run((const char *[]){"--bogus", NULL}), 2);
	assert_non_null(strstr(slurp(errp), "unknown option --bogus"));
	assert_int_equal(run((const char *[]){"-f", NULL}), 2);
	assert_non_null(strstr(slurp(errp), "needs an argument"));
	assert_int_equal(run((const char *[]){"-n", "extra", NULL}), 2);
	/* -v alone is the debug level, not a usage error: the default config is missing */
	assert_int_equal(run((const char *[]){"-v", NULL}), 1);
	assert_non_null(strstr(slurp(errp), "/nonexistent/testd.xml: cannot open"));
	assert_null(strstr(slurp(errp), "usage:"));
}

static void test_check_config(void **st)
{
	(void)st;
	char want[400];

	write_cfg("alpha", "1", "");
	assert_int_equal(run((const char *[]){"-n", "-f", cfgpath, NULL}), 0);
	assert_string_equal(slurp(outp), "");
	assert_int_equal(access(state, F_OK), -1); /* -n starts nothing */

	assert_int_equal(run((const char *[]){"-nv", "-f", cfgpath, NULL}), 0);
	snprintf(want, sizeof(want),
		 "<testd>\n  <name>alpha</name>\n  <value>1</value>\n"
		 "  <state-file>%s</state-file>\n</testd>\n",
		 state);
	assert_string_equal(slurp(outp), want);

	/* schema violation: line 4 */
	write_cfg("alpha", "1", "  <nonsense/>\n");
	assert_int_equal(run((const char *[]){"-n", "-f", cfgpath, NULL}), 1);
	snprintf(want, sizeof(want), "%s:6: ", cfgpath);
	assert_non_null(strstr(slurp(errp), want));
	assert_non_null(strstr(slurp(errp), "nonsense"));

	/* semantic error found by the daemon's parser: line 4 */
	write_cfg("alpha", "5000", "");
	assert_int_equal(run((const char *[]){"-n", "-f", cfgpath, NULL}), 1);
	snprintf(want, sizeof(want), "%s:4: value: 5000 is out of range [0, 1000]", cfgpath);
	assert_non_null(strstr(slurp(errp), want));

	/* missing file, and the default path */
	assert_int_equal(run((const char *[]){"-n", "-f", "/nonexistent/x.xml", NULL}), 1);
	assert_non_null(strstr(slurp(errp), "/nonexistent/x.xml: cannot open"));
	assert_int_equal(run((const char *[]){"-n", NULL}), 1);
	assert_non_null(strstr(slurp(errp), "/nonexistent/testd.xml: cannot open"));
}

static void test_reload_and_term(void **st)
{
	(void)st;
	unlink(state);
	write_cfg("alpha", "1", "");
	pid_t pid = spawn((const char *[]){"-d", "-f", cfgpath, NULL});
	assert_true(wait_for(state, "name=alpha value=1\n"));
	assert_true(wait_for(errp, "started with"));

	/* a config with errors: logged, old config kept (state file untouched) */
	write_cfg("beta", "2", "  <nonsense/>\n");
	assert_int_equal(kill(pid, SIGHUP), 0);
	assert_true(wait_for(errp, "has errors, keeping the running configuration"));
	char want[400];
	snprintf(want, sizeof(want), "%s:6: ", cfgpath);
	assert_non_null(strstr(slurp(errp), want));
	assert_string_equal(slurp(state), "name=alpha value=1\n");

	/* semantic error: same */
	write_cfg("beta", "99999", "");
	assert_int_equal(kill(pid, SIGHUP), 0);
	assert_true(wait_for(errp, "value: 99999 is out of range"));
	assert_string_equal(slurp(state), "name=alpha value=1\n");

	/* a good config is applied */
	write_cfg("gamma", "3", "");
	assert_int_equal(kill(pid, SIGHUP), 0);
	assert_true(wait_for(state, "name=gamma value=3\n"));
	assert_true(wait_for(errp, "configuration reloaded from"));

	/* valid, but the daemon refuses it: the running one stays */
	write_cfg("delta", "4", "  <reject-reload/>\n");
	assert_int_equal(kill(pid, SIGHUP), 0);
	assert_true(wait_for(errp, "the new configuration was rejected"));
	assert_string_equal(slurp(state), "name=gamma value=3\n");

	/* SIGTERM: stop() runs with the config in force, exit 0 */
	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(wait_exit(pid), 0);
	assert_string_equal(slurp(state), "name=gamma value=3\nstopped\n");
	assert_non_null(strstr(slurp(errp), "testd exiting"));
}

/* Run testd in the foreground with `args` until it has started, then SIGTERM: its stderr. */
static const char *run_fg(const char *const *args)
{
	unlink(state);
	pid_t pid = spawn(args);
	assert_true(wait_for(state, "name="));
	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(wait_exit(pid), 0);
	return slurp(errp);
}

static void test_log_levels(void **st)
{
	(void)st;
	const char *e;

	/* -d: the configured level (default info) */
	write_cfg("lv", "1", "");
	e = run_fg((const char *[]){"-d", "-f", cfgpath, NULL});
	assert_non_null(strstr(e, "started with"));
	assert_null(strstr(e, "(debug)"));
	write_cfg("lv", "1", "  <log level=\"debug\"/>\n");
	e = run_fg((const char *[]){"-d", "-f", cfgpath, NULL});
	assert_non_null(strstr(e, "testd: start (debug)"));
	assert_non_null(strstr(e, "testd: stop (debug)"));
	write_cfg("lv", "1", "  <log level=\"warning\" facility=\"local2\"/>\n");
	e = run_fg((const char *[]){"-d", "-f", cfgpath, NULL});
	assert_null(strstr(e, "started with"));
	assert_null(strstr(e, "(debug)"));
	/* -v: debug whatever the config says; -dv the same */
	e = run_fg((const char *[]){"-d", "-v", "-f", cfgpath, NULL});
	assert_non_null(strstr(e, "started with"));
	assert_non_null(strstr(e, "testd: start (debug)"));
	e = run_fg((const char *[]){"-dv", "-f", cfgpath, NULL});
	assert_non_null(strstr(e, "testd: stop (debug)"));

	/* a reload applies the new <log level>: warning -> debug */
	unlink(state);
	pid_t pid = spawn((const char *[]){"-d", "-f", cfgpath, NULL});
	assert_true(wait_for(state, "name=lv value=1\n"));
	write_cfg("lv", "2", "  <log level=\"debug\"/>\n");
	assert_int_equal(kill(pid, SIGHUP), 0);
	assert_true(wait_for(state, "name=lv value=2\n"));
	assert_true(wait_for(errp, "configuration reloaded from"));
	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(wait_exit(pid), 0);
	e = slurp(errp);
	assert_null(strstr(e, "started with"));
	assert_null(strstr(e, "testd: start (debug)"));
	assert_non_null(strstr(e, "testd: stop (debug)"));

	/* ... and -v still wins over a reloaded level="error" */
	unlink(state);
	pid = spawn((const char *[]){"-dv", "-f", cfgpath, NULL});
	assert_true(wait_for(state, "name=lv value=2\n"));
	write_cfg("lv", "3", "  <log level=\"error\"/>\n");
	assert_int_equal(kill(pid, SIGHUP), 0);
	assert_true(wait_for(state, "name=lv value=3\n"));
	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(wait_exit(pid), 0);
	assert_non_null(strstr(slurp(errp), "testd: stop (debug)"));

	/* -nv prints the <log> */
	assert_int_equal(run((const char *[]){"-nv", "-f", cfgpath, NULL}), 0);
	assert_non_null(strstr(slurp(outp), "  <log level=\"error\"/>\n"));
	write_cfg("lv", "3", "  <log facility=\"local7\"/>\n");
	assert_int_equal(run((const char *[]){"-nv", "-f", cfgpath, NULL}), 0);
	assert_non_null(strstr(slurp(outp), "  <log level=\"info\" facility=\"local7\"/>\n"));
	unlink(state);
}

/* A socket at notifyp for $NOTIFY_SOCKET (the children inherit it), writable by anyone so a
 * daemon that dropped its privileges can still notify. */
static int notify_open(void)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", notifyp);
	unlink(notifyp);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(chmod(notifyp, 0666), 0);
	setenv("NOTIFY_SOCKET", notifyp, 1);
	return fd;
}

static void notify_close(int fd)
{
	unsetenv("NOTIFY_SOCKET");
	close(fd);
	unlink(notifyp);
}

/* The next notification (waits up to `ms`), "" if none came. */
static const char *notify_next(int fd, int ms)
{
	static char buf[1024];
	struct pollfd p = {.fd = fd, .events = POLLIN};

	buf[0] = '\0';
	if (poll(&p, 1, ms) == 1) {
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
	}
	return buf;
}

static void test_notify(void **st)
{
	(void)st;
#ifndef HAVE_LIBSYSTEMD
	print_message("built without libsystemd: no notifications to check\n");
	skip();
#else
	char want[400];
	const char *m;
	int fd = notify_open();

	/* -n notifies nothing */
	write_cfg("nt", "1", "");
	assert_int_equal(run((const char *[]){"-n", "-f", cfgpath, NULL}), 0);
	assert_string_equal(notify_next(fd, 200), "");

	/* READY=1 once start() has run */
	unlink(state);
	pid_t pid = spawn((const char *[]){"-d", "-f", cfgpath, NULL});
	m = notify_next(fd, 10000);
	assert_non_null(strstr(m, "READY=1"));
	snprintf(want, sizeof(want), "STATUS=running with %s", cfgpath);
	assert_non_null(strstr(m, want));
	assert_string_equal(slurp(state), "name=nt value=1\n");
	assert_non_null(strstr(slurp(errp), "started with"));

	/* a reload: RELOADING=1 (with the monotonic time systemd 253+ wants), then READY=1 */
	write_cfg("nt", "2", "");
	assert_int_equal(kill(pid, SIGHUP), 0);
	m = notify_next(fd, 10000);
	assert_non_null(strstr(m, "RELOADING=1"));
	assert_non_null(strstr(m, "MONOTONIC_USEC="));
	m = notify_next(fd, 10000);
	assert_non_null(strstr(m, "READY=1"));
	assert_non_null(strstr(m, "(reloaded)"));
	assert_string_equal(slurp(state), "name=nt value=2\n");

	/* a failed reload: READY=1 too (the old config serves), and the status says so */
	write_cfg("nt", "3", "  <nonsense/>\n");
	assert_int_equal(kill(pid, SIGHUP), 0);
	assert_non_null(strstr(notify_next(fd, 10000), "RELOADING=1"));
	m = notify_next(fd, 10000);
	assert_non_null(strstr(m, "READY=1"));
	assert_non_null(strstr(m, "failed"));

	/* SIGTERM: STOPPING=1, before stop() */
	assert_int_equal(kill(pid, SIGTERM), 0);
	m = notify_next(fd, 10000);
	assert_non_null(strstr(m, "STOPPING=1"));
	assert_int_equal(wait_exit(pid), 0);
	assert_string_equal(slurp(state), "name=nt value=2\nstopped\n");
	assert_string_equal(notify_next(fd, 100), "");

	/* a failed start: no READY=1 */
	FILE *f = fopen(cfgpath, "w");
	assert_non_null(f);
	fprintf(f, "<testd><name>x</name><state-file>/nonexistent/dir/s</state-file></testd>\n");
	fclose(f);
	assert_int_equal(run((const char *[]){"-d", "-f", cfgpath, NULL}), 1);
	assert_null(strstr(notify_next(fd, 200), "READY=1"));
	notify_close(fd);
#endif
}

static void test_sigint(void **st)
{
	(void)st;
	unlink(state);
	write_cfg("eps", "5", "");
	pid_t pid = spawn((const char *[]){"-d", "-f", cfgpath, NULL});
	assert_true(wait_for(state, "name=eps value=5\n"));
	assert_int_equal(kill(pid, SIGINT), 0);
	assert_int_equal(wait_exit(pid), 0);
	assert_true(wait_for(state, "stopped"));
}

static void test_daemonize_pidfile(void **st)
{
	(void)st;
	/* become the reaper of the daemonized grandchild, so we can wait for it */
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	unlink(state);
	write_cfg("zeta", "6", "");
	/* the foreground process exits 0 once the daemon has started */
	assert_int_equal(run((const char *[]){"-f", cfgpath, "-p", pidp, NULL}), 0);
	assert_string_equal(slurp(state), "name=zeta value=6\n");
	assert_true(wait_for(pidp, "\n"));
	long dpid = strtol(slurp(pidp), NULL, 10);
	assert_true(dpid > 1);
	assert_int_equal(kill((pid_t)dpid, 0), 0);
	/* it runs in its own session, and is not its leader (cannot regain a terminal) */
	assert_true(getsid((pid_t)dpid) != getsid(0));
	assert_true(getsid((pid_t)dpid) != (pid_t)dpid);
	/* reload works after chdir("/") (the config path was made absolute) */
	write_cfg("eta", "7", "");
	assert_int_equal(kill((pid_t)dpid, SIGHUP), 0);
	assert_true(wait_for(state, "name=eta value=7\n"));
	assert_int_equal(kill((pid_t)dpid, SIGTERM), 0);
	assert_int_equal(wait_exit((pid_t)dpid), 0);
	assert_int_equal(access(pidp, F_OK), -1); /* removed at exit */
	assert_string_equal(slurp(state), "name=eta value=7\nstopped\n");

	/* start failure is reported by the foreground process: unwritable state file */
	FILE *f = fopen(cfgpath, "w");
	fprintf(f, "<testd><name>x</name><state-file>/nonexistent/dir/s</state-file></testd>\n");
	fclose(f);
	assert_int_equal(run((const char *[]){"-f", cfgpath, NULL}), 1);
	prctl(PR_SET_CHILD_SUBREAPER, 0);
}

/* The value of `key` ("Uid", "CapEff"...) in /proc/PID/status, blanks squeezed to one. */
static const char *proc_status(pid_t pid, const char *key)
{
	static char val[256];
	char p[64], line[512];
	size_t kl = strlen(key);
	FILE *f;

	snprintf(p, sizeof(p), "/proc/%d/status", (int)pid);
	val[0] = '\0';
	f = fopen(p, "r");
	if (f == NULL)
		return val;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, kl) != 0 || line[kl] != ':')
			continue;
		size_t o = 0;
		for (const char *c = line + kl + 1; *c && *c != '\n' && o + 1 < sizeof(val); c++) {
			if (*c == ' ' || *c == '\t') {
				if (o > 0 && val[o - 1] != ' ')
					val[o++] = ' ';
			} else {
				val[o++] = *c;
			}
		}
		while (o > 0 && val[o - 1] == ' ')
			o--;
		val[o] = '\0';
		break;
	}
	fclose(f);
	return val;
}

static long file_size(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

/* May uid/gid execute testd? */
static bool can_exec_as(uid_t uid, gid_t gid)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 ||
		    setresuid(uid, uid, uid) < 0)
			_exit(2);
		_exit(access(TESTD_PATH, X_OK) == 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Skip (not fail) what only root can test. Returns nobody's uid/gid. */
static int need_root_nobody(uid_t *uid, gid_t *gid)
{
	const struct passwd *pw = getpwnam("nobody");
	if (geteuid() != 0 || pw == NULL)
		return 0;
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 1;
}

static void test_privileges_dropped(void **st)
{
	(void)st;
	uid_t nob;
	gid_t nog;
	char want[128];

	if (!need_root_nobody(&nob, &nog)) {
		skip();
		return;
	}
	/* the unprivileged daemon reads its config and writes its state file on reload */
	assert_int_equal(chmod(dir, 0755), 0);
	unlink(state);
	int fd = open(state, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(fchown(fd, nob, nog), 0);
	close(fd);
	unlink(pidp);
	write_cfg("priv", "1", "  <privileges user=\"nobody\"/>\n");
#ifdef HAVE_LIBSYSTEMD
	int nfd = notify_open();
#endif
	pid_t pid = spawn((const char *[]){"-d", "-f", cfgpath, "-p", pidp, NULL});
#ifdef HAVE_LIBSYSTEMD
	/* READY=1 comes once the privileges are dropped */
	assert_non_null(strstr(notify_next(nfd, 10000), "READY=1"));
	assert_non_null(strstr(slurp(errp), "privileges dropped: user nobody"));
	snprintf(want, sizeof(want), "%u %u %u %u", nob, nob, nob, nob);
	assert_string_equal(proc_status(pid, "Uid"), want);
#endif
	assert_true(wait_for(state, "name=priv value=1\n"));
	assert_true(wait_for(errp, "started with"));
	assert_non_null(strstr(slurp(errp), "privileges dropped: user nobody"));
	/* started() ran as root (the state file), the loop runs as nobody with nothing */
	snprintf(want, sizeof(want), "%u %u %u %u", nob, nob, nob, nob);
	assert_string_equal(proc_status(pid, "Uid"), want);
	snprintf(want, sizeof(want), "%u %u %u %u", nog, nog, nog, nog);
	assert_string_equal(proc_status(pid, "Gid"), want);
	assert_string_equal(proc_status(pid, "Groups"), "");
	assert_string_equal(proc_status(pid, "CapEff"), "0000000000000000");
	assert_string_equal(proc_status(pid, "CapPrm"), "0000000000000000");
	assert_string_equal(proc_status(pid, "CapInh"), "0000000000000000");
	assert_string_equal(proc_status(pid, "CapBnd"), "0000000000000000");
	assert_string_equal(proc_status(pid, "CapAmb"), "0000000000000000");
	assert_string_equal(proc_status(pid, "NoNewPrivs"), "1");

	/* a reload, as nobody */
	write_cfg("priv", "2", "  <privileges user=\"nobody\"/>\n");
	assert_int_equal(kill(pid, SIGHUP), 0);
	assert_true(wait_for(state, "name=priv value=2\n"));
	/* a config nobody cannot read: kept, and the log says why */
	assert_int_equal(chmod(cfgpath, 0600), 0);
	assert_int_equal(kill(pid, SIGHUP), 0);
	assert_true(wait_for(errp, "running as user nobody, which must be able to read"));
	assert_string_equal(slurp(state), "name=priv value=2\n");
	/* another <privileges>: the rest applies, the user changes at the next restart */
	write_cfg("priv", "3", "  <privileges user=\"root\"/>\n");
	assert_int_equal(chmod(cfgpath, 0644), 0);
	assert_int_equal(kill(pid, SIGHUP), 0);
	assert_true(wait_for(state, "name=priv value=3\n"));
	assert_non_null(strstr(slurp(errp), "a change of <privileges> takes effect at the next"));
	snprintf(want, sizeof(want), "%u %u %u %u", nob, nob, nob, nob);
	assert_string_equal(proc_status(pid, "Uid"), want);

	/* stop() runs as nobody; the pid file in a directory of root's is emptied */
	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(wait_exit(pid), 0);
	assert_string_equal(slurp(state), "name=priv value=3\nstopped\n");
	assert_int_equal(file_size(pidp), 0);
	unlink(pidp);
	unlink(state);
#ifdef HAVE_LIBSYSTEMD
	/* the reloads and the stop notified as nobody: RELOADING=1 ... STOPPING=1 got through */
	const char *m;
	bool stopping = false;
	while (*(m = notify_next(nfd, 100)))
		stopping |= strstr(m, "STOPPING=1") != NULL;
	assert_true(stopping);
	notify_close(nfd);
#endif
	assert_int_equal(chmod(dir, 0700), 0);
}

static void test_privileges_keep_caps(void **st)
{
	(void)st;
	uid_t nob;
	gid_t nog;
	char want[128];

	if (!need_root_nobody(&nob, &nog)) {
		skip();
		return;
	}
	unlink(state);
	/* CAP_NET_ADMIN | CAP_NET_RAW, what lisp-xtrd keeps */
	setenv("TESTD_KEEP_CAPS", "3000", 1);
	write_cfg("caps", "1", "  <privileges user=\"nobody\" group=\"nogroup\"/>\n");
	pid_t pid = spawn((const char *[]){"-d", "-f", cfgpath, NULL});
	unsetenv("TESTD_KEEP_CAPS");
	assert_true(wait_for(errp, "started with"));
	assert_non_null(strstr(slurp(errp), "capabilities: CAP_NET_ADMIN CAP_NET_RAW"));
	snprintf(want, sizeof(want), "%u %u %u %u", nob, nob, nob, nob);
	assert_string_equal(proc_status(pid, "Uid"), want);
	assert_string_equal(proc_status(pid, "CapEff"), "0000000000003000");
	assert_string_equal(proc_status(pid, "CapPrm"), "0000000000003000");
	assert_string_equal(proc_status(pid, "CapInh"), "0000000000003000");
	assert_string_equal(proc_status(pid, "CapBnd"), "0000000000003000");
	assert_string_equal(proc_status(pid, "CapAmb"), "0000000000003000");
	assert_string_equal(proc_status(pid, "NoNewPrivs"), "1");
	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(wait_exit(pid), 0);

	/* started without CAP_NET_RAW (12 + 1): it keeps what it has, and says what it lacks */
	child_drop_cap = 13;
	setenv("TESTD_KEEP_CAPS", "3000", 1);
	pid = spawn((const char *[]){"-d", "-f", cfgpath, NULL});
	unsetenv("TESTD_KEEP_CAPS");
	child_drop_cap = -1;
	assert_true(wait_for(errp, "started with"));
	assert_non_null(strstr(slurp(errp), "not held, so not kept: CAP_NET_RAW"));
	assert_string_equal(proc_status(pid, "CapEff"), "0000000000001000");
	assert_string_equal(proc_status(pid, "CapBnd"), "0000000000001000");
	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(wait_exit(pid), 0);
}

static void test_privileges_root_and_nonroot(void **st)
{
	(void)st;
	uid_t nob;
	gid_t nog;
	char want[128], bnd[64];

	if (!need_root_nobody(&nob, &nog)) {
		skip();
		return;
	}
	/* user="root": nothing changes, loudly */
	unlink(state);
	snprintf(bnd, sizeof(bnd), "%s", proc_status(getpid(), "CapBnd"));
	write_cfg("root", "1", "  <privileges user=\"root\"/>\n");
	pid_t pid = spawn((const char *[]){"-d", "-f", cfgpath, NULL});
	assert_true(wait_for(errp, "started with"));
	assert_non_null(strstr(slurp(errp), "RUNNING AS ROOT WITH EVERY PRIVILEGE"));
	assert_string_equal(proc_status(pid, "Uid"), "0 0 0 0");
	assert_string_equal(proc_status(pid, "CapBnd"), bnd);
	assert_string_equal(proc_status(pid, "NoNewPrivs"), "0");
	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(wait_exit(pid), 0);

	/* not started as root: it runs with what it was given (testd run by nobody, which a
	 * build tree under a directory only root may enter, such as /root, does not allow) */
	if (!can_exec_as(nob, nog)) {
		print_message("nobody cannot run %s (a directory above is closed to it): "
			      "the start as nobody is not checked\n",
			      TESTD_PATH);
		skip();
		return;
	}
	assert_int_equal(chmod(dir, 0755), 0);
	int fd = open(state, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(fchown(fd, nob, nog), 0);
	close(fd);
	fd = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	close(fd);
	write_cfg("user", "1", "  <privileges user=\"nobody\"/>\n");
	pid = spawn_as((const char *[]){"-d", "-f", cfgpath, NULL}, nob);
	assert_true(wait_for(errp, "started with"));
	assert_non_null(strstr(slurp(errp), "not root: running with what it was given"));
	snprintf(want, sizeof(want), "%u %u %u %u", nob, nob, nob, nob);
	assert_string_equal(proc_status(pid, "Uid"), want);
	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(wait_exit(pid), 0);
	unlink(state);
	assert_int_equal(chmod(dir, 0700), 0);
}

/* Root of a user namespace where nobody has no id: the ids stay, the capabilities go. */
static void test_privileges_user_namespace(void **st)
{
	(void)st;
	uid_t nob;
	gid_t nog;

	if (!need_root_nobody(&nob, &nog)) {
		skip();
		return;
	}
	unlink(state);
	setenv("TESTD_KEEP_CAPS", "3000", 1);
	write_cfg("userns", "1", "  <privileges user=\"nobody\"/>\n");
	pid_t pid = spawn_as((const char *[]){"-d", "-f", cfgpath, NULL}, (uid_t)-1);
	unsetenv("TESTD_KEEP_CAPS");
	if (!wait_for(errp, "started with") && strstr(slurp(errp), "privileges") == NULL) {
		/* no user namespaces here (exit 125): nothing to test */
		wait_exit(pid);
		skip();
		return;
	}
	assert_non_null(strstr(slurp(errp), "has no id in this user namespace"));
	assert_string_equal(proc_status(pid, "Uid"), "0 0 0 0");
	assert_string_equal(proc_status(pid, "CapEff"), "0000000000003000");
	assert_string_equal(proc_status(pid, "CapPrm"), "0000000000003000");
	assert_string_equal(proc_status(pid, "CapBnd"), "0000000000003000");
	assert_string_equal(proc_status(pid, "NoNewPrivs"), "1");
	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(wait_exit(pid), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_version_help),
	    cmocka_unit_test(test_bad_options),
	    cmocka_unit_test(test_check_config),
	    cmocka_unit_test(test_reload_and_term),
	    cmocka_unit_test(test_log_levels),
	    cmocka_unit_test(test_notify),
	    cmocka_unit_test(test_sigint),
	    cmocka_unit_test(test_daemonize_pidfile),
	    cmocka_unit_test(test_privileges_dropped),
	    cmocka_unit_test(test_privileges_keep_caps),
	    cmocka_unit_test(test_privileges_root_and_nonroot),
	    cmocka_unit_test(test_privileges_user_namespace),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
