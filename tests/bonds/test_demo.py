"""The bonds' demo (``bonds.demo``, loaded by ``load_demo``): the Seoul-style contract settled (10.3억 + 3.1억 for 39
of 74) and closed, its cash all distributed; the Gyeonggi-style contract in service with an interim result
confirmed; investor and evaluator users who see their own; the ledger and the audit trail verify; loading again
changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from bonds.demo import GYEONGGI_CODE, SEOUL_CODE
from bonds.models import Contract, OutcomePayment, Result
from bonds.selectors import contract_position, contracts_visible_to, investments_visible_to, investor_figures
from core.audit import audit_seal, audit_verify
from enterprises.models import User
from ledger.models import Journal

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with override_settings(DEMO_EXTENSIONS=["bonds.demo.load"]):
        call_command("load_demo", password="pw-demo-1", stdout=StringIO())
    return Contract.objects.get(code=SEOUL_CODE), Contract.objects.get(code=GYEONGGI_CODE)


def test_the_seoul_contract_paid_10_3_plus_3_1_eok_for_39_of_74_and_distributed_it_all(demo):
    seoul, _gyeonggi = demo
    assert seoul.state == "closed" and seoul.settled_on is not None
    payment = OutcomePayment.objects.get(contract=seoul, final=True)
    assert payment.amount.amount == 1_030_000_000 + 310_000_000
    assert payment.prepared_by.username == "manager.kim" and payment.approved_by.username == "manager.lee"
    final = Result.objects.filter(metric__contract=seoul, point__kind="final")
    assert {(r.engaged, r.with_outcome, r.state) for r in final} == {(74, 39, "confirmed")}
    assert {r.confirmed_by.institution.name for r in final} == {"성균관대학교 산학협력단"}
    assert all(r.recorded_by_id != r.confirmed_by_id for r in Result.objects.all())
    position = contract_position(seoul)
    assert position.reconciled
    assert (position.paid_in, position.disbursed, position.outcome_paid, position.distributed, position.cash) == (
        1_110_000_000, 1_110_000_000, 1_340_000_000, 1_340_000_000, 0)
    figures = [investor_figures(inv) for inv in seoul.investments.order_by("position")]
    assert [f.paid_in for f in figures] == [500_000_000, 360_000_000, 250_000_000]
    assert sum(f.distributed for f in figures) == 1_340_000_000
    assert all(f.irr is not None and f.irr > 0 for f in figures)


def test_the_gyeonggi_contract_is_in_service_with_an_interim_result_confirmed(demo):
    _seoul, gyeonggi = demo
    assert gyeonggi.state == "in_service"
    assert gyeonggi.committed.amount == 1_550_000_000 and gyeonggi.paid_in.amount == 1_000_000_000
    result = Result.objects.get(metric__contract=gyeonggi)
    assert (result.point.kind, result.state, result.engaged, result.with_outcome) == ("interim", "confirmed", 480, 62)
    assert contract_position(gyeonggi).reconciled


def test_each_investor_and_evaluator_sees_its_own(demo):
    seoul, gyeonggi = demo
    kim = User.objects.get(username="invest.kim")
    assert set(contracts_visible_to(kim)) == {seoul, gyeonggi}
    assert {inv.investor_id for inv in investments_visible_to(kim)} == {kim.institution_id}
    assert list(contracts_visible_to(User.objects.get(username="evaluator.song"))) == [seoul]
    assert list(contracts_visible_to(User.objects.get(username="evaluator.jung"))) == [gyeonggi]
    assert list(contracts_visible_to(User.objects.get(username="haebom.member"))) == [gyeonggi]
    assert User.objects.get(username="invest.park").check_password("pw-demo-1")


def test_the_ledger_and_the_audit_trail_verify_and_loading_again_changes_nothing(demo):
    out = StringIO()
    call_command("ledger_verify", stdout=out)
    assert "every account agrees" in out.getvalue()
    audit_seal()
    assert audit_verify().ok
    journals = Journal.objects.count()
    out = StringIO()
    with override_settings(DEMO_EXTENSIONS=["bonds.demo.load"]):
        call_command("load_demo", password="pw-demo-1", stdout=out)
    assert Journal.objects.count() == journals
    assert f"already there: {SEOUL_CODE}" in out.getvalue()


def test_the_demos_people_have_their_bond_statements(demo, bearer_client, django_capture_on_commit_callbacks,
                                                      settings, tmp_path):
    from tests.statements import pdf

    settings.MEDIA_ROOT = tmp_path / "statements"
    seoul, _gyeonggi = demo
    investor = bearer_client(User.objects.get(username="invest.kim"))
    member = bearer_client(User.objects.get(username="jaram.member"))
    mine = seoul.investments.get(investor__name="(주)새싹임팩트투자")
    for client, kind, subject, title in ((investor, "bond_investor", mine.pk, "사회성과보상사업 투자 명세서"),
                                         (member, "bond_contract", seoul.pk, "사회성과보상사업 명세서")):
        with django_capture_on_commit_callbacks(execute=True):
            made = client.post("/api/v1/statements/", {"kind": kind, "subject": subject}, format="json")
        assert made.status_code == 202, made.content
        detail = client.get(made["Location"]).json()
        assert detail["state"] == "ready", detail
        data = client.get(detail["pdf_url"]).content
        text = pdf.text(data)
        assert title in text and "불일치" not in text
    # The contract statement: 13.4억 received for 39 of 74, all distributed.
    assert "₩1,340,000,000" in text and "52.70%" in text
    assert member.post("/api/v1/statements/", {"kind": "bond_investor", "subject": mine.pk},
                       format="json").status_code == 404
