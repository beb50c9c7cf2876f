#!/bin/bash
# test-watch.sh BALLOONCTL -- `status --watch` on a terminal: tmux runs it
# in detached panes of a private server, capture-pane reads the screen.
# The header and a domain row, a refresh in place, a narrow pane's lines
# within its width, Ctrl-C's clean exit.  TAP output.
set -uo pipefail
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
export LC_ALL=C LIBVIRT_DEFAULT_URI=
# shellcheck source-path=SCRIPTDIR source=tap.sh
. "$(dirname "$0")/tap.sh"
command -v tmux >/dev/null || tap_skip_all "no tmux"
TMP=$(mktemp -d)
tm() { tmux -S "$TMP/tmux.sock" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$TMP"' EXIT

# start SESSION COLUMNS LINES: status --watch in a pane of that size; its
# exit status lands in $TMP/SESSION.rc (tmux may not learn it: a server
# started under meson may inherit SIGCHLD blocked)
start() {
    printf '%q ' "$BIN" --state-file "$TMP/none.json" -c test:///default status --watch 0.5 >"$TMP/$1.sh"
    printf '\necho $? >%q\n' "$TMP/$1.rc" >>"$TMP/$1.sh"
    tm new-session -d -s "$1" -x "$2" -y "$3" "bash '$TMP/$1.sh'"
}

# screen SESSION: the pane once it shows a domain row (at most 20 s)
screen() {
    for _ in $(seq 100); do
        tm capture-pane -p -t "$1" >"$TMP/$1.txt"
        grep -q '^test ' "$TMP/$1.txt" && return 0
        sleep 0.2
    done
    return 1
}

# stop SESSION: Ctrl-C, then its exit status (waits at most 10 s)
stop() {
    tm send-keys -t "$1" C-c
    for _ in $(seq 50); do
        [ -s "$TMP/$1.rc" ] && { cat "$TMP/$1.rc"; return; }
        sleep 0.2
    done
    echo "still running"
}

start wide 200 30
start narrow 60 20

why=""
screen wide || why="no domain row: $(head -5 "$TMP/wide.txt")"
[ -n "$why" ] || grep -qE '^balloonctl at [0-9:]+, every 0\.5 s; no daemon$' "$TMP/wide.txt" || why="title: $(head -1 "$TMP/wide.txt")"
[ -n "$why" ] || grep -qE '^NAME +STATE +CURRENT +TARGET +MAX +COMMITTED +CACHED +ACTIVE\(FILE\) +MARGIN +WEIGHT +SOURCE +LAST CHANGE$' "$TMP/wide.txt" || why="no header: $(head -3 "$TMP/wide.txt")"
[ -n "$why" ] || grep -qE '^test +- +2\.00 GiB +- +8\.00 GiB .* balloon-only +-$' "$TMP/wide.txt" || why="no row for domain test: $(cat "$TMP/wide.txt")"
result "watch shows the title, the header and a domain row" "$why"

sleep 1.5
tm capture-pane -p -t wide >"$TMP/wide2.txt"
headers=$(grep -c '^NAME ' "$TMP/wide2.txt")
result "refreshed in place (one header on the screen)" "$([ "$headers" -eq 1 ] || echo "$headers headers: $(cat "$TMP/wide2.txt")")"

# test:///default's widths: NAME 4, STATE 5, CURRENT 8, TARGET 6, MAX 8,
# COMMITTED 9, CACHED 7, two columns apart: 59 columns; the rest is hidden
# and the title is cut with a '+'
why=""
screen narrow || why="no domain row: $(head -5 "$TMP/narrow.txt")"
long=$(awk 'length($0) > 60' "$TMP/narrow.txt")
[ -n "$why" ] || [ -z "$long" ] || why="lines longer than 60: $long"
[ -n "$why" ] || grep -qE '^NAME +STATE +CURRENT +TARGET +MAX +COMMITTED +CACHED$' "$TMP/narrow.txt" || why="header: $(sed -n 2p "$TMP/narrow.txt")"
[ -n "$why" ] || grep -qE '^balloonctl at [0-9:]+, every 0\.5 s, 5 columns hidden; no d\+$' "$TMP/narrow.txt" || why="title: $(head -1 "$TMP/narrow.txt")"
result "a 60-column pane: no line longer than 60, columns hidden" "$why"

for s in wide narrow; do
    status=$(stop "$s")
    result "Ctrl-C stops watch ($s), exit 0" "$([ "$status" = 0 ] || echo "exit status: $status; $(tm capture-pane -p -t "$s" | grep -v '^$' | tail -3 | sed 's/^/# /')")"
done

tap_done
