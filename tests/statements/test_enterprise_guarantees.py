"""The enterprise statement (기업 거래명세서) with the enterprise's special guarantees beside its loans: each guarantee
(program, bank, loan balance and guaranteed amount at the end and now, state), its fee bills and the period's fee
payments, and the 구상채권 its paid claim opened. The half-year of ``helpers_guarantees``: 가나다 협동조합 holds
``active`` and ``claimed``; rendered to a real PDF and read back."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from core.errors import NotFound
from statements.models import Statement
from statements.services import statement_request
from tests.factories import MembershipFactory

from . import pdf
from .helpers_guarantees import TODAY, World, make_world

pytestmark = pytest.mark.django_db
START = date(2026, 1, 1)


@pytest.fixture
def world() -> World:
    return make_world()


def issue(capture, *, actor, enterprise_id: int, end: date = TODAY) -> tuple[Statement, bytes]:
    with capture(execute=True):
        statement = statement_request(actor=actor, kind="enterprise", subject_id=enterprise_id, period_start=START,
                                      period_end=end, today=TODAY)
    statement.refresh_from_db()
    assert statement.state == Statement.State.READY, statement.error
    with statement.file.open("rb") as f:
        return statement, f.read()


def test_the_enterprise_statement_shows_its_guarantees_fees_and_recourse(world, django_capture_on_commit_callbacks):
    statement, data = issue(django_capture_on_commit_callbacks, actor=world.member, enterprise_id=world.enterprise.pk)
    text = pdf.text(data)
    tables = pdf.attachment_tables(data)

    guarantees = {row["보증"]: row for row in tables["보증별 요약"]}
    assert set(guarantees) == {f"G{world.active.pk}", f"G{world.claimed.pk}"}  # not the other enterprises'
    active, claimed = guarantees[f"G{world.active.pk}"], guarantees[f"G{world.claimed.pk}"]
    assert (active["은행"], active["대출금액"], active["실행일"], active["기말 대출잔액"], active["기말 보증잔액"],
            active["현재 보증잔액"], active["상태 (현재)"]) == (
        world.bank.name, "30000000", "2026-02-02", "24000000", "24000000", "24000000", "보증 중")
    assert (claimed["기말 대출잔액"], claimed["기말 보증잔액"], claimed["현재 보증잔액"], claimed["상태 (현재)"]) == (
        "25000000", "0", "0", "구상 중")
    assert "₩24,000,000" in text and world.program.name in text

    # Fee bills: the active one's 240,000 (150,000 the city's, 90,000 paid by the enterprise on the day); the
    # claimed one's 200,000, of which the enterprise's 75,000 is still owed at the end.
    bills = {row["보증"]: row for row in tables["보증료 청구서"]}
    assert (bills[f"G{world.active.pk}"]["보증료"], bills[f"G{world.active.pk}"]["지자체 부담"],
            bills[f"G{world.active.pk}"]["기업 납부"], bills[f"G{world.active.pk}"]["기업 미납 (기말)"]) == (
        "240000", "150000", "90000", "0")
    assert (bills[f"G{world.claimed.pk}"]["기업 부담"], bills[f"G{world.claimed.pk}"]["지자체 납부"],
            bills[f"G{world.claimed.pk}"]["기업 미납 (기말)"]) == ("75000", "125000", "75000")
    paid = [(row["일자"], row["납부자"], row["금액"]) for row in tables["보증료 납부 내역"]]
    assert paid == [("2026-02-02", "기업", "90000"), ("2026-03-31", "지자체 (보증료 지원)", "150000"),
                    ("2026-03-31", "지자체 (보증료 지원)", "125000")]
    assert "₩75,000" in text

    # The 구상채권: 25,000,000 paid on 2026-05-06, 3,000,000 recovered (328,767 damages, 2,671,233 principal);
    # 22,328,767 owed, and by 2026-06-30 15 more days of damages: 22,328,767 x 12 % x 15 / 365 = 110,114.23 and
    # the 0.12 won carried from the first 40 days -> 110,114; the ledger's 구상채권 agrees.
    recourse = tables["구상채권"]
    assert len(recourse) == 1
    row = recourse[0]
    assert (row["대위변제"], row["지급일"], row["대위변제금"], row["기간 중 회수"], row["회수 누계"]) == (
        f"C{world.claim.pk}", "2026-05-06", "25000000", "3000000", "3000000")
    assert (row["미회수 원금"], row["지연손해금"], row["미회수 합계"], row["기준일"], row["원장 구상채권"]) == (
        "22328767", "110114", "22438881", "2026-06-30", "22328767")
    assert "₩22,438,881" in text and "불일치" not in text
    assert set(pdf.fonts(data)) <= {"NanumGothic", "NanumGothic-Bold"}
    assert statement.data_sha256 in text


def test_before_the_claim_the_defaulted_guarantee_still_stands_behind_its_loan(world,
                                                                               django_capture_on_commit_callbacks):
    _statement, data = issue(django_capture_on_commit_callbacks, actor=world.manager,
                             enterprise_id=world.enterprise.pk, end=date(2026, 4, 30))
    tables = pdf.attachment_tables(data)
    guarantees = {row["보증"]: row for row in tables["보증별 요약"]}
    assert guarantees[f"G{world.claimed.pk}"]["기말 보증잔액"] == "25000000"  # defaulted, the claim not yet paid
    assert guarantees[f"G{world.active.pk}"]["기말 대출잔액"] == "30000000"  # the May repayment comes later
    assert tables["구상채권"] == []


def test_another_enterprises_member_gets_nothing(world):
    stranger = MembershipFactory().user
    with pytest.raises(NotFound):
        statement_request(actor=stranger, kind="enterprise", subject_id=world.enterprise.pk, period_start=START,
                          period_end=TODAY, today=TODAY)
    assert not Statement.objects.exists()


def test_the_guarantee_parts_hold_for_an_enterprise_without_guarantees(django_capture_on_commit_callbacks):
    member = MembershipFactory().user
    enterprise = member.memberships.get().enterprise
    with django_capture_on_commit_callbacks(execute=True):
        statement = statement_request(actor=member, kind="enterprise", subject_id=enterprise.pk, period_start=START,
                                      period_end=TODAY - timedelta(days=1), today=TODAY)
    statement.refresh_from_db()
    assert statement.state == Statement.State.READY, statement.error
    with statement.file.open("rb") as f:
        data = f.read()
    tables = pdf.attachment_tables(data)
    assert tables["보증별 요약"] == [] and tables["보증료 청구서"] == [] and tables["구상채권"] == []
    assert "이 기간에 특례보증이 없습니다" in pdf.text(data)
    assert Decimal(0) == sum(Decimal(row["기말 대출원금"]) for row in tables["대출별 요약"])
