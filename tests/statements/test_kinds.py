"""Each kind of statement resolves and checks its own subject, and its period against the ``today`` it is given
(the services never read the clock, nor ask which kind a statement is); asking for one loads no renderer."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date

import pytest
from django.utils import translation

from core.errors import Forbidden, NotFound, ValidationFailed
from statements import kinds
from statements.kinds.base import StatementKind
from statements.models import Statement
from statements.services import journal_export, statement_request
from tests.factories import AuditorFactory, EnterpriseFactory, ManagerFactory, MembershipFactory
from tests.funds.factories import make_fund

pytestmark = pytest.mark.django_db


def test_every_kind_of_statement_has_its_own_kind_object():
    assert set(kinds.KINDS) == set(Statement.Kind.values)
    for name, kind in kinds.KINDS.items():
        assert isinstance(kind, StatementKind) and kind.kind == name
        assert type(kind).subject is not StatementKind.subject  # each resolves its own subject
        assert type(kind).build is not StatementKind.build


def test_a_period_is_checked_against_the_today_given_not_the_clock():
    fund = make_fund(code="kinds")
    manager = ManagerFactory()
    start, end = date(2025, 1, 1), date(2025, 1, 31)
    with translation.override("en"), pytest.raises(ValidationFailed) as refused:
        statement_request(actor=manager, kind="fund", subject_id=fund.pk, period_start=start, period_end=end,
                          today=date(2025, 1, 30))
    assert list(refused.value.fields) == ["period_end"]
    statement = statement_request(actor=manager, kind="fund", subject_id=fund.pk, period_start=start,
                                  period_end=end, today=date(2025, 1, 31))
    assert (statement.kind, statement.fund_id, statement.period_end) == ("fund", fund.pk, end)


def test_a_journal_export_is_checked_against_the_today_given():
    fund = make_fund(code="export")
    with pytest.raises(ValidationFailed) as refused:
        journal_export(fund_id=fund.pk, start=date(2025, 1, 1), end=date(2025, 2, 1), file="csv",
                       today=date(2025, 1, 31))
    assert list(refused.value.fields) == ["end"]
    export = journal_export(fund_id=fund.pk, start=date(2025, 1, 1), end=date(2025, 2, 1), file="csv",
                            today=date(2025, 2, 1))
    assert export.content_type.startswith("text/csv")


def test_the_fund_kind_lets_staff_through_and_refuses_a_member_whether_or_not_the_fund_exists():
    fund = make_fund(code="subjects")
    assert kinds.KINDS["fund"].subject(AuditorFactory(), fund.pk) == {"fund": fund}
    member = MembershipFactory().user
    for subject_id in (fund.pk, 999_999):
        with pytest.raises(Forbidden):
            kinds.KINDS["fund"].subject(member, subject_id)
    with pytest.raises(NotFound):
        kinds.KINDS["fund"].subject(ManagerFactory(), 999_999)


def test_the_enterprise_kind_hides_another_enterprise_as_if_it_did_not_exist():
    membership = MembershipFactory()
    other = EnterpriseFactory()
    enterprise_kind = kinds.KINDS["enterprise"]
    assert enterprise_kind.subject(membership.user, membership.enterprise_id) == {"enterprise": membership.enterprise}
    with pytest.raises(NotFound) as hidden:
        enterprise_kind.subject(membership.user, other.pk)
    with pytest.raises(NotFound) as missing:
        enterprise_kind.subject(membership.user, 999_999)
    assert (hidden.value.message, hidden.value.fields) == (missing.value.message, missing.value.fields)


def test_a_receipt_has_no_period_and_the_others_need_both_ends():
    today = date(2025, 3, 1)
    assert kinds.KINDS["receipt"].period(None, None, today=today) == (None, None)
    with pytest.raises(ValidationFailed) as refused:
        kinds.KINDS["receipt"].period(date(2025, 1, 1), None, today=today)
    assert list(refused.value.fields) == ["period_start"]
    for name in ("loan", "enterprise", "fund"):
        with pytest.raises(ValidationFailed) as missing:
            kinds.KINDS[name].period(date(2025, 1, 1), None, today=today)
        assert list(missing.value.fields) == ["period_end"]


def test_asking_for_a_statement_loads_neither_matplotlib_nor_weasyprint_nor_openpyxl():
    """The web processes ask for statements and never render one: what rendering needs is loaded where it is
    used (each costs a gunicorn worker seconds at start and tens of MB)."""
    code = (
        "import sys, django; django.setup(); "
        "import statements.services, statements.kinds; "
        "print(sorted(m for m in ('matplotlib', 'weasyprint', 'openpyxl') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"})
    assert result.stdout.strip() == "[]", result.stderr
