"""Benchmark: an interest subsidy run (이차보전) over a program of N active guarantees: prepared, then approved and
paid, on PostgreSQL.

    .venv/bin/python bench/subsidy_run.py --guarantees 10000
    .venv/bin/python bench/subsidy_run.py --guarantees 2500 5000 10000 --json bench/results/subsidy_run.jsonl

Several sizes: each in a fresh database, in its own process. For each N: drop and create the database, ``migrate``,
build a Dalseong-style program (2 %p for 24 months, monthly runs, two partner banks) with N active guarantees written
in bulk (enterprises, applications, guarantees, their loans' execution balances; every third loan also reports a
lower balance in the middle of the month, so a third of the lines are amortising), and the city's subsidy budget;
VACUUM ANALYZE; then time ``subsidy_run_prepare`` (every guarantee's subsidy for the month that ended last, through
the engine, and the lines written) by one manager and ``subsidy_run_approve`` (one journal against the budget) by
another. Then the run's total is checked against the sum of its lines and the budget's account, and
``manage.py ledger_verify`` is run. Prints a summary and one ``RESULT {json}`` line.

``--smoke`` (CI, ``make bench-smoke``): 300 guarantees in a throwaway database of its own, no waiting for a quiet
machine, nothing appended anywhere; the checks and ``ledger_verify`` still run. A few seconds.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import portfolio

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sf_bench_subsidy"
TARGET_SECONDS = 30  # prepare + approve, 10,000 guarantees
SMOKE = {"guarantees": [300], "wait_quiet": 0}
BATCH = 2000
AMOUNT = 30_000_000


def build(n: int, month) -> dict:
    """The program, its banks, N active guarantees (and their balances) and the budget, in bulk."""
    from django.db import transaction
    from django.utils import timezone
    from djmoney.money import Money

    from core.engines.schedules import add_months
    from enterprises.models import Enterprise, Institution
    from guarantees import services
    from guarantees.models import Guarantee, GuaranteeApplication, GuaranteeBalance

    today = timezone.localdate()
    foundation = Institution.objects.create(name="대구신용보증재단", kind=Institution.Kind.CREDIT_GUARANTEE_FOUNDATION)
    banks = [Institution.objects.create(name=name, kind=Institution.Kind.BANK) for name in ("대구은행", "농협은행")]
    program = services.program_create(
        actor=None, today=today, code="bench-subsidy", name="벤치 특례보증 (이차보전)", year=today.year,
        foundation=foundation, partner_banks=banks, multiple=Decimal(12), per_firm_limit=AMOUNT,
        guarantee_ratio=Decimal("1.00"), fee_rate=Decimal("0.00800"), city_fee_rate=Decimal("0.00500"),
        subsidy_rate=Decimal("0.02000"), subsidy_months=24, opens_on=add_months(month, -24), closes_on=today,
        eligible_kinds=list(Enterprise.Kind.values))
    preparer = portfolio.make_user("bench.preparer", groups=("fund_manager",))
    approver = portfolio.make_user("bench.approver", groups=("fund_manager",))
    member = portfolio.make_user("bench.member")
    now = timezone.now()
    mid_month = month + timedelta(days=14)
    for first in range(0, n, BATCH):
        numbers = range(first, min(first + BATCH, n))
        with transaction.atomic():
            enterprises = Enterprise.objects.bulk_create(portfolio.make_enterprise(i) for i in numbers)
            applications = GuaranteeApplication.objects.bulk_create(
                GuaranteeApplication(
                    program=program, enterprise=e, bank=banks[i % 2], amount=Money(AMOUNT, "KRW"), term_months=60,
                    repayment_method="equal_principal", grace_months=12, purpose="운영자금", state="approved",
                    created_by=member, submitted_at=now, recommended_by=preparer, recommended_at=now,
                    decided_by=approver, decided_at=now)
                for i, e in zip(numbers, enterprises, strict=True))
            starts = {i: month - timedelta(days=30 + i % 600) for i in numbers}
            guarantees = Guarantee.objects.bulk_create(
                Guarantee(
                    application=a, program=program, enterprise=a.enterprise, bank=a.bank, state="active",
                    ratio=Decimal("1.00"), approved_amount=Money(AMOUNT, "KRW"), guaranteed=Money(AMOUNT, "KRW"),
                    loan_amount=Money(AMOUNT, "KRW"), loan_rate=Decimal("0.04500") if i % 5 else Decimal("0.01500"),
                    term_months=60, repayment_method="equal_principal", grace_months=12, start_on=starts[i],
                    maturity_on=add_months(starts[i], 60), bank_reference=f"BNK-{i:06d}",
                    balance=Money(AMOUNT, "KRW"), balance_on=starts[i], approved_by=approver, approved_at=now)
                for i, a in zip(numbers, applications, strict=True))
            rows = [GuaranteeBalance(guarantee=g, kind="execution", on_date=starts[i], balance=Money(AMOUNT, "KRW"),
                                     idempotency_key="execution") for i, g in zip(numbers, guarantees, strict=True)]
            rows += [GuaranteeBalance(guarantee=g, kind="repayment", on_date=mid_month,
                                      balance=Money(AMOUNT - 1_000_000 * (1 + i % 7), "KRW"),
                                      repaid=Money(1_000_000 * (1 + i % 7), "KRW"), idempotency_key=f"r-{i}")
                     for i, g in zip(numbers, guarantees, strict=True) if i % 3 == 0]
            GuaranteeBalance.objects.bulk_create(rows)
    budget = n * 60_000  # more than a month's subsidy of 30,000,000 at 2 % (51,000 won)
    services.subsidy_budget_record(actor=preparer, program_id=program.pk, amount=budget, received_on=today,
                                   idempotency_key="bench-budget", today=today)
    return {"program": program, "preparer": preparer, "approver": approver, "budget": budget}


def run_one(args: argparse.Namespace, n: int) -> dict:
    if args.smoke:  # never the DATABASE_URL of the environment (CI's test database): a throwaway one, dropped
        url = portfolio.smoke_url(DEFAULT_URL)
        try:
            return _run_one(args, n, url)
        finally:
            portfolio.drop_database(url)
    return _run_one(args, n, os.environ.get("DATABASE_URL") or DEFAULT_URL)


def _run_one(args: argparse.Namespace, n: int, url: str) -> dict:
    log = portfolio._log
    log(f"N = {n}: recreating {portfolio.db_name(url)}")
    portfolio.recreate_database(url)
    portfolio.django_setup(url)
    portfolio.migrate()

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from instrument import MachineWatch, code_fingerprint, measured, wait_for_quiet

    from guarantees import accounts as chart
    from guarantees import services
    from guarantees.models import SubsidyLine
    from guarantees.services.subsidies import last_ended_period

    today = timezone.localdate()
    month = last_ended_period("monthly", today)
    started = time.monotonic()
    world = build(n, month)
    setup_s = time.monotonic() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE guarantees_guarantee, guarantees_guaranteebalance, guarantees_subsidyrun, "
                       "guarantees_subsidyline, ledger_account, ledger_journal, ledger_entry")
    log(f"{n} guarantees ready in {setup_s:.0f} s")

    if args.wait_quiet:
        wait_for_quiet(timeout=args.wait_quiet, log=log)
    program = world["program"]
    watch = MachineWatch()
    watch.start()
    with measured(connection) as stats:
        started = time.perf_counter()
        run, created = services.subsidy_run_prepare(program_id=program.pk, period_start=month,
                                                    actor=world["preparer"], today=today)
        prepared = time.perf_counter()
        paid, paid_now = services.subsidy_run_approve(run_id=run.pk, actor=world["approver"], today=today,
                                                      idempotency_key="bench-approve")
        finished = time.perf_counter()
    load = watch.stop()
    prepare_s, approve_s, elapsed = prepared - started, finished - prepared, finished - started
    assert created and paid_now and paid.state == "paid"
    again, created_again = services.subsidy_run_prepare(program_id=program.pk, period_start=month,
                                                        actor=world["approver"], today=today)
    assert not created_again and again.pk == run.pk and again.total == run.total

    lines = SubsidyLine.objects.filter(run=run)
    line_sum = sum(amount for amount in lines.values_list("amount", flat=True))
    budget_left = chart.account(program.book, chart.SUBSIDY_BUDGET).balance.amount
    checks = {
        "lines": lines.count() == n, "total_is_sum_of_lines": line_sum == run.total.amount,
        "budget_left": budget_left == world["budget"] - run.total.amount,
        "expense": chart.account(program.book, chart.SUBSIDY_EXPENSE).balance.amount == run.total.amount,
    }
    out = io.StringIO()
    call_command("ledger_verify", stdout=out, stderr=out)
    verify = out.getvalue().strip()

    result = {
        "guarantees": n,
        "period_start": month.isoformat(),
        "seconds": round(elapsed, 3),
        "target_seconds": TARGET_SECONDS,
        "prepare_seconds": round(prepare_s, 3),
        "approve_seconds": round(approve_s, 3),
        "ms_per_guarantee": round(1000 * elapsed / n, 3),
        "lines": run.line_count,
        "total": str(run.total.amount),
        "checks": checks,
        "sql": stats.as_dict(),
        "setup_seconds": round(setup_s, 1),
        "ledger_verify": verify,
        "cpu_during_run": load,
        "code": code_fingerprint(),
        "machine": portfolio.machine_facts(),
    }
    print(f"\nsubsidy run {month:%Y-%m} over {n} active guarantees: prepare {prepare_s:.2f} s + approve "
          f"{approve_s:.2f} s = {elapsed:.2f} s ({'within' if elapsed <= TARGET_SECONDS else 'OVER'} the "
          f"{TARGET_SECONDS} s target), {1000 * elapsed / n:.3f} ms a guarantee")
    print(f"  {run.line_count} lines, total {run.total}; checks {checks}")
    print(f"  {stats.queries} queries, {stats.query_seconds:.2f} s in SQL, {stats.commits} commits "
          f"{stats.commit_seconds:.2f} s, rest (Python, Django ORM) "
          f"{elapsed - stats.query_seconds - stats.commit_seconds:.2f} s")
    print(stats.table())
    print(f"  CPU meanwhile (cores of {load['cores']}): benchmark {load['benchmark_cores']}, PostgreSQL background "
          f"{load['postgres_background_cores']}, OTHER processes {load['other_cores']}")
    print(f"  {verify}")
    if not all(checks.values()):
        raise SystemExit(f"checks failed: {checks}")
    if "every account agrees" not in verify:
        raise SystemExit("ledger_verify failed")
    if not args.keep:
        connection.close()
        portfolio.drop_database(url)
    print("RESULT " + json.dumps(result, ensure_ascii=False), flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--guarantees", type=int, nargs="+", default=[10_000],
                        help="active guarantees (several: one run each)")
    parser.add_argument("--wait-quiet", type=float, default=300, metavar="SECONDS",
                        help="before measuring, wait up to this long for other processes to leave the CPU idle "
                             "(0: don't wait)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (default: drop it)")
    parser.add_argument("--json", help="append each RESULT to this file (JSON lines)")
    parser.add_argument("--smoke", action="store_true",
                        help="CI's smoke run: tiny sizes, a throwaway database, nothing written, no target judged")
    args = parser.parse_args()
    if args.smoke:
        if args.json:
            parser.error("--smoke runs are not results: no --json")
        for name, value in SMOKE.items():
            setattr(args, name, value)
    if len(args.guarantees) == 1:
        results = [run_one(args, args.guarantees[0])]
        if args.json:
            with open(args.json, "a") as f:
                f.write(json.dumps(results[0], ensure_ascii=False) + "\n")
        return
    results = []
    for n in args.guarantees:  # each size in its own process and its own fresh database
        cmd = [sys.executable, __file__, "--guarantees", str(n), "--wait-quiet", str(args.wait_quiet)]
        cmd += ["--keep"] if args.keep else []
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        for line in proc.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            if line.startswith("RESULT "):
                results.append(json.loads(line[7:]))
                if args.json:
                    with open(args.json, "a") as f:
                        f.write(line[7:])
        if proc.wait():
            raise SystemExit(f"{cmd} failed")
    print("\n  N guarantees  prepare s  approve s  total s  ms each  s/10k  bench CPU  other CPU")
    for r in results:
        print(f"  {r['guarantees']:12d} {r['prepare_seconds']:10.2f} {r['approve_seconds']:10.3f}"
              f" {r['seconds']:8.2f} {r['ms_per_guarantee']:8.3f} {10000 * r['seconds'] / r['guarantees']:6.2f}"
              f" {r['cpu_during_run']['benchmark_cores']:10.2f} {r['cpu_during_run']['other_cores']:10.2f}")


if __name__ == "__main__":
    main()
