/* SPDX-License-Identifier: ISC */
/*
 * common/priv.h - least privilege for a daemon started as root (docs/architecture.md
 * "Privileges"). common/daemon calls priv_drop once start() has bound the sockets and opened
 * the files, before the loop runs:
 *
 *   - the user of <privileges user group> (common/conf.h struct cfg_priv); without one the
 *     user "lisp" when it exists, else "nobody"; the group: <privileges group>, else the
 *     user's primary group; no supplementary groups;
 *   - the capabilities in `keep` (PRIV_CAP(CAP_NET_ADMIN) | ...) stay in the effective,
 *     permitted, inheritable and ambient sets (ambient: a helper the daemon runs, such as
 *     lisp-xtrd's nft, gets them too); every other capability leaves every set, the
 *     bounding set included; no_new_privs is set, so no exec can gain anything;
 *   - user "root" (any user with uid 0) changes nothing: for debugging, logged as a warning;
 *   - a daemon not started as root keeps what it has.
 *
 * Plain system calls (setresuid/setresgid/setgroups, prctl, capset), no libcap: the kept set
 * is one constant mask and the whole sequence is a dozen calls.
 */
#ifndef COMMON_PRIV_H
#define COMMON_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/capability.h>

struct cfg_priv;

#define PRIV_CAP(c) (1ULL << (c))

/* The user and group a config names (or the defaults), looked up in the user database. */
struct priv_ids {
	uid_t uid;
	gid_t gid;
	char user[64];
	char group[64];
};
/* 0, or -1 with the reason in err (no such user or group, no default user). */
int priv_resolve(const struct cfg_priv *c, struct priv_ids *out, char *err, size_t errlen);

/* Switch to the configured user keeping `keep` (see above); logs what it did. Returns 0 (also
 * when nothing had to change: not root, or user root), or -1 when the drop failed or could
 * not be verified: the caller must not go on running. */
int priv_drop(const struct cfg_priv *c, uint64_t keep);

/* After a priv_drop that switched user: its name, else NULL. */
const char *priv_user(void);

/* "CAP_NET_ADMIN CAP_NET_RAW" for a mask (names of the capabilities a daemon may keep,
 * "cap_N" for others), into buf. */
const char *priv_cap_names(uint64_t mask, char *buf, size_t len);

#endif
