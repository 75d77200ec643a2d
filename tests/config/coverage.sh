#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/config/coverage.sh - every element and attribute of a daemon's schema is used by at
# least one valid case of tests/config/DAEMON/ (an NN.xml with an NN.ok beside it).
#
#   tests/config/coverage.sh [--list] [DAEMON...]     (default: lisp-xtrd lisp-msd lisp-mrd)
#
# Items are paths from the root element: "lisp-xtrd/site/gateway" for an element,
# "lisp-xtrd/site/gateway@mac" for an attribute; schema/DAEMON.rng is read with the schemas
# it includes (xtr-site.rng, bgp.rng) by coverage.awk. Prints the items no valid case uses
# and exits 1 if there is one; --list prints every item of the schemas instead.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
list=0
if [ "${1:-}" = --list ]; then
	list=1
	shift
fi
[ $# -gt 0 ] || set -- lisp-xtrd lisp-msd lisp-mrd
awk_prog=$top_srcdir/tests/config/coverage.awk
status=0
for daemon in "$@"; do
	schema=$top_srcdir/schema/$daemon.rng
	cases=$top_srcdir/tests/config/$daemon
	if [ ! -f "$schema" ] || [ ! -d "$cases" ]; then
		echo "coverage: no $schema or no $cases" >&2
		status=2
		continue
	fi
	if [ "$list" = 1 ]; then
		awk -v schema="$schema" -v list=1 -f "$awk_prog" || status=2
		continue
	fi
	set --
	for f in "$cases"/[0-9]*.xml; do
		[ -f "${f%.xml}.ok" ] && set -- "$@" "$f"
	done
	missing=$(awk -v schema="$schema" -f "$awk_prog" "$@")
	rc=$?
	if [ "$rc" -gt 1 ]; then
		status=2
	elif [ -n "$missing" ]; then
		printf '%s\n' "$missing" | sed 's/^/not used by any valid case: /'
		[ "$status" -eq 0 ] && status=1
	fi
done
exit "$status"
