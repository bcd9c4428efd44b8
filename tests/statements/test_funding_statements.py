"""The funding phase's statements, asked for through the service (and the API), rendered by the (eager) task into
real PDFs, then read back: the printed text and the CSV attached inside. The figures are those of
``funding_world`` (worked by hand in its docstring): the campaign settlement statement (캠페인 정산서), the pledge
receipt (후원 영수증), the matching fund use statement (매칭 재원 사용 내역서), and who may have each."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone, translation

from core.errors import InvalidState, NotFound, ValidationFailed
from statements.models import Statement
from statements.services import statement_download, statement_request, statements_visible_to
from tests.crowdfunding.campaign_factories import campaign
from tests.factories import AuditorFactory, JudgeFactory, ManagerFactory, MembershipFactory, UserFactory

from . import funding_world, pdf

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
S = "/api/v1/statements/"


@pytest.fixture
def world() -> funding_world.FundingWorld:
    return funding_world.build()


def issue(capture: Any, *, actor: Any, kind: str, subject_id: int) -> tuple[Statement, bytes]:
    with capture(execute=True):
        statement = statement_request(actor=actor, kind=kind, subject_id=subject_id, today=TODAY)
    statement.refresh_from_db()
    assert statement.state == Statement.State.READY, statement.error
    with statement.file.open("rb") as f:
        return statement, f.read()


def rows(table: list[dict[str, str]], key: str = "항목", value: str = "금액") -> dict[str, str]:
    return {row[key]: row[value] for row in table}


def test_the_campaign_settlement_statement_states_the_settlement_and_agrees_with_the_book(
        world, django_capture_on_commit_callbacks):
    statement, data = issue(django_capture_on_commit_callbacks, actor=world.member_a, kind="campaign_settlement",
                            subject_id=world.a.pk)
    assert (statement.campaign, statement.enterprise, statement.period_start) == (world.a, world.a.enterprise, None)
    text, tables = pdf.text(data), pdf.attachment_tables(data)
    assert "캠페인 정산서" in text and "동네 빵집 나눔" in text
    facts = rows(tables["캠페인"], value="값")
    assert (facts["목표 금액"], facts["시작일"], facts["종료일"], facts["정산일"], facts["지급일"],
            facts["목표 달성"]) == ("1000000", "2026-04-21", "2026-06-20", "2026-06-25", "2026-06-26", "예")
    assert facts["결제 방식"].startswith("목표 달성 시 결제")
    by_state = {row["상태"]: (row["건수"], row["금액"]) for row in tables["상태별 후원"]}
    assert by_state == {"결제 완료": ("2", "500000"), "취소": ("2", "70000"), "환불": ("1", "100000")}
    settled = rows(tables["정산"])
    assert (settled["마감 시 후원 약정"], settled["결제 금액"], settled["결제 실패 (재시도 후 취소)"], settled["환불"],
            settled["플랫폼 수수료"], settled["결제 수수료"], settled["후원 매칭"], settled["목표 채움"],
            settled["이차 매칭"], settled["지급액"]) == (
        "650000", "600000", "50000", "100000", "25000", "12500", "200000", "50000", "120000", "832500")
    matching = {(row["매칭 펀드"], row["출연기관"], row["구분"]): (row["인출"], row["반환"], row["반영"])
                for row in tables["매칭 재원별"]}
    assert matching == {
        ("매칭 펀드", "대구광역시", "후원 매칭"): ("180000", "60000", "120000"),
        ("매칭 펀드", "대구은행", "후원 매칭"): ("120000", "40000", "80000"),
        ("목표 채움 펀드", "대구광역시", "목표 채움"): ("50000", "0", "50000"),
        ("이차 매칭 펀드", "대구신용보증재단", "이차 매칭"): ("120000", "0", "120000"),
    }
    checks = {row["항목"]: (row["명세"], row["원장"], row["일치"]) for row in tables["원장 대사"]}
    assert checks["결제 합계 (결제 내역)"] == ("600000", "600000", "일치")
    assert checks["매칭 인출 합계 (반환분 포함)"] == ("470000", "470000", "일치")
    assert checks["정산 지급액"] == ("832500", "832500", "일치")
    assert checks["미지급 정산금"] == ("0", "0", "일치") and checks["플랫폼 수수료"] == ("25000", "25000", "일치")
    assert {row["일치"] for row in tables["원장 대사"]} == {"일치"}
    assert "₩832,500" in text and "원장과 일치" in text and "불일치" not in text
    assert "2026-06-26" in text and statement.data_sha256 in text


def test_a_settlement_not_yet_paid_out_is_owed_in_the_book(world, django_capture_on_commit_callbacks):
    _statement, data = issue(django_capture_on_commit_callbacks, actor=world.member_b, kind="campaign_settlement",
                             subject_id=world.b.pk)
    tables = pdf.attachment_tables(data)
    assert rows(tables["정산"])["지급액"] == "315000" and rows(tables["캠페인"], value="값")["지급일"] == ""
    checks = {row["항목"]: (row["명세"], row["원장"]) for row in tables["원장 대사"]}
    assert checks["미지급 정산금"] == ("315000", "315000")
    assert "지급 대기" in pdf.text(data)


def test_who_may_have_a_campaign_settlement_statement(world, django_capture_on_commit_callbacks):
    for staff in (ManagerFactory(), AuditorFactory()):
        issue(django_capture_on_commit_callbacks, actor=staff, kind="campaign_settlement", subject_id=world.a.pk)
    statement, _data = issue(django_capture_on_commit_callbacks, actor=world.member_a, kind="campaign_settlement",
                             subject_id=world.a.pk)
    for outsider in (world.member_b, JudgeFactory(), world.backers[0]):
        with pytest.raises(NotFound):
            statement_request(actor=outsider, kind="campaign_settlement", subject_id=world.a.pk, today=TODAY)
        assert not statements_visible_to(outsider).filter(pk=statement.pk).exists()
        with pytest.raises(NotFound):
            statement_download(actor=outsider, statement_id=statement.pk, ip=None, user_agent="")
    got, content = statement_download(actor=world.member_a, statement_id=statement.pk, ip=None, user_agent="")
    assert got == statement and "캠페인 정산서" in pdf.text(content)
    live = campaign(world.contest, enterprise=world.a.enterprise)
    with pytest.raises(InvalidState) as refused:
        statement_request(actor=world.member_a, kind="campaign_settlement", subject_id=live.pk, today=TODAY)
    assert "live" in str(refused.value).lower() or "진행" in str(refused.value)
    with pytest.raises(ValidationFailed) as with_period:
        statement_request(actor=world.member_a, kind="campaign_settlement", subject_id=world.a.pk, today=TODAY,
                          period_start=TODAY, period_end=TODAY)
    assert "period_start" in with_period.value.fields


def test_the_pledge_receipt_is_a_payment_receipt_of_the_backers_own_charged_pledge(
        world, django_capture_on_commit_callbacks):
    backer = world.backers[0]
    statement, data = issue(django_capture_on_commit_callbacks, actor=backer, kind="pledge_receipt",
                            subject_id=world.pledges["p1"].pk)
    assert (statement.pledge, statement.enterprise) == (world.pledges["p1"], None)
    text, tables = pdf.text(data), pdf.attachment_tables(data)
    facts = rows(tables["영수"], value="값")
    assert (facts["후원자"], facts["캠페인"], facts["기업"], facts["후원 금액"], facts["리워드"], facts["결제일"],
            facts["카드"], facts["주문번호"], facts["환불 금액"], facts["결제 유지 금액"]) == (
        "김민지", "동네 빵집 나눔", world.a.enterprise.name, "300000", "빵 꾸러미", "2026-06-21",
        "4330-12**-****-7788", "ORD-A-0001", "0", "300000")
    assert "후원 영수증" in text and "₩300,000" in text and "ORD-A-0001" in text
    assert "기부금 영수증" in text and "결제 영수증" in text  # it says what it is not
    assert [(row["구분"], row["금액"]) for row in tables["결제 및 환불 내역"]] == [("결제", "300000")]


def test_a_refunded_pledges_receipt_shows_the_refund(world, django_capture_on_commit_callbacks):
    _statement, data = issue(django_capture_on_commit_callbacks, actor=world.backers[2], kind="pledge_receipt",
                             subject_id=world.pledges["p3"].pk)
    tables = pdf.attachment_tables(data)
    assert [(row["일자"], row["구분"], row["금액"]) for row in tables["결제 및 환불 내역"]] == [
        ("2026-06-21", "결제", "100000"), ("2026-06-22", "환불", "100000")]
    facts = rows(tables["영수"], value="값")
    assert (facts["결제 금액"], facts["환불 금액"], facts["결제 유지 금액"], facts["상태"]) == (
        "100000", "100000", "0", "환불")
    assert "₩100,000 환불되었습니다" in pdf.text(data).replace("\n", " ") or "환불되었습니다" in pdf.text(data)


def test_a_receipt_is_only_for_a_charged_pledge_and_only_for_its_backer(world, django_capture_on_commit_callbacks):
    for name, backer in (("p4", world.backers[0]), ("p5", world.backers[3])):  # declined out; cancelled before
        with translation.override("en"), pytest.raises(ValidationFailed) as refused:
            statement_request(actor=backer, kind="pledge_receipt", subject_id=world.pledges[name].pk, today=TODAY)
        assert "charged" in " ".join(refused.value.fields["subject"])
    statement, _data = issue(django_capture_on_commit_callbacks, actor=world.backers[0], kind="pledge_receipt",
                             subject_id=world.pledges["p1"].pk)
    for outsider in (world.backers[1], world.member_a, UserFactory()):
        with pytest.raises(NotFound):  # another backer's pledge, as if it did not exist
            statement_request(actor=outsider, kind="pledge_receipt", subject_id=world.pledges["p1"].pk, today=TODAY)
        assert not statements_visible_to(outsider).filter(pk=statement.pk).exists()
        with pytest.raises(NotFound):
            statement_download(actor=outsider, statement_id=statement.pk, ip=None, user_agent="")
    assert list(statements_visible_to(world.backers[0])) == [statement]
    _got, content = statement_download(actor=world.backers[0], statement_id=statement.pk, ip=None, user_agent="")
    assert "ORD-A-0001" in pdf.text(content)
    assert statements_visible_to(AuditorFactory()).filter(pk=statement.pk).exists()
    assert Statement.objects.filter(kind="pledge_receipt").count() == 1  # the refusals wrote nothing


def test_the_matching_fund_use_statement_of_a_funder(world, django_capture_on_commit_callbacks):
    statement, data = issue(django_capture_on_commit_callbacks, actor=ManagerFactory(), kind="pool_funder",
                            subject_id=world.city.pk)
    assert statement.pool_funder == world.city
    text, tables = pdf.text(data), pdf.attachment_tables(data)
    facts = rows(tables["재원"], value="값")
    assert (facts["출연기관"], facts["매칭 펀드"], facts["입금 합계"], facts["매칭 사용"], facts["반환 받음"],
            facts["남은 재원"]) == ("대구광역시", "매칭 펀드", "600000", "150000", "450000", "0")
    used = {row["제목"]: (row["후원 매칭"], row["후원 매칭 반환"], row["목표 채움"], row["이차 매칭"], row["사용 합계"])
            for row in tables["캠페인별 매칭"]}
    assert used == {"동네 빵집 나눔": ("180000", "60000", "0", "0", "120000"),
                    "마을 돌봄 식당": ("30000", "0", "0", "0", "30000")}
    assert [(row["일자"], row["금액"]) for row in tables["입금 내역"]] == [("2026-04-01", "600000")]
    assert [(row["일자"], row["금액"], row["지급일"]) for row in tables["반환 내역"]] == [
        ("2026-06-27", "450000", "미지급")]
    assert {row["일치"] for row in tables["원장 대사"]} == {"일치"}
    assert "매칭 재원 사용 내역서" in text and "₩450,000" in text and "불일치" not in text


def test_the_funders_statement_shows_its_return_paid(db, django_capture_on_commit_callbacks):
    from crowdfunding.services.campaign_settlement import pool_return_pay, pool_settle
    from tests.crowdfunding.settlement_world import AFTER_FUNDING
    from tests.crowdfunding.test_pool_settlement import settled_world

    _made, matching = settled_world()  # funders of 600,000 and 400,000; 120,000 and 80,000 drawn
    first = pool_settle(pool_id=matching.pk, on_date=AFTER_FUNDING)[0]
    manager = ManagerFactory()
    paid, _created = pool_return_pay(return_id=first.pk, paid_on=TODAY, actor=manager,
                                     idempotency_key="statement-return", on_date=TODAY)
    _statement, data = issue(django_capture_on_commit_callbacks, actor=manager, kind="pool_funder",
                             subject_id=first.funder_id)
    tables = pdf.attachment_tables(data)
    (row,) = tables["반환 내역"]
    assert (row["금액"], row["지급일"], row["지급 전표"]) == ("480000", TODAY.isoformat(), f"J{paid.paid_journal_id}")
    assert {row["일치"] for row in tables["원장 대사"]} == {"일치"}


def test_the_quadratic_and_top_up_funders_statements(world, django_capture_on_commit_callbacks):
    _statement, data = issue(django_capture_on_commit_callbacks, actor=AuditorFactory(), kind="pool_funder",
                             subject_id=world.foundation.pk)
    tables = pdf.attachment_tables(data)
    assert {row["제목"]: row["이차 매칭"] for row in tables["캠페인별 매칭"]} == {
        "동네 빵집 나눔": "120000", "마을 돌봄 식당": "80000"}
    assert rows(tables["재원"], value="값")["남은 재원"] == "0" and tables["반환 내역"] == []
    _statement, data = issue(django_capture_on_commit_callbacks, actor=AuditorFactory(), kind="pool_funder",
                             subject_id=world.city_top_up.pk)
    tables = pdf.attachment_tables(data)
    assert [(row["제목"], row["목표 채움"]) for row in tables["캠페인별 매칭"]] == [("동네 빵집 나눔", "50000")]
    assert rows(tables["재원"], value="값")["반환 받음"] == "50000"


def test_the_matching_fund_use_statement_is_for_staff_only(world):
    for outsider in (world.member_a, world.backers[0], JudgeFactory()):
        with pytest.raises(NotFound):
            statement_request(actor=outsider, kind="pool_funder", subject_id=world.city.pk, today=TODAY)
    assert not Statement.objects.filter(kind="pool_funder").exists()


def test_members_get_their_campaigns_settlement_through_the_api(world, bearer_client,
                                                               django_capture_on_commit_callbacks):
    member = bearer_client(world.member_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = member.post(S, {"kind": "campaign_settlement", "subject": world.a.pk}, format="json")
    assert response.status_code == 202, response.content
    detail = member.get(response["Location"]).json()
    assert (detail["state"], detail["subject"], detail["campaign"]) == ("ready", world.a.pk, world.a.pk)
    got = member.get(detail["pdf_url"])
    assert got.status_code == 200 and "캠페인 정산서" in pdf.text(got.content)
    other = bearer_client(world.member_b)
    assert other.post(S, {"kind": "campaign_settlement", "subject": world.a.pk}, format="json").status_code == 404
    assert other.get(detail["pdf_url"]).status_code == 404
    manager = bearer_client(ManagerFactory())
    with django_capture_on_commit_callbacks(execute=True):
        funder = manager.post(S, {"kind": "pool_funder", "subject": world.bank.pk}, format="json")
    assert funder.status_code == 202 and funder.json()["pool_funder"] == world.bank.pk
    assert member.post(S, {"kind": "pool_funder", "subject": world.bank.pk}, format="json").status_code == 404
    unsettled = campaign(world.contest, enterprise=world.a.enterprise)
    refused = member.post(S, {"kind": "campaign_settlement", "subject": unsettled.pk}, format="json")
    assert refused.status_code == 409


def test_the_member_of_both_enterprises_sees_both_settlements(world, django_capture_on_commit_callbacks):
    both = MembershipFactory(enterprise=world.a.enterprise).user
    MembershipFactory(enterprise=world.b.enterprise, user=both)
    for c in (world.a, world.b):
        issue(django_capture_on_commit_callbacks, actor=both, kind="campaign_settlement", subject_id=c.pk)
    assert statements_visible_to(both).filter(kind="campaign_settlement").count() == 2
