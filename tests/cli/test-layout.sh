#!/bin/bash
# test-layout.sh SRCDIR -- the folders of src/ are the steps, in the order
# a file may include from (README, "Architecture"):
#   util < core < collect < record < report < daemon < cmd < main.c
# A file includes headers of its own folder and of earlier ones, never of
# a later one; and core, besides its own and util's headers, includes
# only GLib and the C library (src/meson.build builds it with GLib alone,
# so libvirt, libxml2, libsoup, libsystemd or json-glib would not even
# compile; this says which line).  Every "bc-*.h" named must be found in
# exactly one folder, and every source file must be in one.  TAP output.
set -uo pipefail
SRC=${1:?usage: test-layout.sh SRCDIR}/src
export LC_ALL=C
ORDER=(util core collect record report daemon cmd)
# shellcheck source-path=SCRIPTDIR source=tap.sh
. "$(dirname "$0")/tap.sh"

declare -A rank folder
for i in "${!ORDER[@]}"; do rank[${ORDER[$i]}]=$i; done
rank[main]=${#ORDER[@]}

# where each header lives
dup=""
for d in "${ORDER[@]}"; do
    for h in "$SRC/$d"/*.h; do
        [ -e "$h" ] || continue
        b=$(basename "$h")
        if [ -n "${folder[$b]:-}" ]; then dup+="$b in ${folder[$b]} and $d"$'\n'; fi
        folder[$b]=$d
    done
done
result "every header in one folder" "${dup%$'\n'}"

stray=$(find "$SRC" -maxdepth 1 \( -name '*.c' -o -name '*.h' \) ! -name main.c -printf '%f\n' | sort)
result "no source file but main.c outside the folders" "$stray"

later="" unknown="" foreign=""
check_file() { # FILE FOLDER
    local f=$1 d=$2 line h hd
    while IFS= read -r line; do
        case $line in
        *'#include "'*)
            h=${line#*\"}; h=${h%%\"*}
            [ "$h" = bc-build-config.h ] && continue
            hd=${folder[$h]:-}
            if [ -z "$hd" ]; then unknown+="${f#"$SRC"/}: $h"$'\n'; continue; fi
            if [ "${rank[$hd]}" -gt "${rank[$d]}" ]; then later+="${f#"$SRC"/} ($d) includes $h ($hd)"$'\n'; fi
            ;;
        *'#include <'*)
            h=${line#*<}; h=${h%%>*}
            if [ "$d" = core ]; then
                case $h in
                glib.h | glib/* | glib-object.h | errno.h | limits.h | stdarg.h | stdio.h | stdlib.h | string.h | math.h | stdint.h) ;;
                *) foreign+="${f#"$SRC"/}: <$h>"$'\n' ;;
                esac
            fi
            ;;
        esac
    done < <(grep -E '^[[:space:]]*#[[:space:]]*include' "$f" | sed -E 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*/#include /')
}

for d in "${ORDER[@]}"; do
    for f in "$SRC/$d"/*.[ch]; do
        [ -e "$f" ] && check_file "$f" "$d"
    done
done
check_file "$SRC/main.c" main

result "every included bc-*.h exists in a folder" "${unknown%$'\n'}"
result "no file includes a header of a later folder (${ORDER[*]} main)" "${later%$'\n'}"
result "core includes only core, util, GLib and the C library" "${foreign%$'\n'}"

tap_done
