"""Benchmark: writes that meet on the same rows at the same moment, over HTTP (gunicorn + PostgreSQL + Redis).

    .venv/bin/python bench/contention.py --json bench/results/contention.jsonl

The two kinds of light concurrency that used to deadlock (issue 12), each for ``--seconds``:

1. *One loan*: ``--clients`` threads, each in turn repaying one of ``--hot`` loans (``POST
   /api/v1/loans/{id}/repayments/``, 1,000 won, a fresh Idempotency-Key) and asking for that loan's statement
   (``POST /api/v1/statements/``, the last 30 days), as the fund manager.
2. *One enterprise*: ``--clients`` threads, each running application pipelines for the same enterprise: its member
   drafts and submits, one manager recommends, another approves (1,000,000 won each, so that the exposure limit of
   50,000,000 is reached after 50 and then every approval is a 422).

Reported per phase: requests by status and error code, throughput of 2xx, latency p50/p99, and the deadlocks
PostgreSQL detected in the database meanwhile (``pg_stat_database.deadlocks``). The server runs with a Redis broker
and no worker, as the web tier does in production (statements are handed over, not rendered in the request); what
beat would do on a worker meanwhile, seal the audit trail every AUDIT_SEAL_SECONDS, this process does on the same
machine (its time is reported).

To compare with another version of the code, run this file from that checkout's root (it starts gunicorn there):
``cp bench/contention.py /other/checkout/bench/ && cd /other/checkout && .venv/bin/python bench/contention.py``.

At the end, ``ledger_verify`` and ``audit_verify`` (which seals what beat left). ``--smoke`` (CI, ``make
bench-smoke``): 60 loans from 6 templates, 2 gunicorn workers, 2 clients for 2 s a phase, in a throwaway database of
its own, nothing appended anywhere, no target judged; it fails on a 5xx, on a client's exception, on a phase without
a 2xx, and on either check.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
import portfolio  # noqa: E402
import repayments  # noqa: E402
from instrument import MachineWatch, code_fingerprint, wait_for_quiet  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sf_bench_contention"
BROKER = "redis://127.0.0.1:6379/14"  # nobody consumes it: flushed before and after
SMOKE = {"clients": 2, "hot": 2, "seconds": 2, "workers": 2, "wait_quiet": 0, "loans": 60, "template_days": 3}
log = portfolio._log


class Caller:
    """One keep-alive HTTP connection with a bearer token."""

    def __init__(self, port: int, token: str) -> None:
        self.port, self.token = port, token
        self.conn: http.client.HTTPConnection | None = None

    def post(self, path: str, body: dict[str, Any], key: bool = False) -> tuple[int, dict[str, Any], float]:
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"}
        if key:
            headers["Idempotency-Key"] = uuid.uuid4().hex
        started = time.perf_counter()
        for attempt in range(2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                self.conn.request("POST", path, body=json.dumps(body), headers=headers)
                response = self.conn.getresponse()
                raw = response.read()
                break
            except (OSError, http.client.HTTPException):
                self.conn = None
                if attempt:
                    raise
        seconds = time.perf_counter() - started
        try:
            parsed = json.loads(raw) if raw else {}
        except ValueError:
            parsed = {"code": "not_json"}
        return response.status, parsed, seconds


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.outcomes: Counter[str] = Counter()
        self.latencies: list[float] = []
        self.samples: dict[str, str] = {}
        self.exceptions: Counter[str] = Counter()  # a client thread's own failure (connection lost twice, a bug)

    def add(self, what: str, status: int, body: dict[str, Any], seconds: float) -> None:
        key = f"{what} {status}" + ("" if status < 300 else f" {body.get('code', '?')}")
        with self.lock:
            self.outcomes[key] += 1
            if status < 300:
                self.latencies.append(seconds)
            elif key not in self.samples:
                self.samples[key] = json.dumps(body, ensure_ascii=False)[:200]


def deadlocks(url: str) -> int:
    import psycopg

    with psycopg.connect(portfolio._admin_url(url), autocommit=True) as conn:
        row = conn.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = %s",
                           [portfolio.db_name(url)]).fetchone()
    return int(row[0]) if row else 0


class Beat(threading.Thread):
    """What beat does on a worker while the phase runs: ``audit.seal`` every AUDIT_SEAL_SECONDS (the server has a
    broker, so its requests leave their events to it). Code from before the sealer has nothing to run."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.sealed = 0
        self.seconds = 0.0

    def run(self) -> None:
        try:
            from core.audit import audit_seal
        except ImportError:
            return
        from django.conf import settings
        from django.db import connection

        while True:
            started = time.perf_counter()
            self.sealed += audit_seal()
            self.seconds += time.perf_counter() - started
            if self.stop.wait(settings.AUDIT_SEAL_SECONDS):
                break
        connection.close()


def run_phase(name: str, url: str, clients: int, seconds: float, work: Any) -> dict[str, Any]:
    tally, stop, barrier = Tally(), threading.Event(), threading.Barrier(clients + 1)
    beat = Beat()

    def loop(i: int) -> None:
        barrier.wait()
        n = 0
        while not stop.is_set():
            try:
                work(i, n, tally)
            except Exception as exc:  # noqa: BLE001 - counted and reported (a smoke run fails on it)
                with tally.lock:
                    tally.exceptions[f"{type(exc).__name__}: {exc}"[:200]] += 1
                time.sleep(0.1)
            n += 1

    threads = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    before = deadlocks(url)
    watch = MachineWatch()
    watch.start()
    barrier.wait()
    started = time.perf_counter()
    beat.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=180)
    elapsed = time.perf_counter() - started
    beat.stop.set()
    beat.join()
    cpu = watch.stop()
    ok = sum(count for key, count in tally.outcomes.items() if key.split()[1].startswith("2"))
    total = sum(tally.outcomes.values())
    lat = sorted(tally.latencies)
    result = {
        "phase": name, "seconds": round(elapsed, 1), "requests": total, "ok": ok,
        "ok_per_second": round(ok / elapsed, 1),
        "server_errors": sum(count for key, count in tally.outcomes.items() if key.split()[1].startswith("5")),
        "outcomes": dict(sorted(tally.outcomes.items())),
        "latency_ms_ok": {"p50": round(1000 * statistics.median(lat), 1) if lat else None,
                          "p99": round(1000 * lat[int(0.99 * (len(lat) - 1))], 1) if lat else None},
        "deadlocks_detected": deadlocks(url) - before, "cpu": cpu, "error_samples": tally.samples,
        "client_exceptions": dict(tally.exceptions),
        "audit_sealed_by_beat": {"events": beat.sealed, "seconds": round(beat.seconds, 2)},
    }
    log(f"{name}: {ok}/{total} 2xx in {elapsed:.1f} s ({result['ok_per_second']}/s), server errors "
        f"{result['server_errors']}, client exceptions {sum(tally.exceptions.values())}, deadlocks "
        f"{result['deadlocks_detected']}, p50/p99 "
        f"{result['latency_ms_ok']['p50']}/{result['latency_ms_ok']['p99']} ms; {result['outcomes']}; audit events "
        f"sealed by beat {beat.sealed} in {beat.seconds:.2f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db-url", default=os.environ.get("BENCH_CONTENTION_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--hot", type=int, default=2, help="loans the first phase's clients share")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--wait-quiet", type=float, default=120, metavar="SECONDS")
    parser.add_argument("--loans", type=int, default=120, help="active loans of the fund")
    parser.add_argument("--template-days", type=int, default=portfolio.TEMPLATE_DAYS, help=argparse.SUPPRESS)
    parser.add_argument("--json", help="append the RESULT to this file (JSON lines)")
    parser.add_argument("--smoke", action="store_true",
                        help="CI's smoke run: tiny sizes, a throwaway database, nothing written, no target judged")
    args = parser.parse_args()
    if args.smoke:
        if args.json:
            parser.error("--smoke runs are not results: no --json")
        for name, value in SMOKE.items():
            setattr(args, name, value)
        args.db_url = portfolio.smoke_url(args.db_url)
        try:
            run(args)
        finally:
            portfolio.drop_database(args.db_url)
        return
    run(args)


def run(args: argparse.Namespace) -> None:
    url = args.db_url
    if not portfolio.db_name(url).startswith("sf_bench"):
        raise SystemExit("the database must be named sf_bench*")

    import redis

    broker = redis.Redis.from_url(BROKER)
    broker.flushdb()
    log(f"recreating {portfolio.db_name(url)}")
    portfolio.recreate_database(url)
    portfolio.django_setup(url)
    from django.utils import timezone
    from rest_framework_simplejwt.tokens import AccessToken

    from enterprises.models import Enterprise, Membership, User
    from funds.models import Fund, Loan, LoanProduct

    today = timezone.localdate()
    portfolio.migrate()
    portfolio.build(loans=args.loans, first_open_day=today, manager_password=repayments.PASSWORD,
                    template_days=args.template_days)
    hot = list(Loan.objects.filter(state=Loan.State.ACTIVE, days_past_due=0).order_by("pk")
               .values_list("pk", flat=True)[:args.hot])
    fund = Fund.objects.get(code="bench")
    product = LoanProduct.objects.get(fund=fund)
    enterprise = portfolio.make_enterprise(100_000)
    enterprise.save()
    member = portfolio.make_user("bench-pipeline-member")
    Membership.objects.create(user=member, enterprise=enterprise, role=Membership.Role.MEMBER)
    assert Enterprise.objects.filter(pk=enterprise.pk).exists()
    tokens = {name: str(AccessToken.for_user(User.objects.get(username=name)))
              for name in ("bench-manager", "bench-reviewer", "bench-pipeline-member")}
    period = {"period_start": (today - timedelta(days=30)).isoformat(), "period_end": today.isoformat()}

    class Args(argparse.Namespace):
        workers, threads, conn_max_age = args.workers, 1, None

    os.environ["CELERY_BROKER_URL"] = BROKER  # gunicorn inherits it: statements are handed over, not rendered
    port = repayments.free_port()
    server = repayments.start_gunicorn(Args(), url, port)
    results = []
    try:
        quiet = wait_for_quiet(timeout=args.wait_quiet, log=log) if args.wait_quiet else None
        managers = [Caller(port, tokens["bench-manager"]) for _ in range(args.clients)]

        def one_loan(i: int, n: int, tally: Tally) -> None:
            loan = hot[(i + n) % len(hot)]
            if (i + n) % 2:
                tally.add("repayment", *managers[i].post(f"/api/v1/loans/{loan}/repayments/", {"amount": "1000"},
                                                         key=True))
            else:
                tally.add("statement", *managers[i].post("/api/v1/statements/",
                                                         {"kind": "loan", "subject": loan, **period}))

        results.append(run_phase("one loan: repayments and statements", url, args.clients, args.seconds,
                                 one_loan))
        callers = [{role: Caller(port, tokens[name]) for role, name in (
            ("member", "bench-pipeline-member"), ("reviewer", "bench-reviewer"), ("approver", "bench-manager"))}
            for _ in range(args.clients)]

        def pipeline(i: int, n: int, tally: Tally) -> None:
            c = callers[i]
            status, body, seconds = c["member"].post("/api/v1/loan-applications/", {
                "product": product.pk, "enterprise": enterprise.pk, "amount": "1000000", "purpose": f"운영 {i}-{n}"})
            tally.add("create", status, body, seconds)
            if status != 201:
                return
            path = f"/api/v1/loan-applications/{body['id']}"
            for what, role, action, payload in (("submit", "member", "submit", {}),
                                                ("review", "reviewer", "review", {"decision": "recommend",
                                                                                  "reason": "양호"}),
                                                ("approve", "approver", "approve", {"reason": "의결"})):
                status, body, seconds = c[role].post(f"{path}/{action}/", payload)
                tally.add(what, status, body, seconds)
                if status != 200:
                    return

        results.append(run_phase("one enterprise: application pipelines", url, args.clients, args.seconds,
                                 pipeline))
    finally:
        repayments.stop_gunicorn(server)
        broker.flushdb()
    from io import StringIO

    from django.core.management import call_command
    from django.db import connection

    checks = {}
    for command in ("ledger_verify", "audit_verify"):  # raise (CommandError) on a difference
        out = StringIO()
        call_command(command, stdout=out, stderr=out)
        checks[command] = out.getvalue().strip()
        log(checks[command])
    machine = portfolio.machine_facts()
    connection.close()
    portfolio.drop_database(url)
    result = {"date": date.today().isoformat(), "clients": args.clients, "hot_loans": args.hot,
              "workers": args.workers, "phases": results, "quiet_before": quiet, "checks": checks,
              "machine": machine, "code": code_fingerprint()}
    print("RESULT " + json.dumps(result, ensure_ascii=False), flush=True)
    if args.smoke:
        failures = [f"{r['phase']}: {what}" for r in results for what, bad in (
            (f"{r['server_errors']} 5xx {r['error_samples']}", r["server_errors"]),
            (f"client exceptions {r['client_exceptions']}", r["client_exceptions"]),
            ("no 2xx", not r["ok"]),
        ) if bad]
        if failures:
            raise SystemExit("smoke: " + "; ".join(failures))
    if args.json:
        with open(args.json, "a") as f:
            f.write(json.dumps(result, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
