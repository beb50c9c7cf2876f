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
if [ "$LAYOUT" != default ]; then
    echo "1..0 # SKIP the build's install directories are not the defaults $EXPECTED lists"
    exit 0
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
DEST=$TMP/dest
n=0 failed=0

result() {
    n=$((n + 1))
    if [ -z "$2" ]; then echo "ok $n - $1"; else echo "not ok $n - $1: $2"; failed=$((failed + 1)); fi
}

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

echo "1..$n"
echo "# $((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
