/* SPDX-License-Identifier: ISC */
/*
 * common/cli.h - the telnet CLI server shared by the daemons (docs/architecture.md "Telnet CLI").
 *
 * Each daemon declares ONE command table; a row is declared once and `help`/`?` are generated
 * from the same rows (BIRD CF_CLI). Words match by unique prefix (`sh reg`), with
 * "% Ambiguous command: sh could be show, shutdown" and "% Unknown command: ..." listing the
 * alternatives (OpenBGPD bgpctl parser.c match_token). A command with `.json` accepts a last
 * word `json` and then renders through common/out.h as JSON; parse errors on such a line
 * are JSON too ({"error": "..."}). Built in: help [WORDS], WORDS ?, quit, exit.
 *
 * Connections (libevent bufferevents): speaks just enough telnet (RFC 854/855) to refuse
 * every option (DO -> WONT, WILL -> DONT, subnegotiation skipped, IAC IAC is a data byte,
 * EC/EL/AYT honoured), so both `telnet 127.0.0.1 PORT` and `nc 127.0.0.1 PORT` work; the
 * server never starts a negotiation. Lines end at CR LF, CR NUL, bare CR or bare LF; after
 * a CR, further CR and NUL bytes and one LF belong to the same line end (a telnet client fed
 * "\r\n" sends CR NUL CR LF). Backspace/DEL erase; other control bytes are dropped. A line
 * longer than CLI_LINE_MAX is discarded with an error (the connection stays). Replies use
 * CR LF after a client line that ended in CR (telnet), plain LF otherwise (nc, scripts).
 * Since the server never asks for WILL ECHO, a telnet client echoes the password locally.
 * A handler answers at once, or streams a large answer (cli_stream): it renders the head,
 * then the CLI calls its continuation for one bounded batch at a time, sending each batch
 * and going back to the event loop in between; the next batch is rendered only when the
 * session's output has drained below CLI_DUMP_LOW (a slow reader holds at most that plus
 * one batch), and the next prompt follows the last batch. Lines typed meanwhile wait.
 *
 * Privilege (docs/architecture.md "Telnet CLI"): every row says whether it only reads
 * (CLI_READ) or changes state (CLI_ADMIN: clear, debug, load...); cli_add_commands refuses
 * a row that says neither. A session on the UNIX socket (cli_listen_unix) is privileged:
 * the socket file's mode and group are the access control, as for birdc and vtysh. A TCP
 * session is read-only ("% Not authorized (enable)" for a CLI_ADMIN row) until `enable`
 * and the enable secret; without an enable secret TCP stays read-only. The prompt of a
 * privileged session ends in "# " instead of "> ".
 * Connections: a TCP session with a password must log in within the login timeout (and one
 * without must send its first line by then); the idle timer restarts on complete lines
 * only, so a byte at a time keeps nothing open. When the CLIENTS slots of a listener kind
 * (TCP, UNIX: separate pools) are full, a new connection evicts a session that has not
 * logged in or sent a line, or else one idle for longer than the login timeout; only when
 * none is, it is refused. Failed logins and enables are logged (rate-limited, with the
 * source), counted, and slow the source down: the next prompt or attempt from that address
 * waits base * 2^(failures-1) (capped), across reconnects, in a bounded table of sources.
 * Secrets are compared as HMAC-SHA-256 digests under a random per-process key with
 * CRYPTO_memcmp: neither the content nor the length of a secret shows in the timing.
 *
 * Scripting: printf 'show version json\nquit\n' | nc -q1 127.0.0.1 2621
 * Each answer starts on a fresh line after the prompt and is complete before the next
 * prompt, so the prompt ("lisp-msd> ") is alone on its line. A JSON answer is one block
 * from a line "{" (or "[") to a line "}" (or "]"); its other lines are indented. Cut it:
 *   ... | sed -n '/^[[{]/,/^[]}]/p' | jq .      (or: ... | grep -v '^lisp-msd> ' | jq .)
 */
#ifndef COMMON_CLI_H
#define COMMON_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/json.h"
#include "common/out.h"
#include "proto/addr.h"

struct event_base;
struct cli;
struct cli_sess;

#define CLI_LINE_MAX	    1024 /* bytes of one input line */
#define CLI_MAX_WORDS	    4	 /* command words of one row */
#define CLI_MAX_TOKENS	    32	 /* words on one input line */
#define CLI_DEFAULT_IDLE    600	 /* seconds */
#define CLI_DEFAULT_LOGIN   10	 /* seconds to log in (or, without a password, to send a line) */
#define CLI_DEFAULT_CLIENTS 16	 /* per listener kind: TCP and the UNIX socket each */
#define CLI_PASSWORD_TRIES  3	 /* failed logins or enables, then the session is closed */
#define CLI_DEFAULT_ADDR    "127.0.0.1"
#define CLI_BACKOFF_BASE_MS 1000  /* delay after a source's first failure, doubled per failure */
#define CLI_BACKOFF_MAX_MS  30000 /* longest delay */
#define CLI_FAIL_FORGET	    900	  /* seconds without a failure after which a source is clean */
#define CLI_FAIL_SOURCES    64	  /* sources with recent failures remembered (LRU) */
/* Streaming: a continuation call renders at most CLI_BATCH entries and looks at most at
 * CLI_SCAN (filters), so one call takes well under a millisecond; the next call waits until
 * the session's output is at or below CLI_DUMP_LOW bytes. */
#define CLI_BATCH    32
#define CLI_SCAN     512
#define CLI_DUMP_LOW (64u << 10)

enum cli_access {
	CLI_ACCESS_UNSET = 0, /* refused by cli_add_commands: every row says what it does */
	CLI_READ,	      /* only reads: any session */
	CLI_ADMIN,	      /* changes state: a privileged session (UNIX socket, `enable`) */
};

enum cli_arg {
	CLI_ARG_NONE = 0, /* no argument */
	CLI_ARG_OPTIONAL, /* zero or one */
	CLI_ARG_REQUIRED, /* exactly one */
	CLI_ARG_ANY,	  /* zero or more */
};

/* A continuation of a streamed answer: render the next batch into o (the containers left
 * open by the previous call are still open); true when the answer is complete (the CLI
 * then closes what is still open). r is the stream's own request: r->ctx is the table's
 * context now, argc is 0 (keep what the arguments said in the state). */
struct cli_req;
typedef bool cli_more_fn(struct cli_req *r, struct out *o, void *state);

struct cli_req {
	struct cli *cli;
	struct cli_sess *sess; /* NULL when run through cli_exec() */
	void *ctx;	       /* the context of the row's table (cli_new, cli_add_commands) */
	const struct cli_cmd *cmd;
	int argc; /* arguments after the command words, without `json` */
	const char *const *argv;
	const char *arg; /* argv[0] or NULL */
	bool close;	 /* set by a handler: close the session after this answer */
	/* set by cli_stream */
	cli_more_fn *more;
	void *more_state;
	void (*more_free)(void *state);
};

/* Called by a handler after it rendered the head of its answer: the rest comes from
 * more(r, o, state) calls, one batch each, until it returns true. free_state (optional) is
 * called on state when the stream ends: complete, failed (out_error), or abandoned because
 * the session closed or the row's context changed (cli_set_table_ctx) meanwhile. State
 * must not point into the table: the table may change between calls (keep a cursor by
 * value, such as common/lpm.h lpm_cursor). Through cli_exec() the calls run back to back. */
void cli_stream(struct cli_req *r, cli_more_fn *more, void (*free_state)(void *), void *state);

/* ---- the shared grammar of the big `show` commands ----
 *   show TABLE [count|detail] [PREFIX [exact|longest|longer]] [site NAME] [rloc ADDR]
 *              [neighbor ADDR] [json]
 * in any order. Without `count` or `detail` the text is a table, one line per entry with a
 * header; `detail` gives every field; `count` only the number ({"count": N} in JSON); JSON
 * otherwise has every field whatever the view. A PREFIX with a length matches that prefix
 * exactly; an address without a length matches the longest entry containing it;
 * `exact`, `longest` (the longest entry containing the prefix) and `longer` (the prefix and
 * every more specific entry) choose explicitly. */
enum cli_view { CLI_VIEW_TABLE = 0, CLI_VIEW_DETAIL, CLI_VIEW_COUNT };
enum cli_match { CLI_MATCH_NONE = 0, CLI_MATCH_EXACT, CLI_MATCH_LONGEST, CLI_MATCH_LONGER };
#define CLI_F_PREFIX   0x01
#define CLI_F_SITE     0x02
#define CLI_F_RLOC     0x04
#define CLI_F_NEIGHBOR 0x08
#define CLI_F_VIEW     0x10 /* count, detail */
#define CLI_SITE_MAX   64
struct cli_filter {
	enum cli_view view;
	enum cli_match match;
	bool addr_only; /* PREFIX was an address without a length */
	struct lisp_prefix prefix;
	bool has_site, has_rloc, has_neighbor;
	char site[CLI_SITE_MAX];
	struct ipaddr rloc, neighbor;
};
/* Parse r's arguments (the words `allow` permits); on a bad word out_error and -1. The
 * prefix's instance ID is the one written ("[42]198.51.100.0/24"), else 0. */
int cli_filter_parse(const struct cli_req *r, unsigned allow, struct cli_filter *f, struct out *o);
/* The answer of a `count` view: {"count": N} in JSON, the number alone in text. */
void cli_out_count(struct out *o, size_t n);
/* Does p pass the prefix part of the filter? (CLI_MATCH_LONGEST needs the table: the
 * caller finds that entry and compares with CLI_MATCH_EXACT semantics.) */
bool cli_filter_prefix(const struct cli_filter *f, const struct lisp_prefix *p);

typedef void cli_fn(struct cli_req *r, struct out *o);

struct cli_cmd {
	const char *words[CLI_MAX_WORDS]; /* {"show", "map-cache"}; unused slots NULL */
	enum cli_arg argmode;
	/* Argument name for help ("EID", "ADDR"), or a keyword choice "control|data|bgp|off":
	 * then the argument is prefix-matched against the choices and the handler receives
	 * the full keyword. A text starting with '[' is a grammar of the handler's own (such
	 * as cli_filter_parse's), shown as it is by help and not matched here. */
	const char *arg;
	bool json;	  /* accepts a trailing `json` */
	bool hidden;	  /* not listed by help */
	const char *help; /* one line */
	cli_fn *fn;
	enum cli_access access;
};

/* The table is used by reference and must outlive the cli. prompt_name: "lisp-msd". */
struct cli *cli_new(struct event_base *base, const struct cli_cmd *table, size_t n,
		    const char *prompt_name, void *ctx);
void cli_free(struct cli *cli); /* closes the listener and every connection */
/* Add another table (hooks: shared `debug ...` rows, a module's `show bgp ...`); up to 8.
 * Its handlers get `ctx` as r->ctx (the rows of cli_new's table and the built-in rows get
 * cli_new's ctx): a module's rows act on the object they were added with, so two tables
 * of the same rows (two speakers) in two CLIs each answer for their own. */
int cli_add_commands(struct cli *cli, const struct cli_cmd *table, size_t n, void *ctx);
/* (cli_new and cli_add_commands fail, with a log line, on a row whose access is unset.) */
/* Replace the context of every table added as `table` (the object behind it was replaced
 * or is going away: NULL). 0, or -1 if no such table. */
int cli_set_table_ctx(struct cli *cli, const struct cli_cmd *table, void *ctx);
/* addr NULL = 127.0.0.1; IPv4 or IPv6 literal. port 0 picks a free port (see cli_port).
 * Returns 0 or -1 with errno set. Can be called more than once (several addresses). */
int cli_listen(struct cli *cli, const char *addr, uint16_t port);
uint16_t cli_port(const struct cli *cli); /* bound port of the last cli_listen, host order */
/* A UNIX stream socket at path whose sessions are privileged. An existing file there is
 * removed only if it is a socket nobody listens on (a live one: EADDRINUSE; anything else:
 * EEXIST). Created with permission bits `mode` (only 0770 count) and, if gid is not -1,
 * that group; removed by cli_free if it is still ours. One per CLI. 0, or -1 with errno. */
int cli_listen_unix(struct cli *cli, const char *path, unsigned mode, long gid);
/* NULL or "" disables the password prompt. The string is not kept, only its digest. */
int cli_set_password(struct cli *cli, const char *password);
/* The secret `enable` asks for on TCP; NULL or "": `enable` is refused there. */
int cli_set_enable_secret(struct cli *cli, const char *secret);
void cli_set_idle_timeout(struct cli *cli, unsigned seconds);  /* 0 = never */
void cli_set_login_timeout(struct cli *cli, unsigned seconds); /* 0 = never */
void cli_set_max_clients(struct cli *cli, unsigned n);
/* Failure back-off: base_ms after a source's first failure, doubling, at most max_ms. */
void cli_set_backoff(struct cli *cli, unsigned base_ms, unsigned max_ms);
unsigned cli_clients(const struct cli *cli);

/* <cli> of a daemon's configuration (common/conf.h): cli_start opens the TCP listener and
 * the UNIX socket if one is configured and sets the secrets; cli_reconfigure (reload) sets
 * the secrets only (the listeners follow the config at start). 0 or -1 (logged). */
struct cfg_cli;
int cli_start(struct cli *cli, const struct cfg_cli *c);
int cli_reconfigure(struct cli *cli, const struct cfg_cli *c);

struct cli_stats {
	uint64_t accepted;	 /* sessions opened (TCP and UNIX) */
	uint64_t unix_accepted;	 /* of which on the UNIX socket */
	uint64_t refused;	 /* every slot busy with an active session */
	uint64_t evicted;	 /* closed to admit a new connection */
	uint64_t login_timeouts; /* not logged in (or no first line) in time */
	uint64_t idle_timeouts;
	uint64_t login_failures;  /* wrong passwords */
	uint64_t enable_failures; /* wrong enable secrets, `enable` without one configured */
	uint64_t enables;	  /* successful enables on TCP */
	uint64_t not_authorized;  /* CLI_ADMIN rows refused to a read-only session */
	uint64_t lines_too_long;
	uint64_t backoff_waits;	    /* prompts and attempts held back by a source's back-off */
	uint64_t streams;	    /* answers sent in batches (cli_stream) */
	uint64_t streams_abandoned; /* of which the session closed before the end */
	uint64_t stream_batches;    /* batches rendered */
};
const struct cli_stats *cli_get_stats(const struct cli *cli);
/* An object "cli" with those counters (camelCase) and sessions now open: for the daemons'
 * `show statistics`. */
void cli_out_stats(const struct cli *cli, struct out *o);
const char *cli_name(const struct cli *cli);
/* Seconds since cli_new (for `show version` uptimes). */
uint64_t cli_uptime(const struct cli *cli);

/* A ready-made `show version` handler: name, version (PACKAGE_VERSION), uptimeSeconds,
 * cliClients. Daemons may use it in their table or write their own. */
cli_fn cli_show_version;
/* A ready-made `debug [control|data|bgp|off]` handler (common/log.h topics): with an
 * argument it turns that topic on (or all off), and it answers the topics now on. */
cli_fn cli_debug;

/* ---- testing hooks: the parts below the socket, usable without a connection ---- */

enum cli_result {
	CLI_OK = 0, /* command ran (its output may still be an error from the handler) */
	CLI_ERROR,  /* the line did not parse: unknown, ambiguous, arguments */
	CLI_EMPTY,  /* blank line */
	CLI_QUIT,   /* quit/exit */
};
/* Parse and run one line; append the rendered answer (LF line ends) to dst. With s NULL
 * (code in the process itself, tests) every row may run. */
enum cli_result cli_exec(struct cli *cli, struct cli_sess *s, const char *line, struct strbuf *dst);

/* The telnet input decoder of one connection. */
struct telnet {
	int state;
	bool overflow; /* current line is over CLI_LINE_MAX: discarding to its end */
	bool crlf;     /* last line ended with CR */
	size_t len;
	char line[CLI_LINE_MAX + 1];
};
enum telnet_ev {
	TELNET_NONE = 0,
	TELNET_LINE,	/* t->line holds a complete line (NUL-terminated) */
	TELNET_TOOLONG, /* a line over CLI_LINE_MAX ended and was discarded */
	TELNET_AYT,	/* IAC AYT: answer "[yes]" */
};
void telnet_init(struct telnet *t);
/* Consume bytes from in[0..n) up to and including the first event; *used = bytes consumed.
 * Negotiation answers (IAC WONT/DONT x) are appended to reply. */
enum telnet_ev telnet_input(struct telnet *t, const uint8_t *in, size_t n, size_t *used,
			    struct strbuf *reply);

#endif
