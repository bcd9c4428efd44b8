"""The social impact bonds' statements, asked for through the service (and the API), rendered by the (eager) task
into real PDFs and read back (the printed text, the CSV attached inside): the contract statement (사회성과보상사업
명세서) after a contract's whole life (``tests.bonds.factories.whole_life``: 11.1억 paid in and disbursed, an
interim payment of 30 % of 11.85억 = 3.555억 and a final one of 13.4억 - 3.555억, all distributed), the investor
statement (its calls, distributions, multiple and IRR), the provider's enterprise statement with the funding it
received, and who may have each."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from bonds.selectors import investor_figures
from core.errors import NotFound, ValidationFailed
from statements.models import Statement
from statements.services import statement_request, statements_visible_to
from tests.bonds.factories import make_world, whole_life
from tests.factories import AuditorFactory, ManagerFactory, MembershipFactory

from . import pdf

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
S = "/api/v1/statements/"


@pytest.fixture
def world():
    world = make_world(interim_percent=30)
    whole_life(world)
    return world


def issue(capture: Any, *, actor: Any, kind: str, subject_id: int, **period: Any) -> tuple[Statement, bytes]:
    with capture(execute=True):
        statement = statement_request(actor=actor, kind=kind, subject_id=subject_id, today=TODAY, **period)
    statement.refresh_from_db()
    assert statement.state == Statement.State.READY, statement.error
    with statement.file.open("rb") as f:
        return statement, f.read()


def facts(table: list[dict[str, str]]) -> dict[str, str]:
    return {row["항목"]: row["값"] for row in table}


def test_the_contract_statement_states_the_whole_life_and_agrees_with_the_book(world,
                                                                              django_capture_on_commit_callbacks):
    statement, data = issue(django_capture_on_commit_callbacks, actor=ManagerFactory(), kind="bond_contract",
                            subject_id=world.contract.pk)
    assert statement.bond_contract == world.contract and statement.enterprise == world.provider
    text, tables = pdf.text(data), pdf.attachment_tables(data)
    contract = facts(tables["협약"])
    assert (contract["상태"], contract["납입액"], contract["사업비 지급액"], contract["성과보상금 수령액"],
            contract["배분액"], contract["현금"]) == ("종료", "1110000000", "1110000000", "1340000000", "1340000000",
                                                   "0")
    assert [row["투자자"] for row in tables["투자자"]] == [inv.name for inv in world.investors]
    assert [row["납입액"] for row in tables["투자자"]] == ["500000000", "360000000", "250000000"]
    assert sum(int(row["배분액"]) for row in tables["투자자"]) == 1_340_000_000
    # Two calls of three lines, two disbursements, two metrics at two points, two payments, two distributions.
    assert len(tables["출자 요청"]) == 6 and all(row["납입일"] for row in tables["출자 요청"])
    assert [row["금액"] for row in tables["사업비 지급"]] == ["550000000", "560000000"]
    final = {row["지표"]: row for row in tables["성과 측정 결과"] if row["구분"] == "최종"}
    assert (final["improved"]["참여자"], final["improved"]["성과 달성자"], final["improved"]["달성률"]) == (
        "74", "39", "52.70%")
    assert final["beyond-target"]["검증 단위"] == "8"
    assert [row["지급액"] for row in tables["성과보상금"]] == ["355500000", str(1_340_000_000 - 355_500_000)]
    assert sum(int(row["금액"]) for row in tables["배분"]) == 1_340_000_000
    assert {row["일치"] for row in tables["원장 대사"]} == {"일치"}
    assert "성과보상 기준표 (구간별; 42% → 100%" in {row["지표"]: row["지급 기준"]
                                                for row in tables["성과지표"]}["improved"]
    assert "사회성과보상사업 명세서" in text and "₩1,340,000,000" in text and "불일치" not in text
    assert "성과 달성률과 지급률" in text  # the chart's title, text in the SVG
    assert statement.ledger_check["ok"] is True


def test_the_investor_statement_shows_its_own_calls_distributions_multiple_and_irr(
        world, django_capture_on_commit_callbacks):
    investment = world.investments[0]
    statement, data = issue(django_capture_on_commit_callbacks, actor=world.investor_users[0], kind="bond_investor",
                            subject_id=investment.pk)
    assert statement.bond_investment == investment and statement.bond_contract == world.contract
    text, tables = pdf.text(data), pdf.attachment_tables(data)
    figures = investor_figures(investment)
    mine = facts(tables["투자"])
    assert (mine["투자자"], mine["납입액"], mine["배분액"]) == (world.investors[0].name, "500000000",
                                                          str(figures.distributed))
    assert mine["회수 배수"] == f"{figures.multiple:.4f}배"
    assert figures.irr is not None and mine["IRR"] == f"{figures.irr * 100:.2f}%"
    assert sum(int(row["금액"]) for row in tables["출자 요청"]) == 500_000_000
    assert len(tables["배분"]) == 2 and len(tables["현금흐름"]) == 4
    assert sum(Decimal(row["금액"]) for row in tables["현금흐름"]) == figures.distributed - figures.paid_in
    assert {row["일치"] for row in tables["원장 대사"]} == {"일치"}
    assert "사회성과보상사업 투자 명세서" in text and world.investors[1].name not in text


def test_the_providers_enterprise_statement_shows_the_service_funding_it_received(
        world, django_capture_on_commit_callbacks):
    _statement, data = issue(django_capture_on_commit_callbacks, actor=AuditorFactory(), kind="enterprise",
                             subject_id=world.provider.pk, period_start=TODAY - timedelta(days=65),
                             period_end=TODAY)
    text, tables = pdf.text(data), pdf.attachment_tables(data)
    [row] = tables["사회성과보상사업 사업비"]
    # d1 (550,000,000) 64 days ago and d2 (560,000,000) 60 days ago, both in the period.
    assert (row["협약"], row["기초 누계"], row["기간 중 지급"], row["기말 누계"], row["원장 기말 누계"]) == (
        world.contract.code, "0", "1110000000", "1110000000", "1110000000")
    assert [r["금액"] for r in tables["사회성과보상사업 사업비 지급 내역"]] == ["550000000", "560000000"]
    assert "사회성과보상사업 사업비" in text and "불일치" not in text
    # A later period: both before it.
    _statement, data = issue(django_capture_on_commit_callbacks, actor=AuditorFactory(), kind="enterprise",
                             subject_id=world.provider.pk, period_start=TODAY - timedelta(days=30), period_end=TODAY)
    [row] = pdf.attachment_tables(data)["사회성과보상사업 사업비"]
    assert (row["기초 누계"], row["기간 중 지급"], row["기말 누계"]) == ("1110000000", "0", "1110000000")


def test_who_may_have_the_bond_statements(world):
    member = MembershipFactory(enterprise=world.provider).user
    other = make_world(code="other-sib")
    outsiders = [world.investor_users[0], world.evaluators[0], other.investor_users[0],
                 MembershipFactory().user, other.evaluators[0]]
    for outsider in outsiders:
        with pytest.raises(NotFound):
            statement_request(actor=outsider, kind="bond_contract", subject_id=world.contract.pk, today=TODAY)
    contract = statement_request(actor=member, kind="bond_contract", subject_id=world.contract.pk, today=TODAY)
    for outsider in (world.investor_users[1], other.investor_users[0], member, world.evaluators[0]):
        with pytest.raises(NotFound):
            statement_request(actor=outsider, kind="bond_investor", subject_id=world.investments[0].pk, today=TODAY)
    own = statement_request(actor=world.investor_users[0], kind="bond_investor",
                            subject_id=world.investments[0].pk, today=TODAY)
    staff = statement_request(actor=AuditorFactory(), kind="bond_investor", subject_id=world.investments[2].pk,
                              today=TODAY)
    with pytest.raises(ValidationFailed):
        statement_request(actor=ManagerFactory(), kind="bond_contract", subject_id=world.contract.pk, today=TODAY,
                          period_start=TODAY, period_end=TODAY)
    assert set(statements_visible_to(member)) == {contract}
    assert set(statements_visible_to(world.investor_users[0])) == {own}
    assert set(statements_visible_to(world.investor_users[1])) == set()
    assert set(statements_visible_to(AuditorFactory())) == {contract, own, staff}


def test_an_investor_asks_for_its_statement_through_the_api(world, bearer_client,
                                                           django_capture_on_commit_callbacks):
    investor = bearer_client(world.investor_users[0])
    with django_capture_on_commit_callbacks(execute=True):
        made = investor.post(S, {"kind": "bond_investor", "subject": world.investments[0].pk}, format="json")
    assert made.status_code == 202, made.content
    assert made.json()["bond_investment"] == world.investments[0].pk
    assert investor.post(S, {"kind": "bond_investor", "subject": world.investments[1].pk},
                         format="json").status_code == 404
    assert investor.post(S, {"kind": "bond_contract", "subject": world.contract.pk}, format="json").status_code == 404
    listed = investor.get(S).json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [row["subject"] for row in rows] == [world.investments[0].pk]
    pdf_url = investor.get(f"{S}{made.json()['id']}/").json()["pdf_url"]
    assert pdf_url and investor.get(pdf_url).status_code == 200
