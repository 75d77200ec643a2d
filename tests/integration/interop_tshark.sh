#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/integration/interop_tshark.sh - tshark interoperability of everything the library
# builds. tests/integration/pcapgen writes every message kind (Map-Request plain/SMR/
# SMR-invoked+PITR/probe/pub-sub, Map-Reply positive/negative/probe, Map-Register HMAC-SHA-1
# and HMAC-SHA-256 with xTR-ID, Map-Notify, Map-Notify-Ack, ECM with inner IPv4 and IPv6,
# data packets with and without an Instance ID) into a pcap, and the table of what tshark
# must show for each frame. This test decodes the pcap with $TSHARK (checksum validation
# on) and compares field by field: type, nonce, record count, flags, EID prefixes and
# mask lengths, Instance IDs, ITR-RLOCs and locators, TTL, action, key ID, auth length,
# xTR-ID/Site-ID, data-plane header fields, outer and inner IP/UDP. A frame fails on any
# difference, on a malformed mark and on any expert info.
#
# Where tshark (Debian 12: Wireshark 4.0) disagrees with the RFCs rather than with us, the
# expected table says so (pcapgen.c, "TSHARK GAP"); those frames are still checked, on what
# tshark does show:
#  - lisp.keyid is the RFC 6833 16-bit Key ID; RFC 9301 splits it into Key ID (8) and
#    Algorithm ID (8), so tshark prints key_id << 8 | alg_id.
#  - the Map-Request I bit and xTR-ID/Site-ID trailer (RFC 9437) are unknown to it: the 24
#    bytes show up as undissected data, compared byte for byte.
#  - type 5, Map-Notify-Ack (RFC 9301 §5.7), is unknown to it ("Unknown (5)", the message as
#    data): the type and the bytes are compared.
# One extra case corrupts a copy of the pcap (the nonce of frame 1) and requires the
# comparison to notice, so the test cannot pass vacuously.
# Prints one line per frame and, last, "N passed, N failed".
set -u

pass=0 fail=0
finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}

tshark=${TSHARK:-}
[ -n "$tshark" ] || tshark=$(command -v tshark 2>/dev/null || true)
if [ -z "$tshark" ] || [ ! -x "$tshark" ]; then
	echo "SKIP: tshark not found (apt-get install tshark)"
	echo "0 passed, 0 failed"
	exit 77
fi
top_builddir=${top_builddir:-.}
pcapgen=$top_builddir/tests/integration/pcapgen
tmp=$(mktemp -d "${TMPDIR:-/tmp}/interop_tshark.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

if ! timeout 30 "$pcapgen" "$tmp/lisp.pcap" "$tmp/expected.tsv" >"$tmp/pcapgen.out" 2>&1; then
	echo "FAIL: pcapgen could not build the messages"
	cat "$tmp/pcapgen.out"
	fail=$((fail + 1))
	finish
fi
cat "$tmp/pcapgen.out"

# The compared fields come from the header line of the expected table (declared once, in
# pcapgen.c); malformed marks and expert info are appended.
read -r -a fields < <(head -1 "$tmp/expected.tsv" | cut -f2- | tr '\t' ' ')
args=()
for f in "${fields[@]}" _ws.malformed _ws.expert.severity _ws.expert.message; do
	args+=(-e "$f")
done

decode() { # pcap -> tsv on stdout
	HOME=$tmp timeout 60 "$tshark" -n -r "$1" -o udp.check_checksum:TRUE \
		-o ip.check_checksum:TRUE -T fields -E separator=/t -E occurrence=a \
		-E aggregator=, "${args[@]}" 2>"$tmp/tshark.err"
}

# The field names as awk assignments (for the messages).
fields_awk() {
	printf '%s\n' "${fields[@]}" | awk '{ printf "fld[%d] = \"%s\"; ", NR, $0 }'
}
# compare EXPECTED GOT: prints "ok"/"FAIL" per frame; sets cp/cf (passed/failed frames).
compare() {
	awk -F'\t' -v nf="${#fields[@]}" "
	BEGIN { $(fields_awk) }"'
	NR == FNR { if (FNR > 1) { n++; name[n] = $1; for (i = 2; i <= NF; i++) want[n, i - 1] = $i }
		    next }
	{
		g++
		if (g > n) { printf "FAIL: tshark shows an extra frame %d\n", g; bad++; next }
		why = ""
		for (i = 1; i <= nf; i++)
			if ($i != want[g, i])
				why = why sprintf("\n      %s: expected \"%s\", tshark \"%s\"", fld[i], want[g, i], $i)
		if ($(nf + 1) != "") why = why "\n      tshark marks the frame malformed"
		if ($(nf + 2) != "" || $(nf + 3) != "")
			why = why sprintf("\n      expert info: severity %s: %s", $(nf + 2), $(nf + 3))
		if (why == "") { printf "ok %d - frame %d %s\n", g, g, name[g]; good++ }
		else { printf "FAIL %d - frame %d %s:%s\n", g, g, name[g], why; bad++ }
	}
	END {
		for (k = g + 1; k <= n; k++) { printf "FAIL: frame %d %s missing in tshark output\n", k, name[k]; bad++ }
		printf "RESULT %d %d\n", good, bad
	}' "$1" "$2" >"$tmp/compare.out"
	grep -v '^RESULT' "$tmp/compare.out"
	read -r _ cp cf < <(grep '^RESULT' "$tmp/compare.out")
}

if ! decode "$tmp/lisp.pcap" >"$tmp/got.tsv"; then
	echo "FAIL: tshark could not read the pcap"
	cat "$tmp/tshark.err"
	fail=$((fail + 1))
	finish
fi
nexp=$(($(wc -l <"$tmp/expected.tsv") - 1))
compare "$tmp/expected.tsv" "$tmp/got.tsv"
pass=$((pass + ${cp:-0}))
fail=$((fail + ${cf:-0}))
if [ "$nexp" -lt 16 ]; then
	echo "FAIL: only $nexp frames generated, every message kind needs one"
	fail=$((fail + 1))
fi

# Self-check: flip a bit of frame 1's nonce (pcap header 24 + record header 16 + Ethernet 14
# + IPv4 20 + UDP 8 + 4 bytes of LISP header) and require a mismatch on lisp.nonce.
cp "$tmp/lisp.pcap" "$tmp/bad.pcap"
off=$((24 + 16 + 14 + 20 + 8 + 4))
printf '\xff' | dd of="$tmp/bad.pcap" bs=1 seek=$off conv=notrunc status=none
decode "$tmp/bad.pcap" >"$tmp/bad.tsv"
compare "$tmp/expected.tsv" "$tmp/bad.tsv" >"$tmp/bad.out"
if grep -q 'lisp.nonce: expected' "$tmp/bad.out"; then
	echo "ok - a corrupted nonce is reported as a mismatch"
	pass=$((pass + 1))
else
	echo "FAIL - a corrupted nonce went unnoticed"
	cat "$tmp/bad.out"
	fail=$((fail + 1))
fi
finish
