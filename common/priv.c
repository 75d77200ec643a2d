/* SPDX-License-Identifier: ISC */
/*
 * common/priv.c - the privilege drop of a daemon started as root (see priv.h).
 *
 * Order: look the user and group up (the user database must still be readable), empty the
 * bounding set of all but `keep` (needs CAP_SETPCAP, so before the uid changes), keep the
 * permitted set across the uid change when something is kept (PR_SET_KEEPCAPS), no
 * supplementary groups, then gid and uid (real, effective and saved), then set the
 * effective, permitted and inheritable sets to exactly `keep` and raise `keep` in the
 * ambient set, then no_new_privs. Each step is checked, and the result is verified
 * afterwards (ids, capability sets, bounding set, no way back to uid 0): a daemon that
 * cannot drop what it was told to drop does not run.
 */
#include "config.h"

#include "common/priv.h"
#include "common/conf.h"
#include "common/log.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT		 47
#define PR_CAP_AMBIENT_RAISE	 2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

static char dropped_user[64];

const char *priv_user(void)
{
	return dropped_user[0] ? dropped_user : NULL;
}

int priv_resolve(const struct cfg_priv *c, struct priv_ids *out, char *err, size_t errlen)
{
	const struct passwd *pw;
	const struct group *gr;

	memset(out, 0, sizeof(*out));
	if (c->user[0]) {
		pw = getpwnam(c->user);
		if (pw == NULL) {
			snprintf(err, errlen, "no user %s", c->user);
			return -1;
		}
	} else if ((pw = getpwnam("lisp")) == NULL && (pw = getpwnam("nobody")) == NULL) {
		snprintf(err, errlen,
			 "neither user lisp nor user nobody exists: name one in "
			 "<privileges user>");
		return -1;
	}
	out->uid = pw->pw_uid;
	out->gid = pw->pw_gid;
	snprintf(out->user, sizeof(out->user), "%s", pw->pw_name);
	if (c->group[0]) {
		gr = getgrnam(c->group);
		if (gr == NULL) {
			snprintf(err, errlen, "no group %s", c->group);
			return -1;
		}
		out->gid = gr->gr_gid;
		snprintf(out->group, sizeof(out->group), "%s", gr->gr_name);
	} else if ((gr = getgrgid(out->gid)) != NULL) {
		snprintf(out->group, sizeof(out->group), "%s", gr->gr_name);
	} else {
		snprintf(out->group, sizeof(out->group), "%u", (unsigned)out->gid);
	}
	return 0;
}

const char *priv_cap_names(uint64_t mask, char *buf, size_t len)
{
	static const struct {
		int cap;
		const char *name;
	} names[] = {
	    {CAP_CHOWN, "CAP_CHOWN"},
	    {CAP_DAC_OVERRIDE, "CAP_DAC_OVERRIDE"},
	    {CAP_NET_BIND_SERVICE, "CAP_NET_BIND_SERVICE"},
	    {CAP_NET_BROADCAST, "CAP_NET_BROADCAST"},
	    {CAP_NET_ADMIN, "CAP_NET_ADMIN"},
	    {CAP_NET_RAW, "CAP_NET_RAW"},
	    {CAP_SETUID, "CAP_SETUID"},
	    {CAP_SETGID, "CAP_SETGID"},
	    {CAP_SETPCAP, "CAP_SETPCAP"},
	    {CAP_SYS_ADMIN, "CAP_SYS_ADMIN"},
#ifdef CAP_BPF
	    {CAP_BPF, "CAP_BPF"},
#endif
	};
	size_t o = 0;

	if (len == 0)
		return "";
	buf[0] = '\0';
	if (mask == 0) {
		snprintf(buf, len, "none");
		return buf;
	}
	for (int cap = 0; cap < 64; cap++) {
		const char *name = NULL;
		char tmp[16];
		if (!(mask & PRIV_CAP(cap)))
			continue;
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (names[i].cap == cap)
				name = names[i].name;
		if (name == NULL) {
			snprintf(tmp, sizeof(tmp), "cap_%d", cap);
			name = tmp;
		}
		int n = snprintf(buf + o, len - o, "%s%s", o ? " " : "", name);
		if (n < 0 || (size_t)n >= len - o)
			break;
		o += (size_t)n;
	}
	return buf;
}

static int caps_get(uint64_t *eff, uint64_t *prm, uint64_t *inh)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) < 0)
		return -1;
	*eff = (uint64_t)d[1].effective << 32 | d[0].effective;
	*prm = (uint64_t)d[1].permitted << 32 | d[0].permitted;
	*inh = (uint64_t)d[1].inheritable << 32 | d[0].inheritable;
	return 0;
}

/* effective = permitted = inheritable = keep */
static int caps_set(uint64_t keep)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	memset(d, 0, sizeof(d));
	for (int i = 0; i < 2; i++)
		d[i].effective = d[i].permitted = d[i].inheritable = (uint32_t)(keep >> (32 * i));
	return syscall(SYS_capset, &h, d) < 0 ? -1 : 0;
}

/* Is `id` inside a range of /proc/self/uid_map or gid_map? A daemon started as "root" of a
 * user namespace (unshare --map-root-user) cannot switch to an id that has no mapping there.
 * An unreadable map counts as the initial namespace (everything mapped). */
static bool id_mapped(const char *map, unsigned id)
{
	FILE *f = fopen(map, "r");
	unsigned long inside, outside, count;
	bool found = false;

	if (f == NULL)
		return true;
	while (fscanf(f, "%lu %lu %lu", &inside, &outside, &count) == 3)
		if (id >= inside && id - inside < count)
			found = true;
	fclose(f);
	return found;
}

static int fail(const char *what)
{
	log_warn("privileges: %s", what);
	return -1;
}

int priv_drop(const struct cfg_priv *c, uint64_t keep)
{
	struct priv_ids id;
	char err[256], names[256];
	uint64_t eff, prm, inh;
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	int cap;
	bool switch_ids = true;

	if (geteuid() != 0) {
		log_info("privileges: started as uid %u, not root: running with what it was given",
			 (unsigned)geteuid());
		return 0;
	}
	if (priv_resolve(c, &id, err, sizeof(err)) < 0) {
		log_warnx("privileges: %s", err);
		return -1;
	}
	if (id.uid == 0) {
		log_warnx("privileges: <privileges user=\"%s\">: RUNNING AS ROOT WITH EVERY "
			  "PRIVILEGE (for debugging only)",
			  id.user);
		return 0;
	}
	/* what was never held cannot be kept (a container without CAP_NET_RAW, say) */
	if (caps_get(&eff, &prm, &inh) < 0)
		return fail("capget");
	if ((keep & ~prm) != 0) {
		log_warnx("privileges: not held, so not kept: %s",
			  priv_cap_names(keep & ~prm, names, sizeof(names)));
		keep &= prm;
	}
	if (!id_mapped("/proc/self/uid_map", id.uid) || !id_mapped("/proc/self/gid_map", id.gid)) {
		log_warnx("privileges: user %s or group %s has no id in this user namespace: "
			  "keeping its uid 0, dropping the capabilities",
			  id.user, id.group);
		switch_ids = false;
	}

	for (cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
		if (!(keep & PRIV_CAP(cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return fail("cannot empty the bounding set");
	if (switch_ids) {
		if (keep && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
			return fail("PR_SET_KEEPCAPS");
		if (setgroups(0, NULL) < 0)
			return fail("setgroups");
		if (setresgid(id.gid, id.gid, id.gid) < 0)
			return fail("setresgid");
		if (setresuid(id.uid, id.uid, id.uid) < 0)
			return fail("setresuid");
		if (keep && prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
			return fail("PR_SET_KEEPCAPS");
	}
	if (caps_set(keep) < 0)
		return fail("capset");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return fail("clearing the ambient set");
	for (cap = 0; cap < 64; cap++)
		if ((keep & PRIV_CAP(cap)) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			return fail("raising a kept capability in the ambient set");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return fail("PR_SET_NO_NEW_PRIVS");

	/* verify: what a mistake above would have left must not be there */
	if (switch_ids) {
		if (getresuid(&ru, &eu, &su) < 0 || ru != id.uid || eu != id.uid || su != id.uid ||
		    getresgid(&rg, &eg, &sg) < 0 || rg != id.gid || eg != id.gid || sg != id.gid ||
		    getgroups(0, NULL) != 0) {
			log_warnx("privileges: the user and group ids did not change as asked");
			return -1;
		}
		if (setresuid(0, 0, 0) == 0 || setresgid(0, 0, 0) == 0) {
			log_warnx("privileges: uid or gid 0 could be taken back");
			return -1;
		}
	}
	if (caps_get(&eff, &prm, &inh) < 0)
		return fail("capget");
	if (eff != keep || prm != keep || inh != keep) {
		log_warnx("privileges: capabilities left 0x%llx/0x%llx/0x%llx, asked 0x%llx",
			  (unsigned long long)eff, (unsigned long long)prm, (unsigned long long)inh,
			  (unsigned long long)keep);
		return -1;
	}
	for (cap = 0; cap < 64; cap++) {
		int r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
		if (r < 0)
			break;
		if (r == 1 && !(keep & PRIV_CAP(cap))) {
			log_warnx("privileges: capability %d is still in the bounding set", cap);
			return -1;
		}
	}
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) {
		log_warnx("privileges: no_new_privs is not set");
		return -1;
	}
	priv_cap_names(keep, names, sizeof(names));
	if (switch_ids) {
		snprintf(dropped_user, sizeof(dropped_user), "%s", id.user);
		log_info("privileges dropped: user %s (uid %u), group %s (gid %u), capabilities: "
			 "%s",
			 id.user, (unsigned)id.uid, id.group, (unsigned)id.gid, names);
	} else {
		log_info("privileges dropped: capabilities: %s", names);
	}
	return 0;
}
