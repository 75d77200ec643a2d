/* SPDX-License-Identifier: ISC */
/*
 * bench/bench_lpm.c - micro-benchmark of common/lpm at map-cache scale.
 *
 * Builds 1M random IPv4 /32 + 10k shorter IPv4 prefixes (lengths 8..30), then separately
 * 1M random IPv6 /128 (+ 10k shorter), and prints one parseable line per table:
 *   lpm v4 entries=N insert_ns=.. single_ns=.. batch_ns=.. trie_single_ns=..
 *       trie_batch_ns=.. bytes_per_entry=.. rss_bytes_per_entry=..
 * single/batch: random addresses that hit a host route; trie_*: random addresses inside
 * the shorter prefixes that are not host routes (the hash miss + trie path).
 * bytes_per_entry = lpm_memory / count; rss_bytes_per_entry = RSS growth while building,
 * divided by the count (includes malloc overhead of the trie nodes).
 * Usage: bench_lpm [hosts] [shorter] [lookups]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/lpm.h"

#define BATCH 64

static uint64_t rng = 0x243f6a8885a308d3ULL;
static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static long rss_bytes(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (!f)
		return 0;
	if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
		resident = 0;
	fclose(f);
	return resident * sysconf(_SC_PAGESIZE);
}

static void rnd_bytes(uint8_t *a, size_t n)
{
	for (size_t i = 0; i < n; i += 8) {
		uint64_t r = rnd();
		for (size_t j = 0; j < 8 && i + j < n; j++)
			a[i + j] = (uint8_t)(r >> (8 * j));
	}
}

static volatile uintptr_t sink;

static double time_single(struct lpm *l, const uint32_t *iid, const struct ipaddr *q, size_t n)
{
	uintptr_t acc = 0;
	double t0 = now_ns();
	for (size_t i = 0; i < n; i++)
		acc += (uintptr_t)lpm_lookup(l, iid[i], &q[i], NULL);
	double t1 = now_ns();
	sink = acc;
	return (t1 - t0) / (double)n;
}

static double time_batch(struct lpm *l, const uint32_t *iid, const struct ipaddr *q, size_t n,
			 size_t *misses)
{
	void *out[BATCH];
	uintptr_t acc = 0;
	size_t miss = 0;
	double t0 = now_ns();
	for (size_t i = 0; i < n; i += BATCH) {
		size_t m = n - i < BATCH ? n - i : BATCH;
		lpm_lookup_batch(l, m, iid + i, q + i, out);
		for (size_t j = 0; j < m; j++) {
			acc += (uintptr_t)out[j];
			miss += out[j] == NULL;
		}
	}
	double t1 = now_ns();
	sink = acc;
	*misses = miss;
	return (t1 - t0) / (double)n;
}

static int run(uint16_t afi, size_t nhost, size_t nshort, size_t nq)
{
	unsigned maxlen = afi == LISP_AFI_IPV4 ? 32 : 128;
	size_t alen = afi == LISP_AFI_IPV4 ? 4 : 16;
	struct lisp_prefix *hosts = calloc(nhost, sizeof(*hosts));
	struct lisp_prefix *shorts = calloc(nshort ? nshort : 1, sizeof(*shorts));
	struct ipaddr *q = calloc(nq, sizeof(*q)), *tq = calloc(nq, sizeof(*tq));
	uint32_t *iid = calloc(nq, sizeof(*iid));
	size_t nq_trie = 0;

	if (!hosts || !shorts || !q || !tq || !iid)
		return -1;
	for (size_t i = 0; i < nhost; i++) {
		hosts[i].afi = afi;
		hosts[i].plen = (uint8_t)maxlen;
		rnd_bytes(hosts[i].a, alen);
	}
	for (size_t i = 0; i < nshort; i++) {
		shorts[i].afi = afi;
		shorts[i].plen = (uint8_t)(afi == LISP_AFI_IPV4 ? 8 + rnd() % 23 : 16 + rnd() % 97);
		rnd_bytes(shorts[i].a, alen);
		prefix_normalize(&shorts[i]);
	}

	long rss0 = rss_bytes();
	struct lpm *l = lpm_new();
	if (!l)
		return -1;
	double t0 = now_ns();
	for (size_t i = 0; i < nhost; i++)
		if (lpm_insert(l, &hosts[i], (void *)(uintptr_t)(i + 1), NULL) < 0)
			return -1;
	for (size_t i = 0; i < nshort; i++)
		if (lpm_insert(l, &shorts[i], (void *)(uintptr_t)(nhost + i + 1), NULL) < 0)
			return -1;
	double t1 = now_ns();
	long rss1 = rss_bytes();
	size_t count = lpm_count(l);

	/* queries: random hosts; and addresses inside short prefixes that are no host route */
	for (size_t i = 0; i < nq; i++) {
		const struct lisp_prefix *h = &hosts[rnd() % nhost];
		q[i].afi = afi;
		memcpy(q[i].a, h->a, 16);
	}
	for (size_t i = 0; nshort && i < nq; i++) {
		const struct lisp_prefix *s = &shorts[rnd() % nshort];
		struct lisp_prefix x = *s;
		rnd_bytes(x.a, alen);
		for (unsigned b = 0; b < s->plen; b++) { /* keep the prefix bits */
			uint8_t m = (uint8_t)(0x80 >> (b % 8));
			x.a[b / 8] = (uint8_t)((x.a[b / 8] & ~m) | (s->a[b / 8] & m));
		}
		tq[nq_trie].afi = afi;
		memcpy(tq[nq_trie].a, x.a, 16);
		nq_trie++;
	}

	size_t miss = 0, tmiss = 0;
	(void)time_single(l, iid, q, nq < 100000 ? nq : 100000); /* warm up */
	double single = time_single(l, iid, q, nq);
	double batch = time_batch(l, iid, q, nq, &miss);
	double tsingle = nq_trie ? time_single(l, iid, tq, nq_trie) : 0;
	double tbatch = nq_trie ? time_batch(l, iid, tq, nq_trie, &tmiss) : 0;

	printf("lpm %s entries=%zu insert_ns=%.1f single_ns=%.1f batch_ns=%.1f "
	       "trie_single_ns=%.1f trie_batch_ns=%.1f bytes_per_entry=%.1f "
	       "rss_bytes_per_entry=%.1f misses=%zu\n",
	       afi == LISP_AFI_IPV4 ? "v4" : "v6", count, (t1 - t0) / (double)(nhost + nshort),
	       single, batch, tsingle, tbatch, (double)lpm_memory(l) / (double)count,
	       (double)(rss1 - rss0) / (double)count, miss);
	lpm_free(l, NULL);
	free(hosts);
	free(shorts);
	free(q);
	free(tq);
	free(iid);
	return miss ? -1 : 0;
}

int main(int argc, char **argv)
{
	size_t nhost = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	size_t nshort = argc > 2 ? strtoul(argv[2], NULL, 10) : 10000;
	size_t nq = argc > 3 ? strtoul(argv[3], NULL, 10) : 2000000;

	if (!nhost || !nq) {
		fprintf(stderr, "usage: bench_lpm [hosts] [shorter] [lookups]\n");
		return 2;
	}
	if (run(LISP_AFI_IPV4, nhost, nshort, nq) < 0 ||
	    run(LISP_AFI_IPV6, nhost, nshort, nq) < 0) {
		fprintf(stderr, "bench_lpm: failed (out of memory or a lookup missed)\n");
		return 1;
	}
	return 0;
}
