#!/bin/bash
# test-cli.sh BALLOONCTL SRCDIR -- the command line against expected files:
# output of status (table, JSON) on libvirt's test driver, exit codes and
# the one-line messages of bad usage and bad configuration.  TAP output.
set -uo pipefail
BIN=$1
SRC=$2
export LC_ALL=C LIBVIRT_DEFAULT_URI=
NODE="test://$(cd "$SRC/tests/data" && pwd)/node.xml"
EXP=$SRC/tests/expected
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# shellcheck source-path=SCRIPTDIR source=tap.sh
. "$(dirname "$0")/tap.sh"

# check NAME EXPECTED_RC EXPECTED_STDOUT_FILE|- EXPECTED_STDERR_REGEX|- -- ARGS...
# (a command that hangs is killed after 30 s: exit 124)
check() {
    local name=$1 want_rc=$2 want_out=$3 want_err=$4 rc=0
    shift 5
    timeout 30 "$BIN" --state-file "$TMP/none.json" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null || rc=$?
    local why=""
    [ "$rc" -eq "$want_rc" ] || why="exit $rc, wanted $want_rc"
    if [ -z "$why" ] && [ "$want_out" != - ]; then
        if [ -n "${BC_UPDATE_EXPECTED:-}" ]; then cp "$TMP/out" "$EXP/$want_out"; fi
        diff -u "$EXP/$want_out" "$TMP/out" >"$TMP/diff" || why="stdout differs: $(cat "$TMP/diff")"
    fi
    if [ -z "$why" ] && [ "$want_err" != - ]; then
        grep -qE -- "$want_err" "$TMP/err" || why="stderr '$(head -3 "$TMP/err")' does not match '$want_err'"
    fi
    result "$name" "$why"
}

printf '[margin]\nstep-mib = 4 MiB\n' >"$TMP/bad.conf"
printf '[controler]\n' >"$TMP/badgroup.conf"
printf '[host]\nbudget-mib=8192\n' >"$TMP/good.conf"
printf '[host]\nreserve-mib=4096\n' >"$TMP/bigreserve.conf"
printf '[margin]\nstep-mib=8\nstep-mib=16\n' >"$TMP/twice.conf"
printf '[controller]\npolicy=\033[31mred\n' >"$TMP/escape.conf"
mkfifo "$TMP/fifo.conf"

check "status table" 0 cli-status.txt - -- -c "$NODE" status
check "status json" 0 cli-status.json - -- -c "$NODE" status --json
check "status with config" 0 cli-status.txt - -- -c "$NODE" --config "$TMP/good.conf" status
check "version" 0 - - -- version
result "version line" "$(grep -qE '^balloonctl [0-9.]+ \(libvirt [0-9]+\.[0-9]+\.[0-9]+\)$' "$TMP/out" || cat "$TMP/out")"
check "help" 0 - - -- --help
check "run help" 0 - - -- run --help
check "no command" 2 - '^balloonctl: no command given \(run, status, replay, version; see --help\)$' --
check "unknown command" 2 - "^balloonctl: unknown command 'bogus'" -- bogus
check "unknown run option" 2 - '^balloonctl: run: Unknown option --frobnicate$' -- run --frobnicate
check "extra status argument" 2 - "^balloonctl: status: unexpected argument 'extra'$" -- -c "$NODE" status vm-a extra
# status DOMAIN: one domain's story; without a daemon, libvirt's figures and why nothing else
check "status DOMAIN" 0 cli-status-vm-a.txt - -- -c "$NODE" --state-file /nonexistent/state.json status vm-a
check "status DOMAIN by UUID" 0 cli-status-vm-a.txt - -- -c "$NODE" --state-file /nonexistent/state.json status 00000000-0000-4000-8000-000000000001
check "status DOMAIN --json" 0 cli-status-vm-a.json - -- -c "$NODE" status --json vm-a
# a domain named vm-a's UUID: that string is ambiguous, refused (it took the name)
sed 's|</node>||' "$SRC/tests/data/node.xml" >"$TMP/uuidname.xml"
printf "<domain type='test'><name>00000000-0000-4000-8000-000000000001</name><uuid>00000000-0000-4000-8000-0000000000c1</uuid><memory unit='MiB'>1024</memory><currentMemory unit='MiB'>1024</currentMemory><vcpu>1</vcpu><os><type>hvm</type></os><devices><memballoon model='virtio'/></devices></domain></node>\n" >>"$TMP/uuidname.xml"
check "status DOMAIN ambiguous: a name and another's UUID" 1 - "^balloonctl: '00000000-0000-4000-8000-000000000001' is ambiguous: the name of the domain of UUID 00000000-0000-4000-8000-0000000000c1 and the UUID of the domain named 'vm-a' \(give that UUID or that name\)$" -- -c "test://$TMP/uuidname.xml" status 00000000-0000-4000-8000-000000000001
check "status DOMAIN ambiguous: by the other UUID" 0 - - -- -c "test://$TMP/uuidname.xml" status 00000000-0000-4000-8000-0000000000c1
result "status DOMAIN ambiguous: by the other UUID, the domain so named" "$(grep -qx 'UUID:         00000000-0000-4000-8000-0000000000c1' "$TMP/out" || head -3 "$TMP/out")"
check "status DOMAIN unknown" 1 - "^balloonctl: no domain 'vm-zz' \(a name or a UUID of a running domain\)$" -- -c "$NODE" status vm-zz
check "status DOMAIN not running" 1 - "^balloonctl: domain 'vm-e' is not running: balloonctl sizes running domains only$" -- -c "$NODE" status vm-e
check "status DOMAIN with --watch" 2 - '^balloonctl: status: --watch shows the table of every domain, not with DOMAIN$' -- -c "$NODE" status --watch=2 vm-a
check "status DOMAIN with --sort" 2 - '^balloonctl: status: --sort shows the table of every domain, not with DOMAIN$' -- -c "$NODE" status --sort name vm-a
# errors carry raw text, escaped once where they are written: ESC as \x1b,
# never \\x1b (escaped twice) nor \u{001B} (another spelling)
check "status DOMAIN escaped in errors" 1 - '^balloonctl: no domain .x\\x1b]0;t\\x07\\u202e. ' -- -c "$NODE" status $'x\033]0;t\a\xe2\x80\xae'
check "status unexpected argument escaped" 2 - '^balloonctl: status: unexpected argument .b\\x1b\[2J.$' -- -c "$NODE" status a $'b\033[2J'

check "unknown global option" 2 - '^balloonctl: Unknown option --frobnicate$' -- --frobnicate status
check "missing --config file" 2 - '^balloonctl: .*/nonexistent.conf: cannot open: No such file or directory$' -- --config "$TMP/nonexistent.conf" status
check "FIFO as --config" 2 - '^balloonctl: .*/fifo.conf: is a FIFO, not a regular file$' -- -c test:///default --config "$TMP/fifo.conf" run --once
# never opened, only looked at (opening a device can act: a watchdog's
# starts it): a writer waiting on the FIFO stays waiting
mkfifo "$TMP/waiting.fifo"
( exec 3>"$TMP/waiting.fifo"; echo opened >"$TMP/writer" ) &
writer=$!
check "FIFO as --config is not opened" 2 - 'waiting.fifo: is a FIFO, not a regular file$' -- -c test:///default --config "$TMP/waiting.fifo" status
sleep 0.2
result "--config looked at the FIFO without opening it" "$([ ! -e "$TMP/writer" ] || echo "it opened it (its writer went on)")"
kill "$writer" 2>/dev/null; wait "$writer" 2>/dev/null
check "directory as --config" 2 - '^balloonctl: .*: is a directory, not a regular file$' -- -c test:///default --config "$TMP" run --once
check "key given twice" 2 - '^balloonctl: .*/twice.conf: \[margin\] step-mib: given twice \(lines 2 and 3\)$' -- -c "$NODE" --config "$TMP/twice.conf" run --once
check "value escaped" 2 - "^balloonctl: .*/escape.conf: \[controller\] policy: unknown policy '\\\\x1b\[31mred' " -- -c "$NODE" --config "$TMP/escape.conf" run --once
# shellcheck disable=SC1003 # '\\' is grep -F's pattern: two backslashes, as written
result "value escaped once" "$(! grep -qF -e '\\' -e $'\033' "$TMP/err" || cat -v "$TMP/err")"
check "bad config value" 2 - "^balloonctl: .*/bad.conf: \[margin\] step-mib: '4 MiB' is not a whole number$" -- -c "$NODE" --config "$TMP/bad.conf" run --once
check "bad config group" 2 - '^balloonctl: .*/badgroup.conf: unknown group \[controler\]$' -- -c "$NODE" --config "$TMP/badgroup.conf" status
check "unreachable URI" 1 - '^balloonctl: test:///nonexistent/node.xml: ' -- -c test:///nonexistent/node.xml status
check "dry run logs, changes nothing" 0 - 'vm-a: dry run: would set 1048576 -> 983040 KiB' -- -c "$NODE" --config "$TMP/good.conf" run --once --dry-run
check "once applies" 0 - 'vm-b: 1048576 -> 1024000 KiB: shrink: .*raised to min' -- -c "$NODE" --config "$TMP/good.conf" run --once
check "once skips bad metadata" 0 - "vm-d: not managed: metadata: <min-mib> 'lots' is not a size" -- -c "$NODE" --config "$TMP/good.conf" run --once
check "reserve above host memory" 2 - '^balloonctl: host budget is 0 KiB: \[host\] reserve-mib 4096 leaves nothing of the host.s 3072 MiB$' -- -c "$NODE" --config "$TMP/bigreserve.conf" run --once

check "sort by an unknown column" 2 - "^balloonctl: status: --sort: unknown column 'bogus' \(one of name, state, current, target, max, committed, cached, active-file, margin, weight, source, last-change\)$" -- -c "$NODE" status --sort bogus
check "sort by a column" 0 cli-status.txt - -- -c "$NODE" status --sort NAME
# --sort by columns whose order is not the names': three domains whose
# current, max and weight (from a daemon's state file) each order them
# otherwise (current: b c a; max: c a b; weight: a c b)
sort_domain() { # NAME N CURRENT_MIB MAX_MIB
    printf "<domain type='test'><name>%s</name><uuid>00000000-0000-4000-8000-0000000000d%d</uuid><memory unit='MiB'>%d</memory><currentMemory unit='MiB'>%d</currentMemory><vcpu>1</vcpu><os><type>hvm</type></os><devices><memballoon model='virtio'/></devices></domain>" \
        "$1" "$2" "$4" "$3"
}
sort_state() { # N WEIGHT
    printf '{"uuid":"00000000-0000-4000-8000-0000000000d%d","managed":true,"state":"UP","margin_kib":131072,"weight":%d,"source":"balloon-only"}' "$1" "$2"
}
{ echo "<node>"; sort_domain vm-a 1 1024 4096; sort_domain vm-b 2 3072 3072; sort_domain vm-c 3 2048 8192; echo "</node>"; } >"$TMP/sort.xml"
SORTNODE="test://$TMP/sort.xml"
printf '{"pid":%d,"uri":"%s","updated_ms":%d,"apply_interval_ms":1000,"domains":[%s,%s,%s]}' $$ "$SORTNODE" "$(date +%s%3N)" \
    "$(sort_state 1 300)" "$(sort_state 2 50)" "$(sort_state 3 100)" >"$TMP/sort-state.json"
for sorted in "name:vm-a vm-b vm-c" "current:vm-b vm-c vm-a" "max:vm-c vm-a vm-b" "weight:vm-a vm-c vm-b" "Weight:vm-a vm-c vm-b"; do
    column=${sorted%%:*} rc=0 why=""
    "$BIN" --state-file "$TMP/sort-state.json" -c "$SORTNODE" status --sort "$column" >"$TMP/out" 2>"$TMP/err" || rc=$?
    [ "$rc" -eq 0 ] || why="exit $rc: $(head -3 "$TMP/err")"
    order=$(awk 'NR > 1 { printf "%s%s", sep, $1; sep = " " }' "$TMP/out")
    [ -n "$why" ] || [ "$order" = "${sorted#*:}" ] || why="rows in the order '$order', wanted '${sorted#*:}': $(cat "$TMP/out")"
    result "sort by $column" "$why"
done
# every column --sort takes is named in status --help and in balloonctl(8)
columns=$("$BIN" status --sort bogus 2>&1 | sed -nE 's/.*\(one of (.*)\)$/\1/p' | tr -d ,)
help=$("$BIN" status --help | grep -e '--sort')
manpara=$(sed -n '/^\.BR \\-s ", " \\-\\-sort/,/^\.TP/p' "$SRC/man/balloonctl.8" | sed 's/\\-/-/g')
why=""
[ -n "$columns" ] && [ -n "$help" ] && [ -n "$manpara" ] || why="no column list ('$columns'), --help line ('$help') or man paragraph"
for c in $columns; do
    grep -qw -- "$c" <<<"$help" || why="$why; $c not in --help"
    grep -qw -- "$c" <<<"$manpara" || why="$why; $c not in balloonctl(8)"
done
result "--sort's columns in --help and balloonctl(8)" "$why"
check "watch interval out of range" 2 - "^balloonctl: status: --watch: '0' is not a number of seconds from 0.1 to 86400$" -- -c "$NODE" status --watch 0
check "watch with json" 2 - '^balloonctl: status: --watch and --json do not go together$' -- -c "$NODE" status --watch --json

# status shows the daemon's columns through any URI of the same local
# hypervisor (qemu:///system or qemu+unix:///system?socket=...): here a
# parameter the test driver ignores
printf '[controller]\napply-interval-ms=200\n' >"$TMP/quick.conf"
"$BIN" --state-file "$TMP/state.json" -c "$NODE" --config "$TMP/quick.conf" run >"$TMP/daemon.log" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -s "$TMP/state.json" ] && break; sleep 0.1; done
# the first file may come before vm-a's and vm-b's first change (it is
# written at most once a second): until it holds both
for _ in $(seq 100); do
    python3 -c 'import json,sys; d={x["name"]: x for x in json.load(open(sys.argv[1]))["domains"]}; sys.exit(0 if all(d.get(n, {}).get("last_change") for n in ("vm-a", "vm-b")) else 1)' \
        "$TMP/state.json" 2>/dev/null && break
    sleep 0.1
done
for uri in "$NODE" "$NODE?bc=1"; do
    rc=0
    "$BIN" --state-file "$TMP/state.json" -c "$uri" --config "$TMP/quick.conf" status >"$TMP/out" 2>"$TMP/err" || rc=$?
    why=""
    [ "$rc" -eq 0 ] || why="exit $rc: $(head -3 "$TMP/err")"
    [ -n "$why" ] || grep -qE '^vm-a +UP +1.00 GiB +[0-9]' "$TMP/out" || why="no daemon's columns: $(grep '^vm-a' "$TMP/out")"
    result "status -c ${uri##*/} shows the daemon's columns" "$why"
done
# status DOMAIN with the daemon: where its floor and limits come from, its changes
rc=0
"$BIN" --state-file "$TMP/state.json" -c "$NODE" --config "$TMP/quick.conf" status vm-b >"$TMP/out" 2>"$TMP/err" || rc=$?
why=""
[ "$rc" -eq 0 ] || why="exit $rc: $(head -3 "$TMP/err")"
for want in '^Daemon: +pid [0-9]+, policy adaptive, state written [0-9]+s ago$' '^Target: +1000 MiB, what the daemon sizes it to$' \
    '^Floor: +1000 MiB, never taken below: its min$' "^Limits: +min 1000 MiB \(its metadata's <min-mib>\), max none set" \
    '^Changes: +latest first$' '^  [0-9]+s ago +1\.00 GiB -> 1000 MiB, shrink: .*raised to min$'; do
    [ -n "$why" ] || grep -qE "$want" "$TMP/out" || why="no line '$want' in: $(cat "$TMP/out")"
done
result "status DOMAIN with the daemon tells its story" "$why"
rc=0
"$BIN" --state-file "$TMP/state.json" -c "$NODE" --config "$TMP/quick.conf" status --json vm-a >"$TMP/out" 2>"$TMP/err" || rc=$?
why=""
[ "$rc" -eq 0 ] || why="exit $rc: $(head -3 "$TMP/err")"
[ -n "$why" ] || python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["domain"]; c=d["controller"]; h=c["history"]; assert d["name"]=="vm-a" and c["limits"]["min_from"]=="config" and 1<=len(h)<=5 and h[0]["at_ms"]==c["last_change"]["at_ms"], c' "$TMP/out" 2>"$TMP/err" || why="$(tail -1 "$TMP/err")"
result "status DOMAIN --json with the daemon: its history, latest first" "$why"
kill -TERM "$pid"; wait "$pid" || true

# a domain named with 70 '[' and 70 '{': brackets in the state file's
# strings are not nesting, status shows the daemon's columns (the whole
# state file was refused as nested deeper than 64 levels)
brackets=$(printf '%070d' 0 | tr 0 '['; printf '%070d' 0 | tr 0 '{')
printf "<node><domain type='test'><name>%s</name><uuid>00000000-0000-4000-8000-0000000000b1</uuid><memory unit='MiB'>2048</memory><currentMemory unit='MiB'>1024</currentMemory><vcpu>1</vcpu><os><type>hvm</type></os><devices><memballoon model='virtio'/></devices></domain></node>\n" \
    "$brackets" >"$TMP/brackets.xml"
BRACKETS="test://$TMP/brackets.xml"
"$BIN" --state-file "$TMP/brackets.json" -c "$BRACKETS" --config "$TMP/quick.conf" run >"$TMP/daemon.log" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -s "$TMP/brackets.json" ] && break; sleep 0.1; done
rc=0
"$BIN" --state-file "$TMP/brackets.json" -c "$BRACKETS" status --json >"$TMP/out" 2>"$TMP/err" || rc=$?
kill -TERM "$pid"; wait "$pid" || true
why=""
[ "$rc" -eq 0 ] || why="exit $rc: $(head -3 "$TMP/err")"
[ -n "$why" ] || python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["daemon"] is not None, d; c=d["domains"][0]; assert c["name"]==sys.argv[2] and c["controller"]["target_kib"] > 0, c' \
    "$TMP/out" "$brackets" 2>"$TMP/err" || why="$(tail -1 "$TMP/err")"
result "status reads a state file naming a domain [[[...{{{ (70 each)" "$why"

# output that cannot be written is an error, not a silent exit 0
rc=0
"$BIN" --state-file "$TMP/none.json" -c test:///default status >/dev/full 2>"$TMP/err" || rc=$?
why=""
[ "$rc" -eq 1 ] || why="exit $rc, wanted 1"
[ -n "$why" ] || grep -qE '^balloonctl: writing output: No space left on device$' "$TMP/err" || why="stderr '$(head -3 "$TMP/err")'"
result "status to a full disk fails" "$why"

# a reader that goes away (run | head -1) leaves the daemon running: its
# log lines are dropped, SIGPIPE does not kill it; SIGTERM stops it, exit 0
printf '[controller]\napply-interval-ms=100\nmargin-interval-ms=100\n' >"$TMP/fast.conf"
mkfifo "$TMP/pipe"
"$BIN" --state-file "$TMP/none.json" -c test:///default --config "$TMP/fast.conf" run >"$TMP/pipe" 2>&1 &
pid=$!
head -1 <"$TMP/pipe" >"$TMP/first"
sleep 2
why=""
grep -q 'balloonctl' "$TMP/first" || why="first line '$(cat "$TMP/first")'"
if [ -z "$why" ] && ! kill -0 "$pid" 2>/dev/null; then
    rc=0; wait "$pid" || rc=$?
    why="the daemon died when its reader went away (exit $rc)"
fi
if [ -z "$why" ]; then
    kill -TERM "$pid"; rc=0; wait "$pid" || rc=$?
    [ "$rc" -eq 0 ] || why="exit $rc after SIGTERM, wanted 0"
fi
result "run | head -1: the daemon lives on" "$why"

# replay: a recording made with `run --record` on node.xml (apply interval
# 100 ms, budget 8192 MiB, no agent); another configuration; a bad line
REC=$SRC/tests/data/recording.jsonl
printf '[host]\nbudget-mib=8192\n[controller]\npolicy=paper\napply-interval-ms=100\nmargin-interval-ms=500\nagent=false\n[safety]\nmax-shrink-mib=16\n' >"$TMP/slow.conf"
{ head -2 "$REC"; printf '{"format":1,"pass":3,"domains":[]}\n'; tail -n +4 "$REC"; } >"$TMP/bad-member.jsonl"
{ head -4 "$REC"; printf '{"format":\033]0;x\007}\n'; } >"$TMP/corrupt.jsonl"
: >"$TMP/empty.jsonl"
check "replay" 0 replay.txt - -- replay "$REC"
check "replay --config" 0 replay-config.txt - -- replay "$REC" --config "$TMP/slow.conf"
check "replay global --config" 0 replay-config.txt - -- --config "$TMP/slow.conf" replay "$REC"
check "replay --policy" 0 replay-committed.txt - -- replay --policy committed "$REC"
check "replay --json" 0 replay.json - -- replay --json --config "$TMP/slow.conf" "$REC"
# a domain sized by virtio-mem beside a balloon's (node-vmem.xml): the
# request a dry run would send, and a recording that says what sized each
VNODE="test://$(cd "$SRC/tests/data" && pwd)/node-vmem.xml"
check "run --dry-run, virtio-mem: the request it would send" 0 - \
    'vm-m: dry run: would set 262144 -> 821248 KiB \(virtio-mem requested size 559104 KiB\): ' \
    -- -c "$VNODE" run --once --dry-run --record "$TMP/vmem.jsonl"
check "replay, virtio-mem" 0 - - -- replay "$TMP/vmem.jsonl"
result "replay, virtio-mem: the domain says so" "$(grep -qE '^  vm-m \(virtio-mem\): ' "$TMP/out" || cat "$TMP/out")"
check "replay --json, virtio-mem" 0 - - -- replay --json "$TMP/vmem.jsonl"
result "replay --json, virtio-mem: each domain's memory device" "$(python3 -c '
import json, sys
d = {x["name"]: x["memory_device"] for x in json.load(open(sys.argv[1]))["domains"]}
print("" if d == {"vm-m": "virtio-mem", "vm-n": "balloon"} else d)' "$TMP/out")"
# a recording of format 2 with [host] follow on a host whose free memory
# fell and whose memory pressure rose (the test driver, a fake /proc): its
# own configuration, given or not, redoes the budget and every decision,
# across a damaged line and a missing pass too; a fixed budget decides
# otherwise
FREC=$SRC/tests/data/recording-follow.jsonl
printf '[controller]\napply-interval-ms=100\nmargin-interval-ms=500\nagent=false\n[margin]\ninitial-mib=2048\nmin-mib=2048\n[host]\nbudget-mib=8192\nreserve-mib=4096\npressure-percent=10\n' >"$TMP/follow.conf"
{ cat "$TMP/follow.conf"; printf 'follow=false\n'; } >"$TMP/fixed.conf"
{ head -5 "$FREC"; printf '{"format":2,"pass":6,\n'; tail -n +7 "$FREC"; } >"$TMP/follow-damaged.jsonl"
{ head -5 "$FREC"; tail -n +7 "$FREC"; } >"$TMP/follow-gap.jsonl"
reproduced() { # NAME ARGS...
    local name=$1; shift
    "$BIN" replay "$@" >"$TMP/out" 2>"$TMP/err"
    result "$name" "$(grep -qx 'configuration as recorded: every recorded decision reproduced' "$TMP/out" || tail -2 "$TMP/out")"
}
reproduced "replay follow: every decision" "$FREC"
reproduced "replay follow --config: every decision" --config "$TMP/follow.conf" "$FREC"
reproduced "replay follow, a damaged line: every other decision" "$TMP/follow-damaged.jsonl"
reproduced "replay follow, a pass missing: every other decision" "$TMP/follow-gap.jsonl"
check "replay follow with a fixed budget" 0 - - -- replay --config "$TMP/fixed.conf" "$FREC"
result "replay follow with a fixed budget: decides otherwise" "$(grep -qE '^  vm-a: [1-9][0-9]* of 17 passes differ' "$TMP/out" || tail -3 "$TMP/out")"
check "replay follow --json" 0 - - -- replay --json "$FREC"
result "replay follow --json: host figures recorded" "$(grep -q '"host_figures_recorded" : true' "$TMP/out" || head -8 "$TMP/out")"
# a damaged line is skipped with a warning naming it, the passes after it
# replayed, the summary counting it (it used to end the replay, exit 2)
check "replay bad line" 0 - "^balloonctl: warning: .*/bad-member.jsonl: line 3: config: missing; line skipped$" -- replay "$TMP/bad-member.jsonl"
result "replay bad line: the others replayed, the skip counted" "$(grep -qx '5 passes replayed, policy paper (recorded: paper); 1 damaged line skipped' "$TMP/out" || echo "summary: $(grep 'passes replayed' "$TMP/out")")"
check "replay corrupt line" 0 - '^balloonctl: warning: .*/corrupt.jsonl: line 5: not JSON: .*unexpected character.*; line skipped$' -- replay "$TMP/corrupt.jsonl"
result "replay corrupt line: escaped" "$(! grep -q $'\033' "$TMP/err" || echo "a control character reached stderr")"
# a pass glued to a line cut short (a crash while recording, then --record
# again): that line is lost, not the passes after it; a blank line is
# passed over without a word
{ head -2 "$REC"; head -c 3000 <(sed -n 3p "$REC"); tail -n +3 "$REC" | head -2; echo; tail -n +5 "$REC"; } >"$TMP/glued.jsonl"
check "replay a glued line" 0 - "^balloonctl: warning: .*/glued.jsonl: line 3: not JSON: .*; line skipped$" -- replay "$TMP/glued.jsonl"
result "replay a glued line: the others replayed, the skip counted" "$(grep -qx '5 passes replayed, policy paper (recorded: paper); 1 damaged line skipped' "$TMP/out" || echo "summary: $(grep 'passes replayed' "$TMP/out")")$([ "$(wc -l <"$TMP/err")" -eq 1 ] || echo " stderr: $(cat "$TMP/err")")"
check "replay --json counts skipped lines" 0 - - -- replay --json "$TMP/glued.jsonl"
result "replay --json counts skipped lines: lines_skipped 1" "$(grep -q '"lines_skipped" : 1,' "$TMP/out" || head -4 "$TMP/out")"
{ echo; head -3 "$REC"; printf ' \t\n\n'; tail -n +4 "$REC"; echo; } >"$TMP/blank.jsonl"
check "replay blank lines" 0 replay.txt - -- replay "$TMP/blank.jsonl"
result "replay blank lines: not a word" "$([ ! -s "$TMP/err" ] || echo "stderr: $(head -3 "$TMP/err")")"
# many damaged lines: the first ten named, then one line for the rest
{ for _ in $(seq 15); do echo '{"format":1}'; done; cat "$REC"; } >"$TMP/many.jsonl"
check "replay many damaged lines" 0 - 'more damaged lines, not named \(the summary counts them\)$' -- replay "$TMP/many.jsonl"
result "replay many damaged lines: eleven lines said, fifteen counted" "$([ "$(wc -l <"$TMP/err")" -eq 11 ] || echo "stderr: $(wc -l <"$TMP/err") lines")$(grep -q '; 15 damaged lines skipped$' "$TMP/out" || echo " summary: $(grep 'passes replayed' "$TMP/out")")"
# strict integers: hex is not JSON (json-glib read 0x40 as 64); 2^63 is out
# of range (json-glib wrapped it round to a negative number)
{ head -1 "$REC"; sed -n 2p "$REC" | sed 's/"requested_kib":[0-9]*/"requested_kib":0x40/'; sed -n 3p "$REC" | sed 's/"requested_kib":[0-9]*/"requested_kib":9223372036854775808/'; tail -n +4 "$REC"; } >"$TMP/ints.jsonl"
check "replay strict integers" 0 - 'line 2: not JSON: 0x40 at byte [0-9]+ is not a JSON number; line skipped$' -- replay "$TMP/ints.jsonl"
result "replay strict integers: 2^63 out of range" "$(grep -qE 'line 3: domains\[0\]\.in\.requested_kib: 9223372036854775808 is out of range \(-9223372036854775808\.\.9223372036854775807\); line skipped$' "$TMP/err" || echo "stderr: $(cat "$TMP/err")")"
printf '{"format":1}\n' >"$TMP/none.jsonl"
check "replay no good line" 2 - '^balloonctl: .*/none.jsonl: no pass recorded \(1 damaged lines skipped\)$' -- replay "$TMP/none.jsonl"
sed 's/"name":"vm-a"/"name":"vm-\\u001b[2Ja"/' "$REC" >"$TMP/escape.jsonl"
check "replay escapes names" 0 - - -- replay "$TMP/escape.jsonl"
why=""
if grep -q $'\033' "$TMP/out" || ! grep -qF 'T+0.0s vm-\x1b[2Ja: 1024 -> 960 MiB' "$TMP/out"; then
    why=$(head -1 "$TMP/out" | cat -v)
fi
result "replay escapes names: escaped" "$why"
# output that cannot be written: exit 1 with a message (it was exit 0)
for json in "" --json; do
    rc=0
    "$BIN" replay $json "$REC" >/dev/full 2>"$TMP/err" || rc=$?
    why=""
    [ "$rc" -eq 1 ] || why="exit $rc, wanted 1"
    [ -n "$why" ] || grep -qxE 'balloonctl: writing output: No space left on device' "$TMP/err" || why="stderr '$(head -3 "$TMP/err")'"
    result "replay${json:+ $json} to a full disk fails" "$why"
done
sed 's/"name":"vm-a"/"name":"vm-\\u202e\\u2028a"/' "$REC" >"$TMP/bidi.jsonl"
check "replay escapes bidi and separators" 0 - - -- replay "$TMP/bidi.jsonl"
why=""
if grep -q $'\xe2\x80\xae\|\xe2\x80\xa8' "$TMP/out" || ! grep -qF 'vm-\u202e\u2028a: 1024 -> 960 MiB' "$TMP/out"; then
    why=$(head -1 "$TMP/out" | cat -v)
fi
result "replay escapes bidi and separators: escaped" "$why"
check "replay empty" 2 - '^balloonctl: .*/empty.jsonl: no pass recorded$' -- replay "$TMP/empty.jsonl"
check "replay missing file" 2 - '^balloonctl: .*/nonexistent.jsonl: No such file or directory$' -- replay "$TMP/nonexistent.jsonl"
# a FIFO waited for a writer for ever, /dev/zero never ended
mkfifo "$TMP/replay.fifo"
check "replay a FIFO" 2 - '^balloonctl: .*/replay.fifo: is a FIFO, not a regular file$' -- replay "$TMP/replay.fifo"
check "replay a device" 2 - '^balloonctl: /dev/zero: is a character device, not a regular file$' -- replay /dev/zero
check "replay no file" 2 - '^balloonctl: replay: no FILE given$' -- replay
check "replay bad policy" 2 - "^balloonctl: replay: unknown policy 'best' " -- replay --policy best "$REC"
check "replay bad config" 2 - "^balloonctl: .*/bad.conf: \[margin\] step-mib: '4 MiB' is not a whole number$" -- replay --config "$TMP/bad.conf" "$REC"
check "run --record unwritable" 1 - '^balloonctl: recording: /nonexistent/dir/r.jsonl: No such file or directory$' -- -c "$NODE" --config "$TMP/good.conf" run --once --record /nonexistent/dir/r.jsonl
check "run --record-max-mib without --record" 2 - '^balloonctl: run: --record-max-mib goes with --record$' -- -c "$NODE" run --once --record-max-mib 5
check "run --record-max-mib negative" 2 - '^balloonctl: run: --record-max-mib: -1 is out of range \(0\.\.1073741824; 0: no cap\)$' -- -c "$NODE" run --once --record "$TMP/r.jsonl" --record-max-mib -1
# a FIFO blocked the start for ever (the lock held); a link was followed
mkfifo "$TMP/rec.fifo"
check "run --record on a FIFO" 1 - '^balloonctl: recording: .*/rec.fifo: is a FIFO, not a regular file$' -- -c "$NODE" --config "$TMP/good.conf" run --once --record "$TMP/rec.fifo"
ln -s "$TMP/good.conf" "$TMP/rec.link"
check "run --record on a symbolic link" 1 - '^balloonctl: recording: .*/rec.link: is a symbolic link; balloonctl does not follow one \(name the file itself\)$' -- -c "$NODE" --config "$TMP/good.conf" run --once --record "$TMP/rec.link"
# a file that is not a recording (a mistyped path): not written into, its
# mode kept (it was made 0600 and appended to)
printf 'notes\nline2' >"$TMP/notes.txt"; chmod 0644 "$TMP/notes.txt"
check "run --record on a file that is not a recording" 1 - '^balloonctl: recording: .*/notes.txt: is not a balloonctl recording \(its first line is not one\): left alone$' -- -c "$NODE" --config "$TMP/good.conf" run --once --dry-run --record "$TMP/notes.txt"
why=""
if [ "$(cat "$TMP/notes.txt")" != "$(printf 'notes\nline2')" ] || [ "$(stat -c %a "$TMP/notes.txt")" != 644 ]; then
    why="changed"
fi
result "run --record on a file that is not a recording: left as it was" "$why"

# --state-file naming what is not a state file: refused before anything is
# written, left as it was (it used to be replaced, then removed at exit)
mkfifo "$TMP/state.fifo"
cp "$TMP/good.conf" "$TMP/good.conf.orig"
check "run --state-file on a FIFO" 1 - '^balloonctl: state file .*/state.fifo: is a FIFO, not a regular file: left alone$' -- --state-file "$TMP/state.fifo" -c "$NODE" --config "$TMP/good.conf" run --once --dry-run
result "run --state-file on a FIFO: left alone" "$([ -p "$TMP/state.fifo" ] && [ ! -e "$TMP/state.fifo.lock" ] || echo "no longer a FIFO, or a lock written")"
check "run --state-file on the configuration" 1 - '^balloonctl: state file .*/good.conf: is not a balloonctl state file \(a mistyped --state-file\?\): left alone$' -- --state-file "$TMP/good.conf" -c "$NODE" --config "$TMP/good.conf" run --once
result "run --state-file on the configuration: left alone" "$(cmp -s "$TMP/good.conf" "$TMP/good.conf.orig" || echo "the configuration changed or went away")"

# status DOMAIN and a state file: one from an older daemon (no history: its
# last change alone); one whose history says more than a daemon writes
# (refused, said, the live figures shown)
live_state() {
    printf '{"pid":%d,"uri":"%s","updated_ms":%d,"apply_interval_ms":1000,"domains":[{"uuid":"00000000-0000-4000-8000-000000000001","managed":true,"state":"UP","margin_kib":131072,"target_kib":1048576,"source":"balloon-only","last_change":{"at_ms":%d,"old_kib":2097152,"new_kib":1048576,"reason":"shrink: \\u001b[2J an old daemon\\u0027s"}%s}]}' \
        $$ "$NODE" "$(date +%s%3N)" "$(($(date +%s) - 5))000" "$1" >"$TMP/old-state.json"
}
live_state ""
rc=0
"$BIN" --state-file "$TMP/old-state.json" -c "$NODE" status vm-a >"$TMP/out" 2>"$TMP/err" || rc=$?
why=""
[ "$rc" -eq 0 ] || why="exit $rc: $(head -3 "$TMP/err")"
[ -n "$why" ] || grep -qE '^  [0-9]+s ago +2\.00 GiB -> 1\.00 GiB, shrink: \\x1b\[2J an old daemon.s$' "$TMP/out" || why="$(cat "$TMP/out")"
[ -n "$why" ] || ! grep -q $'\033' "$TMP/out" || why="an escape reached the output"
result "status DOMAIN reads an older daemon's state file" "$why"
change='{"at_ms":1,"old_kib":2,"new_kib":3,"reason":"r"}'
live_state ",\"history\":[$change,$change,$change,$change,$change,$change]"
rc=0
"$BIN" --state-file "$TMP/old-state.json" -c "$NODE" status vm-a >"$TMP/out" 2>"$TMP/err" || rc=$?
why=""
[ "$rc" -eq 0 ] || why="exit $rc: $(head -3 "$TMP/err")"
[ -n "$why" ] || grep -qE '^Daemon: +no decision to explain .*old-state.json: state file: domain 1: history has 6 changes, at most 5$' "$TMP/out" || why="$(cat "$TMP/out")"
result "status DOMAIN refuses a state file with too long a history" "$why"

# a target above the domain's maximum memory (vm-a's: 2 GiB), a margin
# below 0: no daemon writes them, refused as the history above
for bad in '"target_kib":1048576/"target_kib":4194304|target_kib 4194304 is above its maximum memory, 2097152 KiB' \
    '"margin_kib":131072/"margin_kib":-1|margin_kib -1 is out of range \(0 to 1099511627776\)'; do
    live_state ""
    sed -i "s/${bad%%|*}/" "$TMP/old-state.json"
    rc=0
    "$BIN" --state-file "$TMP/old-state.json" -c "$NODE" status vm-a >"$TMP/out" 2>"$TMP/err" || rc=$?
    why=""
    [ "$rc" -eq 0 ] || why="exit $rc: $(head -3 "$TMP/err")"
    [ -n "$why" ] || grep -qE "^Daemon: +no decision to explain .*old-state.json: state file: domain [^ ]+: ${bad#*|}$" "$TMP/out" || why="$(cat "$TMP/out")"
    result "status DOMAIN refuses a state file with ${bad%%/*}" "$why"
    rc=0
    "$BIN" --state-file "$TMP/old-state.json" -c "$NODE" status >"$TMP/out" 2>"$TMP/err" || rc=$?
    why=""
    [ "$rc" -eq 0 ] || why="exit $rc: $(head -3 "$TMP/err")"
    [ -n "$why" ] || grep -qE "old-state.json: state file: domain [^ ]+: ${bad#*|}$" "$TMP/err" || why="$(cat "$TMP/err")"
    [ -n "$why" ] || grep -qE '^vm-a +- ' "$TMP/out" || why="the daemon's columns shown: $(grep '^vm-a' "$TMP/out")"
    result "status refuses a state file with ${bad%%/*}" "$why"
done

# a domain name with a line break, a carriage return and a bidi override:
# every line of the log is one of the daemon's, nothing raw reaches it
HOSTILE="test://$(cd "$SRC/tests/data" && pwd)/node-hostile.xml"
check "log of a hostile name" 0 - 'evil\\nFORGED: balloonctl-WARNING \*\*: fake\\r\\u202ex: managed' -- -c "$HOSTILE" run --once -v
why=""
if grep -vqE '^balloonctl(-[A-Za-z]+)?-(Message|INFO|DEBUG|WARNING)' "$TMP/err" || grep -q $'\r\|\xe2\x80\xae' "$TMP/err"; then
    why=$(cat -v "$TMP/err" | head -3)
fi
result "log of a hostile name, one line a message" "$why"
# status DOMAIN of that name: found, every line one of its own, escaped
check "status DOMAIN of a hostile name" 0 - - -- -c "$HOSTILE" status $'evil\nFORGED: balloonctl-WARNING **: fake\r\xe2\x80\xaex'
why=""
grep -qxF 'Name:         evil\nFORGED: balloonctl-WARNING **: fake\r\u202ex' "$TMP/out" || why="$(cat -v "$TMP/out" | head -3)"
[ -n "$why" ] || ! grep -q $'\r\|\xe2\x80\xae' "$TMP/out" || why="a control reached the output"
[ -n "$why" ] || [ "$(grep -c ':' "$TMP/out")" -eq "$(wc -l <"$TMP/out")" ] || why="a line without its label: $(cat -v "$TMP/out")"
result "status DOMAIN of a hostile name: escaped" "$why"

# a value holding ESC in a message of the log (status's warning about the
# state file it could not read, through the log writer): one escape, \x1b,
# never escaped twice (\\x1b, \\u{001B}), never raw
esc_dir="$TMP/e"$'\033''[2J'
mkdir -p "$esc_dir"
printf 'not a state file\n' >"$esc_dir/state.json"
rc=0
"$BIN" --state-file "$esc_dir/state.json" -c "$NODE" status >"$TMP/out" 2>"$TMP/err" || rc=$?
why=""
[ "$rc" -eq 0 ] || why="exit $rc: $(head -3 "$TMP/err" | cat -v)"
[ -n "$why" ] || grep -qE 'balloonctl-WARNING \*\*: [0-9:.]+: .*/e\\x1b\[2J/state\.json: ' "$TMP/err" || why="no escaped path: $(cat -v "$TMP/err")"
# shellcheck disable=SC1003 # '\\' is grep -F's pattern: two backslashes, as written
[ -n "$why" ] || ! grep -qF -e '\\' -e $'\033' "$TMP/err" || why="escaped twice or raw: $(cat -v "$TMP/err")"
[ -n "$why" ] || [ "$(grep -c . "$TMP/err")" -eq 1 ] || why="not one line: $(cat -v "$TMP/err")"
result "log: a value with ESC escaped once" "$why"
# a metadata value holding a C1 control and a backslash, quoted in the
# log's message: the one spelling (\u009b, \\), escaped once
printf "<node><domain type='test'><name>c1</name><uuid>00000000-0000-4000-8000-0000000000c2</uuid><memory unit='MiB'>1024</memory><currentMemory unit='MiB'>1024</currentMemory><vcpu>1</vcpu><os><type>hvm</type></os><devices><memballoon model='virtio'/></devices><metadata><policy xmlns='http://balloonctl.org/xmlns/domain/1.0'><min-mib>a&#x9b;2J\\\\x</min-mib></policy></metadata></domain></node>\n" >"$TMP/c1meta.xml"
check "log: a metadata value escaped once" 0 - "c1: not managed: metadata: <min-mib> 'a\\\\u009b2J\\\\\\\\x' is not a size" -- -c "test://$TMP/c1meta.xml" run --once

# the same name in JSON (status --json, status --json DOMAIN, a recording
# and replay --json of it): its line break, carriage return and bidi
# override as JSON escapes, never raw; the same name to a JSON reader
hostile_name=$'evil\nFORGED: balloonctl-WARNING **: fake\r\xe2\x80\xaex'
rm -f "$TMP/hostile.jsonl"
"$BIN" --state-file "$TMP/none.json" -c "$HOSTILE" run --once --dry-run --record "$TMP/hostile.jsonl" >/dev/null 2>&1
for args in "status --json" "status --json $hostile_name" "replay --json $TMP/hostile.jsonl" "recording"; do
    rc=0
    if [ "$args" = recording ]; then cp "$TMP/hostile.jsonl" "$TMP/out"
    elif [ "${args#status --json }" != "$args" ]; then
        "$BIN" --state-file "$TMP/none.json" -c "$HOSTILE" status --json "$hostile_name" >"$TMP/out" 2>"$TMP/err" || rc=$?
    else
        # shellcheck disable=SC2086
        "$BIN" --state-file "$TMP/none.json" -c "$HOSTILE" $args >"$TMP/out" 2>"$TMP/err" || rc=$?
    fi
    why=""
    [ "$rc" -eq 0 ] || why="exit $rc: $(head -3 "$TMP/err")"
    [ -n "$why" ] || ! grep -q $'\r\|\xe2\x80\xae' "$TMP/out" || why="a control reached the output: $(grep -a evil "$TMP/out" | head -2 | cat -v)"
    [ -n "$why" ] || grep -qF 'evil\nFORGED: balloonctl-WARNING **: fake\r\u202ex' "$TMP/out" || why="no escaped name: $(grep -a evil "$TMP/out" | head -2 | cat -v)"
    [ -n "$why" ] || python3 -c 'import json,sys
text=open(sys.argv[1],encoding="utf-8").read()
docs=[json.loads(l) for l in text.splitlines()] if sys.argv[3]=="recording" else [json.loads(text)]
def strings(v):
    if isinstance(v, dict): return [s for k, x in v.items() for s in [k] + strings(x)]
    if isinstance(v, list): return [s for x in v for s in strings(x)]
    return [v] if isinstance(v, str) else []
assert sys.argv[2] in strings(docs), "the name is not one of its strings"' "$TMP/out" "$hostile_name" "$args" 2>"$TMP/err" || why="$(tail -1 "$TMP/err")"
    case $args in "status --json "?*) label="status --json DOMAIN" ;; replay*) label="replay --json" ;; *) label=$args ;; esac
    result "$label: a hostile name as JSON escapes" "$why"
done

# the program's name in help is its own, not argv[0] (which `exec -a`
# chooses, escapes and all)
why=""
(exec -a $'bal\e]0;PWN\a\nFAKE' "$BIN" --help) >"$TMP/out" 2>&1 || why="exit $?"
[ -n "$why" ] || ! grep -q $'\e\|FAKE' "$TMP/out" || why="argv[0] reached the help: $(head -3 "$TMP/out" | cat -v)"
[ -n "$why" ] || grep -q '^  balloonctl ' "$TMP/out" || why="no 'balloonctl' usage line: $(head -3 "$TMP/out" | cat -v)"
result "help names the program balloonctl, whatever argv[0] says" "$why"

# ceilings below any floor (a typo for 1024; below [domain] min-mib): not managed, said why
LIMITS="test://$(cd "$SRC/tests/data" && pwd)/node-limits.xml"
check "metadata max-mib 1 refused" 0 - 'typo: not managed: metadata: <max-mib> 1 is below 64 MiB' -- -c "$LIMITS" run --once
check "metadata max-mib under the floor refused" 0 - 'under-floor: not managed: metadata: <max-mib> 100 is below \[domain\] min-mib 128' -- -c "$LIMITS" run --once
check "a 20 TiB domain shown at its size" 0 - - -- -c "$LIMITS" status
result "20 TiB, not 16" "$(grep -qE '^huge +- +20\.00 TiB +- +20\.00 TiB ' "$TMP/out" || grep huge "$TMP/out")"
printf '[domain]\nmax-mib=1\n' >"$TMP/max1.conf"
check "config max-mib 1 refused" 2 - 'max1.conf: \[domain\] max-mib 1 is below 64 MiB' -- -c "$NODE" --config "$TMP/max1.conf" run --once

# the package's postrm on purge, with an rm that only says what it would
# remove: under DPKG_ROOT its /var/lib, not the running system's; /run not
# at all (the running system's); without DPKG_ROOT both
mkdir -p "$TMP/shim"
printf '#!/bin/sh\necho "rm $*" >>"%s"\n' "$TMP/removed" >"$TMP/shim/rm"
chmod +x "$TMP/shim/rm"
why=""
: >"$TMP/removed"
DPKG_ROOT=$TMP/root PATH="$TMP/shim:$PATH" sh "$SRC/debian/balloonctl.postrm" purge || why="exit $?"
[ -n "$why" ] || [ "$(cat "$TMP/removed")" = "rm -rf $TMP/root/var/lib/balloonctl" ] || why="under DPKG_ROOT: $(cat "$TMP/removed")"
: >"$TMP/removed"
[ -n "$why" ] || env -u DPKG_ROOT PATH="$TMP/shim:$PATH" sh "$SRC/debian/balloonctl.postrm" purge || why="exit $?"
[ -n "$why" ] || [ "$(cat "$TMP/removed")" = "$(printf 'rm -rf /var/lib/balloonctl\nrm -rf /run/balloonctl')" ] || why="without DPKG_ROOT: $(cat "$TMP/removed")"
: >"$TMP/removed"
[ -n "$why" ] || DPKG_ROOT=$TMP/root PATH="$TMP/shim:$PATH" sh "$SRC/debian/balloonctl.postrm" remove || why="exit $?"
[ -n "$why" ] || [ ! -s "$TMP/removed" ] || why="remove removed: $(cat "$TMP/removed")"
result "postrm purge honours DPKG_ROOT" "$why"
# the package's description names only commands balloonctl has: the first
# word of each item of "its command line (...)", against the commands
# balloonctl lists when given none
why=""
commands=$("$BIN" 2>&1 | sed -nE 's/.*no command given \(([^;]*);.*/\1/p' | tr -d ',')
items=$(sed -n '/command line (/,/)/p' "$SRC/debian/control" | tr '\n' ' ' | sed -E 's/.*command line \(([^)]*)\).*/\1/')
[ -n "$commands" ] && [ -n "$items" ] || why="no command list ('$commands') or description list ('$items')"
IFS=, read -ra listed <<<"$items"
for item in "${listed[@]}"; do
    read -r word _ <<<"$item"
    [[ " $commands " == *" $word "* ]] || why="$why '$word' is not a command ($commands)"
done
result "debian/control names no command balloonctl lacks" "$why"

# the shipped unit, with ExecStart at this build's binary
if command -v systemd-analyze >/dev/null; then
    sed "s|@SBINDIR@|$(cd "$(dirname "$BIN")" && pwd)|" "$SRC/data/balloonctl.service.in" >"$TMP/balloonctl.service"
    # any word from it is a problem (it warns without failing)
    why=""
    if ! systemd-analyze verify --man=no "$TMP/balloonctl.service" >"$TMP/err" 2>&1 || [ -s "$TMP/err" ]; then
        why=$(head -3 "$TMP/err")
    fi
    result "systemd-analyze verify balloonctl.service" "$why"
else
    result_skip "systemd-analyze verify balloonctl.service" "no systemd-analyze"
fi

# every `--record PATH` the README and balloonctl(8) show lies where the
# shipped unit may write (ProtectSystem=strict: its StateDirectory,
# RuntimeDirectory, ReadWritePaths)
unit=$SRC/data/balloonctl.service.in
writable=$(sed -nE 's|^StateDirectory=(.*)|/var/lib/\1|p; s|^RuntimeDirectory=(.*)|/run/\1|p; s|^ReadWritePaths=(.*)|\1|p' "$unit" | tr ' ' '\n')
why=""
paths=$(sed 's/\\-/-/g' "$SRC/README.md" "$SRC/man/balloonctl.8" | grep -oE -- '--record /[^ `"]+' | sed 's/^--record //' | sort -u)
[ -n "$paths" ] || why="no --record example found"
for p in $paths; do
    ok=""
    for w in $writable; do [[ $p == "$w"/* ]] && ok=1; done
    [ -n "$ok" ] || why="$why $p is not under the unit's writable directories (${writable//$'\n'/ })"
done
result "--record examples are writable under the shipped unit" "$why"

tap_done
