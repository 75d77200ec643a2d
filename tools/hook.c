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

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
