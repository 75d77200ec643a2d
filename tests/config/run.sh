#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/config/run.sh - configuration regression tests in the manner of OpenBGPD's own
# (tests/config/README.md): each tests/config/DAEMON/NN.xml is checked with
# `DAEMON -nv -f NN.xml` and the result compared with the file beside it:
#
#   NN.ok   a valid file: the exact standard output (exit 0, nothing on standard error);
#   NN.err  an invalid one: standard error, then "exit N" (N is not 0); it must name the
#           file and a line ("NN.xml:LINE: ...").
#
# The directory of the case is removed from both outputs ("/.../lisp-msd/NN.xml:4:" reads
# "NN.xml:4:", a database path relative to the file reads as written), so the expectations
# hold in any checkout and in distcheck's build tree. Then coverage.sh checks that the valid
# cases use every element and attribute of each daemon's schema.
#
#   tests/config/run.sh            compare; one PASS/FAIL line per case (the diff on failure)
#   tests/config/run.sh --update   rewrite NN.ok/NN.err from what the daemons print now
#
# The last line is "N passed, N failed"; the exit status is 1 on any failure. make check
# sets top_srcdir/top_builddir; by hand they default to this checkout (an in-tree build).
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
update=0
case "${1:-}" in
--update) update=1 ;;
"") ;;
*)
	echo "usage: $0 [--update]" >&2
	exit 2
	;;
esac

here=$top_srcdir/tests/config
# the schemas of this tree, not an installed copy
LISP_SCHEMA_DIR=$top_srcdir/schema
export LISP_SCHEMA_DIR
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lisp-config-tests.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
pass=0
fail=0
updated=0

passed() {
	echo "PASS $1"
	pass=$((pass + 1))
}

failed() {
	echo "FAIL $1"
	fail=$((fail + 1))
}

# The daemon's program: at the top of the build tree (sbin_PROGRAMS of xtr/core.am,
# ms/subdir.am, mr/subdir.am), or in its own folder should it move there.
daemon_bin() { # daemon_bin NAME FOLDER
	for p in "$top_builddir/$1" "$top_builddir/$2/$1"; do
		if [ -x "$p" ]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# Standard input with every "DIR/" removed (a plain string, not a pattern).
strip_dir() { # strip_dir DIR
	D="$1/" awk '{
		d = ENVIRON["D"]
		out = ""
		while ((i = index($0, d)) > 0) {
			out = out substr($0, 1, i - 1)
			$0 = substr($0, i + length(d))
		}
		print out $0
	}'
}

# Run one case; sets kind (ok or err) and writes what to compare into $tmp/actual.
run_case() { # run_case BIN DIR NN
	(cd "$tmp" && "$1" -nv -f "$2/$3.xml") >"$tmp/stdout" 2>"$tmp/stderr"
	rc=$?
	if [ "$rc" -eq 0 ] && [ ! -s "$tmp/stderr" ]; then
		kind=ok
		strip_dir "$2" <"$tmp/stdout" >"$tmp/actual"
	else
		kind=err
		{
			strip_dir "$2" <"$tmp/stderr"
			strip_dir "$2" <"$tmp/stdout" | sed 's/^/stdout: /'
			echo "exit $rc"
		} >"$tmp/actual"
	fi
}

# An error case must fail and say where: "NN.xml:LINE: ...".
check_err_rules() { # check_err_rules NN
	if [ "$rc" -eq 0 ]; then
		echo "  $1.xml: the daemon exited 0 but printed on standard error"
		return 1
	fi
	if ! grep -q "^$1\.xml:[0-9][0-9]*: " "$tmp/actual"; then
		echo "  $1.xml: no \"$1.xml:LINE:\" in the error output"
		return 1
	fi
	return 0
}

for spec in lisp-xtrd:xtr lisp-msd:ms lisp-mrd:mr; do
	daemon=${spec%%:*}
	if ! bin=$(daemon_bin "$daemon" "${spec#*:}"); then
		failed "$daemon: no program $top_builddir/$daemon (build it first)"
		continue
	fi
	dir=$(cd "$here/$daemon" && pwd -P) || {
		failed "$daemon: no folder $here/$daemon"
		continue
	}
	for xml in "$dir"/[0-9]*.xml; do
		[ -f "$xml" ] || continue
		n=${xml##*/}
		n=${n%.xml}
		name=$daemon/$n.xml
		rm -f "$tmp/why"
		run_case "$bin" "$dir" "$n"
		rules=ok
		if [ "$kind" = err ] && ! check_err_rules "$n" >"$tmp/why"; then
			rules=bad
		fi
		if [ "$update" = 1 ]; then
			other=err
			[ "$kind" = err ] && other=ok
			if ! cmp -s "$tmp/actual" "$dir/$n.$kind" || [ -f "$dir/$n.$other" ]; then
				cp "$tmp/actual" "$dir/$n.$kind" && rm -f "$dir/$n.$other"
				echo "UPDATED $name -> $n.$kind"
				updated=$((updated + 1))
			fi
			if [ "$rules" = ok ]; then
				passed "$name"
			else
				failed "$name"
				cat "$tmp/why"
			fi
			continue
		fi
		if [ -f "$dir/$n.ok" ] && [ -f "$dir/$n.err" ]; then
			failed "$name: both $n.ok and $n.err exist"
			continue
		elif [ -f "$dir/$n.ok" ]; then
			expect=ok
		elif [ -f "$dir/$n.err" ]; then
			expect=err
		else
			failed "$name: no $n.ok or $n.err (tests/config/run.sh --update writes it)"
			continue
		fi
		if [ "$kind" = "$expect" ] && [ "$rules" = ok ] &&
			cmp -s "$dir/$n.$expect" "$tmp/actual"; then
			passed "$name"
		else
			failed "$name"
			if [ "$kind" != "$expect" ] && [ "$expect" = ok ]; then
				echo "  $n.xml should be valid but the daemon rejects it:"
			elif [ "$kind" != "$expect" ]; then
				echo "  $n.xml should be rejected but the daemon accepts it:"
			fi
			cat "$tmp/why" 2>/dev/null
			diff -u "$dir/$n.$expect" "$tmp/actual" | sed -e "1s|.*|--- $n.$expect|" \
				-e "2s|.*|+++ $daemon -nv -f $n.xml|"
		fi
	done
	# an expectation without its case
	for e in "$dir"/*.ok "$dir"/*.err; do
		[ -f "$e" ] || continue
		[ -f "${e%.*}.xml" ] && continue
		if [ "$update" = 1 ]; then
			rm -f "$e"
			echo "REMOVED $daemon/${e##*/} (no ${e##*/} case)"
		else
			failed "$daemon/${e##*/}: no $(basename "${e%.*}").xml"
		fi
	done
	if top_srcdir=$top_srcdir sh "$here/coverage.sh" "$daemon" >"$tmp/cov" 2>&1; then
		passed "$daemon: the valid cases use every element and attribute of schema/$daemon.rng"
	else
		failed "$daemon: schema coverage"
		sed 's/^/  /' "$tmp/cov"
	fi
done

[ "$updated" -gt 0 ] && echo "$updated expectation files rewritten"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
