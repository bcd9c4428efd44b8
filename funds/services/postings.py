"""How a loan's money moves in its fund's book (accrual basis), from what the engine says happened:

- 대출채권 ``loan:…:principal``: debited at disbursement, credited by principal repaid (or written off).
- 미수이자 ``loan:…:interest``: debited when interest is recognised (an installment falls due at the close of
  business, or interest accrued in the current period is paid early), credited when paid; so its balance is the
  interest recognised minus paid, over the installments.
- 미수연체이자 ``loan:…:default-interest``: debited by the default interest accrued at each close, credited when paid.

Each journal on a loan has a ``LoanTransaction`` beside it: the loan's own history of what moved its receivables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from djmoney.money import Money

from core.engines import loans as engine
from core.money import KRW
from ledger.models import Journal
from ledger.services import JournalSpec, Line, credit, debit, journal_post, journal_post_many

from .. import accounts as chart
from ..models import Loan, LoanTransaction

ZERO = Decimal(0)
Txn = LoanTransaction.Kind


@dataclass
class Moves:
    """The lines of one journal on a loan, and what they do to its three receivables."""

    lines: list[Line]
    amount: Decimal  # cash received, interest accrued or amount written off
    principal: Decimal = ZERO
    interest: Decimal = ZERO
    default_interest: Decimal = ZERO


def _income(loan: Loan, *, interest: Decimal, default_interest: Decimal) -> list[Line]:
    book, lines = loan.fund.book, []
    if interest > 0:
        lines += [debit(loan.interest_account_id, interest),
                  credit(chart.account_id(book, chart.INTEREST_INCOME), interest)]
    if default_interest > 0:
        lines += [debit(loan.default_interest_account_id, default_interest),
                  credit(chart.account_id(book, chart.DEFAULT_INTEREST_INCOME), default_interest)]
    return lines


def close_moves(loan: Loan, span: engine.Span) -> Moves:
    """Interest falling due and default interest accrued over closed days."""
    return Moves(_income(loan, interest=span.interest, default_interest=span.default_interest),
                 amount=span.default_interest, interest=span.interest, default_interest=span.default_interest)


def repayment_moves(loan: Loan, repaid: engine.Repaid) -> Moves:
    """The interest the repayment recognised, then the money received against the three receivables."""
    lines = _income(loan, interest=repaid.recognised, default_interest=ZERO)
    total = repaid.paid.total
    lines.append(debit(chart.account_id(loan.fund.book, chart.CASH), total))
    for account_id, amount in ((loan.principal_account_id, repaid.principal),
                               (loan.interest_account_id, repaid.interest),
                               (loan.default_interest_account_id, repaid.default_interest)):
        if amount > 0:
            lines.append(credit(account_id, amount))
    return Moves(lines, amount=total, principal=-repaid.principal, interest=repaid.recognised - repaid.interest,
                 default_interest=-repaid.default_interest)


def post(loan: Loan, moves: Moves, *, kind: str, value_date: date, key: str, actor: Any, memo: str,
         **options: Any) -> Journal:
    """Post one journal on the loan (``options`` go to ``journal_post``) and record its loan transaction."""
    journal = journal_post(lines=moves.lines, kind=f"loan.{kind}", effective_date=value_date, idempotency_key=key,
                           actor=actor, memo=memo, **options).journal
    LoanTransaction.objects.create(
        loan=loan, journal=journal, kind=kind, value_date=value_date, amount=Money(moves.amount, KRW),
        principal_change=moves.principal, interest_change=moves.interest,
        default_interest_change=moves.default_interest,
    )
    return journal


def _days(span: engine.Span) -> str:
    return span.last.isoformat() if span.first == span.last else f"{span.first.isoformat()}~{span.last.isoformat()}"


def close_key(loan: Loan, span: engine.Span) -> str:
    """A close journal's key: the loan, the days, and the loan's revision (raised by each reversal, so days closed
    again after one post new journals)."""
    return f"loan:{loan.pk}:cob:{_days(span)}:r{loan.revision}"


def post_closes(closes: Sequence[tuple[Loan, engine.Span]], actor: Any = None) -> int:
    """Post the journals of closed days (of one loan or many: one per loan and calendar month, dated its last closed
    day) in one batch, with their loan transactions. Returns the number of journals."""
    if not closes:
        return 0
    moves = [close_moves(loan, span) for loan, span in closes]
    specs = []
    for (loan, span), move in zip(closes, moves, strict=True):
        specs.append(JournalSpec(lines=move.lines, kind=f"loan.{Txn.CLOSE_OF_BUSINESS}", effective_date=span.last,
                                 idempotency_key=close_key(loan, span), memo=f"일마감 {_days(span)}"))
    posted = journal_post_many(specs=specs, actor=actor)
    LoanTransaction.objects.bulk_create(
        LoanTransaction(
            loan=loan, journal=p.journal, kind=Txn.CLOSE_OF_BUSINESS, value_date=span.last,
            amount=Money(move.amount, KRW), principal_change=move.principal, interest_change=move.interest,
            default_interest_change=move.default_interest,
        )
        for (loan, span), move, p in zip(closes, moves, posted, strict=True)
        if p.created
    )
    return len(specs)
