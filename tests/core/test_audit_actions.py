"""Audit actions are declared once per app (``<app>/actions.py``), and every declared action is really written, with
its actor: the demo writes most of them; the scenario after it writes, by name, the ones the demo does not."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from core import actions as core_actions
from core.audit import AuditAction, AuditActions, audit_actions, audit_record, audit_seal, audit_verify
from core.models import AuditEvent
from crowdfunding import actions as crowdfunding_actions
from enterprises import actions as enterprise_actions
from enterprises.models import Membership, User
from enterprises.services import enterprise_update, membership_grant, verification_request
from funds import actions as fund_actions
from funds import services
from funds.models import LoanApplication
from guarantees import actions as guarantee_actions
from guarantees import services as guarantee_services
from guarantees.models import Guarantee, GuaranteeApplication
from ledger.verification import ledger_verification
from statements import actions as statement_actions
from statements.services import statement_request
from tests.audit_actions import action_for_tests
from tests.factories import ManagerFactory
from tests.funds.factories import make_fund, make_loan, make_product, member_of
from tests.guarantees.factories import program_data
from web import actions as web_actions

pytestmark = pytest.mark.django_db

# What ``load_demo`` does not do, and the scenario below does (each by its own service, with its actor).
NOT_IN_THE_DEMO = {
    enterprise_actions.ENTERPRISE_UPDATE,
    enterprise_actions.MEMBERSHIP_UPDATE,
    fund_actions.APPLICATION_UPDATE,
    fund_actions.APPLICATION_WITHDRAW,
    fund_actions.APPLICATION_REJECT,
    fund_actions.LOAN_WRITE_OFF_REJECT,
    statement_actions.STATEMENT_REQUEST,
    core_actions.VERIFICATION_REQUEST,
    core_actions.VERIFICATION_FINISH,
    web_actions.TABLE_EXPORT,
    guarantee_actions.APPLICATION_WITHDRAW,
    guarantee_actions.APPLICATION_REJECT,
    guarantee_actions.GUARANTEE_CANCEL,
    # The funding phase's acts that no demo day reaches: a citizen's own sign-up (the demo's backers are made
    # verified), a draft campaign's edits, a pool changed, the provider's webhook, a quadratic pool shared out and
    # settled, the payout account, the bank file and a payout, a pool's return paid back to its funder.
    enterprise_actions.BACKER_SIGNUP,
    enterprise_actions.BACKER_EMAIL_VERIFY,
    enterprise_actions.BACKER_VERIFICATION_RESEND,
    crowdfunding_actions.CAMPAIGN_UPDATE,
    crowdfunding_actions.REWARD_UPDATE,
    crowdfunding_actions.REWARD_DELETE,
    crowdfunding_actions.POOL_UPDATE,
    crowdfunding_actions.PLEDGE_WEBHOOK,
    crowdfunding_actions.POOL_QUADRATIC,
    crowdfunding_actions.POOL_SETTLE,
    crowdfunding_actions.PAYOUT_ACCOUNT,
    crowdfunding_actions.PAYOUT_FILE,
    crowdfunding_actions.PAYOUT_RECORD,
    crowdfunding_actions.POOL_RETURN_PAYOUT,
}



def declared() -> set[AuditAction]:
    """The actions the apps declare (the tests' own, under "tests.", left out)."""
    labels = {config.label for config in apps.get_app_configs()}
    return {action for action in audit_actions().values() if action.namespace in labels}


def written() -> set[str]:
    return set(AuditEvent.objects.values_list("action", flat=True))


def funding_phase_acts(today: date, *, kim: User, auditor: User) -> None:
    """The funding phase's actions the demo does not write, through the services."""
    from crowdfunding import services as cf
    from crowdfunding.gateway import Payment, PaymentStatus, WebhookEvent
    from crowdfunding.models import Campaign, CampaignSettlement, MatchingPool, Pledge
    from crowdfunding.services.campaign_settlement import (
        campaign_settle,
        payout_account_set,
        payout_file,
        payout_record,
        pool_return_pay,
        pool_settle,
    )
    from enterprises.backers import backer_resend_verification, backer_signup, backer_verify_email, verification_token
    from tests.crowdfunding.campaign_factories import CampaignFactory, campaign, pool
    from tests.crowdfunding.settlement_world import charged, close

    now = timezone.now()
    citizen = backer_signup(email="audit.citizen@example.com", password="a-Long-pass-2026", display_name="감사 시민",
                            as_of=now)
    backer_resend_verification(user=citizen, as_of=now)
    backer_verify_email(token=verification_token(citizen, as_of=now), as_of=now)

    draft = Campaign.objects.get(state=Campaign.State.DRAFT)
    owner = User.objects.filter(memberships__enterprise=draft.enterprise_id).first()
    cf.campaign_update(campaign_id=draft.pk, actor=owner, on_date=today, title=f"{draft.title} (수정)")
    draft.entry.campaign_type = "reward"  # a reward campaign, whatever the demo drew for it
    draft.entry.save(update_fields=["campaign_type"])
    reward = cf.reward_create(campaign_id=draft.pk, actor=owner, on_date=today, title="감사 엽서", price=10_000)
    cf.reward_update(reward_id=reward.pk, actor=owner, on_date=today, price=12_000)
    cf.reward_delete(reward_id=reward.pk, actor=owner, on_date=today)
    demo_quadratic = MatchingPool.objects.get(rule="quadratic")
    cf.pool_update(pool_id=demo_quadratic.pk, actor=kim, name=f"{demo_quadratic.name} (수정)")

    # The provider cancels a keep-it-all pledge on its side (a card company's chargeback): its webhook refunds it.
    paid = Pledge.objects.filter(campaign__mode="kia", state=Pledge.State.CHARGED).first()
    assert paid is not None
    cf.payment_webhook_apply(on_date=today, event=WebhookEvent(
        event_id="audit-chargeback", event_type="PAYMENT_STATUS_CHANGED", created_at=now, billing_key=None, data={},
        payment=Payment(payment_key=paid.payment_key, order_id=paid.order_id, status=PaymentStatus.CANCELED,
                        total_amount=paid.amount.amount, balance_amount=Decimal(0), approved_at=now,
                        card_number=paid.card_masked, billing_key=None, cancellations=(), failure_code=None,
                        failure_message=None)))

    # A contest of last spring (its funding phase over): two keep-it-all campaigns, a quadratic pool shared out
    # among them and settled, one payout account set, the bank file downloaded, one payout recorded.
    first = CampaignFactory(mode="kia", target=100_000)
    second = campaign(first.contest, mode="kia", target=100_000)
    shared = pool(first.contest, funders=(90_000,), rule="quadratic", name="감사 이차 매칭")
    for made in (first, second):
        charged(made, 40_000)
        charged(made, 10_000)
        close(made, Campaign.State.SUCCEEDED)
    cf.pool_allocate_quadratic(pool_id=shared.pk, on_date=today)
    for made in (first, second):
        campaign_settle(campaign_id=made.pk, on_date=today)
    pool_settle(pool_id=shared.pk, on_date=today)
    payout_account_set(enterprise_id=first.enterprise_id, actor=kim, bank="088", account_number="110-123-456789",
                       holder=first.enterprise.name)
    payout_file(contest_id=first.contest_id, kind="csv", actor=auditor)
    payout_record(settlement_id=CampaignSettlement.objects.get(campaign=first).pk, paid_on=today, actor=kim,
                  idempotency_key="audit-payout", on_date=today)
    # A pledge-matching pool of the same contest that drew nothing: settled by a manager by hand, its money paid
    # back to its funder.
    spare = pool(first.contest, funders=(50_000,), name="감사 잔액 반환")
    (given_back,) = pool_settle(pool_id=spare.pk, on_date=today, actor=kim)
    pool_return_pay(return_id=given_back.pk, paid_on=today, actor=kim, idempotency_key="audit-return",
                    on_date=today)


def the_rest_of_the_actions(today: date) -> None:
    """Write, through the services, each action of NOT_IN_THE_DEMO, on the demo's data."""
    kim, lee = User.objects.get(username="manager.kim"), User.objects.get(username="manager.lee")
    admin = User.objects.get(username="admin")
    coop = User.objects.get(username="coop.member")
    village = User.objects.get(username="village.member")

    enterprise = coop.memberships.get().enterprise
    enterprise_update(actor=kim, enterprise_id=enterprise.pk, data={"phone": "02-2286-0000"}, reason="대표번호 변경")
    bookkeeper = member_of(enterprise)
    membership_grant(actor=admin, user=bookkeeper, enterprise=enterprise, role=Membership.Role.BOOKKEEPER)

    draft = LoanApplication.objects.get(state=LoanApplication.State.DRAFT)
    services.application_update(actor=coop, application_id=draft.pk, data={"purpose": "추석 성수기 원두 구매"})
    services.application_withdraw(actor=coop, application_id=draft.pk, reason="자체 자금으로 충당")
    submitted = LoanApplication.objects.get(state=LoanApplication.State.SUBMITTED, created_by=village)
    services.application_review(actor=kim, application_id=submitted.pk, recommend=True, reason="검토 완료")
    services.application_reject(actor=lee, application_id=submitted.pk, reason="기존 대출 상환 후 재신청")

    # A loan in 추정손실 of another fund (the demo's is written off already): a month's bullet loan, 14 months old,
    # brought up to the demo's last closed day when it is disbursed.
    fund = make_fund(code="audit-bad-debts", exposure_limit=200_000_000)
    bullet = make_product(fund, method="bullet", grace_months=0, term_months=1, annual_rate=Decimal("0.03650"),
                          day_count="actual_365", rounding_unit=1, approval_tiers=[])
    doomed = make_loan(bullet, member=member_of(), amount=1_000_000, disbursed_on=today - timedelta(days=426))
    write_off = services.write_off_request(actor=kim, loan_id=doomed.pk, reason="폐업으로 상환능력 상실")
    services.write_off_reject(actor=lee, write_off_id=write_off.pk, reason="담보 처분 후 재상정")

    auditor = User.objects.get(username="auditor.park")
    statement_request(actor=auditor, kind="fund", subject_id=fund.pk, period_start=today - timedelta(days=30),
                      period_end=today - timedelta(days=1), today=today)

    # An auditor asks for the ledger's check; the worker runs it (here: its task's work, called directly, since the
    # test's transaction never commits to hand it over).
    run = verification_request(actor=auditor, kind="ledger")
    assert ledger_verification(run_id=run.pk).run.state == "passed"

    # A special guarantee program, opened by a manager, and the county's contribution to it.
    program = guarantee_services.program_create(actor=kim, today=today, **program_data())
    guarantee_services.contribution_record(actor=kim, program_id=program.pk, source="city", amount=1_000_000_000,
                                           received_on=today, idempotency_key="audit-county", today=today)
    # The demo's Daegu guarantees: the travel agency's submitted application rejected by a second manager after the
    # first recommended it; a new one of the bakery withdrawn; the bakery's approved guarantee cancelled (the bank
    # never lent).
    travel = User.objects.get(username="travel.member")
    submitted = GuaranteeApplication.objects.get(state="submitted", created_by=travel)
    guarantee_services.application_recommend(actor=kim, application_id=submitted.pk, recommend=True, reason="검토")
    guarantee_services.application_reject(actor=lee, application_id=submitted.pk, reason="구상채권 미정리")
    approved = Guarantee.objects.get(state="approved")
    guarantee_services.guarantee_cancel(actor=lee, guarantee_id=approved.pk, reason="은행 대출 미실행", today=today)
    bakery = User.objects.get(username="bakery.member")
    draft = guarantee_services.application_create(
        actor=bakery, today=today, program_id=approved.program_id, enterprise_id=approved.enterprise_id,
        bank_id=approved.bank_id, amount=3_000_000, term_months=12, repayment_method="bullet")
    guarantee_services.application_withdraw(actor=bakery, application_id=draft.pk, reason="자체 자금으로 충당")

    funding_phase_acts(today, kim=kim, auditor=auditor)

    # A social impact bond's whole life (tests/bonds/factories.py), by its own managers, evaluators and investors.
    from tests.bonds.factories import make_world, whole_life

    whole_life(make_world(interim_percent=30, code="audit-sib"))

    # The auditor downloads a table of the pages (recorded as statement downloads are).
    client = Client()
    client.force_login(auditor)
    assert client.get("/console/loans/?_export=csv").status_code == 200


def test_every_declared_action_is_written_with_its_actor_by_the_demo_or_the_scenario_after_it(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("load_demo", password="pw-demo-1", stdout=StringIO())
    everything = {action.name for action in declared()}
    # The demo writes exactly the rest: an action it starts writing comes off the list above.
    assert written() & everything == everything - {action.name for action in NOT_IN_THE_DEMO}

    the_rest_of_the_actions(timezone.localdate())

    assert written() & everything == everything
    for action in declared():
        events = AuditEvent.objects.filter(action=action.name)
        if not action.by_system:
            assert not events.filter(actor=None).exists(), f"{action} written without its user"
            assert events.exclude(actor_label="system").count() == events.count()
    assert written() <= everything, "an event whose action is not declared"
    audit_seal()
    assert audit_verify().ok


def test_each_app_declares_its_actions_under_its_own_label():
    by_namespace: dict[str, set[str]] = {}
    for action in declared():
        by_namespace.setdefault(action.namespace, set()).add(action.name)
    assert set(by_namespace) == {"bonds", "core", "crowdfunding", "enterprises", "funds", "guarantees", "statements",
                                 "web"}
    assert fund_actions.APPLICATION_SUBMIT.name == "funds.application.submit"
    assert fund_actions.BUSINESS_DAY_CLOSE.by_system and not fund_actions.LOAN_REPAYMENT.by_system
    assert "enterprises.membership.grant" in by_namespace["enterprises"]


def test_an_action_nobody_declared_is_refused_and_nothing_is_written():
    with pytest.raises(LookupError, match=r"funds\.loan\.payment"):
        audit_record(actor=None, action="funds.loan.payment")  # type: ignore[arg-type]
    with pytest.raises(LookupError, match="not declared"):
        audit_record(actor=None, action=AuditAction("funds.loan.payment", by_system=True))
    # A look-alike of a declared action that differs in who may write it is not the declared one.
    with pytest.raises(LookupError):
        audit_record(actor=None, action=AuditAction(fund_actions.LOAN_REPAYMENT.name, by_system=True))
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("actor", [None, AnonymousUser()], ids=["none", "anonymous"])
def test_a_users_action_without_a_signed_in_user_is_refused(actor):
    with pytest.raises(ValueError, match=r"funds\.loan\.repayment"):
        audit_record(actor=actor, action=fund_actions.LOAN_REPAYMENT)
    assert not AuditEvent.objects.exists()


def test_a_system_action_is_written_with_or_without_a_user():
    manager = ManagerFactory()
    by_beat = audit_record(actor=None, action=fund_actions.BUSINESS_DAY_CLOSE)
    by_hand = audit_record(actor=manager, action=fund_actions.BUSINESS_DAY_CLOSE)
    assert (by_beat.action, by_beat.actor_label) == ("funds.business_day.close", "system")
    assert (by_hand.actor, by_hand.actor_label) == (manager, manager.username)


def test_declaring_a_name_twice_differently_or_a_malformed_name_is_refused():
    ours = AuditActions("tests")
    assert ours.system("twice") is ours.system("twice")  # the same declaration again is the same action
    assert action_for_tests("twice") is ours.system("twice")
    with pytest.raises(ValueError, match="declared twice"):
        ours.user("twice")
    for bad in ("", "Loan.Repayment", "loan..repayment", "loan repayment", ".loan"):
        with pytest.raises(ValueError):
            ours.user(bad)
    with pytest.raises(ValueError):
        AuditActions("two.words")


def test_events_written_under_the_old_undeclared_names_still_verify():
    """Events stored before the registry keep their names (the chain hashes what is stored)."""
    AuditEvent.objects.create(occurred_at=timezone.now(), actor_label="system", action="loan.repayment")
    audit_record(actor=None, action=fund_actions.BUSINESS_DAY_CLOSE)
    audit_seal()
    assert list(AuditEvent.objects.order_by("seq").values_list("action", flat=True)) == [
        "loan.repayment", "funds.business_day.close"
    ]
    assert audit_verify().ok

