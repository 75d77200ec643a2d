/* SPDX-License-Identifier: ISC */
/*
 * tools/hook.c - the libvirt side of lisp-register --libvirt-hook: the operation table and
 * the EID metadata extraction from the domain XML (libvirt hooks.rst: the qemu hook gets
 * the domain XML on stdin; "migrate begin" treats stdout as a replacement XML, so the hook
 * never writes to stdout).
 *
 * Operations on the host where a VM runs or arrives: migrate (incoming, before QEMU runs),
 * prepare, start, started (QEMU is up: a fresh start, a restore, or the destination of a
 * live migration), reconnect (libvirtd restarted), attach. On the host it leaves: stopped,
 * release. We register on started/reconnect/attach: from then on this host is where the
 * VM's packets must go (for an incoming migration that is a few hundred ms early, the
 * closest any hook gets to the switch-over). We never deregister on stopped/release by
 * default: after a live migration the SOURCE runs them, and withdrawing there would remove
 * the mapping the destination has just registered; deregister-on-release is for hosts
 * whose VMs never migrate.
 *
 * Untrusted input: the XML is parsed by libxml2 with XML_PARSE_NONET and without
 * XML_PARSE_NOENT/DTDLOAD/DTDATTR, any DOCTYPE is refused, and text is taken only from
 * text/CDATA children of <lisp:eid> (an entity reference there is an error), so no entity
 * is ever expanded into what we read (billion laughs, external entities).
 */
#include "tools/hook.h"

#include <errno.h>
#include <fcntl.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proto/buf.h"
#include "tools/client.h"

static const struct {
	const char *op;
	enum hook_action action;
} hook_ops[] = {
    {"started", HOOK_REGISTER},
    {"reconnect", HOOK_REGISTER},
    {"attach", HOOK_REGISTER},
    {"release", HOOK_DEREGISTER},
};

enum hook_action hook_action_for(const char *op, bool dereg_on_release)
{
	size_t i;
	for (i = 0; op && i < sizeof(hook_ops) / sizeof(hook_ops[0]); i++) {
		if (strcmp(op, hook_ops[i].op))
			continue;
		if (hook_ops[i].action == HOOK_DEREGISTER && !dereg_on_release)
			return HOOK_NONE;
		return hook_ops[i].action;
	}
	return HOOK_NONE;
}

const char *hook_action_name(enum hook_action a)
{
	switch (a) {
	case HOOK_REGISTER:
		return "register";
	case HOOK_DEREGISTER:
		return "deregister";
	default:
		return "none";
	}
}

static bool is_ours(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       !strcmp((const char *)n->ns->href, HOOK_NS) && !strcmp((const char *)n->name, name);
}

/* The text of an element made only of text/CDATA children, trimmed. */
static int element_text(const xmlNode *el, char *dst, size_t cap, char *err, size_t errlen)
{
	const xmlNode *c;
	size_t k = 0, start = 0;

	for (c = el->children; c; c = c->next) {
		size_t n;
		if (c->type == XML_COMMENT_NODE)
			continue;
		if (c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE)
			return errf(err, errlen, "<lisp:eid> may contain only text (line %u)",
				    (unsigned)xmlGetLineNo(c));
		n = c->content ? strlen((const char *)c->content) : 0;
		if (k + n >= cap)
			return errf(err, errlen, "<lisp:eid> text too long (line %u)",
				    (unsigned)xmlGetLineNo(el));
		memcpy(dst + k, c->content, n);
		k += n;
	}
	dst[k] = '\0';
	while (start < k && strchr(" \t\r\n", dst[start]))
		start++;
	while (k > start && strchr(" \t\r\n", dst[k - 1]))
		dst[--k] = '\0';
	memmove(dst, dst + start, k - start + 1);
	return 0;
}

static int add_eid(const xmlNode *el, uint32_t default_iid, struct lisp_prefix **eids, size_t *n,
		   char *err, size_t errlen)
{
	char text[PREFIX_STRLEN + 1];
	struct lisp_prefix p, *np;

	if (element_text(el, text, sizeof(text), err, errlen))
		return -1;
	if (tools_parse_eid(text, default_iid, &p))
		return errf(err, errlen, "bad EID prefix \"%s\" in <lisp:eid> (line %u)", text,
			    (unsigned)xmlGetLineNo(el));
	if (*n >= HOOK_EID_MAX)
		return errf(err, errlen, "more than %d EIDs in the domain", HOOK_EID_MAX);
	np = realloc(*eids, (*n + 1) * sizeof(*np));
	if (!np)
		return errf(err, errlen, "out of memory");
	*eids = np;
	np[(*n)++] = p;
	return 0;
}

int hook_extract_eids(const uint8_t *xml, size_t len, uint32_t default_iid,
		      struct lisp_prefix **eids, size_t *n, char *err, size_t errlen)
{
	xmlDoc *doc;
	xmlNode *root, *md, *map, *el;
	int rc = 0;

	if (len > HOOK_XML_MAX || len > (size_t)INT32_MAX)
		return errf(err, errlen, "domain XML longer than %u bytes", HOOK_XML_MAX);
	doc = xmlReadMemory((const char *)xml, (int)len, "domain.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc) {
		const xmlError *xe = xmlGetLastError();
		errf(err, errlen, "domain XML does not parse%s%s", xe && xe->message ? ": " : "",
		     xe && xe->message ? xe->message : "");
		if (err) /* libxml2 messages end with a newline */
			err[strcspn(err, "\n")] = '\0';
		return -1;
	}
	if (doc->intSubset || doc->extSubset) {
		rc = errf(err, errlen, "domain XML with a DOCTYPE is refused");
		goto out;
	}
	root = xmlDocGetRootElement(doc);
	if (!root || strcmp((const char *)root->name, "domain") || root->ns) {
		rc = errf(err, errlen, "root element is not <domain>");
		goto out;
	}
	for (md = root->children; md; md = md->next) {
		if (md->type != XML_ELEMENT_NODE || md->ns ||
		    strcmp((const char *)md->name, "metadata"))
			continue;
		for (map = md->children; map; map = map->next) {
			if (!is_ours(map, "mapping"))
				continue;
			for (el = map->children; el; el = el->next) {
				if (!is_ours(el, "eid"))
					continue;
				if (add_eid(el, default_iid, eids, n, err, errlen)) {
					rc = -1;
					goto out;
				}
			}
		}
	}
out:
	xmlFreeDoc(doc);
	return rc;
}

/* ------------------------------------------------------------------ the installer */
#define HOOK_PATH_MAX 1024

/* Append a formatted line to msg (kept NUL-terminated, cut short when full). */
static void addf(char *msg, size_t msglen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void addf(char *msg, size_t msglen, const char *fmt, ...)
{
	size_t n = msg && msglen ? strlen(msg) : 0;
	va_list ap;

	if (!msg || n + 1 >= msglen)
		return;
	va_start(ap, fmt);
	vsnprintf(msg + n, msglen - n, fmt, ap);
	va_end(ap);
}

static int under(char *dst, size_t cap, const char *root, const char *path)
{
	int n = snprintf(dst, cap, "%s%s", root ? root : "", path);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* mkdir -p with mode 0755; *created is set when the last component was made here. */
static int mkdirs(const char *dir, bool *created, char *msg, size_t msglen)
{
	char p[HOOK_PATH_MAX];
	size_t n = strlen(dir);
	struct stat st;

	*created = false;
	if (n == 0 || n >= sizeof(p))
		return -1;
	memcpy(p, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		char c = p[i];
		p[i] = '\0';
		if (mkdir(p, 0755) == 0) {
			*created = true;
		} else if (errno != EEXIST || stat(p, &st) < 0 || !S_ISDIR(st.st_mode)) {
			addf(msg, msglen, "cannot create the directory %s: %s\n", p,
			     errno == EEXIST ? "not a directory" : strerror(errno));
			return -1;
		} else {
			*created = false;
		}
		p[i] = c;
	}
	return 0;
}

/* Is one line of data[0..len) exactly HOOK_MARKER? Lines read through struct buf. */
static bool has_marker(const uint8_t *data, size_t len)
{
	const size_t ml = strlen(HOOK_MARKER);
	struct buf b;
	uint8_t c;

	buf_init_read(&b, data, len);
	while (buf_left(&b) > 0) {
		size_t start = buf_offset(&b), n = 0;
		while (buf_get_u8(&b, &c) == 0 && c != '\n')
			n++;
		if (n == ml && memcmp(data + start, HOOK_MARKER, ml) == 0)
			return true;
	}
	return false;
}

int hook_dropin_is_ours(const char *path)
{
	uint8_t buf[4096];
	struct stat st;
	ssize_t n;
	int fd;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? -1 : 0;
	if (!S_ISREG(st.st_mode))
		return 0; /* a link, a directory...: never ours */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return 0;
	do
		n = read(fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	close(fd);
	return n > 0 && has_marker(buf, (size_t)n) ? 1 : 0;
}

/* The drop-in's text; -1 when the program path cannot be quoted for sh. */
static int dropin_text(char *dst, size_t cap, const char *program, const char *conf)
{
	int n;

	if (program[0] != '/' || strpbrk(program, "'\n") || strpbrk(conf, "\n"))
		return -1;
	n = snprintf(
	    dst, cap,
	    "#!/bin/sh\n" HOOK_MARKER "\n"
	    "# libvirt (>= 6.5) runs this for every operation on every QEMU domain; it\n"
	    "# registers the EIDs of a domain's <lisp:mapping> metadata when it starts or\n"
	    "# arrives. Settings: %s (lisp-register.conf(5)).\n"
	    "# Replaced by --install-libvirt-hook, removed by --uninstall-libvirt-hook.\n"
	    "exec '%s' --libvirt-hook \"$@\"\n",
	    conf, program);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

static int write_tmp(const char *dir, const char *text, char *tmp, size_t tmplen, char *msg,
		     size_t msglen)
{
	size_t len = strlen(text), off = 0;
	int fd;

	if (snprintf(tmp, tmplen, "%s/.lisp-register.XXXXXX", dir) >= (int)tmplen)
		return -1;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		addf(msg, msglen, "cannot create a file in %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	if (off != len || fchmod(fd, 0755) < 0 || fsync(fd) < 0) {
		addf(msg, msglen, "cannot write %s: %s\n", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	return 0;
}

int hook_install(const char *root, const char *program, const char *conf, char *msg, size_t msglen)
{
	char dir[HOOK_PATH_MAX], path[HOOK_PATH_MAX], tmp[HOOK_PATH_MAX + 32], qemu[HOOK_PATH_MAX],
	    cpath[HOOK_PATH_MAX], text[4 * HOOK_PATH_MAX];
	bool created;
	int ours;

	if (msg && msglen)
		msg[0] = '\0';
	if (under(dir, sizeof(dir), root, HOOK_DROPIN_DIR) ||
	    under(path, sizeof(path), root, HOOK_DROPIN) ||
	    under(qemu, sizeof(qemu), root, HOOK_LIBVIRT_DIR "/qemu") ||
	    under(cpath, sizeof(cpath), root, conf)) {
		addf(msg, msglen, "path too long under %s\n", root);
		return -1;
	}
	if (dropin_text(text, sizeof(text), program, conf)) {
		addf(msg, msglen, "cannot write a hook that runs \"%s\"\n", program);
		return -1;
	}
	ours = hook_dropin_is_ours(path);
	if (ours == 0) {
		addf(msg, msglen,
		     "%s exists and was not installed by lisp-register: left as it is, nothing "
		     "installed (move it away, or run lisp-register --libvirt-hook from it)\n",
		     path);
		return -1;
	}
	if (mkdirs(dir, &created, msg, msglen) ||
	    write_tmp(dir, text, tmp, sizeof(tmp), msg, msglen))
		return -1;
	if (ours == 1) {
		if (rename(tmp, path) < 0) {
			addf(msg, msglen, "cannot replace %s: %s\n", path, strerror(errno));
			unlink(tmp);
			return -1;
		}
		addf(msg, msglen, "updated %s\n", path);
	} else {
		/* link(2) never replaces: a file that appeared meanwhile stays */
		if (link(tmp, path) < 0) {
			addf(msg, msglen, "cannot install %s: %s%s\n", path, strerror(errno),
			     errno == EEXIST ? " (created meanwhile, left as it is)" : "");
			unlink(tmp);
			return -1;
		}
		unlink(tmp);
		addf(msg, msglen, "installed %s\n", path);
	}
	if (access(qemu, F_OK) == 0)
		addf(msg, msglen,
		     "note: %s exists and was left as it is: libvirt runs it besides the drop-ins "
		     "of "
		     "%s\n",
		     qemu, dir);
	if (access(cpath, F_OK) != 0)
		addf(msg, msglen,
		     "note: %s does not exist yet: create it with at least the lines 'ms "
		     "HOST[:PORT]', 'key-file FILE' and 'rloc ADDRESS' (lisp-register.conf(5)); "
		     "until then the hook fails on started, reconnect and attach\n",
		     cpath);
	if (created)
		addf(msg, msglen,
		     "note: restart libvirtd (or virtqemud): it looks for hook scripts when it "
		     "starts\n");
	return 0;
}

int hook_uninstall(const char *root, char *msg, size_t msglen)
{
	char path[HOOK_PATH_MAX];

	if (msg && msglen)
		msg[0] = '\0';
	if (under(path, sizeof(path), root, HOOK_DROPIN)) {
		addf(msg, msglen, "path too long under %s\n", root);
		return -1;
	}
	switch (hook_dropin_is_ours(path)) {
	case -1:
		addf(msg, msglen, "%s is not installed: nothing to remove\n", path);
		return 0;
	case 0:
		addf(msg, msglen, "%s was not installed by lisp-register: left as it is\n", path);
		return -1;
	default:
		break;
	}
	if (unlink(path) < 0) {
		addf(msg, msglen, "cannot remove %s: %s\n", path, strerror(errno));
		return -1;
	}
	addf(msg, msglen, "removed %s\n", path);
	return 0;
}
