#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# scripts/deps.sh [build|test|demo|bench|package|all] - install the Debian 12 packages this project needs,
# only those missing (so a second run costs a second). Runs as root with no stdin (CI).
set -euo pipefail
what=${1:-test}

# clang, bpftool, libbpf-dev: lisp-xtrd's in-kernel fast path (eBPF program + libbpf
# skeleton); configure builds without it (and says why) when they are missing
build=(gcc make autoconf automake pkg-config libevent-dev libssl-dev libxml2-dev libxml2-utils
	libsqlite3-dev libcmocka-dev libsystemd-dev clang bpftool libbpf-dev)
test=(clang clang-format libclang-rt-14-dev tshark bird2 telnet netcat-openbsd iproute2 iputils-ping nftables jq
	arping tcpdump procps python3 kmod systemd util-linux mandoc groff-base prometheus frr)
# dpkg-buildpackage of debian/ and tests/package.sh (scripts/test.sh runs it)
package=(build-essential debhelper dpkg-dev fakeroot lintian systemd mandoc)
demo=(iproute2 iputils-ping nftables arping procps gnuplot-nox python3 kmod jq netcat-openbsd bird2)
bench=(linux-perf iperf3 valgrind)

pkgs=("${build[@]}")
case "$what" in
build) ;;
test) pkgs+=("${test[@]}" "${package[@]}") ;;
package) pkgs+=("${package[@]}") ;;
demo) pkgs+=("${demo[@]}") ;;
bench) pkgs+=("${test[@]}" "${bench[@]}") ;;
all) pkgs+=("${test[@]}" "${package[@]}" "${demo[@]}" "${bench[@]}") ;;
*) echo "usage: $0 [build|test|demo|bench|package|all]" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$st" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "missing packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
	exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer it up front so nothing waits on stdin.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
apt-get update -qq </dev/null
apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 "${missing[@]}" </dev/null
