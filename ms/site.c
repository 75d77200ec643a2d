/*
 * ms/site.c - sites of the Map-Server (docs/architecture.md "Sites, keys and lifetimes"): which
 * site owns an EID prefix, whether a registered prefix is allowed (exact, or more-specific where
 * the site allows more-specifics, RFC 9301 §8.2 "EID-Prefixes ... configured"), key lookup by Key
 * ID (RFC 9301 §5.6). The allowed prefixes of all sites live in one LPM table built at config load;
 * a prefix configured in two sites is a config error.
 */
#include "config.h"

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

/* The table maps each allowed prefix to its struct ms_allowed; the site is found by
 * pointer range. */
static struct ms_site *site_of(const struct ms_cfg *cfg, const struct ms_allowed *a)
{
	for (size_t i = 0; i < cfg->nsites; i++) {
		const struct ms_site *s = &cfg->sites[i];
		if (s->nallowed && a >= s->allowed && a < s->allowed + s->nallowed)
			return &cfg->sites[i];
	}
	return NULL;
}

int ms_site_table_build(struct ms_cfg *cfg, const struct ms_allowed **dup)
{
	if (dup)
		*dup = NULL;
	cfg->site_table = lpm_new();
	if (cfg->site_table == NULL)
		return -1;
	for (size_t i = 0; i < cfg->nsites; i++)
		for (size_t k = 0; k < cfg->sites[i].nallowed; k++) {
			struct ms_allowed *a = &cfg->sites[i].allowed[k];
			void *old = NULL;
			if (lpm_insert(cfg->site_table, &a->prefix, a, &old) < 0)
				return -1;
			if (old != NULL) {
				if (dup)
					*dup = a;
				return -1;
			}
		}
	return 0;
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
	return site_of(cfg, a);
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
		*site = site_of(cfg, a);
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
	for (size_t i = 0; i < cfg->nsites; i++)
		if (strcmp(cfg->sites[i].name, name) == 0)
			return &cfg->sites[i];
	return NULL;
}
