/* SPDX-License-Identifier: ISC */
/*
 * sys/sysctl.h - read and write /proc/sys values by their dotted name, in the current
 * network namespace ("net.ipv4.conf.br-vm.proxy_arp" -> /proc/sys/net/ipv4/conf/br-vm/proxy_arp).
 *
 * Interface names may contain dots: in the per-interface trees (net.ipv4.conf, net.ipv6.conf,
 * net.ipv4.neigh, net.ipv6.neigh) everything between the fourth component and the last one is
 * the interface name, so "net.ipv4.conf.eth0.100.rp_filter" names interface "eth0.100". A name
 * that already contains '/' is taken as a path below /proc/sys as-is (sysctl(8) does the same).
 * Functions return 0 or -errno.
 */
#ifndef SYS_SYSCTL_H
#define SYS_SYSCTL_H

#include <stddef.h>

/* The /proc/sys path of a dotted name; -ENAMETOOLONG / -EINVAL. */
int sysctl_path(const char *name, char *path, size_t len);
int sysctl_set(const char *name, const char *value);
int sysctl_set_int(const char *name, long value);
/* Value without the trailing newline. */
int sysctl_get(const char *name, char *value, size_t len);
int sysctl_get_int(const char *name, long *value);
/* Per-interface key: sysctl_set_if("ipv4", "conf", "br-vm", "proxy_arp", "1"). */
int sysctl_set_if(const char *family, const char *tree, const char *ifname, const char *key,
		  const char *value);

#endif
