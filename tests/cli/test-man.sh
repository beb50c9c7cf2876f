#!/bin/bash
# test-man.sh BALLOONCTL SRCDIR PAGE... -- the manual pages: each built
# PAGE renders without a word from groff or man (warnings on);
# balloonctl(8) documents exactly the commands and options of
# `balloonctl [COMMAND] --help`; and balloonctl.conf(5) documents exactly
# the keys of src/collect/bc-config-file.c's key table, each in its group with the
# table's range and the default of the shipped example (data/balloonctl.conf,
# which a unit test holds to the built-in defaults).  TAP output.
set -uo pipefail
BIN=$1
SRC=$2
shift 2
export LC_ALL=C
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# shellcheck source-path=SCRIPTDIR source=tap.sh
. "$(dirname "$0")/tap.sh"

for page in "$@"; do
    if ! command -v man >/dev/null; then
        result_skip "$(basename "$page") renders cleanly" "no man (Debian package man-db)"
        continue
    fi
    rc=0
    MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$page" >/dev/null 2>"$TMP/err" || rc=$?
    result "$(basename "$page") renders cleanly" "$([ "$rc" -eq 0 ] && [ ! -s "$TMP/err" ] || echo "exit $rc: $(head -5 "$TMP/err")")"
done

# What --help lists: "global OPTION", "command NAME", "NAME OPTION" (the
# command's own options: -v and -h are global), one line each, sorted.
help_lists() {
    local c
    options() { "$BIN" "$@" --help | sed -nE 's/^  (-[a-zA-Z]), (--[a-z][a-z-]*).*/\1\n\2/p; s/^  (--[a-z][a-z-]*).*/\1/p'; }
    {
        options | sed 's/^/global /'
        for c in $("$BIN" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p'); do
            echo "command $c"
            options "$c" | grep -vxE -- '-v|--verbose|-h|--help' | sed "s/^/$c /"
        done
    } | sort
}

# What balloonctl(8) documents, in the same form: a command is a .TP entry
# of COMMANDS, its options .TP entries inside it (.RS), the global options
# .TP entries of OPTIONS.
man_lists() {
    sed 's/\\-/-/g' "$SRC/man/balloonctl.8" | awk '
        function opts(who, line) { while (match(line, /--?[a-z][a-z-]*/)) { print who, substr(line, RSTART, RLENGTH); line = substr(line, RSTART + RLENGTH) } }
        /^\.SH / { sec = $2; depth = 0; next }
        /^\.RS/ { depth++; next }
        /^\.RE/ { depth--; next }
        /^\.TP/ { tp = 1; next }
        tp { tp = 0
             if (sec == "COMMANDS" && depth == 0 && $1 == ".B") { cmd = $2; print "command", cmd }
             else if (sec == "COMMANDS" && depth == 1) opts(cmd, $0)
             else if (sec == "OPTIONS") opts("global", $0) }' | sort
}

help_lists >"$TMP/help"
man_lists >"$TMP/man8"
result "balloonctl(8) documents the commands and options of --help ($(wc -l <"$TMP/help") lines)" \
    "$([ -s "$TMP/help" ] || echo "nothing read from --help")$(diff "$TMP/help" "$TMP/man8" | sed -n 's/^< /--help only: /p; s/^> /man page only: /p' | tr '\n' ' ')"

# The key table: "group key type min max", one line a key.
table() {
    local line re='^ *\{ "([a-z][a-z-]*)", "([a-z][a-z0-9-]*)", BC_CONFIG_([A-Z]+), O \([a-z_.]+\), ([^,]+), ([^,]+), [A-Z_]+ \},$'
    sed -n '/ keys\[\] = {$/,/^};$/p' "$SRC/src/collect/bc-config-file.c" | sed '1d;$d' | while IFS= read -r line; do
        if [[ $line =~ $re ]]; then
            echo "${BASH_REMATCH[1]} ${BASH_REMATCH[2]} ${BASH_REMATCH[3]} $((BASH_REMATCH[4])) $((BASH_REMATCH[5]))"
        else
            echo "unparsed: $line"
        fi
    done
}

# The shipped example: "group key value".
example() {
    sed -nE 's/^\[([a-z]+)\]$/[\1]/p; s/^([a-z][a-z0-9-]*) *= *(.*)$/\1 \2/p' "$SRC/data/balloonctl.conf" |
        awk '/^\[/ { g = substr($0, 2, length($0) - 2); next } { print g, $0 }'
}

# The entries of balloonctl.conf(5)'s OPTIONS: "group key|default|range",
# from each .TP line under a ".SS [group]" and the entry's "Default: D."
# and "Range: MIN to MAX." line.
documented() {
    sed 's/\\-/-/g' "$SRC/man/balloonctl.conf.5" | awk '
        function flush() { if (key != "") print group, key "|" dflt "|" range; key = "" }
        /^\.SH / { flush(); options = ($2 == "OPTIONS"); group = ""; next }
        !options { next }
        /^\.SS \[[a-z]+\]$/ { flush(); group = substr($2, 2, length($2) - 2); next }
        /^\.SS / { flush(); group = "?"; next }
        /^\.TP/ { flush(); tp = 1; next }
        tp { tp = 0; k = $0; sub(/^\.B[IR]? "?/, "", k); sub(/[ "].*/, "", k); key = k; dflt = range = "?"; next }
        key != "" && /^Default: / {
            d = substr($0, 10); i = match(d, /\.( |$)/); dflt = i ? substr(d, 1, i - 1) : "?"
            r = d; if (sub(/.*Range: /, "", r)) { sub(/\.$/, "", r); range = r }
        }
        END { flush() }'
}

table >"$TMP/table"
example >"$TMP/example"
documented >"$TMP/documented"
result "key table read from src/collect/bc-config-file.c ($(wc -l <"$TMP/table") keys)" \
    "$([ -s "$TMP/table" ] || echo "no key table")$(grep unparsed "$TMP/table")"

while read -r group key type min max; do
    [ "$group" = unparsed: ] && continue
    entry=$(awk -F'|' -v gk="$group $key" '$1 == gk { print $2 "|" $3; exit }' "$TMP/documented")
    want_default=$(awk -v g="$group" -v k="$key" '$1 == g && $2 == k { $1 = $2 = ""; sub(/^ +/, ""); print; exit }' "$TMP/example")
    why=""
    if [ -z "$entry" ]; then
        why="not documented under .SS [$group]"
    elif [ "${entry%%|*}" = "?" ]; then
        why="no 'Default: VALUE.' line"
    elif [ -n "$want_default" ] && [ "${entry%%|*}" != "$want_default" ]; then
        why="documented default '${entry%%|*}', the shipped example has '$want_default'"
    elif [ "$type" = INT ] || [ "$type" = MIB ] || [ "$type" = WEIGHT ]; then
        [ "${entry#*|}" = "$min to $max" ] || why="documented range '${entry#*|}', the table has '$min to $max'"
    fi
    result "[$group] $key documented in balloonctl.conf(5)" "$why"
done <"$TMP/table"

# and nothing else: a key removed from the table goes from the page too
extra=$(cut -d'|' -f1 "$TMP/documented" | while read -r group key; do
    grep -q "^$group $key " "$TMP/table" || echo "[$group] $key"
done)
result "balloonctl.conf(5) documents no key the table lacks" "$([ -z "$extra" ] || echo "$extra" | tr '\n' ' ')"

tap_done
