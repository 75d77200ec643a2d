/* SPDX-License-Identifier: ISC */
/*
 * xtr/site/hosts.c - the table of local hosts of a site: which EIDs are on the bridge now
 * (detected dynamic EIDs and static ones the core added), their MAC and when a frame from
 * them was last seen; the departure logic (idle for the timeout -> up to N unicast probes one
 * interval apart -> gone), tombstones for EIDs the Map-Server moved away (plain frames do not
 * bring them back for a hold time; an announcement does), and a bounded MAC -> EID table to
 * resolve RARP self-announces. Time is passed in (ms), so tests drive it. A hash of chains
 * over a fixed array: no allocation after init.
 */
#include <stdlib.h>
#include <string.h>

#include "xtr/site/site_int.h"

static uint32_t addr_hash(const struct ipaddr *a)
{
	uint32_t h = 2166136261u ^ a->afi;
	for (size_t i = 0; i < 16; i++)
		h = (h ^ a->a[i]) * 16777619u;
	return h;
}

int site_hosts_init(struct site_hosts *t, uint32_t max, uint64_t timeout_ms, unsigned probes)
{
	memset(t, 0, sizeof(*t));
	if (max == 0)
		max = 1;
	t->cap = max;
	t->nbuckets = 16;
	while (t->nbuckets < max)
		t->nbuckets <<= 1;
	t->maccap = max;
	t->h = calloc(max, sizeof(*t->h));
	t->bucket = calloc(t->nbuckets, sizeof(*t->bucket));
	t->macs = calloc(t->maccap, sizeof(*t->macs));
	t->timeout_ms = timeout_ms;
	t->max_probes = probes;
	if (!t->h || !t->bucket || !t->macs) {
		site_hosts_free(t);
		return -1;
	}
	return 0;
}

void site_hosts_free(struct site_hosts *t)
{
	free(t->h);
	free(t->bucket);
	free(t->macs);
	memset(t, 0, sizeof(*t));
}

struct site_host *site_hosts_find(const struct site_hosts *t, const struct ipaddr *eid)
{
	if (!t->h)
		return NULL;
	uint32_t i = t->bucket[addr_hash(eid) & (t->nbuckets - 1)];
	while (i) {
		struct site_host *h = &t->h[i - 1];
		if (ipaddr_eq(&h->eid, eid))
			return h;
		i = h->next;
	}
	return NULL;
}

static struct site_host *insert(struct site_hosts *t, const struct ipaddr *eid)
{
	for (uint32_t i = 0; i < t->cap; i++) {
		struct site_host *h = &t->h[i];
		if (h->state != SITE_H_FREE)
			continue;
		memset(h, 0, sizeof(*h));
		h->eid = *eid;
		uint32_t *head = &t->bucket[addr_hash(eid) & (t->nbuckets - 1)];
		h->next = *head;
		*head = i + 1;
		t->n++;
		return h;
	}
	return NULL;
}

void site_hosts_remove(struct site_hosts *t, const struct ipaddr *eid)
{
	if (!t->h)
		return;
	uint32_t *link = &t->bucket[addr_hash(eid) & (t->nbuckets - 1)];
	while (*link) {
		struct site_host *h = &t->h[*link - 1];
		if (ipaddr_eq(&h->eid, eid)) {
			*link = h->next;
			memset(h, 0, sizeof(*h));
			t->n--;
			return;
		}
		link = &h->next;
	}
}

enum site_seen site_hosts_seen(struct site_hosts *t, const struct ipaddr *eid, const uint8_t mac[6],
			       bool announce, uint64_t now)
{
	struct site_host *h = site_hosts_find(t, eid);
	if (h && h->state == SITE_H_MOVED) {
		if (!announce && now < h->until)
			return SITE_SEEN_HELD;
		h->state = SITE_H_LOCAL;
		h->is_static = false;
		memcpy(h->mac, mac, 6);
		h->last_seen = now;
		h->probes = 0;
		return SITE_SEEN_NEW;
	}
	if (h) {
		bool changed = memcmp(h->mac, mac, 6) != 0;
		memcpy(h->mac, mac, 6);
		h->last_seen = now;
		h->probes = 0;
		return changed ? SITE_SEEN_MAC : SITE_SEEN_KNOWN;
	}
	h = insert(t, eid);
	if (!h)
		return SITE_SEEN_FULL;
	h->state = SITE_H_LOCAL;
	memcpy(h->mac, mac, 6);
	h->last_seen = now;
	return SITE_SEEN_NEW;
}

struct site_host *site_hosts_add_static(struct site_hosts *t, const struct ipaddr *eid,
					uint64_t now)
{
	struct site_host *h = site_hosts_find(t, eid);
	if (!h)
		h = insert(t, eid);
	if (!h)
		return NULL;
	h->state = SITE_H_LOCAL;
	h->is_static = true;
	h->probes = 0;
	h->last_seen = now;
	return h;
}

int site_hosts_moved(struct site_hosts *t, const struct ipaddr *eid, uint64_t now, uint64_t hold)
{
	struct site_host *h = site_hosts_find(t, eid);
	if (!h || h->state != SITE_H_LOCAL)
		return -1;
	if (hold == 0) {
		site_hosts_remove(t, eid);
		return 0;
	}
	h->state = SITE_H_MOVED;
	h->is_static = false;
	h->probes = 0;
	h->until = now + hold;
	return 0;
}

void site_hosts_tick(struct site_hosts *t, uint64_t now, site_tick_fn fn, void *arg)
{
	for (uint32_t i = 0; i < t->cap; i++) {
		struct site_host *h = &t->h[i];
		if (h->state == SITE_H_MOVED) {
			if (now >= h->until) {
				struct site_host copy = *h;
				site_hosts_remove(t, &copy.eid);
				if (fn)
					fn(arg, SITE_TICK_EXPIRE_MOVED, &copy);
			}
			continue;
		}
		if (h->state != SITE_H_LOCAL || h->is_static || t->timeout_ms == 0)
			continue;
		if (now < h->last_seen + t->timeout_ms)
			continue;
		if (h->probes > 0 && now < h->until)
			continue; /* waiting for an answer to the last probe */
		if (h->probes < t->max_probes) {
			h->probes++;
			h->until = now + SITE_PROBE_INTERVAL_MS;
			if (fn)
				fn(arg, SITE_TICK_PROBE, h);
			continue;
		}
		struct site_host copy = *h;
		site_hosts_remove(t, &copy.eid);
		if (fn)
			fn(arg, SITE_TICK_GONE, &copy);
	}
}

unsigned site_hosts_local(const struct site_hosts *t)
{
	unsigned n = 0;
	for (uint32_t i = 0; i < t->cap; i++)
		n += t->h[i].state == SITE_H_LOCAL;
	return n;
}

void site_hosts_mac_learn(struct site_hosts *t, const uint8_t mac[6], const struct ipaddr *eid,
			  uint64_t now)
{
	uint32_t oldest = 0;
	for (uint32_t i = 0; i < t->nmacs; i++) {
		struct site_mac *m = &t->macs[i];
		if (ipaddr_eq(&m->eid, eid)) { /* an EID has one MAC: rebind */
			memcpy(m->mac, mac, 6);
			m->t = now;
			return;
		}
		if (m->t < t->macs[oldest].t)
			oldest = i;
	}
	struct site_mac *m = t->nmacs < t->maccap ? &t->macs[t->nmacs++] : &t->macs[oldest];
	memcpy(m->mac, mac, 6);
	m->eid = *eid;
	m->t = now;
}

unsigned site_hosts_mac_lookup(const struct site_hosts *t, const uint8_t mac[6], struct ipaddr *out,
			       unsigned max)
{
	unsigned n = 0;
	for (uint32_t i = 0; i < t->nmacs && n < max; i++)
		if (memcmp(t->macs[i].mac, mac, 6) == 0)
			out[n++] = t->macs[i].eid;
	return n;
}
