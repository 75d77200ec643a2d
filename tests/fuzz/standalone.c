/* SPDX-License-Identifier: ISC */
/*
 * tests/fuzz/standalone.c - main() for the fuzz targets when libFuzzer is not used
 * (configure without --enable-fuzzing, e.g. gcc or make distcheck).
 *
 * Usage: TARGET [-n MUTATIONS] PATH...  (a PATH is a seed file or a directory of seeds)
 * Runs LLVMFuzzerTestOneInput over every seed and over deterministic mutations of it: every
 * truncation, every single-bit flip, 0x00/0xff stored at every byte, and MUTATIONS (default
 * 2000) pseudo-random multi-byte edits from a fixed seed, so the plain build exercises the
 * decoders' error paths too and two runs do the same work. A crash (sanitizer report or a
 * harness abort) names the seed and the mutation and writes the input to
 * ./crash-standalone-<target> so it can be replayed with `TARGET crash-standalone-<target>`.
 * The last line is "<target>: N runs, 0 crashes".
 */
#include "config.h" /* _GNU_SOURCE etc. (AC_USE_SYSTEM_EXTENSIONS): getopt, dirent */

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Provided by the sanitizer runtimes; NULL in a build without sanitizers. */
extern void __sanitizer_set_death_callback(void (*cb)(void)) __attribute__((weak));

#define SEED_MAX (1u << 20)

static const char *target = "fuzz";
static const char *cur_seed = "";
static char cur_what[64];
static uint8_t *cur_data;
static size_t cur_size;
static unsigned long runs;

/* Async-signal-safe enough for a dying process: write the input and say what it was. */
static void dump_current(void)
{
	static int dumped;
	char path[256];

	if (dumped++ || !cur_data)
		return;
	snprintf(path, sizeof(path), "crash-standalone-%s", target);
	FILE *f = fopen(path, "wb");
	if (f) {
		fwrite(cur_data, 1, cur_size, f);
		fclose(f);
	}
	fprintf(stderr, "%s: CRASH on seed %s, %s (%zu bytes); input written to %s\n", target,
		cur_seed, cur_what, cur_size, path);
}

static void on_signal(int sig)
{
	dump_current();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void run(const uint8_t *d, size_t n)
{
	/* A private copy: ASan then catches a read one past the end of the input. */
	uint8_t *copy = malloc(n ? n : 1);
	if (!copy) {
		perror("malloc");
		exit(2);
	}
	memcpy(copy, d, n);
	cur_data = copy;
	cur_size = n;
	LLVMFuzzerTestOneInput(copy, n);
	cur_data = NULL;
	free(copy);
	runs++;
}

static uint64_t rng_state;
static uint64_t rng(void)
{
	/* xorshift64*: fixed sequence per seed file */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static void mutate(const uint8_t *seed, size_t n, unsigned nmut)
{
	static uint8_t m[SEED_MAX + 64];

	snprintf(cur_what, sizeof(cur_what), "as is");
	run(seed, n);
	for (size_t len = 0; len < n; len++) {
		snprintf(cur_what, sizeof(cur_what), "truncated to %zu", len);
		run(seed, len);
	}
	memcpy(m, seed, n);
	for (size_t i = 0; i < n; i++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			snprintf(cur_what, sizeof(cur_what), "bit %u of byte %zu flipped", bit, i);
			m[i] ^= (uint8_t)(1u << bit);
			run(m, n);
			m[i] ^= (uint8_t)(1u << bit);
		}
		static const uint8_t stores[] = {0x00, 0xff, 0x80, 0x7f};
		for (unsigned k = 0; k < sizeof(stores); k++) {
			snprintf(cur_what, sizeof(cur_what), "byte %zu set to 0x%02x", i,
				 stores[k]);
			m[i] = stores[k];
			run(m, n);
		}
		m[i] = seed[i];
	}
	/* Trailing garbage. */
	memcpy(m, seed, n);
	m[n] = 0;
	snprintf(cur_what, sizeof(cur_what), "one trailing zero byte");
	run(m, n + 1);

	rng_state = 0x9e3779b97f4a7c15ULL ^ n;
	for (unsigned k = 0; k < nmut && n > 0; k++) {
		size_t len = n;
		memcpy(m, seed, n);
		unsigned edits = 1 + (unsigned)(rng() % 4);
		for (unsigned j = 0; j < edits; j++) {
			size_t pos = (size_t)(rng() % len);
			switch (rng() % 4) {
			case 0: /* random byte */
				m[pos] = (uint8_t)rng();
				break;
			case 1: /* small add: counts and lengths off by a few */
				m[pos] = (uint8_t)(m[pos] + (int)(rng() % 9) - 4);
				break;
			case 2: /* cut the tail */
				len = pos + 1;
				break;
			default: /* duplicate a slice (grows the input) */
				if (len + 16 <= sizeof(m)) {
					size_t sl = 1 + (size_t)(rng() % 16);
					if (pos + sl > len)
						sl = len - pos;
					memmove(m + pos + sl, m + pos, len - pos);
					len += sl;
				}
				break;
			}
		}
		snprintf(cur_what, sizeof(cur_what), "random mutation %u", k);
		run(m, len);
	}
}

static int run_file(const char *path, unsigned nmut)
{
	static uint8_t d[SEED_MAX];
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", target, path, strerror(errno));
		return -1;
	}
	size_t n = fread(d, 1, sizeof(d), f);
	int err = ferror(f);
	fclose(f);
	if (err) {
		fprintf(stderr, "%s: %s: read error\n", target, path);
		return -1;
	}
	cur_seed = path;
	mutate(d, n, nmut);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory's files in name order, so the run is reproducible. */
static int run_dir(const char *dir, unsigned nmut, unsigned *nseeds)
{
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	struct dirent *de;

	if (!d) {
		fprintf(stderr, "%s: %s: %s\n", target, dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			char **nn = realloc(names, cap * sizeof(*names));
			if (!nn) {
				perror("realloc");
				exit(2);
			}
			names = nn;
		}
		size_t l = strlen(dir) + strlen(de->d_name) + 2;
		names[n] = malloc(l);
		if (!names[n]) {
			perror("malloc");
			exit(2);
		}
		snprintf(names[n], l, "%s/%s", dir, de->d_name);
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
			if (run_file(names[i], nmut) == -1)
				rc = -1;
			else
				(*nseeds)++;
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned nmut = 2000, nseeds = 0;
	int opt, rc = 0;

	static char tname[128];
	snprintf(tname, sizeof(tname), "%s",
		 strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0]);
	size_t tl = strlen(tname);
	if (tl > 5 && strcmp(tname + tl - 5, ".fuzz") == 0)
		tname[tl - 5] = '\0';
	target = tname;
	while ((opt = getopt(argc, argv, "n:")) != -1) {
		if (opt == 'n')
			nmut = (unsigned)strtoul(optarg, NULL, 10);
		else {
			fprintf(stderr, "usage: %s [-n MUTATIONS] SEED-FILE-OR-DIR...\n", target);
			return 2;
		}
	}
	if (optind == argc) {
		fprintf(stderr, "usage: %s [-n MUTATIONS] SEED-FILE-OR-DIR...\n", target);
		return 2;
	}
	if (__sanitizer_set_death_callback)
		__sanitizer_set_death_callback(dump_current);
	signal(SIGABRT, on_signal);
	signal(SIGSEGV, on_signal);
	signal(SIGBUS, on_signal);
	signal(SIGFPE, on_signal);

	for (int i = optind; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) == -1) {
			fprintf(stderr, "%s: %s: %s\n", target, argv[i], strerror(errno));
			rc = 1;
		} else if (S_ISDIR(st.st_mode)) {
			if (run_dir(argv[i], nmut, &nseeds) == -1)
				rc = 1;
		} else if (run_file(argv[i], nmut) == -1)
			rc = 1;
		else
			nseeds++;
	}
	if (nseeds == 0) {
		fprintf(stderr, "%s: no seed inputs found\n", target);
		rc = 1;
	}
	printf("%s: %lu runs over %u seeds, 0 crashes\n", target, runs, nseeds);
	return rc;
}
