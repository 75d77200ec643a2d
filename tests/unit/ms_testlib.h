/* SPDX-License-Identifier: ISC */
/* tests/unit/ms_testlib.h - helpers shared by the Map-Server tests (test_ms_push.c, and
 * test_ms.c, test_ms_request.c, test_ms_notify.c through ms_core_testlib.h, ...): the
 * Map-Server fixture (config file and database in a scratch directory, the keys of the sites
 * their configs define) and the builders of the Map-Registers fed to ms_input(). Everything is
 * static inline or a macro, so a test that does not use a helper does not trip
 * -Wunused-function. Include after config.h. */
#ifndef MS_TESTLIB_H
#define MS_TESTLIB_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/conf.h"
#include "common/log.h"
#include "ms/ms.h"
#include "ms/store.h"
#include "proto/auth.h"

/* ------------------------------------------------------------------ fixture */
#define MS_FX_FIELDS                                                                               \
	struct ms_cfg *cfg;                                                                        \
	struct ms *ms;                                                                             \
	struct ms_store *store;                                                                    \
	char dir[64], cfgpath[128], dbpath[128];                                                   \
	/* sites "dc", "multi", "pers": key id 1, HMAC-SHA-256, "dc-secret" ... */                 \
	struct lisp_key *dc, *mu, *pe

struct ms_fx {
	MS_FX_FIELDS;
};

/* First member of a test's struct fx: f->cfg, f->ms ... name the shared fields and
 * &f->common is the struct ms_fx the helpers take (the same storage). */
#define MS_FX_COMMON                                                                               \
	union {                                                                                    \
		struct ms_fx common;                                                               \
		struct {                                                                           \
			MS_FX_FIELDS;                                                              \
		};                                                                                 \
	}

/* Write xml to the fixture's config file and parse it (NULL: refused; the parser's errors
 * on stderr when show_errors). */
static inline struct ms_cfg *ms_fx_load_cfg(const struct ms_fx *c, const char *xml,
					    bool show_errors)
{
	struct cfg_errs errs;
	FILE *fp = fopen(c->cfgpath, "w");

	assert_non_null(fp);
	fputs(xml, fp);
	fclose(fp);
	cfg_errs_init(&errs);
	struct ms_cfg *cfg = ms_cfg_parse(c->cfgpath, &errs);
	if (cfg == NULL && show_errors)
		fprintf(stderr, "%s", errs.text);
	return cfg;
}

/* A Map-Server on config xml and a new database in /tmp/<name>.XXXXXX, sending to sink. */
static inline void ms_fx_open(struct ms_fx *c, const char *name, const char *xml, bool show_errors,
			      ms_send_fn sink)
{
	char err[256];

	log_set_sink(NULL, NULL);
	snprintf(c->dir, sizeof(c->dir), "/tmp/%s.XXXXXX", name);
	assert_non_null(mkdtemp(c->dir));
	snprintf(c->cfgpath, sizeof(c->cfgpath), "%s/ms.xml", c->dir);
	snprintf(c->dbpath, sizeof(c->dbpath), "%s/ms.db", c->dir);
	c->cfg = ms_fx_load_cfg(c, xml, show_errors);
	assert_non_null(c->cfg);
	c->store = store_open(c->dbpath, false, err, sizeof(err));
	assert_non_null(c->store);
	c->ms = ms_new(c->cfg, c->store, sink, NULL);
	assert_non_null(c->ms);
	c->dc = lisp_key_new(1, LISP_ALG_HMAC_SHA256_128, "dc-secret", 9);
	c->mu = lisp_key_new(1, LISP_ALG_HMAC_SHA256_128, "mu-secret", 9);
	c->pe = lisp_key_new(1, LISP_ALG_HMAC_SHA256_128, "pe-secret", 9);
}

static inline void ms_fx_close(struct ms_fx *c)
{
	char cmd[200];

	ms_free(c->ms);
	store_close(c->store);
	ms_cfg_free(c->cfg);
	lisp_key_free(c->dc);
	lisp_key_free(c->mu);
	lisp_key_free(c->pe);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", c->dir);
	assert_int_equal(system(cmd), 0);
}

/* ------------------------------------------------------------------ builders */
static inline struct ipaddr ip(const char *s)
{
	struct ipaddr a;
	assert_int_equal(ipaddr_parse(s, &a), 0);
	return a;
}

/* The registration of eid (prefix_parse with lenient) that the Map-Server holds, if any. */
static inline const struct ms_reg *ms_test_find(struct ms *ms, const char *eid, bool lenient)
{
	struct lisp_prefix p;
	assert_int_equal(prefix_parse(eid, &p, lenient), 0);
	const struct ms_reg *r = ms_lookup(ms, &p);
	return r && prefix_eq(&r->eid, &p) ? r : NULL;
}

/* A record for eid (prefix_parse with lenient) with the locators of the NULL-terminated list
 * locs (may be NULL), each "ADDR[/PRIO[/WEIGHT]]" (default priority 1, weight 100),
 * multicast priority 255, reachable. */
static inline void ms_test_set_rec(struct lisp_record *r, const char *eid, uint32_t ttl,
				   const char *const *locs, bool lenient)
{
	struct lisp_prefix p;

	memset(r, 0, sizeof(*r));
	assert_int_equal(prefix_parse(eid, &p, lenient), 0);
	lisp_record_set_eid(r, &p);
	r->ttl = ttl;
	for (unsigned i = 0; locs && locs[i]; i++) {
		char buf[64], *pr, *w;
		unsigned prio = 1, weight = 100;
		snprintf(buf, sizeof(buf), "%s", locs[i]);
		if ((pr = strchr(buf, '/')) != NULL) {
			*pr++ = '\0';
			if ((w = strchr(pr, '/')) != NULL) {
				*w++ = '\0';
				weight = (unsigned)atoi(w);
			}
			prio = (unsigned)atoi(pr);
		}
		struct ipaddr a = ip(buf);
		struct lisp_locator *l = &r->loc[r->nloc++];
		l->priority = (uint8_t)prio;
		l->weight = (uint8_t)weight;
		l->mpriority = 255;
		l->flags = LISP_LOC_F_REACHABLE;
		lisp_addr_from_ip(&l->addr, &a);
	}
}

/* Key ID, algorithm and data length of an auth field to be signed with k. */
static inline void ms_test_auth_for(struct lisp_auth_field *a, const struct lisp_key *k)
{
	a->key_id = lisp_key_id(k);
	a->alg_id = lisp_key_alg(k);
	a->len = (uint16_t)lisp_auth_len(a->alg_id);
}

/* Build reg into out, signed with k; the length. */
static inline size_t ms_test_sign_reg(struct lisp_map_register *reg, const struct lisp_key *k,
				      uint8_t *out, size_t cap)
{
	struct buf w;
	size_t off;
	struct proto_err e;

	ms_test_auth_for(&reg->auth, k);
	buf_init_write(&w, out, cap);
	assert_int_equal(lisp_map_register_build(&w, reg, &off, &e), 0);
	assert_int_equal(lisp_auth_sign(&w, off, k, &e), 0);
	return buf_len(&w);
}

/* One turn of the Map-Server: p[0..n) from src:sport at time t. */
static inline void ms_test_feed(struct ms *ms, const uint8_t *p, size_t n, const char *src,
				uint16_t sport, uint64_t t)
{
	struct ipaddr a = ip(src);
	ms_input(ms, p, n, &a, sport, t);
	ms_end_turn(ms);
}

#endif
