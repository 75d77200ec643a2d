/* SPDX-License-Identifier: ISC */
/*
 * common/metrics.h - Prometheus metrics: the text exposition format (version 0.0.4) writer
 * and the HTTP endpoint every daemon serves it from (libevent's evhttp), off unless the
 * configuration has <metrics> (common/conf.h struct cfg_metrics, docs/metrics.md).
 *
 * Writer. A scrape is written family by family into a struct mw:
 *
 *   mw_family(w, "lisp_msd_dropped_total", METRICS_COUNTER, "Messages dropped, by reason");
 *   mw_u64(w, st->drop[d], "reason", ms_drop_name(d), NULL);   one sample, labels as
 *                                                              NULL-terminated name/value pairs
 *   mw_family(w, "lisp_msd_register_notify_latency_seconds", METRICS_HISTOGRAM, "...");
 *   mw_hist(w, &hist, NULL);                                   _bucket{le=...} (cumulative,
 *                                                              le="+Inf" last), _sum, _count
 *
 * Every family gets its # HELP and # TYPE lines; label values are escaped (backslash, double
 * quote, newline), HELP text too (backslash, newline). Names are checked: a metric name must
 * match [a-zA-Z_:][a-zA-Z0-9_:]*, a label name [a-zA-Z_][a-zA-Z0-9_]* and not start with "__";
 * a histogram's samples may not carry "le". Misuse (a bad name, a sample without a family, a
 * sample of the wrong kind for its family) writes nothing for that call and sets `err` (tests
 * look at it); the output stays well-formed. Conventions (docs/metrics.md): names start with
 * "lisp_", counters end in "_total", units are base units in the name (_seconds, _bytes).
 *
 * Server. metrics_start binds <metrics address port> (127.0.0.1 by default) and answers
 * GET /metrics with the text the daemon's collect function writes, in the loop, at the
 * moment of the scrape. Anything else is a bad request, counted and logged (rate-limited
 * per source, common/log.h log_input): another path 404, another method on /metrics 405
 * (Allow: GET), a request line or headers over METRICS_MAX_HEADERS or a body over
 * METRICS_MAX_BODY 413 (answered by evhttp), an unparsable request 400. A slow or hostile
 * client cannot hold the loop: at most METRICS_MAX_CONNS connections at once (past that
 * the listener stops accepting until one closes; the kernel's backlog holds the rest), each
 * closed after METRICS_TIMEOUT_S seconds without progress reading or writing, and a client
 * asking again and again gets the last rendering until METRICS_RENDER_FACTOR times its cost
 * has passed, so scrapes never take more than a tenth of the loop. The counters
 * are in every daemon's `show statistics` (metrics_out_stats) and in the scrape itself.
 * One server per process; its listener follows the configuration at start (a reload that
 * changes <metrics> is logged as taking effect at the next restart, like the CLI).
 */
#ifndef COMMON_METRICS_H
#define COMMON_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/json.h"

/* ---- writer ---- */

enum metrics_type { METRICS_COUNTER, METRICS_GAUGE, METRICS_HISTOGRAM };

#define METRICS_NAME_MAX   128 /* a metric or label name, with its NUL */
#define METRICS_LABELS_MAX 8   /* labels of one sample */

struct mw {
	struct strbuf sb; /* the exposition text */
	char family[METRICS_NAME_MAX];
	enum metrics_type type;
	bool open; /* a family was started */
	bool err;  /* a call was refused (see above); sticky */
};

struct mw_label {
	const char *name;
	const char *value;
};

void mw_init(struct mw *w);
void mw_free(struct mw *w);
/* The text so far (always a C string). */
const char *mw_text(const struct mw *w, size_t *len);
/* Start a family: its HELP and TYPE lines. 0, or -1 (bad name: nothing written). */
int mw_family(struct mw *w, const char *name, enum metrics_type type, const char *help);
/* A uint64_t counter of a statistics struct, by its offset there: the daemons' and the
 * CLI's scalar counters as tables, one family with one sample each (mw_scalars). */
struct mw_scalar {
	const char *name;
	enum metrics_type type;
	size_t off; /* offsetof(struct ..._stats, field) */
	const char *help;
};
void mw_scalars(struct mw *w, const void *stats, const struct mw_scalar *t, size_t n);
/* One sample of the current counter or gauge family; labels: name, value, ..., NULL. */
int mw_u64(struct mw *w, uint64_t v, ...);
int mw_double(struct mw *w, double v, ...);
/* The same with an array of labels. */
int mw_sample(struct mw *w, double v, bool is_u64, uint64_t u, const struct mw_label *l, size_t n);

/* A histogram: counts per bucket (upper bounds `le`, increasing), the sum and the count of
 * the observations. Fixed size, no allocation: daemons keep it in their statistics. */
#define METRICS_HIST_MAX 24
struct metrics_hist {
	size_t n;			      /* buckets with a finite upper bound */
	double le[METRICS_HIST_MAX];	      /* their upper bounds (inclusive), increasing */
	uint64_t count[METRICS_HIST_MAX + 1]; /* observations per bucket; [n]: above le[n-1] */
	double sum;
	uint64_t total;
};
/* n <= METRICS_HIST_MAX bounds, strictly increasing (else -1). */
int metrics_hist_init(struct metrics_hist *h, const double *le, size_t n);
void metrics_hist_observe(struct metrics_hist *h, double v);
/* The current histogram family's samples: name_bucket{labels..., le="..."} cumulative up to
 * le="+Inf" (= the count), name_sum, name_count. */
int mw_hist(struct mw *w, const struct metrics_hist *h, ...);

/* ---- server ---- */

#define METRICS_MAX_HEADERS 8192 /* request line and headers, bytes */
#define METRICS_MAX_BODY    1024 /* a request body (GET has none), bytes */
#define METRICS_MAX_CONNS   8	 /* connections open at once */
#define METRICS_TIMEOUT_S   10	 /* seconds without progress reading or writing */
/* A scrape renders anew only this many times the cost of the last rendering after it
 * (before, the last text is answered): however often a client asks, rendering takes at
 * most about 1/(1 + factor) of the loop's time. Prometheus, every 15 s, always gets a
 * fresh one unless a rendering costs more than 1.5 s. */
#define METRICS_RENDER_FACTOR 10

struct event_base;
struct cfg_metrics;
struct metrics_srv;
struct cli;
struct out;

/* Writes the whole scrape: the daemon's families, then metrics_write_common. */
typedef void metrics_collect_fn(struct mw *w, void *arg);

/* Bind c->addr:c->port (c->enabled must be set) and serve. daemon: "lisp-msd" (the log
 * lines and lisp_build_info). NULL on failure (logged). */
struct metrics_srv *metrics_start(struct event_base *base, const struct cfg_metrics *c,
				  const char *daemon, metrics_collect_fn *fn, void *arg);
/* Close the listener and every connection; NULL is a no-op. */
void metrics_stop(struct metrics_srv *s);
/* The bound port (host order), 0 if none. */
uint16_t metrics_port(const struct metrics_srv *s);
/* Testing hooks: another timeout (seconds) for the connections opened from now on; another
 * render factor (0: every scrape renders anew). */
void metrics_set_timeout(struct metrics_srv *s, unsigned seconds);
void metrics_set_render_factor(struct metrics_srv *s, unsigned factor);
/* A reload: <metrics> changes need a restart (logged when they differ). */
void metrics_reload_log(const struct cfg_metrics *run, const struct cfg_metrics *next);

struct metrics_stats {
	uint64_t scrapes;	   /* GET /metrics answered */
	uint64_t renders;	   /* ... rendered anew */
	uint64_t cached;	   /* ... with the last rendering */
	uint64_t connections;	   /* accepted */
	uint64_t no_response;	   /* closed before any answer (timeout, client gone) */
	uint64_t not_found;	   /* 404: another path */
	uint64_t bad_method;	   /* 405: another method on /metrics */
	uint64_t too_large;	   /* 413: request line, headers or body over the limit */
	uint64_t malformed;	   /* 400: not a parsable HTTP request */
	uint64_t other_errors;	   /* any other answer of evhttp's own (e.g. 501) */
	uint64_t limit_reached;	   /* times the listener paused at METRICS_MAX_CONNS */
	unsigned open_connections; /* now */
	bool enabled;		   /* a server runs */
};
/* The process's server (zeros and enabled false when none runs). */
void metrics_get_stats(struct metrics_stats *st);
/* Those counters as an object `key` of a `show statistics` answer (common/out.h). */
void metrics_out_stats(struct out *o, const char *key);

/* The families every daemon has: lisp_build_info, the UDP sockets' counters (common/udpio.h,
 * the same as show statistics' "udp"), the CLI's (cli may be NULL), the rate-limited input
 * logs, and this server's own. daemon: "lisp-msd". */
void metrics_write_common(struct mw *w, const char *daemon, const struct cli *cli);

#endif
