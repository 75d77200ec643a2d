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

/* ---- the installer (lisp-register --install-libvirt-hook / --uninstall-libvirt-hook) ----
 * libvirt >= 6.5 runs every executable file of /etc/libvirt/hooks/qemu.d/ besides
 * /etc/libvirt/hooks/qemu (hooks.rst "Script location"), with the same arguments and the
 * domain XML on stdin. The hook is installed there as HOOK_DROPIN, a two-line sh script
 * that execs `program --libvirt-hook "$@"` and carries HOOK_MARKER: a file at that path is
 * ours only when it is a regular file with that line. /etc/libvirt/hooks/qemu is never
 * written, read or removed, and a file of the same name that is not ours is never
 * replaced. The hook reads reg_default_conf() when it runs. */
#define HOOK_LIBVIRT_DIR "/etc/libvirt/hooks"
#define HOOK_DROPIN_DIR	 HOOK_LIBVIRT_DIR "/qemu.d"
#define HOOK_DROPIN	 HOOK_DROPIN_DIR "/lisp-register"
#define HOOK_MARKER	 "# lisp-suite: installed by lisp-register --install-libvirt-hook"

/* root: "" or NULL for "/", else an absolute directory the paths above are under (tests,
 * package staging). program: what the drop-in runs (an absolute path). conf: the settings
 * file the hook will read (checked under root: a note when it does not exist yet).
 * Creates the missing directories (0755) and the drop-in (0755) atomically: written to a
 * temporary file in qemu.d, then linked into place when the name is free (so a file
 * created meanwhile is not replaced) or renamed over our own older copy.
 * 0: done, what happened in msg (one or more lines, each ending in '\n');
 * -1: nothing changed, msg says why (not ours, I/O error). */
int hook_install(const char *root, const char *program, const char *conf, char *msg, size_t msglen);
/* Remove our drop-in: 0 (removed, or there was none: msg says which), -1 when the file
 * there is not ours (left alone) or cannot be removed. */
int hook_uninstall(const char *root, char *msg, size_t msglen);
/* Is the file at path our drop-in (a regular file, not a link, carrying HOOK_MARKER)?
 * 1 yes, 0 no, -1 absent. */
int hook_dropin_is_ours(const char *path);

#endif
