#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# scripts/test.sh - the one command that checks everything (README "Quick start").
# Installs what is missing, builds with AddressSanitizer + UndefinedBehaviorSanitizer and
# libFuzzer (clang), runs `make check` (unit tests, fuzzers, integration tests in network
# namespaces with BIRD and tshark), then `make distcheck`, then builds and checks the Debian
# package from the distcheck tarball (tests/package.sh), and ends with the summary line.
#   FUZZ_SECONDS=N   seconds per fuzz target (default 30)
#   NO_DISTCHECK=1   skip the distcheck pass
#   NO_PACKAGE=1     skip the package
set -uo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
./scripts/deps.sh test || exit 1

jobs=$(nproc 2>/dev/null || echo 2)
build="$top/build-check"
log() { printf '== %s\n' "$*"; }

log "autoreconf"
autoreconf -fi >/dev/null || { echo "autoreconf failed"; echo "0 passed, 1 failed"; exit 1; }
rm -rf "$build" && mkdir -p "$build" && cd "$build" || exit 1
log "configure (clang, ASan+UBSan, libFuzzer)"
if ! ../configure -q CC=clang --enable-sanitizers --enable-fuzzing \
	FUZZ_SECONDS="${FUZZ_SECONDS:-30}" >configure.out 2>&1; then
	cat configure.out; echo "0 passed, 1 failed"; exit 1
fi
log "build"
if ! make -j"$jobs" >make.out 2>&1; then
	tail -50 make.out; echo "0 passed, 1 failed"; exit 1
fi
log "make check"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# Everything in parallel except the timing-sensitive scenarios, which then run alone.
serial=$(make -s print-serial-tests | tail -1)
parallel=$(make -s print-tests | tail -1 | tr ' ' '\n' | grep -vxF -f <(printf '%s\n' $serial) | tr '\n' ' ')
make -j"$jobs" check TESTS="$parallel" >check.out 2>&1
check_rc=$?
if [ -n "$serial" ]; then
	log "make check (alone): $serial"
	make check TESTS="$serial" >check-serial.out 2>&1 || check_rc=$?
	cat check-serial.out >>check.out
fi
grep -E '^(PASS|FAIL|XFAIL|XPASS|SKIP|ERROR):' check.out

# Count test cases: cmocka's own summary, our integration scripts' "N passed, N failed",
# else the test program as one case.
passed=0 failed=0 skipped=0
while IFS= read -r trs; do
	logf=${trs%.trs}.log
	res=$(sed -n 's/^:test-result: //p' "$trs" | head -1)
	p=$(grep -E '^\[  PASSED  \] [0-9]+ test' "$logf" 2>/dev/null | tail -1 | grep -oE '[0-9]+' | head -1)
	f=$(grep -E '^\[  FAILED  \] [0-9]+ test' "$logf" 2>/dev/null | tail -1 | grep -oE '[0-9]+' | head -1)
	line=$(grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed' "$logf" 2>/dev/null | tail -1)
	cp=0 cf=0
	if [ -n "$p$f" ]; then
		cp=${p:-0} cf=${f:-0}
	elif [ -n "$line" ]; then
		n=$(echo "$line" | sed -E 's/^([A-Za-z-]+: )?([0-9]+) passed, ([0-9]+) failed.*/\2 \3/')
		cp=${n% *} cf=${n#* }
	fi
	case "$res" in
	PASS) [ $((cp + cf)) -eq 0 ] && cp=1 ;;
	SKIP) skipped=$((skipped + 1)) ;;
	*) [ "$cf" -eq 0 ] && cf=1
	   echo "---- $logf (last 40 lines)"; tail -40 "$logf" ;;
	esac
	passed=$((passed + cp)); failed=$((failed + cf))
done < <(find . -name '*.trs' | sort)

dist_rc=0
if [ $check_rc -eq 0 ] && [ "${NO_DISTCHECK:-0}" != 1 ]; then
	log "make distcheck"
	make -j"$jobs" distcheck DISTCHECK_CONFIGURE_FLAGS="--disable-fuzzing" \
		LISP_SKIP_INTEGRATION=1 >distcheck.out 2>&1 || dist_rc=$?
	if [ $dist_rc -ne 0 ]; then
		tail -40 distcheck.out; failed=$((failed + 1)); echo "distcheck failed"
	else
		passed=$((passed + 1)); echo "distcheck ok"
	fi
fi
# The Debian package, from the tarball distcheck made (else from make dist): built with the
# unit tests inside (-O2 and the Debian hardening flags, not checked elsewhere), then its
# contents and lintian checked. Alone, after everything else: it takes two cores.
pkg_rc=0
if [ $check_rc -eq 0 ] && [ $dist_rc -eq 0 ] && [ $pkg_rc -eq 0 ] && [ "${NO_PACKAGE:-0}" != 1 ]; then
	log "package (tests/package.sh)"
	tarball=$(ls -t lisp-suite-*.tar.gz 2>/dev/null | head -1)
	if [ -z "$tarball" ]; then
		make dist >dist.out 2>&1
		tarball=$(ls -t lisp-suite-*.tar.gz 2>/dev/null | head -1)
	fi
	if [ -z "$tarball" ]; then
		cat dist.out; failed=$((failed + 1)); pkg_rc=1; echo "make dist failed"
	else
		timeout 1800 "$top/tests/package.sh" "$build/$tarball" >package.out 2>&1
		pkg_rc=$?
		grep -vE '^PASS ' package.out
		line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' package.out | tail -1)
		case $pkg_rc in
		0) passed=$((passed + ${line%% *})) ;;
		77) skipped=$((skipped + 1)); pkg_rc=0 ;;
		*) n=${line#*, }; n=${n%% *}; [ "${n:-0}" -gt 0 ] || n=1
		   failed=$((failed + n)); passed=$((passed + ${line%% *})) ;;
		esac
	fi
fi
[ $check_rc -ne 0 ] && [ $failed -eq 0 ] && failed=1
if [ $skipped -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ $check_rc -eq 0 ] && [ $dist_rc -eq 0 ] && [ $pkg_rc -eq 0 ]
