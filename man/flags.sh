#!/bin/sh
# SPDX-License-Identifier: ISC
# man/flags.sh - every installed program (bin_PROGRAMS and sbin_PROGRAMS of the subdir.am
# files) has its page (man/PROG.1 for bin, man/PROG.8 for sbin), `PROG -h` prints its usage
# on stdout and exits 0, and every option that usage names (-d, a cluster like -dnv is read
# as -d -n -v, --json...) is described in the page: an `.It` item that names it with `Fl`
# (`.It Fl d`, `.It Fl h , Fl -help`; the synopsis alone does not count). So an option
# cannot be added without its documentation. The last line is "N passed, N failed".
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
pass=0 fail=0
ok() { pass=$((pass + 1)); }
nok() { echo "not ok - $*"; fail=$((fail + 1)); }

progs() { # bin|sbin
	cat "$top_srcdir"/*/subdir.am "$top_srcdir"/Makefile.am 2>/dev/null |
		sed -n "s/^$1_PROGRAMS[ \t]*+*=//p" | tr ' \t' '\n\n' | grep -v '^$' | sort -u
}
for kind in bin sbin; do
	sect=1
	[ "$kind" = sbin ] && sect=8
	for p in $(progs "$kind"); do
		page=$top_builddir/man/$p.$sect
		exe=$top_builddir/$p
		if [ ! -f "$page" ]; then
			nok "$p ($kind) has no page man/$p.$sect"
			continue
		fi
		ok
		if [ ! -x "$exe" ]; then
			nok "$p is not built"
			continue
		fi
		if ! usage=$("$exe" -h 2>/dev/null) || [ -z "$usage" ]; then
			nok "$p -h: no usage on stdout, or not exit 0"
			continue
		fi
		ok
		flags=$(printf '%s\n' "$usage" | tr -s ' \t[]()|,;:.=' '\n' |
			grep -E '^--?[A-Za-z][-A-Za-z0-9]*$' | sort -u)
		n=0
		for f in $flags; do
			case $f in
			--*) set -- "-${f#--}" ;;
			*) set -- $(printf '%s\n' "${f#-}" | sed 's/./& /g') ;;
			esac
			for fl in "$@"; do
				n=$((n + 1))
				if grep -Eq "^\.It([[:space:]].*)?[[:space:]]Fl $fl([[:space:]]|$)" "$page"; then
					ok
				else
					nok "$p.$sect does not document the option -$fl of $p -h"
				fi
			done
		done
		echo "# $p: $n options of -h checked in $p.$sect"
	done
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
