#!/usr/bin/env python3
# test-metrics-hostile.py BALLOONCTL -- the [metrics] endpoint of a daemon
# on libvirt's test driver against hostile clients, over raw sockets on
# loopback: bodies (Expect suppressed, bad lengths, chunked) refused at the
# headers without the daemon's memory growing; heads libsoup 3.2 would leak
# or keep memory for refused before it parses them (odd body encodings,
# methods of their own); ranges it trips on ignored; requests libsoup
# answers itself closed, no descriptor left; descriptors exhausted, then
# free again; a slowloris cut; scrapes served while idle clients fill every
# place; a reload to an address that cannot be listened on.  TAP output.
# Python 3 standard library only; every loop bounded; about 25 s.
import os
import re
import resource
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from tap import result  # noqa: E402 (tests/cli/tap.py)
import tap  # noqa: E402

BIN = sys.argv[1]
TMP = tempfile.mkdtemp(prefix="bc-hostile-")
ENV = dict(os.environ, LC_ALL="C", LIBVIRT_DEFAULT_URI="")
ENV.pop("G_DEBUG", None)  # running out of descriptors warns, as it should
# under AddressSanitizer, memory freed goes back at once (no quarantine),
# so that the daemon's RSS shows what it keeps
ENV["ASAN_OPTIONS"] = ":".join(filter(None, [os.environ.get("ASAN_OPTIONS"), "quarantine_size_mb=0"]))

# bc-metrics-server.c's figures
CLIENTS_MAX = 16
DEADLINE_S = 5.0

class Daemon:
    """`balloonctl run` with [metrics] listen, its log in NAME.err."""

    def __init__(self, name, listen="127.0.0.1:0", nofile=None, uri="test:///default"):
        self.name = name
        self.conf = os.path.join(TMP, name + ".conf")
        self.err = os.path.join(TMP, name + ".err")
        self.write_conf(listen)
        limit = (lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))) if nofile else None
        with open(self.err, "w") as err:
            self.proc = subprocess.Popen([BIN, "-c", uri, "--config", self.conf,
                                          "--state-file", os.path.join(TMP, name + ".json"), "run"],
                                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                                         env=ENV, preexec_fn=limit)
        self.pid = self.proc.pid
        self.port = self.wait_log(r"metrics: serving http://127\.0\.0\.1:(\d+)/metrics$")
        self.port = int(self.port) if self.port else None

    def write_conf(self, listen):
        with open(self.conf, "w") as f:
            f.write(f"[metrics]\nlisten = {listen}\n")

    def log(self):
        with open(self.err, errors="replace") as f:
            return f.read()

    def metrics_log(self):
        """The last lines the endpoint logged (for a failure's reason)."""
        return " | ".join([line for line in self.log().splitlines() if "metrics" in line][-3:])

    def wait_log(self, regex, count=1, timeout=10.0):
        """The first group of the count-th line matching regex (or "")."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            found = [m for m in (re.search(regex, line) for line in self.log().splitlines()) if m]
            if len(found) >= count:
                return found[count - 1].group(1) if found[count - 1].groups() else found[count - 1].group(0)
            time.sleep(0.05)
        return None

    def fds(self):
        """Open descriptors, the least of a few looks (a pass writes the
        state file now and then)."""
        least = None
        for _ in range(5):
            n = len(os.listdir(f"/proc/{self.pid}/fd"))
            least = n if least is None else min(least, n)
            time.sleep(0.05)
        return least

    def kib(self, key):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        return 0

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


def connect(port, timeout=2.0, host="127.0.0.1"):
    s = socket.create_connection((host, port), timeout=timeout)
    s.settimeout(timeout)
    return s


def read_all(s, timeout):
    """What the server sends until it closes: (bytes, "EOF" | "RST" | "TIMEOUT")."""
    out = b""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        s.settimeout(max(0.01, end - time.monotonic()))
        try:
            b = s.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            return out, "RST"
        if not b:
            return out, "EOF"
        out += b
    return out, "TIMEOUT"


def status_of(answer):
    m = re.match(rb"HTTP/1\.[01] (\d{3}) ", answer)
    return int(m.group(1)) if m else None


def exchange(port, data, timeout=2.0):
    with connect(port) as s:
        s.sendall(data)
        return read_all(s, timeout)


def scrape(port, timeout=5.0, host="127.0.0.1"):
    """The status of GET /metrics (None: no answer)."""
    try:
        answer, _ = exchange_host(host, port, b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", timeout)
        return status_of(answer)
    except OSError:
        return None


def exchange_host(host, port, data, timeout):
    with connect(port, timeout, host) as s:
        s.sendall(data)
        return read_all(s, timeout)


def open_idle(port, n):
    """n connections that send nothing, one after the other (one the
    kernel's queue has no room for is given up after 0.3 s)."""
    socks = []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(0.3)
        try:
            s.connect(("127.0.0.1", port))
        except OSError:
            pass
        socks.append(s)
    return socks


def close_all(socks):
    for s in socks:
        s.close()


def wait_scrape(port, seconds):
    """Scrapes until one answers 200 (bounded): the seconds it took, or None."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if scrape(port, timeout=1.0) == 200:
            return time.monotonic() - start
        time.sleep(0.1)
    return None


# ---- bodies ----------------------------------------------------------------

BODY = 50 * 1000 * 1000


def send_body(port, head):
    """Sends head then up to BODY zero bytes while reading the answer: the
    status, how much of the body went out, and how the connection ended."""
    chunk = b"\0" * (1 << 20)
    sent, answer, how = 0, b"", "TIMEOUT"
    with connect(port) as s:
        s.sendall(head)
        s.setblocking(False)
        end = time.monotonic() + 15
        while time.monotonic() < end and how == "TIMEOUT":
            r, w, _ = select.select([s], [s] if sent < BODY else [], [], 0.5)
            try:
                if w:
                    sent += s.send(chunk[:BODY - sent])
                if r:
                    b = s.recv(65536)
                    answer += b
                    how = "TIMEOUT" if b else "EOF"
            except BlockingIOError:
                pass
            except (BrokenPipeError, ConnectionResetError):
                how = "RST"
    return status_of(answer), sent, how


def test_bodies(d):
    cases = [("POST", "/metrics", 405), ("GET", "/metrics", 413), ("PUT", "/other", 404), ("POST", "*", 404)]
    rss0, hwm0 = d.kib("VmRSS"), d.kib("VmHWM")
    why = []
    for method, path, want in cases:
        head = f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {BODY}\r\n\r\n".encode()
        status, sent, how = send_body(d.port, head)
        if status != want:
            why.append(f"{method} {path}: status {status}, wanted {want}")
        if sent >= BODY:
            why.append(f"{method} {path}: the whole body went out ({how})")
    rss1, hwm1 = d.kib("VmRSS"), d.kib("VmHWM")
    print(f"# VmRSS {rss0} -> {rss1} KiB, VmHWM {hwm0} -> {hwm1} KiB after 4 x {BODY // 1000000} MB bodies")
    if hwm1 - hwm0 > 8192:
        why.append(f"VmHWM {hwm0} -> {hwm1} KiB")
    result("50 MB bodies without Expect: refused at the headers, memory flat", "; ".join(why))


def test_lengths(d):
    why = []
    for header in ["Content-Length: -1", "Content-Length: 18446744073709551616",
                   "Content-Length: 99999999999999999999999", "Content-Length: 9223372036854775808",
                   "Transfer-Encoding: chunked"]:
        answer, how = exchange(d.port, f"GET /metrics HTTP/1.1\r\nHost: x\r\n{header}\r\n\r\n".encode(), 2.0)
        if status_of(answer) not in (400, 413) or how == "TIMEOUT":
            why.append(f"'{header}': status {status_of(answer)}, {how}")
    result("unknown, negative, overflowing lengths and chunked bodies refused at once", "; ".join(why))


def odd_heads(port, path, count):
    """count requests of each head libsoup 3.2 leaks the target of: the
    problems found."""
    why = []
    for header in ["Transfer-Encoding: foo", "Content-Length: 5, 5", "Content-Length: x"]:
        for _ in range(count):
            answer, how = exchange(port, f"GET {path} HTTP/1.1\r\nHost: x\r\n{header}\r\n\r\n".encode(), 2.0)
            if status_of(answer) not in (400, 413, 501) or how == "TIMEOUT":
                why.append(f"'{header}': status {status_of(answer)}, {how}")
                break
    return why


def test_head_leak(d):
    """Debian 12's libsoup 3.2 loses a request-target's memory when it does
    not recognise the body's encoding: such heads never reach it.  (RSS
    measured after a first round: the allocator's own growth is done.)"""
    path = "/" + "a" * 7000
    why = odd_heads(d.port, path, 100)
    rss0 = d.kib("VmRSS")
    why += odd_heads(d.port, path, 400)
    answer, how = exchange(d.port, b"GET /metrics HTTP/1.1\r\nX: " + b"a" * 9000 + b"\r\n\r\n", 2.0)
    if status_of(answer) not in (400, 431):
        why.append(f"a 9 KB head: status {status_of(answer)}, {how}")
    rss1 = d.kib("VmRSS")
    print(f"# VmRSS {rss0} -> {rss1} KiB after 1200 requests with a 7 KB target and a body encoding libsoup does not know")
    if rss1 - rss0 > 2048:
        why.append(f"VmRSS {rss0} -> {rss1} KiB")
    result("heads with an unknown body encoding or too long: refused, memory flat", "; ".join(why))


def unknown_methods(port, first, count):
    """count requests, each with a method of its own (6 KB; every other one
    starting like GET, then a CR: libsoup splits at spaces and tabs only):
    the problems."""
    for i in range(first, first + count):
        method = ("GET\r" if i % 2 else "") + f"M{i:06d}" + "X" * 6000
        answer, how = exchange(port, f"{method} /metrics HTTP/1.1\r\nHost: x\r\n\r\n".encode(), 2.0)
        if status_of(answer) not in (400, 405, 501) or how == "TIMEOUT":
            return [f"method {i}: status {status_of(answer)}, {how}"]
    return []


def test_methods(d):
    """libsoup 3.2 interns the method of every request it parses, for good:
    methods HTTP does not define never reach it."""
    why = unknown_methods(d.port, 0, 200)
    rss0 = d.kib("VmRSS")
    why += unknown_methods(d.port, 200, 1000)
    rss1 = d.kib("VmRSS")
    print(f"# VmRSS {rss0} -> {rss1} KiB after 1000 requests with methods of their own")
    if rss1 - rss0 > 2048:
        why.append(f"VmRSS {rss0} -> {rss1} KiB")
    result("a method of its own each: refused, memory flat", "; ".join(why))


def test_ranges(d):
    """Ranges libsoup 3.2 trips its own assertions on: a scrape is answered
    whole."""
    why = []
    for r in ["bytes=99999-", "bytes=-9223372036854775808", "bytes=0-0,-1", "bytes=4-,-3",
              "bytes=1-2,-18446744073709551615", "bytes=18446744073709551615-"]:
        answer, how = exchange(d.port, f"GET /metrics HTTP/1.1\r\nHost: x\r\nRange: {r}\r\n\r\n".encode(), 2.0)
        if status_of(answer) != 200:
            why.append(f"'{r}': status {status_of(answer)}, {how}")
    criticals = [line for line in d.log().splitlines() if "CRITICAL" in line]
    if criticals:
        why.append(criticals[0])
    result("hostile ranges: the whole text, no critical", "; ".join(why))


# ---- what libsoup answers itself -------------------------------------------

ODD = [
    b"GET * HTTP/1.1\r\nHost: x\r\n\r\n",
    b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET https://x/metrics HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET ftp://x/metrics HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /met%00rics HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /metrics HTTP/1.1\r\n\r\n",
    b"GET /metrics HTTP/9.9\r\nHost: x\r\n\r\n",
    b"NOT HTTP AT ALL\r\n\r\n",
]


def test_closed(d):
    before = d.fds()
    why = []
    for data in ODD:
        for _ in range(10):
            answer, how = exchange(d.port, data, 1.0)
            if how == "TIMEOUT" or status_of(answer) is None:
                why.append(f"{data.splitlines()[0].decode()}: {status_of(answer)}, {how}")
                break
    after = d.fds()
    print(f"# {len(ODD) * 10} odd requests: {before} -> {after} descriptors")
    if after > before:
        why.append(f"{before} descriptors before, {after} after")
    result("'*', OPTIONS *, absolute and %00 targets, bad requests: answered, closed, no descriptor left",
           "; ".join(why))


# ---- holding connections -----------------------------------------------------

def test_cap_and_slowloris(d):
    idle = open_idle(d.port, CLIENTS_MAX)
    time.sleep(0.2)
    start = time.monotonic()
    status = scrape(d.port, timeout=5.0)
    took = time.monotonic() - start
    result("a scrape while idle clients hold every place: served within 3 s",
           "" if status == 200 and took < 3 else f"status {status} after {took:.1f} s")
    # one byte every 0.3 s: a request that never ends
    lo, hi = DEADLINE_S - 1, DEADLINE_S + 2.5
    s = connect(d.port)
    start = time.monotonic()
    cut = None
    for c in b"GET /metrics HTTP/1.1\r\nX-Slow: " + b"a" * 100:
        if time.monotonic() - start > hi + 0.5:
            break
        try:
            s.send(bytes([c]))
            r, _, _ = select.select([s], [], [], 0.3)
            if r and not s.recv(1024):
                cut = time.monotonic() - start
                break
        except OSError:
            cut = time.monotonic() - start
            break
    s.close()
    held = d.fds()
    close_all(idle)
    result(f"a slowloris cut after {DEADLINE_S:.0f} s",
           "" if cut is not None and lo <= cut <= hi else f"cut after {cut} s, wanted {lo}..{hi}")
    print(f"# idle clients at the cap: {held} descriptors once their deadline passed")


def test_exhausted_40(d):
    idle = open_idle(d.port, 45)
    time.sleep(1.5)
    held = d.fds()
    close_all(idle)
    took = wait_scrape(d.port, 5)
    print(f"# limit 40: {held} descriptors with 45 idle clients")
    result("45 idle connections under a 40-descriptor limit, then closed: a scrape succeeds",
           "" if took is not None else "no scrape answered within 5 s")


def test_exhausted(d):
    base = d.fds()
    soft, hard = resource.prlimit(d.pid, resource.RLIMIT_NOFILE)
    resource.prlimit(d.pid, resource.RLIMIT_NOFILE, (base + 4, hard))
    idle = open_idle(d.port, 45)
    time.sleep(1.5)
    close_all(idle)
    took = wait_scrape(d.port, 5)
    resource.prlimit(d.pid, resource.RLIMIT_NOFILE, (soft, hard))
    log = d.log()
    said = len(re.findall(r"metrics: cannot accept connections: Too many open files", log))
    why = []
    if took is None:
        why.append("no scrape answered within 5 s")
    if said != 1:
        why.append(f"'cannot accept connections' said {said} times")
    if not re.search(r"metrics: accepting connections again", log):
        why.append("never said it accepts again")
    result(f"descriptors exhausted (limit {base + 4}): said once, accepting again once free", "; ".join(why))


# ---- the daemon's own work goes on -------------------------------------------

def node_xml(n):
    """A test-driver node of n domains with a balloon."""
    path = os.path.join(TMP, f"node{n}.xml")
    with open(path, "w") as f:
        f.write("<node>\n")
        for i in range(n):
            f.write(f"<domain type='test'><name>vm{i:04d}</name><memory unit='MiB'>4096</memory>"
                    f"<currentMemory unit='MiB'>2048</currentMemory><vcpu>1</vcpu><os><type>hvm</type></os>"
                    f"<devices><memballoon model='virtio'/></devices></domain>\n")
        f.write("</node>\n")
    return "test://" + path


def passes(port):
    try:
        answer, _ = exchange_host("127.0.0.1", port, b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 5.0)
    except OSError:
        return None
    m = re.search(rb"\nballoonctl_passes_total (\d+)", answer or b"")
    return int(m.group(1)) if m else None


def test_flood(d, seconds=6):
    """16 clients scraping in a tight loop: the passes go on at their pace
    (they waited behind the scrapes: 2 passes in 12 s with 1000 domains)."""
    stop = time.monotonic() + seconds
    def flood():
        while time.monotonic() < stop:
            scrape(d.port, 5)
    before = passes(d.port)
    threads = [threading.Thread(target=flood) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    after = passes(d.port)
    print(f"# flood of {seconds} s: passes {before} -> {after}")
    ok = before is not None and after is not None and after - before >= seconds // 2
    result(f"16 clients scraping for {seconds} s: the passes go on (at least {seconds // 2})",
           "" if ok else f"passes {before} -> {after}")


def test_fds_kept(d):
    """Under a low descriptor limit the endpoint holds fewer clients, so
    the daemon's own files still open (the state file could not be
    written)."""
    idle = open_idle(d.port, 30)
    time.sleep(4.5)
    close_all(idle)
    said = re.search(r"state file: .*Too many open files", d.log())
    result("idle clients under a 22-descriptor limit leave the state file written",
           "" if not said else said.group(0))


# ---- reload ------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hold(host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port))
    s.listen(1)
    return s


def test_reload(d, port):
    # another port, in use: the old endpoint serves on
    busy = hold("127.0.0.1", 0)
    d.write_conf(f"127.0.0.1:{busy.getsockname()[1]}")
    d.proc.send_signal(signal.SIGHUP)
    said = d.wait_log(r"metrics: .*in use.*; still serving on 127\.0\.0\.1:%d$" % port, timeout=5)
    status = scrape(port)
    result("a reload to a port in use keeps the old endpoint serving, and says why",
           "" if said and status == 200 else f"said '{said}', old endpoint answers {status}: {d.metrics_log()}")
    busy.close()
    # the same port on an address that cannot listen even once the old
    # socket is closed (held here): the old one opens again
    other = hold("127.0.0.2", port)
    d.write_conf(f"0.0.0.0:{port}")
    d.proc.send_signal(signal.SIGHUP)
    said = d.wait_log(r"metrics: .*; still serving on 127\.0\.0\.1:%d$" % port, count=2, timeout=5)
    status = scrape(port)
    result("a reload to the same port that cannot listen: the old endpoint opens again",
           "" if said and status == 200 else f"said '{said}', old endpoint answers {status}: {d.metrics_log()}")
    other.close()
    # the same port, another name of the same address (IPv4-mapped, which
    # the log shows as IPv4): moves; the third 'serving' line (the old one
    # opened again was the second)
    d.write_conf(f"[::ffff:127.0.0.1]:{port}")
    d.proc.send_signal(signal.SIGHUP)
    said = d.wait_log(r"metrics: serving http://127\.0\.0\.1:%d/metrics$" % port, count=3, timeout=5)
    status = scrape(port)
    result("a reload to the same port on another name of the address moves the endpoint",
           "" if said and status == 200 else f"said '{said}', answers {status}: {d.metrics_log()}")


def started(daemons, d):
    daemons.append(d)
    if d.port is None:
        result(f"daemon '{d.name}' serves", "no endpoint: " + d.metrics_log())
    return d.port is not None


def main():
    daemons = []
    try:
        d = Daemon("main")
        if started(daemons, d):
            test_head_leak(d)  # first: the bodies leave freed memory behind
            test_methods(d)
            test_bodies(d)
            test_lengths(d)
            test_ranges(d)
            test_closed(d)
            test_cap_and_slowloris(d)
            test_exhausted(d)
            after = wait_scrape(d.port, 3)
            result("the endpoint serves after all that", "" if after is not None else "no scrape answered")
        d = Daemon("limit40", nofile=40)
        if started(daemons, d):
            test_exhausted_40(d)
        d = Daemon("limit22", nofile=22)
        if started(daemons, d):
            test_fds_kept(d)
        d = Daemon("flood", uri=node_xml(300))
        if started(daemons, d):
            test_flood(d)
        port = free_port()
        d = Daemon("reload", listen=f"127.0.0.1:{port}")
        if started(daemons, d):
            test_reload(d, port)
    finally:
        codes = [(x.name, x.stop()) for x in daemons]
        bad = [f"{name} exit {code}" for name, code in codes if code != 0]
        result("daemons stop cleanly (exit 0)", "; ".join(bad))
        subprocess.run(["rm", "-rf", TMP])
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
