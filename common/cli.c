/* SPDX-License-Identifier: ISC */
/*
 * common/cli.c - the telnet CLI server: telnet input decoding (RFC 854 NVT, RFC 855 option
 * refusal), the command matcher over the daemon's table (unique prefixes, ambiguity and
 * unknown-word reports with alternatives, `json` keyword, arguments, help from the rows),
 * and the built-in commands; the listeners and sessions are common/cli_sess.c. See cli.h for
 * the behaviour promised to users and scripts.
 */
#include "config.h"

#include "common/cli.h"
#include "common/cli_int.h"
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
bool cli_digest(const struct cli *cli, const char *secret, uint8_t md[CLI_MD_LEN])
{
	unsigned len = CLI_MD_LEN;
	return HMAC(EVP_sha256(), cli->hkey, (int)sizeof(cli->hkey), (const unsigned char *)secret,
		    strlen(secret), md, &len) != NULL &&
	       len == CLI_MD_LEN;
}

/* A secret that cannot be digested leaves the one in force (never "no secret"). */
static int set_secret(struct cli *cli, const char *secret, uint8_t md[CLI_MD_LEN], bool *has)
{
	uint8_t tmp[CLI_MD_LEN];

	if (secret && *secret && !cli_digest(cli, secret, tmp)) {
		OPENSSL_cleanse(tmp, sizeof(tmp));
		return -1;
	}
	*has = secret && *secret;
	if (*has)
		memcpy(md, tmp, CLI_MD_LEN);
	else
		OPENSSL_cleanse(md, CLI_MD_LEN);
	OPENSSL_cleanse(tmp, sizeof(tmp));
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
	out_uint(o, "streams", cli->st.streams);
	out_uint(o, "streamsAbandoned", cli->st.streams_abandoned);
	out_uint(o, "streamBatches", cli->st.stream_batches);
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
	if (c->arg && c->argmode != CLI_ARG_NONE && c->arg[0] == '[') {
		strbuf_printf(sb, " %s", c->arg); /* a grammar of its own (cli_filter) */
	} else if (c->arg && c->argmode != CLI_ARG_NONE) {
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
		cli_sess_log(s, "CLI: enable refused: no enable secret configured");
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
	out_age(o, "uptimeSeconds", cli_uptime(r->cli));
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

enum cli_result cli_exec_dump(struct cli *cli, struct cli_sess *s, const char *line,
			      struct strbuf *dst, struct cli_dump **dump)
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
	if (c->arg && c->arg[0] != '[' && strchr(c->arg, '|')) {
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
		cli_sess_log(s, "CLI: %s%s%s refused: not authorized (enable)", c->words[0],
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
	res = req.close ? CLI_QUIT : CLI_OK;
	if (req.more && !out_failed(o)) {
		struct cli_dump *d = calloc(1, sizeof(*d));
		if (d) {
			cli->st.streams++;
			d->o = o;
			d->req = req;
			d->req.argc = 0;
			d->req.argv = NULL;
			d->req.arg = NULL;
			d->req.sess = NULL;
			d->ctx0 = req.ctx;
			out_drain(o, dst);
			*dump = d;
			goto done;
		}
		out_error(o, "out of memory");
	}
	if (req.more && req.more_free)
		req.more_free(req.more_state);
	size_t n;
	const char *t = out_finish(o, &n);
	strbuf_add(dst, t, n);
	out_free(o);
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

void cli_stream(struct cli_req *r, cli_more_fn *more, void (*free_state)(void *), void *state)
{
	r->more = more;
	r->more_state = state;
	r->more_free = free_state;
}

void cli_dump_free(struct cli_dump *d)
{
	if (!d)
		return;
	if (d->req.more_free)
		d->req.more_free(d->req.more_state);
	out_free(d->o);
	free(d);
}

bool cli_dump_step(struct cli *cli, struct cli_dump *d, struct strbuf *dst)
{
	bool end;

	d->req.ctx = row_ctx(cli, d->req.cmd);
	cli->st.stream_batches++;
	if (d->req.ctx != d->ctx0) {
		out_error(d->o, "stopped: the table went away or was replaced");
		end = true;
	} else {
		end = d->req.more(&d->req, d->o, d->req.more_state) || out_failed(d->o);
	}
	if (!end) {
		out_drain(d->o, dst);
		return false;
	}
	size_t n;
	const char *t = out_finish(d->o, &n);
	strbuf_add(dst, t, n);
	return true;
}

enum cli_result cli_exec(struct cli *cli, struct cli_sess *s, const char *line, struct strbuf *dst)
{
	struct cli_dump *d = NULL;
	enum cli_result r = cli_exec_dump(cli, s, line, dst, &d);

	if (d) {
		while (!cli_dump_step(cli, d, dst))
			;
		cli_dump_free(d);
	}
	return r;
}

/* ---- the shared filter grammar ---- */

int cli_filter_parse(const struct cli_req *r, unsigned allow, struct cli_filter *f, struct out *o)
{
	memset(f, 0, sizeof(*f));
	for (int i = 0; i < r->argc; i++) {
		const char *w = r->argv[i];
		const char *next = i + 1 < r->argc ? r->argv[i + 1] : NULL;
		if ((allow & CLI_F_VIEW) && strcmp(w, "count") == 0) {
			f->view = CLI_VIEW_COUNT;
		} else if ((allow & CLI_F_VIEW) && strcmp(w, "detail") == 0) {
			f->view = CLI_VIEW_DETAIL;
		} else if ((allow & CLI_F_PREFIX) &&
			   (strcmp(w, "exact") == 0 || strcmp(w, "longest") == 0 ||
			    strcmp(w, "longer") == 0)) {
			if (f->match == CLI_MATCH_NONE) {
				out_error(o, "%s: needs a prefix before it", w);
				return -1;
			}
			f->match = strcmp(w, "exact") == 0     ? CLI_MATCH_EXACT
				   : strcmp(w, "longest") == 0 ? CLI_MATCH_LONGEST
							       : CLI_MATCH_LONGER;
		} else if ((allow & CLI_F_SITE) && strcmp(w, "site") == 0 && next) {
			if (strlen(next) >= sizeof(f->site)) {
				out_error(o, "site name too long");
				return -1;
			}
			snprintf(f->site, sizeof(f->site), "%s", next);
			f->has_site = true;
			i++;
		} else if ((allow & CLI_F_RLOC) && strcmp(w, "rloc") == 0 && next) {
			if (ipaddr_parse(next, &f->rloc) < 0) {
				out_error(o, "rloc: not an address: %s", next);
				return -1;
			}
			f->has_rloc = true;
			i++;
		} else if ((allow & CLI_F_NEIGHBOR) && strcmp(w, "neighbor") == 0 && next) {
			if (ipaddr_parse(next, &f->neighbor) < 0) {
				out_error(o, "neighbor: not an address: %s", next);
				return -1;
			}
			f->has_neighbor = true;
			i++;
		} else if ((allow & CLI_F_PREFIX) && f->match == CLI_MATCH_NONE &&
			   prefix_parse(w, &f->prefix, true) == 0) {
			f->addr_only = strchr(w, '/') == NULL;
			f->match = f->addr_only ? CLI_MATCH_LONGEST : CLI_MATCH_EXACT;
		} else {
			struct strbuf b;
			strbuf_init(&b);
			safe_word(&b, w);
			out_error(o, "%s: not understood here (%s)", strbuf_str(&b),
				  r->cmd && r->cmd->arg ? r->cmd->arg : "no arguments");
			strbuf_free(&b);
			return -1;
		}
	}
	return 0;
}

void cli_out_count(struct out *o, size_t n)
{
	if (out_json(o)) {
		out_begin_object(o, NULL);
		out_uint(o, "count", n);
		out_end(o);
	} else {
		out_printf(o, "%zu\n", n);
	}
}

bool cli_filter_prefix(const struct cli_filter *f, const struct lisp_prefix *p)
{
	switch (f->match) {
	case CLI_MATCH_NONE:
		return true;
	case CLI_MATCH_EXACT:
	case CLI_MATCH_LONGEST:
		return p->afi == f->prefix.afi && p->plen == f->prefix.plen &&
		       prefix_contains(&f->prefix, p);
	case CLI_MATCH_LONGER:
		return p->afi == f->prefix.afi && prefix_contains(&f->prefix, p);
	}
	return false;
}
