/* SPDX-License-Identifier: ISC */
/* tests/unit/metrics_check.h - helpers of the daemons' metrics tests (test_ms_metrics.c,
 * test_mr_metrics.c, test_xtr_metrics.c):
 *
 *   mc_fill(p, size, base)      fills a statistics struct (64-bit counters only) with
 *                               distinct values base, base + 7919, ...
 *   mc_check_exported(json, text, skip)
 *                               every non-zero number of a `show statistics json` answer
 *                               is the value of some sample of the scrape (keys in the
 *                               NULL-terminated `skip` list excepted, each with its reason
 *                               at the call site): with the counters filled with distinct
 *                               values, a counter the CLI shows and the scrape lacks fails.
 *   mc_check_text(text)         every sample belongs to a family announced with # HELP and
 *                               # TYPE before it (histogram samples by their base name),
 *                               each family once, counters named *_total.
 * Include after config.h and cmocka.h. */
#ifndef TESTS_UNIT_METRICS_CHECK_H
#define TESTS_UNIT_METRICS_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline void mc_fill(void *p, size_t size, uint64_t base)
{
	uint64_t *v = p;

	for (size_t i = 0; i < size / sizeof(uint64_t); i++)
		v[i] = base + 7919 * i;
}

static inline int mc_skipped(const char *key, size_t klen, const char *const *skip)
{
	for (size_t i = 0; skip && skip[i]; i++)
		if (strlen(skip[i]) == klen && strncmp(skip[i], key, klen) == 0)
			return 1;
	return 0;
}

/* Returns the number of numbers checked. */
static inline unsigned mc_check_exported(const char *json, const char *text,
					 const char *const *skip)
{
	unsigned checked = 0, missing = 0;
	const char *p = json;

	while ((p = strstr(p, "\": ")) != NULL) {
		const char *ks = p;
		while (ks > json && ks[-1] != '"')
			ks--;
		size_t klen = (size_t)(p - ks);
		const char *v = p + 3;
		p = v;
		if (*v < '0' || *v > '9')
			continue;
		char *end;
		unsigned long long n = strtoull(v, &end, 10);
		if (*end != ',' && *end != '\n' && *end != '\0')
			continue;
		if (n == 0 || mc_skipped(ks, klen, skip))
			continue;
		char needle[32];
		snprintf(needle, sizeof(needle), " %llu\n", n);
		checked++;
		if (strstr(text, needle) == NULL) {
			fprintf(stderr,
				"show statistics \"%.*s\": %llu is in no sample of the scrape\n",
				(int)klen, ks, n);
			missing++;
		}
	}
	assert_int_equal(missing, 0);
	return checked;
}

static inline void mc_check_text(const char *text)
{
	char fam[256] = "", type[32] = "";
	char *seen = calloc(1, strlen(text) + 2); /* "\nname\n..." of the families so far */
	const char *line = text;

	assert_non_null(seen);
	seen[0] = '\n';
	while (*line) {
		const char *nl = strchr(line, '\n');
		assert_non_null(nl); /* every line ends in \n */
		size_t len = (size_t)(nl - line);
		char name[256];
		if (strncmp(line, "# HELP ", 7) == 0) {
			assert_true(sscanf(line + 7, "%255s", fam) == 1);
			char key[260];
			snprintf(key, sizeof(key), "\n%s\n", fam);
			if (strstr(seen, key) != NULL)
				fail_msg("family %s twice", fam);
			strcat(seen, key + 1);
			type[0] = '\0';
		} else if (strncmp(line, "# TYPE ", 7) == 0) {
			assert_true(sscanf(line + 7, "%255s %31s", name, type) == 2);
			assert_string_equal(name, fam);
			if (strcmp(type, "counter") == 0 &&
			    (strlen(fam) < 6 || strcmp(fam + strlen(fam) - 6, "_total") != 0))
				fail_msg("counter %s not named *_total", fam);
		} else {
			size_t k = strcspn(line, "{ ");
			assert_true(k < sizeof(name) && k < len);
			memcpy(name, line, k);
			name[k] = '\0';
			assert_true(type[0] != '\0');
			if (strcmp(type, "histogram") == 0) {
				size_t fl = strlen(fam);
				assert_true(strncmp(name, fam, fl) == 0);
				assert_true(strcmp(name + fl, "_bucket") == 0 ||
					    strcmp(name + fl, "_sum") == 0 ||
					    strcmp(name + fl, "_count") == 0);
			} else {
				assert_string_equal(name, fam);
			}
		}
		line = nl + 1;
	}
	free(seen);
}

#endif
