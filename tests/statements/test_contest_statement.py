"""The contest report (크라우드펀딩 대회 결과 보고서, kind "contest", staff only) and the enterprise statement's contest
section, asked for through the service or the API and rendered by the (eager) task into real PDFs, then read
back: the printed text, the CSV attached inside. The figures are known answers worked out by hand below.

The contest (made directly, as the judging's own tests make their rows): two partners paid 90,000,000 into the
joint fund (대구광역시 60,000,000 of 60,000,000 pledged; 대구은행 30,000,000 of 40,000,000). Six entries: E1-E4
submitted, E5 submitted then withdrawn, E6 left a draft. The screening (mean, one expert panel of two judges):
E1 80 and 90 -> 85; E2 70 and 74 -> 72; E3 60 and 66 -> 63; E4 50 and 40 -> 45; the top three advance. The final
(mean; experts 70 %, citizens 30 %, two judges each): E1 experts 80, 84 -> 82, citizens 90, 70 -> 80, combined
0.7 x 82 + 0.3 x 80 = 81.4; E2 experts 88, 86 -> 87, citizens 60, 70 -> 65, combined 60.9 + 19.5 = 80.4; E3
experts 70, 70, citizens 95, 95, combined 49 + 28.5 = 77.5; the top two are selected. Awards (through the
services): E1 대상 30,000,000 in two tranches (20,000,000 + 10,000,000), E2 최우수상 20,000,000 in one; both approved
(50,000,000 reserved out of the fund's cash), the first tranche of each paid (40,000,000). E1 reported
18,000,000 spent, accepted: 2,000,000 is due back. E2 reported 19,000,000, accepted, and returned 1,000,000. So:
spent 37,000,000, returned 1,000,000, due back 2,000,000, still reserved 10,000,000 (E1's second tranche),
advance 2,000,000, and the fund's cash 90,000,000 - 50,000,000 + 1,000,000 = 41,000,000; 41 + 10 + 2 + 37 = 90
million, all of the contributions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from djmoney.money import Money

from core.errors import NotFound, ValidationFailed
from crowdfunding import services
from crowdfunding.models import (
    AdvanceList,
    AdvanceListLine,
    AwardTier,
    AwardTranche,
    Contest,
    Entry,
    Round,
    Score,
)
from enterprises.models import Institution
from statements.models import Statement
from statements.services import statement_request, statements_visible_to
from tests.crowdfunding.factories import ContestFactory, EntryFactory, PanelFactory, PartnerFactory, fund, seat
from tests.factories import AuditorFactory, InstitutionFactory, JudgeFactory, ManagerFactory, MembershipFactory

from . import pdf

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
S = "/api/v1/statements/"


def receipt(body: bytes = b"receipt") -> SimpleUploadedFile:
    return SimpleUploadedFile("영수증.pdf", b"%PDF-1.7\n" + body + b"\n%%EOF\n", content_type="application/pdf")


@dataclass
class Told:
    contest: Contest
    entries: list[Entry]  # E1..E6
    member: Any  # of E1's enterprise
    other_member: Any  # of E2's enterprise
    manager: Any
    e1_tranches: list[AwardTranche]
    e2_tranche: AwardTranche


def _round(contest: Contest, kind: str, panels: list[tuple[str, str, int, list[tuple[Entry, list[int]]]]]) -> Round:
    """A closed round of ``kind`` (mean), its panels with their judges' totals per entry."""
    judged = Round.objects.create(contest=contest, kind=kind, aggregation="mean", state=Round.State.OPEN)
    for name, panel_kind, weight, scores in panels:
        panel = PanelFactory(round=judged, name=name, kind=panel_kind, weight=Decimal(weight))
        judges = [seat(panel) for _ in scores[0][1]]
        for entry, totals in scores:
            for judge, total in zip(judges, totals, strict=True):
                Score.objects.create(round=judged, panel=panel, entry=entry, judge=judge, marks={},
                                     total=Decimal(total))
    judged.state, judged.closed_at = Round.State.CLOSED, timezone.now()
    judged.save()
    return judged


def _decide(judged: Round, ranked: list[tuple[Entry, Decimal]], advancing: int) -> None:
    """The round's confirmed advance list: the ``advancing`` best go on; the entries move as confirming moves
    them."""
    decided = AdvanceList.objects.create(round=judged, state=AdvanceList.State.CONFIRMED, top_n=advancing,
                                         prepared_by=ManagerFactory(), decided_by=ManagerFactory(),
                                         decided_at=timezone.now())
    for rank, (entry, score) in enumerate(ranked, start=1):
        goes_on = rank <= advancing
        AdvanceListLine.objects.create(advance_list=decided, entry=entry, rank=rank, score=score, advances=goes_on)
        if judged.kind == "screening":
            entry.state, entry.eliminated_in = ("advanced", "") if goes_on else ("not_advanced", "screening")
        else:
            entry.state, entry.eliminated_in = ("selected", "") if goes_on else ("not_advanced", "final")
        entry.save()


def tell() -> Told:
    contest = ContestFactory(code="daegu-report", name="대구 소셜 크라우드펀딩 대회 2026", phase="screening")
    city = PartnerFactory(contest=contest, institution=InstitutionFactory(
        name="대구광역시", kind=Institution.Kind.MUNICIPALITY), pledged=60_000_000)
    bank = PartnerFactory(contest=contest, institution=InstitutionFactory(
        name="대구은행", kind=Institution.Kind.BANK), pledged=40_000_000)
    fund(contest, 60_000_000, partner=city, on=TODAY - timedelta(days=30))
    fund(contest, 30_000_000, partner=bank, on=TODAY - timedelta(days=29))
    e1, e2, e3, e4 = (EntryFactory(contest=contest, title=title) for title in
                      ("동네 빵집 나눔", "마을 돌봄 식당", "청년 수선 공방", "폐자원 업사이클"))
    e5 = EntryFactory(contest=contest, title="철회한 참가작", state="withdrawn")
    e6 = EntryFactory(contest=contest, title="작성 중인 참가작", state="draft", submitted_at=None)

    screening = _round(contest, "screening", [("서류 전문가단", "expert", 100, [
        (e1, [80, 90]), (e2, [70, 74]), (e3, [60, 66]), (e4, [50, 40])])])
    _decide(screening, [(e1, Decimal(85)), (e2, Decimal(72)), (e3, Decimal(63)), (e4, Decimal(45))], 3)
    contest.phase = "final"
    contest.save()
    final = _round(contest, "final", [
        ("본선 전문가단", "expert", 70, [(e1, [80, 84]), (e2, [88, 86]), (e3, [70, 70])]),
        ("시민 심사단", "citizen", 30, [(e1, [90, 70]), (e2, [60, 70]), (e3, [95, 95])]),
    ])
    _decide(final, [(e1, Decimal("81.4")), (e2, Decimal("80.4")), (e3, Decimal("77.5"))], 2)
    contest.phase = "awards"
    contest.save()

    for name, rank, amount in (("대상", 1, 30_000_000), ("최우수상", 2, 20_000_000)):
        AwardTier.objects.create(contest=contest, name=name, rank_from=rank, rank_to=rank,
                                 amount_min=Money(amount, "KRW"), amount_max=Money(amount, "KRW"))
    preparer, manager = ManagerFactory(), ManagerFactory()
    member, other_member = MembershipFactory(enterprise=e1.enterprise).user, MembershipFactory(
        enterprise=e2.enterprise).user
    awards = {}
    for entry, amount, tranches in ((e1, 30_000_000, [20_000_000, 10_000_000]), (e2, 20_000_000, [20_000_000])):
        prepared = services.award_prepare(actor=preparer, today=TODAY, entry_id=entry.pk, amount=amount,
                                          tranches=tranches)
        awards[entry.pk], _ = services.award_approve(actor=manager, today=TODAY, award_id=prepared.pk,
                                                     idempotency_key=f"approve-{entry.pk}")
    e1_tranches = list(AwardTranche.objects.filter(award=awards[e1.pk]).order_by("number"))
    e2_tranche = AwardTranche.objects.get(award=awards[e2.pk])
    for tranche, who, spent in ((e1_tranches[0], member, 18_000_000), (e2_tranche, other_member, 19_000_000)):
        services.tranche_pay(actor=manager, today=TODAY, tranche_id=tranche.pk, paid_on=TODAY,
                             idempotency_key=f"pay-{tranche.pk}")
        services.spending_add(actor=who, today=TODAY, tranche_id=tranche.pk, amount=spent, category="equipment",
                              description="설비 구입", spent_on=TODAY, evidence=receipt())
        services.tranche_report(actor=who, today=TODAY, tranche_id=tranche.pk)
        services.tranche_settle(actor=manager, today=TODAY, tranche_id=tranche.pk)
    services.tranche_return(actor=manager, today=TODAY, tranche_id=e2_tranche.pk, returned_on=TODAY,
                            idempotency_key="returned")
    for entry in (e1, e2, e3, e4, e5, e6):
        entry.refresh_from_db()
    return Told(contest, [e1, e2, e3, e4, e5, e6], member, other_member, manager, e1_tranches, e2_tranche)


@pytest.fixture
def told(settings, tmp_path) -> Told:
    settings.MEDIA_ROOT = tmp_path / "media"
    return tell()


def issue(capture, *, actor, kind: str, subject_id: int, **period) -> tuple[Statement, bytes]:
    with capture(execute=True):
        statement = statement_request(actor=actor, kind=kind, subject_id=subject_id, today=TODAY, **period)
    statement.refresh_from_db()
    assert statement.state == Statement.State.READY, statement.error
    with statement.file.open("rb") as f:
        return statement, f.read()


def by(rows: list[dict[str, str]], key: str) -> dict[str, dict[str, str]]:
    return {row[key]: row for row in rows}


def test_the_contest_report_states_entries_rankings_awards_and_the_joint_fund(told,
                                                                             django_capture_on_commit_callbacks):
    statement, data = issue(django_capture_on_commit_callbacks, actor=told.manager, kind="contest",
                            subject_id=told.contest.pk)
    assert statement.contest == told.contest and statement.enterprise is None and statement.period_start is None
    text = pdf.text(data)
    tables = pdf.attachment_tables(data)
    assert "크라우드펀딩 대회 결과 보고서" in text and "대구 소셜 크라우드펀딩 대회 2026" in text

    flow = {row["구분"]: row["건수"] for row in tables["단계별 참가 현황"]}
    assert (flow["신청 (작성 포함)"], flow["접수 (제출)"], flow["철회"],
            flow["작성 중 (미제출)"]) == ("6", "5", "1", "1")
    assert (flow["서류심사 탈락"], flow["서류심사 통과"], flow["본선 탈락"], flow["수상 선정"]) == ("1", "3", "1", "2")

    e1, e2, e3, e4 = (f"E{e.pk}" for e in told.entries[:4])
    screening = by(tables["서류심사 순위"], "참가작")
    assert [(screening[e]["순위"], screening[e]["서류 전문가단 점수"], screening[e]["진출"])
            for e in (e1, e2, e3, e4)] == [
        ("1", "85.0000", "진출"), ("2", "72.0000", "진출"), ("3", "63.0000", "진출"), ("4", "45.0000", "탈락")]
    assert set(by(tables["서류심사 순위"], "참가작")) == {e1, e2, e3, e4}  # neither the withdrawn nor the draft
    final = by(tables["본선 순위"], "참가작")
    assert [(final[e]["순위"], final[e]["본선 전문가단 점수"], final[e]["시민 심사단 점수"], final[e]["종합 점수"],
             final[e]["진출"]) for e in (e1, e2, e3)] == [
        ("1", "82.0000", "80.0000", "81.4000", "진출"), ("2", "87.0000", "65.0000", "80.4000", "진출"),
        ("3", "70.0000", "95.0000", "77.5000", "탈락")]
    assert final[e1]["본선 전문가단 반영 심사위원"] == "2" and final[e1]["시민 심사단 반영 심사위원"] == "2"
    panels = by(tables["본선 심사위원단"], "심사위원단")
    assert (panels["본선 전문가단"]["가중치 (%)"], panels["시민 심사단"]["가중치 (%)"]) == ("70.00", "30.00")
    assert "81.40" in text and "본선 심사위원단별 점수" in text  # the table and the chart's title

    awards = {row["참가작"]: row for row in tables["시상"]}
    first, second = awards["동네 빵집 나눔"], awards["마을 돌봄 식당"]
    assert (first["시상금"], first["지급"], first["미지급 유보"], first["정산 집행"], first["반환"],
            first["반환 대기"], first["선급금 잔액"]) == (
        "30000000", "20000000", "10000000", "18000000", "0", "2000000", "2000000")
    assert (second["시상금"], second["지급"], second["정산 집행"], second["반환"], second["반환 대기"],
            second["상태"]) == ("20000000", "20000000", "19000000", "1000000", "0", "정산 완료")
    assert len(tables["분할 지급 및 정산"]) == 3

    contributors = by(tables["공동기금 출연기관별"], "기관")
    assert (contributors["대구광역시"]["약정액"], contributors["대구광역시"]["납입액"],
            contributors["대구광역시"]["원장 출연금"]) == ("60000000", "60000000", "60000000")
    assert (contributors["대구은행"]["납입액"], contributors["대구은행"]["미납 약정"]) == ("30000000", "10000000")
    book = {row["계정"]: row["잔액"] for row in tables["공동기금 원장 잔액"]}
    assert (book["현금 (cash)"], book["시상금 유보 (award:*:reserved)"], book["시상금 선급금 (award:*:advance)"],
            book["시상금 집행 (expense:awards)"], book["출연금 합계 (contribution:*)"]) == (
        "41000000", "10000000", "2000000", "37000000", "90000000")
    assert {row["일치"] for row in tables["원장 대사"]} == {"일치"}
    assert "₩41,000,000" in text and "불일치" not in text
    assert statement.data_sha256 in text and statement.ledger_check["ok"] is True


def test_the_contest_report_is_for_staff_only(told, django_capture_on_commit_callbacks):
    _statement, data = issue(django_capture_on_commit_callbacks, actor=AuditorFactory(), kind="contest",
                             subject_id=told.contest.pk)
    assert "크라우드펀딩 대회 결과 보고서" in pdf.text(data)
    for outsider in (told.member, JudgeFactory()):
        with pytest.raises(NotFound):
            statement_request(actor=outsider, kind="contest", subject_id=told.contest.pk, today=TODAY)
    with pytest.raises(NotFound):
        statement_request(actor=told.manager, kind="contest", subject_id=987_654, today=TODAY)
    with pytest.raises(ValidationFailed) as refused:
        statement_request(actor=told.manager, kind="contest", subject_id=told.contest.pk, today=TODAY,
                          period_start=TODAY - timedelta(days=30), period_end=TODAY)
    assert "period_start" in refused.value.fields
    assert not statements_visible_to(told.member).filter(kind="contest").exists()
    assert statements_visible_to(told.manager).filter(kind="contest").count() == 1


def test_a_manager_gets_the_report_through_the_api_and_a_member_gets_404(told, bearer_client,
                                                                       django_capture_on_commit_callbacks):
    manager = bearer_client(told.manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(S, {"kind": "contest", "subject": told.contest.pk}, format="json")
    assert response.status_code == 202, response.content
    detail = manager.get(response["Location"]).json()
    assert (detail["state"], detail["kind"], detail["subject"], detail["contest"]) == (
        "ready", "contest", told.contest.pk, told.contest.pk)
    assert detail["filename"].startswith("대회결과보고서_daegu-report_")
    got = manager.get(detail["pdf_url"])
    assert got.status_code == 200 and got["Content-Type"] == "application/pdf"
    assert "크라우드펀딩 대회 결과 보고서" in pdf.text(got.content)

    member = bearer_client(told.member)
    refused = member.post(S, {"kind": "contest", "subject": told.contest.pk}, format="json")
    assert refused.status_code == 404 and "subject" in refused.json()["fields"]
    assert member.get(response["Location"]).status_code == 404
    assert member.get(detail["pdf_url"]).status_code == 404
    with_period = manager.post(S, {"kind": "contest", "subject": told.contest.pk, "period_start": "2026-01-01",
                                   "period_end": TODAY.isoformat()}, format="json")
    assert with_period.status_code == 400 and "period_start" in with_period.json()["fields"]
    assert Statement.objects.filter(kind="contest").count() == 1


def test_the_enterprise_statement_shows_its_entries_and_awards_beside_its_loans(told,
                                                                               django_capture_on_commit_callbacks):
    start = TODAY - timedelta(days=60)
    _statement, data = issue(django_capture_on_commit_callbacks, actor=told.member, kind="enterprise",
                             subject_id=told.entries[0].enterprise_id, period_start=start, period_end=TODAY)
    text = pdf.text(data)
    tables = pdf.attachment_tables(data)
    entries = tables["대회 참가"]
    assert [(row["참가작"], row["제목"], row["상태 (현재)"]) for row in entries] == [
        (f"E{told.entries[0].pk}", "동네 빵집 나눔", "수상 선정")]  # the other enterprises' are not its
    (award,) = tables["시상금"]
    assert (award["시상 구분"], award["순위"], award["시상금"], award["기간 중 지급"], award["지급 누계"],
            award["정산 집행"], award["반환"], award["반환 대기 (기말)"], award["미정산 선급금 (기말)"],
            award["원장 선급금 (기말)"]) == (
        "대상", "1", "30000000", "20000000", "20000000", "18000000", "0", "2000000", "2000000", "2000000")
    tranches = tables["시상금 분할 지급"]
    assert [(row["차수"], row["금액"], row["정산 집행"], row["미집행"]) for row in tranches] == [
        ("1", "20000000", "18000000", "2000000")]  # the second tranche is not paid yet
    assert "소셜 크라우드펀딩 대회" in text and "₩2,000,000" in text and "불일치" not in text


def test_the_enterprise_statement_of_the_enterprise_that_returned_its_unspent_money(
        told, django_capture_on_commit_callbacks):
    _statement, data = issue(django_capture_on_commit_callbacks, actor=told.other_member, kind="enterprise",
                             subject_id=told.entries[1].enterprise_id, period_start=TODAY - timedelta(days=60),
                             period_end=TODAY)
    (award,) = pdf.attachment_tables(data)["시상금"]
    assert (award["시상금"], award["지급 누계"], award["정산 집행"], award["반환"], award["반환 대기 (기말)"],
            award["미정산 선급금 (기말)"], award["원장 선급금 (기말)"], award["상태 (현재)"]) == (
        "20000000", "20000000", "19000000", "1000000", "0", "0", "0", "정산 완료")


def test_an_enterprise_statement_before_the_award_shows_no_award(told, django_capture_on_commit_callbacks):
    """A period that ended before the award was reserved states the entry but not the award."""
    end = TODAY - timedelta(days=1)
    _statement, data = issue(django_capture_on_commit_callbacks, actor=told.member, kind="enterprise",
                             subject_id=told.entries[0].enterprise_id, period_start=end - timedelta(days=30),
                             period_end=end)
    tables = pdf.attachment_tables(data)
    assert tables["시상금"] == [] and tables["시상금 분할 지급"] == []


# --- the funding phase (tests/statements/funding_world.py: the figures are worked out by hand there) ---


@pytest.fixture
def funded(settings, tmp_path):
    from . import funding_world

    settings.MEDIA_ROOT = tmp_path / "media"
    return funding_world.build()


def test_the_contest_report_gives_the_funding_results_and_the_pools_use(funded,
                                                                       django_capture_on_commit_callbacks):
    _statement, data = issue(django_capture_on_commit_callbacks, actor=AuditorFactory(), kind="contest",
                             subject_id=funded.contest.pk)
    text, tables = pdf.text(data), pdf.attachment_tables(data)
    results = {row["제목"]: (row["목표 금액"], row["후원 약정"], row["후원자"], row["매칭"], row["결제"], row["환불"],
                           row["지급액"], row["상태"]) for row in tables["펀딩 결과"]}
    assert results == {
        "동네 빵집 나눔": ("1000000", "650000", "2", "370000", "600000", "100000", "832500", "정산 완료"),
        "마을 돌봄 식당": ("500000", "200000", "1", "130000", "200000", "0", "315000", "정산 완료"),
    }
    pools = {(row["매칭 펀드"], row["출연기관"]): (row["입금"], row["매칭 사용"], row["반환"], row["남은 재원"])
             for row in tables["매칭 펀드 사용"]}
    assert pools == {
        ("매칭 펀드", "대구광역시"): ("600000", "150000", "450000", "0"),
        ("매칭 펀드", "대구은행"): ("400000", "100000", "300000", "0"),
        ("목표 채움 펀드", "대구광역시"): ("100000", "50000", "50000", "0"),
        ("이차 매칭 펀드", "대구신용보증재단"): ("200000", "200000", "0", "0"),
    }
    assert {row["반환 지급"] for row in tables["매칭 펀드 사용"]} == {"0"}  # returned, not yet paid back
    checks = tables["원장 대사"]
    assert {row["일치"] for row in checks} == {"일치"}
    assert any(row["항목"].startswith(f"캠페인 K{funded.a.pk} · 정산 지급액") for row in checks)
    assert "펀딩 결과" in text and "₩1,147,500" in text  # 832,500 + 315,000 paid out in all
    assert "불일치" not in text


def test_a_contest_report_without_campaigns_says_so(told, django_capture_on_commit_callbacks):
    _statement, data = issue(django_capture_on_commit_callbacks, actor=told.manager, kind="contest",
                             subject_id=told.contest.pk)
    assert pdf.attachment_tables(data)["펀딩 결과"] == [] and "펀딩 캠페인이 없습니다" in pdf.text(data)


def test_the_enterprise_statement_gives_its_campaigns_settlement(funded, django_capture_on_commit_callbacks):
    from datetime import date

    _statement, data = issue(django_capture_on_commit_callbacks, actor=funded.member_a, kind="enterprise",
                             subject_id=funded.a.enterprise_id, period_start=date(2026, 6, 1), period_end=TODAY)
    (row,) = pdf.attachment_tables(data)["캠페인 정산"]
    assert (row["캠페인"], row["정산일"], row["목표 달성"], row["결제"], row["환불"], row["수수료"], row["매칭"],
            row["지급액"], row["지급일"], row["미지급 (기말)"], row["원장 미지급 (기말)"]) == (
        f"K{funded.a.pk}", "2026-06-25", "예", "600000", "100000", "37500", "370000", "832500", "2026-06-26", "0",
        "0")
    text = pdf.text(data)
    assert "크라우드펀딩 캠페인 정산" in text and "₩832,500" in text and "불일치" not in text
    # A period that ends on the day of the settlement, before the payout: still owed, as the book says.
    _statement, data = issue(django_capture_on_commit_callbacks, actor=funded.member_a, kind="enterprise",
                             subject_id=funded.a.enterprise_id, period_start=date(2026, 6, 1),
                             period_end=date(2026, 6, 25))
    (row,) = pdf.attachment_tables(data)["캠페인 정산"]
    assert (row["지급일"], row["미지급 (기말)"], row["원장 미지급 (기말)"]) == ("", "832500", "832500")
    # Before it was settled: none.
    _statement, data = issue(django_capture_on_commit_callbacks, actor=funded.member_a, kind="enterprise",
                             subject_id=funded.a.enterprise_id, period_start=date(2026, 6, 1),
                             period_end=date(2026, 6, 24))
    assert pdf.attachment_tables(data)["캠페인 정산"] == []
    _statement, data = issue(django_capture_on_commit_callbacks, actor=funded.member_b, kind="enterprise",
                             subject_id=funded.b.enterprise_id, period_start=date(2026, 6, 1), period_end=TODAY)
    (row,) = pdf.attachment_tables(data)["캠페인 정산"]
    assert (row["지급액"], row["지급일"], row["미지급 (기말)"], row["원장 미지급 (기말)"]) == (
        "315000", "", "315000", "315000")
