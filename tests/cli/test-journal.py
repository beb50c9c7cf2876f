#!/usr/bin/env python3
# test-journal.py BALLOONCTL SRCDIR -- what the journal gets (TAP).
#
# In a private mount namespace (unshare -m, as root; skipped otherwise) a
# tmpfs on /run holds a stand-in for journald's two sockets; balloonctl
# runs once with its stderr connected to the stream socket, as under
# systemd, so its messages go to the datagram socket as journal entries.
# A domain whose name holds a newline, a CR and U+202E must reach the
# journal escaped in every field (MESSAGE, DOMAIN, REASON): every field a
# KEY=VALUE line, no control, C1 or bidirectional character in any; and a
# structured entry (a change, a warning) carries its PRIORITY.
import os
import socket
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import tap  # noqa: E402 (tests/cli/tap.py)

BIN, SRC = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
BAD = {chr(c) for c in range(0x20)} | {chr(0x7f)} | {chr(c) for c in range(0x80, 0xa0)} | \
      {"\u2028", "\u2029", "\u200e", "\u200f"} | {chr(c) for c in range(0x202a, 0x202f)} | \
      {chr(c) for c in range(0x2066, 0x206a)}


def inner():
    subprocess.run(["mount", "-t", "tmpfs", "tmpfs", "/run"], check=True)
    os.makedirs("/run/systemd/journal")
    dgram = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    dgram.bind("/run/systemd/journal/socket")
    stream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stream.bind("/run/systemd/journal/stdout")
    stream.listen(1)
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect("/run/systemd/journal/stdout")
    server, _ = stream.accept()
    uri = "test://" + os.path.join(SRC, "tests/data/node-hostile.xml")
    with tempfile.TemporaryDirectory() as tmp:
        rc = subprocess.run([BIN, "--state-file", os.path.join(tmp, "s.json"), "-c", uri, "run", "--once"],
                            stdout=client.fileno(), stderr=client.fileno(), timeout=60).returncode
    dgram.setblocking(False)
    entries = []
    while True:
        try:
            entries.append(dgram.recv(1 << 20))
        except BlockingIOError:
            break
    return rc, entries


def fields(entry):
    """KEY=VALUE lines; None where a field is in the binary form (a value
    with a newline in it)."""
    out = {}
    for line in entry.decode("utf-8", "replace").split("\n"):
        if line == "":
            continue
        if "=" not in line:
            return None
        k, v = line.split("=", 1)
        out.setdefault(k, []).append(v)
    return out


def main():
    if os.geteuid() != 0:
        tap.skip_all("needs root (a mount namespace)")
    if len(sys.argv) > 3 and sys.argv[3] == "--inner":
        rc, entries = inner()
        sys.stdout.write(f"rc {rc}\n")
        for e in entries:
            sys.stdout.write(e.hex() + "\n")
        return 0
    p = subprocess.run(["unshare", "-m", "--propagation", "private", sys.executable, __file__, BIN, SRC, "--inner"],
                       capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        tap.skip_all(f"no private mount namespace here: {p.stderr.strip()[:200]}")
    lines = p.stdout.split("\n")
    rc = int(lines[0].split()[1])
    entries = [bytes.fromhex(x) for x in lines[1:] if x]
    parsed = [fields(e) for e in entries]
    named = [f for f in parsed if f and "DOMAIN" in f]
    results = [
        (rc == 0, f"run --once under a stand-in journald exits 0 (got {rc})"),
        (len(entries) > 0, f"messages reached the journal socket ({len(entries)})"),
        (all(f is not None for f in parsed), "every field is a KEY=VALUE line (no value holds a newline)"),
        (len(named) > 0, f"entries with a DOMAIN field ({len(named)})"),
        (all(not (set(v) & BAD) for f in parsed if f for vs in f.values() for v in vs),
         "no control, C1 or bidirectional character in any field"),
        (any(v.startswith("evil\\nFORGED") for f in named for v in f["DOMAIN"]),
         "the hostile name is in DOMAIN, escaped: evil\\nFORGED..."),
        (all("PRIORITY" in f for f in parsed if f), "every entry carries PRIORITY"),
    ]
    for ok, name in results:
        tap.result(name, "" if ok else "no")
    if not all(ok for ok, _ in results):
        for f in parsed[:6]:
            print("# " + repr(f)[:400])
    return tap.done()


sys.exit(main())
