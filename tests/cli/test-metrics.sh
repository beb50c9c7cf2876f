#!/bin/bash
# test-metrics.sh BALLOONCTL SRCDIR -- the [metrics] endpoint of a daemon
# running on libvirt's test driver (test:///default): scraped with curl,
# checked with promtool, its figures against `status --json`; off by
# default; a bad listen value or an address in use is a configuration
# error (exit 2); a reload moves or closes it.  TAP output.
set -uo pipefail
BIN=$1
SRC=$2
export LC_ALL=C LIBVIRT_DEFAULT_URI=
# shellcheck source-path=SCRIPTDIR source=tap.sh
. "$(dirname "$0")/tap.sh"
for tool in curl promtool python3; do
    command -v "$tool" >/dev/null || tap_skip_all "no $tool"
done
TMP=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    rm -rf "$TMP"
}
trap cleanup EXIT

# wait_for FILE REGEX [COUNT]: until FILE has COUNT lines matching (20 s)
wait_for() {
    for _ in $(seq 200); do
        [ "$(grep -cE -- "$2" "$1" 2>/dev/null)" -ge "${3:-1}" ] && return 0
        sleep 0.1
    done
    return 1
}

# The TCP ports process PID listens on.
listening_ports() {
    python3 - "$1" <<'EOF'
import os, sys
pid = sys.argv[1]
inodes = set()
for fd in os.listdir(f"/proc/{pid}/fd"):
    try:
        link = os.readlink(f"/proc/{pid}/fd/{fd}")
    except OSError:
        continue
    if link.startswith("socket:["):
        inodes.add(link[8:-1])
for table in ("/proc/net/tcp", "/proc/net/tcp6"):
    try:
        rows = open(table).read().splitlines()[1:]
    except OSError:
        continue
    for row in rows:
        f = row.split()
        if f[3] == "0A" and f[9] in inodes:
            print(int(f[1].rsplit(":", 1)[1], 16))
EOF
}

# start NAME CONF: a daemon in the background, its stderr in NAME.err
start() {
    "$BIN" -c test:///default --config "$2" --state-file "$TMP/$1.json" run 2>"$TMP/$1.err" &
    pids+=($!)
    pid=$!
}

# metric FILE NAME [STATE]: the value of domain "test"'s series
metric() {
    sed -nE "s/^$2\{domain=\"test\",uuid=\"[^\"]*\"${3:+,state=\"$3\"}\} (.*)$/\1/p" "$1"
}

# scrape URL FILE: the body in FILE, the headers in FILE.h
scrape() {
    curl -sS --max-time 5 -D "$2.h" -o "$2" "$1"
}

# ---- off by default -------------------------------------------------------
printf '[host]\nbudget-mib=8192\n' >"$TMP/off.conf"
start off "$TMP/off.conf"
why=""
wait_for "$TMP/off.err" 'test: managed' || why="daemon did not start: $(head -3 "$TMP/off.err")"
[ -z "$why" ] && [ -n "$(listening_ports "$pid")" ] && why="listens on $(listening_ports "$pid" | xargs)"
[ -z "$why" ] && grep -q 'metrics' "$TMP/off.err" && why="$(grep metrics "$TMP/off.err")"
result "no endpoint without [metrics] listen" "$why"
kill "$pid"; wait "$pid"

# ---- on: scraped, checked, against status --json --------------------------
# min = max = its size: the domain keeps its size and margin, so that the
# daemon's figures and those status reads from a fresh test driver agree
conf_a="[metrics]\nlisten = 127.0.0.1:0\n[domain]\nmin-mib=2048\nmax-mib=2048\n[margin]\ninitial-mib=32\nmin-mib=32\n"
printf '%b' "$conf_a" >"$TMP/on.conf"
start on "$TMP/on.conf"
main=$pid
why=""
wait_for "$TMP/on.err" 'metrics: serving http://127\.0\.0\.1:[0-9]+/metrics$' || why="no 'serving' line: $(head -3 "$TMP/on.err")"
port=$(sed -nE 's|.*metrics: serving http://127\.0\.0\.1:([0-9]+)/metrics$|\1|p' "$TMP/on.err" | head -1)
url="http://127.0.0.1:$port/metrics"
[ -z "$why" ] && [ "$(listening_ports "$main" | xargs)" != "$port" ] && why="listens on '$(listening_ports "$main" | xargs)', logged $port"
result "listens where it says" "$why"

why="no pass with a target within 20 s"
for _ in $(seq 200); do
    # (the first agent read's failure, too: counted below)
    if scrape "$url" "$TMP/m" 2>"$TMP/curl.err" && [ -n "$(metric "$TMP/m" balloonctl_domain_target_bytes)" ] &&
       [ -f "$TMP/on.json" ] && ! grep -qx 'balloonctl_agent_failures_total 0' "$TMP/m"; then why=""; break; fi
    sleep 0.1
done
result "scrape" "$why$(cat "$TMP/curl.err")"

# scrapes leave no connection behind (libsoup 3.2 kept every one whose
# client had closed it: one descriptor lost per scrape)
# shellcheck disable=SC2012 # descriptors: numbers, nothing for ls to mangle
before=$(ls "/proc/$main/fd" | wc -l)
for _ in $(seq 20); do scrape "$url" "$TMP/m2" 2>/dev/null || true; done
sleep 0.5
# shellcheck disable=SC2012 # descriptors: numbers, nothing for ls to mangle
after=$(ls "/proc/$main/fd" | wc -l)
result "20 scrapes leave no descriptor open" "$([ "$after" -le $((before + 1)) ] || echo "$before fds before, $after after")"

# a request with a body is answered before the body is read: 100 MB sent
# to any path cost the daemon 100 MB (with MemoryMax=128M, its life)
head -c 100000000 /dev/zero >"$TMP/big"
codes=$(for p in /other /metrics; do
    for m in POST GET; do curl -s --max-time 20 -o /dev/null -w '%{http_code} ' -X "$m" --data-binary @"$TMP/big" "${url%/metrics}$p"; done
done)
# without Expect: 100-continue, curl sends the body at once: still
# refused from the headers
codes="$codes$(curl -s --max-time 20 -o /dev/null -w '%{http_code} ' -H 'Expect:' --data-binary @"$TMP/big" "$url")"
rm -f "$TMP/big"
hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$main/status")
why=""
[ "$codes" = "404 404 405 413 405 " ] || why="answers '$codes', wanted '404 404 405 413 405 '"
[ "${hwm:-0}" -lt 61440 ] || why="$why peak RSS $hwm KiB"
result "bodies are not read" "$why"
if grep -qi '^Content-Type: text/plain; version=0.0.4; charset=utf-8' "$TMP/m.h" 2>/dev/null; then
    result "content type of the text format 0.0.4" ""
else
    result "content type of the text format 0.0.4" "got '$(grep -i content-type "$TMP/m.h" 2>&1)'"
fi
if [ -s "$TMP/m" ] && promtool check metrics <"$TMP/m" >"$TMP/promtool" 2>&1; then
    result "promtool check metrics" ""
else
    result "promtool check metrics" "$(cat "$TMP/promtool" 2>/dev/null) (empty or no scrape?)"
fi

# A scrape and status --json read a moment apart: the margin's state may
# turn between them (UP to DOWN at the first margin tick, 5 s in, which a
# loaded machine reaches during the tests above).  A fresh scrape next to
# each status read, up to five tries.
compare_status() {
    scrape "$url" "$TMP/mc" 2>/dev/null &&
    "$BIN" -c test:///default --state-file "$TMP/on.json" status --json >"$TMP/status.json" 2>"$TMP/status.err" &&
    python3 - "$TMP/status.json" "$TMP/mc" >"$TMP/cmp" 2>&1 <<'EOF'
import json, re, sys
status = json.load(open(sys.argv[1]))
row = next(d for d in status["domains"] if d["name"] == "test")
ctl = row["controller"]
host = status["host"]
m = {}
for line in open(sys.argv[2]):
    g = re.match(r'^(\w+)\{domain="test",uuid="([^"]*)"(?:,state="(\w+)")?\} (\S+)$', line)
    if g:
        assert g[2] == row["uuid"], line
        m[g[1] + (":" + g[3] if g[3] else "")] = float(g[4])
    g = re.match(r'^balloonctl_domain_info\{domain="test",uuid="[^"]*",memory_device="([a-z-]+)"\} 1$', line)
    if g:
        m["memory_device"] = g[1]
    g = re.match(r'^(balloonctl_host_(?:reclaimable_bytes|room_guests|room_guest_size_bytes)) (\S+)$', line)
    if g:
        m[g[1]] = float(g[2])
want = {
    "balloonctl_domain_managed": 1 if ctl["managed"] else 0,
    "balloonctl_domain_current_bytes": row["current_kib"] * 1024,
    "balloonctl_domain_max_bytes": row["max_kib"] * 1024,
    "balloonctl_domain_cached_bytes": row["cached_kib"] * 1024,
    "balloonctl_domain_target_bytes": ctl["target_kib"] * 1024,
    "balloonctl_domain_margin_bytes": ctl["margin_kib"] * 1024,
    "balloonctl_domain_weight": ctl["weight"],
    "balloonctl_domain_margin_state:UP": 1 if ctl["state"] == "UP" else 0,
    "balloonctl_domain_margin_state:DOWN": 1 if ctl["state"] == "DOWN" else 0,
    # no guest agent in the test driver: nothing reclaimable; its floor min-mib
    "balloonctl_domain_reclaimable_bytes": ctl["reclaimable_kib"] * 1024,
    "balloonctl_domain_floor_bytes": ctl["floor_kib"] * 1024,
    "balloonctl_host_reclaimable_bytes": host["reclaimable_kib"] * 1024,
    "balloonctl_host_room_guest_size_bytes": host["guest_size_kib"] * 1024,
    # the test driver has no virtio-mem device: its balloon sizes it
    "memory_device": ctl["memory_device"],
}
bad = [f"{k}: /metrics {m.get(k)}, status {v}" for k, v in want.items() if m.get(k) != v]
if ctl["memory_device"] != "balloon" or any(k.startswith("balloonctl_domain_virtio_mem_") for k in m):
    bad.append(f"memory device: status {ctl['memory_device']}, virtio-mem series {[k for k in m if 'virtio_mem' in k]}")
if ctl["reclaimable_kib"] != 0 or ctl["floor_kib"] != 2048 * 1024 or host["guest_size_kib"] != 1024 * 1024:
    bad.append(f"status: reclaimable {ctl['reclaimable_kib']}, floor {ctl['floor_kib']}, guest size {host['guest_size_kib']}")
# the budget follows the host between the two reads: the room only so far
if m.get("balloonctl_host_room_guests") is None or m["balloonctl_host_room_guests"] != int(m["balloonctl_host_room_guests"]):
    bad.append(f"room_guests {m.get('balloonctl_host_room_guests')}")
print("; ".join(bad))
sys.exit(1 if bad or ctl["target_kib"] != 2048 * 1024 else 0)
EOF
}
compared=1
for _ in 1 2 3 4 5; do
    if compare_status; then compared=0; break; fi
    sleep 0.5
done
result "domain test's series match status --json" "$([ $compared -eq 0 ] || echo "$(cat "$TMP/cmp" "$TMP/status.err") (failed)")"

now=$(date +%s)
passes=$(sed -n 's/^balloonctl_passes_total //p' "$TMP/m")
last=$(sed -n 's/^balloonctl_last_pass_timestamp_seconds //p' "$TMP/m")
why=""
[ "${passes:-0}" -ge 1 ] || why="passes_total '$passes'"
[ "${last:-0}" -ge $((now - 60)) ] && [ "${last:-0}" -le $((now + 1)) ] || why="$why last pass at '$last', now $now"
grep -qx 'balloonctl_applies_total 0' "$TMP/m" || why="$why $(grep applies_total "$TMP/m")"
grep -qx 'balloonctl_reconnects_total 0' "$TMP/m" || why="$why no reconnects_total 0"
grep -qx 'balloonctl_libvirt_connected 1' "$TMP/m" || why="$why not connected: $(grep libvirt_connected "$TMP/m")"
# the test driver has no guest agent: every read fails
agent=$(sed -n 's/^balloonctl_agent_failures_total //p' "$TMP/m")
[ "${agent:-0}" -ge 1 ] || why="$why agent_failures_total '$agent'"
result "counters" "$why"

code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/other")
result "other paths: 404" "$([ "$code" = 404 ] || echo "got $code")"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url")
result "POST: 405" "$([ "$code" = 405 ] || echo "got $code")"

# ---- reload: a new address, and a new size to apply ------------------------
printf '%b' "${conf_a/127.0.0.1/127.0.0.2}" | sed 's/=2048/=1984/' >"$TMP/on.conf"
kill -HUP "$main"
why=""
wait_for "$TMP/on.err" 'metrics: serving http://127\.0\.0\.2:[0-9]+/metrics$' || why="no new 'serving' line: $(tail -3 "$TMP/on.err")"
port2=$(sed -nE 's|.*metrics: serving http://127\.0\.0\.2:([0-9]+)/metrics$|\1|p' "$TMP/on.err" | head -1)
url2="http://127.0.0.2:$port2/metrics"
[ -z "$why" ] && [ "$(listening_ports "$main" | xargs)" != "$port2" ] && why="listens on '$(listening_ports "$main" | xargs)', not $port2 alone"
[ -z "$why" ] && curl -s -o /dev/null "$url" && why="the old address still answers"
result "a reload moves the endpoint" "$why"

why="no applied change on the new endpoint within 20 s"
for _ in $(seq 200); do
    scrape "$url2" "$TMP/m2" 2>/dev/null
    if grep -qx 'balloonctl_applies_total 1' "$TMP/m2" &&
       [ "$(metric "$TMP/m2" balloonctl_domain_current_bytes)" = $((1984 * 1024 * 1024)) ]; then why=""; break; fi
    sleep 0.1
done
result "applies_total counts the change" "$why"

# ---- an address in use, bad values: configuration errors -------------------
printf '[metrics]\nlisten=127.0.0.2:%s\n' "$port2" >"$TMP/busy.conf"
"$BIN" -c test:///default --config "$TMP/busy.conf" --state-file "" run --once >/dev/null 2>"$TMP/busy.err"
rc=$?
why=""
[ "$rc" -eq 2 ] || why="exit $rc, wanted 2"
grep -qE "^balloonctl: \[metrics\] listen 127\.0\.0\.2:$port2: .*([Aa]ddress.*in use)" "$TMP/busy.err" || why="$why $(cat "$TMP/busy.err")"
result "an address in use: exit 2" "$why"

for bad in "localhost:9477|'localhost' is not an IP address" "127.0.0.1|'127.0.0.1' is not ADDRESS:PORT" \
           "127.0.0.1:70000|'127.0.0.1:70000' is not ADDRESS:PORT" \
           "224.0.0.1:9477|'224.0.0.1' is a multicast address, not one of this host's own" \
           "[ff02::1]:9477|'ff02::1' is a multicast address, not one of this host's own" \
           "255.255.255.255:9477|'255.255.255.255' is the broadcast address, not one of this host's own"; do
    printf '[metrics]\nlisten=%s\n' "${bad%%|*}" >"$TMP/bad.conf"
    "$BIN" -c test:///default --config "$TMP/bad.conf" --state-file "" run --once >/dev/null 2>"$TMP/bad.err"
    rc=$?
    why=""
    [ "$rc" -eq 2 ] || why="exit $rc, wanted 2"
    grep -qF "bad.conf: [metrics] listen: ${bad#*|}" "$TMP/bad.err" || why="$why $(cat "$TMP/bad.err")"
    result "listen=${bad%%|*}: configuration error" "$why"
done

# A subnet's broadcast address (one of this host's interfaces has one):
# the kernel would bind it; refused at start.
brd=$(ip -4 -o addr show 2>/dev/null | sed -nE 's/.* brd ([0-9.]+) .*/\1/p' | head -1)
if [ -n "$brd" ]; then
    printf '[metrics]\nlisten=%s:0\n' "$brd" >"$TMP/brd.conf"
    "$BIN" -c test:///default --config "$TMP/brd.conf" --state-file "" run --once >/dev/null 2>"$TMP/brd.err"
    rc=$?
    why=""
    [ "$rc" -eq 2 ] || why="exit $rc, wanted 2"
    grep -qE "^balloonctl: \[metrics\] listen $brd:0: the broadcast address of [^ ]+, not one of this host's own$" "$TMP/brd.err" ||
        why="$why $(cat "$TMP/brd.err")"
    result "listen=$brd:0 (a broadcast address): error at start" "$why"
else
    result_skip "a subnet's broadcast address" "no interface with one"
fi

# ---- a reload without listen closes it; SIGTERM ends the daemon --------------
printf '[domain]\nmin-mib=1984\nmax-mib=1984\n' >"$TMP/on.conf"
kill -HUP "$main"
why=""
wait_for "$TMP/on.err" 'metrics: endpoint off$' || why="no 'endpoint off' line"
[ -z "$why" ] && [ -n "$(listening_ports "$main")" ] && why="still listens on $(listening_ports "$main" | xargs)"
result "a reload without listen closes the endpoint" "$why"
kill -TERM "$main"
wait "$main"
rc=$?
why=""
[ "$rc" -eq 0 ] || why="exit $rc"
grep -q 'WARNING' "$TMP/on.err" && why="$why $(grep WARNING "$TMP/on.err")"
result "stops cleanly (exit 0, no warning)" "$why"

# The expected text of the unit test, hostile domain names included.
if promtool check metrics <"$SRC/tests/expected/metrics.txt" >"$TMP/promtool" 2>&1; then
    result "promtool accepts the unit test's expected text" ""
else
    result "promtool accepts the unit test's expected text" "$(cat "$TMP/promtool") (failed)"
fi

tap_done
