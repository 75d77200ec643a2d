#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/package.sh [TARBALL] - the Debian package (debian/, docs/operations.md): builds it
# with `dpkg-buildpackage -us -uc -b` in a scratch copy of the source (TARBALL, a `make dist`
# tarball; without one, `git archive HEAD` of this checkout), then checks what it holds:
#  - the build: no compiler warning in its log (the package builds with --disable-werror);
#    the package's version is configure's;
#  - the programs (usr/sbin/lisp-msd, lisp-mrd, lisp-xtrd; usr/bin/lisp-register,
#    lisp-query, lisp-flow), each answering --version with that version and -h;
#  - the systemd units with /usr/sbin and /etc/lisp in ExecStart, the sysusers.d entry (user
#    lisp), the tmpfiles.d entry (/run/lisp, /var/lib/lisp); postinst creates the user and
#    the directories and neither enables nor starts a unit, an upgrade restarts the running
#    ones, prerm stops them on removal;
#  - the conffiles: exactly /etc/lisp/lisp-msd.xml, lisp-mrd.xml, lisp-xtrd.xml, each
#    accepted by the packaged daemon's -n against the packaged schemas;
#  - the schemas (every one the tree installs), the documentation and every file of
#    examples/ under /usr/share/doc/lisp-suite;
#  - every man page the tree installs (man/*.N, man/*.N.in), compressed in usr/share/man,
#    without mandoc errors; one for every program and for every unit's Documentation=man:...;
#  - lintian (of the .changes): no error; its warnings are listed.
# Runs as any user (Rules-Requires-Root: no). PACKAGE_NOCHECK=1 builds with
# DEB_BUILD_OPTIONS=nocheck (make check is then skipped inside the build); the build uses
# two jobs. Skips (77), saying why, without dpkg-buildpackage, debhelper or lintian (Debian
# packages dpkg-dev, debhelper, lintian, fakeroot: scripts/deps.sh). The last line is the
# usual summary.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
pass=0 fail=0
ok() { echo "PASS $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | head -40 | sed 's/^/    /'; fail=$((fail + 1)); }
chk() { # NAME COMMAND...
	local n=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$n"; else ko "$n" "$out"; fi
}
skip() {
	echo "SKIP: $*"
	echo "0 passed, 0 failed"
	exit 77
}
for c in dpkg-buildpackage dh lintian dpkg-deb; do
	command -v "$c" >/dev/null || skip "needs $c (Debian: dpkg-dev debhelper lintian)"
done
[ "$(id -u)" = 0 ] || command -v fakeroot >/dev/null || skip "needs fakeroot when not root"

W=$(mktemp -d /tmp/lisp-package.XXXXXX) || exit 1
# the unit tests of the build run programs of the build tree as nobody
chmod 0755 "$W"
# removed unless something failed (then the build tree and its logs stay for a look)
trap '[ "$fail" -eq 0 ] && rm -rf "$W" || echo "# kept: $W"' EXIT
tarball=${1:-}
if [ -n "$tarball" ]; then
	tar -xzf "$tarball" -C "$W" || { ko "extract $tarball"; echo "$pass passed, $fail failed"; exit 1; }
	src=$(find "$W" -mindepth 1 -maxdepth 1 -type d -name 'lisp-suite-*' | head -1)
	how="make dist tarball $(basename "$tarball")"
elif git -C "$top_srcdir" rev-parse --git-dir >/dev/null 2>&1; then
	src=$W/lisp-suite
	mkdir -p "$src" && git -C "$top_srcdir" archive HEAD | tar -x -C "$src"
	how="git archive $(git -C "$top_srcdir" rev-parse --short HEAD)"
else
	skip "neither a tarball nor a git checkout to build from"
fi
[ -f "$src/debian/control" ] || { ko "the source ($how) has debian/"; echo "$pass passed, $fail failed"; exit 1; }
echo "# building from $how"

# ---------------------------------------------------------------- the build
opts="parallel=2"
[ "${PACKAGE_NOCHECK:-0}" = 1 ] && opts="nocheck $opts"
t0=$(date +%s)
(cd "$src" && DEB_BUILD_OPTIONS=$opts timeout "${PACKAGE_TIMEOUT:-1500}" \
	dpkg-buildpackage -us -uc -b) >"$W/build.log" 2>&1
rc=$?
echo "# dpkg-buildpackage (DEB_BUILD_OPTIONS=$opts): exit $rc in $(($(date +%s) - t0)) s"
if [ $rc -ne 0 ]; then
	ko "dpkg-buildpackage -us -uc -b" "$(grep -E '^(FAIL|ERROR):' "$W/build.log"; tail -30 "$W/build.log")"
	# the logs of the tests that failed inside the build
	for t in $(sed -nE 's/^(FAIL|ERROR): ([^ ]+)$/\2/p' "$W/build.log" | sort -u); do
		[ -f "$src/$t.log" ] && { echo "---- $t.log (last 40 lines)"; tail -40 "$src/$t.log"; }
	done
	echo "$pass passed, $fail failed"
	exit 1
fi
ok "dpkg-buildpackage -us -uc -b"
warn=$(grep -E '^[^ ]+\.[ch]:[0-9]+(:[0-9]+)?: warning:' "$W/build.log" | sort -u)
if [ -z "$warn" ]; then ok "no compiler warning in the build"; else ko "compiler warnings" "$warn"; fi
if [ "${PACKAGE_NOCHECK:-0}" != 1 ]; then
	if grep -qE '^# FAIL: +0$' "$W/build.log" && ! grep -qE '^# (FAIL|ERROR): +[1-9]' "$W/build.log"; then
		ok "make check in the build: $(grep -E '^# (PASS|SKIP):' "$W/build.log" | tr -s ' ' | tr '\n' ' ')"
	else
		ko "make check in the build" "$(grep -E '^(FAIL|ERROR):' "$W/build.log")"
	fi
fi
deb=$(ls "$W"/lisp-suite_*.deb 2>/dev/null | head -1)
changes=$(ls "$W"/lisp-suite_*.changes 2>/dev/null | head -1)
if [ -z "$deb" ] || [ -z "$changes" ]; then
	ko "lisp-suite_*.deb and .changes built" "$(ls "$W")"
	echo "$pass passed, $fail failed"
	exit 1
fi
version=$(sed -n 's/^AC_INIT(\[[^]]*\], *\[\([^]]*\)\].*/\1/p' "$src/configure.ac")
chk "package version $(dpkg-deb -f "$deb" Version) = configure's ($version)" \
	test "$(dpkg-deb -f "$deb" Version)" = "$version"

X=$W/root
dpkg-deb -x "$deb" "$X"
dpkg-deb -e "$deb" "$W/control"
LIST=$(cd "$X" && find . -mindepth 1 \( -type f -o -type l \) | sed 's#^\./##' | sort)
has() { grep -qxF "$1" <<<"$LIST"; }
has_re() { grep -qE "^$1\$" <<<"$LIST"; }

# ---------------------------------------------------------------- programs
for p in sbin/lisp-msd sbin/lisp-mrd sbin/lisp-xtrd bin/lisp-register bin/lisp-query bin/lisp-flow; do
	if has "usr/$p" && [ -x "$X/usr/$p" ]; then
		out=$("$X/usr/$p" --version 2>&1 | head -1)
		chk "/usr/$p: --version says $version" grep -q "$version" <<<"$out"
		chk "/usr/$p: -h answers its usage" "$X/usr/$p" -h
	else
		ko "/usr/$p in the package"
	fi
done

# ---------------------------------------------------------------- systemd
unitdir=$(grep -oE '^(usr/)?lib/systemd/system/' <<<"$LIST" | head -1)
for u in lisp-msd lisp-mrd lisp-xtrd lisp-xtrd@; do
	f=$X/$unitdir$u.service
	if [ -z "$unitdir" ] || [ ! -f "$f" ]; then ko "$u.service in the package"; continue; fi
	b=${u%@}
	conf=$b.xml
	[ "$u" = lisp-xtrd@ ] && conf='lisp-xtrd-%i.xml'
	chk "/$unitdir$u.service: ExecStart=/usr/sbin/$b -d -f /etc/lisp/$conf" \
		grep -qxF "ExecStart=/usr/sbin/$b -d -f /etc/lisp/$conf" "$f"
done
chk "sysusers.d: user lisp" grep -qE '^u lisp ' "$X/usr/lib/sysusers.d/lisp-suite.conf"
chk "tmpfiles.d: /run/lisp and /var/lib/lisp" bash -c \
	"grep -qE '^d /run/lisp ' '$X/usr/lib/tmpfiles.d/lisp-suite.conf' && grep -qE '^d /var/lib/lisp ' '$X/usr/lib/tmpfiles.d/lisp-suite.conf'"
pi=$W/control/postinst
chk "postinst: systemd-sysusers lisp-suite.conf" grep -q 'systemd-sysusers .*lisp-suite.conf' "$pi"
chk "postinst: systemd-tmpfiles --create lisp-suite.conf" grep -q 'systemd-tmpfiles .*--create lisp-suite.conf' "$pi"
# dh_installsystemd --no-enable: a unit is enabled again only on an upgrade, when it was
# (the "debian-installed" guard); the default would enable it on the first installation
not_enabled() {
	! grep -q 'new installations run enable' "$pi" && [ "$(grep -c "debian-installed 'lisp-" "$pi")" = 3 ]
}
chk "postinst: no unit enabled by the installation" not_enabled
# units start only through deb-systemd-invoke, which starts no disabled unit
not_started() { ! grep -qE 'systemctl [^|]*(start|restart|enable) ' "$pi"; }
chk "postinst: no unit started by the installation (deb-systemd-invoke only)" not_started
chk "postinst: an upgrade restarts the units that run" grep -q '_dh_action=restart' "$pi"
chk "prerm: a removal stops the units" \
	grep -q 'deb-systemd-invoke stop .*lisp-msd.service' "$W/control/prerm"
chk "Depends: a sysusers implementation" grep -q 'systemd-sysusers' <<<"$(dpkg-deb -f "$deb" Depends)"

# ---------------------------------------------------------------- conffiles
chk "conffiles: /etc/lisp/lisp-mrd.xml, lisp-msd.xml, lisp-xtrd.xml" test \
	"$(sort "$W/control/conffiles" 2>/dev/null | tr '\n' ' ')" = \
	"/etc/lisp/lisp-mrd.xml /etc/lisp/lisp-msd.xml /etc/lisp/lisp-xtrd.xml "
for d in msd mrd xtrd; do
	chk "/etc/lisp/lisp-$d.xml: the packaged lisp-$d -n accepts it (packaged schemas)" \
		env LISP_SCHEMA_DIR="$X/usr/share/lisp-suite" "$X/usr/sbin/lisp-$d" -n -f "$X/etc/lisp/lisp-$d.xml"
done

# ---------------------------------------------------------------- schemas, docs, examples
# every schema the tree installs (dist_pkgdata_DATA of the subdir.am files)
for n in $(sed -n 's/^dist_pkgdata_DATA += //p' "$src"/*/subdir.am); do
	n=$(basename "$n")
	chk "schema /usr/share/lisp-suite/$n" has "usr/share/lisp-suite/$n"
done
D=usr/share/doc/lisp-suite
chk "/$D/copyright" has "$D/copyright"
chk "/$D/README.md" has_re "$D/README\\.md(\\.gz)?"
while IFS= read -r e; do
	e=${e#./}
	chk "example /$D/examples/$e" has_re "$D/examples/${e//./\\.}(\\.gz)?"
done < <(cd "$src/examples" && find . -type f ! -name '.*' | sort)

# lisp-xtrd's in-kernel fast path is built in (debian/rules --enable-fast-path=yes), so the
# package depends on libbpf
chk "lisp-xtrd links libbpf (the fast path is in the package)" bash -c \
	"readelf -d '$X/usr/sbin/lisp-xtrd' | grep -q 'NEEDED.*libbpf'"
chk "Depends: names libbpf" grep -qE '^Depends:.*libbpf' "$W/control/control"

# ---------------------------------------------------------------- man pages
mans=()
if [ -d "$src/man" ]; then
	while IFS= read -r m; do mans+=("$m"); done < <(cd "$src/man" &&
		find . -maxdepth 1 -type f -regex '.*\.[1-9]\(\.in\)?' | sed 's#^\./##; s#\.in$##' | sort -u)
fi
if [ ${#mans[@]} -eq 0 ]; then
	ko "the tree has man pages (man/*.N.in)"
else
	for m in "${mans[@]}"; do
		p=usr/share/man/man${m##*.}/$m.gz
		if has "$p"; then
			if command -v mandoc >/dev/null; then
				chk "man page /$p (mandoc -Tlint: no error)" bash -c \
					"zcat '$X/$p' | mandoc -Tlint -Werror >/dev/null"
			else
				ok "man page /$p"
			fi
		else
			ko "man page /$p in the package"
		fi
	done
	for p in $(grep -E '^usr/s?bin/' <<<"$LIST"); do
		chk "/$p has a man page" has_re "usr/share/man/man[18]/$(basename "$p")\\.[18]\\.gz"
	done
	for f in "$X/$unitdir"*.service; do
		for ref in $(sed -n 's/^Documentation=//p' "$f" | tr ' ' '\n' | sed -n 's/^man:\(.*\)(\([1-9]\))$/\1.\2/p'); do
			chk "$(basename "$f"): Documentation=man:${ref%.*}(${ref##*.}) shipped" \
				has "usr/share/man/man${ref##*.}/$ref.gz"
		done
	done
fi

# ---------------------------------------------------------------- lintian
lout=$(cd "$W" && lintian --pedantic "$(basename "$changes")" 2>&1)
lrc=$?
errs=$(grep -E '^E: ' <<<"$lout")
if [ -z "$errs" ] && [ $lrc -ne 2 ]; then
	ok "lintian: no error ($(grep -cE '^W: ' <<<"$lout") warnings, $(grep -cE '^[IP]: ' <<<"$lout") info/pedantic)"
else
	ko "lintian: errors (exit $lrc)" "$errs$(tail -3 <<<"$lout")"
fi
grep -E '^[WP]: ' <<<"$lout" | sed 's/^/# lintian /'
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
