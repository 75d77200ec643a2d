/* SPDX-License-Identifier: ISC */
/*
 * tools/hook.h - lisp-register as a libvirt qemu hook (/etc/libvirt/hooks/qemu DOMAIN OP
 * SUBOP EXTRA, the domain XML on stdin): which operations register, and the EIDs read from
 * our own metadata element of the domain XML:
 *   <metadata><lisp:mapping xmlns:lisp="urn:lisp-suite:1">
 *     <lisp:eid>198.51.100.5/32</lisp:eid> <lisp:eid>2001:db8::5/128</lisp:eid>
 *   </lisp:mapping></metadata>
 */
#ifndef TOOLS_HOOK_H
#define TOOLS_HOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/addr.h"

#define HOOK_NS	     "urn:lisp-suite:1"
#define HOOK_XML_MAX (4u << 20) /* domain XML read from stdin */
#define HOOK_EID_MAX 1024	/* EIDs in one domain */

enum hook_action {
	HOOK_NONE = 0,	 /* nothing to do for this operation */
	HOOK_REGISTER,	 /* the VM now runs on this host */
	HOOK_DEREGISTER, /* the VM is gone (only with deregister-on-release) */
};

/* "started", "reconnect", "attach" -> HOOK_REGISTER; "release" -> HOOK_DEREGISTER when
 * dereg_on_release; every other operation (prepare, start, migrate, stopped, restore, ...)
 * -> HOOK_NONE. */
enum hook_action hook_action_for(const char *op, bool dereg_on_release);
const char *hook_action_name(enum hook_action a);

/* Parse the domain XML (libxml2, no network, no entity substitution, no DTD loading; a
 * document with a DOCTYPE is refused) and append every <lisp:eid> of every <lisp:mapping>
 * in /domain/metadata to *eids (realloc'd). An EID without "[iid]" gets default_iid.
 * 0 with *n unchanged means the domain has no mapping of ours (not an error); -1 = bad
 * XML or a bad EID (err says which). */
int hook_extract_eids(const uint8_t *xml, size_t len, uint32_t default_iid,
		      struct lisp_prefix **eids, size_t *n, char *err, size_t errlen);

#endif
