/* SPDX-License-Identifier: ISC */
/*
 * ms/site.c - sites of the Map-Server (docs/architecture.md "Sites, keys and lifetimes"): which
 * site owns an EID prefix, whether a registered prefix is allowed (exact, or more-specific where
 * the site allows more-specifics, RFC 9301 §8.2 "EID-Prefixes ... configured"), key lookup by Key
 * ID (RFC 9301 §5.6). The allowed prefixes of all sites live in one LPM table built at config load;
 * a prefix configured in two sites is a config error. Each allowed prefix points back at its site
 * and site names are hashed, so no lookup scans the sites (configs of 100k sites and more).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/lpm.h"
#include "ms/ms.h"

const char *ms_lifetime_name(enum ms_lifetime l)
{
	return l == MS_LIFE_PERSISTENT ? "persistent" : "refresh";
}

const char *ms_replay_policy_name(enum ms_replay_policy p)
{
	return p == MS_REPLAY_RANDOM_NONCE ? "random-nonce" : "strict";
}

/* Site names: FNV-1a over the name (the config is the operator's, not the network's, so an
 * unseeded hash is enough), open addressing with linear probing. */
size_t ms_name_hash(const char *name)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	return (size_t)(h ^ (h >> 32));
}

static size_t gcd(size_t a, size_t b)
{
	while (b != 0) {
		size_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

long ms_site_index_build(struct ms_cfg *cfg,
			 void (*dup)(const struct ms_site *s, const struct ms_site *first,
				     void *arg),
			 void *arg)
{
	size_t n = 16;
	long ndup = 0;

	while (n < 2 * cfg->nsites)
		n <<= 1;
	free(cfg->site_index);
	cfg->site_index = calloc(n, sizeof(*cfg->site_index));
	if (cfg->site_index == NULL)
		return -1;
	cfg->site_index_mask = n - 1;
	for (size_t i = 0; i < cfg->nsites; i++) {
		size_t h = ms_name_hash(cfg->sites[i].name) & cfg->site_index_mask;
		uint32_t v;
		while ((v = cfg->site_index[h]) != 0 &&
		       strcmp(cfg->sites[v - 1].name, cfg->sites[i].name) != 0)
			h = (h + 1) & cfg->site_index_mask;
		if (v != 0) {
			ndup++;
			if (dup)
				dup(&cfg->sites[i], &cfg->sites[v - 1], arg);
			continue;
		}
		cfg->site_index[h] = (uint32_t)(i + 1);
	}
	return ndup;
}

int ms_site_table_build(struct ms_cfg *cfg, const struct ms_allowed **dup)
{
	size_t n = 0, k = 0;

	if (dup)
		*dup = NULL;
	cfg->site_table = lpm_new();
	if (cfg->site_table == NULL)
		return -1;
	for (size_t i = 0; i < cfg->nsites; i++)
		for (size_t j = 0; j < cfg->sites[i].nallowed; j++) {
			cfg->sites[i].allowed[j].site = &cfg->sites[i];
			n++;
		}
	if (n == 0)
		return 0;
	/* all the allowed prefixes in one array (by site, in file order) */
	struct ms_allowed **all = malloc(n * sizeof(*all));
	if (all == NULL)
		return -1;
	for (size_t i = 0; i < cfg->nsites; i++)
		for (size_t j = 0; j < cfg->sites[i].nallowed; j++)
			all[k++] = &cfg->sites[i].allowed[j];
	/* Inserted in a scattered order (i * step mod n, step coprime with n): in file order,
	 * which is often address order, each insert splits the trie near its top and the
	 * trie's stride index is refilled over a wide range every time. */
	size_t step = 2654435761u % n;
	while (step == 0 || gcd(step, n) != 1)
		step++;
	int rc = 0;
	for (size_t i = 0, x = 0; i < n; i++, x = (x + step) % n) {
		struct ms_allowed *a = all[x];
		void *old = NULL;
		if (lpm_insert(cfg->site_table, &a->prefix, a, &old) < 0) {
			rc = -1;
			break;
		}
		if (old != NULL) {
			/* the one further down the file is the repetition */
			const struct ms_allowed *o = old;
			if (dup)
				*dup = o->line > a->line ? o : a;
			rc = -1;
			break;
		}
	}
	free(all);
	return rc;
}

bool ms_site_allows(const struct ms_site *s, const struct lisp_prefix *p)
{
	for (size_t i = 0; i < s->nallowed; i++) {
		const struct ms_allowed *a = &s->allowed[i];
		if (prefix_eq(&a->prefix, p))
			return true;
		if (a->more_specifics && prefix_contains(&a->prefix, p))
			return true;
	}
	return false;
}

struct ms_site *ms_site_for_prefix(const struct ms_cfg *cfg, const struct lisp_prefix *p,
				   const struct ms_allowed **allowed_out)
{
	struct ms_allowed *a;

	if (cfg->site_table == NULL || (p->afi != LISP_AFI_IPV4 && p->afi != LISP_AFI_IPV6))
		return NULL;
	a = lpm_covering(cfg->site_table, p, NULL);
	if (a == NULL)
		return NULL;
	if (allowed_out)
		*allowed_out = a;
	return a->site;
}

bool ms_site_covers_addr(const struct ms_cfg *cfg, uint32_t iid, const struct ipaddr *addr,
			 struct lisp_prefix *allowed, struct ms_site **site)
{
	struct ms_allowed *a;

	if (cfg->site_table == NULL)
		return false;
	a = lpm_lookup(cfg->site_table, iid, addr, NULL);
	if (a == NULL)
		return false;
	if (allowed)
		*allowed = a->prefix;
	if (site)
		*site = a->site;
	return true;
}

const struct ms_keycfg *ms_site_key(const struct ms_site *s, uint8_t key_id)
{
	for (size_t i = 0; i < s->nkeys; i++)
		if (s->keys[i].key_id == key_id)
			return &s->keys[i];
	return NULL;
}

struct ms_site *ms_site_by_name(const struct ms_cfg *cfg, const char *name)
{
	if (cfg->site_index == NULL) {
		for (size_t i = 0; i < cfg->nsites; i++)
			if (strcmp(cfg->sites[i].name, name) == 0)
				return &cfg->sites[i];
		return NULL;
	}
	for (size_t h = ms_name_hash(name) & cfg->site_index_mask;;
	     h = (h + 1) & cfg->site_index_mask) {
		uint32_t v = cfg->site_index[h];
		if (v == 0)
			return NULL;
		if (strcmp(cfg->sites[v - 1].name, name) == 0)
			return &cfg->sites[v - 1];
	}
}
