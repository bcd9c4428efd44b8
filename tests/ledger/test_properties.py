"""Property: whatever sequence of balanced journals and reversals a fund goes through, the ledger stays whole.

Each example opens a fresh book, applies random operations through the services, and keeps its own model of
what every account's debits and credits must be. Refusals (an overdraft, reversing twice, reversing a reversal)
are allowed, and the model then expects nothing to change. The test commits for real, so on PostgreSQL the
deferred balance trigger checks every journal too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from core.errors import InsufficientFunds, InvalidState
from ledger.models import Account, Journal, Side
from ledger.selectors import account_balance_from_entries, ledger_check
from ledger.services import Line, journal_post, journal_reverse
from tests.factories import BookFactory, make_accounts

CHART = ["cash", "capital", "receivable", "income", "expense"]
NO_OVERDRAFT = {"cash", "receivable"}
DEBIT_NORMAL = {"cash", "receivable", "expense"}
ON = date(2026, 3, 2)
REASON = "정정"

amounts = st.integers(min_value=1, max_value=5_000_000)
as_given = st.sampled_from([int, str, Decimal, lambda n: f"{n:,}"])


@st.composite
def balanced_lines(draw) -> list[tuple[str, str, int]]:
    """One to three debits, and their total split into one to three credits: always balanced, often multi-line."""
    debits = draw(st.lists(st.tuples(st.sampled_from(CHART), amounts), min_size=1, max_size=3))
    total = sum(amount for _, amount in debits)
    parts = draw(st.integers(min_value=1, max_value=min(3, total)))
    cuts = sorted(draw(st.sets(st.integers(1, total - 1), min_size=parts - 1, max_size=parts - 1))) if parts > 1 else []
    credits = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
    lines = [(name, Side.DEBIT, amount) for name, amount in debits]
    lines += [(draw(st.sampled_from(CHART)), Side.CREDIT, amount) for amount in credits]
    return draw(st.permutations(lines))


operations = st.lists(
    st.one_of(
        st.tuples(st.just("post"), balanced_lines(), as_given),
        st.tuples(st.just("repost"), st.integers(min_value=0, max_value=50)),
        # Reversals count back from the latest journal, so the same one is often hit again.
        st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=3), st.booleans()),
        st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=3), st.booleans()),
    ),
    max_size=25,
)


@dataclass
class Model:
    """What the ledger must hold, computed without the ledger."""

    totals: dict[str, list[int]] = field(default_factory=lambda: {name: [0, 0] for name in CHART})
    posted: list[dict] = field(default_factory=list)  # journals in the order written

    def balance(self, name: str, totals: dict[str, list[int]] | None = None) -> int:
        debits, credits = (totals or self.totals)[name]
        return debits - credits if name in DEBIT_NORMAL else credits - debits

    def apply(self, lines: list[tuple[str, str, int]]) -> bool:
        """Move the totals if no guarded account would go below zero; say whether it did."""
        after = {name: list(pair) for name, pair in self.totals.items()}
        for name, side, amount in lines:
            after[name][0 if side == Side.DEBIT else 1] += amount
        if any(self.balance(name, after) < 0 for name in NO_OVERDRAFT):
            return False
        self.totals = after
        return True


def mirror(lines: list[tuple[str, str, int]]) -> list[tuple[str, str, int]]:
    flip = {Side.DEBIT: Side.CREDIT, Side.CREDIT: Side.DEBIT}
    return [(name, flip[side], amount) for name, side, amount in lines]


@pytest.mark.django_db(transaction=True)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_random_journals_and_reversals_keep_every_balance_equal_to_its_entries(ops):
    book = BookFactory()
    accounts = make_accounts(book)
    model = Model()

    for step, op in enumerate(ops):
        if op[0] == "post":
            _, lines, representation = op
            key = f"{book.code}:{step}"
            try:
                posted = journal_post(
                    lines=[Line(accounts[name], side, representation(amount)) for name, side, amount in lines],
                    kind="random",
                    effective_date=ON,
                    idempotency_key=key,
                )
            except InsufficientFunds:
                event("post refused: overdraft")
                assert not model.apply(lines), "refused although nothing would be overdrawn"
            else:
                assert posted.created
                assert model.apply(lines), "posted although a no-overdraft account would be overdrawn"
                model.posted.append(
                    {"id": posted.journal.pk, "key": key, "lines": lines, "reversal": False, "reversed_with": None}
                )

        elif op[0] == "repost":
            originals = [j for j in model.posted if not j["reversal"]]
            if not originals:
                continue
            journal = originals[op[1] % len(originals)]
            again = journal_post(
                lines=[Line(accounts[name], side, amount) for name, side, amount in journal["lines"]],
                kind="random",
                effective_date=ON,
                idempotency_key=journal["key"],
            )
            event("post replayed")
            assert (again.created, again.journal.pk) == (False, journal["id"])

        else:
            _, index, default_key = op
            if not model.posted:
                continue
            target = model.posted[-1 - index % len(model.posted)]
            key = f"reversal:J{target['id']}" if default_key else f"{book.code}:{step}:undo"
            call = {
                "journal_id": target["id"],
                "effective_date": ON,
                "reason": REASON,
                "idempotency_key": None if default_key else key,
            }
            if target["reversal"] or (target["reversed_with"] not in (None, key)):
                event("reversal refused: invalid state")
                with pytest.raises(InvalidState):
                    journal_reverse(**call)
            elif target["reversed_with"] == key:
                event("reversal replayed")
                replayed = journal_reverse(**call)
                assert not replayed.created
            else:
                try:
                    reversal = journal_reverse(**call)
                except InsufficientFunds:
                    event("reversal refused: overdraft")
                    assert not model.apply(mirror(target["lines"]))
                else:
                    event("reversal posted")
                    assert reversal.created
                    assert model.apply(mirror(target["lines"]))
                    target["reversed_with"] = key
                    model.posted.append(
                        {
                            "id": reversal.journal.pk,
                            "key": key,
                            "lines": mirror(target["lines"]),
                            "reversal": True,
                            "reversed_with": None,
                        }
                    )

    for name, account in accounts.items():
        stored = Account.objects.get(pk=account.pk)
        debits, credits = model.totals[name]
        assert (stored.debit_total.amount, stored.credit_total.amount, stored.balance.amount) == (
            debits,
            credits,
            model.balance(name),
        ), name
        assert account_balance_from_entries(account.pk) == model.balance(name)
    assert Journal.objects.filter(book=book).count() == len(model.posted)
    report = ledger_check()
    assert report.ok, report.problems
    out = StringIO()
    call_command("ledger_verify", stdout=out, stderr=StringIO())  # raises CommandError on any difference
    assert "every account agrees with its entries" in out.getvalue()
