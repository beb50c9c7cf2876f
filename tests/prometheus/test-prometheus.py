#!/usr/bin/env python3
# test-prometheus.py BALLOONCTL SRCDIR -- a real Prometheus server (Debian's
# `prometheus`, a child process on loopback with its own storage and
# configuration) scraping `balloonctl run` on libvirt's test driver
# (tests/data/node.xml) every second, with the shipped alerting rules
# (data/prometheus/balloonctl-rules.yml) loaded.  Through its HTTP API:
# the daemon's target is up (Prometheus parsed the exposition), vm-b's
# target is its min-mib, every rule is loaded and evaluates without error,
# the rules see what the daemon says (vm-d's invalid metadata: the one
# domain not sized), and every query of the README's "Dashboard queries"
# block (read from the README itself) answers with at least one series.
#
# A second target serves tests/expected/metrics.txt, the renderer's output
# in the unit test (every series, the guest agent's too): a query whose
# series the test driver cannot have (no guest agent: no refaults) is
# answered from it; every other query must have a series of the daemon's.
#
# Skipped (77) without prometheus (package prometheus).  About 10 s.
import http.server
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

BIN = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
RULES = os.path.join(SRC, "data", "prometheus", "balloonctl-rules.yml")
README = os.path.join(SRC, "README.md")
SAMPLE = os.path.join(SRC, "tests", "expected", "metrics.txt")
NODE = os.path.join(SRC, "tests", "data", "node.xml")
DEADLINE_S = 30

n = 0
failed = 0


def result(name, why=""):
    global n, failed
    n += 1
    if why:
        failed += 1
        print(f"not ok {n} - {name}: {why}")
    else:
        print(f"ok {n} - {name}")
    sys.stdout.flush()


def dashboard_queries():
    """(description, query) of the README's marked block: each indented
    line a query, the list item above it its description."""
    text = open(README).read()
    m = re.search(r"<!-- dashboard-queries: begin[^>]*-->\n(.*?)<!-- dashboard-queries: end -->", text, re.S)
    if m is None:
        return None
    queries, what = [], ""
    for line in m.group(1).splitlines():
        if line.startswith("* "):
            what = line[2:].rstrip(":")
        elif line.startswith("    ") and line.strip():
            queries.append((what, line.strip()))
        elif line.startswith("  ") and line.strip() and not line.startswith("    "):
            what += " " + line.strip().rstrip(":")
    return queries


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.load(r)


class Sample(http.server.BaseHTTPRequestHandler):
    body = open(SAMPLE, "rb").read()

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


if shutil.which("prometheus") is None:
    print("1..0 # SKIP no prometheus (package prometheus)")
    sys.exit(77)

tmp = tempfile.mkdtemp(prefix="bc-prometheus-")
children = []


def cleanup():
    for p in children:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    shutil.rmtree(tmp, ignore_errors=True)


def tail(path, lines=5):
    try:
        return " | ".join(open(path, errors="replace").read().strip().splitlines()[-lines:])
    except OSError:
        return ""


try:
    # ---- the daemon -------------------------------------------------------
    conf = os.path.join(tmp, "balloonctl.conf")
    open(conf, "w").write("[metrics]\nlisten = 127.0.0.1:0\n[host]\nbudget-mib = 8192\nfollow = false\n")
    err = os.path.join(tmp, "balloonctl.err")
    env = dict(os.environ, LC_ALL="C", LIBVIRT_DEFAULT_URI="")
    daemon = subprocess.Popen([BIN, "-c", "test://" + NODE, "--config", conf, "--state-file",
                               os.path.join(tmp, "state.json"), "run"],
                              stdout=subprocess.DEVNULL, stderr=open(err, "w"), env=env)
    children.append(daemon)
    port = None
    for _ in range(200):
        m = re.search(r"metrics: serving http://127\.0\.0\.1:(\d+)/metrics$", open(err).read(), re.M)
        if m or daemon.poll() is not None:
            port = m and int(m.group(1))
            break
        time.sleep(0.1)
    result("balloonctl run serves /metrics", "" if port else f"no 'serving' line: {tail(err)}")
    if not port:
        raise SystemExit
    live = f"127.0.0.1:{port}"

    # ---- the sample target: the unit test's expected text -----------------
    sample_server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sample)
    threading.Thread(target=sample_server.serve_forever, daemon=True).start()
    sample = f"127.0.0.1:{sample_server.server_address[1]}"

    # ---- Prometheus -------------------------------------------------------
    prom_port = free_port()
    prom = f"http://127.0.0.1:{prom_port}"
    prom_conf = os.path.join(tmp, "prometheus.yml")
    open(prom_conf, "w").write(f"""global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - {RULES}
scrape_configs:
  - job_name: balloonctl
    static_configs:
      - targets: ['{live}']
  - job_name: balloonctl-sample
    static_configs:
      - targets: ['{sample}']
""")
    prom_log = os.path.join(tmp, "prometheus.log")
    server = subprocess.Popen(["prometheus", f"--config.file={prom_conf}",
                               f"--storage.tsdb.path={os.path.join(tmp, 'tsdb')}",
                               f"--web.listen-address=127.0.0.1:{prom_port}", "--log.level=warn"],
                              stdout=subprocess.DEVNULL, stderr=open(prom_log, "w"), cwd=tmp)
    children.append(server)

    def query(q):
        """(status, series) of an instant query; status "error: ..." on error"""
        try:
            r = get_json(f"{prom}/api/v1/query?" + urllib.parse.urlencode({"query": q}))
        except Exception as e:  # an HTTP error answers 400/422 with the reason
            body = getattr(e, "read", lambda: b"")().decode(errors="replace")
            return f"error: {e} {body}", []
        if r.get("status") != "success":
            return f"error: {r.get('error')}", []
        return "success", r["data"]["result"] if r["data"]["resultType"] == "vector" else [r["data"]["result"]]

    # Everything below holds once two scrapes and an evaluation are in; poll
    # until it does, DEADLINE_S at most, then report what is still wrong.
    queries = dashboard_queries()
    # every family the renderer has (its unit test's text: # TYPE lines)
    families = set(re.findall(r"^# TYPE (\S+) ", open(SAMPLE).read(), re.M))
    live_names = set()
    start = time.monotonic()
    while True:
        why = {}
        try:
            ready = urllib.request.urlopen(f"{prom}/-/ready", timeout=2).status == 200
        except Exception as e:
            ready = False
            why["ready"] = str(e)
        if ready:
            # the targets
            targets = {t["labels"]["job"]: t for t in get_json(f"{prom}/api/v1/targets")["data"]["activeTargets"]}
            for job in ("balloonctl", "balloonctl-sample"):
                t = targets.get(job)
                if t is None or t["health"] != "up" or t["lastError"]:
                    why["targets:" + job] = (f"{t['health']}, last error '{t['lastError']}'" if t else "not listed")

            # the daemon's series, as Prometheus stored them
            status, series = query(f'balloonctl_domain_target_bytes{{instance="{live}",domain="vm-b"}}')
            values = [s["value"][1] for s in series]
            if values != ["1048576000"]:
                why["vm-b"] = f"{status}: {values}, wanted ['1048576000'] (min-mib 1000)"
            # the names the daemon serves, read from it (not from what
            # Prometheus made of them)
            try:
                with urllib.request.urlopen(f"http://{live}/metrics", timeout=5) as r:
                    live_names = {re.split(r"[{ ]", line, 1)[0] for line in r.read().decode().splitlines()
                                  if line and not line.startswith("#")}
            except Exception as e:
                why["scrape"] = f"balloonctl's /metrics: {e}"

            # the rules: all loaded, evaluated, healthy
            groups = get_json(f"{prom}/api/v1/rules")["data"]["groups"]
            rules = [r for g in groups for r in g["rules"]]
            in_file = len(re.findall(r"^\s*- alert: ", open(RULES).read(), re.M))
            bad = [f"{r['name']}: {r['health']} {r.get('lastError', '')}" for r in rules
                   if r["health"] != "ok" or r["lastEvaluation"].startswith("0001")]
            if len(rules) != in_file or bad or not all(g["file"] == RULES for g in groups):
                why["rules"] = f"{len(rules)} rules loaded of {in_file}; {'; '.join(bad)}; files {[g['file'] for g in groups]}"

            # what the rules make of the daemon: vm-d (invalid metadata) is
            # the one domain not sized; nothing fires yet (every alert
            # that could is held by its `for`)
            status, series = query(f'ALERTS{{alertname="BalloonctlDomainNotSized",instance="{live}"}}')
            not_sized = sorted(s["metric"].get("domain", "") for s in series)
            if not_sized != ["vm-d"]:
                why["alerts"] = f"{status}: BalloonctlDomainNotSized for {not_sized}, wanted ['vm-d']"
            status, series = query(f'ALERTS{{alertstate="firing",instance="{live}"}}')
            if series:
                why["firing"] = f"firing on the daemon: {[s['metric'] for s in series]}"

            # the README's queries
            if not queries:
                why["queries"] = "no dashboard-queries block in README.md"
            for what, q in queries or []:
                status, series = query(q)
                names = set(re.findall(r"\bballoonctl_[a-z_]+", q))
                needs_live = names <= live_names
                from_live = [s for s in series if s["metric"].get("instance") == live]
                has_instance = any("instance" in s["metric"] for s in series)
                if names - families:
                    why["query " + q] = f"not balloonctl's: {' '.join(sorted(names - families))}"
                elif status != "success":
                    why["query " + q] = status
                elif not series:
                    why["query " + q] = "no series"
                elif needs_live and has_instance and not from_live:
                    why["query " + q] = f"no series of the daemon's: {[s['metric'] for s in series]}"
        if not why or time.monotonic() - start > DEADLINE_S or server.poll() is not None or daemon.poll() is not None:
            break
        time.sleep(0.5)
    waited = time.monotonic() - start

    result(f"Prometheus ready ({waited:.1f} s)", why.pop("ready", "") + ("" if server.poll() is None else f" exited: {tail(prom_log)}"))
    for job in ("balloonctl", "balloonctl-sample"):
        result(f"/api/v1/targets: job {job} up", why.pop("targets:" + job, ""))
    result("/api/v1/query: vm-b's balloonctl_domain_target_bytes is 1048576000", why.pop("vm-b", ""))
    result("/api/v1/rules: every rule of the file loaded, evaluated, health ok", why.pop("rules", ""))
    result("ALERTS: BalloonctlDomainNotSized for vm-d alone", why.pop("alerts", ""))
    result("ALERTS: nothing firing on the daemon", why.pop("firing", ""))
    result("README has dashboard queries", why.pop("queries", ""))
    for what, q in queries or []:
        names = set(re.findall(r"\bballoonctl_[a-z_]+", q))
        note = "" if names <= live_names else f" # sample target only: the test driver has no {' '.join(sorted(names - live_names))}"
        result(f"dashboard query ({what}): {q}{note}", why.pop("query " + q, ""))
    for k, v in why.items():
        result(k, v)
    if failed:
        print(f"# prometheus log: {tail(prom_log, 10)}")
        print(f"# balloonctl log: {tail(err, 10)}")
    if daemon.poll() is not None:
        result("the daemon ran throughout", f"exit {daemon.returncode}: {tail(err)}")
except SystemExit:
    pass
finally:
    cleanup()

print(f"1..{n}")
print(f"# {n - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
