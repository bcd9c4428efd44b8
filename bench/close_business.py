"""Benchmark: close of business (일마감) of ONE day over a fund of N active loans.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sf_bench_cob \\
        .venv/bin/python bench/close_business.py --loans 100000

Several sizes (each in a fresh database, in its own process): ``--loans 10000 30000 100000``.

For each N: drop and create the database, ``migrate``, build the portfolio (bench/portfolio.py: 60 template loans
through the services with a real history, N - 60 exact clones), VACUUM ANALYZE, then time
``funds.services.close_business(through=D)`` where D is yesterday (KST) and every loan is closed through D - 1: one day,
the day after the last day closed. Then ``manage.py ledger_verify``. Prints a summary and one ``RESULT {json}`` line.
``--profile`` also runs the close under cProfile (slower; for where the Python time goes).

``--smoke`` (CI, ``make bench-smoke``): 60 loans from 6 templates, in a throwaway database of its own, no waiting
for a quiet machine, nothing appended anywhere; the close and ``ledger_verify`` are still checked. A few seconds.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import portfolio

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sf_bench_cob"
TARGET_SECONDS = 60
SMOKE = {"loans": [60], "template_days": 3, "batch": 20, "wait_quiet": 0}


def run_one(args: argparse.Namespace, loans: int) -> dict:
    if args.smoke:  # never the DATABASE_URL of the environment (CI's test database): a throwaway one, dropped
        url = portfolio.smoke_url(DEFAULT_URL)
        try:
            return _run_one(args, loans, url)
        finally:
            portfolio.drop_database(url)
    return _run_one(args, loans, os.environ.get("DATABASE_URL") or DEFAULT_URL)


def _run_one(args: argparse.Namespace, loans: int, url: str) -> dict:
    log = portfolio._log
    log(f"N = {loans}: recreating {portfolio.db_name(url)}")
    portfolio.recreate_database(url)
    portfolio.django_setup(url)
    started = time.monotonic()
    portfolio.migrate()
    migrate_s = time.monotonic() - started

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from instrument import MachineWatch, code_fingerprint, measured, wait_for_quiet

    from funds.models import BusinessDay

    day = timezone.localdate() - timedelta(days=1)
    started = time.monotonic()
    book = portfolio.build(loans=loans, first_open_day=day, batch=args.batch, template_days=args.template_days)
    setup_s = time.monotonic() - started
    facts = portfolio.portfolio_facts(day)
    log(f"portfolio ready in {setup_s:.0f} s: {facts}")

    profiler = cProfile.Profile() if args.profile else None
    if args.wait_quiet:
        wait_for_quiet(timeout=args.wait_quiet, log=log)
    watch = MachineWatch()
    watch.start()
    with measured(connection) as stats:
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        results = portfolio.close_day(day, today=day + timedelta(days=1))
        if profiler:
            profiler.disable()
        finished = time.perf_counter()
    load = watch.stop()
    elapsed = finished - started
    assert len(results) == 1 and results[0].created, results
    bd: BusinessDay = results[0].day
    select_s = stats.marks["quiet_update_started"] - started
    quiet_s = stats.marks["quiet_update_done"] - stats.marks["quiet_update_started"]
    loop_s = finished - stats.marks["quiet_update_done"]

    out = io.StringIO()
    started = time.monotonic()
    call_command("ledger_verify", stdout=out, stderr=out)
    verify_s = time.monotonic() - started
    verify = out.getvalue().strip()

    result = {
        "loans": loans,
        "day": day.isoformat(),
        "seconds": round(elapsed, 3),
        "target_seconds": TARGET_SECONDS,
        "loans_with_events": bd.loans_processed,
        "loans_without_events": bd.loans_advanced,
        "journals_posted": bd.journals_posted,
        "phase_seconds": {"select_loans_with_events": round(select_s, 3),
                          "advance_loans_without_events": round(quiet_s, 3),
                          "loans_with_events_one_by_one": round(loop_s, 3)},
        "ms_per_loan_with_events": round(1000 * loop_s / max(bd.loans_processed, 1), 3),
        "us_per_loan_without_events": round(1e6 * quiet_s / max(bd.loans_advanced, 1), 3),
        "queries_per_loan_with_events": round(stats.queries / max(bd.loans_processed, 1), 1),
        "sql": stats.as_dict(),
        "portfolio": facts,
        "setup_seconds": {"migrate": round(migrate_s, 1), **{k: round(v, 1) for k, v in book.setup_seconds.items()},
                          "total": round(setup_s, 1)},
        "ledger_verify": verify,
        "ledger_verify_seconds": round(verify_s, 1),
        "cpu_during_close": load,
        "cpu_seconds_benchmark": round(load["benchmark_cores"] * elapsed, 1),
        "code": code_fingerprint(),
        "machine": portfolio.machine_facts(),
    }
    print(f"\nclose_business {day} over {loans} active loans"
          f": {elapsed:.2f} s "
          f"({'within' if elapsed <= TARGET_SECONDS else 'OVER'} the {TARGET_SECONDS} s target)")
    print(f"  loans with events {bd.loans_processed}, without {bd.loans_advanced}, journals {bd.journals_posted}")
    print(f"  phases: select busy {select_s:.2f} s | advance quiet (one UPDATE) {quiet_s:.2f} s | "
          f"busy loans one by one {loop_s:.2f} s = {result['ms_per_loan_with_events']} ms each")
    print(f"  {stats.queries} queries ({result['queries_per_loan_with_events']} per loan with events), "
          f"{stats.query_seconds:.2f} s in SQL, {stats.commits} commits {stats.commit_seconds:.2f} s, "
          f"rest (Python, Django ORM) {elapsed - stats.query_seconds - stats.commit_seconds:.2f} s")
    print(stats.table())
    print(f"  CPU meanwhile (cores of {load['cores']}): benchmark {load['benchmark_cores']}, PostgreSQL background "
          f"{load['postgres_background_cores']}, OTHER processes {load['other_cores']}, unattributed "
          f"{load['unattributed_cores']}")
    print(f"  {verify} ({verify_s:.1f} s)")
    if profiler:
        text = io.StringIO()
        ps = pstats.Stats(profiler, stream=text)
        ps.sort_stats("tottime").print_stats(25)
        ps.sort_stats("cumulative").print_stats(40)
        print(text.getvalue())
    if "every account agrees" not in verify:
        raise SystemExit("ledger_verify failed")
    if not args.keep:
        connection.close()
        portfolio.drop_database(url)
    print("RESULT " + json.dumps(result, ensure_ascii=False), flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loans", type=int, nargs="+", default=[100_000], help="active loans (several: one run each)")
    parser.add_argument("--batch", type=int, default=100, help="clones per setup transaction / journal")
    parser.add_argument("--profile", action="store_true", help="run the close under cProfile too")
    parser.add_argument("--wait-quiet", type=float, default=300, metavar="SECONDS",
                        help="before measuring, wait up to this long for other processes to leave the CPU idle "
                             "(0: don't wait)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (default: drop it)")
    parser.add_argument("--template-days", type=int, default=portfolio.TEMPLATE_DAYS, help=argparse.SUPPRESS)
    parser.add_argument("--json", help="append each RESULT to this file (JSON lines)")
    parser.add_argument("--smoke", action="store_true",
                        help="CI's smoke run: tiny sizes, a throwaway database, nothing written, no target judged")
    args = parser.parse_args()
    if args.smoke:
        if args.json:
            parser.error("--smoke runs are not results: no --json")
        for name, value in SMOKE.items():
            setattr(args, name, value)
    if len(args.loans) == 1:
        results = [run_one(args, args.loans[0])]
        if args.json:
            with open(args.json, "a") as f:
                f.write(json.dumps(results[0], ensure_ascii=False) + "\n")
        return
    results = []
    for n in args.loans:  # each size in its own process and its own fresh database
        cmd = [sys.executable, __file__, "--loans", str(n), "--batch", str(args.batch),
               "--wait-quiet", str(args.wait_quiet)]
        cmd += ["--profile"] if args.profile else []
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
    print("\n   N loans  seconds  with events  ms each  without events  µs each  s/10k loans  bench CPU  other CPU")
    for r in results:
        print(f"  {r['loans']:8d} {r['seconds']:8.2f}  {r['loans_with_events']:11d}"
              f"  {r['ms_per_loan_with_events']:7.2f}"
              f"  {r['loans_without_events']:14d}  {r['us_per_loan_without_events']:7.2f}"
              f"  {10000 * r['seconds'] / r['loans']:11.2f}  {r['cpu_during_close']['benchmark_cores']:9.2f}"
              f"  {r['cpu_during_close']['other_cores']:9.2f}")


if __name__ == "__main__":
    main()
