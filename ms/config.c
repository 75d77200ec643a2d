/* SPDX-License-Identifier: ISC */
/*
 * ms/config.c - lisp-msd configuration: schema/lisp-msd.rng validated XML into a struct
 * ms_cfg (sites, keys, allowed EID prefixes), semantic checks with FILE:LINE errors, the
 * normalized printer used by `lisp-msd -nv`, and freeing. Keys are pre-built here
 * (proto/auth.h lisp_key_new) so a Map-Register never re-keys HMAC state. Sites follow
 * docs/architecture.md "Sites, keys and lifetimes"; key algorithms are RFC 9301 §12.5's. The <bgp>
 * element (schema/bgp.rng) is parsed by the speaker's own bgp_config_parse and printed by
 * bgp_config_print, so -n checks it and -nv shows it like every other part.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "bgp/bgp.h"
#include "common/conf.h"
#include "common/log.h"
#include "common/lpm.h"
#include "ms/ms.h"
#include "proto/auth.h"

static int parse_key(xmlNode *n, struct ms_keycfg *k)
{
	char secret[MS_SECRET_MAX], alg[32], file[512];
	uint32_t id = 0;

	memset(secret, 0, sizeof(secret));
	if (cfg_get_u32(n, "@id", 0, 255, &id) != 0 ||
	    cfg_get_string(n, "@algorithm", alg, sizeof(alg)) != 0)
		return cfg_error(n, "key needs id (0..255) and algorithm");
	/* the one vocabulary of every daemon and tool (proto/auth.h lisp_alg_from_name) */
	if (lisp_alg_from_name(alg, &k->alg) < 0)
		return cfg_error(n, "unknown algorithm \"%s\" (hmac-sha-1 or hmac-sha-256)", alg);
	k->key_id = (uint8_t)id;
	if (cfg_get_secret(n, secret, sizeof(secret), file, sizeof(file)) < 0)
		return -1;
	if (file[0] && (k->secret_file = strdup(file)) == NULL) {
		memset(secret, 0, sizeof(secret));
		return cfg_error(n, "out of memory");
	}
	k->key = lisp_key_new(k->key_id, k->alg, secret, strlen(secret));
	memset(secret, 0, sizeof(secret));
	if (k->key == NULL)
		return cfg_error(n, "cannot build the HMAC key");
	return 0;
}

/* The schema lets <site> hold its children in any order and number (a RelaxNG <interleave>
 * validates in time quadratic in the number of children with libxml2, see
 * schema/lisp-msd.rng); the counts are checked here: at most one <description>, 1 to
 * MS_KEYS_MAX <key>, at least one <eid-prefix>. */
static int parse_site(xmlNode *n, struct ms_site *s)
{
	xmlNode *c, *desc = NULL;
	int bad = 0, life = 0, replay = 0;
	size_t nkey = 0, nprefix = 0;
	static const char *const life_names[] = {"refresh", "persistent", NULL};
	static const char *const replay_names[] = {"strict", "random-nonce", NULL};

	s->line = cfg_line(n);
	if (cfg_get_string(n, "@name", s->name, sizeof(s->name)) != 0)
		return cfg_error(n, "site needs a name");
	if (cfg_get_enum(n, "@lifetime", life_names, &life) < 0)
		bad = 1;
	s->lifetime = life == 1 ? MS_LIFE_PERSISTENT : MS_LIFE_REFRESH;
	if (cfg_get_enum(n, "@replay", replay_names, &replay) < 0)
		bad = 1;
	s->replay = replay == 1 ? MS_REPLAY_RANDOM_NONCE : MS_REPLAY_STRICT;
	bad |= cfg_get_bool(n, "@proxy-reply", &s->proxy_reply) < 0;
	bad |= cfg_get_bool(n, "@merge", &s->merge) < 0;
	CFG_FOREACH(c, n, NULL)
	{
		const char *name = cfg_name(c);
		if (strcmp(name, "key") == 0) {
			nkey++;
		} else if (strcmp(name, "eid-prefix") == 0) {
			nprefix++;
		} else if (strcmp(name, "description") == 0) {
			if (desc != NULL)
				bad |= cfg_error(c,
						 "site %s: a second <description> (the first is at "
						 "line %ld)",
						 s->name, cfg_line(desc)) < 0;
			else
				desc = c;
		}
	}
	if (desc != NULL) {
		char text[128];
		int r = cfg_get_string(desc, NULL, text, sizeof(text));
		if (r < 0)
			bad = 1;
		else if (r == 0 && text[0] && (s->description = strdup(text)) == NULL)
			return cfg_error(n, "out of memory");
	}
	if (nkey == 0)
		bad |= cfg_error(n, "site %s needs at least one <key>", s->name) < 0;
	if (nprefix == 0)
		bad |= cfg_error(n, "site %s needs at least one <eid-prefix>", s->name) < 0;
	s->keys = calloc(nkey == 0 ? 1 : nkey < MS_KEYS_MAX ? nkey : MS_KEYS_MAX, sizeof(*s->keys));
	s->allowed = calloc(nprefix + 1, sizeof(*s->allowed));
	if (s->keys == NULL || s->allowed == NULL)
		return cfg_error(n, "out of memory");
	CFG_FOREACH(c, n, "key")
	{
		if (s->nkeys == MS_KEYS_MAX) {
			bad |= cfg_error(c, "more than %d keys", MS_KEYS_MAX) < 0;
			break;
		}
		for (size_t i = 0; i < s->nkeys; i++) {
			uint32_t id;
			if (cfg_get_u32(c, "@id", 0, 255, &id) == 0 && id == s->keys[i].key_id)
				bad |=
				    cfg_error(c, "duplicate key id %u in site %s", id, s->name) < 0;
		}
		if (parse_key(c, &s->keys[s->nkeys]) < 0) {
			free(s->keys[s->nkeys].secret_file);
			s->keys[s->nkeys].secret_file = NULL;
			lisp_key_free(s->keys[s->nkeys].key);
			s->keys[s->nkeys].key = NULL;
			bad = 1;
		} else {
			s->nkeys++;
		}
	}
	CFG_FOREACH(c, n, "eid-prefix")
	{
		struct ms_allowed *a = &s->allowed[s->nallowed];
		uint32_t iid = 0;
		int rc;

		if (cfg_get_prefix(c, "@prefix", false, &a->prefix) != 0) {
			bad = 1;
			continue;
		}
		rc = cfg_get_u32(c, "@instance-id", 0, LISP_IID_MAX, &iid);
		if (rc < 0) {
			bad = 1;
			continue;
		}
		if (rc == 0 && a->prefix.iid != 0 && a->prefix.iid != iid) {
			bad |= cfg_error(c, "instance-id %u contradicts the prefix's [%u]", iid,
					 a->prefix.iid) < 0;
			continue;
		}
		if (rc == 0)
			a->prefix.iid = iid;
		a->line = cfg_line(c);
		if (a->prefix.iid > LISP_IID_MAX) {
			bad |= cfg_error(c, "instance ID above %u", LISP_IID_MAX) < 0;
			continue;
		}
		bad |= cfg_get_bool(c, "@more-specifics", &a->more_specifics) < 0;
		s->nallowed++;
	}
	return bad ? -1 : 0;
}

static void free_key(struct ms_keycfg *k)
{
	lisp_key_free(k->key);
	k->key = NULL;
	free(k->secret_file);
	k->secret_file = NULL;
}

void ms_cfg_free(void *p)
{
	struct ms_cfg *c = p;

	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nsites; i++) {
		for (size_t k = 0; k < c->sites[i].nkeys; k++)
			free_key(&c->sites[i].keys[k]);
		free(c->sites[i].keys);
		free(c->sites[i].allowed);
		free(c->sites[i].description);
	}
	free(c->sites);
	free(c->site_index);
	if (c->have_subscriber_key)
		free_key(&c->subscriber_key);
	lpm_free(c->site_table, NULL);
	bgp_config_free(c->bgp);
	free(c);
}

/* The children of <lisp-msd>, found in one pass (a file of 100k sites is read in linear
 * time: no lookup scans the sites again). The schema lets every child of the root repeat
 * (see parse_site for why); an element other than <site> given twice is an error here, at
 * its line. */
enum top_elem {
	T_LISTEN,
	T_CLI,
	T_DATABASE,
	T_LOG,
	T_PRIV,
	T_NEGATIVE,
	T_RATE,
	T_NOTIFY,
	T_PUBSUB,
	T_BGP,
	T_METRICS,
	T__N
};
static const char *const top_names[T__N] = {
    [T_LISTEN] = "listen",   [T_CLI] = "cli",		[T_DATABASE] = "database",
    [T_LOG] = "log",	     [T_PRIV] = "privileges",	[T_NEGATIVE] = "negative-reply",
    [T_RATE] = "rate-limit", [T_NOTIFY] = "map-notify", [T_PUBSUB] = "pubsub",
    [T_BGP] = "bgp",	     [T_METRICS] = "metrics",
};
struct top {
	xmlNode *elem[T__N]; /* the first of each, NULL: absent */
	size_t nsites;
};

static int scan_top(xmlNode *root, struct top *t)
{
	xmlNode *c;
	int bad = 0;

	memset(t, 0, sizeof(*t));
	CFG_FOREACH(c, root, NULL)
	{
		const char *name = cfg_name(c);
		if (strcmp(name, "site") == 0) {
			t->nsites++;
			continue;
		}
		for (size_t i = 0; i < T__N; i++) {
			if (strcmp(name, top_names[i]) != 0)
				continue;
			if (t->elem[i] != NULL)
				bad |= cfg_error(c, "<%s> given twice (the first is at line %ld)",
						 name, cfg_line(t->elem[i])) < 0;
			else
				t->elem[i] = c;
			break;
		}
	}
	return bad ? -1 : 0;
}

struct dup_ctx {
	struct cfg_errs *errs;
	const char *file;
};

static void dup_site(const struct ms_site *s, const struct ms_site *first, void *arg)
{
	struct dup_ctx *d = arg;

	cfg_errs_add(d->errs, d->file, s->line, "duplicate site %s (the first is at line %ld)",
		     s->name, first->line);
}

static int parse_top(xmlNode *root, const struct top *t, struct ms_cfg *c)
{
	xmlNode *n;
	int bad = 0, i = 0;

	if ((n = t->elem[T_LISTEN]) != NULL) {
		bad |= cfg_get_addr(n, "@address", &c->listen) < 0;
		bad |= cfg_get_port(n, "@port", &c->port) < 0;
	}
	/* (both look for their element among all the children: only when there is one) */
	if (t->elem[T_CLI] != NULL)
		bad |= cfg_read_cli(root, &c->cli) < 0;
	if ((n = t->elem[T_DATABASE]) != NULL) {
		static const char *const sync_names[] = {"normal", "full", NULL};
		char rel[sizeof(c->db_path)];
		int r = cfg_get_string(n, "@path", rel, sizeof(rel));
		if (r < 0 ||
		    (r == 0 && cfg_resolve_path(n, rel, c->db_path, sizeof(c->db_path)) < 0))
			bad |= r < 0 ? 1 : cfg_error(n, "database path too long") < 0;
		else if (r == CFG_ABSENT) /* the state directory of the installation */
			snprintf(c->db_path, sizeof(c->db_path), "%s", MS_DEFAULT_DB);
		r = cfg_get_enum(n, "@sync", sync_names, &i);
		if (r < 0)
			bad = 1;
		else if (r == 0)
			c->db_sync_full = i == 1;
	}
	if (t->elem[T_LOG] != NULL)
		bad |= cfg_read_log(root, &c->log) < 0;
	bad |= cfg_read_privileges(root, &c->priv) < 0; /* absent: the defaults */
	if (t->elem[T_METRICS] != NULL)
		bad |= cfg_read_metrics(root, &c->metrics) < 0;
	if ((n = t->elem[T_NEGATIVE]) != NULL) {
		static const char *const nl_names[] = {"reply", "drop", NULL};
		int r = cfg_get_enum(n, "@non-lisp", nl_names, &i);
		if (r < 0)
			bad = 1;
		else if (r == 0)
			c->nonlisp = i == 1 ? MS_NONLISP_DROP : MS_NONLISP_REPLY;
	}
	if ((n = t->elem[T_RATE]) != NULL) {
		bad |= cfg_get_u32(n, "@per-destination", 0, 10000000, &c->rl_dst_rate) < 0;
		bad |= cfg_get_u32(n, "@per-destination-burst", 1, 10000000, &c->rl_dst_burst) < 0;
		bad |= cfg_get_u32(n, "@max-destinations", 1, 1000000, &c->rl_max_dsts) < 0;
	}
	if ((n = t->elem[T_NOTIFY]) != NULL) {
		bad |= cfg_get_u32(n, "@interval-ms", 100, 60000, &c->notify_interval_ms) < 0;
		bad |= cfg_get_u32(n, "@retries", 0, 100, &c->notify_retries) < 0;
		bad |= cfg_get_bool(n, "@old-site", &c->notify_old_site) < 0;
		bad |= cfg_get_u32(n, "@max-pending", 1, 16777216, &c->notify_max_pending) < 0;
		bad |=
		    cfg_get_u32(n, "@retransmits-per-tick", 1, 1000000, &c->notify_tick_budget) < 0;
	}
	if ((n = t->elem[T_PUBSUB]) != NULL) {
		xmlNode *k = cfg_child(n, "subscriber-key");
		bad |= cfg_get_u32(n, "@lifetime", 10, 7 * 86400, &c->subscription_secs) < 0;
		if (k != NULL) {
			if (parse_key(k, &c->subscriber_key) < 0) {
				free_key(&c->subscriber_key);
				bad = 1;
			} else
				c->have_subscriber_key = true;
		}
	}
	return bad ? -1 : 0;
}

void *ms_cfg_parse(const char *path, struct cfg_errs *errs)
{
	xmlDoc *doc = cfg_load(path, "lisp-msd.rng", errs);
	struct ms_cfg *c;
	struct top top;
	xmlNode *root, *n;
	int bad = 0;

	if (doc == NULL)
		return NULL;
	root = cfg_root(doc);
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		cfg_free(doc);
		return NULL;
	}
	c->port = LISP_CONTROL_PORT;
	cfg_cli_init(&c->cli, 2621);
	cfg_metrics_init(&c->metrics, CFG_METRICS_PORT_MSD);
	cfg_log_init(&c->log);
	c->subscription_secs = 86400;
	c->max_subscribers = MS_SUBS_MAX;
	c->notify_interval_ms = 1000;
	c->notify_retries = 3;
	c->notify_old_site = true;
	c->notify_max_pending = MS_NOTIFY_MAX_PENDING;
	c->notify_tick_budget = MS_NOTIFY_TICK_BUDGET;
	c->rl_dst_rate = MS_RL_DST_RATE;
	c->rl_dst_burst = MS_RL_DST_BURST;
	c->rl_max_dsts = MS_RL_DST_MAX;
	bad |= scan_top(root, &top) < 0;
	bad |= parse_top(root, &top, c) < 0;
	c->sites = calloc(top.nsites + 1, sizeof(*c->sites));
	if (c->sites == NULL) {
		bad |= cfg_error(root, "out of memory") < 0;
	} else {
		struct dup_ctx d = {errs, cfg_file(root)};
		CFG_FOREACH(n, root, "site")
		{
			struct ms_site *s = &c->sites[c->nsites];
			c->nsites++; /* counted even when bad, so ms_cfg_free frees its keys */
			if (parse_site(n, s) < 0)
				bad = 1;
		}
		/* duplicate names: one hash pass, not a comparison of every pair */
		long ndup = ms_site_index_build(c, dup_site, &d);
		if (ndup != 0)
			bad |= (ndup < 0 ? cfg_error(root, "out of memory") : -1) < 0;
	}
	if ((n = top.elem[T_BGP]) != NULL && (c->bgp = bgp_config_parse(n, errs)) == NULL)
		bad = 1;
	/* an underlay peer gets a D-ETR's anycast RLOC and aggregates: lisp-msd has none, and
	 * host mappings never go to the underlay */
	for (size_t i = 0; c->bgp && i < c->bgp->n_peers; i++) {
		if (c->bgp->peers[i].role != BGP_ROLE_UNDERLAY)
			continue;
		xmlNode *pn = cfg_child(n, "peer");
		for (size_t k = 0; pn && k < i; k++)
			pn = cfg_next(pn, "peer");
		bad |= cfg_error(pn ? pn : n,
				 "role=\"underlay\" is for a D-ETR (lisp-xtrd): "
				 "lisp-msd announces host mappings to mapping peers only") < 0;
	}
	if (!bad) {
		const struct ms_allowed *dup;
		char pfx[PREFIX_STRLEN];
		if (ms_site_table_build(c, &dup) < 0)
			bad |= (dup ? cfg_errs_add(errs, cfg_file(root), dup->line,
						   "EID prefix %s is configured twice",
						   prefix_str(&dup->prefix, pfx, sizeof(pfx)))
				    : cfg_error(root, "out of memory building the site table")) < 0;
	}
	cfg_free(doc);
	if (bad) {
		ms_cfg_free(c);
		return NULL;
	}
	return c;
}

static void print_key(FILE *out, const char *indent, const char *elem, const struct ms_keycfg *k)
{
	char e[512 * 6];

	fprintf(out, "%s<%s id=\"%u\" algorithm=\"%s\" ", indent, elem, k->key_id,
		lisp_alg_name(k->alg));
	if (k->secret_file != NULL)
		fprintf(out, "secret-file=\"%s\"/>\n",
			cfg_xml_escape(k->secret_file, e, sizeof(e)));
	else
		fprintf(out, "secret=\"(hidden)\"/>\n");
}

void ms_cfg_print(const void *p, FILE *out)
{
	const struct ms_cfg *c = p;
	char a[IPADDR_STRLEN], pfx[PREFIX_STRLEN], e[sizeof(c->db_path) * 6];

	fprintf(out, "<lisp-msd>\n");
	if (c->listen.afi)
		fprintf(out, "  <listen address=\"%s\" port=\"%u\"/>\n",
			ipaddr_str(&c->listen, a, sizeof(a)), c->port);
	else
		fprintf(out, "  <listen port=\"%u\"/>\n", c->port);
	cfg_print_cli(&c->cli, out);
	if (c->db_path[0])
		fprintf(out, "  <database path=\"%s\" sync=\"%s\"/>\n",
			cfg_xml_escape(c->db_path, e, sizeof(e)),
			c->db_sync_full ? "full" : "normal");
	cfg_print_log(&c->log, out);
	cfg_print_privileges(&c->priv, out);
	cfg_print_metrics(&c->metrics, out);
	fprintf(out, "  <negative-reply non-lisp=\"%s\"/>\n",
		c->nonlisp == MS_NONLISP_DROP ? "drop" : "reply");
	fprintf(out,
		"  <rate-limit per-destination=\"%u\" per-destination-burst=\"%u\" "
		"max-destinations=\"%u\"/>\n",
		c->rl_dst_rate, c->rl_dst_burst, c->rl_max_dsts);
	fprintf(out,
		"  <map-notify interval-ms=\"%u\" retries=\"%u\" max-pending=\"%u\" "
		"retransmits-per-tick=\"%u\" old-site=\"%s\"/>\n",
		c->notify_interval_ms, c->notify_retries, c->notify_max_pending,
		c->notify_tick_budget, c->notify_old_site ? "true" : "false");
	fprintf(out, "  <pubsub lifetime=\"%u\">\n", c->subscription_secs);
	if (c->have_subscriber_key)
		print_key(out, "    ", "subscriber-key", &c->subscriber_key);
	fprintf(out, "  </pubsub>\n");
	for (size_t i = 0; i < c->nsites; i++) {
		const struct ms_site *s = &c->sites[i];
		fprintf(out,
			"  <site name=\"%s\" lifetime=\"%s\" proxy-reply=\"%s\" merge=\"%s\" "
			"replay=\"%s\">\n",
			cfg_xml_escape(s->name, e, sizeof(e)), ms_lifetime_name(s->lifetime),
			s->proxy_reply ? "true" : "false", s->merge ? "true" : "false",
			ms_replay_policy_name(s->replay));
		if (s->description != NULL)
			fprintf(out, "    <description>%s</description>\n",
				cfg_xml_escape(s->description, e, sizeof(e)));
		for (size_t k = 0; k < s->nkeys; k++)
			print_key(out, "    ", "key", &s->keys[k]);
		for (size_t k = 0; k < s->nallowed; k++)
			fprintf(out, "    <eid-prefix prefix=\"%s\" more-specifics=\"%s\"/>\n",
				prefix_str(&s->allowed[k].prefix, pfx, sizeof(pfx)),
				s->allowed[k].more_specifics ? "true" : "false");
		fprintf(out, "  </site>\n");
	}
	if (c->bgp)
		bgp_config_print(c->bgp, out, 2);
	fprintf(out, "</lisp-msd>\n");
}
