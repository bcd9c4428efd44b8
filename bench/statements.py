"""Benchmark: rendering PDF statements (WeasyPrint), a loan's and a fund's.

    .venv/bin/python bench/statements.py --json bench/results/statements.jsonl

1. A database of its own (``sf_bench_statements``, dropped afterwards; ``--db-url``), migrated.
2. Data through the real services (applications, approvals, disbursements, repayments, the close of business of
   every day): one loan of a 60-month product disbursed 50 months ago and repaid a day after each due date, so that
   it has 100 ``LoanTransaction`` rows (the disbursement; each month the close of the due date, which recognises the
   interest and a day's default interest, and the repayment; the last installment, due yesterday, not yet paid);
   and a second fund with enough loans (36 months, one in ten paying two days late) that its last twelve months
   hold ``max(--fund-lines)`` journal lines.
3. Loan statement over the loan's whole life: one cold render, then ``--runs`` renders, each of a new pending
   statement through ``statements.services.statement_render`` (the production path, called directly, not through
   Celery), timed by phase: ``statements.kinds.build`` (our queries and Python), ``kinds.base.tables_csv`` (the
   attached CSV), ``statements.render.render_html`` (the template), ``statements.render.html_to_pdf`` (WeasyPrint)
   and the rest (hash, file, row). Then WeasyPrint alone on the same finished HTML, split into layout
   (``HTML.render``) and writing the PDF/A (``write_pdf``), ``--runs`` times.
4. Fund statement over the last days holding about each of ``--fund-lines`` journal lines (``--fund-runs`` renders
   each), timed the same way, and the 분개장 exports (``statements.exports``) of the same periods.

Prints a summary and one ``RESULT {json}`` line (``--json`` appends it to a file). How busy the machine was is
measured during each phase (``instrument.MachineWatch``), after waiting for it to be quiet (``--wait-quiet``).

``--smoke`` (CI, ``make bench-smoke``): a loan with 2 installments due, a fund of 3 loans over one month, one render
of each (WeasyPrint alone on the loan's only), in a throwaway database of its own, nothing appended anywhere, no
target judged; every phase must still be seen by the probe, every render must be ready and ``ledger_verify`` clean.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import math
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

# This file is named like the ``statements`` app: the project root must come before bench/ on the path, or
# ``import statements`` would import this script.
BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
sys.path.insert(0, str(ROOT))
sys.path.append(str(BENCH))
import portfolio  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sf_bench_statements"
LOAN_TARGET_SECONDS = 0.5
FUND_TARGET_SECONDS = 30.0
FUND_TARGET_LINES = 10_000
ONE_DAY = timedelta(days=1)
SMOKE = {"runs": 1, "installments_due": 2, "fund_months": 1, "fund_lines": [60], "fund_runs": 1, "fund_loans": 3,
         "wait_quiet": 0}
CODE_GLOBS = ("statements/*.py", "statements/kinds/*.py", "statements/templates/statements/*.html",
              "statements/templatetags/*.py")
log = portfolio._log


def months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, min(day.day, 28))


def code_fingerprint() -> dict[str, str]:
    """SHA-256 (12 hex digits) and mtime of the statement code measured: the code moves under us, and a figure
    belongs to the code it was measured on."""
    out = {}
    for pattern in CODE_GLOBS:
        for path in sorted(ROOT.glob(pattern)):
            mtime = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(path.stat().st_mtime))
            out[str(path.relative_to(ROOT))] = f"{hashlib.sha256(path.read_bytes()).hexdigest()[:12]} {mtime}"
    return out


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# --- data, through the services ------------------------------------------------------------------------------------


def make_fund(code: str, name: str, capital: int, received_on: date) -> Any:
    # Recorded on the day it happened (``today``), as the history that follows.
    return portfolio.make_fund(code, name, capital=capital, opened_on=received_on, memo="구 출연금")


def live(loans: list[Any], *, manager: Any, through: date, late_days: dict[int, int]) -> int:
    """Every day from the first disbursement to ``through``: each installment is repaid in full on its due date,
    or ``late_days[loan id]`` days after it (``portfolio.repay``, the default interest included), and the day is
    closed (``portfolio.close_day``). Returns the repayments made."""
    from funds.models import Installment

    by_day: dict[date, list[Any]] = defaultdict(list)
    for inst in Installment.objects.filter(loan__in=loans, due_on__lte=through).order_by("loan_id", "number"):
        by_day[inst.due_on + timedelta(days=late_days.get(inst.loan_id, 0))].append(inst)
    day = min(loan.disbursed_on for loan in loans)
    repayments = 0
    while day <= through:
        for inst in by_day.get(day, []):
            position = portfolio.payoff(loan_id=inst.loan_id, on=day)
            if not position.due:
                continue
            portfolio.repay(manager=manager, loan_id=inst.loan_id, key=f"bench-{inst.loan_id}-{inst.number}",
                            amount=min(position.due, position.payoff), on=day)
            repayments += 1
        portfolio.close_day(day)
        if day.day == 1 and day.month % 6 == 1:
            log(f"  history closed through {day}")
        day += ONE_DAY
    return repayments


def lines_by_day(fund: Any) -> list[tuple[date, int]]:
    from django.db.models import Count

    from ledger.models import Entry

    rows = (Entry.objects.filter(journal__book_id=fund.book_id).values("journal__effective_date")
            .annotate(n=Count("id")).order_by("journal__effective_date"))
    return [(r["journal__effective_date"], r["n"]) for r in rows]


def period_for(per_day: list[tuple[date, int]], lines: int, end: date) -> tuple[date, int]:
    """The latest start day such that the days from it to ``end`` hold at least ``lines`` journal lines (or all
    days, if there are fewer), and how many they hold."""
    total = 0
    start = end
    for day, n in reversed([(d, n) for d, n in per_day if d <= end]):
        total += n
        start = day
        if total >= lines:
            break
    return start, total


# --- measuring ---------------------------------------------------------------------------------------------------


class Probe:
    """Times the phases of ``statements.services.statement_render`` by wrapping the functions it calls where they
    live (``statement_render`` looks them up there on each call; the production code runs unchanged), and keeps the
    last HTML and CSV it made. ``calls`` counts each phase: a phase the render no longer goes through (the code
    moved again) is a failure in ``render_once``, not a silent zero."""

    PHASES = ("build", "csv", "template", "weasyprint")

    def __init__(self) -> None:
        import statements.kinds
        import statements.kinds.base
        import statements.render

        self.t: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.html = ""
        self.data = b""
        self.description = ""
        self._originals = [(statements.kinds, "build"), (statements.kinds.base, "tables_csv"),
                           (statements.render, "render_html"), (statements.render, "html_to_pdf")]
        self._saved = [(module, name, getattr(module, name)) for module, name in self._originals]
        for (module, name, original), phase in zip(self._saved, self.PHASES, strict=True):
            setattr(module, name, self._timed(phase, original))

    def _timed(self, phase: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                result = fn(*args, **kwargs)
            finally:
                self.t[phase] += time.perf_counter() - started
                self.calls[phase] += 1
            if phase == "template":
                self.html = result
            elif phase == "csv":
                self.data = result
            elif phase == "weasyprint":
                self.description = kwargs.get("description", "")
            return result

        return wrapper

    def reset(self) -> None:
        self.t.clear()
        self.calls.clear()

    def close(self) -> None:
        for module, name, original in self._saved:
            setattr(module, name, original)


def render_once(probe: Probe, make_statement: Callable[[], Any]) -> dict[str, Any]:
    """One pending statement, rendered by ``statement_render``; seconds by phase, SQL, pages, size."""
    from django.db import connection
    from instrument import measured

    from statements.services import statement_render

    statement = make_statement()
    probe.reset()
    with measured(connection) as stats:
        started = time.perf_counter()
        outcome = statement_render(statement_id=statement.pk)
        total = time.perf_counter() - started
    assert outcome.rendered and outcome.statement.state == "ready", outcome.statement.error
    missed = [phase for phase in Probe.PHASES if not probe.calls.get(phase)]
    if missed:
        raise SystemExit(f"the probe saw no {', '.join(missed)} phase: statement_render no longer calls what "
                         "Probe wraps (bench/statements.py, Probe._originals)")
    phases = {k: probe.t.get(k, 0.0) for k in Probe.PHASES}
    phases["rest"] = total - sum(phases.values())
    return {"total": total, **phases, "ours": phases["build"] + phases["template"], "queries": stats.queries,
            "sql_seconds": stats.query_seconds, "pages": outcome.statement.pages, "bytes": outcome.statement.size}


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    keys = ("total", "ours", "build", "template", "csv", "weasyprint", "rest", "sql_seconds")
    out: dict[str, Any] = {f"median_{k}": round(statistics.median(r[k] for r in runs), 4) for k in keys}
    out["min_total"] = round(min(r["total"] for r in runs), 4)
    out["max_total"] = round(max(r["total"] for r in runs), 4)
    out["queries"] = runs[-1]["queries"]
    out["pages"] = runs[-1]["pages"]
    out["bytes"] = runs[-1]["bytes"]
    out["share_ours"] = round(out["median_ours"] / out["median_total"], 3)
    out["share_weasyprint"] = round(out["median_weasyprint"] / out["median_total"], 3)
    return out


ALONE = """
import json, statistics, sys, time
from weasyprint import HTML, Attachment
html, data, description, runs = open(sys.argv[1]).read(), open(sys.argv[2], "rb").read(), sys.argv[3], int(sys.argv[4])
layout, write = [], []
for _ in range(runs + 1):  # the first warms fonts and caches up, as a worker's first statement does
    started = time.perf_counter()
    document = HTML(string=html, base_url=".").render()
    laid_out = time.perf_counter()
    document.write_pdf(pdf_variant="pdf/a-3b", attachments=[
        Attachment(string=data, name=sys.argv[5], description=description, relationship="Data")])
    layout.append(laid_out - started)
    write.append(time.perf_counter() - laid_out)
layout, write = layout[1:], write[1:]
print(json.dumps({"runs": runs, "median_layout": round(statistics.median(layout), 4),
                  "median_write_pdf": round(statistics.median(write), 4),
                  "median_total": round(statistics.median(a + b for a, b in zip(layout, write)), 4),
                  "pages": len(document.pages), "html_bytes": len(html.encode())}))
"""


def weasyprint_alone(html: str, data: bytes, description: str, runs: int) -> dict[str, Any]:
    """WeasyPrint on the finished HTML, called as ``statements.render.html_to_pdf`` calls it (PDF/A-3b, fonts
    subset and embedded, the CSV attached), split into layout and writing, in a fresh Python process that has
    nothing but WeasyPrint: what layout costs by itself, without our code and without our process's heap."""
    import subprocess

    from statements.render import ATTACHMENT

    with tempfile.TemporaryDirectory() as tmp:
        html_path, data_path = Path(tmp) / "statement.html", Path(tmp) / "data.csv"
        html_path.write_text(html)
        data_path.write_bytes(data)
        done = subprocess.run([sys.executable, "-c", ALONE, str(html_path), str(data_path), description, str(runs),
                               ATTACHMENT], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def save_html(args: argparse.Namespace, name: str, html: str) -> None:
    """With ``--save-html DIR``: the finished HTML, to lay out again or profile without the database."""
    if args.save_html:
        Path(args.save_html).mkdir(parents=True, exist_ok=True)
        (Path(args.save_html) / f"{name}.html").write_text(html)


def quiet(args: argparse.Namespace) -> dict[str, float] | None:
    from instrument import wait_for_quiet

    return wait_for_quiet(timeout=args.wait_quiet, log=log) if args.wait_quiet else None


# --- the benchmark -----------------------------------------------------------------------------------------------


def run_smoke(args: argparse.Namespace) -> dict[str, Any]:
    """``run`` in a throwaway database and media folder, both removed whatever happens."""
    args.db_url = portfolio.smoke_url(args.db_url)
    args.keep = False
    media = tempfile.mkdtemp(prefix="sf_bench_statements_smoke_media_")
    try:
        return run(args, media)
    finally:
        portfolio.drop_database(args.db_url)
        shutil.rmtree(media, ignore_errors=True)


def run(args: argparse.Namespace, media: str | None = None) -> dict[str, Any]:
    url = args.db_url
    media = media or tempfile.mkdtemp(prefix="sf_bench_statements_media_")
    os.environ["MEDIA_ROOT"] = media
    log(f"recreating {portfolio.db_name(url)} (media in {media})")
    portfolio.recreate_database(url)
    portfolio.django_setup(url)
    started = time.monotonic()
    portfolio.migrate()
    setup: dict[str, float] = {"migrate": time.monotonic() - started}

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from instrument import MachineWatch, measured

    from funds.models import LoanTransaction
    from statements.models import Statement

    today = timezone.localdate()
    through = today - ONE_DAY  # the last day that can be closed
    manager = portfolio.make_user("bench-manager", groups=("fund_manager",))
    reviewer = portfolio.make_user("bench-reviewer", groups=("fund_manager",))

    # -- data ------------------------------------------------------------------------------------------------------
    started = time.monotonic()
    loan_disbursed_on = months_before(through, args.installments_due)
    loan_fund = make_fund("bench-loan", "벤치 대출 기금", 100_000_000, loan_disbursed_on - ONE_DAY)
    loan = portfolio.make_loan(0, portfolio.make_product(loan_fund, term_months=60), reviewer=reviewer,
                               manager=manager, principal=30_000_000, disbursed_on=loan_disbursed_on)
    months = args.fund_months
    fund_first_day = months_before(through, months) - timedelta(days=30)
    lines_wanted = max(args.fund_lines)
    fund_loans = args.fund_loans or math.ceil(1.15 * lines_wanted / (5 * months))
    big_fund = make_fund("bench-fund", "벤치 사회적경제활성화기금", (fund_loans + 10) * 10_000_000,
                         fund_first_day - ONE_DAY)
    fund_product = portfolio.make_product(big_fund, term_months=36)
    loans = [loan]
    for i in range(fund_loans):
        loans.append(portfolio.make_loan(1 + i, fund_product, reviewer=reviewer, manager=manager,
                                         principal=10_000_000, disbursed_on=fund_first_day + timedelta(days=i % 30)))
    setup["loans"] = time.monotonic() - started
    log(f"1 + {fund_loans} loans disbursed; living their history through {through}")
    started = time.monotonic()
    # the loan is repaid a day late every month (the close of each due date recognises the interest and a day's
    # default interest: two transactions a month); one fund loan in ten pays two days late, the others on time
    late_days = {loan.pk: 1} | {other.pk: 2 for other in loans[1::10]}
    repayments = live(loans, manager=manager, through=through, late_days=late_days)
    setup["history"] = time.monotonic() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    loan.refresh_from_db()
    loan_txns = LoanTransaction.objects.filter(loan=loan).count()
    txn_kinds: dict[str, int] = defaultdict(int)
    for kind in LoanTransaction.objects.filter(loan=loan).values_list("kind", flat=True):
        txn_kinds[kind] += 1
    log(f"history: {repayments} repayments in {setup['history']:.0f} s; the loan has {loan_txns} transactions "
        f"{dict(txn_kinds)}, {loan.installments.count()} installments")

    # -- the loan statement -------------------------------------------------------------------------------------
    def loan_statement() -> Statement:
        return Statement.objects.create(kind=Statement.Kind.LOAN, loan=loan, enterprise_id=loan.enterprise_id,
                                        fund=loan_fund, period_start=loan.disbursed_on, period_end=through,
                                        requested_by=manager)

    probe = Probe()
    result: dict[str, Any] = {"runs": args.runs}
    quiet_before = quiet(args)
    watch = MachineWatch()
    watch.start()
    cold = render_once(probe, loan_statement)
    warm = [render_once(probe, loan_statement) for _ in range(args.runs)]
    alone = weasyprint_alone(probe.html, probe.data, probe.description, args.runs)
    save_html(args, "loan", probe.html)
    load = watch.stop()
    loan_result = {
        "transactions": loan_txns, "transaction_kinds": dict(txn_kinds),
        "installments": loan.installments.count(), "period": [loan.disbursed_on.isoformat(), through.isoformat()],
        "cold_seconds": {k: round(v, 4) for k, v in cold.items() if isinstance(v, float)},
        **summarise(warm), "target_seconds": LOAN_TARGET_SECONDS, "weasyprint_alone": alone,
        "runs_total_seconds": [round(r["total"], 4) for r in warm], "cpu": load, "quiet_before": quiet_before,
        "peak_rss_mb": peak_rss_mb(),
    }
    loan_result["target_met"] = loan_result["median_total"] <= LOAN_TARGET_SECONDS
    result["loan"] = loan_result
    print(f"\nloan statement, {loan_txns} transactions, {loan_result['installments']} installments, "
          f"{loan_result['pages']} pages, {loan_result['bytes']:,} bytes")
    print(f"  cold (first in the process): {cold['total']:.3f} s (build {cold['build']:.3f}, template "
          f"{cold['template']:.3f}, WeasyPrint {cold['weasyprint']:.3f})")
    print(f"  median of {args.runs}: {loan_result['median_total']:.3f} s "
          f"({'within' if loan_result['target_met'] else 'OVER'} the {LOAN_TARGET_SECONDS} s target); "
          f"ours {loan_result['median_ours']:.3f} s = build {loan_result['median_build']:.3f} "
          f"({loan_result['queries']} queries, {loan_result['median_sql_seconds']:.3f} s SQL) + template "
          f"{loan_result['median_template']:.3f}; WeasyPrint {loan_result['median_weasyprint']:.3f} s; "
          f"rest {loan_result['median_rest']:.3f} s")
    print(f"  WeasyPrint alone on the same HTML: layout {alone['median_layout']:.3f} s + write PDF/A "
          f"{alone['median_write_pdf']:.3f} s = {alone['median_total']:.3f} s")
    print(f"  CPU meanwhile (cores of {load['cores']}): benchmark {load['benchmark_cores']}, "
          f"other {load['other_cores']}")

    # -- the fund statement and the exports ---------------------------------------------------------------------
    per_day = lines_by_day(big_fund)
    sizes = []
    for lines in sorted(args.fund_lines):
        start, held = period_for(per_day, lines, through)
        sizes.append({"lines_wanted": lines, "period": [start.isoformat(), through.isoformat()], "lines": held})
    result["fund"] = {"loans": fund_loans, "lines_in_book": sum(n for _d, n in per_day), "sizes": sizes,
                      "target_seconds": FUND_TARGET_SECONDS, "target_lines": FUND_TARGET_LINES}
    quiet_before = quiet(args)
    watch = MachineWatch()
    watch.start()
    from statements import exports

    for size in sizes:
        start, end = (date.fromisoformat(d) for d in size["period"])
        for fmt, fn in (("csv", exports.journal_csv), ("xlsx", exports.journal_xlsx)):
            with measured(connection) as stats:
                t0 = time.perf_counter()
                data = fn(big_fund, start, end)
                seconds = time.perf_counter() - t0
            size[f"export_{fmt}"] = {"seconds": round(seconds, 3), "bytes": len(data), "queries": stats.queries}

        def fund_statement(start: date = start, end: date = end) -> Statement:
            return Statement.objects.create(kind=Statement.Kind.FUND, fund=big_fund, period_start=start,
                                            period_end=end, requested_by=manager)

        runs = [render_once(probe, fund_statement) for _ in range(args.fund_runs)]
        size.update(summarise(runs))
        size["runs_total_seconds"] = [round(r["total"], 3) for r in runs]
        size["target_met"] = size["median_total"] <= FUND_TARGET_SECONDS if size["lines"] >= FUND_TARGET_LINES \
            else None
        # (a smoke run has had WeasyPrint alone on the loan statement: once is enough to know it still runs)
        size["weasyprint_alone"] = None if args.smoke else weasyprint_alone(probe.html, probe.data,
                                                                             probe.description, 1)
        save_html(args, f"fund_{size['lines']}", probe.html)
        size["peak_rss_mb"] = peak_rss_mb()
        log(f"fund statement {size['lines']} lines: {size['median_total']:.2f} s, {size['pages']} pages")
    result["fund"]["cpu"] = watch.stop()
    result["fund"]["quiet_before"] = quiet_before
    probe.close()

    print(f"\nfund statement ({fund_loans} loans, {result['fund']['lines_in_book']} journal lines in the book)")
    print("   lines  period                    pages   median s  build s  template s  WeasyPrint s (layout+write)"
          "  csv s  xlsx s")
    for s in sizes:
        alone = s["weasyprint_alone"] or {"median_layout": math.nan, "median_write_pdf": math.nan}
        print(f"  {s['lines']:6d}  {s['period'][0]}..{s['period'][1]}  {s['pages']:5d}  {s['median_total']:9.2f}"
              f"  {s['median_build']:7.2f}  {s['median_template']:10.2f}  {s['median_weasyprint']:12.2f} "
              f"({alone['median_layout']:.2f}+{alone['median_write_pdf']:.2f})"
              f"  {s['export_csv']['seconds']:5.2f}  {s['export_xlsx']['seconds']:6.2f}")

    out = io.StringIO()
    started = time.monotonic()
    call_command("ledger_verify", stdout=out, stderr=out)
    verify = out.getvalue().strip()
    print(f"  {verify} ({time.monotonic() - started:.1f} s)")
    result |= {
        "setup_seconds": {k: round(v, 1) for k, v in setup.items()}, "ledger_verify": verify,
        "versions": versions(), "code": code_fingerprint(), "machine": portfolio.machine_facts(),
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    if not args.keep:
        connection.close()
        portfolio.drop_database(url)
    return result


def versions() -> dict[str, str]:
    from importlib.metadata import version

    return {name: version(name) for name in ("weasyprint", "pydyf", "tinycss2", "matplotlib", "Django", "openpyxl")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db-url", default=os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL,
                        help=f"a database named sf_bench* to (re)create and drop (default {DEFAULT_URL})")
    parser.add_argument("--runs", type=int, default=20, help="loan statement renders measured (after one cold)")
    parser.add_argument("--installments-due", type=int, default=50,
                        help="months the loan has lived: installments due (2 transactions each, repaid a day late)")
    parser.add_argument("--fund-lines", type=int, nargs="+", default=[1000, 3000, 10_000],
                        help="journal lines of the fund statement's periods")
    parser.add_argument("--fund-runs", type=int, default=3, help="fund statement renders per size")
    parser.add_argument("--fund-loans", type=int, default=0, help="loans of the big fund (default: from the lines)")
    parser.add_argument("--fund-months", type=int, default=12, help="months the big fund has lived (plus 30 days)")
    parser.add_argument("--wait-quiet", type=float, default=300, metavar="SECONDS",
                        help="before measuring, wait up to this long for the machine to be idle (0: don't wait)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (default: drop it)")
    parser.add_argument("--save-html", metavar="DIR", help="write each statement's finished HTML into DIR")
    parser.add_argument("--json", help="append the RESULT to this file (JSON lines)")
    parser.add_argument("--smoke", action="store_true",
                        help="CI's smoke run: tiny sizes, a throwaway database, nothing written, no target judged")
    args = parser.parse_args()
    if args.smoke:
        if args.json or args.save_html:
            parser.error("--smoke runs are not results: no --json, no --save-html")
        for name, value in SMOKE.items():
            setattr(args, name, value)
    result = run_smoke(args) if args.smoke else run(args)
    line = json.dumps(result, ensure_ascii=False, default=str)
    print("RESULT " + line, flush=True)
    if args.json:
        with open(args.json, "a") as f:
            f.write(line + "\n")


if __name__ == "__main__":
    main()
