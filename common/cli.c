/* SPDX-License-Identifier: ISC */
/*
 * common/cli.c - the telnet CLI server: telnet input decoding (RFC 854 NVT, RFC 855 option
 * refusal), the command matcher over the daemon's table (unique prefixes, ambiguity and
 * unknown-word reports with alternatives, `json` keyword, arguments, help from the rows),
 * and the libevent listeners/sessions (TCP and a UNIX socket, privilege, password and enable
 * secret with a per-source failure back-off, login and idle timers, session slots with
 * eviction, back-pressure). See cli.h for the behaviour promised to users and scripts.
 */
#include "config.h"

#include "common/cli.h"
#include "common/conf.h"
#include "common/log.h"
#include "common/ratelimit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <netinet/in.h>
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
#include <event2/listener.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#define CLI_MAX_ROWS	  256
#define CLI_MAX_TABLES	  8
#define CLI_MAX_LISTEN	  4
#define CLI_OUT_HIGH	  (1u << 20) /* stop reading a client that does not read its answers */
#define CLI_WRITE_TIMEOUT 60
#define CLI_MD_LEN	  32 /* HMAC-SHA-256 */

/* ---- telnet (RFC 854) ---- */

enum {
	TN_SE = 240,
	TN_NOP = 241,
	TN_DM = 242,
	TN_BRK = 243,
	TN_IP = 244,
	TN_AO = 245,
	TN_AYT = 246,
	TN_EC = 247,
	TN_EL = 248,
	TN_GA = 249,
	TN_SB = 250,
	TN_WILL = 251,
	TN_WONT = 252,
	TN_DO = 253,
	TN_DONT = 254,
	TN_IAC = 255,
};

enum { TS_DATA, TS_CR, TS_IAC, TS_WILL, TS_WONT, TS_DO, TS_DONT, TS_SB, TS_SB_IAC };

void telnet_init(struct telnet *t)
{
	memset(t, 0, sizeof(*t));
	t->state = TS_DATA;
}

static void tn_reply(struct strbuf *reply, uint8_t verb, uint8_t opt)
{
	char b[3] = {(char)TN_IAC, (char)verb, (char)opt};
	if (reply)
		strbuf_add(reply, b, sizeof(b));
}

static void tn_data(struct telnet *t, uint8_t c)
{
	if (t->overflow)
		return;
	if (t->len >= CLI_LINE_MAX) {
		t->overflow = true;
		t->len = 0;
		return;
	}
	t->line[t->len++] = (char)c;
}

enum telnet_ev telnet_input(struct telnet *t, const uint8_t *in, size_t n, size_t *used,
			    struct strbuf *reply)
{
	size_t i = 0;
	enum telnet_ev ev = TELNET_NONE;

	while (i < n && ev == TELNET_NONE) {
		uint8_t c = in[i++];
		switch (t->state) {
		case TS_CR:
			/* CR LF, CR NUL, and what a telnet fed "\r\n" sends (CR NUL CR LF, or
			 * CR CR LF): one line end. A run of CR/NUL then at most one LF. */
			if (c == '\r' || c == '\0')
				break;
			t->state = TS_DATA;
			if (c == '\n')
				break;
			i--; /* CR then anything else: reprocess as data */
			break;
		case TS_DATA:
			if (c == TN_IAC) {
				t->state = TS_IAC;
			} else if (c == '\r' || c == '\n') {
				t->crlf = (c == '\r');
				if (c == '\r')
					t->state = TS_CR;
				if (t->overflow) {
					t->overflow = false;
					t->len = 0;
					ev = TELNET_TOOLONG;
				} else {
					t->line[t->len] = '\0';
					t->len = 0;
					ev = TELNET_LINE;
				}
			} else if (c == '\b' || c == 0x7f) {
				if (t->len && !t->overflow)
					t->len--;
			} else if (c == '\t') {
				tn_data(t, ' ');
			} else if (c >= 0x20) {
				tn_data(t, c);
			} /* other control bytes, NUL included, are dropped */
			break;
		case TS_IAC:
			t->state = TS_DATA;
			switch (c) {
			case TN_IAC:
				tn_data(t, c); /* escaped 255 is a data byte */
				break;
			case TN_WILL:
				t->state = TS_WILL;
				break;
			case TN_WONT:
				t->state = TS_WONT;
				break;
			case TN_DO:
				t->state = TS_DO;
				break;
			case TN_DONT:
				t->state = TS_DONT;
				break;
			case TN_SB:
				t->state = TS_SB;
				break;
			case TN_EC:
				if (t->len && !t->overflow)
					t->len--;
				break;
			case TN_EL:
			case TN_IP:
			case TN_BRK:
			case TN_AO:
				t->len = 0; /* drop the line being typed */
				break;
			case TN_AYT:
				ev = TELNET_AYT;
				break;
			default: /* NOP, DM, GA, stray SE, unknown commands */
				break;
			}
			break;
		/* RFC 855: we enable no option. Refuse what is offered or asked; a WONT or DONT
		 * confirms the state we are already in and needs no answer (RFC 854 p. 3,
		 * no acknowledgement loops). */
		case TS_WILL:
			tn_reply(reply, TN_DONT, c);
			t->state = TS_DATA;
			break;
		case TS_DO:
			tn_reply(reply, TN_WONT, c);
			t->state = TS_DATA;
			break;
		case TS_WONT:
		case TS_DONT:
			t->state = TS_DATA;
			break;
		case TS_SB:
			if (c == TN_IAC)
				t->state = TS_SB_IAC;
			break;
		case TS_SB_IAC:
			t->state = (c == TN_SE) ? TS_DATA : TS_SB;
			break;
		default:
			t->state = TS_DATA;
			break;
		}
	}
	*used = i;
	return ev;
}

/* ---- server state ---- */

enum sess_state {
	SS_LOGIN,  /* "Password: " */
	SS_CMD,	   /* commands */
	SS_ENABLE, /* "Enable secret: " */
};
enum sess_timer { ST_NONE, ST_LOGIN, ST_IDLE };

struct cli_sess {
	struct cli *cli;
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

static cli_fn cmd_help, cmd_quit, cmd_enable, cmd_disable;

static const struct cli_cmd builtin_cmds[] = {
    {.words = {"help"},
     .argmode = CLI_ARG_ANY,
     .arg = "WORD",
     .json = true,
     .help = "List commands (those starting with WORD...)",
     .fn = cmd_help,
     .access = CLI_READ},
    {.words = {"?"},
     .help = "List commands; after words: list what can follow",
     .fn = cmd_help,
     .access = CLI_READ},
    {.words = {"quit"}, .help = "Close this session", .fn = cmd_quit, .access = CLI_READ},
    {.words = {"exit"}, .help = "Close this session", .fn = cmd_quit, .access = CLI_READ},
    {.words = {"enable"},
     .help = "Allow state-changing commands (asks for the enable secret on TCP)",
     .fn = cmd_enable,
     .access = CLI_READ},
    {.words = {"disable"},
     .help = "Back to read-only commands",
     .fn = cmd_disable,
     .access = CLI_READ},
};

static size_t nwords(const struct cli_cmd *c)
{
	size_t n = 0;
	while (n < CLI_MAX_WORDS && c->words[n])
		n++;
	return n;
}

static bool same_words(const struct cli_cmd *a, const struct cli_cmd *b)
{
	for (size_t i = 0; i < CLI_MAX_WORDS; i++) {
		if (!a->words[i] || !b->words[i]) {
			if (a->words[i] || b->words[i])
				return false;
			return true;
		}
		if (strcmp(a->words[i], b->words[i]) != 0)
			return false;
	}
	return true;
}

int cli_add_commands(struct cli *cli, const struct cli_cmd *table, size_t n, void *ctx)
{
	if (cli->ntables >= CLI_MAX_TABLES)
		return -1;
	size_t t = cli->ntables++;
	cli->tables[t].rows = table;
	cli->tables[t].ctx = ctx;
	for (size_t i = 0; i < n; i++) {
		bool dup = false;
		if (!table[i].words[0] || !table[i].fn)
			continue;
		if (table[i].access != CLI_READ && table[i].access != CLI_ADMIN) {
			log_warnx("CLI row \"%s%s%s\" says neither CLI_READ nor CLI_ADMIN",
				  table[i].words[0], table[i].words[1] ? " " : "",
				  table[i].words[1] ? table[i].words[1] : "");
			return -1;
		}
		for (size_t k = 0; k < cli->nrows && !dup; k++)
			dup = same_words(cli->rows[k], &table[i]);
		if (dup)
			continue; /* an earlier table declared it: that row wins */
		if (cli->nrows >= CLI_MAX_ROWS)
			return -1;
		cli->row_table[cli->nrows] = (uint8_t)t;
		cli->rows[cli->nrows++] = &table[i];
	}
	return 0;
}

int cli_set_table_ctx(struct cli *cli, const struct cli_cmd *table, void *ctx)
{
	int found = -1;

	for (size_t t = 0; t < cli->ntables; t++)
		if (cli->tables[t].rows == table) {
			cli->tables[t].ctx = ctx;
			found = 0;
		}
	return found;
}

/* The context of the table that added row c. */
static void *row_ctx(const struct cli *cli, const struct cli_cmd *c)
{
	for (size_t r = 0; r < cli->nrows; r++)
		if (cli->rows[r] == c)
			return cli->tables[cli->row_table[r]].ctx;
	return cli->ctx;
}

struct cli *cli_new(struct event_base *base, const struct cli_cmd *table, size_t n,
		    const char *prompt_name, void *ctx)
{
	struct cli *cli = calloc(1, sizeof(*cli));
	if (!cli)
		return NULL;
	cli->base = base;
	cli->ctx = ctx;
	cli->name = strdup(prompt_name ? prompt_name : "cli");
	cli->idle = CLI_DEFAULT_IDLE;
	cli->login = CLI_DEFAULT_LOGIN;
	cli->backoff_base = CLI_BACKOFF_BASE_MS;
	cli->backoff_max = CLI_BACKOFF_MAX_MS;
	cli->maxclients = CLI_DEFAULT_CLIENTS;
	clock_gettime(CLOCK_MONOTONIC, &cli->started);
	if (!cli->name || RAND_bytes(cli->hkey, sizeof(cli->hkey)) != 1 ||
	    cli_add_commands(cli, table, n, ctx) < 0 ||
	    cli_add_commands(cli, builtin_cmds, sizeof(builtin_cmds) / sizeof(builtin_cmds[0]),
			     ctx) < 0) {
		cli_free(cli);
		return NULL;
	}
	return cli;
}

const char *cli_name(const struct cli *cli)
{
	return cli->name;
}

unsigned cli_clients(const struct cli *cli)
{
	return cli->nclients;
}

uint64_t cli_uptime(const struct cli *cli)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)(now.tv_sec - cli->started.tv_sec);
}

/* HMAC-SHA-256 of a secret under the CLI's random key: digests of the same length whatever
 * the secret, compared with CRYPTO_memcmp, so the time of a comparison tells nothing about
 * the configured secret (not its length either); the secret itself is not kept. */
static bool digest(const struct cli *cli, const char *secret, uint8_t md[CLI_MD_LEN])
{
	unsigned len = CLI_MD_LEN;
	return HMAC(EVP_sha256(), cli->hkey, (int)sizeof(cli->hkey), (const unsigned char *)secret,
		    strlen(secret), md, &len) != NULL &&
	       len == CLI_MD_LEN;
}

static int set_secret(struct cli *cli, const char *secret, uint8_t md[CLI_MD_LEN], bool *has)
{
	*has = false;
	OPENSSL_cleanse(md, CLI_MD_LEN);
	if (!secret || !*secret)
		return 0;
	if (!digest(cli, secret, md))
		return -1;
	*has = true;
	return 0;
}

int cli_set_password(struct cli *cli, const char *password)
{
	return set_secret(cli, password, cli->pw_md, &cli->has_pw);
}

int cli_set_enable_secret(struct cli *cli, const char *secret)
{
	return set_secret(cli, secret, cli->en_md, &cli->has_en);
}

void cli_set_login_timeout(struct cli *cli, unsigned seconds)
{
	cli->login = seconds;
}

void cli_set_backoff(struct cli *cli, unsigned base_ms, unsigned max_ms)
{
	cli->backoff_base = base_ms;
	cli->backoff_max = max_ms < base_ms ? base_ms : max_ms;
}

const struct cli_stats *cli_get_stats(const struct cli *cli)
{
	return &cli->st;
}

void cli_out_stats(const struct cli *cli, struct out *o)
{
	unsigned nsrc = 0;

	if (!cli)
		return;
	for (size_t i = 0; i < CLI_FAIL_SOURCES; i++)
		nsrc += cli->srcs[i].keylen != 0;
	out_begin_object(o, "cli");
	out_uint(o, "sessions", cli->nclients);
	out_uint(o, "accepted", cli->st.accepted);
	out_uint(o, "unixAccepted", cli->st.unix_accepted);
	out_uint(o, "refused", cli->st.refused);
	out_uint(o, "evicted", cli->st.evicted);
	out_uint(o, "loginTimeouts", cli->st.login_timeouts);
	out_uint(o, "idleTimeouts", cli->st.idle_timeouts);
	out_uint(o, "loginFailures", cli->st.login_failures);
	out_uint(o, "enableFailures", cli->st.enable_failures);
	out_uint(o, "enables", cli->st.enables);
	out_uint(o, "notAuthorized", cli->st.not_authorized);
	out_uint(o, "linesTooLong", cli->st.lines_too_long);
	out_uint(o, "backoffWaits", cli->st.backoff_waits);
	out_uint(o, "backoffSources", nsrc);
	out_end(o);
}

void cli_set_idle_timeout(struct cli *cli, unsigned seconds)
{
	cli->idle = seconds;
}

void cli_set_max_clients(struct cli *cli, unsigned n)
{
	cli->maxclients = n;
}

uint16_t cli_port(const struct cli *cli)
{
	return cli->port;
}

/* ---- matching ---- */

/* Printable copy of an untrusted word for messages. */
static void safe_word(struct strbuf *sb, const char *w)
{
	for (; *w; w++) {
		unsigned char c = (unsigned char)*w;
		strbuf_addc(sb, (c >= 0x20 && c < 0x7f) ? (char)c : '?');
	}
}

static void safe_words(struct strbuf *sb, int n, char **tok)
{
	for (int i = 0; i < n; i++) {
		if (i)
			strbuf_addc(sb, ' ');
		safe_word(sb, tok[i]);
	}
}

static bool is_prefix(const char *tok, const char *word)
{
	size_t l = strlen(tok);
	return l > 0 && strncmp(tok, word, l) == 0;
}

/* Append the distinct words at position pos of the alive rows, ", "-separated. */
static void list_words(const struct cli *cli, const bool *alive, size_t pos, struct strbuf *sb,
		       const char *tok)
{
	const char *seen[CLI_MAX_ROWS];
	size_t nseen = 0;
	for (size_t r = 0; r < cli->nrows; r++) {
		const char *w;
		bool dup = false;
		if (!alive[r] || cli->rows[r]->hidden || nwords(cli->rows[r]) <= pos)
			continue;
		w = cli->rows[r]->words[pos];
		if (tok && !is_prefix(tok, w))
			continue;
		for (size_t k = 0; k < nseen && !dup; k++)
			dup = strcmp(seen[k], w) == 0;
		if (dup)
			continue;
		strbuf_puts(sb, nseen ? ", " : "");
		strbuf_puts(sb, w);
		seen[nseen++] = w;
	}
}

/* Could the words after position pos still belong to row c? */
static bool fits_rest(const struct cli_cmd *c, int pos, int ntok, char **tok)
{
	int nw = (int)nwords(c);
	for (int i = pos + 1; i < ntok && i < nw; i++)
		if (!is_prefix(tok[i], c->words[i]))
			return false;
	return ntok <= nw || c->argmode != CLI_ARG_NONE;
}

/* Find the row named by the first words of tok[]. Returns the row and the number of words
 * it used, or NULL with a message in err. */
static const struct cli_cmd *match_cmd(const struct cli *cli, int ntok, char **tok, int *used,
				       struct strbuf *err)
{
	bool alive[CLI_MAX_ROWS];
	int pos = 0;

	for (size_t r = 0; r < cli->nrows; r++)
		alive[r] = true;
	for (; pos < ntok && pos < CLI_MAX_WORDS; pos++) {
		bool match[CLI_MAX_ROWS], exact = false, complete = false;
		const char *first = NULL;
		bool several = false;
		size_t nmatch = 0;

		for (size_t r = 0; r < cli->nrows; r++) {
			const char *w;
			match[r] = false;
			if (!alive[r])
				continue;
			if ((size_t)pos >= nwords(cli->rows[r])) {
				complete = true;
				continue;
			}
			w = cli->rows[r]->words[pos];
			if (!is_prefix(tok[pos], w))
				continue;
			match[r] = true;
			nmatch++;
			if (strcmp(w, tok[pos]) == 0)
				exact = true;
			if (!first)
				first = w;
			else if (strcmp(first, w) != 0)
				several = true;
		}
		if (nmatch == 0) {
			if (complete)
				break; /* the rest are arguments */
			strbuf_puts(err, "Unknown command: ");
			safe_words(err, pos + 1, tok);
			strbuf_puts(err, pos ? " (expected: " : " (commands: ");
			list_words(cli, alive, (size_t)pos, err, NULL);
			strbuf_puts(err, ")");
			return NULL;
		}
		if (exact) { /* an exact word wins over longer words it is a prefix of */
			for (size_t r = 0; r < cli->nrows; r++)
				if (match[r] && strcmp(cli->rows[r]->words[pos], tok[pos]) != 0)
					match[r] = false;
		} else if (several) {
			/* look ahead: the following words may leave one candidate (`sh ver` is
			 * show version even with shutdown in the table) */
			bool la[CLI_MAX_ROWS];
			const char *w1 = NULL;
			bool multi = false;
			for (size_t r = 0; r < cli->nrows; r++) {
				la[r] = match[r] && fits_rest(cli->rows[r], pos, ntok, tok);
				if (!la[r])
					continue;
				if (!w1)
					w1 = cli->rows[r]->words[pos];
				else if (strcmp(w1, cli->rows[r]->words[pos]) != 0)
					multi = true;
			}
			if (w1 && !multi) {
				for (size_t r = 0; r < cli->nrows; r++)
					match[r] = la[r];
				goto next;
			}
			strbuf_puts(err, "Ambiguous command: ");
			safe_word(err, tok[pos]);
			strbuf_puts(err, " could be ");
			list_words(cli, match, (size_t)pos, err, NULL);
			return NULL;
		}
	next:
		for (size_t r = 0; r < cli->nrows; r++)
			alive[r] = match[r];
	}
	for (size_t r = 0; r < cli->nrows; r++) {
		if (alive[r] && nwords(cli->rows[r]) == (size_t)pos) {
			*used = pos;
			return cli->rows[r];
		}
	}
	strbuf_puts(err, "Incomplete command: ");
	safe_words(err, pos, tok);
	strbuf_puts(err, " (expected: ");
	list_words(cli, alive, (size_t)pos, err, NULL);
	strbuf_puts(err, ")");
	return NULL;
}

/* Prefix-match an argument against "a|b|c". Returns a malloc'ed keyword or NULL + err. */
static char *match_choice(const char *choices, const char *tok, struct strbuf *err)
{
	const char *found = NULL;
	size_t flen = 0, tl = strlen(tok);
	int n = 0;

	for (const char *p = choices; *p;) {
		const char *e = strchr(p, '|');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (tl == l && strncmp(p, tok, l) == 0)
			return strndup(p, l); /* exact */
		if (tl > 0 && tl < l && strncmp(p, tok, tl) == 0) {
			found = p;
			flen = l;
			n++;
		}
		p += l + (e ? 1 : 0);
	}
	if (n == 1)
		return strndup(found, flen);
	strbuf_puts(err, n ? "Ambiguous argument: " : "Unknown argument: ");
	safe_word(err, tok);
	strbuf_puts(err, " (expected one of: ");
	for (const char *p = choices; *p; p++) {
		if (*p == '|')
			strbuf_puts(err, ", ");
		else
			strbuf_addc(err, *p);
	}
	strbuf_puts(err, ")");
	return NULL;
}

static void usage(const struct cli_cmd *c, struct strbuf *sb)
{
	for (size_t i = 0; i < nwords(c); i++)
		strbuf_printf(sb, "%s%s", i ? " " : "", c->words[i]);
	if (c->arg && c->argmode != CLI_ARG_NONE) {
		bool choice = strchr(c->arg, '|') != NULL;
		const char *open = choice ? "{" : "", *close = choice ? "}" : "";
		switch (c->argmode) {
		case CLI_ARG_REQUIRED:
			strbuf_printf(sb, " %s%s%s", open, c->arg, close);
			break;
		case CLI_ARG_OPTIONAL:
			strbuf_printf(sb, " [%s%s%s]", open, c->arg, close);
			break;
		case CLI_ARG_ANY:
			strbuf_printf(sb, " [%s%s%s...]", open, c->arg, close);
			break;
		default:
			break;
		}
	}
	if (c->json)
		strbuf_puts(sb, " [json]");
}

/* Rows whose words start with the filter tokens (prefix per word). */
static bool row_matches(const struct cli_cmd *c, int nf, char **filter)
{
	size_t nw = nwords(c);
	for (int i = 0; i < nf; i++) {
		if ((size_t)i >= nw)
			return true; /* filter runs into the arguments */
		if (!is_prefix(filter[i], c->words[i]))
			return false;
	}
	return true;
}

static void help_list(struct cli *cli, struct out *o, int nf, char **filter)
{
	size_t w = 0, shown = 0;
	struct strbuf u;
	strbuf_init(&u);
	for (size_t r = 0; r < cli->nrows; r++) {
		const struct cli_cmd *c = cli->rows[r];
		if (c->hidden || !row_matches(c, nf, filter))
			continue;
		strbuf_reset(&u);
		usage(c, &u);
		if (u.len > w)
			w = u.len;
		shown++;
	}
	if (shown == 0) {
		strbuf_reset(&u);
		safe_words(&u, nf, filter);
		out_error(o, "Unknown command: %s (type help)", strbuf_str(&u));
		strbuf_free(&u);
		return;
	}
	if (out_json(o)) {
		out_begin_object(o, NULL);
		out_begin_array(o, "commands");
	}
	for (size_t r = 0; r < cli->nrows; r++) {
		const struct cli_cmd *c = cli->rows[r];
		if (c->hidden || !row_matches(c, nf, filter))
			continue;
		strbuf_reset(&u);
		usage(c, &u);
		if (out_json(o)) {
			out_begin_object(o, NULL);
			out_str(o, "usage", strbuf_str(&u));
			out_bool(o, "json", c->json);
			out_str(o, "help", c->help ? c->help : "");
			out_end(o);
		} else {
			out_printf(o, "  %-*s  %s\n", (int)w, strbuf_str(&u),
				   c->help ? c->help : "");
		}
	}
	if (out_json(o)) {
		out_end(o);
		out_end(o);
	}
	strbuf_free(&u);
}

static void cmd_help(struct cli_req *r, struct out *o)
{
	help_list(r->cli, o, r->argc, (char **)r->argv);
}

static void cmd_quit(struct cli_req *r, struct out *o)
{
	r->close = true;
}

static void sess_log(const struct cli_sess *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* `enable`: on the UNIX socket the socket grants it; on TCP the session moves to the
 * "Enable secret: " prompt (sess_line), if there is a secret to ask for. */
static void cmd_enable(struct cli_req *r, struct out *o)
{
	struct cli_sess *s = r->sess;

	if (s == NULL || s->priv) {
		out_printf(o, "already privileged\n");
		return;
	}
	if (s->is_unix) {
		s->priv = true;
		return;
	}
	if (!r->cli->has_en) {
		r->cli->st.not_authorized++;
		sess_log(s, "CLI: enable refused: no enable secret configured");
		out_error(o,
			  "No enable secret configured: state-changing commands are on the CLI's "
			  "UNIX socket");
		return;
	}
	s->state = SS_ENABLE;
}

static void cmd_disable(struct cli_req *r, struct out *o)
{
	if (r->sess)
		r->sess->priv = false;
}

void cli_debug(struct cli_req *r, struct out *o)
{
	char buf[64];

	if (r->arg != NULL) {
		if (strcmp(r->arg, "off") == 0)
			log_set_topics(0);
		else
			log_set_topics(log_get_topics() | log_topic_from_name(r->arg));
	}
	out_begin_object(o, NULL);
	out_str(o, "debug", log_topics_str(log_get_topics(), buf, sizeof(buf)));
	out_end(o);
}

void cli_show_version(struct cli_req *r, struct out *o)
{
	out_begin_object(o, NULL);
	out_str(o, "name", r->cli->name);
	out_str(o, "version", PACKAGE_VERSION);
	out_uint(o, "uptimeSeconds", cli_uptime(r->cli));
	out_uint(o, "cliClients", r->cli->nclients);
	out_end(o);
}

static void render(struct strbuf *dst, bool json, const char *errmsg)
{
	struct out *o = out_new(json);
	size_t n;
	const char *s;
	if (!o) {
		strbuf_puts(dst, "% out of memory\n");
		return;
	}
	out_error(o, "%s", errmsg);
	s = out_finish(o, &n);
	strbuf_add(dst, s, n);
	out_free(o);
}

enum cli_result cli_exec(struct cli *cli, struct cli_sess *s, const char *line, struct strbuf *dst)
{
	char buf[CLI_LINE_MAX + 1];
	char *tok[CLI_MAX_TOKENS + 1];
	char *choice[CLI_MAX_TOKENS] = {0};
	int ntok = 0, used = 0;
	bool json = false, help = false;
	enum cli_result res = CLI_ERROR;
	struct strbuf err;
	const struct cli_cmd *c;

	strbuf_init(&err);
	snprintf(buf, sizeof(buf), "%s", line);
	for (char *p = buf, *save = NULL; (p = strtok_r(p, " \t", &save)) != NULL; p = NULL) {
		if (ntok == CLI_MAX_TOKENS) {
			render(dst, false, "Too many words on one line");
			return CLI_ERROR;
		}
		tok[ntok++] = p;
	}
	if (ntok == 0)
		return CLI_EMPTY;
	/* "words ?" and "word?" list what matches (help from the same rows) */
	size_t ll = strlen(tok[ntok - 1]);
	if (tok[ntok - 1][ll - 1] == '?') {
		help = true;
		tok[ntok - 1][ll - 1] = '\0';
		if (ll == 1)
			ntok--;
	}
	if (!help && ntok > 1 && strcmp(tok[ntok - 1], "json") == 0)
		json = true;

	if (help) {
		struct out *o = out_new(false);
		if (o) {
			size_t n;
			help_list(cli, o, ntok, tok);
			const char *t = out_finish(o, &n);
			strbuf_add(dst, t, n);
			res = out_failed(o) ? CLI_ERROR : CLI_OK;
			out_free(o);
		}
		return res;
	}

	c = match_cmd(cli, json ? ntok - 1 : ntok, tok, &used, &err);
	if (!c)
		goto fail;
	int argc = ntok - used - (json ? 1 : 0);
	char **argv = tok + used;
	if (json && !c->json) {
		strbuf_puts(&err, "json output is not supported by: ");
		safe_words(&err, used, tok);
		goto fail;
	}
	if ((c->argmode == CLI_ARG_NONE && argc > 0) ||
	    ((c->argmode == CLI_ARG_OPTIONAL || c->argmode == CLI_ARG_REQUIRED) && argc > 1)) {
		strbuf_puts(&err, "Too many arguments: ");
		safe_words(&err, argc, argv);
		goto usage;
	}
	if (c->argmode == CLI_ARG_REQUIRED && argc == 0) {
		strbuf_printf(&err, "Missing argument %s", c->arg ? c->arg : "");
		goto usage;
	}
	if (c->arg && strchr(c->arg, '|')) {
		for (int i = 0; i < argc; i++) {
			choice[i] = match_choice(c->arg, argv[i], &err);
			if (!choice[i])
				goto fail;
			argv[i] = choice[i];
		}
	}

	/* after the syntax: a mistyped line gets its usage, whoever types it */
	if (c->access != CLI_READ && s && !s->priv) {
		cli->st.not_authorized++;
		strbuf_puts(&err, "Not authorized (enable)");
		sess_log(s, "CLI: %s%s%s refused: not authorized (enable)", c->words[0],
			 c->words[1] ? " " : "", c->words[1] ? c->words[1] : "");
		goto fail;
	}
	argv[argc] = NULL;
	struct cli_req req = {
	    .cli = cli,
	    .sess = s,
	    .ctx = row_ctx(cli, c),
	    .cmd = c,
	    .argc = argc,
	    .argv = (const char *const *)argv,
	    .arg = argc ? argv[0] : NULL,
	};
	struct out *o = out_new(json);
	if (!o) {
		strbuf_puts(&err, "out of memory");
		goto fail;
	}
	c->fn(&req, o);
	size_t n;
	const char *t = out_finish(o, &n);
	strbuf_add(dst, t, n);
	out_free(o);
	res = req.close ? CLI_QUIT : CLI_OK;
	goto done;

usage:
	strbuf_puts(&err, " (usage: ");
	usage(c, &err);
	strbuf_puts(&err, ")");
fail:
	render(dst, json, strbuf_str(&err));
	res = CLI_ERROR;
done:
	for (int i = 0; i < CLI_MAX_TOKENS; i++)
		free(choice[i]);
	strbuf_free(&err);
	return res;
}

/* ---- sessions ---- */

static void sess_log(const struct cli_sess *s, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (s->is_unix)
		log_input_key(s->peername, "%s", msg);
	else
		log_input((const struct sockaddr *)&s->peer, "%s", msg);
}

static void sess_read_cb(struct bufferevent *bev, void *arg);
static void sess_process(struct cli_sess *s);

static void sess_free(struct cli_sess *s)
{
	struct cli *cli = s->cli;
	for (struct cli_sess **pp = &cli->sessions; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	}
	cli->nclients--;
	if (s->is_unix)
		cli->nunix--;
	else
		cli->ntcp--;
	if (s->timer)
		event_free(s->timer);
	if (s->wait)
		event_free(s->wait);
	bufferevent_free(s->bev);
	OPENSSL_cleanse(s, sizeof(*s)); /* a password typed into tn.line, a pending digest */
	free(s);
}

/* Send text, turning "\n" into the client's line end. */
static void sess_send(struct cli_sess *s, const char *p, size_t n)
{
	struct evbuffer *out = bufferevent_get_output(s->bev);
	if (!s->tn.crlf) {
		evbuffer_add(out, p, n);
		return;
	}
	while (n) {
		const char *nl = memchr(p, '\n', n);
		size_t l = nl ? (size_t)(nl - p) : n;
		evbuffer_add(out, p, l);
		if (!nl)
			break;
		evbuffer_add(out, "\r\n", 2);
		p += l + 1;
		n -= l + 1;
	}
}

static void sess_puts(struct cli_sess *s, const char *str)
{
	sess_send(s, str, strlen(str));
}

static void sess_close(struct cli_sess *s)
{
	s->closing = true;
	evtimer_del(s->timer);
	evtimer_del(s->wait);
	bufferevent_disable(s->bev, EV_READ);
}

/* ---- failure back-off per source ---- */

static size_t sess_key(const struct cli_sess *s, uint8_t key[TB_KEY_MAX])
{
	if (s->is_unix)
		return 0;
	return tb_key_sockaddr((const struct sockaddr *)&s->peer, key);
}

/* The entry of s's source; with `create` a new one, replacing the one whose last failure
 * is the oldest when the table is full. NULL for the UNIX socket. */
static struct cli_src *src_find(struct cli *cli, const struct cli_sess *s, bool create)
{
	uint8_t key[TB_KEY_MAX];
	size_t kl = sess_key(s, key);
	struct cli_src *free_slot = NULL, *oldest = NULL;

	if (kl == 0)
		return NULL;
	for (size_t i = 0; i < CLI_FAIL_SOURCES; i++) {
		struct cli_src *e = &cli->srcs[i];
		if (e->keylen == kl && memcmp(e->key, key, kl) == 0)
			return e;
		if (e->keylen == 0) {
			if (!free_slot)
				free_slot = e;
		} else if (!oldest || e->last_fail < oldest->last_fail) {
			oldest = e;
		}
	}
	if (!create)
		return NULL;
	struct cli_src *e = free_slot ? free_slot : oldest;
	memset(e, 0, sizeof(*e));
	memcpy(e->key, key, kl);
	e->keylen = kl;
	return e;
}

static uint64_t src_next_ok(struct cli *cli, const struct cli_sess *s)
{
	const struct cli_src *e = src_find(cli, s, false);
	return e ? e->next_ok : 0;
}

/* A failure from s's source: the delay (ms) before its next prompt or attempt. */
static uint64_t src_fail(struct cli *cli, const struct cli_sess *s, uint64_t now, unsigned *fails)
{
	struct cli_src *e = src_find(cli, s, true);
	uint64_t d = cli->backoff_base;

	*fails = 1;
	if (!e)
		return 0;
	if (e->fails && now - e->last_fail > (uint64_t)CLI_FAIL_FORGET * NSEC_PER_SEC)
		e->fails = 0;
	if (e->fails < 1000)
		e->fails++;
	for (unsigned i = 1; i < e->fails && d < cli->backoff_max; i++)
		d *= 2;
	if (d > cli->backoff_max)
		d = cli->backoff_max;
	e->last_fail = now;
	e->next_ok = now + d * 1000000u;
	*fails = e->fails;
	return d;
}

static void src_clear(struct cli *cli, const struct cli_sess *s)
{
	struct cli_src *e = src_find(cli, s, false);
	if (e)
		memset(e, 0, sizeof(*e));
}

/* ---- timers ---- */

/* The login timer until the session has logged in (TCP with a password) or, without one,
 * sent its first line; then the idle timer. Restarted by complete lines only. */
static void sess_arm(struct cli_sess *s)
{
	struct cli *cli = s->cli;
	unsigned secs = 0;

	s->timer_kind = ST_NONE;
	if (!s->proven && !s->is_unix && cli->login &&
	    (cli->idle == 0 || cli->login <= cli->idle)) {
		secs = cli->login;
		s->timer_kind = ST_LOGIN;
	} else if (cli->idle) {
		secs = cli->idle;
		s->timer_kind = ST_IDLE;
	}
	if (secs) {
		struct timeval tv = {.tv_sec = secs};
		evtimer_add(s->timer, &tv);
	} else {
		evtimer_del(s->timer);
	}
}

static void sess_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct cli_sess *s = arg;

	if (s->closing || s->waiting)
		return;
	if (s->timer_kind == ST_LOGIN) {
		s->cli->st.login_timeouts++;
		sess_log(s, "CLI: %s in %u s, closing",
			 s->state == SS_LOGIN ? "no login" : "no command", s->cli->login);
		sess_puts(s, "\n% Login timeout, closing\n");
	} else {
		s->cli->st.idle_timeouts++;
		sess_puts(s, "\n% Idle timeout, closing\n");
	}
	sess_close(s);
	bufferevent_enable(s->bev, EV_WRITE);
}

/* Stop reading and the timers for `ns`; sess_wait_cb goes on with the prompt or the
 * pending attempt. */
static void sess_wait(struct cli_sess *s, uint64_t ns)
{
	struct timeval tv = {.tv_sec = (time_t)(ns / NSEC_PER_SEC),
			     .tv_usec = (suseconds_t)(ns % NSEC_PER_SEC / 1000 + 1)};
	s->waiting = true;
	s->cli->st.backoff_waits++;
	bufferevent_disable(s->bev, EV_READ);
	evtimer_del(s->timer);
	evtimer_add(s->wait, &tv);
}

static void sess_prompt(struct cli_sess *s)
{
	if (s->state != SS_CMD) {
		uint64_t t = src_next_ok(s->cli, s), now = now_ns();
		if (t > now) { /* the source's back-off: no prompt before it ends */
			sess_wait(s, t - now);
			return;
		}
		sess_puts(s, s->state == SS_LOGIN ? "Password: " : "Enable secret: ");
		return;
	}
	evbuffer_add_printf(bufferevent_get_output(s->bev), "%s%s ", s->cli->name,
			    s->priv ? "#" : ">");
}

/* A password (SS_LOGIN) or enable secret (SS_ENABLE) attempt, as its digest. */
static void sess_attempt(struct cli_sess *s, const uint8_t md[CLI_MD_LEN])
{
	struct cli *cli = s->cli;
	uint64_t now = now_ns(), t = src_next_ok(cli, s);
	bool login = s->state == SS_LOGIN;

	if (t > now) { /* another session from this source failed meanwhile */
		s->pending = true;
		memcpy(s->pending_md, md, CLI_MD_LEN);
		sess_wait(s, t - now);
		return;
	}
	bool has = login ? cli->has_pw : cli->has_en;
	int diff = CRYPTO_memcmp(md, login ? cli->pw_md : cli->en_md, CLI_MD_LEN);
	if (has && diff == 0) {
		src_clear(cli, s);
		s->tries = 0;
		s->state = SS_CMD;
		if (login) {
			s->proven = true;
			s->since = now;
		} else {
			s->priv = true;
			cli->st.enables++;
			log_info("CLI: privileged session (enable) from %s", s->peername);
		}
		sess_arm(s);
		sess_prompt(s);
		return;
	}
	unsigned fails;
	uint64_t delay = src_fail(cli, s, now, &fails);
	if (login)
		cli->st.login_failures++;
	else
		cli->st.enable_failures++;
	sess_log(s, "CLI: bad %s (%u from this address; next try in %llu ms)",
		 login ? "password" : "enable secret", fails, (unsigned long long)delay);
	if (++s->tries >= CLI_PASSWORD_TRIES) {
		sess_puts(s,
			  login ? "% Bad password, closing\n" : "% Bad enable secret, closing\n");
		sess_close(s);
		return;
	}
	if (login) {
		sess_puts(s, "% Bad password\n");
	} else {
		s->state = SS_CMD;
		sess_puts(s, "% Bad enable secret\n");
	}
	sess_prompt(s);
}

static void sess_wait_cb(evutil_socket_t fd, short what, void *arg)
{
	struct cli_sess *s = arg;

	s->waiting = false;
	if (s->closing)
		return;
	if (s->pending) {
		s->pending = false;
		sess_attempt(s, s->pending_md);
		OPENSSL_cleanse(s->pending_md, sizeof(s->pending_md));
	} else {
		sess_prompt(s);
	}
	if (s->closing) {
		bufferevent_enable(s->bev, EV_WRITE);
		return;
	}
	if (s->waiting)
		return;
	sess_arm(s);
	if (!s->paused)
		bufferevent_enable(s->bev, EV_READ);
	sess_process(s); /* lines that arrived meanwhile */
}

static void sess_line(struct cli_sess *s, char *line)
{
	struct cli *cli = s->cli;
	/* Whether or not the client echoed the line, the answer starts on a fresh line:
	 * the prompt stays alone on its line and JSON starts at column 0. */
	sess_puts(s, "\n");
	if (s->state != SS_CMD) {
		uint8_t md[CLI_MD_LEN];
		bool ok;
		if (!*line) { /* an empty line is not an attempt (and cancels an enable) */
			if (s->state == SS_ENABLE)
				s->state = SS_CMD;
			sess_prompt(s);
			return;
		}
		ok = digest(cli, line, md);
		OPENSSL_cleanse(line, strlen(line));
		if (!ok) {
			sess_puts(s, "% out of memory\n");
			sess_prompt(s);
			return;
		}
		sess_attempt(s, md);
		OPENSSL_cleanse(md, sizeof(md));
		return;
	}
	if (line[strspn(line, " \t")] != '\0') {
		/* a complete line: the idle timer starts again (a blank one is no activity: a
		 * newline a second must not keep a session either) */
		s->proven = true;
		s->since = now_ns();
		sess_arm(s);
	}
	struct strbuf ans;
	strbuf_init(&ans);
	enum cli_result r = cli_exec(cli, s, line, &ans);
	if (ans.oom)
		sess_puts(s, "% output too large\n");
	else
		sess_send(s, ans.s ? ans.s : "", ans.len);
	strbuf_free(&ans);
	if (r == CLI_QUIT)
		sess_close(s);
	else
		sess_prompt(s);
}

/* Process buffered input; returns without touching s if it was freed. */
static void sess_process(struct cli_sess *s)
{
	struct evbuffer *in = bufferevent_get_input(s->bev);
	struct evbuffer *out = bufferevent_get_output(s->bev);
	struct strbuf reply;

	strbuf_init(&reply);
	while (!s->closing && !s->paused && !s->waiting && evbuffer_get_length(in) > 0) {
		struct evbuffer_iovec v;
		size_t used = 0;
		if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
			break;
		strbuf_reset(&reply);
		enum telnet_ev ev = telnet_input(&s->tn, v.iov_base, v.iov_len, &used, &reply);
		evbuffer_drain(in, used);
		if (reply.len)
			evbuffer_add(out, reply.s, reply.len);
		switch (ev) {
		case TELNET_LINE:
			sess_line(s, s->tn.line);
			break;
		case TELNET_TOOLONG:
			s->cli->st.lines_too_long++;
			sess_log(s, "CLI: line over %d bytes ignored", CLI_LINE_MAX);
			if (s->state == SS_CMD) { /* a complete line, if a useless one */
				s->proven = true;
				s->since = now_ns();
				sess_arm(s);
			}
			sess_puts(s, "\n");
			evbuffer_add_printf(out, "%% Line too long (max %d bytes), ignored",
					    CLI_LINE_MAX);
			sess_puts(s, "\n");
			sess_prompt(s);
			break;
		case TELNET_AYT:
			sess_puts(s, "[yes]\n");
			break;
		default:
			break;
		}
		if (!s->closing && evbuffer_get_length(out) > CLI_OUT_HIGH) {
			s->paused = true; /* resumed by the write callback */
			bufferevent_disable(s->bev, EV_READ);
		}
	}
	strbuf_free(&reply);
	if (s->closing && evbuffer_get_length(out) == 0)
		sess_free(s);
}

static void sess_read_cb(struct bufferevent *bev, void *arg)
{
	sess_process(arg);
}

static void sess_write_cb(struct bufferevent *bev, void *arg)
{
	struct cli_sess *s = arg;
	if (s->closing) {
		sess_free(s);
		return;
	}
	if (s->paused) {
		s->paused = false;
		if (!s->waiting)
			bufferevent_enable(bev, EV_READ);
		sess_process(s);
	}
}

static void sess_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct cli_sess *s = arg;
	if (what & BEV_EVENT_EOF) {
		/* the client finished sending: run a last line without its newline */
		if (s->tn.len && !s->tn.overflow && s->state == SS_CMD && !s->closing &&
		    !s->waiting) {
			s->tn.line[s->tn.len] = '\0';
			s->tn.len = 0;
			sess_line(s, s->tn.line);
		}
		sess_close(s);
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			sess_free(s);
		return;
	}
	sess_free(s); /* error, write timeout */
}

/* A refused connection: the reason, then FIN, and the socket is drained for a moment before
 * it is closed. Closing at once with the client's first line unread makes the kernel send
 * RST, and the client then discards the reason it had not read yet. At most REFUSE_MAX
 * refusals linger (a flood is closed at once); each for at most 2 s. */
#define REFUSE_MAX 32
static unsigned refusing;

struct refusal {
	struct event *ev;
	evutil_socket_t fd;
};
static struct refusal *refusals[REFUSE_MAX]; /* lingering ones, freed by cli_free at the latest */

static void refusal_end(struct refusal *r)
{
	for (size_t i = 0; i < REFUSE_MAX; i++)
		if (refusals[i] == r)
			refusals[i] = NULL;
	event_free(r->ev);
	close(r->fd);
	free(r);
	refusing--;
}

static void refuse_cb(evutil_socket_t fd, short what, void *arg)
{
	struct refusal *r = arg;
	char junk[512];

	if (what & EV_READ) {
		ssize_t n = recv(fd, junk, sizeof(junk), MSG_DONTWAIT);
		if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR)))
			return; /* keep draining until EOF or the timeout */
	}
	(void)fd;
	refusal_end(r);
}

static void refuse(struct cli *cli, evutil_socket_t fd)
{
	static const char msg[] = "% Too many CLI sessions\r\n";
	struct timeval two = {2, 0};
	struct refusal *r = NULL;
	ssize_t w = send(fd, msg, sizeof(msg) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);

	(void)w;
	shutdown(fd, SHUT_WR);
	if (refusing < REFUSE_MAX && (r = calloc(1, sizeof(*r))) != NULL &&
	    (r->ev = event_new(cli->base, fd, EV_READ | EV_PERSIST, refuse_cb, r)) != NULL &&
	    event_add(r->ev, &two) == 0) {
		r->fd = fd;
		for (size_t i = 0; i < REFUSE_MAX; i++)
			if (refusals[i] == NULL) {
				refusals[i] = r;
				break;
			}
		refusing++;
		return;
	}
	if (r && r->ev)
		event_free(r->ev);
	free(r);
	close(fd);
}

/* All slots of a kind taken: the session to close for a new connection. First one already
 * closing, then one that has not logged in or sent a line (oldest first), then one idle for
 * longer than the login timeout (read-only ones before privileged ones, the longest idle
 * first). NULL if every session is active: the new connection is refused. */
static struct cli_sess *pick_victim(struct cli *cli, bool is_unix, uint64_t now)
{
	uint64_t stall = (uint64_t)(cli->login ? cli->login : CLI_DEFAULT_LOGIN) * NSEC_PER_SEC;
	struct cli_sess *best = NULL;
	int bestc = 99;

	for (struct cli_sess *s = cli->sessions; s; s = s->next) {
		int c;
		if (s->is_unix != is_unix)
			continue;
		if (s->closing)
			c = 0;
		else if (!s->proven)
			c = 1;
		else if (now - s->since < stall)
			continue;
		else
			c = s->priv ? 3 : 2;
		if (c < bestc || (c == bestc && s->since < best->since)) {
			best = s;
			bestc = c;
		}
	}
	return best;
}

static void evict(struct cli *cli, struct cli_sess *v)
{
	static const char msg[] = "\r\n% Closed to admit a new session (all CLI sessions busy)\r\n";

	cli->st.evicted++;
	sess_log(v, "CLI: all %u %s sessions busy: closed this %s one to admit a new one",
		 cli->maxclients, v->is_unix ? "UNIX socket" : "TCP",
		 v->closing ? "closing" : (!v->proven ? "unauthenticated" : "idle"));
	if (!v->closing && evbuffer_get_length(bufferevent_get_output(v->bev)) == 0) {
		ssize_t w = send(bufferevent_getfd(v->bev), msg, sizeof(msg) - 1,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		(void)w;
	}
	sess_free(v);
}

static void peer_name(struct cli_sess *s, int fd)
{
	if (s->is_unix) {
		struct ucred uc;
		socklen_t l = sizeof(uc);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &l) == 0)
			snprintf(s->peername, sizeof(s->peername), "unix uid %u pid %d",
				 (unsigned)uc.uid, (int)uc.pid);
		else
			snprintf(s->peername, sizeof(s->peername), "unix socket");
		return;
	}
	if (s->peer.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&s->peer)->sin_addr, s->peername,
			  sizeof(s->peername));
	else if (s->peer.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&s->peer)->sin6_addr, s->peername,
			  sizeof(s->peername));
	else
		snprintf(s->peername, sizeof(s->peername), "unknown");
}

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
		      void *arg)
{
	struct cli *cli = arg;
	bool is_unix = l == cli->ulis;
	uint64_t now = now_ns();
	struct cli_sess *s;

	if ((is_unix ? cli->nunix : cli->ntcp) >= cli->maxclients) {
		struct cli_sess *v = pick_victim(cli, is_unix, now);
		if (!v) {
			cli->st.refused++;
			if (is_unix)
				log_input_key("unix", "CLI: all %u sessions busy, refused",
					      cli->maxclients);
			else
				log_input(sa, "CLI: all %u sessions busy, refused",
					  cli->maxclients);
			refuse(cli, fd);
			return;
		}
		evict(cli, v);
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		close(fd);
		return;
	}
	evutil_make_socket_nonblocking(fd);
	s->bev = bufferevent_socket_new(cli->base, fd, BEV_OPT_CLOSE_ON_FREE);
	s->timer = evtimer_new(cli->base, sess_timer_cb, s);
	s->wait = evtimer_new(cli->base, sess_wait_cb, s);
	if (!s->bev || !s->timer || !s->wait) {
		if (s->bev)
			bufferevent_free(s->bev);
		else
			close(fd);
		if (s->timer)
			event_free(s->timer);
		if (s->wait)
			event_free(s->wait);
		free(s);
		return;
	}
	s->cli = cli;
	s->is_unix = is_unix;
	s->priv = is_unix; /* the socket's mode and group said who may connect */
	s->state = (!is_unix && cli->has_pw) ? SS_LOGIN : SS_CMD;
	s->since = now;
	if (sa && salen > 0 && (size_t)salen <= sizeof(s->peer))
		memcpy(&s->peer, sa, (size_t)salen);
	peer_name(s, fd);
	telnet_init(&s->tn);
	s->next = cli->sessions;
	cli->sessions = s;
	cli->nclients++;
	if (is_unix) {
		cli->nunix++;
		cli->st.unix_accepted++;
	} else {
		cli->ntcp++;
	}
	cli->st.accepted++;
	struct timeval wt = {.tv_sec = CLI_WRITE_TIMEOUT};
	/* no read timeout: a byte now and then must not keep a session (sess_arm) */
	bufferevent_set_timeouts(s->bev, NULL, &wt);
	bufferevent_setcb(s->bev, sess_read_cb, sess_write_cb, sess_event_cb, s);
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);
	sess_arm(s);
	sess_prompt(s);
}

static void accept_error_cb(struct evconnlistener *l, void *arg)
{
	/* EMFILE and friends: the pending connection stays queued; nothing to do */
}

int cli_listen(struct cli *cli, const char *addr, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	struct evconnlistener *l;

	if (cli->nlis >= CLI_MAX_LISTEN) {
		errno = ENOSPC;
		return -1;
	}
	memset(&ss, 0, sizeof(ss));
	if (!addr)
		addr = CLI_DEFAULT_ADDR;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		sl = sizeof(*s4);
	} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		sl = sizeof(*s6);
	} else {
		errno = EINVAL;
		return -1;
	}
	l = evconnlistener_new_bind(cli->base, accept_cb, cli,
				    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE |
					LEV_OPT_CLOSE_ON_EXEC,
				    16, (struct sockaddr *)&ss, (int)sl);
	if (!l)
		return -1;
	evconnlistener_set_error_cb(l, accept_error_cb);
	cli->lis[cli->nlis++] = l;
	sl = sizeof(ss);
	if (getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&ss, &sl) == 0)
		cli->port = ntohs(ss.ss_family == AF_INET ? s4->sin_port : s6->sin6_port);
	return 0;
}

int cli_listen_unix(struct cli *cli, const char *path, unsigned mode, long gid)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct stat st;
	int fd, rc, e;
	mode_t old;

	if (cli->ulis) {
		errno = EBUSY;
		return -1;
	}
	if (!path || !*path || strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (mode & ~0770u) { /* "other" users must not get privilege */
		errno = EINVAL;
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) == 0) {
		/* only a socket nobody listens on is ours to replace */
		if (!S_ISSOCK(st.st_mode)) {
			errno = EEXIST;
			return -1;
		}
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -1;
		rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
		e = errno;
		close(fd);
		if (rc == 0) {
			errno = EADDRINUSE;
			return -1;
		}
		if (e != ECONNREFUSED) {
			errno = e;
			return -1;
		}
		if (unlink(path) < 0 && errno != ENOENT)
			return -1;
	} else if (errno != ENOENT) {
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	old = umask(0177); /* owner only until the group is set */
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	e = errno;
	umask(old);
	if (rc < 0) {
		close(fd);
		errno = e;
		return -1;
	}
	if ((gid != -1 && lchown(path, (uid_t)-1, (gid_t)gid) < 0) ||
	    chmod(path, (mode_t)mode) < 0 || lstat(path, &st) < 0)
		goto fail;
	cli->ulis = evconnlistener_new(cli->base, accept_cb, cli,
				       LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 16, fd);
	if (!cli->ulis)
		goto fail;
	evconnlistener_set_error_cb(cli->ulis, accept_error_cb);
	cli->upath = strdup(path);
	cli->udev = st.st_dev;
	cli->uino = st.st_ino;
	if (!cli->upath) {
		evconnlistener_free(cli->ulis);
		cli->ulis = NULL;
		fd = -1;
		goto fail;
	}
	return 0;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	unlink(path);
	errno = e;
	return -1;
}

int cli_start(struct cli *cli, const struct cfg_cli *c)
{
	if (cli_listen(cli, c->addr, c->port) < 0) {
		log_warn("CLI on %s port %u", c->addr, c->port);
		return -1;
	}
	if (c->socket[0] && cli_listen_unix(cli, c->socket, c->socket_mode, c->socket_gid) < 0) {
		log_warn("CLI socket %s%s", c->socket,
			 errno == EEXIST       ? " (not a socket: left alone)"
			 : errno == EADDRINUSE ? " (a daemon is listening there)"
					       : "");
		return -1;
	}
	return cli_reconfigure(cli, c);
}

int cli_reconfigure(struct cli *cli, const struct cfg_cli *c)
{
	if (cli_set_password(cli, c->password) < 0 || cli_set_enable_secret(cli, c->enable) < 0) {
		log_warnx("CLI: cannot set the secrets");
		return -1;
	}
	return 0;
}

void cli_free(struct cli *cli)
{
	struct stat st;

	if (!cli)
		return;
	while (cli->sessions)
		sess_free(cli->sessions);
	for (size_t i = 0; i < REFUSE_MAX; i++)
		if (refusals[i] && event_get_base(refusals[i]->ev) == cli->base)
			refusal_end(refusals[i]);
	for (size_t i = 0; i < cli->nlis; i++)
		evconnlistener_free(cli->lis[i]);
	if (cli->ulis)
		evconnlistener_free(cli->ulis);
	/* remove the socket if it is still the one we made */
	if (cli->upath && lstat(cli->upath, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    st.st_dev == cli->udev && st.st_ino == cli->uino)
		unlink(cli->upath);
	free(cli->upath);
	free(cli->name);
	OPENSSL_cleanse(cli, sizeof(*cli));
	free(cli);
}
