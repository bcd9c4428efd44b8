"""The guarantee fee receipt (보증료 납부 확인서) of one fee bill, asked for by the enterprise's member or staff,
rendered to a real PDF and read back: the year, the fee and its shares, what each payer paid when (with the late
fee), the refund of unused days, what is left; and who may have it.

The story (the Dalseong-style program: 0.8 % of which the city pays 0.5 %p, 10 won floor): 20,000,000 lent and
guaranteed in full on 2026-02-16, its first year (365 days to 2027-02-16) billed that day and due that day: fee
160,000, the city's 100,000, the enterprise's 60,000. The enterprise pays 60,260 on 2026-03-04, 16 days late: the
late fee 60,000 x 10 % x 16 / 365 = 263.01 -> 260 first, then its 60,000. The city pays its 100,000 on 2026-03-31.
The loan is repaid in full on 2026-04-10: 312 unused days, 20,000,000 x 0.8 % x 312 / 365 = 136,767.12 -> 136,760,
the city's 85,479.45 -> 85,470, the enterprise's 51,290, both returned in cash."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import ROUND_FLOOR, Decimal

import pytest
from django.utils import timezone

from core.errors import NotFound, ValidationFailed
from guarantees import services
from guarantees.models import FeeBill
from statements.models import Statement
from statements.services import statement_request, statements_visible_to
from tests.factories import BankOfficerFactory, ManagerFactory, MembershipFactory
from tests.guarantees.factories import contribute, make_guarantee, make_program

from . import pdf

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 30)


@pytest.fixture
def story():
    program = make_program()
    contribute(program, 100_000_000)
    guarantee = make_guarantee(program, amount=20_000_000, start_on=date(2026, 2, 16))
    member = guarantee.enterprise.memberships.get().user
    bill = services.fee_bill_first_year(guarantee_id=guarantee.pk, actor=None, today=date(2026, 2, 16))
    services.fee_pay(bill_id=bill.pk, amount=60_260, idempotency_key="late", actor=member, today=date(2026, 3, 4))
    services.fee_city_pay(program_id=program.pk, paid_on=date(2026, 3, 31), idempotency_key="city",
                          actor=ManagerFactory(), today=date(2026, 3, 31), bill_ids=[bill.pk])
    open_guarantee = make_guarantee(program, enterprise=guarantee.enterprise, amount=10_000_000,
                                    start_on=date(2026, 5, 4))
    open_bill = services.fee_bill_first_year(guarantee_id=open_guarantee.pk, actor=None, today=date(2026, 5, 4))
    services.guarantee_repay(actor=BankOfficerFactory(institution=guarantee.bank), guarantee_id=guarantee.pk,
                             on_date=date(2026, 4, 10), idempotency_key="repaid", today=date(2026, 4, 10))
    services.fee_refund_unused(guarantee_id=guarantee.pk, repaid_on=date(2026, 4, 10), actor=None,
                               today=date(2026, 4, 10))
    return {"bill": FeeBill.objects.get(pk=bill.pk), "open_bill": FeeBill.objects.get(pk=open_bill.pk),
            "member": member, "guarantee": guarantee}


def issue(capture, *, actor, bill_id: int) -> tuple[Statement, bytes]:
    with capture(execute=True):
        statement = statement_request(actor=actor, kind="fee_receipt", subject_id=bill_id, today=TODAY)
    statement.refresh_from_db()
    assert statement.state == Statement.State.READY, statement.error
    with statement.file.open("rb") as f:
        return statement, f.read()


def test_a_member_gets_the_receipt_of_a_bill_paid_late_and_refunded(story, django_capture_on_commit_callbacks):
    bill = story["bill"]
    statement, data = issue(django_capture_on_commit_callbacks, actor=story["member"], bill_id=bill.pk)
    assert (statement.fee_bill_id, statement.enterprise_id) == (bill.pk, story["guarantee"].enterprise_id)
    assert statement.sha256 == hashlib.sha256(data).hexdigest()
    assert statement.data_sha256 == hashlib.sha256(pdf.attachment_bytes(data)).hexdigest()
    text = pdf.text(data)
    assert "보증료 납부 확인서" in text and statement.data_sha256 in text
    assert "1년차 · 2026-02-16 ~ 2027-02-16 (365일)" in text
    fee_line = next(line for line in text.splitlines() if line.strip().startswith("부과"))
    assert [word for word in fee_line.split() if word.startswith("₩")] == ["₩160,000", "₩100,000", "₩60,000"]
    assert "₩60,260" in text and "₩260" in text and "312" in text
    assert "₩85,470" in text and "₩51,290" in text
    assert "납부되었음을 확인합니다" in text and "불일치" not in text
    assert set(pdf.fonts(data)) <= {"NanumGothic", "NanumGothic-Bold"}

    tables = pdf.attachment_tables(data)
    facts = {row["항목"]: row["값"] for row in tables["확인 내용"]}
    assert (facts["보증료"], facts["지자체 부담"], facts["기업 부담"], facts["보증연도"]) == (
        "160000", "100000", "60000", "1")
    assert (facts["기업 납부"], facts["연체료 부과"], facts["연체료 납부"], facts["지자체 납부"]) == (
        "60000", "260", "260", "100000")
    assert (facts["기업 환급"], facts["지자체 환급"], facts["기업 미납 합계"], facts["지자체 미납"], facts["상태"]) == (
        "51290", "85470", "0", "0", "환급")
    paid = [(p["일자"], p["납부자"], p["금액"], p["보증료 충당"], p["연체료 충당"]) for p in tables["납부 내역"]]
    assert paid == [("2026-03-04", "기업", "60260", "60000", "260"),
                    ("2026-03-31", "지자체 (보증료 지원)", "100000", "100000", "0")]
    assert {(r["대상"], r["미사용 일수"], r["환급액"], r["현금 반환"]) for r in tables["환급 내역"]} == {
        ("기업", "312", "51290", "51290"), ("지자체 (보증료 지원)", "312", "85470", "85470")}
    assert statement in statements_visible_to(story["member"])


def test_the_receipt_of_an_open_bill_states_what_is_left_with_the_late_fee_to_the_day(
        story, django_capture_on_commit_callbacks):
    """The second loan's bill (10,000,000 from 2026-05-04, 365 days): fee 80,000, the city's 50,000, the
    enterprise's 30,000, none of it paid; due 2026-05-04, so on the day the receipt is issued the enterprise owes
    30,000 and 10 %/yr on it for the days since (floored to 10 won)."""
    bill = story["open_bill"]
    statement, data = issue(django_capture_on_commit_callbacks, actor=ManagerFactory(), bill_id=bill.pk)
    issued = timezone.localtime(statement.generated_at).date()
    days = (issued - date(2026, 5, 4)).days
    late = (Decimal(30_000) * Decimal("0.10") * days / 365 / 10).to_integral_value(rounding=ROUND_FLOOR) * 10
    facts = {row["항목"]: row["값"] for row in pdf.attachment_tables(data)["확인 내용"]}
    assert (facts["보증료"], facts["지자체 부담"], facts["기업 부담"]) == ("80000", "50000", "30000")
    left = (facts["기업 미납 (보증료)"], facts["기업 미납 (연체료)"], facts["기업 미납 합계"], facts["지자체 미납"])
    assert left == ("30000", str(late), str(30_000 + late), "50000")
    assert facts["기준일"] == issued.isoformat() and facts["상태"] == "미납"
    text = pdf.text(data)
    assert f"₩{30_000 + late:,}" in text and "아직 납부된 금액이 없습니다" in text


def test_only_the_enterprises_members_and_staff_have_a_fee_receipt(story):
    bill = story["bill"]
    for stranger in (MembershipFactory().user, BankOfficerFactory(institution=story["guarantee"].bank)):
        with pytest.raises(NotFound):
            statement_request(actor=stranger, kind="fee_receipt", subject_id=bill.pk, today=TODAY)
    with pytest.raises(NotFound):
        statement_request(actor=story["member"], kind="fee_receipt", subject_id=987_654, today=TODAY)
    with pytest.raises(ValidationFailed):
        statement_request(actor=story["member"], kind="fee_receipt", subject_id=bill.pk, today=TODAY,
                          period_start=date(2026, 1, 1), period_end=TODAY)
    assert not Statement.objects.exists()
    statement = statement_request(actor=story["member"], kind="fee_receipt", subject_id=bill.pk, today=TODAY)
    assert statement not in statements_visible_to(MembershipFactory().user)
