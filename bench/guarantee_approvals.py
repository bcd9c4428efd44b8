"""Benchmark: guarantee approvals racing for the last of a program's capacity, over HTTP (gunicorn + PostgreSQL +
Redis), with 16 clients.

    .venv/bin/python bench/guarantee_approvals.py --json bench/results/guarantee_approvals.jsonl

1. Drops and creates the database ``sf_bench_guarantees`` (``--db-url``), migrates it, opens a special guarantee
   program through the services (a foundation, a partner bank, ratio 100 %, 12x) with ``--fit`` x 1,000,000 won paid
   in, so that its capacity is exactly ``--fit`` guarantees of 12,000,000; then ``--applications`` enterprises each
   draft, submit and have recommended (by ``bench-reviewer``) one application of 12,000,000 (``guarantees.services``).
2. Starts ``gunicorn config.wsgi`` (``--workers``, DEBUG off) with a Redis broker and no worker, as the web tier runs
   in production; what beat would do meanwhile (seal the audit trail every AUDIT_SEAL_SECONDS) this process does.
3. ``--clients`` threads released together take the applications from one queue and approve them as the fund manager
   (``POST /api/v1/guarantee-applications/{id}/approve/``, a JWT): every approval locks the application, its
   enterprise and the program's row, checks the capacity and the per-firm limit (through the exposure registry) and
   makes the guarantee. The first ``--fit`` approvals take the capacity; every later one is refused with a 422 naming
   it. Reported: approvals (2xx) and refusals (422) per second, latency p50/p99 of each and of all, the deadlocks
   PostgreSQL detected meanwhile, CPU of the machine.
4. Checks: exactly ``--fit`` guarantees made and every other approval a 422 ``limit_exceeded`` on the capacity; no 5xx
   nor client exception; the program's ``committed`` equal to the sum of its guarantees and to its capacity;
   ``ledger_verify`` and ``audit_verify``. Prints one ``RESULT {json}`` line; ``--json`` appends it to a file.

``--smoke`` (CI, ``make bench-smoke``): 24 applications for 12 places, 2 gunicorn workers, 4 clients, in a throwaway
database of its own, nothing appended anywhere, no target judged; every check above still fails the run.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import statistics
import sys
import threading
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
import contention  # noqa: E402
import portfolio  # noqa: E402
import repayments  # noqa: E402
from instrument import MachineWatch, code_fingerprint, wait_for_quiet  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sf_bench_guarantees"
BROKER = "redis://127.0.0.1:6379/13"  # nobody consumes it: flushed before and after
AMOUNT = 12_000_000  # each application; 1,000,000 won paid in gives exactly one of them (x 12)
CODE_FILES = ("guarantees/services/applications.py", "guarantees/locks.py", "guarantees/selectors/programs.py",
              "guarantees/selectors/guarantees.py", "enterprises/exposure.py", "api/guarantees/applications.py",
              "core/audit.py", "core/db.py")
SMOKE = {"applications": 24, "fit": 12, "clients": 4, "workers": 2, "wait_quiet": 0}
log = portfolio._log


def build(applications: int, fit: int) -> dict[str, Any]:
    """The program (capacity ``fit`` x AMOUNT), a manager and a reviewer, and ``applications`` recommended
    applications, one per enterprise, through the services. Returns the ids the run needs."""
    from django.utils import timezone

    from enterprises.models import Institution, Membership
    from guarantees import services

    today = timezone.localdate()
    foundation = Institution.objects.create(name="벤치 신용보증재단", kind=Institution.Kind.CREDIT_GUARANTEE_FOUNDATION)
    bank = Institution.objects.create(name="벤치 은행", kind=Institution.Kind.BANK)
    program = services.program_create(
        actor=None, today=today, code="bench-2026", name="벤치 특례보증", year=today.year, foundation=foundation,
        partner_banks=[bank], multiple=Decimal(12), per_firm_limit=30_000_000, guarantee_ratio=Decimal("1.00"),
        fee_rate=Decimal("0.00800"), city_fee_rate=Decimal("0.00500"), opens_on=today - timedelta(days=30),
        closes_on=today + timedelta(days=30), eligible_kinds=portfolio.KINDS)
    services.contribution_record(actor=None, program_id=program.pk, source="city", amount=fit * 1_000_000,
                                 received_on=today, idempotency_key="bench-seed", today=today)
    manager = portfolio.make_user("bench-manager", groups=("fund_manager",))
    reviewer = portfolio.make_user("bench-reviewer", groups=("fund_manager",))
    started = time.monotonic()
    ids = []
    for n in range(applications):
        enterprise = portfolio.make_enterprise(50_000 + n)
        enterprise.save()
        member = portfolio.make_user(f"bench-g-member-{n}")
        Membership.objects.create(user=member, enterprise=enterprise, role=Membership.Role.MEMBER)
        application = services.application_create(
            actor=member, today=today, program_id=program.pk, enterprise_id=enterprise.pk, bank_id=bank.pk,
            amount=AMOUNT, term_months=60, repayment_method="equal_principal", grace_months=12, purpose="운영자금")
        services.application_submit(actor=member, application_id=application.pk, today=today)
        services.application_recommend(actor=reviewer, application_id=application.pk, recommend=True,
                                       reason="추천")
        ids.append(application.pk)
    log(f"{applications} applications recommended in {time.monotonic() - started:.1f} s")
    return {"program": program.pk, "manager": manager.pk, "applications": ids}


def race(port: int, token: str, application_ids: list[int], clients: int) -> dict[str, Any]:
    """``clients`` threads approving the applications from one queue, released together."""
    work: queue.Queue[int] = queue.Queue()
    for pk in application_ids:
        work.put(pk)
    tally = contention.Tally()
    refusals: list[float] = []
    barrier = threading.Barrier(clients + 1)

    def loop(i: int) -> None:
        caller = contention.Caller(port, token)
        barrier.wait()
        while True:
            try:
                pk = work.get_nowait()
            except queue.Empty:
                return
            try:
                status, body, seconds = caller.post(f"/api/v1/guarantee-applications/{pk}/approve/",
                                                    {"reason": "의결"})
            except Exception as exc:  # noqa: BLE001 - counted and reported (a smoke run fails on it)
                with tally.lock:
                    tally.exceptions[f"{type(exc).__name__}: {exc}"[:200]] += 1
                continue
            fields = body.get("fields", {}) if status >= 400 else {}
            what = "approve" if status < 300 or set(fields) != {"capacity"} else "approve (capacity)"
            tally.add(what, status, body, seconds)
            if status == 422:
                with tally.lock:
                    refusals.append(seconds)

    threads = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    watch = MachineWatch()
    watch.start()
    beat = contention.Beat()
    barrier.wait()
    started = time.perf_counter()
    beat.start()
    for thread in threads:
        thread.join(timeout=600)
    elapsed = time.perf_counter() - started
    beat.stop.set()
    beat.join()
    cpu = watch.stop()
    ok = sorted(tally.latencies)
    refusals.sort()
    everything = sorted(ok + refusals)

    def pct(values: list[float], q: float) -> float | None:
        return round(1000 * values[int(q * (len(values) - 1))], 1) if values else None

    return {
        "seconds": round(elapsed, 2), "requests": sum(tally.outcomes.values()), "approved": len(ok),
        "refused_capacity": len(refusals),
        "approvals_per_second": round(len(ok) / elapsed, 1),
        "requests_per_second": round(len(everything) / elapsed, 1),
        "latency_ms": {
            "approved": {"p50": round(1000 * statistics.median(ok), 1) if ok else None, "p99": pct(ok, 0.99)},
            "refused": {"p50": round(1000 * statistics.median(refusals), 1) if refusals else None,
                        "p99": pct(refusals, 0.99)},
            "all": {"p50": round(1000 * statistics.median(everything), 1) if everything else None,
                    "p99": pct(everything, 0.99)},
        },
        "outcomes": dict(sorted(tally.outcomes.items())), "error_samples": tally.samples,
        "client_exceptions": dict(tally.exceptions), "cpu": cpu,
        "audit_sealed_by_beat": {"events": beat.sealed, "seconds": round(beat.seconds, 2)},
    }


def check(program_id: int, fit: int, phase: dict[str, Any]) -> list[str]:
    """What must hold after the race, as a list of failures (empty: all good)."""
    from django.db.models import Sum

    from guarantees.models import Guarantee, GuaranteeProgram
    from guarantees.selectors import program_position

    program = GuaranteeProgram.objects.get(pk=program_id)
    position = program_position(program)
    made = Guarantee.objects.filter(program=program)
    total = made.aggregate(total=Sum("guaranteed"))["total"] or 0
    failures = []
    if made.count() != fit or phase["approved"] != fit:
        failures.append(f"{made.count()} guarantees made, {phase['approved']} 2xx; expected {fit}")
    if program.committed.amount != total or total != position.capacity:
        failures.append(f"committed {program.committed.amount}, sum of guaranteed {total}, capacity "
                        f"{position.capacity}: not all equal")
    expected = {"approve 200": fit}
    if phase["requests"] > fit:
        expected["approve (capacity) 422 limit_exceeded"] = phase["requests"] - fit
    if phase["outcomes"] != expected:
        failures.append(f"outcomes {phase['outcomes']}, expected {expected}")
    if phase["client_exceptions"]:
        failures.append(f"client exceptions {phase['client_exceptions']}")
    return failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db-url", default=os.environ.get("BENCH_GUARANTEES_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--applications", type=int, default=800, help="recommended applications, one per enterprise")
    parser.add_argument("--fit", type=int, default=400, help="how many of them the capacity holds")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--wait-quiet", type=float, default=120, metavar="SECONDS")
    parser.add_argument("--json", help="append the RESULT to this file (JSON lines)")
    parser.add_argument("--smoke", action="store_true",
                        help="CI's smoke run: tiny sizes, a throwaway database, nothing written, no target judged")
    args = parser.parse_args()
    if args.fit > args.applications:
        parser.error("--fit must not exceed --applications")
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
    portfolio.migrate()
    from io import StringIO

    from django.core.management import call_command
    from django.db import connection
    from rest_framework_simplejwt.tokens import AccessToken

    from enterprises.models import User

    built = build(args.applications, args.fit)
    token = str(AccessToken.for_user(User.objects.get(pk=built["manager"])))
    connection.close()

    class Args(argparse.Namespace):
        workers, threads, conn_max_age = args.workers, 1, None

    os.environ["CELERY_BROKER_URL"] = BROKER  # gunicorn inherits it: each request leaves its audit seal to beat
    port = repayments.free_port()
    server = repayments.start_gunicorn(Args(), url, port)
    try:
        quiet = wait_for_quiet(timeout=args.wait_quiet, log=log) if args.wait_quiet else None
        before = contention.deadlocks(url)
        phase = race(port, token, built["applications"], args.clients)
        phase["deadlocks_detected"] = contention.deadlocks(url) - before
    finally:
        repayments.stop_gunicorn(server)
        broker.flushdb()
    log(f"{phase['approved']} approved and {phase['refused_capacity']} refused in {phase['seconds']} s: "
        f"{phase['approvals_per_second']} approvals/s, {phase['requests_per_second']} requests/s; p50/p99 approved "
        f"{phase['latency_ms']['approved']['p50']}/{phase['latency_ms']['approved']['p99']} ms, refused "
        f"{phase['latency_ms']['refused']['p50']}/{phase['latency_ms']['refused']['p99']} ms, all "
        f"{phase['latency_ms']['all']['p50']}/{phase['latency_ms']['all']['p99']} ms; deadlocks "
        f"{phase['deadlocks_detected']}; {phase['outcomes']}")
    failures = check(built["program"], args.fit, phase)
    checks = {}
    for command in ("ledger_verify", "audit_verify"):  # raise (CommandError) on a difference
        out = StringIO()
        call_command(command, stdout=out, stderr=out)
        checks[command] = out.getvalue().strip()
        log(checks[command])
    machine = portfolio.machine_facts()
    connection.close()
    result = {"date": date.today().isoformat(), "applications": args.applications, "fit": args.fit,
              "clients": args.clients, "workers": args.workers, "race": phase, "quiet_before": quiet,
              "checks": checks, "failures": failures, "machine": machine, "code": code_fingerprint(CODE_FILES)}
    print("RESULT " + json.dumps(result, ensure_ascii=False), flush=True)
    if failures:
        raise SystemExit("guarantee approvals: " + "; ".join(failures))
    if args.json:
        with open(args.json, "a") as f:
            f.write(json.dumps(result, ensure_ascii=False) + "\n")
    if not args.smoke:
        portfolio.drop_database(url)


if __name__ == "__main__":
    main()
