#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/format.sh - every C file of the tree is formatted with the repository's .clang-format
# (.clang-format). Fix with `make format`. Skips (77) without
# clang-format; the last line is the usual summary.
cd "${top_srcdir:-$(dirname "$0")/..}" || exit 1
command -v clang-format >/dev/null || { echo "0 passed, 0 failed"; exit 77; }
pass=0 fail=0
while IFS= read -r f; do
	if clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
		pass=$((pass + 1))
	else
		echo "not formatted: $f"
		fail=$((fail + 1))
	fi
done < <(find proto common bgp sys ms mr xtr tools tests bench -name '*.[ch]' 2>/dev/null | sort)
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
