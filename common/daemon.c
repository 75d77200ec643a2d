/* SPDX-License-Identifier: ISC */
/*
 * common/daemon.c - command line, daemonizing, pid file, signals, config reload, <log>, the
 * privilege drop and the systemd notifications for every daemon (see daemon.h). State is per
 * process: one daemon per process.
 */
#include "config.h"

#include "common/daemon.h"
#include "common/conf.h"
#include "common/log.h"
#include "common/priv.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

static struct {
	const struct daemon_desc *desc;
	struct event_base *base;
	void *cfg;
	char path[PATH_MAX];
	char pidpath[PATH_MAX];
	const char *pidfile;
	int pidfd; /* open while running: emptied at exit if it cannot be removed */
	int exit_code;
	bool debug; /* -v: debug level whatever <log level> says */
} D;

struct event_base *daemon_base(void)
{
	return D.base;
}

void *daemon_config(void)
{
	return D.cfg;
}

const char *daemon_config_path(void)
{
	return D.path;
}

static void usage(FILE *out, const struct daemon_desc *d)
{
	fprintf(out,
		"usage: %s [-dnv] [-f file] [-p pidfile]\n"
		"  -f file     configuration file (default %s)\n"
		"  -n          check the configuration and exit\n"
		"  -d          stay in the foreground, log to stderr at the configured level\n"
		"  -v          log at debug level; with -n: print the normalized configuration\n"
		"  -p pidfile  write the process id to pidfile\n"
		"  --version   print the version and exit\n"
		"  --help      print this help and exit\n",
		d->name, d->default_config ? d->default_config : "(none)");
	if (d->usage_extra)
		fputs(d->usage_extra, out);
}

/* A systemd notification (sd_notify(3)); nothing without $NOTIFY_SOCKET. */
static void notify(const char *fmt, ...) LOG_PRINTF(1, 2);
static void notify(const char *fmt, ...)
{
#ifdef HAVE_LIBSYSTEMD
	char msg[PATH_MAX + 128];
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r = sd_notify(0, msg);
	if (r < 0)
		log_warnx("sd_notify: %s", strerror(-r));
#else
	(void)fmt;
#endif
}

/* The <log> of cfg: its facility, and its level unless -v. */
static void apply_log(const void *cfg)
{
	const struct cfg_log *l = D.desc->log ? D.desc->log(cfg) : NULL;

	log_set_facility(l ? l->facility : LOG_DAEMON);
	log_setlevel(D.debug ? LOG_DEBUG : l ? l->level : LOG_INFO);
}

/* Log each "FILE:LINE: ..." line of errs. */
static void log_errs(const struct cfg_errs *errs)
{
	const char *p = errs->text;

	while (*p) {
		const char *e = strchr(p, '\n');
		int n = e ? (int)(e - p) : (int)strlen(p);
		log_warnx("%.*s", n, p);
		p += n + (e != NULL);
	}
	if (errs->count > 0 && errs->len == 0)
		log_warnx("%u configuration errors", errs->count);
}

static int reload(void);

int daemon_reload(void)
{
	struct timespec ts;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	/* MONOTONIC_USEC: what systemd 253+ matches a reload against (Type=notify-reload) */
	notify("RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading %s",
	       (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000,
	       D.path);
	r = reload();
	if (r == 0)
		notify("READY=1\nSTATUS=running with %s (reloaded)", D.path);
	else
		notify("READY=1\nSTATUS=running; the last reload of %s failed, see the log",
		       D.path);
	return r;
}

static int reload(void)
{
	const struct daemon_desc *d = D.desc;
	struct cfg_errs *errs = malloc(sizeof(*errs));
	void *ncfg;

	if (errs == NULL) {
		log_warn("reload");
		return -1;
	}
	cfg_errs_init(errs);
	log_info("reloading configuration from %s", D.path);
	ncfg = d->parse_config(D.path, errs);
	if (ncfg == NULL) {
		log_errs(errs);
		if (priv_user() && strstr(errs->text, strerror(EACCES)))
			log_warnx("reload: running as user %s, which must be able to read the "
				  "configuration and the files it names",
				  priv_user());
		log_warnx("reload: %s has errors, keeping the running configuration", D.path);
		free(errs);
		return -1;
	}
	free(errs);
	if (d->privileges && d->privileges(D.cfg) && d->privileges(ncfg) &&
	    !cfg_priv_same(d->privileges(D.cfg), d->privileges(ncfg)))
		log_warnx("reload: a change of <privileges> takes effect at the next restart");
	if (d->reload && d->reload(D.cfg, ncfg) < 0) {
		log_warnx("reload: the new configuration was rejected, keeping the running one");
		d->free_config(ncfg);
		return -1;
	}
	d->free_config(D.cfg);
	D.cfg = ncfg;
	apply_log(D.cfg);
	log_info("configuration reloaded from %s", D.path);
	return 0;
}

void daemon_exit(int code)
{
	D.exit_code = code;
	if (D.base)
		event_base_loopbreak(D.base);
}

static void stop_delay_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	daemon_exit(0);
}

static struct event *t_stop; /* desc->stopping's delay */

/* desc->stopping: keep running `ms` before the exit (a second signal exits at once) */
static void exit_after_stopping(int sig)
{
	unsigned ms = 0;

	if (t_stop == NULL && D.desc->stopping && (ms = D.desc->stopping()) > 0 &&
	    (t_stop = evtimer_new(D.base, stop_delay_cb, NULL)) != NULL) {
		struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};
		log_info("signal %d: exiting in %u ms", sig, ms);
		evtimer_add(t_stop, &tv);
		return;
	}
	log_info("signal %d: exiting", sig);
	daemon_exit(0);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	switch (sig) {
	case SIGHUP:
		daemon_reload();
		break;
	case SIGTERM:
	case SIGINT:
		exit_after_stopping((int)sig);
		break;
	default:
		break;
	}
}

/* Fork twice around setsid. The original process waits on `ready_fd` for the status
 * the daemon reports after start() and exits with it. Returns the write end in the
 * daemon, or -1 on failure (in the original process). */
static int daemonize(void)
{
	int p[2];
	pid_t pid;

	if (pipe(p) < 0) {
		log_warn("pipe");
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		log_warn("fork");
		return -1;
	}
	if (pid > 0) {
		char st = 1;
		close(p[1]);
		while (read(p[0], &st, 1) < 0 && errno == EINTR)
			;
		waitpid(pid, NULL, 0);
		_exit(st == 0 ? 0 : 1);
	}
	close(p[0]);
	if (setsid() < 0)
		_exit(1);
	pid = fork();
	if (pid < 0)
		_exit(1);
	if (pid > 0)
		_exit(0);
	if (chdir("/") < 0)
		_exit(1);
	int fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	return p[1];
}

static void ready(int fd, char status)
{
	if (fd < 0)
		return;
	while (write(fd, &status, 1) < 0 && errno == EINTR)
		;
	close(fd);
}

/* The pid file stays open (D.pidfd): after the privilege drop the daemon may no longer be
 * allowed to remove it from its directory, and then empties it instead. */
static int write_pidfile(const char *path)
{
	char buf[32];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0) {
		log_warn("pid file %s", path);
		return -1;
	}
	int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)n) != n) {
		log_warn("pid file %s", path);
		close(fd);
		return -1;
	}
	D.pidfd = fd;
	return 0;
}

static void remove_pidfile(void)
{
	if (D.pidfd < 0)
		return;
	if (unlink(D.pidfile) < 0 && errno != ENOENT) {
		log_debug("pid file %s: cannot remove it (%s), emptied it", D.pidfile,
			  strerror(errno));
		if (ftruncate(D.pidfd, 0) < 0)
			log_debug("pid file %s: %s", D.pidfile, strerror(errno));
	}
	close(D.pidfd);
	D.pidfd = -1;
}

int daemon_main(const struct daemon_desc *d, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	const char *conf = d->default_config;
	int check = 0, verbose = 0, foreground = 0, c, ready_fd = -1, level;
	struct event *sigs[3] = {NULL, NULL, NULL};
	static const int signums[3] = {SIGHUP, SIGTERM, SIGINT};

	memset(&D, 0, sizeof(D));
	D.desc = d;
	D.pidfd = -1;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":df:hnp:vV", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			foreground = 1;
			break;
		case 'f':
			conf = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 'p':
			D.pidfile = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			usage(stdout, d);
			return 0;
		case 'V':
			printf("%s %s\n", d->name, d->version);
			return 0;
		case ':':
			fprintf(stderr, "%s: option -%c needs an argument\n", d->name, optopt);
			usage(stderr, d);
			return 2;
		default:
			if (optopt)
				fprintf(stderr, "%s: unknown option -%c\n", d->name, optopt);
			else
				fprintf(stderr, "%s: unknown option %s\n", d->name,
					argv[optind - 1]);
			usage(stderr, d);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument %s\n", d->name, argv[optind]);
		usage(stderr, d);
		return 2;
	}
	/* -v: with -n, print the configuration; else debug level */
	D.debug = verbose && !check;
	if (conf == NULL) {
		fprintf(stderr, "%s: no configuration file (-f)\n", d->name);
		return 2;
	}
	/* an absolute path, so SIGHUP still finds it after chdir("/") */
	if (realpath(conf, D.path) == NULL) {
		if (strlen(conf) >= sizeof(D.path)) {
			fprintf(stderr, "%s: path too long\n", conf);
			return 1;
		}
		strcpy(D.path, conf); /* cfg_load reports why it cannot be opened */
	}

	log_init(d->name, 1, D.debug ? LOG_DEBUG : LOG_INFO);
	struct cfg_errs *errs = malloc(sizeof(*errs));
	if (errs == NULL) {
		perror(d->name);
		return 1;
	}
	cfg_errs_init(errs);
	D.cfg = d->parse_config(D.path, errs);
	if (D.cfg == NULL) {
		fputs(errs->text, stderr);
		if (errs->len == 0)
			fprintf(stderr, "%s: configuration has errors\n", conf);
		free(errs);
		return 1;
	}
	free(errs);
	if (check) {
		if (verbose && d->print_config)
			d->print_config(D.cfg, stdout);
		else if (verbose)
			printf("configuration OK\n");
		fflush(stdout);
		d->free_config(D.cfg);
		D.cfg = NULL;
		return 0;
	}

	/* the pid file path, like the config path, must survive chdir("/") */
	if (D.pidfile && D.pidfile[0] != '/') {
		char cwd[PATH_MAX];
		if (getcwd(cwd, sizeof(cwd)) == NULL ||
		    snprintf(D.pidpath, sizeof(D.pidpath), "%s/%s", cwd, D.pidfile) >=
			(int)sizeof(D.pidpath)) {
			fprintf(stderr, "%s: pid file path too long\n", d->name);
			d->free_config(D.cfg);
			return 1;
		}
		D.pidfile = D.pidpath;
	}
	signal(SIGPIPE, SIG_IGN);
	apply_log(D.cfg);
	if (!foreground) {
		level = log_getlevel();
		ready_fd = daemonize();
		if (ready_fd < 0) {
			d->free_config(D.cfg);
			return 1;
		}
		log_init(d->name, 0, level);
	}
	D.base = event_base_new();
	if (D.base == NULL) {
		log_warnx("cannot create the event loop");
		goto fail;
	}
	for (int i = 0; i < 3; i++) {
		sigs[i] = evsignal_new(D.base, signums[i], on_signal, NULL);
		if (sigs[i] == NULL || event_add(sigs[i], NULL) < 0) {
			log_warnx("cannot register signal %d", signums[i]);
			goto fail;
		}
	}
	if (D.pidfile && write_pidfile(D.pidfile) < 0)
		goto fail;
	if (d->start(D.base, D.cfg) < 0) {
		log_warnx("start failed");
		if (d->stop)
			d->stop();
		goto fail;
	}
	/* everything is bound and open: from here on only what the daemon still needs */
	if (d->privileges && d->privileges(D.cfg) &&
	    priv_drop(d->privileges(D.cfg), d->keep_caps | (d->extra_caps ? d->extra_caps() : 0)) <
		0) {
		log_warnx("start failed: the privileges could not be dropped");
		if (d->stop)
			d->stop();
		goto fail;
	}
	log_info("%s %s started with %s", d->name, d->version, D.path);
	ready(ready_fd, 0);
	ready_fd = -1;
	notify("READY=1\nSTATUS=running with %s", D.path);
	event_base_dispatch(D.base);

	notify("STOPPING=1\nSTATUS=stopping");
	if (d->stop)
		d->stop();
	log_info("%s exiting", d->name);
	goto out;
fail:
	D.exit_code = 1;
	ready(ready_fd, 1);
out:
	for (int i = 0; i < 3; i++)
		if (sigs[i])
			event_free(sigs[i]);
	if (t_stop)
		event_free(t_stop);
	t_stop = NULL;
	if (D.base)
		event_base_free(D.base);
	D.base = NULL;
	remove_pidfile();
	d->free_config(D.cfg);
	D.cfg = NULL;
	return D.exit_code;
}
