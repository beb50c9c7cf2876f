#!/bin/bash
# test-install.sh MESON BUILDDIR EXPECTED LAYOUT -- `meson install` of
# BUILDDIR into a DESTDIR puts exactly the files listed in EXPECTED (paths
# for the default prefix, /usr/local) where they are listed, with the
# binary executable and no @PLACEHOLDER@ left in what was configured.
# LAYOUT is "default" when the build's install directories are meson's and
# ours by default; any other layout is skipped.  TAP output.
set -uo pipefail
MESON=$1
BUILD=$2
EXPECTED=$3
LAYOUT=$4
export LC_ALL=C
# shellcheck source-path=SCRIPTDIR source=tap.sh
. "$(dirname "$0")/tap.sh"
[ "$LAYOUT" = default ] || tap_skip_all "the build's install directories are not the defaults $EXPECTED lists"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
DEST=$TMP/dest

rc=0
"$MESON" install -C "$BUILD" --destdir "$DEST" --no-rebuild --quiet >"$TMP/log" 2>&1 || rc=$?
result "meson install --destdir" "$([ "$rc" -eq 0 ] || echo "exit $rc: $(tail -5 "$TMP/log")")"

(cd "$DEST" 2>/dev/null && find . ! -type d | sed 's|^\./|/|' | sort) >"$TMP/installed"
if [ -n "${BC_UPDATE_EXPECTED:-}" ]; then cp "$TMP/installed" "$EXPECTED"; fi
result "installed files are $(basename "$EXPECTED")" \
    "$(diff -u "$EXPECTED" "$TMP/installed" >"$TMP/diff" || cat "$TMP/diff")"

bin=$(grep -m1 -E '/s?bin/balloonctl$' "$TMP/installed")
result "the binary is installed executable" "$([ -n "$bin" ] && [ -x "$DEST$bin" ] || echo "no executable balloonctl in a bin directory")"

unit=$(grep -m1 '/balloonctl\.service$' "$TMP/installed")
exec_start=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$DEST$unit" 2>/dev/null)
result "the unit starts the installed binary ($exec_start)" "$([ -n "$exec_start" ] && [ "$exec_start" = "$bin" ] || echo "ExecStart '$exec_start', binary '$bin'")"

left=$(cd "$DEST" && sed 's|^/||' "$TMP/installed" | grep -v '/s\?bin/' | xargs -r grep -lE '@[A-Z_]+@')
result "no @PLACEHOLDER@ left in installed files" "$([ -z "$left" ] || echo "$left" | tr '\n' ' ')"

tap_done
