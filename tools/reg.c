/* SPDX-License-Identifier: ISC */
/*
 * tools/reg.c - lisp-register's options, config file, Map-Register construction and
 * Map-Notify judgement (RFC 9301 §5.6, §5.7; docs/architecture.md "Map-Register handling").
 *
 * Records: one per EID, TTL --ttl (default 1440 min, 0 with --deregister), A=1 (we speak
 * for the site), every --rloc as a locator with --priority/--weight, multicast priority 255
 * (unused) and flags L|R. Header: M (want-map-notify) always, P with --proxy-reply, a with
 * --merge, I with our xTR-ID (--xtr-id, default stable per host: reg_default_xtr_id) and
 * Site-ID (--site-id, default 0), so the Map-Server keeps our nonces apart from those of
 * the xTRs registering with the same key (docs/lisp-wire.md "Replay protection"). Several EIDs are
 * packed greedily into Map-Registers of at most REG_DGRAM_MAX bytes and LISP_MAX_RECORDS records.
 */
#include "tools/reg.h"
#include "tools/regpipe.h"

#include <errno.h>
#include <getopt.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void reg_default_xtr_id(uint8_t id[16])
{
	char host[256 + 16] = "lisp-register ";
	size_t pre = strlen(host);
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;

	if (gethostname(host + pre, sizeof(host) - pre - 1) != 0)
		host[pre] = '\0';
	host[sizeof(host) - 1] = '\0';
	memset(id, 0, 16);
	if (EVP_Digest(host, strlen(host), md, &mdlen, EVP_sha256(), NULL) && mdlen >= 16)
		memcpy(id, md, 16);
	else
		memcpy(id, "lisp-register", 13); /* still stable */
}

#ifndef SYSCONFDIR
#error "SYSCONFDIR must be defined by the build ($(sysconfdir))"
#endif

const char *reg_default_conf(void)
{
	return SYSCONFDIR "/lisp/register.conf";
}

void reg_opts_init(struct reg_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->ms_port = LISP_CONTROL_PORT;
	o->key_id = 1;
	reg_default_xtr_id(o->xtr_id);
	o->alg = LISP_ALG_HMAC_SHA256_128;
	o->priority = 1;
	o->weight = 100;
	o->ttl = LISP_TTL_DEFAULT;
	o->timeout = 0.5;
	o->retries = 3;
	o->window = REGPIPE_WINDOW_DEFAULT;
}

void reg_opts_free(struct reg_opts *o)
{
	free(o->eid_args);
	free(o->eids);
	o->eid_args = NULL;
	o->eids = NULL;
	o->neid_args = o->neids = 0;
}

/* ------------------------------------------------------------------ several Map-Servers */
/* The first Map-Server goes to o->ms (what a single one always used), the others to
 * o->more_ms; the same Map-Server twice is an error. 0 or -1. */
static int reg_add_ms(struct reg_opts *o, const char *val)
{
	char host[TOOLS_HOST_MAX];
	uint16_t port;

	if (tools_parse_hostport(val, LISP_CONTROL_PORT, host, sizeof(host), &port))
		return -1;
	if (o->ms[0] == '\0') {
		memcpy(o->ms, host, sizeof(o->ms));
		o->ms_port = port;
		return 0;
	}
	if (o->nmore_ms >= REG_MS_MAX - 1 || (!strcmp(o->ms, host) && o->ms_port == port))
		return -1;
	for (size_t i = 0; i < o->nmore_ms; i++)
		if (!strcmp(o->more_ms[i].host, host) && o->more_ms[i].port == port)
			return -1;
	memcpy(o->more_ms[o->nmore_ms].host, host, sizeof(host));
	o->more_ms[o->nmore_ms++].port = port;
	return 0;
}

static int copy_str(char *dst, size_t cap, const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= cap)
		return -1;
	memcpy(dst, s, n + 1);
	return 0;
}

/* One setting, from the command line or the config file (same names). */
static int set_opt(struct reg_opts *o, const char *name, const char *val, char *err, size_t errlen)
{
	unsigned long v;
	double d;

	if (!strcmp(name, "ms")) {
		if (reg_add_ms(o, val))
			return errf(err, errlen, "ms: bad HOST[:PORT] \"%s\", or more than %d", val,
				    REG_MS_MAX);
	} else if (!strcmp(name, "window")) {
		if (tools_parse_uint(val, REGPIPE_WINDOW_MAX, &v) || v == 0)
			return errf(err, errlen, "window: 1..%d expected, got \"%s\"",
				    REGPIPE_WINDOW_MAX, val);
		o->window = (unsigned)v;
	} else if (!strcmp(name, "site")) {
		if (copy_str(o->site, sizeof(o->site), val))
			return errf(err, errlen, "site: empty or longer than %d", REG_NAME_MAX - 1);
	} else if (!strcmp(name, "key-file")) {
		if (copy_str(o->key_file, sizeof(o->key_file), val))
			return errf(err, errlen, "key-file: empty or too long");
	} else if (!strcmp(name, "key-id")) {
		if (tools_parse_uint(val, 255, &v))
			return errf(err, errlen, "key-id: 0..255 expected, got \"%s\"", val);
		o->key_id = (uint8_t)v;
	} else if (!strcmp(name, "alg")) {
		/* the vocabulary of every config (proto/auth.h), short forms included */
		if (lisp_alg_from_name(val, &o->alg))
			return errf(err, errlen,
				    "alg: hmac-sha-1 or hmac-sha-256 expected, got \"%s\"", val);
	} else if (!strcmp(name, "xtr-id")) {
		uint8_t id[16];
		static const uint8_t zero[16];
		if (lisp_xtr_id_parse(val, id) || memcmp(id, zero, 16) == 0)
			return errf(err, errlen,
				    "xtr-id: 1 to 32 hex digits, not all zero, got \"%s\"", val);
		memcpy(o->xtr_id, id, 16);
	} else if (!strcmp(name, "site-id")) {
		if (tools_parse_uint(val, 0xffffffffUL, &v))
			return errf(err, errlen, "site-id: 0..4294967295 expected, got \"%s\"",
				    val);
		o->site_id = v;
	} else if (!strcmp(name, "rloc")) {
		struct ipaddr a;
		if (ipaddr_parse(val, &a))
			return errf(err, errlen, "rloc: bad address \"%s\"", val);
		if (o->nrlocs >= LISP_MAX_LOCATORS)
			return errf(err, errlen, "rloc: at most %d", LISP_MAX_LOCATORS);
		o->rlocs[o->nrlocs++] = a;
	} else if (!strcmp(name, "priority")) {
		if (tools_parse_uint(val, 255, &v))
			return errf(err, errlen, "priority: 0..255 expected, got \"%s\"", val);
		o->priority = (uint8_t)v;
	} else if (!strcmp(name, "weight")) {
		if (tools_parse_uint(val, 100, &v))
			return errf(err, errlen, "weight: 0..100 expected, got \"%s\"", val);
		o->weight = (uint8_t)v;
	} else if (!strcmp(name, "ttl")) {
		if (tools_parse_uint(val, 0xffffffffUL, &v) || v == 0)
			return errf(err, errlen,
				    "ttl: minutes 1..4294967295 expected, got \"%s\" "
				    "(withdraw with --deregister)",
				    val);
		o->ttl = (uint32_t)v;
	} else if (!strcmp(name, "iid")) {
		if (tools_parse_uint(val, LISP_IID_MAX, &v))
			return errf(err, errlen, "iid: 0..%u expected, got \"%s\"", LISP_IID_MAX,
				    val);
		o->iid = (uint32_t)v;
	} else if (!strcmp(name, "timeout")) {
		if (tools_parse_seconds(val, &d))
			return errf(err, errlen, "timeout: seconds in (0, %g] expected, got \"%s\"",
				    TOOLS_MAX_TIMEOUT, val);
		o->timeout = d;
	} else if (!strcmp(name, "retries")) {
		if (tools_parse_uint(val, TOOLS_MAX_RETRIES, &v))
			return errf(err, errlen, "retries: 0..%d expected, got \"%s\"",
				    TOOLS_MAX_RETRIES, val);
		o->retries = (unsigned)v;
	} else if (!strcmp(name, "proxy-reply") || !strcmp(name, "merge") ||
		   !strcmp(name, "deregister-on-release")) {
		bool b;
		if (!strcmp(val, "yes") || !strcmp(val, "true") || !strcmp(val, "1"))
			b = true;
		else if (!strcmp(val, "no") || !strcmp(val, "false") || !strcmp(val, "0"))
			b = false;
		else
			return errf(err, errlen, "%s: yes or no expected, got \"%s\"", name, val);
		if (name[0] == 'p')
			o->proxy = b;
		else if (name[0] == 'm')
			o->merge = b;
		else
			o->dereg_on_release = b;
	} else {
		return errf(err, errlen, "unknown setting \"%s\"", name);
	}
	return 0;
}

int reg_config_parse(const uint8_t *data, size_t len, struct reg_opts *o, char *err, size_t errlen)
{
	struct buf b;
	unsigned lineno = 0;
	char line[1024], e2[TOOLS_ERRLEN];

	buf_init_read(&b, data, len);
	while (buf_left(&b) > 0) {
		size_t k = 0;
		uint8_t c;
		bool comment = false;
		lineno++;
		while (buf_get_u8(&b, &c) == 0 && c != '\n') {
			if (c == '\0')
				return errf(err, errlen, "line %u: NUL byte", lineno);
			if (c == '#')
				comment = true;
			if (comment)
				continue;
			if (k + 1 >= sizeof(line))
				return errf(err, errlen, "line %u: longer than %zu bytes", lineno,
					    sizeof(line) - 1);
			line[k++] = (char)(c == '\t' || c == '\r' ? ' ' : c);
		}
		line[k] = '\0';
		char *name = line, *val, *end;
		while (*name == ' ')
			name++;
		if (!*name)
			continue;
		val = strchr(name, ' ');
		if (!val)
			return errf(err, errlen, "line %u: \"%s\" needs a value", lineno, name);
		*val++ = '\0';
		while (*val == ' ')
			val++;
		end = val + strlen(val);
		while (end > val && end[-1] == ' ')
			*--end = '\0';
		if (!*val || strchr(val, ' '))
			return errf(err, errlen, "line %u: \"%s\" takes one value", lineno, name);
		if (set_opt(o, name, val, e2, sizeof(e2)))
			return errf(err, errlen, "line %u: %s", lineno, e2);
	}
	return 0;
}

enum {
	OPT_MS = 256,
	OPT_SITE,
	OPT_KEY_FILE,
	OPT_KEY_ID,
	OPT_ALG,
	OPT_XTR_ID,
	OPT_SITE_ID,
	OPT_EID,
	OPT_RLOC,
	OPT_PRIORITY,
	OPT_WEIGHT,
	OPT_TTL,
	OPT_IID,
	OPT_PROXY,
	OPT_MERGE,
	OPT_DEREG,
	OPT_EIDS_FILE,
	OPT_TIMEOUT,
	OPT_RETRIES,
	OPT_WINDOW,
	OPT_JSON,
	OPT_HOOK,
	OPT_CONFIG,
	OPT_HELP,
	OPT_VERSION,
	OPT_INSTALL_HOOK,
	OPT_UNINSTALL_HOOK,
	OPT_ROOT,
};

static const struct option longopts[] = {
    {"ms", required_argument, NULL, OPT_MS},
    {"site", required_argument, NULL, OPT_SITE},
    {"key-file", required_argument, NULL, OPT_KEY_FILE},
    {"key-id", required_argument, NULL, OPT_KEY_ID},
    {"alg", required_argument, NULL, OPT_ALG},
    {"xtr-id", required_argument, NULL, OPT_XTR_ID},
    {"site-id", required_argument, NULL, OPT_SITE_ID},
    {"eid", required_argument, NULL, OPT_EID},
    {"rloc", required_argument, NULL, OPT_RLOC},
    {"priority", required_argument, NULL, OPT_PRIORITY},
    {"weight", required_argument, NULL, OPT_WEIGHT},
    {"ttl", required_argument, NULL, OPT_TTL},
    {"iid", required_argument, NULL, OPT_IID},
    {"proxy-reply", no_argument, NULL, OPT_PROXY},
    {"merge", no_argument, NULL, OPT_MERGE},
    {"deregister", no_argument, NULL, OPT_DEREG},
    {"eids-file", required_argument, NULL, OPT_EIDS_FILE},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"retries", required_argument, NULL, OPT_RETRIES},
    {"window", required_argument, NULL, OPT_WINDOW},
    {"json", no_argument, NULL, OPT_JSON},
    {"libvirt-hook", no_argument, NULL, OPT_HOOK},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {"install-libvirt-hook", no_argument, NULL, OPT_INSTALL_HOOK},
    {"uninstall-libvirt-hook", no_argument, NULL, OPT_UNINSTALL_HOOK},
    {"root", required_argument, NULL, OPT_ROOT},
    {NULL, 0, NULL, 0},
};

/* "-h" is the one short option (with --help); everything else is a long option. */
#define REG_SHORTOPTS "+:h"

int reg_parse_args(int argc, char **argv, struct reg_opts *o, char *err, size_t errlen)
{
	int c;
	char e2[TOOLS_ERRLEN];
	const char *conf = NULL;
	bool conf_default = false;

	/* pass 1: where the defaults come from */
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, REG_SHORTOPTS, longopts, NULL)) != -1) {
		if (c == OPT_CONFIG)
			conf = optarg;
		else if (c == OPT_HOOK)
			o->hook = true;
		else if (c == OPT_HELP || c == 'h')
			o->help = true;
		else if (c == OPT_VERSION)
			o->version = true;
		else if (c == OPT_INSTALL_HOOK)
			o->install_hook = true;
		else if (c == OPT_UNINSTALL_HOOK)
			o->uninstall_hook = true;
		else if (c == OPT_ROOT)
			o->root = optarg;
		else if (c == ':')
			return errf(err, errlen, "option %s needs a value", argv[optind - 1]);
		else if (c == '?')
			return errf(err, errlen, "unknown option %s", argv[optind - 1]);
	}
	if (o->help || o->version)
		return 0;
	if (o->install_hook || o->uninstall_hook) {
		/* nothing else goes with them: the hook reads its settings when it runs */
		if (o->install_hook && o->uninstall_hook)
			return errf(err, errlen,
				    "--install-libvirt-hook or --uninstall-libvirt-hook, not both");
		int li = -1;
		optind = 0;
		while ((c = getopt_long(argc, argv, REG_SHORTOPTS, longopts, &li)) != -1)
			if (c != OPT_INSTALL_HOOK && c != OPT_UNINSTALL_HOOK && c != OPT_ROOT)
				return errf(
				    err, errlen,
				    "--%s: the libvirt hook installer takes only --root DIR "
				    "(the hook reads its settings when it runs)",
				    li >= 0 ? longopts[li].name : "?");
		if (optind < argc)
			return errf(err, errlen, "unexpected argument \"%s\"", argv[optind]);
		if (o->root && (o->root[0] != '/' || strlen(o->root) >= REG_PATH_MAX / 2))
			return errf(err, errlen, "--root: an absolute directory expected");
		return 0;
	}
	if (o->root)
		return errf(err, errlen, "--root goes with --install-libvirt-hook");
	if (!conf && o->hook) {
		conf = getenv("LISP_REGISTER_CONF");
		if (!conf || !*conf)
			conf = reg_default_conf();
		if (access(conf, F_OK) != 0) {
			conf_default = true;
			if (copy_str(o->config_missing, sizeof(o->config_missing), conf))
				return errf(err, errlen, "config: empty or too long path");
		}
	}
	if (conf && !conf_default) {
		uint8_t *data;
		size_t len;
		int rc;
		if (copy_str(o->config, sizeof(o->config), conf))
			return errf(err, errlen, "config: empty or too long path");
		if (tools_read_file(conf, TOOLS_FILE_MAX, &data, &len, e2, sizeof(e2)))
			return errf(err, errlen, "config: %s", e2);
		rc = reg_config_parse(data, len, o, e2, sizeof(e2));
		free(data);
		if (rc)
			return errf(err, errlen, "%s: %s", conf, e2);
	}

	/* pass 2: the command line over the config */
	optind = 0;
	while ((c = getopt_long(argc, argv, REG_SHORTOPTS, longopts, NULL)) != -1) {
		const char *name = NULL;
		switch (c) {
		case OPT_MS:
			if (!o->ms_from_cli) {
				o->ms_from_cli = true;
				o->ms[0] = '\0';
				o->nmore_ms = 0;
			}
			name = "ms";
			break;
		case OPT_WINDOW:
			name = "window";
			break;
		case OPT_SITE:
			name = "site";
			break;
		case OPT_KEY_FILE:
			name = "key-file";
			break;
		case OPT_KEY_ID:
			name = "key-id";
			break;
		case OPT_ALG:
			name = "alg";
			break;
		case OPT_XTR_ID:
			name = "xtr-id";
			break;
		case OPT_SITE_ID:
			name = "site-id";
			break;
		case OPT_PRIORITY:
			name = "priority";
			break;
		case OPT_WEIGHT:
			name = "weight";
			break;
		case OPT_TTL:
			name = "ttl";
			break;
		case OPT_IID:
			name = "iid";
			break;
		case OPT_TIMEOUT:
			name = "timeout";
			break;
		case OPT_RETRIES:
			name = "retries";
			break;
		case OPT_RLOC:
			if (!o->rlocs_from_cli) {
				o->rlocs_from_cli = true;
				o->nrlocs = 0;
			}
			name = "rloc";
			break;
		case OPT_EID: {
			const char **n = realloc(o->eid_args, (o->neid_args + 1) * sizeof(*n));
			if (!n)
				return errf(err, errlen, "out of memory");
			o->eid_args = n;
			n[o->neid_args++] = optarg;
			break;
		}
		case OPT_EIDS_FILE:
			if (copy_str(o->eids_file, sizeof(o->eids_file), optarg))
				return errf(err, errlen, "--eids-file: empty or too long path");
			break;
		case OPT_PROXY:
			o->proxy = true;
			break;
		case OPT_MERGE:
			o->merge = true;
			break;
		case OPT_DEREG:
			o->dereg = true;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		default:
			break; /* pass 1 handled the rest */
		}
		if (name && set_opt(o, name, optarg, e2, sizeof(e2)))
			return errf(err, errlen, "--%s", e2);
	}
	if (o->hook) {
		if (argc - optind < 2)
			return errf(err, errlen,
				    "--libvirt-hook: expected DOMAIN OPERATION [SUBOP [EXTRA]]");
		o->hook_domain = argv[optind];
		o->hook_op = argv[optind + 1];
		o->hook_subop = argc - optind > 2 ? argv[optind + 2] : "-";
	} else if (optind < argc) {
		return errf(err, errlen, "unexpected argument \"%s\"", argv[optind]);
	}
	return 0;
}

int reg_resolve_eids(struct reg_opts *o, char *err, size_t errlen)
{
	size_t i;
	char e2[TOOLS_ERRLEN];

	for (i = 0; i < o->neid_args; i++) {
		struct lisp_prefix p, *n;
		if (tools_parse_eid(o->eid_args[i], o->iid, &p))
			return errf(err, errlen, "--eid: bad EID prefix \"%s\"", o->eid_args[i]);
		n = realloc(o->eids, (o->neids + 1) * sizeof(*n));
		if (!n)
			return errf(err, errlen, "out of memory");
		o->eids = n;
		n[o->neids++] = p;
	}
	if (o->eids_file[0]) {
		uint8_t *data;
		size_t len;
		int rc;
		if (tools_read_file(o->eids_file, TOOLS_EID_FILE_MAX, &data, &len, e2, sizeof(e2)))
			return errf(err, errlen, "--eids-file: %s", e2);
		rc = tools_parse_eid_list(data, len, o->iid, &o->eids, &o->neids, e2, sizeof(e2));
		free(data);
		if (rc)
			return errf(err, errlen, "%s: %s", o->eids_file, e2);
	}
	return 0;
}

struct eid_at {
	struct lisp_prefix p;
	size_t i;
};

static int cmp_eid_at(const void *a, const void *b)
{
	const struct eid_at *x = a, *y = b;
	int c = prefix_cmp(&x->p, &y->p);
	return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* The first (in list order) EID of eids[0..n) that an earlier one repeats, in *dup (n:
 * none): a sort, O(n log n) for the 10^5 EIDs of an evacuation. 0, or -1 (memory). */
static int reg_find_duplicate(const struct lisp_prefix *eids, size_t n, size_t *dup)
{
	struct eid_at *v = malloc((n ? n : 1) * sizeof(*v));

	*dup = n;
	if (v == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		v[i].p = eids[i];
		v[i].i = i;
	}
	qsort(v, n, sizeof(*v), cmp_eid_at);
	for (size_t i = 1; i < n; i++)
		if (prefix_eq(&v[i].p, &v[i - 1].p) && v[i].i < *dup)
			*dup = v[i].i;
	free(v);
	return 0;
}

int reg_validate(const struct reg_opts *o, char *err, size_t errlen)
{
	size_t i, j;
	if (!o->ms[0])
		return errf(err, errlen, "--ms HOST[:PORT] is required");
	if (o->neids == 0)
		return errf(err, errlen, "no EID: give --eid PREFIX or --eids-file FILE");
	if (o->nrlocs == 0 && !o->dereg)
		return errf(err, errlen, "--rloc ADDR is required (unless --deregister)");
	if (reg_find_duplicate(o->eids, o->neids, &i) < 0)
		return errf(err, errlen, "out of memory");
	if (i < o->neids) {
		char s[PREFIX_STRLEN];
		return errf(err, errlen, "EID %s given twice",
			    prefix_str(&o->eids[i], s, sizeof(s)));
	}
	for (i = 0; i < o->nrlocs; i++)
		for (j = 0; j < i; j++)
			if (ipaddr_eq(&o->rlocs[i], &o->rlocs[j])) {
				char s[IPADDR_STRLEN];
				return errf(err, errlen, "RLOC %s given twice",
					    ipaddr_str(&o->rlocs[i], s, sizeof(s)));
			}
	return 0;
}

struct lisp_key *reg_load_key(const struct reg_opts *o, char *err, size_t errlen)
{
	char secret[TOOLS_SECRET_MAX + 1], e2[TOOLS_ERRLEN];
	size_t slen = 0;
	struct lisp_key *k;

	if (o->key_file[0]) {
		uint8_t *data;
		size_t len;
		int rc;
		if (tools_read_file(o->key_file, TOOLS_FILE_MAX, &data, &len, e2, sizeof(e2))) {
			errf(err, errlen, "key file: %s", e2);
			return NULL;
		}
		rc = tools_parse_secret(data, len, secret, sizeof(secret), &slen, e2, sizeof(e2));
		memset(data, 0, len);
		free(data);
		if (rc) {
			errf(err, errlen, "%s: %s", o->key_file, e2);
			return NULL;
		}
	} else {
		const char *env = getenv("LISP_REGISTER_KEY");
		if (!env || !*env) {
			errf(err, errlen, "no key: give --key-file FILE or set LISP_REGISTER_KEY");
			return NULL;
		}
		slen = strlen(env);
		if (slen > TOOLS_SECRET_MAX) {
			errf(err, errlen, "LISP_REGISTER_KEY longer than %d bytes",
			     TOOLS_SECRET_MAX);
			return NULL;
		}
		memcpy(secret, env, slen + 1);
	}
	k = lisp_key_new(o->key_id, o->alg, secret, slen);
	memset(secret, 0, sizeof(secret));
	if (!k)
		errf(err, errlen, "cannot create the HMAC key");
	return k;
}

void reg_record(const struct reg_opts *o, const struct lisp_prefix *eid, struct lisp_record *r)
{
	size_t i;
	memset(r, 0, sizeof(*r));
	lisp_record_set_eid(r, eid);
	r->ttl = o->dereg ? 0 : o->ttl;
	r->action = LISP_ACT_NO_ACTION;
	r->authoritative = true;
	for (i = 0; i < o->nrlocs && i < LISP_MAX_LOCATORS; i++) {
		struct lisp_locator *l = &r->loc[i];
		l->priority = o->priority;
		l->weight = o->weight;
		l->mpriority = 255;
		l->mweight = 0;
		l->flags = LISP_LOC_F_LOCAL | LISP_LOC_F_REACHABLE;
		lisp_addr_from_ip(&l->addr, &o->rlocs[i]);
	}
	r->nloc = (uint8_t)i;
}

static void reg_header(const struct reg_opts *o, uint64_t nonce, struct lisp_map_register *m)
{
	memset(m, 0, offsetof(struct lisp_map_register, rec));
	m->want_notify = true;
	m->proxy_reply = o->proxy;
	m->merge = o->merge;
	m->nonce = nonce;
	m->xtr_id_present = true;
	memcpy(m->xtr_id, o->xtr_id, sizeof(m->xtr_id));
	m->site_id = o->site_id;
	m->auth.key_id = o->key_id;
	m->auth.alg_id = o->alg;
	m->auth.len = (uint16_t)lisp_auth_len(o->alg);
}

size_t reg_pack(const struct reg_opts *o, const struct lisp_prefix *eids, size_t n, size_t maxlen)
{
	struct lisp_record r;
	uint8_t tmp[TOOLS_DGRAM_MAX];
	size_t used = 4 + 8 + 4 + lisp_auth_len(o->alg) + 24, k; /* + xTR-ID, Site-ID */

	for (k = 0; k < n && k < LISP_MAX_RECORDS; k++) {
		struct buf w;
		buf_init_write(&w, tmp, sizeof(tmp));
		reg_record(o, &eids[k], &r);
		if (lisp_record_build(&w, &r, NULL) || used + buf_len(&w) > maxlen)
			break;
		used += buf_len(&w);
	}
	return k;
}

int reg_build(const struct reg_opts *o, const struct lisp_prefix *eids, size_t n, uint64_t nonce,
	      const struct lisp_key *k, struct buf *out, struct proto_err *e)
{
	struct lisp_map_register *m;
	size_t i, auth_off;
	int rc;

	if (n == 0 || n > LISP_MAX_RECORDS)
		return proto_fail(e, PERR_BAD_COUNT, 0, "1..32 records per Map-Register");
	m = calloc(1, sizeof(*m));
	if (!m)
		return proto_fail(e, PERR_FULL, 0, "out of memory");
	reg_header(o, nonce, m);
	m->nrec = (uint8_t)n;
	for (i = 0; i < n; i++)
		reg_record(o, &eids[i], &m->rec[i]);
	rc = lisp_map_register_build(out, m, &auth_off, e);
	if (rc == 0)
		rc = lisp_auth_sign(out, auth_off, k, e);
	free(m);
	return rc;
}

enum xchg_verdict reg_check_notify(const uint8_t *data, size_t len, const uint64_t *nonces,
				   unsigned nn, const struct lisp_key *k,
				   const struct lisp_prefix *eids, size_t n, unsigned *which,
				   enum reg_reject *rej, char *why, size_t whylen)
{
	struct lisp_map_notify *m;
	struct buf b;
	struct proto_err pe = {0};
	enum xchg_verdict v = XR_IGNORE;
	unsigned i;
	size_t j, r;

	buf_init_read(&b, data, len);
	if (lisp_msg_type(&b) != LISP_T_MAP_NOTIFY)
		return XR_IGNORE;
	m = calloc(1, sizeof(*m));
	if (!m)
		return XR_IGNORE;
	if (lisp_map_notify_parse(&b, m, &pe))
		goto out;
	for (i = 0; i < nn; i++)
		if (nonces[i] == m->nonce)
			break;
	if (i == nn)
		goto out;
	*which = i;
	v = XR_REJECT;
	if (rej)
		*rej = REG_REJ_AUTH;
	if (lisp_auth_verify(&b, &m->auth, k, &pe)) {
		errf(why, whylen, "Map-Notify authentication failed: %s",
		     pe.reason ? pe.reason : "bad digest");
		goto out;
	}
	for (j = 0; j < n; j++) {
		for (r = 0; r < m->nrec; r++)
			if (prefix_eq(&m->rec[r].eid, &eids[j]))
				break;
		if (r == m->nrec) {
			char s[PREFIX_STRLEN];
			errf(why, whylen, "Map-Notify does not acknowledge EID %s",
			     prefix_str(&eids[j], s, sizeof(s)));
			if (rej)
				*rej = REG_REJ_RECORDS;
			goto out;
		}
	}
	v = XR_DONE;
	if (rej)
		*rej = REG_REJ_NONE;
out:
	free(m);
	return v;
}

const char *reg_outcome_name(enum reg_outcome o)
{
	switch (o) {
	case REG_ACKED:
		return "acknowledged";
	case REG_NO_ANSWER:
		return "no-answer";
	case REG_REJECTED:
		return "rejected";
	case REG_SEND_FAILED:
		return "send-failed";
	case REG_USAGE:
		return "usage";
	case REG_PARTIAL:
		return "partial";
	default:
		return "error";
	}
}

int reg_outcome_exit(enum reg_outcome o)
{
	switch (o) {
	case REG_ACKED:
		return EXIT_DONE;
	case REG_NO_ANSWER:
		return EXIT_NOANSWER;
	case REG_REJECTED:
		return EXIT_REJECTED;
	case REG_USAGE:
		return EXIT_USAGE;
	case REG_PARTIAL:
		return EXIT_PARTIAL;
	default:
		return EXIT_OTHER;
	}
}

size_t reg_likely_causes(enum reg_outcome o, enum reg_reject rej, enum xchg_icmp icmp,
			 int send_errno, const char **causes, size_t max)
{
	const char *c[8];
	size_t n = 0, i;

	switch (o) {
	case REG_NO_ANSWER:
		if (icmp == XI_PORT_UNREACH) {
			c[n++] = "nothing listens on that UDP port (ICMP port unreachable): the "
				 "port is wrong (--ms HOST:PORT, default 4342) or the Map-Server "
				 "is not running";
			c[n++] = "the Map-Server address is wrong (the host there runs no "
				 "Map-Server)";
			break;
		}
		if (icmp == XI_HOST_UNREACH)
			c[n++] = "the Map-Server address is wrong or unreachable (ICMP "
				 "unreachable from a router on the way)";
		else if (icmp == XI_PROHIBITED)
			c[n++] = "a firewall rejects the Map-Register (ICMP administratively "
				 "prohibited)";
		c[n++] = "wrong Map-Server address or port (--ms HOST:PORT, default 4342)";
		c[n++] = "a firewall drops UDP to the Map-Server's port, or its answers back";
		c[n++] = "the Map-Server is down";
		c[n++] = "the Map-Server refused the Map-Register without answering (lisp-msd "
			 "drops a bad one silently): wrong key, key-id or algorithm for the "
			 "site's <key>, an EID outside the site's <eid-prefix>, or a nonce not "
			 "above the last one (this host's clock behind); `show statistics` on the "
			 "Map-Server counts each reason";
		break;
	case REG_REJECTED:
		if (rej == REG_REJ_RECORDS) {
			c[n++] = "the Map-Server acknowledged only part of the Map-Register: an "
				 "EID it did not register (not allowed for the site?)";
		} else {
			c[n++] = "the Map-Notify does not verify with our key: the Map-Server "
				 "signs with another secret or algorithm for this key-id (the key "
				 "file differs from the site's <key>)";
			c[n++] = "something else answers in the Map-Server's name";
		}
		break;
	case REG_SEND_FAILED:
		if (send_errno == ENETUNREACH || send_errno == EHOSTUNREACH)
			c[n++] = "no route from this host to the Map-Server's address";
		else if (send_errno == EPERM || send_errno == EACCES)
			c[n++] = "a firewall rule of this host refuses the datagram";
		else
			c[n++] = "this host cannot send to that address (see the error)";
		break;
	default:
		break;
	}
	for (i = 0; i < n && i < max; i++)
		causes[i] = c[i];
	return i;
}
