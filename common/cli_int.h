/* SPDX-License-Identifier: ISC */
/*
 * common/cli_int.h - internals of the CLI server shared by common/cli.c (tables, matching,
 * commands, cli_exec) and common/cli_sess.c (listeners, sessions, login, back-off, timers,
 * slots): the server and session state.
 */
#ifndef COMMON_CLI_INT_H
#define COMMON_CLI_INT_H

#include "common/cli.h"
#include "common/ratelimit.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

#define CLI_MAX_ROWS	  256
#define CLI_MAX_TABLES	  8
#define CLI_MAX_LISTEN	  4
#define CLI_OUT_HIGH	  (1u << 20) /* stop reading a client that does not read its answers */
#define CLI_WRITE_TIMEOUT 60
#define CLI_MD_LEN	  32 /* HMAC-SHA-256 */

/* ---- server state ---- */

enum sess_state {
	SS_LOGIN,  /* "Password: " */
	SS_CMD,	   /* commands */
	SS_ENABLE, /* "Enable secret: " */
};
enum sess_timer { ST_NONE, ST_LOGIN, ST_IDLE };

/* A streamed answer in progress (cli_stream). */
struct cli_dump {
	struct out *o;
	struct cli_req req; /* the stream's own copy (no arguments) */
	void *ctx0;	    /* the row's context at the start */
};

struct cli_sess {
	struct cli *cli;
	struct cli_dump *dump; /* a streamed answer is being sent: lines wait */
	struct event *more;    /* runs the next batch from the loop */
	struct bufferevent *bev;
	struct telnet tn;
	struct event *timer; /* login or idle deadline (timer_kind) */
	struct event *wait;  /* a source's failure back-off */
	enum sess_state state;
	enum sess_timer timer_kind;
	bool is_unix;
	bool priv;   /* may run CLI_ADMIN rows */
	bool proven; /* logged in and sent a complete line (eviction order) */
	bool closing;
	bool paused;  /* reading stopped until the client reads its answers */
	bool eof;     /* the client finished sending during a streamed answer: close after it */
	bool waiting; /* reading stopped until the back-off of the source ends */
	bool pending; /* pending_md is an attempt waiting for that */
	uint8_t pending_md[CLI_MD_LEN];
	int tries;
	uint64_t since; /* ns: accepted, then last complete line */
	struct sockaddr_storage peer;
	char peername[64];
	struct cli_sess *next;
};

/* A source with recent failed logins/enables. */
struct cli_src {
	uint8_t key[TB_KEY_MAX];
	size_t keylen; /* 0: free */
	unsigned fails;
	uint64_t last_fail; /* ns */
	uint64_t next_ok;   /* ns: no prompt and no attempt from it before */
};

struct cli {
	struct event_base *base;
	char *name;
	void *ctx;
	const struct cli_cmd *rows[CLI_MAX_ROWS];
	uint8_t row_table[CLI_MAX_ROWS]; /* index in tables[] of the table that added the row */
	size_t nrows;
	struct {
		const struct cli_cmd *rows;
		void *ctx; /* what r->ctx is for its rows */
	} tables[CLI_MAX_TABLES];
	size_t ntables;
	struct evconnlistener *lis[CLI_MAX_LISTEN];
	size_t nlis;
	uint16_t port;
	struct evconnlistener *ulis; /* the UNIX socket */
	char *upath;
	dev_t udev;
	ino_t uino;
	uint8_t hkey[CLI_MD_LEN]; /* random HMAC key for the digests of secrets */
	uint8_t pw_md[CLI_MD_LEN];
	uint8_t en_md[CLI_MD_LEN];
	bool has_pw, has_en;
	unsigned idle;
	unsigned login;
	unsigned backoff_base, backoff_max; /* ms */
	unsigned maxclients;
	unsigned nclients, ntcp, nunix;
	struct cli_sess *sessions;
	struct cli_src srcs[CLI_FAIL_SOURCES];
	struct cli_stats st;
	struct timespec started;
};

/* cli_exec for sessions: a streamed answer is left in *dump (its head is in dst) instead
 * of being run to its end. */
enum cli_result cli_exec_dump(struct cli *cli, struct cli_sess *s, const char *line,
			      struct strbuf *dst, struct cli_dump **dump);
/* Render the next batch into dst; true when the answer is complete (its end is in dst). */
bool cli_dump_step(struct cli *cli, struct cli_dump *d, struct strbuf *dst);
void cli_dump_free(struct cli_dump *d);

/* The HMAC-SHA-256 of a secret under the server's random key (secrets are kept and compared
 * only as these digests). */
bool cli_digest(const struct cli *cli, const char *secret, uint8_t md[CLI_MD_LEN]);
/* A log line about a session, with its peer (rate-limited for TCP sources). */
void cli_sess_log(const struct cli_sess *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
