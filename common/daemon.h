/* SPDX-License-Identifier: ISC */
/*
 * common/daemon.h - the skeleton every daemon runs on (docs/architecture.md
 * "Threading and event model"): command line, config check, daemonizing, pid file, one
 * libevent loop, signals.
 *
 *   -f FILE   config file (default: desc->default_config, in $(sysconfdir)/lisp)
 *   -n        check the config and exit: 0 if good, else 1 with "FILE:LINE: ..." on stderr
 *   -nv       check and print the normalized config (desc->print_config) on stdout
 *   -d        stay in the foreground, log to stderr at the configured <log level>
 *   -v        (without -n) log at debug level whatever <log level> says, with or without -d
 *   -p FILE   write the pid there (removed at exit; emptied when the dropped privileges
 *             cannot remove it)
 *   --version, -V   print "NAME VERSION", exit 0
 *   --help, -h      usage on stdout, exit 0; a bad option: usage on stderr, exit 2
 *
 * Without -d the process forks, calls setsid, forks again and logs to syslog (the facility
 * of <log>); the original process exits only once start() has run (0 if it succeeded, 1 if
 * not), so a service manager sees start failures. SIGHUP parses the complete new config
 * first: on errors they are logged and the running config is kept untouched (never
 * half-applied); on success desc->reload(old, new) decides, and then the new <log> applies.
 * SIGTERM/SIGINT break the loop, call stop() and exit 0. Signals are libevent events: the
 * handlers only record them and the work runs in the loop.
 *
 * systemd (Type=notify, with -d): sd_notify "READY=1" once the daemon serves (start() done
 * and the privileges dropped), "RELOADING=1" then "READY=1" around a SIGHUP reload (with a
 * STATUS= saying how it went), "STOPPING=1" when it leaves the loop. Without $NOTIFY_SOCKET
 * these do nothing.
 *
 * Least privilege (common/priv.h): with desc->privileges, a daemon started as root switches
 * to the user of its <privileges> right after start() succeeded (sockets bound, files open)
 * and before the loop runs, keeping only desc->keep_caps; a failed drop is a failed start.
 * Everything after, reloads and stop() included, runs as that user: a reload re-reads the
 * config and the files it names as that user, and a change of <privileges> takes effect at
 * the next restart.
 */
#ifndef COMMON_DAEMON_H
#define COMMON_DAEMON_H

#include <stdint.h>
#include <stdio.h>

struct event_base;
struct cfg_errs;
struct cfg_priv;
struct cfg_log;

struct daemon_desc {
	const char *name;	    /* "lisp-msd": usage, log ident */
	const char *default_config; /* used without -f */
	const char *version;	    /* "0.1.0" */
	const char *usage_extra;    /* optional text appended to --help (may be NULL) */
	/* Parse and check a whole file into a new config; NULL with errors in *errs
	 * (common/conf.h: cfg_load + cfg_error give "FILE:LINE: ..."). */
	void *(*parse_config)(const char *path, struct cfg_errs *errs);
	/* Normalized config, the form -nv prints and config tests diff (may be NULL). */
	void (*print_config)(const void *cfg, FILE *out);
	void (*free_config)(void *cfg);
	/* Open sockets, timers... on `base`. 0, or -1 (logged by the daemon): exit 1. */
	int (*start)(struct event_base *base, void *cfg);
	/* Apply `new_cfg` in whole: 0 -> the skeleton frees old_cfg and new_cfg is current;
	 * -1 -> nothing changed, the skeleton frees new_cfg. NULL: reload only swaps. */
	int (*reload)(void *old_cfg, void *new_cfg);
	/* Close everything start() opened; also called when start() failed (may be NULL). */
	void (*stop)(void);
	/* SIGTERM/SIGINT arrived (may be NULL): the daemon may ask to keep running that many
	 * ms before stop() (a D-ETR withdraws its underlay routes and forwards meanwhile);
	 * 0: stop now. A second signal stops at once. */
	unsigned (*stopping)(void);
	/* The <privileges> of a config (common/conf.h cfg_read_privileges), or NULL when the
	 * daemon changes no privilege (this member NULL, or it returns NULL). */
	const struct cfg_priv *(*privileges)(const void *cfg);
	/* Capabilities kept after the drop (common/priv.h PRIV_CAP(CAP_...)); 0: none. */
	uint64_t keep_caps;
	/* The <log> of a config (common/conf.h cfg_read_log), applied at start and after each
	 * reload; NULL: level info, facility daemon. */
	const struct cfg_log *(*log)(const void *cfg);
	/* More to keep, as start() found it needs them (lisp-xtrd's fast path on a kernel
	 * that wants CAP_BPF for map updates); may be NULL. */
	uint64_t (*extra_caps)(void);
};

/* Returns the process exit status (0, 1 config/start error, 2 usage). */
int daemon_main(const struct daemon_desc *desc, int argc, char **argv);

/* While daemon_main runs: */
struct event_base *daemon_base(void);
void *daemon_config(void);	      /* the config in force */
const char *daemon_config_path(void); /* absolute path of the config file */
/* Same as SIGHUP: 0 if the new config is in force, -1 if the old one was kept. */
int daemon_reload(void);
/* Leave the loop; daemon_main then calls stop() and returns `code`. */
void daemon_exit(int code);

#endif
