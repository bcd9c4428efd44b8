"""Load test: a mix of enterprise members, fund managers and auditors against the deployed processes.

    .venv/bin/python bench/load.py --json bench/results/load.jsonl | tee bench/results/load.log
    .venv/bin/python bench/load.py --seconds 30                     # a short run, nothing written

Needs locust (``pip install -e '.[bench]'``, or ``.venv/bin/pip install locust==2.47.0``).

1. Waits (up to ``--quiet-timeout`` s) for the machine to be nearly idle, then starts ``deploy/e2e/stack.py``'s
   ``Stack`` on the database ``sf_load`` with the whole Korean demo: PostgreSQL (the machine's), a Redis of its
   own, gunicorn with ``deploy/gunicorn.conf.py`` in production mode (``--web-workers`` sync workers), a Celery
   worker on every queue (``--worker-concurrency``) and beat. Statements' automatic receipts are on (a broker is
   configured), so every repayment also has the worker render a receipt PDF.
   The stack's processes reach PostgreSQL and Redis directly, not through the stack's cuttable proxies (Python
   threads of this process, for the failure drills of ``make e2e``, that production does not have); ``--via-proxies``
   keeps them in the path.
2. Signs every account in once (``POST /api/v1/auth/token/``) and reads what the users need: the members' loans
   and enterprises, each active loan's payoff (a locust user never repays more than its share of it), the fund.
3. Runs locust (``bench/locustfile.py``) headless in its own process for ``--seconds`` with ``--users`` users
   (members : managers : auditors = 6 : 3 : 1), each thinking ``--think`` seconds between tasks. Meanwhile it
   samples CPU by process group every 0.5 s (web, worker, beat, Redis, PostgreSQL backends of the database,
   locust, this process) and resident memory of the stack's processes every 5 s.
4. Reports, per endpoint: requests, failures, throughput, p50/p95/p99/max (exact, from every sample); the overall
   throughput; every distinct error with its status and body (target: none); how long users waited for a statement
   they asked for; the statements rendered during the run (render seconds, time from request to ready); the
   worker's backlog when the load stopped and how long it took to drain; ``ledger_verify`` and ``audit_verify``;
   5xx and errors in the logs; CPU by group; memory of every process at the end. A table on stdout, and a JSON line
   appended to ``--json``; locust's own CSV files beside it (``<json stem>_locust_*.csv``).
5. Exits non-zero on a failed request, a locust that did not finish, ``ledger_verify`` or ``audit_verify`` failing,
   clients and database disagreeing (beyond the requests cut short when locust stops), error lines in the web or
   worker log, or a backlog not drained.

``--smoke`` (CI, ``make bench-smoke``): 5 users thinking 0.1-0.5 s for 8 s against 2 web workers and a worker of
concurrency 1, on a throwaway database of its own (``<--db-name>_smoke_<pid>``), no waiting for a quiet machine,
nothing appended anywhere, no target judged; the checks of 5 all hold.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT / "deploy" / "e2e"))
import stack as e2e  # noqa: E402
from instrument import code_fingerprint, wait_for_quiet  # noqa: E402

MEMBERS = ["coop.member", "village.member", "care.member", "recycle.member", "clinic.member", "clean.member",
           "shoes.member"]
MANAGERS = ["manager.kim", "manager.lee"]
AUDITORS = ["auditor.park"]
WEIGHTS = {"member": 6, "manager": 3, "auditor": 1}
REPAY_AMOUNT = 10_000
SMOKE = {"seconds": 8, "users": 5, "spawn_rate": 5.0, "think": "0.1,0.5", "web_workers": 2, "worker_concurrency": 1,
         "drain": 60, "via_proxies": False, "keep": False}
log = e2e.log


# --- HTTP for the setup --------------------------------------------------------------------------------------------


def call(base: str, method: str, path: str, token: str | None = None, body: Any = None) -> Any:
    headers = {"Content-Type": "application/json", "User-Agent": "socialfin-load/1.0 (setup)"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return json.loads(r.read())
    except urllib.error.HTTPError as e:
        raise RuntimeError(f"{method} {path}: {e.code} {e.read()[:500]!r}") from e


def prepare(s: e2e.Stack, users: int, think: tuple[float, float], samples_file: Path) -> dict[str, Any]:
    """Sign every account in once; what the locust users need."""
    tokens = {}
    for username in MEMBERS + MANAGERS + AUDITORS:
        pair = call(s.base, "POST", "/api/v1/auth/token/", body={"username": username, "password": e2e.PASSWORD})
        tokens[username] = {"username": username, "access": pair["access"], "refresh": pair["refresh"]}
    today = None
    members = []
    for username in MEMBERS:
        token = tokens[username]["access"]
        me = call(s.base, "GET", "/api/v1/me/", token)
        loans = call(s.base, "GET", "/api/v1/loans/", token)["results"]
        budget = {}
        for loan in loans:
            if loan["state"] == "active":
                payoff = call(s.base, "GET", f"/api/v1/loans/{loan['id']}/payoff/", token)
                today = today or payoff["on"]
                # Every locust user of this account may repay at most payoff / amount / users times (and half that):
                # whatever the users do, the loan is never paid more than its payoff.
                budget[str(loan["id"])] = int(float(payoff["payoff"]) // REPAY_AMOUNT // users // 2)
        members.append({**tokens[username],
                        "enterprises": [e["enterprise_id"] for e in me["enterprises"]],
                        "loans": [{"id": loan["id"], "state": loan["state"], "disbursed": bool(loan["disbursed_on"]),
                                   "repayable": loan["state"] == "active"} for loan in loans],
                        "repay_budget": budget})
    manager = tokens[MANAGERS[0]]["access"]
    funds = call(s.base, "GET", "/api/v1/funds/", manager)["results"]
    all_loans = [loan["id"] for loan in call(s.base, "GET", "/api/v1/loans/", manager)["results"]]
    return {
        "accounts": {"member": members, "manager": [tokens[u] for u in MANAGERS],
                     "auditor": [tokens[u] for u in AUDITORS]},
        "fund": funds[0]["id"], "all_loans": all_loans, "today": today, "think": list(think),
        "repay_amount": str(REPAY_AMOUNT), "weights": WEIGHTS, "samples_file": str(samples_file),
        "password": e2e.PASSWORD,  # the web pages' users sign in through the login form
    }


def past_the_proxies(s: e2e.Stack) -> None:
    """The stack's processes reach PostgreSQL and Redis directly, not through its cuttable proxies (Python threads
    of this process, for the failure drills of ``make e2e``, that production does not have)."""
    s.extra_env.update({
        "DATABASE_URL": s.direct_database_url,
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{s.redis_port}/0",
        "CACHE_URL": f"redis://127.0.0.1:{s.redis_port}/1",
    })


# --- CPU by process group, memory ------------------------------------------------------------------------------


def _stat(pid: str) -> tuple[int, int, int, int] | None:
    """(pgrp, ppid, utime + stime ticks, start time) of a process."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[2]), int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[19])
    except (OSError, IndexError, ValueError):
        return None


def _cmdline(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _busy() -> tuple[int, int]:
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    return sum(values) - values[3] - values[4], sum(values)


class Watch(threading.Thread):
    """CPU (in cores: 1.0 = one core busy all the time) by group, sampled from /proc; resident memory of the
    stack's processes (peaks)."""

    def __init__(self, s: e2e.Stack, db_name: str, interval: float = 0.5, rss_every: float = 5.0) -> None:
        super().__init__(daemon=True)
        self.s, self.db_name, self.interval, self.rss_every = s, db_name, interval, rss_every
        self.groups: dict[int, str] = {}  # pgid -> name
        self.seen: dict[tuple[int, int], list[Any]] = {}  # (pid, start) -> [group, cmd, base ticks, last ticks]
        self.rss_peak: dict[str, int] = {}  # group -> peak of the group's total
        self.rss_peak_one: dict[str, int] = {}  # group -> peak of one process of it
        self._halt = threading.Event()
        self.me = os.getpid()
        self.minutes: list[dict[str, float]] = []

    def _group(self, pid: str, pgrp: int) -> tuple[str, str]:
        if pgrp in self.groups:
            return self.groups[pgrp], ""
        if int(pid) == self.me:
            return "load.py", ""
        cmd = _cmdline(pid)
        if cmd.startswith("postgres: "):
            return (f"postgres backends ({self.db_name})" if f" {self.db_name} " in cmd else "postgres (other)"), cmd
        return "other", cmd

    def sample(self, first: bool = False) -> None:
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            st = _stat(pid)
            if st is None:
                continue
            pgrp, _ppid, ticks, start = st
            key = (int(pid), start)
            row = self.seen.get(key)
            if row is None:
                self.seen[key] = [*self._group(pid, pgrp), ticks if first else 0, ticks]
            else:
                row[3] = ticks

    def sample_rss(self) -> None:
        totals: dict[str, int] = defaultdict(int)
        for label, size in self.s.rss().items():
            group = label.split("/")[0]
            totals[group] += size
            self.rss_peak_one[group] = max(self.rss_peak_one.get(group, 0), size)
        for group, total in totals.items():
            self.rss_peak[group] = max(self.rss_peak.get(group, 0), total)

    def begin(self, groups: dict[int, str]) -> None:
        self.groups = groups
        self.t0 = time.monotonic()
        self.busy0 = _busy()
        self.sample(first=True)
        self.start()

    def _totals(self) -> dict[str, int]:
        totals: dict[str, int] = defaultdict(int)
        for group, _cmd, base, last in self.seen.values():
            totals[group] += last - base
        return totals

    def run(self) -> None:
        next_rss = 0.0
        minute_start, minute_totals = time.monotonic(), self._totals()
        tick = os.sysconf("SC_CLK_TCK")
        while not self._halt.wait(self.interval):
            self.sample()
            now = time.monotonic()
            if now >= next_rss:
                with contextlib.suppress(Exception):
                    self.sample_rss()
                next_rss = now + self.rss_every
            if now - minute_start >= 60:  # cores by group, minute by minute
                totals = self._totals()
                self.minutes.append({g: round((v - minute_totals.get(g, 0)) / tick / (now - minute_start), 2)
                                     for g, v in totals.items() if v - minute_totals.get(g, 0) > 0})
                minute_start, minute_totals = now, totals

    def end(self) -> dict[str, Any]:
        self._halt.set()
        self.join()
        self.sample()
        wall = time.monotonic() - self.t0
        busy1 = _busy()
        tick = os.sysconf("SC_CLK_TCK")
        cores: dict[str, float] = defaultdict(float)
        others: dict[str, float] = defaultdict(float)
        for group, cmd, base, last in self.seen.values():
            cores[group] += (last - base) / tick / wall
            if group == "other":
                others[cmd[:100] or "?"] += (last - base) / tick / wall
        cpus = os.cpu_count() or 1
        machine = (busy1[0] - self.busy0[0]) / max(busy1[1] - self.busy0[1], 1) * cpus
        out = {k: round(v, 2) for k, v in sorted(cores.items(), key=lambda kv: -kv[1])}
        top = {k: round(v, 2) for k, v in sorted(others.items(), key=lambda kv: -kv[1])[:4] if v >= 0.01}
        return {"seconds": round(wall, 1), "cores": cpus, "machine_busy_cores": round(machine, 2), "by_group": out,
                "other_top": top, "minutes": self.minutes}


def mb(n: int) -> str:
    return f"{n / 2**20:,.0f} MB"


# --- results -----------------------------------------------------------------------------------------------------


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest rank."""
    if not sorted_values:
        return math.nan
    return sorted_values[max(0, math.ceil(q * len(sorted_values)) - 1)]


def summarise(samples: list[list[Any]], seconds: float) -> dict[str, Any]:
    by_name: dict[tuple[str, str], list[list[Any]]] = defaultdict(list)
    for row in samples:
        by_name[(row[0], row[1])].append(row)
    endpoints = {}
    for (kind, name), rows in sorted(by_name.items(), key=lambda kv: (kv[0][0] == "WAIT", -len(kv[1]))):
        times = sorted(r[3] for r in rows)
        endpoints[f"{kind} {name}"] = {
            "requests": len(rows), "failures": sum(1 for r in rows if not r[5]),
            "rps": round(len(rows) / seconds, 2),
            "p50_ms": round(percentile(times, 0.50), 1), "p95_ms": round(percentile(times, 0.95), 1),
            "p99_ms": round(percentile(times, 0.99), 1), "max_ms": round(times[-1], 1),
            "mean_ms": round(sum(times) / len(times), 1),
        }
    http = [r for r in samples if r[0] != "WAIT"]
    times = sorted(r[3] for r in http)
    t0 = min((r[2] for r in http), default=0)
    minutes = []
    for m in range(math.ceil(seconds / 60)):
        window = sorted(r[3] for r in http if t0 + 60 * m <= r[2] < t0 + 60 * (m + 1))
        if window:
            minutes.append({"minute": m + 1, "rps": round(len(window) / min(60, seconds - 60 * m), 2),
                            "p50_ms": round(percentile(window, 0.5), 1), "p95_ms": round(percentile(window, 0.95), 1),
                            "p99_ms": round(percentile(window, 0.99), 1)})
    return {
        "requests": len(http), "failures": sum(1 for r in http if not r[5]),
        "rps": round(len(http) / seconds, 2),
        "p50_ms": round(percentile(times, 0.5), 1), "p95_ms": round(percentile(times, 0.95), 1),
        "p99_ms": round(percentile(times, 0.99), 1),
        "by_status": dict(sorted(_count(r[4] for r in http).items())),
        "endpoints": endpoints, "minutes": minutes,
    }


def consistency(samples: list[list[Any]], before: dict[str, Any], after: dict[str, Any],
                statements: dict[str, Any]) -> dict[str, list[int]]:
    """What the clients were told against what the database holds: [clients, database] for each."""
    def answered(name: str, status: int) -> int:
        return sum(1 for r in samples if r[0] != "WAIT" and r[1] == name and r[4] == status)

    repaid = answered("/api/v1/loans/{id}/repayments/", 201)
    return {
        "repayments answered 201 / new repayment rows": [repaid, after["repayments"] - before["repayments"]],
        "repayments answered 201 / receipts asked for": [repaid, statements.get("receipt", {}).get("count", 0)],
        "statements answered 202 (plus receipts) / statements asked for": [
            answered("/api/v1/statements/", 202) + repaid, sum(v["count"] for v in statements.values())],
        "PDFs answered 200 / new download log rows": [answered("/api/v1/statements/{id}/pdf/", 200),
                                                      after["downloads"] - before["downloads"]],
    }


def _count(values: Any) -> dict[Any, int]:
    out: dict[Any, int] = defaultdict(int)
    for v in values:
        out[v] += 1
    return dict(out)


def db_counts(s: e2e.Stack, db: str) -> dict[str, Any]:
    rows = s.psql("select kind || ':' || state, count(*) from statements_statement group by 1 order by 1", db)
    statements = {k: int(v) for k, v in (line.split("|") for line in rows.splitlines() if line)}
    one = lambda sql: int(s.psql(sql, db))  # noqa: E731
    return {
        "statements": statements,
        "statements_pending": sum(v for k, v in statements.items() if k.endswith(":pending")),
        "outbox_open": one("select count(*) from core_outboxmessage where done_at is null"),
        "repayments": one("select count(*) from funds_repayment"),
        "audit_events": one("select count(*) from core_auditevent"),
        "downloads": one("select count(*) from statements_statementdownload"),
        "journals": one("select count(*) from ledger_journal"),
    }


def statement_stats(s: e2e.Stack, db: str, since: float) -> dict[str, Any]:
    """Statements asked for since ``since``, by kind: the worker's render seconds, the wait before a worker took
    the statement up (``generated_at`` is stamped when rendering starts), and request to ready (the two added)."""
    queue = "extract(epoch from generated_at - requested_at)"
    ready = f"({queue} + render_seconds)"

    def spread(expr: str, digits: int) -> str:
        return (f"round(percentile_cont(0.5) within group (order by {expr})::numeric, {digits}), "
                f"round(percentile_cont(0.95) within group (order by {expr})::numeric, {digits}), "
                f"round(max({expr})::numeric, {digits})")

    rows = s.psql(
        "select kind, count(*), count(*) filter (where state = 'ready'), count(*) filter (where state = 'pending'), "
        f"count(*) filter (where state = 'failed'), {spread('render_seconds', 2)}, {spread(queue, 1)}, "
        f"{spread(ready, 1)}, coalesce(max(pages), 0) "
        f"from statements_statement where requested_at >= to_timestamp({since}) group by kind order by kind", db)
    out = {}
    keys = ["count", "ready", "pending", "failed", "render_p50_s", "render_p95_s", "render_max_s",
            "queue_p50_s", "queue_p95_s", "queue_max_s", "to_ready_p50_s", "to_ready_p95_s", "to_ready_max_s",
            "max_pages"]
    for line in rows.splitlines():
        kind, *values = line.split("|")
        out[kind] = {k: (float(v) if "." in v else int(v)) if v else None for k, v in zip(keys, values, strict=True)}
    return out


ACCESS = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d{3}) ')


def scan_logs(workdir: Path) -> dict[str, Any]:
    web = (workdir / "web.log").read_text(errors="replace") if (workdir / "web.log").exists() else ""
    worker = (workdir / "worker.log").read_text(errors="replace") if (workdir / "worker.log").exists() else ""
    statuses: dict[str, int] = defaultdict(int)
    fivexx = []
    for m in ACCESS.finditer(web):
        statuses[m["status"][0] + "xx"] += 1
        if m["status"].startswith("5") and len(fivexx) < 5:
            fivexx.append(f"{m['method']} {m['path']} {m['status']}")
    web_errors = [line for line in web.splitlines() if '"level": "ERROR"' in line or "[ERROR]" in line
                  or "Traceback" in line or "WORKER TIMEOUT" in line]
    worker_errors = [line for line in worker.splitlines() if '"level": "ERROR"' in line or "Traceback" in line
                     or '"level": "CRITICAL"' in line]
    return {
        "web_access_by_class": dict(statuses), "web_5xx_sample": fivexx,
        "web_error_lines": len(web_errors), "web_error_sample": [line[:600] for line in web_errors[:5]],
        "gunicorn_workers_booted": web.count("Booting worker with pid"),
        "worker_error_lines": len(worker_errors), "worker_error_sample": [line[:600] for line in worker_errors[:5]],
        "tasks_succeeded": worker.count("succeeded in"),
        "renders_succeeded": len(re.findall(r"Task statements\.render\[[^\]]+\] succeeded", worker)),
    }


def verify(s: e2e.Stack, command: str) -> dict[str, Any]:
    try:
        out = s.manage(command)
        return {"ok": True, "output": out.strip().splitlines()[-3:]}
    except RuntimeError as e:
        return {"ok": False, "output": str(e).strip().splitlines()[-12:]}


# --- the run -----------------------------------------------------------------------------------------------------


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=int, default=300)
    p.add_argument("--users", type=int, default=30)
    p.add_argument("--spawn-rate", type=float, default=5.0, help="users started per second")
    p.add_argument("--think", default="1,3", help="think time between a user's tasks, MIN,MAX seconds")
    p.add_argument("--web-workers", type=int, default=e2e.Stack.web_workers)
    p.add_argument("--worker-concurrency", type=int, default=e2e.Stack.worker_concurrency)
    p.add_argument("--via-proxies", action="store_true", help="reach PostgreSQL and Redis through the e2e proxies")
    p.add_argument("--drain", type=float, default=300, help="seconds to wait for the worker's backlog afterwards")
    p.add_argument("--quiet-timeout", type=float, default=300, help="seconds to wait for an idle machine first")
    p.add_argument("--json", type=Path, help="append the results as one JSON line to this file")
    p.add_argument("--csv", help="locust's CSV prefix (default: beside --json, <stem>_locust)")
    p.add_argument("--db-name", default="sf_load")
    p.add_argument("--keep", action="store_true", help="keep the database afterwards")
    p.add_argument("--smoke", action="store_true",
                   help="CI's smoke run: tiny sizes, a throwaway database, nothing written, no target judged")
    args = p.parse_args()
    if args.smoke:
        if args.json or args.csv:
            p.error("--smoke runs are not results: no --json, no --csv")
        for name, value in SMOKE.items():
            setattr(args, name, value)
        args.db_name = f"{args.db_name}_smoke_{os.getpid()}"
    think = tuple(float(x) for x in args.think.split(","))
    csv_prefix = args.csv or (str(args.json.with_name(args.json.stem + "_locust")) if args.json else None)

    quiet = None
    if not args.smoke:
        quiet = wait_for_quiet(max_other_cores=0.3, sample_seconds=5, timeout=args.quiet_timeout, log=log)
        log(f"machine before the run: {quiet['machine_busy_cores']} of {quiet['cores']} cores busy")
    s = e2e.Stack(db_name=args.db_name, full_demo=True, keep=args.keep, web_workers=args.web_workers,
                  worker_concurrency=args.worker_concurrency)
    if not args.via_proxies:
        past_the_proxies(s)
    result: dict[str, Any] = {
        "bench": "load", "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "args": {"seconds": args.seconds, "users": args.users, "spawn_rate": args.spawn_rate, "think": think,
                 "web_workers": args.web_workers, "worker_concurrency": args.worker_concurrency,
                 "via_proxies": args.via_proxies, "weights": WEIGHTS, "repay_amount": REPAY_AMOUNT},
        "quiet_before": quiet, "code": code_fingerprint(),
    }
    with s:
        samples_file = s.workdir / "locust_samples.json"
        config = prepare(s, args.users, think, samples_file)
        config_file = s.workdir / "locust_config.json"
        config_file.write_text(json.dumps(config))
        before = db_counts(s, args.db_name)
        log(f"signed in {sum(len(v) for v in config['accounts'].values())} accounts; fund {config['fund']}, "
            f"loans {config['all_loans']}, today {config['today']}; before: {before}")

        argv = [str(e2e.VENV_BIN / "locust"), "-f", str(BENCH / "locustfile.py"), "--headless",
                "-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{args.seconds}s", "--host", s.base,
                "--only-summary", "--loglevel", "WARNING"]
        if csv_prefix:
            argv += ["--csv", csv_prefix]
        locust_log = s.workdir / "locust.log"
        watch = Watch(s, args.db_name)
        started = time.time()
        with open(locust_log, "wb") as out:
            proc = subprocess.Popen(argv, cwd=ROOT, env={**os.environ, "LOAD_CONFIG": str(config_file)},
                                    stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
            groups = {p_.pid: name for name, p_ in s.procs.items()}
            groups[proc.pid] = "locust"
            watch.begin(groups)
            log(f"locust: {args.users} users ({WEIGHTS}), think {think[0]}-{think[1]} s, for {args.seconds} s "
                f"against {s.base} ({args.web_workers} gunicorn workers, worker concurrency "
                f"{args.worker_concurrency}, {'through' if args.via_proxies else 'not through'} the proxies)")
            try:
                rc = proc.wait(timeout=args.seconds + 120)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGTERM)
                rc = proc.wait(timeout=30)
        ended = time.time()
        with contextlib.suppress(Exception):
            watch.sample_rss()
        memory_end = s.rss()
        cpu = watch.end()
        log(f"locust done (exit {rc}) after {ended - started:.0f} s")
        at_end = db_counts(s, args.db_name)

        drain_started = time.monotonic()
        drained = at_end
        while drained["statements_pending"] and time.monotonic() - drain_started < args.drain:
            time.sleep(2)
            drained = db_counts(s, args.db_name)
        drain_seconds = round(time.monotonic() - drain_started, 1) if at_end["statements_pending"] else 0.0
        with contextlib.suppress(Exception):
            watch.sample_rss()
        memory_drained = s.rss()

        data = json.loads(samples_file.read_text()) if samples_file.exists() else {"samples": [], "errors": []}
        summary = summarise(data["samples"], args.seconds)
        result.update({
            "locust_exit": rc, **{k: summary[k] for k in ("requests", "failures", "rps", "p50_ms", "p95_ms",
                                                          "p99_ms", "by_status")},
            "endpoints": summary["endpoints"], "minutes": summary["minutes"],
            "errors": sorted(data["errors"], key=lambda e: -e["count"]),
            "db_before": before, "db_at_end": at_end, "db_drained": drained,
            "backlog_at_end": {"statements_pending": at_end["statements_pending"],
                               "outbox_open": at_end["outbox_open"]},
            "drain_seconds": drain_seconds, "drained": drained["statements_pending"] == 0,
            "statements_during_run": (stats := statement_stats(s, args.db_name, started)),
            "consistency": consistency(data["samples"], before, drained, stats),
            "cpu": cpu,
            "memory_end": memory_end, "memory_after_drain": memory_drained,
            "memory_peak_group": watch.rss_peak, "memory_peak_one_process": watch.rss_peak_one,
            "logs": scan_logs(s.workdir),
            "ledger_verify": verify(s, "ledger_verify"), "audit_verify": verify(s, "audit_verify"),
            "workdir": str(s.workdir),
        })
    report(result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        with args.json.open("a") as f:
            f.write(json.dumps(result, ensure_ascii=False, default=str) + "\n")
        log(f"appended to {args.json}")
    problems = failed(result)
    for problem in problems:
        print(f"FAILED: {problem}")
    return 1 if problems else 0


def failed(r: dict[str, Any]) -> list[str]:
    """What makes the run fail (the checks, not the targets). Clients and database disagree when the database has
    fewer than the clients were told, or more than one per user beyond it: locust stops its users in the middle of
    their requests, and a request the server finished after its client was stopped is in the database only."""
    lg = r["logs"]
    users = r["args"]["users"]
    disagree = {k: v for k, v in r["consistency"].items() if not v[0] <= v[1] <= v[0] + users}
    return [what for what, bad in (
        (f"{r['failures']} requests failed", r["failures"]),
        ("no request was made", not r["requests"]),
        (f"locust exited {r['locust_exit']}", r["locust_exit"]),
        ("ledger_verify", not r["ledger_verify"]["ok"]),
        ("audit_verify", not r["audit_verify"]["ok"]),
        (f"clients and database disagree: {disagree}", disagree),
        (f"{lg['web_error_lines']} error lines in the web log", lg["web_error_lines"]),
        (f"{lg['worker_error_lines']} error lines in the worker log", lg["worker_error_lines"]),
        (f"statements still pending after {r['drain_seconds']} s", not r["drained"]),
    ) if bad]


def report(r: dict[str, Any]) -> None:
    a = r["args"]
    print()
    print(f"== Load: {a['users']} users for {a['seconds']} s (members:managers:auditors = "
          f"{a['weights']['member']}:{a['weights']['manager']}:{a['weights']['auditor']}, think "
          f"{a['think'][0]}-{a['think'][1]} s), {a['web_workers']} gunicorn workers, worker concurrency "
          f"{a['worker_concurrency']}")
    print()
    print(f"{'endpoint':58} {'requests':>8} {'fail':>5} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'max ms':>8}")
    for name, e in r["endpoints"].items():
        print(f"{name[:58]:58} {e['requests']:8d} {e['failures']:5d} {e['rps']:7.2f} {e['p50_ms']:8.1f} "
              f"{e['p95_ms']:8.1f} {e['p99_ms']:8.1f} {e['max_ms']:8.1f}")
    print(f"{'all HTTP requests':58} {r['requests']:8d} {r['failures']:5d} {r['rps']:7.2f} {r['p50_ms']:8.1f} "
          f"{r['p95_ms']:8.1f} {r['p99_ms']:8.1f}")
    print(f"  by status: {r['by_status']}   (WAIT rows: from asking for a statement to its state being ready, "
          "polled every 2 s; not in the HTTP totals)")
    print()
    print("per minute: " + ", ".join(f"{m['minute']}: {m['rps']} req/s p50 {m['p50_ms']:.0f} p95 {m['p95_ms']:.0f} "
                                     f"p99 {m['p99_ms']:.0f} ms" for m in r["minutes"]))
    print()
    if r["errors"]:
        print(f"ERRORS ({sum(e['count'] for e in r['errors'])}):")
        for e in r["errors"]:
            print(f"  {e['count']:5d} x {e['type']} {e['name']}: {e['error'][:500]}")
    else:
        print("errors: none")
    print()
    print("statements asked for during the run (queued: from the request until a worker starts rendering it):")
    for kind, st in r["statements_during_run"].items():
        print(f"  {kind:10} {st['count']:5d} asked, {st['ready']} ready, {st['pending']} pending, {st['failed']} "
              f"failed, up to {st['max_pages']} pages")
        print(f"  {'':10} render p50/p95/max {st['render_p50_s']}/{st['render_p95_s']}/{st['render_max_s']} s; "
              f"queued {st['queue_p50_s']}/{st['queue_p95_s']}/{st['queue_max_s']} s; "
              f"request to ready {st['to_ready_p50_s']}/{st['to_ready_p95_s']}/{st['to_ready_max_s']} s")
    b, d = r["db_before"], r["db_at_end"]
    print(f"  backlog when the load stopped: {r['backlog_at_end']['statements_pending']} statements pending, "
          f"{r['backlog_at_end']['outbox_open']} outbox messages open; "
          + (f"drained in {r['drain_seconds']} s" if r["drained"] else f"NOT drained after {r['drain_seconds']} s"))
    print(f"  database during the run: +{d['repayments'] - b['repayments']} repayments, "
          f"+{d['journals'] - b['journals']} journals, +{d['audit_events'] - b['audit_events']} audit events, "
          f"+{d['downloads'] - b['downloads']} logged downloads")
    bad = {k: v for k, v in r["consistency"].items() if v[0] != v[1]}
    print("  clients against the database: " + ("all agree (" + "; ".join(
        f"{k}: {v[0]}" for k, v in r["consistency"].items()) + ")" if not bad else f"MISMATCH {bad}"))
    print()
    lv, av = r["ledger_verify"], r["audit_verify"]
    print(f"ledger_verify: {'ok' if lv['ok'] else 'FAILED'}: {' / '.join(lv['output'])}")
    print(f"audit_verify:  {'ok' if av['ok'] else 'FAILED'}: {' / '.join(av['output'])}")
    lg = r["logs"]
    print(f"logs: web access {lg['web_access_by_class']}, web error lines {lg['web_error_lines']}, worker error "
          f"lines {lg['worker_error_lines']}, gunicorn workers booted {lg['gunicorn_workers_booted']} "
          f"(max_requests recycles them), renders {lg['renders_succeeded']}")
    for line in lg["web_error_sample"] + lg["worker_error_sample"]:
        print(f"  {line[:300]}")
    print()
    c = r["cpu"]
    print(f"CPU over {c['seconds']} s, in cores of {c['cores']} (machine busy {c['machine_busy_cores']}): "
          + ", ".join(f"{k} {v}" for k, v in c["by_group"].items()))
    if c["other_top"]:
        print("  other: " + "; ".join(f"{v} {k}" for k, v in c["other_top"].items()))
    for i, m in enumerate(c["minutes"], 1):
        print(f"  minute {i}: " + ", ".join(f"{k} {v}" for k, v in sorted(m.items(), key=lambda kv: -kv[1])))
    print()
    print("memory (RSS) at the end of the load / after the backlog drained / peak of one process during the run:")
    names = sorted(set(r["memory_end"]) | set(r["memory_after_drain"]))
    for name in names:
        end, drained = r["memory_end"].get(name), r["memory_after_drain"].get(name)
        print(f"  {name:16} {mb(end) if end else '-':>8} {mb(drained) if drained else '-':>8}")
    print("  peak of one process: " + ", ".join(f"{k} {mb(v)}" for k, v in r["memory_peak_one_process"].items()))
    print("  peak of a group:     " + ", ".join(f"{k} {mb(v)}" for k, v in r["memory_peak_group"].items()))
    print(f"(logs and samples in {r['workdir']})")


if __name__ == "__main__":
    sys.exit(main())
