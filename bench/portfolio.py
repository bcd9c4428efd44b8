"""Shared setup of the benchmarks: a PostgreSQL database made from scratch, and one fund with N active loans.

How the portfolio is made (see README.md for why it is honest):

1. 60 *template* loans go through the real services: fund, contribution, product, application, submit, review,
   approve, disburse (``funds.services``), then a real history: every day from the first disbursement up to the
   last closed day, the installments falling due are repaid (``services.repayment_make``, value date = due date)
   and the day is closed (``services.close_business``). Templates are disbursed on 30 consecutive days (so their
   installments fall due on 30 different days of the month), one on-time and one late template per day; a late
   template skips its latest installment due, so it is past due and accrues default interest every night.
2. The N - 60 other loans are *clones*: clone i copies template (i mod 30, late for 3 % of them) exactly: the loan
   row (state, closed_through, days past due, class, default-interest carry...) and its 36 installment rows
   (INSERT ... SELECT), with its own application and its own 3 receivable accounts. The ledger is kept balanced
   and exact: per batch of clones, one journal (kind ``loan.clone``) through ``ledger.services.journal_post`` moves
   each clone account by its template account's balance and each fund account (cash, interest income, default
   interest income) by the template's net movement there times the clones of that template in the batch. So every
   account's balance, and every fund total, is what it would be had each clone really lived its template's life.
   (Clones have no LoanTransaction rows nor audit events of their past; neither is read by close of business or by
   a repayment.)

This module is also the one place where the benchmarks call the revolving fund's services (``make_fund``,
``make_product``, ``make_loan``, ``repay``, ``payoff``, ``close_day``): when that code moves, re-point the imports
there (``make bench-smoke``, run by CI, fails the day they break). ``smoke_url`` names the throwaway database of a
``--smoke`` run (README.md, "Smoke mode in CI").
"""

from __future__ import annotations

import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

ONE_DAY = timedelta(days=1)
TEMPLATE_DAYS = 30  # templates are disbursed on this many consecutive days
FIRST_OFFSET = 40  # the latest template is disbursed this many days before the first open day


# --- the database -------------------------------------------------------------------------------------------------


def db_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _admin_url(url: str) -> str:
    return urlsplit(url)._replace(path="/postgres").geturl()


SMOKE_TEMPLATE = "BENCH_SMOKE_TEMPLATE"  # bench/smoke.py: a database it migrated once, copied by each smoke run


def recreate_database(url: str) -> None:
    """DROP (if it exists) and CREATE the database named in ``url``, connected to the ``postgres`` database. A smoke
    database is a copy of ``$BENCH_SMOKE_TEMPLATE`` when bench/smoke.py set it (migrated once for all the scripts;
    their ``migrate`` then has nothing to do)."""
    import psycopg

    name = db_name(url)
    if not name.startswith("sf_bench"):
        raise SystemExit(f"refusing to drop {name!r}: benchmark databases are named sf_bench*")
    template = os.environ.get(SMOKE_TEMPLATE) if "_smoke_" in name else None
    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))


def smoke_url(url: str) -> str:
    """The throwaway database of a ``--smoke`` run: the benchmark's own name + ``_smoke_<pid>``, so that a smoke
    run never touches a real run's database, nor another smoke run's (CI and a developer at the same time)."""
    parts = urlsplit(url)
    return parts._replace(path=f"/{db_name(url)}_smoke_{os.getpid()}").geturl()


def drop_database(url: str) -> None:
    import psycopg

    name = db_name(url)
    if not name.startswith("sf_bench"):
        raise SystemExit(f"refusing to drop {name!r}")
    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def django_setup(url: str) -> None:
    """Settings from the environment as the app reads them; DEBUG off (no query log, as in production)."""
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def machine_facts() -> dict[str, Any]:
    import platform

    from django.db import connection

    facts: dict[str, Any] = {"cpus": os.cpu_count(), "python": platform.python_version()}
    try:
        with open("/proc/cpuinfo") as f:
            facts["cpu"] = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
        with open("/proc/meminfo") as f:
            facts["mem_gb"] = round(int(f.readline().split()[1]) / 1024 / 1024, 1)
    except (OSError, StopIteration):
        pass
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        facts["postgres"] = cursor.fetchone()[0].split(" on ")[0]
        for name in ("shared_buffers", "synchronous_commit", "fsync", "work_mem", "max_connections", "autovacuum"):
            cursor.execute(f"SHOW {name}")
            facts[name] = cursor.fetchone()[0]
    return facts


# --- people ---------------------------------------------------------------------------------------------------------


def business_number(n: int) -> str:
    """A valid, distinct 10-digit 사업자등록번호 for n < 180 000 (as tests/factories.py makes them)."""
    from enterprises.validators import business_number_check_digit

    first_nine = f"{101 + n % 800:03d}{81 + n % 9:02d}{n % 10000:04d}"
    return first_nine + str(business_number_check_digit(first_nine))


def make_user(username: str, *, groups: tuple[str, ...] = (), password: str | None = None) -> Any:
    from django.contrib.auth.models import Group

    from enterprises.models import User

    user = User(username=username, email=f"{username}@example.kr", display_name=username)
    if password is None:
        user.set_unusable_password()  # no password hashing: setup stays quick
    else:
        user.set_password(password)
    user.save()
    if groups:
        user.groups.add(*Group.objects.filter(name__in=groups))
    return user


def make_enterprise(n: int, **extra: Any) -> Any:
    from enterprises.models import Enterprise, Province

    return Enterprise(
        name=f"벤치 사회적기업 {n}", kind=Enterprise.Kind.SOCIAL, business_number=business_number(n),
        representative="홍길동", province=Province.SEOUL, district="성동구", employees=10, vulnerable_employees=4,
        **extra,
    )


# --- the revolving fund's services: the benchmarks call them only through these -------------------------------------

KINDS = ["social", "pre_social", "village", "cooperative", "social_cooperative", "self_sufficiency", "social_venture"]


def make_fund(code: str, name: str, *, capital: int, opened_on: date, operator: str | None = None,
              contribution_key: str | None = None, memo: str = "") -> Any:
    """A fund opened on ``opened_on`` (and recorded that day), with ``capital`` won from the municipality."""
    from enterprises.models import Institution
    from funds import services

    institution = Institution.objects.create(name=operator or f"{name} 운영기관", kind=Institution.Kind.INTERMEDIARY)
    fund = services.fund_create(actor=None, code=code, name=name, operator=institution, exposure_limit=50_000_000,
                                eligible_kinds=KINDS, opened_on=opened_on, today=opened_on)
    services.contribution_record(actor=None, fund_id=fund.pk, source="municipality", amount=capital,
                                 received_on=opened_on, today=opened_on,
                                 idempotency_key=contribution_key or f"{code}-capital", memo=memo)
    return fund


def make_product(fund: Any, *, term_months: int = 36, name: str | None = None) -> Any:
    """Equal payments at 3 % a year, monthly day count, rounded down to 10 won; 1 to 50 million won."""
    from funds import services

    return services.product_create(actor=None, fund_id=fund.pk, approval_tiers=[], data={
        "name": name or f"사회적경제기업 운영자금 {term_months}개월", "annual_rate": Decimal("0.03000"),
        "term_months": term_months, "grace_months": 0, "method": "equal_payment", "day_count": "monthly",
        "rounding_unit": 10, "rounding_mode": "floor", "min_amount": 1_000_000, "max_amount": 50_000_000,
    })


def repay(*, manager: Any, loan_id: int, key: str, amount: Any, on: date) -> Any:
    """A repayment by the fund manager, value date and recording date ``on``."""
    from funds import services

    return services.repayment_make(actor=manager, loan_id=loan_id, idempotency_key=key, amount=amount,
                                   value_date=on, today=on)


def payoff(*, loan_id: int, on: date) -> Any:
    """The loan's position on ``on`` (``.due``, ``.payoff``)."""
    from funds import services

    return services.payoff_quote(loan_id=loan_id, on=on, today=on)


def close_day(day: date, *, today: date | None = None) -> Any:
    """The close of business through ``day``, recorded on ``today`` (by default the day after, as it happened)."""
    from funds.services import close_business

    return close_business(through=day, today=today or day + ONE_DAY)


def make_loan(n: int, product: Any, *, reviewer: Any, manager: Any, principal: int, disbursed_on: date) -> Any:
    """Enterprise n applies through the services, a manager recommends, another approves and pays out."""
    from enterprises.models import Membership
    from funds import services
    from funds.models import Loan

    enterprise = make_enterprise(n)
    enterprise.save()
    member = make_user(f"bench-member-{n}")
    Membership.objects.create(user=member, enterprise=enterprise, role=Membership.Role.MEMBER)
    app = services.application_create(actor=member, product_id=product.pk, enterprise_id=enterprise.pk,
                                      amount=principal, purpose="운영자금")
    services.application_submit(actor=member, application_id=app.pk)
    services.application_review(actor=reviewer, application_id=app.pk, recommend=True, reason="심사 의견")
    services.application_approve(actor=manager, application_id=app.pk, reason="승인")
    loan = Loan.objects.get(application=app)
    return services.loan_disburse(actor=manager, loan_id=loan.pk, on_date=disbursed_on, today=disbursed_on)


# --- the portfolio ------------------------------------------------------------------------------------------------


@dataclass
class Template:
    loan_id: int
    late: bool
    disbursed_on: date
    accounts: tuple[int, int, int]  # principal, interest, default interest
    balances: tuple[Decimal, Decimal, Decimal]
    fund_moves: dict[int, Decimal] = field(default_factory=dict)  # fund account id -> net debit (negative: credit)


@dataclass
class Portfolio:
    fund_id: int
    manager_id: int
    first_open_day: date
    loans: int
    templates: list[Template]
    late_loans: int
    setup_seconds: dict[str, float]


def _log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def build(
    *,
    loans: int,
    first_open_day: date,
    late_percent: int = 3,
    principal: int = 10_000_000,
    batch: int = 100,
    manager_password: str | None = None,
    template_days: int = TEMPLATE_DAYS,
    log: Callable[[str], None] = _log,
) -> Portfolio:
    """A fund with ``loans`` active loans, every one closed through ``first_open_day - 1``. Templates are disbursed
    on ``template_days`` consecutive days (fewer: a quicker setup, for ``--smoke``)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from funds.models import Installment, Loan, LoanTransaction
    from ledger.models import Account, Entry
    from ledger.services import Line, journal_post

    timings: dict[str, float] = {}
    last_closed = first_open_day - ONE_DAY
    if last_closed >= timezone.localdate():
        raise SystemExit(f"the last closed day {last_closed} must be before today {timezone.localdate()}")
    n_templates = 2 * template_days
    if loans < n_templates:
        raise SystemExit(f"at least {n_templates} loans")

    started = time.monotonic()
    from enterprises.models import Membership

    manager = make_user("bench-manager", groups=("fund_manager",), password=manager_password)
    reviewer = make_user("bench-reviewer", groups=("fund_manager",))
    first_disbursement = first_open_day - timedelta(days=FIRST_OFFSET + template_days - 1)
    fund = make_fund("bench", "벤치 사회적경제활성화기금", capital=(loans + 10) * principal,
                     opened_on=first_disbursement - ONE_DAY, operator="벤치 중개기관", contribution_key="bench-capital")
    product = make_product(fund, term_months=36, name="사회적경제기업 운영자금 (벤치)")

    # 1. templates, through the services
    templates: list[tuple[Loan, bool]] = []
    for k in range(template_days):
        disbursed_on = first_open_day - timedelta(days=FIRST_OFFSET + k)
        for late in (False, True):
            loan = make_loan(len(templates), product, reviewer=reviewer, manager=manager, principal=principal,
                             disbursed_on=disbursed_on)
            templates.append((loan, late))
    timings["templates"] = time.monotonic() - started
    last_disbursement = first_open_day - timedelta(days=FIRST_OFFSET)
    log(f"{n_templates} template loans disbursed {first_disbursement} .. {last_disbursement}")

    # 2. their history: repay what falls due (late templates skip their latest due installment), close each day
    started = time.monotonic()
    skip: set[int] = set()
    for loan, late in templates:
        if late:
            latest = (Installment.objects.filter(loan=loan, due_on__lte=last_closed).order_by("-due_on").first())
            assert latest is not None
            skip.add(latest.pk)
    by_day: dict[date, list[Installment]] = defaultdict(list)
    for inst in (Installment.objects.filter(loan__in=[t[0] for t in templates], due_on__lte=last_closed)
                 .order_by("loan_id", "number")):
        if inst.pk not in skip:
            by_day[inst.due_on].append(inst)
    day = first_disbursement
    while day <= last_closed:
        for inst in by_day.get(day, []):
            repay(manager=manager, loan_id=inst.loan_id, key=f"bench-{inst.loan_id}-{inst.number}",
                  amount=inst.principal_due.amount + inst.interest_due.amount, on=day)
        close_day(day)  # each event on its own day, as it happened
        day += ONE_DAY
    timings["history"] = time.monotonic() - started
    log(f"template history closed through {last_closed}")

    # 3. what a clone copies from its template
    fund_accounts = set(Account.objects.filter(book=fund.book, code__in=["cash", "income:interest",
                                                                          "income:default-interest"])
                        .values_list("pk", flat=True))
    tmpl: list[Template] = []
    for loan, late in templates:
        loan.refresh_from_db()
        assert loan.closed_through == last_closed and loan.state == Loan.State.ACTIVE, loan
        ids = (loan.principal_account_id, loan.interest_account_id, loan.default_interest_account_id)
        accounts = {a.pk: a for a in Account.objects.filter(pk__in=ids)}
        t = Template(loan.pk, late, loan.disbursed_on, ids, tuple(accounts[i].balance.amount for i in ids))
        journals = LoanTransaction.objects.filter(loan=loan).values_list("journal_id", flat=True)
        for account_id, side, amount in Entry.objects.filter(journal_id__in=list(journals)).values_list(
                "account_id", "side", "amount"):
            if account_id in ids:
                continue
            assert account_id in fund_accounts, account_id
            t.fund_moves[account_id] = t.fund_moves.get(account_id, Decimal(0)) + (amount if side == "D"
                                                                                     else -amount)
        # the template's own entries make its balances; the clone journal will copy them
        assert sum(t.balances) + sum(t.fund_moves.values()) == 0, t
        tmpl.append(t)

    # 4. clones. Statistics are refreshed as autovacuum would (this server runs with autovacuum = off): without
    # them the ledger's balance trigger and the INSERT ... SELECT below plan sequential scans, and setup goes
    # quadratic.
    analyze()
    started = time.monotonic()
    on_time = [t for t in tmpl if not t.late]
    late_t = [t for t in tmpl if t.late]
    n_clones = loans - n_templates
    members = Membership.objects.order_by("pk").values_list("user_id", flat=True)
    member_id = members.first()
    pool = max(1, loans // 5)  # the exposure limit allows ~5 loans of 10 M per enterprise
    from enterprises.models import Enterprise

    enterprise_ids = [e.pk for e in Enterprise.objects.bulk_create(
        [make_enterprise(n_templates + i) for i in range(pool)], batch_size=2000)]
    loan_cols = [f.column for f in Loan._meta.concrete_fields if f.name != "id"]
    override = {"application_id", "enterprise_id", "principal_account_id", "interest_account_id",
                "default_interest_account_id"}
    loan_select = ", ".join("now()" if c == "created_at" else f"m.{c}" if c in override else f"t.{c}"
                            for c in loan_cols)
    inst_cols = [f.column for f in Installment._meta.concrete_fields if f.name not in ("id", "loan")]
    from djmoney.money import Money

    from funds.models import LoanApplication

    late_count = 0
    now = timezone.now()
    names = ("principal", "interest", "default-interest")
    labels = ("대출채권", "미수이자", "미수연체이자")
    for b, start in enumerate(range(0, n_clones, batch)):
        count = min(batch, n_clones - start)
        chosen: list[Template] = []
        for i in range(start, start + count):
            late = (i // template_days) % 100 < late_percent
            chosen.append((late_t if late else on_time)[i % template_days])
            late_count += late
        with transaction.atomic():
            apps = LoanApplication.objects.bulk_create([
                LoanApplication(product=product, enterprise_id=enterprise_ids[(start + j) % len(enterprise_ids)],
                                amount=Money(principal, "KRW"), purpose="운영자금", state="approved",
                                created_by_id=member_id, submitted_at=now, reviewed_by=reviewer, reviewed_at=now,
                                review_reason="심사 의견", decided_at=now, decision_reason="승인")
                for j in range(count)
            ])
            accounts = Account.objects.bulk_create([
                Account(book=fund.book, code=f"loan:A{app.pk}:{name}", name=f"{label} A{app.pk}", type="asset",
                        normal_side="D", no_overdraft=True)
                for app in apps for name, label in zip(names, labels, strict=True)
            ])
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO funds_loan ({', '.join(loan_cols)}) SELECT {loan_select} "
                    "FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[])"
                    " AS m(template_id, application_id, enterprise_id, principal_account_id, interest_account_id,"
                    " default_interest_account_id) JOIN funds_loan t ON t.id = m.template_id"
                    " RETURNING id, application_id",
                    [[t.loan_id for t in chosen], [a.pk for a in apps],
                     [a.enterprise_id for a in apps], [accounts[3 * j].pk for j in range(count)],
                     [accounts[3 * j + 1].pk for j in range(count)], [accounts[3 * j + 2].pk for j in range(count)]],
                )
                clone_of_app = {app_id: loan_id for loan_id, app_id in cursor.fetchall()}
                clone_ids = [clone_of_app[a.pk] for a in apps]
                cursor.execute(
                    f"INSERT INTO funds_installment (loan_id, {', '.join(inst_cols)}) "
                    f"SELECT m.clone_id, {', '.join('i.' + c for c in inst_cols)} "
                    "FROM unnest(%s::bigint[], %s::bigint[]) AS m(clone_id, template_id) "
                    "JOIN funds_installment i ON i.loan_id = m.template_id",
                    [clone_ids, [t.loan_id for t in chosen]],
                )
            lines: list[Line] = []
            fund_side: dict[int, Decimal] = defaultdict(Decimal)
            for j, t in enumerate(chosen):
                for account, balance in zip(accounts[3 * j:3 * j + 3], t.balances, strict=True):
                    if balance:
                        lines.append(Line(account.pk, "D" if balance > 0 else "C", abs(balance)))
                for account_id, moved in t.fund_moves.items():
                    fund_side[account_id] += moved
            lines += [Line(a, "D" if m > 0 else "C", abs(m)) for a, m in sorted(fund_side.items()) if m]
            journal_post(lines=lines, kind="loan.clone", effective_date=last_closed,
                         idempotency_key=f"bench:clone:{b}",
                         memo=f"벤치: {count} loans cloned from their templates, balances carried over")
        if b % 50 == 49:
            analyze()
        if b % 100 == 99:
            log(f"  {start + count} / {n_clones} clones")
    timings["clones"] = time.monotonic() - started
    log(f"{n_clones} clones ({late_count} late) in {timings['clones']:.1f} s")

    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # as autovacuum would have, long before the night being measured
    timings["vacuum_analyze"] = time.monotonic() - started
    active = Loan.objects.filter(state=Loan.State.ACTIVE).count()
    assert active == loans, (active, loans)
    assert not Loan.objects.filter(state=Loan.State.ACTIVE).exclude(closed_through=last_closed).exists()
    return Portfolio(fund.pk, manager.pk, first_open_day, loans, tmpl, late_count + len(late_t), timings)


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE ledger_account, ledger_entry, ledger_journal, funds_loan, funds_installment, "
                       "funds_loanapplication")


def autovacuum_setting() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        return cursor.fetchone()[0]


def portfolio_facts(day: date) -> dict[str, int]:
    """What the portfolio looks like on ``day`` (the first open day): loans with an installment falling due, loans
    past due."""
    from funds.models import Installment, Loan

    active = Loan.objects.filter(state=Loan.State.ACTIVE)
    return {
        "active_loans": active.count(),
        "installments": Installment.objects.count(),
        "loans_with_installment_due_that_day": Installment.objects.filter(due_on=day).values("loan").distinct().count(),
        "loans_past_due": active.filter(days_past_due__gt=0).count(),
        "loans_substandard_or_worse": active.exclude(asset_class="normal").count(),
    }
