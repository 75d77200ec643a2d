/* SPDX-License-Identifier: ISC */
/*
 * common/log.h - logging for every daemon and tool (docs/architecture.md "Logging and errors").
 *
 * Messages go to syslog (facility daemon unless log_set_facility says otherwise) or to
 * stderr with a timestamp; when stderr is the systemd journal ($JOURNAL_STREAM names it), a
 * line is "<PRIORITY>message" instead, so the journal keeps the priority and adds its own
 * time and pid. A test can divert messages to a callback (log_set_sink). log_warn appends
 * strerror(errno), log_warnx does not; fatal/fatalx are for broken internal invariants only, never
 * for input. The level (LOG_ERR..LOG_DEBUG from <syslog.h>) and per-topic debug flags (control,
 * data, bgp) change at run time (the CLI's `debug` command). Messages about bad input
 * go through log_input/log_input_key: rate limited per source by a bounded table of
 * token buckets (common/ratelimit.h) plus one global bucket; when a source may log
 * again its message ends with "(N similar messages suppressed)".
 */
#ifndef COMMON_LOG_H
#define COMMON_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>
#include <syslog.h>

struct sockaddr;

#define LOG_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* to_stderr: log to stderr with timestamps, else syslog. level: LOG_ERR..LOG_DEBUG.
 * May be called again (e.g. after daemonizing). */
void log_init(const char *progname, int to_stderr, int level);
/* The syslog facility (LOG_DAEMON, LOG_USER, LOG_LOCAL0..LOG_LOCAL7; default LOG_DAEMON);
 * reopens the syslog connection when logging there. */
void log_set_facility(int facility);
int log_get_facility(void);
/* The configuration names of the facilities the daemons accept: "daemon", "user",
 * "local0".."local7" (NULL-terminated), and their values. */
extern const char *const log_facility_names[];
int log_facility_value(int i);
/* Name of a facility ("daemon" for anything unknown). */
const char *log_facility_name(int facility);
/* Is stderr the systemd journal (the "<PRIORITY>message" format)? */
bool log_to_journal(void);
void log_setlevel(int level);
int log_getlevel(void);
const char *log_progname(void);

/* Per-topic debug flags: a topic's debug messages are logged when its flag is set,
 * whatever the level. */
#define LOG_TOPIC_CONTROL 0x01u
#define LOG_TOPIC_DATA	  0x02u
#define LOG_TOPIC_BGP	  0x04u
#define LOG_TOPIC_ALL	  0x07u
void log_set_topics(unsigned mask);
unsigned log_get_topics(void);
/* "control" / "data" / "bgp" -> flag; "all"-> LOG_TOPIC_ALL; else 0. */
unsigned log_topic_from_name(const char *name);
/* Comma-separated names of the set flags ("control,bgp"), or "off". */
const char *log_topics_str(unsigned mask, char *dst, size_t len);
/* The configuration names of the syslog priorities the daemons accept, in order:
 * "error", "warning", "notice", "info", "debug" (NULL-terminated). */
extern const char *const log_level_names[];
/* LOG_ERR .. LOG_DEBUG for log_level_names[i]. */
int log_level_value(int i);
/* Name of a priority ("info" for anything unknown). */
const char *log_level_name(int pri);

void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);
/* Debug message of a topic (logged if the topic flag is set or the level is debug). */
void log_debug_topic(unsigned topic, const char *fmt, ...) LOG_PRINTF(2, 3);
noreturn void fatal(const char *fmt, ...) LOG_PRINTF(1, 2);
noreturn void fatalx(const char *fmt, ...) LOG_PRINTF(1, 2);
/* Generic entry point: pri is a syslog priority. */
void log_msg(int pri, const char *fmt, ...) LOG_PRINTF(2, 3);
void log_vmsg(int pri, const char *fmt, va_list ap) LOG_PRINTF(2, 0);

/* ---- rate-limited logs about bad input ---- */
/* Logged at LOG_WARNING as "<src>: message" (src: "addr" or "[addr6]", no port).
 * Returns true if the message was emitted, false if suppressed. */
bool log_input(const struct sockaddr *src, const char *fmt, ...) LOG_PRINTF(2, 3);
/* Same with any string as the source key (e.g. a CLI peer, a BGP neighbor name). */
bool log_input_key(const char *key, const char *fmt, ...) LOG_PRINTF(2, 3);
/* Limits: per source `rate`/s with `burst`, at most `max_sources` tracked, and a global
 * cap of `global_rate`/s (burst 2 * global_rate). Defaults: 1/s, 5, 1024, 50/s. */
void log_input_config(uint32_t rate, uint32_t burst, uint32_t max_sources, uint32_t global_rate);
struct log_input_stats {
	uint64_t logged;
	uint64_t suppressed;
};
void log_input_stats(struct log_input_stats *st);
/* Test hook: the clock used by log_input (NULL = now_ns). */
void log_set_clock(uint64_t (*clock)(void));

/* ---- test/embedding hook ---- */
/* Divert every message (already formatted, no newline) to fn; NULL restores the output
 * chosen by log_init. */
typedef void (*log_sink_fn)(int pri, const char *msg, void *arg);
void log_set_sink(log_sink_fn fn, void *arg);

/* internal: topic flags (read by the inline test) */
extern unsigned log_topics_mask;
static inline bool log_topic_on(unsigned topic)
{
	return (log_topics_mask & topic) != 0;
}

#endif
