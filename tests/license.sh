#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/license.sh - every source file of the tree carries an SPDX licence line (LICENSE is
# the ISC licence): C sources and headers, shell, Python and awk scripts, automake fragments,
# RelaxNG schemas, the example configurations, the manual pages (man/*.in), the systemd units,
# sysusers.d and tmpfiles.d entries (systemd/) and the configurations installed in
# $(sysconfdir)/lisp (etc/). The last line is the usual summary.
cd "${top_srcdir:-$(dirname "$0")/..}" || exit 1
pass=0 fail=0
[ -f LICENSE ] && pass=$((pass + 1)) || { echo "LICENSE is missing"; fail=$((fail + 1)); }
while IFS= read -r f; do
	if head -3 "$f" | grep -q 'SPDX-License-Identifier: ISC'; then
		pass=$((pass + 1))
	else
		echo "no SPDX line: $f"
		fail=$((fail + 1))
	fi
done < <(find proto common bgp sys ms mr xtr tools tests bench scripts schema examples man systemd etc \
	-path tests/fuzz/corpus -prune -o -path tests/config/lisp-\* -prune -o -type f \
	! -name '*.skel.h' \( -name '*.[ch]' -o -name '*.sh' -o -name '*.py' -o -name '*.awk' -o -name '*.am' \
	-o -name '*.rng' -o -name '*.xml' -o -name '*.in' -o -name '*.sysusers' \) -print \
	2>/dev/null | sort; echo Makefile.am; echo configure.ac)
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
