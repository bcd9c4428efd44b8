"""Special guarantee programs (특례보증 사업): opening one, what is paid into it, and its position."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import Forbidden, IdempotencyConflict, NotFound, ValidationFailed
from core.models import AuditEvent
from enterprises.models import Institution
from guarantees import accounts as chart
from guarantees import services
from guarantees.models import GuaranteeProgram, ProgramContribution
from guarantees.selectors import program_position
from ledger.models import Entry, Journal
from tests.factories import InstitutionFactory

from .factories import RECEIVED_ON, contribute, make_program, program_data

pytestmark = pytest.mark.django_db
EOK = 100_000_000


def test_a_new_program_has_its_book_and_chart_and_an_audit_event():
    program = make_program()

    codes = set(program.book.accounts.values_list("code", flat=True))
    assert codes == {"cash", "contribution:city", "contribution:bank", "contribution:other", "income:fees",
                     "expense:claims", "income:recoveries", "receivable:fees:firm", "receivable:fees:city",
                     "receivable:late-fees", "income:late-fees", "subsidy:budget", "subsidy:appropriation",
                     "expense:subsidies"}
    assert chart.cash(program.book).no_overdraft
    assert chart.account(program.book, chart.SUBSIDY_BUDGET).no_overdraft
    assert program.rounding_unit == 10 and program.rounding_mode == "floor"
    assert program.late_damages_rate == Decimal("0.12000")
    assert program.partner_banks.count() == 1
    assert AuditEvent.objects.filter(action="guarantees.program.create").count() == 1


def test_dalseong_guns_ten_eok_gives_a_hundred_and_twenty_eok_of_capacity():
    program = make_program()
    contribute(program, 10 * EOK)

    position = program_position(program)

    assert position.contributions_by_source == {"city": 10 * EOK, "bank": 0, "other": 0}
    assert position.contributions == 10 * EOK
    assert position.net_losses == 0
    assert position.capacity == 120 * EOK
    assert position.used == 0
    assert position.available == 120 * EOK
    assert position.utilisation == 0


def test_dalseo_gus_district_and_bank_contributions_give_ninety_six_eok():
    program = make_program(code="dalseo-2026", name="달서구 2026 특례보증", subsidy_rate=Decimal("0.03000"),
                           subsidy_months=12)
    contribute(program, 4 * EOK, source="city", key="district")
    contribute(program, 4 * EOK, source="bank", key="bank")

    position = program_position(program)

    assert position.contributions_by_source == {"city": 4 * EOK, "bank": 4 * EOK, "other": 0}
    assert position.capacity == 96 * EOK


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("guarantee_ratio", Decimal("1.10")),
        ("guarantee_ratio", Decimal(0)),
        ("guarantee_ratio", Decimal("0.855")),
        ("multiple", Decimal(0)),
        ("multiple", Decimal(-12)),
        ("fee_rate", Decimal("-0.001")),
        ("fee_rate", Decimal("0.25")),
        ("city_fee_rate", Decimal("0.00900")),  # above the 0.8 % fee
        ("subsidy_rate", Decimal("0.3")),
        ("late_damages_rate", "twelve"),
        ("per_firm_limit", "30000000.5"),
        ("per_firm_limit", -1),
        ("closes_on", date(2025, 12, 31)),
        ("year", 1999),
        ("subsidy_months", 121),
        ("subsidy_payee", "city"),
        ("rounding_unit", 5),
        ("rounding_mode", "up"),
        ("eligible_kinds", ["social", "charity"]),
        ("eligible_kinds", []),
    ],
)
def test_bad_terms_are_refused_naming_the_field_and_nothing_is_written(field, value):
    data = program_data(**{field: value})
    with pytest.raises(ValidationFailed) as refused:
        services.program_create(actor=None, today=timezone.localdate(), **data)

    assert field in refused.value.fields
    assert GuaranteeProgram.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_the_foundation_must_be_a_credit_guarantee_foundation_and_partners_banks():
    with pytest.raises(ValidationFailed) as refused:
        make_program(foundation=InstitutionFactory(kind=Institution.Kind.MUNICIPALITY))
    assert "foundation" in refused.value.fields

    with pytest.raises(ValidationFailed) as refused:
        make_program(partner_banks=[InstitutionFactory(kind=Institution.Kind.INVESTOR)])
    assert "partner_banks" in refused.value.fields


def test_a_code_is_used_once():
    make_program()
    with pytest.raises(ValidationFailed) as refused:
        make_program()
    assert "code" in refused.value.fields


def test_the_database_refuses_a_city_share_above_the_fee_rate_and_a_ratio_above_one():
    program = make_program()
    for update in ({"city_fee_rate": Decimal("0.01000")}, {"guarantee_ratio": Decimal("1.01")},
                   {"multiple": Decimal(0)}, {"closes_on": date(2025, 1, 1)}):
        with pytest.raises(IntegrityError), transaction.atomic():
            GuaranteeProgram.objects.filter(pk=program.pk).update(**update)


def test_only_managers_open_programs_and_record_contributions(member, auditor, manager):
    with pytest.raises(Forbidden):
        services.program_create(actor=member, today=timezone.localdate(), **program_data())
    with pytest.raises(Forbidden):
        services.program_create(actor=auditor, today=timezone.localdate(), **program_data())
    program = services.program_create(actor=manager, today=timezone.localdate(), **program_data())
    with pytest.raises(Forbidden):
        contribute(program, EOK, actor=auditor)
    contribution, created = contribute(program, EOK, actor=manager)
    assert created and contribution.created_by == manager


def test_a_contribution_posts_one_balanced_journal_cash_against_the_sources_contributions():
    program = make_program()

    contribution, created = contribute(program, 10 * EOK)

    assert created
    journal = contribution.journal
    assert journal.book_id == program.book_id
    assert journal.effective_date == RECEIVED_ON
    lines = sorted(Entry.objects.filter(journal=journal).values_list("account__code", "side", "amount"))
    assert lines == [("cash", "D", 10 * EOK), ("contribution:city", "C", 10 * EOK)]
    assert chart.cash(program.book).balance.amount == 10 * EOK
    assert AuditEvent.objects.filter(action="guarantees.program.contribution").count() == 1


def test_the_same_key_and_content_replays_the_first_contribution():
    program = make_program()
    first, created = contribute(program, EOK, key="k1")

    again, created_again = contribute(program, EOK, key="k1")

    assert created and not created_again
    assert again.pk == first.pk
    assert ProgramContribution.objects.count() == 1
    assert Journal.objects.count() == 1
    assert chart.cash(program.book).balance.amount == EOK


@pytest.mark.parametrize("change", [{"amount": 2 * EOK}, {"source": "bank"}])
def test_the_same_key_with_other_content_is_a_conflict(change):
    program = make_program()
    contribute(program, EOK, key="k1")

    with pytest.raises(IdempotencyConflict):
        contribute(program, **{"amount": EOK, "key": "k1", **change})

    assert ProgramContribution.objects.count() == 1
    assert Journal.objects.count() == 1


def test_the_same_key_from_another_caller_is_a_conflict(manager, other_manager):
    program = make_program()
    contribute(program, EOK, key="k1", actor=manager)

    with pytest.raises(IdempotencyConflict):
        contribute(program, EOK, key="k1", actor=other_manager)


def test_keys_are_per_program():
    one, two = make_program(), make_program(code="other-2026")

    contribute(one, EOK, key="k1")
    _contribution, created = contribute(two, EOK, key="k1")

    assert created


@pytest.mark.parametrize(
    ("change", "field"),
    [({"amount": 0}, "amount"), ({"amount": "100.5"}, "amount"), ({"amount": -100}, "amount"),
     ({"source": "municipality"}, "source"), ({"idempotency_key": ""}, "idempotency_key"),
     ({"received_on": date(2999, 1, 1)}, "received_on")],
)
def test_bad_contributions_are_refused_naming_the_field(change, field):
    program = make_program()
    args = {"actor": None, "program_id": program.pk, "source": "city", "amount": EOK, "received_on": RECEIVED_ON,
            "idempotency_key": "k", "today": timezone.localdate(), **change}

    with pytest.raises(ValidationFailed) as refused:
        services.contribution_record(**args)

    assert field in refused.value.fields
    assert Journal.objects.count() == 0


def test_a_contribution_to_no_program_is_not_found():
    with pytest.raises(NotFound):
        services.contribution_record(actor=None, program_id=999_999, source="city", amount=EOK,
                                     received_on=RECEIVED_ON, idempotency_key="k", today=timezone.localdate())


def test_the_ledger_verifies_after_contributions():
    program = make_program()
    contribute(program, 4 * EOK, source="city", key="a")
    contribute(program, 4 * EOK, source="bank", key="b")
    out, err = StringIO(), StringIO()

    call_command("ledger_verify", stdout=out, stderr=err)

    assert err.getvalue() == ""
    assert "1 books, 14 accounts, 2 journals, 4 entries" in out.getvalue()
