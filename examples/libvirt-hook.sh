#!/bin/sh
# SPDX-License-Identifier: ISC
# examples/libvirt-hook.sh - set up lisp-register as a libvirt qemu hook on a hypervisor,
# so a VM's EIDs (from <metadata><lisp:mapping xmlns:lisp="urn:lisp-suite:1">, see
# libvirt-domain.xml) are registered at the Map-Server with this host's RLOC whenever the
# VM starts or arrives by live migration.
#
#   sh examples/libvirt-hook.sh [RLOC] [MS]      (as root)
#
# It writes the settings file /etc/lisp/register.conf (only when there is none: an existing
# one is kept) and runs `lisp-register --install-libvirt-hook`, which installs the drop-in
# /etc/libvirt/hooks/qemu.d/lisp-register (libvirt >= 6.5 runs every script of that
# directory as well as /etc/libvirt/hooks/qemu, which is never touched). The paths are
# those of a package (--sysconfdir=/etc); `lisp-register -h` prints the ones of a build.
#
# What the hook does per operation (libvirt calls it with DOMAIN OP SUBOP EXTRA):
#   started, reconnect, attach  -> Map-Register the domain's EIDs with this host's RLOC
#   release                     -> nothing, unless 'deregister-on-release yes' (never set
#                                  that where VMs migrate: the source runs 'release' after
#                                  the destination has registered)
#   migrate, prepare, start, stopped, restore, ... -> nothing
# The hook never writes to stdout: for "migrate begin" libvirt would take it as a new XML.
# Exit codes (logged by libvirt): 0 done or nothing to do, 2 configuration/XML error,
# 3 the Map-Server did not answer, 4 it answered with a Map-Notify we refuse
# (lisp-register(1), lisp-register.conf(5)).
set -eu
RLOC=${1:-192.0.2.11}
MS=${2:-192.0.2.100:4342}
CONFDIR=/etc/lisp

install -d -m 755 "$CONFDIR"
if [ ! -e "$CONFDIR/register.key" ]; then
	(
		umask 077
		# the site's shared secret: the whole file without its final newline (the same
		# file works as the secret-file of the site's <key> in lisp-msd)
		echo "change-me" >"$CONFDIR/register.key"
	)
fi
if [ -e "$CONFDIR/register.conf" ]; then
	echo "$CONFDIR/register.conf exists: kept as it is"
else
	cat >"$CONFDIR/register.conf" <<CONF
# $CONFDIR/register.conf - settings of lisp-register and of its libvirt hook
# (lisp-register.conf(5); any of them may also be given as a --option)
ms $MS
site dc1
key-file $CONFDIR/register.key
key-id 1
alg hmac-sha-256
# xtr-id: default derived from this host's name (every run on this host is one registrant
# for lisp-msd's replay protection); set one to keep it across a rename
# xtr-id 0x1001
rloc $RLOC
priority 1
weight 100
ttl 1440
proxy-reply yes
# libvirt runs the hook synchronously: keep it short (0.5+1+2+4 s at most with these)
timeout 0.5
retries 3
deregister-on-release no
CONF
fi

lisp-register --install-libvirt-hook
