/* SPDX-License-Identifier: ISC */
/*
 * common/conf.h - XML configuration files: load with libxml2, validate against a
 * RelaxNG schema, read typed values from nodes, report every error as "FILE:LINE: what".
 *
 * Loading collects libxml2's parser and RelaxNG errors (structured error callbacks) into
 * a struct cfg_errs; the daemon's own semantic checks add theirs with cfg_error(node,
 * ...), which finds the file name and line from the node. Schemas are looked up in
 * $LISP_SCHEMA_DIR, then LISP_PKGDATADIR, then LISP_SRCDIR "/schema" (build trees).
 * A daemon parses a whole file into a new struct and frees the document; whether the
 * result is swapped in is common/daemon's job (never half-applied).
 *
 * It declares libxml2 types only as incomplete structs, to stay cheap for its users;
 * users of the node API include <libxml/tree.h> themselves.
 */

#ifndef COMMON_CONF_H
#define COMMON_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "proto/addr.h"

struct _xmlDoc;	 /* xmlDoc */
struct _xmlNode; /* xmlNode */
struct lisp_prefix;

/* ---- error list ---- */
#define CFG_ERRS_MAX 4096
struct cfg_errs {
	unsigned count;		 /* errors recorded (also those that did not fit in text) */
	size_t len;		 /* strlen(text) */
	char text[CFG_ERRS_MAX]; /* "FILE:LINE: message\n" lines */
};
void cfg_errs_init(struct cfg_errs *e);
/* Append "file:line: message" (line <= 0: "file: message"). Returns -1. */
int cfg_errs_add(struct cfg_errs *e, const char *file, long line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- files ---- */
/* Full path of schema `name` (e.g. "lisp-msd.rng"): 0, or -1 when no candidate exists. */
int cfg_schema_path(const char *name, char *dst, size_t len);
/* Parse `path` and validate it against schema `schema` (a name for cfg_schema_path, or a
 * path containing '/'; NULL: no validation). Returns the document, or NULL with the
 * errors in *errs. errs must outlive the document (cfg_error writes to it). */
struct _xmlDoc *cfg_load(const char *path, const char *schema, struct cfg_errs *errs);
void cfg_free(struct _xmlDoc *doc);
struct _xmlNode *cfg_root(struct _xmlDoc *doc);

/* ---- nodes ---- */
/* Record "FILE:LINE: message" for node n in the errs of its document. Returns -1, so
 * `return cfg_error(n, "...")`. */
int cfg_error(const struct _xmlNode *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
long cfg_line(const struct _xmlNode *n);
const char *cfg_file(const struct _xmlNode *n);
/* A file named in the config (secret-file, database path): an absolute path is kept, a
 * relative one is taken relative to the directory of the config file that names it, so the
 * daemon finds it after daemonizing (chdir "/") and on reload. 0, or -1 if it does not fit. */
int cfg_resolve_path(const struct _xmlNode *n, const char *path, char *out, size_t len);
/* Read a secret file named in the config (resolved as above): the whole file less its
 * trailing CR/LF, as lisp-register reads --key-file, so one file serves both ends.
 * 0, or -1 with a FILE:LINE error recorded (unreadable, empty, longer than len - 1). */
int cfg_read_secret_file(const struct _xmlNode *n, const char *path, char *dst, size_t len);
/* The key of element n: its @secret, or else the contents of its @secret-file (copied to
 * `file` when not NULL, "" otherwise). 0, or -1 with a FILE:LINE error: neither given, an
 * unreadable file, or an empty secret (no HMAC key can be built from nothing). */
int cfg_get_secret(const struct _xmlNode *n, char *dst, size_t len, char *file, size_t flen);
/* The same with other attribute names ("@enable-secret", "@enable-secret-file"). */
int cfg_get_secret_named(const struct _xmlNode *n, const char *attr, const char *file_attr,
			 char *dst, size_t len, char *file, size_t flen);
const char *cfg_name(const struct _xmlNode *n); /* element name */
/* First element child of `parent` called `name` (NULL: any element), next sibling. */
struct _xmlNode *cfg_child(const struct _xmlNode *parent, const char *name);
struct _xmlNode *cfg_next(const struct _xmlNode *n, const char *name);
size_t cfg_count(const struct _xmlNode *parent, const char *name);
#define CFG_FOREACH(c, parent, name)                                                               \
	for ((c) = cfg_child((parent), (name)); (c) != NULL; (c) = cfg_next((c), (name)))

/* ---- typed getters ----
 * `name` selects the value: "@attr" an attribute of n, "child" the text of n's first
 * child element of that name, NULL the text of n itself. Text is trimmed of leading and
 * trailing white space. Return: 0 ok (*out set), CFG_ABSENT (out untouched, so preset a
 * default), -1 invalid (error recorded with file:line, out untouched). */
#define CFG_ABSENT 1
int cfg_get_string(const struct _xmlNode *n, const char *name, char *dst, size_t len);
/* Allocated copy (free()); NULL when absent or on error (see *rc if non-NULL). */
char *cfg_dup_string(const struct _xmlNode *n, const char *name, int *rc);
/* Decimal (or 0x hex) integer in [min, max]. */
int cfg_get_uint(const struct _xmlNode *n, const char *name, uint64_t min, uint64_t max,
		 uint64_t *out);
int cfg_get_u32(const struct _xmlNode *n, const char *name, uint32_t min, uint32_t max,
		uint32_t *out);
/* true/false, yes/no, on/off, 1/0. */
int cfg_get_bool(const struct _xmlNode *n, const char *name, bool *out);
/* One of the NULL-terminated `names`; *out = its index. */
int cfg_get_enum(const struct _xmlNode *n, const char *name, const char *const *names, int *out);
/* A UDP/TCP port 1..65535. */
int cfg_get_port(const struct _xmlNode *n, const char *name, uint16_t *out);
/* A log level by name (common/log.h log_level_names) into a syslog priority. */
int cfg_get_log_level(const struct _xmlNode *n, const char *name, int *out);
/* IPv4/IPv6 address (proto/addr.h ipaddr_parse). */
int cfg_get_addr(const struct _xmlNode *n, const char *name, struct ipaddr *out);
/* EID prefix (prefix_parse: "[iid]addr/len"; host bits are an error unless lenient). */
int cfg_get_prefix(const struct _xmlNode *n, const char *name, bool lenient,
		   struct lisp_prefix *out);

/* ---- the elements every daemon has ----
 * <cli address port password socket socket-group socket-mode enable-secret|enable-secret-file>
 * (schema/common.rng "common-cli"), <log level facility> ("common-log") and <privileges user group>
 * ("common-privileges"), read, printed (-nv) and compared on reload in one place;
 * common/cli.c cli_start applies <cli>. */
struct cfg_cli {
	char addr[IPADDR_STRLEN]; /* normalized IPv4 or IPv6 literal, default 127.0.0.1 */
	uint16_t port;		  /* the daemon's default until the config sets one */
	char password[128];	  /* "" = none */
	char socket[108];	  /* UNIX socket of privileged sessions (absolute), "" = none */
	char socket_group[64];	  /* "" = the daemon's group */
	long socket_gid;	  /* -1 = the daemon's group */
	unsigned socket_mode;	  /* default 0600, 0660 with a socket-group; never "other" bits */
	char enable[128];	  /* enable secret for TCP sessions, "" = none: TCP is read-only */
	char enable_file[512];	  /* the enable-secret-file it came from, for -nv */
};
void cfg_cli_init(struct cfg_cli *c, uint16_t default_port);
/* Read the <cli> child of `root`, if any, into c (defaults kept for what it omits). 0 or -1
 * with FILE:LINE errors recorded. */
int cfg_read_cli(const struct _xmlNode *root, struct cfg_cli *c);
/* <log level facility> ("common-log"): the syslog priority logged from (LOG_ERR..LOG_DEBUG,
 * default LOG_INFO; -v makes it LOG_DEBUG whatever it says) and the syslog facility (default
 * LOG_DAEMON). common/daemon applies it at start and on every reload. */
struct cfg_log {
	int level;
	int facility;
};
void cfg_log_init(struct cfg_log *l);
/* Read the <log> child of `root`, if any, into *l (defaults kept for what it omits). 0 or -1
 * with FILE:LINE errors recorded. */
int cfg_read_log(const struct _xmlNode *root, struct cfg_log *l);
/* s with & < > " ' escaped for an XML attribute or text, in buf (cut short to fit): the
 * -nv printers put configured strings through it so their output is well-formed XML. */
const char *cfg_xml_escape(const char *s, char *buf, size_t len);
/* The normalized lines of -nv, indented by two spaces; the password is never printed. */
void cfg_print_cli(const struct cfg_cli *c, FILE *out);
/* <log level="..."/>, with facility="..." when it is not the default (daemon). */
void cfg_print_log(const struct cfg_log *l, FILE *out);
/* Same listening sockets (address and port, UNIX socket path, group and mode)? A reload
 * cannot move or re-create them. */
bool cfg_cli_same_listener(const struct cfg_cli *a, const struct cfg_cli *b);

/* <privileges user group> ("common-privileges"): whom a daemon started as root runs as once
 * its sockets are bound and its files open (common/priv.h). user "" (the element or the
 * attribute left out): "lisp" if that user exists, else "nobody"; "root": no drop (for
 * debugging). group "": the user's primary group. A named user or group must exist. */
struct cfg_priv {
	char user[64];
	char group[64];
};
/* Read the <privileges> child of `root`, if any, into p (zeroed first: the defaults). 0 or -1
 * with FILE:LINE errors recorded. */
int cfg_read_privileges(const struct _xmlNode *root, struct cfg_priv *p);
/* -nv: the user as configured, "(default: lisp, else nobody)" without one, and a comment
 * saying that user="root" keeps every privilege. */
void cfg_print_privileges(const struct cfg_priv *p, FILE *out);
bool cfg_priv_same(const struct cfg_priv *a, const struct cfg_priv *b);

/* <metrics address port> ("common-metrics"): the Prometheus endpoint (common/metrics.h),
 * off without the element; address 127.0.0.1 and the daemon's port by default. */
#define CFG_METRICS_PORT_XTRD 9620
#define CFG_METRICS_PORT_MSD  9621
#define CFG_METRICS_PORT_MRD  9622
struct cfg_metrics {
	bool enabled;		  /* the element is there */
	char addr[IPADDR_STRLEN]; /* normalized IPv4 or IPv6 literal */
	uint16_t port;
};
void cfg_metrics_init(struct cfg_metrics *m, uint16_t default_port);
/* Read the <metrics> child of `root`, if any, into m. 0 or -1 with FILE:LINE errors. */
int cfg_read_metrics(const struct _xmlNode *root, struct cfg_metrics *m);
/* -nv: the line of an enabled endpoint; nothing when off. */
void cfg_print_metrics(const struct cfg_metrics *m, FILE *out);
bool cfg_metrics_same(const struct cfg_metrics *a, const struct cfg_metrics *b);

#endif
