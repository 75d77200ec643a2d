#!/bin/sh
# SPDX-License-Identifier: ISC
# man/schema.sh - the section 5 pages describe every element and attribute their schema
# accepts, so a new one cannot be added without its documentation:
#   - each installed schema (dist_pkgdata_DATA in a subdir.am) with a <start> element ROOT
#     has the page man/ROOT.conf.5, or is the <externalRef> of one that has (bgp.rng);
#     one without <start> (common.rng, xtr-site.rng) is <include>d by a checked one;
#   - every item tests/config/coverage.awk lists for the schema (an element by its path from
#     the root, "lisp-msd/site/key", an attribute as "lisp-msd/site/key@id") is described in
#     the page: an element by an `.It Ic NAME` item, an attribute by an `.It Cm NAME` item
#     in the list nested under its element's item (the page's lists mirror the schema's
#     tree; the root element is an `.It Ic ROOT` item, and its children are items under it
#     or in lists outside any element);
#   - every setting of register.conf (the names tools/reg.c set_opt accepts) is an
#     `.It Ic NAME` item of lisp-register.conf.5.
# Items a page describes that its schema lacks are listed as notes. The last line is
# "N passed, N failed" (one check per item).
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
cov=$top_srcdir/tests/config/coverage.awk
tmp=$(mktemp -d "${TMPDIR:-/tmp}/man-schema.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
nok() { echo "not ok - $*"; fail=$((fail + 1)); }

# The items of an mdoc page (see above), ROOT-prefixed, one per line.
page_items() { # ROOT PAGE
	awk -v root="$1" '
	/^\.Bl([ \t]|$)/ { depth++; next }
	/^\.El([ \t]|$)/ { while (sp > 0 && sd[sp] >= depth) sp--; depth--; next }
	/^\.It[ \t]+(Ic|Cm)[ \t]/ {
		n = split($0, w, /[ \t]+/)
		name = w[3]
		gsub(/"/, "", name)
		while (sp > 0 && sd[sp] >= depth) sp--
		parent = sp > 0 ? sn[sp] : root
		if (w[2] == "Ic") {
			path = sp == 0 && name == root ? root : parent "/" name
			print path
			sp++; sd[sp] = depth; sn[sp] = path
		} else {
			print parent "@" name
		}
	}' "$2" | sort -u
}

installed=$(cat "$top_srcdir"/*/subdir.am "$top_srcdir"/Makefile.am 2>/dev/null |
	sed -n 's/.*dist_pkgdata_DATA.*+=//p' | tr ' \t' '\n\n' | sed -n 's|^schema/||p' | sort -u)
checked=""
for rng in "$top_srcdir"/schema/*.rng; do
	b=$(basename "$rng")
	if ! printf '%s\n' "$installed" | grep -qx "$b"; then
		echo "# schema/$b: not installed (used by the tests only): no page"
		continue
	fi
	grep -q '<start>' "$rng" || continue
	root=$(awk '/<start>/ { s = 1 } s && match($0, /<element name="[^"]*"/) {
		print substr($0, RSTART + 15, RLENGTH - 16); exit }' "$rng")
	page=$top_builddir/man/$root.conf.5
	[ -f "$page" ] || continue
	checked="$checked $b"
	awk -v schema="$rng" -v list=1 -f "$cov" >"$tmp/schema" || { nok "$b: coverage.awk failed"; continue; }
	page_items "$root" "$page" >"$tmp/page"
	n=0
	while IFS= read -r item; do
		n=$((n + 1))
		if grep -qxF "$item" "$tmp/page"; then
			ok
		else
			nok "$root.conf.5 does not describe $item (schema/$b)"
		fi
	done <"$tmp/schema"
	echo "# $root.conf.5: $n items of schema/$b"
	sort -u "$tmp/schema" >"$tmp/schema.sorted"
	comm -13 "$tmp/schema.sorted" "$tmp/page" | sed "s|^|# note: $root.conf.5 describes what schema/$b does not have: |"
done
# the rest of the installed schemas: reached from a checked one
for b in $installed; do
	case " $checked " in *" $b "*) continue ;; esac
	by=""
	for c in $checked; do
		grep -Eq "<(include|externalRef) href=\"$b\"" "$top_srcdir/schema/$c" && by="$by $c"
	done
	if [ -n "$by" ]; then
		echo "# schema/$b: described through$by"
		ok
	else
		nok "schema/$b is installed but no section 5 page covers it (man/ROOT.conf.5.in)"
	fi
done

# register.conf: the names set_opt of tools/reg.c accepts
page=$top_builddir/man/lisp-register.conf.5
keys=$(awk '/^static int set_opt\(/ { s = 1 } s && /^}/ { exit }
	s { while (match($0, /strcmp\(name, "[a-z-]+"\)/)) {
		print substr($0, RSTART + 14, RLENGTH - 16); $0 = substr($0, RSTART + RLENGTH) } }' \
	"$top_srcdir/tools/reg.c" | sort -u)
if [ -z "$keys" ] || [ ! -f "$page" ]; then
	nok "register.conf: no settings found in tools/reg.c or no page $page"
else
	page_items register.conf "$page" >"$tmp/page"
	for k in $keys; do
		if grep -qxF "register.conf/$k" "$tmp/page"; then
			ok
		else
			nok "lisp-register.conf.5 does not describe the setting $k (tools/reg.c)"
		fi
	done
	echo "# lisp-register.conf.5: $(printf '%s\n' "$keys" | wc -l) settings of tools/reg.c"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
