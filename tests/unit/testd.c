/* SPDX-License-Identifier: ISC */
/* tests/unit/testd.c - a tiny daemon on common/daemon for tests/unit/test_daemon.c.
 * Config (schema/test.rng): <name>, <value> (0..1000, checked with cfg_get_uint so a bad
 * value is a FILE:LINE error), <state-file>, <reject-reload/>, <log>, <privileges>. start()
 * and a successful reload write "name=N value=V" to the state file, stop() appends "stopped";
 * start() and stop() log "testd: start (debug)" / "testd: stop (debug)" at debug level;
 * reload() refuses a config that has <reject-reload/>, so the test can observe every
 * outcome. Only a config with <privileges> drops privileges (the other tests keep root), and
 * $TESTD_KEEP_CAPS (a hex mask) is what it keeps. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "common/conf.h"
#include "common/daemon.h"
#include "common/log.h"

struct testd_cfg {
	char name[64];
	uint64_t value;
	char state[512];
	bool reject_reload;
	bool has_priv;
	struct cfg_priv priv;
	bool has_log;
	struct cfg_log log;
};

static struct testd_cfg *cur;

static void *testd_parse(const char *path, struct cfg_errs *errs)
{
	xmlDoc *doc = cfg_load(path, "test.rng", errs);
	struct testd_cfg *c;
	xmlNode *root;
	int bad = 0;

	if (doc == NULL)
		return NULL;
	root = cfg_root(doc);
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		cfg_free(doc);
		return NULL;
	}
	bad |= cfg_get_string(root, "name", c->name, sizeof(c->name)) < 0;
	bad |= cfg_get_uint(root, "value", 0, 1000, &c->value) < 0;
	bad |= cfg_get_string(root, "state-file", c->state, sizeof(c->state)) < 0;
	c->reject_reload = cfg_child(root, "reject-reload") != NULL;
	c->has_priv = cfg_child(root, "privileges") != NULL;
	c->has_log = cfg_child(root, "log") != NULL;
	cfg_log_init(&c->log);
	bad |= cfg_read_log(root, &c->log) < 0;
	bad |= cfg_read_privileges(root, &c->priv) < 0;
	if (c->state[0] == '\0')
		bad |= cfg_error(root, "state-file is required") < 0;
	cfg_free(doc);
	if (bad) {
		free(c);
		return NULL;
	}
	return c;
}

static void testd_print(const void *cfg, FILE *out)
{
	const struct testd_cfg *c = cfg;

	fprintf(out, "<testd>\n  <name>%s</name>\n  <value>%llu</value>\n", c->name,
		(unsigned long long)c->value);
	fprintf(out, "  <state-file>%s</state-file>\n", c->state);
	if (c->reject_reload)
		fprintf(out, "  <reject-reload/>\n");
	if (c->has_log)
		cfg_print_log(&c->log, out);
	if (c->has_priv)
		cfg_print_privileges(&c->priv, out);
	fprintf(out, "</testd>\n");
}

static void testd_free(void *cfg)
{
	free(cfg);
}

static int write_state(const struct testd_cfg *c, const char *mode, const char *line)
{
	FILE *f = fopen(c->state, mode);

	if (f == NULL) {
		log_warn("%s", c->state);
		return -1;
	}
	fprintf(f, "%s\n", line);
	fclose(f);
	return 0;
}

static int testd_apply(const struct testd_cfg *c)
{
	char line[128];

	snprintf(line, sizeof(line), "name=%s value=%llu", c->name, (unsigned long long)c->value);
	return write_state(c, "w", line);
}

static int testd_start(struct event_base *base, void *cfg)
{
	cur = cfg;
	log_debug("testd: start (debug)");
	return testd_apply(cur);
}

static int testd_reload(void *old_cfg, void *new_cfg)
{
	struct testd_cfg *n = new_cfg;

	if (n->reject_reload)
		return -1;
	if (testd_apply(n) < 0)
		return -1;
	cur = n;
	return 0;
}

static void testd_stop(void)
{
	log_debug("testd: stop (debug)");
	if (cur)
		write_state(cur, "a", "stopped");
}

static const struct cfg_priv *testd_privileges(const void *cfg)
{
	const struct testd_cfg *c = cfg;

	return c->has_priv ? &c->priv : NULL;
}

static const struct cfg_log *testd_log(const void *cfg)
{
	return &((const struct testd_cfg *)cfg)->log;
}

static struct daemon_desc testd_desc = {
    .name = "testd",
    .default_config = "/nonexistent/testd.xml",
    .version = "1.2.3",
    .usage_extra = "testd: the test daemon of common/daemon\n",
    .parse_config = testd_parse,
    .print_config = testd_print,
    .free_config = testd_free,
    .start = testd_start,
    .reload = testd_reload,
    .stop = testd_stop,
    .privileges = testd_privileges,
    .log = testd_log,
};

int main(int argc, char **argv)
{
	const char *keep = getenv("TESTD_KEEP_CAPS");

	if (keep)
		testd_desc.keep_caps = strtoull(keep, NULL, 16);
	return daemon_main(&testd_desc, argc, argv);
}
