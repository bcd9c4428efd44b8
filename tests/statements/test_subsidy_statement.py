"""The interest subsidy payment statement (이차보전금 지급 명세서): a paid run, asked for through the service,
rendered by the task into a real PDF, stored with its SHA-256 and read back: the printed figures (pdftotext) and the
CSV attached inside, compared with the run and the journal that paid it."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from django.utils import timezone
from djmoney.money import Money

from core.errors import InvalidState, NotFound, ValidationFailed
from enterprises.models import Institution
from guarantees import services
from guarantees.models import GuaranteeBalance
from statements.models import Statement
from statements.services import statement_download, statement_request
from tests.factories import EnterpriseFactory, InstitutionFactory

from . import pdf

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
MAN = 10_000


@pytest.fixture
def paid_run(manager, other_manager):
    """Three guarantees of the Dalseong-style program (2 %p) paid for October 2026, at two banks:

    - A, 30,000,000 at 5 % all month: 31 x 30,000,000 = 930,000,000 won-days; x 2 % / 365 = 50,958.90 -> 50,950.
    - B, 20,000,000 at 5 %, 10,000,000 from 21 October: 20 x 20,000,000 + 11 x 10,000,000 = 510,000,000;
      x 2 % / 365 = 27,945.20 -> 27,940.
    - C, 10,000,000 at 1.5 % (below the 2 %p: 1.5 % is used) at the second bank: 310,000,000 x 1.5 % / 365 =
      12,739.72 -> 12,730.
    Total 50,950 + 27,940 + 12,730 = 91,620; the first bank's 78,890.
    """
    from tests.guarantees.factories import make_guarantee, make_program

    program = make_program()
    first = program.partner_banks.get()
    second = InstitutionFactory(kind=Institution.Kind.BANK, name="대구은행")
    program.partner_banks.add(second)
    a = make_guarantee(program, enterprise=EnterpriseFactory(name="가나다 협동조합"), bank=first, amount=3000 * MAN)
    b = make_guarantee(program, enterprise=EnterpriseFactory(name="라마바 기업"), bank=first, amount=2000 * MAN)
    GuaranteeBalance.objects.create(guarantee=b, kind="repayment", on_date=date(2026, 10, 21),
                                    balance=Money(1000 * MAN, "KRW"), idempotency_key="r1")
    c = make_guarantee(program, enterprise=EnterpriseFactory(name="사아자 마을기업"), bank=second, amount=1000 * MAN,
                       loan_rate="0.01500")
    services.subsidy_budget_record(actor=manager, program_id=program.pk, amount=1_000_000, received_on=TODAY,
                                   idempotency_key="budget", today=TODAY)
    run, _ = services.subsidy_run_prepare(program_id=program.pk, period_start=date(2026, 10, 1), actor=manager,
                                          today=date(2026, 11, 15))
    run, _ = services.subsidy_run_approve(run_id=run.pk, actor=other_manager, today=TODAY, idempotency_key="pay")
    return run, (a, b, c)


def issue(capture, *, actor, run_id: int) -> tuple[Statement, bytes]:
    with capture(execute=True):
        statement = statement_request(actor=actor, kind="subsidy_run", subject_id=run_id, today=TODAY)
    statement.refresh_from_db()
    assert statement.state == Statement.State.READY, statement.error
    with statement.file.open("rb") as f:
        return statement, f.read()


def test_the_payment_statement_prints_every_line_and_the_totals(paid_run, auditor,
                                                                 django_capture_on_commit_callbacks):
    run, (a, b, c) = paid_run
    assert run.total.amount == 91_620

    statement, data = issue(django_capture_on_commit_callbacks, actor=auditor, run_id=run.pk)

    assert statement.subsidy_run_id == run.pk and statement.sha256 == hashlib.sha256(data).hexdigest()
    printed = pdf.text(data)
    assert "이차보전금 지급 명세서" in printed
    assert "2026-10-01 ~ 2026-10-31" in printed
    for name, amount in (("가나다 협동조합", "₩50,950"), ("라마바 기업", "₩27,940"),
                         ("사아자 마을기업", "₩12,730")):
        line = next(line for line in printed.splitlines() if name in line)
        assert amount in line, line
    assert "930,000,000" in printed and "510,000,000" in printed and "1.500%" in printed
    assert "₩91,620" in printed and "₩78,890" in printed  # the total, and the first bank's
    assert "(일치)" in printed and f"J{run.journal_id}" in printed
    assert "NanumGothic" in " ".join(pdf.fonts(data))

    tables = pdf.attachment_tables(data)
    lines = {row["보증번호"]: row for row in tables["지급내역"]}
    assert {key: lines[key]["이차보전금"] for key in lines} == {
        f"G{a.pk}": "50950", f"G{b.pk}": "27940", f"G{c.pk}": "12730"}
    assert lines[f"G{c.pk}"]["적용금리"] == "0.01500"
    assert {row["은행"]: row["이차보전금"] for row in tables["은행별"]}["대구은행"] == "12730"
    assert {row["항목"]: row["값"] for row in tables["지급회차"]}["합계"] == "91620"
    assert pdf.archival(data)["relationship"] == "/Data"


def test_the_statement_is_downloaded_with_its_sha256(paid_run, manager, django_capture_on_commit_callbacks):
    run, _ = paid_run
    statement, data = issue(django_capture_on_commit_callbacks, actor=manager, run_id=run.pk)
    got, content = statement_download(actor=manager, statement_id=statement.pk, ip="127.0.0.1", user_agent="test")
    assert content == data and got.downloads.count() == 1


def test_only_staff_have_it_and_only_for_a_paid_run(paid_run, member, bank_officer, manager):
    run, _ = paid_run
    for user in (member, bank_officer):
        with pytest.raises(NotFound):
            statement_request(actor=user, kind="subsidy_run", subject_id=run.pk, today=TODAY)
    with pytest.raises(NotFound):
        statement_request(actor=manager, kind="subsidy_run", subject_id=987_654, today=TODAY)
    with pytest.raises(ValidationFailed):
        statement_request(actor=manager, kind="subsidy_run", subject_id=run.pk, today=TODAY,
                          period_start=date(2026, 10, 1), period_end=date(2026, 10, 31))
    prepared, _ = services.subsidy_run_prepare(program_id=run.program_id, period_start=date(2026, 9, 1),
                                               actor=manager, today=TODAY)
    with pytest.raises(InvalidState):
        statement_request(actor=manager, kind="subsidy_run", subject_id=prepared.pk, today=TODAY)
    assert not Statement.objects.exists()
