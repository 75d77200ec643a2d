#!/bin/bash
# SPDX-License-Identifier: ISC
# tests/integration/cli_telnet.sh - the shared telnet CLI (common/cli) driven by real clients:
# tests/unit/cli_demo serves a demo command table on a free loopback port; the real `telnet`
# client and `nc` send commands; text answers are grepped, JSON answers are cut out of the
# session (everything from a line "{" or "[" to a line "}" or "]") and checked with jq.
# Also: unique prefixes, ambiguity, errors as JSON, over-long lines and binary junk (session
# and daemon survive), password mode, client limit, idle timeout. Access control: over TCP
# show works and state-changing commands are refused until `enable` (with the enable secret);
# over the UNIX socket (nc -U) they run; 16 stalled connections (silent or one byte a second)
# do not keep an operator out; a wrong-password loop is slowed per source and logged; the
# login timeout; a trickle does not keep a session open. Big answers (cli_demo -n, streamed
# in batches): 200k entries as JSON and as a table through the real telnet client, complete
# and valid; `count` and filters; another session answered while a client does not read its
# dump; a client killed in the middle of a dump frees its session. The demo is stopped by PID and must
# exit 0 (the sanitizers report leaks through the exit status).
# Ends with "N passed, M failed"; exit status non-zero if anything failed.
set -u

: "${top_builddir:=.}"
DEMO="$top_builddir/tests/unit/cli_demo"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/cli_telnet.XXXXXX")
PASS=0
FAIL=0
PID=
PORT=

cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

ok() {
	PASS=$((PASS + 1))
	echo "ok - $1"
}
ko() {
	FAIL=$((FAIL + 1))
	echo "FAIL - $1"
	if [ -n "${2:-}" ] && [ -f "$2" ]; then sed 's/^/    | /' "$2" | head -40; fi
}
# expect NAME FILE CMD...: CMD (reading nothing) must succeed; FILE is shown on failure.
expect() {
	local name=$1 file=$2
	shift 2
	if "$@" </dev/null >/dev/null 2>&1; then ok "$name"; else ko "$name" "$file"; fi
}
has() { grep -qF -- "$2" "$1"; }   # has FILE TEXT
hasre() { grep -qE -- "$2" "$1"; }
hasnt() { ! grep -qF -- "$2" "$1"; }
# The JSON blocks of a session, one document per block.
json_of() { tr -d '\r' <"$1" | sed -n '/^[[{]/,/^[]}]/p'; }
# jqt FILE FILTER: the first JSON block of FILE satisfies FILTER
jqt() { json_of "$1" | jq -se "first | $2"; }
jqn() { json_of "$1" | jq -se "$2"; } # over all blocks, as an array

start_demo() {
	: >"$TMP/demo.out"
	"$DEMO" -p 0 "$@" >"$TMP/demo.out" 2>"$TMP/demo.err" &
	PID=$!
	for _ in $(seq 100); do
		PORT=$(awk '/^listening/ {print $3}' "$TMP/demo.out")
		[ -n "$PORT" ] && return 0
		sleep 0.05
	done
	echo "cli_demo did not start"
	cat "$TMP/demo.err"
	return 1
}

stop_demo() {
	local rc
	kill -TERM "$PID" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$PID" 2>/dev/null; then
		kill -KILL "$PID"
		wait "$PID" 2>/dev/null
		ko "demo stops on SIGTERM"
	else
		wait "$PID"
		rc=$?
		if [ "$rc" = 0 ]; then ok "demo exits 0 on SIGTERM (no sanitizer report)"; else
			ko "demo exits 0 on SIGTERM (rc=$rc)" "$TMP/demo.err"
		fi
	fi
	PID=
}

# nc_session FILE: send stdin's script with nc, answers into FILE
nc_session() { timeout 15 nc -q5 127.0.0.1 "$PORT" >"$1"; } # -q5: a loaded machine may need more than 1 s to answer after EOF
# telnet_session FILE LINE...: type each line into the real telnet client, with pauses
telnet_session() {
	local f=$1
	shift
	{
		sleep 0.5
		for l in "$@"; do
			printf '%s\r\n' "$l"
			sleep 0.3
		done
		sleep 0.3
	} | timeout 15 telnet 127.0.0.1 "$PORT" >"$f" 2>&1
}

if [ ! -x "$DEMO" ]; then
	echo "missing $DEMO (make check builds it)"
	echo "0 passed, 1 failed"
	exit 1
fi
for tool in telnet nc jq ss; do
	if ! command -v $tool >/dev/null; then
		echo "SKIP: $tool not installed"
		exit 77
	fi
done

start_demo || { echo "0 passed, 1 failed"; exit 1; }

# ---- the real telnet client ----
F=$TMP/telnet1
telnet_session "$F" "show version" "sh ver json" "sh" "quit"
expect "telnet: connected and got the prompt" "$F" has "$F" "lisp-demo> "
expect "telnet: show version as text" "$F" hasre "$F" "^name: +lisp-demo"
expect "telnet: sh ver json is JSON (jq)" "$F" jqt "$F" '.name == "lisp-demo" and (.uptimeSeconds|type) == "number"'
expect "telnet: ambiguous prefix reported" "$F" has "$F" "% Ambiguous command: sh could be show, shutdown"
expect "telnet: one prompt per line typed (CR NUL CR LF is one line end)" "$F" \
	test "$(grep -o 'lisp-demo> ' "$F" | wc -l)" -eq 4
expect "telnet: quit closes the connection" "$F" has "$F" "Connection closed by foreign host"
expect "telnet: no negotiation garbage in the output" "$F" hasnt "$F" $'\xff'

F=$TMP/telnet2
telnet_session "$F" "show map-cache json" "show sites" "debug d" "quit"
expect "telnet: map-cache JSON has 3 entries" "$F" jqt "$F" '.entries | length == 3'
expect "telnet: custom text table" "$F" has "$F" "site-a     10.1.0.0/16      yes"
expect "telnet: debug (state-changing) refused without enable" "$F" has "$F" "% Not authorized (enable)"

# ---- nc, one-shot script use ----
F=$TMP/nc1
printf 'show version json\nquit\n' | nc_session "$F"
expect "nc: one-shot show version json (cut between prompts)" "$F" \
	bash -c "grep -v '^lisp-demo> ' '$F' | jq -e '.name == \"lisp-demo\" and .version != null'"
expect "nc: one-shot JSON cut by block" "$F" jqt "$F" '.name == "lisp-demo"'
expect "nc: no CR in LF sessions" "$F" hasnt "$F" $'\r'

F=$TMP/nc2
printf 'show statistics json\nsh map 10.2.0.0/24 json\nshow map 10.9.0.0/24 json\nshow foo json\nclear map json\nhelp json\nhelp\nfrob\nquit\n' | nc_session "$F"
expect "nc: every command answered before the next prompt" "$F" \
	test "$(grep -c '^lisp-demo> $' "$F")" -eq 9
expect "nc: nested JSON object" "$F" jqn "$F" '.[0].mapRequests.received == 42 and .[0].delta == -5'
expect "nc: uint64 printed exactly" "$F" has "$F" '"maxCounter": 18446744073709551615'
expect "nc: argument passed" "$F" jqn "$F" '.[1].entries == [{"eid":"10.2.0.0/24","rloc":"192.0.2.2","ttlMinutes":60}]'
expect "nc: handler error as JSON" "$F" jqn "$F" '.[2] == {"error":"No map-cache entry for 10.9.0.0/24"}'
expect "nc: unknown command as JSON error" "$F" jqn "$F" '.[3].error | startswith("Unknown command: show foo (expected: version, map-cache")'
expect "nc: json refused where not declared" "$F" jqn "$F" '.[4].error == "json output is not supported by: clear map"'
expect "nc: help json lists the table" "$F" jqn "$F" '[.[5].commands[].usage] | index("show map-cache [EID] [json]") != null and length == 14'
expect "nc: help text from the same rows" "$F" has "$F" "  debug {control|data|bgp|off}  Set the debug level"
expect "nc: unknown command lists alternatives" "$F" has "$F" "% Unknown command: frob (commands: show, clear, debug, echo, shutdown, help, ?, quit, exit, enable, disable)"

# ---- hostile input: over-long line, binary junk, telnet negotiation by hand ----
F=$TMP/nc3
{ head -c 5000 /dev/zero | tr '\0' x; printf '\nshow version json\nquit\n'; } | nc_session "$F"
expect "long line refused, session kept" "$F" has "$F" "% Line too long (max 1024 bytes), ignored"
expect "long line: next command still answered" "$F" jqt "$F" '.name == "lisp-demo"'

F=$TMP/nc4
# raw junk (may open a subnegotiation that never ends): the daemon must survive it
head -c 65536 /dev/urandom | timeout 10 nc -q1 127.0.0.1 "$PORT" >"$F"
expect "binary junk: daemon still alive" "$F" kill -0 "$PID"
# junk without IAC bytes: every junk line is refused, the session goes on. Fixed junk (perl's
# generator, seed 1): random junk is sometimes a command once control bytes are dropped and
# backspaces applied (seed 2 has a line that reads "q", quit, after 187 answered ones), and the
# session then ends as it should
F=$TMP/nc4b
{ perl -e 'srand(1); print map { chr(int(rand(256))) } 1 .. 65536' | tr -d '\377'
	printf '\nshow version json\nquit\n'; } | nc_session "$F"
expect "binary junk: session answers afterwards" "$F" jqt "$F" '.name == "lisp-demo"'
expect "binary junk: refused as unknown commands" "$F" has "$F" "% Unknown command: "
# telnet negotiation by hand, inside a line
F=$TMP/nc4c
printf '\xff\xfd\x01\xff\xfb\x03\xff\xfa\x18\x01\xff\xf0echo a\x00 b\x01c json\r\nquit\r\n' |
	nc_session "$F"
expect "negotiation refused: IAC WONT ECHO, IAC DONT SGA sent" "$F" grep -qaF $'\xff\xfc\x01\xff\xfe\x03' "$F"
expect "negotiation stripped from the line" "$F" jqt "$F" '.argv == ["a", "bc"]'
expect "CR LF answers after a CR LF line" "$F" grep -qa $'^  "argc": 2,\r$' "$F"

F=$TMP/nc5
printf 'show version\nquit\n' | nc_session "$F"
expect "after junk: a new session works" "$F" hasre "$F" "^version: +0.1.0"

# ---- client limit ----
stop_demo
start_demo -m 1 || exit 1
HOLDF=$TMP/hold
( { printf 'show version\n'; sleep 5; } | timeout 8 nc 127.0.0.1 "$PORT" >"$HOLDF" ) &
HOLD=$!
# wait (bounded) until the holding session has been accepted and answered: only then is
# the one allowed session really taken (a fixed sleep flaked on a loaded machine)
for _ in $(seq 100); do
	grep -q '^version' "$HOLDF" 2>/dev/null && break
	sleep 0.1
done
F=$TMP/nc6
printf 'show version\n' | nc_session "$F"
expect "client limit: second session refused" "$F" has "$F" "% Too many CLI sessions"
wait $HOLD 2>/dev/null
stop_demo

# ---- idle timeout ----
start_demo -i 1 || exit 1
F=$TMP/nc7
sleep 3 | timeout 10 nc 127.0.0.1 "$PORT" >"$F"
expect "idle timeout closes the session" "$F" has "$F" "% Idle timeout, closing"
stop_demo

# ---- password ----
start_demo -P 'open sesame' || exit 1
F=$TMP/pw1
printf 'open sesame\nshow version json\nquit\n' | nc_session "$F"
expect "password: prompt" "$F" has "$F" "Password: "
expect "password: right password, command runs" "$F" jqt "$F" '.name == "lisp-demo"'
F=$TMP/pw3
telnet_session "$F" "wrong" "open sesame" "show version" "quit"
expect "password: telnet login after one failure" "$F" test "$(grep -c '% Bad password' "$F")" -eq 1
expect "password: telnet command after login" "$F" hasre "$F" "^name: +lisp-demo"
F=$TMP/pw2
# (after pw3's login the address has no failures: 1 s then 2 s before the 2nd and 3rd try)
printf 'a\nb\nc\nshow version json\n' | nc_session "$F"
expect "password: three failures close" "$F" has "$F" "% Bad password, closing"
expect "password: no command without login" "$F" hasnt "$F" '"name"'
stop_demo

# ---- access control: read-only TCP, enable, the UNIX socket ----
SOCK=$TMP/demo.ctl
start_demo -S "$SOCK" -E 'en4ble' || exit 1
F=$TMP/priv1
telnet_session "$F" "show map-cache json" "clear map-cache" "debug d" "show statistics json" "quit"
expect "privilege: telnet show works unprivileged" "$F" jqt "$F" '.entries | length == 3'
expect "privilege: telnet clear and debug refused" "$F" test "$(grep -c '% Not authorized (enable)' "$F")" -eq 2
expect "privilege: refusals counted in show statistics" "$F" jqn "$F" '.[1].cli.notAuthorized == 2'
expect "privilege: refusal logged with the source" "$TMP/demo.err" \
	has "$TMP/demo.err" "127.0.0.1: CLI: clear map-cache refused: not authorized (enable)"
F=$TMP/priv2
telnet_session "$F" "enable" "wrong" "enable" "en4ble" "clear map-cache" "show map-cache json" "quit"
expect "enable: wrong secret refused" "$F" has "$F" "% Bad enable secret"
expect "enable: right secret gives the privileged prompt" "$F" has "$F" "lisp-demo# "
expect "enable: then clear runs" "$F" has "$F" "map-cache cleared"
expect "enable: and took effect" "$F" jqt "$F" '.entries | length == 0'
expect "enable: the failure is logged" "$TMP/demo.err" has "$TMP/demo.err" "127.0.0.1: CLI: bad enable secret"
F=$TMP/unix1
expect "socket: created with mode 0600" "$SOCK" test "$(stat -c %a "$SOCK")" = 600 -a -S "$SOCK"
printf 'clear map-cache\ndebug c\nshow statistics json\nquit\n' | timeout 15 nc -q5 -U "$SOCK" >"$F"
expect "socket: privileged prompt" "$F" has "$F" "lisp-demo# "
expect "socket: clear runs without enable" "$F" has "$F" "map-cache cleared"
expect "socket: keyword argument prefix (debug c)" "$F" has "$F" "debug control"
expect "socket: sessions counted" "$F" jqt "$F" '.cli.unixAccepted == 1'
stop_demo
expect "socket: removed at exit" "$SOCK" test ! -e "$SOCK"

# ---- 16 stalled connections do not keep the operator out ----
start_demo -P 'open sesame' -S "$SOCK" || exit 1
HOLDERS=()
for i in $(seq 16); do
	if [ $((i % 2)) = 0 ]; then # silent
		{ sleep 12 | timeout 12 nc 127.0.0.1 "$PORT" >/dev/null 2>&1; } &
	else # one byte a second, never a line
		{ for _ in $(seq 12); do printf x; sleep 1; done | timeout 13 nc 127.0.0.1 "$PORT" >/dev/null 2>&1; } &
	fi
	HOLDERS+=($!)
done
for _ in $(seq 100); do
	[ "$(ss -Htn state established "sport = :$PORT" | wc -l)" -ge 16 ] && break
	sleep 0.1
done
F=$TMP/stall1
printf 'open sesame\nshow version json\nshow statistics json\nquit\n' | nc_session "$F"
expect "stalled: 16 held connections did not keep the operator out" "$F" jqt "$F" '.name == "lisp-demo"'
expect "stalled: a stalled session was evicted (counted)" "$F" jqn "$F" '.[1].cli.evicted >= 1'
expect "stalled: eviction logged" "$TMP/demo.err" has "$TMP/demo.err" "sessions busy: closed this unauthenticated one"
for p in "${HOLDERS[@]}"; do kill "$p" 2>/dev/null; done
wait "${HOLDERS[@]}" 2>/dev/null

# ---- a wrong-password loop is slowed per source and logged ----
F=$TMP/brute
end=$((SECONDS + 6))
while [ $SECONDS -lt $end ]; do
	printf 'guess1\nguess2\nguess3\n' | timeout 3 nc -q1 127.0.0.1 "$PORT"
done >"$F" 2>&1
ANSWERED=$(grep -o '% Bad password' "$F" | wc -l)
expect "brute force: failures logged with the source and the delay" "$TMP/demo.err" \
	hasre "$TMP/demo.err" "127\.0\.0\.1: CLI: bad password \([0-9]+ from this address; next try in [0-9]+ ms\)"
# the counters at the end of the loop, over the UNIX socket (no password, no back-off there:
# the operator's way in while an address is slowed down)
F=$TMP/brute2
printf 'show statistics json\nquit\n' | timeout 15 nc -q5 -U "$SOCK" >"$F"
GUESSES=$(json_of "$F" | jq -s 'first | .cli.loginFailures')
echo "# wrong-password loop: $GUESSES guesses tried in 6 s ($ANSWERED answered before the client gave up)"
expect "brute force: at most 4 guesses tried in 6 s (1 s, 2 s, 4 s... between them)" "$F" \
	test "${GUESSES:-99}" -le 4 -a "${GUESSES:-0}" -ge "$ANSWERED" -a "$ANSWERED" -ge 1
expect "brute force: every failure logged (per-source log limit not reached)" "$TMP/demo.err" \
	test "$(grep -c 'CLI: bad password' "$TMP/demo.err")" -ge "${GUESSES:-99}"
expect "brute force: the address is delayed in show statistics" "$F" jqt "$F" '.cli.backoffSources == 1'
stop_demo

# ---- big answers, streamed in batches (cli_demo -n) ----
BIGN=200000
start_demo -n $BIGN || exit 1
# telnet_wait FILE PROMPTS LINE: type LINE into the real telnet client and keep it open until
# FILE holds PROMPTS prompts (the answer is complete) or 120 s passed, then quit
telnet_wait() {
	local f=$1 want=$2 line=$3
	{
		sleep 0.5
		printf '%s\r\n' "$line"
		for _ in $(seq 1200); do
			[ "$(grep -ac 'lisp-demo> ' "$f" 2>/dev/null)" -ge "$want" ] && break
			sleep 0.1
		done
		printf 'quit\r\n'
		sleep 0.5
	} | timeout 150 telnet 127.0.0.1 "$PORT" >"$f" 2>&1
}
F=$TMP/big1
telnet_wait "$F" 2 "show entries json"
tr -d '\r' <"$F" | sed -n '/^{/,/^}/p' >"$TMP/big1.json"
expect "big: telnet received a JSON answer of many MB" "$F" test "$(stat -c %s "$TMP/big1.json")" -gt 20000000
expect "big: the JSON is valid and complete ($BIGN entries, each once, count right)" "$F" \
	jq -e ".count == $BIGN and (.entries | length) == $BIGN and ([.entries[].i] | unique | length) == $BIGN" "$TMP/big1.json"
expect "big: dates as numbers in JSON" "$F" jq -e '.entries[0].registeredUnix | type == "number"' "$TMP/big1.json"
expect "big: telnet saw the prompt after the answer" "$F" grep -qa '^}'$'\r''\?$' "$F"
F=$TMP/big2
telnet_wait "$F" 2 "show entries"
expect "big: the table over telnet: header, one line per entry, total" "$F" \
	test "$(tr -d '\r' <"$F" | grep -cE '^10\.[0-9.]+/32 +192\.0\.2\.[0-9]+ +[0-9]+ 20[0-9-]+T[0-9:]+Z$')" -eq $BIGN
expect "big: the table's total line" "$F" grep -qa "^$BIGN entries" "$F"
F=$TMP/big3
printf 'show entries count\nshow entries count json\nshow entries 10.0.0.0/24 longer count\nshow entries rloc 192.0.2.5 count\nshow entries 10.0.1.5\nshow entries 10.0.1.5 detail\nquit\n' | nc_session "$F"
expect "big: count" "$F" grep -qx "$BIGN" "$F"
expect "big: count json" "$F" jqt "$F" ".count == $BIGN"
expect "big: more specifics of a /24" "$F" grep -qx 256 "$F"
expect "big: RLOC filter" "$F" grep -qx $((BIGN / 250)) "$F"
expect "big: one entry as a table row with a readable date" "$F" hasre "$F" '^10\.0\.1\.5/32 +192\.0\.2\.12 +261 2023-11-14T22:17:41Z$'
expect "big: detail view" "$F" hasre "$F" '^  registered: 2023-11-14T22:17:41Z$'
# a client that does not read its dump: another session is answered meanwhile
F=$TMP/big4
( { printf 'show entries json\n'; sleep 6; } | timeout 10 nc 127.0.0.1 "$PORT" | { sleep 5; cat >/dev/null; } ) &
SLOW=$!
sleep 1
printf 'show version json\nshow statistics json\nquit\n' | nc_session "$F"
expect "big: another session answered while a dump waits for its reader" "$F" jqt "$F" '.name == "lisp-demo"'
expect "big: ... and that dump was still running then" "$F" jqn "$F" '.[1].cli.sessions == 2'
wait $SLOW 2>/dev/null
# a client killed in the middle of a dump (it stopped reading: nobody reads its output):
# its session goes away, the server goes on
{ printf 'show entries json\n'; sleep 4; } | timeout -s KILL 1 nc 127.0.0.1 "$PORT" | sleep 3
for _ in $(seq 50); do
	printf 'show statistics json\nquit\n' | nc_session "$TMP/big5"
	[ "$(json_of "$TMP/big5" | jq -s 'first | .cli.sessions')" = 1 ] && break
	sleep 0.2
done
F=$TMP/big5
expect "big: a client killed mid-dump: its session is gone" "$F" jqt "$F" '.cli.sessions == 1'
expect "big: the abandoned dumps are counted" "$F" jqt "$F" '.cli.streamsAbandoned >= 1 and .cli.streams >= 4'
stop_demo

# ---- login timeout, and a trickle does not keep a session ----
start_demo -P 'open sesame' -L 2 -i 2 || exit 1
# (timeout 4: what the client got in its first 4 s)
F=$TMP/login1
sleep 6 | timeout 4 nc 127.0.0.1 "$PORT" >"$F"
expect "login timeout: a session that does not log in is closed (2 s)" "$F" has "$F" "% Login timeout, closing"
F=$TMP/trickle1
{ printf 'open sesame\nshow version\n'; for _ in $(seq 10); do printf x; sleep 0.5; done; } |
	timeout 4 nc 127.0.0.1 "$PORT" >"$F"
expect "trickle: one byte at a time does not restart the idle timer (2 s)" "$F" has "$F" "% Idle timeout, closing"
stop_demo

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
