#!/bin/sh
# SPDX-License-Identifier: ISC
# man/lint.sh - every manual page of the build passes `mandoc -Tlint -W warning` without a
# single message (warnings and errors both fail), and renders through groff's mdoc (what
# man(1) on Debian uses) without a warning: groff silently stopped rendering a page at its
# fifth multi-author reference while mandoc found nothing. Two checks per page; the last
# line is "N passed, N failed". Pages are the ones man/subdir.am builds from man/*.in.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
if ! command -v mandoc >/dev/null 2>&1; then
	echo "# SKIP: mandoc is not installed (Debian: mandoc, in scripts/deps.sh test)"
	echo "0 passed, 0 failed"
	exit 77
fi
if ! command -v groff >/dev/null 2>&1; then
	echo "# SKIP: groff is not installed (Debian: groff-base, in scripts/deps.sh test)"
	echo "0 passed, 0 failed"
	exit 77
fi
pass=0 fail=0
for in in "$top_srcdir"/man/*.in; do
	page=$top_builddir/man/$(basename "$in" .in)
	name=$(basename "$page")
	if [ ! -f "$page" ]; then
		echo "not ok - $name: not built"
		fail=$((fail + 1))
		continue
	fi
	out=$(mandoc -Tlint -W warning "$page" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
		echo "ok - $name"
		pass=$((pass + 1))
	else
		echo "not ok - $name (mandoc exit $rc)"
		printf '%s\n' "$out" | sed 's/^/#   /'
		fail=$((fail + 1))
	fi
	# every warning but "can't break line" (-Wbreak): that one depends on the length of the
	# paths the build substituted (distcheck's are long), not on the page
	out=$(LC_ALL=C.UTF-8 groff -mandoc -Tutf8 -ww -Wbreak -z "$page" 2>&1)
	if [ -z "$out" ]; then
		echo "ok - $name (groff)"
		pass=$((pass + 1))
	else
		echo "not ok - $name (groff warnings)"
		printf '%s\n' "$out" | sed 's/^/#   /'
		fail=$((fail + 1))
	fi
	# an unsubstituted @dir@ would be a path no program uses
	if grep -n '@[a-z]*dir@\|@VERSION@' "$page" >/dev/null; then
		echo "not ok - $name: unsubstituted @...@"
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
