/* SPDX-License-Identifier: ISC */
/*
 * common/cli_sess.c - the CLI server's listeners and sessions on libevent: TCP and a UNIX
 * socket (privileged by its file mode and group), the password and the enable secret with a
 * per-source failure back-off, login and idle timers, session slots with eviction of stalled
 * sessions, back-pressure, and the refusal of a client past the limit. Each complete line
 * goes to cli_exec (common/cli.c).
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

/* ---- sessions ---- */

void cli_sess_log(const struct cli_sess *s, const char *fmt, ...)
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
static void sess_arm(struct cli_sess *s);

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
	if (s->more)
		event_free(s->more);
	if (s->dump) { /* closed in the middle of a streamed answer */
		cli->st.streams_abandoned++;
		cli_dump_free(s->dump);
	}
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
	if (s->more)
		evtimer_del(s->more);
	bufferevent_disable(s->bev, EV_READ);
}

/* Reading is on unless the session waits for its client to read (paused), for a source's
 * back-off (waiting) or for a streamed answer to end (dump). */
static void sess_read_on(struct cli_sess *s)
{
	if (!s->closing && !s->paused && !s->waiting && !s->dump)
		bufferevent_enable(s->bev, EV_READ);
}

static void sess_prompt(struct cli_sess *s);

/* The next batch of the streamed answer, from the loop (s->more) once the output is at or
 * below CLI_DUMP_LOW: the write callback (low watermark) or a zero timer schedules it. */
static void sess_dump_step(struct cli_sess *s)
{
	struct evbuffer *out = bufferevent_get_output(s->bev);
	struct strbuf sb;

	if (!s->dump || s->closing || evbuffer_get_length(out) > CLI_DUMP_LOW)
		return;
	strbuf_init(&sb);
	bool end = cli_dump_step(s->cli, s->dump, &sb);
	sess_send(s, strbuf_str(&sb), sb.len);
	strbuf_free(&sb);
	sess_arm(s); /* the client reads: not idle */
	if (!end) {
		if (evbuffer_get_length(out) <= CLI_DUMP_LOW) {
			struct timeval zero = {0, 0};
			evtimer_add(s->more, &zero);
		}
		return;
	}
	cli_dump_free(s->dump);
	s->dump = NULL;
	bufferevent_setwatermark(s->bev, EV_WRITE, 0, 0);
	if (s->eof) { /* the client had sent its last line */
		sess_close(s);
		if (evbuffer_get_length(out) == 0)
			sess_free(s);
		return;
	}
	sess_prompt(s);
	sess_read_on(s);
	sess_process(s); /* lines that arrived meanwhile (may free s) */
}

static void sess_more_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	sess_dump_step(arg);
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
		cli_sess_log(s, "CLI: %s in %u s, closing",
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
	cli_sess_log(s, "CLI: bad %s (%u from this address; next try in %llu ms)",
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
	sess_read_on(s);
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
		ok = cli_digest(cli, line, md);
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
	struct cli_dump *d = NULL;
	strbuf_init(&ans);
	enum cli_result r = cli_exec_dump(cli, s, line, &ans, &d);
	if (ans.oom)
		sess_puts(s, "% out of memory\n");
	else
		sess_send(s, ans.s ? ans.s : "", ans.len);
	strbuf_free(&ans);
	if (d) {
		/* a streamed answer: batches from the loop, the prompt after the last; lines
		 * typed meanwhile wait (reading stops) */
		struct timeval zero = {0, 0};
		s->dump = d;
		bufferevent_disable(s->bev, EV_READ);
		bufferevent_setwatermark(s->bev, EV_WRITE, CLI_DUMP_LOW, 0);
		evtimer_add(s->more, &zero);
		if (r == CLI_QUIT)
			sess_close(s);
		return;
	}
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
	while (!s->closing && !s->paused && !s->waiting && !s->dump &&
	       evbuffer_get_length(in) > 0) {
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
			cli_sess_log(s, "CLI: line over %d bytes ignored", CLI_LINE_MAX);
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
	size_t left = evbuffer_get_length(bufferevent_get_output(bev));
	if (s->closing) {
		if (left == 0) /* the low watermark calls earlier while a stream is on */
			sess_free(s);
		return;
	}
	if (s->dump) {
		sess_dump_step(s);
		return;
	}
	if (s->paused && left == 0) {
		s->paused = false;
		sess_read_on(s);
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
		if (s->dump && !s->closing) { /* its answer is still streaming */
			s->eof = true;
			return;
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
	cli_sess_log(v, "CLI: all %u %s sessions busy: closed this %s one to admit a new one",
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
	s->more = evtimer_new(cli->base, sess_more_cb, s);
	if (!s->bev || !s->timer || !s->wait || !s->more) {
		if (s->bev)
			bufferevent_free(s->bev);
		else
			close(fd);
		if (s->timer)
			event_free(s->timer);
		if (s->wait)
			event_free(s->wait);
		if (s->more)
			event_free(s->more);
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

/* New secrets apply to the sessions already open too: a changed or added password closes
 * every TCP session (each logs in again), a changed or removed enable secret takes back the
 * privilege of every TCP session that had it; UNIX socket sessions keep theirs. */
int cli_reconfigure(struct cli *cli, const struct cfg_cli *c)
{
	uint8_t pw[CLI_MD_LEN], en[CLI_MD_LEN];
	bool had_pw = cli->has_pw, had_en = cli->has_en;

	memcpy(pw, cli->pw_md, sizeof(pw));
	memcpy(en, cli->en_md, sizeof(en));
	if (cli_set_password(cli, c->password) < 0 || cli_set_enable_secret(cli, c->enable) < 0) {
		log_warnx("CLI: cannot set the secrets");
		return -1;
	}
	bool pw_changed = cli->has_pw && (!had_pw || CRYPTO_memcmp(pw, cli->pw_md, sizeof(pw)));
	bool en_changed = had_en && (!cli->has_en || CRYPTO_memcmp(en, cli->en_md, sizeof(en)));
	OPENSSL_cleanse(pw, sizeof(pw));
	OPENSSL_cleanse(en, sizeof(en));
	for (struct cli_sess *s = cli->sessions; s; s = s->next) {
		if (s->is_unix || s->closing)
			continue;
		if (pw_changed) {
			sess_puts(s, "\r\n% CLI password changed: closing\r\n");
			sess_close(s);
		} else if (en_changed && s->priv) {
			s->priv = false;
			sess_puts(s, "\r\n% Enable secret changed: back to read-only commands\r\n");
		}
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
