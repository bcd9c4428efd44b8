"""Every page of ``web/`` opened by every kind of person, and the status each must get, read from the page's own
declaration (its area and its access table's action), as tests/api/test_roles_matrix.py does for the API:

- signed out: the login page (302), except the public pages;
- signed in, a role the page's table or area refuses: 403 (the console is for staff, the portal for members);
- allowed, an object that is not the user's to see (another enterprise's): 404, like one that does not exist;
- allowed and the user's: 200.

A new page is in the matrix as soon as it has a URL: ``OBJECTS`` must name what its ``pk`` is (a test fails
otherwise), so nobody adds a page without saying who may open it."""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern

from statements.access import ACCESS as STATEMENTS
from tests.api.funds.world import FundsWorld
from tests.factories import AuditorFactory, BackerFactory, BankOfficerFactory, ManagerFactory, UserFactory
from tests.funds.factories import member_of
from tests.guarantees.factories import contribute, make_guarantee, make_program
from web import urls as web_urls
from web.common.access import ACCESS as AREAS
from web.common.pages import AREA_ACTION, Page

pytestmark = pytest.mark.django_db

# The backers' own pages: sign-up, "check your email", and the link's landing page (a made-up token: 400).
PUBLIC = {"landing": 200, "login": 200, "signup": 200, "signup-sent": 200, "verify-email": 400,
          # the public campaign pages: contests in their funding phase, a contest's campaigns, a campaign
          "public-contests": 200, "public-contest": 200, "campaign": 200}
PUBLIC_CAMPAIGN_PAGES = {"public-contests", "public-contest", "campaign"}
# Pledging: backers only (a visitor is sent to the login, other roles 403); the way back from the payment page
# without its signed order is refused (400).
PLEDGING = {"campaign-pledge": 200, "campaign-pledge-return": 400}
# A backer's own pledges: the world's pledge is another backer's, so the matrix's backer gets 404.
OTHER_BACKERS = {"my-pledge", "my-pledge-cancel"}
POST_ONLY = {"logout", "statement-request", "verify-email-resend"}  # a GET is 405 (or the login page when signed out)
# What the <pk> of each page is, in the world of tests.api.funds.world (the member's own objects).
OBJECTS: dict[str, str] = {
    "loan": "own_loan", "loan-schedule": "own_loan", "loan-transactions": "own_loan", "loan-repay": "own_loan",
    "loan-disburse": "own_approved_loan", "loan-write-off": "own_loan", "loan-recover": "own_loan",
    "repayment-reverse": "own_repayment",
    "my-loan": "own_loan", "my-loan-schedule": "own_loan", "my-loan-transactions": "own_loan",
    "my-loan-repay": "own_loan",
    "my-application": "own_draft", "my-application-edit": "own_draft", "my-application-submit": "own_draft",
    "my-application-withdraw": "own_draft",
    "statement-download": "own_statement",
    "fund": "fund", "fund-journal": "fund", "application": "own_submitted", "application-review": "own_submitted",
    "application-approve": "own_recommended", "application-reject": "own_recommended",
    "write-off-approve": "pending_write_off", "write-off-reject": "pending_write_off",
    # special guarantees
    "guarantee-program": "program",
    # special guarantees: the bank desk (World.bank's officer; another bank's officer gets 404)
    "bank-guarantee": "own_guarantee", "bank-guarantee-execute": "own_approved_guarantee",
    "bank-guarantee-report": "own_guarantee", "bank-guarantee-repay": "own_guarantee",
    "bank-guarantee-default": "own_guarantee", "bank-guarantee-claim": "own_defaulted_guarantee",
    "bank-subsidy-run": "bank_subsidy_run", "bank-subsidy-run-file": "bank_subsidy_run",
    # special guarantees: the enterprise portal (the member's enterprise's; another enterprise's member gets 404)
    "my-guarantee": "own_guarantee", "my-guarantee-fee-pay": "own_fee_bill",
    "my-guarantee-application": "own_guarantee_draft", "my-guarantee-application-submit": "own_guarantee_draft",
    "my-guarantee-application-withdraw": "own_guarantee_draft",
    # special guarantees in the console: applications, guarantees, subsidy runs, claims
    "guarantee-application": "own_guarantee_application",
    "guarantee-application-recommend": "own_guarantee_application",
    "guarantee-application-approve": "own_recommended_guarantee_application",
    "guarantee-application-reject": "own_recommended_guarantee_application",
    "guarantee": "own_guarantee", "guarantee-cancel": "own_approved_guarantee",
    "subsidy-run": "prepared_subsidy_run", "subsidy-run-approve": "prepared_subsidy_run",
    "subsidy-run-payment-file": "prepared_subsidy_run",
    "guarantee-claim": "own_claim", "guarantee-claim-prepare": "own_claim", "guarantee-claim-approve": "own_claim",
    "guarantee-claim-reject": "own_claim", "guarantee-claim-recover": "own_claim",
    "guarantee-claim-write-off": "own_claim", "guarantee-claim-write-off-approve": "own_claim",
    # contests: the console (staff only) and the judges' desk (judges only)
    "contest": "cw_contest", "contest-advance": "cw_contest", "contest-partner-add": "cw_contest",
    "contest-contribution": "cw_contest", "contest-award-table": "cw_contest", "contest-round-setup": "cw_contest",
    "contest-entry": "cw_entry", "contest-award-prepare": "cw_selected",
    "contest-round": "cw_round", "contest-round-judges": "cw_round", "contest-round-open": "cw_round",
    "contest-round-close": "cw_round", "contest-round-ranking": "cw_round", "contest-advance-prepare": "cw_round",
    "contest-advance-list": "cw_list", "contest-advance-confirm": "cw_list", "contest-advance-cancel": "cw_list",
    "contest-award": "cw_award", "contest-award-approve": "cw_award", "contest-award-cancel": "cw_award",
    "contest-tranche-pay": "cw_tranche", "contest-tranche-settle": "cw_tranche", "contest-tranche-return": "cw_tranche",
    "contest-spending-evidence": "cw_item",
    "judge-entry": "cw_entry", "judge-entry-conflict": "cw_entry", "judge-round": "cw_round",
    # contests: the enterprise portal (the member's enterprise's; another enterprise's member gets 404)
    "my-contest": "open_contest", "my-contest-enter": "open_contest",
    "my-contest-entry": "own_contest_draft", "my-contest-entry-edit": "own_contest_draft",
    "my-contest-entry-submit": "own_contest_draft", "my-contest-entry-withdraw": "own_contest_draft",
    "my-award-tranche": "own_paid_tranche", "my-award-tranche-spending": "own_paid_tranche",
    "my-award-tranche-report": "own_paid_tranche",
    "my-spending-item-remove": "own_spending_item", "my-spending-item-evidence": "own_spending_item",
    # the public campaign pages and pledging; a backer's pledges (another backer's: 404)
    "campaign": "public_campaign", "campaign-pledge": "public_campaign", "campaign-pledge-return": "public_campaign",
    "my-pledge": "a_backers_pledge", "my-pledge-cancel": "a_backers_pledge",
    # campaigns in the portal (the member's enterprise's; another enterprise's member gets 404)
    "my-campaign-new": "own_advanced_entry", "my-campaign": "own_campaign", "my-campaign-edit": "own_campaign",
    "my-campaign-launch": "own_campaign", "my-campaign-reward-new": "own_campaign",
    "my-campaign-pledges": "own_campaign", "my-campaign-reward-edit": "own_campaign_reward",
    "my-campaign-reward-remove": "own_campaign_reward",
    # the funding phase in the console: pools, their funders, the preview, settlements and payouts (staff only)
    "contest-pool-create": "funding_contest", "contest-matching-preview": "funding_contest",
    "contest-settlements": "funding_contest", "contest-payout-file": "funding_contest",
    "matching-pool": "funding_pool", "matching-pool-funder": "funding_pool", "pool-funder-fund": "funding_funder",
    "campaign-settlement-payout": "funding_settlement",
    "matching-pool-edit": "funding_pool", "matching-pool-settle": "funding_past_pool",
    "pool-return-payout": "funding_pool_return", "campaign-settle": "funding_other_campaign",
    # the enterprise's payout account (정산 계좌): its members in the portal, managers in the console
    "my-payout-account": "own", "enterprise-payout-account": "own",
    # social impact bonds: the console (staff), the evaluators' and investors' desks (none of the matrix's roles),
    # the portal (the provider's members; another enterprise's member gets 404)
    "bond": "own_bond", "bond-sign": "own_bond", "bond-start": "own_bond", "bond-evaluate": "own_bond",
    "bond-close": "own_bond", "bond-capital-call": "own_bond", "bond-disburse": "own_bond",
    "bond-distribute": "own_bond", "bond-call-line-paid": "bond_call_line", "bond-payment-prepare": "bond_final",
    "bond-payment-approve": "bond_payment", "evaluator-bond": "own_bond", "evaluator-result-record": "own_bond",
    "evaluator-result-confirm": "bond_result", "evaluator-result-reopen": "bond_result",
    "investor-investment": "bond_investment", "my-bond": "own_bond",
    # a draft contract's pages (a signed one's say 409)
    "bond-edit": "bond_draft", "bond-investment-add": "bond_draft", "bond-metric-add": "bond_draft",
    "bond-point-add": "bond_draft", "bond-metric-term": "bond_draft_metric",
}
# Pages of an object every member may see (a contest open for entries): another enterprise's member gets it too.
SHARED = {"my-contest", "my-contest-enter"}
ROLES = ("member", "other_member", "manager", "auditor", "bank_officer", "other_bank_officer", "nobody", "backer")
# Who is allowed in by role but must not see the world's objects (another enterprise's, another bank's): 404.
STRANGERS = ("other_member", "other_bank_officer")


def _patterns() -> list[URLPattern]:
    return [p for p in web_urls.urlpatterns if isinstance(p, URLPattern)]


def _path(world: Any, pattern: URLPattern) -> str:
    path = "/" + str(pattern.pattern).replace("<int:pk>", str(getattr(world, OBJECTS[pattern.name]).pk)
                                               if pattern.name in OBJECTS else "")
    if "<slug:code>" in path:  # a public contest: the campaign's
        path = path.replace("<slug:code>", world.public_campaign.contest.code)
    return path


def test_every_page_with_an_object_says_what_the_object_is():
    missing = [p.name for p in _patterns() if "<int:pk>" in str(p.pattern) and p.name not in OBJECTS]
    assert not missing, f"add these pages to OBJECTS: {missing}"


class World(FundsWorld):
    @cached_property
    def program(self) -> Any:
        program = make_program()
        contribute(program, 1_000_000_000)
        return program

    @cached_property
    def bank(self) -> Any:
        """The program's partner bank: ``bank_officer``'s."""
        return self.program.partner_banks.get()

    @cached_property
    def own_guarantee(self) -> Any:
        """The member's enterprise's active guarantee at ``bank``."""
        return make_guarantee(self.program, enterprise=self.own, bank=self.bank, amount=20_000_000)

    # --- special guarantees: the bank desk's and the portal's objects -------------------------------------------

    @cached_property
    def own_approved_guarantee(self) -> Any:
        """The member's enterprise's guarantee at ``bank``, approved: the bank has not lent yet."""
        return make_guarantee(self.program, enterprise=self.own, bank=self.bank, amount=10_000_000, state="approved")

    @cached_property
    def own_defaulted_guarantee(self) -> Any:
        """The member's enterprise's guarantee at ``bank``, lent 400 days ago, defaulted 60 days ago."""
        from datetime import timedelta

        from django.utils import timezone

        from tests.guarantees.claim_factories import set_defaulted

        today = timezone.localdate()
        guarantee = make_guarantee(self.program, enterprise=self.own, bank=self.bank, amount=10_000_000,
                                   start_on=today - timedelta(days=400))
        return set_defaulted(guarantee, defaulted_on=today - timedelta(days=60),
                             interest_paid_to=today - timedelta(days=90))

    @cached_property
    def own_fee_bill(self) -> Any:
        """The first year's fee bill of ``own_guarantee``."""
        from django.utils import timezone

        from guarantees import services

        return services.fee_bill_first_year(guarantee_id=self.own_guarantee.pk, actor=None,
                                            today=timezone.localdate())

    @cached_property
    def own_guarantee_draft(self) -> Any:
        """A draft guarantee application of the member's enterprise (written straight: the program's window is the
        factory's year)."""
        from djmoney.money import Money

        from guarantees.models import GuaranteeApplication

        return GuaranteeApplication.objects.create(
            program=self.program, enterprise=self.own, bank=self.bank, amount=Money(10_000_000, "KRW"),
            term_months=60, repayment_method="bullet", created_by=self.member)

    @cached_property
    def bank_subsidy_run(self) -> Any:
        """The last month that ended's interest subsidy run, prepared, with a line of a guarantee at ``bank`` lent
        in that month."""
        from datetime import timedelta

        from django.utils import timezone

        from guarantees import services
        from guarantees.services.subsidies import last_ended_period

        today = timezone.localdate()
        month = last_ended_period("monthly", today)
        make_guarantee(self.program, enterprise=self.own, bank=self.bank, amount=10_000_000,
                       start_on=month + timedelta(days=5))
        teller = ManagerFactory()
        services.subsidy_budget_record(actor=teller, program_id=self.program.pk, amount=10_000_000,
                                       received_on=today, idempotency_key="pages-budget", today=today)
        run, _created = services.subsidy_run_prepare(program_id=self.program.pk, period_start=month, actor=teller,
                                                     today=today)
        return run

    # --- special guarantees in the console (web.guarantees.console_urls) ---

    @cached_property
    def own_guarantee_application(self) -> Any:
        """The member's enterprise's application for a guarantee, submitted."""
        from tests.guarantees.pipeline import make_application

        return make_application(self.program, member=self.member, enterprise=self.own, bank=self.bank,
                                amount=10_000_000, state="submitted")

    @cached_property
    def own_recommended_guarantee_application(self) -> Any:
        from tests.guarantees.pipeline import make_application

        return make_application(self.program, member=self.member, enterprise=self.own, bank=self.bank,
                                amount=10_000_000, state="recommended")

    @cached_property
    def prepared_subsidy_run(self) -> Any:
        """Last month's interest subsidy run of ``program`` (over ``own_guarantee``), prepared."""
        from guarantees import services

        assert self.own_guarantee.pk
        start = (self.today.replace(day=1) - timedelta(days=1)).replace(day=1)
        run, _created = services.subsidy_run_prepare(program_id=self.program.pk, period_start=start,
                                                     actor=self.reviewer, today=self.today)
        return run

    @cached_property
    def own_claim(self) -> Any:
        """``bank``'s claim on a defaulted guarantee of the member's enterprise, requested."""
        from tests.guarantees.claim_factories import request_claim, set_defaulted

        guarantee = make_guarantee(self.program, enterprise=self.own, bank=self.bank, amount=5_000_000)
        set_defaulted(guarantee, defaulted_on=self.today - timedelta(days=5), interest_paid_to=self.today
                      - timedelta(days=30))
        return request_claim(guarantee, requested_on=self.today, today=self.today)

    @cached_property
    def cw(self) -> Any:
        from tests.web.crowdfunding.world import ContestWorld

        return ContestWorld()

    cw_contest = property(lambda self: self.cw.contest)
    cw_entry = property(lambda self: self.cw.entries[0])
    cw_selected = property(lambda self: self.cw.selected(2))
    cw_round = property(lambda self: self.cw.closed)
    cw_list = property(lambda self: self.cw.prepared_list)
    cw_tranche = property(lambda self: self.cw.reported_tranche)
    cw_award = property(lambda self: self.cw.reported_tranche.award)
    cw_item = property(lambda self: self.cw.reported_tranche.spending.first())

    @cached_property
    def open_contest(self) -> Any:
        from tests.crowdfunding.factories import ContestFactory
        from tests.web.crowdfunding.portal.world import TODAY, dates_around

        return ContestFactory(name="대구 소셜 크라우드펀딩 대회 (공모 중)", phase="call", **dates_around(TODAY))

    @cached_property
    def own_contest_draft(self) -> Any:
        from tests.crowdfunding.factories import EntryFactory

        return EntryFactory(contest=self.open_contest, enterprise=self.own, state="draft", submitted_at=None)

    @cached_property
    def own_paid_tranche(self) -> Any:
        from tests.web.crowdfunding.portal.world import Awarded
        from tests.web.crowdfunding.portal.world import World as PortalWorld

        return Awarded(PortalWorld(), enterprise=self.own).first

    @cached_property
    def own_spending_item(self) -> Any:
        from crowdfunding import services
        from tests.web.crowdfunding.portal.world import TODAY, pdf_file

        return services.spending_add(actor=self.member, today=TODAY, tranche_id=self.own_paid_tranche.pk,
                                     amount=1_000_000, category="materials", description="원재료 구입",
                                     spent_on=TODAY, evidence=pdf_file())

    @cached_property
    def public_campaign(self) -> Any:
        from tests.crowdfunding.campaign_factories import CampaignFactory

        return CampaignFactory()

    @cached_property
    def a_backers_pledge(self) -> Any:
        from crowdfunding.models import Pledge

        return Pledge.objects.create(campaign=self.public_campaign, backer=BackerFactory(), amount=10_000,
                                     state=Pledge.State.RESERVED, order_id="matrix-order-1",
                                     idempotency_key="matrix-1")
    # --- the funding phase (tests.web.crowdfunding.funding_world, with the member's own enterprise) ---

    @cached_property
    def fw(self) -> Any:
        from tests.web.crowdfunding.funding_world import FundingWorld

        made = FundingWorld()
        made.enterprise, made.member = self.own, self.member  # type: ignore[misc]
        return made

    own_advanced_entry = property(lambda self: self.fw.entry)
    own_campaign_reward = property(lambda self: self.fw.own_reward)
    funding_contest = property(lambda self: self.fw.contest)
    funding_pool = property(lambda self: self.fw.pool)
    funding_funder = property(lambda self: self.fw.funder)
    funding_settlement = property(lambda self: self.fw.own_settled)
    funding_past_pool = property(lambda self: self.fw.past_pool)
    funding_pool_return = property(lambda self: self.fw.pool_return)
    funding_other_campaign = property(lambda self: self.fw.other_campaign)

    # --- social impact bonds (tests.web.bonds.world, the contract's provider the member's enterprise) ---

    @cached_property
    def bw(self) -> Any:
        from bonds.models import Contract
        from tests.web.bonds.world import PagesWorld

        world = PagesWorld.make()
        Contract.objects.filter(pk=world.contract.pk).update(provider=self.own)
        return world

    own_bond = property(lambda self: self.bw.contract)
    bond_call_line = property(lambda self: self.bw.line)
    bond_final = property(lambda self: self.bw.bond.final)
    bond_payment = property(lambda self: self.bw.payment)
    bond_result = property(lambda self: self.bw.result)
    bond_investment = property(lambda self: self.bw.bond.investments[0])
    bond_draft = property(lambda self: self.bw.draft)
    bond_draft_metric = property(lambda self: self.bw.draft.metrics.order_by("position").first())

    @property
    def own_campaign(self) -> Any:
        return self.fw.own_draft

    @property
    def own_statement(self) -> Any:
        from django.utils import timezone

        from statements import services

        today = timezone.localdate()
        return services.statement_request(actor=self.member, kind="enterprise", subject_id=self.own.pk, today=today,
                                          period_start=today.replace(month=1, day=1), period_end=today)


def _user(world: World, role: str) -> Any:
    return {"member": lambda: world.member, "other_member": lambda: world.other_member,
            "manager": ManagerFactory, "auditor": AuditorFactory, "nobody": UserFactory, "backer": BackerFactory,
            "bank_officer": lambda: BankOfficerFactory(institution=world.bank),
            "other_bank_officer": BankOfficerFactory}[role]()


def _expected(pattern: URLPattern, user: Any, role: str) -> set[int]:
    view = pattern.callback.view_class  # type: ignore[attr-defined]
    if pattern.name in POST_ONLY:
        return {405}
    if pattern.name == "statement-download":  # the member's statement, still pending: not ready (409)
        if not STATEMENTS.allows(user, "statement.download"):
            return {403}
        # another enterprise's member, and a backer (only its own pledges' receipts), do not see it
        return {404} if role in ("other_member", "backer") else {409}
    if pattern.name in PLEDGING:
        return {PLEDGING[pattern.name]} if role == "backer" else {403}
    if not issubclass(view, Page):
        raise AssertionError(f"{pattern.name}: not a Page; say here what each role gets")
    allowed = AREAS.allows(user, AREA_ACTION[view.area]) and view.access.allows(user, view.action)
    if not allowed:
        return {403}
    if pattern.name in OBJECTS and role in STRANGERS and pattern.name not in SHARED:
        return {404}
    if pattern.name in OTHER_BACKERS:
        return {404}
    return {200}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_each_page_declares(role, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world = World(member_of())
    user = _user(world, role)
    client = Client()
    client.force_login(user)
    wrong = []
    for pattern in _patterns():
        if pattern.name in PUBLIC:
            if pattern.name in PUBLIC_CAMPAIGN_PAGES:  # the same for everyone, signed in or not
                assert client.get(_path(world, pattern)).status_code == 200, pattern.name
            continue
        path = _path(world, pattern)
        status = client.get(path).status_code
        expected = _expected(pattern, user, role)
        if status not in expected:
            wrong.append(f"{role} GET {path} ({pattern.name}): {status}, expected {sorted(expected)}")
    assert not wrong, "\n".join(wrong)


def test_signed_out_visitors_get_the_public_pages_and_the_login_for_the_rest():
    world = World(member_of())
    client = Client()
    for pattern in _patterns():
        path = _path(world, pattern)
        response = client.get(path)
        if pattern.name in PUBLIC:
            assert response.status_code == PUBLIC[pattern.name], path
        elif pattern.name == "logout":
            assert response.status_code == 405, path
        else:
            assert response.status_code == 302 and response["Location"].startswith("/login/?next="), path
