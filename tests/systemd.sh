#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/systemd.sh - the systemd files of systemd/ as make builds them (docs/operations.md):
#  - `systemd-analyze verify` of every unit (the template through an instance), with the
#    binaries of this build in ExecStart so it finds them; any output at all fails (verify
#    exits 0 on most warnings). It works offline: no systemd running is needed.
#  - `systemd-analyze security --offline`: the exposure of each unit stays "OK" (<= 4.0);
#  - what the daemons rely on: Type=notify with -d (foreground, sd_notify from the main
#    process), -f in $(sysconfdir)/lisp, kill -HUP to reload, NoNewPrivileges (the drop needs
#    no new privilege), no ambient capability, the shared runtime directory preserved;
#  - CapabilityBoundingSet is exactly what the start needs (START below) plus the daemon's
#    keep_caps (the .keep_caps of DIR/main.c); tests/integration/systemd_caps.sh runs the
#    daemons under these bounding sets;
#  - the sysusers.d entry creates the user lisp and the tmpfiles.d entry the directories
#    (systemd-sysusers/systemd-tmpfiles on a scratch root);
#  - the configurations make install puts in $(sysconfdir)/lisp (etc/) pass the daemons' -n,
#    and so do they with their commented elements uncommented; make install-lisp-etc
#    installs them, keeps a changed one, and uninstall removes only unchanged ones.
# Skips (77) without systemd-analyze (Debian package systemd, in scripts/deps.sh).
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
pass=0 fail=0
ok() { echo "PASS $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1"; [ -n "${2:-}" ] && sed 's/^/    /' <<<"$2"; fail=$((fail + 1)); }
chk() { # NAME COMMAND...: pass if the command succeeds
	local n=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$n"; else ko "$n" "$out"; fi
}
command -v systemd-analyze >/dev/null || {
	echo "systemd-analyze not found (Debian: systemd)"
	echo "0 passed, 0 failed"
	exit 77
}
SD=$top_builddir/systemd
for u in lisp-msd lisp-mrd lisp-xtrd lisp-xtrd@; do
	[ -f "$SD/$u.service" ] || {
		echo "$SD/$u.service not built (make)"
		echo "0 passed, 1 failed"
		exit 1
	}
done
T=$(mktemp -d /tmp/test_systemd.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT

# what every daemon needs while it starts as root: setresuid/setresgid/setgroups, emptying
# the bounding set (PR_CAPBSET_DROP needs CAP_SETPCAP), the CLI socket's socket-group
# (lchown to a group root is not in), ports below 1024 (BGP on 179; any configured port)
START="CAP_CHOWN CAP_NET_BIND_SERVICE CAP_SETGID CAP_SETPCAP CAP_SETUID"
# keep_caps DIR: the capabilities the daemon of DIR/main.c keeps after the drop
keep_caps() {
	sed -n '/\.keep_caps *=/,/,[[:space:]]*$/p' "$top_srcdir/$1/main.c" | grep -o 'CAP_[A-Z_]*' |
		sort -u | tr '\n' ' '
}
sorted() { tr ' ' '\n' | grep . | sort -u | tr '\n' ' '; }
value() { sed -n "s/^$2=//p" "$1" | tail -1; }

for u in lisp-msd lisp-mrd lisp-xtrd lisp-xtrd@; do
	case $u in
	lisp-msd) dir=ms bin=lisp-msd conf=lisp-msd.xml ;;
	lisp-mrd) dir=mr bin=lisp-mrd conf=lisp-mrd.xml ;;
	lisp-xtrd) dir=xtr bin=lisp-xtrd conf=lisp-xtrd.xml ;;
	lisp-xtrd@) dir=xtr bin=lisp-xtrd conf='lisp-xtrd-%i.xml' ;;
	esac
	f=$SD/$u.service
	# this build's binary instead of $(sbindir)'s
	sed -E "s#^ExecStart=[^ ]*/$bin #ExecStart=$top_builddir/$bin #" "$f" >"$T/$u.service"
	name=$u.service
	if [ "$u" = lisp-xtrd@ ]; then
		ln -s "$u.service" "$T/lisp-xtrd@site1.service"
		name=lisp-xtrd@site1.service
	fi
	out=$(cd "$T" && systemd-analyze verify --man=no "./$name" 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && [ -z "$out" ]; then ok "$u: systemd-analyze verify, no warning"; else
		ko "$u: systemd-analyze verify (exit $rc)" "$out"; fi
	if [ "$u" != lisp-xtrd@ ]; then
		out=$(cd "$T" && systemd-analyze security --offline=yes --threshold=40 "./$name" 2>&1)
		rc=$?
		lvl=$(grep -o 'Overall exposure level for [^:]*: [0-9.]* [A-Z]*' <<<"$out" | sed 's/.*: //')
		if [ $rc -eq 0 ] && [ -n "$lvl" ]; then ok "$u: exposure $lvl (<= 4.0)"; else
			ko "$u: exposure ${lvl:-?} (systemd-analyze security, exit $rc)" "$(tail -5 <<<"$out")"; fi
	fi

	chk "$u: Type=notify" test "$(value "$f" Type)" = notify
	chk "$u: ExecStart runs $bin -d -f \$(sysconfdir)/lisp/$conf" \
		grep -Eq "^ExecStart=/[^ ]*/sbin/$bin -d -f /[^ ]*/lisp/$conf\$" "$f"
	chk "$u: ExecReload sends SIGHUP" test "$(value "$f" ExecReload)" = '/bin/kill -HUP $MAINPID'
	chk "$u: NoNewPrivileges=yes" test "$(value "$f" NoNewPrivileges)" = yes
	chk "$u: no ambient capability" test -z "$(value "$f" AmbientCapabilities)"
	chk "$u: no User= (it starts as root and drops itself)" test -z "$(value "$f" User)"
	chk "$u: RuntimeDirectory=lisp, preserved (shared)" \
		test "$(value "$f" RuntimeDirectory) $(value "$f" RuntimeDirectoryPreserve)" = "lisp yes"
	keep=$(keep_caps "$dir")
	keep=${keep% }
	want=$(echo "$START $keep" | sorted)
	have=$(value "$f" CapabilityBoundingSet | sorted)
	chk "$u: CapabilityBoundingSet = start ($START) + keep_caps (${keep:-none})" \
		test "$have" = "$want"
done
chk "lisp-msd: StateDirectory=lisp" test "$(value "$SD/lisp-msd.service" StateDirectory)" = lisp
chk "lisp-xtrd keeps CAP_NET_ADMIN CAP_NET_RAW (xtr/main.c)" \
	test "$(keep_caps xtr)" = "CAP_NET_ADMIN CAP_NET_RAW "
chk "lisp-msd and lisp-mrd keep nothing" test -z "$(keep_caps ms)$(keep_caps mr)"

# sysusers.d and tmpfiles.d on a scratch root
mkdir -p "$T/root/etc"
if out=$(systemd-sysusers --root="$T/root" "$SD/sysusers/lisp-suite.conf" 2>&1) &&
	grep -q '^lisp:x:[0-9]*:[0-9]*:.*:/usr/sbin/nologin$' "$T/root/etc/passwd" &&
	grep -q '^lisp:x:' "$T/root/etc/group"; then
	ok "sysusers.d: user and group lisp, no login"
else
	ko "sysusers.d: user and group lisp" "$out"
fi
if command -v systemd-tmpfiles >/dev/null; then
	out=$(systemd-tmpfiles --root="$T/root" --create "$SD/tmpfiles/lisp-suite.conf" 2>&1)
	rc=$?
	ents=$(awk '$1 == "d" { print $2 " " $3 " " $4 " " $5 }' "$SD/tmpfiles/lisp-suite.conf")
	okd=1
	while read -r p mode user group; do
		[ "$(stat -c '%a %U %G' "$T/root$p" 2>/dev/null)" = "${mode#0} $user $group" ] || okd=0
	done <<<"$ents"
	if [ $rc -eq 0 ] && [ -z "$out" ] && [ $okd = 1 ] && [ "$(wc -l <<<"$ents")" = 2 ]; then
		ok "tmpfiles.d: $(echo "$ents" | awk '{ print $1 }' | tr '\n' ' ')created, root's"
	else
		ko "tmpfiles.d" "$out$(echo; cat "$SD/tmpfiles/lisp-suite.conf")"
	fi
fi
# the configurations of $(sysconfdir)/lisp
printf 'key\n' >"$T/dc.key"
for d in msd mrd xtrd; do
	f=$top_builddir/etc/lisp-$d.xml
	if [ ! -f "$f" ]; then ko "etc/lisp-$d.xml built"; continue; fi
	chk "etc/lisp-$d.xml passes lisp-$d -n" env LISP_SCHEMA_DIR="$top_srcdir/schema" \
		"$top_builddir/lisp-$d" -n -f "$f"
	# the commented elements uncommented, the key file made to exist
	sed -e '/^  <!--$/d; /^  -->$/d; s#<!-- \(<mapping[^>]*>\) -->#\1#' \
		-e "s#secret-file=\"[^\"]*\"#secret-file=\"$T/dc.key\"#" "$f" >"$T/u-$d.xml"
	chk "etc/lisp-$d.xml with its examples uncommented passes lisp-$d -n" \
		env LISP_SCHEMA_DIR="$top_srcdir/schema" "$top_builddir/lisp-$d" -n -f "$T/u-$d.xml"
done
D=$T/destdir
# a make of its own (not the jobs and -w of the make check that runs this)
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory -C "$top_builddir" "$@"; }
etc=$(mk print-lispconfdir 2>/dev/null | grep '^/' | tail -1)
if [ -z "$etc" ]; then
	ko "make print-lispconfdir"
else
	mk install-lisp-etc DESTDIR="$D" >/dev/null 2>&1
	chk "make install: \$(sysconfdir)/lisp/lisp-msd.xml installed" \
		cmp "$top_builddir/etc/lisp-msd.xml" "$D$etc/lisp-msd.xml"
	echo '<lisp-msd/>' >"$D$etc/lisp-msd.xml"
	out=$(mk install-lisp-etc DESTDIR="$D" 2>&1)
	chk "make install: a changed configuration is kept" \
		test "$(cat "$D$etc/lisp-msd.xml")" = '<lisp-msd/>'
	chk "make install: ... and says so" grep -q "keeping .*lisp-msd.xml" <<<"$out"
	mk uninstall-lisp-etc DESTDIR="$D" >/dev/null 2>&1
	chk "make uninstall: the changed one stays, the others go" \
		test "$(ls "$D$etc")" = lisp-msd.xml
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
