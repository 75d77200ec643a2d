/* SPDX-License-Identifier: ISC */
/*
 * sys/sysctl.c - /proc/sys access by dotted name (see sysctl.h). Interface names with dots
 * are kept whole by mapping the per-interface trees explicitly.
 */
#include "sys/sysctl.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROC_SYS "/proc/sys/"

static int append(char *path, size_t len, size_t *pos, const char *s, size_t n)
{
	if (*pos + n + 1 > len)
		return -ENAMETOOLONG;
	memcpy(path + *pos, s, n);
	*pos += n;
	path[*pos] = '\0';
	return 0;
}

/* Copy n bytes of s, turning '.' into '/' */
static int append_dots(char *path, size_t len, size_t *pos, const char *s, size_t n)
{
	size_t start = *pos;
	int rc = append(path, len, pos, s, n);
	if (rc)
		return rc;
	for (size_t i = start; i < *pos; i++)
		if (path[i] == '.')
			path[i] = '/';
	return 0;
}

static bool is_if_tree(const char *name, size_t *iflen_start)
{
	static const char *const trees[] = {"net.ipv4.conf.", "net.ipv6.conf.", "net.ipv4.neigh.",
					    "net.ipv6.neigh."};
	for (size_t i = 0; i < sizeof(trees) / sizeof(trees[0]); i++) {
		size_t n = strlen(trees[i]);
		if (strncmp(name, trees[i], n) == 0) {
			*iflen_start = n;
			return true;
		}
	}
	return false;
}

int sysctl_path(const char *name, char *path, size_t len)
{
	size_t pos = 0, ifs;
	int rc;

	if (!name || !*name || strstr(name, "..") || name[0] == '/' || name[0] == '.')
		return -EINVAL;
	if ((rc = append(path, len, &pos, PROC_SYS, strlen(PROC_SYS))))
		return rc;
	if (strchr(name, '/')) /* already a path */
		return append(path, len, &pos, name, strlen(name));
	if (is_if_tree(name, &ifs)) {
		const char *last = strrchr(name, '.');
		if (last < name + ifs) /* no key after the interface */
			return -EINVAL;
		if ((rc = append_dots(path, len, &pos, name, ifs)) ||
		    (rc = append(path, len, &pos, name + ifs, (size_t)(last - (name + ifs)))) ||
		    (rc = append(path, len, &pos, "/", 1)) ||
		    (rc = append(path, len, &pos, last + 1, strlen(last + 1))))
			return rc;
		return 0;
	}
	return append_dots(path, len, &pos, name, strlen(name));
}

int sysctl_set(const char *name, const char *value)
{
	char path[512];
	int rc = sysctl_path(name, path, sizeof(path));
	if (rc)
		return rc;
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t n = strlen(value);
	ssize_t w = write(fd, value, n);
	rc = w < 0 ? -errno : (size_t)w != n ? -EIO : 0;
	close(fd);
	return rc;
}

int sysctl_set_int(const char *name, long value)
{
	char s[32];
	snprintf(s, sizeof(s), "%ld", value);
	return sysctl_set(name, s);
}

int sysctl_get(const char *name, char *value, size_t len)
{
	char path[512];
	int rc = sysctl_path(name, path, sizeof(path));
	if (rc)
		return rc;
	if (len == 0)
		return -EINVAL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t r = read(fd, value, len - 1);
	rc = r < 0 ? -errno : 0;
	close(fd);
	if (rc)
		return rc;
	value[r] = '\0';
	while (r > 0 && (value[r - 1] == '\n' || value[r - 1] == ' '))
		value[--r] = '\0';
	return 0;
}

int sysctl_get_int(const char *name, long *value)
{
	char s[64], *end;
	int rc = sysctl_get(name, s, sizeof(s));
	if (rc)
		return rc;
	errno = 0;
	*value = strtol(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	return 0;
}

int sysctl_set_if(const char *family, const char *tree, const char *ifname, const char *key,
		  const char *value)
{
	char path[256];
	if (strchr(ifname, '/') || strcmp(ifname, "..") == 0 || strchr(key, '/'))
		return -EINVAL;
	int n = snprintf(path, sizeof(path), "net/%s/%s/%s/%s", family, tree, ifname, key);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	return sysctl_set(path, value);
}
