/* SPDX-License-Identifier: ISC */
/*
 * tools/reg.h - lisp-register's model: options (command line over an optional config file),
 * their validation, Map-Register construction (RFC 9301 §5.6) split into datagrams, and
 * the judgement of a Map-Notify (§5.7) as the acknowledgement of one of our Map-Registers.
 */
#ifndef TOOLS_REG_H
#define TOOLS_REG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/addr.h"
#include "proto/auth.h"
#include "proto/lisp_msg.h"
#include "tools/client.h"

#define REG_DGRAM_MAX 1400 /* one Map-Register fits a 1500-byte MTU over IPv6 + UDP */
#define REG_PATH_MAX  512
#define REG_NAME_MAX  64
#define REG_MS_MAX    8 /* --ms given this many times at most */

/* A Map-Server beyond the first (--ms repeated, or several "ms" lines). */
struct reg_ms_addr {
	char host[TOOLS_HOST_MAX];
	uint16_t port;
};

struct reg_opts {
	char ms[TOOLS_HOST_MAX];
	uint16_t ms_port;
	/* every other Map-Server: each is registered with independently (tools/regpipe.h) */
	struct reg_ms_addr more_ms[REG_MS_MAX - 1];
	size_t nmore_ms;
	bool ms_from_cli; /* the first --ms replaces the config file's list */
	unsigned window;  /* Map-Registers outstanding per Map-Server (--window) */
	char site[REG_NAME_MAX];
	char key_file[REG_PATH_MAX];
	uint8_t key_id; /* default 1, as every example's site key */
	uint8_t alg;	/* LISP_ALG_HMAC_SHA1_96 / LISP_ALG_HMAC_SHA256_128 */
	/* Sent in every Map-Register (I=1): the Map-Server keeps our nonces per (key ID,
	 * xTR-ID). Default: reg_default_xtr_id (stable per host). */
	uint8_t xtr_id[16];
	uint64_t site_id;
	const char **eid_args; /* --eid values (pointers into argv), resolved by reg_finish */
	size_t neid_args;
	char eids_file[REG_PATH_MAX];
	struct ipaddr rlocs[LISP_MAX_LOCATORS];
	size_t nrlocs;
	bool rlocs_from_cli; /* the first --rloc replaces the config file's list */
	uint8_t priority;
	uint8_t weight;
	uint32_t ttl; /* minutes */
	uint32_t iid;
	bool proxy;
	bool merge;
	bool dereg;
	bool json;
	bool hook;
	bool install_hook;     /* --install-libvirt-hook (tools/hook.h hook_install) */
	bool uninstall_hook;   /* --uninstall-libvirt-hook */
	const char *root;      /* --root DIR: where /etc is for the two above (tests, packaging) */
	bool help;	       /* -h, --help: usage on stdout, exit 0 */
	bool version;	       /* --version */
	bool dereg_on_release; /* config only: deregister on libvirt "release" */
	double timeout;
	unsigned retries;
	char config[REG_PATH_MAX];
	/* hook mode without --config: the default file (or $LISP_REGISTER_CONF) that does not
	 * exist, "" when it was read; named by the error when settings are then missing */
	char config_missing[REG_PATH_MAX];
	/* --libvirt-hook positional arguments */
	const char *hook_domain;
	const char *hook_op;
	const char *hook_subop;
	/* resolved by reg_finish */
	struct lisp_prefix *eids;
	size_t neids;
};

void reg_opts_init(struct reg_opts *o);
/* lisp-register's settings file: $(sysconfdir)/lisp/register.conf (SYSCONFDIR of the
 * build), the one the libvirt hook reads unless --config or $LISP_REGISTER_CONF names
 * another. */
const char *reg_default_conf(void);
/* lisp-register's xTR-ID on this host: the first 16 bytes of SHA-256("lisp-register " +
 * hostname), so every run on one host is the same registrant to the Map-Server and runs
 * on different hosts (libvirt hooks) are different ones. */
void reg_default_xtr_id(uint8_t id[16]);
void reg_opts_free(struct reg_opts *o);
/* Parse argv (two passes: --config/--libvirt-hook first, the config file, then every other
 * option on top). Reads the config file named by --config (or, in hook mode, the one of
 * $LISP_REGISTER_CONF or reg_default_conf() when it exists; when it does not, its path is
 * kept in config_missing). 0 or -1 (err says why: a usage error). Does not validate
 * completeness: see reg_validate. */
int reg_parse_args(int argc, char **argv, struct reg_opts *o, char *err, size_t errlen);
/* "key value" lines, '#' comments: ms (repeatable), site, key-file, key-id, alg, xtr-id, site-id,
 * rloc (repeatable),
 * priority, weight, ttl, iid, proxy-reply, merge, timeout, retries, window, deregister-on-release
 * (yes/no for the booleans). Errors name the line. */
int reg_config_parse(const uint8_t *data, size_t len, struct reg_opts *o, char *err, size_t errlen);
/* Turn --eid arguments into prefixes (with --iid) and append the --eids-file entries. */
int reg_resolve_eids(struct reg_opts *o, char *err, size_t errlen);
/* Everything needed is there and consistent (EIDs must be resolved). */
int reg_validate(const struct reg_opts *o, char *err, size_t errlen);
/* The signing key: --key-file, else $LISP_REGISTER_KEY. NULL and err on failure. */
struct lisp_key *reg_load_key(const struct reg_opts *o, char *err, size_t errlen);

/* The mapping record of one EID as we register it. */
void reg_record(const struct reg_opts *o, const struct lisp_prefix *eid, struct lisp_record *r);
/* How many EIDs from eids[0..n) fit in one Map-Register of at most `maxlen` bytes (and at
 * most LISP_MAX_RECORDS); 0 if not even one fits. */
size_t reg_pack(const struct reg_opts *o, const struct lisp_prefix *eids, size_t n, size_t maxlen);
/* Build and sign one Map-Register for eids[0..n) with want-map-notify set. */
int reg_build(const struct reg_opts *o, const struct lisp_prefix *eids, size_t n, uint64_t nonce,
	      const struct lisp_key *k, struct buf *out, struct proto_err *e);

/* Why a Map-Notify carrying our nonce is refused. */
enum reg_reject {
	REG_REJ_NONE = 0,
	REG_REJ_AUTH,	 /* its signature does not verify with our key */
	REG_REJ_RECORDS, /* it does not acknowledge every EID we registered */
};

/* Judge a datagram as the answer to a Map-Register whose attempts carried nonces[0..nn):
 * XR_IGNORE: not a Map-Notify, malformed, or a nonce we did not send;
 * XR_REJECT: our nonce but the signature does not verify with our key, or it does not
 *            acknowledge every EID we registered (*rej and why say which; rej may be NULL);
 * XR_DONE:   verified and complete; *which = the attempt whose nonce it carries. */
enum xchg_verdict reg_check_notify(const uint8_t *data, size_t len, const uint64_t *nonces,
				   unsigned nn, const struct lisp_key *k,
				   const struct lisp_prefix *eids, size_t n, unsigned *which,
				   enum reg_reject *rej, char *why, size_t whylen);

/* What a run of lisp-register can tell apart (its result in --json, its exit code). */
enum reg_outcome {
	REG_ACKED,	 /* every Map-Register acknowledged by a verified Map-Notify: exit 0 */
	REG_NO_ANSWER,	 /* nothing that answers us after every retry: exit 3 */
	REG_REJECTED,	 /* a Map-Notify with our nonce that we refuse: exit 4 */
	REG_SEND_FAILED, /* this host could not send the Map-Register: exit 1 */
	REG_ERROR,	 /* anything else (name resolution, socket): exit 1 */
	REG_USAGE,	 /* command line, settings, key or EID files: exit 2 */
	REG_PARTIAL,	 /* several Map-Servers: some acknowledged every EID, others not: exit 5 */
};
const char *reg_outcome_name(enum reg_outcome o); /* "acknowledged", "no-answer", ... */
int reg_outcome_exit(enum reg_outcome o);
/* The likely causes of a failed outcome, most likely first: at most max sentences (static
 * strings) into causes[]; the count. No answer: an ICMP error seen (icmp) narrows them
 * (port unreachable: nothing listens there; host unreachable; prohibited: a firewall),
 * else a wrong address or port, a firewall, the Map-Server down, or a Map-Register it
 * refused without answering (lisp-msd's way: wrong key, key ID or algorithm, an EID the
 * site does not allow, a replayed nonce). Rejected: by rej. Send failed: by send_errno. */
size_t reg_likely_causes(enum reg_outcome o, enum reg_reject rej, enum xchg_icmp icmp,
			 int send_errno, const char **causes, size_t max);

#endif
