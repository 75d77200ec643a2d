/* SPDX-License-Identifier: ISC */
/*
 * common/metrics.c - the Prometheus text format writer and the /metrics HTTP endpoint
 * (common/metrics.h, docs/metrics.md).
 *
 * Connections. evhttp (libevent 2.1) has no connection limit and tells nothing about the
 * requests it answers itself (413, 400). So every connection gets a bufferevent made here
 * (evhttp_set_bevcb), tracked in a slot until evhttp closes it (the connection's close
 * callback, attached once evhttp has made the connection: in the same loop turn, by the
 * `adopt` event); at METRICS_MAX_CONNS the listener stops accepting until a slot frees.
 * Every answer, evhttp's own included, starts with its status line in the bufferevent's
 * empty output buffer (one request at a time per connection), where a buffer callback
 * reads the status code: that is where answers are counted and bad requests logged.
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "common/cli.h"
#include "common/conf.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/out.h"
#include "common/ratelimit.h"
#include "common/udpio.h"

/* ------------------------------------------------------------------ writer */

static bool name_ok(const char *s, bool metric)
{
	if (s == NULL || *s == '\0' || strlen(s) >= METRICS_NAME_MAX)
		return false;
	for (const char *p = s; *p; p++) {
		char c = *p;
		bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
			     (metric && c == ':');
		if (!alpha && !(p != s && c >= '0' && c <= '9'))
			return false;
	}
	if (!metric && s[0] == '_' && s[1] == '_') /* reserved */
		return false;
	return true;
}

void mw_init(struct mw *w)
{
	memset(w, 0, sizeof(*w));
	strbuf_init(&w->sb);
}

void mw_free(struct mw *w)
{
	strbuf_free(&w->sb);
	memset(w, 0, sizeof(*w));
}

const char *mw_text(const struct mw *w, size_t *len)
{
	if (len)
		*len = w->sb.len;
	return strbuf_str(&w->sb);
}

/* HELP text: backslash and newline escaped. */
static void put_help(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			strbuf_puts(sb, "\\\\");
		else if (*s == '\n')
			strbuf_puts(sb, "\\n");
		else
			strbuf_addc(sb, *s);
	}
}

/* A label value: backslash, double quote and newline escaped. */
static void put_value(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			strbuf_puts(sb, "\\\\");
		else if (*s == '"')
			strbuf_puts(sb, "\\\"");
		else if (*s == '\n')
			strbuf_puts(sb, "\\n");
		else
			strbuf_addc(sb, *s);
	}
}

/* A float as Prometheus reads it: +Inf, -Inf, NaN, else the shortest of %.15g / %.17g that
 * reads back as the same double. */
static void fmt_double(char *dst, size_t len, double v)
{
	if (isnan(v))
		snprintf(dst, len, "NaN");
	else if (isinf(v))
		snprintf(dst, len, v > 0 ? "+Inf" : "-Inf");
	else {
		snprintf(dst, len, "%.15g", v);
		if (strtod(dst, NULL) != v)
			snprintf(dst, len, "%.17g", v);
	}
}

int mw_family(struct mw *w, const char *name, enum metrics_type type, const char *help)
{
	static const char *const tn[] = {"counter", "gauge", "histogram"};

	if (!name_ok(name, true) || (unsigned)type > METRICS_HISTOGRAM) {
		w->err = true;
		w->open = false;
		return -1;
	}
	snprintf(w->family, sizeof(w->family), "%s", name);
	w->type = type;
	w->open = true;
	strbuf_printf(&w->sb, "# HELP %s ", name);
	put_help(&w->sb, help ? help : "");
	strbuf_printf(&w->sb, "\n# TYPE %s %s\n", name, tn[type]);
	return 0;
}

static bool labels_ok(const struct mw_label *l, size_t n, bool hist)
{
	for (size_t i = 0; i < n; i++) {
		if (!name_ok(l[i].name, false) || l[i].value == NULL)
			return false;
		if (hist && strcmp(l[i].name, "le") == 0)
			return false;
		for (size_t j = 0; j < i; j++)
			if (strcmp(l[i].name, l[j].name) == 0)
				return false;
	}
	return true;
}

/* name{labels[,le="..."]} value\n */
static void put_sample(struct mw *w, const char *suffix, const struct mw_label *l, size_t n,
		       const char *le, const char *value)
{
	strbuf_puts(&w->sb, w->family);
	strbuf_puts(&w->sb, suffix);
	if (n || le) {
		strbuf_addc(&w->sb, '{');
		for (size_t i = 0; i < n; i++) {
			strbuf_printf(&w->sb, "%s%s=\"", i ? "," : "", l[i].name);
			put_value(&w->sb, l[i].value);
			strbuf_addc(&w->sb, '"');
		}
		if (le)
			strbuf_printf(&w->sb, "%sle=\"%s\"", n ? "," : "", le);
		strbuf_addc(&w->sb, '}');
	}
	strbuf_printf(&w->sb, " %s\n", value);
}

int mw_sample(struct mw *w, double v, bool is_u64, uint64_t u, const struct mw_label *l, size_t n)
{
	char val[40];

	if (!w->open || w->type == METRICS_HISTOGRAM || n > METRICS_LABELS_MAX ||
	    !labels_ok(l, n, false)) {
		w->err = true;
		return -1;
	}
	if (is_u64)
		snprintf(val, sizeof(val), "%llu", (unsigned long long)u);
	else
		fmt_double(val, sizeof(val), v);
	put_sample(w, "", l, n, NULL, val);
	return 0;
}

/* NULL-terminated name/value pairs into l[]; -1 if more than METRICS_LABELS_MAX or odd. */
static int collect_labels(va_list ap, struct mw_label *l, size_t *n)
{
	const char *name;

	*n = 0;
	while ((name = va_arg(ap, const char *)) != NULL) {
		const char *value = va_arg(ap, const char *);
		if (*n == METRICS_LABELS_MAX || value == NULL)
			return -1;
		l[*n].name = name;
		l[*n].value = value;
		(*n)++;
	}
	return 0;
}

int mw_u64(struct mw *w, uint64_t v, ...)
{
	struct mw_label l[METRICS_LABELS_MAX];
	size_t n;
	va_list ap;
	int rc;

	va_start(ap, v);
	rc = collect_labels(ap, l, &n);
	va_end(ap);
	if (rc < 0) {
		w->err = true;
		return -1;
	}
	return mw_sample(w, 0, true, v, l, n);
}

int mw_double(struct mw *w, double v, ...)
{
	struct mw_label l[METRICS_LABELS_MAX];
	size_t n;
	va_list ap;
	int rc;

	va_start(ap, v);
	rc = collect_labels(ap, l, &n);
	va_end(ap);
	if (rc < 0) {
		w->err = true;
		return -1;
	}
	return mw_sample(w, v, false, 0, l, n);
}

int metrics_hist_init(struct metrics_hist *h, const double *le, size_t n)
{
	memset(h, 0, sizeof(*h));
	if (n > METRICS_HIST_MAX)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(le[i]) || (i > 0 && le[i] <= le[i - 1]))
			return -1;
		h->le[i] = le[i];
	}
	h->n = n;
	return 0;
}

void metrics_hist_observe(struct metrics_hist *h, double v)
{
	size_t i = 0;

	while (i < h->n && v > h->le[i])
		i++;
	h->count[i]++;
	h->sum += v;
	h->total++;
}

int mw_hist(struct mw *w, const struct metrics_hist *h, ...)
{
	struct mw_label l[METRICS_LABELS_MAX];
	size_t n;
	va_list ap;
	int rc;
	char le[40], val[40];
	uint64_t cum = 0;

	va_start(ap, h);
	rc = collect_labels(ap, l, &n);
	va_end(ap);
	if (rc < 0 || !w->open || w->type != METRICS_HISTOGRAM || !labels_ok(l, n, true)) {
		w->err = true;
		return -1;
	}
	for (size_t i = 0; i < h->n; i++) {
		cum += h->count[i];
		fmt_double(le, sizeof(le), h->le[i]);
		snprintf(val, sizeof(val), "%llu", (unsigned long long)cum);
		put_sample(w, "_bucket", l, n, le, val);
	}
	/* +Inf is every observation (the count), whatever rounding the buckets saw */
	snprintf(val, sizeof(val), "%llu", (unsigned long long)h->total);
	put_sample(w, "_bucket", l, n, "+Inf", val);
	fmt_double(val, sizeof(val), h->sum);
	put_sample(w, "_sum", l, n, NULL, val);
	snprintf(val, sizeof(val), "%llu", (unsigned long long)h->total);
	put_sample(w, "_count", l, n, NULL, val);
	return 0;
}

/* ------------------------------------------------------------------ server */

struct mconn {
	struct metrics_srv *s;
	struct bufferevent *bev;	 /* NULL: free slot */
	struct evhttp_connection *evcon; /* once adopted */
	bool adopted;
	bool responded; /* an answer started on this connection */
	size_t rx;	/* bytes received since the last answer started */
};

struct metrics_srv {
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	struct evconnlistener *lis;
	struct event *adopt; /* attaches the close callback of new connections */
	char daemon[32];
	char addr[IPADDR_STRLEN];
	metrics_collect_fn *fn;
	void *arg;
	uint16_t port;
	unsigned max_conns;
	bool paused;	      /* listener disabled at max_conns */
	struct strbuf cache;  /* the last rendered scrape */
	uint64_t cache_until; /* now_ns() before which it is answered again */
	unsigned render_factor;
	bool stopping;
	struct mconn conns[METRICS_MAX_CONNS];
	struct metrics_stats st;
};

static struct metrics_srv *running; /* the process's server (metrics_out_stats) */

static void resume(struct metrics_srv *s)
{
	if (s->paused && s->st.open_connections < s->max_conns && s->lis) {
		evconnlistener_enable(s->lis);
		s->paused = false;
	}
}

static void out_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg);
static void in_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg);

static void unhook(struct mconn *c, struct bufferevent *bev)
{
	evbuffer_remove_cb(bufferevent_get_output(bev), out_cb, c);
	evbuffer_remove_cb(bufferevent_get_input(bev), in_cb, c);
}

static void release(struct mconn *c)
{
	struct metrics_srv *s = c->s;

	if (!c->responded)
		s->st.no_response++;
	c->bev = NULL;
	c->evcon = NULL;
	c->adopted = false;
	s->st.open_connections--;
	if (!s->stopping)
		resume(s);
}

static void on_close(struct evhttp_connection *evcon, void *arg)
{
	struct mconn *c = arg;
	struct bufferevent *bev = evhttp_connection_get_bufferevent(evcon);

	if (c->bev == NULL)
		return;
	if (bev != NULL)
		unhook(c, bev);
	release(c);
}

static void peer_of(struct bufferevent *bev, struct sockaddr_storage *ss)
{
	socklen_t sl = sizeof(*ss);

	memset(ss, 0, sizeof(*ss));
	if (bev == NULL || getpeername(bufferevent_getfd(bev), (struct sockaddr *)ss, &sl) < 0)
		ss->ss_family = AF_UNSPEC;
}

/* The input buffer of a connection: what a request brought. */
static void in_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct mconn *c = arg;

	(void)buf;
	c->rx += info->n_added;
}

/* The output buffer of a connection: the first bytes of each answer are its status line. */
static void out_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct mconn *c = arg;
	struct metrics_srv *s = c->s;
	char line[16];
	ev_ssize_t n;
	int code = 0;
	const char *what = NULL;

	if (info->orig_size != 0 || info->n_added == 0 || c->bev == NULL)
		return;
	/* (evbuffer_copyout refuses a buffer whose start is frozen, as a bufferevent's output
	 * is between writes; peeking does not) */
	struct evbuffer_iovec v[4];
	int nv = evbuffer_peek(buf, sizeof(line) - 1, NULL, v, 4);
	n = 0;
	for (int i = 0; i < nv && i < 4 && (size_t)n < sizeof(line) - 1; i++) {
		size_t k = v[i].iov_len;
		if (k > sizeof(line) - 1 - (size_t)n)
			k = sizeof(line) - 1 - (size_t)n;
		memcpy(line + n, v[i].iov_base, k);
		n += (ev_ssize_t)k;
	}
	if (n < 12 || memcmp(line, "HTTP/1.", 7) != 0)
		return;
	line[n] = '\0';
	code = atoi(line + 9);
	c->responded = true;
	/* evhttp answers 400 to a request line or headers over the limit as to garbage */
	if (code == 400 && c->rx > METRICS_MAX_HEADERS)
		code = 413;
	c->rx = 0;
	switch (code) {
	case 200:
		s->st.scrapes++;
		return;
	case 404:
		s->st.not_found++;
		what = "unknown path (404)";
		break;
	case 405:
		s->st.bad_method++;
		what = "method not allowed (405)";
		break;
	case 413:
		s->st.too_large++;
		what = "request too large (413)";
		break;
	case 400:
		s->st.malformed++;
		what = "malformed request (400)";
		break;
	default:
		s->st.other_errors++;
		what = "request refused";
		break;
	}
	struct sockaddr_storage ss;
	peer_of(c->bev, &ss);
	log_input(ss.ss_family == AF_UNSPEC ? NULL : (struct sockaddr *)&ss,
		  "%s metrics: bad HTTP request: %s, answered %d", s->daemon, what, code);
}

/* New connections: evhttp has made them (callbacks set, cbarg = the connection); attach the
 * close callback, drop the reference that kept the bufferevent alive until now. */
static void adopt_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct metrics_srv *s = arg;

	(void)fd;
	(void)ev;
	for (unsigned i = 0; i < METRICS_MAX_CONNS; i++) {
		struct mconn *c = &s->conns[i];
		bufferevent_data_cb r, w;
		bufferevent_event_cb e;
		void *cbarg;

		if (c->bev == NULL || c->adopted)
			continue;
		bufferevent_getcb(c->bev, &r, &w, &e, &cbarg);
		struct bufferevent *bev = c->bev;
		if (e == NULL || cbarg == NULL) {
			/* evhttp already let it go */
			unhook(c, bev);
			release(c);
		} else {
			c->evcon = cbarg;
			c->adopted = true;
			evhttp_connection_set_closecb(c->evcon, on_close, c);
		}
		bufferevent_decref(bev);
	}
}

static struct bufferevent *new_bev(struct event_base *base, void *arg)
{
	struct metrics_srv *s = arg;
	struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	struct mconn *c = NULL;

	if (bev == NULL)
		return NULL; /* evhttp makes its own: served, not counted */
	s->st.connections++;
	for (unsigned i = 0; i < METRICS_MAX_CONNS && c == NULL; i++)
		if (s->conns[i].bev == NULL)
			c = &s->conns[i];
	if (c == NULL) /* cannot happen: the listener pauses first */
		return bev;
	c->s = s;
	c->bev = bev;
	c->evcon = NULL;
	c->adopted = false;
	c->responded = false;
	bufferevent_incref(bev);
	c->rx = 0;
	evbuffer_add_cb(bufferevent_get_output(bev), out_cb, c);
	evbuffer_add_cb(bufferevent_get_input(bev), in_cb, c);
	s->st.open_connections++;
	event_active(s->adopt, EV_TIMEOUT, 1);
	if (s->st.open_connections >= s->max_conns && !s->paused && s->lis) {
		evconnlistener_disable(s->lis);
		s->paused = true;
		s->st.limit_reached++;
	}
	return bev;
}

static void send_text(struct evhttp_request *req, int code, const char *reason, const char *body)
{
	struct evbuffer *b = evbuffer_new();

	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "text/plain; charset=utf-8");
	if (b != NULL)
		evbuffer_add_printf(b, "%s\n", body);
	evhttp_send_reply(req, code, reason, b);
	if (b != NULL)
		evbuffer_free(b);
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct metrics_srv *s = arg;
	const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(req);
	const char *path = u ? evhttp_uri_get_path(u) : NULL;
	struct evkeyvalq *oh = evhttp_request_get_output_headers(req);
	struct mw w;
	struct evbuffer *b;
	size_t len;
	const char *text;

	if (path == NULL || strcmp(path, "/metrics") != 0) {
		send_text(req, 404, "Not Found", "not found: the metrics are at /metrics");
		return;
	}
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		evhttp_add_header(oh, "Allow", "GET");
		send_text(req, 405, "Method Not Allowed", "method not allowed: GET /metrics");
		return;
	}
	/* a scrape renders anew only METRICS_RENDER_FACTOR times its last rendering's cost
	 * after it; until then the last text is answered (see common/metrics.h) */
	uint64_t t0 = now_ns();
	if (s->cache.s != NULL && t0 < s->cache_until) {
		s->st.cached++;
	} else {
		mw_init(&w);
		s->fn(&w, s->arg);
		text = mw_text(&w, &len);
		strbuf_reset(&s->cache);
		if (w.sb.oom || strbuf_add(&s->cache, text, len) < 0) {
			mw_free(&w);
			strbuf_free(&s->cache);
			send_text(req, 500, "Internal Server Error", "out of memory");
			return;
		}
		mw_free(&w);
		uint64_t t1 = now_ns();
		s->st.renders++;
		s->cache_until = t1 + (t1 - t0) * s->render_factor;
	}
	if ((b = evbuffer_new()) == NULL) {
		send_text(req, 500, "Internal Server Error", "out of memory");
		return;
	}
	evbuffer_add(b, s->cache.s, s->cache.len);
	evhttp_add_header(oh, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

struct metrics_srv *metrics_start(struct event_base *base, const struct cfg_metrics *c,
				  const char *daemon, metrics_collect_fn *fn, void *arg)
{
	struct metrics_srv *s = calloc(1, sizeof(*s));
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (s == NULL)
		return NULL;
	s->base = base;
	s->fn = fn;
	s->arg = arg;
	s->max_conns = METRICS_MAX_CONNS;
	s->render_factor = METRICS_RENDER_FACTOR;
	strbuf_init(&s->cache);
	snprintf(s->daemon, sizeof(s->daemon), "%s", daemon);
	snprintf(s->addr, sizeof(s->addr), "%s", c->addr);
	s->http = evhttp_new(base);
	s->adopt = event_new(base, -1, 0, adopt_cb, s);
	if (s->http == NULL || s->adopt == NULL)
		goto fail;
	evhttp_set_max_headers_size(s->http, METRICS_MAX_HEADERS);
	evhttp_set_max_body_size(s->http, METRICS_MAX_BODY);
	evhttp_set_timeout(s->http, METRICS_TIMEOUT_S);
	/* every method reaches on_request, which answers 405 itself */
	evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
						EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
						EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
						EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	evhttp_set_bevcb(s->http, new_bev, s);
	evhttp_set_gencb(s->http, on_request, s);
	s->bound = evhttp_bind_socket_with_handle(s->http, c->addr, c->port);
	if (s->bound == NULL) {
		log_warn("%s: metrics: cannot listen on %s port %u", daemon, c->addr, c->port);
		goto fail;
	}
	s->lis = evhttp_bound_socket_get_listener(s->bound);
	if (getsockname(evhttp_bound_socket_get_fd(s->bound), (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET)
			s->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		else if (ss.ss_family == AF_INET6)
			s->port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	s->st.enabled = true;
	running = s;
	log_info("%s: metrics on http://%s%s%s:%u/metrics", daemon, strchr(c->addr, ':') ? "[" : "",
		 c->addr, strchr(c->addr, ':') ? "]" : "", s->port);
	return s;
fail:
	metrics_stop(s);
	return NULL;
}

void metrics_stop(struct metrics_srv *s)
{
	if (s == NULL)
		return;
	s->stopping = true;
	/* release the connections not adopted yet (their reference) before evhttp frees them */
	for (unsigned i = 0; i < METRICS_MAX_CONNS; i++) {
		struct mconn *c = &s->conns[i];
		if (c->bev != NULL && !c->adopted) {
			struct bufferevent *bev = c->bev;
			unhook(c, bev);
			c->responded = true;
			release(c);
			bufferevent_decref(bev);
		}
	}
	if (s->http)
		evhttp_free(s->http); /* closes the adopted ones (on_close) */
	if (s->adopt)
		event_free(s->adopt);
	strbuf_free(&s->cache);
	if (running == s)
		running = NULL;
	free(s);
}

uint16_t metrics_port(const struct metrics_srv *s)
{
	return s ? s->port : 0;
}

void metrics_set_timeout(struct metrics_srv *s, unsigned seconds)
{
	evhttp_set_timeout(s->http, (int)seconds);
}

void metrics_set_render_factor(struct metrics_srv *s, unsigned factor)
{
	s->render_factor = factor;
	s->cache_until = 0;
}

void metrics_reload_log(const struct cfg_metrics *run, const struct cfg_metrics *next)
{
	if (!cfg_metrics_same(run, next))
		log_warnx("reload: <metrics> changes take effect at the next restart");
}

void metrics_get_stats(struct metrics_stats *st)
{
	if (running == NULL)
		memset(st, 0, sizeof(*st));
	else
		*st = running->st;
}

void metrics_out_stats(struct out *o, const char *key)
{
	struct metrics_stats st;

	metrics_get_stats(&st);
	out_begin_object(o, key);
	out_bool(o, "enabled", st.enabled);
	out_uint(o, "scrapes", st.scrapes);
	out_uint(o, "renders", st.renders);
	out_uint(o, "cachedAnswers", st.cached);
	out_uint(o, "connections", st.connections);
	out_uint(o, "openConnections", st.open_connections);
	out_uint(o, "connectionLimitReached", st.limit_reached);
	out_uint(o, "closedWithoutAnswer", st.no_response);
	out_begin_object(o, "badRequests");
	out_uint(o, "notFound", st.not_found);
	out_uint(o, "methodNotAllowed", st.bad_method);
	out_uint(o, "tooLarge", st.too_large);
	out_uint(o, "malformed", st.malformed);
	out_uint(o, "other", st.other_errors);
	out_end(o);
	out_end(o);
}

/* ------------------------------------------------------------------ common families */

struct udp_ctx {
	struct mw *w;
	int pass;
};

static int udp_one(const struct udp_sock *sock, void *arg)
{
	struct udp_ctx *u = arg;
	struct udp_stats st;
	char port[8];

	udp_get_stats(sock, &st);
	snprintf(port, sizeof(port), "%u", udp_local_port(sock));
	switch (u->pass) {
	case 0:
		mw_u64(u->w, st.rx, "port", port, NULL);
		break;
	case 1:
		mw_u64(u->w, st.tx, "port", port, NULL);
		break;
	case 2:
		mw_u64(u->w, st.truncated, "port", port, "reason", "truncated", NULL);
		mw_u64(u->w, st.empty, "port", port, "reason", "empty", NULL);
		mw_u64(u->w, st.kernel_drops, "port", port, "reason", "kernelBufferFull", NULL);
		mw_u64(u->w, st.rx_errors, "port", port, "reason", "receiveErrors", NULL);
		break;
	default:
		mw_u64(u->w, st.tx_invalid, "port", port, "reason", "invalid", NULL);
		mw_u64(u->w, st.tx_full, "port", port, "reason", "bufferFull", NULL);
		mw_u64(u->w, st.tx_refused, "port", port, "reason", "refused", NULL);
		break;
	}
	return 0;
}

static void write_udp(struct mw *w)
{
	static const struct {
		const char *name, *help;
	} fam[] = {
	    {"lisp_udp_received_datagrams_total", "UDP datagrams received, per local port"},
	    {"lisp_udp_sent_datagrams_total", "UDP datagrams sent, per local port"},
	    {"lisp_udp_receive_dropped_datagrams_total",
	     "UDP datagrams dropped on receive, per local port and reason"},
	    {"lisp_udp_send_dropped_datagrams_total",
	     "UDP datagrams not sent, per local port and reason"},
	};
	struct udp_ctx u = {w, 0};

	for (u.pass = 0; u.pass < 4; u.pass++) {
		mw_family(w, fam[u.pass].name, METRICS_COUNTER, fam[u.pass].help);
		udp_each(udp_one, &u);
	}
}

void mw_scalars(struct mw *w, const void *stats, const struct mw_scalar *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t v;
		memcpy(&v, (const char *)stats + t[i].off, sizeof(v));
		mw_family(w, t[i].name, t[i].type, t[i].help);
		mw_u64(w, v, NULL);
	}
}

#define CLI_STAT(f) offsetof(struct cli_stats, f)
static const struct mw_scalar cli_scalars[] = {
    {"lisp_cli_sessions_accepted_total", METRICS_COUNTER, CLI_STAT(accepted),
     "CLI sessions opened (TCP and the UNIX socket)"},
    {"lisp_cli_unix_sessions_accepted_total", METRICS_COUNTER, CLI_STAT(unix_accepted),
     "CLI sessions opened on the UNIX socket"},
    {"lisp_cli_connections_refused_total", METRICS_COUNTER, CLI_STAT(refused),
     "CLI connections refused: every slot busy with an active session"},
    {"lisp_cli_sessions_evicted_total", METRICS_COUNTER, CLI_STAT(evicted),
     "CLI sessions closed to admit a new connection"},
    {"lisp_cli_enables_total", METRICS_COUNTER, CLI_STAT(enables), "CLI successful enables on TCP"},
    {"lisp_cli_not_authorized_total", METRICS_COUNTER, CLI_STAT(not_authorized),
     "CLI state-changing commands refused to a read-only session"},
    {"lisp_cli_lines_too_long_total", METRICS_COUNTER, CLI_STAT(lines_too_long),
     "CLI input lines too long"},
    {"lisp_cli_backoff_waits_total", METRICS_COUNTER, CLI_STAT(backoff_waits),
     "CLI prompts and attempts held back by a source's failure back-off"},
    {"lisp_cli_streams_total", METRICS_COUNTER, CLI_STAT(streams),
     "CLI answers sent in batches while the daemon kept serving"},
    {"lisp_cli_streams_abandoned_total", METRICS_COUNTER, CLI_STAT(streams_abandoned),
     "CLI streamed answers whose session closed before the end"},
    {"lisp_cli_stream_batches_total", METRICS_COUNTER, CLI_STAT(stream_batches),
     "CLI batches rendered for streamed answers"},
};

static void write_cli(struct mw *w, const struct cli *cli)
{
	const struct cli_stats *st;

	if (cli == NULL)
		return;
	st = cli_get_stats(cli);
	mw_family(w, "lisp_cli_sessions", METRICS_GAUGE, "CLI sessions open now");
	mw_u64(w, cli_clients(cli), NULL);
	mw_scalars(w, st, cli_scalars, sizeof(cli_scalars) / sizeof(cli_scalars[0]));
	mw_family(w, "lisp_cli_timeouts_total", METRICS_COUNTER,
		  "CLI sessions closed by a timer (login: not logged in in time; idle)");
	mw_u64(w, st->login_timeouts, "timer", "login", NULL);
	mw_u64(w, st->idle_timeouts, "timer", "idle", NULL);
	mw_family(w, "lisp_cli_auth_failures_total", METRICS_COUNTER,
		  "CLI wrong passwords (login) and enable secrets (enable)");
	mw_u64(w, st->login_failures, "kind", "login", NULL);
	mw_u64(w, st->enable_failures, "kind", "enable", NULL);
}

#define SELF_STAT(f) offsetof(struct metrics_stats, f)
static const struct mw_scalar self_scalars[] = {
    {"lisp_metrics_scrapes_total", METRICS_COUNTER, SELF_STAT(scrapes), "GET /metrics answered"},
    {"lisp_metrics_renders_total", METRICS_COUNTER, SELF_STAT(renders),
     "Scrapes rendered anew (the others got the last rendering: cached answers)"},
    {"lisp_metrics_cached_answers_total", METRICS_COUNTER, SELF_STAT(cached),
     "Scrapes answered with the last rendering (asked again too soon after it)"},
    {"lisp_metrics_connections_total", METRICS_COUNTER, SELF_STAT(connections),
     "Connections accepted by the metrics endpoint"},
    {"lisp_metrics_connections", METRICS_GAUGE, SELF_STAT(open_connections),
     "Connections open now at the metrics endpoint"},
    {"lisp_metrics_connection_limit_reached_total", METRICS_COUNTER, SELF_STAT(limit_reached),
     "Times the metrics endpoint stopped accepting at its connection limit"},
    {"lisp_metrics_closed_without_answer_total", METRICS_COUNTER, SELF_STAT(no_response),
     "Metrics connections closed before any answer (timeout, client gone)"},
};

static void write_self(struct mw *w)
{
	struct metrics_stats st;

	metrics_get_stats(&st);
	mw_scalars(w, &st, self_scalars, sizeof(self_scalars) / sizeof(self_scalars[0]));
	mw_family(w, "lisp_metrics_bad_requests_total", METRICS_COUNTER,
		  "Bad requests to the metrics endpoint, by reason");
	mw_u64(w, st.not_found, "reason", "notFound", NULL);
	mw_u64(w, st.bad_method, "reason", "methodNotAllowed", NULL);
	mw_u64(w, st.too_large, "reason", "tooLarge", NULL);
	mw_u64(w, st.malformed, "reason", "malformed", NULL);
	mw_u64(w, st.other_errors, "reason", "other", NULL);
}

void metrics_write_common(struct mw *w, const char *daemon, const struct cli *cli)
{
	struct log_input_stats ls;

	mw_family(w, "lisp_build_info", METRICS_GAUGE, "The daemon and its version (always 1)");
	mw_u64(w, 1, "daemon", daemon, "version", PACKAGE_VERSION, NULL);
	write_udp(w);
	write_cli(w, cli);
	log_input_stats(&ls);
	mw_family(w, "lisp_input_log_messages_total", METRICS_COUNTER,
		  "Log lines about bad input: logged, or suppressed by the rate limit");
	mw_u64(w, ls.logged, "outcome", "logged", NULL);
	mw_u64(w, ls.suppressed, "outcome", "suppressed", NULL);
	write_self(w);
}
