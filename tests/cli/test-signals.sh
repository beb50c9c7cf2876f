#!/bin/bash
# test-signals.sh BALLOONCTL -- signals that reach `balloonctl run` before
# its daemon is up.  TAP output.
set -uo pipefail
BIN=$1
export LC_ALL=C LIBVIRT_DEFAULT_URI=
TMP=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$TMP"' EXIT
# shellcheck source-path=SCRIPTDIR source=tap.sh
. "$(dirname "$0")/tap.sh"

# A libvirt socket that accepts and answers nothing until told to hang up:
# `run` is connecting for as long as the test wants.
python3 - "$TMP/libvirt.sock" "$TMP/accepted" "$TMP/hangup" <<'PY' &
import os, socket, sys, time
sock, accepted, hangup = sys.argv[1:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sock)
s.listen(1)
c, _ = s.accept()
open(accepted, "w").close()
deadline = time.time() + 20
while not os.path.exists(hangup) and time.time() < deadline:
    time.sleep(0.05)
c.close()
PY
server=$!
for _ in $(seq 100); do [ -S "$TMP/libvirt.sock" ] && break; sleep 0.05; done

# `systemctl reload` during start: SIGHUP while connecting used to kill the
# daemon (exit 129, SIGHUP's default); now it waits for the daemon, and
# here the connection fails, so run ends with its own error (exit 1).
: >"$TMP/empty.conf"
"$BIN" -c "qemu+unix:///session?socket=$TMP/libvirt.sock" --config "$TMP/empty.conf" \
    --state-file "$TMP/state.json" run 2>"$TMP/err" &
pid=$!
for _ in $(seq 200); do [ -e "$TMP/accepted" ] && break; sleep 0.05; done
sleep 0.2
kill -HUP "$pid"
sleep 0.3
touch "$TMP/hangup"
rc=0
wait "$pid" || rc=$?
why=""
if ! [ -e "$TMP/accepted" ] || [ "$rc" -ne 1 ] || ! grep -q "^balloonctl: " "$TMP/err"; then
    why="exit $rc, stderr: $(head -c 300 "$TMP/err")"
fi
result "SIGHUP while connecting does not kill run" "$why"
tap_done
