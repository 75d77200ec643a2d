/* SPDX-License-Identifier: ISC */
/*
 * common/log.c - syslog/stderr logging, run-time level and topics, and the rate-limited
 * log_input family (see log.h). Single-threaded like the daemons that use it.
 */
#include "config.h"

#include "common/log.h"
#include "common/ratelimit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 1024

unsigned log_topics_mask;

static const char *log_name = "lisp";
static int log_to_stderr = 1;
static int log_level = LOG_INFO;
static int log_facility = LOG_DAEMON;
static bool log_journal; /* stderr is the journal: "<PRIORITY>message" lines */
static log_sink_fn log_sink;
static void *log_sink_arg;

/* systemd sets JOURNAL_STREAM=DEV:INODE when it connects stdout/stderr to the journal; a
 * stderr redirected elsewhere by the service itself no longer matches. */
static bool stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat sb;
	char end;

	if (js == NULL || sscanf(js, "%llu:%llu%c", &dev, &ino, &end) != 2 ||
	    fstat(STDERR_FILENO, &sb) < 0)
		return false;
	return (unsigned long long)sb.st_dev == dev && (unsigned long long)sb.st_ino == ino;
}

void log_init(const char *progname, int to_stderr, int level)
{
	const char *slash = progname ? strrchr(progname, '/') : NULL;

	log_name = slash ? slash + 1 : (progname ? progname : "lisp");
	log_to_stderr = to_stderr;
	log_level = level;
	log_journal = to_stderr && stderr_is_journal();
	if (!to_stderr)
		openlog(log_name, LOG_PID | LOG_NDELAY, log_facility);
	tzset();
}

void log_set_facility(int facility)
{
	if (facility == log_facility)
		return;
	log_facility = facility;
	if (!log_to_stderr) {
		closelog();
		openlog(log_name, LOG_PID | LOG_NDELAY, log_facility);
	}
}

int log_get_facility(void)
{
	return log_facility;
}

bool log_to_journal(void)
{
	return log_journal;
}

void log_setlevel(int level)
{
	if (level < LOG_EMERG)
		level = LOG_EMERG;
	if (level > LOG_DEBUG)
		level = LOG_DEBUG;
	log_level = level;
}

int log_getlevel(void)
{
	return log_level;
}

const char *log_progname(void)
{
	return log_name;
}

void log_set_topics(unsigned mask)
{
	log_topics_mask = mask & LOG_TOPIC_ALL;
}

unsigned log_get_topics(void)
{
	return log_topics_mask;
}

static const struct {
	const char *name;
	unsigned flag;
} log_topic_names[] = {
    {"control", LOG_TOPIC_CONTROL},
    {"data", LOG_TOPIC_DATA},
    {"bgp", LOG_TOPIC_BGP},
};

unsigned log_topic_from_name(const char *name)
{
	if (name == NULL)
		return 0;
	if (strcmp(name, "all") == 0)
		return LOG_TOPIC_ALL;
	for (size_t i = 0; i < sizeof(log_topic_names) / sizeof(log_topic_names[0]); i++)
		if (strcmp(name, log_topic_names[i].name) == 0)
			return log_topic_names[i].flag;
	return 0;
}

const char *log_topics_str(unsigned mask, char *dst, size_t len)
{
	size_t off = 0;

	if (len == 0)
		return dst;
	dst[0] = '\0';
	for (size_t i = 0; i < sizeof(log_topic_names) / sizeof(log_topic_names[0]); i++) {
		if (!(mask & log_topic_names[i].flag))
			continue;
		int n =
		    snprintf(dst + off, len - off, "%s%s", off ? "," : "", log_topic_names[i].name);
		if (n < 0 || (size_t)n >= len - off)
			break;
		off += (size_t)n;
	}
	if (off == 0)
		snprintf(dst, len, "off");
	return dst;
}

void log_set_sink(log_sink_fn fn, void *arg)
{
	log_sink = fn;
	log_sink_arg = arg;
}

static const char *pri_name(int pri)
{
	switch (pri) {
	case LOG_EMERG:
	case LOG_ALERT:
	case LOG_CRIT:
		return "crit";
	case LOG_ERR:
		return "error";
	case LOG_WARNING:
		return "warning";
	case LOG_NOTICE:
		return "notice";
	case LOG_INFO:
		return "info";
	default:
		return "debug";
	}
}

static void log_emit(int pri, const char *msg)
{
	if (log_sink) {
		log_sink(pri, msg, log_sink_arg);
		return;
	}
	if (!log_to_stderr) {
		syslog(pri, "%s", msg);
		return;
	}
	struct timespec ts;
	struct tm tm;
	char tbuf[32];
	int saved = errno;

	if (log_journal) {
		fprintf(stderr, "<%d>%s\n", pri, msg);
		fflush(stderr);
		errno = saved;
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(tbuf, sizeof(tbuf), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ld %s[%ld]: %s: %s\n", tbuf, ts.tv_nsec / 1000000L, log_name,
		(long)getpid(), pri_name(pri), msg);
	fflush(stderr);
	errno = saved;
}

/* Format and emit without looking at the level. */
static void log_vforce(int pri, const char *fmt, va_list ap, const char *suffix)
{
	char line[LOG_LINE_MAX];
	int n = vsnprintf(line, sizeof(line), fmt, ap);

	if (n < 0)
		snprintf(line, sizeof(line), "(unformattable log message)");
	if (suffix) {
		size_t l = strlen(line);
		snprintf(line + l, sizeof(line) - l, "%s", suffix);
	}
	/* keep a log line one line: control characters (from input) become '?' */
	for (char *c = line; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	log_emit(pri, line);
}

static void log_force(int pri, const char *fmt, ...) LOG_PRINTF(2, 3);
static void log_force(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vforce(pri, fmt, ap, NULL);
	va_end(ap);
}

void log_vmsg(int pri, const char *fmt, va_list ap)
{
	if (pri > log_level)
		return;
	log_vforce(pri, fmt, ap, NULL);
}

void log_msg(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(pri, fmt, ap);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	char suffix[160];
	va_list ap;
	int saved = errno;

	snprintf(suffix, sizeof(suffix), ": %s", strerror(saved));
	if (LOG_WARNING > log_level)
		return;
	va_start(ap, fmt);
	log_vforce(LOG_WARNING, fmt, ap, suffix);
	va_end(ap);
	errno = saved;
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_WARNING, fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_INFO, fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void log_debug_topic(unsigned topic, const char *fmt, ...)
{
	va_list ap;

	if (!(log_topics_mask & topic) && log_level < LOG_DEBUG)
		return;
	va_start(ap, fmt);
	log_vforce(LOG_DEBUG, fmt, ap, NULL);
	va_end(ap);
}

noreturn void fatal(const char *fmt, ...)
{
	char suffix[160];
	va_list ap;

	snprintf(suffix, sizeof(suffix), ": %s", strerror(errno));
	va_start(ap, fmt);
	log_vforce(LOG_CRIT, fmt, ap, suffix);
	va_end(ap);
	abort();
}

noreturn void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vforce(LOG_CRIT, fmt, ap, NULL);
	va_end(ap);
	abort();
}

/* ---- rate-limited input logs ---- */
static struct tb_table *in_table;
static struct tb in_global;
static bool in_global_init;
static uint32_t in_rate = 1, in_burst = 5, in_max = 1024, in_grate = 50;
static struct log_input_stats in_stats;
static uint64_t (*in_clock)(void) = now_ns;

void log_input_config(uint32_t rate, uint32_t burst, uint32_t max_sources, uint32_t global_rate)
{
	in_rate = rate;
	in_burst = burst;
	in_max = max_sources ? max_sources : 1;
	in_grate = global_rate ? global_rate : 1;
	tb_table_free(in_table);
	in_table = NULL;
	in_global_init = false;
	memset(&in_stats, 0, sizeof(in_stats));
}

void log_input_stats(struct log_input_stats *st)
{
	*st = in_stats;
}

void log_set_clock(uint64_t (*clock)(void))
{
	in_clock = clock ? clock : now_ns;
}

static bool log_input_v(const void *key, size_t keylen, const char *label, const char *fmt,
			va_list ap)
{
	uint64_t now = in_clock();

	if (LOG_WARNING > log_level)
		return false;
	if (in_table == NULL) {
		in_table = tb_table_new(in_max, in_rate, in_burst);
		if (in_table == NULL)
			return false;
	}
	if (!in_global_init) {
		tb_init(&in_global, in_grate, 2 * in_grate, now);
		in_global_init = true;
	}
	struct tb_slot *s = tb_table_get(in_table, key, keylen, now, NULL);
	/* the global bucket is only charged when the source itself may log */
	if (!tb_take(&s->tb, now) || !tb_take(&in_global, now)) {
		s->aux++;
		in_stats.suppressed++;
		return false;
	}
	char msg[LOG_LINE_MAX], suffix[64] = "";
	if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
		snprintf(msg, sizeof(msg), "(unformattable log message)");
	if (s->aux)
		snprintf(suffix, sizeof(suffix), " (%llu similar messages suppressed)",
			 (unsigned long long)s->aux);
	s->aux = 0;
	in_stats.logged++;
	log_force(LOG_WARNING, "%s: %s%s", label, msg, suffix);
	return true;
}

bool log_input(const struct sockaddr *src, const char *fmt, ...)
{
	uint8_t key[TB_KEY_MAX];
	size_t keylen = tb_key_sockaddr(src, key);
	char label[INET6_ADDRSTRLEN + 2] = "unknown source";
	va_list ap;
	bool r;

	if (keylen == 5) {
		inet_ntop(AF_INET, key + 1, label, sizeof(label));
	} else if (keylen == 17) {
		label[0] = '[';
		inet_ntop(AF_INET6, key + 1, label + 1, sizeof(label) - 2);
		strcat(label, "]");
	}
	va_start(ap, fmt);
	r = log_input_v(key, keylen, label, fmt, ap);
	va_end(ap);
	return r;
}

bool log_input_key(const char *key, const char *fmt, ...)
{
	char label[80];
	va_list ap;
	bool r;

	snprintf(label, sizeof(label), "%s", key ? key : "unknown source");
	va_start(ap, fmt);
	r = log_input_v(label, strlen(label), label, fmt, ap);
	va_end(ap);
	return r;
}

const char *const log_level_names[] = {"error", "warning", "notice", "info", "debug", NULL};
static const int level_values[] = {LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG};

int log_level_value(int i)
{
	if (i < 0 || (size_t)i >= sizeof(level_values) / sizeof(level_values[0]))
		return LOG_INFO;
	return level_values[i];
}

const char *log_level_name(int pri)
{
	for (size_t i = 0; log_level_names[i]; i++)
		if (level_values[i] == pri)
			return log_level_names[i];
	return "info";
}

const char *const log_facility_names[] = {"daemon", "user",   "local0", "local1",
					  "local2", "local3", "local4", "local5",
					  "local6", "local7", NULL};
static const int facility_values[] = {LOG_DAEMON, LOG_USER,   LOG_LOCAL0, LOG_LOCAL1, LOG_LOCAL2,
				      LOG_LOCAL3, LOG_LOCAL4, LOG_LOCAL5, LOG_LOCAL6, LOG_LOCAL7};

int log_facility_value(int i)
{
	if (i < 0 || (size_t)i >= sizeof(facility_values) / sizeof(facility_values[0]))
		return LOG_DAEMON;
	return facility_values[i];
}

const char *log_facility_name(int facility)
{
	for (size_t i = 0; log_facility_names[i]; i++)
		if (facility_values[i] == facility)
			return log_facility_names[i];
	return "daemon";
}
